//! A real Docket server per test, served in-process on a free port over a database of its
//! own (as crates/server/tests/common.rs does, whose helpers another crate cannot reach),
//! with a Discord-like service account; and a TCP proxy that can lose answers or cut
//! connections, to exercise retries and reconnects against the real server.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use docket_client::{Client, RetryPolicy};
use docket_core::access::{Role, Scope, UserKind};
use docket_store::identity::{Actor, MasterKey, NewUser};
use docket_store::testing::TestDb;
use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct TestServer {
    pub addr: SocketAddr,
    /// A read+write token of an agent service account in the `it` and `community` teams.
    pub token: String,
    /// An admin's token (admin scope), for what only admins see (the SLA report).
    pub admin_token: String,
    pub db: TestDb,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    pub async fn start(backend: docket_store::Backend) -> TestServer {
        let db = TestDb::new(backend).await;
        let types = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../ticket-types");
        let files = docket_server::typefiles::load(&[types]).expect("shipped types load");
        docket_server::typefiles::apply_safe(&db.store, &files)
            .await
            .expect("shipped types apply");

        let actor = Actor::new("test", None);
        let bot = db
            .store
            .create_user(
                NewUser {
                    email: "discord-bot@example.com".into(),
                    display_name: "Discord bot".into(),
                    role: Role::Agent,
                    kind: UserKind::Service,
                    password: None,
                    skills: vec![],
                    capacity: None,
                },
                &actor,
            )
            .await
            .unwrap();
        for team in ["it", "community"] {
            if db.store.team(team).await.is_err() {
                db.store.create_team(team, team, "", &actor).await.unwrap();
            }
            db.store
                .set_team_member(team, bot.id, true, &actor)
                .await
                .unwrap();
        }
        let (token, _) = db
            .store
            .create_token(
                bot.id,
                "discord",
                &[Scope::Read, Scope::Write],
                None,
                bot.id,
                &actor,
            )
            .await
            .unwrap();
        let admin = db
            .store
            .create_user(
                NewUser {
                    email: "admin@example.com".into(),
                    display_name: "Admin".into(),
                    role: Role::Admin,
                    kind: UserKind::Service,
                    password: None,
                    skills: vec![],
                    capacity: None,
                },
                &actor,
            )
            .await
            .unwrap();
        let (admin_token, _) = db
            .store
            .create_token(admin.id, "admin", &[Scope::Admin], None, admin.id, &actor)
            .await
            .unwrap();

        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let state =
            docket_server::api::AppState::new(db.store.clone(), MasterKey::generate(), false);
        tokio::spawn(async move {
            docket_server::serve(state, listener, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestServer {
            addr,
            token,
            admin_token,
            db,
            shutdown: Some(tx),
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client of this server with quick retries (tests should not wait seconds).
    pub fn client(&self) -> Client {
        client_for(&self.base_url(), &self.token)
    }
}

pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        max_elapsed: Duration::from_secs(10),
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(400),
    }
}

pub fn client_for(base_url: &str, token: &str) -> Client {
    Client::builder(base_url, token)
        .retry(quick_retries())
        .request_timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Run a test body on SQLite and on PostgreSQL, each with a server of its own.
#[macro_export]
macro_rules! server_test {
    ($name:ident, |$server:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($server: TestServer) {
                $body.await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(TestServer::start(docket_store::Backend::Sqlite).await).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run(TestServer::start(docket_store::Backend::Postgres).await).await
            }
        }
    };
}

/// A TCP proxy in front of the server. Connections pass through, except that the next
/// `lose` ones forward the request and then close as soon as the answer starts: the
/// server acted, the client never hears of it. `cut` ends every open connection.
pub struct Proxy {
    pub addr: SocketAddr,
    lose: Arc<AtomicUsize>,
    accepted: Arc<AtomicUsize>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let lose = Arc::new(AtomicUsize::new(0));
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let accepted: Arc<AtomicUsize> = Arc::default();
        let (l, a, c) = (lose.clone(), accepted.clone(), conns.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                a.fetch_add(1, Ordering::SeqCst);
                let losing = l
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                let task = tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    if losing {
                        lose_answer(client, server).await
                    } else {
                        let (mut client, mut server) = (client, server);
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                c.lock().unwrap().push(task);
            }
        });
        Proxy {
            addr,
            lose,
            accepted,
            conns,
            accept,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Lose the answers of the next `n` connections.
    pub fn lose_next(&self, n: usize) {
        self.lose.store(n, Ordering::SeqCst);
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// End every open connection.
    pub fn cut(&self) {
        for task in self.conns.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

async fn lose_answer(client: TcpStream, server: TcpStream) {
    let (mut client_read, _client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let forward = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
    });
    let mut first = [0u8; 1];
    // The answer starts: the request was handled. Drop both sides unanswered.
    let _ = tokio::time::timeout(Duration::from_secs(10), server_read.read(&mut first)).await;
    forward.abort();
}
