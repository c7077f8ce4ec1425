//! Signed webhooks against a local receiver: signature, retry, and survival across a restart.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{TestApp, dental_practice};
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
    let app = axum::Router::new()
        .route("/hook", post(receive))
        .with_state(receiver);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/hook")
}

async fn app_sending_to(url: &str) -> TestApp {
    let url = url.to_owned();
    TestApp::spawn_with(move |c| {
        c.webhook_url = Some(url.parse().unwrap());
        c.webhook_secret = Some(format!("whsec_{}", BASE64.encode(KEY)).parse().unwrap());
        c.webhook_backoff_ms = 20;
    })
    .await
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
    let pool = db::connect(&format!("sqlite://{}", app.db_path.display()))
        .await
        .unwrap();
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
    let pool = db::connect(&format!("sqlite://{}", app.db_path.display()))
        .await
        .unwrap();
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
