//! Group commit for new assessments: one writer task stores whatever submissions are waiting in
//! one transaction, so one fsync covers many of them, and answers each submission only after the
//! commit that contains it.
//!
//! With WAL and `synchronous=FULL` every commit waits for the disk; committed one at a time,
//! submissions queue behind each other's fsync. Batched, the commit cost is shared and the
//! durability promise is unchanged: nobody hears "stored" before their row is on disk.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot};

mod health;

use health::Health;

use super::leads::LeadRow;
use super::{
    Conn, Db, NewAssessment, NewWebhookEvent, Tx, insert_assessment_on, insert_assessments_on,
    on_tx, webhooks,
};

/// Most rows in one transaction; more waiting submissions go into the next one.
const MAX_BATCH: usize = 256;

/// Rows bound in one INSERT. Batches average 13-16 rows under load, so this keeps nearly all of
/// the saving in round trips, while bigger statements held more copies of the bound results
/// (15 KB each) at once: peak RSS 63 MB at 16 rows against 66 MB at 128 in the load run.
const ROWS_PER_STATEMENT: usize = 16;

/// Submissions waiting for the writer; past this, submitters wait for room (back-pressure).
const QUEUE: usize = 4096;

/// An assessment row to store, owned so it can travel to the writer task.
pub struct AssessmentRow {
    pub id: String,
    pub created_at: String,
    pub rules_version: String,
    pub company: Option<String>,
    pub employees: i64,
    pub recommendation: &'static str,
    pub confidence: &'static str,
    pub score: f64,
    pub answers_json: String,
    pub result_json: String,
    pub flagged: Option<String>,
    /// SHA-256 of the owner's private deletion token.
    pub delete_token_hash: Vec<u8>,
}

impl AssessmentRow {
    fn as_new(&self) -> NewAssessment<'_> {
        NewAssessment {
            id: &self.id,
            created_at: &self.created_at,
            rules_version: &self.rules_version,
            company: self.company.as_deref(),
            employees: self.employees,
            recommendation: self.recommendation,
            confidence: self.confidence,
            score: self.score,
            answers_json: &self.answers_json,
            result_json: &self.result_json,
            flagged: self.flagged.as_deref(),
            delete_token_hash: Some(&self.delete_token_hash),
        }
    }
}

/// The webhook event announcing an assessment, stored in the same transaction as its row.
pub struct EventRow {
    pub id: String,
    pub event_type: &'static str,
    pub payload: String,
    pub due_at_ms: i64,
}

/// A retry key stored with the assessment it made, in the same transaction.
pub struct KeyRow {
    pub key: String,
    /// SHA-256 of the request body the key came with.
    pub body_hash: Vec<u8>,
    /// Keys created before this (same format as `created_at`) no longer count and are reused.
    pub expired_before: String,
}

/// Why a submission was not stored. In every case nothing of it was written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Its idempotency key already names a committed assessment.
    #[error("the idempotency key is already taken")]
    KeyTaken,
    /// The database cannot take writes now (full, locked by another process, unreachable), or
    /// the submission waited longer than [`WAIT`] for its turn.
    #[error("the database cannot take writes now: {0}")]
    Unavailable(String),
    /// The row itself was refused by a constraint.
    #[error("the assessment was refused: {0}")]
    Refused(sqlx::Error),
}

/// Longest a submission waits in the queue for its batch to start. Past it the submitter is
/// told "not stored, try again" and the row is never written: a row written after its
/// submitter stopped waiting would become a duplicate when they submit again.
pub const WAIT: Duration = Duration::from_secs(3);

struct Job {
    row: AssessmentRow,
    event: Option<EventRow>,
    key: Option<KeyRow>,
    /// The report by email the questionnaire asked for, stored with the assessment.
    lead: Option<LeadRow>,
    deadline: Instant,
    done: oneshot::Sender<Result<(), WriteError>>,
}

impl Job {
    /// The row of this submission's webhook event, if it has one.
    fn new_event(&self) -> Option<NewWebhookEvent<'_>> {
        self.event.as_ref().map(|event| NewWebhookEvent {
            id: &event.id,
            event_type: event.event_type,
            payload: &event.payload,
            created_at: &self.row.created_at,
            due_at_ms: event.due_at_ms,
            assessment_id: Some(&self.row.id),
        })
    }
}

/// The handle submissions go through. The writer task starts with the first submission (it
/// needs the runtime) and ends when the last handle is dropped.
pub struct GroupCommit {
    db: Db,
    queue: OnceLock<mpsc::Sender<Job>>,
    health: Arc<Health>,
}

impl GroupCommit {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            queue: OnceLock::new(),
            health: Arc::default(),
        }
    }

    /// Stores the row (with its event, its retry key and its lead: all or none) and returns once
    /// the transaction that holds it is committed, which with `synchronous=FULL` means on disk.
    /// An error means nothing of it was stored.
    pub async fn insert(
        &self,
        row: AssessmentRow,
        event: Option<EventRow>,
        key: Option<KeyRow>,
        lead: Option<LeadRow>,
    ) -> Result<(), WriteError> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(run(self.db.clone(), self.health.clone(), rx));
            tx
        });
        let (done, committed) = oneshot::channel();
        let job = Job {
            row,
            event,
            key,
            lead,
            deadline: Instant::now() + WAIT,
            done,
        };
        queue
            .send(job)
            .await
            .map_err(|_| WriteError::Unavailable("the assessment writer has stopped".into()))?;
        committed.await.map_err(|_| {
            WriteError::Unavailable("the assessment writer stopped before answering".into())
        })?
    }

    /// True when the database takes writes; see [`Health::writable`].
    pub async fn writable(&self) -> bool {
        self.health.writable(&self.db).await
    }
}

/// The writer: waits for at least one submission, takes every one waiting (up to
/// [`MAX_BATCH`]), commits them together, answers them, repeats.
///
/// The writer keeps one connection of the pool for itself: the pages it writes stay in that
/// connection's page cache, instead of every connection of the pool caching its own copies as
/// batches rotate through them. A connection whose batch failed is closed, never reused: after
/// a failed `COMMIT` SQLite may have rolled the transaction back itself while sqlx still counts
/// it open, and every later "transaction" on it would be a savepoint that never commits.
async fn run(db: Db, health: Arc<Health>, mut jobs: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut kept: Option<Conn> = None;
    while jobs.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // A submitter that is gone was told nothing, and one past its deadline is told "not
        // stored": neither row may be written.
        let now = Instant::now();
        let (late, waiting): (Vec<Job>, Vec<Job>) = batch
            .drain(..)
            .filter(|job| !job.done.is_closed())
            .partition(|job| job.deadline <= now);
        for job in late {
            let _ = job.done.send(Err(WriteError::Unavailable(format!(
                "the submission waited more than {WAIT:?} for the database"
            ))));
        }
        batch.extend(waiting);
        if batch.is_empty() {
            continue;
        }
        let size = batch.len();
        let written = match &mut kept {
            Some(conn) => write(conn, &batch).await,
            None => match db.acquire().await {
                Ok(conn) => write(kept.insert(conn), &batch).await,
                Err(e) => Err(e),
            },
        };
        match written {
            Ok(results) => {
                health.succeeded();
                for (job, result) in batch.drain(..).zip(results) {
                    let _ = job.done.send(result);
                }
            }
            Err(e) => {
                discard(kept.take()).await;
                health.failed();
                tracing::error!(error = %e, size, "a batch of assessments could not be committed; none of it was stored");
                let reason = e.to_string();
                for job in batch.drain(..) {
                    let _ = job.done.send(Err(WriteError::Unavailable(reason.clone())));
                }
            }
        }
    }
}

/// Closes a connection instead of giving it back to the pool.
async fn discard(conn: Option<Conn>) {
    if let Some(conn) = conn {
        conn.close().await;
    }
}

/// One transaction for the batch. Normally the rows go in with one multi-row statement per
/// table: a round trip to the connection's thread for each row took a third of the writer's
/// time. If a row is refused (a constraint, a retry key already taken), the batch is rolled
/// back and written again with each submission in its own savepoint, so only the refused one
/// is left out, and none is ever half-stored.
///
/// `Err` means the transaction failed as a whole (no space, a lock held elsewhere, a failed
/// `COMMIT`): nothing of the batch was stored, and the connection's state is unknown.
async fn write(conn: &mut Conn, batch: &[Job]) -> sqlx::Result<Vec<Result<(), WriteError>>> {
    // On SQLite this takes the write lock at once (waiting at most the busy timeout), so a lock
    // held by another process fails the batch before any work instead of half-way through it.
    let mut tx = conn.begin_write().await?;
    match write_all(&mut tx, batch).await {
        Ok(true) => {
            tx.commit().await?;
            return Ok(batch.iter().map(|_| Ok(())).collect());
        }
        Ok(false) => tx.rollback().await?,
        Err(e) if is_refusal(&e) => {
            tracing::warn!(error = %e, size = batch.len(), "a batch insert was refused; storing its submissions one at a time");
            tx.rollback().await?;
        }
        Err(e) => return Err(e),
    }
    let mut tx = conn.begin_write().await?;
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        results.push(write_one(&mut tx, job).await?);
    }
    tx.commit().await?;
    Ok(results)
}

/// True for an error that refuses one row (a constraint) rather than the whole transaction.
fn is_refusal(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.kind() != sqlx::error::ErrorKind::Other)
}

/// Every row of the batch, its events and its retry keys, in statements of
/// [`ROWS_PER_STATEMENT`] rows. `Ok(false)` when a retry key is already taken.
async fn write_all(tx: &mut Tx<'_>, batch: &[Job]) -> sqlx::Result<bool> {
    for jobs in batch.chunks(ROWS_PER_STATEMENT) {
        let rows: Vec<NewAssessment<'_>> = jobs.iter().map(|job| job.row.as_new()).collect();
        insert_assessments_on(tx, &rows).await?;
        let events: Vec<NewWebhookEvent<'_>> = jobs.iter().filter_map(Job::new_event).collect();
        webhooks::enqueue(tx, &events).await?;
        for job in jobs {
            if !claim_key(tx, job).await? {
                return Ok(false);
            }
            if let Some(lead) = &job.lead {
                lead.insert_on(tx).await?;
            }
        }
    }
    Ok(true)
}

/// Stores the job's retry key, if it has one; false when a live key of that name exists.
async fn claim_key(tx: &mut Tx<'_>, job: &Job) -> sqlx::Result<bool> {
    let Some(key) = &job.key else {
        return Ok(true);
    };
    let done = on_tx!(tx, conn => sqlx::query(
        "INSERT INTO idempotency_keys (key, body_hash, assessment_id, created_at) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (key) DO UPDATE SET body_hash = excluded.body_hash, \
             assessment_id = excluded.assessment_id, created_at = excluded.created_at \
         WHERE idempotency_keys.created_at < $5",
    )
    .bind(&key.key)
    .bind(&key.body_hash)
    .bind(&job.row.id)
    .bind(&job.row.created_at)
    .bind(&key.expired_before)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    Ok(done == 1)
}

/// One submission in a savepoint. The inner `Err` refuses this submission alone; the outer one
/// means the transaction itself failed.
async fn write_one(tx: &mut Tx<'_>, job: &Job) -> sqlx::Result<Result<(), WriteError>> {
    let mut savepoint = tx.savepoint().await?;
    let stored = async {
        insert_assessment_on(&mut savepoint, &job.row.as_new()).await?;
        let event = job.new_event();
        webhooks::enqueue(&mut savepoint, event.as_slice()).await?;
        if !claim_key(&mut savepoint, job).await? {
            return Ok(false);
        }
        if let Some(lead) = &job.lead {
            lead.insert_on(&mut savepoint).await?;
        }
        Ok(true)
    }
    .await;
    match stored {
        Ok(true) => {
            savepoint.commit().await?;
            Ok(Ok(()))
        }
        Ok(false) => {
            savepoint.rollback().await?;
            Ok(Err(WriteError::KeyTaken))
        }
        Err(e) if is_refusal(&e) => {
            savepoint.rollback().await?;
            Ok(Err(WriteError::Refused(e)))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests;
