//! Creating tickets. Concurrent creates are written together (`group_commit.rs`): each
//! request is checked on its own, then the core rows, tags, extension rows, first events
//! and SLA clocks of the whole batch go in with a statement per table, in one transaction,
//! and each ticket is built from what was written (no read-back). A batch that fails as a
//! whole is written again one create at a time, so that one request's failure is never
//! another's.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use docket_core::routing::{RoutingRule, wanted_skills};
use docket_core::ticket::{self, Priority, StatusCategory};
use docket_core::typedef::FieldError;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde_json::{Map, Value};

use super::checks::{check_title, normalize_tags};
use super::duplicates::RecentTickets;
use super::search::search_text;
use super::write::{Event, record_events_of};
use super::{NewTicket, Requester, Ticket, read};
use crate::entities::{team, ticket as ticket_row, ticket_tag};
use crate::group_commit::{self, GroupCommit};
use crate::idempotency::{self, IdempotencyKey, IdempotencyOutcome, StoredResponse};
use crate::requesters::{self, Naming, RequesterRef};
use crate::routing::{OPEN_CATEGORIES, Routing};
use crate::sla::{NewClocks, Policies, Subject};
use crate::types::RegisteredType;
use crate::{Result, Store, StoreError, ext};
use docket_core::ai::{AiSettings, TriageMode};

/// What a create comes to: the ticket, or None when an earlier request with the same
/// idempotency key holds the key (the caller replays it).
type Created = Result<Option<Ticket>>;

/// The queue of creates waiting to be written.
pub(crate) type CreateQueue = GroupCommit<NewTicket, Created>;

impl Store {
    /// Create a ticket. Every invalid field is reported at once and nothing is written.
    /// Returns the ticket as written, and whether it is the replay of an earlier create
    /// with the same idempotency key (then the ticket as it is now, if the caller may
    /// still see it).
    ///
    /// The key is claimed with the create's rows, not looked up first: a retry is rare,
    /// and the lookup would cost every create a round trip. A retry therefore does the
    /// work again, finds the key taken and answers with the first create's ticket; so
    /// does a retry that fails where the first did not (the type changed since, say), as
    /// the client asks for what the first request did.
    pub async fn create_ticket(&self, new: NewTicket) -> Result<(Ticket, bool)> {
        let key = new.idempotency.clone();
        let handled_by = new.handled_by.clone();
        let outcome = group_commit::submit(&self.creates, new, || self.spawn_create_writer())
            .await
            .and_then(|created| created);
        let Some(key) = key else {
            return outcome.map(|t| (t.expect("only a key is ever taken"), false));
        };
        let handled_by = handled_by.as_deref();
        match outcome {
            Ok(Some(ticket)) => Ok((ticket, false)),
            // The replay would only wait for the database again.
            Err(e) if e.is_unreachable() => Err(e),
            Ok(None) => self
                .replay(&key, handled_by)
                .await?
                .map(|t| (t, true))
                .ok_or_else(|| StoreError::Internal("an idempotency key vanished".into())),
            Err(e) => match self.replay(&key, handled_by).await {
                Ok(Some(replayed)) => Ok((replayed, true)),
                Err(conflict @ StoreError::Conflict(_)) => Err(conflict),
                // A first use of the key (or a lookup that failed too): the create's error.
                Ok(None) | Err(_) => Err(e),
            },
        }
    }

    fn spawn_create_writer(&self) {
        let store = self.clone();
        tokio::spawn(async move {
            let again = {
                let store = store.clone();
                move || store.spawn_create_writer()
            };
            group_commit::drain(&store.creates, again, |batch| store.create_batch(batch)).await;
        });
    }

    /// Write a batch of creates, one answer per create in order.
    async fn create_batch(&self, batch: Vec<NewTicket>) -> Vec<Created> {
        match self.write_creates(&batch).await {
            Ok(created) => created,
            // Alone, each would only wait for the database again; so would the creates
            // queued meanwhile, which are answered now rather than after a wait each.
            Err(StoreError::Db(e)) if crate::error::unreachable(&e) => {
                self.creates.fail_waiting(|| Err(StoreError::Db(e.clone())));
                batch
                    .iter()
                    .map(|_| Err(StoreError::Db(e.clone())))
                    .collect()
            }
            Err(e) if batch.len() == 1 => vec![Err(e)],
            Err(e) => {
                tracing::debug!(error = %e, creates = batch.len(), "a batch of creates failed; writing them one at a time");
                let mut out = Vec::with_capacity(batch.len());
                for new in &batch {
                    out.push(match self.write_creates(std::slice::from_ref(new)).await {
                        Ok(mut created) => created.remove(0),
                        Err(e) => Err(e),
                    });
                }
                out
            }
        }
    }

    /// The creates of a batch in one transaction. An error is the batch's: nothing is
    /// written, and each create is tried again alone. What only concerns one create (its
    /// checks) is that create's answer.
    async fn write_creates(&self, batch: &[NewTicket]) -> Result<Vec<Created>> {
        let txn = self.begin_write().await?;
        self.schema_guard(&txn).await?;
        let at = self.clock.now();
        // Checked against the registry as of this transaction, not a cache that may be a
        // poll behind another instance's apply.
        let mut checked: Vec<Result<Checked<'_>>> =
            batch.iter().map(|new| self.check(new)).collect();
        let references = References::load(&txn, &checked).await?;
        for c in checked.iter_mut() {
            if let Ok(ok) = c {
                references.resolve(ok);
                if !ok.errors.is_empty() {
                    *c = Err(StoreError::Invalid(std::mem::take(&mut ok.errors)));
                }
            }
        }
        // One create after another: a requester new to the batch is found by the next
        // create that names them.
        let named: Vec<&RequesterRef> = checked
            .iter()
            .flatten()
            .filter_map(|c| c.new.requester.as_ref())
            .collect();
        let mut known = requesters::Known::load(&txn, &named).await?;
        for c in checked.iter_mut().flatten() {
            self.resolve_requester(&txn, c, &mut known, at).await?;
        }
        let asked: Vec<(i64, &str)> = checked
            .iter()
            .flatten()
            .filter_map(|c| c.requester.as_ref().map(|r| (r.id, c.ty.compiled.slug())))
            .collect();
        let recent = RecentTickets::load(&txn, &asked, at).await?;
        for c in checked.iter_mut().flatten() {
            if let Some(r) = &c.requester {
                c.duplicate_of =
                    recent.near_duplicate(r.id, c.ty.compiled.slug(), &c.new.title, &c.new.body);
            }
        }
        // The AI settings, read once for the batch: triage jobs, and routing that waits
        // for an automatic triage's skills.
        let ai = crate::ai::settings_in(&txn).await?;
        route(&txn, &mut checked, &references, ai.as_ref()).await?;
        let written = insert_all(&txn, &mut checked, at).await?;
        // Triage of the new tickets whose type asks for it: one statement for the batch.
        let written_types: Vec<(i64, &str)> = checked
            .iter()
            .zip(&written)
            .filter_map(|(c, row)| match (c, row) {
                (Ok(c), Some(row)) => Some((row.id, c.ty.compiled.slug())),
                _ => None,
            })
            .collect();
        crate::ai::schedule_triage(&txn, ai.as_ref(), &written_types, at).await?;
        for (c, row) in checked.iter().zip(&written) {
            if let (Ok(c), Some(row)) = (c, row)
                && c.organization_changed
            {
                // Policies may select on the organisation: the requester's other open
                // tickets may now fall under another policy.
                let requester = c.requester.as_ref().map(|r| r.id);
                crate::sla::recompute_requesters(&txn, requester, Some(row.id), at).await?;
            }
        }
        if !claim_keys(&txn, batch, &checked, at).await? {
            txn.rollback().await?;
            if batch.len() > 1 {
                return Err(StoreError::Internal(
                    "an idempotency key of the batch was taken".into(),
                ));
            }
            return Ok(vec![Ok(None)]);
        }
        txn.commit().await?;
        Ok(checked
            .into_iter()
            .zip(written)
            .map(|(c, row)| {
                let c = c?;
                let row = row.expect("every checked create was written");
                Ok(Some(c.into_ticket(row)?))
            })
            .collect())
    }

    /// Every check of one create that needs no database; its errors go with it, so that
    /// those of its team and assignee join them and the caller hears of all at once.
    fn check<'a>(&self, new: &'a NewTicket) -> Result<Checked<'a>> {
        let ty = self.registered(&new.type_slug).map_err(|_| {
            StoreError::invalid("/type", format!("unknown ticket type `{}`", new.type_slug))
        })?;
        if let Some(teams) = &new.handled_by
            && !ty.stored.definition.teams.iter().any(|t| teams.contains(t))
        {
            return Err(StoreError::Forbidden(format!(
                "none of your teams handles tickets of type `{}`",
                new.type_slug
            )));
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
        if new.route_skills.len() > super::MAX_TAGS {
            errors.push(FieldError {
                pointer: "/route_skills".into(),
                message: format!("at most {} skills", super::MAX_TAGS),
            });
        }
        let fields = compiled.with_defaults(&Value::Object(new.fields.clone()));
        errors.extend(compiled.validate(&fields, "/fields"));
        // An unknown status is in `errors` already; the create is not written then.
        let category = workflow.category(&status).unwrap_or(StatusCategory::Open);
        Ok(Checked {
            new,
            priority: new
                .priority
                .unwrap_or(compiled.definition.default_priority()),
            ty,
            status,
            category,
            tags,
            fields: fields.as_object().cloned().unwrap_or_default(),
            errors,
            team: None,
            requester: None,
            organization_changed: false,
            number: 0,
            assignee: new.assignee_id,
            routing: None,
            duplicate_of: None,
        })
    }

    /// The create's requester, found or made (`requesters::resolve`).
    async fn resolve_requester(
        &self,
        txn: &DatabaseTransaction,
        c: &mut Checked<'_>,
        known: &mut requesters::Known,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        let Some(r) = &c.new.requester else {
            return Ok(());
        };
        let visible_types = c
            .new
            .handled_by
            .as_ref()
            .map(|teams| self.types_handled_by(teams));
        // A requester this caller cannot see gets a record of the ticket's scope.
        let scope = match &c.team {
            Some((_, slug)) => format!("team:{slug}"),
            None => format!("type:{}", c.ty.compiled.slug()),
        };
        let naming = match &visible_types {
            Some(types) => Naming::Within {
                types,
                scope: &scope,
            },
            None => Naming::Everyone,
        };
        let (requester, changed) = requesters::resolve(txn, r, naming, known, at).await?;
        c.requester = Some(requester);
        c.organization_changed = changed;
        Ok(())
    }

    /// The ticket an earlier create with this idempotency key made, as it is now (None
    /// when the key is unused; a conflict when it came with another body). A caller who
    /// may no longer see the ticket (its type left their teams, or it was deleted) learns
    /// nothing of it: not found, as for any ticket they cannot see.
    async fn replay(
        &self,
        key: &IdempotencyKey,
        handled_by: Option<&[String]>,
    ) -> Result<Option<Ticket>> {
        let txn = self.db.begin().await?;
        let outcome = match idempotency::check(&txn, key).await? {
            IdempotencyOutcome::Replay(previous) => {
                let row = Self::find_row(&txn, &previous.resource, false).await?;
                if let Some(teams) = handled_by
                    && !self.types_handled_by(teams).contains(&row.type_slug)
                {
                    return Err(StoreError::NotFound(format!(
                        "ticket {}",
                        previous.resource
                    )));
                }
                Some(self.hydrate_on(&txn, vec![row]).await?.remove(0))
            }
            IdempotencyOutcome::Fresh => None,
        };
        txn.rollback().await?;
        Ok(outcome)
    }
}

/// A create that passed its own checks, and what the batch finds for it.
struct Checked<'a> {
    new: &'a NewTicket,
    ty: RegisteredType,
    status: String,
    category: StatusCategory,
    priority: Priority,
    tags: Vec<String>,
    fields: Map<String, Value>,
    /// What is wrong with it: written only when empty.
    errors: Vec<FieldError>,
    /// The team working it: id and slug.
    team: Option<(i64, String)>,
    requester: Option<Requester>,
    organization_changed: bool,
    number: i64,
    /// The assignee: the one asked for, or the one routing picked.
    assignee: Option<i64>,
    /// How routing decided, for the `routing` event (None: not routed).
    routing: Option<Value>,
    /// A recent ticket of the requester this one reads like.
    duplicate_of: Option<String>,
}

impl Checked<'_> {
    fn key(&self) -> String {
        ticket::ticket_key(&self.ty.compiled.definition.key_prefix, self.number)
    }

    /// The ticket as written, without reading it back.
    fn into_ticket(self, row: ticket_row::Model) -> Result<Ticket> {
        let fields = ext::as_read(&self.ty.compiled.fields, &self.fields)?;
        let mut tags = self.tags;
        tags.sort();
        let team = self.team.map(|(_, slug)| slug);
        Ok(read::assemble(row, tags, self.requester, team, fields))
    }
}

/// The teams and assignees a batch names, read once for all of its creates.
struct References {
    teams: HashMap<String, i64>,
    /// Teams whose rule was not manual when read (checked again under the lock).
    routed: HashSet<i64>,
    active_users: HashSet<i64>,
}

impl References {
    async fn load<C: ConnectionTrait>(conn: &C, checked: &[Result<Checked<'_>>]) -> Result<Self> {
        let ok = || checked.iter().flatten();
        let slugs: HashSet<&str> = ok()
            .flat_map(|c| {
                c.new
                    .team
                    .iter()
                    .chain(&c.ty.stored.definition.teams)
                    .map(String::as_str)
            })
            .collect();
        let found = if slugs.is_empty() {
            Vec::new()
        } else {
            team::Entity::find()
                .filter(team::Column::Slug.is_in(slugs))
                .all(conn)
                .await?
        };
        let routed = found
            .iter()
            .filter(|t| {
                RoutingRule::parse(&t.routing_rule).is_some_and(|r| r != RoutingRule::Manual)
            })
            .map(|t| t.id)
            .collect();
        let teams = found.into_iter().map(|t| (t.slug, t.id)).collect();
        let assignees: HashSet<i64> = ok().filter_map(|c| c.new.assignee_id).collect();
        let active_users = if assignees.is_empty() {
            HashSet::new()
        } else {
            let stmt = Query::select()
                .column(Alias::new("id"))
                .from(Alias::new("users"))
                .and_where(Expr::col(Alias::new("id")).is_in(assignees))
                .and_where(Expr::col(Alias::new("active")).eq(true))
                .to_owned();
            let mut found = HashSet::new();
            for row in conn.query_all(&stmt).await? {
                found.insert(row.try_get::<i64>("", "id")?);
            }
            found
        };
        Ok(References {
            teams,
            routed,
            active_users,
        })
    }

    /// The create's team (the one named, else the first of the type's teams that
    /// exists) and its assignee; what is wrong with them joins the create's errors.
    fn resolve(&self, c: &mut Checked<'_>) {
        let errors = &mut c.errors;
        c.team = match &c.new.team {
            Some(slug) => match self.teams.get(slug) {
                Some(id) => Some((*id, slug.clone())),
                None => {
                    errors.push(FieldError {
                        pointer: "/team".into(),
                        message: format!("no team `{slug}`"),
                    });
                    None
                }
            },
            None => {
                c.ty.stored
                    .definition
                    .teams
                    .iter()
                    .find_map(|slug| self.teams.get(slug).map(|id| (*id, slug.clone())))
            }
        };
        if let Some(a) = c.new.assignee_id
            && !self.active_users.contains(&a)
        {
            errors.push(FieldError {
                pointer: "/assignee_id".into(),
                message: format!("no active user with id {a}"),
            });
        }
    }
}

/// Insert the batch's tickets (key numbers, core rows, tags, extension rows, `created`
/// events, SLA clocks); the rows written, by position (None for a create that failed its
/// checks).
async fn insert_all(
    txn: &DatabaseTransaction,
    checked: &mut [Result<Checked<'_>>],
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Option<ticket_row::Model>>> {
    let mut by_prefix: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, c) in checked.iter().enumerate() {
        if let Ok(c) = c {
            let prefix = c.ty.compiled.definition.key_prefix.clone();
            by_prefix.entry(prefix).or_default().push(i);
        }
    }
    if by_prefix.is_empty() {
        return Ok(checked.iter().map(|_| None).collect());
    }
    let wanted = by_prefix
        .iter()
        .map(|(prefix, positions)| (prefix.clone(), positions.len()))
        .collect();
    let mut numbers = crate::keys::next_numbers(txn, &wanted).await?;
    for (prefix, positions) in &by_prefix {
        let numbers = numbers.remove(prefix).unwrap_or_default();
        if numbers.len() != positions.len() {
            return Err(StoreError::Internal(format!(
                "{} numbers of {prefix} asked, {} taken",
                positions.len(),
                numbers.len()
            )));
        }
        for (&i, number) in positions.iter().zip(numbers) {
            if let Ok(c) = &mut checked[i] {
                c.number = number;
            }
        }
    }
    // The SLA clocks are planned before the rows are written, so that the rows carry
    // their due times.
    let subjects: Vec<Subject> = checked
        .iter()
        .flatten()
        .map(|c| Subject {
            row: new_row(c, at),
            tags: c.tags.clone(),
            organization: c.requester.as_ref().and_then(|r| r.organization.clone()),
        })
        .collect();
    let policies = Policies::load(txn, &subjects.iter().collect::<Vec<_>>()).await?;
    let mut plans: HashMap<String, NewClocks> = HashMap::new();
    let mut rows = Vec::with_capacity(subjects.len());
    for subject in &subjects {
        let plan = NewClocks::plan(subject, &policies, at);
        let sla = plan.cache();
        let mut row = subject.row.clone();
        row.sla_policy_id = sla.policy_id;
        row.first_response_due_at = sla.first_response_due_at;
        row.next_response_due_at = sla.next_response_due_at;
        row.resolution_due_at = sla.resolution_due_at;
        row.sla_due_at = sla.sla_due_at;
        plans.insert(row.key.clone(), plan);
        let mut active = row.into_active_model();
        active.id = NotSet;
        rows.push(active);
    }
    let rows = ticket_row::Entity::insert_many(rows)
        .exec_with_returning(txn)
        .await?;
    let mut by_key: HashMap<String, ticket_row::Model> =
        rows.into_iter().map(|r| (r.key.clone(), r)).collect();
    let written: Vec<Option<ticket_row::Model>> = checked
        .iter()
        .map(|c| c.as_ref().ok().and_then(|c| by_key.remove(&c.key())))
        .collect();
    let ok = || {
        checked
            .iter()
            .zip(&written)
            .filter_map(|(c, row)| Some((c.as_ref().ok()?, row.as_ref()?)))
    };
    let tags: Vec<ticket_tag::ActiveModel> = ok()
        .flat_map(|(c, row)| {
            c.tags.iter().map(move |tag| ticket_tag::ActiveModel {
                ticket_id: Set(row.id),
                tag: Set(tag.clone()),
            })
        })
        .collect();
    if !tags.is_empty() {
        ticket_tag::Entity::insert_many(tags)
            .exec_without_returning(txn)
            .await?;
    }
    let mut by_type: BTreeMap<&str, Vec<(i64, &Checked<'_>)>> = BTreeMap::new();
    for (c, row) in ok() {
        by_type
            .entry(c.ty.compiled.slug())
            .or_default()
            .push((row.id, c));
    }
    for (slug, creates) in &by_type {
        let fields = &creates[0].1.ty.compiled.fields;
        let rows: Vec<(i64, &Map<String, Value>)> =
            creates.iter().map(|(id, c)| (*id, &c.fields)).collect();
        ext::insert_rows(txn, slug, fields, &rows).await?;
    }
    let events: Vec<(i64, &str, Event)> = ok()
        .flat_map(|(c, row)| {
            let routed = c.routing.clone().map(|v| Event {
                field: "routing".into(),
                old: None,
                new: Some(v),
            });
            std::iter::once(created_event(c))
                .chain(routed)
                .map(move |e| (row.id, c.new.actor.as_str(), e))
        })
        .collect();
    record_events_of(txn, &events, at).await?;
    let planned: Vec<(i64, NewClocks)> = written
        .iter()
        .flatten()
        .filter_map(|row| Some((row.id, plans.remove(&row.key)?)))
        .collect();
    crate::sla::store_new(txn, planned, at).await?;
    Ok(written)
}

/// The core row of a checked create, as it will be written (its id is the database's).
fn new_row(c: &Checked<'_>, at: chrono::DateTime<chrono::Utc>) -> ticket_row::Model {
    let new = &c.new;
    let compiled = &c.ty.compiled;
    let key = c.key();
    ticket_row::Model {
        id: 0,
        search_text: search_text(
            &key,
            &new.title,
            &new.body,
            &c.fields,
            &compiled.searchable_fields(),
        ),
        key,
        number: c.number,
        type_slug: compiled.slug().to_string(),
        type_version: compiled.version,
        title: new.title.trim().to_string(),
        body: new.body.clone(),
        status: c.status.clone(),
        status_category: c.category.as_str().to_string(),
        priority: c.priority.as_str().to_string(),
        requester_id: c.requester.as_ref().map(|r| r.id),
        assignee_id: c.assignee,
        team_id: c.team.as_ref().map(|(id, _)| *id),
        source_channel: new.source_channel.as_str().to_string(),
        source_ref: new.source_ref.clone(),
        fingerprint: None,
        row_version: 1,
        created_at: at,
        updated_at: at,
        first_response_at: None,
        closed_at: (c.category == StatusCategory::Closed).then_some(at),
        resolved_at: matches!(c.category, StatusCategory::Solved | StatusCategory::Closed)
            .then_some(at),
        deleted_at: None,
        sla_policy_id: None,
        first_response_due_at: None,
        next_response_due_at: None,
        resolution_due_at: None,
        sla_due_at: None,
        summary: None,
        triage: None,
        possible_duplicate_of: c.duplicate_of.clone(),
    }
}

/// The `created` event: what the ticket was created as.
fn created_event(c: &Checked<'_>) -> Event {
    let mut summary = serde_json::json!({
        "type": c.ty.compiled.slug(), "title": c.new.title.trim(), "status": c.status,
        "priority": c.priority.as_str(), "source": c.new.source_channel.as_str(),
    });
    if let Some(a) = c.assignee {
        summary["assignee_id"] = a.into();
    }
    if let Some(key) = &c.duplicate_of {
        summary["possible_duplicate_of"] = key.as_str().into();
    }
    Event {
        field: "created".into(),
        old: None,
        new: Some(summary),
    }
}

/// Route the creates that name no assignee and whose team routes by a rule: lock the
/// teams and their members (`routing.rs`) and pick one create after another, each pick
/// counted at once, so the batch itself keeps capacity and takes turns. The tickets a
/// create's recompute will lock (its requester's other open tickets) are locked first:
/// tickets before teams, the order every routing transaction takes.
///
/// A create whose type is triaged automatically waits: the triage job routes it with the
/// skills it finds, or without them when the AI fails or is off by then.
async fn route(
    txn: &DatabaseTransaction,
    checked: &mut [Result<Checked<'_>>],
    references: &References,
    ai: Option<&AiSettings>,
) -> Result<()> {
    let waits = |c: &Checked<'_>| {
        ai.is_some_and(|s| s.triage_mode(c.ty.compiled.slug()) == TriageMode::Auto)
    };
    let teams: BTreeSet<i64> = checked
        .iter()
        .flatten()
        .filter(|c| c.assignee.is_none() && !waits(c))
        .filter_map(|c| c.team.as_ref().map(|(id, _)| *id))
        .filter(|id| references.routed.contains(id))
        .collect();
    if teams.is_empty() {
        return Ok(());
    }
    let recomputed: BTreeSet<i64> = checked
        .iter()
        .flatten()
        .filter(|c| c.organization_changed)
        .filter_map(|c| c.requester.as_ref().map(|r| r.id))
        .collect();
    if !recomputed.is_empty() && txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        ticket_row::Entity::find()
            .select_only()
            .column(ticket_row::Column::Id)
            .filter(ticket_row::Column::RequesterId.is_in(recomputed))
            .filter(ticket_row::Column::DeletedAt.is_null())
            .filter(ticket_row::Column::StatusCategory.is_in(OPEN_CATEGORIES))
            .order_by_asc(ticket_row::Column::Id)
            .lock_exclusive()
            .into_tuple::<i64>()
            .all(txn)
            .await?;
    }
    let mut routing = Routing::load(txn, teams).await?;
    for c in checked.iter_mut().flatten() {
        let Some(team) = c.team.as_ref().map(|(id, _)| *id) else {
            continue;
        };
        if c.assignee.is_some() || !routing.routes(team) || waits(c) {
            continue;
        }
        let decision = routing.pick(team, &wanted_skills(&c.tags, &c.new.route_skills));
        c.assignee = decision.assignee_id;
        c.routing = Some(routing.event(team, &decision));
    }
    routing.save(txn).await
}

/// Record the idempotency keys of the batch's creates; false when one was taken (an
/// earlier request with the key committed first, or two creates of the batch share it).
async fn claim_keys(
    txn: &DatabaseTransaction,
    batch: &[NewTicket],
    checked: &[Result<Checked<'_>>],
    at: chrono::DateTime<chrono::Utc>,
) -> Result<bool> {
    let claims: Vec<(&IdempotencyKey, StoredResponse)> = batch
        .iter()
        .zip(checked)
        .filter_map(|(new, c)| {
            let c = c.as_ref().ok()?;
            Some((
                new.idempotency.as_ref()?,
                StoredResponse { resource: c.key() },
            ))
        })
        .collect();
    idempotency::record_all(txn, &claims, at).await
}
