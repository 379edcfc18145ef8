//! What working a claimed set together could break, on both backends: a set run after
//! some of its tickets changed under it (deleted, rescheduled, taken over), firings of
//! several tickets in one set, actions that change a ticket inside a set, and a set with
//! a failing job. Each checks that every threshold fires once, and once only acts,
//! whichever of two instances sweeps.

use chrono::{DateTime, Duration, TimeZone, Utc};
use docket_core::sla::policy::{PolicySpec, Threshold};
use docket_core::ticket::Priority;
use docket_core::typedef::{Syntax, TypeDefinition};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use serde_json::json;

use super::{SweepOptions, SweepOutcome};
use crate::identity::Actor;
use crate::jobs::{self, ClaimedJob};
use crate::sla::clocks;
use crate::testing::{TestDb, first_response_job, sla_firings as firings};
use crate::{NewTicket, Store, TicketPatch, TypeOrigin, TypeSource, both_backends};

fn t0() -> DateTime<Utc> {
    // A Monday.
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap()
}

const LEASE: Duration = Duration::seconds(60);

/// The store of `db` and a second instance on the same database, both at `t0`, with a
/// ticket type to create tickets of.
async fn two_instances(db: &TestDb) -> Store {
    db.store.clock().freeze(t0());
    let def = TypeDefinition::parse(
        "slug: gen\nname: gen\nkey_prefix: GEN\nschema:\n  type: object\n  properties:\n    note: {type: string}\n",
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
    db.store.apply_type(&def, &origin, false).await.unwrap();
    let b = db.second_instance().await;
    b.clock().freeze(t0());
    b
}

fn advance(stores: [&Store; 2], by: Duration) {
    for s in stores {
        s.clock().advance(by);
    }
}

async fn create(store: &Store, priority: Priority, tags: &[&str]) -> (String, i64) {
    let (ticket, _) = store
        .create_ticket(NewTicket {
            type_slug: "gen".into(),
            title: "Printer on fire".into(),
            priority: Some(priority),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            actor: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    (ticket.key, ticket.id)
}

async fn sweep(store: &Store, owner: &str) -> SweepOutcome {
    store
        .sla_sweep(&SweepOptions {
            owner: owner.into(),
            lease: LEASE,
            batch: 100,
        })
        .await
        .unwrap()
}

/// Claim every due SLA job for `owner`, as a sweep does before it runs them.
async fn claim(store: &Store, owner: &str) -> Vec<ClaimedJob> {
    let txn = store.begin_write().await.unwrap();
    let claimed = jobs::claim(&txn, clocks::QUEUE, owner, store.clock.now(), LEASE, 100)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    claimed
}

fn fr(threshold: &str, by: &str) -> (String, String, String) {
    ("first_response".into(), threshold.into(), by.into())
}

/// The thresholds a ticket's audit trail recorded as fired, in order.
async fn sla_events(store: &Store, ticket_id: i64) -> Vec<String> {
    let stmt = Query::select()
        .column(Alias::new("new_value"))
        .from(Alias::new("ticket_events"))
        .and_where(Expr::col(Alias::new("ticket_id")).eq(ticket_id))
        .and_where(Expr::col(Alias::new("field")).eq("sla"))
        .order_by(Alias::new("id"), Order::Asc)
        .to_owned();
    store
        .connection()
        .query_all(&stmt)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let v: String = r.try_get("", "new_value").unwrap();
            let v: serde_json::Value = serde_json::from_str(&v).unwrap();
            v["threshold"].as_str().unwrap().to_string()
        })
        .collect()
}

/// The outbox topics about a ticket, in order.
async fn notified(store: &Store, key: &str) -> Vec<String> {
    store
        .sla_notifications(None, 1000, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.ticket_key.as_deref() == Some(key))
        .map(|e| e.topic)
        .collect()
}

/// A ticket's first-response job: (run_at, lease_owner).
async fn job(store: &Store, ticket_id: i64) -> Option<(DateTime<Utc>, Option<String>)> {
    first_response_job(store, ticket_id)
        .await
        .map(|(run_at, owner, _)| (run_at, owner))
}

both_backends!(a_set_runs_only_the_jobs_it_still_holds, |db| async move {
    let a = &db.store;
    let b = &two_instances(&db).await;
    let (k1, t1) = create(a, Priority::P1, &[]).await;
    let (k2, t2) = create(a, Priority::P1, &[]).await;
    let (raised_key, raised) = create(a, Priority::P1, &[]).await;
    let (deleted_key, deleted) = create(a, Priority::P1, &[]).await;
    let (_, gone) = create(a, Priority::P1, &[]).await;
    // P1: first response in 60 minutes, warned at 48.
    advance([a, b], Duration::minutes(49));
    let set = claim(a, "a").await;
    assert_eq!(set.len(), 5);

    // Before `a` runs its set: one ticket is raised to P0 (its job moves to the P0
    // warning, past already, unleased), one is deleted (its job goes with it), and
    // one is found deleted with its job still there.
    let to_p0 = TicketPatch {
        priority: Some(Priority::P0),
        actor: "test".into(),
        ..Default::default()
    };
    a.update_ticket(&raised_key, None, to_p0).await.unwrap();
    assert_eq!(
        job(a, raised).await,
        Some((t0() + Duration::minutes(12), None))
    );
    a.set_deleted(&deleted_key, true, "test").await.unwrap();
    let stmt = Query::update()
        .table(Alias::new("tickets"))
        .value(Alias::new("deleted_at"), a.clock.now())
        .and_where(Expr::col(Alias::new("id")).eq(gone))
        .to_owned();
    a.connection().execute(&stmt).await.unwrap();

    // The set fires the two tickets it still holds, together, and drops the job of
    // the deleted ticket; the raised ticket's job is not `a`'s any more.
    assert_eq!(a.run_set(&set, "a").await.unwrap(), 2);
    for t in [t1, t2] {
        assert_eq!(firings(a, t).await, vec![fr("warning", "a")]);
        assert_eq!(job(a, t).await, Some((t0() + Duration::minutes(60), None)));
    }
    for t in [raised, deleted, gone] {
        assert_eq!(firings(a, t).await, vec![]);
    }
    assert_eq!(job(a, gone).await, None);
    assert_eq!(job(a, deleted).await, None);

    // The next sweep fires the raised ticket's P0 thresholds, once.
    let out = sweep(b, "b").await;
    assert_eq!((out.jobs, out.fired, out.failed), (1, 2, 0));
    assert_eq!(
        firings(a, raised).await,
        vec![fr("warning", "b"), fr("breach", "b")]
    );
    assert_eq!(sla_events(a, raised).await, ["warning", "breach"]);
    assert_eq!(notified(a, &raised_key).await, ["sla.breach"]);

    // Later both instances sweep at once: the two P1 breaches fire once each,
    // whoever fires them.
    advance([a, b], Duration::minutes(12));
    let (first, second) = tokio::join!(sweep(a, "a"), sweep(b, "b"));
    assert_eq!(first.fired + second.fired, 2, "{first:?} {second:?}");
    assert_eq!(first.failed + second.failed, 0);
    for (key, t) in [(&k1, t1), (&k2, t2)] {
        let thresholds: Vec<String> = firings(a, t).await.into_iter().map(|(_, t, _)| t).collect();
        assert_eq!(thresholds, ["warning", "breach"]);
        assert_eq!(sla_events(a, t).await, ["warning", "breach"]);
        assert_eq!(notified(a, key).await, ["sla.warning", "sla.breach"]);
    }
    assert_eq!(sweep(a, "a").await.fired + sweep(b, "b").await.fired, 0);
});

both_backends!(
    a_set_taken_over_by_another_instance_fires_nothing,
    |db| async move {
        let a = &db.store;
        let b = &two_instances(&db).await;
        let (k1, t1) = create(a, Priority::P0, &[]).await;
        let (k2, t2) = create(a, Priority::P0, &[]).await;
        advance([a, b], Duration::minutes(13));
        // `a` claims both jobs and stalls past its lease; `b` takes them over.
        let stale = claim(a, "a").await;
        assert_eq!(stale.len(), 2);
        advance([a, b], LEASE + Duration::seconds(1));
        let taken = claim(b, "b").await;
        assert_eq!(taken.len(), 2);
        // `a` wakes up and runs its set before `b` runs its own: every job in it is
        // someone else's now.
        assert_eq!(a.run_set(&stale, "a").await.unwrap(), 0);
        assert_eq!(b.run_set(&taken, "b").await.unwrap(), 2);
        assert_eq!(a.run_set(&stale, "a").await.unwrap(), 0);
        for (key, t) in [(&k1, t1), (&k2, t2)] {
            assert_eq!(firings(a, t).await, vec![fr("warning", "b")]);
            assert_eq!(sla_events(a, t).await, ["warning"]);
            assert_eq!(notified(a, key).await, ["sla.warning"]);
        }
    }
);

/// A policy for tickets tagged `tag`: the default's targets, with these breach actions.
fn tagged_policy(tag: &str, breach_actions: serde_json::Value) -> PolicySpec {
    let mut spec = PolicySpec::default_policy();
    spec.name = tag.into();
    spec.position = 10;
    spec.conditions.tags = vec![tag.into()];
    spec.escalations = serde_json::from_value(json!([
        {"on": "warning", "actions": [{"action": "notify"}]},
        {"on": "breach", "actions": breach_actions},
    ]))
    .unwrap();
    spec
}

both_backends!(actions_that_change_a_ticket_inside_a_set, |db| async move {
    let a = &db.store;
    let b = &two_instances(&db).await;
    let actor = Actor::new("test", None);
    a.create_team("tier2", "Tier 2", "", &actor).await.unwrap();
    let escalate = json!([
        {"action": "raise_priority"},
        {"action": "reassign", "team": "tier2"},
        {"action": "notify", "to": ["team"]},
    ]);
    a.put_policy("vip", tagged_policy("vip", escalate), &actor)
        .await
        .unwrap();
    let (vip_key, vip) = create(a, Priority::P1, &["vip"]).await;
    let (plain_key, plain) = create(a, Priority::P1, &[]).await;
    // P1: first response in 60 minutes, warned at 48. Both tickets breach in one set.
    advance([a, b], Duration::minutes(61));
    let (first, second) = tokio::join!(sweep(a, "a"), sweep(b, "b"));
    assert_eq!(first.fired + second.fired, 4, "{first:?} {second:?}");
    assert_eq!(first.failed + second.failed, 0);

    // The VIP ticket was raised to P0 and moved to tier2; its notification says so,
    // and its due times are P0's now: first response at 15 minutes, resolution at
    // two hours, and its job waits for P0's "still breached" (15 + 60 minutes).
    let t = a.get_ticket(&vip_key, false).await.unwrap();
    assert_eq!(t.priority, Priority::P0);
    assert_eq!(t.first_response_due_at, Some(t0() + Duration::minutes(15)));
    assert_eq!(t.resolution_due_at, Some(t0() + Duration::minutes(120)));
    assert_eq!(
        job(a, vip).await,
        Some((t0() + Duration::minutes(75), None))
    );
    let events: Vec<String> = a
        .events(&vip_key, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(events, ["created", "sla", "sla", "priority", "team"]);
    let outbox = a.sla_notifications(None, 100, None).await.unwrap();
    let breach: Vec<_> = outbox
        .iter()
        .filter(|e| e.ticket_key.as_deref() == Some(vip_key.as_str()))
        .collect();
    assert_eq!(breach.len(), 1, "the superseded warning notifies nobody");
    assert_eq!(breach[0].topic, "sla.breach");
    assert_eq!(breach[0].payload["priority"], "P0");
    assert_eq!(breach[0].payload["team"], "tier2");

    // The plain ticket in the same set breached under the default policy.
    let t = a.get_ticket(&plain_key, false).await.unwrap();
    assert_eq!(t.priority, Priority::P1);
    assert_eq!(sla_events(a, plain).await, ["warning", "breach"]);
    assert_eq!(notified(a, &plain_key).await, ["sla.breach"]);

    // Nothing fires twice; the VIP ticket's reminder comes at 75 minutes, once.
    assert_eq!(sweep(a, "a").await.fired + sweep(b, "b").await.fired, 0);
    advance([a, b], Duration::minutes(15));
    let (first, second) = tokio::join!(sweep(a, "a"), sweep(b, "b"));
    assert_eq!(first.fired + second.fired, 1, "{first:?} {second:?}");
    assert_eq!(
        firings(a, vip)
            .await
            .into_iter()
            .map(|(_, t, _)| t)
            .collect::<Vec<_>>(),
        [
            Threshold::Warning.as_str(),
            Threshold::Breach.as_str(),
            Threshold::StillBreached.as_str()
        ]
    );
});

both_backends!(
    a_failing_job_holds_back_no_other_in_its_set,
    |db| async move {
        let a = &db.store;
        let b = &two_instances(&db).await;
        let actor = Actor::new("test", None);
        let all_day = json!({"start": "00:00", "end": "24:00"});
        let calendar = serde_json::from_value(json!({
            "time_zone": "UTC",
            "week": {
                "monday": [all_day], "tuesday": [all_day], "wednesday": [all_day],
                "thursday": [all_day], "friday": [all_day], "saturday": [all_day],
                "sunday": [all_day],
            },
        }))
        .unwrap();
        a.put_calendar("all-day", calendar, &actor).await.unwrap();
        let mut broken = tagged_policy("broken", json!([{"action": "notify"}]));
        broken.calendar = Some("all-day".into());
        a.put_policy("broken", broken, &actor).await.unwrap();
        let (_, bad) = create(a, Priority::P0, &["broken"]).await;
        let (k1, t1) = create(a, Priority::P0, &[]).await;
        let (k2, t2) = create(a, Priority::P0, &[]).await;
        // The calendar of one ticket's policy cannot be read any more.
        let set_calendar = |text: String| {
            Query::update()
                .table(Alias::new("sla_calendars"))
                .value(Alias::new("spec"), text)
                .and_where(Expr::col(Alias::new("name")).eq("all-day"))
                .to_owned()
        };
        let stmt = Query::select()
            .column(Alias::new("spec"))
            .from(Alias::new("sla_calendars"))
            .to_owned();
        let good: String = a
            .connection()
            .query_one(&stmt)
            .await
            .unwrap()
            .unwrap()
            .try_get("", "spec")
            .unwrap();
        a.connection()
            .execute(&set_calendar("{not json".into()))
            .await
            .unwrap();

        advance([a, b], Duration::minutes(13));
        let failed_at = a.clock.now();
        let (first, second) = tokio::join!(sweep(a, "a"), sweep(b, "b"));
        assert_eq!(first.jobs + second.jobs, 3, "{first:?} {second:?}");
        assert_eq!(first.fired + second.fired, 2, "{first:?} {second:?}");
        assert_eq!(first.failed + second.failed, 1, "{first:?} {second:?}");
        for (key, t) in [(&k1, t1), (&k2, t2)] {
            assert_eq!(sla_events(a, t).await, ["warning"]);
            assert_eq!(notified(a, key).await, ["sla.warning"]);
        }
        // The failing job waits 30 seconds for its retry, unleased.
        assert_eq!(firings(a, bad).await, vec![]);
        assert_eq!(
            job(a, bad).await,
            Some((failed_at + Duration::seconds(30), None))
        );

        // Healed, the retry fires its warning, once.
        a.connection().execute(&set_calendar(good)).await.unwrap();
        advance([a, b], Duration::seconds(30));
        let (first, second) = tokio::join!(sweep(a, "a"), sweep(b, "b"));
        assert_eq!(first.fired + second.fired, 1, "{first:?} {second:?}");
        assert_eq!(sla_events(a, bad).await, ["warning"]);
        assert_eq!(sla_events(a, t1).await, ["warning"]);
    }
);
