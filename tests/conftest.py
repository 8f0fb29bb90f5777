"""pytest driver for mailspec: binaries, a bounded runner, scenario writer,
the scripted fake server and Debian's aiosmtpd, all on 127.0.0.1.

MAILSPEC_BUILD (default "build") is the build tree: $MAILSPEC_BUILD/bin/
holds the binaries, $MAILSPEC_BUILD/tests/ the C unit tests.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fakeserver import FakeServer, smtp_ok  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("MAILSPEC_BUILD") or "build")
if not BUILD.is_absolute():
    BUILD = ROOT / BUILD
BIN = BUILD / "bin"
MAILSPEC = BIN / "mailspec"
UNIT_DIR = BUILD / "tests"
SCENARIOS = ROOT / "scenarios"
TEST_SCENARIOS = Path(__file__).resolve().parent / "scenarios"
SYSTEM_PYTHON = "/usr/bin/python3"

DEFAULT_TIMEOUT = 60

# Sanitizer reports: ASan (incl. its leak checker) and UBSan.
SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "LeakSanitizer",
    "SUMMARY: UndefinedBehaviorSanitizer",
    "runtime error:",
)

VERDICTS = ("pass", "fail", "non_strict", "unsupported", "skip", "error", "xfail", "xpass")


def sanitizer_env():
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    env.setdefault("LC_ALL", "C")
    return env


def check_sanitizers(what, stderr):
    for m in SANITIZER_MARKERS:
        if m in stderr:
            pytest.fail(f"sanitizer report from {what}:\n{stderr[-6000:]}", pytrace=False)


def run_bounded(argv, timeout=DEFAULT_TIMEOUT, cwd=None, input=None):
    """Run argv in its own process group; kill the group past timeout.
    Returns (rc, stdout, stderr) as text; fails the test on a sanitizer report."""
    proc = subprocess.Popen(
        [str(a) for a in argv],
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd or ROOT,
        env=sanitizer_env(),
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        pytest.fail(
            f"{' '.join(map(str, argv))} did not finish within {timeout} s (killed)\n"
            f"stdout:\n{out.decode(errors='replace')[-3000:]}\n"
            f"stderr:\n{err.decode(errors='replace')[-3000:]}",
            pytrace=False,
        )
    out = out.decode("utf-8", errors="replace")
    err = err.decode("utf-8", errors="replace")
    check_sanitizers(os.path.basename(str(argv[0])), err)
    return proc.returncode, out, err


def run_mailspec(*args, timeout=DEFAULT_TIMEOUT, cwd=None):
    """Run the mailspec CLI; (rc, stdout, stderr)."""
    if not MAILSPEC.exists():
        pytest.fail(f"{MAILSPEC} not built (run make)", pytrace=False)
    return run_bounded([MAILSPEC, *args], timeout=timeout, cwd=cwd)


def run_json(*args, json_path, timeout=DEFAULT_TIMEOUT):
    """mailspec run ... --json FILE; (rc, stdout, stderr, parsed JSON or None)."""
    rc, out, err = run_mailspec(*args, "--json", str(json_path), timeout=timeout)
    data = None
    if Path(json_path).exists():
        data = json.loads(Path(json_path).read_text())
    return rc, out, err, data


def by_id(data):
    """{id: record} from a results JSON."""
    return {r["id"]: r for r in data["results"]}


def free_port():
    """A loopback TCP port that was free a moment ago (nobody listens on it)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=10.0, proc=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


VERDICT_LINE = re.compile(r"^(%s)\s+[a-z0-9][a-z0-9._-]* \(\d+ ms\)$" % "|".join(VERDICTS))
SUMMARY_LINE = re.compile(r"^\d+ passed, \d+ failed, \d+ skipped")


def check_output_shape(out):
    """Non-terminal output: verdict lines, indented detail lines, and the
    summary as the last line. Returns the summary line."""
    lines = [l for l in out.splitlines() if l.strip()]
    assert lines, "no output"
    assert SUMMARY_LINE.match(lines[-1]), f"last line is not the summary: {lines[-1]!r}"
    bad = [l for l in lines[:-1] if not VERDICT_LINE.match(l) and not l[0].isspace()]
    assert not bad, f"lines neither verdict lines nor indented details: {bad[:5]}\n{out[-3000:]}"
    return lines[-1]


def line_of(path, needle, nth=1):
    """1-based number of the nth line of path containing needle."""
    seen = 0
    for i, line in enumerate(Path(path).read_text().splitlines(), 1):
        if needle in line:
            seen += 1
            if seen == nth:
                return i
    raise AssertionError(f"{needle!r} not in {path}")


class ScenarioWriter:
    """Writes scenario files under one temporary folder."""

    def __init__(self, root):
        self.dir = Path(root)
        self.dir.mkdir(parents=True, exist_ok=True)

    def write(self, relpath, text):
        p = self.dir / relpath
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"))
        return p

    def scenario(self, sid, steps, level="MUST", requires=None, tags=None,
                 sub="", extra="", requirement=None, title=None):
        """A valid SMTP scenario <sub>/<sid>.yaml; steps is YAML text for the
        list under `steps:` (dedented, each line indented by 2 here)."""
        steps = textwrap.dedent(steps).strip("\n")
        lines = [
            f"id: {sid}",
            f"title: {title or 'test scenario ' + sid}",
            "protocol: smtp",
            "rfc: 5321",
            'section: "4.2"',
            f"level: {level}",
            f"requirement: {requirement or 'The server MUST behave for ' + sid + '.'}",
        ]
        if tags is not None:
            lines.append(f"tags: [{', '.join(tags)}]")
        if requires is not None:
            lines.append(f"requires: [{', '.join(requires)}]")
        if extra:
            lines.extend(textwrap.dedent(extra).strip("\n").splitlines())
        lines.append("steps:")
        lines.extend("  " + l for l in steps.splitlines() if l.strip())
        p = self.dir / sub / f"{sid}.yaml"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("\n".join(lines) + "\n")
        return p


def scenario_files(folder):
    """Scenario files (top-level `id:`) under folder, preludes excluded."""
    out = []
    for p in sorted(Path(folder).rglob("*.yaml")):
        if "preludes" in p.parts:
            continue
        try:
            text = p.read_text()
        except OSError:
            continue
        if re.search(r"^id:", text, re.M):
            out.append(p)
    return out


# --------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def mailspec_bin():
    if not MAILSPEC.exists():
        pytest.fail(f"{MAILSPEC} not built (run make)", pytrace=False)
    return MAILSPEC


@pytest.fixture(name="run_mailspec")
def run_mailspec_fixture(mailspec_bin):
    return run_mailspec


@pytest.fixture
def tmp(tmp_path):
    return ScenarioWriter(tmp_path / "scn")


@pytest.fixture
def fake_smtp():
    """Factory: fake_smtp(script=None, scripts=None) -> a started FakeServer
    (default script: a correct server). All are stopped at teardown and must
    stop cleanly."""
    servers = []

    def make(script=None, scripts=None):
        s = FakeServer(script=script, scripts=scripts)
        servers.append(s)
        return s

    yield make
    for s in servers:
        alive = s.stop()
        assert not alive, f"fake server threads did not stop: {alive}"


@pytest.fixture(scope="session")
def tls_cert(tmp_path_factory):
    """A throwaway self-signed certificate for 127.0.0.1/localhost."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    rc, out, err = run_bounded(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        timeout=30,
    )
    assert rc == 0, err
    return str(cert), str(key)


def start_server(argv, port, logpath, what):
    """Start argv (which listens on 127.0.0.1:port); wait until it accepts."""
    log = open(logpath, "wb")
    proc = subprocess.Popen(
        [str(a) for a in argv], cwd=ROOT,
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    if not wait_port(port, timeout=15, proc=proc):
        stop_server(proc)
        pytest.fail(f"{what} did not accept connections on port {port}: "
                    f"{Path(logpath).read_text(errors='replace')[-2000:]}", pytrace=False)
    return proc


def stop_server(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def aiosmtpd_server(tmp_path):
    """Debian's aiosmtpd (stock CLI) on 127.0.0.1:<free port>; yields its smtp:// URL."""
    port = free_port()
    proc = start_server([SYSTEM_PYTHON, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}"],
                        port, tmp_path / "aiosmtpd.log", "aiosmtpd")
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        stop_server(proc)


AIOSMTPD_START = ROOT / "targets" / "aiosmtpd.start.py"
AIOSMTPD_USERS = ("test:secret", "test2:secret2")


@pytest.fixture
def aiosmtpd_full(tmp_path, tls_cert):
    """aiosmtpd as targets/aiosmtpd.start.py runs it (STARTTLS, SMTPUTF8, AUTH
    for AIOSMTPD_USERS); yields its smtp:// URL."""
    if not AIOSMTPD_START.exists():
        pytest.skip(f"{AIOSMTPD_START.relative_to(ROOT)} does not exist")
    port = free_port()
    argv = [SYSTEM_PYTHON, AIOSMTPD_START, "--listen", f"127.0.0.1:{port}",
            "--tlscert", tls_cert[0], "--tlskey", tls_cert[1]]
    for u in AIOSMTPD_USERS:
        argv += ["--user", u]
    proc = start_server(argv, port, tmp_path / "aiosmtpd-full.log", "aiosmtpd.start.py")
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        stop_server(proc)
