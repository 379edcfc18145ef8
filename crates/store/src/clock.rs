//! The store's idea of "now". Production reads the system clock; tests freeze and move
//! it, so SLA clocks are tested without sleeping. Every clone of a store shares one clock.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Default)]
pub struct Clock {
    frozen: Arc<RwLock<Option<DateTime<Utc>>>>,
}

impl Clock {
    /// Now, to the microsecond: both backends store exactly this, so values read back
    /// compare equal to the ones written (cursors depend on it).
    pub fn now(&self) -> DateTime<Utc> {
        let frozen = *self.frozen.read().unwrap_or_else(|e| e.into_inner());
        let t = frozen.unwrap_or_else(Utc::now);
        DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
    }

    /// Stop the clock at `at` (tests).
    pub fn freeze(&self, at: DateTime<Utc>) {
        *self.frozen.write().unwrap_or_else(|e| e.into_inner()) = Some(at);
    }

    /// Move a frozen clock on (tests); a running clock is frozen at now + `by`.
    pub fn advance(&self, by: Duration) {
        let mut frozen = self.frozen.write().unwrap_or_else(|e| e.into_inner());
        *frozen = Some(frozen.unwrap_or_else(Utc::now) + by);
    }
}
