//! A type version ready to serve: its fields and a validator compiled once and reused.

use std::sync::Arc;

use jsonschema::Validator;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::TypeDefinition;
use crate::fields::{FieldSpec, compile_fields};

/// One failing field of a payload.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, ToSchema)]
pub struct FieldError {
    /// JSON pointer into the request body, e.g. `/fields/asset_tag`.
    pub pointer: String,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct CompiledType {
    pub definition: TypeDefinition,
    pub version: i32,
    pub fields: Vec<FieldSpec>,
    validator: Arc<Validator>,
}

impl CompiledType {
    /// Compile a checked definition. Unknown fields are refused unless the schema says
    /// otherwise, so a typo in a payload never silently drops data.
    pub fn compile(definition: TypeDefinition, version: i32) -> Result<CompiledType, String> {
        let mut schema = definition.schema.clone();
        if let Some(obj) = schema.as_object_mut() {
            obj.entry("additionalProperties")
                .or_insert(Value::Bool(false));
        }
        let validator = super::validator::build(&schema)?;
        Ok(CompiledType {
            fields: compile_fields(&definition.schema),
            definition,
            version,
            validator: Arc::new(validator),
        })
    }

    pub fn slug(&self) -> &str {
        &self.definition.slug
    }

    pub fn field(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The fields full-text search covers (`x-searchable`).
    pub fn searchable_fields(&self) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|f| f.searchable)
            .map(|f| f.name.as_str())
            .collect()
    }

    /// Validate a ticket's extension fields; every error is returned, with pointers
    /// below `prefix` (the place of the fields object in the request body).
    /// A value the schema accepts but no column can hold exactly (see `stored`) is an
    /// error too, so what is accepted is what is stored.
    pub fn validate(&self, fields: &Value, prefix: &str) -> Vec<FieldError> {
        let mut errors: Vec<FieldError> = self
            .validator
            .iter_errors(fields)
            .map(|e| {
                let path = e.instance_path().as_str().to_string();
                let message = super::clip(e.to_string(), 300);
                FieldError {
                    pointer: format!("{prefix}{path}"),
                    message,
                }
            })
            .collect();
        for f in &self.fields {
            let Some(value) = fields.get(&f.name) else {
                continue;
            };
            let pointer = format!("{prefix}/{}", f.name);
            if errors.iter().any(|e| e.pointer.starts_with(&pointer)) {
                continue;
            }
            if let Err(message) = crate::stored::encode(f.kind, value) {
                errors.push(FieldError { pointer, message });
            }
        }
        errors
    }

    /// The payload with defaults filled in for absent fields (new tickets).
    pub fn with_defaults(&self, fields: &Value) -> Value {
        let mut out = fields.as_object().cloned().unwrap_or_default();
        for f in &self.fields {
            if let Some(d) = &f.default {
                out.entry(f.name.clone()).or_insert_with(|| d.clone());
            }
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::typedef::Syntax;

    fn it_type() -> CompiledType {
        let text = "slug: it\nname: IT\nkey_prefix: IT\nschema:\n  type: object\n  required: [device]\n  properties:\n    device: {type: string, enum: [laptop, phone]}\n    asset_tag: {type: string, pattern: '^A-[0-9]{5}$'}\n    users: {type: integer, minimum: 1, default: 1}\n    seen: {type: string, format: date-time}\n";
        CompiledType::compile(TypeDefinition::parse(text, Syntax::Yaml, None).unwrap(), 1).unwrap()
    }

    #[test]
    fn every_error_is_reported_with_its_pointer() {
        let t = it_type();
        let errs = t.validate(
            &serde_json::json!({"asset_tag": "B-1", "users": 0, "seen": "yesterday", "colour": "red"}),
            "/fields",
        );
        let pointers: Vec<&str> = errs.iter().map(|e| e.pointer.as_str()).collect();
        assert!(
            pointers.contains(&"/fields"),
            "missing required + unknown field: {errs:?}"
        );
        assert!(pointers.contains(&"/fields/asset_tag"), "{errs:?}");
        assert!(pointers.contains(&"/fields/users"), "{errs:?}");
        assert!(pointers.contains(&"/fields/seen"), "{errs:?}");
        assert!(errs.len() >= 5, "{errs:?}");
    }

    #[test]
    fn defaults_fill_absent_fields() {
        let t = it_type();
        let v = t.with_defaults(&serde_json::json!({"device": "phone"}));
        assert_eq!(v["users"], 1);
        assert!(t.validate(&v, "").is_empty());
    }
}
