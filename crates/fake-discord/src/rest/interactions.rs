//! What the bot does with interactions the tests issued: the callback
//! (`POST /interactions/{id}/{token}/callback`), the interaction webhook
//! (`@original`, follow-ups, their edits), and application commands.
//!
//! Tokens are only those of interactions the fake issued (`FakeDiscord::*_interaction`),
//! and each interaction can be acknowledged once, as on Discord.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::messages::{announce_create, announce_delete, announce_update, apply_edit, new_message};
use super::{ApiError, Reply, Req, id, snowflake};
use crate::state::{InteractionCallback, IssuedInteraction, Message, State};
use crate::{Inner, lock, render};

const EPHEMERAL: u64 = 1 << 6;
const LOADING: u64 = 1 << 7;

fn check_app(state: &State, app: &str) -> Result<(), ApiError> {
    if app.parse::<u64>().ok() == Some(state.premade.application) {
        Ok(())
    } else {
        Err(ApiError::unknown("Webhook"))
    }
}

fn issued<'a>(state: &'a State, app: &str, token: &str) -> Result<&'a IssuedInteraction, ApiError> {
    check_app(state, app)?;
    state
        .interactions
        .get(token)
        .ok_or_else(|| ApiError::unknown("Webhook"))
}

/// A message sent through the interaction: authored by the bot, `webhook_id` set to the
/// application, kept out of the channel listing when ephemeral.
fn interaction_message(
    inner: &Inner,
    state: &mut State,
    channel: u64,
    payload: &Value,
    req: &Req,
    allow_empty: bool,
) -> Result<Message, ApiError> {
    let bot = state.premade.bot_user;
    let mut message = if allow_empty {
        let mut message = Message {
            id: state.ids.next(),
            channel_id: channel,
            author_id: bot,
            content: String::new(),
            embeds: Vec::new(),
            components: Vec::new(),
            attachments: Vec::new(),
            allowed_mentions: None,
            flags: LOADING,
            edited_ms: None,
            webhook_id: None,
            message_reference: None,
            ephemeral: false,
        };
        apply_edit(inner, state, &mut message, payload, &req.files)?;
        message.flags |= LOADING;
        message
    } else {
        new_message(inner, state, channel, bot, payload, &req.files)?
    };
    let requested = payload["flags"].as_u64().unwrap_or(0);
    message.ephemeral = requested & EPHEMERAL != 0;
    if message.ephemeral {
        message.flags |= EPHEMERAL;
    }
    message.webhook_id = Some(state.premade.application);
    Ok(message)
}

pub(super) fn callback(
    inner: &Inner,
    interaction_id: &str,
    token: &str,
    req: &Req,
) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    let interaction_id = id(interaction_id, "interaction")?;
    let issued = state
        .interactions
        .get(token)
        .filter(|i| i.id == interaction_id)
        .cloned()
        .ok_or_else(|| ApiError::unknown("interaction"))?;
    if issued.callback.is_some() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            40060,
            "Interaction has already been acknowledged.",
        ));
    }
    let kind = req.body["type"].as_u64().unwrap_or(0);
    let data = req.body.get("data").cloned().unwrap_or(Value::Null);
    let channel = issued.channel_id.unwrap_or(0);
    let mut original = None;
    match kind {
        1 | 6 | 8 => {}
        4 | 5 => {
            let message = interaction_message(inner, &mut state, channel, &data, req, kind == 5)?;
            state.insert_message(message.clone());
            announce_create(inner, &state, &message);
            original = Some(message.id);
        }
        7 => {
            let target = issued.message_id.ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    40004,
                    "UPDATE_MESSAGE needs a component interaction",
                )
            })?;
            let mut message = state
                .message(channel, target)
                .cloned()
                .ok_or_else(|| ApiError::unknown("Message"))?;
            apply_edit(inner, &mut state, &mut message, &data, &req.files)?;
            message.edited_ms = Some(crate::ids::now_unix_ms());
            state.insert_message(message.clone());
            announce_update(inner, &state, &message);
            original = Some(target);
        }
        9 => {
            for field in ["custom_id", "title", "components"] {
                if data.get(field).is_none_or(Value::is_null) {
                    return Err(ApiError::invalid_field(
                        &format!("data.{field}"),
                        "BASE_TYPE_REQUIRED",
                        "This field is required",
                    ));
                }
            }
        }
        _ => {
            return Err(ApiError::invalid_field(
                "type",
                "BASE_TYPE_CHOICES",
                "Value must be one of {1, 4, 5, 6, 7, 8, 9}.",
            ));
        }
    }
    if kind == 6 {
        original = issued.message_id;
    }
    if let Some(entry) = state.interactions.get_mut(token) {
        entry.callback = Some(kind);
        entry.original = original;
    }
    state.callbacks.push(InteractionCallback {
        interaction_id,
        token: token.to_string(),
        kind,
        data,
    });
    if req.query.get("with_response").map(String::as_str) == Some("true") {
        let mut resource = json!({ "type": kind });
        if let Some(message) = original.and_then(|id| state.message(channel, id)) {
            resource["message"] = render::message(&state, message);
        }
        return Reply::ok(json!({
            "interaction": {
                "id": interaction_id.to_string(),
                "type": issued.kind,
                "activity_instance_id": null,
                "response_message_id": original.map(|id| id.to_string()),
                "response_message_loading": kind == 5,
                "response_message_ephemeral": original
                    .and_then(|id| state.message(channel, id))
                    .is_some_and(|m| m.ephemeral),
            },
            "resource": resource,
        }));
    }
    Ok(Reply::NoContent)
}

/// `POST /webhooks/{app}/{token}`: a follow-up message (after the callback).
pub(super) fn follow_up(
    inner: &Inner,
    app: &str,
    token: &str,
    req: &Req,
) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    let issued = issued(&state, app, token)?.clone();
    if issued.callback.is_none() {
        return Err(ApiError::unknown("Webhook"));
    }
    let channel = issued.channel_id.unwrap_or(0);
    let message = interaction_message(inner, &mut state, channel, &req.body, req, false)?;
    state.insert_message(message.clone());
    announce_create(inner, &state, &message);
    if let Some(entry) = state.interactions.get_mut(token) {
        entry.followups.push(message.id);
    }
    Reply::ok(render::message(&state, &message))
}

/// The message `@original` or `{id}` names, if it belongs to this interaction.
fn webhook_message(
    state: &State,
    app: &str,
    token: &str,
    which: &str,
) -> Result<(u64, u64), ApiError> {
    let issued = issued(state, app, token)?;
    let channel = issued.channel_id.unwrap_or(0);
    let id = if which == "@original" {
        issued.original
    } else {
        let id = id(which, "Message")?;
        (issued.followups.contains(&id) || issued.original == Some(id)).then_some(id)
    };
    id.filter(|id| state.message(channel, *id).is_some())
        .map(|id| (channel, id))
        .ok_or_else(|| ApiError::unknown("Message"))
}

pub(super) fn get_message(
    inner: &Inner,
    app: &str,
    token: &str,
    which: &str,
) -> Result<Reply, ApiError> {
    let state = lock(&inner.state);
    let (channel, id) = webhook_message(&state, app, token, which)?;
    Reply::ok(render::message(
        &state,
        state.message(channel, id).expect("checked"),
    ))
}

pub(super) fn edit_message(
    inner: &Inner,
    app: &str,
    token: &str,
    which: &str,
    req: &Req,
) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    let (channel, id) = webhook_message(&state, app, token, which)?;
    let mut message = state.message(channel, id).cloned().expect("checked");
    let was_loading = message.flags & LOADING != 0;
    apply_edit(inner, &mut state, &mut message, &req.body, &req.files)?;
    if was_loading {
        // Editing a deferred response is its first real content, not an edit.
        message.flags &= !LOADING;
        if message.ephemeral {
            message.flags |= EPHEMERAL;
        }
    } else {
        message.edited_ms = Some(crate::ids::now_unix_ms());
    }
    state.insert_message(message.clone());
    announce_update(inner, &state, &message);
    Reply::ok(render::message(&state, &message))
}

pub(super) fn delete_message(
    inner: &Inner,
    app: &str,
    token: &str,
    which: &str,
) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    let (channel, id) = webhook_message(&state, app, token, which)?;
    let message = state
        .messages
        .get_mut(&channel)
        .and_then(|m| m.remove(&id))
        .expect("checked");
    announce_delete(inner, &state, &message);
    Ok(Reply::NoContent)
}

fn check_guild_opt(state: &State, guild: Option<&str>) -> Result<(), ApiError> {
    match guild {
        Some(guild) => super::guild::check_guild(state, guild),
        None => Ok(()),
    }
}

pub(super) fn commands(inner: &Inner, app: &str, guild: Option<&str>) -> Result<Reply, ApiError> {
    let state = lock(&inner.state);
    check_application(&state, app)?;
    check_guild_opt(&state, guild)?;
    let list = if guild.is_some() {
        &state.guild_commands
    } else {
        &state.global_commands
    };
    Reply::ok(Value::Array(list.clone()))
}

fn check_application(state: &State, app: &str) -> Result<(), ApiError> {
    if app.parse::<u64>().ok() == Some(state.premade.application) {
        Ok(())
    } else {
        Err(ApiError::unknown("Application"))
    }
}

/// Bulk overwrite: the list replaces the old one; a command keeps its id when its name
/// stays (as on Discord), new ones get new ids.
pub(super) fn overwrite_commands(
    inner: &Inner,
    app: &str,
    guild: Option<&str>,
    req: &Req,
) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    check_application(&state, app)?;
    check_guild_opt(&state, guild)?;
    let Some(list) = req.body.as_array() else {
        return Err(ApiError::invalid_field(
            "_",
            "BASE_TYPE_ARRAY",
            "Must be an array.",
        ));
    };
    if list.len() > 100 {
        return Err(ApiError::invalid_field(
            "_",
            "BASE_TYPE_MAX_LENGTH",
            "Must be 100 or fewer in length.",
        ));
    }
    let old = if guild.is_some() {
        state.guild_commands.clone()
    } else {
        state.global_commands.clone()
    };
    let mut stored = Vec::new();
    for (i, command) in list.iter().enumerate() {
        let kind = command["type"].as_u64().unwrap_or(1);
        validate_command(command, kind == 1, &i.to_string())?;
        let name = command["name"].as_str().unwrap_or_default();
        let id = old
            .iter()
            .find(|c| c["name"] == name && c["type"].as_u64() == Some(kind))
            .and_then(|c| snowflake(&c["id"]))
            .unwrap_or_else(|| state.ids.next());
        let mut command = command.clone();
        command["id"] = json!(id.to_string());
        command["type"] = json!(kind);
        command["application_id"] = json!(state.premade.application.to_string());
        command["version"] = json!(state.ids.next().to_string());
        command["default_member_permissions"] = command
            .get("default_member_permissions")
            .cloned()
            .unwrap_or(Value::Null);
        command["nsfw"] = command.get("nsfw").cloned().unwrap_or(json!(false));
        if command.get("description").is_none() {
            command["description"] = json!("");
        }
        if guild.is_some() {
            command["guild_id"] = json!(state.premade.guild.to_string());
        }
        stored.push(command);
    }
    if guild.is_some() {
        state.guild_commands = stored.clone();
    } else {
        state.global_commands = stored.clone();
    }
    Reply::ok(Value::Array(stored))
}

/// Names and descriptions as Discord checks them, options included.
fn validate_command(command: &Value, chat_input: bool, at: &str) -> Result<(), ApiError> {
    let name = command["name"].as_str().unwrap_or_default();
    let name_ok = (1..=32).contains(&name.chars().count())
        && (!chat_input
            || name
                .chars()
                .all(|c| c == '-' || c == '_' || c.is_alphanumeric() && !c.is_uppercase()));
    if !name_ok {
        return Err(ApiError::invalid_field(
            &format!("{at}.name"),
            "APPLICATION_COMMAND_INVALID_NAME",
            "Command name is invalid",
        ));
    }
    if chat_input {
        let description = command["description"].as_str().unwrap_or_default();
        if !(1..=100).contains(&description.chars().count()) {
            return Err(ApiError::invalid_field(
                &format!("{at}.description"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.",
            ));
        }
    }
    if let Some(options) = command.get("options").and_then(Value::as_array) {
        if options.len() > 25 {
            return Err(ApiError::invalid_field(
                &format!("{at}.options"),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            ));
        }
        for (i, option) in options.iter().enumerate() {
            validate_command(option, true, &format!("{at}.options.{i}"))?;
        }
    }
    Ok(())
}
