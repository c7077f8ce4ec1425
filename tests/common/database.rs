//! Where a test server keeps its data: a fresh SQLite file by default, or, when
//! `SERVICEFIT_TEST_POSTGRES` names a PostgreSQL server (`postgres://USER@HOST:PORT/DB`, a user
//! who may create databases), a fresh database there: the same tests then run on PostgreSQL.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection, PgConnection};

/// The variable that points the suite at a PostgreSQL server.
pub const POSTGRES_ENV: &str = "SERVICEFIT_TEST_POSTGRES";

/// Prefix of the databases the harness creates; a process's own carry its id.
const PREFIX: &str = "sft_";

/// The PostgreSQL server the suite runs on, when one is named.
pub fn postgres_server() -> Option<String> {
    std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|url| !url.is_empty())
}

/// True when this run's test servers are on PostgreSQL.
pub fn on_postgres() -> bool {
    postgres_server().is_some()
}

/// `server` with its database name replaced by `name`.
pub fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server, None),
    };
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    let mut url = format!("{}/{name}", &base[..host_end]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

/// A new, empty database on `server`; returns its URL. The first call of a process drops the
/// databases that earlier, finished test processes left behind.
pub async fn fresh_postgres(server: &str) -> String {
    static CLEARED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let mut admin = PgConnection::connect(server)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV} names a server the tests cannot reach: {e}"));
    CLEARED
        .get_or_init(|| async {
            let mut admin = PgConnection::connect(server).await.expect("server");
            drop_leftovers(&mut admin).await;
        })
        .await;
    let name = format!(
        "{PREFIX}{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create a test database");
    with_database(server, &name)
}

/// Drops the harness's databases whose process is gone.
async fn drop_leftovers(admin: &mut PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'sft\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let pid = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        let alive = pid.is_some_and(|pid| std::path::Path::new(&format!("/proc/{pid}")).exists());
        if !alive {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut *admin)
            .await;
        }
    }
}

/// A fresh database for a server process in `dir`: a new PostgreSQL database when the run is
/// on PostgreSQL, otherwise the SQLite file `name` in `dir`. Its URL.
pub async fn fresh_url(dir: &std::path::Path, name: &str) -> String {
    match postgres_server() {
        Some(server) => fresh_postgres(&server).await,
        None => format!("sqlite://{}", dir.join(name).display()),
    }
}

/// Another connection that holds the database's write lock until released, as another process
/// would: on SQLite `BEGIN IMMEDIATE`; on PostgreSQL the tables the app writes locked in
/// `EXCLUSIVE` mode (reads still pass, writes wait past the app's lock timeout and fail).
pub enum LockHolder {
    Sqlite(sqlx::SqliteConnection),
    Postgres(PgConnection),
}

impl LockHolder {
    pub async fn take(url: &str) -> LockHolder {
        if servicefit::db::is_postgres_url(url) {
            let mut conn = PgConnection::connect(url).await.expect("connect");
            sqlx::raw_sql(
                "BEGIN; LOCK TABLE assessments, leads, mail_outbox, webhook_outbox, notes, tags, \
                 erased_assessments, idempotency_keys IN EXCLUSIVE MODE",
            )
            .execute(&mut conn)
            .await
            .expect("lock");
            LockHolder::Postgres(conn)
        } else {
            let mut conn = sqlx::SqliteConnection::connect(url).await.expect("connect");
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut conn)
                .await
                .expect("lock");
            LockHolder::Sqlite(conn)
        }
    }

    pub async fn release(self) {
        match self {
            LockHolder::Sqlite(mut conn) => {
                sqlx::query("ROLLBACK")
                    .execute(&mut conn)
                    .await
                    .expect("unlock");
            }
            LockHolder::Postgres(mut conn) => {
                sqlx::query("ROLLBACK")
                    .execute(&mut conn)
                    .await
                    .expect("unlock");
            }
        }
    }
}

/// A PostgreSQL cluster of a test's own (`tests/pg/cluster.sh`), which it may crash and start
/// again without disturbing the other tests' server; stopped and deleted when dropped.
pub struct OwnCluster {
    /// Its URL, for its `postgres` database.
    pub url: String,
    dir: String,
}

impl OwnCluster {
    const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/pg/cluster.sh");

    /// A new cluster from the PostgreSQL binaries found here; `None`, with a note naming
    /// `test`, when there are none (it never installs them).
    pub fn start(test: &str) -> Option<OwnCluster> {
        let out = std::process::Command::new("bash")
            .arg(Self::SCRIPT)
            .arg("start")
            .env_remove(POSTGRES_ENV)
            .env("SERVICEFIT_PG_NO_INSTALL", "1")
            .output()
            .expect("run tests/pg/cluster.sh");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let value = |name: &str| {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(&format!("export {name}=")))
                .map(str::to_owned)
        };
        match (
            out.status.success(),
            value(POSTGRES_ENV),
            value("SERVICEFIT_PG_DIR"),
        ) {
            (true, Some(url), Some(dir)) if !dir.is_empty() => Some(OwnCluster { url, dir }),
            _ => {
                eprintln!(
                    "{test}: skipped: no PostgreSQL cluster of its own could be started here: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                None
            }
        }
    }

    /// Stops the server at once, as a crash or a power cut would: no checkpoint, so the next
    /// start replays the WAL.
    pub fn crash(&self) {
        self.script("crash");
    }

    /// Starts the server again on the same port.
    pub fn restart(&self) {
        self.script("restart");
    }

    fn script(&self, command: &str) {
        let status = std::process::Command::new("bash")
            .arg(Self::SCRIPT)
            .args([command, &self.dir])
            .status()
            .expect("run tests/pg/cluster.sh");
        assert!(status.success(), "tests/pg/cluster.sh {command} failed");
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = std::process::Command::new("bash")
            .arg(Self::SCRIPT)
            .args(["stop", &self.dir])
            .status();
    }
}
