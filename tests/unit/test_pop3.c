/* test_pop3.c: unit tests for engine/proto/pop3.c (RFC 1939 §3-§10,
 * RFC 2449 §3-§5 and §8, RFC 2595 §4, RFC 5034 §4-§5). Every response
 * input is fed whole, one byte at a time and in other chunk sizes, each
 * chunk an exact-size heap copy, and must give the same responses; every
 * command line is parsed from an exact-size heap copy into a buffer of
 * exactly the documented minimum size. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pop3.h"
#include "unit.h"

#define S(lit) lit, sizeof(lit) - 1
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const size_t chunk_sizes[] = { SIZE_MAX, 1, 2, 3, 5, 7, 64 };

/* ---- responses ------------------------------------------------------ */

struct resp_case {
	const char *name;
	size_t max_line, max_body;	/* 0: defaults */
	const char *expect;	/* per response: 'b' a body follows +OK, else none */
	const char *in;
	size_t len;
	/* per response "<OK|ERR|CONT>|<code or ->|<text>|<- or b<lines>:<body>>|w<wire>;",
	 * then at most one "E:<name>;" (POP3_RESP_ERR_<name>) */
	const char *items;
};

static const struct resp_case resp_cases[] = {
	/* RFC 1939 §10: the example session */
	{ "1939 §10 session", 0, 0, "nnnbbnbnn",
	  S("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"
	    "+OK mrose's maildrop has 2 messages (320 octets)\r\n"
	    "+OK 2 320\r\n"
	    "+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n"
	    "+OK 120 octets\r\nSubject: one\r\n\r\n..signature\r\n.\r\n"
	    "+OK message 1 deleted\r\n"
	    "+OK 200 octets\r\nSubject: two\r\n\r\nbody\r\n.\r\n"
	    "+OK message 2 deleted\r\n"
	    "+OK dewey POP3 server signing off (maildrop empty)\r\n"),
	  "OK|-|POP3 server ready <1896.697170952@dbc.mtview.ca.us>|-|w57;"
	  "OK|-|mrose's maildrop has 2 messages (320 octets)|-|w50;"
	  "OK|-|2 320|-|w11;"
	  "OK|-|2 messages (320 octets)|b2:1 120\\r\\n2 200\\r\\n|w46;"
	  "OK|-|120 octets|b3:Subject: one\\r\\n\\r\\n.signature\\r\\n|w48;"
	  "OK|-|message 1 deleted|-|w23;"
	  "OK|-|200 octets|b3:Subject: two\\r\\n\\r\\nbody\\r\\n|w41;"
	  "OK|-|message 2 deleted|-|w23;"
	  "OK|-|dewey POP3 server signing off (maildrop empty)|-|w52;" },
	/* RFC 1939 §5-§7 examples */
	{ "1939 STAT", 0, 0, "n", S("+OK 2 320\r\n"), "OK|-|2 320|-|w11;" },
	{ "1939 LIST 2", 0, 0, "n", S("+OK 2 200\r\n"), "OK|-|2 200|-|w11;" },
	{ "1939 LIST 3", 0, 0, "n",
	  S("-ERR no such message, only 2 messages in maildrop\r\n"),
	  "ERR|-|no such message, only 2 messages in maildrop|-|w51;" },
	{ "1939 TOP 1 10", 0, 0, "b", S("+OK\r\nFrom: a@b\r\n\r\nline 1\r\n.\r\n"),
	  "OK|-||b3:From: a@b\\r\\n\\r\\nline 1\\r\\n|w29;" },
	{ "1939 TOP 100 3: -ERR has no body", 0, 0, "b", S("-ERR no such message\r\n"),
	  "ERR|-|no such message|-|w22;" },
	{ "1939 UIDL", 0, 0, "b",
	  S("+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n2 QhdPYR:00WBw1Ph7x7\r\n.\r\n"),
	  "OK|-||b2:1 whqtswO00WBw418f9t5JxYwZ\\r\\n2 QhdPYR:00WBw1Ph7x7\\r\\n|w58;" },
	{ "1939 UIDL 2", 0, 0, "n", S("+OK 2 QhdPYR:00WBw1Ph7x7\r\n"),
	  "OK|-|2 QhdPYR:00WBw1Ph7x7|-|w26;" },
	{ "1939 USER", 0, 0, "n", S("-ERR sorry, no mailbox for frated here\r\n"),
	  "ERR|-|sorry, no mailbox for frated here|-|w40;" },
	{ "1939 NOOP", 0, 0, "n", S("+OK\r\n"), "OK|-||-|w5;" },
	{ "1939 PASS", 0, 0, "n", S("+OK maildrop locked and ready\r\n"),
	  "OK|-|maildrop locked and ready|-|w31;" },
	/* RFC 2449 §5 and §6: CAPA */
	{ "2449 CAPA §6", 0, 0, "b",
	  S("+OK Capability list follows\r\nTOP\r\nUSER\r\nSASL CRAM-MD5 KERBEROS_V4\r\n"
	    "RESP-CODES\r\nLOGIN-DELAY 900\r\nPIPELINING\r\nEXPIRE 60\r\nUIDL\r\n"
	    "IMPLEMENTATION Shlemazle-Plotz-v302\r\n.\r\n"),
	  "OK|-|Capability list follows|b9:TOP\\r\\nUSER\\r\\nSASL CRAM-MD5 KERBEROS_V4\\r\\n"
	  "RESP-CODES\\r\\nLOGIN-DELAY 900\\r\\nPIPELINING\\r\\nEXPIRE 60\\r\\nUIDL\\r\\n"
	  "IMPLEMENTATION Shlemazle-Plotz-v302\\r\\n|w165;" },
	{ "2449 CAPA §5", 0, 0, "b",
	  S("+OK List of capabilities follows\r\nSASL PLAIN DIGEST-MD5 GSSAPI ANONYMOUS\r\n"
	    "STLS\r\nIMPLEMENTATION BlurdyBlurp POP3 server\r\n.\r\n"),
	  "OK|-|List of capabilities follows|b3:SASL PLAIN DIGEST-MD5 GSSAPI ANONYMOUS\\r\\n"
	  "STLS\\r\\nIMPLEMENTATION BlurdyBlurp POP3 server\\r\\n|w123;" },
	/* RFC 2449 §8: response codes */
	{ "2449 §8 IN-USE", 0, 0, "n",
	  S("-ERR [IN-USE] Do you have another POP session running?\r\n"),
	  "ERR|IN-USE|[IN-USE] Do you have another POP session running?|-|w56;" },
	{ "SYS/TEMP", 0, 0, "n", S("-ERR [SYS/TEMP] try later\r\n"),
	  "ERR|SYS/TEMP|[SYS/TEMP] try later|-|w27;" },
	{ "AUTH (RFC 3206)", 0, 0, "n", S("-ERR [AUTH] bad credentials\r\n"),
	  "ERR|AUTH|[AUTH] bad credentials|-|w29;" },
	{ "LOGIN-DELAY", 0, 0, "n", S("-ERR [LOGIN-DELAY] wait 900 seconds\r\n"),
	  "ERR|LOGIN-DELAY|[LOGIN-DELAY] wait 900 seconds|-|w37;" },
	{ "code on +OK, three levels", 0, 0, "n", S("+OK [X-ONE/two/3] fine\r\n"),
	  "OK|X-ONE/two/3|[X-ONE/two/3] fine|-|w24;" },
	{ "code alone", 0, 0, "n", S("-ERR [SYS/PERM]\r\n"),
	  "ERR|SYS/PERM|[SYS/PERM]|-|w17;" },
	{ "code with text glued on", 0, 0, "n", S("-ERR [IN-USE]x\r\n"),
	  "ERR|IN-USE|[IN-USE]x|-|w16;" },
	{ "code with '[' (an rchar)", 0, 0, "n", S("-ERR [a[b] x\r\n"),
	  "ERR|a[b|[a[b] x|-|w14;" },
	{ "code on a body response", 0, 0, "b", S("+OK [X] list\r\na\r\n.\r\n"),
	  "OK|X|[X] list|b1:a\\r\\n|w20;" },
	{ "not a code: empty", 0, 0, "n", S("-ERR [] x\r\n"), "ERR|-|[] x|-|w11;" },
	{ "not a code: empty level", 0, 0, "n", S("-ERR [SYS/] x\r\n"),
	  "ERR|-|[SYS/] x|-|w15;" },
	{ "not a code: leading slash", 0, 0, "n", S("-ERR [/SYS] x\r\n"),
	  "ERR|-|[/SYS] x|-|w15;" },
	{ "not a code: double slash", 0, 0, "n", S("-ERR [A//B] x\r\n"),
	  "ERR|-|[A//B] x|-|w15;" },
	{ "not a code: unclosed", 0, 0, "n", S("-ERR [IN-USE x\r\n"),
	  "ERR|-|[IN-USE x|-|w16;" },
	{ "not a code: unclosed at the end", 0, 0, "n", S("-ERR [IN-USE\r\n"),
	  "ERR|-|[IN-USE|-|w14;" },
	{ "not a code: SP inside", 0, 0, "n", S("-ERR [IN USE] x\r\n"),
	  "ERR|-|[IN USE] x|-|w17;" },
	{ "not a code: not at the start", 0, 0, "n", S("-ERR x [IN-USE]\r\n"),
	  "ERR|-|x [IN-USE]|-|w17;" },
	{ "not a code: after two SP", 0, 0, "n", S("-ERR  [IN-USE]\r\n"),
	  "ERR|-| [IN-USE]|-|w16;" },
	{ "not a code: 8-bit", 0, 0, "n", S("-ERR [\xc3\xa9] x\r\n"),
	  "ERR|-|[\\xc3\\xa9] x|-|w13;" },
	/* RFC 5034 §4: continuations */
	{ "5034 challenge", 0, 0, "n", S("+ dGVzdA==\r\n"), "CONT|-|dGVzdA==|-|w12;" },
	{ "5034 empty challenge", 0, 0, "n", S("+ \r\n"), "CONT|-||-|w4;" },
	{ "lone + (tolerated)", 0, 0, "n", S("+\r\n"), "CONT|-||-|w3;" },
	{ "continuation never has a body", 0, 0, "bb", S("+ abc=\r\n+OK\r\n.\r\n"),
	  "CONT|-|abc=|-|w8;OK|-||b0:|w8;" },
	{ "continuation has no response code", 0, 0, "n", S("+ [X] y\r\n"),
	  "CONT|-|[X] y|-|w9;" },
	{ "continuation keeps extra SP", 0, 0, "n", S("+  x\r\n"), "CONT|-| x|-|w6;" },
	/* status lines */
	{ "+OK SP no text", 0, 0, "n", S("+OK \r\n"), "OK|-||-|w6;" },
	{ "-ERR alone", 0, 0, "n", S("-ERR\r\n"), "ERR|-||-|w6;" },
	{ "-ERR SP", 0, 0, "n", S("-ERR \r\n"), "ERR|-||-|w7;" },
	{ "text keeps SP and TAB", 0, 0, "n", S("+OK  a\tb \r\n"), "OK|-| a\\tb |-|w11;" },
	{ "utf-8 text", 0, 0, "n", S("+OK caf\xc3\xa9\r\n"), "OK|-|caf\\xc3\\xa9|-|w11;" },
	{ "pipelined", 0, 0, "nnn", S("+OK\r\n-ERR x\r\n+OK 1 2\r\n"),
	  "OK|-||-|w5;ERR|-|x|-|w8;OK|-|1 2|-|w9;" },
	/* bodies (RFC 1939 §3) */
	{ "empty body", 0, 0, "b", S("+OK\r\n.\r\n"), "OK|-||b0:|w8;" },
	{ "stuffed lone dot", 0, 0, "b", S("+OK\r\n..\r\n.\r\n"), "OK|-||b1:.\\r\\n|w12;" },
	{ "stuffed two dots", 0, 0, "b", S("+OK\r\n...\r\n.\r\n"), "OK|-||b1:..\\r\\n|w13;" },
	{ "unstuffed dot line loses its dot", 0, 0, "b", S("+OK\r\n.end\r\n. x\r\n.\r\n"),
	  "OK|-||b2:end\\r\\n x\\r\\n|w19;" },
	{ "dot inside a line", 0, 0, "b", S("+OK\r\na.b\r\nc .\r\n.\r\n"),
	  "OK|-||b2:a.b\\r\\nc .\\r\\n|w18;" },
	{ "empty lines in body", 0, 0, "b", S("+OK\r\n\r\n\r\n.\r\n"),
	  "OK|-||b2:\\r\\n\\r\\n|w12;" },
	{ "8-bit and TAB in body", 0, 0, "b", S("+OK\r\n\xff\t\x01\r\n.\r\n"),
	  "OK|-||b1:\\xff\\t\\x01\\r\\n|w13;" },
	{ "body then next response", 0, 0, "bn", S("+OK\r\na\r\n.\r\n+OK\r\n"),
	  "OK|-||b1:a\\r\\n|w11;OK|-||-|w5;" },
	{ "-ERR then expected body", 0, 0, "bb", S("-ERR x\r\n+OK\r\n.\r\n"),
	  "ERR|-|x|-|w8;OK|-||b0:|w8;" },
	{ "a dot line without expect_body", 0, 0, "nn", S("+OK\r\n.\r\n"),
	  "OK|-||-|w5;E:BAD_STATUS;" },
	/* limits */
	{ "status line at max", 8, 0, "n", S("+OK abcd\r\n"), "OK|-|abcd|-|w10;" },
	{ "status line too long", 8, 0, "n", S("+OK abcde\r\n"), "E:LINE_TOO_LONG;" },
	{ "body line at max", 8, 0, "b", S("+OK\r\n..234567\r\n.\r\n"),
	  "OK|-||b1:.234567\\r\\n|w18;" },
	{ "body line too long", 8, 0, "b", S("+OK\r\n123456789\r\n.\r\n"),
	  "E:LINE_TOO_LONG;" },
	{ "body at max", 0, 10, "b", S("+OK\r\n12345678\r\n.\r\n"),
	  "OK|-||b1:12345678\\r\\n|w18;" },
	{ "body at max, unstuffed", 0, 10, "b", S("+OK\r\n..2345678\r\n.\r\n"),
	  "OK|-||b1:.2345678\\r\\n|w19;" },
	{ "body too large", 0, 10, "b", S("+OK\r\n123456789\r\n.\r\n"),
	  "E:BODY_TOO_LARGE;" },
	{ "body too large on a later line", 0, 10, "b", S("+OK\r\n1234\r\n1234\r\n.\r\n"),
	  "E:BODY_TOO_LARGE;" },
	/* errors; the parser stays failed until reset */
	{ "lower-case +ok", 0, 0, "n", S("+ok\r\n+OK\r\n"), "E:BAD_STATUS;" },
	{ "lower-case -err", 0, 0, "n", S("-err x\r\n"), "E:BAD_STATUS;" },
	{ "mixed-case +Ok", 0, 0, "n", S("+Ok\r\n"), "E:BAD_STATUS;" },
	{ "+OKAY", 0, 0, "n", S("+OKAY\r\n"), "E:BAD_STATUS;" },
	{ "-ERROR", 0, 0, "n", S("-ERROR\r\n"), "E:BAD_STATUS;" },
	{ "+OK then TAB", 0, 0, "n", S("+OK\tx\r\n"), "E:BAD_STATUS;" },
	{ "+OK[code]", 0, 0, "n", S("+OK[IN-USE]\r\n"), "E:BAD_STATUS;" },
	{ "+ then TAB", 0, 0, "n", S("+\tx\r\n"), "E:BAD_STATUS;" },
	{ "+ then text", 0, 0, "n", S("+x\r\n"), "E:BAD_STATUS;" },
	{ "no status", 0, 0, "n", S("OK\r\n"), "E:BAD_STATUS;" },
	{ "empty line", 0, 0, "n", S("\r\n"), "E:BAD_STATUS;" },
	{ "leading SP", 0, 0, "n", S(" +OK\r\n"), "E:BAD_STATUS;" },
	{ "lone -", 0, 0, "n", S("-\r\n"), "E:BAD_STATUS;" },
	{ "-ER", 0, 0, "n", S("-ER\r\n"), "E:BAD_STATUS;" },
	{ "SMTP reply", 0, 0, "n", S("250 ok\r\n"), "E:BAD_STATUS;" },
	{ "bad status after a good one", 0, 0, "nn", S("+OK\r\n*\r\n+OK\r\n"),
	  "OK|-||-|w5;E:BAD_STATUS;" },
	{ "bare LF status", 0, 0, "n", S("+OK\n+OK\r\n"), "E:BARE_LF;" },
	{ "bare CR status", 0, 0, "n", S("+OK\rx\r\n"), "E:BARE_CR;" },
	{ "CR CR LF", 0, 0, "n", S("+OK\r\r\n"), "E:BARE_CR;" },
	{ "NUL status", 0, 0, "n", S("+OK a\0b\r\n"), "E:NUL;" },
	{ "bare LF in body", 0, 0, "b", S("+OK\r\na\nb\r\n.\r\n"), "E:BARE_LF;" },
	{ "LF.LF end", 0, 0, "b", S("+OK\r\na\n.\n"), "E:BARE_LF;" },
	{ "CRLF.LF end", 0, 0, "b", S("+OK\r\na\r\n.\n"), "E:BARE_LF;" },
	{ "bare CR in body", 0, 0, "b", S("+OK\r\na\rb\r\n.\r\n"), "E:BARE_CR;" },
	{ "CRLF.CR end", 0, 0, "b", S("+OK\r\na\r\n.\r.\r\n"), "E:BARE_CR;" },
	{ "NUL in body", 0, 0, "b", S("+OK\r\na\0\r\n.\r\n"), "E:NUL;" },
	/* incomplete */
	{ "status without CRLF", 0, 0, "n", S("+OK"), "" },
	{ "status with CR only", 0, 0, "n", S("+OK\r"), "" },
	{ "body without end", 0, 0, "b", S("+OK\r\na\r\n."), "" },
	{ "body end without LF", 0, 0, "b", S("+OK\r\na\r\n.\r"), "" },
};

static const char *
resp_err_name(enum pop3_resp_error err)
{
	switch (err) {
	case POP3_RESP_ERR_NONE: return "NONE";
	case POP3_RESP_ERR_LINE_TOO_LONG: return "LINE_TOO_LONG";
	case POP3_RESP_ERR_BODY_TOO_LARGE: return "BODY_TOO_LARGE";
	case POP3_RESP_ERR_BARE_LF: return "BARE_LF";
	case POP3_RESP_ERR_BARE_CR: return "BARE_CR";
	case POP3_RESP_ERR_NUL: return "NUL";
	case POP3_RESP_ERR_BAD_STATUS: return "BAD_STATUS";
	case POP3_RESP_ERR_NOMEM: return "NOMEM";
	}
	return "?";
}

static void
record_resp(struct buf *out, const struct pop3_resp *r)
{
	static const char *const st[] = { "OK", "ERR", "CONT" };

	CHECK(r->text != NULL && strlen(r->text) == r->text_len);
	buf_printf(out, "%s|%s|", st[r->status], r->resp_code != NULL ? r->resp_code : "-");
	buf_append_escaped(out, r->text, r->text_len);
	if (r->has_body) {
		CHECK(r->body != NULL && strlen(r->body) == r->body_len);
		buf_printf(out, "|b%zu:", r->body_lines);
		buf_append_escaped(out, r->body, r->body_len);
	} else {
		CHECK(r->body == NULL && r->body_len == 0 && r->body_lines == 0);
		buf_puts(out, "|-");
	}
	buf_printf(out, "|w%zu;", r->wire_len);
}

/* Take every response available. false once the parser has failed. */
static bool
take_all(struct pop3_resp_parser *p, const char *expect, size_t *nresp, struct buf *out)
{
	struct pop3_resp r;
	int rc;

	for (;;) {
		bool expect_body = *nresp < strlen(expect) && expect[*nresp] == 'b';

		rc = pop3_resp_parser_next(p, expect_body, &r);
		if (rc == 0)
			return true;
		if (rc < 0) {
			enum pop3_resp_error err = pop3_resp_parser_error(p);

			buf_printf(out, "E:%s;", resp_err_name(err));
			/* no resynchronisation: the same error again */
			CHECK(pop3_resp_parser_next(p, expect_body, &r) == -1);
			CHECK(pop3_resp_parser_error(p) == err);
			return false;
		}
		record_resp(out, &r);
		(*nresp)++;
	}
}

struct pop3_feed {
	struct pop3_resp_parser *p;
	const char *expect;
	size_t nresp;
	struct buf *out;
};

static size_t
pop3_feed_bytes(void *ctx, const void *data, size_t len)
{
	return pop3_resp_parser_feed(((struct pop3_feed *)ctx)->p, data, len);
}

static bool
pop3_drain(void *ctx)
{
	struct pop3_feed *r = ctx;

	return take_all(r->p, r->expect, &r->nresp, r->out);
}

static void
feed_chunked(struct pop3_resp_parser *p, const char *expect, const char *in,
    size_t len, size_t chunk, struct buf *out)
{
	struct pop3_feed r = { p, expect, 0, out };
	struct unit_feeder f = { "response parser", pop3_feed_bytes, pop3_drain, &r };

	unit_feed_chunked(&f, in, len, chunk);
}

static void
test_resp_cases(void)
{
	size_t i, j;

	for (i = 0; i < NELEM(resp_cases); i++) {
		const struct resp_case *c = &resp_cases[i];
		struct pop3_resp_limits lim = { c->max_line, c->max_body };

		for (j = 0; j < NELEM(chunk_sizes); j++) {
			struct pop3_resp_parser *p = pop3_resp_parser_new(&lim);
			struct buf out;

			buf_init(&out, 1 << 16);
			buf_puts(&out, "");
			feed_chunked(p, c->expect, c->in, c->len, chunk_sizes[j], &out);
			CHECKF(strcmp(out.data, c->items) == 0,
			    "%s, chunk %zu:\n got  \"%s\"\n want \"%s\"", c->name,
			    chunk_sizes[j], out.data, c->items);
			buf_release(&out);
			pop3_resp_parser_free(&p);
			CHECK(p == NULL);
		}
	}
}

/* The default line limit is 4096 bytes without CRLF. */
static void
test_resp_default_limits(void)
{
	struct pop3_resp_parser *p = pop3_resp_parser_new(NULL);
	struct pop3_resp r;
	char line[4100];

	memset(line, 'x', sizeof(line));
	memcpy(line, "+OK ", 4);
	memcpy(line + 4096, "\r\n", 2);
	CHECK(pop3_resp_parser_feed(p, line, 4098) == 4098);
	CHECK(pop3_resp_parser_next(p, false, &r) == 1 && r.text_len == 4092);
	memcpy(line + 4096, "x\r\n", 3);
	CHECK(pop3_resp_parser_feed(p, line, 4099) == 4099);
	CHECK(pop3_resp_parser_next(p, false, &r) == -1);
	CHECK(pop3_resp_parser_error(p) == POP3_RESP_ERR_LINE_TOO_LONG);
	pop3_resp_parser_free(&p);
}

/* A body much bigger than the parser's line buffer, made by
 * pop3_body_stuff(): feed takes part, the caller takes items and feeds
 * the rest; the unstuffed body is the message again. */
static void
test_resp_big_body(void)
{
	struct buf msg, in, want, got;
	size_t i, j, n;
	char *stuffed;

	buf_init(&msg, 1 << 22);
	for (i = 0; i < 20000; i++)
		buf_printf(&msg, i % 3 == 0 ? ".line %zu\r\n" : "line %zu\r\n", i);
	buf_puts(&msg, ".\r\n");
	stuffed = malloc(pop3_stuffed_max(msg.len));
	n = pop3_body_stuff(msg.data, msg.len, stuffed);
	buf_init(&in, 1 << 22);
	buf_puts(&in, "+OK big\r\n");
	buf_append(&in, stuffed, n);
	buf_puts(&in, "+OK next\r\n");
	buf_init(&want, 1 << 23);
	buf_puts(&want, "OK|-|big|b20001:");
	buf_append_escaped(&want, msg.data, msg.len);
	buf_printf(&want, "|w%zu;OK|-|next|-|w10;", in.len - 10);
	for (j = 0; j < NELEM(chunk_sizes); j++) {
		struct pop3_resp_parser *p = pop3_resp_parser_new(NULL);

		buf_init(&got, 1 << 23);
		buf_puts(&got, "");
		feed_chunked(p, "bn", in.data, in.len, chunk_sizes[j], &got);
		CHECKF(strcmp(got.data, want.data) == 0, "big body, chunk %zu", chunk_sizes[j]);
		buf_release(&got);
		pop3_resp_parser_free(&p);
	}
	free(stuffed);
	buf_release(&msg);
	buf_release(&in);
	buf_release(&want);
}

static void
test_resp_pending_reset(void)
{
	struct pop3_resp_parser *p = pop3_resp_parser_new(NULL);
	struct pop3_resp r;

	pop3_resp_parser_feed(p, S("+OK 1\r\n+OK\r\na\r\n"));
	CHECK(pop3_resp_parser_pending(p) == 15);
	CHECK(pop3_resp_parser_next(p, false, &r) == 1 && r.wire_len == 7);
	CHECK(pop3_resp_parser_pending(p) == 8);
	CHECK(pop3_resp_parser_next(p, true, &r) == 0);
	CHECK(pop3_resp_parser_pending(p) == 8);
	pop3_resp_parser_feed(p, S(".\r"));
	CHECK(pop3_resp_parser_next(p, true, &r) == 0);
	CHECK(pop3_resp_parser_pending(p) == 10);
	/* expect_body is read with the status line only */
	pop3_resp_parser_feed(p, S("\n-ERR"));
	CHECK(pop3_resp_parser_next(p, false, &r) == 1);
	CHECK(r.has_body && r.body_len == 3 && r.body_lines == 1 && strcmp(r.body, "a\r\n") == 0);
	CHECK(r.wire_len == 11 && pop3_resp_parser_pending(p) == 4);
	pop3_resp_parser_reset(p);
	CHECK(pop3_resp_parser_pending(p) == 0);
	pop3_resp_parser_feed(p, S("+OK bye\r\n"));
	CHECK(pop3_resp_parser_next(p, false, &r) == 1 && strcmp(r.text, "bye") == 0);
	/* an error sticks until reset */
	pop3_resp_parser_feed(p, S("+ok\r\n+OK\r\n"));
	CHECK(pop3_resp_parser_next(p, false, &r) == -1);
	CHECK(pop3_resp_parser_error(p) == POP3_RESP_ERR_BAD_STATUS);
	CHECK(pop3_resp_parser_next(p, false, &r) == -1);
	CHECK(pop3_resp_parser_error(p) == POP3_RESP_ERR_BAD_STATUS);
	pop3_resp_parser_reset(p);
	CHECK(pop3_resp_parser_error(p) == POP3_RESP_ERR_NONE);
	pop3_resp_parser_feed(p, S("-ERR [IN-USE] x\r\n"));
	CHECK(pop3_resp_parser_next(p, true, &r) == 1 && r.status == POP3_ERR);
	CHECK(r.resp_code != NULL && strcmp(r.resp_code, "IN-USE") == 0);
	/* a body over reset: the partial body is gone */
	pop3_resp_parser_feed(p, S("+OK\r\nabc\r\n"));
	CHECK(pop3_resp_parser_next(p, true, &r) == 0);
	pop3_resp_parser_reset(p);
	pop3_resp_parser_feed(p, S("+OK\r\n"));
	CHECK(pop3_resp_parser_next(p, false, &r) == 1 && !r.has_body);
	pop3_resp_parser_free(&p);
	pop3_resp_parser_free(&p);
	pop3_resp_parser_free(NULL);
	/* a line limit the framing cannot hold */
	{
		struct pop3_resp_limits huge = { SIZE_MAX, 0 };

		CHECK(pop3_resp_parser_new(&huge) == NULL);
	}
}

static void
test_resp_error_strings(void)
{
	int e;

	for (e = POP3_RESP_ERR_NONE; e <= POP3_RESP_ERR_NOMEM; e++) {
		const char *s = pop3_resp_error_str((enum pop3_resp_error)e);

		CHECK(s != NULL && *s != '\0' && strcmp(s, "unknown error") != 0);
	}
	CHECK(strcmp(pop3_resp_error_str((enum pop3_resp_error)77), "unknown error") == 0);
}

/* ---- commands ------------------------------------------------------- */

#define A10 "abcdefghij"
#define A40 A10 A10 A10 A10
#define D40 "1234567890123456789012345678901234567890"
#define B60 "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVpbXF1eX2BhYmNkZWZnaGlqa2xt"
#define DIGEST "c4c9334bac560ecc979e58001b3e22fb"

struct cmd_case {
	const char *in;
	size_t len;
	/* "<VERB> kw=<keyword> rest=<rest> args=<n> <a0> <a1> num=<n0>,<n1>"
	 * or "E:<error> <VERB or ?> kw=<keyword> rest=<rest>" */
	const char *want;
};

static const struct cmd_case cmd_cases[] = {
	/* RFC 1939 §10 and the examples of §5-§9 */
	{ S("APOP mrose " DIGEST),
	  "APOP kw=APOP rest=mrose args=2 <mrose> <" DIGEST "> num=0,0" },
	{ S("STAT"), "STAT kw=STAT rest= args=0 num=0,0" },
	{ S("LIST"), "LIST kw=LIST rest= args=0 num=0,0" },
	{ S("LIST 2"), "LIST kw=LIST rest=2 args=1 <2> num=2,0" },
	{ S("RETR 1"), "RETR kw=RETR rest=1 args=1 <1> num=1,0" },
	{ S("DELE 1"), "DELE kw=DELE rest=1 args=1 <1> num=1,0" },
	{ S("NOOP"), "NOOP kw=NOOP rest= args=0 num=0,0" },
	{ S("RSET"), "RSET kw=RSET rest= args=0 num=0,0" },
	{ S("QUIT"), "QUIT kw=QUIT rest= args=0 num=0,0" },
	{ S("TOP 1 10"), "TOP kw=TOP rest=1 args=2 <1> <10> num=1,10" },
	{ S("TOP 100 3"), "TOP kw=TOP rest=100 args=2 <100> <3> num=100,3" },
	{ S("UIDL"), "UIDL kw=UIDL rest= args=0 num=0,0" },
	{ S("UIDL 2"), "UIDL kw=UIDL rest=2 args=1 <2> num=2,0" },
	{ S("USER mrose"), "USER kw=USER rest=mrose args=1 <mrose> num=0,0" },
	{ S("PASS secret"), "PASS kw=PASS rest=secret args=1 <secret> num=0,0" },
	/* RFC 2449 §5, RFC 2595 §4, RFC 5034 §4 */
	{ S("CAPA"), "CAPA kw=CAPA rest= args=0 num=0,0" },
	{ S("STLS"), "STLS kw=STLS rest= args=0 num=0,0" },
	{ S("AUTH PLAIN"), "AUTH kw=AUTH rest=PLAIN args=1 <PLAIN> num=0,0" },
	{ S("AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q="),
	  "AUTH kw=AUTH rest=PLAIN args=2 <PLAIN> <dGVzdAB0ZXN0AHRlc3Q=> num=0,0" },
	{ S("AUTH PLAIN ="), "AUTH kw=AUTH rest=PLAIN args=2 <PLAIN> <=> num=0,0" },
	{ S("AUTH PLAIN ab=="), "AUTH kw=AUTH rest=PLAIN args=2 <PLAIN> <ab==> num=0,0" },
	{ S("AUTH x-oauth_2 abcd"),
	  "AUTH kw=AUTH rest=x-oauth_2 args=2 <x-oauth_2> <abcd> num=0,0" },
	{ S("AUTH ABCDEFGHIJKLMNOPQRST"),
	  "AUTH kw=AUTH rest=ABCDEFGHIJKLMNOPQRST args=1 <ABCDEFGHIJKLMNOPQRST> num=0,0" },
	{ S("AUTH PLAIN " B60 B60 B60 B60),
	  "AUTH kw=AUTH rest=PLAIN args=2 <PLAIN> <" B60 B60 B60 B60 "> num=0,0" },
	/* keywords are case-insensitive (RFC 1939 §3) and kept as sent */
	{ S("stat"), "STAT kw=stat rest= args=0 num=0,0" },
	{ S("Top 1 0"), "TOP kw=Top rest=1 args=2 <1> <0> num=1,0" },
	{ S("user frated"), "USER kw=user rest=frated args=1 <frated> num=0,0" },
	{ S("aUtH cram-md5"), "AUTH kw=aUtH rest=cram-md5 args=1 <cram-md5> num=0,0" },
	/* PASS takes the rest of the line (RFC 1939 §7) */
	{ S("PASS my secret  pw "),
	  "PASS kw=PASS rest=my secret  pw  args=1 <my secret  pw > num=0,0" },
	{ S("PASS  lead"), "PASS kw=PASS rest= lead args=1 < lead> num=0,0" },
	{ S("PASS " A40 A40), "PASS kw=PASS rest=" A40 A40 " args=1 <" A40 A40 "> num=0,0" },
	{ S("PASS p\xc3\xa4ss"), "PASS kw=PASS rest=p\xc3\xa4ss args=1 <p\xc3\xa4ss> num=0,0" },
	/* arguments */
	{ S("USER " A40), "USER kw=USER rest=" A40 " args=1 <" A40 "> num=0,0" },
	{ S("USER j\xc3\xb6rg"), "USER kw=USER rest=j\xc3\xb6rg args=1 <j\xc3\xb6rg> num=0,0" },
	{ S("USER a@b.example"), "USER kw=USER rest=a@b.example args=1 <a@b.example> num=0,0" },
	{ S("RETR 007"), "RETR kw=RETR rest=007 args=1 <007> num=7,0" },
	{ S("DELE 4294967295"), "DELE kw=DELE rest=4294967295 args=1 <4294967295> num=4294967295,0" },
	{ S("TOP 1 00"), "TOP kw=TOP rest=1 args=2 <1> <00> num=1,0" },
	/* errors */
	{ S(""), "E:EMPTY ? kw= rest=" },
	{ S("XTND XMIT"), "E:UNKNOWN ? kw=XTND rest=XMIT" },
	{ S("STARTTLS"), "E:UNKNOWN ? kw=STARTTLS rest=" },
	{ S("ST"), "E:UNKNOWN ? kw=ST rest=" },
	{ S("STATS"), "E:UNKNOWN ? kw=STATS rest=" },
	{ S(" STAT"), "E:UNKNOWN ? kw= rest=STAT" },
	{ S("ST\xc3\x80T"), "E:UNKNOWN ? kw=ST\xc3\x80T rest=" },
	{ S("STAT\0"), "E:BAD_CHAR ? kw=STAT rest=" },
	{ S("USER a\0b"), "E:BAD_CHAR USER kw=USER rest=a" },
	{ S("PASS a\tb"), "E:BAD_CHAR PASS kw=PASS rest=a\tb" },
	{ S("USER a\x7f"), "E:BAD_CHAR USER kw=USER rest=a\x7f" },
	{ S("QUIT\r"), "E:BAD_CHAR ? kw=QUIT\r rest=" },
	{ S("NOOP\n"), "E:BAD_CHAR ? kw=NOOP\n rest=" },
	{ S("STAT "), "E:ARGS STAT kw=STAT rest=" },
	{ S("STAT 1"), "E:ARGS STAT kw=STAT rest=1" },
	{ S("QUIT now"), "E:ARGS QUIT kw=QUIT rest=now" },
	{ S("STLS x"), "E:ARGS STLS kw=STLS rest=x" },
	{ S("CAPA "), "E:ARGS CAPA kw=CAPA rest=" },
	{ S("NOOP x"), "E:ARGS NOOP kw=NOOP rest=x" },
	{ S("RSET x"), "E:ARGS RSET kw=RSET rest=x" },
	{ S("LIST "), "E:ARGS LIST kw=LIST rest=" },
	{ S("LIST  1"), "E:ARGS LIST kw=LIST rest= 1" },
	{ S("LIST 1 "), "E:ARGS LIST kw=LIST rest=1 " },
	{ S("LIST 1 2"), "E:ARGS LIST kw=LIST rest=1 2" },
	{ S("LIST 0"), "E:ARGS LIST kw=LIST rest=0" },
	{ S("LIST +1"), "E:ARGS LIST kw=LIST rest=+1" },
	{ S("LIST -1"), "E:ARGS LIST kw=LIST rest=-1" },
	{ S("LIST 1a"), "E:ARGS LIST kw=LIST rest=1a" },
	{ S("LIST x"), "E:ARGS LIST kw=LIST rest=x" },
	{ S("UIDL 0"), "E:ARGS UIDL kw=UIDL rest=0" },
	{ S("RETR"), "E:ARGS RETR kw=RETR rest=" },
	{ S("RETR 99999999999999999999999"), "E:ARGS RETR kw=RETR rest=99999999999999999999999" },
	{ S("DELE"), "E:ARGS DELE kw=DELE rest=" },
	{ S("DELE 1 1"), "E:ARGS DELE kw=DELE rest=1 1" },
	{ S("TOP 1"), "E:ARGS TOP kw=TOP rest=1" },
	{ S("TOP 0 1"), "E:ARGS TOP kw=TOP rest=0" },
	{ S("TOP 1 -1"), "E:ARGS TOP kw=TOP rest=1" },
	{ S("TOP 1 1 1"), "E:ARGS TOP kw=TOP rest=1 1 1" },
	{ S("TOP 1  1"), "E:ARGS TOP kw=TOP rest=1  1" },
	{ S("USER"), "E:ARGS USER kw=USER rest=" },
	{ S("USER "), "E:ARGS USER kw=USER rest=" },
	{ S("USER a b"), "E:ARGS USER kw=USER rest=a b" },
	{ S("PASS"), "E:ARGS PASS kw=PASS rest=" },
	{ S("PASS "), "E:ARGS PASS kw=PASS rest=" },
	{ S("APOP mrose"), "E:ARGS APOP kw=APOP rest=mrose" },
	{ S("APOP mrose C4C9334BAC560ECC979E58001B3E22FB"), "E:ARGS APOP kw=APOP rest=mrose" },
	{ S("APOP mrose c4c9334bac560ecc979e58001b3e22f"), "E:ARGS APOP kw=APOP rest=mrose" },
	{ S("APOP mrose " DIGEST "0"), "E:ARGS APOP kw=APOP rest=mrose" },
	{ S("APOP mrose " DIGEST " x"), "E:ARGS APOP kw=APOP rest=mrose " DIGEST " x" },
	{ S("APOP mrose g4c9334bac560ecc979e58001b3e22fb"), "E:ARGS APOP kw=APOP rest=mrose" },
	{ S("AUTH"), "E:ARGS AUTH kw=AUTH rest=" },
	{ S("AUTH "), "E:ARGS AUTH kw=AUTH rest=" },
	{ S("AUTH PL@IN"), "E:ARGS AUTH kw=AUTH rest=PL@IN" },
	{ S("AUTH ABCDEFGHIJKLMNOPQRSTU"), "E:ARGS AUTH kw=AUTH rest=ABCDEFGHIJKLMNOPQRSTU" },
	{ S("AUTH PLAIN =="), "E:ARGS AUTH kw=AUTH rest=PLAIN" },
	{ S("AUTH PLAIN abc"), "E:ARGS AUTH kw=AUTH rest=PLAIN" },
	{ S("AUTH PLAIN ab=c"), "E:ARGS AUTH kw=AUTH rest=PLAIN" },
	{ S("AUTH PLAIN a==="), "E:ARGS AUTH kw=AUTH rest=PLAIN" },
	{ S("AUTH PLAIN ab==abcd"), "E:ARGS AUTH kw=AUTH rest=PLAIN" },
	{ S("AUTH PLAIN ab-d"), "E:ARGS AUTH kw=AUTH rest=PLAIN" },
	{ S("AUTH PLAIN *"), "E:ARGS AUTH kw=AUTH rest=PLAIN" },
	{ S("AUTH PLAIN x y"), "E:ARGS AUTH kw=AUTH rest=PLAIN x y" },
	{ S("USER " A40 "x"), "E:ARG_TOO_LONG USER kw=USER rest=" A40 "x" },
	{ S("RETR " D40 "1"), "E:ARG_TOO_LONG RETR kw=RETR rest=" D40 "1" },
	{ S("TOP 1 " D40 "1"), "E:ARG_TOO_LONG TOP kw=TOP rest=1" },
	{ S("APOP " A40 "x " DIGEST), "E:ARG_TOO_LONG APOP kw=APOP rest=" A40 "x" },
	{ S("AUTH " A40 "x"), "E:ARG_TOO_LONG AUTH kw=AUTH rest=" A40 "x" },
	/* RFC 2449 §4: 255 octets with CRLF, i.e. 253 without; RFC 5034 §4
	 * keeps the limit for AUTH */
	{ S("PASS " A40 A40 A40 A40 A40 A40 "abcdefgh"),
	  "PASS kw=PASS rest=" A40 A40 A40 A40 A40 A40 "abcdefgh args=1 <"
	  A40 A40 A40 A40 A40 A40 "abcdefgh> num=0,0" },
	{ S("PASS " A40 A40 A40 A40 A40 A40 "abcdefghi"), "E:TOO_LONG PASS kw= rest=" },
	{ S("AUTH PLAIN " B60 B60 B60 B60 "AAAA"), "E:TOO_LONG AUTH kw= rest=" },
	{ S("XTND " A40 A40 A40 A40 A40 A40 "abcdefghi"), "E:TOO_LONG ? kw= rest=" },
};

static const char *
cmd_err_name(enum pop3_cmd_error err)
{
	switch (err) {
	case POP3_CMD_ERR_NONE: return "NONE";
	case POP3_CMD_ERR_EMPTY: return "EMPTY";
	case POP3_CMD_ERR_TOO_LONG: return "TOO_LONG";
	case POP3_CMD_ERR_BAD_CHAR: return "BAD_CHAR";
	case POP3_CMD_ERR_UNKNOWN: return "UNKNOWN";
	case POP3_CMD_ERR_ARGS: return "ARGS";
	case POP3_CMD_ERR_ARG_TOO_LONG: return "ARG_TOO_LONG";
	case POP3_CMD_ERR_NOMEM: return "NOMEM";
	}
	return "?";
}

/* Does s (a NUL-terminated string) lie in buf[0..size)? Literals "" are
 * allowed where the parser has not copied anything. */
static bool
in_buf(const char *s, const char *buf, size_t size)
{
	return s >= buf && s < buf + size && s + strlen(s) < buf + size;
}

static void
record_cmd(struct buf *out, int rc, enum pop3_cmd_error err, const struct pop3_cmd *c)
{
	const char *verb = pop3_verb_name(c->verb);
	size_t i;

	if (rc < 0) {
		buf_printf(out, "E:%s %s kw=%s rest=%s", cmd_err_name(err),
		    verb != NULL ? verb : "?", c->keyword, c->rest);
		return;
	}
	buf_printf(out, "%s kw=%s rest=%s args=%zu", verb != NULL ? verb : "?",
	    c->keyword, c->rest, c->nargs);
	for (i = 0; i < c->nargs; i++)
		buf_printf(out, " <%s>", c->args[i]);
	buf_printf(out, " num=%lu,%lu", c->num[0], c->num[1]);
}

static void
test_cmd_cases(void)
{
	size_t i, j;

	for (i = 0; i < NELEM(cmd_cases); i++) {
		const struct cmd_case *c = &cmd_cases[i];
		size_t bufsize = c->len + POP3_CMD_MAX_ARGS + 1;
		char *line = malloc(c->len > 0 ? c->len : 1);
		char *buf = malloc(bufsize);
		enum pop3_cmd_error err = POP3_CMD_ERR_NOMEM;
		struct pop3_cmd cmd;
		struct buf out;
		int rc;

		memcpy(line, c->in, c->len);
		rc = pop3_cmd_parse(line, c->len, buf, bufsize, &cmd, &err);
		CHECK((rc == 1) == (err == POP3_CMD_ERR_NONE) && (rc == 1 || rc == -1));
		buf_init(&out, 1 << 12);
		record_cmd(&out, rc, err, &cmd);
		CHECKF(strcmp(out.data, c->want) == 0, "\n got  \"%s\"\n want \"%s\"",
		    out.data, c->want);
		CHECK(cmd.keyword != NULL && cmd.rest != NULL);
		CHECK(*cmd.keyword == '\0' || in_buf(cmd.keyword, buf, bufsize));
		CHECK(*cmd.rest == '\0' || in_buf(cmd.rest, buf, bufsize));
		for (j = 0; j < cmd.nargs; j++)
			CHECK(cmd.args[j] != NULL && in_buf(cmd.args[j], buf, bufsize));
		buf_release(&out);
		free(buf);
		free(line);
	}
}

static void
test_cmd_misc(void)
{
	static const char *const names[] = {
		"USER", "PASS", "APOP", "AUTH", "STAT", "LIST", "RETR", "DELE",
		"NOOP", "RSET", "QUIT", "TOP", "UIDL", "CAPA", "STLS",
	};
	enum pop3_cmd_error err;
	struct pop3_cmd cmd;
	char buf[POP3_CMD_MAX_LINE + POP3_CMD_MAX_ARGS + 1];
	char *big;
	int v;

	/* every verb has its name, and the name is its keyword */
	CHECK(pop3_verb_name(POP3_VERB_UNKNOWN) == NULL);
	for (v = POP3_VERB_USER; v <= POP3_VERB_STLS; v++) {
		const char *name = pop3_verb_name((enum pop3_verb)v);

		CHECK(name != NULL && strcmp(name, names[v - 1]) == 0);
		pop3_cmd_parse(name, strlen(name), buf, sizeof(buf), &cmd, &err);
		CHECKF(cmd.verb == (enum pop3_verb)v, "%s", name);
	}
	/* a buffer below the documented size */
	CHECK(pop3_cmd_parse("STAT", 4, buf, 4 + POP3_CMD_MAX_ARGS, &cmd, &err) == -1);
	CHECK(err == POP3_CMD_ERR_NOMEM && cmd.verb == POP3_VERB_STAT);
	CHECK(pop3_cmd_parse("STAT", 4, NULL, 0, &cmd, &err) == -1 && err == POP3_CMD_ERR_NOMEM);
	CHECK(pop3_cmd_parse("STAT", 4, buf, 4 + POP3_CMD_MAX_ARGS + 1, &cmd, &err) == 1);
	/* err_r may be NULL */
	CHECK(pop3_cmd_parse("RETR 0", 6, buf, sizeof(buf), &cmd, NULL) == -1);
	CHECK(pop3_cmd_parse("RETR 1", 6, buf, sizeof(buf), &cmd, NULL) == 1);
	/* an over-long line needs no buffer of its size */
	big = malloc(100000);
	memset(big, 'A', 100000);
	memcpy(big, "RETR ", 5);
	CHECK(pop3_cmd_parse(big, 100000, buf, sizeof(buf), &cmd, &err) == -1);
	CHECK(err == POP3_CMD_ERR_TOO_LONG && cmd.verb == POP3_VERB_RETR);
	free(big);
	/* the line is not read as a C string: no NUL needed after it */
	CHECK(pop3_cmd_parse("LIST 12junk", 7, buf, sizeof(buf), &cmd, &err) == 1);
	CHECK(cmd.num[0] == 12 && strcmp(cmd.args[0], "12") == 0);
}

static void
test_cmd_error_strings(void)
{
	int e;

	for (e = POP3_CMD_ERR_NONE; e <= POP3_CMD_ERR_NOMEM; e++) {
		const char *s = pop3_cmd_error_str((enum pop3_cmd_error)e);

		CHECK(s != NULL && *s != '\0' && strcmp(s, "unknown error") != 0);
	}
	CHECK(strcmp(pop3_cmd_error_str((enum pop3_cmd_error)77), "unknown error") == 0);
}

/* ---- dot-stuffing --------------------------------------------------- */

struct stuff_case {
	const char *in;
	size_t len;
	const char *out;
	size_t out_len;
};

static const struct stuff_case stuff_cases[] = {
	{ S(""), S(".\r\n") },
	{ S("a"), S("a\r\n.\r\n") },
	{ S("a\r\n"), S("a\r\n.\r\n") },
	{ S("\r\n"), S("\r\n.\r\n") },
	{ S(".a\r\n"), S("..a\r\n.\r\n") },
	{ S("."), S("..\r\n.\r\n") },
	{ S("a\r\n.\r\n"), S("a\r\n..\r\n.\r\n") },
	{ S("a\r\n."), S("a\r\n..\r\n.\r\n") },
	{ S("..\r\n"), S("...\r\n.\r\n") },
	{ S("a.b\r\n.c.\r\n"), S("a.b\r\n..c.\r\n.\r\n") },
	{ S("a\n.b"), S("a\n..b\r\n.\r\n") },
	{ S("a\r.b"), S("a\r.b\r\n.\r\n") },
	{ S("abc\n"), S("abc\n\r\n.\r\n") },
	{ S("abc\r"), S("abc\r\r\n.\r\n") },
	{ S("\0.\r\n\xff"), S("\0.\r\n\xff\r\n.\r\n") },
};

static void
test_stuff_cases(void)
{
	size_t i;

	for (i = 0; i < NELEM(stuff_cases); i++) {
		const struct stuff_case *c = &stuff_cases[i];
		size_t max = pop3_stuffed_max(c->len), n;
		char *in = malloc(c->len > 0 ? c->len : 1);
		char *out = malloc(max);

		memcpy(in, c->in, c->len);
		n = pop3_body_stuff(in, c->len, out);
		CHECKF(n == c->out_len && memcmp(out, c->out, n) == 0, "stuff case %zu", i);
		CHECK(n <= max);
		free(out);
		free(in);
	}
	CHECK(pop3_stuffed_max(SIZE_MAX) == SIZE_MAX);
	CHECK(pop3_stuffed_max(SIZE_MAX - 3) == SIZE_MAX);
	CHECK(pop3_stuffed_max(0) >= 3);
}

/* The worst cases for pop3_stuffed_max: as many stuffed lines as bytes
 * allow, each output exactly in a buffer of the advertised size. */
static void
test_stuff_worst(void)
{
	static const char *const pats[] = { ".\n", ".\r\n", "\n.", ".", "\r\n." };
	size_t i, len;

	for (i = 0; i < NELEM(pats); i++) {
		for (len = 0; len < 40; len++) {
			size_t k, plen = strlen(pats[i]), max = pop3_stuffed_max(len);
			char *in = malloc(len > 0 ? len : 1);
			char *out = malloc(max);

			for (k = 0; k < len; k++)
				in[k] = pats[i][k % plen];
			CHECK(pop3_body_stuff(in, len, out) <= max);
			free(out);
			free(in);
		}
	}
}

/* Messages with CRLF lines survive stuffing and parsing unchanged. */
static void
test_stuff_round_trip(void)
{
	static const char alphabet[] = ".\r\n.a. ";
	unsigned long seed = 12345;
	int round;

	for (round = 0; round < 500; round++) {
		struct pop3_resp_parser *p = pop3_resp_parser_new(NULL);
		struct pop3_resp r;
		struct buf msg;
		size_t i, n, nlines = (size_t)round % 9;
		char *wire;

		buf_init(&msg, 1 << 16);
		for (i = 0; i < nlines; i++) {
			size_t k, len;

			seed = seed * 1103515245 + 12345;
			len = (seed >> 16) % 6;
			for (k = 0; k < len; k++) {
				char c;

				seed = seed * 1103515245 + 12345;
				c = alphabet[(seed >> 16) % 7];
				if (c == '\r' || c == '\n')
					c = '.';
				buf_putc(&msg, c);
			}
			buf_puts(&msg, "\r\n");
		}
		wire = malloc(5 + pop3_stuffed_max(msg.len));
		memcpy(wire, "+OK\r\n", 5);
		n = 5 + pop3_body_stuff(msg.data != NULL ? msg.data : "", msg.len, wire + 5);
		CHECK(pop3_resp_parser_feed(p, wire, n) == n);
		CHECK(pop3_resp_parser_next(p, true, &r) == 1);
		CHECK(r.has_body && r.body_len == msg.len && r.body_lines == nlines);
		CHECK(r.wire_len == n && pop3_resp_parser_pending(p) == 0);
		CHECK(msg.len == 0 || memcmp(r.body, msg.data, msg.len) == 0);
		free(wire);
		buf_release(&msg);
		pop3_resp_parser_free(&p);
	}
}

/* A control byte (0x00-0x1f, 0x7f) anywhere in a line of 0..24 bytes
 * after "PASS " (the parser tests eight bytes at a time, then the rest):
 * BAD_CHAR exactly when there is one, on fillers below and above it. */
static void
test_cmd_ctl_every_position(void)
{
	static const unsigned char fillers[] = { 'a', ' ', 0x21, 0x7e, 0x80, 0xff };
	char line[5 + 24], buf[sizeof(line) + POP3_CMD_MAX_ARGS + 1];
	enum pop3_cmd_error err;
	struct pop3_cmd cmd;
	size_t f, n, pos;
	unsigned b;

	memcpy(line, "PASS ", 5);
	for (f = 0; f < sizeof(fillers); f++) {
		for (n = 1; n <= 24; n++) {
			memset(line + 5, fillers[f], n);
			pop3_cmd_parse(line, 5 + n, buf, sizeof(buf), &cmd, &err);
			CHECKF(err != POP3_CMD_ERR_BAD_CHAR, "filler %#x, %zu bytes", fillers[f], n);
			for (pos = 0; pos < n; pos++) {
				for (b = 0; b < 256; b++) {
					bool is_ctl = b < 0x20 || b == 0x7f;

					memset(line + 5, fillers[f], n);
					line[5 + pos] = (char)b;
					pop3_cmd_parse(line, 5 + n, buf, sizeof(buf), &cmd, &err);
					CHECKF((err == POP3_CMD_ERR_BAD_CHAR) == is_ctl,
					    "filler %#x, %zu bytes, %#x at %zu", fillers[f], n, b, pos);
				}
			}
		}
	}
}

/* Keywords: case does not matter, a prefix or a longer word is unknown. */
static void
test_cmd_keyword_lengths(void)
{
	char line[8], buf[sizeof(line) + POP3_CMD_MAX_ARGS + 1];
	enum pop3_cmd_error err;
	struct pop3_cmd cmd;
	int v;

	for (v = POP3_VERB_USER; v <= POP3_VERB_STLS; v++) {
		const char *name = pop3_verb_name((enum pop3_verb)v);
		size_t i, n = strlen(name);

		for (i = 0; i < n; i++)
			line[i] = (char)(i % 2 ? name[i] : name[i] - 'A' + 'a');
		pop3_cmd_parse(line, n, buf, sizeof(buf), &cmd, &err);
		CHECKF(cmd.verb == (enum pop3_verb)v, "%.*s", (int)n, line);
		pop3_cmd_parse(line, n - 1, buf, sizeof(buf), &cmd, &err);
		CHECKF(cmd.verb == POP3_VERB_UNKNOWN, "%.*s", (int)n - 1, line);
		line[n] = 'S';
		pop3_cmd_parse(line, n + 1, buf, sizeof(buf), &cmd, &err);
		CHECKF(cmd.verb == POP3_VERB_UNKNOWN, "%.*s", (int)n + 1, line);
	}
}

int
main(void)
{
	test_resp_cases();
	test_resp_default_limits();
	test_resp_big_body();
	test_resp_pending_reset();
	test_resp_error_strings();
	test_cmd_cases();
	test_cmd_misc();
	test_cmd_ctl_every_position();
	test_cmd_keyword_lengths();
	test_cmd_error_strings();
	test_stuff_cases();
	test_stuff_worst();
	test_stuff_round_trip();
	return unit_done("test_pop3");
}
