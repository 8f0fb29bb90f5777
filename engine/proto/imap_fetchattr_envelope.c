/* imap_fetchattr_envelope.c: IMAP strings and the ENVELOPE structure.
 *
 * RFC 9051 §4.3 (string = quoted / literal; quoted strings hold no CR or
 * LF, "\" before DQUOTE and "\"; UTF-8 in quoted strings), §9 (envelope,
 * env-*, address, addr-*: nstring), §7.5.2 (ENVELOPE: field order, NIL
 * for absent date/subject/in-reply-to/message-id and "" for empty ones,
 * NIL for absent or empty address fields, sender and reply-to default to
 * from, group markers); RFC 3501 §4.3 and §7.4.2 (IMAP4rev1: quoted
 * strings are 7-bit, 8-bit text goes in literals); RFC 3516 §4.2
 * (literal8 for NUL); RFC 5322 §3.6 (the fields read).
 */
#include "imap_fetchattr.h"

#include <string.h>

#include "arena.h"
#include "buf.h"
#include "mime_addr.h"
#include "mime_charset.h"

/* Arena for the address lists of one envelope. */
#define IMAP_FETCHATTR_ADDR_ARENA ((size_t)16 << 20)

const char *
imap_fetchattr_error_str(enum imap_fetchattr_error err)
{
	switch (err) {
	case IMAP_FETCHATTR_OK: return "no error";
	case IMAP_FETCHATTR_NO_PART: return "no such body part";
	case IMAP_FETCHATTR_NOT_MESSAGE: return "part is not message/rfc822 or message/global";
	case IMAP_FETCHATTR_BAD_SECTION: return "invalid section for this fetch item";
	case IMAP_FETCHATTR_UNKNOWN_CTE: return "unknown Content-Transfer-Encoding";
	case IMAP_FETCHATTR_FULL: return "output too large";
	}
	return "unknown error";
}

/* Can s[0..len) go in a quoted string? */
static bool
imap_fetchattr_is_quotable(const char *s, size_t len, unsigned flags)
{
	bool has_8bit = false;
	size_t i;

	if (len > IMAP_FETCHATTR_QUOTED_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' || c == '\n' || c == '\0')
			return false;
		if (c >= 0x80)
			has_8bit = true;
	}
	if (!has_8bit)
		return true;
	return (flags & IMAP_FETCHATTR_UTF8) != 0 && mime_utf8_is_valid(s, len);
}

bool
imap_fetchattr_write_literal(struct buf *b, const void *data, size_t len, bool is_binary)
{
	bool is_literal8 = is_binary && len > 0 && memchr(data, '\0', len) != NULL;

	return buf_printf(b, "%s{%zu}\r\n", is_literal8 ? "~" : "", len) &&
	    buf_append(b, data, len);
}

bool
imap_fetchattr_write_nstring(struct buf *b, const char *s, size_t len, unsigned flags)
{
	size_t i, run = 0;

	if (s == NULL)
		return buf_puts(b, "NIL");
	if (!imap_fetchattr_is_quotable(s, len, flags))
		return imap_fetchattr_write_literal(b, s, len, false);
	if (!buf_putc(b, '"'))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] != '"' && s[i] != '\\')
			continue;
		if (!buf_append(b, s + run, i - run) || !buf_putc(b, '\\'))
			return false;
		run = i;
	}
	return buf_append(b, s + run, len - run) && buf_putc(b, '"');
}

/* A C string or NULL as an nstring. */
static bool
imap_fetchattr_write_cstr(struct buf *b, const char *s, unsigned flags)
{
	return imap_fetchattr_write_nstring(b, s, s != NULL ? strlen(s) : 0, flags);
}

/* env-date, env-subject, env-in-reply-to, env-message-id: the value, ""
 * when empty, NIL when the field is absent. */
static bool
imap_fetchattr_env_text(struct buf *b, const struct mime_part *msg, const char *name,
    unsigned flags)
{
	const struct mime_header_field *f = mime_part_field(msg, name);

	return imap_fetchattr_write_cstr(b, f != NULL ? f->value : NULL, flags);
}

/* One address structure: (name adl mailbox host). */
static bool
imap_fetchattr_address(struct buf *b, const struct mime_address *ad, unsigned flags)
{
	return buf_putc(b, '(') &&
	    imap_fetchattr_write_cstr(b, ad->name, flags) && buf_putc(b, ' ') &&
	    imap_fetchattr_write_cstr(b, ad->adl, flags) && buf_putc(b, ' ') &&
	    imap_fetchattr_write_cstr(b, ad->mailbox, flags) && buf_putc(b, ' ') &&
	    imap_fetchattr_write_cstr(b, ad->host, flags) && buf_putc(b, ')');
}

/* The address list of field name: 1 written, 0 absent or empty (nothing
 * written), -1 buffer full or out of memory. */
static int
imap_fetchattr_addr_list(struct buf *b, struct arena *a, const struct mime_part *msg,
    const char *name, unsigned flags)
{
	const struct mime_header_field *f = mime_part_field(msg, name);
	struct mime_address *list = NULL, *ad;
	int n;

	if (f == NULL)
		return 0;
	n = mime_addr_parse(a, f->value, strlen(f->value), &list, NULL);
	if (n < 0)
		return -1;
	if (n == 0)
		return 0;
	if (!buf_putc(b, '('))
		return -1;
	for (ad = list; ad != NULL; ad = ad->next)
		if (!imap_fetchattr_address(b, ad, flags))
			return -1;
	return buf_putc(b, ')') ? 1 : -1;
}

/* An address field, falling back to fallback (NULL: NIL) when it is
 * absent or empty (RFC 9051 §7.5.2: sender and reply-to from from). */
static bool
imap_fetchattr_env_addr(struct buf *b, struct arena *a, const struct mime_part *msg,
    const char *name, const char *fallback, unsigned flags)
{
	int r = imap_fetchattr_addr_list(b, a, msg, name, flags);

	if (r == 0 && fallback != NULL)
		r = imap_fetchattr_addr_list(b, a, msg, fallback, flags);
	if (r == 0)
		return buf_puts(b, "NIL");
	return r > 0;
}

static bool
imap_fetchattr_envelope_in(struct buf *b, struct arena *a, const struct mime_part *msg,
    unsigned flags)
{
	return buf_putc(b, '(') &&
	    imap_fetchattr_env_text(b, msg, "date", flags) && buf_putc(b, ' ') &&
	    imap_fetchattr_env_text(b, msg, "subject", flags) && buf_putc(b, ' ') &&
	    imap_fetchattr_env_addr(b, a, msg, "from", NULL, flags) && buf_putc(b, ' ') &&
	    imap_fetchattr_env_addr(b, a, msg, "sender", "from", flags) && buf_putc(b, ' ') &&
	    imap_fetchattr_env_addr(b, a, msg, "reply-to", "from", flags) && buf_putc(b, ' ') &&
	    imap_fetchattr_env_addr(b, a, msg, "to", NULL, flags) && buf_putc(b, ' ') &&
	    imap_fetchattr_env_addr(b, a, msg, "cc", NULL, flags) && buf_putc(b, ' ') &&
	    imap_fetchattr_env_addr(b, a, msg, "bcc", NULL, flags) && buf_putc(b, ' ') &&
	    imap_fetchattr_env_text(b, msg, "in-reply-to", flags) && buf_putc(b, ' ') &&
	    imap_fetchattr_env_text(b, msg, "message-id", flags) && buf_putc(b, ')');
}

bool
imap_fetchattr_envelope(struct buf *b, const struct mime_part *message, unsigned flags)
{
	struct arena *a = arena_new(IMAP_FETCHATTR_ADDR_ARENA);
	bool ok;

	if (a == NULL)
		return false;
	ok = imap_fetchattr_envelope_in(b, a, message, flags);
	arena_free(&a);
	return ok;
}
