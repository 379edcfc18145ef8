//! Workflows in type files: inline workflows parse from YAML and JSON, their mistakes are
//! placed like every other type-file error, and they survive an export.

use std::path::Path;

use docket_core::ticket::StatusCategory;
use docket_core::typedef::{Syntax, TypeDefinition, TypeFileError};
use docket_core::workflow::Workflow;
use serde_json::json;

const HEAD: &str = "slug: repairs\nname: Repairs\nkey_prefix: RP\n";
const SCHEMA: &str = "schema:\n  type: object\n  properties:\n    a: {type: string}\n";

/// Line 4 onwards of every YAML document below.
const WORKFLOW: &str = "\
workflow:
  initial: new
  states:
    - {name: new, category: new}
    - name: fixing
      category: open
      label: Being fixed
    - {name: done, category: solved}
  transitions:
    - {from: new, to: fixing}
    - from: [fixing]
      to: done
    - {from: '*', to: fixing}
";

fn yaml(workflow: &str) -> String {
    format!("{HEAD}{workflow}{SCHEMA}")
}

fn errors(text: &str, syntax: Syntax) -> Vec<TypeFileError> {
    TypeDefinition::parse(text, syntax, Some("t"))
        .expect_err("the file has a problem")
        .0
}

fn expected() -> Workflow {
    serde_json::from_value(json!({
        "initial": "new",
        "states": [
            {"name": "new", "category": "new"},
            {"name": "fixing", "category": "open", "label": "Being fixed"},
            {"name": "done", "category": "solved"}
        ],
        "transitions": [
            {"from": ["new"], "to": "fixing"},
            {"from": ["fixing"], "to": "done"},
            {"from": ["*"], "to": "fixing"}
        ]
    }))
    .unwrap()
}

#[test]
fn inline_workflow_parses_from_yaml() {
    let def = TypeDefinition::parse(&yaml(WORKFLOW), Syntax::Yaml, None).unwrap();
    assert_eq!(def.workflow, Some(expected()));
    assert_eq!(def.workflow(), expected());
    assert_eq!(
        def.workflow().category("fixing"),
        Some(StatusCategory::Open)
    );
    assert_eq!(def.workflow().allowed_from("done"), ["fixing"]);
}

#[test]
fn inline_workflow_parses_from_json() {
    let value = json!({
        "slug": "repairs", "name": "Repairs", "key_prefix": "RP",
        "workflow": {
            "initial": "new",
            "states": [
                {"name": "new", "category": "new"},
                {"name": "fixing", "category": "open", "label": "Being fixed"},
                {"name": "done", "category": "solved"}
            ],
            "transitions": [
                {"from": "new", "to": "fixing"},
                {"from": ["fixing"], "to": "done"},
                {"from": "*", "to": "fixing"}
            ]
        },
        "schema": {"type": "object", "properties": {"a": {"type": "string"}}}
    });
    let text = serde_json::to_string_pretty(&value).unwrap();
    let def = TypeDefinition::parse(&text, Syntax::Json, None).unwrap();
    assert_eq!(def.workflow, Some(expected()));
    // The API path: a JSON value, no positions.
    let def = TypeDefinition::check_value(value).unwrap();
    assert_eq!(def.workflow, Some(expected()));
}

#[test]
fn default_and_absent_mean_the_default_workflow() {
    let named = TypeDefinition::parse(&yaml("workflow: default\n"), Syntax::Yaml, None).unwrap();
    let absent = TypeDefinition::parse(&yaml(""), Syntax::Yaml, None).unwrap();
    assert_eq!(named.workflow, None);
    assert_eq!(named, absent);
    assert_eq!(named.workflow(), Workflow::default_workflow());
    assert!(!named.to_yaml().contains("workflow"));
    // Stored definitions from before inline workflows say "default".
    let stored: TypeDefinition = serde_json::from_value(json!({
        "slug": "it", "name": "IT", "key_prefix": "IT", "workflow": "default",
        "schema": {"type": "object", "properties": {}}
    }))
    .unwrap();
    assert_eq!(stored.workflow, None);
}

#[test]
fn another_workflow_name_is_refused_clearly() {
    let errs = errors(&yaml("workflow: kanban\n"), Syntax::Yaml);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!((errs[0].line, errs[0].column), (4, 11));
    assert_eq!(errs[0].pointer, "/workflow");
    assert!(
        errs[0]
            .message
            .starts_with("unknown workflow `kanban`: the only named workflow is `default`"),
        "{}",
        errs[0].message
    );
}

#[test]
fn unknown_to_state_is_placed_in_yaml() {
    let bad = WORKFLOW.replace("to: done", "to: finished");
    let errs = errors(&yaml(&bad), Syntax::Yaml);
    // `done` is then unreachable too: both are reported, each at its place.
    let to = errs
        .iter()
        .find(|e| e.pointer == "/workflow/transitions/1/to")
        .unwrap_or_else(|| panic!("{errs:?}"));
    assert_eq!((to.line, to.column), (15, 11), "{to}");
    assert_eq!(
        to.message,
        "`finished` is not a state of the workflow; its states are new, fixing, done"
    );
    assert_eq!(to.file.as_deref(), Some("t"));
    let unreachable = errs
        .iter()
        .find(|e| e.pointer == "/workflow/states/2")
        .unwrap_or_else(|| panic!("{errs:?}"));
    assert_eq!(unreachable.line, 11, "{unreachable}");
    assert_eq!(errs.len(), 2, "{errs:?}");
}

#[test]
fn unknown_to_state_is_placed_in_json() {
    let text = r#"{
  "slug": "repairs", "name": "Repairs", "key_prefix": "RP",
  "workflow": {
    "initial": "new",
    "states": [
      {"name": "new", "category": "new"},
      {"name": "done", "category": "solved"}
    ],
    "transitions": [
      {"from": "new", "to": "done"},
      {"from": "done", "to": "nowhere"}
    ]
  },
  "schema": {"type": "object", "properties": {}}
}
"#;
    let errs = errors(text, Syntax::Json);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].pointer, "/workflow/transitions/1/to");
    assert_eq!((errs[0].line, errs[0].column), (11, 30), "{}", errs[0]);
}

#[test]
fn shape_mistakes_are_placed_and_all_reported() {
    let bad = "\
workflow:
  initial: new
  states:
    - {name: new, category: new}
    - {name: Fixing, category: open}
    - {name: done, category: finished}
    - {name: gone, category: closed, colour: red}
  transitions:
    - {from: new, to: Fixing}
";
    let errs = errors(&yaml(bad), Syntax::Yaml);
    let all: Vec<String> = errs
        .iter()
        .map(|e| format!("{}:{} {} {}", e.line, e.column, e.pointer, e.message))
        .collect();
    let has =
        |line: usize, pointer: &str| errs.iter().any(|e| e.line == line && e.pointer == pointer);
    assert!(has(8, "/workflow/states/1/name"), "{all:#?}");
    assert!(has(9, "/workflow/states/2/category"), "{all:#?}");
    assert!(has(10, "/workflow/states/3"), "{all:#?}");
}

#[test]
fn workflow_rules_are_placed() {
    let bad = "\
workflow:
  initial: done
  states:
    - {name: new, category: new}
    - {name: done, category: solved}
    - {name: done, category: closed}
  transitions:
    - {from: [new, nope], to: done}
    - {from: done, to: done}
";
    let errs = errors(&yaml(bad), Syntax::Yaml);
    let at = |pointer: &str| {
        errs.iter()
            .find(|e| e.pointer == pointer)
            .map(|e| (e.line, e.column, e.message.clone()))
            .unwrap_or_else(|| panic!("nothing at {pointer}: {errs:#?}"))
    };
    let (line, column, message) = at("/workflow/initial");
    assert_eq!((line, column), (5, 12));
    assert!(message.contains("category `solved`"), "{message}");
    assert_eq!(at("/workflow/states/2/name").0, 9);
    assert!(at("/workflow/states/2/name").2.contains("declared twice"));
    assert_eq!(at("/workflow/transitions/0/from/1").0, 11);
    // A single `from` string: the pointer names its first entry, placed at the string.
    let (line, column, message) = at("/workflow/transitions/1/from/0");
    assert_eq!((line, column), (12, 14));
    assert!(message.contains("to itself"), "{message}");
    // `new` cannot be reached from `done`.
    assert_eq!(at("/workflow/states/0").0, 7);
}

#[test]
fn inline_workflow_round_trips_through_to_yaml() {
    let def = TypeDefinition::parse(&yaml(WORKFLOW), Syntax::Yaml, None).unwrap();
    let text = def.to_yaml();
    assert!(text.contains("workflow:"), "{text}");
    let back =
        TypeDefinition::parse(&text, Syntax::Yaml, None).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(back, def, "{text}");
    // And through the API's JSON.
    let value = serde_json::to_value(&def).unwrap();
    assert_eq!(value["workflow"]["transitions"][0]["from"], json!(["new"]));
    assert_eq!(TypeDefinition::check_value(value).unwrap(), def);
}

#[test]
fn shipped_equipment_type_has_its_own_workflow() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ticket-types/equipment_maintenance.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let def = TypeDefinition::parse(&text, Syntax::Yaml, None).unwrap_or_else(|e| panic!("{e}"));
    let w = def.workflow.clone().expect("an inline workflow");
    assert!(w.check("/workflow").is_empty());
    assert_eq!(
        w.state_names(),
        [
            "new",
            "scheduled",
            "in_repair",
            "waiting_parts",
            "repaired",
            "closed"
        ]
    );
    assert_eq!(w.initial, "new");
    assert_eq!(w.category("waiting_parts"), Some(StatusCategory::Pending));
    assert_eq!(w.check_transition("repaired", "in_repair"), Ok(()));
    assert!(w.check_transition("closed", "in_repair").is_err());
    let back = TypeDefinition::parse(&def.to_yaml(), Syntax::Yaml, None).unwrap();
    assert_eq!(back, def);
    // The other shipped types keep the default workflow.
    for slug in [
        "it_support",
        "complaint",
        "admin_request",
        "discord_support",
    ] {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../ticket-types/{slug}.yaml"));
        let text = std::fs::read_to_string(path).unwrap();
        let def = TypeDefinition::parse(&text, Syntax::Yaml, None).unwrap();
        assert_eq!(def.workflow, None, "{slug}");
    }
}

#[test]
fn the_default_workflow_written_out_as_in_the_admin_guide() {
    let written = "\
workflow:
  initial: new
  states:
    - {name: new, category: new}
    - {name: open, category: open}
    - {name: pending, category: pending}
    - {name: solved, category: solved}
    - {name: closed, category: closed}
  transitions:
    - {from: [new, pending, solved, closed], to: open}
    - {from: [new, open], to: pending}
    - {from: [new, open, pending], to: solved}
    - {from: [new, open, pending, solved], to: closed}
";
    let def = TypeDefinition::parse(&yaml(written), Syntax::Yaml, None).unwrap();
    assert_eq!(def.workflow, Some(Workflow::default_workflow()));
}
