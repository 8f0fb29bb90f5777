"""A scripted fake SMTP server for judging the engine (loopback only).

Each accepted connection runs a *script*: a list of actions, executed in
order on its own thread.

    ("send", b"220 hi\\r\\n")          send bytes
    ("read_line",)                     read one line from the client (recorded)
    ("expect", b"EHLO")                read one line; it must start with the
                                       prefix (case-insensitive), else the
                                       mismatch is recorded in server.errors
    ("sleep", 2.0)                     wait (interruptible; data the client sends
                                       meanwhile is buffered and recorded; ends
                                       early when the client closes)
    ("close",)                         close the connection
    ("starttls", certfile, keyfile)    TLS handshake, server side
    ("send_slow", b"...", 0.01)        send byte by byte with a delay
    ("flood", nbytes)                  send garbage until the client goes away
                                       or nbytes were sent
    ("serve_smtp",) / ("serve_smtp", {options})
                                       a tiny correct SMTP loop for the rest of
                                       the session (250 to anything, EHLO with
                                       keywords, 354 to DATA, 221+close to QUIT)

serve_smtp options: "ehlo": list of EHLO keywords (default ["8BITMIME",
"SIZE 1000000"]); "tls": (certfile, keyfile) to offer and do STARTTLS;
"inject": bytes sent right after "220 ready" in the same write (a STARTTLS
response injection), only on connections whose EHLO argument equals
"inject_ehlo" when that is given.

Everything is bounded: actions per script, commands per session, bytes per
line and per message, a deadline per connection, and stop() ends all threads.
"""

import random
import socket
import ssl
import threading
import time

MAX_LINE = 1 << 20          # bytes per line kept before giving up on it
MAX_COMMANDS = 2000         # commands per serve_smtp session
MAX_DATA = 32 << 20         # bytes of one DATA body
CONN_DEADLINE = 60.0        # seconds a connection may live
READ_TIMEOUT = 10.0         # seconds one read_line/expect waits

SMTP_GREETING = b"220 fake.example ESMTP ready\r\n"


def smtp_ok(**options):
    """The script of a correct server: greeting, then serve_smtp."""
    return [("send", SMTP_GREETING), ("serve_smtp", options)]


class _Closed(Exception):
    pass


class Connection:
    """What happened on one accepted connection."""

    def __init__(self, server, sock, index):
        self.server = server
        self.sock = sock
        self.index = index
        self.received = bytearray()   # every byte the client sent (plain + TLS)
        self.chunks = []              # the first 1000 recv() results, as read
        self.lines = []               # complete lines read by the script
        self.messages = []            # DATA bodies (still dot-stuffed, as sent)
        self.plaintext_after_starttls = b""
        self.tls = False
        self.closed_by_peer = False
        self.buf = bytearray()
        self.deadline = time.monotonic() + CONN_DEADLINE
        self.thread = None
        self.done = threading.Event()

    # -- low level -------------------------------------------------------
    def _stopping(self):
        return self.server.stop_event.is_set() or time.monotonic() > self.deadline

    def _fill(self, timeout):
        """Read what is available into buf; waits up to timeout seconds.
        Returns False on timeout, raises _Closed on EOF/error/stop."""
        end = time.monotonic() + timeout
        while True:
            if self._stopping():
                raise _Closed("stopping")
            left = end - time.monotonic()
            if left <= 0:
                return False
            try:
                self.sock.settimeout(min(left, 0.2))
                data = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLWantReadError):
                continue
            except (OSError, ssl.SSLError) as e:
                self.closed_by_peer = True
                raise _Closed(str(e))
            if not data:
                self.closed_by_peer = True
                raise _Closed("eof")
            self.received += data
            if len(self.chunks) < 1000:
                self.chunks.append(bytes(data))
            self.buf += data
            return True

    def read_line(self, timeout=READ_TIMEOUT):
        """One line including its terminator (LF), or None on timeout."""
        end = time.monotonic() + timeout
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line = bytes(self.buf[: i + 1])
                del self.buf[: i + 1]
                self.lines.append(line)
                return line
            if len(self.buf) > MAX_LINE:
                raise _Closed("line too long")
            if not self._fill(max(0.0, end - time.monotonic())):
                return None

    def send(self, data):
        try:
            self.sock.settimeout(5.0)
            self.sock.sendall(data)
        except (OSError, ssl.SSLError) as e:
            raise _Closed(str(e))

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass

    def error(self, msg):
        self.server.errors.append(f"conn {self.index}: {msg}")

    # -- actions ---------------------------------------------------------
    def run(self, script):
        try:
            for n, action in enumerate(script[:1000]):
                if self._stopping():
                    break
                kind = action[0]
                fn = getattr(self, "do_" + kind, None)
                if fn is None:
                    self.error(f"unknown action {kind!r}")
                    break
                if fn(*action[1:]) is False:
                    break
        except _Closed:
            pass
        except Exception as e:  # a bug in the fake server: make it visible
            self.error(f"exception: {e!r}")
        finally:
            self.close()
            self.done.set()

    def do_send(self, data):
        self.send(data)

    def do_read_line(self):
        line = self.read_line()
        if line is None:
            self.error("read_line: timeout")
            return False

    def do_expect(self, prefix):
        line = self.read_line()
        if line is None:
            self.error(f"expect {prefix!r}: timeout")
            return False
        if not line.upper().startswith(prefix.upper()):
            self.error(f"expect {prefix!r}: got {line!r}")

    def do_sleep(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self._fill(min(0.2, max(0.0, end - time.monotonic())))

    def do_close(self):
        self.close()
        return False

    def do_starttls(self, certfile, keyfile):
        if self.buf:
            # RFC 3207 §4.2: plaintext after STARTTLS must be discarded
            self.plaintext_after_starttls += bytes(self.buf)
            self.buf.clear()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(certfile, keyfile)
        try:
            self.sock.settimeout(5.0)
            self.sock = ctx.wrap_socket(self.sock, server_side=True)
        except (OSError, ssl.SSLError) as e:
            self.server.tls_failures.append(str(e))
            raise _Closed(f"handshake: {e}")
        self.tls = True

    def do_send_slow(self, data, delay):
        for i in range(len(data)):
            self.send(data[i : i + 1])
            if self.server.stop_event.wait(delay):
                raise _Closed("stopping")

    def do_flood(self, nbytes):
        rnd = random.Random(1234)
        chunk = bytes(rnd.getrandbits(8) for _ in range(65536))
        end = time.monotonic() + 20.0
        while nbytes > 0 and time.monotonic() < end and not self._stopping():
            n = min(len(chunk), nbytes)
            try:
                self.sock.settimeout(1.0)
                k = self.sock.send(chunk[:n])
            except socket.timeout:
                continue
            except (OSError, ssl.SSLError):
                return False
            nbytes -= k
            self.server.flooded += k

    def do_serve_smtp(self, options=None):
        opts = dict(options or {})
        ehlo = opts.get("ehlo", ["8BITMIME", "SIZE 1000000"])
        tls = opts.get("tls")
        inject = opts.get("inject")
        inject_ehlo = opts.get("inject_ehlo")
        ehlo_arg = b""
        for _ in range(MAX_COMMANDS):
            line = self.read_line()
            if line is None:
                return False
            cmd = line.rstrip(b"\r\n")
            verb = cmd.split(b" ", 1)[0].upper()
            if verb in (b"EHLO", b"HELO"):
                ehlo_arg = cmd[5:].strip()
                if verb == b"HELO":
                    self.send(b"250 fake.example\r\n")
                    continue
                kws = list(ehlo)
                if tls and not self.tls and "STARTTLS" not in kws:
                    kws.append("STARTTLS")
                if tls and self.tls:
                    kws = [k for k in kws if k.upper() != "STARTTLS"]
                out = [b"fake.example greets " + ehlo_arg] + [k.encode() for k in kws]
                reply = b"".join(
                    b"250" + (b" " if i == len(out) - 1 else b"-") + t + b"\r\n"
                    for i, t in enumerate(out)
                )
                self.send(reply)
            elif verb == b"QUIT":
                self.send(b"221 fake.example closing\r\n")
                self.close()
                return False
            elif verb == b"DATA":
                self.send(b"354 go ahead\r\n")
                body = bytearray()
                while True:
                    l = self.read_line()
                    if l is None:
                        return False
                    if l == b".\r\n":
                        break
                    body += l
                    if len(body) > MAX_DATA:
                        self.send(b"552 too much\r\n")
                        return False
                self.messages.append(bytes(body))
                self.send(b"250 queued\r\n")
            elif verb == b"STARTTLS":
                if not tls or self.tls:
                    self.send(b"454 TLS not available\r\n")
                    continue
                reply = b"220 ready\r\n"
                if inject is not None and (inject_ehlo is None or ehlo_arg == inject_ehlo):
                    reply += inject
                self.send(reply)
                self.do_starttls(*tls)
                ehlo_arg = b""
            else:
                self.send(b"250 ok\r\n")
        return False


class FakeServer:
    """Listens on 127.0.0.1:<ephemeral>. `script` runs on every connection;
    with `scripts`, connection i runs scripts[i] and later ones `script`."""

    def __init__(self, script=None, scripts=None):
        self.script = script if script is not None else smtp_ok()
        self.scripts = list(scripts or [])
        self.stop_event = threading.Event()
        self.connections = []
        self.errors = []
        self.tls_failures = []
        self.flooded = 0
        self._lock = threading.Lock()
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(64)
        self.lsock.settimeout(0.1)
        self.port = self.lsock.getsockname()[1]
        self.url = f"smtp://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept_loop, name="fake-accept", daemon=True)
        self._thread.start()

    def _accept_loop(self):
        while not self.stop_event.is_set():
            try:
                sock, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            with self._lock:
                if len(self.connections) >= 500:
                    sock.close()
                    continue
                i = len(self.connections)
                script = self.scripts[i] if i < len(self.scripts) else self.script
                conn = Connection(self, sock, i)
                self.connections.append(conn)
            conn.thread = threading.Thread(
                target=conn.run, args=(script,), name=f"fake-conn-{i}", daemon=True
            )
            conn.thread.start()

    # -- what was seen ---------------------------------------------------
    def received(self):
        """All bytes from all connections, joined."""
        with self._lock:
            return b"".join(bytes(c.received) for c in self.connections)

    def all_lines(self):
        with self._lock:
            return [l for c in self.connections for l in c.lines]

    def stop(self):
        self.stop_event.set()
        try:
            self.lsock.close()
        except OSError:
            pass
        self._thread.join(5)
        with self._lock:
            conns = list(self.connections)
        for c in conns:
            c.close()
        for c in conns:
            if c.thread is not None:
                c.thread.join(5)
        alive = [c.index for c in conns if c.thread is not None and c.thread.is_alive()]
        if self._thread.is_alive():
            alive.append("accept")
        return alive

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
