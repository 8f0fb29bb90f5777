#!/usr/bin/env python3
"""loader_seeds.py: the seed corpus of fuzz_scenario_loader.

    python3 fuzz/loader_seeds.py [OUT_DIR]   (default fuzz/corpus/fuzz_scenario_loader)

Writes scn-<path> for every scenario and prelude file under scenarios/
(the files the loader is made for) and hand-<what> for what they do not
show: every step kind and modifier, every expect key of each protocol,
every top-level key, and the loader's error paths (values of the wrong
type or out of range, unknown keys, malformed regexes, hex, base64 and
FETCH values, retry groups nested too deep, YAML that does not parse).
Seeds starting with "#paths" are also loaded as files by the harness
(beside its preludes/ and fixtures/ folders: see fuzz_scenario_loader.c).
Files over the harness's max_len (4096) are skipped. Old scn-*/hand-*
files in OUT_DIR are replaced; others (what campaigns merged in) stay.
"""
import os
import sys

MAX_LEN = 4096

HEAD = """id: fuzz.seed
title: a seed
protocol: {proto}
rfc: 5321
section: "4.1"
level: MUST
requirement: what the seed checks
"""


def scenario(proto, steps, extra=""):
    """A complete scenario around steps (YAML text of the list)."""
    return HEAD.format(proto=proto) + extra + "steps:\n" + steps


HAND = {
    # ---- every step kind and modifier (SMTP) ----
    "smtp-every-step": scenario("smtp", """\
  - connect: main
  - expect: {code: 220, enhanced: "2.x.x", text: "^ready", multiline: false}
  - send: "EHLO ${ehlo}"
  - expect: {code: [250, "25x", "2xx"], lines: ["^.*$", "(?i)size"], any_line: "^SIZE", no_line: "^X-"}
  - pipeline: ["MAIL FROM:<>", "RCPT TO:<${addr1}>"]
  - expect: {code: 250, capture: {queue: "queued as (\\\\S+)", all: ".*"}}
  - send_raw: "NOOP\\r\\n"
  - send_raw: ["DATA", {hex: "0d 0A"}, {base64: "U3ViamVjdDogeA0K"}, {repeat: "x", count: 3}]
  - send_data: "Subject: x\\r\\n\\r\\n.leading dot\\nlast"
  - send_data: ["Subject: y", "", "body", ""]
  - starttls: true
  - starttls: {sni: mail.example.org}
  - wait: 0.5
  - set: {a: "1", b: "${a}"}
  - prelude: smtp-ehlo
  - expect_silence: 1
  - send: QUIT
    timeout: 2.5
    requires: [PIPELINING, "SIZE=[1-9]*|CHUNKING"]
    conn: main
  - expect: {code: 221, closed: true}
  - expect_closed: true
  - close: true
  - retry:
      for: 10
      every: 0.25
      steps:
        - connect: main
        - expect: {code: 220}
"""),
    # ---- top-level keys, connections, cross-protocol ----
    "top-every-key": """\
id: cross.every-key-0_9
title: every top-level key
protocol: [smtp, pop3, imap]
rfc: 1939
section: "3"
level: SHOULD
requirement: >-
  folded requirement text
tags: [a, b]
requires: {smtp: [SIZE], pop3: [UIDL, "SASL"], imap: ["IMAP4rev1|IMAP4rev2"]}
users: 2
timeout: 2.5
vars: {who: "${user1}", n: "3"}
connections:
  sender: {endpoint: submission, tls: plain}
  reader: {endpoint: pop3, tls: implicit}
  box: {endpoint: imap, tls: any}
  other: {endpoint: smtp}
  plain: {tls: plain}
steps:
  - expect: {code: 220}
    conn: sender
  - expect: {status: +OK}
    conn: reader
  - expect: {greeting: OK}
    conn: box
  - send: "a001 NOOP"
    conn: box
  - expect: {tagged: OK}
    conn: box
  - retry:
      for: 1
      steps:
        - send: STAT
        - expect: {status: +OK}
    conn: reader
""",
    "level-may": scenario("smtp", "  - send: NOOP\n").replace("MUST", "MAY"),
    "requires-list": scenario("pop3", "  - send: CAPA\n  - expect: {status: +OK, body: true}\n",
                              "requires: [TOP, USER]\n"),
    # ---- POP3 expect keys ----
    "pop3-every-key": scenario("pop3", """\
  - expect: {status: +OK, text: "^POP3", resp_code: "", capture: {ts: "<[^>]+>"}}
  - send: "USER ${user1}"
  - expect: {status: "-ERR", resp_code: IN-USE}
  - send: "AUTH PLAIN"
  - expect: {status: +}
  - send: LIST
  - expect: {status: +OK, body: true, body_lines: ["^\\\\d+ \\\\d+$"], body_any_line: "^1 ", body_no_line: "^0 "}
  - send: "RETR 1"
  - expect: {status: +OK, body_text: "(?s)Subject", message: "Subject: x\\n\\nbody"}
  - send: "RETR 2"
  - expect: {status: +OK, message: ["Subject: y", "", {fixture: true}]}
  - send: "TOP 1 0"
  - expect: {status: +OK, body: false}
  - send: QUIT
  - expect: {status: +OK, closed: true}
""", "fixture: msg.eml\n"),
    # ---- IMAP expect keys ----
    "imap-every-key": scenario("imap", """\
  - expect: {greeting: OK, code: CAPABILITY}
  - expect: {greeting: PREAUTH}
  - expect: {greeting: BYE}
  - send: "CAPABILITY"
  - expect: {tagged: OK, text: "done", capture: {caps: "CAPABILITY (.*)"}, untagged: {in_order: ["^CAPABILITY "], any_order: ["IMAP4"], absent: ["^BYE"], may: ["^OK"], no_extras: true}}
  - send: "APPEND INBOX {13}"
  - expect: {continuation: true}
  - send_raw: "Subject: x\\r\\n\\r\\n"
  - expect: {tagged: [OK, NO], code: APPENDUID}
  - send: "FETCH 1 (BODYSTRUCTURE ENVELOPE BODY[1] BINARY.SIZE[1] BODY)"
  - expect:
      tagged: OK
      fetch:
        BODYSTRUCTURE: '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 4 1 NIL NIL NIL NIL)'
        BODY: {fixture: true}
        ENVELOPE: "${env}"
        BODY[1]: "body"
        BINARY[1]: {fixture: true}
        BINARY.SIZE[1]: "4"
  - send: IDLE
  - expect: {continuation: true}
  - expect: {untagged: {in_order: ["^\\\\d+ EXISTS"]}}
  - send_raw: "DONE\\r\\n"
  - expect: {tagged: BAD}
  - send: LOGOUT
  - expect: {closed: true}
""", "fixture: msg.eml\n"),
    # ---- preludes ----
    "prelude-ok": "prelude: my-prelude_1\nprotocol: imap\nsteps:\n"
                  "  - send: NOOP\n  - expect: {tagged: OK}\n"
                  "  - send_raw: [{fixture: true}]\n",
    "prelude-bad-key": "prelude: p\nprotocol: smtp\ntitle: not for preludes\nsteps:\n  - send: NOOP\n",
    # ---- errors: top level ----
    "err-empty": "",
    "err-comment-only": "# nothing here\n",
    "err-yaml-syntax": "id: [unclosed\nsteps: {\n",
    "err-yaml-tab": "id: x\n\tsteps: []\n",
    "err-two-documents": scenario("smtp", "  - send: NOOP\n") + "---\nid: second\n",
    "err-second-doc-bad": scenario("smtp", "  - send: NOOP\n") + "---\n[\n",
    "err-not-a-map": "- just\n- a list\n",
    "err-scalar-root": "hello\n",
    "err-missing-keys": "id: only.an.id\n",
    "err-duplicate-keys": scenario("smtp", "  - send: NOOP\n") + "title: again\n",
    "err-unknown-top-key": scenario("smtp", "  - send: NOOP\n", "colour: blue\n"),
    "err-bad-id": scenario("smtp", "  - send: NOOP\n").replace("fuzz.seed", "Bad_Id"),
    "err-empty-id": scenario("smtp", "  - send: NOOP\n").replace("fuzz.seed", '""'),
    "err-id-not-string": scenario("smtp", "  - send: NOOP\n").replace("fuzz.seed", "[a]"),
    "err-bad-level": scenario("smtp", "  - send: NOOP\n").replace("MUST", "OUGHT"),
    "err-bad-protocol": scenario("smtp", "  - send: NOOP\n").replace(
        "protocol: smtp", "protocol: [smtp, nntp]"),
    "err-no-protocols": scenario("smtp", "  - send: NOOP\n").replace(
        "protocol: smtp", "protocol: []"),
    "err-many-protocols": scenario("smtp", "  - send: NOOP\n").replace(
        "protocol: smtp", "protocol: [smtp, pop3, imap, smtp]"),
    "err-protocol-map": scenario("smtp", "  - send: NOOP\n").replace(
        "protocol: smtp", "protocol: {a: b}"),
    "err-rfc-range": scenario("smtp", "  - send: NOOP\n").replace("rfc: 5321", "rfc: 0"),
    "err-rfc-text": scenario("smtp", "  - send: NOOP\n").replace("rfc: 5321", "rfc: five"),
    "err-section-list": scenario("smtp", "  - send: NOOP\n").replace('"4.1"', "[4]"),
    "err-tags-map": scenario("smtp", "  - send: NOOP\n", "tags: {a: b}\n"),
    "err-tags-nested": scenario("smtp", "  - send: NOOP\n", "tags: [[a]]\n"),
    "err-requires-scalar": scenario("smtp", "  - send: NOOP\n", "requires: SIZE\n"),
    "err-requires-proto": scenario("smtp", "  - send: NOOP\n", "requires: {nntp: [X], smtp: [Y]}\n"),
    "err-requires-key-list": scenario("smtp", "  - send: NOOP\n", "requires: {[a]: [X]}\n"),
    "err-users": scenario("smtp", "  - send: NOOP\n", "users: -1\n"),
    "err-users-float": scenario("smtp", "  - send: NOOP\n", "users: 1.5\n"),
    "err-timeout": scenario("smtp", "  - send: NOOP\n", "timeout: 0\n"),
    "err-timeout-text": scenario("smtp", "  - send: NOOP\n", "timeout: soon\n"),
    "err-vars-list": scenario("smtp", "  - send: NOOP\n", "vars: [a]\n"),
    "err-vars-value": scenario("smtp", "  - send: NOOP\n", "vars: {a: [1]}\n"),
    "err-conns-list": scenario("smtp", "  - send: NOOP\n", "connections: [a]\n"),
    "err-conns-empty": scenario("smtp", "  - send: NOOP\n", "connections: {}\n"),
    "err-conn-scalar": scenario("smtp", "  - send: NOOP\n", "connections: {a: smtp}\n"),
    "err-conn-values": scenario("smtp", "  - send: NOOP\n",
                                "connections:\n  a: {endpoint: nntp, tls: maybe, colour: red}\n"
                                "  b: {endpoint: [smtp]}\n  [c]: {endpoint: smtp}\n"),
    "err-conn-unknown": scenario("smtp", "  - send: NOOP\n    conn: nowhere\n"
                                 "  - connect: elsewhere\n",
                                 "connections:\n  a: {endpoint: smtp}\n"),
    "err-prelude-unknown": scenario("smtp", "  - prelude: no-such-prelude\n"),
    "err-fixture-slash": scenario("smtp", "  - send: NOOP\n", "fixture: ../etc/passwd\n"),
    "err-fixture-dot": scenario("smtp", "  - send: NOOP\n", "fixture: .hidden\n"),
    "err-fixture-empty": scenario("smtp", "  - send: NOOP\n", 'fixture: ""\n'),
    "err-fixture-missing": scenario("smtp", "  - send: NOOP\n", "fixture: nowhere.eml\n"),
    "err-fixture-list": scenario("smtp", "  - send: NOOP\n", "fixture: [a]\n"),
    # ---- errors: steps ----
    "err-steps-empty": scenario("smtp", "  []\n").replace("steps:\n  []", "steps: []"),
    "err-steps-map": scenario("smtp", "  {send: NOOP}\n").replace("steps:\n  {", "steps: {"),
    "err-step-scalar": scenario("smtp", "  - NOOP\n"),
    "err-step-two-actions": scenario("smtp", "  - {send: NOOP, close: true}\n"),
    "err-step-no-action": scenario("smtp", "  - {conn: main, timeout: 1}\n"),
    "err-step-unknown-key": scenario("smtp", "  - {send: NOOP, colour: red}\n"
                                     "  - {send: NOOP, [k]: v}\n"),
    "err-step-modifiers": scenario("smtp", "  - {send: NOOP, timeout: 0, conn: [a], requires: a}\n"),
    "err-send-list": scenario("smtp", "  - send: [a, b]\n  - send: {a: b}\n  - connect: [x]\n"),
    "err-pipeline": scenario("smtp", "  - pipeline: []\n  - pipeline: NOOP\n  - pipeline: [[a]]\n"),
    "err-close": scenario("smtp", "  - close: false\n  - close: maybe\n  - expect_closed: false\n"),
    "err-starttls": scenario("smtp", "  - starttls: {host: x}\n  - starttls: {sni: [x]}\n"
                             "  - starttls: false\n  - starttls: [a]\n"),
    "err-wait": scenario("smtp", "  - wait: -1\n  - wait: 601\n  - wait: later\n"
                         "  - expect_silence: [1]\n"),
    "err-set": scenario("smtp", "  - set: [a]\n  - set: {a: {b: c}}\n  - set: a\n"),
    "err-send-raw": scenario("smtp", """\
  - send_raw: []
  - send_raw: {hex: "00"}
  - send_raw: [[a]]
  - send_raw: [{}]
  - send_raw: [{hex: "0"}]
  - send_raw: [{hex: "zz"}]
  - send_raw: [{base64: "!!!!"}]
  - send_raw: [{repeat: "x"}]
  - send_raw: [{count: 3}]
  - send_raw: [{hex: "00", count: 3}]
  - send_raw: [{repeat: "x", count: -1}]
  - send_raw: [{repeat: [x], count: 2}]
  - send_raw: [{colour: red}]
  - send_raw: [{fixture: false}]
  - send_raw: [{fixture: true}]
  - send_raw: [{fixture: maybe}]
"""),
    "err-send-data": scenario("smtp", "  - send_data: {a: b}\n  - send_data: [[a]]\n"
                              "  - send_data: [{fixture: true}]\n  - send_data: [{fixture: false}]\n"),
    "err-retry": scenario("smtp", """\
  - retry: 5
  - retry: {for: 5}
  - retry: {steps: [{send: NOOP}]}
  - retry: {for: 0, steps: [{send: NOOP}]}
  - retry: {for: 5, every: 100, steps: [{send: NOOP}]}
  - retry: {for: 5, colour: red, steps: [{send: NOOP}]}
  - retry: {for: 5, steps: []}
  - retry:
      for: 1
      steps:
        - retry:
            for: 1
            steps:
              - retry:
                  for: 1
                  steps:
                    - retry:
                        for: 1
                        steps:
                          - retry: {for: 1, steps: [{send: NOOP}]}
"""),
    # ---- errors: SMTP expect ----
    "err-smtp-expect": scenario("smtp", """\
  - expect: 250
  - expect: {}
  - expect: {status: +OK}
  - expect: {[code]: 250}
  - expect: {code: 199}
  - expect: {code: 600}
  - expect: {code: "2x5"}
  - expect: {code: "x50"}
  - expect: {code: "25"}
  - expect: {code: []}
  - expect: {code: [250, abc]}
  - expect: {code: {a: 1}}
  - expect: {enhanced: "6.1.1"}
  - expect: {enhanced: "5..1"}
  - expect: {enhanced: "5.1234.1"}
  - expect: {enhanced: "5.1"}
  - expect: {enhanced: "5.1.1.1"}
  - expect: {enhanced: "5-1-1"}
  - expect: {enhanced: "x.x.xx"}
  - expect: {enhanced: [5]}
  - expect: {text: "("}
  - expect: {text: "[a-"}
  - expect: {lines: ["ok", "(?<"]}
  - expect: {lines: "a"}
  - expect: {any_line: "*"}
  - expect: {no_line: "\\\\"}
  - expect: {multiline: sometimes}
  - expect: {capture: [a]}
  - expect: {capture: {a: "("}}
  - expect: {closed: 1}
"""),
    # ---- errors: POP3 expect ----
    "err-pop3-expect": scenario("pop3", """\
  - expect: {code: 250, tagged: OK}
  - expect: {status: OK}
  - expect: {status: [+OK]}
  - expect: {resp_code: [a]}
  - expect: {body: maybe}
  - expect: {body_text: "("}
  - expect: {body_any_line: "("}
  - expect: {body_no_line: "("}
  - expect: {body_lines: ["("]}
  - expect: {body_lines: a}
  - expect: {message: {a: b}}
  - expect: {message: [{fixture: true}]}
"""),
    # ---- errors: IMAP expect ----
    "err-imap-expect": scenario("imap", """\
  - expect: {code: 250}
  - expect: {text: "x"}
  - expect: {tagged: OK, continuation: true}
  - expect: {tagged: OK, greeting: OK}
  - expect: {tagged: MAYBE}
  - expect: {tagged: PREAUTH}
  - expect: {tagged: []}
  - expect: {tagged: [OK, FINE]}
  - expect: {greeting: NO}
  - expect: {greeting: [OK]}
  - expect: {continuation: yes-please}
  - expect: {untagged: [a]}
  - expect: {untagged: {colour: red}}
  - expect: {untagged: {in_order: ["("], any_order: "a", absent: ["("], may: ["("], no_extras: maybe}}
  - expect: {untagged: {absent: ["x"]}}
  - expect: {tagged: OK, fetch: {}}
  - expect: {tagged: OK, fetch: [a]}
  - expect: {tagged: OK, fetch: {FLAGS: "(x)"}}
  - expect: {tagged: OK, fetch: {[a]: b}}
  - expect: {tagged: OK, fetch: {BODYSTRUCTURE: "(unbalanced"}}
  - expect: {tagged: OK, fetch: {BODYSTRUCTURE: "a b"}}
  - expect: {tagged: OK, fetch: {ENVELOPE: "\\"\\\\q\\""}}
  - expect: {tagged: OK, fetch: {BODY: "{5}"}}
  - expect: {tagged: OK, fetch: {BODY[1]: {fixture: true}}}
  - expect: {tagged: OK, fetch: {BODY[1]: {fixture: false}}}
  - expect: {tagged: OK, fetch: {BODY[1]: [a]}}
  - expect: {tagged: OK, fetch: {BODY[: "x"}}
"""),
}

# Loaded as files too (the harness's "#paths" inputs): fixtures and
# preludes beside them, a duplicate id, a prelude in a scenario's place.
PATHS = {
    "paths-fixture-prelude": "#paths\n" + scenario("smtp", """\
  - prelude: greet
  - send_raw: [{fixture: true}]
  - send_data: ["X: y", {fixture: true}]
""", "fixture: msg.eml\n"),
    "paths-fixture-no-eol": "#paths\n" + scenario("pop3", """\
  - expect: {status: +OK, message: [{fixture: true}]}
""", "fixture: no-final-eol.eml\n"),
    "paths-fixture-empty": "#paths\n" + scenario("smtp", "  - send_raw: [{fixture: true}]\n",
                                                 "fixture: empty.eml\n"),
    "paths-fixture-folder": "#paths\n" + scenario("smtp", "  - send: NOOP\n",
                                                  "fixture: a-folder.eml\n"),
    "paths-fixture-missing": "#paths\n" + scenario("smtp", "  - send: NOOP\n",
                                                   "fixture: missing.eml\n"),
    "paths-prelude-loop": "#paths\n" + scenario("pop3", "  - prelude: loop-a\n"),
    "paths-prelude-unknown": "#paths\n" + scenario("smtp", "  - prelude: nowhere\n"),
    "paths-a-prelude": "#paths\nprelude: from-paths\nprotocol: smtp\nsteps:\n"
                       "  - prelude: greet\n  - send: NOOP\n  - send_raw: [{fixture: true}]\n",
    "paths-conn-unknown": "#paths\n" + scenario("smtp", "  - send: NOOP\n    conn: nowhere\n"
                                                "  - connect: elsewhere\n"
                                                "  - retry: {for: 1, steps: [{send: X, conn: gone}]}\n"),
    "paths-broken": "#paths\nid: [\n",
}


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        root, "fuzz", "corpus", "fuzz_scenario_loader")
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if name.startswith(("scn-", "hand-")):
            os.unlink(os.path.join(out, name))
    n = skipped = 0
    scn_root = os.path.join(root, "scenarios")
    for dirpath, _, files in sorted(os.walk(scn_root)):
        for f in sorted(files):
            if not f.endswith((".yaml", ".yml")):
                continue
            path = os.path.join(dirpath, f)
            with open(path, "rb") as fh:
                data = fh.read()
            if len(data) > MAX_LEN:
                skipped += 1
                continue
            rel = os.path.relpath(path, scn_root).replace(os.sep, "-")
            with open(os.path.join(out, "scn-" + rel), "wb") as fh:
                fh.write(data)
            n += 1
    for name, text in list(HAND.items()) + list(PATHS.items()):
        data = text.encode()
        if len(data) > MAX_LEN:
            raise SystemExit("hand seed %s is over %d bytes" % (name, MAX_LEN))
        with open(os.path.join(out, "hand-" + name), "wb") as fh:
            fh.write(data)
        n += 1
    print("loader_seeds: %d seeds in %s (%d files over %d bytes skipped)" %
          (n, out, skipped, MAX_LEN))


if __name__ == "__main__":
    main()
