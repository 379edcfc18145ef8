//! The delivery queue: deliveries are leased to a worker (several instances share the
//! table; `FOR UPDATE SKIP LOCKED` on PostgreSQL), sent, and finished with an outcome:
//! delivered, failed (tried again after a doubling wait) or dead after `MAX_ATTEMPTS`.
//! Every attempt is logged for admins, who may send a dead delivery again. A webhook
//! subscription that fails `WEBHOOK_DISABLE_AFTER` times in a row is switched off and
//! admins are told.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, LockBehavior, LockType, Order, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::{Value, json};

use super::{WEBHOOK, outbox, topics};
use crate::entities::{delivery, delivery_attempt, ticket as ticket_row, webhook_subscription};
use crate::{Result, Store, StoreError};

/// Attempts before a delivery is dead: with the doubling wait from 30 s (at most an
/// hour) that is about five hours of trying.
pub const MAX_ATTEMPTS: i32 = 10;
/// Failed attempts in a row (over all its deliveries) that switch a subscription off.
pub const WEBHOOK_DISABLE_AFTER: i32 = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Dead,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        match s {
            "pending" => Some(DeliveryStatus::Pending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "dead" => Some(DeliveryStatus::Dead),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub outbox_id: i64,
    pub channel: String,
    pub target: String,
    pub topic: String,
    pub ticket_key: Option<String>,
    pub body: Value,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub outcome: String,
    pub code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// How one attempt went.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Delivered {
        code: Option<i32>,
    },
    /// `retry`: whether trying again can help (a 5xx, a timeout) or not (a 4xx, an
    /// address refused for good): without, the delivery is dead at once.
    Failed {
        code: Option<i32>,
        error: String,
        retry: bool,
    },
    /// The channel itself could not be used (the SMTP relay down or refusing our
    /// login, email switched off): not the delivery's fault, so it does not count as an
    /// attempt and is tried again in `DEFERRED_WAIT`, for as long as it takes.
    Deferred {
        error: String,
    },
}

/// How long a deferred delivery waits before the next try.
pub const DEFERRED_WAIT: Duration = Duration::seconds(60);

#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub status: Option<DeliveryStatus>,
    pub channel: Option<String>,
    /// A subscription id (webhooks) or an address (email).
    pub target: Option<String>,
    pub ticket_key: Option<String>,
}

fn col(name: &str) -> Alias {
    Alias::new(name)
}

impl Store {
    /// Lease up to `limit` due deliveries to `owner` for `lease`.
    pub async fn claim_deliveries(
        &self,
        owner: &str,
        lease: Duration,
        limit: u64,
    ) -> Result<Vec<Delivery>> {
        let now = self.clock.now();
        let due = Query::select()
            .column(col("id"))
            .from(col("deliveries"))
            .and_where(Expr::col(col("status")).eq(DeliveryStatus::Pending.as_str()))
            .and_where(Expr::col(col("next_attempt_at")).lte(now))
            .cond_where(
                Expr::col(col("lease_until"))
                    .is_null()
                    .or(Expr::col(col("lease_until")).lt(now)),
            )
            .order_by(col("next_attempt_at"), Order::Asc)
            .order_by(col("id"), Order::Asc)
            .limit(limit)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .to_owned();
        let stmt = Query::update()
            .table(col("deliveries"))
            .value(col("lease_owner"), owner)
            .value(col("lease_until"), now + lease)
            .and_where(Expr::col(col("id")).in_subquery(due))
            .returning(Query::returning().column(col("id")))
            .to_owned();
        let txn = self.begin_write().await?;
        let ids: Vec<i64> = txn
            .query_all(&stmt)
            .await?
            .iter()
            .map(|r| r.try_get("", "id"))
            .collect::<std::result::Result<_, _>>()?;
        txn.commit().await?;
        let rows = delivery::Entity::find()
            .filter(delivery::Column::Id.is_in(ids))
            .order_by_asc(delivery::Column::NextAttemptAt)
            .order_by_asc(delivery::Column::Id)
            .all(&self.db)
            .await?;
        self.to_deliveries(rows).await
    }

    /// Record an attempt of a delivery `owner` leased. A lease lost meanwhile (the
    /// worker was too slow) records nothing: whoever holds it now reports.
    pub async fn finish_delivery(
        &self,
        id: i64,
        owner: &str,
        outcome: Outcome,
        duration_ms: i64,
    ) -> Result<()> {
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let Some(d) = delivery::Entity::find_by_id(id)
            .filter(delivery::Column::LeaseOwner.eq(owner))
            .filter(delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .one(&txn)
            .await?
        else {
            return Ok(());
        };
        let deferred = matches!(outcome, Outcome::Deferred { .. });
        let attempts = if deferred { d.attempts } else { d.attempts + 1 };
        let (status, label, code, error) = match &outcome {
            Outcome::Delivered { code } => (DeliveryStatus::Delivered, "delivered", *code, None),
            Outcome::Failed { code, error, retry } => {
                let dead = !retry || attempts >= MAX_ATTEMPTS;
                let status = if dead {
                    DeliveryStatus::Dead
                } else {
                    DeliveryStatus::Pending
                };
                (
                    status,
                    if dead { "dead" } else { "failed" },
                    *code,
                    Some(error.chars().take(2000).collect::<String>()),
                )
            }
            Outcome::Deferred { error } => (
                DeliveryStatus::Pending,
                "deferred",
                None,
                Some(error.chars().take(2000).collect::<String>()),
            ),
        };
        let next_attempt_at = match (&outcome, status) {
            (Outcome::Deferred { .. }, _) => now + DEFERRED_WAIT,
            (_, DeliveryStatus::Pending) => now + crate::jobs::backoff(attempts),
            // Finished: the row keeps when it was last due.
            _ => d.next_attempt_at,
        };
        delivery::Entity::update(delivery::ActiveModel {
            id: Set(id),
            status: Set(status.as_str().to_string()),
            attempts: Set(attempts),
            next_attempt_at: Set(next_attempt_at),
            lease_owner: Set(None),
            lease_until: Set(None),
            last_error: Set(error.clone()),
            delivered_at: Set((status == DeliveryStatus::Delivered).then_some(now)),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        delivery_attempt::Entity::insert(delivery_attempt::ActiveModel {
            delivery_id: Set(id),
            at: Set(now),
            outcome: Set(label.to_string()),
            code: Set(code),
            error: Set(error),
            duration_ms: Set(duration_ms),
            ..Default::default()
        })
        .exec_without_returning(&txn)
        .await?;
        if d.channel == WEBHOOK
            && let Ok(subscription_id) = d.target.parse::<i64>()
        {
            self.count_webhook_outcome(&txn, subscription_id, &outcome, now)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// A success clears a subscription's failure count; a failure adds one, and the one
    /// that reaches `WEBHOOK_DISABLE_AFTER` switches it off and tells the admins.
    async fn count_webhook_outcome<C: ConnectionTrait>(
        &self,
        conn: &C,
        id: i64,
        outcome: &Outcome,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let failures = match outcome {
            Outcome::Delivered { .. } => Expr::value(0),
            Outcome::Failed { .. } => Expr::col(col("consecutive_failures")).add(1),
            Outcome::Deferred { .. } => return Ok(()),
        };
        let stmt = Query::update()
            .table(col("webhook_subscriptions"))
            .value(col("consecutive_failures"), failures)
            .and_where(Expr::col(col("id")).eq(id))
            .returning(Query::returning().columns([col("consecutive_failures"), col("enabled")]))
            .to_owned();
        let Some(row) = conn.query_one(&stmt).await? else {
            return Ok(());
        };
        let count: i32 = row.try_get("", "consecutive_failures")?;
        let enabled: bool = row.try_get("", "enabled")?;
        if !enabled || count < WEBHOOK_DISABLE_AFTER {
            return Ok(());
        }
        let reason = format!("{count} failed attempts in a row");
        webhook_subscription::Entity::update(webhook_subscription::ActiveModel {
            id: Set(id),
            enabled: Set(false),
            disabled_reason: Set(Some(reason.clone())),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec(conn)
        .await?;
        let sub = webhook_subscription::Entity::find_by_id(id)
            .one(conn)
            .await?;
        let admins = crate::identity::active_admin_ids(conn).await?;
        outbox::push_many(
            conn,
            &[(
                topics::WEBHOOK_DISABLED.to_string(),
                None,
                json!({
                    "subscription_id": id,
                    "name": sub.map(|s| s.name),
                    "reason": reason,
                    "user_ids": admins,
                }),
            )],
            now,
        )
        .await
    }

    /// A `ping` to one subscription, due now (an admin trying its endpoint).
    pub async fn ping_subscription(&self, id: i64, actor: &str) -> Result<Delivery> {
        let s = self.subscription(id).await?;
        let now = self.clock.now();
        let txn = self.begin_write().await?;
        let entry = crate::entities::outbox_entry::Entity::insert(
            crate::entities::outbox_entry::ActiveModel {
                topic: Set(topics::PING.to_string()),
                ticket_id: Set(None),
                payload: Set(json!({"actor": actor, "subscription_id": id}).to_string()),
                created_at: Set(now),
                // Meant for this subscription alone, not for every one that hears pings.
                dispatched_at: Set(Some(now)),
                ..Default::default()
            },
        )
        .exec_with_returning(&txn)
        .await?;
        let body = json!({
            "id": entry.id, "event": topics::PING, "created_at": now, "ticket": null,
            "data": {"actor": actor, "subscription": s.name},
        });
        let inserted = delivery::Entity::insert(delivery::ActiveModel {
            outbox_id: Set(entry.id),
            channel: Set(WEBHOOK.to_string()),
            target: Set(id.to_string()),
            topic: Set(topics::PING.to_string()),
            ticket_id: Set(None),
            body: Set(body.to_string()),
            status: Set(DeliveryStatus::Pending.as_str().to_string()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            created_at: Set(now),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        txn.commit().await?;
        let mut out = self.to_deliveries(vec![inserted]).await?;
        Ok(out.remove(0))
    }

    /// Deliveries, newest first, after the id `before` (cursor paging).
    pub async fn deliveries(
        &self,
        filter: &DeliveryFilter,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<Delivery>> {
        let mut q = delivery::Entity::find();
        if let Some(s) = filter.status {
            q = q.filter(delivery::Column::Status.eq(s.as_str()));
        }
        if let Some(c) = &filter.channel {
            q = q.filter(delivery::Column::Channel.eq(c.as_str()));
        }
        if let Some(t) = &filter.target {
            q = q.filter(delivery::Column::Target.eq(t.as_str()));
        }
        if let Some(key) = &filter.ticket_key {
            let row = Self::find_row(&self.db, key, true).await?;
            q = q.filter(delivery::Column::TicketId.eq(row.id));
        }
        if let Some(b) = before {
            q = q.filter(delivery::Column::Id.lt(b));
        }
        let rows = q
            .order_by_desc(delivery::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        self.to_deliveries(rows).await
    }

    /// One delivery and its attempts, oldest first.
    pub async fn delivery(&self, id: i64) -> Result<(Delivery, Vec<Attempt>)> {
        let row = delivery::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("delivery {id}")))?;
        let attempts = delivery_attempt::Entity::find()
            .filter(delivery_attempt::Column::DeliveryId.eq(id))
            .order_by_asc(delivery_attempt::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| Attempt {
                at: a.at,
                outcome: a.outcome,
                code: a.code,
                error: a.error,
                duration_ms: a.duration_ms,
            })
            .collect();
        let mut out = self.to_deliveries(vec![row]).await?;
        Ok((out.remove(0), attempts))
    }

    /// Send a delivery again now, with a fresh round of attempts (a dead one, or a
    /// pending one that should not wait for its backoff). A delivered one is refused.
    pub async fn retry_delivery(&self, id: i64) -> Result<Delivery> {
        let (d, _) = self.delivery(id).await?;
        if d.status == DeliveryStatus::Delivered {
            return Err(StoreError::Conflict(format!(
                "delivery {id} was delivered; nothing to retry"
            )));
        }
        delivery::Entity::update(delivery::ActiveModel {
            id: Set(id),
            status: Set(DeliveryStatus::Pending.as_str().to_string()),
            attempts: Set(0),
            next_attempt_at: Set(self.clock.now()),
            lease_owner: Set(None),
            lease_until: Set(None),
            ..Default::default()
        })
        .exec(&self.db)
        .await?;
        Ok(self.delivery(id).await?.0)
    }

    async fn to_deliveries(&self, rows: Vec<delivery::Model>) -> Result<Vec<Delivery>> {
        let ids: Vec<i64> = rows.iter().filter_map(|r| r.ticket_id).collect();
        let keys: std::collections::HashMap<i64, String> = if ids.is_empty() {
            Default::default()
        } else {
            ticket_row::Entity::find()
                .select_only()
                .columns([ticket_row::Column::Id, ticket_row::Column::Key])
                .filter(ticket_row::Column::Id.is_in(ids))
                .into_tuple::<(i64, String)>()
                .all(&self.db)
                .await?
                .into_iter()
                .collect()
        };
        Ok(rows
            .into_iter()
            .map(|r| Delivery {
                id: r.id,
                outbox_id: r.outbox_id,
                ticket_key: r.ticket_id.and_then(|id| keys.get(&id).cloned()),
                channel: r.channel,
                target: r.target,
                topic: r.topic,
                body: serde_json::from_str(&r.body).unwrap_or(Value::Null),
                status: DeliveryStatus::parse(&r.status).unwrap_or(DeliveryStatus::Pending),
                attempts: r.attempts,
                next_attempt_at: r.next_attempt_at,
                last_error: r.last_error,
                created_at: r.created_at,
                delivered_at: r.delivered_at,
            })
            .collect())
    }
}
