//! Discord's interaction signatures: Ed25519 over `X-Signature-Timestamp` followed by the
//! raw body, with the application's public key. Checked before anything is parsed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signature, Verifier, VerifyingKey};

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    MissingHeaders,
    BadSignature,
    /// Signed too long ago (or too far in the future): a replay.
    Stale,
}

#[derive(Clone)]
pub struct SignatureCheck {
    key: VerifyingKey,
    max_age: Duration,
}

impl SignatureCheck {
    pub fn new(public_key_hex: &str, max_age: Duration) -> Result<SignatureCheck> {
        let bytes = from_hex(public_key_hex.trim())
            .filter(|b| b.len() == 32)
            .ok_or_else(|| Error::Config("the public key is not 64 hex digits".into()))?;
        let key = VerifyingKey::from_bytes(&bytes.try_into().expect("32 bytes"))
            .map_err(|_| Error::Config("the public key is not an Ed25519 key".into()))?;
        Ok(SignatureCheck { key, max_age })
    }

    /// Whether `body` was signed by Discord at `timestamp` (Unix seconds) recently.
    pub fn check(
        &self,
        signature_hex: Option<&str>,
        timestamp: Option<&str>,
        body: &[u8],
    ) -> Result<(), Rejection> {
        let (Some(signature_hex), Some(timestamp)) = (signature_hex, timestamp) else {
            return Err(Rejection::MissingHeaders);
        };
        let signature = from_hex(signature_hex)
            .and_then(|b| Signature::from_slice(&b).ok())
            .ok_or(Rejection::BadSignature)?;
        let mut message = Vec::with_capacity(timestamp.len() + body.len());
        message.extend_from_slice(timestamp.as_bytes());
        message.extend_from_slice(body);
        self.key
            .verify(&message, &signature)
            .map_err(|_| Rejection::BadSignature)?;
        // Only a genuine signature's timestamp is worth reading.
        let signed: u64 = timestamp.parse().map_err(|_| Rejection::BadSignature)?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        if signed.abs_diff(now) > self.max_age.as_secs() {
            return Err(Rejection::Stale);
        }
        Ok(())
    }
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn accepts_only_fresh_genuine_signatures() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let check = SignatureCheck::new(
            &hex(key.verifying_key().as_bytes()),
            Duration::from_secs(300),
        )
        .unwrap();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let sign = |ts: &str, body: &[u8]| {
            let mut m = ts.as_bytes().to_vec();
            m.extend_from_slice(body);
            hex(&key.sign(&m).to_bytes())
        };
        let body = br#"{"type":1}"#;
        let ts = now.to_string();
        assert_eq!(check.check(Some(&sign(&ts, body)), Some(&ts), body), Ok(()));
        // Another body, another timestamp, garbage, nothing.
        assert_eq!(
            check.check(Some(&sign(&ts, body)), Some(&ts), br#"{"type":2}"#),
            Err(Rejection::BadSignature)
        );
        let other = (now + 1).to_string();
        assert_eq!(
            check.check(Some(&sign(&ts, body)), Some(&other), body),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            check.check(Some("zz"), Some(&ts), body),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            check.check(None, Some(&ts), body),
            Err(Rejection::MissingHeaders)
        );
        // Genuine but old: a replay.
        let old = (now - 301).to_string();
        assert_eq!(
            check.check(Some(&sign(&old, body)), Some(&old), body),
            Err(Rejection::Stale)
        );
        assert!(SignatureCheck::new("abcd", Duration::from_secs(1)).is_err());
    }
}
