//! `--retention-days N`: assessments older than N days are deleted, with their notes, tags,
//! leads and webhook events, and so are finished webhook events older than N days, at start-up
//! and then once a day.

use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;

use crate::db;
use crate::result_cache::ResultCache;

/// How often the retention sweep runs after the first one at start-up.
const EVERY: Duration = Duration::from_secs(24 * 3600);

/// The cutoff for `days`: creation times before it are deleted. Same format as `created_at`.
pub fn cutoff(days: u32, now: time::OffsetDateTime) -> String {
    crate::assessment::timestamp(now - time::Duration::days(i64::from(days)))
}

/// Deletes what is older than `days` now and logs how much went. Returns the count.
pub async fn purge(pool: &SqlitePool, days: u32) -> sqlx::Result<u64> {
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

/// Runs [`purge`] now and then daily until the task is dropped; failures are logged and
/// retried at the next round. Rendered results in `cache` are dropped after a sweep that
/// deleted something, so a deleted assessment is not served from memory.
pub async fn run(pool: SqlitePool, days: u32, cache: Arc<ResultCache>) {
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tick.tick().await;
        match purge(&pool, days).await {
            Ok(0) => {}
            Ok(_) => cache.clear(),
            Err(e) => tracing::warn!(error = %e, "retention: could not delete old assessments"),
        }
    }
}

/// How often retry keys past their day are deleted.
const KEYS_EVERY: Duration = Duration::from_secs(3600);

/// Deletes retry keys (`Idempotency-Key`, form tokens) past their lifetime, now and then
/// hourly, until the task is dropped. Expired keys no longer count even before they go.
pub async fn sweep_keys(pool: SqlitePool) {
    let mut tick = tokio::time::interval(KEYS_EVERY);
    loop {
        tick.tick().await;
        match db::delete_keys_before(&pool, &crate::assessment::key_cutoff()).await {
            Ok(deleted) => tracing::debug!(deleted, "expired retry keys deleted"),
            Err(e) => tracing::warn!(error = %e, "could not delete expired retry keys"),
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
