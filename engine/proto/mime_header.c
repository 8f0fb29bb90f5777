/* mime_header.c: MIME header field values.
 *
 * RFC 5322 §2.2.3 (unfolding: "simply removing any CRLF that is
 * immediately followed by WSP"); RFC 2045 §5.1 (Content-Type := type "/"
 * subtype *(";" parameter); parameter := attribute "=" value; value :=
 * token / quoted-string; matching of type, subtype and attribute is
 * case-insensitive; comments may appear between tokens, RFC 2049
 * Appendix B (12)); §6.1 (Content-Transfer-Encoding mechanisms);
 * RFC 2183 §2 (disposition := type *(";" parameter)); RFC 2231 §7
 * (parameter names with sections and "*").
 *
 * Leniency, each case reported as MIME_PROB_BAD_PARAM: a missing ";"
 * between parameters (as in RFC 2231 §4.1's own example), a value that
 * is neither token nor quoted string (taken up to the next ";"), an
 * attribute without "=" or value (dropped).
 */
#include "mime_header.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "buf.h"
#include "mime_lex.h"
#include "rfc2231.h"

#define MIME_PARAM_VALUE_MAX ((size_t)1 << 20)

size_t
mime_header_unfold(const char *raw, size_t len, char *out)
{
	size_t i = 0, o = 0, brk, j;
	size_t cr = mem_find(raw, 0, len, '\r');
	size_t lf = mem_find(raw, 0, len, '\n');

	while (i < len) {
		/* each memchr() runs again only once its last find is passed,
		 * from there on: linear however many breaks there are */
		if (cr < i)
			cr = mem_find(raw, i, len, '\r');
		if (lf < i)
			lf = mem_find(raw, i, len, '\n');
		brk = cr < lf ? cr : lf;
		/* WSP before any text (leading, or after a fold) is dropped */
		while (o == 0 && i < brk && mime_lex_is_wsp((unsigned char)raw[i]))
			i++;
		memcpy(out + o, raw + i, brk - i);
		o += brk - i;
		if (brk == len)
			break;
		for (j = brk; j < len && (raw[j] == '\r' || raw[j] == '\n'); j++)
			;
		/* a run of CR and LF before WSP is a fold (RFC 5322 §2.2.3), one at
		 * the end ends the field: both dropped; any other is kept as is */
		if (j < len && !mime_lex_is_wsp((unsigned char)raw[j])) {
			memcpy(out + o, raw + brk, j - brk);
			o += j - brk;
		}
		i = j;
	}
	while (o > 0 && mime_lex_is_wsp((unsigned char)out[o - 1]))
		o--;
	out[o] = '\0';
	return o;
}

static char *
mime_header_lower_dup(struct arena *a, const char *s, size_t len)
{
	char *p = arena_strndup(a, s, len);

	if (p != NULL)
		mime_lex_lower(p, len);
	return p;
}

/* What ends a run of bytes mime_params_skip() passes over. */
static const unsigned char mime_params_stop[256] = {
	[';'] = 1, ['"'] = 1, ['('] = 1,
};

/* Skip to the next ";" (or the end) after a bad parameter; quoted
 * strings go through scratch, which holds no value at this point. */
static void
mime_params_skip(struct mime_lex *lx, struct buf *scratch)
{
	for (;;) {
		/* a test per byte of the run, not three */
		while (lx->pos < lx->len && !mime_params_stop[(unsigned char)lx->s[lx->pos]])
			lx->pos++;
		if (mime_lex_at_end(lx) || mime_lex_peek(lx) == ';')
			return;
		if (mime_lex_peek(lx) == '(') {
			mime_lex_skip_cfws(lx);
		} else {		/* a quoted string */
			buf_clear(scratch);
			if (!mime_lex_quoted(lx, scratch))
				lx->pos++;
		}
	}
}

/* After white space: does "attribute =" follow (a ";" was left out)? */
static bool
mime_params_next_is_param(struct mime_lex *lx)
{
	size_t save = lx->pos;
	const char *tok;
	bool is_param;

	is_param = mime_lex_token(lx, &tok) > 0;
	mime_lex_skip_cfws(lx);
	is_param = is_param && mime_lex_peek(lx) == '=';
	lx->pos = save;
	return is_param;
}

/* A value: quoted string (decoded into scratch), token, or (reported)
 * raw text up to ";" (both left where they are); false when scratch
 * would pass its maximum, which applies to every value. */
static bool
mime_params_value(struct mime_lex *lx, struct buf *scratch, const char **value_r,
    size_t *len_r, uint32_t *problems_r)
{
	const char *tok;
	size_t n, after, start = lx->pos;

	if (mime_lex_peek(lx) == '"') {
		buf_clear(scratch);
		if (!mime_lex_quoted(lx, scratch))
			return false;
		*value_r = scratch->data;
		*len_r = scratch->len;
		return true;
	}
	n = mime_lex_token(lx, &tok);
	after = lx->pos;
	mime_lex_skip_cfws(lx);
	if (n == 0 || !(mime_lex_at_end(lx) || mime_lex_peek(lx) == ';' ||
	    (lx->pos > after && mime_params_next_is_param(lx)))) {
		/* raw text up to ";": "a/b", "x=y", "two words" */
		*problems_r |= 1u << MIME_PROB_BAD_PARAM;
		lx->pos = mem_find(lx->s, start, lx->len, ';');
		n = lx->pos - start;
		while (n > 0 && (lx->s[start + n - 1] == ' ' || lx->s[start + n - 1] == '\t' ||
		    lx->s[start + n - 1] == '\r' || lx->s[start + n - 1] == '\n'))
			n--;
		tok = lx->s + start;
	}
	*value_r = tok;
	*len_r = n;
	return n <= scratch->max;
}

/* One "attribute = value" into *piece_r (strings in a); a quoted value
 * is decoded in scratch, then copied to a. 1 ok, 0 bad (skipped), -1
 * arena full. */
static int
mime_params_one(struct arena *a, struct mime_lex *lx, struct rfc2231_piece *piece_r,
    struct buf *scratch, uint32_t *problems_r)
{
	const char *attr, *value;
	char *name;
	size_t n = mime_lex_token(lx, &attr), value_len;

	mime_lex_skip_cfws(lx);
	if (n == 0 || !mime_lex_accept(lx, '=')) {
		*problems_r |= 1u << MIME_PROB_BAD_PARAM;
		mime_params_skip(lx, scratch);
		return 0;
	}
	mime_lex_skip_cfws(lx);
	if (mime_lex_at_end(lx) || mime_lex_peek(lx) == ';')
		*problems_r |= 1u << MIME_PROB_BAD_PARAM;	/* empty value */
	if (!mime_params_value(lx, scratch, &value, &value_len, problems_r))
		return -1;
	name = mime_header_lower_dup(a, attr, n);
	if (name == NULL)
		return -1;
	if (!rfc2231_split_name(name, n, piece_r))
		*problems_r |= 1u << MIME_PROB_BAD_PARAM;
	piece_r->value = arena_strndup(a, value, value_len);
	piece_r->value_len = value_len;
	return piece_r->value == NULL ? -1 : 1;
}

/* Room for one more piece in *pieces (capacity *cap, MIME_PARAMS_MAX at
 * most): most fields have a few parameters, so the array starts on the
 * caller's stack and moves to the heap only when it fills up. */
static bool
mime_params_grow(struct rfc2231_piece **pieces, struct rfc2231_piece *stack,
    size_t *cap)
{
	size_t ncap = *cap * 4 < MIME_PARAMS_MAX ? *cap * 4 : MIME_PARAMS_MAX;
	struct rfc2231_piece *p = malloc(ncap * sizeof(*p));

	if (p == NULL)
		return false;
	memcpy(p, *pieces, *cap * sizeof(*p));
	if (*pieces != stack)
		free(*pieces);
	*pieces = p;
	*cap = ncap;
	return true;
}

/* Collect pieces until the end of the value; returns their count or -1. */
static long
mime_params_collect(struct arena *a, struct mime_lex *lx, struct rfc2231_piece **pieces,
    struct rfc2231_piece *stack, size_t *cap, struct buf *scratch, uint32_t *problems_r)
{
	size_t n = 0;
	bool is_first = true;

	for (;;) {
		bool has_semi = false;
		int r;

		while (mime_lex_skip_cfws(lx) || mime_lex_accept(lx, ';'))
			has_semi = has_semi || lx->s[lx->pos - 1] == ';';
		if (mime_lex_at_end(lx))
			return (long)n;
		if (!has_semi && !is_first)
			*problems_r |= 1u << MIME_PROB_BAD_PARAM;	/* ";" missing */
		is_first = false;
		if (n == MIME_PARAMS_MAX) {
			*problems_r |= 1u << MIME_PROB_BAD_PARAM;
			mime_params_skip(lx, scratch);
			continue;
		}
		if (n == *cap && !mime_params_grow(pieces, stack, cap))
			return -1;
		r = mime_params_one(a, lx, &(*pieces)[n], scratch, problems_r);
		if (r < 0)
			return -1;
		n += (size_t)r;
	}
}

/* Parameters from the cursor on; need_semi: after type/subtype, where
 * the list must begin with ";" (else reported). One scratch buffer
 * serves every value of the list: a buffer per value was a malloc and a
 * free per parameter. */
static int
mime_params_from(struct arena *a, struct mime_lex *lx, bool need_semi,
    struct mime_param **params_r, uint32_t *problems_r)
{
	struct rfc2231_piece stack[8], *pieces = stack;
	size_t cap = sizeof(stack) / sizeof(stack[0]);
	struct buf scratch;
	long n;
	int r = -1;

	*params_r = NULL;
	mime_lex_skip_cfws(lx);
	if (need_semi && !mime_lex_at_end(lx) && mime_lex_peek(lx) != ';')
		*problems_r |= 1u << MIME_PROB_BAD_PARAM;
	buf_init(&scratch, MIME_PARAM_VALUE_MAX);
	n = mime_params_collect(a, lx, &pieces, stack, &cap, &scratch, problems_r);
	buf_release(&scratch);
	if (n >= 0)
		r = rfc2231_join(a, pieces, (size_t)n, params_r, problems_r);
	if (pieces != stack)
		free(pieces);
	return r;
}

int
mime_params_parse(struct arena *a, const char *value, size_t len,
    struct mime_param **params_r, uint32_t *problems_r)
{
	struct mime_lex lx;

	mime_lex_init(&lx, value, len);
	return mime_params_from(a, &lx, false, params_r, problems_r);
}

int
mime_content_type_parse(struct arena *a, const char *value, size_t len,
    const char **type_r, const char **subtype_r, struct mime_param **params_r,
    uint32_t *problems_r)
{
	struct mime_lex lx;
	const char *type, *sub, *ltype, *lsub;
	size_t tn, sn = 0;

	mime_lex_init(&lx, value, len);
	mime_lex_skip_cfws(&lx);
	tn = mime_lex_token(&lx, &type);
	mime_lex_skip_cfws(&lx);
	if (tn > 0 && mime_lex_accept(&lx, '/')) {
		mime_lex_skip_cfws(&lx);
		sn = mime_lex_token(&lx, &sub);
	}
	if (sn == 0) {
		*problems_r |= 1u << MIME_PROB_BAD_CONTENT_TYPE;
		return 0;
	}
	ltype = mime_header_lower_dup(a, type, tn);
	lsub = mime_header_lower_dup(a, sub, sn);
	if (ltype == NULL || lsub == NULL)
		return -1;
	*type_r = ltype;
	*subtype_r = lsub;
	return mime_params_from(a, &lx, true, params_r, problems_r);
}

int
mime_disposition_parse(struct arena *a, const char *value, size_t len,
    const char **disposition_r, struct mime_param **params_r, uint32_t *problems_r)
{
	struct mime_lex lx;
	const char *tok;
	size_t n;

	mime_lex_init(&lx, value, len);
	mime_lex_skip_cfws(&lx);
	n = mime_lex_token(&lx, &tok);
	if (n == 0) {
		*problems_r |= 1u << MIME_PROB_BAD_PARAM;
		return 0;
	}
	if ((*disposition_r = mime_header_lower_dup(a, tok, n)) == NULL)
		return -1;
	return mime_params_from(a, &lx, true, params_r, problems_r);
}

enum mime_cte
mime_cte_parse(struct arena *a, const char *value, size_t len, const char **name_r)
{
	static const struct {
		const char *name;
		enum mime_cte cte;
	} mechs[] = {
		{ "7bit", MIME_CTE_7BIT }, { "8bit", MIME_CTE_8BIT },
		{ "binary", MIME_CTE_BINARY }, { "quoted-printable", MIME_CTE_QP },
		{ "base64", MIME_CTE_BASE64 },
	};
	struct mime_lex lx;
	const char *tok;
	size_t n, i;

	mime_lex_init(&lx, value, len);
	mime_lex_skip_cfws(&lx);
	n = mime_lex_token(&lx, &tok);
	mime_lex_skip_cfws(&lx);
	*name_r = mime_header_lower_dup(a, tok, n);
	if (n == 0 || !mime_lex_at_end(&lx))
		return MIME_CTE_UNKNOWN;
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (strlen(mechs[i].name) == n && strncasecmp(mechs[i].name, tok, n) == 0)
			return mechs[i].cte;
	return MIME_CTE_UNKNOWN;
}
