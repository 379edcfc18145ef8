//! Image moderation through `POST /moderations` (omni-moderation takes images).

use async_openai::types::moderations::CreateModerationResponse;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::client::Enabled;
use crate::error::AiError;
use crate::usage::{Feature, Metered, Usage};
use crate::validate::malformed;

/// An image by URL (the server fetches it) or by content (sent as a data URL).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImageRef {
    Url(String),
    Bytes { bytes: Vec<u8>, mime: String },
}

impl std::fmt::Debug for ImageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageRef::Url(url) => f.debug_tuple("Url").field(url).finish(),
            ImageRef::Bytes { bytes, mime } => write!(f, "Bytes({mime}, {} bytes)", bytes.len()),
        }
    }
}

impl ImageRef {
    fn to_url(&self) -> Result<String, AiError> {
        match self {
            ImageRef::Url(url) => Ok(url.clone()),
            ImageRef::Bytes { bytes, mime } => {
                let mime = mime.trim().to_ascii_lowercase();
                let plausible = mime.starts_with("image/")
                    && mime[6..]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'));
                if !plausible {
                    return Err(AiError::InvalidInput {
                        detail: format!("`{mime}` is not an image type"),
                    });
                }
                let data = base64::engine::general_purpose::STANDARD.encode(bytes);
                Ok(format!("data:{mime};base64,{data}"))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Moderation {
    /// Sexual content (any `sexual*` category).
    pub nsfw: bool,
    /// The server's overall verdict.
    pub flagged: bool,
    /// The categories it found, by OpenAI's names (`sexual`, `violence/graphic`, ...).
    pub categories: Vec<String>,
}

pub(crate) const PATH: &str = "/moderations";

pub(crate) async fn run(
    client: &Enabled,
    model: String,
    image: &ImageRef,
) -> Result<Metered<Moderation>, AiError> {
    // Written out rather than async-openai's `CreateModerationRequest`: its 0.43 image
    // part serialises `image_url` as a string, where the API takes `{"url": ...}`.
    let request = serde_json::json!({
        "model": model,
        "input": [{"type": "image_url", "image_url": {"url": image.to_url()?}}],
    });
    let response: CreateModerationResponse = client.transport.post(PATH, &request).await?;
    let result = response
        .results
        .into_iter()
        .next()
        .ok_or_else(|| malformed("the moderation answer has no result"))?;
    // The categories struct serialises to {"sexual": true, "violence/graphic": false, ...}.
    let categories: Vec<String> = match serde_json::to_value(&result.categories) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter(|(_, hit)| hit.as_bool() == Some(true))
            .map(|(name, _)| name)
            .collect(),
        _ => Vec::new(),
    };
    let moderation = Moderation {
        nsfw: categories.iter().any(|c| c.starts_with("sexual")),
        flagged: result.flagged,
        categories,
    };
    let usage = Usage {
        feature: Feature::Moderation,
        model,
        prompt_tokens: 0,
        completion_tokens: 0,
    };
    Ok(Metered {
        value: moderation,
        usage,
    })
}
