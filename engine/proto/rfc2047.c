/* rfc2047.c: MIME encoded words.
 *
 * RFC 2047 §2 (encoded-word = "=?" charset "?" encoding "?" encoded-text
 * "?="; charset and encoding are tokens without especials; encoded-text
 * is printable ASCII without "?" and SP; at most 75 characters), §4.1
 * (B: base64 of RFC 2045), §4.2 (Q: "=XX", "_" for SP), §5 (an encoded
 * word is delimited by white space, or by "(" ")" in a comment), §6.1
 * (malformed words are displayed as they are), §6.2 (linear white space
 * between adjacent encoded words is not displayed), §8 (examples);
 * RFC 2231 §5 (charset "*" language).
 *
 * Leniency: lower-case hex in Q, an empty encoded-text, words longer than
 * 75 characters and two words with no white space between them are
 * decoded (and reported, except the empty text).
 */
#include "rfc2047.h"

#include <string.h>
#include <strings.h>

#include "base64.h"
#include "buf.h"
#include "mime_base64.h"
#include "mime_charset.h"

#define RFC2047_WORD_MAX 75
#define RFC2047_B_CHUNK 256

struct rfc2047_word {
	const char *charset;
	size_t charset_len;
	const char *lang;
	size_t lang_len;
	char enc;		/* 'B' or 'Q' */
	const char *text;
	size_t text_len;
	size_t start;		/* offset of "=?" */
	size_t end;		/* offset after "?=" */
};

/* The decoder's state: the run of adjacent words in one charset. */
struct rfc2047_state {
	struct buf run;
	const char *cs;
	size_t cs_len;
	struct rfc2047_result res;
};

static bool
rfc2047_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* token := 1*<any CHAR except SPACE, CTLs, and especials> (§2); "*"
 * ends a charset (RFC 2231 §5). */
static bool
rfc2047_is_token_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && strchr("()<>@,;:\"/[]?.=*", c) == NULL;
}

static size_t
rfc2047_scan_token(const char *t, size_t len, size_t i)
{
	while (i < len && rfc2047_is_token_char((unsigned char)t[i]))
		i++;
	return i;
}

/* Parse an encoded word at t[pos] ("=?" already seen). */
static bool
rfc2047_parse_word(const char *t, size_t len, size_t pos, struct rfc2047_word *w)
{
	size_t i = rfc2047_scan_token(t, len, pos + 2);

	memset(w, 0, sizeof(*w));
	w->start = pos;
	w->charset = t + pos + 2;
	w->charset_len = i - (pos + 2);
	if (w->charset_len == 0)
		return false;
	if (i < len && t[i] == '*') {
		w->lang = t + i + 1;
		i = rfc2047_scan_token(t, len, i + 1);
		w->lang_len = (size_t)(t + i - w->lang);
	}
	if (i + 3 > len || t[i] != '?' || t[i + 2] != '?' ||
	    strchr("BbQq", t[i + 1]) == NULL || t[i + 1] == '\0')
		return false;
	w->enc = (t[i + 1] == 'b' || t[i + 1] == 'B') ? 'B' : 'Q';
	i += 3;
	w->text = t + i;
	while (i < len && (unsigned char)t[i] > ' ' && (unsigned char)t[i] < 0x7f &&
	    t[i] != '?')
		i++;
	if (i + 1 >= len || t[i] != '?' || t[i + 1] != '=')
		return false;
	w->text_len = (size_t)(t + i - w->text);
	w->end = i + 2;
	return true;
}

static int
rfc2047_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool
rfc2047_decode_q(const struct rfc2047_word *w, struct buf *run, unsigned *problems)
{
	size_t i;

	for (i = 0; i < w->text_len; i++) {
		char c = w->text[i];

		if (c == '_') {
			c = ' ';
		} else if (c == '=') {
			int hi = i + 1 < w->text_len ? rfc2047_hex((unsigned char)w->text[i + 1]) : -1;
			int lo = i + 2 < w->text_len ? rfc2047_hex((unsigned char)w->text[i + 2]) : -1;

			if (hi >= 0 && lo >= 0) {
				c = (char)(hi << 4 | lo);
				i += 2;
			} else {
				*problems |= RFC2047_BAD_ENCODING;
			}
		}
		if (!buf_putc(run, c))
			return false;
	}
	return true;
}

static bool
rfc2047_decode_b(const struct rfc2047_word *w, struct buf *run, unsigned *problems)
{
	struct mime_base64_decoder d;
	unsigned char out[MIME_BASE64_DECODED_MAX(RFC2047_B_CHUNK)];
	size_t i, n;

	mime_base64_decoder_init(&d);
	for (i = 0; i < w->text_len; i += RFC2047_B_CHUNK) {
		size_t k = w->text_len - i < RFC2047_B_CHUNK ? w->text_len - i : RFC2047_B_CHUNK;

		n = mime_base64_decode_update(&d, w->text + i, k, out);
		if (!buf_append(run, out, n))
			return false;
	}
	n = mime_base64_decode_final(&d, out);
	if (d.problems != 0)
		*problems |= RFC2047_BAD_ENCODING;
	return buf_append(run, out, n);
}

/* Convert the run of words to UTF-8 into out and empty it. */
static bool
rfc2047_flush(struct rfc2047_state *st, struct buf *out)
{
	enum mime_charset cs;
	int r;

	if (st->cs == NULL)
		return true;
	cs = mime_charset_lookup(st->cs, st->cs_len);
	r = mime_charset_to_utf8(cs, st->run.data != NULL ? st->run.data : "", st->run.len, out);
	if (r == 0)
		st->res.problems |= cs == MIME_CHARSET_UNKNOWN ? RFC2047_UNKNOWN_CHARSET :
		    RFC2047_BAD_TEXT;
	buf_clear(&st->run);
	st->cs = NULL;
	return r >= 0;
}

static void
rfc2047_note_word(struct rfc2047_state *st, const struct rfc2047_word *w)
{
	struct rfc2047_result *res = &st->res;

	if (res->nwords++ == 0) {
		size_t n = w->charset_len < sizeof(res->charset) - 1 ? w->charset_len :
		    sizeof(res->charset) - 1;
		size_t m = w->lang_len < sizeof(res->language) - 1 ? w->lang_len :
		    sizeof(res->language) - 1;

		memcpy(res->charset, w->charset, n);
		res->charset[n] = '\0';
		if (m > 0)
			memcpy(res->language, w->lang, m);
		res->language[m] = '\0';
	} else if (strlen(res->charset) != w->charset_len ||
	    strncasecmp(res->charset, w->charset, w->charset_len) != 0) {
		res->has_mixed_charsets = true;
	}
	if (w->end - w->start > RFC2047_WORD_MAX)
		res->problems |= RFC2047_LONG_WORD;
}

/* Decode one word into the run (starting a new run on a charset change). */
static bool
rfc2047_add_word(struct rfc2047_state *st, const struct rfc2047_word *w, struct buf *out)
{
	if (st->cs != NULL && (st->cs_len != w->charset_len ||
	    strncasecmp(st->cs, w->charset, w->charset_len) != 0) && !rfc2047_flush(st, out))
		return false;
	st->cs = w->charset;
	st->cs_len = w->charset_len;
	rfc2047_note_word(st, w);
	return w->enc == 'B' ? rfc2047_decode_b(w, &st->run, &st->res.problems) :
	    rfc2047_decode_q(w, &st->run, &st->res.problems);
}

/* Is the word at pos delimited as §5 asks? *is_adjacent_r: it directly
 * follows the previous word. */
static bool
rfc2047_is_delimited(const char *t, size_t len, size_t pos, const struct rfc2047_word *w,
    unsigned flags, size_t prev_end, bool *is_adjacent_r)
{
	struct rfc2047_word next;
	bool before, after;

	*is_adjacent_r = prev_end != (size_t)-1 && pos == prev_end;
	before = pos == 0 || rfc2047_is_ws(t[pos - 1]) || *is_adjacent_r ||
	    ((flags & RFC2047_IN_COMMENT) && t[pos - 1] == '(');
	after = w->end == len || rfc2047_is_ws(t[w->end]) ||
	    ((flags & RFC2047_IN_COMMENT) && t[w->end] == ')') ||
	    (w->end + 1 < len && t[w->end] == '=' && t[w->end + 1] == '?' &&
	    rfc2047_parse_word(t, len, w->end, &next));
	return before && after;
}

static bool
rfc2047_is_all_ws(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!rfc2047_is_ws(s[i]))
			return false;
	return true;
}

static bool
rfc2047_run(struct rfc2047_state *st, const char *t, size_t len, unsigned flags,
    struct buf *out)
{
	size_t pos = 0, lit = 0, prev_end = (size_t)-1;

	while (pos < len) {
		struct rfc2047_word w;
		bool is_adjacent;

		if (t[pos] != '=' || pos + 1 >= len || t[pos + 1] != '?') {
			pos++;
			continue;
		}
		if (!rfc2047_parse_word(t, len, pos, &w) ||
		    !rfc2047_is_delimited(t, len, pos, &w, flags, prev_end, &is_adjacent)) {
			st->res.problems |= RFC2047_BAD_WORD;
			pos++;
			continue;
		}
		if (is_adjacent)
			st->res.problems |= RFC2047_ADJACENT;
		if (prev_end != lit || !rfc2047_is_all_ws(t + lit, pos - lit)) {
			if (!rfc2047_flush(st, out) || !buf_append(out, t + lit, pos - lit))
				return false;
		}
		if (!rfc2047_add_word(st, &w, out))
			return false;
		pos = lit = prev_end = w.end;
	}
	return rfc2047_flush(st, out) && buf_append(out, t + lit, len - lit);
}

bool
rfc2047_decode(const char *text, size_t len, unsigned flags, struct buf *out,
    struct rfc2047_result *res_r)
{
	struct rfc2047_state st;
	bool ok;

	memset(&st, 0, sizeof(st));
	buf_init(&st.run, out->max);
	ok = buf_puts(out, "") && rfc2047_run(&st, text, len, flags, out);
	buf_release(&st.run);
	if (res_r != NULL)
		*res_r = st.res;
	return ok;
}

const char *
rfc2047_problem_str(unsigned problem)
{
	switch (problem) {
	case RFC2047_BAD_WORD: return "encoded word malformed or not delimited: kept as text";
	case RFC2047_BAD_ENCODING: return "encoded word with invalid B or Q text";
	case RFC2047_UNKNOWN_CHARSET: return "encoded word in a charset not converted";
	case RFC2047_BAD_TEXT: return "encoded word with bytes invalid in its charset";
	case RFC2047_LONG_WORD: return "encoded word longer than 75 characters";
	case RFC2047_ADJACENT: return "encoded words not separated by white space";
	}
	return "unknown problem";
}

/* Q characters that stand for themselves in any context (§5 (3)). */
static bool
rfc2047_is_q_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '!' || c == '*' || c == '+' || c == '-' || c == '/' || c == ' ';
}

/* Q characters the bytes p[0..n) take. */
static size_t
rfc2047_q_cost(const unsigned char *p, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += rfc2047_is_q_safe(p[i]) ? 1 : 3;
	return c;
}

static bool
rfc2047_put_q(const unsigned char *p, size_t n, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;
	bool ok = true;

	for (i = 0; ok && i < n; i++) {
		if (p[i] == ' ')
			ok = buf_putc(out, '_');
		else if (rfc2047_is_q_safe(p[i]))
			ok = buf_putc(out, (char)p[i]);
		else
			ok = buf_putc(out, '=') && buf_putc(out, hex[p[i] >> 4]) &&
			    buf_putc(out, hex[p[i] & 15]);
	}
	return ok;
}

/* One word of p[0..n). */
static bool
rfc2047_put_word(const unsigned char *p, size_t n, const char *charset, char enc,
    struct buf *out)
{
	char b64[RFC2047_WORD_MAX];

	if (!buf_printf(out, "=?%s?%c?", charset, enc))
		return false;
	if (enc == 'B') {
		size_t k = base64_encode(p, n, b64);

		if (!buf_append(out, b64, k))
			return false;
	} else if (!rfc2047_put_q(p, n, out)) {
		return false;
	}
	return buf_puts(out, "?=");
}

/* Bytes from p[0..len) that fit one word of budget encoded characters,
 * whole UTF-8 sequences when is_utf8. */
static size_t
rfc2047_word_bytes(const unsigned char *p, size_t len, char enc, size_t budget,
    bool is_utf8)
{
	size_t i = 0, cost = 0;

	while (i < len) {
		size_t sl = is_utf8 ? mime_utf8_seq_len(p + i, len - i) : 1;
		size_t c;

		if (sl == 0)
			sl = 1;
		c = enc == 'B' ? base64_encoded_len(i + sl) : cost + rfc2047_q_cost(p + i, sl);
		if (c > budget)
			break;
		cost = c;
		i += sl;
	}
	return i > 0 ? i : 1;
}

bool
rfc2047_encode(const void *text, size_t len, const char *charset, char encoding,
    struct buf *out)
{
	const unsigned char *p = text;
	size_t cslen = strlen(charset), i = 0, budget;
	char enc = (char)(encoding == 'b' ? 'B' : encoding == 'q' ? 'Q' : encoding);
	bool is_utf8 = mime_charset_lookup(charset, cslen) == MIME_CHARSET_UTF8;

	if ((enc != 'B' && enc != 'Q') || cslen == 0 || cslen > RFC2047_WORD_MAX - 7 - 12)
		return false;
	budget = RFC2047_WORD_MAX - 7 - cslen;
	while (i < len) {
		size_t n = rfc2047_word_bytes(p + i, len - i, enc, budget, is_utf8);

		if ((i > 0 && !buf_putc(out, ' ')) ||
		    !rfc2047_put_word(p + i, n, charset, enc, out))
			return false;
		i += n;
	}
	return true;
}
