//! Object storage as an operator meets it, through the `docket` binary and a real
//! S3-compatible server (moto, signatures checked): seal the key, move the files an
//! installation already has, serve with the bucket, ride out an outage, and refuse to
//! start with a wrong key.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use docket_store::testing::s3::S3Server;
use serde_json::{Value, json};

struct Install {
    data: PathBuf,
    bucket: Option<docket_store::attachments::S3Settings>,
}

impl Install {
    fn docket(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_docket"));
        cmd.args(args)
            .env("DOCKET_DATA_DIR", &self.data)
            .env(
                "DOCKET_TYPES_DIR",
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ticket-types"),
            )
            .env("DOCKET_LOG", "warn")
            .env_remove("DOCKET_DATABASE_URL")
            .env_remove("DOCKET_MASTER_KEY")
            .env_remove("DOCKET_CONFIG");
        if let Some(s) = &self.bucket {
            cmd.env("DOCKET_ATTACHMENT_STORAGE", "s3")
                .env("DOCKET_S3_ENDPOINT", &s.endpoint)
                .env("DOCKET_S3_BUCKET", &s.bucket)
                .env("DOCKET_S3_REGION", &s.region)
                .env("DOCKET_S3_ACCESS_KEY_ID", &s.access_key_id)
                .env("DOCKET_S3_PREFIX", "docket/");
        }
        cmd
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
        let mut cmd = self.docket(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    /// `docket serve` on a free port, once it answers; None when it exits instead.
    async fn serve(&self) -> Result<Server, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = self
            .docket(&["serve", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}/api/v1");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                let mut err = String::new();
                use std::io::Read;
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                return Err(format!("exited {status}: {err}"));
            }
            if reqwest::get(format!("{base}/health")).await.is_ok() {
                return Ok(Server { child, base });
            }
            assert!(Instant::now() < deadline, "docket serve did not answer");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    async fn upload(
        &self,
        token: &str,
        key: &str,
        data: &[u8],
        idempotency: &str,
    ) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}/tickets/{key}/attachments", self.base))
            .query(&[("filename", "report.pdf")])
            .bearer_auth(token)
            .header("content-type", "application/pdf")
            .header("idempotency-key", idempotency)
            .body(data.to_vec())
            .send()
            .await
            .unwrap()
    }

    async fn content(&self, token: &str, id: &Value) -> reqwest::Response {
        reqwest::Client::new()
            .get(format!("{}/attachments/{id}/content", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installation_moves_its_files_to_a_bucket_and_rides_out_an_outage() {
    let mut s3 = S3Server::start().await;
    let data = std::env::temp_dir().join(format!("docket-s3-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let mut install = Install {
        data: data.clone(),
        bucket: None,
    };
    let (ok, text) = install.run(
        &[
            "admin",
            "create",
            "--email",
            "root@example.com",
            "--name",
            "Root",
        ],
        &[("DOCKET_ADMIN_PASSWORD", "a long enough password")],
    );
    assert!(ok, "{text}");
    let (ok, token) = install.run(
        &[
            "tokens",
            "create",
            "--user",
            "root@example.com",
            "--name",
            "t",
            "--scopes",
            "admin",
        ],
        &[],
    );
    assert!(ok, "{token}");
    let token = token
        .lines()
        .find(|l| l.starts_with("dkt_"))
        .unwrap_or_else(|| panic!("{token}"))
        .to_string();

    // Before the switch: a file in the database.
    let server = install.serve().await.unwrap();
    let created = reqwest::Client::new()
        .post(format!("{}/tickets", server.base))
        .bearer_auth(&token)
        .json(&json!({"type": "it_support", "title": "Printer", "requester": {"email": "ada@example.com"},
            "fields": {"category": "hardware", "impact": "individual"}}))
        .send()
        .await
        .unwrap();
    let ticket: Value = created.json().await.unwrap();
    let key = ticket["key"]
        .as_str()
        .unwrap_or_else(|| panic!("{ticket}"))
        .to_string();
    let old: Value = server
        .upload(&token, &key, b"%PDF-1.7 old", "old")
        .await
        .json()
        .await
        .unwrap();
    drop(server);

    // The switch: the key sealed, the settings set, the old file moved.
    install.bucket = Some(s3.settings.clone());
    let (ok, text) = install.run(&["attachments", "move-to-bucket"], &[]);
    assert!(
        !ok && text.contains("docket secrets set s3_secret_access_key"),
        "{text}"
    );
    let (ok, text) = install.run(
        &["secrets", "set", "s3_secret_access_key"],
        &[("DOCKET_SECRET_VALUE", &s3.settings.secret_access_key)],
    );
    assert!(ok, "{text}");
    let (ok, text) = install.run(&["attachments", "move-to-bucket"], &[]);
    assert!(ok && text.contains("moved 1 file"), "{text}");

    let server = install.serve().await.unwrap();
    let r = server.content(&token, &old["id"]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"%PDF-1.7 old");
    let new = server.upload(&token, &key, b"%PDF-1.7 new", "new").await;
    assert_eq!(new.status(), 201);
    let new: Value = new.json().await.unwrap();
    let again: Value = server
        .upload(&token, &key, b"%PDF-1.7 new", "new")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(new["id"], again["id"], "a retried upload stores one object");
    assert_eq!(
        server
            .content(&token, &new["id"])
            .await
            .bytes()
            .await
            .unwrap()
            .as_ref(),
        b"%PDF-1.7 new"
    );
    let in_bucket = docket_store::attachments::ObjectStore::new(s3.settings.clone()).unwrap();
    assert!(in_bucket.check().await.is_ok());

    // The bucket goes away: files answer 503 with Retry-After at once; tickets still work.
    s3.stop();
    let started = Instant::now();
    let r = server.content(&token, &new["id"]).await;
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("retry-after"));
    let r = server
        .upload(&token, &key, b"%PDF-1.7 during", "during")
        .await;
    assert_eq!(r.status(), 503);
    assert!(started.elapsed() < Duration::from_secs(10), "failed fast");
    let r = reqwest::Client::new()
        .get(format!("{}/tickets/{key}", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    drop(server);

    // A wrong key stops the server at start, saying why.
    let s3 = S3Server::start().await;
    install.bucket = Some(s3.settings.clone());
    let (ok, text) = install.run(
        &["secrets", "set", "s3_secret_access_key"],
        &[("DOCKET_SECRET_VALUE", "not-the-key")],
    );
    assert!(ok, "{text}");
    let err = install.serve().await.err().expect("refuses to start");
    assert!(
        err.contains("object storage") && err.contains("SignatureDoesNotMatch"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&data);
}
