//! One chat completion: system and user message in, the answer's text and usage out.
//! JSON features ask for a strict JSON-schema `response_format`; a server that rejects it
//! (400 naming `response_format`) is asked again without, and this client stops sending
//! it. The schema is in the system prompt as well, so the text path asks for the same
//! shape, and `extract` finds the object in whatever text comes back.

use std::sync::atomic::Ordering;

use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestSystemMessageContent, ChatCompletionRequestUserMessage,
    ChatCompletionRequestUserMessageContent, CreateChatCompletionRequest,
    CreateChatCompletionResponse, FinishReason, ResponseFormat, ResponseFormatJsonSchema,
};
use serde_json::{Map, Value};

use crate::client::Enabled;
use crate::error::AiError;
use crate::usage::{Feature, Usage};
use crate::validate::malformed;

pub(crate) const PATH: &str = "/chat/completions";

pub(crate) struct Prompt {
    pub feature: Feature,
    pub model: String,
    pub system: String,
    pub user: String,
    pub max_completion_tokens: u32,
}

/// The answer as a JSON object of the shape `schema` describes (not yet validated).
pub(crate) async fn complete_json(
    client: &Enabled,
    mut prompt: Prompt,
    schema_name: &str,
    schema: Value,
) -> Result<(Map<String, Value>, Usage), AiError> {
    prompt.system.push_str(
        "\n\nAnswer with one JSON object and nothing else. It must match this JSON schema:\n",
    );
    prompt.system.push_str(&schema.to_string());
    let format = ResponseFormat::JsonSchema {
        json_schema: ResponseFormatJsonSchema {
            description: None,
            name: schema_name.to_string(),
            schema,
            strict: Some(true),
        },
    };
    let (text, usage) = if client.json_schema.load(Ordering::Relaxed) {
        match send(client, &prompt, Some(format)).await {
            Err(AiError::Server {
                status: 400,
                message,
            }) if names_response_format(&message) => {
                tracing::info!(
                    feature = prompt.feature.as_str(),
                    "the AI server rejects JSON-schema output; asking for JSON in text from now on"
                );
                client.json_schema.store(false, Ordering::Relaxed);
                send(client, &prompt, None).await?
            }
            other => other?,
        }
    } else {
        send(client, &prompt, None).await?
    };
    let object = crate::extract::json_object(&text)
        .ok_or_else(|| malformed("the answer holds no JSON object"))?;
    Ok((object, usage))
}

/// The answer as text.
pub(crate) async fn complete_text(
    client: &Enabled,
    prompt: Prompt,
) -> Result<(String, Usage), AiError> {
    send(client, &prompt, None).await
}

fn names_response_format(message: &str) -> bool {
    let message = message.to_ascii_lowercase();
    message.contains("response_format") || message.contains("json_schema")
}

async fn send(
    client: &Enabled,
    prompt: &Prompt,
    response_format: Option<ResponseFormat>,
) -> Result<(String, Usage), AiError> {
    let request = CreateChatCompletionRequest {
        model: prompt.model.clone(),
        messages: vec![
            ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage {
                content: ChatCompletionRequestSystemMessageContent::Text(prompt.system.clone()),
                name: None,
            }),
            ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage {
                content: ChatCompletionRequestUserMessageContent::Text(prompt.user.clone()),
                name: None,
            }),
        ],
        response_format,
        max_completion_tokens: Some(prompt.max_completion_tokens),
        ..Default::default()
    };
    let response: CreateChatCompletionResponse = client.transport.post(PATH, &request).await?;
    let usage = Usage {
        feature: prompt.feature,
        model: prompt.model.clone(),
        prompt_tokens: response.usage.as_ref().map_or(0, |u| u.prompt_tokens),
        completion_tokens: response.usage.as_ref().map_or(0, |u| u.completion_tokens),
    };
    let choice = response
        .choices
        .into_iter()
        .next()
        .ok_or_else(|| malformed("the answer has no choices"))?;
    if let Some(reason) = choice.message.refusal.filter(|r| !r.trim().is_empty()) {
        return Err(AiError::Refused {
            reason: crate::prompt::clip(reason.trim(), 500),
        });
    }
    if choice.finish_reason == Some(FinishReason::ContentFilter) {
        return Err(AiError::Refused {
            reason: "the server's content filter stopped the answer".into(),
        });
    }
    let text = choice.message.content.unwrap_or_default();
    if text.trim().is_empty() {
        return Err(malformed("the answer is empty"));
    }
    Ok((text, usage))
}
