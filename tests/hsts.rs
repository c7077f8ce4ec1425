//! `Strict-Transport-Security` follows the public address the operator declares.

mod common;

use common::TestApp;

#[tokio::test]
async fn a_server_whose_public_url_is_https_sends_hsts_on_every_response() {
    let app = TestApp::spawn_with(|c| {
        c.public_url = Some("https://advice.example".parse().expect("origin"));
    })
    .await;
    let id = app.create(&common::dental_practice()).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    for path in [
        "/".to_owned(),
        "/nope".to_owned(),
        "/healthz".to_owned(),
        "/api/v1/questionnaire".to_owned(),
        format!("/assessments/{id}/embed"),
    ] {
        let res = app.get(&path).await;
        assert_eq!(
            res.headers()["strict-transport-security"],
            "max-age=31536000",
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_server_on_plain_http_never_sends_hsts() {
    let app = TestApp::spawn().await;
    assert!(
        app.config
            .public_url
            .as_ref()
            .expect("set")
            .as_str()
            .starts_with("http://")
    );
    for path in ["/", "/nope", "/healthz"] {
        let res = app
            .client
            .get(app.url(path))
            .header("x-forwarded-proto", "https")
            .send()
            .await
            .expect("request");
        assert!(
            res.headers().get("strict-transport-security").is_none(),
            "{path}"
        );
    }
}
