//! The REST API under `/api/v10`: one entry point that authenticates, rate-limits,
//! routes and records every request, so those rules hold for every route alike.

mod cdn;
mod channels;
mod guild;
mod interactions;
pub(crate) mod messages;
pub(crate) mod multipart;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::calls::Call;
use crate::faults::{Effect, Taken};
use crate::{Inner, lock};

/// Larger bodies are refused (Discord's upload limit for unboosted guilds is 10 MiB).
const MAX_BODY_BYTES: usize = 26 * 1024 * 1024;

/// A parsed request, as route handlers see it.
pub(crate) struct Req<'a> {
    pub method: &'a Method,
    pub segs: Vec<&'a str>,
    pub query: HashMap<String, String>,
    /// The JSON body, or multipart's `payload_json`; `Null` when none.
    pub body: Value,
    pub files: Vec<multipart::Part>,
}

impl Req<'_> {
    pub(crate) fn query_u64(&self, key: &str) -> Option<u64> {
        self.query.get(key).and_then(|v| v.parse().ok())
    }
}

pub(crate) enum Reply {
    Json(StatusCode, Value),
    NoContent,
}

impl Reply {
    pub(crate) fn ok(value: Value) -> Result<Reply, ApiError> {
        Ok(Reply::Json(StatusCode::OK, value))
    }
    pub(crate) fn created(value: Value) -> Result<Reply, ApiError> {
        Ok(Reply::Json(StatusCode::CREATED, value))
    }
}

/// Discord's error JSON: `{"message": ..., "code": ...}` (and `errors` for form errors).
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: u64,
    pub message: String,
    pub errors: Option<Value>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: u64, message: &str) -> ApiError {
        ApiError {
            status,
            code,
            message: message.to_string(),
            errors: None,
        }
    }
    pub(crate) fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, 0, "404: Not Found")
    }
    pub(crate) fn unknown(what: &str) -> ApiError {
        let code = match what {
            "Application" => 10002,
            "Channel" => 10003,
            "Guild" => 10004,
            "Member" => 10007,
            "Message" => 10008,
            "Overwrite" => 10009,
            "Role" => 10011,
            "User" => 10013,
            "Webhook" => 10015,
            "interaction" => 10062,
            _ => 0,
        };
        ApiError::new(StatusCode::NOT_FOUND, code, &format!("Unknown {what}"))
    }
    /// 50035 with Discord's nested `errors` object for one field.
    pub(crate) fn invalid_field(field: &str, code: &str, message: &str) -> ApiError {
        let mut errors = json!({ "_errors": [{ "code": code, "message": message }] });
        for part in field.rsplit('.') {
            errors = json!({ part: errors });
        }
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code: 50035,
            message: "Invalid Form Body".into(),
            errors: Some(errors),
        }
    }
    fn body(&self) -> Value {
        let mut body = json!({ "message": self.message, "code": self.code });
        if let Some(errors) = &self.errors {
            body["errors"] = errors.clone();
        }
        body
    }
}

/// Snowflake path segment, or the route's "unknown" error.
pub(crate) fn id(segment: &str, what: &str) -> Result<u64, ApiError> {
    segment.parse().map_err(|_| {
        ApiError::invalid_field(
            &format!("{}_id", what.to_ascii_lowercase()),
            "NUMBER_TYPE_COERCE",
            &format!("Value \"{segment}\" is not snowflake."),
        )
    })
}

/// Optional snowflake in a JSON body (string or number).
pub(crate) fn snowflake(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

pub(crate) fn bits(value: &Value) -> u64 {
    match value {
        Value::String(s) => s.parse().unwrap_or(0),
        Value::Number(n) => n.as_u64().unwrap_or(0),
        _ => 0,
    }
}

/// Routes Discord serves without the bot token: interaction callbacks and the
/// interaction webhooks carry their own token in the path.
fn token_in_path(segs: &[&str]) -> bool {
    matches!(segs.first(), Some(&"interactions") | Some(&"webhooks"))
}

/// Every request that is not the gateway upgrade lands here.
pub(crate) async fn entry(State(inner): State<Arc<Inner>>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    if let Some(rest) = path.strip_prefix("/attachments/") {
        return cdn::serve(&inner, rest, request.uri().query()).await;
    }
    let Some(api_path) = path.strip_prefix("/api/v10") else {
        return json_response(StatusCode::NOT_FOUND, &ApiError::not_found().body(), &[]);
    };
    let api_path = if api_path.is_empty() {
        "/".to_string()
    } else {
        api_path.to_string()
    };
    let method = request.method().clone();
    let query_string = request.uri().query().map(str::to_string);
    let headers = request.headers().clone();
    let bytes = to_bytes(request.into_body(), MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    let (body, files) = decode_body(&headers, &bytes);
    let segs: Vec<&str> = api_path
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let mut call = Call {
        method: method.as_str().to_string(),
        path: api_path.clone(),
        query: query_string.clone(),
        body: body.clone(),
        files: files
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.filename.clone().unwrap_or_default(),
                    p.bytes.len(),
                )
            })
            .collect(),
        audit_log_reason: headers
            .get("x-audit-log-reason")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        status: 0,
        at: Instant::now(),
    };

    let authorized = token_in_path(&segs)
        || headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            == Some(format!("Bot {}", inner.token).as_str());
    if !authorized {
        call.status = 401;
        inner.calls.record(call);
        let body = json!({ "message": "401: Unauthorized", "code": 0 });
        return json_response(StatusCode::UNAUTHORIZED, &body, &[]);
    }

    let decision = lock(&inner.limits).check(method.as_str(), &api_path, &segs);
    if let Some(retry_after) = decision.limited {
        call.status = 429;
        inner.calls.record(call);
        // Discord's body; `retry_after` in (fractional) seconds.
        let body = json!({
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": decision.global,
        });
        return json_response(StatusCode::TOO_MANY_REQUESTS, &body, &decision.headers);
    }

    let fault = lock(&inner.faults).take(method.as_str(), &api_path);
    if let Some(f) = fault.as_ref().filter(|f| f.effect == Effect::None) {
        return scripted_error(&inner, call, f, &decision.headers);
    }
    let delay = lock(&inner.faults).take_delay(method.as_str(), &api_path);

    let query = query_string.as_deref().map(parse_query).unwrap_or_default();
    let req = Req {
        method: &method,
        segs,
        query,
        body,
        files,
    };
    let result = route(&inner, &req);
    // Done, but the caller hears otherwise, or late (the state lock is not held).
    if let Some(wait) = delay {
        tokio::time::sleep(wait).await;
    }
    if let Some(f) = &fault {
        return scripted_error(&inner, call, f, &decision.headers);
    }
    let response = match result {
        Ok(Reply::Json(status, value)) => {
            call.status = status.as_u16();
            json_response(status, &value, &decision.headers)
        }
        Ok(Reply::NoContent) => {
            call.status = 204;
            let mut response = StatusCode::NO_CONTENT.into_response();
            add_headers(response.headers_mut(), &decision.headers);
            response
        }
        Err(error) => {
            call.status = error.status.as_u16();
            json_response(error.status, &error.body(), &decision.headers)
        }
    };
    inner.calls.record(call);
    response
}

fn scripted_error(
    inner: &Inner,
    mut call: Call,
    fault: &Taken,
    headers: &[(&'static str, String)],
) -> Response {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    call.status = status.as_u16();
    inner.calls.record(call);
    let body = json!({ "message": fault.message, "code": fault.code });
    json_response(status, &body, headers)
}

fn route(inner: &Inner, req: &Req) -> Result<Reply, ApiError> {
    let m = req.method.as_str();
    match (m, req.segs.as_slice()) {
        ("GET", ["gateway"]) => guild::gateway(inner, false),
        ("GET", ["gateway", "bot"]) => guild::gateway(inner, true),
        ("GET", ["users", "@me"]) => guild::current_user(inner),
        ("GET", ["users", user]) => guild::user(inner, user),
        ("POST", ["users", "@me", "channels"]) => channels::open_dm(inner, req),
        ("GET", ["applications", "@me"]) | ("GET", ["oauth2", "applications", "@me"]) => {
            guild::application(inner)
        }
        ("GET", ["guilds", g]) => guild::guild(inner, g),
        ("GET", ["guilds", g, "roles"]) => guild::roles(inner, g),
        ("GET", ["guilds", g, "members"]) => guild::members(inner, g, req),
        ("GET", ["guilds", g, "members", u]) => guild::member(inner, g, u),
        ("PUT", ["guilds", g, "members", u, "roles", r]) => {
            guild::member_role(inner, g, u, r, true)
        }
        ("DELETE", ["guilds", g, "members", u, "roles", r]) => {
            guild::member_role(inner, g, u, r, false)
        }
        ("GET", ["guilds", g, "channels"]) => channels::list(inner, g),
        ("POST", ["guilds", g, "channels"]) => channels::create(inner, g, req),
        ("GET", ["channels", c]) => channels::get(inner, c),
        ("PATCH", ["channels", c]) => channels::modify(inner, c, req),
        ("DELETE", ["channels", c]) => channels::delete(inner, c),
        ("PUT", ["channels", c, "permissions", o]) => channels::put_overwrite(inner, c, o, req),
        ("DELETE", ["channels", c, "permissions", o]) => channels::delete_overwrite(inner, c, o),
        ("POST", ["channels", c, "threads"]) => channels::create_thread(inner, c, req),
        ("GET", ["channels", c, "thread-members"]) => channels::thread_members(inner, c),
        ("PUT", ["channels", c, "thread-members", u]) => channels::thread_member(inner, c, u, true),
        ("DELETE", ["channels", c, "thread-members", u]) => {
            channels::thread_member(inner, c, u, false)
        }
        ("POST", ["channels", c, "typing"]) => channels::typing(inner, c),
        ("GET", ["channels", c, "messages"]) => messages::list(inner, c, req),
        ("POST", ["channels", c, "messages"]) => messages::create(inner, c, req),
        ("GET", ["channels", c, "messages", id]) => messages::get(inner, c, id),
        ("PATCH", ["channels", c, "messages", id]) => messages::edit(inner, c, id, req),
        ("DELETE", ["channels", c, "messages", id]) => messages::delete(inner, c, id),
        ("POST", ["interactions", id, token, "callback"]) => {
            interactions::callback(inner, id, token, req)
        }
        ("POST", ["webhooks", app, token]) => interactions::follow_up(inner, app, token, req),
        ("GET", ["webhooks", app, token, "messages", id]) => {
            interactions::get_message(inner, app, token, id)
        }
        ("PATCH", ["webhooks", app, token, "messages", id]) => {
            interactions::edit_message(inner, app, token, id, req)
        }
        ("DELETE", ["webhooks", app, token, "messages", id]) => {
            interactions::delete_message(inner, app, token, id)
        }
        ("GET", ["applications", app, "commands"]) => interactions::commands(inner, app, None),
        ("PUT", ["applications", app, "commands"]) => {
            interactions::overwrite_commands(inner, app, None, req)
        }
        ("GET", ["applications", app, "guilds", g, "commands"]) => {
            interactions::commands(inner, app, Some(g))
        }
        ("PUT", ["applications", app, "guilds", g, "commands"]) => {
            interactions::overwrite_commands(inner, app, Some(g), req)
        }
        _ => Err(ApiError::not_found()),
    }
}

fn decode_body(headers: &HeaderMap, bytes: &[u8]) -> (Value, Vec<multipart::Part>) {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Some(boundary) = multipart::boundary(content_type) {
        let parts = multipart::parse(bytes, &boundary).unwrap_or_default();
        let (payload, files): (Vec<_>, Vec<_>) =
            parts.into_iter().partition(|p| p.name == "payload_json");
        let body = payload
            .first()
            .and_then(|p| serde_json::from_slice(&p.bytes).ok())
            .unwrap_or(Value::Null);
        return (body, files);
    }
    (
        serde_json::from_slice(bytes).unwrap_or(Value::Null),
        Vec::new(),
    )
}

fn parse_query(query: &str) -> HashMap<String, String> {
    query
        .split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (!key.is_empty()).then(|| (key.to_string(), value.to_string()))
        })
        .collect()
}

pub(crate) fn json_response(
    status: StatusCode,
    body: &Value,
    headers: &[(&'static str, String)],
) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    add_headers(response.headers_mut(), headers);
    response
}

fn add_headers(map: &mut HeaderMap, headers: &[(&'static str, String)]) {
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            map.insert(*name, value);
        }
    }
}
