/* fuzz_session_pop3.c: libFuzzer harness for the reference server's POP3
 * session (reference_server/pop3_*.c), driven in-process over an
 * in-memory pipe through the server's own conn/io/loop code
 * (fuzz/session_driver.c). Before each input the store holds the same
 * maildrops: alice (password "secret") has three messages (one with
 * lines that need byte-stuffing, one whose last line has no CRLF), bob
 * ("hunter2") has none.
 *
 * Input: byte 0 is a set of switches (below), byte 1 the packet separator,
 * the rest the client's byte stream, cut at each separator byte into
 * packets; each packet is sent once the server has answered everything
 * before it (RFC 2449 §6.6 pipelining within a packet).
 *
 * Oracles, on everything the server sent (RFC 1939 §3, RFC 2449 §4,
 * RFC 5034 §4): every line ends in CRLF with no bare CR, LF or NUL; the
 * first is the +OK greeting; a line outside a multi-line response is a
 * status line ("+OK", "-ERR", or "+ " for a SASL challenge) of at most
 * 512 octets; other lines only follow a +OK, up to the "." line, and
 * inside them a line starting with "." is byte-stuffed; no multi-line
 * response is left open. Plus: no crash, leak or UB, no hang, and the
 * session closes once the client has sent EOF.
 */
#include "fuzz_util.h"

#include "session_driver.h"

#define SW_PLAINTEXT_AUTH	0x01	/* --allow-plaintext-auth */
#define SW_IMPLICIT_TLS		0x02	/* pop3s (with SW_TLS_CLIENT) */
#define SW_SMALL_LIMITS		0x04	/* max_errors 3 */
#define SW_TLS_CLIENT		0x08	/* the client does TLS after STLS */
#define SW_TIMEOUT		0x10	/* then the idle timer fires */
#define SW_SHUTDOWN		0x20	/* then the server stops (SIGTERM) */
#define SW_TWO_CONNS		0x40	/* packets alternate between two clients */
#define SW_FULL_HANDSHAKE	0x80	/* TLS without resuming the kept session */

static const struct session_fixture fixtures[] = {
	{ "alice", "INBOX", 0,
	    "From: <carol@example.org>\r\nTo: <alice@localhost>\r\n"
	    "Subject: one\r\nDate: Thu, 01 Jan 2015 00:00:00 +0000\r\n\r\n"
	    "Hello, Alice.\r\n" },
	{ "alice", "INBOX", 0,
	    "Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\n"
	    "\r\nafter an empty line\r\n" },
	{ "alice", "INBOX", 0,
	    "Subject: three\r\nX-Folded: a\r\n\tb\r\n\r\nline 1\r\nline 2\r\n"
	    "line 3\r\nline 4\r\nno CRLF at the end" },
};

enum pop3_check_state { CHECK_STATUS, CHECK_MAY_BODY, CHECK_BODY };

struct pop3_check {
	size_t nlines;
	enum pop3_check_state state;
};

static bool
has_prefix(const uint8_t *line, size_t len, const char *p)
{
	size_t n = strlen(p);

	return len >= n && memcmp(line, p, n) == 0;
}

/* "+OK", "-ERR" (alone or with text) or "+ " (a SASL challenge). */
static bool
is_status(const uint8_t *line, size_t len)
{
	if (has_prefix(line, len, "+OK"))
		return len == 3 || line[3] == ' ';
	if (has_prefix(line, len, "-ERR"))
		return len == 4 || line[4] == ' ';
	return has_prefix(line, len, "+ ");
}

static void
check_line(void *arg, const uint8_t *line, size_t len)
{
	struct pop3_check *st = arg;

	if (st->nlines++ == 0 && !has_prefix(line, len, "+OK"))
		fuzz_fail("the greeting is not +OK");
	if (st->state == CHECK_MAY_BODY && !is_status(line, len))
		st->state = CHECK_BODY;
	if (st->state == CHECK_BODY) {
		if (len == 1 && line[0] == '.')
			st->state = CHECK_STATUS;
		else if (len > 0 && line[0] == '.' && (len < 2 || line[1] != '.'))
			fuzz_fail("a line of a multi-line response not byte-stuffed");
		return;
	}
	if (!is_status(line, len))
		fuzz_fail("a line that is neither a status nor in a multi-line response");
	if (len > 510)
		fuzz_fail("status line over 512 octets");
	st->state = has_prefix(line, len, "+OK") ? CHECK_MAY_BODY : CHECK_STATUS;
}

/* RFC 2595 §4: the +OK to STLS ("+OK Begin TLS negotiation"). */
static bool
is_tls_line(const uint8_t *line, size_t len)
{
	return has_prefix(line, len, "+OK Begin TLS");
}

static void
check_output(const struct session_out *out)
{
	struct pop3_check st;

	memset(&st, 0, sizeof(st));
	session_out_lines(out, check_line, &st);
	if (st.nlines == 0)
		fuzz_fail("no greeting");
	if (st.state == CHECK_BODY && !out->is_truncated && !out->is_cut)
		fuzz_fail("a multi-line response left open");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct session_out out[SESSION_CONNS];
	struct server *srv;
	struct session_run run;
	uint8_t sw;
	size_t i;

	if (size < 2)
		return 0;
	sw = data[0];
	srv = session_driver_server();
	session_driver_reset_store(fixtures, sizeof(fixtures) / sizeof(fixtures[0]));
	srv->allow_plaintext_auth = (sw & SW_PLAINTEXT_AUTH) != 0;
	srv->limits.max_errors = sw & SW_SMALL_LIMITS ? 3 : 20;
	run.is_tls_client = (sw & SW_TLS_CLIENT) != 0;
	run.is_tls_full = (sw & SW_FULL_HANDSHAKE) != 0;
	run.proto = sw & SW_IMPLICIT_TLS && run.is_tls_client ? "pop3s" : "pop3";
	run.is_tls_line = is_tls_line;
	run.delim = data[1];
	run.is_timeout = (sw & SW_TIMEOUT) != 0;
	run.is_shutdown = (sw & SW_SHUTDOWN) != 0;
	run.is_two_conns = (sw & SW_TWO_CONNS) != 0;
	session_driver_run(&run, data + 2, size - 2, out);
	for (i = 0; i < SESSION_CONNS; i++)
		if (i == 0 || out[i].len > 0)
			check_output(&out[i]);
	return 0;
}
