//! The guild and who is in it: users, members, roles; plus `GET /gateway/bot` and the
//! application, which a client asks for at start-up.

use serde_json::{Value, json};

use super::{ApiError, Reply, id};
use crate::gateway::Audience;
use crate::state::State;
use crate::{Inner, lock, render};

pub(crate) fn check_guild(state: &State, segment: &str) -> Result<(), ApiError> {
    if id(segment, "Guild")? == state.premade.guild {
        Ok(())
    } else {
        Err(ApiError::unknown("Guild"))
    }
}

pub(super) fn gateway(inner: &Inner, bot: bool) -> Result<Reply, ApiError> {
    let mut value = json!({ "url": inner.gateway_url() });
    if bot {
        value["shards"] = json!(1);
        value["session_start_limit"] = json!({
            "total": 1000,
            "remaining": 999,
            "reset_after": 14_400_000,
            "max_concurrency": 1,
        });
    }
    Reply::ok(value)
}

pub(super) fn current_user(inner: &Inner) -> Result<Reply, ApiError> {
    Reply::ok(render::current_user(&lock(&inner.state)))
}

pub(super) fn user(inner: &Inner, user: &str) -> Result<Reply, ApiError> {
    let state = lock(&inner.state);
    let user = state
        .users
        .get(&id(user, "User")?)
        .ok_or_else(|| ApiError::unknown("User"))?;
    Reply::ok(render::user(user))
}

pub(super) fn application(inner: &Inner) -> Result<Reply, ApiError> {
    let state = lock(&inner.state);
    let p = state.premade;
    Reply::ok(json!({
        "id": p.application.to_string(),
        "name": "Docket",
        "icon": null,
        "description": "",
        "bot_public": false,
        "bot_require_code_grant": false,
        "verify_key": inner.signer.public_key_hex(),
        "flags": 0,
        "team": null,
        "owner": render::user_by_id(&state, p.carol),
        "bot": render::user_by_id(&state, p.bot_user),
    }))
}

pub(super) fn guild(inner: &Inner, guild: &str) -> Result<Reply, ApiError> {
    let state = lock(&inner.state);
    check_guild(&state, guild)?;
    Reply::ok(render::guild(&state, false))
}

pub(super) fn roles(inner: &Inner, guild: &str) -> Result<Reply, ApiError> {
    let state = lock(&inner.state);
    check_guild(&state, guild)?;
    Reply::ok(Value::Array(
        state.roles.values().map(render::role).collect(),
    ))
}

pub(super) fn members(inner: &Inner, guild: &str, req: &super::Req) -> Result<Reply, ApiError> {
    let state = lock(&inner.state);
    check_guild(&state, guild)?;
    let limit = req.query_u64("limit").unwrap_or(1).clamp(1, 1000) as usize;
    let after = req.query_u64("after").unwrap_or(0);
    Reply::ok(Value::Array(
        state
            .members
            .range(after + 1..)
            .take(limit)
            .map(|(_, m)| render::member(&state, m))
            .collect(),
    ))
}

pub(super) fn member(inner: &Inner, guild: &str, user: &str) -> Result<Reply, ApiError> {
    let state = lock(&inner.state);
    check_guild(&state, guild)?;
    let member = state
        .members
        .get(&id(user, "User")?)
        .ok_or_else(|| ApiError::unknown("Member"))?;
    Reply::ok(render::member(&state, member))
}

/// `PUT`/`DELETE /guilds/{g}/members/{u}/roles/{r}`, announced as GUILD_MEMBER_UPDATE.
pub(super) fn member_role(
    inner: &Inner,
    guild: &str,
    user: &str,
    role: &str,
    add: bool,
) -> Result<Reply, ApiError> {
    let mut state = lock(&inner.state);
    check_guild(&state, guild)?;
    let role = id(role, "Role")?;
    if !state.roles.contains_key(&role) {
        return Err(ApiError::unknown("Role"));
    }
    let user = id(user, "User")?;
    let member = state
        .members
        .get_mut(&user)
        .ok_or_else(|| ApiError::unknown("Member"))?;
    member.roles.retain(|r| *r != role);
    if add {
        member.roles.push(role);
    }
    let member = member.clone();
    let mut event = render::member(&state, &member);
    event["guild_id"] = json!(state.premade.guild.to_string());
    let audience = Audience {
        intents: crate::gateway::intents::GUILD_MEMBERS,
        privileged_content: false,
    };
    inner
        .gateway
        .dispatch("GUILD_MEMBER_UPDATE", &event, audience);
    Ok(Reply::NoContent)
}
