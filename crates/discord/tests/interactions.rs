//! The interactions endpoint's guard and its simplest answers.

mod common;

use common::Harness;
use docket_fake_discord::{SIGNATURE_HEADER, TIMESTAMP_HEADER};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_signatures_and_stale_timestamps_are_refused_before_any_work() {
    // No background polling during the count.
    let h = Harness::start_with(|c| c.panel_poll = std::time::Duration::from_secs(3600)).await;
    let ids = h.fake.ids();
    let posted = h
        .fake
        .user_says(ids.general_channel, ids.alice, "hi", vec![]);
    // The adapter's start-up traffic settles (bytes sent to Docket stop changing).
    let mut last = usize::MAX;
    while h.gate.sent() != last {
        last = h.gate.sent();
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let docket_before = h.gate.sent();
    let discord_before = h.fake.calls().len();

    let click = h.fake.button_interaction(
        ids.general_channel,
        ids.alice,
        posted.id,
        "docket:claim:DSC-1",
    );
    let body = click.body();
    let [(_, signature), (_, timestamp)] = click.signed_headers(h.fake.signer());

    // Signed by someone else.
    let other = docket_fake_discord::InteractionSigner::from_seed([9; 32]);
    let [(_, forged), _] = other.headers_at(&timestamp, &body);
    let (status, _) = h
        .post_raw(
            body.clone(),
            &[
                (SIGNATURE_HEADER, forged),
                (TIMESTAMP_HEADER, timestamp.clone()),
            ],
        )
        .await;
    assert_eq!(status, 401);

    // The genuine signature over other bytes.
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    let (status, _) = h
        .post_raw(
            tampered,
            &[
                (SIGNATURE_HEADER, signature.clone()),
                (TIMESTAMP_HEADER, timestamp.clone()),
            ],
        )
        .await;
    assert_eq!(status, 401);

    // No headers at all.
    let (status, _) = h.post_raw(body.clone(), &[]).await;
    assert_eq!(status, 401);

    // Genuine, but signed ten minutes ago: a replay.
    let old = (chrono::Utc::now().timestamp() - 600).to_string();
    let [(_, old_signature), _] = h.fake.signer().headers_at(&old, &body);
    let (status, _) = h
        .post_raw(
            body.clone(),
            &[(SIGNATURE_HEADER, old_signature), (TIMESTAMP_HEADER, old)],
        )
        .await;
    assert_eq!(status, 401);

    let discord_calls: Vec<_> = h.fake.calls().into_iter().skip(discord_before).collect();
    assert!(
        discord_calls
            .iter()
            .all(|c| !c.path.contains("/interactions/") && !c.path.contains("/webhooks/")),
        "Discord was answered: {discord_calls:?}"
    );
    // A genuine click on the same button does reach Docket (so the count can fail).
    let genuine = h.fake.button_interaction(
        ids.general_channel,
        ids.alice,
        posted.id,
        "docket:claim:DSC-1",
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(h.gate.sent(), docket_before, "Docket was called");
    h.interact(&genuine).await;
    common::eventually("the genuine click to reach Docket", || async {
        (h.gate.sent() > docket_before).then_some(())
    })
    .await;
    assert_eq!(
        h.fake.callbacks().len(),
        1,
        "only the genuine click was answered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_is_answered_with_pong() {
    let h = Harness::start().await;
    let answer = h.interact(&h.fake.ping_interaction()).await;
    assert_eq!(answer, serde_json::json!({ "type": 1 }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_old_custom_ids_answer_no_longer_in_use() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let posted = h
        .fake
        .user_says(ids.general_channel, ids.alice, "hi", vec![]);
    for custom_id in [
        "close:42",
        "docket:launch:1",
        "docket:open:not-a-number",
        "docket:survey:DSC-1:9",
    ] {
        let click = h
            .fake
            .button_interaction(ids.general_channel, ids.alice, posted.id, custom_id);
        let answer = h.interact(&click).await;
        assert_eq!(answer["type"], 4, "{custom_id}: {answer}");
        assert_eq!(answer["data"]["flags"], 64, "ephemeral");
        assert_eq!(
            answer["data"]["content"],
            "This button is no longer in use."
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_docket_answers_slowly_is_deferred_then_answered() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = common::deployed(&h, &common::panel_input(&h, None)).await;
    // Past Discord's 3 s for the first answer.
    h.gate.delay(
        std::time::Duration::from_millis(3500),
        &format!("/api/v1/discord/panels/{}/eligibility", panel.id),
        1,
    );
    let click = h.fake.button_interaction(
        ids.general_channel,
        ids.alice,
        message.id,
        &format!("docket:open:{}", panel.id),
    );
    let started = std::time::Instant::now();
    let answer = h.interact(&click).await;
    assert_eq!(answer["type"], 5, "deferred: {answer}");
    assert_eq!(answer["data"]["flags"], 64, "only Alice sees it");
    assert!(
        started.elapsed() < std::time::Duration::from_millis(3500),
        "answered before Docket did"
    );
    // The deferred answer is edited once Docket has answered; a form cannot follow a
    // deferral, so Alice is asked to press again rather than told of a failed open.
    let text = h.final_answer(&click).await;
    assert!(text.contains("press the button again"), "{text}");
    assert!(
        h.fake
            .channels()
            .iter()
            .all(|c| !c.name.as_deref().unwrap_or("").starts_with("ticket-")),
        "no channel was made for a ticket that cannot open"
    );
    let again = h.fake.button_interaction(
        ids.general_channel,
        ids.alice,
        message.id,
        &format!("docket:open:{}", panel.id),
    );
    let answer = h.interact(&again).await;
    assert_eq!(
        answer["type"], 9,
        "the form, Docket being quick again: {answer}"
    );
}
