//! Passwords (argon2id), random tokens (stored only as SHA-256 hashes) and secrets at
//! rest (XChaCha20-Poly1305 under a master key).

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

use crate::StoreError;

pub const MIN_PASSWORD_LEN: usize = 12;

pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashes any input")
        .to_string()
}

/// A hash of a password nobody has, checked when the account does not exist so that an
/// unknown email costs the same time as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&random_token_body()))
}

/// Check a password against a stored hash (or against the decoy when there is none).
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    // Evaluated on every check, so that making the decoy (once) does not single out the
    // first unknown account.
    let decoy = decoy_hash();
    let stored = hash.unwrap_or(decoy);
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    ok && hash.is_some()
}

fn random_token_body() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A short one-time code a person types (`K7QH-2MXP`): letters and digits that cannot be
/// mistaken for each other, about 40 bits, worth guessing for minutes only.
pub fn link_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 8];
    OsRng.fill_bytes(&mut bytes);
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// A new random token `<prefix>_<43 characters>`.
pub fn new_token(prefix: &str) -> String {
    format!("{prefix}_{}", random_token_body())
}

/// What is stored for a token: never the token itself.
pub fn token_hash(token: &str) -> String {
    crate::sha256_hex(token.as_bytes())
}

/// The key secrets are encrypted with, and a short id that says which key sealed a value.
#[derive(Clone)]
pub struct MasterKey {
    key: [u8; 32],
    id: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.id)
    }
}

impl MasterKey {
    pub fn generate() -> MasterKey {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        MasterKey::from_bytes(key)
    }

    fn from_bytes(key: [u8; 32]) -> MasterKey {
        let digest = Sha256::digest(key);
        let id = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
        MasterKey { key, id }
    }

    /// A key written as base64 (the environment variable and the key file hold this).
    pub fn from_base64(text: &str) -> Result<MasterKey, String> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|e| format!("the master key is not base64: {e}"))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "the master key must be 32 bytes (44 base64 characters)".to_string())?;
        Ok(MasterKey::from_bytes(key))
    }

    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.key)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// (nonce, ciphertext), both base64.
    pub fn seal(&self, plaintext: &str, name: &str) -> (String, String) {
        let cipher = XChaCha20Poly1305::new((&self.key).into());
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        // The secret's name is bound in, so a ciphertext moved to another name fails.
        let payload = chacha20poly1305::aead::Payload {
            msg: plaintext.as_bytes(),
            aad: name.as_bytes(),
        };
        let sealed = cipher
            .encrypt(&XNonce::from(nonce), payload)
            .expect("encryption with a valid key cannot fail");
        (STANDARD.encode(nonce), STANDARD.encode(sealed))
    }

    pub fn open(
        &self,
        key_id: &str,
        nonce: &str,
        ciphertext: &str,
        name: &str,
    ) -> Result<String, StoreError> {
        if key_id != self.id {
            return Err(StoreError::Internal(format!(
                "secret `{name}` was sealed with master key {key_id}, but the configured key is {}",
                self.id
            )));
        }
        let bad = || {
            StoreError::Internal(format!(
                "secret `{name}` does not decrypt: the data or the key is wrong"
            ))
        };
        let nonce = STANDARD.decode(nonce).map_err(|_| bad())?;
        let sealed = STANDARD.decode(ciphertext).map_err(|_| bad())?;
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| bad())?;
        let cipher = XChaCha20Poly1305::new((&self.key).into());
        let plain = cipher
            .decrypt(
                &XNonce::from(nonce),
                chacha20poly1305::aead::Payload {
                    msg: &sealed,
                    aad: name.as_bytes(),
                },
            )
            .map_err(|_| bad())?;
        String::from_utf8(plain).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_unknown_accounts_fail() {
        let h = hash_password("correct horse battery");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", Some(&h)));
        assert!(!verify_password("wrong", Some(&h)));
        assert!(!verify_password("correct horse battery", None));
    }

    #[test]
    fn secrets_round_trip_and_are_bound_to_key_and_name() {
        let k = MasterKey::generate();
        let (nonce, ct) = k.seal("sk-123", "openai_api_key");
        assert!(!ct.contains("sk-123"));
        assert_eq!(
            k.open(k.id(), &nonce, &ct, "openai_api_key").unwrap(),
            "sk-123"
        );
        assert!(k.open(k.id(), &nonce, &ct, "other_name").is_err());
        let other = MasterKey::generate();
        assert!(other.open(k.id(), &nonce, &ct, "openai_api_key").is_err());
        let again = MasterKey::from_base64(&k.to_base64()).unwrap();
        assert_eq!(again.id(), k.id());
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let a = new_token("dkt");
        assert!(a.starts_with("dkt_") && a.len() > 40);
        assert_ne!(a, new_token("dkt"));
        assert_eq!(token_hash(&a).len(), 64);
    }
}
