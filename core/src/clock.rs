//! Where "now" comes from. Every time-dependent check — certificate validity, CRL currency, request expiry —
//! takes its time from a [`Clock`] (or a `now` its caller read from one), so tests pin the time and nothing
//! depends on the day the suite runs.

use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time, in seconds since the Unix epoch.
pub trait Clock: Send + Sync {
    fn now(&self) -> i64;
}

/// The system's clock (0 if it reads before 1970).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
    }
}

/// A clock that says what it is told: pinned at an instant, moved only by [`FixedClock::advance`] or
/// [`FixedClock::set`]. For tests.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn at(unix: i64) -> FixedClock {
        FixedClock(AtomicI64::new(unix))
    }

    /// A clock pinned at a `YYYY-MM-DDTHH:MM:SSZ` instant; `None` if the text is not one.
    pub fn at_utc(text: &str) -> Option<FixedClock> {
        crate::handoff::time::parse_utc(text).map(FixedClock::at)
    }

    pub fn set(&self, unix: i64) {
        self.0.store(unix, Ordering::Relaxed);
    }

    pub fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::Relaxed);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> i64 {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> i64 {
        (**self).now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let c = FixedClock::at_utc("2026-12-01T00:00:00Z").unwrap();
        assert_eq!(c.now(), 1_796_083_200);
        c.advance(60);
        assert_eq!(c.now(), 1_796_083_260);
        c.set(0);
        assert_eq!(c.now(), 0);
        assert!(FixedClock::at_utc("2026-12-01").is_none());
    }

    #[test]
    fn the_system_clock_is_after_this_code_was_written() {
        assert!(SystemClock.now() > 1_764_000_000);
    }
}
