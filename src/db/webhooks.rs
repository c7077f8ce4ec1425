//! SQL of the webhook outbox and its delivery log.

use sqlx::{FromRow, QueryBuilder, SqliteConnection, SqlitePool};

/// An event to announce, written with the assessment it belongs to.
pub struct NewWebhookEvent<'a> {
    pub id: &'a str,
    pub event_type: &'a str,
    pub payload: &'a str,
    pub created_at: &'a str,
    /// Unix milliseconds; normally now.
    pub due_at_ms: i64,
    /// The assessment the event is about, so its erasure finds the event; `None` for none.
    pub assessment_id: Option<&'a str>,
}

/// Stores `events` in the outbox with one multi-row INSERT.
pub(super) async fn enqueue(
    conn: &mut SqliteConnection,
    events: &[NewWebhookEvent<'_>],
) -> sqlx::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    QueryBuilder::new(
        "INSERT INTO webhook_outbox
            (id, event_type, payload, created_at, next_attempt_at, assessment_id) ",
    )
    .push_values(events, |mut row, e| {
        row.push_bind(e.id)
            .push_bind(e.event_type)
            .push_bind(e.payload)
            .push_bind(e.created_at)
            .push_bind(e.due_at_ms)
            .push_bind(e.assessment_id);
    })
    .build()
    .persistent(false)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes every event about `assessment_id` (delivered, given up or still pending) with its
/// delivery log, inside the caller's transaction: its erasure must leave none of its payloads
/// behind, nor send them afterwards. Run before the erasure queues its `assessment.deleted`.
pub(super) async fn forget_events_of(
    conn: &mut SqliteConnection,
    assessment_id: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM webhook_deliveries WHERE message_id IN
            (SELECT id FROM webhook_outbox WHERE assessment_id = ?)",
    )
    .bind(assessment_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM webhook_outbox WHERE assessment_id = ?")
        .bind(assessment_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes, inside the caller's transaction, the events (any state) about assessments created
/// before `cutoff`, and every finished (delivered or given up) event created before it, each
/// with its delivery log: retention keeps no webhook payload or log line older than what it
/// keeps of the assessments. Run before those assessments go. Returns how many events went.
pub(super) async fn forget_events_before(
    conn: &mut SqliteConnection,
    cutoff: &str,
) -> sqlx::Result<u64> {
    /// The events retention deletes, for `?1` the cutoff.
    macro_rules! expired {
        () => {
            "SELECT id FROM webhook_outbox
             WHERE assessment_id IN (SELECT id FROM assessments WHERE created_at < ?1)
                OR (created_at < ?1 AND (delivered_at IS NOT NULL OR failed_at IS NOT NULL))"
        };
    }
    sqlx::query(concat!(
        "DELETE FROM webhook_deliveries WHERE message_id IN (",
        expired!(),
        ")"
    ))
    .bind(cutoff)
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query(concat!(
        "DELETE FROM webhook_outbox WHERE id IN (",
        expired!(),
        ")"
    ))
    .bind(cutoff)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// A pending event, as the delivery worker needs it.
#[derive(Debug, FromRow)]
pub struct PendingWebhook {
    pub id: String,
    pub payload: String,
    pub attempts: i64,
}

/// Pending events whose next attempt is due at `now_ms`, oldest first.
pub async fn due_webhooks(
    pool: &SqlitePool,
    now_ms: i64,
    limit: i64,
) -> sqlx::Result<Vec<PendingWebhook>> {
    sqlx::query_as::<_, PendingWebhook>(
        "SELECT id, payload, attempts FROM webhook_outbox
         WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?
         ORDER BY next_attempt_at, id LIMIT ?",
    )
    .bind(now_ms)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Whether event `id` is still waiting to go: false once it is delivered, given up, or deleted
/// with its assessment.
pub async fn webhook_still_pending(pool: &SqlitePool, id: &str) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM webhook_outbox WHERE id = ? AND delivered_at IS NULL AND failed_at IS NULL",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// When the next pending event is due (unix milliseconds), if any is pending.
pub async fn next_webhook_due(pool: &SqlitePool) -> sqlx::Result<Option<i64>> {
    let row: (Option<i64>,) = sqlx::query_as(
        "SELECT MIN(next_attempt_at) FROM webhook_outbox
         WHERE delivered_at IS NULL AND failed_at IS NULL",
    )
    .fetch_one(pool)
    .await?;
    Ok(row.0)
}

/// What became of one delivery attempt.
pub struct WebhookAttempt<'a> {
    pub message_id: &'a str,
    pub attempt: i64,
    pub attempted_at: &'a str,
    pub url: &'a str,
    pub status: Option<u16>,
    pub error: Option<&'a str>,
    pub duration_ms: i64,
    pub next: AttemptOutcome,
}

/// What the outbox row becomes after an attempt.
pub enum AttemptOutcome {
    Delivered,
    /// Try again at this unix millisecond.
    RetryAt(i64),
    /// The retries are used up.
    GaveUp,
}

/// Logs an attempt and moves its outbox row on, in one transaction so the log and the outbox
/// never disagree. An event deleted meanwhile (its assessment erased) leaves nothing behind.
pub async fn record_webhook_attempt(pool: &SqlitePool, a: &WebhookAttempt<'_>) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    let update = match a.next {
        AttemptOutcome::Delivered => {
            sqlx::query("UPDATE webhook_outbox SET attempts = ?, delivered_at = ? WHERE id = ?")
                .bind(a.attempt)
                .bind(a.attempted_at)
        }
        AttemptOutcome::GaveUp => {
            sqlx::query("UPDATE webhook_outbox SET attempts = ?, failed_at = ? WHERE id = ?")
                .bind(a.attempt)
                .bind(a.attempted_at)
        }
        AttemptOutcome::RetryAt(at) => {
            sqlx::query("UPDATE webhook_outbox SET attempts = ?, next_attempt_at = ? WHERE id = ?")
                .bind(a.attempt)
                .bind(at)
        }
    };
    let moved = update
        .bind(a.message_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if moved == 1 {
        sqlx::query(
            "INSERT INTO webhook_deliveries
                (message_id, attempt, attempted_at, url, status, error, duration_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(a.message_id)
        .bind(a.attempt)
        .bind(a.attempted_at)
        .bind(a.url)
        .bind(a.status.map(i64::from))
        .bind(a.error)
        .bind(a.duration_ms)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// One line of the delivery log.
#[derive(Debug, Clone, FromRow)]
pub struct WebhookDelivery {
    pub message_id: String,
    pub event_type: String,
    pub attempt: i64,
    pub attempted_at: String,
    pub url: String,
    pub status: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
    /// Set once some attempt for this message succeeded.
    pub delivered_at: Option<String>,
    /// Set once the retries for this message ran out.
    pub failed_at: Option<String>,
}

/// The newest `limit` delivery attempts, newest first: the log for consultants.
pub async fn list_webhook_deliveries(
    pool: &SqlitePool,
    limit: i64,
) -> sqlx::Result<Vec<WebhookDelivery>> {
    sqlx::query_as::<_, WebhookDelivery>(
        "SELECT d.message_id, o.event_type, d.attempt, d.attempted_at, d.url, d.status, d.error,
                d.duration_ms, o.delivered_at, o.failed_at
         FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.message_id
         ORDER BY d.id DESC LIMIT ?",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}
