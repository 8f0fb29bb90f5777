/* test_smtp_data.c: unit tests for engine/proto/smtp_data.c (RFC 5321
 * §4.1.1.4 end of data, §4.5.2 transparency, §2.3.8 bare CR/LF and SMTP
 * smuggling). Every input is decoded whole, one byte at a time and in
 * other chunk sizes, each chunk an exact-size heap copy with an output
 * buffer of exactly the chunk's size, and must give the same result. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smtp_data.h"
#include "unit.h"

#define S(lit) lit, sizeof(lit) - 1

static const size_t chunk_sizes[] = { SIZE_MAX, 1, 2, 3, 7, 64 };

struct data_case {
	const char *name;
	const char *in;
	size_t len;
	size_t max_bytes;	/* 0: 1 MiB */
	const char *out;	/* decoded data */
	size_t out_len;
	const char *events;	/* non-zero returns in order: "1" end, "-" over max */
	size_t rest;		/* input left after the end of data */
	/* expected stats: lines, max_line, bare_lf, bare_cr, nul, has_8bit */
	size_t lines, max_line, bare_lf, bare_cr, nul;
	bool has_8bit;
};

static const struct data_case cases[] = {
	{ "empty message", S(".\r\n"), 0, S(""), "1", 0, 0, 0, 0, 0, 0, false },
	{ "one line", S("abc\r\n.\r\n"), 0, S("abc\r\n"), "1", 0, 1, 3, 0, 0, 0, false },
	{ "empty line", S("\r\n.\r\n"), 0, S("\r\n"), "1", 0, 1, 0, 0, 0, 0, false },
	{ "pipelined QUIT", S("abc\r\n.\r\nQUIT\r\n"), 0, S("abc\r\n"), "1", 6,
	  1, 3, 0, 0, 0, false },
	{ "empty then next", S(".\r\nRSET\r\n"), 0, S(""), "1", 6, 0, 0, 0, 0, 0, false },
	{ "unstuff leading", S("..abc\r\n.\r\n"), 0, S(".abc\r\n"), "1", 0, 1, 5, 0, 0, 0, false },
	{ "unstuff lone dot", S("a\r\n..\r\n.\r\n"), 0, S("a\r\n.\r\n"), "1", 0, 2, 2, 0, 0, 0, false },
	{ "unstuff two dots", S("a\r\n...\r\n.\r\n"), 0, S("a\r\n..\r\n"), "1", 0, 2, 3, 0, 0, 0, false },
	{ "dot inside line kept", S("a.b\r\nc .\r\n.\r\n"), 0, S("a.b\r\nc .\r\n"), "1", 0,
	  2, 3, 0, 0, 0, false },
	{ "RFC 5321 D.3 body",
	  S("Date: Thu, 21 May 1998 05:33:29 -0700\r\nSubject: The Next Meeting\r\n\r\n"
	    "Bill:\r\nJohn.\r\n.\r\n"), 0,
	  S("Date: Thu, 21 May 1998 05:33:29 -0700\r\nSubject: The Next Meeting\r\n\r\n"
	    "Bill:\r\nJohn.\r\n"), "1", 0, 5, 37, 0, 0, 0, false },
	/* SMTP smuggling: none of these ends the data */
	{ "LF.LF", S("a\n.\nb\r\n.\r\n"), 0, S("a\n.\nb\r\n"), "1", 0, 1, 5, 2, 0, 0, false },
	{ "CRLF.LF", S("a\r\n.\nb\r\n.\r\n"), 0, S("a\r\n\nb\r\n"), "1", 0, 2, 3, 1, 0, 0, false },
	{ "LF.CRLF", S("a\n.\r\nb\r\n.\r\n"), 0, S("a\n.\r\nb\r\n"), "1", 0, 2, 3, 1, 0, 0, false },
	{ "CR.CRLF", S("a\r.\r\nb\r\n.\r\n"), 0, S("a\r.\r\nb\r\n"), "1", 0, 2, 3, 0, 1, 0, false },
	{ "CRLF.CR", S("a\r\n.\rb\r\n.\r\n"), 0, S("a\r\n\rb\r\n"), "1", 0, 2, 3, 0, 1, 0, false },
	{ "CRLF.CRCRLF", S("a\r\n.\r\r\n.\r\n"), 0, S("a\r\n\r\r\n"), "1", 0, 2, 2, 0, 1, 0, false },
	{ "CRLF.CR then dot", S("a\r\n.\r.\r\n.\r\n"), 0, S("a\r\n\r.\r\n"), "1", 0,
	  2, 3, 0, 1, 0, false },
	{ "CRCRLF.CRLF", S("a\r\r\n.\r\n"), 0, S("a\r\r\n"), "1", 0, 1, 2, 0, 1, 0, false },
	{ "NUL", S("a\0b\r\n.\r\n"), 0, S("a\0b\r\n"), "1", 0, 1, 3, 0, 0, 1, false },
	{ "8bit", S("caf\xc3\xa9\r\n.\r\n"), 0, S("caf\xc3\xa9\r\n"), "1", 0, 1, 5, 0, 0, 0, true },
	/* not finished */
	{ "no end", S("abc\r\n"), 0, S("abc\r\n"), "", 0, 1, 3, 0, 0, 0, false },
	{ "dot pending", S("abc\r\n."), 0, S("abc\r\n"), "", 0, 1, 3, 0, 0, 0, false },
	{ "dot CR pending", S("abc\r\n.\r"), 0, S("abc\r\n"), "", 0, 1, 3, 0, 0, 0, false },
	{ "dot at start pending", S("."), 0, S(""), "", 0, 0, 0, 0, 0, 0, false },
	{ "dot CR X first", S(".\rX\r\n.\r\n"), 0, S("\rX\r\n"), "1", 0, 1, 3, 0, 1, 0, false },
	/* limits: the -1 comes once, then the end of data is still found */
	{ "over max", S("abcdefgh\r\n.\r\nNEXT"), 5, S("abcde"), "-1", 4, 1, 8, 0, 0, 0, false },
	{ "at max", S("abc\r\n.\r\n"), 5, S("abc\r\n"), "1", 0, 1, 3, 0, 0, 0, false },
	{ "max zero", S("x\r\n.\r\n"), SIZE_MAX, S(""), "-1", 0, 1, 1, 0, 0, 0, false },
	{ "max zero empty", S(".\r\n"), SIZE_MAX, S(""), "1", 0, 0, 0, 0, 0, 0, false },
	{ "over max at carried CR", S("ab\r\n.\rX\r\n.\r\n"), 4, S("ab\r\n"), "-1", 0,
	  2, 3, 0, 1, 0, false },
};

struct run {
	struct buf out;
	struct buf events;
	size_t rest;
};

/* Decode c->in in chunks; collect output, events and leftover input. */
static void
decode_chunked(const struct data_case *c, size_t chunk, struct run *r)
{
	size_t max = c->max_bytes == 0 ? (size_t)1 << 20 :
	    c->max_bytes == SIZE_MAX ? 0 : c->max_bytes;
	struct smtp_data_decoder *d = smtp_data_decoder_new(max);
	size_t pos = 0;
	bool is_end = false;

	buf_init(&r->out, 1 << 20);
	buf_init(&r->events, 64);
	buf_puts(&r->out, "");
	buf_puts(&r->events, "");
	while (pos < c->len && !is_end) {
		size_t n = c->len - pos < chunk ? c->len - pos : chunk, off = 0;
		char *in = malloc(n);
		char *out = malloc(n);

		memcpy(in, c->in + pos, n);
		while (off < n) {
			size_t used, olen;
			int rc = smtp_data_decode(d, in + off, n - off, &used, out, &olen);

			CHECK(olen <= n - off);
			CHECK(used <= n - off);
			buf_append(&r->out, out, olen);
			off += used;
			if (rc == 0) {
				CHECKF(off == n, "%s: 0 must consume everything", c->name);
				break;
			}
			buf_puts(&r->events, rc == 1 ? "1" : "-");
			if (rc == 1) {
				is_end = true;
				break;
			}
		}
		free(in);
		free(out);
		pos += off;
	}
	r->rest = c->len - pos;
	{
		const struct smtp_data_stats *st = smtp_data_decoder_stats(d);

		CHECKF(st->lines == c->lines && st->max_line == c->max_line &&
		    st->bare_lf == c->bare_lf && st->bare_cr == c->bare_cr &&
		    st->nul == c->nul && st->has_8bit == c->has_8bit,
		    "%s chunk %zu: stats lines %zu max %zu lf %zu cr %zu nul %zu 8bit %d",
		    c->name, chunk, st->lines, st->max_line, st->bare_lf, st->bare_cr,
		    st->nul, st->has_8bit);
		CHECK(st->bytes_out == r->out.len || st->is_truncated);
		CHECK(st->is_truncated == (strchr(c->events, '-') != NULL));
	}
	smtp_data_decoder_free(&d);
	CHECK(d == NULL);
}

static void
test_cases(void)
{
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct data_case *c = &cases[i];

		for (j = 0; j < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]); j++) {
			struct run r;
			struct buf esc;

			decode_chunked(c, chunk_sizes[j], &r);
			buf_init(&esc, 1 << 16);
			buf_append_escaped(&esc, r.out.data, r.out.len);
			CHECKF(r.out.len == c->out_len && memcmp(r.out.data, c->out, c->out_len) == 0,
			    "%s chunk %zu: out \"%s\"", c->name, chunk_sizes[j],
			    esc.data ? esc.data : "");
			CHECKF(strcmp(r.events.data, c->events) == 0, "%s chunk %zu: events %s",
			    c->name, chunk_sizes[j], r.events.data);
			CHECKF(r.rest == c->rest, "%s chunk %zu: rest %zu", c->name,
			    chunk_sizes[j], r.rest);
			buf_release(&esc);
			buf_release(&r.out);
			buf_release(&r.events);
		}
	}
}

static void
test_done_and_reset(void)
{
	struct smtp_data_decoder *d = smtp_data_decoder_new(100);
	char out[16];
	size_t used, olen;

	CHECK(smtp_data_decode(d, S("x\r\n.\r\nMORE"), &used, out, &olen) == 1);
	CHECK(used == 6 && olen == 3);
	CHECK(smtp_data_decode(d, S("MORE"), &used, out, &olen) == 1);
	CHECK(used == 0 && olen == 0);
	smtp_data_decoder_reset(d);
	CHECK(smtp_data_decoder_stats(d)->bytes_out == 0);
	CHECK(smtp_data_decode(d, S("..\r\n"), &used, out, &olen) == 0);
	CHECK(used == 4 && olen == 3 && memcmp(out, ".\r\n", 3) == 0);
	CHECK(smtp_data_decode(d, "", 0, &used, out, &olen) == 0);
	CHECK(used == 0 && olen == 0);
	CHECK(smtp_data_decode(d, S(".\r\n"), &used, out, &olen) == 1);
	CHECK(smtp_data_decoder_stats(d)->lines == 1);
	smtp_data_decoder_free(&d);
	smtp_data_decoder_free(&d);
	smtp_data_decoder_free(NULL);
}

/* ".", CR, X one byte per call: the CR is only known to be data when X
 * arrives, and the output of a call never exceeds its input, so X is
 * carried to the next call; the end of data flushes it. */
static void
test_carry(void)
{
	static const char in[] = "x\r\n.\rXY\r\n.\r\n";
	static const char want[] = "x\r\n\rXY\r\n";
	static const size_t want_olen[] = { 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0 };
	struct smtp_data_decoder *d = smtp_data_decoder_new(100);
	char got[32];
	size_t i, n = 0;
	int rc = 0;

	for (i = 0; i + 1 < sizeof(in); i++) {
		char *one = malloc(1), *out = malloc(1);
		size_t used, olen;

		*one = in[i];
		rc = smtp_data_decode(d, one, 1, &used, out, &olen);
		CHECK(used == 1);
		CHECKF(olen == want_olen[i], "byte %zu: %zu", i, olen);
		if (olen == 1)
			got[n++] = *out;
		free(one);
		free(out);
	}
	CHECK(rc == 1);
	CHECK(n == sizeof(want) - 1 && memcmp(got, want, n) == 0);
	smtp_data_decoder_free(&d);
}

/* A message larger than the maximum: 552 needs the end of data. */
static void
test_big_over_max(void)
{
	size_t n = 100000, i, used, olen, total_out = 0, pos = 0;
	char *in = malloc(n + 3), out[512];
	struct smtp_data_decoder *d = smtp_data_decoder_new(1000);
	int minus = 0, rc = 0;

	for (i = 0; i < n; i++)
		in[i] = i % 80 == 78 ? '\r' : i % 80 == 79 ? '\n' : 'x';
	memcpy(in + n, ".\r\n", 3);
	while (pos < n + 3) {
		size_t chunk = n + 3 - pos < sizeof(out) ? n + 3 - pos : sizeof(out);

		rc = smtp_data_decode(d, in + pos, chunk, &used, out, &olen);
		pos += used;
		total_out += olen;
		if (rc == -1)
			minus++;
		if (rc == 1)
			break;
	}
	CHECK(rc == 1 && minus == 1 && pos == n + 3 && total_out == 1000);
	CHECK(smtp_data_decoder_stats(d)->is_truncated);
	CHECK(smtp_data_decoder_stats(d)->lines == n / 80);
	CHECK(smtp_data_decoder_stats(d)->max_line == 78);
	smtp_data_decoder_free(&d);
	free(in);
}

struct stuff_case {
	const char *in;
	size_t len;
	bool terminate;
	const char *out;
	size_t out_len;
};

static const struct stuff_case stuff_cases[] = {
	{ S("abc"), true, S("abc\r\n.\r\n") },
	{ S("abc\r\n"), true, S("abc\r\n.\r\n") },
	{ S(""), true, S(".\r\n") },
	{ S(""), false, S("") },
	{ S(".abc\r\n.\r\n"), true, S("..abc\r\n..\r\n.\r\n") },
	{ S("x\r\n.y"), false, S("x\r\n..y") },
	{ S("a\n.b"), true, S("a\n.b\r\n.\r\n") },
	{ S("a\r.b"), true, S("a\r.b\r\n.\r\n") },
	{ S("abc\r"), true, S("abc\r\r\n.\r\n") },
	{ S(".\r\n.\r\n."), false, S("..\r\n..\r\n..") },
};

static void
test_stuff(void)
{
	size_t i;

	for (i = 0; i < sizeof(stuff_cases) / sizeof(stuff_cases[0]); i++) {
		const struct stuff_case *c = &stuff_cases[i];
		size_t max = smtp_data_stuffed_max(c->len);
		char *dst = malloc(max);
		size_t n = smtp_data_stuff(c->in, c->len, c->terminate, dst);

		CHECKF(n <= max && n == c->out_len && memcmp(dst, c->out, n) == 0,
		    "stuff case %zu", i);
		free(dst);
	}
	CHECK(smtp_data_stuffed_max(SIZE_MAX) == SIZE_MAX);
	CHECK(smtp_data_stuffed_max(0) >= 3);
}

/* stuff then decode gives the original (plus CRLF when it lacked one). */
static void
test_round_trip(void)
{
	static const struct {
		const char *s;
		size_t len;
	} msgs[] = {
		{ S("") }, { S("hello\r\n") }, { S(".\r\n") }, { S("..\r\n...\r\n") },
		{ S(".\r\n.\r\n.\r\n") }, { S("a\n.\nb") }, { S("a\r\n.\rb\r\n") },
		{ S("\r\n.\r\n\r\n.") }, { S("x\0y\r\n") }, { S(".") }, { S("\r") },
	};
	size_t i, j;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		const char *s = msgs[i].s;
		size_t len = msgs[i].len;
		bool needs_crlf = len > 0 && !(len >= 2 && s[len - 2] == '\r' && s[len - 1] == '\n');
		size_t max = smtp_data_stuffed_max(len);
		char *wire = malloc(max), *out = malloc(max);
		size_t wlen = smtp_data_stuff(s, len, true, wire);

		for (j = 0; j < sizeof(chunk_sizes) / sizeof(chunk_sizes[0]); j++) {
			struct smtp_data_decoder *d = smtp_data_decoder_new(1 << 16);
			size_t pos = 0, olen_total = 0;
			int rc = 0;

			while (pos < wlen && rc != 1) {
				size_t n = wlen - pos < chunk_sizes[j] ? wlen - pos : chunk_sizes[j];
				size_t used, olen;

				rc = smtp_data_decode(d, wire + pos, n, &used, out + olen_total, &olen);
				pos += used;
				olen_total += olen;
			}
			CHECKF(rc == 1 && pos == wlen, "round trip %zu chunk %zu", i, chunk_sizes[j]);
			CHECKF(olen_total == len + (needs_crlf ? 2 : 0) &&
			    memcmp(out, s, len) == 0 &&
			    (!needs_crlf || memcmp(out + len, "\r\n", 2) == 0),
			    "round trip %zu chunk %zu: %zu bytes", i, chunk_sizes[j], olen_total);
			smtp_data_decoder_free(&d);
		}
		free(wire);
		free(out);
	}
}

int
main(void)
{
	test_cases();
	test_done_and_reset();
	test_carry();
	test_big_over_max();
	test_stuff();
	test_round_trip();
	return unit_done("test_smtp_data");
}
