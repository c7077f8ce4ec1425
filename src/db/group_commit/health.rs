//! Whether the database takes writes: what the writer's last batch found, and, after a failure,
//! a probe that commits a write the size of a batch, for `/readyz`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use sqlx::{Connection, SqlitePool};

/// Whether the database takes writes, as the last batch and the last probe found it.
#[derive(Default)]
pub(super) struct Health {
    /// Set when a batch failed for want of space, a lock or the database; a committed batch or
    /// a successful probe clears it.
    failing: AtomicBool,
    /// The last probe: when, and whether it could write. One probe runs at a time.
    probed: tokio::sync::Mutex<Option<(Instant, bool)>>,
}

/// A probe's answer is reused for this long, so that readiness checks from several balancers
/// cost one probe.
const PROBE_REUSE: Duration = Duration::from_secs(1);

/// What a probe writes: a stored assessment with its list row and indexes takes about 40 KB,
/// so room for the probe is room for a batch of several submissions. Smaller probes passed
/// on a full disk where the next batch failed.
const PROBE_BYTES: i64 = 256 * 1024;

impl Health {
    /// A batch was committed.
    pub(super) fn succeeded(&self) {
        self.failing.store(false, Ordering::Release);
    }

    /// A batch failed for want of space, a lock or the database.
    pub(super) fn failed(&self) {
        self.failing.store(true, Ordering::Release);
    }

    /// True when the database takes writes: no batch has failed since the last success, or a
    /// probe (a committed write of [`PROBE_BYTES`], deleted again) succeeds now. Probes run
    /// only after a failure, so a healthy server's readiness checks write nothing.
    pub(super) async fn writable(&self, pool: &SqlitePool) -> bool {
        if !self.failing.load(Ordering::Acquire) {
            return true;
        }
        let mut probed = self.probed.lock().await;
        if let Some((at, ok)) = *probed
            && at.elapsed() < PROBE_REUSE
        {
            return ok;
        }
        let ok = match probe(pool).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "the database still cannot take writes");
                false
            }
        };
        if ok {
            self.succeeded();
        }
        *probed = Some((Instant::now(), ok));
        ok
    }
}

/// Commits a row of [`PROBE_BYTES`], then deletes it.
async fn probe(pool: &SqlitePool) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::query("INSERT INTO write_probe (filler) VALUES (zeroblob(?))")
        .bind(PROBE_BYTES)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    sqlx::query("DELETE FROM write_probe")
        .execute(&mut *conn)
        .await?;
    Ok(())
}
