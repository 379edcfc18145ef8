//! The live stream (`GET /stream`) on SQLite and PostgreSQL: changes by anyone arrive as
//! server-sent events, only for types the caller may read; a reconnect with
//! `Last-Event-ID` gets what it missed; anonymous callers get 401.

mod common;

use std::time::Duration;

use common::*;
use docket_core::access::{Role, Scope};
use reqwest::{Client, Response};
use serde_json::{Value, json};

/// One parsed server-sent event.
#[derive(Debug)]
struct Sse {
    event: String,
    id: Option<String>,
    data: Value,
}

/// Reads events off a streaming response.
struct EventReader {
    response: Response,
    buffer: String,
}

impl EventReader {
    async fn open(client: &Client, app: &TestApp, last_event_id: Option<&str>) -> EventReader {
        let mut request = client.get(app.url("/stream"));
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let ct = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(ct, "text/event-stream");
        EventReader {
            response,
            buffer: String::new(),
        }
    }

    /// The next `ticket` or `resync` event (comments and `retry` lines skipped), or None
    /// if nothing comes within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = None;
                let mut id = None;
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = Some(v.trim().to_string());
                    } else if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_string());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if let Some(event) = event {
                    return Some(Sse {
                        event,
                        id,
                        data: serde_json::from_str(&data).unwrap(),
                    });
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.response.chunk())
                .await
                .ok()?;
            let bytes = chunk.unwrap()?;
            self.buffer.push_str(&String::from_utf8_lossy(&bytes));
        }
    }

    /// Whether the server ends the stream within `wait` (keep-alive comments skipped).
    async fn ends_within(&mut self, wait: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Err(_) => return false,
                Ok(Ok(Some(_))) => continue,
                Ok(Ok(None)) | Ok(Err(_)) => return true,
            }
        }
    }

    /// The next event about `key`, skipping others.
    async fn next_for(&mut self, key: &str) -> Sse {
        loop {
            let e = self
                .next(Duration::from_secs(10))
                .await
                .unwrap_or_else(|| panic!("no event for {key} within 10s"));
            if e.data["key"] == key {
                return e;
            }
        }
    }
}

fn it_ticket(title: &str) -> Value {
    json!({"type": "it_support", "title": title, "fields": {"category": "hardware"}})
}

fn office_ticket(title: &str) -> Value {
    json!({"type": "admin_request", "title": title,
           "fields": {"request_type": "desk_move", "department": "finance", "employee_id": "E104233"}})
}

async fn set_status(app: &TestApp, ticket: &Value, status: &str) {
    let r = app
        .client
        .patch(app.url(&format!("/tickets/{}", ticket["key"].as_str().unwrap())))
        .header("If-Match", format!("\"{}\"", ticket["version"]))
        .json(&json!({"status": status}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

api_test!(changes_by_others_arrive_as_events, |app| async move {
    // No pause after connecting: the stream's place is set before its headers are sent.
    let mut stream = EventReader::open(&app.client, &app, None).await;
    let ticket = app.create(it_ticket("printer on fire")).await;
    let key = ticket["key"].as_str().unwrap();
    let created = stream.next_for(key).await;
    assert_eq!(created.event, "ticket");
    assert_eq!(created.data["type"], "it_support");
    assert_eq!(created.data["source"], "api");
    assert!(
        created.data["changes"]
            .as_array()
            .unwrap()
            .contains(&json!("created"))
    );
    assert_eq!(
        created.id.as_deref(),
        Some(created.data["event_id"].to_string().as_str())
    );

    set_status(&app, &ticket, "open").await;
    let moved = stream.next_for(key).await;
    assert!(
        moved.data["changes"]
            .as_array()
            .unwrap()
            .contains(&json!("status")),
        "{moved:?}"
    );
    assert!(
        moved.data["actor"]
            .as_str()
            .unwrap()
            .starts_with("admin@example.com")
    );

    let r = app
        .post(
            &format!("/tickets/{key}/comments"),
            &json!({"body": "on it", "kind": "internal"}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let commented = stream.next_for(key).await;
    assert_eq!(commented.data["changes"], json!(["comment"]));
});

api_test!(agents_see_only_their_types, |app| async move {
    let agent = create_user(&app.db.store, "it-agent@example.com", Role::Agent, &["it"]).await;
    let client = client_with_token(&token_for(&app.db.store, agent, &[Scope::Read]).await);
    let mut stream = EventReader::open(&client, &app, None).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    let hidden = app.create(office_ticket("new desk")).await;
    let shown = app.create(it_ticket("vpn down")).await;
    // The office ticket came first; the agent's first event is the IT one.
    let first = stream
        .next(Duration::from_secs(10))
        .await
        .expect("an event");
    assert_eq!(first.data["key"], shown["key"], "{first:?}");
    assert!(stream.next(Duration::from_millis(1500)).await.is_none());
    assert_ne!(hidden["key"], shown["key"]);
});

api_test!(a_reconnect_gets_what_it_missed, |app| async move {
    let mut stream = EventReader::open(&app.client, &app, None).await;
    let a = app.create(it_ticket("first")).await;
    let seen = stream.next_for(a["key"].as_str().unwrap()).await;
    drop(stream);
    // While disconnected: two changes.
    set_status(&app, &a, "open").await;
    let b = app.create(it_ticket("second")).await;
    let mut again = EventReader::open(&app.client, &app, seen.id.as_deref()).await;
    let e1 = again.next(Duration::from_secs(5)).await.expect("replayed");
    let e2 = again.next(Duration::from_secs(5)).await.expect("replayed");
    assert_eq!(e1.data["key"], a["key"]);
    assert_eq!(e1.data["changes"], json!(["status"]));
    assert_eq!(e2.data["key"], b["key"]);
});

api_test!(shutting_down_ends_open_streams, |app| async move {
    // A server of its own, whose shutdown this test triggers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = docket_server::api::AppState::new(
        app.db.store.clone(),
        docket_store::identity::MasterKey::generate(),
        false,
    );
    let server = tokio::spawn(docket_server::serve(state, listener, async {
        let _ = stopped.await;
    }));
    let token = token_for(&app.db.store, app.admin_id, &[Scope::Admin]).await;
    let response = client_with_token(&token)
        .get(format!("http://{addr}/api/v1/stream"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    stop.send(()).unwrap();
    // Without the hub's close, the graceful shutdown would wait out the stream's 15 min.
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops while a stream is open")
        .unwrap()
        .unwrap();
    drop(response);
});

api_test!(the_stream_needs_a_caller, |app| async move {
    let r = app.anonymous.get(app.url("/stream")).send().await.unwrap();
    problem(r, 401).await;
});

api_test!(a_stream_follows_team_changes, |app| async move {
    let store = &app.db.store;
    let agent = create_user(store, "both@example.com", Role::Agent, &["it", "office"]).await;
    let client = client_with_token(&token_for(store, agent, &[Scope::Read]).await);
    let mut stream = EventReader::open(&client, &app, None).await;
    let r = app
        .client
        .delete(app.url(&format!("/teams/it/members/{agent}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // No longer in IT: its new ticket stays away; the office one still comes.
    let hidden = app.create(it_ticket("after leaving IT")).await;
    let shown = app.create(office_ticket("still office")).await;
    let first = stream
        .next(Duration::from_secs(10))
        .await
        .expect("an event");
    assert_eq!(first.data["key"], shown["key"], "{first:?}, not {hidden:?}");
});

api_test!(a_revoked_tokens_stream_ends, |app| async move {
    let store = &app.db.store;
    let agent = create_user(store, "gone@example.com", Role::Agent, &["it"]).await;
    let token = token_for(store, agent, &[Scope::Read]).await;
    let id = store.tokens(Some(agent)).await.unwrap()[0].id;
    let mut stream = EventReader::open(&client_with_token(&token), &app, None).await;
    let r = app
        .client
        .delete(app.url(&format!("/tokens/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        stream.ends_within(Duration::from_secs(10)).await,
        "the stream outlives its token"
    );
});
