//! Follow links: a requester follows their ticket and replies without an account. The
//! token names the ticket and its requester, signed with HMAC-SHA256 under a secret of
//! its own (the sealed secret `public.follow_link`, made on first use): it stops
//! working when the ticket moves to another requester (a merge, an edit) and, for
//! every ticket at once, when an admin rotates or deletes that secret. Nothing is
//! stored per link, so a link cannot be revoked alone.
//!
//! A token is `<ticket id>.<requester id>.<signature>`, the signature the base64url
//! HMAC of `docket-follow:v1:<ticket id>:<requester id>`. Every refusal (forged,
//! stale, unknown ticket) is the same not-found, so a token says nothing when it fails.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, EntityTrait};
use sha2::Sha256;

use crate::entities::{secret, ticket as ticket_row};
use crate::identity::{MasterKey, crypto};
use crate::{Comment, Result, Store, StoreError};
use docket_core::ticket::CommentKind;

/// The sealed secret follow links are signed with.
pub const FOLLOW_SECRET: &str = "public.follow_link";

/// What a follow link shows: the ticket's public face, never its internal notes.
#[derive(Debug, Clone)]
pub struct FollowedTicket {
    pub id: i64,
    pub key: String,
    pub title: String,
    pub status: String,
    pub status_category: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub requester_id: i64,
    pub requester_name: Option<String>,
    /// Public replies, oldest first (deleted ones left out).
    pub comments: Vec<Comment>,
}

fn signature(secret: &str, ticket_id: i64, requester_id: i64) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("docket-follow:v1:{ticket_id}:{requester_id}").as_bytes());
    mac
}

fn not_found() -> StoreError {
    StoreError::NotFound("follow link".into())
}

impl Store {
    /// The secret follow links are signed with, made on first use. Two first uses at
    /// once keep the one written first.
    async fn follow_secret(&self, key: &MasterKey) -> Result<String> {
        if let Some(s) = self.reveal_secret(key, FOLLOW_SECRET).await? {
            return Ok(s);
        }
        let (nonce, ciphertext) = key.seal(&crypto::new_token("follow"), FOLLOW_SECRET);
        secret::Entity::insert(secret::ActiveModel {
            name: Set(FOLLOW_SECRET.into()),
            key_id: Set(key.id().to_string()),
            nonce: Set(nonce),
            ciphertext: Set(ciphertext),
            updated_by: Set("docket".into()),
            updated_at: Set(self.clock.now()),
        })
        .on_conflict(
            OnConflict::column(secret::Column::Name)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        self.reveal_secret(key, FOLLOW_SECRET)
            .await?
            .ok_or_else(|| StoreError::Internal("the follow-link secret vanished".into()))
    }

    /// A follow link's token for a ticket with a requester (the requester's
    /// acknowledgement links `{public_url}/follow/{token}`).
    pub async fn follow_token(&self, key: &MasterKey, ticket_id: i64) -> Result<String> {
        let row = ticket_row::Entity::find_by_id(ticket_id)
            .one(&self.db)
            .await?
            .filter(|r| r.deleted_at.is_none())
            .ok_or_else(|| StoreError::NotFound(format!("ticket {ticket_id}")))?;
        let requester_id = row.requester_id.ok_or_else(|| {
            StoreError::Conflict(format!("ticket {} has no requester to follow it", row.key))
        })?;
        let secret = self.follow_secret(key).await?;
        let mac = signature(&secret, ticket_id, requester_id)
            .finalize()
            .into_bytes();
        Ok(format!(
            "{ticket_id}.{requester_id}.{}",
            URL_SAFE_NO_PAD.encode(mac)
        ))
    }

    /// The ticket a follow token names, if the token is genuine and the ticket still
    /// belongs to the requester it names.
    async fn followed_row(&self, key: &MasterKey, token: &str) -> Result<ticket_row::Model> {
        let mut parts = token.splitn(3, '.');
        let (Some(ticket), Some(requester), Some(mac)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(not_found());
        };
        let (Ok(ticket_id), Ok(requester_id)) = (ticket.parse::<i64>(), requester.parse::<i64>())
        else {
            return Err(not_found());
        };
        let mac = URL_SAFE_NO_PAD.decode(mac).map_err(|_| not_found())?;
        let Some(secret) = self.reveal_secret(key, FOLLOW_SECRET).await? else {
            return Err(not_found());
        };
        // Constant time: the comparison says nothing about how much of a forgery matched.
        signature(&secret, ticket_id, requester_id)
            .verify_slice(&mac)
            .map_err(|_| not_found())?;
        ticket_row::Entity::find_by_id(ticket_id)
            .one(&self.db)
            .await?
            .filter(|r| r.deleted_at.is_none() && r.requester_id == Some(requester_id))
            .ok_or_else(not_found)
    }

    /// What a follow link shows.
    pub async fn followed_ticket(&self, key: &MasterKey, token: &str) -> Result<FollowedTicket> {
        let row = self.followed_row(key, token).await?;
        let requester_id = row.requester_id.ok_or_else(not_found)?;
        let requester_name =
            crate::requesters::load(&self.db, crate::requesters::with_ids([requester_id]))
                .await?
                .pop()
                .and_then(|r| r.requester.name);
        let mut comments = Vec::new();
        let mut after = None;
        loop {
            let page = self.comments(&row.key, after, 500).await?;
            let done = page.len() < 500;
            after = page.last().map(|c| c.id);
            comments.extend(
                page.into_iter()
                    .filter(|c| c.kind == CommentKind::Public && c.deleted_at.is_none()),
            );
            if done {
                break;
            }
        }
        Ok(FollowedTicket {
            id: row.id,
            key: row.key,
            title: row.title,
            status: row.status,
            status_category: row.status_category,
            created_at: row.created_at,
            requester_id,
            requester_name,
            comments,
        })
    }
}

impl Store {
    /// The key of the ticket a follow token names (the token checked as `followed_ticket`
    /// checks it), for a follower's reply.
    pub async fn followed_key(&self, key: &MasterKey, token: &str) -> Result<String> {
        Ok(self.followed_row(key, token).await?.key)
    }
}
