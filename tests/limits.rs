//! Limits that protect the server from clients that send too much at once.

mod common;

use common::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The headers every answer carries, errors included.
fn assert_security_headers(res: &reqwest::Response) {
    let headers = res.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert!(headers.contains_key("referrer-policy"));
}

/// A JSON error body with a message a person can act on, containing `words`.
async fn assert_json_error(res: reqwest::Response, words: &str) {
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: serde_json::Value =
        serde_json::from_str(&common::text(res).await).expect("a JSON error body");
    let message = body["errors"][0]["message"].as_str().expect("a message");
    assert!(message.contains(words), "{message}");
}

#[tokio::test]
async fn oversized_headers_are_answered_with_431_as_a_page_or_as_json_under_the_api() {
    let app = TestApp::spawn().await;
    let send = |path: &str| {
        app.client
            .get(app.url(path))
            .header("accept-encoding", common::ACCEPT_ENCODING)
            .header("x-padding", "a".repeat(20 * 1024))
            .send()
    };
    let res = send("/")
        .await
        .expect("the server answers instead of dropping the connection");
    assert_eq!(res.status(), 431);
    assert_security_headers(&res);
    assert!(common::text(res).await.contains("cookies"));
    let res = send("/api/v1/questionnaire").await.expect("an answer");
    assert_eq!(res.status(), 431);
    assert_security_headers(&res);
    assert_json_error(res, "headers").await;
}

#[tokio::test]
async fn too_many_headers_are_answered_with_431_in_json_under_the_api() {
    let app = TestApp::spawn().await;
    let mut req = app.client.post(app.url("/api/v1/assessments"));
    for i in 0..150 {
        req = req.header(format!("x-h{i}"), "1");
    }
    let res = req.send().await.expect("an answer");
    assert_eq!(res.status(), 431);
    assert_security_headers(&res);
    assert_json_error(res, "headers").await;
}

#[tokio::test]
async fn a_request_past_the_timeout_gets_408_in_json_under_the_api() {
    let app = TestApp::spawn_with(|c| c.request_timeout_seconds = 1).await;
    // The body never finishes arriving.
    let mut socket = hold_a_request_open(&app).await;
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer).await.expect("read");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let lower = answer.to_ascii_lowercase();
    assert!(lower.contains("content-type: application/json"), "{answer}");
    assert!(
        lower.contains("x-content-type-options: nosniff"),
        "{answer}"
    );
    assert!(lower.contains("content-security-policy:"), "{answer}");
    assert!(answer.contains("took too long"), "{answer}");
}

#[tokio::test]
async fn generous_ordinary_headers_are_still_accepted() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/"))
        .header("cookie", format!("big={}", "c".repeat(8 * 1024)))
        .send()
        .await
        .expect("an answer");
    assert_eq!(res.status(), 200);
}

/// Starts a JSON submission whose body never finishes arriving, so the request stays in flight.
async fn hold_a_request_open(app: &TestApp) -> TcpStream {
    let mut socket = TcpStream::connect(app.addr).await.expect("connect");
    let head = format!(
        "POST /api/v1/assessments HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\n\
         content-length: 1000\r\n\r\n{{\"employees\": ",
        app.addr
    );
    socket.write_all(head.as_bytes()).await.expect("write");
    socket
}

/// Sends the rest of the held request (as padding that makes it malformed) and reads its answer.
async fn finish(mut socket: TcpStream) -> String {
    let sent = "{\"employees\": ".len();
    socket
        .write_all(" ".repeat(1000 - sent).as_bytes())
        .await
        .expect("write");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    // The response is small; read until its headers have arrived.
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf).await.expect("read");
        assert!(n > 0, "connection closed before an answer");
        answer.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn past_the_concurrency_limit_requests_are_shed_with_503_and_retry_after() {
    let app = TestApp::spawn_with(|c| c.max_concurrent_requests = 1).await;
    let held = hold_a_request_open(&app).await;
    // The held request is counted once the server has read its head; poll until it is.
    let mut shed = None;
    for _ in 0..100 {
        let res = app.get("/").await;
        if res.status() == 503 {
            shed = Some(res);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let res = shed.expect("a second request is shed while the first is in flight");
    assert_eq!(res.headers()["retry-after"], "1");
    assert_security_headers(&res);
    assert!(res.text().await.expect("text").contains("busy"));

    let api = app.get("/api/v1/questionnaire").await;
    assert_eq!(api.status(), 503);
    let body: serde_json::Value = api.json().await.expect("a JSON error body under the API");
    assert!(body["errors"][0]["message"].is_string());

    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "health checks bypass"
    );
    assert_eq!(
        app.get("/readyz").await.status(),
        200,
        "health checks bypass"
    );

    let answer = finish(held).await;
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert_eq!(app.get("/").await.status(), 200, "the slot is free again");
}

#[tokio::test]
async fn the_default_limit_does_not_shed_ordinary_concurrency() {
    let app = TestApp::spawn().await;
    let held = [
        hold_a_request_open(&app).await,
        hold_a_request_open(&app).await,
    ];
    let statuses = futures_util::future::join_all((0..32).map(|_| app.get("/assess"))).await;
    assert!(statuses.iter().all(|r| r.status() == 200));
    drop(held);
}
