//! Slash commands, the close request, closing from the web UI, and the inactivity sweep.

mod common;

use std::time::Duration;

use common::{Harness, custom_ids, deployed, eventually, open, panel_input};
use docket_client::api::{Inactivity, PanelMode, TicketUpdate};
use docket_fake_discord::permission;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_add_and_remove_change_who_sees_the_channel() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    let (_key, channel) = open(&h, ids.alice, &panel, message.id).await;
    let friend = h.fake.add_member("frank", &[]);

    // Alice is no staff: refused.
    let cmd = h
        .fake
        .ticket_command_interaction(channel, ids.alice, "add", friend);
    h.interact(&cmd).await;
    assert!(h.final_answer(&cmd).await.contains("Only the support team"));
    assert!(
        h.fake
            .channel(channel)
            .unwrap()
            .overwrites
            .iter()
            .all(|o| o.id != friend)
    );

    let cmd = h
        .fake
        .ticket_command_interaction(channel, ids.bob, "add", friend);
    h.interact(&cmd).await;
    assert!(h.final_answer(&cmd).await.contains("was added"));
    let o = h
        .fake
        .channel(channel)
        .unwrap()
        .overwrites
        .into_iter()
        .find(|o| o.id == friend)
        .expect("an overwrite for Frank");
    assert_ne!(o.allow & permission::VIEW_CHANNEL, 0);

    let cmd = h
        .fake
        .ticket_command_interaction(channel, ids.bob, "remove", friend);
    h.interact(&cmd).await;
    assert!(h.final_answer(&cmd).await.contains("was removed"));
    let o = h
        .fake
        .channel(channel)
        .unwrap()
        .overwrites
        .into_iter()
        .find(|o| o.id == friend)
        .unwrap();
    assert_eq!(o.allow & permission::VIEW_CHANNEL, 0);
    assert_ne!(o.deny & permission::VIEW_CHANNEL, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticket_add_and_remove_in_a_private_thread_change_its_members() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let mut input = panel_input(&h, None);
    input.mode = PanelMode::Thread;
    input.category_id = None;
    let (panel, message) = deployed(&h, &input).await;
    let (_key, thread) = open(&h, ids.alice, &panel, message.id).await;
    let friend = h.fake.add_member("frank", &[]);
    let members = || h.fake.channel(thread).unwrap().thread_members;
    assert!(!members().contains(&friend));

    // Alice is no staff: refused.
    let cmd = h
        .fake
        .ticket_command_interaction(thread, ids.alice, "add", friend);
    h.interact(&cmd).await;
    assert!(h.final_answer(&cmd).await.contains("Only the support team"));
    assert!(!members().contains(&friend));

    let cmd = h
        .fake
        .ticket_command_interaction(thread, ids.bob, "add", friend);
    h.interact(&cmd).await;
    assert!(h.final_answer(&cmd).await.contains("was added"));
    assert!(members().contains(&friend), "{:?}", members());
    // A thread has no overwrites: members are how access works.
    assert!(h.fake.channel(thread).unwrap().overwrites.is_empty());

    let cmd = h
        .fake
        .ticket_command_interaction(thread, ids.bob, "remove", friend);
    h.interact(&cmd).await;
    assert!(h.final_answer(&cmd).await.contains("was removed"));
    assert!(!members().contains(&friend), "{:?}", members());
    assert!(members().contains(&ids.alice), "the member stays");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_close_request_is_confirmed_by_the_member() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    // /ticket close-request, built as Discord sends a subcommand without options.
    let mut cmd = h
        .fake
        .ticket_command_interaction(channel, ids.bob, "add", ids.alice);
    cmd.json["data"]["options"] = serde_json::json!([{ "name": "close-request", "type": 1 }]);
    h.interact(&cmd).await;
    assert!(h.final_answer(&cmd).await.contains("Close request sent"));
    let request = eventually("the close request", || async {
        h.fake
            .messages(channel)
            .into_iter()
            .find(|m| custom_ids(&m.components).contains(&format!("docket:close-confirm:{key}")))
    })
    .await;
    let confirm = h.fake.button_interaction(
        channel,
        ids.alice,
        request.id,
        &format!("docket:close-confirm:{key}"),
    );
    let answer = h.interact(&confirm).await;
    assert_eq!(answer["type"], 9);
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
    assert_eq!(
        h.docket
            .get_ticket(&key)
            .await
            .unwrap()
            .value
            .status_category,
        "closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_in_the_web_ui_closes_the_channel_with_its_transcript() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    h.fake
        .user_says(channel, ids.alice, "thanks, all good now", vec![]);
    eventually("Alice's message relayed", || async {
        let c = h
            .docket
            .list_comments(&key, &Default::default())
            .await
            .ok()?;
        c.items
            .iter()
            .any(|c| c.body == "thanks, all good now")
            .then_some(())
    })
    .await;
    let patch = TicketUpdate {
        status: Some("closed".into()),
        ..TicketUpdate::default()
    };
    h.agent.update_ticket(&key, None, &patch).await.unwrap();
    eventually("the channel deleted", || async {
        h.fake.channel(channel).is_none().then_some(())
    })
    .await;
    let t = h.docket.get_transcript(&key).await.unwrap();
    assert!(
        t.transcript
            .messages
            .iter()
            .any(|m| m.content == "thanks, all good now")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docket_link_gives_a_code() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let mut cmd = h
        .fake
        .ticket_command_interaction(ids.general_channel, ids.bob, "add", ids.alice);
    cmd.json["data"]["name"] = "docket".into();
    cmd.json["data"]["options"] = serde_json::json!([{ "name": "link", "type": 1 }]);
    let answer = h.interact(&cmd).await;
    assert_eq!(answer["data"]["flags"], 64, "only Bob sees his code");
    let text = h.final_answer(&cmd).await;
    assert!(text.contains("link code is **"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_tickets_are_warned_then_closed() {
    // Three hours from now, as the sweep sees it.
    fn later() -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() + chrono::Duration::hours(3)
    }
    let h = Harness::start_with(|c| {
        c.sweep_interval = Duration::from_millis(300);
        c.clock = later;
    })
    .await;
    let ids = h.fake.ids();
    let mut input = panel_input(&h, None);
    // Three hours on, the first sweep finds the channel quiet and warns; the next finds
    // the warning unanswered and closes.
    input.inactivity = Some(Inactivity {
        warn_after_hours: 1,
        close_after_hours: 2,
    });
    let (panel, message) = deployed(&h, &input).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    eventually("the warning", || async {
        h.fake
            .messages(channel)
            .into_iter()
            .find(|m| m.content.contains("has been quiet"))
    })
    .await;
    eventually("the channel deleted", || async {
        h.fake.channel(channel).is_none().then_some(())
    })
    .await;
    let t = h.docket.get_ticket(&key).await.unwrap().value;
    assert_eq!(t.status_category, "closed");
}
