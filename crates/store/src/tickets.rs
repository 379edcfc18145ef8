//! Tickets: the core row, its extension row, tags, comments and the audit trail, always
//! written together in one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use docket_core::ticket::{self, CommentKind, Priority, SourceChannel, StatusCategory};
use docket_core::typedef::FieldError;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::{Map, Value};

use crate::entities::{
    comment, requester, requester_identity, team, ticket as ticket_row, ticket_event, ticket_tag,
};
use crate::idempotency::{self, IdempotencyKey, IdempotencyOutcome, StoredResponse};
use crate::requesters::{self, RequesterRef};
use crate::sla::Trigger;
use crate::{Result, Store, StoreError, ext};

pub const MAX_TITLE: usize = 300;
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_LEN: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct Requester {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub organization: Option<String>,
    pub identities: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: i64,
    pub key: String,
    pub type_slug: String,
    pub type_version: i32,
    pub title: String,
    pub body: String,
    pub status: String,
    pub status_category: String,
    pub priority: Priority,
    pub requester: Option<Requester>,
    pub assignee_id: Option<i64>,
    /// The slug of the team working the ticket.
    pub team: Option<String>,
    pub source_channel: String,
    pub source_ref: Option<String>,
    pub tags: Vec<String>,
    pub fields: Map<String, Value>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// When each open SLA clock falls due (None when paused, stopped or without target).
    pub first_response_due_at: Option<DateTime<Utc>>,
    pub next_response_due_at: Option<DateTime<Utc>>,
    pub resolution_due_at: Option<DateTime<Utc>>,
    /// The earliest of the three.
    pub sla_due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    pub type_slug: String,
    pub title: String,
    pub body: String,
    pub status: Option<String>,
    pub priority: Option<Priority>,
    pub requester: Option<RequesterRef>,
    pub assignee_id: Option<i64>,
    /// A team's slug; the first existing team of the type's `teams` when absent.
    pub team: Option<String>,
    pub source_channel: SourceChannel,
    pub source_ref: Option<String>,
    pub tags: Vec<String>,
    pub fields: Map<String, Value>,
    pub actor: String,
    pub idempotency: Option<IdempotencyKey>,
    /// The caller's teams, when only a type one of them handles may be used (None: any).
    pub handled_by: Option<Vec<String>>,
}

/// A partial update; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct TicketPatch {
    pub title: Option<String>,
    pub body: Option<String>,
    pub status: Option<String>,
    pub priority: Option<Priority>,
    /// `Some(None)` unassigns.
    pub assignee_id: Option<Option<i64>>,
    /// A team's slug; `Some(None)` clears the team.
    pub team: Option<Option<String>>,
    pub tags: Option<Vec<String>>,
    /// Fields to set; a Null value clears the field.
    pub fields: Map<String, Value>,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub id: i64,
    pub ticket_key: String,
    pub kind: CommentKind,
    pub body: String,
    pub author_user_id: Option<i64>,
    pub author_requester_id: Option<i64>,
    pub author_name: Option<String>,
    pub channel: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewComment {
    pub kind: CommentKind,
    pub body: String,
    /// The staff member writing, or None when Docket or an integration writes.
    pub author_user_id: Option<i64>,
    /// Written on behalf of the ticket's requester (an email reply, a Discord message):
    /// a public one restarts the next-response clock instead of answering it.
    pub from_requester: bool,
    pub author_name: Option<String>,
    pub channel: SourceChannel,
    pub actor: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TicketEvent {
    pub id: i64,
    pub actor: String,
    pub field: String,
    pub old_value: Option<Value>,
    pub new_value: Option<Value>,
    pub created_at: DateTime<Utc>,
}

/// Now by the system clock, to the microsecond (see `Clock::now`), for what tests need
/// not control (sessions, audit entries).
pub(crate) fn now() -> DateTime<Utc> {
    crate::Clock::default().now()
}

fn normalize_tags(tags: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, t) in tags.iter().enumerate() {
        let tag = t.trim().to_lowercase();
        if tag.is_empty()
            || tag.len() > MAX_TAG_LEN
            || tag.chars().any(|c| c.is_whitespace() || c == ',')
        {
            errors.push(FieldError {
                pointer: format!("/tags/{i}"),
                message: format!("tags are 1 to {MAX_TAG_LEN} characters without spaces or commas"),
            });
        } else if !out.contains(&tag) {
            out.push(tag);
        }
    }
    if out.len() > MAX_TAGS {
        errors.push(FieldError {
            pointer: "/tags".into(),
            message: format!("at most {MAX_TAGS} tags"),
        });
    }
    out
}

fn check_title(title: &str, errors: &mut Vec<FieldError>) {
    if title.trim().is_empty() {
        errors.push(FieldError {
            pointer: "/title".into(),
            message: "the title must not be empty".into(),
        });
    } else if title.chars().count() > MAX_TITLE {
        errors.push(FieldError {
            pointer: "/title".into(),
            message: format!("the title is longer than {MAX_TITLE} characters"),
        });
    }
}

/// A team's id by slug, or an error on `/team`.
async fn team_id<C: ConnectionTrait>(
    conn: &C,
    slug: &str,
    errors: &mut Vec<FieldError>,
) -> Result<Option<i64>> {
    let found = team::Entity::find()
        .filter(team::Column::Slug.eq(slug))
        .one(conn)
        .await?;
    if found.is_none() {
        errors.push(FieldError {
            pointer: "/team".into(),
            message: format!("no team `{slug}`"),
        });
    }
    Ok(found.map(|t| t.id))
}

/// The text full-text search indexes for a ticket.
fn search_text(
    key: &str,
    title: &str,
    body: &str,
    fields: &Map<String, Value>,
    searchable: &[&str],
) -> String {
    let mut s = format!("{key} {title} {body}");
    for name in searchable {
        if let Some(Value::String(v)) = fields.get(*name) {
            s.push(' ');
            s.push_str(v);
        }
    }
    s
}

/// Recompute the search text of every ticket of a type (after its searchable fields
/// changed), in batches, inside the caller's transaction.
pub(crate) async fn rebuild_search_text<C: ConnectionTrait>(
    conn: &C,
    def: &docket_core::typedef::TypeDefinition,
) -> Result<()> {
    let fields: Vec<docket_core::fields::FieldSpec> =
        docket_core::fields::compile_fields(&def.schema)
            .into_iter()
            .filter(|f| f.searchable)
            .collect();
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    let mut after = 0i64;
    loop {
        let rows = ticket_row::Entity::find()
            .filter(ticket_row::Column::TypeSlug.eq(def.slug.as_str()))
            .filter(ticket_row::Column::Id.gt(after))
            .order_by_asc(ticket_row::Column::Id)
            .limit(500)
            .all(conn)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.id;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let ext = ext::load_rows(conn, &def.slug, &fields, &ids).await?;
        for r in rows {
            let values = ext.get(&r.id).cloned().unwrap_or_default();
            let text = search_text(&r.key, &r.title, &r.body, &values, &names);
            if text != r.search_text {
                let stmt = Query::update()
                    .table(Alias::new("tickets"))
                    .value(Alias::new("search_text"), text)
                    .and_where(Expr::col(Alias::new("id")).eq(r.id))
                    .to_owned();
                conn.execute(&stmt).await?;
            }
        }
    }
}

async fn check_assignee<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    errors: &mut Vec<FieldError>,
) -> Result<()> {
    let stmt = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("users"))
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .and_where(Expr::col(Alias::new("active")).eq(true))
        .to_owned();
    if conn.query_one(&stmt).await?.is_none() {
        errors.push(FieldError {
            pointer: "/assignee_id".into(),
            message: format!("no active user with id {id}"),
        });
    }
    Ok(())
}

async fn next_number<C: ConnectionTrait>(conn: &C, prefix: &str) -> Result<i64> {
    let stmt = Query::insert()
        .into_table(Alias::new("key_sequences"))
        .columns([Alias::new("prefix"), Alias::new("next_number")])
        .values_panic([prefix.into(), 1i64.into()])
        .on_conflict(
            OnConflict::column(Alias::new("prefix"))
                .value(
                    Alias::new("next_number"),
                    Expr::col((Alias::new("key_sequences"), Alias::new("next_number"))).add(1),
                )
                .to_owned(),
        )
        .returning_col(Alias::new("next_number"))
        .to_owned();
    let row = conn
        .query_one(&stmt)
        .await?
        .ok_or_else(|| StoreError::Internal("key sequence returned nothing".into()))?;
    Ok(row.try_get("", "next_number")?)
}

pub(crate) async fn record_event<C: ConnectionTrait>(
    conn: &C,
    ticket_id: i64,
    actor: &str,
    field: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    at: DateTime<Utc>,
) -> Result<()> {
    ticket_event::Entity::insert(ticket_event::ActiveModel {
        ticket_id: Set(ticket_id),
        actor: Set(actor.to_string()),
        field: Set(field.to_string()),
        old_value: Set(old.map(Value::to_string)),
        new_value: Set(new.map(Value::to_string)),
        created_at: Set(at),
        ..Default::default()
    })
    .exec(conn)
    .await?;
    Ok(())
}

fn opt_json<T: serde::Serialize>(v: &Option<T>) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

impl Store {
    /// Create a ticket. Every invalid field is reported at once and nothing is written.
    /// With an idempotency key seen before, the original ticket's key is returned instead.
    pub async fn create_ticket(&self, new: NewTicket) -> Result<(String, bool)> {
        let txn = self.begin_write().await?;
        self.schema_guard(&txn).await?;
        if let Some(k) = &new.idempotency {
            if let IdempotencyOutcome::Replay(previous) = idempotency::check(&txn, k).await? {
                txn.rollback().await?;
                return Ok((previous.resource, true));
            }
        }
        let ty = self.registered(&new.type_slug).map_err(|_| {
            StoreError::invalid("/type", format!("unknown ticket type `{}`", new.type_slug))
        })?;
        // Checked against the registry as of this transaction, not a cache that may be a
        // poll behind another instance's apply.
        if let Some(teams) = &new.handled_by {
            if !ty.stored.definition.teams.iter().any(|t| teams.contains(t)) {
                return Err(StoreError::Forbidden(format!(
                    "none of your teams handles tickets of type `{}`",
                    new.type_slug
                )));
            }
        }
        let compiled = &ty.compiled;
        let mut errors = Vec::new();
        check_title(&new.title, &mut errors);
        let workflow = compiled.definition.workflow();
        let status = new
            .status
            .clone()
            .unwrap_or_else(|| workflow.initial.clone());
        if let Err(message) = workflow.check_initial(&status) {
            errors.push(FieldError {
                pointer: "/status".into(),
                message,
            });
        }
        let tags = normalize_tags(&new.tags, &mut errors);
        let team_id = match &new.team {
            Some(slug) => team_id(&txn, slug, &mut errors).await?,
            None => {
                // The first of the type's teams that exists works the ticket.
                let mut found = None;
                for slug in &compiled.definition.teams {
                    let row = team::Entity::find()
                        .filter(team::Column::Slug.eq(slug.as_str()))
                        .one(&txn)
                        .await?;
                    if let Some(t) = row {
                        found = Some(t.id);
                        break;
                    }
                }
                found
            }
        };
        if let Some(a) = new.assignee_id {
            check_assignee(&txn, a, &mut errors).await?;
        }
        let fields = compiled.with_defaults(&Value::Object(new.fields.clone()));
        errors.extend(compiled.validate(&fields, "/fields"));
        let requester_id = match &new.requester {
            Some(r) if errors.is_empty() => Some(requesters::resolve(&txn, r).await?),
            _ => None,
        };
        let (requester_id, organization_changed) = match requester_id {
            Some((id, changed)) => (Some(id), changed),
            None => (None, false),
        };
        if !errors.is_empty() {
            txn.rollback().await?;
            return Err(StoreError::Invalid(errors));
        }
        let fields = fields.as_object().cloned().unwrap_or_default();
        let prefix = &compiled.definition.key_prefix;
        let number = next_number(&txn, prefix).await?;
        let key = ticket::ticket_key(prefix, number);
        let at = self.clock.now();
        let searchable = compiled.searchable_fields();
        let priority = new
            .priority
            .unwrap_or(compiled.definition.default_priority());
        let category = workflow.category(&status).expect("checked above");
        let inserted = ticket_row::Entity::insert(ticket_row::ActiveModel {
            key: Set(key.clone()),
            number: Set(number),
            type_slug: Set(compiled.slug().to_string()),
            type_version: Set(compiled.version),
            title: Set(new.title.trim().to_string()),
            body: Set(new.body.clone()),
            status: Set(status.clone()),
            status_category: Set(category.as_str().to_string()),
            priority: Set(priority.as_str().to_string()),
            requester_id: Set(requester_id),
            assignee_id: Set(new.assignee_id),
            team_id: Set(team_id),
            source_channel: Set(new.source_channel.as_str().to_string()),
            source_ref: Set(new.source_ref.clone()),
            fingerprint: Set(None),
            search_text: Set(search_text(
                &key,
                &new.title,
                &new.body,
                &fields,
                &searchable,
            )),
            row_version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
            first_response_at: Set(None),
            closed_at: Set((category == StatusCategory::Closed).then_some(at)),
            resolved_at: Set(
                matches!(category, StatusCategory::Solved | StatusCategory::Closed).then_some(at),
            ),
            deleted_at: Set(None),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        let id = inserted.last_insert_id;
        for tag in &tags {
            ticket_tag::Entity::insert(ticket_tag::ActiveModel {
                ticket_id: Set(id),
                tag: Set(tag.clone()),
            })
            .exec(&txn)
            .await?;
        }
        ext::insert_row(&txn, compiled.slug(), id, &compiled.fields, &fields).await?;
        let summary = serde_json::json!({
            "type": compiled.slug(), "title": new.title.trim(), "status": status,
            "priority": priority.as_str(), "source": new.source_channel.as_str(),
        });
        record_event(&txn, id, &new.actor, "created", None, Some(&summary), at).await?;
        crate::sla::sync(&txn, id, Trigger::Changed, at).await?;
        if organization_changed {
            // Policies may select on the organisation: the requester's other open
            // tickets may now fall under another one.
            let others: Vec<i64> = ticket_row::Entity::find()
                .select_only()
                .column(ticket_row::Column::Id)
                .filter(ticket_row::Column::RequesterId.eq(requester_id))
                .filter(ticket_row::Column::Id.ne(id))
                .filter(ticket_row::Column::DeletedAt.is_null())
                .filter(ticket_row::Column::StatusCategory.is_in(["new", "open", "pending"]))
                .into_tuple()
                .all(&txn)
                .await?;
            for other in others {
                crate::sla::escalate::lock_ticket(&txn, other).await?;
                crate::sla::sync(&txn, other, Trigger::Recompute, at).await?;
            }
        }
        if let Some(k) = &new.idempotency {
            let response = StoredResponse {
                status: 201,
                resource: key.clone(),
            };
            if !idempotency::record(&txn, k, &response).await? {
                // A concurrent request with this key won: undo ours, answer with theirs.
                txn.rollback().await?;
                return match idempotency::check(&self.db, k).await? {
                    IdempotencyOutcome::Replay(previous) => Ok((previous.resource, true)),
                    IdempotencyOutcome::Fresh => {
                        Err(StoreError::Internal("an idempotency key vanished".into()))
                    }
                };
            }
        }
        match txn.commit().await {
            Ok(()) => Ok((key, false)),
            Err(e) => {
                // A concurrent request with the same idempotency key won the race.
                if let Some(k) = &new.idempotency {
                    if let Ok(IdempotencyOutcome::Replay(previous)) =
                        idempotency::check(&self.db, k).await
                    {
                        return Ok((previous.resource, true));
                    }
                }
                Err(e.into())
            }
        }
    }

    async fn find_row<C: ConnectionTrait>(
        conn: &C,
        key: &str,
        include_deleted: bool,
    ) -> Result<ticket_row::Model> {
        let row = ticket_row::Entity::find()
            .filter(ticket_row::Column::Key.eq(key))
            .one(conn)
            .await?
            .filter(|r| include_deleted || r.deleted_at.is_none())
            .ok_or_else(|| StoreError::NotFound(format!("ticket {key}")))?;
        Ok(row)
    }

    pub async fn get_ticket(&self, key: &str, include_deleted: bool) -> Result<Ticket> {
        let row = Self::find_row(&self.db, key, include_deleted).await?;
        let mut out = self.hydrate(vec![row]).await?;
        Ok(out.remove(0))
    }

    /// Turn ticket rows into tickets: tags, requesters and extension fields in a few
    /// batched queries, whatever the number of rows.
    pub(crate) async fn hydrate(&self, rows: Vec<ticket_row::Model>) -> Result<Vec<Ticket>> {
        self.hydrate_on(&self.db, rows).await
    }

    /// `hydrate` on a given connection (a transaction reads its own writes).
    async fn hydrate_on<C: ConnectionTrait>(
        &self,
        conn: &C,
        rows: Vec<ticket_row::Model>,
    ) -> Result<Vec<Ticket>> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
        if !ids.is_empty() {
            for t in ticket_tag::Entity::find()
                .filter(ticket_tag::Column::TicketId.is_in(ids.clone()))
                .order_by_asc(ticket_tag::Column::Tag)
                .all(conn)
                .await?
            {
                tags.entry(t.ticket_id).or_default().push(t.tag);
            }
        }
        let requester_ids: Vec<i64> = rows.iter().filter_map(|r| r.requester_id).collect();
        let mut requesters: HashMap<i64, Requester> = HashMap::new();
        if !requester_ids.is_empty() {
            for r in requester::Entity::find()
                .filter(requester::Column::Id.is_in(requester_ids.clone()))
                .all(conn)
                .await?
            {
                requesters.insert(
                    r.id,
                    Requester {
                        id: r.id,
                        name: r.display_name,
                        email: r.email,
                        organization: r.organization,
                        identities: Vec::new(),
                    },
                );
            }
            for i in requester_identity::Entity::find()
                .filter(requester_identity::Column::RequesterId.is_in(requester_ids))
                .order_by_asc(requester_identity::Column::Id)
                .all(conn)
                .await?
            {
                if let Some(r) = requesters.get_mut(&i.requester_id) {
                    r.identities.push((i.kind, i.value));
                }
            }
        }
        let team_ids: Vec<i64> = rows.iter().filter_map(|r| r.team_id).collect();
        let teams: HashMap<i64, String> = if team_ids.is_empty() {
            HashMap::new()
        } else {
            team::Entity::find()
                .filter(team::Column::Id.is_in(team_ids))
                .all(conn)
                .await?
                .into_iter()
                .map(|t| (t.id, t.slug))
                .collect()
        };
        let mut by_type: HashMap<&str, Vec<i64>> = HashMap::new();
        for r in &rows {
            by_type.entry(r.type_slug.as_str()).or_default().push(r.id);
        }
        let mut fields: HashMap<i64, Map<String, Value>> = HashMap::new();
        for (slug, ids) in by_type {
            let Some(ty) = self.registry.get(slug) else {
                continue;
            };
            fields.extend(ext::load_rows(conn, slug, &ty.compiled.fields, &ids).await?);
        }
        Ok(rows
            .into_iter()
            .map(|r| Ticket {
                tags: tags.remove(&r.id).unwrap_or_default(),
                requester: r.requester_id.and_then(|id| requesters.get(&id).cloned()),
                fields: fields.remove(&r.id).unwrap_or_default(),
                priority: Priority::parse(&r.priority).unwrap_or_default(),
                id: r.id,
                key: r.key,
                type_slug: r.type_slug,
                type_version: r.type_version,
                title: r.title,
                body: r.body,
                status: r.status,
                status_category: r.status_category,
                assignee_id: r.assignee_id,
                team: r.team_id.and_then(|id| teams.get(&id).cloned()),
                source_channel: r.source_channel,
                source_ref: r.source_ref,
                version: r.row_version,
                created_at: r.created_at,
                updated_at: r.updated_at,
                first_response_at: r.first_response_at,
                resolved_at: r.resolved_at,
                closed_at: r.closed_at,
                deleted_at: r.deleted_at,
                first_response_due_at: r.first_response_due_at,
                next_response_due_at: r.next_response_due_at,
                resolution_due_at: r.resolution_due_at,
                sla_due_at: r.sla_due_at,
            })
            .collect())
    }

    /// Update a ticket if it is still at `expected_version` (None: whatever version).
    /// Each changed field is recorded in the audit trail.
    pub async fn update_ticket(
        &self,
        key: &str,
        expected_version: Option<i32>,
        patch: TicketPatch,
    ) -> Result<Ticket> {
        // Without an expected version ("If-Match: *") the caller overwrites whatever is
        // there: a concurrent change is not a conflict, so try again on the new version.
        let mut attempts = 0;
        loop {
            match self
                .update_ticket_once(key, expected_version, patch.clone())
                .await
            {
                Err(StoreError::VersionMismatch { .. })
                    if expected_version.is_none() && attempts < 5 =>
                {
                    attempts += 1
                }
                other => return other,
            }
        }
    }

    async fn update_ticket_once(
        &self,
        key: &str,
        expected_version: Option<i32>,
        patch: TicketPatch,
    ) -> Result<Ticket> {
        let txn = self.begin_write().await?;
        self.schema_guard(&txn).await?;
        let row = Self::find_row(&txn, key, false).await?;
        if let Some(v) = expected_version {
            if v != row.row_version {
                return Err(StoreError::VersionMismatch {
                    current: row.row_version,
                });
            }
        }
        let ty = self.registered(&row.type_slug)?;
        let compiled = &ty.compiled;
        let current = self.hydrate_on(&txn, vec![row.clone()]).await?.remove(0);
        let mut errors = Vec::new();
        if let Some(t) = &patch.title {
            check_title(t, &mut errors);
        }
        let workflow = compiled.definition.workflow();
        if let Some(s) = &patch.status {
            if let Err(message) = workflow.check_transition(&row.status, s) {
                errors.push(FieldError {
                    pointer: "/status".into(),
                    message,
                });
            }
        }
        let tags = patch.tags.as_ref().map(|t| normalize_tags(t, &mut errors));
        let team = match &patch.team {
            Some(Some(slug)) => Some(team_id(&txn, slug, &mut errors).await?),
            Some(None) => Some(None),
            None => None,
        };
        if let Some(Some(a)) = patch.assignee_id {
            check_assignee(&txn, a, &mut errors).await?;
        }
        let mut merged = current.fields.clone();
        for (k, v) in &patch.fields {
            if v.is_null() {
                merged.remove(k);
            } else {
                merged.insert(k.clone(), v.clone());
            }
        }
        let merged_value = Value::Object(
            merged
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        );
        errors.extend(compiled.validate(&merged_value, "/fields"));
        if !errors.is_empty() {
            txn.rollback().await?;
            return Err(StoreError::Invalid(errors));
        }
        let at = self.clock.now();
        let actor = patch.actor.as_str();
        let mut model: ticket_row::ActiveModel = row.clone().into();
        let mut changed = false;
        macro_rules! core_change {
            ($field:literal, $old:expr, $new:expr, $set:expr) => {
                if $old != $new {
                    record_event(
                        &txn,
                        row.id,
                        actor,
                        $field,
                        Some(&serde_json::json!($old)),
                        Some(&serde_json::json!($new)),
                        at,
                    )
                    .await?;
                    $set;
                    changed = true;
                }
            };
        }
        if let Some(t) = &patch.title {
            let t = t.trim().to_string();
            core_change!(
                "title",
                row.title.clone(),
                t.clone(),
                model.title = Set(t.clone())
            );
        }
        if let Some(b) = &patch.body {
            core_change!(
                "body",
                row.body.clone(),
                b.clone(),
                model.body = Set(b.clone())
            );
        }
        let mut clocks_move = false;
        if let Some(s) = &patch.status {
            let category = workflow.category(s).expect("checked above");
            core_change!("status", row.status.clone(), s.clone(), {
                model.status = Set(s.clone());
                model.status_category = Set(category.as_str().to_string());
                model.resolved_at = Set(match category {
                    StatusCategory::Solved | StatusCategory::Closed => row.resolved_at.or(Some(at)),
                    _ => None,
                });
                model.closed_at = Set((category == StatusCategory::Closed).then_some(at));
                clocks_move = true;
            });
        }
        if let Some(p) = patch.priority {
            core_change!("priority", row.priority.clone(), p.as_str().to_string(), {
                model.priority = Set(p.as_str().to_string());
                clocks_move = true;
            });
        }
        if let Some(a) = patch.assignee_id {
            if row.assignee_id != a {
                record_event(
                    &txn,
                    row.id,
                    actor,
                    "assignee_id",
                    Some(&opt_json(&row.assignee_id)),
                    Some(&opt_json(&a)),
                    at,
                )
                .await?;
                model.assignee_id = Set(a);
                changed = true;
            }
        }
        if let Some(t) = team {
            if row.team_id != t {
                let old = current.team.clone();
                let new = patch.team.clone().flatten();
                record_event(
                    &txn,
                    row.id,
                    actor,
                    "team",
                    Some(&opt_json(&old)),
                    Some(&opt_json(&new)),
                    at,
                )
                .await?;
                model.team_id = Set(t);
                changed = true;
            }
        }
        if let Some(tags) = tags {
            if tags != current.tags {
                record_event(
                    &txn,
                    row.id,
                    actor,
                    "tags",
                    Some(&serde_json::json!(current.tags)),
                    Some(&serde_json::json!(tags)),
                    at,
                )
                .await?;
                ticket_tag::Entity::delete_many()
                    .filter(ticket_tag::Column::TicketId.eq(row.id))
                    .exec(&txn)
                    .await?;
                for tag in &tags {
                    ticket_tag::Entity::insert(ticket_tag::ActiveModel {
                        ticket_id: Set(row.id),
                        tag: Set(tag.clone()),
                    })
                    .exec(&txn)
                    .await?;
                }
                changed = true;
                clocks_move = true;
            }
        }
        let mut field_changes = Map::new();
        for (k, v) in &patch.fields {
            let old = current.fields.get(k).cloned().unwrap_or(Value::Null);
            if &old != v {
                record_event(
                    &txn,
                    row.id,
                    actor,
                    &format!("fields.{k}"),
                    Some(&old),
                    Some(v),
                    at,
                )
                .await?;
                field_changes.insert(k.clone(), v.clone());
            }
        }
        if !field_changes.is_empty() {
            ext::update_row(
                &txn,
                compiled.slug(),
                row.id,
                &compiled.fields,
                &field_changes,
            )
            .await?;
            changed = true;
        }
        if !changed {
            txn.rollback().await?;
            return Ok(current);
        }
        let searchable = compiled.searchable_fields();
        let title = patch
            .title
            .as_deref()
            .map(str::trim)
            .unwrap_or(&row.title)
            .to_string();
        let body = patch.body.clone().unwrap_or_else(|| row.body.clone());
        model.search_text = Set(search_text(&row.key, &title, &body, &merged, &searchable));
        model.row_version = Set(row.row_version + 1);
        // The ticket now holds data written under the current version of its type.
        model.type_version = Set(compiled.version);
        model.updated_at = Set(at);
        // Only if nobody changed the ticket meanwhile: on PostgreSQL a concurrent update
        // waits for this row and then finds the version moved on.
        let updated = ticket_row::Entity::update_many()
            .set(model)
            .filter(ticket_row::Column::Id.eq(row.id))
            .filter(ticket_row::Column::RowVersion.eq(row.row_version))
            .exec(&txn)
            .await?;
        if updated.rows_affected != 1 {
            txn.rollback().await?;
            let current = Self::find_row(&self.db, key, true).await?.row_version;
            return Err(StoreError::VersionMismatch { current });
        }
        if clocks_move {
            crate::sla::sync(&txn, row.id, Trigger::Changed, at).await?;
        }
        txn.commit().await?;
        self.get_ticket(key, false).await
    }

    /// Soft delete (or restore): the ticket disappears from lists; nothing is removed.
    pub async fn set_deleted(&self, key: &str, deleted: bool, actor: &str) -> Result<()> {
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, true).await?;
        if row.deleted_at.is_some() == deleted {
            txn.rollback().await?;
            return if deleted {
                Err(StoreError::NotFound(format!("ticket {key}")))
            } else {
                Ok(())
            };
        }
        let at = self.clock.now();
        record_event(
            &txn,
            row.id,
            actor,
            "deleted",
            Some(&Value::Bool(!deleted)),
            Some(&Value::Bool(deleted)),
            at,
        )
        .await?;
        let version = row.row_version;
        let mut model: ticket_row::ActiveModel = row.into();
        model.deleted_at = Set(deleted.then_some(at));
        model.updated_at = Set(at);
        model.row_version = Set(version + 1);
        let updated = model.update(&txn).await?;
        if deleted {
            crate::sla::forget(&txn, updated.id, at).await?;
        } else {
            crate::sla::sync(&txn, updated.id, Trigger::Recompute, at).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    pub async fn add_comment(&self, key: &str, new: NewComment) -> Result<Comment> {
        if new.body.trim().is_empty() {
            return Err(StoreError::invalid("/body", "the comment is empty"));
        }
        let txn = self.begin_write().await?;
        let row = Self::find_row(&txn, key, false).await?;
        if new.from_requester && row.requester_id.is_none() {
            txn.rollback().await?;
            return Err(StoreError::invalid(
                "/author",
                format!("ticket {key} has no requester to write for"),
            ));
        }
        let at = self.clock.now();
        let inserted = comment::Entity::insert(comment::ActiveModel {
            ticket_id: Set(row.id),
            kind: Set(new.kind.as_str().to_string()),
            body: Set(new.body.clone()),
            author_user_id: Set((!new.from_requester)
                .then_some(new.author_user_id)
                .flatten()),
            author_requester_id: Set(new.from_requester.then_some(row.requester_id).flatten()),
            author_name: Set(new.author_name.clone()),
            channel: Set(new.channel.as_str().to_string()),
            created_at: Set(at),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        record_event(
            &txn,
            row.id,
            &new.actor,
            "comment",
            None,
            Some(&serde_json::json!({"id": inserted.id, "kind": new.kind.as_str()})),
            at,
        )
        .await?;
        // Only public replies move SLA clocks: a staff one answers the requester (the
        // first sets first_response_at), a requester's one makes them wait again.
        let trigger = match (new.kind, new.from_requester) {
            (CommentKind::Public, false) => Some(Trigger::StaffReply),
            (CommentKind::Public, true) => Some(Trigger::RequesterReply),
            _ => None,
        };
        let mut stmt = Query::update();
        stmt.table(Alias::new("tickets"))
            .value(Alias::new("updated_at"), at)
            .and_where(Expr::col(Alias::new("id")).eq(row.id));
        if trigger == Some(Trigger::StaffReply) {
            stmt.value(
                Alias::new("first_response_at"),
                Func::coalesce([Expr::col(Alias::new("first_response_at")), Expr::val(at)]),
            );
        }
        // The update locks the ticket's row before its clocks move.
        txn.execute(&stmt).await?;
        if let Some(trigger) = trigger {
            crate::sla::sync(&txn, row.id, trigger, at).await?;
        }
        txn.commit().await?;
        Ok(to_comment(inserted, key))
    }

    /// Comments oldest first, after the comment id `after`.
    pub async fn comments(
        &self,
        key: &str,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<Comment>> {
        let row = Self::find_row(&self.db, key, false).await?;
        let mut q = comment::Entity::find().filter(comment::Column::TicketId.eq(row.id));
        if let Some(a) = after {
            q = q.filter(comment::Column::Id.gt(a));
        }
        Ok(q.order_by_asc(comment::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|c| to_comment(c, key))
            .collect())
    }

    /// The audit trail, oldest first, after the event id `after`.
    pub async fn events(
        &self,
        key: &str,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<TicketEvent>> {
        let row = Self::find_row(&self.db, key, true).await?;
        let mut q = ticket_event::Entity::find().filter(ticket_event::Column::TicketId.eq(row.id));
        if let Some(a) = after {
            q = q.filter(ticket_event::Column::Id.gt(a));
        }
        Ok(q.order_by_asc(ticket_event::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| TicketEvent {
                id: e.id,
                actor: e.actor,
                field: e.field,
                old_value: e.old_value.and_then(|v| serde_json::from_str(&v).ok()),
                new_value: e.new_value.and_then(|v| serde_json::from_str(&v).ok()),
                created_at: e.created_at,
            })
            .collect())
    }
}

fn to_comment(c: comment::Model, key: &str) -> Comment {
    Comment {
        id: c.id,
        ticket_key: key.to_string(),
        kind: CommentKind::parse(&c.kind).unwrap_or(CommentKind::System),
        body: c.body,
        author_user_id: c.author_user_id,
        author_requester_id: c.author_requester_id,
        author_name: c.author_name,
        channel: c.channel,
        created_at: c.created_at,
    }
}
