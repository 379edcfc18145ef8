//! An S3-compatible server for tests: moto (from PyPI, installed into `.venv` by
//! `scripts/python-tools`), one process per test, with signature checking on, so a
//! request signed wrongly fails as it would against a real service.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::attachments::S3Settings;

pub struct S3Server {
    /// Settings that reach the server's bucket with a working key.
    pub settings: S3Settings,
    child: Child,
}

/// Requests moto serves before it checks signatures: the IAM user, its key, its policy
/// and the bucket, made below.
const SETUP_REQUESTS: usize = 4;

impl S3Server {
    pub async fn start() -> S3Server {
        let program = moto_server();
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("INITIAL_NO_AUTH_ACTION_COUNT", SETUP_REQUESTS.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let mut server = S3Server {
            settings: S3Settings {
                endpoint: format!("http://127.0.0.1:{port}"),
                bucket: "docket-test".into(),
                region: "us-east-1".into(),
                access_key_id: String::new(),
                secret_access_key: String::new(),
                prefix: "files/".into(),
                path_style: true,
            },
            child,
        };
        server.wait_until_up().await;
        server.make_key_and_bucket().await;
        server
    }

    /// Stop the server (an outage); its port refuses connections from then on.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    async fn wait_until_up(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let addr = self
            .settings
            .endpoint
            .trim_start_matches("http://")
            .to_string();
        while tokio::net::TcpStream::connect(&addr).await.is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("moto_server exited at start ({status})");
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not start within a minute"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn make_key_and_bucket(&mut self) {
        let http = reqwest::Client::new();
        // Before signatures are checked moto routes by the scope's service name alone.
        let unsigned = |service: &str| {
            format!(
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
            )
        };
        let iam = |form: &[(&str, &str)]| {
            let mut form = form.to_vec();
            form.push(("Version", "2010-05-08"));
            http.post(&self.settings.endpoint)
                .header("authorization", unsigned("iam"))
                .form(&form)
                .send()
        };
        let user = [("Action", "CreateUser"), ("UserName", "docket")];
        assert!(iam(&user).await.expect("CreateUser").status().is_success());
        let key = iam(&[("Action", "CreateAccessKey"), ("UserName", "docket")])
            .await
            .expect("CreateAccessKey")
            .text()
            .await
            .expect("CreateAccessKey answer");
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
        let put_policy = [
            ("Action", "PutUserPolicy"),
            ("UserName", "docket"),
            ("PolicyName", "s3"),
            ("PolicyDocument", policy),
        ];
        assert!(
            iam(&put_policy)
                .await
                .expect("PutUserPolicy")
                .status()
                .is_success()
        );
        let bucket = http
            .put(format!(
                "{}/{}",
                self.settings.endpoint, self.settings.bucket
            ))
            .header("authorization", unsigned("s3"))
            .send()
            .await
            .expect("CreateBucket");
        assert!(
            bucket.status().is_success(),
            "CreateBucket: {}",
            bucket.status()
        );
        self.settings.access_key_id = element(&key, "AccessKeyId");
        self.settings.secret_access_key = element(&key, "SecretAccessKey");
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn element(xml: &str, name: &str) -> String {
    let open = format!("<{name}>");
    let start = xml.find(&open).map(|i| i + open.len());
    let end = xml.find(&format!("</{name}>"));
    match (start, end) {
        (Some(s), Some(e)) => xml[s..e].to_string(),
        _ => panic!("no {name} in {xml}"),
    }
}

/// `DOCKET_TEST_MOTO`, else the workspace's `.venv/bin/moto_server`.
fn moto_server() -> PathBuf {
    if let Ok(path) = std::env::var("DOCKET_TEST_MOTO") {
        return PathBuf::from(path);
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/moto_server");
    assert!(
        path.is_file(),
        "the S3 tests need moto: run scripts/python-tools (scripts/test does), or set DOCKET_TEST_MOTO to a moto_server"
    );
    path
}
