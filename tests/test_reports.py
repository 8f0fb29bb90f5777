"""End-to-end tests of the report formats (reports/README.md): real runs of
`mailspec run` against the bundled reference server and against a bad SMTP
server written here (every verdict, hostile bytes, a 100 KB reply), then

- JUnit XML against tests/junit.xsd with xmllint, and its verdict mapping;
- TAP version 14 structure and its YAML blocks;
- results JSON and matrix JSON against their JSON Schemas (draft 2020-12);
- Markdown: content, and the 1 MiB cap with its overflow line;
- `mailspec report`: the round trip of one file, the matrix of two, errors;
- the HTML in headless Chromium: no console errors, filters preset from the
  URL fragment hide what they should, screenshots under build/.
"""

import concurrent.futures
import json
import os
import re
import shutil
import socketserver
import subprocess
import tempfile
import threading
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import ROOT, SCENARIOS, VERDICTS, ScenarioWriter, run_bounded, run_mailspec

RESULTS_SCHEMA = ROOT / "reports" / "mailspec-results.schema.json"
MATRIX_SCHEMA = ROOT / "reports" / "mailspec-matrix.schema.json"
JUNIT_XSD = ROOT / "tests" / "junit.xsd"
SCREENSHOTS = ROOT / "build"
MIB = 1024 * 1024
CHROMIUM = shutil.which("chromium")
HOSTILE_GREETING = b"220 bad.example ESMTP <script>alert(1)</script> `x` |y|\r\n"
BIG_REPLY = b"".join(b"250-" + b"x" * 1996 + b"\r\n" for _ in range(49)) + b"250 end\r\n"


# ------------------------------------------------------------ the bad server
class _BadHandler(socketserver.StreamRequestHandler):
    """Greets with markup, answers EHLO with two keywords, BIG with a 100 KB
    reply, QUIT with 221, NOOP by closing, and 554 to everything else."""

    timeout = 10

    def handle(self):
        self.wfile.write(HOSTILE_GREETING)
        for _ in range(500):
            line = self.rfile.readline(4096)
            if not line:
                return
            verb = line.strip().split(b" ")[0].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250-bad.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
            elif verb == b"BIG":
                self.wfile.write(BIG_REPLY)
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            elif verb == b"NOOP":
                return
            else:
                self.wfile.write(b"554 5.0.0 no <b>&amp;</b> \xff\r\n")


class _BadServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


@pytest.fixture(scope="module")
def bad_server():
    srv = _BadServer(("127.0.0.1", 0), _BadHandler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"smtp://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()
    t.join(5)


# ------------------------------------------------------------------ the runs
def _extra_scenarios(root):
    """Scenarios for the bad server: a harness error, a known failure, a
    known failure that passes, and 120 replies of 100 KB (for the cap)."""
    w = ScenarioWriter(root / "extra")
    w.scenario("t.err.undefined-var", '- send: "EHLO ${nosuchvar}"\n- expect: {code: 250}')
    w.scenario("t.known.fails", '- expect: {code: 220}\n- send: "HELLO"\n- expect: {code: 250}')
    w.scenario("t.known.passes", '- expect: {code: 220}\n- send: "QUIT"\n- expect: {code: 221}')
    big = ScenarioWriter(root / "big")
    for i in range(200):
        big.scenario(f"t.big.r{i:03d}", '- expect: {code: 220}\n- send: "BIG"\n- expect: {code: 550}')
    known = root / "known-failing.txt"
    known.write_text("t.known.fails\nt.known.passes\n")
    return w.dir, big.dir, known


def _outputs(d, stem):
    return {
        "json": d / f"{stem}.json", "junit": d / f"{stem}.xml", "tap": d / f"{stem}.tap",
        "markdown": d / f"{stem}.md", "html": d / f"{stem}.html",
    }


def _run(d, stem, *args):
    out = _outputs(d, stem)
    flags = []
    for k, p in out.items():
        flags += [f"--{k}", str(p)]
    rc, stdout, err = run_mailspec("run", *flags, *args, timeout=120)
    missing = [str(p) for p in out.values() if not p.exists()]
    assert not missing, f"rc={rc}, not written: {missing}\n{stdout[-2000:]}\n{err[-2000:]}"
    return rc, out


@pytest.fixture(scope="module")
def runs(tmp_path_factory, bad_server):
    d = tmp_path_factory.mktemp("reports")
    extra, big, known = _extra_scenarios(d)
    jobs = {
        "ref": ("ref", str(SCENARIOS / "smtp")),
        "bad": ("bad", "--smtp", bad_server, "--name", "bad <b>server</b>", "--known-failing",
                str(known), str(SCENARIOS / "smtp"), str(extra)),
        "big": ("big", "--smtp", bad_server, "--name", "big", "--timeout", "0.5", "-j", "16",
                str(big)),
    }
    with concurrent.futures.ThreadPoolExecutor(3) as ex:
        futs = {k: ex.submit(_run, d, *v) for k, v in jobs.items()}
        res = {k: f.result() for k, f in futs.items()}
    assert res["ref"][0] == 0, "the reference server must pass its own suite"
    assert res["bad"][0] in (1, 2, 3)
    big = _load(res["big"][1]["json"])["results"]
    assert res["big"][0] == 1, [r["message"] for r in big if r["verdict"] != "fail"][:3]
    out = {k: v[1] for k, v in res.items()}
    out["dir"] = d
    return out


def _load(p):
    return json.loads(Path(p).read_text(encoding="utf-8"))


# ------------------------------------------------------ JSON Schema checking
class MiniValidator:
    """The JSON Schema (2020-12) keywords our schemas use: type, enum, const,
    required, properties, additionalProperties, items, minimum, minLength,
    minItems, pattern, $ref to #/$defs/...; errors as 'path: problem'."""

    TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}

    def __init__(self, schema):
        self.root = schema

    def _is_type(self, v, t):
        if t == "integer":
            return isinstance(v, int) and not isinstance(v, bool)
        if t == "number":
            return isinstance(v, (int, float)) and not isinstance(v, bool)
        return isinstance(v, self.TYPES[t])

    def errors(self, v, s=None, path="$"):
        s = self.root if s is None else s
        if "$ref" in s:
            s = self.root["$defs"][s["$ref"].split("/")[-1]]
        types = s.get("type")
        if types is not None:
            types = types if isinstance(types, list) else [types]
            if not any(self._is_type(v, t) for t in types):
                return [f"{path}: {v!r:.60} is not of type {types}"]
        out = []
        if "const" in s and v != s["const"]:
            out.append(f"{path}: {v!r:.60} != {s['const']!r}")
        if "enum" in s and v not in s["enum"]:
            out.append(f"{path}: {v!r:.60} not in {s['enum']}")
        if isinstance(v, str):
            if len(v) < s.get("minLength", 0):
                out.append(f"{path}: too short")
            if "pattern" in s and not re.search(s["pattern"], v):
                out.append(f"{path}: {v!r:.60} does not match {s['pattern']}")
        if isinstance(v, (int, float)) and not isinstance(v, bool) and "minimum" in s \
                and v < s["minimum"]:
            out.append(f"{path}: {v} < {s['minimum']}")
        if isinstance(v, dict):
            out += [f"{path}: missing {k}" for k in s.get("required", []) if k not in v]
            props, extra = s.get("properties", {}), s.get("additionalProperties", True)
            for k, item in v.items():
                if k in props:
                    out += self.errors(item, props[k], f"{path}.{k}")
                elif extra is False:
                    out.append(f"{path}: unexpected member {k}")
                elif isinstance(extra, dict):
                    out += self.errors(item, extra, f"{path}.{k}")
        if isinstance(v, list):
            if len(v) < s.get("minItems", 0):
                out.append(f"{path}: fewer than {s['minItems']} items")
            if "items" in s:
                for i, item in enumerate(v):
                    out += self.errors(item, s["items"], f"{path}[{i}]")
        return out


def check_schema(doc, schema_path):
    schema = _load(schema_path)
    errs = MiniValidator(schema).errors(doc)
    assert not errs, f"{schema_path.name}: {errs[:10]}"
    try:
        import jsonschema  # Debian's python3-jsonschema, when installed
    except ImportError:
        return
    jsonschema.Draft202012Validator.check_schema(schema)
    errs = [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(doc)]
    assert not errs, f"{schema_path.name} (jsonschema): {errs[:10]}"


def test_json_matches_schema(runs):
    for name in ("ref", "bad", "big"):
        doc = _load(runs[name]["json"])
        check_schema(doc, RESULTS_SCHEMA)
        counts = {v: 0 for v in VERDICTS}
        for r in doc["results"]:
            counts[r["verdict"]] += 1
        assert doc["summary"] == {"total": len(doc["results"]), **counts}
    bad = _load(runs["bad"]["json"])
    assert {r["verdict"] for r in bad["results"]} == set(VERDICTS), \
        "the bad run should give every verdict"
    assert bad["target"]["name"] == "bad <b>server</b>"


def test_schema_rejects_wrong_documents(runs):
    doc = _load(runs["bad"]["json"])
    v = MiniValidator(_load(RESULTS_SCHEMA))
    for mutate in (lambda d: d.update(schema="mailspec-results/2"),
                   lambda d: d["results"][0].update(verdict="great"),
                   lambda d: d["results"][0]["transcript"].append({"conn": "m", "dir": "recv",
                                                                    "t_ms": 1, "data": "\r"}),
                   lambda d: d["results"][0].pop("level"),
                   lambda d: d["summary"].update(extra=1)):
        d = json.loads(json.dumps(doc))
        mutate(d)
        assert v.errors(d), "the schema accepted a wrong document"


# ------------------------------------------------------------------- JUnit
def _xmllint_schema(path):
    rc, out, err = run_bounded(["xmllint", "--noout", "--schema", JUNIT_XSD, path], timeout=60)
    return rc, err


def test_junit_validates_against_xsd(runs):
    for name in ("ref", "bad", "big"):
        rc, err = _xmllint_schema(runs[name]["junit"])
        assert rc == 0, f"{name}: {err}"


def test_junit_xsd_is_not_vacuous(runs, tmp_path):
    text = runs["bad"]["junit"].read_text(encoding="utf-8")
    first = re.search(r'<testcase name="([^"]+)"', text).group(1)
    second = re.findall(r'<testcase name="([^"]+)"', text)[1]
    for i, broken in enumerate([
        text.replace(f'name="{second}"', f'name="{first}"', 1),      # duplicate name
        re.sub(r' classname="[^"]*"', "", text, count=1),            # no classname
        text.replace('classname="smtp.rfc', 'classname="smtp.4.rfc', 1),
    ]):
        p = tmp_path / f"broken{i}.xml"
        p.write_text(broken, encoding="utf-8")
        assert _xmllint_schema(p)[0] != 0, f"case {i} validated"


def test_junit_maps_verdicts(runs):
    results = {r["id"]: r for r in _load(runs["bad"]["json"])["results"]}
    root = ET.parse(runs["bad"]["junit"]).getroot()
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(results) == int(root.get("tests"))
    for tc in cases:
        r = results[tc.get("name")]
        section = re.sub(r"[^A-Za-z0-9_-]", "_", r["section"] or "")
        rfc = f"rfc{r['rfc']}" if r["rfc"] else "no_rfc"
        assert tc.get("classname") == f"{r['protocols'][0]}.{rfc}.s{section}"
        kids = [k.tag for k in tc]
        v = r["verdict"]
        if v in ("fail", "xpass"):
            assert kids[0] == "failure" and tc.find("failure").get("type") == r["level"]
        elif v == "error":
            assert kids[0] == "error"
        elif v in ("unsupported", "skip"):
            assert kids == ["skipped"] and tc.find("skipped").get("message").startswith(v)
        elif v in ("non_strict", "xfail"):
            assert kids == ["system-out"] and tc.find("system-out").text.startswith(v)
        else:
            assert kids == []
    suite = root.find("testsuite")
    assert int(suite.get("failures")) == sum(r["verdict"] in ("fail", "xpass") for r in results.values())
    assert int(suite.get("skipped")) == sum(r["verdict"] in ("unsupported", "skip")
                                           for r in results.values())


# --------------------------------------------------------------------- TAP
def parse_tap(text):
    """TAP 14: (plan, [(ok, number, description, directive, yaml_text)])."""
    lines = text.split("\n")
    assert lines[0] == "TAP version 14"
    m = re.fullmatch(r"1\.\.(\d+)", lines[1])
    assert m, f"no plan: {lines[1]!r}"
    points, i = [], 2
    while i < len(lines):
        line = lines[i]
        i += 1
        if line == "" or line.startswith("#"):
            continue
        p = re.fullmatch(r"(not ok|ok) (\d+) - ((?:[^#\\]|\\.)*?)(?: # (SKIP|TODO)\b(.*))?", line)
        assert p, f"not a test point: {line!r}"
        block = None
        if i < len(lines) and lines[i] == "  ---":
            end = lines.index("  ...", i)
            assert all(l.startswith("  ") for l in lines[i + 1:end])
            block = "\n".join(l[2:] for l in lines[i + 1:end])
            i = end + 1
        points.append((p.group(1) == "ok", int(p.group(2)), p.group(3), p.group(4), block))
    return int(m.group(1)), points


def test_tap14_structure(runs):
    try:
        import yaml
    except ImportError:
        yaml = None
    for name in ("ref", "bad"):
        doc = _load(runs[name]["json"])["results"]
        plan, points = parse_tap(runs[name]["tap"].read_text(encoding="utf-8"))
        assert plan == len(points) == len(doc)
        for (ok, n, desc, directive, block), (i, r) in zip(points, enumerate(doc, 1)):
            v = r["verdict"]
            assert n == i and desc.startswith(r["id"])
            assert ok == (v in ("pass", "non_strict", "unsupported", "skip"))
            assert (directive == "SKIP") == (v in ("unsupported", "skip"))
            assert (directive == "TODO") == (v == "xfail")
            assert (block is not None) == (v in ("fail", "xpass", "error", "non_strict")), r["id"]
            if block is not None and yaml is not None:
                data = yaml.safe_load(block)
                assert data["verdict"] == v and data["level"] == r["level"]
                assert data.get("message") == r["message"] or "\\x" in (r["message"] or "")


# ---------------------------------------------------------------- Markdown
def _outside_fences(md):
    return re.sub(r"(?ms)^(`{3,})text\n.*?^\1\n", "", md)


def test_markdown_summary(runs):
    ref = runs["ref"]["markdown"].read_text(encoding="utf-8")
    assert ref.startswith("## \u2705 mailspec: Conformant")
    assert "### By protocol and level" in ref and "### By RFC section" in ref
    assert "No failures." in ref
    bad = runs["bad"]["markdown"].read_text(encoding="utf-8")
    assert bad.startswith("## \u274c mailspec: Not conformant \u2014 bad \\<b\\>server\\</b\\>")
    assert re.search(r"^#### \u274c FAIL smtp\.", bad, re.M)
    assert "expected: " in bad and "actual: " in bad
    assert "<script" not in _outside_fences(bad)
    assert len(bad.encode()) < MIB


def test_markdown_capped_under_1mib(runs):
    data = runs["big"]["markdown"].read_bytes()
    assert len(data) < MIB
    text = data.decode("utf-8")
    assert 20 < text.count("#### \u274c FAIL t.big.r") < 200
    last = text.rstrip("\n").split("\n")[-1]
    assert "**Truncated:**" in last and "not shown" in last
    assert len(runs["big"]["json"].read_bytes()) > 10 * MIB  # the cap did something


# ------------------------------------------------------ mailspec report
def test_report_single_file_round_trip(runs, tmp_path):
    ref = runs["ref"]
    out = {k: tmp_path / f"again.{k}" for k in ("json", "tap", "junit", "markdown")}
    args = [a for k, p in out.items() for a in (f"--{k}", str(p))]
    rc, stdout, err = run_mailspec("report", *args, str(ref["json"]))
    assert rc == 0, err
    assert out["json"].read_bytes() == ref["json"].read_bytes()
    assert out["tap"].read_bytes() == ref["tap"].read_bytes()
    assert out["junit"].read_bytes() == ref["junit"].read_bytes()
    assert out["markdown"].read_bytes() == ref["markdown"].read_bytes()


def test_report_merges_targets(runs):
    d = runs["dir"]
    m = {k: d / f"matrix.{k}" for k in ("html", "markdown", "json")}
    rc, stdout, err = run_mailspec("report", "--html", m["html"], "--markdown", m["markdown"],
                                   "--json", m["json"], runs["ref"]["json"], runs["bad"]["json"])
    assert rc == 0, err
    doc = _load(m["json"])
    check_schema(doc, MATRIX_SCHEMA)
    ref = {r["id"]: r["verdict"] for r in _load(runs["ref"]["json"])["results"]}
    bad = {r["id"]: r["verdict"] for r in _load(runs["bad"]["json"])["results"]}
    assert [t["label"] for t in doc["targets"]] == ["mailspec-server (bundled)", "bad <b>server</b>"]
    assert {s["id"] for s in doc["scenarios"]} == set(ref) | set(bad)
    for s in doc["scenarios"]:
        want = [ref.get(s["id"]), bad.get(s["id"])]
        assert s["verdicts"] == want
        assert s["differs"] == (want[0] != want[1])
    ndiff = sum(s["differs"] for s in doc["scenarios"])
    assert 0 < ndiff < len(doc["scenarios"]) and doc["summary"]["differ"] == ndiff
    assert f"{ndiff} where the targets differ" in stdout
    html = m["html"].read_text(encoding="utf-8")
    assert html.count('data-differs="1"') == ndiff
    assert html.count("<script") == 1
    md = m["markdown"].read_text(encoding="utf-8")
    assert f"### Differences ({ndiff})" in md and len(md.encode()) < MIB


def test_report_errors(runs, tmp_path):
    good = str(runs["ref"]["json"])
    v2 = tmp_path / "v2.json"
    v2.write_text(json.dumps({"schema": "mailspec-results/2", "results": []}))
    rc, _, err = run_mailspec("report", "--html", tmp_path / "x.html", good, v2)
    assert rc == 2 and 'unsupported schema version "mailspec-results/2"' in err and str(v2) in err
    notjson = tmp_path / "n.json"
    notjson.write_text("{\n  nope\n}")
    rc, _, err = run_mailspec("report", "--json", tmp_path / "x.json", notjson)
    assert rc == 2 and "not valid JSON" in err and "line 2" in err
    rc, _, err = run_mailspec("report", "--html", tmp_path / "x.html", tmp_path / "missing.json")
    assert rc == 2 and "No such file" in err
    assert run_mailspec("report", good)[0] == 4                       # nothing to write
    assert run_mailspec("report", "--html", tmp_path / "x.html")[0] == 4  # no input
    assert run_mailspec("report", "--tap", tmp_path / "t", good, good)[0] == 4
    assert run_mailspec("report", "--bogus", "x", good)[0] == 4
    rc, _, err = run_mailspec("report", "--html", "/nonexistent-dir/x.html", good)
    assert rc == 3 and "cannot write" in err
    assert not (tmp_path / "x.html").exists()


def test_make_run_writes_the_reports():
    text = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", text, re.M).group(1)
    for name in ("index.html", "results.json", "junit.xml"):
        assert f"$(BUILD)/report/{name}" in recipe


# ------------------------------------------------------- HTML in Chromium
class _DomScan(HTMLParser):
    """Elements carrying data-verdict, with whether they are hidden."""

    def __init__(self):
        super().__init__()
        self.items, self.ready = [], False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.ready = a.get("data-ready") == "1"
        if "data-verdict" in a:
            self.items.append((a, "hidden" in a))


def _chromium(url, tmp, *extra):
    """Run headless Chromium; (stdout, stderr)."""
    prof = tempfile.mkdtemp(dir=tmp)
    argv = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", f"--user-data-dir={prof}", "--enable-logging=stderr", "--v=0",
            *extra, url]
    p = subprocess.run(argv, capture_output=True, timeout=90, text=True, errors="replace")
    return p.stdout, p.stderr


def _console_errors(stderr):
    return [l for l in stderr.splitlines()
            if ("CONSOLE" in l or "Uncaught" in l or "Content Security Policy" in l
                or "Refused to" in l)]


def _dom(url, tmp):
    out, err = _chromium(url, tmp, "--dump-dom")
    assert not _console_errors(err), _console_errors(err)
    scan = _DomScan()
    scan.feed(out)
    assert scan.ready, "the page's script did not finish (no data-ready on <html>)"
    assert scan.items, "no filterable elements in the DOM"
    return scan.items


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_html_in_headless_chromium(runs, tmp_path):
    bad = runs["bad"]["html"].resolve().as_uri()
    matrix = runs["dir"] / "matrix.html"
    if not matrix.exists():
        rc, _, err = run_mailspec("report", "--html", matrix, runs["ref"]["json"], runs["bad"]["json"])
        assert rc == 0, err
    mat = matrix.resolve().as_uri()
    SCREENSHOTS.mkdir(exist_ok=True)
    shots = {SCREENSHOTS / "report-screenshot.png": bad,
             SCREENSHOTS / "report-matrix-screenshot.png": mat}
    jobs = {
        "all": bad, "fail": bad + "#verdict=fail", "should": bad + "#level=SHOULD&protocol=smtp",
        "section": bad + "#rfc=5321&section=4.1.4", "q": bad + "#q=PIPELINING",
        "differs": mat + "#differs=1",
    }
    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        doms = {k: ex.submit(_dom, u, tmp_path) for k, u in jobs.items()}
        shot_runs = [ex.submit(_chromium, u, tmp_path, f"--screenshot={p}", "--hide-scrollbars",
                               "--window-size=1280,2000") for p, u in shots.items()]
        doms = {k: f.result() for k, f in doms.items()}
        for f in shot_runs:
            assert not _console_errors(f.result()[1])
    results = _load(runs["bad"]["json"])["results"]
    assert len(doms["all"]) == len(results) and not any(h for _, h in doms["all"])

    def visible(k):
        return [a for a, hidden in doms[k] if not hidden]

    assert visible("fail") and all(a["data-verdict"] == "fail" for a in visible("fail"))
    assert len(visible("fail")) == sum(r["verdict"] == "fail" for r in results)
    assert {a["data-level"] for a in visible("should")} == {"SHOULD"}
    assert len(visible("should")) == sum(r["level"] == "SHOULD" for r in results)
    assert {(a["data-rfc"], a["data-section"]) for a in visible("section")} == {("5321", "4.1.4")}
    assert 0 < len(visible("q")) < len(results)
    assert visible("differs") and all("data-differs" in a for a in visible("differs"))
    assert len(visible("differs")) < len(doms["differs"])
    for p in shots:
        data = p.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20000, p
