//! Operations hardening, on both backends: the login throttle holds back guessers, not
//! the account's owner; anonymous callers learn nothing about the database; files are
//! private; live streams follow the caller's access as it changes.

mod common;

use std::net::{IpAddr, Ipv4Addr};

use common::*;
use reqwest::Client;
use serde_json::json;

/// A client whose connections come from `ip` (any 127.x address reaches the server).
fn client_from(ip: [u8; 4]) -> Client {
    Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::from(ip)))
        .build()
        .unwrap()
}

async fn login(client: &Client, app: &TestApp, password: &str) -> reqwest::Response {
    client
        .post(app.url("/auth/login"))
        .json(&json!({"email": "admin@example.com", "password": password}))
        .send()
        .await
        .unwrap()
}

api_test!(
    a_stranger_guessing_does_not_lock_the_owner_out,
    |app| async move {
        let owner = client_from([127, 0, 0, 1]);
        let stranger = client_from([127, 0, 0, 2]);
        for _ in 0..5 {
            assert_eq!(login(&stranger, &app, "guess").await.status(), 401);
        }
        let r = login(&stranger, &app, "guess").await;
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "5", "the real wait");
        // The owner, from their own address, signs in.
        let r = login(&owner, &app, PASSWORD).await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
);
