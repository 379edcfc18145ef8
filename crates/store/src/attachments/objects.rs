//! Attachment bytes in an S3-compatible bucket, for installations that run several
//! instances or keep the database small. Each file is one object under a key of its own
//! (`<prefix><ticket id>/<random>`); the attachment row says where its bytes are, so
//! files stored before the switch stay readable from the database.
//!
//! A bucket that is down or slow never hangs a request: connections give up after a
//! few seconds and the caller gets `StoreError::Unavailable` (a 503).

use std::time::Duration;

use chrono::Utc;
use reqwest::{Method, StatusCode, Url};

use super::sigv4::{self, Credentials, EMPTY_PAYLOAD};
use crate::identity::crypto::new_token;
use crate::{Result, StoreError};

/// Where and how to reach the bucket (the secret comes from Docket's sealed secrets).
#[derive(Clone)]
pub struct S3Settings {
    /// The service's base URL: `https://s3.eu-west-1.amazonaws.com`, `http://minio:9000`.
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Prepended to every key (`docket/`), so one bucket can hold other things too.
    pub prefix: String,
    /// `https://host/bucket/key` (MinIO, Ceph, Garage and most self-hosted servers)
    /// rather than `https://bucket.host/key` (AWS's preferred form).
    pub path_style: bool,
}

impl std::fmt::Debug for S3Settings {
    // The secret never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("prefix", &self.prefix)
            .field("path_style", &self.path_style)
            .finish_non_exhaustive()
    }
}

pub struct ObjectStore {
    settings: S3Settings,
    /// The bucket's root (`…/bucket/` or `bucket.host/`), ending in a slash.
    root: Url,
    http: reqwest::Client,
}

impl std::fmt::Debug for ObjectStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectStore")
            .field("root", &self.root.as_str())
            .finish_non_exhaustive()
    }
}

impl ObjectStore {
    /// Check the settings' shape (not the server: see `check`).
    pub fn new(settings: S3Settings) -> std::result::Result<ObjectStore, String> {
        let bucket_ok = (3..=63).contains(&settings.bucket.len())
            && settings
                .bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b));
        if !bucket_ok {
            return Err(format!(
                "`{}` is not a bucket name (3 to 63 lower-case letters, digits, `-` and `.`)",
                settings.bucket
            ));
        }
        if !settings
            .prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
        {
            return Err(format!(
                "the key prefix `{}` may hold only letters, digits, `-`, `_`, `.` and `/`",
                settings.prefix
            ));
        }
        if settings.region.is_empty() || settings.access_key_id.is_empty() {
            return Err("object storage needs a region and an access key id".into());
        }
        if settings.secret_access_key.is_empty() {
            return Err("object storage needs its secret access key".into());
        }
        let mut root = Url::parse(&settings.endpoint)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| {
                format!(
                    "`{}` is not an http(s) URL of an S3-compatible service",
                    settings.endpoint
                )
            })?;
        let base_path = root.path().trim_end_matches('/').to_string();
        if settings.path_style {
            root.set_path(&format!("{base_path}/{}/", settings.bucket));
        } else {
            let host = format!(
                "{}.{}",
                settings.bucket,
                root.host_str().unwrap_or_default()
            );
            root.set_host(Some(&host)).map_err(|e| e.to_string())?;
            root.set_path(&format!("{base_path}/"));
        }
        let http = reqwest::Client::builder()
            // A bucket that does not answer must not hold a ticket request.
            .connect_timeout(Duration::from_secs(3))
            // Between reads, not for the whole transfer: big files may take a while.
            .read_timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| format!("cannot build the object storage client: {e}"))?;
        Ok(ObjectStore {
            settings,
            root,
            http,
        })
    }

    /// Write, read and remove a small probe object with the credentials, so a wrong
    /// setting or a missing permission stops the server at start rather than failing the
    /// first upload (a HEAD would answer without the error's name).
    pub async fn check(&self) -> Result<()> {
        let key = format!("{}.docket-check", self.settings.prefix);
        let probe = b"docket".to_vec();
        let sha = crate::sha256_hex(&probe);
        self.put(&key, probe.clone(), &sha, "text/plain").await?;
        if self.get(&key).await? != probe {
            return Err(StoreError::Internal(
                "the object storage answered other bytes than were written".into(),
            ));
        }
        self.delete(&key).await
    }

    /// A new object key for a file of the ticket with row id `ticket_id`.
    pub(crate) fn new_key(&self, ticket_id: i64) -> String {
        format!("{}{ticket_id}/{}", self.settings.prefix, new_token("f"))
    }

    pub async fn put(
        &self,
        key: &str,
        data: Vec<u8>,
        sha256: &str,
        content_type: &str,
    ) -> Result<()> {
        self.send(Method::PUT, key, Some((data, sha256, content_type)))
            .await
            .map(|_| ())
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>> {
        let response = self.send(Method::GET, key, None).await?;
        let bytes = response.bytes().await.map_err(unreachable)?;
        Ok(bytes.to_vec())
    }

    /// Remove an object; one already gone is no error (a retried delete).
    pub async fn delete(&self, key: &str) -> Result<()> {
        self.send(Method::DELETE, key, None).await.map(|_| ())
    }

    async fn send(
        &self,
        method: Method,
        key: &str,
        body: Option<(Vec<u8>, &str, &str)>,
    ) -> Result<reqwest::Response> {
        let url = self
            .root
            .join(&sigv4::encode_path(key))
            .map_err(|e| StoreError::Internal(format!("object key `{key}`: {e}")))?;
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        let payload_sha256 = body.as_ref().map_or(EMPTY_PAYLOAD, |(_, sha, _)| *sha);
        let now = Utc::now();
        let headers = [
            ("host", host),
            ("x-amz-content-sha256", payload_sha256.to_string()),
            ("x-amz-date", sigv4::amz_date(now)),
        ];
        let authorization = sigv4::authorization(
            &Credentials {
                access_key_id: &self.settings.access_key_id,
                secret_access_key: &self.settings.secret_access_key,
                region: &self.settings.region,
            },
            &sigv4::Request {
                method: method.as_str(),
                path: url.path(),
                query: "",
                headers: &headers,
                payload_sha256,
            },
            now,
        );
        let mut request = self
            .http
            .request(method.clone(), url)
            .header("authorization", authorization)
            .header("x-amz-content-sha256", &headers[1].1)
            .header("x-amz-date", &headers[2].1);
        if let Some((data, _, content_type)) = body {
            request = request.header("content-type", content_type).body(data);
        }
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        if status.is_success() || (method == Method::DELETE && status == StatusCode::NOT_FOUND) {
            return Ok(response);
        }
        let text = response.text().await.unwrap_or_default();
        let code = between(&text, "<Code>", "</Code>").unwrap_or("");
        tracing::error!(%status, code, key, "object storage refused a request");
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            return Err(StoreError::Unavailable(
                "the object storage is failing; try again shortly".into(),
            ));
        }
        Err(StoreError::Internal(format!(
            "the object storage answered {status} {code} for `{key}`; the server log has the details"
        )))
    }
}

fn unreachable(e: reqwest::Error) -> StoreError {
    tracing::error!(error = %e, "object storage is unreachable");
    StoreError::Unavailable("the object storage is not answering; try again shortly".into())
}

fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}
