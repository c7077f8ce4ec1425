//! Whether the database takes writes: what the writer's last batch found, and, after a failure,
//! a probe that commits a write the size of a batch, for `/readyz`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::db::{Backend, Db, Tx, on_pool};

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

    /// True when the database takes writes: on SQLite, no batch has failed since the last
    /// success, or a probe (a committed write of [`PROBE_BYTES`], deleted again) succeeds now;
    /// probes run only after a failure, so a healthy server's readiness checks write nothing.
    /// On PostgreSQL the server can stop taking writes without this instance writing anything
    /// (a failover, a full disk, a read-only switch), so every check is a small committed write,
    /// at most one a [`PROBE_REUSE`].
    pub(super) async fn writable(&self, db: &Db) -> bool {
        if !self.failing.load(Ordering::Acquire) && db.backend() == Backend::Sqlite {
            return true;
        }
        let mut probed = self.probed.lock().await;
        if let Some((at, ok)) = *probed
            && at.elapsed() < PROBE_REUSE
        {
            return ok;
        }
        let ok = match probe(db).await {
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
async fn probe(db: &Db) -> sqlx::Result<()> {
    let mut tx = db.begin_write().await?;
    match &mut tx {
        Tx::Sqlite(conn) => {
            sqlx::query("INSERT INTO write_probe (filler) VALUES (zeroblob($1))")
                .bind(PROBE_BYTES)
                .execute(&mut **conn)
                .await?;
        }
        Tx::Postgres(conn) => {
            sqlx::query(
                "INSERT INTO write_probe (filler) VALUES (decode(repeat('00', $1), 'hex'))",
            )
            .bind(i32::try_from(PROBE_BYTES).unwrap_or(i32::MAX))
            .execute(&mut **conn)
            .await?;
        }
    }
    tx.commit().await?;
    on_pool!(db, pool => { sqlx::query("DELETE FROM write_probe").execute(pool).await?; });
    Ok(())
}
