//! The key: sent the way each flavour wants, never shown.

use docket_ai::{AiConfig, AiError, Flavour};
use docket_fake_openai::{Behaviour, FakeOpenAi, error_body};

use crate::{KEY, client, config, summary_input};

#[tokio::test]
async fn the_key_is_sent_as_bearer() {
    let fake = FakeOpenAi::start().await;
    fake.require_key(Some(KEY));
    client(config(&fake))
        .summarize(&summary_input("x"))
        .await
        .unwrap();
    let request = &fake.requests()[0];
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(request.header("api-key"), None);
    assert_eq!(request.query, None);
}

#[tokio::test]
async fn azure_gets_an_api_key_header_and_the_api_version() {
    let fake = FakeOpenAi::start().await;
    fake.require_key(Some(KEY));
    let mut config = config(&fake);
    config.flavour = Flavour::Azure {
        api_version: Some("2024-10-21".into()),
    };
    client(config).embed(vec!["x".into()]).await.unwrap();
    let request = &fake.requests()[0];
    assert_eq!(request.header("api-key"), Some(KEY));
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.query.as_deref(), Some("api-version=2024-10-21"));
}

#[tokio::test]
async fn no_key_no_header() {
    let fake = FakeOpenAi::start().await;
    let mut config = config(&fake);
    config.api_key = None;
    client(config).embed(vec!["x".into()]).await.unwrap();
    assert_eq!(fake.requests()[0].header("authorization"), None);
}

#[tokio::test]
async fn the_key_never_shows() {
    let fake = FakeOpenAi::start().await;
    let config = config(&fake);
    assert!(!format!("{config:?}").contains(KEY));
    assert!(!format!("{:?}", config.api_key.as_ref().unwrap()).contains(KEY));
    assert!(!config.api_key.as_ref().unwrap().to_string().contains(KEY));
    let ai = client(config);
    assert!(!format!("{ai:?}").contains(KEY));

    // A wrong key: the server's 401 quotes what it got; the error does not.
    let mut wrong = AiConfig::new(fake.base_url()).with_api_key(format!("{KEY}-wrong"));
    wrong.max_retries = 0;
    fake.script(
        FakeOpenAi::CHAT,
        Behaviour::Status {
            status: 401,
            body: error_body(
                &format!("Incorrect API key provided: {KEY}-wrong."),
                "invalid_api_key",
            ),
            retry_after: None,
        },
    );
    let wrong_client = client(wrong);
    let error = wrong_client
        .summarize(&summary_input("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, AiError::Server { status: 401, .. }),
        "{error:?}"
    );
    assert!(!error.to_string().contains(KEY), "{error}");
    assert!(!format!("{error:?}").contains(KEY), "{error:?}");
    let health = wrong_client.health().unwrap();
    assert!(!health.last_error.unwrap().contains(KEY));

    // The fake's own check: a wrong key is refused.
    fake.require_key(Some(KEY));
    let error = wrong_client.embed(vec!["x".into()]).await.unwrap_err();
    assert!(
        matches!(error, AiError::Server { status: 401, .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_bad_base_url_is_a_config_error() {
    for url in ["", "not a url", "ftp://example.test/v1"] {
        let error = docket_ai::AiClient::new(AiConfig::new(url)).unwrap_err();
        assert!(matches!(error, AiError::Config { .. }), "{url}: {error:?}");
    }
}

#[test]
fn an_https_client_builds_without_installing_a_crypto_provider() {
    // reqwest's `rustls-tls` picks ring itself when the process installed no provider;
    // building the TLS client config would panic otherwise.
    let ai = docket_ai::AiClient::new(AiConfig::openai(KEY)).unwrap();
    assert!(ai.is_enabled());
    let azure = AiConfig {
        flavour: Flavour::Azure { api_version: None },
        ..AiConfig::new("https://example-resource.openai.azure.com/openai/v1/").with_api_key(KEY)
    };
    assert!(docket_ai::AiClient::new(azure).is_ok());
}
