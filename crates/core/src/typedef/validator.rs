//! The one way Docket builds a JSON Schema validator for ticket values: draft 2020-12,
//! formats asserted, no remote `$ref` (the crate is built without network features).
//! A type's whole schema and a single field's schema are both built here, so the
//! API, the type checks and the evolution planner judge values alike.

use jsonschema::Validator;
use serde_json::Value;

use crate::fields::FieldSpec;
use crate::stored;

/// A validator for a whole schema.
pub fn build(schema: &Value) -> Result<Validator, String> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| e.to_string())
}

/// One field's validator: its property schema (with the type's `$defs`, which its
/// `$ref`s may point into), and the check that a value stores exactly.
pub struct FieldValidator<'a> {
    field: &'a FieldSpec,
    schema: Validator,
}

impl<'a> FieldValidator<'a> {
    pub fn new(type_schema: &Value, field: &'a FieldSpec) -> Result<FieldValidator<'a>, String> {
        let mut sub = field.schema.clone();
        if let (Some(obj), Some(defs)) = (sub.as_object_mut(), type_schema.get("$defs")) {
            obj.insert("$defs".into(), defs.clone());
        }
        Ok(FieldValidator {
            field,
            schema: build(&sub)?,
        })
    }

    /// Why the value does not fit the field, if it does not.
    pub fn check(&self, value: &Value) -> Result<(), String> {
        if let Some(e) = self.schema.iter_errors(value).next() {
            return Err(format!("does not fit the field: {e}"));
        }
        stored::encode(self.field.kind, value)
            .map(|_| ())
            .map_err(|e| format!("cannot be stored: {e}"))
    }
}
