//! What the two outboxes (webhook events and report emails) share: claiming the due rows so no
//! two instances send one at once, when the next row is due, and moving a row on after an
//! attempt. Each outbox keeps its own rows, payloads and delivery log in its module.
//!
//! The statements are fixed text: the only parts that vary are the table and column names of
//! [`Outbox`], never a value from outside.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, FromRow};

use super::{Db, Tx, on_pool, on_tx};

/// One of the outboxes.
#[derive(Clone, Copy)]
pub(super) enum Outbox {
    Webhooks,
    Mail,
}

impl Outbox {
    const fn table(self) -> &'static str {
        match self {
            Self::Webhooks => "webhook_outbox",
            Self::Mail => "mail_outbox",
        }
    }

    /// The column set when a row went out.
    const fn done(self) -> &'static str {
        match self {
            Self::Webhooks => "delivered_at",
            Self::Mail => "sent_at",
        }
    }
}

/// What the outbox row becomes after an attempt.
pub enum AttemptOutcome {
    Delivered,
    /// Try again at this unix millisecond.
    RetryAt(i64),
    /// The retries are used up.
    GaveUp,
}

/// A claimed row: its place in the order rows go out.
pub(super) trait Due {
    /// When it became due (unix milliseconds) and its id.
    fn due(&self) -> (i64, &str);
}

/// Claims up to `limit` rows of `outbox` due at `now_ms` that no instance holds, for this
/// instance until `claim_until_ms`, and returns their `columns` oldest first. Instances
/// draining one outbox at once each get different rows (PostgreSQL skips the rows another
/// claim has locked; SQLite runs one writer at a time); a row whose instance died is claimed
/// again once its claim runs out. An attempt's record ([`move_on`]) ends the claim.
pub(super) async fn claim_due<T>(
    db: &Db,
    outbox: Outbox,
    columns: &str,
    now_ms: i64,
    claim_until_ms: i64,
    limit: i64,
) -> sqlx::Result<Vec<T>>
where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Due + Send + Unpin,
{
    let lock = match db {
        Db::Sqlite(_) => "",
        Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
    };
    let (table, done) = (outbox.table(), outbox.done());
    let sql = format!(
        "UPDATE {table} SET claimed_until_ms = $2
         WHERE id IN (SELECT id FROM {table}
                      WHERE {done} IS NULL AND failed_at IS NULL
                        AND next_attempt_at <= $1
                        AND (claimed_until_ms IS NULL OR claimed_until_ms <= $1)
                      ORDER BY next_attempt_at, id LIMIT $3{lock})
         RETURNING {columns}"
    );
    // RETURNING gives the rows in no particular order.
    let mut claimed: Vec<T> = on_pool!(db, pool => sqlx::query_as(AssertSqlSafe(sql))
        .bind(now_ms)
        .bind(claim_until_ms)
        .bind(limit)
        .fetch_all(pool)
        .await?);
    claimed.sort_by(|a, b| a.due().cmp(&b.due()));
    Ok(claimed)
}

/// When the next waiting row of `outbox` is due (unix milliseconds), if any waits: for a row
/// another instance has claimed, when its claim runs out.
pub(super) async fn next_due(db: &Db, outbox: Outbox) -> sqlx::Result<Option<i64>> {
    let (table, done) = (outbox.table(), outbox.done());
    let sql = format!(
        "SELECT MIN(CASE WHEN claimed_until_ms > next_attempt_at THEN claimed_until_ms
                         ELSE next_attempt_at END)
         FROM {table} WHERE {done} IS NULL AND failed_at IS NULL"
    );
    on_pool!(db, pool => sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(pool).await)
}

/// Records attempt number `attempt` (made at `attempted_at`) on row `id` of `outbox`: done,
/// given up or due again, and no longer claimed. False when the row is gone (its assessment
/// was erased meanwhile): the caller then logs nothing either.
pub(super) async fn move_on(
    tx: &mut Tx<'_>,
    outbox: Outbox,
    id: &str,
    attempt: i64,
    attempted_at: &str,
    next: &AttemptOutcome,
) -> sqlx::Result<bool> {
    let (table, done) = (outbox.table(), outbox.done());
    let set = |column: &str| {
        format!(
            "UPDATE {table} SET attempts = $1, {column} = $2, claimed_until_ms = NULL
             WHERE id = $3"
        )
    };
    let moved = match next {
        AttemptOutcome::Delivered | AttemptOutcome::GaveUp => {
            let ended = if matches!(next, AttemptOutcome::Delivered) {
                done
            } else {
                "failed_at"
            };
            let sql = set(ended);
            on_tx!(tx, conn => sqlx::query(AssertSqlSafe(sql))
                .bind(attempt)
                .bind(attempted_at)
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected())
        }
        AttemptOutcome::RetryAt(at) => {
            let sql = set("next_attempt_at");
            on_tx!(tx, conn => sqlx::query(AssertSqlSafe(sql))
                .bind(attempt)
                .bind(*at)
                .bind(id)
                .execute(&mut *conn)
                .await?
                .rows_affected())
        }
    };
    Ok(moved == 1)
}
