//! Near duplicates at create: a new ticket that reads like one its requester opened in
//! the last day (`docket_core::duplicates`) names it in `possible_duplicate_of`. Only a
//! flag: staff merge the two (`merge.rs`) or dismiss it. Every intake channel creates
//! through the store, so each is checked alike; exact duplicates (one source reference
//! sent twice) never get this far, the idempotency key answers them.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use docket_core::duplicates;
use sea_orm::sea_query::{
    Alias, Asterisk, Expr, ExprTrait, Order, Query, SelectStatement, UnionType,
};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};

use crate::Result;

/// How far back a requester's tickets are compared with a new one.
pub const WINDOW: Duration = Duration::hours(24);

/// How many of the requester's latest tickets are compared: a requester with more in a
/// day is a flood, not a person repeating themself. Their latest, whatever their type
/// or age, so that a requester with years of history costs an index walk of this many,
/// and a batch of creates (`create.rs`) reads this many rows per requester at most.
const COMPARED: u64 = 10;

/// What the comparison reads of a ticket.
const COLUMNS: &str = "id, key, requester_id, type_slug, title, body, created_at, deleted_at";

/// A requester's latest ticket, as the comparison needs it.
#[derive(FromQueryResult)]
struct Latest {
    id: i64,
    key: String,
    requester_id: i64,
    type_slug: String,
    title: String,
    body: String,
}

/// The latest tickets of the requesters of a batch of creates, read in one statement
/// (the batch's writer would otherwise wait on a round trip per create).
pub(super) struct RecentTickets {
    by_requester: HashMap<i64, Vec<Latest>>,
}

impl RecentTickets {
    /// The latest tickets of each (requester, type) pair named, from the window, not
    /// deleted.
    pub(super) async fn load<C: ConnectionTrait>(
        conn: &C,
        pairs: &[(i64, &str)],
        at: DateTime<Utc>,
    ) -> Result<Self> {
        let mut pairs = pairs.to_vec();
        pairs.sort_unstable();
        pairs.dedup();
        let mut by_requester: HashMap<i64, Vec<Latest>> = HashMap::new();
        if pairs.is_empty() {
            return Ok(RecentTickets { by_requester });
        }
        let since = at - WINDOW;
        let backend = conn.get_database_backend();
        let stmt = match backend {
            // One statement text whatever the batch (the pairs as JSON), so that it is
            // prepared and planned once: a UNION of a subquery per pair was planned
            // afresh for each batch size, 3 ms of a batch's 16 in the burst benchmark.
            DbBackend::Postgres => Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT r.* FROM json_to_recordset($1::json) AS p(requester_id bigint, type_slug text) \
                     CROSS JOIN LATERAL (SELECT {COLUMNS} FROM tickets AS t \
                       WHERE t.requester_id = p.requester_id ORDER BY t.id DESC LIMIT {COMPARED}) AS r \
                     WHERE r.type_slug = p.type_slug AND r.deleted_at IS NULL AND r.created_at >= $2"
                ),
                [
                    serde_json::Value::from(
                        pairs
                            .iter()
                            .map(|(requester_id, type_slug)| {
                                serde_json::json!({"requester_id": requester_id, "type_slug": type_slug})
                            })
                            .collect::<Vec<_>>(),
                    )
                    .into(),
                    since.into(),
                ],
            ),
            _ => {
                let mut selects = pairs
                    .iter()
                    .enumerate()
                    .map(|(n, (requester, slug))| latest_of(n, *requester, slug, since));
                let mut stmt = selects.next().expect("pairs is not empty");
                stmt.unions(selects.map(|s| (UnionType::All, s)));
                backend.build(&stmt)
            }
        };
        for row in conn.query_all_raw(stmt).await? {
            let latest = Latest::from_query_result(&row, "")?;
            by_requester
                .entry(latest.requester_id)
                .or_default()
                .push(latest);
        }
        Ok(RecentTickets { by_requester })
    }

    /// The key of the requester's latest ticket of the window and type that reads like
    /// this one. Of the same type only: the flag names the other ticket to whoever sees
    /// this one, and another type may be another team's.
    pub(super) fn near_duplicate(
        &self,
        requester_id: i64,
        type_slug: &str,
        title: &str,
        body: &str,
    ) -> Option<String> {
        let mut latest: Vec<&Latest> = self.by_requester.get(&requester_id)?.iter().collect();
        latest.sort_by_key(|t| std::cmp::Reverse(t.id));
        latest
            .into_iter()
            .filter(|t| t.type_slug == type_slug)
            .find(|t| duplicates::alike(title, body, &t.title, &t.body))
            .map(|t| t.key.clone())
    }
}

/// SQLite: the requester's latest `COMPARED` tickets (an index walk of the requester's history
/// that stops), those of the type and window kept: `SELECT * FROM (...) AS rN WHERE ...`
/// (a compound member may not carry its own ORDER BY or LIMIT in SQLite, a subquery may).
fn latest_of(
    n: usize,
    requester_id: i64,
    type_slug: &str,
    since: DateTime<Utc>,
) -> SelectStatement {
    let inner = Query::select()
        .columns(COLUMNS.split(", ").map(Alias::new))
        .from(Alias::new("tickets"))
        .and_where(Expr::col(Alias::new("requester_id")).eq(requester_id))
        .order_by(Alias::new("id"), Order::Desc)
        .limit(COMPARED)
        .to_owned();
    Query::select()
        .column(Asterisk)
        .from_subquery(inner, Alias::new(format!("r{n}")))
        .and_where(Expr::col(Alias::new("type_slug")).eq(type_slug))
        .and_where(Expr::col(Alias::new("deleted_at")).is_null())
        .and_where(Expr::col(Alias::new("created_at")).gte(since))
        .to_owned()
}
