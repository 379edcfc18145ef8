//! The two-way relay.
//!
//! Discord → Docket: messages in ticket channels (from the gateway) become public
//! comments, with `external_ref: discord:<message id>`, so a gateway replay or a retry
//! answers the existing comment instead of writing a second; files are copied; edits
//! and deletions follow. Messages wait in an in-order queue and are retried while Docket
//! is down, not dropped.
//!
//! Docket → Discord: the live stream says which tickets changed; public staff comments
//! of a Discord ticket without an `external_ref` (written in the web UI) are posted in
//! its channel and then marked with the message's id. Internal notes never go. A ticket
//! closed in the web UI runs the close flow.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};
use docket_client::api::{
    CommentAuthor, CommentCreate, CommentKind, CommentOut, CommentUpdate, ModerateImageIn,
    SourceChannel,
};
use docket_client::{CommentQuery, LiveEvent, PageQuery, TicketQuery};
use futures::StreamExt;
use tokio::sync::{mpsc, watch};
use twilight_model::channel::Message;
use twilight_model::http::attachment::Attachment;
use twilight_model::id::Id;

use crate::close::{self, Closer};
use crate::context::{Ctx, TicketInfo, is_support};
use crate::error::Result;
use crate::ids::message_ref;
use crate::messages::{self, clip};
use crate::posting;

/// The largest file relayed to Discord (its default upload limit is 10 MiB).
const MAX_FILE: i64 = 8 * 1024 * 1024;

/// What the gateway hands the relay.
#[derive(Debug)]
pub enum Inbound {
    Create(Box<Message>),
    Update(Box<Message>),
    Delete { channel: u64, id: u64 },
}

enum Outcome {
    Done,
    /// The channel's ticket is being created: try again shortly.
    Wait,
}

/// Take gateway messages in order; retry each while Docket cannot be reached.
pub async fn inbound_worker(
    ctx: Arc<Ctx>,
    mut rx: mpsc::UnboundedReceiver<Inbound>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let job = tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            job = rx.recv() => match job { Some(j) => j, None => return },
        };
        let mut delay = Duration::from_millis(100);
        loop {
            let wait = match handle(&ctx, &job).await {
                Ok(Outcome::Done) => break,
                Ok(Outcome::Wait) => true,
                Err(e) if e.is_retryable() => {
                    tracing::warn!(error = %e, "relay to Docket failed; retrying");
                    true
                }
                Err(e) => {
                    tracing::warn!(error = %e, ?job, "relay to Docket refused; skipped");
                    break;
                }
            };
            if wait {
                tokio::select! {
                    _ = stop.wait_for(|s| *s) => return,
                    _ = tokio::time::sleep(delay) => {}
                }
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

async fn ticket_of(ctx: &Ctx, channel: u64) -> Result<Option<TicketInfo>> {
    let info = ctx.ticket_for_channel(channel).await?;
    Ok(info.filter(|i| !i.closed))
}

async fn handle(ctx: &Ctx, job: &Inbound) -> Result<Outcome> {
    match job {
        Inbound::Create(m) => {
            // Not the bot's own, nor interaction answers (webhooks). DMs never arrive: the
            // gateway is not asked for them.
            if m.author.id == ctx.bot_id || m.webhook_id.is_some() {
                return Ok(Outcome::Done);
            }
            let channel = m.channel_id.get();
            match ticket_of(ctx, channel).await? {
                Some(info) => relay_message(ctx, &info, m).await.map(|_| Outcome::Done),
                None if ctx.is_pending(channel) => Ok(Outcome::Wait),
                None => Ok(Outcome::Done),
            }
        }
        Inbound::Update(m) => {
            if m.author.id == ctx.bot_id {
                return Ok(Outcome::Done);
            }
            let Some(info) = ticket_of(ctx, m.channel_id.get()).await? else {
                return Ok(Outcome::Done);
            };
            if let Some(c) = find(ctx, &info.key, m.id.get()).await?
                && c.body != m.content
                && c.kind == CommentKind::Public
            {
                let update = CommentUpdate {
                    body: Some(m.content.clone()),
                    external_ref: None,
                };
                ctx.docket.update_comment(&info.key, c.id, &update).await?;
            }
            Ok(Outcome::Done)
        }
        Inbound::Delete { channel, id } => {
            let Some(info) = ticket_of(ctx, *channel).await? else {
                return Ok(Outcome::Done);
            };
            if let Some(c) = find(ctx, &info.key, *id).await?
                && c.deleted_at.is_none()
            {
                match ctx.docket.delete_comment(&info.key, c.id).await {
                    Ok(()) => {}
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(Outcome::Done)
        }
    }
}

/// The comment relayed from message `id`.
async fn find(ctx: &Ctx, key: &str, id: u64) -> Result<Option<CommentOut>> {
    let page = ctx
        .docket
        .find_comments(
            key,
            &CommentQuery {
                external_ref: Some(message_ref(id)),
                ..CommentQuery::default()
            },
        )
        .await?;
    Ok(page.items.into_iter().next())
}

fn is_image(a: &twilight_model::channel::Attachment) -> bool {
    a.content_type
        .as_deref()
        .is_some_and(|t| t.starts_with("image/"))
}

async fn relay_message(ctx: &Ctx, info: &TicketInfo, m: &Message) -> Result<()> {
    let reference = message_ref(m.id.get());
    // A replayed message with files: the first copy is there, do not upload again.
    if !m.attachments.is_empty() && find(ctx, &info.key, m.id.get()).await?.is_some() {
        return Ok(());
    }
    let mut files = Vec::new();
    let mut flagged = false;
    let mut missing = Vec::new();
    for a in &m.attachments {
        let bytes = match ctx.download(&a.url).await {
            Ok(b) => b,
            Err(e) => {
                // An expired or removed file cannot come back; say so instead of waiting.
                tracing::warn!(error = %e, "cannot download a Discord file");
                missing.push(a.filename.clone());
                continue;
            }
        };
        if is_image(a) && !flagged {
            flagged = moderate(ctx, &bytes, a.content_type.as_deref()).await?;
        }
        // Keyed by Discord's attachment id: a message relayed again after a restart
        // answers the file stored the first time instead of storing a second.
        let uploaded = ctx
            .docket
            .upload_attachment_with_key(
                &info.key,
                &a.filename,
                a.content_type.as_deref(),
                bytes,
                &format!("discord-attachment-{}", a.id),
            )
            .await?;
        files.push(uploaded.id);
    }
    let name = m
        .member
        .as_ref()
        .and_then(|mm| mm.nick.clone())
        .or_else(|| m.author.global_name.clone())
        .unwrap_or_else(|| m.author.name.clone());
    let mut body = m.content.clone();
    for f in &missing {
        body.push_str(&format!("\n[file not copied: {f}]"));
    }
    let requester = info.requester_discord_id.as_deref() == Some(&m.author.id.to_string());
    let panel = if requester {
        None
    } else {
        ctx.panel(info.panel).await?
    };
    let staff = match &panel {
        Some(p) => {
            let roles: Vec<u64> = match &m.member {
                Some(mm) => mm.roles.iter().map(|r| r.get()).collect(),
                // Messages read back by the catch-up carry no member: ask Discord.
                None => member_roles(ctx, p, m.author.id.get()).await,
            };
            is_support(p, &roles)
        }
        None => false,
    };
    let mut docket = ctx.docket.clone();
    let mut comment = CommentCreate {
        kind: CommentKind::Public,
        body,
        author: CommentAuthor::Requester,
        author_name: (!requester).then(|| name.clone()),
        channel: Some(SourceChannel::Discord),
        attachments: files,
        external_ref: Some(reference),
    };
    if staff {
        comment.author = CommentAuthor::Staff;
        match ctx.docket.discord_account(&m.author.id.to_string()).await {
            // Linked: written as them, so their reply answers the SLA clock as theirs.
            Ok(a) => {
                docket = ctx.docket.acting_as(a.user_id);
                comment.author_name = None;
            }
            Err(e) if e.is_not_found() => comment.author_name = Some(format!("{name} (Discord)")),
            Err(e) => return Err(e.into()),
        }
    }
    if flagged {
        // Kept for staff only; gone from the channel.
        comment.kind = CommentKind::Internal;
        comment.author = CommentAuthor::Staff;
        comment.author_name = Some(format!("{name} (Discord)"));
        comment.body = format!(
            "An image posted by {name} on Discord was flagged by moderation and removed from the channel.\n\n{}",
            comment.body
        );
        docket = ctx.docket.clone();
    }
    docket.add_comment(&info.key, &comment).await?;
    if flagged {
        let _ = ctx.discord.delete_message(m.channel_id, m.id).await;
        let text = format!(
            "<@{}>, an image you posted was removed by moderation. Staff can still see it.",
            m.author.id
        );
        let _ = ctx
            .discord
            .create_message(m.channel_id)
            .content(&text)
            .await;
    }
    Ok(())
}

async fn member_roles(ctx: &Ctx, panel: &docket_client::api::PanelOut, user: u64) -> Vec<u64> {
    let Ok(guild) = panel.input.guild_id.parse::<u64>() else {
        return Vec::new();
    };
    match ctx
        .discord
        .guild_member(Id::new(guild), Id::new(user))
        .await
    {
        Ok(r) => r
            .model()
            .await
            .map(|m| m.roles.iter().map(|r| r.get()).collect())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// Whether Docket's AI flags the image; false when AI is not configured.
async fn moderate(ctx: &Ctx, bytes: &[u8], mime: Option<&str>) -> Result<bool> {
    let input = ModerateImageIn {
        url: None,
        base64: Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
        mime: Some(mime.unwrap_or("image/png").to_string()),
    };
    match ctx.docket.moderate_image(&input).await {
        Ok(m) => Ok(m.flagged || m.nsfw),
        // 409: no AI configured; 503 after retries: the AI is down. Do not hold messages.
        Err(e) if matches!(e.status(), Some(409 | 503 | 502 | 504)) => Ok(false),
        Err(e) if e.is_retryable() => Err(e.into()),
        Err(e) => {
            tracing::warn!(error = %e, "image moderation failed; image kept");
            Ok(false)
        }
    }
}

/// Messages posted while the adapter was away (no gateway to replay them): relay every
/// message of open ticket channels that has no comment yet.
pub async fn catch_up(ctx: &Arc<Ctx>) -> Result<()> {
    let tickets = open_discord_tickets(ctx).await?;
    for t in tickets {
        let Some(info) = TicketInfo::of(&t) else {
            continue;
        };
        ctx.remember(info.clone());
        let messages = match ctx
            .discord
            .channel_messages(Id::new(info.channel_id))
            .limit(100)
            .await
        {
            Ok(r) => r.models().await?,
            // Deleted while nobody listened for CHANNEL_DELETE.
            Err(e) if crate::error::discord_not_found(&e) => {
                crate::channel_deleted::spawn(ctx.clone(), info.channel_id);
                continue;
            }
            Err(e) => {
                tracing::debug!(error = %e, key = %info.key, "cannot read the channel");
                continue;
            }
        };
        let known = relayed_refs(ctx, &info.key).await?;
        let mut missing: Vec<Message> = messages
            .into_iter()
            .filter(|m| m.author.id != ctx.bot_id && m.webhook_id.is_none())
            .filter(|m| !known.contains(&message_ref(m.id.get())))
            .collect();
        missing.sort_by_key(|m| m.id);
        for m in missing {
            let _ = ctx.relay_tx.send(Inbound::Create(Box::new(m)));
        }
    }
    Ok(())
}

pub async fn all_comments(ctx: &Ctx, key: &str) -> Result<Vec<CommentOut>> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = ctx
            .docket
            .list_comments(
                key,
                &PageQuery {
                    limit: Some(200),
                    cursor,
                },
            )
            .await?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

async fn relayed_refs(ctx: &Ctx, key: &str) -> Result<HashSet<String>> {
    Ok(all_comments(ctx, key)
        .await?
        .into_iter()
        .filter_map(|c| c.external_ref)
        .collect())
}

async fn open_discord_tickets(ctx: &Ctx) -> Result<Vec<docket_client::api::TicketOut>> {
    let query = TicketQuery {
        source: vec![SourceChannel::Discord],
        status_category: vec!["new".into(), "open".into(), "pending".into()],
        limit: Some(100),
        ..TicketQuery::default()
    };
    let tickets: Vec<_> = ctx.docket.all_tickets(query).collect().await;
    Ok(tickets.into_iter().collect::<std::result::Result<_, _>>()?)
}

/// Discord tickets closed or solved within `closed_lookback`, newest change first. Each
/// costs the sweep a Discord call (is its channel still there?), so older ones, whose
/// close was surely seen, are not read.
async fn recently_closed_tickets(ctx: &Ctx) -> Result<Vec<docket_client::api::TicketOut>> {
    let lookback =
        chrono::Duration::from_std(ctx.config.closed_lookback).unwrap_or(chrono::Duration::MAX);
    let since = Utc::now()
        .checked_sub_signed(lookback)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let query = TicketQuery {
        source: vec![SourceChannel::Discord],
        status_category: vec!["solved".into(), "closed".into()],
        sort: Some("-updated_at".into()),
        limit: Some(100),
        ..TicketQuery::default()
    };
    let tickets: Vec<_> = ctx
        .docket
        .all_tickets(query)
        .take_while(|t| futures::future::ready(t.as_ref().map_or(true, |t| t.updated_at >= since)))
        .collect()
        .await;
    Ok(tickets.into_iter().collect::<std::result::Result<_, _>>()?)
}

/// The first wait before a failed relay to Discord is tried again (doubling from there).
const SYNC_RETRY: Duration = Duration::from_millis(500);
/// The first wait before the live stream is asked for again after it was refused.
const STREAM_RETRY: Duration = Duration::from_secs(1);

/// Follow Docket's live stream for as long as the adapter runs. A ticket whose relay
/// failed for a reason that passes (Docket down or rate-limiting, Discord failing) is
/// tried again by itself, without waiting for its next change. A refused or ended
/// stream is asked for again after a wait that doubles up to `live_retry_max`, so a
/// revoked token does not become a loop of refusals.
pub async fn outbound(ctx: Arc<Ctx>, mut stop: watch::Receiver<bool>) {
    let mut not_discord: HashSet<String> = HashSet::new();
    let mut failed: HashSet<String> = HashSet::new();
    let mut retry_wait = SYNC_RETRY;
    let mut stream_wait = STREAM_RETRY;
    loop {
        let stream = ctx.docket.live(None);
        futures::pin_mut!(stream);
        let mut retry_at: Option<tokio::time::Instant> = None;
        loop {
            let due = retry_at.unwrap_or_else(tokio::time::Instant::now);
            let item = tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                _ = tokio::time::sleep_until(due), if retry_at.is_some() => None,
                item = stream.next() => Some(item),
            };
            let Some(item) = item else {
                for key in std::mem::take(&mut failed) {
                    relay_ticket(&ctx, key, &mut not_discord, &mut failed).await;
                }
                retry_wait = if failed.is_empty() {
                    SYNC_RETRY
                } else {
                    (retry_wait * 2).min(Duration::from_secs(30))
                };
                retry_at = (!failed.is_empty()).then(|| tokio::time::Instant::now() + retry_wait);
                continue;
            };
            match item {
                Some(Ok(LiveEvent::Ticket(change))) => {
                    stream_wait = STREAM_RETRY;
                    // Other channels' tickets are none of the relay's business; an empty
                    // source is a server from before the stream named it.
                    let other_source = !change.source.is_empty() && change.source != "discord";
                    if other_source || not_discord.contains(&change.key) {
                        continue;
                    }
                    relay_ticket(&ctx, change.key, &mut not_discord, &mut failed).await;
                }
                // Whatever happened while nobody listened: read once the stream is
                // open, so a change made during the sweep still arrives as an event.
                Some(Ok(LiveEvent::Connected)) | Some(Ok(LiveEvent::Resync)) => {
                    stream_wait = STREAM_RETRY;
                    sweep(&ctx).await;
                }
                Some(Err(e)) if e.status().is_some_and(|s| s == 401 || s == 403) => {
                    tracing::error!(error = %e, wait = ?stream_wait, "Docket refused the live stream (token revoked or lacking the read scope?); asking again later");
                    break;
                }
                Some(Err(e)) => tracing::warn!(error = %e, "live stream"),
                None => break,
            }
            if retry_at.is_none() && !failed.is_empty() {
                retry_at = Some(tokio::time::Instant::now() + retry_wait);
            }
        }
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = tokio::time::sleep(stream_wait) => {}
        }
        stream_wait = (stream_wait * 2).min(ctx.config.live_retry_max);
    }
}

/// Relay one ticket's changes; remember it for a retry when the failure may pass.
async fn relay_ticket(
    ctx: &Arc<Ctx>,
    key: String,
    not_discord: &mut HashSet<String>,
    failed: &mut HashSet<String>,
) {
    match sync(ctx, &key).await {
        Ok(false) => {
            not_discord.insert(key);
        }
        Ok(true) => {}
        Err(e) if e.is_retryable() => {
            tracing::warn!(error = %e, key = %key, "relay to Discord failed; will retry");
            failed.insert(key);
        }
        Err(e) => tracing::warn!(error = %e, key = %key, "relay to Discord failed"),
    }
}

/// Bring every open Discord ticket up to date, and finish the close of tickets closed
/// in Docket while nobody listened (at start-up, and when the stream says it dropped
/// changes).
async fn sweep(ctx: &Arc<Ctx>) {
    let open = match open_discord_tickets(ctx).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "sweep: cannot list tickets");
            return;
        }
    };
    let recently_closed = match recently_closed_tickets(ctx).await {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(error = %e, "sweep: cannot list closed tickets");
            Vec::new()
        }
    };
    for t in open.iter().chain(&recently_closed) {
        if let Err(e) = sync(ctx, &t.key).await {
            tracing::warn!(error = %e, key = %t.key, "sweep");
        }
    }
}

/// Relay what the web UI wrote to the ticket's channel; run the close flow if it was
/// closed there. False when the ticket is no Discord ticket.
async fn sync(ctx: &Arc<Ctx>, key: &str) -> Result<bool> {
    if ctx.is_closing(key) {
        return Ok(true);
    }
    let ticket = match ctx.docket.get_ticket(key).await {
        Ok(t) => t.value,
        Err(e) if e.is_not_found() => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let Some(info) = TicketInfo::of(&ticket) else {
        return Ok(false);
    };
    let channel = Id::new(info.channel_id);
    if info.closed {
        match ctx.discord.channel(channel).await {
            // Closed in the web UI (now, or while the adapter was away): the close flow
            // may wait for the summary, so it runs beside the stream rather than holding
            // it. Its last steps come after the channel is deleted, so once they ran the
            // channel is gone and nothing runs them twice.
            Ok(_) => close::spawn(ctx.clone(), key, Closer::Web),
            Err(e) if crate::error::discord_not_found(&e) => {}
            Err(e) => return Err(e.into()),
        }
        return Ok(true);
    }
    ctx.remember(info.clone());
    for c in all_comments(ctx, key).await? {
        let from_web = c.kind == CommentKind::Public
            && c.author == CommentAuthor::Staff
            && c.external_ref.is_none()
            && c.deleted_at.is_none();
        if !from_web {
            continue;
        }
        let name = match (&c.author_name, c.author_user_id) {
            (Some(n), _) => n.clone(),
            (None, Some(id)) => ctx
                .docket
                .get_user(id)
                .await
                .map(|u| u.display_name)
                .unwrap_or_else(|_| "Support".into()),
            _ => "Support".into(),
        };
        let mut text = format!("**{name}** (support): {}", c.body);
        // The files go along (Discord takes up to 10 of 8 MiB by default); the rest are
        // named, to be found in Docket.
        let mut files = Vec::new();
        for a in &c.attachments {
            if files.len() < 10 && a.size <= MAX_FILE {
                let (bytes, _) = ctx.docket.attachment_content(a.id).await?;
                files.push(Attachment::from_bytes(
                    a.filename.clone(),
                    bytes,
                    files.len() as u64,
                ));
            } else {
                text.push_str(&format!("\n📎 {} (in Docket)", a.filename));
            }
        }
        let text = clip(&text, messages::MAX_CONTENT);
        let Some(posted) = posting::post_reply(ctx, info.channel_id, c.id, &text, &files).await?
        else {
            return Ok(true);
        };
        let update = CommentUpdate {
            body: None,
            external_ref: Some(message_ref(posted.id.get())),
        };
        ctx.docket.update_comment(key, c.id, &update).await?;
    }
    Ok(true)
}
