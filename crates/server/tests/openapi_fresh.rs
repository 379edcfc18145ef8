//! The committed OpenAPI document matches the code. Regenerate it with
//! `cargo run -p docket-server -- openapi > openapi/openapi.json`
//! (or run this test with DOCKET_UPDATE_OPENAPI=1).

#[test]
fn committed_openapi_is_fresh() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json");
    let generated = docket_server::api::openapi_json();
    if std::env::var_os("DOCKET_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `cargo run -p docket-server -- openapi > openapi/openapi.json`"
    );
}

/// Operation ids name one operation each: generated clients (the web UI's types) key
/// operations by them, so a second `health` would silently hide the first.
#[test]
fn operation_ids_are_unique() {
    let doc: serde_json::Value = serde_json::from_str(&docket_server::api::openapi_json()).unwrap();
    let mut seen = std::collections::BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if let Some(id) = op.get("operationId").and_then(|v| v.as_str())
                && let Some(first) = seen.insert(id.to_string(), format!("{method} {path}"))
            {
                panic!("operationId `{id}` is used by {first} and by {method} {path}");
            }
        }
    }
}
