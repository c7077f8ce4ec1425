//! SQL that lets several instances on one database act as one service: a submission budget per
//! client address that every instance spends, and periodic work that runs once an interval
//! however many instances there are.

use super::{Db, on_pool};

/// Counts one request from `key` against a GCRA budget of `burst` requests, one more every
/// `interval_ms`, at `now_ms`, in one statement, so instances counting at once cannot both pass
/// the last slot. `Ok(None)` when the request fits; `Ok(Some(ms))` when it does not, with how
/// long until it would.
///
/// The row keeps the theoretical arrival time (`tat_ms`): each request moves it one interval
/// past `max(tat, now)`, and a request that would move it more than `burst` intervals ahead of
/// now is refused (and moves nothing).
pub async fn spend_rate(
    db: &Db,
    key: &str,
    now_ms: i64,
    interval_ms: i64,
    burst: i64,
) -> sqlx::Result<Option<i64>> {
    let window = interval_ms.saturating_mul(burst);
    // `CASE` rather than SQLite's two-argument `max` or PostgreSQL's `greatest`: one statement
    // both read alike.
    let moved: Option<i64> = on_pool!(db, pool => sqlx::query_scalar(
        "INSERT INTO rate_limits (key, tat_ms) VALUES ($1, $2 + $3)
         ON CONFLICT (key) DO UPDATE
             SET tat_ms = CASE WHEN rate_limits.tat_ms > $2 THEN rate_limits.tat_ms ELSE $2 END + $3
         WHERE CASE WHEN rate_limits.tat_ms > $2 THEN rate_limits.tat_ms ELSE $2 END + $3 - $2 <= $4
         RETURNING tat_ms",
    )
    .bind(key)
    .bind(now_ms)
    .bind(interval_ms)
    .bind(window)
    .fetch_optional(pool)
    .await?);
    if moved.is_some() {
        return Ok(None);
    }
    let tat: Option<i64> = on_pool!(db, pool => sqlx::query_scalar(
        "SELECT tat_ms FROM rate_limits WHERE key = $1",
    )
    .bind(key)
    .fetch_optional(pool)
    .await?);
    // The next request fits once the arrival time it would make is within the window.
    Ok(Some(
        tat.map_or(0, |tat| tat + interval_ms - window - now_ms)
            .max(1),
    ))
}

/// Forgets the budgets that are whole again at `now_ms` (nothing spent is remembered past its
/// arrival time), so the table holds only recently active addresses.
pub async fn forget_spent_rates(db: &Db, now_ms: i64) -> sqlx::Result<u64> {
    Ok(
        on_pool!(db, pool => sqlx::query("DELETE FROM rate_limits WHERE tat_ms <= $1")
        .bind(now_ms)
        .execute(pool)
        .await?
        .rows_affected()),
    )
}

/// Claims the periodic task `name` for a run at `now_ms` unless some instance claimed it less
/// than `every_ms` ago. True for exactly one of the instances that ask within an interval: the
/// claim is one statement on one row.
pub async fn claim_periodic(db: &Db, name: &str, now_ms: i64, every_ms: i64) -> sqlx::Result<bool> {
    let claimed: Option<String> = on_pool!(db, pool => sqlx::query_scalar(
        "INSERT INTO periodic_runs (name, last_run_ms) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET last_run_ms = $2
         WHERE periodic_runs.last_run_ms <= $2 - $3
         RETURNING name",
    )
    .bind(name)
    .bind(now_ms)
    .bind(every_ms)
    .fetch_optional(pool)
    .await?);
    Ok(claimed.is_some())
}

/// Runs `work` as the periodic task `name`, at most once every `every_ms` across every
/// instance on the database and never twice at once: the run is claimed in `periodic_runs`,
/// and on PostgreSQL the work also holds a session advisory lock on the task's name, so a run
/// that outlasts its interval is not overlapped by the next one. `None` when another instance
/// has it.
pub async fn run_periodic<T>(
    db: &Db,
    name: &str,
    now_ms: i64,
    every_ms: i64,
    work: impl Future<Output = T>,
) -> sqlx::Result<Option<T>> {
    match db {
        Db::Sqlite(_) => {
            if !claim_periodic(db, name, now_ms, every_ms).await? {
                return Ok(None);
            }
            Ok(Some(work.await))
        }
        Db::Postgres(pool) => {
            let mut conn = pool.acquire().await?;
            let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock(hashtext($1))")
                .bind(name)
                .fetch_one(&mut *conn)
                .await?;
            if !locked {
                return Ok(None);
            }
            let outcome = match claim_periodic(db, name, now_ms, every_ms).await {
                Ok(true) => Ok(Some(work.await)),
                Ok(false) => Ok(None),
                Err(e) => Err(e),
            };
            let unlocked = sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
                .bind(name)
                .execute(&mut *conn)
                .await;
            if unlocked.is_err() {
                // The lock dies with the session: close it rather than return it locked.
                let _ = sqlx::Connection::close(conn.detach()).await;
            }
            outcome
        }
    }
}

/// Notes that `name` happened at `now_ms`, for the other instances to see (see [`last_run`]).
pub async fn mark_run(db: &Db, name: &str, now_ms: i64) -> sqlx::Result<()> {
    on_pool!(db, pool => {
        sqlx::query(
            "INSERT INTO periodic_runs (name, last_run_ms) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET last_run_ms = excluded.last_run_ms",
        )
        .bind(name)
        .bind(now_ms)
        .execute(pool)
        .await?;
    });
    Ok(())
}

/// When `name` last ran or happened (unix milliseconds), if ever.
pub async fn last_run(db: &Db, name: &str) -> sqlx::Result<Option<i64>> {
    on_pool!(db, pool => sqlx::query_scalar("SELECT last_run_ms FROM periodic_runs WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await)
}
