//! Panel deploys and who may press what.

mod common;

use common::{Harness, custom_ids, deployed, eventually, open, panel_input};
use docket_client::api::PanelTopic;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panel_deployed_twice_edits_its_message_and_reposts_a_deleted_one() {
    let h = Harness::start().await;
    let general = h.fake.ids().general_channel;
    let mut input = panel_input(&h, None);
    let (panel, first) = deployed(&h, &input).await;
    let first_deployed = panel.deployment.clone().unwrap();
    assert_eq!(first_deployed.message_id, first.id.to_string());

    input.title = "Need help? We're here".into();
    h.admin.update_panel(panel.id, &input).await.unwrap();
    h.admin.deploy_panel(panel.id).await.unwrap();
    let edited = eventually("the edit", || async {
        let m = h.fake.message(general, first.id)?;
        (m.embeds[0]["title"] == "Need help? We're here").then_some(m)
    })
    .await;
    assert_eq!(edited.id, first.id, "edited in place");
    let panels: Vec<_> = h
        .fake
        .messages(general)
        .into_iter()
        .filter(|m| {
            custom_ids(&m.components)
                .iter()
                .any(|c| c.starts_with("docket:open:"))
        })
        .collect();
    assert_eq!(panels.len(), 1, "not posted twice");
    eventually("the second deployment recorded", || async {
        let p = h.docket.get_panel(panel.id).await.ok()?;
        let d = p.deployment?;
        (d.version == p.version && d.deployed_at > first_deployed.deployed_at).then_some(())
    })
    .await;

    // Someone deletes the panel message; the next deploy posts it again.
    h.fake.user_deletes(general, first.id);
    h.admin.deploy_panel(panel.id).await.unwrap();
    let again = eventually("the panel posted anew", || async {
        h.fake.messages(general).into_iter().find(|m| {
            m.id != first.id
                && custom_ids(&m.components)
                    .iter()
                    .any(|c| c.starts_with("docket:open:"))
        })
    })
    .await;
    eventually("the new message recorded", || async {
        let d = h.docket.get_panel(panel.id).await.ok()?.deployment?;
        (d.message_id == again.id.to_string()).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_make_a_select_menu_that_opens_the_topic() {
    let h = Harness::start().await;
    let ids = h.fake.ids();
    let mut input = panel_input(&h, None);
    input.topics = vec![
        PanelTopic {
            id: "billing".into(),
            label: "Billing".into(),
            description: Some("Payments and invoices".into()),
            emoji: None,
            ticket_type: "discord_support".into(),
        },
        PanelTopic {
            id: "bug_report".into(),
            label: "Bug report".into(),
            description: None,
            emoji: None,
            ticket_type: "discord_support".into(),
        },
    ];
    let panel = h.admin.create_panel(&input).await.unwrap();
    h.admin.deploy_panel(panel.id).await.unwrap();
    let menu_id = format!("docket:menu:{}", panel.id);
    let message = h.posted_panel(ids.general_channel, &menu_id).await;
    let pick = h.fake.select_interaction(
        ids.general_channel,
        ids.alice,
        message.id,
        &menu_id,
        &["billing"],
    );
    let answer = h.interact(&pick).await;
    assert_eq!(answer["type"], 9, "{answer}");
    assert_eq!(
        answer["data"]["custom_id"],
        format!("docket:form:{}:billing", panel.id)
    );
    let submit = h.fake.modal_submit_interaction(
        ids.general_channel,
        ids.alice,
        &format!("docket:form:{}:billing", panel.id),
        &[("details", "I was charged twice this month")],
    );
    h.interact(&submit).await;
    let (key, _) = common::key_and_channel(&h.final_answer(&submit).await);
    let ticket = h.docket.get_ticket(&key).await.unwrap().value;
    assert_eq!(ticket.fields["topic"], "billing");
    assert!(ticket.title.starts_with("Billing"), "{}", ticket.title);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_without_a_support_role_cannot_claim_or_close_others_tickets() {
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
    // Mallory was added to the channel by staff but is no staff.
    let mallory = h.fake.add_member("mallory", &[]);
    let close =
        h.fake
            .button_interaction(channel, mallory, welcome.id, &format!("docket:close:{key}"));
    let answer = h.interact(&close).await;
    assert_eq!(answer["type"], 4, "{answer}");
    assert!(
        answer["data"]["content"]
            .as_str()
            .unwrap()
            .contains("Only the support team")
    );
    let claim =
        h.fake
            .button_interaction(channel, mallory, welcome.id, &format!("docket:claim:{key}"));
    h.interact(&claim).await;
    assert!(
        h.final_answer(&claim)
            .await
            .contains("Only the support team")
    );
    // A replayed reason modal is checked again.
    let forged = h.fake.modal_submit_interaction(
        channel,
        mallory,
        &format!("docket:close-reason:{key}"),
        &[("reason", "bye")],
    );
    h.interact(&forged).await;
    assert!(h.final_answer(&forged).await.contains("cannot close"));
    assert!(h.fake.channel(channel).is_some());
    let ticket = h.docket.get_ticket(&key).await.unwrap().value;
    assert_ne!(ticket.status_category, "closed");
    assert_eq!(ticket.assignee_id, None);
    // The history button is staff-only too.
    let card =
        h.fake
            .button_interaction(channel, mallory, welcome.id, &format!("docket:card:{key}"));
    h.interact(&card).await;
    assert!(
        h.final_answer(&card)
            .await
            .contains("Only the support team")
    );
}

/// An admin deletes the panel in Docket (docket-client has no call for it).
async fn delete_panel(h: &Harness, id: i64) {
    let r = h
        .http
        .delete(format!(
            "{}/api/v1/discord/panels/{id}",
            h.server.base_url()
        ))
        .bearer_auth(&h.server.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204, "{}", r.text().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panel_deleted_in_docket_takes_its_message_with_it() {
    let h = Harness::start().await;
    let general = h.fake.ids().general_channel;
    let (kept, kept_message) = deployed(&h, &panel_input(&h, None)).await;
    let mut input = panel_input(&h, None);
    input.name = "Billing".into();
    let (panel, message) = deployed(&h, &input).await;
    delete_panel(&h, panel.id).await;
    eventually("the panel message deleted", || async {
        h.fake.message(general, message.id).is_none().then_some(())
    })
    .await;
    assert!(
        h.fake.message(general, kept_message.id).is_some(),
        "the other panel {} stays",
        kept.id
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_button_of_a_panel_deleted_while_the_adapter_was_away_says_so_and_goes() {
    let mut h = Harness::start().await;
    let ids = h.fake.ids();
    let (panel, message) = deployed(&h, &panel_input(&h, None)).await;
    h.stop_adapter().await;
    delete_panel(&h, panel.id).await;
    h.start_adapter().await;
    assert!(
        h.fake.message(ids.general_channel, message.id).is_some(),
        "nobody knows where it was until it is used"
    );

    let click = h.fake.button_interaction(
        ids.general_channel,
        ids.alice,
        message.id,
        &format!("docket:open:{}", panel.id),
    );
    let answer = h.interact(&click).await;
    assert_eq!(answer["type"], 4, "{answer}");
    assert_eq!(answer["data"]["flags"], 64, "ephemeral");
    let text = answer["data"]["content"].as_str().unwrap();
    assert!(text.contains("panel has been removed"), "{text}");
    eventually("the dead panel's message deleted", || async {
        h.fake
            .message(ids.general_channel, message.id)
            .is_none()
            .then_some(())
    })
    .await;
    assert!(
        h.fake
            .channels()
            .iter()
            .all(|c| !c.name.as_deref().unwrap_or("").starts_with("ticket-")),
        "no ticket channel was made"
    );
}
