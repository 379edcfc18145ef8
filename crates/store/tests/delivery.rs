//! The outbox and its dispatcher on both backends: changes write their topics in their
//! own transaction, a dispatch fans each entry out once, pruning keeps the SLA's feed.

mod common;

use common::*;
use docket_store::delivery::DispatchOptions;
use docket_store::testing::stored_strings;
use docket_store::{TicketPatch, both_backends};
use serde_json::json;

both_backends!(
    changes_write_their_topics_and_dispatch_once,
    |db| async move {
        let s = &db.store;
        apply(s, &def("it", "IT", &[], "device: {type: string}"), false).await;
        let key = create(s, "it", "Broken", json!({})).await;
        s.update_ticket(
            &key,
            None,
            TicketPatch {
                status: Some("open".into()),
                title: Some("Broken screen".into()),
                actor: "ada@example.com".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let mut topics = stored_strings(s, "outbox", "topic").await;
        topics.sort();
        assert_eq!(
            topics,
            ["ticket.created", "ticket.status_changed", "ticket.updated"]
        );

        let options = DispatchOptions {
            batch: 2,
            email: false,
        };
        assert_eq!(s.dispatch_outbox(&options).await.unwrap(), 2);
        assert_eq!(s.dispatch_outbox(&options).await.unwrap(), 1);
        assert_eq!(
            s.dispatch_outbox(&options).await.unwrap(),
            0,
            "each entry once"
        );

        // Dispatched entries go after a while; the SLA's feed stays.
        let later = s.clock().now() + chrono::Duration::days(8);
        assert_eq!(s.prune_outbox(later).await.unwrap(), 3);
        assert!(stored_strings(s, "outbox", "topic").await.is_empty());
    }
);
