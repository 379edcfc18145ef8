//! A Docket server per test: its own database (SQLite or PostgreSQL), the shipped types
//! applied, listening on a free port.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use docket_core::access::{Role, Scope, UserKind};
use docket_store::identity::{Actor, MasterKey, NewUser};
use docket_store::testing::TestDb;
use docket_store::{Backend, Store};
use reqwest::{Client, Response};
use serde_json::Value;

pub struct TestApp {
    pub addr: SocketAddr,
    /// Sends an admin's token (admin scope) with every request.
    pub client: Client,
    /// Sends nothing: an anonymous caller.
    pub anonymous: Client,
    pub admin_id: i64,
    pub db: TestDb,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

pub fn shipped_types_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ticket-types")
}

/// The key every test server seals secrets with, so a test can open them too (a
/// delivery worker it runs itself, say).
pub fn test_master_key() -> MasterKey {
    MasterKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").expect("a test key")
}

/// Serve `store` on a free port; the returned sender stops it.
/// It seals secrets with a key of its own, as a misconfigured second instance would.
pub async fn serve(store: Store) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    serve_with(store, false, MasterKey::generate()).await
}

/// `serve`, with the AI worker running every 100 ms when `ai_worker` (as `docket serve`
/// runs it every few seconds).
pub async fn serve_with(
    store: Store,
    ai_worker: bool,
    master_key: MasterKey,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    serve_state(
        docket_server::api::AppState::new(store, master_key, false),
        ai_worker,
    )
    .await
}

/// Serve this state on a free port; the returned sender stops it.
pub async fn serve_state(
    state: docket_server::api::AppState,
    ai_worker: bool,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    if ai_worker {
        docket_server::spawn_ai_worker(&state, std::time::Duration::from_millis(100));
    }
    tokio::spawn(async move {
        docket_server::serve(state, listener, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (addr, tx)
}

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        TestApp::build(backend, false, None).await
    }

    /// A server that also runs the AI worker.
    pub async fn with_ai_worker(backend: Backend) -> TestApp {
        TestApp::build(backend, true, None).await
    }

    /// A server that counts into `metrics` (and asks for its token at `/metrics`).
    pub async fn with_metrics(
        backend: Backend,
        metrics: std::sync::Arc<docket_server::metrics::Metrics>,
    ) -> TestApp {
        TestApp::build(backend, false, Some(metrics)).await
    }

    async fn build(
        backend: Backend,
        ai_worker: bool,
        metrics: Option<std::sync::Arc<docket_server::metrics::Metrics>>,
    ) -> TestApp {
        let db = TestDb::new(backend).await;
        let files =
            docket_server::typefiles::load(&[shipped_types_dir()]).expect("shipped types load");
        docket_server::typefiles::apply_safe(&db.store, &files)
            .await
            .expect("shipped types apply");
        let admin_id = create_user(&db.store, "admin@example.com", Role::Admin, &[]).await;
        let token = token_for(&db.store, admin_id, &[Scope::Admin]).await;
        let mut state =
            docket_server::api::AppState::new(db.store.clone(), test_master_key(), false);
        if let Some(metrics) = metrics {
            state = state.with_metrics(metrics);
        }
        let (addr, tx) = serve_state(state, ai_worker).await;
        TestApp {
            addr,
            client: client_with_token(&token),
            anonymous: Client::new(),
            admin_id,
            db,
            shutdown: Some(tx),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}/api/v1{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn create(&self, body: Value) -> Value {
        let r = self.post("/tickets", &body).await;
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
        r.json().await.unwrap()
    }
}

pub const PASSWORD: &str = "correct horse battery staple";

/// A person with the test password, in the given teams (created when missing).
pub async fn create_user(store: &Store, email: &str, role: Role, teams: &[&str]) -> i64 {
    let actor = Actor::new("test", None);
    let user = store
        .create_user(
            NewUser {
                email: email.into(),
                display_name: email.split('@').next().unwrap().into(),
                role,
                kind: UserKind::Person,
                password: Some(PASSWORD.into()),
                skills: vec![],
                capacity: None,
            },
            &actor,
        )
        .await
        .unwrap();
    for team in teams {
        if store.team(team).await.is_err() {
            store.create_team(team, team, "", &actor).await.unwrap();
        }
        store
            .set_team_member(team, user.id, true, &actor)
            .await
            .unwrap();
    }
    user.id
}

pub async fn token_for(store: &Store, user_id: i64, scopes: &[Scope]) -> String {
    store
        .create_token(
            user_id,
            "test",
            scopes,
            None,
            user_id,
            &Actor::new("test", None),
        )
        .await
        .unwrap()
        .0
}

pub fn client_with_token(token: &str) -> Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    Client::builder().default_headers(headers).build().unwrap()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Declare an API test that runs on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! api_test {
    ($name:ident, |$app:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: TestApp) {
                $body.await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(TestApp::new(docket_store::Backend::Sqlite).await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run(TestApp::new(docket_store::Backend::Postgres).await).await
            }
        }
    };
}

/// A delivery worker on the test's store (tests run it themselves, at chosen times).
pub fn delivery_worker(app: &TestApp) -> docket_server::delivery::Worker {
    docket_server::delivery::Worker::new(
        app.db.store.clone(),
        test_master_key(),
        "test-worker".into(),
    )
}

/// Assert a response's status and return its JSON body (Null when it has none).
pub async fn json_of(r: Response, status: u16) -> Value {
    let code = r.status().as_u16();
    let text = r.text().await.unwrap();
    assert_eq!(code, status, "{text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Assert a problem+json response and return its body.
pub async fn problem(r: Response, status: u16) -> Value {
    assert_eq!(r.status(), status, "unexpected status");
    let ct = r
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(ct, "application/problem+json");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["status"], status);
    body
}

pub fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["pointer"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// A signed-in caller of its own (a user with a read+write token), for tests with several
/// sides.
pub struct Side {
    pub id: i64,
    pub client: Client,
}

impl Side {
    pub async fn new(app: &TestApp, email: &str, role: Role, team: &str) -> Side {
        let id = create_user(&app.db.store, email, role, &[team]).await;
        let token = token_for(&app.db.store, id, &[Scope::Read, Scope::Write]).await;
        Side {
            id,
            client: client_with_token(&token),
        }
    }

    pub async fn post(&self, app: &TestApp, path: &str, body: &Value) -> Response {
        self.client
            .post(app.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, app: &TestApp, path: &str, body: &Value) -> Response {
        self.client
            .patch(app.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, app: &TestApp, path: &str) -> Response {
        self.client.delete(app.url(path)).send().await.unwrap()
    }

    pub async fn get(&self, app: &TestApp, path: &str) -> Response {
        self.client.get(app.url(path)).send().await.unwrap()
    }
}
