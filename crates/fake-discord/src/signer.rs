//! Signs interaction requests the way Discord does, so a test can post an interaction
//! to the adapter's HTTP endpoint and the adapter's real signature check accepts it.
//!
//! Discord signs `timestamp || raw body` with the application's Ed25519 key and sends
//! `X-Signature-Ed25519: <hex signature>` and `X-Signature-Timestamp: <timestamp>`; the
//! app owner configures the public key (hex) shown in the developer portal.

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};

use crate::ids::hex;

/// Header names Discord uses for interaction signatures.
pub const SIGNATURE_HEADER: &str = "X-Signature-Ed25519";
pub const TIMESTAMP_HEADER: &str = "X-Signature-Timestamp";

/// An application's interaction key pair, from a fixed seed (deterministic in tests).
#[derive(Clone)]
pub struct InteractionSigner {
    key: SigningKey,
}

impl InteractionSigner {
    /// The seed `InteractionSigner::default()` uses.
    pub const TEST_SEED: [u8; 32] = *b"docket-fake-discord-test-seed-01";

    pub fn from_seed(seed: [u8; 32]) -> InteractionSigner {
        InteractionSigner {
            key: SigningKey::from_bytes(&seed),
        }
    }

    /// The public key as Discord shows it to the app owner: 64 hex digits.
    pub fn public_key_hex(&self) -> String {
        hex(self.key.verifying_key().as_bytes())
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// The `X-Signature-Ed25519` value for `body` sent at `timestamp`: 128 hex digits.
    pub fn sign(&self, timestamp: &str, body: &[u8]) -> String {
        let mut message = Vec::with_capacity(timestamp.len() + body.len());
        message.extend_from_slice(timestamp.as_bytes());
        message.extend_from_slice(body);
        hex(&self.key.sign(&message).to_bytes())
    }

    /// Both headers for `body`, stamped now (Unix seconds, as Discord does).
    pub fn headers(&self, body: &[u8]) -> [(&'static str, String); 2] {
        let timestamp = (crate::ids::now_unix_ms() / 1000).to_string();
        self.headers_at(&timestamp, body)
    }

    pub fn headers_at(&self, timestamp: &str, body: &[u8]) -> [(&'static str, String); 2] {
        [
            (SIGNATURE_HEADER, self.sign(timestamp, body)),
            (TIMESTAMP_HEADER, timestamp.to_string()),
        ]
    }
}

impl Default for InteractionSigner {
    fn default() -> InteractionSigner {
        InteractionSigner::from_seed(InteractionSigner::TEST_SEED)
    }
}

impl std::fmt::Debug for InteractionSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InteractionSigner")
            .field("public_key", &self.public_key_hex())
            .finish()
    }
}
