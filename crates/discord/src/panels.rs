//! Panel deploys: Docket records an admin's request (`deploy_requested_at`); this loop
//! notices it, posts the panel (or edits the message it posted before, if that still
//! exists) and records where (`PUT /discord/panels/{id}/deployment`). It also keeps the
//! slash commands registered in every guild a panel is in.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::Utc;
use docket_client::api::{PanelDeployment, PanelOut};
use tokio::sync::watch;
use twilight_model::id::Id;

use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::interactions::command_definitions;
use crate::messages;

pub async fn run(ctx: Arc<Ctx>, mut stop: watch::Receiver<bool>) {
    let mut registered: HashSet<u64> = HashSet::new();
    loop {
        if let Err(e) = tick(&ctx, &mut registered).await {
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

async fn tick(ctx: &Ctx, registered: &mut HashSet<u64>) -> Result<()> {
    let panels = ctx.docket.list_panels().await?;
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
        if let Err(e) = deploy(ctx, p).await {
            tracing::warn!(error = %e, panel = p.id, "cannot deploy the panel");
        }
    }
    Ok(())
}

async fn deploy(ctx: &Ctx, p: &PanelOut) -> Result<()> {
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
    Ok(())
}
