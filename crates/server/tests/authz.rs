//! The authorization matrix: every operation in the OpenAPI document, called as each kind
//! of caller, against one table of expectations. An operation without a row fails the
//! test, so no endpoint can ship without a rule. A second table covers the objects a
//! ticket leads to (its requester by id and by email, a deleted ticket's trail), where
//! isolation is about what an allowed call reveals; tests/isolation.rs tells each
//! object's story in full.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

use common::*;
use docket_core::access::{Role, Scope};
use docket_store::identity::Actor;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// Who calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Anonymous,
    Viewer,
    AgentOutside,
    AgentInside,
    Admin,
    ReadToken,
    WriteToken,
}

const EVERYONE: [Who; 7] = [
    Who::Anonymous,
    Who::Viewer,
    Who::AgentOutside,
    Who::AgentInside,
    Who::Admin,
    Who::ReadToken,
    Who::WriteToken,
];

/// What an operation demands.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Anyone; the answer does not depend on who asks.
    Public,
    /// Any signed-in caller.
    SignedIn,
    /// Any signed-in caller that may change their own things (not a read-only token).
    SignedInWrite,
    /// Managing tokens: a web session or an admin-scoped token.
    ManageTokens,
    /// Listing tickets: signed in (the list is filtered to the caller's teams).
    ListTickets,
    /// Reading one ticket: signed in and in a team that handles its type.
    ReadTicket,
    /// Creating a ticket: agent or admin, write scope, type handled by their team.
    CreateTicket,
    /// Changing one ticket: as CreateTicket, on an existing ticket.
    WriteTicket,
    /// Reading a requester (and their card and notes): as ReadTicket, through a ticket
    /// of theirs.
    ReadRequester,
    /// Changing a requester (notes, merges): as WriteTicket, through a ticket of theirs.
    WriteRequester,
    /// Writing, whatever the ticket type: agent or admin with write scope.
    WriteAny,
    /// Administration.
    Admin,
}

fn rules() -> BTreeMap<(&'static str, &'static str), Rule> {
    use Rule::*;
    BTreeMap::from([
        (("GET", "/health"), Public),
        (("POST", "/auth/login"), Public),
        (("GET", "/setup"), Public),
        (("POST", "/setup"), Public),
        (("POST", "/auth/logout"), SignedIn),
        (("GET", "/auth/me"), SignedIn),
        (("PATCH", "/auth/me"), SignedInWrite),
        (("PUT", "/auth/me/availability"), SignedInWrite),
        (("GET", "/types"), SignedIn),
        (("GET", "/types/meta-schema"), SignedIn),
        (("GET", "/types/{slug}"), SignedIn),
        (("GET", "/types/{slug}/versions"), SignedIn),
        (("GET", "/types/{slug}/export"), SignedIn),
        (("POST", "/types/plan"), Admin),
        (("POST", "/types/apply"), Admin),
        (("GET", "/tickets"), ListTickets),
        (("POST", "/tickets"), CreateTicket),
        (("GET", "/tickets/{key}"), ReadTicket),
        (("PATCH", "/tickets/{key}"), WriteTicket),
        (("DELETE", "/tickets/{key}"), WriteTicket),
        (("POST", "/tickets/{key}/restore"), WriteTicket),
        (("POST", "/tickets/{key}/route"), WriteTicket),
        (("GET", "/tickets/{key}/comments"), ReadTicket),
        (("POST", "/tickets/{key}/comments"), WriteTicket),
        (("GET", "/tickets/{key}/events"), ReadTicket),
        (("PATCH", "/tickets/{key}/comments/{id}"), WriteTicket),
        (("DELETE", "/tickets/{key}/comments/{id}"), WriteTicket),
        (("GET", "/tickets/{key}/transcript"), ReadTicket),
        (("PUT", "/tickets/{key}/transcript"), WriteTicket),
        (("GET", "/tickets/{key}/survey"), ReadTicket),
        (("PUT", "/tickets/{key}/survey"), WriteTicket),
        (("GET", "/discord/panels"), SignedIn),
        (("POST", "/discord/panels"), Admin),
        (("GET", "/discord/panels/{id}"), SignedIn),
        (("PUT", "/discord/panels/{id}"), Admin),
        (("DELETE", "/discord/panels/{id}"), Admin),
        (("POST", "/discord/panels/{id}/deploy"), Admin),
        (("PUT", "/discord/panels/{id}/deployment"), WriteAny),
        (("GET", "/discord/panels/{id}/eligibility"), WriteAny),
        (("POST", "/discord/link-codes"), WriteAny),
        (("GET", "/discord/accounts/{discord_id}"), SignedIn),
        (("GET", "/auth/me/discord"), SignedIn),
        (("POST", "/auth/me/discord"), SignedInWrite),
        (("DELETE", "/auth/me/discord"), SignedInWrite),
        (("PUT", "/users/{id}/discord"), Admin),
        (("GET", "/webhook-subscriptions"), Admin),
        (("POST", "/webhook-subscriptions"), Admin),
        (("GET", "/webhook-subscriptions/{id}"), Admin),
        (("PATCH", "/webhook-subscriptions/{id}"), Admin),
        (("DELETE", "/webhook-subscriptions/{id}"), Admin),
        (("POST", "/webhook-subscriptions/{id}/rotate-secret"), Admin),
        (("POST", "/webhook-subscriptions/{id}/ping"), Admin),
        (("GET", "/deliveries"), Admin),
        (("GET", "/deliveries/{id}"), Admin),
        (("POST", "/deliveries/{id}/retry"), Admin),
        (("GET", "/email/settings"), Admin),
        (("PUT", "/email/settings"), Admin),
        (("PUT", "/email/password"), Admin),
        (("DELETE", "/email/password"), Admin),
        (("POST", "/email/test"), Admin),
        (("GET", "/email/templates"), Admin),
        (("GET", "/email/templates/{name}"), Admin),
        (("PUT", "/email/templates/{name}"), Admin),
        (("DELETE", "/email/templates/{name}"), Admin),
        (("POST", "/email/templates/{name}/preview"), Admin),
        (("GET", "/auth/me/notifications"), SignedIn),
        (("POST", "/auth/me/notifications/read"), SignedInWrite),
        (("GET", "/auth/me/notification-preferences"), SignedIn),
        (("PUT", "/auth/me/notification-preferences"), SignedInWrite),
        (("GET", "/tickets/{key}/attachments"), ReadTicket),
        (("POST", "/tickets/{key}/attachments"), WriteTicket),
        (("GET", "/attachments/{id}"), ReadTicket),
        (("GET", "/attachments/{id}/content"), ReadTicket),
        (("DELETE", "/attachments/{id}"), WriteTicket),
        (("GET", "/users"), SignedIn),
        (("POST", "/users"), Admin),
        (("GET", "/users/{id}"), SignedIn),
        (("PATCH", "/users/{id}"), Admin),
        (("PUT", "/users/{id}/availability"), Admin),
        (("GET", "/teams"), SignedIn),
        (("POST", "/teams"), Admin),
        (("GET", "/teams/{slug}"), SignedIn),
        (("PATCH", "/teams/{slug}"), Admin),
        (("DELETE", "/teams/{slug}"), Admin),
        (("PUT", "/teams/{slug}/members/{user_id}"), Admin),
        (("DELETE", "/teams/{slug}/members/{user_id}"), Admin),
        (("GET", "/tokens"), SignedIn),
        (("POST", "/tokens"), ManageTokens),
        (("DELETE", "/tokens/{id}"), ManageTokens),
        (("GET", "/secrets"), Admin),
        (("PUT", "/secrets/{name}"), Admin),
        (("DELETE", "/secrets/{name}"), Admin),
        (("GET", "/audit"), Admin),
        (("GET", "/types/{slug}/workflow"), SignedIn),
        (("GET", "/sla/calendars"), SignedIn),
        (("GET", "/sla/calendars/{name}"), SignedIn),
        (("PUT", "/sla/calendars/{name}"), Admin),
        (("DELETE", "/sla/calendars/{name}"), Admin),
        (("POST", "/sla/calendars/{name}/import"), Admin),
        (("GET", "/sla/policies"), SignedIn),
        (("GET", "/sla/policies/{name}"), SignedIn),
        (("PUT", "/sla/policies/{name}"), Admin),
        (("DELETE", "/sla/policies/{name}"), Admin),
        (("GET", "/sla/report"), Admin),
        (("GET", "/notifications"), ListTickets),
        (("GET", "/stream"), ListTickets),
        (("GET", "/views"), SignedIn),
        (("POST", "/views"), SignedInWrite),
        (("PATCH", "/views/{id}"), SignedInWrite),
        (("DELETE", "/views/{id}"), SignedInWrite),
        (("GET", "/tickets/{key}/sla"), ReadTicket),
        (("PUT", "/tickets/{key}/summary"), WriteTicket),
        (("DELETE", "/tickets/{key}/summary"), WriteTicket),
        (("GET", "/requesters"), ListTickets),
        (("GET", "/requesters/{id}"), ReadRequester),
        (("PATCH", "/requesters/{id}"), WriteRequester),
        (("GET", "/requesters/{id}/card"), ReadRequester),
        (("GET", "/requesters/{id}/notes"), ReadRequester),
        (("POST", "/requesters/{id}/notes"), WriteRequester),
        (
            ("PATCH", "/requesters/{id}/notes/{note_id}"),
            WriteRequester,
        ),
        (
            ("DELETE", "/requesters/{id}/notes/{note_id}"),
            WriteRequester,
        ),
        (("POST", "/requesters/{id}/merge"), WriteRequester),
        (("GET", "/organizations"), SignedIn),
        (("POST", "/organizations"), Admin),
        (("GET", "/organizations/{id}"), SignedIn),
        (("PATCH", "/organizations/{id}"), Admin),
        (("DELETE", "/organizations/{id}"), Admin),
        (("GET", "/ai/settings"), Admin),
        (("PUT", "/ai/settings"), Admin),
        (("PUT", "/ai/key"), Admin),
        (("DELETE", "/ai/key"), Admin),
        (("GET", "/ai/health"), Admin),
        (("GET", "/ai/usage"), Admin),
        (("POST", "/tickets/{key}/draft-reply"), WriteTicket),
        (("POST", "/ai/moderate-image"), WriteAny),
        (("POST", "/tickets/{key}/triage/apply"), WriteTicket),
        (("GET", "/intake/webhooks"), Admin),
        (("POST", "/intake/webhooks"), Admin),
        (("GET", "/intake/webhooks/{slug}"), Admin),
        (("PUT", "/intake/webhooks/{slug}"), Admin),
        (("DELETE", "/intake/webhooks/{slug}"), Admin),
        // The signature is the credential: whoever calls, a signed delivery is taken.
        (("POST", "/intake/webhooks/{slug}"), Public),
        (("POST", "/intake/webhooks/{slug}/rotate-secret"), Admin),
        (("GET", "/intake/webhooks/{slug}/deliveries"), Admin),
        (("GET", "/mailboxes"), Admin),
        (("POST", "/mailboxes"), Admin),
        (("GET", "/mailboxes/{id}"), Admin),
        (("PUT", "/mailboxes/{id}"), Admin),
        (("DELETE", "/mailboxes/{id}"), Admin),
        (("POST", "/mailboxes/{id}/test"), Admin),
        (("POST", "/mailboxes/{id}/check"), Admin),
        (("GET", "/mailboxes/{id}/log"), Admin),
        // Raw mail: an admin-scoped token is the credential.
        (("POST", "/mailboxes/{id}/raw"), Admin),
        (("GET", "/types/{slug}/public-form"), Admin),
        (("PUT", "/types/{slug}/public-form"), Admin),
        // Forms and follow links: whoever calls gets the same answer (the form's
        // throttle, the link's signature; tests/public_forms.rs).
        (("GET", "/public/forms"), Public),
        (("GET", "/public/forms/{slug}"), Public),
        (("POST", "/public/forms/{slug}"), Public),
        (("GET", "/public/follow/{token}"), Public),
        (("POST", "/public/follow/{token}/comments"), Public),
        (("POST", "/tickets/{key}/merge"), WriteTicket),
        (("POST", "/tickets/{key}/duplicate/dismiss"), WriteTicket),
    ])
}

/// The outcome a rule predicts for a caller: Ok(()) for "allowed" (any status but 401 and
/// 403, and no 404 that hides a ticket), Err(status) for the exact refusal.
fn expected(rule: Rule, who: Who) -> Result<(), u16> {
    use Who::*;
    if matches!(rule, Rule::Public) {
        return Ok(());
    }
    if who == Anonymous {
        return Err(401);
    }
    match rule {
        Rule::Public | Rule::SignedIn | Rule::ListTickets => Ok(()),
        Rule::SignedInWrite => {
            if who == ReadToken {
                Err(403)
            } else {
                Ok(())
            }
        }
        Rule::ManageTokens => {
            if matches!(who, ReadToken | WriteToken) {
                Err(403)
            } else {
                Ok(())
            }
        }
        Rule::ReadTicket | Rule::ReadRequester => {
            if who == AgentOutside {
                Err(404)
            } else {
                Ok(())
            }
        }
        Rule::WriteAny => match who {
            Viewer | ReadToken => Err(403),
            _ => Ok(()),
        },
        Rule::CreateTicket => match who {
            Viewer | ReadToken | AgentOutside => Err(403),
            _ => Ok(()),
        },
        Rule::WriteTicket | Rule::WriteRequester => match who {
            Viewer | ReadToken => Err(403),
            AgentOutside => Err(404),
            _ => Ok(()),
        },
        Rule::Admin => {
            if who == Admin {
                Ok(())
            } else {
                Err(403)
            }
        }
    }
}

/// One caller: how its requests authenticate.
struct Caller {
    who: Who,
    user_id: Option<i64>,
    bearer: Option<String>,
    cookie: Option<(String, String)>,
}

async fn login(app: &TestApp, email: &str) -> (String, String) {
    let r = app
        .anonymous
        .post(app.url("/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "login as {email}");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let me: Value = r.json().await.unwrap();
    (cookie, me["csrf_token"].as_str().unwrap().to_string())
}

impl Caller {
    fn request(&self, app: &TestApp, method: Method, path: &str) -> RequestBuilder {
        let mut r = app.anonymous.request(method, app.url(path));
        if let Some(t) = &self.bearer {
            r = r.bearer_auth(t);
        }
        if let Some((cookie, csrf)) = &self.cookie {
            r = r.header("cookie", cookie).header("x-csrf-token", csrf);
        }
        r
    }
}

static UNIQUE: AtomicU32 = AtomicU32::new(0);

fn unique() -> u32 {
    UNIQUE.fetch_add(1, Ordering::Relaxed)
}

fn intake_source_json(n: u32) -> Value {
    json!({"slug": format!("matrix-{n}"), "name": "Matrix", "ticket_type": "it_support",
        "mapping": {"title": {"pointer": "/title"}, "source_ref": {"pointer": "/id"},
            "fields": {"category": {"value": "hardware"}}}})
}

/// A mailbox on a port nobody listens on: its test and check fail at once.
fn mailbox_json(n: u32) -> Value {
    json!({"name": format!("matrix-{n}"), "address": format!("matrix{n}@example.com"),
        "ticket_type": "it_support", "fields": {"category": "other"},
        "imap_host": "127.0.0.1", "imap_port": 9, "imap_security": "none",
        "imap_username": "matrix", "imap_password": "secret"})
}

fn panel_json(n: u32) -> Value {
    json!({"name": format!("Panel {n}"), "guild_id": "1", "channel_id": "2", "title": "Help",
        "ticket_type": "discord_support"})
}

/// Make the call for `(method, path)` as `caller`, with fresh targets where the call
/// would otherwise change what later calls rely on.
async fn call(
    app: &TestApp,
    caller: &Caller,
    method: &str,
    path: &str,
    ticket: &str,
) -> StatusCode {
    let store = &app.db.store;
    let actor = Actor::new("matrix", None);
    let n = unique();
    let m: Method = method.parse().unwrap();
    let fresh_ticket = || async { create_ticket(app).await };
    let (url, body): (String, Option<Value>) = match (method, path) {
        ("POST", "/auth/login") => (
            path.into(),
            Some(json!({"email": "viewer@example.com", "password": PASSWORD})),
        ),
        ("POST", "/setup") => (
            path.into(),
            Some(
                json!({"token": "setup_nope", "email": "x@example.com", "display_name": "X", "password": PASSWORD}),
            ),
        ),
        ("POST", "/auth/logout") => {
            // Logging out ends the session: use a session of its own.
            if caller.cookie.is_some() {
                let email = store.user(caller.user_id.unwrap()).await.unwrap().email;
                let (cookie, csrf) = login(app, &email).await;
                let fresh = Caller {
                    who: caller.who,
                    user_id: caller.user_id,
                    bearer: None,
                    cookie: Some((cookie, csrf)),
                };
                return fresh.request(app, m, path).send().await.unwrap().status();
            }
            (path.into(), None)
        }
        ("PATCH", "/auth/me") => (path.into(), Some(json!({"display_name": "Same Name"}))),
        ("PUT", "/auth/me/availability") => (path.into(), Some(json!({"availability": "present"}))),
        ("POST", "/types/plan") | ("POST", "/types/apply") => (
            path.into(),
            Some(
                json!({"definition": {"slug": format!("matrix_{n}"), "name": "M", "key_prefix": format!("MX{n}"),
                "schema": {"type": "object", "properties": {"a": {"type": "string"}}}}}),
            ),
        ),
        (_, p) if p.starts_with("/types/{slug}") => (p.replace("{slug}", "it_support"), None),
        ("POST", "/tickets") => (
            path.into(),
            Some(
                json!({"type": "it_support", "title": "matrix", "fields": {"category": "hardware"}}),
            ),
        ),
        ("PATCH", "/tickets/{key}") => (
            path.replace("{key}", ticket),
            Some(json!({"priority": "P1"})),
        ),
        ("DELETE", "/tickets/{key}") => (path.replace("{key}", &fresh_ticket().await), None),
        ("POST", "/tickets/{key}/restore") => {
            let key = fresh_ticket().await;
            store.set_deleted(&key, true, "matrix").await.unwrap();
            (path.replace("{key}", &key), None)
        }
        ("PUT", "/tickets/{key}/summary") => (
            path.replace("{key}", ticket),
            Some(json!({"issue": "It broke", "open_points": ["call back"]})),
        ),
        ("POST", "/tickets/{key}/comments") => (
            path.replace("{key}", ticket),
            Some(json!({"kind": "internal", "body": "note"})),
        ),
        (_, "/tickets/{key}/comments/{id}") => {
            // A comment of the caller's own, so only the rule decides.
            let (c, _) = store
                .add_comment(
                    ticket,
                    docket_store::NewComment {
                        kind: docket_core::ticket::CommentKind::Internal,
                        body: "mine".into(),
                        author_user_id: caller.user_id,
                        from_requester: false,
                        author_name: None,
                        channel: docket_core::ticket::SourceChannel::Web,
                        actor: "matrix".into(),
                        attachments: Vec::new(),
                        external_ref: None,
                    },
                )
                .await
                .unwrap();
            (
                path.replace("{key}", ticket)
                    .replace("{id}", &c.id.to_string()),
                (method == "PATCH").then(|| json!({"body": "edited"})),
            )
        }
        ("PUT", "/tickets/{key}/transcript") => (
            path.replace("{key}", ticket),
            Some(json!({"channel_id": "1", "channel_name": "t", "messages": []})),
        ),
        ("GET", "/tickets/{key}/transcript") => {
            store
                .save_transcript(
                    ticket,
                    &json!({"channel_id": "1", "channel_name": "t", "messages": []}),
                    0,
                    &[],
                    "matrix",
                )
                .await
                .unwrap();
            (path.replace("{key}", ticket), None)
        }
        (_, "/tickets/{key}/survey") => {
            let key = fresh_ticket().await;
            if method == "GET" {
                store.record_survey(&key, 4, "", "matrix").await.unwrap();
            }
            (
                path.replace("{key}", &key),
                (method == "PUT").then(|| json!({"rating": 5})),
            )
        }
        ("POST", "/intake/webhooks") => (path.into(), Some(intake_source_json(n))),
        (_, p) if p.starts_with("/intake/webhooks/{slug}") => {
            // A source of its own, made by the admin (the answer has its secret).
            let made: Value = app
                .post("/intake/webhooks", &intake_source_json(n))
                .await
                .json()
                .await
                .unwrap();
            let slug = made["source"]["slug"].as_str().unwrap().to_string();
            let url = p.replace("{slug}", &slug);
            match (method, p) {
                ("PUT", _) => (url, Some(intake_source_json(n))),
                ("POST", "/intake/webhooks/{slug}") => {
                    let secret = made["secret"].as_str().unwrap();
                    let body = serde_json::to_vec(&json!({"title": "hook", "id": n})).unwrap();
                    let ts = chrono::Utc::now().timestamp().to_string();
                    let signature =
                        docket_core::intake::signature::sign_docket(secret.as_bytes(), &ts, &body);
                    let r = caller
                        .request(app, m, &url)
                        .header("x-docket-timestamp", ts)
                        .header("x-docket-signature", signature)
                        .body(body)
                        .send()
                        .await
                        .unwrap();
                    return r.status();
                }
                _ => (url, None),
            }
        }
        ("POST", "/mailboxes") => (path.into(), Some(mailbox_json(n))),
        (_, p) if p.starts_with("/mailboxes/{id}") => {
            let made: Value = app
                .post("/mailboxes", &mailbox_json(n))
                .await
                .json()
                .await
                .unwrap();
            let url = p.replace("{id}", &made["id"].to_string());
            match method {
                "PUT" => (url, Some(mailbox_json(n))),
                _ => (url, None),
            }
        }
        ("POST", "/discord/panels") => (path.into(), Some(panel_json(n))),
        (_, p) if p.starts_with("/discord/panels/{id}") => {
            let panel = store
                .create_panel("matrix", &panel_json(n), &actor)
                .await
                .unwrap();
            let url = p.replace("{id}", &panel.id.to_string());
            match (method, p) {
                ("PUT", "/discord/panels/{id}") => (url, Some(panel_json(n))),
                ("PUT", "/discord/panels/{id}/deployment") => (
                    url,
                    Some(json!({"channel_id": "10", "message_id": "11", "version": 1})),
                ),
                ("GET", "/discord/panels/{id}/eligibility") => {
                    (format!("{url}?discord_id=42"), None)
                }
                _ => (url, None),
            }
        }
        ("POST", "/discord/link-codes") => (path.into(), Some(json!({"discord_id": "42"}))),
        ("GET", "/discord/accounts/{discord_id}") => {
            let target =
                create_user(store, &format!("linked{n}@example.com"), Role::Agent, &[]).await;
            let discord_id = format!("77{n}");
            store
                .set_discord_account(target, Some((&discord_id, None)), &actor)
                .await
                .unwrap();
            (path.replace("{discord_id}", &discord_id), None)
        }
        ("POST", "/auth/me/discord") => {
            let (code, _) = store
                .create_link_code(&format!("88{n}"), None)
                .await
                .unwrap();
            (path.into(), Some(json!({"code": code})))
        }
        ("PUT", "/users/{id}/discord") => {
            let target =
                create_user(store, &format!("target{n}@example.com"), Role::Agent, &[]).await;
            (
                path.replace("{id}", &target.to_string()),
                Some(json!({"discord_id": format!("99{n}")})),
            )
        }
        ("POST", "/webhook-subscriptions") => (
            path.into(),
            Some(json!({"name": "matrix", "url": "http://127.0.0.1:9/hook", "events": ["*"]})),
        ),
        (_, p)
            if p.starts_with("/webhook-subscriptions/{id}")
                || p.starts_with("/deliveries/{id}") =>
        {
            let (subscription, _) = store
                .create_subscription(
                    &test_master_key(),
                    docket_store::delivery::NewSubscription {
                        name: "matrix".into(),
                        url: "http://127.0.0.1:9/hook".into(),
                        events: vec!["*".into()],
                        types: None,
                        enabled: true,
                    },
                    &actor,
                )
                .await
                .unwrap();
            let id = if p.starts_with("/deliveries") {
                store
                    .ping_subscription(subscription.id, "matrix")
                    .await
                    .unwrap()
                    .id
            } else {
                subscription.id
            };
            let url = p.replace("{id}", &id.to_string());
            match (method, p) {
                ("PATCH", _) => (url, Some(json!({"name": "renamed"}))),
                _ => (url, None),
            }
        }
        ("PUT", "/email/settings") => (path.into(), Some(json!({"from_name": "Matrix"}))),
        ("PUT", "/email/password") => (path.into(), Some(json!({"password": "matrix"}))),
        ("POST", "/email/test") => (path.into(), Some(json!({"to": "matrix@example.com"}))),
        (method, p) if p.starts_with("/email/templates/{name}") => (
            p.replace("{name}", "staff.assigned"),
            matches!(method, "PUT" | "POST")
                .then(|| json!({"subject": "s", "text": "t", "html": "h"})),
        ),
        ("POST", "/auth/me/notifications/read") => (path.into(), Some(json!({}))),
        ("PUT", "/auth/me/notification-preferences") => (path.into(), Some(json!({"items": []}))),
        ("POST", "/tickets/{key}/attachments") => (
            format!("/tickets/{ticket}/attachments?filename=matrix.txt"),
            Some(json!({"a": "file"})),
        ),
        (_, p) if p.contains("{key}") => (p.replace("{key}", ticket), None),
        // Unknown forms and links, alike for every caller (tests/public_forms.rs has
        // the real ones).
        (_, p) if p.starts_with("/public/") => (
            p.replace("{slug}", "nothing").replace("{token}", "nothing"),
            None,
        ),
        (_, p) if p.starts_with("/attachments/{id}") => {
            let a = store
                .add_attachment(
                    ticket,
                    docket_store::attachments::NewAttachment {
                        filename: "matrix.txt".into(),
                        content_type: Some("text/plain".into()),
                        data: b"matrix".to_vec(),
                        actor: "matrix".into(),
                        idempotency: None,
                    },
                    &Default::default(),
                )
                .await
                .unwrap();
            (p.replace("{id}", &a.id.to_string()), None)
        }
        (_, p) if p.starts_with("/requesters/{id}") => {
            let target = fresh_requester(app).await;
            let url = path.replace("{id}", &target.to_string());
            match (method, p) {
                ("POST", "/requesters/{id}/notes") => (url, Some(json!({"body": "VIP"}))),
                ("PATCH", "/requesters/{id}") => (url, Some(json!({"name": "Renamed"}))),
                (_, "/requesters/{id}/notes/{note_id}") => {
                    // A note of the caller's own (or of the admin, for anonymous callers).
                    let author = caller.user_id.unwrap_or(app.admin_id);
                    let note = store
                        .add_requester_note(
                            target,
                            None,
                            "note",
                            docket_store::NoteWriter {
                                user_id: author,
                                is_admin: false,
                                actor: &actor,
                            },
                        )
                        .await
                        .unwrap();
                    (
                        url.replace("{note_id}", &note.id.to_string()),
                        (method == "PATCH").then(|| json!({"body": "edited"})),
                    )
                }
                ("POST", "/requesters/{id}/merge") => {
                    let source = fresh_requester(app).await;
                    (url, Some(json!({"source": source})))
                }
                _ => (url, None),
            }
        }
        ("POST", "/organizations") => (
            path.into(),
            Some(json!({"name": format!("Org {n}"), "domains": [format!("org{n}.example")]})),
        ),
        (_, "/organizations/{id}") => {
            let org = store
                .create_organization(
                    docket_store::OrganizationInput {
                        name: Some(format!("Org {n}")),
                        ..Default::default()
                    },
                    &actor,
                )
                .await
                .unwrap();
            (
                path.replace("{id}", &org.id.to_string()),
                (method == "PATCH").then(|| json!({"notes": "Key account"})),
            )
        }
        ("POST", "/users") => (
            path.into(),
            Some(
                json!({"email": format!("new{n}@example.com"), "display_name": "New", "role": "agent"}),
            ),
        ),
        ("PATCH", "/users/{id}") | ("GET", "/users/{id}") => {
            let target =
                create_user(store, &format!("target{n}@example.com"), Role::Agent, &[]).await;
            (
                path.replace("{id}", &target.to_string()),
                (method == "PATCH").then(|| json!({"display_name": "Renamed"})),
            )
        }
        ("PUT", "/users/{id}/availability") => {
            // Another user's: only admins (a user's own is tests/routing.rs's).
            let target =
                create_user(store, &format!("target{n}@example.com"), Role::Agent, &[]).await;
            (
                path.replace("{id}", &target.to_string()),
                Some(json!({"availability": "away"})),
            )
        }
        ("POST", "/teams") => (
            path.into(),
            Some(json!({"slug": format!("team_{n}"), "name": "Team"})),
        ),
        (_, p) if p.starts_with("/teams/{slug}") => {
            let slug = format!("team_{n}");
            store.create_team(&slug, "Team", "", &actor).await.unwrap();
            let member =
                create_user(store, &format!("member{n}@example.com"), Role::Agent, &[]).await;
            if method == "DELETE" && p.ends_with("{user_id}") {
                store
                    .set_team_member(&slug, member, true, &actor)
                    .await
                    .unwrap();
            }
            let url = p
                .replace("{slug}", &slug)
                .replace("{user_id}", &member.to_string());
            (url, (method == "PATCH").then(|| json!({"name": "Renamed"})))
        }
        ("POST", "/tokens") => (
            path.into(),
            Some(json!({"name": "matrix", "scopes": ["read"]})),
        ),
        ("DELETE", "/tokens/{id}") => {
            // A token of the caller's own (or of the admin, for anonymous callers).
            let owner = caller.user_id.unwrap_or(app.admin_id);
            let (_, t) = store
                .create_token(owner, "victim", &[Scope::Read], None, owner, &actor)
                .await
                .unwrap();
            (path.replace("{id}", &t.id.to_string()), None)
        }
        ("POST", "/views") => (
            path.into(),
            Some(json!({"name": format!("view {n}"), "query": "status_category=open"})),
        ),
        ("PATCH" | "DELETE", "/views/{id}") => {
            // A view of the caller's own (or of the admin, for anonymous callers).
            let owner = caller.user_id.unwrap_or(app.admin_id);
            let view = store
                .create_view(owner, &format!("view {n}"), "priority=P1", false)
                .await
                .unwrap();
            let url = path.replace("{id}", &view.id.to_string());
            (
                url,
                (method == "PATCH").then(|| json!({"name": format!("renamed {n}")})),
            )
        }
        ("PUT", "/secrets/{name}") => (
            path.replace("{name}", &format!("matrix_{n}")),
            Some(json!({"value": "s3cret"})),
        ),
        ("DELETE", "/secrets/{name}") => {
            let name = format!("matrix_{n}");
            store
                .set_secret(
                    &docket_store::identity::MasterKey::generate(),
                    &name,
                    "x",
                    &actor,
                )
                .await
                .unwrap();
            (path.replace("{name}", &name), None)
        }
        _ => (path.into(), None),
    };
    let mut r = caller.request(app, m, &url);
    if method == "PATCH" && url.starts_with("/tickets/") {
        r = r.header("if-match", "*");
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    r.send().await.unwrap().status()
}

/// A new requester with a ticket of the inside team's type.
async fn fresh_requester(app: &TestApp) -> i64 {
    let n = unique();
    app.create(
        json!({"type": "it_support", "title": "requester", "fields": {"category": "hardware"},
        "requester": {"email": format!("person{n}@example.com"), "name": format!("Person {n}")}}),
    )
    .await["requester"]["id"]
        .as_i64()
        .unwrap()
}

async fn create_ticket(app: &TestApp) -> String {
    app.create(json!({"type": "it_support", "title": "target", "fields": {"category": "hardware"}}))
        .await["key"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The objects reached through the inside ticket, as each signed-in caller. Each row
/// checks the status and that no refused or outside caller sees the requester's name.
async fn run_object_matrix(app: &TestApp, callers: &[Caller]) {
    use Who::*;
    let t = app
        .create(json!({"type": "it_support", "title": "object", "fields": {"category": "hardware"},
            "requester": {"email": "hidden@example.com", "name": "Hidden Name", "discord_id": "42"}}))
        .await;
    let requester_id = t["requester"]["id"].as_i64().unwrap();
    let deleted = create_ticket(app).await;
    let r = app
        .client
        .delete(app.url(&format!("/tickets/{deleted}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    // Facilities' type for the outside agent, IT's for everyone else.
    let ticket_naming = |who: Who, requester: Value| match who {
        AgentOutside => {
            json!({"type": "equipment_maintenance", "title": "o", "requester": requester,
            "fields": {"asset_tag": "EQ-000001", "equipment_type": "hvac", "location": "Hall", "operational_status": "down"}})
        }
        _ => {
            json!({"type": "it_support", "title": "o", "requester": requester, "fields": {"category": "hardware"}})
        }
    };
    type Row = (&'static str, fn(Who) -> u16);
    let rows: [Row; 3] = [
        ("POST /tickets naming the requester's id", |who| match who {
            Viewer | ReadToken => 403,
            AgentOutside => 422,
            _ => 201,
        }),
        (
            "POST /tickets naming the requester's email and a Discord id",
            |who| match who {
                Viewer | ReadToken => 403,
                _ => 201,
            },
        ),
        ("GET a deleted ticket's events", |who| match who {
            Viewer | ReadToken | AgentOutside => 404,
            _ => 200,
        }),
    ];
    let mut wrong = Vec::new();
    for (i, (name, expect)) in rows.iter().enumerate() {
        for caller in callers.iter().filter(|c| c.who != Anonymous) {
            let r = match i {
                0 => caller
                    .request(app, Method::POST, "/tickets")
                    .json(&ticket_naming(caller.who, json!({"id": requester_id}))),
                1 => caller.request(app, Method::POST, "/tickets").json(&ticket_naming(
                    caller.who,
                    json!({"email": "hidden@example.com", "discord_id": format!("{:?}-{}", caller.who, unique())}),
                )),
                _ => caller.request(app, Method::GET, &format!("/tickets/{deleted}/events")),
            };
            let r = r.send().await.unwrap();
            let status = r.status().as_u16();
            let body = r.text().await.unwrap();
            if status != expect(caller.who) {
                wrong.push(format!(
                    "{name} as {:?}: got {status}, expected {}",
                    caller.who,
                    expect(caller.who)
                ));
            }
            if caller.who == AgentOutside && body.contains("Hidden Name") {
                wrong.push(format!(
                    "{name} as {:?} revealed the requester: {body}",
                    caller.who
                ));
            }
        }
    }
    // Nothing an outside caller did changed the requester's record.
    let now: Value = app
        .get(&format!("/tickets/{}", t["key"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    if now["requester"].to_string().contains("AgentOutside") {
        wrong.push(format!(
            "the outside agent's Discord id reached the requester: {now}"
        ));
    }
    assert!(
        wrong.is_empty(),
        "object matrix violations:\n{}",
        wrong.join("\n")
    );
}

async fn run_matrix(app: TestApp) {
    let store = &app.db.store;
    // it_support is handled by the team `it`.
    let viewer = create_user(store, "viewer@example.com", Role::Viewer, &["it"]).await;
    let outside = create_user(store, "outside@example.com", Role::Agent, &["facilities"]).await;
    let inside = create_user(store, "inside@example.com", Role::Agent, &["it"]).await;
    let admin2 = create_user(store, "admin2@example.com", Role::Admin, &[]).await;
    let mut callers = Vec::new();
    for who in EVERYONE {
        let caller = match who {
            Who::Anonymous => Caller {
                who,
                user_id: None,
                bearer: None,
                cookie: None,
            },
            Who::Viewer | Who::AgentOutside | Who::AgentInside | Who::Admin => {
                let (id, email) = match who {
                    Who::Viewer => (viewer, "viewer@example.com"),
                    Who::AgentOutside => (outside, "outside@example.com"),
                    Who::AgentInside => (inside, "inside@example.com"),
                    _ => (admin2, "admin2@example.com"),
                };
                Caller {
                    who,
                    user_id: Some(id),
                    bearer: None,
                    cookie: Some(login(&app, email).await),
                }
            }
            // Tokens of an admin: what they may do is decided by their scope.
            Who::ReadToken => Caller {
                who,
                user_id: Some(admin2),
                bearer: Some(token_for(store, admin2, &[Scope::Read]).await),
                cookie: None,
            },
            Who::WriteToken => Caller {
                who,
                user_id: Some(admin2),
                bearer: Some(token_for(store, admin2, &[Scope::Write]).await),
                cookie: None,
            },
        };
        callers.push(caller);
    }
    let ticket = create_ticket(&app).await;

    let doc: Value = serde_json::from_str(&docket_server::api::openapi_json()).unwrap();
    let rules = rules();
    let mut missing = Vec::new();
    let mut wrong = Vec::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            operations += 1;
            let Some(rule) = rules.get(&(method.as_str(), path.as_str())).copied() else {
                missing.push(format!("{method} {path}"));
                continue;
            };
            let mut public_statuses = Vec::new();
            for caller in &callers {
                let status = call(&app, caller, &method, path, &ticket).await.as_u16();
                let ok = match (rule, expected(rule, caller.who)) {
                    // Public: identity plays no part (checked below); a refusal such as
                    // "setup is done" is the same for everyone.
                    (Rule::Public, _) => status != 401,
                    (_, Ok(())) => {
                        status != 401
                            && status != 403
                            && !(status == 404
                                && (path.contains("{key}") || path.starts_with("/requesters/{id}")))
                    }
                    (_, Err(code)) => status == code,
                };
                if matches!(rule, Rule::Public) {
                    public_statuses.push(status);
                }
                if !ok {
                    wrong.push(format!(
                        "{method} {path} as {:?}: got {status}, expected {:?}",
                        caller.who,
                        expected(rule, caller.who)
                    ));
                }
            }
            if matches!(rule, Rule::Public) && public_statuses.windows(2).any(|w| w[0] != w[1]) {
                wrong.push(format!(
                    "{method} {path} is public but answers by caller: {public_statuses:?}"
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "operations without a rule in the authorization table: {missing:#?}"
    );
    assert!(
        wrong.is_empty(),
        "authorization matrix violations:\n{}",
        wrong.join("\n")
    );
    assert_eq!(
        operations,
        rules.len(),
        "the table has rules for operations that no longer exist"
    );
    run_object_matrix(&app, &callers).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_matrix_sqlite() {
    run_matrix(TestApp::new(docket_store::Backend::Sqlite).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorization_matrix_postgres() {
    run_matrix(TestApp::new(docket_store::Backend::Postgres).await).await;
}
