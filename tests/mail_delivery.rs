//! Delivering the report email: a mail server that refuses (`421`), rejects (`550`) or is down
//! across a restart of servicefit, a result deleted before its email went, and a database
//! another process holds locked. A real SMTP server in the test ([`SmtpSink`]).

mod common;

use std::time::Duration;

use common::report::{DELIVERY, assessment, attempts, count, form, post_form, with_smtp};
use common::smtp::{Mode, SmtpSink};
use common::{TestApp, dental_practice, text};
use serde_json::json;

#[tokio::test]
async fn a_refusing_server_gets_the_email_again_until_it_takes_it_once() {
    let sink = SmtpSink::start().await;
    sink.set_mode(Mode::Refuse);
    let app = TestApp::spawn_with(with_smtp(&sink)).await;
    let id = assessment(&app).await;
    let res = app
        .post_json(
            &format!("/api/v1/assessments/{id}/report"),
            &json!({"name": "Ben", "email": "ben@shop.example", "consent": true}),
        )
        .await;
    assert_eq!(res.status(), 202);
    // At least two refusals, logged with the server's 421; nothing delivered.
    assert!(attempts(&app, 2).await >= 2);
    assert!(sink.received().is_empty());
    let codes: Vec<Option<i64>> = servicefit::on_pool!(&app.db().await, pool => sqlx::query_scalar("SELECT code FROM mail_deliveries ORDER BY id LIMIT 2")
            .fetch_all(pool)
            .await
            .expect("log"));
    assert_eq!(codes, [Some(421), Some(421)]);

    sink.set_mode(Mode::Accept);
    let mail = sink.wait_for(1, DELIVERY).await;
    assert_eq!(mail.len(), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sink.received().len(), 1, "sent once");
    let (sent, failed): (Option<String>, Option<String>) = servicefit::on_pool!(&app.db().await, pool => sqlx::query_as("SELECT sent_at, failed_at FROM mail_outbox")
            .fetch_one(pool)
            .await
            .expect("row"));
    assert!(sent.is_some() && failed.is_none());
}

#[tokio::test]
async fn a_rejected_address_is_given_up_at_once() {
    let sink = SmtpSink::start().await;
    sink.set_mode(Mode::Reject);
    let app = TestApp::spawn_with(with_smtp(&sink)).await;
    let id = assessment(&app).await;
    let res = app
        .post_json(
            &format!("/api/v1/assessments/{id}/report"),
            &json!({"name": "Ben", "email": "nobody@shop.example", "consent": true}),
        )
        .await;
    assert_eq!(res.status(), 202);
    assert_eq!(attempts(&app, 1).await, 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let db = app.db().await;
    let (n, code, error): (i64, Option<i64>, Option<String>) = servicefit::on_pool!(&db, pool => sqlx::query_as(
        "SELECT (SELECT count(*) FROM mail_deliveries), code, error FROM mail_deliveries",
    )
    .fetch_one(pool)
    .await
    .expect("log"));
    assert_eq!(n, 1, "one attempt: a 550 will not change");
    assert_eq!(code, Some(550));
    assert!(error.unwrap().contains("No such mailbox"));
    let failed: Option<String> = servicefit::on_pool!(&db, pool => sqlx::query_scalar("SELECT failed_at FROM mail_outbox")
        .fetch_one(pool)
        .await
        .expect("row"));
    assert!(failed.is_some());
}

#[tokio::test]
async fn an_email_queued_while_the_mail_server_is_down_goes_out_after_a_restart() {
    let mut sink = SmtpSink::start().await;
    sink.stop();
    let app = TestApp::spawn_with(with_smtp(&sink)).await;
    let id = assessment(&app).await;
    let res = app
        .post_json(
            &format!("/api/v1/assessments/{id}/report"),
            &json!({"name": "Ben", "email": "ben@shop.example", "consent": true}),
        )
        .await;
    assert_eq!(res.status(), 202);
    assert!(attempts(&app, 1).await >= 1, "tried and failed to connect");
    let error: Option<String> = servicefit::on_pool!(&app.db().await, pool => sqlx::query_scalar("SELECT error FROM mail_deliveries ORDER BY id LIMIT 1")
            .fetch_one(pool)
            .await
            .expect("log"));
    assert_eq!(error.as_deref(), Some("could not connect"));

    // servicefit stops with the email still queued, and starts again; the relay comes back.
    let app = app.restart().await;
    sink.resume().await;
    let mail = sink.wait_for(1, DELIVERY).await;
    assert_eq!(mail.len(), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sink.received().len(), 1, "sent once");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM mail_outbox WHERE sent_at IS NOT NULL"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn deleting_the_result_takes_its_lead_and_the_unsent_email_with_it() {
    let mut sink = SmtpSink::start().await;
    sink.stop();
    let app = TestApp::spawn_with(with_smtp(&sink)).await;
    let created = app.create_with_link(&dental_practice()).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let res = app
        .post_json(
            &format!("/api/v1/assessments/{id}/report"),
            &json!({"name": "Ben", "email": "ben@shop.example", "consent": true}),
        )
        .await;
    assert_eq!(res.status(), 202);
    let token = created["delete_url"]
        .as_str()
        .unwrap()
        .split_once("token=")
        .unwrap()
        .1
        .to_owned();
    let res = app
        .post_form(
            &format!("/assessments/{id}/delete"),
            &[("token", token.as_str())],
        )
        .await;
    assert_eq!(res.status(), 303);
    for table in ["leads", "mail_outbox", "mail_deliveries"] {
        assert_eq!(
            count(&app, &format!("SELECT count(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
    sink.resume().await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        sink.received().is_empty(),
        "nothing sent for a deleted result"
    );
    // Asking again for a deleted result: 410.
    let res = app
        .post_json(
            &format!("/api/v1/assessments/{id}/report"),
            &json!({"name": "Ben", "email": "ben@shop.example", "consent": true}),
        )
        .await;
    assert_eq!(res.status(), 410);
}

#[tokio::test]
async fn a_locked_database_answers_503_and_stores_nothing() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(with_smtp(&sink)).await;
    let id = assessment(&app).await;
    // Another process's write lock, held for the whole request.
    let holder = common::database::LockHolder::take(&app.config.database_url).await;
    let res = app
        .post_json(
            &format!("/api/v1/assessments/{id}/report"),
            &json!({"name": "Ben", "email": "ben@shop.example", "consent": true}),
        )
        .await;
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    let res = post_form(
        &app,
        &format!("/assessments/{id}/report"),
        &form("Ben", "ben@shop.example", true),
    )
    .await;
    assert_eq!(res.status(), 503);
    assert!(text(res).await.contains("value=\"ben@shop.example\""));
    holder.release().await;
    assert_eq!(count(&app, "SELECT count(*) FROM leads").await, 0);
    // Once the lock is gone, the same request goes through.
    let res = app
        .post_json(
            &format!("/api/v1/assessments/{id}/report"),
            &json!({"name": "Ben", "email": "ben@shop.example", "consent": true}),
        )
        .await;
    assert_eq!(res.status(), 202);
}
