//! The REST API end to end, on SQLite and PostgreSQL: a real server on a free port,
//! spoken to over HTTP.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

fn laptop(title: &str) -> Value {
    json!({"type": "it_support", "title": title, "fields": {"category": "hardware", "device": "laptop", "asset_tag": "A-00042"}})
}

api_test!(tickets_round_trip, |app| async move {
    let r = app.post("/tickets", &laptop("Laptop will not boot")).await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["etag"], "\"1\"");
    assert_eq!(r.headers()["location"], "/api/v1/tickets/IT-1");
    let t: Value = r.json().await.unwrap();
    assert_eq!(t["key"], "IT-1");
    assert_eq!(t["fields"]["impact"], "individual", "default applied");
    assert_eq!(t["fields"]["asset_tag"], "A-00042");

    // PATCH needs If-Match; a stale one gets 412 and writes nothing.
    let patch = json!({"status": "open", "fields": {"affected_users": 4}});
    let r = app
        .client
        .patch(app.url("/tickets/IT-1"))
        .json(&patch)
        .send()
        .await
        .unwrap();
    problem(r, 428).await;
    let r = app
        .client
        .patch(app.url("/tickets/IT-1"))
        .header("If-Match", "\"1\"")
        .json(&patch)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    let r = app
        .client
        .patch(app.url("/tickets/IT-1"))
        .header("If-Match", "\"1\"")
        .json(&json!({"title": "lost"}))
        .send()
        .await
        .unwrap();
    problem(r, 412).await;
    let t: Value = app.get("/tickets/IT-1").await.json().await.unwrap();
    assert_eq!(
        (
            t["title"].as_str(),
            t["status"].as_str(),
            t["fields"]["affected_users"].as_i64()
        ),
        (Some("Laptop will not boot"), Some("open"), Some(4))
    );

    let r = app
        .post(
            "/tickets/IT-1/comments",
            &json!({"kind": "public", "body": "On it", "author_name": "Bob"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let r = app
        .post(
            "/tickets/IT-1/comments",
            &json!({"kind": "internal", "body": "Disk is dead"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let comments: Value = app
        .get("/tickets/IT-1/comments?limit=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(comments["items"][0]["body"], "On it");
    let next = comments["next_cursor"].as_str().unwrap();
    let more: Value = app
        .get(&format!("/tickets/IT-1/comments?limit=1&cursor={next}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(more["items"][0]["kind"], "internal");
    let events: Value = app.get("/tickets/IT-1/events").await.json().await.unwrap();
    let fields: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "created",
            "status",
            "fields.affected_users",
            "comment",
            "comment"
        ]
    );

    let r = app
        .client
        .delete(app.url("/tickets/IT-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    problem(app.get("/tickets/IT-1").await, 404).await;
    let r = app
        .client
        .post(app.url("/tickets/IT-1/restore"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
});

api_test!(
    bad_input_gets_clear_errors_and_writes_nothing,
    |app| async move {
        // Every failing field at once, with pointers.
        let r = app
        .post("/tickets", &json!({"type": "it_support", "title": "", "fields": {"category": "toaster", "asset_tag": "B-1", "affected_users": 0, "colour": "red"}}))
        .await;
        let p = problem(r, 422).await;
        let ptrs = pointers(&p);
        for expected in [
            "/title",
            "/fields/category",
            "/fields/asset_tag",
            "/fields/affected_users",
            "/fields",
        ] {
            assert!(
                ptrs.contains(&expected.to_string()),
                "{expected} in {ptrs:?}"
            );
        }
        // Unknown type, wrong JSON types, not JSON, too large.
        let p = problem(
            app.post("/tickets", &json!({"type": "nope", "title": "x"}))
                .await,
            422,
        )
        .await;
        assert_eq!(pointers(&p), ["/type"]);
        let p = problem(
            app.post("/tickets", &json!({"type": "it_support", "title": 5}))
                .await,
            422,
        )
        .await;
        assert_eq!(pointers(&p), ["/title"]);
        let r = app
            .client
            .post(app.url("/tickets"))
            .header("content-type", "application/json")
            .body("{\"type\": ")
            .send()
            .await
            .unwrap();
        problem(r, 400).await;
        let r = app
            .client
            .post(app.url("/tickets"))
            .header("content-type", "text/plain")
            .body("hi")
            .send()
            .await
            .unwrap();
        problem(r, 415).await;
        let huge = json!({"type": "it_support", "title": "big", "body": "x".repeat(2 * 1024 * 1024), "fields": {"category": "other"}});
        let r = app.post("/tickets", &huge).await;
        problem(r, 413).await;
        // Unknown and malformed filters name themselves.
        let p = problem(app.get("/tickets?colour=red").await, 400).await;
        assert_eq!(pointers(&p), ["/query/colour"]);
        let p = problem(app.get("/tickets?type=it_support&f.colour=red").await, 400).await;
        assert_eq!(pointers(&p), ["/query/f.colour"]);
        let p = problem(
            app.get("/tickets?type=it_support&f.affected_users.gte=many")
                .await,
            400,
        )
        .await;
        assert_eq!(pointers(&p), ["/query/f.affected_users.gte"]);
        // Nothing was created by any of it.
        let page: Value = app.get("/tickets").await.json().await.unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 0);
        problem(app.get("/nowhere").await, 404).await;
    }
);

api_test!(idempotent_creates, |app| async move {
    let send = |body: Value| {
        app.client
            .post(app.url("/tickets"))
            .header("Idempotency-Key", "retry-1")
            .json(&body)
            .send()
    };
    let first = send(laptop("once")).await.unwrap();
    assert_eq!(first.status(), 201);
    let second = send(laptop("once")).await.unwrap();
    assert_eq!(second.status(), 201);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let (a, b): (Value, Value) = (first.json().await.unwrap(), second.json().await.unwrap());
    assert_eq!(a["key"], b["key"]);
    problem(send(laptop("different")).await.unwrap(), 409).await;
    let page: Value = app.get("/tickets").await.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
});

api_test!(list_filters_over_http, |app| async move {
    for (i, (cat, users)) in [
        ("hardware", 1),
        ("network", 10),
        ("hardware", 25),
        ("software", 3),
    ]
    .iter()
    .enumerate()
    {
        app.create(json!({"type": "it_support", "title": format!("t{i} printer"), "priority": if i == 0 { "P0" } else { "P3" },
            "tags": if i % 2 == 0 { vec!["vip"] } else { vec![] },
            "fields": {"category": cat, "affected_users": users}}))
            .await;
    }
    let keys = |v: Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["key"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let v: Value = app.get("/tickets?type=it_support&f.category=hardware&f.category=network&f.affected_users.gte=5&sort=-f.affected_users").await.json().await.unwrap();
    assert_eq!(keys(v), ["IT-3", "IT-2"]);
    let v: Value = app
        .get("/tickets?type=it_support&f.category.in=software,network&sort=f.affected_users")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(keys(v), ["IT-4", "IT-2"]);
    let v: Value = app
        .get("/tickets?priority.lte=P1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(keys(v), ["IT-1"]);
    let v: Value = app
        .get("/tickets?tag=vip&q=printer")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(keys(v), ["IT-3", "IT-1"]);
    let v: Value = app
        .get("/tickets?limit=3&sort=created_at")
        .await
        .json()
        .await
        .unwrap();
    let cursor = v["next_cursor"].as_str().unwrap().to_string();
    assert_eq!(keys(v), ["IT-1", "IT-2", "IT-3"]);
    let v: Value = app
        .get(&format!("/tickets?limit=3&sort=created_at&cursor={cursor}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(keys(v.clone()), ["IT-4"]);
    assert!(v["next_cursor"].is_null());
});

api_test!(types_plan_apply_export, |app| async move {
    let types: Value = app.get("/types").await.json().await.unwrap();
    assert_eq!(types.as_array().unwrap().len(), 5);
    let it: Value = app.get("/types/it_support").await.json().await.unwrap();
    assert_eq!(it["source"], "file");
    assert!(it["schema"]["properties"]["category"].is_object());
    assert!(it["ui"]["ui:order"].is_array());
    let ms = app.get("/types/meta-schema").await;
    assert_eq!(ms.headers()["content-type"], "application/schema+json");

    // A new type through the API: plan (nothing changes), apply, use it.
    let def = json!({"slug": "facilities", "name": "Facilities", "key_prefix": "FAC",
        "schema": {"type": "object", "required": ["room"], "properties": {
            "room": {"type": "string", "x-index": true}, "seats": {"type": "integer"}}}});
    let plan: Value = app
        .post("/types/plan", &json!({"definition": def}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(plan["safety"], "safe");
    assert!(
        plan["ddl"][0].as_str().unwrap().contains("CREATE TABLE"),
        "{plan}"
    );
    problem(app.get("/types/facilities").await, 404).await;
    let applied: Value = app
        .post("/types/apply", &json!({"definition": def}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (applied["applied"].as_bool(), applied["to_version"].as_i64()),
        (Some(true), Some(1))
    );
    let t = app.create(json!({"type": "facilities", "title": "Broken chair", "fields": {"room": "B12", "seats": 4}})).await;
    assert_eq!(t["key"], "FAC-1");

    // Remove a field: refused without force (409 with the plan), applied with it.
    let smaller = json!({"slug": "facilities", "name": "Facilities", "key_prefix": "FAC",
        "schema": {"type": "object", "required": ["room"], "properties": {"room": {"type": "string", "x-index": true}}}});
    let p = problem(
        app.post("/types/apply", &json!({"definition": smaller}))
            .await,
        409,
    )
    .await;
    assert_eq!(p["plan"]["safety"], "destructive");
    let r = app
        .post(
            "/types/apply",
            &json!({"definition": smaller, "allow_destructive": true}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let t: Value = app.get("/tickets/FAC-1").await.json().await.unwrap();
    assert!(t["fields"].get("seats").is_none());
    let detail: Value = app.get("/types/facilities").await.json().await.unwrap();
    assert_eq!(detail["hidden_columns"], json!(["seats"]));
    // Adding it back restores the data.
    app.post("/types/apply", &json!({"definition": def})).await;
    let t: Value = app.get("/tickets/FAC-1").await.json().await.unwrap();
    assert_eq!(t["fields"]["seats"], 4);
    let versions: Value = app
        .get("/types/facilities/versions")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(versions.as_array().unwrap().len(), 3);

    // YAML bodies: errors carry lines; export gives YAML back.
    let bad_yaml = "slug: facilities\nname: Facilities\nkey_prefix: FAC\nschema:\n  type: object\n  properties:\n    'x\"; DROP TABLE tickets; --': {type: string}\n";
    let r = app
        .client
        .post(app.url("/types/plan"))
        .header("content-type", "application/yaml")
        .body(bad_yaml)
        .send()
        .await
        .unwrap();
    let p = problem(r, 422).await;
    assert_eq!(p["type_errors"][0]["line"], 7, "{p}");
    let export = app.get("/types/facilities/export").await;
    assert_eq!(export.headers()["content-type"], "application/yaml");
    let text = export.text().await.unwrap();
    assert!(text.contains("slug: facilities"), "{text}");
    // Files are read-only through the API.
    let it_def = it["definition"].clone();
    problem(
        app.post("/types/apply", &json!({"definition": it_def}))
            .await,
        403,
    )
    .await;
});

api_test!(
    another_instance_serves_new_types_within_a_second,
    |app| async move {
        let other_store = app.db.second_instance().await;
        let (other_addr, _stop) = serve(other_store).await;
        let def = json!({"slug": "parking", "name": "Parking", "key_prefix": "PRK",
        "schema": {"type": "object", "properties": {"plate": {"type": "string"}}}});
        let r = app.post("/types/apply", &json!({"definition": def})).await;
        assert_eq!(r.status(), 200);
        let applied_at = Instant::now();
        let url = format!("http://{other_addr}/api/v1/types/parking");
        loop {
            let r = app.client.get(&url).send().await.unwrap();
            if r.status() == 200 {
                break;
            }
            assert!(
                applied_at.elapsed() < Duration::from_secs(1),
                "the other instance did not pick the type up within a second"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
);

#[tokio::test]
async fn reference_page_needs_no_network() {
    let app = TestApp::new(docket_store::Backend::Sqlite).await;
    let page = app.get("/docs").await.text().await.unwrap();
    assert!(page.contains("openapi.json"));
    for external in ["http://", "https://", "//cdn", "unpkg", "jsdelivr"] {
        assert!(
            !page.contains(external),
            "the reference page loads {external}"
        );
    }
    let doc: Value = app.get("/openapi.json").await.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let health: Value = app.get("/health").await.json().await.unwrap();
    assert_eq!(health["status"], "ok");
}

api_test!(list_by_team_and_sla_due, |app| async move {
    use chrono::TimeZone;
    let t0 = chrono::Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    app.db.store.clock().freeze(t0);
    for slug in ["it", "network"] {
        let r = app
            .post("/teams", &json!({"slug": slug, "name": slug}))
            .await;
        assert_eq!(r.status(), 201);
    }
    let it = |priority: &str, team: Value| {
        let mut body = json!({"type": "it_support", "title": "slow", "priority": priority,
            "fields": {"category": "hardware", "device": "laptop"}});
        if !team.is_null() {
            body["team"] = team;
        }
        body
    };
    // The type's first team works a ticket unless another is named.
    let a = app.create(it("P3", Value::Null)).await;
    assert_eq!(a["team"], "it");
    let b = app.create(it("P0", json!("network"))).await;
    assert_eq!(b["team"], "network");
    let c = app.create(it("P1", Value::Null)).await;
    let r = app
        .client
        .patch(app.url("/tickets/IT-3"))
        .header("if-match", "*")
        .json(&json!({"team": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.json::<Value>().await.unwrap()["team"].is_null());
    // Under the default policy (around the clock) resolution is due 72 h, 2 h and 8 h on.
    let due = |v: &Value| v["sla"]["resolution_due_at"].as_str().unwrap().to_string();
    let at = |h: i64| {
        (t0 + chrono::Duration::hours(h)).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
    };
    assert_eq!([due(&a), due(&b), due(&c)], [at(72), at(2), at(8)]);
    let keys = |v: Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["key"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let get = |path: String| {
        let app = &app;
        async move {
            let r = app.get(&path).await;
            assert_eq!(r.status(), 200, "{path}");
            r.json::<Value>().await.unwrap()
        }
    };
    assert_eq!(keys(get("/tickets?team=it".into()).await), ["IT-1"]);
    assert_eq!(keys(get("/tickets?team.null=true".into()).await), ["IT-3"]);
    assert_eq!(
        keys(get("/tickets?team.in=it,network&sort=team".into()).await),
        ["IT-1", "IT-2"]
    );
    // "Breaching soon": due within 9 hours, soonest first, paged by cursor.
    let soon = format!(
        "/tickets?resolution_due_at.lte={}&sort=resolution_due_at&limit=1",
        at(9).replace('+', "%2B")
    );
    let page = get(soon.clone()).await;
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    assert_eq!(keys(page), ["IT-2"]);
    let page = get(format!("{soon}&cursor={cursor}")).await;
    assert_eq!(keys(page.clone()), ["IT-3"]);
    assert!(page["next_cursor"].is_null());
    // Pending pauses the clocks: no due time, and the ticket leaves the queue.
    let r = app
        .client
        .patch(app.url("/tickets/IT-2"))
        .header("if-match", "*")
        .json(&json!({"status": "pending"}))
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    assert!(v["sla"]["resolution_due_at"].is_null(), "{v}");
    assert!(v["sla"]["due_at"].is_null(), "{v}");
    assert_eq!(keys(get(soon).await), ["IT-3"]);
    // `sla_due_at`, the earliest running clock, is the queue over every metric: IT-1's
    // resolution is 72 h away but its first response (P3: 8 h) is within 9 h; IT-3's
    // first response (P1: 1 h) comes first.
    let any_soon = format!(
        "/tickets?sla_due_at.lte={}&sort=sla_due_at",
        at(9).replace('+', "%2B")
    );
    assert_eq!(keys(get(any_soon).await), ["IT-3", "IT-1"]);
});

api_test!(a_workflow_declared_through_the_api, |app| async move {
    let def = |states: Value, transitions: Value| {
        json!({"definition": {"slug": "access", "name": "Access requests", "key_prefix": "ACC",
            "workflow": {"initial": "requested", "states": states, "transitions": transitions},
            "schema": {"type": "object", "properties": {"system": {"type": "string"}}}}})
    };
    let states = json!([
        {"name": "requested", "category": "new"},
        {"name": "approved", "category": "open"},
        {"name": "waiting_manager", "category": "pending", "label": "Waiting for the manager"},
        {"name": "granted", "category": "solved"},
        {"name": "closed", "category": "closed"}
    ]);
    let transitions = json!([
        {"from": "requested", "to": "waiting_manager"},
        {"from": ["waiting_manager"], "to": "approved"},
        {"from": "approved", "to": "granted"},
        {"from": "*", "to": "closed"}
    ]);
    let r = app
        .post("/types/apply", &def(states.clone(), transitions.clone()))
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let wf: Value = app
        .get("/types/access/workflow")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(wf["initial"], "requested");
    let t = app
        .create(json!({"type": "access", "title": "VPN for Ana", "fields": {"system": "vpn"}}))
        .await;
    assert_eq!(t["status"], "requested");
    let patch = |status: &str| {
        app.client
            .patch(app.url("/tickets/ACC-1"))
            .header("if-match", "*")
            .json(&json!({"status": status}))
            .send()
    };
    let p = problem(patch("granted").await.unwrap(), 422).await;
    assert_eq!(pointers(&p), ["/status"]);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("allowed from `requested`: waiting_manager, closed"),
        "{p}"
    );
    let v: Value = patch("waiting_manager")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["status_category"], "pending");
    // A ticket is waiting for the manager: that state cannot go.
    let without = json!([
        {"name": "requested", "category": "new"},
        {"name": "approved", "category": "open"},
        {"name": "granted", "category": "solved"},
        {"name": "closed", "category": "closed"}
    ]);
    let r = app
        .post(
            "/types/apply",
            &def(
                without,
                json!([{"from": "requested", "to": "approved"}, {"from": "approved", "to": "granted"}, {"from": "*", "to": "closed"}]),
            ),
        )
        .await;
    let p = problem(r, 409).await;
    assert!(p.to_string().contains("waiting_manager"), "{p}");
    assert_eq!(app.get("/tickets/ACC-1").await.status(), 200);
});
