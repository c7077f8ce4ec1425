//! Prometheus metrics at /metrics when --metrics is on.

mod common;

use common::{TestApp, dental_practice};

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_time_them_and_count_verdicts() {
    let app = TestApp::spawn_with(|c| c.metrics = true).await;
    assert_eq!(app.get("/assess").await.status(), 200);
    let id = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.get(&format!("/assessments/{id}")).await.status(), 200);
    assert_eq!(app.get("/no/such/page").await.status(), 404);

    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = res.text().await.unwrap();
    for expected in [
        r#"http_requests_total{method="GET",route="/assess",status="200"}"#,
        r#"http_requests_total{method="POST",route="/api/v1/assessments",status="201"}"#,
        // Routes, not raw paths: the id does not become a label.
        r#"http_requests_total{method="GET",route="/assessments/{id}",status="200"}"#,
        r#"http_requests_total{method="GET",route="(unmatched)",status="404"}"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/assess",le="0.01"}"#,
        r#"assessments_created_total{recommendation="managed"}"#,
    ] {
        assert!(text.contains(expected), "missing {expected} in\n{text}");
    }
    assert!(!text.contains(&id));
}

#[tokio::test]
async fn without_the_flag_there_is_no_metrics_page() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/metrics").await.status(), 404);
}

#[tokio::test]
async fn invented_method_names_are_counted_under_one_label_and_the_page_stays_small() {
    let app = TestApp::spawn_with(|c| c.metrics = true).await;
    let sent = 500;
    for i in 0..sent {
        let method = reqwest::Method::from_bytes(format!("INVENTED{i}").as_bytes()).unwrap();
        let path = if i % 2 == 0 {
            "/assess"
        } else {
            "/no/such/page"
        };
        let res = app
            .client
            .request(method, app.url(path))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error(), "{}", res.status());
    }

    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(
        !text.contains("INVENTED"),
        "an invented method became a label"
    );
    let other: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("http_requests_total{") && l.contains(r#"method="OTHER""#))
        .collect();
    let counted: f64 = other
        .iter()
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(counted, f64::from(sent), "{other:?}");
    // One series for each route and status the invented methods reached, however many names.
    assert!(other.len() <= 2, "{other:?}");
    assert!(text.len() < 64 * 1024, "{} bytes", text.len());
}
