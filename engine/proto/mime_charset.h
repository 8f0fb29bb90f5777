/* mime_charset.h: the few charsets mailspec converts to UTF-8.
 *
 * RFC 2046 §4.1.2 (charset names are case-insensitive), RFC 2047 §3 and
 * RFC 2231 §4 (charsets of encoded words and parameter values). Only
 * us-ascii, utf-8 and iso-8859-1 are converted; text in any other charset
 * is kept as bytes and reported, never guessed at.
 */
#ifndef MAILSPEC_MIME_CHARSET_H
#define MAILSPEC_MIME_CHARSET_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

enum mime_charset {
	MIME_CHARSET_UNKNOWN = 0,
	MIME_CHARSET_US_ASCII,	/* us-ascii, ascii, ansi_x3.4-1968, iso646-us */
	MIME_CHARSET_UTF8,	/* utf-8, utf8 */
	MIME_CHARSET_LATIN1,	/* iso-8859-1, iso_8859-1, latin1, l1 */
};

/* The charset named name[0..len) (case-insensitive), UNKNOWN if none. */
enum mime_charset mime_charset_lookup(const char *name, size_t len);
/* Append in[0..len), text in charset cs, to out as UTF-8.
 * 1: converted exactly. 0: appended unchanged because cs is unknown or
 * the bytes are invalid in cs (8-bit in us-ascii, malformed UTF-8).
 * -1: out reached its maximum (out keeps what fitted before the call). */
int mime_charset_to_utf8(enum mime_charset cs, const void *in, size_t len,
    struct buf *out);
/* True when s[0..len) is well-formed UTF-8 (RFC 3629 §4: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
bool mime_utf8_is_valid(const void *s, size_t len);
/* Length of the UTF-8 sequence that starts at s[0] within len bytes
 * (1..4), or 0 when it is malformed or cut off. */
size_t mime_utf8_seq_len(const unsigned char *s, size_t len);

#endif
