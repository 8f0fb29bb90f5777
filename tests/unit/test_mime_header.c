/* test_mime_header.c: unit tests for MIME header values
 * (engine/proto/mime_header.c, rfc2231.c, mime_lex.c): RFC 5322 §2.2.3
 * unfolding, RFC 2045 §5.1 Content-Type, §6.1 Content-Transfer-Encoding,
 * RFC 2183 Content-Disposition, RFC 2231 §3-§4.1 (the RFC's examples).
 * Every input is an exact-size heap copy. */
#include <ctype.h>
#include <stdio.h>

#include "arena.h"
#include "mime_header.h"
#include "mime_lex.h"
#include "mime_test_util.h"
#include "rfc2231.h"

static char *
dup_exact(const char *s, size_t len)
{
	char *p = malloc(len > 0 ? len : 1);

	memcpy(p, s, len);
	return p;
}

static void
problems_dump(struct buf *out, uint32_t mask)
{
	int c;

	for (c = 1; c < MIME_PROB_COUNT; c++)
		if (mask & (1u << c))
			buf_printf(out, "!%s", prob_names[c]);
}

struct ct_case {
	const char *in;
	const char *want;	/* "type/subtype;params!PROBLEMS" or "-!PROBLEMS" */
};

static const struct ct_case ct_cases[] = {
	{ "text/plain", "text/plain" },
	{ "TEXT/Plain; CHARSET=\"US-ASCII\"", "text/plain;charset=US-ASCII" },
	/* RFC 2049 Appendix B (12): these are equivalent */
	{ "text/plain; charset=us-ascii (comment)", "text/plain;charset=us-ascii" },
	{ "text/plain; charset=\"us-ascii\"", "text/plain;charset=us-ascii" },
	{ " (c) text (c) / (c) plain (c) ; (c) a (c) = (c) b (c) ", "text/plain;a=b" },
	{ "text/plain;", "text/plain" },
	{ "text/plain;;a=1;;", "text/plain;a=1" },
	{ "text/plain; a=\"q\\\"uo\\\\te\"", "text/plain;a=q\"uo\\\\te" },
	{ "text/plain; a=\"\"", "text/plain;a=" },
	{ "text/plain; a=\"unterminated", "text/plain;a=unterminated" },
	{ "multipart/mixed; boundary=\"----=_Part_0_1.2\"",
	  "multipart/mixed;boundary=----=_Part_0_1.2" },
	/* RFC 2046 §5.1.1: the colon must be quoted; taken anyway */
	{ "multipart/mixed; boundary=gc0pJq0M:08jU534c0p",
	  "multipart/mixed;boundary=gc0pJq0M:08jU534c0p!BAD_PARAM" },
	{ "text/plain; name=two words.txt", "text/plain;name=two words.txt!BAD_PARAM" },
	{ "text/plain; a", "text/plain!BAD_PARAM" },
	{ "text/plain; a=", "text/plain;a=!BAD_PARAM" },
	{ "text/plain; =b; c=d", "text/plain;c=d!BAD_PARAM" },
	{ "text/plain a=b", "text/plain;a=b!BAD_PARAM" },
	{ "text/plain; a=1 b=2", "text/plain;a=1;b=2!BAD_PARAM" },
	{ "text/plain; a=1; a=2", "text/plain;a=1!BAD_PARAM" },
	{ "text", "-!BAD_CONTENT_TYPE" },
	{ "", "-!BAD_CONTENT_TYPE" },
	{ "/plain", "-!BAD_CONTENT_TYPE" },
	{ "text/", "-!BAD_CONTENT_TYPE" },
	{ "text/pl\"ain", "text/pl!BAD_PARAM" },
	/* RFC 2231 §3 */
	{ "message/external-body; access-type=URL;\r\n URL*0=\"ftp://\";\r\n"
	  " URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
	  "message/external-body;access-type=URL;"
	  "url=ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar" },
	/* RFC 2231 §4 */
	{ "application/x-stuff;\r\n title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A",
	  "application/x-stuff;title*=us-ascii'en-us'This is ***fun***" },
	/* RFC 2231 §4.1, as printed (without the ";" separators) */
	{ "application/x-stuff\r\n title*0*=us-ascii'en'This%20is%20even%20more%20\r\n"
	  " title*1*=%2A%2A%2Afun%2A%2A%2A%20\r\n title*2=\"isn't it!\"",
	  "application/x-stuff;title*=us-ascii'en'This is even more ***fun*** isn't it!"
	  "!BAD_PARAM" },
	/* and with them */
	{ "application/x-stuff;\r\n title*0*=us-ascii'en'This%20is%20even%20more%20;\r\n"
	  " title*1*=%2A%2A%2Afun%2A%2A%2A%20;\r\n title*2=\"isn't it!\"",
	  "application/x-stuff;title*=us-ascii'en'This is even more ***fun*** isn't it!" },
	/* sections in any order; a gap ends the value */
	{ "a/b; x*2=c; x*0=a; x*1=b", "a/b;x=abc" },
	{ "a/b; x*0=a; x*2=c", "a/b;x=a!BAD_PARAM" },
	{ "a/b; x*1=b", "a/b;x=!BAD_PARAM" },
	{ "a/b; x*1=b; x=plain", "a/b;x=plain!BAD_PARAM" },
	{ "a/b; x*0=a; x*0=b", "a/b;x=a!BAD_PARAM" },
	{ "a/b; x*01=a", "a/b;x*01=a!BAD_PARAM" },
	{ "a/b; x*1000=a", "a/b;x*1000=a!BAD_PARAM" },
	/* name= as a fallback for name*= */
	{ "a/b; name=\"fallback.txt\"; name*=utf-8''%C3%A9t%C3%A9.txt",
	  "a/b;name*=utf-8''\\xc3\\xa9t\\xc3\\xa9.txt" },
	{ "a/b; name*=iso-8859-1'fr'%E9t%E9", "a/b;name*=iso-8859-1'fr'\\xc3\\xa9t\\xc3\\xa9" },
	{ "a/b; name*=''%41%4a", "a/b;name*=''AJ" },
	{ "a/b; name*=''%E9", "a/b;name*=''\\xe9!PARAM_CHARSET" },
	{ "a/b; name*=utf-8''%E9", "a/b;name*=utf-8''\\xe9!PARAM_CHARSET" },
	{ "a/b; name*=us-ascii''%E9", "a/b;name*=us-ascii''\\xe9!PARAM_CHARSET" },
	{ "a/b; name*=koi8-r''abc", "a/b;name*=koi8-r''abc" },
	{ "a/b; name*=koi8-r''%C1", "a/b;name*=koi8-r''\\xc1!PARAM_CHARSET" },
	{ "a/b; name*=no-quotes%41", "a/b;name*=''no-quotesA!BAD_PARAM" },
	{ "a/b; name*=utf-8''%4", "a/b;name*=utf-8''%4!BAD_PARAM" },
	{ "a/b; name*=utf-8''%zz%", "a/b;name*=utf-8''%zz%!BAD_PARAM" },
	{ "a/b; name*0*=utf-8''%C3; name*1*=%A9", "a/b;name*=utf-8''\\xc3\\xa9" },
	{ "a/b; name*0=\"plain\"; name*1*=%41", "a/b;name=plainA" },
	/* values and names one after another: nothing of one is left in
	 * the next */
	{ "a/b; a=\"a long value\"; b=s; c=\"\"", "a/b;a=a long value;b=s;c=" },
	{ "a/b; x \"quoted junk\"; y=1", "a/b;y=1!BAD_PARAM" },
	{ "a/b; x*0*=utf-8'en'%41%42%43; x*1=d; y*=''e; z*0=f",
	  "a/b;x*=utf-8'en'ABCd;y*=''e;z=f" },
};

static void
test_content_type(void)
{
	struct arena *a = arena_new(0);
	size_t i;

	for (i = 0; i < sizeof(ct_cases) / sizeof(ct_cases[0]); i++) {
		size_t len = strlen(ct_cases[i].in);
		char *in = dup_exact(ct_cases[i].in, len);
		const char *type = NULL, *sub = NULL;
		struct mime_param *params = NULL;
		uint32_t mask = 0;
		struct buf got;
		int r;

		buf_init(&got, 1 << 16);
		buf_puts(&got, "");
		r = mime_content_type_parse(a, in, len, &type, &sub, &params, &mask);
		if (r == 1) {
			buf_printf(&got, "%s/%s", type, sub);
			dump_params(&got, params);
		} else {
			CHECK(r == 0 && type == NULL && sub == NULL && params == NULL);
			buf_puts(&got, "-");
		}
		problems_dump(&got, mask);
		CHECKF(strcmp(got.data, ct_cases[i].want) == 0, "'%s':\n got  %s\n want %s",
		    ct_cases[i].in, got.data, ct_cases[i].want);
		buf_release(&got);
		free(in);
		arena_reset(a);
	}
	arena_free(&a);
}

static void
test_disposition(void)
{
	struct arena *a = arena_new(0);
	static const char in1[] = "Attachment; filename=genome.jpeg;\r\n"
	    " modification-date=\"Wed, 12 Feb 1997 16:29:51 -0500\"";
	const char *disp = NULL;
	struct mime_param *params = NULL;
	uint32_t mask = 0;
	char *in = dup_exact(in1, sizeof(in1) - 1);

	CHECK(mime_disposition_parse(a, in, sizeof(in1) - 1, &disp, &params, &mask) == 1);
	CHECK(strcmp(disp, "attachment") == 0 && mask == 0);
	CHECK(strcmp(mime_param_find(params, "filename")->value, "genome.jpeg") == 0);
	CHECK(strcmp(mime_param_find(params, "Modification-Date")->value,
	    "Wed, 12 Feb 1997 16:29:51 -0500") == 0);
	CHECK(mime_param_find(params, "size") == NULL);
	free(in);
	in = dup_exact("; filename=x", 12);
	disp = NULL;
	CHECK(mime_disposition_parse(a, in, 12, &disp, &params, &mask) == 0);
	CHECK(disp == NULL && (mask & (1u << MIME_PROB_BAD_PARAM)));
	free(in);
	/* a bare parameter list */
	in = dup_exact("a=1; b*=utf-8''%41", 18);
	mask = 0;
	CHECK(mime_params_parse(a, in, 18, &params, &mask) == 1 && mask == 0);
	CHECK(strcmp(params->name, "a") == 0 && strcmp(params->next->value, "A") == 0);
	free(in);
	arena_free(&a);
}

static void
test_cte(void)
{
	static const struct {
		const char *in;
		enum mime_cte cte;
		const char *name;
	} cases[] = {
		{ "7bit", MIME_CTE_7BIT, "7bit" }, { "8BIT", MIME_CTE_8BIT, "8bit" },
		{ "Binary", MIME_CTE_BINARY, "binary" },
		{ " Quoted-Printable (qp)", MIME_CTE_QP, "quoted-printable" },
		{ "base64", MIME_CTE_BASE64, "base64" },
		{ "x-uuencode", MIME_CTE_UNKNOWN, "x-uuencode" },
		{ "", MIME_CTE_UNKNOWN, "" },
		{ "base64 junk", MIME_CTE_UNKNOWN, "base64" },
		{ "base6", MIME_CTE_UNKNOWN, "base6" },
	};
	struct arena *a = arena_new(0);
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].in);
		char *in = dup_exact(cases[i].in, len);
		const char *name = NULL;

		CHECKF(mime_cte_parse(a, in, len, &name) == cases[i].cte, "%s", cases[i].in);
		CHECKF(name != NULL && strcmp(name, cases[i].name) == 0, "%s", cases[i].in);
		free(in);
	}
	arena_free(&a);
}

/* The unfolding rule byte by byte, as mime_header_unfold() once was:
 * the oracle for its run-at-a-time copy. */
static size_t
unfold_ref(const char *raw, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		char c = raw[i];

		if (c == '\r' || c == '\n') {
			size_t j = i;

			while (j < len && (raw[j] == '\r' || raw[j] == '\n'))
				j++;
			if (j == len || raw[j] == ' ' || raw[j] == '\t') {
				i = j - 1;
				continue;
			}
		}
		if (o == 0 && (c == ' ' || c == '\t'))
			continue;
		out[o++] = c;
	}
	while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
		o--;
	out[o] = '\0';
	return o;
}

static void
test_unfold(void)
{
	static const struct {
		const char *raw;
		size_t raw_len;
		const char *want;
		size_t want_len;
	} cases[] = {
		{ S(""), S("") }, { S(" "), S("") }, { S(" a"), S("a") }, { S("a \t"), S("a") },
		{ S(" a\r\n b"), S("a b") }, { S(" a\r\n\tb"), S("a\tb") },
		{ S("a\r\n  b"), S("a  b") }, { S("a\n b"), S("a b") },
		{ S("a\r\n \r\n b"), S("a  b") }, { S("a\r\nb"), S("a\r\nb") },
		{ S(" \r\n a"), S("a") }, { S("a\r\n"), S("a") }, { S("a \r\n "), S("a") },
		/* a run of CR and LF not before WSP is kept whole, even first */
		{ S("a\r\n\r\nb"), S("a\r\n\r\nb") }, { S("a\n\r\rb"), S("a\n\r\rb") },
		{ S("\r\nb"), S("\r\nb") }, { S("a\rb\nc"), S("a\rb\nc") },
		/* a run at the end, or before WSP, is dropped whole */
		{ S("a\r\n\r\n"), S("a") }, { S("a\r"), S("a") }, { S("a\r\r\n\n b"), S("a b") },
		/* WSP after a fold with nothing before it is leading WSP */
		{ S("\r\n\t x"), S("x") }, { S(" \r\n \r\n\t x \r\n "), S("x") },
		/* NUL is text */
		{ S("\0"), S("\0") }, { S(" a\0b\r\n \0"), S("a\0b \0") },
		{ S("\0\r\nb\0"), S("\0\r\nb\0") }, { S("a\r\n\0"), S("a\r\n\0") },
	};
	static const char alphabet[] = { ' ', '\t', '\r', '\n', '\0', 'a' };
	char raw[8], got[9], want[9];
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n;
		char *in = dup_exact(cases[i].raw, cases[i].raw_len);
		char *out = malloc(cases[i].raw_len + 1);

		n = mime_header_unfold(in, cases[i].raw_len, out);
		CHECKF(n == cases[i].want_len && memcmp(out, cases[i].want, n) == 0 &&
		    out[n] == '\0', "case %zu: got %zu bytes", i, n);
		free(in);
		free(out);
	}
	/* raw need not be NUL-terminated: what follows it is not read */
	memcpy(raw, "a\r\n b", 5);
	CHECK(mime_header_unfold(raw, 3, got) == 1 && strcmp(got, "a") == 0);
	memcpy(raw, "a\r\nb", 4);
	CHECK(mime_header_unfold(raw, 3, got) == 1 && strcmp(got, "a") == 0);
	memcpy(raw, "a \r", 3);
	CHECK(mime_header_unfold(raw, 2, got) == 1 && strcmp(got, "a") == 0);
	/* every string of up to 7 bytes over SP, HTAB, CR, LF, NUL and "a",
	 * each an exact-size heap copy */
	for (len = 0; len <= 7; len++) {
		size_t total = 1, k, j, nbad = 0, first_bad = 0;

		for (j = 0; j < len; j++)
			total *= sizeof(alphabet);
		for (k = 0; k < total; k++) {
			size_t code = k, n, wn;
			char *in;

			for (j = 0; j < len; j++, code /= sizeof(alphabet))
				raw[j] = alphabet[code % sizeof(alphabet)];
			in = dup_exact(raw, len);
			n = mime_header_unfold(in, len, got);
			wn = unfold_ref(in, len, want);
			if ((n != wn || memcmp(got, want, n + 1) != 0) && nbad++ == 0)
				first_bad = k;
			free(in);
		}
		CHECKF(nbad == 0, "%zu unfoldings of %zu bytes differ, the first case %zu",
		    nbad, len, first_bad);
	}
}

/* A header line with a byte >= 0x80 or NUL anywhere is reported, and only
 * then: "X:" and a value of 1..20 bytes, the byte at each position, fed
 * whole and in chunks (the line reaches the check in pieces). */
static void
test_header_8bit(void)
{
	static const char bad[] = { '\0', (char)0x80, (char)0xff };
	static const char good[] = { 0x01, 0x7f, 'a', ' ' };
	char msg[32];
	size_t n, pos, b, c;

	for (n = 1; n <= 20; n++) {
		for (pos = 0; pos <= n; pos++) {
			for (b = 0; b < sizeof(bad); b++) {
				for (c = 0; c < NCHUNKS; c++) {
					struct mime_parser *p = mime_parser_new(NULL);
					const struct mime_part *root;
					size_t i, len = 0, chunk = chunk_sizes[c];
					bool want = pos < n;	/* pos == n: none */

					msg[len++] = 'X';
					msg[len++] = ':';
					for (i = 0; i < n; i++)
						msg[len++] = i == pos ? bad[b] :
						    good[(i + n) % sizeof(good)];
					memcpy(msg + len, "\r\n\r\n", 4);
					len += 4;
					for (i = 0; i < len; i += chunk) {
						size_t k = len - i < chunk ? len - i : chunk;
						char *copy = dup_exact(msg + i, k);

						mime_parser_feed(p, copy, k);
						free(copy);
					}
					root = mime_parser_finish(p);
					CHECKF(mime_part_has_problem(root, MIME_PROB_HEADER_8BIT) == want &&
					    (root->problem_mask & ~(1u << MIME_PROB_HEADER_8BIT)) == 0,
					    "%zu bytes, 0x%02x at %zu, chunks of %zu: mask %x", n,
					    (unsigned char)bad[b], pos, chunk, root->problem_mask);
					CHECK(!want || root->problems->offset == 0);
					mime_parser_free(&p);
				}
			}
		}
	}
}

static void
test_rfc2231_names(void)
{
	static const struct {
		const char *name;
		bool ok;
		size_t base;
		long section;
		bool ext;
	} cases[] = {
		{ "title", true, 5, -1, false }, { "title*", true, 5, -1, true },
		{ "title*0", true, 5, 0, false }, { "title*0*", true, 5, 0, true },
		{ "title*12*", true, 5, 12, true }, { "title*999", true, 5, 999, false },
		{ "title*1000", false, 10, -1, false }, { "title*01", false, 8, -1, false },
		{ "title*x", false, 7, -1, false }, { "title**", false, 7, -1, false },
		{ "title*1*x", false, 9, -1, false }, { "*", true, 0, -1, true },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rfc2231_piece pc;
		size_t len = strlen(cases[i].name);
		char *in = dup_exact(cases[i].name, len);

		CHECKF(rfc2231_split_name(in, len, &pc) == cases[i].ok, "%s", cases[i].name);
		CHECKF(pc.name_len == cases[i].base && pc.section == cases[i].section &&
		    pc.is_extended == cases[i].ext, "%s", cases[i].name);
		free(in);
	}
}

/* Sections written last to first, around the 16 pieces whose order
 * rfc2231_join() keeps on its stack. */
static void
test_rfc2231_many(void)
{
	static const size_t counts[] = { 15, 16, 17, 40 };
	struct arena *a = arena_new(0);
	size_t i;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct buf in, want;
		struct mime_param *params = NULL;
		uint32_t mask = 0;
		const char *type, *sub;
		size_t s;
		char *copy;

		buf_init(&in, 1 << 16);
		buf_init(&want, 1 << 16);
		buf_puts(&in, "a/b; y=0");
		for (s = counts[i]; s-- > 0;)
			buf_printf(&in, "; x*%zu=%c", s, (char)('a' + s % 26));
		for (s = 0; s < counts[i]; s++)
			buf_putc(&want, (char)('a' + s % 26));
		copy = dup_exact(in.data, in.len);
		CHECK(mime_content_type_parse(a, copy, in.len, &type, &sub, &params,
		    &mask) == 1 && mask == 0);
		CHECKF(params != NULL && strcmp(params->name, "y") == 0 &&
		    params->next != NULL && strcmp(params->next->name, "x") == 0 &&
		    strcmp(params->next->value, want.data) == 0 && params->next->next == NULL,
		    "%zu sections", counts[i]);
		free(copy);
		buf_release(&in);
		buf_release(&want);
		arena_reset(a);
	}
	arena_free(&a);
}

/* Names interleaved in a few pieces (sorted on the stack): each name's
 * pieces joined, the names in the order they first appear. */
static void
test_rfc2231_interleaved(void)
{
	static const char in[] = "a/b; c*1=2; b=x; c*0=1; a*=us-ascii''z; b*0=q";
	struct arena *a = arena_new(0);
	struct mime_param *params = NULL;
	struct buf got;
	uint32_t mask = 0;
	const char *type, *sub;
	char *copy = dup_exact(in, sizeof(in) - 1);

	buf_init(&got, 1 << 10);
	buf_puts(&got, "");
	CHECK(mime_content_type_parse(a, copy, sizeof(in) - 1, &type, &sub, &params,
	    &mask) == 1 && mask == 0);
	dump_params(&got, params);
	CHECKF(strcmp(got.data, ";c=12;b=q;a*=us-ascii''z") == 0, "%s", got.data);
	buf_release(&got);
	free(copy);
	arena_free(&a);
}

/* rfc2231_encode_param() output parses back to the same value. */
static void
test_rfc2231_round_trip(void)
{
	static const char *const values[] = {
		"", "plain", "with space and 'quote' and %", "caf\xc3\xa9 \xe2\x82\xac",
		"0123456789012345678901234567890123456789012345678901234567890123456789",
	};
	static const size_t sections[] = { 0, 1, 3, 10 };
	struct arena *a = arena_new(0);
	size_t i, j;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		for (j = 0; j < sizeof(sections) / sizeof(sections[0]); j++) {
			struct buf enc;
			struct mime_param *params = NULL;
			uint32_t mask = 0;
			const char *type, *sub;

			buf_init(&enc, 1 << 16);
			buf_puts(&enc, "a/b");
			CHECK(rfc2231_encode_param("title", "utf-8", "en", values[i],
			    strlen(values[i]), sections[j], &enc));
			CHECK(mime_content_type_parse(a, enc.data, enc.len, &type, &sub, &params,
			    &mask) == 1);
			CHECKF(mask == 0 && params != NULL && params->next == NULL &&
			    strcmp(params->value, values[i]) == 0 &&
			    strcmp(params->language, "en") == 0, "%s", enc.data);
			buf_release(&enc);
			arena_reset(a);
		}
	}
	arena_free(&a);
}

static void
test_lex(void)
{
	static const char in[] = "  (a (nested) \\) comment)atom.x \"q\\\"s\" [1.2 .3]";
	struct mime_lex lx;
	const char *tok;
	struct buf out;
	char *copy = dup_exact(in, sizeof(in) - 1);

	buf_init(&out, 64);
	mime_lex_init(&lx, copy, sizeof(in) - 1);
	CHECK(mime_lex_skip_cfws(&lx) && lx.comment_len == 21);
	CHECK(memcmp(copy + lx.comment_off, "a (nested) \\) comment", 21) == 0);
	CHECK(mime_lex_atom(&lx, &tok) == 4 && memcmp(tok, "atom", 4) == 0);
	CHECK(mime_lex_token(&lx, &tok) == 2 && memcmp(tok, ".x", 2) == 0);	/* RFC 2045 token */
	CHECK(!mime_lex_skip_cfws(&lx) || mime_lex_peek(&lx) == '"');
	CHECK(mime_lex_quoted(&lx, &out) && strcmp(out.data, "q\"s") == 0);
	mime_lex_skip_cfws(&lx);
	buf_clear(&out);
	CHECK(mime_lex_domain_literal(&lx, &out) && strcmp(out.data, "[1.2.3]") == 0);
	CHECK(mime_lex_at_end(&lx) && mime_lex_peek(&lx) == -1 && !lx.has_error);
	free(copy);
	/* unterminated constructs run to the end */
	copy = dup_exact("(open \"x", 8);
	mime_lex_init(&lx, copy, 8);
	CHECK(mime_lex_skip_cfws(&lx) && mime_lex_at_end(&lx) && lx.has_error);
	free(copy);
	copy = dup_exact("\"open\\", 6);
	mime_lex_init(&lx, copy, 6);
	buf_clear(&out);
	CHECK(mime_lex_quoted(&lx, &out) && mime_lex_at_end(&lx) && lx.has_error);
	free(copy);
	/* a full buffer leaves the cursor where it was */
	copy = dup_exact("\"0123456789012345678901234567890123456789012345678901234567890123456789\"",
	    72);
	mime_lex_init(&lx, copy, 72);
	buf_clear(&out);
	CHECK(!mime_lex_quoted(&lx, &out) && lx.pos == 0);
	free(copy);
	buf_release(&out);
}

/* The lexer's byte tables against the RFCs' definitions, every byte:
 * RFC 2045 §5.1 token and tspecials, RFC 5322 §3.2.3 atext (and 8-bit
 * bytes, RFC 6532), the white space mime_lex_skip_cfws() passes, and
 * lower-casing as tolower() in the C locale. */
static void
test_lex_tables(void)
{
	static const char tspecials[] = "()<>@,;:\\\"/[]?=";
	static const char atext[] = "!#$%&'*+-/=?^_`{|}~";
	unsigned c;

	for (c = 0; c < 256; c++) {
		bool is_tspecial = c != 0 && strchr(tspecials, (int)c) != NULL;
		bool is_token = c > ' ' && c != 0x7f && !is_tspecial;
		bool is_atext = c >= 0x80 ||
		    (c != 0 && (isalnum((int)c) || strchr(atext, (int)c) != NULL));
		bool is_space = c == ' ' || c == '\t' || c == '\r' || c == '\n';
		char in[3] = { 'a', (char)c, 'b' }, *copy = dup_exact(in, 3);
		struct mime_lex lx;
		const char *tok;
		char low = (char)c;

		CHECKF(mime_lex_is_tspecial((unsigned char)c) == is_tspecial, "tspecial 0x%02x", c);
		CHECKF(mime_lex_is_atext((unsigned char)c) == is_atext, "atext 0x%02x", c);
		mime_lex_init(&lx, copy, 3);
		CHECKF(mime_lex_token(&lx, &tok) == (is_token ? 3u : 1u), "token 0x%02x", c);
		if (c != '(') {
			mime_lex_init(&lx, copy + 1, 2);
			CHECKF(mime_lex_skip_cfws(&lx) == is_space && lx.pos == (is_space ? 1u : 0u),
			    "white space 0x%02x", c);
		}
		mime_lex_lower(&low, 1);
		CHECKF((unsigned char)low == tolower((int)c), "lower 0x%02x", c);
		free(copy);
	}
}

int
main(void)
{
	test_content_type();
	test_disposition();
	test_cte();
	test_unfold();
	test_header_8bit();
	test_rfc2231_names();
	test_rfc2231_many();
	test_rfc2231_interleaved();
	test_rfc2231_round_trip();
	test_lex();
	test_lex_tables();
	return unit_done("test_mime_header");
}
