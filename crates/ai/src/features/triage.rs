//! Triage: a priority, tags, a team and skills for a new ticket. Teams, tags and skills
//! come from the caller's allowed sets (trusted, in the system prompt and the schema's
//! enums); whatever the model answers outside them is dropped, so a ticket's text cannot
//! route itself anywhere the admins did not offer.

use docket_core::ticket::Priority;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::chat::{self, Prompt};
use crate::client::Enabled;
use crate::error::AiError;
use crate::input::TicketContent;
use crate::prompt;
use crate::usage::{Feature, Metered};
use crate::validate::{keep_allowed, list, text};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TriageInput {
    pub ticket: TicketContent,
    pub allowed_teams: Vec<String>,
    pub allowed_tags: Vec<String>,
    pub allowed_skills: Vec<String>,
}

/// Every team, tag and skill is one of the input's allowed values, in its spelling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triage {
    pub priority: Option<Priority>,
    pub tags: Vec<String>,
    pub team: Option<String>,
    pub skills: Vec<String>,
    /// One or two sentences for the agent (at most 500 characters).
    pub reason: String,
}

const SCHEMA_NAME: &str = "ticket_triage";
const MAX_CHOICES: usize = 10;

/// `{"type": "string", "enum": [...]}`, or a bare string when nothing is allowed (an
/// empty enum is not a valid schema; the answer is filtered to nothing anyway).
fn choice(allowed: &[String]) -> Value {
    if allowed.is_empty() {
        json!({"type": "string"})
    } else {
        json!({"type": "string", "enum": allowed})
    }
}

fn nullable_choice(allowed: &[&str]) -> Value {
    let mut values: Vec<Value> = allowed.iter().map(|v| json!(v)).collect();
    values.push(Value::Null);
    json!({"type": ["string", "null"], "enum": values})
}

fn schema(input: &TriageInput) -> Value {
    let teams: Vec<&str> = input.allowed_teams.iter().map(String::as_str).collect();
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["priority", "team", "tags", "skills", "reason"],
        "properties": {
            "priority": nullable_choice(&Priority::ALL.map(Priority::as_str)),
            "team": nullable_choice(&teams),
            "tags": {"type": "array", "items": choice(&input.allowed_tags)},
            "skills": {"type": "array", "items": choice(&input.allowed_skills)},
            "reason": {"type": "string"},
        }
    })
}

fn system(input: &TriageInput) -> String {
    let listed = |values: &[String]| {
        if values.is_empty() {
            "(none: answer an empty list or null)".to_string()
        } else {
            serde_json::to_string(values).unwrap_or_default()
        }
    };
    format!(
        "You triage new support tickets. Choose a priority: P0 = an outage or security \
         incident hurting many people now, P1 = one person or team blocked, P2 = impaired \
         but with a workaround, P3 = a question or minor request; null if unclear. Choose \
         the team, tags and skills only from these lists; choose none rather than invent \
         one.\nTeams: {}\nTags: {}\nSkills: {}\nGive the reason in one or two sentences.\n\n{}",
        listed(&input.allowed_teams),
        listed(&input.allowed_tags),
        listed(&input.allowed_skills),
        prompt::DATA_RULES,
    )
}

pub(crate) async fn run(
    client: &Enabled,
    model: String,
    input: &TriageInput,
) -> Result<Metered<Triage>, AiError> {
    let data =
        json!({"ticket": prompt::ticket_data(&input.ticket, client.config.max_prompt_chars)});
    let prompt = Prompt {
        feature: Feature::Triage,
        model,
        system: system(input),
        user: prompt::user_message("Triage this ticket.", &data),
        max_completion_tokens: 800,
    };
    let (object, usage) = chat::complete_json(client, prompt, SCHEMA_NAME, schema(input)).await?;
    let priority = text(&object, "priority", 10)?;
    let team = text(&object, "team", 200)?;
    let triage = Triage {
        priority: Priority::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(&priority)),
        team: crate::validate::pick_allowed(&team, &input.allowed_teams),
        tags: keep_allowed(list(&object, "tags", 50, 200)?, &input.allowed_tags)
            .into_iter()
            .take(MAX_CHOICES)
            .collect(),
        skills: keep_allowed(list(&object, "skills", 50, 200)?, &input.allowed_skills)
            .into_iter()
            .take(MAX_CHOICES)
            .collect(),
        reason: text(&object, "reason", 500)?,
    };
    Ok(Metered {
        value: triage,
        usage,
    })
}
