//! Interactions as Discord posts them to an app's endpoint, for a test to post to the
//! adapter: PING, button and select clicks, modal submits and `/ticket add|remove user`.
//!
//! Building one through the fake registers its token, so the adapter's answer
//! (callback, `@original`, follow-ups) reaches the fake's webhook routes and is
//! recorded. Post [`Interaction::body`] with [`Interaction::signed_headers`].
//!
//! The builders are test helpers: they panic on an unknown channel, member or message.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};

use crate::signer::InteractionSigner;
use crate::state::{IssuedInteraction, State};
use crate::{FakeDiscord, lock, render};

/// Interaction types (Discord's numbers).
pub mod interaction_type {
    pub const PING: u64 = 1;
    pub const APPLICATION_COMMAND: u64 = 2;
    pub const MESSAGE_COMPONENT: u64 = 3;
    pub const MODAL_SUBMIT: u64 = 5;
}

/// One interaction, ready to post.
#[derive(Debug, Clone)]
pub struct Interaction {
    pub id: u64,
    /// The interaction token: the fake's webhook routes accept it.
    pub token: String,
    pub json: Value,
}

impl Interaction {
    /// The exact bytes to post (and to sign).
    pub fn body(&self) -> Vec<u8> {
        serde_json::to_vec(&self.json).expect("JSON value serialises")
    }

    /// `X-Signature-Ed25519` and `X-Signature-Timestamp` for [`Interaction::body`].
    pub fn signed_headers(&self, signer: &InteractionSigner) -> [(&'static str, String); 2] {
        signer.headers(&self.body())
    }
}

impl FakeDiscord {
    /// PING (type 1): what Discord sends when the endpoint URL is saved; the answer must
    /// be `{"type": 1}`.
    pub fn ping_interaction(&self) -> Interaction {
        let mut state = lock(&self.inner.state);
        let (id, token, json) = base(&mut state, interaction_type::PING, None, None);
        Interaction { id, token, json }
    }

    /// A click on button `custom_id` of `message` in `channel` by `user`.
    pub fn button_interaction(
        &self,
        channel: u64,
        user: u64,
        message: u64,
        custom_id: &str,
    ) -> Interaction {
        let data = json!({ "custom_id": custom_id, "component_type": 2 });
        self.component(channel, user, message, data)
    }

    /// A choice in string select `custom_id` (component type 3).
    pub fn select_interaction(
        &self,
        channel: u64,
        user: u64,
        message: u64,
        custom_id: &str,
        values: &[&str],
    ) -> Interaction {
        let data = json!({ "custom_id": custom_id, "component_type": 3, "values": values });
        self.component(channel, user, message, data)
    }

    fn component(&self, channel: u64, user: u64, message: u64, data: Value) -> Interaction {
        let mut state = lock(&self.inner.state);
        let (id, token, mut json) = base(
            &mut state,
            interaction_type::MESSAGE_COMPONENT,
            Some(channel),
            Some(message),
        );
        in_guild(&state, &mut json, channel, user);
        let on = state
            .message(channel, message)
            .unwrap_or_else(|| panic!("no message {message} in channel {channel}"));
        let mut rendered = render::message(&state, on);
        if on.ephemeral {
            rendered["flags"] = json!(on.flags | 64);
        }
        json["message"] = rendered;
        json["data"] = data;
        Interaction { id, token, json }
    }

    /// A submitted modal `custom_id` whose text inputs hold `fields` (custom id, value),
    /// one action row each, as Discord sends them.
    pub fn modal_submit_interaction(
        &self,
        channel: u64,
        user: u64,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> Interaction {
        let mut state = lock(&self.inner.state);
        let (id, token, mut json) = base(
            &mut state,
            interaction_type::MODAL_SUBMIT,
            Some(channel),
            None,
        );
        in_guild(&state, &mut json, channel, user);
        let rows: Vec<Value> = fields
            .iter()
            .enumerate()
            .map(|(i, (field, value))| {
                json!({
                    "type": 1,
                    "id": 2 * i + 1,
                    "components": [{ "type": 4, "id": 2 * i + 2, "custom_id": field, "value": value }],
                })
            })
            .collect();
        json["data"] = json!({ "custom_id": custom_id, "components": rows });
        Interaction { id, token, json }
    }

    /// `/ticket add user:<target>` or `/ticket remove user:<target>` (`subcommand` is
    /// `"add"` or `"remove"`), with the target resolved as Discord resolves it. Uses the
    /// id of a registered `ticket` command when there is one.
    pub fn ticket_command_interaction(
        &self,
        channel: u64,
        user: u64,
        subcommand: &str,
        target: u64,
    ) -> Interaction {
        let mut state = lock(&self.inner.state);
        let (id, token, mut json) = base(
            &mut state,
            interaction_type::APPLICATION_COMMAND,
            Some(channel),
            None,
        );
        in_guild(&state, &mut json, channel, user);
        let registered = state
            .guild_commands
            .iter()
            .chain(&state.global_commands)
            .find(|c| c["name"] == "ticket")
            .and_then(|c| crate::rest::snowflake(&c["id"]));
        let command_id = registered.unwrap_or_else(|| state.ids.next());
        let mut users = Map::new();
        users.insert(target.to_string(), render::user_by_id(&state, target));
        let mut members = Map::new();
        if let Some(member) = state.members.get(&target) {
            let mut value = render::member_without_user(member);
            value["permissions"] = json!(state.member_permissions(target).to_string());
            members.insert(target.to_string(), value);
        }
        json["data"] = json!({
            "id": command_id.to_string(),
            "name": "ticket",
            "type": 1,
            "guild_id": state.premade.guild.to_string(),
            "options": [{
                "name": subcommand,
                "type": 1,
                "options": [{ "name": "user", "type": 6, "value": target.to_string() }],
            }],
            "resolved": { "users": users, "members": members },
        });
        Interaction { id, token, json }
    }
}

/// Fields every interaction has; registers the token.
fn base(
    state: &mut State,
    kind: u64,
    channel: Option<u64>,
    message: Option<u64>,
) -> (u64, String, Value) {
    let id = state.ids.next();
    let token = format!(
        "aW50ZXJhY3Rpb246{}",
        URL_SAFE_NO_PAD.encode(format!(
            "{id}:docket-fake-discord:{}",
            id.wrapping_mul(0x9e37_79b9_7f4a_7c15)
        ))
    );
    state.interactions.insert(
        token.clone(),
        IssuedInteraction {
            id,
            kind,
            channel_id: channel,
            message_id: message,
            callback: None,
            original: None,
            followups: Vec::new(),
        },
    );
    let json = json!({
        "id": id.to_string(),
        "application_id": state.premade.application.to_string(),
        "type": kind,
        "token": token,
        "version": 1,
        "entitlements": [],
        "authorizing_integration_owners": {},
        "attachment_size_limit": 10_485_760,
    });
    (id, token, json)
}

/// Guild, channel and member fields of an interaction from `user` in `channel`.
fn in_guild(state: &State, json: &mut Value, channel: u64, user: u64) {
    let p = &state.premade;
    let channel_value = state
        .channels
        .get(&channel)
        .map(|c| render::channel(state, c))
        .unwrap_or_else(|| panic!("no channel {channel}"));
    let member = state
        .members
        .get(&user)
        .unwrap_or_else(|| panic!("user {user} is not a member"));
    let mut member = render::member(state, member);
    member["permissions"] = json!(state.member_permissions(user).to_string());
    json["guild_id"] = json!(p.guild.to_string());
    json["guild"] = json!({ "id": p.guild.to_string(), "locale": "en-US", "features": [] });
    json["channel_id"] = json!(channel.to_string());
    json["channel"] = channel_value;
    json["member"] = member;
    json["app_permissions"] = json!(state.member_permissions(p.bot_user).to_string());
    json["locale"] = json!("en-US");
    json["guild_locale"] = json!("en-US");
    json["authorizing_integration_owners"] = json!({ "0": p.guild.to_string() });
    json["context"] = json!(0);
}
