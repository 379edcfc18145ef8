//! Three `docket serve` processes sweep one PostgreSQL database while 500 tickets are
//! breaching: every breach fires exactly once (one `sla_escalations` row, one outbox
//! event), none twice and none missed, although one process is killed (SIGKILL) while it
//! holds leases on jobs it has not finished.
//!
//! The tickets are made through the store with its clock frozen 250 minutes in the past.
//! Under the shipped default policy (P2: first response 240 minutes, warning at 80%,
//! still breached 60 minutes after the breach) the servers, which read the real clock,
//! find each first-response clock past its warning (192 min) and its breach (240 min) but
//! not yet still breached (300 min): one breach per ticket, acted on, and a warning
//! recorded as superseded (the sweep found it together with the breach). The resolution
//! clocks (warning at 1152 min) are not due at all.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use docket_core::sla::policy::{Metric, Threshold};
use docket_core::ticket::Priority;
use docket_store::testing::TestDb;
use docket_store::{Backend, NewTicket};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};

/// Enough that the instances are still sweeping when the test looks: a set of 100 jobs
/// takes a few tens of milliseconds, so 500 tickets were done between two polls.
const TICKETS: usize = 3000;
const INSTANCES: usize = 3;
/// Tickets are this old when the servers start.
const AGE_MINUTES: i64 = 250;
const PARKED: &str = "parked-by-test";
const POLL: Duration = Duration::from_millis(20);

/// One `docket serve` process and what it printed.
struct Instance {
    child: Child,
    pid: u32,
    ready: Arc<AtomicBool>,
    log: Arc<Mutex<Vec<String>>>,
    killed: bool,
}

/// Every process of the test; all are killed when this is dropped, panics included.
struct Instances(Vec<Instance>);

impl Instances {
    fn by_owner(&mut self, owner: &str) -> Option<&mut Instance> {
        // Owners are `host:pid:random` (docket_server::instance_name).
        let pid: u32 = owner.split(':').nth(1)?.parse().ok()?;
        self.0.iter_mut().find(|i| i.pid == pid)
    }

    fn logs(&self) -> String {
        let mut out = String::new();
        for i in &self.0 {
            let log = i.log.lock().unwrap();
            let tail = &log[log.len().saturating_sub(40)..];
            out.push_str(&format!(
                "\n--- docket serve, pid {}{} ---\n{}",
                i.pid,
                if i.killed {
                    " (killed by the test)"
                } else {
                    ""
                },
                tail.join("\n")
            ));
        }
        out
    }

    /// Panics (with the logs) if a process the test did not kill has exited.
    fn check_alive(&mut self) {
        let mut dead = Vec::new();
        for i in &mut self.0 {
            if !i.killed
                && let Ok(Some(status)) = i.child.try_wait()
            {
                dead.push(format!("pid {} exited: {status}", i.pid));
            }
        }
        if !dead.is_empty() {
            panic!("{}{}", dead.join("; "), self.logs());
        }
    }
}

impl Drop for Instances {
    fn drop(&mut self) {
        for i in &mut self.0 {
            let _ = i.child.kill();
            let _ = i.child.wait();
        }
        if std::thread::panicking() {
            eprintln!("{}", self.logs());
        }
    }
}

/// The instances' working and data folder, removed at the end (panics included).
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!("docket-sla-instances-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn spawn(url: &str, dir: &std::path::Path, n: usize, master_key: &str) -> Instance {
    let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(dir)
        .env_remove("DOCKET_CONFIG")
        .env_remove("DOCKET_BIND")
        .env("DOCKET_DATABASE_URL", url)
        .env("DOCKET_DATA_DIR", dir.join(format!("data{n}")))
        .env("DOCKET_TYPES_DIR", common::shipped_types_dir())
        .env("DOCKET_MASTER_KEY", master_key)
        .env("DOCKET_SLA_SWEEP_SECONDS", "1")
        .env("DOCKET_JOB_LEASE_SECONDS", "3")
        .env("DOCKET_LOG", "info,sqlx=warn,sea_orm=warn")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start docket serve");
    let pid = child.id();
    let ready = Arc::new(AtomicBool::new(false));
    let log = Arc::new(Mutex::new(Vec::new()));
    let stderr = child.stderr.take().expect("piped stderr");
    {
        let (ready, log) = (ready.clone(), log.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains("serving Docket at") {
                    ready.store(true, Ordering::SeqCst);
                }
                log.lock().unwrap().push(line);
            }
        });
    }
    Instance {
        child,
        pid,
        ready,
        log,
        killed: false,
    }
}

fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// A query that returns one number, as `n`.
async fn number(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> i64 {
    db.query_one_raw(stmt(sql, values))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .expect("one row")
        .try_get::<i64>("", "n")
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn breaches(db: &DatabaseConnection) -> i64 {
    number(
        db,
        "SELECT count(*) AS n FROM sla_escalations WHERE threshold = 'breach'",
        vec![],
    )
    .await
}

async fn due_jobs(db: &DatabaseConnection) -> i64 {
    number(
        db,
        "SELECT count(*) AS n FROM jobs WHERE queue = 'sla' AND run_at <= $1",
        vec![Utc::now().into()],
    )
    .await
}

/// The instance holding the most live leases on due jobs, and how many.
async fn busiest_owner(db: &DatabaseConnection) -> Option<(String, i64)> {
    let now = Utc::now();
    let row = db
        .query_one_raw(stmt(
            "SELECT lease_owner, count(*) AS n FROM jobs \
             WHERE queue = 'sla' AND lease_owner IS NOT NULL AND lease_owner <> $1 \
               AND lease_until > $2 AND run_at <= $2 \
             GROUP BY lease_owner ORDER BY n DESC LIMIT 1",
            vec![PARKED.into(), now.into()],
        ))
        .await
        .unwrap()?;
    Some((
        row.try_get("", "lease_owner").unwrap(),
        row.try_get("", "n").unwrap(),
    ))
}

/// The tickets of the jobs `owner` holds leases on: what it claimed and has not finished
/// (a finished job has its lease cleared in the same commit).
async fn leased_jobs(db: &DatabaseConnection, owner: &str) -> Vec<i64> {
    db.query_all_raw(stmt(
        "SELECT ticket_id FROM jobs WHERE lease_owner = $1",
        vec![owner.into()],
    ))
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get("", "ticket_id").unwrap())
    .collect()
}

/// Sends a signal (`STOP`, `CONT`) to a process.
fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{name} {pid}: {status}");
}

async fn create_tickets(db: &TestDb) {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let (store, next) = (db.store.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= TICKETS {
                    break;
                }
                let fields = serde_json::json!({"category": "hardware"});
                store
                    .create_ticket(NewTicket {
                        type_slug: "it_support".into(),
                        title: format!("Printer {i} is on fire"),
                        body: "Smoke is coming out of the tray.".into(),
                        priority: Some(Priority::P2),
                        fields: fields.as_object().unwrap().clone(),
                        actor: "test".into(),
                        ..Default::default()
                    })
                    .await
                    .expect("create ticket");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_fire_every_breach_once_when_one_is_killed_midway() {
    let started = Instant::now();
    let db = TestDb::new(Backend::Postgres).await;
    let files = docket_server::typefiles::load(&[common::shipped_types_dir()]).expect("types");
    docket_server::typefiles::apply_safe(&db.store, &files)
        .await
        .expect("apply types");
    let conn = db.store.connection().clone();

    // The thresholds this test relies on, from the policy the migration shipped.
    let policy = db
        .store
        .policy("default")
        .await
        .expect("default policy")
        .spec;
    assert!(policy.calendar.is_none(), "the default policy counts 24x7");
    let target = policy
        .target(Priority::P2, Metric::FirstResponse)
        .expect("a P2 first-response target");
    let age = chrono::Duration::minutes(AGE_MINUTES);
    let breach = policy.threshold_amount(target, Threshold::Breach);
    let still = policy.threshold_amount(target, Threshold::StillBreached);
    let resolution_warning = policy.threshold_amount(
        policy.target(Priority::P2, Metric::Resolution).unwrap(),
        Threshold::Warning,
    );
    // A few minutes of slack on either side for the test's own run time.
    assert!(
        breach + chrono::Duration::minutes(2) < age
            && age + chrono::Duration::minutes(5) < still
            && age + chrono::Duration::minutes(5) < resolution_warning,
        "the default policy changed: pick another AGE_MINUTES"
    );

    let created_at: DateTime<Utc> =
        DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap() - age;
    db.store.clock().freeze(created_at);
    create_tickets(&db).await;
    let created = started.elapsed();

    // Park every job under a lease of the test's own until all three instances are up,
    // so that they start on the same backlog (as if a dead instance had held it).
    conn.execute_raw(stmt(
        "UPDATE jobs SET lease_owner = $1, lease_until = $2 WHERE queue = 'sla'",
        vec![
            PARKED.into(),
            (Utc::now() + chrono::Duration::hours(1)).into(),
        ],
    ))
    .await
    .unwrap();
    assert_eq!(
        due_jobs(&conn).await,
        TICKETS as i64,
        "one due job per ticket"
    );
    assert_eq!(
        number(&conn, "SELECT count(*) AS n FROM jobs", vec![]).await,
        2 * TICKETS as i64,
        "a first-response and a resolution job per ticket"
    );

    let temp = TempDir::new();
    let dir = temp.0.as_path();
    let url = db.process_url();
    let key = docket_store::identity::MasterKey::generate().to_base64();
    let mut instances = Instances((0..INSTANCES).map(|n| spawn(&url, dir, n, &key)).collect());
    let deadline = Instant::now() + Duration::from_secs(30);
    while !instances.0.iter().all(|i| i.ready.load(Ordering::SeqCst)) {
        instances.check_alive();
        assert!(
            Instant::now() < deadline,
            "the servers did not start within 30 s{}",
            instances.logs()
        );
        tokio::time::sleep(POLL).await;
    }
    let released = conn
        .execute_raw(stmt(
            "UPDATE jobs SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1",
            vec![PARKED.into()],
        ))
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(released, 2 * TICKETS as u64);
    let sweeping = Instant::now();

    // Midway: a tenth of the breaches fired, and an instance holds leases on jobs it has
    // not finished. Stop that one (SIGSTOP) so that what it holds cannot change, look again,
    // and kill it only if it still holds unfinished jobs; a set commits all its jobs at
    // once, so the leases seen before the stop may have been finished in between.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (victim, at_kill, orphans) = loop {
        instances.check_alive();
        let fired = breaches(&conn).await;
        assert!(
            fired < TICKETS as i64,
            "every breach fired before the test found a moment to kill an instance holding leases{}",
            instances.logs()
        );
        assert!(
            Instant::now() < deadline,
            "no instance caught holding unfinished jobs within 30 s ({fired} fired){}",
            instances.logs()
        );
        if fired >= TICKETS as i64 / 10
            && let Some((owner, leases)) = busiest_owner(&conn).await
            && leases >= 5
        {
            let instance = instances
                .by_owner(&owner)
                .unwrap_or_else(|| panic!("lease owner {owner} is none of ours"));
            signal(instance.pid, "STOP");
            // A COMMIT already on the wire still lands: give it time before looking.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let held = leased_jobs(&conn, &owner).await;
            let instance = instances.by_owner(&owner).unwrap();
            if held.len() >= 2 {
                instance.child.kill().expect("SIGKILL");
                instance.child.wait().unwrap();
                instance.killed = true;
                break (owner, fired, held);
            }
            signal(instance.pid, "CONT");
        }
        tokio::time::sleep(POLL).await;
    };
    // The survivors take the orphans over once their leases run out; then nothing is due.
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        instances.check_alive();
        if due_jobs(&conn).await == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "jobs still due 40 s after the kill ({} breaches){}",
            breaches(&conn).await,
            instances.logs()
        );
        tokio::time::sleep(POLL).await;
    }
    let settled = sweeping.elapsed();
    // Nothing fires once nothing is due; check anyway over two more sweeps.
    let total = number(&conn, "SELECT count(*) AS n FROM sla_escalations", vec![]).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    instances.check_alive();
    assert_eq!(
        number(&conn, "SELECT count(*) AS n FROM sla_escalations", vec![]).await,
        total,
        "escalations fired after no job was due"
    );

    let n = TICKETS as i64;
    let count = |sql: &'static str| {
        let conn = conn.clone();
        async move { number(&conn, sql, vec![]).await }
    };
    // Exactly one breach per ticket, acted on; the warning found with it is superseded.
    assert_eq!(breaches(&conn).await, n, "breaches");
    assert_eq!(
        count(
            "SELECT count(DISTINCT ticket_id) AS n FROM sla_escalations WHERE threshold = 'breach'"
        )
        .await,
        n,
        "tickets with a breach"
    );
    assert_eq!(
        count("SELECT count(*) AS n FROM sla_escalations WHERE threshold = 'breach' AND metric = 'first_response' AND cycle = 1 AND NOT superseded").await,
        n,
        "breaches of the first-response clock, acted on"
    );
    assert_eq!(
        count("SELECT count(DISTINCT ticket_id) AS n FROM sla_escalations WHERE threshold = 'warning' AND metric = 'first_response' AND superseded").await,
        n,
        "superseded warnings"
    );
    assert_eq!(
        total,
        2 * n,
        "no other firing (still_breached is not due yet)"
    );
    // One notification per breach, in the same transaction as the firing.
    assert_eq!(
        count("SELECT count(*) AS n FROM outbox WHERE topic = 'sla.breach'").await,
        n,
        "sla.breach events"
    );
    assert_eq!(
        count("SELECT count(DISTINCT ticket_id) AS n FROM outbox WHERE topic = 'sla.breach'").await,
        n,
        "tickets with an sla.breach event"
    );
    assert_eq!(
        count(
            "SELECT count(*) AS n FROM outbox WHERE topic LIKE 'sla.%' AND topic <> 'sla.breach'"
        )
        .await,
        0,
        "no other SLA event (a superseded warning notifies nobody)"
    );
    assert_eq!(
        count(
            "SELECT count(*) AS n FROM sla_escalations e WHERE e.threshold = 'breach' AND \
             (SELECT count(*) FROM outbox o WHERE o.ticket_id = e.ticket_id AND o.topic = 'sla.breach') <> 1"
        )
        .await,
        0,
        "every breach has exactly one event"
    );
    assert_eq!(
        count("SELECT count(*) AS n FROM ticket_events WHERE actor = 'sla' AND field = 'sla'")
            .await,
        2 * n,
        "one audit event per firing"
    );
    // Every job is rescheduled at the next threshold, with no lease left behind.
    assert_eq!(
        number(
            &conn,
            "SELECT count(*) AS n FROM jobs WHERE queue = 'sla' AND lease_owner IS NULL \
             AND dedupe_key LIKE '%:first_response' AND run_at = $1",
            vec![(created_at + still).into()],
        )
        .await,
        n,
        "first-response jobs wait for still_breached"
    );
    assert_eq!(
        count("SELECT count(*) AS n FROM jobs WHERE lease_owner IS NOT NULL").await,
        0,
        "leases left"
    );
    // The dead instance's unfinished jobs were fired, by the others (all but possibly the
    // one whose commit it had sent when it died).
    let mut by_victim = 0;
    for ticket in &orphans {
        let by: String = conn
            .query_one_raw(stmt(
                "SELECT fired_by FROM sla_escalations WHERE ticket_id = $1 AND threshold = 'breach'",
                vec![(*ticket).into()],
            ))
            .await
            .unwrap()
            .expect("the orphan's breach fired")
            .try_get("", "fired_by")
            .unwrap();
        if by == victim {
            by_victim += 1;
        }
    }
    assert!(
        by_victim <= 1,
        "{by_victim} of the killed instance's unfinished jobs fired under its name"
    );
    let taken_over = orphans.len() - by_victim;
    let per_owner: Vec<(String, i64)> = conn
        .query_all_raw(stmt(
            "SELECT fired_by, count(*) AS n FROM sla_escalations WHERE threshold = 'breach' \
             GROUP BY fired_by ORDER BY fired_by",
            vec![],
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get("", "fired_by").unwrap(),
                r.try_get("", "n").unwrap(),
            )
        })
        .collect();
    eprintln!(
        "{TICKETS} tickets created in {:.1} s; killed {victim} at {at_kill} breaches, holding \
         {} unfinished jobs, {taken_over} taken over by the others ({by_victim} committed as it died); settled {:.1} s after the release; \
         breaches per instance: {per_owner:?}; {:.1} s in all",
        created.as_secs_f64(),
        orphans.len(),
        settled.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        per_owner.len() >= 2,
        "the breaches came from one instance only: {per_owner:?}"
    );
    // Nothing went wrong on the way: no job failed (and was put off), no sweep failed.
    for i in &instances.0 {
        let log = i.log.lock().unwrap();
        let failures: Vec<&String> = log
            .iter()
            .filter(|l| l.contains("SLA job failed") || l.contains("SLA sweep failed"))
            .collect();
        assert!(failures.is_empty(), "pid {}: {failures:#?}", i.pid);
    }
}
