//! The writer's transactions against a real SQLite file.

use super::*;

fn job(id: &str, announced: bool) -> Job {
    let (done, _) = oneshot::channel();
    Job {
        row: AssessmentRow {
            id: id.to_owned(),
            created_at: "2026-11-30T00:00:00.000Z".to_owned(),
            rules_version: "test".to_owned(),
            company: Some(format!("Company {id}")),
            employees: 5,
            recommendation: "managed",
            confidence: "strong",
            score: 1.5,
            answers_json: "{}".to_owned(),
            result_json: "{}".to_owned(),
            flagged: None,
            delete_token_hash: vec![0; 32],
        },
        event: announced.then(|| EventRow {
            id: format!("msg_{id}"),
            event_type: "assessment.created",
            payload: "{}".to_owned(),
            due_at_ms: 0,
        }),
        key: None,
        lead: None,
        deadline: Instant::now() + WAIT,
        done,
    }
}

async fn database() -> (tempfile::TempDir, sqlx::SqlitePool) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}", dir.path().join("batch.db").display());
    let db = Db::connect(&url, 8).await.expect("database");
    let pool = db.as_sqlite().expect("SQLite").clone();
    (dir, pool)
}

/// A connection of the writer's kind.
async fn writer_conn(pool: &sqlx::SqlitePool) -> Conn {
    Conn::Sqlite(pool.acquire().await.expect("connection"))
}

async fn stored(pool: &sqlx::SqlitePool) -> (Vec<String>, Vec<String>) {
    let ids = sqlx::query_scalar("SELECT id FROM assessments ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("assessments");
    let events = sqlx::query_scalar("SELECT id FROM webhook_outbox ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("events");
    (ids, events)
}

#[tokio::test]
async fn a_batch_is_stored_whole_with_its_events() {
    let (_dir, pool) = database().await;
    let batch: Vec<Job> = (0..300)
        .map(|i| job(&format!("a{i:03}"), i % 3 == 0))
        .collect();
    let mut conn = writer_conn(&pool).await;
    let results = write(&mut conn, &batch).await.expect("commit");
    assert!(results.iter().all(Result::is_ok));
    let (ids, events) = stored(&pool).await;
    assert_eq!(ids.len(), 300);
    assert_eq!(events.len(), 100);
    let listed: i64 = sqlx::query_scalar("SELECT count(*) FROM review_list")
        .fetch_one(&pool)
        .await
        .expect("review list");
    assert_eq!(listed, 300, "the list's triggers fire for every row");
}

#[tokio::test]
async fn a_failing_submission_is_left_out_and_the_rest_of_its_batch_is_stored() {
    let (_dir, pool) = database().await;
    let mut conn = writer_conn(&pool).await;
    write(&mut conn, &[job("taken", false)])
        .await
        .expect("commit");
    let batch = [job("b", true), job("taken", true), job("c", false)];
    let results = write(&mut conn, &batch).await.expect("commit");
    assert!(results[0].is_ok());
    assert!(results[1].is_err(), "a duplicate id is refused");
    assert!(results[2].is_ok());
    let (ids, events) = stored(&pool).await;
    assert_eq!(ids, ["b", "c", "taken"]);
    assert_eq!(
        events,
        ["msg_b"],
        "the refused row's event is not stored either"
    );
}

#[tokio::test]
async fn a_taken_retry_key_refuses_its_submission_alone() {
    let (_dir, pool) = database().await;
    let keyed = |id: &str, key: &str| {
        let mut job = job(id, false);
        job.key = Some(KeyRow {
            key: key.to_owned(),
            body_hash: vec![1; 32],
            expired_before: "2026-11-29T00:00:00.000Z".to_owned(),
        });
        job
    };
    let mut conn = writer_conn(&pool).await;
    write(&mut conn, &[keyed("first", "k")])
        .await
        .expect("commit");
    let batch = [keyed("b", "other"), keyed("again", "k"), job("c", true)];
    let results = write(&mut conn, &batch).await.expect("commit");
    assert!(results[0].is_ok());
    assert!(matches!(results[1], Err(WriteError::KeyTaken)));
    assert!(results[2].is_ok());
    let (ids, events) = stored(&pool).await;
    assert_eq!(ids, ["b", "c", "first"]);
    assert_eq!(events, ["msg_c"]);
    let Conn::Sqlite(conn) = &mut conn else {
        unreachable!("a SQLite connection")
    };
    assert!(
        !sqlx::Connection::is_in_transaction(&**conn),
        "the connection is clean again"
    );
}
