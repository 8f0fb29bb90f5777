/* test_linebuf.c: unit tests for engine/proto/linebuf.c (RFC 5321 §2.3.8
 * line framing). Every input is fed whole, one byte at a time and in
 * other chunk sizes, each chunk from an exact-size heap copy, and must
 * give the same items. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "linebuf.h"
#include "unit.h"

#define S(lit) lit, sizeof(lit) - 1

static const size_t chunk_sizes[] = { SIZE_MAX, 1, 2, 3, 7, 64 };

struct lb_case {
	const char *name;
	int flags;
	size_t max_line;
	const char *in;
	size_t len;
	const char *items;	/* "L<escaped line>;" or "E<code>;" per item */
};

static const struct lb_case cases[] = {
	{ "two lines", LINEBUF_STRICT, 100, S("abc\r\ndef\r\n"), "Labc;Ldef;" },
	{ "empty line", LINEBUF_STRICT, 100, S("\r\n\r\nx\r\n"), "L;L;Lx;" },
	{ "incomplete", LINEBUF_STRICT, 100, S("abc\r\nde"), "Labc;" },
	{ "trailing CR waits", LINEBUF_STRICT, 100, S("abc\r"), "" },
	{ "bare LF strict", LINEBUF_STRICT, 100, S("ab\ncd\r\nef\r\n"), "E2;Lef;" },
	{ "bare CR strict", LINEBUF_STRICT, 100, S("ab\rcd\r\nef\r\n"), "E3;Lef;" },
	{ "NUL strict", LINEBUF_STRICT, 100, S("a\0b\r\nc\r\n"), "E4;Lc;" },
	{ "CR CR LF strict", LINEBUF_STRICT, 100, S("\r\r\nok\r\n"), "E3;Lok;" },
	{ "two errors in one line", LINEBUF_STRICT, 100, S("a\nb\rc\0\r\nz\r\n"), "E2;Lz;" },
	{ "bare LF lenient", 0, 100, S("ab\ncd\r\n"), "Lab\\ncd;" },
	{ "bare CR lenient", 0, 100, S("ab\rcd\r\n"), "Lab\\rcd;" },
	{ "NUL lenient", 0, 100, S("a\0b\r\n"), "La\\x00b;" },
	{ "LF_OK", LINEBUF_LF_OK, 100, S("ab\ncd\r\nef\n"), "Lab;Lcd;Lef;" },
	{ "LF_OK strict CR", LINEBUF_LF_OK | LINEBUF_STRICT, 100, S("a\rb\nc\n"), "E3;Lc;" },
	{ "LF_OK strict NUL", LINEBUF_LF_OK | LINEBUF_STRICT, 100, S("a\0\nc\r\n"), "E4;Lc;" },
	{ "exactly max", LINEBUF_STRICT, 4, S("abcd\r\n"), "Labcd;" },
	{ "one over max", LINEBUF_STRICT, 4, S("abcd\r\nabcde\r\nxy\r\n"), "Labcd;E1;Lxy;" },
	{ "over max then LF_OK end", LINEBUF_LF_OK, 4, S("abcdefg\nxy\n"), "E1;Lxy;" },
	{ "CR after max strict", LINEBUF_STRICT, 4, S("abcd\r\r\nok\r\n"), "E3;Lok;" },
	{ "CR after max lenient", 0, 4, S("abcd\rx\r\nok\r\n"), "E1;Lok;" },
	{ "pipelined", LINEBUF_STRICT, 512,
	  S("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"),
	  "LMAIL FROM:<a@b>;LRCPT TO:<c@d>;LDATA;" },
	{ "8bit passes", LINEBUF_STRICT, 100, S("caf\xc3\xa9\r\n"), "Lcaf\\xc3\\xa9;" },
};

/* Take every item from lb, appended to out in the form of cases[].items. */
static void
take_all(struct linebuf *lb, struct buf *out)
{
	const char *line;
	size_t len;
	int r;

	while ((r = linebuf_take_line(lb, &line, &len)) != 0) {
		if (r < 0) {
			buf_printf(out, "E%d;", (int)linebuf_error(lb));
			continue;
		}
		CHECK(line[len] == '\0');
		buf_putc(out, 'L');
		buf_append_escaped(out, line, len);
		buf_putc(out, ';');
	}
}

/* Feed in[0..len) in chunks of chunk bytes; each chunk is an exact-size
 * heap copy so that ASan catches a read past it. */
struct lb_run {
	struct linebuf *lb;
	struct buf *out;
};

static size_t
lb_feed(void *ctx, const void *data, size_t len)
{
	return linebuf_feed(((struct lb_run *)ctx)->lb, data, len);
}

static bool
lb_drain(void *ctx)
{
	struct lb_run *r = ctx;

	take_all(r->lb, r->out);
	return true;
}

static void
feed_chunked(struct linebuf *lb, const char *in, size_t len, size_t chunk,
    struct buf *out)
{
	struct lb_run r = { lb, out };
	struct unit_feeder f = { "linebuf", lb_feed, lb_drain, &r };

	unit_feed_chunked(&f, in, len, chunk);
}

static void
test_cases(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct lb_case *c = &cases[i];

		for (j = 0; j < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]); j++) {
			struct linebuf *lb = linebuf_new(c->max_line, c->flags);
			struct buf out;

			buf_init(&out, 1 << 16);
			buf_puts(&out, "");
			feed_chunked(lb, c->in, c->len, chunk_sizes[j], &out);
			CHECKF(strcmp(out.data, c->items) == 0,
			    "%s, chunk %zu: got \"%s\" want \"%s\"", c->name,
			    chunk_sizes[j], out.data, c->items);
			buf_release(&out);
			linebuf_free(&lb);
			CHECK(lb == NULL);
		}
	}
}

/* A line far longer than the buffer: the error comes once, the rest of
 * the line is skipped without buffering, the next line is fine. */
static void
test_very_long_line(void)
{
	size_t n = 10000, j;
	char *in = malloc(n + 8);

	memset(in, 'x', n);
	memcpy(in + n, "\r\nok\r\n", 6);
	for (j = 0; j < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]); j++) {
		struct linebuf *lb = linebuf_new(16, LINEBUF_STRICT);
		struct buf out;

		buf_init(&out, 1 << 16);
		buf_puts(&out, "");
		feed_chunked(lb, in, n + 6, chunk_sizes[j], &out);
		CHECKF(strcmp(out.data, "E1;Lok;") == 0, "chunk %zu: %s",
		    chunk_sizes[j], out.data);
		buf_release(&out);
		linebuf_free(&lb);
	}
	free(in);
}

static void
test_feed_full(void)
{
	struct linebuf *lb = linebuf_new(8, LINEBUF_STRICT);
	char big[5000];
	size_t n;
	const char *line;
	size_t len;
	int lines = 0;

	/* many short lines: the buffer fills, feed takes fewer bytes */
	for (n = 0; n + 3 <= sizeof(big); n += 3)
		memcpy(big + n, "a\r\n", 3);
	n = linebuf_feed(lb, big, sizeof(big) - sizeof(big) % 3);
	CHECK(n > 0 && n < sizeof(big));
	CHECK(linebuf_pending(lb) == n);
	while (linebuf_take_line(lb, &line, &len) == 1)
		lines++;
	CHECK(lines == (int)(n / 3));
	linebuf_free(&lb);
}

static void
test_pending_drain_discard(void)
{
	struct linebuf *lb = linebuf_new(100, LINEBUF_STRICT);
	const char *line;
	size_t len;
	char out[32];

	linebuf_feed(lb, S("DATA\r\nSubject: x\r\n.\r\n"));
	CHECK(linebuf_take_line(lb, &line, &len) == 1);
	CHECK(len == 4 && memcmp(line, "DATA", 4) == 0);
	CHECK(linebuf_pending(lb) == 15);
	CHECK(linebuf_drain(lb, out, 5) == 5);
	CHECK(memcmp(out, "Subje", 5) == 0);
	CHECK(linebuf_pending(lb) == 10);
	CHECK(linebuf_drain(lb, out, sizeof(out)) == 10);
	CHECK(memcmp(out, "ct: x\r\n.\r\n", 10) == 0);
	CHECK(linebuf_pending(lb) == 0);
	CHECK(linebuf_take_line(lb, &line, &len) == 0);

	/* STARTTLS: the injected command after it is thrown away */
	linebuf_feed(lb, S("STARTTLS\r\nRSET\r\n"));
	CHECK(linebuf_take_line(lb, &line, &len) == 1);
	CHECK(len == 8);
	linebuf_discard(lb);
	CHECK(linebuf_pending(lb) == 0);
	CHECK(linebuf_take_line(lb, &line, &len) == 0);
	linebuf_feed(lb, S("EHLO x\r\n"));
	CHECK(linebuf_take_line(lb, &line, &len) == 1 && len == 6);

	/* reset forgets a half-skipped line and the error */
	linebuf_feed(lb, S("bad\nline"));
	CHECK(linebuf_take_line(lb, &line, &len) == -1);
	CHECK(linebuf_error(lb) == LINEBUF_ERR_BARE_LF);
	linebuf_reset(lb);
	CHECK(linebuf_error(lb) == LINEBUF_ERR_NONE);
	CHECK(linebuf_pending(lb) == 0);
	linebuf_feed(lb, S("good\r\n"));
	CHECK(linebuf_take_line(lb, &line, &len) == 1 && len == 4);
	linebuf_free(&lb);
	linebuf_free(&lb);	/* NULL-safe */
	linebuf_free(NULL);
}

static void
test_errors_and_limits(void)
{
	int e;

	CHECK(linebuf_new(0, 0) == NULL);
	CHECK(linebuf_new(SIZE_MAX, 0) == NULL);
	for (e = LINEBUF_ERR_NONE; e <= LINEBUF_ERR_NOMEM; e++) {
		const char *s = linebuf_error_str((enum linebuf_error)e);

		CHECK(s != NULL && *s != '\0');
	}
	CHECK(strcmp(linebuf_error_str(LINEBUF_ERR_TOO_LONG), "line too long") == 0);
	CHECK(strcmp(linebuf_error_str((enum linebuf_error)99), "unknown error") == 0);
}

int
main(void)
{
	test_cases();
	test_very_long_line();
	test_feed_full();
	test_pending_drain_discard();
	test_errors_and_limits();
	return unit_done("test_linebuf");
}
