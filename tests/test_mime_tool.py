"""`mailspec mime FILE.eml` on scenarios/fixtures: the tree, the problems
found, the IMAP BODYSTRUCTURE, and a cross-check against Python's own email
package (stdlib): the same parts in the same order with the same media
types, and byte-for-byte the same decoded content (base64, quoted-printable
and identity encodings) for every leaf of the well-formed fixtures."""

import email
import email.policy
import json
import re
import subprocess

import pytest

from conftest import MAILSPEC, ROOT, check_sanitizers, run_mailspec, sanitizer_env

FIXTURES = ROOT / "scenarios" / "fixtures"
ALL = sorted(p.name for p in FIXTURES.glob("*.eml"))
WELL_FORMED = [n for n in ALL if not n.startswith("malformed-")]

# Problems each fixture must report (codes of `mailspec mime --json`);
# a fixture not listed must report none.
EXPECTED_PROBLEMS = {
    "malformed-missing-close-boundary.eml": {"unterminated-multipart"},
    "malformed-boundary-in-part.eml": {"boundary-in-part"},
    "malformed-bad-base64.eml": {"bad-base64"},
    "malformed-no-mime-version.eml": {"no-mime-version"},
    "malformed-deep-nesting.eml": {"too-deep"},
    "malformed-missing-boundary-param.eml": {"missing-boundary"},
    "malformed-bad-qp.eml": {"bad-qp"},
    "malformed-unknown-cte.eml": {"bad-cte"},
    "malformed-8bit-in-7bit.eml": {"8bit-body"},
    "malformed-duplicate-fields.eml": {"duplicate-field"},
    "malformed-long-line.eml": {"line-too-long"},
    "malformed-rfc822-base64.eml": {"bad-cte"},
    "malformed-header-garbage.eml": {"header-no-colon", "header-unterminated"},
    # RFC 6532 headers are 8-bit; the parser reports them, as RFC 5322 §2.2 asks
    "smtputf8-headers.eml": {"header-8bit"},
    "message-global.eml": {"header-8bit"},
    # koi8-r is not converted by mailspec (bytes kept, reported)
    "rfc2231-encoded.eml": {"param-charset"},
}

# Where Python's email package reads a fixture differently, and why.
PYTHON_DIFFERS = {
    # RFC 2045 §5.1 allows comments in Content-Type; email keeps "(a comment)"
    # in the type ("text/plain (a comment)")
    "content-type-syntax.eml",
}


def mime(*args, expect_rc=0):
    rc, out, err = run_mailspec("mime", *[str(a) for a in args])
    assert rc == expect_rc, f"exit {rc}\n{out}\n{err}"
    return out, err


def mime_json(name):
    out, _ = mime("--json", FIXTURES / name)
    return json.loads(out)


def mime_part_bytes(name, section, raw=False):
    """The decoded (or raw) bytes of one part, as bytes."""
    args = [str(MAILSPEC), "mime", "--part", section]
    if raw:
        args.append("--raw")
    proc = subprocess.run(args + [str(FIXTURES / name)], capture_output=True,
                          env=sanitizer_env(), timeout=60)
    check_sanitizers("mailspec mime --part", proc.stderr.decode(errors="replace"))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_corpus_size():
    assert len(ALL) >= 40
    for name in ALL:
        assert b"\n" not in (FIXTURES / name).read_bytes().replace(b"\r\n", b"") or \
            name in ("binary-attachment.eml",), f"{name}: a bare LF outside binary data"


@pytest.mark.parametrize("name", ALL)
def test_problems_reported(name):
    doc = mime_json(name)
    codes = {p["code"] for part in doc["parts"] for p in part["problems"]}
    assert codes == EXPECTED_PROBLEMS.get(name, set())
    assert doc["problem_count"] == sum(len(p["problems"]) for p in doc["parts"])
    assert doc["bodystructure"].startswith("(") and doc["bodystructure"].endswith(")")
    assert doc["envelope"].startswith("(") and doc["size"] == (FIXTURES / name).stat().st_size


def walk_python(name):
    data = (FIXTURES / name).read_bytes()
    return list(email.message_from_bytes(data, policy=email.policy.compat32).walk())


@pytest.mark.parametrize("name", [n for n in WELL_FORMED if n not in PYTHON_DIFFERS])
def test_same_tree_as_python(name):
    ours = mime_json(name)["parts"]
    theirs = walk_python(name)
    assert [f"{p['type']}/{p['subtype']}" for p in ours] == \
        [m.get_content_type() for m in theirs]
    for p, m in zip(ours, theirs):
        for prm in p["params"]:
            if prm["name"] == "boundary":
                assert m.get_boundary() == prm["value"]


@pytest.mark.parametrize("name", [n for n in WELL_FORMED if n not in PYTHON_DIFFERS])
def test_decoded_content_as_python(name):
    ours = mime_json(name)["parts"]
    for p, m in zip(ours, walk_python(name)):
        if p["kind"] != "leaf":
            continue
        got = mime_part_bytes(name, p["section"] or "1")
        assert got == m.get_payload(decode=True), f"part {p['section']} ({p['cte']})"
        assert len(got) == p["decoded_size"]


def test_tree_text_nested():
    out, _ = mime(FIXTURES / "nested-mixed-alternative-related.eml")
    lines = out.splitlines()
    assert lines[1].startswith("(message)  multipart/mixed  7bit  size=")
    assert any(re.fullmatch(r"  1  multipart/alternative  7bit  size=\d+ lines=\d+ parts=2", ln)
               for ln in lines)
    assert "      1.2.2  image/gif  base64  size=64 decoded=48 lines=1" in lines
    assert "  2  application/pdf  base64  size=570 decoded=416 lines=8" in lines
    assert '      disposition: attachment; filename="doc.pdf"' in lines
    assert "7 parts, 0 problems" in lines
    assert lines[-1] == (
        'BODYSTRUCTURE ((("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 14 1 NIL NIL '
        'NIL NIL)(("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 40 1 NIL NIL NIL NIL)'
        '("IMAGE" "GIF" NIL "<i1@x>" NIL "BASE64" 64 NIL NIL NIL NIL) "RELATED" ("BOUNDARY" '
        '"inner") NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "middle") NIL NIL NIL)("APPLICATION" '
        '"PDF" ("NAME" "doc.pdf") NIL NIL "BASE64" 570 NIL ("ATTACHMENT" ("FILENAME" '
        '"doc.pdf")) NIL NIL) "MIXED" ("BOUNDARY" "outer") NIL NIL NIL)')


def test_tree_text_messages_and_problems():
    out, _ = mime(FIXTURES / "message-rfc822-deep.eml")
    assert "1 (message)  message/rfc822  7bit  size=" in out
    assert "              1.2.2.2.1 (message)  text/plain  7bit  size=22 decoded=22 lines=1" in out
    assert "subject: level 0" in out
    out, _ = mime(FIXTURES / "malformed-bad-base64.eml")
    assert "problem: bad-base64: invalid base64 body (offset 348, 3 times)" in out
    assert "4 parts, 3 problems" in out
    out, _ = mime(FIXTURES / "rfc2047-subject-b.eml")
    assert "subject: Grüße aus Köln — €5" in out


def test_sections_and_decoding():
    doc = mime_json("message-rfc822-deep.eml")
    assert [p["section"] for p in doc["parts"]][:4] == ["1", "1", "1.1", "1.2"]
    assert mime_part_bytes("message-rfc822-deep.eml", "1.2.2.2.1") == b"The innermost message."
    header = mime_part_bytes("message-rfc822.eml", "2.HEADER", raw=True)
    assert header.startswith(b"From: Carol") and header.endswith(b"\r\n\r\n")
    assert mime_part_bytes("message-rfc822.eml", "2.MIME", raw=True) == \
        b"Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n"
    assert mime_part_bytes("qp-soft-breaks.eml", "1").startswith(
        b"This is a long line that is wrapped with a soft line break so that no encoded")
    assert mime_part_bytes("binary-attachment.eml", "2")[:256] == bytes(range(256))


def test_part_errors():
    _, err = mime("--part", "2", FIXTURES / "malformed-unknown-cte.eml", expect_rc=1)
    assert "unknown Content-Transfer-Encoding" in err
    _, err = mime("--part", "9", FIXTURES / "plain-7bit.eml", expect_rc=1)
    assert "no such body part" in err
    mime("--part", "1.TEXT", FIXTURES / "plain-7bit.eml", expect_rc=4)
    mime("--raw", FIXTURES / "plain-7bit.eml", expect_rc=4)
    mime(expect_rc=4)
    _, err = mime(FIXTURES / "no-such-file.eml", expect_rc=3)
    assert "cannot open" in err


def test_utf8_strings():
    out, _ = mime(FIXTURES / "rfc2231-encoded.eml")
    assert '"NAME*" "utf-8\'\'%E2%82%AC%20rates.txt"' in out
    assert '"NAME*" "koi8-r\'\'%F0%D2%C9%D7%C5%D4.bin"' in out
    out, _ = mime("--utf8", FIXTURES / "rfc2231-encoded.eml")
    assert '"NAME*" "€ rates.txt"' in out
    assert '"TITLE*" "café crème"' in out
