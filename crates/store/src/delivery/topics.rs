//! The outbox topics a ticket change makes, read off its audit events, so that every
//! writer (the API, the SLA sweep, the Discord relay, intake) notifies by the one path
//! that records the change: `Change::commit` and the create batch call `entries_of`.

use serde_json::{Value, json};

use super::outbox::NewEntry;
use crate::tickets::write::Event;

pub const TICKET_CREATED: &str = "ticket.created";
pub const TICKET_UPDATED: &str = "ticket.updated";
pub const TICKET_ASSIGNED: &str = "ticket.assigned";
pub const TICKET_STATUS_CHANGED: &str = "ticket.status_changed";
pub const TICKET_DELETED: &str = "ticket.deleted";
pub const COMMENT_CREATED: &str = "comment.created";
pub const COMMENT_EDITED: &str = "comment.edited";
pub const COMMENT_DELETED: &str = "comment.deleted";
pub const SLA_WARNING: &str = "sla.warning";
pub const SLA_BREACH: &str = "sla.breach";
pub const SLA_STILL_BREACHED: &str = "sla.still_breached";
/// A webhook subscription switched itself off after failing too often (to admins).
pub const WEBHOOK_DISABLED: &str = "webhook.disabled";
/// Sent to a subscription on request, to try its endpoint.
pub const PING: &str = "ping";
/// A staff user `@mentioned` in a comment: a personal topic (the bell, email) that the
/// dispatcher reads off `comment.created`, never an outbox entry of its own.
pub const MENTION: &str = "mention";

/// Every topic, for validating subscriptions and preferences.
pub const ALL: [&str; 13] = [
    TICKET_CREATED,
    TICKET_UPDATED,
    TICKET_ASSIGNED,
    TICKET_STATUS_CHANGED,
    TICKET_DELETED,
    COMMENT_CREATED,
    COMMENT_EDITED,
    COMMENT_DELETED,
    SLA_WARNING,
    SLA_BREACH,
    SLA_STILL_BREACHED,
    WEBHOOK_DISABLED,
    PING,
];

/// Whether `pattern` (`ticket.created`, `comment.*`, `*`) names `topic`.
pub fn matches(pattern: &str, topic: &str) -> bool {
    pattern == "*"
        || pattern == topic
        || pattern
            .strip_suffix(".*")
            .is_some_and(|prefix| topic.split_once('.').is_some_and(|(p, _)| p == prefix))
}

/// A pattern that names at least one topic.
pub fn is_pattern(pattern: &str) -> bool {
    ALL.iter().any(|t| matches(pattern, t))
}

/// Events that are bookkeeping of another change (or notify by their own path) and
/// make no topic of their own.
fn is_internal(field: &str) -> bool {
    matches!(
        field,
        "sla" | "routing" | "comment_relayed" | "attachment" | "summary" | "transcript" | "survey"
    )
}

/// The outbox entries for one ticket's events, committed by `actor`.
pub(crate) fn entries_of(ticket_id: i64, actor: &str, events: &[Event]) -> Vec<NewEntry> {
    let mut entries = Vec::new();
    let mut updated = Vec::new();
    let entry = |topic: &str, mut payload: Value| {
        payload["actor"] = json!(actor);
        (topic.to_string(), Some(ticket_id), payload)
    };
    for e in events {
        match e.field.as_str() {
            "created" => entries.push(entry(TICKET_CREATED, json!({ "ticket": e.new }))),
            "comment" if e.old.is_none() => {
                entries.push(entry(COMMENT_CREATED, json!({ "comment": e.new })))
            }
            "comment_edited" => entries.push(entry(
                COMMENT_EDITED,
                json!({ "comment": comment_id(e.new.as_ref()) }),
            )),
            "comment_deleted" => entries.push(entry(
                COMMENT_DELETED,
                json!({ "comment": comment_id(e.old.as_ref()) }),
            )),
            "assignee_id" if e.new.as_ref().is_some_and(|v| !v.is_null()) => entries.push(entry(
                TICKET_ASSIGNED,
                json!({ "assignee_id": e.new, "previous_assignee_id": e.old }),
            )),
            "status" => entries.push(entry(
                TICKET_STATUS_CHANGED,
                json!({ "from": e.old, "to": e.new }),
            )),
            "deleted" if e.new == Some(Value::Bool(true)) => {
                entries.push(entry(TICKET_DELETED, json!({})))
            }
            field if is_internal(field) => {}
            field => updated.push(json!({ "field": field, "from": e.old, "to": e.new })),
        }
    }
    if !updated.is_empty() {
        entries.push(entry(TICKET_UPDATED, json!({ "changes": updated })));
    }
    entries
}

/// `{"id": 7}` of a comment event, without the text (the outbox keeps no copies).
fn comment_id(v: Option<&Value>) -> Value {
    json!({ "id": v.and_then(|v| v.get("id")).cloned().unwrap_or(Value::Null) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(field: &str, old: Option<Value>, new: Option<Value>) -> Event {
        Event {
            field: field.into(),
            old,
            new,
        }
    }

    #[test]
    fn patterns() {
        assert!(matches("*", "comment.created"));
        assert!(matches("comment.*", "comment.created"));
        assert!(!matches("comment.*", "ticket.created"));
        assert!(!matches("comment", "comment.created"));
        assert!(is_pattern("sla.*") && is_pattern("ticket.assigned"));
        assert!(!is_pattern("ticket.exploded") && !is_pattern("tick*"));
    }

    #[test]
    fn a_patch_makes_one_entry_per_kind_of_news() {
        let entries = entries_of(
            7,
            "ada",
            &[
                event("status", Some(json!("open")), Some(json!("solved"))),
                event("assignee_id", None, Some(json!(3))),
                event("priority", Some(json!("P2")), Some(json!("P1"))),
                event("fields.device", None, Some(json!("laptop"))),
                event("routing", None, Some(json!({}))),
            ],
        );
        let topics: Vec<&str> = entries.iter().map(|(t, _, _)| t.as_str()).collect();
        assert_eq!(
            topics,
            [TICKET_STATUS_CHANGED, TICKET_ASSIGNED, TICKET_UPDATED]
        );
        assert_eq!(entries[2].2["changes"].as_array().unwrap().len(), 2);
        assert!(
            entries
                .iter()
                .all(|(_, id, p)| *id == Some(7) && p["actor"] == "ada")
        );
        // An unassignment, a restore and bookkeeping alone tell nobody anything new.
        assert!(
            entries_of(
                7,
                "ada",
                &[
                    event("assignee_id", Some(json!(3)), Some(Value::Null)),
                    event("sla", None, Some(json!({}))),
                ]
            )
            .iter()
            .all(|(t, _, _)| t == TICKET_UPDATED)
        );
    }
}
