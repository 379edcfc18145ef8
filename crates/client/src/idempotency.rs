//! Idempotency keys: one per logical create, sent on every attempt of it, so the server
//! answers a resend with the ticket the first attempt made.

use crate::retry::random_bytes;

/// A fresh key: 128 random bits, hex (well inside the server's 200 characters).
pub fn new_idempotency_key() -> String {
    let bytes = random_bytes::<16>();
    let mut key = String::with_capacity(36);
    key.push_str("dc-");
    for b in bytes {
        key.push_str(&format!("{b:02x}"));
    }
    key
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_differ_and_are_header_safe() {
        let a = super::new_idempotency_key();
        let b = super::new_idempotency_key();
        assert_ne!(a, b);
        assert_eq!(a.len(), 35);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'));
    }
}
