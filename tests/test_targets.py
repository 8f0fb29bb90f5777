"""End to end against Debian's real servers: Postfix (smtp, submission) with
Dovecot (POP3, IMAP, LMTP delivery, SASL), started once per session on
loopback by targets/postfix/start.sh (see targets/postfix.md).

(a) the targets are real and work with Python's own clients: a message
    submitted with STARTTLS + AUTH is found by POP3 (STLS) and IMAP
    (STARTTLS); (b) every SMTP scenario passes against Postfix or is a
    known failure listed with its reason in targets/postfix.known-failing.
"""

import imaplib
import os
import poplib
import re
import smtplib
import ssl
import subprocess
import time
import uuid
from email.message import EmailMessage

import pytest

from conftest import ROOT, SCENARIOS, by_id, run_json, scenario_files
from target_fixtures import (  # noqa: F401  (postfix_target is a fixture)
    DOMAIN, SCRIPTS, new_workdir, pid_alive, port_open, postfix_target, remove_workdir,
    session_pids, skip_unless_runnable, start_target, stop_target,
)

KNOWN = ROOT / "targets" / "postfix.known-failing"
DOVECOT_KNOWN = ROOT / "targets" / "dovecot.known-failing"
SMTP_LIB = SCENARIOS / "smtp"
POP3_LIBS = (SCENARIOS / "pop3", SCENARIOS / "cross")
WAIT = 10  # seconds: delivery through qmgr + LMTP, bounded


def known_entries(path=KNOWN):
    """{id: reason} from a known-failing file (`id  # reason`)."""
    out = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        head, _, reason = line.partition("#")
        out[head.split()[0]] = reason.strip()
    return out


def tls_context(target):
    """Verifies the target's self-signed certificate, hostname included."""
    return ssl.create_default_context(cafile=str(target.ca_file))


def first_user(target):
    name = sorted(target.users)[0]
    return name, target.users[name]


# ------------------------------------------------------------ the targets
def test_endpoints_loopback_high_ports(postfix_target):
    t = postfix_target
    assert sorted(t.endpoints) == sorted(
        ["smtp", "submission", "pop3", "pop3s", "imap", "imaps"]), t.endpoints
    ports = []
    for role in t.endpoints:
        host, port = t.addr(role)
        assert host.startswith("127."), (role, host)
        assert 1024 <= port <= 65535, (role, port)
        assert port_open(host, port), f"{role} {host}:{port} does not accept connections"
        ports.append(port)
    assert len(set(ports)) == len(ports), t.endpoints
    profile = t.profile.read_text()
    for role, scheme in (("smtp", "smtp"), ("submission", "smtp"), ("pop3", "pop3"),
                         ("pop3s", "pop3s"), ("imap", "imap"), ("imaps", "imaps")):
        assert f"{scheme}://{t.endpoints[role]}" in profile, (role, profile)
    assert f"domain: {DOMAIN}" in profile
    assert len(t.users) >= 2, t.users
    assert getattr(t, "start_seconds", 0) < 15, f"start took {t.start_seconds:.1f} s"


def test_no_standard_ports(postfix_target):
    """Neither the package installation nor the targets bind the standard
    mail ports (the system's Postfix and Dovecot must not be running)."""
    busy = [f"{h}:{p}" for h in ("127.0.0.1", "127.0.0.2")
            for p in (25, 465, 587, 110, 995, 143, 993) if port_open(h, p, timeout=0.3)]
    assert not busy, f"something listens on standard mail ports: {busy}"


def test_smtp_auth_only_after_starttls(postfix_target):
    t = postfix_target
    for role in ("smtp", "submission"):
        with smtplib.SMTP(*t.addr(role), timeout=5) as s:
            code, _ = s.ehlo("client.mailspec.example")
            assert code == 250
            assert s.has_extn("starttls"), role
            assert not s.has_extn("auth"), f"{role} offers AUTH before STARTTLS"
            if role == "submission":
                code, msg = s.mail(f"probe@{DOMAIN}")
                assert code == 530, (code, msg)  # 5.7.0 Must issue a STARTTLS command first


def test_smtp_relay_denied(postfix_target):
    """An unauthenticated client cannot relay (nothing ever leaves the box)."""
    with smtplib.SMTP(*postfix_target.addr("smtp"), timeout=5) as s:
        s.ehlo("client.mailspec.example")
        assert s.mail("someone@example.org")[0] == 250
        code, msg = s.rcpt("victim@example.org")
        assert code == 554 and b"Relay access denied" in msg, (code, msg)


@pytest.fixture(scope="module")
def delivered(postfix_target):
    """Submit one message to the first user (submission, STARTTLS, AUTH
    PLAIN); its unique token is in the Subject and the body."""
    t = postfix_target
    user, password = first_user(t)
    token = "mailspec-" + uuid.uuid4().hex
    msg = EmailMessage()
    msg["From"] = f"{user}@{DOMAIN}"
    msg["To"] = f"{user}@{DOMAIN}"
    msg["Subject"] = f"target test {token}"
    msg["Message-ID"] = f"<{token}@{DOMAIN}>"
    # "." and ".leading dot" lines: dot-stuffed by smtplib, unstuffed by
    # Postfix, stuffed again by Dovecot's POP3 and unstuffed by poplib.
    msg.set_content(f"Hello through Postfix and Dovecot LMTP.\n{token}\n.\n.leading dot\n")
    with smtplib.SMTP(*t.addr("submission"), timeout=10) as s:
        s.ehlo("client.mailspec.example")
        s.starttls(context=tls_context(t))
        s.ehlo("client.mailspec.example")
        assert s.has_extn("auth") and "PLAIN" in s.esmtp_features["auth"].upper()
        code, resp = s.login(user, password)
        assert code == 235, (code, resp)
        refused = s.send_message(msg)
        assert refused == {}, refused
    return token


def _pop3_find(t, token, pop):
    """Message number and lines of the message holding token, or None."""
    count, _ = pop.stat()
    for n in range(count, 0, -1):
        _, lines, _ = pop.retr(n)
        if any(token.encode() in l for l in lines):
            return n, lines
    return None


def test_submission_then_pop3_stls(postfix_target, delivered):
    t = postfix_target
    user, password = first_user(t)
    ctx = tls_context(t)
    deadline = time.monotonic() + WAIT
    found = None
    while found is None:
        pop = poplib.POP3(*t.addr("pop3"), timeout=5)
        try:
            assert "STLS" in pop.capa()
            # disable_plaintext_auth: no USER/PASS before STLS.
            with pytest.raises(poplib.error_proto, match="(?i)plaintext|TLS"):
                pop.user(user)
                pop.pass_(password)
            pop.stls(ctx)
            pop.user(user)
            assert pop.pass_(password).startswith(b"+OK")
            found = _pop3_find(t, delivered, pop)
        finally:
            pop.quit()
        if found is None:
            assert time.monotonic() < deadline, \
                f"message {delivered} not in POP3 within {WAIT} s\n{t.logs()}"
            time.sleep(0.2)
    _, lines = found
    assert f"Subject: target test {delivered}".encode() in lines
    assert b"." in lines and b".leading dot" in lines, lines


def test_submission_then_imap_starttls(postfix_target, delivered):
    t = postfix_target
    user, password = first_user(t)
    deadline = time.monotonic() + WAIT
    m = imaplib.IMAP4(*t.addr("imap"), timeout=5)
    try:
        assert "STARTTLS" in m.capabilities
        assert "LOGINDISABLED" in m.capabilities, m.capabilities
        m.starttls(tls_context(t))
        assert "LOGINDISABLED" not in m.capabilities
        typ, _ = m.login(user, password)
        assert typ == "OK"
        while True:
            typ, data = m.select("INBOX")
            assert typ == "OK", data
            typ, data = m.search(None, "HEADER", "Message-ID", delivered)
            assert typ == "OK", data
            nums = data[0].split()
            if nums:
                break
            assert time.monotonic() < deadline, \
                f"message {delivered} not in IMAP INBOX within {WAIT} s\n{t.logs()}"
            time.sleep(0.2)
        typ, data = m.fetch(nums[-1], "(BODY.PEEK[])")
        assert typ == "OK", data
        raw = data[0][1]
        assert f"Subject: target test {delivered}".encode() in raw
        assert delivered.encode() in raw.split(b"\r\n\r\n", 1)[1]
        m.logout()
    finally:
        try:
            m.shutdown()
        except OSError:
            pass


def test_implicit_tls_ports(postfix_target):
    t = postfix_target
    user, password = first_user(t)
    ctx = tls_context(t)
    pop = poplib.POP3_SSL(*t.addr("pop3s"), context=ctx, timeout=5)
    try:
        pop.user(user)
        assert pop.pass_(password).startswith(b"+OK")
    finally:
        pop.quit()
    m = imaplib.IMAP4_SSL(*t.addr("imaps"), ssl_context=ctx, timeout=5)
    try:
        assert m.login(user, password)[0] == "OK"
        m.logout()
    finally:
        try:
            m.shutdown()
        except OSError:
            pass
    with pytest.raises(imaplib.IMAP4.error):
        m = imaplib.IMAP4_SSL(*t.addr("imaps"), ssl_context=ctx, timeout=5)
        try:
            m.login(user, password + "-wrong")
        finally:
            m.shutdown()


# ---------------------------------------------------- the SMTP scenarios
@pytest.mark.parametrize("path", [KNOWN, DOVECOT_KNOWN], ids=lambda p: p.name)
def test_known_failing_has_reasons(path):
    entries = known_entries(path)
    assert entries, f"{path.name} lists nothing"
    for sid, reason in entries.items():
        assert re.match(r"^[a-z0-9][a-z0-9._-]*$", sid), sid
        assert re.search(r"RFC \d+ §", reason), f"{sid}: the reason names no RFC section: {reason!r}"


def test_smtp_suite_against_postfix(postfix_target, tmp_path):
    t = postfix_target
    files = scenario_files(SMTP_LIB)
    assert files, f"no scenarios in {SMTP_LIB}"
    rc, out, err, data = run_json(
        "run", "--target", str(t.profile), "--known-failing", str(KNOWN), "--strict",
        "--timeout", "5", "-j", "4", str(SMTP_LIB),
        json_path=tmp_path / "postfix.json", timeout=120)
    assert data is not None, f"no JSON (rc {rc})\n{out}\n{err}"
    recs = by_id(data)
    # the mime.* entries are Postfix's share of the MIME suite's differences,
    # checked by test_dovecot_suites[mime]
    known = {sid: r for sid, r in known_entries().items() if sid.startswith("smtp.")}
    unknown = set(known) - set(recs)
    assert not unknown, f"{KNOWN.name} lists ids that do not exist: {sorted(unknown)}"
    bad = {sid: r["verdict"] for sid, r in recs.items()
           if r["verdict"] not in ("pass", "xfail", "unsupported")}
    assert not bad, f"verdicts other than pass/xfail/unsupported: {bad}\n{out}\n{t.logs()}"
    assert rc == 0, f"rc {rc} against Postfix with its known failures:\n{out}\n{err}"
    assert len(data["results"]) == len(files), \
        f"{len(data['results'])} results for {len(files)} scenario files"
    for sid in known:
        assert recs[sid]["verdict"] == "xfail", (sid, recs[sid]["verdict"])
    core = [sid for sid in recs if sid.startswith(("smtp.ehlo.", "smtp.quit.", "smtp.auth.plain"))]
    assert core and all(recs[s]["verdict"] == "pass" for s in core), \
        {s: recs[s]["verdict"] for s in core}
    summary = [l for l in out.splitlines() if l.strip()][-1]
    assert re.match(r"^\d+ passed, \d+ failed, \d+ skipped", summary), summary


@pytest.mark.parametrize("libs,prefixes,core", [
    (POP3_LIBS, ("pop3.", "cross."), ("pop3.retr.", "cross.smtp-pop3.")),
    ((SCENARIOS / "imap",), ("imap.",), ("imap.fetch.", "imap.store.", "imap.login.")),
    ((SCENARIOS / "mime",), ("mime.",), ("mime.plain-7bit", "mime.multipart-", "mime.base64-")),
], ids=["pop3", "imap", "mime"])
def test_dovecot_suites(postfix_target, tmp_path, libs, prefixes, core):
    """POP3 (+ SMTP in through Postfix), IMAP and MIME (SMTP in, IMAP and
    POP3 out) scenarios against Dovecot:
    every scenario passes, is a known Dovecot deviation (the profile
    carries targets/dovecot.known-failing), or needs an extension Dovecot
    does not announce."""
    t = postfix_target
    files = [f for lib in libs for f in scenario_files(lib)]
    assert files, f"no scenarios in {libs}"
    rc, out, err, data = run_json(
        "run", "--target", str(t.profile), "--strict", "--timeout", "5", "-j", "4",
        *[str(lib) for lib in libs],
        json_path=tmp_path / "dovecot.json", timeout=240)
    assert data is not None, f"no JSON (rc {rc})\n{out}\n{err}"
    recs = by_id(data)
    known = {sid for f in (DOVECOT_KNOWN, KNOWN) for sid in known_entries(f)
             if sid.startswith(prefixes)}
    assert known <= set(recs), f"known failures that do not exist: {known - set(recs)}"
    bad = {sid: r["verdict"] for sid, r in recs.items()
           if r["verdict"] not in ("pass", "xfail", "unsupported")}
    assert not bad, f"verdicts other than pass/xfail/unsupported: {bad}\n{out}\n{t.logs()}"
    assert rc == 0, f"rc {rc} against Dovecot with its known failures:\n{out}\n{err}"
    assert len(data["results"]) == len(files)
    for sid in known:
        assert recs[sid]["verdict"] == "xfail", (sid, recs[sid]["verdict"])
    core_ids = [sid for sid in recs if sid.startswith(core)]
    assert core_ids and all(recs[s]["verdict"] == "pass" for s in core_ids), \
        {s: recs[s]["verdict"] for s in core_ids}


# ------------------------------------------- the start and stop scripts
def test_dovecot_alone_start_stop():
    """targets/dovecot/start.sh on its own: four endpoints, a profile with
    pop3/imap, LOGINDISABLED before STARTTLS; stop.sh leaves no process and
    no listener, and is safe to run twice."""
    skip_unless_runnable("dovecot")
    workdir = new_workdir("dovecot")
    try:
        t = start_target("dovecot", workdir)
        assert sorted(t.endpoints) == ["imap", "imaps", "pop3", "pop3s"], t.endpoints
        profile = t.profile.read_text()
        assert "pop3://" in profile and "imaps://" in profile and "smtp://" not in profile
        m = imaplib.IMAP4(*t.addr("imap"), timeout=5)
        try:
            assert "LOGINDISABLED" in m.capabilities, m.capabilities
        finally:
            m.shutdown()
        masters = t.masters
        assert masters and all(pid_alive(p) for p in masters)
        t0 = time.monotonic()
        left, err = stop_target("dovecot", workdir, masters)
        assert not left, f"left after stop.sh: {left}\n{err}"
        assert time.monotonic() - t0 < 10
        for role in t.endpoints:
            assert not port_open(*t.addr(role)), f"{role} still accepts connections"
        assert not any(session_pids(p) for p in masters)
        left, err = stop_target("dovecot", workdir, masters)
        assert not left and "error" not in err.lower(), err
    finally:
        stop_target("dovecot", workdir)
        remove_workdir(workdir)


@pytest.mark.parametrize("env,args,expect", [
    ({"MAILSPEC_DOVECOT_ADDR": "0.0.0.0"}, [], "loopback"),
    ({}, ["--imap", "143"], "high port"),
])
def test_dovecot_start_refuses(env, args, expect):
    """The start script refuses non-loopback addresses and low ports before
    it starts anything."""
    skip_unless_runnable("dovecot")
    workdir = new_workdir("dovecot")
    try:
        proc = subprocess.run([str(SCRIPTS["dovecot"][0]), workdir, *args],
                              env=dict(os.environ, **env), capture_output=True,
                              text=True, timeout=30)
        assert proc.returncode != 0 and expect in proc.stderr, (proc.returncode, proc.stderr)
        assert proc.stdout == ""
    finally:
        stop_target("dovecot", workdir)
        remove_workdir(workdir)
