//! Attachments on both backends: the bytes come back exactly, limits refuse whole, a
//! comment takes only its own ticket's free files.

mod common;

use common::*;
use docket_core::ticket::{CommentKind, SourceChannel};
use docket_store::attachments::{AttachmentPolicy, NewAttachment};
use docket_store::{NewComment, NewTicket, StoreError, both_backends};

fn it_type() -> docket_core::typedef::TypeDefinition {
    def("it", "IT", &[], "device: {type: string}")
}

async fn ticket(s: &docket_store::Store) -> String {
    let (t, _) = s
        .create_ticket(NewTicket {
            type_slug: "it".into(),
            title: "Broken".into(),
            actor: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    t.key
}

fn file(name: &str, kind: Option<&str>, data: &[u8]) -> NewAttachment {
    NewAttachment {
        filename: name.into(),
        content_type: kind.map(str::to_string),
        data: data.to_vec(),
        actor: "agent".into(),
        idempotency: None,
    }
}

fn reply(attachments: Vec<i64>) -> NewComment {
    NewComment {
        kind: CommentKind::Public,
        body: "see attached".into(),
        author_user_id: None,
        from_requester: false,
        author_name: None,
        channel: SourceChannel::Web,
        actor: "agent".into(),
        attachments,
        external_ref: None,
    }
}

fn pointers(e: StoreError) -> Vec<String> {
    match e {
        StoreError::Invalid(errors) => errors.into_iter().map(|e| e.pointer).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

both_backends!(bytes_round_trip_and_comments_take_them, |db| async move {
    let s = &db.store;
    apply(s, &it_type(), false).await;
    let key = ticket(s).await;
    let policy = AttachmentPolicy::default();
    let data: Vec<u8> = (0..=255u8).rev().cycle().take(100_000).collect();
    let a = s
        .add_attachment(&key, file("a/b/c.bin", None, &data), &policy)
        .await
        .unwrap();
    assert_eq!(a.filename, "c.bin");
    assert_eq!(a.content_type, "application/octet-stream");
    assert_eq!(a.size, 100_000);
    assert_eq!(s.attachment_content(a.id).await.unwrap(), data);
    let version = s.get_ticket(&key, false).await.unwrap().version;

    let (c, _) = s.add_comment(&key, reply(vec![a.id])).await.unwrap();
    assert_eq!(c.attachments.len(), 1);
    assert_eq!(c.attachments[0].comment_id, Some(c.id));
    assert_eq!(
        s.comments(&key, None, 10).await.unwrap()[0].attachments,
        c.attachments
    );
    assert!(s.get_ticket(&key, false).await.unwrap().version > version);
    assert_eq!(s.attachment(a.id).await.unwrap().ticket_key, key);

    s.remove_attachment(a.id, "agent").await.unwrap();
    assert!(matches!(
        s.attachment(a.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.attachment_content(a.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        s.comments(&key, None, 10).await.unwrap()[0]
            .attachments
            .is_empty()
    );
});

both_backends!(limits_refuse_and_nothing_is_half_written, |db| async move {
    let s = &db.store;
    apply(s, &it_type(), false).await;
    let key = ticket(s).await;
    let other = ticket(s).await;
    let strict = AttachmentPolicy {
        max_bytes: 10,
        allowed_types: vec!["image/*".into(), "application/pdf".into()],
    };
    let too_big = s
        .add_attachment(
            &key,
            file("a.pdf", Some("application/pdf"), &[0; 11]),
            &strict,
        )
        .await;
    assert_eq!(pointers(too_big.unwrap_err()), ["/body"]);
    let wrong = s
        .add_attachment(
            &key,
            file("a.exe", Some("application/x-msdownload"), b"MZ"),
            &strict,
        )
        .await;
    assert_eq!(pointers(wrong.unwrap_err()), ["/content_type"]);
    let png = s
        .add_attachment(&key, file("a.png", None, b"\x89PNG\r\n\x1a\n"), &strict)
        .await
        .unwrap();
    assert_eq!(png.content_type, "image/png");
    assert_eq!(s.attachments(&key).await.unwrap().len(), 1);

    let foreign = s
        .add_attachment(&other, file("b.png", None, b"\x89PNG\r\n\x1a\n"), &strict)
        .await
        .unwrap();
    let refused = s.add_comment(&key, reply(vec![png.id, foreign.id])).await;
    assert_eq!(pointers(refused.unwrap_err()), ["/attachments/1"]);
    assert!(s.comments(&key, None, 10).await.unwrap().is_empty());
    let twice = s.add_comment(&key, reply(vec![png.id, png.id])).await;
    assert_eq!(pointers(twice.unwrap_err()), ["/attachments"]);
    s.add_comment(&key, reply(vec![png.id])).await.unwrap();
    let again = s.add_comment(&key, reply(vec![png.id])).await;
    assert_eq!(pointers(again.unwrap_err()), ["/attachments/0"]);
});
