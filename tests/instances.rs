//! Several instances on one PostgreSQL database behave as one service: data, sessions, the
//! submission budget and the sign-in throttle are shared; webhook events and report emails are
//! sent once whichever instance drains them; periodic work runs once; a deletion on one is seen
//! by the others' caches; a killed instance loses nothing acknowledged; `/readyz` follows the
//! database's ability to write.
//!
//! PostgreSQL only (`SERVICEFIT_TEST_POSTGRES`): on SQLite one process serves the file, so each
//! test returns at once with a note when the run is on SQLite.

mod common;

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

/// What the webhook receiver got: each `webhook-id` and how often.
#[derive(Default)]
struct Receiver {
    ids: Mutex<HashMap<String, usize>>,
    requests: AtomicUsize,
}

async fn receive(State(r): State<Arc<Receiver>>, headers: HeaderMap) -> StatusCode {
    let id = headers
        .get("webhook-id")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    // A receiver a little slow to answer, so that the two instances' workers overlap.
    tokio::time::sleep(Duration::from_millis(5)).await;
    *r.ids.lock().unwrap().entry(id).or_default() += 1;
    r.requests.fetch_add(1, Ordering::SeqCst);
    StatusCode::OK
}

#[tokio::test]
async fn webhook_events_are_drained_by_both_instances_and_each_sent_once() {
    if on_postgres("webhooks once").is_none() {
        return;
    }
    let receiver = Arc::new(Receiver::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (a, b) = two_apps(|c| {
        c.webhook_url = Some(hook.parse().unwrap());
        c.webhook_secret = Some(
            format!("whsec_{}", BASE64.encode(b"a test key of 24 bytes!!"))
                .parse()
                .unwrap(),
        );
        c.webhook_backoff_ms = 20;
    })
    .await;
    const N: usize = 40;
    let mut posts = Vec::new();
    for i in 0..N {
        let app = if i % 2 == 0 { &a } else { &b };
        let (client, url) = (app.client.clone(), app.url("/api/v1/assessments"));
        posts.push(tokio::spawn(async move {
            let res = client
                .post(url)
                .header("content-type", "application/json")
                .body(binary::answers(i).to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 201);
        }));
    }
    for p in posts {
        p.await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while receiver.ids.lock().unwrap().len() < N {
        assert!(
            Instant::now() < deadline,
            "only {} of {N} events arrived",
            receiver.ids.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Time for a duplicate to show up, if one were on its way.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let ids = receiver.ids.lock().unwrap().clone();
    assert_eq!(ids.len(), N, "one event per assessment");
    let twice: Vec<_> = ids.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "sent more than once: {twice:?}");
    assert_eq!(receiver.requests.load(Ordering::SeqCst), N);
    // Every event is logged as delivered once.
    let db = a.db().await;
    let delivered: i64 = servicefit::on_pool!(&db, pool => sqlx::query_scalar(
        "SELECT count(*) FROM webhook_outbox WHERE delivered_at IS NOT NULL",
    )
    .fetch_one(pool)
    .await
    .unwrap());
    assert_eq!(usize::try_from(delivered).unwrap(), N);
}

#[tokio::test]
async fn report_emails_are_drained_by_both_instances_and_each_sent_once() {
    if on_postgres("emails once").is_none() {
        return;
    }
    let sink = SmtpSink::start().await;
    let smtp = with_smtp(&sink);
    let (a, b) = {
        let a = TestApp::spawn_with(with_smtp(&sink)).await;
        let url = a.config.database_url.clone();
        let b = TestApp::spawn_with(|c| {
            smtp(c);
            c.database_url = url;
        })
        .await;
        (a, b)
    };
    const N: usize = 20;
    let mut ids = Vec::new();
    for i in 0..N {
        let app = if i % 2 == 0 { &a } else { &b };
        ids.push(
            app.create(&binary::answers(i)).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut asks = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        // Asked on the other instance than the one that made it.
        let app = if i % 2 == 0 { &b } else { &a };
        let (client, url) = (
            app.client.clone(),
            app.url(&format!("/api/v1/assessments/{id}/report")),
        );
        asks.push(tokio::spawn(async move {
            let res = client
                .post(url)
                .header("content-type", "application/json")
                .body(
                    serde_json::json!({
                        "name": format!("Reader {i}"),
                        "email": format!("reader{i}@shop.example"),
                        "consent": true
                    })
                    .to_string(),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 202);
        }));
    }
    for ask in asks {
        ask.await.unwrap();
    }
    let mail = sink.wait_for(N, DELIVERY * 2).await;
    assert!(mail.len() >= N, "only {} of {N} emails arrived", mail.len());
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mail = sink.received();
    let mut per_id: HashMap<String, usize> = HashMap::new();
    let mut per_reader: HashMap<String, usize> = HashMap::new();
    for m in &mail {
        *per_id
            .entry(m.header("message-id").expect("a Message-ID"))
            .or_default() += 1;
        *per_reader.entry(m.to.join(",")).or_default() += 1;
    }
    assert_eq!(mail.len(), N, "one email per request: {per_reader:?}");
    assert_eq!(per_id.len(), N, "each Message-ID once");
    assert_eq!(per_reader.len(), N, "each reader once");
}

/// A database with the schema made and one assessment created ten years ago, as a server left
/// it; its URL and the old assessment's id.
async fn database_with_an_old_assessment() -> (String, String) {
    let app = TestApp::spawn().await;
    let url = app.config.database_url.clone();
    let old = app.create(&dental_practice()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let db = app.db().await;
    servicefit::on_pool!(&db, pool => {
        sqlx::query("UPDATE assessments SET created_at = '2016-01-01T00:00:00Z' WHERE id = $1")
            .bind(&old)
            .execute(pool)
            .await
            .unwrap();
    });
    drop(app);
    (url, old)
}

#[tokio::test]
async fn the_retention_sweep_runs_once_when_two_instances_start_at_once() {
    if on_postgres("periodic once").is_none() {
        return;
    }
    let (url, old) = database_with_an_old_assessment().await;
    let args = ["--retention-days", "30"];
    let (a, b) = (
        Server::spawn(&url, &args, Some("servicefit=info")),
        Server::spawn(&url, &args, Some("servicefit=info")),
    );
    let (a, b) = (a.ready(), b.ready());
    let client = binary::client();
    let gone = format!("/api/v1/assessments/{old}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let status = client.get(b.url(&gone)).send().await.unwrap().status();
        if status == 404 || status == 410 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the old assessment stays: {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Both have looked by now (the first look is at start); give the slower a moment to log.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let runs = |s: &Server| {
        s.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("retention: deleted assessments"))
            .count()
    };
    assert_eq!(
        runs(&a) + runs(&b),
        1,
        "one purge between them; logs:\n{}\n---\n{}",
        a.log.lock().unwrap().join("\n"),
        b.log.lock().unwrap().join("\n")
    );
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let claims: i64 =
        sqlx::query_scalar("SELECT count(*) FROM periodic_runs WHERE name = 'retention'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!(claims, 1);
}

#[tokio::test]
async fn run_periodic_runs_the_work_once_an_interval_however_many_instances_ask() {
    let Some(server) = on_postgres("run_periodic") else {
        return;
    };
    let url = database::fresh_postgres(&server).await;
    // Two instances' pools (the first makes the schema).
    let pools = [
        db::Db::connect(&url, 4).await.unwrap(),
        db::Db::connect(&url, 4).await.unwrap(),
    ];
    let ran = Arc::new(AtomicUsize::new(0));
    let every_ms = 60_000;
    for (round, now_ms) in [(1, 1_000_000), (1, 1_030_000), (2, 1_060_000)] {
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (db, ran) = (pools[i % 2].clone(), ran.clone());
            tasks.push(tokio::spawn(async move {
                db::run_periodic(&db, "test task", now_ms, every_ms, async {
                    ran.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                })
                .await
                .unwrap()
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(ran.load(Ordering::SeqCst), round, "at {now_ms}");
    }
}

#[tokio::test]
async fn a_deletion_on_one_instance_is_gone_from_the_others_cache_within_seconds() {
    let Some(server) = on_postgres("deletion seen") else {
        return;
    };
    let url = database::fresh_postgres(&server).await;
    let a = Server::start(&url);
    let b = Server::start(&url);
    let client = binary::client();
    let res = client
        .post(a.url("/api/v1/assessments"))
        .header("content-type", "application/json")
        .body(dental_practice().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let created: serde_json::Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    let token = created["delete_url"]
        .as_str()
        .unwrap()
        .split_once("token=")
        .unwrap()
        .1
        .to_owned();
    // B renders (and so caches) the page and the JSON.
    let paths = [
        format!("/assessments/{id}"),
        format!("/api/v1/assessments/{id}"),
    ];
    for _ in 0..2 {
        for path in &paths {
            assert_eq!(client.get(b.url(path)).send().await.unwrap().status(), 200);
        }
    }

    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let done = no_redirect
        .post(a.url(&format!("/assessments/{id}/delete")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303);
    let deleted_at = Instant::now();
    for path in &paths {
        assert_eq!(client.get(a.url(path)).send().await.unwrap().status(), 410);
    }
    // B forgets its cached copy at its next look at the deletions (every 2 s).
    let limit = servicefit::erasure::WATCH_EVERY * 2 + Duration::from_secs(2);
    for path in &paths {
        loop {
            let status = client.get(b.url(path)).send().await.unwrap().status();
            if status == 410 {
                break;
            }
            assert_eq!(status, 200);
            assert!(
                deleted_at.elapsed() < limit,
                "B still serves {path} {:?} after the deletion",
                deleted_at.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    eprintln!("B answered 410 after {:?}", deleted_at.elapsed());
}

#[tokio::test]
async fn sigkill_of_one_instance_under_load_loses_nothing_and_the_other_keeps_serving() {
    let Some(server) = on_postgres("sigkill") else {
        return;
    };
    let url = database::fresh_postgres(&server).await;
    let mut a = Server::start(&url);
    let b = Server::start(&url);
    const TASKS: usize = 4;
    const PER_TASK: usize = 60;
    let (acked_a, acked_b) = (
        Arc::new(Mutex::new(Vec::new())),
        Arc::new(Mutex::new(Vec::new())),
    );
    let writers_a = tokio::spawn(write_concurrently(
        a.base.clone(),
        TASKS,
        PER_TASK,
        acked_a.clone(),
    ));
    let writers_b = tokio::spawn(write_concurrently(
        b.base.clone(),
        TASKS,
        PER_TASK,
        acked_b.clone(),
    ));
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked_a.lock().unwrap().len() < 40 {
        assert!(Instant::now() < deadline, "writes too slow");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    a.child.kill().expect("SIGKILL");
    let b_at_kill = acked_b.lock().unwrap().len();
    a.wait_exit(Duration::from_secs(10));
    writers_a.await.unwrap();
    writers_b.await.unwrap();
    let acked_a = acked_a.lock().unwrap().clone();
    let acked_b = acked_b.lock().unwrap().clone();
    assert!(
        acked_a.len() < TASKS * PER_TASK,
        "the kill came after every write to A; nothing was tested"
    );
    assert_eq!(
        acked_b.len(),
        TASKS * PER_TASK,
        "every post to B succeeded, before and after the kill"
    );
    assert!(
        b_at_kill < TASKS * PER_TASK,
        "B's load went on after the kill"
    );
    let client = binary::client();
    assert_eq!(
        client.get(b.url("/readyz")).send().await.unwrap().status(),
        200
    );
    let all: Vec<_> = acked_a.iter().chain(&acked_b).cloned().collect();
    assert_readable(&b, &all, "SIGKILL of the other instance").await;
    eprintln!(
        "{} acknowledged by A before SIGKILL, {} by B ({} after the kill): all readable from B",
        acked_a.len(),
        acked_b.len(),
        acked_b.len() - b_at_kill
    );
}

/// Switches the database `url` names read-only (`on`) or back, and ends its sessions so the
/// app's pools reconnect under the new default, as a failover to a read-only standby does.
async fn set_read_only(server: &str, url: &str, on: bool) {
    let name = url
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let mut admin = PgConnection::connect(server).await.unwrap();
    let sql = if on {
        format!("ALTER DATABASE {name} SET default_transaction_read_only = on")
    } else {
        format!("ALTER DATABASE {name} RESET default_transaction_read_only")
    };
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()")
        .bind(&name)
        .execute(&mut admin)
        .await
        .unwrap();
}

#[tokio::test]
async fn readyz_is_503_while_postgresql_cannot_take_writes() {
    let Some(server) = on_postgres("readyz") else {
        return;
    };
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    let url = app.config.database_url.clone();

    set_read_only(&server, &url, true).await;
    // A dropped connection may cost one answer; after that, every check finds it read-only.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut refused = 0;
    while refused < 3 {
        let res = app.get("/readyz").await;
        if res.status() == 503 {
            refused += 1;
        } else {
            refused = 0;
        }
        assert!(Instant::now() < deadline, "readyz stays {}", res.status());
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    assert_eq!(res.text().await.unwrap(), "database cannot take writes");
    // Reads still work; a submission is refused, not acknowledged.
    assert_eq!(app.get("/healthz").await.status(), 200);
    let post = app
        .post_json("/api/v1/assessments", &dental_practice())
        .await;
    assert_eq!(post.status(), 503, "{}", post.text().await.unwrap());

    set_read_only(&server, &url, false).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = app.get("/readyz").await.status();
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "readyz stays {status} after writes are back"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    app.create(&dental_practice()).await;
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
async fn two_instances_starting_at_once_on_an_empty_database_migrate_it_once() {
    let Some(server) = on_postgres("migrations at once") else {
        return;
    };
    let url = database::fresh_postgres(&server).await;
    let starting: Vec<_> = (0..3).map(|_| Server::spawn(&url, &[], None)).collect();
    let servers: Vec<Server> = starting.into_iter().map(|s| s.ready()).collect();
    let client = binary::client();
    for s in &servers {
        assert_eq!(
            client.get(s.url("/readyz")).send().await.unwrap().status(),
            200
        );
    }
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let (rows, versions): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT version) FROM _sqlx_migrations WHERE success",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(rows, versions, "each migration recorded once");
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count();
    assert_eq!(
        usize::try_from(versions).unwrap(),
        files,
        "every migration applied"
    );
}

#[tokio::test]
async fn a_retention_purge_on_one_instance_empties_the_others_cache() {
    let Some(_) = on_postgres("purge seen") else {
        return;
    };
    let (url, old) = database_with_an_old_assessment().await;
    // A, without retention, serves (and caches) the old assessment.
    let a = Server::start(&url);
    let client = binary::client();
    let paths = [
        format!("/assessments/{old}"),
        format!("/api/v1/assessments/{old}"),
    ];
    for path in &paths {
        for _ in 0..2 {
            assert_eq!(client.get(a.url(path)).send().await.unwrap().status(), 200);
        }
    }
    // B starts with a retention of 30 days and purges it at once.
    let _b = Server::start_with(&url, &["--retention-days", "30"]);
    let started = Instant::now();
    let limit = servicefit::erasure::WATCH_EVERY * 2 + Duration::from_secs(3);
    for path in &paths {
        loop {
            let status = client.get(a.url(path)).send().await.unwrap().status();
            if status == 404 || status == 410 {
                break;
            }
            assert_eq!(status, 200);
            assert!(
                started.elapsed() < limit,
                "A still serves {path} {:?} after B's purge",
                started.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
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
