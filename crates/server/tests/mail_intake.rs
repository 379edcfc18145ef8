//! Inbound email end to end, against a real IMAP server (pymap) and the real binary:
//! mailboxes, new tickets, threading, duplicates, noise, the rate limit, attachments,
//! malformed mail, `docket mail pipe`, the raw endpoint, the UID state and outages.
//! Every check runs under a timeout: nothing may hang.

mod common;

use std::time::Duration;

use common::*;
use docket_mail::MessageIds;
use docket_mail::testing::{ImapServer, free_port};
use docket_store::attachments::AttachmentPolicy;
use serde_json::{Value, json};

/// Everything in these tests finishes well within this.
const LIMIT: Duration = Duration::from_secs(120);

async fn within<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("finished in time")
}

fn message(from: &str, subject: &str, message_id: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: support@example.com\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\nDate: Sun, 6 Dec 2026 10:00:00 +0000\r\n{headers}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

/// A message with one file attached.
fn with_file(from: &str, subject: &str, message_id: &str, name: &str, data: &[u8]) -> Vec<u8> {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(data);
    let mut lines = String::with_capacity(encoded.len() + encoded.len() / 76 * 2 + 2);
    for chunk in encoded.as_bytes().chunks(76) {
        lines.push_str(std::str::from_utf8(chunk).unwrap());
        lines.push_str("\r\n");
    }
    format!(
        "From: {from}\r\nTo: support@example.com\r\nSubject: {subject}\r\nMessage-ID: <{message_id}>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the file.\r\n--b1\r\nContent-Type: application/octet-stream; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{lines}--b1--\r\n"
    )
    .into_bytes()
}

fn mailbox_json(imap: &ImapServer, extra: Value) -> Value {
    let mut body = json!({
        "name": "support",
        "address": "support@example.com",
        "ticket_type": "it_support",
        "fields": {"category": "other"},
        "imap_host": "127.0.0.1",
        "imap_port": imap.settings.port,
        "imap_security": "none",
        "imap_username": "demouser",
        "imap_password": "demopass",
        "use_idle": false,
        "poll_seconds": 10,
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn create_mailbox(app: &TestApp, body: Value) -> i64 {
    let r = app.post("/mailboxes", &body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

async fn check(app: &TestApp, id: i64) -> Value {
    let r = within(app.post(&format!("/mailboxes/{id}/check"), &json!({}))).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

fn outcomes(result: &Value) -> Vec<(String, Option<String>)> {
    result["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["outcome"].as_str().unwrap().to_string(),
                i["ticket_key"].as_str().map(str::to_string),
            )
        })
        .collect()
}

async fn comments(app: &TestApp, key: &str) -> Vec<Value> {
    let r = app.get(&format!("/tickets/{key}/comments")).await;
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["items"]
        .as_array()
        .unwrap()
        .clone()
}

async fn mailbox_log(app: &TestApp, id: i64) -> Vec<Value> {
    let r = app.get(&format!("/mailboxes/{id}/log")).await;
    assert_eq!(r.status(), 200);
    r.json::<Value>().await.unwrap()["items"]
        .as_array()
        .unwrap()
        .clone()
}

api_test!(
    imap_mail_opens_tickets_and_answers_thread,
    |app| async move {
        let imap = ImapServer::start().await;
        let id = create_mailbox(&app, mailbox_json(&imap, json!({}))).await;
        imap.append(&with_file(
            "Ada Lovelace <ada@customer.example>",
            "Printer on fire",
            "first@customer.example",
            "photo.bin",
            b"\x89PNG not really",
        ))
        .await;
        let result = check(&app, id).await;
        assert_eq!(result["ok"], true, "{result}");
        let found = outcomes(&result);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "created");
        let key = found[0].1.clone().unwrap();

        let ticket: Value = app
            .get(&format!("/tickets/{key}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(ticket["title"], "Printer on fire");
        assert_eq!(ticket["body"], "See the file.");
        assert_eq!(ticket["source"], "email");
        assert_eq!(ticket["source_ref"], "first@customer.example");
        assert_eq!(ticket["requester"]["email"], "ada@customer.example");
        assert_eq!(ticket["requester"]["name"], "Ada Lovelace");
        let files: Value = app
            .get(&format!("/tickets/{key}/attachments"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(files["items"][0]["filename"], "photo.bin");

        // A reply to our notification: its In-Reply-To carries the ticket key.
        let ours = MessageIds::new("example.com").unwrap().generate(&key);
        imap.append(&message(
            "Ada Lovelace <ada@customer.example>",
            "Re: your ticket",
            "second@customer.example",
            &format!("In-Reply-To: <{ours}>\r\nReferences: <first@customer.example> <{ours}>\r\n"),
            "It is out now.\r\n\r\nOn Sun, Dec 6, 2026, Support wrote:\r\n> We are on it.\r\n",
        ))
        .await;
        // A reply with only the subject tag, from staff.
        imap.append(&message(
            "Admin <admin@example.com>",
            &format!("Re: [{key}] Printer on fire"),
            "third@example.com",
            "",
            "Replaced the fuser.",
        ))
        .await;
        // The first message again (a resend): nothing new.
        imap.append(&with_file(
            "Ada Lovelace <ada@customer.example>",
            "Printer on fire",
            "first@customer.example",
            "photo.bin",
            b"\x89PNG not really",
        ))
        .await;
        let result = check(&app, id).await;
        assert_eq!(
            outcomes(&result),
            vec![
                ("threaded".into(), Some(key.clone())),
                ("threaded".into(), Some(key.clone())),
                ("duplicate".into(), Some(key.clone())),
            ]
        );
        let thread = comments(&app, &key).await;
        assert_eq!(thread.len(), 2, "{thread:?}");
        assert_eq!(thread[0]["kind"], "public");
        assert_eq!(thread[0]["body"], "It is out now.");
        assert!(thread[0]["author_user_id"].is_null());
        assert_eq!(thread[1]["kind"], "public");
        assert_eq!(thread[1]["author_user_id"], app.admin_id);

        // The thread, oldest first, for outgoing mail's References.
        let store = &app.db.store;
        let ticket_id = store
            .email_message("first@customer.example")
            .await
            .unwrap()
            .unwrap()
            .ticket_id;
        assert_eq!(
            store.email_thread(ticket_id).await.unwrap(),
            vec![
                "first@customer.example",
                "second@customer.example",
                "third@example.com"
            ]
        );
        let log = mailbox_log(&app, id).await;
        assert_eq!(log.len(), 4);
        assert_eq!(log[0]["outcome"], "duplicate");
        assert_eq!(log[3]["from_address"], "ada@customer.example");
    }
);

api_test!(noise_is_noted_never_answered, |app| async move {
    let imap = ImapServer::start().await;
    let id = create_mailbox(&app, mailbox_json(&imap, json!({}))).await;
    imap.append(&message(
        "bob@customer.example",
        "VPN down",
        "vpn@customer.example",
        "",
        "No VPN.",
    ))
    .await;
    let key = outcomes(&check(&app, id).await)[0].1.clone().unwrap();
    let ours = MessageIds::new("example.com").unwrap().generate(&key);

    // An out-of-office answer to our notification.
    imap.append(&message(
        "bob@customer.example",
        "Automatic reply: your ticket",
        "ooo@customer.example",
        &format!("Auto-Submitted: auto-replied\r\nIn-Reply-To: <{ours}>\r\n"),
        "I am away until Monday.",
    ))
    .await;
    // An auto-reply to nothing we know.
    imap.append(&message(
        "carol@customer.example",
        "Out of office",
        "ooo2@customer.example",
        "Auto-Submitted: auto-replied\r\n",
        "Away.",
    ))
    .await;
    // A bounce of our notification.
    let bounce = format!(
        "From: MAILER-DAEMON@mx.customer.example\r\nTo: support@example.com\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce1@mx.customer.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n--r\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.customer.example\r\n\r\nFinal-Recipient: rfc822; gone@customer.example\r\nAction: failed\r\nStatus: 5.1.1\r\n--r\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: support@example.com\r\nTo: gone@customer.example\r\nMessage-ID: <{ours}>\r\nSubject: [{key}] VPN down\r\n--r--\r\n"
    );
    imap.append(bounce.as_bytes()).await;
    let result = check(&app, id).await;
    assert_eq!(
        outcomes(&result),
        vec![
            ("noise".into(), Some(key.clone())),
            ("noise".into(), None),
            ("noise".into(), Some(key.clone())),
        ]
    );
    let thread = comments(&app, &key).await;
    assert_eq!(thread.len(), 2, "{thread:?}");
    assert!(thread.iter().all(|c| c["kind"] == "internal"));
    assert!(
        thread[1]["body"]
            .as_str()
            .unwrap()
            .contains("gone@customer.example")
    );
    let store = &app.db.store;
    for id in ["ooo@customer.example", "bounce1@mx.customer.example"] {
        let recorded = store.email_message(id).await.unwrap().unwrap();
        assert!(recorded.suppress_replies, "{id}");
    }
    assert!(
        store
            .email_message("ooo2@customer.example")
            .await
            .unwrap()
            .is_none()
    );
    let opener = store
        .email_message("vpn@customer.example")
        .await
        .unwrap()
        .unwrap();
    assert!(!opener.suppress_replies);
});

api_test!(
    a_sender_over_the_limit_opens_no_more_tickets,
    |app| async move {
        let imap = ImapServer::start().await;
        let id = create_mailbox(&app, mailbox_json(&imap, json!({"sender_hourly_limit": 2}))).await;
        for n in 1..=3 {
            imap.append(&message(
                "flood@customer.example",
                &format!("Problem {n}"),
                &format!("flood{n}@customer.example"),
                "",
                "Help.",
            ))
            .await;
        }
        imap.append(&message(
            "calm@customer.example",
            "One problem",
            "calm@customer.example",
            "",
            "Hi.",
        ))
        .await;
        let found = outcomes(&check(&app, id).await);
        let kinds: Vec<&str> = found.iter().map(|(o, _)| o.as_str()).collect();
        assert_eq!(kinds, ["created", "created", "rate_limited", "created"]);
        // Kept as an unanswered note on the sender's latest ticket.
        let latest = found[1].1.clone().unwrap();
        assert_eq!(found[2].1.as_deref(), Some(latest.as_str()));
        let notes = comments(&app, &latest).await;
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0]["kind"], "internal");
        let kept = app
            .db
            .store
            .email_message("flood3@customer.example")
            .await
            .unwrap()
            .unwrap();
        assert!(kept.suppress_replies);
    }
);

api_test!(
    large_files_are_stored_and_too_large_ones_noted,
    |app| async move {
        let imap = ImapServer::start().await;
        let id = create_mailbox(&app, mailbox_json(&imap, json!({}))).await;
        let ten_mb: Vec<u8> = (0..10 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
        imap.append(&with_file(
            "big@customer.example",
            "Logs",
            "big@customer.example",
            "logs.bin",
            &ten_mb,
        ))
        .await;
        let found = outcomes(&check(&app, id).await);
        assert_eq!(found[0].0, "created");
        let key = found[0].1.clone().unwrap();
        let files: Value = app
            .get(&format!("/tickets/{key}/attachments"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(files["items"][0]["size"], 10 * 1024 * 1024);

        // Over the configured limit: not stored, but noted on the ticket.
        let store = &app.db.store;
        let mailbox = store.mailbox(id).await.unwrap();
        let policy = AttachmentPolicy {
            max_bytes: 1024 * 1024,
            allowed_types: Vec::new(),
        };
        let two_mb = vec![7u8; 2 * 1024 * 1024];
        let raw = with_file(
            "big@customer.example",
            "More logs",
            "big2@customer.example",
            "more.bin",
            &two_mb,
        );
        let received = within(docket_server::mail::take_in(store, &policy, &mailbox, &raw))
            .await
            .unwrap();
        let key = received.ticket_key.unwrap();
        assert!(received.detail.unwrap().contains("more.bin"));
        let files: Value = app
            .get(&format!("/tickets/{key}/attachments"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(files["items"].as_array().unwrap().len(), 0);
        let notes = comments(&app, &key).await;
        let note = notes[0]["body"].as_str().unwrap();
        assert!(note.contains("more.bin (2.0 MB)"), "{note}");
    }
);

api_test!(
    the_raw_endpoint_takes_mail_from_admins_only,
    |app| async move {
        let imap = ImapServer::start().await;
        let id = create_mailbox(&app, mailbox_json(&imap, json!({}))).await;
        let raw = message(
            "dan@customer.example",
            "Posted",
            "posted@customer.example",
            "",
            "Via a provider.",
        );
        let post = |client: &reqwest::Client, body: Vec<u8>| {
            client
                .post(app.url(&format!("/mailboxes/{id}/raw")))
                .header("content-type", "message/rfc822")
                .body(body)
                .send()
        };
        let r = post(&app.anonymous, raw.clone()).await.unwrap();
        assert_eq!(r.status(), 401);
        let r = post(&app.client, raw.clone()).await.unwrap();
        assert_eq!(r.status(), 201);
        let receipt: Value = r.json().await.unwrap();
        assert_eq!(receipt["outcome"], "created");
        let r = post(&app.client, raw.clone()).await.unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.json::<Value>().await.unwrap()["outcome"], "duplicate");

        // Malformed: nothing at all is refused; a broken MIME structure is a best-effort ticket.
        let r = post(&app.client, b"  \r\n".to_vec()).await.unwrap();
        assert_eq!(r.status(), 422);
        assert_eq!(r.json::<Value>().await.unwrap()["outcome"], "refused");
        let broken = b"From: eve@customer.example\r\nSubject: Broken\r\nMessage-ID: <broken@customer.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"never\"\r\n\r\n--never\r\nContent-Type: text/plain\r\n\r\nThe start of it\r\n--never\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK%%%%garbage".to_vec();
        let r = post(&app.client, broken).await.unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        let r = post(&app.client, b"Subject: nobody\r\n\r\nNo sender.".to_vec())
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let r = app
            .client
            .post(app.url(&format!("/mailboxes/{id}/raw")))
            .header("content-type", "text/plain")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415);
    }
);

api_test!(the_uid_state_survives_a_restart, |app| async move {
    let imap = ImapServer::start().await;
    let id = create_mailbox(&app, mailbox_json(&imap, json!({}))).await;
    imap.append(&message(
        "fay@customer.example",
        "One",
        "one@customer.example",
        "",
        "1",
    ))
    .await;
    assert_eq!(check(&app, id).await["fetched"], 1);
    let mailbox: Value = app
        .get(&format!("/mailboxes/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(mailbox["last_uid"].as_u64().unwrap() > 0, "{mailbox}");
    assert!(mailbox["uid_validity"].is_u64(), "{mailbox}");
    assert!(mailbox["last_checked_at"].is_string());

    // Another server on the same database: mail a person read in their own client
    // first is still new to Docket, and nothing is fetched twice.
    let (addr, _stop) = serve_with(app.db.store.clone(), false, test_master_key()).await;
    imap.append_seen(&message(
        "fay@customer.example",
        "Two",
        "two@customer.example",
        "",
        "2",
    ))
    .await;
    let r = within(
        app.client
            .post(format!("http://{addr}/api/v1/mailboxes/{id}/check"))
            .send(),
    )
    .await
    .unwrap();
    let result: Value = r.json().await.unwrap();
    assert_eq!(result["fetched"], 1, "{result}");
    assert_eq!(outcomes(&result)[0].0, "created");
    let again = check(&app, id).await;
    assert_eq!(again["fetched"], 0);
});

api_test!(a_mailbox_that_is_down_records_its_error, |app| async move {
    let mut imap = ImapServer::start().await;
    let id = create_mailbox(&app, mailbox_json(&imap, json!({}))).await;
    let r = within(app.post(&format!("/mailboxes/{id}/test"), &json!({}))).await;
    assert_eq!(r.json::<Value>().await.unwrap()["ok"], true);
    imap.stop();
    let r = within(app.post(&format!("/mailboxes/{id}/test"), &json!({}))).await;
    let tested: Value = r.json().await.unwrap();
    assert_eq!(tested["ok"], false);
    let result = check(&app, id).await;
    assert_eq!(result["ok"], false);
    let mailbox: Value = app
        .get(&format!("/mailboxes/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        mailbox["last_error"].as_str().unwrap().contains("IMAP"),
        "{mailbox}"
    );

    // A port nobody listens on, and a wrong password, fail as quickly.
    let mut body = mailbox_json(
        &imap,
        json!({"name": "nowhere", "address": "nowhere@example.com"}),
    );
    body["imap_port"] = json!(free_port());
    let nowhere = create_mailbox(&app, body).await;
    assert_eq!(check(&app, nowhere).await["ok"], false);
});

api_test!(
    mailboxes_are_managed_by_admins_with_write_only_passwords,
    |app| async move {
        let imap = ImapServer::start().await;
        let body = mailbox_json(&imap, json!({}));
        let id = create_mailbox(&app, body.clone()).await;
        let got: Value = app
            .get(&format!("/mailboxes/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert!(got.get("imap_password").is_none());
        assert_eq!(got["raw_endpoint"], format!("/api/v1/mailboxes/{id}/raw"));
        // Replacing without a password keeps the stored one.
        let mut replaced = body.clone();
        replaced.as_object_mut().unwrap().remove("imap_password");
        replaced["sender_hourly_limit"] = json!(3);
        let r = app
            .client
            .put(app.url(&format!("/mailboxes/{id}")))
            .json(&replaced)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = within(app.post(&format!("/mailboxes/{id}/test"), &json!({}))).await;
        assert_eq!(r.json::<Value>().await.unwrap()["ok"], true);
        // Invalid settings are refused with pointers.
        let mut bad = body.clone();
        bad["fields"] = json!({});
        bad["name"] = json!("Bad Name");
        let p = problem(app.post("/mailboxes", &bad).await, 422).await;
        let ptrs = pointers(&p);
        assert!(ptrs.contains(&"/name".to_string()), "{ptrs:?}");
        assert!(ptrs.iter().any(|p| p.starts_with("/fields")), "{ptrs:?}");
        let r = app
            .anonymous
            .get(app.url("/mailboxes"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let r = app
            .client
            .delete(app.url(&format!("/mailboxes/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        let audit: Vec<String> = app
            .db
            .store
            .audit_log(Some("mailbox."), None, 50)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .filter(|a| a.starts_with("mailbox."))
            .collect();
        assert_eq!(audit.len(), 3, "{audit:?}");
    }
);

/// `docket mail pipe` as an MTA runs it: the exit code is the answer.
async fn pipe(backend: docket_store::Backend) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let app = TestApp::new(backend).await;
    let imap = ImapServer::start().await;
    create_mailbox(&app, mailbox_json(&imap, json!({}))).await;
    let url = match &app.db.schema {
        Some(schema) => {
            let sep = if app.db.url.contains('?') { '&' } else { '?' };
            format!("{}{sep}options=-c%20search_path%3D{schema}", app.db.url)
        }
        None => app.db.url.clone(),
    };
    let dir = std::env::temp_dir().join(format!("docket-pipe-{}", std::process::id()));
    let run = |database_url: &str, mailbox: &str, input: &[u8]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
            .args(["mail", "pipe", "--mailbox", mailbox])
            .current_dir(std::env::temp_dir())
            .env_remove("DOCKET_CONFIG")
            .env("DOCKET_DATABASE_URL", database_url)
            .env("DOCKET_DATA_DIR", &dir)
            .env("DOCKET_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start docket mail pipe");
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let raw = message(
        "gil@customer.example",
        "Piped",
        "piped@customer.example",
        "",
        "From Postfix.",
    );
    let (code, out, err) = run(&url, "support", &raw);
    assert_eq!(code, Some(0), "{out} {err}");
    assert!(out.starts_with("created IT-"), "{out}");
    let (code, out, _) = run(&url, "support", &raw);
    assert_eq!(code, Some(0));
    assert!(out.starts_with("duplicate"), "{out}");
    let (code, _, err) = run(&url, "support", b"   ");
    assert_eq!(code, Some(65), "{err}");
    let (code, _, _) = run(&url, "nobody", &raw);
    assert_eq!(code, Some(67));
    // The database down: the MTA keeps the message and tries again.
    let down = format!("postgres://postgres@127.0.0.1:{}/docket", free_port());
    let (code, _, err) = run(&down, "support", &raw);
    assert_eq!(code, Some(75), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipe_sqlite() {
    within(pipe(docket_store::Backend::Sqlite)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipe_postgres() {
    within(pipe(docket_store::Backend::Postgres)).await
}

/// The poller `docket serve` runs: leased checks on schedule, IDLE when asked for.
async fn poller(backend: docket_store::Backend) {
    use docket_server::mail::poller::{Poller, spawn};
    let app = TestApp::new(backend).await;
    let imap = ImapServer::start().await;
    let id = create_mailbox(&app, mailbox_json(&imap, json!({"use_idle": true}))).await;
    imap.append(&message(
        "hal@customer.example",
        "Polled",
        "polled@customer.example",
        "",
        "1",
    ))
    .await;
    let poller = Poller::new(
        app.db.store.clone(),
        std::sync::Arc::new(test_master_key()),
        std::sync::Arc::default(),
        "test-instance".into(),
    );
    let handle = spawn(poller, Duration::from_millis(100));
    let wait_for = |n: usize| {
        let app = &app;
        async move {
            loop {
                let log = mailbox_log(app, id).await;
                if log.len() >= n {
                    return log;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let log = within(wait_for(1)).await;
    assert_eq!(log[0]["outcome"], "created");
    // The IDLE session holds the mailbox: a check now is refused, new mail arrives.
    let r = app
        .post(&format!("/mailboxes/{id}/check"), &json!({}))
        .await;
    assert_eq!(r.status(), 409);
    imap.append(&message(
        "hal@customer.example",
        "Idled",
        "idled@customer.example",
        "",
        "2",
    ))
    .await;
    let log = within(wait_for(2)).await;
    assert_eq!(log[0]["outcome"], "created");
    handle.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poller_sqlite() {
    within(poller(docket_store::Backend::Sqlite)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poller_postgres() {
    within(poller(docket_store::Backend::Postgres)).await
}
