/* fuzz_session_smtp.c: libFuzzer harness for the reference server's SMTP
 * and submission sessions (reference_server/smtp_*.c), driven in-process
 * over an in-memory pipe through the server's own conn/io/loop code
 * (fuzz/session_driver.c).
 *
 * Input: byte 0 is a set of switches (below), byte 1 the packet separator,
 * the rest the client's byte stream, cut at each separator byte into
 * packets; each packet is sent once the server has answered everything
 * before it, so one packet is a pipelined group (RFC 2920) and a line may
 * span packets.
 *
 * Oracles, on everything the server sent (RFC 5321 §4.2, §4.5.3.1.5,
 * RFC 2034, RFC 3463 §2): every line ends in CRLF with no bare CR, LF or
 * NUL and is at most 512 octets; it is "ddd", "ddd text" or "ddd-text"
 * with a code 2xx-5xx; lines of one reply share the code; an enhanced
 * code has the class of the reply; the first reply is the 220 greeting;
 * nothing follows a 221 or 421 (the session closes); the last reply is
 * complete. Plus: no crash, leak or UB, no hang, and the session closes
 * once the client has sent EOF.
 */
#include "fuzz_util.h"

#include "session_driver.h"

#define SW_PLAINTEXT_AUTH	0x01	/* --allow-plaintext-auth */
#define SW_SUBMISSION		0x02	/* the submission service (RFC 6409) */
#define SW_SMALL_LIMITS		0x04	/* tiny message size, recipients, errors */
#define SW_TLS_CLIENT		0x08	/* the client does TLS after STARTTLS */
#define SW_TIMEOUT		0x10	/* then the idle timer fires */
#define SW_SHUTDOWN		0x20	/* then the server stops (SIGTERM) */
#define SW_TWO_CONNS		0x40	/* packets alternate between two clients */
#define SW_FULL_HANDSHAKE	0x80	/* TLS without resuming the kept session */

struct smtp_check {
	size_t nlines;
	bool is_continued;	/* the last line was "ddd-" */
	char code[3];
	bool is_final;		/* a 221 or 421 ended */
};

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* "c.sss.ddd" at the start of text: its class must be the reply's. */
static void
check_enhanced(const uint8_t *t, size_t len, uint8_t class)
{
	size_t i = 0, dots = 0, digits = 0;

	if (len < 2 || !is_digit(t[0]) || t[1] != '.')
		return;		/* no enhanced code */
	for (i = 0; i < len && t[i] != ' '; i++) {
		if (t[i] == '.') {
			if (digits == 0)
				return;
			dots++;
			digits = 0;
		} else if (is_digit(t[i]))
			digits++;
		else
			return;	/* text that merely starts with a digit */
	}
	if (dots == 2 && digits > 0 && t[0] != class)
		fuzz_fail("enhanced status code of another class than the reply");
}

static void
check_line(void *arg, const uint8_t *line, size_t len)
{
	struct smtp_check *st = arg;

	if (st->is_final)
		fuzz_fail("a reply after 221/421");
	if (len > 510)
		fuzz_fail("reply line over 512 octets");
	if (len < 3 || line[0] < '2' || line[0] > '5' || !is_digit(line[1]) ||
	    !is_digit(line[2]))
		fuzz_fail("reply line without a 3-digit code");
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		fuzz_fail("reply code not followed by SP or '-'");
	if (st->nlines == 0 && memcmp(line, "220", 3) != 0)
		fuzz_fail("the greeting is not 220");
	if (st->is_continued && memcmp(line, st->code, 3) != 0)
		fuzz_fail("lines of one reply with different codes");
	if (!st->is_continued && len > 4)
		check_enhanced(line + 4, len - 4, line[0]);
	memcpy(st->code, line, 3);
	st->is_continued = len > 3 && line[3] == '-';
	if (!st->is_continued && (memcmp(line, "221", 3) == 0 ||
	    memcmp(line, "421", 3) == 0))
		st->is_final = true;
	st->nlines++;
}

/* RFC 3207 §4: "220 2.0.0 Ready to start TLS" (the greeting has no
 * enhanced code). */
static bool
is_tls_line(const uint8_t *line, size_t len)
{
	return len >= 10 && memcmp(line, "220 2.0.0 ", 10) == 0;
}

static void
check_output(const struct session_out *out)
{
	struct smtp_check st;

	memset(&st, 0, sizeof(st));
	session_out_lines(out, check_line, &st);
	if (st.nlines == 0)
		fuzz_fail("no greeting");
	if (st.is_continued && !out->is_truncated && !out->is_cut)
		fuzz_fail("the last reply is not complete");
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
	session_driver_reset_store(NULL, 0);
	srv->allow_plaintext_auth = (sw & SW_PLAINTEXT_AUTH) != 0;
	srv->limits.max_message_size = sw & SW_SMALL_LIMITS ? 300 : 10 * 1024 * 1024;
	srv->limits.max_recipients = sw & SW_SMALL_LIMITS ? 2 : 100;
	srv->limits.max_errors = sw & SW_SMALL_LIMITS ? 3 : 20;
	run.proto = sw & SW_SUBMISSION ? "submission" : "smtp";
	run.is_tls_line = is_tls_line;
	run.is_tls_client = (sw & SW_TLS_CLIENT) != 0;
	run.is_tls_full = (sw & SW_FULL_HANDSHAKE) != 0;
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
