//! Messages in channels, threads and DMs: create (JSON or multipart with files), list
//! with Discord's paging, get, edit, delete. Each change is dispatched on the gateway
//! (MESSAGE_CREATE/UPDATE/DELETE), the bot's own included, as Discord does: an adapter
//! must skip its own messages.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::channels::find;
use super::multipart::Part;
use super::{ApiError, Reply, Req, id, snowflake};
use crate::gateway::{Audience, intents};
use crate::state::{Attachment, Message, NewAttachment, State, StoredFile, channel_type};
use crate::{Inner, lock, render};

/// Discord's limits on a message.
const MAX_CONTENT_CHARS: usize = 2000;
const MAX_EMBEDS: usize = 10;
const MAX_COMPONENT_ROWS: usize = 5;
/// `SUPPRESS_EMBEDS | EPHEMERAL | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2`: the flags a
/// sender may set.
const SETTABLE_FLAGS: u64 = (1 << 2) | (1 << 6) | (1 << 12) | (1 << 15);

/// Who receives a message event, and whether its content is privileged for them.
pub(crate) fn message_audience(state: &State, message: &Message) -> Audience {
    let in_guild = state
        .channels
        .get(&message.channel_id)
        .is_some_and(|c| c.guild_id.is_some());
    let bot = state.premade.bot_user;
    let mentions_bot = message.content.contains(&format!("<@{bot}>"))
        || message.content.contains(&format!("<@!{bot}>"));
    Audience {
        intents: if in_guild {
            intents::GUILD_MESSAGES
        } else {
            intents::DIRECT_MESSAGES
        },
        privileged_content: in_guild && message.author_id != bot && !mentions_bot,
    }
}

fn check_sendable(state: &State, channel: u64) -> Result<(), ApiError> {
    let channel = state
        .channels
        .get(&channel)
        .ok_or_else(|| ApiError::unknown("Channel"))?;
    if channel.kind == channel_type::GUILD_CATEGORY {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            50008,
            "Cannot send messages in a non-text channel",
        ));
    }
    if channel.archived && channel.locked {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            50083,
            "Thread is archived",
        ));
    }
    Ok(())
}

/// Validates a message payload (create, edit, interaction response) and builds the
/// message `author` sends to `channel`, storing the uploaded files. The caller stores the
/// message and announces it.
pub(crate) fn new_message(
    inner: &Inner,
    state: &mut State,
    channel_id: u64,
    author_id: u64,
    payload: &Value,
    files: &[Part],
) -> Result<Message, ApiError> {
    let id = state.ids.next();
    let mut message = Message {
        id,
        channel_id,
        author_id,
        content: String::new(),
        embeds: Vec::new(),
        components: Vec::new(),
        attachments: Vec::new(),
        allowed_mentions: payload.get("allowed_mentions").cloned(),
        flags: 0,
        edited_ms: None,
        webhook_id: None,
        message_reference: None,
        ephemeral: false,
    };
    apply_edit(inner, state, &mut message, payload, files)?;
    if let Some(reference) = payload.get("message_reference").filter(|r| !r.is_null()) {
        let target = snowflake(&reference["message_id"]).unwrap_or(0);
        let target_channel = snowflake(&reference["channel_id"]).unwrap_or(channel_id);
        if state.message(target_channel, target).is_none()
            && reference["fail_if_not_exists"].as_bool() != Some(false)
        {
            return Err(ApiError::invalid_field(
                "message_reference",
                "REPLIES_UNKNOWN_MESSAGE",
                "Unknown message",
            ));
        }
        message.message_reference = Some(json!({
            "type": 0,
            "message_id": target.to_string(),
            "channel_id": target_channel.to_string(),
        }));
    }
    if message.content.is_empty()
        && message.embeds.is_empty()
        && message.components.is_empty()
        && message.attachments.is_empty()
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            50006,
            "Cannot send an empty message",
        ));
    }
    Ok(message)
}

/// Applies the fields a create or an edit may carry.
pub(crate) fn apply_edit(
    inner: &Inner,
    state: &mut State,
    message: &mut Message,
    payload: &Value,
    files: &[Part],
) -> Result<(), ApiError> {
    if let Some(content) = payload.get("content") {
        let content = content.as_str().unwrap_or_default();
        if content.chars().count() > MAX_CONTENT_CHARS {
            return Err(ApiError::invalid_field(
                "content",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 2000 or fewer in length.",
            ));
        }
        message.content = content.to_string();
    }
    if let Some(embeds) = payload.get("embeds") {
        let embeds = embeds.as_array().cloned().unwrap_or_default();
        if embeds.len() > MAX_EMBEDS {
            return Err(ApiError::invalid_field(
                "embeds",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 10 or fewer in length.",
            ));
        }
        message.embeds = embeds.into_iter().map(normalise_embed).collect();
    }
    if let Some(components) = payload.get("components") {
        let components = components.as_array().cloned().unwrap_or_default();
        if components.len() > MAX_COMPONENT_ROWS
            && payload["flags"].as_u64().unwrap_or(0) & (1 << 15) == 0
        {
            return Err(ApiError::invalid_field(
                "components",
                "BASE_TYPE_MAX_LENGTH",
                "Must be 5 or fewer in length.",
            ));
        }
        message.components = components;
    }
    if let Some(flags) = payload.get("flags").and_then(Value::as_u64) {
        message.flags = flags & SETTABLE_FLAGS;
    }
    if let Some(mentions) = payload.get("allowed_mentions") {
        message.allowed_mentions = Some(mentions.clone());
    }
    // `attachments` lists which existing ones to keep and describes the new files.
    let described = payload.get("attachments").and_then(Value::as_array);
    if let Some(described) = described {
        let keep: Vec<u64> = described
            .iter()
            .filter_map(|a| snowflake(&a["id"]))
            .collect();
        message.attachments.retain(|a| keep.contains(&a.id));
    }
    for part in files {
        let Some(index) = part
            .name
            .strip_prefix("files[")
            .and_then(|s| s.strip_suffix(']'))
        else {
            continue;
        };
        let description = described.and_then(|list| {
            list.iter().find(|a| {
                a["id"].as_u64().map(|n| n.to_string()).as_deref() == Some(index)
                    || a["id"].as_str() == Some(index)
            })
        });
        let filename = description
            .and_then(|d| d["filename"].as_str())
            .or(part.filename.as_deref())
            .unwrap_or("file")
            .to_string();
        let new = NewAttachment {
            filename,
            content_type: part.content_type.clone(),
            bytes: part.bytes.clone(),
        };
        let mut attachment = store_file(inner, state, message.channel_id, new);
        attachment.description = description
            .and_then(|d| d["description"].as_str())
            .map(str::to_string);
        message.attachments.push(attachment);
    }
    Ok(())
}

/// Discord fills in `type` and drops nulls in embeds it stores.
fn normalise_embed(mut embed: Value) -> Value {
    if let Some(object) = embed.as_object_mut() {
        object.retain(|_, v| !v.is_null());
        object.entry("type").or_insert(json!("rich"));
        if let Some(Value::Array(fields)) = object.get_mut("fields") {
            for field in fields {
                if field.get("inline").is_none() {
                    field["inline"] = json!(false);
                }
            }
        }
    }
    embed
}

/// Keeps the bytes for the CDN route and describes them as an attachment.
pub(crate) fn store_file(
    inner: &Inner,
    state: &mut State,
    channel_id: u64,
    file: NewAttachment,
) -> Attachment {
    let id = state.ids.next();
    let issued_secs = crate::ids::now_unix_ms() / 1000;
    let expires = issued_secs + 24 * 3600;
    let url = format!(
        "http://{}/attachments/{channel_id}/{id}/{}?ex={expires:x}&is={issued_secs:x}&hm={:016x}",
        inner.http_addr,
        crate::rest::cdn::encode_segment(&file.filename),
        id.rotate_left(17) ^ 0x5eed,
    );
    let attachment = Attachment {
        id,
        filename: file.filename.clone(),
        content_type: file.content_type.clone(),
        size: file.bytes.len() as u64,
        description: None,
        url,
    };
    state.files.insert(
        id,
        StoredFile {
            bytes: file.bytes,
            content_type: file.content_type,
            channel_id,
            filename: file.filename,
            issued: std::time::Instant::now(),
        },
    );
    attachment
}

pub(crate) fn announce_create(inner: &Inner, state: &State, message: &Message) {
    if message.ephemeral {
        return;
    }
    if message.author_id == state.premade.bot_user && !inner.echo_own_messages() {
        return;
    }
    let event = render::message_event(state, message);
    inner
        .gateway
        .dispatch("MESSAGE_CREATE", &event, message_audience(state, message));
}

pub(crate) fn announce_update(inner: &Inner, state: &State, message: &Message) {
    if message.ephemeral {
        return;
    }
    let event = render::message_event(state, message);
    inner
        .gateway
        .dispatch("MESSAGE_UPDATE", &event, message_audience(state, message));
}

pub(crate) fn announce_delete(inner: &Inner, state: &State, message: &Message) {
    if message.ephemeral {
        return;
    }
    let mut event =
        json!({ "id": message.id.to_string(), "channel_id": message.channel_id.to_string() });
    if let Some(guild) = state
        .channels
        .get(&message.channel_id)
        .and_then(|c| c.guild_id)
    {
        event["guild_id"] = json!(guild.to_string());
    }
    let audience = Audience {
        privileged_content: false,
        ..message_audience(state, message)
    };
    inner.gateway.dispatch("MESSAGE_DELETE", &event, audience);
}

pub(super) fn create(inner: &Inner, channel: &str, req: &Req) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    let channel = find(&state, channel)?.id;
    check_sendable(&state, channel)?;
    let bot = state.premade.bot_user;
    let nonce = nonce(&req.body)?;
    let enforced = nonce
        .clone()
        .filter(|_| req.body["enforce_nonce"].as_bool() == Some(true));
    // Discord: with `enforce_nonce`, the same nonce from the same author within a few
    // minutes answers the message already created, and creates nothing.
    if let Some(nonce) = &enforced
        && let Some((c, m, at)) = state.nonces.get(&(bot, nonce.clone())).copied()
        && at.elapsed() < NONCE_WINDOW
        && let Some(existing) = state.message(c, m)
    {
        return Reply::ok(render::message(&state, existing));
    }
    let message = new_message(inner, &mut state, channel, bot, &req.body, &req.files)?;
    unarchive(inner, &mut state, channel);
    state.insert_message(message.clone());
    if let Some(nonce) = enforced {
        let now = std::time::Instant::now();
        state
            .nonces
            .insert((bot, nonce), (channel, message.id, now));
    }
    announce_create(inner, &state, &message);
    let mut rendered = render::message(&state, &message);
    if let Some(nonce) = nonce {
        rendered["nonce"] = json!(nonce);
    }
    Reply::ok(rendered)
}

/// How long an enforced nonce is remembered ("the past few minutes", Discord says).
const NONCE_WINDOW: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// A message's `nonce`: an integer or a string of at most 25 characters, as text.
fn nonce(body: &Value) -> Result<Option<String>, ApiError> {
    match body.get("nonce") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => Ok(Some(n.to_string())),
        Some(Value::String(s)) if s.chars().count() <= 25 => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(ApiError::invalid_field(
            "nonce",
            "BASE_TYPE_MAX_LENGTH",
            "Must be 25 or fewer in length.",
        )),
        Some(_) => Err(ApiError::invalid_field(
            "nonce",
            "BASE_TYPE_BAD_TYPE",
            "Must be a string or an integer.",
        )),
    }
}

/// A message in an archived thread that is not locked unarchives it (THREAD_UPDATE).
pub(crate) fn unarchive(inner: &Inner, state: &mut State, channel: u64) {
    let Some(thread) = state
        .channels
        .get_mut(&channel)
        .filter(|c| c.archived && !c.locked)
    else {
        return;
    };
    thread.archived = false;
    let thread = thread.clone();
    inner.gateway.dispatch(
        "THREAD_UPDATE",
        &render::channel(state, &thread),
        Audience::GUILDS,
    );
}

/// Newest first, at most `limit` (1-100, default 50), paged by `before`, `after` or
/// `around`.
pub(super) fn list(inner: &Inner, channel: &str, req: &Req) -> Result<Reply, ApiError> {
    let state = lock(&inner.state);
    let channel = find(&state, channel)?.id;
    let limit = match req.query.get("limit") {
        None => 50,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n @ 1..=100) => n,
            _ => {
                return Err(ApiError::invalid_field(
                    "limit",
                    "NUMBER_TYPE_MAX",
                    "int value should be between 1 and 100.",
                ));
            }
        },
    };
    let all = state.listed_messages(channel);
    let page: Vec<&Message> = if let Some(before) = req.query_u64("before") {
        all.iter()
            .rev()
            .filter(|m| m.id < before)
            .take(limit)
            .collect()
    } else if let Some(after) = req.query_u64("after") {
        let mut page: Vec<&Message> = all.iter().filter(|m| m.id > after).take(limit).collect();
        page.reverse();
        page
    } else if let Some(around) = req.query_u64("around") {
        let newer: Vec<&Message> = all
            .iter()
            .filter(|m| m.id >= around)
            .take(limit.div_ceil(2))
            .collect();
        let older = all
            .iter()
            .rev()
            .filter(|m| m.id < around)
            .take(limit - newer.len());
        newer.into_iter().rev().chain(older).collect()
    } else {
        all.iter().rev().take(limit).collect()
    };
    Reply::ok(Value::Array(
        page.into_iter()
            .map(|m| render::message(&state, m))
            .collect(),
    ))
}

fn find_message<'a>(
    state: &'a State,
    channel: u64,
    message: &str,
) -> Result<&'a Message, ApiError> {
    state
        .message(channel, id(message, "Message")?)
        .filter(|m| !m.ephemeral)
        .ok_or_else(|| ApiError::unknown("Message"))
}

pub(super) fn get(inner: &Inner, channel: &str, message: &str) -> Result<Reply, ApiError> {
    let state = lock(&inner.state);
    let channel = find(&state, channel)?.id;
    let message = find_message(&state, channel, message)?;
    Reply::ok(render::message(&state, message))
}

pub(super) fn edit(
    inner: &Inner,
    channel: &str,
    message: &str,
    req: &Req,
) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    let channel = find(&state, channel)?.id;
    let mut message = find_message(&state, channel, message)?.clone();
    if message.author_id != state.premade.bot_user {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            50005,
            "Cannot edit a message authored by another user",
        ));
    }
    apply_edit(inner, &mut state, &mut message, &req.body, &req.files)?;
    message.edited_ms = Some(crate::ids::now_unix_ms());
    state.insert_message(message.clone());
    announce_update(inner, &state, &message);
    Reply::ok(render::message(&state, &message))
}

pub(super) fn delete(inner: &Inner, channel: &str, message: &str) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    let channel = find(&state, channel)?.id;
    let message = find_message(&state, channel, message)?.clone();
    if let Some(messages) = state.messages.get_mut(&channel) {
        messages.remove(&message.id);
    }
    announce_delete(inner, &state, &message);
    Ok(Reply::NoContent)
}
