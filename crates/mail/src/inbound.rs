//! Inbound mail: raw RFC 822 bytes to an `InboundMessage`, everything a ticket needs
//! and nothing of the MIME tree. mail-parser does the MIME work (transfer encodings,
//! encoded words, charsets, nesting) and is lenient: a broken boundary, truncated
//! base64 or a bad charset give a best-effort message, never a panic. Only input with
//! no header section at all is refused.

use chrono::{DateTime, TimeZone, Utc};
use mail_parser::{Address, MessageParser, MimeHeaders, PartType};
use serde::{Deserialize, Serialize};

use crate::error::MailError;
use crate::html::{html_to_text, sanitize_html};
use crate::reply::extract_reply;
use crate::threading::message_ids;

/// An address with its display name, as written in From, To, Cc or Reply-To.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailAddress {
    /// `local@domain` as written (case kept: the local part may be case-sensitive).
    pub address: String,
    pub name: Option<String>,
}

impl EmailAddress {
    pub fn new(address: impl Into<String>) -> EmailAddress {
        EmailAddress {
            address: address.into(),
            name: None,
        }
    }

    pub fn named(name: impl Into<String>, address: impl Into<String>) -> EmailAddress {
        EmailAddress {
            address: address.into(),
            name: Some(name.into()),
        }
    }
}

/// A file carried by the message: attached, inline (an image the HTML shows through
/// `cid:`), or a whole forwarded message (`message/rfc822`, its raw bytes, named
/// after its subject with `.eml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The name the sender gave, decoded (not cleaned: the store cleans file names).
    pub filename: Option<String>,
    /// `type/subtype`, lowercase; `application/octet-stream` when the part has none.
    pub content_type: String,
    pub content: Vec<u8>,
    /// The Content-ID without angle brackets, which the HTML names as `cid:<id>`.
    pub content_id: Option<String>,
    /// Shown in the body rather than offered as a download.
    pub inline: bool,
}

/// One received email, decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    pub from: Option<EmailAddress>,
    pub to: Vec<EmailAddress>,
    pub cc: Vec<EmailAddress>,
    pub reply_to: Vec<EmailAddress>,
    /// The Return-Path (envelope sender) without brackets, when the receiving server
    /// added one; `Some("")` for the null sender `<>` of bounces and auto-replies.
    pub return_path: Option<String>,
    /// Decoded; empty when the message has none.
    pub subject: String,
    /// Message-ID, In-Reply-To and References hold ids without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub date: Option<DateTime<Utc>>,
    /// The full text: the text/plain bodies, or the HTML bodies converted to text when
    /// there is no plain text. Quotes and signature included (see `reply_text`).
    pub text: String,
    /// The HTML bodies, sanitised (see `html`); `None` for plain-text mail.
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    /// The top-level content type, lowercase (`multipart/report` for a bounce).
    pub content_type: String,
    /// The top-level headers in order: name as written, value unfolded but not
    /// decoded, for the checks that read headers this type has no field for.
    pub headers: Vec<(String, String)>,
}

impl InboundMessage {
    /// The value of the first header named `name` (case-insensitive), trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of the headers named `name`, in order.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Where an answer goes: the first Reply-To, else From.
    pub fn reply_address(&self) -> Option<&EmailAddress> {
        self.reply_to.first().or(self.from.as_ref())
    }

    /// The new text of a reply: `text` without quoted history and signature
    /// (`reply::extract_reply`).
    pub fn reply_text(&self) -> String {
        extract_reply(&self.text)
    }
}

/// Parse a raw message (RFC 822 / RFC 5322 with MIME) as it came from SMTP or IMAP.
pub fn parse(raw: &[u8]) -> Result<InboundMessage, MailError> {
    let unparsable = |detail: &str| MailError::Unparsable {
        detail: detail.to_string(),
    };
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(unparsable("the message is empty"));
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| unparsable("no header section"))?;
    let root = message.root_part();
    if root.headers.is_empty() {
        return Err(unparsable("no header section"));
    }

    let headers: Vec<(String, String)> = message
        .headers_raw()
        .map(|(name, value)| (name.to_string(), unfold(value)))
        .collect();
    let raw_header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };

    let return_path = raw_header("Return-Path").map(|value| {
        let value = value.trim();
        value
            .strip_prefix('<')
            .and_then(|v| v.split('>').next())
            .unwrap_or(value)
            .trim()
            .to_string()
    });

    let content_type = root
        .content_type()
        .map(|ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_string(),
        })
        .unwrap_or_else(|| "text/plain".to_string())
        .to_ascii_lowercase();

    Ok(InboundMessage {
        // Sender stands in for a missing From (some list software, some scanners).
        from: addresses(message.from())
            .into_iter()
            .next()
            .or_else(|| addresses(message.sender()).into_iter().next()),
        to: addresses(message.to()),
        cc: addresses(message.cc()),
        reply_to: addresses(message.reply_to()),
        return_path,
        subject: message.subject().unwrap_or("").trim().to_string(),
        message_id: raw_header("Message-ID").and_then(|v| message_ids(v).into_iter().next()),
        in_reply_to: raw_header("In-Reply-To")
            .map(message_ids)
            .unwrap_or_default(),
        references: raw_header("References")
            .map(message_ids)
            .unwrap_or_default(),
        date: message
            .date()
            .filter(|d| d.is_valid())
            .and_then(|d| Utc.timestamp_opt(d.to_timestamp(), 0).single()),
        text: text_body(&message),
        html: html_body(&message),
        attachments: attachments(&message),
        content_type,
        headers,
    })
}

/// Unfold a raw header value (RFC 5322 folding is CRLF followed by whitespace).
fn unfold(value: &str) -> String {
    value
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn addresses(header: Option<&Address<'_>>) -> Vec<EmailAddress> {
    let Some(header) = header else {
        return Vec::new();
    };
    header
        .iter()
        .filter_map(|addr| {
            let address = addr.address()?.trim();
            if address.is_empty() {
                return None;
            }
            Some(EmailAddress {
                address: address.to_string(),
                name: addr
                    .name()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_string),
            })
        })
        .collect()
}

fn text_body(message: &mail_parser::Message<'_>) -> String {
    let texts: Vec<String> = message
        .text_bodies()
        .filter_map(|part| match &part.body {
            PartType::Text(text) => Some(normalize_newlines(text)),
            PartType::Html(html) => Some(html_to_text(html)),
            _ => None,
        })
        .filter(|text| !text.trim().is_empty())
        .collect();
    texts.join("\n\n").trim_end().to_string()
}

fn html_body(message: &mail_parser::Message<'_>) -> Option<String> {
    let htmls: Vec<String> = message
        .html_bodies()
        .filter_map(|part| match &part.body {
            PartType::Html(html) => Some(sanitize_html(html)),
            _ => None,
        })
        .collect();
    (!htmls.is_empty()).then(|| htmls.join("\n"))
}

fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// mail-parser keeps a base64 part whose closing boundary is missing (a truncated
/// message) as raw base64 text; decode what is there, so a cut-off upload keeps the
/// bytes that arrived.
fn recover_base64(part: &mail_parser::MessagePart<'_>) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    if !part.is_encoding_problem
        || !part
            .content_transfer_encoding()
            .is_some_and(|cte| cte.trim().eq_ignore_ascii_case("base64"))
    {
        return None;
    }
    let mut text: Vec<u8> = part
        .contents()
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .collect();
    // A lone sextet is no byte.
    if text.len() % 4 == 1 {
        text.pop();
    }
    let lenient = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    lenient.decode(&text).ok()
}

fn attachments(message: &mail_parser::Message<'_>) -> Vec<Attachment> {
    message
        .attachments()
        .map(|part| {
            let content_type = part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_string(),
                })
                .unwrap_or_else(|| match part.body {
                    PartType::Message(_) => "message/rfc822".to_string(),
                    PartType::Text(_) => "text/plain".to_string(),
                    PartType::Html(_) => "text/html".to_string(),
                    _ => "application/octet-stream".to_string(),
                })
                .to_ascii_lowercase();
            let filename = part.attachment_name().map(str::to_string).or_else(|| {
                part.message().map(|nested| {
                    let subject = nested.subject().unwrap_or("").trim();
                    let subject = if subject.is_empty() {
                        "message"
                    } else {
                        subject
                    };
                    format!("{subject}.eml")
                })
            });
            let content_id = part
                .content_id()
                .map(|id| {
                    id.trim()
                        .trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_string()
                })
                .filter(|id| !id.is_empty());
            let disposition = part.content_disposition();
            let inline = disposition.is_some_and(|d| d.is_inline())
                || (content_id.is_some() && !disposition.is_some_and(|d| d.is_attachment()))
                || matches!(part.body, PartType::InlineBinary(_));
            Attachment {
                filename,
                content_type,
                content: recover_base64(part).unwrap_or_else(|| part.contents().to_vec()),
                content_id,
                inline,
            }
        })
        .collect()
}
