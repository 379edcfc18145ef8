//! How a delivery proves it comes from its source: an HMAC-SHA256 under the source's
//! secret, over the raw bytes as they arrived (nothing is parsed before it passes).
//! Comparisons are constant-time (`Mac::verify_slice`), so the time an answer takes
//! says nothing about how much of a forged signature was right.
//!
//! - `docket`: `<timestamp>.<body>` signed, the timestamp (unix seconds) within
//!   `MAX_SKEW_SECONDS` of now either way, so a captured request stops working soon.
//! - `github`: the body signed (GitHub's `sha256=`); GitHub sends no timestamp, so
//!   replays are refused by remembering delivery ids (the store's job).
//!
//! Header names are the server's business: these functions take the headers' text.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use utoipa::ToSchema;

type HmacSha256 = Hmac<Sha256>;

/// How far a `docket` timestamp may be from the receiver's clock, either way.
pub const MAX_SKEW_SECONDS: i64 = 300;

/// How a source signs its deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// `X-Docket-Timestamp` and `X-Docket-Signature: v1=<hex HMAC of "<timestamp>.<body>">`.
    #[default]
    Docket,
    /// `X-Hub-Signature-256: sha256=<hex HMAC of the body>`, `X-GitHub-Delivery` ids
    /// remembered for a day.
    Github,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Docket => "docket",
            Scheme::Github => "github",
        }
    }

    pub fn parse(s: &str) -> Option<Scheme> {
        [Scheme::Docket, Scheme::Github]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Why a delivery's signature was not accepted. The server names the headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The timestamp header is missing.
    NoTimestamp,
    /// The signature header is missing.
    NoSignature,
    /// The signature header is not in the scheme's form (`v1=<hex>`, `sha256=<hex>`).
    MalformedSignature,
    /// No signature matches: a wrong secret, or a changed body.
    Mismatch,
    /// Signed, but the timestamp is not a number of seconds.
    MalformedTimestamp,
    /// Signed, but the timestamp is this many seconds from now (negative: in the future).
    Stale { age_seconds: i64 },
}

fn mac(secret: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The `docket` scheme's signature header value for a timestamp and body.
pub fn sign_docket(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let mut m = mac(secret);
    m.update(timestamp.as_bytes());
    m.update(b".");
    m.update(body);
    format!("v1={}", hex(&m.finalize().into_bytes()))
}

/// The `github` scheme's signature header value for a body.
pub fn sign_github(secret: &[u8], body: &[u8]) -> String {
    let mut m = mac(secret);
    m.update(body);
    format!("sha256={}", hex(&m.finalize().into_bytes()))
}

/// Check a `docket` delivery at `now` (unix seconds). The signature header may carry
/// several `v1=` values separated by commas (a sender moving between secrets); one
/// matching is enough. The signature is checked before the timestamp is even read as a
/// number: an unsigned claim about time means nothing.
pub fn verify_docket(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), Refusal> {
    let timestamp = timestamp.ok_or(Refusal::NoTimestamp)?.trim();
    let signature = signature.ok_or(Refusal::NoSignature)?;
    let candidates = signatures(signature, "v1=")?;
    let matches = candidates.iter().any(|sig| {
        let mut m = mac(secret);
        m.update(timestamp.as_bytes());
        m.update(b".");
        m.update(body);
        m.verify_slice(sig).is_ok()
    });
    if !matches {
        return Err(Refusal::Mismatch);
    }
    let sent: i64 = timestamp.parse().map_err(|_| Refusal::MalformedTimestamp)?;
    let age = now.saturating_sub(sent);
    if age.abs() > MAX_SKEW_SECONDS {
        return Err(Refusal::Stale { age_seconds: age });
    }
    Ok(())
}

/// Check a `github` delivery.
pub fn verify_github(secret: &[u8], signature: Option<&str>, body: &[u8]) -> Result<(), Refusal> {
    let signature = signature.ok_or(Refusal::NoSignature)?;
    let candidates = signatures(signature, "sha256=")?;
    let matches = candidates.iter().any(|sig| {
        let mut m = mac(secret);
        m.update(body);
        m.verify_slice(sig).is_ok()
    });
    if matches {
        Ok(())
    } else {
        Err(Refusal::Mismatch)
    }
}

/// The decoded signatures of a header: `<prefix><hex>`, comma-separated.
fn signatures(header: &str, prefix: &str) -> Result<Vec<Vec<u8>>, Refusal> {
    let out: Vec<Vec<u8>> = header
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.strip_prefix(prefix)
                .and_then(unhex)
                .filter(|bytes| bytes.len() == 32)
                .ok_or(Refusal::MalformedSignature)
        })
        .collect::<Result<_, _>>()?;
    if out.is_empty() {
        return Err(Refusal::MalformedSignature);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test";

    #[test]
    fn a_docket_signature_is_accepted_within_the_window_only() {
        let body = br#"{"alert":"disk"}"#;
        let sig = sign_docket(SECRET, "1700000000", body);
        let check = |now| verify_docket(SECRET, Some("1700000000"), Some(&sig), body, now);
        assert_eq!(check(1_700_000_000), Ok(()));
        assert_eq!(check(1_700_000_300), Ok(()));
        assert_eq!(check(1_699_999_700), Ok(()));
        assert_eq!(
            check(1_700_000_301),
            Err(Refusal::Stale { age_seconds: 301 })
        );
        assert_eq!(
            check(1_699_999_000),
            Err(Refusal::Stale { age_seconds: -1000 })
        );
    }

    #[test]
    fn a_changed_body_timestamp_or_secret_is_a_mismatch() {
        let body = b"{}";
        let sig = sign_docket(SECRET, "100", body);
        assert_eq!(
            verify_docket(SECRET, Some("100"), Some(&sig), b"{ }", 100),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            verify_docket(SECRET, Some("101"), Some(&sig), body, 100),
            Err(Refusal::Mismatch)
        );
        assert_eq!(
            verify_docket(b"other", Some("100"), Some(&sig), body, 100),
            Err(Refusal::Mismatch)
        );
    }

    #[test]
    fn missing_and_malformed_headers_are_named() {
        let sig = sign_docket(SECRET, "100", b"{}");
        assert_eq!(
            verify_docket(SECRET, None, Some(&sig), b"{}", 100),
            Err(Refusal::NoTimestamp)
        );
        assert_eq!(
            verify_docket(SECRET, Some("100"), None, b"{}", 100),
            Err(Refusal::NoSignature)
        );
        for bad in ["", "v1=", "v1=zz", "v2=00", "sha256=00"] {
            assert_eq!(
                verify_docket(SECRET, Some("100"), Some(bad), b"{}", 100),
                Err(Refusal::MalformedSignature),
                "{bad}"
            );
        }
        let signed_words = sign_docket(SECRET, "soon", b"{}");
        assert_eq!(
            verify_docket(SECRET, Some("soon"), Some(&signed_words), b"{}", 100),
            Err(Refusal::MalformedTimestamp)
        );
    }

    #[test]
    fn one_matching_signature_of_several_is_enough() {
        let good = sign_docket(SECRET, "100", b"{}");
        let other = sign_docket(b"old", "100", b"{}");
        let both = format!("{other}, {good}");
        assert_eq!(
            verify_docket(SECRET, Some("100"), Some(&both), b"{}", 100),
            Ok(())
        );
    }

    #[test]
    fn github_signatures_cover_the_body() {
        // GitHub's documented example: secret "It's a Secret to Everybody", payload
        // "Hello, World!".
        let sig = sign_github(b"It's a Secret to Everybody", b"Hello, World!");
        assert_eq!(
            sig,
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
        assert_eq!(
            verify_github(b"It's a Secret to Everybody", Some(&sig), b"Hello, World!"),
            Ok(())
        );
        assert_eq!(
            verify_github(b"It's a Secret to Everybody", Some(&sig), b"Hello, World?"),
            Err(Refusal::Mismatch)
        );
        assert_eq!(verify_github(SECRET, None, b""), Err(Refusal::NoSignature));
    }
}
