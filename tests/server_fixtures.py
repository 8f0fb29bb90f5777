"""Fixtures and helpers for the reference server's end-to-end tests.

Start mailspec-server on ephemeral loopback ports with a temporary store,
talk to it with raw line clients (RawSMTP, RawPOP3, RawIMAP), read its store directly
(the on-disk format is in reference_server/README.md), and stop it with
SIGTERM at the end of each test: the exit status must be 0 and its
stderr free of AddressSanitizer/LeakSanitizer/UBSan reports (make test
runs these against the ASan+UBSan build via MAILSPEC_BUILD).

Test files import what they use explicitly:
    from server_fixtures import server_factory, mail_server, RawSMTP, ...
Standard library only; every wait is bounded.
"""

import json
import os
import re
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("MAILSPEC_BUILD") or "build")
if not BUILD.is_absolute():
    BUILD = ROOT / BUILD
SERVER_BIN = BUILD / "bin" / "mailspec-server"

DOMAIN = "example.test"
USERS = {"alice": "secret", "bob": "hunter2", "carol": "pa:ss word"}

SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "LeakSanitizer",
    "SUMMARY: UndefinedBehaviorSanitizer",
    "runtime error:",
)


def sanitizer_report(text):
    """The first sanitizer marker found in text, or None."""
    for m in SANITIZER_MARKERS:
        if m in text:
            return m
    return None


class MailServer:
    """One mailspec-server process and its store."""

    def __init__(self, workdir, *, users=None, domains=(DOMAIN,), store=None,
                 allow_plaintext_auth=False, listeners=None,
                 args=()):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.users = dict(USERS if users is None else users)
        self.domains = tuple(domains)
        self.store = Path(store) if store else self.workdir / "store"
        self.allow_plaintext_auth = allow_plaintext_auth
        self.listeners = dict(listeners or {"smtp": "127.0.0.1:0",
                                             "submission": "127.0.0.1:0"})
        self.args = list(args)
        self.proc = None
        self.endpoints = {}
        self.stderr_path = None
        self.runs = 0

    # ---- process control ----
    def argv(self):
        users_file = self.workdir / "users.txt"
        users_file.write_text("# test users\n" + "".join(
            f"{n}:{p}\n" for n, p in self.users.items()))
        ready = self.workdir / f"ready-{self.runs}.json"
        argv = [str(SERVER_BIN), "--store", str(self.store),
                "--users", str(users_file), "--ready-file", str(ready)]
        for name, addr in self.listeners.items():
            argv += [f"--{name}", addr]
        for d in self.domains:
            argv += ["--domain", d]
        if self.allow_plaintext_auth:
            argv.append("--allow-plaintext-auth")
        return argv + self.args, ready

    def start(self, timeout=20.0):
        if not SERVER_BIN.exists():
            pytest.fail(f"{SERVER_BIN} not built (make {SERVER_BIN.relative_to(ROOT)})")
        argv, ready = self.argv()
        self.runs += 1
        self.stderr_path = self.workdir / f"server-{self.runs}.err"
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        with open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=err,
                                         env=env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready.exists():
                self.endpoints = json.loads(ready.read_text())
                return self
            if self.proc.poll() is not None:
                pytest.fail(f"mailspec-server exited {self.proc.returncode}:\n"
                            f"{self.stderr()}", pytrace=False)
            time.sleep(0.02)
        self.kill()
        pytest.fail("mailspec-server did not write its ready file", pytrace=False)

    def stderr(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except (OSError, AttributeError):
            return ""

    def stop(self, timeout=20.0):
        """SIGTERM; returns the exit status; fails on a sanitizer report."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
            pytest.fail(f"mailspec-server ignored SIGTERM:\n{self.stderr()}",
                        pytrace=False)
        marker = sanitizer_report(self.stderr())
        if marker:
            pytest.fail(f"sanitizer report ({marker}) from mailspec-server:\n"
                        f"{self.stderr()[-8000:]}", pytrace=False)
        return rc

    def kill(self):
        """SIGKILL (a crash): nothing gets a chance to finish."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def addr(self, name="smtp"):
        text = self.endpoints[name]
        host, port = text.rsplit(":", 1)
        return host.strip("[]"), int(port)

    def client(self, name="smtp", **kw):
        return RawSMTP(self.addr(name), **kw)

    # ---- the store, read directly (format: reference_server/README.md) ----
    def mailbox_dir(self, user, mailbox="INBOX"):
        return self.store / user / mailbox

    def messages(self, user, mailbox="INBOX"):
        """[(uid, bytes)] sorted by UID."""
        d = self.mailbox_dir(user, mailbox) / "msg"
        if not d.is_dir():
            return []
        out = [(int(p.name), p.read_bytes()) for p in d.iterdir() if p.name.isdigit()]
        return sorted(out)

    def state(self, user, mailbox="INBOX"):
        """{'uidvalidity': int, 'uidnext': int}"""
        text = (self.mailbox_dir(user, mailbox) / "state").read_text()
        lines = text.splitlines()
        assert lines[0] == "mailspec-mailbox 1", text
        return {k: int(v) for k, v in (ln.split(" ", 1) for ln in lines[1:] if ln)}

    def spool_files(self):
        d = self.store / ".tmp"
        return sorted(p.name for p in d.iterdir()) if d.is_dir() else []


def strip_received(data):
    """The message without the Received: field the server put first."""
    assert data.startswith(b"Received: "), data[:80]
    i = data.index(b"\r\n") + 2
    while data[i:i + 1] in (b" ", b"\t"):
        i = data.index(b"\r\n", i) + 2
    return data[i:]


def received_field(data):
    return data[:len(data) - len(strip_received(data))]


class _RawClient:
    """Socket plumbing shared by the raw protocol clients: line reading
    over a buffer, sending, closing, waiting for the server to close."""
    # what counts as "the server closed" in expect_closed()
    _closed_errors = (ConnectionResetError, BrokenPipeError, ssl.SSLError)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("server closed the connection")
        self.buf += chunk

    def raw_line(self):
        """One line without CRLF, bytes."""
        while b"\r\n" not in self.buf:
            self._fill()
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln

    def line(self):
        return self.raw_line().decode("utf-8", "replace")

    def expect_closed(self, timeout=10.0):
        """True when the server closes the connection within timeout."""
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except self._closed_errors:
            return True
        except socket.timeout:
            return False


class RawSMTP(_RawClient):
    """A line client that shows exactly what the server sends."""
    _closed_errors = (ConnectionResetError, BrokenPipeError)

    def __init__(self, addr, timeout=10.0, source=None, tls_wrap=False):
        self.addr = addr
        family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect(addr)
        self.buf = b""
        self.greeting = None

    def reply(self):
        """(code, [text lines]) of one possibly multi-line reply."""
        lines = []
        while True:
            ln = self.line()
            assert re.match(r"^\d{3}[ -]", ln) or re.match(r"^\d{3}$", ln), ln
            lines.append(ln[4:])
            if len(ln) == 3 or ln[3] == " ":
                return int(ln[:3]), lines

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def greet(self, ehlo="client.example"):
        self.greeting = self.reply()
        assert self.greeting[0] == 220, self.greeting
        code, lines = self.cmd(f"EHLO {ehlo}")
        assert code == 250, lines
        return lines

    def starttls(self):
        code, lines = self.cmd("STARTTLS")
        assert code == 220, lines
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        assert self.buf == b"", self.buf
        self.sock = ctx.wrap_socket(self.sock)


    def send_message(self, sender, rcpts, body, ehlo=True):
        """A whole transaction; returns the final reply."""
        if ehlo:
            self.greet()
        assert self.cmd(f"MAIL FROM:<{sender}>")[0] == 250
        for r in rcpts:
            code, lines = self.cmd(f"RCPT TO:<{r}>")
            assert code == 250, (r, code, lines)
        assert self.cmd("DATA")[0] == 354
        self.send(dot_stuff(body) + b".\r\n")
        return self.reply()


class RawPOP3(_RawClient):
    """A POP3 line client that shows exactly what the server sends
    (RFC 1939 §3): status lines, and dot-terminated bodies unstuffed."""

    def __init__(self, addr, timeout=10.0, implicit_tls=False):
        self.addr = addr
        self.sock = socket.create_connection(addr, timeout=timeout)
        if implicit_tls:
            self.sock = _client_tls().wrap_socket(self.sock)
        self.buf = b""

    def status(self):
        """One status line: (True for +OK / False for -ERR / "+" for a
        SASL continuation, the text after the status)."""
        ln = self.line()
        if ln == "+OK" or ln.startswith("+OK "):
            return True, ln[4:]
        if ln == "-ERR" or ln.startswith("-ERR "):
            return False, ln[5:]
        assert ln.startswith("+ "), ln
        return "+", ln[2:]

    def body(self):
        """The lines of a multi-line body up to ".", unstuffed (bytes)."""
        out = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise EOFError("server closed inside a body")
                self.buf += chunk
            ln, self.buf = self.buf.split(b"\r\n", 1)
            if ln == b".":
                return out
            out.append(ln[1:] if ln.startswith(b".") else ln)

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.status()

    def multi(self, line):
        """A command with a multi-line answer: (ok, text, lines or None)."""
        ok, text = self.cmd(line)
        return ok, text, self.body() if ok is True else None

    def stls(self):
        ok, text = self.cmd("STLS")
        assert ok is True, text
        assert self.buf == b"", self.buf      # nothing between +OK and TLS
        self.sock = _client_tls().wrap_socket(self.sock)

    def login(self, user, password):
        assert self.cmd(f"USER {user}")[0] is True
        ok, text = self.cmd(f"PASS {password}")
        assert ok is True, text
        return text


class RawIMAP(_RawClient):
    """An IMAP client that shows exactly what the server sends (RFC 9051
    §2.2): lines, with any literal ({n} at the end of a line) read and
    kept inside the line it belongs to."""

    def __init__(self, addr, timeout=10.0, implicit_tls=False):
        self.addr = addr
        self.sock = socket.create_connection(addr, timeout=timeout)
        if implicit_tls:
            self.sock = _client_tls().wrap_socket(self.sock)
        self.buf = b""
        self.ntag = 0

    def line(self):
        """One response: a line, literals included (str, "replace")."""
        out = b""
        while True:
            ln = self.raw_line()
            out += ln
            m = re.search(rb"\{(\d+)\}$", ln)
            if not m:
                return out.decode("utf-8", "replace")
            n = int(m.group(1))
            while len(self.buf) < n:
                self._fill()
            out += b"\r\n" + self.buf[:n]
            self.buf = self.buf[n:]

    def tag(self):
        self.ntag += 1
        return f"t{self.ntag}"

    def until_tagged(self, tag):
        """(status, text, [untagged and continuation lines]) up to tag's
        completion."""
        seen = []
        while True:
            ln = self.line()
            if ln.startswith(tag + " "):
                status, _, text = ln[len(tag) + 1:].partition(" ")
                return status, text, seen
            seen.append(ln)

    def cmd(self, text, tag=None):
        tag = tag or self.tag()
        self.send(f"{tag} {text}\r\n")
        return self.until_tagged(tag)

    def ok(self, text):
        status, rest, seen = self.cmd(text)
        assert status == "OK", (text, status, rest, seen)
        return seen

    def greet(self):
        ln = self.line()
        assert ln.startswith("* OK "), ln
        return ln

    def starttls(self):
        status, text, _ = self.cmd("STARTTLS")
        assert status == "OK", text
        assert self.buf == b"", self.buf      # nothing between OK and TLS
        self.sock = _client_tls().wrap_socket(self.sock)

    def login(self, user, password):
        def q(v):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        status, text, _ = self.cmd(f"LOGIN {q(user)} {q(password)}")
        assert status == "OK", text
        return text


def imap_served_quickly(server, name="imap"):
    """Another IMAP client gets a greeting and a CAPABILITY round trip
    promptly (the server is not blocked by a hostile client)."""
    start = time.monotonic()
    with RawIMAP(server.addr(name), timeout=5.0,
                 implicit_tls=(name == "imaps")) as c:
        c.greet()
        seen = c.ok("CAPABILITY")
        assert any(ln.startswith("* CAPABILITY ") and "IMAP4rev2" in ln
                   for ln in seen), seen
        c.ok("LOGOUT")
    return time.monotonic() - start


def _client_tls():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def pop3_served_quickly(server, name="pop3"):
    """Another POP3 client gets a greeting and a CAPA round trip promptly."""
    start = time.monotonic()
    with RawPOP3(server.addr(name), timeout=5.0) as c:
        assert c.status()[0] is True
        ok, _, caps = c.multi("CAPA")
        assert ok is True and caps
        assert c.cmd("QUIT")[0] is True
    return time.monotonic() - start


def dot_stuff(body):
    """RFC 5321 §4.5.2 transparency; body must end in CRLF."""
    assert body.endswith(b"\r\n")
    out = []
    for ln in body.split(b"\r\n")[:-1]:
        out.append(b"." + ln if ln.startswith(b".") else ln)
    return b"\r\n".join(out) + b"\r\n"


def enhanced(text):
    """The RFC 3463 status code at the start of a reply text, or None."""
    m = re.match(r"^([245]\.\d{1,3}\.\d{1,3}) ", text)
    return m.group(1) if m else None


def served_quickly(server, name="smtp"):
    """Another client gets a full NOOP round trip promptly (the server is
    not blocked by whatever a hostile client is doing)."""
    start = time.monotonic()
    with server.client(name, timeout=5.0) as c:
        c.greet()
        assert c.cmd("NOOP")[0] == 250
        assert c.cmd("QUIT")[0] == 221
    return time.monotonic() - start


@pytest.fixture
def server_factory(tmp_path):
    """make(**MailServer kwargs) -> a started MailServer; all are stopped
    (SIGTERM, exit 0, no sanitizer report) when the test ends."""
    made = []

    def make(start=True, **kw):
        name = kw.pop("name", f"srv{len(made)}")
        srv = MailServer(tmp_path / name, **kw)
        made.append(srv)
        return srv.start() if start else srv

    yield make
    failures = []
    for srv in made:
        rc = srv.stop()
        if rc not in (None, 0):
            failures.append(f"exit status {rc}:\n{srv.stderr()[-4000:]}")
    if failures:
        pytest.fail("mailspec-server did not stop cleanly: " + "\n".join(failures),
                    pytrace=False)


@pytest.fixture
def mail_server(server_factory):
    """A server with the default users, TLS from a fresh self-signed
    certificate, and plaintext AUTH refused."""
    return server_factory()
