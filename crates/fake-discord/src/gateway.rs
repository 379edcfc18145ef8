//! The gateway: a JSON-encoded websocket on the same port as REST (`/?v=10&encoding=json`,
//! optionally `&compress=zlib-stream`).
//!
//! Sessions outlive connections: every dispatch is numbered per session and kept, so a
//! client that resumes (op 6) with its last sequence number gets everything after it,
//! once and in order, then RESUMED. Events that happen while a session has no
//! connection wait in its log. Dispatches honour the session's intents, and message
//! content is blanked without MESSAGE_CONTENT, as on Discord.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{RawQuery, State};
use axum::response::Response;
use flate2::{Compress, Compression, FlushCompress};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::{Inner, lock, render};

/// Gateway intents (Discord's bits) the fake filters on.
pub mod intents {
    pub const GUILDS: u64 = 1 << 0;
    pub const GUILD_MEMBERS: u64 = 1 << 1;
    pub const GUILD_MESSAGES: u64 = 1 << 9;
    pub const DIRECT_MESSAGES: u64 = 1 << 12;
    pub const MESSAGE_CONTENT: u64 = 1 << 15;
}

/// What a connection task is told to do.
pub(crate) enum Out {
    Payload(Value),
    /// Send a close frame with this code, then drop the connection.
    Close(u16, &'static str),
    /// Drop the TCP connection without a close frame.
    Drop,
}

struct Session {
    seq: u64,
    intents: u64,
    /// Every dispatch of the session: (sequence, full payload).
    log: Vec<(u64, Value)>,
    conn: Option<u64>,
}

struct Conn {
    tx: mpsc::UnboundedSender<Out>,
    session: Option<String>,
}

#[derive(Default)]
struct Hub {
    sessions: HashMap<String, Session>,
    conns: HashMap<u64, Conn>,
    next_conn: u64,
    identifies: Vec<Value>,
    resumes: usize,
    heartbeats: usize,
    queries: Vec<String>,
}

/// Which sessions get a dispatch and what they see of it.
#[derive(Clone, Copy)]
pub(crate) struct Audience {
    /// The session needs one of these intent bits (0: everyone).
    pub intents: u64,
    /// Blank content, embeds, attachments and components without MESSAGE_CONTENT.
    pub privileged_content: bool,
}

impl Audience {
    pub(crate) const ALL: Audience = Audience {
        intents: 0,
        privileged_content: false,
    };
    pub(crate) const GUILDS: Audience = Audience {
        intents: intents::GUILDS,
        privileged_content: false,
    };
}

pub(crate) struct Gateway {
    hub: Mutex<Hub>,
    pub(crate) heartbeat_interval_ms: u64,
}

impl Gateway {
    pub(crate) fn new(heartbeat_interval_ms: u64) -> Gateway {
        Gateway {
            hub: Mutex::new(Hub::default()),
            heartbeat_interval_ms,
        }
    }

    /// Number and queue `data` as event `name` for every session in `audience`; the
    /// caller holds the state lock, so events go out in the order they happened.
    pub(crate) fn dispatch(&self, name: &str, data: &Value, audience: Audience) {
        let mut hub = lock(&self.hub);
        let Hub {
            sessions, conns, ..
        } = &mut *hub;
        for session in sessions.values_mut() {
            if audience.intents != 0 && session.intents & audience.intents == 0 {
                continue;
            }
            let mut data = data.clone();
            if audience.privileged_content && session.intents & intents::MESSAGE_CONTENT == 0 {
                blank_content(&mut data);
            }
            session.seq += 1;
            let payload = json!({ "op": 0, "t": name, "s": session.seq, "d": data });
            if let Some(conn) = session.conn.and_then(|c| conns.get(&c)) {
                let _ = conn.tx.send(Out::Payload(payload.clone()));
            }
            session.log.push((session.seq, payload));
        }
    }

    /// Cut every connection (with a resumable close frame, or abruptly); sessions stay,
    /// and what is dispatched from now on waits for a resume.
    pub(crate) fn disconnect(&self, close_frame: bool) -> usize {
        self.detach_all(|| {
            if close_frame {
                Out::Close(4000, "Unknown error")
            } else {
                Out::Drop
            }
        })
    }

    /// op 7: ask every client to reconnect and resume.
    pub(crate) fn reconnect(&self) -> usize {
        self.detach_all(|| Out::Payload(json!({ "op": 7, "d": null, "s": null, "t": null })))
    }

    /// op 9: the session is invalid; not resumable sessions are forgotten.
    pub(crate) fn invalidate_sessions(&self, resumable: bool) -> usize {
        let count = self
            .detach_all(|| Out::Payload(json!({ "op": 9, "d": resumable, "s": null, "t": null })));
        if !resumable {
            lock(&self.hub).sessions.clear();
        }
        count
    }

    /// op 1 from the server: the client must heartbeat right away.
    pub(crate) fn request_heartbeat(&self) {
        let hub = lock(&self.hub);
        for conn in hub.conns.values() {
            let seq = conn
                .session
                .as_ref()
                .and_then(|s| hub.sessions.get(s))
                .map(|s| s.seq);
            let _ = conn.tx.send(Out::Payload(
                json!({ "op": 1, "d": seq, "s": null, "t": null }),
            ));
        }
    }

    fn detach_all(&self, out: impl Fn() -> Out) -> usize {
        let mut hub = lock(&self.hub);
        let Hub {
            sessions, conns, ..
        } = &mut *hub;
        for conn in conns.values_mut() {
            let _ = conn.tx.send(out());
            if let Some(session) = conn.session.take().and_then(|s| sessions.get_mut(&s)) {
                session.conn = None;
            }
        }
        conns.len()
    }

    pub(crate) fn identifies(&self) -> Vec<Value> {
        lock(&self.hub).identifies.clone()
    }

    pub(crate) fn resume_count(&self) -> usize {
        lock(&self.hub).resumes
    }

    pub(crate) fn heartbeat_count(&self) -> usize {
        lock(&self.hub).heartbeats
    }

    pub(crate) fn queries(&self) -> Vec<String> {
        lock(&self.hub).queries.clone()
    }

    /// Connections with an identified or resumed session.
    pub(crate) fn live_sessions(&self) -> usize {
        lock(&self.hub)
            .conns
            .values()
            .filter(|c| c.session.is_some())
            .count()
    }

    /// Sequence numbers of each session, for assertions.
    pub(crate) fn session_sequences(&self) -> Vec<(String, u64)> {
        lock(&self.hub)
            .sessions
            .iter()
            .map(|(id, s)| (id.clone(), s.seq))
            .collect()
    }

    fn register(&self, tx: mpsc::UnboundedSender<Out>, query: String) -> u64 {
        let mut hub = lock(&self.hub);
        hub.next_conn += 1;
        let id = hub.next_conn;
        hub.conns.insert(id, Conn { tx, session: None });
        hub.queries.push(query);
        id
    }

    fn unregister(&self, conn_id: u64) {
        let mut hub = lock(&self.hub);
        if let Some(session) = hub.conns.remove(&conn_id).and_then(|c| c.session)
            && let Some(session) = hub.sessions.get_mut(&session)
            && session.conn == Some(conn_id)
        {
            session.conn = None;
        }
    }

    fn send(&self, conn_id: u64, out: Out) {
        if let Some(conn) = lock(&self.hub).conns.get(&conn_id) {
            let _ = conn.tx.send(out);
        }
    }
}

/// Without MESSAGE_CONTENT a bot sees messages with these fields empty.
fn blank_content(data: &mut Value) {
    for (field, empty) in [
        ("content", json!("")),
        ("embeds", json!([])),
        ("attachments", json!([])),
        ("components", json!([])),
    ] {
        if data.get(field).is_some() {
            data[field] = empty;
        }
    }
}

/// `GET /?v=10&encoding=json[&compress=zlib-stream]` with a websocket upgrade.
pub(crate) async fn upgrade(
    State(inner): State<Arc<Inner>>,
    RawQuery(query): RawQuery,
    ws: WebSocketUpgrade,
) -> Response {
    let query = query.unwrap_or_default();
    let zlib = query.split('&').any(|pair| pair == "compress=zlib-stream");
    ws.on_upgrade(move |socket| connection(inner, socket, query, zlib))
}

async fn connection(inner: Arc<Inner>, mut socket: WebSocket, query: String, zlib: bool) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let gateway = &inner.gateway;
    let conn_id = gateway.register(tx, query);
    let mut compressor = zlib.then(|| Compress::new(Compression::fast(), true));
    let hello = json!({ "op": 10, "d": { "heartbeat_interval": gateway.heartbeat_interval_ms }, "s": null, "t": null });
    gateway.send(conn_id, Out::Payload(hello));
    let mut shutdown = inner.shutdown.subscribe();
    loop {
        tokio::select! {
            incoming = socket.recv() => match incoming {
                Some(Ok(WsMessage::Text(text))) => handle(&inner, conn_id, text.as_str()),
                // Clients never compress what they send.
                Some(Ok(WsMessage::Binary(_))) => gateway.send(conn_id, Out::Close(4002, "Decode error")),
                Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            out = rx.recv() => match out {
                Some(Out::Payload(payload)) => {
                    let text = payload.to_string();
                    let message = match compressor.as_mut() {
                        Some(c) => WsMessage::Binary(deflate_sync(c, text.as_bytes()).into()),
                        None => WsMessage::Text(text.into()),
                    };
                    if socket.send(message).await.is_err() {
                        break;
                    }
                }
                Some(Out::Close(code, reason)) => {
                    let frame = CloseFrame { code, reason: reason.into() };
                    let _ = socket.send(WsMessage::Close(Some(frame))).await;
                    break;
                }
                Some(Out::Drop) | None => break,
            },
            _ = shutdown.changed() => break,
        }
    }
    gateway.unregister(conn_id);
    // Dropping the socket closes the TCP connection (no close frame unless sent above).
}

/// One message of the connection's zlib stream, flushed with Z_SYNC_FLUSH so it ends in
/// `00 00 ff ff` and the client can inflate it on its own.
pub(crate) fn deflate_sync(compressor: &mut Compress, input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 2 + 64);
    let start = compressor.total_in();
    loop {
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(256));
        }
        let consumed = (compressor.total_in() - start) as usize;
        compressor
            .compress_vec(&input[consumed..], &mut out, FlushCompress::Sync)
            .expect("deflate into a growing buffer");
        let done = (compressor.total_in() - start) as usize == input.len();
        // The flush is complete once everything is in and the output did not fill up.
        if done && out.len() < out.capacity() {
            return out;
        }
    }
}

/// One payload from the client.
fn handle(inner: &Arc<Inner>, conn_id: u64, text: &str) {
    let gateway = &inner.gateway;
    let Ok(payload) = serde_json::from_str::<Value>(text) else {
        return gateway.send(conn_id, Out::Close(4002, "Decode error"));
    };
    let data = &payload["d"];
    match payload["op"].as_u64() {
        Some(1) => {
            lock(&gateway.hub).heartbeats += 1;
            gateway.send(
                conn_id,
                Out::Payload(json!({ "op": 11, "d": null, "s": null, "t": null })),
            );
        }
        Some(2) => identify(inner, conn_id, data),
        Some(6) => resume(inner, conn_id, data),
        // Presence, voice state, request guild members, request soundboard sounds:
        // accepted and ignored.
        Some(3 | 4 | 8 | 31) => {}
        _ => gateway.send(conn_id, Out::Close(4001, "Unknown opcode")),
    }
}

fn token_ok(inner: &Inner, data: &Value) -> bool {
    let token = data["token"].as_str().unwrap_or_default();
    token.strip_prefix("Bot ").unwrap_or(token) == inner.token
}

fn identify(inner: &Arc<Inner>, conn_id: u64, data: &Value) {
    let gateway = &inner.gateway;
    if !token_ok(inner, data) {
        return gateway.send(conn_id, Out::Close(4004, "Authentication failed"));
    }
    let Some(intents) = data["intents"].as_u64() else {
        return gateway.send(conn_id, Out::Close(4013, "Invalid intent(s)"));
    };
    let state = lock(&inner.state);
    let mut hub = lock(&gateway.hub);
    if hub.conns.get(&conn_id).is_some_and(|c| c.session.is_some()) {
        drop(hub);
        return gateway.send(conn_id, Out::Close(4005, "Already authenticated"));
    }
    hub.identifies.push(data.clone());
    let session_id = crate::ids::hex(&state.ids.next().to_be_bytes());
    let mut ready = json!({
        "v": 10,
        "user": render::current_user(&state),
        "guilds": [{ "id": state.premade.guild.to_string(), "unavailable": true }],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": inner.gateway_url(),
        "application": { "id": state.premade.application.to_string(), "flags": 0 },
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "user_settings": {},
        "auth": {},
    });
    if let Some(shard) = data.get("shard").filter(|s| s.is_array()) {
        ready["shard"] = shard.clone();
    }
    let mut session = Session {
        seq: 0,
        intents,
        log: Vec::new(),
        conn: Some(conn_id),
    };
    let mut events = vec![("READY", ready)];
    if intents & intents::GUILDS != 0 {
        events.push(("GUILD_CREATE", render::guild(&state, true)));
    }
    let tx = hub.conns.get(&conn_id).map(|c| c.tx.clone());
    for (name, d) in events {
        session.seq += 1;
        let payload = json!({ "op": 0, "t": name, "s": session.seq, "d": d });
        if let Some(tx) = &tx {
            let _ = tx.send(Out::Payload(payload.clone()));
        }
        session.log.push((session.seq, payload));
    }
    if let Some(conn) = hub.conns.get_mut(&conn_id) {
        conn.session = Some(session_id.clone());
    }
    hub.sessions.insert(session_id, session);
}

fn resume(inner: &Arc<Inner>, conn_id: u64, data: &Value) {
    let gateway = &inner.gateway;
    if !token_ok(inner, data) {
        return gateway.send(conn_id, Out::Close(4004, "Authentication failed"));
    }
    let session_id = data["session_id"].as_str().unwrap_or_default().to_string();
    let after = data["seq"].as_u64().unwrap_or(0);
    // The state lock keeps dispatches out while the backlog goes out.
    let _state = lock(&inner.state);
    let mut hub = lock(&gateway.hub);
    hub.resumes += 1;
    let Hub {
        sessions, conns, ..
    } = &mut *hub;
    let (Some(session), Some(_)) = (sessions.get_mut(&session_id), conns.get(&conn_id)) else {
        drop(hub);
        return gateway.send(
            conn_id,
            Out::Payload(json!({ "op": 9, "d": false, "s": null, "t": null })),
        );
    };
    if let Some(old) = session.conn.replace(conn_id).filter(|old| *old != conn_id)
        && let Some(old) = conns.get_mut(&old)
    {
        old.session = None;
        let _ = old.tx.send(Out::Close(4000, "Session resumed elsewhere"));
    }
    let conn = conns.get_mut(&conn_id).expect("checked above");
    conn.session = Some(session_id);
    for (_, payload) in session.log.iter().filter(|(seq, _)| *seq > after) {
        let _ = conn.tx.send(Out::Payload(payload.clone()));
    }
    let resumed = json!({ "op": 0, "t": "RESUMED", "s": session.seq, "d": {} });
    let _ = conn.tx.send(Out::Payload(resumed));
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Decompress, FlushDecompress};

    #[test]
    fn zlib_messages_end_with_the_sync_marker_and_share_one_stream() {
        let mut compressor = Compress::new(Compression::fast(), true);
        let mut decompressor = Decompress::new(true);
        for text in ["{\"op\":10}", &"x".repeat(100_000), "{\"op\":11}"] {
            let frame = deflate_sync(&mut compressor, text.as_bytes());
            assert!(frame.ends_with(&[0, 0, 0xff, 0xff]));
            let mut out = Vec::with_capacity(text.len() + 64);
            decompressor
                .decompress_vec(&frame, &mut out, FlushDecompress::Sync)
                .unwrap();
            assert_eq!(out, text.as_bytes());
        }
    }
}
