//! The gateway: messages in ticket channels (MESSAGE_CONTENT is privileged: enable it in
//! the developer portal). twilight reconnects and resumes; a resumed session's replayed
//! MESSAGE_CREATEs are harmless because each comment is keyed on its message id. A new
//! session (not a resume) missed whatever happened in between, so it triggers a catch-up.
//! A ticket channel deleted by someone closes its ticket (`channel_deleted`).

use std::sync::Arc;

use tokio::sync::watch;
use twilight_gateway::{ConfigBuilder, Event, EventTypeFlags, Intents, Shard, ShardId, StreamExt};

use crate::channel_deleted;
use crate::context::Ctx;
use crate::relay::{self, Inbound};

pub fn intents() -> Intents {
    Intents::GUILDS | Intents::GUILD_MESSAGES | Intents::MESSAGE_CONTENT
}

pub async fn run(ctx: Arc<Ctx>, mut stop: watch::Receiver<bool>) {
    let mut config = ConfigBuilder::new(ctx.config.bot_token.clone(), intents());
    if let Some(url) = &ctx.config.gateway_url {
        config = config.proxy_url(url.clone());
    }
    let mut shard = Shard::with_config(ShardId::ONE, config.build());
    let wanted = EventTypeFlags::READY
        | EventTypeFlags::MESSAGE_CREATE
        | EventTypeFlags::MESSAGE_UPDATE
        | EventTypeFlags::MESSAGE_DELETE
        | EventTypeFlags::CHANNEL_DELETE
        | EventTypeFlags::THREAD_DELETE;
    loop {
        let item = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            item = shard.next_event(wanted) => item,
        };
        let event = match item {
            Some(Ok(e)) => e,
            // Transport trouble: twilight reconnects by itself.
            Some(Err(e)) => {
                tracing::warn!(error = %e, "gateway");
                continue;
            }
            None => {
                tracing::error!("the gateway closed for good (bad token or intents not enabled?)");
                return;
            }
        };
        match event {
            Event::Ready(_) => {
                let c = ctx.clone();
                tokio::spawn(async move {
                    if let Err(e) = relay::catch_up(&c).await {
                        tracing::warn!(error = %e, "catch-up after (re)connecting");
                    }
                });
            }
            Event::MessageCreate(m) => {
                let _ = ctx.relay_tx.send(Inbound::Create(Box::new(m.message)));
            }
            Event::MessageUpdate(m) => {
                let _ = ctx.relay_tx.send(Inbound::Update(Box::new((*m).0)));
            }
            Event::MessageDelete(m) => {
                let _ = ctx.relay_tx.send(Inbound::Delete {
                    channel: m.channel_id.get(),
                    id: m.id.get(),
                });
            }
            Event::ChannelDelete(c) => channel_deleted::spawn(ctx.clone(), c.id.get()),
            Event::ThreadDelete(t) => channel_deleted::spawn(ctx.clone(), t.id.get()),
            _ => {}
        }
    }
}
