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

fn web_reply(body: &str) -> docket_client::api::CommentCreate {
    docket_client::api::CommentCreate {
        kind: docket_client::api::CommentKind::Public,
        body: body.into(),
        author: docket_client::api::CommentAuthor::Staff,
        author_name: None,
        channel: None,
        attachments: vec![],
        external_ref: None,
    }
}

/// Comment `id` of `key`, as Docket has it now.
async fn comment(h: &Harness, key: &str, id: i64) -> CommentOut {
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
        .find(|c| c.id == id)
        .expect("the comment exists")
}

/// The channel's messages whose text contains `text`.
fn copies(h: &Harness, channel: u64, text: &str) -> Vec<docket_fake_discord::Message> {
    h.fake
        .messages(channel)
        .into_iter()
        .filter(|m| m.content.contains(text))
        .collect()
}

async fn welcomed(h: &Harness, channel: u64) {
    eventually("the welcome message", || async {
        (!copies(h, channel, "Welcome").is_empty()).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_reply_posted_just_before_a_crash_is_not_posted_again() {
    let mut h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    welcomed(&h, channel).await;

    // Discord makes the message, but its answer comes too late for this adapter: it
    // stops (crashes, is redeployed) before it can record which message it became.
    h.fake.delay_answers(
        "POST",
        &format!("/channels/{channel}/messages"),
        1,
        Duration::from_secs(120),
    );
    let reply = h
        .agent
        .add_comment(&key, &web_reply("We are looking into it"))
        .await
        .unwrap();
    let posted = eventually("the reply in the channel", || async {
        copies(&h, channel, "We are looking into it")
            .into_iter()
            .next()
    })
    .await;
    h.stop_adapter().await;
    assert_eq!(
        comment(&h, &key, reply.id).await.external_ref,
        None,
        "the crash came before the message was recorded"
    );

    // The next adapter finds the reply unrelayed and posts it again: Discord knows the
    // nonce and answers the message it made.
    h.start_adapter().await;
    let recorded = eventually("the reply recorded as relayed", || async {
        comment(&h, &key, reply.id).await.external_ref
    })
    .await;
    // The first answer never arrived: the id came from Discord's answer to the second
    // post, which was the first message.
    assert_eq!(recorded, docket_discord::ids::message_ref(posted.id));
    assert_eq!(copies(&h, channel, "We are looking into it").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discord_failing_a_web_reply_is_retried_and_posts_it_once() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    welcomed(&h, channel).await;

    let route = format!("/channels/{channel}/messages");
    // A 500 that did nothing, then two 502s after the message was made.
    h.fake
        .inject_error("POST", &route, 1, 500, 0, "500: Internal Server Error");
    h.fake
        .inject_error_after_effect("POST", &route, 2, 502, "Bad Gateway");
    let reply = h
        .agent
        .add_comment(&key, &web_reply("Fixed on our side"))
        .await
        .unwrap();
    let recorded = eventually("the reply recorded as relayed", || async {
        comment(&h, &key, reply.id).await.external_ref
    })
    .await;
    let posted = copies(&h, channel, "Fixed on our side");
    assert_eq!(posted.len(), 1, "one message: {posted:?}");
    assert_eq!(recorded, docket_discord::ids::message_ref(posted[0].id));
    let statuses: Vec<u16> = h
        .fake
        .calls_to("POST", &route)
        .iter()
        .filter(|c| {
            c.body["content"]
                .as_str()
                .unwrap_or("")
                .contains("Fixed on our side")
        })
        .map(|c| c.status)
        .collect();
    assert_eq!(statuses, [500, 502, 502, 200]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docket_answering_429_is_waited_out_both_ways_and_nothing_doubles() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    welcomed(&h, channel).await;
    let ticket_path = format!("/api/v1/tickets/{key}");

    // Discord → Docket: the comment is refused three times, then written once.
    h.gate.answer(429, &format!("{ticket_path}/comments"), 3);
    h.fake
        .user_says(channel, ids.alice, "is anyone there?", vec![]);
    wait_bodies(&h, &key, &["is anyone there?"]).await;
    let (_, refused) = h.gate.requests_to(&format!("{ticket_path}/comments"));
    assert_eq!(refused, 3, "Docket's 429s happened");
    h.gate.stop_answering();

    // Docket → Discord: reading the ticket for a web reply is refused twice; the relay
    // tries again by itself and posts it once.
    h.gate.answer(429, &ticket_path, 2);
    let reply = h
        .agent
        .add_comment(&key, &web_reply("Yes, reading your ticket now"))
        .await
        .unwrap();
    let recorded = eventually("the reply recorded as relayed", || async {
        comment(&h, &key, reply.id).await.external_ref
    })
    .await;
    let (_, refused) = h.gate.requests_to(&ticket_path);
    assert!(
        refused >= 5,
        "the second round of 429s happened ({refused})"
    );
    let posted = copies(&h, channel, "Yes, reading your ticket now");
    assert_eq!(posted.len(), 1);
    assert_eq!(recorded, docket_discord::ids::message_ref(posted[0].id));
    wait_bodies(&h, &key, &["is anyone there?"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_stream_refused_with_401_is_asked_for_again_with_backoff() {
    let mut h = Harness::start_with(|c| c.live_retry_max = Duration::from_secs(2)).await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    welcomed(&h, channel).await;

    // The stream is refused (a revoked token, a proxy's auth) from the adapter's start.
    h.stop_adapter().await;
    h.gate.answer(401, "/api/v1/stream", u32::MAX);
    h.start_adapter().await;
    eventually("the stream refused twice", || async {
        (h.gate.requests_to("/api/v1/stream").1 >= 2).then_some(())
    })
    .await;
    let (before, _) = h.gate.requests_to("/api/v1/stream");
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (after, _) = h.gate.requests_to("/api/v1/stream");
    // Waits of at least a second, growing: a hot loop would ask hundreds of times.
    assert!(
        after - before <= 5,
        "{} stream requests in 4 s",
        after - before
    );

    // Allowed again: the relay picks up where it is, within the longest wait.
    h.gate.stop_answering();
    let reply = h
        .agent
        .add_comment(&key, &web_reply("Back online"))
        .await
        .unwrap();
    eventually("the reply relayed", || async {
        comment(&h, &key, reply.id).await.external_ref
    })
    .await;
    assert_eq!(copies(&h, channel, "Back online").len(), 1);
}
