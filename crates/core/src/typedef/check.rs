//! The checks a type file passes before anything is planned: size, syntax, meta-schema,
//! identifiers, references, and that its schema compiles.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use jsonschema::Validator;
use regex::Regex;
use serde_json::Value;

use super::FieldError;
use super::source::{self, SourceMap, Syntax, escape_pointer};
use super::{META_SCHEMA, TypeDefinition, TypeFileError, TypeFileErrors};
use crate::fields::{ColumnKind, compile_fields, resolved_property};
use crate::workflow::{Workflow, unknown_named_workflow};

/// Type files larger than this are refused before they are parsed.
pub const MAX_TYPE_FILE_BYTES: usize = 256 * 1024;

/// Names a field may not take: the extension table's key, and the system columns of
/// PostgreSQL and SQLite that a user column would collide with.
pub const RESERVED_FIELD_NAMES: &[&str] = &[
    "id",
    "ticket_id",
    "oid",
    "rowid",
    "ctid",
    "xmin",
    "xmax",
    "cmin",
    "cmax",
    "tableoid",
];

/// Docket's own schema keywords; any other `x-` keyword is a typo. They apply to fields
/// (the top-level properties) only.
const DOCKET_KEYWORDS: &[&str] = &["x-index", "x-searchable", "x-renamed-from"];

/// Every keyword of JSON Schema 2020-12 (core, applicators, validation, formats, content,
/// annotations). Anything else in a type schema is almost always a typo (`maxLenght`)
/// that would silently validate nothing, so it is refused.
const SCHEMA_KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$ref",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$vocabulary",
    "$comment",
    "$defs",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "dependentSchemas",
    "prefixItems",
    "items",
    "contains",
    "properties",
    "patternProperties",
    "additionalProperties",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "type",
    "enum",
    "const",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxContains",
    "minContains",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    "format",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "examples",
];

/// The formats JSON Schema 2020-12 defines; Docket's validator asserts them.
const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "email",
    "idn-email",
    "hostname",
    "idn-hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uuid",
    "uri-template",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

pub fn is_identifier(name: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new("^[a-z][a-z0-9_]{0,62}$").unwrap())
        .is_match(name)
}

fn meta_validator() -> &'static Validator {
    static V: OnceLock<Validator> = OnceLock::new();
    V.get_or_init(|| {
        let schema: Value = serde_json::from_str(META_SCHEMA).expect("meta-schema is JSON");
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&schema)
            .expect("meta-schema compiles")
    })
}

struct Report<'a> {
    file: Option<&'a str>,
    map: &'a SourceMap,
    errors: Vec<TypeFileError>,
}

impl Report<'_> {
    fn at(&mut self, pointer: &str, message: impl Into<String>) {
        let pos = self.map.value(pointer);
        self.push(pointer, pos, message.into());
    }

    fn at_key(&mut self, pointer: &str, message: impl Into<String>) {
        let pos = self.map.key(pointer);
        self.push(pointer, pos, message.into());
    }

    fn push(&mut self, pointer: &str, pos: source::Position, message: String) {
        let e = TypeFileError {
            file: self.file.map(str::to_string),
            line: pos.line,
            column: pos.column,
            pointer: pointer.to_string(),
            message,
        };
        if !self.errors.contains(&e) {
            self.errors.push(e);
        }
    }
}

pub(super) fn parse_and_check(
    text: &str,
    syntax: Syntax,
    file: Option<&str>,
) -> Result<TypeDefinition, TypeFileErrors> {
    let single = |message: String, pos: source::Position| {
        TypeFileErrors(vec![TypeFileError {
            file: file.map(str::to_string),
            line: pos.line,
            column: pos.column,
            pointer: String::new(),
            message,
        }])
    };
    if text.len() > MAX_TYPE_FILE_BYTES {
        return Err(single(
            format!(
                "the file is {} bytes; type files may be at most {MAX_TYPE_FILE_BYTES} bytes",
                text.len()
            ),
            source::Position::START,
        ));
    }
    let (value, map) = source::parse(text, syntax).map_err(|e| {
        let mut message = e.message;
        let line = text
            .lines()
            .nth(e.position.line.saturating_sub(1))
            .unwrap_or("");
        if syntax == Syntax::Yaml && message.contains("alias") && line.contains('*') {
            // `from: *` in a workflow: YAML reads an unquoted * as an alias.
            message.push_str("; write \"*\" in quotes: unquoted, YAML reads * as an alias");
        }
        single(message, e.position)
    })?;
    check_value(value, &map, file)
}

pub(super) fn check_value(
    value: Value,
    map: &SourceMap,
    file: Option<&str>,
) -> Result<TypeDefinition, TypeFileErrors> {
    let mut r = Report {
        file,
        map,
        errors: Vec::new(),
    };
    if !value.is_object() {
        r.at(
            "",
            "a type file is a mapping with slug, name, key_prefix and schema",
        );
        return Err(TypeFileErrors(r.errors));
    }
    let schema = value.get("schema").cloned().unwrap_or(Value::Null);
    // Names first, so that each bad name is reported once, at the name itself.
    check_names(&schema, &mut r);
    // The workflow's own rules say more than the meta-schema where both speak (a state
    // name that is not an identifier, a workflow name other than `default`).
    let workflow_errors = workflow_errors(&value);
    for error in meta_validator().iter_errors(&value) {
        let schema_path = error.schema_path().as_str().to_string();
        if schema_path.contains("propertyNames") {
            continue;
        }
        if workflow_errors
            .iter()
            .any(|e| e.pointer == error.instance_path().as_str())
        {
            continue;
        }
        let pointer = error.instance_path().as_str().to_string();
        let message = super::clip(error.to_string(), 300);
        r.at(&pointer, message);
    }
    if schema.is_object() {
        check_refs(&schema, &mut r);
        check_field_keywords(&schema, &mut r);
        check_keywords(&schema, "/schema", &mut r);
    }
    check_ui(&value, &mut r);
    if let Some(indexes) = value.get("indexes") {
        let fields = crate::fields::compile_fields(&schema);
        for (pointer, message) in super::indexes::check(indexes, &fields) {
            r.at(&pointer, message);
        }
    }
    check_workflow(&value, workflow_errors, &mut r);
    if !r.errors.is_empty() {
        return Err(TypeFileErrors(r.errors));
    }
    // The schema itself must compile (bad regex patterns, malformed keywords, ...).
    if let Err(e) = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema)
    {
        let pointer = format!("/schema{}", e.instance_path().as_str());
        r.at(&pointer, format!("the schema does not compile: {e}"));
        return Err(TypeFileErrors(r.errors));
    }
    check_defaults(&schema, &mut r);
    if !r.errors.is_empty() {
        return Err(TypeFileErrors(r.errors));
    }
    serde_json::from_value(value).map_err(|e| {
        r.at("", format!("invalid type definition: {e}"));
        TypeFileErrors(r.errors)
    })
}

fn check_names(schema: &Value, r: &mut Report) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for name in props.keys() {
        let pointer = format!("/schema/properties/{}", escape_pointer(name));
        if !is_identifier(name) {
            r.at_key(
                &pointer,
                format!(
                    "field name `{}` is not an identifier: use lower-case letters, digits and _, starting with a letter, at most 63 characters",
                    name.escape_debug()
                ),
            );
        } else if RESERVED_FIELD_NAMES.contains(&name.as_str()) {
            r.at_key(&pointer, format!("field name `{name}` is reserved"));
        }
    }
}

/// Collect every `$ref` below `node`, with the pointer where it stands.
fn collect_refs(node: &Value, pointer: &str, out: &mut Vec<(String, String)>) {
    match node {
        Value::Object(o) => {
            for (k, v) in o {
                let p = format!("{pointer}/{}", escape_pointer(k));
                if k == "$ref"
                    && let Value::String(s) = v
                {
                    out.push((p.clone(), s.clone()));
                }
                collect_refs(v, &p, out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                collect_refs(v, &format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn check_refs(schema: &Value, r: &mut Report) {
    let mut refs = Vec::new();
    collect_refs(schema, "/schema", &mut refs);
    for key in ["$id", "$anchor", "$dynamicRef", "$dynamicAnchor"] {
        if contains_key(schema, key) {
            r.at(
                "/schema",
                format!(
                    "`{key}` is not supported in type schemas; use local `$ref: \"#/$defs/...\"`"
                ),
            );
        }
    }
    let mut ok = true;
    for (pointer, target) in &refs {
        if !target.starts_with("#/") {
            r.at(pointer, format!("`$ref: {target}` is not local: type schemas may only refer to \"#/$defs/...\"; nothing is fetched"));
            ok = false;
        } else if schema.pointer(&target[1..]).is_none() {
            r.at(
                pointer,
                format!("`$ref: {target}` points at nothing in this schema"),
            );
            ok = false;
        }
    }
    if !ok {
        return;
    }
    // A cycle among $defs would make validation recurse forever: refuse it.
    let mut graph: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for (pointer, target) in &refs {
        let from = def_of(pointer.strip_prefix("/schema").unwrap_or(pointer));
        graph
            .entry(from)
            .or_default()
            .push((def_of(&target[1..]), pointer.clone()));
    }
    let mut done = BTreeSet::new();
    for start in graph.keys().cloned().collect::<Vec<_>>() {
        let mut path = Vec::new();
        if let Some(at) = find_cycle(&graph, &start, &mut path, &mut done) {
            r.at(
                &at,
                "this `$ref` is part of a reference cycle; recursive schemas are not supported",
            );
            return;
        }
    }
}

fn contains_key(node: &Value, key: &str) -> bool {
    match node {
        Value::Object(o) => o.contains_key(key) || o.values().any(|v| contains_key(v, key)),
        Value::Array(a) => a.iter().any(|v| contains_key(v, key)),
        _ => false,
    }
}

/// The `$defs` entry a pointer lies in ("" for the root schema).
fn def_of(pointer: &str) -> String {
    let parts: Vec<&str> = pointer.split('/').collect();
    match parts.as_slice() {
        ["", "$defs", name, ..] => format!("/$defs/{name}"),
        _ => String::new(),
    }
}

fn find_cycle(
    graph: &BTreeMap<String, Vec<(String, String)>>,
    node: &str,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<String> {
    if done.contains(node) {
        return None;
    }
    path.push(node.to_string());
    for (next, at) in graph.get(node).map(Vec::as_slice).unwrap_or(&[]) {
        if path.contains(next) {
            return Some(at.clone());
        }
        if let Some(at) = find_cycle(graph, next, path, done) {
            return Some(at);
        }
    }
    path.pop();
    done.insert(node.to_string());
    None
}

fn check_field_keywords(schema: &Value, r: &mut Report) {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    let mut renamed: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, prop) in props {
        let base = format!("/schema/properties/{}", escape_pointer(name));
        let Some(obj) = prop.as_object() else {
            continue;
        };
        let resolved = resolved_property(schema, prop);
        let kind = crate::fields::kind_of(&resolved);
        if resolved.get("x-index") == Some(&Value::Bool(true)) && kind == ColumnKind::Json {
            r.at(
                &format!("{base}/x-index"),
                "arrays, objects and mixed types are stored as JSON and cannot be indexed",
            );
        }
        if resolved.get("x-searchable") == Some(&Value::Bool(true)) && kind != ColumnKind::Text {
            r.at(
                &format!("{base}/x-searchable"),
                "only text fields can be searchable",
            );
        }
        if let Some(old) = obj.get("x-renamed-from").and_then(Value::as_str) {
            if old == name {
                r.at(
                    &format!("{base}/x-renamed-from"),
                    "a field cannot be renamed from itself",
                );
            } else if let Some(other) = renamed.insert(old, name) {
                r.at(
                    &format!("{base}/x-renamed-from"),
                    format!("`{other}` is already renamed from `{old}`"),
                );
            }
        }
    }
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for (i, name) in required.iter().enumerate() {
            if let Some(n) = name.as_str()
                && !props.contains_key(n)
            {
                r.at(
                    &format!("/schema/required/{i}"),
                    format!("required field `{n}` is not a property"),
                );
            }
        }
    }
}

/// Walk every subschema: keywords must be JSON Schema's (or Docket's, on fields), formats
/// known, and `type` lists spelled so that YAML does not turn them into something else.
fn check_keywords(node: &Value, pointer: &str, r: &mut Report) {
    let Some(obj) = node.as_object() else { return };
    let field_level =
        pointer.starts_with("/schema/properties/") && pointer.matches('/').count() == 3;
    for (key, value) in obj {
        let here = format!("{pointer}/{}", escape_pointer(key));
        if key.starts_with("x-") {
            if !DOCKET_KEYWORDS.contains(&key.as_str()) {
                r.at_key(
                    &here,
                    format!(
                        "unknown keyword `{key}`; Docket's keywords are {}",
                        DOCKET_KEYWORDS.join(", ")
                    ),
                );
            } else if !field_level {
                r.at_key(
                    &here,
                    format!("`{key}` applies to fields (the schema's top-level properties) only"),
                );
            }
            continue;
        }
        if !SCHEMA_KEYWORDS.contains(&key.as_str()) {
            r.at_key(
                &here,
                format!("unknown keyword `{key}` (not JSON Schema 2020-12; a typo?)"),
            );
            continue;
        }
        match (key.as_str(), value) {
            ("format", Value::String(f)) if !FORMATS.contains(&f.as_str()) => {
                r.at(
                    &here,
                    format!(
                        "unknown format `{f}`; known formats: {}",
                        FORMATS.join(", ")
                    ),
                );
            }
            ("type", Value::Array(types)) if types.iter().any(Value::is_null) => {
                r.at(
                    &here,
                    "write \"null\" in quotes: unquoted, YAML reads null as no value at all",
                );
            }
            (
                "properties" | "patternProperties" | "$defs" | "dependentSchemas",
                Value::Object(children),
            ) => {
                for (name, child) in children {
                    check_keywords(child, &format!("{here}/{}", escape_pointer(name)), r);
                }
            }
            ("allOf" | "anyOf" | "oneOf" | "prefixItems", Value::Array(children)) => {
                for (i, child) in children.iter().enumerate() {
                    check_keywords(child, &format!("{here}/{i}"), r);
                }
            }
            (
                "items"
                | "contains"
                | "not"
                | "if"
                | "then"
                | "else"
                | "additionalProperties"
                | "propertyNames"
                | "unevaluatedItems"
                | "unevaluatedProperties"
                | "contentSchema",
                child,
            ) => check_keywords(child, &here, r),
            _ => {}
        }
    }
}

/// Form hints may only name fields that exist.
fn check_ui(value: &Value, r: &mut Report) {
    let Some(order) = value.pointer("/ui/ui:order").and_then(Value::as_array) else {
        return;
    };
    let props = value
        .pointer("/schema/properties")
        .and_then(Value::as_object);
    for (i, name) in order.iter().enumerate() {
        match name.as_str() {
            Some("*") => {}
            Some(n) if props.is_some_and(|p| p.contains_key(n)) => {}
            _ => r.at(
                &format!("/ui/ui:order/{i}"),
                format!("ui:order names {name}, which is not a field of this type"),
            ),
        }
    }
}

/// The problems of the type's workflow that its own rules find: a name other than
/// `default`, or what [`Workflow::check`] says about an inline one. An inline workflow
/// whose shape is wrong is left to the meta-schema.
fn workflow_errors(value: &Value) -> Vec<FieldError> {
    match value.get("workflow") {
        Some(Value::String(name)) if name != "default" => vec![FieldError {
            pointer: "/workflow".into(),
            message: unknown_named_workflow(name),
        }],
        Some(workflow @ Value::Object(_)) => {
            match serde_json::from_value::<Workflow>(workflow.clone()) {
                Ok(w) => w.check("/workflow"),
                Err(_) => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

fn check_workflow(value: &Value, errors: Vec<FieldError>, r: &mut Report) {
    for e in errors {
        r.at(&e.pointer, e.message);
    }
    // The meta-schema describes the shape of an inline workflow; this only speaks if it
    // missed something that serde refuses.
    if let Some(workflow @ Value::Object(_)) = value.get("workflow")
        && let Err(e) = serde_json::from_value::<Workflow>(workflow.clone())
        && !r
            .errors
            .iter()
            .any(|e| e.pointer == "/workflow" || e.pointer.starts_with("/workflow/"))
    {
        r.at("/workflow", format!("invalid workflow: {e}"));
    }
}

fn check_defaults(schema: &Value, r: &mut Report) {
    for field in compile_fields(schema) {
        let Some(default) = &field.default else {
            continue;
        };
        let Ok(validator) = super::validator::FieldValidator::new(schema, &field) else {
            continue;
        };
        // Defaults fill new tickets and backfill old rows: they must fit and store exactly.
        if let Err(e) = validator.check(default) {
            r.at(
                &format!("/schema/properties/{}/default", field.name),
                format!("the default {e}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;

    fn errors(text: &str) -> Vec<TypeFileError> {
        TypeDefinition::parse(text, Syntax::Yaml, Some("t.yaml"))
            .unwrap_err()
            .0
    }

    const HEAD: &str = "slug: it_support\nname: IT\nkey_prefix: IT\n";

    #[test]
    fn a_good_file_parses() {
        let text = format!(
            "{HEAD}schema:\n  type: object\n  required: [device]\n  properties:\n    device: {{type: string, enum: [laptop, phone]}}\n    asset_tag: {{type: string, pattern: '^A-[0-9]{{5}}$', x-index: true}}\n"
        );
        let def = TypeDefinition::parse(&text, Syntax::Yaml, None).unwrap();
        assert_eq!(def.slug, "it_support");
        assert_eq!(def.key_prefix, "IT");
    }

    #[test]
    fn bad_names_point_at_the_name() {
        let text = format!(
            "{HEAD}schema:\n  type: object\n  properties:\n    'x\"; DROP TABLE tickets; --': {{type: string}}\n    id: {{type: string}}\n    ticket_id: {{type: integer}}\n"
        );
        let errs = errors(&text);
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert_eq!((errs[0].line, errs[0].column), (7, 5));
        assert!(errs[0].message.contains("not an identifier"));
        assert_eq!(errs[1].line, 8);
        assert!(errs[1].message.contains("reserved"));
        assert_eq!(errs[2].line, 9);
        assert_eq!(errs[0].to_string().split(':').next(), Some("t.yaml"));
    }

    #[test]
    fn meta_schema_errors_are_placed() {
        let errs = errors(
            "slug: It-Support\nname: IT\nkey_prefix: it\nschema: {type: object, properties: {}}\n",
        );
        let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
        assert!(lines.contains(&1) && lines.contains(&3), "{errs:?}");
        let errs = errors(&format!(
            "{HEAD}schema: {{type: array, properties: {{}}}}\n"
        ));
        assert_eq!(errs[0].line, 4, "{errs:?}");
    }

    #[test]
    fn remote_and_cyclic_refs_are_refused() {
        let remote = format!(
            "{HEAD}schema:\n  type: object\n  properties:\n    a: {{$ref: 'https://example.com/s.json'}}\n"
        );
        let errs = errors(&remote);
        assert!(
            errs.iter()
                .any(|e| e.message.contains("not local") || e.message.contains("$defs")),
            "{errs:?}"
        );
        let cyclic = format!(
            "{HEAD}schema:\n  type: object\n  $defs:\n    a: {{$ref: '#/$defs/b'}}\n    b: {{$ref: '#/$defs/a'}}\n  properties:\n    x: {{$ref: '#/$defs/a'}}\n"
        );
        let errs = errors(&cyclic);
        assert!(errs.iter().any(|e| e.message.contains("cycle")), "{errs:?}");
        let dangling = format!(
            "{HEAD}schema:\n  type: object\n  properties:\n    x: {{$ref: '#/$defs/nope'}}\n"
        );
        assert!(errors(&dangling)[0].message.contains("points at nothing"));
    }

    #[test]
    fn index_declarations_are_checked_where_they_stand() {
        let text = format!(
            "{HEAD}schema:\n  type: object\n  properties:\n    category: {{type: string}}\n    data: {{type: object}}\nindexes:\n  - fields: [category, -nope]\n  - fields: [id, category]\n  - fields: [data]\n  - fields: [category]\n  - fields: [category, -id]\n  - fields: [category, -id]\n  - fields: [Category]\n"
        );
        let errs = errors(&text);
        let at = |line: usize| {
            errs.iter()
                .filter(|e| e.line == line)
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        };
        assert!(at(10).contains("`nope` is not a field"), "{errs:?}");
        assert!(at(11).contains("`id` can only be the last"), "{errs:?}");
        assert!(at(12).contains("cannot be indexed"), "{errs:?}");
        assert!(at(15).contains("declared twice"), "{errs:?}");
        assert!(at(16).contains("does not match"), "{errs:?}");
        assert_eq!(errs.len(), 5, "{errs:?}");
        let column = errs.iter().find(|e| e.line == 10).map(|e| e.column);
        assert_eq!(column, Some(24), "{errs:?}");
    }

    #[test]
    fn huge_files_are_refused_before_parsing() {
        let big = format!("{HEAD}schema: {{}}\n# {}\n", "x".repeat(10 * 1024 * 1024));
        let errs = errors(&big);
        assert!(errs[0].message.contains("at most"), "{errs:?}");
    }

    #[test]
    fn keyword_and_default_mistakes() {
        let text = format!(
            "{HEAD}schema:\n  type: object\n  required: [missing]\n  properties:\n    n: {{type: integer, default: nope, x-indx: true}}\n    tags: {{type: array, x-index: true}}\n"
        );
        let errs = errors(&text);
        let all = errs
            .iter()
            .map(|e| e.message.clone())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(all.contains("unknown keyword `x-indx`"), "{all}");
        assert!(all.contains("cannot be indexed"), "{all}");
        assert!(all.contains("`missing` is not a property"), "{all}");
    }

    #[test]
    fn typos_in_schema_keywords_formats_and_ui_are_caught() {
        let text = format!(
            "{HEAD}schema:\n  type: object\n  $defs:\n    d: {{type: string, x-indx: true}}\n  properties:\n    a: {{type: string, maxLenght: 5}}\n    b: {{type: string, format: datetime}}\n    c: {{type: [integer, null]}}\n    e: {{type: array, items: {{type: string, x-index: true}}}}\nui:\n  ui:order: [a, b, nope]\n"
        );
        let errs = errors(&text);
        let all = errs
            .iter()
            .map(|e| format!("{}:{} {}", e.line, e.column, e.message))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(all.contains("unknown keyword `x-indx`"), "{all}");
        assert!(all.contains("unknown keyword `maxLenght`"), "{all}");
        assert!(all.contains("unknown format `datetime`"), "{all}");
        assert!(all.contains("\"null\" in quotes"), "{all}");
        assert!(all.contains("applies to fields"), "{all}");
        assert!(all.contains("ui:order names \"nope\""), "{all}");
        assert!(all.contains("9:23 unknown keyword `maxLenght`"), "{all}");
    }

    #[test]
    fn bad_patterns_do_not_compile() {
        let text = format!(
            "{HEAD}schema:\n  type: object\n  properties:\n    a: {{type: string, pattern: '(['}}\n"
        );
        let errs = errors(&text);
        assert!(
            errs[0].message.contains("does not compile") || errs[0].message.contains("regex"),
            "{errs:?}"
        );
    }
}
