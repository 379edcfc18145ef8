//! Noise classification: what must never get an automatic answer.

use docket_mail::{Noise, classify, parse};

use crate::corpus::*;

fn noise(raw: &str) -> Noise {
    classify(&parse(raw.as_bytes()).expect("parses"))
}

#[test]
fn people_are_not_noise() {
    for raw in [
        GMAIL_REPLY,
        OUTLOOK_REPLY,
        APPLE_REPLY,
        INLINE_IMAGE,
        FORWARDED_AS_ATTACHMENT,
    ] {
        assert_eq!(noise(raw), Noise::None);
    }
    // Auto-Submitted: no is a person's mail (RFC 3834).
    assert_eq!(
        noise(
            "From: a@example.org\r\nAuto-Submitted: no\r\nSubject: Vacation request for March\r\n\r\nx"
        ),
        Noise::None
    );
}

#[test]
fn vacation_and_exchange_auto_replies() {
    assert_eq!(noise(VACATION_REPLY), Noise::AutoReply);
    assert_eq!(noise(EXCHANGE_AUTO_REPLY), Noise::AutoReply);
    // Marks one by one.
    for header in [
        "Auto-Submitted: auto-generated",
        "X-Autoreply: yes",
        "X-Autorespond: Out of office",
        "X-Auto-Response-Suppress: All",
        "Precedence: auto_reply",
    ] {
        let raw = format!("From: a@example.org\r\n{header}\r\nSubject: Re: hi\r\n\r\nx");
        assert_eq!(noise(&raw), Noise::AutoReply, "{header}");
    }
    // Subjects alone, for responders that set no header.
    for subject in [
        "Automatic reply: [IT-42] Printer",
        "Out of Office: Re: [IT-42] Printer",
        "Abwesenheitsnotiz: [IT-42] Drucker",
        "Réponse automatique : [IT-42] Imprimante",
        "Respuesta automática: [IT-42] Impresora",
        "Automatisch antwoord: [IT-42] Printer",
        "AutoReply: hello",
    ] {
        let raw = format!("From: a@example.org\r\nSubject: {subject}\r\n\r\nx");
        assert_eq!(noise(&raw), Noise::AutoReply, "{subject}");
    }
}

#[test]
fn dsn_bounce_names_the_message_and_recipient() {
    assert_eq!(
        noise(DSN_BOUNCE),
        Noise::Bounce {
            original_message_id: Some("Xk3b9Q2mZ1nR7tP0aB4cD5eF.IT-42@support.example.com".into()),
            recipient: Some("nobody@customer.example".into()),
        }
    );
}

#[test]
fn other_bounce_shapes() {
    // A postmaster's plain-text bounce quoting the original headers, Exim's header.
    let exim = "From: Mail Delivery System <Mailer-Daemon@mx.example.net>\r\nX-Failed-Recipients: gone@customer.example\r\nSubject: Mail delivery failed\r\n\r\nA message could not be delivered.\r\n\r\n------ This is a copy of the message, including all the headers. ------\r\nMessage-ID: <abc.IT-7@support.example.com>\r\nSubject: [IT-7] x\r\n";
    assert_eq!(
        noise(exim),
        Noise::Bounce {
            original_message_id: Some("abc.IT-7@support.example.com".into()),
            recipient: Some("gone@customer.example".into())
        }
    );
    // The null sender without auto-reply marks.
    let null_sender =
        "Return-Path: <>\r\nFrom: someone@example.org\r\nSubject: Delivery problem\r\n\r\nx";
    assert_eq!(
        noise(null_sender),
        Noise::Bounce {
            original_message_id: None,
            recipient: None
        }
    );
}

#[test]
fn mailing_lists_are_bulk() {
    assert_eq!(noise(MAILING_LIST), Noise::Bulk);
    for header in [
        "Precedence: bulk",
        "Precedence: junk",
        "List-Id: <x.example>",
        "List-Unsubscribe: <mailto:u@x>",
    ] {
        let raw = format!("From: a@example.org\r\n{header}\r\nSubject: hi\r\n\r\nx");
        assert_eq!(noise(&raw), Noise::Bulk, "{header}");
    }
}
