//! Full-text search covers a ticket's own text and its comments, follows every change to
//! a comment (written, edited, deleted, moved by a merge), matches word prefixes and
//! combines with filters, on both backends.

mod common;

use common::*;
use docket_core::ticket::{CommentKind, SourceChannel};
use docket_store::list::{CoreField, Filter, FilterOp, ListQuery, Target};
use docket_store::{CommentEdit, CommentEditor, NewComment, Store, both_backends};
use serde_json::json;

async fn found(s: &Store, q: &str) -> Vec<String> {
    found_with(s, q, Vec::new()).await
}

async fn found_with(s: &Store, q: &str, filters: Vec<Filter>) -> Vec<String> {
    let mut keys: Vec<String> = s
        .list_tickets(&ListQuery {
            q: Some(q.into()),
            filters,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|t| t.key)
        .collect();
    keys.sort();
    keys
}

fn comment(body: &str, kind: CommentKind) -> NewComment {
    NewComment {
        kind,
        body: body.into(),
        author_user_id: None,
        from_requester: false,
        author_name: Some("Agent".into()),
        channel: SourceChannel::Api,
        actor: "agent".into(),
        attachments: Vec::new(),
        external_ref: None,
    }
}

both_backends!(comments_are_searched_as_they_change, |db| async move {
    let s = &db.store;
    apply(s, &def("it", "IT", &[], "note: {type: string}"), false).await;
    let printer = create(s, "it", "Printer on floor 3", json!({})).await;
    let vpn = create(s, "it", "VPN drops", json!({})).await;

    // A reply's words find its ticket, by prefix too; an internal note's as well
    // (agents search their own notes).
    let (reply, _) = s
        .add_comment(
            &printer,
            comment("The toner cartridge is empty", CommentKind::Public),
        )
        .await
        .unwrap();
    s.add_comment(
        &vpn,
        comment("Zebra firmware rollback", CommentKind::Internal),
    )
    .await
    .unwrap();
    assert_eq!(found(s, "toner").await, vec![printer.clone()]);
    assert_eq!(found(s, "cartr").await, vec![printer.clone()]);
    assert_eq!(found(s, "zebra firmware").await, vec![vpn.clone()]);
    // Words from the title and a comment together.
    assert_eq!(found(s, "printer toner").await, vec![printer.clone()]);
    assert!(found(s, "vpn toner").await.is_empty());

    // Edited: the old words go, the new ones come.
    let editor = CommentEditor {
        user_id: 0,
        is_admin: true,
        actor: "admin",
    };
    s.update_comment(
        &printer,
        reply.id,
        CommentEdit {
            body: Some("The drum unit is worn".into()),
            ..Default::default()
        },
        editor,
    )
    .await
    .unwrap();
    assert!(found(s, "toner").await.is_empty());
    assert_eq!(found(s, "drum").await, vec![printer.clone()]);

    // Deleted: gone from search.
    s.delete_comment(&printer, reply.id, editor).await.unwrap();
    assert!(found(s, "drum").await.is_empty());

    // Combined with a filter.
    s.add_comment(
        &printer,
        comment("zebra stripes on every page", CommentKind::Public),
    )
    .await
    .unwrap();
    assert_eq!(found(s, "zebra").await, vec![printer.clone(), vpn.clone()]);
    let only_printer = Filter {
        param: "title".into(),
        target: Target::Core(CoreField::Title),
        op: FilterOp::Contains,
        values: vec!["printer".into()],
    };
    assert_eq!(
        found_with(s, "zebra", vec![only_printer]).await,
        vec![printer.clone()]
    );

    // Merged: the source's comments move, and are found on the target.
    s.merge_tickets(&vpn, &printer, "agent").await.unwrap();
    let firmware = found(s, "firmware").await;
    assert_eq!(firmware, vec![printer.clone()], "{firmware:?}");
});

both_backends!(
    a_search_without_sort_puts_the_best_matches_first,
    |db| async move {
        let s = &db.store;
        apply(s, &def("it", "IT", &[], "note: {type: string}"), false).await;
        // Newest last: recency alone would list them the other way round.
        let in_title = create(s, "it", "Outlook crashes at start", json!({})).await;
        let in_body = create(s, "it", "Mail client problem", json!({})).await;
        s.update_ticket(
            &in_body,
            None,
            docket_store::TicketPatch {
                body: Some("outlook shows an error".into()),
                actor: "test".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let in_comment = create(s, "it", "Laptop is slow", json!({})).await;
        s.add_comment(
            &in_comment,
            comment("also outlook hangs", CommentKind::Public),
        )
        .await
        .unwrap();
        let unrelated = create(s, "it", "Printer jam", json!({})).await;

        let page = |cursor: Option<String>| docket_store::ListQuery {
            q: Some("outlook".into()),
            limit: Some(1),
            cursor,
            ..Default::default()
        };
        let mut order = Vec::new();
        let mut cursor = None;
        loop {
            let p = s.list_tickets(&page(cursor)).await.unwrap();
            order.extend(p.items.into_iter().map(|t| t.key));
            match p.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(order.len(), 3, "{order:?}");
        assert!(!order.contains(&unrelated));
        // The ticket's own text before its comments.
        assert_eq!(order.last(), Some(&in_comment), "{order:?}");
        assert!(order[..2].contains(&in_title) && order[..2].contains(&in_body));

        // With a sort, the sort decides.
        let newest = s
            .list_tickets(&docket_store::ListQuery {
                q: Some("outlook".into()),
                sort: vec![docket_store::SortKey {
                    target: Target::Core(CoreField::Id),
                    descending: true,
                }],
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(newest.items[0].key, in_comment);
    }
);
