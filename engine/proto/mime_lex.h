/* mime_lex.h: the lexical tokens of structured header fields.
 *
 * RFC 5322 §3.2 (quoted-pair, FWS, comments with nesting, atoms,
 * quoted strings), §3.4.1 (domain literals), §4.1-4.4 (the obsolete forms:
 * CFWS almost anywhere, CR and LF inside folding) and RFC 2045 §5.1
 * (tokens and tspecials). Used by the Content-Type, address and date
 * parsers; none of them allocates except through the struct buf the
 * caller passes.
 *
 * Contract: a cursor over s[0..len); nothing reads before s or at or past
 * s + len. Functions that read a token return its length (0: none here,
 * cursor unchanged). Unterminated comments, quoted strings and domain
 * literals run to the end of the input and set has_error.
 */
#ifndef MAILSPEC_MIME_LEX_H
#define MAILSPEC_MIME_LEX_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

struct mime_lex {
	const char *s;
	size_t len;
	size_t pos;
	bool has_error;		/* something unterminated was skipped */
	/* the last comment skipped by mime_lex_skip_cfws(): its text
	 * without the outer parentheses, as written (len 0: none) */
	size_t comment_off;
	size_t comment_len;
};

/* Start a cursor at s[0]. */
void mime_lex_init(struct mime_lex *lx, const char *s, size_t len);
/* The byte at the cursor, or -1 at the end. Inline, as the next one:
 * parameter and address loops ask at every byte. */
static inline int
mime_lex_peek(const struct mime_lex *lx)
{
	return lx->pos < lx->len ? (unsigned char)lx->s[lx->pos] : -1;
}

/* True at the end of the input. */
static inline bool
mime_lex_at_end(const struct mime_lex *lx)
{
	return lx->pos >= lx->len;
}

/* Skip white space (SP, HTAB, CR, LF) and comments; returns true when
 * anything was skipped. Records the last comment in comment_off/len. */
bool mime_lex_skip_cfws(struct mime_lex *lx);
/* Consume byte c if it is at the cursor. */
bool mime_lex_accept(struct mime_lex *lx, char c);
/* An RFC 5322 atom (1*atext); *atom_r points into the input. */
size_t mime_lex_atom(struct mime_lex *lx, const char **atom_r);
/* An RFC 2045 token (1*<CHAR except SP, CTLs, tspecials>). */
size_t mime_lex_token(struct mime_lex *lx, const char **token_r);
/* A quoted string at the cursor: appends its content (quoted-pairs
 * resolved, CR and LF of folding dropped) to out. False when the cursor
 * is not at '"' or out is full (cursor then unchanged). */
bool mime_lex_quoted(struct mime_lex *lx, struct buf *out);
/* A domain literal "[...]" at the cursor, appended with its brackets
 * (quoted-pairs resolved, white space dropped). False as above. */
bool mime_lex_domain_literal(struct mime_lex *lx, struct buf *out);

/* Character classes. */
bool mime_lex_is_atext(unsigned char c);
bool mime_lex_is_tspecial(unsigned char c);
bool mime_lex_is_wsp(unsigned char c);
/* Lower-case the ASCII letters of s[0..len) in place, as tolower() in
 * the C locale, without a call per byte. */
void mime_lex_lower(char *s, size_t len);

#endif
