/* imap_name.c: IMAP mailbox names: the two encodings, what may be
 * created, INBOX, and LIST patterns.
 *
 * RFC 3501 §5.1.3 (IMAP4rev1: names are modified UTF-7: printable
 * US-ASCII but "&" stands for itself, "&-" is "&", other characters are
 * "&" modified-BASE64 of UTF-16 "-", with "," for "/"; a shift to
 * BASE64 for printable ASCII, a non-zero padding or an unterminated
 * shift is invalid), RFC 9051 §5.1 (IMAP4rev2: names are Net-Unicode
 * UTF-8; INBOX is case-insensitive; servers MAY refuse names with
 * control characters, and a name with "%" or "*" is hard to LIST), §5.1.1
 * (one hierarchy delimiter, here "/"), §6.3.9 (LIST wildcards: "*"
 * matches anything, "%" anything but the delimiter).
 *
 * The store keeps names in UTF-8; sessions convert at the edge. Names
 * with empty levels ("a//b", "/a"), wildcards or control characters are
 * refused at creation, so every stored name can be sent as a quoted
 * string. (NFC normalisation of RFC 9051 §5.1 is not done: names are
 * kept as the client sent them.)
 */
#include <string.h>
#include <strings.h>

#include "imap_private.h"

#define IMAP_PATTERN_MAX	512	/* longer LIST patterns match nothing */

static const char imap_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int
imap_b64_value(char c)
{
	const char *p = strchr(imap_b64, c);

	return c != '\0' && p != NULL ? (int)(p - imap_b64) : -1;
}

/* Append code point cp as UTF-8; false when out is full. */
static bool
imap_put_utf8(char *out, size_t outlen, size_t *o, unsigned long cp)
{
	unsigned char b[4];
	size_t n, i;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (*o + n >= outlen)
		return false;
	for (i = 0; i < n; i++)
		out[(*o)++] = (char)b[i];
	return true;
}

/* One UTF-16 unit of a shifted run; *hi holds a pending high surrogate. */
static bool
imap_utf7_unit(unsigned u, unsigned *hi, char *out, size_t outlen, size_t *o)
{
	if (*hi != 0) {
		if (u < 0xdc00 || u > 0xdfff)
			return false;
		u = 0x10000 + ((*hi - 0xd800) << 10) + (u - 0xdc00);
		*hi = 0;
		return imap_put_utf8(out, outlen, o, u);
	}
	if (u >= 0xd800 && u <= 0xdbff) {
		*hi = u;
		return true;
	}
	if ((u >= 0xdc00 && u <= 0xdfff) || (u >= 0x20 && u <= 0x7e))
		return false;	/* printable ASCII must not be shifted */
	return imap_put_utf8(out, outlen, o, u);
}

/* The shifted run starting after "&" at in[*i]; *i ends after its "-". */
static bool
imap_utf7_run(const char *in, size_t len, size_t *i, char *out, size_t outlen,
    size_t *o)
{
	unsigned long bits = 0;
	unsigned nbits = 0, hi = 0, units = 0;
	int v;

	for (; *i < len && in[*i] != '-'; (*i)++) {
		if ((v = imap_b64_value(in[*i])) < 0)
			return false;
		bits = ((bits << 6) | (unsigned)v) & 0xffffff;
		nbits += 6;
		if (nbits >= 16) {
			nbits -= 16;
			units++;
			if (!imap_utf7_unit((unsigned)(bits >> nbits) & 0xffff, &hi,
			    out, outlen, o))
				return false;
		}
	}
	if (*i == len || units == 0 || hi != 0 || nbits >= 6 ||
	    (bits & ((1ul << nbits) - 1)) != 0)
		return false;
	(*i)++;
	return true;
}

int
imap_name_utf7_decode(const char *in, size_t len, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	if (outlen == 0)
		return -1;
	while (i < len) {
		unsigned char c = (unsigned char)in[i];

		if (c < 0x20 || c > 0x7e)
			return -1;
		if (c != '&') {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = (char)c;
			i++;
		} else if (i + 1 < len && in[i + 1] == '-') {
			if (o + 1 >= outlen)
				return -1;
			out[o++] = '&';
			i += 2;
		} else {
			i++;
			if (!imap_utf7_run(in, len, &i, out, outlen, &o))
				return -1;
		}
	}
	out[o] = '\0';
	return 0;
}

/* The code point of the UTF-8 sequence at s[*i], or -1 if invalid. */
static long
imap_utf8_next(const unsigned char *s, size_t *i)
{
	unsigned long cp;
	size_t n, k;
	unsigned char c = s[*i];

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		cp = c & 0x07;
	} else
		return -1;
	for (k = 1; k <= n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return -1;	/* a NUL stops here too */
		cp = (cp << 6) | (s[*i + k] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return -1;	/* overlong, out of range, surrogate */
	*i += n + 1;
	return (long)cp;
}

/* Append one character of the encoded name; false when out is full. */
static bool
imap_utf7_put(char *out, size_t outlen, size_t *o, char c)
{
	if (*o + 1 >= outlen)
		return false;
	out[(*o)++] = c;
	return true;
}

/* Shift the run of non-printable characters at s[*i] into BASE64. */
static bool
imap_utf7_encode_run(const unsigned char *s, size_t *i, char *out, size_t outlen,
    size_t *o)
{
	unsigned long bits = 0;
	unsigned nbits = 0, u[2], k, nu;
	long cp;

	if (!imap_utf7_put(out, outlen, o, '&'))
		return false;
	while (s[*i] != '\0' && (s[*i] < 0x20 || s[*i] > 0x7e)) {
		if ((cp = imap_utf8_next(s, i)) < 0)
			return false;
		nu = 1;
		u[0] = (unsigned)cp;
		if (cp >= 0x10000) {
			u[0] = 0xd800 + (unsigned)((cp - 0x10000) >> 10);
			u[1] = 0xdc00 + (unsigned)((cp - 0x10000) & 0x3ff);
			nu = 2;
		}
		for (k = 0; k < nu; k++) {
			bits = (bits << 16) | u[k];
			nbits += 16;
			while (nbits >= 6) {
				nbits -= 6;
				if (!imap_utf7_put(out, outlen, o, imap_b64[(bits >> nbits) & 0x3f]))
					return false;
			}
		}
	}
	if (nbits > 0 && !imap_utf7_put(out, outlen, o, imap_b64[(bits << (6 - nbits)) & 0x3f]))
		return false;
	return imap_utf7_put(out, outlen, o, '-');
}

int
imap_name_utf7_encode(const char *in, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;

	if (outlen == 0)
		return -1;
	while (s[i] != '\0') {
		if (s[i] == '&') {
			if (!imap_utf7_put(out, outlen, &o, '&') ||
			    !imap_utf7_put(out, outlen, &o, '-'))
				return -1;
			i++;
		} else if (s[i] >= 0x20 && s[i] <= 0x7e) {
			if (!imap_utf7_put(out, outlen, &o, (char)s[i]))
				return -1;
			i++;
		} else if (!imap_utf7_encode_run(s, &i, out, outlen, &o))
			return -1;
	}
	out[o] = '\0';
	return 0;
}

const char *
imap_name_check(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t i = 0, len = strlen(name);
	long cp;

	if (len == 0)
		return "Empty mailbox name";
	if (len > STORE_MAILBOX_MAX)
		return "Mailbox name too long";
	if (name[0] == IMAP_DELIM || name[len - 1] == IMAP_DELIM ||
	    strstr(name, "//") != NULL)
		return "Empty hierarchy level in mailbox name";
	if (strpbrk(name, "%*") != NULL)
		return "Wildcards are not allowed in mailbox names";
	while (s[i] != '\0') {
		if ((cp = imap_utf8_next(s, &i)) < 0)
			return "Mailbox name is not valid UTF-8";
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return "Control characters are not allowed in mailbox names";
	}
	return NULL;
}

void
imap_name_canonical(char *name)
{
	if (strncasecmp(name, STORE_INBOX, 5) == 0 &&
	    (name[5] == '\0' || name[5] == IMAP_DELIM))
		memcpy(name, STORE_INBOX, 5);
}

bool
imap_name_match(const char *pattern, const char *name)
{
	bool cur[STORE_MAILBOX_MAX + 2], next[STORE_MAILBOX_MAX + 2];
	size_t pl = strlen(pattern), nl = strlen(name), i, j;

	if (pl > IMAP_PATTERN_MAX || nl > STORE_MAILBOX_MAX)
		return false;
	/* cur[j]: pattern[0..i) matches name[0..j) */
	memset(cur, 0, sizeof(cur));
	cur[0] = true;
	for (i = 0; i < pl; i++) {
		char c = pattern[i];

		next[0] = c == '*' || c == '%' ? cur[0] : false;
		for (j = 1; j <= nl; j++) {
			if (c == '*')
				next[j] = cur[j] || next[j - 1];
			else if (c == '%')
				next[j] = cur[j] || (next[j - 1] && name[j - 1] != IMAP_DELIM);
			else
				next[j] = cur[j - 1] && name[j - 1] == c;
		}
		memcpy(cur, next, (nl + 1) * sizeof(cur[0]));
	}
	return cur[nl];
}
