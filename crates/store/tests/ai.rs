//! The store's side of the AI: settings with their version, the write-only key, usage
//! upserts, and the jobs a solve and a create schedule in their own transactions.

mod common;

use chrono::{Duration, NaiveDate};
use common::*;
use docket_core::ai::{AiSettings, TriageMode};
use docket_store::identity::{Actor, MasterKey};
use docket_store::{TicketPatch, both_backends};
use serde_json::json;

fn actor() -> Actor {
    Actor::new("test", None)
}

both_backends!(ai_settings_key_and_usage, |db| async move {
    let store = &db.store;
    let s = store.ai_settings().await.unwrap();
    assert_eq!(s.version, 0);
    assert!(!s.settings.enabled);
    let mut settings = AiSettings {
        enabled: true,
        base_url: "http://127.0.0.1:9/v1/".into(),
        ..AiSettings::default()
    };
    settings
        .triage_modes
        .insert("it".into(), TriageMode::Suggest);
    let s = store.put_ai_settings(settings, &actor()).await.unwrap();
    assert_eq!(s.version, 1);
    // Normalised on the way in.
    assert_eq!(s.settings.base_url, "http://127.0.0.1:9/v1");
    assert_eq!(store.ai_settings_version().await.unwrap(), 1);

    let key = MasterKey::generate();
    assert!(!store.ai_key_is_set().await.unwrap());
    store.set_ai_key(&key, "sk-abc", &actor()).await.unwrap();
    assert!(store.ai_key_is_set().await.unwrap());
    assert_eq!(store.ai_settings_version().await.unwrap(), 2);
    assert_eq!(
        store
            .reveal_secret(&key, docket_core::ai::AI_KEY_SECRET)
            .await
            .unwrap()
            .as_deref(),
        Some("sk-abc")
    );
    store.clear_ai_key(&actor()).await.unwrap();
    store.clear_ai_key(&actor()).await.unwrap();
    assert!(!store.ai_key_is_set().await.unwrap());
    assert_eq!(store.ai_settings_version().await.unwrap(), 4);
    // The settings survive key changes.
    assert!(store.ai_settings().await.unwrap().settings.enabled);

    let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    store
        .record_ai_usage(day, "summary", "m", false, 100, 20)
        .await
        .unwrap();
    store
        .record_ai_usage(day, "summary", "m", true, 0, 0)
        .await
        .unwrap();
    store
        .record_ai_usage(day.succ_opt().unwrap(), "triage", "m", false, 5, 1)
        .await
        .unwrap();
    let rows = store.ai_usage(day, day).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].calls,
            rows[0].failures,
            rows[0].prompt_tokens,
            rows[0].completion_tokens
        ),
        (2, 1, 100, 20)
    );
    assert_eq!(
        store
            .ai_usage(day, day + Duration::days(1))
            .await
            .unwrap()
            .len(),
        2
    );
});

both_backends!(ai_jobs_follow_solves_and_creates, |db| async move {
    let store = &db.store;
    apply(store, &def("it", "IT", &[], "a: {type: string}"), false).await;
    apply(store, &def("hr", "HR", &[], "a: {type: string}"), false).await;
    let owner = "test-worker";
    let lease = Duration::minutes(1);

    // Solving schedules a summary (once: solved -> closed does not ask again).
    let key = create(store, "it", "VPN", json!({})).await;
    for status in ["open", "solved", "closed"] {
        store
            .update_ticket(
                &key,
                None,
                TicketPatch {
                    status: Some(status.into()),
                    actor: "test".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    let jobs = store.claim_ai_jobs(owner, lease, 10).await.unwrap();
    let id = store.get_ticket(&key, false).await.unwrap().id;
    assert_eq!(
        jobs.iter().map(|j| j.key.clone()).collect::<Vec<_>>(),
        [format!("ai-summary:{id}")]
    );
    store.finish_ai_job(&jobs[0]).await.unwrap();
    assert!(
        store
            .claim_ai_jobs(owner, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Triage is scheduled with the create, for the types that ask for it only.
    let mut settings = AiSettings {
        enabled: true,
        base_url: "http://127.0.0.1:9/v1".into(),
        ..AiSettings::default()
    };
    settings.triage_modes.insert("it".into(), TriageMode::Auto);
    store.put_ai_settings(settings, &actor()).await.unwrap();
    let creates = (0..6).map(|i| {
        let slug = if i % 2 == 0 { "it" } else { "hr" };
        async move { create(store, slug, &format!("t{i}"), json!({})).await }
    });
    let keys = futures_join(creates).await;
    let jobs = store.claim_ai_jobs(owner, lease, 100).await.unwrap();
    assert_eq!(jobs.len(), 3, "{jobs:?}");
    for job in &jobs {
        assert!(job.key.starts_with("ai-triage:"));
        let k = store
            .ticket_key(job.ticket_id.unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(k.starts_with("IT-"), "{k}");
    }
    assert_eq!(keys.len(), 6);

    // A failed job comes back at its retry time, not before.
    let job = &jobs[0];
    let later = store.clock().now() + Duration::minutes(5);
    store
        .retry_ai_job(job, owner, "the AI server is failing", later)
        .await
        .unwrap();
    let again = store.claim_ai_jobs(owner, lease, 100).await.unwrap();
    assert!(again.iter().all(|j| j.id != job.id));
});

/// Run the futures concurrently (so that creates can share a group commit).
async fn futures_join<F: std::future::Future<Output = String>>(
    futs: impl Iterator<Item = F>,
) -> Vec<String> {
    let handles: Vec<_> = futs.collect();
    let mut out = Vec::new();
    // Poll them together on this task.
    let joined = join_all(handles).await;
    out.extend(joined);
    out
}

async fn join_all<F: std::future::Future<Output = String>>(futs: Vec<F>) -> Vec<String> {
    use std::pin::Pin;
    let mut pinned: Vec<Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut results: Vec<Option<String>> = vec![None; pinned.len()];
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in pinned.iter_mut().enumerate() {
            if results[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => results[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    results.into_iter().map(Option::unwrap).collect()
}
