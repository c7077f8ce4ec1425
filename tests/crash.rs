//! The real binary under crash, termination and backup: acknowledged assessments survive
//! SIGKILL, SIGTERM exits cleanly, and `servicefit backup` copies a live database.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_servicefit");

/// A running server process; killed when dropped so a failing test leaves nothing behind.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &Path) -> Server {
        let mut child = Command::new(BIN)
            .args(["--bind", "127.0.0.1:0", "--submit-rate-limit", "0"])
            .arg("--database-url")
            .arg(format!("sqlite://{}", db.display()))
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start servicefit");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server prints `listening on http://…` within 30 s");
        Server { child, base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// Waits up to `limit` for the process to exit and returns its status.
    fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit within {limit:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn answers(i: usize) -> serde_json::Value {
    serde_json::json!({
        "company": format!("Crash test {i}"),
        "employees": 5 + i % 50,
        "growth": "growing",
        "it_reliance": "high",
        "complexity": "moderate",
        "incidents_per_month": 3,
        "support_hours": "business_hours",
        "security": "sensitive",
        "in_house_it": "none",
        "budget": "moderate",
        "cost_preference": "predictable",
        "control": "hands_off"
    })
}

/// `tasks` concurrent writers, each posting up to `per_task` assessments until one fails;
/// returns every id acknowledged with 201.
async fn write_concurrently(
    base: String,
    tasks: usize,
    per_task: usize,
    acked: Arc<Mutex<Vec<String>>>,
) {
    servicefit::install_tls_provider();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let client = client.clone();
        let url = format!("{base}/api/v1/assessments");
        let acked = acked.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..per_task {
                let Ok(res) = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(answers(t * per_task + i).to_string())
                    .send()
                    .await
                else {
                    return;
                };
                if res.status() != 201 {
                    return;
                }
                let Ok(body) = res.json::<serde_json::Value>().await else {
                    return;
                };
                acked
                    .lock()
                    .unwrap()
                    .push(body["id"].as_str().unwrap().to_owned());
            }
        }));
    }
    for h in handles {
        let _ = h.await;
    }
}

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
    servicefit::install_tls_provider();
    let client = reqwest::Client::new();
    for id in &acked {
        let res = client
            .get(server.url(&format!("/api/v1/assessments/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "acknowledged {id} lost after SIGKILL");
    }
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
    for id in &before {
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
