//! Webhook subscriptions: where ticket news is POSTed, for which topics and types. Each
//! has a signing secret Docket makes, shows once and keeps sealed (`webhook_out.<id>`).

use chrono::{DateTime, Utc};
use reqwest::Url;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::topics;
use crate::entities::webhook_subscription as row;
use crate::identity::crypto::new_token;
use crate::identity::{Actor, MasterKey, audit, forget_secret_in, seal_secret_in};
use crate::{Result, Store, StoreError};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    pub types: Option<Vec<String>>,
    pub enabled: bool,
    pub consecutive_failures: i32,
    /// Why Docket switched it off (None when an admin did, or it is on).
    pub disabled_reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Subscription {
    /// Whether news of `topic` about a ticket of `type_slug` goes to it.
    pub fn wants(&self, topic: &str, type_slug: Option<&str>) -> bool {
        self.enabled
            && self.events.iter().any(|p| topics::matches(p, topic))
            && match (&self.types, type_slug) {
                (Some(types), Some(t)) => types.iter().any(|x| x == t),
                _ => true,
            }
    }
}

#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    pub types: Option<Vec<String>>,
    pub enabled: bool,
}

#[derive(Debug, Clone, Default)]
pub struct SubscriptionPatch {
    pub name: Option<String>,
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub types: Option<Option<Vec<String>>>,
    pub enabled: Option<bool>,
}

/// How the admin audit log names a subscription.
fn target(id: i64) -> String {
    format!("webhook_subscription:{id}")
}

fn secret_name(id: i64) -> String {
    format!("webhook_out.{id}")
}

impl Store {
    /// Add a subscription; answers it with its signing secret (shown this once).
    pub async fn create_subscription(
        &self,
        key: &MasterKey,
        new: NewSubscription,
        actor: &Actor,
    ) -> Result<(Subscription, String)> {
        self.check_subscription(&new.name, &new.url, &new.events, new.types.as_deref())?;
        let now = self.clock.now();
        // The row and its sealed secret together, so neither exists without the other.
        let txn = self.begin_write().await?;
        let inserted = row::Entity::insert(row::ActiveModel {
            name: Set(new.name.trim().to_string()),
            url: Set(new.url.trim().to_string()),
            events: Set(serde_json::to_string(&new.events).unwrap_or_default()),
            types: Set(new
                .types
                .map(|t| serde_json::to_string(&t).unwrap_or_default())),
            enabled: Set(new.enabled),
            consecutive_failures: Set(0),
            disabled_reason: Set(None),
            created_by: Set(actor.name.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        let secret = new_token("whsec");
        seal_secret_in(
            &txn,
            key,
            &secret_name(inserted.id),
            &secret,
            actor,
            self.clock.now(),
        )
        .await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "webhook.create",
            &target(inserted.id),
            json!({"url": inserted.url}),
        )
        .await?;
        txn.commit().await?;
        Ok((to_subscription(inserted), secret))
    }

    /// A new signing secret, replacing the old one at once.
    pub async fn rotate_subscription_secret(
        &self,
        key: &MasterKey,
        id: i64,
        actor: &Actor,
    ) -> Result<String> {
        self.subscription(id).await?;
        let secret = new_token("whsec");
        let txn = self.begin_write().await?;
        seal_secret_in(
            &txn,
            key,
            &secret_name(id),
            &secret,
            actor,
            self.clock.now(),
        )
        .await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "webhook.rotate_secret",
            &target(id),
            Value::Null,
        )
        .await?;
        txn.commit().await?;
        Ok(secret)
    }

    pub async fn subscription_secret(&self, key: &MasterKey, id: i64) -> Result<String> {
        self.reveal_secret(key, &secret_name(id))
            .await?
            .ok_or_else(|| StoreError::Internal(format!("subscription {id} has no secret")))
    }

    pub async fn subscriptions(&self) -> Result<Vec<Subscription>> {
        Ok(row::Entity::find()
            .order_by_asc(row::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(to_subscription)
            .collect())
    }

    pub(crate) async fn enabled_subscriptions<C: ConnectionTrait>(
        conn: &C,
    ) -> Result<Vec<Subscription>> {
        Ok(row::Entity::find()
            .filter(row::Column::Enabled.eq(true))
            .all(conn)
            .await?
            .into_iter()
            .map(to_subscription)
            .collect())
    }

    pub async fn subscription(&self, id: i64) -> Result<Subscription> {
        row::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .map(to_subscription)
            .ok_or_else(|| StoreError::NotFound(format!("webhook subscription {id}")))
    }

    /// Change a subscription; switching it on again clears its failure count.
    pub async fn update_subscription(
        &self,
        id: i64,
        patch: SubscriptionPatch,
    ) -> Result<Subscription> {
        let current = self.subscription(id).await?;
        let name = patch.name.unwrap_or(current.name);
        let url = patch.url.unwrap_or(current.url);
        let events = patch.events.unwrap_or(current.events);
        let types = patch.types.unwrap_or(current.types);
        self.check_subscription(&name, &url, &events, types.as_deref())?;
        let mut model = row::ActiveModel {
            id: Set(id),
            name: Set(name.trim().to_string()),
            url: Set(url.trim().to_string()),
            events: Set(serde_json::to_string(&events).unwrap_or_default()),
            types: Set(types.map(|t| serde_json::to_string(&t).unwrap_or_default())),
            updated_at: Set(self.clock.now()),
            ..Default::default()
        };
        if let Some(enabled) = patch.enabled {
            model.enabled = Set(enabled);
            if enabled {
                model.consecutive_failures = Set(0);
                model.disabled_reason = Set(None);
            }
        }
        row::Entity::update(model).exec(&self.db).await?;
        self.subscription(id).await
    }

    /// Remove a subscription and its secret; its deliveries stay in the log.
    pub async fn delete_subscription(&self, id: i64, actor: &Actor) -> Result<()> {
        self.subscription(id).await?;
        let txn = self.begin_write().await?;
        row::Entity::delete_by_id(id).exec(&txn).await?;
        forget_secret_in(&txn, &secret_name(id)).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "webhook.delete",
            &target(id),
            Value::Null,
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    fn check_subscription(
        &self,
        name: &str,
        url: &str,
        events: &[String],
        types: Option<&[String]>,
    ) -> Result<()> {
        let mut errors = Vec::new();
        if name.trim().is_empty() || name.chars().count() > 200 {
            errors.push(("/name".to_string(), "1 to 200 characters".to_string()));
        }
        let parsed = Url::parse(url.trim());
        if !parsed
            .as_ref()
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        {
            errors.push(("/url".into(), "an http or https URL".into()));
        }
        if events.is_empty() {
            errors.push(("/events".into(), "name at least one topic".into()));
        }
        for (i, e) in events.iter().enumerate() {
            if !topics::is_pattern(e) {
                errors.push((
                    format!("/events/{i}"),
                    format!("`{e}` names no topic; topics: {}", topics::ALL.join(", ")),
                ));
            }
        }
        for (i, t) in types.unwrap_or_default().iter().enumerate() {
            if self.registry.get(t).is_none() {
                errors.push((format!("/types/{i}"), format!("no ticket type `{t}`")));
            }
        }
        if errors.is_empty() {
            return Ok(());
        }
        Err(StoreError::Invalid(
            errors
                .into_iter()
                .map(|(pointer, message)| docket_core::typedef::FieldError { pointer, message })
                .collect(),
        ))
    }
}

fn to_subscription(r: row::Model) -> Subscription {
    Subscription {
        id: r.id,
        name: r.name,
        url: r.url,
        events: serde_json::from_str(&r.events).unwrap_or_default(),
        types: r.types.and_then(|t| serde_json::from_str(&t).ok()),
        enabled: r.enabled,
        consecutive_failures: r.consecutive_failures,
        disabled_reason: r.disabled_reason,
        created_by: r.created_by,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}
