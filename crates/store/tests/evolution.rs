//! Schema evolution on tables that hold data, on SQLite and PostgreSQL: every rule of
//! the design, checked by reading the tickets back.

mod common;

use common::*;
use docket_core::evolution::Safety;
use docket_store::{StoreError, both_backends};
use serde_json::json;

both_backends!(safe_changes_keep_every_value, |db| async move {
    let s = &db.store;
    let v1 = def(
        "it",
        "IT",
        &["device"],
        "device: {type: string, enum: [laptop, phone]}\ncount: {type: integer, x-index: true}\nnote: {type: string}\nleft: {type: string}\nright: {type: string}",
    );
    apply(s, &v1, false).await;
    let k1 = create(
        s,
        "it",
        "one",
        json!({"device": "laptop", "count": 3, "note": "n1", "left": "L1", "right": "R1"}),
    )
    .await;
    let k2 = create(
        s,
        "it",
        "two",
        json!({"device": "phone", "count": 4, "left": "L2", "right": "R2"}),
    )
    .await;

    // Add an optional field, a required one with a default (backfilled), an enum value.
    let v2 = def(
        "it",
        "IT",
        &["device", "site"],
        "device: {type: string, enum: [laptop, phone, tablet]}\ncount: {type: integer, x-index: true}\nnote: {type: string}\nleft: {type: string}\nright: {type: string}\nextra: {type: boolean}\nsite: {type: string, default: hq}",
    );
    let a = apply(s, &v2, false).await;
    assert_eq!(a.plan.safety, Safety::Safe);
    assert!(a.ddl.iter().any(|d| d.contains("extra")), "{:?}", a.ddl);
    assert!(
        a.ddl.iter().any(|d| d.starts_with("UPDATE")),
        "the backfill is planned: {:?}",
        a.ddl
    );
    let t1 = s.get_ticket(&k1, false).await.unwrap();
    assert_eq!(t1.fields["site"], "hq", "backfilled");
    assert_eq!(t1.fields["extra"], serde_json::Value::Null);
    assert_eq!(t1.fields["count"], 3);

    // Widen count to number, rename note -> remark, swap left and right, drop the index.
    let v3 = def(
        "it",
        "IT",
        &["device", "site"],
        "device: {type: string, enum: [laptop, phone, tablet]}\ncount: {type: number}\nremark: {type: string, x-renamed-from: note}\nleft: {type: string, x-renamed-from: right}\nright: {type: string, x-renamed-from: left}\nextra: {type: boolean}\nsite: {type: string, default: hq}",
    );
    let a = apply(s, &v3, false).await;
    assert_eq!(a.plan.safety, Safety::Safe, "{:?}", a.plan.changes);
    let t1 = s.get_ticket(&k1, false).await.unwrap();
    assert_eq!(t1.fields["count"], 3.0);
    assert_eq!(t1.fields["remark"], "n1");
    assert!(!t1.fields.contains_key("note"));
    assert_eq!(
        (t1.fields["left"].as_str(), t1.fields["right"].as_str()),
        (Some("R1"), Some("L1"))
    );
    let t2 = s.get_ticket(&k2, false).await.unwrap();
    assert_eq!(
        (t2.fields["left"].as_str(), t2.fields["right"].as_str()),
        (Some("R2"), Some("L2"))
    );
    // The same file again changes nothing (the swap is not swapped back).
    let again = apply(s, &v3, false).await;
    assert!(again.plan.noop && again.version.is_none());

    // Add an index back.
    let v4 = def(
        "it",
        "IT",
        &["device", "site"],
        "device: {type: string, enum: [laptop, phone, tablet]}\ncount: {type: number, x-index: true}\nremark: {type: string, x-renamed-from: note}\nleft: {type: string, x-renamed-from: right}\nright: {type: string, x-renamed-from: left}\nextra: {type: boolean}\nsite: {type: string, default: hq}",
    );
    let a = apply(s, &v4, false).await;
    assert!(
        a.ddl.iter().any(|d| d.contains("CREATE INDEX")),
        "{:?}",
        a.ddl
    );

    // Every applied change is a version with its DDL.
    let versions = s.type_versions("it").await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert!(versions.iter().all(|v| !v.ddl.is_empty()));
    // Tickets still filter on the renamed, widened, indexed columns.
    let page = s
        .list_tickets(&docket_store::ListQuery {
            type_slug: Some("it".into()),
            filters: vec![docket_store::Filter {
                target: docket_store::list::Target::Field("count".into()),
                op: docket_store::FilterOp::Gte,
                values: vec!["3.5".into()],
                param: "f.count.gte".into(),
            }],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        page.items
            .iter()
            .map(|t| t.key.as_str())
            .collect::<Vec<_>>(),
        [k2.as_str()]
    );
});

both_backends!(removed_fields_are_hidden_and_restored, |db| async move {
    let s = &db.store;
    let v1 = def("eq", "EQ", &[], "a: {type: string}\nb: {type: string}");
    apply(s, &v1, false).await;
    let k = create(s, "eq", "one", json!({"a": "x", "b": "keep me"})).await;
    let v2 = def("eq", "EQ", &[], "a: {type: string}");
    match s.apply_type(&v2, &api_origin(), false).await {
        Err(StoreError::PlanRefused(refused)) => {
            assert_eq!(refused.plan.safety, Safety::Destructive)
        }
        other => panic!("removing a field needs force: {other:?}"),
    }
    assert_eq!(
        s.type_versions("eq").await.unwrap().len(),
        1,
        "nothing applied"
    );
    apply(s, &v2, true).await;
    let t = s.get_ticket(&k, false).await.unwrap();
    assert!(!t.fields.contains_key("b"));
    assert_eq!(t.type_version, 1, "written under version 1");
    let t = s
        .update_ticket(
            &k,
            None,
            docket_store::TicketPatch {
                title: Some("edited".into()),
                actor: "t".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        t.type_version, 2,
        "an update rewrites the ticket under the current version"
    );
    let a = apply(s, &v1, false).await;
    assert_eq!(a.plan.safety, Safety::Safe);
    assert_eq!(
        s.get_ticket(&k, false).await.unwrap().fields["b"],
        "keep me"
    );
});

both_backends!(kind_changes_convert_or_name_the_blockers, |db| async move {
    let s = &db.store;
    let v1 = def("cm", "CMP", &[], "amount: {type: string}");
    apply(s, &v1, false).await;
    let good = create(s, "cm", "good", json!({"amount": "12"})).await;
    let bad = create(s, "cm", "bad", json!({"amount": "twelve"})).await;
    let v2 = def("cm", "CMP", &[], "amount: {type: integer}");
    for force in [false, true] {
        match s.apply_type(&v2, &api_origin(), force).await {
            Err(StoreError::PlanRefused(refused)) => {
                assert_eq!(refused.plan.safety, Safety::Refused);
                assert_eq!(refused.plan.changes[0].blocking_tickets, vec![bad.clone()]);
            }
            other => panic!("expected a refusal: {other:?}"),
        }
    }
    assert_eq!(
        s.get_ticket(&good, false).await.unwrap().fields["amount"],
        "12",
        "nothing half-written"
    );
    // Fix the data, then the change applies by add-copy-drop.
    s.update_ticket(
        &bad,
        None,
        docket_store::TicketPatch {
            fields: fields(json!({"amount": "13"})),
            actor: "test".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let a = apply(s, &v2, false).await;
    assert!(a.ddl.iter().any(|d| d.contains("DROP")), "{:?}", a.ddl);
    assert_eq!(
        s.get_ticket(&good, false).await.unwrap().fields["amount"],
        12
    );
    assert_eq!(
        s.get_ticket(&bad, false).await.unwrap().fields["amount"],
        13
    );
});

both_backends!(
    narrowing_and_required_without_default_need_force,
    |db| async move {
        let s = &db.store;
        let v1 = def(
            "ad",
            "ADM",
            &[],
            "why: {type: string, maxLength: 100}\nlevel: {type: string, enum: [low, high]}",
        );
        apply(s, &v1, false).await;
        let long = create(
            s,
            "ad",
            "long",
            json!({"why": "a reason that is rather long", "level": "high"}),
        )
        .await;
        create(s, "ad", "short", json!({"why": "short", "level": "low"})).await;
        let narrowed = def(
            "ad",
            "ADM",
            &[],
            "why: {type: string, maxLength: 10}\nlevel: {type: string, enum: [low, high]}",
        );
        match s.apply_type(&narrowed, &api_origin(), false).await {
            Err(StoreError::PlanRefused(plan)) => {
                assert_eq!(plan.plan.changes[0].blocking_tickets, vec![long.clone()])
            }
            other => panic!("{other:?}"),
        }
        let enum_removed = def(
            "ad",
            "ADM",
            &[],
            "why: {type: string, maxLength: 100}\nlevel: {type: string, enum: [low]}",
        );
        assert!(matches!(
            s.apply_type(&enum_removed, &api_origin(), false).await,
            Err(StoreError::PlanRefused(_))
        ));
        let required = def(
            "ad",
            "ADM",
            &["owner"],
            "why: {type: string, maxLength: 100}\nlevel: {type: string, enum: [low, high]}\nowner: {type: string}",
        );
        assert!(matches!(
            s.apply_type(&required, &api_origin(), false).await,
            Err(StoreError::PlanRefused(_))
        ));
        assert_eq!(s.type_versions("ad").await.unwrap().len(), 1);
        let a = apply(s, &narrowed, true).await;
        assert_eq!(a.plan.safety, Safety::Destructive);
        assert_eq!(
            s.get_ticket(&long, false).await.unwrap().fields["why"],
            "a reason that is rather long",
            "data kept"
        );
    }
);

both_backends!(another_instance_sees_applied_types, |db| async move {
    let other = db.second_instance().await;
    let v1 = def("ds", "DSC", &[], "topic: {type: string}");
    apply(&db.store, &v1, false).await;
    assert!(other.registry().get("ds").is_none(), "not polled yet");
    assert!(other.refresh_types().await.unwrap());
    assert_eq!(other.registry().get("ds").unwrap().stored.version, 1);
    // Writes through a stale registry reload it first.
    let v2 = def(
        "ds",
        "DSC",
        &[],
        "subject: {type: string, x-renamed-from: topic}",
    );
    apply(&db.store, &v2, false).await;
    let key = create(
        &other,
        "ds",
        "via the other instance",
        json!({"subject": "hi"}),
    )
    .await;
    assert_eq!(
        db.store.get_ticket(&key, false).await.unwrap().fields["subject"],
        "hi"
    );
    other.close().await;
});

both_backends!(source_text_changes_keep_the_version, |db| async move {
    let s = &db.store;
    let v1 = def("doc", "DOC", &[], "a: {type: string}");
    let origin = |text: &str| docket_store::TypeOrigin {
        source: docket_store::TypeSource::File,
        path: Some("doc.yaml".into()),
        text: Some(text.into()),
        actor: "test".into(),
    };
    s.apply_type(&v1, &origin("# first\n"), false)
        .await
        .unwrap();
    let again = s
        .apply_type(&v1, &origin("# reworded comment\n"), false)
        .await
        .unwrap();
    assert!(again.plan.noop && again.version.is_none());
    let versions = s.type_versions("doc").await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(
        versions[0].source_text.as_deref(),
        Some("# reworded comment\n")
    );
    assert_eq!(
        s.registry()
            .get("doc")
            .unwrap()
            .stored
            .source_text
            .as_deref(),
        Some("# reworded comment\n")
    );
});

both_backends!(
    making_a_field_searchable_reindexes_old_tickets,
    |db| async move {
        let s = &db.store;
        apply(s, &def("kb", "KB", &[], "notes: {type: string}"), false).await;
        let key = create(
            s,
            "kb",
            "printer",
            json!({"notes": "zebra stripes on every page"}),
        )
        .await;
        let search = |q: &str| docket_store::ListQuery {
            q: Some(q.into()),
            ..Default::default()
        };
        assert!(
            s.list_tickets(&search("zebra"))
                .await
                .unwrap()
                .items
                .is_empty()
        );
        let a = apply(
            s,
            &def("kb", "KB", &[], "notes: {type: string, x-searchable: true}"),
            false,
        )
        .await;
        assert!(
            a.plan
                .changes
                .iter()
                .any(|c| c.summary.contains("full-text search will include")),
            "{:?}",
            a.plan.changes
        );
        let found = s.list_tickets(&search("zebra")).await.unwrap();
        assert_eq!(
            found
                .items
                .iter()
                .map(|t| t.key.clone())
                .collect::<Vec<_>>(),
            [key]
        );
    }
);

both_backends!(key_prefix_clashes_are_reported_by_plan, |db| async move {
    let s = &db.store;
    apply(s, &def("one", "ONE", &[], "a: {type: string}"), false).await;
    match s
        .plan_type(&def("two", "ONE", &[], "a: {type: string}"))
        .await
    {
        Err(StoreError::Invalid(errors)) => assert_eq!(errors[0].pointer, "/key_prefix"),
        other => panic!("{other:?}"),
    }
});
