//! How a client is configured: a plain struct the server fills from its settings.

use std::fmt;
use std::time::Duration;

/// Which dialect of the OpenAI API the server speaks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Flavour {
    /// OpenAI and everything that copies it (Ollama, vLLM, llama.cpp server, LiteLLM):
    /// `Authorization: Bearer <key>`.
    #[default]
    OpenAi,
    /// Azure OpenAI: `api-key: <key>` and, when set, `?api-version=` on every request.
    /// The base URL is the resource's `.../openai/v1` (models named in the body) or a
    /// deployment's `.../openai/deployments/<name>`.
    Azure { api_version: Option<String> },
}

/// An API key. Its `Debug` and `Display` never show it; only the transport reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([redacted])")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The model of each feature; `None` turns the feature off (it answers `Disabled`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Models {
    pub summary: Option<String>,
    pub triage: Option<String>,
    pub reply: Option<String>,
    pub moderation: Option<String>,
    pub embedding: Option<String>,
}

impl Default for Models {
    /// OpenAI's models. A self-hosted server names its own.
    fn default() -> Models {
        Models {
            summary: Some("gpt-4o-mini".into()),
            triage: Some("gpt-4o-mini".into()),
            reply: Some("gpt-4o-mini".into()),
            moderation: Some("omni-moderation-latest".into()),
            embedding: Some("text-embedding-3-small".into()),
        }
    }
}

/// When the circuit breaker opens and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Consecutive failed calls that open the circuit.
    pub failure_threshold: u32,
    /// How long it stays open before one probe call is let through.
    pub cooldown: Duration,
}

impl Default for BreakerConfig {
    fn default() -> BreakerConfig {
        BreakerConfig {
            failure_threshold: 5,
            cooldown: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AiConfig {
    /// Up to and including the API version segment: `https://api.openai.com/v1`,
    /// `http://localhost:11434/v1` (Ollama), `http://localhost:8000/v1` (vLLM).
    pub base_url: String,
    pub flavour: Flavour,
    /// `None` for servers without authentication (a local Ollama).
    pub api_key: Option<ApiKey>,
    pub models: Models,
    /// One HTTP request, connect to last byte.
    pub request_timeout: Duration,
    /// One feature call, all attempts and waits included.
    pub call_deadline: Duration,
    /// Attempts after the first, on 408, 429, 5xx, timeouts and connection errors.
    pub max_retries: u32,
    /// First backoff; it doubles per attempt (with jitter) up to `max_backoff`.
    pub backoff_base: Duration,
    pub max_backoff: Duration,
    /// The longest Retry-After this client sleeps for; a longer one fails the call with
    /// `RateLimited` at once (a job queue retries later, nothing holds a worker).
    pub max_retry_after: Duration,
    /// Send JSON-schema `response_format`. When the server rejects it (400 naming
    /// `response_format`) the client stops sending it and parses JSON out of the text.
    pub json_schema: bool,
    pub breaker: BreakerConfig,
    /// Cap on the prompt's characters; older thread messages are dropped first.
    pub max_prompt_chars: usize,
}

impl AiConfig {
    /// A configuration for `base_url` with the defaults: 30 s per request, 90 s per call,
    /// 3 retries, Retry-After honoured up to 20 s, JSON schema on, breaker 5 / 30 s.
    pub fn new(base_url: impl Into<String>) -> AiConfig {
        AiConfig {
            base_url: base_url.into(),
            flavour: Flavour::OpenAi,
            api_key: None,
            models: Models::default(),
            request_timeout: Duration::from_secs(30),
            call_deadline: Duration::from_secs(90),
            max_retries: 3,
            backoff_base: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(20),
            json_schema: true,
            breaker: BreakerConfig::default(),
            // About 8k tokens of English: room for a long thread, bounded cost.
            max_prompt_chars: 32_000,
        }
    }

    /// OpenAI itself.
    pub fn openai(api_key: impl Into<String>) -> AiConfig {
        AiConfig::new("https://api.openai.com/v1").with_api_key(api_key)
    }

    pub fn with_api_key(mut self, api_key: impl Into<String>) -> AiConfig {
        self.api_key = Some(ApiKey::new(api_key));
        self
    }
}
