//! Several instances on one PostgreSQL database behave as one service: data, sessions, the
//! submission budget and the sign-in throttle are shared; webhook events and report emails are
//! sent once whichever instance drains them; periodic work runs once; a deletion on one is seen
//! by the others' caches; a killed instance loses nothing acknowledged, nor does a crash of
//! PostgreSQL itself, after which the servers serve again; `/readyz` follows the database's
//! ability to write.
//!
//! PostgreSQL only (`SERVICEFIT_TEST_POSTGRES`): on SQLite one process serves the file, so each
//! test returns at once with a note when the run is on SQLite.

mod common;
#[path = "instances/deliveries.rs"]
mod deliveries;
#[path = "instances/failures.rs"]
mod failures;
#[path = "instances/periodic.rs"]
mod periodic;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::binary::{self, Server, assert_readable, write_concurrently};
use common::consultant::Consultant;
use common::database::{self, postgres_server};
use common::report::{DELIVERY, with_smtp};
use common::sign_in::Browser;
use common::smtp::SmtpSink;
use common::{
    ACCEPT_ENCODING, CONSULTANT_EMAIL, CONSULTANT_PASSWORD, TestApp, assessment_of,
    dental_practice, text, tiny_studio,
};
use servicefit::config::Config;
use servicefit::db;
use sqlx::{Connection, PgConnection};

/// The PostgreSQL server of this run, or `None` (with a note) on SQLite.
fn on_postgres(test: &str) -> Option<String> {
    let server = postgres_server();
    if server.is_none() {
        eprintln!(
            "{test}: skipped: several instances need PostgreSQL (set {})",
            database::POSTGRES_ENV
        );
    }
    server
}

/// Two servers on one fresh database, both set up by `adjust`.
async fn two_apps(adjust: impl Fn(&mut Config)) -> (TestApp, TestApp) {
    let a = TestApp::spawn_with(&adjust).await;
    let url = a.config.database_url.clone();
    let b = TestApp::spawn_with(|c| {
        adjust(c);
        c.database_url = url;
    })
    .await;
    assert_eq!(a.config.database_url, b.config.database_url);
    (a, b)
}

/// One request through the instance `i` of `apps`, as a balancer spreading requests would.
fn pick(apps: &[&TestApp; 2], i: usize) -> usize {
    i % apps.len()
}

/// The assessment's JSON as a browser's `fetch` gets it from `app`.
async fn json_of(app: &TestApp, id: &str) -> String {
    let res = app
        .client
        .get(app.url(&format!("/api/v1/assessments/{id}")))
        .header("accept-encoding", ACCEPT_ENCODING)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    text(res).await
}

/// The assessment's result page from `app`.
async fn page_of(app: &TestApp, id: &str) -> String {
    let res = app.get(&format!("/assessments/{id}")).await;
    assert_eq!(res.status(), 200);
    text(res).await
}

#[tokio::test]
async fn an_assessment_made_on_one_instance_is_served_by_the_other_byte_for_byte() {
    if on_postgres("served by the other").is_none() {
        return;
    }
    let (a, b) = two_apps(|_| {}).await;
    let res = a.post_json("/api/v1/assessments", &dental_practice()).await;
    assert_eq!(res.status(), 201);
    let created = text(res).await;
    let id = binary::id_of(&created);

    let on_b = json_of(&b, &id).await;
    assert_eq!(
        on_b,
        assessment_of(&created),
        "B serves what A acknowledged"
    );
    assert_eq!(on_b, json_of(&a, &id).await, "A and B serve the same bytes");

    let html_b = page_of(&b, &id).await;
    assert!(html_b.contains("Managed IT"), "B renders the result page");
    assert_eq!(html_b, page_of(&a, &id).await, "the same page from both");
    // And the other way round: made on B, served by A.
    let other = b.create(&tiny_studio()).await;
    let other_id = other["id"].as_str().unwrap();
    let res = a.get(&format!("/api/v1/assessments/{other_id}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap(), other);
}

#[tokio::test]
async fn a_consultant_signed_in_on_one_instance_is_signed_in_on_both_until_signing_out() {
    if on_postgres("sessions").is_none() {
        return;
    }
    let (a, b) = two_apps(|_| {}).await;
    let consultant = Consultant::sign_in(&a).await;
    let on_b = consultant.get(&b, "/consultant").await;
    assert_eq!(on_b.status(), 200, "B knows A's session");
    // A CSRF token of a page from B works on A: it belongs to the session, not the instance.
    let csrf_b = common::hidden(&on_b.text().await.unwrap(), "csrf");
    assert_eq!(csrf_b, consultant.csrf);

    let out = consultant.post(&a, "/consultant/logout", &[]).await;
    assert_eq!(out.status(), 303);
    for app in [&a, &b] {
        let res = consultant.get(app, "/consultant").await;
        assert_eq!(res.status(), 303, "signed out everywhere");
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/consultant/login"),
        );
    }
}

#[tokio::test]
async fn the_submission_limit_is_one_budget_across_instances() {
    if on_postgres("submission limit").is_none() {
        return;
    }
    let (a, b) = two_apps(|c| c.submit_rate_limit = 3).await;
    let apps = [&a, &b];
    for i in 0..3 {
        let res = apps[pick(&apps, i)]
            .post_json("/api/v1/assessments", &dental_practice())
            .await;
        assert_eq!(res.status(), 201, "submission {i} fits the budget");
    }
    for app in apps {
        let res = app
            .post_json("/api/v1/assessments", &dental_practice())
            .await;
        assert_eq!(res.status(), 429, "the fourth is over the shared budget");
        let wait: u64 = res.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=20).contains(&wait), "one slot a 20 s: {wait}");
    }
    // The budget refills for both once time moves on (each instance's clock).
    for app in apps {
        app.clock.advance(Duration::from_secs(21));
    }
    assert_eq!(
        b.post_json("/api/v1/assessments", &dental_practice())
            .await
            .status(),
        201
    );
    assert_eq!(
        a.post_json("/api/v1/assessments", &dental_practice())
            .await
            .status(),
        429,
        "one slot came back, and B spent it"
    );
}

#[tokio::test]
async fn failed_sign_ins_on_both_instances_add_up_to_one_throttle() {
    if on_postgres("sign-in throttle").is_none() {
        return;
    }
    let (a, b) = two_apps(|_| {}).await;
    common::sign_in::add_consultant(&a).await;
    let limit = usize::try_from(servicefit::auth::MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS).unwrap();
    // One browser, its requests spread over both instances by the balancer.
    let mut browser = Browser::open_login(&a).await;
    let apps = [&a, &b];
    for i in 0..limit {
        let res = browser
            .try_sign_in(
                apps[pick(&apps, i)],
                CONSULTANT_EMAIL,
                "wrong password!",
                "/consultant",
            )
            .await;
        assert_eq!(
            res.status(),
            401,
            "failure {i} is refused, not yet throttled"
        );
    }
    for app in apps {
        let res = browser
            .try_sign_in(app, CONSULTANT_EMAIL, CONSULTANT_PASSWORD, "/consultant")
            .await;
        assert_eq!(
            res.status(),
            429,
            "{limit} failures spread over two instances block even the right password"
        );
        assert!(res.headers().contains_key("retry-after"));
    }
}

/// `POST /api/v1/assessments` with an `Idempotency-Key`.
async fn submit_with_key(app: &TestApp, key: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/assessments"))
        .header("content-type", "application/json")
        .header("accept-encoding", ACCEPT_ENCODING)
        .header("idempotency-key", key)
        .body(dental_practice().to_string())
        .send()
        .await
        .unwrap()
}

async fn stored(app: &TestApp) -> i64 {
    servicefit::on_pool!(&app.db().await, pool => sqlx::query_scalar("SELECT count(*) FROM assessments")
        .fetch_one(pool)
        .await
        .unwrap())
}

#[tokio::test]
async fn retries_spread_over_both_instances_make_one_assessment() {
    if on_postgres("retries").is_none() {
        return;
    }
    let (a, b) = two_apps(|_| {}).await;
    // The same key sent to both at once, as a client retrying through the balancer.
    let apps = [&a, &b];
    let attempts = (0..8).map(|i| submit_with_key(apps[pick(&apps, i)], "crm-lead-77"));
    let mut locations = Vec::new();
    let mut bodies = Vec::new();
    for res in futures_util::future::join_all(attempts).await {
        assert_eq!(res.status(), 201);
        locations.push(res.headers()["location"].to_str().unwrap().to_owned());
        bodies.push(assessment_of(&text(res).await));
    }
    locations.dedup();
    bodies.dedup();
    assert_eq!(locations.len(), 1, "one assessment: {locations:?}");
    assert_eq!(bodies.len(), 1, "the same bytes from both");
    assert_eq!(stored(&a).await, 1);

    // A questionnaire opened on A, sent to B, then sent again (a reload) to A.
    let pairs = a.filled_in_form(&tiny_studio()).await;
    let first = b.submit_form(&pairs).await;
    assert_eq!(first.status(), 303);
    let again = a.submit_form(&pairs).await;
    assert_eq!(again.status(), 303);
    assert_eq!(first.headers()["location"], again.headers()["location"]);
    assert_eq!(stored(&a).await, 2);
}

#[tokio::test]
async fn a_burst_of_wrong_passwords_over_both_instances_gets_no_more_tries_than_the_limit() {
    if on_postgres("sign-in burst").is_none() {
        return;
    }
    let (a, b) = two_apps(|_| {}).await;
    common::sign_in::add_consultant(&a).await;
    let browser = Browser::open_login(&a).await;
    let statuses = common::sign_in::burst_of_guesses(&[&a, &b], &browser, 20).await;
    common::sign_in::assert_burst_held(&a, &statuses).await;
}
