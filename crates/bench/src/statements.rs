//! Counting the statements Docket sends (`--count-statements`): sqlx reports every
//! statement it runs as a `sqlx::query` tracing event with its elapsed time; this
//! subscriber counts them and adds the times up. Turning it on makes sqlx summarise every
//! statement, which costs time of its own: the timings of such a run are not figures.
//! It also keeps the count and time per statement text (shortened), to say which
//! statements a create or a job spends its time on.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata};

const TARGET: &str = "sqlx::query";

#[derive(Debug, Clone, Default)]
pub struct Statements {
    count: Arc<AtomicU64>,
    micros: Arc<AtomicU64>,
    by_text: Arc<Mutex<HashMap<String, Reading>>>,
}

/// Statements run, and the time sqlx measured for them, between two readings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reading {
    pub count: u64,
    pub micros: u64,
}

impl std::ops::Add for Reading {
    type Output = Reading;
    fn add(self, other: Reading) -> Reading {
        Reading {
            count: self.count + other.count,
            micros: self.micros + other.micros,
        }
    }
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

    /// Count and time so far per statement (its text shortened by `short_text`).
    pub fn by_text(&self) -> HashMap<String, Reading> {
        self.by_text.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// What `after` added to `before`, per statement text.
pub fn by_text_since(
    before: &HashMap<String, Reading>,
    after: &HashMap<String, Reading>,
) -> HashMap<String, Reading> {
    after
        .iter()
        .map(|(k, a)| (k.clone(), *a - before.get(k).copied().unwrap_or_default()))
        .filter(|(_, r)| r.count > 0)
        .collect()
}

/// Statements per unit of work (a create, a job), the most time first: how many of each
/// and the time sqlx measured for them.
pub fn print_by_text(what: &str, by_text: &HashMap<String, Reading>, units: u64) {
    let n = units.max(1) as f64;
    println!("\n  statements, {what} (count, sqlx-timed ms):");
    let mut by: Vec<_> = by_text.iter().collect();
    by.sort_by_key(|(_, r)| std::cmp::Reverse(r.micros));
    for (text, reading) in by {
        println!(
            "    {:>5.2} x {:>8.3} ms  {text}",
            reading.count as f64 / n,
            reading.micros as f64 / n / 1000.0
        );
    }
}

/// A statement's text, short enough to read in a table: the verb and table for an
/// INSERT/UPDATE, `SELECT … FROM` and what follows for a SELECT (the column lists are
/// long and say little).
fn short_text(sql: &str) -> String {
    let flat = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = match (flat.starts_with("SELECT "), flat.find(" FROM ")) {
        (true, Some(at)) => format!("SELECT … {}", &flat[at + 1..]),
        _ => flat,
    };
    text.chars().take(90).collect()
}

/// The fields of a sqlx event: a statement's time, summary and text, or a notice's
/// message (`queues::plans` reads the last two).
#[derive(Default)]
pub(crate) struct Fields {
    pub elapsed: f64,
    pub summary: String,
    pub statement: String,
    pub message: String,
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.elapsed = value;
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_string(),
            "db.statement" => self.statement = value.to_string(),
            "message" => self.message = value.to_string(),
            _ => {}
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
        let mut fields = Fields::default();
        event.record(&mut fields);
        let micros = (fields.elapsed * 1e6) as u64;
        self.count.fetch_add(1, Ordering::Relaxed);
        self.micros.fetch_add(micros, Ordering::Relaxed);
        // sqlx sends the whole text only when it is longer than the summary.
        let text = if fields.statement.trim().is_empty() {
            short_text(&fields.summary)
        } else {
            short_text(&fields.statement)
        };
        if let Ok(mut m) = self.by_text.lock() {
            let r = m.entry(text).or_default();
            r.count += 1;
            r.micros += micros;
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
