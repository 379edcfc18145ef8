//! What a background loop does while the database is down: say so once (not at every
//! tick), wait longer and longer between tries (at most [`MAX_PAUSE`]), and say when it
//! works again. The loops themselves need nothing else to resume: each tick starts from
//! what the database holds.

use std::time::Duration;

use docket_store::StoreError;

/// The longest a loop waits between tries while the database is down: it resumes at
/// most this long after the database is back.
pub const MAX_PAUSE: Duration = Duration::from_secs(8);

/// One loop's view of a database outage.
#[derive(Debug)]
pub struct Outage {
    /// The loop's name in the log.
    what: &'static str,
    /// Failed ticks in a row since the outage began; 0 when the database answers.
    failures: u32,
}

impl Outage {
    pub fn new(what: &'static str) -> Outage {
        Outage { what, failures: 0 }
    }

    /// Whether the last tick found the database unreachable.
    pub fn is_down(&self) -> bool {
        self.failures > 0
    }

    /// The tick failed with `e`. True when it was the database being unreachable,
    /// which this logs once per outage; false for any other error, which is the
    /// caller's to log.
    pub fn failed(&mut self, e: &StoreError) -> bool {
        if !e.is_unreachable() {
            return false;
        }
        if self.failures == 0 {
            tracing::warn!(task = self.what, error = %e, "the database is unreachable; pausing until it answers");
        }
        self.failures = self.failures.saturating_add(1);
        true
    }

    /// The tick reached the database: log the end of an outage.
    pub fn answered(&mut self) {
        if self.failures > 0 {
            tracing::info!(
                task = self.what,
                failed_ticks = self.failures,
                "the database answers again; resuming"
            );
            self.failures = 0;
        }
    }

    /// How long to wait before the next try beside the loop's own interval: nothing
    /// while the database answers, then 1 s doubling up to [`MAX_PAUSE`].
    pub fn pause(&self) -> Duration {
        match self.failures {
            0 => Duration::ZERO,
            n => Duration::from_secs(1 << (n - 1).min(8)).min(MAX_PAUSE),
        }
    }

    /// Sleep for [`Self::pause`].
    pub async fn wait(&self) {
        let pause = self.pause();
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn down() -> StoreError {
        StoreError::from(sea_orm::sqlx::Error::PoolTimedOut)
    }

    #[test]
    fn an_outage_backs_off_and_ends_when_the_database_answers() {
        let mut outage = Outage::new("test");
        assert_eq!(outage.pause(), Duration::ZERO);
        let pauses: Vec<u64> = (0..6)
            .map(|_| {
                assert!(outage.failed(&down()));
                outage.pause().as_secs()
            })
            .collect();
        assert_eq!(pauses, [1, 2, 4, 8, 8, 8]);
        assert!(outage.is_down());
        outage.answered();
        assert!(!outage.is_down());
        assert_eq!(outage.pause(), Duration::ZERO);
    }

    #[test]
    fn other_errors_are_not_an_outage() {
        let mut outage = Outage::new("test");
        assert!(!outage.failed(&StoreError::Internal("a bug".into())));
        assert!(!outage.failed(&StoreError::NotFound("ticket".into())));
        assert!(!outage.is_down());
    }
}
