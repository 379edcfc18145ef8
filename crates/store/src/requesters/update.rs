//! Staff correcting a requester's record: their display name and organisation. The
//! organisation follows the rule creates follow: an agent may set one that is not known
//! yet, on a requester without tickets outside their types; replacing one is for admins
//! (SLA policies select on it, so it moves the requester's open tickets between them).

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::{has_tickets_outside, load, with_ids};
use crate::entities::requester;
use crate::identity::{Actor, audit};
use crate::tickets::Requester;
use crate::{Result, Store, StoreError};

pub const MAX_REQUESTER_NAME: usize = 200;

/// The fields to change (None: unchanged; an empty string clears).
#[derive(Debug, Clone, Default)]
pub struct RequesterPatch {
    pub name: Option<String>,
    pub organization: Option<String>,
}

impl Store {
    /// Change a requester the caller sees (`types`, None for admins, who may also
    /// replace a known organisation).
    pub async fn update_requester(
        &self,
        id: i64,
        types: Option<&[String]>,
        patch: RequesterPatch,
        actor: &Actor,
    ) -> Result<Requester> {
        let trimmed = |v: Option<String>| v.map(|v| v.trim().to_string());
        let (name, organization) = (trimmed(patch.name), trimmed(patch.organization));
        for (pointer, value) in [("/name", &name), ("/organization", &organization)] {
            if value
                .as_ref()
                .is_some_and(|v| v.chars().count() > MAX_REQUESTER_NAME)
            {
                return Err(StoreError::invalid(
                    pointer,
                    format!("at most {MAX_REQUESTER_NAME} characters"),
                ));
            }
        }
        let txn = self.begin_write().await?;
        let old = super::profile::visible_requester(&txn, id, types).await?;
        let mut update = requester::Entity::update_many()
            .col_expr(requester::Column::UpdatedAt, self.clock.now().into())
            .filter(requester::Column::Id.eq(old.id));
        let mut detail = serde_json::Map::new();
        if let Some(name) = name.filter(|n| Some(n) != old.name.as_ref()) {
            let value = (!name.is_empty()).then_some(name);
            detail.insert("name".into(), json!({"old": old.name, "new": value}));
            update = update.col_expr(requester::Column::DisplayName, Expr::value(value));
        }
        let organization = organization.map(|o| (!o.is_empty()).then_some(o));
        let org_moved = organization.as_ref().is_some_and(|new| {
            new.as_deref().map(str::to_lowercase)
                != old.organization.as_deref().map(str::to_lowercase)
        });
        if let Some(new) = organization.filter(|new| *new != old.organization) {
            if org_moved && let Some(types) = types {
                if old.organization.is_some() {
                    return Err(StoreError::invalid(
                        "/organization",
                        format!(
                            "the requester belongs to `{}`; only an admin can change that",
                            old.organization.as_deref().unwrap_or_default()
                        ),
                    ));
                }
                if has_tickets_outside(&txn, old.id, types).await? {
                    return Err(StoreError::invalid(
                        "/organization",
                        "the requester has tickets your teams do not handle; only an admin can set their organisation",
                    ));
                }
            }
            detail.insert(
                "organization".into(),
                json!({"old": old.organization, "new": new}),
            );
            update = update.col_expr(requester::Column::Organization, Expr::value(new));
        }
        if !detail.is_empty() {
            update.exec(&txn).await?;
            if org_moved {
                crate::sla::recompute_requesters(&txn, [old.id], None, self.clock.now()).await?;
            }
            audit(
                &txn,
                self.clock.now(),
                actor,
                "requester.update",
                &format!("requester:{}", old.id),
                serde_json::Value::Object(detail),
            )
            .await?;
        }
        let out = load(&txn, with_ids([old.id]))
            .await?
            .pop()
            .map(|r| r.requester)
            .ok_or_else(|| {
                StoreError::Internal("the requester vanished while updating it".into())
            })?;
        txn.commit().await?;
        Ok(out)
    }
}
