"""mailspec-server's mail store: durability across kill -9, UIDs and
UIDVALIDITY across restarts, the on-disk format (reference_server/README.md).

There is no POP3/IMAP yet, so these tests read the store files directly.
"""

import threading
import time

from server_fixtures import DOMAIN, server_factory, strip_received  # noqa: F401

ALICE = f"alice@{DOMAIN}"


def body_for(tag):
    """A message whose every byte says which one it is."""
    n = sum(tag.encode()) % 40
    filler = "".join(f"{tag} line {i:03d} " + "x" * (i % 70) + "\r\n" for i in range(n))
    return (f"Message-ID: <{tag}@test>\r\nSubject: {tag}\r\n\r\n{filler}"
            f".{tag} starts with a dot\r\nend-of-{tag}\r\n").encode()


def deliver_stream(srv, prefix, count, acked, stop):
    """Deliver up to count messages on one connection; record each 250."""
    try:
        with srv.client(timeout=10) as c:
            c.greet()
            for i in range(count):
                if stop.is_set():
                    return
                tag = f"{prefix}-{i:04d}"
                code, _ = c.send_message("load@remote.example", [ALICE],
                                         body_for(tag), ehlo=False)
                if code == 250:
                    acked.append(tag)
    except (OSError, EOFError, AssertionError):
        pass                                  # the server was killed


def tag_of(data):
    body = strip_received(data)
    start = body.index(b"Message-ID: <") + 13
    return body[start:body.index(b"@test>", start)].decode()


def test_acknowledged_messages_survive_kill_9(server_factory):
    srv = server_factory(name="durable")
    with srv.client() as c:
        assert c.send_message("a@b.example", [ALICE], body_for("first-0000"))[0] == 250
    uidvalidity = srv.state("alice")["uidvalidity"]
    acked, stop = ["first-0000"], threading.Event()
    threads = [threading.Thread(target=deliver_stream, args=(srv, f"t{k}", 150, acked, stop))
               for k in range(2)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 80 and time.monotonic() < deadline and any(t.is_alive() for t in threads):
        time.sleep(0.01)
    srv.kill()                                # SIGKILL in the middle of the stream
    stop.set()
    for t in threads:
        t.join(30)
        assert not t.is_alive()
    assert len(acked) >= 20, "too few deliveries before the kill"

    srv.start()                               # the same store
    stored = srv.messages("alice")
    by_tag = {}
    for uid, data in stored:
        tag = tag_of(data)
        assert strip_received(data) == body_for(tag), f"UID {uid} ({tag}) is not whole"
        assert tag not in by_tag, f"{tag} stored twice"
        by_tag[tag] = uid
    missing = [t for t in acked if t not in by_tag]
    assert missing == [], f"acknowledged but lost: {missing[:5]}"
    for prefix in ("t0", "t1"):               # one connection's order is UID order
        uids = [by_tag[t] for t in sorted(by_tag) if t.startswith(prefix)]
        assert uids == sorted(uids)
    state = srv.state("alice")
    assert state["uidvalidity"] == uidvalidity
    assert state["uidnext"] > max(uid for uid, _ in stored)
    assert srv.spool_files() == []            # unacknowledged spools are gone

    with srv.client() as c:                   # UIDs keep increasing
        assert c.send_message("a@b.example", [ALICE], body_for("after-0000"))[0] == 250
    after = srv.messages("alice")
    assert tag_of(after[-1][1]) == "after-0000"
    assert after[-1][0] >= state["uidnext"]


def test_uidvalidity_and_uids_across_clean_restart(server_factory):
    srv = server_factory(name="restart")
    with srv.client() as c:
        c.greet()
        for i in range(3):
            assert c.send_message("a@b.example", [ALICE], body_for(f"r-{i}"),
                                  ehlo=False)[0] == 250
    before = srv.state("alice")
    assert before["uidnext"] == 4
    assert srv.stop() == 0
    srv.start()
    assert srv.state("alice") == before
    with srv.client() as c:
        assert c.send_message("a@b.example", [ALICE], body_for("r-3"))[0] == 250
    assert [uid for uid, _ in srv.messages("alice")] == [1, 2, 3, 4]
    assert srv.state("alice")["uidvalidity"] == before["uidvalidity"]


def test_on_disk_format(server_factory):
    srv = server_factory(name="format")
    with srv.client() as c:
        assert c.send_message("a@b.example", [ALICE, f"bob@{DOMAIN}"],
                              b"Subject: f\r\n\r\nbody\r\n")[0] == 250
    for user in ("alice", "bob"):
        box = srv.mailbox_dir(user)
        assert sorted(p.name for p in box.iterdir()) == ["lock", "msg", "state"]
        text = (box / "state").read_text()
        assert text.startswith("mailspec-mailbox 1\nuidvalidity ")
        data = (box / "msg" / "1").read_bytes()
        assert data.startswith(b"Received: from ")
        assert data.endswith(b"\r\n\r\nbody\r\n")
    # one message to several users is one file, hard-linked
    a = (srv.mailbox_dir("alice") / "msg" / "1").stat()
    b = (srv.mailbox_dir("bob") / "msg" / "1").stat()
    assert a.st_ino == b.st_ino and a.st_nlink == 2
    # UIDVALIDITY differs between mailboxes created in the same second
    assert srv.state("alice")["uidvalidity"] != srv.state("bob")["uidvalidity"]
