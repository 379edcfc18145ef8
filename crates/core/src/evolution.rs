//! Schema evolution: the difference between the applied version of a type and a new
//! definition, as an ordered list of abstract steps (rendered to SQL by the store) and a
//! list of human-readable changes, each classified as safe, destructive or refused.
//!
//! The planner looks at the stored data where it decides safety: a narrowing change is
//! only destructive when some stored value would stop validating, and a kind change is
//! only possible when every stored value converts. The store loads those values first
//! ([`columns_to_inspect`]) and the planner stays pure.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::convert::convert;
use crate::fields::{ColumnKind, FieldSpec, compile_fields, validation_keywords};
use crate::typedef::{ExtIndex, TypeDefinition};

mod declared;

/// An extension column as it exists in the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ColumnState {
    pub name: String,
    pub kind: ColumnKind,
    /// Kept after its field was removed, so no data is lost; restored by adding the
    /// field back.
    pub hidden: bool,
    pub indexed: bool,
}

/// The version of a type that is applied now.
#[derive(Debug, Clone)]
pub struct Applied {
    pub version: i32,
    pub definition: TypeDefinition,
    pub columns: Vec<ColumnState>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Safety {
    /// Applied automatically (also at server start).
    Safe,
    /// Applied only when forced (`--allow-destructive`, `"force": true`).
    Destructive,
    /// Never applied: the stored data does not allow it.
    Refused,
}

/// One change a plan makes, for people to read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Change {
    /// The field concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub summary: String,
    pub safety: Safety,
    /// Keys of the tickets whose data makes this change destructive or refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocking_tickets: Vec<String>,
}

/// One operation on the extension table; the store renders it for its backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Step {
    CreateTable {
        columns: Vec<ColumnState>,
    },
    AddColumn {
        column: String,
        kind: ColumnKind,
    },
    RenameColumn {
        from: String,
        to: String,
    },
    DropColumn {
        column: String,
    },
    /// Build an index; after the rest of the plan has committed (see the store's
    /// `indexes.rs`: on PostgreSQL without blocking ticket writes).
    CreateIndex {
        index: ExtIndex,
    },
    DropIndex {
        index: ExtIndex,
    },
    /// Set the column to `value` where it is NULL.
    Backfill {
        column: String,
        kind: ColumnKind,
        #[schema(value_type = Value)]
        value: Value,
    },
    /// Copy every value of `from` into `to`, converting it (see `convert`).
    ConvertCopy {
        from: String,
        to: String,
        from_kind: ColumnKind,
        to_kind: ColumnKind,
    },
}

/// The outcome of planning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Plan {
    pub slug: String,
    /// The applied version, if the type exists.
    pub from_version: Option<i32>,
    /// The version applying this plan creates.
    pub to_version: i32,
    /// Nothing differs: applying creates no version.
    pub noop: bool,
    /// The worst safety of any change.
    pub safety: Safety,
    pub changes: Vec<Change>,
    pub steps: Vec<Step>,
    /// The extension table's columns after the plan.
    pub columns: Vec<ColumnState>,
    /// Roughly how long applying takes, in seconds: index builds and value conversions
    /// over the stored tickets (0 for a new type or a change that touches no rows).
    #[serde(default)]
    pub expected_seconds: f64,
}

impl Plan {
    /// Whether the plan may be applied, given whether destructive changes are allowed.
    pub fn applicable(&self, allow_destructive: bool) -> bool {
        match self.safety {
            Safety::Safe => true,
            Safety::Destructive => allow_destructive,
            Safety::Refused => false,
        }
    }
}

/// The stored data the planner needs, loaded by the store.
#[derive(Debug, Clone, Default)]
pub struct StoredData {
    /// Tickets of the type (deleted ones included: their data is kept too).
    pub ticket_count: u64,
    /// A few ticket keys, to name tickets a new required field would leave empty.
    pub sample_keys: Vec<String>,
    /// For each inspected column: every row's ticket key and value (Null when empty).
    pub values: HashMap<String, Vec<(String, Value)>>,
    /// Tickets of the type per status (deleted ones included), for workflow changes.
    /// Needed only when [`workflow_changed`] says the workflow changed.
    pub status_counts: HashMap<String, u64>,
    /// Rows per second this database indexes or converts (the store's measured rate for
    /// its backend), for [`Plan::expected_seconds`]; 0 gives no estimate.
    pub rows_per_second: f64,
}

/// How many blocking ticket keys a change lists.
const MAX_BLOCKING: usize = 20;

/// Which current columns' values the planner will need.
pub fn columns_to_inspect(applied: Option<&Applied>, new: &TypeDefinition) -> Vec<String> {
    let Some(applied) = applied else {
        return Vec::new();
    };
    let claims = claim_columns(applied, &compile_fields(&new.schema));
    if cross_field_rules(&applied.definition.schema) != cross_field_rules(&new.schema) {
        // Rules spanning fields are checked on whole tickets: every claimed column.
        return claims.into_iter().map(|(_, s)| s.column).collect();
    }
    let old_fields = fields_by_name(&applied.definition);
    claims
        .into_iter()
        .filter_map(|(field, source)| {
            let col = applied.columns.iter().find(|c| c.name == source.column)?;
            let old = old_fields.get(source.old_field.as_deref().unwrap_or(&source.column));
            let differs = match old {
                Some(old) => {
                    col.hidden
                        || old.kind != field.kind
                        || validation_keywords(&old.schema) != validation_keywords(&field.schema)
                        || (field.required && !old.required)
                }
                None => true,
            };
            differs.then(|| col.name.clone())
        })
        .collect()
}

/// The parts of a type schema that validate across fields (or through shared `$defs`),
/// as opposed to one field's own keywords.
fn cross_field_rules(schema: &Value) -> Value {
    const PER_FIELD: &[&str] = &[
        "properties",
        "required",
        "title",
        "description",
        "$comment",
        "$schema",
        "type",
    ];
    match schema {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| !PER_FIELD.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn fields_by_name(def: &TypeDefinition) -> HashMap<String, FieldSpec> {
    compile_fields(&def.schema)
        .into_iter()
        .map(|f| (f.name.clone(), f))
        .collect()
}

/// Which existing column a new field takes its data from.
struct Source {
    column: String,
    /// The applied field that column belonged to (differs from the column for renames
    /// of hidden columns: none).
    old_field: Option<String>,
    /// A rename that this plan performs.
    renamed: bool,
}

/// Match new fields to existing columns: first the renames that are new in this
/// definition (a hint already present in the applied version was applied then, so a
/// swap is not swapped back on every apply), then fields that keep their name.
fn claim_columns(applied: &Applied, new_fields: &[FieldSpec]) -> Vec<(FieldSpec, Source)> {
    let old_fields = fields_by_name(&applied.definition);
    let exists = |name: &str| applied.columns.iter().any(|c| c.name == name);
    let mut claimed: HashMap<String, usize> = HashMap::new();
    let mut sources: Vec<Option<Source>> = new_fields.iter().map(|_| None).collect();
    for (i, f) in new_fields.iter().enumerate() {
        let Some(old) = &f.renamed_from else { continue };
        let already = old_fields
            .get(&f.name)
            .is_some_and(|o| o.renamed_from.as_ref() == Some(old));
        if !already && exists(old) && !claimed.contains_key(old) {
            claimed.insert(old.clone(), i);
            sources[i] = Some(Source {
                column: old.clone(),
                old_field: old_fields.contains_key(old).then(|| old.clone()),
                renamed: true,
            });
        }
    }
    for (i, f) in new_fields.iter().enumerate() {
        if sources[i].is_none() && exists(&f.name) && !claimed.contains_key(&f.name) {
            claimed.insert(f.name.clone(), i);
            sources[i] = Some(Source {
                column: f.name.clone(),
                old_field: old_fields.contains_key(&f.name).then(|| f.name.clone()),
                renamed: false,
            });
        }
    }
    new_fields
        .iter()
        .cloned()
        .zip(sources)
        .filter_map(|(f, s)| s.map(|s| (f, s)))
        .collect()
}

/// Plan the change from `applied` (None: a new type) to `new`.
pub fn plan(applied: Option<&Applied>, new: &TypeDefinition, data: &StoredData) -> Plan {
    let new_fields = compile_fields(&new.schema);
    let mut p = Planner::default();
    let Some(applied) = applied else {
        let columns: Vec<ColumnState> = new_fields
            .iter()
            .map(|f| ColumnState {
                name: f.name.clone(),
                kind: f.kind,
                hidden: false,
                indexed: f.indexed,
            })
            .collect();
        p.change(
            None,
            format!("create type `{}` with {} fields", new.slug, columns.len()),
            Safety::Safe,
        );
        p.steps.push(Step::CreateTable {
            columns: columns.clone(),
        });
        for c in columns.iter().filter(|c| c.indexed) {
            p.steps.push(Step::CreateIndex {
                index: ExtIndex::of_field(&c.name),
            });
        }
        declared::plan(None, new, &mut p);
        return p.finish(new, None, columns, data);
    };

    type_level_changes(&applied.definition, new, data, &mut p);
    let old_fields = fields_by_name(&applied.definition);
    let claims = claim_columns(applied, &new_fields);
    let mut columns: Vec<ColumnState> = applied.columns.clone();
    let col_index =
        |columns: &Vec<ColumnState>, name: &str| columns.iter().position(|c| c.name == name);

    // Renames go through temporary names first, so that swaps and chains work.
    let renames: Vec<(&FieldSpec, &Source)> = claims
        .iter()
        .filter(|(_, s)| s.renamed)
        .map(|(f, s)| (f, s))
        .collect();
    // A rename needs its target name free: no column of that name may stay (a field's,
    // or a removed field's kept column), unless that column is itself renamed away.
    let taken = |target: &str, from: &str| {
        applied
            .columns
            .iter()
            .find(|c| c.name == target)
            .filter(|_| !renames.iter().any(|(_, s)| s.column == target) && target != from)
    };
    let mut conflict = false;
    for (f, s) in &renames {
        if let Some(col) = taken(&f.name, &s.column) {
            let holder = if col.hidden {
                "the kept column of a removed field"
            } else {
                "an existing field"
            };
            p.change(
                Some(&f.name),
                format!(
                    "cannot rename `{}` to `{}`: `{}` is {holder} and keeps its data; pick another name",
                    s.column, f.name, f.name
                ),
                Safety::Refused,
            );
            conflict = true;
        }
    }
    if conflict {
        // Nothing else of this plan can run; show only why.
        p.changes.retain(|c| c.safety == Safety::Refused);
        return p.finish(new, Some(applied), applied.columns.clone(), data);
    }

    for (i, (_, s)) in renames.iter().enumerate() {
        let i_col = col_index(&columns, &s.column).expect("claimed columns exist");
        if columns[i_col].indexed {
            p.steps.push(Step::DropIndex {
                index: ExtIndex::of_field(&s.column),
            });
        }
        let tmp = format!("_docket_tmp_{i}");
        p.steps.push(Step::RenameColumn {
            from: s.column.clone(),
            to: tmp.clone(),
        });
        columns[i_col].name = tmp;
    }
    for (i, (f, s)) in renames.iter().enumerate() {
        let tmp = format!("_docket_tmp_{i}");
        let i_col = col_index(&columns, &tmp).expect("renamed above");
        p.steps.push(Step::RenameColumn {
            from: tmp,
            to: f.name.clone(),
        });
        columns[i_col].name = f.name.clone();
        let was_indexed = columns[i_col].indexed;
        columns[i_col].indexed = false;
        p.change(
            Some(&f.name),
            format!("rename `{}` to `{}` (data kept)", s.column, f.name),
            Safety::Safe,
        );
        if was_indexed && f.indexed {
            // The index follows the column under its new name.
            p.steps.push(Step::CreateIndex {
                index: ExtIndex::of_field(&f.name),
            });
            columns[i_col].indexed = true;
        }
    }

    // Each stored ticket's fields as they will be, for rules that span fields.
    let mut tickets: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
    // Fields whose column exists (renamed above or kept).
    let mut claimed_columns: Vec<String> = Vec::new();
    let mut new_columns: Vec<&FieldSpec> = Vec::new();
    for f in &new_fields {
        let Some((_, source)) = claims.iter().find(|(cf, _)| cf.name == f.name) else {
            new_columns.push(f);
            continue;
        };
        claimed_columns.push(f.name.clone());
        let i_col = col_index(&columns, &f.name).expect("claimed column has the field's name now");
        let col = columns[i_col].clone();
        let old = source.old_field.as_ref().and_then(|n| old_fields.get(n));
        let rows = data.values.get(&source.column);
        if col.hidden {
            p.change(
                Some(&f.name),
                format!("restore field `{}` from its kept column", f.name),
                Safety::Safe,
            );
            columns[i_col].hidden = false;
        }
        // The values as they will be after a kind change.
        let mut converted: Vec<(String, Value)> = Vec::new();
        if col.kind != f.kind {
            let mut failed = Vec::new();
            for (key, v) in rows.map(Vec::as_slice).unwrap_or(&[]) {
                match convert(v, col.kind, f.kind) {
                    Some(c) => converted.push((key.clone(), c)),
                    None => failed.push(key.clone()),
                }
            }
            if failed.is_empty() {
                p.change(
                    Some(&f.name),
                    format!(
                        "change `{}` from {} to {}; every stored value converts",
                        f.name,
                        col.kind.as_str(),
                        f.kind.as_str()
                    ),
                    Safety::Safe,
                );
            } else {
                p.blocked(
                    Some(&f.name),
                    format!(
                        "cannot change `{}` from {} to {}: {} stored value(s) do not convert; fix or clear them first",
                        f.name,
                        col.kind.as_str(),
                        f.kind.as_str(),
                        failed.len()
                    ),
                    Safety::Refused,
                    failed,
                );
            }
            let tmp = format!("_docket_new_{i_col}");
            if col.indexed {
                p.steps.push(Step::DropIndex {
                    index: ExtIndex::of_field(&f.name),
                });
                columns[i_col].indexed = false;
            }
            p.steps.push(Step::AddColumn {
                column: tmp.clone(),
                kind: f.kind,
            });
            p.steps.push(Step::ConvertCopy {
                from: f.name.clone(),
                to: tmp.clone(),
                from_kind: col.kind,
                to_kind: f.kind,
            });
            p.steps.push(Step::DropColumn {
                column: f.name.clone(),
            });
            p.steps.push(Step::RenameColumn {
                from: tmp,
                to: f.name.clone(),
            });
            columns[i_col].kind = f.kind;
        } else if let Some(rows) = rows {
            converted = rows.clone();
        }
        for (key, v) in &converted {
            let t = tickets.entry(key.clone()).or_default();
            if !v.is_null() {
                t.insert(f.name.clone(), v.clone());
            }
        }
        // Validation: do the stored values still satisfy the field's schema?
        let validation_changed = old
            .map(|o| validation_keywords(&o.schema) != validation_keywords(&f.schema))
            .unwrap_or(true);
        if (validation_changed || col.hidden || col.kind != f.kind) && rows.is_some() {
            let invalid = invalid_values(new, f, &converted);
            if invalid.is_empty() {
                if let Some(o) = old.filter(|_| validation_changed) {
                    p.change(
                        Some(&f.name),
                        describe_constraints(&f.name, &o.schema, &f.schema),
                        Safety::Safe,
                    );
                }
            } else {
                p.blocked(
                    Some(&f.name),
                    format!(
                        "narrowing `{}`: {} stored value(s) would no longer be valid ({})",
                        f.name,
                        invalid.len(),
                        old.map(|o| describe_constraints(&f.name, &o.schema, &f.schema))
                            .unwrap_or_else(|| "restored field".into())
                    ),
                    Safety::Destructive,
                    invalid,
                );
            }
        } else if validation_changed && let Some(o) = old {
            p.change(
                Some(&f.name),
                describe_constraints(&f.name, &o.schema, &f.schema),
                Safety::Safe,
            );
        }
        // Required: old rows must have a value, or get the default.
        let newly_required = f.required && (col.hidden || !old.is_some_and(|o| o.required));
        if newly_required {
            let empty: Vec<String> = converted
                .iter()
                .filter(|(_, v)| v.is_null())
                .map(|(k, _)| k.clone())
                .collect();
            required_without_value(&mut p, f, empty);
        }
        // Index added or dropped.
        if f.indexed && !columns[i_col].indexed {
            p.steps.push(Step::CreateIndex {
                index: ExtIndex::of_field(&f.name),
            });
            p.change(
                Some(&f.name),
                format!("add an index on `{}`", f.name),
                Safety::Safe,
            );
            columns[i_col].indexed = true;
        } else if !f.indexed && columns[i_col].indexed {
            p.steps.push(Step::DropIndex {
                index: ExtIndex::of_field(&f.name),
            });
            p.change(
                Some(&f.name),
                format!("drop the index on `{}`", f.name),
                Safety::Safe,
            );
            columns[i_col].indexed = false;
        }
        if let Some(o) = old {
            let described = |s: &Value| (s.get("title").cloned(), s.get("description").cloned());
            if described(&o.schema) != described(&f.schema) {
                p.change(
                    Some(&f.name),
                    format!("update the title or description of `{}`", f.name),
                    Safety::Safe,
                );
            }
            if o.default != f.default {
                let d = f
                    .default
                    .as_ref()
                    .map(Value::to_string)
                    .unwrap_or_else(|| "none".into());
                p.change(
                    Some(&f.name),
                    format!("new tickets get `{}` = {d} by default", f.name),
                    Safety::Safe,
                );
            }
            if o.searchable != f.searchable {
                let what = if f.searchable { "include" } else { "leave out" };
                p.change(
                    Some(&f.name),
                    format!(
                        "full-text search will {what} `{}` (every ticket is reindexed)",
                        f.name
                    ),
                    Safety::Safe,
                );
            }
        }
    }

    // Fields that are new.
    for f in new_columns {
        claimed_columns.push(f.name.clone());
        p.steps.push(Step::AddColumn {
            column: f.name.clone(),
            kind: f.kind,
        });
        let mut col = ColumnState {
            name: f.name.clone(),
            kind: f.kind,
            hidden: false,
            indexed: false,
        };
        let mut summary = format!("add field `{}` ({})", f.name, f.kind.as_str());
        if let Some(old) = &f.renamed_from {
            summary.push_str(&format!(
                "; `x-renamed-from: {old}` names no column, so the field starts empty"
            ));
        }
        p.change(Some(&f.name), summary, Safety::Safe);
        if f.required && data.ticket_count > 0 {
            let mut empty = data.sample_keys.clone();
            empty.truncate(MAX_BLOCKING);
            required_without_value(&mut p, f, empty);
        }
        if f.indexed {
            p.steps.push(Step::CreateIndex {
                index: ExtIndex::of_field(&f.name),
            });
            col.indexed = true;
        }
        columns.push(col);
    }

    // Rules spanning fields see tickets as they will be: with the backfilled defaults.
    for step in &p.steps {
        if let Step::Backfill { column, value, .. } = step {
            for fields in tickets.values_mut() {
                fields
                    .entry(column.clone())
                    .or_insert_with(|| value.clone());
            }
        }
    }
    let rules_changed =
        cross_field_rules(&applied.definition.schema) != cross_field_rules(&new.schema);
    if rules_changed {
        let invalid = invalid_tickets(new, &tickets);
        if invalid.is_empty() {
            p.change(
                None,
                "change the rules that span fields (every stored ticket satisfies them)".into(),
                Safety::Safe,
            );
        } else {
            let n = invalid.len();
            p.blocked(
                None,
                format!("change the rules that span fields: {n} stored ticket(s) would no longer be valid"),
                Safety::Destructive,
                invalid,
            );
        }
    }

    // Fields that are gone: their columns are kept, hidden.
    for c in columns.iter_mut() {
        if !c.hidden && !claimed_columns.contains(&c.name) {
            c.hidden = true;
            p.change(
                Some(&c.name),
                format!("remove field `{}`: its column is kept and hidden, with its data, until the field is added back", c.name),
                Safety::Destructive,
            );
        }
    }
    declared::plan(Some(&applied.definition), new, &mut p);
    p.finish(new, Some(applied), columns, data)
}

/// A field that becomes required where some rows have no value.
fn required_without_value(p: &mut Planner, f: &FieldSpec, empty: Vec<String>) {
    if empty.is_empty() {
        return;
    }
    match &f.default {
        Some(d) => {
            p.steps.push(Step::Backfill {
                column: f.name.clone(),
                kind: f.kind,
                value: d.clone(),
            });
            p.change(
                Some(&f.name),
                format!(
                    "`{}` is required: fill tickets without a value with the default {d}",
                    f.name
                ),
                Safety::Safe,
            );
        }
        None => p.blocked(
            Some(&f.name),
            format!(
                "`{}` becomes required without a default, and stored tickets have no value for it",
                f.name
            ),
            Safety::Destructive,
            empty,
        ),
    }
}

/// Tickets whose (future) fields fail the whole new schema.
fn invalid_tickets(
    def: &TypeDefinition,
    tickets: &BTreeMap<String, serde_json::Map<String, Value>>,
) -> Vec<String> {
    let Ok(validator) = crate::typedef::validator::build(&def.schema) else {
        return Vec::new();
    };
    tickets
        .iter()
        .filter(|(_, fields)| !validator.is_valid(&Value::Object((*fields).clone())))
        .map(|(k, _)| k.clone())
        .collect()
}

fn invalid_values(def: &TypeDefinition, f: &FieldSpec, rows: &[(String, Value)]) -> Vec<String> {
    let Ok(validator) = crate::typedef::validator::FieldValidator::new(&def.schema, f) else {
        return Vec::new();
    };
    rows.iter()
        .filter(|(_, v)| !v.is_null() && validator.check(v).is_err())
        .map(|(k, _)| k.clone())
        .collect()
}

/// A short description of how a field's constraints changed.
fn describe_constraints(name: &str, old: &Value, new: &Value) -> String {
    let (o, n) = (validation_keywords(old), validation_keywords(new));
    let empty = serde_json::Map::new();
    let (o, n) = (
        o.as_object().unwrap_or(&empty),
        n.as_object().unwrap_or(&empty),
    );
    let mut parts = Vec::new();
    let keys: BTreeMap<&String, ()> = o.keys().chain(n.keys()).map(|k| (k, ())).collect();
    for k in keys.keys() {
        match (o.get(*k), n.get(*k)) {
            (Some(Value::Array(a)), Some(Value::Array(b))) if *k == "enum" => {
                let added: Vec<String> = b
                    .iter()
                    .filter(|v| !a.contains(v))
                    .map(Value::to_string)
                    .collect();
                let removed: Vec<String> = a
                    .iter()
                    .filter(|v| !b.contains(v))
                    .map(Value::to_string)
                    .collect();
                if !added.is_empty() {
                    parts.push(format!("enum values added: {}", added.join(", ")));
                }
                if !removed.is_empty() {
                    parts.push(format!("enum values removed: {}", removed.join(", ")));
                }
            }
            (Some(a), Some(b)) if a != b => parts.push(format!("`{k}` {a} → {b}")),
            (Some(_), None) => parts.push(format!("`{k}` dropped")),
            (None, Some(b)) => parts.push(format!("`{k}` {b} added")),
            _ => {}
        }
    }
    if parts.is_empty() {
        format!("`{name}`: constraints reordered")
    } else {
        format!("`{name}`: {}", parts.join("; "))
    }
}

fn type_level_changes(
    old: &TypeDefinition,
    new: &TypeDefinition,
    data: &StoredData,
    p: &mut Planner,
) {
    if old.name != new.name {
        p.change(
            None,
            format!("rename the type from “{}” to “{}”", old.name, new.name),
            Safety::Safe,
        );
    }
    if old.key_prefix != new.key_prefix {
        p.change(
            None,
            format!(
                "new tickets get keys {}-…; existing tickets keep their {}-… keys",
                new.key_prefix, old.key_prefix
            ),
            Safety::Safe,
        );
    }
    if old.description != new.description {
        p.change(None, "update the type's description".into(), Safety::Safe);
    }
    if old.default_priority != new.default_priority {
        p.change(
            None,
            format!("new tickets default to {}", new.default_priority().as_str()),
            Safety::Safe,
        );
    }
    workflow_changes(old, new, data, p);
    if old.teams != new.teams {
        let teams = if new.teams.is_empty() {
            "no team (admins only)".to_string()
        } else {
            new.teams.join(", ")
        };
        p.change(None, format!("handled by {teams}"), Safety::Safe);
    }
    if old.ui != new.ui {
        p.change(None, "update the form hints".into(), Safety::Safe);
    }
    if old.schema.get("$defs") != new.schema.get("$defs")
        || old.schema.get("title") != new.schema.get("title")
    {
        p.change(
            None,
            "update shared schema definitions".into(),
            Safety::Safe,
        );
    }
}

/// Whether the workflow a type's tickets follow differs between the applied version and
/// `new`; the store then loads [`StoredData::status_counts`].
pub fn workflow_changed(applied: Option<&Applied>, new: &TypeDefinition) -> bool {
    applied.is_some_and(|a| a.definition.workflow_ref() != new.workflow_ref())
}

/// How many moves a workflow change lists by name before it only counts the rest.
const MAX_LISTED_MOVES: usize = 12;

/// The workflow part of a plan. Nothing here needs DDL: statuses live in the core
/// `tickets` table. Changes that would strand tickets (their state removed, or its
/// category changed under them, so their SLA clocks and queues would be wrong) are
/// refused until the tickets are moved; everything else is safe.
fn workflow_changes(
    old: &TypeDefinition,
    new: &TypeDefinition,
    data: &StoredData,
    p: &mut Planner,
) {
    let (old, new) = (old.workflow_ref(), new.workflow_ref());
    if old == new {
        return;
    }
    let in_state = |name: &str| data.status_counts.get(name).copied().unwrap_or(0);
    let tickets_in_it = |n: u64| {
        if n == 1 {
            "1 ticket is in it".to_string()
        } else {
            format!("{n} tickets are in it")
        }
    };
    let before = p.changes.len();
    for s in &old.states {
        match new.state(&s.name) {
            None => {
                let n = in_state(&s.name);
                if n > 0 {
                    p.change(
                        None,
                        format!(
                            "remove state `{}`: {}; move them first",
                            s.name,
                            tickets_in_it(n)
                        ),
                        Safety::Refused,
                    );
                } else {
                    p.change(
                        None,
                        format!("remove state `{}` (no ticket is in it)", s.name),
                        Safety::Safe,
                    );
                }
            }
            Some(t) if t.category != s.category => {
                let n = in_state(&s.name);
                let what = format!(
                    "change the category of state `{}` from {} to {}",
                    s.name,
                    s.category.as_str(),
                    t.category.as_str()
                );
                if n > 0 {
                    p.change(
                        None,
                        format!("{what}: {}; move them first", tickets_in_it(n)),
                        Safety::Refused,
                    );
                } else {
                    p.change(None, format!("{what} (no ticket is in it)"), Safety::Safe);
                }
            }
            Some(_) => {}
        }
    }
    for s in &new.states {
        match old.state(&s.name) {
            None => p.change(
                None,
                format!("add state `{}` ({})", s.name, s.category.as_str()),
                Safety::Safe,
            ),
            Some(o) if o.label != s.label => p.change(
                None,
                format!(
                    "relabel state `{}`: {}",
                    s.name,
                    s.label.as_deref().unwrap_or("(its name)")
                ),
                Safety::Safe,
            ),
            Some(_) => {}
        }
    }
    if old.initial != new.initial {
        p.change(
            None,
            format!(
                "new tickets start in `{}` (was `{}`)",
                new.initial, old.initial
            ),
            Safety::Safe,
        );
    }
    let old_moves = old.moves();
    let new_moves = new.moves();
    let listed = |moves: Vec<&(&str, &str)>| {
        let mut out: Vec<String> = moves
            .iter()
            .take(MAX_LISTED_MOVES)
            .map(|(f, t)| format!("{f} → {t}"))
            .collect();
        if moves.len() > MAX_LISTED_MOVES {
            out.push(format!("and {} more", moves.len() - MAX_LISTED_MOVES));
        }
        out.join(", ")
    };
    let added: Vec<&(&str, &str)> = new_moves
        .iter()
        .filter(|m| !old_moves.contains(m))
        .collect();
    // Moves from removed states went with their state.
    let removed: Vec<&(&str, &str)> = old_moves
        .iter()
        .filter(|m| !new_moves.contains(m) && new.state(m.0).is_some() && new.state(m.1).is_some())
        .collect();
    if !added.is_empty() {
        p.change(None, format!("allow moves {}", listed(added)), Safety::Safe);
    }
    if !removed.is_empty() {
        p.change(
            None,
            format!("no longer allow moves {}", listed(removed)),
            Safety::Safe,
        );
    }
    if p.changes.len() == before {
        let order = |w: &crate::workflow::Workflow| {
            w.states.iter().map(|s| s.name.clone()).collect::<Vec<_>>()
        };
        let summary = if order(old) != order(new) {
            "reorder the workflow's states"
        } else {
            "restate the workflow's transitions (the same moves are allowed)"
        };
        p.change(None, summary.into(), Safety::Safe);
    }
}

#[derive(Default)]
struct Planner {
    changes: Vec<Change>,
    steps: Vec<Step>,
}

impl Planner {
    fn change(&mut self, field: Option<&str>, summary: String, safety: Safety) {
        self.changes.push(Change {
            field: field.map(str::to_string),
            summary,
            safety,
            blocking_tickets: Vec::new(),
        });
    }

    fn blocked(
        &mut self,
        field: Option<&str>,
        summary: String,
        safety: Safety,
        mut keys: Vec<String>,
    ) {
        keys.truncate(MAX_BLOCKING);
        self.changes.push(Change {
            field: field.map(str::to_string),
            summary,
            safety,
            blocking_tickets: keys,
        });
    }

    fn finish(
        mut self,
        new: &TypeDefinition,
        applied: Option<&Applied>,
        columns: Vec<ColumnState>,
        data: &StoredData,
    ) -> Plan {
        let noop = applied.is_some_and(|a| a.definition == *new);
        // Index builds and value copies touch every stored ticket; the rest is instant.
        let heavy = self
            .steps
            .iter()
            .filter(|s| matches!(s, Step::CreateIndex { .. } | Step::ConvertCopy { .. }))
            .count();
        let expected_seconds = if noop || data.rows_per_second <= 0.0 {
            0.0
        } else {
            heavy as f64 * data.ticket_count as f64 / data.rows_per_second
        };
        if !noop && self.changes.is_empty() {
            // Something differs that has no effect on data (key order, annotations).
            self.change(
                None,
                "update the definition (no effect on stored data)".into(),
                Safety::Safe,
            );
        }
        Plan {
            slug: new.slug.clone(),
            from_version: applied.map(|a| a.version),
            to_version: applied.map(|a| a.version + 1).unwrap_or(1),
            noop,
            safety: self
                .changes
                .iter()
                .map(|c| c.safety)
                .max()
                .unwrap_or(Safety::Safe),
            changes: if noop { Vec::new() } else { self.changes },
            steps: if noop { Vec::new() } else { self.steps },
            columns,
            expected_seconds,
        }
    }
}

#[cfg(test)]
mod tests;
