//! Opening a ticket from a panel: eligibility (limit, cooldown, working hours), the
//! type's required fields as a modal, the private channel or thread, the Docket ticket
//! (idempotent on the interaction id), the welcome message with Claim and Close.

use std::sync::Arc;
use std::time::Duration;

use docket_client::api::{
    PanelMode, PanelOut, PanelTopic, RequesterInput, SourceChannel, TicketCreate, TypeDetail,
};
use serde_json::{Map, Value};
use twilight_model::channel::ChannelType;
use twilight_model::channel::message::AllowedMentions;
use twilight_model::channel::permission_overwrite::{PermissionOverwrite, PermissionOverwriteType};
use twilight_model::guild::Permissions;
use twilight_model::http::interaction::InteractionResponse;
use twilight_model::id::Id;

use crate::context::{Ctx, TicketInfo};
use crate::error::{Error, Result};
use crate::ids::{self, CustomId};
use crate::interactions::{Interaction, defer, sorry};
use crate::messages::{self, Input, clip};

/// Fields the adapter fills from Discord itself, never asked in the modal.
const CONTEXT_FIELDS: [&str; 4] = ["guild_id", "channel_id", "discord_user_id", "topic"];

/// What the member and the support roles may do in a ticket channel.
pub fn member_permissions() -> Permissions {
    Permissions::VIEW_CHANNEL
        | Permissions::SEND_MESSAGES
        | Permissions::READ_MESSAGE_HISTORY
        | Permissions::ATTACH_FILES
}

/// Everything the open needs, read before answering the click.
struct Prepared {
    panel: PanelOut,
    topic: Option<PanelTopic>,
    ticket_type: TypeDetail,
}

enum Preparation {
    Ready(Box<Prepared>),
    /// Tell the member why not.
    Refused(String),
    /// The panel was deleted in Docket: its message is a dead end.
    PanelGone,
}

/// What a member reads when Docket answered too slowly to show the type's form.
const TOO_SLOW_FOR_THE_FORM: &str = "Docket took a moment too long to answer, so the ticket form could not be shown. Please press the button again.";

/// What a member pressing a deleted panel's button reads.
const PANEL_GONE: &str = "This panel has been removed, so it no longer opens tickets. Please ask the server's staff where to get help now.";

/// A click on a panel's button or menu.
pub async fn start(
    ctx: Arc<Ctx>,
    i: Interaction,
    panel: i64,
    topic: Option<String>,
) -> InteractionResponse {
    // Discord waits 3 s for the first answer, and a modal must be that answer: decide
    // within the budget, or defer and carry on without one.
    let budget = Duration::from_millis(2200);
    match tokio::time::timeout(budget, prepare(&ctx, &i, panel, topic.clone())).await {
        Ok(Ok(Preparation::Refused(text))) => messages::ephemeral(&text),
        Ok(Ok(Preparation::PanelGone)) => {
            remove_dead_panel(&ctx, &i);
            messages::ephemeral(PANEL_GONE)
        }
        Ok(Err(e)) => messages::ephemeral(&sorry(&e)),
        Ok(Ok(Preparation::Ready(p))) => {
            let inputs = modal_inputs(&p.ticket_type);
            if inputs.is_empty() {
                let token = i.token.clone();
                defer(ctx.clone(), token, true, async move {
                    open_ticket(&ctx, &i, &p, &Map::new()).await
                })
            } else {
                let title = p
                    .topic
                    .as_ref()
                    .map(|t| t.label.clone())
                    .unwrap_or_else(|| p.panel.input.title.clone());
                messages::modal(&CustomId::Form { panel, topic }, &title, &inputs)
            }
        }
        Err(_) => {
            let token = i.token.clone();
            defer(ctx.clone(), token, true, async move {
                match prepare(&ctx, &i, panel, topic).await {
                    // Too late for the form: a modal must be the first answer, and
                    // opening without the fields would only be refused.
                    Ok(Preparation::Ready(p)) if !modal_inputs(&p.ticket_type).is_empty() => {
                        TOO_SLOW_FOR_THE_FORM.into()
                    }
                    Ok(Preparation::Ready(p)) => open_ticket(&ctx, &i, &p, &Map::new()).await,
                    Ok(Preparation::Refused(text)) => text,
                    Ok(Preparation::PanelGone) => {
                        remove_dead_panel(&ctx, &i);
                        PANEL_GONE.into()
                    }
                    Err(e) => sorry(&e),
                }
            })
        }
    }
}

/// The modal of required fields, submitted.
pub fn submitted(
    ctx: Arc<Ctx>,
    i: Interaction,
    panel: i64,
    topic: Option<String>,
) -> InteractionResponse {
    let token = i.token.clone();
    defer(ctx.clone(), token, true, async move {
        // Deferred already: there is time to wait for Docket to come back.
        let mut attempt = 0;
        let prepared = loop {
            match prepare(&ctx, &i, panel, topic.clone()).await {
                Err(e) if e.is_retryable() && attempt < 3 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_secs(attempt)).await;
                }
                other => break other,
            }
        };
        match prepared {
            Ok(Preparation::Ready(p)) => {
                let values = field_values(&p.ticket_type, &i.modal_values());
                open_ticket(&ctx, &i, &p, &values).await
            }
            Ok(Preparation::Refused(text)) => text,
            // A modal's message is the panel's only when Discord says so: leave it.
            Ok(Preparation::PanelGone) => PANEL_GONE.into(),
            Err(e) => sorry(&e),
        }
    })
}

/// The panel message whose button was pressed, deleted in Discord: Docket no longer
/// knows where it was posted (the panel is gone), but the click says.
fn remove_dead_panel(ctx: &Arc<Ctx>, i: &Interaction) {
    if let (Some(channel), Some(message)) = (i.channel_id, i.message_id) {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            crate::panels::remove_message(&ctx, channel, message).await;
        });
    }
}

async fn prepare(
    ctx: &Ctx,
    i: &Interaction,
    panel_id: i64,
    topic: Option<String>,
) -> Result<Preparation> {
    let gone = || {
        Ok(Preparation::Refused(
            "This button is no longer in use.".into(),
        ))
    };
    let Some(panel) = ctx.panel(Some(panel_id)).await? else {
        return Ok(Preparation::PanelGone);
    };
    let topic = match (&topic, panel.input.topics.is_empty()) {
        (None, true) => None,
        (Some(t), false) => match panel.input.topics.iter().find(|x| &x.id == t) {
            Some(t) => Some(t.clone()),
            None => return gone(),
        },
        _ => return gone(),
    };
    let Some(slug) = topic
        .as_ref()
        .map(|t| t.ticket_type.clone())
        .or_else(|| panel.input.ticket_type.clone())
    else {
        return Ok(Preparation::Refused(
            "This panel has no ticket type set up yet; please tell the server's staff.".into(),
        ));
    };
    let eligibility = ctx
        .docket
        .panel_eligibility(panel_id, &i.user_id.to_string())
        .await?;
    if !eligibility.allowed {
        return Ok(Preparation::Refused(refusal(&eligibility)));
    }
    let ticket_type = ctx.docket.get_type(&slug).await?;
    Ok(Preparation::Ready(Box::new(Prepared {
        panel,
        topic,
        ticket_type,
    })))
}

fn refusal(e: &docket_client::api::PanelEligibility) -> String {
    let when = |fmt: char| {
        e.retry_at
            .map(|t| format!("<t:{}:{fmt}>", t.timestamp()))
            .unwrap_or_else(|| "later".into())
    };
    match e.reason.as_deref() {
        Some("limit") => {
            let open: Vec<String> = e
                .open_tickets
                .iter()
                .map(|t| match &t.channel_id {
                    Some(c) => format!("**{}** (<#{c}>)", t.key),
                    None => format!("**{}**", t.key),
                })
                .collect();
            format!(
                "You already have an open ticket: {}. Please continue there.",
                open.join(", ")
            )
        }
        Some("cooldown") => format!(
            "You opened a ticket a moment ago; you can open another {}.",
            when('R')
        ),
        Some("closed") => format!(
            "Our support team is away right now. They are back {} ({}); you can open a ticket then.",
            when('F'),
            when('R')
        ),
        other => format!(
            "You cannot open a ticket here right now ({}).",
            other.unwrap_or("not allowed")
        ),
    }
}

/// The type's required fields Discord members fill in, within the 5-input limit; the
/// rest are left for staff.
fn modal_inputs(t: &TypeDetail) -> Vec<Input> {
    let schema = &t.schema;
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut inputs = Vec::new();
    for name in required {
        let prop = &schema["properties"][name];
        let kind = prop["type"].as_str().unwrap_or("string");
        let choices: Vec<String> = prop["enum"]
            .as_array()
            .map(|e| {
                e.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        // A select menu holds 25 options; a longer list is left for staff.
        if CONTEXT_FIELDS.contains(&name)
            || prop.get("default").is_some()
            || !matches!(kind, "string" | "integer" | "number")
            || (prop.get("enum").is_some() && (choices.is_empty() || choices.len() > 25))
        {
            continue;
        }
        let max = prop["maxLength"].as_u64().map(|m| m.min(4000) as u16);
        inputs.push(Input {
            custom_id: name.to_string(),
            label: prop["title"].as_str().unwrap_or(name).to_string(),
            description: prop["description"].as_str().map(str::to_string),
            paragraph: kind == "string" && max.is_none_or(|m| m > 200),
            required: true,
            min_length: prop["minLength"].as_u64().map(|m| m.min(4000) as u16),
            max_length: max,
            choices,
        });
        if inputs.len() == messages::MAX_MODAL_INPUTS {
            break;
        }
    }
    inputs
}

/// The modal's texts as the schema's types.
fn field_values(t: &TypeDetail, values: &[(String, String)]) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, text) in values {
        let prop = &t.schema["properties"][name.as_str()];
        if prop.is_null() || CONTEXT_FIELDS.contains(&name.as_str()) {
            continue;
        }
        let text = text.trim();
        let value = match prop["type"].as_str() {
            Some("integer") => text.parse::<i64>().map(Value::from).ok(),
            Some("number") => text.parse::<f64>().ok().map(Value::from),
            _ => None,
        }
        .unwrap_or_else(|| Value::String(text.to_string()));
        out.insert(name.clone(), value);
    }
    out
}

/// Discord's channel names: lower case, no spaces.
fn channel_name(user: &str) -> String {
    let mut name: String = user
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    name.truncate(80);
    let name = name.trim_matches('-');
    format!("ticket-{}", if name.is_empty() { "member" } else { name })
}

/// Create the channel (or thread) and the ticket; the answer the member reads.
async fn open_ticket(
    ctx: &Ctx,
    i: &Interaction,
    p: &Prepared,
    values: &Map<String, Value>,
) -> String {
    let channel = match create_channel(ctx, i, &p.panel).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "cannot create the ticket channel");
            return "I could not create your ticket channel (missing permissions?). Please tell the server's staff.".into();
        }
    };
    ctx.set_pending(channel);
    let ticket = match create_ticket(ctx, i, p, channel, values).await {
        Ok(t) => t,
        Err(e) => {
            // Nothing to keep: the channel without a ticket would be a dead end.
            ctx.forget_channel(channel);
            if let Err(d) = ctx.discord.delete_channel(Id::new(channel)).await {
                tracing::warn!(error = %d, channel, "cannot delete the channel of a failed open");
            }
            return match &e {
                Error::Docket(c) if c.is_invalid() => {
                    let problems: Vec<String> = c
                        .field_errors()
                        .iter()
                        .map(|f| {
                            format!(
                                "{}: {}",
                                f.pointer.trim_start_matches("/fields/"),
                                f.message
                            )
                        })
                        .collect();
                    format!(
                        "Your ticket could not be opened: {}",
                        if problems.is_empty() {
                            c.to_string()
                        } else {
                            problems.join("; ")
                        }
                    )
                }
                _ => format!("Your ticket could not be opened. {}", sorry(&e)),
            };
        }
    };
    let info = TicketInfo::of(&ticket).unwrap_or(TicketInfo {
        key: ticket.key.clone(),
        channel_id: channel,
        requester_discord_id: Some(i.user_id.to_string()),
        panel: Some(p.panel.id),
        closed: false,
    });
    ctx.remember(info);
    let history = match ticket.requester.as_ref() {
        Some(r) => ctx
            .docket
            .requester_card(r.id, Some(&ticket.key))
            .await
            .map(|card| !card.previous.is_empty() || !card.notes.is_empty())
            .unwrap_or(false),
        None => false,
    };
    if let Err(e) = welcome(ctx, i, &p.panel, channel, &ticket.key, history).await {
        tracing::warn!(error = %e, key = %ticket.key, "cannot post the welcome message");
    }
    format!("Your ticket **{}** is open: <#{channel}>", ticket.key)
}

async fn create_channel(ctx: &Ctx, i: &Interaction, panel: &PanelOut) -> Result<u64> {
    let guild =
        Id::new(panel.input.guild_id.parse().map_err(|_| {
            Error::Config(format!("panel {}: guild id is not a snowflake", panel.id))
        })?);
    let name = channel_name(&i.user_name);
    let support: Vec<u64> = panel
        .input
        .support_roles
        .iter()
        .filter_map(|r| r.role_id.parse().ok())
        .collect();
    match panel.input.mode {
        PanelMode::Channel => {
            let mut overwrites = vec![
                PermissionOverwrite {
                    allow: Permissions::empty(),
                    deny: Permissions::VIEW_CHANNEL,
                    id: guild.cast(),
                    kind: PermissionOverwriteType::Role,
                },
                PermissionOverwrite {
                    allow: member_permissions(),
                    deny: Permissions::empty(),
                    id: Id::new(i.user_id),
                    kind: PermissionOverwriteType::Member,
                },
                PermissionOverwrite {
                    allow: member_permissions()
                        | Permissions::MANAGE_CHANNELS
                        | Permissions::MANAGE_ROLES
                        | Permissions::MANAGE_MESSAGES,
                    deny: Permissions::empty(),
                    id: ctx.bot_id.cast(),
                    kind: PermissionOverwriteType::Member,
                },
            ];
            for role in &support {
                overwrites.push(PermissionOverwrite {
                    allow: member_permissions(),
                    deny: Permissions::empty(),
                    id: Id::new(*role),
                    kind: PermissionOverwriteType::Role,
                });
            }
            let topic = format!("Support ticket of {}", i.user_name);
            let mut request = ctx
                .discord
                .create_guild_channel(guild, &name)
                .kind(ChannelType::GuildText)
                .topic(&topic)
                .permission_overwrites(&overwrites);
            if let Some(category) = panel
                .input
                .category_id
                .as_deref()
                .and_then(|c| c.parse().ok())
            {
                request = request.parent_id(Id::new(category));
            }
            Ok(request.await?.model().await?.id.get())
        }
        PanelMode::Thread => {
            let parent = Id::new(panel.input.channel_id.parse().map_err(|_| {
                Error::Config(format!("panel {}: channel id is not a snowflake", panel.id))
            })?);
            let thread = ctx
                .discord
                .create_thread(parent, &name, ChannelType::PrivateThread)
                .invitable(false)
                .await?
                .model()
                .await?;
            ctx.discord
                .add_thread_member(thread.id, Id::new(i.user_id))
                .await?;
            // Private threads take people, not roles: add the support roles' members.
            if !support.is_empty() {
                let members = ctx
                    .discord
                    .guild_members(guild)
                    .limit(1000)
                    .await?
                    .models()
                    .await?;
                for m in members {
                    if m.roles.iter().any(|r| support.contains(&r.get())) && !m.user.bot {
                        let _ = ctx.discord.add_thread_member(thread.id, m.user.id).await;
                    }
                }
            }
            Ok(thread.id.get())
        }
    }
}

async fn create_ticket(
    ctx: &Ctx,
    i: &Interaction,
    p: &Prepared,
    channel: u64,
    values: &Map<String, Value>,
) -> Result<docket_client::api::TicketOut> {
    let schema = &p.ticket_type.schema;
    let has = |name: &str| !schema["properties"][name].is_null();
    let mut fields = values.clone();
    for (name, value) in [
        ("guild_id", p.panel.input.guild_id.clone()),
        ("channel_id", channel.to_string()),
        ("discord_user_id", i.user_id.to_string()),
    ] {
        if has(name) {
            fields.insert(name.into(), Value::String(value));
        }
    }
    if let Some(t) = &p.topic
        && has("topic")
    {
        let allowed = schema["properties"]["topic"]["enum"]
            .as_array()
            .is_none_or(|e| e.iter().any(|v| v.as_str() == Some(&t.id)));
        if allowed {
            fields.insert("topic".into(), Value::String(t.id.clone()));
        }
    }
    let label = p
        .topic
        .as_ref()
        .map(|t| t.label.clone())
        .unwrap_or_else(|| p.panel.input.title.clone());
    let body = ["details", "description", "body"]
        .iter()
        .find_map(|k| values.get(*k).and_then(Value::as_str))
        .map(str::to_string)
        .unwrap_or_else(|| format!("Opened from the Discord panel “{}”.", p.panel.input.name));
    let ticket = TicketCreate {
        type_slug: p.ticket_type.summary.slug.clone(),
        title: clip(&format!("{label} ({})", i.user_name), 200),
        body,
        status: None,
        priority: None,
        requester: Some(RequesterInput {
            name: Some(i.user_name.clone()),
            discord_id: Some(i.user_id.to_string()),
            discord_name: Some(i.user_name.clone()),
            ..RequesterInput::default()
        }),
        assignee_id: None,
        team: p
            .panel
            .input
            .support_roles
            .iter()
            .find_map(|r| r.team.clone()),
        source: Some(SourceChannel::Discord),
        source_ref: Some(channel.to_string()),
        tags: vec![ids::panel_tag(p.panel.id)],
        fields,
    };
    // Keyed on the interaction: however often this is retried, one ticket.
    let key = format!("discord-open-{}", i.id);
    let mut attempt = 0u32;
    loop {
        match ctx.docket.create_ticket_with_key(&ticket, &key).await {
            Ok(created) => return Ok(created.value),
            // The client's own retries are spent; Docket may be restarting. A few more,
            // spaced out, before giving up on the member's click.
            Err(e) if e.is_retryable() && attempt < 3 => {
                attempt += 1;
                tokio::time::sleep(Duration::from_secs(u64::from(attempt))).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

async fn welcome(
    ctx: &Ctx,
    i: &Interaction,
    panel: &PanelOut,
    channel: u64,
    key: &str,
    history: bool,
) -> Result<()> {
    let template = if panel.input.welcome_message.trim().is_empty() {
        "Hi {user}, thanks for reaching out! Staff will be with you shortly. Your ticket is **{ticket}**."
    } else {
        &panel.input.welcome_message
    };
    let mut text = template
        .replace("{user}", &format!("<@{}>", i.user_id))
        .replace("{ticket}", key);
    let mut mentions = AllowedMentions {
        users: vec![Id::new(i.user_id)],
        ..AllowedMentions::default()
    };
    if let Some(role) = panel
        .input
        .ping_role_id
        .as_deref()
        .and_then(|r| r.parse::<u64>().ok())
    {
        text = format!("<@&{role}> {text}");
        mentions.roles.push(Id::new(role));
    }
    let text = clip(&text, messages::MAX_CONTENT);
    let components = messages::ticket_buttons(key, history);
    ctx.discord
        .create_message(Id::new(channel))
        .content(&text)
        .allowed_mentions(Some(&mentions))
        .components(&components)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_are_discord_shaped() {
        assert_eq!(channel_name("Alice B."), "ticket-alice-b");
        assert_eq!(channel_name("!!!"), "ticket-member");
    }
}
