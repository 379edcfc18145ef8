//! Posting a web reply in its ticket channel once, whatever fails between Discord's
//! answer and Docket recording which message it became.
//!
//! The reply is marked as relayed (its `external_ref`) only after Discord answered, so a
//! crash, a lost answer (a 5xx after the message was made) or a timeout leaves it
//! unmarked and it is posted again. Each post carries a nonce derived from the comment
//! id with `enforce_nonce`: Discord answers a repeat within a few minutes with the
//! message already made instead of making a second. twilight's builder has no
//! `enforce_nonce`, so the body is written here as `payload_json`.

use std::time::Duration;

use serde_json::json;
use twilight_model::channel::Message;
use twilight_model::channel::message::AllowedMentions;
use twilight_model::http::attachment::Attachment;
use twilight_model::id::Id;

use crate::context::Ctx;
use crate::error::{Error, Result};
use crate::ids;

/// Tries per reply before it waits for the next change of its ticket (or a sweep).
const ATTEMPTS: u32 = 5;

/// Post comment `comment_id`'s `text` and `files` in `channel`: the message (a new one,
/// or the one an earlier try made), or `None` when the channel is gone.
pub async fn post_reply(
    ctx: &Ctx,
    channel: u64,
    comment_id: i64,
    text: &str,
    files: &[Attachment],
) -> Result<Option<Message>> {
    let payload = payload(text, files, &ids::reply_nonce(comment_id));
    let mut delay = Duration::from_millis(250);
    let mut attempt = 1;
    loop {
        let sent = ctx
            .discord
            .create_message(Id::new(channel))
            .attachments(files)
            .payload_json(&payload)
            .await;
        let error = match sent {
            Ok(r) => return Ok(Some(r.model().await?)),
            Err(e) if crate::error::discord_not_found(&e) => return Ok(None),
            Err(e) => Error::from(e),
        };
        // The same nonce again: a message made before the failure is answered, not
        // doubled.
        if !error.is_retryable() || attempt >= ATTEMPTS {
            return Err(error);
        }
        tracing::warn!(error = %error, channel, comment_id, "posting a reply failed; retrying");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(4));
        attempt += 1;
    }
}

/// The message body as Discord reads it: no mentions ping anyone (a web reply may quote
/// `@everyone`), the files described by their index.
fn payload(text: &str, files: &[Attachment], nonce: &str) -> Vec<u8> {
    let attachments: Vec<_> = files
        .iter()
        .map(|f| json!({ "id": f.id, "filename": f.filename }))
        .collect();
    let body = json!({
        "content": text,
        "allowed_mentions": AllowedMentions::default(),
        "attachments": attachments,
        "nonce": nonce,
        "enforce_nonce": true,
    });
    serde_json::to_vec(&body).expect("a JSON value serialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_enforces_the_comments_nonce_and_pings_nobody() {
        let files = [Attachment::from_bytes("a.txt".into(), b"a".to_vec(), 0)];
        let body: serde_json::Value =
            serde_json::from_slice(&payload("hi @everyone", &files, "dkt-c42")).unwrap();
        assert_eq!(body["nonce"], "dkt-c42");
        assert_eq!(body["enforce_nonce"], true);
        assert_eq!(body["allowed_mentions"], json!({ "parse": [] }));
        assert_eq!(
            body["attachments"],
            json!([{ "id": 0, "filename": "a.txt" }])
        );
    }
}
