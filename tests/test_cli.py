"""The `mailspec` command line: exit codes, scenario errors, selection,
parallelism, outputs (DESIGN.md "Contracts")."""

import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import (SCENARIOS, TEST_SCENARIOS, VERDICTS, by_id, check_output_shape, free_port,
                      run_json, scenario_files)
from fakeserver import smtp_ok

MIXED = TEST_SCENARIOS / "mixed"
# verdicts of tests/scenarios/mixed against the fake server's serve_smtp loop
MIXED_VERDICTS = {
    "test.mixed.ehlo": "pass",
    "test.mixed.helo": "pass",
    "test.mixed.noop": "pass",
    "test.mixed.quit-closes": "pass",
    "test.mixed.data": "pass",
    "test.mixed.unknown-command": "fail",
    "test.mixed.should-reject": "non_strict",
    "test.mixed.starttls": "unsupported",
}
ERR_RE = r"^(?P<path>\S*?)(?P<name>[^/\s]+\.yaml):(?P<line>\d+):(?P<col>\d+): error: (?P<msg>.+)$"


def errors_by_file(text):
    """{file name: [(line, col, message)]} from `file:line:col: error: ...` lines."""
    out = {}
    for m in re.finditer(ERR_RE, text, re.M):
        out.setdefault(m["name"], []).append((int(m["line"]), int(m["col"]), m["msg"]))
    return out


# ------------------------------------------------------------ basics
def test_version_and_help(run_mailspec):
    rc, out, err = run_mailspec("--version")
    assert rc == 0
    assert re.search(r"\d+\.\d+\.\d+", out), out
    rc, out, err = run_mailspec("--help")
    assert rc == 0
    assert "run" in out and "check" in out, out


@pytest.mark.parametrize("args", [
    ["run", "--no-such-flag"],
    ["frobnicate"],
    ["run", "--level", "sometimes"],
    ["run", "--tag"],
    ["run", "-j", "many"],
], ids=lambda a: " ".join(a))
def test_usage_error_exits_4(args, run_mailspec):
    rc, out, err = run_mailspec(*args)
    assert rc == 4, f"rc {rc}\n{out}\n{err}"
    assert err.strip(), "a usage error must say why on stderr"


def _libraries():
    libs = []
    for lib in (SCENARIOS / "smtp", MIXED):
        libs.append(pytest.param(lib, id=str(lib.relative_to(lib.parents[1])),
                                 marks=[] if scenario_files(lib) else
                                 [pytest.mark.skip(reason=f"no scenarios in {lib} yet")]))
    return libs


@pytest.mark.parametrize("lib", _libraries())
def test_unreachable_target_exits_3(lib, run_mailspec):
    port = free_port()
    rc, out, err = run_mailspec("run", "--smtp", f"smtp://127.0.0.1:{port}", "--timeout", "2",
                                str(lib), timeout=60)
    assert rc == 3, f"rc {rc}\nstdout:\n{out}\nstderr:\n{err}"
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"want a one-line reason on stderr, got:\n{err}"
    assert str(port) in lines[0] or "refused" in lines[0].lower(), lines[0]


# ------------------------------------------------------------ scenario errors
HEAD = """\
id: {id}
title: broken
protocol: smtp
rfc: 5321
section: "4.2"
level: MUST
requirement: broken on purpose.
"""
BROKEN = {
    # file: text
    "t.unknown-key.yaml": HEAD.format(id="t.unknown-key")
    + "colour: blue\nsteps:\n  - expect: {code: 220}\n",
    "t.unknown-step-key.yaml": HEAD.format(id="t.unknown-step-key")
    + "steps:\n  - expect: {code: 220}\n  - sned: \"QUIT\"\n",
    "t.wrong-type.yaml": HEAD.format(id="t.wrong-type").replace("rfc: 5321", "rfc: five")
    + "steps:\n  - expect: {code: 220}\n",
    "t.missing-id.yaml": HEAD.format(id="x").replace("id: x\n", "")
    + "steps:\n  - expect: {code: 220}\n",
    "t.bad-syntax.yaml": "id: t.bad-syntax\ntitle: bad\n  protocol: smtp: [\n",
    "t.undefined-prelude.yaml": HEAD.format(id="t.undefined-prelude")
    + "steps:\n  - prelude: no-such-prelude\n",
    "a/t.dup.yaml": HEAD.format(id="t.dup") + "steps:\n  - expect: {code: 220}\n",
    "b/t.dup.yaml": HEAD.format(id="t.dup") + "steps:\n  - expect: {code: 220}\n",
}


def _write_broken(root):
    for rel, text in BROKEN.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def _check_all_errors(text):
    errs = errors_by_file(text)
    names = {Path(rel).name for rel in BROKEN}
    missing = names - set(errs)
    assert not missing, f"no file:line:col error for {sorted(missing)} in:\n{text}"
    # exact positions (1-based line and column)
    assert (8, 1) in [(l, c) for l, c, _ in errs["t.unknown-key.yaml"]], errs["t.unknown-key.yaml"]
    assert any("colour" in m for _, _, m in errs["t.unknown-key.yaml"])
    assert (10, 5) in [(l, c) for l, c, _ in errs["t.unknown-step-key.yaml"]], \
        errs["t.unknown-step-key.yaml"]
    assert any("sned" in m for _, _, m in errs["t.unknown-step-key.yaml"])
    wt = errs["t.wrong-type.yaml"]
    assert any(l == 4 and c in (1, 6) for l, c, _ in wt), wt
    assert any(re.search(r"\bid\b", m) for _, _, m in errs["t.missing-id.yaml"])
    assert any(l == 3 for l, _, _ in errs["t.bad-syntax.yaml"]), errs["t.bad-syntax.yaml"]
    up = errs["t.undefined-prelude.yaml"]
    assert any(l == 9 and "no-such-prelude" in m for l, _, m in up), up
    assert any(l == 1 and "t.dup" in m for l, _, m in errs["t.dup.yaml"]), errs["t.dup.yaml"]


def test_check_reports_every_error(tmp_path, run_mailspec):
    root = _write_broken(tmp_path / "broken")
    rc, out, err = run_mailspec("check", str(root))
    assert rc == 2, f"rc {rc}\n{out}\n{err}"
    _check_all_errors(out + err)


def test_run_reports_every_error(tmp_path, run_mailspec, fake_smtp):
    srv = fake_smtp(smtp_ok())
    root = _write_broken(tmp_path / "broken")
    rc, out, err = run_mailspec("run", "--smtp", srv.url, "--timeout", "2", str(root))
    assert rc == 2, f"rc {rc}\n{out}\n{err}"
    _check_all_errors(out + err)


@pytest.mark.parametrize("rel", [r for r in BROKEN if not r.endswith("t.dup.yaml")])
def test_check_single_broken_file(rel, tmp_path, run_mailspec):
    root = _write_broken(tmp_path / "broken")
    rc, out, err = run_mailspec("check", str(root / rel))
    assert rc == 2, f"rc {rc}\n{out}\n{err}"
    assert Path(rel).name in errors_by_file(out + err), out + err


@pytest.mark.parametrize("lib", [SCENARIOS, TEST_SCENARIOS], ids=["scenarios", "tests/scenarios"])
def test_check_valid_library(lib, run_mailspec):
    rc, out, err = run_mailspec("check", str(lib))
    assert rc == 0, f"rc {rc}\n{out}\n{err}"
    assert not re.search(r": error: ", out + err), out + err


# ------------------------------------------------------------ selection
SEL = {
    # id: (tags, level)
    "sel.a.one": (["a"], "MUST"),
    "sel.a.two": (["a", "b"], "SHOULD"),
    "sel.a.deep.three": (["b"], "MAY"),
    "sel.b.four": ([], "MUST"),
    "sel.b.deep.five": (["a"], "SHOULD"),
}
ALL = set(SEL)


@pytest.fixture
def sel_lib(tmp):
    for sid, (tags, level) in SEL.items():
        tmp.scenario(sid, """
- expect: {code: 220}
- send: "QUIT"
- expect: {code: 221}
""", tags=tags, level=level)
    return tmp.dir


def listed(out):
    return {sid for sid in ALL
            if re.search(rf"(?<![\w.-]){re.escape(sid)}(?![\w.-])", out)}


@pytest.mark.parametrize("args,want", [
    ([], ALL),
    (["--run", "sel.a.*"], {"sel.a.one", "sel.a.two"}),
    (["--run", "sel.a.**"], {"sel.a.one", "sel.a.two", "sel.a.deep.three"}),
    (["--run", "sel.**.five"], {"sel.b.deep.five"}),
    (["--run", "*.*.one"], {"sel.a.one"}),
    (["--skip", "sel.*.deep.*"], {"sel.a.one", "sel.a.two", "sel.b.four"}),
    (["--skip", "sel.a.**"], {"sel.b.four", "sel.b.deep.five"}),
    (["--run", "sel.**", "--skip", "*.b.*"], {"sel.a.one", "sel.a.two", "sel.a.deep.three",
                                               "sel.b.deep.five"}),
    (["--tag", "a"], {"sel.a.one", "sel.a.two", "sel.b.deep.five"}),
    (["--tag", "a,b"], {"sel.a.one", "sel.a.two", "sel.a.deep.three", "sel.b.deep.five"}),
    (["--tag", "a+b"], {"sel.a.two"}),
    (["--tag", "!a"], {"sel.a.deep.three", "sel.b.four"}),
    (["--level", "must"], {"sel.a.one", "sel.b.four"}),
    (["--level", "should"], {"sel.a.one", "sel.a.two", "sel.b.four", "sel.b.deep.five"}),
    (["--level", "may"], ALL),
    (["--tag", "b", "--level", "should"], {"sel.a.two"}),
], ids=lambda v: (" ".join(v) or "all") if isinstance(v, list) else None)
def test_list_selection(args, want, sel_lib, fake_smtp, run_mailspec):
    srv = fake_smtp(smtp_ok())
    rc, out, err = run_mailspec("run", "--smtp", srv.url, "--list", *args, str(sel_lib))
    assert rc == 0, f"rc {rc}\n{out}\n{err}"
    assert listed(out) == want, f"--list {' '.join(args)}:\n{out}"
    assert not srv.connections, "--list must not connect to the target"


def test_selection_applies_to_run(sel_lib, fake_smtp, tmp_path):
    srv = fake_smtp(smtp_ok())
    rc, out, err, data = run_json("run", "--smtp", srv.url, "--tag", "a+b", str(sel_lib),
                                  json_path=tmp_path / "r.json")
    assert rc == 0, out + err
    assert set(by_id(data)) == {"sel.a.two"}
    assert data["summary"]["total"] == 1


@pytest.mark.parametrize("glob", ["nomatch*", "*"])
def test_nothing_selected_exits_5(glob, sel_lib, fake_smtp, run_mailspec):
    srv = fake_smtp(smtp_ok())
    rc, out, err = run_mailspec("run", "--smtp", srv.url, "--run", glob, str(sel_lib))
    assert rc == 5, f"--run {glob!r}: rc {rc}\n{out}\n{err}"


# ------------------------------------------------------------ runs and outputs
def run_mixed(tmp_path, url, *extra, name="r.json", paths=(MIXED,)):
    rc, out, err, data = run_json("run", "--smtp", url, "--timeout", "3", *extra,
                                  *map(str, paths), json_path=tmp_path / name)
    assert data is not None, f"no JSON (rc {rc})\n{out}\n{err}"
    return rc, out, err, data


def verdicts(data):
    return {sid: r["verdict"] for sid, r in by_id(data).items()}


def test_mixed_verdicts_lines_and_summary(tmp_path, fake_smtp):
    srv = fake_smtp(smtp_ok())
    rc, out, err, data = run_mixed(tmp_path, srv.url)
    assert verdicts(data) == MIXED_VERDICTS, out
    assert rc == 1, "a failed MUST fails the run"
    for sid, v in MIXED_VERDICTS.items():
        assert re.search(rf"^{v}\s+{re.escape(sid)} \(\d+ ms\)$", out, re.M), \
            f"no '{v} {sid} (N ms)' line in:\n{out}"
    last = check_output_shape(out)
    m = re.match(r"^(\d+) passed, (\d+) failed, (\d+) skipped", last)
    s = data["summary"]
    assert int(m.group(1)) == s["pass"], last
    assert int(m.group(3)) == s["unsupported"] + s["skip"], last
    assert int(m.group(2)) >= s["fail"], last


def test_results_json_schema(tmp_path, fake_smtp):
    srv = fake_smtp(smtp_ok())
    rc, out, err, data = run_mixed(tmp_path, srv.url)
    assert data["schema"] == "mailspec-results/1"
    for k in ("tool", "target", "started", "duration_ms", "summary", "results"):
        assert k in data, k
    assert data["tool"].get("name") == "mailspec", data["tool"]
    assert re.match(r"\d+\.\d+", str(data["tool"].get("version", ""))), data["tool"]
    assert str(srv.port) in str(data["target"]), data["target"]
    s = data["summary"]
    assert set(s) >= {"total", *VERDICTS}, s
    assert s["total"] == len(data["results"]) == len(MIXED_VERDICTS)
    for v in VERDICTS:
        assert s[v] == sum(r["verdict"] == v for r in data["results"]), (v, s)
    for r in data["results"]:
        for k in ("id", "title", "protocols", "rfc", "section", "level", "tags", "verdict",
                  "duration_ms", "message", "file", "line", "transcript"):
            assert k in r, (r["id"], k)
        assert r["protocols"] == ["smtp"], r
        assert isinstance(r["rfc"], int) and isinstance(r["section"], str)
        assert r["level"] in ("MUST", "SHOULD", "MAY")
        assert isinstance(r["tags"], list)
    rec = by_id(data)["test.mixed.unknown-command"]
    assert Path(rec["file"]).name == "test.mixed.unknown-command.yaml"
    assert rec["line"] == 12, rec  # the `- expect: {code: [500, 502]}` step
    assert "500" in rec["message"] and "250" in rec["message"], rec["message"]


def test_parallel_same_verdicts(tmp_path, fake_smtp):
    srv = fake_smtp(smtp_ok())
    rc1, out1, _, d1 = run_mixed(tmp_path, srv.url, "-j", "1", name="j1.json")
    rc4, out4, _, d4 = run_mixed(tmp_path, srv.url, "-j", "4", name="j4.json")
    assert verdicts(d1) == verdicts(d4) == MIXED_VERDICTS, (out1, out4)
    assert rc1 == rc4 == 1
    assert [r["id"] for r in d1["results"]] == [r["id"] for r in d4["results"]], \
        "results come in scenario order whatever -j is"


def test_junit(tmp_path, fake_smtp):
    srv = fake_smtp(smtp_ok())
    junit = tmp_path / "junit.xml"
    rc, out, err, data = run_mixed(tmp_path, srv.url, "--junit", str(junit))
    assert junit.exists(), out + err
    r = subprocess.run(["xmllint", "--noout", str(junit)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    root = ET.parse(junit).getroot()
    cases = list(root.iter("testcase"))
    assert len(cases) == len(MIXED_VERDICTS), [c.get("name") for c in cases]
    names = " ".join((c.get("name") or "") + " " + (c.get("classname") or "") for c in cases)
    for sid in MIXED_VERDICTS:
        assert sid in names, sid
    failing = [c for c in cases if c.find("failure") is not None or c.find("error") is not None]
    assert any("test.mixed.unknown-command" in (c.get("name") or "") + (c.get("classname") or "")
               for c in failing), "the failed scenario has no <failure>"


# ------------------------------------------------------------ known failures
def test_known_failing(tmp_path, fake_smtp):
    srv = fake_smtp(smtp_ok())
    paths = (MIXED / "test.mixed.unknown-command.yaml", MIXED / "test.mixed.ehlo.yaml")
    kf = tmp_path / "known"
    kf.write_text("test.mixed.unknown-command\n")
    rc, out, err, data = run_mixed(tmp_path, srv.url, "--known-failing", str(kf), paths=paths)
    assert verdicts(data) == {"test.mixed.unknown-command": "xfail", "test.mixed.ehlo": "pass"}
    assert rc == 0, out
    rc, out, err, data = run_mixed(tmp_path, srv.url, "--known-failing", str(kf), "--strict",
                                   paths=paths, name="s.json")
    assert rc == 0, "an xfail alone passes even under --strict\n" + out

    kf.write_text("test.mixed.unknown-command\ntest.mixed.ehlo\n")
    rc, out, err, data = run_mixed(tmp_path, srv.url, "--known-failing", str(kf), paths=paths,
                                   name="x.json")
    assert verdicts(data) == {"test.mixed.unknown-command": "xfail", "test.mixed.ehlo": "xpass"}
    assert data["summary"]["xfail"] == 1 and data["summary"]["xpass"] == 1
    assert rc == 0, "xpass does not fail the run without --strict\n" + out
    check_output_shape(out)
    rc, out, err, data = run_mixed(tmp_path, srv.url, "--known-failing", str(kf), "--strict",
                                   paths=paths, name="xs.json")
    assert rc == 1, "xpass fails the run under --strict\n" + out


def test_known_failing_missing_file(tmp_path, fake_smtp, run_mailspec):
    srv = fake_smtp(smtp_ok())
    rc, out, err = run_mailspec("run", "--smtp", srv.url, "--known-failing",
                                str(tmp_path / "nope"), str(MIXED))
    assert rc in (2, 4), f"a missing --known-failing file must not be ignored (rc {rc})"


def test_trace_prints_passing_transcripts(tmp_path, fake_smtp, run_mailspec):
    srv = fake_smtp(smtp_ok())
    path = str(MIXED / "test.mixed.ehlo.yaml")
    rc, out, err = run_mailspec("run", "--smtp", srv.url, path)
    assert rc == 0 and "EHLO mailspec.example" not in out, out
    rc, out, err = run_mailspec("run", "--smtp", srv.url, "--trace", path)
    assert rc == 0
    assert "EHLO mailspec.example" in out and "220 fake.example ESMTP ready" in out, out
    check_output_shape(out)
