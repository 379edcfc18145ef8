//! Tickets that end outside the adapter's own close flow: a channel or thread deleted by
//! a moderator in Discord, a ticket closed in Docket while the adapter was away.

mod common;

use std::time::Duration;

use common::{Harness, deployed, eventually, open, panel_input};
use docket_client::api::{CommentOut, PanelMode, TicketUpdate};
use docket_client::{CommentQuery, PageQuery};
use docket_discord::ids::channel_deleted_ref;

async fn comments(h: &Harness, key: &str) -> Vec<CommentOut> {
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
}

async fn wait_closed(h: &Harness, key: &str) {
    eventually(&format!("{key} closed in Docket"), || async {
        let t = h.docket.get_ticket(key).await.ok()?.value;
        (t.status_category == "closed").then_some(())
    })
    .await;
}

/// The log channel's embeds that record `key`'s close.
fn log_entries(h: &Harness, log: u64, key: &str) -> Vec<serde_json::Value> {
    h.fake
        .messages(log)
        .into_iter()
        .flat_map(|m| m.embeds)
        .filter(|e| {
            e["title"]
                .as_str()
                .is_some_and(|t| t.starts_with(&format!("{key} closed")))
        })
        .collect()
}

fn closed_by(embed: &serde_json::Value) -> String {
    embed["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Closed by")
        .map(|f| f["value"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

/// Calls that reached the (deleted) channel itself or its messages.
fn calls_on(h: &Harness, channel: u64) -> usize {
    let prefix = format!("/channels/{channel}");
    h.fake
        .calls()
        .iter()
        .filter(|c| c.path == prefix || c.path.starts_with(&format!("{prefix}/")))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_deleted_by_a_moderator_closes_its_ticket_once() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let log = h.text_channel("ticket-log").await;
    let (panel, message) = deployed(&h, &panel_input(&h, Some(log))).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    let said = h
        .fake
        .user_says(channel, ids.alice, "my order never arrived", vec![]);
    eventually("Alice's message relayed", || async {
        let found = h
            .docket
            .find_comments(
                &key,
                &CommentQuery {
                    external_ref: Some(docket_discord::ids::message_ref(said.id)),
                    ..CommentQuery::default()
                },
            )
            .await
            .ok()?;
        (!found.items.is_empty()).then_some(())
    })
    .await;
    eventually("the welcome message", || async {
        h.fake
            .messages(channel)
            .into_iter()
            .find(|m| m.content.contains("Welcome"))
    })
    .await;
    let before = calls_on(&h, channel);

    h.fake.admin_deletes_channel(channel);
    wait_closed(&h, &key).await;
    let note = eventually("the note saying why", || async {
        comments(&h, &key)
            .await
            .into_iter()
            .find(|c| c.external_ref.as_deref() == Some(&channel_deleted_ref(channel)))
    })
    .await;
    assert!(note.body.contains("deleted in Discord"), "{}", note.body);
    assert!(note.body.contains("No transcript"), "{}", note.body);
    let entry = eventually("the log entry", || async {
        log_entries(&h, log, &key).into_iter().next()
    })
    .await;
    assert_eq!(closed_by(&entry), "channel deleted in Discord");
    assert!(
        h.docket.get_transcript(&key).await.is_err(),
        "no transcript: the messages are gone"
    );

    // The same deletion again, as a resumed gateway session replays it.
    let deleted = serde_json::json!({
        "id": channel.to_string(),
        "guild_id": ids.guild.to_string(),
        "parent_id": ids.tickets_category.to_string(),
        "type": 0,
        "name": "ticket",
        "position": 0,
        "permission_overwrites": [],
    });
    h.fake.dispatch_event("CHANNEL_DELETE", deleted);
    // Nothing to wait for when nothing happens: give the replay ample time to do harm.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let notes = comments(&h, &key)
        .await
        .into_iter()
        .filter(|c| c.external_ref.as_deref() == Some(&channel_deleted_ref(channel)))
        .count();
    assert_eq!(notes, 1, "one note");
    assert_eq!(log_entries(&h, log, &key).len(), 1, "one log entry");
    assert_eq!(
        calls_on(&h, channel),
        before,
        "the deleted channel is not touched again"
    );
    // No survey for a conversation a moderator cut short.
    assert!(
        h.fake.messages(h.fake.dm_channel(ids.alice)).is_empty(),
        "no survey DM"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_thread_deleted_by_a_moderator_closes_its_ticket() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let mut input = panel_input(&h, None);
    input.mode = PanelMode::Thread;
    input.category_id = None;
    let (panel, message) = deployed(&h, &input).await;
    let (key, thread) = open(&h, ids.alice, &panel, message.id).await;
    h.fake.admin_deletes_channel(thread);
    wait_closed(&h, &key).await;
    assert!(
        comments(&h, &key)
            .await
            .iter()
            .any(|c| c.external_ref.as_deref() == Some(&channel_deleted_ref(thread)))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_deleted_while_the_adapter_was_away_closes_its_ticket_on_return() {
    let mut h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    // Another ticket, whose channel stays: it must stay open.
    let erin = h.fake.add_member("erin", &[]);
    let (other, _) = open(&h, erin, &panel, message.id).await;

    h.stop_adapter().await;
    // No session hears this CHANNEL_DELETE.
    h.fake.admin_deletes_channel(channel);
    h.start_adapter().await;
    wait_closed(&h, &key).await;
    assert!(
        comments(&h, &key)
            .await
            .iter()
            .any(|c| c.external_ref.as_deref() == Some(&channel_deleted_ref(channel)))
    );
    let other = h.docket.get_ticket(&other).await.unwrap().value;
    assert_ne!(other.status_category, "closed");
}

/// The exit survey DMs Alice got for `key`.
fn surveys(h: &Harness, member: u64, key: &str) -> usize {
    h.fake
        .messages(h.fake.dm_channel(member))
        .iter()
        .filter(|m| m.content.contains(&format!("**{key}** was closed")))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_closed_in_docket_while_the_adapter_was_away_is_closed_in_discord_once() {
    let mut h = Harness::start().await;
    let ids = h.fake.ids();
    let log = h.text_channel("ticket-log").await;
    let (panel, message) = deployed(&h, &panel_input(&h, Some(log))).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    h.fake
        .user_says(channel, ids.alice, "solved it myself, thanks", vec![]);
    eventually("Alice's message relayed", || async {
        comments(&h, &key)
            .await
            .iter()
            .any(|c| c.body == "solved it myself, thanks")
            .then_some(())
    })
    .await;

    h.stop_adapter().await;
    // Dana closes it in the web UI; no adapter hears the live stream.
    let patch = TicketUpdate {
        status: Some("closed".into()),
        ..TicketUpdate::default()
    };
    h.agent.update_ticket(&key, None, &patch).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(h.fake.channel(channel).is_some(), "nobody closed it yet");

    h.start_adapter().await;
    eventually("the channel deleted", || async {
        h.fake.channel(channel).is_none().then_some(())
    })
    .await;
    let t = h.docket.get_transcript(&key).await.unwrap();
    assert!(
        t.transcript
            .messages
            .iter()
            .any(|m| m.content == "solved it myself, thanks"),
        "the transcript was saved before the channel went"
    );
    let entry = eventually("the log entry", || async {
        log_entries(&h, log, &key).into_iter().next()
    })
    .await;
    assert_eq!(closed_by(&entry), "Docket");
    eventually("the survey DM", || async {
        (surveys(&h, ids.alice, &key) > 0).then_some(())
    })
    .await;

    // Another restart: the sweep looks again, finds the channel gone and does nothing.
    h.stop_adapter().await;
    let looked = h
        .fake
        .calls_to("GET", &format!("/channels/{channel}"))
        .len();
    h.start_adapter().await;
    eventually("the new adapter's sweep", || async {
        (h.fake
            .calls_to("GET", &format!("/channels/{channel}"))
            .len()
            > looked)
            .then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(log_entries(&h, log, &key).len(), 1, "one log entry");
    assert_eq!(surveys(&h, ids.alice, &key), 1, "one survey");
    let deletes = h
        .fake
        .calls_to("DELETE", &format!("/channels/{channel}"))
        .len();
    assert_eq!(deletes, 1, "the channel was deleted once");
}
