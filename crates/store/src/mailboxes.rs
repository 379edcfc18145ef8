//! Mailboxes: an admin's configuration of where email comes in (IMAP settings, the
//! ticket type and defaults of new tickets, the per-sender limit), the IMAP password
//! sealed with the master key (`secrets`, named `mailbox.imap.<id>`) in the same
//! transaction as its mailbox, where fetching got to (UIDVALIDITY and last UID), the
//! last check and error, and a short log of the messages taken in.
//!
//! Each enabled mailbox has a job (`jobs`, queue `mailbox`): an instance polls a
//! mailbox only while it holds that job's lease, so two instances never fetch from one
//! mailbox at once. A session renews its lease while it runs and gives it back with the
//! time of the next check.

use chrono::{DateTime, Duration, Utc};
use docket_core::ticket::Priority;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::{Map, Value, json};

use crate::entities::{mailbox, mailbox_log};
use crate::identity::{Actor, MasterKey, audit, forget_secret_in, seal_secret_in};
use crate::{Result, Store, StoreError, jobs};

/// Messages kept in each mailbox's log.
pub const LOG_LENGTH: u64 = 100;
/// The jobs queue of mailbox checks.
pub(crate) const QUEUE: &str = "mailbox";

/// How the IMAP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    Tls,
    StartTls,
    None,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Tls => "tls",
            Security::StartTls => "starttls",
            Security::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Security> {
        [Security::Tls, Security::StartTls, Security::None]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// What an admin sets (the API checked it).
#[derive(Debug, Clone, PartialEq)]
pub struct MailboxSettings {
    pub name: String,
    pub address: String,
    pub ticket_type: String,
    pub default_priority: Option<Priority>,
    /// Extension field values of new tickets.
    pub fields: Map<String, Value>,
    pub imap_host: String,
    pub imap_port: u16,
    pub imap_security: Security,
    pub imap_username: String,
    pub folder: String,
    /// None: mark processed mail `\Seen`; else move it to this folder.
    pub move_to: Option<String>,
    /// Wait with IDLE when the server offers it; else poll every `poll_seconds`.
    pub use_idle: bool,
    pub poll_seconds: u32,
    /// New tickets one sender may open per hour; later mail of theirs opens none.
    pub sender_hourly_limit: u32,
    pub enabled: bool,
}

/// A mailbox as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Mailbox {
    pub id: i64,
    pub settings: MailboxSettings,
    /// UIDVALIDITY and the last UID taken in.
    pub uid_state: Option<(u32, u32)>,
    pub last_checked_at: Option<DateTime<Utc>>,
    /// The last check's error; cleared by a check that succeeds.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// How a message taken in ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It opened a ticket.
    Created,
    /// It became a comment on its ticket.
    Threaded,
    /// An auto-reply, bounce or other automatic mail: a note on its ticket, or only
    /// this log entry.
    Noise,
    /// Its Message-ID was taken in before: nothing written.
    Duplicate,
    /// Its sender opened too many tickets lately: no ticket, no answer.
    RateLimited,
    /// Unusable (no header section, no sender, a ticket the type refuses).
    Refused,
    /// Docket's own fault (the database); it is tried again.
    Failed,
}

impl Outcome {
    pub const ALL: [Outcome; 7] = [
        Outcome::Created,
        Outcome::Threaded,
        Outcome::Noise,
        Outcome::Duplicate,
        Outcome::RateLimited,
        Outcome::Refused,
        Outcome::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Threaded => "threaded",
            Outcome::Noise => "noise",
            Outcome::Duplicate => "duplicate",
            Outcome::RateLimited => "rate_limited",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Outcome {
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .unwrap_or(Outcome::Failed)
    }
}

/// One entry of a mailbox's log.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub outcome: Outcome,
    pub message_id: Option<String>,
    pub from_address: Option<String>,
    pub subject: Option<String>,
    pub ticket_key: Option<String>,
    pub detail: Option<String>,
}

/// What to add to a mailbox's log.
#[derive(Debug, Clone)]
pub struct NewLogEntry<'a> {
    pub outcome: Outcome,
    pub message_id: Option<&'a str>,
    pub from_address: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub ticket_key: Option<&'a str>,
    pub detail: Option<&'a str>,
}

/// A mailbox whose check this instance leased, and how many checks in a row it was
/// leased without finishing well (for backing off).
#[derive(Debug, Clone)]
pub struct LeasedMailbox {
    pub mailbox: Mailbox,
    pub attempts: i32,
}

/// The name of a mailbox's sealed IMAP password: by id, so a rename keeps it.
pub fn secret_name(mailbox_id: i64) -> String {
    format!("mailbox.imap.{mailbox_id}")
}

fn job_key(mailbox_id: i64) -> String {
    format!("mailbox:{mailbox_id}")
}

fn col(name: &str) -> Alias {
    Alias::new(name)
}

impl Store {
    pub async fn mailboxes(&self) -> Result<Vec<Mailbox>> {
        mailbox::Entity::find()
            .order_by_asc(mailbox::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_mailbox)
            .collect()
    }

    pub async fn mailbox(&self, id: i64) -> Result<Mailbox> {
        to_mailbox(find(&self.db, id).await?)
    }

    pub async fn mailbox_by_name(&self, name: &str) -> Result<Mailbox> {
        let row = mailbox::Entity::find()
            .filter(mailbox::Column::Name.eq(name))
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("mailbox `{name}`")))?;
        to_mailbox(row)
    }

    /// Create a mailbox with its sealed IMAP password (and its check job when enabled).
    pub async fn create_mailbox(
        &self,
        key: &MasterKey,
        settings: &MailboxSettings,
        password: &str,
        actor: &Actor,
    ) -> Result<Mailbox> {
        let at = self.clock.now();
        let txn = self.begin_write().await?;
        let mut row = mailbox::ActiveModel {
            created_at: Set(at),
            uid_validity: Set(None),
            last_uid: Set(None),
            last_checked_at: Set(None),
            last_error: Set(None),
            last_error_at: Set(None),
            ..Default::default()
        };
        apply(&mut row, settings, at)?;
        let row = row
            .insert(&txn)
            .await
            .map_err(|e| taken(e, &settings.name))?;
        seal_secret_in(
            &txn,
            key,
            &secret_name(row.id),
            password,
            actor,
            self.clock.now(),
        )
        .await?;
        schedule(&txn, row.id, settings.enabled, at).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "mailbox.create",
            &format!("mailbox:{}", row.id),
            json!({"name": settings.name, "address": settings.address, "ticket_type": settings.ticket_type}),
        )
        .await?;
        txn.commit().await?;
        to_mailbox(row)
    }

    /// Replace a mailbox's settings; a new `password` replaces the sealed one (None
    /// keeps it). A change of server, account or folder starts fetching afresh (the UID
    /// state belongs to the old folder; Message-IDs keep old mail out).
    pub async fn update_mailbox(
        &self,
        key: &MasterKey,
        id: i64,
        settings: &MailboxSettings,
        password: Option<&str>,
        actor: &Actor,
    ) -> Result<Mailbox> {
        let at = self.clock.now();
        let txn = self.begin_write().await?;
        let current = find(&txn, id).await?;
        let moved = current.imap_host != settings.imap_host
            || current.imap_port != i32::from(settings.imap_port)
            || current.imap_username != settings.imap_username
            || current.folder != settings.folder;
        let mut row: mailbox::ActiveModel = current.into();
        apply(&mut row, settings, at)?;
        if moved {
            row.uid_validity = Set(None);
            row.last_uid = Set(None);
        }
        let row = row
            .update(&txn)
            .await
            .map_err(|e| taken(e, &settings.name))?;
        if let Some(password) = password {
            seal_secret_in(
                &txn,
                key,
                &secret_name(id),
                password,
                actor,
                self.clock.now(),
            )
            .await?;
        }
        // Rescheduled now: a session running with the old settings loses its lease
        // and ends; the next check uses the new ones.
        schedule(&txn, id, settings.enabled, at).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "mailbox.update",
            &format!("mailbox:{id}"),
            json!({"name": settings.name, "enabled": settings.enabled, "password_changed": password.is_some()}),
        )
        .await?;
        txn.commit().await?;
        to_mailbox(row)
    }

    /// Delete a mailbox with its password, job and log. Its tickets and their threads
    /// stay.
    pub async fn delete_mailbox(&self, id: i64, actor: &Actor) -> Result<()> {
        let txn = self.begin_write().await?;
        let current = find(&txn, id).await?;
        mailbox::Entity::delete_by_id(id).exec(&txn).await?;
        forget_secret_in(&txn, &secret_name(id)).await?;
        schedule(&txn, id, false, self.clock.now()).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "mailbox.delete",
            &format!("mailbox:{id}"),
            json!({"name": current.name}),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// A mailbox's IMAP password (None: deleted by hand through the secrets API).
    pub async fn mailbox_password(&self, key: &MasterKey, id: i64) -> Result<Option<String>> {
        self.reveal_secret(key, &secret_name(id)).await
    }

    /// Lease up to `limit` mailboxes due for a check to `owner` until `now + lease`.
    pub async fn claim_mailboxes(
        &self,
        owner: &str,
        lease: Duration,
        limit: u64,
    ) -> Result<Vec<LeasedMailbox>> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let claimed = jobs::claim(&txn, QUEUE, owner, now, lease, limit).await?;
        txn.commit().await?;
        let mut out = Vec::with_capacity(claimed.len());
        for job in claimed {
            let id = job
                .key
                .strip_prefix("mailbox:")
                .and_then(|id| id.parse::<i64>().ok());
            match id {
                Some(id) => match self.mailbox(id).await {
                    Ok(mailbox) => out.push(LeasedMailbox {
                        mailbox,
                        attempts: job.attempts,
                    }),
                    // Deleted meanwhile: its job goes too.
                    Err(StoreError::NotFound(_)) => {
                        jobs::put(&self.db, QUEUE, &job.key, None, None, now).await?
                    }
                    Err(e) => return Err(e),
                },
                None => jobs::put(&self.db, QUEUE, &job.key, None, None, now).await?,
            }
        }
        Ok(out)
    }

    /// Lease one enabled mailbox's check now, whenever it is due ("check now"); None
    /// when another session holds it.
    pub async fn claim_mailbox_now(
        &self,
        id: i64,
        owner: &str,
        lease: Duration,
    ) -> Result<Option<LeasedMailbox>> {
        let mailbox = self.mailbox(id).await?;
        if !mailbox.settings.enabled {
            return Err(StoreError::Conflict(format!(
                "mailbox `{}` is disabled",
                mailbox.settings.name
            )));
        }
        let now = self.clock.now();
        let stmt = Query::update()
            .table(col("jobs"))
            .value(col("lease_owner"), owner)
            .value(col("lease_until"), now + lease)
            .value(col("updated_at"), now)
            .and_where(Expr::col(col("dedupe_key")).eq(job_key(id)))
            .cond_where(
                Expr::col(col("lease_until"))
                    .is_null()
                    .or(Expr::col(col("lease_until")).lt(now)),
            )
            .to_owned();
        let leased = self.db.execute(&stmt).await?.rows_affected() == 1;
        Ok(leased.then_some(LeasedMailbox {
            mailbox,
            attempts: 0,
        }))
    }

    /// Keep `owner`'s lease on a mailbox's check until `now + lease`; false when it was
    /// lost (the settings changed, or it expired and another instance took it).
    pub async fn renew_mailbox_lease(&self, id: i64, owner: &str, lease: Duration) -> Result<bool> {
        let now = self.clock.now();
        let stmt = Query::update()
            .table(col("jobs"))
            .value(col("lease_until"), now + lease)
            .and_where(Expr::col(col("dedupe_key")).eq(job_key(id)))
            .and_where(Expr::col(col("lease_owner")).eq(owner))
            .and_where(Expr::col(col("lease_until")).gte(now))
            .to_owned();
        Ok(self.db.execute(&stmt).await?.rows_affected() == 1)
    }

    /// Give back every mailbox lease `owner` holds (a server shutting down), due at once:
    /// another instance, or this one restarted, need not wait for the leases to expire.
    pub async fn release_mailbox_leases(&self, owner: &str) -> Result<()> {
        let now = self.clock.now();
        let stmt = Query::update()
            .table(col("jobs"))
            .value(col("run_at"), now)
            .value(col("lease_owner"), Option::<String>::None)
            .value(col("lease_until"), Option::<DateTime<Utc>>::None)
            .and_where(Expr::col(col("queue")).eq(QUEUE))
            .and_where(Expr::col(col("lease_owner")).eq(owner))
            .to_owned();
        self.db.execute(&stmt).await?;
        Ok(())
    }

    /// End `owner`'s check of a mailbox: record how it went (an error, or none: the
    /// last error is cleared) and give the lease back with the next check at `next`.
    /// A failed check keeps counting attempts, for the caller's backoff.
    pub async fn finish_mailbox_check(
        &self,
        id: i64,
        owner: &str,
        error: Option<&str>,
        next: DateTime<Utc>,
    ) -> Result<()> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let mut update = Query::update();
        update
            .table(col("mailboxes"))
            .value(col("last_checked_at"), now)
            .value(col("last_error"), error.map(|e| clip(e, 1000)))
            .and_where(Expr::col(col("id")).eq(id));
        if error.is_some() {
            update.value(col("last_error_at"), now);
        }
        txn.execute(&update).await?;
        let mut job = Query::update();
        job.table(col("jobs"))
            .value(col("run_at"), next)
            .value(col("lease_owner"), Option::<String>::None)
            .value(col("lease_until"), Option::<DateTime<Utc>>::None)
            .value(col("updated_at"), now)
            .and_where(Expr::col(col("dedupe_key")).eq(job_key(id)))
            .and_where(Expr::col(col("lease_owner")).eq(owner));
        if let Some(error) = error {
            job.value(col("last_error"), clip(error, 1000));
        } else {
            job.value(col("attempts"), 0);
        }
        txn.execute(&job).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Remember where fetching got to; the next fetch starts above `last_uid`.
    pub async fn save_mailbox_uid_state(
        &self,
        id: i64,
        uid_validity: u32,
        last_uid: u32,
    ) -> Result<()> {
        let stmt = Query::update()
            .table(col("mailboxes"))
            .value(col("uid_validity"), i64::from(uid_validity))
            .value(col("last_uid"), i64::from(last_uid))
            .and_where(Expr::col(col("id")).eq(id))
            .to_owned();
        self.db.execute(&stmt).await?;
        Ok(())
    }

    /// Add an entry to a mailbox's log and drop what falls off its end.
    pub async fn log_mailbox_message(&self, mailbox_id: i64, entry: NewLogEntry<'_>) -> Result<()> {
        let txn = self.begin_write().await?;
        mailbox_log::ActiveModel {
            mailbox_id: Set(mailbox_id),
            received_at: Set(self.clock.now()),
            outcome: Set(entry.outcome.as_str().to_string()),
            message_id: Set(entry.message_id.map(|s| clip(s, 998))),
            from_address: Set(entry.from_address.map(|s| clip(s, 320))),
            subject: Set(entry.subject.map(|s| clip(s, 300))),
            ticket_key: Set(entry.ticket_key.map(str::to_string)),
            detail: Set(entry.detail.map(|s| clip(s, 1000))),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        crate::keep_newest::<mailbox_log::Entity, _>(
            &txn,
            mailbox_log::Column::MailboxId,
            mailbox_id,
            mailbox_log::Column::Id,
            LOG_LENGTH,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// A mailbox's log, newest first.
    pub async fn mailbox_log(&self, mailbox_id: i64) -> Result<Vec<LogEntry>> {
        Ok(mailbox_log::Entity::find()
            .filter(mailbox_log::Column::MailboxId.eq(mailbox_id))
            .order_by_desc(mailbox_log::Column::Id)
            .limit(LOG_LENGTH)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| LogEntry {
                id: m.id,
                received_at: m.received_at,
                outcome: Outcome::parse(&m.outcome),
                message_id: m.message_id,
                from_address: m.from_address,
                subject: m.subject,
                ticket_key: m.ticket_key,
                detail: m.detail,
            })
            .collect())
    }
}

/// Schedule the mailbox's check now (enabled) or drop it (disabled, deleted).
async fn schedule<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<()> {
    jobs::put(conn, QUEUE, &job_key(id), None, enabled.then_some(now), now).await
}

fn apply(row: &mut mailbox::ActiveModel, s: &MailboxSettings, at: DateTime<Utc>) -> Result<()> {
    row.name = Set(s.name.clone());
    row.address = Set(s.address.clone());
    row.ticket_type = Set(s.ticket_type.clone());
    row.default_priority = Set(s.default_priority.map(|p| p.as_str().to_string()));
    row.fields =
        Set(serde_json::to_string(&s.fields).map_err(|e| StoreError::Internal(e.to_string()))?);
    row.imap_host = Set(s.imap_host.clone());
    row.imap_port = Set(i32::from(s.imap_port));
    row.imap_security = Set(s.imap_security.as_str().to_string());
    row.imap_username = Set(s.imap_username.clone());
    row.folder = Set(s.folder.clone());
    row.move_to = Set(s.move_to.clone());
    row.use_idle = Set(s.use_idle);
    row.poll_seconds = Set(i32::try_from(s.poll_seconds).unwrap_or(i32::MAX));
    row.sender_hourly_limit = Set(i32::try_from(s.sender_hourly_limit).unwrap_or(i32::MAX));
    row.enabled = Set(s.enabled);
    row.updated_at = Set(at);
    Ok(())
}

async fn find<C: ConnectionTrait>(conn: &C, id: i64) -> Result<mailbox::Model> {
    mailbox::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("mailbox {id}")))
}

fn taken(e: sea_orm::DbErr, name: &str) -> StoreError {
    if crate::error::is_unique_violation(&e) {
        StoreError::Conflict(format!("another mailbox is named `{name}`"))
    } else {
        e.into()
    }
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn to_mailbox(m: mailbox::Model) -> Result<Mailbox> {
    let unreadable =
        |what: &str| StoreError::Internal(format!("mailbox {} has an unreadable {what}", m.id));
    let default_priority = match &m.default_priority {
        None => None,
        Some(p) => Some(Priority::parse(p).ok_or_else(|| unreadable("priority"))?),
    };
    Ok(Mailbox {
        id: m.id,
        uid_state: m
            .uid_validity
            .zip(m.last_uid)
            .map(|(v, u)| (v as u32, u as u32)),
        last_checked_at: m.last_checked_at,
        last_error: m.last_error,
        last_error_at: m.last_error_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
        settings: MailboxSettings {
            imap_security: Security::parse(&m.imap_security)
                .ok_or_else(|| unreadable("security"))?,
            fields: serde_json::from_str(&m.fields).map_err(|_| unreadable("fields"))?,
            default_priority,
            name: m.name,
            address: m.address,
            ticket_type: m.ticket_type,
            imap_host: m.imap_host,
            imap_port: m.imap_port as u16,
            imap_username: m.imap_username,
            folder: m.folder,
            move_to: m.move_to,
            use_idle: m.use_idle,
            poll_seconds: u32::try_from(m.poll_seconds).unwrap_or(0),
            sender_hourly_limit: u32::try_from(m.sender_hourly_limit).unwrap_or(0),
            enabled: m.enabled,
        },
    })
}
