//! Files on tickets: uploaded as the raw body, then named by a comment or a transcript.

use docket_api::AttachmentOut;

use crate::client::{Call, Client, answer_error, decode};
use crate::endpoints::*;
use crate::error::Result;
use crate::idempotency::new_idempotency_key;

impl Client {
    /// Upload a file to a ticket; `content_type` is the file's own (octet-stream when
    /// None). An Idempotency-Key is made for this call and sent on every attempt, so a
    /// retry after a lost answer returns the same file.
    pub async fn upload_attachment(
        &self,
        key: &str,
        filename: &str,
        content_type: Option<&str>,
        bytes: Vec<u8>,
    ) -> Result<AttachmentOut> {
        self.upload_attachment_with_key(key, filename, content_type, bytes, &new_idempotency_key())
            .await
    }

    /// Upload with the caller's own Idempotency-Key (e.g. derived from a Discord
    /// attachment's id), so even a restarted caller stores a file once. The same key with
    /// another file is refused (409).
    pub async fn upload_attachment_with_key(
        &self,
        key: &str,
        filename: &str,
        content_type: Option<&str>,
        bytes: Vec<u8>,
        idempotency_key: &str,
    ) -> Result<AttachmentOut> {
        let call = Call {
            path: &[key],
            query: vec![("filename", filename.to_string())],
            headers: vec![("Idempotency-Key", idempotency_key.to_string())],
            content_type: content_type.map(str::to_string),
            ..Call::default()
        };
        let answer = self
            .send(&UPLOAD_ATTACHMENT.endpoint, &call, Some(bytes))
            .await?;
        Ok(decode(&UPLOAD_ATTACHMENT.endpoint, answer)?.0.value)
    }

    /// A file's bytes and Content-Type.
    pub async fn attachment_content(&self, id: i64) -> Result<(Vec<u8>, Option<String>)> {
        let id = id.to_string();
        let call = Call {
            path: &[&id],
            ..Call::default()
        };
        let answer = self.send(&ATTACHMENT_CONTENT.endpoint, &call, None).await?;
        if answer.status != ATTACHMENT_CONTENT.endpoint.status {
            return Err(answer_error(&answer));
        }
        let content_type = answer
            .headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok((answer.body, content_type))
    }
}
