"""mailspec-server's IMAP message commands (issue 4 part B): FETCH (RFC 9051
§6.4.5, RFC 3516 BINARY), SEARCH (§6.4.4, RFC 4731 ESEARCH), STORE
(§6.4.6), COPY and MOVE (§6.4.7-§6.4.8, RFC 4315 COPYUID, RFC 6851) and
their UID forms (§6.4.9), against imaplib, curl and the raw client RawIMAP.

Messages come in through IMAP APPEND and the server's SMTP listener; what
was stored is read back from the store directly where it matters.
Standard library only (plus curl when installed); every wait is bounded.
"""

import base64
import imaplib
import re
import shutil
import ssl
import subprocess

import pytest

from server_fixtures import (DOMAIN, RawIMAP, imap_served_quickly,  # noqa: F401
                             server_factory)

IMAP_LISTENERS = {"smtp": "127.0.0.1:0", "imap": "127.0.0.1:0", "imaps": "127.0.0.1:0"}

MIME = (b"From: Alice <alice@example.org>\r\n"
        b"To: Bob <bob@example.org>, Carol <carol@example.org>\r\n"
        b"Cc: Dave <dave@example.org>\r\n"
        b"Subject: =?utf-8?q?Caf=C3=A9_menu?=\r\n"
        b"Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n"
        b"Message-ID: <mime@mailspec.example>\r\n"
        b"MIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
        b"\r\n"
        b"--b1\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n"
        b"\r\n"
        b"Cr=E8me br=FBl=E9e for dessert.\r\n"
        b"--b1\r\n"
        b"Content-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: base64\r\n"
        b"\r\n"
        + base64.b64encode(b"bin\x00ary\xff") + b"\r\n"
        b"--b1--\r\n")


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def message(subject, body="hello", date="Thu, 01 Jan 2015 00:00:00 +0000",
            extra=""):
    return (f"From: <sender@elsewhere.example>\r\nTo: <alice@{DOMAIN}>\r\n"
            f"Subject: {subject}\r\nDate: {date}\r\n{extra}\r\n{body}\r\n").encode()


def imap_server(server_factory, **kw):
    return server_factory(listeners=IMAP_LISTENERS, **kw)


def login(server, user="alice"):
    c = RawIMAP(server.addr("imaps"), implicit_tls=True)
    c.greet()
    c.login(user, server.users[user])
    return c


def append(c, mailbox, data, flags="", date=None):
    tag = c.tag()
    extra = (f" ({flags})" if flags else "") + (f' "{date}"' if date else "")
    c.send(f"{tag} APPEND {mailbox}{extra} {{{len(data)}}}\r\n")
    assert c.line().startswith("+")
    c.send(data + b"\r\n")
    status, text, _ = c.until_tagged(tag)
    assert status == "OK", text
    return int(re.search(r"APPENDUID \d+ (\d+)", text).group(1))


def fetch_one(c, text):
    """The single untagged FETCH line of an OK FETCH."""
    seen = c.ok(text)
    fetches = [ln for ln in seen if re.match(r"\* \d+ FETCH ", ln)]
    assert len(fetches) == 1, seen
    return fetches[0]


def search(c, text):
    """The numbers of a "* SEARCH" answer."""
    seen = c.ok("SEARCH " + text)
    lines = [ln for ln in seen if ln.startswith("* SEARCH")]
    assert len(lines) == 1, seen
    return [int(x) for x in lines[0].split()[2:]]


# ---- FETCH ----

def test_fetch_items_and_sections(server_factory):
    srv = imap_server(server_factory)
    with login(srv) as c:
        c.ok("CREATE box")
        uid = append(c, "box", MIME, date="17-Jul-1996 02:44:25 -0700")
        c.ok("SELECT box")
        ln = fetch_one(c, "FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE)")
        assert ln == (f'* 1 FETCH (UID {uid} FLAGS (\\Recent) INTERNALDATE "17-Jul-1996 '
                      f'09:44:25 +0000" RFC822.SIZE {len(MIME)})')
        assert fetch_one(c, "FETCH 1 FAST") == ln.replace(f"UID {uid} ", "")
        ln = fetch_one(c, "FETCH 1 BODYSTRUCTURE")
        assert ln.startswith('* 1 FETCH (BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" '
                             '"iso-8859-1") NIL NIL "QUOTED-PRINTABLE" 31 1'), ln
        assert '"BASE64" 12' in ln and '"MIXED" ("BOUNDARY" "b1")' in ln, ln
        ln = fetch_one(c, "FETCH 1 ENVELOPE")
        assert ln == ('* 1 FETCH (ENVELOPE ("Mon, 7 Feb 1994 21:52:25 -0800" '
                      '"=?utf-8?q?Caf=C3=A9_menu?=" (("Alice" NIL "alice" "example.org")) '
                      '(("Alice" NIL "alice" "example.org")) (("Alice" NIL "alice" '
                      '"example.org")) (("Bob" NIL "bob" "example.org")("Carol" NIL '
                      '"carol" "example.org")) (("Dave" NIL "dave" "example.org")) '
                      'NIL NIL "<mime@mailspec.example>"))'), ln
        ln = fetch_one(c, "FETCH 1 (BODY.PEEK[1] BODY.PEEK[1.MIME] BODY.PEEK[3])")
        assert ln == ("* 1 FETCH (BODY[1] {31}\r\nCr=E8me br=FBl=E9e for dessert. "
                      "BODY[1.MIME] {93}\r\nContent-Type: text/plain; charset=iso-8859-1"
                      "\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n "
                      "BODY[3] NIL)"), ln
        ln = fetch_one(c, "FETCH 1 (BODY.PEEK[HEADER.FIELDS (date CC)])")
        assert ln == ("* 1 FETCH (BODY[HEADER.FIELDS (date CC)] {69}\r\nCc: Dave "
                      "<dave@example.org>\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800\r\n"
                      "\r\n)"), ln
        ln = fetch_one(c, "FETCH 1 (BODY.PEEK[HEADER.FIELDS.NOT (From To Cc Subject "
                          "Date Message-ID MIME-Version)])")
        assert ln.endswith('{48}\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n)')
        header_len = MIME.index(b"\r\n\r\n") + 4
        ln = fetch_one(c, "FETCH 1 (BODY.PEEK[TEXT]<2.4> BODY.PEEK[]<0.4> "
                          "BODY.PEEK[HEADER]<9999.1>)")
        assert ln == ('* 1 FETCH (BODY[TEXT]<2> {4}\r\nb1\r\n BODY[]<0> {4}\r\nFrom '
                      'BODY[HEADER]<9999> "")'), ln
        ln = fetch_one(c, "FETCH 1 BODY.PEEK[TEXT]")
        assert ln.encode() == (b"* 1 FETCH (BODY[TEXT] {%d}\r\n" % (len(MIME) - header_len)
                               + MIME[header_len:] + b")")
        ln = fetch_one(c, "FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[2] BINARY.SIZE[1])")
        assert ln == ("* 1 FETCH (BINARY[1] {25}\r\nCr\ufffdme br\ufffdl\ufffde for "
                      "dessert. BINARY.SIZE[2] 8 BINARY.SIZE[1] 25)"), ln
        tag = c.tag()                       # literal8: the decoded data holds NUL
        c.send(f"{tag} FETCH 1 (BINARY.PEEK[2] BINARY.PEEK[2]<3.100>)\r\n")
        raw = c.raw_line()
        assert raw == b"* 1 FETCH (BINARY[2] ~{8}"
        assert c.buf.startswith(b"bin\x00ary\xff BINARY[2]<3> ~{5}\r\n\x00ary\xff)\r\n")
        c.buf = c.buf[len(b"bin\x00ary\xff BINARY[2]<3> ~{5}\r\n\x00ary\xff)\r\n"):]
        assert c.until_tagged(tag)[0] == "OK"
        ln = fetch_one(c, "FETCH 1 FULL")
        assert "ENVELOPE (" in ln and ' BODY (("TEXT" "PLAIN"' in ln and "FLAGS (\\Recent)" in ln
        assert "\\Seen" not in fetch_one(c, "FETCH 1 FLAGS")   # PEEK kept it unseen


def test_fetch_sets_seen_unless_peek_or_read_only(server_factory):
    srv = imap_server(server_factory)
    with login(srv) as c:
        c.ok("CREATE box")
        for i in range(3):
            append(c, "box", message(f"s{i}"))
        c.ok("EXAMINE box")
        c.ok("FETCH 1 BODY[]")
        c.ok("FETCH 1 BINARY[1]")
        assert search(c, "SEEN") == []                 # §6.3.3: read-only
        c.ok("SELECT box")
        ln = fetch_one(c, "FETCH 1 BODY[TEXT]")
        assert ln == "* 1 FETCH (FLAGS (\\Seen \\Recent) BODY[TEXT] {7}\r\nhello\r\n)", ln
        ln = fetch_one(c, "FETCH 1 (FLAGS BODY[TEXT])")   # unchanged: no extra FLAGS
        assert ln == "* 1 FETCH (FLAGS (\\Seen \\Recent) BODY[TEXT] {7}\r\nhello\r\n)", ln
        assert "\\Seen" in fetch_one(c, "FETCH 2 (FLAGS RFC822.TEXT)")    # IMAP4rev1
        assert "\\Seen" not in fetch_one(c, "FETCH 3 RFC822.HEADER")
        assert search(c, "UNSEEN") == [3]
        c.ok("UNSELECT")
        c.ok("ENABLE IMAP4rev2")                       # authenticated state only
        c.ok("SELECT box")
        assert c.cmd("FETCH 3 RFC822")[0] == "BAD"     # not in IMAP4rev2


def test_fetch_syntax_errors(server_factory):
    srv = imap_server(server_factory)
    with login(srv) as c:
        c.ok("CREATE box")
        c.ok("SELECT box")
        assert c.cmd("FETCH 1:* FLAGS")[0] == "BAD"    # "*" in an empty mailbox
        assert c.ok("UID FETCH 1:* FLAGS") == []       # a UID set: nothing, OK
        append(c, "box", message("x"))
        c.ok("NOOP")
        for bad in ("FETCH 1 (FAST)", "FETCH 1 (FLAGS FAST)", "FETCH 1 FLAGS UID",
                    "FETCH 1 (BOGUS)", "FETCH 1 ()", "FETCH 1 BODY.PEEK",
                    "FETCH 1 BODY[]<5>", "FETCH 1 BODY[]<0.0>", "FETCH 2 FLAGS",
                    "FETCH 0 FLAGS", "FETCH 1 (BODY[MIME])", "FETCH 1 BINARY[TEXT]",
                    "FETCH 1 BINARY.SIZE[1]<0.5>", 'FETCH 1 "FLAGS"', "FETCH 1"):
            status, text, _ = c.cmd(bad)
            assert status == "BAD", (bad, text)
        assert c.ok("UID FETCH 4000000000 FLAGS") == []
        ln = fetch_one(c, "UID FETCH 4000000000:* (FLAGS UID)")
        assert re.fullmatch(r"\* 1 FETCH \(UID \d+ FLAGS \(\\Recent\)\)", ln), ln


def test_fetch_large_messages_stream(server_factory):
    """FETCH 1:* of several large messages arrives whole and byte-exact
    while another client is served meanwhile (the response streams)."""
    srv = imap_server(server_factory, args=["--max-message-size", "4000000"])
    body = "".join(f"line {i:07d} " + "x" * 60 + "\r\n" for i in range(40000))
    msgs = [message(f"big{i}", body=body) for i in range(3)]
    with login(srv) as c:
        c.ok("CREATE big")
        for m in msgs:
            append(c, "big", m)
        c.ok("SELECT big")
        tag = c.tag()
        c.send(f"{tag} FETCH 1:* (RFC822.SIZE BODY.PEEK[])\r\n")
        imap_served_quickly(srv, "imaps")              # not blocked meanwhile
        status, _, seen = c.until_tagged(tag)
        assert status == "OK" and len(seen) == 3
        for i, ln in enumerate(seen):
            head = f"* {i + 1} FETCH (RFC822.SIZE {len(msgs[i])} BODY[] {{{len(msgs[i])}}}\r\n"
            assert ln.startswith(head) and ln.endswith(")")
            assert ln[len(head):-1].encode() == msgs[i]


def test_fetch_after_expunge_elsewhere(server_factory):
    """RFC 9051 §7.5.1: no EXPUNGE during FETCH, STORE, SEARCH; the data
    of a message gone meanwhile is refused with NO [EXPUNGEISSUED]."""
    srv = imap_server(server_factory)
    with login(srv) as a, login(srv) as b:
        a.ok("CREATE box")
        for i in range(3):
            append(a, "box", message(f"e{i}"))
        a.ok("SELECT box")
        b.ok("SELECT box")
        b.ok("STORE 2 +FLAGS.SILENT (\\Deleted)")
        assert b.ok("EXPUNGE") == ["* 2 EXPUNGE"]
        status, text, seen = a.cmd("FETCH 1:3 (BODY.PEEK[HEADER.FIELDS (Subject)])")
        assert status == "NO" and text.startswith("[EXPUNGEISSUED]"), text
        assert [ln[:12] for ln in seen] == ["* 1 FETCH (B", "* 3 FETCH (B"], seen
        assert not [ln for ln in seen if "EXPUNGE" in ln]
        assert search(a, "ALL") == [1, 3]              # the gone one matches nothing
        status, _, seen = a.cmd("STORE 1:3 +FLAGS (\\Flagged)")
        assert status == "NO" and not [ln for ln in seen if "EXPUNGE" in ln], seen
        assert a.ok("NOOP") == ["* 2 EXPUNGE"]
        assert search(a, "FLAGGED") == [1, 2]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_curl_fetch_by_uid(server_factory):
    srv = imap_server(server_factory)
    with login(srv) as c:
        uids = [append(c, "INBOX", message(f"curl{i}")) for i in range(2)]
    host, port = srv.addr("imaps")
    for uid, i in zip(uids, range(2)):
        out = subprocess.run([shutil.which("curl"), "-s", "-k", "--max-time", "20",
                              "-u", "alice:secret",
                              f"imaps://{host}:{port}/INBOX;UID={uid}"],
                             capture_output=True, timeout=30)
        assert out.returncode == 0, out.stderr
        assert out.stdout == message(f"curl{i}")
    with login(srv) as c:
        c.ok("SELECT INBOX")
        assert search(c, "SEEN") == [1, 2]             # curl fetches BODY[]


def test_imaplib_fetch(server_factory):
    srv = imap_server(server_factory)
    host, port = srv.addr("imap")
    m = imaplib.IMAP4(host, port, timeout=10)
    m.starttls(ssl_context=tls_context())
    m.login("alice", "secret")
    assert m.append("INBOX", None, None, MIME)[0] == "OK"
    assert m.select("INBOX")[0] == "OK"
    typ, data = m.fetch("1", "(UID BODY.PEEK[1] BINARY.PEEK[2])")
    assert typ == "OK"
    assert data[0][1] == b"Cr=E8me br=FBl=E9e for dessert."
    assert data[1][1] == b"bin\x00ary\xff"
    typ, data = m.uid("FETCH", "1:*", "(RFC822.SIZE)")
    assert typ == "OK" and f"RFC822.SIZE {len(MIME)}".encode() in data[0]
    typ, data = m.search(None, "TEXT", '"creme"')
    assert typ == "OK" and data == [b""]               # accents are not folded
    typ, data = m.search(None, "BODY", '"CRÈME"'.encode("utf-8"))
    assert typ == "OK" and data == [b""]               # only ASCII is case-folded
    typ, data = m.search("UTF-8", "BODY", '"Crème brûlée"'.encode("utf-8"))
    assert typ == "OK" and data == [b"1"], data
    typ, data = m.search(None, "SUBJECT", '"cafÉ"'.encode("utf-8"))
    assert typ == "OK" and data == [b""]
    typ, data = m.search(None, "SUBJECT", '"Café MENU"'.encode("utf-8"))
    assert typ == "OK" and data == [b"1"], data
    m.logout()


# ---- SEARCH ----

def test_search_keys(server_factory):
    srv = imap_server(server_factory)
    with login(srv) as c:
        c.ok("CREATE s")
        append(c, "s", message("alpha one", body="the quick brown fox",
                               date="Tue, 8 Feb 1994 10:00:00 +0000",
                               extra="Cc: <carol@example.org>\r\nX-Tag: red\r\n"),
               flags="\\Seen \\Answered", date="01-Mar-2020 12:00:00 +0000")
        append(c, "s", message("=?ISO-8859-1?B?YnJhdm8gY2Fm6Q==?=",
                               body="=4Aumps over=\r\n the lazy dog",
                               date="Wed, 9 Feb 1994 23:30:00 -0800",
                               extra="Content-Transfer-Encoding: quoted-printable\r\n"
                                     "Bcc: <bcc@example.org>\r\n"),
               flags="\\Flagged \\Draft $Work", date="02-Mar-2020 00:30:00 +0000")
        append(c, "s", message("charlie", body="x" * 3000, date="garbage",
                               extra="MIME-Version: 1.0\r\n"),
               flags="\\Deleted", date="03-Mar-2020 23:59:59 +0000")
        c.ok("SELECT s")
        cases = {
            "ALL": [1, 2, 3], "ANSWERED": [1], "UNANSWERED": [2, 3],
            "DELETED": [3], "UNDELETED": [1, 2], "DRAFT": [2], "UNDRAFT": [1, 3],
            "FLAGGED": [2], "UNFLAGGED": [1, 3], "SEEN": [1], "UNSEEN": [2, 3],
            "KEYWORD $work": [2], "UNKEYWORD $Work": [1, 3], "KEYWORD other": [],
            'SUBJECT "ALPHA"': [1], 'SUBJECT "bravo café"': [2],
            'FROM "sender@ELSEWHERE"': [1, 2, 3], f'TO "alice@{DOMAIN}"': [1, 2, 3],
            'CC carol': [1], 'BCC "bcc@"': [2], 'HEADER X-Tag ""': [1],
            'HEADER x-tag "RED"': [1], 'HEADER X-Tag "blue"': [],
            'BODY "QUICK brown"': [1], 'BODY "jumps over the lazy"': [2],
            'BODY "alpha"': [], 'TEXT "alpha"': [1], 'TEXT "lazy"': [2],
            'BODY ""': [1, 2, 3],
            "LARGER 3000": [3], "SMALLER 300": [1, 2], "LARGER 99999": [],
            "BEFORE 2-Mar-2020": [1], "ON 2-Mar-2020": [2], "SINCE 2-Mar-2020": [2, 3],
            'ON "03-Mar-2020"': [3],
            "SENTON 8-Feb-1994": [1], "SENTON 9-Feb-1994": [2],
            "SENTBEFORE 9-Feb-1994": [1], "SENTSINCE 9-Feb-1994": [2, 3],
            "SENTON 3-Mar-2020": [3],      # no readable Date: the internal date
            "NOT SEEN": [2, 3], "OR SEEN FLAGGED": [1, 2],
            "OR (SEEN ANSWERED) DELETED": [1, 3], "NOT (OR SEEN DELETED)": [2],
            "2:3": [2, 3], "*": [3], "1,3 UNSEEN": [3], "UID 2:*": [2, 3],
            "CHARSET UTF-8 SEEN": [1], "CHARSET us-ascii ALL": [1, 2, 3],
            "OLD": [], "NEW": [2, 3], "RECENT": [1, 2, 3],
        }
        for crit, want in cases.items():
            assert search(c, crit) == want, crit
        for bad in ("FOO", "SUBJECT", "BEFORE 31-Feb-2020", "BEFORE 2020-03-01",
                    "LARGER x", "KEYWORD \\Seen", "4", "UID x", "OR SEEN",
                    "NOT", "()", "RETURN ALL", "CHARSET"):
            status, text, _ = c.cmd("SEARCH " + bad)
            assert status == "BAD", (bad, text)
        status, text, _ = c.cmd("SEARCH CHARSET KOI8-R ALL")
        assert status == "NO" and text.startswith("[BADCHARSET"), text
        assert c.ok("UID SEARCH ALL")[0] == "* SEARCH 1 2 3"


def test_esearch(server_factory):
    srv = imap_server(server_factory)
    with login(srv) as c:
        c.ok("CREATE e")
        for i in range(6):
            append(c, "e", message(f"m{i}"), flags="\\Seen" if i in (0, 1, 2, 4) else "")
        c.ok("SELECT e")
        def esearch(text):
            seen = c.ok(text)
            return [ln.replace(f'(TAG "t{c.ntag}")', "(TAG)") for ln in seen]
        assert esearch("SEARCH RETURN (MIN MAX COUNT ALL) SEEN") == [
            "* ESEARCH (TAG) MIN 1 MAX 5 ALL 1:3,5 COUNT 4"]
        assert esearch("SEARCH RETURN () UNSEEN") == ["* ESEARCH (TAG) ALL 4,6"]
        assert esearch("UID SEARCH RETURN (COUNT) SUBJECT nothing") == [
            "* ESEARCH (TAG) UID COUNT 0"]
        assert esearch("SEARCH RETURN (MIN) SUBJECT nothing") == ["* ESEARCH (TAG)"]
        c.ok("UNSELECT")
        c.ok("ENABLE IMAP4rev2")
        c.ok("SELECT e")
        assert esearch("SEARCH SEEN") == ["* ESEARCH (TAG) ALL 1:3,5"]
        assert esearch("UID SEARCH 2:3") == ["* ESEARCH (TAG) UID ALL 2:3"]
        assert c.cmd("SEARCH OLD")[0] == "BAD"         # IMAP4rev1 only


def test_search_many_messages(server_factory):
    """A long result streams; every message is found once."""
    srv = imap_server(server_factory)
    with login(srv) as c:
        c.ok("CREATE many")
        tag = c.tag()
        n = 400
        for i in range(n):              # pipelined APPENDs with LITERAL-
            data = message(f"n{i}")
            c.send(f"{tag}-{i} APPEND many {{{len(data)}+}}\r\n".encode() + data + b"\r\n")
        for i in range(n):
            assert c.until_tagged(f"{tag}-{i}")[0] == "OK"
        c.ok("SELECT many")
        assert search(c, "ALL") == list(range(1, n + 1))
        assert search(c, "SUBJECT n39") == [40] + list(range(391, 401))
        seen = c.ok("FETCH 1:* (UID FLAGS)")
        assert len(seen) == n and seen[-1] == f"* {n} FETCH (UID {n} FLAGS (\\Recent))"


# ---- STORE ----

def test_store_and_second_session(server_factory):
    srv = imap_server(server_factory)
    with login(srv) as a, login(srv) as b:
        a.ok("CREATE st")
        for i in range(3):
            append(a, "st", message(f"s{i}"))
        a.ok("SELECT st")
        b.ok("SELECT st")
        assert a.ok("STORE 1 +FLAGS (\\Seen $One)") == [
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $One)",
            "* 1 FETCH (FLAGS (\\Seen \\Recent $One))"]
        assert a.ok("STORE 1:2 +FLAGS \\Flagged $Two") == [
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $One $Two)",
            "* 1 FETCH (FLAGS (\\Flagged \\Seen \\Recent $One $Two))",
            "* 2 FETCH (FLAGS (\\Flagged \\Recent $Two))"]
        assert a.ok("STORE 1 -FLAGS.SILENT (\\Seen $one)") == []
        assert a.ok("UID STORE 3 FLAGS (\\Draft)") == ["* 3 FETCH (UID 3 FLAGS (\\Draft \\Recent))"]
        assert a.ok("STORE 3 FLAGS.SILENT ()") == []
        seen = b.ok("NOOP")
        assert seen == ["* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Two)",
                        "* 1 FETCH (UID 1 FLAGS (\\Flagged $Two))",
                        "* 2 FETCH (UID 2 FLAGS (\\Flagged $Two))"], seen
        flags = (srv.mailbox_dir("alice", "st") / "flags").read_text()
        assert "1 \\Flagged $Two" in flags and "\n3 " not in flags, flags
        for bad in ("STORE 1 FLAGS (\\Recent)", "STORE 1 FLAGS (\\Bogus)",
                    "STORE 1 XFLAGS (\\Seen)", "STORE 1 +FLAGS.LOUD (\\Seen)",
                    "STORE 1 (UNCHANGEDSINCE 5) +FLAGS (\\Seen)", "STORE 4 FLAGS ()",
                    "STORE 1 FLAGS"):
            assert a.cmd(bad)[0] == "BAD", bad
        b.ok("EXAMINE st")
        status, text, _ = b.cmd("STORE 1 +FLAGS (\\Seen)")
        assert status == "NO" and text.startswith("[READ-ONLY]"), text


# ---- COPY, MOVE, UID EXPUNGE ----

def test_copy_move_uidplus(server_factory):
    srv = imap_server(server_factory)
    with login(srv) as a, login(srv) as b:
        a.ok("CREATE src")
        a.ok("CREATE dst")
        for i in range(5):
            append(a, "src", message(f"c{i}"), flags="\\Flagged $K" if i == 1 else "",
                   date=f"0{i + 1}-Mar-2020 12:00:00 +0000")
        dv = re.search(r"UIDVALIDITY (\d+)",
                       " ".join(a.ok("STATUS dst (UIDVALIDITY)"))).group(1)
        a.ok("SELECT src")
        b.ok("SELECT src")
        status, text, _ = a.cmd("COPY 2,4:5 dst")
        assert status == "OK" and text.startswith(f"[COPYUID {dv} 2,4:5 1:3]"), text
        assert a.cmd("UID COPY 90:99 dst") == ("OK", "COPY completed", [])
        status, text, _ = a.cmd("COPY 1 nowhere")
        assert status == "NO" and text.startswith("[TRYCREATE]"), text
        assert not (srv.store / "alice" / "nowhere").exists()
        status, text, seen = a.cmd("MOVE 1:2 dst")
        assert status == "OK", text
        assert seen == [f"* OK [COPYUID {dv} 1:2 4:5] Moved UIDs", "* 1 EXPUNGE",
                        "* 1 EXPUNGE"], seen
        status, text, seen = a.cmd("UID MOVE 4 dst")
        assert seen == [f"* OK [COPYUID {dv} 4 6] Moved UIDs", "* 2 EXPUNGE"], seen
        assert b.ok("NOOP") == ["* 1 EXPUNGE", "* 1 EXPUNGE", "* 2 EXPUNGE"]
        assert [u for u, _ in srv.messages("alice", "src")] == [3, 5]
        a.ok("SELECT dst")
        seen = a.ok("FETCH 1:* (FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (Subject)])")
        subjects = [re.search(r"Subject: (\w+)", ln).group(1) for ln in seen]
        assert subjects == ["c1", "c3", "c4", "c0", "c1", "c3"], seen
        assert "FLAGS (\\Flagged \\Recent $K)" in seen[0] and '"02-Mar-2020 12:00:00' in seen[0]
        assert "FLAGS (\\Flagged \\Recent $K)" in seen[4] and "\\Deleted" not in seen[4]
        a.ok("EXAMINE src")
        status, text, _ = a.cmd("MOVE 1 dst")
        assert status == "NO" and text.startswith("[READ-ONLY]"), text
        assert a.cmd("COPY 1 dst")[0] == "OK"         # COPY from read-only is fine
        for bad in ("COPY 1", "COPY 9 dst", "MOVE x dst", "COPY 1 (dst)"):
            assert a.cmd(bad)[0] == "BAD", bad


def test_move_within_same_mailbox_and_uid_expunge(server_factory):
    srv = imap_server(server_factory)
    with login(srv) as c:
        c.ok("CREATE m")
        for i in range(4):
            append(c, "m", message(f"u{i}"))
        c.ok("SELECT m")
        status, text, seen = c.cmd("MOVE 1 m")
        assert status == "OK" and seen[0].startswith("* OK [COPYUID "), seen
        assert seen[1:] == ["* 1 EXPUNGE", "* 4 EXISTS", "* 4 RECENT"], seen
        c.ok("STORE 1:4 +FLAGS.SILENT (\\Deleted)")
        assert c.ok("UID EXPUNGE 3:5") == ["* 2 EXPUNGE"] * 3   # UIDs 3, 4, 5
        assert c.ok("UID SEARCH ALL") == ["* SEARCH 2"]
