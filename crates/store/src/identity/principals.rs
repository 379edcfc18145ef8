//! Who API tokens belong to, remembered between requests (PostgreSQL only).
//!
//! Once creates are written in batches, authentication is most of what a create costs in
//! statements (docs/benchmarks.md, "After group commit"). A principal is kept for at most
//! `KEEP`, and every instance forgets all it keeps as soon as access changes anywhere:
//! each change that can end or narrow access (a revoked token, a user's role or state, a
//! team membership, a deleted team) notifies the `docket_access` channel in its own
//! transaction (`audit.rs`), every instance listens on it, and the instance that made the
//! change forgets at once after its commit. While an instance is not listening (starting
//! up, or after losing its listening connection, when notifications may have been
//! missed) it keeps nothing. SQLite keeps nothing: its statements are cheap, and the CLI
//! may change access from another process that could not tell the server.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use docket_core::access::Principal;
use sea_orm::DbBackend;
use sea_orm::sqlx::postgres::PgListener;

use crate::Store;

/// The channel access changes are announced on.
pub(crate) const CHANNEL: &str = "docket_access";

/// The longest a principal is kept, should a notification be lost unnoticed.
const KEEP: Duration = Duration::from_secs(10);

/// A remembered token: its principal and what is checked on every use.
#[derive(Clone)]
pub(crate) struct Kept {
    pub principal: Principal,
    pub token_id: i64,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub(crate) struct Principals {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The listener task runs (it sets `listening` once it listens).
    started: bool,
    listening: bool,
    /// Moves whenever everything is forgotten: a lookup that began before keeps nothing.
    generation: u64,
    by_hash: HashMap<String, (Kept, Instant)>,
}

impl Principals {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What is kept for a token hash, if it is still good.
    pub(crate) fn get(&self, hash: &str) -> Option<Kept> {
        let state = self.state();
        if !state.listening {
            return None;
        }
        let (kept, at) = state.by_hash.get(hash)?;
        (at.elapsed() < KEEP).then(|| kept.clone())
    }

    /// The generation a lookup starts in; None when nothing may be kept now.
    pub(crate) fn lookup_starts(&self) -> Option<u64> {
        let state = self.state();
        state.listening.then_some(state.generation)
    }

    /// Keep what a lookup that started in `generation` found, unless access changed since.
    pub(crate) fn keep(&self, generation: u64, hash: String, kept: Kept) {
        let mut state = self.state();
        if state.listening && state.generation == generation {
            state.by_hash.insert(hash, (kept, Instant::now()));
        }
    }

    /// Record that a kept token was used at `at`.
    pub(crate) fn used(&self, hash: &str, at: DateTime<Utc>) {
        if let Some((kept, _)) = self.state().by_hash.get_mut(hash) {
            kept.last_used_at = Some(at);
        }
    }

    /// Access changed: forget everything.
    pub(crate) fn forget_all(&self) {
        let mut state = self.state();
        state.generation += 1;
        state.by_hash.clear();
    }

    fn set_listening(&self, listening: bool) {
        let mut state = self.state();
        state.listening = listening;
        state.generation += 1;
        state.by_hash.clear();
    }

    /// True once, for the caller that should start the listener.
    fn start(&self) -> bool {
        let mut state = self.state();
        !std::mem::replace(&mut state.started, true)
    }
}

impl Store {
    /// Start listening for access changes (PostgreSQL), once per store.
    pub(crate) fn listen_for_access_changes(&self) {
        if self.backend() != DbBackend::Postgres || !self.principals.start() {
            return;
        }
        let store = self.clone();
        tokio::spawn(async move {
            // Said once per outage, not at every retry.
            let mut said = false;
            loop {
                match listen(&store).await {
                    Ok(()) => said = false,
                    // The store was closed: there is nothing left to keep.
                    Err(sea_orm::sqlx::Error::PoolClosed) => return,
                    Err(e) if !said => {
                        said = true;
                        tracing::warn!(error = %e, "not listening for access changes; retrying")
                    }
                    Err(e) => tracing::debug!(error = %e, "still not listening for access changes"),
                }
                store.principals.set_listening(false);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }
}

/// Listen until the connection is lost, forgetting everything at each notification.
async fn listen(store: &Store) -> std::result::Result<(), sea_orm::sqlx::Error> {
    let pool = store.db.get_postgres_connection_pool();
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    store.principals.set_listening(true);
    // `try_recv` answers None when the connection was lost: notifications may have been
    // missed, so stop keeping until listening again.
    while listener.try_recv().await?.is_some() {
        store.principals.forget_all();
    }
    Ok(())
}
