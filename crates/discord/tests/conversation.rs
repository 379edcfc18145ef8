//! The conversation's finer points: edits and deletions, limits, returning members'
//! history for staff, unlinked staff, private-thread panels.

mod common;

use common::{Harness, custom_ids, deployed, eventually, open, panel_input};
use docket_client::api::PanelMode;
use docket_client::{CommentQuery, PageQuery};

async fn comment_of(
    h: &Harness,
    key: &str,
    message: u64,
) -> Option<docket_client::api::CommentOut> {
    h.docket
        .find_comments(
            key,
            &CommentQuery {
                external_ref: Some(format!("discord:{message}")),
                ..CommentQuery::default()
            },
        )
        .await
        .ok()?
        .items
        .into_iter()
        .next()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_deletions_follow_the_message() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    let said = h
        .fake
        .user_says(channel, ids.alice, "my pritner is broken", vec![]);
    eventually("the comment", || comment_of(&h, &key, said.id)).await;
    h.fake.user_edits(channel, said.id, "my printer is broken");
    eventually("the edit", || async {
        let c = comment_of(&h, &key, said.id).await?;
        (c.body == "my printer is broken" && c.edited_at.is_some()).then_some(())
    })
    .await;
    h.fake.user_deletes(channel, said.id);
    eventually("the deletion", || async {
        let all = h
            .docket
            .list_comments(&key, &PageQuery::default())
            .await
            .ok()?;
        let c = all
            .items
            .into_iter()
            .find(|c| c.external_ref.as_deref() == Some(&format!("discord:{}", said.id)))?;
        c.deleted_at.is_some().then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_refuse_a_second_ticket_and_say_where_the_first_is() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    let (key, channel) = open(&h, ids.alice, &panel, message.id).await;
    let again = h.fake.button_interaction(
        ids.general_channel,
        ids.alice,
        message.id,
        &format!("docket:open:{}", panel.id),
    );
    let answer = h.interact(&again).await;
    assert_eq!(answer["type"], 4, "{answer}");
    assert_eq!(answer["data"]["flags"], 64);
    let text = answer["data"]["content"].as_str().unwrap();
    assert!(
        text.contains(&key) && text.contains(&format!("<#{channel}>")),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returning_member_shows_staff_their_history_and_only_staff() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    let (first, channel) = open(&h, ids.alice, &panel, message.id).await;
    let welcome = eventually("the welcome message", || async {
        h.fake
            .messages(channel)
            .into_iter()
            .find(|m| m.content.contains("Welcome"))
    })
    .await;
    assert!(
        !custom_ids(&welcome.components)
            .iter()
            .any(|c| c.starts_with("docket:card:")),
        "no history yet"
    );
    let patch = docket_client::api::TicketUpdate {
        status: Some("closed".into()),
        ..Default::default()
    };
    h.agent.update_ticket(&first, None, &patch).await.unwrap();
    eventually("the first channel deleted", || async {
        h.fake.channel(channel).is_none().then_some(())
    })
    .await;

    let (second, channel) = open(&h, ids.alice, &panel, message.id).await;
    let welcome = eventually("the second welcome", || async {
        h.fake
            .messages(channel)
            .into_iter()
            .find(|m| m.content.contains("Welcome"))
    })
    .await;
    let card_id = format!("docket:card:{second}");
    assert!(custom_ids(&welcome.components).contains(&card_id));
    // Nothing about the history is posted where Alice can read it.
    assert!(
        h.fake
            .messages(channel)
            .iter()
            .all(|m| !m.content.contains(&first))
    );
    let peek = h
        .fake
        .button_interaction(channel, ids.alice, welcome.id, &card_id);
    h.interact(&peek).await;
    assert!(
        h.final_answer(&peek)
            .await
            .contains("Only the support team")
    );
    let look = h
        .fake
        .button_interaction(channel, ids.bob, welcome.id, &card_id);
    let answer = h.interact(&look).await;
    assert_eq!(answer["data"]["flags"], 64, "ephemeral: Bob only");
    let card = h.final_answer(&look).await;
    assert!(card.contains(&first), "{card}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unlinked_staff_are_told_how_to_link() {
    let h = Harness::start().await;
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
    let claim =
        h.fake
            .button_interaction(channel, ids.bob, welcome.id, &format!("docket:claim:{key}"));
    h.interact(&claim).await;
    let text = h.final_answer(&claim).await;
    assert!(text.contains("/docket link"), "{text}");
    assert_eq!(
        h.docket.get_ticket(&key).await.unwrap().value.assignee_id,
        None
    );
    // Their messages still count, under their Discord name.
    let said = h
        .fake
        .user_says(channel, ids.bob, "Looking into it", vec![]);
    let c = eventually("Bob's message", || comment_of(&h, &key, said.id)).await;
    assert_eq!(c.author, docket_client::api::CommentAuthor::Staff);
    assert_eq!(c.author_name.as_deref(), Some("bob (Discord)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_panels_open_private_threads_with_the_member_and_staff() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let mut input = panel_input(&h, None);
    input.mode = PanelMode::Thread;
    input.category_id = None;
    let (panel, message) = deployed(&h, &input).await;
    let (key, thread) = open(&h, ids.alice, &panel, message.id).await;
    let t = h.fake.channel(thread).expect("the thread exists");
    assert_eq!(t.kind, docket_fake_discord::channel_type::PRIVATE_THREAD);
    assert_eq!(t.parent_id, Some(ids.general_channel));
    assert!(t.thread_members.contains(&ids.alice));
    assert!(t.thread_members.contains(&ids.bob), "staff are added");
    assert!(
        !t.thread_members.contains(&ids.carol),
        "not staff of this panel"
    );
    let said = h
        .fake
        .user_says(thread, ids.alice, "hello from the thread", vec![]);
    eventually("the thread message", || comment_of(&h, &key, said.id)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cooldown_says_when_the_member_may_open_again() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let mut input = panel_input(&h, None);
    input.max_open_per_member = 0;
    input.cooldown_seconds = 3600;
    let (panel, message) = deployed(&h, &input).await;
    open(&h, ids.alice, &panel, message.id).await;
    let again = h.fake.button_interaction(
        ids.general_channel,
        ids.alice,
        message.id,
        &format!("docket:open:{}", panel.id),
    );
    let answer = h.interact(&again).await;
    let text = answer["data"]["content"].as_str().unwrap_or_default();
    assert!(text.contains("open another <t:"), "{answer}");
    // Bob has no cooldown.
    let other = h.fake.button_interaction(
        ids.general_channel,
        ids.bob,
        message.id,
        &format!("docket:open:{}", panel.id),
    );
    assert_eq!(h.interact(&other).await["type"], 9);
}

/// A modal answer with a select menu inside a label, as Discord sends it.
fn with_select(
    mut i: docket_fake_discord::Interaction,
    field: &str,
    value: &str,
) -> docket_fake_discord::Interaction {
    i.json["data"]["components"] = serde_json::json!([{
        "type": 18, "id": 1,
        "component": { "type": 3, "id": 2, "custom_id": field, "values": [value] }
    }]);
    i
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_choices_are_a_select_menu_and_a_refused_ticket_leaves_no_channel() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let mut input = panel_input(&h, None);
    input.ticket_type = Some("it_support".into());
    input.support_roles[0].team = Some("it".into());
    let (panel, message) = deployed(&h, &input).await;
    let click = |user| {
        h.fake.button_interaction(
            ids.general_channel,
            user,
            message.id,
            &format!("docket:open:{}", panel.id),
        )
    };
    let answer = h.interact(&click(ids.alice)).await;
    assert_eq!(answer["type"], 9, "{answer}");
    let label = &answer["data"]["components"][0];
    assert_eq!(label["type"], 18, "a label: {label}");
    assert_eq!(label["component"]["type"], 3, "holding a select menu");
    assert_eq!(label["component"]["custom_id"], "category");
    let form = answer["data"]["custom_id"].as_str().unwrap().to_string();

    // A value the type refuses: the channel made for it goes again, the member is told.
    let channels_before = h.fake.channels().len();
    let submit = with_select(
        h.fake
            .modal_submit_interaction(ids.general_channel, ids.alice, &form, &[]),
        "category",
        "bogus",
    );
    h.interact(&submit).await;
    let text = h.final_answer(&submit).await;
    assert!(
        text.contains("could not be opened") && text.contains("category"),
        "{text}"
    );
    assert_eq!(
        h.fake.channels().len(),
        channels_before,
        "no channel left behind"
    );
    assert!(!h.fake.calls_to("DELETE", "/channels/*").is_empty());

    let submit = with_select(
        h.fake
            .modal_submit_interaction(ids.general_channel, ids.alice, &form, &[]),
        "category",
        "printing",
    );
    h.interact(&submit).await;
    let (key, _) = common::key_and_channel(&h.final_answer(&submit).await);
    let t = h.docket.get_ticket(&key).await.unwrap().value;
    assert_eq!(t.fields["category"], "printing");
    assert_eq!(t.team.as_deref(), Some("it"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_working_hours_members_are_told_when_staff_return() {
    use chrono::Datelike;
    let h = Harness::start().await;
    let ids = h.fake.ids();
    // Staff work one hour a week, on a day that is not today.
    let days = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let today = chrono::Utc::now().weekday().num_days_from_monday() as usize;
    let other = days[(today + 3) % 7];
    let r = h
        .http
        .put(format!(
            "{}/api/v1/sla/calendars/weekly-hour",
            h.server.base_url()
        ))
        .bearer_auth(&h.server.admin_token)
        .json(&serde_json::json!({
            "time_zone": "UTC",
            "week": { other: [{"start": "09:00", "end": "10:00"}] },
            "holidays": []
        }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let mut input = panel_input(&h, None);
    input.working_hours = Some("weekly-hour".into());
    let (panel, message) = deployed(&h, &input).await;
    let click = h.fake.button_interaction(
        ids.general_channel,
        ids.alice,
        message.id,
        &format!("docket:open:{}", panel.id),
    );
    let answer = h.interact(&click).await;
    assert_eq!(answer["data"]["flags"], 64, "{answer}");
    let text = answer["data"]["content"].as_str().unwrap();
    assert!(
        text.contains("away right now") && text.contains(":F>"),
        "{text}"
    );
    assert!(
        h.fake.calls_to("POST", "/guilds/*/channels").is_empty(),
        "no channel made"
    );
}
