/* test_mime_addr.c: unit tests for RFC 5322 addresses (mime_addr.c) and
 * date-times (mime_date.c), with the examples of RFC 5322 Appendix A
 * (A.1 addressing, A.4 trace dates, A.5 white space and comments, A.6
 * obsolete forms) and RFC 9051 §7.5.2's group markers. Every input is an
 * exact-size heap copy. */
#include <inttypes.h>
#include <stdio.h>

#include "arena.h"
#include "mime_addr.h"
#include "mime_date.h"
#include "mime_test_util.h"

struct addr_case {
	const char *in;
	const char *want;	/* per entry ("name" "adl" "mailbox" "host"), N for NULL, ! invalid */
	unsigned problems;
};

static const struct addr_case addr_cases[] = {
	/* RFC 5322 A.1.1 */
	{ "John Doe <jdoe@machine.example>", "(\"John Doe\" N \"jdoe\" \"machine.example\")", 0 },
	{ "Michael Jones <mjones@machine.example>",
	  "(\"Michael Jones\" N \"mjones\" \"machine.example\")", 0 },
	/* A.1.2 */
	{ "\"Joe Q. Public\" <john.q.public@example.com>",
	  "(\"Joe Q. Public\" N \"john.q.public\" \"example.com\")", 0 },
	{ "Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
	  "(\"Mary Smith\" N \"mary\" \"x.test\")(N N \"jdoe\" \"example.org\")"
	  "(\"Who?\" N \"one\" \"y.test\")", 0 },
	{ "<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
	  "(N N \"boss\" \"nil.test\")(\"Giant; \"Big\" Box\" N \"sysservices\" \"example.net\")",
	  0 },
	/* A.1.3 */
	{ "A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
	  "(N N \"A Group\" N)(\"Ed Jones\" N \"c\" \"a.test\")(N N \"joe\" \"where.test\")"
	  "(\"John\" N \"jdoe\" \"one.test\")(N N N N)", 0 },
	{ "Undisclosed recipients:;", "(N N \"Undisclosed recipients\" N)(N N N N)", 0 },
	/* A.2 */
	{ "\"Mary Smith: Personal Account\" <smith@home.example>",
	  "(\"Mary Smith: Personal Account\" N \"smith\" \"home.example\")", 0 },
	/* A.5 */
	{ "Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	  "(\"Pete\" N \"pete\" \"silly.test\")", 0 },
	{ "A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
	  "         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); "
	  "(the end of the group)",
	  "(N N \"A Group\" N)(\"Chris Jones\" N \"c\" \"public.example\")"
	  "(N N \"joe\" \"example.org\")(\"John\" N \"jdoe\" \"one.test\")(N N N N)", 0 },
	{ "(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;",
	  "(N N \"Hidden recipients\" N)(N N N N)", 0 },
	/* A.6.1 */
	{ "Joe Q. Public <john.q.public@example.com>",
	  "(\"Joe Q. Public\" N \"john.q.public\" \"example.com\")", MIME_ADDR_OBSOLETE },
	{ "Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example",
	  "(\"Mary Smith\" \"@node.test\" \"mary\" \"example.net\")"
	  "(N N \"jdoe\" \"test.example\")", MIME_ADDR_OBSOLETE },
	/* A.6.3 */
	{ "John Doe <jdoe@machine(comment).  example>",
	  "(\"John Doe\" N \"jdoe\" \"machine.example\")", MIME_ADDR_OBSOLETE },
	{ "Mary Smith\r\n  \r\n     <mary@example.net>",
	  "(\"Mary Smith\" N \"mary\" \"example.net\")", 0 },
	/* more */
	{ "", "", 0 },
	{ "  (only a comment) ", "", 0 },
	{ "jdoe@example.org (John Doe)", "(\"John Doe\" N \"jdoe\" \"example.org\")", 0 },
	{ "\"john doe\"@example.org", "(N N \"john doe\" \"example.org\")", 0 },
	{ "user@[192.168.0.1]", "(N N \"user\" \"[192.168.0.1]\")", 0 },
	{ "<@a,@b:u@c>", "(N \"@a,@b\" \"u\" \"c\")", MIME_ADDR_OBSOLETE },
	{ "=?utf-8?q?J=C3=B6rg?= <j@x>", "(\"=?utf-8?q?J=C3=B6rg?=\" N \"j\" \"x\")", 0 },
	{ "a@b, G: c@d;, e@f", "(N N \"a\" \"b\")(N N \"G\" N)(N N \"c\" \"d\")(N N N N)"
	  "(N N \"e\" \"f\")", 0 },
	{ ", a@b ,,", "(N N \"a\" \"b\")", MIME_ADDR_OBSOLETE },
	{ "undisclosed-recipients", "!(N N \"undisclosed-recipients\" \"\")", MIME_ADDR_NO_DOMAIN },
	{ "a@b c@d, e@f", "(N N \"a\" \"b\")(N N \"e\" \"f\")", MIME_ADDR_SYNTAX },
	{ "<>", "!(N N \"<>\" \"\")", MIME_ADDR_SYNTAX },
	{ "@@@, x@y", "!(N N \"@@@\" \"\")(N N \"x\" \"y\")", MIME_ADDR_SYNTAX },
	{ "a.@b", "!(N N \"a.@b\" \"\")", MIME_ADDR_SYNTAX },
	{ "a@b.", "!(N N \"a@b.\" \"\")", MIME_ADDR_SYNTAX },
	{ "Foo <a@b", "(\"Foo\" N \"a\" \"b\")", MIME_ADDR_UNTERMINATED },
	{ "G: a@b", "(N N \"G\" N)(N N \"a\" \"b\")(N N N N)", MIME_ADDR_UNTERMINATED },
	{ "G: H: x@y;;", "(N N \"G\" N)!(N N \"H: x@y\" \"\")(N N N N)",
	  MIME_ADDR_SYNTAX },
	{ "\"unterminated@x", "!(N N \"unterminated@x\" \"\")",
	  MIME_ADDR_NO_DOMAIN | MIME_ADDR_UNTERMINATED },
	{ "Foo Bar <a b@c>, d@e", "!(N N \"Foo Bar <a b@c>\" \"\")(N N \"d\" \"e\")",
	  MIME_ADDR_SYNTAX },
};

static void
addr_str(struct buf *out, const char *s)
{
	if (s == NULL)
		buf_puts(out, "N");
	else
		buf_printf(out, "\"%s\"", s);
}

static void
test_addresses(void)
{
	struct arena *a = arena_new(0);
	size_t i;

	for (i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
		size_t len = strlen(addr_cases[i].in);
		char *in = malloc(len > 0 ? len : 1);
		struct mime_address *list, *ad;
		unsigned problems = 0xff;
		struct buf got;
		int n, count = 0;

		memcpy(in, addr_cases[i].in, len);
		buf_init(&got, 1 << 16);
		buf_puts(&got, "");
		n = mime_addr_parse(a, in, len, &list, &problems);
		for (ad = list; ad != NULL; ad = ad->next, count++) {
			buf_puts(&got, ad->is_invalid ? "!(" : "(");
			addr_str(&got, ad->name);
			buf_putc(&got, ' ');
			addr_str(&got, ad->adl);
			buf_putc(&got, ' ');
			addr_str(&got, ad->mailbox);
			buf_putc(&got, ' ');
			addr_str(&got, ad->host);
			buf_putc(&got, ')');
		}
		CHECK(n == count);
		CHECKF(strcmp(got.data, addr_cases[i].want) == 0 &&
		    problems == addr_cases[i].problems, "'%s':\n got  %s %#x\n want %s %#x",
		    addr_cases[i].in, got.data, problems, addr_cases[i].want,
		    addr_cases[i].problems);
		buf_release(&got);
		free(in);
		arena_reset(a);
	}
	arena_free(&a);
}

static void
test_address_limits(void)
{
	struct arena *a = arena_new(64);
	struct mime_address *list;
	struct buf in;
	int i;

	/* a full arena: -1 */
	CHECK(mime_addr_parse(a, S("a@b, c@d, e@f, g@h"), &list, NULL) == -1);
	arena_free(&a);
	/* a long list */
	a = arena_new(0);
	buf_init(&in, 1 << 20);
	for (i = 0; i < 5000; i++)
		buf_printf(&in, "%sUser %d <u%d@example.com>", i > 0 ? ", " : "", i, i);
	CHECK(mime_addr_parse(a, in.data, in.len, &list, NULL) == 5000);
	buf_release(&in);
	arena_free(&a);
}

struct date_case {
	const char *in;
	int ok;
	int64_t utc;
	int offset;
	unsigned problems;
};

static const struct date_case date_cases[] = {
	/* RFC 5322 A.1.1, A.1.2, A.1.3 */
	{ "Fri, 21 Nov 1997 09:55:06 -0600", 1, 880127706, -360, 0 },
	{ "Tue, 1 Jul 2003 10:52:37 +0200", 1, 1057049557, 120, 0 },
	{ "Thu, 13 Feb 1969 23:32:54 -0330", 1, -27723426, -210, 0 },
	/* A.4 (a trace field's date) */
	{ "21 Nov 1997 10:05:43 -0600", 1, 880128343, -360, 0 },
	/* A.5 */
	{ "Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n"
	  "               -0330 (Newfoundland Time)", 1, -27723480, -210, 0 },
	/* A.6.2, A.6.3 */
	{ "21 Nov 97 09:55:06 GMT", 1, 880106106, 0, MIME_DATE_OBSOLETE },
	{ "Fri, 21 Nov 1997 09(comment):   55  :  06 -0600", 1, 880127706, -360,
	  MIME_DATE_OBSOLETE },
	/* RFC 2046 §5.1.1's example */
	{ "Sun, 21 Mar 1993 23:56:48 -0800 (PST)", 1, 732787008, -480, 0 },
	/* obsolete zones and years (RFC 5322 §4.3) */
	{ "Mon, 1 Jan 2001 00:00:00 EST", 1, 978325200, -300, MIME_DATE_OBSOLETE },
	{ "1 Jan 2001 00:00:00 est", 1, 978325200, -300, MIME_DATE_OBSOLETE },
	{ "1 Jan 2001 01:00:00 EDT", 1, 978325200, -240, MIME_DATE_OBSOLETE },
	{ "31 Dec 2000 18:00:00 CST", 1, 978307200, -360, MIME_DATE_OBSOLETE },
	{ "31 Dec 2000 16:00:00 PST", 1, 978307200, -480, MIME_DATE_OBSOLETE },
	{ "1 Jan 2001 00:00:00 UT", 1, 978307200, 0, MIME_DATE_OBSOLETE },
	{ "1 Jan 2001 00:00:00 Z", 1, 978307200, 0, MIME_DATE_OBSOLETE | MIME_DATE_NO_ZONE },
	{ "1 Jan 2001 00:00:00 CET", 1, 978307200, 0, MIME_DATE_OBSOLETE | MIME_DATE_NO_ZONE },
	{ "1 Jan 49 00:00:00 +0000", 1, 2493072000, 0, MIME_DATE_OBSOLETE },
	{ "1 Jan 50 00:00:00 +0000", 1, -631152000, 0, MIME_DATE_OBSOLETE },
	{ "1 Jan 100 00:00:00 +0000", 1, 946684800, 0, MIME_DATE_OBSOLETE },
	{ "29 Feb 2000 12:00:00 +0000", 1, 951825600, 0, 0 },
	{ "31 Dec 1998 23:59:60 +0000", 1, 915148800, 0, 0 },
	{ "1 Jan 0001 00:00:00 +0000", 1, -62135596800, 0, 0 },
	{ "31 Dec 9999 23:59:59 +0000", 1, 253402300799, 0, 0 },
	{ "1 Jan 2001 00:00 -0000", 1, 978307200, 0, MIME_DATE_NO_ZONE },
	{ "1 Jan 2001 00:00", 1, 978307200, 0, MIME_DATE_NO_ZONE },
	{ "Sat, 21 Nov 1997 09:55:06 -0600", 1, 880127706, -360, MIME_DATE_BAD_WDAY },
	{ "Fri 21 Nov 1997 09:55:06 -0600", 1, 880127706, -360, MIME_DATE_OBSOLETE },
	{ "1 Jan 2001 1:00:00 +0100", 1, 978307200, 60, MIME_DATE_OBSOLETE },
	{ "1 Jan 2001 00:00:00 +0000 junk", 1, 978307200, 0, MIME_DATE_TRAILING },
	/* not date-times */
	{ "", 0, 0, 0, 0 }, { "garbage", 0, 0, 0, 0 }, { "Fri,", 0, 0, 0, 0 },
	{ "31 Feb 2000 00:00:00 +0000", 0, 0, 0, 0 },
	{ "29 Feb 1900 00:00:00 +0000", 0, 0, 0, 0 },
	{ "0 Jan 2000 00:00:00 +0000", 0, 0, 0, 0 },
	{ "1 Foo 2000 00:00:00 +0000", 0, 0, 0, 0 },
	{ "1 Jan 2 00:00:00 +0000", 0, 0, 0, 0 },
	{ "1 Jan 2000 24:00:00 +0000", 0, 0, 0, 0 },
	{ "1 Jan 2000 23:60:00 +0000", 0, 0, 0, 0 },
	{ "1 Jan 2000 23:59:61 +0000", 0, 0, 0, 0 },
	{ "1 Jan 2000 23:59:59 +0060", 0, 0, 0, 0 },
	{ "1 Jan 2000 23:59:59 +060", 0, 0, 0, 0 },
	{ "1 Jan 2000 23", 0, 0, 0, 0 },
	{ "1 Jan 2000 23:5", 0, 0, 0, 0 },
	{ "1Jan 2000 23:59 +0000", 0, 0, 0, 0 },
};

static void
test_dates(void)
{
	size_t i;

	for (i = 0; i < sizeof(date_cases) / sizeof(date_cases[0]); i++) {
		const struct date_case *c = &date_cases[i];
		size_t len = strlen(c->in);
		char *in = malloc(len > 0 ? len : 1);
		struct mime_date d;
		int r;

		memcpy(in, c->in, len);
		memset(&d, 0x55, sizeof(d));
		r = mime_date_parse(in, len, &d);
		CHECKF(r == c->ok, "'%s': %d", c->in, r);
		if (r == 1)
			CHECKF(d.utc == c->utc && d.offset == c->offset && d.problems == c->problems,
			    "'%s': %" PRId64 " %d %#x", c->in, d.utc, d.offset, d.problems);
		free(in);
	}
}

/* parse(format(d)) == d, and the format is RFC 5322's. */
static void
test_date_format(void)
{
	struct mime_date d, e;
	char out[40];
	size_t n;
	int64_t t;

	CHECK(mime_date_parse(S("Fri, 21 Nov 1997 09:55:06 -0600"), &d) == 1);
	n = mime_date_format(&d, out, sizeof(out));
	CHECK(n == 31 && strcmp(out, "Fri, 21 Nov 1997 09:55:06 -0600") == 0);
	CHECK(mime_date_format(&d, out, 31) == 0);
	for (t = -5000; t < 5000; t += 37) {
		memset(&d, 0, sizeof(d));
		d.year = 1970 + (int)(t % 400) + 100;
		d.month = (int)((t % 12 + 12) % 12) + 1;
		d.day = (int)((t % 28 + 28) % 28) + 1;
		d.hour = (int)((t % 24 + 24) % 24);
		d.minute = (int)((t % 60 + 60) % 60);
		d.second = (int)((t % 59 + 59) % 59);
		d.offset = (int)(t % 900);
		n = mime_date_format(&d, out, sizeof(out));
		CHECK(n > 0 && mime_date_parse(out, n, &e) == 1);
		CHECKF(e.year == d.year && e.month == d.month && e.day == d.day &&
		    e.hour == d.hour && e.minute == d.minute && e.second == d.second &&
		    e.offset == d.offset && (e.problems & ~(unsigned)MIME_DATE_NO_ZONE) == 0 &&
		    e.utc == mime_date_days(d.year, d.month, d.day) * 86400 + d.hour * 3600 +
		    d.minute * 60 + d.second - d.offset * 60, "%s", out);
	}
	CHECK(mime_date_days(1970, 1, 1) == 0 && mime_date_days(2000, 3, 1) == 11017);
	d.month = 13;
	CHECK(mime_date_format(&d, out, sizeof(out)) == 0);
}

int
main(void)
{
	test_addresses();
	test_address_limits();
	test_dates();
	test_date_format();
	return unit_done("test_mime_addr");
}
