//! Reply extraction on whole messages of each client, through the parser (HTML-only
//! replies go through the HTML to text conversion first).

use docket_mail::parse;

use crate::corpus::*;

#[test]
fn each_client_reply_is_trimmed_and_the_full_text_kept() {
    let cases = [
        (GMAIL_REPLY, "It works again, thanks!"),
        (
            OUTLOOK_REPLY,
            "Hallo,\n\nder Drucker druckt wieder. Grüße\nJürgen",
        ),
        (
            APPLE_REPLY,
            "Still broken, the display says “PC LOAD LETTER”.",
        ),
    ];
    for (raw, expected) in cases {
        let mail = parse(raw.as_bytes()).expect("parses");
        assert_eq!(mail.reply_text(), expected);
        assert!(
            mail.text.len() > expected.len(),
            "the full text keeps the history"
        );
    }
}

#[test]
fn html_only_gmail_reply_is_trimmed_through_its_blockquote() {
    let raw = "From: a@example.org\r\nSubject: Re: [IT-1] x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<div>Yes, <b>that</b> fixed it.</div><div class=\"gmail_quote\"><blockquote class=\"gmail_quote\"><div>Old text</div><div>More old text</div></blockquote></div>";
    let mail = parse(raw.as_bytes()).expect("parses");
    assert_eq!(
        mail.text,
        "Yes, that fixed it.\n\n> Old text\n> More old text"
    );
    assert_eq!(mail.reply_text(), "Yes, that fixed it.");
}

#[test]
fn outlook_html_only_reply_is_trimmed_at_its_header_block() {
    let raw = "From: a@example.org\r\nSubject: RE: [IT-1] x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Done, thanks.</p><div><hr><p><b>From:</b> Support &lt;support@example.com&gt;<br><b>Sent:</b> Monday, January 6, 2025 5:02 PM<br><b>To:</b> A<br><b>Subject:</b> [IT-1] x</p></div><p>Old text</p>";
    let mail = parse(raw.as_bytes()).expect("parses");
    assert_eq!(mail.reply_text(), "Done, thanks.");
}
