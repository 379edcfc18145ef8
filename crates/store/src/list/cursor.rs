//! Keyset paging: a page's cursor is the sort keys' values of its last ticket, and the
//! next page is what comes after them in the list's order.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use docket_core::typedef::FieldError;
use sea_orm::sea_query::{Cond, Expr, ExprTrait, SimpleExpr, Value as SqlValue};
use serde_json::Value;

use super::{Column, CoreField, Target, err};
use crate::{Ticket, ext};

/// The keyset condition "comes after `values` in the order of `keys`", with NULLs last.
pub(super) fn after(keys: &[(Column, bool, Target)], values: &[SqlValue]) -> SimpleExpr {
    let Some(((col, desc, _), rest)) = keys.split_first() else {
        return Expr::val(false);
    };
    let v = &values[0];
    let tail = if rest.is_empty() {
        None
    } else {
        Some(after(rest, &values[1..]))
    };
    if is_null(v) {
        // Only NULLs come after a NULL (NULLs sort last), so stay among them.
        return match tail {
            Some(t) => col.expr.clone().is_null().and(t),
            None => Expr::val(false),
        };
    }
    let beyond = if *desc {
        col.expr.clone().lt(v.clone())
    } else {
        col.expr.clone().gt(v.clone())
    };
    let mut any = Cond::any().add(beyond);
    if col.nullable {
        any = any.add(col.expr.clone().is_null());
    }
    if let Some(t) = tail {
        any = any.add(col.expr.clone().eq(v.clone()).and(t));
    }
    any.into()
}

fn is_null(v: &SqlValue) -> bool {
    matches!(
        v,
        SqlValue::String(None)
            | SqlValue::BigInt(None)
            | SqlValue::Double(None)
            | SqlValue::Bool(None)
            | SqlValue::ChronoDateTimeUtc(None)
            | SqlValue::ChronoDate(None)
    )
}

fn sort_value(t: &Ticket, target: &Target) -> Value {
    match target {
        Target::Core(c) => match c {
            CoreField::Id => Value::from(t.id),
            CoreField::Status => Value::from(t.status.clone()),
            CoreField::StatusCategory => Value::from(t.status_category.clone()),
            CoreField::Priority => Value::from(t.priority.as_str()),
            CoreField::AssigneeId => t.assignee_id.map(Value::from).unwrap_or(Value::Null),
            CoreField::RequesterId => t
                .requester
                .as_ref()
                .map(|r| Value::from(r.id))
                .unwrap_or(Value::Null),
            CoreField::Source => Value::from(t.source_channel.clone()),
            CoreField::SourceRef => t.source_ref.clone().map(Value::from).unwrap_or(Value::Null),
            CoreField::CreatedAt => Value::from(t.created_at.to_rfc3339()),
            CoreField::UpdatedAt => Value::from(t.updated_at.to_rfc3339()),
            CoreField::Title => Value::from(t.title.clone()),
            CoreField::Team => t.team.clone().map(Value::from).unwrap_or(Value::Null),
            CoreField::FirstResponseDueAt => rfc3339(t.first_response_due_at),
            CoreField::NextResponseDueAt => rfc3339(t.next_response_due_at),
            CoreField::ResolutionDueAt => rfc3339(t.resolution_due_at),
            CoreField::SlaDueAt => rfc3339(t.sla_due_at),
        },
        Target::Field(f) => t.fields.get(f).cloned().unwrap_or(Value::Null),
        // Not a column of the ticket: `encode_cursor` is given it.
        Target::Relevance => Value::Null,
    }
}

fn rfc3339(t: Option<chrono::DateTime<chrono::Utc>>) -> Value {
    t.map(|t| Value::from(t.to_rfc3339()))
        .unwrap_or(Value::Null)
}

/// The cursor after `last`; `rank` is its search rank, for a search by relevance.
pub(super) fn encode_cursor(
    last: &Ticket,
    rank: Option<f64>,
    keys: &[(Column, bool, Target)],
) -> String {
    let values: Vec<Value> = keys
        .iter()
        .map(|(_, _, t)| match (t, rank) {
            (Target::Relevance, Some(rank)) => Value::from(rank),
            _ => sort_value(last, t),
        })
        .collect();
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&values).expect("values serialize"))
}

pub(super) fn decode_cursor(
    cursor: &str,
    keys: &[(Column, bool, Target)],
) -> std::result::Result<Vec<SqlValue>, FieldError> {
    let bad = || {
        err(
            "cursor",
            "the cursor is not one this list produced (cursors depend on the sort)",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let values: Vec<Value> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if values.len() != keys.len() {
        return Err(bad());
    }
    values
        .iter()
        .zip(keys)
        .map(
            |(v, (c, _, _))| match docket_core::stored::encode(c.kind, v) {
                Ok(stored) => Ok(ext::sql_value(c.kind, stored)),
                Err(_) => Err(bad()),
            },
        )
        .collect()
}
