//! The identity store on both backends: what is kept, and how.

use docket_core::access::{Role, Scope, UserKind, Via};
use docket_store::identity::{Actor, Failures, LoginOutcome, MasterKey, NewUser};
use docket_store::{StoreError, both_backends};

fn person(email: &str, role: Role) -> NewUser {
    NewUser {
        email: email.into(),
        display_name: "Someone".into(),
        role,
        kind: UserKind::Person,
        password: Some("a long enough password".into()),
        skills: vec!["VPN".into(), "vpn".into()],
        capacity: None,
    }
}

both_backends!(secrets_survive_key_rotation, |db| async move {
    let s = &db.store;
    let actor = Actor::new("test", None);
    let (a, b) = (MasterKey::generate(), MasterKey::generate());
    s.set_secret(&a, "smtp_password", "hunter2hunter2", &actor)
        .await
        .unwrap();
    s.set_secret(&a, "discord.bot_token", "abc.def", &actor)
        .await
        .unwrap();
    assert_eq!(s.rotate_master_key(&a, &b, &actor).await.unwrap(), 2);
    assert_eq!(
        s.reveal_secret(&b, "smtp_password")
            .await
            .unwrap()
            .as_deref(),
        Some("hunter2hunter2")
    );
    assert!(
        s.reveal_secret(&a, "smtp_password").await.is_err(),
        "the old key no longer opens it"
    );
    // A rotation from the wrong key changes nothing.
    let c = MasterKey::generate();
    assert!(s.rotate_master_key(&c, &a, &actor).await.is_err());
    assert_eq!(
        s.reveal_secret(&b, "discord.bot_token")
            .await
            .unwrap()
            .as_deref(),
        Some("abc.def")
    );
    assert!(matches!(
        s.set_secret(&b, "Bad Name", "x", &actor).await,
        Err(StoreError::Invalid(_))
    ));
});

both_backends!(users_tokens_and_sessions, |db| async move {
    let s = &db.store;
    let actor = Actor::new("test", None);
    let u = s
        .create_user(person(" Ada@Example.com ", Role::Agent), &actor)
        .await
        .unwrap();
    assert_eq!(
        (u.email.as_str(), u.skills.clone()),
        ("ada@example.com", vec!["vpn".to_string()])
    );
    assert!(matches!(
        s.create_user(person("ada@example.com", Role::Agent), &actor)
            .await,
        Err(StoreError::Conflict(_))
    ));
    s.create_team("it", "IT", "", &actor).await.unwrap();
    s.set_team_member("it", u.id, true, &actor).await.unwrap();
    // Sessions carry the user's teams and a CSRF token.
    let session = s
        .create_session(u.id, Some("127.0.0.1"), None)
        .await
        .unwrap();
    let (p, csrf) = s.session_principal(&session.token).await.unwrap().unwrap();
    assert_eq!(
        (p.teams.clone(), p.via.clone(), csrf),
        (vec!["it".to_string()], Via::Session, session.csrf_token)
    );
    // Tokens: hashed, scoped, revocable.
    let (token, info) = s
        .create_token(u.id, "ci", &[Scope::Write, Scope::Read], None, u.id, &actor)
        .await
        .unwrap();
    assert_eq!(info.scopes, vec![Scope::Read, Scope::Write]);
    let p = s.token_principal(&token).await.unwrap().unwrap();
    assert!(matches!(p.via, Via::Token { id, .. } if id == info.id));
    assert!(s.token(info.id).await.unwrap().last_used_at.is_some());
    s.revoke_token(info.id, &actor).await.unwrap();
    assert!(s.token_principal(&token).await.unwrap().is_none());
    // Changing the password ends sessions.
    s.update_user(
        u.id,
        docket_store::identity::UserPatch {
            password: Some("another long password".into()),
            ..Default::default()
        },
        &actor,
    )
    .await
    .unwrap();
    assert!(s.session_principal(&session.token).await.unwrap().is_none());
    // Service accounts have no password.
    let mut bot = person("bot@example.com", Role::Agent);
    bot.kind = UserKind::Service;
    assert!(matches!(
        s.create_user(bot.clone(), &actor).await,
        Err(StoreError::Invalid(_))
    ));
    bot.password = None;
    assert!(!s.create_user(bot, &actor).await.unwrap().has_password);
});

both_backends!(sessions_expire_when_idle_or_old, |db| async move {
    use chrono::Duration;
    use docket_store::testing::age_session;
    let s = &db.store;
    let u = s
        .create_user(
            person("gus@example.com", Role::Agent),
            &Actor::new("t", None),
        )
        .await
        .unwrap();
    let idle = s.create_session(u.id, None, None).await.unwrap();
    let old = s.create_session(u.id, None, None).await.unwrap();
    let fine = s.create_session(u.id, None, None).await.unwrap();
    age_session(s, &idle.token, Duration::hours(13), Duration::days(3)).await;
    age_session(s, &old.token, Duration::minutes(5), Duration::seconds(-1)).await;
    age_session(s, &fine.token, Duration::hours(11), Duration::days(3)).await;
    assert!(
        s.session_principal(&idle.token).await.unwrap().is_none(),
        "idle for longer than 12 hours"
    );
    assert!(
        s.session_principal(&old.token).await.unwrap().is_none(),
        "past its lifetime"
    );
    assert!(s.session_principal(&fine.token).await.unwrap().is_some());
});

both_backends!(
    the_throttle_counts_accounts_and_addresses,
    |db| async move {
        let s = &db.store;
        s.create_user(
            person("hal@example.com", Role::Agent),
            &Actor::new("t", None),
        )
        .await
        .unwrap();
        for i in 0..3 {
            assert_eq!(
                s.check_login(&format!("nobody{i}@example.com"), "x", "10.0.0.9")
                    .await
                    .unwrap(),
                LoginOutcome::Wrong
            );
        }
        assert_eq!(
            s.check_login("hal@example.com", "wrong", "10.0.0.9")
                .await
                .unwrap(),
            LoginOutcome::Wrong
        );
        let counts = |(pair, ip): (Failures, Failures)| (pair.count, ip.count);
        assert_eq!(
            counts(
                s.recent_login_failures("hal@example.com", "10.0.0.9")
                    .await
                    .unwrap()
            ),
            (1, 4)
        );
        // Another address has its own counts.
        assert_eq!(
            counts(
                s.recent_login_failures("hal@example.com", "10.0.0.10")
                    .await
                    .unwrap()
            ),
            (0, 0)
        );
        // A success clears the pair's count (not the address's).
        assert!(matches!(
            s.check_login("hal@example.com", "a long enough password", "10.0.0.9")
                .await
                .unwrap(),
            LoginOutcome::Ok(_)
        ));
        assert_eq!(
            counts(
                s.recent_login_failures("hal@example.com", "10.0.0.9")
                    .await
                    .unwrap()
            ),
            (0, 4)
        );
    }
);

both_backends!(
    the_throttle_backs_off_per_address_and_account,
    |db| async move {
        let s = &db.store;
        s.create_user(
            person("ivy@example.com", Role::Admin),
            &Actor::new("t", None),
        )
        .await
        .unwrap();
        let t0 = chrono::Utc::now();
        s.clock().freeze(t0);
        let (attacker, owner) = ("10.0.0.66", "10.0.0.7");
        let login = |password: &'static str, ip: &'static str| async move {
            s.check_login("ivy@example.com", password, ip)
                .await
                .unwrap()
        };
        for _ in 0..5 {
            assert_eq!(login("guess", attacker).await, LoginOutcome::Wrong);
        }
        // The sixth try waits 5 s; the owner, elsewhere, is not held back.
        let wait = |outcome| match outcome {
            LoginOutcome::Throttled { wait } => wait.num_seconds(),
            other => panic!("not throttled: {other:?}"),
        };
        assert_eq!(wait(login("guess", attacker).await), 5);
        assert!(matches!(
            login("a long enough password", owner).await,
            LoginOutcome::Ok(_)
        ));
        // Each further failure doubles the wait.
        s.clock().advance(chrono::Duration::seconds(5));
        assert_eq!(login("guess", attacker).await, LoginOutcome::Wrong);
        assert_eq!(wait(login("guess", attacker).await), 10);
        s.clock().advance(chrono::Duration::seconds(4));
        assert_eq!(wait(login("guess", attacker).await), 6);
        s.clock().advance(chrono::Duration::seconds(6));
        assert_eq!(login("guess", attacker).await, LoginOutcome::Wrong);
        assert_eq!(wait(login("guess", attacker).await), 20);
        // Spraying many accounts from one address is held back by the address's count.
        for i in 0..20 {
            let account = format!("x{i}@example.com");
            assert_eq!(
                s.check_login(&account, "guess", "10.0.0.99").await.unwrap(),
                LoginOutcome::Wrong
            );
        }
        assert!(matches!(
            s.check_login("fresh@example.com", "guess", "10.0.0.99")
                .await
                .unwrap(),
            LoginOutcome::Throttled { .. }
        ));
    }
);

// Principals are kept between requests on PostgreSQL; a revoked token or a removed
// membership must still count at once on the instance that made the change and as soon as
// the notification arrives on any other (long before the 10 s a principal is kept).
both_backends!(
    kept_principals_follow_access_changes_on_every_instance,
    |db| async move {
        use std::time::{Duration, Instant};
        let (a, b) = (db.store.clone(), db.second_instance().await);
        let actor = Actor::new("test", None);
        let u = a
            .create_user(person("kept@example.com", Role::Agent), &actor)
            .await
            .unwrap();
        a.create_team("desk", "Desk", "", &actor).await.unwrap();
        a.set_team_member("desk", u.id, true, &actor).await.unwrap();
        let new_token = |name: &'static str| {
            let a = a.clone();
            let actor = actor.clone();
            async move {
                a.create_token(u.id, name, &[Scope::Write], None, u.id, &actor)
                    .await
                    .unwrap()
            }
        };
        let (token, info) = new_token("one").await;
        // Until the store listens it keeps nothing; wait for it, then use the token so that it
        // is kept.
        let deadline = Instant::now() + Duration::from_secs(5);
        assert!(a.token_principal(&token).await.unwrap().is_some());
        if db.backend == docket_store::Backend::Postgres {
            while !docket_store::testing::keeps_principals(&a) {
                assert!(
                    Instant::now() < deadline,
                    "never listened for access changes"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let soon = |store: docket_store::Store, token: String, want: Option<Vec<String>>| async move {
            let deadline = Instant::now() + Duration::from_secs(2);
            loop {
                let got = store
                    .token_principal(&token)
                    .await
                    .unwrap()
                    .map(|p| p.teams);
                if got == want {
                    return;
                }
                assert!(Instant::now() < deadline, "still {got:?}, want {want:?}");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        assert_eq!(
            a.token_principal(&token).await.unwrap().map(|p| p.teams),
            Some(vec!["desk".to_string()])
        );
        // Another instance removes the membership, then revokes the token.
        b.set_team_member("desk", u.id, false, &actor)
            .await
            .unwrap();
        soon(a.clone(), token.clone(), Some(vec![])).await;
        b.revoke_token(info.id, &actor).await.unwrap();
        soon(a.clone(), token.clone(), None).await;
        // The same instance: at once, no waiting.
        let (token, info) = new_token("two").await;
        assert!(a.token_principal(&token).await.unwrap().is_some());
        assert!(a.token_principal(&token).await.unwrap().is_some());
        a.revoke_token(info.id, &actor).await.unwrap();
        assert!(a.token_principal(&token).await.unwrap().is_none());
    }
);
