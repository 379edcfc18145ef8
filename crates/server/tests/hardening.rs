//! Operations hardening, on both backends: the login throttle holds back guessers, not
//! the account's owner; anonymous callers learn nothing about the database; files are
//! private; live streams follow the caller's access as it changes.

mod common;

use std::net::{IpAddr, Ipv4Addr};

use common::*;
use reqwest::Client;
use serde_json::json;

/// A client whose connections come from `ip` (any 127.x address reaches the server).
fn client_from(ip: [u8; 4]) -> Client {
    Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::from(ip)))
        .build()
        .unwrap()
}

async fn login(client: &Client, app: &TestApp, password: &str) -> reqwest::Response {
    client
        .post(app.url("/auth/login"))
        .json(&json!({"email": "admin@example.com", "password": password}))
        .send()
        .await
        .unwrap()
}

api_test!(
    a_stranger_guessing_does_not_lock_the_owner_out,
    |app| async move {
        // The throttle's backoff runs on the store's clock: frozen, a loaded machine cannot
        // outwait it between two requests.
        app.db.store.clock().freeze(chrono::Utc::now());
        let owner = client_from([127, 0, 0, 1]);
        let stranger = client_from([127, 0, 0, 2]);
        for _ in 0..5 {
            assert_eq!(login(&stranger, &app, "guess").await.status(), 401);
        }
        let r = login(&stranger, &app, "guess").await;
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "5", "the real wait");
        // The owner, from their own address, signs in.
        let r = login(&owner, &app, PASSWORD).await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
);

api_test!(
    health_tells_anonymous_callers_nothing_of_the_database,
    |app| async move {
        use sea_orm::ConnectionTrait;
        let r = app.anonymous.get(app.url("/health")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        app.db
            .store
            .connection()
            .execute_unprepared("DROP TABLE schema_state")
            .await
            .unwrap();
        let r = app.anonymous.get(app.url("/health")).send().await.unwrap();
        let body = problem(r, 503).await.to_string();
        for leak in [
            "schema_state",
            "no such table",
            "does not exist",
            "relation",
        ] {
            assert!(!body.contains(leak), "{body}");
        }
    }
);

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_files_are_private_from_creation() {
    use std::os::unix::fs::PermissionsExt;
    let root = std::env::temp_dir().join(format!("docket-private-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let db = root.join("data").join("docket.db");
    let store = docket_store::Store::connect(&format!("sqlite://{}", db.display()), None)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&root.join("data")), 0o700, "the data folder");
    // While it is open, WAL mode keeps the -wal and -shm files beside it.
    for file in ["docket.db", "docket.db-wal", "docket.db-shm"] {
        assert_eq!(mode(&root.join("data").join(file)), 0o600, "{file}");
    }
    store.close().await;
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_logs_the_database_url_without_its_password() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let db = docket_store::testing::TestDb::new(docket_store::Backend::Postgres).await;
    let schema = db.schema.as_deref().unwrap();
    // Trust authentication ignores the password, so the URL still connects.
    let url = db
        .url
        .replacen("://postgres@", "://postgres:hunter2-in-the-url@", 1);
    assert_ne!(url, db.url, "the test URL names the postgres user");
    let sep = if url.contains('?') { '&' } else { '?' };
    let url = format!("{url}{sep}options=-c%20search_path%3D{schema}&password=hunter3");
    let dir = std::env::temp_dir().join(format!("docket-redact-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .current_dir(std::env::temp_dir())
        .env_remove("DOCKET_CONFIG")
        .env_remove("DOCKET_BIND")
        .env_remove("DOCKET_LOG")
        .env("DOCKET_DATABASE_URL", &url)
        .env("DOCKET_DATA_DIR", &dir)
        .env("DOCKET_TYPES_DIR", dir.join("no-types"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start docket serve");
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut log = Vec::new();
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            let ready = line.contains("serving Docket at");
            log.push(line);
            if ready {
                break;
            }
        }
        log
    });
    let log = tokio::task::spawn_blocking(move || reader.join().unwrap())
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    let text = log.join("\n");
    assert!(text.contains("serving Docket at"), "{text}");
    assert!(
        text.contains("postgres:***@") && text.contains("password=***"),
        "{text}"
    );
    assert!(
        !text.contains("hunter2") && !text.contains("hunter3"),
        "{text}"
    );
}
