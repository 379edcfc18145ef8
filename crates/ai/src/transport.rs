//! One POST of JSON to the server, with the retry policy, the call's deadline and the
//! circuit breaker around it. Everything about HTTP lives here; features see types.

use std::hash::BuildHasher;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{
    AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER,
};
use reqwest::{StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::circuit::{CircuitBreaker, Health};
use crate::config::{AiConfig, ApiKey, Flavour};
use crate::error::{AiError, is_retryable_status};

/// How much of an error body an `AiError` quotes.
const MAX_ERROR_MESSAGE_CHARS: usize = 300;
/// The largest answer read. A big embeddings batch is a few MB; a server sending more is
/// broken or hostile, and memory is not its to take.
const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug)]
pub(crate) struct Transport {
    http: reqwest::Client,
    base_url: Url,
    /// Azure's `?api-version=`, sent with every request.
    api_version: Option<String>,
    /// The credential header, marked sensitive so no header dump shows it.
    auth: Option<(HeaderName, HeaderValue)>,
    /// Kept to scrub it out of error bodies a server echoes it in.
    api_key: Option<ApiKey>,
    request_timeout: Duration,
    call_deadline: Duration,
    max_retries: u32,
    backoff_base: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    breaker: CircuitBreaker,
}

/// A failed attempt, with the wait the server asked for (429 or 503 Retry-After).
struct Failed {
    error: AiError,
    retry_after: Option<Duration>,
}

impl Transport {
    pub(crate) fn new(config: &AiConfig) -> Result<Transport, AiError> {
        let trimmed = config.base_url.trim().trim_end_matches('/');
        let base_url = Url::parse(trimmed)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .ok_or_else(|| AiError::Config {
                detail: "the base URL must be an http:// or https:// URL".into(),
            })?;
        let auth = match &config.api_key {
            None => None,
            Some(key) => {
                let (name, value) = match config.flavour {
                    Flavour::OpenAi => (AUTHORIZATION, format!("Bearer {}", key.expose())),
                    Flavour::Azure { .. } => {
                        (HeaderName::from_static("api-key"), key.expose().to_string())
                    }
                };
                let mut value = HeaderValue::from_str(&value).map_err(|_| AiError::Config {
                    detail: "the API key has characters a header cannot carry".into(),
                })?;
                value.set_sensitive(true);
                Some((name, value))
            }
        };
        let http = reqwest::Client::builder()
            .user_agent(concat!("docket/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| AiError::Config {
                detail: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Transport {
            http,
            base_url,
            api_version: match &config.flavour {
                Flavour::Azure { api_version } => api_version.clone(),
                Flavour::OpenAi => None,
            },
            auth,
            api_key: config.api_key.clone(),
            request_timeout: config.request_timeout,
            call_deadline: config.call_deadline,
            max_retries: config.max_retries,
            backoff_base: config.backoff_base,
            max_backoff: config.max_backoff,
            max_retry_after: config.max_retry_after,
            breaker: CircuitBreaker::new(config.breaker.clone()),
        })
    }

    pub(crate) fn health(&self) -> Health {
        self.breaker.health()
    }

    /// POST `body` to `path` (`/chat/completions`) and decode the answer, retrying what
    /// may succeed on a second try. One call as far as the circuit breaker counts.
    pub(crate) async fn post<Req, Resp>(&self, path: &str, body: &Req) -> Result<Resp, AiError>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
    {
        let permit = self.breaker.admit()?;
        let outcome = self.post_with_retries(path, body).await;
        permit.record(&outcome);
        outcome
    }

    async fn post_with_retries<Req, Resp>(&self, path: &str, body: &Req) -> Result<Resp, AiError>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
    {
        let body = serde_json::to_vec(body).map_err(|e| AiError::Malformed {
            detail: format!("cannot encode the request: {e}"),
        })?;
        let url = self.url(path);
        let deadline = Instant::now() + self.call_deadline;
        let mut retries = 0;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(AiError::Timeout);
            }
            let failed = match self
                .attempt(&url, &body, self.request_timeout.min(remaining))
                .await
            {
                Ok(bytes) => {
                    return serde_json::from_slice(&bytes).map_err(|e| AiError::Malformed {
                        detail: format!(
                            "the server's answer to {path} has an unexpected shape: {e}"
                        ),
                    });
                }
                Err(failed) => failed,
            };
            if !failed.error.is_retryable() || retries >= self.max_retries {
                return Err(failed.error);
            }
            let wait = match failed.retry_after {
                // Waiting this long would hold a worker; the caller's queue retries later.
                Some(asked) if asked > self.max_retry_after => {
                    return Err(AiError::RateLimited {
                        retry_after: Some(asked),
                    });
                }
                Some(asked) => asked.max(self.backoff(retries)),
                None => self.backoff(retries),
            };
            if Instant::now() + wait >= deadline {
                return Err(failed.error);
            }
            tracing::debug!(
                path,
                error = %failed.error,
                wait_ms = wait.as_millis() as u64,
                "AI request failed; retrying"
            );
            tokio::time::sleep(wait).await;
            retries += 1;
        }
    }

    async fn attempt(&self, url: &Url, body: &[u8], timeout: Duration) -> Result<Vec<u8>, Failed> {
        let mut request = self
            .http
            .post(url.clone())
            .timeout(timeout)
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        if let Some((name, value)) = &self.auth {
            request = request.header(name.clone(), value.clone());
        }
        let mut response = request.send().await.map_err(|e| self.failed(e))?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.failed(e))? {
            if bytes.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(Failed {
                    error: AiError::Malformed {
                        detail: format!("the answer is larger than {MAX_RESPONSE_BYTES} bytes"),
                    },
                    retry_after: None,
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        if status.is_success() {
            return Ok(bytes);
        }
        let message = self.scrub(&error_message(&bytes));
        let error = if status == StatusCode::TOO_MANY_REQUESTS {
            AiError::RateLimited { retry_after }
        } else {
            AiError::Server {
                status: status.as_u16(),
                message,
            }
        };
        let retry_after = retry_after.filter(|_| is_retryable_status(status.as_u16()));
        Err(Failed { error, retry_after })
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base_url.clone();
        url.set_path(&format!(
            "{}{path}",
            self.base_url.path().trim_end_matches('/')
        ));
        if let Some(version) = &self.api_version {
            url.query_pairs_mut().append_pair("api-version", version);
        }
        url
    }

    fn failed(&self, error: reqwest::Error) -> Failed {
        let error = if error.is_timeout() {
            AiError::Timeout
        } else {
            AiError::Transport {
                detail: self.scrub(&describe(error)),
            }
        };
        Failed {
            error,
            retry_after: None,
        }
    }

    /// Jittered exponential backoff: spreads the retries of many workers apart.
    fn backoff(&self, retries: u32) -> Duration {
        let exponential = self
            .backoff_base
            .saturating_mul(1u32 << retries.min(16))
            .min(self.max_backoff);
        exponential.mul_f64(0.5 + 0.5 * random_fraction())
    }

    /// Remove the key (and anything shaped like an OpenAI key) from text a server sent.
    fn scrub(&self, text: &str) -> String {
        let mut text = text.to_string();
        if let Some(key) = &self.api_key
            && !key.expose().is_empty()
        {
            text = text.replace(key.expose(), "[redacted]");
        }
        mask_sk_tokens(&text)
    }
}

/// A reqwest error with its causes, without the URL (a base URL may carry credentials).
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The server's explanation: OpenAI's `{"error": {"message": ...}}`, the shapes other
/// servers use, or the start of the body.
fn error_message(body: &[u8]) -> String {
    let from_json = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            let candidates = [
                value.pointer("/error/message"),
                value.pointer("/error"),
                value.pointer("/message"),
                value.pointer("/detail"),
            ];
            candidates
                .into_iter()
                .flatten()
                .find_map(|v| v.as_str().map(str::to_string))
        });
    let text = from_json.unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string());
    crate::prompt::clip(&text, MAX_ERROR_MESSAGE_CHARS)
}

fn mask_sk_tokens(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("sk-") {
        out.push_str(&rest[..at]);
        let token_len = rest[at..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '*')))
            .unwrap_or(rest.len() - at);
        out.push_str("sk-[redacted]");
        rest = &rest[at + token_len..];
    }
    out.push_str(rest);
    out
}

/// `retry-after-ms` (OpenAI), else `Retry-After` in seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok())
        && ms.is_finite()
        && ms >= 0.0
    {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let value = text(RETRY_AFTER.as_str())?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::from_secs_f64(seconds.min(1e9)));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

/// A fraction in [0, 1) from the standard library's randomly keyed hasher; good enough
/// for jitter without a random-number crate.
fn random_fraction() -> f64 {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let bits = std::collections::hash_map::RandomState::new().hash_one(nanos);
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(120);
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_str(&httpdate::fmt_http_date(later)).unwrap(),
        );
        let wait = retry_after(&headers).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120));
        headers.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(250)));
        headers.clear();
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn sk_tokens_are_masked() {
        assert_eq!(
            mask_sk_tokens("Incorrect API key provided: sk-abc123XYZ. See docs"),
            "Incorrect API key provided: sk-[redacted]. See docs"
        );
    }

    #[test]
    fn error_messages_are_read_from_json() {
        assert_eq!(
            error_message(br#"{"error":{"message":"bad response_format"}}"#),
            "bad response_format"
        );
        assert_eq!(error_message(b"plain failure\n"), "plain failure");
    }
}
