//! Comments relayed from elsewhere: one per external reference, edits and deletions
//! kept in the trail, and only their writers (or admins) may change them.

mod common;

use common::*;
use docket_core::ticket::{CommentKind, SourceChannel};
use docket_store::{CommentEdit, CommentEditor, NewComment, NewTicket, StoreError, both_backends};

fn it_type() -> docket_core::typedef::TypeDefinition {
    def("it", "IT", &[], "device: {type: string}")
}

fn relayed(body: &str, external_ref: &str, actor: &str) -> NewComment {
    NewComment {
        kind: CommentKind::Public,
        body: body.into(),
        author_user_id: None,
        from_requester: false,
        author_name: Some("ada#0001".into()),
        channel: SourceChannel::Discord,
        actor: actor.into(),
        attachments: Vec::new(),
        external_ref: Some(external_ref.into()),
    }
}

both_backends!(
    a_reference_is_written_once_and_edits_are_kept,
    |db| async move {
        let s = &db.store;
        apply(s, &it_type(), false).await;
        let (t, _) = s
            .create_ticket(NewTicket {
                type_slug: "it".into(),
                title: "Broken".into(),
                actor: "test".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let key = t.key;
        let (first, replayed) = s
            .add_comment(&key, relayed("hello", "discord:1", "bot"))
            .await
            .unwrap();
        assert!(!replayed);
        let (again, replayed) = s
            .add_comment(&key, relayed("hello again", "discord:1", "bot"))
            .await
            .unwrap();
        assert!(replayed);
        assert_eq!(again.id, first.id);
        assert_eq!(again.body, "hello");
        assert_eq!(s.comments(&key, None, 10).await.unwrap().len(), 1);
        assert_eq!(
            s.comment_by_external_ref(&key, "discord:1")
                .await
                .unwrap()
                .unwrap()
                .id,
            first.id
        );

        // Another writer, not admin, not the author: refused.
        let stranger = CommentEditor {
            user_id: 99,
            is_admin: false,
            actor: "someone",
        };
        let edit = CommentEdit {
            body: Some("changed".into()),
            external_ref: None,
        };
        assert!(matches!(
            s.update_comment(&key, first.id, edit.clone(), stranger)
                .await,
            Err(StoreError::Forbidden(_))
        ));
        let bot = CommentEditor {
            user_id: 1,
            is_admin: false,
            actor: "bot",
        };
        let edited = s.update_comment(&key, first.id, edit, bot).await.unwrap();
        assert_eq!(edited.body, "changed");
        assert!(edited.edited_at.is_some());
        s.delete_comment(&key, first.id, bot).await.unwrap();
        let gone = &s.comments(&key, None, 10).await.unwrap()[0];
        assert!(gone.deleted_at.is_some());
        assert_eq!(gone.body, "");
        let events = s.events(&key, None, 100).await.unwrap();
        let edit = events.iter().find(|e| e.field == "comment_edited").unwrap();
        assert_eq!(edit.old_value.as_ref().unwrap()["body"], "hello");
        let deletion = events
            .iter()
            .find(|e| e.field == "comment_deleted")
            .unwrap();
        assert_eq!(deletion.old_value.as_ref().unwrap()["body"], "changed");

        // A web reply gets its relay reference once.
        let (web, _) = s
            .add_comment(
                &key,
                NewComment {
                    external_ref: None,
                    channel: SourceChannel::Web,
                    ..relayed("from the web", "x", "agent")
                },
            )
            .await
            .unwrap();
        let mark = |r: &str| CommentEdit {
            body: None,
            external_ref: Some(r.into()),
        };
        let relayed_as = s
            .update_comment(&key, web.id, mark("discord:2"), stranger)
            .await
            .unwrap();
        assert_eq!(relayed_as.external_ref.as_deref(), Some("discord:2"));
        assert!(matches!(
            s.update_comment(&key, web.id, mark("discord:3"), stranger)
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.add_comment(&key, relayed("x", &"r".repeat(2000), "bot"))
                .await,
            Err(StoreError::Invalid(_))
        ));
    }
);
