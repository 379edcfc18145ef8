//! `docket-bench --queues`: an agent's queues on a desk of a million tickets (issue 14).
//!
//! For each backend, on a scratch database: seed a desk that has run for a year
//! (`desk.rs`), copy it into JSON layouts (`layouts.rs`), analyze, then
//!
//! 1. time six list shapes through `GET /api/v1/tickets` as an agent (`shapes.rs`), with
//!    `--explain` the plan of each one's statement as the server ran it (`plans.rs`);
//! 2. time the "ext filter + sort" list on typed columns and on two JSON designs
//!    (`layouts.rs`);
//! 3. with `--memory`, start the server binary on the desk and read its memory, idle and
//!    under 500 clients (`memory.rs`).
//!
//! It prints figures only; docs/benchmarks.md, "Queues at a million tickets", says how
//! to read them.

pub mod desk;
mod draw;
mod layouts;
mod memory;
pub mod plans;
mod shapes;
mod sqlite_trace;

use std::time::{Duration, Instant};

use docket_core::ticket::StatusCategory;
use docket_store::{Backend, Store};

pub use memory::MemoryArgs;

use crate::{LIST_FILTER_FIELD, LIST_FILTER_VALUE, LIST_TYPE, label, ms, percentile, sql};

#[derive(Clone)]
pub struct QueueArgs {
    pub tickets: u64,
    pub queries: usize,
    pub explain: bool,
    pub memory: Option<MemoryArgs>,
    /// --keep: the database stays (with the desk's facts, `desk::save`), and the web
    /// benchmark can list it.
    pub keep: bool,
    /// --reuse: the database is a desk a run with --keep left; time it as it is.
    pub reuse: bool,
    /// Installed when --explain is given (`plans.rs`).
    pub capture: Option<plans::Capture>,
}

pub struct QueueReport {
    backend: &'static str,
    version: String,
    tickets: u64,
    seed_time: Duration,
    prepare_time: Duration,
    database_bytes: Option<i64>,
    shapes: Vec<shapes::ShapeResult>,
    matching: i64,
    layouts: Vec<crate::Latency>,
    memory: Option<memory::MemoryResult>,
}

pub async fn measure_queues(
    backend: Backend,
    url: &str,
    schema: Option<&str>,
    args: &QueueArgs,
    types_dir: &std::path::Path,
) -> anyhow::Result<QueueReport> {
    let name = label(backend);
    println!("\n== {name} ==");
    let store = Store::connect(url, schema).await?;
    let types = crate::prepare(&store, types_dir).await?;
    let db = store.connection().clone();
    let version = crate::server_version(&db).await.unwrap_or_default();

    let desk = if args.reuse {
        desk::load(&db).await?
    } else {
        let desk = desk::seed(&store, &types, args.tickets).await?;
        if args.keep {
            desk::save(&db, &desk).await?;
        }
        desk
    };
    print_desk(&desk);
    let t = Instant::now();
    if !args.reuse {
        layouts::build(&db, &types).await?;
        sql::analyze(&db).await?;
    }
    let prepare_time = t.elapsed();
    let database_bytes = crate::sweep::database_bytes(&db).await;
    println!(
        "  copied every ticket's fields into bench_json_tickets, indexed it and analyzed every table in {:.1} s; database {}",
        prepare_time.as_secs_f64(),
        database_bytes
            .map(|b| format!("{:.0} MB", b as f64 / 1e6))
            .unwrap_or_else(|| "size unknown".into())
    );

    let (base, stop, server) = crate::spawn_server(&store).await?;
    let viewer = crate::client_with_token(&desk.viewer.token)?;
    let mut shapes = shapes::shapes(&desk);
    shapes::check(&viewer, &base, &mut shapes).await?;
    for s in &shapes {
        let rows: Vec<String> = s
            .variants
            .iter()
            .map(|v| format!("{} {}", v.rows, v.query))
            .collect();
        println!("  {}: rows per variant: {}", s.name, rows.join("; "));
    }
    let shape_results = shapes::measure(&viewer, &base, &shapes, args.queries).await?;
    shapes::print(&shape_results);
    if let Some(capture) = &args.capture {
        plans::print(
            capture,
            db.get_database_backend(),
            url,
            schema,
            &store,
            &desk.viewer.token,
            &shapes,
        )
        .await?;
    }
    let _ = stop.send(());
    let _ = server.await;

    let (_, matching) =
        sql::count_matching(&db, LIST_TYPE, LIST_FILTER_FIELD, LIST_FILTER_VALUE).await?;
    let layout_results = layouts::measure(&db, &types, args.queries, args.explain).await?;
    layouts::print(&layout_results, matching);
    store.close().await;

    let memory = match &args.memory {
        Some(m) => Some(memory::measure(m, backend, url, schema, &desk, &shapes).await?),
        None => None,
    };
    if args.keep {
        println!(
            "  the first queue row in a browser, on this desk (web/e2e/bench-queue.mjs signs in as {}):\n    cd web && node e2e/bench-queue.mjs --runs 5 --database-url '{}'",
            desk::VIEWER_EMAIL,
            memory::child_url(url, schema)
        );
    }
    Ok(QueueReport {
        backend: name,
        version,
        tickets: desk.tickets,
        seed_time: desk.seed_time,
        prepare_time,
        database_bytes,
        shapes: shape_results,
        matching,
        layouts: layout_results,
        memory,
    })
}

fn print_desk(desk: &desk::Desk) {
    let total = desk.tickets.max(1) as f64;
    let share =
        |c: StatusCategory| 100.0 * desk.by_category.get(&c).copied().unwrap_or(0) as f64 / total;
    println!(
        "  seeded {} tickets in {:.1} s (bulk SQL, 2,000 per transaction; not an API figure): new {:.1}%, open {:.1}%, pending {:.1}%, solved {:.1}%, closed {:.1}%",
        desk.tickets,
        desk.seed_time.as_secs_f64(),
        share(StatusCategory::New),
        share(StatusCategory::Open),
        share(StatusCategory::Pending),
        share(StatusCategory::Solved),
        share(StatusCategory::Closed),
    );
    let heaviest = desk.requesters.first().map(|r| r.1).unwrap_or(0);
    let median = desk
        .requesters
        .get(desk.requesters.len() / 2)
        .map(|r| r.1)
        .unwrap_or(0);
    let none = desk.requesters.iter().filter(|r| r.1 == 0).count();
    let one_or_two = desk
        .requesters
        .iter()
        .filter(|r| (1..=2).contains(&r.1))
        .count();
    println!(
        "  {} agents in {} teams; {} requesters (tickets each: most {heaviest}, median {median}; {one_or_two} with one or two, {none} with none); the viewer sees {}",
        desk.agents.len(),
        desk.teams.len(),
        desk.requesters.len(),
        desk.viewer_types.join(", ")
    );
    let unassigned: u64 = desk.unassigned_by_team.values().sum();
    let assigned: u64 = desk.open_by_agent.values().sum();
    println!(
        "  open tickets: {assigned} assigned, {unassigned} unassigned ({:.1}%)",
        100.0 * unassigned as f64 / (assigned + unassigned).max(1) as f64
    );
    for (what, words, pick) in [
        (
            "title words (tickets of the viewer's types whose title contains it)",
            &desk.title_words,
            (|w: &desk::Word| w.title_matches) as fn(&desk::Word) -> u64,
        ),
        (
            "full-text words (IT support tickets with it in title or body)",
            &desk.text_words,
            |w: &desk::Word| w.it_text_matches,
        ),
    ] {
        let list: Vec<String> = words
            .iter()
            .map(|w| {
                format!(
                    "{} ({}, {})",
                    w.text,
                    if w.common { "common" } else { "rare" },
                    pick(w)
                )
            })
            .collect();
        println!("  {what}: {}", list.join(", "));
    }
}

/// Every backend's figures side by side.
pub fn print_summary(reports: &[QueueReport]) {
    let line = crate::summary_table(reports, |r| format!("{} {}", r.backend, r.version));
    line("tickets".into(), &|r| r.tickets.to_string());
    line("seeding, s".into(), &|r| {
        format!("{:.0}", r.seed_time.as_secs_f64())
    });
    line("JSON copy + indexes + ANALYZE, s".into(), &|r| {
        format!("{:.0}", r.prepare_time.as_secs_f64())
    });
    line("database, MB".into(), &|r| {
        r.database_bytes
            .map(|b| format!("{:.0}", b as f64 / 1e6))
            .unwrap_or_default()
    });
    let Some(first) = reports.first() else {
        return;
    };
    for (k, shape) in first.shapes.iter().enumerate() {
        line(format!("{}: p50 / p99 / max (rows)", shape.name), &|r| {
            let s = &r.shapes[k];
            let rows = if s.rows.0 == s.rows.1 {
                s.rows.0.to_string()
            } else {
                format!("{}-{}", s.rows.0, s.rows.1)
            };
            format!(
                "{} / {} / {} ({rows})",
                ms(percentile(&s.samples, 50.0)),
                ms(percentile(&s.samples, 99.0)),
                ms(s.samples.iter().max().copied().unwrap_or_default())
            )
        });
        for (c, (class, _)) in shape.by_class.iter().enumerate() {
            line(format!("{}, {class}: p99", shape.name), &|r| {
                ms(percentile(&r.shapes[k].by_class[c].1, 99.0))
            });
        }
    }
    line("ext filter + sort: tickets matching".into(), &|r| {
        r.matching.to_string()
    });
    for (k, layout) in first.layouts.iter().enumerate() {
        line(format!("{}: p50 / p99", layout.name), &|r| {
            let l = &r.layouts[k];
            format!(
                "{} / {}",
                ms(percentile(&l.samples, 50.0)),
                ms(percentile(&l.samples, 99.0))
            )
        });
    }
    if reports.iter().any(|r| r.memory.is_some()) {
        line("memory idle, VmRSS MB".into(), &|r| {
            r.memory
                .as_ref()
                .map(|m| memory::mb(m.idle_rss_kb))
                .unwrap_or_default()
        });
        line("memory under load, peak VmRSS MB (VmHWM)".into(), &|r| {
            r.memory
                .as_ref()
                .map(|m| {
                    format!(
                        "{} ({})",
                        memory::mb(m.peak_rss_kb),
                        memory::mb(m.hwm_after_kb)
                    )
                })
                .unwrap_or_default()
        });
        line(
            "list under load: p50 / p99 (requests, failed)".into(),
            &|r| {
                r.memory
                    .as_ref()
                    .map(|m| {
                        format!(
                            "{} / {} ({}, {})",
                            ms(percentile(&m.list_samples, 50.0)),
                            ms(percentile(&m.list_samples, 99.0)),
                            m.list_samples.len(),
                            m.list_errors
                        )
                    })
                    .unwrap_or_default()
            },
        );
        line("streams open under load".into(), &|r| {
            r.memory
                .as_ref()
                .map(|m| m.streams_open.to_string())
                .unwrap_or_default()
        });
    }
}
