"""End to end against Debian's aiosmtpd: a real SMTP server nobody here wrote.

Two ways to run it: the stock CLI (`python3 -m aiosmtpd -n -l ...`: no TLS, no
users, so STARTTLS/AUTH scenarios are unsupported or skipped) and
targets/aiosmtpd.start.py (aiosmtpd's own SMTP class with STARTTLS, SMTPUTF8
and two users), which targets/aiosmtpd.known-failing describes.
"""

import pytest

from conftest import (AIOSMTPD_USERS, ROOT, SCENARIOS, by_id, check_output_shape, run_json,
                      scenario_files)

SMTP_LIB = SCENARIOS / "smtp"
KNOWN = ROOT / "targets" / "aiosmtpd.known-failing"


def known_ids():
    ids = set()
    for line in KNOWN.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            ids.add(line.split()[0])
    return ids


def run_suite(url, tmp_path, *extra):
    if not KNOWN.exists():
        pytest.skip(f"{KNOWN.relative_to(ROOT)} does not exist yet (being written)")
    files = scenario_files(SMTP_LIB)
    assert files, f"no scenarios in {SMTP_LIB}"
    rc, out, err, data = run_json(
        "run", "--smtp", url, *extra, "--known-failing", str(KNOWN), "--strict",
        "--timeout", "5", "-j", "4", str(SMTP_LIB),
        json_path=tmp_path / "aiosmtpd.json", timeout=110)
    assert data is not None, f"no JSON (rc {rc})\n{out}\n{err}"
    assert rc == 0, f"rc {rc} against aiosmtpd with its known failures:\n{out}\n{err}"
    recs = by_id(data)
    assert len(data["results"]) == len(files), \
        f"{len(data['results'])} results for {len(files)} scenario files"
    known = known_ids()
    unknown = known - set(recs)
    assert not unknown, f"{KNOWN.name} lists ids that do not exist: {sorted(unknown)}"
    bad = {sid: r["verdict"] for sid, r in recs.items() if r["verdict"] in ("error", "xpass")}
    assert not bad, bad
    for word in ("ehlo", "quit"):
        core = {sid: r["verdict"] for sid, r in recs.items()
                if word in sid and sid not in known and r["level"] == "MUST"}
        assert core, f"no MUST scenario with {word!r} in its id"
        assert all(v == "pass" for v in core.values()), core
    check_output_shape(out)
    return recs


def test_smtp_suite_against_aiosmtpd_cli(aiosmtpd_server, tmp_path):
    run_suite(aiosmtpd_server, tmp_path)


def test_smtp_suite_against_aiosmtpd_tls_auth(aiosmtpd_full, tmp_path):
    extra = [a for u in AIOSMTPD_USERS for a in ("--user", u)]
    recs = run_suite(aiosmtpd_full, tmp_path, *extra)
    # with STARTTLS and users configured, those scenarios really run
    for word in ("starttls", "auth"):
        ran = [sid for sid, r in recs.items() if word in sid and r["verdict"] in ("pass", "xfail")]
        assert ran, f"no {word} scenario ran against aiosmtpd with TLS and users"
