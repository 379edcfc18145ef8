//! What staff see of a requester: the profile (identities, counts, first and last seen,
//! recent topics), the compact context card (previous tickets with their summaries, open
//! points, latest notes) and the search over requesters.
//!
//! Everything is computed over the tickets the caller may see: `types` is the set of
//! ticket types visible to them (None: all, for admins). A requester they cannot see is
//! not found, whatever the id, so ids cannot be probed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use docket_core::summary::TicketSummary;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Order, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::notes::{self, RequesterNote};
use crate::entities::{comment, requester, requester_identity, ticket as ticket_row, ticket_tag};
use crate::tickets::Requester;
use crate::{Result, Store, StoreError};

/// Tickets the profile's topics and the card's history look at.
const RECENT_TICKETS: u64 = 20;
/// Previous tickets on the card.
const CARD_TICKETS: usize = 5;
/// Notes on the card.
const CARD_NOTES: u64 = 3;
/// Statuses whose tickets are still being worked.
const OPEN_CATEGORIES: [&str; 3] = ["new", "open", "pending"];

#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub kind: String,
    pub value: String,
    /// How it is shown (a Discord member's name beside their id).
    pub label: Option<String>,
}

/// A name and how often it came up.
#[derive(Debug, Clone, PartialEq)]
pub struct Count {
    pub name: String,
    pub count: i64,
}

/// What the requester's recent tickets were about, most frequent first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Topics {
    pub types: Vec<Count>,
    pub tags: Vec<Count>,
    /// Topics of the tickets' summaries.
    pub summaries: Vec<Count>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequesterProfile {
    pub requester: Requester,
    pub identities: Vec<Identity>,
    pub created_at: DateTime<Utc>,
    pub ticket_count: i64,
    pub open_count: i64,
    /// The first ticket (else when the record was made).
    pub first_seen: DateTime<Utc>,
    /// The latest ticket or reply of theirs.
    pub last_seen: DateTime<Utc>,
    pub topics: Topics,
}

/// A past ticket as the card shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PastTicket {
    pub key: String,
    pub title: String,
    pub type_slug: String,
    pub status: String,
    pub status_category: String,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub summary: Option<TicketSummary>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequesterCard {
    pub requester: Requester,
    pub ticket_count: i64,
    pub open_count: i64,
    /// The latest tickets, newest first.
    pub previous: Vec<PastTicket>,
    /// The open points of the latest summary, and the ticket it is of.
    pub open_points: Vec<String>,
    pub open_points_from: Option<String>,
    pub notes: Vec<RequesterNote>,
}

/// A search over requesters.
#[derive(Debug, Clone, Default)]
pub struct RequesterQuery {
    /// Part of a name, email, organisation or identity.
    pub q: Option<String>,
    /// An organisation, compared case-insensitively.
    pub organization: Option<String>,
    /// Only ids below this (the page before).
    pub before: Option<i64>,
    pub limit: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RequesterListItem {
    pub requester: Requester,
    pub created_at: DateTime<Utc>,
}

/// The tickets of a requester that the caller sees (live ones).
fn their_tickets(requester_id: i64, types: Option<&[String]>) -> sea_orm::Condition {
    let mut c = sea_orm::Condition::all()
        .add(ticket_row::Column::RequesterId.eq(requester_id))
        .add(ticket_row::Column::DeletedAt.is_null());
    if let Some(types) = types {
        c = c.add(ticket_row::Column::TypeSlug.is_in(types.iter().map(String::as_str)));
    }
    c
}

/// Counts by name, most frequent first (then by name).
fn ranked(counts: HashMap<String, i64>) -> Vec<Count> {
    let mut out: Vec<Count> = counts
        .into_iter()
        .map(|(name, count)| Count { name, count })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    out
}

pub(crate) fn parse_summary(text: Option<&str>) -> Option<TicketSummary> {
    let text = text?;
    match serde_json::from_str(text) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!(error = %e, "a stored ticket summary does not parse; shown as none");
            None
        }
    }
}

impl Store {
    /// The requester `id` as the caller sees them: the record it was merged into, if it
    /// was; NotFound when it does not exist or the caller sees none of their tickets.
    pub async fn visible_requester(&self, id: i64, types: Option<&[String]>) -> Result<Requester> {
        visible_requester(&self.db, id, types).await
    }

    pub async fn requester_profile(
        &self,
        id: i64,
        types: Option<&[String]>,
    ) -> Result<RequesterProfile> {
        let requester = visible_requester(&self.reader, id, types).await?;
        let id = requester.id;
        let row = requester::Entity::find_by_id(id)
            .one(&self.reader)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("requester {id}")))?;
        let identities = requester_identity::Entity::find()
            .filter(requester_identity::Column::RequesterId.eq(id))
            .order_by_asc(requester_identity::Column::Id)
            .all(&self.reader)
            .await?
            .into_iter()
            .map(|i| Identity {
                kind: i.kind,
                value: i.value,
                label: i.label,
            })
            .collect();
        let (ticket_count, open_count) = counts(&self.reader, id, types).await?;
        let first_ticket: Option<DateTime<Utc>> = ticket_row::Entity::find()
            .select_only()
            .column(ticket_row::Column::CreatedAt)
            .filter(their_tickets(id, types))
            .order_by_asc(ticket_row::Column::Id)
            .into_tuple()
            .one(&self.reader)
            .await?;
        let recent = recent_tickets(&self.reader, id, types, RECENT_TICKETS).await?;
        let last_reply = last_reply(&self.reader, id, types).await?;
        let last_ticket = recent.first().map(|t| t.created_at);
        let first_seen = Ord::min(first_ticket.unwrap_or(row.created_at), row.created_at);
        let last_seen = [last_ticket, last_reply]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(row.created_at);
        let topics = topics(&self.reader, &recent).await?;
        Ok(RequesterProfile {
            requester,
            identities,
            created_at: row.created_at,
            ticket_count,
            open_count,
            first_seen,
            last_seen,
            topics,
        })
    }

    /// The context card: a compact summary for adapters and the ticket sidebar.
    /// `exclude` leaves out the ticket being looked at.
    pub async fn requester_card(
        &self,
        id: i64,
        types: Option<&[String]>,
        exclude: Option<&str>,
    ) -> Result<RequesterCard> {
        let requester = visible_requester(&self.reader, id, types).await?;
        let id = requester.id;
        let (ticket_count, open_count) = counts(&self.reader, id, types).await?;
        let previous: Vec<PastTicket> = recent_tickets(&self.reader, id, types, RECENT_TICKETS)
            .await?
            .into_iter()
            .filter(|t| Some(t.key.as_str()) != exclude)
            .map(|t| PastTicket {
                summary: parse_summary(t.summary.as_deref()),
                key: t.key,
                title: t.title,
                type_slug: t.type_slug,
                status: t.status,
                status_category: t.status_category,
                created_at: t.created_at,
                resolved_at: t.resolved_at,
            })
            .collect();
        let latest_summary = previous
            .iter()
            .find_map(|t| Some((t.key.clone(), t.summary.as_ref()?)));
        let (open_points, open_points_from) = match latest_summary {
            Some((key, s)) => (s.content.open_points.clone(), Some(key)),
            None => (Vec::new(), None),
        };
        let notes = notes::latest(&self.reader, id, CARD_NOTES).await?;
        Ok(RequesterCard {
            requester,
            ticket_count,
            open_count,
            previous: previous.into_iter().take(CARD_TICKETS).collect(),
            open_points,
            open_points_from,
            notes,
        })
    }

    /// Requesters the caller sees, newest first, matching the query.
    pub async fn requesters(
        &self,
        query: &RequesterQuery,
        types: Option<&[String]>,
    ) -> Result<Vec<RequesterListItem>> {
        let r = |c: &str| (Alias::new("r"), Alias::new(c));
        let mut stmt = Query::select();
        stmt.columns([r("id"), r("created_at")])
            .from_as(requester::Entity, Alias::new("r"))
            .and_where(Expr::col(r("merged_into")).is_null())
            .order_by(r("id"), Order::Desc)
            .limit(query.limit);
        if let Some(before) = query.before {
            stmt.and_where(Expr::col(r("id")).lt(before));
        }
        if let Some(org) = query.organization.as_deref().map(str::trim) {
            stmt.and_where(Func::lower(Expr::col(r("organization"))).eq(org.to_lowercase()));
        }
        if let Some(q) = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let like = |e: Expr| crate::list::contains(e, q);
            let identities = Query::select()
                .column(requester_identity::Column::RequesterId)
                .from(requester_identity::Entity)
                .and_where(like(Expr::col(requester_identity::Column::Value)))
                .to_owned();
            stmt.cond_where(
                sea_orm::Condition::any()
                    .add(like(Expr::col(r("display_name"))))
                    .add(like(Expr::col(r("email"))))
                    .add(like(Expr::col(r("organization"))))
                    .add(Expr::col(r("id")).in_subquery(identities)),
            );
        }
        if let Some(types) = types {
            let seen = Query::select()
                .column(ticket_row::Column::RequesterId)
                .from(ticket_row::Entity)
                .and_where(ticket_row::Column::TypeSlug.is_in(types.iter().map(String::as_str)))
                .and_where(ticket_row::Column::DeletedAt.is_null())
                .and_where(ticket_row::Column::RequesterId.is_not_null())
                .to_owned();
            stmt.and_where(Expr::col(r("id")).in_subquery(seen));
        }
        let mut created: HashMap<i64, DateTime<Utc>> = HashMap::new();
        for row in self.reader.query_all(&stmt).await? {
            created.insert(row.try_get("", "id")?, row.try_get("", "created_at")?);
        }
        let ids: Vec<i64> = created.keys().copied().collect();
        let mut records = super::load(&self.reader, super::with_ids(ids)).await?;
        records.sort_by_key(|r| std::cmp::Reverse(r.requester.id));
        Ok(records
            .into_iter()
            .filter_map(|r| {
                Some(RequesterListItem {
                    created_at: *created.get(&r.requester.id)?,
                    requester: r.requester,
                })
            })
            .collect())
    }
}

/// The live record behind `id`, if the caller sees it.
pub(crate) async fn visible_requester<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    types: Option<&[String]>,
) -> Result<Requester> {
    let missing = || StoreError::NotFound(format!("requester {id}"));
    let live = super::live_id(conn, id).await?.ok_or_else(missing)?;
    if let Some(types) = types
        && !super::visible(conn, live, types).await?
    {
        return Err(missing());
    }
    super::load(conn, super::with_ids([live]))
        .await?
        .pop()
        .map(|r| r.requester)
        .ok_or_else(missing)
}

/// How many of their tickets the caller sees, and how many of those are open.
async fn counts<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    types: Option<&[String]>,
) -> Result<(i64, i64)> {
    let by_category: Vec<(String, i64)> = ticket_row::Entity::find()
        .select_only()
        .column(ticket_row::Column::StatusCategory)
        .column_as(ticket_row::Column::Id.count(), "n")
        .filter(their_tickets(id, types))
        .group_by(ticket_row::Column::StatusCategory)
        .into_tuple()
        .all(conn)
        .await?;
    let total = by_category.iter().map(|(_, n)| n).sum();
    let open = by_category
        .iter()
        .filter(|(c, _)| OPEN_CATEGORIES.contains(&c.as_str()))
        .map(|(_, n)| n)
        .sum();
    Ok((total, open))
}

async fn recent_tickets<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    types: Option<&[String]>,
    limit: u64,
) -> Result<Vec<ticket_row::Model>> {
    Ok(ticket_row::Entity::find()
        .filter(their_tickets(id, types))
        .order_by_desc(ticket_row::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// When they last replied on a ticket the caller sees.
async fn last_reply<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    types: Option<&[String]>,
) -> Result<Option<DateTime<Utc>>> {
    let mut tickets = Query::select();
    tickets
        .column(ticket_row::Column::Id)
        .from(ticket_row::Entity)
        .and_where(ticket_row::Column::DeletedAt.is_null());
    if let Some(types) = types {
        tickets.and_where(ticket_row::Column::TypeSlug.is_in(types.iter().map(String::as_str)));
    }
    Ok(comment::Entity::find()
        .select_only()
        .column(comment::Column::CreatedAt)
        .filter(comment::Column::AuthorRequesterId.eq(id))
        .filter(Expr::col(comment::Column::TicketId).in_subquery(tickets.to_owned()))
        .order_by_desc(comment::Column::Id)
        .into_tuple()
        .one(conn)
        .await?)
}

async fn topics<C: ConnectionTrait>(conn: &C, recent: &[ticket_row::Model]) -> Result<Topics> {
    let mut types: HashMap<String, i64> = HashMap::new();
    let mut summaries: HashMap<String, i64> = HashMap::new();
    for t in recent {
        *types.entry(t.type_slug.clone()).or_default() += 1;
        if let Some(s) = parse_summary(t.summary.as_deref()) {
            for topic in s.content.topics {
                *summaries.entry(topic).or_default() += 1;
            }
        }
    }
    let ids: Vec<i64> = recent.iter().map(|t| t.id).collect();
    let tags: HashMap<String, i64> = if ids.is_empty() {
        HashMap::new()
    } else {
        ticket_tag::Entity::find()
            .select_only()
            .column(ticket_tag::Column::Tag)
            .column_as(ticket_tag::Column::TicketId.count(), "n")
            .filter(ticket_tag::Column::TicketId.is_in(ids))
            .group_by(ticket_tag::Column::Tag)
            .into_tuple::<(String, i64)>()
            .all(conn)
            .await?
            .into_iter()
            .collect()
    };
    Ok(Topics {
        types: ranked(types),
        tags: ranked(tags),
        summaries: ranked(summaries),
    })
}
