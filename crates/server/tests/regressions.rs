//! Regressions found in review: each case failed before its fix (login throttle races,
//! password checks without the throttle, team checks against a stale registry, setup
//! races, key rotation that could lose the new key).
mod common;

use common::*;
use docket_core::access::{Role, Scope, UserKind};
use docket_store::identity::{Actor, MasterKey, NewUser};
use docket_store::{Store, TypeOrigin, TypeSource};
use serde_json::json;

async fn login_raw(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.anonymous
        .post(app.url("/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

// A. Parallel guesses against one account.
api_test!(throttle_parallel, |app| async move {
    // The throttle's backoff runs on the store's clock: frozen, a loaded machine cannot
    // outwait it between two requests.
    app.db.store.clock().freeze(chrono::Utc::now());
    create_user(&app.db.store, "bob@example.com", Role::Agent, &[]).await;
    let app = std::sync::Arc::new(app);
    let mut hs = Vec::new();
    for i in 0..30 {
        let app = app.clone();
        hs.push(tokio::spawn(async move {
            login_raw(&app, "bob@example.com", &format!("guess number {i}"))
                .await
                .status()
                .as_u16()
        }));
    }
    let mut tried = 0;
    for h in hs {
        if h.await.unwrap() == 401 {
            tried += 1;
        }
    }
    eprintln!("password checks that ran: {tried} (limit 5)");
    assert!(
        tried <= 5,
        "{tried} guesses were checked; the throttle allows 5"
    );
});

// B. PATCH /auth/me checks the current password without the throttle.
api_test!(me_password_oracle, |app| async move {
    // The throttle's backoff runs on the store's clock: frozen, a loaded machine cannot
    // outwait it between two requests.
    app.db.store.clock().freeze(chrono::Utc::now());
    let id = create_user(&app.db.store, "eve@example.com", Role::Agent, &[]).await;
    let c = client_with_token(&token_for(&app.db.store, id, &[Scope::Write]).await);
    for i in 0..12 {
        let r = c.patch(app.url("/auth/me"))
            .json(&json!({"password": "a brand new password", "current_password": format!("guess {i}")}))
            .send().await.unwrap();
        // Five wrong guesses are answered; after that the throttle answers.
        assert_eq!(r.status(), if i < 5 { 422 } else { 429 }, "guess {i}");
    }
    let login = login_raw(&app, "eve@example.com", PASSWORD).await.status();
    eprintln!("real user's login now: {login}");
    let r = c
        .patch(app.url("/auth/me"))
        .json(&json!({"password": "a brand new password", "current_password": PASSWORD}))
        .send()
        .await
        .unwrap();
    eprintln!("13th guess (right one): {}", r.status());
    assert_eq!(
        r.status(),
        429,
        "12 wrong guesses in a row, and the 13th is still checked"
    );
});

// C. A type applied by another instance: the team check runs against a stale registry.
api_test!(stale_registry_team_check, |app| async move {
    let id = create_user(&app.db.store, "it@example.com", Role::Agent, &["it"]).await;
    let c = client_with_token(&token_for(&app.db.store, id, &[Scope::Write]).await);
    let other = Store::connect(&app.db.url, app.db.schema.as_deref())
        .await
        .unwrap();
    other.migrate().await.unwrap();
    let text = "slug: payroll\nname: Payroll\nkey_prefix: PAY\nteams: [hr]\nschema:\n  type: object\n  properties:\n    salary: {type: integer}\n";
    let d =
        docket_core::typedef::TypeDefinition::parse(text, docket_core::typedef::Syntax::Yaml, None)
            .unwrap();
    other
        .apply_type(
            &d,
            &TypeOrigin {
                source: TypeSource::Api,
                path: None,
                text: None,
                actor: "other".into(),
            },
            false,
        )
        .await
        .unwrap();
    let r = c
        .post(app.url("/tickets"))
        .json(&json!({"type": "payroll", "title": "raise", "fields": {"salary": 1}}))
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    eprintln!(
        "IT agent creates an HR-only ticket right after the apply: {st} {}",
        r.text().await.unwrap()
    );
    assert_ne!(
        st, 201,
        "an agent of team it created a ticket of an hr-only type"
    );
});

// D. Two setups with one token at once.
api_test!(setup_race, |app| async move {
    // Use a fresh database without admins.
    let db = docket_store::testing::TestDb::new(app.db.backend).await;
    let token = db
        .store
        .create_setup_token(chrono::Duration::hours(1))
        .await
        .unwrap();
    let mut hs = Vec::new();
    for i in 0..4 {
        let s = db.store.clone();
        let token = token.clone();
        hs.push(tokio::spawn(async move {
            s.complete_setup(
                &token,
                NewUser {
                    email: format!("root{i}@example.com"),
                    display_name: format!("root {i}"),
                    role: Role::Admin,
                    kind: UserKind::Person,
                    password: Some(PASSWORD.into()),
                    skills: vec![],
                    capacity: None,
                },
                None,
            )
            .await
        }));
    }
    let mut ok = 0;
    for h in hs {
        if h.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    eprintln!("admins created with one setup token: {ok}");
    assert_eq!(ok, 1);
});

// E. Key rotation when the key file cannot be written after the database commit.
#[tokio::test]
async fn rotate_key_loses_secrets_when_the_key_file_write_fails() {
    let data = std::env::temp_dir().join(format!("docket-review-rotate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_docket"))
            .args(args)
            .env("DOCKET_DATA_DIR", &data)
            .env_remove("DOCKET_DATABASE_URL")
            .env_remove("DOCKET_MASTER_KEY")
            .output()
            .unwrap()
    };
    assert!(run(&["migrate"]).status.success());
    // The key file, as `serve` would create it.
    let key = MasterKey::generate();
    docket_server::config::write_key_file(&data.join("master.key"), &key, false).unwrap();
    let url = format!("sqlite://{}", data.join("docket.db").display());
    {
        let store = Store::connect(&url, None).await.unwrap();
        store.migrate().await.unwrap();
        store
            .set_secret(
                &key,
                "openai_api_key",
                "sk-live-123",
                &Actor::new("t", None),
            )
            .await
            .unwrap();
        store.close().await;
    }
    // Left over by an earlier rotation that was interrupted before its rename.
    std::fs::write(data.join("master.key.new"), "stale").unwrap();
    let out = run(&["secrets", "rotate-key"]);
    eprintln!(
        "rotate-key: {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let on_disk =
        MasterKey::from_base64(&std::fs::read_to_string(data.join("master.key")).unwrap()).unwrap();
    let store = Store::connect(&url, None).await.unwrap();
    let r = store.reveal_secret(&on_disk, "openai_api_key").await;
    eprintln!("reveal with the key on disk: {r:?}");
    assert!(r.is_ok(), "the secret no longer opens with any key we have");
}
