//! Submissions per client address: a keyed GCRA limiter (governor) shared by every route that
//! creates an assessment, so the form, the embedded form and the API draw on one budget.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::AppState;
use crate::error::AppError;

/// Forgotten addresses are swept from the limiter after this many checks, so memory stays
/// bounded however many addresses a bot rotates through.
const SWEEP_EVERY: u32 = 1024;

/// The limiter of assessment submissions; off when the limit is 0.
pub struct SubmitLimiter {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
    checks: AtomicU32,
}

impl SubmitLimiter {
    /// `per_minute` submissions a minute from one address, all of them allowed in a burst and
    /// replenished evenly over the minute; 0 turns the limit off.
    pub fn new(per_minute: u32) -> Self {
        Self {
            limiter: NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n))),
            checks: AtomicU32::new(0),
        }
    }

    /// Counts one submission from `client`; past the limit, the error says how long to wait.
    pub fn check(&self, client: IpAddr) -> Result<(), AppError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        limiter.check_key(&client).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            // Whole seconds, rounded up: waiting the advertised time always suffices.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            tracing::info!(%client, retry_after = secs, "submission rate limit reached");
            AppError::TooManyRequests {
                retry_after_secs: secs.max(1),
            }
        })
    }
}

/// The address a request comes from: the socket's peer, or the left-most `X-Forwarded-For`
/// entry when the server is told it sits behind a proxy (`--trust-proxy`). Without a proxy
/// the header is whatever the client wants it to be, so it is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    pub fn from_parts(peer: Option<SocketAddr>, headers: &HeaderMap, trust_proxy: bool) -> Self {
        let forwarded = trust_proxy.then(|| forwarded_for(headers)).flatten();
        ClientAddr(
            forwarded
                .or(peer.map(|p| p.ip()))
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        )
    }
}

/// The left-most address of the first `X-Forwarded-For` header, when it parses.
fn forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let value = headers.get("x-forwarded-for")?.to_str().ok()?;
    let first = value.split(',').next()?.trim();
    first
        .parse::<IpAddr>()
        .ok()
        .or_else(|| first.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        Ok(ClientAddr::from_parts(
            peer,
            &parts.headers,
            state.config.trust_proxy,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().expect("header"));
        h
    }

    #[test]
    fn the_forwarded_address_counts_only_behind_a_trusted_proxy() {
        let peer = Some(SocketAddr::from(([10, 0, 0, 1], 5000)));
        let h = headers("203.0.113.7, 10.0.0.1");
        assert_eq!(
            ClientAddr::from_parts(peer, &h, false).0.to_string(),
            "10.0.0.1"
        );
        assert_eq!(
            ClientAddr::from_parts(peer, &h, true).0.to_string(),
            "203.0.113.7"
        );
        // A header that does not parse falls back to the socket.
        assert_eq!(
            ClientAddr::from_parts(peer, &headers("nonsense"), true)
                .0
                .to_string(),
            "10.0.0.1"
        );
    }

    #[test]
    fn a_limit_of_two_allows_two_then_asks_to_wait() {
        let limiter = SubmitLimiter::new(2);
        let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
        assert!(limiter.check(ip).is_ok());
        assert!(limiter.check(ip).is_ok());
        match limiter.check(ip) {
            Err(AppError::TooManyRequests { retry_after_secs }) => {
                assert!((1..=30).contains(&retry_after_secs), "{retry_after_secs}");
            }
            other => panic!("expected 429, got {other:?}"),
        }
        assert!(
            limiter
                .check(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2)))
                .is_ok()
        );
        let off = SubmitLimiter::new(0);
        for _ in 0..100 {
            assert!(off.check(ip).is_ok());
        }
    }
}
