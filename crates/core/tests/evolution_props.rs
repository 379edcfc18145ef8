//! Property test of the planner: for random types, random stored data and random edits
//! (keep, rename, swap, change kind, remove, add, restore), simulate the plan's steps on
//! an in-memory table and check that no value a kept field held is lost or altered,
//! and that the table ends with exactly the columns the plan says.

use std::collections::BTreeMap;

use docket_core::convert::convert;
use docket_core::evolution::{Applied, Safety, Step, StoredData, plan};
use docket_core::fields::ColumnKind;
use docket_core::typedef::TypeDefinition;
use proptest::prelude::*;
use serde_json::{Value, json};

const NAMES: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];
const ROWS: usize = 4;

#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Integer,
    Number,
}

impl Kind {
    fn schema(self) -> Value {
        match self {
            Kind::Text => json!({"type": "string"}),
            Kind::Integer => json!({"type": "integer"}),
            Kind::Number => json!({"type": "number"}),
        }
    }
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![Just(Kind::Text), Just(Kind::Integer), Just(Kind::Number)]
}

/// What happens to an existing field.
#[derive(Debug, Clone)]
enum Edit {
    Keep,
    Remove,
    ChangeKind(Kind),
    /// Rename to the name at this index of the unused names.
    Rename(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => Just(Edit::Keep),
        1 => Just(Edit::Remove),
        1 => kind().prop_map(Edit::ChangeKind),
        2 => (0usize..8).prop_map(Edit::Rename),
    ]
}

fn definition(fields: &[(String, Value)]) -> TypeDefinition {
    let properties: serde_json::Map<String, Value> = fields.iter().cloned().collect();
    TypeDefinition::check_value(json!({
        "slug": "t", "name": "T", "key_prefix": "T",
        "schema": {"type": "object", "properties": properties}
    }))
    .expect("generated definitions are valid")
}

fn value_for(kind: Kind, seed: u8) -> Value {
    match (kind, seed % 4) {
        (_, 0) => Value::Null,
        (Kind::Text, 1) => json!("12"),
        (Kind::Text, 2) => json!("word"),
        (Kind::Text, _) => json!("3.5"),
        (Kind::Integer, s) => json!(s as i64 * 7),
        (Kind::Number, 1) => json!(2.0),
        (Kind::Number, s) => json!(s as f64 + 0.25),
    }
}

type Table = BTreeMap<String, (ColumnKind, Vec<Value>)>;

fn simulate(table: &mut Table, steps: &[Step]) {
    for step in steps {
        match step {
            Step::CreateTable { .. } => unreachable!("the type exists"),
            Step::AddColumn { column, kind } => {
                assert!(
                    !table.contains_key(column),
                    "add of existing column {column}"
                );
                table.insert(column.clone(), (*kind, vec![Value::Null; ROWS]));
            }
            Step::RenameColumn { from, to } => {
                assert!(!table.contains_key(to), "rename onto existing column {to}");
                let col = table.remove(from).expect("rename of a missing column");
                table.insert(to.clone(), col);
            }
            Step::DropColumn { column } => {
                table.remove(column).expect("drop of a missing column");
            }
            Step::ConvertCopy {
                from,
                to,
                from_kind,
                to_kind,
            } => {
                let values = table[from].1.clone();
                let target = table.get_mut(to).expect("copy target exists");
                for (i, v) in values.iter().enumerate() {
                    target.1[i] = convert(v, *from_kind, *to_kind)
                        .expect("the plan said every value converts");
                }
            }
            Step::Backfill { column, value, .. } => {
                for v in &mut table.get_mut(column).unwrap().1 {
                    if v.is_null() {
                        *v = value.clone();
                    }
                }
            }
            Step::CreateIndex { .. } | Step::DropIndex { .. } => {}
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn plans_never_lose_kept_data(
        old_kinds in proptest::collection::vec(kind(), 1..6),
        seeds in proptest::collection::vec(any::<u8>(), 6 * ROWS),
        edits in proptest::collection::vec(edit(), 6),
        added in proptest::collection::vec(kind(), 0..2),
        swap in any::<bool>(),
    ) {
        // The applied type and its stored data.
        let old_fields: Vec<(String, Kind)> = old_kinds.iter().enumerate().map(|(i, k)| (NAMES[i].to_string(), *k)).collect();
        let old_def = definition(&old_fields.iter().map(|(n, k)| (n.clone(), k.schema())).collect::<Vec<_>>());
        let applied = Applied {
            version: 1,
            definition: old_def.clone(),
            columns: plan(None, &old_def, &StoredData::default()).columns,
        };
        let mut table: Table = BTreeMap::new();
        let mut data = StoredData { ticket_count: ROWS as u64, sample_keys: (0..ROWS).map(|r| format!("T-{r}")).collect(), ..Default::default() };
        for (i, (name, k)) in old_fields.iter().enumerate() {
            let values: Vec<Value> = (0..ROWS).map(|r| value_for(*k, seeds[i * ROWS + r])).collect();
            let col_kind = docket_core::fields::kind_of(&k.schema());
            data.values.insert(name.clone(), values.iter().enumerate().map(|(r, v)| (format!("T-{r}"), v.clone())).collect());
            table.insert(name.clone(), (col_kind, values));
        }

        // The edit: each old field kept, removed, retyped or renamed; maybe a swap of the
        // first two; maybe new fields.
        let mut unused: Vec<&str> = NAMES[old_fields.len()..].to_vec();
        let mut new_fields: Vec<(String, Value)> = Vec::new();
        // expected: new field name -> (old column, new kind)
        let mut expected: Vec<(String, String, ColumnKind)> = Vec::new();
        let do_swap = swap && old_fields.len() >= 2;
        for (i, (name, k)) in old_fields.iter().enumerate() {
            if do_swap && i < 2 {
                let (other, other_kind) = &old_fields[1 - i];
                let mut s = k.schema();
                s["x-renamed-from"] = json!(name);
                new_fields.push((other.clone(), s));
                let _ = other_kind;
                expected.push((other.clone(), name.clone(), docket_core::fields::kind_of(&k.schema())));
                continue;
            }
            match &edits[i] {
                Edit::Keep => {
                    new_fields.push((name.clone(), k.schema()));
                    expected.push((name.clone(), name.clone(), docket_core::fields::kind_of(&k.schema())));
                }
                Edit::Remove => {}
                Edit::ChangeKind(nk) => {
                    new_fields.push((name.clone(), nk.schema()));
                    expected.push((name.clone(), name.clone(), docket_core::fields::kind_of(&nk.schema())));
                }
                Edit::Rename(j) if !unused.is_empty() => {
                    let to = unused.remove(j % unused.len()).to_string();
                    let mut s = k.schema();
                    s["x-renamed-from"] = json!(name);
                    new_fields.push((to.clone(), s));
                    expected.push((to, name.clone(), docket_core::fields::kind_of(&k.schema())));
                }
                Edit::Rename(_) => {
                    new_fields.push((name.clone(), k.schema()));
                    expected.push((name.clone(), name.clone(), docket_core::fields::kind_of(&k.schema())));
                }
            }
        }
        for k in &added {
            if let Some(n) = unused.pop() {
                new_fields.push((n.to_string(), k.schema()));
            }
        }
        let new_def = definition(&new_fields);
        let p = plan(Some(&applied), &new_def, &data);
        if p.safety == Safety::Refused {
            // Refused only for a reason the data gives: some kind change does not convert.
            prop_assert!(p.changes.iter().any(|c| c.safety == Safety::Refused && !c.blocking_tickets.is_empty()), "{:?}", p.changes);
            return Ok(());
        }
        let before = table.clone();
        simulate(&mut table, &p.steps);

        // Every kept field holds exactly its old values, converted to its new kind.
        for (field, source, new_kind) in &expected {
            let (old_kind, old_values) = &before[source];
            let (kind, values) = &table[field];
            prop_assert_eq!(kind, new_kind);
            for (r, v) in old_values.iter().enumerate() {
                prop_assert_eq!(&values[r], &convert(v, *old_kind, *new_kind).unwrap(), "{} row {}", field, r);
            }
        }
        // Removed fields keep their data in hidden columns.
        for (name, _) in &old_fields {
            if !expected.iter().any(|(_, s, _)| s == name) && !expected.iter().any(|(f, _, _)| f == name) {
                prop_assert_eq!(&table[name].1, &before[name].1, "removed field {} keeps its data", name);
                prop_assert!(p.columns.iter().any(|c| &c.name == name && c.hidden));
            }
        }
        // The plan's column list is the table.
        let planned: BTreeMap<&str, ColumnKind> = p.columns.iter().map(|c| (c.name.as_str(), c.kind)).collect();
        let actual: BTreeMap<&str, ColumnKind> = table.iter().map(|(n, (k, _))| (n.as_str(), *k)).collect();
        prop_assert_eq!(planned, actual);
    }
}
