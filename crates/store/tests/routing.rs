//! Routing on both backends: each rule, who is eligible, and what holds under concurrent
//! creates (fairness, capacity), also from two instances on one PostgreSQL database.

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone, Utc};
use docket_core::access::{Role, UserKind};
use docket_core::sla::policy::PolicySpec;
use docket_core::ticket::Priority;
use docket_core::typedef::{Syntax, TypeDefinition};
use docket_store::identity::{Actor, NewUser, UserPatch};
use docket_store::sla::escalate::SweepOptions;
use docket_store::testing::TestDb;
use docket_store::{
    Availability, Backend, NewTicket, RoutingRule, Store, Ticket, TypeOrigin, TypeSource,
    both_backends,
};
use serde_json::{Value, json};

fn actor() -> Actor {
    Actor::new("test", None)
}

/// A type handled by `desk` (its default team) and a `desk` team with this rule.
async fn setup(store: &Store, rule: RoutingRule) {
    let def = TypeDefinition::parse(
        "slug: rt\nname: rt\nkey_prefix: RT\nteams: [desk]\nschema:\n  type: object\n  properties:\n    note: {type: string}\n",
        Syntax::Yaml,
        None,
    )
    .unwrap();
    let origin = TypeOrigin {
        source: TypeSource::Api,
        path: None,
        text: None,
        actor: "test".into(),
    };
    store.apply_type(&def, &origin, false).await.unwrap();
    store
        .create_team("desk", "Desk", "", &actor())
        .await
        .unwrap();
    set_rule(store, "desk", rule).await;
}

async fn set_rule(store: &Store, team: &str, rule: RoutingRule) {
    let t = store
        .update_team(team, None, None, Some(rule), &actor())
        .await
        .unwrap();
    assert_eq!(t.routing, rule);
}

/// A member of `team` with this role, capacity and skills.
async fn member(store: &Store, name: &str, role: Role, capacity: i32, skills: &[&str]) -> i64 {
    let u = store
        .create_user(
            NewUser {
                email: format!("{name}@example.com"),
                display_name: name.into(),
                role,
                kind: UserKind::Person,
                password: None,
                skills: skills.iter().map(|s| s.to_string()).collect(),
                capacity: Some(capacity),
            },
            &actor(),
        )
        .await
        .unwrap();
    store
        .set_team_member("desk", u.id, true, &actor())
        .await
        .unwrap();
    u.id
}

fn new(title: &str, tags: &[&str]) -> NewTicket {
    NewTicket {
        type_slug: "rt".into(),
        title: title.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        actor: "test".into(),
        ..Default::default()
    }
}

async fn create(store: &Store, ticket: NewTicket) -> Ticket {
    store.create_ticket(ticket).await.unwrap().0
}

/// The `routing` event of a ticket.
async fn routing_event(store: &Store, key: &str) -> Value {
    let events = store.events(key, None, 100).await.unwrap();
    events
        .into_iter()
        .rev()
        .find(|e| e.field == "routing")
        .and_then(|e| e.new_value)
        .unwrap_or(Value::Null)
}

/// `n` creates at once, spread over the stores; the tickets made.
async fn concurrent_creates(stores: &[Store], n: usize) -> Vec<Ticket> {
    let mut tasks = Vec::new();
    for i in 0..n {
        let store = stores[i % stores.len()].clone();
        tasks.push(tokio::spawn(async move {
            create(&store, new(&format!("ticket {i}"), &[])).await
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn counts(tickets: &[Ticket]) -> BTreeMap<Option<i64>, usize> {
    let mut out = BTreeMap::new();
    for t in tickets {
        *out.entry(t.assignee_id).or_default() += 1;
    }
    out
}

/// The stores creates come from: on PostgreSQL two instances (two pools) on one schema.
async fn instances(db: &TestDb) -> Vec<Store> {
    match db.backend {
        Backend::Postgres => vec![db.store.clone(), db.second_instance().await],
        Backend::Sqlite => vec![db.store.clone()],
    }
}

both_backends!(
    round_robin_is_fair_under_concurrent_creates,
    |db| async move {
        let s = &db.store;
        setup(s, RoutingRule::RoundRobin).await;
        let mut agents = Vec::new();
        for name in ["ana", "bo", "cy", "di"] {
            agents.push(member(s, name, Role::Agent, 100, &[]).await);
        }
        let stores = instances(&db).await;
        let tickets = concurrent_creates(&stores, 60).await;
        let by = counts(&tickets);
        assert!(!by.contains_key(&None), "every ticket is assigned: {by:?}");
        let (min, max) = (by.values().min().unwrap(), by.values().max().unwrap());
        assert_eq!(by.len(), 4, "{by:?}");
        assert!(max - min <= 1, "round robin is fair: {by:?}");
        // What the creates answered is what was stored, and the create's own events say so.
        let t = s.get_ticket(&tickets[0].key, false).await.unwrap();
        assert_eq!(t.assignee_id, tickets[0].assignee_id);
        let events = s.events(&t.key, None, 100).await.unwrap();
        assert_eq!(events[0].field, "created");
        assert_eq!(
            events[0].new_value.as_ref().unwrap()["assignee_id"],
            json!(t.assignee_id)
        );
        let routed = routing_event(s, &t.key).await;
        assert_eq!(routed["rule"], "round_robin");
        assert_eq!(routed["team"], "desk");
        assert_eq!(routed["assignee_id"], json!(t.assignee_id));
        // A second run continues the turn: still fair over all 64.
        let more = concurrent_creates(&stores, 4).await;
        let all: Vec<Ticket> = tickets.into_iter().chain(more).collect();
        let by = counts(&all);
        assert!(by.values().all(|&n| n == 16), "{by:?}");
    }
);

both_backends!(capacity_holds_under_concurrent_creates, |db| async move {
    let s = &db.store;
    setup(s, RoutingRule::LeastOpen).await;
    for name in ["ana", "bo", "cy"] {
        member(s, name, Role::Agent, 5, &[]).await;
    }
    let stores = instances(&db).await;
    let tickets = concurrent_creates(&stores, 30).await;
    let by = counts(&tickets);
    assert_eq!(by.get(&None), Some(&15), "{by:?}");
    assert!(
        by.iter().filter(|(k, _)| k.is_some()).all(|(_, &n)| n == 5),
        "nobody over capacity: {by:?}"
    );
    // Every ticket was created once, with one assignee at most (no double assignment).
    let mut keys: Vec<&str> = tickets.iter().map(|t| t.key.as_str()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 30);
    let unassigned = tickets.iter().find(|t| t.assignee_id.is_none()).unwrap();
    let routed = routing_event(s, &unassigned.key).await;
    assert_eq!(routed["assignee_id"], Value::Null);
    assert!(
        routed["reason"].as_str().unwrap().contains("capacity"),
        "{routed}"
    );
    // Solving a ticket frees a place.
    let solved = tickets.iter().find(|t| t.assignee_id.is_some()).unwrap();
    let patch = docket_store::TicketPatch {
        status: Some("solved".into()),
        actor: "test".into(),
        ..Default::default()
    };
    s.update_ticket(&solved.key, None, patch).await.unwrap();
    let next = create(s, new("after", &[])).await;
    assert_eq!(next.assignee_id, solved.assignee_id);
});

both_backends!(least_open_picks_the_least_loaded, |db| async move {
    let s = &db.store;
    setup(s, RoutingRule::Manual).await;
    let ana = member(s, "ana", Role::Agent, 10, &[]).await;
    let bo = member(s, "bo", Role::Agent, 10, &[]).await;
    let cy = member(s, "cy", Role::Admin, 10, &[]).await;
    // Manual: nobody is picked, as before routing existed.
    let t = create(s, new("manual", &[])).await;
    assert_eq!(t.assignee_id, None);
    assert_eq!(routing_event(s, &t.key).await, Value::Null);
    for (who, n) in [(ana, 3), (bo, 1), (cy, 2)] {
        for _ in 0..n {
            let mut nt = new("given", &[]);
            nt.assignee_id = Some(who);
            create(s, nt).await;
        }
    }
    set_rule(s, "desk", RoutingRule::LeastOpen).await;
    let picks: Vec<Option<i64>> = [
        create(s, new("1", &[])).await,
        create(s, new("2", &[])).await,
        create(s, new("3", &[])).await,
    ]
    .iter()
    .map(|t| t.assignee_id)
    .collect();
    // bo has 1, then bo and cy have 2 each: cy comes next in turn, then bo.
    assert_eq!(picks, [Some(bo), Some(cy), Some(bo)]);
});

both_backends!(
    away_inactive_viewers_and_services_are_skipped,
    |db| async move {
        let s = &db.store;
        setup(s, RoutingRule::RoundRobin).await;
        let away = member(s, "away", Role::Agent, 10, &[]).await;
        let gone = member(s, "gone", Role::Agent, 10, &[]).await;
        member(s, "viewer", Role::Viewer, 10, &[]).await;
        let full = member(s, "full", Role::Agent, 0, &[]).await;
        let service = s
            .create_user(
                NewUser {
                    email: "bot@example.com".into(),
                    display_name: "bot".into(),
                    role: Role::Agent,
                    kind: UserKind::Service,
                    password: None,
                    skills: vec![],
                    capacity: None,
                },
                &actor(),
            )
            .await
            .unwrap();
        s.set_team_member("desk", service.id, true, &actor())
            .await
            .unwrap();
        let u = s
            .set_availability(away, Availability::Away, &actor())
            .await
            .unwrap();
        assert_eq!(u.availability, Availability::Away);
        s.update_user(
            gone,
            UserPatch {
                active: Some(false),
                ..Default::default()
            },
            &actor(),
        )
        .await
        .unwrap();
        // Nobody eligible: the ticket stays on the team, unassigned, and the event says why.
        let t = create(s, new("nobody", &[])).await;
        assert_eq!((t.assignee_id, t.team.as_deref()), (None, Some("desk")));
        let routed = routing_event(s, &t.key).await;
        assert!(
            routed["reason"].as_str().unwrap().contains("capacity"),
            "{routed}"
        );
        // Capacity 0 takes nothing; back from away, `away` is the only one.
        s.set_availability(away, Availability::Present, &actor())
            .await
            .unwrap();
        for i in 0..3 {
            let t = create(s, new(&format!("t{i}"), &[])).await;
            assert_eq!(t.assignee_id, Some(away));
        }
        // Everyone away.
        for who in [away, full] {
            s.set_availability(who, Availability::Away, &actor())
                .await
                .unwrap();
        }
        let t = create(s, new("all away", &[])).await;
        assert_eq!(t.assignee_id, None);
        let routed = routing_event(s, &t.key).await;
        assert!(
            routed["reason"].as_str().unwrap().contains("away"),
            "{routed}"
        );
    }
);

both_backends!(skills_route_to_who_knows_the_subject, |db| async move {
    let s = &db.store;
    setup(s, RoutingRule::Skills).await;
    let net = member(s, "net", Role::Agent, 10, &["vpn", "wifi"]).await;
    let mac = member(s, "mac", Role::Agent, 10, &["mac"]).await;
    let plain = member(s, "plain", Role::Agent, 10, &[]).await;
    let t = create(s, new("vpn down", &["vpn"])).await;
    assert_eq!(t.assignee_id, Some(net));
    let routed = routing_event(s, &t.key).await;
    assert_eq!(routed["matched_skills"], json!(["vpn"]));
    // Skills given by triage count like tags.
    let mut nt = new("screen", &[]);
    nt.route_skills = vec!["Mac".into()];
    assert_eq!(create(s, nt).await.assignee_id, Some(mac));
    // Nobody has the skill: the least loaded of all (plain has none yet), said so.
    let t = create(s, new("printer", &["printer"])).await;
    assert_eq!(t.assignee_id, Some(plain));
    let routed = routing_event(s, &t.key).await;
    assert_eq!(routed["fallback"], true);
    assert!(
        routed["reason"].as_str().unwrap().contains("printer"),
        "{routed}"
    );
});

both_backends!(route_again_and_escalate_to_a_team, |db| async move {
    let s = &db.store;
    let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
    s.clock().freeze(t0);
    setup(s, RoutingRule::Manual).await;
    let ana = member(s, "ana", Role::Agent, 10, &[]).await;
    // Route an existing ticket by the rule: manual changes nothing.
    let t = create(s, new("later", &[])).await;
    let (same, decision) = s.route_ticket(&t.key, &[], "agent").await.unwrap();
    assert_eq!((same.assignee_id, decision.assignee_id), (None, None));
    set_rule(s, "desk", RoutingRule::RoundRobin).await;
    let (routed, decision) = s.route_ticket(&t.key, &[], "agent").await.unwrap();
    assert_eq!(decision.assignee_id, Some(ana));
    assert_eq!(routed.assignee_id, Some(ana));
    assert_eq!(routed.version, t.version + 1);

    // An escalation that reassigns to tier2: tier2's rule picks the agent.
    s.create_team("tier2", "Tier 2", "", &actor())
        .await
        .unwrap();
    set_rule(s, "tier2", RoutingRule::LeastOpen).await;
    let bo = member(s, "bo", Role::Agent, 10, &[]).await;
    s.set_team_member("desk", bo, false, &actor())
        .await
        .unwrap();
    s.set_team_member("tier2", bo, true, &actor())
        .await
        .unwrap();
    let mut spec = PolicySpec::default_policy();
    spec.name = "vip".into();
    spec.position = 10;
    spec.conditions.tags = vec!["vip".into()];
    spec.escalations = serde_json::from_value(json!([
        {"on": "breach", "actions": [{"action": "reassign", "team": "tier2"}]},
    ]))
    .unwrap();
    s.put_policy("vip", spec, &actor()).await.unwrap();
    let mut nt = new("vip", &["vip"]);
    nt.priority = Some(Priority::P1);
    let vip = create(s, nt).await;
    assert_eq!(vip.assignee_id, Some(ana));
    s.clock().advance(Duration::minutes(61));
    let out = s
        .sla_sweep(&SweepOptions {
            owner: "a".into(),
            lease: Duration::seconds(60),
            batch: 100,
        })
        .await
        .unwrap();
    assert_eq!(out.failed, 0);
    let after = s.get_ticket(&vip.key, false).await.unwrap();
    assert_eq!(after.team.as_deref(), Some("tier2"));
    assert_eq!(after.assignee_id, Some(bo));
    let routed = routing_event(s, &vip.key).await;
    assert_eq!(routed["rule"], "least_open");
    assert_eq!(routed["team"], "tier2");
});

both_backends!(
    capacity_holds_with_sweeps_and_creates_at_once,
    |db| async move {
        let a = &db.store;
        let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        setup(a, RoutingRule::LeastOpen).await;
        let stores = instances(&db).await;
        for s in &stores {
            s.clock().freeze(t0);
        }
        let ana = member(a, "ana", Role::Agent, 3, &[]).await;
        let bo = member(a, "bo", Role::Agent, 3, &[]).await;
        a.create_team("front", "Front", "", &actor()).await.unwrap();
        let mut spec = PolicySpec::default_policy();
        spec.name = "vip".into();
        spec.position = 10;
        spec.conditions.tags = vec!["vip".into()];
        spec.escalations = serde_json::from_value(json!([
            {"on": "breach", "actions": [{"action": "reassign", "team": "desk"}]},
        ]))
        .unwrap();
        a.put_policy("vip", spec, &actor()).await.unwrap();
        // Eight tickets on the front team that will breach and go to desk.
        for i in 0..8 {
            let mut nt = new(&format!("vip {i}"), &["vip"]);
            nt.team = Some("front".into());
            nt.priority = Some(Priority::P1);
            assert_eq!(create(a, nt).await.assignee_id, None);
        }
        for s in &stores {
            s.clock().advance(Duration::minutes(61));
        }
        // Sweeps on every instance and creates into desk, all at once.
        let mut sweeps = Vec::new();
        for (i, s) in stores.iter().enumerate() {
            let s = s.clone();
            sweeps.push(tokio::spawn(async move {
                s.sla_sweep(&SweepOptions {
                    owner: format!("i{i}"),
                    lease: Duration::seconds(60),
                    batch: 3,
                })
                .await
                .unwrap()
            }));
        }
        let created = concurrent_creates(&stores, 8).await;
        for s in sweeps {
            let out = s.await.unwrap();
            assert_eq!(out.failed, 0, "{out:?}");
        }
        let mut open: BTreeMap<i64, usize> = BTreeMap::new();
        let mut keys: Vec<String> = created.iter().map(|t| t.key.clone()).collect();
        for i in 1..=8 {
            keys.push(format!("RT-{i}"));
        }
        for key in &keys {
            let t = s_get(a, key).await;
            assert_eq!(t.team.as_deref(), Some("desk"), "{key}");
            if let Some(who) = t.assignee_id {
                *open.entry(who).or_default() += 1;
            }
        }
        assert_eq!(
            open,
            BTreeMap::from([(ana, 3), (bo, 3)]),
            "nobody over capacity"
        );
    }
);

async fn s_get(store: &Store, key: &str) -> Ticket {
    store.get_ticket(key, false).await.unwrap()
}

both_backends!(
    an_agent_in_two_teams_stays_under_capacity,
    |db| async move {
        let s = &db.store;
        setup(s, RoutingRule::RoundRobin).await;
        s.create_team("hw", "Hardware", "", &actor()).await.unwrap();
        set_rule(s, "hw", RoutingRule::LeastOpen).await;
        let both = member(s, "both", Role::Agent, 4, &[]).await;
        s.set_team_member("hw", both, true, &actor()).await.unwrap();
        let stores = instances(&db).await;
        let mut tasks = Vec::new();
        for i in 0..24 {
            let store = stores[i % stores.len()].clone();
            tasks.push(tokio::spawn(async move {
                let mut nt = new(&format!("t{i}"), &[]);
                nt.team = Some(if i % 2 == 0 { "desk" } else { "hw" }.into());
                create(&store, nt).await
            }));
        }
        let mut assigned = 0;
        for t in tasks {
            if t.await.unwrap().assignee_id == Some(both) {
                assigned += 1;
            }
        }
        assert_eq!(assigned, 4, "two teams never both fill the last place");
    }
);

both_backends!(the_route_call_takes_triage_skills, |db| async move {
    let s = &db.store;
    setup(s, RoutingRule::Skills).await;
    let plain = member(s, "plain", Role::Agent, 10, &[]).await;
    let printers = member(s, "printers", Role::Agent, 10, &["printer"]).await;
    // No tags, no skills: the least loaded (plain, first in turn).
    let t = create(s, new("jammed", &[])).await;
    assert_eq!(t.assignee_id, Some(plain));
    // Triage says printer: routed again, it moves to who knows printers; plain's count
    // drops by the ticket it gave up.
    let (t, decision) = s
        .route_ticket(&t.key, &["Printer".into()], "triage")
        .await
        .unwrap();
    assert_eq!(t.assignee_id, Some(printers));
    assert_eq!(decision.matched_skills, ["printer"]);
    let events = s.events(&t.key, None, 100).await.unwrap();
    let fields: Vec<&str> = events.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["created", "routing", "assignee_id", "routing"]);
    assert_eq!(events[2].actor, "triage");
    // Too many skills are refused, naming the field.
    let many: Vec<String> = (0..51).map(|i| format!("s{i}")).collect();
    match s.route_ticket(&t.key, &many, "triage").await {
        Err(docket_store::StoreError::Invalid(errors)) => assert_eq!(errors[0].pointer, "/skills"),
        other => panic!("{other:?}"),
    }
});
