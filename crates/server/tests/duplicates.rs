//! Near duplicates: flagged at create whatever the channel, merged in one call (comments
//! and files move, the source closes with a note), or dismissed. And a requester who
//! gains an email identity joins the organisation at its domain.

mod common;

use common::*;
use docket_core::access::Role;
use serde_json::{Value, json};

fn vpn(email: &str, title: &str, body: &str) -> Value {
    json!({"type": "it_support", "title": title, "body": body,
           "fields": {"category": "network"}, "requester": {"email": email}})
}

const BODY: &str = "Since this morning I cannot connect to the VPN from home, it times out.";

api_test!(a_near_duplicate_is_flagged_and_merged, |app| async move {
    let first = app
        .create(vpn("ada@example.com", "VPN is down", BODY))
        .await;
    let again = app
        .create(vpn(
            "ada@example.com",
            "VPN is down!",
            &format!("{BODY} Please help."),
        ))
        .await;
    assert_eq!(again["possible_duplicate_of"], first["key"]);
    assert_eq!(first["possible_duplicate_of"], Value::Null);
    // Another requester, or another request, is not flagged.
    let other = app
        .create(vpn("grace@example.com", "VPN is down", BODY))
        .await;
    assert_eq!(other["possible_duplicate_of"], Value::Null);
    let unlike = app
        .create(vpn(
            "ada@example.com",
            "New monitor",
            "Please order a second monitor for my desk.",
        ))
        .await;
    assert_eq!(unlike["possible_duplicate_of"], Value::Null);

    let (source, target) = (
        again["key"].as_str().unwrap(),
        first["key"].as_str().unwrap(),
    );
    json_of(
        app.post(
            &format!("/tickets/{source}/comments"),
            &json!({"kind": "public", "body": "Any news?"}),
        )
        .await,
        201,
    )
    .await;
    let r = app
        .client
        .post(app.url(&format!("/tickets/{source}/attachments")))
        .query(&[("filename", "vpn.log")])
        .header("content-type", "text/plain")
        .body("timeout".as_bytes().to_vec())
        .send()
        .await
        .unwrap();
    let file = json_of(r, 201).await;

    let merged = json_of(
        app.post(
            &format!("/tickets/{source}/merge"),
            &json!({"into": target}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(merged["key"], target);
    let comments = json_of(app.get(&format!("/tickets/{target}/comments")).await, 200).await;
    let bodies: Vec<String> = comments["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap().to_string())
        .collect();
    assert!(bodies.contains(&"Any news?".to_string()), "{bodies:?}");
    assert!(
        bodies
            .iter()
            .any(|b| b.contains(&format!("{source} was merged into this ticket"))),
        "{bodies:?}"
    );
    let files = json_of(
        app.get(&format!("/tickets/{target}/attachments")).await,
        200,
    )
    .await;
    let files = files
        .as_array()
        .cloned()
        .unwrap_or_else(|| files["items"].as_array().unwrap().clone());
    assert!(files.iter().any(|f| f["id"] == file["id"]), "{files:?}");

    let closed = json_of(app.get(&format!("/tickets/{source}")).await, 200).await;
    assert_eq!(closed["status_category"], "closed");
    assert_eq!(closed["possible_duplicate_of"], Value::Null);
    let left = json_of(app.get(&format!("/tickets/{source}/comments")).await, 200).await;
    let note = left["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(note["kind"], "system");
    assert!(note["body"].as_str().unwrap().contains(target));
    // Both trails say so.
    for (key, field, other) in [
        (source, "merged_into", target),
        (target, "merged_from", source),
    ] {
        let events = json_of(app.get(&format!("/tickets/{key}/events")).await, 200).await;
        let found = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == field && e["new"] == other);
        assert!(found, "{key}: {events}");
    }
    // A closed ticket is not merged again; nor is a ticket into itself.
    problem(
        app.post(
            &format!("/tickets/{source}/merge"),
            &json!({"into": target}),
        )
        .await,
        409,
    )
    .await;
    let p = problem(
        app.post(
            &format!("/tickets/{target}/merge"),
            &json!({"into": target}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(pointers(&p), ["/into"]);
});

api_test!(a_wrong_flag_is_dismissed, |app| async move {
    let first = app
        .create(vpn("ada@example.com", "VPN is down", BODY))
        .await;
    let again = app
        .create(vpn("ada@example.com", "VPN is down", BODY))
        .await;
    assert_eq!(again["possible_duplicate_of"], first["key"]);
    let key = again["key"].as_str().unwrap();
    let cleared = json_of(
        app.post(&format!("/tickets/{key}/duplicate/dismiss"), &json!({}))
            .await,
        200,
    )
    .await;
    assert_eq!(cleared["possible_duplicate_of"], Value::Null);
    let events = json_of(app.get(&format!("/tickets/{key}/events")).await, 200).await;
    assert!(
        events["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "possible_duplicate_of")
    );
});

api_test!(
    both_tickets_of_a_merge_must_be_the_callers,
    |app| async move {
        let it = Side::new(&app, "it@example.com", Role::Agent, "it").await;
        let mine = app
            .create(vpn("ada@example.com", "VPN is down", BODY))
            .await;
        let theirs = app
            .create(
                json!({"type": "complaint", "title": "VPN is down", "body": BODY,
                        "requester": {"email": "ada@example.com"},
                        "fields": {"category": "billing", "incident_date": "2026-12-01"}}),
            )
            .await;
        let (mine, theirs) = (
            mine["key"].as_str().unwrap(),
            theirs["key"].as_str().unwrap(),
        );
        let p = problem(
            it.post(
                &app,
                &format!("/tickets/{mine}/merge"),
                &json!({"into": theirs}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(pointers(&p), ["/into"]);
        problem(
            it.post(
                &app,
                &format!("/tickets/{theirs}/merge"),
                &json!({"into": mine}),
            )
            .await,
            404,
        )
        .await;
        problem(
            it.post(
                &app,
                &format!("/tickets/{theirs}/duplicate/dismiss"),
                &json!({}),
            )
            .await,
            404,
        )
        .await;
        problem(
            app.anonymous
                .post(app.url(&format!("/tickets/{mine}/merge")))
                .json(&json!({"into": theirs}))
                .send()
                .await
                .unwrap(),
            401,
        )
        .await;
    }
);

api_test!(
    an_email_identity_joins_its_domains_organisation,
    |app| async move {
        json_of(
            app.post(
                "/organizations",
                &json!({"name": "Acme", "domains": ["acme.example"]}),
            )
            .await,
            201,
        )
        .await;
        let first = app
            .create(
                json!({"type": "it_support", "title": "Hello", "fields": {"category": "other"},
                        "requester": {"discord_id": "123456789", "name": "ada"}}),
            )
            .await;
        assert_eq!(first["requester"]["organization"], Value::Null);
        let second = app
            .create(
                json!({"type": "it_support", "title": "Again", "fields": {"category": "other"},
                        "requester": {"discord_id": "123456789", "email": "ada@acme.example"}}),
            )
            .await;
        assert_eq!(second["requester"]["id"], first["requester"]["id"]);
        assert_eq!(second["requester"]["organization"], "Acme");
        assert_eq!(second["requester"]["email"], "ada@acme.example");
    }
);

api_test!(
    a_message_relayed_to_both_tickets_does_not_stop_a_merge,
    |app| async move {
        let first = app
            .create(vpn("ada@example.com", "VPN is down", BODY))
            .await;
        let again = app
            .create(vpn("ada@example.com", "VPN is down", BODY))
            .await;
        let (source, target) = (
            again["key"].as_str().unwrap(),
            first["key"].as_str().unwrap(),
        );
        for key in [source, target] {
            json_of(
            app.post(
                &format!("/tickets/{key}/comments"),
                &json!({"kind": "public", "body": "Same message", "external_ref": "discord:42"}),
            )
            .await,
            201,
        )
        .await;
        }
        json_of(
            app.post(
                &format!("/tickets/{source}/merge"),
                &json!({"into": target}),
            )
            .await,
            200,
        )
        .await;
        let comments = json_of(app.get(&format!("/tickets/{target}/comments")).await, 200).await;
        let copies = comments["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["body"] == "Same message")
            .count();
        assert_eq!(copies, 2);
    }
);
