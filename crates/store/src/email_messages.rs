//! The email thread of each ticket: one row per message, received (`in`) or sent
//! (`out`), keyed by its Message-ID. Inbound mail uses it to recognise a message it took
//! in already and to find the ticket an answer belongs to; outgoing mail reads a
//! ticket's thread for its In-Reply-To and References and records the ids it sends.
//!
//! Message-IDs are stored without angle brackets and compared exactly (RFC 5322 gives
//! the local part's case meaning).

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::entities::email_message;
use crate::{Result, Store};

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Received through a mailbox (IMAP, `docket mail pipe`, the raw endpoint).
    In,
    /// Sent by Docket.
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// A message to add to a ticket's thread.
#[derive(Debug, Clone)]
pub struct NewEmailMessage {
    pub ticket_id: i64,
    /// With or without angle brackets; stored without.
    pub message_id: String,
    pub direction: Direction,
    /// The mailbox it came in through (None for outgoing mail).
    pub mailbox_id: Option<i64>,
    /// The comment it became or was sent for (None: it opened the ticket).
    pub comment_id: Option<i64>,
    pub from_address: Option<String>,
    pub subject: Option<String>,
    /// Nothing may answer this message automatically: it was noise (an auto-reply, a
    /// bounce, bulk mail) or its sender was over the rate limit.
    pub suppress_replies: bool,
    /// The whole decoded text, quotes and signature included.
    pub full_text: Option<String>,
    /// The sanitised HTML body.
    pub html: Option<String>,
}

/// A recorded message.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailMessage {
    pub ticket_id: i64,
    pub message_id: String,
    pub direction: Direction,
    pub mailbox_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub from_address: Option<String>,
    pub subject: Option<String>,
    pub suppress_replies: bool,
    pub created_at: DateTime<Utc>,
}

/// A Message-ID as stored: trimmed, without angle brackets.
pub fn normalize_message_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_string()
}

impl Store {
    /// Add a message to its ticket's thread; false when the Message-ID is recorded
    /// already (then nothing is written: a message belongs to one thread).
    pub async fn record_email_message(&self, new: NewEmailMessage) -> Result<bool> {
        let inserted = email_message::Entity::insert(email_message::ActiveModel {
            ticket_id: Set(new.ticket_id),
            message_id: Set(normalize_message_id(&new.message_id)),
            direction: Set(new.direction.as_str().to_string()),
            mailbox_id: Set(new.mailbox_id),
            comment_id: Set(new.comment_id),
            from_address: Set(new.from_address.map(|a| a.trim().to_lowercase())),
            subject: Set(new.subject),
            suppress_replies: Set(new.suppress_replies),
            full_text: Set(new.full_text),
            html: Set(new.html),
            created_at: Set(self.clock.now()),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(email_message::Column::MessageId)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(inserted == 1)
    }

    /// The recorded message with this Message-ID (with or without angle brackets).
    pub async fn email_message(&self, message_id: &str) -> Result<Option<EmailMessage>> {
        Ok(email_message::Entity::find()
            .filter(email_message::Column::MessageId.eq(normalize_message_id(message_id)))
            .one(&self.db)
            .await?
            .map(to_message))
    }

    /// The ticket of the first of `message_ids` that is recorded (an answer's
    /// In-Reply-To, then its References from the newest back).
    pub async fn ticket_of_message_ids(&self, message_ids: &[String]) -> Result<Option<i64>> {
        for id in message_ids {
            if let Some(m) = self.email_message(id).await? {
                return Ok(Some(m.ticket_id));
            }
        }
        Ok(None)
    }

    /// A ticket's Message-IDs, oldest first, in and out: what an answer's References
    /// lists (the last is its In-Reply-To). Noise (an auto-reply, a bounce) is left
    /// out: an answer replies to the person, not to their out-of-office robot.
    pub async fn email_thread(&self, ticket_id: i64) -> Result<Vec<String>> {
        Ok(email_message::Entity::find()
            .select_only()
            .column(email_message::Column::MessageId)
            .filter(email_message::Column::TicketId.eq(ticket_id))
            .filter(email_message::Column::SuppressReplies.eq(false))
            .order_by_asc(email_message::Column::Id)
            .into_tuple::<String>()
            .all(&self.db)
            .await?)
    }

    /// How many tickets `from` opened by mail through the mailbox since `window` ago
    /// (the rate limit's count: received messages that are no comment).
    pub async fn tickets_opened_by_sender(
        &self,
        mailbox_id: i64,
        from: &str,
        window: Duration,
    ) -> Result<u64> {
        Ok(opened_by(mailbox_id, from)
            .filter(email_message::Column::CreatedAt.gt(self.clock.now() - window))
            .count(&self.db)
            .await?)
    }

    /// The ticket `from` opened last through the mailbox.
    pub async fn last_ticket_opened_by_sender(
        &self,
        mailbox_id: i64,
        from: &str,
    ) -> Result<Option<i64>> {
        Ok(opened_by(mailbox_id, from)
            .order_by_desc(email_message::Column::Id)
            .one(&self.db)
            .await?
            .map(|m| m.ticket_id))
    }
}

fn opened_by(mailbox_id: i64, from: &str) -> sea_orm::Select<email_message::Entity> {
    email_message::Entity::find()
        .filter(email_message::Column::MailboxId.eq(mailbox_id))
        .filter(email_message::Column::FromAddress.eq(from.trim().to_lowercase()))
        .filter(email_message::Column::Direction.eq(Direction::In.as_str()))
        .filter(email_message::Column::CommentId.is_null())
}

fn to_message(m: email_message::Model) -> EmailMessage {
    EmailMessage {
        ticket_id: m.ticket_id,
        message_id: m.message_id,
        direction: if m.direction == "out" {
            Direction::Out
        } else {
            Direction::In
        },
        mailbox_id: m.mailbox_id,
        comment_id: m.comment_id,
        from_address: m.from_address,
        subject: m.subject,
        suppress_replies: m.suppress_replies,
        created_at: m.created_at,
    }
}
