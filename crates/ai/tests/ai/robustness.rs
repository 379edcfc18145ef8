//! Retries, Retry-After, timeouts, dropped connections and the circuit breaker.

use std::time::Duration;

use docket_ai::{AiConfig, AiError, BreakerConfig, CircuitState};
use docket_fake_openai::{Behaviour, FakeOpenAi, error_body};

use crate::{client, config, summary_input};

/// Long enough that a test stuck in a 10-minute sleep fails instead of hanging.
const GENEROUS: Duration = Duration::from_secs(60);

#[tokio::test]
async fn retry_after_is_honoured() {
    let fake = FakeOpenAi::start().await;
    fake.script(FakeOpenAi::CHAT, Behaviour::rate_limited(1));
    client(config(&fake))
        .summarize(&summary_input("x"))
        .await
        .unwrap();
    let requests = fake.requests_to(FakeOpenAi::CHAT);
    assert_eq!(requests.len(), 2);
    assert!(requests[1].at.duration_since(requests[0].at) >= Duration::from_secs(1));
}

#[tokio::test]
async fn an_http_date_retry_after_is_honoured() {
    let fake = FakeOpenAi::start().await;
    let at = std::time::SystemTime::now() + Duration::from_secs(2);
    fake.script(
        FakeOpenAi::EMBEDDINGS,
        Behaviour::Status {
            status: 503,
            body: error_body("overloaded", "overloaded"),
            retry_after: Some(httpdate::fmt_http_date(at)),
        },
    );
    client(config(&fake)).embed(vec!["x".into()]).await.unwrap();
    let requests = fake.requests_to(FakeOpenAi::EMBEDDINGS);
    assert_eq!(requests.len(), 2);
    // HTTP dates have whole seconds: at least one second of the two is certain.
    assert!(requests[1].at.duration_since(requests[0].at) >= Duration::from_secs(1));
}

#[tokio::test]
async fn server_errors_and_drops_are_retried_then_succeed() {
    let fake = FakeOpenAi::start().await;
    fake.script(FakeOpenAi::CHAT, Behaviour::server_error());
    fake.script(FakeOpenAi::CHAT, Behaviour::DropConnection);
    fake.script(FakeOpenAi::CHAT, Behaviour::server_error());
    let ai = client(config(&fake));
    ai.summarize(&summary_input("x")).await.unwrap();
    assert_eq!(fake.requests_to(FakeOpenAi::CHAT).len(), 4);
    assert_eq!(ai.health().unwrap().consecutive_failures, 0);
}

#[tokio::test]
async fn retries_stop_at_the_limit() {
    let fake = FakeOpenAi::start().await;
    for _ in 0..10 {
        fake.script(FakeOpenAi::CHAT, Behaviour::server_error());
    }
    let mut config = config(&fake);
    config.max_retries = 2;
    let error = client(config)
        .summarize(&summary_input("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, AiError::Server { status: 500, .. }),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(fake.requests_to(FakeOpenAi::CHAT).len(), 3);
}

#[tokio::test]
async fn other_client_errors_are_not_retried() {
    let fake = FakeOpenAi::start().await;
    fake.script(
        FakeOpenAi::CHAT,
        Behaviour::Status {
            status: 404,
            body: error_body("The model does not exist", "model_not_found"),
            retry_after: None,
        },
    );
    let error = client(config(&fake))
        .summarize(&summary_input("x"))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        AiError::Server {
            status: 404,
            message: "The model does not exist".into()
        }
    );
    assert!(!error.is_retryable());
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn a_long_retry_after_fails_at_once() {
    let fake = FakeOpenAi::start().await;
    fake.script(FakeOpenAi::CHAT, Behaviour::rate_limited(600));
    let ai = client(config(&fake));
    let error = tokio::time::timeout(GENEROUS, ai.summarize(&summary_input("x")))
        .await
        .expect("no ten-minute sleep")
        .unwrap_err();
    assert_eq!(
        error,
        AiError::RateLimited {
            retry_after: Some(Duration::from_secs(600))
        }
    );
    assert!(error.is_retryable());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(600)));
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let fake = FakeOpenAi::start().await;
    fake.script(FakeOpenAi::CHAT, Behaviour::Delay(Duration::from_secs(30)));
    let mut config = config(&fake);
    config.request_timeout = Duration::from_millis(300);
    config.max_retries = 0;
    let ai = client(config);
    let error = tokio::time::timeout(GENEROUS, ai.summarize(&summary_input("x")))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(error, AiError::Timeout);
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_slow_answer_is_retried_within_the_deadline() {
    let fake = FakeOpenAi::start().await;
    fake.script(FakeOpenAi::CHAT, Behaviour::Delay(Duration::from_secs(30)));
    let mut config = config(&fake);
    config.request_timeout = Duration::from_millis(500);
    client(config).summarize(&summary_input("x")).await.unwrap();
    // At least: on a loaded machine even an ordinary answer may miss 500 ms and be retried.
    assert!(fake.requests_to(FakeOpenAi::CHAT).len() >= 2);
}

#[tokio::test]
async fn the_call_deadline_bounds_all_attempts() {
    let fake = FakeOpenAi::start().await;
    for _ in 0..10 {
        fake.script(FakeOpenAi::CHAT, Behaviour::Delay(Duration::from_secs(30)));
    }
    let mut config = config(&fake);
    config.request_timeout = Duration::from_secs(20);
    config.call_deadline = Duration::from_millis(500);
    config.max_retries = 5;
    let ai = client(config);
    let error = tokio::time::timeout(GENEROUS, ai.summarize(&summary_input("x")))
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(error, AiError::Timeout);
}

#[tokio::test]
async fn the_circuit_opens_fails_fast_and_half_opens_after_the_cooldown() {
    let fake = FakeOpenAi::start().await;
    for _ in 0..3 {
        fake.script_any(Behaviour::server_error());
    }
    let mut config = config(&fake);
    config.max_retries = 0;
    let cooldown = Duration::from_secs(2);
    config.breaker = BreakerConfig {
        failure_threshold: 3,
        cooldown,
    };
    let ai = client(config);
    for _ in 0..3 {
        let error = ai.summarize(&summary_input("x")).await.unwrap_err();
        assert!(matches!(error, AiError::Server { status: 500, .. }));
    }
    let health = ai.health().unwrap();
    assert!(
        matches!(health.state, CircuitState::Open { .. }),
        "{health:?}"
    );
    assert_eq!(health.consecutive_failures, 3);
    assert!(health.last_error.unwrap().contains("500"));

    // Every feature shares the breaker; none reaches the server while it is open.
    let error = ai.embed(vec!["x".into()]).await.unwrap_err();
    assert!(matches!(error, AiError::CircuitOpen { retry_after } if retry_after <= cooldown));
    assert!(error.is_retryable());
    assert!(matches!(
        ai.summarize(&summary_input("x")).await,
        Err(AiError::CircuitOpen { .. })
    ));
    assert_eq!(fake.request_count(), 3);

    tokio::time::sleep(cooldown + Duration::from_millis(200)).await;
    assert_eq!(ai.health().unwrap().state, CircuitState::HalfOpen);
    // The probe goes through, succeeds and closes the circuit.
    ai.summarize(&summary_input("x")).await.unwrap();
    assert_eq!(fake.request_count(), 4);
    assert_eq!(ai.health().unwrap().state, CircuitState::Closed);
    ai.embed(vec!["x".into()]).await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_is_a_transport_error() {
    // Port 1 on loopback: nothing listens there (a freed random port could be reused by
    // another test's fake).
    let mut config = AiConfig::new("http://127.0.0.1:1/v1");
    config.backoff_base = Duration::from_millis(10);
    config.max_retries = 1;
    let error = client(config).embed(vec!["x".into()]).await.unwrap_err();
    assert!(
        matches!(error, AiError::Transport { .. } | AiError::Timeout),
        "{error:?}"
    );
    assert!(error.is_retryable());
}
