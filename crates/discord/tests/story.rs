//! The whole story, as a member and staff live it: a panel deployed, a ticket opened
//! from its button, the conversation both ways, claim, close with transcript.

mod common;

use common::{Harness, custom_ids, deployed, eventually, open, panel_input};
use docket_client::api::{CommentAuthor, CommentCreate, CommentKind};
use docket_client::{CommentQuery, PageQuery};
use docket_fake_discord::{NewAttachment, permission};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_story_from_panel_deploy_to_channel_deletion() {
    story(Harness::start().await).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_story_on_postgres() {
    story(Harness::start_on(docket_store::Backend::Postgres, |_| {}).await).await
}

async fn story(h: Harness) {
    let ids = h.fake.ids();
    let log = h.text_channel("ticket-log").await;
    let (panel, panel_message) = deployed(&h, &panel_input(&h, Some(log))).await;
    assert_eq!(panel_message.embeds[0]["title"], "Need help?");
    // Commands are registered for the panel's guild.
    eventually("the slash commands", || async {
        let names: Vec<String> = h
            .fake
            .guild_commands()
            .iter()
            .map(|c| c["name"].as_str().unwrap_or("").to_string())
            .collect();
        (names.contains(&"ticket".to_string()) && names.contains(&"docket".to_string()))
            .then_some(())
    })
    .await;

    // Alice opens a ticket.
    let (key, channel) = open(&h, ids.alice, &panel, panel_message.id).await;
    let made = h.fake.channel(channel).expect("the ticket channel exists");
    assert_eq!(made.parent_id, Some(ids.tickets_category));
    let ow = |id: u64| {
        made.overwrites
            .iter()
            .find(|o| o.id == id)
            .cloned()
            .unwrap_or_else(|| panic!("no overwrite for {id} in {:?}", made.overwrites))
    };
    assert_ne!(
        ow(ids.everyone_role).deny & permission::VIEW_CHANNEL,
        0,
        "@everyone cannot see it"
    );
    for who in [ids.alice, ids.staff_role] {
        let o = ow(who);
        for p in [
            permission::VIEW_CHANNEL,
            permission::SEND_MESSAGES,
            permission::READ_MESSAGE_HISTORY,
            permission::ATTACH_FILES,
        ] {
            assert_ne!(o.allow & p, 0, "{who} lacks {p}");
        }
    }
    assert_ne!(ow(ids.bot_user).allow & permission::MANAGE_CHANNELS, 0);
    assert!(
        made.overwrites.iter().all(|o| o.id != ids.bob),
        "staff see it through their role"
    );

    let ticket = h.docket.get_ticket(&key).await.unwrap().value;
    assert_eq!(ticket.source, "discord");
    assert_eq!(
        ticket.source_ref.as_deref(),
        Some(channel.to_string().as_str())
    );
    let requester = ticket.requester.clone().unwrap();
    assert!(
        requester
            .identities
            .iter()
            .any(|i| i.kind == "discord" && i.value == ids.alice.to_string()),
        "{requester:?}"
    );
    assert_eq!(
        ticket.fields["details"],
        "My printer is on fire, please help"
    );
    assert_eq!(ticket.fields["channel_id"], channel.to_string());

    let welcome = eventually("the welcome message", || async {
        h.fake
            .messages(channel)
            .into_iter()
            .find(|m| m.content.contains("Welcome"))
    })
    .await;
    assert!(welcome.content.contains(&format!("<@{}>", ids.alice)));
    assert!(
        welcome.content.contains(&format!("<@&{}>", ids.staff_role)),
        "the ping role"
    );
    assert!(welcome.content.contains(&key));
    let buttons = custom_ids(&welcome.components);
    assert!(buttons.contains(&format!("docket:claim:{key}")));
    assert!(buttons.contains(&format!("docket:close:{key}")));

    // Alice writes, with a file: a requester comment with the file copied.
    let said = h.fake.user_says(
        channel,
        ids.alice,
        "It is still burning",
        vec![NewAttachment::new(
            "fire.txt",
            "text/plain",
            b"smoke".to_vec(),
        )],
    );
    let comment = eventually("Alice's message in Docket", || async {
        let page = h
            .docket
            .find_comments(
                &key,
                &CommentQuery {
                    external_ref: Some(format!("discord:{}", said.id)),
                    ..CommentQuery::default()
                },
            )
            .await
            .ok()?;
        page.items.into_iter().next()
    })
    .await;
    assert_eq!(comment.author, CommentAuthor::Requester);
    assert_eq!(comment.body, "It is still burning");
    assert_eq!(comment.attachments.len(), 1);
    assert_eq!(comment.attachments[0].filename, "fire.txt");

    // Staff write in the web UI: an internal note (never relayed), then a reply.
    let note = CommentCreate {
        kind: CommentKind::Internal,
        body: "customer seems stressed".into(),
        author: CommentAuthor::Staff,
        author_name: None,
        channel: None,
        attachments: vec![],
        external_ref: None,
    };
    h.agent.add_comment(&key, &note).await.unwrap();
    let guide = h
        .agent
        .upload_attachment(
            &key,
            "safety.txt",
            Some("text/plain"),
            b"step 1: unplug".to_vec(),
        )
        .await
        .unwrap();
    let reply = CommentCreate {
        kind: CommentKind::Public,
        body: "Please unplug it and step away.".into(),
        attachments: vec![guide.id],
        ..note.clone()
    };
    let reply = h.agent.add_comment(&key, &reply).await.unwrap();
    let relayed = eventually("the web reply in the channel", || async {
        h.fake
            .messages(channel)
            .into_iter()
            .find(|m| m.content.contains("Please unplug it"))
    })
    .await;
    assert!(
        relayed.content.contains("Dana Agent"),
        "{}",
        relayed.content
    );
    assert_eq!(relayed.attachments.len(), 1, "the file goes along");
    assert_eq!(relayed.attachments[0].filename, "safety.txt");
    assert_eq!(
        h.fake.attachment_bytes(relayed.attachments[0].id).unwrap(),
        b"step 1: unplug"
    );
    assert!(
        h.fake
            .messages(channel)
            .iter()
            .all(|m| !m.content.contains("stressed")),
        "an internal note reached Discord"
    );
    eventually("the reply marked as relayed", || async {
        let all = h
            .docket
            .list_comments(&key, &PageQuery::default())
            .await
            .ok()?;
        let c = all.items.into_iter().find(|c| c.id == reply.id)?;
        (c.external_ref == Some(format!("discord:{}", relayed.id))).then_some(())
    })
    .await;
    // Relayed once, however many changes the stream shows.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let copies = h
        .fake
        .messages(channel)
        .into_iter()
        .filter(|m| m.content.contains("Please unplug it"))
        .count();
    assert_eq!(copies, 1);

    // Alice cannot claim; Bob (staff, linked to Dana) can.
    let claim = h.fake.button_interaction(
        channel,
        ids.alice,
        welcome.id,
        &format!("docket:claim:{key}"),
    );
    h.interact(&claim).await;
    assert!(
        h.final_answer(&claim)
            .await
            .contains("Only the support team")
    );
    common::link(&h, ids.bob, h.server.agent_id).await;
    let claim =
        h.fake
            .button_interaction(channel, ids.bob, welcome.id, &format!("docket:claim:{key}"));
    h.interact(&claim).await;
    assert!(h.final_answer(&claim).await.contains("You claimed"));
    let ticket = h.docket.get_ticket(&key).await.unwrap().value;
    assert_eq!(ticket.assignee_id, Some(h.server.agent_id));
    eventually("the claim announced", || async {
        h.fake
            .messages(channel)
            .into_iter()
            .find(|m| m.content.contains("has claimed"))
    })
    .await;

    // Bob writes in the channel: a staff comment as Dana.
    let staff_said = h
        .fake
        .user_says(channel, ids.bob, "On my way with an extinguisher", vec![]);
    let c = eventually("Bob's message in Docket", || async {
        let page = h
            .docket
            .find_comments(
                &key,
                &CommentQuery {
                    external_ref: Some(format!("discord:{}", staff_said.id)),
                    ..CommentQuery::default()
                },
            )
            .await
            .ok()?;
        page.items.into_iter().next()
    })
    .await;
    assert_eq!(c.author, CommentAuthor::Staff);
    assert_eq!(c.author_user_id, Some(h.server.agent_id));

    // Discord's file links expire; the transcript must not need them.
    h.fake
        .set_attachment_url_ttl(Some(std::time::Duration::from_millis(1)));
    // Alice closes it with a reason.
    let close = h.fake.button_interaction(
        channel,
        ids.alice,
        welcome.id,
        &format!("docket:close:{key}"),
    );
    let answer = h.interact(&close).await;
    assert_eq!(answer["type"], 9, "the reason modal: {answer}");
    let submit = h.fake.modal_submit_interaction(
        channel,
        ids.alice,
        answer["data"]["custom_id"].as_str().unwrap(),
        &[("reason", "Fire is out")],
    );
    h.interact(&submit).await;
    eventually("the channel deleted", || async {
        h.fake.channel(channel).is_none().then_some(())
    })
    .await;

    let transcript = h.docket.get_transcript(&key).await.unwrap();
    let texts: Vec<&str> = transcript
        .transcript
        .messages
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert!(texts.contains(&"It is still burning"), "{texts:?}");
    assert!(texts.contains(&"On my way with an extinguisher"));
    let burning = transcript
        .transcript
        .messages
        .iter()
        .find(|m| m.content == "It is still burning")
        .unwrap();
    assert_eq!(
        burning.attachments,
        vec![comment.attachments[0].id],
        "the copy made when it was relayed (Discord's link has expired by now)"
    );
    let ticket = h.docket.get_ticket(&key).await.unwrap().value;
    assert_eq!(ticket.status_category, "closed");
    let all = h
        .docket
        .list_comments(&key, &PageQuery::default())
        .await
        .unwrap();
    assert!(all.items.iter().any(|c| c.body.contains("Fire is out")));

    // The log embed and the survey.
    let logged = eventually("the log embed", || async {
        h.fake.messages(log).into_iter().next()
    })
    .await;
    let embed = serde_json::to_string(&logged.embeds).unwrap();
    assert!(
        embed.contains(&key) && embed.contains("Fire is out"),
        "{embed}"
    );
    assert!(embed.contains("Dana Agent"), "the claimer: {embed}");
    let dm = h.fake.dm_channel(ids.alice);
    let survey = eventually("the survey DM", || async {
        h.fake.messages(dm).into_iter().next()
    })
    .await;
    let buttons = custom_ids(&survey.components);
    assert_eq!(buttons.len(), 5);
    let rate = h
        .fake
        .button_interaction(dm, ids.alice, survey.id, &buttons[4]);
    let answer = h.interact(&rate).await;
    assert_eq!(answer["type"], 9);
    let submit = h.fake.modal_submit_interaction(
        dm,
        ids.alice,
        answer["data"]["custom_id"].as_str().unwrap(),
        &[("comment", "Quick and kind")],
    );
    h.interact(&submit).await;
    assert!(h.final_answer(&submit).await.contains("Thank you"));
    let again = h
        .fake
        .button_interaction(dm, ids.alice, survey.id, &buttons[0]);
    h.interact(&again).await;
    let submit = h.fake.modal_submit_interaction(
        dm,
        ids.alice,
        &format!("docket:survey-comment:{key}:1"),
        &[],
    );
    h.interact(&submit).await;
    assert!(h.final_answer(&submit).await.contains("already rated"));
    let recorded = h.docket.get_survey(&key).await.unwrap();
    assert_eq!(
        (recorded.rating, recorded.comment.as_str()),
        (5, "Quick and kind")
    );
}
