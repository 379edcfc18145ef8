//! Idempotency keys for creates: a retried request with the same key and body gets the
//! original result instead of a second ticket.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::entities::idempotency_key;
use crate::{Result, StoreError};

/// What a create request carries when it has an `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    /// Who may replay it (keys are per caller).
    pub scope: String,
    pub key: String,
    /// A hash of the request body: the same key with another body is an error.
    pub request_hash: String,
}

/// What the first request with this key produced.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    /// The resource it created (a ticket key).
    pub resource: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum IdempotencyOutcome {
    /// The key is new: go ahead.
    Fresh,
    /// The key was used with the same request: return this again.
    Replay(StoredResponse),
}

pub(crate) async fn check<C: ConnectionTrait>(
    conn: &C,
    k: &IdempotencyKey,
) -> Result<IdempotencyOutcome> {
    let found = idempotency_key::Entity::find_by_id((k.scope.clone(), k.key.clone()))
        .one(conn)
        .await?;
    match found {
        None => Ok(IdempotencyOutcome::Fresh),
        Some(row) if row.request_hash == k.request_hash => {
            Ok(IdempotencyOutcome::Replay(StoredResponse {
                resource: row.response,
            }))
        }
        Some(_) => Err(StoreError::Conflict(format!(
            "Idempotency-Key `{}` was already used with a different request body",
            k.key
        ))),
    }
}

/// Record the keys of requests with their results, in one statement. False when a key
/// was taken: a concurrent request with the same key recorded first (on PostgreSQL the
/// insert waits for it to commit), or two of these share one. The caller then abandons
/// its work, and each such request replays the result recorded first.
pub(crate) async fn record_all<C: ConnectionTrait>(
    conn: &C,
    claims: &[(&IdempotencyKey, StoredResponse)],
    at: DateTime<Utc>,
) -> Result<bool> {
    if claims.is_empty() {
        return Ok(true);
    }
    let inserted = idempotency_key::Entity::insert_many(claims.iter().map(|(k, response)| {
        idempotency_key::ActiveModel {
            scope: Set(k.scope.clone()),
            key: Set(k.key.clone()),
            request_hash: Set(k.request_hash.clone()),
            response: Set(response.resource.clone()),
            created_at: Set(at),
        }
    }))
    .on_conflict(
        OnConflict::columns([idempotency_key::Column::Scope, idempotency_key::Column::Key])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(inserted == claims.len() as u64)
}
