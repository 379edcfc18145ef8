//! A database outage and a stop, as an operator sees them, with the real `docket serve`.
//!
//! `database_outage_under_load`: PostgreSQL (a cluster of the test's own, so stopping it
//! disturbs nothing else) is stopped for a few seconds under a steady create load. No
//! request may hang: each is answered within 2 s, by 201 or by a 503 problem with
//! Retry-After; `/readyz` goes 503 and back to 200, `/livez` stays 200, creates succeed
//! again once the database is back, and every create answered 201 is in the database.
//!
//! `sigterm_finishes_requests_and_gives_back_leases`: SIGTERM while a create waits on a
//! lock and a live stream is open: the listener closes at once, the create still gets
//! its 201, the stream ends, and the delivery lease the instance held is given back.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use docket_core::access::{Role, Scope};
use docket_mail::testing::free_port;
use docket_store::Store;
use reqwest::Client;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};
use serde_json::{Value, json};

/// The bound the issue sets: no request waits longer than this, database down or not.
const NO_HANG: Duration = Duration::from_secs(2);

// ---- a PostgreSQL cluster of the test's own ----

/// Where PostgreSQL 15's programs are (CI and developers' machines have them there).
const PG_BIN: &str = "/usr/lib/postgresql/15/bin";

fn pg_program(name: &str) -> PathBuf {
    let path = Path::new(PG_BIN).join(name);
    assert!(
        path.is_file(),
        "{} is missing: this test runs a PostgreSQL cluster of its own and needs PostgreSQL 15's \
         server programs (Debian: apt-get install postgresql-15)",
        path.display()
    );
    path
}

/// A cluster in a temporary folder on a free port, stopped and removed on drop.
struct PgCluster {
    dir: PathBuf,
    port: u16,
}

/// Run a PostgreSQL program as the `postgres` OS user when this process is root
/// (initdb and the server refuse to run as root).
fn pg_command(program: &str) -> Command {
    let program = pg_program(program);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) {
    let out = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what}: {}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl PgCluster {
    fn start() -> PgCluster {
        let dir = std::env::temp_dir().join(format!("docket-outage-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            run(
                {
                    let mut c = Command::new("chown");
                    c.args(["-R", "postgres:postgres"]).arg(&dir);
                    c
                },
                "give the cluster's folder to postgres",
            );
        }
        let cluster = PgCluster {
            dir,
            port: free_port(),
        };
        let mut initdb = pg_command("initdb");
        initdb.args(["-D"]).arg(cluster.data()).args([
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        ]);
        run(initdb, "initdb");
        cluster.start_server();
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn start_server(&self) {
        let mut c = pg_command("pg_ctl");
        c.arg("-D")
            .arg(self.data())
            .arg("-l")
            .arg(self.dir.join("server.log"))
            .arg("-o")
            .arg(format!(
                "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
                self.port,
                self.dir.display()
            ))
            .args(["-w", "-t", "20", "start"]);
        run(c, "pg_ctl start");
    }

    /// Stop the server: `fast` ends every session at once, as a crash or failover does.
    fn stop_server(&self) {
        let mut c = pg_command("pg_ctl");
        c.arg("-D")
            .arg(self.data())
            .args(["-m", "fast", "-w", "-t", "20", "stop"]);
        run(c, "pg_ctl stop");
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let mut c = pg_command("pg_ctl");
        c.arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let _ = c.status();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            eprintln!(
                "--- PostgreSQL log (last lines, newest first) ---\n{}",
                tail.join("\n")
            );
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---- one `docket serve` process ----

struct Server {
    child: Child,
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
    dir: PathBuf,
}

impl Server {
    fn start(url: &str, name: &str) -> Server {
        let dir = std::env::temp_dir().join(format!("docket-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .current_dir(&dir)
            .env_remove("DOCKET_CONFIG")
            .env_remove("DOCKET_BIND")
            .env("DOCKET_DATABASE_URL", url)
            .env("DOCKET_DATA_DIR", dir.join("data"))
            .env("DOCKET_TYPES_DIR", common::shipped_types_dir())
            .env("DOCKET_MASTER_KEY", TEST_MASTER_KEY)
            .env("DOCKET_METRICS_TOKEN", METRICS_TOKEN)
            .env("DOCKET_SLA_SWEEP_SECONDS", "1")
            .env("DOCKET_LOG", "info,sqlx=warn,sea_orm=warn")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start docket serve");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().expect("piped stderr");
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if let Some(rest) = line.split("serving Docket at http://").nth(1) {
                        let addr = rest.split('/').next().unwrap_or_default().to_string();
                        let _ = addr_tx.send(addr);
                    }
                    log.lock().unwrap().push(line);
                }
            });
        }
        let mut server = Server {
            child,
            addr: String::new(),
            log,
            dir,
        };
        match addr_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(addr) => server.addr = addr,
            Err(_) => panic!("docket serve did not start:\n{}", server.logs()),
        }
        server
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn logs(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name}: {status}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- docket serve ---\n{}", self.logs());
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const TEST_MASTER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const METRICS_TOKEN: &str = "outage-scraper";

/// The value of an unlabelled sample, or of the one with exactly these labels, in a
/// scrape (tests/metrics.rs checks the format with Prometheus' own parser).
fn sample(scrape: &str, name_and_labels: &str) -> Option<f64> {
    scrape.lines().find_map(|line| {
        let value = line.strip_prefix(name_and_labels)?.strip_prefix(' ')?;
        value.trim().parse().ok()
    })
}

/// Migrate the database at `url`, apply the shipped types and make an admin; returns an
/// admin token. The server started afterwards finds everything in place.
async fn prepare(url: &str, schema: Option<&str>) -> String {
    let store = Store::connect(url, schema).await.unwrap();
    store.migrate().await.unwrap();
    let files = docket_server::typefiles::load(&[common::shipped_types_dir()]).unwrap();
    docket_server::typefiles::apply_safe(&store, &files)
        .await
        .unwrap();
    let admin = common::create_user(&store, "admin@example.com", Role::Admin, &[]).await;
    let token = common::token_for(&store, admin, &[Scope::Admin]).await;
    store.close().await;
    token
}

fn client(token: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    Client::builder()
        .default_headers(headers)
        // Well past the bound, so that a hang is measured rather than cut short.
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn ticket(title: &str) -> Value {
    json!({"type": "it_support", "title": title, "requester": {"email": "ada@example.com"},
        "fields": {"category": "hardware", "impact": "individual"}})
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

// ---- the outage ----

/// One answered create.
#[derive(Debug)]
struct Answer {
    sent: Instant,
    took: Duration,
    status: u16,
    retry_after: bool,
    problem: bool,
    key: Option<String>,
}

/// One health probe.
#[derive(Debug)]
struct Probe {
    took: Duration,
    ready: u16,
    live: u16,
    /// The scrape's time and its `docket_database_up`.
    scrape_took: Duration,
    database_up: Option<f64>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_under_load() {
    let cluster = PgCluster::start();
    let token = prepare(&cluster.url(), None).await;
    let server = Server::start(&cluster.url(), "outage");
    let http = client(&token);
    let anonymous = Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let answers = Arc::new(Mutex::new(Vec::<Answer>::new()));
    let mut load = Vec::new();
    for worker in 0..4 {
        let (http, url, stop, answers) = (
            http.clone(),
            server.url("/api/v1/tickets"),
            stop.clone(),
            answers.clone(),
        );
        load.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                n += 1;
                let sent = Instant::now();
                let r = http
                    .post(&url)
                    .json(&ticket(&format!("outage {worker}-{n}")))
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("a create got no answer: {e}"));
                let took = sent.elapsed();
                let status = r.status().as_u16();
                let retry_after = r.headers().contains_key("retry-after");
                let problem = r
                    .headers()
                    .get("content-type")
                    .is_some_and(|v| v == "application/problem+json");
                let body: Value = r.json().await.unwrap_or(Value::Null);
                let key = body["key"].as_str().map(str::to_string);
                answers.lock().unwrap().push(Answer {
                    sent,
                    took,
                    status,
                    retry_after,
                    problem,
                    key,
                });
                // A steady load, not a flood: the point is what each request meets.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }));
    }
    let probes = Arc::new(Mutex::new(Vec::<(Instant, Probe)>::new()));
    let prober = {
        let (anonymous, stop, probes) = (anonymous.clone(), stop.clone(), probes.clone());
        let (ready_url, live_url) = (server.url("/readyz"), server.url("/livez"));
        let metrics_url = server.url("/metrics");
        tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let at = Instant::now();
                let ready = anonymous.get(&ready_url).send().await.unwrap();
                let ready_status = ready.status().as_u16();
                let body: Value = ready.json().await.unwrap();
                assert!(
                    body.get("failed")
                        .is_none_or(|f| f == "database" || f == "schema"),
                    "{body}"
                );
                let took = at.elapsed();
                let live = anonymous.get(&live_url).send().await.unwrap();
                let scraped = Instant::now();
                let scrape = anonymous
                    .get(&metrics_url)
                    .bearer_auth(METRICS_TOKEN)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(scrape.status(), 200);
                let scrape = scrape.text().await.unwrap();
                probes.lock().unwrap().push((
                    at,
                    Probe {
                        took,
                        ready: ready_status,
                        live: live.status().as_u16(),
                        scrape_took: scraped.elapsed(),
                        database_up: sample(&scrape, "docket_database_up"),
                    },
                ));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };

    tokio::time::sleep(Duration::from_secs(2)).await;
    let down_at = Instant::now();
    cluster.stop_server();
    tokio::time::sleep(Duration::from_secs(4)).await;
    cluster.start_server();
    let up_at = Instant::now();
    // Load goes on for 2 s after the instance says it is ready again (bounded).
    let deadline = up_at + Duration::from_secs(15);
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let ready_since = probes
            .lock()
            .unwrap()
            .iter()
            .find(|(at, p)| *at > up_at && p.ready == 200)
            .map(|(at, _)| *at);
        if ready_since.is_some_and(|at| at.elapsed() > Duration::from_secs(2))
            || Instant::now() > deadline
        {
            break;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    for task in load {
        task.await.unwrap();
    }
    prober.await.unwrap();

    let answers = std::mem::take(&mut *answers.lock().unwrap());
    let probes = std::mem::take(&mut *probes.lock().unwrap());
    let logs = server.logs();

    // No request hung, and each was answered by a success or a proper 503.
    for a in &answers {
        assert!(
            a.took < NO_HANG,
            "a create took {:?}: {a:?}\n{logs}",
            a.took
        );
        match a.status {
            201 => assert!(a.key.is_some(), "{a:?}"),
            503 => assert!(
                a.retry_after && a.problem,
                "a 503 without Retry-After or problem+json: {a:?}"
            ),
            other => panic!("a create answered {other}: {a:?}\n{logs}"),
        }
    }
    let unavailable = answers.iter().filter(|a| a.status == 503).count();
    assert!(unavailable > 0, "no create met the outage: {answers:?}");
    assert!(
        answers.iter().any(|a| a.sent < down_at && a.status == 201),
        "no create succeeded before the outage"
    );
    // Once the database is back and the instance says it is ready, creates succeed:
    // no stale connection is handed out.
    let ready_again = probes
        .iter()
        .find(|(at, p)| *at > up_at && p.ready == 200)
        .map(|(at, _)| *at + Duration::from_millis(300))
        .unwrap_or_else(|| panic!("/readyz never answered 200 after the outage: {probes:?}"));
    let after: Vec<&Answer> = answers.iter().filter(|a| a.sent > ready_again).collect();
    assert!(
        !after.is_empty(),
        "no create after the instance was ready again"
    );
    assert!(
        after.iter().all(|a| a.status == 201),
        "creates failed after the instance was ready again: {after:?}\n{logs}"
    );

    // Health: every probe answered in time; live throughout; ready, then not, then ready.
    for (_, p) in &probes {
        assert!(p.took < NO_HANG, "a probe took {:?}", p.took);
        assert_eq!(p.live, 200, "{p:?}");
        // Scrapes answer throughout; the database's part says whether it answered.
        assert!(p.scrape_took < NO_HANG, "a scrape took {:?}", p.scrape_took);
        assert!(p.database_up.is_some(), "{p:?}");
    }
    let database_up: Vec<f64> = probes.iter().filter_map(|(_, p)| p.database_up).collect();
    let first_down = database_up.iter().position(|&v| v == 0.0);
    assert!(
        first_down.is_some_and(|d| d > 0 && database_up[d..].contains(&1.0)),
        "docket_database_up should go 1, 0, 1: {database_up:?}"
    );
    let readiness: Vec<u16> = probes.iter().map(|(_, p)| p.ready).collect();
    let first_up = readiness.iter().position(|&s| s == 200);
    let then_down = first_up.and_then(|u| readiness[u..].iter().position(|&s| s == 503));
    let back_up = then_down.and_then(|d| {
        readiness[first_up.unwrap() + d..]
            .iter()
            .position(|&s| s == 200)
    });
    assert!(
        back_up.is_some(),
        "/readyz should go 200, 503, 200: {readiness:?}"
    );

    // The metrics counted every create's answer, 503s included.
    let scrape = anonymous
        .get(server.url("/metrics"))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for status in [201, 503] {
        let answered = answers.iter().filter(|a| a.status == status).count();
        assert_eq!(
            sample(
                &scrape,
                &format!(
                    "docket_http_requests_total{{method=\"POST\",route=\"/api/v1/tickets\",status=\"{status}\"}}"
                )
            ),
            Some(answered as f64),
            "{scrape}"
        );
    }

    // Nothing acknowledged was lost.
    let db = sea_orm::Database::connect(cluster.url()).await.unwrap();
    let acknowledged: Vec<&str> = answers.iter().filter_map(|a| a.key.as_deref()).collect();
    let stored: std::collections::HashSet<String> = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT key FROM tickets",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "key").unwrap())
        .collect();
    let missing: Vec<&&str> = acknowledged
        .iter()
        .filter(|k| !stored.contains(**k))
        .collect();
    assert!(
        missing.is_empty(),
        "answered 201 but not stored: {missing:?}"
    );
    // The background loops said the outage once each, not at every tick.
    let said = logs
        .lines()
        .filter(|l| l.contains("type refresher") && l.contains("unreachable"))
        .count();
    assert!(
        (1..=2).contains(&said),
        "the type refresher logged the outage {said} times:\n{logs}"
    );
    db.close().await.unwrap();
}

// ---- stopping ----

/// A webhook receiver that accepts connections and never answers: a delivery to it
/// stays in flight, its lease held, for the worker's whole timeout.
async fn silent_receiver() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (url, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_requests_and_gives_back_leases() {
    let test_db = docket_store::testing::TestDb::new(docket_store::Backend::Postgres).await;
    let url = test_db.process_url();
    let token = prepare(&test_db.url, test_db.schema.as_deref()).await;
    let mut server = Server::start(&url, "sigterm");
    let http = client(&token);
    let db = test_db.store.connection().clone();

    // A delivery in flight: its lease is this instance's until the attempt ends.
    let (hook, _receiver) = silent_receiver().await;
    let r = http
        .post(server.url("/api/v1/webhook-subscriptions"))
        .json(&json!({"name": "ops", "url": hook, "events": ["ticket.created"], "types": ["it_support"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = http
        .post(server.url("/api/v1/tickets"))
        .json(&ticket("first"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let leased = "SELECT count(*) AS n FROM deliveries WHERE lease_owner IS NOT NULL";
    let waited = Instant::now();
    while count(&db, leased).await == 0 {
        assert!(
            waited.elapsed() < Duration::from_secs(15),
            "no delivery was leased:\n{}",
            server.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A live stream, open throughout.
    let mut stream = http
        .get(server.url("/api/v1/stream"))
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);

    // A create in flight: it waits on a lock the test holds.
    let lock = db.begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE")
        .await
        .unwrap();
    let in_flight = tokio::spawn({
        let (http, url) = (http.clone(), server.url("/api/v1/tickets"));
        async move {
            http.post(url)
                .json(&ticket("in flight"))
                .timeout(Duration::from_secs(30))
                .send()
                .await
        }
    });
    // A lock on this schema's `tickets` that someone waits for: the create.
    let waiting =
        "SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND relation = 'tickets'::regclass";
    let waited = Instant::now();
    while count(&db, waiting).await == 0 {
        assert!(
            waited.elapsed() < Duration::from_secs(10),
            "the create never waited on the lock"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    server.signal("TERM");
    // The listener closes at once; the instance stays for the create in flight.
    let refused = Instant::now();
    loop {
        match tokio::net::TcpStream::connect(&server.addr).await {
            Err(_) => break,
            Ok(_) => {
                assert!(
                    refused.elapsed() < Duration::from_secs(5),
                    "still accepting connections after SIGTERM"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    // The stream ended rather than holding the shutdown open.
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    assert!(
        ended.is_ok(),
        "the live stream was still open after SIGTERM"
    );
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the instance exited with a request in flight:\n{}",
        server.logs()
    );

    lock.commit().await.unwrap();
    let answered = in_flight
        .await
        .unwrap()
        .expect("the create in flight was answered");
    assert_eq!(answered.status(), 201, "{}", answered.text().await.unwrap());
    let exited = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            exited.elapsed() < Duration::from_secs(10),
            "the instance did not exit:\n{}",
            server.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}\n{}", server.logs());
    assert_eq!(
        count(
            &db,
            "SELECT count(*) AS n FROM tickets WHERE title = 'in flight'"
        )
        .await,
        1
    );
    // The delivery is free for another instance at once, not when the lease expires.
    assert_eq!(count(&db, leased).await, 0, "{}", server.logs());
    assert_eq!(
        count(
            &db,
            "SELECT count(*) AS n FROM jobs WHERE lease_owner IS NOT NULL"
        )
        .await,
        0
    );
    assert!(
        server.logs().contains("leases given back"),
        "{}",
        server.logs()
    );
}

// ---- SQLite ----

/// Another process holding SQLite's write lock (a backup, a `docket` command) makes a
/// write wait out the busy timeout, then answer 503 with Retry-After: not hang, and not
/// a 500. Reads go on meanwhile (WAL), so the instance stays ready.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_sqlite_file_is_a_503_then_writes_resume() {
    use sea_orm::sqlx::{Connection, Executor, SqliteConnection};
    let app = common::TestApp::new(docket_store::Backend::Sqlite).await;
    let mut other = SqliteConnection::connect(&app.db.url).await.unwrap();
    other.execute("BEGIN IMMEDIATE").await.unwrap();

    let r = app.post("/tickets", &ticket("while locked")).await;
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let ready = app
        .anonymous
        .get(format!("http://{}/readyz", app.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);

    other.execute("ROLLBACK").await.unwrap();
    app.create(ticket("after the lock")).await;
}
