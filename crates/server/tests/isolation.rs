//! Team isolation reaches every object a ticket leads to, not only the ticket row:
//! requesters (by id, by email, their identities and organisation), idempotent replays,
//! a deleted ticket's trail, comments, notifications. Agents of `it` and of
//! `customer_care` work side by side; each test checks one object from both sides.

mod common;

use common::*;
use docket_core::access::Role;
use serde_json::{Value, json};

fn complaint(requester: Value) -> Value {
    json!({"type": "complaint", "title": "Rude driver", "requester": requester,
        "fields": {"category": "service_quality", "severity": "high", "incident_date": "2026-11-30"}})
}

fn it_ticket(requester: Value) -> Value {
    json!({"type": "it_support", "title": "Laptop", "requester": requester,
        "fields": {"category": "hardware", "impact": "individual"}})
}

/// Customer care knows Vera: name, organisation, a Discord id.
async fn veras_complaint(app: &TestApp, care: &Side) -> Value {
    let r = care
        .post(
            app,
            "/tickets",
            &complaint(json!({"email": "vera@example.com", "name": "Vera Secret",
            "discord_id": "111", "organization": "Acme"})),
        )
        .await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

api_test!(
    requester_ids_of_another_team_are_not_found,
    |app| async move {
        let care = Side::new(&app, "care@example.com", Role::Agent, "customer_care").await;
        let it = Side::new(&app, "it@example.com", Role::Agent, "it").await;
        let vera = veras_complaint(&app, &care).await;
        let id = vera["requester"]["id"].as_i64().unwrap();
        let hidden = problem(
            it.post(&app, "/tickets", &it_ticket(json!({"id": id})))
                .await,
            422,
        )
        .await;
        let missing = problem(
            it.post(&app, "/tickets", &it_ticket(json!({"id": id + 1000})))
                .await,
            422,
        )
        .await;
        // Indistinguishable from an id that does not exist, apart from the number.
        assert_eq!(pointers(&hidden), ["/requester/id"]);
        assert_eq!(
            hidden["errors"][0]["message"]
                .as_str()
                .unwrap()
                .replace(&id.to_string(), "N"),
            missing["errors"][0]["message"]
                .as_str()
                .unwrap()
                .replace(&(id + 1000).to_string(), "N")
        );
        // Customer care reaches its own requester by id.
        let r = care
            .post(&app, "/tickets", &complaint(json!({"id": id})))
            .await;
        assert_eq!(r.status(), 201);
    }
);

api_test!(
    an_email_of_another_teams_requester_reveals_and_changes_nothing,
    |app| async move {
        let care = Side::new(&app, "care@example.com", Role::Agent, "customer_care").await;
        let it = Side::new(&app, "it@example.com", Role::Agent, "it").await;
        let vera = veras_complaint(&app, &care).await;
        let before = vera["requester"].clone();
        // IT names Vera by email, adds its own Discord id and an organisation.
        let r = it
            .post(
                &app,
                "/tickets",
                &it_ticket(json!({"email": "VERA@example.com", "discord_id": "999",
            "organization": "Globex"})),
            )
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let t: Value = r.json().await.unwrap();
        let seen = &t["requester"];
        let text = seen.to_string();
        assert!(
            !text.contains("Vera Secret") && !text.contains("Acme") && !text.contains("111"),
            "{seen}"
        );
        assert_ne!(seen["id"], before["id"]);
        assert_eq!(seen["email"], "vera@example.com");
        // Read again later: still nothing of customer care's record.
        let again: Value = it
            .get(&app, &format!("/tickets/{}", t["key"].as_str().unwrap()))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(again["requester"], *seen);
        // Customer care's record is as it was: no new identity, the same organisation.
        let key = vera["key"].as_str().unwrap();
        let now: Value = care
            .get(&app, &format!("/tickets/{key}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(now["requester"], before);
        // A second IT ticket for Vera reaches IT's record, not a third one.
        let r = it
            .post(
                &app,
                "/tickets",
                &it_ticket(json!({"email": "vera@example.com"})),
            )
            .await;
        let t2: Value = r.json().await.unwrap();
        assert_eq!(t2["requester"]["id"], seen["id"]);
        // Customer care still reaches its own Vera by email.
        let r = care
            .post(
                &app,
                "/tickets",
                &complaint(json!({"email": "vera@example.com"})),
            )
            .await;
        let t3: Value = r.json().await.unwrap();
        assert_eq!(t3["requester"]["id"], before["id"]);
        // Integrations that see every type (an admin token) reach the first record.
        let t4 = app
            .create(it_ticket(json!({"email": "vera@example.com"})))
            .await;
        assert_eq!(t4["requester"]["id"], before["id"]);
    }
);

api_test!(
    an_organisation_that_moves_other_teams_tickets_is_admin_only,
    |app| async move {
        let care = Side::new(&app, "care@example.com", Role::Agent, "customer_care").await;
        // An agent in both teams sees Otto through either type.
        let both = Side::new(&app, "both@example.com", Role::Agent, "customer_care").await;
        create_user(&app.db.store, "x@example.com", Role::Agent, &["it"]).await;
        let both_id = app
            .db
            .store
            .user_by_email("both@example.com")
            .await
            .unwrap()
            .unwrap()
            .id;
        app.db
            .store
            .set_team_member(
                "it",
                both_id,
                true,
                &docket_store::identity::Actor::new("t", None),
            )
            .await
            .unwrap();
        let it = Side::new(&app, "it@example.com", Role::Agent, "it").await;
        // Otto has an IT ticket (from the agent in both teams) and a complaint.
        let r = both
            .post(
                &app,
                "/tickets",
                &it_ticket(json!({"email": "otto@example.com"})),
            )
            .await;
        assert_eq!(r.status(), 201);
        let r = both
            .post(
                &app,
                "/tickets",
                &complaint(json!({"email": "otto@example.com"})),
            )
            .await;
        let otto: Value = r.json().await.unwrap();
        // IT sees Otto (through the IT ticket) but may not set his organisation: it would
        // move the complaint between SLA policies.
        let p = problem(
            it.post(
                &app,
                "/tickets",
                &it_ticket(json!({"email": "otto@example.com", "organization": "Acme"})),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(pointers(&p), ["/requester/organization"]);
        let now: Value = care
            .get(&app, &format!("/tickets/{}", otto["key"].as_str().unwrap()))
            .await
            .json()
            .await
            .unwrap();
        assert!(now["requester"]["organization"].is_null(), "{now}");
        // An admin may.
        let t = app
            .create(it_ticket(
                json!({"email": "otto@example.com", "organization": "Acme"}),
            ))
            .await;
        assert_eq!(t["requester"]["organization"], "Acme");
    }
);

api_test!(
    replays_answer_only_while_the_ticket_is_visible,
    |app| async move {
        let it = Side::new(&app, "it@example.com", Role::Agent, "it").await;
        let send = |key: &'static str| {
            it.client
                .post(app.url("/tickets"))
                .header("idempotency-key", key)
                .json(&it_ticket(json!({"email": "ada@example.com"})))
                .send()
        };
        let r = send("k1").await.unwrap();
        assert_eq!(r.status(), 201);
        let t: Value = r.json().await.unwrap();
        let key = t["key"].as_str().unwrap().to_string();
        let r = send("k1").await.unwrap();
        assert_eq!(
            (
                r.status().as_u16(),
                r.headers()["idempotent-replayed"].to_str().unwrap()
            ),
            (201, "true")
        );
        // Deleted: the replay does not bring it back into view.
        assert_eq!(
            app.client
                .delete(app.url(&format!("/tickets/{key}")))
                .send()
                .await
                .unwrap()
                .status(),
            204
        );
        problem(send("k1").await.unwrap(), 404).await;
        app.client
            .post(app.url(&format!("/tickets/{key}/restore")))
            .send()
            .await
            .unwrap();
        let r = send("k1").await.unwrap();
        assert_eq!(r.status(), 201);
        // The agent leaves the team: the replay is a 404 like any ticket they cannot see.
        let id = app
            .db
            .store
            .user_by_email("it@example.com")
            .await
            .unwrap()
            .unwrap()
            .id;
        app.db
            .store
            .set_team_member(
                "it",
                id,
                false,
                &docket_store::identity::Actor::new("t", None),
            )
            .await
            .unwrap();
        let r = send("k1").await.unwrap();
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        // Refused (the type is no longer theirs), and nothing of the ticket comes back.
        assert!(matches!(status, 403 | 404), "{status}: {body}");
        assert!(
            !body.contains("Laptop") && !body.contains("ada@example.com"),
            "{body}"
        );
    }
);

api_test!(
    a_deleted_tickets_trail_is_not_for_viewers,
    |app| async move {
        let viewer = Side::new(&app, "viewer@example.com", Role::Viewer, "it").await;
        let agent = Side::new(&app, "agent@example.com", Role::Agent, "it").await;
        let t = app
            .create(it_ticket(json!({"email": "ada@example.com"})))
            .await;
        let key = t["key"].as_str().unwrap();
        assert_eq!(
            viewer
                .get(&app, &format!("/tickets/{key}/events"))
                .await
                .status(),
            200
        );
        app.client
            .delete(app.url(&format!("/tickets/{key}")))
            .send()
            .await
            .unwrap();
        problem(
            viewer.get(&app, &format!("/tickets/{key}/events")).await,
            404,
        )
        .await;
        assert_eq!(
            agent
                .get(&app, &format!("/tickets/{key}/events"))
                .await
                .status(),
            200
        );
    }
);

api_test!(
    comments_events_and_notifications_stay_with_their_team,
    |app| async move {
        let care = Side::new(&app, "care@example.com", Role::Agent, "customer_care").await;
        let it = Side::new(&app, "it@example.com", Role::Agent, "it").await;
        let vera = veras_complaint(&app, &care).await;
        let key = vera["key"].as_str().unwrap();
        let r = care
            .post(
                &app,
                &format!("/tickets/{key}/comments"),
                &json!({"body": "We are sorry", "kind": "public"}),
            )
            .await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        for path in [
            format!("/tickets/{key}"),
            format!("/tickets/{key}/comments"),
            format!("/tickets/{key}/events"),
        ] {
            problem(it.get(&app, &path).await, 404).await;
        }
        problem(
            it.post(
                &app,
                &format!("/tickets/{key}/comments"),
                &json!({"body": "hi", "kind": "public"}),
            )
            .await,
            404,
        )
        .await;
        let list: Value = it
            .get(
                &app,
                &format!("/tickets?requester_id={}", vera["requester"]["id"]),
            )
            .await
            .json()
            .await
            .unwrap();
        assert!(list["items"].as_array().unwrap().is_empty(), "{list}");
        let search: Value = it.get(&app, "/tickets?q=Rude").await.json().await.unwrap();
        assert!(search["items"].as_array().unwrap().is_empty(), "{search}");
        let notes: Value = it.get(&app, "/notifications").await.json().await.unwrap();
        assert!(!notes.to_string().contains(key), "{notes}");
    }
);
