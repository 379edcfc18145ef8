//! A ticket channel's whole conversation, read from Discord (paged, oldest first) with
//! its files copied into Docket, since Discord's attachment links expire.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use docket_client::api::{TranscriptInput, TranscriptMessage};
use twilight_model::channel::Message;
use twilight_model::id::Id;

use crate::context::Ctx;
use crate::error::Result;
use crate::ids::message_ref;

/// Every message of `channel`, oldest first.
pub async fn fetch_all(ctx: &Ctx, channel: u64) -> Result<Vec<Message>> {
    let channel = Id::new(channel);
    let mut all: Vec<Message> = Vec::new();
    let mut before = None;
    loop {
        let page = match before {
            None => ctx.discord.channel_messages(channel).limit(100).await?,
            Some(b) => {
                ctx.discord
                    .channel_messages(channel)
                    .before(b)
                    .limit(100)
                    .await?
            }
        }
        .models()
        .await?;
        let n = page.len();
        // Newest first: the last is the oldest, where the next page starts.
        before = page.last().map(|m| m.id);
        all.extend(page);
        if n < 100 {
            break;
        }
    }
    all.sort_by_key(|m| m.id);
    Ok(all)
}

fn time(ts: twilight_model::util::Timestamp) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(ts.as_micros()).unwrap_or_default()
}

/// The transcript of `messages`, their files uploaded to ticket `key`.
pub async fn build(
    ctx: &Ctx,
    key: &str,
    channel: u64,
    channel_name: &str,
    messages: &[Message],
    staff: &HashSet<u64>,
) -> TranscriptInput {
    // Files relayed with their message are in Docket already (and Discord's links may
    // have expired since): reuse those copies.
    let relayed: HashMap<String, Vec<i64>> = match crate::relay::all_comments(ctx, key).await {
        Ok(comments) => comments
            .into_iter()
            .filter_map(|c| {
                let ids: Vec<i64> = c.attachments.iter().map(|a| a.id).collect();
                Some((c.external_ref?, ids))
            })
            .filter(|(_, ids)| !ids.is_empty())
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, key, "cannot list comments; copying every file");
            HashMap::new()
        }
    };
    let mut out = Vec::with_capacity(messages.len());
    for m in messages {
        if let Some(ids) = relayed.get(&message_ref(m.id.get()))
            && ids.len() == m.attachments.len()
        {
            out.push(entry(m, staff, ids.clone()));
            continue;
        }
        let mut attachments = Vec::new();
        for a in &m.attachments {
            // One lost file must not lose the transcript: record what could be copied.
            match copy(ctx, key, &a.url, &a.filename, a.content_type.as_deref()).await {
                Ok(id) => attachments.push(id),
                Err(e) => tracing::warn!(error = %e, file = %a.filename, "cannot copy a file"),
            }
        }
        out.push(entry(m, staff, attachments));
    }
    TranscriptInput {
        channel_id: channel.to_string(),
        channel_name: channel_name.to_string(),
        messages: out,
    }
}

fn entry(m: &Message, staff: &HashSet<u64>, attachments: Vec<i64>) -> TranscriptMessage {
    TranscriptMessage {
        id: m.id.to_string(),
        author_id: m.author.id.to_string(),
        author_name: m
            .author
            .global_name
            .clone()
            .unwrap_or_else(|| m.author.name.clone()),
        staff: staff.contains(&m.author.id.get()),
        bot: m.author.bot,
        content: m.content.clone(),
        embeds: m
            .embeds
            .iter()
            .flat_map(|e| [e.title.clone(), e.description.clone()])
            .flatten()
            .collect(),
        created_at: time(m.timestamp),
        edited_at: m.edited_timestamp.map(time),
        attachments,
    }
}

/// Download a Discord file and upload it to the ticket; its Docket id.
pub async fn copy(
    ctx: &Ctx,
    key: &str,
    url: &str,
    filename: &str,
    content_type: Option<&str>,
) -> Result<i64> {
    let bytes = ctx.download(url).await?;
    let uploaded = ctx
        .docket
        .upload_attachment(key, filename, content_type, bytes)
        .await?;
    Ok(uploaded.id)
}
