//! `/metrics` as Prometheus reads it: scraped over HTTP and parsed by the reference
//! Python client's text-format parser (prometheus-client, in `.venv`), then checked
//! against what the test did: requests by route template and status, delivery attempts,
//! the queues' backlog, the pools, the process. Served only to the token's bearer on the
//! main address, or without one on the private metrics address of `docket serve`.

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use docket_mail::testing::free_port;
use docket_server::metrics::Metrics;
use serde_json::{Value, json};

const TOKEN: &str = "scrape-me-please";

/// One sample as the parser read it.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: serde_json::Map<String, Value>,
    value: f64,
    family_type: String,
}

fn venv_python() -> PathBuf {
    let venv = std::env::var_os("DOCKET_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv"));
    let path = venv.join("bin/python");
    assert!(
        path.is_file(),
        "the metrics test needs prometheus-client in {}: run scripts/python-tools",
        venv.display()
    );
    path
}

/// Parse an exposition with prometheus_client's parser; it fails on anything it cannot
/// read, and so does this.
fn parse(text: &str) -> Vec<Sample> {
    let file = std::env::temp_dir().join(format!(
        "docket-metrics-{}-{}.txt",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::write(&file, text).unwrap();
    let script = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for family in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in family.samples:
        out.append({"name": s.name, "labels": s.labels, "value": s.value, "type": family.type})
print(json.dumps(out))
"#;
    let output = Command::new(venv_python())
        .args(["-c", script])
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(
        output.status.success(),
        "the Prometheus parser refused the exposition: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
    parsed
        .into_iter()
        .map(|s| Sample {
            name: s["name"].as_str().unwrap().to_string(),
            labels: s["labels"].as_object().unwrap().clone(),
            value: s["value"].as_f64().unwrap(),
            family_type: s["type"].as_str().unwrap().to_string(),
        })
        .collect()
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// The value of the one sample named `name` with these labels (others may exist).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let found: Vec<&Sample> = samples
        .iter()
        .filter(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).and_then(Value::as_str) == Some(*v))
        })
        .collect();
    assert!(found.len() <= 1, "{name} {labels:?} matches {found:?}");
    found.first().map(|s| s.value)
}

async fn scrape(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut request = app.anonymous.get(format!("http://{}/metrics", app.addr));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn run(backend: docket_store::Backend) {
    let metrics = Arc::new(Metrics::with_token(Some(TOKEN)));
    let app = TestApp::with_metrics(backend, metrics.clone()).await;

    // Only the token's bearer reads the metrics.
    let r = scrape(&app, None).await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    assert_eq!(scrape(&app, Some("not-the-token")).await.status(), 401);

    // Some traffic: creates, reads of two tickets (one route), a miss, a refusal.
    let nobody = free_port();
    json_of(
        app.post(
            "/webhook-subscriptions",
            &json!({"name": "down", "url": format!("http://127.0.0.1:{nobody}/hook"),
                "events": ["ticket.created"], "types": ["it_support"]}),
        )
        .await,
        201,
    )
    .await;
    let mut keys = Vec::new();
    for title in ["Printer jams", "VPN drops"] {
        let t = app
            .create(json!({"type": "it_support", "title": title,
                "requester": {"email": "ada@example.com"},
                "fields": {"category": "hardware", "impact": "individual"}}))
            .await;
        keys.push(t["key"].as_str().unwrap().to_string());
    }
    for key in &keys {
        json_of(app.get(&format!("/tickets/{key}")).await, 200).await;
    }
    assert_eq!(app.get("/no-such-thing").await.status(), 404);
    assert_eq!(
        app.anonymous
            .get(app.url("/tickets"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // The receiver is down: the worker's attempts fail, and are counted.
    let attempted = delivery_worker(&app)
        .with_metrics(metrics.clone())
        .run_once()
        .await
        .unwrap();
    assert_eq!(attempted, 2);

    let r = scrape(&app, Some(TOKEN)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let samples = parse(&r.text().await.unwrap());

    let requests = |method, route, status| {
        value(
            &samples,
            "docket_http_requests_total",
            &[("method", method), ("route", route), ("status", status)],
        )
    };
    assert_eq!(requests("POST", "/api/v1/tickets", "201"), Some(2.0));
    assert_eq!(requests("GET", "/api/v1/tickets/{key}", "200"), Some(2.0));
    assert_eq!(requests("GET", "unmatched", "404"), Some(1.0));
    assert_eq!(requests("GET", "/api/v1/tickets", "401"), Some(1.0));
    assert_eq!(requests("GET", "/metrics", "401"), Some(2.0));
    // No series names a ticket's key: routes are templates.
    assert!(
        !samples.iter().any(|s| keys
            .iter()
            .any(|k| s.labels.values().any(|v| v.as_str() == Some(k)))),
        "a series is labelled with a ticket key"
    );
    // The histogram agrees with the counter, and its buckets are cumulative.
    let histogram = "docket_http_request_duration_seconds";
    let labels = [
        ("method", "POST"),
        ("route", "/api/v1/tickets"),
        ("status", "201"),
    ];
    assert_eq!(
        value(&samples, &format!("{histogram}_count"), &labels),
        Some(2.0)
    );
    let mut inf = labels.to_vec();
    inf.push(("le", "+Inf"));
    assert_eq!(
        value(&samples, &format!("{histogram}_bucket"), &inf),
        Some(2.0)
    );
    let buckets: Vec<f64> = samples
        .iter()
        .filter(|s| {
            s.name == format!("{histogram}_bucket")
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).and_then(Value::as_str) == Some(*v))
        })
        .map(|s| s.value)
        .collect();
    assert_eq!(buckets.len(), 12);
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]), "{buckets:?}");
    assert!(value(&samples, &format!("{histogram}_sum"), &labels).unwrap() > 0.0);
    assert!(samples.iter().any(|s| s.family_type == "histogram"));

    // Deliveries: both attempts failed; the failures wait for their retry.
    assert_eq!(
        value(
            &samples,
            "docket_delivery_attempts_total",
            &[("channel", "webhook"), ("outcome", "failed")]
        ),
        Some(2.0)
    );
    assert_eq!(
        value(
            &samples,
            "docket_delivery_attempts_total",
            &[("channel", "webhook"), ("outcome", "delivered")]
        ),
        Some(0.0)
    );
    assert_eq!(
        value(&samples, "docket_deliveries_due", &[("channel", "webhook")]),
        Some(0.0)
    );
    assert_eq!(value(&samples, "docket_outbox_waiting", &[]), Some(0.0));

    // The queues and the database.
    assert_eq!(value(&samples, "docket_database_up", &[]), Some(1.0));
    for queue in ["sla", "sla-recompute", "ai", "mailbox"] {
        assert!(
            value(&samples, "docket_jobs_due", &[("queue", queue)]).is_some(),
            "no docket_jobs_due for {queue}"
        );
        assert!(value(&samples, "docket_jobs_lag_seconds", &[("queue", queue)]).unwrap() >= 0.0);
    }
    assert_eq!(
        value(
            &samples,
            "docket_sla_escalations_total",
            &[("outcome", "fired")]
        ),
        Some(0.0)
    );
    let pool = match backend {
        docket_store::Backend::Sqlite => "readers",
        _ => "main",
    };
    assert!(
        value(
            &samples,
            "docket_db_pool_max_connections",
            &[("pool", pool)]
        )
        .unwrap()
            >= 1.0
    );
    assert!(
        value(
            &samples,
            "docket_db_pool_connections",
            &[("pool", pool), ("state", "idle")]
        )
        .is_some()
    );
    // The scrape itself is in flight while it is written.
    assert!(value(&samples, "docket_http_requests_in_flight", &[]).unwrap() >= 1.0);
    assert!(value(&samples, "process_resident_memory_bytes", &[]).unwrap() > 1e6);
    assert!(value(&samples, "process_open_fds", &[]).unwrap() > 0.0);
    assert!(value(&samples, "process_start_time_seconds", &[]).unwrap() > 1.7e9);
    assert_eq!(
        value(
            &samples,
            "docket_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        Some(1.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_metrics_count_what_happened() {
    run(docket_store::Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_metrics_count_what_happened() {
    run(docket_store::Backend::Postgres).await
}

api_test!(
    without_a_token_metrics_are_not_served_on_the_main_address,
    |app| async move {
        let r = scrape(&app, Some(TOKEN)).await;
        assert_eq!(r.status(), 404);
        let problem: Value = r.json().await.unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("DOCKET_METRICS_BIND"),
            "{problem}"
        );
    }
);

/// `docket serve` with `DOCKET_METRICS_BIND`: the private address serves `/metrics` to
/// anyone who reaches it, and nothing else; the main address keeps them to itself.
#[tokio::test]
async fn docket_serve_answers_scrapes_on_its_private_metrics_address() {
    let data = std::env::temp_dir().join(format!("docket-metrics-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    let (port, metrics_port) = (free_port(), free_port());
    let mut server = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DOCKET_DATA_DIR", &data)
        .env("DOCKET_TYPES_DIR", common::shipped_types_dir())
        .env("DOCKET_METRICS_BIND", format!("127.0.0.1:{metrics_port}"))
        .env_remove("DOCKET_DATABASE_URL")
        .env_remove("DOCKET_METRICS_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let metrics_url = format!("http://127.0.0.1:{metrics_port}/metrics");
    let mut answer = None;
    for _ in 0..150 {
        if let Ok(r) = client.get(&metrics_url).send().await {
            answer = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = answer.expect("the metrics address did not answer");
    assert_eq!(r.status(), 200);
    let samples = parse(&r.text().await.unwrap());
    assert_eq!(value(&samples, "docket_database_up", &[]), Some(1.0));
    assert!(
        value(
            &samples,
            "docket_db_pool_max_connections",
            &[("pool", "writer")]
        )
        .is_some()
    );

    // The API is not on the metrics address, nor the metrics on the main one.
    let r = client
        .get(format!("http://127.0.0.1:{metrics_port}/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // A request to the main address shows on the next scrape.
    let r = client
        .get(format!("http://127.0.0.1:{port}/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let samples = parse(
        &client
            .get(&metrics_url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(
        value(
            &samples,
            "docket_http_requests_total",
            &[
                ("method", "GET"),
                ("route", "/api/v1/health"),
                ("status", "200")
            ]
        ),
        Some(1.0)
    );

    server.kill().unwrap();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&data);
}
