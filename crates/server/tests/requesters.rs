//! The requester's memory through the API: profiles, context cards, staff notes, merges,
//! organisations and ticket summaries, each seen from inside and outside the teams that
//! work the requester's tickets.

mod common;

use common::*;
use docket_core::access::Role;
use docket_core::summary::SummaryContent;
use docket_store::SummaryWriter;
use serde_json::{Value, json};

fn it_ticket(title: &str, requester: Value, tags: &[&str]) -> Value {
    json!({"type": "it_support", "title": title, "requester": requester, "tags": tags,
        "fields": {"category": "hardware", "impact": "individual"}})
}

fn complaint(requester: Value) -> Value {
    json!({"type": "complaint", "title": "Rude driver", "requester": requester,
        "fields": {"category": "service_quality", "severity": "high", "incident_date": "2026-11-30"}})
}

api_test!(
    a_profile_counts_only_the_tickets_the_caller_sees,
    |app| async move {
        let it = Side::new(&app, "it@example.com", Role::Agent, "it").await;
        let care = Side::new(&app, "care@example.com", Role::Agent, "customer_care").await;
        let ada = json!({"email": "ada@example.com", "name": "Ada", "discord_id": "4242"});
        let first = app
            .create(it_ticket("VPN drops", ada.clone(), &["vpn", "network"]))
            .await;
        app.create(it_ticket("VPN again", ada.clone(), &["vpn"]))
            .await;
        app.create(complaint(ada.clone())).await;
        let id = first["requester"]["id"].as_i64().unwrap();
        // A reply of theirs is when they were last seen.
        let r = app
            .post(
                &format!("/tickets/{}/comments", first["key"].as_str().unwrap()),
                &json!({"kind": "public", "body": "Still broken", "author": "requester"}),
            )
            .await;
        assert_eq!(r.status(), 201);

        let admin = json_of(app.get(&format!("/requesters/{id}")).await, 200).await;
        assert_eq!(admin["name"], "Ada");
        assert_eq!(admin["ticket_count"], 3);
        assert_eq!(admin["open_count"], 3);
        let kinds: Vec<&str> = admin["identities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["email", "discord"]);
        assert_eq!(
            admin["topics"]["tags"][0],
            json!({"name": "vpn", "count": 2})
        );
        assert_eq!(
            admin["topics"]["types"][0],
            json!({"name": "it_support", "count": 2})
        );
        assert!(admin["last_seen"].as_str() >= admin["first_seen"].as_str());

        // IT sees Ada through its two tickets, and nothing of the complaint.
        let seen_by_it = json_of(it.get(&app, &format!("/requesters/{id}")).await, 200).await;
        assert_eq!(seen_by_it["ticket_count"], 2);
        assert!(!seen_by_it.to_string().contains("complaint"));
        // Customer care sees only the complaint.
        let seen_by_care = json_of(care.get(&app, &format!("/requesters/{id}")).await, 200).await;
        assert_eq!(seen_by_care["ticket_count"], 1);

        // The queue's requester filter.
        let page = json_of(
            it.get(&app, &format!("/tickets?requester_id={id}")).await,
            200,
        )
        .await;
        assert_eq!(page["items"].as_array().unwrap().len(), 2);

        // The search finds her by part of an identity, for those who see her.
        let found = json_of(it.get(&app, "/requesters?q=4242").await, 200).await;
        assert_eq!(found["items"][0]["id"], id);
        let facilities = Side::new(&app, "fac@example.com", Role::Agent, "facilities").await;
        let none = json_of(facilities.get(&app, "/requesters?q=ada").await, 200).await;
        assert_eq!(none["items"], json!([]));
    }
);

api_test!(
    staff_correct_names_and_set_unknown_organisations,
    |app| async move {
        let it = Side::new(&app, "it@example.com", Role::Agent, "it").await;
        let t = app
            .create(it_ticket(
                "x",
                json!({"email": "kim@example.com", "discord_id": "77", "discord_name": "kim#1"}),
                &[],
            ))
            .await;
        let id = t["requester"]["id"].as_i64().unwrap();
        let path = format!("/requesters/{id}");
        let profile = json_of(app.get(&path).await, 200).await;
        assert_eq!(profile["identities"][1]["label"], "kim#1");
        // A later create with the member's new name keeps the label current.
        app.create(it_ticket(
            "y",
            json!({"discord_id": "77", "discord_name": "kim_new"}),
            &[],
        ))
        .await;
        let profile = json_of(app.get(&path).await, 200).await;
        assert_eq!(profile["identities"][1]["label"], "kim_new");

        let r = json_of(
            it.patch(
                &app,
                &path,
                &json!({"name": " Kim Lee ", "organization": "Acme"}),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(
            (r["name"].as_str(), r["organization"].as_str()),
            (Some("Kim Lee"), Some("Acme"))
        );
        // Replacing a known organisation is for admins.
        let p = problem(
            it.patch(&app, &path, &json!({"organization": "Globex"}))
                .await,
            422,
        )
        .await;
        assert_eq!(pointers(&p), ["/organization"]);
        let r = app
            .client
            .patch(app.url(&path))
            .json(&json!({"organization": "Globex", "name": ""}))
            .send()
            .await
            .unwrap();
        let r = json_of(r, 200).await;
        assert_eq!(
            (r["name"].clone(), r["organization"].as_str()),
            (Value::Null, Some("Globex"))
        );
        let p = problem(it.patch(&app, &path, &json!({"nickname": "k"})).await, 422).await;
        assert!(p.to_string().contains("nickname"), "{p}");
        let audit = json_of(app.get("/audit?action=requester.update").await, 200).await;
        assert_eq!(audit["items"].as_array().unwrap().len(), 2);
    }
);

api_test!(
    requesters_of_other_teams_do_not_exist_for_an_agent,
    |app| async move {
        let care = Side::new(&app, "care@example.com", Role::Agent, "customer_care").await;
        let it = Side::new(&app, "it@example.com", Role::Agent, "it").await;
        let vera = json_of(
            care.post(
                &app,
                "/tickets",
                &complaint(json!({"email": "vera@example.com", "name": "Vera Secret"})),
            )
            .await,
            201,
        )
        .await;
        let id = vera["requester"]["id"].as_i64().unwrap();
        let note = json_of(
            care.post(
                &app,
                &format!("/requesters/{id}/notes"),
                &json!({"body": "Prefers phone calls"}),
            )
            .await,
            201,
        )
        .await;
        let note_id = note["id"].as_i64().unwrap();
        // IT gets the same 404 as for an id that does not exist, on every object.
        for path in [
            format!("/requesters/{id}"),
            format!("/requesters/{id}/card"),
            format!("/requesters/{id}/notes"),
        ] {
            let hidden = problem(it.get(&app, &path).await, 404).await;
            assert!(!hidden.to_string().contains("Vera"), "{hidden}");
        }
        problem(
            it.post(
                &app,
                &format!("/requesters/{id}/notes"),
                &json!({"body": "x"}),
            )
            .await,
            404,
        )
        .await;
        problem(
            it.patch(
                &app,
                &format!("/requesters/{id}/notes/{note_id}"),
                &json!({"body": "overwritten"}),
            )
            .await,
            404,
        )
        .await;
        problem(
            it.delete(&app, &format!("/requesters/{id}/notes/{note_id}"))
                .await,
            404,
        )
        .await;
        let missing = problem(it.get(&app, "/requesters/999999").await, 404).await;
        assert_eq!(missing["title"], "Not found");
        // The note is as it was.
        let notes = json_of(
            care.get(&app, &format!("/requesters/{id}/notes")).await,
            200,
        )
        .await;
        assert_eq!(notes["items"][0]["body"], "Prefers phone calls");
    }
);

api_test!(
    notes_are_changed_by_their_author_or_an_admin_and_audited,
    |app| async move {
        let one = Side::new(&app, "one@example.com", Role::Agent, "it").await;
        let two = Side::new(&app, "two@example.com", Role::Agent, "it").await;
        let viewer = Side::new(&app, "viewer@example.com", Role::Viewer, "it").await;
        let t = app
            .create(it_ticket(
                "Printer",
                json!({"email": "bob@example.com"}),
                &[],
            ))
            .await;
        let id = t["requester"]["id"].as_i64().unwrap();
        let notes = format!("/requesters/{id}/notes");
        let note = json_of(
            one.post(&app, &notes, &json!({"body": "  VIP, call first  "}))
                .await,
            201,
        )
        .await;
        assert_eq!(note["body"], "VIP, call first");
        assert_eq!(note["author_id"], one.id);
        assert_eq!(note["author_name"], "one");
        let note_path = format!("{notes}/{}", note["id"]);
        // Another agent reads it, but may not change it; a viewer may not write at all.
        problem(
            two.patch(&app, &note_path, &json!({"body": "mine now"}))
                .await,
            403,
        )
        .await;
        problem(two.delete(&app, &note_path).await, 403).await;
        problem(viewer.post(&app, &notes, &json!({"body": "hi"})).await, 403).await;
        let read = json_of(viewer.get(&app, &notes).await, 200).await;
        assert_eq!(read["items"].as_array().unwrap().len(), 1);
        // Bad bodies, by field.
        let p = problem(one.post(&app, &notes, &json!({"body": "   "})).await, 422).await;
        assert_eq!(pointers(&p), ["/body"]);
        let p = problem(
            one.post(&app, &notes, &json!({"body": "x".repeat(10_001)}))
                .await,
            422,
        )
        .await;
        assert_eq!(pointers(&p), ["/body"]);
        // The author edits, an admin deletes.
        let edited = json_of(
            one.patch(&app, &note_path, &json!({"body": "VIP"})).await,
            200,
        )
        .await;
        assert_eq!(edited["body"], "VIP");
        assert_eq!(edited["updated_by"], one.id);
        let r = app.client.delete(app.url(&note_path)).send().await.unwrap();
        assert_eq!(r.status(), 204);
        let audit = json_of(app.get("/audit?action=requester.note").await, 200).await;
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "requester.note.delete",
                "requester.note.update",
                "requester.note.add"
            ]
        );
        assert_eq!(audit["items"][1]["detail"]["old"], "VIP, call first");
    }
);

api_test!(
    the_card_has_previous_summaries_open_points_and_notes,
    |app| async move {
        let ada = json!({"email": "ada@example.com", "name": "Ada"});
        let old = app.create(it_ticket("VPN drops", ada.clone(), &[])).await;
        let old_key = old["key"].as_str().unwrap();
        let id = old["requester"]["id"].as_i64().unwrap();
        // The AI summarised the old ticket; staff then corrected it.
        app.db
            .store
            .set_ticket_summary(
                old_key,
                None,
                SummaryContent {
                    issue: "VPN drops every hour".into(),
                    resolution: "New client installed".into(),
                    open_points: vec!["Check again next week".into()],
                    topics: vec!["vpn".into()],
                    ..Default::default()
                },
                SummaryWriter::Ai {
                    model: "fake-model".into(),
                },
            )
            .await
            .unwrap()
            .unwrap();
        let r = app
            .client
            .put(app.url(&format!("/tickets/{old_key}/summary")))
            .json(
                &json!({"issue": "VPN drops every hour", "resolution": "New client installed",
                "open_points": ["Check again next week", "Send the new config"], "topics": ["VPN"],
                "sentiment": "frustrated"}),
            )
            .send()
            .await
            .unwrap();
        let edited = json_of(r, 200).await;
        assert_eq!(edited["summary"]["written_by"]["kind"], "ai");
        assert_eq!(
            edited["summary"]["edited_by"],
            "admin@example.com (token 1)"
        );
        assert_eq!(edited["summary"]["topics"], json!(["vpn"]));
        // The AI does not overwrite what staff edited.
        let kept = app
            .db
            .store
            .set_ticket_summary(
                old_key,
                None,
                SummaryContent {
                    issue: "something else".into(),
                    ..Default::default()
                },
                SummaryWriter::Ai {
                    model: "fake-model".into(),
                },
            )
            .await
            .unwrap();
        assert!(kept.is_none());
        // The summary is in the ticket's trail.
        let events = json_of(app.get(&format!("/tickets/{old_key}/events")).await, 200).await;
        assert!(
            events["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == "summary"),
            "{events}"
        );
        let r = app
            .post(
                &format!("/requesters/{id}/notes"),
                &json!({"body": "Works nights"}),
            )
            .await;
        assert_eq!(r.status(), 201);
        // Ada comes back.
        let new = app.create(it_ticket("VPN again", ada, &[])).await;
        let new_key = new["key"].as_str().unwrap();
        let card = json_of(
            app.get(&format!("/requesters/{id}/card?exclude={new_key}"))
                .await,
            200,
        )
        .await;
        assert_eq!(card["ticket_count"], 2);
        assert_eq!(card["previous"].as_array().unwrap().len(), 1);
        assert_eq!(card["previous"][0]["key"], old_key);
        assert_eq!(
            card["previous"][0]["summary"]["issue"],
            "VPN drops every hour"
        );
        assert_eq!(
            card["open_points"],
            json!(["Check again next week", "Send the new config"])
        );
        assert_eq!(card["open_points_from"], old_key);
        assert_eq!(card["notes"][0]["body"], "Works nights");
        let profile = json_of(app.get(&format!("/requesters/{id}")).await, 200).await;
        assert_eq!(
            profile["topics"]["summaries"][0],
            json!({"name": "vpn", "count": 1})
        );

        // Bad summaries are refused by field; a stale If-Match by version.
        let r = app
            .client
            .put(app.url(&format!("/tickets/{new_key}/summary")))
            .json(&json!({"issue": "", "topics": ["x".repeat(65)]}))
            .send()
            .await
            .unwrap();
        assert_eq!(pointers(&problem(r, 422).await), ["/issue", "/topics/0"]);
        let r = app
            .client
            .put(app.url(&format!("/tickets/{new_key}/summary")))
            .header("if-match", "\"999\"")
            .json(&json!({"issue": "x"}))
            .send()
            .await
            .unwrap();
        problem(r, 412).await;
        let r = app
            .client
            .delete(app.url(&format!("/tickets/{old_key}/summary")))
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(r, 200).await["summary"], Value::Null);
    }
);

api_test!(
    a_merge_moves_identities_tickets_and_notes,
    |app| async move {
        let it = Side::new(&app, "it@example.com", Role::Agent, "it").await;
        let by_mail = app
            .create(it_ticket(
                "Mail",
                json!({"email": "ada@example.com", "name": "Ada L."}),
                &[],
            ))
            .await;
        let by_discord = app
            .create(it_ticket(
                "Discord",
                json!({"discord_id": "4242", "organization": "Acme"}),
                &[],
            ))
            .await;
        let target = by_mail["requester"]["id"].as_i64().unwrap();
        let source = by_discord["requester"]["id"].as_i64().unwrap();
        let r = it
            .post(
                &app,
                &format!("/requesters/{source}/notes"),
                &json!({"body": "Met at the fair"}),
            )
            .await;
        assert_eq!(r.status(), 201);
        let merged = json_of(
            it.post(
                &app,
                &format!("/requesters/{target}/merge"),
                &json!({"source": source}),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(merged["id"], target);
        assert_eq!(merged["name"], "Ada L.");
        assert_eq!(merged["organization"], "Acme");
        let identities = merged["identities"].to_string();
        assert!(identities.contains("ada@example.com") && identities.contains("4242"));
        // Both tickets are hers now, the move in the moved ticket's trail.
        let page = json_of(
            app.get(&format!("/tickets?requester_id={target}")).await,
            200,
        )
        .await;
        assert_eq!(page["items"].as_array().unwrap().len(), 2);
        let key = by_discord["key"].as_str().unwrap();
        let events = json_of(app.get(&format!("/tickets/{key}/events")).await, 200).await;
        let moved = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == "requester")
            .expect("a requester event");
        assert_eq!(
            (moved["old"].as_i64(), moved["new"].as_i64()),
            (Some(source), Some(target))
        );
        let notes = json_of(app.get(&format!("/requesters/{target}/notes")).await, 200).await;
        assert_eq!(notes["items"][0]["body"], "Met at the fair");
        // The old id leads to the merged record, for reads and for new tickets.
        let old = json_of(app.get(&format!("/requesters/{source}")).await, 200).await;
        assert_eq!(old["id"], target);
        let again = app
            .create(it_ticket("Again", json!({"id": source}), &[]))
            .await;
        assert_eq!(again["requester"]["id"], target);
        // The Discord id finds her too.
        let via_discord = app
            .create(it_ticket("Via Discord", json!({"discord_id": "4242"}), &[]))
            .await;
        assert_eq!(via_discord["requester"]["id"], target);
        let audit = json_of(app.get("/audit?action=requester.merge").await, 200).await;
        assert_eq!(audit["items"][0]["detail"]["source"], source);
        // Merging into itself is refused.
        let p = problem(
            app.post(
                &format!("/requesters/{target}/merge"),
                &json!({"source": target}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(pointers(&p), ["/source"]);
    }
);

api_test!(
    a_merge_of_two_organisations_needs_a_choice_and_agents_merge_only_what_they_see,
    |app| async move {
        let it = Side::new(&app, "it@example.com", Role::Agent, "it").await;
        let a = app
            .create(it_ticket(
                "A",
                json!({"email": "a@example.com", "organization": "Acme"}),
                &[],
            ))
            .await["requester"]["id"]
            .as_i64()
            .unwrap();
        let b = app
            .create(it_ticket(
                "B",
                json!({"email": "b@example.com", "organization": "Globex"}),
                &[],
            ))
            .await["requester"]["id"]
            .as_i64()
            .unwrap();
        let p = problem(
            app.post(&format!("/requesters/{a}/merge"), &json!({"source": b}))
                .await,
            422,
        )
        .await;
        assert_eq!(pointers(&p), ["/organization"]);
        // A requester who also has a complaint (customer care's) is beyond an IT agent.
        app.create(complaint(json!({"id": b}))).await;
        problem(
            it.post(
                &app,
                &format!("/requesters/{a}/merge"),
                &json!({"source": b, "organization": "Globex"}),
            )
            .await,
            403,
        )
        .await;
        // An admin may, choosing the organisation.
        let merged = json_of(
            app.post(
                &format!("/requesters/{a}/merge"),
                &json!({"source": b, "organization": "globex"}),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(merged["organization"], "Globex");
    }
);

api_test!(
    a_merge_that_changes_the_organisation_moves_the_tickets_between_policies,
    |app| async move {
        let r = app
            .client
            .put(app.url("/sla/policies/acme"))
            .json(
                &json!({"position": 10, "conditions": {"organizations": ["Acme"]},
                "targets": {"P2": {"first_response": 30}}}),
            )
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        let acme = app
            .create(it_ticket(
                "A",
                json!({"email": "a@acme.example", "organization": "Acme"}),
                &[],
            ))
            .await;
        let loose = app
            .create(it_ticket("B", json!({"discord_id": "55"}), &[]))
            .await;
        let due = |t: &Value| {
            chrono::DateTime::parse_from_rfc3339(
                t["sla"]["first_response_due_at"].as_str().unwrap(),
            )
            .unwrap()
                - chrono::DateTime::parse_from_rfc3339(t["created_at"].as_str().unwrap()).unwrap()
        };
        assert_eq!(due(&acme), chrono::Duration::minutes(30));
        assert!(
            due(&loose) > chrono::Duration::minutes(30),
            "{}",
            loose["sla"]
        );
        let target = acme["requester"]["id"].as_i64().unwrap();
        let r = app
            .post(
                &format!("/requesters/{target}/merge"),
                &json!({"source": loose["requester"]["id"]}),
            )
            .await;
        assert_eq!(r.status(), 200);
        let key = loose["key"].as_str().unwrap();
        let moved = json_of(app.get(&format!("/tickets/{key}")).await, 200).await;
        assert_eq!(
            due(&moved),
            chrono::Duration::minutes(30),
            "{}",
            moved["sla"]
        );
    }
);

api_test!(
    organisations_have_domains_that_new_requesters_join,
    |app| async move {
        let it = Side::new(&app, "it@example.com", Role::Agent, "it").await;
        let acme = json_of(
            app.post("/organizations", &json!({"name": "Acme", "domains": ["@Acme.example", "acme.example"], "notes": "Key account"}))
                .await,
            201,
        )
        .await;
        assert_eq!(acme["domains"], json!(["acme.example"]));
        let id = acme["id"].as_i64().unwrap();
        // Agents read, only admins write.
        let read = json_of(it.get(&app, &format!("/organizations/{id}")).await, 200).await;
        assert_eq!(read["notes"], "Key account");
        problem(
            it.post(&app, "/organizations", &json!({"name": "Mine"}))
                .await,
            403,
        )
        .await;
        // Bad input, by field; a taken name or domain.
        let p = problem(
            app.post(
                "/organizations",
                &json!({"name": " ", "domains": ["not a domain", "acme.example"]}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(pointers(&p), ["/name", "/domains/0"]);
        let p = problem(
            app.post("/organizations", &json!({"name": "ACME"})).await,
            422,
        )
        .await;
        assert_eq!(pointers(&p), ["/name"]);
        let p = problem(
            app.post(
                "/organizations",
                &json!({"name": "Other", "domains": ["acme.example"]}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(pointers(&p), ["/domains/0"]);

        // A new requester at the domain joins; one naming an organisation keeps theirs.
        let joined = it
            .post(
                &app,
                "/tickets",
                &it_ticket("x", json!({"email": "wile@ACME.example"}), &[]),
            )
            .await;
        let joined = json_of(joined, 201).await;
        assert_eq!(joined["requester"]["organization"], "Acme");
        let named = json_of(
            it.post(
                &app,
                "/tickets",
                &it_ticket(
                    "y",
                    json!({"email": "road@acme.example", "organization": "Runner Inc"}),
                    &[],
                ),
            )
            .await,
            201,
        )
        .await;
        assert_eq!(named["requester"]["organization"], "Runner Inc");
        let listed = json_of(app.get(&format!("/organizations/{id}")).await, 200).await;
        assert_eq!(listed["requester_count"], 1);

        // A rename carries the requesters along.
        let r = app
            .client
            .patch(app.url(&format!("/organizations/{id}")))
            .json(&json!({"name": "Acme Corp"}))
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(r, 200).await["name"], "Acme Corp");
        let requester = joined["requester"]["id"].as_i64().unwrap();
        let profile = json_of(app.get(&format!("/requesters/{requester}")).await, 200).await;
        assert_eq!(profile["organization"], "Acme Corp");
        // ...unless an SLA policy selects on the name.
        let r = app
            .client
            .put(app.url("/sla/policies/acme"))
            .json(
                &json!({"name": "acme", "conditions": {"organizations": ["acme corp"]},
                "targets": {"P1": {"first_response": 60}}}),
            )
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        let r = app
            .client
            .patch(app.url(&format!("/organizations/{id}")))
            .json(&json!({"name": "Acme Holding"}))
            .send()
            .await
            .unwrap();
        let p = problem(r, 409).await;
        assert!(p["detail"].as_str().unwrap().contains("acme"), "{p}");
        let r = app
            .client
            .delete(app.url(&format!("/organizations/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }
);
