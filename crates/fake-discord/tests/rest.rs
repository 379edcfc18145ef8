//! The REST surface with a plain HTTP client: Discord's status codes, error bodies and
//! rate-limit headers exactly, and the test-facing log.

mod common;

use std::time::Duration;

use common::{WAIT, auth, fake, http};
use docket_fake_discord::NewAttachment;
use serde_json::{Value, json};

#[tokio::test]
async fn create_post_list_delete_with_discords_shapes() {
    let fake = fake().await;
    let ids = fake.ids();
    let api = fake.api_base();
    let client = http();

    let created = client
        .post(format!("{api}/guilds/{}/channels", ids.guild))
        .header("Authorization", auth(&fake))
        .header("X-Audit-Log-Reason", "ticket%2042")
        .json(&json!({ "name": "ticket-42", "type": 0, "parent_id": ids.tickets_category.to_string(), "topic": "t" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    for header in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-reset-after",
        "x-ratelimit-bucket",
    ] {
        assert!(
            created.headers().contains_key(header),
            "{header} on every answer"
        );
    }
    let channel: Value = created.json().await.unwrap();
    let channel_id = channel["id"].as_str().unwrap().to_string();
    let parsed: twilight_model::channel::Channel = serde_json::from_value(channel.clone()).unwrap();
    assert_eq!(parsed.topic.as_deref(), Some("t"));
    assert_eq!(
        fake.calls().last().unwrap().audit_log_reason.as_deref(),
        Some("ticket%2042")
    );

    let mut posted = Vec::new();
    for i in 0..5 {
        let message: Value = client
            .post(format!("{api}/channels/{channel_id}/messages"))
            .header("Authorization", auth(&fake))
            .json(&json!({ "content": format!("m{i}"), "embeds": [{ "title": "Ticket", "description": null }] }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let parsed: twilight_model::channel::Message =
            serde_json::from_value(message.clone()).unwrap();
        assert_eq!(parsed.author.id.get(), ids.bot_user);
        assert_eq!(message["embeds"][0]["type"], "rich");
        posted.push(message["id"].as_str().unwrap().to_string());
    }

    let page = |query: String| {
        let client = client.clone();
        let url = format!("{api}/channels/{channel_id}/messages?{query}");
        let auth = auth(&fake);
        async move {
            let list: Vec<Value> = client
                .get(url)
                .header("Authorization", auth)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            list.iter()
                .map(|m| m["content"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(page("limit=2".into()).await, ["m4", "m3"]);
    assert_eq!(
        page(format!("before={}&limit=2", posted[2])).await,
        ["m1", "m0"]
    );
    assert_eq!(
        page(format!("after={}&limit=2", posted[1])).await,
        ["m3", "m2"]
    );
    assert_eq!(
        page(format!("around={}&limit=3", posted[2])).await,
        ["m3", "m2", "m1"]
    );

    let deleted = client
        .delete(format!(
            "{api}/channels/{channel_id}/messages/{}",
            posted[0]
        ))
        .header("Authorization", auth(&fake))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let gone = client
        .delete(format!("{api}/channels/{channel_id}"))
        .header("Authorization", auth(&fake))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 200);
    let unknown = client
        .get(format!("{api}/channels/{channel_id}"))
        .header("Authorization", auth(&fake))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        unknown.json::<Value>().await.unwrap(),
        json!({ "message": "Unknown Channel", "code": 10003 })
    );
}

#[tokio::test]
async fn refusals_look_like_discords() {
    let fake = fake().await;
    let ids = fake.ids();
    let api = fake.api_base();
    let client = http();

    let no_token = client.get(format!("{api}/users/@me")).send().await.unwrap();
    assert_eq!(no_token.status(), 401);
    assert_eq!(
        no_token.json::<Value>().await.unwrap(),
        json!({ "message": "401: Unauthorized", "code": 0 })
    );
    let wrong = client
        .get(format!("{api}/users/@me"))
        .header("Authorization", "Bot wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        fake.calls().iter().filter(|c| c.status == 401).count(),
        2,
        "refused calls are logged"
    );

    let nowhere = client
        .get(format!("{api}/nowhere"))
        .header("Authorization", auth(&fake))
        .send()
        .await
        .unwrap();
    assert_eq!(nowhere.status(), 404);
    assert_eq!(
        nowhere.json::<Value>().await.unwrap(),
        json!({ "message": "404: Not Found", "code": 0 })
    );

    let post = |body: Value| {
        client
            .post(format!("{api}/channels/{}/messages", ids.general_channel))
            .header("Authorization", auth(&fake))
            .json(&body)
            .send()
    };
    let empty = post(json!({ "content": "" })).await.unwrap();
    assert_eq!(empty.status(), 400);
    assert_eq!(empty.json::<Value>().await.unwrap()["code"], 50006);
    let long = post(json!({ "content": "x".repeat(2001) })).await.unwrap();
    let body: Value = long.json().await.unwrap();
    assert_eq!(body["code"], 50035);
    assert_eq!(
        body["errors"]["content"]["_errors"][0]["code"],
        "BASE_TYPE_MAX_LENGTH"
    );

    let member = client
        .get(format!("{api}/guilds/{}/members/{}", ids.guild, 12345))
        .header("Authorization", auth(&fake))
        .send()
        .await
        .unwrap();
    assert_eq!(
        member.json::<Value>().await.unwrap(),
        json!({ "message": "Unknown Member", "code": 10007 })
    );
}

#[tokio::test]
async fn injected_429s_carry_discords_headers_and_body() {
    let fake = fake().await;
    let ids = fake.ids();
    let api = fake.api_base();
    let client = http();
    let url = format!("{api}/channels/{}/messages", ids.general_channel);
    fake.inject_429("POST", "/channels/*/messages", 1, Duration::from_millis(50));

    let limited = client
        .post(&url)
        .header("Authorization", auth(&fake))
        .json(&json!({ "content": "a" }))
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    let headers = limited.headers().clone();
    assert_eq!(headers["x-ratelimit-remaining"], "0");
    assert_eq!(headers["x-ratelimit-reset-after"], "0.050");
    assert_eq!(headers["x-ratelimit-scope"], "user");
    assert_eq!(headers["retry-after"], "1");
    assert!(headers.contains_key("x-ratelimit-bucket"));
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["message"], "You are being rate limited.");
    assert_eq!(body["retry_after"], 0.05);
    assert_eq!(body["global"], false);
    assert!(
        fake.messages(ids.general_channel).is_empty(),
        "a 429 stores nothing"
    );

    // Another route is untouched; the next call to this one passes.
    let ok = client
        .post(&url)
        .header("Authorization", auth(&fake))
        .json(&json!({ "content": "a" }))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);

    fake.inject_global_429(1, Duration::from_millis(20));
    let global = client
        .get(format!("{api}/users/@me"))
        .header("Authorization", auth(&fake))
        .send()
        .await
        .unwrap();
    assert_eq!(global.status(), 429);
    assert_eq!(global.headers()["x-ratelimit-global"], "true");
    assert_eq!(global.headers()["x-ratelimit-scope"], "global");
    assert_eq!(global.json::<Value>().await.unwrap()["global"], true);
}

#[tokio::test]
async fn user_files_download_from_the_cdn_until_their_urls_expire() {
    let fake = fake().await;
    let ids = fake.ids();
    let message = fake.user_says(
        ids.general_channel,
        ids.alice,
        "screenshot",
        vec![NewAttachment::new(
            "screen shot.png",
            "image/png",
            vec![0x89, b'P', b'N', b'G'],
        )],
    );
    let url = message.attachments[0].url.clone();
    assert!(
        url.starts_with(&format!("http://{}/attachments/", fake.proxy())),
        "{url}"
    );
    let response = reqwest::get(&url).await.unwrap();
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(
        &response.bytes().await.unwrap()[..],
        [0x89, b'P', b'N', b'G']
    );

    fake.set_attachment_url_ttl(Some(Duration::ZERO));
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404);
    fake.set_attachment_url_ttl(None);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 200);
}

#[tokio::test]
async fn dms_gateway_info_and_waiting_for_calls() {
    let fake = fake().await;
    let ids = fake.ids();
    let api = fake.api_base();
    let client = http();

    let bot: Value = client
        .get(format!("{api}/gateway/bot"))
        .header("Authorization", auth(&fake))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bot["url"], fake.gateway_url());
    assert_eq!(bot["shards"], 1);
    assert_eq!(bot["session_start_limit"]["max_concurrency"], 1);

    let dm: Value = client
        .post(format!("{api}/users/@me/channels"))
        .header("Authorization", auth(&fake))
        .json(&json!({ "recipient_id": ids.alice.to_string() }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(dm["type"], 1);
    assert_eq!(dm["recipients"][0]["id"], ids.alice.to_string());
    assert_eq!(
        dm["id"],
        fake.dm_channel(ids.alice).to_string(),
        "one DM channel per user"
    );

    // wait_for_call sees a call made after it started waiting.
    let dm_id = dm["id"].as_str().unwrap().to_string();
    let url = format!("{api}/channels/{dm_id}/messages");
    let token = auth(&fake);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        http()
            .post(url)
            .header("Authorization", token)
            .json(&json!({ "content": "Your ticket #42 was answered" }))
            .send()
            .await
            .unwrap();
    });
    let call = fake
        .wait_for_call(|c| c.is("POST", "/channels/*/messages"), WAIT)
        .await
        .expect("the DM post");
    assert_eq!(call.body["content"], "Your ticket #42 was answered");
    assert_eq!(call.path, format!("/channels/{dm_id}/messages"));
    assert!(
        fake.wait_for_call(|c| c.method == "PUT", Duration::from_millis(50))
            .await
            .is_none()
    );
}

/// Kills the child on drop, so a failing assertion leaves no server behind.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_serves_on_the_port_it_prints() {
    use std::io::BufRead;
    let mut child = Killed(
        std::process::Command::new(env!("CARGO_BIN_EXE_fake-discord"))
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // It prints its address and token at once, before serving.
    let mut lines = std::io::BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let token_line = lines.next().unwrap().unwrap();
    let addr = first.split_whitespace().nth(3).unwrap().to_string();
    let token = token_line.trim_start_matches("bot token: ").to_string();
    let me: Value = http()
        .get(format!("http://{addr}/api/v10/users/@me"))
        .header("Authorization", format!("Bot {token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["bot"], true);
}

#[tokio::test]
async fn injected_errors_answer_without_changing_anything_and_threads_unarchive_on_post() {
    let fake = fake().await;
    let ids = fake.ids();
    let api = fake.api_base();
    let client = http();
    fake.inject_error(
        "POST",
        "/guilds/*/channels",
        1,
        403,
        50013,
        "Missing Permissions",
    );
    let create = || {
        client
            .post(format!("{api}/guilds/{}/channels", ids.guild))
            .header("Authorization", auth(&fake))
            .json(&json!({ "name": "ticket-1" }))
            .send()
    };
    let refused = create().await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused.json::<Value>().await.unwrap(),
        json!({ "message": "Missing Permissions", "code": 50013 })
    );
    assert!(
        !fake
            .channels()
            .iter()
            .any(|c| c.name.as_deref() == Some("ticket-1"))
    );
    assert_eq!(create().await.unwrap().status(), 201, "only the next call");

    let thread: Value = client
        .post(format!("{api}/channels/{}/threads", ids.general_channel))
        .header("Authorization", auth(&fake))
        .json(&json!({ "name": "ticket-2", "type": 12, "invitable": false }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(thread["type"], 12);
    assert_eq!(thread["thread_metadata"]["invitable"], false);
    let thread_id: u64 = thread["id"].as_str().unwrap().parse().unwrap();
    let archived = client
        .patch(format!("{api}/channels/{thread_id}"))
        .header("Authorization", auth(&fake))
        .json(&json!({ "archived": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        archived.json::<Value>().await.unwrap()["thread_metadata"]["archived"],
        true
    );
    fake.user_says(thread_id, ids.alice, "still broken", vec![]);
    assert!(
        !fake.channel(thread_id).unwrap().archived,
        "a message unarchives an unlocked thread"
    );
}

#[tokio::test]
async fn an_enforced_nonce_answers_the_first_message_instead_of_a_second() {
    let fake = fake().await;
    let ids = fake.ids();
    let api = fake.api_base();
    let client = http();
    let post = |body: Value| {
        client
            .post(format!("{api}/channels/{}/messages", ids.general_channel))
            .header("Authorization", auth(&fake))
            .json(&body)
            .send()
    };
    let first: Value = post(json!({ "content": "once", "nonce": "dkt-c7", "enforce_nonce": true }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["nonce"], "dkt-c7");
    let again = post(json!({ "content": "once", "nonce": "dkt-c7", "enforce_nonce": true }))
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["id"], first["id"], "the existing message");
    let once = |f: &docket_fake_discord::FakeDiscord| {
        f.messages(ids.general_channel)
            .iter()
            .filter(|m| m.content == "once")
            .count()
    };
    assert_eq!(once(&fake), 1);
    // Without enforce_nonce a nonce is only echoed, as on Discord.
    post(json!({ "content": "once", "nonce": "dkt-c7" }))
        .await
        .unwrap();
    assert_eq!(once(&fake), 2);
    // Another nonce is another message.
    post(json!({ "content": "once", "nonce": "dkt-c8", "enforce_nonce": true }))
        .await
        .unwrap();
    assert_eq!(once(&fake), 3);
    let too_long = post(json!({ "content": "x", "nonce": "a".repeat(26), "enforce_nonce": true }))
        .await
        .unwrap();
    assert_eq!(too_long.status(), 400);
    assert_eq!(too_long.json::<Value>().await.unwrap()["code"], 50035);
}

#[tokio::test]
async fn errors_after_the_effect_and_late_answers_do_the_work() {
    let fake = fake().await;
    let ids = fake.ids();
    let api = fake.api_base();
    let client = http();
    let url = format!("{api}/channels/{}/messages", ids.general_channel);
    fake.inject_error_after_effect("POST", "/channels/*/messages", 1, 502, "Bad Gateway");
    let lost = client
        .post(&url)
        .header("Authorization", auth(&fake))
        .json(&json!({ "content": "made anyway" }))
        .send()
        .await
        .unwrap();
    assert_eq!(lost.status(), 502);
    assert!(
        fake.messages(ids.general_channel)
            .iter()
            .any(|m| m.content == "made anyway"),
        "the message was made"
    );
    assert_eq!(fake.calls().last().unwrap().status, 502);

    fake.delay_answers("POST", "/channels/*/messages", 1, Duration::from_secs(30));
    let slow = client
        .post(&url)
        .header("Authorization", auth(&fake))
        .json(&json!({ "content": "answered late" }))
        .timeout(Duration::from_millis(500))
        .send()
        .await;
    assert!(slow.is_err(), "no answer within the caller's patience");
    assert!(
        fake.messages(ids.general_channel)
            .iter()
            .any(|m| m.content == "answered late"),
        "the message was made before the answer"
    );
    let quick = client
        .post(&url)
        .header("Authorization", auth(&fake))
        .json(&json!({ "content": "on time" }))
        .timeout(WAIT)
        .send()
        .await
        .unwrap();
    assert_eq!(quick.status(), 200, "only the next call was late");
}
