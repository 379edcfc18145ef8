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
    assert_eq!(keys(&app, "title.contains=vpn").await, [a.as_str()]);
    assert_eq!(keys(&app, "title.contains=JAM").await, [b.as_str()]);
    // LIKE's wildcards are matched literally.
    assert_eq!(keys(&app, "title.contains=100%25").await, [a.as_str()]);
    assert_eq!(keys(&app, "title.contains=%25").await, [a.as_str()]);
    assert!(keys(&app, "title.contains=_").await.is_empty());
    assert_eq!(
        keys(&app, "type=it_support&f.error_message.contains=out_4").await,
        [a.as_str()]
    );
    assert_eq!(
        keys(&app, "type=it_support&f.error_message.contains=PAP").await,
        [b.as_str()]
    );
    assert!(
        keys(&app, "type=it_support&f.error_message.contains=nothing")
            .await
            .is_empty()
    );
});

api_test!(nul_characters_are_refused_not_500, |app| async move {
    // Anonymous sign-in with a NUL in the email or password.
    for body in [
        r#"{"email": "a\u0000@example.com", "password": "x"}"#,
        r#"{"email": "admin@example.com", "password": "pass\u0000word"}"#,
    ] {
        let r = app
            .anonymous
            .post(app.url("/auth/login"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let p = problem(r, 422).await;
        assert!(
            pointers(&p)[0] == "/email" || pointers(&p)[0] == "/password",
            "{p}"
        );
    }
    // Every string of a create: core fields, tags, requester, extension fields, names.
    let r = app
        .client
        .post(app.url("/tickets"))
        .header("content-type", "application/json")
        .body(r#"{"type": "it_support", "title": "t\u0000", "body": "\u0000", "tags": ["a\u0000"],
            "requester": {"email": "x\u0000@example.com", "name": "N\u0000"},
            "fields": {"category": "network", "device": "laptop", "error_message": "e\u0000", "k\u0000": 1}}"#)
        .send()
        .await
        .unwrap();
    let p = problem(r, 422).await;
    let mut ps = pointers(&p);
    ps.sort();
    assert_eq!(
        ps,
        [
            "/body",
            "/fields/error_message",
            "/fields/k\u{0}",
            "/requester/email",
            "/requester/name",
            "/tags/0",
            "/title"
        ],
        "{p}"
    );
    // An escaped backslash before `u0000` is not a NUL.
    let t = app.create(json!({"type": "it_support", "title": "path C:\\u0000", "fields": {"category": "network", "device": "laptop"}})).await;
    assert_eq!(t["title"], "path C:\\u0000");
    // In the address: a key, a filter, a search.
    for path in [
        "/tickets/IT-%001",
        "/tickets?q=a%00b",
        "/tickets?type=it_support&f.error_message=%00",
        "/tickets?title.contains=%00",
    ] {
        problem(app.get(path).await, 400).await;
    }
    let none: Value = app.get("/tickets?q=nothing").await.json().await.unwrap();
    assert!(none["items"].as_array().unwrap().is_empty());
});

api_test!(
    type_definitions_sent_as_json_have_the_file_size_limit,
    |app| async move {
        // Within the body limit, beyond the 256 KiB a type file may have.
        let description = "x".repeat(300 * 1024);
        let def = json!({"slug": "huge", "name": "Huge", "key_prefix": "HUGE",
        "schema": {"type": "object", "properties": {"note": {"type": "string", "description": description}}}});
        for path in ["/types/plan", "/types/apply"] {
            let p = problem(app.post(path, &json!({"definition": def})).await, 422).await;
            assert!(
                p["type_errors"][0]["message"]
                    .as_str()
                    .unwrap()
                    .contains("at most"),
                "{p}"
            );
        }
        problem(app.get("/types/huge").await, 404).await;
    }
);

api_test!(a_create_answers_what_a_read_returns, |app| async move {
    // Built from what the transaction wrote, not read back: it must equal a read.
    let t = app
        .create(json!({"type": "it_support", "title": "  Spaces trimmed ", "priority": "P1",
            "tags": ["VPN", "urgent", "vpn"], "requester": {"email": "Ada@Example.com", "name": "Ada"},
            "fields": {"category": "network", "affected_users": 4.0, "first_occurred_at": "2026-12-01T10:00:00.5+01:00"}}))
        .await;
    let read: Value = app
        .get(&format!("/tickets/{}", t["key"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t, read);
    assert!(
        t["sla"]["due_at"].is_string(),
        "the default policy's clocks run: {t}"
    );
    assert_eq!(t["fields"]["affected_users"], 4);
});

api_test!(statements_follow_a_kind_change, |app| async move {
    // PostgreSQL caches prepared statements per connection; a kind change keeps the
    // column's name and changes its type. Reads and writes after it must not run a
    // statement prepared over the old shape.
    let def = |kind: &str| {
        json!({"slug": "rooms", "name": "Rooms", "key_prefix": "RM",
        "schema": {"type": "object", "properties": {"floor": {"type": kind, "x-index": true}}}})
    };
    let r = app
        .post("/types/apply", &json!({"definition": def("string")}))
        .await;
    assert_eq!(r.status(), 200);
    let mut made = Vec::new();
    for floor in ["1", "2", "3"] {
        let t = app
            .create(json!({"type": "rooms", "title": "r", "fields": {"floor": floor}}))
            .await;
        made.push(t["key"].as_str().unwrap().to_string());
    }
    // Warm every connection of the pool with the old shape's statements.
    let warm = (0..40).map(|_| async {
        let r = app.get(&format!("/tickets/{}", made[0])).await;
        assert_eq!(r.status(), 200);
        let r = app.get("/tickets?type=rooms&f.floor=2").await;
        assert_eq!(r.status(), 200);
    });
    futures::future::join_all(warm).await;
    let r = app
        .post("/types/apply", &json!({"definition": def("integer")}))
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let after = (0..40).map(|_| async {
        let t: Value = app
            .get(&format!("/tickets/{}", made[1]))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(t["fields"]["floor"], 2, "{t}");
        assert_eq!(keys(&app, "type=rooms&f.floor=2").await, [made[1].clone()]);
    });
    futures::future::join_all(after).await;
    let t = app
        .create(json!({"type": "rooms", "title": "r", "fields": {"floor": 4}}))
        .await;
    assert_eq!(t["fields"]["floor"], 4);
});
