//! Counting the statements Docket sends (`--count-statements`): sqlx reports every
//! statement it runs as a `sqlx::query` tracing event with its elapsed time; this
//! subscriber counts them and adds the times up. Turning it on makes sqlx summarise every
//! statement, which costs time of its own: the timings of such a run are not figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata};

const TARGET: &str = "sqlx::query";

#[derive(Debug, Clone, Default)]
pub struct Statements {
    count: Arc<AtomicU64>,
    micros: Arc<AtomicU64>,
}

/// Statements run, and the time sqlx measured for them, between two readings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reading {
    pub count: u64,
    pub micros: u64,
}

impl std::ops::Sub for Reading {
    type Output = Reading;
    fn sub(self, other: Reading) -> Reading {
        Reading {
            count: self.count - other.count,
            micros: self.micros - other.micros,
        }
    }
}

impl Statements {
    /// Install the counter as the process's subscriber.
    pub fn install() -> anyhow::Result<Statements> {
        let s = Statements::default();
        tracing::subscriber::set_global_default(s.clone())?;
        Ok(s)
    }

    pub fn read(&self) -> Reading {
        Reading {
            count: self.count.load(Ordering::Relaxed),
            micros: self.micros.load(Ordering::Relaxed),
        }
    }
}

struct Elapsed(f64);

impl Visit for Elapsed {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.0 = value;
        }
    }

    fn record_debug(&mut self, _: &Field, _: &dyn std::fmt::Debug) {}
}

impl tracing::Subscriber for Statements {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == TARGET
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        if event.metadata().target() != TARGET {
            return;
        }
        let mut elapsed = Elapsed(0.0);
        event.record(&mut elapsed);
        self.count.fetch_add(1, Ordering::Relaxed);
        self.micros
            .fetch_add((elapsed.0 * 1e6) as u64, Ordering::Relaxed);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
