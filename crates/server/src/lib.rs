//! docket-server: the REST API, the background work that keeps instances in step, and
//! the `docket` command.

pub mod ai;
pub mod api;
pub mod auth;
pub mod config;
pub mod delivery;
pub mod error;
pub mod mail;
pub mod metrics;
pub mod outage;
pub mod request_id;
pub mod typefiles;
pub mod web;

use std::future::IntoFuture;
use std::time::Duration;

use docket_store::Store;
use outage::Outage;
use tokio::net::TcpListener;

/// How often an instance checks whether a type was applied elsewhere (another instance,
/// the CLI). A poll is one tiny query.
pub const TYPE_POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Keep this instance's type registry in step with the database.
pub fn spawn_type_refresher(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TYPE_POLL_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut outage = Outage::new("type refresher");
        loop {
            tick.tick().await;
            outage.wait().await;
            match store.refresh_types().await {
                Ok(reloaded) => {
                    outage.answered();
                    if reloaded {
                        tracing::info!(
                            generation = store.registry().generation(),
                            "ticket types reloaded"
                        );
                    }
                }
                Err(e) if outage.failed(&e) => {}
                Err(e) => tracing::warn!(error = %e, "could not check for type changes"),
            }
        }
    })
}

/// How often an instance refreshes the query planner's statistics (`Store::optimize`).
pub const OPTIMIZE_INTERVAL: Duration = Duration::from_secs(3600);

/// Keep the planner's statistics current while the server runs.
pub fn spawn_optimizer(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(OPTIMIZE_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await; // `migrate` has just done it
        loop {
            tick.tick().await;
            if let Err(e) = store.optimize().await {
                // Hourly: a line per missed hour is no flood.
                tracing::warn!(error = %e, "could not refresh the planner's statistics");
            }
        }
    })
}

/// Run the escalation sweep every `interval`, for as long as the server runs. Every
/// instance sweeps; leases on the jobs table keep them from doing the same work.
pub fn spawn_sla_sweeper(
    store: Store,
    options: docket_store::sla::escalate::SweepOptions,
    interval: Duration,
    metrics: std::sync::Arc<metrics::Metrics>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut outage = Outage::new("SLA sweep");
        loop {
            tick.tick().await;
            outage.wait().await;
            match store.sla_sweep(&options).await {
                Ok(out) => {
                    outage.answered();
                    metrics.escalations(out.fired as u64, out.failed as u64);
                    if out.fired > 0 || out.failed > 0 {
                        tracing::info!(
                            jobs = out.jobs,
                            fired = out.fired,
                            failed = out.failed,
                            "SLA sweep"
                        )
                    }
                }
                Err(e) if outage.failed(&e) => {}
                Err(e) => tracing::warn!(error = %e, "SLA sweep failed"),
            }
        }
    })
}

/// Run the AI jobs (summaries on close, triage on create) every `interval`.
pub fn spawn_ai_worker(state: &api::AppState, interval: Duration) -> tokio::task::JoinHandle<()> {
    ai::spawn_worker(
        state.store.clone(),
        state.master_key.clone(),
        state.ai.clone(),
        instance_name(),
        interval,
    )
}

/// Whether the log is JSON, one object a line (`DOCKET_LOG_FORMAT=json`, for log
/// collectors): messages for a person at the console then go through the log too.
pub fn json_logs() -> bool {
    std::env::var("DOCKET_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"))
}

/// A message for the person starting Docket: to the console, or a log line when the log
/// is JSON (a collector reads every line).
pub fn tell_operator(text: &str) {
    if json_logs() {
        tracing::warn!(target: "docket::operator", "{}", text.trim());
    } else {
        eprintln!("{text}");
    }
}

/// A name for this instance in job leases: host, process and a random part.
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "docket".into());
    let random = docket_store::identity::crypto::new_token("i");
    format!("{host}:{}:{}", std::process::id(), &random[2..10])
}

/// How long a stopping server lets requests in flight finish, unless configured
/// (`DOCKET_SHUTDOWN_GRACE_SECONDS`). Under the 30 s most orchestrators wait between
/// SIGTERM and SIGKILL, so that giving back the leases and closing the pools, which
/// come after it, still happen.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// Serve the API on `listener` until `shutdown` resolves, then stop gracefully within
/// [`SHUTDOWN_GRACE`] (see [`serve_with_grace`]).
pub async fn serve(
    state: api::AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with_grace(state, listener, shutdown, SHUTDOWN_GRACE).await
}

/// Serve the API on `listener` until `shutdown` resolves. Then the listener closes (no
/// new connection is accepted), idle connections close, live streams end at once, and
/// requests in flight finish: for at most `grace`, after which the rest are dropped
/// (their transactions roll back) and this returns anyway.
pub async fn serve_with_grace(
    state: api::AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let refresher = spawn_type_refresher(state.store.clone());
    let live = state.live.clone();
    let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
    // Peer addresses feed the login throttle and the audit log.
    let app = api::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown.await;
        // Live streams would otherwise hold the graceful shutdown open for minutes.
        live.close();
        let _ = stopping.send(());
    });
    let deadline = async {
        if stopped.await.is_err() {
            // The server ended without being told to: nothing to bound.
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    let result = tokio::select! {
        result = server.into_future() => result,
        _ = deadline => {
            tracing::warn!(grace_seconds = grace.as_secs(), "requests still running at the end of the shutdown grace; dropping them");
            Ok(())
        }
    };
    refresher.abort();
    result
}
