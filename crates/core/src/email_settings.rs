//! How Docket sends email: the SMTP relay, who mail comes from, and the web address
//! links in mail point to. Set by an admin; the relay's password is a sealed secret
//! (`SMTP_PASSWORD_SECRET`), never part of these settings.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::typedef::FieldError;

/// The sealed secret holding the SMTP password.
pub const SMTP_PASSWORD_SECRET: &str = "smtp_password";

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// A plain connection upgraded with STARTTLS, which is required (usually port 587).
    Starttls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No encryption: only for a relay on the same host.
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct EmailSettings {
    /// The master switch: off, no email is queued or sent.
    pub enabled: bool,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: SmtpSecurity,
    /// Login name at the relay; none for a relay that needs no login.
    pub smtp_username: Option<String>,
    /// The sender of every email (`support@example.com`). Its domain also ends every
    /// Message-ID Docket writes, which is how answers find their ticket.
    pub from_address: String,
    /// The sender's display name (`Example Support`).
    pub from_name: String,
    /// Where answers go when the ticket's type has no mailbox; the sender when empty.
    pub reply_to: Option<String>,
    /// The web workspace's address (`https://help.example.com`) for links in mail;
    /// without it mail carries no links.
    pub public_url: Option<String>,
}

impl Default for EmailSettings {
    fn default() -> EmailSettings {
        EmailSettings {
            enabled: false,
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_security: SmtpSecurity::Starttls,
            smtp_username: None,
            from_address: String::new(),
            from_name: "Support".into(),
            reply_to: None,
            public_url: None,
        }
    }
}

/// A plausible single address: one `@`, something on both sides, no spaces or
/// brackets (the relay has the last word; this catches typos and header injection).
pub fn is_email_address(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && s.len() <= 254
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"()[]\\".contains(c))
        && !local.contains('@')
}

impl EmailSettings {
    /// Trim what is free text and check everything, naming each failing field.
    pub fn normalized(mut self) -> Result<EmailSettings, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |pointer: &str, message: &str| {
            errors.push(FieldError {
                pointer: pointer.to_string(),
                message: message.to_string(),
            })
        };
        let trim_opt =
            |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        self.smtp_host = self.smtp_host.trim().to_string();
        self.from_address = self.from_address.trim().to_string();
        self.from_name = self.from_name.trim().to_string();
        self.smtp_username = trim_opt(self.smtp_username);
        self.reply_to = trim_opt(self.reply_to);
        self.public_url = trim_opt(self.public_url).map(|u| u.trim_end_matches('/').to_string());

        let host_ok = self
            .smtp_host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
            && self.smtp_host.len() <= 253;
        if !host_ok {
            err("/smtp_host", "a host name or IP address");
        } else if self.enabled && self.smtp_host.is_empty() {
            err("/smtp_host", "required to send email");
        }
        if self.smtp_port == 0 {
            err("/smtp_port", "a port from 1 to 65535");
        }
        if self.from_address.is_empty() {
            if self.enabled {
                err("/from_address", "required to send email");
            }
        } else if !is_email_address(&self.from_address) {
            err(
                "/from_address",
                "an email address such as support@example.com",
            );
        }
        if self.from_name.chars().any(char::is_control) || self.from_name.chars().count() > 200 {
            err("/from_name", "one line of up to 200 characters");
        }
        if let Some(u) = &self.smtp_username
            && (u.chars().any(char::is_control) || u.len() > 500)
        {
            err("/smtp_username", "one line of up to 500 characters");
        }
        if let Some(r) = &self.reply_to
            && !is_email_address(r)
        {
            err("/reply_to", "an email address such as support@example.com");
        }
        if let Some(u) = &self.public_url {
            let scheme_ok = u.starts_with("https://") || u.starts_with("http://");
            if !scheme_ok || u.len() > 2000 || u.chars().any(|c| c.is_whitespace()) {
                err(
                    "/public_url",
                    "an http(s) address such as https://help.example.com",
                );
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }

    /// The domain of the sender's address: the right-hand side of Docket's Message-IDs.
    pub fn message_id_domain(&self) -> Option<&str> {
        self.from_address
            .rsplit_once('@')
            .map(|(_, d)| d)
            .filter(|d| !d.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(is_email_address("support@example.com"));
        assert!(is_email_address("a.b+tag@mail.example.co.uk"));
        for bad in [
            "",
            "x",
            "@example.com",
            "a@b",
            "a b@example.com",
            "a@example.com\r\nBcc: x",
            "<a@example.com>",
            "a@@example.com",
        ] {
            assert!(!is_email_address(bad), "{bad:?}");
        }
    }

    #[test]
    fn enabled_settings_need_a_relay_and_a_sender() {
        let errors = EmailSettings {
            enabled: true,
            public_url: Some("ftp://x".into()),
            reply_to: Some("nope".into()),
            ..EmailSettings::default()
        }
        .normalized()
        .unwrap_err();
        let pointers: Vec<_> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            ["/smtp_host", "/from_address", "/reply_to", "/public_url"]
        );
        let ok = EmailSettings {
            enabled: true,
            smtp_host: " smtp.example.com ".into(),
            from_address: "support@example.com".into(),
            public_url: Some("https://help.example.com/".into()),
            smtp_username: Some("  ".into()),
            ..EmailSettings::default()
        }
        .normalized()
        .expect("valid");
        assert_eq!(ok.smtp_host, "smtp.example.com");
        assert_eq!(ok.public_url.as_deref(), Some("https://help.example.com"));
        assert_eq!(ok.smtp_username, None);
        assert_eq!(ok.message_id_domain(), Some("example.com"));
    }
}
