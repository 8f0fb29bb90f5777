"""mailspec-server's POP3 side (RFC 1939, RFC 2449, RFC 2595, RFC 5034,
RFC 8314) against real clients (poplib, curl) and a raw line client.

Mail is delivered with smtplib to the server's own SMTP listener, then
read back by POP3; the store is read directly to check what UPDATE
removed. Hostile-input tests each end with a check that another client
is served promptly. Standard library only; every wait is bounded.

Deviation from RFC 1939 §3 (autologout timer of at least 10 minutes):
the idle timeout test sets --idle-timeout 1 to stay fast.
"""

import base64
import poplib
import shutil
import smtplib
import socket
import subprocess
import time

import pytest

from server_fixtures import (DOMAIN, RawPOP3, pop3_served_quickly,  # noqa: F401
                             server_factory, strip_received)

POP3_LISTENERS = {"smtp": "127.0.0.1:0", "pop3": "127.0.0.1:0",
                  "pop3s": "127.0.0.1:0"}


def tls_context():
    import ssl
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def b64(text):
    return base64.b64encode(text.encode()).decode()


def message(subject, body_lines=("hello",)):
    head = (f"From: <sender@elsewhere.example>\r\nTo: <alice@{DOMAIN}>\r\n"
            f"Subject: {subject}\r\nMessage-ID: <{subject}@elsewhere.example>\r\n"
            "Date: Thu, 01 Jan 2015 00:00:00 +0000\r\n\r\n")
    return (head + "".join(ln + "\r\n" for ln in body_lines)).encode()


def deliver(server, msg, rcpt="alice"):
    host, port = server.addr("smtp")
    with smtplib.SMTP(host, port, timeout=10) as s:
        s.sendmail("sender@elsewhere.example", [f"{rcpt}@{DOMAIN}"], msg)


def pop3(server, user="alice", password=None):
    """A poplib session after STLS and USER/PASS."""
    host, port = server.addr("pop3")
    c = poplib.POP3(host, port, timeout=10)
    c.stls(context=tls_context())
    c.user(user)
    c.pass_(password or server.users[user])
    return c


def raw(server, name="pop3", **kw):
    c = RawPOP3(server.addr(name), **kw)
    ok, _ = c.status()
    assert ok is True
    return c


def raw_login(server, user="alice"):
    c = raw(server)
    c.stls()
    c.login(user, server.users[user])
    return c


def retr_bytes(lines):
    return b"".join(ln + b"\r\n" for ln in lines)


@pytest.fixture
def pop_server(server_factory):
    return server_factory(listeners=POP3_LISTENERS)


# ---------------------------------------------------------------- poplib

def test_retr_is_byte_exact(pop_server):
    msg = message("exact", [".leading dot", "..", ".", "tab\there ", "", "end"])
    deliver(pop_server, msg)
    c = pop3(pop_server)
    count, size = c.stat()
    assert count == 1
    resp, lines, octets = c.retr(1)
    got = retr_bytes(lines)
    assert strip_received(got) == msg
    assert octets == len(got) == size
    assert got == pop_server.messages("alice")[0][1]
    assert c.quit().startswith(b"+OK")


def test_list_sizes_match_retr(pop_server):
    for i in range(3):
        deliver(pop_server, message(f"size{i}", [f"line {j}" for j in range(i * 7)]))
    c = pop3(pop_server)
    resp, listing, _ = c.list()
    sizes = dict(map(int, ln.split()) for ln in listing)
    assert sorted(sizes) == [1, 2, 3]
    count, total = c.stat()
    assert count == 3 and total == sum(sizes.values())
    for n, size in sizes.items():
        assert c.list(n) == f"+OK {n} {size}".encode()
        assert len(retr_bytes(c.retr(n)[1])) == size
    c.quit()


def test_dele_and_quit_removes(pop_server):
    deliver(pop_server, message("one"))
    deliver(pop_server, message("two"))
    c = pop3(pop_server)
    c.dele(1)
    with pytest.raises(poplib.error_proto, match="already deleted"):
        c.retr(1)
    with pytest.raises(poplib.error_proto, match="already deleted"):
        c.dele(1)
    assert c.stat()[0] == 1
    assert c.quit().startswith(b"+OK")
    left = pop_server.messages("alice")
    assert len(left) == 1 and b"Subject: two" in left[0][1]


def test_dele_then_dropped_connection_keeps(pop_server):
    deliver(pop_server, message("kept"))
    c = pop3(pop_server)
    c.dele(1)
    c.file.close()                      # no QUIT: no UPDATE state (§6)
    c.sock.close()
    deadline = time.monotonic() + 10
    while True:                         # the lock goes with the session
        try:
            c = pop3(pop_server)
            break
        except poplib.error_proto as e:
            assert b"IN-USE" in e.args[0] and time.monotonic() < deadline
            time.sleep(0.05)
    assert c.stat()[0] == 1
    assert b"Subject: kept" in retr_bytes(c.retr(1)[1])
    c.quit()
    assert len(pop_server.messages("alice")) == 1


def test_rset_unmarks(pop_server):
    deliver(pop_server, message("rset"))
    c = pop3(pop_server)
    before = c.stat()
    c.dele(1)
    assert c.stat() == (0, 0)
    c.rset()
    assert c.stat() == before
    c.quit()
    assert len(pop_server.messages("alice")) == 1


def test_top(pop_server):
    msg = message("top", ["body 1", ".body 2", "body 3"])
    deliver(pop_server, msg)
    c = pop3(pop_server)
    full = retr_bytes(c.retr(1)[1])
    head = full[:full.index(b"\r\n\r\n") + 4]
    assert retr_bytes(c.top(1, 0)[1]) == head
    assert retr_bytes(c.top(1, 2)[1]) == head + b"body 1\r\n.body 2\r\n"
    assert retr_bytes(c.top(1, 100)[1]) == full
    with pytest.raises(poplib.error_proto):
        c.top(2, 0)
    c.quit()


def test_uidl_stable_and_unique(pop_server):
    for i in range(3):
        deliver(pop_server, message(f"uid{i}"))
    c = pop3(pop_server)
    first = dict(ln.split() for ln in c.uidl()[1])
    assert len(set(first.values())) == 3
    for n, uid in first.items():
        assert 1 <= len(uid) <= 70 and all(0x21 <= b <= 0x7E for b in uid)
        assert c.uidl(int(n)) == b"+OK " + n + b" " + uid
    c.dele(1)
    c.quit()
    c = pop3(pop_server)
    second = dict(ln.split() for ln in c.uidl()[1])
    assert sorted(second.values()) == sorted([first[b"2"], first[b"3"]])
    c.quit()


def test_snapshot_taken_at_login(pop_server):
    deliver(pop_server, message("before"))
    c = pop3(pop_server)
    deliver(pop_server, message("during"))
    assert c.stat()[0] == 1             # RFC 1939 §4: numbered at login
    c.quit()
    c = pop3(pop_server)
    assert c.stat()[0] == 2
    c.quit()


def test_pop3s_implicit_tls(pop_server):
    deliver(pop_server, message("tls"))
    host, port = pop_server.addr("pop3s")
    c = poplib.POP3_SSL(host, port, context=tls_context(), timeout=10)
    caps = c.capa()
    assert "STLS" not in caps and "USER" in caps and caps["SASL"] == ["PLAIN", "LOGIN"]
    with pytest.raises(poplib.error_proto, match="TLS active"):
        c._shortcmd("STLS")
    c.user("alice")
    c.pass_("secret")
    assert c.stat()[0] == 1
    c.quit()


# ---------------------------------------------------------------- authentication

def test_capa_before_and_after_stls(pop_server):
    host, port = pop_server.addr("pop3")
    c = poplib.POP3(host, port, timeout=10)
    assert c.getwelcome().startswith(b"+OK ") and b"<" not in c.getwelcome()
    caps = c.capa()
    for tag in ("TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING",
                "STLS", "IMPLEMENTATION", "EXPIRE"):
        assert tag in caps, caps
    assert "USER" not in caps and "SASL" not in caps    # RFC 2595 §2.1
    c.stls(context=tls_context())
    caps = c.capa()
    assert "STLS" not in caps and "USER" in caps and "PLAIN" in caps["SASL"]
    c.user("alice")
    c.pass_("secret")
    caps = c.capa()                                     # TRANSACTION state
    assert "USER" in caps and "TOP" in caps and "STLS" not in caps
    c.quit()


def test_plaintext_login_refused_without_flag(pop_server):
    with raw(pop_server) as c:
        ok, text = c.cmd("USER alice")
        assert ok is False and text.startswith("[AUTH] ")
        ok, text = c.cmd("PASS secret")
        assert ok is False
        ok, text = c.cmd("AUTH PLAIN " + b64("\0alice\0secret"))
        assert ok is False and text.startswith("[AUTH] ")
        assert c.cmd("STAT")[0] is False
        assert c.cmd("QUIT")[0] is True


def test_plaintext_login_allowed_with_flag(server_factory):
    srv = server_factory(listeners=POP3_LISTENERS, allow_plaintext_auth=True)
    host, port = srv.addr("pop3")
    c = poplib.POP3(host, port, timeout=10)
    caps = c.capa()
    assert "USER" in caps and "SASL" in caps and "STLS" in caps
    c.user("carol")
    c.pass_("pa:ss word")                   # PASS takes the rest of the line
    assert c.stat() == (0, 0)
    c.quit()


def test_auth_plain(pop_server):
    deliver(pop_server, message("auth"))
    with raw(pop_server) as c:
        c.stls()
        assert c.cmd("AUTH PLAIN " + b64("\0alice\0secret"))[0] is True
        assert c.cmd("STAT") == (True, "1 " + str(len(pop_server.messages("alice")[0][1])))
        ok, text = c.cmd("AUTH PLAIN " + b64("\0alice\0secret"))
        assert ok is False                  # RFC 5034 §4: no second AUTH
        assert c.cmd("QUIT")[0] is True
    with raw(pop_server) as c:
        c.stls()
        assert c.cmd("AUTH PLAIN") == ("+", "")         # empty challenge
        assert c.cmd(b64("\0alice\0secret"))[0] is True
        assert c.cmd("QUIT")[0] is True


def test_auth_exchange_errors(pop_server):
    with raw(pop_server) as c:
        c.stls()
        assert c.cmd("AUTH PLAIN") == ("+", "")
        assert c.cmd("*")[0] is False                   # cancelled
        assert c.cmd("AUTH PLAIN")[0] == "+"
        assert c.cmd("!" + b64("\0alice\0secret"))[0] is False   # bad base64
        assert c.cmd("AUTH PLAIN =" + b64("\0alice\0secret"))[0] is False
        assert c.cmd("AUTH X-NONE")[0] is False
        ok, text = c.cmd("AUTH PLAIN " + b64("\0alice\0wrong"))
        assert ok is False and text.startswith("[AUTH] ")
        assert c.cmd("STAT")[0] is False
        assert c.cmd("AUTH PLAIN " + b64("\0alice\0secret"))[0] is True


def test_auth_login_mechanism(pop_server):
    with raw(pop_server) as c:
        c.stls()
        assert c.cmd("AUTH LOGIN")[0] == "+"
        assert c.cmd(b64("bob"))[0] == "+"
        assert c.cmd(b64("hunter2"))[0] is True
        assert c.cmd("QUIT")[0] is True


def test_user_pass_rules(pop_server):
    with raw(pop_server) as c:
        c.stls()
        assert c.cmd("PASS secret")[0] is False         # no USER yet
        assert c.cmd("USER alice")[0] is True
        assert c.cmd("CAPA")[0] is True
        c.body()
        assert c.cmd("PASS secret")[0] is False         # PASS must follow USER
        assert c.cmd("USER nobody")[0] is True          # unknown users look alike
        ok, text = c.cmd("PASS secret")
        assert ok is False and text.startswith("[AUTH] ")
        c.login("alice", "secret")
        assert c.cmd("USER alice")[0] is False          # TRANSACTION state
        assert c.cmd("STLS")[0] is False
        assert c.cmd("QUIT")[0] is True


def test_wrong_credentials_close_after_three(pop_server):
    with raw(pop_server) as c:
        c.stls()
        for i in range(3):
            assert c.cmd("USER alice")[0] is True
            ok, text = c.cmd(f"PASS wrong{i}")
            assert ok is False and text.startswith("[AUTH] ")
        assert c.expect_closed(5)
    assert pop3_served_quickly(pop_server) < 3


def test_second_session_gets_in_use(pop_server):
    first = raw_login(pop_server)
    with raw(pop_server) as second:
        second.stls()
        assert second.cmd("USER alice")[0] is True
        ok, text = second.cmd("PASS secret")
        assert ok is False and text.startswith("[IN-USE] ")
        assert second.cmd("STAT")[0] is False           # still AUTHORIZATION
        assert first.cmd("STAT")[0] is True
        assert first.cmd("QUIT")[0] is True             # releases the lock
        first.close()
        second.login("alice", "secret")
        assert second.cmd("QUIT")[0] is True
    with raw_login(pop_server, "bob") as other:         # other users unaffected
        assert other.cmd("QUIT")[0] is True


# ---------------------------------------------------------------- curl

@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
@pytest.mark.parametrize("scheme", ["pop3", "pop3s"])
def test_curl(pop_server, scheme):
    msg = message("curl", ["fetched by curl"])
    deliver(pop_server, msg)
    host, port = pop_server.addr(scheme)
    argv = ["curl", "-sS", "-k", "--max-time", "20", "-u", "alice:secret",
            f"{scheme}://{host}:{port}/1"]
    if scheme == "pop3":
        argv.insert(1, "--ssl-reqd")
    r = subprocess.run(argv, capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert strip_received(r.stdout) == msg
    r = subprocess.run(argv[:-1] + [f"{scheme}://{host}:{port}/"],
                       capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[0] == b"1"                  # the LIST output


# ---------------------------------------------------------------- protocol details

def test_state_and_syntax_errors(pop_server):
    with raw(pop_server) as c:
        for cmd in ("STAT", "LIST", "RETR 1", "DELE 1", "NOOP", "RSET", "UIDL",
                    "TOP 1 0", "APOP alice 0123456789abcdef0123456789abcdef",
                    "XYZW", ""):
            assert c.cmd(cmd)[0] is False, cmd
        c.stls()
        c.login("alice", "secret")
        for cmd in ("RETR", "LIST abc", "DELE one", "LIST 0", "RETR 1",
                    "TOP 1", "UIDL 1 2", "LIST 99999999999999999999999"):
            assert c.cmd(cmd)[0] is False, cmd
        assert c.cmd("noop")[0] is True                  # keywords ignore case
        assert c.cmd("QUIT")[0] is True
        assert c.expect_closed(5)


def test_pipelined_commands_answered_in_order(pop_server):
    deliver(pop_server, message("pipe", ["x"] * 3))
    with raw(pop_server) as c:
        c.stls()
        c.send("USER alice\r\nPASS secret\r\nSTAT\r\nLIST 0\r\nRETR 1\r\n"
               "LIST\r\nNOOP\r\nQUIT\r\n")
        assert c.status()[0] is True
        assert c.status()[0] is True
        assert c.status()[0] is True
        assert c.status()[0] is False
        assert c.status()[0] is True and c.body()[-1] == b"x"
        assert c.status()[0] is True and len(c.body()) == 1
        assert c.status() == (True, "")
        assert c.status()[0] is True
        assert c.expect_closed(5)


def test_large_message_streams(pop_server):
    line = b"0123456789" * 9 + b"\r\n"
    msg = message("large") + line * 40000 + b".starts with a dot\r\n"   # ~3.6 MB
    deliver(pop_server, msg)
    with raw_login(pop_server) as c:
        ok, text = c.cmd("RETR 1")
        assert ok is True
        time.sleep(0.5)                 # do not read: the server must not block
        assert pop3_served_quickly(pop_server) < 3
        got = retr_bytes(c.body())
        assert strip_received(got) == msg
        assert text == f"{len(got)} octets"
        assert c.cmd("NOOP")[0] is True


def test_idle_timeout_closes_without_update(server_factory):
    srv = server_factory(listeners=POP3_LISTENERS, args=["--idle-timeout", "1"])
    deliver(srv, message("idle"))
    with raw_login(srv) as c:
        assert c.cmd("DELE 1")[0] is True
        start = time.monotonic()
        assert c.expect_closed(10)
        assert time.monotonic() - start < 5
        assert c.buf == b""             # no response at autologout (§3)
    assert len(srv.messages("alice")) == 1


def test_too_many_bad_commands(server_factory):
    srv = server_factory(listeners=POP3_LISTENERS, args=["--max-errors", "3"])
    with raw(srv) as c:
        assert c.cmd("BOGUS")[0] is False
        assert c.cmd("BOGUS")[0] is False
        ok, text = c.cmd("BOGUS")
        assert ok is False and "closing" in text
        assert c.expect_closed(5)
    assert pop3_served_quickly(srv) < 3


def test_shutdown_keeps_marked_messages(server_factory):
    srv = server_factory(listeners=POP3_LISTENERS)
    deliver(srv, message("shutdown"))
    c = raw_login(srv)
    assert c.cmd("DELE 1")[0] is True
    assert srv.stop() == 0
    ok, text = c.status()
    assert ok is False and text.startswith("[SYS/TEMP] ")
    c.close()
    assert len(srv.messages("alice")) == 1


# ---------------------------------------------------------------- hostile input

def test_overlong_command_line(pop_server):
    with raw(pop_server) as c:
        ok, text = c.cmd("NOOP " + "x" * 300)
        assert ok is False and "too long" in text
        ok, text = c.cmd("USER " + "a" * 60)            # argument > 40 (§3)
        assert ok is False
        assert c.cmd("CAPA")[0] is True                 # resynchronised
        c.body()
    assert pop3_served_quickly(pop_server) < 3


def test_nul_and_bare_line_ends(pop_server):
    with raw(pop_server) as c:
        c.send(b"CA\x00PA\r\n")
        assert c.status()[0] is False
        c.send(b"CAPA\nCAPA\r\n")
        assert c.status()[0] is False
        c.send(b"QUIT\rQUIT\r\n")
        assert c.status()[0] is False
        assert c.cmd("CAPA")[0] is True                 # nothing else pending
        c.body()
        assert c.cmd("QUIT")[0] is True
    assert pop3_served_quickly(pop_server) < 3


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_ten_megabytes_without_a_line_end(pop_server):
    before = rss_kib(pop_server.pid)
    with raw(pop_server, timeout=30) as c:
        chunk = b"A" * 65536
        for _ in range(160):                            # 10 MiB
            c.send(chunk)
        ok, text = c.status()                           # sent once it is too long
        assert ok is False
        assert pop3_served_quickly(pop_server) < 3      # while the line is open
        c.send(b"\r\nCAPA\r\n")
        assert c.status()[0] is True                    # one error for the line
        c.body()
    grown = rss_kib(pop_server.pid) - before
    assert grown < 4096, f"RSS grew by {grown} KiB"


def test_stls_with_injected_command(server_factory):
    srv = server_factory(listeners=POP3_LISTENERS, allow_plaintext_auth=True)
    with raw(srv) as c:
        # the injected USER must be discarded, not run after the handshake
        c.send("STLS\r\nUSER alice\r\nCAPA\r\n")
        ok, _ = c.status()
        assert ok is True
        time.sleep(0.3)
        c.sock.setblocking(False)
        try:
            extra = c.sock.recv(4096)               # nothing more in plaintext
        except BlockingIOError:
            extra = b""
        c.sock.setblocking(True)
        c.sock.settimeout(10)
        assert extra == b"" and c.buf == b""
        c.sock = tls_context().wrap_socket(c.sock)
        ok, text = c.cmd("PASS secret")             # no USER is pending
        assert ok is False and "USER" in text
        c.login("alice", "secret")
        assert c.cmd("QUIT")[0] is True
    assert pop3_served_quickly(srv) < 3


def test_command_flood(pop_server):
    with raw(pop_server, timeout=30) as c:
        c.stls()
        c.login("alice", "secret")
        c.send("NOOP\r\n" * 50000)
        assert pop3_served_quickly(pop_server) < 3
        for _ in range(50000):
            assert c.status() == (True, "")
        assert c.cmd("QUIT")[0] is True


def test_client_that_does_not_read(pop_server):
    deliver(pop_server, message("unread", ["y" * 900] * 3000))     # ~2.7 MB
    s = socket.create_connection(pop_server.addr("pop3s"), timeout=10)
    s = tls_context().wrap_socket(s)
    s.sendall(b"USER alice\r\nPASS secret\r\n" + b"RETR 1\r\n" * 20)
    time.sleep(1)
    assert pop3_served_quickly(pop_server) < 3
    s.close()
    with raw_login(pop_server) as c:                    # the lock was released
        assert c.cmd("STAT")[0] is True
