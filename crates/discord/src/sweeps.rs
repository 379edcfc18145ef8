//! Auto-close: in panels with an inactivity period, a ticket channel without messages
//! for `warn_after_hours` gets a warning; if nobody writes for `close_after_hours` more,
//! the ticket closes. Stateless: the warning is the channel's last message, by the bot.

use std::sync::Arc;

use chrono::{DateTime, Duration as Span, Utc};
use docket_client::TicketQuery;
use docket_client::api::SourceChannel;
use futures::StreamExt;
use tokio::sync::watch;
use twilight_model::id::Id;

use crate::close::{self, Closer};
use crate::context::{Ctx, TicketInfo};
use crate::error::Result;
use crate::ids;

/// The warning's opening words: how the sweep recognises its own message.
const WARNING: &str = "⏰ This ticket has been quiet";

pub async fn run(ctx: Arc<Ctx>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = tokio::time::sleep(ctx.config.sweep_interval) => {}
        }
        if let Err(e) = sweep(&ctx, (ctx.config.clock)()).await {
            tracing::warn!(error = %e, "inactivity sweep");
        }
    }
}

fn snowflake_time(id: u64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(((id >> 22) + 1_420_070_400_000) as i64).unwrap_or_default()
}

pub async fn sweep(ctx: &Ctx, now: DateTime<Utc>) -> Result<()> {
    for panel in ctx.docket.list_panels().await? {
        let Some(rule) = panel.input.inactivity else {
            continue;
        };
        let query = TicketQuery {
            source: vec![SourceChannel::Discord],
            status_category: vec!["new".into(), "open".into(), "pending".into()],
            tags: vec![ids::panel_tag(panel.id)],
            limit: Some(100),
            ..TicketQuery::default()
        };
        let tickets: Vec<_> = ctx.docket.all_tickets(query).collect().await;
        for t in tickets {
            let t = t?;
            let Some(info) = TicketInfo::of(&t) else {
                continue;
            };
            let last = ctx
                .discord
                .channel_messages(Id::new(info.channel_id))
                .limit(1)
                .await;
            let last = match last {
                Ok(r) => r.models().await?.into_iter().next(),
                Err(e) if crate::error::discord_not_found(&e) => continue,
                Err(e) => return Err(e.into()),
            };
            let (at, warned) = match &last {
                Some(m) => (
                    snowflake_time(m.id.get()),
                    m.author.id == ctx.bot_id && m.content.starts_with(WARNING),
                ),
                None => (snowflake_time(info.channel_id), false),
            };
            let quiet = now - at;
            if warned && quiet >= Span::hours(rule.close_after_hours.into()) {
                close::close(ctx, &info.key, Closer::Inactivity, Some("inactivity"), None).await?;
            } else if !warned && quiet >= Span::hours(rule.warn_after_hours.into()) {
                let who = info
                    .requester_discord_id
                    .as_deref()
                    .map(|d| format!("<@{d}> "))
                    .unwrap_or_default();
                let text = format!(
                    "{WARNING} for a while. {who}It will be closed in {} hours unless someone writes here.",
                    rule.close_after_hours
                );
                ctx.discord
                    .create_message(Id::new(info.channel_id))
                    .content(&text)
                    .await?;
            }
        }
    }
    Ok(())
}
