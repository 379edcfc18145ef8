//! The gateway, first through twilight-gateway 0.18 with the adapter's features (zlib
//! transport compression included), then frame by frame for the corners twilight hides.

mod common;

use std::time::Duration;

use common::{WAIT, fake, install_crypto};
use docket_fake_discord::{FakeDiscord, intents};
use futures::{SinkExt, StreamExt as _};
use serde_json::{Value, json};
use tokio_websockets::{ClientBuilder, Message as WsMessage};
use twilight_gateway::{
    ConfigBuilder, Event, EventTypeFlags, Intents, Shard, ShardId, StreamExt as _,
};

fn shard(fake: &FakeDiscord, intents: Intents) -> Shard {
    install_crypto();
    let config = ConfigBuilder::new(fake.bot_token(), intents)
        .proxy_url(fake.gateway_url())
        .build();
    Shard::with_config(ShardId::ONE, config)
}

/// Events from the shard until `last` accepts one (it is included); transport errors,
/// which twilight reports and then recovers from, are skipped.
async fn events_until(shard: &mut Shard, mut last: impl FnMut(&Event) -> bool) -> Vec<Event> {
    let mut events = Vec::new();
    let collect = async {
        while let Some(item) = shard.next_event(EventTypeFlags::all()).await {
            let Ok(event) = item else { continue };
            let done = last(&event);
            events.push(event);
            if done {
                return;
            }
        }
    };
    tokio::time::timeout(WAIT, collect)
        .await
        .unwrap_or_else(|_| panic!("timed out; got {:?}", kinds(&events)));
    events
}

fn kinds(events: &[Event]) -> Vec<String> {
    events.iter().map(|e| format!("{:?}", e.kind())).collect()
}

fn contents(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::MessageCreate(m) => Some(m.content.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn twilight_identifies_receives_dispatches_and_resumes_without_losing_events() {
    let fake = fake().await;
    let ids = fake.ids();
    let wanted = Intents::GUILDS
        | Intents::GUILD_MESSAGES
        | Intents::MESSAGE_CONTENT
        | Intents::DIRECT_MESSAGES;
    let mut shard = shard(&fake, wanted);

    let start = events_until(&mut shard, |e| matches!(e, Event::GuildCreate(_))).await;
    let Some(Event::Ready(ready)) = start.iter().find(|e| matches!(e, Event::Ready(_))) else {
        panic!("no READY in {:?}", kinds(&start));
    };
    assert_eq!(ready.user.id.get(), ids.bot_user);
    assert_eq!(ready.application.id.get(), ids.application);
    assert_eq!(ready.resume_gateway_url, fake.gateway_url());
    let Some(Event::GuildCreate(guild)) = start.last() else {
        unreachable!()
    };
    assert_eq!(guild.id().get(), ids.guild);

    let intents = fake.last_intents().unwrap();
    assert_ne!(
        intents & intents::MESSAGE_CONTENT,
        0,
        "MESSAGE_CONTENT asked"
    );
    assert_ne!(intents & intents::GUILD_MESSAGES, 0, "GUILD_MESSAGES asked");
    let query = &fake.gateway_queries()[0];
    assert!(query.starts_with("v=10&encoding=json"), "{query}");
    assert!(
        query.contains("compress=zlib-stream"),
        "the zlib path is the one exercised: {query}"
    );

    fake.user_says(ids.general_channel, ids.alice, "first", vec![]);
    let live = events_until(&mut shard, |e| matches!(e, Event::MessageCreate(_))).await;
    let Some(Event::MessageCreate(message)) = live.last() else {
        unreachable!()
    };
    assert_eq!(message.content, "first");
    assert_eq!(message.author.id.get(), ids.alice);
    assert_eq!(message.guild_id.map(|g| g.get()), Some(ids.guild));

    // Abrupt drop; what happens meanwhile comes back on resume, once and in order.
    assert_eq!(fake.disconnect(false), 1);
    fake.user_says(ids.general_channel, ids.alice, "second", vec![]);
    fake.user_says(ids.general_channel, ids.bob, "third", vec![]);
    let resumed = events_until(&mut shard, |e| matches!(e, Event::Resumed)).await;
    assert_eq!(
        contents(&resumed),
        ["second", "third"],
        "{:?}",
        kinds(&resumed)
    );
    assert_eq!(fake.resume_count(), 1);
    assert_eq!(fake.identify_count(), 1);

    // With a close frame, and with op 7 RECONNECT: the same.
    fake.disconnect(true);
    fake.user_says(ids.general_channel, ids.alice, "fourth", vec![]);
    let resumed = events_until(&mut shard, |e| matches!(e, Event::Resumed)).await;
    assert_eq!(contents(&resumed), ["fourth"]);
    fake.send_reconnect();
    fake.user_says(ids.general_channel, ids.alice, "fifth", vec![]);
    let resumed = events_until(&mut shard, |e| matches!(e, Event::Resumed)).await;
    assert_eq!(contents(&resumed), ["fifth"]);
    assert_eq!(fake.resume_count(), 3);
    assert_eq!(fake.identify_count(), 1, "never identified again");

    // Live again after the resume; edits and deletes arrive too.
    let sixth = fake.user_says(ids.general_channel, ids.alice, "sixth", vec![]);
    fake.user_edits(ids.general_channel, sixth.id, "sixth, edited");
    fake.user_deletes(ids.general_channel, sixth.id);
    let tail = events_until(&mut shard, |e| matches!(e, Event::MessageDelete(_))).await;
    assert_eq!(contents(&tail), ["sixth"]);
    assert!(
        tail.iter()
            .any(|e| matches!(e, Event::MessageUpdate(u) if u.content == "sixth, edited"))
    );

    // A server-requested heartbeat is answered.
    let before = fake.heartbeat_count();
    fake.request_heartbeat();
    let polled = async {
        loop {
            tokio::select! {
                _ = shard.next_event(EventTypeFlags::all()) => {}
                _ = tokio::time::sleep(Duration::from_millis(20)) => {
                    if fake.heartbeat_count() > before { return; }
                }
            }
        }
    };
    tokio::time::timeout(WAIT, polled)
        .await
        .expect("heartbeat after op 1");
}

#[tokio::test]
async fn twilight_sees_the_bots_own_rest_actions_as_discord_sends_them() {
    let fake = fake().await;
    let ids = fake.ids();
    let mut shard = shard(
        &fake,
        Intents::GUILDS | Intents::GUILD_MESSAGES | Intents::MESSAGE_CONTENT,
    );
    events_until(&mut shard, |e| matches!(e, Event::GuildCreate(_))).await;
    let client = common::twilight(&fake);
    let channel = client
        .create_guild_channel(twilight_model::id::Id::new(ids.guild), "ticket-7")
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    client
        .create_message(channel.id)
        .content("from the bot")
        .await
        .unwrap();
    let events = events_until(&mut shard, |e| matches!(e, Event::MessageCreate(_))).await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::ChannelCreate(c) if c.id == channel.id))
    );
    let Some(Event::MessageCreate(own)) = events.last() else {
        unreachable!()
    };
    assert_eq!(
        own.author.id.get(),
        ids.bot_user,
        "the adapter must skip its own messages"
    );
    client.delete_channel(channel.id).await.unwrap();
    events_until(
        &mut shard,
        |e| matches!(e, Event::ChannelDelete(c) if c.id == channel.id),
    )
    .await;
}

// ----- frame by frame -----

struct Raw {
    ws: tokio_websockets::WebSocketStream<tokio_websockets::MaybeTlsStream<tokio::net::TcpStream>>,
}

impl Raw {
    async fn connect(fake: &FakeDiscord) -> Raw {
        install_crypto();
        let url = format!("{}/?v=10&encoding=json", fake.gateway_url());
        let (ws, _) = ClientBuilder::new()
            .uri(&url)
            .unwrap()
            .connect()
            .await
            .unwrap();
        Raw { ws }
    }

    async fn send(&mut self, payload: Value) {
        self.ws
            .send(WsMessage::text(payload.to_string()))
            .await
            .unwrap();
    }

    /// The next payload, or `Err(close code)` when the server closes.
    async fn recv(&mut self) -> Result<Value, Option<u16>> {
        let message = tokio::time::timeout(WAIT, self.ws.next())
            .await
            .expect("a frame in time");
        match message {
            Some(Ok(message)) if message.is_text() => {
                Ok(serde_json::from_str(message.as_text().unwrap()).unwrap())
            }
            Some(Ok(message)) if message.is_close() => {
                Err(message.as_close().map(|(code, _)| u16::from(code)))
            }
            Some(Ok(other)) => panic!("unexpected frame {other:?}"),
            _ => Err(None),
        }
    }

    async fn identify(&mut self, fake: &FakeDiscord, intents: u64) -> (String, Vec<Value>) {
        let hello = self.recv().await.unwrap();
        assert_eq!(hello["op"], 10);
        assert_eq!(hello["d"]["heartbeat_interval"], 500);
        self.send(json!({ "op": 2, "d": {
            "token": fake.bot_token(), "intents": intents,
            "properties": { "os": "linux", "browser": "test", "device": "test" },
        }}))
        .await;
        let ready = self.recv().await.unwrap();
        assert_eq!(
            (ready["t"].as_str(), ready["s"].as_u64()),
            (Some("READY"), Some(1))
        );
        let mut events = vec![ready.clone()];
        if intents & intents::GUILDS != 0 {
            events.push(self.recv().await.unwrap());
        }
        (
            ready["d"]["session_id"].as_str().unwrap().to_string(),
            events,
        )
    }
}

#[tokio::test]
async fn raw_protocol_heartbeats_bad_tokens_sequences_and_content_blanking() {
    let fake = fake().await;
    let ids = fake.ids();

    // A wrong token is refused with 4004.
    let mut raw = Raw::connect(&fake).await;
    raw.recv().await.unwrap();
    raw.send(json!({ "op": 2, "d": { "token": "nope", "intents": 513, "properties": {} } }))
        .await;
    assert_eq!(raw.recv().await.unwrap_err(), Some(4004));

    // Without MESSAGE_CONTENT, guild messages arrive with their content blanked.
    let mut raw = Raw::connect(&fake).await;
    let (session, events) = raw
        .identify(&fake, intents::GUILDS | intents::GUILD_MESSAGES)
        .await;
    assert_eq!(events[1]["t"], "GUILD_CREATE");
    assert_eq!(events[1]["s"], 2);
    // READY and GUILD_CREATE deserialise the way twilight reads them.
    serde_json::from_value::<twilight_model::gateway::payload::incoming::Ready>(
        events[0]["d"].clone(),
    )
    .unwrap();
    let guild: twilight_model::guild::Guild =
        serde_json::from_value(events[1]["d"].clone()).unwrap();
    assert!(
        guild
            .channels
            .iter()
            .any(|c| c.id.get() == ids.general_channel)
    );
    assert_eq!(guild.members.len(), 4);

    raw.send(json!({ "op": 1, "d": 2 })).await;
    assert_eq!(raw.recv().await.unwrap()["op"], 11);

    fake.user_says(ids.general_channel, ids.alice, "secret", vec![]);
    let event = raw.recv().await.unwrap();
    assert_eq!(
        (event["t"].as_str(), event["s"].as_u64()),
        (Some("MESSAGE_CREATE"), Some(3))
    );
    assert_eq!(event["d"]["content"], "");
    // ...unless the bot is mentioned.
    fake.user_says(
        ids.general_channel,
        ids.alice,
        &format!("<@{}> help", ids.bot_user),
        vec![],
    );
    let event = raw.recv().await.unwrap();
    assert_eq!(event["d"]["content"], format!("<@{}> help", ids.bot_user));
    assert_eq!(event["d"]["mentions"][0]["id"], ids.bot_user.to_string());

    // Resume on a new connection from sequence 2: 3 and 4 again, then RESUMED.
    fake.disconnect(false);
    fake.user_says(ids.general_channel, ids.bob, "while away", vec![]);
    let mut again = Raw::connect(&fake).await;
    again.recv().await.unwrap();
    again.send(json!({ "op": 6, "d": { "token": format!("Bot {}", fake.bot_token()), "session_id": session, "seq": 2 } })).await;
    let mut seen = Vec::new();
    loop {
        let event = again.recv().await.unwrap();
        if event["t"] == "RESUMED" {
            break;
        }
        seen.push(event["s"].as_u64().unwrap());
    }
    assert_eq!(seen, [3, 4, 5]);

    // A non-resumable INVALID SESSION forgets the session.
    fake.invalidate_session(false);
    assert_eq!(
        again.recv().await.unwrap(),
        json!({ "op": 9, "d": false, "s": null, "t": null })
    );
    let mut third = Raw::connect(&fake).await;
    third.recv().await.unwrap();
    third
        .send(
            json!({ "op": 6, "d": { "token": fake.bot_token(), "session_id": session, "seq": 5 } }),
        )
        .await;
    assert_eq!(third.recv().await.unwrap()["op"], 9);

    // Unknown opcodes close with 4001.
    third.send(json!({ "op": 42, "d": null })).await;
    assert_eq!(third.recv().await.unwrap_err(), Some(4001));
}

#[tokio::test]
async fn dropping_the_fake_ends_its_gateway_connections() {
    let fake = fake().await;
    let mut raw = Raw::connect(&fake).await;
    raw.recv().await.unwrap();
    drop(fake);
    assert!(
        raw.recv().await.is_err(),
        "the connection ends with the fake"
    );
}
