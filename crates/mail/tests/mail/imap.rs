//! Fetching from a real IMAP server (pymap) on loopback.

use std::time::{Duration, Instant};

use docket_mail::testing::ImapServer;
use docket_mail::{ImapMailbox, MailError, ProcessedAction, UidState, Wake, parse};

fn message(n: u32) -> Vec<u8> {
    format!("From: customer{n}@example.org\r\nTo: support@example.com\r\nSubject: Request {n}\r\nMessage-ID: <req{n}@example.org>\r\n\r\nBody {n}\r\n").into_bytes()
}

fn subjects(batch: &docket_mail::FetchedBatch) -> Vec<String> {
    batch
        .messages
        .iter()
        .map(|m| parse(&m.raw).expect("parses").subject)
        .collect()
}

#[tokio::test]
async fn fetch_mark_and_fetch_again() {
    let server = ImapServer::start().await;
    for n in 1..=3 {
        server.append(&message(n)).await;
    }
    let mut mailbox = ImapMailbox::connect(server.settings.clone())
        .await
        .expect("connects");
    assert!(mailbox.supports_idle());

    let first = mailbox.fetch_new(None).await.expect("fetches");
    assert_eq!(
        subjects(&first),
        vec!["Request 1", "Request 2", "Request 3"]
    );
    assert_eq!(first.state.uid_validity, mailbox.uid_validity());
    assert_eq!(first.state.last_uid, first.messages[2].uid);
    assert!(!first.more);
    for fetched in &first.messages {
        mailbox.mark_processed(fetched.uid).await.expect("marks");
    }

    // Nothing new, by state and by flags alike.
    let again = mailbox.fetch_new(Some(first.state)).await.expect("fetches");
    assert!(again.messages.is_empty());
    assert_eq!(again.state, first.state);
    assert!(
        mailbox
            .fetch_new(None)
            .await
            .expect("fetches")
            .messages
            .is_empty()
    );

    server.append(&message(4)).await;
    let fourth = mailbox.fetch_new(Some(first.state)).await.expect("fetches");
    assert_eq!(subjects(&fourth), vec!["Request 4"]);
    assert!(fourth.state.last_uid > first.state.last_uid);

    // Read by a person before we came: new all the same, by its UID.
    server.append_seen(&message(5)).await;
    let fifth = mailbox
        .fetch_new(Some(fourth.state))
        .await
        .expect("fetches");
    assert_eq!(subjects(&fifth), vec!["Request 5"]);
    // Without a state only unseen mail counts: 4 was not marked, 5 was read.
    let unseen = mailbox.fetch_new(None).await.expect("fetches");
    assert_eq!(subjects(&unseen), vec!["Request 4"]);
    mailbox.logout().await;
}

#[tokio::test]
async fn state_survives_a_reconnect_and_a_changed_uidvalidity_refetches_unseen() {
    let server = ImapServer::start().await;
    for n in 1..=3 {
        server.append(&message(n)).await;
    }
    let mut mailbox = ImapMailbox::connect(server.settings.clone())
        .await
        .expect("connects");
    let batch = mailbox.fetch_new(None).await.expect("fetches");
    // The caller stored and marked only the first before it went away.
    mailbox
        .mark_processed(batch.messages[0].uid)
        .await
        .expect("marks");
    let stored = batch.messages[0].state(batch.state.uid_validity);
    drop(mailbox);

    let mut mailbox = ImapMailbox::connect(server.settings.clone())
        .await
        .expect("reconnects");
    let rest = mailbox.fetch_new(Some(stored)).await.expect("fetches");
    assert_eq!(subjects(&rest), vec!["Request 2", "Request 3"]);

    // A state from another UIDVALIDITY means nothing: every unseen message again.
    let stale = UidState {
        uid_validity: stored.uid_validity.wrapping_add(1),
        last_uid: u32::MAX - 1,
    };
    let refetched = mailbox.fetch_new(Some(stale)).await.expect("fetches");
    assert_eq!(subjects(&refetched), vec!["Request 2", "Request 3"]);
}

#[tokio::test]
async fn batches_are_bounded() {
    let server = ImapServer::start().await;
    for n in 1..=5 {
        server.append(&message(n)).await;
    }
    let mut settings = server.settings.clone();
    settings.batch_size = 2;
    let mut mailbox = ImapMailbox::connect(settings).await.expect("connects");
    let mut seen = Vec::new();
    let mut state = None;
    loop {
        let batch = mailbox.fetch_new(state).await.expect("fetches");
        assert!(batch.messages.len() <= 2);
        seen.extend(subjects(&batch));
        state = Some(batch.state);
        if !batch.more {
            break;
        }
    }
    assert_eq!(
        seen,
        (1..=5).map(|n| format!("Request {n}")).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn processed_mail_moves_to_its_folder() {
    let server = ImapServer::start().await;
    server.append(&message(1)).await;
    server.append(&message(2)).await;
    let mut settings = server.settings.clone();
    settings.processed = ProcessedAction::MoveTo("Docket/Processed".into());
    let mut mailbox = ImapMailbox::connect(settings.clone())
        .await
        .expect("connects");
    let batch = mailbox.fetch_new(None).await.expect("fetches");
    assert_eq!(batch.messages.len(), 2);
    mailbox
        .mark_processed(batch.messages[0].uid)
        .await
        .expect("moves");
    // Without a state, what is left in the folder is what is unprocessed.
    let left = mailbox.fetch_new(None).await.expect("fetches");
    assert_eq!(subjects(&left), vec!["Request 2"]);

    let mut processed = settings;
    processed.folder = "Docket/Processed".into();
    processed.processed = ProcessedAction::MarkSeen;
    let mut moved = ImapMailbox::connect(processed).await.expect("connects");
    assert_eq!(
        subjects(&moved.fetch_new(None).await.expect("fetches")),
        vec!["Request 1"]
    );
}

#[tokio::test]
async fn idle_wakes_on_new_mail_and_times_out_without() {
    let server = ImapServer::start().await;
    let mut mailbox = ImapMailbox::connect(server.settings.clone())
        .await
        .expect("connects");
    let state = mailbox.fetch_new(None).await.expect("fetches").state;

    let started = Instant::now();
    assert_eq!(
        mailbox
            .idle_or_wait(Duration::from_millis(700))
            .await
            .expect("idles"),
        Wake::TimedOut
    );
    assert!(started.elapsed() >= Duration::from_millis(600));

    let settings = server.settings.clone();
    let appender = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        docket_mail::imap::append(&settings, "INBOX", None, &message(9))
            .await
            .expect("appends");
    });
    let started = Instant::now();
    let wake = mailbox
        .idle_or_wait(Duration::from_secs(20))
        .await
        .expect("idles");
    assert_eq!(wake, Wake::Changed);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    appender.await.expect("appender");
    // The session is usable after IDLE.
    assert_eq!(
        subjects(&mailbox.fetch_new(Some(state)).await.expect("fetches")),
        vec!["Request 9"]
    );
}

#[tokio::test]
async fn polling_without_idle_sleeps_the_interval() {
    let server = ImapServer::start().await;
    let mut settings = server.settings.clone();
    settings.poll_interval = Duration::from_millis(200);
    settings.use_idle = false;
    let mut mailbox = ImapMailbox::connect(settings).await.expect("connects");
    assert!(!mailbox.supports_idle());
    let started = Instant::now();
    assert_eq!(
        mailbox
            .idle_or_wait(Duration::from_secs(30))
            .await
            .expect("waits"),
        Wake::TimedOut
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(200) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}

#[tokio::test]
async fn errors_say_whether_to_reconnect() {
    let mut server = ImapServer::start().await;
    let mut wrong = server.settings.clone();
    wrong.password = "wrong".into();
    let error = ImapMailbox::connect(wrong).await.expect_err("refused");
    assert!(matches!(error, MailError::ImapLogin { .. }), "{error:?}");

    let mut missing = server.settings.clone();
    missing.folder = "NoSuchFolder".into();
    let error = ImapMailbox::connect(missing).await.expect_err("no folder");
    assert!(matches!(error, MailError::ImapCommand { .. }), "{error:?}");

    let mut mailbox = ImapMailbox::connect(server.settings.clone())
        .await
        .expect("connects");
    server.stop();
    let error = mailbox
        .fetch_new(None)
        .await
        .expect_err("the server is gone");
    assert!(error.needs_reconnect() && error.is_retryable(), "{error:?}");
    // The broken session is dropped: later calls fail at once.
    let started = Instant::now();
    let again = mailbox.fetch_new(None).await.expect_err("still gone");
    assert!(again.needs_reconnect(), "{again:?}");
    assert!(started.elapsed() < Duration::from_secs(1));

    let started = Instant::now();
    let refused = ImapMailbox::connect(server.settings.clone())
        .await
        .expect_err("down");
    assert!(
        matches!(refused, MailError::ImapConnection { .. }),
        "{refused:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn starttls_with_a_trusted_certificate_and_not_without() {
    let server = ImapServer::start_starttls().await;
    server.append(&message(1)).await;
    let mut mailbox = ImapMailbox::connect(server.settings.clone())
        .await
        .expect("connects over STARTTLS");
    assert_eq!(
        subjects(&mailbox.fetch_new(None).await.expect("fetches")),
        vec!["Request 1"]
    );

    let mut untrusted = server.settings.clone();
    untrusted.trusted_certificates_pem = None;
    let error = ImapMailbox::connect(untrusted)
        .await
        .expect_err("an unknown certificate");
    assert!(
        matches!(&error, MailError::ImapConnection { detail } if detail.contains("certificate")),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("address").port();
    let _silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mut settings = docket_mail::ImapSettings::new(
        "127.0.0.1",
        port,
        docket_mail::ImapSecurity::None,
        "u",
        "p",
    );
    settings.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let error = ImapMailbox::connect(settings)
        .await
        .expect_err("no greeting");
    assert!(matches!(error, MailError::Timeout { .. }), "{error:?}");
    assert!(error.needs_reconnect());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn implicit_tls() {
    let server = ImapServer::start_tls().await;
    server.append(&message(1)).await;
    let mut mailbox = ImapMailbox::connect(server.settings.clone())
        .await
        .expect("connects over TLS");
    assert_eq!(
        subjects(&mailbox.fetch_new(None).await.expect("fetches")),
        vec!["Request 1"]
    );
}
