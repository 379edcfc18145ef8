//! twilight-http 0.18, configured as the adapter will be, against the fake: the proof
//! that the REST side speaks what the real client expects.

mod common;

use std::time::{Duration, Instant};

use common::{WAIT, fake, twilight};
use twilight_model::channel::ChannelType;
use twilight_model::guild::Permissions;
use twilight_model::http::attachment::Attachment;
use twilight_model::http::permission_overwrite::{PermissionOverwrite, PermissionOverwriteType};
use twilight_model::id::Id;

#[tokio::test]
async fn channels_messages_and_threads_round_trip() {
    let fake = fake().await;
    let client = twilight(&fake);
    let ids = fake.ids();

    let me = client.current_user().await.unwrap().model().await.unwrap();
    assert_eq!(me.id.get(), ids.bot_user);
    assert!(me.bot);

    // Creating takes the channel model's overwrites; editing one takes the http model's.
    use twilight_model::channel::permission_overwrite::{
        PermissionOverwrite as ChannelOverwrite, PermissionOverwriteType as ChannelOverwriteType,
    };
    let alice_overwrite = ChannelOverwrite {
        allow: Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES,
        deny: Permissions::empty(),
        id: Id::new(ids.alice),
        kind: ChannelOverwriteType::Member,
    };
    let everyone_overwrite = ChannelOverwrite {
        allow: Permissions::empty(),
        deny: Permissions::VIEW_CHANNEL,
        id: Id::new(ids.everyone_role),
        kind: ChannelOverwriteType::Role,
    };
    let overwrites = [everyone_overwrite, alice_overwrite];
    let channel = client
        .create_guild_channel(Id::new(ids.guild), "ticket-42")
        .kind(ChannelType::GuildText)
        .parent_id(Id::new(ids.tickets_category))
        .topic("Printer on fire")
        .permission_overwrites(&overwrites[..])
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(channel.name.as_deref(), Some("ticket-42"));
    assert_eq!(
        channel.parent_id.map(|id| id.get()),
        Some(ids.tickets_category)
    );
    let stored = fake.channel(channel.id.get()).unwrap();
    assert_eq!(stored.overwrites.len(), 2);
    assert_eq!(stored.overwrites[0].deny, Permissions::VIEW_CHANNEL.bits());

    // Overwrites can be changed one at a time.
    let bob = PermissionOverwrite {
        allow: Some(Permissions::VIEW_CHANNEL),
        deny: None,
        id: Id::new(ids.bob),
        kind: PermissionOverwriteType::Member,
    };
    client
        .update_channel_permission(channel.id, &bob)
        .await
        .unwrap();
    assert!(
        fake.channel(channel.id.get())
            .unwrap()
            .overwrites
            .iter()
            .any(|o| o.id == ids.bob && o.kind == 1)
    );

    let first = client
        .create_message(channel.id)
        .content("Hello <@1>")
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(first.author.id.get(), ids.bot_user);
    assert_eq!(first.content, "Hello <@1>");
    let second = client
        .create_message(channel.id)
        .content("second")
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert!(second.id > first.id);

    let listed = client
        .channel_messages(channel.id)
        .limit(10)
        .await
        .unwrap()
        .models()
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![second.id, first.id],
        "newest first"
    );
    let older = client
        .channel_messages(channel.id)
        .before(second.id)
        .await
        .unwrap()
        .models()
        .await
        .unwrap();
    assert_eq!(older.len(), 1);
    assert_eq!(older[0].id, first.id);

    let edited = client
        .update_message(channel.id, first.id)
        .content(Some("edited"))
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(edited.content, "edited");
    assert!(edited.edited_timestamp.is_some());

    client.delete_message(channel.id, second.id).await.unwrap();
    assert_eq!(fake.messages(channel.id.get()).len(), 1);

    // A private thread in #general with a member added.
    let thread = client
        .create_thread(
            Id::new(ids.general_channel),
            "ticket-43",
            ChannelType::PrivateThread,
        )
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(thread.kind, ChannelType::PrivateThread);
    client
        .add_thread_member(thread.id, Id::new(ids.alice))
        .await
        .unwrap();
    assert!(
        fake.channel(thread.id.get())
            .unwrap()
            .thread_members
            .contains(&ids.alice)
    );
    client
        .remove_thread_member(thread.id, Id::new(ids.alice))
        .await
        .unwrap();
    assert!(
        !fake
            .channel(thread.id.get())
            .unwrap()
            .thread_members
            .contains(&ids.alice)
    );

    let member = client
        .guild_member(Id::new(ids.guild), Id::new(ids.bob))
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(member.roles, vec![Id::new(ids.staff_role)]);
    let roles = client
        .roles(Id::new(ids.guild))
        .await
        .unwrap()
        .models()
        .await
        .unwrap();
    assert!(roles.iter().any(|r| r.name == "Staff"));

    let deleted = client
        .delete_channel(channel.id)
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(deleted.id, channel.id);
    assert!(fake.channel(channel.id.get()).is_none());
    let gone = client.channel(channel.id).await.unwrap_err();
    assert!(
        gone.to_string().contains("10003") || format!("{gone:?}").contains("10003"),
        "{gone:?}"
    );
}

#[tokio::test]
async fn attachments_go_up_as_multipart_and_come_back_from_the_cdn() {
    let fake = fake().await;
    let client = twilight(&fake);
    let ids = fake.ids();
    let files = [Attachment::from_bytes(
        "log.txt".into(),
        b"line one\r\nline two\n".to_vec(),
        0,
    )];
    let message = client
        .create_message(Id::new(ids.general_channel))
        .content("see attached")
        .attachments(&files)
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(message.attachments.len(), 1);
    let attachment = &message.attachments[0];
    assert_eq!(attachment.filename, "log.txt");
    assert_eq!(attachment.size, 19);
    let call = fake.calls_to("POST", "/channels/*/messages").pop().unwrap();
    assert_eq!(call.body["content"], "see attached");
    assert_eq!(
        call.files,
        vec![("files[0]".to_string(), "log.txt".to_string(), 19)]
    );
    let bytes = reqwest::get(&attachment.url)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"line one\r\nline two\n");
}

#[tokio::test]
async fn injected_429s_are_retried_by_twilight_after_the_advertised_wait() {
    let fake = fake().await;
    let client = twilight(&fake);
    let channel = Id::new(fake.ids().general_channel);
    fake.inject_429(
        "POST",
        "/channels/*/messages",
        2,
        Duration::from_millis(150),
    );
    let started = Instant::now();
    let message = client
        .create_message(channel)
        .content("eventually")
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(message.content, "eventually");
    let statuses: Vec<u16> = fake
        .calls_to("POST", "/channels/*/messages")
        .iter()
        .map(|c| c.status)
        .collect();
    assert_eq!(statuses, vec![429, 429, 200]);
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "twilight waited {:?}",
        started.elapsed()
    );
    assert_eq!(fake.messages(channel.get()).len(), 1, "posted once");

    fake.inject_global_429(1, Duration::from_millis(50));
    client.current_user().await.unwrap();
    let statuses: Vec<u16> = fake
        .calls_to("GET", "/users/@me")
        .iter()
        .map(|c| c.status)
        .collect();
    assert_eq!(statuses, vec![429, 200]);
}

#[tokio::test]
async fn a_real_bucket_limit_makes_twilight_wait_and_nothing_is_lost() {
    let fake = fake().await;
    let client = twilight(&fake);
    let channel = Id::new(fake.ids().general_channel);
    fake.set_bucket_limit(Some((2, Duration::from_millis(300))));
    let started = Instant::now();
    for i in 0..5 {
        client
            .create_message(channel)
            .content(&format!("m{i}"))
            .await
            .unwrap();
    }
    let contents: Vec<String> = fake
        .messages(channel.get())
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(contents, ["m0", "m1", "m2", "m3", "m4"]);
    assert!(
        started.elapsed() >= Duration::from_millis(600),
        "5 posts at 2 per 300 ms took {:?}",
        started.elapsed()
    );
    let _ = fake.wait_for_call(|c| c.status == 200, WAIT).await.unwrap();
}
