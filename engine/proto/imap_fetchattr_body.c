/* imap_fetchattr_body.c: BODYSTRUCTURE and BODY.
 *
 * RFC 9051 §7.5.2 (BODYSTRUCTURE: basic fields, text lines, the envelope,
 * body and lines of message/rfc822 and message/global, extension data in
 * the defined order; BODY without extension data; body parameters with
 * RFC 2231 continuations joined and "foo*" values converted to UTF-8),
 * §9 (body, body-type-1part, body-type-basic, body-type-msg,
 * body-type-text, body-fields, body-ext-1part, body-type-mpart: 1*body
 * with no SP between, body-ext-mpart, body-fld-dsp, body-fld-lang: one
 * string or a list, body-fld-param: NIL when empty); RFC 3501 §7.4.2 and
 * §9 (IMAP4rev1); RFC 2045 §5.2 (text/plain; charset=us-ascii default),
 * RFC 2046 §4.5.1 (application/octet-stream for what cannot be read),
 * RFC 2231 §4 (charset'language'%XX), RFC 3282 §2 (Content-Language: a
 * list of language tags, CFWS allowed).
 */
#include "imap_fetchattr.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "mime_charset.h"

/* s in upper case as an IMAP string. */
static bool
imap_fetchattr_write_upper(struct buf *b, const char *s, unsigned flags)
{
	char tmp[256];
	size_t i, len = strlen(s);

	if (len >= sizeof(tmp))
		return imap_fetchattr_write_nstring(b, s, len, flags);
	for (i = 0; i < len; i++)
		tmp[i] = (char)toupper((unsigned char)s[i]);
	return imap_fetchattr_write_nstring(b, tmp, len, flags);
}

/* Was the value of an extended parameter converted to UTF-8 (RFC 2231
 * charset known to mime_charset.h, bytes valid)? */
static bool
imap_fetchattr_param_is_utf8(const struct mime_param *prm)
{
	return mime_charset_lookup(prm->charset, strlen(prm->charset)) != MIME_CHARSET_UNKNOWN &&
	    mime_utf8_is_valid(prm->value, prm->value_len);
}

/* The bytes of an extended parameter in its own charset: the parser
 * converted iso-8859-1 to UTF-8, so convert it back (every code point is
 * below U+0100); other values are kept as they are. */
static bool
imap_fetchattr_param_bytes(const struct mime_param *prm, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)prm->value;
	size_t i = 0, n;

	if (mime_charset_lookup(prm->charset, strlen(prm->charset)) != MIME_CHARSET_LATIN1 ||
	    !mime_utf8_is_valid(prm->value, prm->value_len))
		return buf_append(out, prm->value, prm->value_len);
	for (; i < prm->value_len; i += n) {
		n = mime_utf8_seq_len(s + i, prm->value_len - i);
		if (n == 2 && s[i] <= 0xC3) {
			if (!buf_putc(out, (char)(((s[i] & 0x03) << 6) | (s[i + 1] & 0x3F))))
				return false;
		} else if (!buf_append(out, s + i, n)) {
			return false;
		}
	}
	return true;
}

/* RFC 2231 §4 form: charset'language'value with %XX for what is not an
 * attribute-char, in the charset the message gave. */
static bool
imap_fetchattr_param_2231(struct buf *b, const struct mime_param *prm, unsigned flags)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf raw, v;
	size_t i;
	bool ok;

	buf_init(&raw, (size_t)4 << 20);
	buf_init(&v, (size_t)12 << 20);
	ok = imap_fetchattr_param_bytes(prm, &raw) &&
	    buf_printf(&v, "%s'%s'", prm->charset, prm->language);
	for (i = 0; ok && i < raw.len; i++) {
		unsigned char c = (unsigned char)raw.data[i];

		if (c > ' ' && c < 0x7f && strchr("*'%()<>@,;:\\\"/[]?=", c) == NULL)
			ok = buf_putc(&v, (char)c);
		else
			ok = buf_putc(&v, '%') && buf_putc(&v, hex[c >> 4]) &&
			    buf_putc(&v, hex[c & 15]);
	}
	ok = ok && imap_fetchattr_write_nstring(b, v.data, v.len, flags);
	buf_release(&raw);
	buf_release(&v);
	return ok;
}

/* One attribute/value pair. */
static bool
imap_fetchattr_param(struct buf *b, const struct mime_param *prm, unsigned flags)
{
	char name[260];

	if (!prm->is_extended)
		return imap_fetchattr_write_upper(b, prm->name, flags) && buf_putc(b, ' ') &&
		    imap_fetchattr_write_nstring(b, prm->value, prm->value_len, flags);
	if (snprintf(name, sizeof(name), "%s*", prm->name) >= (int)sizeof(name))
		return false;
	if (!imap_fetchattr_write_upper(b, name, flags) || !buf_putc(b, ' '))
		return false;
	if ((flags & IMAP_FETCHATTR_UTF8) != 0 && imap_fetchattr_param_is_utf8(prm))
		return imap_fetchattr_write_nstring(b, prm->value, prm->value_len, flags);
	return imap_fetchattr_param_2231(b, prm, flags);
}

/* body-fld-param: NIL or ("ATTR" "value" ...); is_text: a text type
 * without charset gets "CHARSET" "US-ASCII" (RFC 2046 §4.1.2). */
static bool
imap_fetchattr_params(struct buf *b, const struct mime_param *list, bool is_text,
    unsigned flags)
{
	const struct mime_param *prm;
	bool add_charset = is_text && mime_param_find(list, "charset") == NULL;

	if (list == NULL && !add_charset)
		return buf_puts(b, "NIL");
	if (!buf_putc(b, '('))
		return false;
	for (prm = list; prm != NULL; prm = prm->next) {
		if (prm != list && !buf_putc(b, ' '))
			return false;
		if (!imap_fetchattr_param(b, prm, flags))
			return false;
	}
	if (add_charset && !buf_puts(b, list != NULL ? " \"CHARSET\" \"US-ASCII\"" :
	    "\"CHARSET\" \"US-ASCII\""))
		return false;
	return buf_putc(b, ')');
}

/* body-fld-dsp: NIL or ("TYPE" params). */
static bool
imap_fetchattr_disposition(struct buf *b, const struct mime_part *part, unsigned flags)
{
	if (part->disposition == NULL)
		return buf_puts(b, "NIL");
	return buf_putc(b, '(') && imap_fetchattr_write_upper(b, part->disposition, flags) &&
	    buf_putc(b, ' ') && imap_fetchattr_params(b, part->disposition_params, false, flags) &&
	    buf_putc(b, ')');
}

/* The next language tag of Content-Language at *sp (RFC 3282: tags
 * separated by ",", CFWS around them); false at the end. */
static bool
imap_fetchattr_next_tag(const char **sp, const char **tag_r, size_t *len_r)
{
	const char *s = *sp;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (*s != '(')
			break;
		for (int depth = 0; *s != '\0'; s++) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			else if (*s == '(')
				depth++;
			else if (*s == ')' && --depth == 0) {
				s++;
				break;
			}
		}
	}
	*tag_r = s;
	while (*s != '\0' && strchr(" \t,()", *s) == NULL)
		s++;
	*len_r = (size_t)(s - *tag_r);
	*sp = s;
	return *len_r > 0;
}

/* body-fld-lang: NIL, "tag" or ("tag" "tag" ...). */
static bool
imap_fetchattr_language(struct buf *b, const char *value, unsigned flags)
{
	const char *s = value, *tag;
	size_t len, n = 0;
	struct buf tags;
	bool ok = true;

	if (value == NULL)
		return buf_puts(b, "NIL");
	buf_init(&tags, (size_t)1 << 20);
	while (ok && imap_fetchattr_next_tag(&s, &tag, &len)) {
		ok = (n == 0 || buf_putc(&tags, ' ')) &&
		    imap_fetchattr_write_nstring(&tags, tag, len, flags);
		n++;
	}
	if (ok && n == 0)
		ok = buf_puts(b, "NIL");
	else if (ok && n == 1)
		ok = buf_append(b, tags.data, tags.len);
	else if (ok)
		ok = buf_putc(b, '(') && buf_append(b, tags.data, tags.len) && buf_putc(b, ')');
	buf_release(&tags);
	return ok;
}

/* body-fld-md5 and the rest of the extension data: dsp lang loc. */
static bool
imap_fetchattr_ext_tail(struct buf *b, const struct mime_part *part, unsigned flags)
{
	return buf_putc(b, ' ') && imap_fetchattr_disposition(b, part, flags) &&
	    buf_putc(b, ' ') && imap_fetchattr_language(b, part->language, flags) &&
	    buf_putc(b, ' ') && imap_fetchattr_write_nstring(b, part->location,
	    part->location != NULL ? strlen(part->location) : 0, flags);
}

static bool imap_fetchattr_part(struct buf *b, const struct mime_part *part,
    bool is_ext, unsigned flags);

/* body-type-mpart. */
static bool
imap_fetchattr_multipart(struct buf *b, const struct mime_part *part, bool is_ext,
    unsigned flags)
{
	const struct mime_part *c;

	if (!buf_putc(b, '('))
		return false;
	if (part->children == NULL && !buf_puts(b, is_ext ?
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0 NIL NIL NIL NIL)" :
	    "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 0 0)"))
		return false;
	for (c = part->children; c != NULL; c = c->next)
		if (!imap_fetchattr_part(b, c, is_ext, flags))
			return false;
	if (!buf_putc(b, ' ') || !imap_fetchattr_write_upper(b, part->subtype, flags))
		return false;
	if (is_ext && (!buf_putc(b, ' ') ||
	    !imap_fetchattr_params(b, part->type_params, false, flags) ||
	    !imap_fetchattr_ext_tail(b, part, flags)))
		return false;
	return buf_putc(b, ')');
}

/* body-fields after the media type: params id description encoding size. */
static bool
imap_fetchattr_fields(struct buf *b, const struct mime_part *part, bool is_text,
    unsigned flags)
{
	const struct mime_param *params = part->type_params;

	if (!buf_putc(b, ' '))
		return false;
	if (!part->has_content_type && params != NULL && params->next == NULL &&
	    strcmp(params->name, "charset") == 0) {
		if (!buf_puts(b, "(\"CHARSET\" \"US-ASCII\")"))
			return false;
	} else if (!imap_fetchattr_params(b, params, is_text, flags)) {
		return false;
	}
	return buf_putc(b, ' ') && imap_fetchattr_write_nstring(b, part->content_id,
	    part->content_id != NULL ? strlen(part->content_id) : 0, flags) &&
	    buf_putc(b, ' ') && imap_fetchattr_write_nstring(b, part->description,
	    part->description != NULL ? strlen(part->description) : 0, flags) &&
	    buf_putc(b, ' ') && imap_fetchattr_write_upper(b, part->cte_name, flags) &&
	    buf_printf(b, " %zu", part->body_size);
}

/* Is part a message/rfc822 or message/global the parser did not open? */
static bool
imap_fetchattr_is_opaque_composite(const struct mime_part *part)
{
	bool is_message = strcmp(part->type, "message") == 0 &&
	    (strcmp(part->subtype, "rfc822") == 0 || strcmp(part->subtype, "global") == 0);

	return part->kind == MIME_PART_LEAF &&
	    (is_message || strcmp(part->type, "multipart") == 0);
}

/* body-type-1part: basic, text or msg, then extension data. message/global
 * is body-type-msg in IMAP4rev2 only (RFC 9051 §9 media-message; RFC 3501
 * has "RFC822" alone). */
static bool
imap_fetchattr_single(struct buf *b, const struct mime_part *part, bool is_ext,
    unsigned flags)
{
	bool is_opaque = imap_fetchattr_is_opaque_composite(part);
	bool is_text = !is_opaque && strcmp(part->type, "text") == 0;
	bool is_msg = part->kind == MIME_PART_MESSAGE &&
	    (strcmp(part->subtype, "global") != 0 || (flags & IMAP_FETCHATTR_REV2) != 0);
	bool ok = buf_putc(b, '(');

	if (is_opaque)
		ok = ok && buf_puts(b, "\"APPLICATION\" \"OCTET-STREAM\"");
	else
		ok = ok && imap_fetchattr_write_upper(b, part->type, flags) && buf_putc(b, ' ') &&
		    imap_fetchattr_write_upper(b, part->subtype, flags);
	ok = ok && imap_fetchattr_fields(b, part, is_text, flags);
	if (ok && is_msg)
		ok = buf_putc(b, ' ') && imap_fetchattr_envelope(b, part->children, flags) &&
		    buf_putc(b, ' ') && imap_fetchattr_part(b, part->children, is_ext, flags) &&
		    buf_printf(b, " %zu", part->body_lines);
	else if (ok && is_text)
		ok = buf_printf(b, " %zu", part->body_lines);
	if (ok && is_ext)
		ok = buf_putc(b, ' ') && imap_fetchattr_write_nstring(b, part->md5,
		    part->md5 != NULL ? strlen(part->md5) : 0, flags) &&
		    imap_fetchattr_ext_tail(b, part, flags);
	return ok && buf_putc(b, ')');
}

static bool
imap_fetchattr_part(struct buf *b, const struct mime_part *part, bool is_ext,
    unsigned flags)
{
	if (part->kind == MIME_PART_MULTIPART)
		return imap_fetchattr_multipart(b, part, is_ext, flags);
	return imap_fetchattr_single(b, part, is_ext, flags);
}

bool
imap_fetchattr_bodystructure(struct buf *b, const struct mime_part *message, unsigned flags)
{
	return imap_fetchattr_part(b, message, true, flags);
}

bool
imap_fetchattr_body(struct buf *b, const struct mime_part *message, unsigned flags)
{
	return imap_fetchattr_part(b, message, false, flags);
}
