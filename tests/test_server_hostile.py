"""mailspec-server against hostile clients.

Each test sends one kind of abuse, checks the RFC reply, and then checks
that another client is served promptly (the server is one thread: if it
blocked, that client would wait). Loopback only; every loop is bounded
in count and time.
"""

import os
import random
import socket
import ssl
import threading
import time

from server_fixtures import (DOMAIN, RawSMTP, enhanced, mail_server,  # noqa: F401
                             server_factory, served_quickly)

ALICE = f"alice@{DOMAIN}"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_overlong_command_line(mail_server):
    with mail_server.client() as c:
        c.greet()
        code, lines = c.cmd("NOOP " + "x" * 600)
        assert code == 500 and enhanced(lines[0]) == "5.5.2"
        code, lines = c.cmd("MAIL FROM:<" + "a" * 500 + "@example.org>")
        assert code == 500 and enhanced(lines[0]) == "5.5.2"
        assert c.cmd("NOOP")[0] == 250                 # resynchronised
        assert served_quickly(mail_server) < 3


def test_ten_megabytes_without_a_line_end(mail_server):
    before = rss_kib(mail_server.pid)
    with mail_server.client(timeout=30) as c:
        c.greet()
        chunk = b"A" * 65536
        deadline = time.monotonic() + 60
        for _ in range(160):                           # 10 MiB
            c.send(chunk)
            assert time.monotonic() < deadline
        code, lines = c.reply()                        # sent as soon as it is too long
        assert code == 500 and enhanced(lines[0]) == "5.5.2"
        assert served_quickly(mail_server) < 3         # while the line is still open
        c.send(b"\r\nNOOP\r\n")
        assert c.reply()[0] == 250                     # one error for the whole line
    grown = rss_kib(mail_server.pid) - before
    assert grown < 4096, f"RSS grew by {grown} KiB"


def test_nul_byte_in_command(mail_server):
    with mail_server.client() as c:
        c.greet()
        c.send(b"NO\x00OP\r\n")
        code, lines = c.reply()
        assert code == 500 and enhanced(lines[0]) == "5.5.2"
        c.send(b"MAIL FROM:<a\x00b@example.org>\r\n")
        assert c.reply()[0] == 500
        assert c.cmd("NOOP")[0] == 250
    assert served_quickly(mail_server) < 3


def test_bare_lf_and_cr_in_commands(mail_server):
    with mail_server.client() as c:
        c.greet()
        c.send(b"NOOP\nNOOP\r\n")
        code, lines = c.reply()
        assert code == 500 and enhanced(lines[0]) == "5.5.2"
        c.send(b"RSET\rNOOP\r\n")
        assert c.reply()[0] == 500
        assert c.cmd("NOOP")[0] == 250              # nothing else was pending
        assert c.cmd("QUIT")[0] == 221
    assert served_quickly(mail_server) < 3


def test_bare_lf_in_data_refuses_the_message(mail_server):
    with mail_server.client() as c:
        c.greet()
        code, lines = c.send_message("x@y.example", [ALICE],
                                     b"Subject: lf\r\n\r\nbare\nline\r\n", ehlo=False)
        assert code == 550 and enhanced(lines[0]) == "5.6.0"
        code, lines = c.send_message("x@y.example", [ALICE],
                                     b"Subject: cr\r\n\r\nbare\rline\r\n", ehlo=False)
        assert code == 550 and enhanced(lines[0]) == "5.6.0"
        assert c.cmd("NOOP")[0] == 250
    assert mail_server.messages("alice") == []
    assert served_quickly(mail_server) < 3


def test_smtp_smuggling_is_not_an_end_of_data(mail_server):
    # "<LF>.<LF>", "<LF>.<CR><LF>" and "<CR><LF>.<LF>" are not the end of
    # data (RFC 5321 §2.3.8, §4.1.1.4): the "smuggled" transaction after
    # them is message content, and the message holding them is refused.
    for fake_end in (b"\n.\n", b"\n.\r\n", b"\r\n.\n", b"\r.\r\n"):
        with mail_server.client() as c:
            c.greet()
            assert c.cmd("MAIL FROM:<x@y.example>")[0] == 250
            assert c.cmd(f"RCPT TO:<{ALICE}>")[0] == 250
            assert c.cmd("DATA")[0] == 354
            c.send(b"Subject: outer\r\n\r\nhello" + fake_end +
                   b"MAIL FROM:<admin@example.test>\r\nRCPT TO:<bob@example.test>\r\n"
                   b"DATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n")
            code, lines = c.reply()
            assert code == 550 and enhanced(lines[0]) == "5.6.0", (fake_end, lines)
            assert c.cmd("NOOP")[0] == 250           # no stray replies queued
    assert mail_server.messages("alice") == []
    assert mail_server.messages("bob") == []


def test_pipelined_flood_reader(mail_server):
    n = 20000
    with mail_server.client(timeout=30) as c:
        c.greet()
        got = []

        def reader():
            try:
                for _ in range(n):
                    got.append(c.reply()[0])
            except (OSError, EOFError, AssertionError):
                pass
        t = threading.Thread(target=reader)
        t.start()
        c.send(b"NOOP\r\n" * n)
        assert served_quickly(mail_server) < 5
        t.join(60)
        assert not t.is_alive()
        assert len(got) == n and set(got) == {250}


def test_pipelined_flood_that_never_reads(mail_server):
    before = rss_kib(mail_server.pid)
    c = RawSMTP(mail_server.addr(), timeout=2.0)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.send(b"EHLO flood\r\n")
    sent = 0
    deadline = time.monotonic() + 20
    try:
        while sent < 64 * 1024 * 1024 and time.monotonic() < deadline:
            c.sock.sendall(b"NOOP\r\n" * 10000)
            sent += 60000
    except (socket.timeout, BlockingIOError):
        pass                          # the server stopped reading: good
    except (ConnectionResetError, BrokenPipeError):
        pass                          # or it dropped us
    assert sent < 64 * 1024 * 1024, "server kept reading an unread flood"
    assert served_quickly(mail_server) < 5
    grown = rss_kib(mail_server.pid) - before
    assert grown < 8192, f"RSS grew by {grown} KiB"
    c.close()
    assert served_quickly(mail_server) < 5


def test_one_byte_at_a_time(mail_server):
    slow = mail_server.client()
    slow.reply()
    done = {}

    def trickle():
        for b in b"EHLO slow.example\r\nNOOP\r\n":
            slow.send(bytes([b]))
            time.sleep(0.05)
        done["ehlo"] = slow.reply()[0]
        done["noop"] = slow.reply()[0]
    t = threading.Thread(target=trickle)
    t.start()
    time.sleep(0.2)
    with mail_server.client() as c:             # served while the trickle goes on
        assert c.send_message("x@y.example", [ALICE], b"Subject: f\r\n\r\nx\r\n")[0] == 250
    assert t.is_alive()
    t.join(30)
    assert done == {"ehlo": 250, "noop": 250}
    slow.close()


def test_idle_timeout(server_factory):
    srv = server_factory(args=["--idle-timeout", "1"])
    with srv.client() as c:
        c.greet()
        start = time.monotonic()
        code, lines = c.reply()
        assert code == 421 and enhanced(lines[0]) == "4.4.2"
        assert "timeout" in lines[0]
        assert 0.8 < time.monotonic() - start < 5
        assert c.expect_closed()
    # a trickle that never completes a line does not keep a session alive
    with srv.client() as c:
        c.greet()
        start = time.monotonic()
        c.sock.settimeout(0.3)
        code = None
        while time.monotonic() - start < 6 and code is None:
            try:
                c.send(b"x")
                code = c.reply()[0]
            except socket.timeout:
                pass
            except (BrokenPipeError, ConnectionResetError):
                break
        assert code == 421


def test_dropped_in_the_middle_of_data(mail_server):
    for mode in ("DATA", "BDAT"):
        c = mail_server.client()
        c.greet()
        assert c.cmd("MAIL FROM:<x@y.example>")[0] == 250
        assert c.cmd(f"RCPT TO:<{ALICE}>")[0] == 250
        if mode == "DATA":
            assert c.cmd("DATA")[0] == 354
            c.send(b"Subject: half\r\n\r\nthe first half")
        else:
            c.send(b"BDAT 1000 LAST\r\nSubject: half\r\n\r\nthe first half")
        time.sleep(0.2)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.close()                                      # RST, mid-message
    deadline = time.monotonic() + 5
    while mail_server.spool_files() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert mail_server.spool_files() == []             # the spool was removed
    assert mail_server.messages("alice") == []         # nothing stored
    assert served_quickly(mail_server) < 3


def test_starttls_command_injection_is_discarded(mail_server):
    # CVE-2011-0411: commands sent with STARTTLS in one packet must not be
    # executed after the handshake (RFC 3207 §4.2).
    with mail_server.client() as c:
        c.greet()
        c.send(b"STARTTLS\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<alice@example.test>\r\n")
        code, lines = c.reply()
        assert code == 220
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        assert c.buf == b""
        c.sock = ctx.wrap_socket(c.sock)
        code, lines = c.cmd("EHLO client.example")
        assert code == 250 and lines[0].startswith("example.test"), lines
        code, lines = c.cmd("RCPT TO:<alice@example.test>")
        assert code == 503, lines                   # the injected MAIL never ran
        code, lines = c.cmd("DATA")
        assert code == 503
    assert served_quickly(mail_server) < 3


def test_garbage_instead_of_tls_handshake(mail_server):
    with mail_server.client() as c:
        c.greet()
        assert c.cmd("STARTTLS")[0] == 220
        c.send(b"this is not a TLS ClientHello\r\n" * 10)
        assert c.expect_closed(10)
    assert served_quickly(mail_server) < 3


def test_too_many_errors(server_factory):
    srv = server_factory(args=["--max-errors", "5"])
    with srv.client() as c:
        c.greet()
        c.send(b"BOGUS\r\n" * 8)
        codes = [c.reply() for _ in range(6)]
        assert [code for code, _ in codes] == [500] * 5 + [421]
        assert enhanced(codes[5][1][0]) == "4.7.0"
        assert c.expect_closed()
    assert served_quickly(srv) < 3


def test_connection_limits(server_factory):
    srv = server_factory(args=["--max-connections-per-ip", "2", "--max-connections", "3"])
    a, b = srv.client(), srv.client()
    a.greet()
    b.greet()
    with srv.client() as third:
        code, lines = third.reply()
        assert code == 421 and enhanced(lines[0]) == "4.7.0"
        assert third.expect_closed()
    with RawSMTP(srv.addr(), source="127.0.0.2") as other_ip:
        other_ip.greet()                                # a different client IP
        with RawSMTP(srv.addr(), source="127.0.0.3") as fourth:
            code, lines = fourth.reply()
            assert code == 421 and enhanced(lines[0]) == "4.3.2"
    a.close()
    b.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:                # slots come back
        with srv.client() as c:
            if c.reply()[0] == 220:
                break
        time.sleep(0.1)
    else:
        raise AssertionError("connection slots were not released")


def test_random_garbage(mail_server):
    rng = random.Random(5321)
    for _ in range(30):
        with mail_server.client(timeout=5) as c:
            c.reply()
            try:
                for _ in range(20):
                    c.send(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000))))
            except (BrokenPipeError, ConnectionResetError):
                pass
    assert served_quickly(mail_server) < 3


def test_many_idle_connections(server_factory):
    srv = server_factory(args=["--max-connections-per-ip", "500"])
    conns = []
    try:
        for _ in range(300):
            s = socket.create_connection(srv.addr(), timeout=5)
            conns.append(s)
        assert served_quickly(srv) < 5
    finally:
        for s in conns:
            s.close()
    assert os.path.exists(f"/proc/{srv.pid}")
