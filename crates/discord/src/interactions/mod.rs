//! `POST /interactions`: the signature is checked on the raw bytes before anything is
//! parsed; then the interaction is read and dispatched. Quick answers go back in the
//! HTTP response; work that may take longer than Discord's 3 s is answered "deferred"
//! at once and finished by editing the original response from a task.

mod claim;
mod commands;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;
use twilight_model::channel::message::MessageFlags;
use twilight_model::http::interaction::InteractionResponse;

use crate::context::Ctx;
use crate::ids::CustomId;
use crate::messages::{self, clip, to_json};
use crate::{close, open};

pub use commands::command_definitions;

/// Discord's bodies are small; anything bigger is not Discord.
const MAX_BODY: usize = 256 * 1024;

pub fn router(ctx: Arc<Ctx>) -> Router {
    Router::new()
        .route("/interactions", post(endpoint))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(ctx)
}

async fn endpoint(State(ctx): State<Arc<Ctx>>, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Err(why) = ctx.verify.check(
        header("x-signature-ed25519"),
        header("x-signature-timestamp"),
        &body,
    ) {
        tracing::warn!(?why, "interaction refused");
        return (StatusCode::UNAUTHORIZED, "invalid request signature").into_response();
    }
    let Ok(json) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not JSON").into_response();
    };
    let Some(inbound) = Interaction::read(&json) else {
        return (StatusCode::BAD_REQUEST, "not an interaction").into_response();
    };
    let response = dispatch(ctx, inbound).await;
    axum::Json(to_json(&response)).into_response()
}

/// What the adapter reads of an interaction.
#[derive(Debug, Clone)]
pub struct Interaction {
    pub id: u64,
    pub token: String,
    pub kind: u64,
    pub channel_id: Option<u64>,
    /// The message whose component was used (a panel's, a ticket's welcome...).
    pub message_id: Option<u64>,
    pub user_id: u64,
    pub user_name: String,
    /// The member's roles (empty in DMs).
    pub roles: Vec<u64>,
    pub data: Value,
}

fn snowflake(v: &Value) -> Option<u64> {
    v.as_str()?.parse().ok()
}

impl Interaction {
    fn read(json: &Value) -> Option<Interaction> {
        let user = json
            .get("member")
            .and_then(|m| m.get("user"))
            .or_else(|| json.get("user"));
        Some(Interaction {
            id: snowflake(&json["id"])?,
            token: json["token"].as_str()?.to_string(),
            kind: json["type"].as_u64()?,
            channel_id: snowflake(&json["channel_id"])
                .or_else(|| json.get("channel").and_then(|c| snowflake(&c["id"]))),
            message_id: json.get("message").and_then(|m| snowflake(&m["id"])),
            user_id: user.and_then(|u| snowflake(&u["id"])).unwrap_or(0),
            user_name: user
                .map(|u| {
                    u["global_name"]
                        .as_str()
                        .or(u["username"].as_str())
                        .unwrap_or("member")
                        .to_string()
                })
                .unwrap_or_default(),
            roles: json["member"]["roles"]
                .as_array()
                .map(|a| a.iter().filter_map(snowflake).collect())
                .unwrap_or_default(),
            data: json.get("data").cloned().unwrap_or(Value::Null),
        })
    }

    pub fn custom_id(&self) -> &str {
        self.data["custom_id"].as_str().unwrap_or("")
    }

    /// A modal's text inputs (custom id, value), whether in labels or action rows.
    pub fn modal_values(&self) -> Vec<(String, String)> {
        fn walk(v: &Value, out: &mut Vec<(String, String)>) {
            match v {
                Value::Object(o) => {
                    // A text input's `value`, or a select menu's first of `values`.
                    let value = o.get("value").and_then(Value::as_str).or_else(|| {
                        o.get("values")
                            .and_then(|v| v.get(0))
                            .and_then(Value::as_str)
                    });
                    if let (Some(id), Some(value)) =
                        (o.get("custom_id").and_then(Value::as_str), value)
                    {
                        out.push((id.to_string(), value.to_string()));
                    }
                    for key in ["components", "component"] {
                        if let Some(c) = o.get(key) {
                            walk(c, out);
                        }
                    }
                }
                Value::Array(a) => a.iter().for_each(|c| walk(c, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(&self.data["components"], &mut out);
        out
    }

    pub fn modal_value(&self, id: &str) -> Option<String> {
        self.modal_values()
            .into_iter()
            .find(|(k, _)| k == id)
            .map(|(_, v)| v)
            .filter(|v| !v.trim().is_empty())
    }
}

const NO_LONGER_IN_USE: &str = "This button is no longer in use.";

async fn dispatch(ctx: Arc<Ctx>, i: Interaction) -> InteractionResponse {
    match i.kind {
        1 => messages::pong(),
        2 => commands::handle(ctx, i).await,
        3 | 5 => match CustomId::parse(i.custom_id()) {
            None => messages::ephemeral(NO_LONGER_IN_USE),
            Some(id) => component(ctx, i, id).await,
        },
        _ => messages::ephemeral(NO_LONGER_IN_USE),
    }
}

async fn component(ctx: Arc<Ctx>, i: Interaction, id: CustomId) -> InteractionResponse {
    let modal = i.kind == 5;
    match id {
        CustomId::Open { panel, topic } if !modal => open::start(ctx, i, panel, topic).await,
        CustomId::Menu { panel } if !modal => {
            let topic = i.data["values"][0].as_str().map(str::to_string);
            open::start(ctx, i, panel, topic).await
        }
        CustomId::Form { panel, topic } if modal => open::submitted(ctx, i, panel, topic),
        CustomId::Claim { key } if !modal => claim::claim(ctx, i, key),
        CustomId::Card { key } if !modal => claim::card(ctx, i, key),
        CustomId::Close { key } | CustomId::CloseConfirm { key } if !modal => {
            close::button(ctx, i, key).await
        }
        CustomId::CloseReason { key } if modal => close::reason_submitted(ctx, i, key),
        CustomId::Survey { key, rating } if !modal => close::survey_clicked(&key, rating),
        CustomId::SurveyComment { key, rating } if modal => {
            close::survey_submitted(ctx, i, key, rating)
        }
        _ => messages::ephemeral(NO_LONGER_IN_USE),
    }
}

/// Finish a deferred interaction: replace the "thinking…" message with `text`.
/// Discord can take a moment to register the deferral itself, so an unknown response is
/// retried briefly.
pub async fn finish(ctx: &Ctx, token: &str, text: &str) {
    let text = clip(text, messages::MAX_CONTENT);
    for attempt in 0..20u64 {
        match ctx
            .interaction()
            .update_response(token)
            .content(Some(&text))
            .await
        {
            Ok(_) => return,
            Err(e) if crate::error::discord_not_found(&e) && attempt < 19 => {
                tokio::time::sleep(Duration::from_millis(100 + 50 * attempt)).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot answer the interaction");
                return;
            }
        }
    }
}

/// An extra message to the clicking user only.
pub async fn whisper(ctx: &Ctx, token: &str, text: &str) {
    let text = clip(text, messages::MAX_CONTENT);
    if let Err(e) = ctx
        .interaction()
        .create_followup(token)
        .content(&text)
        .flags(MessageFlags::EPHEMERAL)
        .await
    {
        tracing::warn!(error = %e, "cannot send a follow-up");
    }
}

/// Run `work` after answering "deferred"; its text becomes the answer.
pub fn defer<F>(ctx: Arc<Ctx>, token: String, ephemeral: bool, work: F) -> InteractionResponse
where
    F: Future<Output = String> + Send + 'static,
{
    tokio::spawn(async move {
        let text = work.await;
        finish(&ctx, &token, &text).await;
    });
    messages::deferred(ephemeral)
}

/// A Docket failure as the member reads it.
pub fn sorry(e: &crate::Error) -> String {
    tracing::warn!(error = %e, "interaction failed");
    if e.is_retryable() {
        "Docket cannot be reached right now; please try again in a minute.".into()
    } else {
        "Something went wrong on our side; staff have been told in the logs.".into()
    }
}
