//! Tickets, their comments, audit trail and SLA.

use docket_api::{
    CommentCreate, CommentOut, CommentPage, CommentUpdate, DraftReplyOut, EventPage, Priority,
    SourceChannel, TicketCreate, TicketOut, TicketPage, TicketSlaOut, TicketUpdate,
};
use futures::TryStreamExt;
use serde::Serialize;
use serde_json::Value;

use crate::client::{Call, Client, Created, Versioned, decode, encode};
use crate::endpoints::*;
use crate::error::Result;
use crate::idempotency::new_idempotency_key;

/// The filters of `GET /tickets`. Repeated values of one filter mean "any of"; tags
/// mean "all of".
#[derive(Debug, Clone, Default)]
pub struct TicketQuery {
    /// A type's slug (needed for `f.<field>` filters and sorts).
    pub type_slug: Option<String>,
    pub status: Vec<String>,
    /// `new`, `open`, `pending`, `resolved`, `closed`.
    pub status_category: Vec<String>,
    pub priority: Vec<Priority>,
    /// A team's slug.
    pub team: Option<String>,
    pub assignee_id: Option<i64>,
    pub requester_id: Option<i64>,
    pub source: Vec<SourceChannel>,
    /// The ticket's id in its source (a Discord channel id, say).
    pub source_ref: Option<String>,
    pub tags: Vec<String>,
    /// Full-text search.
    pub q: Option<String>,
    /// e.g. `-created_at` or `f.affected_users,-id`.
    pub sort: Option<String>,
    /// 1-200 (the server's default is 25).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Admins only.
    pub include_deleted: bool,
    /// Filters with an operator or on a type's own fields, sent as given:
    /// `("f.device", "laptop")`, `("priority.lte", "P1")`, `("created_at.gte", "2026-01-01")`.
    pub filters: Vec<(String, String)>,
}

/// Paging of comment and event lists.
#[derive(Debug, Clone, Default)]
pub struct PageQuery {
    /// 1-200 (the server's default is 50).
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// The filters of a ticket's comment list.
#[derive(Debug, Clone, Default)]
pub struct CommentQuery {
    pub page: PageQuery,
    /// Only the comment relayed from this message (`discord:<message id>`).
    pub external_ref: Option<String>,
}

impl PageQuery {
    pub(crate) fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(l) = self.limit {
            q.push(("limit", l.to_string()));
        }
        if let Some(c) = &self.cursor {
            q.push(("cursor", c.clone()));
        }
        q
    }
}

/// How an enum goes on the wire (`P1`, `discord`), for query parameters.
pub(crate) fn wire_str<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

impl TicketQuery {
    /// The call's query: the declared parameters, and the dynamic filters as given.
    fn call(&self) -> Call<'static> {
        let mut q: Vec<(&'static str, String)> = Vec::new();
        let mut one = |name: &'static str, v: Option<String>| {
            if let Some(v) = v {
                q.push((name, v));
            }
        };
        one("type", self.type_slug.clone());
        one("team", self.team.clone());
        one("assignee_id", self.assignee_id.map(|i| i.to_string()));
        one("requester_id", self.requester_id.map(|i| i.to_string()));
        one("source_ref", self.source_ref.clone());
        one("q", self.q.clone());
        one("sort", self.sort.clone());
        one("limit", self.limit.map(|l| l.to_string()));
        one("cursor", self.cursor.clone());
        one(
            "include_deleted",
            self.include_deleted.then(|| "true".into()),
        );
        q.extend(self.status.iter().map(|s| ("status", s.clone())));
        q.extend(
            self.status_category
                .iter()
                .map(|s| ("status_category", s.clone())),
        );
        q.extend(self.priority.iter().map(|p| ("priority", wire_str(p))));
        q.extend(self.source.iter().map(|s| ("source", wire_str(s))));
        q.extend(self.tags.iter().map(|t| ("tag", t.clone())));
        Call {
            query: q,
            extra_query: self.filters.clone(),
            ..Call::default()
        }
    }
}

/// The version an ETag of this API names (`"7"`, `W/"7"`).
fn etag_version(etag: &str) -> Option<i32> {
    etag.trim()
        .trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .ok()
}

/// Whether `ticket` shows every change `patch` asks for.
fn patch_applied(patch: &TicketUpdate, ticket: &TicketOut) -> bool {
    let mut tags_sent = patch.tags.clone();
    let mut tags_now = ticket.tags.clone();
    if let (Some(sent), now) = (tags_sent.as_mut(), &mut tags_now) {
        sent.sort();
        now.sort();
    }
    patch.title.as_ref().is_none_or(|t| *t == ticket.title)
        && patch.body.as_ref().is_none_or(|b| *b == ticket.body)
        && patch.status.as_ref().is_none_or(|s| *s == ticket.status)
        && patch
            .priority
            .as_ref()
            .is_none_or(|p| wire_str(p) == wire_str(&ticket.priority))
        && patch.assignee_id.is_none_or(|a| a == ticket.assignee_id)
        && patch.team.as_ref().is_none_or(|t| *t == ticket.team)
        && tags_sent.is_none_or(|t| t == tags_now)
        && patch.fields.iter().all(|(name, sent)| {
            let now = ticket.fields.get(name).unwrap_or(&Value::Null);
            sent == now
        })
}

impl Client {
    /// Create a ticket. An Idempotency-Key is made for this call and sent on every
    /// attempt, so retries after a lost answer return the same ticket.
    pub async fn create_ticket(&self, ticket: &TicketCreate) -> Result<Versioned<TicketOut>> {
        let created = self
            .create_ticket_with_key(ticket, &new_idempotency_key())
            .await?;
        Ok(Versioned {
            value: created.value,
            etag: created.etag,
        })
    }

    /// Create a ticket with the caller's own Idempotency-Key (1-200 visible ASCII
    /// characters), e.g. derived from the source's own id (a Discord interaction id), so
    /// that even a restarted caller cannot open the same ticket twice. The same key with
    /// the same body answers the first ticket (`replayed`); with another body, 409.
    pub async fn create_ticket_with_key(
        &self,
        ticket: &TicketCreate,
        idempotency_key: &str,
    ) -> Result<Created<TicketOut>> {
        let call = Call {
            headers: vec![("Idempotency-Key", idempotency_key.to_string())],
            ..Call::default()
        };
        self.create(&CREATE_TICKET, call, ticket).await
    }

    /// A ticket and its ETag.
    pub async fn get_ticket(&self, key: &str) -> Result<Versioned<TicketOut>> {
        let call = Call {
            path: &[key],
            ..Call::default()
        };
        self.call(&GET_TICKET, call, None).await
    }

    /// Change a ticket. With `etag` (from a read) the change is refused with 412
    /// (`is_precondition_failed`) if anyone changed the ticket since; without one it
    /// overwrites (`If-Match: *`).
    ///
    /// Resending is safe, but when an attempt's answer was lost (timeout, cut connection)
    /// and the resend meets 412, the first attempt may have been the one that moved the
    /// version. The client then re-reads the ticket: if it is exactly one version past
    /// `etag` and shows every change of `patch`, that write was ours and the ticket is
    /// returned; otherwise the 412 is.
    pub async fn update_ticket(
        &self,
        key: &str,
        etag: Option<&str>,
        patch: &TicketUpdate,
    ) -> Result<Versioned<TicketOut>> {
        let call = Call {
            path: &[key],
            headers: vec![("If-Match", etag.unwrap_or("*").to_string())],
            ..Call::default()
        };
        let answer = self
            .send(&UPDATE_TICKET.endpoint, &call, encode(Some(patch))?)
            .await?;
        if answer.status == 412
            && answer.uncertain
            && let Some(expected) = etag.and_then(etag_version)
        {
            let now = self.get_ticket(key).await?;
            if now.value.version == expected + 1 && patch_applied(patch, &now.value) {
                return Ok(now);
            }
        }
        Ok(decode(&UPDATE_TICKET.endpoint, answer)?.0)
    }

    /// Soft-delete a ticket (admins can restore it).
    pub async fn delete_ticket(&self, key: &str) -> Result<()> {
        let call = Call {
            path: &[key],
            ..Call::default()
        };
        self.call(&DELETE_TICKET, call, None).await.map(|v| v.value)
    }

    pub async fn restore_ticket(&self, key: &str) -> Result<Versioned<TicketOut>> {
        let call = Call {
            path: &[key],
            ..Call::default()
        };
        self.call(&RESTORE_TICKET, call, None).await
    }

    /// One page of tickets; pass `next_cursor` back as `cursor` for the next.
    pub async fn list_tickets(&self, query: &TicketQuery) -> Result<TicketPage> {
        self.call(&LIST_TICKETS, query.call(), None)
            .await
            .map(|v| v.value)
    }

    /// Every ticket the query matches, page after page (`query.limit` is the page
    /// size), fetched as the stream is read. An error ends the stream.
    pub fn all_tickets(
        &self,
        query: TicketQuery,
    ) -> impl futures::Stream<Item = Result<TicketOut>> + Send + 'static {
        let client = self.clone();
        // (query for the next page, or None once the last was read)
        futures::stream::try_unfold(Some(query), move |next| {
            let client = client.clone();
            async move {
                let Some(query) = next else {
                    return Ok(None);
                };
                let page = client.list_tickets(&query).await?;
                let next = page.next_cursor.map(|cursor| TicketQuery {
                    cursor: Some(cursor),
                    ..query
                });
                let items = futures::stream::iter(page.items.into_iter().map(Ok));
                Ok(Some((items, next)))
            }
        })
        .try_flatten()
    }

    /// One page of a ticket's comments, oldest first.
    pub async fn list_comments(&self, key: &str, page: &PageQuery) -> Result<CommentPage> {
        let call = Call {
            path: &[key],
            query: page.pairs(),
            ..Call::default()
        };
        self.call(&LIST_COMMENTS, call, None).await.map(|v| v.value)
    }

    /// One page of a ticket's comments, filtered (by where they were relayed from).
    pub async fn find_comments(&self, key: &str, query: &CommentQuery) -> Result<CommentPage> {
        let mut q = query.page.pairs();
        if let Some(r) = &query.external_ref {
            q.push(("external_ref", r.clone()));
        }
        let call = Call {
            path: &[key],
            query: q,
            ..Call::default()
        };
        self.call(&LIST_COMMENTS, call, None).await.map(|v| v.value)
    }

    /// Edit a comment's text, or record where it was relayed (`external_ref`, set once).
    pub async fn update_comment(
        &self,
        key: &str,
        id: i64,
        update: &CommentUpdate,
    ) -> Result<CommentOut> {
        let id = id.to_string();
        let call = Call {
            path: &[key, &id],
            ..Call::default()
        };
        self.call(&UPDATE_COMMENT, call, Some(update))
            .await
            .map(|v| v.value)
    }

    /// Delete a comment (its text stays in the audit trail).
    pub async fn delete_comment(&self, key: &str, id: i64) -> Result<()> {
        let id = id.to_string();
        let call = Call {
            path: &[key, &id],
            ..Call::default()
        };
        self.call(&DELETE_COMMENT, call, None)
            .await
            .map(|v| v.value)
    }

    /// Add a public reply or an internal note. The server takes no Idempotency-Key for
    /// comments, so this is resent only when the server surely did not get it (connection
    /// refused, 503): after a lost answer it fails with `Unavailable` rather than risk a
    /// second copy; list the comments to see whether it landed.
    pub async fn add_comment(&self, key: &str, comment: &CommentCreate) -> Result<CommentOut> {
        let call = Call {
            path: &[key],
            ..Call::default()
        };
        self.call(&ADD_COMMENT, call, Some(comment))
            .await
            .map(|v| v.value)
    }

    /// One page of a ticket's audit trail, oldest first.
    pub async fn list_events(&self, key: &str, page: &PageQuery) -> Result<EventPage> {
        let call = Call {
            path: &[key],
            query: page.pairs(),
            ..Call::default()
        };
        self.call(&LIST_EVENTS, call, None).await.map(|v| v.value)
    }

    /// The ticket's SLA clocks, their history and escalations.
    pub async fn ticket_sla(&self, key: &str) -> Result<TicketSlaOut> {
        let call = Call {
            path: &[key],
            ..Call::default()
        };
        self.call(&TICKET_SLA, call, None).await.map(|v| v.value)
    }

    /// An AI-drafted reply to the requester (nothing is stored or sent). 409 when AI is
    /// not configured.
    pub async fn draft_reply(&self, key: &str) -> Result<DraftReplyOut> {
        let call = Call {
            path: &[key],
            ..Call::default()
        };
        self.call(&DRAFT_REPLY, call, None).await.map(|v| v.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_name_versions() {
        assert_eq!(etag_version("\"7\""), Some(7));
        assert_eq!(etag_version("W/\"12\""), Some(12));
        assert_eq!(etag_version("*"), None);
    }

    #[test]
    fn query_sends_repeats_and_passes_dynamic_filters_through() {
        let q = TicketQuery {
            type_slug: Some("it_support".into()),
            status: vec!["new".into(), "open".into()],
            priority: vec![Priority::P1],
            source: vec![SourceChannel::Discord],
            requester_id: Some(4),
            filters: vec![("f.device".into(), "laptop".into())],
            ..TicketQuery::default()
        };
        let Call {
            query: pairs,
            extra_query: extra,
            ..
        } = q.call();
        let text: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            text,
            vec![
                "type=it_support",
                "requester_id=4",
                "status=new",
                "status=open",
                "priority=P1",
                "source=discord"
            ]
        );
        assert_eq!(extra, vec![("f.device".to_string(), "laptop".to_string())]);
        // Every fixed name is one the endpoint declares (the drift test checks the
        // declaration against the OpenAPI document).
        for (name, _) in pairs {
            assert!(LIST_TICKETS.endpoint.query.contains(&name), "{name}");
        }
    }
}
