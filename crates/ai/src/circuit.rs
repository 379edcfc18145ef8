//! The circuit breaker every feature of one client shares. After `failure_threshold`
//! consecutive failed calls it opens for `cooldown` (longer when a 429 asked for it) and
//! calls fail at once; then one probe call goes through (half-open): its success closes
//! the circuit, its failure opens it again. So a dead server costs one probe per cooldown,
//! not a timeout per ticket.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use crate::config::BreakerConfig;
use crate::error::AiError;

/// What a waiting caller is told while a probe is already in flight.
const PROBE_IN_FLIGHT_WAIT: Duration = Duration::from_secs(1);

/// The breaker's state, for an admin page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CircuitState {
    Closed,
    /// Calls fail at once until `until` (`retry_after` from the moment of asking).
    Open {
        until: SystemTime,
        retry_after: Duration,
    },
    /// The cooldown is over; the next call (or the one in flight) is the probe.
    HalfOpen,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    pub state: CircuitState,
    pub consecutive_failures: u32,
    /// The last failure's message (never a key: see `AiError`) and when it happened.
    pub last_error: Option<String>,
    pub last_error_at: Option<SystemTime>,
}

#[derive(Debug)]
pub(crate) struct CircuitBreaker {
    config: BreakerConfig,
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    phase: Phase,
    consecutive_failures: u32,
    last_error: Option<(String, SystemTime)>,
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    Closed,
    Open { until: Instant },
    HalfOpen { probing: bool },
}

/// Leave to make one call. Settle it with `record`; dropped unsettled (the caller gave
/// up), a probe frees the half-open slot for the next caller.
pub(crate) struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    probe: bool,
    settled: bool,
}

impl CircuitBreaker {
    pub(crate) fn new(config: BreakerConfig) -> CircuitBreaker {
        CircuitBreaker {
            config,
            inner: Mutex::new(Inner {
                phase: Phase::Closed,
                consecutive_failures: 0,
                last_error: None,
            }),
        }
    }

    pub(crate) fn admit(&self) -> Result<Permit<'_>, AiError> {
        let mut inner = self.lock();
        let now = Instant::now();
        let probe = match inner.phase {
            Phase::Closed => false,
            Phase::Open { until } if now < until => {
                return Err(AiError::CircuitOpen {
                    retry_after: until - now,
                });
            }
            Phase::Open { .. } | Phase::HalfOpen { probing: false } => {
                inner.phase = Phase::HalfOpen { probing: true };
                true
            }
            Phase::HalfOpen { probing: true } => {
                return Err(AiError::CircuitOpen {
                    retry_after: PROBE_IN_FLIGHT_WAIT,
                });
            }
        };
        Ok(Permit {
            breaker: self,
            probe,
            settled: false,
        })
    }

    pub(crate) fn health(&self) -> Health {
        let inner = self.lock();
        let state = match inner.phase {
            Phase::Closed => CircuitState::Closed,
            Phase::Open { until } => {
                let retry_after = until.saturating_duration_since(Instant::now());
                if retry_after.is_zero() {
                    CircuitState::HalfOpen
                } else {
                    CircuitState::Open {
                        until: SystemTime::now() + retry_after,
                        retry_after,
                    }
                }
            }
            Phase::HalfOpen { .. } => CircuitState::HalfOpen,
        };
        Health {
            state,
            consecutive_failures: inner.consecutive_failures,
            last_error: inner.last_error.as_ref().map(|(text, _)| text.clone()),
            last_error_at: inner.last_error.as_ref().map(|(_, at)| *at),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock leaves consistent data (plain assignments).
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn on_success(&self) {
        let mut inner = self.lock();
        inner.consecutive_failures = 0;
        inner.phase = Phase::Closed;
    }

    fn on_failure(&self, error: &AiError, probe: bool) {
        let mut inner = self.lock();
        inner.consecutive_failures = inner.consecutive_failures.saturating_add(1);
        inner.last_error = Some((error.to_string(), SystemTime::now()));
        if probe || inner.consecutive_failures >= self.config.failure_threshold {
            // A server that asked for a longer pause (429 Retry-After) gets it.
            let pause = self
                .config
                .cooldown
                .max(error.retry_after().unwrap_or_default());
            inner.phase = Phase::Open {
                until: Instant::now() + pause,
            };
        }
    }

    fn on_abandoned_probe(&self) {
        let mut inner = self.lock();
        if let Phase::HalfOpen { probing: true } = inner.phase {
            inner.phase = Phase::HalfOpen { probing: false };
        }
    }
}

impl Permit<'_> {
    /// Settle the call: failures that say the server is unwell count; anything else
    /// (success, a refusal, a 400 about this request) proves it answers.
    pub(crate) fn record<T>(mut self, outcome: &Result<T, AiError>) {
        self.settled = true;
        match outcome {
            Err(error) if error.counts_against_server() => {
                self.breaker.on_failure(error, self.probe)
            }
            _ => self.breaker.on_success(),
        }
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.settled && self.probe {
            self.breaker.on_abandoned_probe();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(threshold: u32, cooldown: Duration) -> CircuitBreaker {
        CircuitBreaker::new(BreakerConfig {
            failure_threshold: threshold,
            cooldown,
        })
    }

    fn fail(b: &CircuitBreaker) {
        b.admit()
            .unwrap()
            .record::<()>(&Err(AiError::Transport { detail: "x".into() }));
    }

    // No sleeps: an hour-long cooldown stays open, a zero one is over at once.
    #[test]
    fn opens_after_threshold() {
        let b = breaker(2, Duration::from_secs(3600));
        fail(&b);
        assert_eq!(b.health().state, CircuitState::Closed);
        fail(&b);
        assert!(matches!(b.admit(), Err(AiError::CircuitOpen { .. })));
        assert!(matches!(b.health().state, CircuitState::Open { .. }));
        assert_eq!(
            b.health().last_error.as_deref(),
            Some("cannot reach the AI server: x")
        );
    }

    #[test]
    fn one_probe_after_the_cooldown_and_its_success_closes() {
        let b = breaker(1, Duration::ZERO);
        fail(&b);
        let probe = b.admit().unwrap();
        assert!(matches!(b.admit(), Err(AiError::CircuitOpen { .. })));
        probe.record(&Ok(()));
        assert_eq!(b.health().state, CircuitState::Closed);
        assert_eq!(b.health().consecutive_failures, 0);
    }

    #[test]
    fn a_dropped_probe_frees_the_slot_and_a_failed_one_reopens() {
        let b = breaker(3, Duration::from_secs(3600));
        for _ in 0..3 {
            fail(&b);
        }
        // Pretend the cooldown is over.
        b.lock().phase = Phase::HalfOpen { probing: false };
        drop(b.admit().unwrap());
        let probe = b.admit().unwrap();
        // One failure of a probe reopens, whatever the threshold.
        probe.record::<()>(&Err(AiError::Timeout));
        assert!(matches!(b.health().state, CircuitState::Open { .. }));
    }

    #[test]
    fn retry_after_extends_the_cooldown() {
        let b = breaker(1, Duration::from_millis(10));
        b.admit().unwrap().record::<()>(&Err(AiError::RateLimited {
            retry_after: Some(Duration::from_secs(600)),
        }));
        match b.admit() {
            Err(AiError::CircuitOpen { retry_after }) => {
                assert!(retry_after > Duration::from_secs(500))
            }
            _ => panic!("expected an open circuit"),
        }
    }

    #[test]
    fn request_errors_do_not_count() {
        let b = breaker(1, Duration::from_secs(10));
        b.admit()
            .unwrap()
            .record::<()>(&Err(AiError::Malformed { detail: "x".into() }));
        assert_eq!(b.health().state, CircuitState::Closed);
    }
}
