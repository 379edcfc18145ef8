//! The Discord integration's wire types. Docket keeps what admins configure (panels) and
//! what the adapter must not lose (where a panel is posted, staff account links,
//! transcripts, exit surveys); the adapter (`crates/discord`) keeps nothing of its own
//! and reaches all of it through these.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A topic of a panel: one choice of its select menu, opening a ticket of its type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PanelTopic {
    /// Stable id, part of the menu's values (lower case letters, digits, `_` and `-`).
    #[schema(example = "billing")]
    pub id: String,
    #[schema(example = "Billing question")]
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A unicode emoji shown beside the label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<String>,
    /// The Docket ticket type it opens.
    #[schema(example = "discord_support")]
    pub ticket_type: String,
}

/// A Discord role whose members handle a panel's tickets, and the Docket team it stands
/// for (its members see the tickets in the web workspace too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupportRole {
    pub role_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// Where a ticket's conversation happens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PanelMode {
    /// A private text channel per ticket, under the panel's category.
    #[default]
    Channel,
    /// A private thread per ticket, in the panel's channel.
    Thread,
}

/// Close tickets nobody has written in for a while, after a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Inactivity {
    /// Warn in the channel after this many hours without a message.
    pub warn_after_hours: u32,
    /// Close this many hours after the warning if still nobody wrote.
    pub close_after_hours: u32,
}

/// What an admin writes to create or replace a panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PanelInput {
    /// The admins' name for it.
    #[schema(example = "Support")]
    pub name: String,
    pub guild_id: String,
    /// Where the panel message is posted.
    pub channel_id: String,
    #[schema(example = "Need help?")]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The button's label (panels without topics).
    #[serde(default = "default_button_label")]
    pub button_label: String,
    /// None: one button opening `ticket_type`. One: a button for that topic. Two or more:
    /// a select menu.
    #[serde(default)]
    pub topics: Vec<PanelTopic>,
    /// The type opened by a panel without topics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_type: Option<String>,
    #[serde(default)]
    pub mode: PanelMode,
    /// The Discord category new ticket channels go under (mode `channel`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<String>,
    #[serde(default)]
    pub support_roles: Vec<SupportRole>,
    /// Mentioned in each new ticket's first message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ping_role_id: Option<String>,
    /// Posted in each new ticket. `{user}` mentions the member, `{ticket}` is the key.
    #[serde(default)]
    pub welcome_message: String,
    /// Where a closed ticket's log embed goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_channel_id: Option<String>,
    /// Open tickets a member may have from this panel at once (0: no limit).
    #[serde(default = "default_max_open")]
    pub max_open_per_member: u32,
    /// Seconds a member waits after opening a ticket before opening another.
    #[serde(default)]
    pub cooldown_seconds: u32,
    /// Save the channel's transcript to the ticket when it closes.
    #[serde(default = "yes")]
    pub transcripts: bool,
    /// Ask the AI for a summary on close (when AI is configured).
    #[serde(default = "yes")]
    pub ai_summary: bool,
    /// Ask the member for a 1-5 rating and a comment after close.
    #[serde(default)]
    pub survey: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inactivity: Option<Inactivity>,
    /// An SLA business calendar: members opening outside its hours are told when staff
    /// return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<String>,
}

fn default_button_label() -> String {
    "Open a ticket".into()
}

fn default_max_open() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// Where a panel was last posted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PanelDeployment {
    pub channel_id: String,
    pub message_id: String,
    /// The panel version the message shows.
    pub version: i32,
    #[serde(default)]
    pub deployed_at: Option<DateTime<Utc>>,
}

/// A panel as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PanelOut {
    pub id: i64,
    #[serde(flatten)]
    pub input: PanelInput,
    /// Bumped by every change; a deployment names the version it shows.
    pub version: i32,
    /// When an admin last asked for a (re)deploy; the adapter deploys when this is later
    /// than `deployment.deployed_at`.
    pub deploy_requested_at: Option<DateTime<Utc>>,
    pub deployment: Option<PanelDeployment>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PanelList {
    pub items: Vec<PanelOut>,
}

/// Whether a member may open a ticket from a panel now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PanelEligibility {
    pub allowed: bool,
    /// Why not: `limit` (too many open tickets), `cooldown` or `closed` (outside hours).
    pub reason: Option<String>,
    /// Their open tickets from this panel (key and Discord channel).
    pub open_tickets: Vec<OpenDiscordTicket>,
    /// When they may try again (cooldown) or when staff return (outside hours).
    pub retry_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct OpenDiscordTicket {
    pub key: String,
    pub channel_id: Option<String>,
}

/// A code a Discord user gets from the bot and enters in the web UI, proving they are
/// both the Discord account and the Docket user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscordLinkRequest {
    pub discord_id: String,
    #[serde(default)]
    pub discord_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DiscordLinkCode {
    #[schema(example = "K7QH-2MXP")]
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

/// Redeem a link code for the signed-in user.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscordLinkRedeem {
    pub code: String,
}

/// A Docket user's linked Discord account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DiscordAccount {
    pub user_id: i64,
    pub discord_id: String,
    pub discord_name: Option<String>,
    pub linked_at: DateTime<Utc>,
}

/// Set or clear a user's Discord account (admins).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiscordAccountUpdate {
    /// None unlinks.
    pub discord_id: Option<String>,
    #[serde(default)]
    pub discord_name: Option<String>,
}

/// One message of a ticket channel, as it was when the channel closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranscriptMessage {
    /// The Discord message id.
    pub id: String,
    pub author_id: String,
    pub author_name: String,
    /// Written by a member of a support role.
    #[serde(default)]
    pub staff: bool,
    /// Written by a bot (the adapter's own messages included).
    #[serde(default)]
    pub bot: bool,
    #[serde(default)]
    pub content: String,
    /// Titles and texts of the message's embeds, flattened.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub embeds: Vec<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<DateTime<Utc>>,
    /// Copies of the message's files, uploaded to the ticket (Discord's links expire).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<i64>,
}

/// A ticket channel's whole conversation, saved on close.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranscriptInput {
    pub channel_id: String,
    pub channel_name: String,
    pub messages: Vec<TranscriptMessage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TranscriptOut {
    pub ticket: String,
    #[serde(flatten)]
    pub transcript: TranscriptInput,
    pub saved_by: String,
    pub saved_at: DateTime<Utc>,
}

/// A requester's rating of how their ticket went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyInput {
    /// 1 (bad) to 5 (great).
    #[schema(minimum = 1, maximum = 5)]
    pub rating: u8,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SurveyOut {
    pub ticket: String,
    pub rating: u8,
    pub comment: String,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flattened inputs keep refusing unknown fields, and still read back what the
    /// server sends (the outer fields are not passed to them).
    #[test]
    fn outputs_read_back_what_the_server_writes() {
        let input: PanelInput = serde_json::from_value(serde_json::json!({
            "name": "Support", "guild_id": "1", "channel_id": "2", "title": "Help",
            "ticket_type": "discord_support"
        }))
        .unwrap();
        let out = PanelOut {
            id: 1,
            input,
            version: 3,
            deploy_requested_at: None,
            deployment: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        };
        let text = serde_json::to_string(&out).unwrap();
        assert_eq!(serde_json::from_str::<PanelOut>(&text).unwrap(), out);
        let typo = serde_json::json!({"name": "S", "guild_id": "1", "channel_id": "2", "title": "H", "colour": 1});
        assert!(serde_json::from_value::<PanelInput>(typo).is_err());

        let transcript = TranscriptOut {
            ticket: "DSC-1".into(),
            transcript: TranscriptInput {
                channel_id: "9".into(),
                channel_name: "ticket".into(),
                messages: vec![],
            },
            saved_by: "bot".into(),
            saved_at: Utc::now(),
        };
        let text = serde_json::to_string(&transcript).unwrap();
        assert_eq!(
            serde_json::from_str::<TranscriptOut>(&text).unwrap(),
            transcript
        );
    }
}
