//! AI settings, key, health, usage, draft replies, image moderation and triage.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use docket_core::ai::{AiFeatures, AiFlavour, AiModels, AiSettings, ModelPrice, TriageMode};

/// The settings as stored, with whether a key is set (never the key).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AiSettingsOut {
    pub settings: AiSettings,
    /// Bumped by every change of the settings or the key.
    pub version: i64,
    pub key_set: bool,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// The AI server's API key. Write-only: no response ever carries it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AiKeyPut {
    pub key: String,
}

impl std::fmt::Debug for AiKeyPut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AiKeyPut([redacted])")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AiKeyOut {
    pub key_set: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AiCircuit {
    /// No AI configured (or switched off).
    Disabled,
    Closed,
    /// Calls fail at once until `retry_after_seconds` have passed.
    Open,
    /// The next call is a probe.
    HalfOpen,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AiHealthOut {
    pub enabled: bool,
    pub circuit: AiCircuit,
    pub retry_after_seconds: Option<u64>,
    pub consecutive_failures: u32,
    /// The last failure (never a key).
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    /// Why the settings cannot make a client, when they cannot.
    pub config_error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AiUsageOut {
    pub day: NaiveDate,
    pub feature: String,
    pub model: String,
    pub calls: i64,
    pub failures: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    /// From the model's prices in the settings (0 without one).
    pub cost: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AiUsageReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub items: Vec<AiUsageOut>,
    pub total_prompt_tokens: i64,
    pub total_completion_tokens: i64,
    pub total_cost: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DraftReplyOut {
    /// A draft for the agent to edit; nothing is stored or sent.
    pub text: String,
    pub model: String,
}

/// An image to moderate: a URL, or its bytes in base64 with their type.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerateImageIn {
    pub url: Option<String>,
    /// Base64 (standard alphabet); with `mime`.
    pub base64: Option<String>,
    /// e.g. `image/png`.
    pub mime: Option<String>,
}

impl std::fmt::Debug for ModerateImageIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModerateImageIn")
            .field("url", &self.url)
            .field("base64_len", &self.base64.as_ref().map(String::len))
            .field("mime", &self.mime)
            .finish()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ModerationOut {
    pub nsfw: bool,
    pub flagged: bool,
    pub categories: Vec<String>,
}
