//! Submissions per client address: a keyed GCRA limiter shared by every route that creates an
//! assessment, so the form, the embedded form and the API draw on one budget. One instance on
//! SQLite keeps it in memory (governor); on PostgreSQL the budget lives in the database, so
//! every instance behind the balancer spends the same one.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use governor::clock::Clock as _;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::client_addr::ClientAddr;
use crate::clock::Clock;
use crate::db::{self, Db};
use crate::error::AppError;

/// Forgotten addresses are swept from the limiter after this many checks, so memory stays
/// bounded however many addresses a bot rotates through.
const SWEEP_EVERY: u32 = 1024;

type Limiter = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, Clock, NoOpMiddleware<Duration>>;

/// The limiter of assessment submissions; off when the limit is 0.
pub struct SubmitLimiter {
    limiter: Option<Limiter>,
    /// The budget in the database, when instances share one.
    shared: Option<Shared>,
    clock: Clock,
    checks: AtomicU32,
}

/// A budget kept in the database: `burst` submissions, one more every `interval_ms`.
struct Shared {
    db: Db,
    interval_ms: i64,
    burst: i64,
}

impl SubmitLimiter {
    /// `per_minute` submissions a minute from one address, all of them allowed in a burst and
    /// replenished evenly over the minute, timed by `clock`; 0 turns the limit off.
    pub fn new(per_minute: u32, clock: Clock) -> Self {
        Self {
            limiter: NonZeroU32::new(per_minute)
                .map(|n| RateLimiter::dashmap_with_clock(Quota::per_minute(n), clock.clone())),
            shared: None,
            clock,
            checks: AtomicU32::new(0),
        }
    }

    /// The same limit kept in `db`, so that every instance on it spends one budget per address.
    pub fn shared(per_minute: u32, clock: Clock, db: Db) -> Self {
        Self {
            limiter: None,
            shared: (per_minute > 0).then(|| Shared {
                db,
                interval_ms: (60_000 / i64::from(per_minute)).max(1),
                burst: i64::from(per_minute),
            }),
            clock,
            checks: AtomicU32::new(0),
        }
    }

    /// Counts one submission from `client` (IPv6 by its /64); past the limit, the error says
    /// how long to wait.
    pub async fn check(&self, client: ClientAddr) -> Result<(), AppError> {
        if let Some(shared) = &self.shared {
            return self.check_shared(shared, client).await;
        }
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        limiter.check_key(&client.network()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            // Whole seconds, rounded up: waiting the advertised time always suffices.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            tracing::info!(%client, retry_after = secs, "submission rate limit reached");
            AppError::TooManyRequests {
                retry_after_secs: secs.max(1),
            }
        })
    }
}

impl SubmitLimiter {
    async fn check_shared(&self, shared: &Shared, client: ClientAddr) -> Result<(), AppError> {
        let now_ms = i64::try_from(self.clock.now_utc().unix_timestamp_nanos() / 1_000_000)
            .unwrap_or(i64::MAX);
        let key = format!("submit {}", client.network());
        match db::spend_rate(&shared.db, &key, now_ms, shared.interval_ms, shared.burst).await? {
            None => Ok(()),
            Some(wait_ms) => {
                // Whole seconds, rounded up: waiting the advertised time always suffices.
                let secs = u64::try_from(wait_ms).unwrap_or(1).div_ceil(1000).max(1);
                tracing::info!(%client, retry_after = secs, "submission rate limit reached");
                Err(AppError::TooManyRequests {
                    retry_after_secs: secs,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    fn client(ip: &str) -> ClientAddr {
        ClientAddr(ip.parse().expect("ip"))
    }

    fn retry_after(result: Result<(), AppError>) -> u64 {
        match result {
            Err(AppError::TooManyRequests { retry_after_secs }) => retry_after_secs,
            other => panic!("expected 429, got {other:?}"),
        }
    }

    /// The in-memory limiter, and the shared one on a real database file.
    async fn limiters(per_minute: u32, clock: &Clock) -> Vec<(SubmitLimiter, tempfile::TempDir)> {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("limits.db").display());
        let db = Db::connect(&url, 2).await.expect("database");
        vec![
            (
                SubmitLimiter::new(per_minute, clock.clone()),
                tempfile::tempdir().expect("temp dir"),
            ),
            (SubmitLimiter::shared(per_minute, clock.clone(), db), dir),
        ]
    }

    #[tokio::test]
    async fn a_limit_of_two_allows_two_then_asks_to_wait_until_one_is_replenished() {
        let clock = Clock::stopped();
        for (limiter, _dir) in limiters(2, &clock).await {
            let ip = client("127.0.0.1");
            assert!(limiter.check(ip).await.is_ok());
            assert!(limiter.check(ip).await.is_ok());
            assert_eq!(retry_after(limiter.check(ip).await), 30);
            assert!(limiter.check(client("10.0.0.2")).await.is_ok());
            clock.advance(Duration::from_secs(29));
            assert_eq!(retry_after(limiter.check(ip).await), 1);
            clock.advance(Duration::from_secs(1));
            assert!(limiter.check(ip).await.is_ok());
            assert!(limiter.check(ip).await.is_err());
            clock.advance(Duration::from_secs(120));
        }
    }

    #[tokio::test]
    async fn a_limit_of_zero_is_no_limit() {
        let clock = Clock::stopped();
        for (off, _dir) in limiters(0, &clock).await {
            for _ in 0..100 {
                assert!(off.check(client("127.0.0.1")).await.is_ok());
            }
        }
    }

    #[tokio::test]
    async fn addresses_in_one_ipv6_64_share_a_budget() {
        let clock = Clock::stopped();
        for (limiter, _dir) in limiters(1, &clock).await {
            assert!(limiter.check(client("2001:db8:1:2::1")).await.is_ok());
            assert!(limiter.check(client("2001:db8:1:2:9:8:7:6")).await.is_err());
            assert!(limiter.check(client("2001:db8:1:3::1")).await.is_ok());
        }
    }
}
