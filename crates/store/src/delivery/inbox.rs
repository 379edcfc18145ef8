//! Each user's in-app notifications (the bell: what was assigned to them, a requester's
//! answer on their ticket, SLA warnings) and their preferences: per topic, whether it
//! reaches them by email and in the app. Without a preference both are on.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::topics;
use crate::entities::{notification_preference as pref, ticket as ticket_row, user_notification};
use crate::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct UserNotification {
    pub id: i64,
    pub topic: String,
    pub ticket_key: Option<String>,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// How one topic reaches a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Preference {
    pub email: bool,
    pub in_app: bool,
}

impl Default for Preference {
    fn default() -> Self {
        Preference {
            email: true,
            in_app: true,
        }
    }
}

/// The topics a person can be told of (the rest go to integrations only).
pub const PERSONAL_TOPICS: [&str; 7] = [
    topics::TICKET_ASSIGNED,
    topics::COMMENT_CREATED,
    topics::MENTION,
    topics::SLA_WARNING,
    topics::SLA_BREACH,
    topics::SLA_STILL_BREACHED,
    topics::WEBHOOK_DISABLED,
];

impl Store {
    /// A user's notifications, newest first, before the id `before`.
    pub async fn user_notifications(
        &self,
        user_id: i64,
        unread_only: bool,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<UserNotification>> {
        let mut q =
            user_notification::Entity::find().filter(user_notification::Column::UserId.eq(user_id));
        if unread_only {
            q = q.filter(user_notification::Column::ReadAt.is_null());
        }
        if let Some(b) = before {
            q = q.filter(user_notification::Column::Id.lt(b));
        }
        let rows = q
            .order_by_desc(user_notification::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = rows.iter().filter_map(|r| r.ticket_id).collect();
        let keys: HashMap<i64, String> = ticket_row::Entity::find()
            .select_only()
            .columns([ticket_row::Column::Id, ticket_row::Column::Key])
            .filter(ticket_row::Column::Id.is_in(ids))
            .into_tuple::<(i64, String)>()
            .all(&self.db)
            .await?
            .into_iter()
            .collect();
        Ok(rows
            .into_iter()
            .map(|r| UserNotification {
                id: r.id,
                ticket_key: r.ticket_id.and_then(|id| keys.get(&id).cloned()),
                topic: r.topic,
                title: r.title,
                created_at: r.created_at,
                read_at: r.read_at,
            })
            .collect())
    }

    pub async fn unread_notification_count(&self, user_id: i64) -> Result<u64> {
        Ok(user_notification::Entity::find()
            .filter(user_notification::Column::UserId.eq(user_id))
            .filter(user_notification::Column::ReadAt.is_null())
            .count(&self.db)
            .await?)
    }

    /// Mark some of a user's notifications read (all of them with `None`); answers how
    /// many changed. Another user's ids change nothing.
    pub async fn mark_notifications_read(&self, user_id: i64, ids: Option<&[i64]>) -> Result<u64> {
        let mut q = user_notification::Entity::update_many()
            .col_expr(
                user_notification::Column::ReadAt,
                sea_orm::sea_query::Expr::value(self.clock.now()),
            )
            .filter(user_notification::Column::UserId.eq(user_id))
            .filter(user_notification::Column::ReadAt.is_null());
        if let Some(ids) = ids {
            q = q.filter(user_notification::Column::Id.is_in(ids.iter().copied()));
        }
        Ok(q.exec(&self.db).await?.rows_affected)
    }

    /// A user's preference for every personal topic.
    pub async fn notification_preferences(
        &self,
        user_id: i64,
    ) -> Result<Vec<(String, Preference)>> {
        let stored = self.preferences_of(&self.db, &[user_id]).await?;
        Ok(PERSONAL_TOPICS
            .iter()
            .map(|t| {
                let p = stored
                    .get(&(user_id, t.to_string()))
                    .copied()
                    .unwrap_or_default();
                (t.to_string(), p)
            })
            .collect())
    }

    pub async fn set_notification_preferences(
        &self,
        user_id: i64,
        prefs: &[(String, Preference)],
    ) -> Result<()> {
        for (i, (topic, _)) in prefs.iter().enumerate() {
            if !PERSONAL_TOPICS.contains(&topic.as_str()) {
                return Err(StoreError::invalid(
                    &format!("/items/{i}/topic"),
                    format!(
                        "`{topic}` is not a topic people are told of; these are: {}",
                        PERSONAL_TOPICS.join(", ")
                    ),
                ));
            }
        }
        if prefs.is_empty() {
            return Ok(());
        }
        pref::Entity::insert_many(prefs.iter().map(|(topic, p)| pref::ActiveModel {
            user_id: Set(user_id),
            topic: Set(topic.clone()),
            email: Set(p.email),
            in_app: Set(p.in_app),
        }))
        .on_conflict(
            OnConflict::columns([pref::Column::UserId, pref::Column::Topic])
                .update_columns([pref::Column::Email, pref::Column::InApp])
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// Stored preferences of these users, by (user, topic).
    pub(crate) async fn preferences_of<C: ConnectionTrait>(
        &self,
        conn: &C,
        users: &[i64],
    ) -> Result<HashMap<(i64, String), Preference>> {
        if users.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(pref::Entity::find()
            .filter(pref::Column::UserId.is_in(users.iter().copied()))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| {
                (
                    (p.user_id, p.topic),
                    Preference {
                        email: p.email,
                        in_app: p.in_app,
                    },
                )
            })
            .collect())
    }
}
