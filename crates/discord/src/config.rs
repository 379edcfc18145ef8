//! What the adapter needs to run: where Docket is and its token, the Discord application,
//! where the interactions endpoint listens, and (for tests) where a fake Discord is.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use docket_client::RetryPolicy;

#[derive(Clone)]
pub struct Config {
    /// Docket's base URL (`http://127.0.0.1:8080`).
    pub docket_url: String,
    /// An API token of a service account (read + write scopes) in the teams the panels
    /// map to.
    pub docket_token: String,
    /// The bot's token (without `Bot `).
    pub bot_token: String,
    pub application_id: u64,
    /// The application's public key from the developer portal (64 hex digits).
    pub public_key: String,
    /// Where `POST /interactions` listens (port 0: any free one).
    pub interactions_addr: SocketAddr,
    /// Docket's web UI, named in `/docket link` replies (defaults to `docket_url`).
    pub web_url: Option<String>,
    /// Send Discord REST calls to this `host:port` over plain HTTP (a fake in tests).
    pub rest_proxy: Option<String>,
    /// Connect the gateway here (`ws://host:port`) instead of Discord's.
    pub gateway_url: Option<String>,
    /// How often panels are checked for deploy requests.
    pub panel_poll: Duration,
    /// How often open tickets are checked for inactivity.
    pub sweep_interval: Duration,
    /// Docket calls' retries (each call's own; the relay queue retries beyond them).
    pub docket_retry: RetryPolicy,
    pub docket_timeout: Duration,
    /// How long the close flow waits for Docket's AI summary before posting the log.
    pub summary_wait: Duration,
    /// How far back the start-up sweep looks for tickets closed in Docket whose channel
    /// may still exist (closed while the adapter was down).
    pub closed_lookback: Duration,
    /// The longest wait before Docket's live stream is asked for again after it was
    /// refused or ended (the wait doubles from a second up to this).
    pub live_retry_max: Duration,
    /// Interactions signed longer ago than this are refused as replays.
    pub max_interaction_age: Duration,
    /// What time the inactivity sweep takes it to be (tests move it hours ahead).
    pub clock: fn() -> DateTime<Utc>,
}

impl Config {
    /// The defaults for everything but the credentials and addresses.
    pub fn new(
        docket_url: impl Into<String>,
        docket_token: impl Into<String>,
        bot_token: impl Into<String>,
        application_id: u64,
        public_key: impl Into<String>,
        interactions_addr: SocketAddr,
    ) -> Config {
        Config {
            docket_url: docket_url.into(),
            docket_token: docket_token.into(),
            bot_token: bot_token.into(),
            application_id,
            public_key: public_key.into(),
            interactions_addr,
            web_url: None,
            rest_proxy: None,
            gateway_url: None,
            panel_poll: Duration::from_secs(5),
            sweep_interval: Duration::from_secs(300),
            docket_retry: RetryPolicy::default(),
            docket_timeout: Duration::from_secs(30),
            summary_wait: Duration::from_secs(20),
            closed_lookback: Duration::from_secs(7 * 24 * 3600),
            live_retry_max: Duration::from_secs(60),
            max_interaction_age: Duration::from_secs(300),
            clock: Utc::now,
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the tokens.
        f.debug_struct("Config")
            .field("docket_url", &self.docket_url)
            .field("application_id", &self.application_id)
            .field("interactions_addr", &self.interactions_addr)
            .field("rest_proxy", &self.rest_proxy)
            .field("gateway_url", &self.gateway_url)
            .finish_non_exhaustive()
    }
}
