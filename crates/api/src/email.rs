//! Email out: the settings (SMTP relay, sender, links), the relay's password, a test
//! send, and the templates admins edit.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use docket_core::email_settings::{EmailSettings, SmtpSecurity};

/// The settings as stored, with whether a password is set (never the password).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EmailSettingsOut {
    pub settings: EmailSettings,
    /// Bumped by every change of the settings or the password.
    pub version: i64,
    pub password_set: bool,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Serialize, Deserialize, ToSchema)]
pub struct SmtpPasswordPut {
    pub password: String,
}

impl std::fmt::Debug for SmtpPasswordPut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SmtpPasswordPut([redacted])")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SmtpPasswordOut {
    pub password_set: bool,
}

/// Send a test email with the saved settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct EmailTestIn {
    /// Where to send it; the caller's own address when absent.
    pub to: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EmailTestOut {
    /// Whether the relay accepted the message.
    pub sent: bool,
    pub to: String,
    /// What went wrong, in the relay's words where it gave any.
    pub error: Option<String>,
}

/// One email template: the wording in use.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EmailTemplateOut {
    /// `requester.acknowledgement`, `requester.reply`, `staff.assigned`, ...
    pub name: String,
    /// When it is sent, and to whom.
    pub description: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// False while the shipped default is in use.
    pub customised: bool,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A name templates may use (`{{ ticket.key }}`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TemplateVariable {
    pub name: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EmailTemplatesOut {
    pub templates: Vec<EmailTemplateOut>,
    pub variables: Vec<TemplateVariable>,
}

/// A template's wording (subject, plain text, HTML).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EmailTemplateIn {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A template rendered with example values.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EmailPreviewOut {
    pub subject: String,
    pub text: String,
    pub html: String,
}
