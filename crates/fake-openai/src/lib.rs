//! A local OpenAI-compatible server for tests, so the real AI client code runs against
//! the real wire protocol on loopback.
//!
//! ```no_run
//! # async fn demo() {
//! use docket_fake_openai::{Behaviour, FakeOpenAi};
//!
//! let fake = FakeOpenAi::start().await; // 127.0.0.1, a free port
//! let base_url = fake.base_url(); // http://127.0.0.1:PORT/v1
//! fake.script(FakeOpenAi::CHAT, Behaviour::rate_limited(1)); // the next chat call gets a 429
//! // ... point the client at base_url, call it ...
//! assert_eq!(fake.requests_to(FakeOpenAi::CHAT).len(), 2);
//! # }
//! ```
//!
//! Ordinary answers are deterministic (`answers`): a chat completion asked for a JSON
//! schema answers an instance of it whose strings quote the first line of the ticket
//! text; moderation flags anything holding `nsfw`; embeddings are unit vectors from a
//! hash of the text. Every response carries `usage`.

mod answers;
mod script;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Extension, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

pub use answers::{EMBEDDING_DIMENSIONS, NSFW_MARKER, embedding, first_ticket_line};
pub use script::{Behaviour, error_body};

/// Bodies larger than this are refused (images arrive as data URLs).
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// One request as it arrived, for assertions.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Names in lower case, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The JSON body (`Value::Null` when there was none or it was not JSON).
    pub body: Value,
    /// When it arrived: compare two of them to measure a client's wait.
    pub at: Instant,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub struct FakeOpenAi {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: JoinHandle<()>,
}

#[derive(Default)]
struct Shared {
    requests: Mutex<Vec<RecordedRequest>>,
    by_path: Mutex<HashMap<String, VecDeque<Behaviour>>>,
    any_path: Mutex<VecDeque<Behaviour>>,
    required_key: Mutex<Option<String>>,
    reject_json_schema: AtomicBool,
    answers: AtomicU64,
}

/// The behaviour the connection layer took from the queue for a handler to apply.
#[derive(Clone)]
struct Scripted(Option<Behaviour>);

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl FakeOpenAi {
    pub const CHAT: &'static str = "/v1/chat/completions";
    pub const MODERATIONS: &'static str = "/v1/moderations";
    pub const EMBEDDINGS: &'static str = "/v1/embeddings";

    /// Serve on 127.0.0.1 on a free port until dropped.
    pub async fn start() -> FakeOpenAi {
        FakeOpenAi::start_on(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .expect("bind the fake OpenAI server on loopback")
    }

    pub async fn start_on(addr: SocketAddr) -> std::io::Result<FakeOpenAi> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let router = Router::new()
            .route(FakeOpenAi::CHAT, post(chat))
            .route(FakeOpenAi::MODERATIONS, post(moderations))
            .route(FakeOpenAi::EMBEDDINGS, post(embeddings))
            .with_state(shared.clone());
        let server = tokio::spawn(serve(listener, shared.clone(), router));
        Ok(FakeOpenAi {
            addr,
            shared,
            server,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v1`, what a client takes as its base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Queue `behaviour` for the next request to `path` (`FakeOpenAi::CHAT`, ...).
    /// Queued behaviours are used in order, one per request; then answers are ordinary.
    pub fn script(&self, path: &str, behaviour: Behaviour) {
        lock(&self.shared.by_path)
            .entry(path.to_string())
            .or_default()
            .push_back(behaviour);
    }

    /// Queue `behaviour` for the next request to any path without one of its own queued.
    pub fn script_any(&self, behaviour: Behaviour) {
        lock(&self.shared.any_path).push_back(behaviour);
    }

    /// Answer 401 unless `Authorization: Bearer <key>` or `api-key: <key>` is sent.
    pub fn require_key(&self, key: Option<&str>) {
        *lock(&self.shared.required_key) = key.map(str::to_string);
    }

    /// Answer 400 to chat completions asking for a JSON-schema `response_format`, as
    /// servers without structured output do.
    pub fn reject_json_schema(&self, reject: bool) {
        self.shared
            .reject_json_schema
            .store(reject, Ordering::SeqCst);
    }

    /// Every request so far, in arrival order (also those answered 401 or dropped).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    pub fn request_count(&self) -> usize {
        lock(&self.shared.requests).len()
    }
}

impl Drop for FakeOpenAi {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection.
        self.server.abort();
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>, router: Router) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors and the like: do not spin.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                let shared = shared.clone();
                let router = router.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        handle(shared.clone(), router.clone(), request)
                    });
                    // Errors here are scripted drops and clients hanging up.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Record the request, then apply what is not an ordinary answer: auth, the JSON-schema
/// rejection, and the scripted statuses, delays and drops. A service error makes hyper
/// close the connection without a response: that is the scripted drop.
async fn handle(
    shared: Arc<Shared>,
    router: Router,
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<Response, std::io::Error> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(Body::new(body), MAX_BODY_BYTES)
        .await
        .map_err(std::io::Error::other)?;
    let path = parts.uri.path().to_string();
    let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    lock(&shared.requests).push(RecordedRequest {
        method: parts.method.to_string(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: json.clone(),
        at: Instant::now(),
    });

    let required_key = lock(&shared.required_key).clone();
    if let Some(key) = required_key {
        let bearer = format!("Bearer {key}");
        let sent = |name| {
            parts
                .headers
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
        };
        if sent("authorization") != Some(bearer.as_str()) && sent("api-key") != Some(key.as_str()) {
            return Ok(error_response(
                401,
                error_body("Incorrect API key provided.", "invalid_api_key"),
                None,
            ));
        }
    }
    if path == FakeOpenAi::CHAT
        && shared.reject_json_schema.load(Ordering::SeqCst)
        && json.pointer("/response_format/type") == Some(&Value::from("json_schema"))
    {
        let body = error_body(
            "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
            "invalid_request_error",
        );
        return Ok(error_response(400, body, None));
    }

    let scripted = lock(&shared.by_path)
        .get_mut(&path)
        .and_then(VecDeque::pop_front)
        .or_else(|| lock(&shared.any_path).pop_front());
    let scripted = match scripted {
        Some(Behaviour::DropConnection) => return Err(std::io::Error::other("scripted drop")),
        Some(Behaviour::Status {
            status,
            body,
            retry_after,
        }) => {
            return Ok(error_response(status, body, retry_after));
        }
        Some(Behaviour::Delay(wait)) => {
            tokio::time::sleep(wait).await;
            None
        }
        other => other,
    };
    let mut request = Request::from_parts(parts, Body::from(bytes));
    request.extensions_mut().insert(Scripted(scripted));
    Ok(router
        .oneshot(request)
        .await
        .unwrap_or_else(|never| match never {}))
}

fn error_response(status: u16, body: Value, retry_after: Option<String>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Json(body)).into_response();
    if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(&v).ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

async fn chat(
    State(shared): State<Arc<Shared>>,
    Extension(Scripted(scripted)): Extension<Scripted>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let id = shared.answers.fetch_add(1, Ordering::SeqCst);
    let (content, refusal) = match scripted {
        Some(Behaviour::Content(text)) => (Some(text), None),
        Some(Behaviour::Refusal(reason)) => (None, Some(reason)),
        _ => (Some(answers::chat_content(&body)), None),
    };
    Json(answers::chat_completion(&body, content, refusal, id))
}

async fn moderations(State(shared): State<Arc<Shared>>, Json(body): Json<Value>) -> Json<Value> {
    let id = shared.answers.fetch_add(1, Ordering::SeqCst);
    Json(answers::moderation(&body, id))
}

async fn embeddings(Json(body): Json<Value>) -> Json<Value> {
    Json(answers::embeddings(&body))
}
