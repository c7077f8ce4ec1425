//! Signed webhooks against a local receiver: signature, retry, survival across a restart, and
//! erasure (the owner's link, retention) taking an assessment's events with it.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::smtp::SmtpSink;
use common::{TestApp, dental_practice, tiny_studio};
use hmac::{Hmac, KeyInit, Mac};
use servicefit::db;
use sha2::Sha256;

const KEY: &[u8] = b"a test key of 24 bytes!!";

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    answered: u16,
}

#[derive(Default)]
struct Receiver {
    got: Mutex<Vec<Received>>,
    /// Answer 500 to this many requests first.
    fail_first: AtomicUsize,
    /// Answer 500 to everything while set.
    fail_all: AtomicBool,
}

impl Receiver {
    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    fn accepted(&self) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.answered == 200)
            .collect()
    }
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap, body: String) -> StatusCode {
    let header = |n: &str| {
        headers
            .get(n)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let fail = r.fail_all.load(Ordering::SeqCst)
        || r.fail_first
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
    let status = if fail {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::OK
    };
    r.got.lock().unwrap().push(Received {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body,
        answered: status.as_u16(),
    });
    status
}

async fn spawn_receiver(receiver: Arc<Receiver>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_receiver(receiver, listener)
}

/// Serves `receiver` on `listener`; its URL.
fn serve_receiver(receiver: Arc<Receiver>, listener: tokio::net::TcpListener) -> String {
    let app = axum::Router::new()
        .route("/hook", post(receive))
        .with_state(receiver);
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/hook")
}

/// A free port where nothing listens yet (connections are refused), for a receiver that is
/// down until [`serve_receiver`] starts it there.
async fn down_receiver() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

async fn app_sending_to(url: &str) -> TestApp {
    app_sending_to_with(url, |_| {}).await
}

async fn app_sending_to_with(
    url: &str,
    adjust: impl FnOnce(&mut servicefit::config::Config),
) -> TestApp {
    let url = url.to_owned();
    TestApp::spawn_with(move |c| {
        c.webhook_url = Some(url.parse().unwrap());
        c.webhook_secret = Some(format!("whsec_{}", BASE64.encode(KEY)).parse().unwrap());
        c.webhook_backoff_ms = 20;
        adjust(c);
    })
    .await
}

/// A server that announces to `url` and sends reports by email through `sink`, so an owner's
/// report request makes a lead and its `lead.created` event.
async fn app_with_leads(url: &str, sink: &SmtpSink) -> TestApp {
    let smtp = sink.url();
    app_sending_to_with(url, move |c| {
        c.smtp_url = Some(smtp.parse().unwrap());
        c.mail_from = Some("Advice desk <advice@msp.example>".parse().unwrap());
    })
    .await
}

/// What an owner who asks for the report by email leaves in the webhook payloads: the company
/// name and answers (`assessment.created`), their name and address (`lead.created`).
const COMPANY: &str = "Harbour Dental";
const LEAD_NAME: &str = "Ana Lima";
const LEAD_EMAIL: &str = "ana.lima@shop.example";

/// Creates an assessment through the API and asks for its report by email, as its owner would;
/// its id and deletion token.
async fn assessment_with_lead(app: &TestApp) -> (String, String) {
    let created = app.create_with_link(&dental_practice()).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let token = created["delete_url"]
        .as_str()
        .unwrap()
        .split_once("token=")
        .unwrap()
        .1
        .to_owned();
    let res = app
        .post_json(
            &format!("/api/v1/assessments/{id}/report"),
            &serde_json::json!({"name": LEAD_NAME, "email": LEAD_EMAIL, "consent": true}),
        )
        .await;
    assert_eq!(res.status(), 202);
    (id, token)
}

/// Every outbox payload and delivery-log line, as text, with the event type and assessment of
/// each line's event.
async fn stored_events(pool: &servicefit::db::Db) -> Vec<(String, Option<String>, String)> {
    servicefit::on_pool!(pool, pool => sqlx::query_as(
        "SELECT event_type, assessment_id, payload FROM webhook_outbox
         UNION ALL
         SELECT o.event_type, o.assessment_id,
                d.message_id || ' ' || d.url || ' ' || coalesce(d.error, '')
         FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.message_id",
    )
    .fetch_all(pool)
    .await
    .unwrap())
}

/// No outbox or delivery-log row holds the company name, the answers, the lead's name or
/// address; what is left of `id` is its `assessment.deleted` alone.
async fn assert_nothing_personal_left(pool: &servicefit::db::Db, id: &str) {
    let rows = stored_events(pool).await;
    for (kind, about, text) in &rows {
        for personal in [COMPANY, "\"answers\"", LEAD_NAME, LEAD_EMAIL] {
            assert!(
                !text.contains(personal),
                "{personal} left in a {kind} row: {text}"
            );
        }
        if about.as_deref() == Some(id) {
            assert_eq!(kind, "assessment.deleted", "{text}");
        }
    }
    let deleted: i64 = servicefit::on_pool!(pool, pool => sqlx::query_scalar(
        "SELECT count(*) FROM webhook_outbox
         WHERE assessment_id = $1 AND event_type = 'assessment.deleted'",
    )
    .bind(id)
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(deleted, 1, "the deletion event is kept: {rows:?}");
}

async fn delete_by_owner(app: &TestApp, id: &str, token: &str) {
    let done = app
        .post_form(&format!("/assessments/{id}/delete"), &[("token", token)])
        .await;
    assert_eq!(done.status(), 303);
}

fn event_types(got: &[Received]) -> Vec<String> {
    got.iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            body["type"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// Polls `check` until it holds, failing after a generous deadline.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Checks the signature the way a receiver following Standard Webhooks would.
fn verify(r: &Received) {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(KEY).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
    assert_eq!(r.signature, expected);
}

/// The delivery log once `done` holds for it: the worker writes it just after the receiver
/// answers, so it is polled like the deliveries themselves.
async fn log_when(
    app: &TestApp,
    done: impl Fn(&[db::WebhookDelivery]) -> bool,
) -> Vec<db::WebhookDelivery> {
    let pool = app.db().await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let log = db::list_webhook_deliveries(&pool, 50).await.unwrap();
        if done(&log) {
            pool.close().await;
            return log;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for the log: {log:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_new_assessment_is_posted_to_the_webhook_signed() {
    let receiver = Arc::new(Receiver::default());
    let app = app_sending_to(&spawn_receiver(receiver.clone()).await).await;
    let created = app.create(&dental_practice()).await;

    eventually("the delivery", || !receiver.received().is_empty()).await;
    let got = receiver.received().remove(0);
    assert!(got.id.starts_with("msg_"));
    assert!(got.timestamp.parse::<i64>().is_ok());
    verify(&got);
    let body: serde_json::Value = serde_json::from_str(&got.body).unwrap();
    assert_eq!(body["type"], "assessment.created");
    // The assessment as created, without the owner's private link: only the owner gets that.
    assert!(!got.body.contains("delete"));
    assert_eq!(body["data"], created);

    let log = log_when(&app, |log| {
        log.first().is_some_and(|d| d.delivered_at.is_some())
    })
    .await;
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].attempt, log[0].status), (1, Some(200)));
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_the_same_id_and_body() {
    let receiver = Arc::new(Receiver::default());
    receiver.fail_first.store(1, Ordering::SeqCst);
    let app = app_sending_to(&spawn_receiver(receiver.clone()).await).await;
    app.create(&dental_practice()).await;

    eventually("the retry", || !receiver.accepted().is_empty()).await;
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].answered, 500);
    assert_eq!((&got[0].id, &got[0].body), (&got[1].id, &got[1].body));
    verify(&got[1]);

    let log = log_when(&app, |log| log.len() == 2).await;
    let attempts: Vec<_> = log.iter().map(|d| (d.attempt, d.status)).collect();
    assert_eq!(attempts, [(2, Some(200)), (1, Some(500))]);
}

#[tokio::test]
async fn an_undelivered_event_is_sent_by_the_next_server_after_a_restart() {
    let receiver = Arc::new(Receiver::default());
    receiver.fail_all.store(true, Ordering::SeqCst);
    let app = app_sending_to(&spawn_receiver(receiver.clone()).await).await;
    let created = app.create(&dental_practice()).await;
    eventually("a failed attempt", || !receiver.received().is_empty()).await;

    // The first server is gone (its worker stopped) before the receiver recovers, so only the
    // second server can deliver.
    let app = app.restart().await;
    receiver.fail_all.store(false, Ordering::SeqCst);
    eventually("the delivery after the restart", || {
        !receiver.accepted().is_empty()
    })
    .await;
    let accepted = receiver.accepted();
    assert_eq!(accepted.len(), 1);
    verify(&accepted[0]);
    let body: serde_json::Value = serde_json::from_str(&accepted[0].body).unwrap();
    assert_eq!(body["data"]["id"], created["id"]);
    let log = log_when(&app, |log| {
        log.first().is_some_and(|d| d.status == Some(200))
    })
    .await;
    assert!(log.iter().skip(1).all(|d| d.status == Some(500)));
}

#[tokio::test]
async fn without_a_webhook_nothing_is_queued() {
    let app = TestApp::spawn().await;
    app.create(&dental_practice()).await;
    let pool = app.db().await;
    assert_eq!(db::next_webhook_due(&pool).await.unwrap(), None);
}

#[tokio::test]
async fn an_assessment_its_owner_deletes_is_announced_with_only_its_id() {
    let receiver = Arc::new(Receiver::default());
    let app = app_sending_to(&spawn_receiver(receiver.clone()).await).await;
    let created = app.create_with_link(&dental_practice()).await;
    let id = created["id"].as_str().unwrap();
    let token = created["delete_url"]
        .as_str()
        .unwrap()
        .split_once("token=")
        .unwrap()
        .1;
    // An event still waiting when its owner deletes is never sent (tested below), so the
    // creation goes out before the deletion is asked for.
    eventually("the creation", || receiver.accepted().len() == 1).await;
    let done = app
        .post_form(&format!("/assessments/{id}/delete"), &[("token", token)])
        .await;
    assert_eq!(done.status(), 303);

    eventually("both deliveries", || receiver.accepted().len() == 2).await;
    let got = receiver.accepted();
    let deleted = got
        .iter()
        .find(|r| r.body.contains("assessment.deleted"))
        .expect("the deletion event");
    verify(deleted);
    let body: serde_json::Value = serde_json::from_str(&deleted.body).unwrap();
    assert_eq!(body["type"], "assessment.deleted");
    assert_eq!(body["data"], serde_json::json!({ "id": id }));
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn an_owners_deletion_takes_its_delivered_events_and_their_log_with_it() {
    let receiver = Arc::new(Receiver::default());
    let sink = SmtpSink::start().await;
    let app = app_with_leads(&spawn_receiver(receiver.clone()).await, &sink).await;
    let (id, token) = assessment_with_lead(&app).await;
    eventually("both announcements", || receiver.accepted().len() == 2).await;
    log_when(&app, |log| {
        log.len() == 2 && log.iter().all(|d| d.delivered_at.is_some())
    })
    .await;
    let pool = app.db().await;
    let before = stored_events(&pool).await;
    assert!(
        before.iter().any(|(_, _, text)| text.contains(LEAD_EMAIL)),
        "the lead's event was stored: {before:?}"
    );
    assert!(
        before
            .iter()
            .all(|(_, about, _)| about.as_deref() == Some(id.as_str()))
    );

    delete_by_owner(&app, &id, &token).await;
    eventually("the deletion", || receiver.accepted().len() == 3).await;
    let log = log_when(&app, |log| {
        log.first()
            .is_some_and(|d| d.event_type == "assessment.deleted" && d.delivered_at.is_some())
    })
    .await;
    assert_eq!(log.len(), 1, "only the deletion's attempt is left: {log:?}");
    assert_nothing_personal_left(&pool, &id).await;
    let mut sent = event_types(&receiver.accepted());
    sent.sort();
    assert_eq!(
        sent,
        ["assessment.created", "assessment.deleted", "lead.created"]
    );

    // The consultants' log shows the deletion, and nothing of what went before.
    let cookie = app.consultant_cookie().await;
    let page = app.get_with_cookie("/consultant/webhooks", &cookie).await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("assessment.deleted"), "{page}");
    assert!(!page.contains("assessment.created"), "{page}");
    assert!(!page.contains("lead.created"), "{page}");
}

#[tokio::test]
async fn events_not_yet_sent_when_the_owner_deletes_are_never_sent() {
    let receiver = Arc::new(Receiver::default());
    let addr = down_receiver().await;
    let sink = SmtpSink::start().await;
    let app = app_with_leads(&format!("http://{addr}/hook"), &sink).await;
    let (id, token) = assessment_with_lead(&app).await;
    // The worker tried and failed: the events wait, with their failed attempts logged.
    log_when(&app, |log| log.len() >= 2).await;

    delete_by_owner(&app, &id, &token).await;
    let pool = app.db().await;
    assert_nothing_personal_left(&pool, &id).await;

    serve_receiver(
        receiver.clone(),
        tokio::net::TcpListener::bind(addr).await.unwrap(),
    );
    eventually("the deletion", || !receiver.accepted().is_empty()).await;
    log_when(&app, |log| {
        log.first().is_some_and(|d| d.delivered_at.is_some())
    })
    .await;
    // A round of the worker after the delivery (its retry pauses are 20 ms and up) sends
    // nothing more.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = receiver.received();
    assert_eq!(event_types(&got), ["assessment.deleted"], "{got:?}");
    let body: serde_json::Value = serde_json::from_str(&got[0].body).unwrap();
    assert_eq!(body["data"], serde_json::json!({ "id": id }));
    assert_nothing_personal_left(&pool, &id).await;
}

#[tokio::test]
async fn retention_takes_the_events_of_what_it_deletes_and_the_finished_events_before_its_cutoff() {
    let receiver = Arc::new(Receiver::default());
    let sink = SmtpSink::start().await;
    let app = app_with_leads(&spawn_receiver(receiver.clone()).await, &sink).await;
    // Before the cutoff: one assessment with a lead, one its owner deleted.
    assessment_with_lead(&app).await;
    let (erased, token) = assessment_with_lead(&app).await;
    eventually("the older announcements", || receiver.accepted().len() == 4).await;
    delete_by_owner(&app, &erased, &token).await;
    eventually("the deletion", || receiver.accepted().len() == 5).await;
    log_when(&app, |log| {
        log.len() == 3 && log.iter().all(|d| d.delivered_at.is_some())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let cutoff = servicefit::assessment::now_rfc3339();
    tokio::time::sleep(Duration::from_millis(5)).await;
    // After it: one that stays, its event delivered.
    let kept = app.create(&tiny_studio()).await;
    let kept = kept["id"].as_str().unwrap().to_owned();
    eventually("the newer announcement", || receiver.accepted().len() == 6).await;
    log_when(&app, |log| log.len() == 4).await;

    let pool = app.db().await;
    assert_eq!(
        db::delete_assessments_before(&pool, &cutoff).await.unwrap(),
        1
    );
    let left: Vec<(String, Option<String>, String)> = stored_events(&pool).await;
    for (kind, about, text) in &left {
        assert_eq!(about.as_deref(), Some(kept.as_str()), "{kind}: {text}");
        for personal in [COMPANY, LEAD_NAME, LEAD_EMAIL] {
            assert!(!text.contains(personal), "{personal} left: {text}");
        }
    }
    let kinds: Vec<&str> = left.iter().map(|(kind, _, _)| kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["assessment.created", "assessment.created"],
        "{left:?}"
    );
}
