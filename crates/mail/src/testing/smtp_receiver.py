"""An SMTP receiver for Docket's mail tests (aiosmtpd, from .venv).

Stores each message in --dir as NNNNNN.eml (the raw bytes as received) beside
NNNNNN.envelope (MAIL FROM, then one RCPT TO per line); the .eml appears last, so a
reader that sees it sees both. Recipients whose local part starts with "reject" are
refused with 550 (a permanent failure), "later" with 451 (a transient one). With
--user and --password, AUTH (PLAIN or LOGIN, allowed without TLS) is required; with
--cert and --key, STARTTLS is required.
"""

import argparse
import asyncio
import os
import ssl

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if local.startswith("later"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.directory, "%06d" % self.count)
        with open(base + ".envelope", "w") as f:
            f.write("\n".join([envelope.mail_from or ""] + list(envelope.rcpt_tos)))
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".tmp", base + ".eml")
        return "250 2.0.0 Message accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    args = parser.parse_args()

    options = {}
    if args.user is not None:
        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login == args.user.encode()
                and auth_data.password == args.password.encode()
            )
            # handled=False: aiosmtpd answers 535 itself (True would leave the client waiting).
            return AuthResult(success=ok, handled=False)

        options = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)

    if args.cert is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
        options.update(tls_context=context, require_starttls=True)

    handler = Handler(args.dir)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(handler, **options), "127.0.0.1", args.port)
    )
    try:
        loop.run_forever()
    finally:
        server.close()


if __name__ == "__main__":
    main()
