#!/usr/bin/python3
"""Start Debian's aiosmtpd as a mailspec target (loopback only).

The stock CLI (`python3 -m aiosmtpd`) cannot configure credentials, so every
AUTH fails there (aiosmtpd's default auth callback refuses all logins). This
script runs aiosmtpd's own SMTP class unchanged, configured like the CLI with
`--tlscert/--tlskey --no-requiretls -u`, plus an authenticator that accepts
one test user, and a Sink handler that discards mail.

  /usr/bin/python3 targets/aiosmtpd.start.py --listen 127.0.0.1:2525 \
      --tlscert /tmp/c.pem --tlskey /tmp/k.pem --user test:secret
  build/bin/mailspec run --smtp smtp://127.0.0.1:2525 --user test:secret \
      --known-failing targets/aiosmtpd.known-failing scenarios/smtp
"""
import argparse
import asyncio
import ssl

from aiosmtpd.handlers import Sink
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--listen", default="127.0.0.1:2525", help="HOST:PORT (loopback)")
    ap.add_argument("--tlscert", required=True)
    ap.add_argument("--tlskey", required=True)
    ap.add_argument("--user", action="append", default=[], help="NAME:PASS (repeatable)")
    args = ap.parse_args()

    host, _, port = args.listen.rpartition(":")
    users = {}
    for u in args.user:
        name, _, pw = u.partition(":")
        users[name.encode()] = pw.encode()

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.tlscert, args.tlskey)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and users.get(auth_data.login) == auth_data.password)
        # handled=False: let aiosmtpd send its own 535 on failure (with the
        # default handled=True it would send no reply at all).
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handler = Sink()
    factory = lambda: SMTP(handler, loop=loop, tls_context=ctx,
                           require_starttls=False, enable_SMTPUTF8=True,
                           authenticator=authenticator)
    server = loop.run_until_complete(loop.create_server(factory, host=host, port=int(port)))
    print("listening on", ", ".join(str(s.getsockname()) for s in server.sockets), flush=True)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        loop.run_until_complete(server.wait_closed())


if __name__ == "__main__":
    main()
