//! Snowflake ids and Discord's timestamp format.
//!
//! Ids are real snowflakes (milliseconds since the Discord epoch in the top bits) so a
//! client that derives a creation time from an id, or sorts by id, gets what it would
//! get from Discord. They are strictly increasing within one fake.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// 2015-01-01T00:00:00Z in Unix milliseconds.
pub const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

pub(crate) fn now_unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Hands out increasing snowflakes.
#[derive(Debug, Default)]
pub(crate) struct Snowflakes {
    last: AtomicU64,
}

impl Snowflakes {
    pub(crate) fn next(&self) -> u64 {
        let candidate = (now_unix_ms().saturating_sub(DISCORD_EPOCH_MS)) << 22;
        let mut last = self.last.load(Ordering::SeqCst);
        loop {
            let next = candidate.max(last + 1);
            match self
                .last
                .compare_exchange(last, next, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return next,
                Err(actual) => last = actual,
            }
        }
    }
}

/// Unix milliseconds encoded in a snowflake.
pub fn snowflake_unix_ms(id: u64) -> u64 {
    (id >> 22) + DISCORD_EPOCH_MS
}

/// `2026-01-02T03:04:05.678000+00:00`, the form Discord sends (and twilight parses).
pub fn iso8601(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let millis = unix_ms % 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}000+00:00",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000000+00:00");
        assert_eq!(
            iso8601(DISCORD_EPOCH_MS),
            "2015-01-01T00:00:00.000000+00:00"
        );
        // 2024-02-29T12:34:56.789Z
        assert_eq!(
            iso8601(1_709_210_096_789),
            "2024-02-29T12:34:56.789000+00:00"
        );
    }

    #[test]
    fn snowflakes_increase_and_carry_their_time() {
        let snowflakes = Snowflakes::default();
        let a = snowflakes.next();
        let b = snowflakes.next();
        assert!(b > a);
        let ms = snowflake_unix_ms(a);
        assert!(now_unix_ms().abs_diff(ms) < 5_000);
    }
}
