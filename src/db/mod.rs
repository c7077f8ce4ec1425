//! Every SQL statement of the project, by area: assessments here, the rest in submodules.

pub mod consultants;
mod erasure;
mod group_commit;
pub mod leads;
pub mod review;
pub mod settings;
mod webhooks;

pub use erasure::{
    Erased, ErasedByEmail, erase_assessment, erase_by_email, erased_after, is_erased, last_erased,
    set_delete_token, token_matches,
};
pub use group_commit::{AssessmentRow, EventRow, GroupCommit, KeyRow, WAIT, WriteError};

pub use webhooks::{
    AttemptOutcome, NewWebhookEvent, PendingWebhook, WebhookAttempt, WebhookDelivery, due_webhooks,
    list_webhook_deliveries, next_webhook_due, record_webhook_attempt, webhook_still_pending,
};

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

/// How long a statement waits for a lock another connection or process holds before it fails
/// with `SQLITE_BUSY`: long enough for our own short transactions to pass, short enough that a
/// lock held elsewhere is answered with `503` in a few seconds, not a hang.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// Opens (creating when missing) the database and applies the embedded migrations.
///
/// WAL with `synchronous=FULL` makes every commit reach the disk before it returns, so an
/// assessment acknowledged to the client survives a crash or power loss.
pub async fn connect(url: &str) -> anyhow::Result<SqlitePool> {
    connect_limited(url, None).await
}

/// [`connect`], with the database file held under `max_bytes` when given: a write that would
/// grow it past the limit fails with `SQLITE_FULL`, as on a full disk.
pub async fn connect_limited(url: &str, max_bytes: Option<u64>) -> anyhow::Result<SqlitePool> {
    let mut options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);
    if let Some(bytes) = max_bytes {
        // Pages of the default 4 KiB; `max_page_count` lasts as long as the connection, so it
        // is set on every one.
        options = options.pragma("max_page_count", (bytes / 4096).max(1).to_string());
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        // A request waiting this long for a connection is answered `503`, not left to hang.
        .acquire_timeout(Duration::from_secs(3))
        // A connection whose COMMIT or ROLLBACK failed still counts a transaction open, while
        // SQLite may have ended it: reused, its next "transaction" would be a savepoint that
        // never commits. Such a connection is closed instead.
        .after_release(|conn, _| {
            Box::pin(async move { Ok(!sqlx::Connection::is_in_transaction(conn)) })
        })
        .connect_with(options)
        .await?;
    sqlx::migrate!("migrations/sqlite").run(&pool).await?;
    Ok(pool)
}

/// True for an error that says the database cannot take the work now (no space, a lock held
/// elsewhere, an I/O failure, no free connection), as opposed to a bug or bad data: the client
/// is told to try again later.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            // SQLite's primary result code is the low byte of the extended one.
            let primary = db
                .code()
                .and_then(|code| code.parse::<i32>().ok())
                .map(|code| code & 0xff);
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

/// The assessment a live retry key made and the SHA-256 of the body it came with.
#[derive(Debug, FromRow)]
pub struct StoredKey {
    pub body_hash: Vec<u8>,
    pub assessment_id: String,
}

/// The retry key `key`, unless it was created before `expired_before`.
pub async fn find_key(
    pool: &SqlitePool,
    key: &str,
    expired_before: &str,
) -> sqlx::Result<Option<StoredKey>> {
    sqlx::query_as::<_, StoredKey>(
        "SELECT body_hash, assessment_id FROM idempotency_keys WHERE key = ? AND created_at >= ?",
    )
    .bind(key)
    .bind(expired_before)
    .fetch_optional(pool)
    .await
}

/// Deletes the retry keys created before `expired_before`. Returns how many.
pub async fn delete_keys_before(pool: &SqlitePool, expired_before: &str) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < ?")
        .bind(expired_before)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// A new assessment, ready to store.
pub struct NewAssessment<'a> {
    pub id: &'a str,
    pub created_at: &'a str,
    pub rules_version: &'a str,
    pub company: Option<&'a str>,
    pub employees: i64,
    pub recommendation: &'a str,
    pub confidence: &'a str,
    pub score: f64,
    pub answers_json: &'a str,
    pub result_json: &'a str,
    /// Why the submission looks automated; `None` when it looks like a person's.
    pub flagged: Option<&'a str>,
    /// SHA-256 of the owner's private deletion token; `None` for rows loaded without one.
    pub delete_token_hash: Option<&'a [u8]>,
}

/// Stores one assessment in a commit of its own. Submissions go through [`GroupCommit`]; this
/// is for loading rows directly (tests, seeding).
pub async fn insert_assessment(pool: &SqlitePool, a: &NewAssessment<'_>) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    insert_assessment_on(&mut conn, a).await
}

/// The columns a new assessment fills, in the order [`push_assessment`] binds them.
const ASSESSMENT_COLUMNS: &str = "INSERT INTO assessments \
    (id, created_at, rules_version, company, employees, recommendation, confidence, score, answers, result, flagged, delete_token_hash) ";

/// Binds one assessment's values, in [`ASSESSMENT_COLUMNS`] order, as one row of an INSERT.
fn push_assessment(
    mut row: sqlx::query_builder::Separated<'_, Sqlite, &'static str>,
    a: &NewAssessment<'_>,
) {
    row.push_bind(a.id)
        .push_bind(a.created_at)
        .push_bind(a.rules_version)
        .push_bind(a.company)
        .push_bind(a.employees)
        .push_bind(a.recommendation)
        .push_bind(a.confidence)
        .push_bind(a.score)
        .push_bind(a.answers_json)
        .push_bind(a.result_json)
        .push_bind(a.flagged)
        .push_bind(a.delete_token_hash);
}

pub(super) async fn insert_assessment_on(
    conn: &mut SqliteConnection,
    a: &NewAssessment<'_>,
) -> sqlx::Result<()> {
    insert_assessments_on(conn, std::slice::from_ref(a)).await
}

/// Stores `rows` with one multi-row INSERT: one statement for many rows instead of a round trip
/// to the connection's thread for each. All or none of them (one failing row fails the
/// statement).
pub(super) async fn insert_assessments_on(
    conn: &mut SqliteConnection,
    rows: &[NewAssessment<'_>],
) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    QueryBuilder::new(ASSESSMENT_COLUMNS)
        .push_values(rows, push_assessment)
        .build()
        // Not kept in the statement cache: every batch size is its own statement text, and
        // each prepared copy carries the triggers' programs.
        .persistent(false)
        .execute(conn)
        .await?;
    Ok(())
}

/// A stored assessment as the result pages and the API need it.
#[derive(Debug, FromRow)]
pub struct StoredAssessment {
    pub id: String,
    pub created_at: String,
    pub result: String,
}

pub async fn find_assessment(
    pool: &SqlitePool,
    id: &str,
) -> sqlx::Result<Option<StoredAssessment>> {
    sqlx::query_as::<_, StoredAssessment>(
        "SELECT id, created_at, result FROM assessments WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// True when every migration embedded in this binary has been applied successfully.
pub async fn migrations_applied(pool: &SqlitePool) -> sqlx::Result<bool> {
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1")
            .fetch_all(pool)
            .await?;
    Ok(sqlx::migrate!("migrations/sqlite")
        .iter()
        .all(|m| applied.contains(&m.version)))
}

/// Deletes the assessments created before `cutoff` (RFC 3339, compared as text like
/// `created_at`); their notes, tags and leads go with them (`ON DELETE CASCADE`), and in the same
/// transaction their webhook events and every finished event older than `cutoff`, with their
/// delivery logs (see [`webhooks::forget_events_before`]). Returns how many assessments went.
pub async fn delete_assessments_before(pool: &SqlitePool, cutoff: &str) -> sqlx::Result<u64> {
    use sqlx::Connection;
    let mut conn = pool.acquire().await?;
    // IMMEDIATE, as the erasures: the assessments whose events go are the ones deleted.
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    webhooks::forget_events_before(&mut tx, cutoff).await?;
    let done = sqlx::query("DELETE FROM assessments WHERE created_at < ?")
        .bind(cutoff)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// True when the database answers a trivial query.
pub async fn ping(pool: &SqlitePool) -> bool {
    sqlx::query("SELECT 1").execute(pool).await.is_ok()
}

/// Writes a consistent copy of the live database to `target` with `VACUUM INTO`, which reads
/// one snapshot and is safe while the server writes.
pub async fn backup(pool: &SqlitePool, target: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        !target.exists(),
        "{} already exists; choose a new file name",
        target.display()
    );
    let target = target
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the backup path must be valid UTF-8"))?;
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(pool)
        .await?;
    Ok(())
}
