"""Debian's Postfix and Dovecot as throwaway mailspec targets, for pytest.

targets/postfix/start.sh WORKDIR starts Dovecot (POP3, IMAP, LMTP, SASL)
and Postfix (smtp, submission) on loopback high ports with a complete
configuration under WORKDIR, and writes WORKDIR/target.yaml (a mailspec
target profile) and WORKDIR/endpoints.json; targets/postfix/stop.sh WORKDIR
stops both. The session fixture `postfix_target` does this once per test
session and always stops them (finalizer), checking that no process of
theirs is left. Tests skip, with the reason, when not root or when the
Debian packages are missing (`make deps` installs them).

Test files import what they use explicitly:
    from target_fixtures import postfix_target, start_target, stop_target, ...
Standard library only; every wait is bounded.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ROOT / "targets"
SCRIPTS = {
    "postfix": (TARGETS / "postfix" / "start.sh", TARGETS / "postfix" / "stop.sh"),
    "dovecot": (TARGETS / "dovecot" / "start.sh", TARGETS / "dovecot" / "stop.sh"),
}
ROLES = {
    "postfix": ("smtp", "submission", "pop3", "pop3s", "imap", "imaps"),
    "dovecot": ("pop3", "pop3s", "imap", "imaps"),
}
# What each script needs, as Debian package -> files it installs.
PACKAGES = {
    "postfix": {
        "postfix": ["/usr/sbin/postfix", "/usr/lib/postfix/sbin/master",
                    "/usr/lib/postfix/sbin/smtpd", "/usr/lib/postfix/sbin/lmtp"],
    },
    "dovecot": {
        "dovecot-core": ["/usr/sbin/dovecot", "/usr/bin/doveconf"],
        "dovecot-imapd": ["/usr/lib/dovecot/imap"],
        "dovecot-pop3d": ["/usr/lib/dovecot/pop3"],
        "dovecot-lmtpd": ["/usr/lib/dovecot/lmtp"],
    },
}
PACKAGES["postfix"].update(PACKAGES["dovecot"])

DOMAIN = "mailspec.test"
# The work directory must be reachable by the unprivileged server users
# (postfix, dovecot, dovenull, vmail): pytest's own tmp_path is mode 0700.
TMP_BASE = os.environ.get("MAILSPEC_TARGET_TMPDIR", "/tmp")
START_TIMEOUT = 30   # a hard cap; the scripts wait at most ~10 s for ports
STOP_TIMEOUT = 30    # the stop scripts are bounded at ~12 s per server


def missing_packages(kind="postfix"):
    """Debian packages that kind's start script needs and that are missing."""
    return [pkg for pkg, files in PACKAGES[kind].items()
            if not all(os.path.exists(f) for f in files)]


def skip_unless_runnable(kind="postfix"):
    if os.geteuid() != 0:
        pytest.skip(f"{kind} target needs root (its master starts as root and drops privileges)")
    missing = missing_packages(kind)
    if missing:
        pytest.skip(f"{kind} target: Debian packages not installed: {' '.join(missing)} "
                    f"(make deps installs them)")


def free_ports(n, addrs=("127.0.0.1", "127.0.0.2")):
    """n distinct TCP ports free a moment ago on every loopback address the
    targets use (Postfix on 127.0.0.1, Dovecot on 127.0.0.2): bind(port 0)
    on one address may return a port that a listener holds on another."""
    held, ports = [], []
    try:
        while len(ports) < n and len(held) < 50 * n:
            s = socket.socket()
            s.bind((addrs[0], 0))
            held.append(s)
            port = s.getsockname()[1]
            try:
                for a in addrs[1:]:
                    o = socket.socket()
                    held.append(o)
                    o.bind((a, port))
            except OSError:
                continue
            ports.append(port)
        assert len(ports) == n, f"could not find {n} free loopback ports"
        return ports
    finally:
        for s in held:
            s.close()


def _stat_fields(pid):
    """(state, session) of a process from /proc, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            line = f.read()
    except OSError:
        return None
    rest = line[line.rfind(")") + 2:].split()
    return rest[0], int(rest[3])


def pid_alive(pid):
    st = _stat_fields(pid)
    return st is not None and st[0] != "Z"


def session_pids(sid):
    """Live processes of session sid (a daemonized master and its children)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = _stat_fields(int(d))
            if st is not None and st[1] == sid and st[0] != "Z":
                out.append(int(d))
    return out


def port_open(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def master_pids(kind, workdir):
    """Pids of the masters a start script left in workdir (pid files)."""
    workdir = Path(workdir)
    files = [workdir / "dovecot" / "run" / "master.pid"]
    if kind == "postfix":
        files.append(workdir / "postfix" / "queue" / "pid" / "master.pid")
    pids = []
    for f in files:
        try:
            pids.append(int("".join(c for c in f.read_text() if c.isdigit())))
        except (OSError, ValueError):
            pass
    return pids


class Target:
    """A started throwaway target: endpoints, profile, users, logs."""

    def __init__(self, kind, workdir, endpoints):
        self.kind = kind
        self.workdir = Path(workdir)
        self.endpoints = endpoints          # role -> "host:port"
        self.domain = DOMAIN
        self.ca_file = self.workdir / "tls" / "cert.pem"
        self.profile = self.workdir / ("target.yaml" if kind == "postfix"
                                       else "dovecot/target.yaml")
        self.users = self._read_users()
        self.masters = master_pids(kind, workdir)

    def _read_users(self):
        """{name: password} from Dovecot's passwd-file (user:{PLAIN}pass:...)."""
        users = {}
        for line in (self.workdir / "dovecot" / "users").read_text().splitlines():
            name, pw = line.split(":")[:2]
            users[name] = pw.replace("{PLAIN}", "", 1)
        return users

    def addr(self, role):
        host, _, port = self.endpoints[role].rpartition(":")
        return host, int(port)

    def logs(self, lines=40):
        out = []
        for f in (self.workdir / "postfix" / "maillog", self.workdir / "dovecot" / "dovecot.log"):
            if f.exists():
                tail = f.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {f}\n" + "\n".join(tail))
        return "\n".join(out)


def _run_script(argv, timeout, env=None):
    """Run a start/stop script in its own process group, bounded."""
    proc = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, cwd=ROOT,
                            env=dict(os.environ, **(env or {})))
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        return None, out.decode(errors="replace"), err.decode(errors="replace")
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def start_target(kind, workdir, ports=None, env=None):
    """Run targets/<kind>/start.sh WORKDIR --ROLE PORT...; a Target, or
    pytest.fail with the script's output and the servers' logs."""
    start, _ = SCRIPTS[kind]
    if ports is None:
        ports = dict(zip(ROLES[kind], free_ports(len(ROLES[kind]))))
    argv = [start, workdir]
    for role, port in ports.items():
        argv += [f"--{role}", port]
    rc, out, err = _run_script(argv, START_TIMEOUT, env)
    lines = [l for l in out.splitlines() if l.strip()]
    if rc != 0 or not lines:
        why = "did not finish within %d s" % START_TIMEOUT if rc is None else f"exited {rc}"
        t = Target.__new__(Target)
        t.workdir, t.kind = Path(workdir), kind
        pytest.fail(f"{start.relative_to(ROOT)} {why}\nstdout:\n{out[-2000:]}\n"
                    f"stderr:\n{err[-4000:]}\n{t.logs()}", pytrace=False)
    return Target(kind, workdir, json.loads(lines[-1]))


def _belongs_to(pid, workdir):
    """pid is a master started for workdir (not a recycled pid): its
    command line or its current folder names workdir."""
    w = os.path.realpath(workdir)
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        if w in cmd:
            return True
        return os.path.realpath(f"/proc/{pid}/cwd").startswith(w + os.sep)
    except OSError:
        return False


def stop_target(kind, workdir, masters=()):
    """Run targets/<kind>/stop.sh WORKDIR; returns the pids of masters or
    their children still alive afterwards (after SIGKILLing them), and
    the script's stderr."""
    _, stop = SCRIPTS[kind]
    rc, out, err = _run_script([stop, workdir], STOP_TIMEOUT)
    left = set()
    for m in masters:
        if pid_alive(m) and _belongs_to(m, workdir):
            left.add(m)
        # A session id is not reused while the session has members.
        left.update(session_pids(m))
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if rc != 0:
        err = f"{stop.name} exited {rc}\n{err}"
    return sorted(left), err


def new_workdir(kind):
    d = tempfile.mkdtemp(prefix=f"mailspec-{kind}-", dir=TMP_BASE)
    os.chmod(d, 0o755)
    return d


def remove_workdir(d):
    if os.environ.get("MAILSPEC_KEEP_TARGETS"):
        print(f"keeping {d} (MAILSPEC_KEEP_TARGETS)")
        return
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def postfix_target():
    """Postfix + Dovecot started once for the session; a Target.
    Stopped at the end of the session whatever happened; a process left
    behind is killed and reported as an error."""
    skip_unless_runnable("postfix")
    workdir = new_workdir("postfix")
    target = None
    t0 = time.monotonic()
    try:
        target = start_target("postfix", workdir)
        target.start_seconds = time.monotonic() - t0
        yield target
    finally:
        masters = target.masters if target is not None else master_pids("postfix", workdir)
        left, err = stop_target("postfix", workdir, masters)
        remove_workdir(workdir)
        assert not left, f"processes left after targets/postfix/stop.sh: {left}\n{err}"
