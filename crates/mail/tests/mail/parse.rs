//! Parsing realistic messages, field by field.

use docket_mail::{EmailAddress, MessageIds, parse};

use crate::corpus::*;

#[test]
fn gmail_reply() {
    let mail = parse(GMAIL_REPLY.as_bytes()).expect("parses");
    assert_eq!(
        mail.from,
        Some(EmailAddress::named("Jane Doe", "jane.doe@gmail.com"))
    );
    assert_eq!(
        mail.to,
        vec![EmailAddress::named("ACME Support", "support@example.com")]
    );
    assert_eq!(mail.cc, vec![EmailAddress::new("bob@example.org")]);
    assert!(mail.reply_to.is_empty());
    assert_eq!(mail.reply_address(), mail.from.as_ref());
    assert_eq!(mail.return_path.as_deref(), Some("jane.doe@gmail.com"));
    assert_eq!(mail.subject, "Re: [IT-42] Printer on floor 2");
    assert_eq!(
        mail.message_id.as_deref(),
        Some("CAJ8x+reply1@mail.gmail.com")
    );
    assert_eq!(
        mail.in_reply_to,
        vec!["Xk3b9Q2mZ1nR7tP0aB4cD5eF.IT-42@support.example.com"]
    );
    assert_eq!(
        mail.references,
        vec![
            "first@mail.gmail.com",
            "Xk3b9Q2mZ1nR7tP0aB4cD5eF.IT-42@support.example.com"
        ]
    );
    assert_eq!(
        mail.date.map(|d| d.to_rfc3339()).as_deref(),
        Some("2025-01-07T08:15:02+00:00")
    );
    assert!(
        mail.text
            .starts_with("It works again, thanks!\n\nOn Mon, Jan 6"),
        "{}",
        mail.text
    );
    assert!(mail.text.contains("> Please turn it off"));
    assert_eq!(mail.reply_text(), "It works again, thanks!");
    let html = mail.html.as_deref().expect("an HTML body");
    assert!(
        html.contains("gmail_quote") || html.contains("<blockquote"),
        "{html}"
    );
    assert!(!html.contains("style="), "{html}");
    assert!(mail.attachments.is_empty());
    assert_eq!(mail.content_type, "multipart/alternative");

    let ids = MessageIds::new("support.example.com").expect("domain");
    assert_eq!(
        ids.ticket_key_in_thread(&mail.in_reply_to, &mail.references),
        Some("IT-42".into())
    );
}

#[test]
fn outlook_reply_in_windows_1252() {
    let mail = parse(OUTLOOK_REPLY.as_bytes()).expect("parses");
    assert_eq!(
        mail.from,
        Some(EmailAddress::named("Jürgen Müller", "j.mueller@contoso.de"))
    );
    assert_eq!(mail.subject, "AW: [IT-42] Drucker im 2. Stock");
    assert!(
        mail.text.contains("druckt wieder. Grüße\nJürgen"),
        "{}",
        mail.text
    );
    assert_eq!(
        mail.reply_text(),
        "Hallo,\n\nder Drucker druckt wieder. Grüße\nJürgen"
    );
    let html = mail.html.expect("HTML");
    assert!(
        !html.contains("<style") && !html.contains("margin"),
        "{html}"
    );
    assert!(html.contains("Grüße"), "{html}");
}

#[test]
fn apple_mail_reply() {
    let mail = parse(APPLE_REPLY.as_bytes()).expect("parses");
    assert_eq!(
        mail.from,
        Some(EmailAddress::named("Tim", "tim@icloud.com"))
    );
    assert_eq!(
        mail.message_id.as_deref(),
        Some("5F1C2D3E-AAAA-BBBB-CCCC-0123456789AB@icloud.com")
    );
    assert!(mail.html.is_none());
    assert_eq!(
        mail.reply_text(),
        "Still broken, the display says “PC LOAD LETTER”."
    );
    assert!(mail.text.contains("Sent from my iPhone"));
}

#[test]
fn html_only_mail_is_sanitised_and_readable() {
    let mail = parse(HTML_ONLY_INJECTION.as_bytes()).expect("parses");
    let html = mail.html.as_deref().expect("HTML");
    for gone in [
        "<script",
        "steal",
        "onload",
        "onerror",
        "style",
        "javascript:",
        "evil.example",
        "<iframe",
        "<form",
        "<input",
        "<svg",
    ] {
        assert!(!html.contains(gone), "{gone} survived in {html}");
    }
    assert!(
        html.contains(r#"href="https://pay.example/inv/1""#),
        "{html}"
    );
    assert!(html.contains("alt=\"tracker\""), "{html}");
    assert_eq!(
        mail.text,
        "Please pay here or there (https://pay.example/inv/1).\n\n[tracker]"
    );
}

#[test]
fn inline_image_keeps_its_content_id() {
    let mail = parse(INLINE_IMAGE.as_bytes()).expect("parses");
    assert_eq!(mail.text, "See the screenshot.");
    let html = mail.html.as_deref().expect("HTML");
    assert!(html.contains(r#"src="cid:shot1@example.org""#), "{html}");
    assert_eq!(mail.attachments.len(), 1);
    let image = &mail.attachments[0];
    assert_eq!(image.filename.as_deref(), Some("shot.png"));
    assert_eq!(image.content_type, "image/png");
    assert_eq!(image.content_id.as_deref(), Some("shot1@example.org"));
    assert!(image.inline);
    assert!(image.content.starts_with(b"\x89PNG\r\n"));
}

#[test]
fn forwarded_message_is_an_eml_attachment() {
    let mail = parse(FORWARDED_AS_ATTACHMENT.as_bytes()).expect("parses");
    assert_eq!(mail.text, "See below.");
    assert_eq!(mail.attachments.len(), 1, "{:?}", mail.attachments);
    let forwarded = &mail.attachments[0];
    assert_eq!(forwarded.content_type, "message/rfc822");
    assert_eq!(forwarded.filename.as_deref(), Some("Broken laptop.eml"));
    assert!(!forwarded.inline);
    let inner = parse(&forwarded.content).expect("the forwarded message parses");
    assert_eq!(inner.message_id.as_deref(), Some("orig1@customer.example"));
    assert_eq!(inner.text, "My laptop does not boot.");
    assert_eq!(inner.attachments[0].filename.as_deref(), Some("log.txt"));
    assert_eq!(inner.attachments[0].content, b"boot failed");
}

#[test]
fn encoded_word_subjects_in_latin1_and_utf8() {
    let latin1 =
        "From: a@example.org\r\nSubject: =?ISO-8859-1?Q?Caf=E9_cr=E8me_br=FBl=E9e?=\r\n\r\nx\r\n";
    assert_eq!(
        parse(latin1.as_bytes()).expect("parses").subject,
        "Café crème brûlée"
    );
    let utf8 = "From: =?UTF-8?B?w4VzYSBTdHLDtm0=?= <asa@example.se>\r\nSubject: =?UTF-8?B?S2Fmw6kg4piVIOaXpeacrA==?=\r\n =?UTF-8?Q?_und_mehr?=\r\n\r\nx\r\n";
    let mail = parse(utf8.as_bytes()).expect("parses");
    assert_eq!(mail.subject, "Kafé ☕ 日本 und mehr");
    assert_eq!(
        mail.from,
        Some(EmailAddress::named("Åsa Ström", "asa@example.se"))
    );
    // 0xA4 is the euro sign in ISO-8859-15.
    let raw = b"From: a@example.org\r\nSubject: x\r\nContent-Type: text/plain; charset=iso-8859-15\r\nContent-Transfer-Encoding: 8bit\r\n\r\nPreis: 10 \xa4\r\n";
    assert_eq!(parse(raw).expect("parses").text, "Preis: 10 €");
}

#[test]
fn ten_megabyte_attachment_arrives_whole() {
    use base64::Engine as _;
    let content: Vec<u8> = (0..10 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&content);
    let mut raw = String::from(
        "From: a@example.org\r\nTo: support@example.com\r\nSubject: dump\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe crash dump.\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"core.dump\"\r\n\r\n",
    );
    for line in encoded.as_bytes().chunks(76) {
        raw.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        raw.push_str("\r\n");
    }
    raw.push_str("--b--\r\n");
    let started = std::time::Instant::now();
    let mail = parse(raw.as_bytes()).expect("parses");
    assert_eq!(mail.text, "The crash dump.");
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!(mail.attachments[0].filename.as_deref(), Some("core.dump"));
    assert_eq!(mail.attachments[0].content_type, "application/octet-stream");
    assert!(
        mail.attachments[0].content == content,
        "the attachment's bytes differ"
    );
    println!("parsed 10 MB in {:?}", started.elapsed());
}
