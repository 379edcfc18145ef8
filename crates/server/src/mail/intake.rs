//! The one way a received email becomes ticket data, whichever way it came (the IMAP
//! poller, `docket mail pipe`, the raw endpoint): raw RFC 822 bytes and the mailbox it
//! came in through, to a new ticket, a comment on its ticket, a note, or nothing.
//!
//! In order: parse (unusable input is refused, never a panic); a Message-ID taken in
//! before is a duplicate and writes nothing; the ticket it answers is found by our
//! Message-IDs in In-Reply-To/References (ids that carry the ticket key, or ids in a
//! ticket's recorded thread), a bounce by the id of the message that failed, then by
//! the `[KEY]` subject tag. Noise (auto-replies, bounces; `docket_mail::noise`) becomes
//! an internal note on that ticket, or only a log entry, and is recorded with
//! `suppress_replies` so nothing answers it. Other mail to a ticket is a public comment;
//! otherwise it opens a new ticket, unless its sender opened too many lately.
//!
//! Every write goes through the store's ticket functions, each keyed by the Message-ID
//! (the ticket's idempotency key, the comment's external reference, the files'
//! idempotency keys), so a message taken in again after a crash between two writes
//! completes what was missing and duplicates nothing. The outcome goes to the
//! mailbox's log.

use chrono::Duration;
use docket_core::ticket::{CommentKind, NO_AUTO_REPLY_TAG, SourceChannel};
use docket_mail::{InboundMessage, MessageIds, Noise, SubjectTags};
use docket_store::attachments::{AttachmentPolicy, NewAttachment};
use docket_store::email_messages::{Direction, NewEmailMessage};
use docket_store::mailboxes::{Mailbox, NewLogEntry, Outcome};
use docket_store::{
    IdempotencyKey, NewComment, NewTicket, RequesterRef, Store, StoreError, Ticket,
};
use sha2::{Digest, Sha256};

/// The rate limit's window.
const RATE_WINDOW: Duration = Duration::hours(1);
/// Noise notes quote at most this much of the message.
const NOTE_QUOTE_CHARS: usize = 4000;
const MAX_TITLE: usize = docket_store::MAX_TITLE;
/// The longest Message-ID kept as it is.
const MAX_MESSAGE_ID: usize = 900;

/// What became of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub outcome: Outcome,
    /// Its Message-ID (a made-up one, from its hash, when it had none).
    pub message_id: Option<String>,
    pub ticket_key: Option<String>,
    /// Why, for the log and the caller: what was refused, kept or skipped.
    pub detail: Option<String>,
}

/// The message could not be taken in now (the database is down): nothing is lost by
/// trying again later, and the caller must (the poller leaves it in the folder, the
/// pipe asks the MTA to retry).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct TryLater(pub String);

/// Take one raw message in through `mailbox`; see the module doc. The outcome is
/// logged for the mailbox's admins, a failure too.
pub async fn take_in(
    store: &Store,
    policy: &AttachmentPolicy,
    mailbox: &Mailbox,
    raw: &[u8],
) -> Result<Received, TryLater> {
    let parsed = docket_mail::parse(raw).map(without_nul);
    let result = match &parsed {
        Ok(message) => process(store, policy, mailbox, raw, message).await,
        Err(e) => Ok(Received {
            outcome: Outcome::Refused,
            message_id: None,
            ticket_key: None,
            detail: Some(format!("unusable message: {e}")),
        }),
    };
    let message = parsed.as_ref().ok();
    let (outcome, message_id, ticket_key, detail) = match &result {
        Ok(r) => (
            r.outcome,
            r.message_id.clone(),
            r.ticket_key.clone(),
            r.detail.clone(),
        ),
        Err(TryLater(e)) => (
            Outcome::Failed,
            message.and_then(|m| m.message_id.clone()),
            None,
            Some(e.clone()),
        ),
    };
    let logged = store
        .log_mailbox_message(
            mailbox.id,
            NewLogEntry {
                outcome,
                message_id: message_id.as_deref(),
                from_address: message
                    .and_then(|m| m.from.as_ref())
                    .map(|f| f.address.as_str()),
                subject: message.map(|m| m.subject.as_str()),
                ticket_key: ticket_key.as_deref(),
                detail: detail.as_deref(),
            },
        )
        .await;
    if let Err(e) = logged {
        // The log helps an admin; losing an entry must not lose the message.
        tracing::warn!(error = %e, mailbox = %mailbox.settings.name, "could not log a received message");
    }
    result
}

/// PostgreSQL stores no NUL character in text, and no mail needs one.
fn without_nul(mut m: InboundMessage) -> InboundMessage {
    let scrub = |s: &mut String| {
        if s.contains('\0') {
            *s = s.replace('\0', "");
        }
    };
    scrub(&mut m.subject);
    scrub(&mut m.text);
    if let Some(html) = &mut m.html {
        scrub(html);
    }
    for a in m
        .from
        .iter_mut()
        .chain(m.to.iter_mut())
        .chain(m.cc.iter_mut())
    {
        scrub(&mut a.address);
        if let Some(name) = &mut a.name {
            scrub(name);
        }
    }
    m
}

/// A store error that leaves the message for later, or refuses it for good.
fn classify(e: StoreError) -> Result<String, TryLater> {
    match e {
        StoreError::Invalid(errors) => Ok(errors
            .iter()
            .map(|e| format!("{} {}", e.pointer, e.message))
            .collect::<Vec<_>>()
            .join("; ")),
        StoreError::NotFound(what) => Ok(format!("{what} not found")),
        StoreError::Conflict(why) | StoreError::Forbidden(why) => Ok(why),
        other => Err(TryLater(other.to_string())),
    }
}

async fn process(
    store: &Store,
    policy: &AttachmentPolicy,
    mailbox: &Mailbox,
    raw: &[u8],
    message: &InboundMessage,
) -> Result<Received, TryLater> {
    let unavailable = |e: StoreError| TryLater(e.to_string());
    let message_id = match &message.message_id {
        Some(id) if usable_message_id(id) => id.clone(),
        Some(id) => made_up_message_id(id.as_bytes()),
        None => made_up_message_id(raw),
    };
    let received = |outcome, ticket_key: Option<String>, detail: Option<String>| Received {
        outcome,
        message_id: Some(message_id.clone()),
        ticket_key,
        detail,
    };
    if let Some(seen) = store
        .email_message(&message_id)
        .await
        .map_err(unavailable)?
    {
        let key = store
            .ticket_key(seen.ticket_id)
            .await
            .map_err(unavailable)?;
        return Ok(received(
            Outcome::Duplicate,
            key,
            Some("this Message-ID was taken in before; nothing written".into()),
        ));
    }
    let Some(from) = message.from.clone() else {
        return Ok(received(
            Outcome::Refused,
            None,
            Some("the message has no From address".into()),
        ));
    };
    let mailboxes = store.mailboxes().await.map_err(unavailable)?;
    // Mail from one of our own addresses is our mail come back (a forward rule, a
    // misrouted copy): answering it could loop.
    if mailboxes
        .iter()
        .any(|m| m.settings.address.eq_ignore_ascii_case(&from.address))
    {
        return Ok(received(
            Outcome::Noise,
            None,
            Some(format!(
                "sent from our own address {}; ignored",
                from.address
            )),
        ));
    }
    let noise = docket_mail::classify(message);
    let ticket = thread_ticket(store, &mailboxes, message, &noise)
        .await
        .map_err(unavailable)?;
    let mail = Mail {
        store,
        policy,
        mailbox,
        message,
        message_id: &message_id,
        from: &from,
    };
    match (ticket, &noise) {
        (Some(ticket), Noise::None) => mail.comment(&ticket).await,
        (Some(ticket), noise) => mail.noise_note(&ticket, noise).await,
        // An automatic answer to nothing we know: opening a ticket for it would invite
        // the next automatic answer.
        (None, Noise::AutoReply | Noise::Bounce { .. }) => Ok(received(
            Outcome::Noise,
            None,
            Some(format!(
                "{} to no known ticket: kept in this log only",
                noise_name(&noise)
            )),
        )),
        // Bulk mail opens tickets (a support address behind a list service marks every
        // customer's mail as list mail), but nothing answers them.
        (None, _) => mail.new_ticket(&noise).await,
    }
}

/// The ticket the message belongs to: our ids in its thread headers (a bounce's failed
/// message first), then its subject's `[KEY]` tag. Deleted tickets thread nothing.
async fn thread_ticket(
    store: &Store,
    mailboxes: &[Mailbox],
    message: &InboundMessage,
    noise: &Noise,
) -> docket_store::Result<Option<Ticket>> {
    let mut thread: Vec<String> = Vec::new();
    if let Noise::Bounce {
        original_message_id: Some(id),
        ..
    } = noise
    {
        thread.push(id.clone());
    }
    thread.extend(message.in_reply_to.iter().cloned());
    thread.extend(message.references.iter().rev().cloned());
    // Our ids end with a mailbox's domain or the outgoing sender's (the email settings).
    let sender = store.email_settings().await?.settings;
    let id_domains: Vec<MessageIds> = mailboxes
        .iter()
        .filter_map(|m| m.settings.address.rsplit_once('@').map(|(_, d)| d))
        .chain(sender.message_id_domain())
        .filter_map(|domain| MessageIds::new(domain).ok())
        .collect();
    for id in &thread {
        for ids in &id_domains {
            if let Some(key) = ids.ticket_key(id)
                && let Some(ticket) = live_ticket(store, &key).await?
            {
                return Ok(Some(ticket));
            }
        }
        if let Some(ticket_id) = store
            .ticket_of_message_ids(std::slice::from_ref(id))
            .await?
            && let Some(key) = store.ticket_key(ticket_id).await?
            && let Some(ticket) = live_ticket(store, &key).await?
        {
            return Ok(Some(ticket));
        }
    }
    let prefixes: Vec<String> = store
        .registry()
        .all()
        .iter()
        .map(|t| t.stored.definition.key_prefix.clone())
        .collect();
    match SubjectTags::new(&prefixes).ticket_key(&message.subject) {
        Some(key) => live_ticket(store, &key).await,
        None => Ok(None),
    }
}

async fn live_ticket(store: &Store, key: &str) -> docket_store::Result<Option<Ticket>> {
    match store.get_ticket(key, false).await {
        Ok(t) => Ok(Some(t)),
        Err(StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

fn noise_name(noise: &Noise) -> &'static str {
    match noise {
        Noise::None => "mail",
        Noise::AutoReply => "an automatic reply",
        Noise::Bounce { .. } => "a delivery failure report",
        Noise::Bulk => "bulk mail",
    }
}

/// Whether a Message-ID can be stored and used as a reference as it is (the column and
/// comment references hold 998 bytes; `:skipped` and the like are appended).
fn usable_message_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_MESSAGE_ID && !id.chars().any(char::is_control)
}

/// A stable id for a message without one (or with an unusable one), so that taking it in again is recognised.
fn made_up_message_id(raw: &[u8]) -> String {
    format!("{}@no-message-id.invalid", &hex(&Sha256::digest(raw))[..40])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.1} kB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}

/// One message on its way in.
struct Mail<'a> {
    store: &'a Store,
    policy: &'a AttachmentPolicy,
    mailbox: &'a Mailbox,
    message: &'a InboundMessage,
    message_id: &'a str,
    from: &'a docket_mail::EmailAddress,
}

impl Mail<'_> {
    fn actor(&self) -> String {
        format!("mailbox:{}", self.mailbox.settings.name)
    }

    fn received(&self, outcome: Outcome, key: &str, detail: Option<String>) -> Received {
        Received {
            outcome,
            message_id: Some(self.message_id.to_string()),
            ticket_key: Some(key.to_string()),
            detail,
        }
    }

    /// The sender as comments show them.
    fn sender_name(&self) -> String {
        match &self.from.name {
            Some(name) => format!("{name} <{}>", self.from.address),
            None => self.from.address.clone(),
        }
    }

    /// The new text of the message: the reply without quotes and signature, or the
    /// whole text when nothing is left of it.
    fn text(&self) -> String {
        let reply = self.message.reply_text();
        if reply.trim().is_empty() {
            self.message.text.trim().to_string()
        } else {
            reply.trim().to_string()
        }
    }

    async fn record(
        &self,
        ticket_id: i64,
        comment_id: Option<i64>,
        suppress_replies: bool,
    ) -> Result<(), TryLater> {
        self.store
            .record_email_message(NewEmailMessage {
                ticket_id,
                message_id: self.message_id.to_string(),
                direction: Direction::In,
                mailbox_id: Some(self.mailbox.id),
                comment_id,
                from_address: Some(self.from.address.clone()),
                subject: Some(self.message.subject.clone()),
                suppress_replies,
                full_text: Some(self.message.text.clone()),
                html: self.message.html.clone(),
            })
            .await
            .map_err(|e| TryLater(e.to_string()))?;
        Ok(())
    }

    /// Store the message's files on the ticket: their ids, and a line for each one not
    /// stored (too large, a refused type), so none is dropped silently.
    async fn upload_files(&self, key: &str) -> Result<(Vec<i64>, Vec<String>), TryLater> {
        let mut ids = Vec::new();
        let mut skipped = Vec::new();
        let id_hash = hex(&Sha256::digest(self.message_id.as_bytes()));
        for (i, file) in self.message.attachments.iter().enumerate() {
            let name = file
                .filename
                .clone()
                .unwrap_or_else(|| format!("attachment-{}", i + 1));
            let size = file.content.len() as u64;
            if size > self.policy.max_bytes {
                skipped.push(format!(
                    "{name} ({}): larger than the {} limit",
                    human_size(size),
                    human_size(self.policy.max_bytes)
                ));
                continue;
            }
            let new = NewAttachment {
                filename: name.clone(),
                content_type: Some(file.content_type.clone()),
                data: file.content.clone(),
                actor: self.actor(),
                idempotency: Some(IdempotencyKey {
                    scope: "email".into(),
                    key: format!("{}#{i}", &id_hash[..40]),
                    request_hash: "attachment".into(),
                }),
            };
            match self.store.add_attachment(key, new, self.policy).await {
                Ok(stored) => ids.push(stored.id),
                Err(e) => {
                    let why = classify(e)?;
                    skipped.push(format!("{name} ({}): {why}", human_size(size)));
                }
            }
        }
        Ok((ids, skipped))
    }

    /// A reply to its ticket: a public comment by staff (an active user with the
    /// sender's address) or on the requester's side (the requester, or anyone else
    /// answering in the thread: a colleague in Cc; their name and address show).
    async fn comment(&self, ticket: &Ticket) -> Result<Received, TryLater> {
        let staff = self
            .store
            .user_by_email(&self.from.address)
            .await
            .map_err(|e| TryLater(e.to_string()))?
            .filter(|u| u.active);
        let (files, skipped) = self.upload_files(&ticket.key).await?;
        let mut body = self.text();
        if !skipped.is_empty() {
            body.push_str("\n\n---\nNot stored:\n");
            for s in &skipped {
                body.push_str(&format!("- {s}\n"));
            }
        }
        if body.trim().is_empty() && files.is_empty() {
            body = "(an empty message)".into();
        }
        let has_requester = ticket.requester.is_some();
        let (kind, author_user_id, from_requester) = match &staff {
            Some(user) => (CommentKind::Public, Some(user.id), false),
            None if has_requester => (CommentKind::Public, None, true),
            // No requester to write for: staff see it, nobody is answered.
            None => (CommentKind::Internal, None, false),
        };
        let new = NewComment {
            kind,
            body,
            author_user_id,
            from_requester,
            author_name: Some(match &staff {
                Some(user) => user.display_name.clone(),
                None => self.sender_name(),
            }),
            channel: SourceChannel::Email,
            actor: self.actor(),
            attachments: files,
            external_ref: Some(self.external_ref()),
        };
        let comment = match self.store.add_comment(&ticket.key, new).await {
            Ok((comment, _)) => comment,
            Err(e) => {
                let why = classify(e)?;
                return Ok(self.refused(Some(&ticket.key), why));
            }
        };
        self.record(ticket.id, Some(comment.id), false).await?;
        Ok(self.received(
            Outcome::Threaded,
            &ticket.key,
            (!skipped.is_empty()).then(|| format!("not stored: {}", skipped.join("; "))),
        ))
    }

    /// A comment's reference to this message (one comment per message and ticket).
    fn external_ref(&self) -> String {
        // The id is at most MAX_MESSAGE_ID bytes: with suffixes, within the limit.
        format!("email:{}", self.message_id)
    }

    fn refused(&self, key: Option<&str>, why: String) -> Received {
        Received {
            outcome: Outcome::Refused,
            message_id: Some(self.message_id.to_string()),
            ticket_key: key.map(str::to_string),
            detail: Some(why),
        }
    }

    /// An internal note on the ticket, recorded as not to be answered.
    async fn note(&self, ticket: &Ticket, heading: String) -> Result<Option<i64>, TryLater> {
        let quoted = clip(self.message.text.trim(), NOTE_QUOTE_CHARS);
        let subject = if self.message.subject.is_empty() {
            "(no subject)"
        } else {
            self.message.subject.as_str()
        };
        let body = format!("{heading}\n\nSubject: {subject}\n\n{quoted}");
        let new = NewComment {
            kind: CommentKind::Internal,
            body,
            author_user_id: None,
            from_requester: false,
            author_name: Some(self.sender_name()),
            channel: SourceChannel::Email,
            actor: self.actor(),
            attachments: Vec::new(),
            external_ref: Some(self.external_ref()),
        };
        match self.store.add_comment(&ticket.key, new).await {
            Ok((comment, _)) => Ok(Some(comment.id)),
            Err(e) => {
                classify(e)?;
                Ok(None)
            }
        }
    }

    async fn noise_note(&self, ticket: &Ticket, noise: &Noise) -> Result<Received, TryLater> {
        let heading = match noise {
            Noise::Bounce {
                recipient: Some(r), ..
            } => format!(
                "Delivery failed to {r} (a delivery failure report from {}; not answered).",
                self.sender_name()
            ),
            _ => format!(
                "Received {} from {} (not answered).",
                noise_name(noise),
                self.sender_name()
            ),
        };
        // Recorded only as a comment: a message recorded without one opened its ticket.
        if let Some(comment_id) = self.note(ticket, heading).await? {
            self.record(ticket.id, Some(comment_id), true).await?;
        }
        Ok(self.received(
            Outcome::Noise,
            &ticket.key,
            Some(format!(
                "{}: an internal note, not answered",
                noise_name(noise)
            )),
        ))
    }

    /// A new ticket of the mailbox's type, unless the sender is over the rate limit.
    async fn new_ticket(&self, noise: &Noise) -> Result<Received, TryLater> {
        let unavailable = |e: StoreError| TryLater(e.to_string());
        let limit = self.mailbox.settings.sender_hourly_limit;
        let opened = self
            .store
            .tickets_opened_by_sender(self.mailbox.id, &self.from.address, RATE_WINDOW)
            .await
            .map_err(unavailable)?;
        if limit > 0 && opened >= u64::from(limit) {
            return self.rate_limited(limit).await;
        }
        let settings = &self.mailbox.settings;
        let prefixes: Vec<String> = self
            .store
            .registry()
            .all()
            .iter()
            .map(|t| t.stored.definition.key_prefix.clone())
            .collect();
        let subject = SubjectTags::new(&prefixes).display_subject(&self.message.subject);
        let title = if subject.trim().is_empty() {
            "(no subject)".to_string()
        } else {
            clip(subject.trim(), MAX_TITLE)
        };
        let text = self.text();
        let new = NewTicket {
            type_slug: settings.ticket_type.clone(),
            title,
            body: if text.is_empty() {
                "(no text)".into()
            } else {
                text
            },
            status: None,
            priority: settings.default_priority,
            requester: Some(RequesterRef {
                email: Some(self.from.address.clone()),
                name: self.from.name.clone(),
                ..Default::default()
            }),
            assignee_id: None,
            team: None,
            source_channel: SourceChannel::Email,
            source_ref: Some(self.message_id.to_string()),
            // Written with the ticket, so the acknowledgement is held back whenever the
            // dispatcher sees the ticket (the thread row below comes after the commit).
            tags: if noise.is_none() {
                Vec::new()
            } else {
                vec![NO_AUTO_REPLY_TAG.to_string()]
            },
            fields: settings.fields.clone(),
            actor: self.actor(),
            // One ticket per Message-ID, even when two copies arrive at once.
            idempotency: Some(IdempotencyKey {
                scope: "email".into(),
                key: hex(&Sha256::digest(self.message_id.as_bytes())),
                request_hash: "message".into(),
            }),
            handled_by: None,
            route_skills: Vec::new(),
        };
        let ticket = match self.store.create_ticket(new).await {
            Ok((ticket, _)) => ticket,
            Err(e) => {
                let why = classify(e)?;
                return Ok(self.refused(None, format!("the ticket was refused: {why}")));
            }
        };
        let (_, skipped) = self.upload_files(&ticket.key).await?;
        if !skipped.is_empty() {
            let body = format!(
                "Attachments of the opening email not stored:\n{}",
                skipped
                    .iter()
                    .map(|s| format!("- {s}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
            let note = NewComment {
                kind: CommentKind::Internal,
                body,
                author_user_id: None,
                from_requester: false,
                author_name: Some("Docket".into()),
                channel: SourceChannel::Email,
                actor: self.actor(),
                attachments: Vec::new(),
                external_ref: Some(format!("{}:skipped", self.external_ref())),
            };
            self.store
                .add_comment(&ticket.key, note)
                .await
                .map_err(unavailable)?;
        }
        self.record(ticket.id, None, !noise.is_none()).await?;
        let mut details = Vec::new();
        if !noise.is_none() {
            details.push(format!("{}: not answered", noise_name(noise)));
        }
        if !skipped.is_empty() {
            details.push(format!("not stored: {}", skipped.join("; ")));
        }
        Ok(self.received(
            Outcome::Created,
            &ticket.key,
            (!details.is_empty()).then(|| details.join("; ")),
        ))
    }

    /// Over the limit: no ticket and no answer. The message is kept as a note on the
    /// sender's latest ticket (recorded as not to be answered), so nothing is lost.
    async fn rate_limited(&self, limit: u32) -> Result<Received, TryLater> {
        let unavailable = |e: StoreError| TryLater(e.to_string());
        let why = format!(
            "{} opened {limit} ticket(s) through this mailbox within the hour; no ticket made, not answered",
            self.from.address
        );
        let latest = self
            .store
            .last_ticket_opened_by_sender(self.mailbox.id, &self.from.address)
            .await
            .map_err(unavailable)?;
        let ticket = match latest {
            Some(id) => match self.store.ticket_key(id).await.map_err(unavailable)? {
                Some(key) => live_ticket(self.store, &key).await.map_err(unavailable)?,
                None => None,
            },
            None => None,
        };
        let Some(ticket) = ticket else {
            return Ok(Received {
                outcome: Outcome::RateLimited,
                message_id: Some(self.message_id.to_string()),
                ticket_key: None,
                detail: Some(why),
            });
        };
        let comment_id = self
            .note(
                &ticket,
                format!(
                    "Another email from {} arrived while they were over the limit of new tickets ({limit} an hour); kept here, not answered.",
                    self.sender_name()
                ),
            )
            .await?;
        if let Some(comment_id) = comment_id {
            self.record(ticket.id, Some(comment_id), true).await?;
        }
        Ok(self.received(Outcome::RateLimited, &ticket.key, Some(why)))
    }
}
