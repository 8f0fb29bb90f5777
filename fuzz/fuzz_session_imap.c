/* fuzz_session_imap.c: libFuzzer harness for the reference server's IMAP
 * session (reference_server/imap_*.c), driven in-process over an
 * in-memory pipe through the server's own conn/io/loop code
 * (fuzz/session_driver.c). Before each input the store is the same:
 * alice (password "secret") has three messages in INBOX (one multipart,
 * one \Seen, one \Flagged \Deleted) and one in Archive, bob ("hunter2")
 * none; both have logged in once (so the special-use mailboxes and the
 * subscriptions exist).
 *
 * Input: byte 0 is a set of switches (below), byte 1 the packet separator,
 * the rest the client's byte stream, cut at each separator byte into
 * packets; each packet is sent once the server has answered everything
 * before it (RFC 9051 §5.5 pipelining within a packet; a synchronizing
 * literal sent in the same packet as its command tests §4.3).
 *
 * Oracles, on everything the server sent: it parses as IMAP responses
 * with the engine's response parser (RFC 9051 §7, §4.3 literals), so no
 * response is malformed or left incomplete; the first is an untagged OK,
 * PREAUTH or BYE greeting (§7.1); a tagged completion carries a tag the
 * client sent (§2.2.2); after an untagged BYE comes at most one tagged
 * completion (§7.1.5: LOGOUT) and nothing else. Plus: no crash, leak or
 * UB, no hang, and the session closes once the client has sent EOF.
 */
#include "fuzz_util.h"

#include "imap_resp.h"
#include "session_driver.h"

#define SW_PLAINTEXT_AUTH	0x01	/* --allow-plaintext-auth */
#define SW_IMPLICIT_TLS		0x02	/* imaps (with SW_TLS_CLIENT) */
#define SW_SMALL_LIMITS		0x04	/* max_errors 3, APPEND of 300 octets */
#define SW_TLS_CLIENT		0x08	/* the client does TLS after STARTTLS */
#define SW_TIMEOUT		0x10	/* then the idle timer fires */
#define SW_SHUTDOWN		0x20	/* then the server stops (SIGTERM) */
#define SW_TWO_CONNS		0x40	/* packets alternate between two clients */
#define SW_FULL_HANDSHAKE	0x80	/* TLS without resuming the kept session */

static const struct session_fixture fixtures[] = {
	{ "alice", "INBOX", 0,
	    "From: Carol <carol@example.org>\r\nTo: alice@localhost\r\n"
	    "Subject: one\r\nDate: Thu, 01 Jan 2015 00:00:00 +0000\r\n"
	    "Message-ID: <one@example.org>\r\n\r\nHello, Alice.\r\n" },
	{ "alice", "INBOX", STORE_F_SEEN,
	    "From: bob@localhost\r\nTo: alice@localhost, Carol <carol@example.org>\r\n"
	    "Subject: =?UTF-8?Q?caf=C3=A9?=\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
	    "preamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9\r\n"
	    "--b1\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\n"
	    "inner body\r\n--b1\r\nContent-Type: application/octet-stream\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nAAECAwQF\r\n--b1--\r\n" },
	{ "alice", "INBOX", STORE_F_FLAGGED | STORE_F_DELETED,
	    "Subject: three\r\n\r\nline 1\r\nline 2\r\nno CRLF at the end" },
	{ "alice", "Archive", 0,
	    "Subject: archived\r\nFrom: <dave@example.org>\r\n\r\nOld.\r\n" },
};

/* Both users log in once: what a first login creates is then part of the
 * state every input starts from. */
static const char setup_alice[] = "a LOGIN alice secret\r\nb LOGOUT\r\n";
static const char setup_bob[] = "a LOGIN bob hunter2\r\nb LOGOUT\r\n";

struct imap_check {
	const uint8_t *client;		/* what the client sent, for tags */
	size_t client_len;
	size_t nresp;
	bool has_bye;
	size_t after_bye;		/* responses after the BYE */
};

/* RFC 9051 §6.2.1: the tagged OK to STARTTLS ("Begin TLS negotiation
 * now"); a tag is any run of non-space bytes. */
static bool
is_tls_line(const uint8_t *line, size_t len)
{
	const uint8_t *sp = memchr(line, ' ', len);
	static const char ok[] = " OK Begin TLS";

	return sp != NULL && sp != line && line[0] != '*' && line[0] != '+' &&
	    (size_t)(line + len - sp) >= sizeof(ok) - 1 &&
	    memcmp(sp, ok, sizeof(ok) - 1) == 0;
}

/* The tag is somewhere in what the client sent (a tag followed by
 * nothing else, "OUT\r\n", gets a tagged BAD too). */
static bool
client_sent_tag(const struct imap_check *st, const char *tag)
{
	return memmem(st->client, st->client_len, tag, strlen(tag)) != NULL;
}

static void
check_resp(struct imap_check *st, const struct imap_resp *r)
{
	if (st->nresp++ == 0 && (r->kind != IMAP_RESP_UNTAGGED ||
	    (r->status != IMAP_STATUS_OK && r->status != IMAP_STATUS_PREAUTH &&
	    r->status != IMAP_STATUS_BYE)))
		fuzz_fail("the greeting is not an untagged OK, PREAUTH or BYE");
	if (st->has_bye && (r->kind != IMAP_RESP_TAGGED || ++st->after_bye > 1))
		fuzz_fail("more than a tagged completion after BYE");
	if (r->kind == IMAP_RESP_TAGGED && !client_sent_tag(st, r->tag))
		fuzz_fail("a tagged completion with a tag the client never sent");
	if (r->kind == IMAP_RESP_UNTAGGED && r->status == IMAP_STATUS_BYE)
		st->has_bye = true;
}

static void
check_output(const struct session_out *out, const uint8_t *client, size_t client_len)
{
	static struct imap_resp_parser *p;
	struct imap_check st;
	struct imap_resp r;
	size_t pos = 0, n;
	int rc;

	if (p == NULL && (p = imap_resp_parser_new(NULL)) == NULL)
		abort();
	imap_resp_parser_reset(p);
	memset(&st, 0, sizeof(st));
	st.client = client;
	st.client_len = client_len;
	while (pos < out->len) {
		n = imap_resp_parser_feed(p, out->data + pos, out->len - pos);
		pos += n;
		while ((rc = imap_resp_parser_next(p, &r)) == 1)
			check_resp(&st, &r);
		if (rc < 0) {
			fprintf(stderr, "imap response error: %s\n",
			    imap_error_str(imap_resp_parser_error(p)));
			fuzz_fail("the server sent a malformed IMAP response");
		}
		if (n == 0)
			fuzz_fail("a response larger than the parser takes");
	}
	if (st.nresp == 0)
		fuzz_fail("no greeting");
	if (imap_resp_parser_pending(p) > 0 && !out->is_truncated && !out->is_cut)
		fuzz_fail("the last response is not complete");
}

static void
setup_store(void)
{
	static const struct session_run login = { .proto = "imap", .delim = -1 };
	struct server *srv = session_driver_server();
	struct session_out out[SESSION_CONNS];
	size_t i;

	memset(out, 0, sizeof(out));
	srv->allow_plaintext_auth = true;
	session_driver_reset_store(fixtures, sizeof(fixtures) / sizeof(fixtures[0]));
	session_driver_run(&login, (const uint8_t *)setup_alice, strlen(setup_alice), out);
	session_driver_run(&login, (const uint8_t *)setup_bob, strlen(setup_bob), out);
	for (i = 0; i < SESSION_CONNS; i++)
		session_out_release(&out[i]);
	session_driver_record_store();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct session_out out[SESSION_CONNS];
	static bool is_setup;
	struct server *srv;
	struct session_run run;
	uint8_t sw;

	if (size < 2)
		return 0;
	if (!is_setup) {
		setup_store();
		is_setup = true;
	}
	sw = data[0];
	srv = session_driver_server();
	session_driver_reset_store(fixtures, sizeof(fixtures) / sizeof(fixtures[0]));
	srv->allow_plaintext_auth = (sw & SW_PLAINTEXT_AUTH) != 0;
	srv->limits.max_errors = sw & SW_SMALL_LIMITS ? 3 : 20;
	srv->limits.max_message_size = sw & SW_SMALL_LIMITS ? 300 : 10 * 1024 * 1024;
	run.is_tls_client = (sw & SW_TLS_CLIENT) != 0;
	run.is_tls_full = (sw & SW_FULL_HANDSHAKE) != 0;
	run.proto = sw & SW_IMPLICIT_TLS && run.is_tls_client ? "imaps" : "imap";
	run.is_tls_line = is_tls_line;
	run.delim = data[1];
	run.is_timeout = (sw & SW_TIMEOUT) != 0;
	run.is_shutdown = (sw & SW_SHUTDOWN) != 0;
	run.is_two_conns = (sw & SW_TWO_CONNS) != 0;
	session_driver_run(&run, data + 2, size - 2, out);
	/* what each client sent: its packets without the separators */
	{
		uint8_t *sent[SESSION_CONNS];
		size_t i, k = 0, n[SESSION_CONNS] = { 0 };

		for (i = 0; i < SESSION_CONNS; i++)
			if ((sent[i] = malloc(size)) == NULL)
				abort();
		for (i = 2; i < size; i++) {
			size_t conn = run.is_two_conns ? k % SESSION_CONNS : 0;

			if (data[i] == data[1])
				k++;
			else
				sent[conn][n[conn]++] = data[i];
		}
		for (i = 0; i < SESSION_CONNS; i++) {
			if (i == 0 || out[i].len > 0)
				check_output(&out[i], sent[i], n[i]);
			free(sent[i]);
		}
	}
	return 0;
}
