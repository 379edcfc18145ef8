//! Saved queue views on SQLite and PostgreSQL: personal views, shared ones (admins only),
//! queries checked the way the list checks them, and other people's private views out of
//! sight.

mod common;

use common::*;
use docket_core::access::{Role, Scope};
use serde_json::{Value, json};

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> reqwest::Response {
    let mut r = client.request(method, url);
    if let Some(b) = body {
        r = r.json(&b);
    }
    r.send().await.unwrap()
}

api_test!(
    views_are_personal_unless_an_admin_shares_them,
    |app| async move {
        let agent = create_user(&app.db.store, "agent@example.com", Role::Agent, &["it"]).await;
        let agent_client =
            client_with_token(&token_for(&app.db.store, agent, &[Scope::Write]).await);
        let other = create_user(&app.db.store, "other@example.com", Role::Agent, &["it"]).await;
        let other_client =
            client_with_token(&token_for(&app.db.store, other, &[Scope::Write]).await);
        use reqwest::Method;

        // An agent saves a view; a leading `?` is dropped.
        let r = send(
            &agent_client,
            Method::POST,
            app.url("/views"),
            Some(json!({"name": "My P0s", "query": "?priority=P0&sort=-updated_at"})),
        )
        .await;
        assert_eq!(r.status(), 201);
        let mine: Value = r.json().await.unwrap();
        assert_eq!(mine["query"], "priority=P0&sort=-updated_at");
        assert_eq!(mine["shared"], false);
        assert_eq!(mine["owner_id"], agent);

        // Same name twice: 409. Sharing: admins only.
        let r = send(
            &agent_client,
            Method::POST,
            app.url("/views"),
            Some(json!({"name": "My P0s", "query": "priority=P0"})),
        )
        .await;
        problem(r, 409).await;
        let r = send(
            &agent_client,
            Method::POST,
            app.url("/views"),
            Some(json!({"name": "Team", "query": "team=it", "shared": true})),
        )
        .await;
        problem(r, 403).await;
        let r = app.post("/views", &json!({"name": "Breaching", "query": "sla_due_at.null=false&sort=sla_due_at", "shared": true})).await;
        assert_eq!(r.status(), 201);
        let shared: Value = r.json().await.unwrap();

        // Each sees their own and the shared ones, by name.
        let names = |v: Value| {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        let r = send(&agent_client, Method::GET, app.url("/views"), None).await;
        assert_eq!(names(r.json().await.unwrap()), ["Breaching", "My P0s"]);
        let r = send(&other_client, Method::GET, app.url("/views"), None).await;
        assert_eq!(names(r.json().await.unwrap()), ["Breaching"]);

        // Another's private view does not exist for them; a shared one is the admins' to change.
        let id = mine["id"].as_i64().unwrap();
        let r = send(
            &other_client,
            Method::PATCH,
            app.url(&format!("/views/{id}")),
            Some(json!({"name": "mine now"})),
        )
        .await;
        problem(r, 404).await;
        let r = send(
            &other_client,
            Method::DELETE,
            app.url(&format!("/views/{id}")),
            None,
        )
        .await;
        problem(r, 404).await;
        let sid = shared["id"].as_i64().unwrap();
        let r = send(
            &agent_client,
            Method::DELETE,
            app.url(&format!("/views/{sid}")),
            None,
        )
        .await;
        problem(r, 403).await;
        // Sharing made it everybody's: its author, no longer an admin, cannot change it.
        let theirs = app
            .db
            .store
            .create_view(agent, "Shared by a former admin", "priority=P0", true)
            .await
            .unwrap();
        let r = send(
            &agent_client,
            Method::PATCH,
            app.url(&format!("/views/{}", theirs.id)),
            Some(json!({"query": "priority=P3"})),
        )
        .await;
        problem(r, 403).await;
        app.db.store.delete_view(theirs.id).await.unwrap();

        // The owner renames and changes the query; may not share it.
        let r = send(
            &agent_client,
            Method::PATCH,
            app.url(&format!("/views/{id}")),
            Some(json!({"name": "Fires", "query": "priority.lte=P1"})),
        )
        .await;
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert_eq!(
            (v["name"].as_str(), v["query"].as_str()),
            (Some("Fires"), Some("priority.lte=P1"))
        );
        let r = send(
            &agent_client,
            Method::PATCH,
            app.url(&format!("/views/{id}")),
            Some(json!({"shared": true})),
        )
        .await;
        problem(r, 403).await;
        let r = send(
            &agent_client,
            Method::DELETE,
            app.url(&format!("/views/{id}")),
            None,
        )
        .await;
        assert_eq!(r.status(), 204);
        let r = send(
            &app.client,
            Method::DELETE,
            app.url(&format!("/views/{sid}")),
            None,
        )
        .await;
        assert_eq!(r.status(), 204);
        let r = send(&agent_client, Method::GET, app.url("/views"), None).await;
        assert!(names(r.json().await.unwrap()).is_empty());
    }
);

api_test!(a_view_query_is_checked_like_the_list, |app| async move {
    for (query, needle) in [
        ("colour=red", "colour"),
        ("priority.zz=P1", "priority.zz"),
        ("status=open&cursor=12", "cursor"),
        ("limit=999", "limit"),
    ] {
        let r = app
            .post("/views", &json!({"name": "bad", "query": query}))
            .await;
        let p = problem(r, 422).await;
        assert_eq!(pointers(&p), ["/query"], "{query}: {p}");
        assert!(
            p["errors"][0]["message"].as_str().unwrap().contains(needle),
            "{query}: {p}"
        );
    }
    let r = app
        .post("/views", &json!({"name": " ", "query": "status=open"}))
        .await;
    assert_eq!(pointers(&problem(r, 422).await), ["/name"]);
    // A query the list accepts, but longer than a view keeps.
    let r = app
        .post(
            "/views",
            &json!({"name": "x", "query": "tag=x&".repeat(700)}),
        )
        .await;
    let p = problem(r, 422).await;
    assert_eq!(pointers(&p), ["/query"]);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at most"),
        "{p}"
    );
    // Nothing was saved.
    let r = app.get("/views").await;
    assert_eq!(r.json::<Value>().await.unwrap(), json!([]));
});
