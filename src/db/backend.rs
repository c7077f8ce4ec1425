//! The two databases servicefit runs on, behind one type: SQLite (one file, the default) and
//! PostgreSQL (several instances on one server).
//!
//! Each function of `db` takes a [`Db`] and runs its statements with [`on_pool!`] or, inside a
//! transaction, [`on_tx!`]: the body is compiled once per backend. A statement both dialects
//! read alike is written once, with `$1, $2, …` placeholders (sqlx's SQLite driver takes them
//! too); where they differ (locks, JSON, text search), the function matches on the backend and
//! each has its own statement, side by side.

use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, PgPool, Postgres, Sqlite, SqlitePool, Transaction};

/// How long a statement waits for a lock another connection or process holds before it fails:
/// long enough for our own short transactions to pass, short enough that a lock held elsewhere
/// is answered with `503` in a few seconds, not a hang.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// Connections per instance when `--database-max-connections` is not given.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 8;

/// The database: a pool of either backend. Cloning it clones the pool handle.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which backend a [`Db`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `$body` with `$pool` bound to the pool `$db` holds (`&SqlitePool` or `&PgPool`).
/// Exported for tests and tools that look behind the HTTP interface.
#[macro_export]
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// Runs `$body` with `$conn` bound to the connection of the transaction `$tx` (a `&mut Tx`);
/// statements execute on `&mut *$conn`.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::db::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

pub use crate::{on_pool, on_tx};

/// A transaction on either backend.
pub enum Tx<'c> {
    Sqlite(Transaction<'c, Sqlite>),
    Postgres(Transaction<'c, Postgres>),
}

impl Tx<'_> {
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }

    pub async fn rollback(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await,
            Tx::Postgres(tx) => tx.rollback().await,
        }
    }

    /// A savepoint inside this transaction.
    pub async fn savepoint(&mut self) -> sqlx::Result<Tx<'_>> {
        Ok(match self {
            Tx::Sqlite(tx) => Tx::Sqlite(tx.begin().await?),
            Tx::Postgres(tx) => Tx::Postgres(tx.begin().await?),
        })
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

/// A connection taken from the pool and kept, on either backend.
pub enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn {
    /// Starts a transaction that writes. On SQLite it is `BEGIN IMMEDIATE`: the write lock is
    /// taken (or waited for, up to [`BUSY_TIMEOUT`]) at once, so a lock held by another process
    /// fails it before any work, and it never fails half-way on a stale snapshot. PostgreSQL
    /// locks rows as it writes them.
    pub async fn begin_write(&mut self) -> sqlx::Result<Tx<'_>> {
        Ok(match self {
            Conn::Sqlite(conn) => Tx::Sqlite(conn.begin_with("BEGIN IMMEDIATE").await?),
            Conn::Postgres(conn) => Tx::Postgres(conn.begin().await?),
        })
    }

    /// Closes the connection instead of giving it back to the pool.
    pub async fn close(self) {
        let _ = match self {
            Conn::Sqlite(conn) => conn.close().await,
            Conn::Postgres(conn) => conn.close().await,
        };
    }
}

impl Db {
    /// Opens the database `url` names (`sqlite://…`, `postgres://…` or `postgresql://…`) with
    /// at most `max_connections`, creating a SQLite file when missing, and applies the
    /// migrations of its backend. On PostgreSQL sqlx holds an advisory lock while it migrates,
    /// so instances starting at once apply each migration once.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        Self::connect_limited(url, max_connections, None).await
    }

    /// [`Db::connect`], with a SQLite file held under `max_bytes` when given: a write that
    /// would grow it past the limit fails with `SQLITE_FULL`, as on a full disk.
    pub async fn connect_limited(
        url: &str,
        max_connections: u32,
        max_bytes: Option<u64>,
    ) -> anyhow::Result<Db> {
        let db = Self::open(url, max_connections, max_bytes, true).await?;
        match &db {
            Db::Sqlite(pool) => Self::migrator(Backend::Sqlite).run(pool).await?,
            Db::Postgres(pool) => Self::migrator(Backend::Postgres).run(pool).await?,
        }
        Ok(db)
    }

    /// Opens an existing database as it is: no SQLite file is created and no migration is
    /// applied (`copy-database` reads its source so, and checks its migrations itself).
    pub async fn connect_existing(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        Self::open(url, max_connections, None, false).await
    }

    /// The migrations this build applies to a database of `backend`.
    pub fn migrator(backend: Backend) -> sqlx::migrate::Migrator {
        match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => {
                // A database migrated by the next release still starts this one: PostgreSQL's
                // migrations are backward compatible for one release (docs/deploy.md), so
                // instances of both can run side by side during a rolling upgrade.
                let mut migrator = sqlx::migrate!("migrations/postgres");
                migrator.set_ignore_missing(true);
                migrator
            }
        }
    }

    /// A pool on `url`, without migrating; a missing SQLite file is created when `create`.
    async fn open(
        url: &str,
        max_connections: u32,
        max_bytes: Option<u64>,
        create: bool,
    ) -> anyhow::Result<Db> {
        if is_postgres_url(url) {
            anyhow::ensure!(
                max_bytes.is_none(),
                "--database-max-mb applies to SQLite files only; PostgreSQL has its own quotas"
            );
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                // A request waiting this long for a connection is answered `503`.
                .acquire_timeout(Duration::from_secs(3))
                // A lock held elsewhere fails the statement in seconds, as SQLite's busy timeout.
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::Executor::execute(
                            &mut *conn,
                            "SET lock_timeout = '2s'; SET statement_timeout = '30s'",
                        )
                        .await?;
                        Ok(())
                    })
                })
                .connect_with(options)
                .await?;
            return Ok(Db::Postgres(pool));
        }
        let mut options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        if let Some(bytes) = max_bytes {
            // Pages of the default 4 KiB; `max_page_count` lasts as long as the connection, so
            // it is set on every one.
            options = options.pragma("max_page_count", (bytes / 4096).max(1).to_string());
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(3))
            // A connection whose COMMIT or ROLLBACK failed still counts a transaction open,
            // while SQLite may have ended it: reused, its next "transaction" would be a
            // savepoint that never commits. Such a connection is closed instead.
            .after_release(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
            .connect_with(options)
            .await?;
        Ok(Db::Sqlite(pool))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Takes a connection out of the pool.
    pub async fn acquire(&self) -> sqlx::Result<Conn> {
        Ok(match self {
            Db::Sqlite(pool) => Conn::Sqlite(pool.acquire().await?),
            Db::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
        })
    }

    /// Starts a transaction that may only read, or writes rows no other transaction contends
    /// for.
    pub async fn begin(&self) -> sqlx::Result<Tx<'static>> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin().await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Starts a writing transaction on a connection of its own: see [`Conn::begin_write`].
    pub async fn begin_write(&self) -> sqlx::Result<Tx<'static>> {
        Ok(match self {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Closes every connection.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }

    /// The SQLite pool, for what only SQLite has (backups, checkpoints); `None` on PostgreSQL.
    pub fn as_sqlite(&self) -> Option<&SqlitePool> {
        match self {
            Db::Sqlite(pool) => Some(pool),
            Db::Postgres(_) => None,
        }
    }
}

/// True when `url` names a PostgreSQL server.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// True for an error that says the database cannot take the work now (no space, a lock held
/// elsewhere, an I/O failure, a server gone or read-only, no free connection), as opposed to a
/// bug or bad data: the client is told to try again later.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            let Some(code) = db.code() else {
                return false;
            };
            if db
                .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                .is_some()
            {
                // Classes 08 (connection), 53 (resources: disk full, out of memory, too many
                // connections), 57 (operator intervention: shutdown), 58 (system I/O), 55P03
                // (lock not available), 25006 (read-only transaction), 40001/40P01
                // (serialization failure, deadlock: try again).
                return ["08", "53", "57", "58"]
                    .iter()
                    .any(|class| code.starts_with(class))
                    || matches!(&*code, "55P03" | "25006" | "40001" | "40P01");
            }
            // SQLite's primary result code is the low byte of the extended one.
            let primary = code.parse::<i32>().ok().map(|code| code & 0xff);
            // BUSY, LOCKED, NOMEM, READONLY, IOERR, FULL, CANTOPEN, PROTOCOL.
            matches!(primary, Some(5 | 6 | 7 | 8 | 10 | 13 | 14 | 15))
        }
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Io(_) => true,
        _ => false,
    }
}
