//! The client against a real server (SQLite and PostgreSQL): what a Discord adapter does
//! with it, the typed errors, idempotent and lost-answer retries, timeouts, the stream.

mod common;

use std::time::{Duration, Instant};

use common::*;
use docket_client::api::{
    CommentCreate, CommentKind, GroupBy, ModerateImageIn, NoteInput, Priority, RequesterInput,
    SourceChannel, TicketCreate, TicketUpdate,
};
use docket_client::{
    Client, ClientError, LiveEvent, PageQuery, RequesterQuery, RetryPolicy, SlaReportQuery,
    TicketQuery, new_idempotency_key,
};
use futures::StreamExt;
use serde_json::json;

fn laptop_ticket(title: &str) -> TicketCreate {
    TicketCreate {
        type_slug: "it_support".into(),
        title: title.into(),
        body: "It shows a blinking cursor".into(),
        status: None,
        priority: Some(Priority::P1),
        requester: Some(RequesterInput {
            discord_id: Some("123456789012345678".into()),
            discord_name: Some("ada".into()),
            ..RequesterInput::default()
        }),
        assignee_id: None,
        team: None,
        source: Some(SourceChannel::Discord),
        source_ref: Some("998877665544332211".into()),
        tags: vec![],
        fields: json!({"category": "hardware", "device": "laptop"})
            .as_object()
            .unwrap()
            .clone(),
    }
}

server_test!(a_ticket_through_its_life, |server| async move {
    let docket = server.client();
    let me = docket.me().await.unwrap();
    assert_eq!(me.via, "token");
    assert_eq!(me.user.email, "discord-bot@example.com");

    let created = docket
        .create_ticket(&laptop_ticket("Laptop will not boot"))
        .await
        .unwrap();
    let ticket = created.value;
    assert!(ticket.key.starts_with("IT-"), "{}", ticket.key);
    assert_eq!(ticket.source, "discord");
    assert_eq!(created.etag.as_deref(), Some("\"1\""));

    let comment = docket
        .add_comment(
            &ticket.key,
            &CommentCreate {
                attachments: Vec::new(),
                external_ref: None,
                kind: CommentKind::Public,
                body: "Have you tried turning it off and on again?".into(),
                author: Default::default(),
                author_name: None,
                channel: Some(SourceChannel::Discord),
            },
        )
        .await
        .unwrap();
    assert_eq!(comment.ticket, ticket.key);
    let comments = docket
        .list_comments(&ticket.key, &PageQuery::default())
        .await
        .unwrap();
    assert_eq!(comments.items.len(), 1);

    // Read with the ETag, update with If-Match.
    let read = docket.get_ticket(&ticket.key).await.unwrap();
    let etag = read.etag.clone().expect("tickets come with an ETag");
    let patch = TicketUpdate {
        status: Some("open".into()),
        title: Some("Laptop will not boot after update".into()),
        ..TicketUpdate::default()
    };
    let updated = docket
        .update_ticket(&ticket.key, Some(&etag), &patch)
        .await
        .unwrap();
    assert_eq!(updated.value.status, "open");
    assert_ne!(updated.etag.as_deref(), Some(etag.as_str()));

    // The stale ETag is refused, typed, and nothing is written.
    let stale = TicketUpdate {
        title: Some("Overwritten".into()),
        ..TicketUpdate::default()
    };
    let err = docket
        .update_ticket(&ticket.key, Some(&etag), &stale)
        .await
        .unwrap_err();
    assert!(err.is_precondition_failed(), "{err:?}");
    assert_eq!(err.status(), Some(412));
    let now = docket.get_ticket(&ticket.key).await.unwrap().value;
    assert_eq!(now.title, "Laptop will not boot after update");

    // The audit trail pages.
    let first = docket
        .list_events(
            &ticket.key,
            &PageQuery {
                limit: Some(1),
                cursor: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(first.items.len(), 1);
    let rest = docket
        .list_events(
            &ticket.key,
            &PageQuery {
                limit: Some(200),
                cursor: first.next_cursor.clone(),
            },
        )
        .await
        .unwrap();
    assert!(first.next_cursor.is_some() && !rest.items.is_empty());
    assert!(rest.items.iter().all(|e| e.id > first.items[0].id));

    // The adapter finds the member's tickets by source and requester.
    let requester_id = ticket.requester.as_ref().unwrap().id;
    let page = docket
        .list_tickets(&TicketQuery {
            source: vec![SourceChannel::Discord],
            requester_id: Some(requester_id),
            status: vec!["open".into(), "new".into()],
            ..TicketQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        page.items.iter().map(|t| &t.key).collect::<Vec<_>>(),
        vec![&ticket.key]
    );
    let none = docket
        .list_tickets(&TicketQuery {
            source: vec![SourceChannel::Email],
            ..TicketQuery::default()
        })
        .await
        .unwrap();
    assert!(none.items.is_empty());
    let by_field = docket
        .list_tickets(&TicketQuery {
            type_slug: Some("it_support".into()),
            filters: vec![("f.device".into(), "desktop".into())],
            ..TicketQuery::default()
        })
        .await
        .unwrap();
    assert!(by_field.items.is_empty());

    // Paging through everything: three more tickets, read one per page.
    for title in ["Second", "Third", "Fourth"] {
        docket.create_ticket(&laptop_ticket(title)).await.unwrap();
    }
    let all: Vec<String> = docket
        .all_tickets(TicketQuery {
            type_slug: Some("it_support".into()),
            sort: Some("id".into()),
            limit: Some(1),
            ..TicketQuery::default()
        })
        .map(|t| t.unwrap().title)
        .collect()
        .await;
    assert_eq!(
        all,
        vec![
            "Laptop will not boot after update",
            "Second",
            "Third",
            "Fourth"
        ]
    );

    // The requester: found by their Discord id, with a card and notes.
    let found = docket
        .list_requesters(&RequesterQuery {
            q: Some("123456789012345678".into()),
            ..RequesterQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(found.items[0].requester.id, requester_id);
    let profile = docket.get_requester(requester_id).await.unwrap();
    assert_eq!(profile.ticket_count, 4);
    docket
        .add_note(
            requester_id,
            &NoteInput {
                body: "Prefers Discord DMs".into(),
            },
        )
        .await
        .unwrap();
    let card = docket
        .requester_card(requester_id, Some(&ticket.key))
        .await
        .unwrap();
    assert_eq!(card.notes.len(), 1);
    assert_eq!(
        docket
            .list_notes(requester_id, Some(10))
            .await
            .unwrap()
            .items
            .len(),
        1
    );

    // Types, teams, the SLA.
    let types = docket.list_types().await.unwrap();
    assert!(types.iter().any(|t| t.slug == "discord_support"));
    let detail = docket.get_type("discord_support").await.unwrap();
    assert_eq!(detail.summary.key_prefix, "DSC");
    let teams = docket.list_teams().await.unwrap();
    assert!(teams.iter().any(|t| t.slug == "community"));
    docket.ticket_sla(&ticket.key).await.unwrap();
    let err = docket
        .sla_report(&SlaReportQuery::default())
        .await
        .unwrap_err();
    assert!(err.is_forbidden(), "the report is for admins: {err:?}");
    let admin = client_for(&server.base_url(), &server.admin_token);
    let report = admin
        .sla_report(&SlaReportQuery {
            group_by: Some(GroupBy::Type),
            ..SlaReportQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(report.group_by, GroupBy::Type);
    let users = admin.list_users().await.unwrap();
    assert!(users.iter().any(|u| u.id == me.user.id));
    assert_eq!(
        admin.get_user(me.user.id).await.unwrap().email,
        me.user.email
    );

    // The AI calls answer 409 while no AI is configured.
    let err = docket.draft_reply(&ticket.key).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");
    let image = ModerateImageIn {
        url: Some("https://example.com/cat.png".into()),
        base64: None,
        mime: None,
    };
    let err = docket.moderate_image(&image).await.unwrap_err();
    assert!(err.is_conflict(), "{err:?}");

    let health = docket.health().await.unwrap();
    assert_eq!(health.status, "ok");

    // Soft delete: gone for reads.
    docket.delete_ticket(&ticket.key).await.unwrap();
    let err = docket.get_ticket(&ticket.key).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
});

server_test!(refusals_are_typed_problems, |server| async move {
    let docket = server.client();
    let mut bad = laptop_ticket("Bad");
    bad.fields = json!({"category": "hardware", "device": "toaster", "affected_users": 0})
        .as_object()
        .unwrap()
        .clone();
    let err = docket.create_ticket(&bad).await.unwrap_err();
    assert!(err.is_invalid(), "{err:?}");
    assert_eq!(err.status(), Some(422));
    let pointers: Vec<&str> = err
        .field_errors()
        .iter()
        .map(|e| e.pointer.as_str())
        .collect();
    assert!(pointers.contains(&"/fields/device"), "{pointers:?}");
    assert!(pointers.contains(&"/fields/affected_users"), "{pointers:?}");

    let err = docket
        .list_tickets(&TicketQuery {
            limit: Some(500),
            ..TicketQuery::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.field_errors()[0].pointer, "/query/limit");

    let err = docket.get_ticket("IT-999999").await.unwrap_err();
    assert!(err.is_not_found());
    assert!(!err.is_retryable());

    let stranger = Client::builder(server.base_url(), "not-a-token")
        .retry(quick_retries())
        .build()
        .unwrap();
    let err = stranger.me().await.unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");
});

server_test!(
    a_create_with_one_key_makes_one_ticket,
    |server| async move {
        let docket = server.client();
        let key = new_idempotency_key();
        let input = laptop_ticket("Printer on fire");
        // As if the first answer had been lost and the caller sent the same create again.
        let first = docket.create_ticket_with_key(&input, &key).await.unwrap();
        let again = docket.create_ticket_with_key(&input, &key).await.unwrap();
        assert!(!first.replayed);
        assert!(again.replayed);
        assert_eq!(first.value.key, again.value.key);
        let page = docket
            .list_tickets(&TicketQuery {
                q: Some("fire".into()),
                ..TicketQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);

        // The same key with another body is a conflict, not a second ticket.
        let err = docket
            .create_ticket_with_key(&laptop_ticket("Something else"), &key)
            .await
            .unwrap_err();
        assert!(err.is_conflict(), "{err:?}");
    }
);

server_test!(
    lost_answers_are_retried_without_duplicates,
    |server| async move {
        let proxy = Proxy::start(server.addr).await;
        let direct = server.client();

        // A create whose answer is lost: the retry carries the same key and gets the ticket.
        proxy.lose_next(1);
        let lossy = client_for(&proxy.base_url(), &server.token);
        let created = lossy
            .create_ticket_with_key(&laptop_ticket("Monitor flickers"), &new_idempotency_key())
            .await
            .unwrap();
        assert!(
            created.replayed,
            "the first answer was lost; the resend was replayed"
        );
        let page = direct
            .list_tickets(&TicketQuery {
                q: Some("flickers".into()),
                ..TicketQuery::default()
            })
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].key, created.value.key);

        // An update whose answer is lost: the resend meets 412 (the first attempt moved the
        // version); the client re-reads, sees its own change, and returns the ticket.
        let read = direct.get_ticket(&created.value.key).await.unwrap();
        proxy.lose_next(1);
        let lossy = client_for(&proxy.base_url(), &server.token);
        let patch = TicketUpdate {
            title: Some("Monitor flickers at 60 Hz".into()),
            ..TicketUpdate::default()
        };
        let before = proxy.accepted();
        let updated = lossy
            .update_ticket(&created.value.key, read.etag.as_deref(), &patch)
            .await
            .unwrap();
        assert!(proxy.accepted() >= before + 2, "the update was sent twice");
        assert_eq!(updated.value.version, read.value.version + 1);
        assert_eq!(updated.value.title, "Monitor flickers at 60 Hz");

        // A comment cannot be made idempotent: its lost answer is reported, not resent.
        proxy.lose_next(1);
        let lossy = client_for(&proxy.base_url(), &server.token);
        let comment = CommentCreate {
            attachments: Vec::new(),
            external_ref: None,
            kind: CommentKind::Internal,
            body: "Swapped the cable".into(),
            author: Default::default(),
            author_name: None,
            channel: None,
        };
        let err = lossy
            .add_comment(&created.value.key, &comment)
            .await
            .unwrap_err();
        assert!(err.is_retryable(), "{err:?}");
        let comments = direct
            .list_comments(&created.value.key, &PageQuery::default())
            .await
            .unwrap();
        assert_eq!(comments.items.len(), 1, "the first attempt landed, once");
    }
);

server_test!(the_stream_yields_changes_and_resumes, |server| async move {
    let proxy = Proxy::start(server.addr).await;
    let docket = server.client();
    let via_proxy = client_for(&proxy.base_url(), &server.token);
    let mut live = Box::pin(via_proxy.live(None));
    // The first item says the stream is open: from then on no change is missed.
    let opened = tokio::time::timeout(Duration::from_secs(20), live.next())
        .await
        .expect("the stream opens")
        .expect("an item")
        .expect("no error");
    assert_eq!(opened, LiveEvent::Connected);

    async fn next_change(
        live: &mut (impl futures::Stream<Item = docket_client::Result<LiveEvent>> + Unpin),
        key: &str,
    ) -> docket_client::api::TicketChange {
        tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                match live.next().await.expect("the stream goes on").unwrap() {
                    LiveEvent::Ticket(c) if c.key == key => return c,
                    _ => continue,
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no change of {key} on the stream"))
    }

    // The stream connects when first polled; keep creating until one shows, so the test
    // does not depend on when the subscription starts.
    let mut warm = tokio::spawn({
        let docket = docket.clone();
        async move {
            let mut keys = Vec::new();
            for i in 0..40 {
                let t = docket
                    .create_ticket(&laptop_ticket(&format!("warm-up {i}")))
                    .await
                    .unwrap();
                keys.push(t.value.key);
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            keys
        }
    });
    let first = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let LiveEvent::Ticket(c) = live.next().await.unwrap().unwrap() {
                return c;
            }
        }
    })
    .await
    .expect("a change on the stream");
    assert!(first.changes.contains(&"created".to_string()), "{first:?}");
    warm.abort();
    let _ = (&mut warm).await;

    // Live: a create after the stream is up shows on it.
    let t = docket
        .create_ticket(&laptop_ticket("Keyboard sticky"))
        .await
        .unwrap()
        .value;
    let change = next_change(&mut live, &t.key).await;
    assert_eq!(change.ticket_id, t.id);
    assert!(
        change.actor.starts_with("discord-bot@example.com"),
        "{}",
        change.actor
    );

    // Cut the connection; a ticket created meanwhile still arrives, through the
    // reconnect's Last-Event-ID.
    proxy.cut();
    let missed = docket
        .create_ticket(&laptop_ticket("Mouse gone"))
        .await
        .unwrap()
        .value;
    let change = next_change(&mut live, &missed.key).await;
    assert_eq!(change.ticket_id, missed.id);

    // A new stream resuming from an event id replays what came after it.
    drop(live);
    let later = docket
        .create_ticket(&laptop_ticket("Dock dead"))
        .await
        .unwrap()
        .value;
    let mut resumed = Box::pin(docket.live(Some(change.event_id)));
    let replayed = next_change(&mut resumed, &later.key).await;
    assert!(replayed.event_id > change.event_id);
});

#[tokio::test]
async fn a_closed_port_is_unavailable_fast() {
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let docket = Client::builder(format!("http://{addr}"), "t")
        .retry(RetryPolicy {
            max_attempts: 3,
            max_elapsed: Duration::from_secs(5),
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(200),
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let err = docket.get_ticket("IT-1").await.unwrap_err();
    assert!(
        matches!(err, ClientError::Unavailable { status: None, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // Comments too: nothing was sent, so they were retried as well, and still failed.
    let err = docket
        .add_comment(
            "IT-1",
            &CommentCreate {
                attachments: Vec::new(),
                external_ref: None,
                kind: CommentKind::Public,
                body: "x".into(),
                author: Default::default(),
                author_name: None,
                channel: None,
            },
        )
        .await
        .unwrap_err();
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    // Accepts connections, reads, never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let docket = Client::builder(format!("http://{addr}"), "t")
        .request_timeout(Duration::from_millis(300))
        .retry(RetryPolicy {
            max_attempts: 2,
            max_elapsed: Duration::from_secs(5),
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(50),
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let err = docket.list_types().await.unwrap_err();
    let took = started.elapsed();
    assert!(err.is_retryable(), "{err:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
    // Two attempts of 300 ms and a short wait; the bound leaves room for a loaded machine
    // and still tells a timeout from a hang (the default would be 30 s per attempt).
    assert!(
        took >= Duration::from_millis(600) && took < Duration::from_secs(5),
        "{took:?}"
    );
    silent.abort();
}
