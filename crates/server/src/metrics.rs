//! Prometheus metrics: `/metrics` in the text exposition format (0.0.4), on a separate
//! private address (`DOCKET_METRICS_BIND`) or on the main one behind a bearer token
//! (`DOCKET_METRICS_TOKEN`); with neither it is not served, since route names, queue
//! depths and pool use are nobody else's business.
//!
//! Counts of what this process did (requests, escalations it fired, deliveries it
//! attempted) live here and restart at zero with the process, as Prometheus counters
//! may. What is waiting in the shared queues is read from the database at each scrape
//! (`Store::backlog`), so every instance reports the same backlog; the scrape bounds
//! that read, and answers the rest with `docket_database_up 0` when the database does
//! not answer in time.

mod exposition;
mod process;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::api::AppState;
use crate::error::ApiError;
use exposition::Exposition;

/// Upper bounds of the request latency buckets, in seconds (Prometheus' defaults: from
/// a cached read to a slow export).
const LATENCY_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How long a scrape waits for the database's part: under a usual 10 s scrape timeout,
/// and short enough that an outage shows as `docket_database_up 0`, not a failed scrape.
const DATABASE_WAIT: Duration = Duration::from_millis(800);

/// The route label of requests no API route matched.
const UNMATCHED: &str = "unmatched";
/// The route label of the web UI's files and screens (the fallback).
const WEB_UI: &str = "web-ui";

/// Requests of one method, route and status.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct RequestKind {
    method: String,
    /// The route's template (`/api/v1/tickets/{key}`), never the path itself: one series
    /// per route, whatever keys callers send.
    route: String,
    status: u16,
}

#[derive(Debug, Default, Clone)]
struct Latencies {
    /// Per bucket of `LATENCY_BUCKETS`, not cumulative (summed when written).
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

/// What this process counted; one per server, shared by its handlers and loops.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<HashMap<RequestKind, Latencies>>,
    in_flight: AtomicI64,
    escalations_fired: AtomicU64,
    escalations_failed: AtomicU64,
    /// Delivery attempts by (channel, outcome).
    deliveries: Mutex<HashMap<(String, &'static str), u64>>,
    /// SHA-256 of the token `/metrics` asks for on the main address.
    token_digest: Option<[u8; 32]>,
}

impl Metrics {
    /// Metrics that the main address serves to callers with this bearer token.
    pub fn with_token(token: Option<&str>) -> Metrics {
        process::mark_start();
        Metrics {
            token_digest: token.map(digest),
            ..Metrics::default()
        }
    }

    fn observe(&self, kind: RequestKind, took: Duration) {
        let seconds = took.as_secs_f64();
        let mut requests = self.requests.lock().expect("metrics lock");
        let series = requests.entry(kind).or_default();
        if let Some(i) = LATENCY_BUCKETS.iter().position(|le| seconds <= *le) {
            series.buckets[i] += 1;
        }
        series.count += 1;
        series.sum_seconds += seconds;
    }

    /// An SLA sweep's escalations: fired, and failed (to be tried again).
    pub fn escalations(&self, fired: u64, failed: u64) {
        self.escalations_fired.fetch_add(fired, Ordering::Relaxed);
        self.escalations_failed.fetch_add(failed, Ordering::Relaxed);
    }

    /// One delivery attempt: `delivered`, `failed` or `deferred`.
    pub fn delivery_attempt(&self, channel: &str, outcome: &'static str) {
        *self
            .deliveries
            .lock()
            .expect("metrics lock")
            .entry((channel.to_string(), outcome))
            .or_default() += 1;
    }

    fn write_counts(&self, out: &mut Exposition) {
        let mut requests: Vec<(RequestKind, Latencies)> = self
            .requests
            .lock()
            .expect("metrics lock")
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        requests.sort_by(|a, b| a.0.cmp(&b.0));
        let labels = |k: &RequestKind| {
            vec![
                ("method", k.method.clone()),
                ("route", k.route.clone()),
                ("status", k.status.to_string()),
            ]
        };
        out.family(
            "docket_http_requests_total",
            "counter",
            "HTTP requests answered, by method, route template and status.",
        );
        for (kind, series) in &requests {
            out.sample(
                "docket_http_requests_total",
                &labels(kind),
                series.count as f64,
            );
        }
        out.family(
            "docket_http_request_duration_seconds",
            "histogram",
            "Time from a request's arrival to its answer's head (a stream's lifetime is not counted), by method, route template and status.",
        );
        for (kind, series) in &requests {
            let mut cumulative = 0;
            for (le, n) in LATENCY_BUCKETS.iter().zip(series.buckets) {
                cumulative += n;
                let mut bucket = labels(kind);
                bucket.push(("le", le.to_string()));
                out.sample(
                    "docket_http_request_duration_seconds_bucket",
                    &bucket,
                    cumulative as f64,
                );
            }
            let mut all = labels(kind);
            all.push(("le", "+Inf".to_string()));
            out.sample(
                "docket_http_request_duration_seconds_bucket",
                &all,
                series.count as f64,
            );
            out.sample(
                "docket_http_request_duration_seconds_sum",
                &labels(kind),
                series.sum_seconds,
            );
            out.sample(
                "docket_http_request_duration_seconds_count",
                &labels(kind),
                series.count as f64,
            );
        }
        out.gauge(
            "docket_http_requests_in_flight",
            "Requests being served now.",
            self.in_flight.load(Ordering::Relaxed) as f64,
        );

        out.family(
            "docket_sla_escalations_total",
            "counter",
            "SLA escalations (warnings, breaches) this instance's sweeps fired, and those that failed and will be tried again.",
        );
        for (outcome, n) in [
            ("fired", &self.escalations_fired),
            ("failed", &self.escalations_failed),
        ] {
            out.sample(
                "docket_sla_escalations_total",
                &[("outcome", outcome.to_string())],
                n.load(Ordering::Relaxed) as f64,
            );
        }

        let mut deliveries: Vec<((String, &'static str), u64)> = self
            .deliveries
            .lock()
            .expect("metrics lock")
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        // Every channel and outcome from the start, so that rates work from the first
        // failure on.
        for channel in [
            docket_store::delivery::WEBHOOK,
            docket_store::delivery::EMAIL,
        ] {
            for outcome in ["delivered", "failed", "deferred"] {
                if !deliveries
                    .iter()
                    .any(|((c, o), _)| c == channel && *o == outcome)
                {
                    deliveries.push(((channel.to_string(), outcome), 0));
                }
            }
        }
        deliveries.sort();
        out.family(
            "docket_delivery_attempts_total",
            "counter",
            "Notification deliveries (webhooks, email) this instance attempted, by channel and outcome: delivered, failed (tried again later, or dead after the last attempt) or deferred (the channel itself was unusable, e.g. the SMTP relay down).",
        );
        for ((channel, outcome), n) in deliveries {
            out.sample(
                "docket_delivery_attempts_total",
                &[("channel", channel), ("outcome", outcome.to_string())],
                n as f64,
            );
        }
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Counts every answered request; on the app's outermost routed layer, where the matched
/// route's template is known.
pub async fn track(
    State(metrics): State<std::sync::Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let route = match request.extensions().get::<MatchedPath>() {
        Some(matched) => matched.as_str().to_string(),
        None if is_api_path(request.uri().path()) => UNMATCHED.to_string(),
        None => WEB_UI.to_string(),
    };
    let _in_flight = InFlight::enter(&metrics);
    let response = next.run(request).await;
    metrics.observe(
        RequestKind {
            method,
            route,
            status: response.status().as_u16(),
        },
        started.elapsed(),
    );
    response
}

fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// Counted in flight until dropped: also when the caller goes away mid-request.
struct InFlight<'a>(&'a Metrics);

impl<'a> InFlight<'a> {
    fn enter(metrics: &'a Metrics) -> InFlight<'a> {
        metrics.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(metrics)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The exposition's media type (Prometheus text format 0.0.4).
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `GET /metrics` on the main address: for the bearer of `DOCKET_METRICS_TOKEN`.
pub async fn scrape_with_token(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = app.metrics.token_digest else {
        return ApiError::not_found(
            "metrics are not served on this address: set DOCKET_METRICS_TOKEN, or DOCKET_METRICS_BIND for a private address",
        )
        .into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    // Digests compared, so the comparison's time says nothing about the token.
    if given.map(digest) != Some(expected) {
        let mut response = ApiError::unauthenticated_because(
            "metrics need `Authorization: Bearer <DOCKET_METRICS_TOKEN>`",
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    }
    scrape(State(app)).await
}

/// `GET /metrics` on the private metrics address.
pub async fn scrape(State(app): State<AppState>) -> Response {
    let text = render(&app).await;
    (StatusCode::OK, [(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response()
}

/// The whole exposition: this process's counts, then what the database says.
pub async fn render(app: &AppState) -> String {
    let mut out = Exposition::default();
    out.family(
        "docket_build_info",
        "gauge",
        "Always 1; the running version in its label.",
    );
    out.sample(
        "docket_build_info",
        &[("version", env!("CARGO_PKG_VERSION").to_string())],
        1.0,
    );
    app.metrics.write_counts(&mut out);
    out.gauge(
        "docket_live_streams",
        "Live update streams (GET /stream) open on this instance.",
        app.live.streams() as f64,
    );
    write_pools(&mut out, &app.store);
    let backlog = tokio::time::timeout(DATABASE_WAIT, app.store.backlog()).await;
    let up = match backlog {
        Ok(Ok(backlog)) => {
            write_backlog(&mut out, &backlog);
            true
        }
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "metrics: the backlog could not be read");
            false
        }
        Err(_) => false,
    };
    out.gauge(
        "docket_database_up",
        "1 when the database answered this scrape's queries in time; 0 otherwise (the queue gauges are then missing).",
        if up { 1.0 } else { 0.0 },
    );
    process::write(&mut out);
    out.finish()
}

fn write_pools(out: &mut Exposition, store: &docket_store::Store) {
    let pools = store.pool_use();
    out.family(
        "docket_db_pool_connections",
        "gauge",
        "Database connections open in each pool, in use or idle.",
    );
    for pool in &pools {
        for (state, n) in [
            ("in_use", pool.open.saturating_sub(pool.idle)),
            ("idle", pool.idle),
        ] {
            out.sample(
                "docket_db_pool_connections",
                &[
                    ("pool", pool.name.to_string()),
                    ("state", state.to_string()),
                ],
                n as f64,
            );
        }
    }
    out.family(
        "docket_db_pool_max_connections",
        "gauge",
        "The most connections each pool opens; requests wait (at most about a second) when all are in use.",
    );
    for pool in &pools {
        out.sample(
            "docket_db_pool_max_connections",
            &[("pool", pool.name.to_string())],
            pool.max as f64,
        );
    }
}

fn write_backlog(out: &mut Exposition, backlog: &docket_store::backlog::Backlog) {
    let lag = |oldest: Option<chrono::DateTime<chrono::Utc>>| {
        oldest.map_or(0.0, |at| {
            ((backlog.at - at).num_milliseconds().max(0) as f64) / 1000.0
        })
    };
    out.family(
        "docket_jobs_due",
        "gauge",
        "Background jobs (SLA clocks and their recomputation, AI, mailbox checks) whose time has come and that are not finished, by queue.",
    );
    for q in &backlog.jobs {
        out.sample(
            "docket_jobs_due",
            &[("queue", q.name.clone())],
            q.due as f64,
        );
    }
    out.family(
        "docket_jobs_lag_seconds",
        "gauge",
        "How long the oldest due job of each queue has waited (0 when none is due).",
    );
    for q in &backlog.jobs {
        out.sample(
            "docket_jobs_lag_seconds",
            &[("queue", q.name.clone())],
            lag(q.oldest_due),
        );
    }

    let channels = [
        docket_store::delivery::WEBHOOK,
        docket_store::delivery::EMAIL,
    ];
    let due = |channel: &str| backlog.deliveries_due.iter().find(|w| w.name == channel);
    out.family(
        "docket_deliveries_due",
        "gauge",
        "Notification deliveries waiting to be sent now, by channel.",
    );
    for channel in channels {
        out.sample(
            "docket_deliveries_due",
            &[("channel", channel.to_string())],
            due(channel).map_or(0, |w| w.due) as f64,
        );
    }
    out.family(
        "docket_deliveries_lag_seconds",
        "gauge",
        "How long the oldest due delivery of each channel has waited (0 when none is due).",
    );
    for channel in channels {
        out.sample(
            "docket_deliveries_lag_seconds",
            &[("channel", channel.to_string())],
            lag(due(channel).and_then(|w| w.oldest_due)),
        );
    }
    out.family(
        "docket_deliveries_dead",
        "gauge",
        "Deliveries that gave up after their last attempt, by channel (an admin may send them again).",
    );
    for channel in channels {
        let dead = backlog
            .deliveries_dead
            .iter()
            .find(|(c, _)| c == channel)
            .map_or(0, |(_, n)| *n);
        out.sample(
            "docket_deliveries_dead",
            &[("channel", channel.to_string())],
            dead as f64,
        );
    }
    out.gauge(
        "docket_outbox_waiting",
        "Ticket changes waiting to be turned into notifications.",
        backlog.outbox.due as f64,
    );
    out.gauge(
        "docket_outbox_lag_seconds",
        "How long the oldest of them has waited (0 when none waits).",
        lag(backlog.outbox.oldest_due),
    );
}

/// Serve `/metrics` alone on `listener` (`DOCKET_METRICS_BIND`), without a token, until
/// the task is dropped.
pub async fn serve_private(
    app: AppState,
    listener: tokio::net::TcpListener,
) -> std::io::Result<()> {
    let router = axum::Router::new()
        .route("/metrics", axum::routing::get(scrape))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .with_state(app);
    axum::serve(listener, router).await
}
