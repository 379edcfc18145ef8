//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::time::Duration;

use docket_fake_discord::{FakeConfig, FakeDiscord};

/// twilight's TLS connectors are built even for plain http/ws and need a process-wide
/// crypto provider; the adapter installs ring the same way.
pub fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

pub async fn fake() -> FakeDiscord {
    install_crypto();
    FakeDiscord::start(FakeConfig {
        heartbeat_interval: Duration::from_millis(500),
        ..FakeConfig::default()
    })
    .await
}

pub fn twilight(fake: &FakeDiscord) -> twilight_http::Client {
    install_crypto();
    twilight_http::Client::builder()
        .token(format!("Bot {}", fake.bot_token()))
        .proxy(fake.proxy(), true)
        .timeout(Duration::from_secs(10))
        .build()
}

pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}

pub fn auth(fake: &FakeDiscord) -> String {
    format!("Bot {}", fake.bot_token())
}

pub const WAIT: Duration = Duration::from_secs(10);
