//! When to try a call again: capped exponential backoff with jitter, at least what the
//! server asked for in `Retry-After`, within a number of attempts and a time budget.

use std::time::Duration;

/// How hard a call tries before it returns `ClientError::Unavailable`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 disables retries.
    pub max_attempts: u32,
    /// No retry starts once this much time has passed since the first attempt (nor one
    /// whose wait would end past it), so a caller's wait is bounded whatever happens.
    pub max_elapsed: Duration,
    /// The wait before the first retry; it doubles with each retry...
    pub initial_backoff: Duration,
    /// ...up to this.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            max_elapsed: Duration::from_secs(30),
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// One attempt only.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait before attempt `attempt + 1` (after `attempt` failed), or None when the
    /// policy gives up. `elapsed` is the time since the first attempt started.
    pub fn next_delay(
        &self,
        attempt: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        let backoff = self.backoff(attempt);
        // Equal jitter: half the backoff for sure, the other half at random, so clients
        // that failed together do not come back together.
        let jittered = jittered(backoff);
        let delay = retry_after.map_or(jittered, |r| r.max(jittered));
        (elapsed + delay <= self.max_elapsed).then_some(delay)
    }

    /// The capped exponential backoff after `attempt` failures (no jitter).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// Half of `d` for sure, the other half at random.
pub(crate) fn jittered(d: Duration) -> Duration {
    let half = d / 2;
    half + half.mul_f64(random_unit())
}

/// Random bytes from the operating system; a clock-derived fallback if it has none, as
/// jitter and keys only need to differ, not to be secret.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if getrandom::fill(&mut buf).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        for (i, b) in buf.iter_mut().enumerate() {
            *b = (nanos >> ((i % 16) * 8)) as u8 ^ (i as u8);
        }
    }
    buf
}

/// A random number in [0, 1).
fn random_unit() -> f64 {
    (u64::from_le_bytes(random_bytes::<8>()) >> 11) as f64 / (1u64 << 53) as f64
}

/// `Retry-After` as seconds or as an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            max_attempts: 10,
            max_elapsed: Duration::from_secs(600),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(700),
        };
        let waits: Vec<u128> = (1..=5).map(|a| p.backoff(a).as_millis()).collect();
        assert_eq!(waits, vec![100, 200, 400, 700, 700]);
        for attempt in 1..=5 {
            let d = p.next_delay(attempt, Duration::ZERO, None).unwrap();
            let b = p.backoff(attempt);
            assert!(
                d >= b / 2 && d <= b,
                "attempt {attempt}: {d:?} outside [{:?}, {b:?}]",
                b / 2
            );
        }
    }

    #[test]
    fn gives_up_after_max_attempts_or_past_the_budget() {
        let p = RetryPolicy {
            max_attempts: 3,
            max_elapsed: Duration::from_secs(2),
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        };
        assert!(p.next_delay(2, Duration::ZERO, None).is_some());
        assert!(p.next_delay(3, Duration::ZERO, None).is_none());
        // The wait would end past the budget.
        assert!(p.next_delay(1, Duration::from_millis(1990), None).is_none());
        assert!(
            RetryPolicy::none()
                .next_delay(1, Duration::ZERO, None)
                .is_none()
        );
    }

    #[test]
    fn retry_after_is_a_floor_and_counts_against_the_budget() {
        let p = RetryPolicy::default();
        let d = p
            .next_delay(1, Duration::ZERO, Some(Duration::from_secs(3)))
            .unwrap();
        assert_eq!(d, Duration::from_secs(3));
        assert!(
            p.next_delay(1, Duration::ZERO, Some(Duration::from_secs(120)))
                .is_none()
        );
    }

    #[test]
    fn parses_retry_after_in_both_forms() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        let soon = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc2822();
        let d = parse_retry_after(&soon).unwrap();
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
