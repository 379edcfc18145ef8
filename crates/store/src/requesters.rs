//! Requesters: the people who open tickets, known by one or more identities (an email
//! address, a Discord user id, ...). Requesters are not users of Docket.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::{requester, requester_identity};
use crate::{Result, StoreError};

/// How a request names its requester: an existing id, or identities to find or create.
#[derive(Debug, Clone, Default)]
pub struct RequesterRef {
    pub id: Option<i64>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub discord_id: Option<String>,
}

impl RequesterRef {
    fn identities(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(e) = &self.email {
            out.push(("email", e.trim().to_lowercase()));
        }
        if let Some(d) = &self.discord_id {
            out.push(("discord", d.trim().to_string()));
        }
        out
    }
}

/// Resolve a requester reference inside a transaction: by id, else by the first identity
/// already known, else create a requester with all the identities given. New identities
/// of a known requester are added to it.
pub(crate) async fn resolve<C: ConnectionTrait>(conn: &C, r: &RequesterRef) -> Result<i64> {
    if let Some(id) = r.id {
        return requester::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|m| m.id)
            .ok_or_else(|| {
                StoreError::invalid("/requester/id", format!("no requester with id {id}"))
            });
    }
    let identities = r.identities();
    if identities.is_empty() {
        return Err(StoreError::invalid(
            "/requester",
            "name the requester by id, email or discord_id",
        ));
    }
    let mut found = None;
    for (kind, value) in &identities {
        if let Some(i) = requester_identity::Entity::find()
            .filter(requester_identity::Column::Kind.eq(*kind))
            .filter(requester_identity::Column::Value.eq(value.as_str()))
            .one(conn)
            .await?
        {
            found = Some(i.requester_id);
            break;
        }
    }
    let now = Utc::now();
    let id = match found {
        Some(id) => id,
        None => {
            let email = identities
                .iter()
                .find(|(k, _)| *k == "email")
                .map(|(_, v)| v.clone());
            requester::Entity::insert(requester::ActiveModel {
                display_name: Set(r.name.clone()),
                email: Set(email),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            })
            .exec(conn)
            .await?
            .last_insert_id
        }
    };
    for (kind, value) in identities {
        let known = requester_identity::Entity::find()
            .filter(requester_identity::Column::Kind.eq(kind))
            .filter(requester_identity::Column::Value.eq(value.as_str()))
            .one(conn)
            .await?;
        if known.is_none() {
            requester_identity::Entity::insert(requester_identity::ActiveModel {
                requester_id: Set(id),
                kind: Set(kind.to_string()),
                value: Set(value),
                created_at: Set(now),
                ..Default::default()
            })
            .exec(conn)
            .await?;
        }
    }
    Ok(id)
}
