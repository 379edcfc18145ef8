//! The escalation sweep on a large database: what one `Store::sla_sweep` costs when
//! nothing is due (every instance pays it every `DOCKET_SLA_SWEEP_SECONDS`), and how fast
//! it works through a backlog of due jobs.
//!
//! The open tickets are copies of one ticket the store itself created (with its clock
//! frozen), made by SQL: the `tickets` row, its `ext_it_support` row, its audit event, its
//! SLA clock events, clocks and escalation jobs, each timestamp moved back by the copy's
//! age. Under a 24x7 policy every time the store derives (due times, job run times) is the
//! creation time plus a constant, so a copy is exactly what the store would have written
//! for a ticket created that much earlier. The ages decide what is due: most copies are
//! younger than their first-response warning, a share (`--due-percent`) is past the
//! warning (half of those) or past the breach (the other half).

use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Utc};
use docket_core::sla::policy::{Metric, Threshold};
use docket_store::sla::escalate::{SweepOptions, SweepOutcome};
use docket_store::{NewTicket, RequesterRef, Store};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value as SqlValue};

use crate::sql::{begin_write, placeholders, quote};
use crate::statements::{Reading, Statements};

/// The type the copies have (the shipped IT support type).
const TYPE: &str = "it_support";
/// Tickets copied per transaction.
const CHUNK: i64 = 50_000;
/// The tables that hold a ticket's rows, copied in this order (parents first).
const TABLES: [&str; 6] = [
    "tickets",
    "ext_it_support",
    "ticket_events",
    "sla_clock_events",
    "sla_clocks",
    "jobs",
];
/// The multiplier of the copies' hash (Knuth's), over 2^32.
const HASH: i64 = 2_654_435_761;
/// Copies' classes are decided per 100,000.
const PER: i64 = 100_000;

#[derive(Debug, Clone)]
pub struct SweepArgs {
    pub tickets: u64,
    pub due_percent: f64,
    pub batch: u64,
    pub idle_sweeps: u64,
    pub sweepers: u64,
    pub explain: bool,
    /// Count statements (--count-statements).
    pub statements: Option<Statements>,
}

/// When the first-response thresholds of a copy's clock fall, in seconds after its
/// creation, under the default policy at the type's priority.
#[derive(Debug, Clone, Copy)]
struct Thresholds {
    warning: i64,
    breach: i64,
    still_breached: i64,
    resolution_warning: i64,
}

/// What a copy is, by its index: how old it is at the benchmark's "now".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    NotDue,
    PastWarning,
    PastBreach,
}

/// The same formula as `age_sql`, for counting.
fn classify(i: i64, due_per_100k: i64, t: &Thresholds) -> (Class, i64) {
    let h = (i * HASH) % 4_294_967_296;
    let r = h / (2 * PER);
    if h % PER < due_per_100k {
        if (h / PER) % 2 == 0 {
            (
                Class::PastWarning,
                t.warning + 60 + r % (t.breach - t.warning - 120),
            )
        } else {
            (
                Class::PastBreach,
                t.breach + 60 + r % (t.still_breached - t.breach - 120),
            )
        }
    } else {
        (Class::NotDue, r % (t.warning - 120))
    }
}

/// A copy's age in seconds as SQL over its index `i` (see `classify`).
fn age_sql(due_per_100k: i64, t: &Thresholds) -> String {
    let h = format!("((i * {HASH}) % 4294967296)");
    let r = format!("({h} / {})", 2 * PER);
    format!(
        "CASE WHEN {h} % {PER} < {due_per_100k} THEN \
           CASE WHEN ({h} / {PER}) % 2 = 0 THEN {} + {r} % {} ELSE {} + {r} % {} END \
         ELSE {r} % {} END",
        t.warning + 60,
        t.breach - t.warning - 120,
        t.breach + 60,
        t.still_breached - t.breach - 120,
        t.warning - 120,
    )
}

#[derive(Debug, Clone)]
pub struct SweepReport {
    pub backend: &'static str,
    pub version: String,
    pub tickets: i64,
    pub jobs: i64,
    pub past_warning: i64,
    pub past_breach: i64,
    pub load_time: Duration,
    pub analyze_time: Duration,
    pub database_bytes: Option<i64>,
    pub idle_before: Vec<Duration>,
    pub due: SweepOutcome,
    pub due_time: Duration,
    pub sweepers: u64,
    pub batch: u64,
    pub idle_after: Vec<Duration>,
}

fn stmt(backend: DbBackend, sql: &str, values: Vec<SqlValue>) -> Statement {
    Statement::from_sql_and_values(backend, sql, values)
}

async fn number(db: &DatabaseConnection, sql: &str, values: Vec<SqlValue>) -> anyhow::Result<i64> {
    let backend = db.get_database_backend();
    db.query_one_raw(stmt(backend, sql, values))
        .await
        .with_context(|| sql.to_string())?
        .ok_or_else(|| anyhow!("no row: {sql}"))?
        .try_get::<i64>("", "n")
        .with_context(|| sql.to_string())
}

/// A table's columns and whether each holds a timestamp; generated columns (the search
/// vector) are left out: the database computes them.
async fn columns(db: &DatabaseConnection, table: &str) -> anyhow::Result<Vec<(String, bool)>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT column_name AS name, data_type AS kind FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' \
             ORDER BY ordinal_position"
        }
        _ => "SELECT name, type AS kind FROM pragma_table_info(?)",
    };
    let rows = db
        .query_all_raw(stmt(backend, sql, vec![table.into()]))
        .await?;
    let mut out = Vec::new();
    for r in rows {
        let name: String = r.try_get("", "name")?;
        let kind: String = r.try_get("", "kind")?;
        out.push((name, kind.to_lowercase().contains("timestamp")));
    }
    if out.is_empty() {
        bail!("table {table} not found");
    }
    Ok(out)
}

/// Copy the template ticket's rows of `table` for copies `lo..=hi` (ticket id
/// `base + i`, number `template number + i`, timestamps moved back by the copy's age).
#[allow(clippy::too_many_arguments)]
async fn copy_table<C: ConnectionTrait>(
    conn: &C,
    backend: DbBackend,
    table: &str,
    columns: &[(String, bool)],
    template: &Template,
    lo: i64,
    hi: i64,
    age: &str,
) -> anyhow::Result<u64> {
    let p = placeholders(backend, 4);
    let (p_lo, p_hi, p_base, p_template) = (&p[0], &p[1], &p[2], &p[3]);
    let shift = |col: &str| match backend {
        DbBackend::Postgres => format!("t.{col} - g.age * interval '1 second'"),
        // Docket's SQLite timestamps are RFC 3339 text; the template's are whole seconds.
        _ => format!(
            "strftime('%Y-%m-%dT%H:%M:%S', unixepoch(t.{col}) - g.age, 'unixepoch') || '+00:00'"
        ),
    };
    let new_key = format!("('{}-' || (t.number + g.i))", template.prefix);
    let owner_column = if table == "tickets" {
        "id"
    } else {
        "ticket_id"
    };
    let mut names = Vec::new();
    let mut values = Vec::new();
    for (name, is_time) in columns {
        let col = quote(name);
        let value = match (table, name.as_str()) {
            (_, "id") if table != "tickets" => continue,
            ("tickets", "id") | (_, "ticket_id") => "g.new_id".to_string(),
            ("tickets", "key") => new_key.clone(),
            ("tickets", "number") => "t.number + g.i".to_string(),
            ("tickets", "search_text") => {
                format!("{new_key} || substr(t.search_text, length(t.key) + 1)")
            }
            ("jobs", "dedupe_key") => format!(
                "'sla:' || g.new_id || substr(t.dedupe_key, {})",
                format!("sla:{}", template.id).len() + 1
            ),
            _ if *is_time => shift(&col),
            _ => format!("t.{col}"),
        };
        names.push(col);
        values.push(value);
    }
    let order = if columns.iter().any(|(n, _)| n == "id") && table != "tickets" {
        "g.i, t.id"
    } else {
        "g.i"
    };
    let series = match backend {
        DbBackend::Postgres => format!(
            "WITH g AS (SELECT i, {p_base} + i AS new_id, {age} AS age \
             FROM generate_series(CAST({p_lo} AS BIGINT), CAST({p_hi} AS BIGINT)) AS s(i))"
        ),
        _ => format!(
            "WITH RECURSIVE s(i) AS (SELECT {p_lo} UNION ALL SELECT i + 1 FROM s WHERE i < {p_hi}), \
             g AS (SELECT i, {p_base} + i AS new_id, {age} AS age FROM s)"
        ),
    };
    // PostgreSQL wants the WITH inside INSERT ... SELECT; SQLite takes it there too.
    let sql = format!(
        "INSERT INTO {} ({}) {series} SELECT {} FROM g CROSS JOIN {} t WHERE t.{} = {p_template} ORDER BY {order}",
        quote(table),
        names.join(", "),
        values.join(", "),
        quote(table),
        quote(owner_column),
    );
    let result = conn
        .execute_raw(stmt(
            backend,
            &sql,
            vec![
                lo.into(),
                hi.into(),
                template.base.into(),
                template.id.into(),
            ],
        ))
        .await
        .with_context(|| format!("copying {table}: {sql}"))?;
    Ok(result.rows_affected())
}

struct Template {
    id: i64,
    prefix: String,
    /// Copy i gets the id base + i.
    base: i64,
    number: i64,
    rows: Vec<(String, i64)>,
}

/// Tables, indexes and all, in bytes (PostgreSQL: this schema; SQLite: the file).
pub async fn database_bytes(db: &DatabaseConnection) -> Option<i64> {
    match db.get_database_backend() {
        DbBackend::Postgres => number(
            db,
            "SELECT CAST(COALESCE(sum(pg_total_relation_size(c.oid)), 0) AS BIGINT) AS n \
             FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace \
             WHERE ns.nspname = current_schema() AND c.relkind = 'r'",
            vec![],
        )
        .await
        .ok(),
        _ => number(
            db,
            "SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()",
            vec![],
        )
        .await
        .ok(),
    }
}

fn sweep_options(owner: &str, batch: u64) -> SweepOptions {
    SweepOptions {
        owner: owner.to_string(),
        lease: chrono::Duration::seconds(60),
        batch,
    }
}

fn reading(statements: &Option<Statements>) -> Reading {
    statements
        .as_ref()
        .map(Statements::read)
        .unwrap_or_default()
}

fn per(r: Reading, n: u64) -> String {
    format!(
        "{:.1} statements and {:.2} ms of statement time per {}",
        r.count as f64 / n.max(1) as f64,
        r.micros as f64 / 1000.0 / n.max(1) as f64,
        if n == 1 { "run" } else { "item" }
    )
}

async fn idle_sweeps(
    store: &Store,
    n: u64,
    batch: u64,
    statements: &Option<Statements>,
) -> anyhow::Result<Vec<Duration>> {
    let options = sweep_options("bench-idle", batch);
    let mut samples = Vec::with_capacity(n as usize);
    let before = reading(statements);
    for _ in 0..n {
        let t = Instant::now();
        let out = store.sla_sweep(&options).await?;
        samples.push(t.elapsed());
        if out.jobs != 0 {
            bail!("an idle sweep found {} job(s) due", out.jobs);
        }
    }
    if statements.is_some() {
        println!("  idle sweeps: {}", per(reading(statements) - before, n));
    }
    Ok(samples)
}

/// The claim's SELECT as the jobs module builds it, for --explain.
fn claim_select(backend: DbBackend) -> String {
    let p = placeholders(backend, 3);
    let lock = if backend == DbBackend::Postgres {
        " FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    format!(
        "SELECT id FROM jobs WHERE queue = {} AND run_at <= {} AND (lease_until IS NULL OR lease_until < {}) ORDER BY run_at ASC LIMIT 100{lock}",
        p[0], p[1], p[2]
    )
}

async fn explain_claim(db: &DatabaseConnection, at: DateTime<Utc>) -> anyhow::Result<String> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => format!("EXPLAIN (ANALYZE, BUFFERS) {}", claim_select(backend)),
        _ => format!("EXPLAIN QUERY PLAN {}", claim_select(backend)),
    };
    let rows = db
        .query_all_raw(stmt(
            backend,
            &sql,
            vec!["sla".into(), at.into(), at.into()],
        ))
        .await?;
    let mut out = String::new();
    for r in rows {
        let line: String = match backend {
            DbBackend::Postgres => r.try_get("", "QUERY PLAN")?,
            _ => r.try_get("", "detail")?,
        };
        out.push_str("    ");
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

pub async fn measure_sweep(
    label: &'static str,
    url: &str,
    schema: Option<&str>,
    args: &SweepArgs,
    types_dir: &std::path::Path,
) -> anyhow::Result<SweepReport> {
    println!("\n== {label}: escalation sweep ==");
    let store = Store::connect(url, schema).await?;
    store.migrate().await?;
    let files = docket_server::typefiles::load(&[types_dir.to_path_buf()])
        .map_err(|e| anyhow!("type files: {}", e.join("\n")))?;
    docket_server::typefiles::apply_safe(&store, &files)
        .await
        .map_err(|e| anyhow!("applying the types: {e}"))?;
    let db = store.connection().clone();
    let backend = db.get_database_backend();
    let version = crate::server_version(&db).await.unwrap_or_default();
    let ty = store
        .registry()
        .all()
        .into_iter()
        .find(|t| t.stored.slug == TYPE)
        .ok_or_else(|| anyhow!("the sweep benchmark needs the shipped type `{TYPE}`"))?;
    let priority = ty.compiled.definition.default_priority();

    // The default policy's first-response thresholds at the type's priority.
    let policy = store.policy("default").await?.spec;
    if policy.calendar.is_some() {
        bail!("the default policy has a calendar: copies by time shift need a 24x7 policy");
    }
    let amount = |metric, threshold| {
        policy
            .target(priority, metric)
            .map(|t| policy.threshold_amount(t, threshold).num_seconds())
            .ok_or_else(|| anyhow!("the default policy has no {metric:?} target at {priority:?}"))
    };
    let t = Thresholds {
        warning: amount(Metric::FirstResponse, Threshold::Warning)?,
        breach: amount(Metric::FirstResponse, Threshold::Breach)?,
        still_breached: amount(Metric::FirstResponse, Threshold::StillBreached)?,
        resolution_warning: amount(Metric::Resolution, Threshold::Warning)?,
    };
    if t.breach - t.warning <= 240
        || t.still_breached - t.breach <= 240
        || t.resolution_warning <= t.still_breached
        || t.warning <= 240
    {
        bail!("the default policy's thresholds do not leave room for the classes: {t:?}");
    }

    // Who the notifications go to: the type's team with one agent, and an admin.
    let actor = docket_store::identity::Actor::new("docket-bench", None);
    let team = ty
        .stored
        .definition
        .teams
        .first()
        .cloned()
        .unwrap_or_else(|| "it".into());
    store.create_team(&team, &team, "", &actor).await?;
    for (email, role) in [
        ("agent@example.com", docket_core::access::Role::Agent),
        ("admin@example.com", docket_core::access::Role::Admin),
    ] {
        let user = store
            .create_user(
                docket_store::identity::NewUser {
                    email: email.into(),
                    display_name: email.into(),
                    role,
                    kind: docket_core::access::UserKind::Person,
                    password: None,
                    skills: vec![],
                    capacity: None,
                },
                &actor,
            )
            .await?;
        if role == docket_core::access::Role::Agent {
            store.set_team_member(&team, user.id, true, &actor).await?;
        }
    }

    // The template: a ticket the store creates at t0, a whole second.
    let t0 = DateTime::from_timestamp(Utc::now().timestamp(), 0).expect("now");
    store.clock().freeze(t0);
    let fields = serde_json::json!({"category": "hardware", "device": "printer"});
    let (key, _) = store
        .create_ticket(NewTicket {
            type_slug: TYPE.into(),
            title: "The printer on the third floor jams on every page".into(),
            body: "It started this morning; the tray has been emptied and refilled.".into(),
            priority: Some(priority),
            requester: Some(RequesterRef {
                email: Some("requester@example.com".into()),
                ..Default::default()
            }),
            fields: fields.as_object().cloned().unwrap_or_default(),
            actor: "api".into(),
            ..Default::default()
        })
        .await?;
    let key = key.key;
    let ticket = store.get_ticket(&key, false).await?;
    let mut template = Template {
        id: ticket.id,
        prefix: ty.compiled.definition.key_prefix.clone(),
        base: ticket.id,
        number: number(
            &db,
            &format!(
                "SELECT number AS n FROM tickets WHERE id = {}",
                placeholders(backend, 1)[0]
            ),
            vec![ticket.id.into()],
        )
        .await?,
        rows: Vec::new(),
    };
    for table in TABLES {
        let col = if table == "tickets" {
            "id"
        } else {
            "ticket_id"
        };
        let n = number(
            &db,
            &format!(
                "SELECT count(*) AS n FROM {} WHERE {} = {}",
                quote(table),
                quote(col),
                placeholders(backend, 1)[0]
            ),
            vec![ticket.id.into()],
        )
        .await?;
        template.rows.push((table.to_string(), n));
    }
    println!(
        "  template {key}: {}",
        template
            .rows
            .iter()
            .map(|(t, n)| format!("{n} {t}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if template.rows.iter().any(|(_, n)| *n == 0) {
        bail!("the template ticket lacks rows: {:?}", template.rows);
    }

    // The copies: 1..N-1 (the template is the N-th ticket, age 0).
    let due_per_100k = (args.due_percent * 1000.0).round() as i64;
    let copies = args.tickets as i64 - 1;
    let (mut past_warning, mut past_breach) = (0i64, 0i64);
    for i in 1..=copies {
        match classify(i, due_per_100k, &t).0 {
            Class::PastWarning => past_warning += 1,
            Class::PastBreach => past_breach += 1,
            Class::NotDue => {}
        }
    }
    let age = age_sql(due_per_100k, &t);
    let mut table_columns = Vec::new();
    for table in TABLES {
        table_columns.push((table, columns(&db, table).await?));
    }
    let started = Instant::now();
    let mut lo = 1;
    let step = (copies / 10).max(CHUNK);
    let mut next_report = step;
    while lo <= copies {
        let hi = (lo + CHUNK - 1).min(copies);
        let txn = begin_write(&db).await?;
        for (table, cols) in &table_columns {
            let want = template
                .rows
                .iter()
                .find(|(t, _)| t == table)
                .map(|(_, n)| *n)
                .unwrap_or(0)
                * (hi - lo + 1);
            let n = copy_table(&txn, backend, table, cols, &template, lo, hi, &age).await?;
            if n as i64 != want {
                bail!("copying {table} wrote {n} rows instead of {want}");
            }
        }
        txn.commit().await?;
        if hi >= next_report && hi < copies {
            println!(
                "  loading: {hi}/{copies} copies ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
            next_report += step;
        }
        lo = hi + 1;
    }
    // Key numbers and ids past the copies, as if the store had made them.
    let txn = begin_write(&db).await?;
    let p = placeholders(backend, 2);
    txn.execute_raw(stmt(
        backend,
        &format!(
            "UPDATE key_sequences SET next_number = {} WHERE prefix = {}",
            p[0], p[1]
        ),
        vec![
            (template.number + copies).into(),
            template.prefix.clone().into(),
        ],
    ))
    .await?;
    if backend == DbBackend::Postgres {
        txn.execute_unprepared(
            "SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT MAX(id) FROM tickets))",
        )
        .await?;
    }
    txn.commit().await?;
    let load_time = started.elapsed();
    let t_analyze = Instant::now();
    crate::sql::analyze(&db).await?;
    let analyze_time = t_analyze.elapsed();
    let tickets = number(&db, "SELECT count(*) AS n FROM tickets", vec![]).await?;
    let jobs = number(&db, "SELECT count(*) AS n FROM jobs", vec![]).await?;
    let database_bytes = database_bytes(&db).await;
    println!(
        "  loaded {copies} copies in {:.1} s, ANALYZE {:.1} s: {tickets} open tickets, {jobs} jobs; \
         {past_warning} past their first-response warning and {past_breach} past its breach; {}",
        load_time.as_secs_f64(),
        analyze_time.as_secs_f64(),
        database_bytes
            .map(|b| format!("{:.0} MB", b as f64 / 1e6))
            .unwrap_or_default()
    );

    // Spot checks: a copy of each class reads back as the store sees it.
    for (class, want_breached) in [
        (Class::NotDue, false),
        (Class::PastWarning, false),
        (Class::PastBreach, true),
    ] {
        let Some(i) =
            (1..=copies.min(1_000_000)).find(|&i| classify(i, due_per_100k, &t).0 == class)
        else {
            continue;
        };
        let age = classify(i, due_per_100k, &t).1;
        let key = format!("{}-{}", template.prefix, template.number + i);
        let sla = store.ticket_sla(&key).await?;
        let clock = sla
            .clocks
            .iter()
            .find(|c| c.metric == Metric::FirstResponse)
            .ok_or_else(|| anyhow!("{key} has no first-response clock"))?;
        let created = t0 - chrono::Duration::seconds(age);
        if clock.started_at != created
            || clock.due_at != Some(created + chrono::Duration::seconds(t.breach))
            || (clock.remaining_seconds.unwrap_or(0) < 0) != want_breached
        {
            bail!("copy {key} ({class:?}, {age} s old) reads back wrong: {clock:?}");
        }
    }

    let due_now = |at: DateTime<Utc>| {
        let db = db.clone();
        async move {
            let p = placeholders(backend, 1);
            number(
                &db,
                &format!(
                    "SELECT count(*) AS n FROM jobs WHERE queue = 'sla' AND run_at <= {}",
                    p[0]
                ),
                vec![at.into()],
            )
            .await
        }
    };
    // Before: the clock where no job is due yet (the earliest is past_breach's warning).
    let t_idle = t0 - chrono::Duration::seconds(t.still_breached - t.warning);
    if due_now(t_idle).await? != 0 {
        bail!("jobs due before the idle sweep");
    }
    let expected_due = past_warning + past_breach;
    let due = due_now(t0).await?;
    if due != expected_due {
        bail!("{due} jobs due at t0, {expected_due} expected");
    }
    if args.explain {
        println!(
            "  plan of the claim, nothing due:\n{}",
            explain_claim(&db, t_idle).await?
        );
        println!(
            "  plan of the claim, {due} due:\n{}",
            explain_claim(&db, t0).await?
        );
    }

    store.clock().freeze(t_idle);
    let idle_before = idle_sweeps(&store, args.idle_sweeps, args.batch, &args.statements).await?;
    println!(
        "  idle sweep (nothing due), {} runs: p50 {}, p99 {}, max {}",
        idle_before.len(),
        crate::ms(crate::percentile(&idle_before, 50.0)),
        crate::ms(crate::percentile(&idle_before, 99.0)),
        crate::ms(idle_before.iter().max().copied().unwrap_or_default())
    );

    // The backlog: every sweeper is an instance of its own (a connection pool, a clock).
    let mut sweepers = vec![store.clone()];
    for _ in 1..args.sweepers {
        let s = Store::connect(url, schema).await?;
        s.refresh_types().await?;
        sweepers.push(s);
    }
    for s in &sweepers {
        s.clock().freeze(t0);
    }
    let counted = reading(&args.statements);
    let counted_by_text = args.statements.as_ref().map(|s| s.by_text());
    let t_due = Instant::now();
    let mut tasks = Vec::new();
    for (n, s) in sweepers.iter().enumerate() {
        let s = s.clone();
        let options = sweep_options(&format!("bench-{n}"), args.batch);
        tasks.push(tokio::spawn(async move { s.sla_sweep(&options).await }));
    }
    let mut outcome = SweepOutcome::default();
    for task in tasks {
        let o = task.await??;
        outcome.jobs += o.jobs;
        outcome.fired += o.fired;
        outcome.failed += o.failed;
    }
    let due_time = t_due.elapsed();
    println!(
        "  due sweep ({} sweeper(s), batch {}): {} jobs, {} firings, {} failed in {:.2} s: {:.0} jobs/s, {:.2} ms per job",
        sweepers.len(),
        args.batch,
        outcome.jobs,
        outcome.fired,
        outcome.failed,
        due_time.as_secs_f64(),
        outcome.jobs as f64 / due_time.as_secs_f64(),
        due_time.as_secs_f64() * 1000.0 / outcome.jobs.max(1) as f64
    );
    if args.statements.is_some() {
        println!(
            "  due sweep: {} (jobs)",
            per(reading(&args.statements) - counted, outcome.jobs as u64)
        );
    }
    if let (Some(s), Some(before)) = (&args.statements, &counted_by_text) {
        crate::statements::print_by_text(
            "due sweep, per job",
            &crate::statements::by_text_since(before, &s.by_text()),
            outcome.jobs as u64,
        );
    }
    for s in sweepers.into_iter().skip(1) {
        s.close().await;
    }

    // Everything due fired, once, with its notification.
    let escalations = number(&db, "SELECT count(*) AS n FROM sla_escalations", vec![]).await?;
    let warnings = number(
        &db,
        "SELECT count(*) AS n FROM outbox WHERE topic = 'sla.warning'",
        vec![],
    )
    .await?;
    let breaches = number(
        &db,
        "SELECT count(*) AS n FROM outbox WHERE topic = 'sla.breach'",
        vec![],
    )
    .await?;
    let left = due_now(t0).await?;
    if outcome.failed != 0
        || outcome.jobs as i64 != expected_due
        || escalations != past_warning + 2 * past_breach
        || warnings != past_warning
        || breaches != past_breach
        || left != 0
    {
        bail!(
            "the due sweep did not do what was due: {outcome:?}, {escalations} escalations, \
             {warnings} sla.warning and {breaches} sla.breach events, {left} jobs still due \
             (expected {expected_due} jobs, {} escalations, {past_warning} and {past_breach} events)",
            past_warning + 2 * past_breach
        );
    }

    // After: the steady state, every instance's cost per interval.
    let idle_after = idle_sweeps(&store, args.idle_sweeps, args.batch, &args.statements).await?;
    println!(
        "  idle sweep after the backlog, {} runs: p50 {}, p99 {}, max {}",
        idle_after.len(),
        crate::ms(crate::percentile(&idle_after, 50.0)),
        crate::ms(crate::percentile(&idle_after, 99.0)),
        crate::ms(idle_after.iter().max().copied().unwrap_or_default())
    );
    store.close().await;
    Ok(SweepReport {
        backend: label,
        version,
        tickets,
        jobs,
        past_warning,
        past_breach,
        load_time,
        analyze_time,
        database_bytes,
        idle_before,
        due: outcome,
        due_time,
        sweepers: args.sweepers,
        batch: args.batch,
        idle_after,
    })
}

pub fn print_sweep_reports(reports: &[SweepReport]) {
    println!(
        "\n| backend | open tickets | jobs | idle sweep p50 / p99 (before) | idle sweep p50 / p99 (after) | due jobs (warning + breach) | firings | sweepers x batch | due sweep | jobs/s | ms per job |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in reports {
        println!(
            "| {} {} | {} | {} | {} / {} | {} / {} | {} ({} + {}) | {} | {} x {} | {:.2} s | {:.0} | {:.2} |",
            r.backend,
            r.version,
            r.tickets,
            r.jobs,
            crate::ms(crate::percentile(&r.idle_before, 50.0)),
            crate::ms(crate::percentile(&r.idle_before, 99.0)),
            crate::ms(crate::percentile(&r.idle_after, 50.0)),
            crate::ms(crate::percentile(&r.idle_after, 99.0)),
            r.due.jobs,
            r.past_warning,
            r.past_breach,
            r.due.fired,
            r.sweepers,
            r.batch,
            r.due_time.as_secs_f64(),
            r.due.jobs as f64 / r.due_time.as_secs_f64(),
            r.due_time.as_secs_f64() * 1000.0 / r.due.jobs.max(1) as f64
        );
    }
    for r in reports {
        println!(
            "  {}: loaded in {:.1} s, ANALYZE {:.1} s, {}",
            r.backend,
            r.load_time.as_secs_f64(),
            r.analyze_time.as_secs_f64(),
            r.database_bytes
                .map(|b| format!("{:.0} MB on disk", b as f64 / 1e6))
                .unwrap_or_default()
        );
    }
}
