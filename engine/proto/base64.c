/* base64.c: RFC 4648 §4 base64 encoding and strict decoding. */
#include "base64.h"

#include <stdbool.h>
#include <stdint.h>

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
base64_encoded_len(size_t len)
{
	return (len + 2) / 3 * 4;
}

size_t
base64_encode(const void *src, size_t len, char *dst)
{
	const unsigned char *p = src;
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		dst[o++] = b64_alphabet[v >> 18];
		dst[o++] = b64_alphabet[(v >> 12) & 63];
		dst[o++] = b64_alphabet[(v >> 6) & 63];
		dst[o++] = b64_alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		dst[o++] = b64_alphabet[v >> 18];
		dst[o++] = b64_alphabet[(v >> 12) & 63];
		dst[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		dst[o++] = '=';
	}
	return o;
}

#define B64_NONE -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1

const signed char base64_values[256] = {
	B64_NONE, B64_NONE,
	-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,	/* '+' '/' */
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,	/* '0'-'9' */
	-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,		/* 'A'- */
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,	/* -'Z' */
	-1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,	/* 'a'- */
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,	/* -'z' */
	B64_NONE, B64_NONE, B64_NONE, B64_NONE, B64_NONE, B64_NONE, B64_NONE, B64_NONE,
};

/* The value of one quantum's character k, padding allowed only at the
 * very end ("xx==" or "xxx="); -1 when invalid, -2 for padding. */
static int
base64_quantum_value(const char *q, int k, bool is_last)
{
	if (q[k] == '=' && is_last && (k == 3 || (k == 2 && q[3] == '=')))
		return -2;
	return base64_value((unsigned char)q[k]);
}

size_t
base64_decode(const char *src, size_t len, void *dst, size_t *bad_r)
{
	unsigned char *out = dst;
	size_t i, o = 0;

	if (len % 4 != 0) {
		if (bad_r != NULL)
			*bad_r = len;
		return (size_t)-1;
	}
	for (i = 0; i < len; i += 4) {
		int v[4], k, pad = 0;

		for (k = 0; k < 4; k++) {
			v[k] = base64_quantum_value(src + i, k, i + 4 == len);
			if (v[k] == -2) {
				v[k] = 0;
				pad++;
			} else if (v[k] < 0) {
				if (bad_r != NULL)
					*bad_r = i + (size_t)k;
				return (size_t)-1;
			}
		}
		out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	return o;
}
