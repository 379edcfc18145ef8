//! The dispatcher: outbox entries not yet dispatched become deliveries and in-app
//! notifications, and are marked dispatched, in one transaction. Entries are claimed by
//! their `dispatched_at` (PostgreSQL: `FOR UPDATE SKIP LOCKED`), not by an id cursor,
//! so an entry whose transaction commits late is never skipped and two instances never
//! fan one out twice (the unique indexes would drop a second copy anyway).
//!
//! Who hears of what:
//! - webhook subscriptions: every topic they subscribe to, for their ticket types;
//! - staff (in the app, and by email when email is configured, each per their
//!   preferences): `ticket.assigned` the new assignee (not when they took it
//!   themselves); `comment.created` from the requester, the assignee; `mention` whoever
//!   a staff comment `@mentions` and may see the ticket; `sla.*` the escalation's
//!   recipients; `webhook.disabled` the admins;
//! - the requester, by email: `ticket.created` (the acknowledgement) and staff's public
//!   replies, unless the ticket lives in Discord (they read it there).
//!
//! An email delivery's body is what its template is rendered from at send time
//! (`email_body`): the template's name, the recipient, the ticket, and the values.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, LockBehavior, LockType, OnConflict, Order, Query,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use docket_core::mail_templates as mail;
use docket_core::mentions::mentioned;

use super::inbox::Preference;
use super::mentions::Directory;
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
    /// The staff users each comment mentions who may see its ticket.
    mentions: HashMap<i64, Vec<i64>>,
    /// Ticket type names by slug, for email.
    type_names: HashMap<String, String>,
}

/// One person on the staff told of one entry.
struct Notice {
    user_id: i64,
    /// The preference topic and the bell's: the entry's, or `mention`.
    topic: &'static str,
    template: &'static str,
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
        let mut mentions = HashMap::new();
        let staff_comments: Vec<(&comment::Model, Vec<String>)> = comments
            .values()
            .filter(|c| c.author_user_id.is_some())
            .map(|c| (c, mentioned(&c.body)))
            .filter(|(_, words)| !words.is_empty())
            .collect();
        if !staff_comments.is_empty() {
            let directory = Directory::load(conn).await?;
            for (c, words) in staff_comments {
                let Some(t) = tickets.get(&c.ticket_id) else {
                    continue;
                };
                let teams = self
                    .registry()
                    .get(&t.type_slug)
                    .map(|d| d.stored.definition.teams.clone())
                    .unwrap_or_default();
                let ids: Vec<i64> = directory
                    .resolve(&words, &teams)
                    .iter()
                    .map(|u| u.id)
                    .filter(|id| Some(*id) != c.author_user_id)
                    .collect();
                user_ids.extend(&ids);
                mentions.insert(c.id, ids);
            }
        }
        let type_names = tickets
            .values()
            .filter_map(|t| {
                let def = &self.registry().get(&t.type_slug)?.stored.definition;
                Some((t.type_slug.clone(), def.name.clone()))
            })
            .collect();
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
            mentions,
            type_names,
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
    let mut add = |topic: &str, channel: &str, target: String, body: Value| {
        deliveries.push(delivery::ActiveModel {
            outbox_id: Set(e.id),
            channel: Set(channel.to_string()),
            target: Set(target),
            topic: Set(topic.to_string()),
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
            add(&e.topic, WEBHOOK, s.id.to_string(), event.clone());
        }
    }

    for notice in staff_notices(e, ticket, comment, cx) {
        let Some(u) = cx.users.get(&notice.user_id) else {
            continue;
        };
        let Some(title) = title(notice.topic, e, ticket, comment) else {
            continue;
        };
        let pref = cx
            .preferences
            .get(&(u.id, notice.topic.to_string()))
            .copied()
            .unwrap_or_default();
        if pref.in_app {
            notes.push(user_notification::ActiveModel {
                user_id: Set(u.id),
                outbox_id: Set(e.id),
                topic: Set(notice.topic.to_string()),
                ticket_id: Set(e.ticket_id),
                title: Set(title),
                created_at: Set(now),
                ..Default::default()
            });
        }
        if pref.email && options.email {
            let to =
                json!({"kind": "staff", "user_id": u.id, "name": u.display_name, "email": u.email});
            let body = email_body(notice.template, to, e, ticket, comment, cx);
            add(notice.topic, EMAIL, u.email.to_lowercase(), body);
        }
    }
    if options.email
        && let Some(t) = ticket
        && let Some((address, template)) = requester_email(e, t, comment)
    {
        let to = json!({
            "kind": "requester",
            "name": t.requester.as_ref().and_then(|r| r.name.clone()),
            "email": address,
        });
        let body = email_body(template, to, e, ticket, comment, cx);
        add(&e.topic, EMAIL, address.to_lowercase(), body);
    }
}

/// What an email is rendered from (`docket_core::mail_templates`): the template, the
/// recipient, the ticket's threading facts, and the values the template may use (the
/// sender adds the settings' own: the site name and links).
fn email_body(
    template: &str,
    to: Value,
    e: &Entry,
    ticket: Option<&Ticket>,
    comment: Option<&comment::Model>,
    cx: &Context,
) -> Value {
    let p = &e.payload;
    let metric = p["metric"].as_str().unwrap_or_default();
    let due_at = ticket.and_then(|t| match metric {
        "first_response" => t.first_response_due_at,
        "next_response" => t.next_response_due_at,
        "resolution" => t.resolution_due_at,
        _ => t.sla_due_at,
    });
    let actor = p["actor"].as_str().unwrap_or_default();
    let values = json!({
        "recipient": {"name": to["name"]},
        "ticket": ticket.map(|t| json!({
            "key": t.key, "title": t.title, "status": t.status,
            "priority": t.priority.as_str(),
            "type": cx.type_names.get(&t.type_slug).unwrap_or(&t.type_slug),
        })),
        // The person, not the token they used.
        "actor": actor.split(" (token").next().unwrap_or(actor),
        "comment": comment.map(|c| json!({
            "author": c.author_name.clone().unwrap_or_default(),
            "body": c.body,
        })),
        "sla": {
            "metric": metric.replace('_', " "),
            "due_at": due_at.map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string()),
        },
        "webhook": {"name": p["name"], "reason": p["reason"]},
    });
    let auto = match template {
        mail::REQUESTER_ACKNOWLEDGEMENT => Some("auto-replied"),
        // A person wrote it.
        mail::REQUESTER_REPLY => None,
        _ => Some("auto-generated"),
    };
    json!({
        "template": template,
        "to": to,
        "ticket": ticket.map(|t| json!({
            "id": t.id, "key": t.key, "source": t.source_channel, "source_ref": t.source_ref,
            "created_at": t.created_at,
        })),
        "comment_id": comment.map(|c| c.id),
        "auto_submitted": auto,
        "values": values,
    })
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

/// The line a person is told of `topic` (the entry's, or `mention`).
fn title(
    topic: &str,
    e: &Entry,
    ticket: Option<&Ticket>,
    comment: Option<&comment::Model>,
) -> Option<String> {
    let key = ticket.map(|t| t.key.as_str()).unwrap_or("A ticket");
    let metric = e.payload["metric"]
        .as_str()
        .unwrap_or("SLA")
        .replace('_', " ");
    let author = || {
        comment
            .and_then(|c| c.author_name.clone())
            .unwrap_or_else(|| "the requester".into())
    };
    Some(match topic {
        topics::TICKET_ASSIGNED => format!(
            "{key} was assigned to you: {}",
            ticket.map(|t| t.title.as_str()).unwrap_or_default()
        ),
        topics::COMMENT_CREATED => format!("{key}: {} replied", author()),
        topics::MENTION => format!("{key}: {} mentioned you", author()),
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

fn staff_notices(
    e: &Entry,
    ticket: Option<&Ticket>,
    comment: Option<&comment::Model>,
    cx: &Context,
) -> Vec<Notice> {
    let actor = e.payload["actor"].as_str().unwrap_or_default();
    let by_themselves = |id: i64| {
        cx.users
            .get(&id)
            .is_some_and(|u| actor == u.email || actor.starts_with(&format!("{} (", u.email)))
    };
    let to = |ids: Vec<i64>, topic: &'static str, template: &'static str| {
        ids.into_iter()
            .map(|user_id| Notice {
                user_id,
                topic,
                template,
            })
            .collect::<Vec<_>>()
    };
    let user_ids = || -> Vec<i64> {
        e.payload["user_ids"]
            .as_array()
            .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default()
    };
    match e.topic.as_str() {
        topics::TICKET_ASSIGNED => to(
            e.payload["assignee_id"]
                .as_i64()
                .filter(|id| !by_themselves(*id))
                .into_iter()
                .collect(),
            topics::TICKET_ASSIGNED,
            mail::STAFF_ASSIGNED,
        ),
        topics::COMMENT_CREATED => {
            let Some(c) = comment.filter(|c| c.deleted_at.is_none()) else {
                return Vec::new();
            };
            let mut notices = match ticket.and_then(|t| t.assignee_id) {
                Some(assignee) if c.author_requester_id.is_some() && c.kind == "public" => {
                    to(vec![assignee], topics::COMMENT_CREATED, mail::STAFF_REPLY)
                }
                _ => Vec::new(),
            };
            let mentioned = cx.mentions.get(&c.id).cloned().unwrap_or_default();
            notices.extend(to(mentioned, topics::MENTION, mail::STAFF_MENTION));
            notices
        }
        topics::SLA_WARNING => to(user_ids(), topics::SLA_WARNING, mail::STAFF_SLA_WARNING),
        topics::SLA_BREACH => to(user_ids(), topics::SLA_BREACH, mail::STAFF_SLA_BREACH),
        topics::SLA_STILL_BREACHED => to(
            user_ids(),
            topics::SLA_STILL_BREACHED,
            mail::STAFF_SLA_STILL_BREACHED,
        ),
        topics::WEBHOOK_DISABLED => to(
            user_ids(),
            topics::WEBHOOK_DISABLED,
            mail::STAFF_WEBHOOK_DISABLED,
        ),
        _ => Vec::new(),
    }
}

/// The requester's address and the template when this entry is news for them by email.
fn requester_email<'t>(
    e: &Entry,
    t: &'t Ticket,
    comment: Option<&comment::Model>,
) -> Option<(&'t str, &'static str)> {
    if t.source_channel == "discord" || t.deleted_at.is_some() {
        return None;
    }
    let address = t.requester.as_ref()?.email.as_deref()?;
    match e.topic.as_str() {
        topics::TICKET_CREATED => Some((address, mail::REQUESTER_ACKNOWLEDGEMENT)),
        topics::COMMENT_CREATED
            if comment.is_some_and(|c| {
                c.kind == "public" && c.author_requester_id.is_none() && c.deleted_at.is_none()
            }) =>
        {
            Some((address, mail::REQUESTER_REPLY))
        }
        _ => None,
    }
}
