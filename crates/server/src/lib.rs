//! docket-server: the REST API, the background work that keeps instances in step, and
//! the `docket` command.

pub mod api;
pub mod auth;
pub mod config;
pub mod error;
pub mod typefiles;

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

/// Serve the API on `listener` until `shutdown` resolves.
pub async fn serve(
    state: api::AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let refresher = spawn_type_refresher(state.store.clone());
    // Peer addresses feed the login throttle and the audit log.
    let app = api::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    refresher.abort();
    result
}
