//! What every part of the adapter shares: the two clients, who the bot is, and the
//! caches that save Docket calls (rebuilt from Docket, never the source of truth).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use docket_client::api::{PanelOut, TicketOut};
use docket_client::{Client as Docket, TicketQuery};
use tokio::sync::mpsc;
use twilight_model::id::Id;
use twilight_model::id::marker::{ApplicationMarker, UserMarker};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::ids;
use crate::relay::Inbound;
use crate::verify::SignatureCheck;

/// How long "this channel is no ticket" is believed.
const NEGATIVE_TTL: Duration = Duration::from_secs(30);

/// What the adapter needs to know of a ticket to relay into it.
#[derive(Debug, Clone)]
pub struct TicketInfo {
    pub key: String,
    pub channel_id: u64,
    pub requester_discord_id: Option<String>,
    pub panel: Option<i64>,
    pub closed: bool,
}

impl TicketInfo {
    pub fn of(ticket: &TicketOut) -> Option<TicketInfo> {
        if ticket.source != "discord" {
            return None;
        }
        let channel_id = ticket.source_ref.as_deref()?.parse().ok()?;
        Some(TicketInfo {
            key: ticket.key.clone(),
            channel_id,
            requester_discord_id: ticket.requester.as_ref().and_then(|r| {
                r.identities
                    .iter()
                    .find(|i| i.kind == "discord")
                    .map(|i| i.value.clone())
            }),
            panel: ids::panel_from_tags(&ticket.tags),
            closed: matches!(ticket.status_category.as_str(), "closed" | "solved"),
        })
    }
}

enum Cached {
    Ticket(TicketInfo),
    NotTicket(Instant),
}

pub struct Ctx {
    pub config: Config,
    pub docket: Docket,
    pub discord: twilight_http::Client,
    pub app_id: Id<ApplicationMarker>,
    pub bot_id: Id<UserMarker>,
    pub verify: SignatureCheck,
    /// Downloads of Discord attachments (CDN links need no auth).
    pub http: reqwest::Client,
    pub relay_tx: mpsc::UnboundedSender<Inbound>,
    channels: Mutex<HashMap<u64, Cached>>,
    /// Channels made for a ticket that Docket has not answered for yet: their messages
    /// wait instead of being taken for a non-ticket channel's.
    pending: Mutex<HashSet<u64>>,
    /// Tickets whose close flow is running (a web close and a button at once run one).
    closing: Mutex<HashSet<String>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Ctx {
    pub async fn new(config: Config) -> Result<(Ctx, mpsc::UnboundedReceiver<Inbound>)> {
        let verify = SignatureCheck::new(&config.public_key, config.max_interaction_age)?;
        let docket = Docket::builder(&config.docket_url, &config.docket_token)
            .retry(config.docket_retry.clone())
            .request_timeout(config.docket_timeout)
            .user_agent(concat!("docket-discord/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let mut builder = twilight_http::Client::builder()
            .token(format!("Bot {}", config.bot_token))
            .timeout(Duration::from_secs(15));
        if let Some(proxy) = &config.rest_proxy {
            builder = builder.proxy(proxy.clone(), true);
        }
        let discord = builder.build();
        let me = discord.current_user().await?.model().await?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {e}")))?;
        let (relay_tx, relay_rx) = mpsc::unbounded_channel();
        Ok((
            Ctx {
                app_id: Id::new(config.application_id.max(1)),
                bot_id: me.id,
                config,
                docket,
                discord,
                verify,
                http,
                relay_tx,
                channels: Mutex::default(),
                pending: Mutex::default(),
                closing: Mutex::default(),
            },
            relay_rx,
        ))
    }

    pub fn interaction(&self) -> twilight_http::client::InteractionClient<'_> {
        self.discord.interaction(self.app_id)
    }

    pub fn remember(&self, info: TicketInfo) {
        lock(&self.pending).remove(&info.channel_id);
        lock(&self.channels).insert(info.channel_id, Cached::Ticket(info));
    }

    pub fn forget_channel(&self, channel: u64) {
        lock(&self.channels).remove(&channel);
        lock(&self.pending).remove(&channel);
    }

    pub fn set_pending(&self, channel: u64) {
        lock(&self.pending).insert(channel);
        lock(&self.channels).remove(&channel);
    }

    pub fn is_pending(&self, channel: u64) -> bool {
        lock(&self.pending).contains(&channel)
    }

    /// The open ticket whose channel (or thread) this is, from the cache or Docket.
    pub async fn ticket_for_channel(&self, channel: u64) -> Result<Option<TicketInfo>> {
        match lock(&self.channels).get(&channel) {
            Some(Cached::Ticket(info)) => return Ok(Some(info.clone())),
            Some(Cached::NotTicket(at)) if at.elapsed() < NEGATIVE_TTL => return Ok(None),
            _ => {}
        }
        let page = self
            .docket
            .list_tickets(&TicketQuery {
                source: vec![docket_client::api::SourceChannel::Discord],
                source_ref: Some(channel.to_string()),
                limit: Some(5),
                ..TicketQuery::default()
            })
            .await?;
        // A channel holds one ticket; if an old closed one shares it, the open one wins.
        let info = page
            .items
            .iter()
            .filter_map(TicketInfo::of)
            .filter(|i| i.channel_id == channel)
            .min_by_key(|i| i.closed);
        let mut cache = lock(&self.channels);
        match &info {
            Some(i) => cache.insert(channel, Cached::Ticket(i.clone())),
            None => cache.insert(channel, Cached::NotTicket(Instant::now())),
        };
        Ok(info)
    }

    /// The panel a ticket was opened from (its tag), if it still exists.
    pub async fn panel(&self, id: Option<i64>) -> Result<Option<PanelOut>> {
        let Some(id) = id else { return Ok(None) };
        match self.docket.get_panel(id).await {
            Ok(p) => Ok(Some(p)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Start the close flow of `key` unless it is already running.
    pub fn begin_close(&self, key: &str) -> bool {
        lock(&self.closing).insert(key.to_string())
    }

    pub fn end_close(&self, key: &str) {
        lock(&self.closing).remove(key);
    }

    pub fn is_closing(&self, key: &str) -> bool {
        lock(&self.closing).contains(key)
    }

    /// The bytes behind a Discord attachment URL.
    pub async fn download(&self, url: &str) -> Result<Vec<u8>> {
        let fail = |reason: String| Error::Download {
            url: url.to_string(),
            reason,
        };
        let resp = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| fail(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(fail(format!("status {}", resp.status())));
        }
        Ok(resp
            .bytes()
            .await
            .map_err(|e| fail(e.to_string()))?
            .to_vec())
    }

    pub fn web_url(&self) -> &str {
        self.config
            .web_url
            .as_deref()
            .unwrap_or(&self.config.docket_url)
    }
}

/// Whether a member with `roles` handles tickets of `panel`.
pub fn is_support(panel: &PanelOut, roles: &[u64]) -> bool {
    panel
        .input
        .support_roles
        .iter()
        .any(|r| r.role_id.parse::<u64>().is_ok_and(|id| roles.contains(&id)))
}
