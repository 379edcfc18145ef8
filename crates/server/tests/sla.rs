//! Workflows, SLA clocks and escalation end to end, on SQLite and PostgreSQL: an admin's
//! calendar and policy through the API, tickets' clocks under a frozen clock, escalation
//! sweeps, the outbox, the report and the errors.
//!
//! Every due time below is worked out by hand. The office calendar is Europe/Berlin, which
//! in November and December is UTC+1: "09:00 local" is 08:00Z.

mod common;

use chrono::{DateTime, Utc};
use common::*;
use docket_core::access::{Role, Scope};
use docket_store::sla::escalate::SweepOptions;
use reqwest::Response;
use serde_json::{Value, json};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// A time in a JSON body (null -> None).
fn ts(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str().map(at)
}

fn now_is(app: &TestApp, s: &str) {
    app.db.store.clock().freeze(at(s));
}

/// One escalation sweep; how many thresholds fired.
async fn sweep(app: &TestApp) -> usize {
    let out = app
        .db
        .store
        .sla_sweep(&SweepOptions {
            owner: "test".into(),
            lease: chrono::Duration::seconds(60),
            batch: 100,
        })
        .await
        .unwrap();
    assert_eq!(out.failed, 0, "{out:?}");
    out.fired
}

async fn put(app: &TestApp, path: &str, body: &Value) -> Response {
    app.client
        .put(app.url(path))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn ok_json(r: Response, status: u16) -> Value {
    let got = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

async fn patch(app: &TestApp, key: &str, body: Value) -> Response {
    app.client
        .patch(app.url(&format!("/tickets/{key}")))
        .header("If-Match", "*")
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn patch_ok(app: &TestApp, key: &str, body: Value) -> Value {
    ok_json(patch(app, key, body).await, 200).await
}

async fn comment(app: &TestApp, key: &str, author: &str, kind: &str) -> Response {
    app.post(
        &format!("/tickets/{key}/comments"),
        &json!({"kind": kind, "body": format!("{author} writes"), "author": author}),
    )
    .await
}

async fn reply(app: &TestApp, key: &str, author: &str) {
    let r = comment(app, key, author, "public").await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
}

async fn ticket(app: &TestApp, key: &str) -> Value {
    ok_json(app.get(&format!("/tickets/{key}")).await, 200).await
}

async fn sla(app: &TestApp, key: &str) -> Value {
    ok_json(app.get(&format!("/tickets/{key}/sla")).await, 200).await
}

/// The ticket's due times: (first response, next response, resolution).
type Due = (
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

fn due(t: &Value) -> Due {
    let s = &t["sla"];
    let out = (
        ts(&s["first_response_due_at"]),
        ts(&s["next_response_due_at"]),
        ts(&s["resolution_due_at"]),
    );
    // Every answer keeps the earliest running due time in step with the three.
    let earliest = [out.0, out.1, out.2].into_iter().flatten().min();
    assert_eq!(ts(&s["due_at"]), earliest, "due_at in {s}");
    out
}

fn dues(fr: Option<&str>, nr: Option<&str>, res: Option<&str>) -> Due {
    (fr.map(at), nr.map(at), res.map(at))
}

/// The clock of a metric and cycle in a GET /tickets/{key}/sla answer.
fn clock<'a>(sla: &'a Value, metric: &str, cycle: i64) -> &'a Value {
    sla["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["metric"] == metric && c["cycle"] == cycle)
        .unwrap_or_else(|| panic!("no {metric} clock {cycle} in {sla:#}"))
}

/// The clock events of one metric and cycle: (kind, at, reason).
fn clock_events(sla: &Value, metric: &str, cycle: i64) -> Vec<(String, DateTime<Utc>, String)> {
    sla["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["metric"] == metric && e["cycle"] == cycle)
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                ts(&e["at"]).unwrap(),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn ev(kind: &str, time: &str, reason: &str) -> (String, DateTime<Utc>, String) {
    (kind.to_string(), at(time), reason.to_string())
}

async fn notifications(app: &TestApp) -> Vec<Value> {
    let page = ok_json(app.get("/notifications?limit=100").await, 200).await;
    page["items"].as_array().unwrap().clone()
}

async fn events(app: &TestApp, key: &str) -> Vec<Value> {
    let page = ok_json(
        app.get(&format!("/tickets/{key}/events?limit=100")).await,
        200,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

fn laptop(title: &str) -> Value {
    json!({"type": "it_support", "title": title,
           "fields": {"category": "hardware", "device": "laptop", "asset_tag": "A-00042"}})
}

fn with(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

fn office_week(lunch_end: &str) -> Value {
    let day = json!([{"start": "09:00", "end": "12:00"}, {"start": lunch_end, "end": "17:00"}]);
    json!({"monday": day, "tuesday": day, "wednesday": day, "thursday": day, "friday": day})
}

// ---------------------------------------------------------------------------------------
// 1. Workflows
// ---------------------------------------------------------------------------------------

api_test!(workflows_through_the_api, |app| async move {
    now_is(&app, "2026-11-23T08:00:00Z");
    let wf = ok_json(app.get("/types/equipment_maintenance/workflow").await, 200).await;
    assert_eq!(wf["initial"], "new");
    let states: Vec<(&str, &str)> = wf["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["category"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("new", "new"),
            ("scheduled", "open"),
            ("in_repair", "open"),
            ("waiting_parts", "pending"),
            ("repaired", "solved"),
            ("closed", "closed"),
        ]
    );
    assert!(!wf["transitions"].as_array().unwrap().is_empty());
    let default = ok_json(app.get("/types/it_support/workflow").await, 200).await;
    let names: Vec<&str> = default["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["new", "open", "pending", "solved", "closed"]);
    problem(app.get("/types/nope/workflow").await, 404).await;

    let t = app
        .create(
            json!({"type": "equipment_maintenance", "title": "Chiller trips",
            "fields": {"asset_tag": "EQ-000123", "equipment_type": "hvac",
                       "location": "Plant 2, hall B", "operational_status": "down"}}),
        )
        .await;
    let key = t["key"].as_str().unwrap().to_string();
    assert_eq!(
        (t["status"].as_str(), t["status_category"].as_str()),
        (Some("new"), Some("new"))
    );

    // Not allowed: straight from new to repaired.
    let p = problem(patch(&app, &key, json!({"status": "repaired"})).await, 422).await;
    assert_eq!(pointers(&p), ["/status"]);
    let message = p["errors"][0]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "cannot move from `new` to `repaired`; allowed from `new`: scheduled, in_repair, closed"
    );
    // Nor an unknown state.
    let p = problem(patch(&app, &key, json!({"status": "open"})).await, 422).await;
    assert_eq!(pointers(&p), ["/status"]);
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("new, scheduled, in_repair, waiting_parts, repaired, closed"),
        "{p}"
    );

    for (status, category) in [
        ("scheduled", "open"),
        ("in_repair", "open"),
        ("waiting_parts", "pending"),
    ] {
        let t = patch_ok(&app, &key, json!({"status": status})).await;
        assert_eq!(
            (t["status"].as_str(), t["status_category"].as_str()),
            (Some(status), Some(category))
        );
    }
    // Waiting for parts is a pending state: the clocks are paused.
    let s = sla(&app, &key).await;
    assert_eq!(clock(&s, "resolution", 1)["phase"], "paused");
    assert_eq!(due(&ticket(&app, &key).await).2, None);
    // Parts arrive; the repair cannot be declared done before work resumes.
    let p = problem(patch(&app, &key, json!({"status": "repaired"})).await, 422).await;
    assert_eq!(
        p["errors"][0]["message"],
        "cannot move from `waiting_parts` to `repaired`; allowed from `waiting_parts`: scheduled, in_repair, closed"
    );
    for (status, category) in [
        ("in_repair", "open"),
        ("repaired", "solved"),
        // The repair did not hold: reopened.
        ("in_repair", "open"),
        ("repaired", "solved"),
        ("closed", "closed"),
    ] {
        let t = patch_ok(&app, &key, json!({"status": status})).await;
        assert_eq!(
            (t["status"].as_str(), t["status_category"].as_str()),
            (Some(status), Some(category))
        );
    }
    let t = ticket(&app, &key).await;
    assert!(t["resolved_at"].is_string() && t["closed_at"].is_string());
    // Closed is final here.
    let p = problem(patch(&app, &key, json!({"status": "in_repair"})).await, 422).await;
    assert_eq!(pointers(&p), ["/status"]);
    let statuses: Vec<Value> = events(&app, &key)
        .await
        .into_iter()
        .filter(|e| e["field"] == "status")
        .map(|e| e["new"].clone())
        .collect();
    assert_eq!(
        statuses,
        [
            "scheduled",
            "in_repair",
            "waiting_parts",
            "in_repair",
            "repaired",
            "in_repair",
            "repaired",
            "closed"
        ]
    );

    // The default workflow reopens solved tickets, and the resolution clock resumes.
    let t = app.create(laptop("Screen flickers")).await;
    let key = t["key"].as_str().unwrap().to_string();
    app.db.store.clock().advance(chrono::Duration::minutes(30));
    let t = patch_ok(&app, &key, json!({"status": "solved"})).await;
    assert_eq!(t["status_category"], "solved");
    assert_eq!(due(&t), (None, None, None));
    app.db.store.clock().advance(chrono::Duration::minutes(30));
    let t = patch_ok(&app, &key, json!({"status": "open"})).await;
    assert_eq!(t["status"], "open");
    assert_eq!(t["resolved_at"], Value::Null);
    // P2 under the default policy: 24 hours around the clock, 30 minutes already spent.
    // 09:00Z + 1410 minutes.
    assert_eq!(due(&t).2, Some(at("2026-11-24T08:30:00Z")));
    let s = sla(&app, &key).await;
    assert_eq!(
        clock_events(&s, "resolution", 1),
        [
            ev("start", "2026-11-23T08:00:00Z", "status new"),
            ev("stop", "2026-11-23T08:30:00Z", "status solved"),
            ev("resume", "2026-11-23T09:00:00Z", "status open"),
        ]
    );
    // Solved without an answer, the first response was cancelled; reopened, the
    // requester still waits for one: it counts again.
    assert_eq!(
        clock_events(&s, "first_response", 1),
        [
            ev("start", "2026-11-23T08:00:00Z", "status new"),
            ev("cancel", "2026-11-23T08:30:00Z", "status solved"),
            ev("resume", "2026-11-23T09:00:00Z", "status open"),
        ]
    );
    assert_eq!(clock(&s, "first_response", 1)["phase"], "running");
});

// ---------------------------------------------------------------------------------------
// 2. The admin's story
// ---------------------------------------------------------------------------------------

fn office_calendar() -> Value {
    json!({
        "time_zone": "Europe/Berlin",
        "week": office_week("13:00"),
        "holidays": [
            {"name": "Staff outing", "date": "2026-11-30"},
            {"name": "Founders' day", "yearly": "11-26"}
        ]
    })
}

const ICS: &str = "BEGIN:VCALENDAR\r\n\
VERSION:2.0\r\n\
PRODID:-//Docket tests//EN\r\n\
BEGIN:VEVENT\r\n\
UID:bridge@example.com\r\n\
DTSTART;VALUE=DATE:20261127\r\n\
DTEND;VALUE=DATE:20261128\r\n\
SUMMARY:Bridge day\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
UID:outing@example.com\r\n\
DTSTART;VALUE=DATE:20261130\r\n\
SUMMARY:Staff outing\r\n\
END:VEVENT\r\n\
END:VCALENDAR\r\n";

fn vip_policy() -> Value {
    json!({
        "description": "Acme's VIPs",
        "position": 10,
        "conditions": {"types": ["it_support"], "tags": ["vip"], "organizations": ["Acme"]},
        "targets": {
            "P1": {"first_response": 60, "next_response": 30, "resolution": 240},
            "P2": {"first_response": 120, "next_response": 60, "resolution": 480}
        },
        "calendar": "office",
        "warn_at_percent": 50,
        "still_breached_after": 60,
        "escalations": [
            {"on": "warning", "actions": [{"action": "notify", "to": ["assignee"]}]},
            {"on": "breach", "metrics": ["first_response"], "actions": [
                {"action": "reassign", "team": "tier2"},
                {"action": "notify", "to": ["team"]}
            ]},
            {"on": "still_breached", "actions": [
                {"action": "raise_priority"},
                {"action": "notify", "to": ["admins"]}
            ]}
        ]
    })
}

async fn import_ics(app: &TestApp, name: &str, text: &str) -> Response {
    app.client
        .post(app.url(&format!("/sla/calendars/{name}/import")))
        .header("content-type", "text/calendar")
        .body(text.to_string())
        .send()
        .await
        .unwrap()
}

api_test!(
    an_admin_sets_up_an_sla_and_watches_it_work,
    |app| async move {
        let store = &app.db.store;
        now_is(&app, "2026-11-25T08:00:00Z");
        let agent = create_user(store, "agent@example.com", Role::Agent, &["it"]).await;
        let tier2 = create_user(store, "tier2@example.com", Role::Agent, &["tier2"]).await;

        // The calendar, then one more holiday from an iCalendar file.
        let c = ok_json(
            put(&app, "/sla/calendars/office", &office_calendar()).await,
            201,
        )
        .await;
        assert_eq!(c["name"], "office");
        assert_eq!(c["spec"]["time_zone"], "Europe/Berlin");
        let r = import_ics(&app, "office", ICS).await;
        let imported = ok_json(r, 200).await;
        assert_eq!(
            (imported["imported"].as_u64(), imported["added"].as_u64()),
            (Some(2), Some(1))
        );
        let c = ok_json(app.get("/sla/calendars/office").await, 200).await;
        assert_eq!(
            c["spec"]["holidays"],
            json!([
                {"name": "Staff outing", "date": "2026-11-30"},
                {"name": "Founders' day", "yearly": "11-26"},
                {"name": "Bridge day", "date": "2026-11-27"}
            ])
        );

        let p = ok_json(put(&app, "/sla/policies/vip", &vip_policy()).await, 201).await;
        assert_eq!(
            (p["name"].as_str(), p["spec"]["warn_at_percent"].as_u64()),
            (Some("vip"), Some(50))
        );
        let names: Vec<String> = ok_json(app.get("/sla/policies").await, 200)
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(names, ["vip", "default"], "tried by position");

        // Wednesday 11:00 local: a VIP of Acme writes in.
        now_is(&app, "2026-11-25T10:00:00Z");
        let t = app
            .create(with(
                laptop("VPN down for the board"),
                json!({"tags": ["vip"], "assignee_id": agent,
                   "requester": {"email": "ceo@acme.example", "organization": "ACME"}}),
            ))
            .await;
        let key = t["key"].as_str().unwrap().to_string();
        assert_eq!(
            (t["priority"].as_str(), t["team"].as_str()),
            (Some("P2"), Some("it"))
        );
        // First response, 2 h: 11:00-12:00, lunch, 13:00-14:00 local. Resolution, 8 h: 6 h on
        // Wednesday... no: 1 h before lunch and 4 h after (5 h), then Thursday (yearly
        // holiday), Friday (imported holiday), the weekend and Monday (dated holiday) are
        // off, and Tuesday 09:00-12:00 gives the last 3 h.
        assert_eq!(
            due(&t),
            dues(
                Some("2026-11-25T13:00:00Z"),
                None,
                Some("2026-12-01T11:00:00Z")
            )
        );
        let s = sla(&app, &key).await;
        assert_eq!(
            (s["policy"].as_str(), s["calendar"].as_str()),
            (Some("vip"), Some("office"))
        );
        let fr = clock(&s, "first_response", 1);
        assert_eq!(fr["phase"], "running");
        assert_eq!(
            (
                fr["target_seconds"].as_i64(),
                fr["elapsed_seconds"].as_i64(),
                fr["remaining_seconds"].as_i64()
            ),
            (Some(7200), Some(0), Some(7200))
        );
        assert_eq!(ts(&fr["started_at"]), Some(at("2026-11-25T10:00:00Z")));
        assert_eq!(clock(&s, "resolution", 1)["target_seconds"], 28800);
        assert_eq!(
            s["clocks"].as_array().unwrap().len(),
            2,
            "no next response yet"
        );

        // 11:30 local: waiting on the requester. The clocks pause.
        now_is(&app, "2026-11-25T10:30:00Z");
        let t = patch_ok(&app, &key, json!({"status": "pending"})).await;
        assert_eq!(due(&t), (None, None, None));
        let s = sla(&app, &key).await;
        for metric in ["first_response", "resolution"] {
            let c = clock(&s, metric, 1);
            assert_eq!(c["phase"], "paused", "{metric}");
            assert_eq!(c["due_at"], Value::Null, "{metric}");
            assert_eq!(c["elapsed_seconds"], 1800, "{metric}");
        }
        // Time passes while paused; nothing counts.
        now_is(&app, "2026-11-25T12:00:00Z");
        assert_eq!(
            clock(&sla(&app, &key).await, "first_response", 1)["elapsed_seconds"],
            1800
        );

        // 13:30 local: back to open. 11:30-12:00 and 13:00-13:30 were paused, 60 business
        // minutes: every due time moves by exactly that.
        now_is(&app, "2026-11-25T12:30:00Z");
        let t = patch_ok(&app, &key, json!({"status": "open"})).await;
        assert_eq!(
            due(&t),
            dues(
                Some("2026-11-25T14:00:00Z"),
                None,
                Some("2026-12-01T13:00:00Z")
            )
        );
        let s = sla(&app, &key).await;
        assert_eq!(clock(&s, "first_response", 1)["phase"], "running");
        assert_eq!(
            clock_events(&s, "first_response", 1),
            [
                ev("start", "2026-11-25T10:00:00Z", "status new"),
                ev("pause", "2026-11-25T10:30:00Z", "status pending"),
                ev("resume", "2026-11-25T12:30:00Z", "status open"),
            ]
        );

        // Before the warning (at 50%: 60 minutes counted, 14:00 local) nothing fires.
        now_is(&app, "2026-11-25T12:45:00Z");
        assert_eq!(sweep(&app).await, 0);
        assert!(notifications(&app).await.is_empty());

        // After it, the warning fires once.
        now_is(&app, "2026-11-25T13:05:00Z");
        assert_eq!(sweep(&app).await, 1);
        assert_eq!(sweep(&app).await, 0, "a threshold fires once");
        let n = notifications(&app).await;
        assert_eq!(n.len(), 1);
        assert_eq!(n[0]["topic"], "sla.warning");
        assert_eq!(n[0]["ticket"], key.as_str());
        let payload = &n[0]["payload"];
        assert_eq!(
            (
                payload["metric"].as_str(),
                payload["threshold"].as_str(),
                payload["policy"].as_str()
            ),
            (Some("first_response"), Some("warning"), Some("vip"))
        );
        assert_eq!(ts(&payload["reached_at"]), Some(at("2026-11-25T13:00:00Z")));
        assert_eq!(payload["recipients"], json!(["assignee"]));
        assert_eq!(payload["user_ids"], json!([agent]));

        // The breach (15:00 local): the ticket goes to tier 2, whose members are told.
        now_is(&app, "2026-11-25T14:10:00Z");
        assert_eq!(sweep(&app).await, 1);
        assert_eq!(sweep(&app).await, 0);
        let t = ticket(&app, &key).await;
        assert_eq!(t["team"], "tier2");
        assert_eq!(t["priority"], "P2");
        let n = notifications(&app).await;
        assert_eq!(n.len(), 2);
        assert_eq!(n[1]["topic"], "sla.breach");
        assert_eq!(n[1]["payload"]["metric"], "first_response");
        assert_eq!(
            ts(&n[1]["payload"]["reached_at"]),
            Some(at("2026-11-25T14:00:00Z"))
        );
        assert_eq!(n[1]["payload"]["recipients"], json!(["team"]));
        assert_eq!(n[1]["payload"]["team"], "tier2");
        assert_eq!(n[1]["payload"]["user_ids"], json!([tier2]));
        let s = sla(&app, &key).await;
        let fr = clock(&s, "first_response", 1);
        assert_eq!(ts(&fr["breached_at"]), Some(at("2026-11-25T14:00:00Z")));
        assert_eq!(fr["remaining_seconds"], -600);

        // Still breached an hour of business time later (16:00 local): the priority goes
        // up and the admins hear of it.
        now_is(&app, "2026-11-25T14:55:00Z");
        assert_eq!(sweep(&app).await, 0);
        now_is(&app, "2026-11-25T15:05:00Z");
        assert_eq!(sweep(&app).await, 1);
        let t = ticket(&app, &key).await;
        assert_eq!(t["priority"], "P1");
        // Under P1 the first response was due after 60 minutes (14:00 local) and the
        // resolution after 4 hours: 30 minutes before the pause, 13:30-17:00 local after.
        assert_eq!(
            due(&t),
            dues(
                Some("2026-11-25T13:00:00Z"),
                None,
                Some("2026-11-25T16:00:00Z")
            )
        );
        let n = notifications(&app).await;
        assert_eq!(n.len(), 3);
        assert_eq!(n[2]["topic"], "sla.still_breached");
        assert_eq!(
            ts(&n[2]["payload"]["reached_at"]),
            Some(at("2026-11-25T15:00:00Z"))
        );
        assert_eq!(n[2]["payload"]["user_ids"], json!([app.admin_id]));
        assert_eq!(n[2]["payload"]["priority"], "P1");
        // The new resolution target's warning (2 h: 15:00 local) has already passed: the
        // next sweep fires it.
        assert_eq!(sweep(&app).await, 1);
        assert_eq!(sweep(&app).await, 0);
        let n = notifications(&app).await;
        assert_eq!(n.len(), 4);
        assert_eq!(
            (n[3]["topic"].as_str(), n[3]["payload"]["metric"].as_str()),
            (Some("sla.warning"), Some("resolution"))
        );
        assert_eq!(
            ts(&n[3]["payload"]["reached_at"]),
            Some(at("2026-11-25T14:00:00Z"))
        );
        let by_sla: Vec<(String, Value, Value)> = events(&app, &key)
            .await
            .into_iter()
            .filter(|e| e["actor"] == "sla")
            .map(|e| {
                (
                    e["field"].as_str().unwrap().to_string(),
                    e["old"].clone(),
                    e["new"].clone(),
                )
            })
            .collect();
        let fields: Vec<&str> = by_sla.iter().map(|(f, _, _)| f.as_str()).collect();
        assert_eq!(fields, ["sla", "sla", "team", "sla", "priority", "sla"]);
        assert_eq!(
            (by_sla[2].1.clone(), by_sla[2].2.clone()),
            (json!("it"), json!("tier2"))
        );
        assert_eq!(
            (by_sla[4].1.clone(), by_sla[4].2.clone()),
            (json!("P2"), json!("P1"))
        );
        assert_eq!(by_sla[0].2["threshold"], "warning");
        let escalations: Vec<(String, String, DateTime<Utc>)> =
            sla(&app, &key).await["escalations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    assert_eq!(e["superseded"], false);
                    assert_eq!(e["cycle"], 1);
                    (
                        e["metric"].as_str().unwrap().to_string(),
                        e["threshold"].as_str().unwrap().to_string(),
                        ts(&e["reached_at"]).unwrap(),
                    )
                })
                .collect();
        assert_eq!(
            escalations,
            [
                (
                    "first_response".into(),
                    "warning".into(),
                    at("2026-11-25T13:00:00Z")
                ),
                (
                    "first_response".into(),
                    "breach".into(),
                    at("2026-11-25T14:00:00Z")
                ),
                (
                    "first_response".into(),
                    "still_breached".into(),
                    at("2026-11-25T15:00:00Z")
                ),
                (
                    "resolution".into(),
                    "warning".into(),
                    at("2026-11-25T14:00:00Z")
                ),
            ]
        );

        // 16:15 local: the first public reply by staff. First response stops, breached.
        now_is(&app, "2026-11-25T15:15:00Z");
        // An internal note answers nobody.
        assert_eq!(comment(&app, &key, "staff", "internal").await.status(), 201);
        assert_eq!(ticket(&app, &key).await["first_response_at"], Value::Null);
        reply(&app, &key, "staff").await;
        let t = ticket(&app, &key).await;
        assert_eq!(
            ts(&t["first_response_at"]),
            Some(at("2026-11-25T15:15:00Z"))
        );
        assert_eq!(due(&t), dues(None, None, Some("2026-11-25T16:00:00Z")));
        let s = sla(&app, &key).await;
        let fr = clock(&s, "first_response", 1);
        assert_eq!(fr["phase"], "stopped");
        assert_eq!(ts(&fr["stopped_at"]), Some(at("2026-11-25T15:15:00Z")));
        assert_eq!(ts(&fr["breached_at"]), Some(at("2026-11-25T13:00:00Z")));
        // 30 minutes before the pause, 13:30-16:15 local after it.
        assert_eq!(fr["elapsed_seconds"], (30 + 165) * 60);
        assert_eq!(
            clock_events(&s, "first_response", 1).last().unwrap(),
            &ev("stop", "2026-11-25T15:15:00Z", "staff reply")
        );

        // 16:30 local: the requester answers: the next response is due in 30 minutes (P1).
        now_is(&app, "2026-11-25T15:30:00Z");
        reply(&app, &key, "requester").await;
        let t = ticket(&app, &key).await;
        assert_eq!(
            due(&t),
            dues(
                None,
                Some("2026-11-25T16:00:00Z"),
                Some("2026-11-25T16:00:00Z")
            )
        );
        assert_eq!(
            ts(&t["first_response_at"]),
            Some(at("2026-11-25T15:15:00Z"))
        );
        // 16:40 local: staff answer in time.
        now_is(&app, "2026-11-25T15:40:00Z");
        reply(&app, &key, "staff").await;
        let s = sla(&app, &key).await;
        let nr = clock(&s, "next_response", 1);
        assert_eq!(nr["phase"], "stopped");
        assert_eq!(
            (nr["elapsed_seconds"].as_i64(), nr["breached_at"].as_str()),
            (Some(600), None)
        );
        assert_eq!(due(&ticket(&app, &key).await).1, None);

        // 16:50 local: the requester again: cycle 2. Ten minutes today, then Thursday,
        // Friday, the weekend and Monday are off: due Tuesday 09:20 local.
        now_is(&app, "2026-11-25T15:50:00Z");
        reply(&app, &key, "requester").await;
        let t = ticket(&app, &key).await;
        assert_eq!(
            due(&t),
            dues(
                None,
                Some("2026-12-01T08:20:00Z"),
                Some("2026-11-25T16:00:00Z")
            )
        );
        let s = sla(&app, &key).await;
        let nr2 = clock(&s, "next_response", 2);
        assert_eq!(nr2["phase"], "running");
        assert_eq!(ts(&nr2["started_at"]), Some(at("2026-11-25T15:50:00Z")));
        assert_eq!(
            clock_events(&s, "next_response", 1),
            [
                ev("start", "2026-11-25T15:30:00Z", "requester reply"),
                ev("stop", "2026-11-25T15:40:00Z", "staff reply"),
            ]
        );

        // 16:55 local: solved, in time (235 of 240 minutes).
        now_is(&app, "2026-11-25T15:55:00Z");
        let t = patch_ok(&app, &key, json!({"status": "solved"})).await;
        assert_eq!(due(&t), (None, None, None));
        assert_eq!(ts(&t["resolved_at"]), Some(at("2026-11-25T15:55:00Z")));
        let s = sla(&app, &key).await;
        let res = clock(&s, "resolution", 1);
        assert_eq!(res["phase"], "stopped");
        assert_eq!(
            (res["elapsed_seconds"].as_i64(), res["breached_at"].as_str()),
            (Some(235 * 60), None)
        );
        assert_eq!(clock(&s, "next_response", 2)["phase"], "cancelled");

        // Nothing is left to fire, however late.
        now_is(&app, "2026-12-03T12:00:00Z");
        assert_eq!(sweep(&app).await, 0);
        assert_eq!(notifications(&app).await.len(), 4);

        // A requester's reply needs a requester.
        let other = app.create(laptop("No requester")).await;
        let p = problem(
            comment(&app, other["key"].as_str().unwrap(), "requester", "public").await,
            422,
        )
        .await;
        assert_eq!(pointers(&p), ["/author"]);

        // Agents see the notifications and clocks of the tickets they may see, and only
        // those.
        let it_agent = client_with_token(&token_for(store, agent, &[Scope::Read]).await);
        let page: Value = it_agent
            .get(app.url("/notifications"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 4);
        let r = it_agent
            .get(app.url(&format!("/tickets/{key}/sla")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let fixer = create_user(store, "fixer@example.com", Role::Agent, &["facilities"]).await;
        let fixer = client_with_token(&token_for(store, fixer, &[Scope::Read]).await);
        let page: Value = fixer
            .get(app.url("/notifications"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["items"], json!([]));
        let r = fixer
            .get(app.url(&format!("/tickets/{key}/sla")))
            .send()
            .await
            .unwrap();
        problem(r, 404).await;
        // Paged, oldest first.
        let page = ok_json(app.get("/notifications?limit=3").await, 200).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 3);
        let cursor = page["next_cursor"].as_str().unwrap();
        let rest = ok_json(
            app.get(&format!("/notifications?limit=3&cursor={cursor}"))
                .await,
            200,
        )
        .await;
        assert_eq!(rest["items"][0]["topic"], "sla.warning");
        assert_eq!(rest["items"][0]["payload"]["metric"], "resolution");
        assert_eq!(rest["next_cursor"], Value::Null);
    }
);

// ---------------------------------------------------------------------------------------
// 3. Which policy, and recomputing
// ---------------------------------------------------------------------------------------

api_test!(
    policy_selection_and_recomputed_due_times,
    |app| async move {
        now_is(&app, "2026-11-23T07:00:00Z");
        let mut cal = office_calendar();
        cal["holidays"] = json!([]);
        ok_json(put(&app, "/sla/calendars/office", &cal).await, 201).await;
        let mut policy = vip_policy();
        policy["targets"] = json!({
            "P1": {"first_response": 240, "resolution": 600},
            "P2": {"first_response": 120}
        });
        ok_json(put(&app, "/sla/policies/vip", &policy).await, 201).await;

        // Monday 09:00 local.
        now_is(&app, "2026-11-23T08:00:00Z");
        let acme = json!({"email": "ops@acme.example", "organization": "Acme"});
        let a = app
            .create(with(laptop("Acme, not tagged"), json!({"requester": acme})))
            .await;
        let b = app
            .create(with(laptop("Tagged, nobody's"), json!({"tags": ["vip"]})))
            .await;
        let c = app
            .create(
                json!({"type": "equipment_maintenance", "title": "Acme's forklift",
            "tags": ["vip"], "requester": acme,
            "fields": {"asset_tag": "EQ-000001", "equipment_type": "forklift",
                       "location": "Dock 1", "operational_status": "degraded"}}),
            )
            .await;
        let vip = app
            .create(with(
                laptop("Acme VIP"),
                json!({"tags": ["VIP"], "requester": acme}),
            ))
            .await;
        for t in [&a, &b, &c] {
            let s = sla(&app, t["key"].as_str().unwrap()).await;
            assert_eq!(
                (s["policy"].as_str(), s["calendar"].as_str()),
                (Some("default"), None),
                "{}",
                t["title"]
            );
            // P2 under the default: 4 h and 24 h around the clock.
            assert_eq!(
                due(t),
                dues(
                    Some("2026-11-23T12:00:00Z"),
                    None,
                    Some("2026-11-24T08:00:00Z")
                )
            );
        }
        let s = sla(&app, vip["key"].as_str().unwrap()).await;
        assert_eq!(s["policy"], "vip");
        // P2 under vip: 2 h of office time, no resolution target.
        assert_eq!(due(&vip), dues(Some("2026-11-23T10:00:00Z"), None, None));
        assert_eq!(clock(&s, "resolution", 1)["target_seconds"], Value::Null);

        let key = a["key"].as_str().unwrap().to_string();
        // A higher priority: 1 h and 8 h.
        now_is(&app, "2026-11-23T08:10:00Z");
        let t = patch_ok(&app, &key, json!({"priority": "P1"})).await;
        assert_eq!(
            due(&t),
            dues(
                Some("2026-11-23T09:00:00Z"),
                None,
                Some("2026-11-23T16:00:00Z")
            )
        );
        // Tagged vip now: the vip policy and its calendar. First response 4 h of office time:
        // 09:00-12:00 and 13:00-14:00 local. Resolution 10 h: 7 h on Monday, 3 h on Tuesday.
        now_is(&app, "2026-11-23T08:20:00Z");
        let t = patch_ok(&app, &key, json!({"tags": ["vip"]})).await;
        assert_eq!(
            due(&t),
            dues(
                Some("2026-11-23T13:00:00Z"),
                None,
                Some("2026-11-24T11:00:00Z")
            )
        );
        assert_eq!(sla(&app, &key).await["policy"], "vip");

        // The admin loosens the policy: open tickets follow.
        now_is(&app, "2026-11-23T08:30:00Z");
        policy["targets"]["P1"]["first_response"] = json!(300);
        let p = ok_json(put(&app, "/sla/policies/vip", &policy).await, 200).await;
        assert_eq!(p["spec"]["targets"]["P1"]["first_response"], 300);
        assert_eq!(
            due(&ticket(&app, &key).await),
            dues(
                Some("2026-11-23T14:00:00Z"),
                None,
                Some("2026-11-24T11:00:00Z")
            )
        );
        // ... and the lunch break becomes two hours (12:00-14:00 local).
        now_is(&app, "2026-11-23T08:40:00Z");
        cal["week"] = office_week("14:00");
        ok_json(put(&app, "/sla/calendars/office", &cal).await, 200).await;
        // 5 h: 09:00-12:00 and 14:00-16:00. 10 h: 6 h on Monday, 4 h on Tuesday (09:00-12:00,
        // 14:00-15:00).
        assert_eq!(
            due(&ticket(&app, &key).await),
            dues(
                Some("2026-11-23T15:00:00Z"),
                None,
                Some("2026-11-24T14:00:00Z")
            )
        );
        // The other vip ticket moved too: 2 h from 09:00 local.
        assert_eq!(
            due(&ticket(&app, vip["key"].as_str().unwrap()).await),
            dues(Some("2026-11-23T10:00:00Z"), None, None)
        );
        // Lists carry the same due times.
        let list = ok_json(
            app.get("/tickets?type=it_support&tag=vip&limit=50").await,
            200,
        )
        .await;
        let listed = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == key.as_str())
            .unwrap();
        assert_eq!(
            due(listed),
            dues(
                Some("2026-11-23T15:00:00Z"),
                None,
                Some("2026-11-24T14:00:00Z")
            )
        );
        // The tag goes: back to the default, around the clock, P1.
        let t = patch_ok(&app, &key, json!({"tags": []})).await;
        assert_eq!(
            due(&t),
            dues(
                Some("2026-11-23T09:00:00Z"),
                None,
                Some("2026-11-23T16:00:00Z")
            )
        );
        // A disabled policy selects nothing.
        policy["enabled"] = json!(false);
        ok_json(put(&app, "/sla/policies/vip", &policy).await, 200).await;
        let vip_key = vip["key"].as_str().unwrap();
        assert_eq!(sla(&app, vip_key).await["policy"], "default");
        assert_eq!(
            due(&ticket(&app, vip_key).await),
            dues(
                Some("2026-11-23T12:00:00Z"),
                None,
                Some("2026-11-24T08:00:00Z")
            )
        );
        // Deleted, likewise.
        policy["enabled"] = json!(true);
        ok_json(put(&app, "/sla/policies/vip", &policy).await, 200).await;
        assert_eq!(sla(&app, vip_key).await["policy"], "vip");
        let r = app
            .client
            .delete(app.url("/sla/policies/vip"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        assert_eq!(sla(&app, vip_key).await["policy"], "default");
        // With no policy using it, the calendar can go.
        let r = app
            .client
            .delete(app.url("/sla/calendars/office"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
        problem(app.get("/sla/calendars/office").await, 404).await;
    }
);

// ---------------------------------------------------------------------------------------
// 4. The report
// ---------------------------------------------------------------------------------------

/// (total, met, breached, met_rate, median_seconds, p90_seconds)
type Stats = (u64, u64, u64, Option<f64>, Option<f64>, Option<f64>);

fn stats(v: &Value) -> Stats {
    (
        v["total"].as_u64().unwrap(),
        v["met"].as_u64().unwrap(),
        v["breached"].as_u64().unwrap(),
        v["met_rate"].as_f64(),
        v["median_seconds"].as_f64(),
        v["p90_seconds"].as_f64(),
    )
}

const NONE: Stats = (0, 0, 0, None, None, None);

/// Each row's group and (first response, next response, resolution) figures.
fn rows(report: &Value) -> Vec<(String, Stats, Stats, Stats)> {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["group"].as_str().unwrap().to_string(),
                stats(&r["first_response"]),
                stats(&r["next_response"]),
                stats(&r["resolution"]),
            )
        })
        .collect()
}

api_test!(the_report_adds_up, |app| async move {
    let store = &app.db.store;
    let t0 = "2026-11-02T00:00:00Z";
    now_is(&app, t0);
    let ada = create_user(store, "ada@example.com", Role::Agent, &["it"]).await;
    let bob = create_user(store, "bob@example.com", Role::Agent, &["it"]).await;
    create_user(store, "carol@example.com", Role::Agent, &["tier2"]).await;

    // Under the default policy, around the clock: P0 15 min / 2 h, P1 1 h / 8 h,
    // P2 4 h / 24 h.
    let new = |title: &str, extra: Value| with(laptop(title), extra);
    let t1 = app
        .create(new("t1", json!({"priority": "P1", "assignee_id": ada})))
        .await;
    let t2 = app
        .create(new("t2", json!({"priority": "P1", "assignee_id": bob})))
        .await;
    let t3 = app
        .create(new(
            "t3",
            json!({"priority": "P1", "assignee_id": ada, "team": "tier2",
                                  "requester": {"email": "r@example.com"}}),
        ))
        .await;
    let t4 = app
        .create(new("t4", json!({"priority": "P2", "team": "tier2"})))
        .await;
    let t5 = app
        .create(new("t5", json!({"priority": "P0", "assignee_id": bob})))
        .await;
    // Created before the period: not counted.
    now_is(&app, "2026-11-01T12:00:00Z");
    let early = app.create(new("early", json!({"priority": "P3"}))).await;
    let key = |t: &Value| t["key"].as_str().unwrap().to_string();
    assert_eq!(key(&t5), "IT-5");

    let start = at(t0);
    let step = |minutes: i64| {
        app.db
            .store
            .clock()
            .freeze(start + chrono::Duration::minutes(minutes))
    };
    step(30);
    reply(&app, &key(&t1), "staff").await; // met, 1800 s
    step(45);
    reply(&app, &key(&t3), "staff").await; // met, 2700 s
    step(50);
    reply(&app, &key(&t3), "requester").await; // next response starts
    step(60);
    reply(&app, &key(&t4), "staff").await; // met, 3600 s (P2)
    step(70);
    reply(&app, &key(&t3), "staff").await; // next response met, 1200 s
    step(90);
    reply(&app, &key(&t2), "staff").await; // breached, 5400 s
    step(120);
    patch_ok(&app, &key(&t1), json!({"status": "solved"})).await; // met, 7200 s
    step(360);
    patch_ok(&app, &key(&t3), json!({"status": "solved"})).await; // met, 21600 s
    step(600);
    patch_ok(&app, &key(&t2), json!({"status": "solved"})).await; // breached, 36000 s
    patch_ok(&app, &key(&early), json!({"status": "solved"})).await;
    // 20 hours in: t5 (P0) never answered: both its clocks have breached. t4's
    // resolution (24 h) still runs in time: not counted.
    step(1200);

    let query = "/sla/report?from=2026-11-01T23:00:00Z&to=2026-11-03T00:00:00Z";
    let report = ok_json(app.get(&format!("{query}&group_by=priority")).await, 200).await;
    assert_eq!(report["group_by"], "priority");
    assert_eq!(ts(&report["from"]), Some(at("2026-11-01T23:00:00Z")));
    let third = Some(2.0 / 3.0);
    assert_eq!(
        rows(&report),
        [
            (
                "P0".to_string(),
                (1, 0, 1, Some(0.0), None, None),
                NONE,
                (1, 0, 1, Some(0.0), None, None)
            ),
            (
                "P1".to_string(),
                // 1800, 2700, 5400: p90 = 2700 + 0.8 × 2700.
                (3, 2, 1, third, Some(2700.0), Some(4860.0)),
                (1, 1, 0, Some(1.0), Some(1200.0), Some(1200.0)),
                // 7200, 21600, 36000: p90 = 21600 + 0.8 × 14400.
                (3, 2, 1, third, Some(21600.0), Some(33120.0))
            ),
            (
                "P2".to_string(),
                (1, 1, 0, Some(1.0), Some(3600.0), Some(3600.0)),
                NONE,
                NONE
            ),
        ]
    );
    let p1 = &report["rows"][1]["first_response"];
    assert_eq!(p1["breached_rate"].as_f64(), Some(1.0 / 3.0));
    let total = &report["total"];
    assert_eq!(total["group"], "total");
    // 1800, 2700, 3600, 5400: median 3150, p90 = 3600 + 0.7 × 1800.
    assert_eq!(
        stats(&total["first_response"]),
        (5, 3, 2, Some(0.6), Some(3150.0), Some(4860.0))
    );
    assert_eq!(
        stats(&total["resolution"]),
        (4, 2, 2, Some(0.5), Some(21600.0), Some(33120.0))
    );

    let report = ok_json(app.get(&format!("{query}&group_by=team")).await, 200).await;
    assert_eq!(
        rows(&report),
        [
            (
                "it".to_string(),
                // t1 met 1800, t2 breached 5400, t5 breached (running).
                (3, 1, 2, Some(1.0 / 3.0), Some(3600.0), Some(5040.0)),
                NONE,
                (3, 1, 2, Some(1.0 / 3.0), Some(21600.0), Some(33120.0))
            ),
            (
                "tier2".to_string(),
                // 2700, 3600: p90 = 2700 + 0.9 × 900.
                (2, 2, 0, Some(1.0), Some(3150.0), Some(3510.0)),
                (1, 1, 0, Some(1.0), Some(1200.0), Some(1200.0)),
                (1, 1, 0, Some(1.0), Some(21600.0), Some(21600.0))
            ),
        ]
    );

    let report = ok_json(app.get(&format!("{query}&group_by=assignee")).await, 200).await;
    assert_eq!(
        rows(&report),
        [
            (
                "(unassigned)".to_string(),
                (1, 1, 0, Some(1.0), Some(3600.0), Some(3600.0)),
                NONE,
                NONE
            ),
            (
                "ada@example.com".to_string(),
                // 1800, 2700 / 7200, 21600.
                (2, 2, 0, Some(1.0), Some(2250.0), Some(2610.0)),
                (1, 1, 0, Some(1.0), Some(1200.0), Some(1200.0)),
                (2, 2, 0, Some(1.0), Some(14400.0), Some(20160.0))
            ),
            (
                "bob@example.com".to_string(),
                (2, 0, 2, Some(0.0), Some(5400.0), Some(5400.0)),
                NONE,
                (2, 0, 2, Some(0.0), Some(36000.0), Some(36000.0))
            ),
        ]
    );

    let report = ok_json(app.get(&format!("{query}&group_by=type")).await, 200).await;
    assert_eq!(rows(&report).len(), 1);
    assert_eq!(report["rows"][0]["group"], "it_support");

    // The same as CSV.
    let r = app
        .get(&format!("{query}&group_by=priority&format=csv"))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(
        lines,
        [
            "priority,first_response_total,first_response_met,first_response_breached,\
             first_response_met_rate,first_response_median_seconds,first_response_p90_seconds,\
             next_response_total,next_response_met,next_response_breached,\
             next_response_met_rate,next_response_median_seconds,next_response_p90_seconds,\
             resolution_total,resolution_met,resolution_breached,resolution_met_rate,\
             resolution_median_seconds,resolution_p90_seconds,\
             satisfaction_responses,satisfaction_average,satisfaction_satisfied_rate,\
             satisfaction_rated_1,satisfaction_rated_2,satisfaction_rated_3,\
             satisfaction_rated_4,satisfaction_rated_5",
            "P0,1,0,1,0.0000,,,0,0,0,,,,1,0,1,0.0000,,,,,,,,,,",
            "P1,3,2,1,0.6667,2700,4860,1,1,0,1.0000,1200,1200,3,2,1,0.6667,21600,33120,,,,,,,,",
            "P2,1,1,0,1.0000,3600,3600,0,0,0,,,,0,0,0,,,,,,,,,,,",
            "",
        ]
    );
    // Accept: text/csv asks for it too.
    let r = app
        .client
        .get(app.url(&format!("{query}&group_by=team")))
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("team,"), "{csv}");
    assert_eq!(
        csv.split("\r\n").nth(2).unwrap().split(',').next(),
        Some("tier2")
    );

    // Bad queries.
    for (q, pointer) in [
        ("group_by=org", "/query/group_by"),
        ("format=xml", "/query/format"),
        ("from=yesterday", "/query/from"),
        (
            "from=2026-11-03T00:00:00Z&to=2026-11-02T00:00:00Z",
            "/query/from",
        ),
        ("colour=red", "/query/colour"),
    ] {
        let p = problem(app.get(&format!("/sla/report?{q}")).await, 400).await;
        assert_eq!(pointers(&p), [pointer], "{q}");
    }
    // Before anything happened: empty.
    let report = ok_json(
        app.get("/sla/report?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z")
            .await,
        200,
    )
    .await;
    assert_eq!(report["rows"], json!([]));
    assert_eq!(stats(&report["total"]["first_response"]), NONE);
});

// ---------------------------------------------------------------------------------------
// 5. Bad input
// ---------------------------------------------------------------------------------------

api_test!(bad_calendars_and_policies_are_refused, |app| async move {
    now_is(&app, "2026-11-23T08:00:00Z");
    // Overlapping intervals and an unknown time zone, reported together.
    let p = problem(
        put(
            &app,
            "/sla/calendars/bad",
            &json!({"time_zone": "Mars/Olympus", "week": {"monday": [
                {"start": "09:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]}}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(pointers(&p), ["/time_zone", "/week"]);
    assert!(
        p["errors"][1]["message"]
            .as_str()
            .unwrap()
            .contains("overlaps"),
        "{p}"
    );
    let p = problem(
        put(
            &app,
            "/sla/calendars/bad",
            &json!({"time_zone": "UTC", "week": {"monday": [{"start": "9:00", "end": "25:00"}]},
                    "holidays": [{"yearly": "02-30"}]}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        pointers(&p),
        [
            "/week/monday/0/start",
            "/week/monday/0/end",
            "/holidays/0/yearly"
        ]
    );
    // Unknown members are refused, not ignored.
    problem(
        put(
            &app,
            "/sla/calendars/bad",
            &json!({"time_zone": "UTC", "weekdays": {}}),
        )
        .await,
        422,
    )
    .await;
    problem(app.get("/sla/calendars/bad").await, 404).await;

    // Policies: a zero target; an unknown calendar; a name that contradicts the path.
    let p = problem(
        put(
            &app,
            "/sla/policies/fast",
            &json!({"targets": {"P1": {"first_response": 0}}}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(pointers(&p), ["/targets/P1/first_response"]);
    let p = problem(
        put(
            &app,
            "/sla/policies/fast",
            &json!({"targets": {"P1": {"first_response": 5}}, "calendar": "nope"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(pointers(&p), ["/calendar"]);
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("nope"));
    let p = problem(
        put(
            &app,
            "/sla/policies/fast",
            &json!({"name": "slow", "targets": {}}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(pointers(&p), ["/name"]);
    let p = problem(
        put(
            &app,
            "/sla/policies/fast",
            &json!({"targets": {}, "warn_at_percent": 0, "escalations": [
                {"on": "breach", "actions": [{"action": "reassign"}]}]}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        pointers(&p),
        ["/warn_at_percent", "/escalations/0/actions/0"]
    );
    problem(app.get("/sla/policies/fast").await, 404).await;

    // iCalendar: an unsupported recurrence, named by its line.
    ok_json(
        put(&app, "/sla/calendars/office", &office_calendar()).await,
        201,
    )
    .await;
    let weekly = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261207\r\n\
                  RRULE:FREQ=WEEKLY;BYDAY=MO\r\nSUMMARY:Mondays off\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let p = problem(import_ics(&app, "office", weekly).await, 422).await;
    let message = p["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("line 5: "), "{message}");
    assert!(
        message.contains("FREQ=WEEKLY") || message.contains("BYDAY"),
        "{message}"
    );
    assert!(p["detail"].as_str().unwrap().contains("line 5"), "{p}");
    // A file that is not iCalendar at all has no line to blame.
    let p = problem(import_ics(&app, "office", "").await, 422).await;
    assert_eq!(
        p["errors"][0]["message"],
        "no VCALENDAR found: this is not an iCalendar file"
    );
    let p = problem(import_ics(&app, "office", "Christmas: 12-25\n").await, 422).await;
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 1: "),
        "{p}"
    );
    // Nothing was imported.
    let c = ok_json(app.get("/sla/calendars/office").await, 200).await;
    assert_eq!(c["spec"]["holidays"].as_array().unwrap().len(), 2);
    // Not an iCalendar media type; no such calendar.
    let r = app
        .client
        .post(app.url("/sla/calendars/office/import"))
        .header("content-type", "text/plain")
        .body(ICS)
        .send()
        .await
        .unwrap();
    problem(r, 415).await;
    problem(import_ics(&app, "nowhere", ICS).await, 404).await;
    // Replacing instead of adding.
    let r = app
        .client
        .post(app.url("/sla/calendars/office/import?replace=true"))
        .header("content-type", "text/calendar")
        .body(ICS)
        .send()
        .await
        .unwrap();
    let imported = ok_json(r, 200).await;
    assert_eq!(
        imported["calendar"]["spec"]["holidays"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        imported["calendar"]["spec"]["holidays"][0]["date"],
        "2026-11-27"
    );

    // A calendar in use cannot be deleted.
    ok_json(put(&app, "/sla/policies/vip", &vip_policy()).await, 201).await;
    let r = app
        .client
        .delete(app.url("/sla/calendars/office"))
        .send()
        .await
        .unwrap();
    let p = problem(r, 409).await;
    assert!(p["detail"].as_str().unwrap().contains("vip"), "{p}");
    assert!(app.get("/sla/calendars/office").await.status().is_success());

    // Only admins change SLA settings; agents may read them.
    let agent = create_user(&app.db.store, "agent@example.com", Role::Agent, &["it"]).await;
    let token = token_for(&app.db.store, agent, &[Scope::Write]).await;
    let as_agent = client_with_token(&token);
    for (path, body) in [
        ("/sla/calendars/office", office_calendar()),
        ("/sla/policies/vip", vip_policy()),
    ] {
        let r = as_agent
            .put(app.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        problem(r, 403).await;
    }
    let r = as_agent
        .delete(app.url("/sla/policies/vip"))
        .send()
        .await
        .unwrap();
    problem(r, 403).await;
    let r = as_agent
        .post(app.url("/sla/calendars/office/import"))
        .header("content-type", "text/calendar")
        .body(ICS)
        .send()
        .await
        .unwrap();
    problem(r, 403).await;
    let r = as_agent.get(app.url("/sla/report")).send().await.unwrap();
    problem(r, 403).await;
    let r = as_agent
        .get(app.url("/sla/policies/vip"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = app
        .anonymous
        .get(app.url("/sla/policies"))
        .send()
        .await
        .unwrap();
    problem(r, 401).await;
});
