//! Submissions per client address: a keyed GCRA limiter (governor) shared by every route that
//! creates an assessment, so the form, the embedded form and the API draw on one budget.

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
use crate::error::AppError;

/// Forgotten addresses are swept from the limiter after this many checks, so memory stays
/// bounded however many addresses a bot rotates through.
const SWEEP_EVERY: u32 = 1024;

type Limiter = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, Clock, NoOpMiddleware<Duration>>;

/// The limiter of assessment submissions; off when the limit is 0.
pub struct SubmitLimiter {
    limiter: Option<Limiter>,
    clock: Clock,
    checks: AtomicU32,
}

impl SubmitLimiter {
    /// `per_minute` submissions a minute from one address, all of them allowed in a burst and
    /// replenished evenly over the minute, timed by `clock`; 0 turns the limit off.
    pub fn new(per_minute: u32, clock: Clock) -> Self {
        Self {
            limiter: NonZeroU32::new(per_minute)
                .map(|n| RateLimiter::dashmap_with_clock(Quota::per_minute(n), clock.clone())),
            clock,
            checks: AtomicU32::new(0),
        }
    }

    /// Counts one submission from `client` (IPv6 by its /64); past the limit, the error says
    /// how long to wait.
    pub fn check(&self, client: ClientAddr) -> Result<(), AppError> {
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

    #[test]
    fn a_limit_of_two_allows_two_then_asks_to_wait_until_one_is_replenished() {
        let clock = Clock::stopped();
        let limiter = SubmitLimiter::new(2, clock.clone());
        let ip = client("127.0.0.1");
        assert!(limiter.check(ip).is_ok());
        assert!(limiter.check(ip).is_ok());
        assert_eq!(retry_after(limiter.check(ip)), 30);
        assert!(limiter.check(client("10.0.0.2")).is_ok());
        clock.advance(Duration::from_secs(29));
        assert_eq!(retry_after(limiter.check(ip)), 1);
        clock.advance(Duration::from_secs(1));
        assert!(limiter.check(ip).is_ok());
        assert!(limiter.check(ip).is_err());
    }

    #[test]
    fn a_limit_of_zero_is_no_limit() {
        let off = SubmitLimiter::new(0, Clock::stopped());
        for _ in 0..100 {
            assert!(off.check(client("127.0.0.1")).is_ok());
        }
    }

    #[test]
    fn addresses_in_one_ipv6_64_share_a_budget() {
        let limiter = SubmitLimiter::new(1, Clock::stopped());
        assert!(limiter.check(client("2001:db8:1:2::1")).is_ok());
        assert!(limiter.check(client("2001:db8:1:2:9:8:7:6")).is_err());
        assert!(limiter.check(client("2001:db8:1:3::1")).is_ok());
    }
}
