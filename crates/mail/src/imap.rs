//! Fetching from an IMAP mailbox (async-imap over tokio, rustls with ring).
//!
//! The caller's loop owns the schedule and reconnects: `connect`, then
//! `fetch_new` → store each message → `mark_processed`, then `idle_or_wait`, again;
//! on an error with `needs_reconnect()` drop the mailbox and `connect` anew.
//!
//! Nothing is fetched twice or skipped across reconnects because the caller persists
//! a `UidState` (the folder's UIDVALIDITY and the last UID it stored) and passes it to
//! `fetch_new`: everything above its UID is new, seen or not. UIDs only grow within
//! one UIDVALIDITY; when the server changes UIDVALIDITY (the folder was rebuilt) the
//! stored UID means nothing, and the fetch falls back to "everything not yet
//! processed" (unseen mail, or the whole folder when processed mail is moved out).
//! A message stored whose state was not persisted comes again: the store's
//! Message-ID check catches it.
//!
//! async-imap has no timeouts of its own: every command here runs under
//! `tokio::time::timeout`.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_imap::Session;
use async_imap::extensions::idle::IdleResponse;
use futures::StreamExt as _;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls;

use crate::error::MailError;

/// How the connection to the IMAP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImapSecurity {
    /// TLS from the first byte (port 993).
    Tls,
    /// Plain connection upgraded with STARTTLS, which is required (port 143).
    StartTls,
    /// No encryption: only for a server on the same host or in tests.
    None,
}

/// What happens to a message once the caller has stored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessedAction {
    /// Set `\Seen`; the message stays in the folder.
    MarkSeen,
    /// Move it to this folder (MOVE, or COPY + delete on servers without MOVE).
    MoveTo(String),
}

#[derive(Clone)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    pub security: ImapSecurity,
    pub username: String,
    pub password: String,
    /// The folder mail arrives in, usually `INBOX`.
    pub folder: String,
    pub processed: ProcessedAction,
    /// For connecting and for each command.
    pub timeout: Duration,
    /// How long `idle_or_wait` sleeps on servers without IDLE.
    pub poll_interval: Duration,
    /// At most this many messages per `fetch_new` (bounds memory with large mail).
    pub batch_size: usize,
    /// Use IDLE when the server offers it. Off polls instead: for servers or proxies
    /// that drop idle connections without a word.
    pub use_idle: bool,
    /// PEM certificates trusted besides the public roots: a company CA, or a test
    /// server's own certificate.
    pub trusted_certificates_pem: Option<String>,
}

impl ImapSettings {
    /// Settings for `INBOX`, marking processed mail `\Seen`, 10 s timeout, polling
    /// every 60 s without IDLE, 20 messages per fetch.
    pub fn new(
        host: impl Into<String>,
        port: u16,
        security: ImapSecurity,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> ImapSettings {
        ImapSettings {
            host: host.into(),
            port,
            security,
            username: username.into(),
            password: password.into(),
            folder: "INBOX".into(),
            processed: ProcessedAction::MarkSeen,
            timeout: Duration::from_secs(10),
            poll_interval: Duration::from_secs(60),
            batch_size: 20,
            use_idle: true,
            trusted_certificates_pem: None,
        }
    }
}

// The password stays out of logs.
impl fmt::Debug for ImapSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("folder", &self.folder)
            .field("processed", &self.processed)
            .field("timeout", &self.timeout)
            .field("poll_interval", &self.poll_interval)
            .field("batch_size", &self.batch_size)
            .field("use_idle", &self.use_idle)
            .field(
                "trusted_certificates_pem",
                &self.trusted_certificates_pem.is_some(),
            )
            .finish()
    }
}

/// Where fetching got to, for the caller to persist between runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UidState {
    pub uid_validity: u32,
    /// The highest UID stored; later fetches start above it.
    pub last_uid: u32,
}

/// One message as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedMessage {
    pub uid: u32,
    /// The raw RFC 822 bytes, for `inbound::parse` and for keeping as they came.
    pub raw: Vec<u8>,
}

impl FetchedMessage {
    /// The state to persist once this message is stored.
    pub fn state(&self, uid_validity: u32) -> UidState {
        UidState {
            uid_validity,
            last_uid: self.uid,
        }
    }
}

/// What `fetch_new` found, oldest first, and the state after the last of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedBatch {
    pub messages: Vec<FetchedMessage>,
    /// The folder's UIDVALIDITY now and the last UID in this batch (the `since`
    /// state's UID, or 0, when the batch is empty).
    pub state: UidState,
    /// More messages are waiting beyond `batch_size`: fetch again without waiting.
    pub more: bool,
}

/// Why `idle_or_wait` returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// The server told us the folder changed (IDLE).
    Changed,
    /// The wait ran out (IDLE timeout, or the polling interval on servers without IDLE).
    TimedOut,
}

/// A logged-in session on one folder.
pub struct ImapMailbox {
    settings: ImapSettings,
    /// `None` after an error that left the session unusable or after IDLE failed.
    session: Option<Session<ImapStream>>,
    uid_validity: u32,
    can_idle: bool,
    can_move: bool,
    can_uid_expunge: bool,
}

impl fmt::Debug for ImapMailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapMailbox")
            .field("settings", &self.settings)
            .field("connected", &self.session.is_some())
            .field("uid_validity", &self.uid_validity)
            .field("can_idle", &self.can_idle)
            .finish()
    }
}

impl ImapMailbox {
    /// Connect, log in and select the folder (and create the folder processed mail
    /// moves to when it is missing).
    pub async fn connect(settings: ImapSettings) -> Result<ImapMailbox, MailError> {
        let mut session = open_session(&settings).await?;
        let limit = settings.timeout;
        let capabilities = timed(limit, "CAPABILITY", session.capabilities()).await?;
        let can_idle = settings.use_idle && capabilities.has_str("IDLE");
        let can_move = capabilities.has_str("MOVE");
        let can_uid_expunge = capabilities.has_str("UIDPLUS");
        if let ProcessedAction::MoveTo(target) = &settings.processed {
            // CREATE answers NO when the folder exists; that is fine.
            let _ = timed(limit, "CREATE", session.create(target)).await;
        }
        let mailbox = timed(limit, "SELECT", session.select(&settings.folder)).await?;
        Ok(ImapMailbox {
            uid_validity: mailbox.uid_validity.unwrap_or(0),
            settings,
            session: Some(session),
            can_idle,
            can_move,
            can_uid_expunge,
        })
    }

    /// The folder's UIDVALIDITY at the last SELECT.
    pub fn uid_validity(&self) -> u32 {
        self.uid_validity
    }

    /// Whether `idle_or_wait` uses IDLE (the server announced it and the settings
    /// allow it) rather than polling.
    pub fn supports_idle(&self) -> bool {
        self.can_idle
    }

    /// Messages that arrived after `since` (see the module doc), oldest first, at
    /// most `batch_size`. Fetched with `BODY.PEEK[]`, so fetching alone marks nothing.
    pub async fn fetch_new(&mut self, since: Option<UidState>) -> Result<FetchedBatch, MailError> {
        let limit = self.settings.timeout;
        let uid_validity = self.uid_validity;
        let move_out = matches!(self.settings.processed, ProcessedAction::MoveTo(_));
        let last_uid = since
            .filter(|s| s.uid_validity == uid_validity)
            .map(|s| s.last_uid);
        if since.is_some() && last_uid.is_none() {
            tracing::warn!(folder = %self.settings.folder, uid_validity, "UIDVALIDITY changed; fetching every unprocessed message");
        }
        // With a state the UID range alone decides, so mail a person opened in their
        // own client before we fetched it is not skipped. Without one, unprocessed is
        // all we can go by.
        let query = match (last_uid, move_out) {
            (Some(last), _) => format!("UID {}:*", last.saturating_add(1)),
            (None, true) => "ALL".to_string(),
            (None, false) => "UNSEEN".to_string(),
        };
        let session = self.session()?;
        // NOOP first: servers report mail that arrived since the last command only in
        // answer to one (pymap does not count a SEARCH), and SEARCH sees what we know.
        let nooped = timed(limit, "NOOP", session.noop()).await;
        self.run(nooped)?;
        let session = self.session()?;
        let searched = timed(limit, "UID SEARCH", session.uid_search(&query)).await;
        let found = self.run(searched)?;
        // `n:*` always matches the newest message, even when its UID is below n.
        let floor = last_uid.unwrap_or(0);
        let mut uids: Vec<u32> = found.into_iter().filter(|uid| *uid > floor).collect();
        uids.sort_unstable();
        let more = uids.len() > self.settings.batch_size.max(1);
        uids.truncate(self.settings.batch_size.max(1));

        let mut messages = Vec::with_capacity(uids.len());
        if !uids.is_empty() {
            let set = uids
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let fetched = self.fetch_bodies(&set).await;
            messages = self.run(fetched)?;
            messages.sort_by_key(|m: &FetchedMessage| m.uid);
        }
        let last = messages.last().map(|m| m.uid).unwrap_or(floor);
        Ok(FetchedBatch {
            messages,
            state: UidState {
                uid_validity,
                last_uid: last,
            },
            more,
        })
    }

    async fn fetch_bodies(&mut self, set: &str) -> Result<Vec<FetchedMessage>, MailError> {
        let limit = self.settings.timeout;
        let session = self.session()?;
        let mut stream = timed(
            limit,
            "UID FETCH",
            session.uid_fetch(set, "(UID BODY.PEEK[])"),
        )
        .await?;
        let mut messages = Vec::new();
        // Each response within the timeout: a large message may take a while in all,
        // but a silent server does not hold us.
        while let Some(item) = tokio::time::timeout(limit, stream.next())
            .await
            .map_err(|_| MailError::Timeout {
                operation: "UID FETCH".into(),
            })?
        {
            let fetch = item.map_err(|e| imap_error("UID FETCH", e))?;
            if let (Some(uid), Some(body)) = (fetch.uid, fetch.body()) {
                messages.push(FetchedMessage {
                    uid,
                    raw: body.to_vec(),
                });
            }
        }
        Ok(messages)
    }

    /// Mark a stored message processed: `\Seen`, or moved to the processed folder.
    pub async fn mark_processed(&mut self, uid: u32) -> Result<(), MailError> {
        let result = self.mark(uid).await;
        self.run(result)
    }

    async fn mark(&mut self, uid: u32) -> Result<(), MailError> {
        let limit = self.settings.timeout;
        let set = uid.to_string();
        let processed = self.settings.processed.clone();
        let can_move = self.can_move;
        let can_uid_expunge = self.can_uid_expunge;
        let session = self.session()?;
        match processed {
            ProcessedAction::MarkSeen => {
                store_flags(session, &set, "+FLAGS.SILENT (\\Seen)", limit).await
            }
            ProcessedAction::MoveTo(folder) if can_move => {
                timed(limit, "UID MOVE", session.uid_mv(&set, &folder)).await
            }
            ProcessedAction::MoveTo(folder) => {
                timed(limit, "UID COPY", session.uid_copy(&set, &folder)).await?;
                store_flags(session, &set, "+FLAGS.SILENT (\\Seen \\Deleted)", limit).await?;
                // UID EXPUNGE removes only this message; plain EXPUNGE also removes
                // whatever a person marked deleted in the folder.
                let drained = if can_uid_expunge {
                    let expunged = timed(limit, "UID EXPUNGE", session.uid_expunge(&set)).await?;
                    tokio::time::timeout(limit, expunged.count()).await
                } else {
                    let expunged = timed(limit, "EXPUNGE", session.expunge()).await?;
                    tokio::time::timeout(limit, expunged.count()).await
                };
                drained.map(|_| ()).map_err(|_| MailError::Timeout {
                    operation: "EXPUNGE".into(),
                })
            }
        }
    }

    /// Wait for new mail: IDLE up to `max_wait` when the server supports it, else
    /// sleep for the polling interval (at most `max_wait`). Servers drop IDLE after
    /// 30 minutes; keep `max_wait` well below (a few minutes).
    pub async fn idle_or_wait(&mut self, max_wait: Duration) -> Result<Wake, MailError> {
        if !self.can_idle {
            tokio::time::sleep(self.settings.poll_interval.min(max_wait)).await;
            return Ok(Wake::TimedOut);
        }
        let limit = self.settings.timeout;
        let session = self.session.take().ok_or_else(closed)?;
        let mut idle = session.idle();
        timed(limit, "IDLE", idle.init()).await?;
        let response = {
            let (wait, _stop) = idle.wait_with_timeout(max_wait);
            // The wait has its own timeout; this one only guards against a bug there.
            tokio::time::timeout(max_wait + limit, wait)
                .await
                .map_err(|_| MailError::Timeout {
                    operation: "IDLE".into(),
                })?
                .map_err(|e| imap_error("IDLE", e))?
        };
        let session = timed(limit, "DONE", idle.done()).await?;
        self.session = Some(session);
        Ok(match response {
            IdleResponse::NewData(_) => Wake::Changed,
            IdleResponse::Timeout | IdleResponse::ManualInterrupt => Wake::TimedOut,
        })
    }

    /// Log out politely; errors do not matter any more.
    pub async fn logout(mut self) {
        if let Some(mut session) = self.session.take() {
            let _ = tokio::time::timeout(self.settings.timeout, session.logout()).await;
        }
    }

    fn session(&mut self) -> Result<&mut Session<ImapStream>, MailError> {
        self.session.as_mut().ok_or_else(closed)
    }

    /// Forget the session after an error that leaves it in an unknown state, so
    /// later calls fail fast with a reconnect error instead of misreading replies.
    fn run<T>(&mut self, result: Result<T, MailError>) -> Result<T, MailError> {
        if result.as_ref().is_err_and(MailError::needs_reconnect) {
            self.session = None;
        }
        result
    }
}

fn closed() -> MailError {
    MailError::ImapConnection {
        detail: "the session was closed after an earlier error; reconnect".into(),
    }
}

async fn store_flags(
    session: &mut Session<ImapStream>,
    set: &str,
    flags: &str,
    limit: Duration,
) -> Result<(), MailError> {
    let responses = timed(limit, "UID STORE", session.uid_store(set, flags)).await?;
    let drained: Vec<_> = tokio::time::timeout(limit, responses.collect())
        .await
        .map_err(|_| MailError::Timeout {
            operation: "UID STORE".into(),
        })?;
    for response in drained {
        response.map_err(|e| imap_error("UID STORE", e))?;
    }
    Ok(())
}

async fn timed<T>(
    limit: Duration,
    command: &str,
    future: impl Future<Output = Result<T, async_imap::error::Error>>,
) -> Result<T, MailError> {
    match tokio::time::timeout(limit, future).await {
        Ok(result) => result.map_err(|e| imap_error(command, e)),
        Err(_) => Err(MailError::Timeout {
            operation: command.to_string(),
        }),
    }
}

fn imap_error(command: &str, error: async_imap::error::Error) -> MailError {
    use async_imap::error::Error;
    match error {
        Error::No(detail) | Error::Bad(detail) => MailError::ImapCommand {
            command: command.to_string(),
            detail,
        },
        Error::Validate(e) => MailError::ImapCommand {
            command: command.to_string(),
            detail: e.to_string(),
        },
        Error::Append => MailError::ImapCommand {
            command: command.to_string(),
            detail: "APPEND failed".into(),
        },
        other => MailError::ImapConnection {
            detail: format!("{command}: {other}"),
        },
    }
}

/// Connect, read the greeting, upgrade to TLS as configured, log in.
async fn open_session(settings: &ImapSettings) -> Result<Session<ImapStream>, MailError> {
    let limit = settings.timeout;
    let host = settings.host.trim();
    if host.is_empty() {
        return Err(MailError::Config {
            detail: "the IMAP host is empty".into(),
        });
    }
    let connection = |detail: String| MailError::ImapConnection { detail };
    let tcp = tokio::time::timeout(limit, TcpStream::connect((host, settings.port)))
        .await
        .map_err(|_| MailError::Timeout {
            operation: format!("connecting to {host}:{}", settings.port),
        })?
        .map_err(|e| connection(format!("{host}:{}: {e}", settings.port)))?;
    let stream = match settings.security {
        ImapSecurity::Tls => ImapStream::Tls(Box::new(tls_handshake(settings, tcp).await?)),
        ImapSecurity::None | ImapSecurity::StartTls => ImapStream::Plain(tcp),
    };
    let mut client = async_imap::Client::new(stream);
    let greeting = tokio::time::timeout(limit, client.read_response())
        .await
        .map_err(|_| MailError::Timeout {
            operation: "greeting".into(),
        })?
        .map_err(|e| connection(format!("greeting: {e}")))?;
    if greeting.is_none() {
        return Err(connection(
            "the server closed the connection before greeting".into(),
        ));
    }
    if settings.security == ImapSecurity::StartTls {
        timed(
            limit,
            "STARTTLS",
            client.run_command_and_check_ok("STARTTLS", None),
        )
        .await?;
        let ImapStream::Plain(tcp) = client.into_inner() else {
            return Err(connection("STARTTLS on a TLS connection".into()));
        };
        client = async_imap::Client::new(ImapStream::Tls(Box::new(
            tls_handshake(settings, tcp).await?,
        )));
    }
    match tokio::time::timeout(limit, client.login(&settings.username, &settings.password)).await {
        Err(_) => Err(MailError::Timeout {
            operation: "LOGIN".into(),
        }),
        Ok(Ok(session)) => Ok(session),
        Ok(Err((
            async_imap::error::Error::No(detail) | async_imap::error::Error::Bad(detail),
            _,
        ))) => Err(MailError::ImapLogin { detail }),
        Ok(Err((other, _))) => Err(imap_error("LOGIN", other)),
    }
}

async fn tls_handshake(
    settings: &ImapSettings,
    tcp: TcpStream,
) -> Result<TlsStream<TcpStream>, MailError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject as _;
    let host = settings.host.trim();
    let limit = settings.timeout;
    let connection = |detail: String| MailError::ImapConnection { detail };
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(pem) = &settings.trusted_certificates_pem {
        let config = |detail: String| MailError::Config { detail };
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| config(format!("trusted certificates: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| config(format!("trusted certificates: {e}")))?;
        }
    }
    // ring explicitly: no process-wide provider needs installing first.
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| connection(format!("TLS setup: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|e| {
        MailError::Config {
            detail: format!("{host:?} is not a TLS server name: {e}"),
        }
    })?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    tokio::time::timeout(limit, connector.connect(name, tcp))
        .await
        .map_err(|_| MailError::Timeout {
            operation: "TLS handshake".into(),
        })?
        .map_err(|e| connection(format!("TLS handshake with {host}: {e}")))
}

/// A connection before or after TLS: STARTTLS swaps one for the other mid-session.
#[derive(Debug)]
pub(crate) enum ImapStream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for ImapStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for ImapStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_flush(cx),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ImapStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            ImapStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Append a raw message to a folder with a fresh session: for tests and tools that
/// put mail into a mailbox (the IMAP test server's `append`). `flags` as IMAP
/// writes them, e.g. `(\Seen)`.
pub async fn append(
    settings: &ImapSettings,
    folder: &str,
    flags: Option<&str>,
    raw: &[u8],
) -> Result<(), MailError> {
    let mut session = open_session(settings).await?;
    let limit = settings.timeout;
    timed(limit, "APPEND", session.append(folder, flags, None, raw)).await?;
    let _ = tokio::time::timeout(limit, session.logout()).await;
    Ok(())
}
