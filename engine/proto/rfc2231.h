/* rfc2231.h: MIME parameter value continuations, charset and language.
 *
 * RFC 2231 §3 (name*0, name*1, ... joined in order), §4 (name*= with
 * charset'language'%XX), §4.1 (both combined, encoded and plain sections
 * mixed), §7 (the ABNF). The parameter list parser of mime_header.h
 * collects the pieces; this module decodes and joins them.
 */
#ifndef MAILSPEC_RFC2231_H
#define MAILSPEC_RFC2231_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mime.h"

struct arena;
struct buf;

/* Highest section number accepted (more are reported and ignored). */
#define RFC2231_SECTION_MAX 999

/* One parameter as written: name*<section>*=value. */
struct rfc2231_piece {
	const char *name;	/* lower-cased attribute without "*" and section */
	size_t name_len;
	long section;		/* -1: no section */
	bool is_extended;	/* trailing "*": value is %-encoded (charset'lang' in the first) */
	const char *value;	/* after quoted-string / token decoding */
	size_t value_len;
};

/* Split a name as written ("title*0*") into the piece's name, section and
 * is_extended. False (and a plain piece named name) when the suffix is
 * malformed: "*x", "*01", a section past RFC2231_SECTION_MAX. */
bool rfc2231_split_name(const char *name, size_t len, struct rfc2231_piece *piece_r);
/* Append the %XX-decoded value to out. Malformed "%" sequences are kept as
 * they are and set *is_bad_r. False when out is full. */
bool rfc2231_percent_decode(const char *value, size_t len, struct buf *out,
    bool *is_bad_r);
/* Join pieces[0..n) into a list of parameters in the order of their first
 * appearance: sections 0..k in order (a gap ends the value), then name*,
 * then name, whichever is present first in that order. Duplicates, gaps
 * and bad encodings set MIME_PROB_BAD_PARAM; values that are not
 * convertible to UTF-8 set MIME_PROB_PARAM_CHARSET (bytes kept).
 * 1: *params_r set; -1: arena full. */
int rfc2231_join(struct arena *a, const struct rfc2231_piece *pieces, size_t n,
    struct mime_param **params_r, uint32_t *problems_r);
/* Encoder for oracles: append "; name*0*=charset'lang'..." sections of at
 * most section_len encoded characters (0: one unsectioned name*=) to out.
 * False when out is full. */
bool rfc2231_encode_param(const char *name, const char *charset, const char *lang,
    const void *value, size_t len, size_t section_len, struct buf *out);

#endif
