//! Indexes on a type's extension table: one per `x-index` field, and the multi-column
//! ones an admin declares under `indexes:` for the queues the type's agents run.
//!
//! Every index ends with the ticket id, so that a page read in index order is already in
//! the list's total order (the list breaks ties by id) and keyset paging continues from
//! the index itself.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::fields::{ColumnKind, FieldSpec};

/// The column of the extension table that holds the ticket's id.
pub const TICKET_ID_COLUMN: &str = "ticket_id";

/// How a type file names the ticket id in `indexes:` (as lists do: `sort=-id`).
pub const ID_FIELD: &str = "id";

/// At most this many declared indexes per type: each one costs every ticket write.
pub const MAX_DECLARED_INDEXES: usize = 16;

/// At most this many fields in one declared index.
pub const MAX_INDEX_FIELDS: usize = 8;

/// An index an admin declares in a type file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndexDefinition {
    /// The fields in index order, e.g. `[category, -affected_users]`: filter on the first,
    /// sort by the second. `-name` is descending; `id` is the ticket id.
    pub fields: Vec<String>,
}

/// One column of an index.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct IndexKey {
    pub column: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub descending: bool,
}

/// An index on an extension table, as the store builds it (ticket id last).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct ExtIndex {
    pub keys: Vec<IndexKey>,
}

impl ExtIndex {
    /// The index of an `x-index` field: the field, then the ticket id, so that "this
    /// value, newest first" reads the index backwards.
    pub fn of_field(column: &str) -> ExtIndex {
        ExtIndex {
            keys: vec![
                IndexKey {
                    column: column.to_string(),
                    descending: false,
                },
                IndexKey {
                    column: TICKET_ID_COLUMN.to_string(),
                    descending: false,
                },
            ],
        }
    }

    /// The index a declaration asks for. The ticket id is appended (in the direction of
    /// the last field, the one a queue sorts by) unless the declaration ends with it.
    pub fn declared(def: &IndexDefinition) -> ExtIndex {
        let mut keys: Vec<IndexKey> = def
            .fields
            .iter()
            .map(|f| {
                let (descending, name) = match f.strip_prefix('-') {
                    Some(n) => (true, n),
                    None => (false, f.as_str()),
                };
                IndexKey {
                    column: if name == ID_FIELD {
                        TICKET_ID_COLUMN.to_string()
                    } else {
                        name.to_string()
                    },
                    descending,
                }
            })
            .collect();
        if keys.last().is_some_and(|k| k.column != TICKET_ID_COLUMN) {
            let descending = keys.last().is_some_and(|k| k.descending);
            keys.push(IndexKey {
                column: TICKET_ID_COLUMN.to_string(),
                descending,
            });
        }
        ExtIndex { keys }
    }

    /// Whether the index reads `column`.
    pub fn covers(&self, column: &str) -> bool {
        self.keys.iter().any(|k| k.column == column)
    }

    /// `category, affected_users desc, ticket_id desc`, for plans.
    pub fn describe(&self) -> String {
        self.keys
            .iter()
            .map(|k| {
                if k.descending {
                    format!("{} desc", k.column)
                } else {
                    k.column.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Every index a type's extension table should have: its `x-index` fields', then the
/// declared ones (duplicates once).
pub fn ext_indexes(fields: &[FieldSpec], declared: &[IndexDefinition]) -> Vec<ExtIndex> {
    let mut out: Vec<ExtIndex> = Vec::new();
    let all = fields
        .iter()
        .filter(|f| f.indexed)
        .map(|f| ExtIndex::of_field(&f.name))
        .chain(declared.iter().map(ExtIndex::declared));
    for index in all {
        if !out.contains(&index) {
            out.push(index);
        }
    }
    out
}

/// What is wrong with the `indexes:` of a type file, as (JSON pointer, message) pairs.
/// `fields` are the type's compiled fields.
pub(super) fn check(indexes: &Value, fields: &[FieldSpec]) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let Some(list) = indexes.as_array() else {
        return errors; // the meta-schema reports the shape
    };
    if list.len() > MAX_DECLARED_INDEXES {
        errors.push((
            "/indexes".to_string(),
            format!(
                "{} indexes declared; at most {MAX_DECLARED_INDEXES} (each one slows every ticket write)",
                list.len()
            ),
        ));
    }
    let mut seen: Vec<ExtIndex> = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let Ok(def) = serde_json::from_value::<IndexDefinition>(entry.clone()) else {
            continue; // the meta-schema reports the shape
        };
        let mut names: Vec<&str> = Vec::new();
        let mut ok = true;
        for (j, raw) in def.fields.iter().enumerate() {
            let pointer = format!("/indexes/{i}/fields/{j}");
            let name = raw.strip_prefix('-').unwrap_or(raw);
            if !super::is_identifier(name) {
                ok = false; // the meta-schema reports it
                continue;
            }
            if names.contains(&name) {
                errors.push((pointer, format!("`{name}` appears twice in this index")));
                ok = false;
                continue;
            }
            names.push(name);
            if name == ID_FIELD {
                if j + 1 != def.fields.len() {
                    errors.push((
                        pointer,
                        "`id` can only be the last field of an index (ids are unique: nothing after it would be ordered)".into(),
                    ));
                    ok = false;
                }
                continue;
            }
            match fields.iter().find(|f| f.name == name) {
                None => {
                    errors.push((
                        pointer,
                        format!("`{name}` is not a field of this type (or `id`)"),
                    ));
                    ok = false;
                }
                Some(f) if f.kind == ColumnKind::Json => {
                    errors.push((
                        pointer,
                        format!(
                            "`{name}` holds JSON (objects or arrays), which cannot be indexed; index a field of a scalar kind"
                        ),
                    ));
                    ok = false;
                }
                Some(_) => {}
            }
        }
        if !ok {
            continue;
        }
        let index = ExtIndex::declared(&def);
        if seen.contains(&index) {
            errors.push((
                format!("/indexes/{i}"),
                "the same index is declared twice".to_string(),
            ));
        }
        seen.push(index);
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_indexes_end_with_the_ticket_id_in_the_last_fields_direction() {
        let def = IndexDefinition {
            fields: vec!["category".into(), "-affected_users".into()],
        };
        assert_eq!(
            ExtIndex::declared(&def).describe(),
            "category, affected_users desc, ticket_id desc"
        );
        let def = IndexDefinition {
            fields: vec!["category".into(), "-id".into()],
        };
        assert_eq!(
            ExtIndex::declared(&def).describe(),
            "category, ticket_id desc"
        );
        assert_eq!(ExtIndex::of_field("impact").describe(), "impact, ticket_id");
    }
}
