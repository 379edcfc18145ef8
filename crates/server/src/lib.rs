//! docket-server: the REST API, the background work that keeps instances in step, and
//! the `docket` command.

pub mod ai;
pub mod api;
pub mod auth;
pub mod config;
pub mod delivery;
pub mod error;
pub mod mail;
pub mod request_id;
pub mod typefiles;
pub mod web;

use std::time::Duration;

use docket_store::Store;
use tokio::net::TcpListener;

/// How often an instance checks whether a type was applied elsewhere (another instance,
/// the CLI). A poll is one tiny query.
pub const TYPE_POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Keep this instance's type registry in step with the database.
pub fn spawn_type_refresher(store: Store) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TYPE_POLL_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match store.refresh_types().await {
                Ok(true) => tracing::info!(
                    generation = store.registry().generation(),
                    "ticket types reloaded"
                ),
                Ok(false) => {}
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
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match store.sla_sweep(&options).await {
                Ok(out) if out.fired > 0 || out.failed > 0 => {
                    tracing::info!(
                        jobs = out.jobs,
                        fired = out.fired,
                        failed = out.failed,
                        "SLA sweep"
                    )
                }
                Ok(_) => {}
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

/// Serve the API on `listener` until `shutdown` resolves.
pub async fn serve(
    state: api::AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let refresher = spawn_type_refresher(state.store.clone());
    let live = state.live.clone();
    // Peer addresses feed the login throttle and the audit log.
    let app = api::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            // Live streams would otherwise hold the graceful shutdown open for minutes.
            live.close();
        })
        .await;
    refresher.abort();
    result
}
