//! An IMAP server: pymap with its in-memory backend (`dict`), one user
//! (`demouser` / `demopass`) with an empty INBOX. Supports IDLE, MOVE and UIDPLUS.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::tls::TlsTerminator;
use super::{
    TEST_CERTIFICATE_PEM, TempDir, free_port, venv_program, wait_for_greeting, write_certificate,
};
use crate::imap::{ImapSecurity, ImapSettings, append};

pub struct ImapServer {
    /// Settings that reach INBOX: plain IMAP, a 5 s timeout, polling every 500 ms.
    pub settings: ImapSettings,
    child: Child,
    _dir: TempDir,
    _tls: Option<TlsTerminator>,
}

impl ImapServer {
    pub async fn start() -> ImapServer {
        ImapServer::spawn(false).await
    }

    /// A server reached over implicit TLS (as on port 993) with the test certificate;
    /// the settings use TLS and trust that certificate.
    pub async fn start_tls() -> ImapServer {
        let mut server = ImapServer::spawn(false).await;
        let terminator = TlsTerminator::start(server.settings.port).await;
        server.settings.port = terminator.port;
        server.settings.security = ImapSecurity::Tls;
        server.settings.trusted_certificates_pem = Some(TEST_CERTIFICATE_PEM.to_string());
        server._tls = Some(terminator);
        server
    }

    /// A server that offers STARTTLS with the test certificate; the settings use
    /// STARTTLS and trust that certificate.
    pub async fn start_starttls() -> ImapServer {
        ImapServer::spawn(true).await
    }

    async fn spawn(starttls: bool) -> ImapServer {
        let pymap = venv_program("pymap");
        let dir = TempDir::new("docket-imap");
        let port = free_port();
        let mut command = Command::new(&pymap);
        command.args(["--host", "127.0.0.1", "--port", &port.to_string()]);
        if starttls {
            let (cert, key) = write_certificate(&dir.0);
            command.arg("--cert").arg(cert).arg("--key").arg(key);
        } else {
            command.arg("--no-tls");
        }
        let mut child = command
            .arg("dict")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", pymap.display()));
        wait_for_greeting(port, "* OK", &mut child, "pymap").await;
        let security = if starttls {
            ImapSecurity::StartTls
        } else {
            ImapSecurity::None
        };
        let mut settings = ImapSettings::new("127.0.0.1", port, security, "demouser", "demopass");
        settings.timeout = Duration::from_secs(5);
        settings.poll_interval = Duration::from_millis(500);
        if starttls {
            settings.trusted_certificates_pem = Some(TEST_CERTIFICATE_PEM.to_string());
        }
        ImapServer {
            settings,
            child,
            _dir: dir,
            _tls: None,
        }
    }

    /// Put a message into the settings' folder (IMAP APPEND on a session of its own).
    pub async fn append(&self, raw: &[u8]) {
        self.append_to(&self.settings.folder, raw).await;
    }

    /// Put a message into `folder`.
    pub async fn append_to(&self, folder: &str, raw: &[u8]) {
        append(&self.settings, folder, None, raw)
            .await
            .expect("APPEND to the test server");
    }

    /// Put a message into the settings' folder as already read (a person opened it in
    /// their own mail client first).
    pub async fn append_seen(&self, raw: &[u8]) {
        append(&self.settings, &self.settings.folder, Some(r"(\Seen)"), raw)
            .await
            .expect("APPEND to the test server");
    }

    /// Stop the server (an outage).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ImapServer {
    fn drop(&mut self) {
        self.stop();
    }
}
