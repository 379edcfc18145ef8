//! An SMTP receiver: aiosmtpd with a small handler (`smtp_receiver.py`) that keeps
//! every message and refuses some recipients on purpose.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::tls::TlsTerminator;
use super::{
    TEST_CERTIFICATE_PEM, TempDir, free_port, venv_program, wait_for_greeting, write_certificate,
};
use crate::smtp::{SmtpSecurity, SmtpSettings};

const HANDLER: &str = include_str!("smtp_receiver.py");

/// One message as the receiver got it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// MAIL FROM (empty for the null sender).
    pub mail_from: String,
    /// RCPT TO, the accepted recipients.
    pub rcpt_to: Vec<String>,
    /// The message as it came over DATA.
    pub raw: Vec<u8>,
}

impl ReceivedMail {
    /// The message parsed as inbound mail would be.
    pub fn parsed(&self) -> crate::InboundMessage {
        crate::parse(&self.raw).expect("the receiver got a parsable message")
    }
}

/// An SMTP server on loopback that accepts everything except recipients whose local
/// part starts with `reject` (550, permanent) or `later` (451, transient).
pub struct SmtpReceiver {
    /// Settings that reach it: plain SMTP, a 5 s timeout, with the credentials when
    /// started with `start_with_login`.
    pub settings: SmtpSettings,
    child: Child,
    dir: TempDir,
    _tls: Option<TlsTerminator>,
}

impl SmtpReceiver {
    pub async fn start() -> SmtpReceiver {
        SmtpReceiver::spawn(None, false).await
    }

    /// A receiver that requires AUTH with these credentials.
    pub async fn start_with_login(username: &str, password: &str) -> SmtpReceiver {
        SmtpReceiver::spawn(Some((username, password)), false).await
    }

    /// A receiver that requires STARTTLS with the test certificate; the settings use
    /// STARTTLS and trust that certificate.
    pub async fn start_starttls() -> SmtpReceiver {
        SmtpReceiver::spawn(None, true).await
    }

    /// A receiver reached over implicit TLS (as on port 465) with the test
    /// certificate; the settings use TLS and trust that certificate.
    pub async fn start_tls() -> SmtpReceiver {
        let mut receiver = SmtpReceiver::spawn(None, false).await;
        let terminator = TlsTerminator::start(receiver.settings.port).await;
        receiver.settings.port = terminator.port;
        receiver.settings.security = SmtpSecurity::Tls;
        receiver.settings.trusted_certificates_pem = Some(TEST_CERTIFICATE_PEM.to_string());
        receiver._tls = Some(terminator);
        receiver
    }

    async fn spawn(login: Option<(&str, &str)>, starttls: bool) -> SmtpReceiver {
        let python = venv_program("python");
        let dir = TempDir::new("docket-smtp");
        let script = dir.0.join("smtp_receiver.py");
        std::fs::write(&script, HANDLER).expect("write the SMTP handler");
        let mail = dir.0.join("mail");
        std::fs::create_dir_all(&mail).expect("a mail directory");
        let port = free_port();
        let mut command = Command::new(&python);
        command
            .arg(&script)
            .args(["--port", &port.to_string()])
            .arg("--dir")
            .arg(&mail)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some((user, password)) = login {
            command.args(["--user", user, "--password", password]);
        }
        if starttls {
            let (cert, key) = write_certificate(&dir.0);
            command.arg("--cert").arg(cert).arg("--key").arg(key);
        }
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
        wait_for_greeting(port, "220", &mut child, "the SMTP receiver").await;
        let security = if starttls {
            SmtpSecurity::StartTls
        } else {
            SmtpSecurity::None
        };
        let mut settings = SmtpSettings::new("127.0.0.1", port, security);
        if starttls {
            settings.trusted_certificates_pem = Some(TEST_CERTIFICATE_PEM.to_string());
        }
        settings.timeout = Duration::from_secs(5);
        settings.hello_name = Some("docket.test".into());
        if let Some((user, password)) = login {
            settings.username = Some(user.into());
            settings.password = Some(password.into());
        }
        SmtpReceiver {
            settings,
            child,
            dir,
            _tls: None,
        }
    }

    /// Every message received so far, in order of arrival.
    pub fn received(&self) -> Vec<ReceivedMail> {
        let mail = self.dir.0.join("mail");
        let mut names: Vec<_> = std::fs::read_dir(&mail)
            .expect("the mail directory")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|eml| {
                let raw = std::fs::read(&eml).expect("a received message");
                let envelope =
                    std::fs::read_to_string(eml.with_extension("envelope")).unwrap_or_default();
                let mut lines = envelope.lines().map(str::to_string);
                ReceivedMail {
                    mail_from: lines.next().unwrap_or_default(),
                    rcpt_to: lines.collect(),
                    raw,
                }
            })
            .collect()
    }

    /// Wait (up to 10 s) until at least `count` messages arrived; return them all.
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedMail> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "expected {count} messages, the receiver has {}",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stop the server (an outage); its port refuses connections from then on.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpReceiver {
    fn drop(&mut self) {
        self.stop();
    }
}
