//! docket-bench: how fast Docket creates and lists tickets, next to the limits.
//!
//! For each backend it makes a database of its own, applies the shipped ticket types,
//! starts the real server in-process, and measures:
//!
//! - ticket creates per second through `POST /api/v1/tickets` at concurrency 1 and 32,
//!   next to raw SQL inserts of the same rows (the `tickets` row and the `ext_<slug>` row,
//!   one transaction each) on the same database: the ratio is what the API costs;
//! - p50/p99 of a filtered, sorted list on an indexed extension field, through HTTP and
//!   through `Store::list_tickets`, next to the same query on the same data stored as one
//!   JSON column per ticket.
//!
//! With `--sweep` it measures the SLA escalation sweep instead, on a database of open
//! tickets with their clocks and escalation jobs (see `sweep.rs`).
//!
//! With `--burst` it measures many creates at once instead: one type and every type at
//! concurrency 32 through the API, next to raw SQL of the same rows (see `burst.rs`).
//!
//! With `--queues` it measures an agent's queues on a desk of a million tickets instead:
//! six list shapes through HTTP, typed columns next to JSON layouts, and with `--memory`
//! the server binary's memory idle and under 500 clients (see `queues.rs`).
//!
//! It prints figures only; docs/benchmarks.md says how to read them.

mod burst;
mod list;
mod payload;
mod queues;
mod report;
mod scratch;
mod sql;
mod statements;
mod sweep;

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use clap::{Parser, ValueEnum};
use docket_core::typedef::CompiledType;
use docket_store::list::Target;
use docket_store::{Backend, Filter, FilterOp, ListQuery, NewTicket, SortKey, Store, StoreError};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::Value;

use crate::list::{JSON, TYPED, list_bench};
use crate::payload::Row;
use crate::report::{print_latencies, print_report, print_summary, summary_table};
use crate::scratch::{cleanup_leftovers, each_backend, with_scratch};

const CONCURRENCY: [usize; 2] = [1, 32];
const LIST_TYPE: &str = "it_support";
const LIST_FILTER_FIELD: &str = "category";
const LIST_FILTER_VALUE: &str = "hardware";
const LIST_SORT_FIELD: &str = "affected_users";
const LIST_LIMIT: u64 = 25;
const WARMUP_QUERIES: usize = 10;
/// Creates per turn when the three create paths take turns.
const CREATE_SLICE: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    Sqlite,
    Postgres,
    Both,
}

/// Measure Docket's ticket creates and lists on SQLite and PostgreSQL, next to raw SQL
/// and to a JSON-column layout. Prints figures; see docs/benchmarks.md.
#[derive(Debug, Parser)]
#[command(name = "docket-bench", version)]
struct Args {
    /// Which database(s) to measure.
    #[arg(long, value_enum, default_value_t = BackendArg::Both)]
    backend: BackendArg,
    /// Tickets in the database for the list benchmark (at most 1,000,000). The timed
    /// create runs make 6 x --http-tickets of them; bulk SQL inserts the rest.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    tickets: u64,
    /// Tickets created through the API per concurrency level (and as many through the
    /// store, and as many by raw SQL).
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(1..))]
    http_tickets: u64,
    /// Timed runs of each list query.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..))]
    queries: u64,
    /// The PostgreSQL server; the bench works in a schema of its own and drops it.
    #[arg(
        long,
        env = "DOCKET_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    postgres_url: String,
    /// The ticket types to apply (default: ./ticket-types, else the repository's).
    #[arg(long)]
    types_dir: Option<PathBuf>,
    /// Also print the database's plans for the list queries.
    #[arg(long)]
    explain: bool,
    /// Keep the scratch databases (and print where they are) instead of dropping them.
    #[arg(long)]
    keep: bool,
    /// Measure the SLA escalation sweep instead of creates and lists.
    #[arg(long)]
    sweep: bool,
    /// Open tickets for the sweep benchmark (each with a first-response and a resolution
    /// clock and job).
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(2..=5_000_000))]
    sweep_tickets: u64,
    /// Percent of the open tickets whose first-response job is due (half past the
    /// warning, half past the breach); the rest are due later.
    #[arg(long, default_value_t = 1.0, value_parser = due_percent)]
    due_percent: f64,
    /// Jobs a sweep claims at a time (`docket serve` claims 100).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    sweep_batch: u64,
    /// Timed sweeps with nothing due, before and after the backlog.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..))]
    idle_sweeps: u64,
    /// Instances working through the backlog at once (each a connection pool of its own).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=16))]
    sweepers: u64,
    /// Measure the burst instead: creates at once through the API, of one type and of
    /// every type, next to raw SQL of the same rows (see burst.rs).
    #[arg(long)]
    burst: bool,
    /// Creates per path in the burst.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..=200_000))]
    burst_creates: u64,
    /// Seconds per path at most in the burst (the run stops when they are used up).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    burst_seconds: u64,
    /// Creates in flight at once in the burst.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=256))]
    concurrency: u64,
    /// Distinct requesters the burst's tickets come from.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    requesters: u64,
    /// In the burst, also run variants that each leave one part of a create out.
    #[arg(long)]
    diagnose: bool,
    /// Also count the statements the sweeps send (and the time the database took for
    /// them). Slows every statement down: the timings of such a run are not figures.
    #[arg(long)]
    count_statements: bool,
    /// Measure an agent's queues on a desk of --queue-tickets tickets instead (see
    /// queues.rs): six list shapes through HTTP, typed columns next to JSON layouts.
    #[arg(long)]
    queues: bool,
    /// Tickets on the desk of --queues.
    #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(10_000..=5_000_000))]
    queue_tickets: u64,
    /// With --queues: also start the server binary on the desk and read its memory, idle
    /// and under --stream-clients + --list-clients clients.
    #[arg(long)]
    memory: bool,
    /// The server binary for --memory (default: target/release/docket next to this
    /// program, else ./target/release/docket).
    #[arg(long)]
    docket_bin: Option<PathBuf>,
    /// Clients holding `GET /api/v1/stream` open during the --memory load.
    #[arg(long, default_value_t = 400, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    stream_clients: u64,
    /// Clients looping the list queries during the --memory load.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    list_clients: u64,
    /// With --queues: time a desk a run with --keep left instead of seeding one: the
    /// SQLite URL it printed, or its PostgreSQL schema (in --postgres-url).
    #[arg(long, value_name = "URL_OR_SCHEMA")]
    reuse: Option<String>,
    /// Seconds of --memory load.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    memory_seconds: u64,
}

fn due_percent(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if (0.0..=50.0).contains(&v) {
        Ok(v)
    } else {
        Err("between 0 and 50".into())
    }
}

#[derive(Debug, Clone)]
struct Rate {
    count: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
    /// Calls that failed and were retried (their time is in the figures).
    retries: usize,
}

impl Rate {
    fn merge(mut self, other: Rate) -> Rate {
        self.count += other.count;
        self.elapsed += other.elapsed;
        self.latencies.extend(other.latencies);
        self
    }

    fn with_retries(mut self, f: &Failures) -> Rate {
        self.retries = f.count.load(Ordering::Relaxed);
        self
    }

    fn per_second(&self) -> f64 {
        self.count as f64 / self.elapsed.as_secs_f64()
    }
}

#[derive(Debug, Clone)]
struct Latency {
    name: &'static str,
    samples: Vec<Duration>,
}

struct Report {
    backend: &'static str,
    version: String,
    tickets: i64,
    matching: i64,
    per_run: u64,
    seeded: u64,
    seed_time: Duration,
    json_copy_time: Duration,
    api: Vec<(usize, Rate)>,
    direct: Vec<(usize, Rate)>,
    raw: Vec<(usize, Rate)>,
    lists: Vec<Latency>,
}

impl Report {
    fn list(&self, name: &str) -> &Latency {
        self.lists
            .iter()
            .find(|l| l.name == name)
            .expect("every list is measured")
    }
}

/// Failed attempts that were retried, and the first one's message.
#[derive(Clone, Default)]
struct Failures {
    count: Arc<AtomicUsize>,
    first: Arc<std::sync::Mutex<Option<String>>>,
}

/// A store create as the API makes it, retried (up to three times) on anything but
/// invalid input, each failure recorded.
async fn store_create(
    store: &Store,
    failures: &Failures,
    new: NewTicket,
) -> anyhow::Result<docket_store::Ticket> {
    for attempt in 1..=3 {
        match store.create_ticket(new.clone()).await {
            Ok((ticket, _)) => return Ok(ticket),
            Err(e) if attempt < 3 && !matches!(e, StoreError::Invalid(_)) => {
                failures.record(e.to_string())
            }
            Err(e) => return Err(e.into()),
        }
    }
    unreachable!("the last attempt returns")
}

/// `POST /api/v1/tickets` as a careful client sends it: a 5xx is retried (up to three
/// times, with the same Idempotency-Key when there is one) and recorded, so the figures
/// say how often it happened.
async fn api_create(
    client: &reqwest::Client,
    url: &str,
    body: &str,
    key: Option<&str>,
    failures: &Failures,
) -> anyhow::Result<()> {
    for attempt in 1..=3 {
        let mut req = client
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        let resp = req.send().await?;
        let status = resp.status();
        let bytes = resp.bytes().await?;
        if status.as_u16() == 201 {
            return Ok(());
        }
        let text = format!("{status}: {}", String::from_utf8_lossy(&bytes));
        if !status.is_server_error() || attempt == 3 {
            bail!("create answered {text}");
        }
        failures.record(text);
    }
    unreachable!("the last attempt returns")
}

impl Failures {
    fn record(&self, message: String) {
        self.count.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut first) = self.first.lock() {
            first.get_or_insert(message);
        }
    }
}

fn print_rate(what: &str, c: usize, r: &Rate, failures: &Failures) {
    println!(
        "  {what}, concurrency {c}: {} ({} in {:.1} s; p50 {}, p99 {})",
        rate(r.per_second()),
        r.count,
        r.elapsed.as_secs_f64(),
        ms(percentile(&r.latencies, 50.0)),
        ms(percentile(&r.latencies, 99.0))
    );
    if r.retries > 0 {
        let first = failures.first.lock().ok().and_then(|f| f.clone());
        println!(
            "    {} attempt(s) failed and were retried; the first failure: {}",
            r.retries,
            first.unwrap_or_default()
        );
    }
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut s = samples.to_vec();
    s.sort();
    let rank = ((p / 100.0) * s.len() as f64).ceil() as usize;
    s[rank.clamp(1, s.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn rate(r: f64) -> String {
    format!("{r:.0}/s")
}

fn types_dir(arg: Option<PathBuf>) -> PathBuf {
    arg.unwrap_or_else(|| {
        let here = PathBuf::from("ticket-types");
        if here.is_dir() {
            here
        } else {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ticket-types")
        }
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let backends: Vec<Backend> = match args.backend {
        BackendArg::Sqlite => vec![Backend::Sqlite],
        BackendArg::Postgres => vec![Backend::Postgres],
        BackendArg::Both => vec![Backend::Sqlite, Backend::Postgres],
    };
    let dir = types_dir(args.types_dir.clone());
    if args.sweep {
        return sweep_main(&args, &backends, &dir).await;
    }
    if args.burst {
        return burst_main(&args, &backends, &dir).await;
    }
    if args.queues {
        return queues_main(&args, &backends, &dir).await;
    }
    let mut per_run = args.http_tickets;
    if 6 * per_run > args.tickets {
        per_run = (args.tickets / 6).max(1);
        println!(
            "note: --http-tickets lowered to {per_run}: the six create runs must fit in --tickets {}",
            args.tickets
        );
    }
    println!(
        "docket-bench: {} tickets; {per_run} created through the API per concurrency level \
         (creating all of them one by one over HTTP would take too long: bulk SQL seeds the rest); \
         {} timed runs per list query; {} CPU(s)",
        args.tickets,
        args.queries,
        cpus()
    );
    let mut reports = Vec::new();
    for backend in backends {
        let report = tokio::select! {
            r = run_backend(backend, &args, per_run, &dir) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
        };
        // Cleanup of the database happens inside run_backend on every path but Ctrl-C;
        // after Ctrl-C, drop what is left.
        match report {
            Ok(r) => {
                print_report(&r);
                reports.push(r);
            }
            Err(e) => {
                cleanup_leftovers(&args).await;
                return Err(e.context(format!("{backend:?}")));
            }
        }
    }
    if reports.len() > 1 {
        print_summary(&reports);
    }
    Ok(())
}

fn cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn label(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    }
}

async fn burst_main(
    args: &Args,
    backends: &[Backend],
    types_dir: &std::path::Path,
) -> anyhow::Result<()> {
    let burst_args = burst::BurstArgs {
        creates: args.burst_creates as usize,
        seconds: args.burst_seconds,
        concurrency: args.concurrency as usize,
        requesters: args.requesters as usize,
        diagnose: args.diagnose,
        statements: if args.count_statements {
            Some(statements::Statements::install()?)
        } else {
            None
        },
    };
    burst::check_args(&burst_args)?;
    println!(
        "docket-bench --burst: {} creates per path at concurrency {}, {} requesters{}; {} CPU(s)",
        burst_args.creates,
        burst_args.concurrency,
        burst_args.requesters,
        if args.count_statements {
            " (statements counted: the timings of this run are not figures)"
        } else {
            ""
        },
        cpus()
    );
    let reports = each_backend(args, backends, |backend, url, schema| {
        let burst_args = burst_args.clone();
        async move {
            burst::measure_burst(
                label(backend),
                &url,
                schema.as_deref(),
                &burst_args,
                types_dir,
            )
            .await
        }
    })
    .await?;
    if reports.len() > 1 {
        burst::print_burst_summary(&reports);
    }
    Ok(())
}

async fn queues_main(
    args: &Args,
    backends: &[Backend],
    types_dir: &std::path::Path,
) -> anyhow::Result<()> {
    let queue_args = queues::QueueArgs {
        tickets: args.queue_tickets,
        queries: args.queries as usize,
        explain: args.explain,
        memory: args.memory.then(|| queues::MemoryArgs {
            docket_bin: args.docket_bin.clone(),
            stream_clients: args.stream_clients as usize,
            list_clients: args.list_clients as usize,
            seconds: args.memory_seconds,
            types_dir: types_dir.to_path_buf(),
        }),
        keep: args.keep,
        reuse: args.reuse.is_some(),
        capture: if args.explain {
            Some(queues::plans::Capture::install()?)
        } else {
            None
        },
    };
    println!(
        "docket-bench --queues: {} tickets; {} timed runs per list shape; {} CPU(s)",
        args.queue_tickets,
        args.queries,
        cpus()
    );
    if let Some(kept) = &args.reuse {
        let (backend, url, schema) = match Backend::of_url(kept) {
            Some(Backend::Sqlite) => (Backend::Sqlite, kept.clone(), None),
            _ => (
                Backend::Postgres,
                args.postgres_url.clone(),
                Some(kept.clone()),
            ),
        };
        let report =
            queues::measure_queues(backend, &url, schema.as_deref(), &queue_args, types_dir)
                .await?;
        queues::print_summary(&[report]);
        return Ok(());
    }
    let reports = each_backend(args, backends, |backend, url, schema| {
        let queue_args = queue_args.clone();
        async move {
            queues::measure_queues(backend, &url, schema.as_deref(), &queue_args, types_dir).await
        }
    })
    .await?;
    queues::print_summary(&reports);
    Ok(())
}

async fn sweep_main(
    args: &Args,
    backends: &[Backend],
    types_dir: &std::path::Path,
) -> anyhow::Result<()> {
    let sweep_args = sweep::SweepArgs {
        tickets: args.sweep_tickets,
        due_percent: args.due_percent,
        batch: args.sweep_batch,
        idle_sweeps: args.idle_sweeps,
        sweepers: args.sweepers,
        explain: args.explain,
        statements: if args.count_statements {
            Some(statements::Statements::install()?)
        } else {
            None
        },
    };
    println!(
        "docket-bench --sweep: {} open tickets, {}% of them due; batch {}, {} sweeper(s); {} CPU(s)",
        args.sweep_tickets,
        args.due_percent,
        args.sweep_batch,
        args.sweepers,
        cpus()
    );
    let reports = each_backend(args, backends, |backend, url, schema| {
        let sweep_args = sweep_args.clone();
        async move {
            sweep::measure_sweep(
                label(backend),
                &url,
                schema.as_deref(),
                &sweep_args,
                types_dir,
            )
            .await
        }
    })
    .await?;
    sweep::print_sweep_reports(&reports);
    Ok(())
}

async fn run_backend(
    backend: Backend,
    args: &Args,
    per_run: u64,
    types_dir: &std::path::Path,
) -> anyhow::Result<Report> {
    with_scratch(backend, args, |url, schema| async move {
        measure(backend, &url, schema.as_deref(), args, per_run, types_dir).await
    })
    .await
}

async fn measure(
    backend: Backend,
    url: &str,
    schema: Option<&str>,
    args: &Args,
    per_run: u64,
    types_dir: &std::path::Path,
) -> anyhow::Result<Report> {
    let label = label(backend);
    println!("\n== {label} ==");
    let store = Store::connect(url, schema).await?;
    let types = prepare(&store, types_dir).await?;
    let db = store.connection().clone();
    let version = server_version(&db).await.unwrap_or_default();
    if !types.contains_key(LIST_TYPE) {
        bail!("the list benchmark needs the shipped type `{LIST_TYPE}`");
    }
    let types = Arc::new(types);
    let mut slugs: Vec<String> = types.keys().cloned().collect();
    slugs.sort();

    // The rows of the timed runs: cycling over the types, checked valid up front.
    let n_rows = 2 * per_run as usize;
    let rows: Vec<Row> = (0..n_rows)
        .map(|i| payload::row(&types[&slugs[i % slugs.len()]], i as u64))
        .collect();
    for (i, r) in rows.iter().enumerate() {
        let ty = &types[&r.type_slug];
        let errors = ty.validate(&ty.with_defaults(&Value::Object(r.fields.clone())), "");
        if !errors.is_empty() {
            bail!(
                "generated row {i} of {} is invalid: {errors:?}",
                r.type_slug
            );
        }
    }
    let rows = Arc::new(rows);

    let Api {
        base,
        client,
        stop,
        server,
    } = start_api(&store).await?;

    // The three create paths take turns on slices of their rows (same rows for all
    // three), so that whatever else slows the machine down for a while slows all three.
    let mut api = Vec::new();
    let mut direct = Vec::new();
    let mut raw = Vec::new();
    for (run, &c) in CONCURRENCY.iter().enumerate() {
        let offset = run * per_run as usize;
        let rounds = (per_run as usize / CREATE_SLICE).clamp(1, 10);
        let mut totals: [Option<Rate>; 3] = Default::default();
        let failures: [Failures; 3] = Default::default();
        for round in 0..rounds {
            let lo = offset + per_run as usize * round / rounds;
            let hi = offset + per_run as usize * (round + 1) / rounds;
            for (path, total) in totals.iter_mut().enumerate() {
                let ctx = CreateContext {
                    client: client.clone(),
                    url: format!("{base}/tickets"),
                    store: store.clone(),
                    types: types.clone(),
                    rows: rows.clone(),
                    failures: failures[path].clone(),
                };
                let r = run_concurrent(hi - lo, c, move |i| {
                    let ctx = ctx.clone();
                    async move {
                        match path {
                            0 => ctx.api_create(lo + i).await,
                            1 => ctx.store_create(lo + i).await,
                            _ => ctx.raw_create(lo + i).await,
                        }
                    }
                })
                .await?;
                *total = Some(match total.take() {
                    Some(t) => t.merge(r),
                    None => r,
                });
            }
        }
        let [a, d, w] = totals.map(|t| t.expect("at least one round"));
        let [fa, fd, fw] = &failures;
        let (a, d, w) = (a.with_retries(fa), d.with_retries(fd), w.with_retries(fw));
        print_rate("API creates (HTTP)", c, &a, fa);
        print_rate("Store::create_ticket + get_ticket", c, &d, fd);
        print_rate("raw SQL inserts", c, &w, fw);
        api.push((c, a));
        direct.push((c, d));
        raw.push((c, w));
    }

    // Seed the rest (bulk SQL, not an API figure).
    let created = 6 * per_run;
    let seeded = args.tickets.saturating_sub(created);
    let t = Instant::now();
    let step = (seeded / 10).max(1);
    let mut next_report = step;
    sql::seed(&db, &types, seeded, 2_000, |done| {
        if done >= next_report && done < seeded {
            println!("  seeding: {done}/{seeded}");
            next_report += step;
        }
    })
    .await?;
    let seed_time = t.elapsed();
    println!(
        "  seeded {seeded} tickets by bulk SQL in {:.1} s (2,000 per transaction; not an API figure)",
        seed_time.as_secs_f64()
    );

    let t = Instant::now();
    sql::build_json_table(&db, &types, LIST_FILTER_FIELD).await?;
    sql::analyze(&db).await?;
    let json_copy_time = t.elapsed();
    println!(
        "  copied every ticket's fields into bench_json_tickets (one JSON document each) and analyzed in {:.1} s",
        json_copy_time.as_secs_f64()
    );
    let (total, matching) =
        sql::count_matching(&db, LIST_TYPE, LIST_FILTER_FIELD, LIST_FILTER_VALUE).await?;

    let lists = list_bench(
        &store,
        &client,
        &base,
        &types,
        args.queries as usize,
        matching,
    )
    .await?;
    if args.explain {
        let backend = db.get_database_backend();
        let args = (
            backend,
            LIST_TYPE,
            LIST_FILTER_FIELD,
            LIST_FILTER_VALUE,
            LIST_SORT_FIELD,
            LIST_LIMIT,
        );
        for (name, q) in [
            (
                "Store::list_tickets' query (rebuilt by hand)",
                sql::docket_query(args.0, args.1, args.2, args.3, args.4, args.5),
            ),
            (
                TYPED,
                sql::typed_query(args.0, args.1, args.2, args.3, args.4, args.5),
            ),
            (
                JSON,
                sql::json_query(args.0, args.1, args.2, args.3, args.4, args.5),
            ),
        ] {
            println!("  plan, {name}:\n{}", sql::explain(&db, &q).await?);
        }
    }

    Api {
        base,
        client,
        stop,
        server,
    }
    .stop()
    .await;
    store.close().await;
    Ok(Report {
        backend: label,
        version,
        tickets: total,
        matching,
        per_run,
        seeded,
        seed_time,
        json_copy_time,
        api,
        direct,
        raw,
        lists,
    })
}

/// Migrate, apply the type files (`typefiles::load` + `apply_safe`, as `docket serve`
/// does), and return the compiled types by slug.
async fn prepare(
    store: &Store,
    types_dir: &std::path::Path,
) -> anyhow::Result<HashMap<String, Arc<CompiledType>>> {
    store.migrate().await?;
    let files = docket_server::typefiles::load(&[types_dir.to_path_buf()])
        .map_err(|e| anyhow!("type files: {}", e.join("\n")))?;
    docket_server::typefiles::apply_safe(store, &files)
        .await
        .map_err(|e| anyhow!("applying the types: {e}"))?;
    Ok(store
        .registry()
        .all()
        .iter()
        .map(|t| (t.stored.slug.clone(), t.compiled.clone()))
        .collect())
}

/// The real server, in-process on a free port, and a client that calls it as an admin
/// with an API token, as an integration would.
struct Api {
    base: String,
    client: reqwest::Client,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// The real server on `store`, in-process on a free port: its API's base URL, the
/// sender that stops it and its task.
type Served = (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
);

async fn spawn_server(store: &Store) -> anyhow::Result<Served> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = docket_server::api::AppState::new(
        store.clone(),
        docket_store::identity::MasterKey::generate(),
        false,
    );
    let server = tokio::spawn(docket_server::serve(state, listener, async {
        let _ = stopped.await;
    }));
    Ok((format!("http://{addr}/api/v1"), stop, server))
}

/// A client that sends every request with `token`.
fn client_with_token(token: &str) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))?,
    );
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .default_headers(headers)
        .build()?)
}

async fn start_api(store: &Store) -> anyhow::Result<Api> {
    let (base, stop, server) = spawn_server(store).await?;
    let actor = docket_store::identity::Actor::new("docket-bench", None);
    let admin = store
        .create_user(
            docket_store::identity::NewUser {
                email: "bench@example.com".into(),
                display_name: "Bench".into(),
                role: docket_core::access::Role::Admin,
                kind: docket_core::access::UserKind::Service,
                password: None,
                skills: vec![],
                capacity: None,
            },
            &actor,
        )
        .await?;
    let (token, _) = store
        .create_token(
            admin.id,
            "bench",
            &[docket_core::access::Scope::Admin],
            None,
            admin.id,
            &actor,
        )
        .await?;
    Ok(Api {
        base,
        client: client_with_token(&token)?,
        stop,
        server,
    })
}

impl Api {
    async fn stop(self) {
        drop(self.client);
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(5), self.server).await;
    }
}

async fn server_version(db: &DatabaseConnection) -> anyhow::Result<String> {
    let backend = db.get_database_backend();
    let sql = if backend == sea_orm::DbBackend::Postgres {
        "SELECT current_setting('server_version') AS v"
    } else {
        "SELECT sqlite_version() AS v"
    };
    Ok(db
        .query_one_raw(sea_orm::Statement::from_string(backend, sql))
        .await?
        .map(|r| r.try_get::<String>("", "v"))
        .transpose()?
        .unwrap_or_default())
}

/// What a create of each path needs.
#[derive(Clone)]
struct CreateContext {
    client: reqwest::Client,
    url: String,
    store: Store,
    types: Arc<HashMap<String, Arc<CompiledType>>>,
    rows: Arc<Vec<Row>>,
    failures: Failures,
}

impl CreateContext {
    async fn api_create(&self, i: usize) -> anyhow::Result<()> {
        let body = self.rows[i].payload().to_string();
        let key = format!("bench-api-{i}");
        api_create(&self.client, &self.url, &body, Some(&key), &self.failures).await
    }

    /// What the API handler asks of the store, without HTTP, JSON and authentication.
    async fn store_create(&self, i: usize) -> anyhow::Result<()> {
        let new = self.rows[i].new_ticket(&format!("bench-store-{i}"));
        store_create(&self.store, &self.failures, new)
            .await
            .map(|_| ())
    }

    /// The same row by raw SQL: the limit.
    async fn raw_create(&self, i: usize) -> anyhow::Result<()> {
        let row = &self.rows[i];
        sql::raw_create(
            self.store.connection(),
            &self.types[&row.type_slug],
            row,
            i as i64 + 1,
        )
        .await
    }
}

/// Run `f(0..n)` with `concurrency` tasks, each taking the next index; the rate and the
/// latency of every call.
async fn run_concurrent<F, Fut>(n: usize, concurrency: usize, f: F) -> anyhow::Result<Rate>
where
    F: Fn(usize) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let next = next.clone();
        let f = f.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let t = Instant::now();
                f(i).await?;
                latencies.push(t.elapsed());
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Vec::with_capacity(n);
    let mut first_error = None;
    for t in tasks {
        match t.await? {
            Ok(l) => latencies.extend(l),
            Err(e) => {
                // Stop the others from starting new work.
                next.store(n, Ordering::Relaxed);
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    Ok(Rate {
        count: latencies.len(),
        elapsed: start.elapsed(),
        latencies,
        retries: 0,
    })
}
