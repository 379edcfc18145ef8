//! A ticket's summary: what it is about, where it stands, what to do next.

use docket_core::summary::Sentiment;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::chat::{self, Prompt};
use crate::client::Enabled;
use crate::error::AiError;
use crate::input::{ThreadMessage, TicketContent};
use crate::prompt;
use crate::usage::{Feature, Metered};
use crate::validate::{list, malformed, required_text, text};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryInput {
    pub ticket: TicketContent,
    /// Public messages, oldest first. Older ones are left out when the prompt is too big.
    pub thread: Vec<ThreadMessage>,
}

/// Bounded: `issue`, `resolution` at most 600 characters, `next_best_action` 300, at
/// most 8 open points (300 each) and 8 topics (40 each, lower case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub issue: String,
    /// Empty while there is none.
    pub resolution: String,
    pub open_points: Vec<String>,
    pub sentiment: Sentiment,
    pub next_best_action: String,
    pub topics: Vec<String>,
}

const SCHEMA_NAME: &str = "ticket_summary";

fn schema() -> Value {
    let strings = json!({"type": "array", "items": {"type": "string"}});
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["issue", "resolution", "open_points", "sentiment", "next_best_action", "topics"],
        "properties": {
            "issue": {"type": "string", "description": "The requester's problem or request, one or two sentences"},
            "resolution": {"type": "string", "description": "What solved it, or an empty string while unresolved"},
            "open_points": strings.clone(),
            "sentiment": {"type": "string", "enum": Sentiment::ALL.map(Sentiment::as_str)},
            "next_best_action": {"type": "string", "description": "The agent's most useful next step"},
            "topics": strings,
        }
    })
}

const SYSTEM: &str = "You summarise support tickets for the agents who work them. Be \
factual and brief; write in the language of the ticket. `sentiment` is the requester's \
mood in their latest messages. `open_points` are questions or tasks still open. `topics` \
are a few short keywords.";

pub(crate) async fn run(
    client: &Enabled,
    model: String,
    input: &SummaryInput,
) -> Result<Metered<Summary>, AiError> {
    let max_chars = client.config.max_prompt_chars;
    let mut data = json!({"ticket": prompt::ticket_data(&input.ticket, max_chars)});
    prompt::add_thread(&mut data, &input.thread, max_chars);
    let prompt = Prompt {
        feature: Feature::Summary,
        model,
        system: format!("{SYSTEM}\n\n{}", prompt::DATA_RULES),
        user: prompt::user_message("Summarise this ticket.", &data),
        max_completion_tokens: 1_500,
    };
    let (object, usage) = chat::complete_json(client, prompt, SCHEMA_NAME, schema()).await?;
    let sentiment = text(&object, "sentiment", 40)?;
    let sentiment = Sentiment::ALL
        .into_iter()
        .find(|s| s.as_str().eq_ignore_ascii_case(&sentiment))
        .ok_or_else(|| malformed(format!("unknown sentiment `{sentiment}`")))?;
    let summary = Summary {
        issue: required_text(&object, "issue", 600)?,
        resolution: text(&object, "resolution", 600)?,
        open_points: list(&object, "open_points", 8, 300)?,
        sentiment,
        next_best_action: text(&object, "next_best_action", 300)?,
        topics: list(&object, "topics", 8, 40)?
            .into_iter()
            .map(|topic| topic.to_lowercase())
            .collect(),
    };
    Ok(Metered {
        value: summary,
        usage,
    })
}
