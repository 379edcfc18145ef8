//! Inbound email: mail to a mailbox becomes tickets and comments.
//!
//! - `intake.rs`: the one function that takes a raw message in, for every entry.
//! - `poller.rs`: fetching from each mailbox over IMAP, in every `docket serve`.
//!
//! The other entries are `docket mail pipe` (`cli/mail.rs`, for an MTA) and
//! `POST /mailboxes/{id}/raw` (`api/mailboxes`, for providers that post mail).

pub mod intake;
pub mod poller;

use std::time::Duration;

use docket_mail::{ImapSecurity, ImapSettings, ProcessedAction};
use docket_store::mailboxes::{Mailbox, Security};

pub use intake::{Received, TryLater, take_in};

/// How long any one IMAP command (or each response of a fetch) may take.
pub const IMAP_TIMEOUT: Duration = Duration::from_secs(30);

/// The IMAP settings of a mailbox with its password.
pub fn imap_settings(mailbox: &Mailbox, password: String) -> ImapSettings {
    let s = &mailbox.settings;
    let security = match s.imap_security {
        Security::Tls => ImapSecurity::Tls,
        Security::StartTls => ImapSecurity::StartTls,
        Security::None => ImapSecurity::None,
    };
    let mut settings = ImapSettings::new(
        s.imap_host.clone(),
        s.imap_port,
        security,
        s.imap_username.clone(),
        password,
    );
    settings.folder = s.folder.clone();
    settings.processed = match &s.move_to {
        Some(folder) => ProcessedAction::MoveTo(folder.clone()),
        None => ProcessedAction::MarkSeen,
    };
    settings.use_idle = s.use_idle;
    settings.poll_interval = Duration::from_secs(u64::from(s.poll_seconds.max(1)));
    settings.timeout = IMAP_TIMEOUT;
    settings
}
