/* rfc2047.h: MIME encoded words in header text ("=?charset?B?...?=").
 *
 * RFC 2047 §2 (syntax, 75 characters), §4.1 (B), §4.2 (Q: "_" is SP),
 * §5 (where encoded words may appear; separated from other text by white
 * space), §6.2 (white space between adjacent encoded words is ignored),
 * §8 (examples); RFC 2231 §5 (charset*language).
 *
 * The decoder turns a header value (unfolded) into UTF-8: text that is not
 * an encoded word is copied as it is; encoded words are decoded and
 * converted with mime_charset.h (us-ascii, utf-8, iso-8859-1; other
 * charsets keep their bytes and are reported). Runs of adjacent words in
 * the same charset are joined before conversion, so a character split
 * across two words comes out whole. Something that looks like an encoded
 * word but is malformed or glued to other text stays text (reported).
 * No allocation except through the struct buf given.
 */
#ifndef MAILSPEC_RFC2047_H
#define MAILSPEC_RFC2047_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

/* Flags for rfc2047_decode(). */
#define RFC2047_IN_COMMENT 0x1	/* text of a comment: "(" and ")" also delimit words (§5 (2)) */

/* Problems (rfc2047_result.problems). */
#define RFC2047_BAD_WORD	0x01	/* "=?" that is not a well-formed, delimited word: kept as text */
#define RFC2047_BAD_ENCODING	0x02	/* B: not clean base64; Q: invalid "=" or white space */
#define RFC2047_UNKNOWN_CHARSET	0x04	/* charset not converted: bytes kept */
#define RFC2047_BAD_TEXT	0x08	/* bytes invalid in their charset: kept */
#define RFC2047_LONG_WORD	0x10	/* an encoded word longer than 75 characters */
#define RFC2047_ADJACENT	0x20	/* two words not separated by white space (decoded) */

struct rfc2047_result {
	size_t nwords;		/* encoded words decoded */
	char charset[48];	/* of the first word, as written ("" if none; cut to fit) */
	char language[48];	/* RFC 2231 §5 language of the first word, "" if none */
	bool has_mixed_charsets; /* words in more than one charset */
	unsigned problems;	/* RFC2047_* */
};

/* Decode text[0..len) into out (appended, UTF-8 as far as the charsets
 * allow); res_r may be NULL. False only when out is full (out then holds a
 * prefix of the result). */
bool rfc2047_decode(const char *text, size_t len, unsigned flags, struct buf *out,
    struct rfc2047_result *res_r);
/* Encoder for oracles: text[0..len) as encoded words in charset with
 * encoding 'B' or 'Q', each at most 75 characters, separated by one SP,
 * never splitting a UTF-8 sequence when charset is utf-8. Empty text gives
 * nothing. False when out is full or the charset leaves no room. */
bool rfc2047_encode(const void *text, size_t len, const char *charset, char encoding,
    struct buf *out);
/* A fixed English message for one RFC2047_* bit. */
const char *rfc2047_problem_str(unsigned problem);

#endif
