//! The dispatcher: outbox entries not yet dispatched become deliveries and in-app
//! notifications, and are marked dispatched, in one transaction. Entries are claimed by
//! their `dispatched_at` (PostgreSQL: `FOR UPDATE SKIP LOCKED`), not by an id cursor,
//! so an entry whose transaction commits late is never skipped and two instances never
//! fan one out twice (the unique indexes would drop a second copy anyway).
//!
//! Who hears of what:
//! - webhook subscriptions: every topic they subscribe to, for their ticket types;
//! - staff (in the app, and by email when an email channel is configured, each per
//!   their preferences): `ticket.assigned` the new assignee (not when they took it
//!   themselves); `comment.created` from the requester, the assignee; `sla.*` the
//!   escalation's recipients; `webhook.disabled` the admins;
//! - the requester, by email: `ticket.created` (the acknowledgement) and staff's public
//!   replies, unless the ticket lives in Discord (they read it there).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, LockBehavior, LockType, OnConflict, Order, Query,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::inbox::Preference;
use super::queue::DeliveryStatus;
use super::subscriptions::Subscription;
use super::{EMAIL, WEBHOOK, topics};
use crate::entities::{comment, delivery, ticket as ticket_row, user, user_notification};
use crate::tickets::Ticket;
use crate::{Result, Store};

#[derive(Debug, Clone)]
pub struct DispatchOptions {
    /// Entries per transaction.
    pub batch: u64,
    /// Whether an email channel is configured: without one no email deliveries are made
    /// (they could never be sent).
    pub email: bool,
}

/// One outbox entry, as claimed.
struct Entry {
    id: i64,
    topic: String,
    ticket_id: Option<i64>,
    payload: Value,
    created_at: DateTime<Utc>,
}

/// What the batch's entries refer to, read once.
struct Context {
    tickets: HashMap<i64, Ticket>,
    comments: HashMap<i64, comment::Model>,
    users: HashMap<i64, user::Model>,
    preferences: HashMap<(i64, String), Preference>,
    subscriptions: Vec<Subscription>,
}

fn col(name: &str) -> Alias {
    Alias::new(name)
}

impl Store {
    /// Dispatch up to `options.batch` outbox entries; answers how many.
    pub async fn dispatch_outbox(&self, options: &DispatchOptions) -> Result<usize> {
        let txn = self.begin_write().await?;
        let select = Query::select()
            .columns(["id", "topic", "ticket_id", "payload", "created_at"].map(col))
            .from(col("outbox"))
            .and_where(Expr::col(col("dispatched_at")).is_null())
            .order_by(col("id"), Order::Asc)
            .limit(std::cmp::max(options.batch, 1))
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned();
        let mut entries = Vec::new();
        for r in txn.query_all(&select).await? {
            let payload: String = r.try_get("", "payload")?;
            entries.push(Entry {
                id: r.try_get("", "id")?,
                topic: r.try_get("", "topic")?,
                ticket_id: r.try_get("", "ticket_id")?,
                payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
                created_at: r.try_get("", "created_at")?,
            });
        }
        if entries.is_empty() {
            txn.commit().await?;
            return Ok(0);
        }
        let context = self.context(&txn, &entries).await?;
        let now = self.clock.now();
        let mut deliveries = Vec::new();
        let mut notes = Vec::new();
        for e in &entries {
            fan_out(e, &context, options, now, &mut deliveries, &mut notes);
        }
        if !deliveries.is_empty() {
            delivery::Entity::insert_many(deliveries)
                .on_conflict(
                    OnConflict::columns([
                        delivery::Column::OutboxId,
                        delivery::Column::Channel,
                        delivery::Column::Target,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
        if !notes.is_empty() {
            user_notification::Entity::insert_many(notes)
                .on_conflict(
                    OnConflict::columns([
                        user_notification::Column::UserId,
                        user_notification::Column::OutboxId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
        }
        let stmt = Query::update()
            .table(col("outbox"))
            .value(col("dispatched_at"), now)
            .and_where(Expr::col(col("id")).is_in(entries.iter().map(|e| e.id)))
            .to_owned();
        txn.execute(&stmt).await?;
        txn.commit().await?;
        Ok(entries.len())
    }

    async fn context<C: ConnectionTrait>(&self, conn: &C, entries: &[Entry]) -> Result<Context> {
        let ticket_ids: HashSet<i64> = entries.iter().filter_map(|e| e.ticket_id).collect();
        let rows = ticket_row::Entity::find()
            .filter(ticket_row::Column::Id.is_in(ticket_ids))
            .all(conn)
            .await?;
        let tickets: HashMap<i64, Ticket> = self
            .hydrate_on(conn, rows)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect();
        let comment_ids: Vec<i64> = entries
            .iter()
            .filter(|e| e.topic == topics::COMMENT_CREATED)
            .filter_map(|e| e.payload["comment"]["id"].as_i64())
            .collect();
        let comments: HashMap<i64, comment::Model> = comment::Entity::find()
            .filter(comment::Column::Id.is_in(comment_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        let mut user_ids: HashSet<i64> = tickets.values().filter_map(|t| t.assignee_id).collect();
        for e in entries {
            if let Some(ids) = e.payload["user_ids"].as_array() {
                user_ids.extend(ids.iter().filter_map(Value::as_i64));
            }
        }
        let users: HashMap<i64, user::Model> = user::Entity::find()
            .filter(user::Column::Id.is_in(user_ids.iter().copied()))
            .filter(user::Column::Active.eq(true))
            .all(conn)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let ids: Vec<i64> = users.keys().copied().collect();
        Ok(Context {
            tickets,
            comments,
            preferences: self.preferences_of(conn, &ids).await?,
            users,
            subscriptions: Self::enabled_subscriptions(conn).await?,
        })
    }
}

/// The deliveries and notifications of one entry.
fn fan_out(
    e: &Entry,
    cx: &Context,
    options: &DispatchOptions,
    now: DateTime<Utc>,
    deliveries: &mut Vec<delivery::ActiveModel>,
    notes: &mut Vec<user_notification::ActiveModel>,
) {
    let ticket = e.ticket_id.and_then(|id| cx.tickets.get(&id));
    let comment = e.payload["comment"]["id"]
        .as_i64()
        .and_then(|id| cx.comments.get(&id));
    let mut add = |channel: &str, target: String, body: Value| {
        deliveries.push(delivery::ActiveModel {
            outbox_id: Set(e.id),
            channel: Set(channel.to_string()),
            target: Set(target),
            topic: Set(e.topic.clone()),
            ticket_id: Set(e.ticket_id),
            body: Set(body.to_string()),
            status: Set(DeliveryStatus::Pending.as_str().to_string()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            created_at: Set(now),
            ..Default::default()
        });
    };

    let event = envelope(e, ticket, comment);
    for s in &cx.subscriptions {
        if s.wants(&e.topic, ticket.map(|t| t.type_slug.as_str())) {
            add(WEBHOOK, s.id.to_string(), event.clone());
        }
    }

    let Some(title) = title(e, ticket, comment) else {
        return;
    };
    for user_id in staff_recipients(e, ticket, comment, cx) {
        let Some(u) = cx.users.get(&user_id) else {
            continue;
        };
        let pref = cx
            .preferences
            .get(&(user_id, e.topic.clone()))
            .copied()
            .unwrap_or_default();
        if pref.in_app {
            notes.push(user_notification::ActiveModel {
                user_id: Set(user_id),
                outbox_id: Set(e.id),
                topic: Set(e.topic.clone()),
                ticket_id: Set(e.ticket_id),
                title: Set(title.clone()),
                created_at: Set(now),
                ..Default::default()
            });
        }
        if pref.email && options.email {
            let mut body = event.clone();
            body["recipient"] =
                json!({"kind": "staff", "user_id": u.id, "name": u.display_name, "email": u.email});
            body["title"] = json!(title);
            add(EMAIL, u.email.to_lowercase(), body);
        }
    }
    if options.email
        && let Some(t) = ticket
        && let Some(address) = requester_email(e, t, comment)
    {
        let mut body = event;
        body["recipient"] = json!({
            "kind": "requester",
            "name": t.requester.as_ref().and_then(|r| r.name.clone()),
            "email": address,
        });
        add(EMAIL, address.to_lowercase(), body);
    }
}

/// What a webhook receives (and an email is written from): the entry, the ticket as it
/// is now, and the comment it is about.
fn envelope(e: &Entry, ticket: Option<&Ticket>, comment: Option<&comment::Model>) -> Value {
    let mut data = e.payload.clone();
    if let Some(c) = comment {
        data["comment"] = json!({
            "id": c.id, "kind": c.kind, "body": c.body, "author_name": c.author_name,
            "author_user_id": c.author_user_id, "from_requester": c.author_requester_id.is_some(),
            "channel": c.channel, "created_at": c.created_at,
        });
    }
    json!({
        "id": e.id,
        "event": e.topic,
        "created_at": e.created_at,
        "ticket": ticket.map(ticket_json),
        "data": data,
    })
}

pub(crate) fn ticket_json(t: &Ticket) -> Value {
    json!({
        "key": t.key, "type": t.type_slug, "title": t.title, "status": t.status,
        "status_category": t.status_category, "priority": t.priority.as_str(),
        "assignee_id": t.assignee_id, "team": t.team,
        "requester": t.requester.as_ref().map(|r| json!({"id": r.id, "name": r.name, "email": r.email})),
        "source": t.source_channel, "source_ref": t.source_ref, "tags": t.tags,
        "fields": t.fields, "created_at": t.created_at, "updated_at": t.updated_at,
    })
}

/// The line a person is told, for the topics people hear of.
fn title(e: &Entry, ticket: Option<&Ticket>, comment: Option<&comment::Model>) -> Option<String> {
    let key = ticket.map(|t| t.key.as_str()).unwrap_or("A ticket");
    let metric = e.payload["metric"]
        .as_str()
        .unwrap_or("SLA")
        .replace('_', " ");
    Some(match e.topic.as_str() {
        topics::TICKET_ASSIGNED => format!(
            "{key} was assigned to you: {}",
            ticket.map(|t| t.title.as_str()).unwrap_or_default()
        ),
        topics::COMMENT_CREATED => format!(
            "{key}: {} replied",
            comment
                .and_then(|c| c.author_name.clone())
                .unwrap_or_else(|| "the requester".into())
        ),
        topics::SLA_WARNING => format!("{key} is close to its {metric} target"),
        topics::SLA_BREACH => format!("{key} breached its {metric} target"),
        topics::SLA_STILL_BREACHED => format!("{key} is still past its {metric} target"),
        topics::WEBHOOK_DISABLED => format!(
            "Webhook “{}” was switched off: {}",
            e.payload["name"].as_str().unwrap_or("?"),
            e.payload["reason"].as_str().unwrap_or("too many failures")
        ),
        _ => return None,
    })
}

fn staff_recipients(
    e: &Entry,
    ticket: Option<&Ticket>,
    comment: Option<&comment::Model>,
    cx: &Context,
) -> Vec<i64> {
    let actor = e.payload["actor"].as_str().unwrap_or_default();
    let by_themselves = |id: i64| {
        cx.users
            .get(&id)
            .is_some_and(|u| actor == u.email || actor.starts_with(&format!("{} (", u.email)))
    };
    match e.topic.as_str() {
        topics::TICKET_ASSIGNED => e.payload["assignee_id"]
            .as_i64()
            .filter(|id| !by_themselves(*id))
            .into_iter()
            .collect(),
        topics::COMMENT_CREATED => match (comment, ticket.and_then(|t| t.assignee_id)) {
            (Some(c), Some(assignee)) if c.author_requester_id.is_some() && c.kind == "public" => {
                vec![assignee]
            }
            _ => Vec::new(),
        },
        topics::SLA_WARNING
        | topics::SLA_BREACH
        | topics::SLA_STILL_BREACHED
        | topics::WEBHOOK_DISABLED => e.payload["user_ids"]
            .as_array()
            .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The requester's address when this entry is news for them by email.
fn requester_email<'t>(
    e: &Entry,
    t: &'t Ticket,
    comment: Option<&comment::Model>,
) -> Option<&'t str> {
    if t.source_channel == "discord" || t.deleted_at.is_some() {
        return None;
    }
    let address = t.requester.as_ref()?.email.as_deref()?;
    let news = match e.topic.as_str() {
        topics::TICKET_CREATED => true,
        topics::COMMENT_CREATED => comment.is_some_and(|c| {
            c.kind == "public" && c.author_requester_id.is_none() && c.deleted_at.is_none()
        }),
        _ => false,
    };
    news.then_some(address)
}
