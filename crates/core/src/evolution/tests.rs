use serde_json::{Value, json};

use super::*;
use crate::typedef::Syntax;

fn def(properties: &str, required: &[&str]) -> TypeDefinition {
    let text = format!(
        "slug: it\nname: IT\nkey_prefix: IT\nschema:\n  type: object\n  required: {}\n  properties:\n{}",
        serde_json::to_string(required).unwrap(),
        properties
            .lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    );
    TypeDefinition::parse(&text, Syntax::Yaml, None).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The state after applying `d` as a fresh type.
fn applied(d: &TypeDefinition) -> Applied {
    let p = plan(None, d, &StoredData::default());
    Applied {
        version: 1,
        definition: d.clone(),
        columns: p.columns,
    }
}

fn data(rows: &[(&str, &str, Value)]) -> StoredData {
    let mut d = StoredData {
        ticket_count: 0,
        ..Default::default()
    };
    let mut keys = std::collections::BTreeSet::new();
    for (key, col, v) in rows {
        keys.insert(key.to_string());
        d.values
            .entry(col.to_string())
            .or_default()
            .push((key.to_string(), v.clone()));
    }
    d.ticket_count = keys.len() as u64;
    d.sample_keys = keys.into_iter().collect();
    d
}

fn summaries(p: &Plan) -> String {
    p.changes
        .iter()
        .map(|c| format!("{:?}: {}", c.safety, c.summary))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn new_type_creates_table_and_indexes() {
    let d = def("a: {type: string, x-index: true}\nb: {type: integer}", &[]);
    let p = plan(None, &d, &StoredData::default());
    assert_eq!(p.safety, Safety::Safe);
    assert_eq!(p.to_version, 1);
    assert!(matches!(&p.steps[0], Step::CreateTable { columns } if columns.len() == 2));
    assert_eq!(
        p.steps[1],
        Step::CreateIndex {
            index: ExtIndex::of_field("a")
        }
    );
}

#[test]
fn identical_definition_is_a_noop() {
    let d = def("a: {type: string}", &[]);
    let p = plan(Some(&applied(&d)), &d, &StoredData::default());
    assert!(p.noop && p.steps.is_empty() && p.changes.is_empty());
}

#[test]
fn add_optional_and_required_with_default() {
    let old = def("a: {type: string}", &[]);
    let new = def(
        "a: {type: string}\nb: {type: string}\nc: {type: integer, default: 1}",
        &["c"],
    );
    let a = applied(&old);
    let p = plan(Some(&a), &new, &data(&[("IT-1", "a", json!("x"))]));
    assert_eq!(p.safety, Safety::Safe, "{}", summaries(&p));
    assert!(p.steps.contains(&Step::AddColumn {
        column: "b".into(),
        kind: ColumnKind::Text
    }));
    assert!(p.steps.contains(&Step::Backfill {
        column: "c".into(),
        kind: ColumnKind::Integer,
        value: json!(1)
    }));
}

#[test]
fn required_without_default_on_data_is_destructive() {
    let old = def("a: {type: string}", &[]);
    let new = def("a: {type: string}\nb: {type: string}", &["b"]);
    let p = plan(
        Some(&applied(&old)),
        &new,
        &data(&[("IT-1", "a", json!("x"))]),
    );
    assert_eq!(p.safety, Safety::Destructive, "{}", summaries(&p));
    assert_eq!(
        p.changes
            .iter()
            .find(|c| c.safety == Safety::Destructive)
            .unwrap()
            .blocking_tickets,
        vec!["IT-1"]
    );
    // Without stored tickets nothing lacks the value.
    let p = plan(Some(&applied(&old)), &new, &StoredData::default());
    assert_eq!(p.safety, Safety::Safe);
}

#[test]
fn enum_value_added_is_safe_and_removed_in_use_is_destructive() {
    let old = def("d: {type: string, enum: [a, b]}", &[]);
    let added = def("d: {type: string, enum: [a, b, c]}", &[]);
    let a = applied(&old);
    let rows = data(&[("IT-1", "d", json!("a")), ("IT-2", "d", json!("b"))]);
    let p = plan(Some(&a), &added, &rows);
    assert_eq!(p.safety, Safety::Safe);
    assert!(
        p.steps.is_empty(),
        "no DDL for an enum value: {:?}",
        p.steps
    );
    assert!(
        summaries(&p).contains("enum values added: \"c\""),
        "{}",
        summaries(&p)
    );
    let removed_unused = def("d: {type: string, enum: [a, b]}", &[]);
    let p = plan(Some(&applied(&added)), &removed_unused, &rows);
    assert_eq!(p.safety, Safety::Safe, "{}", summaries(&p));
    let removed_used = def("d: {type: string, enum: [a]}", &[]);
    let p = plan(Some(&a), &removed_used, &rows);
    assert_eq!(p.safety, Safety::Destructive);
    assert_eq!(p.changes[0].blocking_tickets, vec!["IT-2"]);
}

#[test]
fn widening_integer_to_number_is_add_copy_drop() {
    let old = def("n: {type: integer}", &[]);
    let new = def("n: {type: number}", &[]);
    let p = plan(
        Some(&applied(&old)),
        &new,
        &data(&[("IT-1", "n", json!(3)), ("IT-2", "n", Value::Null)]),
    );
    assert_eq!(p.safety, Safety::Safe, "{}", summaries(&p));
    let ops: Vec<&str> = p
        .steps
        .iter()
        .map(|s| match s {
            Step::AddColumn { .. } => "add",
            Step::ConvertCopy { .. } => "copy",
            Step::DropColumn { .. } => "drop",
            Step::RenameColumn { .. } => "rename",
            _ => "other",
        })
        .collect();
    assert_eq!(ops, ["add", "copy", "drop", "rename"]);
    assert_eq!(p.columns[0].kind, ColumnKind::Number);
}

#[test]
fn kind_change_with_unconvertible_values_is_refused_naming_tickets() {
    let old = def("t: {type: string}", &[]);
    let new = def("t: {type: integer}", &[]);
    let rows = data(&[
        ("IT-1", "t", json!("12")),
        ("IT-2", "t", json!("twelve")),
        ("IT-3", "t", json!("1.5")),
    ]);
    let p = plan(Some(&applied(&old)), &new, &rows);
    assert_eq!(p.safety, Safety::Refused);
    assert_eq!(p.changes[0].blocking_tickets, vec!["IT-2", "IT-3"]);
    assert!(!p.applicable(true));
}

#[test]
fn narrowing_is_destructive_only_when_data_breaks_it() {
    let old = def("t: {type: string, maxLength: 100}", &[]);
    let new = def("t: {type: string, maxLength: 5}", &[]);
    let fits = data(&[("IT-1", "t", json!("short"))]);
    assert_eq!(plan(Some(&applied(&old)), &new, &fits).safety, Safety::Safe);
    let breaks = data(&[("IT-1", "t", json!("much too long"))]);
    let p = plan(Some(&applied(&old)), &new, &breaks);
    assert_eq!(p.safety, Safety::Destructive);
    assert!(p.applicable(true) && !p.applicable(false));
}

#[test]
fn rename_and_swap() {
    let old = def("a: {type: string}\nb: {type: string}", &[]);
    let renamed = def(
        "c: {type: string, x-renamed-from: a}\nb: {type: string}",
        &[],
    );
    let a = applied(&old);
    let p = plan(Some(&a), &renamed, &StoredData::default());
    assert_eq!(p.safety, Safety::Safe, "{}", summaries(&p));
    assert_eq!(
        p.steps,
        vec![
            Step::RenameColumn {
                from: "a".into(),
                to: "_docket_tmp_0".into()
            },
            Step::RenameColumn {
                from: "_docket_tmp_0".into(),
                to: "c".into()
            },
        ]
    );
    let swapped = def(
        "a: {type: string, x-renamed-from: b}\nb: {type: string, x-renamed-from: a}",
        &[],
    );
    let p = plan(Some(&a), &swapped, &StoredData::default());
    assert_eq!(p.safety, Safety::Safe, "{}", summaries(&p));
    assert_eq!(p.steps.len(), 4);
    assert!(p.columns.iter().all(|c| !c.hidden));
    // Applying the same file again does not swap back.
    let after = Applied {
        version: 2,
        definition: swapped.clone(),
        columns: p.columns.clone(),
    };
    assert!(plan(Some(&after), &swapped, &StoredData::default()).noop);
    let edited = def(
        "a: {type: string, x-renamed-from: b, title: A}\nb: {type: string, x-renamed-from: a}",
        &[],
    );
    let p = plan(Some(&after), &edited, &StoredData::default());
    assert!(p.steps.is_empty(), "{:?}", p.steps);
}

#[test]
fn removed_field_is_hidden_and_restored() {
    let old = def("a: {type: string}\nb: {type: string}", &[]);
    let removed = def("a: {type: string}", &[]);
    let a = applied(&old);
    let p = plan(Some(&a), &removed, &StoredData::default());
    assert_eq!(p.safety, Safety::Destructive);
    assert!(p.steps.is_empty(), "no column is dropped");
    assert!(p.columns.iter().any(|c| c.name == "b" && c.hidden));
    let after = Applied {
        version: 2,
        definition: removed,
        columns: p.columns,
    };
    let p = plan(Some(&after), &old, &data(&[("IT-1", "b", json!("kept"))]));
    assert_eq!(p.safety, Safety::Safe, "{}", summaries(&p));
    assert!(p.columns.iter().all(|c| !c.hidden));
    assert!(summaries(&p).contains("restore"));
}

#[test]
fn rename_onto_a_hidden_column_is_refused() {
    let old = def("a: {type: string}\nb: {type: string}", &[]);
    let removed = def("a: {type: string}", &[]);
    let p = plan(Some(&applied(&old)), &removed, &StoredData::default());
    let after = Applied {
        version: 2,
        definition: removed,
        columns: p.columns,
    };
    let clash = def("b: {type: string, x-renamed-from: a}", &[]);
    assert_eq!(
        plan(Some(&after), &clash, &StoredData::default()).safety,
        Safety::Refused
    );
}

#[test]
fn index_added_and_dropped() {
    let old = def("a: {type: string}", &[]);
    let indexed = def("a: {type: string, x-index: true}", &[]);
    let p = plan(Some(&applied(&old)), &indexed, &StoredData::default());
    assert_eq!(
        p.steps,
        vec![Step::CreateIndex {
            index: ExtIndex::of_field("a")
        }]
    );
    let p = plan(Some(&applied(&indexed)), &old, &StoredData::default());
    assert_eq!(
        p.steps,
        vec![Step::DropIndex {
            index: ExtIndex::of_field("a")
        }]
    );
}

#[test]
fn columns_to_inspect_names_only_what_changed() {
    let old = def(
        "a: {type: string}\nb: {type: integer}\nc: {type: string}",
        &[],
    );
    let new = def(
        "a: {type: string, title: A}\nb: {type: number}\nc: {type: string}",
        &["c"],
    );
    let cols = columns_to_inspect(Some(&applied(&old)), &new);
    assert_eq!(cols, vec!["b".to_string(), "c".to_string()]);
}

#[test]
fn cross_field_rules_are_checked_on_whole_tickets() {
    let text = |rule: &str| {
        format!(
            "slug: it\nname: IT\nkey_prefix: IT\nschema:\n  type: object\n{rule}  properties:\n    a: {{type: string}}\n    b: {{type: string}}\n"
        )
    };
    let parse = |t: String| TypeDefinition::parse(&t, Syntax::Yaml, None).unwrap();
    let old = parse(text(""));
    let new = parse(text("  dependentRequired: {a: [b]}\n"));
    let a = applied(&old);
    assert_eq!(
        columns_to_inspect(Some(&a), &new),
        vec!["a".to_string(), "b".to_string()]
    );
    let rows = data(&[
        ("IT-1", "a", json!("x")),
        ("IT-1", "b", json!("y")),
        ("IT-2", "a", json!("x")),
        ("IT-2", "b", Value::Null),
    ]);
    let p = plan(Some(&a), &new, &rows);
    assert_eq!(p.safety, Safety::Destructive, "{}", summaries(&p));
    assert_eq!(p.changes[0].blocking_tickets, vec!["IT-2"]);
    let fine = data(&[("IT-1", "a", json!("x")), ("IT-1", "b", json!("y"))]);
    assert_eq!(plan(Some(&a), &new, &fine).safety, Safety::Safe);
}

#[test]
fn a_change_without_effect_is_still_described() {
    let old = def("a: {type: string}", &[]);
    let mut new = old.clone();
    new.schema["$comment"] = json!("why a exists");
    let p = plan(Some(&applied(&old)), &new, &StoredData::default());
    assert!(!p.noop && !p.changes.is_empty());
}

#[test]
fn backfilled_defaults_count_for_cross_field_rules() {
    let text = |rule: &str, extra: &str, req: &str| {
        format!(
            "slug: it\nname: IT\nkey_prefix: IT\nschema:\n  type: object\n  required: [{req}]\n{rule}  properties:\n    a: {{type: string}}\n{extra}"
        )
    };
    let parse = |t: String| TypeDefinition::parse(&t, Syntax::Yaml, None).unwrap();
    let old = parse(text("", "    b: {type: string}\n", ""));
    let new = parse(text(
        "  dependentRequired: {a: [b]}\n",
        "    b: {type: string, default: none}\n",
        "b",
    ));
    let rows = data(&[("IT-1", "a", json!("x")), ("IT-1", "b", Value::Null)]);
    let p = plan(Some(&applied(&old)), &new, &rows);
    assert_eq!(p.safety, Safety::Safe, "{}", summaries(&p));
}

#[test]
fn a_refused_rename_shows_no_steps() {
    let old = def("a: {type: string}\nb: {type: string}", &[]);
    let removed = def("a: {type: string}", &[]);
    let p = plan(Some(&applied(&old)), &removed, &StoredData::default());
    let after = Applied {
        version: 2,
        definition: removed,
        columns: p.columns,
    };
    let clash = def("b: {type: string, x-renamed-from: a}", &[]);
    let p = plan(Some(&after), &clash, &StoredData::default());
    assert_eq!(p.safety, Safety::Refused);
    assert!(p.steps.is_empty(), "{:?}", p.steps);
    assert!(p.changes.iter().all(|c| c.safety == Safety::Refused));
}

#[test]
fn renaming_onto_a_field_that_stays_is_refused() {
    let old = def("a: {type: string}\nb: {type: string}", &[]);
    let new = def("a: {type: string, x-renamed-from: b}", &[]);
    let p = plan(Some(&applied(&old)), &new, &StoredData::default());
    assert_eq!(p.safety, Safety::Refused, "{}", summaries(&p));
    assert!(p.steps.is_empty());
    assert!(summaries(&p).contains("an existing field"));
}

// Workflows.

use crate::ticket::StatusCategory;
use crate::workflow::{Transition, Workflow, WorkflowState};

/// The equipment-style workflow: new -> scheduled -> in_repair <-> waiting_parts ->
/// repaired -> closed.
fn repair_workflow() -> Workflow {
    use StatusCategory::*;
    let state = |name: &str, category| WorkflowState {
        name: name.into(),
        category,
        label: None,
    };
    let t = |from: &[&str], to: &str| Transition {
        from: from.iter().map(|s| s.to_string()).collect(),
        to: to.into(),
    };
    Workflow {
        initial: "new".into(),
        states: vec![
            state("new", New),
            state("in_repair", Open),
            state("waiting_parts", Pending),
            state("repaired", Solved),
            state("closed", Closed),
        ],
        transitions: vec![
            t(&["new", "waiting_parts", "repaired"], "in_repair"),
            t(&["in_repair"], "waiting_parts"),
            t(&["in_repair", "waiting_parts"], "repaired"),
            t(&["*"], "closed"),
        ],
    }
}

fn with_workflow(w: Option<Workflow>) -> TypeDefinition {
    let mut d = def("a: {type: string}", &[]);
    d.workflow = w;
    d
}

fn counts(pairs: &[(&str, u64)]) -> StoredData {
    StoredData {
        ticket_count: pairs.iter().map(|(_, n)| n).sum(),
        status_counts: pairs.iter().map(|(s, n)| (s.to_string(), *n)).collect(),
        ..Default::default()
    }
}

#[test]
fn workflow_unchanged_is_a_noop_and_default_spelled_out_changes_nothing() {
    let d = with_workflow(Some(repair_workflow()));
    let p = plan(Some(&applied(&d)), &d, &counts(&[("new", 3)]));
    assert!(p.noop);
    // The default workflow written out equals the default: no workflow change is listed.
    let old = with_workflow(None);
    let new = with_workflow(Some(Workflow::default_workflow()));
    assert!(!workflow_changed(Some(&applied(&old)), &new));
    let p = plan(Some(&applied(&old)), &new, &StoredData::default());
    assert_eq!(p.safety, Safety::Safe);
    assert!(!summaries(&p).contains("state"), "{}", summaries(&p));
    assert!(p.steps.is_empty());
}

#[test]
fn adding_states_and_transitions_and_relabelling_are_safe() {
    let old = with_workflow(Some(repair_workflow()));
    let mut w = repair_workflow();
    w.states.insert(
        1,
        WorkflowState {
            name: "scheduled".into(),
            category: StatusCategory::Open,
            label: Some("Scheduled".into()),
        },
    );
    w.transitions.push(Transition {
        from: vec!["new".into()],
        to: "scheduled".into(),
    });
    w.transitions.push(Transition {
        from: vec!["scheduled".into()],
        to: "in_repair".into(),
    });
    w.states[3].label = Some("Waiting for parts".into());
    let new = with_workflow(Some(w));
    let a = applied(&old);
    assert!(workflow_changed(Some(&a), &new));
    let p = plan(
        Some(&a),
        &new,
        &counts(&[("in_repair", 4), ("waiting_parts", 2)]),
    );
    let s = summaries(&p);
    assert_eq!(p.safety, Safety::Safe, "{s}");
    assert!(p.steps.is_empty(), "no DDL for workflows");
    assert!(s.contains("add state `scheduled` (open)"), "{s}");
    assert!(
        s.contains("relabel state `waiting_parts`: Waiting for parts"),
        "{s}"
    );
    assert!(
        s.contains("allow moves new → scheduled, scheduled → in_repair"),
        "{s}"
    );
}

#[test]
fn removing_transitions_is_safe() {
    let old = with_workflow(Some(repair_workflow()));
    let mut w = repair_workflow();
    w.transitions[0].from.retain(|f| f != "repaired");
    let p = plan(
        Some(&applied(&old)),
        &with_workflow(Some(w)),
        &counts(&[("repaired", 9)]),
    );
    assert_eq!(p.safety, Safety::Safe, "{}", summaries(&p));
    assert!(
        summaries(&p).contains("no longer allow moves repaired → in_repair"),
        "{}",
        summaries(&p)
    );
}

#[test]
fn removing_a_state_tickets_are_in_is_refused_with_the_count() {
    let old = with_workflow(Some(repair_workflow()));
    let mut w = repair_workflow();
    w.states.retain(|s| s.name != "waiting_parts");
    w.transitions[0].from.retain(|f| f != "waiting_parts");
    w.transitions[2].from.retain(|f| f != "waiting_parts");
    w.transitions.remove(1);
    let new = with_workflow(Some(w));
    assert!(new.workflow().check("").is_empty());
    let a = applied(&old);
    let p = plan(Some(&a), &new, &counts(&[("new", 1), ("waiting_parts", 3)]));
    assert_eq!(p.safety, Safety::Refused, "{}", summaries(&p));
    assert!(
        summaries(&p)
            .contains("remove state `waiting_parts`: 3 tickets are in it; move them first"),
        "{}",
        summaries(&p)
    );
    assert!(!p.applicable(true), "refused even when forced");
    let p = plan(Some(&a), &new, &counts(&[("waiting_parts", 1)]));
    assert!(
        summaries(&p).contains("1 ticket is in it"),
        "{}",
        summaries(&p)
    );
    // No ticket in it: safe.
    let p = plan(Some(&a), &new, &counts(&[("new", 5), ("closed", 2)]));
    assert_eq!(p.safety, Safety::Safe, "{}", summaries(&p));
    assert!(
        summaries(&p).contains("remove state `waiting_parts` (no ticket is in it)"),
        "{}",
        summaries(&p)
    );
}

#[test]
fn recategorising_a_state_tickets_are_in_is_refused() {
    let old = with_workflow(Some(repair_workflow()));
    let mut w = repair_workflow();
    w.states[2].category = StatusCategory::Open;
    let new = with_workflow(Some(w));
    let a = applied(&old);
    let p = plan(Some(&a), &new, &counts(&[("waiting_parts", 2)]));
    assert_eq!(p.safety, Safety::Refused, "{}", summaries(&p));
    assert!(
        summaries(&p).contains(
            "change the category of state `waiting_parts` from pending to open: 2 tickets are in it; move them first"
        ),
        "{}",
        summaries(&p)
    );
    let p = plan(Some(&a), &new, &counts(&[("in_repair", 2)]));
    assert_eq!(p.safety, Safety::Safe, "{}", summaries(&p));
}

#[test]
fn switching_from_the_default_workflow_checks_the_default_states() {
    let old = with_workflow(None);
    let new = with_workflow(Some(repair_workflow()));
    let a = applied(&old);
    assert!(workflow_changed(Some(&a), &new));
    let p = plan(
        Some(&a),
        &new,
        &counts(&[("new", 2), ("open", 4), ("solved", 1), ("closed", 7)]),
    );
    let s = summaries(&p);
    assert_eq!(p.safety, Safety::Refused, "{s}");
    assert!(
        s.contains("Refused: remove state `open`: 4 tickets are in it"),
        "{s}"
    );
    assert!(
        s.contains("Refused: remove state `solved`: 1 ticket is in it"),
        "{s}"
    );
    assert!(
        s.contains("Safe: remove state `pending` (no ticket is in it)"),
        "{s}"
    );
    assert!(s.contains("add state `in_repair` (open)"), "{s}");
    // A fresh type: nothing to strand.
    let p = plan(Some(&a), &new, &StoredData::default());
    assert_eq!(p.safety, Safety::Safe, "{}", summaries(&p));
}

/// `def` with `indexes:` appended.
fn with_indexes(properties: &str, indexes: &str) -> TypeDefinition {
    let mut d = def(properties, &[]);
    d.indexes = serde_json::from_str(indexes).unwrap();
    d
}

#[test]
fn declared_indexes_are_built_last_and_dropped_first() {
    let fields = "a: {type: string}\nb: {type: integer}";
    let old = def(fields, &[]);
    let new = with_indexes(fields, r#"[{"fields": ["a", "-b"]}]"#);
    let data = StoredData {
        ticket_count: 1_000_000,
        rows_per_second: 500_000.0,
        ..StoredData::default()
    };
    let p = plan(Some(&applied(&old)), &new, &data);
    let index = ExtIndex::declared(&new.indexes[0]);
    assert_eq!(
        p.steps,
        vec![Step::CreateIndex {
            index: index.clone()
        }]
    );
    assert_eq!(p.safety, Safety::Safe);
    assert!(
        p.changes[0].summary.contains("a, b desc, ticket_id desc"),
        "{:?}",
        p.changes
    );
    assert_eq!(p.expected_seconds, 2.0);

    // Converting a column the index reads: the index goes before the copy and comes back.
    let converted = with_indexes(
        "a: {type: string}\nb: {type: number}",
        r#"[{"fields": ["a", "-b"]}]"#,
    );
    let p = plan(Some(&applied_after(&old, &new)), &converted, &data);
    assert_eq!(
        p.steps.first(),
        Some(&Step::DropIndex {
            index: index.clone()
        })
    );
    assert_eq!(p.steps.last(), Some(&Step::CreateIndex { index }));
    assert!(
        p.steps
            .iter()
            .any(|s| matches!(s, Step::ConvertCopy { .. }))
    );

    // Removed from the file: dropped, nothing else.
    let p = plan(Some(&applied_after(&old, &new)), &old, &data);
    assert!(matches!(p.steps.as_slice(), [Step::DropIndex { .. }]));
    assert_eq!(p.expected_seconds, 0.0);
}

#[test]
fn a_declaration_equal_to_a_field_index_is_built_once() {
    let d = with_indexes("a: {type: string, x-index: true}", r#"[{"fields": ["a"]}]"#);
    let p = plan(None, &d, &StoredData::default());
    let creates = p
        .steps
        .iter()
        .filter(|s| matches!(s, Step::CreateIndex { .. }))
        .count();
    assert_eq!(creates, 1);
}

/// The state after applying `old` and then `new`.
fn applied_after(old: &TypeDefinition, new: &TypeDefinition) -> Applied {
    let first = applied(old);
    let p = plan(Some(&first), new, &StoredData::default());
    Applied {
        version: first.version + 1,
        definition: new.clone(),
        columns: p.columns,
    }
}
