//! Threading: which ticket an email belongs to. Two signals, both ours:
//! - the `[KEY-123]` tag in the subject (survives clients that drop headers, and
//!   forwards by a colleague);
//! - our own Message-IDs `<{random}.{KEY-123}@{domain}>`, which every client copies
//!   into In-Reply-To and References when it answers a notification.
//!
//! Ids are handled without angle brackets everywhere in this crate.

use std::sync::LazyLock;

use base64::Engine as _;
use regex::Regex;

use crate::error::MailError;

/// The message ids in a Message-ID, In-Reply-To or References value, without angle
/// brackets, in order, duplicates removed. Ids written without brackets (some
/// clients do) are taken as whitespace-separated words containing `@`.
pub fn message_ids(value: &str) -> Vec<String> {
    static BRACKETED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<([^<>\s]+)>").expect("valid"));
    let mut ids: Vec<String> = BRACKETED
        .captures_iter(value)
        .map(|c| c[1].to_string())
        .collect();
    if ids.is_empty() {
        ids = value
            .split(|c: char| c.is_whitespace() || c == ',')
            .map(|w| w.trim_matches(|c| c == '<' || c == '>'))
            .filter(|w| w.contains('@'))
            .map(str::to_string)
            .collect();
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    ids
}

/// Finds `[KEY-123]` tags for a set of ticket key prefixes (`IT`, `HR`, ...).
#[derive(Debug, Clone)]
pub struct SubjectTags {
    pattern: Regex,
}

impl SubjectTags {
    /// Tags with one of `prefixes` (case-insensitive). An empty list matches any
    /// prefix of letters, digits and underscores starting with a letter.
    pub fn new<S: AsRef<str>>(prefixes: &[S]) -> SubjectTags {
        let alternatives = if prefixes.is_empty() {
            "[A-Za-z][A-Za-z0-9_]*".to_string()
        } else {
            prefixes
                .iter()
                .map(|p| regex::escape(p.as_ref()))
                .collect::<Vec<_>>()
                .join("|")
        };
        let pattern = Regex::new(&format!(r"(?i)\[\s*((?:{alternatives})-[0-9]+)\s*\]"))
            .expect("escaped prefixes make a valid pattern");
        SubjectTags { pattern }
    }

    /// The ticket key of the first tag in `subject`, uppercased (`[it-42]` -> `IT-42`).
    pub fn ticket_key(&self, subject: &str) -> Option<String> {
        self.pattern
            .captures(subject)
            .map(|c| c[1].to_ascii_uppercase())
    }

    /// The subject without its tags, reply prefixes and surplus whitespace, for display.
    pub fn display_subject(&self, subject: &str) -> String {
        let untagged = self.pattern.replace_all(subject, " ");
        strip_reply_prefixes(&untagged)
    }
}

/// The subject without leading reply and forward prefixes in the common languages
/// (`Re:`, `Fwd:`, `FW:`, `AW:`, `WG:`, `SV:`, `VS:`, `Antw:`, `TR:`, `RIF:`, `Odp:`,
/// `RES:`, `ENC:`, with Outlook's counted `Re[2]:`), whitespace collapsed.
pub fn strip_reply_prefixes(subject: &str) -> String {
    static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)^\s*(?:re|fwd?|aw|wg|sv|vs|antw|tr|rif|r|odp|res|enc|doorst)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*")
            .expect("valid")
    });
    let mut rest = subject.trim();
    while let Some(m) = PREFIX.find(rest) {
        rest = &rest[m.end()..];
    }
    rest.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The subject with `[KEY]` in front, unless the tag is already there (a reply to our
/// own notification keeps its one tag).
pub fn tag_subject(subject: &str, ticket_key: &str) -> String {
    let tag = format!("[{ticket_key}]");
    if subject
        .to_ascii_lowercase()
        .contains(&tag.to_ascii_lowercase())
    {
        subject.trim().to_string()
    } else if subject.trim().is_empty() {
        tag
    } else {
        format!("{tag} {}", subject.trim())
    }
}

/// Our Message-IDs: `{random}.{KEY-123}@{domain}`. The random part makes each id
/// unique (RFC 5322 asks for that); the key makes an answer find its ticket.
#[derive(Debug, Clone)]
pub struct MessageIds {
    domain: String,
}

impl MessageIds {
    /// `domain` is the right-hand side of our ids, usually the domain of the
    /// support address.
    pub fn new(domain: &str) -> Result<MessageIds, MailError> {
        let domain = domain.trim().to_ascii_lowercase();
        let valid = !domain.is_empty()
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        if !valid {
            return Err(MailError::Config {
                detail: format!("{domain:?} is not a domain for Message-IDs"),
            });
        }
        Ok(MessageIds { domain })
    }

    /// A new id for a message about `ticket_key` (without angle brackets).
    pub fn generate(&self, ticket_key: &str) -> String {
        format!(
            "{}.{}@{}",
            random_token(),
            ticket_key.to_ascii_uppercase(),
            self.domain
        )
    }

    /// A new id for a message about no ticket (a bounce notice, a test mail).
    pub fn generate_plain(&self) -> String {
        format!("{}@{}", random_token(), self.domain)
    }

    /// The ticket key in one of our ids, with or without angle brackets; `None` for
    /// anyone else's id.
    pub fn ticket_key(&self, id: &str) -> Option<String> {
        static OURS: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"^[A-Za-z0-9_-]{16,}\.([A-Za-z][A-Za-z0-9_]*-[0-9]+)@(.+)$").expect("valid")
        });
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        let captures = OURS.captures(id)?;
        captures[2]
            .eq_ignore_ascii_case(&self.domain)
            .then(|| captures[1].to_ascii_uppercase())
    }

    /// The ticket an answer belongs to, from its In-Reply-To (the message answered)
    /// first, then References from the newest id back.
    pub fn ticket_key_in_thread(
        &self,
        in_reply_to: &[String],
        references: &[String],
    ) -> Option<String> {
        in_reply_to
            .iter()
            .chain(references.iter().rev())
            .find_map(|id| self.ticket_key(id))
    }
}

/// 18 random bytes, URL-safe base64 without padding: 24 characters, 144 bits.
fn random_token() -> String {
    let mut bytes = [0u8; 18];
    // getrandom fails only without an OS random source; a time-based token still
    // keeps ids unique enough to thread on.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes[..16].copy_from_slice(&nanos.to_le_bytes());
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_normalised() {
        assert_eq!(message_ids(" <a@b>  <c@d>\t<a@b>"), vec!["a@b", "c@d"]);
        assert_eq!(message_ids("a@b c@d"), vec!["a@b", "c@d"]);
        assert!(message_ids("").is_empty());
    }

    #[test]
    fn subject_tags() {
        let tags = SubjectTags::new(&["IT", "HR"]);
        assert_eq!(tags.ticket_key("Re: [it-42] Printer"), Some("IT-42".into()));
        assert_eq!(
            tags.ticket_key("AW: Fwd: [ HR-7 ] Leave"),
            Some("HR-7".into())
        );
        assert_eq!(tags.ticket_key("[OPS-1] other team"), None);
        assert_eq!(tags.ticket_key("IT-42 without brackets"), None);
        assert_eq!(
            SubjectTags::new::<&str>(&[]).ticket_key("[OPS-1] x"),
            Some("OPS-1".into())
        );
        assert_eq!(
            tags.display_subject("Re: AW: SV: [IT-42] Printer  broken"),
            "Printer broken"
        );
        assert_eq!(strip_reply_prefixes("RE[2]: Fwd: FW: WG: Hello"), "Hello");
        assert_eq!(strip_reply_prefixes("Return policy"), "Return policy");
        assert_eq!(strip_reply_prefixes("Ready: set"), "Ready: set");
    }

    #[test]
    fn tagging_adds_the_tag_once() {
        assert_eq!(tag_subject("Printer", "IT-42"), "[IT-42] Printer");
        assert_eq!(
            tag_subject("Re: [it-42] Printer", "IT-42"),
            "Re: [it-42] Printer"
        );
    }

    #[test]
    fn our_ids_carry_the_ticket_key() {
        let ids = MessageIds::new("Support.Example.com").expect("domain");
        let id = ids.generate("it-42");
        assert!(id.ends_with(".IT-42@support.example.com"), "{id}");
        assert_eq!(ids.ticket_key(&format!("<{id}>")), Some("IT-42".into()));
        assert_ne!(ids.generate("IT-42"), id);
        assert_eq!(ids.ticket_key("CAF123@mail.gmail.com"), None);
        assert_eq!(
            ids.ticket_key(&id.replace("support.example.com", "evil.example")),
            None
        );
        let thread = ids.ticket_key_in_thread(&["x@y".into()], &[id.clone(), "z@w".into()]);
        assert_eq!(thread, Some("IT-42".into()));
        assert!(MessageIds::new("bad domain").is_err());
    }
}
