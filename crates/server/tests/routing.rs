//! Routing over HTTP, on both backends: a team's rule (admins set it), availability (a
//! user's own, or an admin's say), creates routed by the rule, and `POST
//! /tickets/{key}/route` with who may call it.

mod common;

use common::*;
use docket_core::access::{Role, Scope};
use reqwest::Client;
use serde_json::{Value, json};

async fn send(client: &Client, method: &str, url: String, body: Option<Value>) -> (u16, Value) {
    let mut r = client.request(method.parse().unwrap(), url);
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A user with a write token in these teams.
async fn user(app: &TestApp, email: &str, role: Role, teams: &[&str]) -> (i64, Client) {
    let id = create_user(&app.db.store, email, role, teams).await;
    let token = token_for(&app.db.store, id, &[Scope::Write]).await;
    (id, client_with_token(&token))
}

api_test!(rules_availability_and_the_route_call, |app| async move {
    let (ana, ana_c) = user(&app, "ana@example.com", Role::Agent, &["it"]).await;
    let (bo, bo_c) = user(&app, "bo@example.com", Role::Agent, &["it"]).await;
    let (_, viewer_c) = user(&app, "vi@example.com", Role::Viewer, &["it"]).await;
    let (_, ops_c) = user(&app, "ops@example.com", Role::Agent, &["ops"]).await;

    // Only admins set a team's rule; everyone signed in reads it.
    let (status, _) = send(
        &ana_c,
        "PATCH",
        app.url("/teams/it"),
        Some(json!({"routing": "round_robin"})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, team) = send(
        &app.client,
        "PATCH",
        app.url("/teams/it"),
        Some(json!({"routing": "round_robin"})),
    )
    .await;
    assert_eq!((status, &team["routing"]), (200, &json!("round_robin")));
    let (_, team) = send(&ana_c, "GET", app.url("/teams/it"), None).await;
    assert_eq!(team["routing"], "round_robin");
    let (status, _) = send(
        &app.client,
        "PATCH",
        app.url("/teams/it"),
        Some(json!({"routing": "random"})),
    )
    .await;
    assert_eq!(status, 422);

    // Availability: your own, through the account or the users API; another's: admins.
    let (status, me) = send(
        &ana_c,
        "PUT",
        app.url("/auth/me/availability"),
        Some(json!({"availability": "away"})),
    )
    .await;
    assert_eq!((status, &me["user"]["availability"]), (200, &json!("away")));
    let (status, _) = send(
        &bo_c,
        "PUT",
        app.url(&format!("/users/{ana}/availability")),
        Some(json!({"availability": "present"})),
    )
    .await;
    assert_eq!(status, 403, "an agent sets nobody else's availability");
    let (status, u) = send(
        &bo_c,
        "PUT",
        app.url(&format!("/users/{bo}/availability")),
        Some(json!({"availability": "present"})),
    )
    .await;
    assert_eq!((status, &u["availability"]), (200, &json!("present")));
    let (_, u) = send(&bo_c, "GET", app.url(&format!("/users/{ana}")), None).await;
    assert_eq!(u["availability"], "away");

    // Ana is away: the create goes to Bo, and says so in its trail.
    let t = app
        .create(json!({"type": "it_support", "title": "vpn", "fields": {"category": "hardware"}}))
        .await;
    assert_eq!(t["assignee_id"], bo);
    let key = t["key"].as_str().unwrap().to_string();
    let (_, events) = send(
        &bo_c,
        "GET",
        app.url(&format!("/tickets/{key}/events")),
        None,
    )
    .await;
    let fields: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["created", "routing"]);

    // Ana is back (an admin says so); routing the ticket again gives it to her in turn.
    let (status, _) = send(
        &app.client,
        "PUT",
        app.url(&format!("/users/{ana}/availability")),
        Some(json!({"availability": "present"})),
    )
    .await;
    assert_eq!(status, 200);
    let route = app.url(&format!("/tickets/{key}/route"));
    let (status, _) = send(&viewer_c, "POST", route.clone(), None).await;
    assert_eq!(status, 403, "viewers route nothing");
    let (status, _) = send(&ops_c, "POST", route.clone(), None).await;
    assert_eq!(status, 404, "another team's agent does not see the ticket");
    let (status, out) = send(&bo_c, "POST", route.clone(), None).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["ticket"]["assignee_id"], ana);
    assert_eq!(out["routing"]["rule"], "round_robin");
    let (status, out) = send(
        &bo_c,
        "POST",
        route.clone(),
        Some(json!({"skills": ["vpn"]})),
    )
    .await;
    assert_eq!((status, &out["ticket"]["assignee_id"]), (200, &json!(bo)));

    // A ticket of the type on a team the agent is not in: they see it, but do not route it.
    let t = app
        .create(json!({"type": "it_support", "title": "ops", "team": "ops", "fields": {"category": "hardware"}}))
        .await;
    let other = app.url(&format!("/tickets/{}/route", t["key"].as_str().unwrap()));
    let (status, _) = send(&bo_c, "POST", other.clone(), None).await;
    assert_eq!(status, 403);
    // ops assigns by hand: the admin's route call picks nobody and says why.
    let (status, out) = send(&app.client, "POST", other, None).await;
    assert_eq!(status, 200);
    assert_eq!(out["routing"]["rule"], "manual");
    assert_eq!(out["routing"]["assignee_id"], Value::Null);

    // Nobody eligible: unassigned on the team, and the reason is given.
    for who in [ana, bo] {
        app.db
            .store
            .set_availability(
                who,
                docket_store::Availability::Away,
                &docket_store::identity::Actor::new("t", None),
            )
            .await
            .unwrap();
    }
    let t = app
        .create(
            json!({"type": "it_support", "title": "nobody", "fields": {"category": "hardware"}}),
        )
        .await;
    assert_eq!(
        (&t["assignee_id"], &t["team"]),
        (&Value::Null, &json!("it"))
    );
    let (status, out) = send(
        &app.client,
        "POST",
        app.url(&format!("/tickets/{}/route", t["key"].as_str().unwrap())),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        out["routing"]["reason"].as_str().unwrap().contains("away"),
        "{out}"
    );
});
