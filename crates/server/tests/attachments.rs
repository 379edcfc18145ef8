//! Attachments through the API: upload, carry on a comment, read back byte for byte with
//! safe headers, and stay within the team that sees the ticket.

mod common;

use common::*;
use docket_core::access::Role;
use reqwest::Response;
use serde_json::{Value, json};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-the-rest-does-not-matter";

fn it_ticket() -> Value {
    json!({"type": "it_support", "title": "Screen flickers", "requester": {"email": "ada@example.com"},
        "fields": {"category": "hardware", "impact": "individual"}})
}

async fn upload(
    client: &reqwest::Client,
    app: &TestApp,
    key: &str,
    name: &str,
    content_type: &str,
    data: &[u8],
) -> Response {
    client
        .post(app.url(&format!("/tickets/{key}/attachments")))
        .query(&[("filename", name)])
        .header("content-type", content_type)
        .body(data.to_vec())
        .send()
        .await
        .unwrap()
}

api_test!(
    a_reply_carries_files_that_read_back_exactly,
    |app| async move {
        let ticket = app.create(it_ticket()).await;
        let key = ticket["key"].as_str().unwrap();
        let shot = json_of(
            upload(
                &app.client,
                &app,
                key,
                "C:\\Users\\ada\\screen.png",
                "image/png",
                PNG,
            )
            .await,
            201,
        )
        .await;
        assert_eq!(shot["filename"], "screen.png");
        assert_eq!(shot["content_type"], "image/png");
        assert_eq!(shot["size"], PNG.len());
        assert_eq!(shot["comment_id"], Value::Null);
        // Every byte value, NUL included: files are not text.
        let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        let log = json_of(
            upload(
                &app.client,
                &app,
                key,
                "dump.bin",
                "application/octet-stream",
                &binary,
            )
            .await,
            201,
        )
        .await;
        assert_eq!(log["content_type"], "application/octet-stream");

        // A reply of files only.
        let comment = json_of(
            app.post(
                &format!("/tickets/{key}/comments"),
                &json!({"kind": "public", "body": "", "attachments": [shot["id"], log["id"]]}),
            )
            .await,
            201,
        )
        .await;
        let files = comment["attachments"].as_array().unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0]["id"], shot["id"]);
        assert_eq!(files[1]["comment_id"], comment["id"]);
        let page = json_of(app.get(&format!("/tickets/{key}/comments")).await, 200).await;
        assert_eq!(page["items"][0]["attachments"][1]["filename"], "dump.bin");

        // The bytes come back exactly; the image inline, the rest as a sandboxed download.
        let r = app
            .get(&format!("/attachments/{}/content", log["id"]))
            .await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/octet-stream");
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment;")
        );
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        assert_eq!(r.bytes().await.unwrap().as_ref(), binary.as_slice());
        let r = app
            .get(&format!("/attachments/{}/content", shot["id"]))
            .await;
        assert_eq!(r.headers()["content-type"], "image/png");
        assert!(
            r.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("inline;")
        );
        let again = app
            .client
            .get(app.url(&format!("/attachments/{}/content", log["id"])))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);

        // The upload and the reply are in the trail.
        let events = json_of(app.get(&format!("/tickets/{key}/events")).await, 200).await;
        let fields: Vec<&str> = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields.iter().filter(|f| **f == "attachment").count(), 2);
        let listed = json_of(app.get(&format!("/tickets/{key}/attachments")).await, 200).await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    }
);

api_test!(
    a_script_dressed_as_an_image_is_never_run,
    |app| async move {
        let ticket = app.create(it_ticket()).await;
        let key = ticket["key"].as_str().unwrap();
        for (name, kind, data) in [
            ("x.png", "image/png", &b"<script>alert(1)</script>"[..]),
            ("x.svg", "image/svg+xml", &b"<svg onload=alert(1)>"[..]),
            ("x.html", "text/html", &b"<script>alert(1)</script>"[..]),
        ] {
            let a = json_of(upload(&app.client, &app, key, name, kind, data).await, 201).await;
            let r = app.get(&format!("/attachments/{}/content", a["id"])).await;
            assert_eq!(
                r.headers()["content-type"],
                "application/octet-stream",
                "{name}"
            );
            assert!(
                r.headers()["content-disposition"]
                    .to_str()
                    .unwrap()
                    .starts_with("attachment;")
            );
            assert!(
                r.headers()["content-security-policy"]
                    .to_str()
                    .unwrap()
                    .contains("sandbox")
            );
        }
    }
);

api_test!(uploads_are_refused_whole_with_reasons, |app| async move {
    let ticket = app.create(it_ticket()).await;
    let key = ticket["key"].as_str().unwrap();
    let other = app.create(it_ticket()).await;
    let other_key = other["key"].as_str().unwrap();

    // No name, no bytes, too many bytes.
    let r = app
        .client
        .post(app.url(&format!("/tickets/{key}/attachments")))
        .body(PNG.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(pointers(&problem(r, 422).await), ["/query/filename"]);
    let r = upload(&app.client, &app, key, "empty.txt", "text/plain", b"").await;
    assert_eq!(pointers(&problem(r, 422).await), ["/body"]);
    let big = vec![b'a'; 25 * 1024 * 1024 + 1];
    let r = upload(&app.client, &app, key, "big.txt", "text/plain", &big).await;
    problem(r, 413).await;

    // A comment may carry only its own ticket's files that no other comment carries.
    let mine = json_of(
        upload(&app.client, &app, key, "a.png", "image/png", PNG).await,
        201,
    )
    .await;
    let theirs = json_of(
        upload(&app.client, &app, other_key, "b.png", "image/png", PNG).await,
        201,
    )
    .await;
    let r = app
        .post(
            &format!("/tickets/{key}/comments"),
            &json!({"kind": "public", "body": "see", "attachments": [mine["id"], theirs["id"]]}),
        )
        .await;
    assert_eq!(pointers(&problem(r, 422).await), ["/attachments/1"]);
    // Nothing was half written: the reply is not there and the file is still free.
    let page = json_of(app.get(&format!("/tickets/{key}/comments")).await, 200).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    let ok = app
        .post(
            &format!("/tickets/{key}/comments"),
            &json!({"kind": "internal", "body": "see", "attachments": [mine["id"]]}),
        )
        .await;
    assert_eq!(ok.status(), 201);
    let r = app
        .post(
            &format!("/tickets/{key}/comments"),
            &json!({"kind": "internal", "body": "again", "attachments": [mine["id"]]}),
        )
        .await;
    assert_eq!(pointers(&problem(r, 422).await), ["/attachments/0"]);
    let r = app
        .post(
            &format!("/tickets/{key}/comments"),
            &json!({"kind": "public", "body": "  "}),
        )
        .await;
    assert_eq!(pointers(&problem(r, 422).await), ["/body"]);
});

api_test!(
    files_stay_with_the_team_that_sees_the_ticket,
    |app| async move {
        let it = Side::new(&app, "it@example.com", Role::Agent, "it").await;
        let care = Side::new(&app, "care@example.com", Role::Agent, "customer_care").await;
        let viewer = Side::new(&app, "viewer@example.com", Role::Viewer, "it").await;
        let ticket = app.create(it_ticket()).await;
        let key = ticket["key"].as_str().unwrap();
        let a = json_of(
            upload(&it.client, &app, key, "a.png", "image/png", PNG).await,
            201,
        )
        .await;
        let id = a["id"].as_i64().unwrap();
        assert!(
            a["uploaded_by"]
                .as_str()
                .unwrap()
                .starts_with("it@example.com")
        );

        // Another team: no upload, no list, no metadata, no bytes, no removal.
        problem(
            upload(&care.client, &app, key, "x.png", "image/png", PNG).await,
            404,
        )
        .await;
        problem(
            care.get(&app, &format!("/tickets/{key}/attachments")).await,
            404,
        )
        .await;
        problem(care.get(&app, &format!("/attachments/{id}")).await, 404).await;
        problem(
            care.get(&app, &format!("/attachments/{id}/content")).await,
            404,
        )
        .await;
        problem(care.delete(&app, &format!("/attachments/{id}")).await, 404).await;
        // A viewer of the team reads but does not write.
        assert_eq!(
            viewer
                .get(&app, &format!("/attachments/{id}/content"))
                .await
                .status(),
            200
        );
        problem(
            upload(&viewer.client, &app, key, "x.png", "image/png", PNG).await,
            403,
        )
        .await;
        problem(
            viewer.delete(&app, &format!("/attachments/{id}")).await,
            403,
        )
        .await;
        // Anonymous callers get nothing.
        let r = app
            .anonymous
            .get(app.url(&format!("/attachments/{id}/content")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);

        // A deleted ticket's files are for those who may restore it.
        assert_eq!(
            app.client
                .delete(app.url(&format!("/tickets/{key}")))
                .send()
                .await
                .unwrap()
                .status(),
            204
        );
        problem(
            viewer
                .get(&app, &format!("/attachments/{id}/content"))
                .await,
            404,
        )
        .await;
        assert_eq!(
            it.get(&app, &format!("/attachments/{id}/content"))
                .await
                .status(),
            200
        );

        // Removal keeps the name in the trail.
        assert_eq!(
            it.delete(&app, &format!("/attachments/{id}"))
                .await
                .status(),
            204
        );
        problem(it.get(&app, &format!("/attachments/{id}")).await, 404).await;
        let restored = app
            .post(&format!("/tickets/{key}/restore"), &json!({}))
            .await;
        assert_eq!(restored.status(), 200, "{}", restored.text().await.unwrap());
        let events = json_of(app.get(&format!("/tickets/{key}/events")).await, 200).await;
        let removed = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == "attachment" && e["new"].is_null())
            .expect("a removal event");
        assert_eq!(removed["old"]["filename"], "a.png");
        assert!(
            removed["actor"]
                .as_str()
                .unwrap()
                .starts_with("it@example.com")
        );
    }
);

api_test!(
    a_retried_upload_with_its_key_stores_one_file,
    |app| async move {
        let ticket = app.create(it_ticket()).await;
        let key = ticket["key"].as_str().unwrap();
        let send = |data: &'static [u8], idempotency: &'static str| {
            app.client
                .post(app.url(&format!("/tickets/{key}/attachments")))
                .query(&[("filename", "log.txt")])
                .header("content-type", "text/plain")
                .header("idempotency-key", idempotency)
                .body(data)
                .send()
        };
        let first = json_of(send(b"boot log", "upload-1").await.unwrap(), 201).await;
        let again = json_of(send(b"boot log", "upload-1").await.unwrap(), 201).await;
        assert_eq!(first["id"], again["id"]);
        let other = send(b"another log", "upload-1").await.unwrap();
        assert_eq!(problem(other, 409).await["status"], 409);
        let second = json_of(send(b"another log", "upload-2").await.unwrap(), 201).await;
        assert_ne!(first["id"], second["id"]);
        let list = json_of(app.get(&format!("/tickets/{key}/attachments")).await, 200).await;
        assert_eq!(list["items"].as_array().unwrap().len(), 2, "{list}");

        // A removed file is not brought back by a late retry.
        let gone = app
            .client
            .delete(app.url(&format!("/attachments/{}", first["id"])))
            .send()
            .await
            .unwrap();
        assert_eq!(gone.status(), 204);
        let late = send(b"boot log", "upload-1").await.unwrap();
        assert_eq!(late.status(), 404);
    }
);
