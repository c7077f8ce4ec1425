//! A person's access and erasure requests by email (`servicefit person export|erase`), run as
//! the real binary against the database of a real server process that keeps serving.

mod common;

use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::binary::{BIN, Server, client, id_of, post};
use common::smtp::SmtpSink;
use serde_json::Value;
use servicefit::db::Db;
use servicefit::db::{self, leads};

const WEBHOOK: [&str; 4] = [
    "--webhook-url",
    "http://127.0.0.1:9/hook",
    "--webhook-secret",
    "whsec_dGVzdA",
];

/// A webhook receiver on a free port that keeps every body it is sent; its URL.
async fn spawn_receiver(got: Arc<Mutex<Vec<Value>>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve_receiver(got, listener)
}

/// Serves the receiver keeping bodies in `got` on `listener`; its URL.
fn serve_receiver(got: Arc<Mutex<Vec<Value>>>, listener: tokio::net::TcpListener) -> String {
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(
                |axum::extract::State(got): axum::extract::State<Arc<Mutex<Vec<Value>>>>,
                 body: String| async move {
                    got.lock()
                        .unwrap()
                        .push(serde_json::from_str(&body).unwrap());
                    axum::http::StatusCode::OK
                },
            ),
        )
        .with_state(got);
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/hook")
}

/// Runs `servicefit ARGS` on the database `db`, logging at `info` as an operator would.
fn servicefit(db: &str, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--database-url")
        .arg(db)
        .args(args)
        .env("RUST_LOG", "info")
        .output()
        .expect("run servicefit")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("utf-8")
}

async fn pool(db: &str) -> Db {
    Db::connect(db, 4).await.expect("database")
}

/// Posts `n` assessments to the server; their ids.
async fn create(server: &Server, n: usize) -> Vec<String> {
    let client = client();
    let mut ids = Vec::new();
    for i in 0..n {
        let (status, _, body) = post(&client, &server.base, i).await.expect("post");
        assert_eq!(status, 201, "{body}");
        ids.push(id_of(&body));
    }
    ids
}

/// Stores a lead with `email` (as typed) on `assessment_id`, with its queued email.
async fn add_lead(pool: &Db, assessment_id: &str, name: &str, email: &str) -> String {
    let id = servicefit::assessment::new_id().expect("id");
    let mail_id = servicefit::assessment::new_id().expect("id");
    let email = email.trim();
    let stored = leads::insert_lead(
        pool,
        &leads::NewLead {
            id: &id,
            assessment_id,
            name,
            email,
            email_key: &email.to_lowercase(),
            consent_text: "Send me this report and keep my address for it.",
            consent_version: "c0ffee",
            created_at: &servicefit::assessment::now_rfc3339(),
            client_addr: "203.0.113.7",
        },
        &leads::NewMail {
            id: &mail_id,
            recipient: email,
            subject: "Your report",
            text_body: "The report.",
            html_body: "<p>The report.</p>",
            // Far ahead: nothing here sends it.
            due_at_ms: i64::MAX,
        },
        None,
        3,
    )
    .await
    .expect("lead");
    assert_eq!(stored, leads::LeadStored::Stored);
    id
}

async fn status_of(path: &str) -> u16 {
    client()
        .get(path)
        .send()
        .await
        .expect("answer")
        .status()
        .as_u16()
}

async fn count(pool: &Db, sql: &'static str, id: &str) -> i64 {
    servicefit::on_pool!(pool, pool => sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}")))
}

/// No address of anyone in what an operator's log keeps.
fn assert_no_address(log: &str) {
    assert!(!log.contains('@'), "an address in the log:\n{log}");
    assert!(!log.to_lowercase().contains("example.com"), "{log}");
}

#[tokio::test]
async fn export_prints_every_lead_of_an_address_in_any_case_with_their_assessments_and_no_one_elses()
 {
    let dir = tempfile::tempdir().unwrap();
    let db_path = common::database::fresh_url(dir.path(), "person.db").await;
    let server = Server::start(&db_path);
    let ids = create(&server, 3).await;
    let pool = pool(&db_path).await;
    let first = add_lead(&pool, &ids[0], "Ana Lima", " Ana.Lima@Example.com ").await;
    let second = add_lead(&pool, &ids[1], "Ana", "ana.lima@example.com").await;
    add_lead(&pool, &ids[2], "Bo", "bo@example.com").await;
    db::review::add_note(
        &pool,
        &ids[0],
        "consultant@msp.example",
        "Called; wants a quote",
        "2026-12-01T10:00:00.000Z",
    )
    .await
    .unwrap();
    db::review::set_tags(&pool, &ids[0], &["dental".to_owned(), "hot".to_owned()])
        .await
        .unwrap();

    let out = servicefit(&db_path, &["person", "export", "ANA.LIMA@example.COM"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_no_address(&stderr(&out));
    assert!(stderr(&out).contains("person export"), "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(!printed.contains("bo@example.com"), "{printed}");
    let export: Value = serde_json::from_str(&printed).expect("JSON on stdout");

    assert_eq!(export["email"], "ana.lima@example.com");
    assert!(export["exported_at"].as_str().unwrap().ends_with('Z'));
    let lead_ids: Vec<&str> = export["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(lead_ids, [first.as_str(), second.as_str()]);
    let lead = &export["leads"][0];
    assert_eq!(lead["assessment_id"], ids[0].as_str());
    assert_eq!(lead["name"], "Ana Lima");
    assert_eq!(lead["email"], "Ana.Lima@Example.com");
    assert_eq!(
        lead["consent_text"],
        "Send me this report and keep my address for it."
    );
    assert_eq!(lead["consent_version"], "c0ffee");
    assert_eq!(lead["client_addr"], "203.0.113.7");
    assert!(lead["created_at"].is_string());
    assert!(lead["email_sent_at"].is_null());

    let assessments = export["assessments"].as_array().unwrap();
    assert_eq!(assessments.len(), 2);
    for (exported, id) in assessments.iter().zip(&ids) {
        // The assessment as the API gives it.
        let api: Value = client()
            .get(server.url(&format!("/api/v1/assessments/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(exported["assessment"], api);
    }
    assert_eq!(
        assessments[0]["assessment"]["answers"]["company"],
        "Crash test 0"
    );
    assert_eq!(assessments[0]["tags"], serde_json::json!(["dental", "hot"]));
    assert_eq!(assessments[0]["notes"][0]["body"], "Called; wants a quote");
    assert_eq!(assessments[0]["notes"][0]["kind"], "note");
    assert_eq!(assessments[1]["tags"], serde_json::json!([]));
    assert_eq!(assessments[1]["notes"], serde_json::json!([]));

    // An address nobody gave: empty lists, and a word on stderr.
    let out = servicefit(&db_path, &["person", "export", "nobody@example.org"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let export: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(export["assessments"], serde_json::json!([]));
    assert_eq!(export["leads"], serde_json::json!([]));
    assert!(stderr(&out).contains("no lead carries that address"));

    // Not an address: refused.
    let out = servicefit(&db_path, &["person", "export", "not an address"]);
    assert!(!out.status.success());
}

#[tokio::test]
async fn erase_deletes_everything_of_an_address_and_the_running_server_answers_410_within_seconds()
{
    let dir = tempfile::tempdir().unwrap();
    let db_path = common::database::fresh_url(dir.path(), "person.db").await;
    let server = Server::start(&db_path);
    let ids = create(&server, 3).await;
    let pool = pool(&db_path).await;
    add_lead(&pool, &ids[0], "Ana", "Ana@Example.com").await;
    add_lead(&pool, &ids[1], "Ana", "ana@example.com").await;
    // Someone else asked for the same result's report: it goes with the assessment.
    add_lead(&pool, &ids[1], "Partner", "partner@example.com").await;
    add_lead(&pool, &ids[2], "Bo", "bo@example.com").await;
    for id in &ids {
        db::review::add_note(&pool, id, "c@msp.example", "findable words", "2026-12-01")
            .await
            .unwrap();
        db::review::set_tags(&pool, id, &["hot".to_owned()])
            .await
            .unwrap();
    }

    // Read twice, so the server serves them from memory.
    for id in &ids {
        for path in [
            format!("/assessments/{id}"),
            format!("/api/v1/assessments/{id}"),
        ] {
            for _ in 0..2 {
                assert_eq!(status_of(&server.url(&path)).await, 200, "{path}");
            }
        }
    }

    let mut args = vec!["person", "erase", "ANA@example.com"];
    args.extend(WEBHOOK);
    let out = servicefit(&db_path, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "deleted 2 assessment(s) and 3 lead(s)");
    let log = stderr(&out);
    assert_no_address(&log);
    assert!(log.contains("person erase"), "{log}");
    assert!(log.contains(&ids[0]) && log.contains(&ids[1]), "{log}");

    // The running server stops serving them within a few seconds.
    let deadline = Instant::now() + Duration::from_secs(8);
    for id in &ids[..2] {
        for path in [
            format!("/assessments/{id}"),
            format!("/api/v1/assessments/{id}"),
        ] {
            loop {
                let status = status_of(&server.url(&path)).await;
                if status == 410 {
                    break;
                }
                assert_eq!(status, 200, "{path}");
                assert!(
                    Instant::now() < deadline,
                    "{path} still served 8 s after the erase"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    // Bo's stays.
    assert_eq!(
        status_of(&server.url(&format!("/assessments/{}", ids[2]))).await,
        200
    );

    for id in &ids[..2] {
        for (sql, left) in [
            ("SELECT count(*) FROM assessments WHERE id = $1", 0),
            ("SELECT count(*) FROM notes WHERE assessment_id = $1", 0),
            ("SELECT count(*) FROM tags WHERE assessment_id = $1", 0),
            ("SELECT count(*) FROM leads WHERE assessment_id = $1", 0),
            ("SELECT count(*) FROM review_list WHERE id = $1", 0),
            (
                "SELECT count(*) FROM search_docs WHERE assessment_id = $1",
                0,
            ),
            ("SELECT count(*) FROM erased_assessments WHERE id = $1", 1),
            (
                "SELECT count(*) FROM webhook_outbox WHERE event_type = 'assessment.deleted'
                   AND payload LIKE '%' || $1 || '%'",
                1,
            ),
        ] {
            assert_eq!(count(&pool, sql, id).await, left, "{sql} for {id}");
        }
    }
    let mail_left: Vec<String> = servicefit::on_pool!(&pool, pool => sqlx::query_scalar("SELECT recipient FROM mail_outbox")
        .fetch_all(pool)
        .await
        .unwrap());
    assert_eq!(mail_left, ["bo@example.com"]);
    let search_hits: i64 = match &pool {
        Db::Sqlite(pool) => sqlx::query_scalar(
            "SELECT count(*) FROM search_index WHERE search_index MATCH 'findable'",
        )
        .fetch_one(pool)
        .await
        .unwrap(),
        Db::Postgres(pool) => {
            sqlx::query_scalar("SELECT count(*) FROM search_docs WHERE body LIKE '%findable%'")
                .fetch_one(pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(search_hits, 1, "only Bo's note is still found");

    // Again: nothing left to delete, still fine.
    let out = servicefit(&db_path, &["person", "erase", "ana@example.com"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "deleted 0 assessment(s) and 0 lead(s)");
}

#[tokio::test]
async fn a_running_server_sends_the_erase_events_within_seconds() {
    let got = Arc::new(Mutex::new(Vec::new()));
    let url = spawn_receiver(got.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let db_path = common::database::fresh_url(dir.path(), "person.db").await;
    let webhook = ["--webhook-url", &url, "--webhook-secret", "whsec_dGVzdA"];
    let server = Server::start_with(&db_path, &webhook);
    let ids = create(&server, 2).await;
    let pool = pool(&db_path).await;
    for id in &ids {
        add_lead(&pool, id, "Ana", "ana@example.com").await;
    }
    let mut args = vec!["person", "erase", "ana@example.com"];
    args.extend(webhook);
    let out = servicefit(&db_path, &args);
    assert!(out.status.success(), "{}", stderr(&out));

    // Well before the delivery worker's 30 s idle poll: the tombstone watch wakes it.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut deleted: Vec<String> = got
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == "assessment.deleted")
            .map(|e| e["data"]["id"].as_str().unwrap().to_owned())
            .collect();
        deleted.sort();
        let mut expected = ids.clone();
        expected.sort();
        if deleted == expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "deletions announced within 10 s: {deleted:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn erase_without_webhooks_queues_no_event() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = common::database::fresh_url(dir.path(), "person.db").await;
    let server = Server::start(&db_path);
    let ids = create(&server, 1).await;
    let pool = pool(&db_path).await;
    add_lead(&pool, &ids[0], "Ana", "ana@example.com").await;
    let out = servicefit(&db_path, &["person", "erase", "ana@example.com"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "deleted 1 assessment(s) and 1 lead(s)");
    let events: i64 = servicefit::on_pool!(&pool, pool => sqlx::query_scalar("SELECT count(*) FROM webhook_outbox")
        .fetch_one(pool)
        .await
        .unwrap());
    assert_eq!(events, 0);
}

#[tokio::test]
async fn erase_while_another_connection_holds_the_write_lock_fails_clearly_and_deletes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = common::database::fresh_url(dir.path(), "person.db").await;
    let server = Server::start(&db_path);
    let ids = create(&server, 1).await;
    let pool = pool(&db_path).await;
    add_lead(&pool, &ids[0], "Ana", "ana@example.com").await;

    // Another connection holds the write lock (SQLite) or locks the tables the erasure writes
    // (PostgreSQL) and keeps it past the erasure's lock timeout.
    let holder = common::database::LockHolder::take(&db_path).await;
    let mut args = vec!["person", "erase", "ana@example.com"];
    args.extend(WEBHOOK);
    let out = servicefit(&db_path, &args);
    assert!(!out.status.success(), "{}", stdout(&out));
    let message = stderr(&out);
    assert!(message.contains("locked"), "{message}");
    assert!(message.contains("nothing was deleted"), "{message}");
    assert_no_address(&message);
    holder.release().await;

    for sql in [
        "SELECT count(*) FROM assessments WHERE id = $1",
        "SELECT count(*) FROM leads WHERE assessment_id = $1",
    ] {
        assert_eq!(count(&pool, sql, &ids[0]).await, 1, "{sql}");
    }
    for sql in [
        "SELECT count(*) FROM erased_assessments WHERE id = $1",
        "SELECT count(*) FROM webhook_outbox WHERE CAST($1 AS TEXT) IS NOT NULL",
    ] {
        assert_eq!(count(&pool, sql, &ids[0]).await, 0, "{sql}");
    }
    assert_eq!(
        status_of(&server.url(&format!("/assessments/{}", ids[0]))).await,
        200
    );

    // Once the lock is gone, the same request goes through.
    let out = servicefit(&db_path, &["person", "erase", "ana@example.com"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "deleted 1 assessment(s) and 1 lead(s)");
}

/// What an owner who asks for the report by email leaves in the webhook payloads.
const COMPANY: &str = "Crash test 0";
const LEAD_NAME: &str = "Ana Lima";
const LEAD_EMAIL: &str = "ana.lima@shop.example";

/// The event types `got` holds, sorted.
fn types(got: &Mutex<Vec<Value>>) -> Vec<String> {
    let mut types: Vec<String> = got
        .lock()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    types.sort();
    types
}

/// Polls `check` for up to 15 s.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A server announcing to a receiver that is up from the start (`up`) or only after the erase,
/// an assessment whose owner asks for the report by email (over HTTP: `assessment.created` and
/// `lead.created` queued), then `person erase` of that address: no outbox or delivery-log row
/// keeps the company name, the answers or the lead, the `assessment.deleted` is delivered, and
/// with the receiver down until after the erase it is the only event that ever arrives.
async fn erase_takes_the_webhook_events(up: bool) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("http://{addr}/hook");
    let mut listener = Some(listener);
    if up {
        serve_receiver(got.clone(), listener.take().unwrap());
    } else {
        // Nothing listens there until after the erase: connecting is refused.
        drop(listener.take());
    }
    let sink = SmtpSink::start().await;
    let smtp = sink.url();
    let webhook = ["--webhook-url", &url, "--webhook-secret", "whsec_dGVzdA"];
    let mut args = webhook.to_vec();
    args.extend([
        "--webhook-backoff-ms",
        "20",
        "--smtp-url",
        &smtp,
        "--mail-from",
        "Advice desk <advice@msp.example>",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let db_path = common::database::fresh_url(dir.path(), "person.db").await;
    let server = Server::start_with(&db_path, &args);
    let id = create(&server, 1).await.remove(0);
    let res = client()
        .post(server.url(&format!("/api/v1/assessments/{id}/report")))
        .json(&serde_json::json!({"name": LEAD_NAME, "email": LEAD_EMAIL, "consent": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let pool = pool(&db_path).await;
    if up {
        eventually("both announcements", || got.lock().unwrap().len() == 2).await;
    }
    // Delivered or failed, each event has its attempt in the log.
    let deadline = Instant::now() + Duration::from_secs(15);
    let attempted = || async {
        servicefit::on_pool!(&pool, pool => sqlx::query_scalar::<_, i64>("SELECT count(DISTINCT message_id) FROM webhook_deliveries")
            .fetch_one(pool)
            .await
            .unwrap())
    };
    while attempted().await < 2 {
        assert!(Instant::now() < deadline, "no attempts logged");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut erase = vec!["person", "erase", LEAD_EMAIL];
    erase.extend(webhook);
    let out = servicefit(&db_path, &erase);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "deleted 1 assessment(s) and 1 lead(s)");
    if !up {
        serve_receiver(
            got.clone(),
            tokio::net::TcpListener::bind(addr).await.unwrap(),
        );
    }
    let deleted = || {
        got.lock()
            .unwrap()
            .iter()
            .any(|e| e["type"] == "assessment.deleted" && e["data"]["id"] == id.as_str())
    };
    eventually("the deletion", deleted).await;
    // The worker's next rounds (20 ms pauses and up) send nothing more.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let expected: &[&str] = if up {
        &["assessment.created", "assessment.deleted", "lead.created"]
    } else {
        &["assessment.deleted"]
    };
    assert_eq!(types(&got), expected);

    let rows: Vec<(String, Option<String>, String)> = servicefit::on_pool!(&pool, pool => sqlx::query_as(
        "SELECT event_type, assessment_id, payload FROM webhook_outbox
         UNION ALL
         SELECT o.event_type, o.assessment_id,
                d.message_id || ' ' || d.url || ' ' || coalesce(d.error, '')
         FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.message_id",
    )
    .fetch_all(pool)
    .await
    .unwrap());
    assert!(!rows.is_empty());
    for (kind, about, text) in &rows {
        assert_eq!(kind, "assessment.deleted", "{text}");
        assert_eq!(about.as_deref(), Some(id.as_str()));
        for personal in [COMPANY, "\"answers\"", LEAD_NAME, LEAD_EMAIL] {
            assert!(!text.contains(personal), "{personal} left: {text}");
        }
    }
}

#[tokio::test]
async fn erase_takes_the_delivered_webhook_events_and_their_log() {
    erase_takes_the_webhook_events(true).await;
}

#[tokio::test]
async fn erase_drops_webhook_events_not_yet_sent_so_only_the_deletion_arrives() {
    erase_takes_the_webhook_events(false).await;
}
