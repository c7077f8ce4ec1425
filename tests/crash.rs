//! The real binary under crash, termination, a full disk and backup: acknowledged assessments
//! survive SIGKILL and a full filesystem byte for byte, SIGTERM exits cleanly, and
//! `servicefit backup` copies a live database.

mod common;

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
        Self::start_with(db, &[])
    }

    fn start_with(db: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["--bind", "127.0.0.1:0", "--submit-rate-limit", "0"])
            .arg("--database-url")
            .arg(format!("sqlite://{}", db.display()))
            .args(args)
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

/// An acknowledged assessment: its id and the exact body of the `201`.
type Acked = Arc<Mutex<Vec<(String, String)>>>;

fn client() -> reqwest::Client {
    servicefit::install_tls_provider();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// Posts one assessment as a browser's `fetch` would (asking for gzip); the status, the
/// `Retry-After` header and the decoded body.
async fn post(
    client: &reqwest::Client,
    base: &str,
    i: usize,
) -> reqwest::Result<(u16, Option<String>, String)> {
    let res = client
        .post(format!("{base}/api/v1/assessments"))
        .header("content-type", "application/json")
        .header("accept-encoding", common::ACCEPT_ENCODING)
        .body(answers(i).to_string())
        .send()
        .await?;
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    Ok((status, retry, common::text(res).await))
}

fn id_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// Every acknowledged assessment reads back from `server` as the bytes it was acknowledged with.
async fn assert_readable(server: &Server, acked: &[(String, String)], after: &str) {
    let client = client();
    for (id, body) in acked {
        let res = client
            .get(server.url(&format!("/api/v1/assessments/{id}")))
            .header("accept-encoding", common::ACCEPT_ENCODING)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "acknowledged {id} lost after {after}");
        assert_eq!(&common::text(res).await, body, "{id} changed after {after}");
    }
}

/// `tasks` concurrent writers, each posting up to `per_task` assessments until one fails;
/// collects every assessment acknowledged with 201.
async fn write_concurrently(base: String, tasks: usize, per_task: usize, acked: Acked) {
    let client = client();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let client = client.clone();
        let base = base.clone();
        let acked = acked.clone();
        handles.push(tokio::spawn(async move {
            for i in 0..per_task {
                let Ok((201, _, body)) = post(&client, &base, t * per_task + i).await else {
                    return;
                };
                acked.lock().unwrap().push((id_of(&body), body));
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

/// A small tmpfs mounted for one test, unmounted when dropped.
struct SmallFilesystem {
    dir: tempfile::TempDir,
}

impl SmallFilesystem {
    /// `None` where this machine does not let the test mount one (not root, no `mount`).
    fn mount(size: &str) -> Option<SmallFilesystem> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(SmallFilesystem { dir })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for SmallFilesystem {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

#[tokio::test]
async fn a_full_disk_refuses_with_503_loses_nothing_acknowledged_and_recovers_when_space_returns() {
    let Some(fs) = SmallFilesystem::mount("3m") else {
        eprintln!("skipped: mounting a 3 MB tmpfs needs root and mount(8) on this machine");
        return;
    };
    // A file the "operator" deletes later to give the space back.
    let ballast = fs.path("ballast");
    std::fs::write(&ballast, vec![0u8; 1024 * 1024]).unwrap();
    let db = fs.path("full.db");
    let mut server = Server::start(&db);
    let client = client();
    let ready = |server: &Server| {
        let (client, url) = (client.clone(), server.url("/readyz"));
        async move { client.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(ready(&server).await, 200);

    // Four clients at a time until the disk is full, then forty refusals more.
    let mut acked = Vec::new();
    let (mut refused, mut next) = (0, 0);
    while refused < 40 {
        assert!(next < 4_000, "3 MB never filled up");
        let wave: Vec<_> = (next..next + 4)
            .map(|i| post(&client, &server.base, i))
            .collect();
        next += 4;
        for answer in futures_util::future::join_all(wave).await {
            match answer.expect("every submission is answered") {
                (201, _, body) => acked.push((id_of(&body), body)),
                (503, retry, body) => {
                    assert!(retry.is_some(), "503 without Retry-After");
                    assert!(body.contains("Nothing was saved"), "{body}");
                    refused += 1;
                }
                (status, _, body) => panic!("a full disk answered {status}: {body}"),
            }
        }
    }
    assert!(acked.len() >= 5, "only {} fitted", acked.len());
    assert_eq!(
        ready(&server).await,
        503,
        "not ready while the disk is full"
    );
    assert_readable(&server, &acked, "the disk filled up").await;

    std::fs::remove_file(&ballast).unwrap();
    // A probe's answer is reused for a second, as a load balancer polling would see it.
    let deadline = Instant::now() + Duration::from_secs(5);
    while ready(&server).await != 200 {
        assert!(
            Instant::now() < deadline,
            "not ready 5 s after space came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for i in 0..5 {
        let (status, _, body) = post(&client, &server.base, 100_000 + i).await.unwrap();
        assert_eq!(status, 201, "{body}");
        acked.push((id_of(&body), body));
    }
    assert_readable(&server, &acked, "space came back").await;

    let status = Command::new("kill")
        .args(["-TERM", &server.pid()])
        .status()
        .expect("kill");
    assert!(status.success());
    assert_eq!(server.wait_exit(Duration::from_secs(15)).code(), Some(0));
    let server = Server::start(&db);
    assert_readable(&server, &acked, "a restart").await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM assessments")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        stored as usize,
        acked.len(),
        "nothing answered 503 was stored"
    );
    eprintln!(
        "{} acknowledged and {refused} refused on a full 3 MB disk; all readable after a restart",
        acked.len()
    );
}
