//! The AI client against the fake OpenAI server: real client code, real HTTP on loopback.
//! Waits are measured on the fake's arrival times; time bounds are generous.

mod features;
mod robustness;
mod secrets;

use std::time::Duration;

use docket_ai::{AiClient, AiConfig, SummaryInput, ThreadMessage, TicketContent};
use docket_fake_openai::{FakeOpenAi, RecordedRequest};
use serde_json::Value;

pub const KEY: &str = "sk-test-0123456789abcdefSECRET";

/// A config for `fake` with quick backoff, so retries do not slow the suite.
pub fn config(fake: &FakeOpenAi) -> AiConfig {
    let mut config = AiConfig::new(fake.base_url()).with_api_key(KEY);
    config.backoff_base = Duration::from_millis(10);
    config.max_backoff = Duration::from_millis(50);
    config
}

pub fn client(config: AiConfig) -> AiClient {
    AiClient::new(config).expect("a valid config")
}

pub fn ticket(title: &str, body: &str) -> TicketContent {
    TicketContent {
        ticket_type: Some("it_support".into()),
        title: title.into(),
        body: body.into(),
        fields: serde_json::Map::new(),
    }
}

pub fn summary_input(body: &str) -> SummaryInput {
    SummaryInput {
        ticket: ticket("VPN trouble", body),
        thread: vec![ThreadMessage {
            author: docket_ai::Author::Requester,
            text: "Still broken this morning.".into(),
            at: None,
        }],
    }
}

/// The text of a recorded chat request's message with `role`.
pub fn message(request: &RecordedRequest, role: &str) -> String {
    request.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == role)
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_string()
}

pub fn response_format_type(request: &RecordedRequest) -> Option<&Value> {
    request.body.pointer("/response_format/type")
}
