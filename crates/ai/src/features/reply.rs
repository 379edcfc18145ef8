//! A draft reply for an agent to edit and send; never sent by itself.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::chat::{self, Prompt};
use crate::client::Enabled;
use crate::error::AiError;
use crate::input::{ThreadMessage, TicketContent};
use crate::prompt::{self, clip};
use crate::usage::{Feature, Metered};
use crate::validate::malformed;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplyInput {
    pub ticket: TicketContent,
    /// Public messages, oldest first (internal notes are never included).
    pub thread: Vec<ThreadMessage>,
    pub requester: RequesterCard,
    /// The agent who will send it, to sign the reply.
    pub agent_name: Option<String>,
}

/// What the desk knows about the requester: context for the draft, not to be quoted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequesterCard {
    pub name: Option<String>,
    /// Summaries of their earlier tickets, newest first.
    pub previous_summaries: Vec<String>,
    pub notes: Vec<String>,
}

const MAX_REPLY_CHARS: usize = 6_000;
const MAX_CARD_ITEMS: usize = 5;
const MAX_CARD_ITEM_CHARS: usize = 600;

const SYSTEM: &str = "You draft the next public reply of a support agent to the \
requester of a ticket. Write in the requester's language, politely and concretely; \
answer what is still open in the latest messages; do not promise what the thread does \
not support; plain text, no subject line. The requester card is background for you: do \
not quote it or mention that it exists. Answer with the reply's text only.";

pub(crate) async fn run(
    client: &Enabled,
    model: String,
    input: &ReplyInput,
) -> Result<Metered<String>, AiError> {
    let max_chars = client.config.max_prompt_chars;
    let card_list = |items: &[String]| -> Vec<String> {
        items
            .iter()
            .take(MAX_CARD_ITEMS)
            .map(|item| clip(item, MAX_CARD_ITEM_CHARS))
            .collect()
    };
    let mut data = json!({
        "ticket": prompt::ticket_data(&input.ticket, max_chars / 2),
        "requester_card": {
            "name": input.requester.name.as_deref().map(|n| clip(n, 200)),
            "previous_summaries": card_list(&input.requester.previous_summaries),
            "notes": card_list(&input.requester.notes),
        },
    });
    prompt::add_thread(&mut data, &input.thread, max_chars);
    let mut system = format!("{SYSTEM}\n\n{}", prompt::DATA_RULES);
    if let Some(agent) = &input.agent_name {
        // The agent's name comes from our own users table, not from the ticket.
        system.push_str(&format!("\n\nSign the reply as {}.", clip(agent, 100)));
    }
    let prompt = Prompt {
        feature: Feature::Reply,
        model,
        system,
        user: prompt::user_message("Draft the agent's next reply.", &data),
        max_completion_tokens: 1_500,
    };
    let (text, usage) = chat::complete_text(client, prompt).await?;
    let text = clip(text.trim(), MAX_REPLY_CHARS);
    if text.is_empty() {
        return Err(malformed("the draft is empty"));
    }
    Ok(Metered { value: text, usage })
}
