/* imap_fetch_items.c: one FETCH data item of one message, and the
 * literals that carry message text.
 *
 * RFC 9051 §7.5.2 (FETCH response items: UID, FLAGS, INTERNALDATE,
 * RFC822.SIZE, ENVELOPE, BODYSTRUCTURE, BODY, BODY[section]<origin>:
 * "<origin>" only when the command had a partial; BINARY[section]<origin>
 * and BINARY.SIZE[section]), §6.4.5 (partial: an origin past the end
 * gives an empty string; a count past the end is truncated), §6.4.5.1
 * (sections: part numbers, HEADER, HEADER.FIELDS[.NOT], TEXT, MIME), §4.3
 * (a literal is "{n}" CRLF and n octets), §9 (nstring: a part that does
 * not exist is NIL); RFC 3516 §4.3-§4.4 (BINARY is a literal8 "~{n}" when
 * the decoded octets hold NUL), RFC 3501 §7.4.2 (RFC822, RFC822.HEADER,
 * RFC822.TEXT for IMAP4rev1).
 *
 * The structures (ENVELOPE, BODYSTRUCTURE, BODY) and the section octets
 * come from engine/proto/imap_fetchattr.h; this file only places them in
 * the response. Section octets are sent straight from the mapped message
 * (or from f->value for computed ones) in IMAP_FETCH_CHUNK pieces.
 */
#include <stdio.h>
#include <string.h>

#include "imap_fetch.h"
#include "imap_fetchattr.h"

#define IMAP_FETCH_CHUNK	(64 * 1024)	/* literal octets queued at once */
#define IMAP_FETCH_VALUE_SLACK	4096

bool
imap_fetch_flush(struct imap_session *s, struct imap_fetch *f)
{
	if (f->line.len > 0 && !io_write(s->io, f->line.data, f->line.len))
		f->has_failed = true;
	buf_clear(&f->line);
	return !f->has_failed;
}

void
imap_fetch_literal_step(struct imap_session *s, struct imap_fetch *f)
{
	size_t n = f->litlen - f->litpos;

	if (!imap_fetch_flush(s, f))
		return;
	if (n > IMAP_FETCH_CHUNK)
		n = IMAP_FETCH_CHUNK;
	if (n > 0 && !io_write(s->io, f->lit + f->litpos, n)) {
		f->has_failed = true;
		return;
	}
	f->litpos += n;
	if (f->litpos == f->litlen)
		f->lit = NULL;
}

/* The value data[0..len): "" when empty, else a literal ("~{n}" for
 * binary data holding NUL) queued by imap_fetch_literal_step(). */
static void
imap_fetch_literal(struct imap_fetch *f, const char *data, size_t len, bool is_binary)
{
	if (len == 0) {
		buf_puts(&f->line, "\"\"");
		return;
	}
	buf_printf(&f->line, "%s{%zu}\r\n",
	    is_binary && memchr(data, '\0', len) != NULL ? "~" : "", len);
	f->lit = data;
	f->litlen = len;
	f->litpos = 0;
}

static unsigned
imap_fetch_attr_flags(const struct imap_session *s)
{
	return s->is_rev2 ? IMAP_FETCHATTR_UTF8 : 0;
}

/* ENVELOPE, BODYSTRUCTURE, BODY. */
static void
imap_fetch_structure(struct imap_session *s, struct imap_fetch *f,
    enum imap_fetch_kind kind)
{
	const struct mime_part *root = imap_msgdata_tree(&f->md);
	unsigned fl = imap_fetch_attr_flags(s);
	bool is_ok;

	if (kind == IMAP_FI_ENVELOPE)
		buf_puts(&f->line, "ENVELOPE ");
	else
		buf_puts(&f->line, kind == IMAP_FI_BODY ? "BODY " : "BODYSTRUCTURE ");
	if (root == NULL)
		is_ok = false;
	else if (kind == IMAP_FI_ENVELOPE)
		is_ok = imap_fetchattr_envelope(&f->line, root, fl);
	else if (kind == IMAP_FI_BODY)
		is_ok = imap_fetchattr_body(&f->line, root, fl);
	else
		is_ok = imap_fetchattr_bodystructure(&f->line, root, fl);
	if (!is_ok)
		f->has_failed = true;	/* the response cannot be completed */
}

/* Make room in f->value for a computed value of the open message. */
static void
imap_fetch_value_reset(struct imap_fetch *f)
{
	buf_clear(&f->value);
	f->value.max = f->md.len + IMAP_FETCH_VALUE_SLACK;
}

/* BODY[section]<partial>, RFC822, RFC822.HEADER, RFC822.TEXT. */
static void
imap_fetch_section(struct imap_fetch *f, const struct imap_fetch_item *it)
{
	const struct imap_section *sec = imap_fetch_item_sec(it);
	const struct mime_part *root = imap_msgdata_tree(&f->md);
	enum imap_fetchattr_error err = IMAP_FETCHATTR_NO_PART;
	const char *base = f->md.data;
	size_t off = 0, size = 0, poff, psize;

	buf_printf(&f->line, "%s ", it->label);
	if (root != NULL && sec->fields != NULL) {
		imap_fetch_value_reset(f);
		err = imap_fetchattr_body_section(&f->value, root, f->md.data, f->md.len, sec);
		base = f->value.data;
		size = f->value.len;
	} else if (root != NULL)
		err = imap_fetchattr_section_range(root, f->md.len, sec, &off, &size);
	if (err == IMAP_FETCHATTR_FULL)
		f->has_failed = true;
	if (err != IMAP_FETCHATTR_OK) {
		buf_puts(&f->line, "NIL");
		return;
	}
	imap_fetchattr_partial(sec, size, &poff, &psize);
	/* an empty value may have no buffer at all (NULL + 0 is UB) */
	imap_fetch_literal(f, psize > 0 ? base + off + poff : "", psize, false);
}

/* BINARY[section]<partial>, BINARY.PEEK. */
static void
imap_fetch_binary(struct imap_fetch *f, const struct imap_fetch_item *it)
{
	const struct mime_part *root = imap_msgdata_tree(&f->md);
	enum imap_fetchattr_error err = IMAP_FETCHATTR_NO_PART;
	size_t poff, psize;

	buf_printf(&f->line, "%s ", it->label);
	imap_fetch_value_reset(f);
	if (root != NULL)
		err = imap_fetchattr_binary(&f->value, root, f->md.data, f->md.len, it->sec);
	if (err == IMAP_FETCHATTR_UNKNOWN_CTE)
		f->has_unknown_cte = true;
	else if (err == IMAP_FETCHATTR_FULL)
		f->has_failed = true;
	if (err != IMAP_FETCHATTR_OK) {
		buf_puts(&f->line, "NIL");
		return;
	}
	imap_fetchattr_partial(it->sec, f->value.len, &poff, &psize);
	imap_fetch_literal(f, psize > 0 ? f->value.data + poff : "", psize, true);
}

static void
imap_fetch_binary_size(struct imap_fetch *f, const struct imap_fetch_item *it)
{
	const struct mime_part *root = imap_msgdata_tree(&f->md);
	uint64_t size = 0;

	if (root != NULL && imap_fetchattr_binary_size(root, f->md.data, f->md.len,
	    it->sec, &size) == IMAP_FETCHATTR_UNKNOWN_CTE)
		f->has_unknown_cte = true;
	buf_printf(&f->line, "%s %llu", it->label, (unsigned long long)size);
}

/* FLAGS as the view has them (imap_out_flags() writes s->out). */
static void
imap_fetch_flags(struct imap_session *s, struct imap_fetch *f)
{
	const struct imap_view_msg *m = imap_view_get(s, f->seq);

	imap_out_begin(s, "FLAGS ");
	imap_out_flags(s, imap_view_msg_flags(m), m->keywords);
	buf_append(&f->line, s->out.data, s->out.len);
	buf_clear(&s->out);
}

void
imap_fetch_item_write(struct imap_session *s, struct imap_fetch *f,
    const struct imap_fetch_item *it)
{
	const struct store_msg *sm = imap_view_store_msg(s, f->seq);
	char date[40];

	switch (it->kind) {
	case IMAP_FI_UID:
		buf_printf(&f->line, "UID %u", (unsigned)imap_view_get(s, f->seq)->uid);
		break;
	case IMAP_FI_FLAGS:
		imap_fetch_flags(s, f);
		break;
	case IMAP_FI_INTERNALDATE:
		imap_date_time_format(sm != NULL ? sm->internal_date : 0, date, sizeof(date));
		buf_printf(&f->line, "INTERNALDATE \"%s\"", date);
		break;
	case IMAP_FI_SIZE:
		buf_printf(&f->line, "RFC822.SIZE %llu",
		    (unsigned long long)(sm != NULL ? sm->size : 0));
		break;
	case IMAP_FI_ENVELOPE:
	case IMAP_FI_BODYSTRUCTURE:
	case IMAP_FI_BODY:
		imap_fetch_structure(s, f, it->kind);
		break;
	case IMAP_FI_SECTION:
		imap_fetch_section(f, it);
		break;
	case IMAP_FI_BINARY:
		imap_fetch_binary(f, it);
		break;
	case IMAP_FI_BINARY_SIZE:
		imap_fetch_binary_size(f, it);
		break;
	}
}

bool
imap_fetch_has_unknown_cte(struct imap_fetch *f)
{
	const struct mime_part *root, *part;
	size_t i;

	for (i = 0; i < f->nitems; i++) {
		const struct imap_fetch_item *it = &f->items[i];

		if ((it->kind != IMAP_FI_BINARY && it->kind != IMAP_FI_BINARY_SIZE) ||
		    it->sec->nparts == 0)
			continue;
		if ((root = imap_msgdata_tree(&f->md)) == NULL)
			return false;
		part = imap_fetchattr_section_part(root, it->sec->parts, it->sec->nparts);
		if (part != NULL && part->kind == MIME_PART_LEAF && part->cte == MIME_CTE_UNKNOWN)
			return true;
	}
	return false;
}
