//! What every ticket shares, whatever its type.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// P0 is the most urgent; P2 is the usual default.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    Serialize,
    Deserialize,
    ToSchema,
)]
pub enum Priority {
    P0,
    P1,
    #[default]
    P2,
    P3,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::P0, Priority::P1, Priority::P2, Priority::P3];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::P0 => "P0",
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
        }
    }

    pub fn parse(s: &str) -> Option<Priority> {
        Priority::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The category of a workflow state: what the state means for SLA clocks and queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusCategory {
    New,
    Open,
    Pending,
    Solved,
    Closed,
}

impl StatusCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            StatusCategory::New => "new",
            StatusCategory::Open => "open",
            StatusCategory::Pending => "pending",
            StatusCategory::Solved => "solved",
            StatusCategory::Closed => "closed",
        }
    }

    /// Every category, in workflow order.
    pub const ALL: [StatusCategory; 5] = [
        StatusCategory::New,
        StatusCategory::Open,
        StatusCategory::Pending,
        StatusCategory::Solved,
        StatusCategory::Closed,
    ];

    pub fn parse(s: &str) -> Option<StatusCategory> {
        StatusCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A ticket with this tag gets no automatic acknowledgement: intake sets it on tickets
/// opened by bulk or automated mail (never answered, so two robots cannot loop), and an
/// integration may set it on tickets nobody should be emailed about.
pub const NO_AUTO_REPLY_TAG: &str = "no-auto-reply";

/// Where a ticket came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceChannel {
    #[default]
    Api,
    Web,
    Email,
    Discord,
    Webhook,
    Agent,
    /// A public web form, filled in without an account.
    Form,
}

impl SourceChannel {
    pub const ALL: [SourceChannel; 7] = [
        SourceChannel::Api,
        SourceChannel::Web,
        SourceChannel::Email,
        SourceChannel::Discord,
        SourceChannel::Webhook,
        SourceChannel::Agent,
        SourceChannel::Form,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SourceChannel::Api => "api",
            SourceChannel::Web => "web",
            SourceChannel::Email => "email",
            SourceChannel::Discord => "discord",
            SourceChannel::Webhook => "webhook",
            SourceChannel::Agent => "agent",
            SourceChannel::Form => "form",
        }
    }

    pub fn parse(s: &str) -> Option<SourceChannel> {
        SourceChannel::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The kind of a comment on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommentKind {
    /// Visible to the requester.
    Public,
    /// Staff only.
    Internal,
    /// Written by Docket itself.
    System,
}

impl CommentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CommentKind::Public => "public",
            CommentKind::Internal => "internal",
            CommentKind::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<CommentKind> {
        [
            CommentKind::Public,
            CommentKind::Internal,
            CommentKind::System,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// A ticket key such as `IT-1042`.
pub fn ticket_key(prefix: &str, number: i64) -> String {
    format!("{prefix}-{number}")
}
