//! What an operator reads: every answer names its request (`X-Request-Id`, and
//! `request_id` in problem documents), and with `DOCKET_LOG_FORMAT=json` the log is one
//! JSON object a line whose request lines carry that id.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test]
async fn problems_and_json_log_lines_carry_the_request_id() {
    let data = std::env::temp_dir().join(format!("docket-logs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DOCKET_DATA_DIR", &data)
        .env("DOCKET_TYPES_DIR", data.join("no-types"))
        .env("DOCKET_LOG_FORMAT", "json")
        .env("DOCKET_LOG", "info")
        .env_remove("DOCKET_DATABASE_URL")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if client.get(format!("{base}/healthz")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "docket serve did not answer");

    // The caller's id is kept, in the header and the problem document.
    let r = client
        .get(format!("{base}/api/v1/tickets"))
        .header("x-request-id", "probe-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["x-request-id"], "probe-42");
    let problem: serde_json::Value = r.json().await.unwrap();
    assert_eq!(problem["request_id"], "probe-42", "{problem}");
    assert_eq!(problem["status"], 401);

    // An id that is not a plain token is replaced by one of the server's own.
    let r = client
        .get(format!("{base}/api/v1/nope"))
        .header("x-request-id", "has spaces and \"quotes\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let made = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(made.starts_with('r') && made.len() >= 10, "{made}");
    let problem: serde_json::Value = r.json().await.unwrap();
    assert_eq!(problem["request_id"], made.as_str());

    // Answers that are not problems carry the header too.
    let r = client
        .get(format!("{base}/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("x-request-id"));

    server.kill().unwrap();
    let mut log = String::new();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    server.wait().unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let answered = lines
        .iter()
        .find(|l| l["span"]["request_id"] == "probe-42" && l["fields"]["status"] == 401)
        .unwrap_or_else(|| panic!("no access line for probe-42 in:\n{log}"));
    assert_eq!(answered["span"]["path"], "/api/v1/tickets");
    assert_eq!(answered["target"], "docket::access");
    let _ = std::fs::remove_dir_all(data);
}
