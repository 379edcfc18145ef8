//! `AiClient`: the handle the server keeps. Cheap to clone; every clone shares one HTTP
//! connection pool and one circuit breaker.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use crate::circuit::Health;
use crate::config::AiConfig;
use crate::error::AiError;
use crate::features::moderation::{ImageRef, Moderation};
use crate::features::reply::ReplyInput;
use crate::features::summary::{Summary, SummaryInput};
use crate::features::triage::{Triage, TriageInput};
use crate::features::{embedding, moderation, reply, summary, triage};
use crate::transport::Transport;
use crate::usage::{Feature, Metered};

#[derive(Debug, Clone)]
pub struct AiClient {
    /// `None`: disabled; every feature answers `Disabled` without waiting.
    enabled: Option<Arc<Enabled>>,
}

#[derive(Debug)]
pub(crate) struct Enabled {
    pub(crate) config: AiConfig,
    pub(crate) transport: Transport,
    /// Cleared for good once the server rejects JSON-schema `response_format`.
    pub(crate) json_schema: AtomicBool,
}

impl AiClient {
    /// A client that answers `Disabled` to everything.
    pub fn disabled() -> AiClient {
        AiClient { enabled: None }
    }

    /// A client for `config`. Fails only on a configuration that cannot work (a base
    /// URL that is not http(s), a key with characters a header cannot carry).
    pub fn new(config: AiConfig) -> Result<AiClient, AiError> {
        let transport = Transport::new(&config)?;
        let json_schema = AtomicBool::new(config.json_schema);
        Ok(AiClient {
            enabled: Some(Arc::new(Enabled {
                config,
                transport,
                json_schema,
            })),
        })
    }

    /// `new` for `Some`, `disabled` for `None`: what the server does with its settings.
    pub fn from_config(config: Option<AiConfig>) -> Result<AiClient, AiError> {
        config.map_or_else(|| Ok(AiClient::disabled()), AiClient::new)
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled.is_some()
    }

    /// Whether `feature` would be tried (a server and a model for it are configured).
    pub fn is_feature_enabled(&self, feature: Feature) -> bool {
        self.model(feature).is_ok()
    }

    /// The circuit breaker's state and the last failure, for an admin page; `None` when
    /// the client is disabled.
    pub fn health(&self) -> Option<Health> {
        self.enabled.as_ref().map(|e| e.transport.health())
    }

    pub async fn summarize(&self, input: &SummaryInput) -> Result<Metered<Summary>, AiError> {
        let (enabled, model) = self.model(Feature::Summary)?;
        summary::run(enabled, model, input).await
    }

    pub async fn triage(&self, input: &TriageInput) -> Result<Metered<Triage>, AiError> {
        let (enabled, model) = self.model(Feature::Triage)?;
        triage::run(enabled, model, input).await
    }

    pub async fn draft_reply(&self, input: &ReplyInput) -> Result<Metered<String>, AiError> {
        let (enabled, model) = self.model(Feature::Reply)?;
        reply::run(enabled, model, input).await
    }

    pub async fn moderate_image(&self, image: &ImageRef) -> Result<Metered<Moderation>, AiError> {
        let (enabled, model) = self.model(Feature::Moderation)?;
        moderation::run(enabled, model, image).await
    }

    /// One vector per text, in order. No texts: no request.
    pub async fn embed(&self, texts: Vec<String>) -> Result<Metered<Vec<Vec<f32>>>, AiError> {
        let (enabled, model) = self.model(Feature::Embedding)?;
        if texts.is_empty() {
            return Ok(Metered {
                value: Vec::new(),
                usage: crate::usage::Usage {
                    feature: Feature::Embedding,
                    model,
                    prompt_tokens: 0,
                    completion_tokens: 0,
                },
            });
        }
        embedding::run(enabled, model, texts).await
    }

    fn model(&self, feature: Feature) -> Result<(&Enabled, String), AiError> {
        let enabled = self.enabled.as_deref().ok_or(AiError::Disabled)?;
        let models = &enabled.config.models;
        let model = match feature {
            Feature::Summary => &models.summary,
            Feature::Triage => &models.triage,
            Feature::Reply => &models.reply,
            Feature::Moderation => &models.moderation,
            Feature::Embedding => &models.embedding,
        };
        match model.as_deref().map(str::trim) {
            Some(model) if !model.is_empty() => Ok((enabled, model.to_string())),
            _ => Err(AiError::Disabled),
        }
    }
}
