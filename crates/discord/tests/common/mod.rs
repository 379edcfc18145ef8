//! The adapter between a real Docket server (in-process, fresh SQLite database) and the
//! fake Discord, as in production: twilight-http and -gateway against the fake, the
//! interactions endpoint fed with payloads signed by the fake's key.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use docket_client::{Client, RetryPolicy};
use docket_core::access::{Role, Scope, UserKind};
use docket_discord::{Adapter, Config};
use docket_fake_discord::{FakeConfig, FakeDiscord, Interaction};
use docket_store::identity::{Actor, MasterKey, NewUser};
use docket_store::testing::TestDb;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const WAIT: Duration = Duration::from_secs(20);

pub struct TestServer {
    pub addr: SocketAddr,
    /// The adapter's service account (agent, teams `community` and `it`).
    pub token: String,
    pub admin_token: String,
    /// A member of staff who works in the web UI (agent in `community`).
    pub agent_id: i64,
    pub agent_token: String,
    pub db: TestDb,
    shutdown: Option<oneshot::Sender<()>>,
}

async fn user(db: &TestDb, email: &str, name: &str, role: Role, kind: UserKind) -> i64 {
    db.store
        .create_user(
            NewUser {
                email: email.into(),
                display_name: name.into(),
                role,
                kind,
                password: None,
                skills: vec![],
                capacity: None,
            },
            &Actor::new("test", None),
        )
        .await
        .unwrap()
        .id
}

impl TestServer {
    pub async fn start(backend: docket_store::Backend) -> TestServer {
        let db = TestDb::new(backend).await;
        let types = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ticket-types");
        let files = docket_server::typefiles::load(&[types]).expect("shipped types load");
        docket_server::typefiles::apply_safe(&db.store, &files)
            .await
            .expect("shipped types apply");
        let actor = Actor::new("test", None);
        let bot = user(
            &db,
            "discord-bot@example.com",
            "Discord bot",
            Role::Agent,
            UserKind::Service,
        )
        .await;
        let agent = user(
            &db,
            "dana@example.com",
            "Dana Agent",
            Role::Agent,
            UserKind::Person,
        )
        .await;
        for team in ["it", "community"] {
            if db.store.team(team).await.is_err() {
                db.store.create_team(team, team, "", &actor).await.unwrap();
            }
            for id in [bot, agent] {
                db.store
                    .set_team_member(team, id, true, &actor)
                    .await
                    .unwrap();
            }
        }
        let token = |id: i64, name: &'static str, scopes: &'static [Scope]| {
            let store = db.store.clone();
            let actor = actor.clone();
            async move {
                store
                    .create_token(id, name, scopes, None, id, &actor)
                    .await
                    .unwrap()
                    .0
            }
        };
        let bot_token = token(bot, "discord", &[Scope::Read, Scope::Write]).await;
        let agent_token = token(agent, "web", &[Scope::Read, Scope::Write]).await;
        let admin = user(
            &db,
            "admin@example.com",
            "Admin",
            Role::Admin,
            UserKind::Service,
        )
        .await;
        let admin_token = token(admin, "admin", &[Scope::Admin]).await;

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let state =
            docket_server::api::AppState::new(db.store.clone(), MasterKey::generate(), false);
        // Summaries on close and moderation, once a test configures AI.
        docket_server::spawn_ai_worker(&state, Duration::from_millis(100));
        tokio::spawn(async move {
            docket_server::serve(state, listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestServer {
            addr,
            token: bot_token,
            admin_token,
            agent_id: agent,
            agent_token,
            db,
            shutdown: Some(tx),
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        max_elapsed: Duration::from_secs(3),
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(300),
    }
}

pub fn client(base_url: &str, token: &str) -> Client {
    Client::builder(base_url, token)
        .retry(quick_retries())
        .request_timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// A gate in front of Docket: passes connections through, counts them and what callers
/// send, can be shut (connections refused, open ones cut) and opened again on the same
/// port, and can answer requests itself (a proxy's 429, a 401) instead of Docket. It
/// reads each request's head (HTTP/1.1 with Content-Length bodies, as the client sends
/// them) to know which request it is; the bytes pass unchanged.
pub struct Gate {
    pub addr: SocketAddr,
    upstream: SocketAddr,
    accepted: Arc<AtomicUsize>,
    sent: Arc<AtomicUsize>,
    open: Arc<AtomicBool>,
    rules: Arc<std::sync::Mutex<Vec<Rule>>>,
    /// The path of every request seen, in order, and whether the gate answered it.
    seen: Arc<std::sync::Mutex<Vec<(String, bool)>>>,
    task: std::sync::Mutex<Option<JoinHandle<()>>>,
    conns: Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>,
}

/// What the gate does with the next `remaining` requests whose path starts with `prefix`.
struct Rule {
    prefix: String,
    action: Action,
    remaining: u32,
}

#[derive(Clone, Copy)]
enum Action {
    /// Answer this status itself; Docket never sees the request.
    Answer(u16),
    /// Hold the request this long, then pass it on (a slow Docket).
    Delay(Duration),
}

/// What the gate's answer says, as Docket's problem documents do.
fn canned_answer(status: u16) -> Vec<u8> {
    let title = match status {
        401 => "Unauthorized",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Error",
    };
    let body = serde_json::json!({
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": "answered by the test gate",
    })
    .to_string();
    format!(
        "HTTP/1.1 {status} {title}\r\ncontent-type: application/problem+json\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The request line's path (without the query) and the body's length, from a head.
fn read_head(head: &[u8]) -> (String, Option<usize>) {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let path = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .map(|p| p.split('?').next().unwrap_or(p).to_string())
        .unwrap_or_default();
    let mut length = Some(0);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        if name == "content-length" {
            length = value.trim().parse().ok();
        } else if name == "transfer-encoding" {
            // Chunked: not followed request by request; the rest passes as bytes.
            length = None;
        }
    }
    (path, length)
}

enum Ended {
    /// The caller finished sending: let Docket's last answer through.
    Closed,
    /// The gate answered: the connection is over.
    Answered,
}

impl Gate {
    pub async fn start(upstream: SocketAddr) -> Gate {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gate = Gate {
            addr: listener.local_addr().unwrap(),
            upstream,
            accepted: Arc::default(),
            sent: Arc::default(),
            open: Arc::new(AtomicBool::new(true)),
            rules: Arc::default(),
            seen: Arc::default(),
            task: std::sync::Mutex::new(None),
            conns: Arc::default(),
        };
        gate.serve(listener);
        gate
    }

    fn serve(&self, listener: TcpListener) {
        let (accepted, upstream, conns) =
            (self.accepted.clone(), self.upstream, self.conns.clone());
        let (sent, rules, seen) = (self.sent.clone(), self.rules.clone(), self.seen.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                accepted.fetch_add(1, Ordering::SeqCst);
                let (sent, rules, seen) = (sent.clone(), rules.clone(), seen.clone());
                let conn = tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (client_read, client_write) = client.into_split();
                    let client_write = Arc::new(tokio::sync::Mutex::new(client_write));
                    let (server_read, server_write) = server.into_split();
                    let up = Gate::requests(
                        client_read,
                        server_write,
                        client_write.clone(),
                        sent,
                        rules,
                        seen,
                    );
                    let down = async {
                        let mut server_read = server_read;
                        let mut buf = vec![0u8; 16 * 1024];
                        loop {
                            match server_read.read(&mut buf).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => {
                                    let mut w = client_write.lock().await;
                                    if w.write_all(&buf[..n]).await.is_err() {
                                        break;
                                    }
                                }
                            }
                        }
                        let _ = client_write.lock().await.shutdown().await;
                    };
                    tokio::pin!(up, down);
                    tokio::select! {
                        ended = &mut up => {
                            if matches!(ended, Ended::Closed) {
                                down.await;
                            }
                        }
                        _ = &mut down => {}
                    }
                });
                conns.lock().unwrap().push(conn);
            }
        });
        *self.task.lock().unwrap() = Some(task);
    }

    /// Caller → Docket, request by request: each is passed on, or answered by a rule.
    async fn requests(
        mut client_read: tokio::net::tcp::OwnedReadHalf,
        mut server_write: tokio::net::tcp::OwnedWriteHalf,
        client_write: Arc<tokio::sync::Mutex<tokio::net::tcp::OwnedWriteHalf>>,
        sent: Arc<AtomicUsize>,
        rules: Arc<std::sync::Mutex<Vec<Rule>>>,
        seen: Arc<std::sync::Mutex<Vec<(String, bool)>>>,
    ) -> Ended {
        let mut pending: Vec<u8> = Vec::new();
        let mut chunk = vec![0u8; 16 * 1024];
        let mut read = async |pending: &mut Vec<u8>| -> bool {
            match client_read.read(&mut chunk).await {
                Ok(0) | Err(_) => false,
                Ok(n) => {
                    pending.extend_from_slice(&chunk[..n]);
                    true
                }
            }
        };
        loop {
            let head_end = loop {
                if let Some(i) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(i + 4);
                }
                if !read(&mut pending).await {
                    break None;
                }
            };
            let Some(head_end) = head_end else {
                let _ = server_write.shutdown().await;
                return Ended::Closed;
            };
            let (path, length) = read_head(&pending[..head_end]);
            let action = {
                let mut rules = rules.lock().unwrap();
                let hit = rules
                    .iter_mut()
                    .find(|r| r.remaining > 0 && path.starts_with(&r.prefix));
                hit.map(|r| {
                    r.remaining -= 1;
                    r.action
                })
            };
            let answer = match action {
                Some(Action::Answer(status)) => Some(status),
                Some(Action::Delay(wait)) => {
                    tokio::time::sleep(wait).await;
                    None
                }
                None => None,
            };
            seen.lock().unwrap().push((path, answer.is_some()));
            let Some(length) = length else {
                // A body not framed by length: pass everything on as it comes.
                loop {
                    sent.fetch_add(pending.len(), Ordering::SeqCst);
                    if server_write.write_all(&pending).await.is_err() {
                        return Ended::Closed;
                    }
                    pending.clear();
                    if !read(&mut pending).await {
                        let _ = server_write.shutdown().await;
                        return Ended::Closed;
                    }
                }
            };
            let total = head_end + length;
            while pending.len() < total {
                if !read(&mut pending).await {
                    break;
                }
            }
            let total = total.min(pending.len());
            if let Some(status) = answer {
                // The whole request was read, so closing does not reset the connection
                // before the caller reads the answer.
                let mut w = client_write.lock().await;
                let _ = w.write_all(&canned_answer(status)).await;
                let _ = w.shutdown().await;
                return Ended::Answered;
            }
            sent.fetch_add(total, Ordering::SeqCst);
            if server_write.write_all(&pending[..total]).await.is_err() {
                return Ended::Closed;
            }
            pending.drain(..total);
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Bytes callers sent to Docket so far.
    pub fn sent(&self) -> usize {
        self.sent.load(Ordering::SeqCst)
    }

    /// The next `count` requests whose path starts with `prefix` (`/api/v1/stream`) are
    /// answered `status` by the gate (a problem document, `Retry-After: 1`), not Docket.
    pub fn answer(&self, status: u16, prefix: &str, count: u32) {
        self.rules.lock().unwrap().push(Rule {
            prefix: prefix.to_string(),
            action: Action::Answer(status),
            remaining: count,
        });
    }

    /// The next `count` requests whose path starts with `prefix` reach Docket `wait`
    /// late.
    pub fn delay(&self, wait: Duration, prefix: &str, count: u32) {
        self.rules.lock().unwrap().push(Rule {
            prefix: prefix.to_string(),
            action: Action::Delay(wait),
            remaining: count,
        });
    }

    /// Requests reach Docket again.
    pub fn stop_answering(&self) {
        self.rules.lock().unwrap().clear();
    }

    /// Requests seen whose path starts with `prefix`: (all, answered by the gate).
    pub fn requests_to(&self, prefix: &str) -> (usize, usize) {
        let seen = self.seen.lock().unwrap();
        let matching = seen.iter().filter(|(p, _)| p.starts_with(prefix));
        let answered = matching.clone().filter(|(_, a)| *a).count();
        (matching.count(), answered)
    }

    /// Docket goes away: new connections are refused, open ones cut.
    pub fn shut(&self) {
        self.open.store(false, Ordering::SeqCst);
        if let Some(t) = self.task.lock().unwrap().take() {
            t.abort();
        }
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    /// Docket is back, on the same address.
    pub async fn reopen(&self) {
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        self.open.store(true, Ordering::SeqCst);
        self.serve(listener);
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.shut();
    }
}

pub struct Harness {
    pub server: TestServer,
    pub gate: Gate,
    pub fake: FakeDiscord,
    /// The adapter's own client (service account), through the gate.
    pub docket: Client,
    pub admin: Client,
    /// Dana, working in the web UI.
    pub agent: Client,
    pub http: reqwest::Client,
    adapter: Option<Running>,
    tweak: Box<dyn Fn(&mut Config) + Send + Sync>,
}

struct Running {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(|_| {}).await
    }

    /// With the adapter's configuration adjusted by `tweak`.
    pub async fn start_with(tweak: impl Fn(&mut Config) + Send + Sync + 'static) -> Harness {
        Harness::start_on(docket_store::Backend::Sqlite, tweak).await
    }

    /// On a backend of choice (SQLite is the default: cheapest on a shared machine).
    pub async fn start_on(
        backend: docket_store::Backend,
        tweak: impl Fn(&mut Config) + Send + Sync + 'static,
    ) -> Harness {
        docket_discord::install_crypto();
        let server = TestServer::start(backend).await;
        let gate = Gate::start(server.addr).await;
        let fake = FakeDiscord::start(FakeConfig {
            heartbeat_interval: Duration::from_millis(500),
            ..FakeConfig::default()
        })
        .await;
        let docket = client(&server.base_url(), &server.token);
        let admin = client(&server.base_url(), &server.admin_token);
        let agent = client(&server.base_url(), &server.agent_token);
        let mut h = Harness {
            server,
            gate,
            fake,
            docket,
            admin,
            agent,
            http: reqwest::Client::new(),
            adapter: None,
            tweak: Box::new(tweak),
        };
        h.start_adapter().await;
        h
    }

    pub fn config(&self) -> Config {
        let mut c = Config::new(
            self.gate.base_url(),
            self.server.token.clone(),
            self.fake.bot_token(),
            self.fake.application_id(),
            self.fake.signer().public_key_hex(),
            "127.0.0.1:0".parse().unwrap(),
        );
        c.rest_proxy = Some(self.fake.proxy());
        c.gateway_url = Some(self.fake.gateway_url());
        c.panel_poll = Duration::from_millis(200);
        c.sweep_interval = Duration::from_secs(3600);
        c.docket_retry = quick_retries();
        c.docket_timeout = Duration::from_secs(10);
        c.summary_wait = Duration::from_millis(200);
        (self.tweak)(&mut c);
        c
    }

    pub async fn start_adapter(&mut self) {
        let adapter = Adapter::new(self.config())
            .await
            .expect("the adapter starts");
        let addr = adapter.local_addr();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            adapter
                .run(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        self.adapter = Some(Running { addr, stop, task });
    }

    pub async fn stop_adapter(&mut self) {
        if let Some(r) = self.adapter.take() {
            let _ = r.stop.send(());
            let _ = r.task.await;
        }
    }

    pub fn endpoint(&self) -> String {
        format!(
            "http://{}/interactions",
            self.adapter.as_ref().expect("the adapter runs").addr
        )
    }

    /// Post raw bytes with the given headers; the status and body.
    pub async fn post_raw(&self, body: Vec<u8>, headers: &[(&str, String)]) -> (u16, String) {
        let mut req = self.http.post(self.endpoint()).body(body);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        req = req.header("content-type", "application/json");
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.text().await.unwrap())
    }

    /// Post an interaction as Discord does and hand the adapter's answer to the fake as
    /// Discord would (the answer to the HTTP request is the interaction's callback).
    pub async fn interact(&self, i: &Interaction) -> Value {
        let body = i.body();
        let headers: Vec<(&str, String)> =
            i.signed_headers(self.fake.signer()).into_iter().collect();
        let (status, text) = self.post_raw(body, &headers).await;
        assert_eq!(status, 200, "{text}");
        let answer: Value = serde_json::from_str(&text).unwrap();
        if answer["type"] != 1 {
            let url = format!(
                "{}/interactions/{}/{}/callback",
                self.fake.api_base(),
                i.id,
                i.token
            );
            // Discord's own delivery of the answer is not subject to the bot's rate
            // limits: wait out any the test injected.
            loop {
                let r = self.http.post(&url).json(&answer).send().await.unwrap();
                if r.status().as_u16() == 429 {
                    let body: Value = r.json().await.unwrap_or_default();
                    let wait = body["retry_after"].as_f64().unwrap_or(0.1);
                    tokio::time::sleep(Duration::from_secs_f64(wait)).await;
                    continue;
                }
                assert!(
                    r.status().is_success(),
                    "callback: {}",
                    r.text().await.unwrap()
                );
                break;
            }
        }
        answer
    }

    /// The deferred answer's final text, once the adapter has written it.
    pub async fn final_answer(&self, i: &Interaction) -> String {
        let mut text = String::new();
        let ok = self
            .fake
            .wait_until(WAIT, |f| match f.original_response(&i.token) {
                Some(m) if !m.content.is_empty() => {
                    text = m.content.clone();
                    true
                }
                _ => false,
            })
            .await;
        assert!(ok, "no answer to interaction {}", i.id);
        text
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(r) = self.adapter.take() {
            let _ = r.stop.send(());
            r.task.abort();
        }
    }
}

/// Poll `f` until it returns Some, or panic after `WAIT` with `what`.
pub async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Helpers for the stories.
impl Harness {
    /// A text channel in the fake guild (a log channel, say), made as an admin would.
    pub async fn text_channel(&self, name: &str) -> u64 {
        let url = format!(
            "{}/guilds/{}/channels",
            self.fake.api_base(),
            self.fake.guild_id()
        );
        let r: Value = self
            .http
            .post(url)
            .header("authorization", format!("Bot {}", self.fake.bot_token()))
            .json(&serde_json::json!({ "name": name, "type": 0 }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["id"].as_str().unwrap().parse().unwrap()
    }

    /// The panel message the adapter posted in `channel`, once it is there.
    pub async fn posted_panel(
        &self,
        channel: u64,
        custom_id_prefix: &str,
    ) -> docket_fake_discord::Message {
        eventually("the panel message", || async {
            self.fake.messages(channel).into_iter().find(|m| {
                serde_json::to_string(&m.components)
                    .unwrap()
                    .contains(custom_id_prefix)
            })
        })
        .await
    }
}

/// Every custom_id in a message's components.
pub fn custom_ids(components: &[Value]) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                if let Some(id) = o.get("custom_id").and_then(Value::as_str) {
                    out.push(id.to_string());
                }
                o.values().for_each(|c| walk(c, out));
            }
            Value::Array(a) => a.iter().for_each(|c| walk(c, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    components.iter().for_each(|c| walk(c, &mut out));
    out
}

/// `**DSC-1** ... <#123>` → ("DSC-1", 123).
pub fn key_and_channel(text: &str) -> (String, u64) {
    let key = text.split("**").nth(1).expect("a key in bold").to_string();
    let channel = text
        .split("<#")
        .nth(1)
        .and_then(|s| s.split('>').next())
        .and_then(|s| s.parse().ok())
        .expect("a channel mention");
    (key, channel)
}

/// Link a Discord account to a Docket user, as an admin does in the web UI.
pub async fn link(h: &Harness, discord_id: u64, user_id: i64) {
    let r = h
        .http
        .put(format!(
            "{}/api/v1/users/{user_id}/discord",
            h.server.base_url()
        ))
        .bearer_auth(&h.server.admin_token)
        .json(&serde_json::json!({ "discord_id": discord_id.to_string(), "discord_name": "bob" }))
        .send()
        .await
        .unwrap();
    assert!(
        r.status().is_success(),
        "link: {} {}",
        r.status(),
        r.text().await.unwrap()
    );
}

// ---- panels and tickets, as the stories use them ----

use docket_client::api::{PanelInput, PanelMode, PanelOut, SupportRole};

pub fn panel_input(h: &Harness, log: Option<u64>) -> PanelInput {
    let ids = h.fake.ids();
    PanelInput {
        name: "Support".into(),
        guild_id: ids.guild.to_string(),
        channel_id: ids.general_channel.to_string(),
        title: "Need help?".into(),
        description: "Open a ticket and our team will answer.".into(),
        button_label: "Open a ticket".into(),
        topics: vec![],
        ticket_type: Some("discord_support".into()),
        mode: PanelMode::Channel,
        category_id: Some(ids.tickets_category.to_string()),
        support_roles: vec![SupportRole {
            role_id: ids.staff_role.to_string(),
            team: Some("community".into()),
        }],
        ping_role_id: Some(ids.staff_role.to_string()),
        welcome_message: "Welcome {user}! Your ticket is {ticket}.".into(),
        log_channel_id: log.map(|l| l.to_string()),
        max_open_per_member: 1,
        cooldown_seconds: 0,
        transcripts: true,
        ai_summary: true,
        survey: true,
        inactivity: None,
        working_hours: None,
    }
}

pub async fn deployed(h: &Harness, input: &PanelInput) -> (PanelOut, docket_fake_discord::Message) {
    let panel = h.admin.create_panel(input).await.unwrap();
    h.admin.deploy_panel(panel.id).await.unwrap();
    let message = h
        .posted_panel(
            input.channel_id.parse().unwrap(),
            &format!("docket:open:{}", panel.id),
        )
        .await;
    let panel = eventually("the deployment to be recorded", || async {
        let p = h.docket.get_panel(panel.id).await.unwrap();
        p.deployment.is_some().then_some(p)
    })
    .await;
    (panel, message)
}

/// Open a ticket as `user` from the panel's button (with its modal); the key and channel.
pub async fn open(h: &Harness, user: u64, panel: &PanelOut, message: u64) -> (String, u64) {
    let general = h.fake.ids().general_channel;
    let click =
        h.fake
            .button_interaction(general, user, message, &format!("docket:open:{}", panel.id));
    let answer = h.interact(&click).await;
    assert_eq!(
        answer["type"], 9,
        "discord_support asks its details in a modal: {answer}"
    );
    let form = answer["data"]["custom_id"].as_str().unwrap().to_string();
    let inputs = custom_ids(answer["data"]["components"].as_array().unwrap());
    assert_eq!(
        inputs,
        ["details"],
        "only what Discord cannot fill in itself"
    );
    let submit = h.fake.modal_submit_interaction(
        general,
        user,
        &form,
        &[("details", "My printer is on fire, please help")],
    );
    let answer = h.interact(&submit).await;
    assert_eq!(answer["type"], 5, "deferred: {answer}");
    let text = h.final_answer(&submit).await;
    key_and_channel(&text)
}

/// Configure Docket's AI against a fake OpenAI, as an admin does.
pub async fn configure_ai(h: &Harness, base_url: &str) {
    let put = |path: &str, body: Value| {
        let req = h
            .http
            .put(format!("{}/api/v1{path}", h.server.base_url()))
            .bearer_auth(&h.server.admin_token)
            .json(&body);
        async move {
            let r = req.send().await.unwrap();
            assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        }
    };
    put(
        "/ai/settings",
        serde_json::json!({
            "enabled": true,
            "base_url": base_url,
            "models": {"summary": "fake-summary", "triage": "fake-triage", "reply": "fake-reply", "moderation": "fake-mod"}
        }),
    )
    .await;
    put("/ai/key", serde_json::json!({"key": "sk-test-key"})).await;
}
