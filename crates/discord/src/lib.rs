//! Docket's Discord adapter. It talks to Docket only through its public REST API
//! (`docket-client`, with a service account's token), and to Discord through twilight:
//! the HTTP interactions endpoint (buttons, menus, modals, slash commands), the REST API,
//! and the gateway (messages in ticket channels).
//!
//! It keeps nothing of its own that must survive a restart: panels, deployments,
//! staff links, tickets and which comment came from which message all live in Docket;
//! custom_ids carry what a click needs (`ids`). What it keeps in memory (which channel
//! is which ticket) is a cache rebuilt from Docket.
//!
//! ```no_run
//! # async fn run() -> Result<(), docket_discord::Error> {
//! use docket_discord::{Adapter, Config};
//! let config = Config::new("http://127.0.0.1:8080", "dkt_...", "bot-token", 123,
//!     "<public key hex>", "0.0.0.0:8090".parse().unwrap());
//! let adapter = Adapter::new(config).await?;
//! adapter.run(async { let _ = tokio::signal::ctrl_c().await; }).await
//! # }
//! ```

mod channel_deleted;
mod close;
mod config;
mod context;
mod error;
mod gateway;
pub mod ids;
mod interactions;
mod messages;
mod open;
mod panels;
mod posting;
mod relay;
mod sweeps;
mod transcript;
mod verify;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use config::Config;
pub use error::{Error, Result};
pub use verify::{Rejection, SignatureCheck};

use context::Ctx;

/// Install ring as rustls' process-wide provider (twilight builds TLS connectors even for
/// plain connections and needs one). Harmless when one is already installed.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The adapter, with its interactions endpoint bound; `run` starts the rest.
pub struct Adapter {
    ctx: Arc<Ctx>,
    listener: TcpListener,
    relay_rx: tokio::sync::mpsc::UnboundedReceiver<relay::Inbound>,
}

impl Adapter {
    /// Check the configuration, bind the interactions endpoint and learn who the bot is
    /// (one Discord call). Docket is not called: it may come up later.
    pub async fn new(config: Config) -> Result<Adapter> {
        install_crypto();
        let listener = TcpListener::bind(config.interactions_addr).await?;
        let (ctx, relay_rx) = Ctx::new(config).await?;
        Ok(Adapter {
            ctx: Arc::new(ctx),
            listener,
            relay_rx,
        })
    }

    /// Where `POST /interactions` is served.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serve until `shutdown` completes: the interactions endpoint, the gateway, the
    /// relays both ways, panel deploys and the inactivity sweep.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let Adapter {
            ctx,
            listener,
            relay_rx,
        } = self;
        let (stop_tx, stop) = watch::channel(false);
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(gateway::run(ctx.clone(), stop.clone()));
        tasks.spawn(relay::inbound_worker(ctx.clone(), relay_rx, stop.clone()));
        tasks.spawn(relay::outbound(ctx.clone(), stop.clone()));
        tasks.spawn(panels::run(ctx.clone(), stop.clone()));
        tasks.spawn(sweeps::run(ctx.clone(), stop.clone()));
        let router = interactions::router(ctx.clone());
        let mut http_stop = stop.clone();
        let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
            let _ = http_stop.wait_for(|s| *s).await;
        });
        let server = tokio::spawn(async move { serve.await });
        shutdown.await;
        let _ = stop_tx.send(true);
        let _ = server.await;
        // Background work stops at its next await point.
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        Ok(())
    }
}
