/* base64.h: RFC 4648 §4 base64 (the alphabet of RFC 2045 §6.8).
 * Strict decoding for scenario data and SASL; the MIME decoder, which must
 * tolerate line breaks and junk (RFC 2045 §6.8), builds on base64_value(). */
#ifndef MAILSPEC_BASE64_H
#define MAILSPEC_BASE64_H

#include <stddef.h>

/* Bytes needed to encode len bytes (no NUL). */
size_t base64_encoded_len(size_t len);
/* Encode src into dst (base64_encoded_len(len) bytes); returns bytes written. */
size_t base64_encode(const void *src, size_t len, char *dst);
/* Decode strictly (padding required, no whitespace); dst holds len/4*3
 * bytes. Returns the decoded length, or (size_t)-1 on invalid input and
 * *bad_r (if not NULL) gets the offset of the first bad character. */
size_t base64_decode(const char *src, size_t len, void *dst, size_t *bad_r);
/* Values of the alphabet's bytes, -1 for every other byte. */
extern const signed char base64_values[256];

/* The 6-bit value of c, or -1 when c is not in the alphabet; inline so
 * the MIME decoder's per-byte loop costs one load. */
static inline int
base64_value(unsigned char c)
{
	return base64_values[c];
}

#endif
