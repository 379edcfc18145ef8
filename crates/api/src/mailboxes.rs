//! Inbound email's wire types: mailboxes (admins configure them; the IMAP password is
//! write-only), their log of messages taken in, their checks, and what a poster of raw
//! mail gets back.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::Priority;

fn yes() -> bool {
    true
}

fn inbox() -> String {
    "INBOX".into()
}

fn sixty() -> u32 {
    60
}

fn ten() -> u32 {
    10
}

/// How the IMAP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ImapSecurity {
    /// TLS from the first byte (port 993).
    Tls,
    /// STARTTLS, required (port 143).
    Starttls,
    /// No encryption: only for a server on the same host.
    None,
}

/// What an admin writes to create or replace a mailbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxInput {
    /// 1 to 64 lower-case letters, digits, `-` and `_` (`docket mail pipe --mailbox`).
    #[schema(example = "support")]
    pub name: String,
    /// The address customers write to. Its domain is one of the domains whose
    /// Message-IDs thread answers.
    #[schema(example = "support@example.com")]
    pub address: String,
    /// The type of the tickets its mail opens.
    #[schema(example = "it_support")]
    pub ticket_type: String,
    /// None: the type's default.
    #[serde(default)]
    pub default_priority: Option<Priority>,
    /// Extension field values new tickets get: the type's required fields mail cannot
    /// fill.
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"category": "other"}))]
    pub fields: Map<String, Value>,
    #[schema(example = "imap.example.com")]
    pub imap_host: String,
    #[schema(example = 993)]
    pub imap_port: u16,
    pub imap_security: ImapSecurity,
    pub imap_username: String,
    /// Write-only. Required to create; left out when replacing, the stored one stays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imap_password: Option<String>,
    /// The folder mail arrives in.
    #[serde(default = "inbox")]
    pub folder: String,
    /// Move processed mail to this folder (made when missing); none marks it read.
    #[serde(default)]
    pub move_to: Option<String>,
    /// Wait for new mail with IDLE when the server offers it; off polls.
    #[serde(default = "yes")]
    pub use_idle: bool,
    /// Seconds between checks when polling (10 to 3600).
    #[serde(default = "sixty")]
    pub poll_seconds: u32,
    /// New tickets one sender may open through this mailbox per hour; their further
    /// mail is kept as a note on their latest ticket, unanswered. 0: no limit.
    #[serde(default = "ten")]
    pub sender_hourly_limit: u32,
    #[serde(default = "yes")]
    pub enabled: bool,
}

/// A mailbox as stored. The password is never shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MailboxOut {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub ticket_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_priority: Option<Priority>,
    #[schema(value_type = Object)]
    pub fields: Map<String, Value>,
    pub imap_host: String,
    pub imap_port: u16,
    pub imap_security: ImapSecurity,
    pub imap_username: String,
    pub folder: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub move_to: Option<String>,
    pub use_idle: bool,
    pub poll_seconds: u32,
    pub sender_hourly_limit: u32,
    pub enabled: bool,
    /// Where raw mail may be posted, relative to the server's address.
    #[schema(example = "/api/v1/mailboxes/1/raw")]
    pub raw_endpoint: String,
    /// The folder's UIDVALIDITY and the last UID taken in (fetching resumes above it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid_validity: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_uid: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_checked_at: Option<DateTime<Utc>>,
    /// The last check's error; cleared by a check that succeeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MailboxList {
    pub items: Vec<MailboxOut>,
}

/// What became of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailOutcome {
    /// It opened a ticket.
    Created,
    /// It became a comment on its ticket.
    Threaded,
    /// An auto-reply, bounce or other automatic mail: a note on its ticket, or only
    /// the log. Never answered.
    Noise,
    /// Its Message-ID was taken in before: nothing written.
    Duplicate,
    /// Its sender opened too many tickets within the hour: kept as a note, no ticket,
    /// never answered.
    RateLimited,
    /// Unusable: no header section, no sender, or a ticket the type refuses.
    Refused,
    /// Docket's own fault (the database): it is taken in again later.
    Failed,
}

/// One message a mailbox took in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MailboxLogEntry {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub outcome: MailOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A mailbox's last messages, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MailboxLog {
    pub items: Vec<MailboxLogEntry>,
}

/// Whether the mailbox's server took its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MailboxTestResult {
    pub ok: bool,
    /// What went wrong (connecting, TLS, logging in, selecting the folder).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What one message of a check came to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MailboxCheckItem {
    pub outcome: MailOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_key: Option<String>,
}

/// What a check took in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MailboxCheckResult {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Messages fetched (those taken in before the error, when there was one).
    pub fetched: u32,
    pub items: Vec<MailboxCheckItem>,
}

/// What a poster of raw mail gets back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MailReceipt {
    pub outcome: MailOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}
