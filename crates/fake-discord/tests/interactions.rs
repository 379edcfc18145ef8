//! Interactions end to end: the payloads a test posts to the adapter deserialize as
//! twilight reads them and carry a signature the adapter's check accepts; the bot's
//! answers through twilight's interaction client land in the fake.

mod common;

use common::{fake, twilight};
use docket_fake_discord::{InteractionSigner, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde_json::json;
use twilight_model::application::command::Command;
use twilight_model::application::interaction::{Interaction, InteractionData, InteractionType};
use twilight_model::channel::message::MessageFlags;
use twilight_model::http::interaction::{
    InteractionResponse, InteractionResponseData, InteractionResponseType,
};
use twilight_model::id::Id;

fn from_hex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn signatures_verify_with_the_published_public_key_and_only_for_the_signed_bytes() {
    let signer = InteractionSigner::default();
    let public: [u8; 32] = from_hex(&signer.public_key_hex()).try_into().unwrap();
    let key = VerifyingKey::from_bytes(&public).unwrap();
    let body = br#"{"type":1}"#;
    let signature = signer.sign("1700000000", body);
    assert_eq!(signature.len(), 128);
    let signature = Signature::from_slice(&from_hex(&signature)).unwrap();
    let mut message = b"1700000000".to_vec();
    message.extend_from_slice(body);
    key.verify(&message, &signature)
        .expect("Discord's scheme: timestamp then body");
    let mut tampered = b"1700000001".to_vec();
    tampered.extend_from_slice(body);
    assert!(key.verify(&tampered, &signature).is_err());
    // Deterministic: the same seed always gives the same key.
    assert_eq!(
        signer.public_key_hex(),
        InteractionSigner::default().public_key_hex()
    );
    let [(name, _), (ts_name, _)] = signer.headers(body);
    assert_eq!((name, ts_name), (SIGNATURE_HEADER, TIMESTAMP_HEADER));
}

#[tokio::test]
async fn payloads_deserialize_as_twilight_interactions() {
    let fake = fake().await;
    let ids = fake.ids();
    let posted = fake.user_says(ids.general_channel, ids.alice, "ticket", vec![]);

    let ping: Interaction = serde_json::from_slice(&fake.ping_interaction().body()).unwrap();
    assert_eq!(ping.kind, InteractionType::Ping);

    let button: Interaction = serde_json::from_slice(
        &fake
            .button_interaction(ids.general_channel, ids.bob, posted.id, "close:42")
            .body(),
    )
    .unwrap();
    assert_eq!(button.kind, InteractionType::MessageComponent);
    assert_eq!(
        button
            .member
            .as_ref()
            .unwrap()
            .user
            .as_ref()
            .unwrap()
            .id
            .get(),
        ids.bob
    );
    assert_eq!(
        button.member.as_ref().unwrap().roles,
        vec![Id::new(ids.staff_role)]
    );
    assert_eq!(button.guild_id.unwrap().get(), ids.guild);
    assert_eq!(button.message.as_ref().unwrap().id.get(), posted.id);
    let Some(InteractionData::MessageComponent(data)) = &button.data else {
        panic!("{:?}", button.data)
    };
    assert_eq!(data.custom_id, "close:42");

    let select: Interaction = serde_json::from_slice(
        &fake
            .select_interaction(
                ids.general_channel,
                ids.bob,
                posted.id,
                "priority",
                &["high"],
            )
            .body(),
    )
    .unwrap();
    let Some(InteractionData::MessageComponent(data)) = &select.data else {
        panic!()
    };
    assert_eq!(data.values, ["high"]);

    let modal: Interaction = serde_json::from_slice(
        &fake
            .modal_submit_interaction(
                ids.general_channel,
                ids.alice,
                "new_ticket",
                &[("subject", "Printer"), ("body", "On fire")],
            )
            .body(),
    )
    .unwrap();
    let Some(InteractionData::ModalSubmit(data)) = &modal.data else {
        panic!()
    };
    assert_eq!(data.custom_id, "new_ticket");
    assert_eq!(data.components.len(), 2);

    let command: Interaction = serde_json::from_slice(
        &fake
            .ticket_command_interaction(ids.general_channel, ids.bob, "add", ids.alice)
            .body(),
    )
    .unwrap();
    let Some(InteractionData::ApplicationCommand(data)) = &command.data else {
        panic!()
    };
    assert_eq!(data.name, "ticket");
    assert_eq!(data.options[0].name, "add");
    let resolved = data.resolved.as_ref().unwrap();
    assert!(resolved.users.contains_key(&Id::new(ids.alice)));
    let permissions = command.member.as_ref().unwrap().permissions.unwrap();
    assert!(
        permissions.contains(twilight_model::guild::Permissions::MANAGE_MESSAGES),
        "staff permissions"
    );
}

#[tokio::test]
async fn the_bot_answers_through_twilights_interaction_client() {
    let fake = fake().await;
    let ids = fake.ids();
    let client = twilight(&fake);
    let interactions = client.interaction(Id::new(ids.application));

    // Commands: bulk overwrite echoes ids; a second overwrite keeps the id of a kept name.
    let ticket: Command = serde_json::from_value(json!({
        "name": "ticket", "description": "Manage the ticket", "type": 1, "version": "1",
        "default_member_permissions": null,
        "options": [
            { "name": "add", "description": "Add someone", "type": 1,
              "options": [{ "name": "user", "description": "Who", "type": 6, "required": true }] },
            { "name": "remove", "description": "Remove someone", "type": 1,
              "options": [{ "name": "user", "description": "Who", "type": 6, "required": true }] },
        ],
    }))
    .unwrap();
    let set = interactions
        .set_guild_commands(Id::new(ids.guild), std::slice::from_ref(&ticket))
        .await
        .unwrap()
        .models()
        .await
        .unwrap();
    let first_id = set[0].id.unwrap();
    let again = interactions
        .set_guild_commands(Id::new(ids.guild), &[ticket])
        .await
        .unwrap()
        .models()
        .await
        .unwrap();
    assert_eq!(again[0].id, Some(first_id));
    let listed = interactions
        .guild_commands(Id::new(ids.guild))
        .await
        .unwrap()
        .models()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);

    // A command answered with a deferred message, then the real content, then a follow-up.
    let command = fake.ticket_command_interaction(ids.general_channel, ids.bob, "add", ids.alice);
    assert_eq!(
        command.json["data"]["id"],
        first_id.to_string(),
        "uses the registered command id"
    );
    let deferred = InteractionResponse {
        kind: InteractionResponseType::DeferredChannelMessageWithSource,
        data: None,
    };
    interactions
        .create_response(Id::new(command.id), &command.token, &deferred)
        .await
        .unwrap();
    let thinking = fake.original_response(&command.token).unwrap();
    assert_eq!(thinking.flags & 128, 128, "loading");
    let updated = interactions
        .update_response(&command.token)
        .content(Some("Added alice"))
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(updated.content, "Added alice");
    assert_eq!(
        fake.original_response(&command.token).unwrap().flags & 128,
        0
    );
    let original = interactions
        .response(&command.token)
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(original.id, updated.id);
    let followup = interactions
        .create_followup(&command.token)
        .content("Only you can see this")
        .flags(MessageFlags::EPHEMERAL)
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(fake.followups(&command.token)[0].id, followup.id.get());
    let visible: Vec<String> = fake
        .messages(ids.general_channel)
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(
        visible,
        ["Added alice"],
        "the ephemeral follow-up is not in the channel"
    );

    // Acknowledging twice is refused, as on Discord.
    let again = interactions
        .create_response(Id::new(command.id), &command.token, &deferred)
        .await
        .unwrap_err();
    assert!(format!("{again:?}").contains("40060"), "{again:?}");

    // A button updates its message in place.
    let panel = client
        .create_message(Id::new(ids.general_channel))
        .content("Ticket #42: open")
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    let click = fake.button_interaction(ids.general_channel, ids.bob, panel.id.get(), "close:42");
    let update = InteractionResponse {
        kind: InteractionResponseType::UpdateMessage,
        data: Some(InteractionResponseData {
            content: Some("Ticket #42: closed".into()),
            ..Default::default()
        }),
    };
    interactions
        .create_response(Id::new(click.id), &click.token, &update)
        .await
        .unwrap();
    assert_eq!(
        fake.message(ids.general_channel, panel.id.get())
            .unwrap()
            .content,
        "Ticket #42: closed"
    );
    let callbacks = fake.callbacks();
    assert_eq!(callbacks.iter().map(|c| c.kind).collect::<Vec<_>>(), [5, 7]);

    // `?with_response=true` answers the callback resource.
    let another = fake.button_interaction(ids.general_channel, ids.bob, panel.id.get(), "claim:42");
    let reply = InteractionResponse {
        kind: InteractionResponseType::ChannelMessageWithSource,
        data: Some(InteractionResponseData {
            content: Some("Claimed".into()),
            flags: Some(MessageFlags::EPHEMERAL),
            ..Default::default()
        }),
    };
    let answered = interactions
        .create_response(Id::new(another.id), &another.token, &reply)
        .with_response()
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(answered.interaction.id.get(), another.id);
    assert_eq!(answered.interaction.response_message_ephemeral, Some(true));
    assert_eq!(
        answered.resource.unwrap().message.unwrap().content,
        "Claimed"
    );

    // A modal is recorded with its data.
    let open = fake.button_interaction(ids.general_channel, ids.alice, panel.id.get(), "open");
    let modal: InteractionResponse = serde_json::from_value(json!({
        "type": 9,
        "data": { "custom_id": "new_ticket", "title": "New ticket", "components": [
            { "type": 1, "components": [{ "type": 4, "custom_id": "subject", "label": "Subject", "style": 1 }] }
        ]},
    }))
    .unwrap();
    interactions
        .create_response(Id::new(open.id), &open.token, &modal)
        .await
        .unwrap();
    assert_eq!(fake.callbacks()[3].data["custom_id"], "new_ticket");

    // Unknown tokens are refused.
    let unknown = interactions
        .update_response("not-a-token")
        .content(Some("x"))
        .await
        .unwrap_err();
    assert!(format!("{unknown:?}").contains("10015"), "{unknown:?}");
}
