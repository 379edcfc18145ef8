//! From a type's JSON Schema to its fields: one typed column per top-level property.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// The storage kind of an extension column (see DESIGN.md's mapping table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Text,
    Integer,
    Number,
    Boolean,
    Timestamp,
    Date,
    Json,
}

impl ColumnKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::Text => "text",
            ColumnKind::Integer => "integer",
            ColumnKind::Number => "number",
            ColumnKind::Boolean => "boolean",
            ColumnKind::Timestamp => "timestamp",
            ColumnKind::Date => "date",
            ColumnKind::Json => "json",
        }
    }

    /// Kinds whose values can be compared with <, >, and so filtered by range and sorted.
    pub fn is_ordered(self) -> bool {
        !matches!(self, ColumnKind::Json | ColumnKind::Boolean)
    }
}

/// One field of a type, as compiled from its property schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldSpec {
    pub name: String,
    pub kind: ColumnKind,
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Allowed values, when the field is an enum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enum_values: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    pub indexed: bool,
    pub searchable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<String>,
    /// The property's schema with local `$ref`s resolved, used to compare versions.
    #[schema(value_type = Object)]
    pub schema: Value,
}

/// Resolve a local `#/$defs/...` reference against the root schema.
pub fn resolve_local_ref<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    root.pointer(pointer)
}

/// The property schema with a top-level `$ref` (possibly chained) replaced by its target,
/// keeping sibling keywords (2020-12 allows them next to `$ref`).
pub fn resolved_property(root: &Value, property: &Value) -> Value {
    let mut current = property.clone();
    for _ in 0..16 {
        let Some(reference) = current
            .get("$ref")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            break;
        };
        let Some(target) = resolve_local_ref(root, &reference) else {
            break;
        };
        let mut merged: Map<String, Value> = target.as_object().cloned().unwrap_or_default();
        if let Value::Object(siblings) = &current {
            for (k, v) in siblings {
                if k != "$ref" {
                    merged.insert(k.clone(), v.clone());
                }
            }
        }
        current = Value::Object(merged);
    }
    current
}

/// The column kind a property is stored as.
pub fn kind_of(property: &Value) -> ColumnKind {
    let types: Vec<&str> = match property.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect(),
        _ => {
            // No declared type: an enum or const of strings is still text.
            let values: Vec<&Value> = match (property.get("enum"), property.get("const")) {
                (Some(Value::Array(vs)), _) => vs.iter().collect(),
                (_, Some(c)) => vec![c],
                _ => vec![],
            };
            if !values.is_empty() && values.iter().all(|v| v.is_string()) {
                return ColumnKind::Text;
            }
            return ColumnKind::Json;
        }
    };
    match types.as_slice() {
        ["string"] => match property.get("format").and_then(Value::as_str) {
            Some("date-time") => ColumnKind::Timestamp,
            Some("date") => ColumnKind::Date,
            _ => ColumnKind::Text,
        },
        ["integer"] => ColumnKind::Integer,
        ["number"] => ColumnKind::Number,
        ["boolean"] => ColumnKind::Boolean,
        _ => ColumnKind::Json,
    }
}

/// Compile a (checked) type schema into its fields, in declaration order.
pub fn compile_fields(schema: &Value) -> Vec<FieldSpec> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| {
            let resolved = resolved_property(schema, property);
            let flag = |k: &str| resolved.get(k).and_then(Value::as_bool).unwrap_or(false);
            FieldSpec {
                name: name.clone(),
                kind: kind_of(&resolved),
                required: required.contains(&name.as_str()),
                title: resolved
                    .get("title")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                enum_values: resolved.get("enum").and_then(Value::as_array).cloned(),
                default: resolved.get("default").cloned(),
                indexed: flag("x-index"),
                searchable: flag("x-searchable"),
                renamed_from: resolved
                    .get("x-renamed-from")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                schema: resolved,
            }
        })
        .collect()
}

/// Keywords that only annotate a property; changing them never needs a data check.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "default",
    "examples",
    "readOnly",
    "writeOnly",
    "deprecated",
    "$comment",
    "x-index",
    "x-searchable",
    "x-renamed-from",
];

/// The part of a property schema that decides which values are valid.
pub fn validation_keywords(schema: &Value) -> Value {
    match schema {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| !ANNOTATIONS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_follow_the_design_table() {
        let cases = [
            (json!({"type": "string"}), ColumnKind::Text),
            (
                json!({"type": "string", "format": "date-time"}),
                ColumnKind::Timestamp,
            ),
            (
                json!({"type": "string", "format": "date"}),
                ColumnKind::Date,
            ),
            (
                json!({"type": "string", "enum": ["a", "b"]}),
                ColumnKind::Text,
            ),
            (json!({"enum": ["a", "b"]}), ColumnKind::Text),
            (json!({"enum": ["a", 1]}), ColumnKind::Json),
            (json!({"type": "integer"}), ColumnKind::Integer),
            (json!({"type": ["integer", "null"]}), ColumnKind::Integer),
            (json!({"type": "number"}), ColumnKind::Number),
            (json!({"type": "boolean"}), ColumnKind::Boolean),
            (
                json!({"type": "array", "items": {"type": "string"}}),
                ColumnKind::Json,
            ),
            (json!({"type": "object"}), ColumnKind::Json),
            (json!({"type": ["string", "integer"]}), ColumnKind::Json),
            (json!({}), ColumnKind::Json),
        ];
        for (schema, kind) in cases {
            assert_eq!(kind_of(&schema), kind, "{schema}");
        }
    }

    #[test]
    fn refs_are_resolved_for_the_kind() {
        let schema = json!({
            "type": "object",
            "$defs": {"when": {"type": "string", "format": "date"}},
            "required": ["due"],
            "properties": {"due": {"$ref": "#/$defs/when", "title": "Due", "x-index": true}}
        });
        let fields = compile_fields(&schema);
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].kind, ColumnKind::Date);
        assert!(fields[0].required && fields[0].indexed);
        assert_eq!(fields[0].title.as_deref(), Some("Due"));
    }
}
