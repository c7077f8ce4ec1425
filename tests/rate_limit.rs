//! Submissions are limited per client address on every route that creates an assessment.

mod common;

use std::time::Duration;

use common::{TestApp, as_form, dental_practice};

async fn api_post(app: &TestApp, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url("/api/v1/assessments"))
        .header("content-type", "application/json")
        .body(dental_practice().to_string());
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    req.send().await.expect("request")
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds")
}

#[tokio::test]
async fn a_limit_of_three_lets_three_through_and_the_fourth_gets_429_with_retry_after() {
    let app = TestApp::spawn_with(|c| c.submit_rate_limit = 3).await;
    for _ in 0..3 {
        assert_eq!(api_post(&app, None).await.status(), 201);
    }
    let res = api_post(&app, None).await;
    assert_eq!(res.status(), 429);
    // Three a minute: one comes back every 20 seconds.
    assert_eq!(retry_after(&res), 20);
    let body: serde_json::Value = res.json().await.expect("json");
    let message = body["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains("Wait"), "{message}");
    app.clock.advance(Duration::from_secs(19));
    assert_eq!(retry_after(&api_post(&app, None).await), 1);
    app.clock.advance(Duration::from_secs(1));
    assert_eq!(api_post(&app, None).await.status(), 201);
    assert_eq!(api_post(&app, None).await.status(), 429);
}

#[tokio::test]
async fn the_form_routes_share_the_budget_and_answer_429_with_a_page() {
    let app = TestApp::spawn_with(|c| c.submit_rate_limit = 2).await;
    let form = as_form(&dental_practice());
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(app.post_form("/assessments", &pairs).await.status(), 303);
    assert_eq!(app.post_form("/assess/embed", &pairs).await.status(), 303);
    for path in ["/assessments", "/assess/embed"] {
        let res = app.post_form(path, &pairs).await;
        assert_eq!(res.status(), 429, "{path}");
        retry_after(&res);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = res.text().await.expect("text");
        assert!(page.contains("Too many assessments"), "{page}");
    }
    assert_eq!(api_post(&app, None).await.status(), 429);
}

#[tokio::test]
async fn a_limit_of_zero_turns_it_off() {
    let app = TestApp::spawn_with(|c| c.submit_rate_limit = 0).await;
    for _ in 0..10 {
        assert_eq!(api_post(&app, None).await.status(), 201);
    }
}

#[tokio::test]
async fn x_forwarded_for_is_ignored_without_trust_proxy() {
    let app = TestApp::spawn_with(|c| c.submit_rate_limit = 1).await;
    assert_eq!(api_post(&app, Some("203.0.113.1")).await.status(), 201);
    assert_eq!(api_post(&app, Some("203.0.113.2")).await.status(), 429);
}

#[tokio::test]
async fn x_forwarded_for_is_honoured_with_trust_proxy() {
    let app = TestApp::spawn_with(|c| {
        c.submit_rate_limit = 1;
        c.trust_proxy = true;
    })
    .await;
    assert_eq!(
        api_post(&app, Some("203.0.113.1, 10.0.0.1")).await.status(),
        201
    );
    assert_eq!(api_post(&app, Some("203.0.113.2")).await.status(), 201);
    assert_eq!(api_post(&app, Some("203.0.113.1")).await.status(), 429);
}

#[tokio::test]
async fn addresses_in_one_ipv6_64_share_one_budget_behind_a_trusted_proxy() {
    let app = TestApp::spawn_with(|c| {
        c.submit_rate_limit = 1;
        c.trust_proxy = true;
    })
    .await;
    assert_eq!(api_post(&app, Some("2001:db8:1:2::1")).await.status(), 201);
    for neighbour in ["2001:db8:1:2::2", "2001:db8:1:2:ffff:ffff:ffff:ffff"] {
        assert_eq!(
            api_post(&app, Some(neighbour)).await.status(),
            429,
            "{neighbour}"
        );
    }
    assert_eq!(api_post(&app, Some("2001:db8:1:3::1")).await.status(), 201);
    // IPv4 stays per address.
    assert_eq!(api_post(&app, Some("203.0.113.1")).await.status(), 201);
    assert_eq!(api_post(&app, Some("203.0.113.2")).await.status(), 201);
}
