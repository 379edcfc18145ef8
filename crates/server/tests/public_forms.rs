//! Public forms and follow links: anonymous endpoints that make tickets and show a
//! requester their own ticket, and nothing else.

mod common;

use common::*;
use docket_core::access::Role;
use docket_store::identity::Actor;
use reqwest::Response;
use serde_json::{Value, json};

/// Publish IT support at `/forms/it_help`, showing two of its fields.
async fn publish(app: &TestApp, extra: Value) -> Value {
    let mut body = json!({
        "slug": "it_help", "published": true, "intro": "Tell us what broke.",
        "fields": ["category", "device"],
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = app
        .client
        .put(app.url("/types/it_support/public-form"))
        .json(&body)
        .send()
        .await
        .unwrap();
    json_of(r, 200).await
}

async fn submit(app: &TestApp, slug: &str, body: &Value) -> Response {
    app.anonymous
        .post(app.url(&format!("/public/forms/{slug}")))
        .json(body)
        .send()
        .await
        .unwrap()
}

fn submission(email: &str, title: &str) -> Value {
    json!({
        "name": "Ada Lovelace", "email": email, "title": title,
        "body": "The screen stays black after the update.",
        "fields": {"category": "hardware", "device": "laptop"},
    })
}

async fn ticket_count(app: &TestApp) -> usize {
    let page = json_of(app.get("/tickets?limit=200").await, 200).await;
    page["items"].as_array().unwrap().len()
}

api_test!(
    a_published_form_makes_a_ticket_from_its_schema,
    |app| async move {
        let settings = publish(&app, json!({})).await;
        assert_eq!(settings["shown_fields"], json!(["category", "device"]));

        let index = json_of(
            app.anonymous
                .get(app.url("/public/forms"))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(
            index,
            json!([{"slug": "it_help", "name": "IT support", "description": index[0]["description"]}])
        );
        let form = json_of(
            app.anonymous
                .get(app.url("/public/forms/it_help"))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(form["intro"], "Tell us what broke.");
        let props: Vec<&String> = form["schema"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(props, ["category", "device"]);
        assert_eq!(form["schema"]["required"], json!(["category"]));

        let receipt = json_of(
            submit(
                &app,
                "it_help",
                &submission("Ada@Example.com", "Black screen"),
            )
            .await,
            201,
        )
        .await;
        let key = receipt["ticket"].as_str().unwrap();
        assert!(key.starts_with("IT-"), "{key}");
        let ticket = json_of(app.get(&format!("/tickets/{key}")).await, 200).await;
        assert_eq!(ticket["source"], "form");
        assert_eq!(ticket["requester"]["email"], "ada@example.com");
        assert_eq!(ticket["requester"]["name"], "Ada Lovelace");
        assert_eq!(ticket["fields"]["category"], "hardware");
        // A field the form hides gets its default, as any create would.
        assert_eq!(ticket["fields"]["impact"], "individual");
    }
);

api_test!(a_submission_is_checked_field_by_field, |app| async move {
    publish(&app, json!({})).await;
    let r = submit(
        &app,
        "it_help",
        &json!({"name": " ", "email": "not-an-address", "title": "x",
                "fields": {"category": "hardware", "asset_tag": "A-00001"}}),
    )
    .await;
    let p = problem(r, 422).await;
    assert_eq!(pointers(&p), ["/name", "/email", "/fields/asset_tag"]);
    // Then the type's own checks, every failing field at once.
    let r = submit(
        &app,
        "it_help",
        &json!({"name": "Ada", "email": "ada@example.com", "title": " ",
                "fields": {"category": "toaster"}}),
    )
    .await;
    let p = problem(r, 422).await;
    let found = pointers(&p);
    assert!(found.contains(&"/title".to_string()), "{found:?}");
    assert!(found.contains(&"/fields/category".to_string()), "{found:?}");
    // Unknown members of the body are refused by name.
    let p = problem(
        submit(
            &app,
            "it_help",
            &json!({"name": "Ada", "email": "ada@example.com", "title": "t", "admin": true}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(pointers(&p), ["/admin"]);
    assert_eq!(ticket_count(&app).await, 0);
});

api_test!(
    unpublished_and_unknown_forms_are_not_found,
    |app| async move {
        publish(&app, json!({"published": false})).await;
        for path in ["/public/forms/it_help", "/public/forms/nothing"] {
            problem(app.anonymous.get(app.url(path)).send().await.unwrap(), 404).await;
        }
        problem(
            submit(&app, "it_help", &submission("ada@example.com", "t")).await,
            404,
        )
        .await;
        let index = json_of(
            app.anonymous
                .get(app.url("/public/forms"))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(index, json!([]));
        // A form may not hide a required field without a default.
        let r = app
            .client
            .put(app.url("/types/it_support/public-form"))
            .json(&json!({"slug": "it_help", "published": true, "fields": ["device"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(pointers(&problem(r, 422).await), ["/fields"]);
    }
);

api_test!(
    a_filled_honeypot_looks_like_success_and_stores_nothing,
    |app| async move {
        publish(&app, json!({})).await;
        let mut body = submission("bot@example.com", "Cheap pills");
        body["homepage"] = json!("http://spam.example");
        let receipt = json_of(submit(&app, "it_help", &body).await, 201).await;
        assert!(receipt["ticket"].as_str().unwrap().starts_with("IT-"));
        assert_eq!(ticket_count(&app).await, 0);
        let requesters = json_of(app.get("/requesters").await, 200).await;
        assert_eq!(requesters["items"], json!([]));
    }
);

api_test!(
    a_flood_is_refused_with_retry_after_and_nothing_half_written,
    |app| async move {
        publish(&app, json!({"per_email_per_hour": 5})).await;
        let posts = (0..50).map(|i| {
            let app = &app;
            async move {
                submit(
                    app,
                    "it_help",
                    &submission("flood@example.com", &format!("Request number {i}")),
                )
                .await
            }
        });
        let answers = futures::future::join_all(posts).await;
        let mut created = 0;
        let mut refused = 0;
        for r in answers {
            match r.status().as_u16() {
                201 => created += 1,
                429 => {
                    let wait: u64 = r.headers()["retry-after"]
                        .to_str()
                        .unwrap()
                        .parse()
                        .unwrap();
                    assert!(wait > 0 && wait <= 3600, "{wait}");
                    refused += 1;
                }
                other => panic!("unexpected {other}: {}", r.text().await.unwrap()),
            }
        }
        assert_eq!(created, 5);
        assert_eq!(created + refused, 50);
        assert_eq!(ticket_count(&app).await, created);
        // Another sender from the same address still gets through (the address's limit is 20).
        json_of(
            submit(&app, "it_help", &submission("grace@example.com", "Printer")).await,
            201,
        )
        .await;
    }
);

api_test!(form_settings_are_for_admins, |app| async move {
    let it = Side::new(&app, "it@example.com", Role::Agent, "it").await;
    problem(it.get(&app, "/types/it_support/public-form").await, 403).await;
    problem(
        app.anonymous
            .get(app.url("/types/it_support/public-form"))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    problem(app.get("/types/it_support/public-form").await, 404).await;
    publish(&app, json!({})).await;
    json_of(app.get("/types/it_support/public-form").await, 200).await;
});

/// A form ticket, a staff reply and an internal note; the ticket's id and key.
async fn followed_ticket(app: &TestApp) -> (i64, String) {
    publish(app, json!({})).await;
    let receipt = json_of(
        submit(
            app,
            "it_help",
            &submission("ada@example.com", "Black screen"),
        )
        .await,
        201,
    )
    .await;
    let key = receipt["ticket"].as_str().unwrap().to_string();
    let ticket = json_of(app.get(&format!("/tickets/{key}")).await, 200).await;
    for (kind, body) in [
        ("public", "Try holding the power button."),
        ("internal", "Probably the GPU again"),
    ] {
        json_of(
            app.post(
                &format!("/tickets/{key}/comments"),
                &json!({"kind": kind, "body": body}),
            )
            .await,
            201,
        )
        .await;
    }
    (ticket["id"].as_i64().unwrap(), key)
}

async fn follow(app: &TestApp, token: &str) -> Response {
    app.anonymous
        .get(app.url(&format!("/public/follow/{token}")))
        .send()
        .await
        .unwrap()
}

api_test!(
    a_follow_link_shows_the_public_thread_and_takes_replies,
    |app| async move {
        let (id, key) = followed_ticket(&app).await;
        let token = app
            .db
            .store
            .follow_token(&test_master_key(), id)
            .await
            .unwrap();
        let seen = json_of(follow(&app, &token).await, 200).await;
        assert_eq!(seen["key"], key.as_str());
        assert_eq!(seen["title"], "Black screen");
        let bodies: Vec<&str> = seen["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["body"].as_str().unwrap())
            .collect();
        assert_eq!(bodies, ["Try holding the power button."]);
        assert!(!seen.to_string().contains("GPU"));

        let r = app
            .anonymous
            .post(app.url(&format!("/public/follow/{token}/comments")))
            .json(&json!({"body": "That worked, thanks!"}))
            .send()
            .await
            .unwrap();
        let after = json_of(r, 201).await;
        let last = after["comments"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["body"], "That worked, thanks!");
        assert_eq!(last["from_requester"], true);
        let comments = json_of(app.get(&format!("/tickets/{key}/comments")).await, 200).await;
        let reply = comments["items"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(reply["author"], "requester");
        assert_eq!(reply["kind"], "public");
        // An empty reply is refused by field.
        let r = app
            .anonymous
            .post(app.url(&format!("/public/follow/{token}/comments")))
            .json(&json!({"body": "  "}))
            .send()
            .await
            .unwrap();
        assert_eq!(pointers(&problem(r, 422).await), ["/body"]);
    }
);

api_test!(
    forged_and_stale_follow_links_are_refused,
    |app| async move {
        let (id, key) = followed_ticket(&app).await;
        let store = &app.db.store;
        let token = store.follow_token(&test_master_key(), id).await.unwrap();
        let (ids, mac) = token.rsplit_once('.').unwrap();
        let (ticket, requester) = ids.split_once('.').unwrap();
        let other = json_of(
            app.post(
                "/tickets",
                &json!({"type": "it_support", "title": "Other", "fields": {"category": "email"},
            "requester": {"email": "grace@example.com"}}),
            )
            .await,
            201,
        )
        .await;
        let flipped = if mac.ends_with('A') { "B" } else { "A" };
        for forged in [
            format!("{}{flipped}", &token[..token.len() - 1]),
            format!("{}.{requester}.{mac}", other["id"]),
            format!("{ticket}.{}.{mac}", other["requester"]["id"]),
            "nothing".to_string(),
            format!("{ticket}.{requester}"),
        ] {
            problem(follow(&app, &forged).await, 404).await;
            let r = app
                .anonymous
                .post(app.url(&format!("/public/follow/{forged}/comments")))
                .json(&json!({"body": "hello"}))
                .send()
                .await
                .unwrap();
            problem(r, 404).await;
        }
        // The ticket moves to another requester: the old link stops working.
        let ada = json_of(app.get(&format!("/tickets/{key}")).await, 200).await["requester"]["id"]
            .as_i64()
            .unwrap();
        let grace = other["requester"]["id"].as_i64().unwrap();
        json_of(
            app.post(
                &format!("/requesters/{grace}/merge"),
                &json!({"source": ada}),
            )
            .await,
            200,
        )
        .await;
        problem(follow(&app, &token).await, 404).await;
        let renewed = store.follow_token(&test_master_key(), id).await.unwrap();
        json_of(follow(&app, &renewed).await, 200).await;
        // The secret is rotated: every link signed before stops working.
        store
            .delete_secret(
                docket_store::public::FOLLOW_SECRET,
                &Actor::new("test", None),
            )
            .await
            .unwrap();
        problem(follow(&app, &renewed).await, 404).await;
        let fresh = store.follow_token(&test_master_key(), id).await.unwrap();
        assert_ne!(fresh, renewed);
        json_of(follow(&app, &fresh).await, 200).await;
    }
);

api_test!(public_endpoints_expose_nothing_else, |app| async move {
    publish(&app, json!({})).await;
    // Without an account, the rest of the API stays closed.
    for path in ["/tickets", "/requesters", "/types/it_support/public-form"] {
        problem(app.anonymous.get(app.url(path)).send().await.unwrap(), 401).await;
    }
    // A form answers with the key only, never the ticket.
    let receipt = json_of(
        submit(
            &app,
            "it_help",
            &submission("ada@example.com", "Black screen"),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(receipt.as_object().unwrap().len(), 1);
});
