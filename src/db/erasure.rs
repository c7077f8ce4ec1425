//! SQL of the owner's deletion: tokens, tombstones, and the deletion itself.

use super::{Db, EventRow, NewWebhookEvent, Tx, on_pool, on_tx, webhooks};

/// Whether `id` was deleted at its owner's request.
pub async fn is_erased(db: &Db, id: &str) -> sqlx::Result<bool> {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM erased_assessments WHERE id = $1)",
    )
    .bind(id)
    .fetch_one(pool)
    .await)
}

/// Whether `token_hash` is the stored hash of `id`'s deletion token.
pub async fn token_matches(db: &Db, id: &str, token_hash: &[u8]) -> sqlx::Result<bool> {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM assessments WHERE id = $1 AND delete_token_hash = $2)",
    )
    .bind(id)
    .bind(token_hash)
    .fetch_one(pool)
    .await)
}

/// Gives `id` a new deletion token (its hash), replacing the old one: a retried submission gets
/// a token it can use, as the first answer's never reached it.
pub async fn set_delete_token(db: &Db, id: &str, token_hash: &[u8]) -> sqlx::Result<()> {
    on_pool!(db, pool => {
        sqlx::query("UPDATE assessments SET delete_token_hash = $1 WHERE id = $2")
            .bind(token_hash)
            .bind(id)
            .execute(pool)
            .await?;
    });
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
    db: &Db,
    id: &str,
    token_hash: &[u8],
    at: &str,
    event: Option<EventRow>,
) -> sqlx::Result<Erased> {
    // A writing transaction, as the writer's batches: on SQLite the write lock is taken (or
    // waited for) at the start, so the transaction cannot fail with a stale snapshot when
    // another connection commits between its first read and its first write.
    let mut tx = db.begin_write().await?;
    // The tombstone first: besides telling 410 from 404, a plain read as the transaction's first
    // statement lets SQLite reload a schema another connection changed. Run first after such a
    // change, the DELETE (foreign keys, triggers, the FTS5 index behind them) fails with "no
    // such table: assessments" (tests/durability.rs, which adds a table to fill the database).
    // On PostgreSQL a second deletion of the same row waits for the first's DELETE and then
    // finds nothing to delete; its tombstone check below tells "already" from "not ours".
    let tombstone: bool = on_tx!(&mut tx, conn => sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM erased_assessments WHERE id = $1)",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?);
    if tombstone {
        return Ok(Erased::Already);
    }
    let deleted = on_tx!(&mut tx, conn => sqlx::query(
        "DELETE FROM assessments WHERE id = $1 AND delete_token_hash = $2",
    )
    .bind(id)
    .bind(token_hash)
    .execute(&mut *conn)
    .await?
    .rows_affected());
    if deleted == 0 {
        return Ok(Erased::NoMatch);
    }
    webhooks::forget_events_of(&mut tx, id).await?;
    insert_tombstone(&mut tx, id, at).await?;
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
    db: &Db,
    email_key: &str,
    at: &str,
    mut event_for: impl FnMut(&str) -> Result<Option<EventRow>, E>,
) -> Result<ErasedByEmail, E> {
    // A writing transaction, as `erase_assessment`: the ids read are the ids deleted (on
    // PostgreSQL the leads read are locked until the end).
    let mut tx = db.begin_write().await?;
    let assessment_ids: Vec<String> = match &mut tx {
        Tx::Sqlite(conn) => sqlx::query_scalar(
            "SELECT DISTINCT assessment_id FROM leads WHERE email_key = $1 ORDER BY assessment_id",
        )
        .bind(email_key)
        .fetch_all(&mut **conn)
        .await?,
        Tx::Postgres(conn) => {
            let mut ids: Vec<String> = sqlx::query_scalar(
                "SELECT assessment_id FROM leads WHERE email_key = $1 FOR UPDATE",
            )
            .bind(email_key)
            .fetch_all(&mut **conn)
            .await?;
            ids.sort();
            ids.dedup();
            ids
        }
    };
    let mut erased = ErasedByEmail::default();
    for id in &assessment_ids {
        erased.leads += on_tx!(&mut tx, conn => sqlx::query("DELETE FROM leads WHERE assessment_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        on_tx!(&mut tx, conn => { sqlx::query("DELETE FROM assessments WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?; });
        webhooks::forget_events_of(&mut tx, id).await?;
        insert_tombstone(&mut tx, id, at).await?;
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

/// Leaves `id`'s tombstone, inside the caller's transaction.
async fn insert_tombstone(tx: &mut Tx<'_>, id: &str, at: &str) -> sqlx::Result<()> {
    on_tx!(tx, conn => { sqlx::query("INSERT INTO erased_assessments (id, erased_at) VALUES ($1, $2)")
        .bind(id)
        .bind(at)
        .execute(&mut *conn)
        .await?; });
    Ok(())
}

/// The newest tombstone's number, 0 when there is none: where [`erased_after`] starts. SQLite
/// numbers rows itself (`rowid`); PostgreSQL's tombstones carry an identity column of that name.
pub async fn last_erased(db: &Db) -> sqlx::Result<i64> {
    on_pool!(db, pool => sqlx::query_scalar(
        "SELECT CAST(coalesce(max(rowid), 0) AS BIGINT) FROM erased_assessments",
    )
    .fetch_one(pool)
    .await)
}

/// Tombstones written after number `after` (by this process or any other), oldest first, with
/// their numbers.
///
/// On PostgreSQL identity numbers are handed out before commit, so a tombstone committed late
/// can carry a number below one already read; the watcher that calls this rereads a window
/// behind its position (see `erasure::forget_erased`).
pub async fn erased_after(db: &Db, after: i64) -> sqlx::Result<Vec<(i64, String)>> {
    on_pool!(db, pool => sqlx::query_as(
        "SELECT rowid, id FROM erased_assessments WHERE rowid > $1 ORDER BY rowid",
    )
    .bind(after)
    .fetch_all(pool)
    .await)
}
