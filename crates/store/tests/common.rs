//! Helpers shared by the store's integration tests.
#![allow(dead_code)]

use docket_core::typedef::{Syntax, TypeDefinition};
use docket_store::{NewTicket, Store, TypeOrigin, TypeSource};
use serde_json::{Map, Value};

/// A type definition from the YAML of its properties (indented by the caller as a block).
pub fn def(slug: &str, prefix: &str, required: &[&str], properties: &str) -> TypeDefinition {
    let props: String = properties.lines().map(|l| format!("    {l}\n")).collect();
    let text = format!(
        "slug: {slug}\nname: {slug}\nkey_prefix: {prefix}\nschema:\n  type: object\n  required: {}\n  properties:\n{props}",
        serde_json::to_string(required).unwrap()
    );
    TypeDefinition::parse(&text, Syntax::Yaml, None).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

pub fn api_origin() -> TypeOrigin {
    TypeOrigin {
        source: TypeSource::Api,
        path: None,
        text: None,
        actor: "test".into(),
    }
}

pub async fn apply(store: &Store, d: &TypeDefinition, force: bool) -> docket_store::AppliedChange {
    store
        .apply_type(d, &api_origin(), force)
        .await
        .unwrap_or_else(|e| panic!("apply {}: {e:?}", d.slug))
}

pub fn fields(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap()
}

pub async fn create(store: &Store, slug: &str, title: &str, f: Value) -> String {
    store
        .create_ticket(NewTicket {
            type_slug: slug.into(),
            title: title.into(),
            fields: fields(f),
            actor: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("create: {e:?}"))
        .0
        .key
}
