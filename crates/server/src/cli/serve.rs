//! `docket serve` and `docket migrate`: running the server, and bringing its database up
//! to date.

use std::process::ExitCode;

use docket_server::config::{Config, ConfigArgs, load_master_key};
use docket_server::typefiles;

use super::open;
use super::types::load_files;

pub async fn migrate(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(args, None)?;
    open(&config).await?;
    println!("database is up to date");
    Ok(ExitCode::SUCCESS)
}

/// Migrate, apply the safe changes of the types directory (refusing to start on unsafe
/// ones), then serve until Ctrl-C or SIGTERM.
pub async fn serve(
    args: &ConfigArgs,
    bind: Option<String>,
    discord: &super::discord::DiscordArgs,
) -> anyhow::Result<ExitCode> {
    let config = Config::load(args, bind)?;
    let store = open(&config).await?;
    if config.types_dir.exists() {
        let files = match load_files(std::slice::from_ref(&config.types_dir)) {
            Ok(f) => f,
            Err(code) => return Ok(code),
        };
        match typefiles::apply_safe(&store, &files).await {
            Ok(applied) => {
                for a in applied.iter().filter(|a| a.version.is_some()) {
                    tracing::info!(slug = %a.plan.slug, version = a.plan.to_version, "ticket type applied");
                }
            }
            Err(plans) => {
                docket_server::tell_operator(&format!(
                    "refusing to start: these type changes are not safe to apply automatically:\n{plans}\n\
                     review them with `docket types plan`, then apply with `docket types apply --allow-destructive` or change the files"
                ));
                return Ok(ExitCode::FAILURE);
            }
        }
    } else if store.schema_generation().await? == 0 {
        // A new installation of the binary alone: start with the types Docket ships.
        let shipped = typefiles::shipped();
        if let Err(plans) = typefiles::apply_safe(&store, &shipped).await {
            anyhow::bail!("the built-in ticket types could not be applied:\n{plans}");
        }
        tracing::info!(
            dir = %config.types_dir.display(),
            types = shipped.len(),
            "no types directory and no types yet: applied the ticket types built into Docket (`docket types export` writes them out to edit)"
        );
    } else {
        tracing::warn!(dir = %config.types_dir.display(), "types directory not found; serving the types already in the database");
    }
    let listener = tokio::net::TcpListener::bind(&config.bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = %docket_store::redacted_url(&config.database_url), "serving Docket at http://{addr}/ (API: http://{addr}/api/v1, reference: http://{addr}/api/v1/docs)");
    let master_key = load_master_key(&config)?;
    let store = match &config.object_storage {
        Some(bucket) => {
            let objects = bucket.connect(&store, &master_key).await?;
            tracing::info!(endpoint = %bucket.endpoint, bucket = %bucket.bucket, "new attachments go to object storage");
            store.with_object_store(objects)
        }
        None => store,
    };
    if store.active_admin_count().await? == 0 {
        let token = store
            .create_setup_token(chrono::Duration::hours(24))
            .await?;
        docket_server::tell_operator(&format!(
            "\nNo admin exists yet. Create one with `docket admin create --email you@example.com --name \"Your Name\"`,\n\
             or POST {{\"token\", \"email\", \"display_name\", \"password\"}} to http://{addr}/api/v1/setup\n\
             within 24 hours with this one-time token:\n\n    {token}\n"
        ));
    }
    // One name for every lease this instance takes, so that stopping gives them all back.
    let owner = docket_server::instance_name();
    let metrics = std::sync::Arc::new(docket_server::metrics::Metrics::with_token(
        config.metrics_token.as_deref(),
    ));
    let sweeper = docket_server::spawn_sla_sweeper(
        store.clone(),
        docket_store::sla::escalate::SweepOptions {
            owner: owner.clone(),
            lease: chrono::Duration::seconds(config.job_lease_seconds as i64),
            batch: 100,
        },
        std::time::Duration::from_secs(config.sla_sweep_seconds),
        metrics.clone(),
    );
    let optimizer = docket_server::spawn_optimizer(store.clone());
    let web = docket_server::web::WebUi::choose(config.web_dir.clone());
    if !web.is_built() {
        tracing::warn!(from = %web.describe(), "the web UI is not built there; `/` explains how to build it (the API works regardless)");
    }
    let state = docket_server::api::AppState::new(store, master_key, config.secure_cookies)
        .with_web(web)
        .with_attachments(config.attachments.clone())
        .with_metrics(metrics.clone());
    let private_metrics = match &config.metrics_bind {
        Some(bind) => {
            let listener = tokio::net::TcpListener::bind(bind)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on {bind} for metrics: {e}"))?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, "serving metrics at http://{addr}/metrics");
            let state = state.clone();
            Some(tokio::spawn(async move {
                if let Err(e) = docket_server::metrics::serve_private(state, listener).await {
                    tracing::warn!(error = %e, "the metrics address stopped");
                }
            }))
        }
        None => None,
    };
    let ai_worker = docket_server::ai::spawn_worker(
        state.store.clone(),
        state.master_key.clone(),
        state.ai.clone(),
        owner.clone(),
        docket_server::ai::WORKER_INTERVAL,
    );
    let delivery_worker = docket_server::delivery::spawn(
        docket_server::delivery::Worker::new(
            state.store.clone(),
            (*state.master_key).clone(),
            owner.clone(),
        )
        .with_metrics(metrics.clone()),
        docket_server::delivery::INTERVAL,
    );
    let store = state.store.clone();
    let mail_poller = docket_server::mail::poller::spawn(
        docket_server::mail::poller::Poller::new(
            state.store.clone(),
            state.master_key.clone(),
            state.attachments.clone(),
            owner.clone(),
        ),
        docket_server::mail::poller::INTERVAL,
    );
    let discord = if discord.configured() {
        super::discord::spawn_beside_server(discord, &config.bind).await
    } else {
        None
    };
    let grace = std::time::Duration::from_secs(config.shutdown_grace_seconds);
    docket_server::serve_with_grace(state, listener, shutdown_signal(), grace).await?;
    // Scrapes go on through the shutdown grace; not after it.
    if let Some(private) = private_metrics {
        private.abort();
    }
    if let Some(adapter) = discord {
        // It saw the same signal; give it a moment to finish what it was relaying.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), adapter).await;
    }
    stop_background(
        store,
        &owner,
        [sweeper, optimizer, ai_worker, delivery_worker, mail_poller],
    )
    .await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// After the last request: stop the background loops (a tick cut short rolls back,
/// and its jobs run again), give back every lease this instance holds so that another
/// instance takes the work at once rather than when the leases expire, and close the
/// pools (SQLite checkpoints its WAL into the file).
async fn stop_background(
    store: docket_store::Store,
    owner: &str,
    loops: impl IntoIterator<Item = tokio::task::JoinHandle<()>>,
) {
    for handle in loops {
        handle.abort();
        // Wait until it is gone, so nothing takes a lease after the release below.
        let _ = handle.await;
    }
    // Mailboxes first: their next check is brought forward too (IDLE sessions ended
    // with the poller).
    if let Err(e) = store.release_mailbox_leases(owner).await {
        tracing::warn!(error = %e, "could not give back the mailbox leases");
    }
    match store.release_leases(owner).await {
        Ok(n) => tracing::info!(leases = n, "leases given back"),
        Err(e) => {
            tracing::warn!(error = %e, "could not give back the leases; they expire by themselves")
        }
    }
    store.close().await;
}

pub(super) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
