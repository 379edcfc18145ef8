//! Ticket type definitions: the type file format, its checks, and the compiled form
//! (fields plus a reusable validator) that the store and the API work from.

mod check;
mod compiled;
pub mod indexes;
pub mod source;
pub mod validator;

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

pub use check::{MAX_TYPE_FILE_BYTES, RESERVED_FIELD_NAMES, is_identifier};
pub use compiled::{CompiledType, FieldError};
pub use indexes::{ExtIndex, IndexDefinition, IndexKey};
pub use source::{Position, Syntax};

use crate::ticket::Priority;
use crate::workflow::Workflow;

/// The meta-schema every type file is checked against; served by the API for editors.
pub const META_SCHEMA: &str = include_str!("../../meta-schema/type-file.schema.json");

/// A ticket type as written by an admin (in a file or through the API).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct TypeDefinition {
    /// Stable identifier; the extension table is `ext_<slug>`.
    #[schema(example = "it_support")]
    pub slug: String,
    #[schema(example = "IT support")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Ticket keys are `<key_prefix>-<number>`.
    #[schema(example = "IT")]
    pub key_prefix: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_priority: Option<Priority>,
    /// The workflow the type's tickets follow: absent (or `"default"` in a type file) for
    /// the default workflow, else declared inline.
    #[serde(
        default,
        deserialize_with = "crate::workflow::deserialize_named_or_inline",
        skip_serializing_if = "Option::is_none"
    )]
    pub workflow: Option<Workflow>,
    /// Slugs of the teams that handle this type: their members see and work its tickets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<String>,
    /// JSON Schema 2020-12 of the type's own fields.
    #[schema(value_type = Object)]
    pub schema: Value,
    /// Indexes over several fields (and the ticket id), for the queues agents run on
    /// this type; each `x-index` field has its own already.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<IndexDefinition>,
    /// Form hints for clients (uiSchema conventions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub ui: Option<Value>,
}

impl TypeDefinition {
    /// Parse and check a type file. Every problem found is reported, each with its place.
    pub fn parse(
        text: &str,
        syntax: Syntax,
        file: Option<&str>,
    ) -> Result<TypeDefinition, TypeFileErrors> {
        check::parse_and_check(text, syntax, file)
    }

    /// Check a definition that arrived as JSON (the API), with pointers instead of lines.
    /// A definition that arrives as a JSON value (the API) is held to the size a type
    /// file may have, measured as compact JSON.
    pub fn check_value(value: Value) -> Result<TypeDefinition, TypeFileErrors> {
        let size = serde_json::to_string(&value).map_or(usize::MAX, |t| t.len());
        if size > check::MAX_TYPE_FILE_BYTES {
            return Err(TypeFileErrors(vec![TypeFileError {
                file: None,
                line: 1,
                column: 1,
                pointer: String::new(),
                message: format!(
                    "the definition is {size} bytes as JSON; type definitions may be at most {} bytes",
                    check::MAX_TYPE_FILE_BYTES
                ),
            }]));
        }
        check::check_value(value, &source::SourceMap::default(), None)
    }

    /// The definition as YAML, the format admins keep in git.
    pub fn to_yaml(&self) -> String {
        crate::yaml_out::to_yaml(&serde_json::to_value(self).expect("definitions serialize"))
    }

    /// The workflow the type's tickets follow: the inline one, else the default.
    pub fn workflow(&self) -> Workflow {
        self.workflow_ref().clone()
    }

    /// The workflow the type's tickets follow, without a copy.
    pub fn workflow_ref(&self) -> &Workflow {
        self.workflow
            .as_ref()
            .unwrap_or_else(|| Workflow::default_ref())
    }

    /// Every index the type's extension table should have (see [`indexes`]).
    pub fn ext_indexes(&self) -> Vec<ExtIndex> {
        indexes::ext_indexes(&crate::fields::compile_fields(&self.schema), &self.indexes)
    }

    pub fn default_priority(&self) -> Priority {
        self.default_priority.unwrap_or_default()
    }
}

/// A message cut to at most `max` bytes (on a character boundary), so that an error about
/// a huge value stays readable.
pub(crate) fn clip(mut message: String, max: usize) -> String {
    if message.len() > max {
        let mut cut = max;
        while !message.is_char_boundary(cut) {
            cut -= 1;
        }
        message.truncate(cut);
        message.push('…');
    }
    message
}

/// One problem in a type file: where it is and why it is wrong.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, ToSchema)]
pub struct TypeFileError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub line: usize,
    pub column: usize,
    /// JSON pointer of the offending node in the document.
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for TypeFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file.as_deref().unwrap_or("<input>");
        write!(f, "{file}:{}:{}: {}", self.line, self.column, self.message)?;
        if !self.pointer.is_empty() {
            write!(f, " (at {})", self.pointer)?;
        }
        Ok(())
    }
}

/// Every problem found in one type file.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeFileErrors(pub Vec<TypeFileError>);

impl fmt::Display for TypeFileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TypeFileErrors {}

#[cfg(test)]
mod tests {
    #[test]
    fn clip_respects_character_boundaries() {
        let s = "é".repeat(200);
        let c = super::clip(s, 301);
        assert!(c.ends_with('…') && c.len() <= 301 + '…'.len_utf8());
        assert_eq!(super::clip("short".into(), 300), "short");
    }
}
