//! Slash commands: `/ticket add|remove <user>` and `/ticket close-request` (support
//! roles), `/docket link` (anyone: a code to link their Discord account in Docket's web
//! UI). Registered per guild (bulk overwrite) for the guilds panels are in.

use std::sync::Arc;

use docket_client::api::DiscordLinkRequest;
use twilight_model::application::command::{Command, CommandType};
use twilight_model::guild::Permissions;
use twilight_model::http::interaction::InteractionResponse;
use twilight_model::http::permission_overwrite::{PermissionOverwrite, PermissionOverwriteType};
use twilight_model::id::Id;
use twilight_util::builder::command::{CommandBuilder, SubCommandBuilder, UserBuilder};

use crate::context::{Ctx, is_support};
use crate::error::Result;
use crate::interactions::{Interaction, defer, sorry};
use crate::messages;

pub fn command_definitions() -> Vec<Command> {
    vec![
        CommandBuilder::new(
            "ticket",
            "Manage this support ticket",
            CommandType::ChatInput,
        )
        .option(
            SubCommandBuilder::new("add", "Add someone to this ticket")
                .option(UserBuilder::new("user", "Who to add").required(true)),
        )
        .option(
            SubCommandBuilder::new("remove", "Remove someone from this ticket")
                .option(UserBuilder::new("user", "Who to remove").required(true)),
        )
        .option(SubCommandBuilder::new(
            "close-request",
            "Ask the member to confirm that this ticket can be closed",
        ))
        .build(),
        CommandBuilder::new("docket", "Docket helpdesk", CommandType::ChatInput)
            .option(SubCommandBuilder::new(
                "link",
                "Link your Discord account to your Docket user (staff)",
            ))
            .build(),
    ]
}

pub async fn handle(ctx: Arc<Ctx>, i: Interaction) -> InteractionResponse {
    let name = i.data["name"].as_str().unwrap_or("").to_string();
    let sub = i.data["options"][0]["name"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let target = i.data["options"][0]["options"][0]["value"]
        .as_str()
        .and_then(|v| v.parse::<u64>().ok());
    let token = i.token.clone();
    let c = ctx.clone();
    match (name.as_str(), sub.as_str()) {
        ("docket", "link") => defer(ctx, token, true, async move {
            link(&c, &i).await.unwrap_or_else(|e| sorry(&e))
        }),
        ("ticket", "add" | "remove") => match target {
            None => messages::ephemeral("Name a member."),
            Some(user) => defer(ctx, token, false, async move {
                add_remove(&c, &i, user, sub == "add")
                    .await
                    .unwrap_or_else(|e| sorry(&e))
            }),
        },
        ("ticket", "close-request") => defer(ctx, token, false, async move {
            close_request(&c, &i).await.unwrap_or_else(|e| sorry(&e))
        }),
        _ => messages::ephemeral("This command is no longer in use."),
    }
}

async fn link(ctx: &Ctx, i: &Interaction) -> Result<String> {
    let code = ctx
        .docket
        .create_link_code(&DiscordLinkRequest {
            discord_id: i.user_id.to_string(),
            discord_name: Some(i.user_name.clone()),
        })
        .await?;
    Ok(format!(
        "Your link code is **{}** (valid until <t:{}:t>). Sign in to Docket at {} and enter it under your profile → Discord.",
        code.code,
        code.expires_at.timestamp(),
        ctx.web_url()
    ))
}

/// The ticket of the channel the command was used in, if the user is its staff.
async fn staff_ticket(
    ctx: &Ctx,
    i: &Interaction,
) -> Result<Result<(crate::context::TicketInfo, docket_client::api::PanelOut), String>> {
    let Some(channel) = i.channel_id else {
        return Ok(Err("Use this in a ticket channel.".into()));
    };
    let Some(info) = ctx.ticket_for_channel(channel).await? else {
        return Ok(Err("This is not a ticket channel.".into()));
    };
    let Some(panel) = ctx.panel(info.panel).await? else {
        return Ok(Err("This ticket's panel no longer exists.".into()));
    };
    if !is_support(&panel, &i.roles) {
        return Ok(Err("Only the support team can do this.".into()));
    }
    Ok(Ok((info, panel)))
}

async fn add_remove(ctx: &Ctx, i: &Interaction, user: u64, add: bool) -> Result<String> {
    let (info, panel) = match staff_ticket(ctx, i).await? {
        Ok(x) => x,
        Err(text) => return Ok(text),
    };
    let channel = Id::new(info.channel_id);
    match (panel.input.mode, add) {
        (docket_client::api::PanelMode::Thread, true) => {
            ctx.discord
                .add_thread_member(channel, Id::new(user))
                .await?;
        }
        (docket_client::api::PanelMode::Thread, false) => {
            ctx.discord
                .remove_thread_member(channel, Id::new(user))
                .await?;
        }
        (docket_client::api::PanelMode::Channel, true) => {
            let overwrite = PermissionOverwrite {
                allow: Some(crate::open::member_permissions()),
                deny: None,
                id: Id::new(user),
                kind: PermissionOverwriteType::Member,
            };
            ctx.discord
                .update_channel_permission(channel, &overwrite)
                .await?;
        }
        (docket_client::api::PanelMode::Channel, false) => {
            // An explicit deny, so a role they hold cannot let them back in.
            let overwrite = PermissionOverwrite {
                allow: None,
                deny: Some(Permissions::VIEW_CHANNEL),
                id: Id::new(user),
                kind: PermissionOverwriteType::Member,
            };
            ctx.discord
                .update_channel_permission(channel, &overwrite)
                .await?;
        }
    }
    Ok(if add {
        format!("<@{user}> was added to this ticket.")
    } else {
        format!("<@{user}> was removed from this ticket.")
    })
}

async fn close_request(ctx: &Ctx, i: &Interaction) -> Result<String> {
    let (info, _) = match staff_ticket(ctx, i).await? {
        Ok(x) => x,
        Err(text) => return Ok(text),
    };
    let components = messages::close_confirm_buttons(&info.key);
    let who = info
        .requester_discord_id
        .as_deref()
        .map(|id| format!("<@{id}>, "))
        .unwrap_or_default();
    let text = format!(
        "{who}<@{}> thinks this ticket can be closed. If your issue is solved, please confirm below.",
        i.user_id
    );
    ctx.discord
        .create_message(Id::new(info.channel_id))
        .content(&text)
        .components(&components)
        .await?;
    Ok("Close request sent.".into())
}
