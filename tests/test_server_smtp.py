"""mailspec-server: the SMTP and submission sessions, end to end.

Interoperability with Python's smtplib and curl, then the RFC replies
for each command family, the ESMTP extensions, and the limits. Hostile
inputs live in test_server_hostile.py, durability in
test_server_store.py. Loopback only; every loop is bounded.
"""

import base64
import shutil
import smtplib
import ssl
import subprocess

import pytest

from server_fixtures import (DOMAIN, USERS, RawSMTP, enhanced, mail_server,  # noqa: F401
                             received_field, server_factory, strip_received)

ALICE = f"alice@{DOMAIN}"
BOB = f"bob@{DOMAIN}"


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def b64(text):
    return base64.b64encode(text.encode()).decode()


# ---------------------------------------------------------------- smtplib

def test_smtplib_plain_delivery(mail_server):
    body = b"Subject: hello\r\n\r\n.leading dot\r\n..two dots\r\nlast line\r\n"
    with smtplib.SMTP(*mail_server.addr(), timeout=10) as s:
        code, _ = s.ehlo("client.example")
        assert code == 250
        assert s.has_extn("pipelining") and s.has_extn("8bitmime")
        assert s.has_extn("starttls") and not s.has_extn("auth")
        refused = s.sendmail("sender@remote.example", [ALICE, BOB], body)
        assert refused == {}
    for user in ("alice", "bob"):
        msgs = mail_server.messages(user)
        assert len(msgs) == 1
        uid, data = msgs[0]
        assert uid == 1
        assert strip_received(data) == body       # byte-exact, dot-unstuffed
        trace = received_field(data)
        assert b"by example.test (mailspec-server) with ESMTP id" in trace
        assert b" for <" not in trace            # two recipients: no "for"


def test_smtplib_starttls_and_auth(mail_server):
    with smtplib.SMTP(*mail_server.addr(), timeout=10) as s:
        s.ehlo()
        with pytest.raises(smtplib.SMTPNotSupportedError):
            s.login("alice", "secret")          # AUTH is not offered before TLS
        s.starttls(context=tls_context())
        s.ehlo()
        assert not s.has_extn("starttls")
        assert "PLAIN" in s.esmtp_features["auth"]
        s.user, s.password = "alice", "secret"
        code, text = s.auth("PLAIN", s.auth_plain)
        assert code == 235 and text.startswith(b"2.7.0")
        s.sendmail(ALICE, [BOB], b"Subject: tls\r\n\r\nvia TLS\r\n")
    data = mail_server.messages("bob")[0][1]
    assert b"with ESMTPSA id" in received_field(data)
    assert b"for <bob@example.test>" in received_field(data)


def test_smtplib_auth_login_after_starttls_on_submission(mail_server):
    with smtplib.SMTP(*mail_server.addr("submission"), timeout=10) as s:
        s.starttls(context=tls_context())
        s.ehlo()
        s.user, s.password = "carol", USERS["carol"]
        code, _ = s.auth("LOGIN", s.auth_login)
        assert code == 235
        s.sendmail("carol@example.test", [ALICE], b"Subject: sub\r\n\r\nx\r\n")
    assert len(mail_server.messages("alice")) == 1


def test_auth_refused_before_tls(mail_server):
    with mail_server.client() as c:
        c.greet()
        code, lines = c.cmd("AUTH PLAIN " + b64("\0alice\0secret"))
        assert code == 504 and enhanced(lines[0]) == "5.5.4", lines
        assert "Encryption required" in lines[0]
        code, lines = c.cmd("AUTH LOGIN")
        assert code == 504


def test_plaintext_auth_allowed_by_flag(server_factory):
    srv = server_factory(allow_plaintext_auth=True)
    with smtplib.SMTP(*srv.addr(), timeout=10) as s:
        s.ehlo()
        assert "LOGIN" in s.esmtp_features["auth"]
        s.user, s.password = "bob", "hunter2"
        assert s.auth("LOGIN", s.auth_login)[0] == 235
        s.sendmail(BOB, [ALICE], b"Subject: a\r\n\r\nb\r\n")
    assert b"with ESMTPA id" in received_field(srv.messages("alice")[0][1])
    with smtplib.SMTP(*srv.addr(), timeout=10) as s:
        s.ehlo()
        with pytest.raises(smtplib.SMTPAuthenticationError) as e:
            s.login("alice", "wrong")
        assert e.value.smtp_code == 535 and e.value.smtp_error.startswith(b"5.7.8")


def test_auth_exchange_rules(server_factory):
    srv = server_factory(allow_plaintext_auth=True)
    with srv.client() as c:
        c.greet()
        assert c.cmd("AUTH PLAIN") == (334, [""])
        code, lines = c.cmd("*")
        assert code == 501, lines                       # RFC 4954 §4 cancel
        assert c.cmd("AUTH LOGIN") == (334, ["VXNlcm5hbWU6"])
        assert c.cmd(b64("alice")) == (334, ["UGFzc3dvcmQ6"])
        code, lines = c.cmd("not base64!")
        assert code == 501 and enhanced(lines[0]) == "5.5.2"
        code, lines = c.cmd("AUTH CRAM-MD5")
        assert code == 504 and enhanced(lines[0]) == "5.5.4"
        code, lines = c.cmd("AUTH PLAIN " + b64("alice\0bob\0hunter2"))
        assert code == 535                                # no proxy authzid
        code, lines = c.cmd("AUTH PLAIN " + b64("\0alice\0secret"))
        assert code == 235 and enhanced(lines[0]) == "2.7.0"
        code, lines = c.cmd("AUTH PLAIN " + b64("\0alice\0secret"))
        assert code == 503                                # second AUTH
    with srv.client() as c:
        c.greet()
        assert c.cmd("MAIL FROM:<a@b.example>")[0] == 250
        assert c.cmd("AUTH PLAIN " + b64("\0alice\0secret"))[0] == 503
    with srv.client() as c:
        c.greet()
        assert c.cmd("AUTH PLAIN")[0] == 334
        code, lines = c.cmd("A" * 13000)
        assert code == 500 and enhanced(lines[0]) == "5.5.6"
        assert c.cmd("NOOP")[0] == 250


def test_submission_requires_auth(mail_server):
    with mail_server.client("submission") as c:
        c.greet()
        code, lines = c.cmd(f"MAIL FROM:<{ALICE}>")
        assert code == 530 and enhanced(lines[0]) == "5.7.0"
        c.starttls()
        c.cmd("EHLO client.example")
        assert c.cmd("AUTH PLAIN " + b64("\0alice\0secret"))[0] == 235
        assert c.cmd(f"MAIL FROM:<{ALICE}>")[0] == 250
        code, lines = c.cmd("RCPT TO:<someone@elsewhere.example>")
        assert code == 550 and enhanced(lines[0]) == "5.7.1"   # never a relay


# ---------------------------------------------------------------- curl

@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
@pytest.mark.parametrize("tls", [False, True])
def test_curl_upload(mail_server, tmp_path, tls):
    msg = tmp_path / "msg.eml"
    body = b"From: x@y.example\r\nSubject: curl\r\n\r\nsent by curl\r\n"
    msg.write_bytes(body)
    host, port = mail_server.addr()
    argv = ["curl", "-sS", "--max-time", "20", "--url", f"smtp://{host}:{port}",
            "--mail-from", "x@y.example", "--mail-rcpt", ALICE,
            "--upload-file", str(msg)]
    if tls:
        argv += ["--ssl-reqd", "-k"]
    r = subprocess.run(argv, capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    data = mail_server.messages("alice")[0][1]
    assert strip_received(data) == body
    assert (b"with ESMTPS id" in data) == tls


# ---------------------------------------------------------------- commands

def test_greeting_and_ehlo_keywords(mail_server):
    with mail_server.client() as c:
        lines = c.greet()
        assert c.greeting[1][0].startswith("example.test ")
        keywords = {ln.split(" ")[0] for ln in lines[1:]}
        assert {"PIPELINING", "SIZE", "8BITMIME", "ENHANCEDSTATUSCODES",
                "STARTTLS", "SMTPUTF8", "CHUNKING", "BINARYMIME"} <= keywords
        assert "AUTH" not in keywords
        assert "SIZE 10485760" in lines


def test_helo_and_simple_commands(mail_server):
    with mail_server.client() as c:
        c.reply()
        code, lines = c.cmd("HELO client.example")
        assert code == 250 and enhanced(lines[0]) is None      # RFC 2034 §3
        assert c.cmd("NOOP") == (250, ["2.0.0 Ok"])
        assert c.cmd("NOOP anything at all")[0] == 250
        assert c.cmd("RSET")[0] == 250
        code, lines = c.cmd(f"VRFY {ALICE}")
        assert code == 252 and enhanced(lines[0]) == "2.5.0"
        code, lines = c.cmd("EXPN staff")
        assert code == 502 and enhanced(lines[0]) == "5.5.1"
        code, lines = c.cmd("HELP")
        assert code == 214 and enhanced(lines[0]) == "2.0.0"
        code, lines = c.cmd("MAIL FROM:<a@b.example> SIZE=10")
        assert code == 555                          # parameters need EHLO
        code, lines = c.cmd("QUIT")
        assert code == 221 and enhanced(lines[0]) == "2.0.0"
        assert c.expect_closed()


def test_sequence_and_syntax_errors(mail_server):
    with mail_server.client() as c:
        c.reply()
        for line, code, ecode in [
            (f"MAIL FROM:<{ALICE}>", 503, "5.5.1"),        # before EHLO
            ("STARTTLS", 503, "5.5.1"),
            ("FOO bar", 500, "5.5.1"),
        ]:
            got, lines = c.cmd(line)
            assert (got, enhanced(lines[0])) == (code, ecode), (line, lines)
        c.cmd("EHLO client.example")
        for line, code, ecode in [
            (f"RCPT TO:<{ALICE}>", 503, "5.5.1"),
            ("DATA", 503, "5.5.1"),
            ("BDAT 0 LAST", 503, "5.5.1"),
            ("MAIL FROM:alice", 501, "5.1.7"),
            ("MAIL TO:<a@b.example>", 501, "5.5.4"),
            ("EHLO", 501, "5.5.4"),
            ("DATA now", 501, "5.5.4"),
            ("MAIL FROM:<a@b.example> RET=HDRS", 555, "5.5.4"),
            ("MAIL FROM:<a@b.example> BODY=9BIT", 501, "5.5.4"),
            ("MAIL FROM:<a@b.example> SIZE=abc", 501, "5.5.4"),
            ("MAIL FROM:<a@b.example>", 250, "2.1.0"),
            ("MAIL FROM:<a@b.example>", 503, "5.5.1"),     # nested
            ("DATA", 554, "5.5.1"),                        # no valid recipients
            (f"RCPT TO:<{ALICE}> NOTIFY=NEVER", 555, "5.5.4"),
            ("RCPT TO:<>", 501, "5.1.3"),
            (f"RCPT TO:<ALICE@{DOMAIN}>", 550, "5.1.1"),   # local parts are exact
            ("RCPT TO:<nobody@EXAMPLE.TEST>", 550, "5.1.1"),
            ("RCPT TO:<x@relay.example>", 550, "5.7.1"),
            ("RCPT TO:<bob@[127.0.0.1]>", 550, "5.7.1"),
            ("RCPT TO:<alice@EXAMPLE.test>", 250, "2.1.5"),  # domains are not
            ("RCPT TO:<Postmaster>", 250, "2.1.5"),          # RFC 5321 §4.5.1
            ("RCPT TO:<postmaster@example.test>", 250, "2.1.5"),
            ("RSET", 250, "2.0.0"),
            (f"RCPT TO:<{ALICE}>", 503, "5.5.1"),          # RSET ended it
        ]:
            got, lines = c.cmd(line)
            assert (got, enhanced(lines[0])) == (code, ecode), (line, lines)


def test_postmaster_goes_to_first_user(mail_server):
    with mail_server.client() as c:
        assert c.send_message("x@y.example", ["Postmaster"],
                              b"Subject: pm\r\n\r\nhi\r\n")[0] == 250
    assert len(mail_server.messages("alice")) == 1


def test_every_reply_has_an_enhanced_code(mail_server):
    with mail_server.client() as c:
        c.greet()
        for line in ["NOOP", "RSET", f"VRFY {ALICE}", "HELP", "XYZZY",
                     f"MAIL FROM:<{ALICE}>", f"RCPT TO:<{BOB}>",
                     "RCPT TO:<nobody@example.test>", "RSET", "QUIT"]:
            code, lines = c.cmd(line)
            for text in lines:
                ec = enhanced(text)
                assert ec and ec[0] == str(code)[0], (line, code, text)


def test_pipelining_replies_in_order(mail_server):
    with mail_server.client() as c:
        c.greet()
        batch = (f"MAIL FROM:<x@y.example>\r\nRCPT TO:<{ALICE}>\r\n"
                 f"RCPT TO:<nobody@{DOMAIN}>\r\nRCPT TO:<{BOB}>\r\nDATA\r\n")
        c.send(batch)
        codes = [c.reply()[0] for _ in range(5)]
        assert codes == [250, 250, 550, 250, 354]
        c.send("Subject: piped\r\n\r\nbody\r\n.\r\nRSET\r\nNOOP\r\nQUIT\r\n")
        assert [c.reply()[0] for _ in range(4)] == [250, 250, 250, 221]
    assert len(mail_server.messages("alice")) == 1
    assert len(mail_server.messages("bob")) == 1


def test_data_pipelined_with_its_body(mail_server):
    # DATA and the message in one write: the body is read as data, never
    # as commands, and what follows the end of data is a command again.
    with mail_server.client() as c:
        c.greet()
        c.send(f"MAIL FROM:<x@y.example>\r\nRCPT TO:<{ALICE}>\r\nDATA\r\n"
               "Subject: one write\r\n\r\nRSET\r\n.\r\nNOOP\r\n")
        assert [c.reply()[0] for _ in range(5)] == [250, 250, 354, 250, 250]
    assert strip_received(mail_server.messages("alice")[0][1]).endswith(b"RSET\r\n")


# ---------------------------------------------------------------- SIZE, 8BITMIME

def test_size_limits(server_factory):
    srv = server_factory(args=["--max-message-size", "1000"])
    with srv.client() as c:
        lines = c.greet()
        assert "SIZE 1000" in lines
        code, lines = c.cmd("MAIL FROM:<x@y.example> SIZE=1001")
        assert code == 552 and enhanced(lines[0]) == "5.3.4"
        assert c.cmd("MAIL FROM:<x@y.example> SIZE=1000")[0] == 250
        assert c.cmd(f"RCPT TO:<{ALICE}>")[0] == 250
        assert c.cmd("DATA")[0] == 354
        c.send(b"Subject: big\r\n\r\n" + b"x" * 500 + b"\r\n" + b"y" * 500 + b"\r\n.\r\n")
        code, lines = c.reply()
        assert code == 552 and enhanced(lines[0]) == "5.3.4"
        assert c.cmd("NOOP")[0] == 250
        body = b"Subject: fits\r\n\r\n" + b"z" * 900 + b"\r\n"
        code, _ = c.send_message("x@y.example", [ALICE], body, ehlo=False)
        assert code == 250
    msgs = srv.messages("alice")
    assert len(msgs) == 1 and strip_received(msgs[0][1]) == body


def test_8bit_data(mail_server):
    body = "Subject: caf\u00e9\r\n\r\nna\u00efve \u2603\r\n".encode()
    with mail_server.client() as c:
        c.greet()
        assert c.cmd("MAIL FROM:<x@y.example> BODY=8BITMIME")[0] == 250
        assert c.cmd(f"RCPT TO:<{ALICE}>")[0] == 250
        assert c.cmd("DATA")[0] == 354
        c.send(body + b".\r\n")
        assert c.reply()[0] == 250
        # without BODY=8BITMIME: accepted and kept bit for bit (see README)
        assert c.send_message("x@y.example", [ALICE], body, ehlo=False)[0] == 250
    assert [strip_received(d) for _, d in mail_server.messages("alice")] == [body, body]


def test_recipient_limit(mail_server):
    with mail_server.client() as c:
        c.greet()
        assert c.cmd("MAIL FROM:<x@y.example>")[0] == 250
        c.send("".join(f"RCPT TO:<{ALICE}>\r\n" for _ in range(101)))
        codes = [c.reply() for _ in range(101)]
        assert all(code == 250 for code, _ in codes[:100])
        assert codes[100][0] == 452 and enhanced(codes[100][1][0]) == "4.5.3"
        assert c.cmd("DATA")[0] == 354
        c.send("Subject: many\r\n\r\nx\r\n.\r\n")
        assert c.reply()[0] == 250
    assert len(mail_server.messages("alice")) == 1      # one copy per mailbox


def test_long_text_line_in_data(mail_server):
    # RFC 5321 §4.5.3.1.6: 1000 octets with CRLF, the transparency dot not
    # counted; DATA and BDAT alike.
    with mail_server.client() as c:
        c.greet()
        for body, code in [
            (b"Subject: l\r\n\r\n" + b"a" * 998 + b"\r\n", 250),
            (b"Subject: l\r\n\r\n." + b"a" * 997 + b"\r\n", 250),   # sent as 999
            (b"Subject: l\r\n\r\n" + b"a" * 1000 + b"\r\n", 550),
        ]:
            got, lines = c.send_message("x@y.example", [ALICE], body, ehlo=False)
            assert got == code, lines
        assert c.cmd("MAIL FROM:<x@y.example>")[0] == 250
        assert c.cmd(f"RCPT TO:<{ALICE}>")[0] == 250
        body = b"Subject: l\r\n\r\n" + b"b" * 999 + b"\r\n"
        c.send(f"BDAT {len(body)} LAST\r\n".encode() + body)
        code, lines = c.reply()
        assert code == 550 and enhanced(lines[0]) == "5.6.0"
    assert len(mail_server.messages("alice")) == 2


# ---------------------------------------------------------------- SMTPUTF8

def test_smtputf8(mail_server):
    with mail_server.client() as c:
        c.greet()
        code, lines = c.cmd("MAIL FROM:<j\u00f6rg@example.org>")
        assert code == 550 and enhanced(lines[0]) == "5.6.7"
        assert c.cmd("MAIL FROM:<x@example.org>")[0] == 250
        code, lines = c.cmd("RCPT TO:<\u00e5sa@example.test>")
        assert code == 553 and enhanced(lines[0]) == "5.6.7"
        c.cmd("RSET")
        assert c.cmd("MAIL FROM:<j\u00f6rg@example.org> SMTPUTF8")[0] == 250
        code, lines = c.cmd("RCPT TO:<\u00e5sa@example.test>")
        assert code == 550 and enhanced(lines[0]) == "5.1.1"    # valid, unknown
        assert c.cmd(f"RCPT TO:<{ALICE}>")[0] == 250
        assert c.cmd("DATA")[0] == 354
        c.send("Subject: \u00fc\r\n\r\nx\r\n.\r\n".encode())
        assert c.reply()[0] == 250
    assert b"with UTF8SMTP id" in mail_server.messages("alice")[0][1]


# ---------------------------------------------------------------- CHUNKING

def test_bdat_chunks(mail_server):
    part1 = b"Subject: chunked\r\n\r\nfirst "
    part2 = b"second\r\n.not stuffed\r\n"
    with mail_server.client() as c:
        c.greet()
        assert c.cmd("MAIL FROM:<x@y.example>")[0] == 250
        assert c.cmd(f"RCPT TO:<{ALICE}>")[0] == 250
        c.send(f"BDAT {len(part1)}\r\n".encode() + part1)
        code, lines = c.reply()
        assert code == 250 and enhanced(lines[0]) == "2.0.0"
        code, lines = c.cmd("DATA")
        assert code == 503                                    # RFC 3030 §2
        c.send(f"BDAT {len(part2)} LAST\r\n".encode() + part2)
        assert c.reply()[0] == 250
        # a chunk without a transaction is read and thrown away
        c.send(b"BDAT 12\r\nNOOP\r\nNOOP\r\n")
        assert c.reply()[0] == 503
        assert c.cmd("NOOP")[0] == 250
        assert c.cmd("BDAT 0 LAST")[0] == 503
    assert strip_received(mail_server.messages("alice")[0][1]) == part1 + part2


def test_bdat_binarymime_and_text_rules(mail_server):
    binary = b"Content-Type: application/octet-stream\r\n\r\n\x00\x01\nbare\rlf\r\n"
    with mail_server.client() as c:
        c.greet()
        assert c.cmd("MAIL FROM:<x@y.example> BODY=BINARYMIME")[0] == 250
        assert c.cmd(f"RCPT TO:<{ALICE}>")[0] == 250
        assert c.cmd("DATA")[0] == 503                 # BINARYMIME needs BDAT
        c.send(f"BDAT {len(binary)} LAST\r\n".encode() + binary)
        assert c.reply()[0] == 250
        # without BINARYMIME the text rules hold for BDAT too
        assert c.cmd("MAIL FROM:<x@y.example>")[0] == 250
        assert c.cmd(f"RCPT TO:<{ALICE}>")[0] == 250
        bad = b"Subject: x\r\n\r\nbare\nlf\r\n"
        c.send(f"BDAT {len(bad)} LAST\r\n".encode() + bad)
        code, lines = c.reply()
        assert code == 550 and enhanced(lines[0]) == "5.6.0"
    msgs = mail_server.messages("alice")
    assert len(msgs) == 1
    # Stored with the binary body as base64 (RFC 9051 §4.3, RFC 3516 §4.4):
    # a Content-Transfer-Encoding field added, the octets kept
    stored = strip_received(msgs[0][1])
    head, _, body = stored.partition(b"\r\n\r\n")
    assert head == (b"Content-Type: application/octet-stream\r\n"
                    b"Content-Transfer-Encoding: base64")
    assert b"\0" not in stored and base64.b64decode(body) == binary.partition(b"\r\n\r\n")[2]


def test_binary_parts_stored_as_base64(mail_server):
    """Only identity-encoded parts holding NUL change: their CTE field and
    body; text parts, the boundaries and the other header fields stay."""
    blob = bytes(range(256)) + b"\r\n-- b is not a boundary\r\n"
    msg = (b"Subject: bin\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/plain\r\n\r\nkeep me\r\n"
           b"--b\r\nContent-Type: application/octet-stream\r\n"
           b"Content-Transfer-Encoding: binary\r\nContent-ID: <x@y>\r\n\r\n"
           + blob + b"\r\n--b--\r\n")
    with mail_server.client() as c:
        c.greet()
        assert c.cmd("MAIL FROM:<x@y.example> BODY=BINARYMIME")[0] == 250
        assert c.cmd(f"RCPT TO:<{ALICE}>")[0] == 250
        c.send(f"BDAT {len(msg)} LAST\r\n".encode() + msg)
        assert c.reply()[0] == 250
    stored = strip_received(mail_server.messages("alice")[-1][1])
    assert b"\0" not in stored
    assert stored.startswith(msg[:msg.index(b"Content-Transfer-Encoding: binary")])
    rest = stored[len(msg[:msg.index(b"Content-Transfer-Encoding: binary")]):]
    assert rest.startswith(b"Content-Transfer-Encoding: base64\r\nContent-ID: <x@y>\r\n\r\n")
    b64, _, tail = rest.split(b"\r\n\r\n", 1)[1].partition(b"\r\n--b--")
    assert all(len(line) <= 76 for line in b64.split(b"\r\n"))
    assert base64.b64decode(b64) == blob
    assert tail == b"\r\n"


def test_bdat_over_size(server_factory):
    srv = server_factory(args=["--max-message-size", "100"])
    with srv.client() as c:
        c.greet()
        assert c.cmd("MAIL FROM:<x@y.example>")[0] == 250
        assert c.cmd(f"RCPT TO:<{ALICE}>")[0] == 250
        c.send(b"BDAT 150\r\n" + b"x" * 148 + b"\r\n")
        code, lines = c.reply()
        assert code == 552 and enhanced(lines[0]) == "5.3.4"
        c.send(b"BDAT 5 LAST\r\nabc\r\n")                 # already in the pipe
        assert c.reply()[0] == 503
        assert c.cmd("NOOP")[0] == 250
    assert srv.messages("alice") == []


# ---------------------------------------------------------------- STARTTLS

def test_starttls_resets_session(mail_server):
    with mail_server.client() as c:
        c.greet()
        c.starttls()
        code, lines = c.cmd(f"MAIL FROM:<{ALICE}>")
        assert code == 503                  # RFC 3207 §4.2: EHLO again
        lines = c.cmd("EHLO client.example")[1]
        assert "STARTTLS" not in lines
        code, lines = c.cmd("STARTTLS")
        assert code == 503
        assert c.send_message("x@y.example", [ALICE], b"Subject: t\r\n\r\nx\r\n",
                              ehlo=False)[0] == 250
    assert b"with ESMTPS id" in mail_server.messages("alice")[0][1]


def test_ipv6_listener(server_factory):
    import socket
    try:
        s = socket.socket(socket.AF_INET6)
        s.bind(("::1", 0))
        s.close()
    except OSError:
        pytest.skip("no IPv6 loopback")
    srv = server_factory(listeners={"smtp": "[::1]:0"})
    assert srv.endpoints["smtp"].startswith("[::1]:")
    with srv.client() as c:
        c.greet()
        assert c.send_message("x@y.example", [ALICE], b"S: 6\r\n\r\nx\r\n",
                              ehlo=False)[0] == 250
    assert b"[IPv6:::1]" in srv.messages("alice")[0][1]


def test_sigterm_with_sessions_in_every_state(server_factory):
    srv = server_factory(allow_plaintext_auth=True)
    idle = srv.client()
    idle.greet()
    in_data = srv.client()
    in_data.greet()
    assert in_data.cmd("MAIL FROM:<x@y.example>")[0] == 250
    assert in_data.cmd(f"RCPT TO:<{ALICE}>")[0] == 250
    assert in_data.cmd("DATA")[0] == 354
    in_data.send(b"Subject: never finished\r\n\r\nhalf")
    in_bdat = srv.client()
    in_bdat.greet()
    assert in_bdat.cmd("MAIL FROM:<x@y.example>")[0] == 250
    assert in_bdat.cmd(f"RCPT TO:<{ALICE}>")[0] == 250
    in_bdat.send(b"BDAT 100 LAST\r\nhalf")
    in_auth = srv.client()
    in_auth.greet()
    assert in_auth.cmd("AUTH LOGIN")[0] == 334
    in_tls = srv.client()
    in_tls.greet()
    assert in_tls.cmd("STARTTLS")[0] == 220          # no handshake follows
    import time
    time.sleep(0.2)
    assert srv.stop() == 0                            # and no sanitizer report
    for c in (idle, in_data, in_bdat, in_auth):
        code, lines = c.reply()
        assert code == 421 and enhanced(lines[0]) == "4.3.2", lines
        assert c.expect_closed()
        c.close()
    assert in_tls.expect_closed()
    in_tls.close()
    assert srv.messages("alice") == []
    assert srv.spool_files() == []


def test_usage_and_startup_errors(tmp_path):
    from server_fixtures import SERVER_BIN
    store = str(tmp_path / "store")
    for argv, rc, text in [
        ([], 2, "--store"),
        (["--smtp", "127.0.0.1:0"], 2, "--store"),
        (["--store", store], 2, "listener"),
        (["--store", store, "--smtp", "127.0.0.1:0", "--pop9", "x"], 2, "bad option"),
        (["--store", store, "--smtp", "127.0.0.1:0", "--smtp", "127.0.0.1:0"], 2, "twice"),
        (["--store", store, "--smtp", "127.0.0.1"], 1, "ADDR:PORT"),
        (["--store", store, "--smtp", "[::1:25"], 1, "ADDR:PORT"),
        (["--store", store, "--smtp", "127.0.0.1:0", "--idle-timeout", "0"], 2, "number"),
        (["--store", store, "--smtp", "127.0.0.1:0", "--users", "/nonexistent"], 1,
         "/nonexistent"),
        (["--store", store, "--smtp", "127.0.0.1:0", "--tls-cert", "/nonexistent"], 1,
         "--tls-key"),
    ]:
        r = subprocess.run([str(SERVER_BIN)] + argv, capture_output=True, timeout=20)
        assert r.returncode == rc, (argv, r.stderr)
        assert text.encode() in r.stderr, (argv, r.stderr)
        assert b"Sanitizer" not in r.stderr and b"runtime error" not in r.stderr
