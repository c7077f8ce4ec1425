//! The time the server goes by for sessions, sign-in throttling and the submission limit. One
//! clock in the state, so tests move time on instead of sleeping and cannot flake on a busy
//! machine.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use time::OffsetDateTime;

/// A clock that runs with real time, or stands still until a test advances it.
#[derive(Debug, Clone)]
pub struct Clock(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    /// Monotonic start; `None` for a clock that stands still.
    started: Option<Instant>,
    /// Wall-clock time at the start, which a stopped clock keeps.
    wall_start: OffsetDateTime,
    /// Nanoseconds added by [`Clock::advance`].
    advanced: AtomicU64,
}

impl Clock {
    /// Real time.
    pub fn system() -> Self {
        Self::new(Some(Instant::now()))
    }

    /// A clock stopped at the present moment; only [`Clock::advance`] moves it.
    pub fn stopped() -> Self {
        Self::new(None)
    }

    fn new(started: Option<Instant>) -> Self {
        Self(Arc::new(Inner {
            started,
            wall_start: OffsetDateTime::now_utc(),
            advanced: AtomicU64::new(0),
        }))
    }

    /// Moves this clock (and every clone of it) forward by `by`.
    pub fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        // Saturating, so that no amount of advancing can wrap time around.
        let _ = self
            .0
            .advanced
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                Some(n.saturating_add(nanos))
            });
    }

    fn advanced(&self) -> Duration {
        Duration::from_nanos(self.0.advanced.load(Ordering::Acquire))
    }

    /// Time since this clock started; never goes backwards.
    pub fn elapsed(&self) -> Duration {
        let real = self.0.started.map_or(Duration::ZERO, |s| s.elapsed());
        real.saturating_add(self.advanced())
    }

    /// The current date and time. A running clock reads the system's wall clock, not its
    /// start plus elapsed time, so that it agrees with the times another process (or this
    /// server before a restart) wrote down.
    pub fn now_utc(&self) -> OffsetDateTime {
        let base = match self.0.started {
            Some(_) => OffsetDateTime::now_utc(),
            None => self.0.wall_start,
        };
        base.saturating_add(
            time::Duration::try_from(self.advanced()).unwrap_or(time::Duration::MAX),
        )
    }

    /// The current time in whole seconds since 1970.
    pub fn unix_seconds(&self) -> i64 {
        self.now_utc().unix_timestamp()
    }
}

/// The submission limiter (governor) reads the same clock.
impl governor::clock::Clock for Clock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_clock_moves_only_when_advanced() {
        let clock = Clock::stopped();
        let before = clock.unix_seconds();
        let copy = clock.clone();
        assert_eq!(clock.elapsed(), Duration::ZERO);
        copy.advance(Duration::from_secs(90));
        assert_eq!(clock.elapsed(), Duration::from_secs(90));
        assert_eq!(clock.unix_seconds(), before + 90);
    }

    #[test]
    fn a_running_clock_reads_the_wall_clock_plus_what_it_was_advanced() {
        let clock = Clock::system();
        clock.advance(Duration::from_secs(3600));
        let skew = clock.unix_seconds() - OffsetDateTime::now_utc().unix_timestamp();
        assert!((3599..=3601).contains(&skew), "{skew}");
    }

    #[test]
    fn advancing_without_end_does_not_wrap_around() {
        let clock = Clock::stopped();
        clock.advance(Duration::MAX);
        clock.advance(Duration::MAX);
        assert!(clock.elapsed() >= Duration::from_secs(u64::MAX / 1_000_000_000));
        assert!(clock.now_utc() > OffsetDateTime::now_utc());
    }
}
