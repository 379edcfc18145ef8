//! Claim (assign the ticket to the clicking staff member's linked Docket user) and the
//! staff-only history card.
//!
//! Staff-only context: a ticket channel is shared with the member, so nothing posted in
//! it is staff-only. The requester's history is shown instead as an ephemeral message
//! (only the clicking staff member sees it): on Claim, and on the welcome message's
//! "History (staff)" button, which refuses anyone without a support role.

use std::sync::Arc;

use docket_client::api::TicketUpdate;
use twilight_model::channel::message::AllowedMentions;
use twilight_model::http::interaction::InteractionResponse;
use twilight_model::id::Id;

use crate::context::{Ctx, is_support};
use crate::error::Result;
use crate::interactions::{Interaction, defer, sorry, whisper};
use crate::messages::{self, clip};

/// The ticket and its panel, and whether the clicking member is staff of it.
async fn staff_check(ctx: &Ctx, i: &Interaction, key: &str) -> Result<Option<bool>> {
    let ticket = match ctx.docket.get_ticket(key).await {
        Ok(t) => t.value,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let panel = ctx.panel(crate::ids::panel_from_tags(&ticket.tags)).await?;
    Ok(Some(panel.is_some_and(|p| is_support(&p, &i.roles))))
}

pub fn claim(ctx: Arc<Ctx>, i: Interaction, key: String) -> InteractionResponse {
    let token = i.token.clone();
    let c = ctx.clone();
    defer(ctx, token, true, async move {
        match run_claim(&c, &i, &key).await {
            Ok(text) => text,
            Err(e) => sorry(&e),
        }
    })
}

async fn run_claim(ctx: &Ctx, i: &Interaction, key: &str) -> Result<String> {
    match staff_check(ctx, i, key).await? {
        None => return Ok("This ticket no longer exists.".into()),
        Some(false) => return Ok("Only the support team can claim tickets.".into()),
        Some(true) => {}
    }
    let account = match ctx.docket.discord_account(&i.user_id.to_string()).await {
        Ok(a) => a,
        Err(e) if e.is_not_found() => {
            return Ok(format!(
                "Your Discord account is not linked to a Docket user yet. Run `/docket link` and enter the code in Docket ({}) under your profile, then claim again.",
                ctx.web_url()
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let patch = TicketUpdate {
        assignee_id: Some(Some(account.user_id)),
        ..TicketUpdate::default()
    };
    // As the staff member: Docket checks their rights and names them in the trail.
    ctx.docket
        .acting_as(account.user_id)
        .update_ticket(key, None, &patch)
        .await?;
    if let Some(channel) = i.channel_id {
        let text = format!(
            "<@{}> has claimed this ticket and will help you.",
            i.user_id
        );
        let none = AllowedMentions::default();
        if let Err(e) = ctx
            .discord
            .create_message(Id::new(channel))
            .content(&text)
            .allowed_mentions(Some(&none))
            .await
        {
            tracing::warn!(error = %e, "cannot announce the claim");
        }
    }
    if let Some(card) = card_text(ctx, key).await? {
        whisper(ctx, &i.token, &card).await;
    }
    Ok(format!("You claimed **{key}**."))
}

pub fn card(ctx: Arc<Ctx>, i: Interaction, key: String) -> InteractionResponse {
    let token = i.token.clone();
    let c = ctx.clone();
    defer(ctx, token, true, async move {
        let run = async {
            match staff_check(&c, &i, &key).await? {
                None => Ok("This ticket no longer exists.".into()),
                Some(false) => Ok("Only the support team can see a member's history.".into()),
                Some(true) => Ok(card_text(&c, &key)
                    .await?
                    .unwrap_or_else(|| "No earlier tickets or notes.".into())),
            }
        };
        run.await.unwrap_or_else(|e: crate::Error| sorry(&e))
    })
}

/// The requester's context card as text, when there is history to show.
async fn card_text(ctx: &Ctx, key: &str) -> Result<Option<String>> {
    let ticket = ctx.docket.get_ticket(key).await?.value;
    let Some(requester) = ticket.requester else {
        return Ok(None);
    };
    let card = ctx.docket.requester_card(requester.id, Some(key)).await?;
    if card.previous.is_empty() && card.notes.is_empty() {
        return Ok(None);
    }
    let mut lines = vec![format!(
        "**History of {}** ({} tickets, {} open)",
        requester.name.as_deref().unwrap_or("this member"),
        card.ticket_count,
        card.open_count
    )];
    for t in &card.previous {
        let mut line = format!("• **{}** {} ({})", t.key, t.title, t.status);
        if let Some(s) = &t.summary {
            line.push_str(&format!(": {}", clip(&s.content.issue, 150)));
        }
        lines.push(line);
    }
    if !card.open_points.is_empty() {
        lines.push(format!("Open points: {}", card.open_points.join("; ")));
    }
    for n in &card.notes {
        lines.push(format!("📝 {}", clip(&n.body, 200)));
    }
    Ok(Some(clip(&lines.join("\n"), messages::MAX_CONTENT)))
}
