/* mime_fields.c: header fields of the MIME parser.
 *
 * RFC 5322 §2.2 (field-name ":" field-body; field-name 1*ftext, printable
 * US-ASCII except ":"), §2.2.3 (folding: a line that begins with WSP
 * continues the field), §4.5 (obs-optional: WSP before the colon);
 * RFC 2045 §4 (MIME-Version required in messages), §5 (Content-Type and
 * its default text/plain; charset=us-ascii, also for a malformed field),
 * §6 (Content-Transfer-Encoding, default 7bit), §7 (Content-ID), §8
 * (Content-Description); RFC 2046 §5.1.5 (digest parts default to
 * message/rfc822); RFC 2183 (Content-Disposition), RFC 3282
 * (Content-Language), RFC 2557 (Content-Location), RFC 1864 (Content-MD5).
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "mime_header.h"
#include "mime_private.h"

static void
mime_nomem(struct mime_parser *p, struct mime_pstate *ps, size_t offset)
{
	mime_problem_add(p, ps, MIME_PROB_NOMEM, offset);
	p->is_nomem = true;
}

/* Has data[0..len) a byte >= 0x80 or NUL? Eight bytes at a time: the
 * header of every part goes through here, often a few bytes per call. */
static bool
mime_header_has_8bit(const char *data, size_t len)
{
	uint64_t w, acc = 0;
	size_t i = 0;

	/* with no high bit set, w - ones borrows into a high bit only at a
	 * zero byte */
	for (; len - i >= 8; i += 8) {
		memcpy(&w, data + i, 8);
		acc |= (w - WORD_ONES) | w;
	}
	w = word_tail(data + i, len - i, ' ');	/* all pad: no effect */
	acc |= (w - WORD_ONES) | w;
	return (acc & WORD_HIGHS) != 0;
}

void
mime_header_data(struct mime_parser *p, const char *data, size_t len)
{
	if (mime_header_has_8bit(data, len))
		mime_problem_add_line(p, p->cur, MIME_PROB_HEADER_8BIT);
	if (p->is_hline_over)
		return;
	if (!buf_append(&p->hline, data, len)) {
		p->is_hline_over = true;
		buf_clear(&p->hline);
		mime_problem_add_line(p, p->cur, MIME_PROB_HEADER_TOO_LONG);
	}
}

/* Is name[0..len) an RFC 5322 field-name (1*ftext)? A byte outside
 * 33-126 makes one of the differences negative; they are ORed together
 * and looked at once (see word.h on branches per byte). */
static bool
mime_is_field_name(const char *name, size_t len)
{
	int acc = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)name[i];

		acc |= (c - 33) | (126 - c);
	}
	return len > 0 && acc >= 0;
}

/* A field in the arena: name, raw value after the colon, unfolded value.
 * NULL when the arena is full. */
static struct mime_header_field *
mime_field_new(struct arena *a, const char *data, size_t name_len, const char *raw,
    size_t raw_len)
{
	struct mime_header_field *f = arena_alloc(a, sizeof(*f));
	char *value;

	if (f == NULL || (f->name = arena_strndup(a, data, name_len)) == NULL ||
	    (f->raw = arena_strndup(a, raw, raw_len)) == NULL ||
	    (value = arena_alloc(a, raw_len + 1)) == NULL)
		return NULL;
	f->raw_len = raw_len;
	f->value_len = mime_header_unfold(f->raw, raw_len, value);
	f->value = value;
	return f;
}

/* Store the field assembled in p->field on ps. */
static void
mime_field_store(struct mime_parser *p, struct mime_pstate *ps, const char *data,
    size_t content_len, size_t size)
{
	const char *colon = memchr(data, ':', content_len);
	size_t name_len = colon != NULL ? (size_t)(colon - data) : 0, cost;
	struct mime_header_field *f;

	while (name_len > 0 && (data[name_len - 1] == ' ' || data[name_len - 1] == '\t'))
		name_len--;
	if (colon == NULL || !mime_is_field_name(data, name_len)) {
		mime_problem_add(p, ps, MIME_PROB_HEADER_NO_COLON, p->field_offset);
		return;
	}
	cost = size + sizeof(*f);
	if (ps->header_kept + cost > p->lim.max_header_size ||
	    p->header_total + cost > p->lim.max_header_total) {
		mime_problem_add(p, ps, MIME_PROB_HEADER_TOO_LONG, p->field_offset);
		return;
	}
	f = mime_field_new(p->arena, data, name_len, colon + 1,
	    content_len - (size_t)(colon + 1 - data));
	if (f == NULL) {
		mime_nomem(p, ps, p->field_offset);
		return;
	}
	f->offset = p->field_offset;
	f->size = size;
	if (ps->field_tail != NULL)
		ps->field_tail->next = f;
	else
		ps->part.fields = f;
	ps->field_tail = f;
	ps->part.nfields++;
	ps->header_kept += cost;
	p->header_total += cost;
}

/* The field being assembled is complete. */
static void
mime_field_end(struct mime_parser *p, struct mime_pstate *ps)
{
	size_t len = p->field.len, content_len = len;

	if (!p->has_field)
		return;
	p->has_field = false;
	if (!p->is_field_bad && !p->is_nomem) {
		if (content_len > 0 && p->field.data[content_len - 1] == '\n')
			content_len--;
		if (content_len > 0 && p->field.data[content_len - 1] == '\r' &&
		    content_len < len)
			content_len--;
		mime_field_store(p, ps, p->field.data != NULL ? p->field.data : "",
		    content_len, len);
	}
	p->is_field_bad = false;
	buf_clear(&p->field);
}

/* Add the current line (and its break) to the field being assembled. */
static void
mime_field_add_line(struct mime_parser *p, unsigned eol)
{
	if (p->is_hline_over)
		p->is_field_bad = true;
	if (p->is_field_bad)
		return;
	if (!buf_append(&p->field, p->hline.data != NULL ? p->hline.data : "", p->hline.len) ||
	    !buf_append(&p->field, eol == 2 ? "\r\n" : "\n", eol)) {
		p->is_field_bad = true;
		mime_problem_add_line(p, p->cur, MIME_PROB_HEADER_TOO_LONG);
	}
}

void
mime_header_line_end(struct mime_parser *p, unsigned eol)
{
	struct mime_pstate *ps = p->cur;
	size_t next = p->line_start + p->line_len + eol;

	if (p->line_len == 0) {		/* the empty line: end of the header */
		ps->part.header_size = next - ps->part.offset;
		ps->body_line = p->line_index + 1;
		mime_header_finish(p, ps);
		mime_part_begin_body(p, ps, next);
		return;
	}
	if (p->line_first == ' ' || p->line_first == '\t') {
		if (!p->has_field) {
			mime_problem_add(p, ps, MIME_PROB_HEADER_NO_COLON, p->line_start);
			return;
		}
	} else {
		mime_field_end(p, ps);
		p->has_field = true;
		p->field_offset = p->line_start;
	}
	mime_field_add_line(p, eol);
}

/* A parameter charset=us-ascii, the default of text/plain. */
static struct mime_param *
mime_default_params(struct mime_parser *p)
{
	struct mime_param *prm = arena_alloc(p->arena, sizeof(*prm));

	if (prm == NULL)
		return NULL;
	prm->name = "charset";
	prm->value = "us-ascii";
	prm->value_len = 8;
	prm->charset = "";
	prm->language = "";
	return prm;
}

/* The field names the parser reads, in the order of enum mime_field; a
 * second one is reported. */
enum mime_field {
	MIME_FIELD_TYPE, MIME_FIELD_CTE, MIME_FIELD_DISPOSITION, MIME_FIELD_ID,
	MIME_FIELD_DESCRIPTION, MIME_FIELD_LANGUAGE, MIME_FIELD_LOCATION, MIME_FIELD_MD5,
	MIME_FIELD_VERSION, MIME_NFIELD_NAMES
};

#define MIME_FIELD_NAME(s) { s, sizeof(s) - 1 }

static const struct {
	const char *name;
	size_t len;
} mime_field_names[] = {
	MIME_FIELD_NAME("content-type"), MIME_FIELD_NAME("content-transfer-encoding"),
	MIME_FIELD_NAME("content-disposition"), MIME_FIELD_NAME("content-id"),
	MIME_FIELD_NAME("content-description"), MIME_FIELD_NAME("content-language"),
	MIME_FIELD_NAME("content-location"), MIME_FIELD_NAME("content-md5"),
	MIME_FIELD_NAME("mime-version"),
};

/* Which of them name is, MIME_NFIELD_NAMES if none. Most fields are not
 * MIME fields, and their first byte tells; the others are compared only
 * with the names of their length (strcasecmp() is an interceptor under
 * the sanitizers, and a libFuzzer hook). */
static enum mime_field
mime_field_lookup(const char *name)
{
	unsigned char c = (unsigned char)name[0] | 0x20;	/* A-Z to a-z */
	size_t i, len;

	if (c != 'c' && c != 'm')
		return MIME_NFIELD_NAMES;
	len = strlen(name);
	for (i = 0; i < MIME_NFIELD_NAMES; i++)
		if (mime_field_names[i].len == len &&
		    strcasecmp(name, mime_field_names[i].name) == 0)
			break;
	return (enum mime_field)i;
}

/* Content-Type, -Disposition, -Transfer-Encoding (which); false when the
 * arena is full. */
static bool
mime_fields_apply_typed(struct mime_parser *p, struct mime_pstate *ps,
    const struct mime_header_field *f, enum mime_field which, uint32_t *mask)
{
	struct mime_part *part = &ps->part;
	int r = 1;

	if (which == MIME_FIELD_TYPE) {
		r = mime_content_type_parse(p->arena, f->value, f->value_len, &part->type,
		    &part->subtype, &part->type_params, mask);
		part->has_content_type = r > 0;
	} else if (which == MIME_FIELD_DISPOSITION) {
		r = mime_disposition_parse(p->arena, f->value, f->value_len,
		    &part->disposition, &part->disposition_params, mask);
	} else {
		part->cte = mime_cte_parse(p->arena, f->value, f->value_len, &part->cte_name);
		if (part->cte_name == NULL) {
			part->cte = MIME_CTE_7BIT;
			part->cte_name = "7bit";
			r = -1;
		} else if (part->cte == MIME_CTE_UNKNOWN)
			*mask |= 1u << MIME_PROB_BAD_CTE;
	}
	return r >= 0;
}

/* Read one field; false when the arena is full. */
static bool
mime_field_apply(struct mime_parser *p, struct mime_pstate *ps,
    const struct mime_header_field *f, bool *seen)
{
	const char **slot[] = { NULL, NULL, NULL, &ps->part.content_id,
		&ps->part.description, &ps->part.language, &ps->part.location,
		&ps->part.md5, NULL };
	uint32_t mask = 0;
	enum mime_field i = mime_field_lookup(f->name);

	if (i == MIME_NFIELD_NAMES)
		return true;
	if (seen[i]) {
		mime_problem_add(p, ps, MIME_PROB_DUPLICATE_FIELD, f->offset);
		return true;
	}
	seen[i] = true;
	if (slot[i] != NULL)
		*slot[i] = f->value;
	else if (i == MIME_FIELD_VERSION)
		ps->part.has_mime_version = true;
	else if (!mime_fields_apply_typed(p, ps, f, i, &mask))
		return false;
	mime_problem_add_mask(p, ps, mask, f->offset);
	return true;
}

/* The default type of RFC 2045 §5.2 and RFC 2046 §5.1.5. */
static void
mime_fields_default_type(struct mime_parser *p, struct mime_pstate *ps)
{
	const struct mime_part *parent = ps->part.parent;
	bool is_digest = parent != NULL && ((const struct mime_pstate *)parent)->is_digest;

	ps->part.type = is_digest ? "message" : "text";
	ps->part.subtype = is_digest ? "rfc822" : "plain";
	ps->part.type_params = NULL;
	if (!is_digest && (ps->part.type_params = mime_default_params(p)) == NULL)
		mime_nomem(p, ps, ps->part.offset);
}

/* Read the MIME fields of ps, with their defaults. */
static void
mime_fields_apply(struct mime_parser *p, struct mime_pstate *ps)
{
	const struct mime_header_field *f;
	bool seen[MIME_NFIELD_NAMES] = { false };
	bool has_mime_field = false, is_message;

	ps->part.cte = MIME_CTE_7BIT;
	ps->part.cte_name = "7bit";
	ps->part.type = "text";
	ps->part.subtype = "plain";
	for (f = ps->part.fields; f != NULL; f = f->next) {
		if (((unsigned char)f->name[0] | 0x20) == 'c' &&
		    strncasecmp(f->name, "content-", 8) == 0)
			has_mime_field = true;
		if (!mime_field_apply(p, ps, f, seen)) {
			mime_nomem(p, ps, f->offset);
			break;
		}
	}
	if (!ps->part.has_content_type)
		mime_fields_default_type(p, ps);
	is_message = ps->part.parent == NULL || ps->part.parent->kind == MIME_PART_MESSAGE;
	if (is_message && has_mime_field && !ps->part.has_mime_version)
		mime_problem_add(p, ps, MIME_PROB_NO_MIME_VERSION, ps->part.offset);
}

void
mime_header_finish(struct mime_parser *p, struct mime_pstate *ps)
{
	mime_field_end(p, ps);
	mime_fields_apply(p, ps);
}
