#!/usr/bin/env python3
"""session_seeds.py: seed corpora of the session fuzzers from the scenarios.

Each client dialogue of scenarios/{smtp,pop3,imap,cross,security}/*.yaml
(one per connection opened) becomes one input of fuzz_session_smtp,
fuzz_session_pop3 or fuzz_session_imap, in their format: byte 0 the
switches, byte 1 the packet separator, then what the client sends, one
packet per step (a `pipeline` is one packet, as the engine writes it).

Variables take the values the session driver's server has (users alice/
secret and bob/hunter2, domain localhost); captured ones become "1".
STARTTLS/STLS taken from a login prelude is left out and plaintext
authentication switched on, so that the dialogue goes on in plaintext;
scenarios about TLS keep it and switch the driver's TLS client on.

    /usr/bin/python3 fuzz/session_seeds.py        (rewrites the scn-* seeds)
"""
import base64
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCEN = os.path.join(ROOT, "scenarios")
MAX_SEED = 4096
DELIMS = [0xFF, 0xFE, 0xFD, 0x1E, 0x1F]

VARS = {
    "user1": "alice", "pass1": "secret", "addr1": "alice@localhost",
    "user2": "bob", "pass2": "hunter2", "addr2": "bob@localhost",
    "domain": "localhost", "postmaster": "postmaster@localhost",
    "ehlo": "client.example", "runid": "r1",
}

# switches of each harness (fuzz/fuzz_session_*.c)
SW_PLAINTEXT_AUTH = 0x01
SW_SUBMISSION = 0x02        # smtp
SW_TLS_CLIENT = 0x08

TARGET = {"smtp": "fuzz_session_smtp", "submission": "fuzz_session_smtp",
          "pop3": "fuzz_session_pop3", "imap": "fuzz_session_imap"}


def expand(text, ctx):
    """Expand ${...} (nested) the way the engine does, near enough."""
    out, i = [], 0
    while i < len(text):
        j = text.find("${", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        depth, k = 1, j + 2
        while k < len(text) and depth:
            if text.startswith("${", k):
                depth += 1
                k += 2
                continue
            if text[k] == "}":
                depth -= 1
            k += 1
        out.append(expand_one(text[j + 2:k - 1], ctx))
        i = k
    return "".join(out)


def expand_one(expr, ctx):
    if expr.startswith("base64:"):
        raw = expand(expr[7:], ctx).replace("\\0", "\0")
        return base64.b64encode(raw.encode("latin-1")).decode()
    if expr.startswith("repeat:"):
        _, n, text = expr.split(":", 2)
        return expand(text, ctx) * min(int(n), 2000)
    if expr.startswith("add:"):
        a, b = (expand(x, ctx) for x in expr[4:].split(":", 1))
        try:
            return str(int(a) + int(b))
        except ValueError:
            return "1"
    if expr.startswith("cap."):
        return "10485760"
    if expr == "tag":
        return ctx["tag"]
    return VARS.get(expr, "1")


def raw_piece(piece, ctx):
    if isinstance(piece, str):
        return expand(piece, ctx).encode("latin-1", "replace")
    if "hex" in piece:
        return bytes.fromhex(piece["hex"])
    if "base64" in piece:
        return base64.b64decode(piece["base64"])
    if "repeat" in piece:
        return (expand(piece["repeat"], ctx).encode("latin-1", "replace") *
                min(int(piece.get("count", 1)), 2000))
    return b""


class Dialogue:
    def __init__(self, endpoint, tls_test):
        self.endpoint = endpoint
        self.packets = []
        self.tls = False
        self.tls_test = tls_test
        self.ctx = {"tag": "A000", "n": 0}

    def tagged(self, line):
        if self.endpoint != "imap":
            return line
        self.ctx["n"] += 1
        self.ctx["tag"] = "A%03d" % self.ctx["n"]
        return self.ctx["tag"] + " " + line


def load_preludes():
    pre = {}
    for name in os.listdir(os.path.join(SCEN, "preludes")):
        with open(os.path.join(SCEN, "preludes", name), encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        pre[doc["prelude"]] = doc.get("steps", [])
    return pre


def run_steps(steps, conn, state, preludes, depth=0):
    """Append what `steps` send on connection `conn` to its dialogue."""
    for step in steps or []:
        name = step.get("conn", state["default"])
        if "prelude" in step:
            if depth < 8:
                sub = [dict(s, conn=s.get("conn", name)) for s in
                       preludes.get(step["prelude"], [])]
                run_steps(sub, name, state, preludes, depth + 1)
            continue
        if "retry" in step:
            sub = [dict(s, conn=s.get("conn", name)) for s in
                   step["retry"].get("steps", [])]
            run_steps(sub, name, state, preludes, depth + 1)
            continue
        if "connect" in step:
            cname = step["connect"]
            state["open"][cname] = new_dialogue(cname, state)
            continue
        d = state["open"].get(name)
        if d is None:
            d = state["open"][name] = new_dialogue(name, state)
        send_step(step, d)


def new_dialogue(name, state):
    endpoint = state["conns"].get(name, {}).get("endpoint", state["proto"])
    d = Dialogue(endpoint, state["tls_test"])
    state["all"].append(d)
    return d


def send_step(step, d):
    ctx = d.ctx
    if "send" in step:
        line = expand(str(step["send"]), ctx)
        is_tls_cmd = re.fullmatch(r"(?i)(starttls|stls)", line.strip()) is not None
        if is_tls_cmd and not d.tls_test:
            return
        d.packets.append(d.tagged(line).encode("latin-1", "replace") + b"\r\n")
    elif "pipeline" in step:
        d.packets.append(b"".join(
            d.tagged(expand(str(x), ctx)).encode("latin-1", "replace") + b"\r\n"
            for x in step["pipeline"]))
    elif "send_raw" in step:
        v = step["send_raw"]
        pieces = v if isinstance(v, list) else [v]
        d.packets.append(b"".join(raw_piece(p, ctx) for p in pieces))
    elif "send_data" in step:
        v = step["send_data"]
        lines = v if isinstance(v, list) else str(v).split("\n")
        body = b""
        for line in lines:
            b = expand(str(line), ctx).encode("latin-1", "replace")
            body += (b"." + b if b.startswith(b".") else b) + b"\r\n"
        d.packets.append(body + b".\r\n")
    elif "starttls" in step:
        if d.tls_test:
            d.tls = True


def scenario_dialogues(path, preludes):
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or "steps" not in doc:
        return doc, []
    proto = doc.get("protocol", "smtp")
    if isinstance(proto, list):
        proto = proto[0]
    conns = doc.get("connections") or {}
    default = next(iter(conns)) if conns else "main"
    if default not in conns:
        conns = dict(conns, **{default: {"endpoint": proto}})
    sid = doc.get("id", os.path.basename(path))
    state = {"proto": proto, "conns": conns, "default": default, "open": {},
             "all": [], "tls_test": re.search(r"tls", sid) is not None}
    run_steps(doc["steps"], default, state, preludes)
    return doc, state["all"]


def encode(d):
    payload = b"".join(d.packets)
    delim = next(x for x in DELIMS if bytes([x]) not in payload)
    sw = SW_PLAINTEXT_AUTH
    if d.endpoint == "submission":
        sw |= SW_SUBMISSION
    if d.tls:
        sw |= SW_TLS_CLIENT
    data = bytes([sw, delim]) + bytes([delim]).join(d.packets)
    return data[:MAX_SEED]


def main():
    preludes = load_preludes()
    written = {}
    for sub in ("smtp", "pop3", "imap", "cross", "security"):
        folder = os.path.join(SCEN, sub)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".yaml"):
                continue
            doc, dialogues = scenario_dialogues(os.path.join(folder, name), preludes)
            sid = doc.get("id", name[:-5]) if isinstance(doc, dict) else name[:-5]
            for n, d in enumerate(dialogues):
                target = TARGET.get(d.endpoint)
                if target is None or not d.packets:
                    continue
                out = os.path.join(ROOT, "fuzz", "corpus", target)
                if not os.path.isdir(out):
                    continue
                fname = "scn-%s%s" % (sid, "" if n == 0 else ".%d" % n)
                with open(os.path.join(out, fname), "wb") as f:
                    f.write(encode(d))
                written[target] = written.get(target, 0) + 1
    for t, n in sorted(written.items()):
        print("%s: %d seeds" % (t, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
