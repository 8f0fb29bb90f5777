/* mime_charset.c: charset names and conversion to UTF-8.
 *
 * RFC 2046 §4.1.2 (charset parameter, case-insensitive names), RFC 3629
 * §3-4 (UTF-8 and its well-formedness), RFC 2047 §3 / RFC 2231 §4
 * (charsets of encoded text). ISO-8859-1 maps byte b to U+00b.
 */
#include "mime_charset.h"

#include <string.h>
#include <strings.h>

#include "buf.h"

static const struct {
	const char *name;
	enum mime_charset cs;
} charset_names[] = {
	{ "us-ascii", MIME_CHARSET_US_ASCII },
	{ "ascii", MIME_CHARSET_US_ASCII },
	{ "ansi_x3.4-1968", MIME_CHARSET_US_ASCII },
	{ "iso646-us", MIME_CHARSET_US_ASCII },
	{ "utf-8", MIME_CHARSET_UTF8 },
	{ "utf8", MIME_CHARSET_UTF8 },
	{ "iso-8859-1", MIME_CHARSET_LATIN1 },
	{ "iso_8859-1", MIME_CHARSET_LATIN1 },
	{ "iso8859-1", MIME_CHARSET_LATIN1 },
	{ "latin1", MIME_CHARSET_LATIN1 },
	{ "l1", MIME_CHARSET_LATIN1 },
};

enum mime_charset
mime_charset_lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(charset_names) / sizeof(charset_names[0]); i++) {
		const char *n = charset_names[i].name;

		if (strlen(n) == len && strncasecmp(n, name, len) == 0)
			return charset_names[i].cs;
	}
	return MIME_CHARSET_UNKNOWN;
}

size_t
mime_utf8_seq_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > len)
		return 0;
	/* RFC 3629 §4: the second byte's range excludes overlong forms,
	 * surrogates and code points above U+10FFFF */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

bool
mime_utf8_is_valid(const void *s, size_t len)
{
	const unsigned char *p = s;
	size_t i = 0;

	while (i < len) {
		size_t n = mime_utf8_seq_len(p + i, len - i);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

static bool
mime_charset_has_8bit(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] >= 0x80)
			return true;
	return false;
}

/* ISO-8859-1 to UTF-8: every byte is the code point of the same value. */
static int
mime_charset_latin1(const unsigned char *p, size_t len, struct buf *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		bool ok = p[i] < 0x80 ? buf_putc(out, (char)p[i]) :
		    buf_putc(out, (char)(0xc0 | p[i] >> 6)) &&
		    buf_putc(out, (char)(0x80 | (p[i] & 0x3f)));

		if (!ok)
			return -1;
	}
	return 1;
}

int
mime_charset_to_utf8(enum mime_charset cs, const void *in, size_t len, struct buf *out)
{
	const unsigned char *p = in;
	size_t save = out->len;
	int r = 1;

	if (!buf_puts(out, ""))
		return -1;
	switch (cs) {
	case MIME_CHARSET_LATIN1:
		r = mime_charset_latin1(p, len, out);
		break;
	case MIME_CHARSET_UTF8:
		r = mime_utf8_is_valid(p, len) ? 1 : 0;
		break;
	case MIME_CHARSET_US_ASCII:
		r = mime_charset_has_8bit(p, len) ? 0 : 1;
		break;
	case MIME_CHARSET_UNKNOWN:
		r = 0;
		break;
	}
	if (cs != MIME_CHARSET_LATIN1 && !buf_append(out, p, len))
		r = -1;
	if (r < 0) {
		out->len = save;
		out->data[save] = '\0';
	}
	return r;
}
