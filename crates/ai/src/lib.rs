//! Docket's client for OpenAI-compatible servers (OpenAI, Azure OpenAI, Ollama, vLLM,
//! llama.cpp server): ticket summaries, triage, draft replies, image moderation and
//! embeddings.
//!
//! # Use
//!
//! ```no_run
//! # async fn demo() -> Result<(), docket_ai::AiError> {
//! use docket_ai::{AiClient, AiConfig, SummaryInput, TicketContent};
//!
//! // From the server's settings; `AiClient::disabled()` (or `from_config(None)`) when
//! // no AI server is configured: every feature then answers `AiError::Disabled` at once.
//! let client = AiClient::new(AiConfig::openai("sk-..."))?;
//! let input = SummaryInput {
//!     ticket: TicketContent { title: "VPN drops".into(), body: "Since Monday...".into(), ..Default::default() },
//!     thread: vec![],
//! };
//! let answer = client.summarize(&input).await?;
//! println!("{} ({} + {} tokens)", answer.value.issue, answer.usage.prompt_tokens, answer.usage.completion_tokens);
//! # Ok(()) }
//! ```
//!
//! - Keep one `AiClient` per configuration and clone it: clones share the connection
//!   pool and the circuit breaker. Build a new one when the admin changes the settings.
//! - Every feature returns `Metered<T>`: the value and a `Usage` (feature, model,
//!   tokens) to account per feature and day.
//! - Inputs carry only what may leave the building: the caller drops the fields a ticket
//!   type excludes from AI, and internal notes (threads have requester and agent
//!   messages only). Ticket text is treated as untrusted data (see `prompt`); triage
//!   answers are limited to the allowed teams, tags and skills the caller passes.
//! - Errors: `AiError::is_retryable()` says whether a job should be tried again later
//!   and `retry_after()` when; `Disabled`, `Refused` and `Malformed` are final for that
//!   input.
//! - `health()` gives the circuit breaker's state and last error for an admin page.
//!
//! # Behaviour
//!
//! Each request has a timeout (`request_timeout`) and each call a deadline
//! (`call_deadline`). 408, 429, 5xx, timeouts and connection errors are retried up to
//! `max_retries` times with jittered exponential backoff, honouring `Retry-After` up to
//! `max_retry_after` (a longer one fails the call at once with `RateLimited`). The
//! circuit breaker opens after `breaker.failure_threshold` consecutive failed calls and
//! fails calls at once for `breaker.cooldown` (or the server's longer Retry-After), then
//! lets one probe through.
//!
//! # TLS
//!
//! HTTPS uses rustls with ring (reqwest's `rustls-tls`). reqwest uses ring by itself
//! when no process-wide rustls provider is installed, so nothing needs installing; a
//! provider the binary installs (`rustls::crypto::ring::default_provider()
//! .install_default()`) is used instead.

mod chat;
mod circuit;
mod client;
mod config;
mod error;
mod extract;
mod features;
mod input;
mod prompt;
mod transport;
mod usage;
mod validate;

pub use circuit::{CircuitState, Health};
pub use client::AiClient;
pub use config::{AiConfig, ApiKey, BreakerConfig, Flavour, Models};
pub use docket_core::summary::Sentiment;
pub use docket_core::ticket::Priority;
pub use error::AiError;
pub use features::moderation::{ImageRef, Moderation};
pub use features::reply::{ReplyInput, RequesterCard};
pub use features::summary::{Summary, SummaryInput};
pub use features::triage::{Triage, TriageInput};
pub use input::{Author, ThreadMessage, TicketContent};
pub use usage::{Feature, Metered, Usage};
