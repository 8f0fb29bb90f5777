/* test_mime_codecs.c: unit tests for the MIME decoders and encoders:
 * base64 bodies (RFC 2045 §6.8, mime_base64.c), quoted-printable (§6.7,
 * mime_qp.c), encoded words (RFC 2047, rfc2047.c, with the §8 examples
 * and RFC 2231 §5) and charsets (mime_charset.c). Streaming decoders are
 * fed whole and in chunks of 1, 2, 3, 7, 64 and 1000 bytes, each an
 * exact-size heap copy, and must give the same output and problems. */
#include <stdio.h>

#include "mime_base64.h"
#include "mime_charset.h"
#include "mime_qp.h"
#include "mime_test_util.h"
#include "rfc2047.h"

struct codec_case {
	const char *in;
	size_t len;
	const char *out;	/* escaped, as buf_append_escaped() writes it */
	unsigned problems;
};

static const struct codec_case b64_cases[] = {
	{ S(""), "", 0 },
	{ S("aGVsbG8="), "hello", 0 },
	{ S("aGVsbG8h"), "hello!", 0 },
	{ S("aGVsbA=="), "hell", 0 },
	{ S("aGVs\r\nbG8=\r\n"), "hello", 0 },
	{ S(" aG Vs\tbG8 = "), "hello", 0 },
	{ S("aGVs!bG8*="), "hello", MIME_BASE64_JUNK },
	{ S("aGVs\x80\xff" "bG8="), "hello", MIME_BASE64_JUNK },
	{ S("aGVsbG8"), "hello", MIME_BASE64_TRUNCATED },
	{ S("aGVsbA="), "hell", MIME_BASE64_TRUNCATED },
	{ S("aGVsbA"), "hell", MIME_BASE64_TRUNCATED },
	{ S("aGVsb"), "hel", MIME_BASE64_TRUNCATED },
	{ S("aGVsbA==aGVsbA=="), "hell", MIME_BASE64_AFTER_PAD | MIME_BASE64_BAD_PAD },
	{ S("aGVsbA===="), "hell", MIME_BASE64_BAD_PAD },
	{ S("aGVs=bG8="), "hel", MIME_BASE64_BAD_PAD | MIME_BASE64_AFTER_PAD },
	{ S("a=bc"), "", MIME_BASE64_BAD_PAD | MIME_BASE64_TRUNCATED | MIME_BASE64_AFTER_PAD },
	{ S("===="), "", MIME_BASE64_BAD_PAD },
	{ S("/+/+"), "\\xff\\xef\\xfe", 0 },
	{ S("AAEC/f7/"), "\\x00\\x01\\x02\\xfd\\xfe\\xff", 0 },
};

static const struct codec_case qp_cases[] = {
	{ S(""), "", 0 },
	{ S("plain text"), "plain text", 0 },
	{ S("a=3Db=3d"), "a=b=", MIME_QP_LOWER_HEX },
	{ S("caf=C3=A9\r\n"), "caf\\xc3\\xa9\\r\\n", 0 },
	{ S("soft=\r\nbreak"), "softbreak", 0 },
	{ S("soft= \t\r\nbreak"), "softbreak", MIME_QP_TRAILING_WS },
	{ S("trailing  \r\nnext \t"), "trailing\\r\\nnext", MIME_QP_TRAILING_WS },
	{ S("inner space kept \tx"), "inner space kept \\tx", 0 },
	{ S("end="), "end", 0 },
	{ S("end= "), "end", MIME_QP_TRAILING_WS },
	{ S("bad=ZZ"), "bad=ZZ", MIME_QP_INVALID },
	{ S("bad=4"), "bad=4", MIME_QP_INVALID },
	{ S("bad=4x"), "bad=4x", MIME_QP_INVALID },
	{ S("bad= x"), "bad= x", MIME_QP_INVALID },
	{ S("==3D"), "==", MIME_QP_INVALID },
	{ S("a=\rb"), "a=\\rb", MIME_QP_INVALID | MIME_QP_BAD_CHAR },
	{ S("a\rb"), "a\\rb", MIME_QP_BAD_CHAR },
	{ S("a\nb"), "a\\nb", MIME_QP_BAD_CHAR },
	{ S("a=\nb"), "ab", MIME_QP_BAD_CHAR },
	{ S("a\r"), "a\\r", MIME_QP_BAD_CHAR },
	{ S("caf\xc3\xa9"), "caf\\xc3\\xa9", MIME_QP_BAD_CHAR },
	{ S("x\x01y"), "x\\x01y", MIME_QP_BAD_CHAR },
	{ S("0123456789012345678901234567890123456789012345678901234567890123456789012345"),
	  "0123456789012345678901234567890123456789012345678901234567890123456789012345", 0 },
	{ S("01234567890123456789012345678901234567890123456789012345678901234567890123456"),
	  "01234567890123456789012345678901234567890123456789012345678901234567890123456",
	  MIME_QP_LONG_LINE },
	{ S("012345678901234567890123456789012345678901234567890123456789012345678901234=\r\n"
	    "x"), "012345678901234567890123456789012345678901234567890123456789012345678901234x",
	  0 },
};

enum codec { CODEC_B64, CODEC_QP };

/* Decode in chunks; the output escaped and the problems. */
static void
decode_chunked(enum codec codec, const char *in, size_t len, size_t chunk, struct buf *out,
    unsigned *problems_r)
{
	struct mime_base64_decoder b64;
	struct mime_qp_decoder qp;
	size_t pos = 0, n;
	unsigned char *o = malloc(MIME_QP_DECODED_MAX(len) + MIME_BASE64_DECODED_MAX(len));

	mime_base64_decoder_init(&b64);
	mime_qp_decoder_init(&qp);
	buf_puts(out, "");
	while (pos < len) {
		size_t k = len - pos < chunk ? len - pos : chunk;
		char *copy = malloc(k);
		unsigned char *ob = malloc(MIME_QP_DECODED_MAX(k) + MIME_BASE64_DECODED_MAX(k));

		memcpy(copy, in + pos, k);
		n = codec == CODEC_B64 ? mime_base64_decode_update(&b64, copy, k, ob) :
		    mime_qp_decode_update(&qp, copy, k, ob);
		CHECK(n <= (codec == CODEC_B64 ? MIME_BASE64_DECODED_MAX(k) :
		    MIME_QP_DECODED_MAX(k)));
		buf_append_escaped(out, ob, n);
		free(copy);
		free(ob);
		pos += k;
	}
	n = codec == CODEC_B64 ? mime_base64_decode_final(&b64, o) : mime_qp_decode_final(&qp, o);
	buf_append_escaped(out, o, n);
	*problems_r = codec == CODEC_B64 ? b64.problems : qp.problems;
	free(o);
}

static void
test_decoders(enum codec codec, const struct codec_case *cases, size_t ncases)
{
	size_t i, j;

	for (i = 0; i < ncases; i++) {
		for (j = 0; j < NCHUNKS; j++) {
			struct buf out;
			unsigned problems;

			buf_init(&out, 1 << 16);
			decode_chunked(codec, cases[i].in, cases[i].len, chunk_sizes[j], &out,
			    &problems);
			CHECKF(strcmp(out.data, cases[i].out) == 0 && problems == cases[i].problems,
			    "%s '%s' chunk %zu: '%s' %#x", codec == CODEC_B64 ? "b64" : "qp",
			    cases[i].in, chunk_sizes[j], out.data, problems);
			buf_release(&out);
		}
	}
}

/* 5000 SP then text: more white space than the QP decoder holds. */
static void
test_qp_long_ws(void)
{
	size_t j;

	for (j = 0; j < NCHUNKS; j++) {
		char *in = malloc(5002);
		struct buf out;
		unsigned problems;

		memset(in, ' ', 5000);
		memcpy(in + 5000, "x\n", 2);
		buf_init(&out, 1 << 16);
		decode_chunked(CODEC_QP, in, 5002, chunk_sizes[j], &out, &problems);
		CHECK(out.len == 5003 && problems == (MIME_QP_LONG_LINE | MIME_QP_BAD_CHAR));
		buf_release(&out);
		free(in);
	}
}

/* Pseudo-random bytes. */
static void
fill_random(unsigned char *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
}

static size_t
max_line(const char *s, size_t n)
{
	size_t i, cur = 0, best = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			cur = 0;
			i++;
		} else if (++cur > best) {
			best = cur;
		}
	}
	return best;
}

/* encode -> decode gives the input back; lines stay within 76. */
static void
test_round_trips(void)
{
	static const char *const texts[] = {
		"", " ", "a \r\nb\t\r\n", "line\r\n\r\n", "=3D= =\r\n", "\r", "\n", "x\r\r\n",
		"From the start\r\n.dot\r\n", "trailing tab\t",
	};
	size_t len, t;

	for (len = 0; len < 300; len += 7) {
		unsigned char *src = malloc(len + 1);
		char *enc = malloc(mime_qp_encoded_max(len) + mime_base64_encoded_lines_len(len));
		unsigned char *dec = malloc(MIME_QP_DECODED_MAX(mime_qp_encoded_max(len)) +
		    MIME_BASE64_DECODED_MAX(mime_base64_encoded_lines_len(len)));
		int mode;

		fill_random(src, len, (unsigned)len);
		for (mode = 0; mode < 3; mode++) {
			size_t n, m;
			unsigned problems;

			if (mode == 2) {
				struct mime_base64_decoder d;

				n = mime_base64_encode_lines(src, len, enc);
				CHECK(n == mime_base64_encoded_lines_len(len) && max_line(enc, n) <= 76);
				mime_base64_decoder_init(&d);
				m = mime_base64_decode_update(&d, enc, n, dec);
				m += mime_base64_decode_final(&d, dec + m);
				problems = d.problems;
			} else {
				struct mime_qp_decoder d;

				n = mime_qp_encode(src, len, mode == 1, enc);
				CHECK(n <= mime_qp_encoded_max(len) && max_line(enc, n) <= 76);
				mime_qp_decoder_init(&d);
				m = mime_qp_decode_update(&d, enc, n, dec);
				m += mime_qp_decode_final(&d, dec + m);
				problems = d.problems;
			}
			CHECKF(m == len && memcmp(dec, src, len) == 0 && problems == 0,
			    "mode %d len %zu problems %#x", mode, len, problems);
		}
		free(src);
		free(enc);
		free(dec);
	}
	for (t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		size_t tl = strlen(texts[t]), n, m;
		char *enc = malloc(mime_qp_encoded_max(tl));
		unsigned char *dec = malloc(MIME_QP_DECODED_MAX(mime_qp_encoded_max(tl)));
		struct mime_qp_decoder d;

		n = mime_qp_encode(texts[t], tl, true, enc);
		mime_qp_decoder_init(&d);
		m = mime_qp_decode_update(&d, enc, n, dec);
		m += mime_qp_decode_final(&d, dec + m);
		CHECKF(m == tl && memcmp(dec, texts[t], tl) == 0 && d.problems == 0, "'%s'",
		    texts[t]);
		free(enc);
		free(dec);
	}
	/* text mode keeps CRLF as line breaks */
	{
		char enc[64];
		size_t n = mime_qp_encode("a b \r\nc=d", 9, true, enc);

		CHECK(n == 13 && memcmp(enc, "a b=20\r\nc=3Dd", 13) == 0);
		n = mime_qp_encode("a\r\n", 3, false, enc);
		CHECK(n == 7 && memcmp(enc, "a=0D=0A", 7) == 0);
	}
}

static void
test_problem_strings(void)
{
	unsigned bit;

	for (bit = 1; bit <= 0x10; bit <<= 1) {
		CHECK(strstr(mime_qp_problem_str(bit), "unknown") == NULL);
		CHECK(bit > 0x08 || strstr(mime_base64_problem_str(bit), "unknown") == NULL);
	}
	for (bit = 1; bit <= 0x20; bit <<= 1)
		CHECK(strcmp(rfc2047_problem_str(bit), "unknown problem") != 0);
	CHECK(strstr(mime_qp_problem_str(0x40), "unknown") != NULL);
	CHECK(strstr(mime_base64_problem_str(0x40), "unknown") != NULL);
	CHECK(strcmp(rfc2047_problem_str(0x40), "unknown problem") == 0);
}

struct ew_case {
	const char *in;
	unsigned flags;
	const char *out;	/* escaped */
	size_t nwords;
	const char *charset;
	unsigned problems;
};

static const struct ew_case ew_cases[] = {
	/* RFC 2047 §8 */
	{ "=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>", 0,
	  "Keith Moore <moore@cs.utk.edu>", 1, "US-ASCII", 0 },
	{ "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>", 0,
	  "Keld J\\xc3\\xb8rn Simonsen <keld@dkuug.dk>", 1, "ISO-8859-1", 0 },
	{ "=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>", 0,
	  "Andr\\xc3\\xa9 Pirard <PIRARD@vm1.ulg.ac.be>", 1, "ISO-8859-1", 0 },
	{ "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
	  " =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=", 0,
	  "If you can read this you understand the example.", 2, "ISO-8859-1",
	  RFC2047_UNKNOWN_CHARSET },
	{ "=?ISO-8859-1?Q?Olle_J=E4rnefors?= <ojarnef@admin.kth.se>", 0,
	  "Olle J\\xc3\\xa4rnefors <ojarnef@admin.kth.se>", 1, "ISO-8859-1", 0 },
	{ "=?ISO-8859-1?Q?Patrik_F=E4ltstr=F6m?= <paf@nada.kth.se>", 0,
	  "Patrik F\\xc3\\xa4ltstr\\xc3\\xb6m <paf@nada.kth.se>", 1, "ISO-8859-1", 0 },
	{ "Nathaniel Borenstein <nsb@thumper.bellcore.com>\r\n"
	  "    (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)", RFC2047_IN_COMMENT,
	  "Nathaniel Borenstein <nsb@thumper.bellcore.com>\\r\\n    "
	  "(\\xed\\xe5\\xec\\xf9 \\xef\\xe1 \\xe9\\xec\\xe8\\xf4\\xf0)", 1, "iso-8859-8",
	  RFC2047_UNKNOWN_CHARSET },
	{ "(=?ISO-8859-1?Q?a?=)", RFC2047_IN_COMMENT, "(a)", 1, "ISO-8859-1", 0 },
	{ "(=?ISO-8859-1?Q?a?= b)", RFC2047_IN_COMMENT, "(a b)", 1, "ISO-8859-1", 0 },
	{ "(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", RFC2047_IN_COMMENT, "(ab)", 2,
	  "ISO-8859-1", 0 },
	{ "(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", RFC2047_IN_COMMENT, "(ab)", 2,
	  "ISO-8859-1", 0 },
	{ "(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", RFC2047_IN_COMMENT, "(ab)", 2,
	  "ISO-8859-1", 0 },
	{ "(=?ISO-8859-1?Q?a_b?=)", RFC2047_IN_COMMENT, "(a b)", 1, "ISO-8859-1", 0 },
	{ "(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", RFC2047_IN_COMMENT, "(a b)", 2,
	  "ISO-8859-1", RFC2047_UNKNOWN_CHARSET },
	/* the same in *text: "(" and ")" do not delimit */
	{ "(=?ISO-8859-1?Q?a?=)", 0, "(=?ISO-8859-1?Q?a?=)", 0, "", RFC2047_BAD_WORD },
	/* RFC 2231 §5 */
	{ "=?US-ASCII*EN?Q?Keith_Moore?= <moore@cs.utk.edu>", 0,
	  "Keith Moore <moore@cs.utk.edu>", 1, "US-ASCII", 0 },
	/* a character split across words comes out whole */
	{ "=?utf-8?B?w6k=?= =?UTF-8?B?4oI=?= =?utf-8?Q?=AC?=", 0,
	  "\\xc3\\xa9\\xe2\\x82\\xac", 3, "utf-8", 0 },
	{ "a =?utf-8?q?b?= c", 0, "a b c", 1, "utf-8", 0 },
	{ "=?utf-8?q?a?==?utf-8?q?b?=", 0, "ab", 2, "utf-8", RFC2047_ADJACENT },
	{ "x=?utf-8?q?a?=", 0, "x=?utf-8?q?a?=", 0, "", RFC2047_BAD_WORD },
	{ "=?utf-8?q?a?=x", 0, "=?utf-8?q?a?=x", 0, "", RFC2047_BAD_WORD },
	{ "=?utf-8?x?a?=", 0, "=?utf-8?x?a?=", 0, "", RFC2047_BAD_WORD },
	{ "=??q?a?=", 0, "=??q?a?=", 0, "", RFC2047_BAD_WORD },
	{ "=?utf-8?q?a b?=", 0, "=?utf-8?q?a b?=", 0, "", RFC2047_BAD_WORD },
	{ "=?utf-8?q?unterminated", 0, "=?utf-8?q?unterminated", 0, "", RFC2047_BAD_WORD },
	{ "=?utf-8?q?" "?=", 0, "", 1, "utf-8", 0 },
	{ "=?utf-8?q?=ZZ=4?=", 0, "=ZZ=4", 1, "utf-8", RFC2047_BAD_ENCODING },
	{ "=?utf-8?b?w6k?=", 0, "\\xc3\\xa9", 1, "utf-8", RFC2047_BAD_ENCODING },
	{ "=?utf-8?q?=FF?=", 0, "\\xff", 1, "utf-8", RFC2047_BAD_TEXT },
	{ "=?us-ascii?q?=E9?=", 0, "\\xe9", 1, "us-ascii", RFC2047_BAD_TEXT },
	{ "=?utf-8?q?a?= =?iso-8859-1?q?b?=", 0, "ab", 2, "utf-8", 0 },
	{ "=?utf-8?q?0123456789012345678901234567890123456789012345678901234567890123?=", 0,
	  "0123456789012345678901234567890123456789012345678901234567890123", 1, "utf-8",
	  RFC2047_LONG_WORD },
	{ "plain text only", 0, "plain text only", 0, "", 0 },
	{ "", 0, "", 0, "", 0 },
	{ "=?", 0, "=?", 0, "", RFC2047_BAD_WORD },
};

static void
test_rfc2047_decode(void)
{
	size_t i;

	for (i = 0; i < sizeof(ew_cases) / sizeof(ew_cases[0]); i++) {
		const struct ew_case *c = &ew_cases[i];
		size_t len = strlen(c->in);
		char *in = malloc(len > 0 ? len : 1);
		struct rfc2047_result res;
		struct buf out, esc;

		memcpy(in, c->in, len);
		buf_init(&out, 1 << 16);
		buf_init(&esc, 1 << 16);
		buf_puts(&esc, "");
		CHECK(rfc2047_decode(in, len, c->flags, &out, &res));
		buf_append_escaped(&esc, out.data, out.len);
		CHECKF(strcmp(esc.data, c->out) == 0, "'%s':\n got  '%s'\n want '%s'", c->in,
		    esc.data, c->out);
		CHECKF(res.nwords == c->nwords && strcmp(res.charset, c->charset) == 0 &&
		    res.problems == c->problems, "'%s': %zu '%s' %#x", c->in, res.nwords,
		    res.charset, res.problems);
		buf_release(&out);
		buf_release(&esc);
		free(in);
	}
}

static void
test_rfc2047_details(void)
{
	struct rfc2047_result res;
	struct buf out;

	buf_init(&out, 1 << 16);
	CHECK(rfc2047_decode(S("=?US-ASCII*EN?Q?a?= =?iso-8859-1?q?b?="), 0, &out, &res));
	CHECK(strcmp(res.language, "EN") == 0 && res.has_mixed_charsets);
	buf_clear(&out);
	CHECK(rfc2047_decode(S("=?utf-8?q?a?= =?UTF-8?q?b?="), 0, &out, NULL));
	CHECK(strcmp(out.data, "ab") == 0);
	buf_release(&out);
	/* a full buffer: false */
	buf_init(&out, 4);
	CHECK(!rfc2047_decode(S("=?utf-8?q?abcdef?="), 0, &out, &res));
	buf_release(&out);
}

/* encode -> decode round trips; every word within 75 characters. */
static void
test_rfc2047_round_trip(void)
{
	static const char *const texts[] = {
		"", "plain", "caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e",
		"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac"
		"\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac",
		"=?not?q?a word?= _ = ? \t\r\n", "\xf0\x9f\x98\x80 emoji \xf0\x9f\x98\x80",
		"invalid \xff\xfe utf-8",
	};
	static const char *const charsets[] = { "utf-8", "x-unknown" };
	size_t i, c, e;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		for (c = 0; c < 2; c++) {
			for (e = 0; e < 2; e++) {
				struct buf enc, dec;
				struct rfc2047_result res;
				const char *w;

				buf_init(&enc, 1 << 16);
				buf_init(&dec, 1 << 16);
				buf_puts(&enc, "");
				CHECK(rfc2047_encode(texts[i], strlen(texts[i]), charsets[c],
				    e == 0 ? 'B' : 'q', &enc));
				for (w = enc.data; *w != '\0'; w += strcspn(w, " ") + (w[strcspn(w, " ")] != '\0'))
					CHECK(strcspn(w, " ") <= 75);
				CHECK(rfc2047_decode(enc.data, enc.len, 0, &dec, &res));
				CHECKF(strcmp(dec.data, texts[i]) == 0, "%s %s: '%s' -> '%s'",
				    charsets[c], e == 0 ? "B" : "Q", texts[i], enc.data);
				CHECK((res.problems & ~(unsigned)(RFC2047_UNKNOWN_CHARSET |
				    RFC2047_BAD_TEXT)) == 0);
				buf_release(&enc);
				buf_release(&dec);
			}
		}
	}
	{
		struct buf enc;

		buf_init(&enc, 1 << 16);
		CHECK(!rfc2047_encode("x", 1, "a-charset-name-that-is-far-too-long-for-any-encoded-word-x",
		    'B', &enc));
		CHECK(!rfc2047_encode("x", 1, "utf-8", 'X', &enc));
		CHECK(!rfc2047_encode("x", 1, "", 'B', &enc));
		buf_release(&enc);
	}
}

static void
test_charset(void)
{
	struct buf out;

	CHECK(mime_charset_lookup(S("UTF-8")) == MIME_CHARSET_UTF8);
	CHECK(mime_charset_lookup(S("Latin1")) == MIME_CHARSET_LATIN1);
	CHECK(mime_charset_lookup(S("us-ascii")) == MIME_CHARSET_US_ASCII);
	CHECK(mime_charset_lookup(S("utf-16")) == MIME_CHARSET_UNKNOWN);
	CHECK(mime_charset_lookup(S("")) == MIME_CHARSET_UNKNOWN);
	CHECK(mime_utf8_is_valid(S("caf\xc3\xa9 \xf0\x9f\x98\x80")));
	CHECK(!mime_utf8_is_valid(S("\xc0\xaf")));		/* overlong */
	CHECK(!mime_utf8_is_valid(S("\xed\xa0\x80")));		/* surrogate */
	CHECK(!mime_utf8_is_valid(S("\xf4\x90\x80\x80")));	/* past U+10FFFF */
	CHECK(!mime_utf8_is_valid(S("\xe2\x82")));		/* cut off */
	CHECK(!mime_utf8_is_valid(S("\x80")));
	buf_init(&out, 8);
	CHECK(mime_charset_to_utf8(MIME_CHARSET_LATIN1, S("\xe9t\xe9"), &out) == 1);
	CHECK(strcmp(out.data, "\xc3\xa9t\xc3\xa9") == 0);
	CHECK(mime_charset_to_utf8(MIME_CHARSET_LATIN1, S("\xe9\xe9"), &out) == -1);
	CHECK(out.len == 5);
	buf_clear(&out);
	CHECK(mime_charset_to_utf8(MIME_CHARSET_UNKNOWN, S("abc"), &out) == 0);
	CHECK(mime_charset_to_utf8(MIME_CHARSET_US_ASCII, S("abc"), &out) == 1);
	CHECK(strcmp(out.data, "abcabc") == 0);
	buf_release(&out);
}

int
main(void)
{
	test_decoders(CODEC_B64, b64_cases, sizeof(b64_cases) / sizeof(b64_cases[0]));
	test_decoders(CODEC_QP, qp_cases, sizeof(qp_cases) / sizeof(qp_cases[0]));
	test_qp_long_ws();
	test_round_trips();
	test_problem_strings();
	test_rfc2047_decode();
	test_rfc2047_details();
	test_rfc2047_round_trip();
	test_charset();
	return unit_done("test_mime_codecs");
}
