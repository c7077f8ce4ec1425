//! A person's access and erasure requests by email (`servicefit person export|erase`), run as
//! the real binary against the database of a real server process that keeps serving.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::binary::{BIN, Server, client, id_of, post};
use serde_json::Value;
use servicefit::db::{self, leads};
use sqlx::{Connection, SqlitePool};

const WEBHOOK: [&str; 4] = [
    "--webhook-url",
    "http://127.0.0.1:9/hook",
    "--webhook-secret",
    "whsec_dGVzdA",
];

/// A webhook receiver on a free port that keeps every body it is sent; its URL.
async fn spawn_receiver(got: Arc<Mutex<Vec<Value>>>) -> String {
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/hook")
}

/// Runs `servicefit ARGS` on the database `db`, logging at `info` as an operator would.
fn servicefit(db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
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

async fn pool(db: &Path) -> SqlitePool {
    db::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("database")
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
async fn add_lead(pool: &SqlitePool, assessment_id: &str, name: &str, email: &str) -> String {
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

async fn count(pool: &SqlitePool, sql: &'static str, id: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
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
    let db_path = dir.path().join("person.db");
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
    let db_path = dir.path().join("person.db");
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
            ("SELECT count(*) FROM assessments WHERE id = ?", 0),
            ("SELECT count(*) FROM notes WHERE assessment_id = ?", 0),
            ("SELECT count(*) FROM tags WHERE assessment_id = ?", 0),
            ("SELECT count(*) FROM leads WHERE assessment_id = ?", 0),
            ("SELECT count(*) FROM review_list WHERE id = ?", 0),
            (
                "SELECT count(*) FROM search_docs WHERE assessment_id = ?",
                0,
            ),
            ("SELECT count(*) FROM erased_assessments WHERE id = ?", 1),
            (
                "SELECT count(*) FROM webhook_outbox WHERE event_type = 'assessment.deleted'
                   AND json_extract(payload, '$.data.id') = ?",
                1,
            ),
        ] {
            assert_eq!(count(&pool, sql, id).await, left, "{sql} for {id}");
        }
    }
    let mail_left: Vec<String> = sqlx::query_scalar("SELECT recipient FROM mail_outbox")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(mail_left, ["bo@example.com"]);
    let search_hits: i64 =
        sqlx::query_scalar("SELECT count(*) FROM search_index WHERE search_index MATCH 'findable'")
            .fetch_one(&pool)
            .await
            .unwrap();
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
    let db_path = dir.path().join("person.db");
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
    let db_path = dir.path().join("person.db");
    let server = Server::start(&db_path);
    let ids = create(&server, 1).await;
    let pool = pool(&db_path).await;
    add_lead(&pool, &ids[0], "Ana", "ana@example.com").await;
    let out = servicefit(&db_path, &["person", "erase", "ana@example.com"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "deleted 1 assessment(s) and 1 lead(s)");
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_outbox")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(events, 0);
}

#[tokio::test]
async fn erase_while_another_connection_holds_the_write_lock_fails_clearly_and_deletes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("person.db");
    let server = Server::start(&db_path);
    let ids = create(&server, 1).await;
    let pool = pool(&db_path).await;
    add_lead(&pool, &ids[0], "Ana", "ana@example.com").await;

    let mut holder = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db_path.display()))
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut holder)
        .await
        .unwrap();
    let mut args = vec!["person", "erase", "ana@example.com"];
    args.extend(WEBHOOK);
    let out = servicefit(&db_path, &args);
    assert!(!out.status.success(), "{}", stdout(&out));
    let message = stderr(&out);
    assert!(message.contains("locked"), "{message}");
    assert!(message.contains("nothing was deleted"), "{message}");
    assert_no_address(&message);
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();

    for sql in [
        "SELECT count(*) FROM assessments WHERE id = ?",
        "SELECT count(*) FROM leads WHERE assessment_id = ?",
    ] {
        assert_eq!(count(&pool, sql, &ids[0]).await, 1, "{sql}");
    }
    for sql in [
        "SELECT count(*) FROM erased_assessments WHERE id = ?",
        "SELECT count(*) FROM webhook_outbox WHERE ? IS NOT NULL",
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
