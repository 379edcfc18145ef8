//! Discord API v10 JSON for the fake's records: snowflakes as strings, permissions as
//! decimal strings, timestamps in Discord's ISO form, and every field twilight-model
//! requires present (tests deserialize these into twilight's types).

use serde_json::{Value, json};

use crate::ids::{iso8601, snowflake_unix_ms};
use crate::state::{Attachment, Channel, Member, Message, Role, State, User, channel_type};

pub(crate) fn user(user: &User) -> Value {
    json!({
        "id": user.id.to_string(),
        "username": user.name,
        "global_name": if user.bot { Value::Null } else { Value::String(user.name.clone()) },
        "discriminator": "0",
        "avatar": null,
        "avatar_decoration_data": null,
        "banner": null,
        "accent_color": null,
        "bot": user.bot,
        "public_flags": 0,
        "flags": 0,
    })
}

/// `GET /users/@me`: the bot, with the fields only the current user has.
pub(crate) fn current_user(state: &State) -> Value {
    let mut value = user_by_id(state, state.premade.bot_user);
    value["mfa_enabled"] = json!(false);
    value["verified"] = json!(true);
    value["locale"] = json!("en-US");
    value
}

pub(crate) fn user_by_id(state: &State, id: u64) -> Value {
    match state.users.get(&id) {
        Some(u) => user(u),
        None => user(&User {
            id,
            name: format!("user-{id}"),
            bot: false,
        }),
    }
}

pub(crate) fn member(state: &State, member: &Member) -> Value {
    let mut value = member_without_user(member);
    value["user"] = user_by_id(state, member.user_id);
    value
}

/// The member object as it appears next to an author or in `resolved`: no `user`.
pub(crate) fn member_without_user(member: &Member) -> Value {
    json!({
        "roles": member.roles.iter().map(u64::to_string).collect::<Vec<_>>(),
        "nick": member.nick,
        "avatar": null,
        "banner": null,
        "joined_at": iso8601(member.joined_at_ms),
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
    })
}

pub(crate) fn role(role: &Role) -> Value {
    json!({
        "id": role.id.to_string(),
        "name": role.name,
        "color": 0,
        "colors": { "primary_color": 0, "secondary_color": null, "tertiary_color": null },
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": role.position,
        "permissions": role.permissions.to_string(),
        "managed": false,
        "mentionable": false,
        "flags": 0,
    })
}

pub(crate) fn channel(state: &State, channel: &Channel) -> Value {
    let mut value = json!({
        "id": channel.id.to_string(),
        "type": channel.kind,
        "last_message_id": channel.last_message_id.map(|id| id.to_string()),
        "flags": 0,
    });
    if let Some(guild) = channel.guild_id {
        value["guild_id"] = json!(guild.to_string());
        value["name"] = json!(channel.name);
        value["position"] = json!(channel.position);
        value["parent_id"] = json!(channel.parent_id.map(|id| id.to_string()));
        value["nsfw"] = json!(false);
    }
    match channel.kind {
        channel_type::GUILD_TEXT => {
            value["topic"] = json!(channel.topic);
            value["rate_limit_per_user"] = json!(0);
            value["permission_overwrites"] = overwrites(channel);
        }
        channel_type::GUILD_CATEGORY => {
            value["permission_overwrites"] = overwrites(channel);
        }
        channel_type::PUBLIC_THREAD | channel_type::PRIVATE_THREAD => {
            value["owner_id"] = json!(channel.owner_id.map(|id| id.to_string()));
            value["rate_limit_per_user"] = json!(0);
            let count = state.listed_messages(channel.id).len();
            value["message_count"] = json!(count);
            value["total_message_sent"] = json!(count);
            value["member_count"] = json!(channel.thread_members.len().min(50));
            value["thread_metadata"] = json!({
                "archived": channel.archived,
                "auto_archive_duration": 10080,
                "archive_timestamp": iso8601(channel.created_ms),
                "locked": channel.locked,
                "invitable": channel.invitable,
                "create_timestamp": iso8601(channel.created_ms),
            });
        }
        channel_type::DM => {
            value["recipients"] = Value::Array(
                channel
                    .recipients
                    .iter()
                    .map(|id| user_by_id(state, *id))
                    .collect(),
            );
        }
        _ => {}
    }
    value
}

fn overwrites(channel: &Channel) -> Value {
    Value::Array(
        channel
            .overwrites
            .iter()
            .map(|o| {
                json!({
                    "id": o.id.to_string(),
                    "type": o.kind,
                    "allow": o.allow.to_string(),
                    "deny": o.deny.to_string(),
                })
            })
            .collect(),
    )
}

pub(crate) fn attachment(attachment: &Attachment) -> Value {
    json!({
        "id": attachment.id.to_string(),
        "filename": attachment.filename,
        "description": attachment.description,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": attachment.url,
        "proxy_url": attachment.url,
    })
}

/// A message as the REST API answers it (no `guild_id`/`member`: the gateway adds them).
pub(crate) fn message(state: &State, message: &Message) -> Value {
    let mut value = json!({
        "id": message.id.to_string(),
        "channel_id": message.channel_id.to_string(),
        "type": if message.message_reference.is_some() { 19 } else { 0 },
        "author": user_by_id(state, message.author_id),
        "content": message.content,
        "timestamp": iso8601(snowflake_unix_ms(message.id)),
        "edited_timestamp": message.edited_ms.map(iso8601),
        "tts": false,
        "mention_everyone": false,
        "mentions": mentions(state, &message.content),
        "mention_roles": [],
        "attachments": message.attachments.iter().map(attachment).collect::<Vec<_>>(),
        "embeds": message.embeds,
        "components": message.components,
        "pinned": false,
        "flags": message.flags,
    });
    if let Some(webhook) = message.webhook_id {
        value["webhook_id"] = json!(webhook.to_string());
        value["application_id"] = json!(webhook.to_string());
    }
    if let Some(reference) = &message.message_reference {
        value["message_reference"] = reference.clone();
    }
    value
}

/// Users mentioned as `<@id>` or `<@!id>` in the content.
fn mentions(state: &State, content: &str) -> Value {
    let mut found = Vec::new();
    let mut rest = content;
    while let Some(start) = rest.find("<@") {
        rest = &rest[start + 2..];
        let digits = rest.trim_start_matches('!');
        let end = digits.find('>').unwrap_or(0);
        if let Ok(id) = digits[..end].parse::<u64>()
            && !found.contains(&id)
        {
            found.push(id);
        }
    }
    Value::Array(found.into_iter().map(|id| user_by_id(state, id)).collect())
}

/// A message as the gateway dispatches it: with `guild_id` and the author's `member`.
pub(crate) fn message_event(state: &State, message: &Message) -> Value {
    let mut value = self::message(state, message);
    if let Some(guild) = state
        .channels
        .get(&message.channel_id)
        .and_then(|c| c.guild_id)
    {
        value["guild_id"] = json!(guild.to_string());
        if let Some(member) = state.members.get(&message.author_id) {
            value["member"] = member_without_user(member);
        }
    }
    value
}

/// The full guild of GUILD_CREATE (and `GET /guilds/{id}`).
pub(crate) fn guild(state: &State, with_gateway_fields: bool) -> Value {
    let p = &state.premade;
    let mut value = json!({
        "id": p.guild.to_string(),
        "name": state.guild_name,
        "icon": null,
        "splash": null,
        "discovery_splash": null,
        "banner": null,
        "description": null,
        "owner_id": p.carol.to_string(),
        "application_id": null,
        "afk_channel_id": null,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_progress_bar_enabled": false,
        "preferred_locale": "en-US",
        "features": [],
        "emojis": [],
        "stickers": [],
        "roles": state.roles.values().map(role).collect::<Vec<_>>(),
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "public_updates_channel_id": null,
        "safety_alerts_channel_id": null,
        "vanity_url_code": null,
        "max_members": 500000,
    });
    if with_gateway_fields {
        let (threads, channels): (Vec<_>, Vec<_>) = state
            .channels
            .values()
            .filter(|c| c.guild_id.is_some())
            .partition(|c| {
                matches!(
                    c.kind,
                    channel_type::PUBLIC_THREAD | channel_type::PRIVATE_THREAD
                )
            });
        value["joined_at"] = json!(iso8601(snowflake_unix_ms(p.guild)));
        value["large"] = json!(false);
        value["unavailable"] = json!(false);
        value["member_count"] = json!(state.members.len());
        value["members"] = Value::Array(state.members.values().map(|m| member(state, m)).collect());
        value["channels"] = Value::Array(channels.into_iter().map(|c| channel(state, c)).collect());
        value["threads"] = Value::Array(
            threads
                .into_iter()
                .filter(|c| !c.archived)
                .map(|c| channel(state, c))
                .collect(),
        );
        value["voice_states"] = json!([]);
        value["presences"] = json!([]);
        value["stage_instances"] = json!([]);
        value["guild_scheduled_events"] = json!([]);
        value["soundboard_sounds"] = json!([]);
    }
    value
}
