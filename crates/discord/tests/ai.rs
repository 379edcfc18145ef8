//! With AI configured in Docket: images checked in ticket channels, the summary in the
//! close log.

mod common;

use std::time::Duration;

use common::{Harness, configure_ai, deployed, eventually, open, panel_input};
use docket_client::PageQuery;
use docket_client::api::CommentKind;
use docket_fake_discord::NewAttachment;
use docket_fake_openai::FakeOpenAi;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flagged_images_leave_the_channel_and_stay_for_staff_and_the_log_has_the_summary() {
    let h = Harness::start_with(|c| c.summary_wait = Duration::from_secs(15)).await;
    let ai = FakeOpenAi::start().await;
    configure_ai(&h, &ai.base_url()).await;
    let ids = h.fake.ids();
    let log = h.text_channel("ticket-log").await;
    let (panel, message) = deployed(&h, &panel_input(&h, Some(log))).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;

    let fine = h.fake.user_says(
        channel,
        ids.alice,
        "a screenshot",
        vec![NewAttachment::new(
            "screen.png",
            "image/png",
            b"\x89PNG a printer".to_vec(),
        )],
    );
    let bad = h.fake.user_says(
        channel,
        ids.alice,
        "look",
        vec![NewAttachment::new(
            "bad.png",
            "image/png",
            b"\x89PNG ...nsfw...".to_vec(),
        )],
    );
    eventually("the flagged image removed", || async {
        h.fake.message(channel, bad.id).is_none().then_some(())
    })
    .await;
    assert!(
        h.fake.message(channel, fine.id).is_some(),
        "a fine image stays"
    );
    let comments = h
        .docket
        .list_comments(&key, &PageQuery::default())
        .await
        .unwrap()
        .items;
    let kept = comments
        .iter()
        .find(|c| c.external_ref.as_deref() == Some(&format!("discord:{}", bad.id)))
        .expect("the flagged image kept");
    assert_eq!(kept.kind, CommentKind::Internal, "for staff only");
    assert_eq!(kept.attachments.len(), 1);
    let public = comments
        .iter()
        .find(|c| c.external_ref.as_deref() == Some(&format!("discord:{}", fine.id)))
        .unwrap();
    assert_eq!(public.kind, CommentKind::Public);
    assert!(
        h.fake
            .messages(channel)
            .iter()
            .any(|m| m.content.contains("removed by moderation"))
    );

    // Close: the summary Docket's AI writes appears in the log.
    let patch = docket_client::api::TicketUpdate {
        status: Some("closed".into()),
        ..Default::default()
    };
    h.agent.update_ticket(&key, None, &patch).await.unwrap();
    let logged = eventually("the log embed", || async {
        h.fake.messages(log).into_iter().next()
    })
    .await;
    let embed = serde_json::to_string(&logged.embeds).unwrap();
    assert!(embed.contains("Summary"), "{embed}");
}
