//! SLA in the store on both backends: the seeded default policy, and the escalation jobs'
//! leases (a job whose owner died is taken over, and its threshold still fires once).

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use docket_core::sla::policy::{Metric, PolicySpec, Threshold};
use docket_core::ticket::Priority;
use docket_store::sla::escalate::{SweepOptions, SweepOutcome};
use docket_store::testing::{first_response_job as job, sla_firings as firings};
use docket_store::{NewTicket, Store, both_backends};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};

fn t0() -> DateTime<Utc> {
    // A Monday.
    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap()
}

fn sweep_options(owner: &str) -> SweepOptions {
    SweepOptions {
        owner: owner.into(),
        lease: Duration::seconds(60),
        batch: 100,
    }
}

async fn sweep(store: &Store, owner: &str) -> SweepOutcome {
    store.sla_sweep(&sweep_options(owner)).await.unwrap()
}

fn simple_type() -> docket_core::typedef::TypeDefinition {
    def("gen", "GEN", &[], "note: {type: string}")
}

async fn create_p0(store: &Store) -> String {
    store
        .create_ticket(NewTicket {
            type_slug: "gen".into(),
            title: "Server room is on fire".into(),
            priority: Some(Priority::P0),
            actor: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap()
        .0
        .key
}

both_backends!(the_seeded_default_policy_is_the_cores, |db| async move {
    let stored = db.store.policy("default").await.unwrap();
    assert_eq!(stored.spec, PolicySpec::default_policy());
    let all = db.store.policies().await.unwrap();
    assert_eq!(all.len(), 1, "only the default is seeded");
});

both_backends!(
    an_expired_lease_is_taken_over_and_the_threshold_fires_once,
    |db| async move {
        let a = &db.store;
        a.clock().freeze(t0());
        apply(a, &simple_type(), false).await;
        let b = db.second_instance().await;
        b.clock().freeze(t0());
        let advance = |by: Duration| {
            a.clock().advance(by);
            b.clock().advance(by);
        };

        let key = create_p0(a).await;
        let ticket = a.get_ticket(&key, false).await.unwrap();
        // P0 under the default policy: first response in 15 minutes, warned at 80%.
        assert_eq!(
            ticket.first_response_due_at,
            Some(t0() + Duration::minutes(15))
        );
        let (run_at, owner, _) = job(a, ticket.id).await.expect("a job is scheduled");
        assert_eq!(run_at, t0() + Duration::minutes(12));
        assert_eq!(owner, None);

        // Nothing is due yet.
        assert_eq!(sweep(&b, "b").await.jobs, 0);

        // Past the warning, instance `a` claims the job (its lease runs a minute) and
        // dies before running it.
        advance(Duration::minutes(13));
        let now = a.clock().now();
        let stmt = Query::update()
            .table(Alias::new("jobs"))
            .value(Alias::new("lease_owner"), "a")
            .value(Alias::new("lease_until"), now + Duration::seconds(60))
            .value(
                Alias::new("attempts"),
                Expr::col(Alias::new("attempts")).add(1),
            )
            .and_where(
                Expr::col(Alias::new("dedupe_key")).eq(format!("sla:{}:first_response", ticket.id)),
            )
            .to_owned();
        assert_eq!(
            a.connection().execute(&stmt).await.unwrap().rows_affected(),
            1
        );

        // While the lease holds, nobody else takes the job.
        assert_eq!(sweep(&b, "b").await, SweepOutcome::default());
        advance(Duration::seconds(59));
        assert_eq!(sweep(&b, "b").await, SweepOutcome::default());
        assert!(firings(a, ticket.id).await.is_empty());

        // Once it has expired, `b` takes it over and fires the warning.
        advance(Duration::seconds(2));
        let out = sweep(&b, "b").await;
        assert_eq!((out.jobs, out.fired, out.failed), (1, 1, 0));
        assert_eq!(
            firings(a, ticket.id).await,
            vec![("first_response".into(), "warning".into(), "b".into())]
        );
        // The job now waits for the breach, unleased.
        let (run_at, owner, until) = job(a, ticket.id).await.unwrap();
        assert_eq!(
            (run_at, owner, until),
            (t0() + Duration::minutes(15), None, None)
        );

        // `a` comes back: nothing is left for it to fire, and sweeping again does nothing.
        assert_eq!(sweep(a, "a").await.fired, 0);
        assert_eq!(sweep(&b, "b").await.fired, 0);

        // Even a job that runs again for the same threshold (made due by hand, as after a
        // lost update) fires nothing twice.
        let stmt = Query::update()
            .table(Alias::new("jobs"))
            .value(Alias::new("run_at"), t0())
            .and_where(
                Expr::col(Alias::new("dedupe_key")).eq(format!("sla:{}:first_response", ticket.id)),
            )
            .to_owned();
        a.connection().execute(&stmt).await.unwrap();
        let out = sweep(a, "a").await;
        assert_eq!((out.jobs, out.fired), (1, 0));
        assert_eq!(firings(a, ticket.id).await.len(), 1);

        let sla = a.ticket_sla(&key).await.unwrap();
        assert_eq!(sla.escalations.len(), 1);
        assert_eq!(
            (sla.escalations[0].metric, sla.escalations[0].threshold),
            (Metric::FirstResponse, Threshold::Warning)
        );
        assert_eq!(sla.escalations[0].reached_at, t0() + Duration::minutes(12));
        let outbox = a.sla_notifications(None, 100, None).await.unwrap();
        let topics: Vec<&str> = outbox.iter().map(|e| e.topic.as_str()).collect();
        assert_eq!(topics, vec!["sla.warning"]);
        assert_eq!(outbox[0].ticket_key.as_deref(), Some(key.as_str()));
        assert_eq!(outbox[0].payload["metric"], "first_response");

        // The breach, later, fires once too, whoever sweeps.
        advance(Duration::minutes(2));
        let (first, second) = tokio::join!(sweep(a, "a"), sweep(&b, "b"));
        assert_eq!(first.fired + second.fired, 1, "{first:?} {second:?}");
        assert_eq!(
            firings(a, ticket.id)
                .await
                .into_iter()
                .map(|(m, t, _)| (m, t))
                .collect::<Vec<_>>(),
            vec![
                ("first_response".to_string(), "warning".to_string()),
                ("first_response".to_string(), "breach".to_string())
            ]
        );
        let topics: Vec<String> = a
            .sla_notifications(None, 100, None)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.topic)
            .collect();
        assert_eq!(topics, vec!["sla.warning", "sla.breach"]);
    }
);

both_backends!(a_late_sweep_skips_only_the_warning, |db| async move {
    let s = &db.store;
    s.clock().freeze(t0());
    apply(s, &simple_type(), false).await;
    let key = create_p0(s).await;
    // The server was down: 15 minutes' target, still breached an hour after that; the
    // first sweep comes 80 minutes in and finds all three thresholds reached.
    s.clock().advance(Duration::minutes(80));
    let out = sweep(s, "a").await;
    assert_eq!(out.fired, 3, "{out:?}");
    let sla = s.ticket_sla(&key).await.unwrap();
    let fired: Vec<(Threshold, bool, DateTime<Utc>)> = sla
        .escalations
        .iter()
        .filter(|e| e.metric == Metric::FirstResponse)
        .map(|e| (e.threshold, e.superseded, e.reached_at))
        .collect();
    assert_eq!(
        fired,
        vec![
            (Threshold::Warning, true, t0() + Duration::minutes(12)),
            (Threshold::Breach, false, t0() + Duration::minutes(15)),
            (
                Threshold::StillBreached,
                false,
                t0() + Duration::minutes(75)
            ),
        ]
    );
    // The warning's notification is skipped; the breach's and the reminder's are sent.
    let topics: Vec<String> = s
        .sla_notifications(None, 100, None)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.payload["metric"] == "first_response")
        .map(|e| e.topic)
        .collect();
    assert_eq!(topics, vec!["sla.breach", "sla.still_breached"]);
    assert_eq!(sweep(s, "a").await.fired, 0);
});

/// Overwrite the stored spec of a policy (to make every sweep of it fail, or heal it).
async fn set_policy_text(store: &Store, name: &str, text: &str) {
    let stmt = Query::update()
        .table(Alias::new("sla_policies"))
        .value(Alias::new("spec"), text)
        .and_where(Expr::col(Alias::new("name")).eq(name))
        .to_owned();
    store.connection().execute(&stmt).await.unwrap();
}

async fn policy_text(store: &Store, name: &str) -> String {
    let stmt = Query::select()
        .column(Alias::new("spec"))
        .from(Alias::new("sla_policies"))
        .and_where(Expr::col(Alias::new("name")).eq(name))
        .to_owned();
    let row = store.connection().query_one(&stmt).await.unwrap().unwrap();
    row.try_get("", "spec").unwrap()
}

both_backends!(a_failed_job_is_retried_with_backoff, |db| async move {
    let s = &db.store;
    s.clock().freeze(t0());
    apply(s, &simple_type(), false).await;
    let key = create_p0(s).await;
    let id = s.get_ticket(&key, false).await.unwrap().id;
    // The warning fires normally.
    s.clock().advance(Duration::minutes(13));
    assert_eq!(sweep(s, "a").await.fired, 1);

    // Then the policy cannot be read: the breach's job fails, and is retried 30 seconds
    // later (its first failure), with its lease released.
    let good = policy_text(s, "default").await;
    set_policy_text(s, "default", "{not json").await;
    s.clock().advance(Duration::minutes(3));
    let failed_at = s.clock().now();
    let out = sweep(s, "a").await;
    assert_eq!((out.jobs, out.fired, out.failed), (1, 0, 1));
    assert_eq!(
        job(s, id).await.unwrap(),
        (failed_at + Duration::seconds(30), None, None)
    );
    assert_eq!(sweep(s, "a").await.jobs, 0, "not before its retry time");
    // The second failure waits twice as long.
    s.clock().advance(Duration::seconds(30));
    let out = sweep(s, "a").await;
    assert_eq!((out.jobs, out.failed), (1, 1));
    assert_eq!(
        job(s, id).await.unwrap().0,
        s.clock().now() + Duration::seconds(60)
    );

    // Healed, the retry fires the breach, once.
    set_policy_text(s, "default", &good).await;
    s.clock().advance(Duration::seconds(60));
    let out = sweep(s, "a").await;
    assert_eq!((out.jobs, out.fired, out.failed), (1, 1, 0));
    let thresholds: Vec<Threshold> = s
        .ticket_sla(&key)
        .await
        .unwrap()
        .escalations
        .iter()
        .map(|e| e.threshold)
        .collect();
    assert_eq!(thresholds, vec![Threshold::Warning, Threshold::Breach]);
});

async fn public_reply(store: &Store, key: &str, from_requester: bool) {
    store
        .add_comment(
            key,
            docket_store::NewComment {
                attachments: Vec::new(),
                external_ref: None,
                kind: docket_core::ticket::CommentKind::Public,
                body: "hello".into(),
                author_user_id: None,
                from_requester,
                author_name: None,
                channel: Default::default(),
                actor: "test".into(),
            },
        )
        .await
        .unwrap();
}

both_backends!(each_next_response_cycle_escalates_once, |db| async move {
    let s = &db.store;
    s.clock().freeze(t0());
    apply(s, &simple_type(), false).await;
    let (key, _) = s
        .create_ticket(NewTicket {
            type_slug: "gen".into(),
            title: "Payroll run fails".into(),
            priority: Some(Priority::P0),
            requester: Some(docket_store::RequesterRef {
                email: Some("pay@example.com".into()),
                ..Default::default()
            }),
            actor: "test".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let key = key.key;
    let at = |m: i64| t0() + Duration::minutes(m);
    let minute = |m: i64| s.clock().freeze(at(m));
    minute(1);
    public_reply(s, &key, false).await;
    // P0 next response: 15 minutes, warned at 12.
    minute(2);
    public_reply(s, &key, true).await;
    assert_eq!(
        s.get_ticket(&key, false)
            .await
            .unwrap()
            .next_response_due_at,
        Some(at(17))
    );
    minute(20);
    assert_eq!(
        sweep(s, "a").await.fired,
        2,
        "warning (superseded) and breach"
    );
    minute(21);
    public_reply(s, &key, false).await;
    minute(22);
    public_reply(s, &key, true).await;
    assert_eq!(
        s.get_ticket(&key, false)
            .await
            .unwrap()
            .next_response_due_at,
        Some(at(37))
    );
    minute(30);
    assert_eq!(sweep(s, "a").await.fired, 0);
    minute(35);
    assert_eq!(sweep(s, "a").await.fired, 1, "cycle 2's warning");
    minute(38);
    assert_eq!(sweep(s, "a").await.fired, 1, "cycle 2's breach");
    assert_eq!(sweep(s, "a").await.fired, 0);

    let fired: Vec<(i32, Threshold, bool, DateTime<Utc>)> = s
        .ticket_sla(&key)
        .await
        .unwrap()
        .escalations
        .iter()
        .filter(|e| e.metric == Metric::NextResponse)
        .map(|e| (e.cycle, e.threshold, e.superseded, e.reached_at))
        .collect();
    assert_eq!(
        fired,
        vec![
            (1, Threshold::Warning, true, at(14)),
            (1, Threshold::Breach, false, at(17)),
            (2, Threshold::Warning, false, at(34)),
            (2, Threshold::Breach, false, at(37)),
        ]
    );
    let sla = s.ticket_sla(&key).await.unwrap();
    let nr: Vec<(i32, Option<DateTime<Utc>>)> = sla
        .clocks
        .iter()
        .filter(|c| c.metric == Metric::NextResponse)
        .map(|c| (c.cycle, c.breached_at))
        .collect();
    assert_eq!(nr, vec![(1, Some(at(17))), (2, Some(at(37)))]);
});

both_backends!(
    a_cycle_answered_late_still_fires_its_breach,
    |db| async move {
        let s = &db.store;
        s.clock().freeze(t0());
        apply(s, &simple_type(), false).await;
        let (key, _) = s
            .create_ticket(NewTicket {
                type_slug: "gen".into(),
                title: "Printer queue stuck".into(),
                priority: Some(Priority::P0),
                requester: Some(docket_store::RequesterRef {
                    email: Some("late@example.com".into()),
                    ..Default::default()
                }),
                actor: "test".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let key = key.key;
        let at = |m: i64| t0() + Duration::minutes(m);
        let minute = |m: i64| s.clock().freeze(at(m));
        minute(1);
        public_reply(s, &key, false).await;
        minute(2);
        public_reply(s, &key, true).await;
        // Cycle 1 is due at 17 and answered at 20, with no sweep in between; the
        // requester writes again before any sweep runs.
        minute(20);
        public_reply(s, &key, false).await;
        minute(21);
        public_reply(s, &key, true).await;
        minute(22);
        sweep(s, "a").await;
        let fired: Vec<(i32, Threshold, bool)> = s
            .ticket_sla(&key)
            .await
            .unwrap()
            .escalations
            .iter()
            .filter(|e| e.metric == Metric::NextResponse)
            .map(|e| (e.cycle, e.threshold, e.superseded))
            .collect();
        assert_eq!(
            fired,
            [(1, Threshold::Warning, true), (1, Threshold::Breach, false)],
            "cycle 1 breached before it was answered; cycle 2 has reached nothing yet"
        );
    }
);

both_backends!(
    an_organisation_learned_later_moves_open_tickets_to_its_policy,
    |db| async move {
        let s = &db.store;
        s.clock().freeze(t0());
        apply(s, &simple_type(), false).await;
        let mut acme = PolicySpec::default_policy();
        acme.name = "acme".into();
        acme.position = 10;
        acme.conditions.organizations = vec!["Acme Corp".into()];
        acme.targets.p2.resolution = Some(60);
        let actor = docket_store::identity::Actor::new("test", None);
        s.put_policy("acme", acme, &actor).await.unwrap();
        let open = |organization: Option<&str>| NewTicket {
            type_slug: "gen".into(),
            title: "VPN drops".into(),
            requester: Some(docket_store::RequesterRef {
                email: Some("ana@acme.example".into()),
                organization: organization.map(str::to_string),
                ..Default::default()
            }),
            actor: "test".into(),
            ..Default::default()
        };
        let (first, _) = s.create_ticket(open(None)).await.unwrap();
        let first = first.key;
        assert_eq!(
            s.ticket_sla(&first).await.unwrap().policy.as_deref(),
            Some("default")
        );
        // A later ticket tells who Ana works for: her first ticket now falls under Acme's
        // policy, its resolution due an hour after it was opened.
        s.clock().freeze(t0() + Duration::minutes(5));
        s.create_ticket(open(Some("Acme Corp"))).await.unwrap();
        assert_eq!(
            s.ticket_sla(&first).await.unwrap().policy.as_deref(),
            Some("acme")
        );
        assert_eq!(
            s.get_ticket(&first, false).await.unwrap().resolution_due_at,
            Some(t0() + Duration::minutes(60))
        );
    }
);

both_backends!(one_sweep_runs_every_due_job_of_a_ticket, |db| async move {
    let s = &db.store;
    s.clock().freeze(t0());
    apply(s, &simple_type(), false).await;
    let key = create_p0(s).await;
    // Three days on, first response and resolution have passed every threshold: the
    // sweep that runs one job must not lose the lease it holds on the other.
    s.clock().advance(Duration::days(3));
    let out = sweep(s, "a").await;
    assert_eq!((out.jobs, out.fired, out.failed), (2, 6, 0), "{out:?}");
    assert_eq!(sweep(s, "a").await.fired, 0);
    let id = s.get_ticket(&key, false).await.unwrap().id;
    assert_eq!(firings(s, id).await.len(), 6);
});

both_backends!(
    a_thank_you_on_a_closed_ticket_starts_no_clock,
    |db| async move {
        let s = &db.store;
        s.clock().freeze(t0());
        apply(s, &simple_type(), false).await;
        let (key, _) = s
            .create_ticket(NewTicket {
                type_slug: "gen".into(),
                title: "Password reset".into(),
                requester: Some(docket_store::RequesterRef {
                    email: Some("thanks@example.com".into()),
                    ..Default::default()
                }),
                actor: "test".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let key = key.key;
        public_reply(s, &key, false).await;
        let close = docket_store::TicketPatch {
            status: Some("closed".into()),
            actor: "test".into(),
            ..Default::default()
        };
        s.update_ticket(&key, None, close).await.unwrap();
        public_reply(s, &key, true).await;
        let sla = s.ticket_sla(&key).await.unwrap();
        assert!(
            sla.clocks.iter().all(|c| c.metric != Metric::NextResponse),
            "{:?}",
            sla.clocks
        );
        s.clock().advance(Duration::days(30));
        assert_eq!(sweep(s, "a").await.jobs, 0);
        // Deleting a ticket drops its jobs and due times; restoring brings them back.
        let (open, _) = s
            .create_ticket(NewTicket {
                type_slug: "gen".into(),
                title: "Disk full".into(),
                actor: "test".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let open = open.key;
        s.set_deleted(&open, true, "test").await.unwrap();
        let t = s.get_ticket(&open, true).await.unwrap();
        assert_eq!((t.first_response_due_at, t.resolution_due_at), (None, None));
        assert_eq!(job(s, t.id).await, None);
        s.set_deleted(&open, false, "test").await.unwrap();
        assert!(job(s, t.id).await.is_some());
        assert!(
            s.get_ticket(&open, false)
                .await
                .unwrap()
                .resolution_due_at
                .is_some()
        );
    }
);

both_backends!(
    only_an_admin_replaces_a_requesters_organisation,
    |db| async move {
        let s = &db.store;
        apply(s, &simple_type(), false).await;
        let open = |organization: &str, may_replace_organization: bool| NewTicket {
            type_slug: "gen".into(),
            title: "Badge".into(),
            requester: Some(docket_store::RequesterRef {
                email: Some("bo@example.com".into()),
                organization: Some(organization.into()),
                may_replace_organization,
                ..Default::default()
            }),
            actor: "test".into(),
            ..Default::default()
        };
        s.create_ticket(open("Acme Corp", false)).await.unwrap();
        // The same organisation again is no change.
        s.create_ticket(open("Acme Corp", false)).await.unwrap();
        match s.create_ticket(open("Globex", false)).await {
            Err(docket_store::StoreError::Invalid(errors)) => {
                assert_eq!(errors[0].pointer, "/requester/organization")
            }
            other => panic!("{other:?}"),
        }
        let (key, _) = s.create_ticket(open("Globex", true)).await.unwrap();
        let key = key.key;
        let t = s.get_ticket(&key, false).await.unwrap();
        assert_eq!(t.requester.unwrap().organization.as_deref(), Some("Globex"));
    }
);

/// How many jobs of a queue exist.
async fn jobs_in(store: &Store, queue: &str) -> i64 {
    let stmt = Query::select()
        .expr_as(Expr::col(Alias::new("id")).count(), Alias::new("n"))
        .from(Alias::new("jobs"))
        .and_where(Expr::col(Alias::new("queue")).eq(queue))
        .to_owned();
    let row = store.connection().query_one(&stmt).await.unwrap().unwrap();
    row.try_get("", "n").unwrap()
}

both_backends!(
    a_recompute_cut_off_is_finished_by_the_sweep,
    |db| async move {
        let s = &db.store;
        s.clock().freeze(t0());
        apply(s, &simple_type(), false).await;
        let (key, _) = s
            .create_ticket(NewTicket {
                type_slug: "gen".into(),
                title: "Projector".into(),
                actor: "test".into(),
                ..Default::default()
            })
            .await
            .unwrap();
        let key = key.key;
        // A policy change recomputes at once and leaves no job behind.
        let actor = docket_store::identity::Actor::new("test", None);
        let mut spec = PolicySpec::default_policy();
        spec.targets.p2.resolution = Some(120);
        s.put_policy("default", spec.clone(), &actor).await.unwrap();
        assert_eq!(
            s.get_ticket(&key, false).await.unwrap().resolution_due_at,
            Some(t0() + Duration::minutes(120))
        );
        assert_eq!(jobs_in(s, "sla-recompute").await, 0);
        // A change whose recompute was cut off (the process died after the commit): the
        // policy says 60 minutes, the ticket still 120, and the request's job is there.
        spec.targets.p2.resolution = Some(60);
        set_policy_text(s, "default", &serde_json::to_string(&spec).unwrap()).await;
        let stmt = Query::insert()
            .into_table(Alias::new("jobs"))
            .columns(
                [
                    "queue",
                    "dedupe_key",
                    "payload",
                    "run_at",
                    "attempts",
                    "created_at",
                    "updated_at",
                ]
                .map(Alias::new),
            )
            .values_panic([
                "sla-recompute".into(),
                "sla:recompute".into(),
                "{}".into(),
                t0().into(),
                0.into(),
                t0().into(),
                t0().into(),
            ])
            .to_owned();
        s.connection().execute(&stmt).await.unwrap();
        assert_eq!(
            s.get_ticket(&key, false).await.unwrap().resolution_due_at,
            Some(t0() + Duration::minutes(120))
        );
        s.clock().advance(Duration::seconds(10));
        let out = sweep(s, "a").await;
        assert_eq!(out.failed, 0);
        assert_eq!(
            s.get_ticket(&key, false).await.unwrap().resolution_due_at,
            Some(t0() + Duration::minutes(60))
        );
        assert_eq!(jobs_in(s, "sla-recompute").await, 0);
    }
);
