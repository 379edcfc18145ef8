//! Inbound webhooks on both backends: an admin's source, signed deliveries that become
//! tickets (once per reference, however often and however concurrently they arrive),
//! every way a delivery is refused (and that a refused one writes nothing), the mapping
//! checks, the delivery log, secret rotation, and who may see any of it.

mod common;

use common::*;
use docket_core::access::Role;
use docket_core::intake::signature::{sign_docket, sign_github};
use reqwest::Response;
use serde_json::{Value, json};

/// Request headers, by name.
type Headers = Vec<(&'static str, String)>;

fn alert_source() -> Value {
    json!({
        "slug": "alerts",
        "name": "Alertmanager",
        "ticket_type": "it_support",
        "mapping": {
            "title": {"pointer": "/alert/title"},
            "body": {"pointer": "/alert/description"},
            "source_ref": {"pointer": "/alert/fingerprint"},
            "requester_email": {"pointer": "/alert/owner"},
            "requester_name": {"value": "Monitoring"},
            "priority": {"pointer": "/alert/severity", "map": {"critical": "P0", "warning": "P2"}},
            "tags": {"value": ["monitoring"]},
            "fields": {
                "category": {"value": "network"},
                "impact": {"pointer": "/alert/impact", "value": "team"},
                "application": {"pointer": "/alert/service"},
                "affected_users": {"pointer": "/alert/hosts"}
            },
            "comment": {"pointer": "/alert/status_text"}
        }
    })
}

fn alert(fingerprint: &str, status_text: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({"alert": {
        "title": "Disk almost full on db-1",
        "description": "/var is at 97%",
        "fingerprint": fingerprint,
        "owner": "ops@example.com",
        "severity": "critical",
        "service": "postgres",
        "hosts": 3,
        "status_text": status_text
    }}))
    .unwrap()
}

/// Create a source as the admin; its secret is in this answer only.
async fn create_source(app: &TestApp, body: &Value) -> String {
    let r = app.post("/intake/webhooks", body).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let created: Value = r.json().await.unwrap();
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(
        created["source"]["endpoint"],
        format!("/api/v1/intake/webhooks/{}", body["slug"].as_str().unwrap())
    );
    secret
}

fn now(app: &TestApp) -> i64 {
    app.db.store.clock().now().timestamp()
}

/// A delivery signed with the `docket` scheme at `timestamp`.
async fn deliver_at(
    app: &TestApp,
    slug: &str,
    secret: &str,
    body: &[u8],
    timestamp: i64,
) -> Response {
    let ts = timestamp.to_string();
    app.anonymous
        .post(app.url(&format!("/intake/webhooks/{slug}")))
        .header("content-type", "application/json")
        .header("x-docket-timestamp", &ts)
        .header(
            "x-docket-signature",
            sign_docket(secret.as_bytes(), &ts, body),
        )
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

async fn deliver(app: &TestApp, slug: &str, secret: &str, body: &[u8]) -> Response {
    deliver_at(app, slug, secret, body, now(app)).await
}

async fn deliver_github(
    app: &TestApp,
    slug: &str,
    secret: &str,
    body: &[u8],
    id: &str,
) -> Response {
    app.anonymous
        .post(app.url(&format!("/intake/webhooks/{slug}")))
        .header("content-type", "application/json")
        .header("x-github-event", "issues")
        .header("x-github-delivery", id)
        .header("x-hub-signature-256", sign_github(secret.as_bytes(), body))
        .body(body.to_vec())
        .send()
        .await
        .unwrap()
}

/// The webhook tickets of it_support with this source reference.
async fn tickets_with_ref(app: &TestApp, source_ref: &str) -> Vec<Value> {
    let page: Value = app
        .get("/tickets?type=it_support&limit=200")
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["source_ref"] == source_ref)
        .cloned()
        .collect()
}

async fn ticket_count(app: &TestApp) -> usize {
    let page: Value = app
        .get("/tickets?type=it_support&limit=200")
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().len()
}

async fn log(app: &TestApp, slug: &str) -> Vec<Value> {
    let page = json_of(
        app.get(&format!("/intake/webhooks/{slug}/deliveries"))
            .await,
        200,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

api_test!(
    an_alert_becomes_a_ticket_with_its_fields_and_priority,
    |app| async move {
        let secret = create_source(&app, &alert_source()).await;
        let receipt = json_of(
            deliver(&app, "alerts", &secret, &alert("fp-1", "firing")).await,
            201,
        )
        .await;
        assert_eq!(receipt["replayed"], false);
        let key = receipt["ticket"].as_str().unwrap();
        let t = json_of(app.get(&format!("/tickets/{key}")).await, 200).await;
        assert_eq!(t["type"], "it_support");
        assert_eq!(t["title"], "Disk almost full on db-1");
        assert_eq!(t["body"], "/var is at 97%");
        assert_eq!(t["source"], "webhook");
        assert_eq!(t["source_ref"], "alerts:fp-1");
        assert_eq!(t["priority"], "P0");
        assert_eq!(t["tags"], json!(["monitoring"]));
        assert_eq!(t["requester"]["email"], "ops@example.com");
        assert_eq!(t["fields"]["category"], "network");
        assert_eq!(t["fields"]["impact"], "team");
        assert_eq!(t["fields"]["application"], "postgres");
        assert_eq!(t["fields"]["affected_users"], 3);

        // The secret is sealed: no read of the source shows it, the secrets list says it is set.
        let listed = app.get("/intake/webhooks").await.text().await.unwrap();
        let one = app
            .get("/intake/webhooks/alerts")
            .await
            .text()
            .await
            .unwrap();
        assert!(!listed.contains(&secret) && !one.contains(&secret));
        let secrets = json_of(app.get("/secrets").await, 200).await;
        assert!(
            secrets
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["name"].as_str().unwrap().starts_with("intake.webhook.")),
            "{secrets}"
        );

        let entries = log(&app, "alerts").await;
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0]["outcome"], "created");
        assert_eq!(entries[0]["status"], 201);
        assert_eq!(entries[0]["ticket_key"], key);
    }
);

api_test!(
    a_redelivery_finds_the_ticket_and_adds_new_text_once,
    |app| async move {
        let secret = create_source(&app, &alert_source()).await;
        let first = json_of(
            deliver(&app, "alerts", &secret, &alert("fp-2", "firing")).await,
            201,
        )
        .await;
        let key = first["ticket"].as_str().unwrap().to_string();

        assert_eq!(first["comment_added"], true);
        // The same delivery again: the same ticket, nothing added.
        let again = json_of(
            deliver(&app, "alerts", &secret, &alert("fp-2", "firing")).await,
            200,
        )
        .await;
        assert_eq!(again["ticket"], key.as_str());
        assert_eq!(again["replayed"], true);
        assert_eq!(again["comment_added"], false);
        let resolved = json_of(
            deliver(&app, "alerts", &secret, &alert("fp-2", "resolved")).await,
            200,
        )
        .await;
        assert_eq!(resolved["comment_added"], true);
        let resolved_again = json_of(
            deliver(&app, "alerts", &secret, &alert("fp-2", "resolved")).await,
            200,
        )
        .await;
        assert_eq!(resolved_again["comment_added"], false);
        let comments = json_of(app.get(&format!("/tickets/{key}/comments")).await, 200).await;
        let bodies: Vec<&str> = comments["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["body"].as_str().unwrap())
            .collect();
        assert_eq!(bodies, ["firing", "resolved"]);
        assert_eq!(comments["items"][0]["kind"], "internal");
        assert_eq!(tickets_with_ref(&app, "alerts:fp-2").await.len(), 1);

        // Eight deliveries of a new reference at once: one ticket, one 201.
        let body = alert("fp-burst", "firing");
        let sends = (0..8).map(|_| deliver(&app, "alerts", &secret, &body));
        let answers = futures::future::join_all(sends).await;
        let mut created = 0;
        let mut keys = std::collections::BTreeSet::new();
        for r in answers {
            let status = r.status().as_u16();
            let receipt: Value = r.json().await.unwrap();
            assert!(status == 201 || status == 200, "{status} {receipt}");
            created += usize::from(status == 201);
            keys.insert(receipt["ticket"].as_str().unwrap().to_string());
        }
        assert_eq!(created, 1);
        assert_eq!(keys.len(), 1, "{keys:?}");
        assert_eq!(tickets_with_ref(&app, "alerts:fp-burst").await.len(), 1);
        let outcomes: Vec<String> = log(&app, "alerts")
            .await
            .iter()
            .map(|e| e["outcome"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(outcomes.iter().filter(|o| *o == "created").count(), 2);
        assert_eq!(outcomes.len(), 12);
    }
);

api_test!(
    a_github_issue_arrives_with_the_github_scheme,
    |app| async move {
        let secret = create_source(
        &app,
        &json!({
            "slug": "github-issues",
            "name": "GitHub issues",
            "ticket_type": "it_support",
            "scheme": "github",
            "mapping": {
                "title": {"pointer": "/issue/title"},
                "body": {"pointer": "/issue/body"},
                "source_ref": {"pointer": "/issue/id"},
                "requester_name": {"pointer": "/sender/login"},
                "tags": {"value": "github"},
                "fields": {"category": {"value": "software"}, "application": {"pointer": "/repository/full_name"}}
            }
        }),
    )
    .await;
        let issue = serde_json::to_vec(&json!({
        "action": "opened",
        "issue": {"id": 1_234_567_890u64, "number": 7, "title": "Login page 500s", "body": "Since the deploy."},
        "repository": {"full_name": "acme/portal"},
        "sender": {"login": "octocat"}
    }))
    .unwrap();
        let receipt = json_of(
            deliver_github(&app, "github-issues", &secret, &issue, "d-1").await,
            201,
        )
        .await;
        let key = receipt["ticket"].as_str().unwrap();
        let t = json_of(app.get(&format!("/tickets/{key}")).await, 200).await;
        assert_eq!(t["source_ref"], "github-issues:1234567890");
        assert_eq!(t["tags"], json!(["github"]));
        assert_eq!(t["fields"]["application"], "acme/portal");
        // A name without an email names nobody.
        assert!(t["requester"].is_null(), "{t}");

        // The same delivery id again is a replay, refused; a new delivery of the issue finds it.
        let replay = problem(
            deliver_github(&app, "github-issues", &secret, &issue, "d-1").await,
            401,
        )
        .await;
        assert!(
            replay["detail"].as_str().unwrap().starts_with("replay:"),
            "{replay}"
        );
        let edited = json_of(
            deliver_github(&app, "github-issues", &secret, &issue, "d-2").await,
            200,
        )
        .await;
        assert_eq!(edited["ticket"], key);
        // The docket scheme's headers mean nothing to a github source.
        let ts = now(&app).to_string();
        let wrong_scheme = app
            .anonymous
            .post(app.url("/intake/webhooks/github-issues"))
            .header("x-docket-timestamp", &ts)
            .header(
                "x-docket-signature",
                sign_docket(secret.as_bytes(), &ts, &issue),
            )
            .header("x-github-delivery", "d-3")
            .body(issue.clone())
            .send()
            .await
            .unwrap();
        problem(wrong_scheme, 401).await;
    }
);

api_test!(
    forged_stale_replayed_and_unsigned_deliveries_write_nothing,
    |app| async move {
        let secret = create_source(&app, &alert_source()).await;
        let before = ticket_count(&app).await;
        let body = alert("fp-forged", "firing");
        let url = app.url("/intake/webhooks/alerts");
        let ts = now(&app).to_string();
        let send = |headers: Headers| {
            let mut r = app.anonymous.post(&url).body(body.clone());
            for (k, v) in headers {
                r = r.header(k, v);
            }
            r.send()
        };
        let cases: Vec<(&str, Headers, &str)> = vec![
            (
                "forged",
                vec![
                    ("x-docket-timestamp", ts.clone()),
                    ("x-docket-signature", format!("v1={}", "ab".repeat(32))),
                ],
                "signature:",
            ),
            (
                "wrong secret",
                vec![
                    ("x-docket-timestamp", ts.clone()),
                    (
                        "x-docket-signature",
                        sign_docket(b"whsec_not_it", &ts, &body),
                    ),
                ],
                "signature:",
            ),
            (
                "missing timestamp",
                vec![(
                    "x-docket-signature",
                    sign_docket(secret.as_bytes(), &ts, &body),
                )],
                "signature: the X-Docket-Timestamp",
            ),
            (
                "missing signature",
                vec![("x-docket-timestamp", ts.clone())],
                "signature: the X-Docket-Signature",
            ),
            (
                "malformed",
                vec![
                    ("x-docket-timestamp", ts.clone()),
                    ("x-docket-signature", "sha1=abc".into()),
                ],
                "signature:",
            ),
            ("nothing", vec![], "signature:"),
        ];
        for (name, headers, detail) in cases {
            let p = problem(send(headers).await.unwrap(), 401).await;
            assert!(
                p["detail"].as_str().unwrap().starts_with(detail),
                "{name}: {p}"
            );
        }
        for skew in [-301, 301, -3600] {
            let p = problem(
                deliver_at(&app, "alerts", &secret, &body, now(&app) + skew).await,
                401,
            )
            .await;
            assert!(
                p["detail"].as_str().unwrap().starts_with("timestamp:"),
                "{p}"
            );
        }
        // A body changed after signing.
        let signed_ts = now(&app).to_string();
        let tampered = app
            .anonymous
            .post(&url)
            .header("x-docket-timestamp", &signed_ts)
            .header(
                "x-docket-signature",
                sign_docket(secret.as_bytes(), &signed_ts, &body),
            )
            .body(alert("fp-forged", "tampered"))
            .send()
            .await
            .unwrap();
        problem(tampered, 401).await;
        assert_eq!(ticket_count(&app).await, before);
        let entries = log(&app, "alerts").await;
        assert_eq!(entries.len(), 10);
        assert!(
            entries
                .iter()
                .all(|e| e["outcome"] == "refused" && e["status"] == 401)
        );
        // No requester was made either.
        let people = json_of(app.get("/requesters?q=ops%40example.com").await, 200).await;
        assert_eq!(people["items"].as_array().unwrap().len(), 0, "{people}");
    }
);

api_test!(
    github_deliveries_without_an_id_or_signature_are_refused,
    |app| async move {
        let mut source = alert_source();
        source["slug"] = json!("gh");
        source["scheme"] = json!("github");
        let secret = create_source(&app, &source).await;
        let body = alert("fp-gh", "firing");
        let no_id = app
            .anonymous
            .post(app.url("/intake/webhooks/gh"))
            .header("x-hub-signature-256", sign_github(secret.as_bytes(), &body))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let p = problem(no_id, 401).await;
        assert!(
            p["detail"].as_str().unwrap().contains("X-GitHub-Delivery"),
            "{p}"
        );
        let unsigned = app
            .anonymous
            .post(app.url("/intake/webhooks/gh"))
            .header("x-github-delivery", "d-9")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let p = problem(unsigned, 401).await;
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .contains("X-Hub-Signature-256"),
            "{p}"
        );
        // A refused delivery's id is not spent: the real one goes through.
        json_of(deliver_github(&app, "gh", &secret, &body, "d-9").await, 201).await;
    }
);

api_test!(
    unknown_and_disabled_sources_are_not_found_alike,
    |app| async move {
        let secret = create_source(&app, &alert_source()).await;
        let unknown = problem(deliver(&app, "nope", &secret, &alert("x", "y")).await, 404).await;
        let mut disabled = alert_source();
        disabled["enabled"] = json!(false);
        let r = app
            .client
            .put(app.url("/intake/webhooks/alerts"))
            .json(&disabled)
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(r, 200).await["enabled"], false);
        let off = problem(
            deliver(&app, "alerts", &secret, &alert("x", "y")).await,
            404,
        )
        .await;
        assert_eq!(unknown["detail"], off["detail"]);
        assert!(log(&app, "alerts").await.is_empty());
    }
);

api_test!(
    an_invalid_mapping_is_refused_with_pointers,
    |app| async move {
        let mut bad = alert_source();
        bad["mapping"]["priority"]["map"]["critical"] = json!("P9");
        let p = problem(app.post("/intake/webhooks", &bad).await, 422).await;
        assert_eq!(pointers(&p), ["/mapping/priority/map/critical"], "{p}");

        let mut bad = alert_source();
        bad["mapping"]["fields"]["severty"] = json!({"pointer": "/alert/severity"});
        bad["mapping"]["fields"]
            .as_object_mut()
            .unwrap()
            .remove("category");
        bad["mapping"]["title"] = json!({"pointer": "alert/title"});
        bad["mapping"]["fields"]["affected_users"] = json!({"value": "many"});
        bad["slug"] = json!("Not A Slug");
        let p = problem(app.post("/intake/webhooks", &bad).await, 422).await;
        assert_eq!(
            pointers(&p),
            [
                "/slug",
                "/mapping/title/pointer",
                "/mapping/fields/affected_users/value",
                "/mapping/fields/severty",
                "/mapping/fields",
            ],
            "{p}"
        );
        let mut bad = alert_source();
        bad["ticket_type"] = json!("no_such_type");
        let p = problem(app.post("/intake/webhooks", &bad).await, 422).await;
        assert_eq!(pointers(&p), ["/ticket_type"]);
        // A slug is one source's.
        create_source(&app, &alert_source()).await;
        problem(app.post("/intake/webhooks", &alert_source()).await, 409).await;
        assert_eq!(
            json_of(app.get("/intake/webhooks").await, 200).await["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
    }
);

api_test!(
    a_payload_the_type_refuses_names_field_and_pointer_and_writes_nothing,
    |app| async move {
        let secret = create_source(&app, &alert_source()).await;
        let before = ticket_count(&app).await;
        let mut payload: Value = serde_json::from_slice(&alert("fp-bad", "firing")).unwrap();
        payload["alert"]["impact"] = json!("galaxy");
        payload["alert"]["hosts"] = json!(0);
        let body = serde_json::to_vec(&payload).unwrap();
        let p = problem(deliver(&app, "alerts", &secret, &body).await, 422).await;
        let mut named = pointers(&p);
        named.sort();
        assert_eq!(named, ["/fields/affected_users", "/fields/impact"], "{p}");
        let message = |pointer: &str| {
            p["errors"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["pointer"] == pointer)
                .unwrap()["message"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert!(message("/fields/impact").contains("`/alert/impact`"), "{p}");
        assert!(
            message("/fields/affected_users").contains("`/alert/hosts`"),
            "{p}"
        );

        // Nothing the mapping can use: named by the payload pointer too.
        let empty = serde_json::to_vec(&json!({"alert": {"fingerprint": {"a": 1}}})).unwrap();
        let p = problem(deliver(&app, "alerts", &secret, &empty).await, 422).await;
        assert_eq!(pointers(&p), ["/source_ref", "/title"], "{p}");
        assert!(
            p["errors"][1]["message"]
                .as_str()
                .unwrap()
                .contains("/alert/title")
        );
        let p = problem(deliver(&app, "alerts", &secret, b"not json").await, 400).await;
        assert!(p["detail"].as_str().unwrap().contains("not JSON"));

        assert_eq!(ticket_count(&app).await, before);
        let people = json_of(app.get("/requesters?q=ops%40example.com").await, 200).await;
        assert_eq!(people["items"].as_array().unwrap().len(), 0, "{people}");
        let entries = log(&app, "alerts").await;
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[2]["outcome"], "invalid");
        assert_eq!(entries[2]["status"], 422);
        assert!(
            entries[2]["errors"].to_string().contains("/fields/impact"),
            "{entries:?}"
        );
        // Fixed at the sender, the same reference goes through.
        json_of(
            deliver(&app, "alerts", &secret, &alert("fp-bad", "firing")).await,
            201,
        )
        .await;
    }
);

api_test!(a_rotated_secret_replaces_the_old_one, |app| async move {
    let old = create_source(&app, &alert_source()).await;
    let r = app
        .client
        .post(app.url("/intake/webhooks/alerts/rotate-secret"))
        .send()
        .await
        .unwrap();
    let rotated = json_of(r, 200).await;
    let new = rotated["secret"].as_str().unwrap();
    assert_ne!(new, old);
    problem(
        deliver(&app, "alerts", &old, &alert("fp-r", "firing")).await,
        401,
    )
    .await;
    json_of(
        deliver(&app, "alerts", new, &alert("fp-r", "firing")).await,
        201,
    )
    .await;
    // Deleting the source takes its secret, log and URL with it; its ticket stays.
    let r = app
        .client
        .delete(app.url("/intake/webhooks/alerts"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    problem(
        deliver(&app, "alerts", new, &alert("fp-r2", "firing")).await,
        404,
    )
    .await;
    let secrets = json_of(app.get("/secrets").await, 200).await;
    assert!(
        !secrets.to_string().contains("intake.webhook."),
        "{secrets}"
    );
    assert_eq!(tickets_with_ref(&app, "alerts:fp-r").await.len(), 1);
});

api_test!(agents_never_see_sources_or_logs, |app| async move {
    create_source(&app, &alert_source()).await;
    let agent = Side::new(&app, "agent@example.com", Role::Agent, "it").await;
    for path in [
        "/intake/webhooks",
        "/intake/webhooks/alerts",
        "/intake/webhooks/alerts/deliveries",
    ] {
        problem(agent.get(&app, path).await, 403).await;
    }
    problem(
        agent
            .post(&app, "/intake/webhooks/alerts/rotate-secret", &json!({}))
            .await,
        403,
    )
    .await;
    problem(
        agent.post(&app, "/intake/webhooks", &alert_source()).await,
        403,
    )
    .await;
    problem(agent.delete(&app, "/intake/webhooks/alerts").await, 403).await;
    // An agent's token is no signature: the receiving endpoint ignores who calls.
    let r = agent
        .client
        .post(app.url("/intake/webhooks/alerts"))
        .body(alert("fp-a", "firing"))
        .send()
        .await
        .unwrap();
    problem(r, 401).await;
});

api_test!(
    a_webhook_ticket_stays_within_its_types_teams,
    |app| async move {
        let secret = create_source(&app, &alert_source()).await;
        let receipt = json_of(
            deliver(&app, "alerts", &secret, &alert("fp-iso", "firing")).await,
            201,
        )
        .await;
        let key = receipt["ticket"].as_str().unwrap();
        let inside = Side::new(&app, "inside@example.com", Role::Agent, "it").await;
        let outside = Side::new(&app, "outside@example.com", Role::Agent, "facilities").await;
        let seen = json_of(inside.get(&app, &format!("/tickets/{key}")).await, 200).await;
        let requester = seen["requester"]["id"].as_i64().unwrap();
        problem(outside.get(&app, &format!("/tickets/{key}")).await, 404).await;
        problem(
            outside.get(&app, &format!("/requesters/{requester}")).await,
            404,
        )
        .await;
        // The receipt tells the sender the key and nothing of the ticket.
        assert_eq!(receipt.as_object().unwrap().len(), 3, "{receipt}");
    }
);

api_test!(
    refused_deliveries_from_one_address_are_throttled,
    |app| async move {
        let secret = create_source(&app, &alert_source()).await;
        app.db.store.clock().freeze(chrono::Utc::now());
        let body = alert("fp-t", "firing");
        for _ in 0..10 {
            problem(deliver(&app, "alerts", "whsec_guess", &body).await, 401).await;
        }
        let r = deliver(&app, "alerts", "whsec_guess", &body).await;
        let retry_after: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(retry_after, 5);
        problem(r, 429).await;
        // The address waits, whoever signs: the throttle is per address and source.
        problem(deliver(&app, "alerts", &secret, &body).await, 429).await;
        // Throttled deliveries are not logged: a flood costs a read, not a write.
        assert_eq!(log(&app, "alerts").await.len(), 10);
        app.db.store.clock().advance(chrono::Duration::seconds(6));
        json_of(deliver(&app, "alerts", &secret, &body).await, 201).await;
    }
);
