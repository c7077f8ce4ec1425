//! The real binary under crash, termination and backup: acknowledged assessments survive
//! SIGKILL byte for byte, SIGTERM exits cleanly, and `servicefit backup` copies a live database.
//! The full disk is `tests/full_disk.rs`.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::binary::{BIN, Server, assert_readable, write_concurrently};

fn temp_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    (dir, db)
}

#[tokio::test]
async fn every_acknowledged_assessment_survives_sigkill_under_concurrent_writes() {
    let (_dir, db) = temp_db();
    let mut server = Server::start(&db);
    let acked = Arc::new(Mutex::new(Vec::new()));
    let writers = tokio::spawn(write_concurrently(
        server.base.clone(),
        4,
        100,
        acked.clone(),
    ));
    // Kill while the writers are still going, once a good number has been acknowledged.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < 60 {
        assert!(Instant::now() < deadline, "writes too slow");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.child.kill().expect("SIGKILL");
    server.wait_exit(Duration::from_secs(10));
    writers.await.unwrap();
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 60);
    assert!(
        acked.len() < 400,
        "the kill came after every write; nothing was tested"
    );

    let server = Server::start(&db);
    assert_readable(&server, &acked, "SIGKILL").await;
    eprintln!(
        "{} acknowledged before SIGKILL, all readable after restart",
        acked.len()
    );
}

#[tokio::test]
async fn sigterm_makes_the_server_exit_0() {
    let (_dir, db) = temp_db();
    let mut server = Server::start(&db);
    servicefit::install_tls_provider();
    let res = reqwest::get(server.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), 200);
    let status = Command::new("kill")
        .args(["-TERM", &server.pid()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = server.wait_exit(Duration::from_secs(15));
    assert_eq!(exit.code(), Some(0), "{exit:?}");
    // The checkpoint at shutdown folds the WAL into the main file.
    let wal = db.with_extension("db-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0);
}

#[tokio::test]
async fn backup_copies_the_live_database_while_the_server_writes() {
    let (dir, db) = temp_db();
    let server = Server::start(&db);
    let acked = Arc::new(Mutex::new(Vec::new()));
    write_concurrently(server.base.clone(), 2, 10, acked.clone()).await;
    let before = acked.lock().unwrap().clone();
    assert_eq!(before.len(), 20);

    // Keep writing while the copy is made.
    let writers = tokio::spawn(write_concurrently(
        server.base.clone(),
        2,
        20,
        acked.clone(),
    ));
    let copy = dir.path().join("copy.db");
    let out = Command::new(BIN)
        .arg("backup")
        .arg(&copy)
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run backup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    writers.await.unwrap();

    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", copy.display()))
        .await
        .expect("the copy opens");
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    for (id, _) in &before {
        let found: Option<String> = sqlx::query_scalar("SELECT id FROM assessments WHERE id = ?")
            .bind(id)
            .fetch_optional(&pool)
            .await
            .unwrap();
        assert!(found.is_some(), "{id} missing from the backup");
    }
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assessments")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!((20..=60).contains(&rows), "{rows}");
}
