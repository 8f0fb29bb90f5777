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

int
mime_lex_peek(const struct mime_lex *lx)
{
	return lx->pos < lx->len ? (unsigned char)lx->s[lx->pos] : -1;
}

bool
mime_lex_at_end(const struct mime_lex *lx)
{
	return lx->pos >= lx->len;
}

bool
mime_lex_is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

bool
mime_lex_is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	if (c >= 0x80)
		return true;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

bool
mime_lex_is_tspecial(unsigned char c)
{
	return c != '\0' && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static bool
mime_lex_is_token_char(unsigned char c)
{
	return c > ' ' && c != 0x7f && !mime_lex_is_tspecial(c);
}

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
		char c = lx->s[lx->pos];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
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

	while (lx->pos < lx->len && mime_lex_is_token_char((unsigned char)lx->s[lx->pos]))
		lx->pos++;
	*token_r = lx->s + start;
	return lx->pos - start;
}

/* Copy bytes up to the closing byte `close`, resolving quoted-pairs and
 * dropping CR/LF (and, if drop_wsp, SP/HTAB). Returns false when out is
 * full (the cursor is then restored). */
static bool
mime_lex_delimited(struct mime_lex *lx, char close, bool drop_wsp, struct buf *out)
{
	size_t save_pos = lx->pos, save_len = out->len;

	lx->pos++;
	while (lx->pos < lx->len) {
		char c = lx->s[lx->pos++];

		if (c == close)
			return true;
		if (c == '\\' && lx->pos < lx->len)
			c = lx->s[lx->pos++];
		else if (c == '\r' || c == '\n' || (drop_wsp && (c == ' ' || c == '\t')))
			continue;
		if (!buf_putc(out, c)) {
			lx->pos = save_pos;
			out->len = save_len;
			if (out->data != NULL)
				out->data[save_len] = '\0';
			return false;
		}
	}
	lx->has_error = true;
	return true;
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
