//! Organisations as records of their own: a name (what requesters and SLA policies name,
//! compared case-insensitively), the email domains whose people belong to it, and staff
//! notes. A new requester whose email is at one of the domains joins the organisation.
//!
//! A requester's organisation stays a name (see the requester_memory migration), so a
//! rename carries the requesters along; one that SLA policies select on is refused, since
//! the policies would silently stop matching.

use chrono::{DateTime, Utc};
use docket_core::sla::policy::PolicySpec;
use docket_core::typedef::FieldError;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::entities::{organization, organization_domain, requester, sla_policy};
use crate::identity::{Actor, audit};
use crate::{Result, Store, StoreError};

pub const MAX_ORG_NAME: usize = 200;
pub const MAX_ORG_NOTES: usize = 10_000;
pub const MAX_DOMAINS: usize = 50;

#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub domains: Vec<String>,
    pub notes: String,
    /// Requesters who name it.
    pub requester_count: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A new organisation, or the fields of one to change (None: unchanged).
#[derive(Debug, Clone, Default)]
pub struct OrganizationInput {
    pub name: Option<String>,
    pub domains: Option<Vec<String>>,
    pub notes: Option<String>,
}

/// The organisation whose domains include the email's, by name.
pub(crate) async fn by_email_domain<C: ConnectionTrait>(
    conn: &C,
    email: &str,
) -> Result<Option<String>> {
    let Some((_, domain)) = email.rsplit_once('@') else {
        return Ok(None);
    };
    let Some(found) = organization_domain::Entity::find_by_id(domain.trim().to_lowercase())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(organization::Entity::find_by_id(found.organization_id)
        .one(conn)
        .await?
        .map(|o| o.name))
}

fn check_name(name: &str, errors: &mut Vec<FieldError>) -> String {
    let name = name.trim().to_string();
    if name.is_empty() {
        errors.push(field_error("/name", "must not be empty"));
    } else if name.chars().count() > MAX_ORG_NAME {
        errors.push(field_error(
            "/name",
            &format!("at most {MAX_ORG_NAME} characters"),
        ));
    }
    name
}

/// Lowercased, without a leading `@`, unique; each a host name.
fn check_domains(domains: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    if domains.len() > MAX_DOMAINS {
        errors.push(field_error(
            "/domains",
            &format!("at most {MAX_DOMAINS} domains"),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, d) in domains.iter().enumerate() {
        let d = d.trim().trim_start_matches('@').to_lowercase();
        let host = d.len() <= 253
            && d.contains('.')
            && d.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !host {
            errors.push(field_error(
                &format!("/domains/{i}"),
                "not a domain name (like example.com)",
            ));
        } else if !out.contains(&d) {
            out.push(d);
        }
    }
    out
}

fn check_notes(notes: &str, errors: &mut Vec<FieldError>) -> String {
    if notes.chars().count() > MAX_ORG_NOTES {
        errors.push(field_error(
            "/notes",
            &format!("at most {MAX_ORG_NOTES} characters"),
        ));
    }
    notes.trim().to_string()
}

fn field_error(pointer: &str, message: &str) -> FieldError {
    FieldError {
        pointer: pointer.into(),
        message: message.into(),
    }
}

impl Store {
    pub async fn organizations(&self) -> Result<Vec<Organization>> {
        let rows = organization::Entity::find()
            .order_by_asc(organization::Column::NameKey)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            out.push(hydrate(&self.db, row).await?);
        }
        Ok(out)
    }

    pub async fn organization(&self, id: i64) -> Result<Organization> {
        hydrate(&self.db, row(&self.db, id).await?).await
    }

    pub async fn create_organization(
        &self,
        input: OrganizationInput,
        actor: &Actor,
    ) -> Result<Organization> {
        let mut errors = Vec::new();
        let name = match &input.name {
            Some(name) => check_name(name, &mut errors),
            None => {
                errors.push(field_error("/name", "required"));
                String::new()
            }
        };
        let domains = check_domains(input.domains.as_deref().unwrap_or_default(), &mut errors);
        let notes = check_notes(input.notes.as_deref().unwrap_or_default(), &mut errors);
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let txn = self.begin_write().await?;
        name_free(&txn, &name, None).await?;
        let at = self.clock.now();
        let id = organization::Entity::insert(organization::ActiveModel {
            name_key: Set(name.to_lowercase()),
            name: Set(name.clone()),
            notes: Set(notes),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        })
        .exec(&txn)
        .await?
        .last_insert_id;
        set_domains(&txn, id, &domains).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "organization.create",
            &format!("organization:{id}"),
            json!({"name": name, "domains": domains}),
        )
        .await?;
        let out = hydrate(&txn, row(&txn, id).await?).await?;
        txn.commit().await?;
        Ok(out)
    }

    /// Change an organisation. A new name carries its requesters along (their
    /// organisation is the name); refused while an SLA policy selects on the old one.
    pub async fn update_organization(
        &self,
        id: i64,
        input: OrganizationInput,
        actor: &Actor,
    ) -> Result<Organization> {
        let mut errors = Vec::new();
        let name = input.name.as_deref().map(|n| check_name(n, &mut errors));
        let domains = input
            .domains
            .as_deref()
            .map(|d| check_domains(d, &mut errors));
        let notes = input.notes.as_deref().map(|n| check_notes(n, &mut errors));
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let txn = self.begin_write().await?;
        let old = row(&txn, id).await?;
        let mut update = organization::ActiveModel {
            id: Set(id),
            updated_at: Set(self.clock.now()),
            ..Default::default()
        };
        if let Some(name) = name.as_ref().filter(|n| **n != old.name) {
            name_free(&txn, name, Some(id)).await?;
            if name.to_lowercase() != old.name_key {
                let selecting = policies_naming(&txn, &old.name_key).await?;
                if !selecting.is_empty() {
                    return Err(StoreError::Conflict(format!(
                        "SLA policies select on `{}` ({}); change them first, or they would stop matching its requesters",
                        old.name,
                        selecting.join(", ")
                    )));
                }
            }
            let members: Vec<i64> = requester::Entity::find()
                .select_only()
                .column(requester::Column::Id)
                .filter(
                    Func::lower(Expr::col(requester::Column::Organization))
                        .eq(old.name_key.clone()),
                )
                .into_tuple()
                .all(&txn)
                .await?;
            requester::Entity::update_many()
                .col_expr(requester::Column::Organization, Expr::value(name.clone()))
                .filter(
                    Func::lower(Expr::col(requester::Column::Organization))
                        .eq(old.name_key.clone()),
                )
                .exec(&txn)
                .await?;
            // A policy may select on the new name.
            crate::sla::recompute_requesters(&txn, members, None, self.clock.now()).await?;
            update.name = Set(name.clone());
            update.name_key = Set(name.to_lowercase());
        }
        if let Some(notes) = notes {
            update.notes = Set(notes);
        }
        organization::Entity::update(update).exec(&txn).await?;
        if let Some(domains) = &domains {
            set_domains(&txn, id, domains).await?;
        }
        audit(
            &txn,
            self.clock.now(),
            actor,
            "organization.update",
            &format!("organization:{id}"),
            json!({"name": name, "domains": domains, "old_name": old.name}),
        )
        .await?;
        let out = hydrate(&txn, row(&txn, id).await?).await?;
        txn.commit().await?;
        Ok(out)
    }

    /// Remove the record (its domains go with it); requesters keep the name.
    pub async fn delete_organization(&self, id: i64, actor: &Actor) -> Result<()> {
        let txn = self.begin_write().await?;
        let old = row(&txn, id).await?;
        organization_domain::Entity::delete_many()
            .filter(organization_domain::Column::OrganizationId.eq(id))
            .exec(&txn)
            .await?;
        organization::Entity::delete_by_id(id).exec(&txn).await?;
        audit(
            &txn,
            self.clock.now(),
            actor,
            "organization.delete",
            &format!("organization:{id}"),
            json!({"name": old.name}),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}

async fn row<C: ConnectionTrait>(conn: &C, id: i64) -> Result<organization::Model> {
    organization::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("organization {id}")))
}

async fn hydrate<C: ConnectionTrait>(conn: &C, row: organization::Model) -> Result<Organization> {
    let domains = organization_domain::Entity::find()
        .select_only()
        .column(organization_domain::Column::Domain)
        .filter(organization_domain::Column::OrganizationId.eq(row.id))
        .order_by_asc(organization_domain::Column::Domain)
        .into_tuple()
        .all(conn)
        .await?;
    let requester_count = requester::Entity::find()
        .filter(Func::lower(Expr::col(requester::Column::Organization)).eq(row.name_key.clone()))
        .filter(requester::Column::MergedInto.is_null())
        .count(conn)
        .await?;
    Ok(Organization {
        id: row.id,
        name: row.name,
        domains,
        notes: row.notes,
        requester_count,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Refuse a name another organisation has (ignoring case).
async fn name_free<C: ConnectionTrait>(conn: &C, name: &str, except: Option<i64>) -> Result<()> {
    let taken = organization::Entity::find()
        .filter(organization::Column::NameKey.eq(name.to_lowercase()))
        .one(conn)
        .await?
        .filter(|o| Some(o.id) != except);
    match taken {
        Some(o) => Err(StoreError::invalid(
            "/name",
            format!("organisation `{}` exists", o.name),
        )),
        None => Ok(()),
    }
}

/// Replace the organisation's domains; a domain of another organisation is refused.
async fn set_domains<C: ConnectionTrait>(conn: &C, id: i64, domains: &[String]) -> Result<()> {
    if !domains.is_empty() {
        let taken = organization_domain::Entity::find()
            .filter(organization_domain::Column::Domain.is_in(domains.iter().map(String::as_str)))
            .filter(organization_domain::Column::OrganizationId.ne(id))
            .all(conn)
            .await?;
        if !taken.is_empty() {
            let errors = taken
                .iter()
                .map(|t| {
                    let i = domains.iter().position(|d| *d == t.domain).unwrap_or(0);
                    field_error(
                        &format!("/domains/{i}"),
                        &format!("`{}` belongs to another organisation", t.domain),
                    )
                })
                .collect();
            return Err(StoreError::Invalid(errors));
        }
    }
    organization_domain::Entity::delete_many()
        .filter(organization_domain::Column::OrganizationId.eq(id))
        .exec(conn)
        .await?;
    crate::insert_in_chunks(
        conn,
        domains
            .iter()
            .map(|d| organization_domain::ActiveModel {
                domain: Set(d.clone()),
                organization_id: Set(id),
            })
            .collect(),
    )
    .await
}

/// The names of the SLA policies whose conditions name this organisation.
async fn policies_naming<C: ConnectionTrait>(conn: &C, name_key: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for p in sla_policy::Entity::find().all(conn).await? {
        let Ok(spec) = serde_json::from_str::<PolicySpec>(&p.spec) else {
            continue;
        };
        if spec
            .conditions
            .organizations
            .iter()
            .any(|o| o.trim().to_lowercase() == name_key)
        {
            out.push(p.name);
        }
    }
    Ok(out)
}
