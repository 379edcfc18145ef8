//! The API the Discord adapter stands on, tried as the adapter and as admins and staff
//! use it: panels, a member's eligibility, staff account links, acting for staff,
//! relayed comments (once per message, edits and deletions kept), transcripts and exit
//! surveys.

mod common;

use common::*;
use docket_core::access::{Role, Scope, UserKind};
use docket_store::identity::{Actor, NewUser};
use reqwest::Client;
use serde_json::{Value, json};

/// The adapter's service account, in the community team, with a write token.
async fn bot(app: &TestApp) -> Client {
    let store = &app.db.store;
    let user = store
        .create_user(
            NewUser {
                email: "discord-bot@example.com".into(),
                display_name: "Discord".into(),
                role: Role::Agent,
                kind: UserKind::Service,
                password: None,
                skills: vec![],
                capacity: None,
            },
            &Actor::new("test", None),
        )
        .await
        .unwrap();
    if store.team("community").await.is_err() {
        store
            .create_team("community", "Community", "", &Actor::new("test", None))
            .await
            .unwrap();
    }
    store
        .set_team_member("community", user.id, true, &Actor::new("test", None))
        .await
        .unwrap();
    client_with_token(&token_for(store, user.id, &[Scope::Write]).await)
}

fn panel() -> Value {
    json!({"name": "Support", "guild_id": "100", "channel_id": "200", "title": "Need help?",
        "ticket_type": "discord_support", "max_open_per_member": 1, "cooldown_seconds": 0,
        "support_roles": [{"role_id": "300", "team": "community"}]})
}

fn discord_ticket(member: &str, channel: &str) -> Value {
    json!({"type": "discord_support", "title": "Cannot join voice", "source": "discord",
        "source_ref": channel, "requester": {"discord_id": member, "discord_name": "ada"},
        "fields": {"topic": "other", "details": "The voice channel will not let me in",
            "guild_id": "100000000000000100", "discord_user_id": member}})
}

api_test!(
    panels_are_validated_deployed_and_limit_members,
    |app| async move {
        let bot = bot(&app).await;
        // Everything wrong at once, each with where.
        let r = app
            .post(
                "/discord/panels",
                &json!({"name": "", "guild_id": "x1", "channel_id": "2", "title": "T",
                "topics": [{"id": "Bad Id", "label": "A", "ticket_type": "nope"},
                           {"id": "Bad Id", "label": "B", "ticket_type": "complaint"}],
                "support_roles": [{"role_id": "3", "team": "ghosts"}],
                "working_hours": "nowhere"}),
            )
            .await;
        let mut got = pointers(&problem(r, 422).await);
        got.sort();
        assert_eq!(
            got,
            [
                "/guild_id",
                "/name",
                "/support_roles/0/team",
                "/topics/0/id",
                "/topics/0/ticket_type",
                "/topics/1/id",
                "/topics/1/id",
                "/working_hours"
            ]
        );
        let created = json_of(app.post("/discord/panels", &panel()).await, 201).await;
        let id = created["id"].as_i64().unwrap();
        assert_eq!(created["button_label"], "Open a ticket");
        assert_eq!(created["deployment"], Value::Null);
        // Staff and the adapter read panels; only admins change them.
        let listed = json_of(
            bot.get(app.url("/discord/panels")).send().await.unwrap(),
            200,
        )
        .await;
        assert_eq!(listed["items"][0]["id"], id);
        problem(
            bot.post(app.url("/discord/panels"))
                .json(&panel())
                .send()
                .await
                .unwrap(),
            403,
        )
        .await;

        // Deploy: requested by an admin, recorded by the adapter.
        let requested = json_of(
            app.post(&format!("/discord/panels/{id}/deploy"), &json!({}))
                .await,
            200,
        )
        .await;
        assert!(requested["deploy_requested_at"].is_string());
        let deployed = json_of(
            bot.put(app.url(&format!("/discord/panels/{id}/deployment")))
                .json(&json!({"channel_id": "200", "message_id": "555", "version": 1}))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(deployed["deployment"]["message_id"], "555");
        assert!(deployed["deployment"]["deployed_at"].is_string());

        // A stale version is refused whole.
        let stale = app
            .client
            .put(app.url(&format!("/discord/panels/{id}")))
            .header("if-match", "\"7\"")
            .json(&panel())
            .send()
            .await
            .unwrap();
        problem(stale, 412).await;

        // One open ticket per member: the second is refused until the first closes.
        let eligible = |member: &str| {
            let bot = bot.clone();
            let url = app.url(&format!(
                "/discord/panels/{id}/eligibility?discord_id={member}"
            ));
            async move { json_of(bot.get(url).send().await.unwrap(), 200).await }
        };
        assert_eq!(eligible("400000000000004242").await["allowed"], true);
        let t = json_of(
            bot.post(app.url("/tickets"))
                .json(&discord_ticket("400000000000004242", "900"))
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
        let again = eligible("400000000000004242").await;
        assert_eq!(again["allowed"], false);
        assert_eq!(again["reason"], "limit");
        assert_eq!(again["open_tickets"][0]["channel_id"], "900");
        assert_eq!(eligible("500000000000005151").await["allowed"], true);
        let key = t["key"].as_str().unwrap();
        let found = json_of(
            bot.get(app.url("/tickets?source=discord&source_ref=900"))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(found["items"][0]["key"], key);
        let closing = bot
            .patch(app.url(&format!("/tickets/{key}")))
            .header("if-match", "*")
            .json(&json!({"status": "closed"}))
            .send()
            .await
            .unwrap();
        assert_eq!(closing.status(), 200, "{}", closing.text().await.unwrap());
        assert_eq!(eligible("400000000000004242").await["allowed"], true);

        // A cooldown counts from the last ticket, open or not.
        let mut cooled = panel();
        cooled["cooldown_seconds"] = json!(3600);
        let r = app
            .client
            .put(app.url(&format!("/discord/panels/{id}")))
            .json(&cooled)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let waiting = eligible("400000000000004242").await;
        assert_eq!(waiting["reason"], "cooldown");
        assert!(waiting["retry_at"].is_string());
    }
);

api_test!(
    staff_link_their_accounts_and_the_adapter_acts_for_them,
    |app| async move {
        let bot = bot(&app).await;
        let mod_id = create_user(
            &app.db.store,
            "mod@example.com",
            Role::Agent,
            &["community"],
        )
        .await;
        let moderator = client_with_token(&token_for(&app.db.store, mod_id, &[Scope::Write]).await);
        let outsider_id = create_user(&app.db.store, "it@example.com", Role::Agent, &["it"]).await;

        // The bot hands out a code; the moderator redeems it signed in.
        let code = json_of(
            bot.post(app.url("/discord/link-codes"))
                .json(&json!({"discord_id": "777", "discord_name": "modbob"}))
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
        let code = code["code"].as_str().unwrap().to_lowercase();
        problem(
            moderator
                .post(app.url("/auth/me/discord"))
                .json(&json!({"code": "NOPE-NOPE"}))
                .send()
                .await
                .unwrap(),
            422,
        )
        .await;
        let linked = json_of(
            moderator
                .post(app.url("/auth/me/discord"))
                .json(&json!({"code": code}))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(linked["discord_id"], "777");
        // A code works once.
        problem(
            moderator
                .post(app.url("/auth/me/discord"))
                .json(&json!({"code": code}))
                .send()
                .await
                .unwrap(),
            422,
        )
        .await;
        let account = json_of(
            bot.get(app.url("/discord/accounts/777"))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(account["user_id"], mod_id);
        problem(
            bot.get(app.url("/discord/accounts/778"))
                .send()
                .await
                .unwrap(),
            404,
        )
        .await;

        // Claiming for the moderator: the change is theirs, their teams apply.
        let t = json_of(
            bot.post(app.url("/tickets"))
                .json(&discord_ticket("400000000000004242", "901"))
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
        let key = t["key"].as_str().unwrap();
        let claim = bot
            .patch(app.url(&format!("/tickets/{key}")))
            .header("x-docket-on-behalf-of", mod_id.to_string())
            .header("if-match", "*")
            .json(&json!({"assignee_id": mod_id}))
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(claim, 200).await["assignee_id"], mod_id);
        let events = json_of(app.get(&format!("/tickets/{key}/events")).await, 200).await;
        let assigned = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == "assignee_id")
            .unwrap();
        assert!(
            assigned["actor"]
                .as_str()
                .unwrap()
                .starts_with("mod@example.com"),
            "{assigned}"
        );
        // For someone outside the type's teams, the ticket does not exist.
        let r = bot
            .get(app.url(&format!("/tickets/{key}")))
            .header("x-docket-on-behalf-of", outsider_id.to_string())
            .send()
            .await
            .unwrap();
        problem(r, 404).await;
        // Acting for someone never gives admin rights, and people's own tokens act alone.
        let r = bot
            .get(app.url("/audit"))
            .header("x-docket-on-behalf-of", app.admin_id.to_string())
            .send()
            .await
            .unwrap();
        problem(r, 403).await;
        let r = moderator
            .get(app.url("/auth/me"))
            .header("x-docket-on-behalf-of", app.admin_id.to_string())
            .send()
            .await
            .unwrap();
        problem(r, 403).await;
        let r = bot
            .get(app.url("/auth/me"))
            .header("x-docket-on-behalf-of", "not-a-number")
            .send()
            .await
            .unwrap();
        assert_eq!(
            pointers(&problem(r, 400).await),
            ["/headers/x-docket-on-behalf-of"]
        );

        // Admins link and unlink for others.
        let set = json_of(
            app.client
                .put(app.url(&format!("/users/{outsider_id}/discord")))
                .json(&json!({"discord_id": "888"}))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(set["discord_id"], "888");
        let unlinked = app
            .client
            .put(app.url(&format!("/users/{outsider_id}/discord")))
            .json(&json!({"discord_id": null}))
            .send()
            .await
            .unwrap();
        assert_eq!(json_of(unlinked, 200).await, Value::Null);
        assert_eq!(
            moderator
                .delete(app.url("/auth/me/discord"))
                .send()
                .await
                .unwrap()
                .status(),
            204
        );
        problem(
            bot.get(app.url("/discord/accounts/777"))
                .send()
                .await
                .unwrap(),
            404,
        )
        .await;
    }
);

api_test!(
    relayed_messages_are_written_once_and_edits_are_kept,
    |app| async move {
        let bot = bot(&app).await;
        let t = json_of(
            bot.post(app.url("/tickets"))
                .json(&discord_ticket("400000000000004242", "902"))
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
        let key = t["key"].as_str().unwrap();
        let message = json!({"kind": "public", "body": "voice still broken", "author": "requester",
        "channel": "discord", "external_ref": "discord:1001"});
        let first = json_of(
            bot.post(app.url(&format!("/tickets/{key}/comments")))
                .json(&message)
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
        // A gateway replay of the same message.
        let replay = json_of(
            bot.post(app.url(&format!("/tickets/{key}/comments")))
                .json(&message)
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(replay["id"], first["id"]);
        let found = json_of(
            bot.get(app.url(&format!(
                "/tickets/{key}/comments?external_ref=discord:1001"
            )))
            .send()
            .await
            .unwrap(),
            200,
        )
        .await;
        assert_eq!(found["items"].as_array().unwrap().len(), 1);
        let id = first["id"].as_i64().unwrap();

        // The member edits, then deletes, in Discord: the thread follows, the trail keeps.
        let edited = json_of(
            bot.patch(app.url(&format!("/tickets/{key}/comments/{id}")))
                .json(&json!({"body": "voice fixed?"}))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(edited["body"], "voice fixed?");
        assert!(edited["edited_at"].is_string());
        // Another agent may not rewrite it.
        let other = Side::new(&app, "other@example.com", Role::Agent, "community").await;
        problem(
            other
                .patch(
                    &app,
                    &format!("/tickets/{key}/comments/{id}"),
                    &json!({"body": "x"}),
                )
                .await,
            403,
        )
        .await;
        assert_eq!(
            bot.delete(app.url(&format!("/tickets/{key}/comments/{id}")))
                .send()
                .await
                .unwrap()
                .status(),
            204
        );
        let page = json_of(app.get(&format!("/tickets/{key}/comments")).await, 200).await;
        assert!(page["items"][0]["deleted_at"].is_string());
        assert_eq!(page["items"][0]["body"], "");
        let events = json_of(app.get(&format!("/tickets/{key}/events")).await, 200).await;
        let fields: Vec<&str> = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(&"comment_edited") && fields.contains(&"comment_deleted"),
            "{fields:?}"
        );

        // A web reply is relayed once: its reference is set once.
        let reply = json_of(
            app.post(
                &format!("/tickets/{key}/comments"),
                &json!({"kind": "public", "body": "Try rejoining"}),
            )
            .await,
            201,
        )
        .await;
        let rid = reply["id"].as_i64().unwrap();
        let marked = json_of(
            bot.patch(app.url(&format!("/tickets/{key}/comments/{rid}")))
                .json(&json!({"external_ref": "discord:2002"}))
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(marked["external_ref"], "discord:2002");
        assert_eq!(marked["body"], "Try rejoining");
        problem(
            bot.patch(app.url(&format!("/tickets/{key}/comments/{rid}")))
                .json(&json!({"external_ref": "discord:2003"}))
                .send()
                .await
                .unwrap(),
            409,
        )
        .await;
    }
);

api_test!(
    a_closed_conversation_keeps_its_transcript_and_survey,
    |app| async move {
        let bot = bot(&app).await;
        let t = json_of(
            bot.post(app.url("/tickets"))
                .json(&discord_ticket("400000000000004242", "903"))
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
        let key = t["key"].as_str().unwrap();
        let file = bot
            .post(app.url(&format!("/tickets/{key}/attachments")))
            .query(&[("filename", "log.txt")])
            .header("content-type", "text/plain")
            .body("boom")
            .send()
            .await
            .unwrap();
        let file = json_of(file, 201).await;
        let transcript = json!({"channel_id": "903", "channel_name": "ticket-0001", "messages": [
            {"id": "1", "author_id": "400000000000004242", "author_name": "ada", "content": "help", "created_at": "2026-12-05T10:00:00Z", "attachments": [file["id"]]},
            {"id": "2", "author_id": "777", "author_name": "modbob", "staff": true, "content": "on it", "created_at": "2026-12-05T10:01:00Z", "edited_at": "2026-12-05T10:02:00Z"}
        ]});
        // A file of another ticket is refused.
        let other = json_of(
            bot.post(app.url("/tickets"))
                .json(&discord_ticket("500000000000005151", "904"))
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
        let r = bot
            .put(app.url(&format!(
                "/tickets/{}/transcript",
                other["key"].as_str().unwrap()
            )))
            .json(&transcript)
            .send()
            .await
            .unwrap();
        assert_eq!(pointers(&problem(r, 422).await), ["/messages"]);
        problem(app.get(&format!("/tickets/{key}/transcript")).await, 404).await;
        let saved = json_of(
            bot.put(app.url(&format!("/tickets/{key}/transcript")))
                .json(&transcript)
                .send()
                .await
                .unwrap(),
            200,
        )
        .await;
        assert_eq!(saved["messages"][1]["staff"], true);
        let read = json_of(app.get(&format!("/tickets/{key}/transcript")).await, 200).await;
        assert_eq!(read["messages"][0]["attachments"], json!([file["id"]]));
        assert_eq!(read["messages"][1]["edited_at"], "2026-12-05T10:02:00Z");
        assert_eq!(read["messages"][0]["staff"], false);
        assert_eq!(read["channel_name"], "ticket-0001");

        problem(
            bot.put(app.url(&format!("/tickets/{key}/survey")))
                .json(&json!({"rating": 6}))
                .send()
                .await
                .unwrap(),
            422,
        )
        .await;
        let survey = json_of(
            bot.put(app.url(&format!("/tickets/{key}/survey")))
                .json(&json!({"rating": 4, "comment": "quick, thanks"}))
                .send()
                .await
                .unwrap(),
            201,
        )
        .await;
        assert_eq!(survey["rating"], 4);
        problem(
            bot.put(app.url(&format!("/tickets/{key}/survey")))
                .json(&json!({"rating": 1}))
                .send()
                .await
                .unwrap(),
            409,
        )
        .await;
        assert_eq!(
            json_of(app.get(&format!("/tickets/{key}/survey")).await, 200).await["comment"],
            "quick, thanks"
        );
        // The answer counts in the SLA report, as JSON and as CSV.
        let report = json_of(app.get("/sla/report?group_by=type").await, 200).await;
        assert_eq!(report["satisfaction_total"]["responses"], 1, "{report}");
        let csv = app
            .get("/sla/report?group_by=type&format=csv")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            csv.lines().any(|l| l.ends_with(",1,4.00,1.0000,0,0,0,1,0")),
            "{csv}"
        );
        // Another team sees neither.
        let it = Side::new(&app, "it2@example.com", Role::Agent, "it").await;
        problem(
            it.get(&app, &format!("/tickets/{key}/transcript")).await,
            404,
        )
        .await;
        problem(it.get(&app, &format!("/tickets/{key}/survey")).await, 404).await;
    }
);
