"""The MIME scenarios (scenarios/mime/): every fixture delivered by SMTP and
read back by IMAP and POP3 from the bundled reference server, and the
engine's fixture machinery (scenarios/FORMAT.md "Fixtures") shown able to
fail: a wrong octet, a wrong written structure (mailspec's own reading
disagrees: an error, not a verdict on the server), a missing fixture."""

import re
import shutil

import pytest

from conftest import ROOT, by_id, check_sanitizers, run_json, run_mailspec

MIME = ROOT / "scenarios" / "mime"
FIXTURES = ROOT / "scenarios" / "fixtures"


def test_every_fixture_has_a_scenario():
    fixtures = {p.name for p in FIXTURES.glob("*.eml")}
    used = set()
    for y in MIME.glob("*.yaml"):
        m = re.search(r"^fixture: (\S+)$", y.read_text(), re.M)
        assert m, f"{y.name} names no fixture"
        used.add(m.group(1))
    assert fixtures == used
    assert len(fixtures) >= 40


def test_reference_server_passes_every_mime_scenario(tmp_path):
    rc, out, err, data = run_json("run", "-j", "2", str(MIME), json_path=tmp_path / "r.json",
                                  timeout=300)
    check_sanitizers("mailspec run scenarios/mime", err)
    verdicts = {r["id"]: r["verdict"] for r in data["results"]}
    assert len(verdicts) == len(list(MIME.glob("*.yaml")))
    bad = {k: v for k, v in verdicts.items() if v != "pass"}
    assert not bad, out[-4000:]
    assert rc == 0


def _library(tmp_path, name, text):
    """A scenario folder beside copies of the preludes and fixtures."""
    lib = tmp_path / "lib"
    lib.mkdir(exist_ok=True)
    for d in ("preludes", "fixtures"):
        if not (lib / d).exists():
            shutil.copytree(ROOT / "scenarios" / d, lib / d)
    (lib / name).write_text(text)
    return lib / name


def _mutate(tmp_path, src, new_id, old, new):
    text = (MIME / src).read_text()
    assert old in text, (src, old)
    text = text.replace(old, new, 1)
    text = re.sub(r"^id: \S+", f"id: {new_id}", text, count=1, flags=re.M)
    return _library(tmp_path, new_id + ".yaml", text)


def _run_mutated(tmp_path, src, sid, old, new):
    """Run a mutated copy of a MIME scenario on the bundled server:
    (exit code, output, its result record)."""
    path = _mutate(tmp_path, src, sid, old, new)
    rc, out, err, data = run_json("run", str(path), json_path=tmp_path / "r.json", timeout=120)
    check_sanitizers("mailspec run", err)
    return rc, out, by_id(data)[sid]


@pytest.mark.parametrize("src,old,new,verdict,wants", [
    # a wrong octet fails and says where
    ("mime.plain-7bit.yaml", '"BODY[1]": {fixture: true}',
     '"BODY[1]": "This fixture was written for X"', "fail",
     ["BODY[1]: expected 30 octets, got 110; they differ from octet 29"]),
    # 110 octets is right; 111 disagrees with mailspec's own reading of the
    # fixture, so the server cannot be judged: error, naming both readings
    ("mime.plain-7bit.yaml", '"7BIT" 110 3', '"7BIT" 111 3', "error",
     ["mailspec reads fixture plain-7bit.eml differently from the scenario",
      "size in octets: expected 111, got 110"]),
    # the part and the field are named
    ("mime.multipart-alternative.yaml", '"HTML" ("CHARSET" "utf-8")',
     '"HTML" ("CHARSET" "utf-8" "FORMAT" "x")', "error",
     ["BODYSTRUCTURE of part 2: parameters"]),
], ids=["octet", "written-structure", "part-and-field"])
def test_mutated_scenario_cannot_pass(tmp_path, src, old, new, verdict, wants):
    rc, out, r = _run_mutated(tmp_path, src, "t.mutated", old, new)
    assert r["verdict"] == verdict, out
    for want in wants:
        assert want in r["message"], r["message"]
    assert rc != 0


def test_fixture_errors_are_load_errors(tmp_path):
    path = _mutate(tmp_path, "mime.plain-7bit.yaml", "t.missing",
                   "fixture: plain-7bit.eml", "fixture: no-such.eml")
    rc, out, err = run_mailspec("check", str(path))
    assert rc == 2
    assert re.search(r"t\.missing\.yaml:\d+:\d+: error: fixture 'no-such\.eml': no fixtures/ "
                     r"folder beside or above the scenario has it", err), err
    path = _mutate(tmp_path, "mime.plain-7bit.yaml", "t.slash",
                   "fixture: plain-7bit.eml", "fixture: ../etc/passwd")
    rc, out, err = run_mailspec("check", str(path))
    assert rc == 2 and "without '/'" in err, err
    text = (MIME / "mime.plain-7bit.yaml").read_text()
    text = re.sub(r"^fixture: .*\n", "", text, flags=re.M).replace("id: mime.plain-7bit",
                                                                    "id: t.nofix")
    path = _library(tmp_path, "t.nofix.yaml", text)
    rc, out, err = run_mailspec("check", str(path))
    assert rc == 2 and "{fixture: true} needs a top-level fixture: NAME.eml" in err, err
    path = _mutate(tmp_path, "mime.plain-7bit.yaml", "t.item",
                   '"BODY[1]": {fixture: true}', '"FLAGS": {fixture: true}')
    rc, out, err = run_mailspec("check", str(path))
    assert rc == 2 and "'FLAGS' is not BODYSTRUCTURE" in err, err
    path = _mutate(tmp_path, "mime.plain-7bit.yaml", "t.syntax",
                   '"7BIT" 110 3', '"7BIT" (110 3')
    rc, out, err = run_mailspec("check", str(path))
    assert rc == 2 and "BODYSTRUCTURE: not IMAP data" in err, err


# ------------------------------------------- the comparison, against a fake
# A scripted IMAP server answers one FETCH with a chosen BODYSTRUCTURE or
# ENVELOPE; the scenario compares it with mailspec's reading of a fixture.

FETCH_SCENARIO = """\
id: t.fetch
title: fetch compared with a fixture
protocol: imap
rfc: 9051
section: "7.5.2"
level: MUST
requirement: The server computes the body structure.
fixture: {fixture}
connections:
  imap: {{endpoint: imap}}
steps:
  - expect: {{greeting: OK}}
  - send: "FETCH 1 ({item})"
  - expect: {{tagged: OK, fetch: {{{item}: {{fixture: true}}}}}}
"""


def _fetch_verdict(tmp_path, fake_smtp, fixture, item, value):
    script = [
        ("send", b"* OK fake IMAP ready\r\n"),
        ("expect", b"A001 FETCH 1"),
        ("send", b"* 1 FETCH (" + item.encode() + b" " + value + b")\r\nA001 OK done\r\n"),
        ("sleep", 1.0),
    ]
    srv = fake_smtp(script=script)
    path = _library(tmp_path, "t.fetch.yaml", FETCH_SCENARIO.format(fixture=fixture, item=item))
    url = srv.url.replace("smtp://", "imap://")
    rc, out, err, data = run_json("run", "--imap", url, "--timeout", "5", str(path),
                                  json_path=tmp_path / "r.json", timeout=60)
    check_sanitizers("mailspec run", err)
    r = by_id(data)["t.fetch"]
    return r["verdict"], r.get("message") or ""


ALT_PART2 = b'("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 58 1 NIL NIL NIL NIL)'


def test_fetch_exact_and_tolerated_forms_pass(tmp_path, fake_smtp):
    cases = [
        # mailspec's own text
        ("plain-7bit.eml", "BODYSTRUCTURE",
         b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 110 3 NIL NIL NIL NIL)'),
        # lower case, charset value case, a literal, no extension data
        ("plain-7bit.eml", "BODYSTRUCTURE",
         b'("text" "plain" ("charset" "US-ASCII") NIL NIL {4}\r\n7bit 110 3)'),
        # a defaulted charset left out (RFC 2045 5.2)
        ("envelope-groups.eml", "BODYSTRUCTURE", b'("TEXT" "PLAIN" NIL NIL NIL "7BIT" 97 2)'),
        # a last line without its own CRLF not counted (0 instead of 1)
        ("multipart-alternative.eml", "BODYSTRUCTURE",
         b'(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 18 0)' + ALT_PART2
         + b' "ALTERNATIVE" ("BOUNDARY" "alt42"))'),
        # white space of unfolding, host case
        ("plain-7bit.eml", "ENVELOPE",
         b'("Tue,  14 May 2024 09:30:00 +0200" "Plain 7bit  text" (("Alice Example" NIL "alice"'
         b' "MAILSPEC.example")) (("Alice Example" NIL "alice" "mailspec.example")) (("Alice '
         b'Example" NIL "alice" "mailspec.example")) (("Bob Example" NIL "bob" '
         b'"mailspec.example")) NIL NIL NIL "<plain-7bit@fixtures.mailspec.example>")'),
    ]
    for fixture, item, value in cases:
        verdict, msg = _fetch_verdict(tmp_path, fake_smtp, fixture, item, value)
        assert verdict == "pass", (fixture, value, msg)


def test_fetch_differences_fail_with_part_and_field(tmp_path, fake_smtp):
    cases = [
        # a counted last line must not go (the body ends with CRLF)
        ("plain-7bit.eml", "BODYSTRUCTURE",
         b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 110 2)',
         "BODYSTRUCTURE of part 1: size in lines: expected 3, got 2"),
        ("plain-7bit.eml", "BODYSTRUCTURE",
         b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 112 3)',
         "size in octets: expected 110, got 112"),
        ("multipart-alternative.eml", "BODYSTRUCTURE",
         b'(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "BASE64" 18 1)' + ALT_PART2
         + b' "ALTERNATIVE")', "BODYSTRUCTURE of part 1: encoding"),
        ("multipart-alternative.eml", "BODYSTRUCTURE",
         b'(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 18 1) "ALTERNATIVE")',
         "expected a multipart of 2 parts, got 1"),
        # extension data given must be right: the boundary is case-sensitive
        ("multipart-alternative.eml", "BODYSTRUCTURE",
         b'(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 18 1)' + ALT_PART2
         + b' "ALTERNATIVE" ("BOUNDARY" "ALT42"))', "multipart parameters"),
        ("plain-7bit.eml", "ENVELOPE",
         b'("Tue, 14 May 2024 09:30:00 +0200" "Plain 7bit text" (("Alice Example" NIL "alice"'
         b' "mailspec.example")) NIL NIL (("Bob Example" NIL "bob" "mailspec.example")) NIL NIL'
         b' NIL "<plain-7bit@fixtures.mailspec.example>")', "ENVELOPE: envelope sender"),
        ("plain-7bit.eml", "BODYSTRUCTURE",
         b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 110 3 NIL ("INLINE" NIL))',
         "disposition: expected NIL, got (\"INLINE\" NIL)"),
    ]
    for fixture, item, value, want in cases:
        verdict, msg = _fetch_verdict(tmp_path, fake_smtp, fixture, item, value)
        assert verdict == "fail", (fixture, value, msg)
        assert want in msg, (want, msg)
