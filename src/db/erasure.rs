//! SQL of the owner's deletion: tokens, tombstones, and the deletion itself.

use sqlx::{Connection, SqlitePool};

use super::{EventRow, NewWebhookEvent, webhooks};

/// Whether `id` was deleted at its owner's request.
pub async fn is_erased(pool: &SqlitePool, id: &str) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM erased_assessments WHERE id = ?")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}

/// Whether `token_hash` is the stored hash of `id`'s deletion token.
pub async fn token_matches(pool: &SqlitePool, id: &str, token_hash: &[u8]) -> sqlx::Result<bool> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM assessments WHERE id = ? AND delete_token_hash = ?")
            .bind(id)
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
    Ok(found.is_some())
}

/// Gives `id` a new deletion token (its hash), replacing the old one: a retried submission gets
/// a token it can use, as the first answer's never reached it.
pub async fn set_delete_token(pool: &SqlitePool, id: &str, token_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query("UPDATE assessments SET delete_token_hash = ? WHERE id = ?")
        .bind(token_hash)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// What [`erase_assessment`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erased {
    /// Deleted now, its tombstone left.
    Now,
    /// Deleted before (by this request's twin, or long ago): only the tombstone is there.
    Already,
    /// No assessment `id` with that token (the id or the token is not ours).
    NoMatch,
}

/// Deletes `id` when `token_hash` matches, leaves its tombstone and queues `event`, in one
/// transaction. Notes, tags, the review-list row and the search entry go with the row
/// (`ON DELETE CASCADE` and the review triggers), its earlier webhook events and their delivery
/// log with it (sent or not). The tombstone, read in the same transaction, tells a deleted
/// assessment from one that is not ours.
pub async fn erase_assessment(
    pool: &SqlitePool,
    id: &str,
    token_hash: &[u8],
    at: &str,
    event: Option<EventRow>,
) -> sqlx::Result<Erased> {
    let mut conn = pool.acquire().await?;
    // IMMEDIATE, as the writer's batches: the write lock is taken (or waited for) at the start,
    // so the transaction cannot fail with a stale snapshot when another connection commits
    // between its first read and its first write.
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    // The tombstone first: besides telling 410 from 404, a plain read as the transaction's first
    // statement lets SQLite reload a schema another connection changed. Run first after such a
    // change, the DELETE (foreign keys, triggers, the FTS5 index behind them) fails with "no
    // such table: assessments" (tests/durability.rs, which adds a table to fill the database).
    let tombstone: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM erased_assessments WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    if tombstone.is_some() {
        return Ok(Erased::Already);
    }
    let deleted = sqlx::query("DELETE FROM assessments WHERE id = ? AND delete_token_hash = ?")
        .bind(id)
        .bind(token_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Ok(Erased::NoMatch);
    }
    webhooks::forget_events_of(&mut tx, id).await?;
    sqlx::query("INSERT INTO erased_assessments (id, erased_at) VALUES (?, ?)")
        .bind(id)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    if let Some(e) = &event {
        webhooks::enqueue(
            &mut tx,
            &[NewWebhookEvent {
                id: &e.id,
                event_type: e.event_type,
                payload: &e.payload,
                created_at: at,
                due_at_ms: e.due_at_ms,
                assessment_id: Some(id),
            }],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Erased::Now)
}

/// What [`erase_by_email`] deleted.
#[derive(Debug, Default)]
pub struct ErasedByEmail {
    /// The assessments deleted, each now a tombstone.
    pub assessment_ids: Vec<String>,
    /// Every lead that went with them: the address's own and any other lead on the same
    /// assessments.
    pub leads: u64,
}

/// Deletes every assessment that carries a lead with `email_key`, with everything that hangs
/// off it (notes, tags, review-list row, search entry, leads and their emails, its earlier
/// webhook events and their delivery log), leaves a tombstone for each and queues the event
/// `event_for` makes for each id (none when it gives `None`), in one transaction: all of it or,
/// on any error, nothing.
pub async fn erase_by_email<E: From<sqlx::Error>>(
    pool: &SqlitePool,
    email_key: &str,
    at: &str,
    mut event_for: impl FnMut(&str) -> Result<Option<EventRow>, E>,
) -> Result<ErasedByEmail, E> {
    let mut conn = pool.acquire().await?;
    // IMMEDIATE, as `erase_assessment`: the ids read are the ids deleted.
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    let assessment_ids: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT assessment_id FROM leads WHERE email_key = ? ORDER BY assessment_id",
    )
    .bind(email_key)
    .fetch_all(&mut *tx)
    .await?;
    let mut erased = ErasedByEmail::default();
    for id in &assessment_ids {
        erased.leads += sqlx::query("DELETE FROM leads WHERE assessment_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM assessments WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        webhooks::forget_events_of(&mut tx, id).await?;
        sqlx::query("INSERT INTO erased_assessments (id, erased_at) VALUES (?, ?)")
            .bind(id)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        if let Some(e) = event_for(id)? {
            webhooks::enqueue(
                &mut tx,
                &[NewWebhookEvent {
                    id: &e.id,
                    event_type: e.event_type,
                    payload: &e.payload,
                    created_at: at,
                    due_at_ms: e.due_at_ms,
                    assessment_id: Some(id),
                }],
            )
            .await?;
        }
    }
    tx.commit().await?;
    erased.assessment_ids = assessment_ids;
    Ok(erased)
}

/// The newest tombstone's row number, 0 when there is none: where [`erased_after`] starts.
pub async fn last_erased(pool: &SqlitePool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT coalesce(max(rowid), 0) FROM erased_assessments")
        .fetch_one(pool)
        .await
}

/// Tombstones written after row `after` (by this process or any other), oldest first, with
/// their row numbers.
pub async fn erased_after(pool: &SqlitePool, after: i64) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT rowid, id FROM erased_assessments WHERE rowid > ? ORDER BY rowid")
        .bind(after)
        .fetch_all(pool)
        .await
}
