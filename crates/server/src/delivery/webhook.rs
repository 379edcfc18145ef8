//! Webhook deliveries: the delivery's body POSTed as JSON, signed so the receiver can
//! tell it came from Docket and is fresh: `X-Docket-Timestamp` (unix seconds) and
//! `X-Docket-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the
//! subscription's secret. A 2xx is delivered; 410 Gone means the receiver is gone for
//! good; anything else (or no answer within the timeout) is tried again later.

use std::time::Duration;

use docket_core::intake::signature::sign_docket;
use docket_store::Store;
use docket_store::delivery::{Delivery, Outcome};
use docket_store::identity::MasterKey;

pub const TIMESTAMP_HEADER: &str = "x-docket-timestamp";
pub const SIGNATURE_HEADER: &str = "x-docket-signature";

pub(super) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        // A receiver that does not answer costs a retry, never a stuck worker.
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        // A redirect could move a signed body somewhere the admin did not name.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Docket-Webhook/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("static client settings")
}

/// `v1=<hex>`: the signature of `body` sent at `timestamp`, the same scheme inbound
/// webhooks check (`docket_core::intake::signature`), so Docket can feed Docket.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    sign_docket(secret.as_bytes(), &timestamp.to_string(), body)
}

pub(super) async fn send(
    store: &Store,
    key: &MasterKey,
    http: &reqwest::Client,
    d: &Delivery,
) -> Outcome {
    let failed = |error: String, retry: bool| Outcome::Failed {
        code: None,
        error,
        retry,
    };
    let Ok(id) = d.target.parse::<i64>() else {
        return failed(format!("`{}` is not a subscription", d.target), false);
    };
    let subscription = match store.subscription(id).await {
        Ok(s) => s,
        Err(docket_store::StoreError::NotFound(_)) => {
            return failed("the subscription was deleted".into(), false);
        }
        Err(e) => return failed(e.to_string(), true),
    };
    if !subscription.enabled {
        return failed("the subscription is switched off".into(), false);
    }
    let secret = match store.subscription_secret(key, id).await {
        Ok(s) => s,
        Err(e) => return failed(format!("the signing secret cannot be read: {e}"), true),
    };
    let body = d.body.to_string();
    let timestamp = chrono::Utc::now().timestamp();
    let response = http
        .post(&subscription.url)
        .header("content-type", "application/json")
        .header("x-docket-event", &d.topic)
        .header("x-docket-delivery", d.id.to_string())
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(
            SIGNATURE_HEADER,
            signature(&secret, timestamp, body.as_bytes()),
        )
        .body(body)
        .send()
        .await;
    match response {
        Ok(r) if r.status().is_success() => Outcome::Delivered {
            code: Some(i32::from(r.status().as_u16())),
        },
        Ok(r) => {
            let status = r.status();
            let text: String = r
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect();
            Outcome::Failed {
                code: Some(i32::from(status.as_u16())),
                error: format!("the receiver answered {status}: {text}"),
                retry: status != reqwest::StatusCode::GONE,
            }
        }
        Err(e) => failed(format!("no answer: {e}"), true),
    }
}
