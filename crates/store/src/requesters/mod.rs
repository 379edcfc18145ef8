//! Requesters: the people who open tickets, known by one or more identities (an email
//! address, a Discord user id, ...). Requesters are not users of Docket.
//!
//! - this module: resolving a create's requester reference to a record (made or found).
//! - `profile.rs`: what staff see (profile, context card, search).
//! - `notes.rs`: private staff notes.
//! - `merge.rs`: merging two records of one person.
//! - `update.rs`: staff correcting a record (name, organisation).

mod merge;
mod notes;
mod profile;
mod update;

pub use merge::RequesterMerge;
pub use notes::{MAX_NOTE, NoteWriter, RequesterNote};
pub(crate) use profile::parse_summary;
pub use profile::{
    Count, Identity, PastTicket, RequesterCard, RequesterListItem, RequesterProfile,
    RequesterQuery, Topics,
};
pub use update::RequesterPatch;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Order, Query, SimpleExpr, TableRef};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QuerySelect,
};

use crate::entities::{requester, requester_identity, ticket};
use crate::tickets::Requester;
use crate::{Result, StoreError};

/// How a request names its requester: an existing id, or identities to find or create.
#[derive(Debug, Clone, Default)]
pub struct RequesterRef {
    pub id: Option<i64>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub discord_id: Option<String>,
    /// How the Discord identity is shown (the member's name); kept up to date.
    pub discord_name: Option<String>,
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

/// Who names a requester: what they may see decides which record they reach.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Naming<'a> {
    /// Admins, intake and integrations, who see every requester.
    Everyone,
    /// A caller who sees the tickets of these types only. A requester is visible to them
    /// through those tickets; a new record they cause is made in `scope`.
    Within { types: &'a [String], scope: &'a str },
}

/// The scope of records made by callers who see everything.
const SHARED_SCOPE: &str = "";

/// Resolve a requester reference inside a transaction: by id, else by the first identity
/// already known, else create a requester with all the identities given. New identities
/// of a known requester are added to it. Two requests that create the same new requester
/// at once (PostgreSQL runs them concurrently) end with one requester: the loser of the
/// race on an identity drops the requester it made and uses the winner's.
///
/// A caller who sees only some types never reaches a requester they cannot see: an id
/// of one is "no requester", and an identity of one leads to a record of the caller's
/// own scope (made when missing), so nothing of the other record is revealed or changed.
/// Returns the requester's id and whether their organisation changed (SLA policies select
/// on it, so their other open tickets need their clocks recomputed).
pub(crate) async fn resolve<C: ConnectionTrait>(
    conn: &C,
    r: &RequesterRef,
    naming: Naming<'_>,
    known: &mut Known,
    at: DateTime<Utc>,
) -> Result<(Requester, bool)> {
    let (mut found, added_email) = resolve_record(conn, r, naming, known, at).await?;
    if let (Some(id), Some(name)) = (&r.discord_id, &r.discord_name) {
        label_identity(conn, found.id, "discord", id.trim(), name.trim()).await?;
    }
    let Some(org) = r
        .organization
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
    else {
        if let Some(email) = added_email {
            let joined = join_by_email_domain(conn, &mut found, &email).await?;
            if joined {
                known.wrote(found.id, None);
            }
            return Ok((found, joined));
        }
        return Ok((found, false));
    };
    // Twice at most: a concurrent create (PostgreSQL) may set the organisation between
    // our read and our write; then what it set is judged like any known organisation.
    for _attempt in 0..2 {
        if found.organization.as_deref() == Some(org) {
            return Ok((found, false));
        }
        if let Some(current) = &found.organization
            && !r.may_replace_organization
        {
            return Err(StoreError::invalid(
                "/requester/organization",
                format!("the requester belongs to `{current}`; only an admin can change that"),
            ));
        }
        if let Naming::Within { types, .. } = naming {
            // Policies select on the organisation: setting it would move tickets this
            // caller cannot see between policies.
            if has_tickets_outside(conn, found.id, types).await? {
                return Err(StoreError::invalid(
                    "/requester/organization",
                    "the requester has tickets your teams do not handle; only an admin can set their organisation",
                ));
            }
        }
        // Only over the organisation read: a concurrent change is not overwritten unseen.
        let read = match &found.organization {
            Some(current) => requester::Column::Organization.eq(current.as_str()),
            None => requester::Column::Organization.is_null(),
        };
        let updated = requester::Entity::update_many()
            .col_expr(requester::Column::Organization, Expr::value(org))
            .filter(requester::Column::Id.eq(found.id))
            .filter(read)
            .exec(conn)
            .await?
            .rows_affected;
        known.wrote(found.id, None);
        if updated > 0 {
            found.organization = Some(org.to_string());
            return Ok((found, true));
        }
        found = load(conn, with_ids([found.id]))
            .await?
            .pop()
            .ok_or_else(|| StoreError::Internal("a requester vanished while resolving it".into()))?
            .requester;
    }
    Err(StoreError::Conflict(
        "the requester's organisation changed twice while this ticket was created; try again"
            .into(),
    ))
}

/// A known requester without an organisation who just gained an email identity joins
/// the organisation at that email's domain, as a new requester at it would (and takes
/// the email as their address when they had none). True when they joined.
async fn join_by_email_domain<C: ConnectionTrait>(
    conn: &C,
    found: &mut Requester,
    email: &str,
) -> Result<bool> {
    if found.organization.is_some() {
        return Ok(false);
    }
    if found.email.is_none() {
        requester::Entity::update_many()
            .col_expr(requester::Column::Email, Expr::value(email))
            .filter(requester::Column::Id.eq(found.id))
            .filter(requester::Column::Email.is_null())
            .exec(conn)
            .await?;
        found.email = Some(email.to_string());
    }
    let Some(org) = crate::organizations::by_email_domain(conn, email).await? else {
        return Ok(false);
    };
    // Only over "no organisation": one set meanwhile is not overwritten.
    let updated = requester::Entity::update_many()
        .col_expr(requester::Column::Organization, Expr::value(org.as_str()))
        .filter(requester::Column::Id.eq(found.id))
        .filter(requester::Column::Organization.is_null())
        .exec(conn)
        .await?
        .rows_affected;
    if updated == 0 {
        return Ok(false);
    }
    found.organization = Some(org);
    Ok(true)
}

/// The requester record a reference leads to, made or completed as needed; as it is
/// after this transaction's writes. With it, the email identity this added to a record
/// that existed before, if any.
async fn resolve_record<C: ConnectionTrait>(
    conn: &C,
    r: &RequesterRef,
    naming: Naming<'_>,
    known: &mut Known,
    at: DateTime<Utc>,
) -> Result<(Requester, Option<String>)> {
    if let Some(id) = r.id {
        // A merged record's id leads to the record it was merged into.
        let live = live_id(conn, id).await?;
        let found = match live {
            Some(live) => load(conn, with_ids([live])).await?.pop(),
            None => None,
        };
        let id = live.unwrap_or(id);
        let reachable = match (&found, naming) {
            (Some(_), Naming::Within { types, .. }) => visible(conn, id, types).await?,
            (found, _) => found.is_some(),
        };
        // An invisible requester answers like a missing one, so ids cannot be probed.
        return match found {
            Some(record) if reachable => Ok((record.requester, None)),
            _ => Err(StoreError::invalid(
                "/requester/id",
                format!("no requester with id {id}"),
            )),
        };
    }
    let identities = r.identities();
    if identities.is_empty() {
        return Err(StoreError::invalid(
            "/requester",
            "name the requester by id, email or discord_id",
        ));
    }
    for (pointer, value) in [
        ("/requester/email", &r.email),
        ("/requester/discord_id", &r.discord_id),
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(StoreError::invalid(pointer, "must not be empty"));
        }
    }
    for _attempt in 0..2 {
        let (mut record, created) = match choose(conn, &identities, naming, known).await? {
            Some(chosen) => (chosen, false),
            None => {
                let scope = match naming {
                    Naming::Everyone => SHARED_SCOPE.to_string(),
                    Naming::Within { scope, .. } => scope.to_string(),
                };
                (create(conn, r, &identities, scope, at).await?, true)
            }
        };
        let (id, scope) = (record.requester.id, record.scope.clone());
        let mut lost_race = false;
        let mut added_email = None;
        // Only identities the record does not have yet.
        let missing: Vec<&(&'static str, String)> = identities
            .iter()
            .filter(|(k, v)| {
                !record
                    .requester
                    .identities
                    .iter()
                    .any(|(kk, vv)| kk == k && vv == v)
            })
            .collect();
        for (kind, value) in missing {
            let inserted = requester_identity::Entity::insert(requester_identity::ActiveModel {
                requester_id: Set(id),
                kind: Set(kind.to_string()),
                value: Set(value.clone()),
                scope: Set(scope.clone()),
                created_at: Set(at),
                ..Default::default()
            })
            .on_conflict(
                OnConflict::columns([
                    requester_identity::Column::Kind,
                    requester_identity::Column::Value,
                    requester_identity::Column::Scope,
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
            if inserted == 1 {
                if *kind == "email" && !created {
                    added_email = Some(value.clone());
                }
                record
                    .requester
                    .identities
                    .push((kind.to_string(), value.clone()));
                known.wrote(id, Some((kind, value)));
            }
        }
        if created {
            known.wrote(id, None);
        }
        if !lost_race {
            return Ok((record.requester, added_email));
        }
        // Another request registered this identity first: ours is a duplicate, and what
        // was read ahead is out of date.
        requester::Entity::delete_by_id(id).exec(conn).await?;
        for (kind, value) in &identities {
            known.wrote(id, Some((kind, value)));
        }
    }
    choose(conn, &identities, naming, known)
        .await?
        .map(|chosen| (chosen.requester, None))
        .ok_or_else(|| {
            StoreError::Internal("a requester identity vanished while resolving it".into())
        })
}

/// A requester record and the scope its identities belong to.
#[derive(Clone)]
pub(crate) struct Record {
    pub requester: Requester,
    scope: String,
}

/// Requester records read ahead for a batch of creates, in one query for every identity
/// the batch names. Whatever a create of the batch writes (a new record, an identity, an
/// organisation) makes the next create that meets it read again.
#[derive(Default)]
pub(crate) struct Known {
    records: Vec<Record>,
    touched_records: HashSet<i64>,
    touched_identities: HashSet<(String, String)>,
}

impl Known {
    pub(crate) async fn load<C: ConnectionTrait>(
        conn: &C,
        refs: &[&RequesterRef],
    ) -> Result<Known> {
        let identities: Vec<(&'static str, String)> =
            refs.iter().flat_map(|r| r.identities()).collect();
        let records = if identities.is_empty() {
            Vec::new()
        } else {
            load(conn, holding(&identities)).await?
        };
        Ok(Known {
            records,
            ..Default::default()
        })
    }

    /// The records holding one of these identities, as read ahead; None when something
    /// written since may have changed the answer.
    fn candidates(&self, identities: &[(&'static str, String)]) -> Option<Vec<Record>> {
        if identities.iter().any(|(k, v)| {
            self.touched_identities
                .contains(&(k.to_string(), v.clone()))
        }) {
            return None;
        }
        let holding: Vec<Record> = self
            .records
            .iter()
            .filter(|r| {
                r.requester
                    .identities
                    .iter()
                    .any(|(k, v)| identities.iter().any(|(kk, vv)| kk == k && vv == v))
            })
            .cloned()
            .collect();
        if holding
            .iter()
            .any(|r| self.touched_records.contains(&r.requester.id))
        {
            return None;
        }
        Some(holding)
    }

    /// A record was written (and one of its identities, if given).
    fn wrote(&mut self, record: i64, identity: Option<(&str, &String)>) {
        self.touched_records.insert(record);
        if let Some((kind, value)) = identity {
            self.touched_identities
                .insert((kind.to_string(), value.clone()));
        }
    }
}

/// Show a requester's identity by this label (a Discord member's current name), unless it
/// already is. A label says how it is shown, never who it is: nothing resolves by it.
async fn label_identity<C: ConnectionTrait>(
    conn: &C,
    requester_id: i64,
    kind: &str,
    value: &str,
    label: &str,
) -> Result<()> {
    if label.is_empty() {
        return Ok(());
    }
    let label: String = label.chars().take(200).collect();
    requester_identity::Entity::update_many()
        .col_expr(
            requester_identity::Column::Label,
            Expr::value(label.clone()),
        )
        .filter(requester_identity::Column::RequesterId.eq(requester_id))
        .filter(requester_identity::Column::Kind.eq(kind))
        .filter(requester_identity::Column::Value.eq(value))
        .filter(
            Condition::any()
                .add(requester_identity::Column::Label.is_null())
                .add(requester_identity::Column::Label.ne(label)),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// The record behind `id`: itself, or the record it was merged into; None when there is
/// no such requester.
pub(crate) async fn live_id<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<i64>> {
    let found: Option<(i64, Option<i64>)> = requester::Entity::find_by_id(id)
        .select_only()
        .columns([requester::Column::Id, requester::Column::MergedInto])
        .into_tuple()
        .one(conn)
        .await?;
    Ok(found.map(|(id, merged_into)| merged_into.unwrap_or(id)))
}

/// Which requesters [`load`] reads.
pub(crate) fn with_ids(ids: impl IntoIterator<Item = i64>) -> SimpleExpr {
    Expr::col((Alias::new("r"), Alias::new("id"))).is_in(ids)
}

/// Requesters that hold one of these identities.
fn holding(identities: &[(&'static str, String)]) -> SimpleExpr {
    let mut matching = Condition::any();
    for (kind, value) in identities {
        matching = matching.add(
            Condition::all()
                .add(requester_identity::Column::Kind.eq(*kind))
                .add(requester_identity::Column::Value.eq(value.as_str())),
        );
    }
    let holders = Query::select()
        .column(requester_identity::Column::RequesterId)
        .from(requester_identity::Entity)
        .cond_where(matching)
        .to_owned();
    Expr::col((Alias::new("r"), Alias::new("id"))).in_subquery(holders)
}

/// The requesters `which` selects, each with all their identities (oldest first), in one
/// query; by id.
pub(crate) async fn load<C: ConnectionTrait>(conn: &C, which: SimpleExpr) -> Result<Vec<Record>> {
    let stmt = load_statement(which);
    let mut out: Vec<Record> = Vec::new();
    for row in conn.query_all(&stmt).await? {
        let id: i64 = row.try_get("", "id")?;
        if out.last().is_none_or(|last| last.requester.id != id) {
            out.push(Record {
                requester: Requester {
                    id,
                    name: row.try_get("", "display_name")?,
                    email: row.try_get("", "email")?,
                    organization: row.try_get("", "organization")?,
                    identities: Vec::new(),
                },
                scope: SHARED_SCOPE.to_string(),
            });
        }
        let record = out.last_mut().expect("pushed above");
        if let Some(kind) = row.try_get::<Option<String>>("", "identity_kind")? {
            record.scope = row.try_get("", "identity_scope")?;
            let value = row.try_get("", "identity_value")?;
            record.requester.identities.push((kind, value));
        }
    }
    Ok(out)
}

/// `load`'s query: the requesters, each joined to its identities through their index
/// (every list page loads its tickets' requesters this way).
fn load_statement(which: SimpleExpr) -> sea_orm::sea_query::SelectStatement {
    let r = |c: &str| (Alias::new("r"), Alias::new(c));
    let i = |c: &str| (Alias::new("i"), Alias::new(c));
    Query::select()
        .columns([r("id"), r("display_name"), r("email"), r("organization")])
        .expr_as(Expr::col(i("kind")), Alias::new("identity_kind"))
        .expr_as(Expr::col(i("value")), Alias::new("identity_value"))
        .expr_as(Expr::col(i("scope")), Alias::new("identity_scope"))
        .from_as(requester::Entity, Alias::new("r"))
        .left_join(
            TableRef::Table(
                Alias::new("requester_identities").into(),
                Some(Alias::new("i").into()),
            ),
            Expr::col(i("requester_id")).equals(r("id")),
        )
        .and_where(which)
        .order_by(r("id"), Order::Asc)
        .order_by(i("id"), Order::Asc)
        .to_owned()
}

/// The record the identities lead this caller to: for everyone, the shared record (else
/// the oldest); within a scope, the first record the caller can see, else the one of
/// their scope.
async fn choose<C: ConnectionTrait>(
    conn: &C,
    identities: &[(&'static str, String)],
    naming: Naming<'_>,
    known: &Known,
) -> Result<Option<Record>> {
    let mut candidates = match known.candidates(identities) {
        Some(candidates) => candidates,
        None => load(conn, holding(identities)).await?,
    };
    match naming {
        Naming::Everyone => {
            let shared = candidates.iter().position(|c| c.scope == SHARED_SCOPE);
            Ok(match shared {
                Some(i) => Some(candidates.swap_remove(i)),
                None => candidates.into_iter().next(),
            })
        }
        Naming::Within { types, scope } => {
            for i in 0..candidates.len() {
                if visible(conn, candidates[i].requester.id, types).await? {
                    return Ok(Some(candidates.swap_remove(i)));
                }
            }
            Ok(candidates.into_iter().find(|c| c.scope == scope))
        }
    }
}

/// Whether the requester has a ticket of one of these types (how a caller sees them).
async fn visible<C: ConnectionTrait>(
    conn: &C,
    requester_id: i64,
    types: &[String],
) -> Result<bool> {
    has_ticket(conn, requester_id, types, true).await
}

/// Whether the requester has a ticket of a type outside these.
async fn has_tickets_outside<C: ConnectionTrait>(
    conn: &C,
    requester_id: i64,
    types: &[String],
) -> Result<bool> {
    has_ticket(conn, requester_id, types, false).await
}

/// Whether the requester has a (live) ticket whose type is (or is not) one of these.
async fn has_ticket<C: ConnectionTrait>(
    conn: &C,
    requester_id: i64,
    types: &[String],
    of_these: bool,
) -> Result<bool> {
    let slugs = types.iter().map(String::as_str);
    Ok(ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Id)
        .filter(ticket::Column::RequesterId.eq(requester_id))
        .filter(if of_these {
            ticket::Column::TypeSlug.is_in(slugs)
        } else {
            ticket::Column::TypeSlug.is_not_in(slugs)
        })
        .filter(ticket::Column::DeletedAt.is_null())
        .into_tuple::<i64>()
        .one(conn)
        .await?
        .is_some())
}

/// A new requester record, still without identities.
async fn create<C: ConnectionTrait>(
    conn: &C,
    r: &RequesterRef,
    identities: &[(&'static str, String)],
    scope: String,
    now: DateTime<Utc>,
) -> Result<Record> {
    let email = identities
        .iter()
        .find(|(k, _)| *k == "email")
        .map(|(_, v)| v.clone());
    // The organisation whose domain the email is at, when an admin recorded one and the
    // request names none.
    let organization = match &email {
        Some(email) if r.organization.is_none() => {
            crate::organizations::by_email_domain(conn, email).await?
        }
        _ => None,
    };
    let id = requester::Entity::insert(requester::ActiveModel {
        display_name: Set(r.name.clone()),
        email: Set(email.clone()),
        organization: Set(organization.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(conn)
    .await?
    .last_insert_id;
    Ok(Record {
        requester: Requester {
            id,
            name: r.name.clone(),
            email,
            organization,
            identities: Vec::new(),
        },
        scope,
    })
}

#[cfg(test)]
mod tests {
    use sea_orm::ConnectionTrait;

    use crate::Backend;
    use crate::testing::TestDb;

    /// A page of 25 tickets loads up to 25 requesters: each must find its identities
    /// through the index, not by reading every identity (10-23 ms a page at 20,000).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requesters_find_their_identities_by_index() {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let db = TestDb::new(backend).await;
            let conn = db.store.connection();
            let stmt = conn
                .get_database_backend()
                .build(&super::load_statement(super::with_ids([1, 2, 3])));
            let plan: Vec<String> = match backend {
                Backend::Sqlite => {
                    let explain = sea_orm::Statement::from_sql_and_values(
                        stmt.db_backend,
                        format!("EXPLAIN QUERY PLAN {}", stmt.sql),
                        stmt.values.map(|v| v.0).unwrap_or_default(),
                    );
                    let rows = conn.query_all_raw(explain).await.unwrap();
                    rows.iter()
                        .map(|r| r.try_get::<String>("", "detail").unwrap())
                        .collect()
                }
                Backend::Postgres => {
                    // Few rows here: without the planner's cost of a scan, only the
                    // index can serve the join (SET LOCAL: this connection only).
                    let txn = sea_orm::TransactionTrait::begin(conn).await.unwrap();
                    txn.execute_unprepared("SET LOCAL enable_seqscan = off")
                        .await
                        .unwrap();
                    let explain = sea_orm::Statement::from_sql_and_values(
                        stmt.db_backend,
                        format!("EXPLAIN {}", stmt.sql),
                        stmt.values.map(|v| v.0).unwrap_or_default(),
                    );
                    let rows = txn.query_all_raw(explain).await.unwrap();
                    txn.rollback().await.unwrap();
                    rows.iter()
                        .map(|r| r.try_get::<String>("", "QUERY PLAN").unwrap())
                        .collect()
                }
            };
            let plan = plan.join("\n");
            assert!(plan.contains("ix_requester_identities_requester"), "{plan}");
        }
    }
}
