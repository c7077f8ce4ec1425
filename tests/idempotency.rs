//! Retries make no duplicates: the API honours `Idempotency-Key`, and a questionnaire form
//! sent again (a reload after submitting, a double click) shows the assessment it already made.

mod common;

use common::{ACCEPT_ENCODING, TestApp, dental_practice, hidden, text, tiny_studio};

async fn submit(app: &TestApp, key: &str, answers: &serde_json::Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/assessments"))
        .header("content-type", "application/json")
        .header("accept-encoding", ACCEPT_ENCODING)
        .header("idempotency-key", key)
        .body(answers.to_string())
        .send()
        .await
        .expect("an answer")
}

async fn stored(app: &TestApp) -> i64 {
    servicefit::on_pool!(&app.db().await, pool => sqlx::query_scalar("SELECT COUNT(*) FROM assessments")
        .fetch_one(pool)
        .await
        .expect("count"))
}

#[tokio::test]
async fn an_integration_retrying_with_its_key_gets_the_same_assessment_and_no_second_row() {
    let app = TestApp::spawn().await;
    let first = submit(&app, "crm-lead-4411", &dental_practice()).await;
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"].clone();
    let first = text(first).await;

    let again = submit(&app, "crm-lead-4411", &dental_practice()).await;
    assert_eq!(again.status(), 201, "the same status as the first answer");
    assert_eq!(again.headers()["location"], location);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    // The same assessment byte for byte; the owner's private link is a fresh one, which
    // replaces the first (only its hash is kept, so the first cannot be given again).
    let again = text(again).await;
    assert_eq!(
        common::assessment_of(&again),
        common::assessment_of(&first),
        "the same assessment, byte for byte"
    );
    assert_ne!(again, first, "a fresh delete_url");
    assert_eq!(stored(&app).await, 1);

    let other = submit(&app, "crm-lead-4412", &dental_practice()).await;
    assert_eq!(other.status(), 201, "another key is another assessment");
    assert_eq!(stored(&app).await, 2);
}

#[tokio::test]
async fn a_key_reused_with_other_answers_is_refused_with_422() {
    let app = TestApp::spawn().await;
    assert_eq!(submit(&app, "k-1", &dental_practice()).await.status(), 201);
    let res = submit(&app, "k-1", &tiny_studio()).await;
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = serde_json::from_str(&text(res).await).expect("json");
    let message = body["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains("Idempotency-Key"), "{message}");
    assert_eq!(stored(&app).await, 1);
}

#[tokio::test]
async fn simultaneous_retries_with_one_key_store_one_assessment() {
    let app = TestApp::spawn().await;
    let answers = dental_practice();
    let attempts = (0..8).map(|_| submit(&app, "burst", &answers));
    let mut bodies = Vec::new();
    for res in futures_util::future::join_all(attempts).await {
        assert_eq!(res.status(), 201);
        bodies.push(text(res).await);
    }
    assert!(
        bodies
            .windows(2)
            .all(|w| common::assessment_of(&w[0]) == common::assessment_of(&w[1])),
        "one assessment"
    );
    assert_eq!(stored(&app).await, 1);
}

#[tokio::test]
async fn a_malformed_key_is_refused_with_400_in_json() {
    let app = TestApp::spawn().await;
    for key in ["", &"k".repeat(256), "two words"] {
        let res = submit(&app, key, &dental_practice()).await;
        assert_eq!(res.status(), 400, "{key:?}");
        let body: serde_json::Value = serde_json::from_str(&text(res).await).expect("json");
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("Idempotency-Key")
        );
    }
    assert_eq!(stored(&app).await, 0);
}

#[tokio::test]
async fn a_key_older_than_a_day_no_longer_counts() {
    let app = TestApp::spawn().await;
    assert_eq!(submit(&app, "old", &dental_practice()).await.status(), 201);
    servicefit::on_pool!(&app.db().await, pool => { sqlx::query("UPDATE idempotency_keys SET created_at = '2020-01-01T00:00:00.000Z'")
        .execute(pool)
        .await
        .expect("age the key"); });
    let res = submit(&app, "old", &tiny_studio()).await;
    assert_eq!(res.status(), 201, "a new assessment under the expired key");
    assert!(res.headers().get("idempotent-replayed").is_none());
    assert_eq!(stored(&app).await, 2);
}

#[tokio::test]
async fn a_questionnaire_sent_twice_shows_the_assessment_it_already_made() {
    let app = TestApp::spawn().await;
    let mut pairs = app.filled_in_form(&dental_practice()).await;
    assert_eq!(
        pairs.last().unwrap().1.len(),
        22,
        "a one-time token in the form"
    );

    let first = app.submit_form(&pairs).await;
    assert_eq!(first.status(), 303);
    let again = app.submit_form(&pairs).await;
    assert_eq!(again.status(), 303);
    assert_eq!(
        first.headers()["location"],
        again.headers()["location"],
        "the reload shows the same assessment"
    );
    assert_eq!(stored(&app).await, 1);

    // Back, change an answer, submit: that is a new assessment.
    for pair in &mut pairs {
        if pair.0 == "employees" {
            pair.1 = "35".into();
        }
    }
    let changed = app.submit_form(&pairs).await;
    assert_eq!(changed.status(), 303);
    assert_ne!(changed.headers()["location"], first.headers()["location"]);
    assert_eq!(stored(&app).await, 2);

    // A fresh page has a fresh token.
    let page = text(app.get("/assess").await).await;
    assert_ne!(hidden(&page, "submission"), pairs.last().unwrap().1);
}
