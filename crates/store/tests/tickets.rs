//! Tickets on both backends: create, validate, update with versions, audit, list with
//! filters, search, sort and cursors, idempotency, soft delete.

mod common;

use common::*;
use docket_core::ticket::{CommentKind, Priority, SourceChannel};
use docket_store::list::Target;
use docket_store::{
    CoreField, Filter, FilterOp, IdempotencyKey, ListQuery, NewComment, NewTicket, RequesterRef,
    SortKey, StoreError, TicketPatch, both_backends,
};
use serde_json::json;

fn it_type() -> docket_core::typedef::TypeDefinition {
    def(
        "it",
        "IT",
        &["device"],
        "device: {type: string, enum: [laptop, desktop, phone]}\nusers: {type: integer, minimum: 1, default: 1, x-index: true}\nseen: {type: string, format: date-time}\ndue: {type: string, format: date}\nerror: {type: string, x-searchable: true}\nextra: {type: object}",
    )
}

fn filter(target: Target, op: FilterOp, values: &[&str]) -> Filter {
    Filter {
        param: "test".into(),
        target,
        op,
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

both_backends!(create_read_update_audit, |db| async move {
    let s = &db.store;
    apply(s, &it_type(), false).await;
    let (key, replayed) = s
        .create_ticket(NewTicket {
            type_slug: "it".into(),
            title: "  Laptop will not boot ".into(),
            body: "Since this morning".into(),
            priority: Some(Priority::P1),
            requester: Some(RequesterRef {
                email: Some("Ada@Example.com".into()),
                name: Some("Ada".into()),
                ..Default::default()
            }),
            source_channel: SourceChannel::Email,
            source_ref: Some("<m1@example.com>".into()),
            tags: vec!["VPN".into(), "vpn".into(), "urgent".into()],
            fields: fields(json!({"device": "laptop", "seen": "2026-11-20T08:30:00Z", "due": "2026-12-01", "extra": {"a": [1, 2]}})),
            actor: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let key = key.key;
    assert_eq!(key, "IT-1");
    assert!(!replayed);
    let t = s.get_ticket(&key, false).await.unwrap();
    assert_eq!(t.title, "Laptop will not boot");
    assert_eq!(t.priority, Priority::P1);
    assert_eq!(t.tags, vec!["urgent", "vpn"]);
    assert_eq!(t.fields["users"], 1, "default filled");
    assert_eq!(t.fields["seen"], "2026-11-20T08:30:00Z");
    assert_eq!(t.fields["due"], "2026-12-01");
    assert_eq!(t.fields["extra"], json!({"a": [1, 2]}));
    let r = t.requester.as_ref().unwrap();
    assert_eq!(r.email.as_deref(), Some("ada@example.com"));
    // The same requester is found again by identity.
    let k2 = create(s, "it", "second", json!({"device": "phone"})).await;
    assert_eq!(k2, "IT-2");

    // Update with the right version; a stale one is refused and writes nothing.
    let t = s
        .update_ticket(
            &key,
            Some(1),
            TicketPatch {
                status: Some("open".into()),
                fields: fields(json!({"users": 5, "due": null})),
                actor: "agent".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (t.version, t.status.as_str(), t.status_category.as_str()),
        (2, "open", "open")
    );
    assert_eq!(t.fields["users"], 5);
    assert!(t.fields["due"].is_null());
    let stale = s
        .update_ticket(
            &key,
            Some(1),
            TicketPatch {
                title: Some("x".into()),
                actor: "b".into(),
                ..Default::default()
            },
        )
        .await;
    assert!(
        matches!(stale, Err(StoreError::VersionMismatch { current: 2 })),
        "{stale:?}"
    );
    // Invalid values: every error at once, nothing written.
    match s
        .update_ticket(
            &key,
            Some(2),
            TicketPatch {
                title: Some("".into()),
                status: Some("nope".into()),
                fields: fields(json!({"users": 0, "device": "toaster"})),
                actor: "agent".into(),
                ..Default::default()
            },
        )
        .await
    {
        Err(StoreError::Invalid(errors)) => {
            let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
            for p in ["/title", "/status", "/fields/users", "/fields/device"] {
                assert!(pointers.contains(&p), "{p} in {pointers:?}");
            }
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.get_ticket(&key, false).await.unwrap().version, 2);

    s.add_comment(
        &key,
        NewComment {
            kind: CommentKind::Internal,
            body: "checked the disk".into(),
            author_user_id: None,
            from_requester: false,
            author_name: Some("Bob".into()),
            channel: SourceChannel::Web,
            actor: "agent".into(),
            attachments: Vec::new(),
            external_ref: None,
        },
    )
    .await
    .unwrap();
    let events = s.events(&key, None, 100).await.unwrap();
    let names: Vec<&str> = events.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        names,
        ["created", "status", "fields.users", "fields.due", "comment"]
    );
    assert_eq!(events[2].old_value, Some(json!(1)));
    assert_eq!(events[2].new_value, Some(json!(5)));
    assert_eq!(events[1].actor, "agent");
    assert_eq!(
        s.comments(&key, None, 10).await.unwrap()[0].body,
        "checked the disk"
    );

    // Soft delete hides it; restore brings it back.
    s.set_deleted(&key, true, "agent").await.unwrap();
    assert!(matches!(
        s.get_ticket(&key, false).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(s.get_ticket(&key, true).await.unwrap().deleted_at.is_some());
    s.set_deleted(&key, false, "agent").await.unwrap();
    assert!(s.get_ticket(&key, false).await.is_ok());
});

both_backends!(invalid_creates_write_nothing, |db| async move {
    let s = &db.store;
    apply(s, &it_type(), false).await;
    let r = s
        .create_ticket(NewTicket {
            type_slug: "it".into(),
            title: "".into(),
            fields: fields(json!({"device": "toaster", "users": "many", "unknown": 1})),
            team: Some("no-such-team".into()),
            assignee_id: Some(999_999),
            requester: Some(RequesterRef {
                email: Some("new@example.com".into()),
                ..Default::default()
            }),
            actor: "t".into(),
            ..Default::default()
        })
        .await;
    // Every problem at once: the fields', and the team's and assignee's too.
    match r {
        Err(StoreError::Invalid(errors)) => {
            assert!(errors.len() >= 6, "{errors:?}");
            let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
            for p in ["/title", "/team", "/assignee_id"] {
                assert!(pointers.contains(&p), "{p} in {pointers:?}");
            }
        }
        other => panic!("{other:?}"),
    }
    let unknown = s
        .create_ticket(NewTicket {
            type_slug: "nope".into(),
            title: "x".into(),
            actor: "t".into(),
            ..Default::default()
        })
        .await;
    assert!(
        matches!(unknown, Err(StoreError::Invalid(ref e)) if e[0].pointer == "/type"),
        "{unknown:?}"
    );
    let page = s.list_tickets(&ListQuery::default()).await.unwrap();
    assert!(page.items.is_empty());
    // The failed create used no key number.
    assert_eq!(
        create(s, "it", "first", json!({"device": "phone"})).await,
        "IT-1"
    );
});

both_backends!(idempotency_keys_replay, |db| async move {
    let s = &db.store;
    apply(s, &it_type(), false).await;
    let new = |hash: &str| NewTicket {
        type_slug: "it".into(),
        title: "once".into(),
        fields: fields(json!({"device": "phone"})),
        actor: "t".into(),
        idempotency: Some(IdempotencyKey {
            scope: "api".into(),
            key: "k-1".into(),
            request_hash: hash.into(),
        }),
        ..Default::default()
    };
    let (a, replay_a) = s.create_ticket(new("h1")).await.unwrap();
    let a = a.key;
    let (b, replay_b) = s.create_ticket(new("h1")).await.unwrap();
    let b = b.key;
    assert_eq!((a.as_str(), replay_a, replay_b), (b.as_str(), false, true));
    assert!(matches!(
        s.create_ticket(new("h2")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.list_tickets(&ListQuery::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
});

both_backends!(list_filters_sort_search_and_pages, |db| async move {
    let s = &db.store;
    apply(s, &it_type(), false).await;
    let devices = [
        "laptop", "desktop", "phone", "laptop", "phone", "laptop", "desktop",
    ];
    for (i, d) in devices.iter().enumerate() {
        let mut f = json!({"device": d, "users": i + 1});
        if i % 2 == 0 {
            f["error"] = json!(format!("printer jammed number {i}"));
        }
        if i == 3 {
            f.as_object_mut().unwrap().remove("users");
        }
        s.create_ticket(NewTicket {
            type_slug: "it".into(),
            title: format!("ticket {i}"),
            fields: fields(f),
            priority: Some(if i < 2 { Priority::P0 } else { Priority::P3 }),
            tags: if i % 3 == 0 {
                vec!["vip".into()]
            } else {
                vec![]
            },
            actor: "t".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    let keys = |p: &docket_store::Page| p.items.iter().map(|t| t.key.clone()).collect::<Vec<_>>();
    let q = |filters: Vec<Filter>| ListQuery {
        type_slug: Some("it".into()),
        filters,
        ..Default::default()
    };

    // Enum set, range, and a core field together.
    let page = s
        .list_tickets(&q(vec![
            filter(
                Target::Field("device".into()),
                FilterOp::In,
                &["laptop", "phone"],
            ),
            filter(Target::Field("users".into()), FilterOp::Gte, &["3"]),
            filter(Target::Core(CoreField::Priority), FilterOp::Eq, &["P3"]),
        ]))
        .await
        .unwrap();
    assert_eq!(keys(&page), ["IT-6", "IT-5", "IT-3"]);
    // Null filter: IT-4 defaulted to users=1, so none is empty; the error field is.
    let page = s
        .list_tickets(&q(vec![filter(
            Target::Field("error".into()),
            FilterOp::Null,
            &["true"],
        )]))
        .await
        .unwrap();
    assert_eq!(keys(&page), ["IT-6", "IT-4", "IT-2"]);
    // Full text over title, body and searchable fields, with prefixes.
    let page = s
        .list_tickets(&ListQuery {
            q: Some("PRINT jam".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(keys(&page), ["IT-7", "IT-5", "IT-3", "IT-1"]);
    // Tags.
    let page = s
        .list_tickets(&ListQuery {
            tags: vec!["vip".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(keys(&page), ["IT-7", "IT-4", "IT-1"]);
    // Unknown values are errors, not empty pages.
    let err = s
        .list_tickets(&q(vec![filter(
            Target::Field("device".into()),
            FilterOp::Eq,
            &["toaster"],
        )]))
        .await;
    assert!(matches!(err, Err(StoreError::Invalid(_))));
    let err = s
        .list_tickets(&ListQuery {
            filters: vec![filter(
                Target::Field("device".into()),
                FilterOp::Eq,
                &["phone"],
            )],
            ..Default::default()
        })
        .await;
    assert!(
        matches!(err, Err(StoreError::Invalid(_))),
        "f.* needs a type"
    );

    // Sorting on an extension field with cursor pages walks every ticket exactly once.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = s
            .list_tickets(&ListQuery {
                type_slug: Some("it".into()),
                sort: vec![
                    SortKey {
                        target: Target::Field("device".into()),
                        descending: false,
                    },
                    SortKey {
                        target: Target::Field("users".into()),
                        descending: true,
                    },
                ],
                limit: Some(2),
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|t| {
            (
                t.fields["device"].as_str().unwrap().to_string(),
                t.fields["users"].as_i64(),
            )
        }));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    let expected: Vec<(String, Option<i64>)> = vec![
        ("desktop".into(), Some(7)),
        ("desktop".into(), Some(2)),
        ("laptop".into(), Some(6)),
        ("laptop".into(), Some(1)),
        ("laptop".into(), Some(1)),
        ("phone".into(), Some(5)),
        ("phone".into(), Some(3)),
    ];
    assert_eq!(seen, expected);
});

both_backends!(
    concurrent_creates_for_a_new_requester_make_one_requester,
    |db| async move {
        let s = &db.store;
        apply(s, &it_type(), false).await;
        let creates = (0..8).map(|i| {
            s.create_ticket(NewTicket {
                type_slug: "it".into(),
                title: format!("race {i}"),
                requester: Some(RequesterRef {
                    email: Some("new.person@example.com".into()),
                    ..Default::default()
                }),
                fields: fields(json!({"device": "phone"})),
                actor: "t".into(),
                ..Default::default()
            })
        });
        let results = futures_join_all(creates).await;
        let mut requesters = std::collections::BTreeSet::new();
        for r in results {
            let (ticket, _) = r.expect("every create succeeds");
            requesters.insert(ticket.requester.unwrap().id);
        }
        assert_eq!(requesters.len(), 1, "one requester for one email");
    }
);

/// Run futures concurrently (a tiny join_all, so the tests need no extra crate).
async fn futures_join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let handles: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut out = Vec::new();
    // Poll them together by awaiting through a joined select over tokio tasks is not
    // possible with borrowed futures; interleave with join via a manual poll loop.
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all_done = true;
        for (i, slot) in pending.iter_mut().enumerate() {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        results[i] = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    out.extend(results.into_iter().map(|r| r.expect("done")));
    out
}

both_backends!(key_numbers_continue_across_an_upgrade, |db| async move {
    use sea_orm::ConnectionTrait;
    let s = &db.store;
    apply(s, &it_type(), false).await;
    let first = create(s, "it", "one", json!({"device": "phone"})).await;
    assert_eq!(first, "IT-1");
    if db.backend == docket_store::Backend::Postgres {
        // A database from before sequences: the counter row says 41 were used, and the
        // prefix has no sequence. Start-up gives it one that continues after 41.
        let conn = s.connection();
        conn.execute_unprepared("DROP SEQUENCE key_seq_it")
            .await
            .unwrap();
        conn.execute_unprepared(
            "INSERT INTO key_sequences (prefix, next_number) VALUES ('IT', 41)",
        )
        .await
        .unwrap();
        s.migrate().await.unwrap();
        assert_eq!(
            create(s, "it", "two", json!({"device": "phone"})).await,
            "IT-42"
        );
        // Without the counter row, the tickets' own numbers are the floor.
        conn.execute_unprepared("DROP SEQUENCE key_seq_it; DELETE FROM key_sequences")
            .await
            .unwrap();
        s.migrate().await.unwrap();
        assert_eq!(
            create(s, "it", "three", json!({"device": "phone"})).await,
            "IT-43"
        );
    } else {
        assert_eq!(
            create(s, "it", "two", json!({"device": "phone"})).await,
            "IT-2"
        );
    }
});

// Concurrent creates are written together (group commit); each still gets its own
// answer, its ticket or its own errors, and a batch that fails as a whole (an unknown
// requester id among them) is written again one create at a time.
both_backends!(a_burst_of_creates_is_answered_one_by_one, |db| async move {
    let s = db.store.clone();
    let d = def("burst", "BU", &["n"], "n: {type: integer, minimum: 0}");
    apply(&s, &d, false).await;
    const N: usize = 80;
    let mut handles = Vec::new();
    for i in 0..N {
        let s = s.clone();
        let mut new = NewTicket {
            type_slug: "burst".into(),
            title: format!("burst {i}"),
            fields: fields(json!({"n": i})),
            tags: vec![format!("t{}", i % 3)],
            requester: Some(RequesterRef {
                email: Some(format!("r{}@example.com", i % 4)),
                ..Default::default()
            }),
            actor: "test".into(),
            ..Default::default()
        };
        match i % 10 {
            1 => new.fields = fields(json!({"n": -1})),
            3 => new.assignee_id = Some(999_999),
            5 => new.team = Some("nope".into()),
            7 => {
                new.requester = Some(RequesterRef {
                    id: Some(999_999),
                    ..Default::default()
                })
            }
            _ => {}
        }
        handles.push(tokio::spawn(async move { (i, s.create_ticket(new).await) }));
    }
    let mut created = Vec::new();
    for h in handles {
        let (i, outcome) = h.await.unwrap();
        let expected_pointer = match i % 10 {
            1 => Some("/fields/n"),
            3 => Some("/assignee_id"),
            5 => Some("/team"),
            7 => Some("/requester/id"),
            _ => None,
        };
        match (expected_pointer, outcome) {
            (Some(p), Err(StoreError::Invalid(errors))) => {
                assert_eq!(errors.len(), 1, "create {i}: {errors:?}");
                assert_eq!(errors[0].pointer, p, "create {i}: {errors:?}");
            }
            (None, Ok((t, replayed))) => {
                assert!(!replayed);
                assert_eq!(
                    t.title,
                    format!("burst {i}"),
                    "create {i} got another's ticket"
                );
                assert_eq!(t.fields["n"], json!(i));
                assert_eq!(t.tags, vec![format!("t{}", i % 3)]);
                let email = t.requester.as_ref().and_then(|r| r.email.clone());
                assert_eq!(email, Some(format!("r{}@example.com", i % 4)));
                created.push(t);
            }
            (p, other) => panic!("create {i}: expected {p:?}, got {other:?}"),
        }
    }
    let valid = (0..N).filter(|i| ![1, 3, 5, 7].contains(&(i % 10))).count();
    assert_eq!(created.len(), valid);
    // Unique numbers; on SQLite (one writer, a counter row) also without gaps.
    let mut numbers: Vec<i64> = created
        .iter()
        .map(|t| t.key.trim_start_matches("BU-").parse().unwrap())
        .collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), valid);
    if db.backend == docket_store::Backend::Sqlite {
        assert_eq!(numbers, (1..=valid as i64).collect::<Vec<_>>());
    }
    // One requester record per email, however the creates were batched.
    let mut by_email = std::collections::BTreeMap::new();
    for t in &created {
        let r = t.requester.as_ref().unwrap();
        let id = *by_email.entry(r.email.clone()).or_insert(r.id);
        assert_eq!(id, r.id, "two records for {:?}", r.email);
    }
    assert_eq!(by_email.len(), 4);
    // What each create answered is what was stored, with its `created` event.
    for t in &created {
        assert_eq!(&s.get_ticket(&t.key, false).await.unwrap(), t);
        let events = s.events(&t.key, None, 10).await.unwrap();
        assert_eq!(events[0].field, "created", "{}: {events:?}", t.key);
    }
});

// A retry with an idempotency key in the same burst as the first request: one ticket.
both_backends!(
    a_key_used_twice_in_one_burst_makes_one_ticket,
    |db| async move {
        let s = db.store.clone();
        let d = def("twice", "TW", &[], "note: {type: string}");
        apply(&s, &d, false).await;
        let mut handles = Vec::new();
        for i in 0..40 {
            let s = s.clone();
            let key = (i % 2 == 0).then(|| IdempotencyKey {
                scope: "user:1".into(),
                key: "one".into(),
                request_hash: "h".into(),
            });
            handles.push(tokio::spawn(async move {
                s.create_ticket(NewTicket {
                    type_slug: "twice".into(),
                    title: if key.is_some() {
                        "keyed".into()
                    } else {
                        format!("free {i}")
                    },
                    idempotency: key,
                    actor: "test".into(),
                    ..Default::default()
                })
                .await
            }));
        }
        let mut keyed = std::collections::BTreeSet::new();
        let mut firsts = 0;
        for h in handles {
            let (t, replayed) = h.await.unwrap().unwrap();
            if t.title == "keyed" {
                keyed.insert(t.key);
                firsts += usize::from(!replayed);
            }
        }
        assert_eq!(keyed.len(), 1, "{keyed:?}");
        assert_eq!(firsts, 1);
    }
);

// Requesters are read ahead for a batch, and on PostgreSQL two batches run at once; what
// an earlier create wrote (here the organisation) must still bind the next one, in the
// same batch or a concurrent one (before, a concurrent create overwrote it unseen).
// Whichever organisation came first stays; the creates naming the other are refused.
both_backends!(
    a_batch_sees_the_organisation_an_earlier_create_set,
    |db| async move {
        let s = db.store.clone();
        let d = def("orgs", "OR", &[], "note: {type: string}");
        apply(&s, &d, false).await;
        // Known before the burst, without an organisation: read ahead by each batch.
        s.create_ticket(NewTicket {
            type_slug: "orgs".into(),
            title: "first".into(),
            requester: Some(RequesterRef {
                email: Some("someone@example.com".into()),
                ..Default::default()
            }),
            actor: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap();
        let mut handles = Vec::new();
        for i in 0..30 {
            let s = s.clone();
            let org = if i % 2 == 0 { "Acme" } else { "Globex" };
            handles.push(tokio::spawn(async move {
                let outcome = s
                    .create_ticket(NewTicket {
                        type_slug: "orgs".into(),
                        title: format!("t{i}"),
                        requester: Some(RequesterRef {
                            email: Some("someone@example.com".into()),
                            organization: Some(org.into()),
                            ..Default::default()
                        }),
                        actor: "test".into(),
                        ..Default::default()
                    })
                    .await;
                (org, outcome)
            }));
        }
        let mut kept = std::collections::BTreeSet::new();
        let mut refused = std::collections::BTreeSet::new();
        for h in handles {
            match h.await.unwrap() {
                (org, Ok((t, _))) => {
                    assert_eq!(t.requester.unwrap().organization.as_deref(), Some(org));
                    kept.insert(org);
                }
                (org, Err(StoreError::Invalid(e))) if e[0].pointer == "/requester/organization" => {
                    refused.insert(org);
                }
                (org, other) => panic!("{org}: {other:?}"),
            }
        }
        assert_eq!(kept.len(), 1, "kept {kept:?}, refused {refused:?}");
        assert_eq!(refused.len(), 1, "kept {kept:?}, refused {refused:?}");
        assert!(kept.is_disjoint(&refused));
    }
);

// A batch takes the numbers of all its prefixes in one statement: each prefix still
// counts on its own (on SQLite without gaps).
both_backends!(
    a_burst_over_several_types_numbers_each_prefix,
    |db| async move {
        let s = db.store.clone();
        for (slug, prefix) in [("alpha", "AL"), ("beta", "BE"), ("gamma", "GA")] {
            apply(&s, &def(slug, prefix, &[], "note: {type: string}"), false).await;
        }
        let mut handles = Vec::new();
        for i in 0..90 {
            let s = s.clone();
            let slug = ["alpha", "beta", "gamma"][i % 3];
            handles.push(tokio::spawn(async move {
                create(&s, slug, &format!("t{i}"), json!({"note": "x"})).await
            }));
        }
        let mut by_prefix: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
        for h in handles {
            let key = h.await.unwrap();
            let (prefix, number) = key.split_once('-').unwrap();
            by_prefix
                .entry(prefix.to_string())
                .or_default()
                .push(number.parse().unwrap());
        }
        assert_eq!(by_prefix.len(), 3);
        for (prefix, numbers) in &mut by_prefix {
            numbers.sort();
            let before = numbers.len();
            numbers.dedup();
            assert_eq!(numbers.len(), before, "{prefix}: a number twice");
            assert_eq!(numbers.len(), 30, "{prefix}");
            if db.backend == docket_store::Backend::Sqlite {
                assert_eq!(*numbers, (1..=30).collect::<Vec<i64>>(), "{prefix}");
            }
        }
    }
);
