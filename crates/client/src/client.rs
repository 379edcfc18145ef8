//! The client and its transport: one place that builds requests from an `Endpoint`,
//! sends them with timeouts, retries what is safe to retry, and turns answers into values
//! or `ClientError`s.

use std::time::{Duration, Instant};

use reqwest::header::{self, HeaderMap, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::endpoints::{Endpoint, Op, RetrySafety, Schema};
use crate::error::{ClientError, Result};
use crate::retry::{RetryPolicy, parse_retry_after};

/// A value with the ETag it was read at; send the ETag back to update it.
#[derive(Debug, Clone)]
pub struct Versioned<T> {
    pub value: T,
    pub etag: Option<String>,
}

/// A created value, and whether the server replayed an earlier create with the same
/// Idempotency-Key instead of creating another.
#[derive(Debug, Clone)]
pub struct Created<T> {
    pub value: T,
    pub etag: Option<String>,
    pub replayed: bool,
}

/// Settings of a `Client`; `Client::builder` starts one.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    token: String,
    connect_timeout: Duration,
    request_timeout: Duration,
    stream_idle_timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
}

impl ClientBuilder {
    /// How long to wait for a connection (default 5 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// How long one attempt may take, answer read included (default 30 s). Not applied to
    /// the live stream, which lasts; see `stream_idle_timeout`.
    pub fn request_timeout(mut self, t: Duration) -> Self {
        self.request_timeout = t;
        self
    }

    /// The live stream reconnects when nothing (not even the server's keep-alive, every
    /// 15 s) arrived for this long (default 45 s).
    pub fn stream_idle_timeout(mut self, t: Duration) -> Self {
        self.stream_idle_timeout = t;
        self
    }

    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    pub fn build(self) -> Result<Client> {
        let base = self.base_url.trim().trim_end_matches('/');
        let parsed = reqwest::Url::parse(base)
            .map_err(|e| ClientError::InvalidInput(format!("base URL `{base}`: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ClientError::InvalidInput(format!(
                "base URL `{base}` is not http(s)"
            )));
        }
        // Accept the server's root (`http://host:port`) or the API root itself.
        let api_base = if base.ends_with("/api/v1") {
            base.to_string()
        } else {
            format!("{base}/api/v1")
        };
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", self.token)).map_err(|_| {
            ClientError::InvalidInput("the token is not a valid header value".into())
        })?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, auth);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(self.connect_timeout)
            .user_agent(self.user_agent)
            .build()
            .map_err(|e| ClientError::InvalidInput(format!("HTTP client: {e}")))?;
        Ok(Client {
            http,
            on_behalf_of: None,
            api_base,
            request_timeout: self.request_timeout,
            stream_idle_timeout: self.stream_idle_timeout,
            retry: self.retry,
        })
    }
}

/// A typed client of Docket's REST API, authenticated by an API token. Cheap to clone
/// (connections are pooled and shared).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    /// `X-Docket-On-Behalf-Of`: a service account acting as a staff user.
    on_behalf_of: Option<HeaderValue>,
    api_base: String,
    request_timeout: Duration,
    pub(crate) stream_idle_timeout: Duration,
    pub(crate) retry: RetryPolicy,
}

/// What one call sends besides its body.
#[derive(Debug, Default)]
pub(crate) struct Call<'a> {
    /// The path template's parameters, in order.
    pub path: &'a [&'a str],
    /// Declared query parameters (checked against the endpoint in debug builds).
    pub query: Vec<(&'static str, String)>,
    /// Dynamic ones (`f.<field>`, `priority.lte`...) that no table can list.
    pub extra_query: Vec<(String, String)>,
    /// Declared header parameters.
    pub headers: Vec<(&'static str, String)>,
    /// The Content-Type of a raw (`Schema::Bytes`) body; octet-stream when None.
    pub content_type: Option<String>,
}

/// A final answer from the server, whatever its status.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// An earlier attempt failed in a way that leaves unknown whether the server acted on
    /// it (a timeout after sending, a connection cut before the answer).
    pub uncertain: bool,
}

/// One failed attempt: the error, and whether the request surely did not take effect.
struct Failure {
    error: ClientError,
    not_done: bool,
}

impl Client {
    /// A client of the server at `base_url` (e.g. `http://127.0.0.1:8080`; the API is
    /// under `/api/v1`) with an API token, and the default timeouts and retry policy.
    pub fn new(base_url: impl Into<String>, token: impl Into<String>) -> Result<Client> {
        Client::builder(base_url, token).build()
    }

    pub fn builder(base_url: impl Into<String>, token: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            token: token.into(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            stream_idle_timeout: Duration::from_secs(45),
            retry: RetryPolicy::default(),
            user_agent: concat!("docket-client/", env!("CARGO_PKG_VERSION")).into(),
        }
    }

    pub(crate) fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// This client acting as the staff user `user_id` (`X-Docket-On-Behalf-Of`): the
    /// service account's token with that user's role and teams, never admin scope. For
    /// integrations relaying what a linked staff member did elsewhere.
    pub fn acting_as(&self, user_id: i64) -> Client {
        Client {
            on_behalf_of: Some(HeaderValue::from(user_id)),
            ..self.clone()
        }
    }

    /// The API root, e.g. `http://127.0.0.1:8080/api/v1`.
    pub fn api_base(&self) -> &str {
        &self.api_base
    }

    /// Send `body` to `op` and read its typed answer, retrying as the policy and the
    /// endpoint allow.
    pub(crate) async fn call<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        op: &Op<Req, Resp>,
        call: Call<'_>,
        body: Option<&Req>,
    ) -> Result<Versioned<Resp>> {
        let answer = self.send(&op.endpoint, &call, encode(body)?).await?;
        Ok(decode(&op.endpoint, answer)?.0)
    }

    /// `call`, and whether the create was replayed (for creates with an Idempotency-Key).
    pub(crate) async fn create<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        op: &Op<Req, Resp>,
        call: Call<'_>,
        body: &Req,
    ) -> Result<Created<Resp>> {
        let answer = self.send(&op.endpoint, &call, encode(Some(body))?).await?;
        let replayed = answer
            .headers
            .get("idempotent-replayed")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
        let (v, _) = decode(&op.endpoint, answer)?;
        Ok(Created {
            value: v.value,
            etag: v.etag,
            replayed,
        })
    }

    /// Send with retries; any answer the server gave that is not retryable is returned
    /// (4xx included), for the caller to decode.
    pub(crate) async fn send(
        &self,
        endpoint: &Endpoint,
        call: &Call<'_>,
        body: Option<Vec<u8>>,
    ) -> Result<Answer> {
        let started = Instant::now();
        let mut uncertain = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match self.attempt(endpoint, call, body.as_deref()).await {
                Ok(mut answer) => match unavailable(&answer) {
                    None => {
                        answer.uncertain = uncertain;
                        return Ok(answer);
                    }
                    Some(error) => Failure {
                        // A 503 is the server saying it did not do it; a 502 or 504 from a
                        // proxy leaves that open.
                        not_done: answer.status == 503,
                        error,
                    },
                },
                Err(f) => f,
            };
            uncertain |= !failure.not_done;
            let may_resend = endpoint.retry == RetrySafety::Always || failure.not_done;
            let retry_after = match &failure.error {
                ClientError::Unavailable { retry_after, .. } => *retry_after,
                _ => None,
            };
            let delay = match (&failure.error, may_resend) {
                (ClientError::Unavailable { .. }, true) => {
                    self.retry
                        .next_delay(attempt, started.elapsed(), retry_after)
                }
                _ => None,
            };
            match delay {
                Some(d) => tokio::time::sleep(d).await,
                None => return Err(failure.error),
            }
        }
    }

    /// The request for `endpoint`, not sent.
    pub(crate) fn request(
        &self,
        endpoint: &Endpoint,
        call: &Call<'_>,
    ) -> Result<reqwest::RequestBuilder> {
        debug_assert!(
            crate::endpoints::is_declared(endpoint),
            "{} is not in endpoints::ALL",
            endpoint.name
        );
        for (name, _) in &call.query {
            debug_assert!(
                endpoint.query.contains(name),
                "{}: query parameter {name} is not declared",
                endpoint.name
            );
        }
        for (name, _) in &call.headers {
            debug_assert!(
                endpoint.headers.contains(name),
                "{}: header {name} is not declared",
                endpoint.name
            );
        }
        let url = format!("{}{}", self.api_base, fill_path(endpoint.path, call.path)?);
        let mut req = self.http.request(endpoint.method.http(), url);
        if let Some(user) = &self.on_behalf_of {
            req = req.header("X-Docket-On-Behalf-Of", user.clone());
        }
        if !call.query.is_empty() {
            req = req.query(&call.query);
        }
        if !call.extra_query.is_empty() {
            req = req.query(&call.extra_query);
        }
        for (name, value) in &call.headers {
            let value = HeaderValue::from_str(value).map_err(|_| {
                ClientError::InvalidInput(format!("{name}: not a valid header value"))
            })?;
            req = req.header(*name, value);
        }
        Ok(req)
    }

    async fn attempt(
        &self,
        endpoint: &Endpoint,
        call: &Call<'_>,
        body: Option<&[u8]>,
    ) -> std::result::Result<Answer, Failure> {
        let mut req = self
            .request(endpoint, call)
            .map_err(|error| Failure {
                error,
                not_done: true,
            })?
            .timeout(self.request_timeout)
            .header(header::ACCEPT, "application/json, application/problem+json");
        if let Some(bytes) = body {
            let content_type = if (endpoint.request)() == Schema::Bytes {
                call.content_type
                    .as_deref()
                    .unwrap_or("application/octet-stream")
            } else {
                "application/json"
            };
            req = req
                .header(header::CONTENT_TYPE, content_type)
                .body(bytes.to_vec());
        }
        let resp = req.send().await.map_err(network_failure)?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.map_err(network_failure)?.to_vec();
        Ok(Answer {
            status,
            headers,
            body,
            uncertain: false,
        })
    }
}

/// A request that failed before an answer: connecting failed (nothing was sent), or it
/// timed out or was cut (the server may have acted on it).
fn network_failure(e: reqwest::Error) -> Failure {
    let not_done = e.is_connect();
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "connection failed"
    };
    Failure {
        error: ClientError::Unavailable {
            reason: format!("{what}: {}", error_chain(&e)),
            status: None,
            retry_after: None,
            problem: None,
        },
        not_done,
    }
}

/// An error with its causes ("error sending request: ... : Connection refused").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// `Unavailable` for 502, 503 and 504.
fn unavailable(answer: &Answer) -> Option<ClientError> {
    if !matches!(answer.status, 502..=504) {
        return None;
    }
    let retry_after = answer
        .headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let problem = parse_problem(answer);
    Some(ClientError::Unavailable {
        reason: match &problem {
            Some(p) => format!(
                "{} {}: {}",
                answer.status,
                p.title,
                p.detail.as_deref().unwrap_or("")
            ),
            None => format!("the server answered {}", answer.status),
        },
        status: Some(answer.status),
        retry_after,
        problem: problem.map(Box::new),
    })
}

fn parse_problem(answer: &Answer) -> Option<docket_api::Problem> {
    let ct = answer
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !(ct.starts_with("application/problem+json") || ct.starts_with("application/json")) {
        return None;
    }
    serde_json::from_slice(&answer.body).ok()
}

/// The error an answer that is not the expected success stands for.
pub(crate) fn answer_error(answer: &Answer) -> ClientError {
    if let Some(e) = unavailable(answer) {
        return e;
    }
    match parse_problem(answer) {
        Some(problem) => ClientError::Problem {
            status: answer.status,
            problem: Box::new(problem),
        },
        None => {
            let text = String::from_utf8_lossy(&answer.body);
            let body: String = text.chars().take(2000).collect();
            ClientError::Unexpected {
                status: answer.status,
                body,
            }
        }
    }
}

/// The typed value of a success answer, and its ETag.
pub(crate) fn decode<T: DeserializeOwned>(
    endpoint: &Endpoint,
    answer: Answer,
) -> Result<(Versioned<T>, bool)> {
    if answer.status != endpoint.status {
        return Err(answer_error(&answer));
    }
    let etag = answer
        .headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // No body (204) reads as `()`.
    let bytes: &[u8] = if (endpoint.response)() == Schema::None && answer.body.is_empty() {
        b"null"
    } else {
        &answer.body
    };
    let value = serde_json::from_slice(bytes).map_err(|e| ClientError::Decode {
        status: answer.status,
        message: format!("{}: {e}", endpoint.name),
    })?;
    Ok((Versioned { value, etag }, answer.uncertain))
}

/// The JSON body, serialised once: every retry sends the same bytes (the server keys
/// idempotent replays on them).
pub(crate) fn encode<Req: Serialize>(body: Option<&Req>) -> Result<Option<Vec<u8>>> {
    body.map(|b| {
        serde_json::to_vec(b)
            .map_err(|e| ClientError::InvalidInput(format!("cannot serialise the body: {e}")))
    })
    .transpose()
}

/// The path template with each `{name}` replaced by the next argument, percent-encoded.
fn fill_path(template: &str, args: &[&str]) -> Result<String> {
    let mut out = String::with_capacity(template.len() + 16);
    let mut args = args.iter();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..]
            .find('}')
            .map(|c| open + c)
            .ok_or_else(|| ClientError::InvalidInput(format!("bad path template {template}")))?;
        out.push_str(&rest[..open]);
        let arg = args.next().ok_or_else(|| {
            ClientError::InvalidInput(format!("{template}: missing path parameter"))
        })?;
        if arg.is_empty() {
            return Err(ClientError::InvalidInput(format!(
                "{template}: empty path parameter {}",
                &rest[open..=close]
            )));
        }
        encode_segment(arg, &mut out);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    if args.next().is_some() {
        return Err(ClientError::InvalidInput(format!(
            "{template}: too many path parameters"
        )));
    }
    Ok(out)
}

/// Percent-encode all but RFC 3986's unreserved characters, so a key or slug can never
/// step into another path.
fn encode_segment(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_and_encodes_path_parameters() {
        assert_eq!(
            fill_path("/tickets/{key}/comments", &["IT-7"]).unwrap(),
            "/tickets/IT-7/comments"
        );
        assert_eq!(
            fill_path("/requesters/{id}/notes/{note_id}", &["1", "a/b c"]).unwrap(),
            "/requesters/1/notes/a%2Fb%20c"
        );
        assert_eq!(fill_path("/tickets/{key}", &[".."]).unwrap(), "/tickets/..");
        assert!(fill_path("/tickets/{key}", &[]).is_err());
        assert!(fill_path("/tickets/{key}", &[""]).is_err());
        assert!(fill_path("/types", &["x"]).is_err());
    }

    #[test]
    fn base_url_gets_the_api_prefix_once() {
        let c = Client::new("http://127.0.0.1:9/", "t").unwrap();
        assert_eq!(c.api_base(), "http://127.0.0.1:9/api/v1");
        let c = Client::new("http://127.0.0.1:9/api/v1", "t").unwrap();
        assert_eq!(c.api_base(), "http://127.0.0.1:9/api/v1");
        // https works (rustls), not other schemes.
        let c = Client::new("https://docket.example.com", "t").unwrap();
        assert_eq!(c.api_base(), "https://docket.example.com/api/v1");
        assert!(Client::new("ftp://docket.example.com", "t").is_err());
        assert!(Client::new("127.0.0.1:9", "t").is_err());
        assert!(Client::new("http://127.0.0.1:9", "bad\ntoken").is_err());
    }

    fn answer(status: u16, ct: &str, body: &str) -> Answer {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        Answer {
            status,
            headers,
            body: body.as_bytes().to_vec(),
            uncertain: false,
        }
    }

    #[test]
    fn answers_map_to_typed_errors() {
        let p = r#"{"type":"https://docket.dev/problems/422","title":"Invalid request","status":422,
            "errors":[{"pointer":"/fields/device","message":"required"}]}"#;
        let e = answer_error(&answer(422, "application/problem+json", p));
        assert!(e.is_invalid());
        assert_eq!(e.field_errors()[0].pointer, "/fields/device");

        let mut a = answer(
            503,
            "application/problem+json",
            r#"{"type":"x","title":"Service unavailable","status":503}"#,
        );
        a.headers
            .insert(header::RETRY_AFTER, HeaderValue::from_static("4"));
        match answer_error(&a) {
            ClientError::Unavailable {
                status,
                retry_after,
                problem,
                ..
            } => {
                assert_eq!(status, Some(503));
                assert_eq!(retry_after, Some(Duration::from_secs(4)));
                assert!(problem.is_some());
            }
            other => panic!("{other:?}"),
        }
        let e = answer_error(&answer(502, "text/html", "<html>bad gateway</html>"));
        assert!(e.is_retryable());
        let e = answer_error(&answer(418, "text/html", "<html>teapot</html>"));
        assert!(
            matches!(e, ClientError::Unexpected { status: 418, .. }),
            "{e:?}"
        );
    }
}
