//! A whole email conversation, both ways, with real mail servers' wire formats: a
//! customer's mail opens a ticket (through the raw endpoint a provider posts to), the
//! acknowledgement answers it in their thread, their out-of-office robot's answer is
//! kept but never answered, an agent's reply reaches them with the right headers, and
//! their answer to it threads back onto the ticket and tells the assignee. Bulk mail
//! opens a ticket without an acknowledgement. On SQLite and PostgreSQL.

mod common;

use common::*;
use docket_core::access::Role;
use docket_mail::testing::SmtpReceiver;
use serde_json::{Value, json};

const SUPPORT: &str = "support@help.example.com";

async fn setup(app: &TestApp, relay: &SmtpReceiver) -> i64 {
    json_of(
        app.client
            .put(app.url("/email/settings"))
            .json(&json!({"enabled": true, "smtp_host": "127.0.0.1",
                "smtp_port": relay.settings.port, "smtp_security": "none",
                "from_address": SUPPORT, "from_name": "Help Desk"}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    // Not polled here (tests post mail to the raw endpoint); the IMAP side has its own
    // tests against pymap.
    let mailbox = json_of(
        app.post(
            "/mailboxes",
            &json!({"name": "help", "address": SUPPORT, "ticket_type": "it_support",
                "fields": {"category": "other"}, "imap_host": "127.0.0.1", "imap_port": 9,
                "imap_security": "none", "imap_username": "help", "imap_password": "unused",
                "use_idle": false, "poll_seconds": 3600}),
        )
        .await,
        201,
    )
    .await;
    mailbox["id"].as_i64().unwrap()
}

/// A provider posting one message to the mailbox.
async fn post_mail(app: &TestApp, mailbox: i64, raw: String) -> Value {
    let r = app
        .client
        .post(app.url(&format!("/mailboxes/{mailbox}/raw")))
        .header("content-type", "message/rfc822")
        .body(raw.replace('\n', "\r\n"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    r.json().await.unwrap()
}

async fn comments(app: &TestApp, key: &str) -> Vec<Value> {
    json_of(app.get(&format!("/tickets/{key}/comments")).await, 200).await["items"]
        .as_array()
        .unwrap()
        .clone()
}

api_test!(a_customer_and_an_agent_talk_by_email, |app| async move {
    let relay = SmtpReceiver::start().await;
    let mailbox = setup(&app, &relay).await;
    let bo = Side::new(&app, "bo.agent@example.com", Role::Agent, "it").await;
    let w = delivery_worker(&app);

    let opened = post_mail(
        &app,
        mailbox,
        format!(
            "From: Ada Lovelace <ada@customer.example>\nTo: {SUPPORT}\nSubject: Laptop will not boot\n\
             Message-ID: <first.ada@customer.example>\nDate: Sun, 6 Dec 2026 09:00:00 +0000\n\n\
             It shows a black screen since this morning.\n\n-- \nAda, Accounting\n"
        ),
    )
    .await;
    assert_eq!(opened["outcome"], "created", "{opened}");
    let key = opened["ticket_key"].as_str().unwrap().to_string();
    let ticket = json_of(app.get(&format!("/tickets/{key}")).await, 200).await;
    assert_eq!(ticket["requester"]["email"], "ada@customer.example");
    assert_eq!(ticket["source"], "email");

    // The acknowledgement answers her mail, in her thread.
    w.run_once().await.unwrap();
    let ack = relay.wait_for(1).await[0].parsed();
    assert_eq!(ack.to[0].address, "ada@customer.example");
    assert_eq!(ack.subject, format!("[{key}] Laptop will not boot"));
    assert_eq!(ack.reply_to[0].address, SUPPORT);
    assert_eq!(ack.in_reply_to, ["first.ada@customer.example"]);
    assert_eq!(ack.references.len(), 2, "{:?}", ack.references);
    assert_eq!(ack.references[1], "first.ada@customer.example");
    assert_eq!(ack.header("Auto-Submitted"), Some("auto-replied"));
    let ack_id = ack.message_id.clone().unwrap();

    // Her out-of-office robot answers the acknowledgement: kept on the ticket, never
    // answered, so the two robots stop after one message each.
    let robot = post_mail(
        &app,
        mailbox,
        format!(
            "From: Ada Lovelace <ada@customer.example>\nTo: {SUPPORT}\n\
             Subject: Automatic reply: [{key}] Laptop will not boot\nAuto-Submitted: auto-replied\n\
             Message-ID: <ooo.ada@customer.example>\nIn-Reply-To: <{ack_id}>\n\n\
             I am out of the office until Monday.\n"
        ),
    )
    .await;
    assert_eq!(robot["ticket_key"], key.as_str(), "{robot}");
    w.run_once().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(relay.received().len(), 1, "nothing answers a robot");

    // Bo takes the ticket and answers: she gets it in the same thread.
    json_of(
        bo.client
            .patch(app.url(&format!("/tickets/{key}")))
            .header("if-match", "*")
            .json(&json!({"assignee_id": bo.id}))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    json_of(
        bo.post(
            &app,
            &format!("/tickets/{key}/comments"),
            &json!({"kind": "public", "body": "Hold the power button for 30 seconds, then try again."}),
        )
        .await,
        201,
    )
    .await;
    w.run_once().await.unwrap();
    let got = relay.wait_for(2).await;
    assert_eq!(got.len(), 2, "Bo took it himself: no assignment mail");
    let reply = got[1].parsed();
    assert_eq!(reply.to[0].address, "ada@customer.example");
    assert!(reply.text.contains("Hold the power button"));
    assert_eq!(
        reply.in_reply_to,
        [ack_id.as_str()],
        "not the robot's message"
    );
    assert!(
        reply
            .references
            .contains(&"first.ada@customer.example".to_string())
    );
    assert!(
        !reply
            .references
            .contains(&"ooo.ada@customer.example".to_string())
    );
    let reply_id = reply.message_id.clone().unwrap();

    // She answers Bo's mail from a client that keeps only In-Reply-To and drops the
    // tag: it threads by our Message-ID, trimmed of the quote, and Bo hears of it.
    let answer = post_mail(
        &app,
        mailbox,
        format!(
            "From: Ada Lovelace <ada@customer.example>\nTo: {SUPPORT}\nSubject: Re: Laptop\n\
             Message-ID: <second.ada@customer.example>\nIn-Reply-To: <{reply_id}>\n\n\
             That worked, thank you!\n\nOn Sun, 6 Dec 2026 at 10:00, Help Desk <{SUPPORT}> wrote:\n\
             > Hold the power button for 30 seconds, then try again.\n"
        ),
    )
    .await;
    assert_eq!(answer["ticket_key"], key.as_str(), "{answer}");
    let all = comments(&app, &key).await;
    let last = all.last().unwrap();
    assert_eq!(last["kind"], "public");
    assert_eq!(last["body"], "That worked, thank you!");
    w.run_once().await.unwrap();
    let got = relay.wait_for(3).await;
    assert_eq!(got.len(), 3, "her answer goes to Bo, not back to her");
    assert_eq!(got[2].rcpt_to, ["bo.agent@example.com"]);
    let notice = got[2].parsed();
    assert!(
        notice.text.contains("That worked, thank you!"),
        "{}",
        notice.text
    );
    assert!(
        notice
            .message_id
            .unwrap()
            .ends_with(&format!(".{key}@help.example.com"))
    );
});

api_test!(bulk_mail_opens_a_ticket_nobody_answers, |app| async move {
    let relay = SmtpReceiver::start().await;
    let mailbox = setup(&app, &relay).await;
    let opened = post_mail(
        &app,
        mailbox,
        format!(
            "From: News <news@vendor.example>\nTo: {SUPPORT}\nSubject: Our December offers\n\
             Precedence: bulk\nList-Unsubscribe: <mailto:leave@vendor.example>\n\
             Message-ID: <offer.1@vendor.example>\n\nBuy more printers.\n"
        ),
    )
    .await;
    let key = opened["ticket_key"].as_str().unwrap().to_string();
    let ticket = json_of(app.get(&format!("/tickets/{key}")).await, 200).await;
    assert!(
        ticket["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("no-auto-reply")),
        "{ticket}"
    );
    delivery_worker(&app).run_once().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        relay.received().is_empty(),
        "no acknowledgement to bulk mail"
    );
});
