//! The one error type of the crate. Every variant says what the caller does next:
//! `is_retryable` (try the same thing again later) and `needs_reconnect` (drop the
//! IMAP session and log in again before the next try).

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// The bytes are not an email at all (empty, no header section). Malformed MIME
    /// inside a message is not an error: it parses to a best-effort message.
    #[error("not an email message: {detail}")]
    Unparsable { detail: String },
    /// An outgoing message cannot be built (an address that is not one, no recipient,
    /// no Message-ID). Final: the same input fails again.
    #[error("cannot build the email: {detail}")]
    InvalidMessage { detail: String },
    /// The settings cannot work (an empty host, a hello name that is not a name).
    #[error("invalid mail settings: {detail}")]
    Config { detail: String },
    /// The SMTP server refused for now (4xx), or could not be reached (connection
    /// refused or reset, DNS, TLS handshake). Sending the same message later may work.
    #[error("the mail server did not take the message for now{}: {detail}", code_text(*code))]
    SmtpTransient { code: Option<u16>, detail: String },
    /// The SMTP server refused for good (5xx: unknown recipient 550/551/553, message
    /// too large 552, relaying denied). The same message will fail again; `code`
    /// says whether the address is to blame.
    #[error("the mail server refused the message{}: {detail}", code_text(*code))]
    SmtpPermanent { code: Option<u16>, detail: String },
    /// The SMTP relay refused our login (530, 534, 535, 538). A settings problem, not
    /// the message's nor the recipient's: retry once the admin fixed it.
    #[error("the mail server refused the login{}: {detail}", code_text(*code))]
    SmtpLogin { code: Option<u16>, detail: String },
    /// No answer within the configured timeout.
    #[error("the mail server did not answer in time ({operation})")]
    Timeout { operation: String },
    /// Cannot reach the IMAP server, or the connection broke (refused, reset, TLS,
    /// a reply that is not IMAP).
    #[error("cannot reach the IMAP server: {detail}")]
    ImapConnection { detail: String },
    /// The IMAP server refused the login: wrong credentials or a disabled account.
    #[error("the IMAP server refused the login: {detail}")]
    ImapLogin { detail: String },
    /// The IMAP server answered NO or BAD to a command (a missing folder, a refused
    /// MOVE). The session is left in an unknown state, so the caller reconnects.
    #[error("the IMAP server refused {command}: {detail}")]
    ImapCommand { command: String, detail: String },
}

fn code_text(code: Option<u16>) -> String {
    code.map(|c| format!(" ({c})")).unwrap_or_default()
}

impl MailError {
    /// Whether the same call may succeed later: a job should be retried, not dropped.
    pub fn is_retryable(&self) -> bool {
        match self {
            MailError::SmtpTransient { .. }
            | MailError::SmtpLogin { .. }
            | MailError::Timeout { .. }
            | MailError::ImapConnection { .. }
            | MailError::ImapCommand { .. } => true,
            // A login may be refused for a moment (a server's own throttling), and an
            // admin fixes the password without restarting: retry, slowly.
            MailError::ImapLogin { .. } => true,
            MailError::Unparsable { .. }
            | MailError::InvalidMessage { .. }
            | MailError::Config { .. }
            | MailError::SmtpPermanent { .. } => false,
        }
    }

    /// Whether an IMAP session that returned this error must be dropped and a new
    /// one opened before the next call (the IMAP loop's reconnect).
    pub fn needs_reconnect(&self) -> bool {
        matches!(
            self,
            MailError::Timeout { .. }
                | MailError::ImapConnection { .. }
                | MailError::ImapCommand { .. }
                | MailError::ImapLogin { .. }
        )
    }

    /// The SMTP reply code, when the server gave one.
    pub fn smtp_code(&self) -> Option<u16> {
        match self {
            MailError::SmtpTransient { code, .. }
            | MailError::SmtpPermanent { code, .. }
            | MailError::SmtpLogin { code, .. } => *code,
            _ => None,
        }
    }
}
