//! The delivery worker: dispatches the outbox (store `delivery/dispatch.rs`), then
//! leases due deliveries and sends them, a few at a time, reporting each attempt. Every
//! instance runs one; leases keep them from sending the same delivery twice.
//!
//! - `webhook.rs`: signed POSTs to subscriptions.
//! - `email.rs`: templated email through the SMTP relay of the email settings.

pub mod email;
mod webhook;

use std::sync::Arc;
use std::time::{Duration, Instant};

use docket_store::Store;
use docket_store::delivery::{Delivery, DispatchOptions, EMAIL, Outcome, WEBHOOK};
use docket_store::identity::MasterKey;
use futures::StreamExt;

pub use webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER, signature};

/// How often `docket serve` dispatches and sends: news reaches receivers within about
/// this long.
pub const INTERVAL: Duration = Duration::from_secs(2);

/// Dispatched outbox entries are kept this long (for the log's context), then pruned.
const OUTBOX_DAYS: i64 = 7;
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Deliveries sent at once by one instance.
const PARALLEL: usize = 8;
/// How long a leased delivery is this instance's: longer than the slowest send.
const LEASE_SECONDS: i64 = 120;

pub struct Worker {
    store: Store,
    key: MasterKey,
    http: reqwest::Client,
    email: email::EmailChannel,
    owner: String,
    metrics: Arc<crate::metrics::Metrics>,
}

impl Worker {
    pub fn new(store: Store, key: MasterKey, owner: String) -> Worker {
        Worker {
            store,
            key,
            http: webhook::client(),
            email: email::EmailChannel::default(),
            owner,
            metrics: Arc::default(),
        }
    }

    /// Count attempts into these metrics.
    pub fn with_metrics(mut self, metrics: Arc<crate::metrics::Metrics>) -> Worker {
        self.metrics = metrics;
        self
    }

    /// Dispatch everything waiting, then send what is due; answers how many deliveries
    /// were attempted.
    pub async fn run_once(&self) -> docket_store::Result<usize> {
        let options = DispatchOptions {
            batch: 200,
            email: self.email.refresh(&self.store, &self.key).await?,
        };
        while self.store.dispatch_outbox(&options).await? > 0 {}
        let due = self
            .store
            .claim_deliveries(&self.owner, chrono::Duration::seconds(LEASE_SECONDS), 50)
            .await?;
        let count = due.len();
        // One target's deliveries go one after another, in the order they were made (a
        // receiver sees a ticket's news in order); different targets in parallel.
        let mut by_target: Vec<Vec<Delivery>> = Vec::new();
        for d in due {
            match by_target
                .iter_mut()
                .find(|g| g[0].channel == d.channel && g[0].target == d.target)
            {
                Some(group) => group.push(d),
                None => by_target.push(vec![d]),
            }
        }
        futures::stream::iter(by_target)
            .for_each_concurrent(PARALLEL, |group| async move {
                for d in group {
                    self.attempt(&d).await;
                }
            })
            .await;
        Ok(count)
    }
}

impl Worker {
    async fn attempt(&self, d: &Delivery) {
        let started = Instant::now();
        let outcome = match d.channel.as_str() {
            WEBHOOK => webhook::send(&self.store, &self.key, &self.http, d).await,
            EMAIL => self.email.send(&self.store, &self.key, d).await,
            other => Outcome::Failed {
                code: None,
                error: format!("no sender for the {other} channel is configured"),
                retry: true,
            },
        };
        let counted = match &outcome {
            Outcome::Delivered { .. } => "delivered",
            Outcome::Failed { .. } => "failed",
            Outcome::Deferred { .. } => "deferred",
        };
        self.metrics.delivery_attempt(&d.channel, counted);
        match &outcome {
            Outcome::Failed { error, .. } => {
                tracing::info!(delivery = d.id, channel = %d.channel, %error, "delivery attempt failed");
            }
            Outcome::Deferred { error } => {
                tracing::debug!(delivery = d.id, channel = %d.channel, %error, "delivery deferred");
            }
            Outcome::Delivered { .. } => {}
        }
        let ms = started.elapsed().as_millis() as i64;
        if let Err(e) = self
            .store
            .finish_delivery(d.id, &self.owner, outcome, ms)
            .await
        {
            tracing::warn!(delivery = d.id, error = %e, "could not record a delivery attempt");
        }
    }
}

/// Run the worker every `interval` for as long as the server runs.
pub fn spawn(worker: Worker, interval: Duration) -> tokio::task::JoinHandle<()> {
    let worker = Arc::new(worker);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pruned = Instant::now();
        let mut outage = crate::outage::Outage::new("delivery worker");
        loop {
            tick.tick().await;
            outage.wait().await;
            match worker.run_once().await {
                Ok(_) => outage.answered(),
                Err(e) if outage.failed(&e) => continue,
                Err(e) => tracing::warn!(error = %e, "delivery worker"),
            }
            if pruned.elapsed() >= PRUNE_EVERY {
                pruned = Instant::now();
                let before = worker.store.clock().now() - chrono::Duration::days(OUTBOX_DAYS);
                if let Err(e) = worker.store.prune_outbox(before).await {
                    tracing::warn!(error = %e, "could not prune the outbox");
                }
            }
        }
    })
}
