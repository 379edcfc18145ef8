//! Inbound webhook sources: an admin's configuration (slug, ticket type, signature
//! scheme, the mapping the API validated), each with a signing secret sealed with the
//! master key (`secrets`, named `intake.webhook.<id>`) and written in the same
//! transaction as its source, so neither exists without the other. Beside them: each
//! source's log of its last deliveries, the delivery ids the GitHub scheme remembers for
//! a day, and the throttle of refused deliveries, counted from that log.

use chrono::{DateTime, Duration, Utc};
use docket_core::intake::{Mapping, Scheme};
use docket_core::typedef::FieldError;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::entities::{intake_delivery, intake_replay, intake_source};
use crate::identity::{Actor, Failures, MasterKey, audit, forget_secret_in, seal_secret_in};
use crate::{Result, Store, StoreError};

/// Deliveries kept in each source's log.
pub const LOG_LENGTH: u64 = 50;
/// How long a GitHub delivery id is remembered.
pub const REPLAY_MEMORY: Duration = Duration::days(1);
/// Refused deliveries from one address to one source that cost nothing; after them,
/// each further delivery from there waits (doubling, as for logins).
pub const FREE_REFUSALS: u64 = 10;
/// Refusals count for this long.
pub const REFUSAL_WINDOW: Duration = Duration::hours(1);

/// A source as an admin configured it.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub ticket_type: String,
    pub enabled: bool,
    pub scheme: Scheme,
    pub mapping: Mapping,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What an admin sets (the API checked it).
#[derive(Debug, Clone)]
pub struct SourceSettings {
    pub slug: String,
    pub name: String,
    pub ticket_type: String,
    pub enabled: bool,
    pub scheme: Scheme,
    pub mapping: Mapping,
}

/// How a delivery ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A new ticket.
    Created,
    /// A reference already seen: the ticket made first (perhaps with a comment added).
    Replayed,
    /// The signature, its timestamp or a replayed delivery id.
    Refused,
    /// The payload is not JSON, or maps to values the ticket refuses.
    Invalid,
    /// Docket's own fault (the database, a vanished type).
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Replayed => "replayed",
            Outcome::Refused => "refused",
            Outcome::Invalid => "invalid",
            Outcome::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Outcome {
        [
            Outcome::Created,
            Outcome::Replayed,
            Outcome::Refused,
            Outcome::Invalid,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
        .unwrap_or(Outcome::Failed)
    }
}

/// One entry of a source's log.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub outcome: Outcome,
    /// The HTTP status the sender got.
    pub status: u16,
    pub ticket_key: Option<String>,
    pub detail: Option<String>,
    pub errors: Vec<FieldError>,
    pub ip: Option<String>,
}

/// The name of a source's sealed secret: by id, so a renamed slug keeps it.
pub fn secret_name(source_id: i64) -> String {
    format!("intake.webhook.{source_id}")
}

impl Store {
    pub async fn intake_sources(&self) -> Result<Vec<Source>> {
        intake_source::Entity::find()
            .order_by_asc(intake_source::Column::Slug)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_source)
            .collect()
    }

    pub async fn intake_source(&self, slug: &str) -> Result<Source> {
        to_source(find(&self.db, slug).await?)
    }

    /// Create a source with a new signing secret; the secret is returned this once.
    pub async fn create_intake_source(
        &self,
        key: &MasterKey,
        settings: &SourceSettings,
        actor: &Actor,
    ) -> Result<(Source, String)> {
        let at = self.clock.now();
        let txn = self.begin_write().await?;
        let row = intake_source::ActiveModel {
            slug: Set(settings.slug.clone()),
            name: Set(settings.name.clone()),
            ticket_type: Set(settings.ticket_type.clone()),
            enabled: Set(settings.enabled),
            scheme: Set(settings.scheme.as_str().to_string()),
            mapping: Set(mapping_text(&settings.mapping)?),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| taken(e, &settings.slug))?;
        let secret = new_secret();
        seal_secret_in(
            &txn,
            key,
            &secret_name(row.id),
            &secret,
            actor,
            self.clock.now(),
        )
        .await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "intake_source.create",
            &format!("intake_source:{}", row.id),
            json!({"slug": settings.slug, "ticket_type": settings.ticket_type}),
        )
        .await?;
        txn.commit().await?;
        Ok((to_source(row)?, secret))
    }

    /// Replace a source's settings (its slug too: the receiving URL moves with it).
    pub async fn update_intake_source(
        &self,
        slug: &str,
        settings: &SourceSettings,
        actor: &Actor,
    ) -> Result<Source> {
        let txn = self.begin_write().await?;
        let current = find(&txn, slug).await?;
        let id = current.id;
        let mut row: intake_source::ActiveModel = current.into();
        row.slug = Set(settings.slug.clone());
        row.name = Set(settings.name.clone());
        row.ticket_type = Set(settings.ticket_type.clone());
        row.enabled = Set(settings.enabled);
        row.scheme = Set(settings.scheme.as_str().to_string());
        row.mapping = Set(mapping_text(&settings.mapping)?);
        row.updated_at = Set(self.clock.now());
        let row = row
            .update(&txn)
            .await
            .map_err(|e| taken(e, &settings.slug))?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "intake_source.update",
            &format!("intake_source:{id}"),
            json!({"slug": settings.slug, "enabled": settings.enabled}),
        )
        .await?;
        txn.commit().await?;
        to_source(row)
    }

    /// Delete a source with its secret, log and remembered delivery ids. Its tickets stay.
    pub async fn delete_intake_source(&self, slug: &str, actor: &Actor) -> Result<()> {
        let txn = self.begin_write().await?;
        let current = find(&txn, slug).await?;
        intake_source::Entity::delete_by_id(current.id)
            .exec(&txn)
            .await?;
        forget_secret_in(&txn, &secret_name(current.id)).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "intake_source.delete",
            &format!("intake_source:{}", current.id),
            json!({"slug": slug}),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Give a source a new signing secret; the old one stops working at once.
    pub async fn rotate_intake_secret(
        &self,
        key: &MasterKey,
        slug: &str,
        actor: &Actor,
    ) -> Result<(Source, String)> {
        let txn = self.begin_write().await?;
        let current = find(&txn, slug).await?;
        let secret = new_secret();
        seal_secret_in(
            &txn,
            key,
            &secret_name(current.id),
            &secret,
            actor,
            self.clock.now(),
        )
        .await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "intake_source.rotate_secret",
            &format!("intake_source:{}", current.id),
            json!({"slug": slug}),
        )
        .await?;
        txn.commit().await?;
        Ok((to_source(current)?, secret))
    }

    /// A source's signing secret, for checking a delivery (None: deleted by hand through
    /// the secrets API; rotating makes a new one).
    pub async fn intake_secret(&self, key: &MasterKey, source_id: i64) -> Result<Option<String>> {
        self.reveal_secret(key, &secret_name(source_id)).await
    }

    /// Add an entry to a source's log and drop what falls off its end.
    #[allow(clippy::too_many_arguments)]
    pub async fn log_intake_delivery(
        &self,
        source_id: i64,
        outcome: Outcome,
        status: u16,
        ticket_key: Option<&str>,
        detail: Option<&str>,
        errors: &[FieldError],
        ip: Option<&str>,
    ) -> Result<()> {
        let txn = self.begin_write().await?;
        let errors = if errors.is_empty() {
            None
        } else {
            Some(serde_json::to_string(errors).map_err(|e| StoreError::Internal(e.to_string()))?)
        };
        intake_delivery::ActiveModel {
            source_id: Set(source_id),
            received_at: Set(self.clock.now()),
            outcome: Set(outcome.as_str().to_string()),
            status: Set(status as i16),
            ticket_key: Set(ticket_key.map(str::to_string)),
            detail: Set(detail.map(|d| d.chars().take(1000).collect())),
            errors: Set(errors),
            ip: Set(ip.map(str::to_string)),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        crate::keep_newest::<intake_delivery::Entity, _>(
            &txn,
            intake_delivery::Column::SourceId,
            source_id,
            intake_delivery::Column::Id,
            LOG_LENGTH,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// A source's log, newest first.
    pub async fn intake_deliveries(&self, source_id: i64) -> Result<Vec<Delivery>> {
        Ok(intake_delivery::Entity::find()
            .filter(intake_delivery::Column::SourceId.eq(source_id))
            .order_by_desc(intake_delivery::Column::Id)
            .limit(LOG_LENGTH)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|m| Delivery {
                id: m.id,
                received_at: m.received_at,
                outcome: Outcome::parse(&m.outcome),
                status: m.status as u16,
                ticket_key: m.ticket_key,
                detail: m.detail,
                errors: m
                    .errors
                    .and_then(|e| serde_json::from_str(&e).ok())
                    .unwrap_or_default(),
                ip: m.ip,
            })
            .collect())
    }

    /// How long deliveries from `ip` to the source must wait after their recent refusals
    /// (zero: go ahead). Per address and source, never per source alone: a stranger's
    /// forged deliveries must not hold back the real sender.
    pub async fn intake_wait(&self, source_id: i64, ip: &str) -> Result<Duration> {
        let at = self.clock.now();
        let refused = intake_delivery::Entity::find()
            .filter(intake_delivery::Column::SourceId.eq(source_id))
            .filter(intake_delivery::Column::Ip.eq(ip))
            .filter(intake_delivery::Column::Outcome.eq(Outcome::Refused.as_str()))
            .filter(intake_delivery::Column::ReceivedAt.gt(at - REFUSAL_WINDOW));
        let last = refused
            .clone()
            .order_by_desc(intake_delivery::Column::Id)
            .one(&self.db)
            .await?
            .map(|d| d.received_at);
        let failures = Failures {
            count: refused.count(&self.db).await?,
            last,
        };
        Ok(failures.wait_at(FREE_REFUSALS, at))
    }

    /// Remember a delivery id of the source; false when it was seen within a day (a
    /// replay). Ids older than that are forgotten on the way.
    pub async fn claim_intake_delivery_id(
        &self,
        source_id: i64,
        delivery_id: &str,
    ) -> Result<bool> {
        let at = self.clock.now();
        let txn = self.begin_write().await?;
        intake_replay::Entity::delete_many()
            .filter(intake_replay::Column::SourceId.eq(source_id))
            .filter(intake_replay::Column::SeenAt.lt(at - REPLAY_MEMORY))
            .exec(&txn)
            .await?;
        let inserted = intake_replay::Entity::insert(intake_replay::ActiveModel {
            source_id: Set(source_id),
            delivery_id: Set(delivery_id.to_string()),
            seen_at: Set(at),
        })
        .on_conflict(
            OnConflict::columns([
                intake_replay::Column::SourceId,
                intake_replay::Column::DeliveryId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        txn.commit().await?;
        Ok(inserted == 1)
    }

    /// Forget a delivery id claimed by a delivery that was not accepted (an invalid
    /// payload, a failure), so the sender's redelivery of it, after a fix, goes through.
    pub async fn release_intake_delivery_id(
        &self,
        source_id: i64,
        delivery_id: &str,
    ) -> Result<()> {
        intake_replay::Entity::delete_many()
            .filter(intake_replay::Column::SourceId.eq(source_id))
            .filter(intake_replay::Column::DeliveryId.eq(delivery_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}

async fn find<C: sea_orm::ConnectionTrait>(conn: &C, slug: &str) -> Result<intake_source::Model> {
    intake_source::Entity::find()
        .filter(intake_source::Column::Slug.eq(slug))
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("webhook source `{slug}`")))
}

/// A unique slug taken by another source (or a racing create) is the caller's conflict.
fn taken(e: sea_orm::DbErr, slug: &str) -> StoreError {
    if crate::error::is_unique_violation(&e) {
        StoreError::Conflict(format!("another webhook source has the slug `{slug}`"))
    } else {
        e.into()
    }
}

fn new_secret() -> String {
    crate::identity::crypto::new_token("whsec")
}

fn mapping_text(m: &Mapping) -> Result<String> {
    serde_json::to_string(m).map_err(|e| StoreError::Internal(e.to_string()))
}

fn to_source(m: intake_source::Model) -> Result<Source> {
    let unreadable = |what: &str| {
        StoreError::Internal(format!("webhook source {} has an unreadable {what}", m.id))
    };
    Ok(Source {
        scheme: Scheme::parse(&m.scheme).ok_or_else(|| unreadable("scheme"))?,
        mapping: serde_json::from_str(&m.mapping).map_err(|_| unreadable("mapping"))?,
        id: m.id,
        slug: m.slug,
        name: m.name,
        ticket_type: m.ticket_type,
        enabled: m.enabled,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}
