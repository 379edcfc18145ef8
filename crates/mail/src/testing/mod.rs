//! Mail servers on loopback for tests, from PyPI, installed into the workspace's
//! `.venv` by `scripts/python-tools`: an SMTP receiver (aiosmtpd) and an IMAP server
//! (pymap, in-memory). One process per test; killed on drop. They speak the real
//! protocols, so the real client code runs.
//!
//! ```ignore
//! let smtp = SmtpReceiver::start().await;      // smtp.settings → SmtpSender::new
//! let mail = smtp.wait_for(1).await;           // what arrived, raw bytes + envelope
//! let imap = ImapServer::start().await;        // imap.settings → ImapMailbox::connect
//! imap.append(b"From: ...").await;             // put mail into the folder
//! ```
//!
//! `start_starttls` and `start_tls` give the same servers behind STARTTLS or implicit
//! TLS, with settings that trust `TEST_CERTIFICATE_PEM`.

mod imap;
mod smtp;
mod tls;

pub use imap::ImapServer;
pub use smtp::{ReceivedMail, SmtpReceiver};

/// The test servers' TLS certificate (self-signed for `localhost` and `127.0.0.1`,
/// valid until 2126), for `trusted_certificates_pem`.
pub const TEST_CERTIFICATE_PEM: &str = include_str!("tls/localhost.crt");
const TEST_KEY_PEM: &str = include_str!("tls/localhost.key");

/// Write the test certificate and key into `dir`; their paths.
fn write_certificate(dir: &std::path::Path) -> (PathBuf, PathBuf) {
    let cert = dir.join("localhost.crt");
    let key = dir.join("localhost.key");
    std::fs::write(&cert, TEST_CERTIFICATE_PEM).expect("write the test certificate");
    std::fs::write(&key, TEST_KEY_PEM).expect("write the test key");
    (cert, key)
}

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A program in the Python environment: `DOCKET_TEST_VENV/bin/<name>` when set, else
/// the workspace's `.venv/bin/<name>`.
fn venv_program(name: &str) -> PathBuf {
    let venv = std::env::var_os("DOCKET_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv"));
    let path = venv.join("bin").join(name);
    assert!(
        path.is_file(),
        "the mail tests need {name} in {}: run scripts/python-tools (scripts/test does), or set DOCKET_TEST_VENV",
        venv.display()
    );
    path
}

/// Wait until `port` accepts connections and sends a greeting starting with
/// `greeting`, or the child exits, or a minute passes.
async fn wait_for_greeting(port: u16, greeting: &str, child: &mut std::process::Child, what: &str) {
    use tokio::io::AsyncReadExt as _;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            let mut buf = [0u8; 64];
            let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await;
            if let Ok(Ok(n)) = read
                && buf[..n].starts_with(greeting.as_bytes())
            {
                return;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{what} exited at start ({status})");
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not start within a minute"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A directory of its own under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> TempDir {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("{prefix}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary directory");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
