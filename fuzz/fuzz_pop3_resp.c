/* fuzz_pop3_resp.c: libFuzzer harness for the POP3 response parser and
 * dot-stuffing of engine/proto/pop3.c (RFC 1939 §3, RFC 2449 §3 and §8,
 * RFC 5034 §4).
 *
 * Input: byte 0 picks the limits (bits 0-1 max_line, bits 2-3 max_body)
 * and the expect_body pattern (bits 4-7: response i expects a body when
 * bit i % 4 is set), bytes 1-3 a chunk pattern, the rest is the server's
 * byte stream. Oracles:
 * - the stream parsed fed whole and fed in chunks gives identical
 *   responses and errors, and every response keeps the header's promises;
 * - the stream taken as a message, dot-stuffed into a buffer of exactly
 *   pop3_stuffed_max() bytes and parsed as a +OK body, comes back
 *   unchanged (a final CRLF added), or, when it holds a bare CR, a bare LF
 *   or a NUL, makes the strict parser fail: the body never ends early.
 */
#include "fuzz_util.h"

#include "buf.h"
#include "pop3.h"

FUZZ_ASAN_DEFAULTS()

static const size_t max_line_opts[] = { 0, 3, 16, 512 };
static const size_t max_body_opts[] = { 0, 1, 10, 300 };

/* Check one response against the header's promises. */
static void
resp_check(const struct pop3_resp *r, bool expect_body, size_t max_body)
{
	size_t i, lines = 0, status_min, status_max;

	if (r->status != POP3_OK && r->status != POP3_ERR && r->status != POP3_CONT)
		fuzz_fail("status");
	if (r->text == NULL || r->text[r->text_len] != '\0' ||
	    memchr(r->text, '\0', r->text_len) != NULL ||
	    memchr(r->text, '\r', r->text_len) != NULL ||
	    memchr(r->text, '\n', r->text_len) != NULL)
		fuzz_fail("text");
	if (r->resp_code != NULL) {
		size_t n = strlen(r->resp_code);

		if (r->status == POP3_CONT || n == 0 || r->text_len < n + 2 ||
		    r->text[0] != '[' || memcmp(r->text + 1, r->resp_code, n) != 0 ||
		    r->text[n + 1] != ']' || memchr(r->resp_code, ']', n) != NULL)
			fuzz_fail("resp_code");
	}
	if (r->has_body != (r->status == POP3_OK && expect_body))
		fuzz_fail("has_body");
	/* "+OK" / "-ERR" / "+", then SP text or nothing (an empty text may
	 * have come either way), then CRLF */
	status_min = (r->status == POP3_ERR ? 4 : r->status == POP3_OK ? 3 : 1) +
	    r->text_len + 2 + (r->text_len > 0 ? 1 : 0);
	status_max = status_min + (r->text_len > 0 ? 0 : 1);
	if (!r->has_body) {
		if (r->body != NULL || r->body_len != 0 || r->body_lines != 0)
			fuzz_fail("body without has_body");
		if (r->wire_len < status_min || r->wire_len > status_max)
			fuzz_fail("wire_len of a status line");
		return;
	}
	if (r->body == NULL || r->body[r->body_len] != '\0' || r->body_len > max_body ||
	    memchr(r->body, '\0', r->body_len) != NULL)
		fuzz_fail("body");
	for (i = 0; i < r->body_len; i++) {
		if (r->body[i] == '\r' && (i + 1 == r->body_len || r->body[i + 1] != '\n'))
			fuzz_fail("bare CR in body");
		if (r->body[i] == '\n' && (i == 0 || r->body[i - 1] != '\r'))
			fuzz_fail("bare LF in body");
		lines += r->body[i] == '\n';
	}
	if (lines != r->body_lines || (r->body_len > 0 && r->body[r->body_len - 1] != '\n'))
		fuzz_fail("body lines");
	/* each body line lost at most its stuffing dot; ".\r\n" ends it */
	if (r->wire_len < status_min + r->body_len + 3 ||
	    r->wire_len > status_max + r->body_len + r->body_lines + 3)
		fuzz_fail("wire_len of a body response");
}

static void
resp_record(struct buf *out, const struct pop3_resp *r)
{
	fuzz_rec_num(out, (uint64_t)r->status);
	fuzz_rec_num(out, r->text_len);
	fuzz_rec_str(out, r->resp_code != NULL ? r->resp_code : "(none)");
	fuzz_rec_num(out, r->wire_len);
	fuzz_rec_num(out, r->has_body);
	fuzz_rec_num(out, r->body_len);
	fuzz_rec_num(out, r->body_lines);
	buf_append(out, r->text, r->text_len);
	if (r->has_body)
		buf_append(out, r->body, r->body_len);
	buf_putc(out, '\n');
}

struct run {
	struct pop3_resp_parser *p;
	unsigned expect_bits;
	size_t max_body;
	size_t nresp;
	bool has_failed;
};

/* Take every response available; stop at the first error. */
static void
take_all(struct run *run, struct buf *out)
{
	struct pop3_resp r;
	int rc;

	while (!run->has_failed) {
		bool expect_body = (run->expect_bits >> (run->nresp % 4)) & 1;

		rc = pop3_resp_parser_next(run->p, expect_body, &r);
		if (rc == 0)
			return;
		if (rc < 0) {
			enum pop3_resp_error e = pop3_resp_parser_error(run->p);

			if (e == POP3_RESP_ERR_NONE || e == POP3_RESP_ERR_NOMEM)
				fuzz_fail("bad error code");
			if (pop3_resp_parser_next(run->p, expect_body, &r) != -1 ||
			    pop3_resp_parser_error(run->p) != e)
				fuzz_fail("error state not kept");
			fuzz_rec_str(out, "E");
			fuzz_rec_num(out, (uint64_t)e);
			run->has_failed = true;
			return;
		}
		resp_check(&r, expect_body, run->max_body);
		resp_record(out, &r);
		run->nresp++;
	}
}

struct feed_ctx {
	struct run *run;
	struct buf *out;
};

static size_t
resp_feed(void *ctx, const void *data, size_t len)
{
	return pop3_resp_parser_feed(((struct feed_ctx *)ctx)->run->p, data, len);
}

static void
resp_drain(void *ctx)
{
	struct feed_ctx *fc = ctx;

	take_all(fc->run, fc->out);
}

static bool
resp_has_stopped(void *ctx)
{
	return ((struct feed_ctx *)ctx)->run->has_failed;
}

/* Parse stream in chunks from the pattern (NULL: whole); record items. */
static void
run_stream(struct pop3_resp_parser *p, const struct pop3_resp_limits *lim,
    unsigned expect_bits, const uint8_t *stream, size_t len, const uint8_t *pattern,
    struct buf *out)
{
	struct run run = { p, expect_bits,
	    lim->max_body != 0 ? lim->max_body : (size_t)64 << 20, 0, false };
	struct pop3_resp r;
	struct feed_ctx fc = { &run, out };
	struct fuzz_feeder f = { resp_feed, resp_drain, resp_has_stopped, &fc };

	pop3_resp_parser_reset(p);
	fuzz_feed_chunks(&f, stream, len, pattern);
	/* after an error the two feeds may have buffered different amounts */
	if (!run.has_failed)
		buf_printf(out, "pending %zu\n", pop3_resp_parser_pending(run.p));
	pop3_resp_parser_reset(run.p);
	if (pop3_resp_parser_feed(run.p, "+OK\r\n", 5) != 5 ||
	    pop3_resp_parser_next(run.p, false, &r) != 1 || r.wire_len != 5)
		fuzz_fail("parser unusable after reset");
	pop3_resp_parser_reset(p);	/* its memory goes back now (fuzz_util.h) */
}

/* Does msg hold a NUL, an LF without CR or a CR without LF (a CR at the
 * end counts: the CRLF pop3_body_stuff() adds makes it CR CR LF)? */
static bool
msg_is_bad(const uint8_t *msg, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (msg[i] == '\0' ||
		    (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r')) ||
		    (msg[i] == '\r' && (i + 1 == len || msg[i + 1] != '\n')))
			return true;
	}
	return false;
}

static void
stuff_round_trip(const uint8_t *msg, size_t len)
{
	static struct pop3_resp_parser *p;
	struct pop3_resp_limits lim = { 8192, 0 };
	size_t max = pop3_stuffed_max(len), n, want_len;
	uint8_t *wire = malloc(5 + max);
	struct pop3_resp r;
	int rc;

	if (p == NULL && (p = pop3_resp_parser_new(&lim)) == NULL)
		abort();
	if (wire == NULL)
		abort();
	pop3_resp_parser_reset(p);
	memcpy(wire, "+OK\r\n", 5);
	n = pop3_body_stuff(msg, len, wire + 5);
	if (n > max || n < len + 3 || memcmp(wire + 5 + n - 3, ".\r\n", 3) != 0)
		fuzz_fail("stuffed size");
	if (pop3_resp_parser_feed(p, wire, 5 + n) != 5 + n)
		fuzz_fail("stuffed message does not fit");
	rc = pop3_resp_parser_next(p, true, &r);
	if (msg_is_bad(msg, len)) {
		if (rc != -1)
			fuzz_fail("bad message parsed as a body");
	} else {
		want_len = len + (len > 0 && msg[len - 1] != '\n' ? 2 : 0);
		if (rc != 1 || r.body_len != want_len || memcmp(r.body, msg, len) != 0 ||
		    (want_len > len && memcmp(r.body + len, "\r\n", 2) != 0) ||
		    r.wire_len != 5 + n || pop3_resp_parser_pending(p) != 0)
			fuzz_fail("stuffed message does not come back");
	}
	pop3_resp_parser_reset(p);
	free(wire);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* one parser per limits, kept from one input to the next (reset) */
	static struct pop3_resp_parser *parsers[16];
	static struct buf whole, chunked;
	struct pop3_resp_limits lim;
	unsigned expect_bits, k;

	if (size < FUZZ_HEADER)
		return 0;
	k = data[0] & 15;
	lim.max_line = max_line_opts[k & 3];
	lim.max_body = max_body_opts[k >> 2];
	expect_bits = data[0] >> 4;
	if (parsers[k] == NULL && (parsers[k] = pop3_resp_parser_new(&lim)) == NULL)
		abort();
	fuzz_out_begin(&whole, 1 << 24);
	fuzz_out_begin(&chunked, 1 << 24);
	run_stream(parsers[k], &lim, expect_bits, data + FUZZ_HEADER, size - FUZZ_HEADER,
	    NULL, &whole);
	run_stream(parsers[k], &lim, expect_bits, data + FUZZ_HEADER, size - FUZZ_HEADER,
	    data + 1, &chunked);
	if (whole.len != chunked.len || memcmp(whole.data, chunked.data, whole.len) != 0)
		fuzz_fail("whole and chunked feeds differ");
	stuff_round_trip(data + FUZZ_HEADER, size - FUZZ_HEADER);
	return 0;
}
