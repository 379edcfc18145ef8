//! `docket backup` and `docket restore` as an operator runs them (the real binary), on
//! SQLite and on PostgreSQL.
//!
//! `backup_under_load`: clients create tickets of a type with a field of every column
//! kind, some with a file, while `docket backup` runs. The backup restores into an empty
//! database apart from the source (a new SQLite file; on PostgreSQL the backup's schema
//! in another database) that holds every ticket acknowledged before the backup started, with its
//! extension row's values, and every file acknowledged before then, byte for byte; it
//! holds nothing that was never acknowledged; the sealed secret opens with the same key;
//! and the counts printed by the backup and by the restore are the same.
//!
//! `files_in_a_bucket_are_named_not_held`: the summary counts a bucket's files apart and
//! says they are not in the backup.
//!
//! `restore_refuses`: a target that holds data (left as it was), a backup of the other
//! backend, a file that is not a backup, and (PostgreSQL) a URL whose search path does
//! not lead to the backup's schema. `backup_refuses_to_replace`: an existing file
//! without `--force`.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{TestApp, json_of, test_master_key};
use docket_store::identity::Actor;
use docket_store::testing::{TestDb, postgres_url};
use docket_store::{Backend, Store};
use reqwest::Client;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const TEST_MASTER_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// Declare a test that runs once on SQLite and once on PostgreSQL.
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(docket_store::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(docket_store::Backend::Postgres).await
            }
        }
    };
}

both_backends!(backup_under_load);
both_backends!(restore_refuses);
both_backends!(backup_refuses_to_replace);

// ---- the database a restore goes into ----

/// A folder of the test's own, removed at the end (panics included).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "docket-backup-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The PostgreSQL database restores go into, made by the first test that needs it and
/// kept: each test restores into a schema of its own there and drops that schema. Not a
/// database per test: on PostgreSQL 15 `DROP DATABASE` forces an immediate checkpoint and
/// waits for it, which took 88 s on a busy machine.
const RESTORE_DATABASE: &str = "docket_test_restores";

/// Where a restore goes: a SQLite path that does not exist yet, or PostgreSQL's restore
/// database with the backup's schema as its search path (the schema not there yet,
/// dropped at the end).
struct Target {
    /// The URL `docket restore` and the restored server use.
    url: String,
    /// The URL without the search path (PostgreSQL), for the checks that need it.
    bare_url: String,
    schema: Option<String>,
    _dir: TempDir,
}

impl Target {
    async fn new(source: &TestDb, dir: TempDir) -> Target {
        let Some(schema) = &source.schema else {
            return Target {
                url: format!("sqlite://{}", dir.0.join("restored/docket.db").display()),
                bare_url: String::new(),
                schema: None,
                _dir: dir,
            };
        };
        let admin = Database::connect(postgres_url()).await.unwrap();
        let made = admin
            .execute_unprepared(&format!("CREATE DATABASE {RESTORE_DATABASE}"))
            .await;
        // Another test made it first (at the same moment, the unique index says so).
        if let Err(e) = made {
            let e = e.to_string();
            assert!(
                e.contains("already exists") || e.contains("duplicate key"),
                "{e}"
            );
        }
        admin.close().await.ok();
        let mut bare = reqwest::Url::parse(&postgres_url()).unwrap();
        bare.set_path(RESTORE_DATABASE);
        let bare_url = bare.to_string();
        bare.query_pairs_mut()
            .append_pair("options", &format!("-c search_path={schema}"));
        Target {
            url: bare.to_string(),
            bare_url,
            schema: Some(schema.clone()),
            _dir: dir,
        }
    }

    async fn open(&self) -> Store {
        let store = Store::connect(&self.url, None).await.unwrap();
        store.refresh_types().await.unwrap();
        store
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        let Some(schema) = self.schema.take() else {
            return;
        };
        docket_store::testing::drop_schema_from_drop(&self.bare_url, &schema);
    }
}

// ---- the docket command ----

/// Run `docket <args>` against the database at `url`, in `dir` (no config file there).
fn docket(dir: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(args)
        .current_dir(dir)
        .env_remove("DOCKET_CONFIG")
        .env("DOCKET_DATABASE_URL", url)
        .env("DOCKET_DATA_DIR", dir.join("data"))
        .env("DOCKET_MASTER_KEY", TEST_MASTER_KEY)
        .env("DOCKET_LOG", "warn")
        .env("NO_COLOR", "1")
        .output()
        .expect("run docket")
}

/// `docket` on a thread of its own, so the load goes on around it.
async fn docket_async(dir: &Path, url: &str, args: &[&str]) -> Output {
    let (dir, url) = (dir.to_path_buf(), url.to_string());
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        docket(&dir, &url, &args)
    })
    .await
    .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn succeeded(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

fn failed(out: &Output, what: &str) -> String {
    assert!(
        !out.status.success(),
        "{what} succeeded and should not have:\n{}",
        stdout(out)
    );
    stderr(out)
}

/// The summary's count lines (`  tickets         42`): a backup and its restore print
/// the same ones.
fn counts(summary: &str) -> Vec<String> {
    summary
        .lines()
        .filter(|l| l.starts_with("  "))
        .map(str::to_string)
        .collect()
}

fn count_of(summary: &str, name: &str) -> u64 {
    summary
        .lines()
        .find_map(|l| l.strip_prefix(&format!("  {name:<15} ")))
        .unwrap_or_else(|| panic!("no `{name}` in:\n{summary}"))
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

// ---- the load ----

/// A type with a field of every column kind.
fn asset_type() -> Value {
    json!({"slug": "asset", "name": "Asset", "key_prefix": "AST", "schema": {
        "type": "object", "properties": {
            "tag": {"type": "string", "x-index": true},
            "count": {"type": "integer"},
            "weight": {"type": "number"},
            "working": {"type": "boolean"},
            "seen_at": {"type": "string", "format": "date-time"},
            "bought": {"type": "string", "format": "date"},
            "kind": {"type": "string", "enum": ["laptop", "phone", "printer"]},
            "labels": {"type": "array", "items": {"type": "string"}}}}})
}

fn asset(worker: usize, n: usize) -> Value {
    let kind = ["laptop", "phone", "printer"][n % 3];
    json!({"type": "asset", "title": format!("asset {worker}-{n}"),
        "requester": {"email": format!("owner{worker}@example.com")},
        "fields": {
            "tag": format!("A-{worker}-{n}"),
            "count": n,
            "weight": n as f64 + 0.25,
            "working": n.is_multiple_of(2),
            "seen_at": format!("2026-03-04T05:06:{:02}.{:06}Z", n % 60, n * 7 % 1_000_000),
            "bought": "2025-12-31",
            "kind": kind,
            "labels": ["backup", format!("worker-{worker}")]}})
}

/// Bytes of a file, different for each ticket and from 1 to 48 kB long.
fn file_bytes(worker: usize, n: usize) -> Vec<u8> {
    let seed = Sha256::digest(format!("{worker}-{n}"));
    let len = 1024 + usize::from(seed[0]) * 188;
    seed.iter()
        .cycle()
        .take(len)
        .enumerate()
        .map(|(i, b)| b ^ (i as u8))
        .collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What the clients were told, and when.
#[derive(Default)]
struct Acknowledged {
    /// Key -> (fields as answered, when the 201 arrived).
    tickets: HashMap<String, (Value, Instant)>,
    /// (key, SHA-256 of the bytes, when the 201 arrived).
    files: Vec<(String, String, Instant)>,
}

async fn create_load(
    client: Client,
    base: String,
    worker: usize,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Acknowledged>>,
) {
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let r = client
            .post(format!("{base}/tickets"))
            .json(&asset(worker, n))
            .send()
            .await
            .unwrap();
        let ticket = json_of(r, 201).await;
        let key = ticket["key"].as_str().unwrap().to_string();
        acked
            .lock()
            .unwrap()
            .tickets
            .insert(key.clone(), (ticket["fields"].clone(), Instant::now()));
        if n.is_multiple_of(3) {
            let bytes = file_bytes(worker, n);
            let sha = sha256_hex(&bytes);
            let r = client
                .post(format!(
                    "{base}/tickets/{key}/attachments?filename=scan-{n}.bin"
                ))
                .header("content-type", "application/octet-stream")
                .body(bytes)
                .send()
                .await
                .unwrap();
            json_of(r, 201).await;
            acked.lock().unwrap().files.push((key, sha, Instant::now()));
        }
    }
}

// ---- the tests ----

async fn backup_under_load(backend: Backend) {
    let app = TestApp::new(backend).await;
    json_of(
        app.post("/types/apply", &json!({"definition": asset_type()}))
            .await,
        200,
    )
    .await;
    app.db
        .store
        .set_secret(
            &test_master_key(),
            "backup_probe",
            "sealed before the backup",
            &Actor::new("test", None),
        )
        .await
        .unwrap();
    let dir = TempDir::new("load");
    let source_url = app.db.process_url();
    let file = dir.0.join("docket.backup");

    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let load: Vec<_> = (0..3)
        .map(|worker| {
            tokio::spawn(create_load(
                app.client.clone(),
                app.url(""),
                worker,
                stop.clone(),
                acked.clone(),
            ))
        })
        .collect();
    // Some tickets and files first, then the backup while the clients go on.
    while acked.lock().unwrap().files.len() < 15 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let backup_started = Instant::now();
    let out = docket_async(
        &dir.0,
        &source_url,
        &["backup", "--output", file.to_str().unwrap()],
    )
    .await;
    let backup_ended = Instant::now();
    let backed_up = succeeded(&out, "docket backup");
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, Ordering::SeqCst);
    for worker in load {
        worker.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    let during = acked
        .tickets
        .values()
        .filter(|(_, at)| (backup_started..backup_ended).contains(at))
        .count();
    eprintln!(
        "{} tickets and {} files acknowledged, {during} tickets while the backup ran",
        acked.tickets.len(),
        acked.files.len()
    );
    assert!(backed_up.contains("is not in this backup"), "{backed_up}");

    let target = Target::new(&app.db, TempDir::new("load-target")).await;
    let out = docket_async(
        &dir.0,
        &target.url,
        &["restore", "--input", file.to_str().unwrap()],
    )
    .await;
    let restored = succeeded(&out, "docket restore");
    assert_eq!(counts(&restored), counts(&backed_up), "{restored}");
    assert!(
        restored.contains("the master key here") && restored.contains("opens the sealed secrets"),
        "{restored}"
    );
    // One snapshot: every ticket with its extension row.
    assert_eq!(
        count_of(&restored, "tickets"),
        count_of(&restored, "extension rows")
    );

    // The restored database, served: the admin's token is in it.
    let store = target.open().await;
    assert_eq!(
        store
            .reveal_secret(&test_master_key(), "backup_probe")
            .await
            .unwrap()
            .as_deref(),
        Some("sealed before the backup")
    );
    let (addr, _stop_restored) = common::serve(store.clone()).await;
    let restored_api = |path: &str| format!("http://{addr}/api/v1{path}");
    let mut present = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut page = vec![("type", "asset".to_string()), ("limit", "200".to_string())];
        page.extend(cursor.map(|c| ("cursor", c)));
        let r = app.client.get(restored_api("/tickets")).query(&page).send();
        let body = json_of(r.await.unwrap(), 200).await;
        for t in body["items"].as_array().unwrap() {
            present.insert(t["key"].as_str().unwrap().to_string());
        }
        cursor = body["next_cursor"].as_str().map(str::to_string);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(present.len() as u64, count_of(&restored, "tickets"));
    let unknown: Vec<_> = present
        .iter()
        .filter(|k| !acked.tickets.contains_key(*k))
        .collect();
    assert!(
        unknown.is_empty(),
        "restored but never acknowledged: {unknown:?}"
    );
    let mut checked = 0;
    for (key, (fields, at)) in &acked.tickets {
        if *at >= backup_started {
            continue;
        }
        assert!(
            present.contains(key),
            "{key} was acknowledged before the backup and is missing"
        );
        let t = json_of(
            app.client
                .get(restored_api(&format!("/tickets/{key}")))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(&t["fields"], fields, "{key}'s extension row");
        checked += 1;
    }
    let mut files_checked = 0;
    for (key, sha, at) in &acked.files {
        if *at >= backup_started {
            continue;
        }
        let list = json_of(
            app.client
                .get(restored_api(&format!("/tickets/{key}/attachments")))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        let id = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["sha256"] == sha.as_str())
            .unwrap_or_else(|| panic!("{key}'s file {sha} is missing: {list}"))["id"]
            .as_i64()
            .unwrap();
        let bytes = app
            .client
            .get(restored_api(&format!("/attachments/{id}/content")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(&sha256_hex(&bytes), sha, "{key}'s file, byte for byte");
        files_checked += 1;
    }
    assert!(
        checked >= 6 && files_checked >= 6,
        "{checked} tickets, {files_checked} files"
    );
    store.close().await;
}

async fn restore_refuses(backend: Backend) {
    let app = TestApp::new(backend).await;
    app.create(json!({"type": "it_support", "title": "kept as it is",
        "fields": {"category": "hardware", "impact": "individual"}}))
        .await;
    let dir = TempDir::new("refuse");
    let source_url = app.db.process_url();
    let file = dir.0.join("docket.backup");
    let file_arg = file.to_str().unwrap();
    succeeded(
        &docket(&dir.0, &source_url, &["backup", "--output", file_arg]),
        "docket backup",
    );
    let before = app.db.store.inventory().await.unwrap();

    // Into the database it came from: it holds data, so nothing happens.
    let err = failed(
        &docket(&dir.0, &source_url, &["restore", "--input", file_arg]),
        "restore into a database with data",
    );
    assert!(
        err.contains("already holds") && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(app.db.store.inventory().await.unwrap(), before);
    let listed = json_of(app.get("/tickets?type=it_support").await, 200).await;
    assert_eq!(listed["items"][0]["title"], "kept as it is");

    // Into the other backend.
    let other_sqlite = dir.0.join("other/docket.db");
    let other = match backend {
        Backend::Sqlite => postgres_url(),
        Backend::Postgres => format!("sqlite://{}", other_sqlite.display()),
    };
    let err = failed(
        &docket(&dir.0, &other, &["restore", "--input", file_arg]),
        "restore into the other backend",
    );
    assert!(
        err.contains("restores only into the backend it was taken from"),
        "{err}"
    );
    assert!(!other_sqlite.exists(), "a refused restore made a database");

    // A file that is not a backup.
    let junk = dir.0.join("junk.sql");
    std::fs::write(&junk, "CREATE TABLE tickets (id int);\n").unwrap();
    let target = Target::new(&app.db, TempDir::new("refuse-target")).await;
    let err = failed(
        &docket(
            &dir.0,
            &target.url,
            &["restore", "--input", junk.to_str().unwrap()],
        ),
        "restore of a file that is not a backup",
    );
    assert!(err.contains("is not a Docket backup"), "{err}");

    if let Some(schema) = &target.schema {
        // A URL whose search path does not lead to the backup's schema: Docket would
        // not find what was restored.
        let err = failed(
            &docket(&dir.0, &target.bare_url, &["restore", "--input", file_arg]),
            "restore where Docket would not look",
        );
        assert!(
            err.contains(&format!("holds schema `{schema}`")) && err.contains("`public`"),
            "{err}"
        );
    }
    // Nothing was written into the target by any of that: a restore still works.
    succeeded(
        &docket(&dir.0, &target.url, &["restore", "--input", file_arg]),
        "docket restore",
    );
    let restored = target.open().await;
    assert_eq!(restored.inventory().await.unwrap().tickets, before.tickets);
    restored.close().await;
}

async fn backup_refuses_to_replace(backend: Backend) {
    let app = TestApp::new(backend).await;
    let dir = TempDir::new("replace");
    let url = app.db.process_url();
    let file = dir.0.join("docket.backup");
    std::fs::write(&file, "an older backup").unwrap();
    let err = failed(
        &docket(
            &dir.0,
            &url,
            &["backup", "--output", file.to_str().unwrap()],
        ),
        "backup over an existing file",
    );
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "an older backup");

    succeeded(
        &docket(
            &dir.0,
            &url,
            &["backup", "--force", "--output", file.to_str().unwrap()],
        ),
        "docket backup --force",
    );
    let head = std::fs::read(&file).unwrap();
    match backend {
        Backend::Sqlite => assert!(head.starts_with(b"SQLite format 3\0")),
        Backend::Postgres => assert!(head.starts_with(b"PGDMP")),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "a backup is readable by its owner only");
    }
    // Only the backup is there: no staged file left behind.
    let names: Vec<_> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "data")
        .collect();
    assert_eq!(names, ["docket.backup"]);
}

/// Files in an S3-compatible bucket: their rows are in the backup, their bytes are not,
/// and both summaries say so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_in_a_bucket_are_named_not_held() {
    use docket_store::attachments::{AttachmentPolicy, NewAttachment, ObjectStore};
    let app = TestApp::new(Backend::Sqlite).await;
    let t = app
        .create(json!({"type": "it_support", "title": "two files",
            "fields": {"category": "hardware", "impact": "individual"}}))
        .await;
    let key = t["key"].as_str().unwrap();
    let file = |name: &str, data: &[u8]| NewAttachment {
        filename: name.into(),
        content_type: Some("application/octet-stream".into()),
        data: data.to_vec(),
        actor: "test".into(),
        idempotency: None,
    };
    let policy = AttachmentPolicy::default();
    app.db
        .store
        .add_attachment(key, file("here.bin", b"in the database"), &policy)
        .await
        .unwrap();
    let s3 = docket_store::testing::s3::S3Server::start().await;
    let with_bucket = app
        .db
        .store
        .clone()
        .with_object_store(ObjectStore::new(s3.settings.clone()).unwrap());
    with_bucket
        .add_attachment(
            key,
            file("there.bin", b"in the bucket, 29 bytes long"),
            &policy,
        )
        .await
        .unwrap();

    let dir = TempDir::new("bucket");
    let backup = dir.0.join("docket.backup");
    let backup = backup.to_str().unwrap();
    let said = succeeded(
        &docket(
            &dir.0,
            &app.db.process_url(),
            &["backup", "--output", backup],
        ),
        "docket backup",
    );
    assert_eq!(count_of(&said, "attachments"), 1, "{said}");
    assert_eq!(count_of(&said, "in a bucket"), 1, "{said}");
    assert!(
        said.contains("in a bucket     1 (28 bytes), not in the backup"),
        "{said}"
    );
    assert!(
        said.contains("the 1 attachment(s) in the bucket are not in this backup"),
        "{said}"
    );
    let target = Target::new(&app.db, TempDir::new("bucket-target")).await;
    let said = succeeded(
        &docket(&dir.0, &target.url, &["restore", "--input", backup]),
        "docket restore",
    );
    assert!(said.contains("1 attachment(s) are in a bucket"), "{said}");
}
