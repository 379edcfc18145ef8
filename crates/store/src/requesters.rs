//! Requesters: the people who open tickets, known by one or more identities (an email
//! address, a Discord user id, ...). Requesters are not users of Docket.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
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
    /// The requester's organisation (SLA policies select on it); when given, it replaces
    /// what was known.
    pub organization: Option<String>,
    /// Whether `organization` may replace one already known (admins): it moves the
    /// requester's open tickets between SLA policies, in types the caller may not see.
    pub may_replace_organization: bool,
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
/// of a known requester are added to it. Two requests that create the same new requester
/// at once (PostgreSQL runs them concurrently) end with one requester: the loser of the
/// race on an identity drops the requester it made and uses the winner's.
/// Returns the requester's id and whether their organisation changed (SLA policies select
/// on it, so their other open tickets need their clocks recomputed).
pub(crate) async fn resolve<C: ConnectionTrait>(conn: &C, r: &RequesterRef) -> Result<(i64, bool)> {
    let id = resolve_id(conn, r).await?;
    let Some(org) = r
        .organization
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    else {
        return Ok((id, false));
    };
    let known = requester::Entity::find_by_id(id)
        .one(conn)
        .await?
        .and_then(|m| m.organization);
    if let Some(known) = known.filter(|k| k != org) {
        if !r.may_replace_organization {
            return Err(StoreError::invalid(
                "/requester/organization",
                format!("the requester belongs to `{known}`; only an admin can change that"),
            ));
        }
    }
    let changed = requester::Entity::update_many()
        .col_expr(requester::Column::Organization, Expr::value(org))
        .filter(requester::Column::Id.eq(id))
        .filter(
            requester::Column::Organization
                .is_null()
                .or(requester::Column::Organization.ne(org)),
        )
        .exec(conn)
        .await?
        .rows_affected
        > 0;
    Ok((id, changed))
}

async fn resolve_id<C: ConnectionTrait>(conn: &C, r: &RequesterRef) -> Result<i64> {
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
    for _attempt in 0..2 {
        let (id, created) = match find(conn, &identities).await? {
            Some(id) => (id, false),
            None => (create(conn, r, &identities).await?, true),
        };
        let mut lost_race = false;
        for (kind, value) in &identities {
            let inserted = requester_identity::Entity::insert(requester_identity::ActiveModel {
                requester_id: Set(id),
                kind: Set(kind.to_string()),
                value: Set(value.clone()),
                created_at: Set(Utc::now()),
                ..Default::default()
            })
            .on_conflict(
                OnConflict::columns([
                    requester_identity::Column::Kind,
                    requester_identity::Column::Value,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
            if inserted == 0 && created {
                lost_race = true;
                break;
            }
        }
        if !lost_race {
            return Ok(id);
        }
        // Another request registered this identity first: ours is a duplicate.
        requester::Entity::delete_by_id(id).exec(conn).await?;
    }
    find(conn, &identities).await?.ok_or_else(|| {
        StoreError::Internal("a requester identity vanished while resolving it".into())
    })
}

async fn find<C: ConnectionTrait>(
    conn: &C,
    identities: &[(&'static str, String)],
) -> Result<Option<i64>> {
    for (kind, value) in identities {
        if let Some(i) = requester_identity::Entity::find()
            .filter(requester_identity::Column::Kind.eq(*kind))
            .filter(requester_identity::Column::Value.eq(value.as_str()))
            .one(conn)
            .await?
        {
            return Ok(Some(i.requester_id));
        }
    }
    Ok(None)
}

async fn create<C: ConnectionTrait>(
    conn: &C,
    r: &RequesterRef,
    identities: &[(&'static str, String)],
) -> Result<i64> {
    let now = Utc::now();
    let email = identities
        .iter()
        .find(|(k, _)| *k == "email")
        .map(|(_, v)| v.clone());
    Ok(requester::Entity::insert(requester::ActiveModel {
        display_name: Set(r.name.clone()),
        email: Set(email),
        organization: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id)
}
