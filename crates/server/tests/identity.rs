//! Identity and access end to end, on both backends: the bad inputs of the issue, each a
//! test case, and the happy paths around them.

mod common;

use std::time::{Duration, Instant};

use common::*;
use docket_core::access::{Role, Scope};
use serde_json::{Value, json};

async fn login_raw(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.anonymous
        .post(app.url("/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

/// (cookie header value, csrf token)
async fn session(app: &TestApp, email: &str) -> (String, String) {
    let r = login_raw(app, email, PASSWORD).await;
    assert_eq!(r.status(), 200);
    let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let me: Value = r.json().await.unwrap();
    (
        set.split(';').next().unwrap().to_string(),
        me["csrf_token"].as_str().unwrap().to_string(),
    )
}

api_test!(
    wrong_password_and_unknown_user_look_alike,
    |app| async move {
        create_user(&app.db.store, "ada@example.com", Role::Agent, &[]).await;
        let mut wrong = Vec::new();
        let mut unknown = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let a = login_raw(&app, "ada@example.com", "not the password").await;
            wrong.push(t.elapsed());
            let t = Instant::now();
            let b = login_raw(&app, "nobody@example.com", "not the password").await;
            unknown.push(t.elapsed());
            assert_eq!((a.status().as_u16(), b.status().as_u16()), (401, 401));
            let (mut a, mut b): (Value, Value) = (a.json().await.unwrap(), b.json().await.unwrap());
            // Each answer names its own request; nothing else may tell them apart.
            for body in [&mut a, &mut b] {
                assert!(body["request_id"].is_string(), "{body}");
                body.as_object_mut().unwrap().remove("request_id");
            }
            assert_eq!(a, b, "the same answer for both");
        }
        // Same timing class: both check a password hash. The fastest of five samples
        // each, so that load from other tests does not decide it.
        let fastest = |v: &[std::time::Duration]| v.iter().min().unwrap().as_secs_f64();
        let (w, u) = (fastest(&wrong), fastest(&unknown));
        assert!(
            u > w / 3.0 && u < w * 3.0,
            "wrong password {w:.3}s, unknown user {u:.3}s"
        );
        let audit: Value = app
            .get("/audit?action=login.failure")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(audit["items"].as_array().unwrap().len(), 10);
    }
);

api_test!(the_login_throttle_stops_guessing, |app| async move {
    // The throttle's backoff runs on the store's clock: frozen, a loaded machine cannot
    // outwait it between two requests.
    app.db.store.clock().freeze(chrono::Utc::now());
    create_user(&app.db.store, "bob@example.com", Role::Agent, &[]).await;
    for _ in 0..5 {
        assert_eq!(
            login_raw(&app, "bob@example.com", "guess").await.status(),
            401
        );
    }
    // Even the right password is refused now, for a while: the first backoff, 5 s.
    let r = login_raw(&app, "bob@example.com", PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "5");
});

api_test!(
    sessions_end_and_cookies_cannot_be_forged_or_replayed,
    |app| async move {
        create_user(&app.db.store, "cat@example.com", Role::Agent, &["it"]).await;
        let (cookie, csrf) = session(&app, "cat@example.com").await;
        let me = |cookie: String| {
            app.anonymous
                .get(app.url("/auth/me"))
                .header("cookie", cookie)
                .send()
        };
        assert_eq!(me(cookie.clone()).await.unwrap().status(), 200);
        // A tampered cookie is nobody.
        let tampered = format!("{}x", cookie);
        assert_eq!(me(tampered).await.unwrap().status(), 401);
        // Unsafe methods need the CSRF token.
        let post =
            |csrf: Option<&str>| {
                let mut r = app
            .anonymous
            .post(app.url("/tickets"))
            .header("cookie", cookie.clone())
            .json(&json!({"type": "it_support", "title": "x", "fields": {"category": "other"}}));
                if let Some(c) = csrf {
                    r = r.header("x-csrf-token", c);
                }
                r.send()
            };
        assert_eq!(post(None).await.unwrap().status(), 403);
        assert_eq!(post(Some("csrf_wrong")).await.unwrap().status(), 403);
        assert_eq!(post(Some(&csrf)).await.unwrap().status(), 201);
        // After logout the same cookie is refused.
        let r = app
            .anonymous
            .post(app.url("/auth/logout"))
            .header("cookie", cookie.clone())
            .header("x-csrf-token", csrf.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        assert!(
            r.headers()["set-cookie"]
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
        assert_eq!(me(cookie).await.unwrap().status(), 401);
    }
);

api_test!(
    tokens_expire_are_revoked_and_keep_to_their_scope,
    |app| async move {
        let store = &app.db.store;
        let agent = create_user(store, "dan@example.com", Role::Agent, &["it"]).await;
        let read = token_for(store, agent, &[Scope::Read]).await;
        let write = token_for(store, agent, &[Scope::Write]).await;
        let body = json!({"type": "it_support", "title": "x", "fields": {"category": "other"}});
        let r = client_with_token(&read)
            .post(app.url("/tickets"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "a read token cannot write");
        let r = client_with_token(&write)
            .post(app.url("/tickets"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        // A write token cannot mint tokens, nor reach admin endpoints.
        let r = client_with_token(&write)
            .post(app.url("/tokens"))
            .json(&json!({"name": "x", "scopes": ["admin"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = client_with_token(&write)
            .get(app.url("/audit"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        // Revoked: refused at once.
        let tokens: Value = client_with_token(&write)
            .get(app.url("/tokens"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let read_id = tokens
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["scopes"] == json!(["read"]))
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let r = app
            .client
            .delete(app.url(&format!("/tokens/{read_id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            client_with_token(&read)
                .get(app.url("/auth/me"))
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        // Expired: refused.
        let (expiring, info) = store
            .create_token(
                agent,
                "soon",
                &[Scope::Read],
                None,
                agent,
                &docket_store::identity::Actor::new("t", None),
            )
            .await
            .unwrap();
        docket_store::testing::expire_token(store, info.id).await;
        assert_eq!(
            client_with_token(&expiring)
                .get(app.url("/auth/me"))
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        // A malformed Authorization header is never ignored.
        let r = app
            .anonymous
            .get(app.url("/auth/me"))
            .header("authorization", "Token abc")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        // Tokens are shown once and stored hashed.
        let created: Value = app
            .post("/tokens", &json!({"name": "ci", "scopes": ["read"]}))
            .await
            .json()
            .await
            .unwrap();
        let token = created["token"].as_str().unwrap();
        let listed: Value = app.get("/tokens").await.json().await.unwrap();
        assert!(!listed.to_string().contains(token));
        let hashes = docket_store::testing::stored_strings(store, "api_tokens", "token_hash").await;
        assert!(
            hashes
                .iter()
                .all(|h| h.len() == 64 && !token.contains(h.as_str()))
        );
    }
);

api_test!(
    agents_cannot_raise_their_role_or_read_other_teams,
    |app| async move {
        let store = &app.db.store;
        let me = create_user(store, "eve@example.com", Role::Agent, &["facilities"]).await;
        let it_ticket = app.create(json!({"type": "it_support", "title": "secret printer", "fields": {"category": "printing"}})).await;
        let key = it_ticket["key"].as_str().unwrap();
        let eq = app
        .create(json!({"type": "equipment_maintenance", "title": "printer lift", "fields": {
            "asset_tag": "EQ-000001", "equipment_type": "forklift", "location": "Dock 2", "operational_status": "degraded"}}))
        .await;
        let (cookie, csrf) = session(&app, "eve@example.com").await;
        let as_eve = |method: reqwest::Method, path: &str| {
            app.anonymous
                .request(method, app.url(path))
                .header("cookie", cookie.clone())
                .header("x-csrf-token", csrf.clone())
        };
        // Raising one's own role: refused both ways.
        let r = as_eve(reqwest::Method::PATCH, &format!("/users/{me}"))
            .json(&json!({"role": "admin"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403);
        let r = as_eve(reqwest::Method::PATCH, "/auth/me")
            .json(&json!({"role": "admin"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert_eq!(store.user(me).await.unwrap().role, Role::Agent);
        // Another team's ticket: not by key, not through a filter, not through search.
        assert_eq!(
            as_eve(reqwest::Method::GET, &format!("/tickets/{key}"))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        assert_eq!(
            as_eve(reqwest::Method::GET, &format!("/tickets/{key}/events"))
                .send()
                .await
                .unwrap()
                .status(),
            404
        );
        assert_eq!(
            as_eve(reqwest::Method::GET, "/tickets?type=it_support")
                .send()
                .await
                .unwrap()
                .status(),
            403
        );
        let found: Value = as_eve(reqwest::Method::GET, "/tickets?q=printer")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let keys: Vec<&str> = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, [eq["key"].as_str().unwrap()]);
        let all: Value = as_eve(reqwest::Method::GET, "/tickets")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(all["items"].as_array().unwrap().len(), 1);
    }
);

api_test!(
    the_last_admin_stays_and_role_changes_are_audited,
    |app| async move {
        let admin = app.admin_id;
        let r = app
            .client
            .patch(app.url(&format!("/users/{admin}")))
            .json(&json!({"role": "agent"}))
            .send()
            .await
            .unwrap();
        problem(r, 409).await;
        let agent = create_user(&app.db.store, "fay@example.com", Role::Agent, &[]).await;
        let r = app
            .client
            .patch(app.url(&format!("/users/{agent}")))
            .json(&json!({"role": "viewer", "skills": ["VPN", "printers"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let u: Value = r.json().await.unwrap();
        assert_eq!(
            (u["role"].as_str(), u["skills"].clone()),
            (Some("viewer"), json!(["vpn", "printers"]))
        );
        // A deactivated user's tokens stop working.
        let token = token_for(&app.db.store, agent, &[Scope::Read]).await;
        app.client
            .patch(app.url(&format!("/users/{agent}")))
            .json(&json!({"active": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            client_with_token(&token)
                .get(app.url("/auth/me"))
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
        let audit: Value = app
            .get("/audit?action=user.update")
            .await
            .json()
            .await
            .unwrap();
        let details: Vec<Value> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["detail"].clone())
            .collect();
        assert!(
            details.iter().any(|d| d["role"]["new"] == "viewer"),
            "{details:?}"
        );
        let types: Value = app
            .get("/audit?action=type.apply")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            types["items"].as_array().unwrap().len(),
            5,
            "the five shipped types"
        );
    }
);

api_test!(secrets_are_sealed_and_never_returned, |app| async move {
    let r = app
        .client
        .put(app.url("/secrets/openai_api_key"))
        .json(&json!({"value": "sk-live-123456"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(
        !body.contains("sk-live-123456") && body.contains("\"is_set\":true"),
        "{body}"
    );
    let listed = app.get("/secrets").await.text().await.unwrap();
    assert!(!listed.contains("sk-live-123456"));
    let stored =
        docket_store::testing::stored_strings(&app.db.store, "secrets", "ciphertext").await;
    assert!(!stored[0].contains("sk-live"));
    let r = app
        .client
        .delete(app.url("/secrets/openai_api_key"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    problem(
        app.client
            .delete(app.url("/secrets/openai_api_key"))
            .send()
            .await
            .unwrap(),
        404,
    )
    .await;
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_install_is_closed_until_setup() {
    let db = docket_store::testing::TestDb::new(docket_store::Backend::Sqlite).await;
    let token = db
        .store
        .create_setup_token(chrono::Duration::hours(1))
        .await
        .unwrap();
    let (addr, _stop) = serve(db.store.clone()).await;
    let client = reqwest::Client::new();
    let url = |p: &str| format!("http://{addr}/api/v1{p}");
    assert_eq!(
        client.get(url("/tickets")).send().await.unwrap().status(),
        401,
        "no open door"
    );
    let status: Value = client
        .get(url("/setup"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["needed"], true);
    let form = |token: &str, password: &str| json!({"token": token, "email": "root@example.com", "display_name": "Root", "password": password});
    assert_eq!(
        client
            .post(url("/setup"))
            .json(&form("setup_wrong", PASSWORD))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    // A bad password does not spend the token.
    assert_eq!(
        client
            .post(url("/setup"))
            .json(&form(&token, "short"))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
    assert_eq!(
        client
            .post(url("/setup"))
            .json(&form(&token, PASSWORD))
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    assert_eq!(
        client
            .post(url("/setup"))
            .json(&form(&token, PASSWORD))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    let r = client
        .post(url("/auth/login"))
        .json(&json!({"email": "root@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["user"]["role"], "admin");
    tokio::time::sleep(Duration::from_millis(1)).await;
}
