//! Near duplicates at create: a new ticket that reads like one its requester opened in
//! the last day (`docket_core::duplicates`) names it in `possible_duplicate_of`. Only a
//! flag: staff merge the two (`merge.rs`) or dismiss it. Every intake channel creates
//! through the store, so each is checked alike; exact duplicates (one source reference
//! sent twice) never get this far, the idempotency key answers them.

use chrono::{DateTime, Duration, Utc};
use docket_core::duplicates;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::Result;
use crate::entities::ticket as ticket_row;

/// How far back a requester's tickets are compared with a new one.
pub const WINDOW: Duration = Duration::hours(24);

/// How many of the requester's latest tickets are compared: a requester with more in a
/// day is a flood, not a person repeating themself.
const COMPARED: u64 = 20;

/// The key of the requester's latest ticket of the window and type that reads like this
/// one. Of the same type only: the flag names the other ticket to whoever sees this one,
/// and another type may be another team's.
pub(super) async fn near_duplicate<C: ConnectionTrait>(
    conn: &C,
    requester_id: i64,
    type_slug: &str,
    title: &str,
    body: &str,
    at: DateTime<Utc>,
) -> Result<Option<String>> {
    let recent: Vec<(String, String, String)> = ticket_row::Entity::find()
        .select_only()
        .column(ticket_row::Column::Key)
        .column(ticket_row::Column::Title)
        .column(ticket_row::Column::Body)
        .filter(ticket_row::Column::RequesterId.eq(requester_id))
        .filter(ticket_row::Column::TypeSlug.eq(type_slug))
        .filter(ticket_row::Column::DeletedAt.is_null())
        .filter(ticket_row::Column::CreatedAt.gte(at - WINDOW))
        .order_by_desc(ticket_row::Column::Id)
        .limit(COMPARED)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(recent
        .into_iter()
        .find(|(_, t, b)| duplicates::alike(title, body, t, b))
        .map(|(key, _, _)| key))
}
