/* fuzz_smtp_reply.c: libFuzzer harness for engine/proto/smtp_reply.c
 * (RFC 5321 §4.2 replies, RFC 3463 enhanced codes).
 *
 * Input: byte 0 picks the limits, bytes 1-3 a chunk pattern, the rest is
 * the server's byte stream. The stream is parsed fed whole and fed in
 * chunks; the replies and errors must be identical, and every reply must
 * satisfy the grammar the parser promises.
 */
#include "fuzz_util.h"

#include "buf.h"
#include "smtp_reply.h"

FUZZ_ASAN_DEFAULTS()

static const size_t max_lines_opts[] = { 0, 1, 2, 8 };
static const size_t max_line_opts[] = { 0, 3, 16, 512 };

/* Check a reply against the header's promises. */
static void
reply_check(const struct smtp_reply *r)
{
	size_t i, lo = 0, hi = 0;
	char enh[16];

	if (r->code < 200 || r->code > 559 || (r->code / 10) % 10 > 5)
		fuzz_fail("reply code out of range");
	if (r->nlines == 0 || r->lines == NULL)
		fuzz_fail("reply without lines");
	for (i = 0; i < r->nlines; i++) {
		if (r->lines[i].text[r->lines[i].len] != '\0' ||
		    memchr(r->lines[i].text, '\0', r->lines[i].len) != NULL ||
		    memchr(r->lines[i].text, '\r', r->lines[i].len) != NULL ||
		    memchr(r->lines[i].text, '\n', r->lines[i].len) != NULL)
			fuzz_fail("bad line text");
		/* "250" CRLF is 5 bytes, "250 " text CRLF is 6 + text: an
		 * empty text may have come either way */
		lo += r->lines[i].len > 0 ? r->lines[i].len + 6 : 5;
		hi += r->lines[i].len + 6;
	}
	if (r->wire_len < lo || r->wire_len > hi)
		fuzz_fail("wire_len");
	if (smtp_enhanced_code_parse(r->lines[0].text, r->lines[0].len, enh,
	    sizeof(enh)) != strlen(r->enhanced) || strcmp(enh, r->enhanced) != 0)
		fuzz_fail("enhanced code");
}

static void
reply_record(struct buf *out, const struct smtp_reply *r)
{
	size_t i;

	reply_check(r);
	fuzz_rec_num(out, (uint64_t)r->code);
	fuzz_rec_str(out, r->enhanced);
	fuzz_rec_num(out, r->nlines);
	fuzz_rec_num(out, r->wire_len);
	fuzz_rec_str(out, r->enhanced_text);
	for (i = 0; i < r->nlines; i++)
		fuzz_rec_mem(out, r->lines[i].text, r->lines[i].len);
}

static void
take_all(struct smtp_reply_parser *p, struct buf *out)
{
	struct smtp_reply r;
	int rc;

	while ((rc = smtp_reply_parser_next(p, &r)) != 0) {
		if (rc < 0) {
			enum smtp_reply_error e = smtp_reply_parser_error(p);

			if (e == SMTP_REPLY_ERR_NONE || e == SMTP_REPLY_ERR_NOMEM)
				fuzz_fail("bad error code");
			fuzz_rec_str(out, "E");
			fuzz_rec_num(out, (uint64_t)e);
		} else {
			reply_record(out, &r);
		}
	}
}

struct reply_run {
	struct smtp_reply_parser *p;
	struct buf *out;
};

static size_t
reply_feed(void *ctx, const void *data, size_t len)
{
	return smtp_reply_parser_feed(((struct reply_run *)ctx)->p, data, len);
}

static void
reply_drain(void *ctx)
{
	struct reply_run *r = ctx;

	take_all(r->p, r->out);
}

/* Parse stream in chunks from the pattern (NULL: whole); record items. */
static void
run(struct smtp_reply_parser *p, const uint8_t *stream, size_t len,
    const uint8_t *pattern, struct buf *out)
{
	struct reply_run r = { p, out };
	struct fuzz_feeder f = { reply_feed, reply_drain, NULL, &r };

	smtp_reply_parser_reset(p);
	fuzz_feed_chunks(&f, stream, len, pattern);
	buf_printf(out, "pending %zu\n", smtp_reply_parser_pending(p));
	smtp_reply_parser_reset(p);	/* its memory goes back now (fuzz_util.h) */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* one parser per limits, kept from one input to the next (reset) */
	static struct smtp_reply_parser *parsers[16];
	static struct buf whole, chunked;
	struct smtp_reply_limits lim;
	unsigned k;

	if (size < FUZZ_HEADER)
		return 0;
	k = data[0] & 15;
	lim.max_line = max_line_opts[k & 3];
	lim.max_lines = max_lines_opts[k >> 2];
	if (parsers[k] == NULL && (parsers[k] = smtp_reply_parser_new(&lim)) == NULL)
		abort();
	fuzz_out_begin(&whole, 1 << 24);
	fuzz_out_begin(&chunked, 1 << 24);
	run(parsers[k], data + FUZZ_HEADER, size - FUZZ_HEADER, NULL, &whole);
	run(parsers[k], data + FUZZ_HEADER, size - FUZZ_HEADER, data + 1, &chunked);
	if (whole.len != chunked.len || memcmp(whole.data, chunked.data, whole.len) != 0)
		fuzz_fail("whole and chunked feeds differ");
	return 0;
}
