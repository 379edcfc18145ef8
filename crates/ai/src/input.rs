//! What the features read about a ticket. The caller fills these with fields that may go
//! to the AI server: fields a ticket type excludes from AI are left out by the caller
//! (this crate cannot know them), and internal notes have no place here at all.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A ticket's own text and its type's fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TicketContent {
    /// The type's name or slug, for context (`IT support`).
    pub ticket_type: Option<String>,
    pub title: String,
    pub body: String,
    /// The type's fields, already filtered by the caller to those allowed to leave.
    pub fields: Map<String, Value>,
}

/// Who wrote a thread message. There is no internal-note author: internal notes are
/// never sent, so a drafted reply cannot leak them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Author {
    Requester,
    Agent,
}

impl Author {
    pub fn as_str(self) -> &'static str {
        match self {
            Author::Requester => "requester",
            Author::Agent => "agent",
        }
    }
}

/// One public message of a ticket's thread, oldest first in a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadMessage {
    pub author: Author,
    pub text: String,
    /// When it was written (RFC 3339), if the caller wants the model to see it.
    pub at: Option<String>,
}
