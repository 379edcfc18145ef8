//! Panel deploys: Docket records an admin's request (`deploy_requested_at`); this loop
//! notices it, posts the panel (or edits the message it posted before, if that still
//! exists) and records where (`PUT /discord/panels/{id}/deployment`). It also keeps the
//! slash commands registered in every guild a panel is in. A panel deleted in Docket
//! takes its posted message with it: the loop remembers where the panels it saw were
//! posted and deletes the message of one that is no longer listed. (One deleted while
//! the adapter was away is found when its button is pressed: `open`.)

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::Utc;
use docket_client::api::{PanelDeployment, PanelOut};
use tokio::sync::watch;
use twilight_model::id::Id;

use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::interactions::command_definitions;
use crate::messages;

/// Where each panel seen is posted: (channel, message).
type Posted = HashMap<i64, (u64, u64)>;

pub async fn run(ctx: Arc<Ctx>, mut stop: watch::Receiver<bool>) {
    let mut registered: HashSet<u64> = HashSet::new();
    let mut posted = Posted::new();
    loop {
        if let Err(e) = tick(&ctx, &mut registered, &mut posted).await {
            tracing::warn!(error = %e, "panels");
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = tokio::time::sleep(ctx.config.panel_poll) => {}
        }
    }
}

fn needs_deploy(p: &PanelOut) -> bool {
    match (p.deploy_requested_at, &p.deployment) {
        (None, _) => false,
        (Some(_), None) => true,
        (Some(asked), Some(d)) => d.deployed_at.is_none_or(|done| asked > done),
    }
}

async fn tick(ctx: &Ctx, registered: &mut HashSet<u64>, posted: &mut Posted) -> Result<()> {
    let panels = ctx.docket.list_panels().await?;
    forget_deleted(ctx, &panels, posted).await;
    let commands = command_definitions();
    for guild in panels
        .iter()
        .filter_map(|p| p.input.guild_id.parse::<u64>().ok())
    {
        if registered.contains(&guild) {
            continue;
        }
        // One guild refusing (the bot was removed) must not stop the deploys.
        match ctx
            .interaction()
            .set_guild_commands(Id::new(guild), &commands)
            .await
        {
            Ok(_) => {
                registered.insert(guild);
            }
            Err(e) => tracing::warn!(error = %e, guild, "cannot register the slash commands"),
        }
    }
    for p in panels.iter().filter(|p| needs_deploy(p)) {
        match deploy(ctx, p).await {
            // Known at once: a delete right after the deploy finds it.
            Ok(at) => {
                posted.insert(p.id, at);
            }
            Err(e) => tracing::warn!(error = %e, panel = p.id, "cannot deploy the panel"),
        }
    }
    Ok(())
}

/// Delete the messages of panels no longer listed, then note where the listed ones are.
async fn forget_deleted(ctx: &Ctx, panels: &[PanelOut], posted: &mut Posted) {
    let listed: HashSet<i64> = panels.iter().map(|p| p.id).collect();
    let gone: Vec<i64> = posted
        .keys()
        .filter(|id| !listed.contains(id))
        .copied()
        .collect();
    for id in gone {
        if let Some((channel, message)) = posted.remove(&id) {
            tracing::info!(panel = id, "panel deleted in Docket; removing its message");
            remove_message(ctx, channel, message).await;
        }
    }
    for p in panels {
        if let Some(d) = &p.deployment
            && let (Ok(c), Ok(m)) = (d.channel_id.parse::<u64>(), d.message_id.parse::<u64>())
        {
            posted.insert(p.id, (c, m));
        }
    }
}

/// Delete a deleted panel's message; already gone is as good.
pub async fn remove_message(ctx: &Ctx, channel: u64, message: u64) {
    match ctx
        .discord
        .delete_message(Id::new(channel), Id::new(message))
        .await
    {
        Ok(_) => {}
        Err(e) if crate::error::discord_not_found(&e) => {}
        Err(e) => {
            tracing::warn!(error = %e, channel, message, "cannot delete a deleted panel's message")
        }
    }
}

/// Post or edit the panel's message: where it is, (channel, message).
async fn deploy(ctx: &Ctx, p: &PanelOut) -> Result<(u64, u64)> {
    let channel: u64 = p
        .input
        .channel_id
        .parse()
        .map_err(|_| Error::Config(format!("panel {}: bad channel id", p.id)))?;
    let embeds = [messages::panel_embed(p)];
    let components = messages::panel_components(p);
    let mut message_id = None;
    if let Some(d) = &p.deployment
        && d.channel_id == p.input.channel_id
        && let Ok(old) = d.message_id.parse::<u64>()
    {
        match ctx
            .discord
            .update_message(Id::new(channel), Id::new(old))
            .embeds(Some(&embeds))
            .components(Some(&components))
            .await
        {
            Ok(_) => message_id = Some(old),
            // Deleted by someone: post it anew.
            Err(e) if crate::error::discord_not_found(&e) => {}
            Err(e) => return Err(e.into()),
        }
    } else if let Some(d) = &p.deployment
        && let (Ok(c), Ok(m)) = (d.channel_id.parse::<u64>(), d.message_id.parse::<u64>())
    {
        // Moved to another channel: the old message would be a second way in.
        let _ = ctx.discord.delete_message(Id::new(c), Id::new(m)).await;
    }
    let message_id = match message_id {
        Some(id) => id,
        None => ctx
            .discord
            .create_message(Id::new(channel))
            .embeds(&embeds)
            .components(&components)
            .await?
            .model()
            .await?
            .id
            .get(),
    };
    // Never earlier than the request, whatever this machine's clock says.
    let deployed_at = p
        .deploy_requested_at
        .map_or(Utc::now(), |r| r.max(Utc::now()));
    ctx.docket
        .put_panel_deployment(
            p.id,
            &PanelDeployment {
                channel_id: p.input.channel_id.clone(),
                message_id: message_id.to_string(),
                version: p.version,
                deployed_at: Some(deployed_at),
            },
        )
        .await?;
    Ok((channel, message_id))
}
