//! Email out through the API and the delivery worker, against a real SMTP server on
//! loopback (aiosmtpd), on both backends: the requester's acknowledgement and staff's
//! public replies with threading headers, staff notices by preference (assignment,
//! mentions, team isolation), templates edited and checked, a relay that is down
//! (queued, not counted as attempts, delivered once when back), refused addresses.

mod common;

use common::*;
use docket_core::access::Role;
use docket_mail::testing::SmtpReceiver;
use serde_json::{Value, json};

async fn put(app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url(path))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn patch_ticket(app: &TestApp, key: &str, body: &Value) -> Value {
    json_of(
        app.client
            .patch(app.url(&format!("/tickets/{key}")))
            .header("if-match", "*")
            .json(body)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await
}

/// Email switched on, through the receiver's port.
async fn use_relay(app: &TestApp, port: u16) {
    json_of(
        put(
            app,
            "/email/settings",
            &json!({"enabled": true, "smtp_host": "127.0.0.1", "smtp_port": port,
                "smtp_security": "none", "from_address": "support@help.example.com",
                "from_name": "Example Support", "public_url": "https://help.example.com/"}),
        )
        .await,
        200,
    )
    .await;
}

fn it_ticket(title: &str, requester: &str) -> Value {
    json!({"type": "it_support", "title": title, "requester": {"email": requester, "name": "Ada Lovelace"},
        "fields": {"category": "hardware", "impact": "individual"}})
}

async fn deliveries(app: &TestApp, query: &str) -> Vec<Value> {
    json_of(
        app.get(&format!("/deliveries?channel=email{query}")).await,
        200,
    )
    .await["items"]
        .as_array()
        .unwrap()
        .clone()
}

api_test!(
    a_requester_hears_of_their_ticket_in_one_thread,
    |app| async move {
        let relay = SmtpReceiver::start().await;
        use_relay(&app, relay.settings.port).await;
        let w = delivery_worker(&app);
        let ticket = app
            .create(it_ticket("Printer jams", "ada@example.com"))
            .await;
        let key = ticket["key"].as_str().unwrap().to_string();
        w.run_once().await.unwrap();

        let ack = relay.wait_for(1).await.remove(0);
        assert_eq!(ack.rcpt_to, ["ada@example.com"]);
        let m = ack.parsed();
        assert_eq!(m.subject, format!("[{key}] Printer jams"));
        assert_eq!(m.from.as_ref().unwrap().address, "support@help.example.com");
        assert_eq!(
            m.from.as_ref().unwrap().name.as_deref(),
            Some("Example Support")
        );
        assert_eq!(m.reply_to[0].address, "support@help.example.com");
        assert_eq!(m.header("Auto-Submitted"), Some("auto-replied"));
        let ack_id = m.message_id.clone().unwrap();
        assert!(
            ack_id.ends_with(&format!(".{key}@help.example.com")),
            "{ack_id}"
        );
        assert_eq!(m.references.len(), 1, "the ticket's thread root");
        let root = m.references[0].clone();
        assert!(root.starts_with("ticket-"), "{root}");
        assert!(
            m.text.contains(&format!("opened ticket {key}")),
            "{}",
            m.text
        );
        assert!(m.text.contains("Hello Ada Lovelace"), "{}", m.text);
        assert!(m.html.as_deref().unwrap().contains("<strong>"));
        // The signed link lets her follow the ticket without an account.
        let link = m
            .text
            .split_whitespace()
            .find(|w| w.starts_with("https://help.example.com/follow/"))
            .unwrap_or_else(|| panic!("no follow link in {}", m.text));
        let token = link.rsplit('/').next().unwrap();
        let followed = json_of(
            app.anonymous
                .get(app.url(&format!("/public/follow/{token}")))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(followed["key"], key.as_str(), "{followed}");

        // A public reply reaches the requester in the same thread, as a person's mail;
        // an internal note does not.
        json_of(
            app.post(
                &format!("/tickets/{key}/comments"),
                &json!({"kind": "internal", "body": "Probably the fuser"}),
            )
            .await,
            201,
        )
        .await;
        json_of(
            app.post(
                &format!("/tickets/{key}/comments"),
                &json!({"kind": "public", "body": "A technician comes at 3 pm.\n<b>Sorry</b> for the wait."}),
            )
            .await,
            201,
        )
        .await;
        w.run_once().await.unwrap();
        let all = relay.wait_for(2).await;
        assert_eq!(all.len(), 2, "the internal note sent nothing");
        let reply = all[1].parsed();
        assert_eq!(reply.subject, format!("[{key}] Printer jams"));
        // It answers the acknowledgement, the last mail the requester got.
        assert_eq!(reply.in_reply_to, [ack_id.as_str()]);
        assert_eq!(reply.references, [root.as_str(), ack_id.as_str()]);
        assert_eq!(reply.header("Auto-Submitted"), None);
        assert_ne!(reply.message_id.as_deref(), Some(ack_id.as_str()));
        assert!(reply.text.contains("A technician comes at 3 pm."));
        let html = reply.html.unwrap();
        assert!(html.contains("&lt;b&gt;Sorry&lt;/b&gt;"), "{html}");

        // Sent, logged, and never again.
        assert_eq!(w.run_once().await.unwrap(), 0);
        let log = deliveries(&app, "").await;
        assert_eq!(log.len(), 2);
        assert!(
            log.iter()
                .all(|d| d["status"] == "delivered" && d["target"] == "ada@example.com")
        );

        // A Discord ticket's requester reads it in Discord: no email.
        app.create(
            json!({"type": "it_support", "title": "From Discord", "source": "discord",
            "requester": {"email": "bo@example.com"},
            "fields": {"category": "hardware", "impact": "individual"}}),
        )
        .await;
        w.run_once().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(relay.received().len(), 2);
    }
);

api_test!(
    staff_hear_of_assignments_and_mentions_by_preference,
    |app| async move {
        let relay = SmtpReceiver::start().await;
        use_relay(&app, relay.settings.port).await;
        let ada = Side::new(&app, "ada.agent@example.com", Role::Agent, "it").await;
        let bo = Side::new(&app, "bo.agent@example.com", Role::Agent, "it").await;
        // In a team that does not handle IT tickets: mentioning them tells them nothing.
        let cy = Side::new(&app, "cy.agent@example.com", Role::Agent, "facilities").await;
        let w = delivery_worker(&app);
        let key = app.create(it_ticket("VPN down", "req@example.com")).await["key"]
            .as_str()
            .unwrap()
            .to_string();
        w.run_once().await.unwrap();
        relay.wait_for(1).await; // the acknowledgement

        patch_ticket(&app, &key, &json!({"assignee_id": bo.id})).await;
        w.run_once().await.unwrap();
        let got = relay.wait_for(2).await;
        let assigned = got[1].parsed();
        assert_eq!(got[1].rcpt_to, ["bo.agent@example.com"]);
        assert_eq!(
            assigned.subject,
            format!("[{key}] Assigned to you: VPN down")
        );
        assert_eq!(assigned.header("Auto-Submitted"), Some("auto-generated"));
        assert!(
            assigned
                .text
                .contains(&format!("https://help.example.com/tickets/{key}")),
            "{}",
            assigned.text
        );

        // Ada mentions Bo and Cy in a note: Bo hears by email and in the bell, Cy not.
        json_of(
            ada.post(
                &app,
                &format!("/tickets/{key}/comments"),
                &json!({"kind": "internal", "body": "@bo.agent please check the tunnel; cc @cy.agent@example.com"}),
            )
            .await,
            201,
        )
        .await;
        w.run_once().await.unwrap();
        let got = relay.wait_for(3).await;
        assert_eq!(got.len(), 3, "one mention email");
        assert_eq!(got[2].rcpt_to, ["bo.agent@example.com"]);
        let mention = got[2].parsed();
        assert!(
            mention.subject.contains("mentioned you"),
            "{}",
            mention.subject
        );
        assert!(mention.text.contains("please check the tunnel"));
        let bell = json_of(bo.get(&app, "/auth/me/notifications").await, 200).await;
        let topics: Vec<&str> = bell["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["topic"].as_str().unwrap())
            .collect();
        assert_eq!(topics, ["mention", "ticket.assigned"]);
        let cy_bell = json_of(cy.get(&app, "/auth/me/notifications").await, 200).await;
        assert_eq!(cy_bell["unread"], 0, "{cy_bell}");

        // Bo turns mention emails off: the bell still rings, no email leaves.
        json_of(
            bo.client
                .put(app.url("/auth/me/notification-preferences"))
                .json(&json!({"items": [{"topic": "mention", "email": false, "in_app": true}]}))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        json_of(
            ada.post(
                &app,
                &format!("/tickets/{key}/comments"),
                &json!({"kind": "internal", "body": "@bo.agent again"}),
            )
            .await,
            201,
        )
        .await;
        w.run_once().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(relay.received().len(), 3);
        let bell = json_of(bo.get(&app, "/auth/me/notifications").await, 200).await;
        assert_eq!(bell["unread"], 3);
    }
);

api_test!(
    a_relay_that_is_down_queues_mail_until_it_is_back,
    |app| async move {
        let mut down = SmtpReceiver::start().await;
        let port = down.settings.port;
        down.stop();
        use_relay(&app, port).await;
        let w = delivery_worker(&app);
        for n in 0..3 {
            app.create(it_ticket(
                &format!("Outage {n}"),
                &format!("r{n}@example.com"),
            ))
            .await;
        }
        w.run_once().await.unwrap();
        let queued = deliveries(&app, "").await;
        assert_eq!(queued.len(), 3);
        for d in &queued {
            assert_eq!(d["status"], "pending", "{d}");
            assert_eq!(d["attempts"], 0, "an outage uses up no attempts: {d}");
        }
        let one = json_of(
            app.get(&format!("/deliveries/{}", queued[0]["id"])).await,
            200,
        )
        .await;
        let outcomes: Vec<&str> = one["attempts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["outcome"].as_str().unwrap())
            .collect();
        assert!(outcomes.iter().all(|o| *o == "deferred"), "{one}");

        // Hours of outage later, nothing is dead.
        for _ in 0..5 {
            app.db.store.clock().advance(chrono::Duration::hours(1));
            w.run_once().await.unwrap();
        }
        assert!(
            deliveries(&app, "")
                .await
                .iter()
                .all(|d| d["status"] == "pending" && d["attempts"] == 0)
        );

        // The relay is back (on another port: the admin's fix): each mail once.
        let relay = SmtpReceiver::start().await;
        use_relay(&app, relay.settings.port).await;
        app.db.store.clock().advance(chrono::Duration::minutes(2));
        w.run_once().await.unwrap();
        let got = relay.wait_for(3).await;
        let mut to: Vec<String> = got.iter().map(|m| m.rcpt_to[0].clone()).collect();
        to.sort();
        assert_eq!(to, ["r0@example.com", "r1@example.com", "r2@example.com"]);
        app.db.store.clock().advance(chrono::Duration::hours(1));
        w.run_once().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(relay.received().len(), 3);
        assert!(
            deliveries(&app, "")
                .await
                .iter()
                .all(|d| d["status"] == "delivered")
        );
    }
);

api_test!(
    refused_addresses_are_dead_and_deferrals_are_retried,
    |app| async move {
        let relay = SmtpReceiver::start().await;
        use_relay(&app, relay.settings.port).await;
        let w = delivery_worker(&app);
        app.create(it_ticket("Bad address", "reject.me@example.com"))
            .await;
        app.create(it_ticket("Greylisted", "later.me@example.com"))
            .await;
        w.run_once().await.unwrap();
        let by_target = |all: &[Value], t: &str| {
            all.iter()
                .find(|d| d["target"] == t)
                .cloned()
                .unwrap_or_else(|| panic!("no delivery to {t}"))
        };
        let all = deliveries(&app, "").await;
        let rejected = by_target(&all, "reject.me@example.com");
        assert_eq!(rejected["status"], "dead", "a 5xx is final: {rejected}");
        assert!(rejected["last_error"].as_str().unwrap().contains("550"));
        let later = by_target(&all, "later.me@example.com");
        assert_eq!(
            (later["status"].as_str(), later["attempts"].as_i64()),
            (Some("pending"), Some(1))
        );
        assert!(relay.received().is_empty());
    }
);

api_test!(admins_edit_templates_checked_and_reset, |app| async move {
    let relay = SmtpReceiver::start().await;
    use_relay(&app, relay.settings.port).await;
    let list = json_of(app.get("/email/templates").await, 200).await;
    assert_eq!(list["templates"].as_array().unwrap().len(), 9);
    assert!(
        list["variables"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["name"] == "ticket.key")
    );
    let path = "/email/templates/requester.acknowledgement";

    // A typo is refused with where it is, and nothing is saved.
    let bad = problem(
        put(
            &app,
            path,
            &json!({"subject": "Got it", "text": "Hi\n {{ ticket.kee }}", "html": ""}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(pointers(&bad), ["/text"]);
    assert!(
        bad["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("line 2, column 2"),
        "{bad}"
    );
    assert_eq!(json_of(app.get(path).await, 200).await["customised"], false);

    let preview = json_of(
            app.post(
                &format!("{path}/preview"),
                &json!({"subject": "We got {{ ticket.key }}", "text": "x", "html": "<p>{{ comment.body }}</p>"}),
            )
            .await,
            200,
        )
        .await;
    assert_eq!(preview["subject"], "We got IT-42");
    assert!(preview["html"].as_str().unwrap().contains("<br>"));

    let saved = json_of(
            put(
                &app,
                path,
                &json!({"subject": "We got your request",
                    "text": "{{ ticket.key }} is ours now.{{#follow_url}} {{ follow_url }}{{/follow_url}}",
                    "html": "<p>{{ ticket.key }} is ours now.</p>"}),
            )
            .await,
            200,
        )
        .await;
    assert_eq!(saved["customised"], true);
    let key = app.create(it_ticket("Custom", "ada@example.com")).await["key"]
        .as_str()
        .unwrap()
        .to_string();
    delivery_worker(&app).run_once().await.unwrap();
    let m = relay.wait_for(1).await[0].parsed();
    assert_eq!(m.subject, format!("[{key}] We got your request"));
    assert!(
        m.text.starts_with(&format!("{key} is ours now.")),
        "{}",
        m.text
    );

    let reset = json_of(app.client.delete(app.url(path)).send().await.unwrap(), 200).await;
    assert_eq!(reset["customised"], false);
    assert_eq!(reset["subject"], "{{ ticket.title }}");
    problem(app.get("/email/templates/nope").await, 404).await;

    // Only admins.
    let agent = Side::new(&app, "ada.agent@example.com", Role::Agent, "it").await;
    problem(agent.get(&app, "/email/templates").await, 403).await;
    problem(agent.get(&app, "/email/settings").await, 403).await;
});

api_test!(
    settings_are_checked_and_the_password_is_write_only,
    |app| async move {
        let bad = problem(
            put(
                &app,
                "/email/settings",
                &json!({"enabled": true, "smtp_host": "", "from_address": "not an address",
                    "public_url": "javascript:alert(1)"}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(
            pointers(&bad),
            ["/smtp_host", "/from_address", "/public_url"]
        );

        let relay = SmtpReceiver::start_with_login("docket", "s3cret-relay").await;
        json_of(
            put(
                &app,
                "/email/settings",
                &json!({"enabled": false, "smtp_host": "127.0.0.1", "smtp_port": relay.settings.port,
                    "smtp_security": "none", "smtp_username": "docket",
                    "from_address": "support@help.example.com"}),
            )
            .await,
            200,
        )
        .await;
        json_of(
            put(&app, "/email/password", &json!({"password": "wrong"})).await,
            200,
        )
        .await;
        let failed = json_of(
            app.post("/email/test", &json!({"to": "ops@example.com"}))
                .await,
            200,
        )
        .await;
        assert_eq!(failed["sent"], false, "{failed}");
        assert!(
            failed["error"].as_str().unwrap().contains("login"),
            "{failed}"
        );

        json_of(
            put(
                &app,
                "/email/password",
                &json!({"password": "s3cret-relay"}),
            )
            .await,
            200,
        )
        .await;
        let sent = json_of(
            app.post("/email/test", &json!({"to": "ops@example.com"}))
                .await,
            200,
        )
        .await;
        assert_eq!(sent["sent"], true, "{sent}");
        assert_eq!(relay.wait_for(1).await[0].rcpt_to, ["ops@example.com"]);

        let out = json_of(app.get("/email/settings").await, 200).await;
        assert_eq!(out["password_set"], true);
        assert!(!out.to_string().contains("s3cret-relay"));
        json_of(
            app.client
                .delete(app.url("/email/password"))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(
            json_of(app.get("/email/settings").await, 200).await["password_set"],
            false
        );

        // Switched off: tickets queue no email at all.
        app.create(it_ticket("Quiet", "ada@example.com")).await;
        delivery_worker(&app).run_once().await.unwrap();
        assert!(deliveries(&app, "").await.is_empty());
    }
);

api_test!(sla_warnings_and_breaches_reach_inboxes, |app| async move {
    let relay = SmtpReceiver::start().await;
    use_relay(&app, relay.settings.port).await;
    let bo = Side::new(&app, "bo.agent@example.com", Role::Agent, "it").await;
    let w = delivery_worker(&app);
    let mut urgent = it_ticket("Server room flooding", "ada@example.com");
    urgent["priority"] = json!("P0");
    urgent["assignee_id"] = json!(bo.id);
    let key = app.create(urgent).await["key"]
        .as_str()
        .unwrap()
        .to_string();
    w.run_once().await.unwrap();
    let before = relay.wait_for(1).await.len();

    // A week later nobody answered: the shipped policy warns and then reports the
    // breach to the assignee (and the team and admins).
    app.db.store.clock().advance(chrono::Duration::days(7));
    let fired = app
        .db
        .store
        .sla_sweep(&docket_store::sla::escalate::SweepOptions {
            owner: "test".into(),
            lease: chrono::Duration::seconds(60),
            batch: 100,
        })
        .await
        .unwrap();
    assert!(fired.fired >= 1, "{fired:?}");
    w.run_once().await.unwrap();
    let got = relay.wait_for(before + 1).await;
    let to_bo: Vec<_> = got
        .iter()
        .filter(|m| m.rcpt_to == ["bo.agent@example.com"])
        .map(|m| m.parsed())
        .collect();
    assert!(!to_bo.is_empty(), "no SLA email to the assignee");
    for m in &to_bo {
        assert!(
            m.subject.starts_with(&format!("[{key}] SLA")),
            "{}",
            m.subject
        );
        assert_eq!(m.header("Auto-Submitted"), Some("auto-generated"));
        assert!(m.text.contains(&key), "{}", m.text);
    }
    let log = deliveries(&app, "&target=bo.agent@example.com").await;
    assert!(
        log.iter()
            .all(|d| d["topic"].as_str().unwrap().starts_with("sla.") && d["status"] == "delivered"),
        "{log:?}"
    );
});
