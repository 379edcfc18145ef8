//! Docket's email wire format and servers: everything about email that is not the
//! database. The server's intake and notification jobs call it; it depends on no
//! Docket crate.
//!
//! - `inbound`: raw RFC 822 bytes → `InboundMessage` (addresses, threading ids,
//!   decoded text, sanitised HTML, attachments). `html`: the sanitiser and HTML → text.
//! - `noise`: auto-replies, bounces and bulk mail, which never get an automatic answer.
//! - `reply`: the new text of an answer without quoted history and signature.
//! - `threading`: `[KEY-123]` subject tags, reply prefixes, and our Message-IDs
//!   `{random}.{KEY-123}@{domain}` that carry the ticket key.
//! - `outbound`: `OutgoingMessage` → lettre `Message` with threading headers, and
//!   `smtp`: `SmtpSender`, whose errors say whether a retry can help.
//! - `imap`: `ImapMailbox`: fetch new mail by UID (UIDVALIDITY-aware), mark it
//!   processed, wait with IDLE or polling; errors say whether to reconnect.
//! - `testing` (feature `testing`): SMTP and IMAP servers on loopback for tests.
//!
//! Every network call has a timeout; nothing parses input with `unwrap`: malformed
//! mail yields a best-effort message or `MailError::Unparsable`.

pub mod error;
pub mod html;
pub mod imap;
pub mod inbound;
pub mod noise;
pub mod outbound;
pub mod reply;
pub mod smtp;
#[cfg(feature = "testing")]
pub mod testing;
pub mod threading;

pub use error::MailError;
pub use imap::{
    FetchedBatch, FetchedMessage, ImapMailbox, ImapSecurity, ImapSettings, ProcessedAction,
    UidState, Wake,
};
pub use inbound::{Attachment, EmailAddress, InboundMessage, parse};
/// The built message type `OutgoingMessage::build` returns and `SmtpSender` sends.
pub use lettre::Message as BuiltMessage;
pub use noise::{Noise, classify};
pub use outbound::{AutoSubmitted, OutgoingAttachment, OutgoingMessage};
pub use reply::extract_reply;
pub use smtp::{SmtpSecurity, SmtpSender, SmtpSettings};
pub use threading::{MessageIds, SubjectTags, message_ids, strip_reply_prefixes, tag_subject};
