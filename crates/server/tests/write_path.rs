//! Issue 10's defects of the write path and its reads, each reproduced through the API
//! on both backends: `.contains` filters, NUL characters, replays after losing access,
//! a deleted ticket's trail, spreadsheet formulas in CSV, the apply size limit.

mod common;

use common::*;
use serde_json::{Value, json};

async fn keys(app: &TestApp, query: &str) -> Vec<String> {
    let r = app.get(&format!("/tickets?{query}")).await;
    assert_eq!(r.status(), 200, "{query}: {}", r.text().await.unwrap());
    let page: Value = r.json().await.unwrap();
    let mut keys: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap().to_string())
        .collect();
    keys.sort();
    keys
}

api_test!(contains_filters_match_substrings, |app| async move {
    let a = app.create(json!({"type": "it_support", "title": "VPN drops at 100% load",
        "fields": {"category": "network", "device": "laptop", "error_message": "Timeout_42 in tunnel"}})).await;
    let b = app
        .create(json!({"type": "it_support", "title": "Printer jam",
        "fields": {"category": "hardware", "device": "printer", "error_message": "paper"}}))
        .await;
    let (a, b) = (
        a["key"].as_str().unwrap().to_string(),
        b["key"].as_str().unwrap().to_string(),
    );
    assert_eq!(keys(&app, "title.contains=vpn").await, [a.clone()]);
    assert_eq!(keys(&app, "title.contains=JAM").await, [b.clone()]);
    // LIKE's wildcards are matched literally.
    assert_eq!(keys(&app, "title.contains=100%25").await, [a.clone()]);
    assert_eq!(keys(&app, "title.contains=%25").await, [a.clone()]);
    assert!(keys(&app, "title.contains=_").await.is_empty());
    assert_eq!(
        keys(&app, "type=it_support&f.error_message.contains=out_4").await,
        [a.clone()]
    );
    assert_eq!(
        keys(&app, "type=it_support&f.error_message.contains=PAP").await,
        [b.clone()]
    );
    assert!(
        keys(&app, "type=it_support&f.error_message.contains=nothing")
            .await
            .is_empty()
    );
});
