/* test_imap_fetchattr.c: unit tests for engine/proto/imap_fetchattr*.c.
 *
 * The RFC 3501 §8 / RFC 9051 §8 sample (ENVELOPE, BODY, BODY[HEADER] of
 * 342 octets), RFC 9051 §7.5.2's BODY examples rebuilt with their sizes,
 * expected BODYSTRUCTURE strings derived by hand from the RFC 9051 §9
 * grammar for RFC 2231 parameters, digests, message/rfc822, groups and
 * malformed parts, BODY[section] and BINARY[section] (RFC 3516), and
 * every fixture of scenarios/fixtures: its FETCH data parses back with
 * imap_resp.h, and every prefix of it is handled from an exact-size copy
 * (ASan catches any read past the input).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap_cmd.h"
#include "imap_fetchattr.h"
#include "imap_resp.h"
#include "mime.h"
#include "unit.h"

#define CRLF "\r\n"
#define FIXTURES "scenarios/fixtures"

struct parsed {
	struct mime_parser *p;
	const struct mime_part *root;
	char *data;
	size_t len;
};

/* Parse msg from an exact-size heap copy (kept in pm->data). */
static void
parse(struct parsed *pm, const char *msg, size_t len, const struct mime_limits *lim)
{
	pm->data = malloc(len > 0 ? len : 1);
	memcpy(pm->data, msg, len);
	pm->len = len;
	pm->p = mime_parser_new(lim);
	mime_parser_feed(pm->p, pm->data, len);
	pm->root = mime_parser_finish(pm->p);
}

static void
parsed_free(struct parsed *pm)
{
	mime_parser_free(&pm->p);
	free(pm->data);
}

enum what { BS, BODY, ENV, BS_UTF8, BS_REV2 };

/* The FETCH item `what` of msg equals want. */
static void
check_item(const char *msg, enum what what, const char *want, int line)
{
	struct parsed pm;
	struct buf b;
	bool ok;

	parse(&pm, msg, strlen(msg), NULL);
	buf_init(&b, 1 << 20);
	ok = what == ENV ? imap_fetchattr_envelope(&b, pm.root, 0) :
	    what == BODY ? imap_fetchattr_body(&b, pm.root, 0) :
	    imap_fetchattr_bodystructure(&b, pm.root, what == BS_UTF8 ? IMAP_FETCHATTR_UTF8 :
	    what == BS_REV2 ? IMAP_FETCHATTR_UTF8 | IMAP_FETCHATTR_REV2 : 0);
	CHECKF(ok && b.data != NULL && strcmp(b.data, want) == 0,
	    "line %d:\n  got  %s\n  want %s", line, b.data ? b.data : "(null)", want);
	buf_release(&b);
	parsed_free(&pm);
}
#define ITEM(msg, what, want) check_item(msg, what, want, __LINE__)

/* ---- RFC 3501 §8 and RFC 9051 §8: "a003 fetch 12 full" ------------------ */

#define RFC_HEADER \
	"Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" CRLF \
	"From: Terry Gray <gray@cac.washington.edu>" CRLF \
	"Subject: IMAP4rev1 WG mtg summary and minutes" CRLF \
	"To: imap@cac.washington.edu" CRLF \
	"cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>" CRLF \
	"Message-Id: <B27397-0100000@cac.washington.edu>" CRLF \
	"MIME-Version: 1.0" CRLF \
	"Content-Type: TEXT/PLAIN; CHARSET=US-ASCII" CRLF CRLF

/* A body of `lines` lines and `octets` octets (each line ends in CRLF). */
static void
make_body(struct buf *b, size_t octets, size_t lines)
{
	size_t i, per = octets / lines;

	for (i = 0; i < lines; i++) {
		size_t n = (i + 1 == lines ? octets - per * (lines - 1) : per) - 2, k;

		for (k = 0; k < n; k++)
			buf_putc(b, (char)('a' + (i + k) % 26));
		buf_puts(b, CRLF);
	}
}

static void
test_rfc_sample(void)
{
	struct buf msg, out;
	struct parsed pm;
	struct imap_section sec = { 0 };

	buf_init(&msg, 1 << 20);
	buf_puts(&msg, RFC_HEADER);
	make_body(&msg, 3028, 92);
	ITEM(msg.data, ENV, "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
	    "\"IMAP4rev1 WG mtg summary and minutes\" "
	    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
	    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
	    "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) "
	    "((NIL NIL \"imap\" \"cac.washington.edu\")) "
	    "((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")"
	    "(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
	    "\"<B27397-0100000@cac.washington.edu>\")");
	ITEM(msg.data, BODY, "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92)");
	parse(&pm, msg.data, msg.len, NULL);
	buf_init(&out, 1 << 20);
	sec.text = "HEADER";
	CHECK(imap_fetchattr_body_section(&out, pm.root, pm.data, pm.len, &sec) == IMAP_FETCHATTR_OK);
	CHECK(out.len == 342 && memcmp(out.data, RFC_HEADER, 342) == 0);
	buf_release(&out);
	parsed_free(&pm);
	buf_release(&msg);
}

/* RFC 9051 §7.5.2: a text message of 48 lines and 2279 octets, and the
 * two-part example (1152 octets / 23 lines; base64 4554 / 73). */
static void
test_rfc_body_examples(void)
{
	struct buf msg;

	buf_init(&msg, 1 << 20);
	buf_puts(&msg, "MIME-Version: 1.0" CRLF CRLF);
	make_body(&msg, 2279, 48);
	ITEM(msg.data, BODY, "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 2279 48)");
	buf_clear(&msg);
	buf_puts(&msg, "MIME-Version: 1.0" CRLF "Content-Type: MULTIPART/MIXED; BOUNDARY=\"=_x\""
	    CRLF CRLF "--=_x" CRLF "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII" CRLF CRLF);
	make_body(&msg, 1152 + 2, 23);	/* the last CRLF belongs to the boundary */
	buf_puts(&msg, "--=_x" CRLF "Content-Type: TEXT/PLAIN; CHARSET=US-ASCII; NAME=cc.diff" CRLF
	    "Content-ID: <960723163407.20117h@cac.washington.edu>" CRLF
	    "Content-Description: Compiler diff" CRLF "Content-Transfer-Encoding: BASE64" CRLF CRLF);
	make_body(&msg, 4554 + 2, 73);
	buf_puts(&msg, "--=_x--" CRLF);
	ITEM(msg.data, BODY, "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1152 23)"
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\" \"NAME\" \"cc.diff\") "
	    "\"<960723163407.20117h@cac.washington.edu>\" \"Compiler diff\" \"BASE64\" 4554 73)"
	    " \"MIXED\")");
	buf_release(&msg);
}

/* ---- hand-derived BODYSTRUCTURE ----------------------------------------- */

static const char msg_2231[] =
    "MIME-Version: 1.0" CRLF "Content-Type: multipart/mixed; boundary=\"e\"" CRLF CRLF
    "--e" CRLF
    "Content-Type: text/plain; charset=utf-8; name*=utf-8''%E2%82%AC%20rates.txt" CRLF
    "Content-Disposition: attachment; filename*0=\"a b\"; filename*1=\".txt\"" CRLF
    "Content-Transfer-Encoding: base64" CRLF CRLF "4oKsMQ==" CRLF
    "--e" CRLF "Content-Type: application/octet-stream; name*=koi8-r''%F0%D2" CRLF
    "Content-Language: en, fr" CRLF "Content-Location: http://x.example/y" CRLF CRLF
    "abc" CRLF "--e--" CRLF;

static void
test_params(void)
{
	ITEM(msg_2231, BS, "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\" \"NAME*\" "
	    "\"utf-8''%E2%82%AC%20rates.txt\") NIL NIL \"BASE64\" 8 1 NIL (\"ATTACHMENT\" "
	    "(\"FILENAME\" \"a b.txt\")) NIL NIL)(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME*\" "
	    "\"koi8-r''%F0%D2\") NIL NIL \"7BIT\" 3 NIL NIL (\"en\" \"fr\") \"http://x.example/y\")"
	    " \"MIXED\" (\"BOUNDARY\" \"e\") NIL NIL NIL)");
	ITEM(msg_2231, BS_UTF8, "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\" \"NAME*\" "
	    "\"\xE2\x82\xAC rates.txt\") NIL NIL \"BASE64\" 8 1 NIL (\"ATTACHMENT\" "
	    "(\"FILENAME\" \"a b.txt\")) NIL NIL)(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME*\" "
	    "\"koi8-r''%F0%D2\") NIL NIL \"7BIT\" 3 NIL NIL (\"en\" \"fr\") \"http://x.example/y\")"
	    " \"MIXED\" (\"BOUNDARY\" \"e\") NIL NIL NIL)");
	ITEM("Content-Type: text/html; title*=iso-8859-1'fr'caf%E9" CRLF CRLF, BS,
	    "(\"TEXT\" \"HTML\" (\"TITLE*\" \"iso-8859-1'fr'caf%E9\" \"CHARSET\" \"US-ASCII\") "
	    "NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL)");
	ITEM("Content-Type: text/html; title*=iso-8859-1'fr'caf%E9" CRLF CRLF, BS_UTF8,
	    "(\"TEXT\" \"HTML\" (\"TITLE*\" \"caf\xC3\xA9\" \"CHARSET\" \"US-ASCII\") "
	    "NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL)");
	ITEM(msg_2231, BODY, "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\" \"NAME*\" "
	    "\"utf-8''%E2%82%AC%20rates.txt\") NIL NIL \"BASE64\" 8 1)(\"APPLICATION\" "
	    "\"OCTET-STREAM\" (\"NAME*\" \"koi8-r''%F0%D2\") NIL NIL \"7BIT\" 3) \"MIXED\")");
}

#define INNER "From: \"Doe, J.\" <j@x.example>" CRLF "Subject: inner" CRLF \
	"To: g: m@x.example;" CRLF CRLF "body"
static const char msg_digest[] =
    "From: a@b.example" CRLF "Subject: outer" CRLF "MIME-Version: 1.0" CRLF
    "Content-Type: multipart/digest; boundary=d" CRLF CRLF
    "--d" CRLF CRLF INNER CRLF "--d--" CRLF;

static void
test_message_parts(void)
{
	char want[1024];
	const char *env = "(NIL \"inner\" ((\"Doe, J.\" NIL \"j\" \"x.example\")) "
	    "((\"Doe, J.\" NIL \"j\" \"x.example\")) ((\"Doe, J.\" NIL \"j\" \"x.example\")) "
	    "((NIL NIL \"g\" NIL)(NIL NIL \"m\" \"x.example\")(NIL NIL NIL NIL)) NIL NIL NIL NIL)";

	snprintf(want, sizeof(want), "((\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" %zu %s "
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 4 1 NIL NIL NIL NIL) 5"
	    " NIL NIL NIL NIL) \"DIGEST\" (\"BOUNDARY\" \"d\") NIL NIL NIL)", strlen(INNER), env);
	ITEM(msg_digest, BS, want);
	snprintf(want, sizeof(want), "((\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" %zu %s "
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 4 1) 5) \"DIGEST\")",
	    strlen(INNER), env);
	ITEM(msg_digest, BODY, want);
	ITEM(msg_digest, ENV, "(NIL \"outer\" ((NIL NIL \"a\" \"b.example\")) "
	    "((NIL NIL \"a\" \"b.example\")) ((NIL NIL \"a\" \"b.example\")) NIL NIL NIL NIL NIL)");
}

static void
test_opaque_and_empty(void)
{
	struct mime_limits lim = { .max_depth = 1 };
	static const char deep[] = "Content-Type: multipart/mixed; boundary=z" CRLF CRLF
	    "--z" CRLF "Content-Type: message/rfc822" CRLF CRLF "Subject: x" CRLF CRLF "y" CRLF
	    "--z--" CRLF;
	struct parsed pm;
	struct buf b;

	ITEM("MIME-Version: 1.0" CRLF "Content-Type: multipart/mixed" CRLF CRLF "abc", BS,
	    "(\"APPLICATION\" \"OCTET-STREAM\" NIL NIL NIL \"7BIT\" 3 NIL NIL NIL NIL)");
	ITEM("MIME-Version: 1.0" CRLF "Content-Type: multipart/mixed; boundary=q" CRLF CRLF
	    "preamble" CRLF "--q--" CRLF, BS, "((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL "
	    "NIL \"7BIT\" 0 0 NIL NIL NIL NIL) \"MIXED\" (\"BOUNDARY\" \"q\") NIL NIL NIL)");
	ITEM("Content-Type: text/plain (c); Format=flowed" CRLF
	    "Content-Transfer-Encoding: X-Custom" CRLF CRLF "x", BS,
	    "(\"TEXT\" \"PLAIN\" (\"FORMAT\" \"flowed\" \"CHARSET\" \"US-ASCII\") NIL NIL "
	    "\"X-CUSTOM\" 1 1 NIL NIL NIL NIL)");
	ITEM("Subject: \"quoted\" \\ and \xC3\xA9" CRLF CRLF, ENV,
	    "(NIL {17}\r\n\"quoted\" \\ and \xC3\xA9 NIL NIL NIL NIL NIL NIL NIL NIL)");
	ITEM("From: <@a.example,@b.example:u@c.example>, bad" CRLF "Reply-To: r@x.example" CRLF
	    "Sender:" CRLF CRLF, ENV, "(NIL NIL ((NIL \"@a.example,@b.example\" \"u\" \"c.example\")"
	    "(NIL NIL \"bad\" \"\")) ((NIL \"@a.example,@b.example\" \"u\" \"c.example\")"
	    "(NIL NIL \"bad\" \"\")) ((NIL NIL \"r\" \"x.example\")) NIL NIL NIL NIL NIL)");
	ITEM("Content-Type: message/global" CRLF CRLF "Subject: x" CRLF CRLF "y", BS,
	    "(\"MESSAGE\" \"GLOBAL\" NIL NIL NIL \"7BIT\" 15 NIL NIL NIL NIL)");
	ITEM("Content-Type: message/global" CRLF CRLF "Subject: x" CRLF CRLF "y", BS_REV2,
	    "(\"MESSAGE\" \"GLOBAL\" NIL NIL NIL \"7BIT\" 15 (NIL \"x\" NIL NIL NIL NIL NIL NIL "
	    "NIL NIL) (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 1 1 NIL NIL "
	    "NIL NIL) 3 NIL NIL NIL NIL)");
	parse(&pm, deep, strlen(deep), &lim);
	buf_init(&b, 1 << 16);
	CHECK(imap_fetchattr_bodystructure(&b, pm.root, 0));
	CHECK(b.data != NULL && strcmp(b.data, "((\"APPLICATION\" \"OCTET-STREAM\" NIL NIL NIL "
	    "\"7BIT\" 15 NIL NIL NIL NIL) \"MIXED\" (\"BOUNDARY\" \"z\") NIL NIL NIL)") == 0);
	buf_release(&b);
	parsed_free(&pm);
}

/* ---- strings ------------------------------------------------------------ */

static void
check_nstring(const char *s, size_t len, unsigned flags, const char *want, size_t want_len)
{
	struct buf b;

	buf_init(&b, 1 << 16);
	CHECK(imap_fetchattr_write_nstring(&b, s, len, flags));
	CHECKF(b.len == want_len && memcmp(b.data, want, want_len) == 0, "%s", b.data);
	buf_release(&b);
}
#define NSTR(s, flags, want) check_nstring(s, sizeof(s) - 1, flags, want, sizeof(want) - 1)

static void
test_strings(void)
{
	struct buf b;
	char big[IMAP_FETCHATTR_QUOTED_MAX + 1];

	NSTR("plain", 0, "\"plain\"");
	NSTR("a\"b\\c", 0, "\"a\\\"b\\\\c\"");
	NSTR("", 0, "\"\"");
	NSTR("caf\xC3\xA9", 0, "{5}\r\ncaf\xC3\xA9");
	NSTR("caf\xC3\xA9", IMAP_FETCHATTR_UTF8, "\"caf\xC3\xA9\"");
	NSTR("caf\xE9", IMAP_FETCHATTR_UTF8, "{4}\r\ncaf\xE9");
	NSTR("a\r\nb", IMAP_FETCHATTR_UTF8, "{4}\r\na\r\nb");
	NSTR("tab\there", 0, "\"tab\there\"");
	check_nstring(NULL, 0, 0, "NIL", 3);
	memset(big, 'x', sizeof(big));
	buf_init(&b, 1 << 16);
	CHECK(imap_fetchattr_write_nstring(&b, big, sizeof(big), 0));
	CHECK(strncmp(b.data, "{1025}\r\n", 8) == 0 && b.len == 8 + sizeof(big));
	buf_clear(&b);
	CHECK(imap_fetchattr_write_literal(&b, "a\0b", 3, true) && b.len == 9 &&
	    memcmp(b.data, "~{3}\r\na\0b", 9) == 0);
	buf_clear(&b);
	CHECK(imap_fetchattr_write_literal(&b, "a\xFF", 2, true) &&
	    strcmp(b.data, "{2}\r\na\xFF") == 0);
	buf_release(&b);
}

/* ---- sections ------------------------------------------------------------- */

/* The section of "a FETCH 1 (ITEM)" as the command parser decodes it. */
static struct imap_cmd_parser *
fetch_section(const char *item, const struct imap_section **sec_r)
{
	struct imap_cmd_parser *cp = imap_cmd_parser_new(NULL);
	struct imap_cmd c;
	char line[256];
	const struct imap_node *list, *sec;

	snprintf(line, sizeof(line), "a FETCH 1 (%s)\r\n", item);
	imap_cmd_parser_feed(cp, line, strlen(line));
	*sec_r = NULL;
	if (imap_cmd_parser_next(cp, &c) == 1 && (list = imap_cmd_arg(&c, 1)) != NULL &&
	    (sec = imap_node_list_get(list, 1)) != NULL && sec->kind == IMAP_NODE_SECTION)
		*sec_r = sec->section;
	CHECKF(*sec_r != NULL, "%s", item);
	return cp;
}

/* BODY[...] or BINARY[...] (item) of pm: error code want, bytes want_bytes. */
static void
check_section(const struct parsed *pm, const char *item, enum imap_fetchattr_error want,
    const char *want_bytes, size_t want_len, int line)
{
	const struct imap_section *sec;
	struct imap_cmd_parser *cp = fetch_section(item, &sec);
	enum imap_fetchattr_error err = IMAP_FETCHATTR_BAD_SECTION;
	uint64_t size = 0;
	size_t off, n;
	struct buf b;

	buf_init(&b, 1 << 20);
	if (sec != NULL && sec->is_binary) {
		err = imap_fetchattr_binary(&b, pm->root, pm->data, pm->len, sec);
		CHECK(imap_fetchattr_binary_size(pm->root, pm->data, pm->len, sec, &size) == err);
		CHECK(err != IMAP_FETCHATTR_OK || size == b.len);
	} else if (sec != NULL) {
		err = imap_fetchattr_body_section(&b, pm->root, pm->data, pm->len, sec);
	}
	imap_fetchattr_partial(sec, b.len, &off, &n);
	CHECKF(err == want, "line %d: %s: error %s", line, item, imap_fetchattr_error_str(err));
	if (want == IMAP_FETCHATTR_OK)
		CHECKF(n == want_len && memcmp(b.data + off, want_bytes, n) == 0,
		    "line %d: %s: got %zu bytes", line, item, n);
	buf_release(&b);
	imap_cmd_parser_free(&cp);
}
#define SEC(pm, item, bytes) check_section(pm, item, IMAP_FETCHATTR_OK, bytes, \
	sizeof(bytes) - 1, __LINE__)
#define SEC_ERR(pm, item, err) check_section(pm, item, err, "", 0, __LINE__)

static const char msg_cte[] =
    "MIME-Version: 1.0" CRLF "Content-Type: multipart/mixed; boundary=x" CRLF CRLF
    "--x" CRLF "Content-Transfer-Encoding: base64" CRLF CRLF "AAEC/w==" CRLF
    "--x" CRLF "Content-Transfer-Encoding: quoted-printable" CRLF CRLF "a=3Db=" CRLF "c=00" CRLF
    "--x" CRLF "Content-Transfer-Encoding: x-gzip" CRLF CRLF "zz" CRLF "--x--" CRLF;

static void
test_sections(void)
{
	struct parsed pm;
	struct imap_section mime_only = { .text = "MIME" };
	size_t off, n;

	parse(&pm, msg_digest, strlen(msg_digest), NULL);
	SEC(&pm, "BODY[1]", INNER);
	SEC(&pm, "BODY[1.HEADER]", "From: \"Doe, J.\" <j@x.example>" CRLF "Subject: inner" CRLF
	    "To: g: m@x.example;" CRLF CRLF);
	SEC(&pm, "BODY[1.TEXT]", "body");
	SEC(&pm, "BODY[1.1]", "body");
	SEC(&pm, "BODY[1.MIME]", CRLF);
	SEC(&pm, "BODY[HEADER.FIELDS (SUBJECT)]", "Subject: outer" CRLF CRLF);
	SEC(&pm, "BODY[1.HEADER.FIELDS.NOT (From to)]", "Subject: inner" CRLF CRLF);
	SEC(&pm, "BODY[TEXT]<0.5>", "--d" CRLF);
	SEC(&pm, "BODY[1]<6.4>", "\"Doe");
	SEC(&pm, "BODY[1]<9999.4>", "");
	SEC_ERR(&pm, "BODY[2]", IMAP_FETCHATTR_NO_PART);
	SEC_ERR(&pm, "BODY[1.1.HEADER]", IMAP_FETCHATTR_NOT_MESSAGE);
	SEC_ERR(&pm, "BODY[1.2]", IMAP_FETCHATTR_NO_PART);
	CHECK(imap_fetchattr_section_range(pm.root, pm.len, &mime_only, &off, &n) ==
	    IMAP_FETCHATTR_BAD_SECTION);
	parsed_free(&pm);

	parse(&pm, msg_cte, strlen(msg_cte), NULL);
	SEC(&pm, "BINARY[1]", "\x00\x01\x02\xFF");
	SEC(&pm, "BINARY.PEEK[1]<1.2>", "\x01\x02");
	SEC(&pm, "BINARY[2]", "a=bc\x00");
	SEC(&pm, "BODY[2]", "a=3Db=" CRLF "c=00");
	SEC_ERR(&pm, "BINARY[3]", IMAP_FETCHATTR_UNKNOWN_CTE);
	SEC_ERR(&pm, "BINARY.SIZE[3]", IMAP_FETCHATTR_UNKNOWN_CTE);
	SEC_ERR(&pm, "BINARY[4]", IMAP_FETCHATTR_NO_PART);
	SEC(&pm, "BODY[3]", "zz");
	SEC(&pm, "BINARY[]<0.17>", "MIME-Version: 1.0");
	parsed_free(&pm);
}

/* ---- fixtures ---------------------------------------------------------------- */

static char *
read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b, 1 << 26);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	*len_r = b.len;
	return b.data != NULL ? b.data : calloc(1, 1);
}

/* Decoded sizes of every leaf and BODYSTRUCTURE: must not fail or over-read. */
static size_t
walk_decode(const struct mime_part *part, const char *data)
{
	const struct mime_part *c;
	uint64_t size;
	size_t bad = 0;

	if (part->kind == MIME_PART_LEAF &&
	    imap_fetchattr_part_decoded_size(part, data, &size) == IMAP_FETCHATTR_OK &&
	    part->cte != MIME_CTE_BASE64 && part->cte != MIME_CTE_QP && size != part->body_size)
		bad++;
	for (c = part->children; c != NULL; c = c->next)
		bad += walk_decode(c, data);
	return bad;
}

/* ENVELOPE, BODYSTRUCTURE and BODY of a fixture parse back as FETCH data. */
static void
check_fetch_parses(const struct parsed *pm, const char *name)
{
	struct imap_resp_parser *rp = imap_resp_parser_new(NULL);
	struct imap_resp r;
	struct buf b;
	size_t done = 0;
	int rc;
	bool ok;

	buf_init(&b, 1 << 24);
	ok = buf_puts(&b, "* 1 FETCH (ENVELOPE ") && imap_fetchattr_envelope(&b, pm->root, 0) &&
	    buf_puts(&b, " BODYSTRUCTURE ") && imap_fetchattr_bodystructure(&b, pm->root, 0) &&
	    buf_puts(&b, " BODY ") && imap_fetchattr_body(&b, pm->root, 0) && buf_puts(&b, ")\r\n");
	CHECKF(ok, "%s", name);
	do {	/* the parser takes what fits in its input buffer */
		done += imap_resp_parser_feed(rp, b.data + done, b.len - done);
		rc = imap_resp_parser_next(rp, &r);
	} while (rc == 0 && done < b.len);
	CHECKF(rc == 1 && imap_fetch_item(&r, "BODYSTRUCTURE") != NULL &&
	    imap_fetch_item(&r, "ENVELOPE")->count == 10 &&
	    imap_fetch_item(&r, "BODY") != NULL, "%s: %.300s", name, b.data);
	buf_release(&b);
	imap_resp_parser_free(&rp);
}

/* Every prefix (a step apart) from an exact-size copy; a small buffer maximum. */
static void
check_prefixes(const char *data, size_t len, const char *name)
{
	size_t cut, step = len < 4096 ? 1 : 13, bad = 0, failed = 0;

	for (cut = 0; cut <= len; cut += step) {
		struct parsed pm;
		struct buf b;

		parse(&pm, data, cut, NULL);
		bad += walk_decode(pm.root, pm.data);
		buf_init(&b, 1 << 24);
		failed += !imap_fetchattr_bodystructure(&b, pm.root, 0);
		buf_release(&b);
		buf_init(&b, cut / 4);
		imap_fetchattr_bodystructure(&b, pm.root, IMAP_FETCHATTR_UTF8);
		buf_release(&b);
		parsed_free(&pm);
	}
	CHECKF(bad == 0 && failed == 0, "%s: %zu bad sizes, %zu failures", name, bad, failed);
}

static void
test_fixtures(void)
{
	DIR *d = opendir(FIXTURES);
	struct dirent *e;
	size_t n = 0;

	CHECKF(d != NULL, "cannot open %s (run from the repository root)", FIXTURES);
	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[512];
		struct parsed pm;
		size_t len = 0, namelen = strlen(e->d_name);
		char *data;

		if (namelen < 5 || strcmp(e->d_name + namelen - 4, ".eml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", FIXTURES, e->d_name);
		data = read_file(path, &len);
		CHECKF(data != NULL, "%s", path);
		if (data == NULL)
			continue;
		parse(&pm, data, len, NULL);
		check_fetch_parses(&pm, e->d_name);
		parsed_free(&pm);
		check_prefixes(data, len, e->d_name);
		free(data);
		n++;
	}
	if (d != NULL)
		closedir(d);
	CHECKF(n >= 40, "%zu fixtures", n);
}

int
main(void)
{
	test_rfc_sample();
	test_rfc_body_examples();
	test_params();
	test_message_parts();
	test_opaque_and_empty();
	test_strings();
	test_sections();
	test_fixtures();
	return unit_done("test_imap_fetchattr");
}
