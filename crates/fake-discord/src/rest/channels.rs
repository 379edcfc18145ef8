//! Channels: guild text channels and categories, private threads and their members,
//! permission overwrites, DMs. Changes are announced on the gateway (CHANNEL_* and
//! THREAD_* events) as Discord does, the bot's own changes included.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::guild::check_guild;
use super::{ApiError, Reply, Req, bits, id, snowflake};
use crate::gateway::{Audience, intents};
use crate::state::{Channel, Overwrite, State, channel_type};
use crate::{Inner, lock, render};

fn is_thread(channel: &Channel) -> bool {
    matches!(
        channel.kind,
        channel_type::PUBLIC_THREAD | channel_type::PRIVATE_THREAD
    )
}

pub(crate) fn find<'a>(state: &'a State, segment: &str) -> Result<&'a Channel, ApiError> {
    state
        .channels
        .get(&id(segment, "Channel")?)
        .ok_or_else(|| ApiError::unknown("Channel"))
}

fn find_mut<'a>(state: &'a mut State, segment: &str) -> Result<&'a mut Channel, ApiError> {
    state
        .channels
        .get_mut(&id(segment, "Channel")?)
        .ok_or_else(|| ApiError::unknown("Channel"))
}

fn wrong_type() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        50024,
        "Cannot execute action on this channel type",
    )
}

/// CHANNEL_UPDATE or THREAD_UPDATE with the channel as it now is.
fn announce_update(inner: &Inner, state: &State, channel_id: u64) {
    if let Some(channel) = state.channels.get(&channel_id)
        && channel.guild_id.is_some()
    {
        let name = if is_thread(channel) {
            "THREAD_UPDATE"
        } else {
            "CHANNEL_UPDATE"
        };
        inner
            .gateway
            .dispatch(name, &render::channel(state, channel), Audience::GUILDS);
    }
}

pub(super) fn list(inner: &Inner, guild: &str) -> Result<Reply, ApiError> {
    let state = lock(&inner.state);
    check_guild(&state, guild)?;
    // Discord leaves threads out of this list.
    Reply::ok(Value::Array(
        state
            .channels
            .values()
            .filter(|c| c.guild_id.is_some() && !is_thread(c))
            .map(|c| render::channel(&state, c))
            .collect(),
    ))
}

fn name_of(body: &Value, required: bool) -> Result<Option<String>, ApiError> {
    match body.get("name") {
        Some(Value::String(name)) if (1..=100).contains(&name.chars().count()) => {
            Ok(Some(name.clone()))
        }
        None | Some(Value::Null) if !required => Ok(None),
        None | Some(Value::Null) => Err(ApiError::invalid_field(
            "name",
            "BASE_TYPE_REQUIRED",
            "This field is required",
        )),
        _ => Err(ApiError::invalid_field(
            "name",
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.",
        )),
    }
}

fn parent_of(state: &State, body: &Value) -> Result<Option<u64>, ApiError> {
    match body.get("parent_id") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => {
            let parent = snowflake(value).filter(|id| {
                state
                    .channels
                    .get(id)
                    .is_some_and(|c| c.kind == channel_type::GUILD_CATEGORY)
            });
            parent.map(Some).ok_or_else(|| {
                ApiError::invalid_field(
                    "parent_id",
                    "CHANNEL_PARENT_INVALID",
                    "Invalid parent channel",
                )
            })
        }
    }
}

fn overwrites_of(body: &Value) -> Result<Option<Vec<Overwrite>>, ApiError> {
    let Some(list) = body.get("permission_overwrites").and_then(Value::as_array) else {
        return Ok(None);
    };
    list.iter()
        .enumerate()
        .map(|(i, o)| {
            let id = snowflake(&o["id"]).ok_or_else(|| {
                ApiError::invalid_field(
                    &format!("permission_overwrites.{i}.id"),
                    "BASE_TYPE_REQUIRED",
                    "This field is required",
                )
            })?;
            let kind = match o["type"]
                .as_u64()
                .or_else(|| o["type"].as_str().and_then(|s| s.parse().ok()))
            {
                Some(k @ (0 | 1)) => k as u8,
                _ => {
                    return Err(ApiError::invalid_field(
                        &format!("permission_overwrites.{i}.type"),
                        "BASE_TYPE_CHOICES",
                        "Value must be one of {0, 1}.",
                    ));
                }
            };
            Ok(Overwrite {
                id,
                kind,
                allow: bits(&o["allow"]),
                deny: bits(&o["deny"]),
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

pub(super) fn create(inner: &Inner, guild: &str, req: &Req) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    check_guild(&state, guild)?;
    let body = &req.body;
    let name = name_of(body, true)?.unwrap_or_default();
    let kind = match body.get("type").and_then(Value::as_u64).unwrap_or(0) {
        k @ (0 | 4) => k as u8,
        _ => {
            return Err(ApiError::invalid_field(
                "type",
                "BASE_TYPE_CHOICES",
                "The fake serves text channels (0) and categories (4) only.",
            ));
        }
    };
    let parent = parent_of(&state, body)?;
    let overwrites = overwrites_of(body)?;
    let mut channel = state.new_channel(kind, &name, parent);
    channel.topic = body
        .get("topic")
        .and_then(Value::as_str)
        .map(str::to_string);
    if let Some(position) = body.get("position").and_then(Value::as_i64) {
        channel.position = position;
    }
    channel.overwrites = overwrites.unwrap_or_default();
    state.channels.insert(channel.id, channel.clone());
    let rendered = render::channel(&state, &channel);
    inner
        .gateway
        .dispatch("CHANNEL_CREATE", &rendered, Audience::GUILDS);
    Reply::created(rendered)
}

pub(super) fn get(inner: &Inner, channel: &str) -> Result<Reply, ApiError> {
    let state = lock(&inner.state);
    let channel = find(&state, channel)?;
    Reply::ok(render::channel(&state, channel))
}

pub(super) fn modify(inner: &Inner, channel: &str, req: &Req) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    let body = &req.body;
    let current = find(&state, channel)?.clone();
    if current.kind == channel_type::DM {
        return Err(wrong_type());
    }
    let name = name_of(body, false)?;
    let parent = if body.get("parent_id").is_some() && !is_thread(&current) {
        Some(parent_of(&state, body)?)
    } else {
        None
    };
    let overwrites = overwrites_of(body)?;
    let channel = find_mut(&mut state, channel)?;
    if let Some(name) = name {
        channel.name = Some(name);
    }
    if let Some(parent) = parent {
        channel.parent_id = parent;
    }
    if let Some(overwrites) = overwrites {
        channel.overwrites = overwrites;
    }
    if let Some(topic) = body.get("topic") {
        channel.topic = topic.as_str().map(str::to_string);
    }
    if let Some(position) = body.get("position").and_then(Value::as_i64) {
        channel.position = position;
    }
    if is_thread(&current) {
        if let Some(archived) = body.get("archived").and_then(Value::as_bool) {
            channel.archived = archived;
        }
        if let Some(locked) = body.get("locked").and_then(Value::as_bool) {
            channel.locked = locked;
        }
        if let Some(invitable) = body.get("invitable").and_then(Value::as_bool) {
            channel.invitable = invitable;
        }
    }
    let id = channel.id;
    announce_update(inner, &state, id);
    let channel = &state.channels[&id];
    Reply::ok(render::channel(&state, channel))
}

/// Deletes a channel (its messages and threads go with it; a category's children stay,
/// without a parent), or closes a DM.
pub(super) fn delete(inner: &Inner, channel: &str) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    let channel = find(&state, channel)?.clone();
    let rendered = render::channel(&state, &channel);
    let mut removed = vec![channel.id];
    removed.extend(
        state
            .channels
            .values()
            .filter(|c| is_thread(c) && c.parent_id == Some(channel.id))
            .map(|c| c.id),
    );
    for id in &removed {
        let gone = state.channels.remove(id);
        state.messages.remove(id);
        if let Some(gone) = gone
            && gone.guild_id.is_some()
        {
            if is_thread(&gone) {
                let event = json!({
                    "id": gone.id.to_string(),
                    "guild_id": gone.guild_id.map(|g| g.to_string()),
                    "parent_id": gone.parent_id.map(|p| p.to_string()),
                    "type": gone.kind,
                });
                inner
                    .gateway
                    .dispatch("THREAD_DELETE", &event, Audience::GUILDS);
            } else {
                let event = render::channel(&state, &gone);
                inner
                    .gateway
                    .dispatch("CHANNEL_DELETE", &event, Audience::GUILDS);
            }
        }
    }
    for child in state.channels.values_mut() {
        if child.parent_id == Some(channel.id) {
            child.parent_id = None;
        }
    }
    Reply::ok(rendered)
}

pub(super) fn put_overwrite(
    inner: &Inner,
    channel: &str,
    target: &str,
    req: &Req,
) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    let target = id(target, "Overwrite")?;
    let kind = match req
        .body
        .get("type")
        .and_then(|t| t.as_u64().or_else(|| t.as_str()?.parse().ok()))
    {
        Some(k @ (0 | 1)) => k as u8,
        _ => {
            return Err(ApiError::invalid_field(
                "type",
                "BASE_TYPE_CHOICES",
                "Value must be one of {0, 1}.",
            ));
        }
    };
    let overwrite = Overwrite {
        id: target,
        kind,
        allow: bits(&req.body["allow"]),
        deny: bits(&req.body["deny"]),
    };
    let channel = find_mut(&mut state, channel)?;
    if channel.guild_id.is_none() || is_thread(channel) {
        return Err(wrong_type());
    }
    channel.overwrites.retain(|o| o.id != target);
    channel.overwrites.push(overwrite);
    let id = channel.id;
    announce_update(inner, &state, id);
    Ok(Reply::NoContent)
}

pub(super) fn delete_overwrite(
    inner: &Inner,
    channel: &str,
    target: &str,
) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    let target = id(target, "Overwrite")?;
    let channel = find_mut(&mut state, channel)?;
    channel.overwrites.retain(|o| o.id != target);
    let id = channel.id;
    announce_update(inner, &state, id);
    Ok(Reply::NoContent)
}

/// `POST /channels/{id}/threads` without a message: a thread in a text channel, private
/// (12) unless the body asks for public (11). The bot becomes its first member.
pub(super) fn create_thread(inner: &Inner, parent: &str, req: &Req) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    let parent = find(&state, parent)?.clone();
    if parent.kind != channel_type::GUILD_TEXT {
        return Err(wrong_type());
    }
    let body = &req.body;
    let name = name_of(body, true)?.unwrap_or_default();
    let kind = match body.get("type").and_then(Value::as_u64).unwrap_or(12) {
        k @ (11 | 12) => k as u8,
        _ => {
            return Err(ApiError::invalid_field(
                "type",
                "BASE_TYPE_CHOICES",
                "Value must be one of {11, 12}.",
            ));
        }
    };
    let bot = state.premade.bot_user;
    let mut thread = state.new_channel(kind, &name, Some(parent.id));
    thread.owner_id = Some(bot);
    thread.thread_members.insert(bot);
    thread.invitable = body
        .get("invitable")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    thread.position = 0;
    state.channels.insert(thread.id, thread.clone());
    let mut rendered = render::channel(&state, &thread);
    let mut event = rendered.clone();
    event["newly_created"] = json!(true);
    inner
        .gateway
        .dispatch("THREAD_CREATE", &event, Audience::GUILDS);
    rendered["member"] = thread_member_json(thread.id, bot, thread.created_ms);
    Reply::created(rendered)
}

fn thread_member_json(thread: u64, user: u64, joined_ms: u64) -> Value {
    json!({
        "id": thread.to_string(),
        "user_id": user.to_string(),
        "join_timestamp": crate::ids::iso8601(joined_ms),
        "flags": 0,
    })
}

pub(super) fn thread_members(inner: &Inner, thread: &str) -> Result<Reply, ApiError> {
    let state = lock(&inner.state);
    let thread = find(&state, thread)?;
    if !is_thread(thread) {
        return Err(wrong_type());
    }
    Reply::ok(Value::Array(
        thread
            .thread_members
            .iter()
            .map(|u| thread_member_json(thread.id, *u, thread.created_ms))
            .collect(),
    ))
}

/// Add or remove a thread member; announced as THREAD_MEMBERS_UPDATE.
pub(super) fn thread_member(
    inner: &Inner,
    thread: &str,
    user: &str,
    add: bool,
) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    let user = id(user, "User")?;
    if !state.members.contains_key(&user) {
        return Err(ApiError::unknown("Member"));
    }
    let thread = find_mut(&mut state, thread)?;
    if !is_thread(thread) {
        return Err(wrong_type());
    }
    let changed = if add {
        thread.thread_members.insert(user)
    } else {
        thread.thread_members.remove(&user)
    };
    let thread = thread.clone();
    if changed {
        let mut event = json!({
            "id": thread.id.to_string(),
            "guild_id": thread.guild_id.map(|g| g.to_string()),
            "member_count": thread.thread_members.len().min(50),
        });
        if add {
            let mut added = thread_member_json(thread.id, user, crate::ids::now_unix_ms());
            if let Some(member) = state.members.get(&user) {
                added["member"] = render::member(&state, member);
            }
            event["added_members"] = json!([added]);
        } else {
            event["removed_member_ids"] = json!([user.to_string()]);
        }
        let audience = Audience {
            intents: intents::GUILD_MEMBERS,
            privileged_content: false,
        };
        inner
            .gateway
            .dispatch("THREAD_MEMBERS_UPDATE", &event, audience);
    }
    Ok(Reply::NoContent)
}

pub(super) fn typing(inner: &Inner, channel: &str) -> Result<Reply, ApiError> {
    find(&lock(&inner.state), channel)?;
    Ok(Reply::NoContent)
}

/// `POST /users/@me/channels {recipient_id}`: the DM channel with that user.
pub(super) fn open_dm(inner: &Inner, req: &Req) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    let recipient = snowflake(&req.body["recipient_id"])
        .filter(|id| state.users.get(id).is_some_and(|u| !u.bot))
        .ok_or_else(|| ApiError::new(StatusCode::BAD_REQUEST, 50033, "Invalid Recipient(s)"))?;
    let channel = state.dm_channel(recipient);
    Reply::ok(render::channel(&state, &channel))
}
