//! Notifications out through the API and the delivery worker, on both backends: signed
//! webhooks delivered once, a receiver down for a while (retried, then delivered once),
//! a subscription that keeps failing switched off with the admins told, and the bell
//! with its preferences.

mod common;

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::HeaderMap;
use common::*;
use docket_core::access::Role;
use docket_server::delivery::signature;
use serde_json::{Value, json};

/// A webhook receiver on loopback: records what it gets, answers `status`.
#[derive(Clone)]
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    status: Arc<AtomicU16>,
}

impl Receiver {
    async fn start() -> Receiver {
        let got: Arc<Mutex<Vec<(HeaderMap, String)>>> = Arc::default();
        let status = Arc::new(AtomicU16::new(200));
        let (g, s) = (got.clone(), status.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (g, s) = (g.clone(), s.clone());
                async move {
                    g.lock().unwrap().push((headers, body));
                    axum::http::StatusCode::from_u16(s.load(Ordering::SeqCst)).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, got, status }
    }

    fn bodies(&self) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| serde_json::from_str(b).unwrap())
            .collect()
    }
}

fn it_ticket(title: &str) -> Value {
    json!({"type": "it_support", "title": title, "requester": {"email": "ada@example.com"},
        "fields": {"category": "hardware", "impact": "individual"}})
}

async fn subscribe(
    app: &TestApp,
    receiver: &Receiver,
    events: Value,
    types: Value,
) -> (i64, String) {
    let created = json_of(
        app.post(
            "/webhook-subscriptions",
            &json!({"name": "ops", "url": receiver.url, "events": events, "types": types}),
        )
        .await,
        201,
    )
    .await;
    (
        created["subscription"]["id"].as_i64().unwrap(),
        created["secret"].as_str().unwrap().to_string(),
    )
}

api_test!(
    a_subscriber_gets_each_event_once_and_signed,
    |app| async move {
        let receiver = Receiver::start().await;
        let (_, secret) = subscribe(
            &app,
            &receiver,
            json!(["ticket.created", "comment.*"]),
            json!(["it_support"]),
        )
        .await;
        let ticket = app.create(it_ticket("Printer jams")).await;
        let key = ticket["key"].as_str().unwrap();
        json_of(
            app.post(
                &format!("/tickets/{key}/comments"),
                &json!({"kind": "public", "body": "On it"}),
            )
            .await,
            201,
        )
        .await;
        // Another type, and a topic not subscribed to: nothing for this receiver.
        app.create(
            json!({"type": "complaint", "title": "Rude", "requester": {"email": "bo@example.com"},
            "fields": {"category": "billing", "severity": "low", "incident_date": "2026-12-01"}}),
        )
        .await;
        json_of(
            app.client
                .patch(app.url(&format!("/tickets/{key}")))
                .header("if-match", "*")
                .json(&json!({"priority": "P1"}))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;

        let w = delivery_worker(&app);
        assert_eq!(w.run_once().await.unwrap(), 2);
        assert_eq!(w.run_once().await.unwrap(), 0, "delivered once");
        let bodies = receiver.bodies();
        let events: Vec<&str> = bodies
            .iter()
            .map(|b| b["event"].as_str().unwrap())
            .collect();
        assert_eq!(events, ["ticket.created", "comment.created"]);
        assert_eq!(bodies[0]["ticket"]["key"], key);
        assert_eq!(bodies[1]["data"]["comment"]["body"], "On it");
        for (headers, body) in receiver.got.lock().unwrap().iter() {
            let ts: i64 = headers["x-docket-timestamp"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
            assert_eq!(
                headers["x-docket-signature"].to_str().unwrap(),
                signature(&secret, ts, body.as_bytes())
            );
            assert_ne!(
                headers["x-docket-signature"].to_str().unwrap(),
                signature("another secret", ts, body.as_bytes())
            );
        }
        let log = json_of(app.get("/deliveries?status=delivered").await, 200).await;
        assert_eq!(log["items"].as_array().unwrap().len(), 2, "{log}");
        assert!(
            log["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|d| d["attempts"] == 1)
        );
        // Admins' changes to subscriptions are in the audit log.
        let audit = json_of(app.get("/audit?action=webhook").await, 200).await;
        assert!(
            audit["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "webhook.create"),
            "{audit}"
        );
    }
);

api_test!(a_receiver_down_for_a_while_gets_it_once, |app| async move {
    let receiver = Receiver::start().await;
    subscribe(&app, &receiver, json!(["ticket.created"]), Value::Null).await;
    receiver.status.store(503, Ordering::SeqCst);
    let ticket = app.create(it_ticket("VPN down")).await;
    let w = delivery_worker(&app);
    w.run_once().await.unwrap();
    w.run_once().await.unwrap();
    assert_eq!(
        receiver.got.lock().unwrap().len(),
        1,
        "not again before its backoff"
    );
    let log = json_of(app.get("/deliveries").await, 200).await;
    let d = &log["items"][0];
    assert_eq!(
        (d["status"].as_str(), d["attempts"].as_i64()),
        (Some("pending"), Some(1))
    );
    assert!(d["last_error"].as_str().unwrap().contains("503"), "{d}");

    receiver.status.store(200, Ordering::SeqCst);
    app.db.store.clock().advance(chrono::Duration::minutes(1));
    w.run_once().await.unwrap();
    app.db.store.clock().advance(chrono::Duration::hours(2));
    w.run_once().await.unwrap();
    let bodies = receiver.bodies();
    assert_eq!(bodies.len(), 2, "one failed attempt, one delivery");
    assert_eq!(bodies[0], bodies[1], "the same event both times");
    assert_eq!(bodies[1]["ticket"]["key"], ticket["key"]);
    let detail = json_of(app.get(&format!("/deliveries/{}", d["id"])).await, 200).await;
    let outcomes: Vec<&str> = detail["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["failed", "delivered"]);
    assert_eq!(detail["attempts"][0]["code"], 503);
    assert_eq!(detail["delivery"]["status"], "delivered");
    // A delivered one is not sent again by hand.
    let again = app
        .client
        .post(app.url(&format!("/deliveries/{}/retry", d["id"])))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(again, 409).await["status"], 409);
});

api_test!(
    a_subscription_that_keeps_failing_is_switched_off_and_admins_are_told,
    |app| async move {
        let receiver = Receiver::start().await;
        let (id, _) = subscribe(&app, &receiver, json!(["*"]), Value::Null).await;
        // Gone for good: dead at once, and an admin may send it again by hand.
        receiver.status.store(410, Ordering::SeqCst);
        let ping = json_of(
            app.client
                .post(app.url(&format!("/webhook-subscriptions/{id}/ping")))
                .send()
                .await
                .unwrap(),
            202,
        )
        .await;
        let w = delivery_worker(&app);
        w.run_once().await.unwrap();
        let dead = json_of(app.get(&format!("/deliveries/{}", ping["id"])).await, 200).await;
        assert_eq!(dead["delivery"]["status"], "dead");
        assert_eq!(dead["body"]["event"], "ping");
        receiver.status.store(200, Ordering::SeqCst);
        json_of(
            app.client
                .post(app.url(&format!("/deliveries/{}/retry", ping["id"])))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        w.run_once().await.unwrap();
        let sent = json_of(app.get(&format!("/deliveries/{}", ping["id"])).await, 200).await;
        assert_eq!(sent["delivery"]["status"], "delivered");

        receiver.status.store(500, Ordering::SeqCst);
        for i in 0..25 {
            app.create(it_ticket(&format!("Outage {i}"))).await;
        }
        w.run_once().await.unwrap();
        let s = json_of(app.get(&format!("/webhook-subscriptions/{id}")).await, 200).await;
        assert_eq!(s["enabled"], false, "{s}");
        assert!(s["disabled_reason"].as_str().unwrap().contains("25"));
        w.run_once().await.unwrap();
        let bell = json_of(app.get("/auth/me/notifications").await, 200).await;
        assert!(
            bell["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["topic"] == "webhook.disabled"
                    && n["title"].as_str().unwrap().contains("ops")),
            "{bell}"
        );
        // Switched on again, it starts from a clean count.
        let s = json_of(
            app.client
                .patch(app.url(&format!("/webhook-subscriptions/{id}")))
                .json(&json!({"enabled": true}))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(
            (s["enabled"].as_bool(), s["consecutive_failures"].as_i64()),
            (Some(true), Some(0))
        );
    }
);

api_test!(
    the_bell_tells_assignees_and_honours_preferences,
    |app| async move {
        let ada = Side::new(&app, "ada.agent@example.com", Role::Agent, "it").await;
        let bo = Side::new(&app, "bo.agent@example.com", Role::Agent, "it").await;
        let w = delivery_worker(&app);
        let assign = |key: String, who: i64| {
            let app = &app;
            async move {
                json_of(
                    app.client
                        .patch(app.url(&format!("/tickets/{key}")))
                        .header("if-match", "*")
                        .json(&json!({"assignee_id": who}))
                        .send()
                        .await
                        .unwrap(),
                    200,
                )
                .await
            }
        };
        let first = app.create(it_ticket("Laptop")).await["key"]
            .as_str()
            .unwrap()
            .to_string();
        assign(first.clone(), ada.id).await;
        w.run_once().await.unwrap();
        let bell = json_of(ada.get(&app, "/auth/me/notifications").await, 200).await;
        assert_eq!(bell["unread"], 1, "{bell}");
        assert_eq!(bell["items"][0]["ticket"], first.as_str());
        assert!(
            bell["items"][0]["title"]
                .as_str()
                .unwrap()
                .contains("assigned to you")
        );
        let id = bell["items"][0]["id"].as_i64().unwrap();

        // Another person's notifications are not theirs to mark.
        let other = json_of(
            bo.post(&app, "/auth/me/notifications/read", &json!({"ids": [id]}))
                .await,
            200,
        )
        .await;
        assert_eq!(other["marked"], 0);
        let mine = json_of(
            ada.post(&app, "/auth/me/notifications/read", &json!({"ids": [id]}))
                .await,
            200,
        )
        .await;
        assert_eq!(
            (mine["marked"].as_u64(), mine["unread"].as_u64()),
            (Some(1), Some(0))
        );

        // Ada turns the bell off for assignments: the next one reaches only Bo's.
        let prefs = json_of(
            ada.client
                .put(app.url("/auth/me/notification-preferences"))
                .json(&json!({"items": [{"topic": "ticket.assigned", "email": true, "in_app": false}]}))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert!(
            prefs["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["topic"] == "ticket.assigned" && p["in_app"] == false)
        );
        let bad = ada
            .client
            .put(app.url("/auth/me/notification-preferences"))
            .json(&json!({"items": [{"topic": "ticket.exploded", "email": true, "in_app": true}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(pointers(&problem(bad, 422).await), ["/items/0/topic"]);
        let second = app.create(it_ticket("Monitor")).await["key"]
            .as_str()
            .unwrap()
            .to_string();
        assign(second.clone(), ada.id).await;
        let third = app.create(it_ticket("Mouse")).await["key"]
            .as_str()
            .unwrap()
            .to_string();
        assign(third.clone(), bo.id).await;
        w.run_once().await.unwrap();
        assert_eq!(
            json_of(
                ada.get(&app, "/auth/me/notifications?unread=true").await,
                200
            )
            .await["unread"],
            0
        );
        let bo_bell = json_of(bo.get(&app, "/auth/me/notifications").await, 200).await;
        assert_eq!(bo_bell["items"].as_array().unwrap().len(), 1);
        assert_eq!(bo_bell["items"][0]["ticket"], third.as_str());

        // Taking a ticket oneself tells nobody.
        let fourth = app.create(it_ticket("Keyboard")).await["key"]
            .as_str()
            .unwrap()
            .to_string();
        json_of(
            bo.client
                .patch(app.url(&format!("/tickets/{fourth}")))
                .header("if-match", "*")
                .json(&json!({"assignee_id": bo.id}))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        w.run_once().await.unwrap();
        assert_eq!(
            json_of(bo.get(&app, "/auth/me/notifications").await, 200).await["unread"],
            1
        );

        // Staff only manage subscriptions and read the log if they are admins.
        assert_eq!(bo.get(&app, "/webhook-subscriptions").await.status(), 403);
        assert_eq!(bo.get(&app, "/deliveries").await.status(), 403);
    }
);
