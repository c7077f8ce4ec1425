//! Every SQL statement of the project, by area: assessments here, the rest in submodules.

pub mod consultants;
mod group_commit;
pub mod review;
pub mod settings;
mod webhooks;

pub use group_commit::{AssessmentRow, EventRow, GroupCommit};

pub use webhooks::{
    AttemptOutcome, NewWebhookEvent, PendingWebhook, WebhookAttempt, WebhookDelivery, due_webhooks,
    list_webhook_deliveries, next_webhook_due, record_webhook_attempt,
};

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{FromRow, QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

/// Opens (creating when missing) the database and applies the embedded migrations.
///
/// WAL with `synchronous=FULL` makes every commit reach the disk before it returns, so an
/// assessment acknowledged to the client survives a crash or power loss.
pub async fn connect(url: &str) -> anyhow::Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    sqlx::migrate!().run(&pool).await?;
    Ok(pool)
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
}

/// Stores one assessment in a commit of its own. Submissions go through [`GroupCommit`]; this
/// is for loading rows directly (tests, seeding).
pub async fn insert_assessment(pool: &SqlitePool, a: &NewAssessment<'_>) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    insert_assessment_on(&mut conn, a).await
}

/// The columns a new assessment fills, in the order [`push_assessment`] binds them.
const ASSESSMENT_COLUMNS: &str = "INSERT INTO assessments \
    (id, created_at, rules_version, company, employees, recommendation, confidence, score, answers, result, flagged) ";

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
        .push_bind(a.flagged);
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
    Ok(sqlx::migrate!()
        .iter()
        .all(|m| applied.contains(&m.version)))
}

/// Deletes the assessments created before `cutoff` (RFC 3339, compared as text like
/// `created_at`); their notes and tags go with them (`ON DELETE CASCADE`). Returns how many.
pub async fn delete_assessments_before(pool: &SqlitePool, cutoff: &str) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM assessments WHERE created_at < ?")
        .bind(cutoff)
        .execute(pool)
        .await?;
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
