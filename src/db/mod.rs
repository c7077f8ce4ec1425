//! Every SQL statement of the project, by area: assessments here, the rest in submodules.

pub mod consultants;
pub mod copy;
mod erasure;
mod group_commit;
mod instances;
pub mod leads;
mod outbox;
pub mod review;
pub mod settings;
mod webhooks;

pub use erasure::{
    Erased, ErasedByEmail, erase_assessment, erase_by_email, erased_after, is_erased, last_erased,
    set_delete_token, token_matches,
};
pub use group_commit::{AssessmentRow, EventRow, GroupCommit, KeyRow, WAIT, WriteError};

pub use instances::{
    claim_periodic, forget_spent_rates, last_run, mark_run, run_periodic, spend_rate,
};
pub use outbox::AttemptOutcome;
pub use webhooks::{
    NewWebhookEvent, PendingWebhook, WebhookAttempt, WebhookDelivery, claim_due_webhooks,
    list_webhook_deliveries, next_webhook_due, record_webhook_attempt, webhook_still_pending,
};

mod backend;

pub use backend::{
    BUSY_TIMEOUT, Backend, Conn, DEFAULT_MAX_CONNECTIONS, Db, Tx, is_postgres_url, is_unavailable,
};
pub use backend::{on_pool, on_tx};

use std::path::Path;

use sqlx::{FromRow, QueryBuilder};

/// The assessment a live retry key made and the SHA-256 of the body it came with.
#[derive(Debug, FromRow)]
pub struct StoredKey {
    pub body_hash: Vec<u8>,
    pub assessment_id: String,
}

/// The retry key `key`, unless it was created before `expired_before`.
pub async fn find_key(db: &Db, key: &str, expired_before: &str) -> sqlx::Result<Option<StoredKey>> {
    on_pool!(db, pool => sqlx::query_as::<_, StoredKey>(
        "SELECT body_hash, assessment_id FROM idempotency_keys WHERE key = $1 AND created_at >= $2",
    )
    .bind(key)
    .bind(expired_before)
    .fetch_optional(pool)
    .await)
}

/// Deletes the retry keys created before `expired_before`. Returns how many.
pub async fn delete_keys_before(db: &Db, expired_before: &str) -> sqlx::Result<u64> {
    Ok(
        on_pool!(db, pool => sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
        .bind(expired_before)
        .execute(pool)
        .await?
        .rows_affected()),
    )
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
pub async fn insert_assessment(db: &Db, a: &NewAssessment<'_>) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    insert_assessment_on(&mut tx, a).await?;
    tx.commit().await
}

/// The columns a new assessment fills, in the order [`push_assessment`] binds them.
const ASSESSMENT_COLUMNS: &str = "INSERT INTO assessments \
    (id, created_at, rules_version, company, employees, recommendation, confidence, score, answers, result, flagged, delete_token_hash) ";

/// Binds one assessment's values, in [`ASSESSMENT_COLUMNS`] order, as one row of an INSERT.
macro_rules! push_assessment {
    ($row:expr, $a:expr) => {{
        let a: &NewAssessment<'_> = $a;
        $row.push_bind(a.id)
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
    }};
}

pub(super) async fn insert_assessment_on(
    tx: &mut Tx<'_>,
    a: &NewAssessment<'_>,
) -> sqlx::Result<()> {
    insert_assessments_on(tx, std::slice::from_ref(a)).await
}

/// Stores `rows` with one multi-row INSERT: one statement for many rows instead of a round trip
/// to the connection's thread for each. All or none of them (one failing row fails the
/// statement).
pub(super) async fn insert_assessments_on(
    tx: &mut Tx<'_>,
    rows: &[NewAssessment<'_>],
) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    on_tx!(tx, conn => { QueryBuilder::new(ASSESSMENT_COLUMNS)
        .push_values(rows, |mut row, a| push_assessment!(row, a))
        .build()
        // Not kept in the statement cache: every batch size is its own statement text, and
        // each prepared copy carries the triggers' programs.
        .persistent(false)
        .execute(&mut *conn)
        .await?; });
    Ok(())
}

/// A stored assessment as the result pages and the API need it.
#[derive(Debug, FromRow)]
pub struct StoredAssessment {
    pub id: String,
    pub created_at: String,
    pub result: String,
}

pub async fn find_assessment(db: &Db, id: &str) -> sqlx::Result<Option<StoredAssessment>> {
    on_pool!(db, pool => sqlx::query_as::<_, StoredAssessment>(
        "SELECT id, created_at, result FROM assessments WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await)
}

/// True when every migration embedded in this binary has been applied successfully.
pub async fn migrations_applied(db: &Db) -> sqlx::Result<bool> {
    let (applied, migrator): (Vec<i64>, _) = match db {
        Db::Sqlite(pool) => (
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(pool)
                .await?,
            sqlx::migrate!("migrations/sqlite"),
        ),
        Db::Postgres(pool) => (
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(pool)
                .await?,
            sqlx::migrate!("migrations/postgres"),
        ),
    };
    Ok(migrator.iter().all(|m| applied.contains(&m.version)))
}

/// Deletes the assessments created before `cutoff` (RFC 3339, compared as text like
/// `created_at`); their notes, tags and leads go with them (`ON DELETE CASCADE`), and in the same
/// transaction their webhook events and every finished event older than `cutoff`, with their
/// delivery logs (see [`webhooks::forget_events_before`]). Returns how many assessments went.
pub async fn delete_assessments_before(db: &Db, cutoff: &str) -> sqlx::Result<u64> {
    // A writing transaction, as the erasures: the assessments whose events go are the ones
    // deleted.
    let mut tx = db.begin_write().await?;
    webhooks::forget_events_before(&mut tx, cutoff).await?;
    let done = on_tx!(&mut tx, conn => sqlx::query("DELETE FROM assessments WHERE created_at < $1")
        .bind(cutoff)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    tx.commit().await?;
    Ok(done)
}

/// On SQLite, folds the write-ahead log into the main file (at shutdown: the database is then
/// one self-contained file); nothing to do on PostgreSQL.
pub async fn checkpoint(db: &Db) -> sqlx::Result<()> {
    if let Db::Sqlite(pool) = db {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// `url` without its password, for messages and logs.
pub fn redacted(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((credentials, host)) => {
                let user = credentials.split(':').next().unwrap_or_default();
                format!("{scheme}://{user}:***@{host}")
            }
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

/// True when the database answers a trivial query.
pub async fn ping(db: &Db) -> bool {
    on_pool!(db, pool => sqlx::query("SELECT 1").execute(pool).await.is_ok())
}

/// Writes a consistent copy of the live database to `target` with `VACUUM INTO`, which reads
/// one snapshot and is safe while the server writes. SQLite only: PostgreSQL has `pg_dump`.
pub async fn backup(db: &Db, target: &Path) -> anyhow::Result<()> {
    let Db::Sqlite(pool) = db else {
        anyhow::bail!(
            "`servicefit backup` copies a SQLite file; on PostgreSQL use its own tool: \
             pg_dump --format=custom --file=servicefit.dump DATABASE_URL \
             (restore with pg_restore), or the server's base backups"
        );
    };
    anyhow::ensure!(
        !target.exists(),
        "{} already exists; choose a new file name",
        target.display()
    );
    let target = target
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the backup path must be valid UTF-8"))?;
    sqlx::query("VACUUM INTO $1")
        .bind(target)
        .execute(pool)
        .await?;
    Ok(())
}
