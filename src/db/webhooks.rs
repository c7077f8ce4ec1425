//! SQL of the webhook outbox and its delivery log.

use sqlx::{FromRow, QueryBuilder};

use super::outbox::{self, AttemptOutcome, Due, Outbox};
use super::{Db, Tx, on_pool, on_tx};

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
pub(super) async fn enqueue(tx: &mut Tx<'_>, events: &[NewWebhookEvent<'_>]) -> sqlx::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    on_tx!(tx, conn => { QueryBuilder::new(
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
    .execute(&mut *conn)
    .await?; });
    Ok(())
}

/// Deletes every event about `assessment_id` (delivered, given up or still pending) with its
/// delivery log, inside the caller's transaction: its erasure must leave none of its payloads
/// behind, nor send them afterwards. Run before the erasure queues its `assessment.deleted`.
pub(super) async fn forget_events_of(tx: &mut Tx<'_>, assessment_id: &str) -> sqlx::Result<()> {
    // On PostgreSQL a worker may be recording an attempt on one of these events right now: its
    // rows are locked first (waiting for that record to commit), so the deliveries deleted next
    // include the one it wrote, and it cannot add one after. SQLite's writers take turns.
    if let Tx::Postgres(conn) = tx {
        sqlx::query("SELECT id FROM webhook_outbox WHERE assessment_id = $1 FOR UPDATE")
            .bind(assessment_id)
            .execute(&mut **conn)
            .await?;
    }
    on_tx!(tx, conn => {
        sqlx::query(
            "DELETE FROM webhook_deliveries WHERE message_id IN
                (SELECT id FROM webhook_outbox WHERE assessment_id = $1)",
        )
        .bind(assessment_id)
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM webhook_outbox WHERE assessment_id = $1")
            .bind(assessment_id)
            .execute(&mut *conn)
            .await?;
    });
    Ok(())
}

/// Deletes, inside the caller's transaction, the events (any state) about assessments created
/// before `cutoff`, and every finished (delivered or given up) event created before it, each
/// with its delivery log: retention keeps no webhook payload or log line older than what it
/// keeps of the assessments. Run before those assessments go. Returns how many events went.
pub(super) async fn forget_events_before(tx: &mut Tx<'_>, cutoff: &str) -> sqlx::Result<u64> {
    /// The events retention deletes, for `$1` the cutoff.
    macro_rules! expired {
        () => {
            "SELECT id FROM webhook_outbox
             WHERE assessment_id IN (SELECT id FROM assessments WHERE created_at < $1)
                OR (created_at < $1 AND (delivered_at IS NOT NULL OR failed_at IS NOT NULL))"
        };
    }
    // Locked first on PostgreSQL, as in `forget_events_of`.
    if let Tx::Postgres(conn) = tx {
        sqlx::query(concat!(expired!(), " FOR UPDATE"))
            .bind(cutoff)
            .execute(&mut **conn)
            .await?;
    }
    on_tx!(tx, conn => {
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
    })
}

/// A pending event, as the delivery worker needs it.
#[derive(Debug, FromRow)]
pub struct PendingWebhook {
    pub id: String,
    pub payload: String,
    pub attempts: i64,
    /// When it became due (unix milliseconds): the batch goes out oldest first.
    pub next_attempt_at: i64,
}

impl Due for PendingWebhook {
    fn due(&self) -> (i64, &str) {
        (self.next_attempt_at, &self.id)
    }
}

/// Claims up to `limit` pending events due at `now_ms` that no instance holds, for this
/// instance until `claim_until_ms`, oldest first ([`outbox::claim_due`]).
pub async fn claim_due_webhooks(
    db: &Db,
    now_ms: i64,
    claim_until_ms: i64,
    limit: i64,
) -> sqlx::Result<Vec<PendingWebhook>> {
    outbox::claim_due(
        db,
        Outbox::Webhooks,
        "id, payload, attempts, next_attempt_at",
        now_ms,
        claim_until_ms,
        limit,
    )
    .await
}

/// Whether event `id` is still waiting to go: false once it is delivered, given up, or deleted
/// with its assessment.
pub async fn webhook_still_pending(db: &Db, id: &str) -> sqlx::Result<bool> {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM webhook_outbox
                        WHERE id = $1 AND delivered_at IS NULL AND failed_at IS NULL)",
    )
    .bind(id)
    .fetch_one(pool)
    .await)
}

/// When the next pending event is due (unix milliseconds), if any is pending: for an event
/// another instance has claimed, when its claim runs out.
pub async fn next_webhook_due(db: &Db) -> sqlx::Result<Option<i64>> {
    outbox::next_due(db, Outbox::Webhooks).await
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

/// Logs an attempt and moves its outbox row on, in one transaction so the log and the outbox
/// never disagree. An event deleted meanwhile (its assessment erased) leaves nothing behind.
pub async fn record_webhook_attempt(db: &Db, a: &WebhookAttempt<'_>) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    let moved = outbox::move_on(
        &mut tx,
        Outbox::Webhooks,
        a.message_id,
        a.attempt,
        a.attempted_at,
        &a.next,
    )
    .await?;
    on_tx!(&mut tx, conn => {
    if moved {
        sqlx::query(
            "INSERT INTO webhook_deliveries
                (message_id, attempt, attempted_at, url, status, error, duration_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(a.message_id)
        .bind(a.attempt)
        .bind(a.attempted_at)
        .bind(a.url)
        .bind(a.status.map(i64::from))
        .bind(a.error)
        .bind(a.duration_ms)
        .execute(&mut *conn)
        .await?;
    }
    });
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
pub async fn list_webhook_deliveries(db: &Db, limit: i64) -> sqlx::Result<Vec<WebhookDelivery>> {
    on_pool!(db, pool => sqlx::query_as::<_, WebhookDelivery>(
        "SELECT d.message_id, o.event_type, d.attempt, d.attempted_at, d.url, d.status, d.error,
                d.duration_ms, o.delivered_at, o.failed_at
         FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.message_id
         ORDER BY d.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(pool)
    .await)
}
