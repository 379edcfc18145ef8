//! Broken input: a clear error or a best-effort message, never a panic.

use docket_mail::{MailError, classify, parse};
use proptest::prelude::*;

use crate::corpus::*;

#[test]
fn empty_input_and_no_headers_are_refused() {
    for raw in [&b""[..], b"\r\n\r\n", b"   "] {
        assert!(
            matches!(parse(raw), Err(MailError::Unparsable { .. })),
            "{raw:?}"
        );
    }
    let headerless = parse(b"\r\nJust a body without any header.\r\n");
    assert!(
        matches!(headerless, Err(MailError::Unparsable { .. })),
        "{headerless:?}"
    );
}

#[test]
fn missing_boundary_gives_the_body_as_text() {
    let raw = "From: a@example.org\r\nSubject: no boundary\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhello\r\n--x--\r\n";
    let mail = parse(raw.as_bytes()).expect("best effort");
    assert_eq!(mail.subject, "no boundary");
    assert!(
        mail.text.contains("hello")
            || mail
                .attachments
                .iter()
                .any(|a| a.content.windows(5).any(|w| w == b"hello")),
        "{mail:?}"
    );
}

#[test]
fn truncated_base64_keeps_what_decodes() {
    let raw = "From: a@example.org\r\nSubject: cut\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee file\r\n--b\r\nContent-Type: application/pdf; name=x.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfs";
    let mail = parse(raw.as_bytes()).expect("best effort");
    assert_eq!(mail.text, "see file");
    assert_eq!(mail.attachments.len(), 1);
    assert!(
        mail.attachments[0].content.starts_with(b"%PDF-1.4"),
        "{:?}",
        mail.attachments[0].content
    );
}

#[test]
fn unknown_charset_and_bad_headers_do_not_fail() {
    let raw = "From: <<<>>>\r\nTo: ,,,\r\nDate: yesterday-ish\r\nMessage-ID: no brackets here\r\nSubject: =?x-unknown?Q?abc?=\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\nbody\r\n";
    let mail = parse(raw.as_bytes()).expect("best effort");
    assert!(mail.date.is_none());
    assert!(mail.to.is_empty());
    assert_eq!(mail.text, "body");
}

/// Every prefix of every corpus message, and every message with bytes flipped.
#[test]
fn truncations_of_the_corpus_never_panic() {
    for message in [
        GMAIL_REPLY,
        OUTLOOK_REPLY,
        APPLE_REPLY,
        HTML_ONLY_INJECTION,
        INLINE_IMAGE,
        FORWARDED_AS_ATTACHMENT,
        DSN_BOUNCE,
    ] {
        let bytes = message.as_bytes();
        for end in (0..bytes.len()).step_by(7) {
            if let Ok(mail) = parse(&bytes[..end]) {
                let _ = classify(&mail);
                let _ = mail.reply_text();
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(mail) = parse(&raw) {
            let _ = classify(&mail);
            let _ = mail.reply_text();
        }
    }

    #[test]
    fn mutated_corpus_never_panics(
        which in 0usize..4,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..40),
    ) {
        let base = [GMAIL_REPLY, INLINE_IMAGE, FORWARDED_AS_ATTACHMENT, DSN_BOUNCE][which];
        let mut raw = base.as_bytes().to_vec();
        for (at, byte) in edits {
            let i = at.index(raw.len());
            raw[i] = byte;
        }
        if let Ok(mail) = parse(&raw) {
            let _ = classify(&mail);
            let _ = mail.reply_text();
            let _ = docket_mail::html::html_to_text(&String::from_utf8_lossy(&raw));
        }
    }
}
