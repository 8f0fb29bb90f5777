"""The engine's judgement against a scripted fake server: every failure mode
gives the right verdict and message, correct behaviour passes."""

import random
import re
import time
from pathlib import Path

import pytest

from conftest import ScenarioWriter, by_id, line_of, run_json
from fakeserver import SMTP_GREETING, smtp_ok

GREET_EHLO = """
- expect: {code: 220}
- send: "EHLO ${ehlo}"
- expect: {code: 250}
"""
QUIT = """
- send: "QUIT"
- expect: {code: 221}
"""


def judge(tmp_path, url, *paths, extra=(), timeout=60, name="results.json"):
    rc, out, err, data = run_json(
        "run", "--smtp", url, *extra, *map(str, paths),
        json_path=tmp_path / name, timeout=timeout)
    assert data is not None, f"no JSON results written (rc {rc})\nstdout:\n{out}\nstderr:\n{err}"
    return rc, out, err, data


def record(data, sid):
    recs = by_id(data)
    assert sid in recs, f"{sid} not in results: {sorted(recs)}"
    return recs[sid]


def assert_verdict(rec, verdict):
    assert rec["verdict"] == verdict, \
        f"{rec['id']}: verdict {rec['verdict']!r}, want {verdict!r}; message: {rec.get('message')!r}"


# ------------------------------------------------------------ correct behaviour
def test_correct_server_passes(tmp, tmp_path, fake_smtp):
    srv = fake_smtp(smtp_ok())
    p = tmp.scenario("judge.ok.full-dialogue", GREET_EHLO + """
- send: "MAIL FROM:<>"
- expect: {code: 250}
- send: "RCPT TO:<${postmaster}>"
- expect: {code: "2xx"}
- send: "DATA"
- expect: {code: 354}
- send_data: ["Subject: hi", "", "line one", ".hidden", "."]
- expect: {code: [250, 251]}
""" + QUIT)
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "3"))
    assert_verdict(record(data, "judge.ok.full-dialogue"), "pass")
    assert rc == 0, out + err
    assert data["summary"]["pass"] == 1 and data["summary"]["total"] == 1
    msgs = [m for c in srv.connections for m in c.messages]
    assert msgs, f"the fake server got no message; lines: {srv.all_lines()}"
    # RFC 5321 §4.5.2: lines starting with "." are dot-stuffed on the wire
    assert b"\r\n..hidden\r\n..\r\n" in msgs[-1], msgs[-1]
    assert b"RCPT TO:<postmaster@localhost>\r\n" in srv.received()
    assert not srv.errors, srv.errors


def test_slow_server_passes(tmp, tmp_path, fake_smtp):
    """Replies that arrive a byte at a time are assembled, not misjudged."""
    srv = fake_smtp([("send_slow", b"220-slow.example\r\n220 but fine\r\n", 0.01),
                     ("serve_smtp",)])
    p = tmp.scenario("judge.ok.slow", """
- expect: {code: 220, lines: ['^slow\\.example$', '^but fine$']}
""" + QUIT)
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "3"))
    assert_verdict(record(data, "judge.ok.slow"), "pass")
    assert rc == 0


# ------------------------------------------------------------ failure modes
def test_wrong_code(tmp, tmp_path, fake_smtp):
    srv = fake_smtp([("send", b"554 go away\r\n"), ("sleep", 3)])
    p = tmp.scenario("judge.wrong-code", "- expect: {code: 220}\n" + QUIT)
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "2"))
    rec = record(data, "judge.wrong-code")
    assert_verdict(rec, "fail")
    assert rc == 1
    msg = rec["message"] or ""
    assert "220" in msg and "554" in msg, msg
    assert "expect" in msg.lower(), msg
    assert Path(rec["file"]).name == p.name
    assert rec["line"] == line_of(p, "- expect: {code: 220}")


MALFORMED = {
    # name: (script, steps, message patterns)
    "mixed-continuation": (
        [("send", SMTP_GREETING), ("expect", b"EHLO"), ("send", b"250-a\r\n251 b\r\n"), ("sleep", 3)],
        GREET_EHLO,
        [r"malformed", r"reply", r"code"],
    ),
    "bare-lf": (
        [("send", b"220 hi\n"), ("sleep", 3)],
        "- expect: {code: 220}\n",
        [r"malformed", r"reply", r"bare lf"],
    ),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_reply(name, tmp, tmp_path, fake_smtp):
    script, steps, patterns = MALFORMED[name]
    srv = fake_smtp(script)
    sid = f"judge.malformed.{name}"
    p = tmp.scenario(sid, steps + QUIT)
    t0 = time.monotonic()
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "3"))
    elapsed = time.monotonic() - t0
    rec = record(data, sid)
    assert_verdict(rec, "fail")
    assert rc == 1
    for pat in patterns:
        assert re.search(pat, rec["message"] or "", re.I), \
            f"message {rec['message']!r} lacks {pat!r}"
    # judged when the bad bytes arrive, not after the step timeout
    assert elapsed < 2.9, f"took {elapsed:.1f} s: waited for the timeout"


@pytest.mark.parametrize("when", ["before-greeting", "after-ehlo"])
def test_early_close(when, tmp, tmp_path, fake_smtp):
    if when == "before-greeting":
        script = [("close",)]
    else:
        script = [("send", SMTP_GREETING), ("expect", b"EHLO"), ("close",)]
    srv = fake_smtp(script)
    sid = f"judge.early-close.{when}"
    p = tmp.scenario(sid, GREET_EHLO + QUIT)
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "3"))
    rec = record(data, sid)
    assert_verdict(rec, "fail")
    assert rc == 1
    assert re.search(r"clos", rec["message"] or "", re.I), rec["message"]
    step = "- expect: {code: 220}" if when == "before-greeting" else "- expect: {code: 250}"
    assert rec["line"] == line_of(p, step)


def test_silence_times_out(tmp, tmp_path, fake_smtp):
    srv = fake_smtp([("sleep", 10)])
    p = tmp.scenario("judge.silence", "- expect: {code: 220}\n" + QUIT)
    t0 = time.monotonic()
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "1"), timeout=30)
    elapsed = time.monotonic() - t0
    rec = record(data, "judge.silence")
    assert_verdict(rec, "fail")
    assert rc == 1
    assert re.search(r"time(d)?[ -]?out", rec["message"] or "", re.I), rec["message"]
    assert elapsed < 5, f"--timeout 1 run took {elapsed:.1f} s"


def test_scenario_timeout_key_overrides(tmp, tmp_path, fake_smtp):
    """`timeout:` in a scenario overrides --timeout."""
    srv = fake_smtp([("sleep", 10)])
    p = tmp.scenario("judge.silence.own-timeout", "- expect: {code: 220}\n", extra="timeout: 1")
    t0 = time.monotonic()
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "20"), timeout=40)
    elapsed = time.monotonic() - t0
    assert_verdict(record(data, "judge.silence.own-timeout"), "fail")
    assert elapsed < 5, f"scenario timeout: 1 ignored, took {elapsed:.1f} s"


def test_oversized_reply(tmp, tmp_path, fake_smtp):
    srv = fake_smtp([("send", b"220 " + b"x" * (100 * 1024)), ("sleep", 10)])
    p = tmp.scenario("judge.oversized", "- expect: {code: 220}\n" + QUIT)
    t0 = time.monotonic()
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "5"), timeout=30)
    elapsed = time.monotonic() - t0
    rec = record(data, "judge.oversized")
    assert_verdict(rec, "fail")
    assert rc == 1
    assert "too long" in (rec["message"] or "").lower(), rec["message"]
    assert elapsed < 4.5, f"took {elapsed:.1f} s: waited for the timeout"


def test_garbage_bytes(tmp, tmp_path, fake_smtp):
    rnd = random.Random(5321)
    garbage = bytes(rnd.getrandbits(8) for _ in range(4096))
    srv = fake_smtp([("send", garbage), ("sleep", 5)])
    p = tmp.scenario("judge.garbage", GREET_EHLO + QUIT)
    t0 = time.monotonic()
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "2"), timeout=30)
    rec = record(data, "judge.garbage")
    assert_verdict(rec, "fail")
    assert rc == 1
    assert time.monotonic() - t0 < 10


def test_flood(tmp, tmp_path, fake_smtp):
    """A server that never stops talking is judged and left, not read forever."""
    srv = fake_smtp([("flood", 200 << 20)])
    p = tmp.scenario("judge.flood", GREET_EHLO + QUIT)
    t0 = time.monotonic()
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "2"), timeout=40)
    elapsed = time.monotonic() - t0
    assert_verdict(record(data, "judge.flood"), "fail")
    assert rc == 1
    assert elapsed < 15, f"took {elapsed:.1f} s"
    assert srv.flooded < (200 << 20), "the engine read 200 MB of garbage"


# ------------------------------------------------------------ multi-line replies
EHLO_KWS = ["SIZE 1000", "8BITMIME", "HELP"]
MULTI = {
    # id suffix: (expect map, verdict)
    "all-ok": ("{code: 250, multiline: true, lines: ['^fake\\.example greets ', '^SIZE \\d+$', "
               "'^8BITMIME$', '^HELP$'], any_line: '^8BITMIME$', no_line: '^PIPELINING'}", "pass"),
    "lines-too-few": ("{code: 250, lines: ['^fake', '^SIZE', '^8BITMIME$']}", "fail"),
    "lines-mismatch": ("{code: 250, lines: ['^fake', '^SIZE', '^HELP$', '^8BITMIME$']}", "fail"),
    "any-line-missing": ("{code: 250, any_line: '^PIPELINING$'}", "fail"),
    "no-line-present": ("{code: 250, no_line: '^HELP$'}", "fail"),
    "single-line-wanted": ("{code: 250, multiline: false}", "fail"),
    "text-joined": ("{code: 250, text: '^fake\\.example greets mailspec\\.example\\nSIZE 1000\\n'}", "pass"),
}


def test_multiline_ehlo(tmp, tmp_path, fake_smtp):
    srv = fake_smtp(smtp_ok(ehlo=EHLO_KWS))
    for name, (exp, _) in MULTI.items():
        tmp.scenario(f"judge.multi.{name}", f"""
- expect: {{code: 220}}
- send: "EHLO ${{ehlo}}"
- expect: {exp}
""" + QUIT)
    rc, out, err, data = judge(tmp_path, srv.url, tmp.dir, extra=("--timeout", "3"))
    got = {sid: r["verdict"] for sid, r in by_id(data).items()}
    want = {f"judge.multi.{n}": v for n, (_, v) in MULTI.items()}
    assert got == want, f"\n{out}"
    assert rc == 1


# ------------------------------------------------------------ levels
@pytest.mark.parametrize("level", ["SHOULD", "MAY"])
def test_should_failure_is_non_strict(level, tmp, tmp_path, fake_smtp):
    srv = fake_smtp(smtp_ok())
    sid = f"judge.level.{level.lower()}"
    p = tmp.scenario(sid, GREET_EHLO + """
- send: "XFOO"
- expect: {code: [500, 502]}
""" + QUIT, level=level)
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "3"))
    rec = record(data, sid)
    assert_verdict(rec, "non_strict")
    assert rec["level"] == level
    assert rc == 0, f"a failed {level} must not fail the run without --strict\n{out}"
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "3", "--strict"),
                               name="strict.json")
    assert_verdict(record(data, sid), "non_strict")
    assert rc == 1, f"a failed {level} must fail the run under --strict\n{out}"


# ------------------------------------------------------------ capabilities
def test_requires_missing_is_unsupported(tmp, tmp_path, fake_smtp):
    srv = fake_smtp(smtp_ok(ehlo=["SIZE 1000", "8BITMIME"]))
    tmp.scenario("judge.requires.starttls", GREET_EHLO + """
- send: "STARTTLS"
- expect: {code: 220}
- starttls: true
""", requires=["STARTTLS"])
    tmp.scenario("judge.requires.step", GREET_EHLO + """
- send: "STARTTLS"
  requires: [STARTTLS]
- expect: {code: 220}
- starttls: true
""")
    rc, out, err, data = judge(tmp_path, srv.url, tmp.dir, extra=("--timeout", "3"))
    for sid in ("judge.requires.starttls", "judge.requires.step"):
        assert_verdict(record(data, sid), "unsupported")
    assert rc == 0, out
    assert b"STARTTLS" not in srv.received().upper(), "sent STARTTLS though not advertised"
    assert data["summary"]["unsupported"] == 2


def test_requires_keyword_params(tmp, tmp_path, fake_smtp):
    """`AUTH LOGIN PLAIN` provides AUTH and AUTH=PLAIN; case-insensitive."""
    srv = fake_smtp(smtp_ok(ehlo=["AUTH LOGIN PLAIN", "SIZE 1000"]))
    tmp.scenario("judge.requires.present", GREET_EHLO + QUIT,
                 requires=["AUTH=PLAIN", "auth", "size"])
    tmp.scenario("judge.requires.absent-param", GREET_EHLO + QUIT, requires=["AUTH=CRAM-MD5"])
    rc, out, err, data = judge(tmp_path, srv.url, tmp.dir, extra=("--timeout", "3"))
    assert_verdict(record(data, "judge.requires.present"), "pass")
    assert_verdict(record(data, "judge.requires.absent-param"), "unsupported")
    assert rc == 0


# ------------------------------------------------------------ STARTTLS
STARTTLS_STEPS = """
- expect: {code: 220}
- send: "EHLO %s"
- expect: {code: 250, any_line: '^STARTTLS$'}
- send: "STARTTLS"
- expect: {code: 220}
- starttls: true
- send: "EHLO ${ehlo}"
- expect: {code: 250, no_line: '^STARTTLS$'}
- send: "QUIT"
- expect: {code: 221}
"""


def test_starttls_passes(tls_cert, tmp, tmp_path, fake_smtp):
    srv = fake_smtp(smtp_ok(tls=tls_cert))
    p = tmp.scenario("judge.starttls.ok", STARTTLS_STEPS % "${ehlo}", requires=["STARTTLS"])
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "3"))
    assert_verdict(record(data, "judge.starttls.ok"), "pass")
    assert rc == 0
    tls_conns = [c for c in srv.connections if c.tls]
    assert tls_conns, f"no TLS handshake completed: {srv.tls_failures}"
    assert any(sum(l.upper().startswith(b"EHLO") for l in c.lines) == 2 for c in tls_conns)
    assert all(not c.plaintext_after_starttls for c in srv.connections)


def test_starttls_verify(tls_cert, tmp, tmp_path, fake_smtp):
    srv = fake_smtp(smtp_ok(tls=tls_cert))
    p = tmp.scenario("judge.starttls.verify", STARTTLS_STEPS % "${ehlo}")
    rc, out, err, data = judge(tmp_path, srv.url, p,
                               extra=("--timeout", "3", "--tls-verify", "--ca-file", tls_cert[0]))
    assert_verdict(record(data, "judge.starttls.verify"), "pass")
    assert rc == 0
    # without the CA the self-signed certificate must not be trusted
    rc, out, err = run_json("run", "--smtp", srv.url, "--timeout", "3", "--tls-verify", str(p),
                            json_path=tmp_path / "noca.json")[:3]
    assert rc != 0, f"--tls-verify accepted an untrusted certificate\n{out}"


def test_starttls_response_injection(tls_cert, tmp, tmp_path, fake_smtp):
    srv = fake_smtp(smtp_ok(tls=tls_cert, inject=b"250 injected\r\n", inject_ehlo=b"inject.test"))
    p = tmp.scenario("judge.starttls.injection", STARTTLS_STEPS % "inject.test")
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "3"))
    rec = record(data, "judge.starttls.injection")
    assert_verdict(rec, "fail")
    assert rc == 1
    assert rec["line"] == line_of(p, "- starttls: true"), rec


# ------------------------------------------------------------ transcripts and printing
def _ehlo_refused(tmp, fake_smtp):
    srv = fake_smtp([("send", SMTP_GREETING), ("expect", b"EHLO"),
                     ("send", b"550 not you\r\n"), ("sleep", 3)])
    p = tmp.scenario("judge.transcript", GREET_EHLO + QUIT,
                     requirement="The server MUST accept EHLO from mailspec.")
    return srv, p


def test_transcript_in_json(tmp, tmp_path, fake_smtp):
    srv, p = _ehlo_refused(tmp, fake_smtp)
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "2"))
    rec = record(data, "judge.transcript")
    assert_verdict(rec, "fail")
    tr = rec["transcript"]
    assert isinstance(tr, list) and tr, rec
    for ev in tr:
        assert set(ev) >= {"conn", "dir", "t_ms", "data"}, ev
        assert ev["dir"] in ("send", "recv", "note"), ev
        assert isinstance(ev["t_ms"], (int, float)) and ev["t_ms"] >= 0, ev
    times = [ev["t_ms"] for ev in tr]
    assert times == sorted(times), times
    sends = [ev for ev in tr if ev["dir"] == "send"]
    recvs = [ev for ev in tr if ev["dir"] == "recv"]
    assert any("EHLO mailspec.example\\r\\n" in ev["data"] for ev in sends), sends
    assert "550 not you\\r\\n" in "".join(ev["data"] for ev in recvs), recvs
    assert any("220 fake.example ESMTP ready\\r\\n" in ev["data"] for ev in recvs), recvs
    assert all("\r" not in ev["data"] and "\n" not in ev["data"] for ev in tr), \
        "transcript data must be escaped"
    assert {ev["conn"] for ev in sends + recvs} == {"main"}


def test_printed_failure(tmp, tmp_path, fake_smtp):
    srv, p = _ehlo_refused(tmp, fake_smtp)
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "2", "-v"))
    assert rc == 1
    lines = out.splitlines()
    idx = [i for i, l in enumerate(lines) if re.match(r"^fail\s+judge\.transcript \(\d+ ms\)$", l)]
    assert idx, f"no 'fail judge.transcript (N ms)' line:\n{out}"
    block = []
    for l in lines[idx[0] + 1:]:
        if l and not l[0].isspace():
            break
        block.append(l)
    text = "\n".join(block)
    assert block and all(not l or l[0].isspace() for l in block)
    assert "The server MUST accept EHLO from mailspec." in text, text
    step_line = line_of(p, "- expect: {code: 250}")
    assert re.search(rf"at \S*{re.escape(p.name)}:{step_line}\b", text), \
        f"no 'at FILE:{step_line}' in:\n{text}"
    assert "250" in text and "550" in text, text
    assert "EHLO mailspec.example" in text, f"-v must print the transcript:\n{text}"


# ------------------------------------------------------------ sending, variables, closing
def test_send_raw_pipeline_and_captures(tmp, tmp_path, fake_smtp):
    srv = fake_smtp(smtp_ok(ehlo=["SIZE 12345", "PIPELINING"]))
    p = tmp.scenario("judge.send.raw", r"""
- expect: {code: 220}
- send: "EHLO ${ehlo}"
- expect: {code: 250, capture: {size: 'SIZE (\d+)'}}
- send_raw: ["NOOP", {hex: "20"}, {repeat: "x", count: 5}, {base64: "DQo="}]
- expect: {code: 250}
- send_raw: "RSET\r\n"
- expect: {code: 250}
- pipeline: ["MAIL FROM:<> SIZE=${size}", "NOOP ${cap.SIZE}", "NOOP ${base64:a}"]
- expect: {code: 250}
- expect: {code: 250}
- expect: {code: 250}
- send: "QUIT"
- expect: {code: 221}
""")
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "3"))
    assert_verdict(record(data, "judge.send.raw"), "pass")
    got = srv.received()
    assert b"\r\nNOOP xxxxx\r\nRSET\r\n" in got, got
    pipelined = b"MAIL FROM:<> SIZE=12345\r\nNOOP 12345\r\nNOOP YQ==\r\n"
    assert pipelined in got, got
    # RFC 2920: the group goes out in one write (one segment on loopback)
    assert any(pipelined in c for conn in srv.connections for c in conn.chunks), \
        [c for conn in srv.connections for c in conn.chunks]


def test_enhanced_codes(tmp, tmp_path, fake_smtp):
    srv = fake_smtp([("send", SMTP_GREETING), ("expect", b"RCPT"),
                     ("send", b"550 5.1.1 no such user\r\n"), ("serve_smtp",)])
    cases = {"exact": ('"5.1.1"', "pass"), "wild": ('"5.x.x"', "pass"),
             "class": ('"4.x.x"', "fail"), "detail": ('"5.1.2"', "fail")}
    for name, (enh, _) in cases.items():
        tmp.scenario(f"judge.enhanced.{name}", f"""
- expect: {{code: 220}}
- send: "RCPT TO:<nobody@example.invalid>"
- expect: {{code: "5xx", enhanced: {enh}}}
""" + QUIT)
    rc, out, err, data = judge(tmp_path, srv.url, tmp.dir, extra=("--timeout", "3"))
    got = {sid: r["verdict"] for sid, r in by_id(data).items()}
    assert got == {f"judge.enhanced.{n}": v for n, (_, v) in cases.items()}, out


def test_closing_and_silence(tmp, tmp_path, fake_smtp):
    """`closed`, expect_closed and expect_silence, each both ways."""
    srv = fake_smtp([("send", SMTP_GREETING), ("expect", b"QUIT"),
                     ("send", b"221 bye\r\n"), ("sleep", 3)])  # never closes
    tmp.scenario("judge.close.not-closed", """
- expect: {code: 220}
- send: "QUIT"
- expect: {code: 221, closed: true}
""")
    tmp.scenario("judge.close.silence-ok", """
- expect: {code: 220}
- expect_silence: 0.3
""")
    tmp.scenario("judge.close.expect-closed-not", """
- expect: {code: 220}
- send: "QUIT"
- expect: {code: 221}
- expect_closed: true
""")
    srv2 = fake_smtp(smtp_ok())
    d2 = tmp.dir / "closing"
    w2 = ScenarioWriter(d2)
    w2.scenario("judge.close.closed-ok", """
- expect: {code: 220}
- send: "QUIT"
- expect: {code: 221, closed: true}
""")
    w2.scenario("judge.close.silence-broken", """
- expect_silence: 0.5
""")
    t0 = time.monotonic()
    rc, out, err, data = judge(tmp_path, srv.url, *sorted(tmp.dir.glob("*.yaml")),
                               extra=("--timeout", "2", "-j", "3"))
    got = {sid: r["verdict"] for sid, r in by_id(data).items()}
    assert got == {"judge.close.not-closed": "fail", "judge.close.silence-ok": "pass",
                   "judge.close.expect-closed-not": "fail"}, out
    rc, out, err, data = judge(tmp_path, srv2.url, d2, extra=("--timeout", "2"), name="r2.json")
    got = {sid: r["verdict"] for sid, r in by_id(data).items()}
    assert got == {"judge.close.closed-ok": "pass", "judge.close.silence-broken": "fail"}, out
    assert time.monotonic() - t0 < 10


def test_undefined_variable_is_error(tmp, tmp_path, fake_smtp):
    srv = fake_smtp(smtp_ok())
    p = tmp.scenario("judge.var.undefined", """
- expect: {code: 220}
- send: "EHLO ${no_such_variable}"
- expect: {code: 250}
""")
    rc, out, err, data = judge(tmp_path, srv.url, p, extra=("--timeout", "2"))
    rec = record(data, "judge.var.undefined")
    assert_verdict(rec, "error")
    assert "no_such_variable" in (rec["message"] or ""), rec["message"]
    assert rec["line"] == line_of(p, "no_such_variable")
    assert rc != 0
    assert b"no_such_variable" not in srv.received()
