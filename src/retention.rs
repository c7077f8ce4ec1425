//! Periodic work: `--retention-days N` (assessments older than N days are deleted, with their
//! notes, tags, leads and webhook events, and so are finished webhook events older than N days,
//! at start-up and then once a day), and the sweeps of expired retry keys, spent rate budgets
//! and sessions. With several instances on one database each task runs once an interval, by
//! whichever instance claims it (see [`db::run_periodic`]).

use std::sync::Arc;
use std::time::Duration;

use crate::db::Db;

use crate::db;
use crate::result_cache::ResultCache;

/// How often the retention sweep runs after the first one at start-up.
const EVERY: Duration = Duration::from_secs(24 * 3600);

/// The cutoff for `days`: creation times before it are deleted. Same format as `created_at`.
pub fn cutoff(days: u32, now: time::OffsetDateTime) -> String {
    crate::assessment::timestamp(now - time::Duration::days(i64::from(days)))
}

/// Deletes what is older than `days` now and logs how much went. Returns the count.
pub async fn purge(pool: &Db, days: u32) -> sqlx::Result<u64> {
    let cutoff = cutoff(days, time::OffsetDateTime::now_utc());
    let deleted = db::delete_assessments_before(pool, &cutoff).await?;
    tracing::info!(
        deleted,
        retention_days = days,
        %cutoff,
        "retention: deleted assessments (with their notes, tags, leads and webhook events) created before the cutoff"
    );
    Ok(deleted)
}

/// The name under which a purge that deleted something is noted, so every instance drops its
/// cached results (see [`forget_purged`]).
pub const PURGED: &str = "retention purged";

/// Runs [`purge`] at start-up and then daily (once across all instances) until the task is
/// dropped; failures are logged and retried at the next round. After a purge that deleted
/// something, the cached results here are dropped and the purge is noted for the other
/// instances, so a deleted assessment is not served from memory anywhere.
pub async fn run(pool: Db, days: u32, cache: Arc<ResultCache>) {
    periodically(&pool, "retention", EVERY, || async {
        match purge(&pool, days).await {
            Ok(0) => {}
            Ok(_) => {
                cache.clear();
                if let Err(e) = db::mark_run(&pool, PURGED, crate::webhooks::now_ms()).await {
                    tracing::warn!(error = %e, "retention: could not note the purge for other instances");
                }
            }
            Err(e) => tracing::warn!(error = %e, "retention: could not delete old assessments"),
        }
    })
    .await;
}

/// Drops the cached results whenever another instance's retention purge deleted something:
/// checked every `every` until the task is dropped.
pub async fn forget_purged(pool: Db, cache: Arc<ResultCache>, every: Duration) {
    let mut seen = db::last_run(&pool, PURGED).await.ok().flatten();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match db::last_run(&pool, PURGED).await {
            Ok(now) if now != seen => {
                cache.clear();
                seen = now;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "could not read whether a purge ran; will try again")
            }
        }
    }
}

/// How often retry keys past their day and spent rate budgets are deleted.
const KEYS_EVERY: Duration = Duration::from_secs(3600);

/// Deletes retry keys (`Idempotency-Key`, form tokens) past their lifetime and the rate budgets
/// that are whole again, at start-up and then hourly (once across all instances), until the
/// task is dropped. Expired keys no longer count even before they go.
pub async fn sweep_keys(pool: Db) {
    periodically(&pool, "retry keys", KEYS_EVERY, || async {
        match db::delete_keys_before(&pool, &crate::assessment::key_cutoff()).await {
            Ok(deleted) => tracing::debug!(deleted, "expired retry keys deleted"),
            Err(e) => tracing::warn!(error = %e, "could not delete expired retry keys"),
        }
        match db::forget_spent_rates(&pool, crate::webhooks::now_ms()).await {
            Ok(deleted) => tracing::debug!(deleted, "spent rate budgets deleted"),
            Err(e) => tracing::warn!(error = %e, "could not delete spent rate budgets"),
        }
    })
    .await;
}

/// Runs `work` as the periodic task `name` about every `every` until the task is dropped: it
/// looks four times an interval and runs the work when no instance has run it for `every`.
pub async fn periodically<F, Fut>(pool: &Db, name: &str, every: Duration, mut work: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let every_ms = i64::try_from(every.as_millis()).unwrap_or(i64::MAX);
    let mut tick = tokio::time::interval(every / 4);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match db::run_periodic(pool, name, crate::webhooks::now_ms(), every_ms, work()).await {
            Ok(Some(())) => tracing::debug!(task = name, "periodic task ran"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, task = name, "could not claim a periodic task"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cutoff_is_n_days_back_in_created_at_format() {
        let now = time::macros::datetime!(2026-11-21 10:00:00.123 UTC);
        assert_eq!(cutoff(30, now), "2026-10-22T10:00:00.123Z");
    }
}
