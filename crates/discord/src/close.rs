//! Closing a ticket, from the Close button (support roles or the opener; optional
//! reason), the member's confirmation of a staff close request, the inactivity sweep,
//! the web UI (seen on Docket's live stream), or a moderator deleting the channel in
//! Discord. One flow: transcript with copied files, the reason as a comment, a closed
//! state of the type's workflow, the channel deleted, the exit survey by DM, and the log
//! embed with the summary when Docket's AI wrote one.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use docket_client::Workflow;
use docket_client::api::{CommentCreate, CommentKind, SurveyInput, TicketOut, TicketUpdate};
use twilight_model::http::interaction::InteractionResponse;
use twilight_model::id::Id;

use crate::context::{Ctx, TicketInfo, is_support};
use crate::error::Result;
use crate::ids::{self, CustomId};
use crate::interactions::{Interaction, defer, sorry};
use crate::messages::{self, Input, LogEntry};
use crate::transcript;

/// Who closed it, as the log tells.
#[derive(Debug, Clone)]
pub enum Closer {
    Discord {
        user_id: u64,
    },
    Web,
    Inactivity,
    /// Someone deleted the ticket's channel or thread in Discord: its messages are gone,
    /// so there is no transcript, nothing to delete and nobody to ask for a rating.
    ChannelDeleted,
}

/// The Close or Confirm button: check who asks, then the optional reason modal.
pub async fn button(ctx: Arc<Ctx>, i: Interaction, key: String) -> InteractionResponse {
    let check = tokio::time::timeout(Duration::from_millis(2200), may_close(&ctx, &i, &key)).await;
    match check {
        Ok(Ok(Some(true))) => messages::modal(
            &CustomId::CloseReason { key: key.clone() },
            &format!("Close {key}"),
            &[Input {
                custom_id: "reason".into(),
                label: "Reason (optional)".into(),
                description: None,
                paragraph: true,
                required: false,
                min_length: None,
                max_length: Some(1000),
                choices: vec![],
            }],
        ),
        Ok(Ok(Some(false))) => messages::ephemeral(
            "Only the support team or the member who opened it can close this ticket.",
        ),
        Ok(Ok(None)) => messages::ephemeral("This ticket no longer exists."),
        Ok(Err(e)) => messages::ephemeral(&sorry(&e)),
        Err(_) => messages::ephemeral("Docket is slow to answer; please try again in a moment."),
    }
}

/// Support role of the ticket's panel, or its opener.
async fn may_close(ctx: &Ctx, i: &Interaction, key: &str) -> Result<Option<bool>> {
    let ticket = match ctx.docket.get_ticket(key).await {
        Ok(t) => t.value,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let Some(info) = TicketInfo::of(&ticket) else {
        return Ok(None);
    };
    if info.requester_discord_id.as_deref() == Some(&i.user_id.to_string()) {
        return Ok(Some(true));
    }
    let panel = ctx.panel(info.panel).await?;
    Ok(Some(panel.is_some_and(|p| is_support(&p, &i.roles))))
}

pub fn reason_submitted(ctx: Arc<Ctx>, i: Interaction, key: String) -> InteractionResponse {
    let token = i.token.clone();
    let c = ctx.clone();
    defer(ctx, token, true, async move {
        // Checked again: a modal's custom_id can be replayed by anyone who saw it.
        match may_close(&c, &i, &key).await {
            Ok(Some(true)) => {}
            Ok(Some(false)) => return "You cannot close this ticket.".into(),
            Ok(None) => return "This ticket no longer exists.".into(),
            Err(e) => return sorry(&e),
        }
        let reason = i.modal_value("reason");
        let closer = Closer::Discord { user_id: i.user_id };
        match close(&c, &key, closer, reason.as_deref(), Some(i.id)).await {
            Ok(()) => format!("Ticket **{key}** is closed."),
            Err(e) => sorry(&e),
        }
    })
}

/// Run the close flow of `key` beside the caller unless it already runs. It counts as
/// running from this call on, so whoever looks next (the live stream reporting the
/// flow's own writes, a sweep) does not start a second one before the task begins.
pub fn spawn(ctx: Arc<Ctx>, key: &str, closer: Closer) {
    if !ctx.begin_close(key) {
        return;
    }
    let key = key.to_string();
    tokio::spawn(async move {
        let result = run(&ctx, &key, &closer, None, None).await;
        ctx.end_close(&key);
        if let Err(e) = result {
            tracing::warn!(error = %e, key, "close flow");
        }
    });
}

/// Run the close flow of `key` unless it already runs.
pub async fn close(
    ctx: &Ctx,
    key: &str,
    closer: Closer,
    reason: Option<&str>,
    interaction: Option<u64>,
) -> Result<()> {
    if !ctx.begin_close(key) {
        return Ok(());
    }
    let result = run(ctx, key, &closer, reason, interaction).await;
    ctx.end_close(key);
    result
}

async fn run(
    ctx: &Ctx,
    key: &str,
    closer: &Closer,
    reason: Option<&str>,
    interaction: Option<u64>,
) -> Result<()> {
    let ticket = ctx.docket.get_ticket(key).await?.value;
    let Some(info) = TicketInfo::of(&ticket) else {
        return Ok(());
    };
    let panel = ctx.panel(info.panel).await?;
    let deleted_in_discord = matches!(closer, Closer::ChannelDeleted);
    let (channel_gone, channel_name) = if deleted_in_discord {
        // Known gone: not even asked about.
        (true, String::new())
    } else {
        match ctx.discord.channel(Id::new(info.channel_id)).await {
            Ok(r) => (false, r.model().await?.name.unwrap_or_default()),
            Err(e) if crate::error::discord_not_found(&e) => (true, String::new()),
            Err(e) => return Err(e.into()),
        }
    };

    // 1. The transcript, while the channel still exists.
    if !channel_gone && panel.as_ref().is_none_or(|p| p.input.transcripts) {
        let history = transcript::fetch_all(ctx, info.channel_id).await?;
        let staff: HashSet<u64> = history
            .iter()
            .filter(|m| !m.author.bot && Some(m.author.id.to_string()) != info.requester_discord_id)
            .map(|m| m.author.id.get())
            .collect();
        let t = transcript::build(ctx, key, info.channel_id, &channel_name, &history, &staff).await;
        ctx.docket.put_transcript(key, &t).await?;
    }

    // 2. The reason, as the record of who closed it and why.
    let closed_by = match closer {
        Closer::Discord { user_id } => format!("<@{user_id}>"),
        Closer::Web => "Docket".into(),
        Closer::Inactivity => "inactivity".into(),
        Closer::ChannelDeleted => "channel deleted in Discord".into(),
    };
    if deleted_in_discord {
        // Staff find the ticket closed with no transcript: this says why.
        let note = CommentCreate {
            kind: CommentKind::Public,
            body: "Closed because its channel was deleted in Discord. No transcript could be \
                   saved: the messages went with the channel; those relayed before are the \
                   comments of this ticket."
                .into(),
            author: docket_client::api::CommentAuthor::Staff,
            author_name: None,
            channel: Some(docket_client::api::SourceChannel::Discord),
            attachments: vec![],
            // Not for the (gone) channel; a replayed deletion answers this same note.
            external_ref: Some(ids::channel_deleted_ref(info.channel_id)),
        };
        ctx.docket.add_comment(key, &note).await?;
    }
    if let Some(reason) = reason {
        let comment = CommentCreate {
            kind: CommentKind::Public,
            body: format!("Closed on Discord. Reason: {reason}"),
            author: docket_client::api::CommentAuthor::Staff,
            author_name: None,
            channel: Some(docket_client::api::SourceChannel::Discord),
            attachments: vec![],
            // Marks it as already on Discord, and makes a retry answer the first.
            external_ref: Some(format!(
                "discord:close:{}",
                interaction
                    .map(|i| i.to_string())
                    .unwrap_or_else(|| key.into())
            )),
        };
        ctx.docket.add_comment(key, &comment).await?;
    }

    // 3. A closed state of the type's workflow.
    if !info.closed {
        set_closed(ctx, &ticket).await?;
    }

    // 4. The channel goes: history lives in Docket.
    if !channel_gone {
        match ctx.discord.delete_channel(Id::new(info.channel_id)).await {
            Ok(_) => {}
            Err(e) if crate::error::discord_not_found(&e) => {}
            Err(e) => return Err(e.into()),
        }
    }
    ctx.forget_channel(info.channel_id);

    // 5. The exit survey (not after a deletion: the conversation was cut, not finished).
    if !deleted_in_discord
        && panel.as_ref().is_some_and(|p| p.input.survey)
        && let Some(member) = info
            .requester_discord_id
            .as_deref()
            .and_then(|d| d.parse().ok())
        && let Err(e) = send_survey(ctx, key, member).await
    {
        tracing::warn!(error = %e, key, "cannot send the exit survey");
    }

    // 6. The log, with the summary if Docket's AI writes one.
    if let Some(p) = &panel
        && let Some(log) = p
            .input
            .log_channel_id
            .as_deref()
            .and_then(|c| c.parse::<u64>().ok())
    {
        let summary = if p.input.ai_summary {
            wait_for_summary(ctx, key, ctx.config.summary_wait).await
        } else {
            ticket.summary.as_ref().map(messages::summary_text)
        };
        let claimer = match ticket.assignee_id {
            Some(id) => ctx.docket.get_user(id).await.ok().map(|u| u.display_name),
            None => None,
        };
        let entry = LogEntry {
            key,
            title: &ticket.title,
            opener: info.requester_discord_id.as_deref(),
            claimer,
            closed_by,
            reason,
            summary,
            ticket_url: format!("{}/tickets/{key}", ctx.web_url().trim_end_matches('/')),
        };
        let embeds = [messages::log_embed(&entry)];
        if let Err(e) = ctx
            .discord
            .create_message(Id::new(log))
            .embeds(&embeds)
            .await
        {
            tracing::warn!(error = %e, key, "cannot post the log embed");
        }
    }
    Ok(())
}

/// Move the ticket to a closed state along the workflow's transitions (a ticket in `new`
/// may need to pass through others first).
async fn set_closed(ctx: &Ctx, ticket: &TicketOut) -> Result<()> {
    let workflow = ctx.docket.type_workflow(&ticket.type_slug).await?;
    for state in path_to_closed(&workflow, &ticket.status) {
        let patch = TicketUpdate {
            status: Some(state),
            ..TicketUpdate::default()
        };
        ctx.docket.update_ticket(&ticket.key, None, &patch).await?;
    }
    Ok(())
}

/// The states to pass through, shortest first, from `from` to a `closed` state.
fn path_to_closed(w: &Workflow, from: &str) -> Vec<String> {
    let is_closed = |name: &str| {
        w.states
            .iter()
            .any(|s| s.name == name && s.category.as_str() == "closed")
    };
    let next = |s: &str| -> Vec<String> {
        w.transitions
            .iter()
            .filter(|t| t.from.iter().any(|f| f == s || f == "*"))
            .map(|t| t.to.clone())
            .collect()
    };
    let mut seen = HashSet::from([from.to_string()]);
    let mut queue = VecDeque::from([(from.to_string(), Vec::<String>::new())]);
    while let Some((state, path)) = queue.pop_front() {
        for to in next(&state) {
            if !seen.insert(to.clone()) {
                continue;
            }
            let mut p = path.clone();
            p.push(to.clone());
            if is_closed(&to) {
                return p;
            }
            queue.push_back((to, p));
        }
    }
    // No path: try the first closed state directly; Docket says no if it must.
    w.states
        .iter()
        .find(|s| s.category.as_str() == "closed")
        .map(|s| vec![s.name.clone()])
        .unwrap_or_default()
}

async fn wait_for_summary(ctx: &Ctx, key: &str, wait: Duration) -> Option<String> {
    let started = Instant::now();
    loop {
        if let Ok(t) = ctx.docket.get_ticket(key).await
            && let Some(s) = &t.value.summary
        {
            return Some(messages::summary_text(s));
        }
        if started.elapsed() >= wait {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn send_survey(ctx: &Ctx, key: &str, member: u64) -> Result<()> {
    let dm = ctx
        .discord
        .create_private_channel(Id::new(member))
        .await?
        .model()
        .await?;
    let text = format!("Your ticket **{key}** was closed. How did we do?");
    let components = messages::survey_buttons(key);
    ctx.discord
        .create_message(dm.id)
        .content(&text)
        .components(&components)
        .await?;
    Ok(())
}

/// A rating: ask for an optional comment, then record both.
pub fn survey_clicked(key: &str, rating: u8) -> InteractionResponse {
    messages::modal(
        &CustomId::SurveyComment {
            key: key.to_string(),
            rating,
        },
        "Thanks! Anything to add?",
        &[Input {
            custom_id: "comment".into(),
            label: "Comment (optional)".into(),
            description: None,
            paragraph: true,
            required: false,
            min_length: None,
            max_length: Some(1000),
            choices: vec![],
        }],
    )
}

pub fn survey_submitted(
    ctx: Arc<Ctx>,
    i: Interaction,
    key: String,
    rating: u8,
) -> InteractionResponse {
    let token = i.token.clone();
    let c = ctx.clone();
    defer(ctx, token, true, async move {
        // Only the requester rates their ticket.
        match c.docket.get_ticket(&key).await {
            Ok(t) => {
                let requester = TicketInfo::of(&t.value).and_then(|i| i.requester_discord_id);
                if requester.as_deref() != Some(&i.user_id.to_string()) {
                    return "Only the member who opened this ticket can rate it.".into();
                }
            }
            Err(e) => return sorry(&e.into()),
        }
        let survey = SurveyInput {
            rating,
            comment: i.modal_value("comment").unwrap_or_default(),
        };
        match c.docket.put_survey(&key, &survey).await {
            Ok(_) => "Thank you for your feedback!".into(),
            Err(e) if e.is_conflict() => "You already rated this ticket. Thank you!".into(),
            Err(e) => sorry(&e.into()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use docket_client::{Transition, WorkflowState};
    use docket_core::ticket::StatusCategory;

    #[test]
    fn the_shortest_path_to_a_closed_state() {
        let w = Workflow::default_workflow();
        assert_eq!(path_to_closed(&w, "new"), ["closed"]);
        // A stricter workflow: triage -> working -> done -> archived.
        let state = |name: &str, category| WorkflowState {
            name: name.into(),
            category,
            label: None,
        };
        let t = |from: &str, to: &str| Transition {
            from: vec![from.into()],
            to: to.into(),
        };
        let strict = Workflow {
            initial: "triage".into(),
            states: vec![
                state("triage", StatusCategory::New),
                state("working", StatusCategory::Open),
                state("done", StatusCategory::Solved),
                state("archived", StatusCategory::Closed),
            ],
            transitions: vec![
                t("triage", "working"),
                t("working", "done"),
                t("done", "archived"),
            ],
        };
        assert_eq!(
            path_to_closed(&strict, "triage"),
            ["working", "done", "archived"]
        );
        assert_eq!(path_to_closed(&strict, "done"), ["archived"]);
    }
}
