//! Consultant forms are accepted only from the server's own origin: scheme, host and port.

mod common;

use common::consultant::Consultant;
use common::{TestApp, dental_practice};
use reqwest::header::COOKIE;

/// The status a note posted with `Origin: origin` (and any `extra` headers) gets.
async fn post_note_from(app: &TestApp, origin: &str, extra: &[(&str, &str)]) -> u16 {
    let id = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = Consultant::sign_in(app).await;
    let body =
        serde_urlencoded::to_string([("body", "Called"), ("csrf", b.csrf.as_str())]).unwrap();
    let mut request = app
        .client
        .post(app.url(&format!("/consultant/assessments/{id}/notes")))
        .header(COOKIE, &b.cookie)
        .header("origin", origin)
        .header("content-type", "application/x-www-form-urlencoded");
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request.body(body).send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn a_post_must_come_from_the_public_url_with_its_scheme_and_port() {
    let app = TestApp::spawn_with(|c| {
        c.public_url = Some("https://advice.example".parse().unwrap());
    })
    .await;
    for (origin, status) in [
        ("https://advice.example", 303),
        ("https://advice.example:443", 303),
        ("http://advice.example", 403),
        ("https://advice.example:8443", 403),
        ("https://evil.example", 403),
        (&format!("http://{}", app.addr), 403),
    ] {
        assert_eq!(post_note_from(&app, origin, &[]).await, status, "{origin}");
    }
}

#[tokio::test]
async fn without_a_public_url_a_post_must_come_from_the_host_over_the_scheme_it_came_on() {
    let app = TestApp::spawn_with(|c| c.public_url = None).await;
    let host = app.addr.to_string();
    let http = format!("http://{host}");
    let https = format!("https://{host}");
    assert_eq!(post_note_from(&app, &http, &[]).await, 303);
    assert_eq!(post_note_from(&app, &https, &[]).await, 403);
    // A client's word about the scheme counts for nothing without a trusted proxy.
    let claims_https = [("x-forwarded-proto", "https")];
    assert_eq!(post_note_from(&app, &https, &claims_https).await, 403);

    let proxied = TestApp::spawn_with(|c| {
        c.public_url = None;
        c.trust_proxy = true;
    })
    .await;
    let host = proxied.addr.to_string();
    let http = format!("http://{host}");
    let https = format!("https://{host}");
    assert_eq!(post_note_from(&proxied, &https, &claims_https).await, 303);
    assert_eq!(post_note_from(&proxied, &http, &claims_https).await, 403);
    assert_eq!(post_note_from(&proxied, &http, &[]).await, 303);
}
