//! A local fake of Discord on loopback that speaks the real wire protocol (REST API v10
//! and the JSON gateway), so Docket's Discord adapter runs its real twilight client code
//! against it in tests.
//!
//! ```no_run
//! # async fn demo() {
//! use docket_fake_discord::{FakeConfig, FakeDiscord};
//!
//! let fake = FakeDiscord::start(FakeConfig::default()).await;
//! // twilight-http:    Client::builder().token(fake.bot_token()).proxy(fake.proxy(), true)
//! // twilight-gateway: ConfigBuilder::new(fake.bot_token(), intents).proxy_url(fake.gateway_url())
//! let ids = fake.ids();
//! fake.user_says(ids.general_channel, ids.alice, "help, my printer is on fire", vec![]);
//! # }
//! ```
//!
//! One port serves everything: `GET /` upgrades to the gateway, `/api/v10/...` is REST,
//! `/attachments/...` is the CDN.
//!
//! # REST routes (all under `/api/v10`, `Authorization: Bot <token>` required except on
//! the interaction routes, which carry their token in the path)
//! - `GET /gateway`, `GET /gateway/bot`
//! - `GET /users/@me`, `GET /users/{user}`, `POST /users/@me/channels` (DM)
//! - `GET /applications/@me`, `GET /oauth2/applications/@me`
//! - `GET /guilds/{guild}`, `GET /guilds/{guild}/roles`, `GET /guilds/{guild}/members`,
//!   `GET /guilds/{guild}/members/{user}`, `PUT|DELETE /guilds/{guild}/members/{user}/roles/{role}`
//! - `GET|POST /guilds/{guild}/channels` (text 0, category 4)
//! - `GET|PATCH|DELETE /channels/{channel}`, `PUT|DELETE /channels/{channel}/permissions/{overwrite}`
//! - `POST /channels/{channel}/threads` (private 12 by default, public 11),
//!   `GET /channels/{thread}/thread-members`, `PUT|DELETE /channels/{thread}/thread-members/{user}`
//! - `POST /channels/{channel}/typing`
//! - `GET|POST /channels/{channel}/messages` (JSON, or multipart `payload_json` + `files[n]`;
//!   paging by `limit`, `before`, `after`, `around`; `nonce` with `enforce_nonce`: the
//!   same nonce from the same author within 5 minutes answers the existing message),
//!   `GET|PATCH|DELETE /channels/{channel}/messages/{message}`
//! - `POST /interactions/{id}/{token}/callback` (types 1, 4, 5, 6, 7, 8, 9; `?with_response=true`)
//! - `POST /webhooks/{app}/{token}` (follow-up),
//!   `GET|PATCH|DELETE /webhooks/{app}/{token}/messages/{@original|message}`
//! - `GET|PUT /applications/{app}/commands`, `GET|PUT /applications/{app}/guilds/{guild}/commands`
//! - CDN: `GET /attachments/{channel}/{attachment}/{filename}` (no auth, like Discord's CDN)
//!
//! Anything else answers 404 `{"message": "404: Not Found", "code": 0}`; unknown objects
//! answer Discord's codes (`Unknown Channel` 10003, `Unknown Message` 10008, ...); bad
//! bodies answer 400 with code 50035 and Discord's nested `errors`. Every answer carries
//! `X-RateLimit-*` headers; 429s are injected by tests ([`FakeDiscord::inject_429`],
//! [`FakeDiscord::inject_global_429`]) or come from a real per-bucket limit
//! ([`FakeDiscord::set_bucket_limit`]). Other failures are scripted per route: an error
//! instead of the work ([`FakeDiscord::inject_error`]), an error after it
//! ([`FakeDiscord::inject_error_after_effect`]), a late answer
//! ([`FakeDiscord::delay_answers`]).
//!
//! # Gateway
//! `ws://127.0.0.1:PORT/?v=10&encoding=json`, with `&compress=zlib-stream` honoured
//! (one zlib stream per connection, each message flushed with Z_SYNC_FLUSH); other
//! compression is answered uncompressed. HELLO, heartbeats (op 1 answered with op 11),
//! IDENTIFY (token checked, intents recorded) then READY and GUILD_CREATE, RESUME with
//! replay of every missed dispatch then RESUMED, RECONNECT and INVALID SESSION on demand.
//! Dispatches honour intents (GUILDS, GUILD_MEMBERS, GUILD_MESSAGES, DIRECT_MESSAGES) and
//! blank message content without MESSAGE_CONTENT, as Discord does. Not modelled: ETF
//! encoding, zstd, sharding beyond one shard, heartbeat timeouts (the fake never closes a
//! silent connection), presences, voice.

mod calls;
mod faults;
pub mod gateway;
mod ids;
pub mod payloads;
mod ratelimit;
mod render;
mod rest;
mod signer;
pub mod state;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use calls::{Call, path_matches};
pub use gateway::intents;
pub use ids::{DISCORD_EPOCH_MS, iso8601, snowflake_unix_ms};
pub use payloads::Interaction;
pub use signer::{InteractionSigner, SIGNATURE_HEADER, TIMESTAMP_HEADER};
pub use state::{
    Attachment, Channel, InteractionCallback, Member, Message, NewAttachment, Overwrite, Premade,
    Role, User, channel_type, permission,
};

use gateway::{Audience, Gateway};
use ratelimit::RateLimits;
use state::State;

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How to start a fake. `Default` is Discord-like: a generated token and ids, the
/// 41.25 s heartbeat interval; tests usually shorten the heartbeat.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    /// 0: any free port.
    pub port: u16,
    /// `None`: a token shaped like Discord's (`<base64 bot id>.<ts>.<hmac>`).
    pub bot_token: Option<String>,
    pub guild_id: Option<u64>,
    /// Also the bot user's id, as on Discord.
    pub application_id: Option<u64>,
    pub heartbeat_interval: Duration,
    /// Seed of the application's interaction key ([`InteractionSigner`]).
    pub signer_seed: [u8; 32],
    /// Dispatch MESSAGE_CREATE for the bot's own messages too (Discord does).
    pub echo_own_messages: bool,
}

impl Default for FakeConfig {
    fn default() -> FakeConfig {
        FakeConfig {
            port: 0,
            bot_token: None,
            guild_id: None,
            application_id: None,
            heartbeat_interval: Duration::from_millis(41_250),
            signer_seed: InteractionSigner::TEST_SEED,
            echo_own_messages: true,
        }
    }
}

/// What request handlers and connection tasks share.
pub(crate) struct Inner {
    pub(crate) token: String,
    pub(crate) http_addr: SocketAddr,
    pub(crate) state: Mutex<State>,
    pub(crate) calls: calls::CallLog,
    pub(crate) limits: Mutex<RateLimits>,
    pub(crate) faults: Mutex<faults::Faults>,
    pub(crate) gateway: Gateway,
    pub(crate) signer: InteractionSigner,
    pub(crate) shutdown: watch::Sender<bool>,
    echo_own: AtomicBool,
    attachment_ttl: Mutex<Option<Duration>>,
}

impl Inner {
    pub(crate) fn gateway_url(&self) -> String {
        format!("ws://{}", self.http_addr)
    }
    pub(crate) fn echo_own_messages(&self) -> bool {
        self.echo_own.load(Ordering::SeqCst)
    }
    pub(crate) fn attachment_url_ttl(&self) -> Option<Duration> {
        *lock(&self.attachment_ttl)
    }
}

/// A running fake; stops (server and gateway connections) when dropped.
pub struct FakeDiscord {
    inner: Arc<Inner>,
}

impl FakeDiscord {
    /// Serve on 127.0.0.1 (`config.port`, 0 for a free one). Panics if it cannot bind:
    /// use [`FakeDiscord::try_start`] to handle that.
    pub async fn start(config: FakeConfig) -> FakeDiscord {
        FakeDiscord::try_start(config)
            .await
            .expect("bind the fake Discord on loopback")
    }

    pub async fn try_start(config: FakeConfig) -> std::io::Result<FakeDiscord> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], config.port))).await?;
        let http_addr = listener.local_addr()?;
        let state = State::new(config.guild_id, config.application_id);
        let token = config
            .bot_token
            .clone()
            .unwrap_or_else(|| discord_like_token(state.premade.bot_user));
        let inner = Arc::new(Inner {
            token,
            http_addr,
            state: Mutex::new(state),
            calls: calls::CallLog::new(),
            limits: Mutex::new(RateLimits::default()),
            faults: Mutex::new(faults::Faults::default()),
            gateway: Gateway::new(config.heartbeat_interval.as_millis() as u64),
            signer: InteractionSigner::from_seed(config.signer_seed),
            shutdown: watch::Sender::new(false),
            echo_own: AtomicBool::new(config.echo_own_messages),
            attachment_ttl: Mutex::new(None),
        });
        let router = Router::new()
            .route("/", get(gateway::upgrade))
            .fallback(rest::entry)
            .with_state(inner.clone());
        let mut stop = inner.shutdown.subscribe();
        tokio::spawn(async move {
            // Graceful: idle keep-alive connections close too, so nothing holds the fake.
            let stopped = async move {
                let _ = stop.wait_for(|stopped| *stopped).await;
            };
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(stopped)
                .await;
        });
        Ok(FakeDiscord { inner })
    }

    // ----- where it is -----

    pub fn http_addr(&self) -> SocketAddr {
        self.inner.http_addr
    }

    /// `127.0.0.1:PORT`: twilight-http's `.proxy(fake.proxy(), true)`.
    pub fn proxy(&self) -> String {
        self.inner.http_addr.to_string()
    }

    /// `http://127.0.0.1:PORT/api/v10`, for plain HTTP clients.
    pub fn api_base(&self) -> String {
        format!("http://{}/api/v10", self.inner.http_addr)
    }

    /// `ws://127.0.0.1:PORT`: twilight-gateway's `.proxy_url(..)`; READY's
    /// `resume_gateway_url` and `GET /gateway/bot` name it too.
    pub fn gateway_url(&self) -> String {
        self.inner.gateway_url()
    }

    /// The bot token, without the `Bot ` prefix.
    pub fn bot_token(&self) -> String {
        self.inner.token.clone()
    }

    pub fn ids(&self) -> Premade {
        lock(&self.inner.state).premade
    }

    pub fn application_id(&self) -> u64 {
        self.ids().application
    }

    pub fn guild_id(&self) -> u64 {
        self.ids().guild
    }

    pub fn bot_user_id(&self) -> u64 {
        self.ids().bot_user
    }

    /// The application's interaction signer: its public key is what the adapter
    /// verifies with.
    pub fn signer(&self) -> &InteractionSigner {
        &self.inner.signer
    }

    // ----- the world -----

    /// A new guild member (announced as GUILD_MEMBER_ADD).
    pub fn add_member(&self, name: &str, roles: &[u64]) -> u64 {
        let mut state = lock(&self.inner.state);
        let id = state.add_member(name, roles);
        let mut event = render::member(&state, &state.members[&id]);
        event["guild_id"] = json!(state.premade.guild.to_string());
        let audience = Audience {
            intents: intents::GUILD_MEMBERS,
            privileged_content: false,
        };
        self.inner
            .gateway
            .dispatch("GUILD_MEMBER_ADD", &event, audience);
        id
    }

    /// A new role without special permissions (announced as GUILD_ROLE_CREATE).
    pub fn add_role(&self, name: &str) -> u64 {
        self.add_role_with_permissions(name, 0)
    }

    pub fn add_role_with_permissions(&self, name: &str, permissions: u64) -> u64 {
        let mut state = lock(&self.inner.state);
        let id = state.add_role(name, permissions);
        let event = json!({ "guild_id": state.premade.guild.to_string(), "role": render::role(&state.roles[&id]) });
        self.inner
            .gateway
            .dispatch("GUILD_ROLE_CREATE", &event, Audience::GUILDS);
        id
    }

    /// The DM channel between the bot and `user` (made on first use).
    pub fn dm_channel(&self, user: u64) -> u64 {
        lock(&self.inner.state).dm_channel(user).id
    }

    /// `user` posts `content` (and files) in `channel`: stored, and dispatched as
    /// MESSAGE_CREATE. Panics on an unknown channel.
    pub fn user_says(
        &self,
        channel: u64,
        user: u64,
        content: &str,
        attachments: Vec<NewAttachment>,
    ) -> Message {
        let inner = &*self.inner;
        let mut state = lock(&inner.state);
        assert!(
            state.channels.contains_key(&channel),
            "no channel {channel}"
        );
        let stored: Vec<Attachment> = attachments
            .into_iter()
            .map(|file| rest::messages::store_file(inner, &mut state, channel, file))
            .collect();
        let message = Message {
            id: state.ids.next(),
            channel_id: channel,
            author_id: user,
            content: content.to_string(),
            embeds: Vec::new(),
            components: Vec::new(),
            attachments: stored,
            allowed_mentions: None,
            flags: 0,
            edited_ms: None,
            webhook_id: None,
            message_reference: None,
            ephemeral: false,
        };
        rest::messages::unarchive(inner, &mut state, channel);
        state.insert_message(message.clone());
        rest::messages::announce_create(inner, &state, &message);
        message
    }

    /// `user` edits their message (MESSAGE_UPDATE). Panics if it does not exist.
    pub fn user_edits(&self, channel: u64, message: u64, content: &str) -> Message {
        let mut state = lock(&self.inner.state);
        let mut edited = state
            .message(channel, message)
            .cloned()
            .expect("no such message");
        edited.content = content.to_string();
        edited.edited_ms = Some(ids::now_unix_ms());
        state.insert_message(edited.clone());
        rest::messages::announce_update(&self.inner, &state, &edited);
        edited
    }

    /// The message is deleted (MESSAGE_DELETE). Panics if it does not exist.
    pub fn user_deletes(&self, channel: u64, message: u64) {
        let mut state = lock(&self.inner.state);
        let gone = state
            .messages
            .get_mut(&channel)
            .and_then(|m| m.remove(&message))
            .expect("no such message");
        rest::messages::announce_delete(&self.inner, &state, &gone);
    }

    /// A moderator deletes a channel or thread in Discord's UI (CHANNEL_DELETE or
    /// THREAD_DELETE). Panics if it does not exist.
    pub fn admin_deletes_channel(&self, channel: u64) {
        let mut state = lock(&self.inner.state);
        let gone = state.channels.remove(&channel).expect("no such channel");
        state.messages.remove(&channel);
        if matches!(
            gone.kind,
            channel_type::PUBLIC_THREAD | channel_type::PRIVATE_THREAD
        ) {
            let event = json!({
                "id": gone.id.to_string(),
                "guild_id": gone.guild_id.map(|g| g.to_string()),
                "parent_id": gone.parent_id.map(|p| p.to_string()),
                "type": gone.kind,
            });
            self.inner
                .gateway
                .dispatch("THREAD_DELETE", &event, Audience::GUILDS);
        } else {
            let event = render::channel(&state, &gone);
            self.inner
                .gateway
                .dispatch("CHANNEL_DELETE", &event, Audience::GUILDS);
        }
    }

    /// Dispatch any event to every session (sequence numbers and resume included).
    pub fn dispatch_event(&self, name: &str, data: Value) {
        let _state = lock(&self.inner.state);
        self.inner.gateway.dispatch(name, &data, Audience::ALL);
    }

    /// Whether MESSAGE_CREATE goes out for the bot's own messages (default: yes).
    pub fn set_echo_own_messages(&self, echo: bool) {
        self.inner.echo_own.store(echo, Ordering::SeqCst);
    }

    /// Attachment URLs stop working `ttl` after they were issued (`None`: never), as
    /// Discord's signed CDN URLs do.
    pub fn set_attachment_url_ttl(&self, ttl: Option<Duration>) {
        *lock(&self.inner.attachment_ttl) = ttl;
    }

    // ----- reading it back -----

    pub fn channels(&self) -> Vec<Channel> {
        lock(&self.inner.state).channels.values().cloned().collect()
    }

    pub fn channel(&self, id: u64) -> Option<Channel> {
        lock(&self.inner.state).channels.get(&id).cloned()
    }

    /// The channel's visible messages, oldest first (ephemeral ones are left out).
    pub fn messages(&self, channel: u64) -> Vec<Message> {
        lock(&self.inner.state).listed_messages(channel)
    }

    /// One message, ephemeral ones included.
    pub fn message(&self, channel: u64, id: u64) -> Option<Message> {
        lock(&self.inner.state).message(channel, id).cloned()
    }

    /// The messages of a channel, ephemeral interaction responses included.
    pub fn all_messages(&self, channel: u64) -> Vec<Message> {
        lock(&self.inner.state)
            .messages
            .get(&channel)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The bytes behind an attachment.
    pub fn attachment_bytes(&self, attachment: u64) -> Option<Vec<u8>> {
        lock(&self.inner.state)
            .files
            .get(&attachment)
            .map(|f| f.bytes.clone())
    }

    pub fn member(&self, user: u64) -> Option<Member> {
        lock(&self.inner.state).members.get(&user).cloned()
    }

    pub fn roles(&self) -> Vec<Role> {
        lock(&self.inner.state).roles.values().cloned().collect()
    }

    pub fn user(&self, id: u64) -> Option<User> {
        lock(&self.inner.state).users.get(&id).cloned()
    }

    pub fn global_commands(&self) -> Vec<Value> {
        lock(&self.inner.state).global_commands.clone()
    }

    pub fn guild_commands(&self) -> Vec<Value> {
        lock(&self.inner.state).guild_commands.clone()
    }

    /// Every interaction callback the bot made, in order.
    pub fn callbacks(&self) -> Vec<InteractionCallback> {
        lock(&self.inner.state).callbacks.clone()
    }

    /// The response message of an interaction (`@original`), once there is one.
    pub fn original_response(&self, token: &str) -> Option<Message> {
        let state = lock(&self.inner.state);
        let issued = state.interactions.get(token)?;
        state.message(issued.channel_id?, issued.original?).cloned()
    }

    /// Follow-up messages of an interaction, in order.
    pub fn followups(&self, token: &str) -> Vec<Message> {
        let state = lock(&self.inner.state);
        let Some(issued) = state.interactions.get(token) else {
            return Vec::new();
        };
        let channel = issued.channel_id.unwrap_or(0);
        issued
            .followups
            .iter()
            .filter_map(|id| state.message(channel, *id).cloned())
            .collect()
    }

    /// Every REST request so far, in arrival order (401s and 429s included).
    pub fn calls(&self) -> Vec<Call> {
        self.inner.calls.all()
    }

    /// Calls to `method` on paths matching `pattern` (`*` = one segment).
    pub fn calls_to(&self, method: &str, pattern: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.is(method, pattern))
            .collect()
    }

    /// The first call, made or to come, that `predicate` accepts; `None` after `timeout`.
    pub async fn wait_for_call(
        &self,
        predicate: impl FnMut(&Call) -> bool,
        timeout: Duration,
    ) -> Option<Call> {
        self.inner.calls.wait_for(predicate, timeout).await
    }

    /// Polls `condition` every 10 ms until it holds (true) or `timeout` passes (false).
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut condition: impl FnMut(&FakeDiscord) -> bool,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if condition(self) {
                return true;
            }
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    // ----- rate limits -----

    /// The next `count` calls of `method` (or `"*"`) to paths matching `pattern`
    /// (`"/channels/*/messages"`) answer 429 with `retry_after`, scope `user`.
    pub fn inject_429(&self, method: &str, pattern: &str, count: u32, retry_after: Duration) {
        lock(&self.inner.limits).inject(method, pattern, count, retry_after.as_secs_f64(), false);
    }

    /// Like [`FakeDiscord::inject_429`] with scope `shared` (a resource's limit).
    pub fn inject_shared_429(
        &self,
        method: &str,
        pattern: &str,
        count: u32,
        retry_after: Duration,
    ) {
        lock(&self.inner.limits).inject(method, pattern, count, retry_after.as_secs_f64(), true);
    }

    /// The next `count` calls, whatever the route, answer a global 429.
    pub fn inject_global_429(&self, count: u32, retry_after: Duration) {
        lock(&self.inner.limits).inject_global(count, retry_after.as_secs_f64());
    }

    /// Enforce `limit` requests per `window` in every bucket (per major parameter), with
    /// honest headers; `None` (the default) reports a nominal limit and never refuses.
    pub fn set_bucket_limit(&self, limit: Option<(u32, Duration)>) {
        lock(&self.inner.limits).set_limit(limit);
    }

    /// The next `count` calls of `method` (or `"*"`) to paths matching `pattern` answer
    /// `status` with Discord's error body `{"message", "code"}` and change nothing:
    /// `inject_error("POST", "/guilds/*/channels", 1, 403, 50013, "Missing Permissions")`.
    pub fn inject_error(
        &self,
        method: &str,
        pattern: &str,
        count: u32,
        status: u16,
        code: u64,
        message: &str,
    ) {
        lock(&self.inner.faults).inject(
            method,
            pattern,
            count,
            status,
            code,
            message,
            faults::Effect::None,
        );
    }

    /// The next `count` calls of `method` (or `"*"`) to paths matching `pattern` are
    /// carried out (the message is made, the channel deleted...) but answered `status`
    /// with Discord's error body, as when the answer is lost past Discord's edge (a 502
    /// or 504 after the work was done). A caller that retries must not do it twice.
    pub fn inject_error_after_effect(
        &self,
        method: &str,
        pattern: &str,
        count: u32,
        status: u16,
        message: &str,
    ) {
        lock(&self.inner.faults).inject(
            method,
            pattern,
            count,
            status,
            0,
            message,
            faults::Effect::Done,
        );
    }

    /// The next `count` calls of `method` (or `"*"`) to paths matching `pattern` are
    /// carried out at once but answered only after `delay`: a slow Discord, or, with a
    /// delay past the caller's patience, a caller that stops before hearing the answer.
    pub fn delay_answers(&self, method: &str, pattern: &str, count: u32, delay: Duration) {
        lock(&self.inner.faults).delay(method, pattern, count, delay);
    }

    // ----- gateway -----

    /// Cut every gateway connection, with a resumable close frame (4000) or abruptly
    /// (TCP closed, no frame). Sessions stay; later events wait for the resume. Returns
    /// how many connections were cut.
    pub fn disconnect(&self, close_frame: bool) -> usize {
        self.inner.gateway.disconnect(close_frame)
    }

    /// Send op 7 RECONNECT to every connection.
    pub fn send_reconnect(&self) -> usize {
        self.inner.gateway.reconnect()
    }

    /// Send op 9 INVALID SESSION; not `resumable` also forgets the sessions, so the
    /// client must identify again.
    pub fn invalidate_session(&self, resumable: bool) -> usize {
        self.inner.gateway.invalidate_sessions(resumable)
    }

    /// Send op 1: the client must heartbeat at once.
    pub fn request_heartbeat(&self) {
        self.inner.gateway.request_heartbeat();
    }

    pub fn identify_count(&self) -> usize {
        self.inner.gateway.identifies().len()
    }

    /// The `d` of every IDENTIFY received (token, intents, properties, shard, ...).
    pub fn identifies(&self) -> Vec<Value> {
        self.inner.gateway.identifies()
    }

    /// The intents of the latest IDENTIFY.
    pub fn last_intents(&self) -> Option<u64> {
        self.identifies().last().and_then(|d| d["intents"].as_u64())
    }

    /// RESUME attempts (also those answered with INVALID SESSION).
    pub fn resume_count(&self) -> usize {
        self.inner.gateway.resume_count()
    }

    /// Heartbeats (op 1) received from clients.
    pub fn heartbeat_count(&self) -> usize {
        self.inner.gateway.heartbeat_count()
    }

    /// The query string of every gateway connection (`v=10&encoding=json&compress=...`).
    pub fn gateway_queries(&self) -> Vec<String> {
        self.inner.gateway.queries()
    }

    /// Connections with an identified or resumed session right now.
    pub fn live_sessions(&self) -> usize {
        self.inner.gateway.live_sessions()
    }

    /// (session id, last sequence number) of every session.
    pub fn session_sequences(&self) -> Vec<(String, u64)> {
        self.inner.gateway.session_sequences()
    }
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        // The server stops accepting and closes idle connections; gateway connections
        // watch the same signal and end at once.
        self.inner.shutdown.send_replace(true);
    }
}

/// `<base64 of the bot id>.<base64 timestamp>.<27 chars>`: clients that read the bot id
/// out of the token find it.
fn discord_like_token(bot: u64) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let ts = URL_SAFE_NO_PAD.encode((ids::now_unix_ms() / 1000).to_be_bytes()[4..].as_ref());
    let mac = URL_SAFE_NO_PAD.encode(
        bot.wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .to_le_bytes()
            .repeat(3),
    );
    format!(
        "{}.{ts}.{}",
        STANDARD_NO_PAD.encode(bot.to_string()),
        &mac[..27]
    )
}
