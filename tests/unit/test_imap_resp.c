/* test_imap_resp.c: unit tests for the IMAP response parser
 * (engine/proto/imap_resp.c, imap_resp_query.c, imap_lex.c, imap_frame.c,
 * imap_section.c, imap_node.c): RFC 9051 §2.2.2, §4, §6-§7 and §9,
 * RFC 3501 §7, RFC 3516 (literal8), RFC 5256 (thread lists).
 *
 * Every input is fed whole, one byte at a time and in other chunk sizes,
 * each chunk an exact-size heap copy, and must give the same items; every
 * response is written back with imap_resp_write() and parsed again to the
 * same response; for canonical inputs the written text is the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap_private.h"	/* imap_node_text_is() */
#include "imap_resp.h"
#include "test_imap_dump.h"
#include "unit.h"

static const size_t chunk_sizes[] = { SIZE_MAX, 1, 2, 3, 5, 7, 64, 5000 };

static const struct imap_limits lim_small = { 40, 16, 120, 0, 3, 12 };
static const struct imap_limits lim_size = { 0, 0, 60, 0, 0, 0 };

struct resp_case {
	const char *name;
	const struct imap_limits *lim;	/* NULL: defaults */
	bool is_canonical;		/* imap_resp_write() gives the input back */
	const char *in;
	size_t len;
	/* per response (see record_resp), per error "E:<NAME>;" */
	const char *items;
};

static const struct resp_case cases[] = {
	/* RFC 9051 §6.1.1, §7.1.1, §7.2.2 */
	{ "greeting", NULL, true, S("* OK IMAP4rev2 Service Ready\r\n"),
	  "* OK|IMAP4rev2 Service Ready;" },
	{ "6.1.1 capability", NULL, true,
	  S("* CAPABILITY IMAP4rev2 STARTTLS AUTH=GSSAPI LOGINDISABLED\r\n"
	    "abcd OK CAPABILITY completed\r\n"),
	  "* CAPABILITY IMAP4rev2 STARTTLS AUTH=GSSAPI LOGINDISABLED;"
	  "abcd OK|CAPABILITY completed;" },
	{ "6.2.2 capability code", NULL, true,
	  S("* OK [CAPABILITY IMAP4rev2 STARTTLS AUTH=GSSAPI LOGINDISABLED] Server ready\r\n"),
	  "* OK [CAPABILITY IMAP4rev2 STARTTLS AUTH=GSSAPI LOGINDISABLED]|Server ready;" },
	/* RFC 9051 §6.3.2 */
	{ "6.3.2 select", NULL, true,
	  S("* 172 EXISTS\r\n"
	    "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
	    "* OK [UIDNEXT 4392] Predicted next UID\r\n"
	    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
	    "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n"
	    "* LIST () \"/\" INBOX\r\n"
	    "A142 OK [READ-WRITE] SELECT completed\r\n"),
	  "* 172 EXISTS;"
	  "* OK [UIDVALIDITY #3857529045]|UIDs valid;"
	  "* OK [UIDNEXT #4392]|Predicted next UID;"
	  "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft);"
	  "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)]|Limited;"
	  "* LIST () \"/\" INBOX;"
	  "A142 OK [READ-WRITE]|SELECT completed;" },
	{ "6.3.2 closed", NULL, true,
	  S("* OK [CLOSED] Previous mailbox is now closed\r\n* 0 RECENT\r\n"),
	  "* OK [CLOSED]|Previous mailbox is now closed;* 0 RECENT;" },
	{ "6.3.3 examine", NULL, true,
	  S("* OK [PERMANENTFLAGS ()] No permanent flags permitted\r\n"
	    "A932 OK [READ-ONLY] EXAMINE completed\r\n"),
	  "* OK [PERMANENTFLAGS ()]|No permanent flags permitted;"
	  "A932 OK [READ-ONLY]|EXAMINE completed;" },
	/* RFC 9051 §6.3.9 */
	{ "6.3.9 list", NULL, true,
	  S("* LIST (\\Noselect) \"/\" \"\"\r\n"
	    "* LIST (\\Noselect) \".\" #news.\r\n"
	    "* LIST (\\Noselect) \"/\" /\r\n"
	    "* LIST (\\Noselect) \"/\" ~/Mail/foo\r\n"
	    "* LIST (\\Marked \\NoInferiors) \"/\" \"inbox\"\r\n"
	    "* LIST () \"/\" \"NewMailbox\" (\"OLDNAME\" (\"OldMailbox\"))\r\n"
	    "A202 OK LIST completed\r\n"),
	  "* LIST (\\Noselect) \"/\" \"\";"
	  "* LIST (\\Noselect) \".\" #news.;"
	  "* LIST (\\Noselect) \"/\" /;"
	  "* LIST (\\Noselect) \"/\" ~/Mail/foo;"
	  "* LIST (\\Marked \\NoInferiors) \"/\" \"inbox\";"
	  "* LIST () \"/\" \"NewMailbox\" (\"OLDNAME\" (\"OldMailbox\"));"
	  "A202 OK|LIST completed;" },
	{ "6.3.11 status", NULL, true,
	  S("* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\nA042 OK STATUS completed\r\n"),
	  "* STATUS blurdybloop (MESSAGES #231 UIDNEXT #44292);A042 OK|STATUS completed;" },
	/* RFC 9051 §6.4.4 */
	{ "6.4.4 esearch", NULL, true,
	  S("* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n"
	    "* ESEARCH (TAG \"A283\") ALL 2,10:11\r\n"
	    "* ESEARCH (TAG \"A284\")\r\n"
	    "* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800\r\n"),
	  "* ESEARCH (TAG \"A282\") MIN #2 COUNT #3;"
	  "* ESEARCH (TAG \"A283\") ALL 2,10:11;"
	  "* ESEARCH (TAG \"A284\");"
	  "* ESEARCH (TAG \"A285\") UID MIN #7 MAX #3800;" },
	{ "7.1 codes", NULL, true,
	  S("A003 OK [APPENDUID 38505 3955] APPEND completed\r\n"
	    "A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n"
	    "* NO [UIDNOTSTICKY] Non-persistent UIDs\r\n"
	    "* BYE Autologout; idle for too long\r\n"
	    "* PREAUTH IMAP4rev2 server logged in as Smith\r\n"
	    "A1 NO [ALERT] x\r\nA2 BAD [BADCHARSET (UTF-8 \"x]y\")] y\r\n"),
	  "A003 OK [APPENDUID #38505 #3955]|APPEND completed;"
	  "A004 OK [COPYUID #38505 304,319:320 3956:3958]|Done;"
	  "* NO [UIDNOTSTICKY]|Non-persistent UIDs;"
	  "* BYE|Autologout; idle for too long;"
	  "* PREAUTH|IMAP4rev2 server logged in as Smith;"
	  "A1 NO [ALERT]|x;A2 BAD [BADCHARSET (UTF-8 \"x]y\")]|y;" },
	/* RFC 9051 §6.2.2, §6.3.12, §7.6 */
	{ "continuations", NULL, true,
	  S("+ Ready for literal data\r\n+ \r\n"
	    "+ YGgGCSqGSIb3EgECAgIAb1kwV6ADAgEFoQMCAQ+iSzBJoAMC\r\n+ idling\r\n"),
	  "+|Ready for literal data;+|;+|YGgGCSqGSIb3EgECAgIAb1kwV6ADAgEFoQMCAQ+iSzBJoAMC;"
	  "+|idling;" },
	{ "continuation with code", NULL, true, S("+ [ALERT] go on\r\n"), "+ [ALERT]|go on;" },
	/* RFC 9051 §6.4.5 */
	{ "6.4.5 fetch header literal", NULL, true,
	  S("* 12 FETCH (BODY[HEADER] {21}\r\nSubject: x\r\nTo: y\r\n\r\n)\r\n"
	    "a004 OK FETCH completed\r\n"),
	  "* 12 FETCH (BODY^[HEADER]=HEADER {Subject: x\\r\\nTo: y\\r\\n\\r\\n});"
	  "a004 OK|FETCH completed;" },
	{ "fetch several literals", NULL, true,
	  S("* 1 FETCH (BODY[1] {3}\r\nabc BODY[2] {0}\r\n BINARY[3] ~{2}\r\n\0\1)\r\n"),
	  "* 1 FETCH (BODY^[#1]=1 {abc} BODY^[#2]=2 {} BINARY^[#3]=3 ~{\\x00\\x01});" },
	{ "literal holding CRLF, parens, {n}", NULL, true,
	  S("* 2 FETCH (BODY[] {13}\r\n)\r\n{5}\r\n* OK )\r\n"),
	  "* 2 FETCH (BODY^[]= {)\\r\\n{5}\\r\\n* OK });" },
	{ "sections", NULL, true,
	  S("* 3 FETCH (BODY[1.2.HEADER.FIELDS (From To)]<0> \"x\" "
	    "BODY[4.MIME] NIL BODY[2.TEXT] NIL BODY[HEADER.FIELDS.NOT (Received)] NIL "
	    "BINARY.SIZE[1] 42 BODY[TEXT]<100> NIL)\r\n"),
	  "* 3 FETCH (BODY^[1.2.HEADER.FIELDS (From To)]=1.2.HEADER.FIELDS<0> \"x\" "
	  "BODY^[4.MIME]=4.MIME NIL BODY^[2.TEXT]=2.TEXT NIL "
	  "BODY^[HEADER.FIELDS.NOT (Received)]=HEADER.FIELDS.NOT NIL "
	  "BINARY.SIZE^[#1]=1 #42 BODY^[TEXT]=TEXT<100> NIL);" },
	{ "section keywords any case", NULL, false,
	  S("* 3 FETCH (body[1.header.fields (\"a\" {1}\r\nb)]<7.9> NIL)\r\n"),
	  "* 3 FETCH (body^[1.header.fields (\"a\" {b})]=1.HEADER.FIELDS<7.9> NIL);" },
	{ "thread lists glued", NULL, true,
	  S("* THREAD (2)(3 6 (4 23)(44 7 96))\r\n"),
	  "* THREAD (#2)^(#3 #6 (#4 #23)^(#44 #7 #96));" },
	{ "quoted escapes and utf-8", NULL, true,
	  S("* LIST () \"\\\\\" \"a\\\"b \\\\ caf\xc3\xa9\t\"\r\n"),
	  "* LIST () \"\\\\\" \"a\"b \\\\ caf\\xc3\\xa9\\t\";" },
	{ "nil any case, numbers", NULL, false,
	  S("* 9223372036854775807 FETCH (X nil Y 9223372036854775808 Z 007)\r\n"),
	  "* 9223372036854775807 FETCH (X NIL Y 9223372036854775808 Z #007);" },
	{ "search and enabled", NULL, true,
	  S("* SEARCH 2 3 6\r\n* SEARCH\r\n* ENABLED IMAP4rev2\r\n* 22 EXPUNGE\r\n"),
	  "* SEARCH #2 #3 #6;* SEARCH;* ENABLED IMAP4rev2;* 22 EXPUNGE;" },
	{ "lower-case status words", NULL, false,
	  S("a1 ok done\r\n* bye now\r\n* ok\r\na2 no\r\n"),
	  "a1 OK|done;* BYE|now;* OK|;a2 NO|;" },
	{ "text edge cases", NULL, false,
	  S("A1 OK [READ-WRITE]\r\nA2 OK  two\r\nA3 OK [X]y\r\nA4 OK [unclosed\r\n"
	    "A5 OK [] x\r\nA6 OK [X-FOO (a] b\r\nA7 OK [A  B] c\r\nA8 OK [\"q\"] d\r\n"
	    "A9 OK {5}\r\n+\r\nB1 OK [X ] y\r\n"),
	  "A1 OK [READ-WRITE]|;A2 OK| two;A3 OK|[X]y;A4 OK|[unclosed;A5 OK|[] x;"
	  "A6 OK [X-FOO ~(a]|b;A7 OK [A ~ B]|c;A8 OK|[\"q\"] d;A9 OK|{5};+|;B1 OK [X ~]|y;" },
	{ "code with section and literal-looking text", NULL, true,
	  S("A1 OK [X BODY[1] {3}] z\r\n"),
	  "A1 OK [X ~BODY[1]|{3}] z;" },
	/* errors, each followed by a good response: resynchronisation */
	{ "bad tag", NULL, false, S("A(1 OK x\r\nA1 OK y\r\n"), "E:BAD_TAG;A1 OK|y;" },
	{ "empty line", NULL, false, S("\r\nA1 OK y\r\n"), "E:BAD_RESPONSE;A1 OK|y;" },
	{ "star without SP", NULL, false, S("*OK\r\n* \r\nA1 OK y\r\n"),
	  "E:BAD_RESPONSE;E:BAD_SPACE;A1 OK|y;" },
	{ "plus without SP", NULL, false, S("+x\r\nA1 OK y\r\n"), "E:BAD_RESPONSE;A1 OK|y;" },
	{ "bad status", NULL, false, S("A1 FOO x\r\nA1\r\nA1 BYE x\r\nA1 OK y\r\n"),
	  "E:BAD_STATUS;E:BAD_STATUS;E:BAD_STATUS;A1 OK|y;" },
	{ "no keyword", NULL, false, S("* 23\r\n* (a)\r\n* 1 2\r\nA1 OK y\r\n"),
	  "E:BAD_RESPONSE;E:BAD_RESPONSE;E:BAD_RESPONSE;A1 OK|y;" },
	{ "bad char", NULL, false,
	  S("* X a\x01" "b\r\n* X \xc3\xa9\r\n* X a\\b\r\n* X \\\r\nA1 OK y\r\n"),
	  "E:BAD_CHAR;E:BAD_CHAR;E:BAD_CHAR;E:BAD_CHAR;A1 OK|y;" },
	{ "bad space", NULL, false,
	  S("* X  a\r\n* X a \r\n* X ( a)\r\n* X (a )\r\nA1 OK y\r\n"),
	  "E:BAD_SPACE;E:BAD_SPACE;E:BAD_SPACE;E:BAD_SPACE;A1 OK|y;" },
	{ "expected SP", NULL, false,
	  S("* X a(b)\r\n* X \"a\"b\r\n* X (a)b\r\n* X a{1}b\r\nA1 OK y\r\n"),
	  "E:EXPECTED_SP;E:EXPECTED_SP;E:EXPECTED_SP;E:EXPECTED_SP;A1 OK|y;" },
	{ "bad quoted", NULL, false, S("* X \"a\\bc\"\r\nA1 OK y\r\n"),
	  "E:BAD_QUOTED;A1 OK|y;" },
	{ "unterminated quoted", NULL, false, S("* X \"abc\r\n* X \"a\\\r\nA1 OK y\r\n"),
	  "E:UNTERMINATED_QUOTED;E:UNTERMINATED_QUOTED;A1 OK|y;" },
	{ "unbalanced", NULL, false,
	  S("* X (a\r\n* X a)\r\n* X ((a)\r\n* 1 FETCH (BODY[1)\r\nA1 OK y\r\n"),
	  "E:UNBALANCED;E:UNBALANCED;E:UNBALANCED;E:UNBALANCED;A1 OK|y;" },
	{ "bad section", NULL, false,
	  S("* 1 FETCH (BODY[0] x)\r\n* 1 FETCH (BODY[1.] x)\r\n* 1 FETCH (BODY[01] x)\r\n"
	    "* 1 FETCH (BODY[MIME] x)\r\n* 1 FETCH (BODY[FOO] x)\r\n"
	    "* 1 FETCH (BINARY[1.TEXT] x)\r\n* 1 FETCH (BODY[HEADER.FIELDS] x)\r\n"
	    "* 1 FETCH (BODY[HEADER.FIELDS ()] x)\r\n* 1 FETCH (BODY[TEXT (a)] x)\r\n"
	    "* 1 FETCH (BODY[]<> x)\r\n* 1 FETCH (BODY[]<1.0> x)\r\n"
	    "* 1 FETCH (BODY[]<1. x)\r\n* 1 FETCH (BODY[4294967296] x)\r\n"
	    "* 1 FETCH (BODY[\"1\"] x)\r\nA1 OK y\r\n"),
	  "E:BAD_SECTION;E:BAD_SECTION;E:BAD_SECTION;E:BAD_SECTION;E:BAD_SECTION;"
	  "E:BAD_SECTION;E:BAD_SECTION;E:BAD_SECTION;E:BAD_SECTION;E:BAD_SECTION;"
	  "E:BAD_SECTION;E:BAD_SECTION;E:BAD_SECTION;E:BAD_SECTION;A1 OK|y;" },
	{ "bad literal", NULL, false,
	  S("* X {}\r\n* X {5} a\r\n* X {12345678901234567890}\r\n* X {5-}\r\nA1 OK y\r\n"),
	  "E:BAD_LITERAL;E:BAD_LITERAL;E:BAD_LITERAL;E:BAD_LITERAL;A1 OK|y;" },
	{ "nonsync from a server: its bytes are skipped", NULL, false,
	  S("* X {3+}\r\nA1 OK x)\r\nA1 OK y\r\n"), "E:NONSYNC_LITERAL;A1 OK|y;" },
	{ "NUL in literal", NULL, false, S("* X {3}\r\na\0b c\r\nA1 OK y\r\n"),
	  "E:LITERAL_NUL;A1 OK|y;" },
	{ "bare CR, bare LF, NUL", NULL, false,
	  S("* OK a\rb\r\n* OK a\nb\r\n* OK a\0b\r\nA1 OK\r\r\nA1 OK y\r\n"),
	  "E:BARE_CR;E:BARE_LF;E:NUL;E:BARE_CR;A1 OK|y;" },
	{ "error then skipped literal", NULL, false,
	  S("* 1 FETCH (BODY[] x\"y {5}\r\nab\r\nc)\r\nA1 OK y\r\n"),
	  "E:EXPECTED_SP;A1 OK|y;" },
	{ "error then chained literals", NULL, false,
	  S("* 1 FETCH (X \"a\\q\" {3}\r\nabc {4}\r\nA1 O)\r\nA1 OK y\r\n"),
	  "E:BAD_QUOTED;A1 OK|y;" },
	{ "error in a later line", NULL, false,
	  S("* 1 FETCH (A {1}\r\nx B \"\\z\" {2}\r\n\r\n)\r\nA1 OK y\r\n"),
	  "E:BAD_QUOTED;A1 OK|y;" },
	{ "NUL in literal skips the rest of the line", NULL, false,
	  S("* 1 FETCH (A {1}\r\n\0 B {3}\r\nA1 )\r\nA1 OK y\r\n"),
	  "E:LITERAL_NUL;A1 OK|y;" },
	/* limits: lim_small = max_line 40, max_literal 16, max_size 120,
	 * max_depth 3, max_nodes 12 */
	{ "line too long", &lim_small, false,
	  S("* OK 0123456789012345678901234567890123456789\r\nA1 OK y\r\n"),
	  "E:LINE_TOO_LONG;A1 OK|y;" },
	{ "line at max", &lim_small, true, S("* OK 01234567890123456789012345678901234\r\n"),
	  "* OK|01234567890123456789012345678901234;" },
	{ "too long across literals", &lim_small, false,
	  S("* 1 FETCH (A {1}\r\nx B {1}\r\ny CCCCCCCCCCCCCCCCCCCC)\r\nA1 OK y\r\n"),
	  "E:LINE_TOO_LONG;A1 OK|y;" },
	{ "too long line ending in a literal: skipped", &lim_small, false,
	  S("* 1 FETCH (AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA {4}\r\nx)\r\n)\r\nA1 OK y\r\n"),
	  "E:LINE_TOO_LONG;A1 OK|y;" },
	{ "literal too large: skipped", &lim_small, false,
	  S("* 1 FETCH (A {17}\r\n0123456789abcdefg)\r\nA1 OK y\r\n"),
	  "E:LITERAL_TOO_LARGE;A1 OK|y;" },
	{ "literal at max", &lim_small, true, S("* 1 FETCH (A {16}\r\n0123456789abcdef)\r\n"),
	  "* 1 FETCH (A {0123456789abcdef});" },
	{ "too deep", &lim_small, false, S("* X ((((a))))\r\n* X (((a)))\r\n"),
	  "E:TOO_DEEP;* X (((a)));" },
	{ "too many nodes", &lim_small, false,
	  S("* X 1 2 3 4 5 6 7 8 9 10 11 12\r\n* X 1 2 3 4 5 6 7 8 9 10 11\r\n"),
	  "E:TOO_MANY_NODES;* X #1 #2 #3 #4 #5 #6 #7 #8 #9 #10 #11;" },
	{ "limits inside a response code", &lim_small, false,
	  S("* OK [X ((((a))))] y\r\n* OK [X 1 2 3 4 5 6 7 8 9 10 11 12] y\r\n"
	    "* OK [X 1 2 3 4 5 6 7 8 9 10 11] y\r\n"),
	  "E:TOO_DEEP;E:TOO_MANY_NODES;* OK [X #1 #2 #3 #4 #5 #6 #7 #8 #9 #10 #11]|y;" },
	{ "too large", &lim_size, false,
	  S("* 1 FETCH (A {40}\r\n0123456789012345678901234567890123456789 B {10}\r\n"
	    "0123456789)\r\nA1 OK y\r\n"),
	  "E:TOO_LARGE;A1 OK|y;" },
	{ "too large at the LF of a line", &lim_size, false,
	  S("* OK 012345678901234567890123456789012345678901234567890123\r\nA1 OK y\r\n"),
	  "E:TOO_LARGE;A1 OK|y;" },
	{ "too large at the CR of a line", &lim_size, false,
	  S("* OK 0123456789012345678901234567890123456789012345678901234\r\nA1 OK y\r\n"),
	  "E:TOO_LARGE;A1 OK|y;" },
	{ "incomplete", NULL, false, S("* 1 FETCH (A {5}\r\nab"), "" },
};

static void
record_resp(struct buf *out, const struct imap_resp *r)
{
	if (r->status != IMAP_STATUS_NONE || r->kind == IMAP_RESP_CONTINUATION) {
		buf_puts(out, r->tag);
		if (r->status != IMAP_STATUS_NONE)
			buf_printf(out, " %s", imap_status_name(r->status));
		if (r->code != NULL) {
			buf_printf(out, " [%s", r->code);
			if (r->code_args != NULL) {
				dump_items(out, r->code_args, 0, 1);
			} else {
				buf_puts(out, " ~");
				buf_puts(out, r->code_text);
			}
			buf_putc(out, ']');
		}
		buf_putc(out, '|');
		buf_append_escaped(out, r->text, r->text_len);
	} else {
		buf_puts(out, "* ");
		if (r->has_number)
			buf_printf(out, "%llu ", (unsigned long long)r->number);
		buf_puts(out, r->name);
		dump_items(out, r->data, r->first_arg, 1);
	}
	buf_putc(out, ';');
}

/* Write r, parse it again: the same response. */
static void
check_round_trip(const struct imap_resp *r, const struct imap_limits *lim,
    struct buf *written)
{
	struct imap_resp_parser *p = imap_resp_parser_new(lim);
	struct imap_resp again;
	struct buf a, b;
	size_t start = written->len;
	char *copy;

	buf_init(&a, 1 << 20);
	buf_init(&b, 1 << 20);
	CHECK(imap_resp_write(written, r));
	copy = dup_exact(written->data + start, written->len - start);
	CHECK(imap_resp_parser_feed(p, copy, written->len - start) == written->len - start);
	CHECKF(imap_resp_parser_next(p, &again) == 1, "reparse of %s failed: %s",
	    written->data + start, imap_error_str(imap_resp_parser_error(p)));
	record_resp(&a, r);
	record_resp(&b, &again);
	CHECKF(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
	    "round trip\n was  %s\n now  %s", a.data, b.data);
	CHECK(imap_node_equal(r->data, again.data));
	CHECK(imap_node_equal(r->code_args, again.code_args));
	CHECK(again.raw_len == written->len - start);
	CHECK(imap_resp_parser_pending(p) == 0);
	free(copy);
	buf_release(&a);
	buf_release(&b);
	imap_resp_parser_free(&p);
}

struct run {
	struct buf items;	/* records */
	struct buf raws;	/* raw bytes of the responses */
	struct buf written;	/* imap_resp_write() of the responses */
	bool has_error;
};

static void
take_all(struct imap_resp_parser *p, const struct imap_limits *lim, struct run *run)
{
	struct imap_resp r;
	int rc;

	while ((rc = imap_resp_parser_next(p, &r)) != 0) {
		if (rc < 0) {
			buf_printf(&run->items, "E:%s;", err_name(imap_resp_parser_error(p)));
			run->has_error = true;
			continue;
		}
		record_resp(&run->items, &r);
		buf_append(&run->raws, r.raw, r.raw_len);
		check_round_trip(&r, lim, &run->written);
	}
}

struct resp_feed {
	struct imap_resp_parser *p;
	const struct imap_limits *lim;
	struct run *run;
};

static size_t
resp_feed(void *ctx, const void *data, size_t len)
{
	return imap_resp_parser_feed(((struct resp_feed *)ctx)->p, data, len);
}

static bool
resp_drain(void *ctx)
{
	struct resp_feed *r = ctx;

	take_all(r->p, r->lim, r->run);
	return true;
}

static void
feed_chunked(struct imap_resp_parser *p, const struct imap_limits *lim,
    const char *in, size_t len, size_t chunk, struct run *run)
{
	struct resp_feed r = { p, lim, run };
	struct unit_feeder f = { "response parser", resp_feed, resp_drain, &r };

	unit_feed_chunked(&f, in, len, chunk);
}

static void
run_init(struct run *run)
{
	buf_init(&run->items, 1 << 22);
	buf_init(&run->raws, 1 << 22);
	buf_init(&run->written, 1 << 22);
	buf_puts(&run->items, "");
	buf_puts(&run->raws, "");
	buf_puts(&run->written, "");
	run->has_error = false;
}

static void
run_release(struct run *run)
{
	buf_release(&run->items);
	buf_release(&run->raws);
	buf_release(&run->written);
}

static void
test_cases(void)
{
	size_t i, j;

	for (i = 0; i < NELEM(cases); i++) {
		const struct resp_case *c = &cases[i];

		for (j = 0; j < NELEM(chunk_sizes); j++) {
			struct imap_resp_parser *p = imap_resp_parser_new(c->lim);
			struct run run;

			run_init(&run);
			feed_chunked(p, c->lim, c->in, c->len, chunk_sizes[j], &run);
			CHECKF(strcmp(run.items.data, c->items) == 0,
			    "%s, chunk %zu:\n got  \"%s\"\n want \"%s\"", c->name,
			    chunk_sizes[j], run.items.data, c->items);
			if (!run.has_error && c->items[0] != '\0')
				CHECKF(run.raws.len == c->len &&
				    memcmp(run.raws.data, c->in, c->len) == 0, "%s: raw", c->name);
			if (c->is_canonical)
				CHECKF(run.written.len == c->len &&
				    memcmp(run.written.data, c->in, c->len) == 0,
				    "%s: written\n got  \"%s\"", c->name, run.written.data);
			run_release(&run);
			imap_resp_parser_free(&p);
			CHECK(p == NULL);
		}
	}
}


/* Feed in (an exact-size copy) to p and take one response. */
static int
parse_one(struct imap_resp_parser *p, const char *in, size_t len, struct imap_resp *r)
{
	char *copy = dup_exact(in, len);
	size_t done = 0;
	int rc;

	for (;;) {
		done += imap_resp_parser_feed(p, copy + done, len - done);
		rc = imap_resp_parser_next(p, r);
		if (rc != 0 || done == len)
			break;
	}
	free(copy);
	return rc;
}

static bool
str_is(const struct imap_node *n, const char *s)
{
	size_t len;
	const char *v = imap_node_str(n, &len);

	return v != NULL && len == strlen(s) && memcmp(v, s, len) == 0;
}

/* The response's canonical form is its input. */
static void
check_written(const struct imap_resp *r, const char *in, size_t len)
{
	struct buf b;

	buf_init(&b, 1 << 22);
	CHECK(imap_resp_write(&b, r));
	CHECKF(b.len == len && memcmp(b.data, in, len) == 0, "written: %s", b.data);
	buf_release(&b);
}

/* RFC 9051 §6.4.5 / §7.5.2: FETCH with ENVELOPE and BODY; the address
 * lists of cc are glued as the grammar has them ("(" 1*address ")"). */
static const char envelope_fetch[] =
    "* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
    "RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
    "\"IMAP4rev2 WG mtg summary and minutes\" "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
    "((NIL NIL \"imap\" \"cac.washington.edu\")) "
    "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
    "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
    "\"<B27397-0100000@cac.washington.ed>\") "
    "BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n";

/* RFC 9051 §7.5.2 BODYSTRUCTURE: a two-part message. */
static const char multipart_fetch[] =
    "* 3 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL "
    "\"7BIT\" 1152 23)(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
    "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73) "
    "\"MIXED\"))\r\n";

/* RFC 9051 §6.4.5 example: a004 fetch 12 body[header] */
static const char header_fetch[] =
    "* 12 FETCH (BODY[HEADER] {342}\r\n"
    "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n"
    "From: Terry Gray <gray@cac.washington.edu>\r\n"
    "Subject: IMAP4rev2 WG mtg summary and minutes\r\n"
    "To: imap@cac.washington.edu\r\n"
    "cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n"
    "Message-Id: <B27397-0100000@cac.washington.edu>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n"
    "\r\n"
    ")\r\n";

static void
test_envelope(void)
{
	struct imap_resp_parser *p = imap_resp_parser_new(NULL);
	const struct imap_node *env, *cc, *body, *n;
	struct imap_resp r;
	uint64_t num = 0;

	CHECK(parse_one(p, envelope_fetch, sizeof(envelope_fetch) - 1, &r) == 1);
	CHECK(r.kind == IMAP_RESP_UNTAGGED && r.has_number && r.number == 12);
	CHECK(strcmp(r.name, "FETCH") == 0 && imap_resp_nargs(&r) == 1);
	n = imap_fetch_item(&r, "FLAGS");
	CHECK(imap_node_list_count(n) == 1 && imap_node_is_atom(imap_node_list_get(n, 0), "\\seen"));
	CHECK(imap_fetch_item(&r, "flags") == n);
	CHECK(str_is(imap_fetch_item(&r, "INTERNALDATE"), "17-Jul-1996 02:44:25 -0700"));
	CHECK(imap_node_number(imap_fetch_item(&r, "RFC822.SIZE"), &num) && num == 4286);
	env = imap_fetch_item(&r, "ENVELOPE");
	CHECK(imap_node_list_count(env) == 10);
	CHECK(str_is(imap_node_list_get(env, 1), "IMAP4rev2 WG mtg summary and minutes"));
	n = imap_node_list_get(imap_node_list_get(env, 2), 0);
	CHECK(imap_node_list_count(n) == 4 && imap_node_list_get(n, 1)->kind == IMAP_NODE_NIL);
	CHECK(str_is(imap_node_list_get(n, 2), "gray"));
	cc = imap_node_list_get(env, 6);
	CHECK(imap_node_list_count(cc) == 2 && imap_node_list_get(cc, 1)->is_glued);
	CHECK(str_is(imap_node_list_get(imap_node_list_get(cc, 1), 0), "John Klensin"));
	CHECK(imap_node_list_get(env, 7)->kind == IMAP_NODE_NIL);
	CHECK(str_is(imap_node_list_get(env, 9), "<B27397-0100000@cac.washington.ed>"));
	body = imap_fetch_item(&r, "BODY");
	CHECK(imap_node_list_count(body) == 8 && str_is(imap_node_list_get(body, 5), "7BIT"));
	CHECK(imap_node_number(imap_node_list_get(body, 6), &num) && num == 3028);
	CHECK(imap_fetch_item(&r, "BODY[]") == NULL && imap_fetch_item(&r, "BODYSTRUCTURE") == NULL);
	check_written(&r, envelope_fetch, sizeof(envelope_fetch) - 1);
	imap_resp_parser_free(&p);
}

static void
test_rfc_fetch(void)
{
	struct imap_resp_parser *p = imap_resp_parser_new(NULL);
	const struct imap_node *bs, *n;
	struct imap_resp r;

	test_envelope();
	CHECK(parse_one(p, multipart_fetch, sizeof(multipart_fetch) - 1, &r) == 1);
	bs = imap_fetch_item(&r, "bodystructure");
	CHECK(imap_node_list_count(bs) == 3);
	CHECK(imap_node_list_count(imap_node_list_get(bs, 0)) == 8);
	n = imap_node_list_get(bs, 1);
	CHECK(n->is_glued && imap_node_list_count(n) == 8);
	CHECK(str_is(imap_node_list_get(imap_node_list_get(n, 2), 3), "cc.diff"));
	CHECK(str_is(imap_node_list_get(bs, 2), "MIXED"));
	check_written(&r, multipart_fetch, sizeof(multipart_fetch) - 1);

	CHECK(parse_one(p, header_fetch, sizeof(header_fetch) - 1, &r) == 1);
	n = imap_fetch_item(&r, "BODY[HEADER]");
	CHECK(n != NULL && n->kind == IMAP_NODE_STRING && n->is_literal && n->len == 342);
	CHECK(n != NULL && strncmp(n->str, "Date: Wed", 9) == 0 && n->str[342] == '\0');
	CHECK(imap_fetch_item(&r, "body[header]") == n);
	CHECK(imap_fetch_item(&r, "BODY[TEXT]") == NULL);
	CHECK(imap_fetch_item(&r, "BODY[HEADER]<0>") == NULL);
	CHECK(r.raw_len == sizeof(header_fetch) - 1);
	check_written(&r, header_fetch, sizeof(header_fetch) - 1);
	imap_resp_parser_free(&p);
}

static void
test_fetch_queries(void)
{
	static const char in[] =
	    "* 1 FETCH (UID 4 BODY[1.2.HEADER.FIELDS (From To)]<0> {3}\r\nabc "
	    "BODY[1] \"x\" BODY[]<0> NIL FLAGS () BINARY[1] \"b\")\r\n";
	struct imap_resp_parser *p = imap_resp_parser_new(NULL);
	const struct imap_node *n;
	struct imap_resp r;
	uint64_t num = 0;

	CHECK(parse_one(p, in, sizeof(in) - 1, &r) == 1);
	CHECK(imap_node_number(imap_fetch_item(&r, "UID"), &num) && num == 4);
	CHECK(str_is(imap_fetch_item(&r, "BODY[1.2.header.fields (FROM to)]<0>"), "abc"));
	CHECK(imap_fetch_item(&r, "BODY[1.2.HEADER.FIELDS (From)]<0>") == NULL);
	CHECK(imap_fetch_item(&r, "BODY[1.2.HEADER.FIELDS (From To)]") == NULL);
	CHECK(imap_fetch_item(&r, "BODY[1.2.HEADER.FIELDS (From To)]<1>") == NULL);
	CHECK(str_is(imap_fetch_item(&r, "BODY[1]"), "x"));
	CHECK(str_is(imap_fetch_item(&r, "BINARY[1]"), "b"));
	CHECK(imap_fetch_item(&r, "BODY[2]") == NULL);
	n = imap_fetch_item(&r, "BODY[]<0>");
	CHECK(n != NULL && n->kind == IMAP_NODE_NIL);
	CHECK(imap_fetch_item(&r, "BODY[]") == NULL);
	n = imap_fetch_item(&r, "FLAGS");
	CHECK(n != NULL && n->kind == IMAP_NODE_LIST && n->count == 0);
	CHECK(imap_fetch_item(&r, "BODY.PEEK[1]") == NULL);
	CHECK(imap_fetch_item(&r, "") == NULL);
	CHECK(imap_fetch_item(&r, "BODY[") == NULL);
	CHECK(imap_fetch_item(&r, "BODY[1.0]") == NULL);
	CHECK(imap_fetch_item(&r, "FLAGS UID") == NULL);
	CHECK(imap_fetch_item(&r, "\"UID\"") == NULL);
	CHECK(imap_fetch_item_in(NULL, "UID") == NULL);
	CHECK(imap_fetch_item_in(imap_resp_arg(&r, 0), NULL) == NULL);
	CHECK(parse_one(p, S("* 2 EXPUNGE\r\n"), &r) == 1);
	CHECK(imap_fetch_item(&r, "UID") == NULL && imap_resp_nargs(&r) == 0);
	CHECK(parse_one(p, S("A1 OK done\r\n"), &r) == 1);
	CHECK(imap_fetch_item(&r, "UID") == NULL && imap_resp_arg(&r, 0) == NULL);
	imap_resp_parser_free(&p);
}

static void
test_queries(void)
{
	struct imap_resp_parser *p = imap_resp_parser_new(NULL);
	const struct imap_node *n;
	struct imap_resp r;
	uint64_t num = 0;

	test_fetch_queries();
	CHECK(parse_one(p, S("* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"), &r) == 1);
	CHECK(imap_resp_code_is(&r, "uidvalidity") && !imap_resp_code_is(&r, "UIDNEXT"));
	CHECK(imap_node_number(imap_resp_code_arg(&r, 0), &num) && num == 3857529045u);
	CHECK(imap_resp_code_arg(&r, 1) == NULL && strcmp(r.code_text, "3857529045") == 0);
	CHECK(r.text_len == 10 && strcmp(r.text, "UIDs valid") == 0 && r.data == NULL);
	CHECK(parse_one(p, S("A1 OK [PERMANENTFLAGS (\\Deleted \\*)] x\r\n"), &r) == 1);
	n = imap_resp_code_arg(&r, 0);
	CHECK(imap_node_list_count(n) == 2 && imap_node_is_atom(imap_node_list_get(n, 1), "\\*"));
	CHECK(r.kind == IMAP_RESP_TAGGED && strcmp(r.tag, "A1") == 0 && r.status == IMAP_STATUS_OK);
	CHECK(parse_one(p, S("A2 NO [X-FOO a (b] y\r\n"), &r) == 1);
	CHECK(imap_resp_code_is(&r, "X-FOO") && r.code_args == NULL &&
	    imap_resp_code_arg(&r, 0) == NULL && strcmp(r.code_text, "a (b") == 0);
	CHECK(parse_one(p, S("A3 BAD plain\r\n"), &r) == 1);
	CHECK(r.code == NULL && !imap_resp_code_is(&r, "X") && r.status == IMAP_STATUS_BAD);
	CHECK(parse_one(p, S("* LIST (\\Noselect) \"/\" foo\r\n"), &r) == 1);
	CHECK(imap_resp_nargs(&r) == 3 && imap_resp_arg(&r, 0)->kind == IMAP_NODE_LIST);
	CHECK(str_is(imap_resp_arg(&r, 1), "/") && imap_node_is_atom(imap_resp_arg(&r, 2), "FOO"));
	CHECK(imap_resp_arg(&r, 3) == NULL && !r.has_number && r.first_arg == 1);
	/* node helpers */
	n = imap_resp_arg(&r, 0);
	CHECK(imap_node_str(n, NULL) == NULL && imap_node_str(NULL, NULL) == NULL);
	CHECK(imap_node_list_get(n, 1) == NULL && imap_node_list_get(NULL, 0) == NULL);
	CHECK(imap_node_list_count(imap_resp_arg(&r, 2)) == 0 && imap_node_list_count(NULL) == 0);
	CHECK(imap_node_list_get(imap_resp_arg(&r, 2), 0) == NULL);
	CHECK(!imap_node_is_atom(imap_resp_arg(&r, 1), "/") && !imap_node_is_atom(NULL, "x"));
	CHECK(!imap_node_number(imap_resp_arg(&r, 2), &num) && !imap_node_number(NULL, &num));
	CHECK(parse_one(p, S("* 5 FETCH (X NIL)\r\n"), &r) == 1);
	n = imap_node_list_get(imap_resp_arg(&r, 0), 1);
	CHECK(n->kind == IMAP_NODE_NIL && imap_node_str(n, NULL) == NULL);
	CHECK(imap_node_equal(NULL, NULL) && !imap_node_equal(n, NULL) && imap_node_equal(n, n));
	imap_resp_parser_free(&p);
}

/* A literal bigger than every internal buffer, fed in many ways. */
static void
test_big_literal(void)
{
	static const size_t chunks[] = { SIZE_MAX, 1, 4096, 65537 };
	const size_t lit = (size_t)1 << 20;
	struct buf in;
	size_t i, j;

	buf_init(&in, lit + 4096);
	buf_printf(&in, "* 1 FETCH (BODY[] {%zu}\r\n", lit);
	for (i = 0; i < lit; i++)
		buf_putc(&in, (char)(i % 255 + 1));
	buf_puts(&in, " UID 7)\r\nA1 OK done\r\n");
	for (j = 0; j < NELEM(chunks); j++) {
		struct imap_resp_parser *p = imap_resp_parser_new(NULL);
		struct imap_resp r;
		size_t pos = 0, got = 0;
		bool is_bad = false;
		int rc;

		while (pos < in.len) {
			size_t n = in.len - pos < chunks[j] ? in.len - pos : chunks[j];

			pos += imap_resp_parser_feed(p, in.data + pos, n);
			while ((rc = imap_resp_parser_next(p, &r)) == 1) {
				const struct imap_node *b = imap_fetch_item(&r, "BODY[]");

				if (got++ == 0) {
					CHECK(b != NULL && b->len == lit && b->str[lit] == '\0');
					CHECK(b != NULL && b->str[0] == 1 && b->str[lit - 1] == (char)((lit - 1) % 255 + 1));
					CHECK(r.raw_len == in.len - 12);
				} else {
					CHECK(r.status == IMAP_STATUS_OK);
				}
			}
			is_bad |= rc != 0;
		}
		CHECK(!is_bad);
		CHECKF(got == 2, "chunk %zu: %zu responses", chunks[j], got);
		imap_resp_parser_free(&p);
	}
	buf_release(&in);
}

static void
test_pending_reset(void)
{
	struct imap_resp_parser *p = imap_resp_parser_new(NULL);
	struct imap_resp r;

	imap_resp_parser_feed(p, S("* 1 EXISTS\r\n* 2"));
	CHECK(imap_resp_parser_pending(p) == 15);
	CHECK(imap_resp_parser_next(p, &r) == 1 && r.number == 1);
	CHECK(imap_resp_parser_pending(p) == 3);
	CHECK(imap_resp_parser_next(p, &r) == 0);
	CHECK(imap_resp_parser_pending(p) == 3);
	imap_resp_parser_feed(p, S(" EXISTS\r\n"));
	CHECK(imap_resp_parser_next(p, &r) == 1 && r.number == 2 && r.raw_len == 12);
	imap_resp_parser_feed(p, S("* 1 FETCH (A {5}\r\nab"));
	CHECK(imap_resp_parser_next(p, &r) == 0);
	CHECK(imap_resp_parser_pending(p) == 20);
	imap_resp_parser_reset(p);
	CHECK(imap_resp_parser_pending(p) == 0 && imap_resp_parser_error(p) == IMAP_ERR_NONE);
	imap_resp_parser_feed(p, S("A1 OK x\r\n"));
	CHECK(imap_resp_parser_next(p, &r) == 1 && strcmp(r.text, "x") == 0);
	imap_resp_parser_feed(p, S("A1 XX\r\nA2 OK\r\n"));
	CHECK(imap_resp_parser_next(p, &r) == -1 && imap_resp_parser_error(p) == IMAP_ERR_BAD_STATUS);
	CHECK(imap_resp_parser_next(p, &r) == 1 && strcmp(r.tag, "A2") == 0);
	/* a reset in the middle of skipping an erroneous literal */
	imap_resp_parser_feed(p, S("* X \"\\x\" {100}\r\nabc"));
	CHECK(imap_resp_parser_next(p, &r) == -1 && imap_resp_parser_next(p, &r) == 0);
	imap_resp_parser_reset(p);
	imap_resp_parser_feed(p, S("A3 OK\r\n"));
	CHECK(imap_resp_parser_next(p, &r) == 1 && strcmp(r.tag, "A3") == 0);
	imap_resp_parser_free(&p);
	imap_resp_parser_free(&p);
	imap_resp_parser_free(NULL);
}

static void
test_writer(void)
{
	struct imap_section sec = { 0 };
	uint32_t parts[] = { 1, 2 };
	struct imap_node s = { 0 }, l = { 0 }, x = { 0 }, g = { 0 }, body = { 0 }, se = { 0 };
	struct imap_node *items[4], *sitems[1];
	struct buf b;

	buf_init(&b, 1 << 16);
	s.kind = IMAP_NODE_STRING;
	s.str = "a\r\nb";
	s.len = 4;
	CHECK(imap_node_write(&b, &s) && strcmp(b.data, "{4}\r\na\r\nb") == 0);
	buf_clear(&b);
	s.str = "a\0b";
	s.len = 3;
	CHECK(imap_node_write(&b, &s) && b.len == 9 && memcmp(b.data, "~{3}\r\na\0b", 9) == 0);
	buf_clear(&b);
	s.str = "q\"\\";
	s.is_literal = s.is_nonsync = true;
	CHECK(imap_node_write(&b, &s) && strcmp(b.data, "{3+}\r\nq\"\\") == 0);
	buf_clear(&b);
	s.is_literal = s.is_nonsync = false;
	CHECK(imap_node_write(&b, &s) && strcmp(b.data, "\"q\\\"\\\\\"") == 0);
	buf_clear(&b);
	x.kind = IMAP_NODE_NIL;
	x.str = "";
	g.kind = IMAP_NODE_LIST;
	g.is_glued = true;
	body.kind = IMAP_NODE_ATOM;
	body.str = "BODY";
	body.len = 4;
	sec.parts = parts;
	sec.nparts = 2;
	sec.text = "MIME";
	sec.has_partial = sec.has_partial_len = true;
	sec.partial_offset = 5;
	sec.partial_len = 10;
	sitems[0] = &x;
	se.kind = IMAP_NODE_SECTION;
	se.is_glued = true;
	se.section = &sec;
	se.items = sitems;
	se.count = 1;
	items[0] = &x;
	items[1] = &g;
	items[2] = &body;
	items[3] = &se;
	l.kind = IMAP_NODE_LIST;
	l.items = items;
	l.count = 4;
	CHECK(imap_node_write(&b, &l) && strcmp(b.data, "(NIL^() BODY[NIL]<5.10>)") != 0);
	CHECK(strcmp(b.data, "(NIL() BODY[NIL]<5.10>)") == 0);
	buf_clear(&b);
	CHECK(imap_node_write_items(&b, &l) && strcmp(b.data, "NIL() BODY[NIL]<5.10>") == 0);
	b.max = 3;
	buf_clear(&b);
	CHECK(!imap_node_write(&b, &l));
	buf_release(&b);
}

static void
test_error_strings(void)
{
	int e, k;

	for (e = IMAP_ERR_NONE; e <= IMAP_ERR_NOMEM; e++) {
		const char *s = imap_error_str((enum imap_error)e);

		CHECK(s != NULL && *s != '\0' && strcmp(s, "unknown error") != 0);
		CHECK(strcmp(err_name((enum imap_error)e), "?") != 0);
		for (k = IMAP_ERR_NONE; k < e; k++)
			CHECK(strcmp(s, imap_error_str((enum imap_error)k)) != 0);
	}
	CHECK(strcmp(imap_error_str((enum imap_error)99), "unknown error") == 0);
	for (k = IMAP_NODE_ATOM; k <= IMAP_NODE_SECTION; k++)
		CHECK(strcmp(imap_node_kind_name((enum imap_node_kind)k), "?") != 0);
	CHECK(strcmp(imap_node_kind_name((enum imap_node_kind)9), "?") == 0);
	CHECK(strcmp(imap_status_name(IMAP_STATUS_BYE), "BYE") == 0);
	CHECK(strcmp(imap_status_name(IMAP_STATUS_NONE), "") == 0);
	CHECK(strcmp(imap_status_name((enum imap_status)9), "") == 0);
}

/* imap_node_text_is(): ASCII case only, lengths must match, the text may
 * hold any byte; checked against strncasecmp() over every pair of a
 * small alphabet. */
static void
test_text_is(void)
{
	static const char alphabet[] = { 'a', 'A', 'z', 'Z', '.', '\x0e', '[', '{',
	    '@', '`', '\0', (char)0xc1, (char)0xe1 };
	const size_t na = sizeof(alphabet);
	char s[3], name[4];
	size_t i, j, k, len;

	CHECK(imap_node_text_is("nil", 3, "NIL") && imap_node_text_is("NiL", 3, "NIL"));
	CHECK(!imap_node_text_is("NI", 2, "NIL") && !imap_node_text_is("NILS", 4, "NIL"));
	CHECK(imap_node_text_is("", 0, "") && !imap_node_text_is("", 0, "X"));
	CHECK(!imap_node_text_is("body.peek", 9, "BODYNPEEK"));
	for (i = 0; i < na * na; i++) {
		for (j = 0; j < na * na; j++) {
			for (len = 0; len <= 2; len++) {
				bool want;

				s[0] = alphabet[i % na];
				s[1] = alphabet[i / na];
				name[0] = alphabet[j % na];
				name[1] = alphabet[j / na];
				name[2] = '\0';
				if (memchr(name, '\0', 2) != NULL && strlen(name) != len)
					continue;
				for (k = 0, want = strlen(name) == len; want && k < len; k++) {
					unsigned char a = (unsigned char)s[k], b = (unsigned char)name[k];

					if (a >= 'a' && a <= 'z')
						a -= 0x20;
					if (b >= 'a' && b <= 'z')
						b -= 0x20;
					want = a == b;
				}
				CHECK(imap_node_text_is(s, len, name) == want);
			}
		}
	}
}

/* The byte classes of imap_lex.c against RFC 9051 §9 written out:
 * atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards /
 * quoted-specials / resp-specials. */
static void
test_char_classes(void)
{
	unsigned c;

	for (c = 0; c < 256; c++) {
		bool is_char = c > 0x20 && c < 0x7f;
		bool is_atom_char = is_char && strchr("(){%*\"\\]", (int)c) == NULL;
		bool is_astring_char = is_atom_char || c == ']';

		CHECK(imap_is_atom_char((unsigned char)c) == is_atom_char);
		CHECK(imap_is_tag_char((unsigned char)c) == (is_astring_char && c != '+'));
		/* what the lexer takes into an atom, brackets apart */
		CHECK(((imap_char_class[c] & IMAP_CHAR_ATOM) != 0) ==
		    (is_char && strchr("(){\"\\[]", (int)c) == NULL));
		CHECK(((imap_char_class[c] & IMAP_CHAR_LBRACKET) != 0) == (c == '['));
		CHECK(((imap_char_class[c] & IMAP_CHAR_RBRACKET) != 0) == (c == ']'));
	}
}

int
main(void)
{
	test_cases();
	test_text_is();
	test_char_classes();
	test_rfc_fetch();
	test_queries();
	test_big_literal();
	test_pending_reset();
	test_writer();
	test_error_strings();
	return unit_done("test_imap_resp");
}
