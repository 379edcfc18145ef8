//! A ticket's email thread: each Message-ID recorded once (angle brackets or not), the
//! thread oldest first in and out, the ticket found from any id of it, and mailboxes'
//! UID state and leases (one holder at a time; a change of settings takes it back).

mod common;

use chrono::Duration;
use common::*;
use docket_store::both_backends;
use docket_store::email_messages::{Direction, NewEmailMessage};
use docket_store::identity::{Actor, MasterKey};
use docket_store::mailboxes::{MailboxSettings, Security};
use serde_json::json;

fn message(ticket_id: i64, id: &str, direction: Direction) -> NewEmailMessage {
    NewEmailMessage {
        ticket_id,
        message_id: id.into(),
        direction,
        mailbox_id: None,
        comment_id: None,
        from_address: Some("Ada@Example.com".into()),
        subject: Some("Printer".into()),
        suppress_replies: false,
        full_text: None,
        html: None,
    }
}

both_backends!(a_thread_is_recorded_once_per_message_id, |db| async move {
    let s = &db.store;
    apply(s, &def("it", "IT", &[], "device: {type: string}"), false).await;
    let key = create(s, "it", "Printer", json!({})).await;
    let ticket = s.get_ticket(&key, false).await.unwrap();
    assert!(
        s.record_email_message(message(ticket.id, "<a@x>", Direction::In))
            .await
            .unwrap()
    );
    assert!(
        !s.record_email_message(message(ticket.id, "a@x", Direction::In))
            .await
            .unwrap()
    );
    assert!(
        s.record_email_message(message(ticket.id, "b.IT-1@example.com", Direction::Out))
            .await
            .unwrap()
    );
    assert_eq!(
        s.email_thread(ticket.id).await.unwrap(),
        vec!["a@x", "b.IT-1@example.com"]
    );
    let recorded = s
        .email_message("<b.IT-1@example.com>")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(recorded.direction, Direction::Out);
    assert_eq!(recorded.from_address.as_deref(), Some("ada@example.com"));
    assert_eq!(
        s.ticket_of_message_ids(&["nope@x".into(), "a@x".into()])
            .await
            .unwrap(),
        Some(ticket.id)
    );
    assert_eq!(
        s.ticket_of_message_ids(&["nope@x".into()]).await.unwrap(),
        None
    );
});

both_backends!(
    a_mailbox_is_checked_by_one_holder_at_a_time,
    |db| async move {
        let s = &db.store;
        apply(s, &def("it", "IT", &[], "device: {type: string}"), false).await;
        let key = MasterKey::generate();
        let actor = Actor::new("test", None);
        let settings = MailboxSettings {
            name: "support".into(),
            address: "support@example.com".into(),
            ticket_type: "it".into(),
            default_priority: None,
            fields: Default::default(),
            imap_host: "imap.example.com".into(),
            imap_port: 993,
            imap_security: Security::Tls,
            imap_username: "support".into(),
            folder: "INBOX".into(),
            move_to: None,
            use_idle: true,
            poll_seconds: 60,
            sender_hourly_limit: 10,
            enabled: true,
        };
        let m = s
            .create_mailbox(&key, &settings, "hunter2", &actor)
            .await
            .unwrap();
        assert_eq!(
            s.mailbox_password(&key, m.id).await.unwrap().as_deref(),
            Some("hunter2")
        );
        let lease = Duration::seconds(60);
        let first = s.claim_mailboxes("one", lease, 10).await.unwrap();
        assert_eq!(first.len(), 1);
        assert!(
            s.claim_mailboxes("two", lease, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            s.claim_mailbox_now(m.id, "two", lease)
                .await
                .unwrap()
                .is_none()
        );
        assert!(s.renew_mailbox_lease(m.id, "one", lease).await.unwrap());
        s.save_mailbox_uid_state(m.id, 7, 42).await.unwrap();
        assert_eq!(s.mailbox(m.id).await.unwrap().uid_state, Some((7, 42)));
        // New settings take the lease back: the running session ends at its next renewal.
        let mut moved = settings.clone();
        moved.folder = "Support".into();
        let updated = s
            .update_mailbox(&key, m.id, &moved, None, &actor)
            .await
            .unwrap();
        assert_eq!(updated.uid_state, None, "another folder starts afresh");
        assert!(!s.renew_mailbox_lease(m.id, "one", lease).await.unwrap());
        assert_eq!(
            s.mailbox_password(&key, m.id).await.unwrap().as_deref(),
            Some("hunter2")
        );
        let second = s.claim_mailboxes("two", lease, 10).await.unwrap();
        assert_eq!(second.len(), 1);
        // A server shutting down gives its leases back at once.
        s.release_mailbox_leases("two").await.unwrap();
        assert_eq!(s.claim_mailboxes("two", lease, 10).await.unwrap().len(), 1);
        s.finish_mailbox_check(m.id, "two", Some("IMAP: refused"), s.clock().now())
            .await
            .unwrap();
        assert_eq!(
            s.mailbox(m.id).await.unwrap().last_error.as_deref(),
            Some("IMAP: refused")
        );
        s.delete_mailbox(m.id, &actor).await.unwrap();
        assert_eq!(s.mailbox_password(&key, m.id).await.unwrap(), None);
        assert!(
            s.claim_mailboxes("two", lease, 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
);
