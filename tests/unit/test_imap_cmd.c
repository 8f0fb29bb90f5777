/* test_imap_cmd.c: unit tests for the IMAP command parser and sequence
 * sets (engine/proto/imap_cmd.c, imap_seqset.c, with the shared lexer):
 * RFC 9051 §2.2.1, §4.3, §6, §7.6, §9; RFC 7888 (LITERAL+, LITERAL-);
 * RFC 3516 (literal8); RFC 5182 ("$").
 *
 * Every input is fed whole, one byte at a time and in other chunk sizes,
 * each chunk an exact-size heap copy, and must give the same items,
 * continuation requests included; every command is written back with
 * imap_cmd_write() and parsed again to the same command. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap_cmd.h"
#include "imap_seqset.h"
#include "test_imap_dump.h"
#include "unit.h"

static const size_t chunk_sizes[] = { SIZE_MAX, 1, 2, 3, 5, 7, 64, 5000 };

/* max_line 40, max_literal 16, max_size 200, max_nonsync 8, depth 3, nodes 12 */
static const struct imap_limits lim_small = { 40, 16, 200, 8, 3, 12 };
static const struct imap_limits lim_plus = { 0, 0, 0, SIZE_MAX, 0, 0 };	/* LITERAL+ */
static const struct imap_limits lim_size = { 0, 0, 40, 0, 0, 0 };

struct cmd_case {
	const char *name;
	const struct imap_limits *lim;	/* NULL: defaults */
	unsigned reject;		/* bit i: refuse the i-th continuation */
	const char *in;
	size_t len;
	/* per command "<tag> [UID ]<NAME> <args>;", per continuation
	 * "C<size>;" ("C~<size>;" for literal8), per error "E:<NAME>[@tag];" */
	const char *items;
};

#define APPEND_MSG \
	"Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n" \
	"From: Fred Foobar <foobar@Blurdybloop.example>\r\n" \
	"Subject: afternoon meeting\r\n" \
	"To: mooch@owatagu.siam.edu.example\r\n" \
	"Message-Id: <B27397-0100000@Blurdybloop.example>\r\n" \
	"MIME-Version: 1.0\r\n" \
	"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n" \
	"\r\n" \
	"Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n"
#define APPEND_DUMP \
	"Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\\r\\n" \
	"From: Fred Foobar <foobar@Blurdybloop.example>\\r\\n" \
	"Subject: afternoon meeting\\r\\n" \
	"To: mooch@owatagu.siam.edu.example\\r\\n" \
	"Message-Id: <B27397-0100000@Blurdybloop.example>\\r\\n" \
	"MIME-Version: 1.0\\r\\n" \
	"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\\r\\n" \
	"\\r\\n" \
	"Hello Joe, do you think we can meet at 3:30 tomorrow?\\r\\n"

static const struct cmd_case cases[] = {
	/* RFC 9051 §6 examples */
	{ "6.1.1 capability", NULL, 0, S("abcd CAPABILITY\r\n"), "abcd CAPABILITY;" },
	{ "7.6 login with literals", NULL, 0,
	  S("A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man\r\n"),
	  "C11;C7;A001 LOGIN {FRED FOOBAR} {fat man};" },
	{ "7.6 refused literal", NULL, 1,
	  S("A044 BLURDYBLOOP {102856}\r\nA045 NOOP\r\n"), "C102856;A045 NOOP;" },
	{ "6.3.12 append", NULL, 0,
	  S("A003 APPEND saved-messages (\\Seen) {326}\r\n" APPEND_MSG "\r\n"),
	  "C326;A003 APPEND saved-messages (\\Seen) {" APPEND_DUMP "};" },
	{ "6.3.12 append non-synchronizing", &lim_plus, 0,
	  S("A003 APPEND saved-messages (\\Seen) {326+}\r\n" APPEND_MSG "\r\n"),
	  "A003 APPEND saved-messages (\\Seen) {+" APPEND_DUMP "};" },
	{ "6.4.5 fetch", NULL, 0,
	  S("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n"),
	  "A654 FETCH 2:4 (FLAGS BODY^[HEADER.FIELDS (DATE FROM)]=HEADER.FIELDS);" },
	{ "6.4.9 uid fetch", NULL, 0, S("A999 UID FETCH 4827313:4828442 FLAGS\r\n"),
	  "A999 UID FETCH 4827313:4828442 FLAGS;" },
	{ "6.4.6 store", NULL, 0, S("A003 STORE 2:4 +FLAGS (\\Deleted)\r\n"),
	  "A003 STORE 2:4 +FLAGS (\\Deleted);" },
	{ "6.4.4 search", NULL, 0,
	  S("A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n"
	    "A301 UID SEARCH UID $ SMALLER 4096\r\n"),
	  "A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\";"
	  "A301 UID SEARCH UID $ SMALLER #4096;" },
	{ "6.3.9 list", NULL, 0,
	  S("A101 LIST \"\" \"\"\r\nA102 LIST #news.comp.mail.misc \"\"\r\n"
	    "A202 LIST ~/Mail/ %\r\nA1 LIST \"\" *\r\n"
	    "A2 LIST (SUBSCRIBED) \"\" (\"a\" \"b*\") RETURN (CHILDREN)\r\n"),
	  "A101 LIST \"\" \"\";A102 LIST #news.comp.mail.misc \"\";A202 LIST ~/Mail/ %;"
	  "A1 LIST \"\" *;A2 LIST (SUBSCRIBED) \"\" (\"a\" \"b*\") RETURN (CHILDREN);" },
	{ "6.3.11 status", NULL, 0, S("A042 STATUS blurdybloop (UIDNEXT MESSAGES)\r\n"),
	  "A042 STATUS blurdybloop (UIDNEXT MESSAGES);" },
	{ "6.2.2 authenticate", NULL, 0,
	  S("A03 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=\r\nA01 AUTHENTICATE PLAIN =\r\n"),
	  "A03 AUTHENTICATE PLAIN dGVzdAB0ZXN0AHRlc3Q=;A01 AUTHENTICATE PLAIN =;" },
	{ "lower case names", NULL, 0,
	  S("a002 select inbox\r\na005 store 12 +flags \\deleted\r\nx uid copy 1:* y\r\n"),
	  "a002 SELECT inbox;a005 STORE #12 +flags \\deleted;x UID COPY 1:* y;" },
	{ "no arguments", NULL, 0, S("A1 NOOP\r\nA2 IDLE\r\n"), "A1 NOOP;A2 IDLE;" },
	{ "brackets in mailbox names", NULL, 0,
	  S("A1 SELECT foo]bar\r\nA2 SELECT [Gmail]/Sent\r\nA3 SELECT x[1]\r\n"),
	  "A1 SELECT foo]bar;A2 SELECT [Gmail]/Sent;A3 SELECT x[1];" },
	{ "tags", NULL, 0, S("]x] NOOP\r\n007 NOOP\r\n"), "]x] NOOP;007 NOOP;" },
	{ "peek, partial, binary", NULL, 0,
	  S("A1 FETCH 1 (BODY.PEEK[1.2.MIME]<0.100> BINARY.PEEK[1]<5.5> BINARY.SIZE[2] "
	    "BODY[] RFC822.SIZE)\r\n"),
	  "A1 FETCH #1 (BODY.PEEK^[1.2.MIME]=1.2.MIME<0.100> BINARY.PEEK^[#1]=1<5.5> "
	  "BINARY.SIZE^[#2]=2 BODY^[]= RFC822.SIZE);" },
	{ "literal in a section", NULL, 0,
	  S("A1 FETCH 1 BODY[HEADER.FIELDS ({4}\r\nFrom)]\r\n"),
	  "C4;A1 FETCH #1 BODY^[HEADER.FIELDS ({From})]=HEADER.FIELDS;" },
	{ "empty literals", NULL, 0, S("A1 LOGIN {0}\r\n {0+}\r\n\r\n"),
	  "C0;A1 LOGIN {} {+};" },
	{ "literal8", NULL, 0, S("A1 APPEND x ~{3}\r\na\0b ~{1+}\r\n\0\r\n"),
	  "C~3;A1 APPEND x ~{a\\x00b} ~{+\\x00};" },
	{ "mixed literals", NULL, 0, S("A1 LOGIN {2+}\r\nab {3}\r\ncde\r\n"),
	  "C3;A1 LOGIN {+ab} {cde};" },
	/* errors, each followed by a good command */
	{ "bad tag", NULL, 0, S("\r\n(a NOOP\r\nA+1 NOOP\r\n NOOP\r\nA1 NOOP\r\n"),
	  "E:BAD_TAG;E:BAD_TAG;E:BAD_TAG;E:BAD_TAG;A1 NOOP;" },
	{ "missing command", NULL, 0, S("A1\r\nA2 \r\nA3 UID\r\nA4 UID \r\nA5 NOOP\r\n"),
	  "E:MISSING_COMMAND@A1;E:MISSING_COMMAND@A2;E:MISSING_COMMAND@A3;"
	  "E:MISSING_COMMAND@A4;A5 NOOP;" },
	{ "bad space", NULL, 0,
	  S("A1  NOOP\r\nA2 NOOP \r\nA3 LOGIN a  b\r\nA4 UID  FETCH\r\nA5 NOOP\r\n"),
	  "E:BAD_SPACE@A1;E:BAD_SPACE@A2;E:BAD_SPACE@A3;E:BAD_SPACE@A4;A5 NOOP;" },
	{ "expected SP", NULL, 0, S("A1 NOOP(\r\nA2 LOGIN \"a\"b\r\nA3 NOOP\r\n"),
	  "E:EXPECTED_SP@A1;E:EXPECTED_SP@A2;A3 NOOP;" },
	{ "bad char", NULL, 0, S("A1 \x01\r\nA2 LOGIN \xc3\xa9 x\r\nA3 NOOP\r\n"),
	  "E:BAD_CHAR@A1;E:BAD_CHAR@A2;A3 NOOP;" },
	{ "bad quoted, unterminated, unbalanced", NULL, 0,
	  S("A1 LOGIN \"a\\b\" c\r\nA2 LOGIN \"ab\r\nA3 FETCH 1 (FLAGS\r\nA4 LOGIN a)\r\nA5 NOOP\r\n"),
	  "E:BAD_QUOTED@A1;E:UNTERMINATED_QUOTED@A2;E:UNBALANCED@A3;E:UNBALANCED@A4;A5 NOOP;" },
	{ "bad section", NULL, 0,
	  S("A1 FETCH 1 BODY[0]\r\nA2 FETCH 1 BODY.PEEK[]<0>x\r\nA3 FETCH 1 BINARY[TEXT]\r\n"
	    "A4 NOOP\r\n"),
	  "E:BAD_SECTION@A1;E:EXPECTED_SP@A2;E:BAD_SECTION@A3;A4 NOOP;" },
	{ "no {n-} form (RFC 7888 §5 keeps {n+})", NULL, 0,
	  S("A1 LOGIN {5-}\r\nA2 NOOP\r\n"), "E:BAD_LITERAL@A1;A2 NOOP;" },
	{ "bare CR, bare LF, NUL", NULL, 0,
	  S("A1 NOOP\rx\r\nA2 NOOP\n\r\nA3 NO\0OP\r\nxx\n\r\nA4 NOOP\r\n"),
	  "E:BARE_CR@A1;E:BARE_LF@A2;E:NUL@A3;E:BARE_LF;A4 NOOP;" },
	{ "NUL in a literal", NULL, 0, S("A1 LOGIN {3}\r\na\0b c\r\nA2 NOOP\r\n"),
	  "C3;E:LITERAL_NUL@A1;A2 NOOP;" },
	{ "error before a synchronizing literal: the client waits", NULL, 0,
	  S("A1 LOGIN \"a\\q\" {5}\r\nA2 NOOP\r\n"), "E:BAD_QUOTED@A1;A2 NOOP;" },
	{ "error before a non-synchronizing literal: its bytes are dropped", NULL, 0,
	  S("A1 LOGIN \"a\\q\" {5+}\r\nA2 NO\r\nA3 NOOP\r\n"), "E:BAD_QUOTED@A1;A3 NOOP;" },
	{ "error after a literal", NULL, 0,
	  S("A1 LOGIN {1}\r\nx \"\\q\" {2+}\r\nab c {3+}\r\nA3 )\r\nA4 NOOP\r\n"),
	  "C1;E:BAD_QUOTED@A1;A4 NOOP;" },
	/* limits */
	{ "line too long", &lim_small, 0,
	  S("A1 LOGIN aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nA2 NOOP\r\n"),
	  "E:LINE_TOO_LONG@A1;A2 NOOP;" },
	{ "line too long ending in {n+}", &lim_small, 0,
	  S("A1 LOGIN aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa {3+}\r\nxyz\r\nA2 NOOP\r\n"),
	  "E:LINE_TOO_LONG@A1;A2 NOOP;" },
	{ "line too long, no tag", &lim_small, 0,
	  S("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nA2 NOOP\r\n"),
	  "E:LINE_TOO_LONG;A2 NOOP;" },
	{ "literal too large, synchronizing: refused, nothing dropped", &lim_small, 0,
	  S("A1 APPEND x {17}\r\nA2 NOOP\r\n"), "E:LITERAL_TOO_LARGE@A1;A2 NOOP;" },
	{ "literal at max", &lim_small, 0, S("A1 APPEND x {16}\r\n0123456789abcdef\r\n"),
	  "C16;A1 APPEND x {0123456789abcdef};" },
	{ "literal too large, non-synchronizing: dropped", &lim_plus, 0,
	  S("A1 APPEND x {67108865+}\r\n"), "E:LITERAL_TOO_LARGE@A1;" },
	{ "LITERAL- over the limit: dropped", &lim_small, 0,
	  S("A1 LOGIN {9+}\r\n123456789 x\r\nA2 NOOP\r\n"), "E:NONSYNC_TOO_LARGE@A1;A2 NOOP;" },
	{ "LITERAL- at the limit", &lim_small, 0, S("A1 LOGIN {8+}\r\n12345678 x\r\n"),
	  "A1 LOGIN {+12345678} x;" },
	{ "too large", &lim_size, 0,
	  S("A1 APPEND x {20}\r\n01234567890123456789 {5}\r\nA2 NOOP\r\n"),
	  "C20;E:TOO_LARGE@A1;A2 NOOP;" },
	{ "too deep", &lim_small, 0, S("A1 X ((((a))))\r\nA2 X (((a)))\r\n"),
	  "E:TOO_DEEP@A1;A2 X (((a)));" },
	{ "too many nodes", &lim_small, 0,
	  S("A1 X 1 2 3 4 5 6 7 8 9 10 11 12 13\r\nA2 X 1 2 3 4 5 6 7 8 9 10 11 12\r\n"),
	  "E:TOO_MANY_NODES@A1;A2 X #1 #2 #3 #4 #5 #6 #7 #8 #9 #10 #11 #12;" },
	{ "incomplete", NULL, 0, S("A1 LOGIN {5}\r\nab"), "C5;" },
};

static void
record_cmd(struct buf *out, const struct imap_cmd *c)
{
	buf_printf(out, "%s %s%s", c->tag, c->is_uid ? "UID " : "", c->name);
	dump_items(out, c->args, 0, 1);
	buf_putc(out, ';');
}

/* Parse one command from a heap copy of in, answering continuations. */
static int
parse_cmd(struct imap_cmd_parser *p, const char *in, size_t len, struct imap_cmd *c)
{
	char *copy = dup_exact(in, len);
	size_t done = 0;
	int rc;

	for (;;) {
		done += imap_cmd_parser_feed(p, copy + done, len - done);
		rc = imap_cmd_parser_next(p, c);
		if (rc == IMAP_CMD_NEED_CONTINUATION)
			continue;
		if (rc != 0 || done == len)
			break;
	}
	free(copy);
	return rc;
}

static void
check_round_trip(const struct imap_cmd *c, const struct imap_limits *lim)
{
	struct imap_cmd_parser *p = imap_cmd_parser_new(lim);
	struct imap_cmd again;
	struct buf w, a, b;

	buf_init(&w, 1 << 26);
	buf_init(&a, 1 << 26);
	buf_init(&b, 1 << 26);
	CHECK(imap_cmd_write(&w, c));
	CHECKF(parse_cmd(p, w.data, w.len, &again) == 1, "reparse of %s: %s", w.data,
	    imap_error_str(imap_cmd_parser_error(p)));
	record_cmd(&a, c);
	record_cmd(&b, &again);
	CHECKF(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
	    "round trip\n was  %s\n now  %s", a.data, b.data);
	CHECK(imap_node_equal(c->args, again.args));
	buf_release(&w);
	buf_release(&a);
	buf_release(&b);
	imap_cmd_parser_free(&p);
}

struct run {
	struct buf items;
	unsigned reject;
	unsigned nconts;
	const struct imap_limits *lim;
};

static void
take_all(struct imap_cmd_parser *p, struct run *run)
{
	struct imap_cmd c;
	int rc;

	while ((rc = imap_cmd_parser_next(p, &c)) != 0) {
		if (rc == IMAP_CMD_NEED_CONTINUATION) {
			buf_printf(&run->items, "C%s%llu;", c.is_literal8 ? "~" : "",
			    (unsigned long long)c.literal_size);
			CHECK(c.tag != NULL && c.name != NULL);
			if (run->reject & (1u << run->nconts))
				imap_cmd_parser_reject_literal(p);
			run->nconts++;
		} else if (rc < 0) {
			buf_printf(&run->items, "E:%s", err_name(imap_cmd_parser_error(p)));
			if (c.tag != NULL)
				buf_printf(&run->items, "@%s", c.tag);
			buf_putc(&run->items, ';');
		} else {
			record_cmd(&run->items, &c);
			CHECK(c.raw != NULL && c.raw_len >= 4);
			check_round_trip(&c, run->lim);
		}
	}
}

struct cmd_feed {
	struct imap_cmd_parser *p;
	struct run *run;
};

static size_t
cmd_feed(void *ctx, const void *data, size_t len)
{
	return imap_cmd_parser_feed(((struct cmd_feed *)ctx)->p, data, len);
}

static bool
cmd_drain(void *ctx)
{
	struct cmd_feed *c = ctx;

	take_all(c->p, c->run);
	return true;
}

static void
feed_chunked(struct imap_cmd_parser *p, const char *in, size_t len, size_t chunk,
    struct run *run)
{
	struct cmd_feed c = { p, run };
	struct unit_feeder f = { "command parser", cmd_feed, cmd_drain, &c };

	unit_feed_chunked(&f, in, len, chunk);
}

static void
test_cases(void)
{
	size_t i, j;

	for (i = 0; i < NELEM(cases); i++) {
		const struct cmd_case *c = &cases[i];

		for (j = 0; j < NELEM(chunk_sizes); j++) {
			struct imap_cmd_parser *p = imap_cmd_parser_new(c->lim);
			struct run run = { .reject = c->reject, .lim = c->lim };

			buf_init(&run.items, 1 << 20);
			buf_puts(&run.items, "");
			feed_chunked(p, c->in, c->len, chunk_sizes[j], &run);
			CHECKF(strcmp(run.items.data, c->items) == 0,
			    "%s, chunk %zu:\n got  \"%s\"\n want \"%s\"", c->name,
			    chunk_sizes[j], run.items.data, c->items);
			buf_release(&run.items);
			imap_cmd_parser_free(&p);
			CHECK(p == NULL);
		}
	}
}

/* RFC 9051 §7.6: a server answering each synchronizing literal. */
static void
test_continuation_flow(void)
{
	struct imap_cmd_parser *p = imap_cmd_parser_new(NULL);
	struct imap_cmd c;

	imap_cmd_parser_feed(p, S("A001 LOGIN {11}\r\n"));
	CHECK(imap_cmd_parser_next(p, &c) == IMAP_CMD_NEED_CONTINUATION);
	CHECK(strcmp(c.tag, "A001") == 0 && strcmp(c.name, "LOGIN") == 0 && !c.is_uid);
	CHECK(c.literal_size == 11 && !c.is_literal8 && c.raw_len == 17);
	CHECK(imap_cmd_parser_next(p, &c) == 0);
	CHECK(imap_cmd_parser_pending(p) == 17);
	imap_cmd_parser_feed(p, S("FRED FOOBAR {7}\r\n"));
	CHECK(imap_cmd_parser_next(p, &c) == IMAP_CMD_NEED_CONTINUATION && c.literal_size == 7);
	imap_cmd_parser_feed(p, S("fat man\r\nA2"));
	CHECK(imap_cmd_parser_next(p, &c) == 1);
	CHECK(imap_cmd_nargs(&c) == 2 && imap_cmd_arg(&c, 2) == NULL);
	CHECK(imap_cmd_arg(&c, 0)->is_literal && strcmp(imap_cmd_arg(&c, 1)->str, "fat man") == 0);
	CHECK(c.raw_len == 43 && memcmp(c.raw, "A001 LOGIN {11}\r\nFRED FOOBAR {7}\r\nfat man\r\n", 43) == 0);
	CHECK(imap_cmd_parser_pending(p) == 2);
	/* the server refuses: the client sends no literal */
	imap_cmd_parser_feed(p, S(" APPEND INBOX {999999}\r\n"));
	CHECK(imap_cmd_parser_next(p, &c) == IMAP_CMD_NEED_CONTINUATION);
	CHECK(strcmp(c.tag, "A2") == 0 && c.literal_size == 999999);
	imap_cmd_parser_reject_literal(p);
	imap_cmd_parser_feed(p, S("A3 UID EXPUNGE 1:3\r\n"));
	CHECK(imap_cmd_parser_next(p, &c) == 1 && c.is_uid && strcmp(c.name, "EXPUNGE") == 0);
	CHECK(imap_node_is_atom(imap_cmd_arg(&c, 0), "1:3"));
	imap_cmd_parser_free(&p);
}

/* RFC 9051 §4.3: {n+} is at most 4096 octets unless LITERAL+ says otherwise. */
static void
test_nonsync_limit(void)
{
	struct imap_cmd_parser *p = imap_cmd_parser_new(NULL);
	struct imap_cmd_parser *plus = imap_cmd_parser_new(&lim_plus);
	struct imap_cmd c;
	struct buf in;
	size_t i;

	buf_init(&in, 1 << 16);
	buf_puts(&in, "A1 APPEND x {4096+}\r\n");
	for (i = 0; i < 4096; i++)
		buf_putc(&in, 'a');
	buf_puts(&in, "\r\n");
	CHECK(parse_cmd(p, in.data, in.len, &c) == 1 && imap_cmd_arg(&c, 1)->len == 4096);
	buf_clear(&in);
	buf_puts(&in, "A2 APPEND x {4097+}\r\n");
	for (i = 0; i < 4097; i++)
		buf_putc(&in, 'b');
	buf_puts(&in, "\r\nA3 NOOP\r\n");
	CHECK(parse_cmd(p, in.data, 21, &c) == -1);
	CHECK(imap_cmd_parser_error(p) == IMAP_ERR_NONSYNC_TOO_LARGE);
	CHECK(strcmp(c.tag, "A2") == 0 && c.literal_size == 4097);
	CHECK(imap_cmd_parser_discarding(p) == 4097);
	imap_cmd_parser_feed(p, in.data + 21, 100);
	CHECK(imap_cmd_parser_next(p, &c) == 0 && imap_cmd_parser_discarding(p) == 3997);
	CHECK(parse_cmd(p, in.data + 121, in.len - 121, &c) == 1 && strcmp(c.tag, "A3") == 0);
	CHECK(imap_cmd_parser_discarding(p) == 0);
	CHECK(parse_cmd(plus, in.data, in.len, &c) == 1 && imap_cmd_arg(&c, 1)->len == 4097);
	CHECK(imap_cmd_arg(&c, 1)->is_nonsync);
	buf_release(&in);
	imap_cmd_parser_free(&p);
	imap_cmd_parser_free(&plus);
}

/* RFC 9051 §6.2.2 (AUTHENTICATE responses) and §6.3.13 (IDLE ... DONE). */
static void
test_take_line(void)
{
	struct imap_cmd_parser *p = imap_cmd_parser_new(&lim_small);
	struct imap_cmd c;
	const char *line;
	size_t len;

	imap_cmd_parser_feed(p, S("A01 AUTHENTICATE PLAIN\r\ndGVzdAB0ZXN0AHRlc3Q=\r\nA4 IDLE\r\n"));
	CHECK(imap_cmd_parser_next(p, &c) == 1 && strcmp(c.name, "AUTHENTICATE") == 0);
	CHECK(imap_cmd_parser_take_line(p, &line, &len) == 1);
	CHECK(len == 20 && strcmp(line, "dGVzdAB0ZXN0AHRlc3Q=") == 0);
	CHECK(imap_cmd_parser_next(p, &c) == 1 && strcmp(c.name, "IDLE") == 0);
	CHECK(imap_cmd_parser_take_line(p, &line, &len) == 0);
	imap_cmd_parser_feed(p, S("DO"));
	CHECK(imap_cmd_parser_take_line(p, &line, &len) == 0);
	imap_cmd_parser_feed(p, S("NE {5}\r\n*\r\n\r\n"));
	CHECK(imap_cmd_parser_take_line(p, &line, &len) == 1 && strcmp(line, "DONE {5}") == 0);
	CHECK(imap_cmd_parser_take_line(p, &line, &len) == 1 && strcmp(line, "*") == 0);
	CHECK(imap_cmd_parser_take_line(p, &line, &len) == 1 && len == 0 && line[0] == '\0');
	imap_cmd_parser_feed(p, S("a\rb\r\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\nok\r\n"));
	CHECK(imap_cmd_parser_take_line(p, &line, &len) == -1);
	CHECK(imap_cmd_parser_error(p) == IMAP_ERR_BARE_CR);
	CHECK(imap_cmd_parser_take_line(p, &line, &len) == -1);
	CHECK(imap_cmd_parser_error(p) == IMAP_ERR_LINE_TOO_LONG);
	CHECK(imap_cmd_parser_take_line(p, &line, &len) == 1 && strcmp(line, "ok") == 0);
	imap_cmd_parser_free(&p);
}

/* RFC 9051 §6.3.12, second example: LITERAL+ with {297+}. */
static void
test_append_nonsync(void)
{
	static const char msg[] =
	    "Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n"
	    "From: Fred Foobar <foobar@example.com>\r\n"
	    "Subject: afternoon meeting\r\n"
	    "To: mooch@example.com\r\n"
	    "Message-Id: <B27397-0100000@example.com>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
	    "\r\n"
	    "Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n";
	struct imap_cmd_parser *p = imap_cmd_parser_new(NULL);
	const struct imap_node *lit;
	struct imap_cmd c;
	struct buf in;

	CHECK(sizeof(msg) - 1 == 297);
	buf_init(&in, 4096);
	buf_printf(&in, "A003 APPEND saved-messages (\\Seen) {297+}\r\n%s\r\n", msg);
	CHECK(parse_cmd(p, in.data, in.len, &c) == 1);
	CHECK(strcmp(c.name, "APPEND") == 0 && imap_cmd_nargs(&c) == 3);
	lit = imap_cmd_arg(&c, 2);
	CHECK(lit->is_literal && lit->is_nonsync && lit->len == 297);
	CHECK(memcmp(lit->str, msg, 297) == 0);
	CHECK(imap_node_is_atom(imap_node_list_get(imap_cmd_arg(&c, 1), 0), "\\seen"));
	buf_release(&in);
	imap_cmd_parser_free(&p);
}

static void
test_pending_reset(void)
{
	struct imap_cmd_parser *p = imap_cmd_parser_new(NULL);
	struct imap_cmd c;

	imap_cmd_parser_feed(p, S("A1 NOOP\r\nA2"));
	CHECK(imap_cmd_parser_pending(p) == 11);
	CHECK(imap_cmd_parser_next(p, &c) == 1 && imap_cmd_nargs(&c) == 0);
	CHECK(imap_cmd_parser_pending(p) == 2 && imap_cmd_parser_next(p, &c) == 0);
	imap_cmd_parser_reset(p);
	CHECK(imap_cmd_parser_pending(p) == 0 && imap_cmd_parser_error(p) == IMAP_ERR_NONE);
	imap_cmd_parser_feed(p, S("A1 LOGIN \"\\x\" {50+}\r\nabc"));
	CHECK(imap_cmd_parser_next(p, &c) == -1 && imap_cmd_parser_discarding(p) == 50);
	CHECK(imap_cmd_parser_next(p, &c) == 0 && imap_cmd_parser_discarding(p) == 47);
	imap_cmd_parser_reset(p);
	CHECK(imap_cmd_parser_discarding(p) == 0);
	imap_cmd_parser_feed(p, S("B1 NOOP\r\n"));
	CHECK(imap_cmd_parser_next(p, &c) == 1 && strcmp(c.tag, "B1") == 0);
	imap_cmd_parser_free(&p);
	imap_cmd_parser_free(&p);
	imap_cmd_parser_free(NULL);
}

/* ---- sequence sets (RFC 9051 §9, RFC 5182) -------------------------- */

struct seq_case {
	const char *set;
	uint32_t star;
	int flags;
	const char *want;	/* ranges "lo-hi," or "E:<NAME>" */
};

static const struct seq_case seq_cases[] = {
	{ "1", 10, 0, "1-1," },
	{ "1:*,3,5:7", 10, 0, "1-10,3-3,5-7," },
	{ "2,4:7,9,12:*", 15, 0, "2-2,4-7,9-9,12-15," },
	{ "*:4,5:7", 10, 0, "4-10,5-7," },
	{ "4:2", 10, 0, "2-4," },
	{ "3291:*", 100, 0, "100-3291," },
	{ "*", 7, 0, "7-7," },
	{ "4294967295", 1, 0, "4294967295-4294967295," },
	{ "1:4294967295", 1, 0, "1-4294967295," },
	{ "$", 0, IMAP_SEQSET_DOLLAR, "$" },
	{ "1:3,$", 5, IMAP_SEQSET_DOLLAR, "1-3,$" },
	{ "11", 10, IMAP_SEQSET_CHECK_MAX, "E:SEQSET_RANGE" },
	{ "1:11", 10, IMAP_SEQSET_CHECK_MAX, "E:SEQSET_RANGE" },
	{ "10,1:*", 10, IMAP_SEQSET_CHECK_MAX, "10-10,1-10," },
	{ "*", 0, 0, "E:SEQSET_RANGE" },
	{ "1:*", 0, 0, "E:SEQSET_RANGE" },
	{ "", 10, 0, "E:BAD_SEQSET" },
	{ "0", 10, 0, "E:BAD_SEQSET" },
	{ "01", 10, 0, "E:BAD_SEQSET" },
	{ "1:0", 10, 0, "E:BAD_SEQSET" },
	{ "4294967296", 10, 0, "E:BAD_SEQSET" },
	{ "1,", 10, 0, "E:BAD_SEQSET" },
	{ ",1", 10, 0, "E:BAD_SEQSET" },
	{ "1,,2", 10, 0, "E:BAD_SEQSET" },
	{ "1:", 10, 0, "E:BAD_SEQSET" },
	{ ":1", 10, 0, "E:BAD_SEQSET" },
	{ "1:2:3", 10, 0, "E:BAD_SEQSET" },
	{ "1 2", 10, 0, "E:BAD_SEQSET" },
	{ "-1", 10, 0, "E:BAD_SEQSET" },
	{ "$", 10, 0, "E:BAD_SEQSET" },
	{ "$,1", 10, IMAP_SEQSET_DOLLAR, "E:BAD_SEQSET" },
	{ "$$", 10, IMAP_SEQSET_DOLLAR, "E:BAD_SEQSET" },
	{ "1:$", 10, IMAP_SEQSET_DOLLAR, "E:BAD_SEQSET" },
	{ "**", 10, 0, "E:BAD_SEQSET" },
};

static void
test_seqset_cases(void)
{
	size_t i;

	for (i = 0; i < NELEM(seq_cases); i++) {
		const struct seq_case *c = &seq_cases[i];
		size_t len = strlen(c->set);
		char *copy = dup_exact(c->set, len);
		struct imap_seqset set;
		enum imap_error err;
		uint32_t lo, hi;
		struct buf out;

		buf_init(&out, 4096);
		buf_puts(&out, "");
		if (imap_seqset_parse(copy, len, c->star, c->flags, &set, &err) < 0) {
			buf_printf(&out, "E:%s", err_name(err));
		} else {
			CHECK(err == IMAP_ERR_NONE);
			while (imap_seqset_next_range(&set, &lo, &hi) == 1)
				buf_printf(&out, "%u-%u,", (unsigned)lo, (unsigned)hi);
			if (set.has_dollar)
				buf_putc(&out, '$');
		}
		CHECKF(strcmp(out.data, c->want) == 0, "seqset \"%s\": got %s want %s",
		    c->set, out.data, c->want);
		buf_release(&out);
		free(copy);
	}
}

static void
test_seqset(void)
{
	struct imap_cmd_parser *p = imap_cmd_parser_new(NULL);
	struct imap_seqset set;
	enum imap_error err;
	struct imap_cmd c;
	uint32_t n, sum = 0, count = 0;

	test_seqset_cases();
	CHECK(imap_seqset_parse("2:4,*,1", 7, 9, 0, &set, &err) == 1);
	while (imap_seqset_next(&set, &n) == 1) {
		sum += n;
		count++;
	}
	CHECK(count == 5 && sum == 2 + 3 + 4 + 9 + 1);
	CHECK(imap_seqset_next(&set, &n) == 0);
	imap_seqset_rewind(&set);
	CHECK(imap_seqset_next(&set, &n) == 1 && n == 2);
	CHECK(imap_seqset_contains(&set, 3) && imap_seqset_contains(&set, 9) &&
	    imap_seqset_contains(&set, 1) && !imap_seqset_contains(&set, 5) &&
	    !imap_seqset_contains(&set, 0));
	CHECK(imap_seqset_next(&set, &n) == 1 && n == 3);	/* contains() left it alone */
	CHECK(imap_seqset_parse("4294967294:*", 12, UINT32_MAX, 0, &set, &err) == 1);
	CHECK(imap_seqset_next(&set, &n) == 1 && n == 4294967294u);
	CHECK(imap_seqset_next(&set, &n) == 1 && n == UINT32_MAX);
	CHECK(imap_seqset_next(&set, &n) == 0);
	/* from a parsed command: ATOM and NUMBER nodes, not strings */
	CHECK(parse_cmd(p, S("A1 UID FETCH 1:*,5 (FLAGS)\r\n"), &c) == 1);
	CHECK(imap_seqset_parse_node(imap_cmd_arg(&c, 0), 50, 0, &set, &err) == 1);
	CHECK(imap_seqset_contains(&set, 50) && imap_seqset_contains(&set, 5));
	CHECK(imap_seqset_parse_node(imap_cmd_arg(&c, 1), 50, 0, &set, &err) == -1);
	CHECK(err == IMAP_ERR_BAD_SEQSET);
	CHECK(imap_seqset_parse_node(NULL, 50, 0, &set, &err) == -1);
	CHECK(parse_cmd(p, S("A2 FETCH 7 \"7\"\r\n"), &c) == 1);
	CHECK(imap_seqset_parse_node(imap_cmd_arg(&c, 0), 7, IMAP_SEQSET_CHECK_MAX, &set, &err) == 1);
	CHECK(imap_seqset_parse_node(imap_cmd_arg(&c, 1), 7, 0, &set, &err) == -1);
	imap_cmd_parser_free(&p);
}

int
main(void)
{
	test_cases();
	test_continuation_flow();
	test_nonsync_limit();
	test_take_line();
	test_append_nonsync();
	test_pending_reset();
	test_seqset();
	return unit_done("test_imap_cmd");
}
