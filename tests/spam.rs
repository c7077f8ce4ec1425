//! Spam without CAPTCHAs: a honeypot field and a minimum fill time on the HTML forms. Suspicious
//! submissions are stored flagged; consultants see and filter them; the owner notices nothing.

mod common;

use std::time::Duration;

use common::{TestApp, as_form, dental_practice, tiny_studio};
use reqwest::header::COOKIE;

async fn consultant_page(app: &TestApp, cookie: &str, path: &str) -> String {
    let res = app
        .client
        .get(app.url(path))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// Fetches the questionnaire at `form_path` and returns its signed start time.
async fn form_started(app: &TestApp, form_path: &str) -> String {
    let html = app.get(form_path).await.text().await.unwrap();
    assert!(html.contains("Leave this empty"), "honeypot label");
    assert!(
        html.contains(r#"name="website" type="text" value="" tabindex="-1" autocomplete="off""#)
    );
    common::hidden(&html, "form_started")
}

/// Posts `answers` as a browser would, with the extra fields given, and returns the new id.
async fn submit(
    app: &TestApp,
    path: &str,
    answers: &serde_json::Value,
    extra: &[(&str, &str)],
) -> String {
    let mut pairs = as_form(answers);
    pairs.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let borrowed: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let res = app.post_form(path, &borrowed).await;
    assert_eq!(res.status(), 303, "{path}");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    location
        .trim_start_matches("/assessments/")
        .trim_end_matches("/embed")
        .to_owned()
}

async fn flagged_reason(app: &TestApp, id: &str) -> Option<String> {
    let pool = app.db().await;
    servicefit::on_pool!(&pool, pool => sqlx::query_scalar("SELECT flagged FROM assessments WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap())
}

#[tokio::test]
async fn a_filled_honeypot_is_stored_flagged_and_the_owner_sees_their_result() {
    let app = TestApp::spawn_with(|c| c.min_fill_seconds = 0).await;
    let started = form_started(&app, "/assess").await;
    let id = submit(
        &app,
        "/assessments",
        &dental_practice(),
        &[
            ("form_started", &started),
            ("website", "http://cheap-pills.example"),
        ],
    )
    .await;
    assert_eq!(
        flagged_reason(&app, &id).await.as_deref(),
        Some("honeypot field filled in")
    );
    let page = app.get(&format!("/assessments/{id}")).await;
    assert_eq!(page.status(), 200);
    assert!(!page.text().await.unwrap().contains("flagged"));
}

#[tokio::test]
async fn a_form_sent_faster_than_the_minimum_fill_time_is_flagged() {
    let app = TestApp::spawn_with(|c| c.min_fill_seconds = 30).await;
    for path in ["/assess", "/assess/embed"] {
        let started = form_started(&app, path).await;
        let post_to = if path == "/assess" {
            "/assessments"
        } else {
            "/assess/embed"
        };
        let id = submit(
            &app,
            post_to,
            &dental_practice(),
            &[("form_started", &started), ("website", "")],
        )
        .await;
        let reason = flagged_reason(&app, &id).await.expect("flagged");
        assert!(reason.contains("minimum 30 s"), "{reason}");
    }
}

#[tokio::test]
async fn a_form_without_a_timestamp_from_this_server_is_flagged() {
    let app = TestApp::spawn().await;
    let forged = "1000.0000000000000000000000000000000000000000000000000000000000000000";
    let id = submit(
        &app,
        "/assessments",
        &dental_practice(),
        &[("form_started", forged)],
    )
    .await;
    assert!(flagged_reason(&app, &id).await.is_some());
    let id = submit(&app, "/assessments", &dental_practice(), &[]).await;
    assert!(flagged_reason(&app, &id).await.is_some());
}

#[tokio::test]
async fn a_person_who_takes_their_time_is_not_flagged() {
    let app = TestApp::spawn_with(|c| c.min_fill_seconds = 1).await;
    let started = form_started(&app, "/assess").await;
    // The real clock has to pass the minimum; one second keeps the test short.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let id = submit(
        &app,
        "/assessments",
        &dental_practice(),
        &[("form_started", &started), ("website", "")],
    )
    .await;
    assert_eq!(flagged_reason(&app, &id).await, None);
}

#[tokio::test]
async fn the_api_is_not_subject_to_the_form_checks() {
    let app = TestApp::spawn_with(|c| c.min_fill_seconds = 30).await;
    let mut answers = dental_practice();
    answers["website"] = "http://spam.example".into();
    let id = app.create(&answers).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(flagged_reason(&app, &id).await, None);
}

#[tokio::test]
async fn consultants_see_a_flagged_marker_and_can_filter_on_it() {
    let app = TestApp::spawn_with(|c| c.min_fill_seconds = 0).await;
    let started = form_started(&app, "/assess").await;
    submit(
        &app,
        "/assessments",
        &dental_practice(),
        &[("form_started", &started), ("website", "x")],
    )
    .await;
    submit(
        &app,
        "/assessments",
        &tiny_studio(),
        &[("form_started", &started), ("website", "")],
    )
    .await;
    let cookie = app.consultant_cookie().await;

    let all = consultant_page(&app, &cookie, "/consultant").await;
    assert!(all.contains("Harbour Dental") && all.contains("Two Pines Studio"));
    assert!(all.contains(r#"<span class="flag""#));

    let flagged = consultant_page(&app, &cookie, "/consultant?flagged=yes").await;
    assert!(flagged.contains("Harbour Dental") && !flagged.contains("Two Pines Studio"));
    let clean = consultant_page(&app, &cookie, "/consultant?flagged=no").await;
    assert!(!clean.contains("Harbour Dental") && clean.contains("Two Pines Studio"));
    assert!(!clean.contains(r#"<span class="flag""#));

    let id = flagged
        .split("/consultant/assessments/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a link to the flagged assessment")
        .to_owned();
    let detail = consultant_page(&app, &cookie, &format!("/consultant/assessments/{id}")).await;
    assert!(detail.contains("honeypot field filled in"), "{detail}");

    let res = app
        .client
        .get(app.url("/consultant?flagged=maybe"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn a_form_opened_before_a_restart_is_not_flagged_after_it() {
    let app = TestApp::spawn_with(|c| c.min_fill_seconds = 1).await;
    let started = form_started(&app, "/assess").await;
    let app = app.restart().await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let id = submit(
        &app,
        "/assessments",
        &dental_practice(),
        &[("form_started", &started), ("website", "")],
    )
    .await;
    assert_eq!(flagged_reason(&app, &id).await, None);
}
