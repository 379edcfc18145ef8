//! Merging two records of one person: the source's identities, tickets, replies and notes
//! move to the target, the target fills its blanks from the source, and the source stays
//! as a pointer to the target (ids handed out before still lead somewhere). Each moved
//! ticket records the move as a change of its own; the audit log records the merge.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use super::{has_tickets_outside, load, with_ids};
use crate::entities::{comment, requester, requester_identity, requester_note, ticket};
use crate::identity::{Actor, audit};
use crate::tickets::Requester;
use crate::tickets::write::Change;
use crate::{Result, Store, StoreError};

/// A merge request: `source` goes into `target`.
#[derive(Debug, Clone)]
pub struct RequesterMerge {
    pub target: i64,
    pub source: i64,
    /// The organisation of the merged record, when the two name different ones.
    pub organization: Option<String>,
}

impl Store {
    /// Merge two requesters the caller sees. A caller limited to some types (`types`)
    /// may merge only records without tickets in other types: the move would change
    /// tickets they cannot see. Returns the merged record.
    pub async fn merge_requesters(
        &self,
        merge: &RequesterMerge,
        types: Option<&[String]>,
        actor: &Actor,
    ) -> Result<Requester> {
        let txn = self.begin_write().await?;
        let target = super::profile::visible_requester(&txn, merge.target, types).await?;
        let source = super::profile::visible_requester(&txn, merge.source, types)
            .await
            .map_err(|e| match e {
                StoreError::NotFound(_) => {
                    StoreError::invalid("/source", format!("no requester {}", merge.source))
                }
                e => e,
            })?;
        if target.id == source.id {
            return Err(StoreError::invalid(
                "/source",
                "the two are one record already",
            ));
        }
        if let Some(types) = types {
            for r in [&target, &source] {
                if has_tickets_outside(&txn, r.id, types).await? {
                    return Err(StoreError::Forbidden(format!(
                        "requester {} has tickets your teams do not handle; only an admin can merge them",
                        r.id
                    )));
                }
            }
        }
        let organization = merged_organization(&target, &source, merge.organization.as_deref())?;
        let at = self.clock.now();

        // Identities: the target's scope for all; one the target already has (or another
        // record holds in the target's scope) is dropped from the source.
        let target_scope: String = requester_identity::Entity::find()
            .select_only()
            .column(requester_identity::Column::Scope)
            .filter(requester_identity::Column::RequesterId.eq(target.id))
            .into_tuple()
            .one(&txn)
            .await?
            .unwrap_or_default();
        let moving = requester_identity::Entity::find()
            .filter(requester_identity::Column::RequesterId.eq(source.id))
            .order_by_asc(requester_identity::Column::Id)
            .all(&txn)
            .await?;
        for identity in moving {
            let clash = requester_identity::Entity::find()
                .filter(requester_identity::Column::Kind.eq(identity.kind.as_str()))
                .filter(requester_identity::Column::Value.eq(identity.value.as_str()))
                .filter(requester_identity::Column::Scope.eq(target_scope.as_str()))
                .filter(requester_identity::Column::Id.ne(identity.id))
                .one(&txn)
                .await?
                .is_some();
            if clash {
                requester_identity::Entity::delete_by_id(identity.id)
                    .exec(&txn)
                    .await?;
            } else {
                requester_identity::Entity::update_many()
                    .col_expr(requester_identity::Column::RequesterId, target.id.into())
                    .col_expr(
                        requester_identity::Column::Scope,
                        target_scope.clone().into(),
                    )
                    .filter(requester_identity::Column::Id.eq(identity.id))
                    .exec(&txn)
                    .await?;
            }
        }

        // Tickets, each a change of its own (deleted ones too: a restore finds them
        // with the merged record). Locked in id order, as everything that locks tickets.
        let tickets: Vec<i64> = ticket::Entity::find()
            .select_only()
            .column(ticket::Column::Id)
            .filter(ticket::Column::RequesterId.eq(source.id))
            .order_by_asc(ticket::Column::Id)
            .into_tuple()
            .all(&txn)
            .await?;
        for id in &tickets {
            let mut change = Change::new(*id, &actor.name, at);
            change.field(
                "requester",
                "requester_id",
                source.id,
                target.id,
                Expr::value(target.id),
            );
            change.commit(&txn).await?;
        }
        comment::Entity::update_many()
            .col_expr(comment::Column::AuthorRequesterId, Some(target.id).into())
            .filter(comment::Column::AuthorRequesterId.eq(source.id))
            .exec(&txn)
            .await?;
        requester_note::Entity::update_many()
            .col_expr(requester_note::Column::RequesterId, target.id.into())
            .filter(requester_note::Column::RequesterId.eq(source.id))
            .exec(&txn)
            .await?;

        // The target fills its blanks; the source (and what was merged into it) points on.
        let mut fill = requester::Entity::update_many()
            .col_expr(requester::Column::UpdatedAt, self.clock.now().into())
            .col_expr(
                requester::Column::Organization,
                Expr::value(organization.clone()),
            )
            .filter(requester::Column::Id.eq(target.id));
        if target.name.is_none() && source.name.is_some() {
            fill = fill.col_expr(
                requester::Column::DisplayName,
                Expr::value(source.name.clone()),
            );
        }
        if target.email.is_none() && source.email.is_some() {
            fill = fill.col_expr(requester::Column::Email, Expr::value(source.email.clone()));
        }
        fill.exec(&txn).await?;
        requester::Entity::update_many()
            .col_expr(requester::Column::MergedInto, Some(target.id).into())
            .col_expr(requester::Column::UpdatedAt, self.clock.now().into())
            .filter(
                sea_orm::Condition::any()
                    .add(requester::Column::Id.eq(source.id))
                    .add(requester::Column::MergedInto.eq(source.id)),
            )
            .exec(&txn)
            .await?;

        // Policies select on the organisation: when the target's changed, or the moved
        // tickets come from another, the target's open tickets are worked out again.
        let org_moved = !same_org(&target.organization, &organization)
            || (!tickets.is_empty() && !same_org(&source.organization, &organization));
        if org_moved {
            crate::sla::recompute_requesters(&txn, [target.id], None, at).await?;
        }

        audit(
            &txn,
            self.clock.now(),
            actor,
            "requester.merge",
            &format!("requester:{}", target.id),
            json!({
                "source": source.id,
                "source_name": source.name,
                "source_email": source.email,
                "source_identities": source.identities,
                "tickets": tickets.len(),
                "organization": organization,
            }),
        )
        .await?;
        let merged = load(&txn, with_ids([target.id]))
            .await?
            .pop()
            .map(|r| r.requester)
            .ok_or_else(|| StoreError::Internal("the merged requester vanished".into()))?;
        txn.commit().await?;
        Ok(merged)
    }
}

fn same_org(a: &Option<String>, b: &Option<String>) -> bool {
    a.as_deref().map(str::to_lowercase) == b.as_deref().map(str::to_lowercase)
}

/// The organisation of the merged record: the one both name (or the only one named),
/// else the one the request chose among them.
fn merged_organization(
    target: &Requester,
    source: &Requester,
    chosen: Option<&str>,
) -> Result<Option<String>> {
    let chosen = chosen.map(str::trim).filter(|c| !c.is_empty());
    match (&target.organization, &source.organization) {
        (Some(t), Some(s)) if t.to_lowercase() != s.to_lowercase() => match chosen {
            Some(c) if c.to_lowercase() == t.to_lowercase() => Ok(Some(t.clone())),
            Some(c) if c.to_lowercase() == s.to_lowercase() => Ok(Some(s.clone())),
            _ => Err(StoreError::invalid(
                "/organization",
                format!("the two belong to `{t}` and `{s}`: choose one of them"),
            )),
        },
        (Some(t), _) => Ok(Some(t.clone())),
        (None, s) => Ok(s.clone()),
    }
}
