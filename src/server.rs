//! The HTTP/1 server loop. `axum::serve` hides hyper's connection settings; serving with hyper
//! directly lets the server cap header sizes (answered with `431`) and time out clients that
//! never finish their headers.

use std::future::Future;
use std::io;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Largest request line plus headers accepted; past it the app answers `431` (JSON under the
/// API). Browsers send well under 2 KiB; 16 KiB leaves room for large cookies and proxies'
/// forwarding headers, as common proxies do (nginx allows 4 × 8 KiB).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Most header lines accepted; past it the app answers `431`.
pub const MAX_HEADERS: usize = 100;

/// What hyper itself parses before it answers a bare `431`, above [`MAX_HEADERS`] for the same
/// reason as [`HYPER_MAX_HEADER_BYTES`].
const HYPER_MAX_HEADERS: usize = 400;

/// What hyper itself reads of a request head before it answers a bare `431` and closes the
/// connection: room above [`MAX_HEADER_BYTES`] so that the app, which knows the route and
/// answers in the route's format, is the one that refuses. It must fit in [`MAX_BUF_BYTES`].
const HYPER_MAX_HEADER_BYTES: usize = 56 * 1024;

/// The read buffer of one connection. Bodies stream through it, so it bounds memory per
/// connection, not body size (hyper's default is ~400 KiB).
const MAX_BUF_BYTES: usize = 64 * 1024;

/// A client that has not sent its whole request head by then is disconnected (slowloris).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves `app` on an already bound listener until `shutdown` resolves, then stops accepting
/// and lets requests in flight finish. Handlers can extract `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_header_size(HYPER_MAX_HEADER_BYTES)
        .max_headers(HYPER_MAX_HEADERS)
        .max_buf_size(MAX_BUF_BYTES);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Responses are written whole; waiting to coalesce them only adds latency.
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        // The sign-in throttle and the submission limit read the client's address from here.
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // Clients that vanish mid-request are routine, not errors of ours.
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Per-connection failures are the client's business; anything else (out of file descriptors)
/// would make the loop spin, so it pauses as `axum::serve` does.
async fn accept_failed(e: &io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
