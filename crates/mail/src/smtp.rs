//! Sending through an SMTP relay (lettre, pooled connections, rustls with ring).
//!
//! Never hangs. lettre's async transport applies its timeout to the TCP connect only
//! (not to the TLS handshake, the greeting or any command), so each send runs under a
//! deadline of its own: three `timeout`s for the conversation (a silent server is
//! given up on after that) plus a second per 256 KiB of message for the upload.
//! Errors say whether a retry can help.

use std::fmt;
use std::time::Duration;

use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::MailError;

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host or in tests.
    None,
}

#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
    /// For connecting and for each command.
    pub timeout: Duration,
    /// The EHLO name; the machine's host name when `None`.
    pub hello_name: Option<String>,
    /// PEM certificates trusted besides the public roots: a company CA, or a test
    /// server's own certificate.
    pub trusted_certificates_pem: Option<String>,
}

impl SmtpSettings {
    /// Settings for `host:port` with a 10 s timeout and no credentials.
    pub fn new(host: impl Into<String>, port: u16, security: SmtpSecurity) -> SmtpSettings {
        SmtpSettings {
            host: host.into(),
            port,
            security,
            username: None,
            password: None,
            timeout: Duration::from_secs(10),
            hello_name: None,
            trusted_certificates_pem: None,
        }
    }
}

// The password stays out of logs.
impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("hello_name", &self.hello_name)
            .field(
                "trusted_certificates_pem",
                &self.trusted_certificates_pem.is_some(),
            )
            .finish()
    }
}

/// Sends messages through one relay. Clones share the connection pool.
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    timeout: Duration,
}

impl SmtpSender {
    pub fn new(settings: &SmtpSettings) -> Result<SmtpSender, MailError> {
        let config = |detail: String| MailError::Config { detail };
        let host = settings.host.trim();
        if host.is_empty() {
            return Err(config("the SMTP host is empty".into()));
        }
        let tls_parameters = || {
            let mut builder = TlsParameters::builder(host.to_string());
            if let Some(pem) = &settings.trusted_certificates_pem {
                let certificate = Certificate::from_pem(pem.as_bytes())
                    .map_err(|e| config(format!("trusted certificates: {e}")))?;
                builder = builder.add_root_certificate(certificate);
            }
            builder
                .build_rustls()
                .map_err(|e| config(format!("TLS for {host}: {e}")))
        };
        let tls = match settings.security {
            SmtpSecurity::StartTls => Tls::Required(tls_parameters()?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters()?),
            SmtpSecurity::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(settings.timeout))
            // A few connections are plenty for notifications; idle ones close before
            // relays drop them (many do after a minute).
            .pool_config(
                PoolConfig::new()
                    .max_size(4)
                    .idle_timeout(Duration::from_secs(50)),
            );
        if let Some(name) = settings
            .hello_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            builder = builder.hello_name(ClientId::Domain(name.to_string()));
        }
        match (&settings.username, &settings.password) {
            (Some(user), Some(password)) => {
                builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
            }
            (None, None) => {}
            _ => {
                return Err(config(
                    "set both the SMTP username and password, or neither".into(),
                ));
            }
        }
        Ok(SmtpSender {
            transport: builder.build(),
            timeout: settings.timeout,
        })
    }

    /// Send one message to its envelope recipients (From, To, Cc, Bcc).
    pub async fn send(&self, message: &Message) -> Result<(), MailError> {
        let upload = Duration::from_secs((message.formatted().len() / (256 * 1024)) as u64);
        let deadline = self.conversation_deadline() + upload;
        match tokio::time::timeout(deadline, self.transport.send(message.clone())).await {
            Ok(Ok(response)) => {
                tracing::debug!(code = %response.code(), "SMTP relay accepted the message");
                Ok(())
            }
            Ok(Err(error)) => Err(classify(&error)),
            Err(_) => Err(MailError::Timeout {
                operation: "sending a message".into(),
            }),
        }
    }

    /// Connect, greeting, EHLO, STARTTLS, AUTH, MAIL, RCPT and DATA take milliseconds
    /// each on a working relay; three timeouts for them all leaves room for a slow one.
    fn conversation_deadline(&self) -> Duration {
        self.timeout.saturating_mul(3)
    }

    /// Connect, greet and log in without sending: for an admin's "test settings".
    pub async fn check_connection(&self) -> Result<(), MailError> {
        let deadline = self.conversation_deadline();
        match tokio::time::timeout(deadline, self.transport.test_connection()).await {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => Err(MailError::SmtpTransient {
                code: None,
                detail: "the relay did not answer NOOP".into(),
            }),
            Ok(Err(error)) => Err(classify(&error)),
            Err(_) => Err(MailError::Timeout {
                operation: "checking the connection".into(),
            }),
        }
    }
}

/// A refused login is its own error (the relay's settings, not the message); other
/// 5xx and messages lettre refuses to send are permanent; 4xx, timeouts, refused
/// connections, TLS and protocol trouble are transient (the relay or the network may
/// be back later; a TLS setting the admin fixes, too).
fn classify(error: &lettre::transport::smtp::Error) -> MailError {
    let code = error
        .status()
        .and_then(|c| c.to_string().parse::<u16>().ok());
    let detail = error_chain(error);
    if matches!(code, Some(530 | 534 | 535 | 538)) {
        MailError::SmtpLogin { code, detail }
    } else if error.is_permanent() {
        MailError::SmtpPermanent { code, detail }
    } else if error.is_client() {
        MailError::InvalidMessage { detail }
    } else if error.is_timeout() {
        MailError::Timeout { operation: detail }
    } else {
        MailError::SmtpTransient { code, detail }
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let more = inner.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = inner.source();
    }
    text
}
