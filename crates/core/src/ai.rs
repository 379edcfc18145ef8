//! The AI settings an admin keeps (one row, `ai_settings`): which OpenAI-compatible
//! server, which model per feature, which features are on, triage per ticket type,
//! the fields each type keeps out of prompts, and prices for the cost report. The API
//! key is not here: it is a sealed secret (`AI_KEY_SECRET`), never returned.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::typedef::FieldError;

/// The name of the sealed secret that holds the AI server's API key.
pub const AI_KEY_SECRET: &str = "ai.api_key";

/// Which dialect of the OpenAI API the server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AiFlavour {
    /// OpenAI, Ollama, vLLM, llama.cpp server, LiteLLM: `Authorization: Bearer`.
    #[default]
    Openai,
    /// Azure OpenAI: `api-key` header and `?api-version=`.
    Azure,
}

/// What triage does for a ticket type's new tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TriageMode {
    #[default]
    Off,
    /// Store the suggestion on the ticket; an agent applies it.
    Suggest,
    /// Store it and apply priority, tags and team at once (actor `ai`).
    Auto,
}

/// The model each feature uses; empty or missing: the feature is off.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct AiModels {
    pub summary: Option<String>,
    pub triage: Option<String>,
    pub reply: Option<String>,
    pub moderation: Option<String>,
    pub embedding: Option<String>,
}

/// Each feature on or off (a feature also needs a model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct AiFeatures {
    /// Summaries written when a ticket is solved or closed.
    pub summary: bool,
    /// Triage of new tickets (per type: `triage_modes`).
    pub triage: bool,
    /// Draft replies on demand.
    pub reply: bool,
    /// Image moderation on demand.
    pub moderation: bool,
}

impl Default for AiFeatures {
    fn default() -> AiFeatures {
        AiFeatures {
            summary: true,
            triage: true,
            reply: true,
            moderation: true,
        }
    }
}

/// Prices of a model per million tokens, in whatever currency the admin thinks in.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ModelPrice {
    pub input_per_million: f64,
    pub output_per_million: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct AiSettings {
    /// The master switch: off, nothing is sent anywhere.
    pub enabled: bool,
    /// Up to and including the version segment: `https://api.openai.com/v1`,
    /// `http://localhost:11434/v1` (Ollama).
    pub base_url: String,
    pub flavour: AiFlavour,
    /// Azure only: sent as `?api-version=`.
    pub azure_api_version: Option<String>,
    pub models: AiModels,
    pub features: AiFeatures,
    /// Per ticket type slug; a type not named is `off`.
    pub triage_modes: BTreeMap<String, TriageMode>,
    /// Per ticket type slug: its fields that never go into a prompt.
    pub excluded_fields: BTreeMap<String, Vec<String>>,
    /// Per model name, for the cost report.
    pub prices: BTreeMap<String, ModelPrice>,
}

impl Default for AiSettings {
    fn default() -> AiSettings {
        AiSettings {
            enabled: false,
            base_url: "https://api.openai.com/v1".into(),
            flavour: AiFlavour::Openai,
            azure_api_version: None,
            models: AiModels {
                summary: Some("gpt-4o-mini".into()),
                triage: Some("gpt-4o-mini".into()),
                reply: Some("gpt-4o-mini".into()),
                moderation: Some("omni-moderation-latest".into()),
                embedding: None,
            },
            features: AiFeatures::default(),
            triage_modes: BTreeMap::new(),
            excluded_fields: BTreeMap::new(),
            prices: BTreeMap::new(),
        }
    }
}

const MAX_URL: usize = 2000;
const MAX_MODEL: usize = 200;
const MAX_ENTRIES: usize = 500;

fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl AiSettings {
    /// Trim what is free text and check everything, naming each failing field.
    pub fn normalized(mut self) -> Result<AiSettings, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |pointer: String, message: &str| {
            errors.push(FieldError {
                pointer,
                message: message.into(),
            })
        };
        self.base_url = self.base_url.trim().trim_end_matches('/').to_string();
        let url_ok = (self.base_url.starts_with("http://")
            || self.base_url.starts_with("https://"))
            && self.base_url.len() <= MAX_URL
            && !self
                .base_url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control());
        if !url_ok && (self.enabled || !self.base_url.is_empty()) {
            err(
                "/base_url".into(),
                "an http:// or https:// URL up to the API version, e.g. https://api.openai.com/v1",
            );
        }
        self.azure_api_version = self
            .azure_api_version
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty());
        if let Some(v) = &self.azure_api_version
            && (v.len() > 40
                || !v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        {
            err(
                "/azure_api_version".into(),
                "letters, digits, - and . (e.g. 2024-10-21)",
            );
        }
        let models = &mut self.models;
        for (name, model) in [
            ("summary", &mut models.summary),
            ("triage", &mut models.triage),
            ("reply", &mut models.reply),
            ("moderation", &mut models.moderation),
            ("embedding", &mut models.embedding),
        ] {
            *model = model
                .take()
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty());
            if let Some(m) = model
                && (m.len() > MAX_MODEL || m.chars().any(char::is_control))
            {
                err(
                    format!("/models/{name}"),
                    "a model name of up to 200 characters",
                );
            }
        }
        if self.triage_modes.len() > MAX_ENTRIES {
            err("/triage_modes".into(), "at most 500 types");
        }
        for slug in self.triage_modes.keys() {
            if !is_ident(slug) {
                err(format!("/triage_modes/{slug}"), "not a ticket type slug");
            }
        }
        if self.excluded_fields.len() > MAX_ENTRIES {
            err("/excluded_fields".into(), "at most 500 types");
        }
        for (slug, fields) in &mut self.excluded_fields {
            if !is_ident(slug) {
                err(format!("/excluded_fields/{slug}"), "not a ticket type slug");
            }
            fields.sort();
            fields.dedup();
            for (i, f) in fields.iter().enumerate() {
                if !is_ident(f) {
                    err(format!("/excluded_fields/{slug}/{i}"), "not a field name");
                }
            }
        }
        if self.prices.len() > MAX_ENTRIES {
            err("/prices".into(), "at most 500 models");
        }
        for (model, price) in &self.prices {
            let pointer = format!("/prices/{}", model.replace('~', "~0").replace('/', "~1"));
            if model.trim().is_empty() || model.len() > MAX_MODEL {
                err(pointer.clone(), "a model name of up to 200 characters");
            }
            for (which, v) in [
                ("input_per_million", price.input_per_million),
                ("output_per_million", price.output_per_million),
            ] {
                if !v.is_finite() || !(0.0..=1_000_000.0).contains(&v) {
                    err(format!("{pointer}/{which}"), "a price from 0 to 1000000");
                }
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }

    /// The triage mode of a type's new tickets (off unless the feature is on too).
    pub fn triage_mode(&self, type_slug: &str) -> TriageMode {
        if !self.enabled || !self.features.triage || self.models.triage.is_none() {
            return TriageMode::Off;
        }
        self.triage_modes
            .get(type_slug)
            .copied()
            .unwrap_or(TriageMode::Off)
    }

    /// Whether a type's field may go into a prompt.
    pub fn field_allowed(&self, type_slug: &str, field: &str) -> bool {
        !self
            .excluded_fields
            .get(type_slug)
            .is_some_and(|f| f.iter().any(|x| x == field))
    }

    /// What `prompt_tokens` and `completion_tokens` of `model` cost (0 without a price).
    pub fn cost(&self, model: &str, prompt_tokens: i64, completion_tokens: i64) -> f64 {
        self.prices.get(model).map_or(0.0, |p| {
            (prompt_tokens as f64 * p.input_per_million
                + completion_tokens as f64 * p.output_per_million)
                / 1_000_000.0
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_name_each_field() {
        let mut s = AiSettings {
            enabled: true,
            base_url: "ftp://x".into(),
            ..AiSettings::default()
        };
        s.triage_modes.insert("Bad Slug".into(), TriageMode::Auto);
        s.prices.insert(
            "m".into(),
            ModelPrice {
                input_per_million: -1.0,
                output_per_million: 1.0,
            },
        );
        let errors = s.normalized().unwrap_err();
        let pointers: Vec<_> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/base_url",
                "/triage_modes/Bad Slug",
                "/prices/m/input_per_million"
            ]
        );
    }

    #[test]
    fn triage_mode_needs_the_feature_and_cost_uses_prices() {
        let mut s = AiSettings {
            enabled: true,
            ..AiSettings::default()
        };
        s.triage_modes.insert("it_support".into(), TriageMode::Auto);
        assert_eq!(s.triage_mode("it_support"), TriageMode::Auto);
        assert_eq!(s.triage_mode("complaint"), TriageMode::Off);
        s.features.triage = false;
        assert_eq!(s.triage_mode("it_support"), TriageMode::Off);
        s.prices.insert(
            "gpt".into(),
            ModelPrice {
                input_per_million: 2.0,
                output_per_million: 8.0,
            },
        );
        assert!((s.cost("gpt", 1_000_000, 500_000) - 6.0).abs() < 1e-9);
        assert_eq!(s.cost("other", 10, 10), 0.0);
    }
}

/// What triage suggested for a ticket (stored on it as JSON, shown with it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TriageSuggestion {
    /// Within P0-P3.
    pub priority: Option<crate::ticket::Priority>,
    /// Within the tags in use on the type.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Within the teams that handle the type.
    pub team: Option<String>,
    /// Within the agents' skills.
    #[serde(default)]
    pub skills: Vec<String>,
    #[serde(default)]
    pub reason: String,
    pub model: String,
    /// The type's mode when it was made.
    pub mode: TriageMode,
    pub suggested_at: chrono::DateTime<chrono::Utc>,
    /// When and by whom it was applied (`ai` in auto mode); None while only suggested.
    #[serde(default)]
    pub applied_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    pub applied_by: Option<String>,
}
