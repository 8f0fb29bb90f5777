/* mime_lex.c: lexical tokens of structured header fields.
 *
 * RFC 5322 §3.2.1 (quoted-pair), §3.2.2 (FWS, nested comments, CFWS),
 * §3.2.3 (atext, atom), §3.2.4 (quoted-string), §3.4.1 (domain-literal),
 * §4.1/§4.2 (obsolete folding: bare CR/LF treated as white space);
 * RFC 2045 §5.1 (token, tspecials). Bytes >= 0x80 are accepted in atoms,
 * tokens and quoted strings (RFC 6532 §3.2 UTF-8 headers); whether a
 * header may carry them is for the caller to judge.
 */
#include "mime_lex.h"

#include <string.h>

#include "buf.h"

void
mime_lex_init(struct mime_lex *lx, const char *s, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->s = s;
	lx->len = len;
}

bool
mime_lex_is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Byte classes of US-ASCII (bytes >= 0x80 have none), one look-up per
 * byte (the atom loop and lower-casing see most bytes of every structured
 * field). */
#define MIME_LEX_ATEXT		0x01	/* RFC 5322 §3.2.3 atext */
#define MIME_LEX_TSPECIAL	0x02	/* RFC 2045 §5.1 tspecials */
#define MIME_LEX_SPACE		0x04	/* SP, HTAB, CR, LF: skipped as CFWS */
#define MIME_LEX_UPPER		0x20	/* A-Z: the bit that makes them a-z */
#define A MIME_LEX_ATEXT
#define T MIME_LEX_TSPECIAL
#define S MIME_LEX_SPACE
#define U (MIME_LEX_ATEXT | MIME_LEX_UPPER)

static const unsigned char mime_lex_class[256] = {
	['\t'] = S, ['\n'] = S, ['\r'] = S, [' '] = S,
	['!'] = A, ['"'] = T, ['#'] = A, ['$'] = A, ['%'] = A, ['&'] = A,
	['\''] = A, ['('] = T, [')'] = T, ['*'] = A, ['+'] = A, [','] = T,
	['-'] = A, ['/'] = A|T, ['0'] = A, ['1'] = A, ['2'] = A, ['3'] = A,
	['4'] = A, ['5'] = A, ['6'] = A, ['7'] = A, ['8'] = A, ['9'] = A,
	[':'] = T, [';'] = T, ['<'] = T, ['='] = A|T, ['>'] = T, ['?'] = A|T,
	['@'] = T, ['A'] = U, ['B'] = U, ['C'] = U, ['D'] = U, ['E'] = U,
	['F'] = U, ['G'] = U, ['H'] = U, ['I'] = U, ['J'] = U, ['K'] = U,
	['L'] = U, ['M'] = U, ['N'] = U, ['O'] = U, ['P'] = U, ['Q'] = U,
	['R'] = U, ['S'] = U, ['T'] = U, ['U'] = U, ['V'] = U, ['W'] = U,
	['X'] = U, ['Y'] = U, ['Z'] = U, ['['] = T, ['\\'] = T, [']'] = T,
	['^'] = A, ['_'] = A, ['`'] = A, ['a'] = A, ['b'] = A, ['c'] = A,
	['d'] = A, ['e'] = A, ['f'] = A, ['g'] = A, ['h'] = A, ['i'] = A,
	['j'] = A, ['k'] = A, ['l'] = A, ['m'] = A, ['n'] = A, ['o'] = A,
	['p'] = A, ['q'] = A, ['r'] = A, ['s'] = A, ['t'] = A, ['u'] = A,
	['v'] = A, ['w'] = A, ['x'] = A, ['y'] = A, ['z'] = A, ['{'] = A,
	['|'] = A, ['}'] = A, ['~'] = A,
};

#undef A
#undef T
#undef S
#undef U

bool
mime_lex_is_atext(unsigned char c)
{
	return c >= 0x80 || (mime_lex_class[c] & MIME_LEX_ATEXT) != 0;	/* RFC 6532 */
}

void
mime_lex_lower(char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		s[i] = (char)((unsigned char)s[i] |
		    (mime_lex_class[(unsigned char)s[i]] & MIME_LEX_UPPER));
}

bool
mime_lex_is_tspecial(unsigned char c)
{
	return c < 0x80 && (mime_lex_class[c] & MIME_LEX_TSPECIAL) != 0;
}

/* RFC 2045 §5.1 token characters: not SP, CTLs or tspecials (bytes
 * >= 0x80 are taken, as in atoms). A table: the token loop sees every
 * byte of every parameter. */
static const unsigned char mime_lex_token_char[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x10 */
	0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0,	/* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,	/* 0x30 */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,	/* 0x50 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,	/* 0x70 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x80 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x90 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xa0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xb0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xc0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xd0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xe0 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0xf0 */
};

/* Skip one comment starting at '(' (nesting, quoted-pairs). */
static void
mime_lex_skip_comment(struct mime_lex *lx)
{
	size_t start = ++lx->pos;
	int depth = 1;

	while (lx->pos < lx->len) {
		char c = lx->s[lx->pos++];

		if (c == '\\' && lx->pos < lx->len) {
			lx->pos++;
		} else if (c == '(') {
			depth++;
		} else if (c == ')' && --depth == 0) {
			lx->comment_off = start;
			lx->comment_len = lx->pos - 1 - start;
			return;
		}
	}
	lx->has_error = true;
	lx->comment_off = start;
	lx->comment_len = lx->len - start;
}

bool
mime_lex_skip_cfws(struct mime_lex *lx)
{
	size_t start = lx->pos;

	while (lx->pos < lx->len) {
		unsigned char c = (unsigned char)lx->s[lx->pos];

		if (mime_lex_class[c] & MIME_LEX_SPACE)	/* one test, not four */
			lx->pos++;
		else if (c == '(')
			mime_lex_skip_comment(lx);
		else
			break;
	}
	return lx->pos != start;
}

bool
mime_lex_accept(struct mime_lex *lx, char c)
{
	if (lx->pos < lx->len && lx->s[lx->pos] == c) {
		lx->pos++;
		return true;
	}
	return false;
}

size_t
mime_lex_atom(struct mime_lex *lx, const char **atom_r)
{
	size_t start = lx->pos;

	while (lx->pos < lx->len && mime_lex_is_atext((unsigned char)lx->s[lx->pos]))
		lx->pos++;
	*atom_r = lx->s + start;
	return lx->pos - start;
}

size_t
mime_lex_token(struct mime_lex *lx, const char **token_r)
{
	size_t start = lx->pos;

	while (lx->pos < lx->len && mime_lex_token_char[(unsigned char)lx->s[lx->pos]])
		lx->pos++;
	*token_r = lx->s + start;
	return lx->pos - start;
}

/* The bytes that end a run of plain content in mime_lex_delimited(). */
#define MIME_DELIM_QUOTE	0x01	/* DQUOTE: closes a quoted-string */
#define MIME_DELIM_BRACKET	0x02	/* "]": closes a domain-literal */
#define MIME_DELIM_ESCAPE	0x04	/* "\\": quoted-pair */
#define MIME_DELIM_EOL		0x08	/* CR, LF: folding, dropped */
#define MIME_DELIM_WSP		0x10	/* SP, HTAB: dropped in a domain-literal */

static const unsigned char mime_delim_class[256] = {
	['"'] = MIME_DELIM_QUOTE, [']'] = MIME_DELIM_BRACKET,
	['\\'] = MIME_DELIM_ESCAPE, ['\r'] = MIME_DELIM_EOL, ['\n'] = MIME_DELIM_EOL,
	[' '] = MIME_DELIM_WSP, ['\t'] = MIME_DELIM_WSP,
};

/* Copy bytes up to the closing byte `close`, resolving quoted-pairs and
 * dropping CR/LF (and, if drop_wsp, SP/HTAB). Returns false when out is
 * full (the cursor is then restored). */
static bool
mime_lex_delimited(struct mime_lex *lx, char close, bool drop_wsp, struct buf *out)
{
	size_t save_pos = lx->pos, save_len = out->len;
	unsigned char stop = MIME_DELIM_ESCAPE | MIME_DELIM_EOL |
	    (close == '"' ? MIME_DELIM_QUOTE : MIME_DELIM_BRACKET) |
	    (drop_wsp ? MIME_DELIM_WSP : 0);

	lx->pos++;
	while (lx->pos < lx->len) {
		size_t run = lx->pos;
		char c;

		/* plain bytes are copied a run at a time: an unclosed string
		 * is read to the end of the field, and a list of such elements
		 * reads the rest of the field once for each */
		while (run < lx->len && (mime_delim_class[(unsigned char)lx->s[run]] & stop) == 0)
			run++;
		if (run > lx->pos && !buf_append(out, lx->s + lx->pos, run - lx->pos))
			goto full;
		lx->pos = run;
		if (lx->pos == lx->len)
			break;
		c = lx->s[lx->pos++];
		if (c == close)
			return true;
		if (c == '\\' && lx->pos < lx->len)
			c = lx->s[lx->pos++];
		else if (c == '\r' || c == '\n' || (drop_wsp && (c == ' ' || c == '\t')))
			continue;
		if (!buf_putc(out, c))
			goto full;
	}
	lx->has_error = true;
	return true;
full:
	lx->pos = save_pos;
	out->len = save_len;
	if (out->data != NULL)
		out->data[save_len] = '\0';
	return false;
}

bool
mime_lex_quoted(struct mime_lex *lx, struct buf *out)
{
	if (mime_lex_peek(lx) != '"')
		return false;
	if (!buf_puts(out, ""))
		return false;
	return mime_lex_delimited(lx, '"', false, out);
}

bool
mime_lex_domain_literal(struct mime_lex *lx, struct buf *out)
{
	size_t save_len = out->len, save_pos = lx->pos;

	if (mime_lex_peek(lx) != '[' || !buf_putc(out, '['))
		return false;
	if (!mime_lex_delimited(lx, ']', true, out) || !buf_putc(out, ']')) {
		lx->pos = save_pos;
		out->len = save_len;
		if (out->data != NULL)
			out->data[save_len] = '\0';
		return false;
	}
	return true;
}
