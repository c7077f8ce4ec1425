//! A plain-text "Hello, World!" over axum: the ceiling servicefit's pages are measured against.
//! `/bytes/{n}` answers `n` bytes (at most 64 KiB) from a static buffer, so the cost of moving a
//! body as large as servicefit's through the same stack and loopback can be measured beside it.

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::routing::get;

static FILL: [u8; 65_536] = [b'x'; 65_536];

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let app =
        Router::new()
            .route("/", get(|| async { "Hello, World!" }))
            .route(
                "/bytes/{n}",
                get(|Path(n): Path<usize>| async move {
                    Bytes::from_static(&FILL[..n.min(FILL.len())])
                }),
            );
    axum::serve(listener, app).await
}
