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
