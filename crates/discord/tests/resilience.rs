//! What goes wrong in production: the adapter restarts, the gateway drops, Docket goes
//! away, Discord rate-limits. Nothing may be lost or doubled.

mod common;

use std::time::Duration;

use common::{Harness, deployed, eventually, open, panel_input};
use docket_client::api::{CommentOut, SourceChannel};
use docket_client::{PageQuery, TicketQuery};

/// The comments relayed from Discord messages, oldest first.
async fn relayed(h: &Harness, key: &str) -> Vec<CommentOut> {
    h.docket
        .list_comments(
            key,
            &PageQuery {
                limit: Some(200),
                cursor: None,
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|c| {
            c.external_ref
                .as_deref()
                .is_some_and(|r| r.starts_with("discord:"))
        })
        .filter(|c| c.author == docket_client::api::CommentAuthor::Requester)
        .collect()
}

async fn wait_bodies(h: &Harness, key: &str, want: &[&str]) {
    eventually(&format!("comments {want:?}"), || async {
        let bodies: Vec<String> = relayed(h, key).await.into_iter().map(|c| c.body).collect();
        (bodies == want).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_adapter_restarted_between_open_and_close_misses_nothing() {
    let mut h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    let welcome = eventually("the welcome message", || async {
        h.fake
            .messages(channel)
            .into_iter()
            .find(|m| m.content.contains("Welcome"))
    })
    .await;
    h.fake.user_says(channel, ids.alice, "first", vec![]);
    wait_bodies(&h, &key, &["first"]).await;

    h.stop_adapter().await;
    // Written while no adapter listens: no gateway session will replay it.
    h.fake
        .user_says(channel, ids.alice, "while you were away", vec![]);
    h.start_adapter().await;
    wait_bodies(&h, &key, &["first", "while you were away"]).await;

    // The old buttons still work on the new process.
    let close = h.fake.button_interaction(
        channel,
        ids.alice,
        welcome.id,
        &format!("docket:close:{key}"),
    );
    let answer = h.interact(&close).await;
    assert_eq!(answer["type"], 9, "{answer}");
    let submit = h.fake.modal_submit_interaction(
        channel,
        ids.alice,
        &format!("docket:close-reason:{key}"),
        &[],
    );
    h.interact(&submit).await;
    eventually("the channel deleted", || async {
        h.fake.channel(channel).is_none().then_some(())
    })
    .await;
    let transcript = h.docket.get_transcript(&key).await.unwrap();
    assert!(
        transcript
            .transcript
            .messages
            .iter()
            .any(|m| m.content == "while you were away")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_disconnect_mid_conversation_loses_and_doubles_nothing() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    h.fake.user_says(channel, ids.alice, "one", vec![]);
    wait_bodies(&h, &key, &["one"]).await;

    let resumes = h.fake.resume_count();
    assert!(
        h.fake.disconnect(false) > 0,
        "a gateway session was connected"
    );
    h.fake.user_says(channel, ids.alice, "two", vec![]);
    h.fake.user_says(channel, ids.alice, "three", vec![]);
    eventually("a resume", || async {
        (h.fake.resume_count() > resumes).then_some(())
    })
    .await;
    wait_bodies(&h, &key, &["one", "two", "three"]).await;

    // A resumable close with a frame, then a reconnect request: replays again.
    h.fake.disconnect(true);
    h.fake.user_says(channel, ids.alice, "four", vec![]);
    wait_bodies(&h, &key, &["one", "two", "three", "four"]).await;
    // Nothing arrives later as a double.
    tokio::time::sleep(Duration::from_millis(800)).await;
    wait_bodies(&h, &key, &["one", "two", "three", "four"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docket_down_for_a_while_messages_wait_and_tickets_are_not_doubled() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;

    // Docket goes away mid-conversation.
    h.gate.shut();
    h.fake
        .user_says(channel, ids.alice, "are you there?", vec![]);
    h.fake.user_says(channel, ids.alice, "hello?", vec![]);
    tokio::time::sleep(Duration::from_secs(2)).await;
    h.gate.reopen().await;
    wait_bodies(&h, &key, &["are you there?", "hello?"]).await;

    // Docket goes away while a ticket is being opened: the create is retried with the
    // same Idempotency-Key once it is back, and makes one ticket.
    let bob_member = h.fake.add_member("erin", &[]);
    let click = h.fake.button_interaction(
        ids.general_channel,
        bob_member,
        message.id,
        &format!("docket:open:{}", panel.id),
    );
    let answer = h.interact(&click).await;
    let submit = h.fake.modal_submit_interaction(
        ids.general_channel,
        bob_member,
        answer["data"]["custom_id"].as_str().unwrap(),
        &[("details", "Docket is flaky today, it seems")],
    );
    let gate = &h.gate;
    let fake = &h.fake;
    let creates = |f: &docket_fake_discord::FakeDiscord| {
        f.calls_to("POST", "/guilds/*/channels")
            .iter()
            .filter(|c| c.status < 300)
            .count()
    };
    let before = creates(fake);
    let watcher = async {
        assert!(
            fake.wait_until(common::WAIT, |f| creates(f) > before).await,
            "Erin's channel is created"
        );
        gate.shut();
        tokio::time::sleep(Duration::from_millis(1500)).await;
        gate.reopen().await;
    };
    let (_, _) = tokio::join!(h.interact(&submit), watcher);
    let text = h.final_answer(&submit).await;
    assert!(text.contains("is open"), "{text}");
    let (erin_key, erin_channel) = common::key_and_channel(&text);
    let page = h
        .docket
        .list_tickets(&TicketQuery {
            source: vec![SourceChannel::Discord],
            source_ref: Some(erin_channel.to_string()),
            ..TicketQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].key, erin_key);
    let all = h
        .docket
        .list_tickets(&TicketQuery {
            source: vec![SourceChannel::Discord],
            ..TicketQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(all.items.len(), 2, "one ticket each for Alice and Erin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_storms_are_waited_out() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    // Every kind of 429 on the routes an open uses.
    h.fake
        .inject_429("POST", "/guilds/*/channels", 2, Duration::from_millis(300));
    h.fake.inject_shared_429(
        "POST",
        "/channels/*/messages",
        3,
        Duration::from_millis(300),
    );
    h.fake.inject_global_429(2, Duration::from_millis(200));
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    let welcomes = eventually("the welcome message", || async {
        let w: Vec<_> = h
            .fake
            .messages(channel)
            .into_iter()
            .filter(|m| m.content.contains("Welcome"))
            .collect();
        (!w.is_empty()).then_some(w)
    })
    .await;
    assert_eq!(welcomes.len(), 1);
    assert!(
        h.fake.calls().iter().any(|c| c.status == 429),
        "the storm happened"
    );
    // Web replies still arrive during another storm, once.
    h.fake.inject_429(
        "POST",
        "/channels/*/messages",
        3,
        Duration::from_millis(300),
    );
    let reply = docket_client::api::CommentCreate {
        kind: docket_client::api::CommentKind::Public,
        body: "We are on it".into(),
        author: docket_client::api::CommentAuthor::Staff,
        author_name: None,
        channel: None,
        attachments: vec![],
        external_ref: None,
    };
    h.agent.add_comment(&key, &reply).await.unwrap();
    eventually("the reply in the channel", || async {
        h.fake
            .messages(channel)
            .into_iter()
            .find(|m| m.content.contains("We are on it"))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let copies = h
        .fake
        .messages(channel)
        .into_iter()
        .filter(|m| m.content.contains("We are on it"))
        .count();
    assert_eq!(copies, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_delivered_twice_is_one_comment_with_one_copy_of_its_file() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    let said = h.fake.user_says(
        channel,
        ids.alice,
        "see attached",
        vec![docket_fake_discord::NewAttachment::new(
            "log.txt",
            "text/plain",
            b"error 42".to_vec(),
        )],
    );
    wait_bodies(&h, &key, &["see attached"]).await;

    // The same MESSAGE_CREATE again, as a replaying gateway would send it.
    let url = format!(
        "{}/channels/{channel}/messages/{}",
        h.fake.api_base(),
        said.id
    );
    let mut payload: serde_json::Value = h
        .http
        .get(url)
        .header("authorization", format!("Bot {}", h.fake.bot_token()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    payload["guild_id"] = ids.guild.to_string().into();
    h.fake.dispatch_event("MESSAGE_CREATE", payload);
    // The relay is in order: once a later message is in, the replay was handled.
    h.fake.user_says(channel, ids.alice, "after", vec![]);
    wait_bodies(&h, &key, &["see attached", "after"]).await;
    let files: serde_json::Value = h
        .http
        .get(format!(
            "{}/api/v1/tickets/{key}/attachments",
            h.server.base_url()
        ))
        .bearer_auth(&h.server.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(files["items"].as_array().unwrap().len(), 1, "{files}");
}
