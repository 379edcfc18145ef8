//! Inbound webhook sources in the store: a source and its sealed secret are written and
//! removed together (the secret never in clear), a slug is one source's, the delivery log
//! keeps the newest entries only, delivery ids are remembered for a day, and refusals
//! throttle one address, not the source.

use docket_core::intake::{Mapped, Mapping, Scheme};
use docket_store::identity::{Actor, MasterKey};
use docket_store::intake::{LOG_LENGTH, Outcome, SourceSettings};
use docket_store::testing::stored_strings;
use docket_store::{StoreError, both_backends};

fn settings(slug: &str) -> SourceSettings {
    let at = |p: &str| Mapped {
        pointer: Some(p.into()),
        value: None,
    };
    SourceSettings {
        slug: slug.into(),
        name: "Alerts".into(),
        ticket_type: "it".into(),
        enabled: true,
        scheme: Scheme::Docket,
        mapping: Mapping {
            title: at("/title"),
            source_ref: at("/id"),
            ..Default::default()
        },
    }
}

both_backends!(a_source_and_its_secret_go_together, |db| async move {
    let s = &db.store;
    let key = MasterKey::generate();
    let actor = Actor::new("test", None);
    let (source, secret) = s
        .create_intake_source(&key, &settings("alerts"), &actor)
        .await
        .unwrap();
    assert_eq!(
        s.intake_secret(&key, source.id).await.unwrap(),
        Some(secret.clone())
    );
    assert_eq!(
        s.intake_source("alerts").await.unwrap().mapping,
        settings("alerts").mapping
    );
    for (table, column) in [("secrets", "ciphertext"), ("intake_sources", "mapping")] {
        let stored = stored_strings(s, table, column).await;
        assert!(
            stored.iter().all(|v| !v.contains(&secret)),
            "{table}.{column}"
        );
    }
    let taken = s
        .create_intake_source(&key, &settings("alerts"), &actor)
        .await
        .unwrap_err();
    assert!(matches!(taken, StoreError::Conflict(_)), "{taken:?}");

    let (_, rotated) = s
        .rotate_intake_secret(&key, "alerts", &actor)
        .await
        .unwrap();
    assert_ne!(rotated, secret);
    assert_eq!(
        s.intake_secret(&key, source.id).await.unwrap(),
        Some(rotated)
    );
    s.delete_intake_source("alerts", &actor).await.unwrap();
    assert_eq!(s.intake_secret(&key, source.id).await.unwrap(), None);
    assert!(matches!(
        s.intake_source("alerts").await,
        Err(StoreError::NotFound(_))
    ));
});

both_backends!(the_log_keeps_the_newest_entries, |db| async move {
    let s = &db.store;
    let (source, _) = s
        .create_intake_source(
            &MasterKey::generate(),
            &settings("log"),
            &Actor::new("t", None),
        )
        .await
        .unwrap();
    for i in 0..LOG_LENGTH + 5 {
        let detail = format!("delivery {i}");
        s.log_intake_delivery(
            source.id,
            Outcome::Invalid,
            422,
            None,
            Some(&detail),
            &[],
            None,
        )
        .await
        .unwrap();
    }
    let log = s.intake_deliveries(source.id).await.unwrap();
    assert_eq!(log.len() as u64, LOG_LENGTH);
    assert_eq!(log[0].detail.as_deref(), Some("delivery 54"));
    assert_eq!(log.last().unwrap().detail.as_deref(), Some("delivery 5"));
    // Pruned, not only cut when read.
    assert_eq!(
        stored_strings(s, "intake_deliveries", "outcome")
            .await
            .len() as u64,
        LOG_LENGTH
    );
});

both_backends!(delivery_ids_are_remembered_for_a_day, |db| async move {
    let s = &db.store;
    s.clock().freeze(chrono::Utc::now());
    let (source, _) = s
        .create_intake_source(
            &MasterKey::generate(),
            &settings("gh"),
            &Actor::new("t", None),
        )
        .await
        .unwrap();
    assert!(s.claim_intake_delivery_id(source.id, "d-1").await.unwrap());
    assert!(!s.claim_intake_delivery_id(source.id, "d-1").await.unwrap());
    s.release_intake_delivery_id(source.id, "d-1")
        .await
        .unwrap();
    assert!(s.claim_intake_delivery_id(source.id, "d-1").await.unwrap());
    s.clock().advance(chrono::Duration::hours(23));
    assert!(!s.claim_intake_delivery_id(source.id, "d-1").await.unwrap());
    s.clock().advance(chrono::Duration::hours(2));
    assert!(s.claim_intake_delivery_id(source.id, "d-1").await.unwrap());
});

both_backends!(refusals_throttle_one_address, |db| async move {
    let s = &db.store;
    s.clock().freeze(chrono::Utc::now());
    let (source, _) = s
        .create_intake_source(
            &MasterKey::generate(),
            &settings("t"),
            &Actor::new("t", None),
        )
        .await
        .unwrap();
    for _ in 0..docket_store::intake::FREE_REFUSALS {
        assert_eq!(
            s.intake_wait(source.id, "10.0.0.1").await.unwrap(),
            chrono::Duration::zero()
        );
        s.log_intake_delivery(
            source.id,
            Outcome::Refused,
            401,
            None,
            None,
            &[],
            Some("10.0.0.1"),
        )
        .await
        .unwrap();
    }
    assert_eq!(
        s.intake_wait(source.id, "10.0.0.1").await.unwrap(),
        chrono::Duration::seconds(5)
    );
    assert_eq!(
        s.intake_wait(source.id, "10.0.0.2").await.unwrap(),
        chrono::Duration::zero()
    );
    s.clock().advance(chrono::Duration::hours(2));
    assert_eq!(
        s.intake_wait(source.id, "10.0.0.1").await.unwrap(),
        chrono::Duration::zero()
    );
});
