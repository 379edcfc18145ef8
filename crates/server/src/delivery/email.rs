//! Email deliveries: the template named by the delivery, rendered with its values and
//! the settings' own (site name, links), sent through the relay of the current
//! settings with Docket's threading headers:
//! - Message-ID `d{delivery}-{millis}.{KEY}@{domain}`: the same on every retry (a
//!   relay that took the message before a timeout makes a duplicate clients fold), and
//!   carrying the ticket key, so an answer finds its ticket;
//! - References: the ticket's thread root `ticket-{millis}.{KEY}@{domain}`, which
//!   every message about the ticket references, so clients show one thread, then (to
//!   the requester) their conversation so far, what they sent and what we sent them
//!   (`email_messages`, which records each email the requester got); In-Reply-To its
//!   newest message;
//! - Reply-To the mailbox the ticket came through (or one for its type), so answers
//!   come back in;
//! - `[KEY]` in the subject, Auto-Submitted on
//!   everything a person did not write (an acknowledgement is `auto-replied`).
//!
//! A relay that cannot be used (down, refusing our login, email switched off) defers
//! the delivery (not counted as an attempt) and every other email of the run with it,
//! so an outage queues mail instead of using up its attempts.

use std::sync::Mutex;

use docket_core::email_settings::{EmailSettings, SMTP_PASSWORD_SECRET, SmtpSecurity};
use docket_core::mail_templates;
use docket_mail::smtp::{SmtpSender, SmtpSettings};
use docket_mail::{EmailAddress, MailError, OutgoingMessage, outbound::AutoSubmitted};
use docket_store::delivery::{Delivery, Outcome};
use docket_store::email_messages::{Direction, NewEmailMessage};
use docket_store::identity::MasterKey;
use docket_store::{Store, StoreError};
use serde_json::{Value, json};

/// Ids of the requester's thread an email references (besides the ticket's root):
/// the newest, which are the ones a client needs to place it.
const MAX_REFERENCES: usize = 10;

/// The relay of the current settings, rebuilt when their version moves.
#[derive(Default)]
pub struct EmailChannel {
    loaded: tokio::sync::Mutex<Option<Loaded>>,
    /// Set by the first deferral of a run: the rest of the run's email waits too.
    relay_down: Mutex<Option<String>>,
}

#[derive(Clone)]
struct Loaded {
    version: i64,
    settings: EmailSettings,
    /// The relay, or why there is none (a setting that cannot work).
    sender: Result<SmtpSender, String>,
}

/// A relay built from the saved settings and password.
pub async fn relay(
    store: &Store,
    key: &MasterKey,
) -> docket_store::Result<(EmailSettings, Result<SmtpSender, String>)> {
    let settings = store.email_settings().await?.settings;
    let password = store.reveal_secret(key, SMTP_PASSWORD_SECRET).await?;
    let sender = sender(&settings, password);
    Ok((settings, sender))
}

fn sender(settings: &EmailSettings, password: Option<String>) -> Result<SmtpSender, String> {
    let mut smtp = SmtpSettings::new(
        settings.smtp_host.clone(),
        settings.smtp_port,
        match settings.smtp_security {
            SmtpSecurity::Starttls => docket_mail::smtp::SmtpSecurity::StartTls,
            SmtpSecurity::Tls => docket_mail::smtp::SmtpSecurity::Tls,
            SmtpSecurity::None => docket_mail::smtp::SmtpSecurity::None,
        },
    );
    smtp.username = settings.smtp_username.clone();
    smtp.password = password.filter(|_| settings.smtp_username.is_some());
    SmtpSender::new(&smtp).map_err(|e| e.to_string())
}

impl EmailChannel {
    /// Reload when the settings changed; answers whether email is switched on (then
    /// the dispatcher queues email, even while the relay is unusable: it waits).
    pub async fn refresh(&self, store: &Store, key: &MasterKey) -> docket_store::Result<bool> {
        *self.relay_down.lock().expect("not poisoned") = None;
        let version = store.email_settings_version().await?;
        let mut loaded = self.loaded.lock().await;
        if loaded.as_ref().is_none_or(|l| l.version != version) {
            let (settings, sender) = relay(store, key).await?;
            if let Err(problem) = &sender
                && settings.enabled
            {
                tracing::warn!(%problem, "email is on but the SMTP settings cannot work");
            }
            *loaded = Some(Loaded {
                version,
                settings,
                sender,
            });
        }
        Ok(loaded.as_ref().is_some_and(|l| l.settings.enabled))
    }

    pub async fn send(&self, store: &Store, key: &MasterKey, d: &Delivery) -> Outcome {
        if let Some(error) = self.relay_down.lock().expect("not poisoned").clone() {
            return Outcome::Deferred { error };
        }
        let Some(loaded) = self.loaded.lock().await.clone() else {
            return Outcome::Deferred {
                error: "the email settings are not loaded yet".into(),
            };
        };
        let outcome = match (&loaded.sender, loaded.settings.enabled) {
            (_, false) => Outcome::Deferred {
                error: "email is switched off in the settings".into(),
            },
            (Err(problem), true) => Outcome::Deferred {
                error: format!("the SMTP settings cannot work: {problem}"),
            },
            (Ok(sender), true) => match message(store, key, &loaded.settings, d).await {
                Ok(m) => match m.build() {
                    Ok(built) => match sender.send(&built).await {
                        Ok(()) => {
                            remember(store, d, &m).await;
                            Outcome::Delivered { code: Some(250) }
                        }
                        Err(e) => outcome_of(e),
                    },
                    Err(e) => outcome_of(e),
                },
                Err(outcome) => outcome,
            },
        };
        if let Outcome::Deferred { error } = &outcome {
            *self.relay_down.lock().expect("not poisoned") = Some(error.clone());
        }
        outcome
    }
}

/// A message the requester got joins the ticket's email thread, so their answer finds
/// the ticket by its id and our next message references it. Best effort: the mail is
/// out, and the key in its Message-ID threads an answer anyway.
async fn remember(store: &Store, d: &Delivery, m: &OutgoingMessage) {
    let Some(ticket_id) = d.body["ticket"]["id"].as_i64() else {
        return;
    };
    if d.body["to"]["kind"] != "requester" {
        return;
    }
    let recorded = store
        .record_email_message(NewEmailMessage {
            ticket_id,
            message_id: m.message_id.clone(),
            direction: Direction::Out,
            mailbox_id: None,
            comment_id: d.body["comment_id"].as_i64(),
            from_address: Some(m.from.address.clone()),
            subject: Some(m.subject.clone()),
            suppress_replies: false,
            full_text: Some(m.text.clone()),
            html: m.html.clone(),
        })
        .await;
    if let Err(e) = recorded {
        tracing::warn!(delivery = d.id, error = %e, "could not record a sent email in its ticket's thread");
    }
}

/// The relay answered for this message (a 5xx is final, a 4xx is tried again), or the
/// relay itself could not be used (deferred).
fn outcome_of(e: MailError) -> Outcome {
    let error = e.to_string();
    let code = e.smtp_code().map(i32::from);
    match e {
        MailError::SmtpPermanent { .. } | MailError::InvalidMessage { .. } => Outcome::Failed {
            code,
            error,
            retry: false,
        },
        // 421: the service closes the channel, which is the relay's state, not ours.
        MailError::SmtpTransient { code: Some(c), .. } if c != 421 => Outcome::Failed {
            code,
            error,
            retry: true,
        },
        _ => Outcome::Deferred { error },
    }
}

/// The message a delivery sends; a body that cannot make one is dead at once.
async fn message(
    store: &Store,
    master_key: &MasterKey,
    settings: &EmailSettings,
    d: &Delivery,
) -> Result<OutgoingMessage, Outcome> {
    let dead = |error: String| Outcome::Failed {
        code: None,
        error,
        retry: false,
    };
    let b = &d.body;
    let template_name = b["template"].as_str().unwrap_or_default();
    let template = match store.email_template(template_name).await {
        Ok(t) => t.template,
        Err(StoreError::NotFound(_)) => {
            return Err(dead(format!("no email template `{template_name}`")));
        }
        Err(e) => {
            return Err(Outcome::Failed {
                code: None,
                error: format!("could not read the template: {e}"),
                retry: true,
            });
        }
    };
    let Some(to) = b["to"]["email"].as_str() else {
        return Err(dead("the delivery names no recipient".into()));
    };
    let Some(domain) = settings.message_id_domain() else {
        return Err(Outcome::Deferred {
            error: "the settings have no sender address".into(),
        });
    };
    let key = b["ticket"]["key"].as_str();

    let mut values = b["values"].clone();
    if !values.is_object() {
        values = json!({});
    }
    values["site"] = json!({"name": settings.from_name});
    if let Some(url) = &settings.public_url {
        values["settings"] = json!({"url": url});
        if let Some(key) = key {
            values["ticket"]["url"] = json!(format!("{url}/tickets/{key}"));
        }
        // The requester's own way in, without an account (a signed link).
        if b["to"]["kind"] == "requester"
            && let Some(ticket_id) = b["ticket"]["id"].as_i64()
        {
            match store.follow_token(master_key, ticket_id).await {
                Ok(token) => values["follow_url"] = json!(format!("{url}/follow/{token}")),
                // Deleted meanwhile, or no requester any more: no link.
                Err(StoreError::NotFound(_) | StoreError::Conflict(_)) => {}
                Err(e) => return Err(retry_later(e)),
            }
        }
    }
    let rendered = mail_templates::render(&template, &values);

    let millis = |v: &Value| {
        v.as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.timestamp_millis())
            .unwrap_or_default()
    };
    let to_requester = b["to"]["kind"] == "requester";
    let ticket_id = b["ticket"]["id"].as_i64();
    let mut references = Vec::new();
    let mut in_reply_to = None;
    if let (Some(key), Some(ticket_id)) = (key, ticket_id) {
        references.push(format!(
            "ticket-{}.{key}@{domain}",
            millis(&b["ticket"]["created_at"])
        ));
        // The requester's conversation: what they sent and what we sent them. Staff
        // notices join the ticket's thread through the root alone.
        if to_requester {
            let mut thread = store.email_thread(ticket_id).await.map_err(retry_later)?;
            // The opening mail, even before intake recorded it in the thread.
            if b["ticket"]["source"] == "email"
                && let Some(first) = b["ticket"]["source_ref"].as_str()
                && !thread.iter().any(|id| id == first)
            {
                thread.insert(0, first.to_string());
            }
            let skip = thread.len().saturating_sub(MAX_REFERENCES);
            references.extend(thread.into_iter().skip(skip));
        }
        in_reply_to = references.last().cloned();
    }
    let message_id = format!(
        "d{:06}-{}.{}@{domain}",
        d.id,
        d.created_at.timestamp_millis(),
        key.unwrap_or("0")
    );
    let message_id = if key.is_some() {
        message_id
    } else {
        // No ticket: an id that does not look like one of a ticket's.
        format!("d{:06}-{}@{domain}", d.id, d.created_at.timestamp_millis())
    };
    let address = |name: Option<&str>, address: &str| match name.filter(|n| !n.trim().is_empty()) {
        Some(n) => EmailAddress::named(n, address),
        None => EmailAddress::new(address),
    };
    Ok(OutgoingMessage {
        from: address(Some(&settings.from_name), &settings.from_address),
        to: vec![address(b["to"]["name"].as_str(), to)],
        cc: Vec::new(),
        reply_to: Some(EmailAddress::new(
            reply_to(store, settings, &b["ticket"])
                .await
                .map_err(retry_later)?,
        )),
        subject: rendered.subject,
        ticket_key: key.map(str::to_string),
        message_id,
        in_reply_to,
        references,
        auto_submitted: match b["auto_submitted"].as_str() {
            Some("auto-replied") => Some(AutoSubmitted::AutoReplied),
            Some(_) => Some(AutoSubmitted::AutoGenerated),
            None => None,
        },
        text: rendered.text,
        html: Some(rendered.html),
        attachments: Vec::new(),
    })
}

/// Where answers go: the mailbox the ticket came in through, else one that takes the
/// ticket's type, else the settings' reply-to address, else the sender.
async fn reply_to(
    store: &Store,
    settings: &EmailSettings,
    ticket: &Value,
) -> docket_store::Result<String> {
    let mailboxes = store.mailboxes().await?;
    let mut through = None;
    if ticket["source"] == "email"
        && let Some(first) = ticket["source_ref"].as_str()
    {
        through = store.email_message(first).await?.and_then(|m| m.mailbox_id);
    }
    let mailbox = mailboxes
        .iter()
        .find(|m| Some(m.id) == through)
        .or_else(|| {
            mailboxes.iter().find(|m| {
                m.settings.enabled && ticket["type"].as_str() == Some(&m.settings.ticket_type)
            })
        });
    Ok(match mailbox {
        Some(m) => m.settings.address.clone(),
        None => settings
            .reply_to
            .clone()
            .unwrap_or_else(|| settings.from_address.clone()),
    })
}

fn retry_later(e: docket_store::StoreError) -> Outcome {
    Outcome::Failed {
        code: None,
        error: format!("could not read what the email needs: {e}"),
        retry: true,
    }
}

/// A test email with the saved settings: to check them before any ticket needs them.
pub async fn send_test(
    store: &Store,
    key: &MasterKey,
    to: &str,
) -> docket_store::Result<Result<(), String>> {
    let (settings, sender) = relay(store, key).await?;
    let sender = match sender {
        Ok(s) => s,
        Err(problem) => return Ok(Err(problem)),
    };
    let Some(domain) = settings.message_id_domain() else {
        return Ok(Err("set the sender address first".into()));
    };
    let ids = match docket_mail::threading::MessageIds::new(domain) {
        Ok(ids) => ids,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let message = OutgoingMessage {
        from: EmailAddress::named(settings.from_name.clone(), settings.from_address.clone()),
        to: vec![EmailAddress::new(to)],
        cc: Vec::new(),
        reply_to: None,
        subject: "Docket test email".into(),
        ticket_key: None,
        message_id: ids.generate_plain(),
        in_reply_to: None,
        references: Vec::new(),
        auto_submitted: Some(AutoSubmitted::AutoGenerated),
        text: "This is a test email from Docket: the email settings work.\n".into(),
        html: None,
        attachments: Vec::new(),
    };
    let sent = match message.build() {
        Ok(built) => sender.send(&built).await,
        Err(e) => Err(e),
    };
    Ok(sent.map_err(|e| e.to_string()))
}
