//! `--explain` for the queue shapes: the plan of the SQL the server really runs for
//! each, with its real parameters, not a copy rebuilt by hand (list.rs is changing under
//! the benchmark).
//!
//! - PostgreSQL: a second in-process server on a store whose connections load
//!   `auto_explain` (`session_preload_libraries`, set in the URL's options) with
//!   `log_min_duration = 0`, `log_analyze` and `log_buffers`, logging at NOTICE level:
//!   PostgreSQL sends each statement's `EXPLAIN (ANALYZE, BUFFERS)` to the client as a
//!   notice, and sqlx reports notices as tracing events (`sqlx::postgres::notice`), which
//!   `Capture` keeps.
//! - SQLite: the connection's own trace (`sqlite_trace.rs`) keeps each statement with its
//!   parameters written in, and the bench asks `EXPLAIN QUERY PLAN` for the list's.
//!
//! The first variant of each class is explained, every variant of the word shapes.
//! Capturing is off except around the one request explained, so the timed runs pay
//! nothing for it (the subscriber answers "sometimes" for sqlx's notice call site and
//! checks a flag per event; the SQLite trace is set and removed around the request).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use docket_store::Store;
use sea_orm::DbBackend;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata};

use super::shapes::Shape;
use super::sqlite_trace;
use crate::sql::{self, HandQuery};
use crate::statements::Fields;

const NOTICE: &str = "sqlx::postgres::notice";
/// What the list statement of `list.rs` starts its FROM with.
const LIST_FROM: &str = "FROM \"tickets\" AS \"t\"";

/// PostgreSQL's notices, kept while capturing.
#[derive(Clone, Default)]
pub struct Capture {
    on: Arc<AtomicBool>,
    kept: Arc<Mutex<Vec<String>>>,
}

impl Capture {
    /// Install as the process's subscriber (once, before any statement runs).
    pub fn install() -> anyhow::Result<Capture> {
        let c = Capture::default();
        tracing::subscriber::set_global_default(c.clone())?;
        Ok(c)
    }

    fn start(&self) {
        self.kept.lock().map(|mut k| k.clear()).ok();
        self.on.store(true, Ordering::SeqCst);
    }

    fn stop(&self) -> Vec<String> {
        self.on.store(false, Ordering::SeqCst);
        self.kept
            .lock()
            .map(|mut k| std::mem::take(&mut *k))
            .unwrap_or_default()
    }
}

impl tracing::Subscriber for Capture {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if metadata.target() == NOTICE {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.on.load(Ordering::Relaxed) && metadata.target() == NOTICE
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        if let Ok(mut kept) = self.kept.lock() {
            kept.push(fields.message);
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// The URL options that make every connection explain its statements to the client.
fn auto_explain_url(url: &str) -> String {
    let options = [
        ("session_preload_libraries", "auto_explain"),
        ("auto_explain.log_min_duration", "0"),
        ("auto_explain.log_analyze", "on"),
        ("auto_explain.log_buffers", "on"),
        ("auto_explain.log_level", "notice"),
        ("client_min_messages", "notice"),
    ]
    .iter()
    .map(|(k, v)| format!("options[{k}]={v}"))
    .collect::<Vec<_>>()
    .join("&");
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{options}")
}

/// One request per shape and class (the first variant of each; every variant where
/// `explain_all`), and the plan of the list statement it ran.
pub async fn print(
    capture: &Capture,
    backend: DbBackend,
    url: &str,
    schema: Option<&str>,
    store: &Store,
    viewer_token: &str,
    shapes: &[Shape],
) -> anyhow::Result<()> {
    // PostgreSQL: a server of its own whose statements come back explained.
    let explaining = if backend == DbBackend::Postgres {
        let s = Store::connect(&auto_explain_url(url), schema).await?;
        s.migrate().await?;
        Some(s)
    } else {
        None
    };
    let (base, stop, server) = crate::spawn_server(explaining.as_ref().unwrap_or(store)).await?;
    let client = crate::client_with_token(viewer_token)?;
    println!(
        "\n  plans of the shapes' list statements ({}):",
        if backend == DbBackend::Postgres {
            "PostgreSQL: auto_explain's EXPLAIN (ANALYZE, BUFFERS) of the statement the server ran, with its parameters"
        } else {
            "SQLite: EXPLAIN QUERY PLAN of the statement the server ran, its parameters written in by sqlite3_expanded_sql"
        }
    );
    let db = store.connection();
    let reads = store.read_connection();
    for shape in shapes {
        let mut seen: Vec<&str> = Vec::new();
        for v in &shape.variants {
            if seen.contains(&v.class) && !shape.explain_all {
                continue;
            }
            seen.push(v.class);
            let url = format!("{base}/tickets?{}", v.query);
            let pg = backend == DbBackend::Postgres;
            if pg {
                capture.start();
            } else {
                sqlite_trace::start(reads).await?;
            }
            let result = super::shapes::get(&client, &url).await;
            let kept = if pg {
                capture.stop()
            } else {
                let traced = sqlite_trace::stop(reads).await?;
                // Every statement of the request with SQLite's own run time, so that the
                // request's time can be told apart from its statements'.
                println!("  statements, {} ({}):", shape.name, v.query);
                for t in &traced {
                    let text: String = t.sql.chars().take(110).collect();
                    println!("    {:>9.3} ms  {text}", t.run.as_secs_f64() * 1e3);
                }
                traced.into_iter().map(|t| t.sql).collect()
            };
            result?;
            println!("  plan, {} ({}):", shape.name, v.query);
            let list = kept.into_iter().find(|s| s.contains(LIST_FROM));
            let plan = match (pg, list) {
                (_, None) => "(no list statement seen)".to_string(),
                (true, Some(notice)) => notice,
                (false, Some(text)) => {
                    let q = HandQuery {
                        sql: text.clone(),
                        values: vec![],
                    };
                    format!("{text}\n{}", sql::explain(db, &q).await?)
                }
            };
            for line in plan.lines() {
                println!("    {}", line.trim_end());
            }
        }
    }
    let _ = stop.send(());
    let _ = server.await;
    if let Some(s) = explaining {
        s.close().await;
    }
    Ok(())
}
