//! The emulator's clock: the real time plus an offset a test can set (`Emulator::set_now`,
//! `Emulator::advance_clock`), so what DHIS2 does by the calendar (the daily file resource
//! cleanup, dhis2-api.md §4.7, §13.7) can be seen without waiting for it.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{Duration, NaiveDateTime};

/// The server time (Etc/UTC): the machine's clock moved by an offset.
#[derive(Debug, Default)]
pub struct Clock {
    /// Nanoseconds added to the real time (±292 years).
    offset_ns: AtomicI64,
}

fn real_now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

impl Clock {
    pub fn now(&self) -> NaiveDateTime {
        real_now() + Duration::nanoseconds(self.offset_ns.load(Ordering::Relaxed))
    }

    /// From now on the clock reads `at`, and runs on from there.
    pub fn set(&self, at: NaiveDateTime) {
        let offset = (at - real_now()).num_nanoseconds().unwrap_or(i64::MAX);
        self.offset_ns.store(offset, Ordering::Relaxed);
    }

    /// Moves the clock by `by` (forward when positive).
    pub fn advance(&self, by: Duration) {
        let by = by.num_nanoseconds().unwrap_or(i64::MAX);
        let _ = self
            .offset_ns
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                Some(offset.saturating_add(by))
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_and_advance_move_the_reading() {
        let clock = Clock::default();
        let at = NaiveDateTime::parse_from_str("2030-01-02 01:59:00", "%Y-%m-%d %H:%M:%S")
            .expect("date");
        clock.set(at);
        let read = clock.now();
        assert!(read >= at && read - at < Duration::seconds(5), "{read}");
        clock.advance(Duration::days(2));
        let read = clock.now();
        assert!(read - at >= Duration::days(2), "{read}");
    }
}
