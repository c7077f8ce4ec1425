//! When the database cannot take writes (no space left, a lock held by another process), a
//! submission is answered `503` with `Retry-After` and nothing of it is stored; every
//! submission answered `201`/`303` is committed and stays readable, before and after a
//! restart; `/readyz` says whether writes can succeed; and once they can, they do, without a
//! restart.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{ACCEPT_ENCODING, TestApp, dental_practice, hidden, text};

fn answers(i: usize) -> serde_json::Value {
    let mut answers = dental_practice();
    answers["company"] = format!("Practice {i}").into();
    answers["employees"] = (5 + i % 40).into();
    answers
}

/// Posts `answers(i)` through the API; the status and the body.
async fn post(app: &TestApp, i: usize) -> (u16, reqwest::header::HeaderMap, String) {
    let res = app
        .client
        .post(app.url("/api/v1/assessments"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("accept-encoding", ACCEPT_ENCODING)
        .body(answers(i).to_string())
        .send()
        .await
        .expect("an answer");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, text(res).await)
}

/// What a refusal for want of storage must look like under the API.
fn assert_unavailable_json(headers: &reqwest::header::HeaderMap, body: &str) {
    let retry: u64 = headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("503 carries Retry-After in seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let body: serde_json::Value = serde_json::from_str(body).expect("a JSON error body");
    let message = body["errors"][0]["message"].as_str().expect("a message");
    assert!(message.contains("Nothing was saved"), "{message}");
}

/// Every assessment id stored in the database.
async fn stored_ids(app: &TestApp) -> BTreeSet<String> {
    servicefit::on_pool!(&app.db().await, pool => sqlx::query_scalar("SELECT id FROM assessments")
        .fetch_all(pool)
        .await
        .expect("ids")
        .into_iter()
        .collect())
}

async fn ready(app: &TestApp) -> u16 {
    app.get("/readyz").await.status().as_u16()
}

/// Polls `/readyz` as a load balancer would, until it answers 200 (a probe's answer is reused
/// for a second).
async fn becomes_ready(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while ready(app).await != 200 {
        assert!(
            Instant::now() < deadline,
            "not ready 5 s after writes could succeed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Each acknowledged assessment reads back as exactly the bytes it was acknowledged with.
async fn assert_readable(app: &TestApp, acked: &[(String, String)]) {
    for (id, body) in acked {
        let res = app
            .client
            .get(app.url(&format!("/api/v1/assessments/{id}")))
            .header("accept-encoding", ACCEPT_ENCODING)
            .send()
            .await
            .expect("an answer");
        assert_eq!(res.status(), 200, "acknowledged {id} is missing");
        assert_eq!(text(res).await, common::assessment_of(body), "{id} changed");
    }
}

/// A table of filler the test deletes to give the full database room again, as an operator
/// frees disk space.
async fn add_ballast(app: &TestApp, bytes: i64) {
    let pool = app.db().await;
    servicefit::on_pool!(&pool, pool => { sqlx::query("CREATE TABLE ballast (filler BLOB NOT NULL)")
        .execute(pool)
        .await
        .expect("ballast table"); });
    servicefit::on_pool!(&pool, pool => { sqlx::query("INSERT INTO ballast VALUES (zeroblob($1))")
        .bind(bytes)
        .execute(pool)
        .await
        .expect("ballast"); });
}

async fn free_ballast(app: &TestApp) {
    servicefit::on_pool!(&app.db().await, pool => { sqlx::query("DELETE FROM ballast")
        .execute(pool)
        .await
        .expect("free the ballast"); });
}

#[tokio::test]
async fn a_full_database_answers_503_stores_nothing_unacknowledged_and_recovers_without_a_restart()
{
    let app = TestApp::spawn_sqlite_with(|c| c.database_max_mb = Some(1)).await;
    add_ballast(&app, 512 * 1024).await;
    assert_eq!(ready(&app).await, 200);

    // Eight clients at a time until the database is full, and twenty more after that.
    let mut acked = Vec::new();
    let mut refused = 0;
    let mut next = 0;
    while refused < 20 {
        assert!(next < 2_000, "1 MiB never filled up");
        let wave: Vec<_> = (next..next + 8).map(|i| post(&app, i)).collect();
        next += 8;
        for (status, headers, body) in futures_util::future::join_all(wave).await {
            match status {
                201 => {
                    let id = serde_json::from_str::<serde_json::Value>(&body).expect("json")["id"]
                        .as_str()
                        .expect("id")
                        .to_owned();
                    acked.push((id, body));
                }
                503 => {
                    assert_unavailable_json(&headers, &body);
                    refused += 1;
                }
                other => panic!("a full database answered {other}: {body}"),
            }
        }
    }
    assert!(acked.len() >= 5, "only {} fitted", acked.len());
    assert_eq!(ready(&app).await, 503, "not ready while writes fail");
    assert_eq!(app.get("/healthz").await.status(), 200, "but alive");

    let acked_ids: BTreeSet<String> = acked.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(
        stored_ids(&app).await,
        acked_ids,
        "stored exactly what was acknowledged"
    );
    assert_readable(&app, &acked).await;

    // Space comes back: ready again and writes succeed, without a restart.
    free_ballast(&app).await;
    becomes_ready(&app).await;
    for i in 0..5 {
        let (status, _, body) = post(&app, 10_000 + i).await;
        assert_eq!(status, 201, "{body}");
        let id = serde_json::from_str::<serde_json::Value>(&body).expect("json")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        acked.push((id, body));
    }
    let acked_ids: BTreeSet<String> = acked.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(stored_ids(&app).await, acked_ids);
    assert_readable(&app, &acked).await;

    let app = app.restart().await;
    assert_eq!(stored_ids(&app).await, acked_ids, "after a restart too");
    assert_readable(&app, &acked).await;
}

#[tokio::test]
async fn a_form_sent_to_a_full_database_comes_back_with_its_answers_and_a_503() {
    let app = TestApp::spawn_sqlite_with(|c| c.database_max_mb = Some(1)).await;
    add_ballast(&app, 512 * 1024).await;
    let mut i = 0;
    while post(&app, i).await.0 == 201 {
        i += 1;
        assert!(i < 2_000, "1 MiB never filled up");
    }
    let before = stored_ids(&app).await;

    let pairs = app.filled_in_form(&dental_practice()).await;
    let res = app.submit_form(&pairs).await;
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    assert!(res.headers().contains_key("content-security-policy"));
    let page = text(res).await;
    assert!(page.contains("Your answers were not saved yet"), "{page}");
    assert!(page.contains("value=\"Harbour Dental\""), "answers kept");
    assert_eq!(
        hidden(&page, "submission"),
        pairs.iter().find(|(k, _)| k == "submission").unwrap().1,
        "the form keeps its one-time token"
    );
    assert_eq!(stored_ids(&app).await, before, "nothing stored");

    free_ballast(&app).await;
    let res = app.submit_form(&pairs).await;
    assert_eq!(
        res.status(),
        303,
        "the same form goes through once there is room"
    );
}

/// Another process holding SQLite's write lock, as `sqlite3` with `BEGIN IMMEDIATE` would;
/// released when dropped.
struct WriteLock(Child);

impl WriteLock {
    /// `None` (with a message) where python3 is missing.
    fn hold(db: &Path) -> Option<WriteLock> {
        let script = "import sqlite3, sys\n\
                      c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
                      c.execute('BEGIN IMMEDIATE')\n\
                      print('locked', flush=True)\n\
                      sys.stdin.read()\n";
        let Ok(mut child) = Command::new("python3")
            .args(["-c", script])
            .arg(db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
        else {
            eprintln!("skipped: python3 is needed to hold the lock from another process");
            return None;
        };
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read");
        assert_eq!(line.trim(), "locked", "the other process took the lock");
        Some(WriteLock(child))
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        // Closing its stdin ends the script, which releases the lock.
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_lock_held_by_another_process_gets_a_prompt_503_and_a_retry_stores_once() {
    let app = TestApp::spawn_sqlite_with(|_| {}).await;
    let Some(lock) = WriteLock::hold(&app.db_path) else {
        return;
    };
    let submit = |key: &'static str| {
        app.client
            .post(app.url("/api/v1/assessments"))
            .header("content-type", "application/json")
            .header("accept-encoding", ACCEPT_ENCODING)
            .header("idempotency-key", key)
            .body(dental_practice().to_string())
            .send()
    };
    let started = Instant::now();
    let attempts = futures_util::future::join_all((0..4).map(|_| submit("order-7"))).await;
    let waited = started.elapsed();
    for res in attempts {
        let res = res.expect("an answer");
        assert_eq!(res.status(), 503);
        let headers = res.headers().clone();
        assert_unavailable_json(&headers, &text(res).await);
    }
    assert!(
        waited < Duration::from_secs(10),
        "answered within a few seconds, not after {waited:?}"
    );
    let pairs = app.filled_in_form(&dental_practice()).await;
    assert_eq!(app.submit_form(&pairs).await.status(), 503);
    assert_eq!(ready(&app).await, 503, "not ready while locked out");

    drop(lock);
    assert!(
        stored_ids(&app).await.is_empty(),
        "nothing answered 503 was stored"
    );
    becomes_ready(&app).await;
    let first = submit("order-7").await.expect("an answer");
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first = common::assessment_of(&text(first).await);
    let again = submit("order-7").await.expect("an answer");
    assert_eq!(again.status(), 201, "the same status");
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    // The same assessment; only the owner's private link is fresh.
    let again = common::assessment_of(&text(again).await);
    assert_eq!(first, again, "the same assessment");
    assert_eq!(stored_ids(&app).await.len(), 1, "stored once");
}

/// The owner's deletion of `id`, sent as the confirmation form sends it.
async fn delete_by_form(app: &TestApp, id: &str, token: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/assessments/{id}/delete")))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html,application/xhtml+xml")
        .header("accept-encoding", ACCEPT_ENCODING)
        .body(serde_urlencoded::to_string([("token", token)]).expect("encode"))
        .send()
        .await
        .expect("an answer")
}

/// An assessment made through the API: its id and the token of its private deletion link.
async fn created_with_token(app: &TestApp) -> (String, String) {
    let created = app.create_with_link(&dental_practice()).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let token = created["delete_url"]
        .as_str()
        .expect("delete_url")
        .split_once("token=")
        .expect("a token")
        .1
        .to_owned();
    (id, token)
}

/// What a deletion the database could not take must look like: a `503` page that says to try
/// again and that nothing was deleted; the result still there and no tombstone.
async fn assert_deletion_refused(app: &TestApp, id: &str, res: reqwest::Response) {
    assert_eq!(res.status(), 503);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(res.headers().contains_key("content-security-policy"));
    let page = text(res).await;
    assert!(page.contains("Nothing was deleted"), "{page}");
    assert_eq!(app.get(&format!("/assessments/{id}")).await.status(), 200);
    let tombstones: i64 = servicefit::on_pool!(&app.db().await, pool => sqlx::query_scalar("SELECT count(*) FROM erased_assessments WHERE id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .expect("count"));
    assert_eq!(tombstones, 0, "no tombstone for a refused deletion");
}

/// Deleting frees more than its tombstone takes, so a database at its `--database-max-mb`
/// limit still lets an owner delete (a full disk, where the journal cannot grow, answers `503`:
/// tests/full_disk.rs).
#[tokio::test]
async fn deleting_on_a_database_at_its_size_limit_succeeds_and_makes_room() {
    let app = TestApp::spawn_sqlite_with(|c| c.database_max_mb = Some(1)).await;
    add_ballast(&app, 512 * 1024).await;
    let (id, token) = created_with_token(&app).await;
    let mut i = 0;
    while post(&app, i).await.0 == 201 {
        i += 1;
        assert!(i < 2_000, "1 MiB never filled up");
    }

    let res = delete_by_form(&app, &id, &token).await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.get(&format!("/assessments/{id}")).await.status(), 410);
    assert_eq!(
        post(&app, i).await.0,
        201,
        "the room it freed takes a new one"
    );
}

#[tokio::test]
async fn deleting_while_another_process_holds_the_lock_answers_503_and_succeeds_after() {
    let app = TestApp::spawn_sqlite_with(|_| {}).await;
    let (id, token) = created_with_token(&app).await;
    let Some(lock) = WriteLock::hold(&app.db_path) else {
        return;
    };
    let started = Instant::now();
    let res = delete_by_form(&app, &id, &token).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered within a few seconds, not after {:?}",
        started.elapsed()
    );
    assert_deletion_refused(&app, &id, res).await;

    drop(lock);
    let res = delete_by_form(&app, &id, &token).await;
    assert_eq!(
        res.status(),
        303,
        "the same form deletes once the lock is gone"
    );
    assert_eq!(app.get(&format!("/assessments/{id}")).await.status(), 410);
}
