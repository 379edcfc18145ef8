//! What each call cost, so the caller can account tokens per feature and day.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    Summary,
    Triage,
    Reply,
    Moderation,
    Embedding,
}

impl Feature {
    pub fn as_str(self) -> &'static str {
        match self {
            Feature::Summary => "summary",
            Feature::Triage => "triage",
            Feature::Reply => "reply",
            Feature::Moderation => "moderation",
            Feature::Embedding => "embedding",
        }
    }
}

/// Tokens as the server counted them (zero when it does not say: moderation, or
/// servers that leave `usage` out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub feature: Feature,
    pub model: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

/// A feature's answer and what it cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Metered<T> {
    pub value: T,
    pub usage: Usage,
}
