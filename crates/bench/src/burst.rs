//! The burst (`--burst`): many creates at once, as an outage brings them. Creates of one
//! type (`it_support`) at concurrency 32 through `POST /api/v1/tickets`, from a pool of
//! requesters, next to raw SQL inserts of the same two rows per ticket on the same
//! database; the same spread over every type. The paths take turns on slices, so that
//! whatever else slows the machine slows all of them.
//!
//! With `--diagnose`, variants of the one-type API create that each leave one part out
//! (the idempotency key, the requester, HTTP and the read-back, the SLA policy) measure
//! what that part costs under the same load. On PostgreSQL a sampler reads
//! `pg_stat_activity` during each path: what the store's sessions are doing or waiting
//! for (a lock, the WAL, the client). With `--count-statements`, the statements each path
//! sends per create, by statement.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use docket_core::typedef::CompiledType;
use docket_store::Store;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use serde_json::Value;

use crate::payload::{self, Row};
use crate::statements::{self, Reading, Statements};
use crate::{Failures, Rate, ms, percentile, run_concurrent};

/// The type of the one-type burst: the shipped type an outage would bring.
const ONE_TYPE: &str = "it_support";
/// Creates per turn when the paths take turns.
const SLICE: usize = 250;
/// How often the sampler reads `pg_stat_activity`.
const SAMPLE_EVERY: Duration = Duration::from_millis(25);

#[derive(Debug, Clone)]
pub struct BurstArgs {
    /// Creates per path.
    pub creates: usize,
    /// Time per path at most (the run stops at `seconds` x paths, whatever is done).
    pub seconds: u64,
    pub concurrency: usize,
    pub requesters: usize,
    pub diagnose: bool,
    pub statements: Option<Statements>,
}

/// One way of creating tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Path {
    ApiOne,
    RawOne,
    ApiMany,
    RawMany,
    ApiOneNoIdempotency,
    ApiOneNoRequester,
    StoreOne,
    StoreOneReadBack,
    ApiOneSlaOff,
    RawOneSlaOff,
}

impl Path {
    fn name(self) -> &'static str {
        match self {
            Path::ApiOne => "API, one type",
            Path::RawOne => "raw SQL, one type",
            Path::ApiMany => "API, all types",
            Path::RawMany => "raw SQL, all types",
            Path::ApiOneNoIdempotency => "API, one type, no Idempotency-Key",
            Path::ApiOneNoRequester => "API, one type, no requester",
            Path::StoreOne => "Store::create_ticket, one type (no HTTP, no read-back)",
            Path::StoreOneReadBack => "Store::create_ticket + get_ticket, one type",
            Path::ApiOneSlaOff => "API, one type, SLA policy disabled",
            Path::RawOneSlaOff => "raw SQL, one type (SLA-off phase)",
        }
    }

    fn one_type(self) -> bool {
        !matches!(self, Path::ApiMany | Path::RawMany)
    }

    fn raw(self) -> bool {
        matches!(self, Path::RawOne | Path::RawMany | Path::RawOneSlaOff)
    }

    /// The raw path of the same rows and phase: the limit this path is measured against.
    fn limit(self) -> Path {
        match self {
            Path::ApiMany | Path::RawMany => Path::RawMany,
            Path::ApiOneSlaOff | Path::RawOneSlaOff => Path::RawOneSlaOff,
            _ => Path::RawOne,
        }
    }
}

/// What one path did.
struct Outcome {
    path: Path,
    rate: Rate,
    statements: Reading,
    by_text: HashMap<String, Reading>,
    /// pg_stat_activity samples of the store's sessions: what each was doing, and how
    /// many reads were taken.
    waits: HashMap<String, u64>,
    samples: u64,
}

pub struct BurstReport {
    pub backend: &'static str,
    pub version: String,
    outcomes: Vec<Outcome>,
    /// Statements per create counted at all (`--count-statements`).
    counted: bool,
}

impl BurstReport {
    fn get(&self, path: Path) -> Option<&Outcome> {
        self.outcomes.iter().find(|o| o.path == path)
    }

    fn ratio(&self, path: Path) -> Option<f64> {
        let limit = self.get(path.limit())?.rate.per_second();
        Some(self.get(path)?.rate.per_second() / limit)
    }
}

/// Everything a create of any path needs.
#[derive(Clone)]
struct Creator {
    api: String,
    client: reqwest::Client,
    store: Store,
    types: Arc<HashMap<String, Arc<CompiledType>>>,
    failures: Failures,
}

impl Creator {
    async fn create(&self, path: Path, row: &Row, n: usize) -> anyhow::Result<()> {
        match path {
            Path::RawOne | Path::RawMany | Path::RawOneSlaOff => {
                crate::sql::raw_create(
                    self.store.connection(),
                    &self.types[&row.type_slug],
                    row,
                    n as i64,
                )
                .await
            }
            Path::StoreOne | Path::StoreOneReadBack => {
                self.store_create(row, n, path == Path::StoreOneReadBack)
                    .await
            }
            _ => {
                let mut body = row.payload();
                if path == Path::ApiOneNoRequester {
                    body.as_object_mut().map(|o| o.remove("requester"));
                }
                let key = (path != Path::ApiOneNoIdempotency).then(|| format!("burst-{n}"));
                self.api_create(&body.to_string(), key).await
            }
        }
    }

    async fn api_create(&self, body: &str, key: Option<String>) -> anyhow::Result<()> {
        crate::api_create(
            &self.client,
            &self.api,
            body,
            key.as_deref(),
            &self.failures,
        )
        .await
    }

    /// What the handler asks of the store, without HTTP, JSON and authentication (and,
    /// for the diagnosis, the read-back that creates made before they returned the ticket).
    async fn store_create(&self, row: &Row, n: usize, read_back: bool) -> anyhow::Result<()> {
        let new = row.new_ticket(&format!("burst-{n}"));
        let ticket = crate::store_create(&self.store, &self.failures, new).await?;
        if read_back {
            self.store.get_ticket(&ticket.key, true).await?;
        }
        Ok(())
    }
}

/// The rows of a path: its own numbers (idempotency keys, raw keys), requesters taken in
/// turn from the pool.
fn rows_for(
    path_index: usize,
    path: Path,
    args: &BurstArgs,
    types: &HashMap<String, Arc<CompiledType>>,
    slugs: &[String],
) -> anyhow::Result<Vec<(usize, Row)>> {
    let base = (path_index + 1) * 1_000_000;
    (0..args.creates)
        .map(|i| {
            let slug = if path.one_type() {
                ONE_TYPE
            } else {
                slugs[i % slugs.len()].as_str()
            };
            let ty = &types[slug];
            let n = base + i;
            let mut row = payload::row(ty, n as u64);
            row.requester_email = format!("user{}@example.com", 1 + n % args.requesters);
            let errors = ty.validate(&ty.with_defaults(&Value::Object(row.fields.clone())), "");
            if !errors.is_empty() {
                bail!("generated row {n} of {slug} is invalid: {errors:?}");
            }
            Ok((n, row))
        })
        .collect()
}

/// Reads `pg_stat_activity` while a path runs: the state and wait of every session of
/// the store's pool (by pid), with the statement for lock waits.
#[derive(Clone)]
struct Sampler {
    current: Arc<Mutex<Option<Tally>>>,
}

/// What the sampler saw while one slice ran: sessions by what they did, and the reads.
#[derive(Default)]
struct Tally {
    waits: HashMap<String, u64>,
    samples: u64,
}

impl Sampler {
    fn start(db: DatabaseConnection, pids: Vec<i32>) -> (Sampler, tokio::task::JoinHandle<()>) {
        let sampler = Sampler {
            current: Arc::new(Mutex::new(None)),
        };
        let s = sampler.clone();
        let pid_list = pids
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT state || ' ' || COALESCE(wait_event_type || ':' || wait_event, 'running') \
               || CASE WHEN wait_event_type = 'Lock' \
                  THEN ' on ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 60) ELSE '' END AS what, \
               count(*) AS n \
             FROM pg_stat_activity WHERE pid IN ({pid_list}) AND state <> 'idle' GROUP BY 1"
        );
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(SAMPLE_EVERY);
            loop {
                tick.tick().await;
                if s.current.lock().map(|c| c.is_none()).unwrap_or(true) {
                    continue;
                }
                let Ok(rows) = db
                    .query_all_raw(Statement::from_string(DbBackend::Postgres, sql.clone()))
                    .await
                else {
                    continue;
                };
                if let Ok(mut c) = s.current.lock()
                    && let Some(tally) = c.as_mut()
                {
                    tally.samples += 1;
                    for r in rows {
                        if let (Ok(what), Ok(n)) =
                            (r.try_get::<String>("", "what"), r.try_get::<i64>("", "n"))
                        {
                            *tally.waits.entry(what).or_default() += n as u64;
                        }
                    }
                }
            }
        });
        (sampler, task)
    }

    fn begin(&self) {
        if let Ok(mut c) = self.current.lock() {
            *c = Some(Tally::default());
        }
    }

    fn end(&self) -> Tally {
        self.current
            .lock()
            .ok()
            .and_then(|mut c| c.take())
            .unwrap_or_default()
    }
}

/// The pids of the store's PostgreSQL sessions: `concurrency` statements held open at
/// once make the pool open that many connections.
async fn pool_pids(store: &Store, concurrency: usize) -> anyhow::Result<Vec<i32>> {
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let db = store.connection().clone();
        tasks.push(tokio::spawn(async move {
            db.query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT pg_backend_pid() AS pid FROM pg_sleep(0.2)",
            ))
            .await
            .map(|r| r.and_then(|r| r.try_get::<i32>("", "pid").ok()))
        }));
    }
    let mut pids = Vec::new();
    for t in tasks {
        if let Some(pid) = t.await?? {
            pids.push(pid);
        }
    }
    pids.sort();
    pids.dedup();
    Ok(pids)
}

/// Run `paths` taking turns on slices until each has made its creates or the time is up.
#[allow(clippy::too_many_arguments)]
async fn take_turns(
    paths: &[Path],
    rows: &HashMap<Path, Arc<Vec<(usize, Row)>>>,
    creator: &Creator,
    args: &BurstArgs,
    sampler: Option<&Sampler>,
    failures: &HashMap<Path, Failures>,
) -> anyhow::Result<Vec<Outcome>> {
    let deadline = Instant::now() + Duration::from_secs(args.seconds * paths.len() as u64);
    let mut outcomes: Vec<Outcome> = paths
        .iter()
        .map(|&path| Outcome {
            path,
            rate: Rate {
                count: 0,
                elapsed: Duration::ZERO,
                latencies: Vec::new(),
                retries: 0,
            },
            statements: Reading::default(),
            by_text: HashMap::new(),
            waits: HashMap::new(),
            samples: 0,
        })
        .collect();
    loop {
        let mut progressed = false;
        for (&path, out) in paths.iter().zip(outcomes.iter_mut()) {
            let done = out.rate.count;
            if done >= args.creates || Instant::now() >= deadline {
                continue;
            }
            let n = SLICE.min(args.creates - done);
            let path_rows = rows[&path].clone();
            let creator = Creator {
                failures: failures[&path].clone(),
                ..creator.clone()
            };
            let before = args.statements.as_ref().map(|s| (s.read(), s.by_text()));
            if let Some(s) = sampler {
                s.begin();
            }
            let r = run_concurrent(n, args.concurrency, move |i| {
                let creator = creator.clone();
                let path_rows = path_rows.clone();
                async move {
                    let (number, row) = &path_rows[done + i];
                    creator.create(path, row, *number).await
                }
            })
            .await
            .with_context(|| path.name())?;
            if let Some(s) = sampler {
                let tally = s.end();
                for (k, v) in tally.waits {
                    *out.waits.entry(k).or_default() += v;
                }
                out.samples += tally.samples;
            }
            if let (Some(s), Some((count, text))) = (&args.statements, before) {
                out.statements = out.statements + (s.read() - count);
                for (k, v) in statements::by_text_since(&text, &s.by_text()) {
                    let e = out.by_text.entry(k).or_default();
                    *e = *e + v;
                }
            }
            out.rate = std::mem::replace(
                &mut out.rate,
                Rate {
                    count: 0,
                    elapsed: Duration::ZERO,
                    latencies: Vec::new(),
                    retries: 0,
                },
            )
            .merge(r);
            progressed = true;
        }
        if !progressed {
            break;
        }
    }
    for out in &mut outcomes {
        out.rate.retries = failures[&out.path]
            .count
            .load(std::sync::atomic::Ordering::Relaxed);
    }
    Ok(outcomes)
}

/// Turn the shipped default policy off (or on): every create then starts no clock.
async fn set_default_policy(store: &Store, enabled: bool) -> anyhow::Result<()> {
    let mut spec = store.policy("default").await?.spec;
    spec.enabled = enabled;
    store
        .put_policy(
            "default",
            spec,
            &docket_store::identity::Actor::new("docket-bench", None),
        )
        .await?;
    Ok(())
}

pub async fn measure_burst(
    label: &'static str,
    url: &str,
    schema: Option<&str>,
    args: &BurstArgs,
    types_dir: &std::path::Path,
) -> anyhow::Result<BurstReport> {
    println!("\n== {label}: burst ==");
    let store = Store::connect(url, schema).await?;
    let types = crate::prepare(&store, types_dir).await?;
    if !types.contains_key(ONE_TYPE) {
        bail!("the burst needs the shipped type `{ONE_TYPE}`");
    }
    let sla_on = store.policy("default").await?.spec.enabled;
    let db = store.connection().clone();
    let backend = db.get_database_backend();
    let version = crate::server_version(&db).await.unwrap_or_default();
    let types = Arc::new(types);
    let mut slugs: Vec<String> = types.keys().cloned().collect();
    slugs.sort();

    let mut paths = vec![Path::ApiOne, Path::RawOne, Path::ApiMany, Path::RawMany];
    if args.diagnose {
        paths.extend([
            Path::ApiOneNoIdempotency,
            Path::ApiOneNoRequester,
            Path::StoreOne,
            Path::StoreOneReadBack,
        ]);
    }
    let second_phase = [Path::ApiOneSlaOff, Path::RawOneSlaOff];
    let all: Vec<Path> = if args.diagnose && sla_on {
        paths.iter().chain(second_phase.iter()).copied().collect()
    } else {
        paths.clone()
    };
    let mut rows = HashMap::new();
    for (i, &p) in all.iter().enumerate() {
        rows.insert(p, Arc::new(rows_for(i, p, args, &types, &slugs)?));
    }
    let failures: HashMap<Path, Failures> = all.iter().map(|&p| (p, Failures::default())).collect();

    let api = crate::start_api(&store).await?;
    let creator = Creator {
        api: format!("{}/tickets", api.base),
        client: api.client.clone(),
        store: store.clone(),
        types: types.clone(),
        failures: Failures::default(),
    };

    // Untimed: one create per requester (so every requester exists, as on a desk that
    // has seen them before), which also opens the pools' connections.
    let warm_ty = &types[ONE_TYPE];
    let warm: Arc<Vec<Row>> = Arc::new(
        (0..args.requesters)
            .map(|i| {
                let mut row = payload::row(warm_ty, i as u64);
                row.requester_email = format!("user{}@example.com", 1 + i % args.requesters);
                row
            })
            .collect(),
    );
    let t = Instant::now();
    {
        let creator = creator.clone();
        run_concurrent(warm.len(), args.concurrency, move |i| {
            let creator = creator.clone();
            let warm = warm.clone();
            async move {
                creator
                    .api_create(&warm[i].payload().to_string(), Some(format!("warm-{i}")))
                    .await
            }
        })
        .await
        .context("warm-up")?;
    }
    println!(
        "  warm-up: {} API creates, one per requester, in {:.1} s (untimed); SLA policy `default` {}",
        args.requesters,
        t.elapsed().as_secs_f64(),
        if sla_on { "enabled" } else { "disabled" }
    );

    // The sampler only reads PostgreSQL's activity, and not while statements are
    // counted (its own reads would be counted).
    let sampling = backend == DbBackend::Postgres && args.statements.is_none();
    let sampler = if sampling {
        let pids = pool_pids(&store, args.concurrency).await?;
        let conn = Database::connect(url).await?;
        let (s, task) = Sampler::start(conn, pids.clone());
        println!(
            "  sampling pg_stat_activity every {} ms for the store's {} sessions",
            SAMPLE_EVERY.as_millis(),
            pids.len()
        );
        Some((s, task))
    } else {
        None
    };

    let mut outcomes = take_turns(
        &paths,
        &rows,
        &creator,
        args,
        sampler.as_ref().map(|(s, _)| s),
        &failures,
    )
    .await?;
    if args.diagnose && sla_on {
        set_default_policy(&store, false).await?;
        outcomes.extend(
            take_turns(
                &second_phase,
                &rows,
                &creator,
                args,
                sampler.as_ref().map(|(s, _)| s),
                &failures,
            )
            .await?,
        );
        set_default_policy(&store, true).await?;
    }
    if let Some((_, task)) = sampler {
        task.abort();
    }
    api.stop().await;
    store.close().await;
    let report = BurstReport {
        backend: label,
        version,
        outcomes,
        counted: args.statements.is_some(),
    };
    print_burst(&report, args);
    Ok(report)
}

fn print_burst(r: &BurstReport, args: &BurstArgs) {
    println!(
        "\n{} {}: concurrency {}, {} requesters, up to {} creates per path (at most {} s each)",
        r.backend, r.version, args.concurrency, args.requesters, args.creates, args.seconds
    );
    println!("| path | creates | creates/s | / raw SQL | p50 | p95 | p99 | retried |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for o in &r.outcomes {
        let l = &o.rate.latencies;
        println!(
            "| {} | {} | {:.0} | {} | {} | {} | {} | {} |",
            o.path.name(),
            o.rate.count,
            o.rate.per_second(),
            if o.path.raw() {
                "-".into()
            } else {
                r.ratio(o.path)
                    .map(|x| format!("{x:.2}"))
                    .unwrap_or_else(|| "-".into())
            },
            ms(percentile(l, 50.0)),
            ms(percentile(l, 95.0)),
            ms(percentile(l, 99.0)),
            o.rate.retries
        );
    }
    if r.counted {
        println!("\n| path | statements per create | sqlx-timed ms per create |");
        println!("|---|---:|---:|");
        for o in &r.outcomes {
            let n = o.rate.count.max(1) as f64;
            println!(
                "| {} | {:.1} | {:.2} |",
                o.path.name(),
                o.statements.count as f64 / n,
                o.statements.micros as f64 / n / 1000.0
            );
        }
        for o in &r.outcomes {
            statements::print_by_text(
                &format!("per create, {}", o.path.name()),
                &o.by_text,
                o.rate.count as u64,
            );
        }
    }
    for o in r.outcomes.iter().filter(|o| o.samples > 0) {
        let total: u64 = o.waits.values().sum();
        println!(
            "\n  pg_stat_activity, {} ({} reads; a store session not idle in {:.1} on average):",
            o.path.name(),
            o.samples,
            total as f64 / o.samples as f64
        );
        let mut by: Vec<_> = o.waits.iter().collect();
        by.sort_by_key(|(_, n)| std::cmp::Reverse(**n));
        for (what, n) in by.into_iter().take(8) {
            println!(
                "    {:>5.1}%  {what}",
                100.0 * *n as f64 / total.max(1) as f64
            );
        }
    }
}

/// Both backends side by side: the ratios the issue asks about.
pub fn print_burst_summary(reports: &[BurstReport]) {
    println!("\n== Burst summary ==");
    println!(
        "| figure | {} |",
        reports
            .iter()
            .map(|r| r.backend)
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|{}", "---:|".repeat(reports.len()));
    let line = |name: &str, f: &dyn Fn(&BurstReport) -> Option<String>| {
        let cells: Vec<String> = reports
            .iter()
            .map(|r| f(r).unwrap_or_else(|| "-".into()))
            .collect();
        println!("| {name} | {} |", cells.join(" | "));
    };
    for (name, api, raw) in [
        ("one type", Path::ApiOne, Path::RawOne),
        ("all types", Path::ApiMany, Path::RawMany),
    ] {
        line(&format!("API creates/s, {name} (p99)"), &|r| {
            r.get(api).map(|o| {
                format!(
                    "{:.0} ({})",
                    o.rate.per_second(),
                    ms(percentile(&o.rate.latencies, 99.0))
                )
            })
        });
        line(&format!("raw SQL creates/s, {name}"), &|r| {
            r.get(raw).map(|o| format!("{:.0}", o.rate.per_second()))
        });
        line(&format!("API / raw SQL, {name} (goal >= 0.5)"), &|r| {
            r.ratio(api).map(|x| format!("{x:.2}"))
        });
    }
}

/// Refuse a burst that would measure nothing.
pub fn check_args(args: &BurstArgs) -> anyhow::Result<()> {
    if args.requesters == 0 || args.concurrency == 0 || args.creates == 0 {
        return Err(anyhow!(
            "--burst needs creates, concurrency and requesters above 0"
        ));
    }
    Ok(())
}
