//! A ticket channel (or private thread) deleted in Discord by a moderator, seen as the
//! gateway's CHANNEL_DELETE / THREAD_DELETE or, when the adapter was away, as the
//! catch-up finding the channel unknown. Its ticket is closed in Docket with a note
//! saying why, so it does not stay open with nowhere to answer. The channel is not
//! touched again. Replays are harmless: a closed ticket is left alone and the note is
//! keyed on the channel.

use std::sync::Arc;
use std::time::Duration;

use crate::close::{self, Closer};
use crate::context::{Ctx, TicketInfo};
use crate::error::Result;

/// How often Docket is tried before the next catch-up is left to notice it.
const ATTEMPTS: u32 = 8;

/// Close the ticket of `channel`, if it was one and is still open. Runs beside the
/// gateway loop, retried for a while when Docket cannot be reached.
pub fn spawn(ctx: Arc<Ctx>, channel: u64) {
    tokio::spawn(async move {
        let mut delay = Duration::from_millis(500);
        for attempt in 1..=ATTEMPTS {
            match close_ticket(&ctx, channel).await {
                Ok(()) => return,
                Err(e) if e.is_retryable() && attempt < ATTEMPTS => {
                    tracing::warn!(error = %e, channel, "closing the ticket of a deleted channel; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(30));
                }
                Err(e) => {
                    tracing::warn!(error = %e, channel, "cannot close the ticket of a deleted channel");
                    return;
                }
            }
        }
    });
}

async fn close_ticket(ctx: &Ctx, channel: u64) -> Result<()> {
    let cached = ctx.ticket_for_channel(channel).await?;
    ctx.forget_channel(channel);
    let Some(cached) = cached else {
        return Ok(());
    };
    // The close flow deletes channels too: its own deletion finds the ticket closed (or
    // closing), so only a deletion from outside closes anything here. The cache may be
    // older than the close, so Docket is asked.
    if ctx.is_closing(&cached.key) {
        return Ok(());
    }
    let ticket = match ctx.docket.get_ticket(&cached.key).await {
        Ok(t) => t.value,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    match TicketInfo::of(&ticket) {
        Some(info) if !info.closed && info.channel_id == channel => {
            tracing::info!(key = %info.key, channel, "ticket channel deleted in Discord; closing the ticket");
            close::close(ctx, &info.key, Closer::ChannelDeleted, None, None).await
        }
        _ => Ok(()),
    }
}
