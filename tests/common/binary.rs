//! The real `servicefit` binary as a child process, and clients that post to it and read back
//! what it acknowledged: for the crash and full-disk tests.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_servicefit");

/// A running server process; killed when dropped so a failing test leaves nothing behind.
pub struct Server {
    pub child: Child,
    pub base: String,
    /// What it logged on stderr, when started with [`Server::start_logging`].
    pub log: Arc<Mutex<Vec<String>>>,
}

/// A database a server process is started on: a SQLite file's path, or a URL.
pub trait Database {
    fn url(&self) -> String;
}

impl Database for Path {
    fn url(&self) -> String {
        format!("sqlite://{}", self.display())
    }
}

impl Database for std::path::PathBuf {
    fn url(&self) -> String {
        self.as_path().url()
    }
}

impl Database for str {
    fn url(&self) -> String {
        self.to_owned()
    }
}

impl Database for String {
    fn url(&self) -> String {
        self.clone()
    }
}

impl Server {
    pub fn start(db: &(impl Database + ?Sized)) -> Server {
        Self::start_with(db, &[])
    }

    pub fn start_with(db: &(impl Database + ?Sized), args: &[&str]) -> Server {
        Self::spawn(db, args, None).ready()
    }

    /// [`Server::start_with`] logging at `level` (`RUST_LOG`), its log lines kept in `log`.
    pub fn start_logging(db: &(impl Database + ?Sized), args: &[&str], level: &str) -> Server {
        Self::spawn(db, args, Some(level)).ready()
    }

    /// Starts the process without waiting for it to listen, so that several can start at once;
    /// [`Starting::ready`] waits.
    pub fn spawn(db: &(impl Database + ?Sized), args: &[&str], level: Option<&str>) -> Starting {
        let mut child = Command::new(BIN)
            .args(["--bind", "127.0.0.1:0", "--submit-rate-limit", "0"])
            .arg("--database-url")
            .arg(db.url())
            .args(args)
            .env("RUST_LOG", level.unwrap_or("warn"))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if level.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("start servicefit");
        let log = Arc::new(Mutex::new(Vec::new()));
        if let Some(stderr) = child.stderr.take() {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    log.lock().unwrap().push(line);
                }
            });
        }
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on ") {
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        Starting { child, rx, log }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// Waits up to `limit` for the process to exit and returns its status.
    pub fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
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

/// A server process that has not yet said where it listens.
pub struct Starting {
    child: Child,
    rx: std::sync::mpsc::Receiver<String>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Starting {
    /// Waits until it listens.
    pub fn ready(self) -> Server {
        let Starting { mut child, rx, log } = self;
        let Ok(base) = rx.recv_timeout(Duration::from_secs(30)) else {
            let _ = child.kill();
            panic!("the server prints `listening on http://…` within 30 s");
        };
        Server { child, base, log }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn answers(i: usize) -> serde_json::Value {
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
pub type Acked = Arc<Mutex<Vec<(String, String)>>>;

pub fn client() -> reqwest::Client {
    servicefit::install_tls_provider();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

/// Posts one assessment as a browser's `fetch` would (asking for gzip); the status, the
/// `Retry-After` header and the decoded body.
pub async fn post(
    client: &reqwest::Client,
    base: &str,
    i: usize,
) -> reqwest::Result<(u16, Option<String>, String)> {
    let res = client
        .post(format!("{base}/api/v1/assessments"))
        .header("content-type", "application/json")
        .header("accept-encoding", super::ACCEPT_ENCODING)
        .body(answers(i).to_string())
        .send()
        .await?;
    let status = res.status().as_u16();
    let retry = res
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    Ok((status, retry, super::text(res).await))
}

pub fn id_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body).expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// Every acknowledged assessment reads back from `server` as the bytes it was acknowledged with.
pub async fn assert_readable(server: &Server, acked: &[(String, String)], after: &str) {
    let client = client();
    for (id, body) in acked {
        let res = client
            .get(server.url(&format!("/api/v1/assessments/{id}")))
            .header("accept-encoding", super::ACCEPT_ENCODING)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "acknowledged {id} lost after {after}");
        assert_eq!(
            super::text(res).await,
            super::assessment_of(body),
            "{id} changed after {after}"
        );
    }
}

/// `tasks` concurrent writers, each posting up to `per_task` assessments until one fails;
/// collects every assessment acknowledged with 201.
pub async fn write_concurrently(base: String, tasks: usize, per_task: usize, acked: Acked) {
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
