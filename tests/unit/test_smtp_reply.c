/* test_smtp_reply.c: unit tests for engine/proto/smtp_reply.c (RFC 5321
 * §4.2, RFC 3463 §2, RFC 2034). Every input is fed whole, one byte at a
 * time and in other chunk sizes, each chunk an exact-size heap copy, and
 * must give the same replies. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtp_reply.h"
#include "unit.h"

#define S(lit) lit, sizeof(lit) - 1

static const size_t chunk_sizes[] = { SIZE_MAX, 1, 2, 3, 7, 64 };

struct reply_case {
	const char *name;
	size_t max_line, max_lines;	/* 0: defaults */
	const char *in;
	size_t len;
	/* per reply "R<code>|<enhanced>|<enhanced_text>|<line>|...|w<wire_len>;",
	 * per error "E:<name>;" (SMTP_REPLY_ERR_<name>) */
	const char *items;
};

static const struct reply_case cases[] = {
	/* RFC 5321 §4.2.1 */
	{ "4.2.1 multi-line example", 0, 0,
	  S("250-First line\r\n250-Second line\r\n250-234 Text beginning with numbers\r\n"
	    "250 The last line\r\n"),
	  "R250||First line|First line|Second line|234 Text beginning with numbers|"
	  "The last line|w89;" },
	/* RFC 5321 Appendix D.1 */
	{ "D.1 greeting", 0, 0, S("220 foo.com Simple Mail Transfer Service Ready\r\n"),
	  "R220||foo.com Simple Mail Transfer Service Ready|"
	  "foo.com Simple Mail Transfer Service Ready|w48;" },
	{ "D.1 EHLO reply", 0, 0,
	  S("250-foo.com greets bar.com\r\n250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250 HELP\r\n"),
	  "R250||foo.com greets bar.com|foo.com greets bar.com|8BITMIME|SIZE|DSN|HELP|w71;" },
	{ "D.1 dialogue", 0, 0,
	  S("250 OK\r\n550 No such user here\r\n354 Start mail input; end with <CRLF>.<CRLF>\r\n"
	    "221 foo.com Service closing transmission channel\r\n"),
	  "R250||OK|OK|w8;R550||No such user here|No such user here|w23;"
	  "R354||Start mail input; end with <CRLF>.<CRLF>|"
	  "Start mail input; end with <CRLF>.<CRLF>|w46;"
	  "R221||foo.com Service closing transmission channel|"
	  "foo.com Service closing transmission channel|w50;" },
	{ "code alone", 0, 0, S("250\r\n"), "R250||||w5;" },
	{ "code and SP", 0, 0, S("250 \r\n"), "R250||||w6;" },
	{ "empty continuation", 0, 0, S("250-\r\n250\r\n"), "R250|||||w11;" },
	{ "tab in text", 0, 0, S("250 a\tb\r\n"), "R250||a\\tb|a\\tb|w9;" },
	{ "utf-8 text", 0, 0, S("250 caf\xc3\xa9\r\n"),
	  "R250||caf\\xc3\\xa9|caf\\xc3\\xa9|w11;" },
	{ "lowest and highest", 0, 0, S("200 a\r\n559 b\r\n"),
	  "R200||a|a|w7;R559||b|b|w7;" },
	/* RFC 3463 / RFC 2034 enhanced status codes */
	{ "enhanced", 0, 0, S("250 2.1.0 Sender ok\r\n"),
	  "R250|2.1.0|Sender ok|2.1.0 Sender ok|w21;" },
	{ "enhanced alone", 0, 0, S("550 5.1.1\r\n"), "R550|5.1.1||5.1.1|w11;" },
	{ "enhanced 3 digits", 0, 0, S("452 4.999.999 x\r\n"),
	  "R452|4.999.999|x|4.999.999 x|w17;" },
	{ "enhanced multi-line", 0, 0,
	  S("250-2.0.0 first\r\n250 2.0.0 second\r\n"),
	  "R250|2.0.0|first|2.0.0 first|2.0.0 second|w35;" },
	{ "enhanced then two SP", 0, 0, S("250 2.0.0  x\r\n"),
	  "R250|2.0.0| x|2.0.0  x|w14;" },
	{ "not enhanced: no SP", 0, 0, S("250 2.1.0Sender\r\n"),
	  "R250||2.1.0Sender|2.1.0Sender|w17;" },
	{ "not enhanced: leading zero", 0, 0, S("250 2.01.0 x\r\n"),
	  "R250||2.01.0 x|2.01.0 x|w14;" },
	{ "not enhanced: 4 digits", 0, 0, S("250 2.1000.0 x\r\n"),
	  "R250||2.1000.0 x|2.1000.0 x|w16;" },
	{ "not enhanced: class 3", 0, 0, S("354 3.0.0 go\r\n"),
	  "R354||3.0.0 go|3.0.0 go|w14;" },
	{ "not enhanced: missing detail", 0, 0, S("250 2.1. x\r\n"),
	  "R250||2.1. x|2.1. x|w12;" },
	{ "not enhanced: tab", 0, 0, S("250 2.1.0\tx\r\n"),
	  "R250||2.1.0\\tx|2.1.0\\tx|w13;" },
	{ "class mismatch is reported as sent", 0, 0, S("250 5.0.0 odd\r\n"),
	  "R250|5.0.0|odd|5.0.0 odd|w15;" },
	/* errors, each followed by a good reply to show resynchronisation */
	{ "bad code short", 0, 0, S("25\r\n220 ok\r\n"), "E:BAD_CODE;R220||ok|ok|w8;" },
	{ "bad code empty", 0, 0, S("\r\n220 ok\r\n"), "E:BAD_CODE;R220||ok|ok|w8;" },
	{ "bad code 6xx", 0, 0, S("650 x\r\n220 ok\r\n"), "E:BAD_CODE;R220||ok|ok|w8;" },
	{ "bad code 1xx", 0, 0, S("199 x\r\n"), "E:BAD_CODE;" },
	{ "bad code 2nd digit", 0, 0, S("260 x\r\n"), "E:BAD_CODE;" },
	{ "bad code letter", 0, 0, S("2a0 x\r\n"), "E:BAD_CODE;" },
	{ "bad separator", 0, 0, S("250x\r\n220 ok\r\n"), "E:BAD_SEPARATOR;R220||ok|ok|w8;" },
	{ "bad separator tab", 0, 0, S("250\tx\r\n"), "E:BAD_SEPARATOR;" },
	{ "mixed codes", 0, 0, S("250-a\r\n251 b\r\n220 ok\r\n"),
	  "E:MIXED_CODES;R220||ok|ok|w8;" },
	{ "mixed codes: last line read alone", 0, 0, S("250-a\r\n251-b\r\n251 c\r\n"),
	  "E:MIXED_CODES;R251||c|c|w7;" },
	{ "bare LF", 0, 0, S("250 a\n250 b\r\n220 ok\r\n"), "E:BARE_LF;R220||ok|ok|w8;" },
	{ "bare CR", 0, 0, S("250 a\rb\r\n220 ok\r\n"), "E:BARE_CR;R220||ok|ok|w8;" },
	{ "NUL", 0, 0, S("250 a\0b\r\n220 ok\r\n"), "E:NUL;R220||ok|ok|w8;" },
	{ "bare LF mid-reply", 0, 0, S("250-a\r\n250-b\n\r\n220 ok\r\n"),
	  "E:BARE_LF;R220||ok|ok|w8;" },
	{ "line too long", 16, 0, S("250 0123456789abcdef\r\n220 ok\r\n"),
	  "E:LINE_TOO_LONG;R220||ok|ok|w8;" },
	{ "line at max", 16, 0, S("250 0123456789ab\r\n"),
	  "R250||0123456789ab|0123456789ab|w18;" },
	{ "too many lines", 0, 2, S("250-a\r\n250-b\r\n250-c\r\n250 d\r\n"),
	  "E:TOO_MANY_LINES;R250||d|d|w7;" },
	{ "max lines exactly", 0, 2, S("250-a\r\n250 b\r\n"), "R250||a|a|b|w14;" },
	{ "incomplete reply", 0, 0, S("250-a\r\n250 b"), "" },
};

static const char *
err_name(enum smtp_reply_error err)
{
	switch (err) {
	case SMTP_REPLY_ERR_NONE: return "NONE";
	case SMTP_REPLY_ERR_LINE_TOO_LONG: return "LINE_TOO_LONG";
	case SMTP_REPLY_ERR_TOO_MANY_LINES: return "TOO_MANY_LINES";
	case SMTP_REPLY_ERR_BARE_LF: return "BARE_LF";
	case SMTP_REPLY_ERR_BARE_CR: return "BARE_CR";
	case SMTP_REPLY_ERR_NUL: return "NUL";
	case SMTP_REPLY_ERR_BAD_CODE: return "BAD_CODE";
	case SMTP_REPLY_ERR_BAD_SEPARATOR: return "BAD_SEPARATOR";
	case SMTP_REPLY_ERR_MIXED_CODES: return "MIXED_CODES";
	case SMTP_REPLY_ERR_NOMEM: return "NOMEM";
	}
	return "?";
}

static void
record_reply(struct buf *out, const struct smtp_reply *r)
{
	size_t i;

	buf_printf(out, "R%d|%s|", r->code, r->enhanced);
	buf_append_escaped(out, r->enhanced_text, strlen(r->enhanced_text));
	for (i = 0; i < r->nlines; i++) {
		CHECK(strlen(r->lines[i].text) == r->lines[i].len);
		buf_putc(out, '|');
		buf_append_escaped(out, r->lines[i].text, r->lines[i].len);
	}
	buf_printf(out, "|w%zu;", r->wire_len);
}

static void
take_all(struct smtp_reply_parser *p, struct buf *out)
{
	struct smtp_reply r;
	int rc;

	while ((rc = smtp_reply_parser_next(p, &r)) != 0) {
		if (rc < 0)
			buf_printf(out, "E:%s;", err_name(smtp_reply_parser_error(p)));
		else
			record_reply(out, &r);
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

static bool
reply_drain(void *ctx)
{
	struct reply_run *r = ctx;

	take_all(r->p, r->out);
	return true;
}

static void
feed_chunked(struct smtp_reply_parser *p, const char *in, size_t len,
    size_t chunk, struct buf *out)
{
	struct reply_run r = { p, out };
	struct unit_feeder f = { "reply parser", reply_feed, reply_drain, &r };

	unit_feed_chunked(&f, in, len, chunk);
}

static void
test_cases(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct reply_case *c = &cases[i];
		struct smtp_reply_limits lim = { c->max_line, c->max_lines };

		for (j = 0; j < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]); j++) {
			struct smtp_reply_parser *p = smtp_reply_parser_new(&lim);
			struct buf out;

			buf_init(&out, 1 << 16);
			buf_puts(&out, "");
			feed_chunked(p, c->in, c->len, chunk_sizes[j], &out);
			CHECKF(strcmp(out.data, c->items) == 0,
			    "%s, chunk %zu:\n got  \"%s\"\n want \"%s\"", c->name,
			    chunk_sizes[j], out.data, c->items);
			buf_release(&out);
			smtp_reply_parser_free(&p);
			CHECK(p == NULL);
		}
	}
}

/* A reply bigger than the parser's line buffer: feed takes part, the
 * caller takes items and feeds the rest. */
static void
test_big_reply(void)
{
	struct smtp_reply_limits lim = { 0, 1000 };
	struct buf in, want, got;
	size_t i, j;

	buf_init(&in, 1 << 20);
	buf_init(&want, 1 << 20);
	buf_puts(&want, "R250||line 0");
	for (i = 0; i < 999; i++) {
		buf_printf(&in, "250-line %zu\r\n", i);
		buf_printf(&want, "|line %zu", i);
	}
	buf_puts(&in, "250 end\r\n");
	buf_printf(&want, "|end|w%zu;", in.len);
	for (j = 0; j < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]); j++) {
		struct smtp_reply_parser *p = smtp_reply_parser_new(&lim);

		buf_init(&got, 1 << 20);
		buf_puts(&got, "");
		feed_chunked(p, in.data, in.len, chunk_sizes[j], &got);
		CHECKF(strcmp(got.data, want.data) == 0, "chunk %zu", chunk_sizes[j]);
		buf_release(&got);
		smtp_reply_parser_free(&p);
	}
	buf_release(&in);
	buf_release(&want);
}

static void
test_pending_reset(void)
{
	struct smtp_reply_parser *p = smtp_reply_parser_new(NULL);
	struct smtp_reply r;

	smtp_reply_parser_feed(p, S("250-a\r\n250 b\r\n220"));
	CHECK(smtp_reply_parser_pending(p) == 17);
	CHECK(smtp_reply_parser_next(p, &r) == 1);
	CHECK(r.nlines == 2 && r.wire_len == 14);
	CHECK(smtp_reply_parser_pending(p) == 3);
	CHECK(smtp_reply_parser_next(p, &r) == 0);
	smtp_reply_parser_feed(p, S("-x\r\n"));
	CHECK(smtp_reply_parser_next(p, &r) == 0);
	CHECK(smtp_reply_parser_pending(p) == 7);
	smtp_reply_parser_reset(p);
	CHECK(smtp_reply_parser_pending(p) == 0);
	CHECK(smtp_reply_parser_error(p) == SMTP_REPLY_ERR_NONE);
	smtp_reply_parser_feed(p, S("221 bye\r\n"));
	CHECK(smtp_reply_parser_next(p, &r) == 1);
	CHECK(r.code == 221 && strcmp(r.lines[0].text, "bye") == 0);
	/* an error leaves the error code; a later reply parses */
	smtp_reply_parser_feed(p, S("abc\r\n250 ok\r\n"));
	CHECK(smtp_reply_parser_next(p, &r) == -1);
	CHECK(smtp_reply_parser_error(p) == SMTP_REPLY_ERR_BAD_CODE);
	CHECK(smtp_reply_parser_next(p, &r) == 1 && r.code == 250);
	smtp_reply_parser_free(&p);
	smtp_reply_parser_free(&p);
	smtp_reply_parser_free(NULL);
}

static void
test_enhanced_parse(void)
{
	static const struct {
		const char *text;
		size_t len;
	} good[] = {
		{ S("2.0.0") }, { S("4.7.1 x") }, { S("5.999.999") }, { S("2.10.20 y") },
	};
	static const char *const bad[] = {
		"", "2", "2.0", "2.0.", "1.0.0", "3.0.0", "2.00.0", "2.0.01", "2.0.0x",
		"2..0", ".2.0.0", "2.1000.1", "2.1.1000", "2-0-0", " 2.0.0", "2.a.0",
	};
	char out[16];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		size_t n = strcspn(good[i].text, " ");
		char *copy = malloc(good[i].len);

		memcpy(copy, good[i].text, good[i].len);
		CHECKF(smtp_enhanced_code_parse(copy, good[i].len, out, sizeof(out)) == n,
		    "%s", good[i].text);
		CHECK(strlen(out) == n && memcmp(out, good[i].text, n) == 0);
		CHECK(smtp_enhanced_code_parse(copy, good[i].len, NULL, 0) == n);
		free(copy);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = strlen(bad[i]);
		char *copy = malloc(len + 1);

		memcpy(copy, bad[i], len);
		out[0] = 'X';
		CHECKF(smtp_enhanced_code_parse(copy, len, out, sizeof(out)) == 0, "'%s'", bad[i]);
		CHECK(out[0] == '\0');
		free(copy);
	}
	/* too small an output buffer: nothing */
	CHECK(smtp_enhanced_code_parse("2.0.0", 5, out, 5) == 0 && out[0] == '\0');
	CHECK(smtp_enhanced_code_parse("2.0.0", 5, out, 6) == 5);
}

static void
test_error_strings(void)
{
	int e;

	for (e = SMTP_REPLY_ERR_NONE; e <= SMTP_REPLY_ERR_NOMEM; e++) {
		const char *s = smtp_reply_error_str((enum smtp_reply_error)e);

		CHECK(s != NULL && *s != '\0' && strcmp(s, "unknown error") != 0);
	}
	CHECK(strcmp(smtp_reply_error_str((enum smtp_reply_error)77), "unknown error") == 0);
}

int
main(void)
{
	test_cases();
	test_big_reply();
	test_pending_reset();
	test_enhanced_parse();
	test_error_strings();
	return unit_done("test_smtp_reply");
}
