/* imap_section.c: the section specs of FETCH (client and server side).
 *
 * RFC 9051 §6.4.5 (BODY[<section>]<<partial>>, BODY.PEEK, BINARY[],
 * BINARY.PEEK[], BINARY.SIZE[]) and §9:
 *   section         = "[" [section-spec] "]"
 *   section-binary  = "[" [section-part] "]"
 *   section-spec    = section-msgtext / (section-part ["." section-text])
 *   section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
 *   section-part    = nz-number *("." nz-number)
 *   section-text    = section-msgtext / "MIME"
 *   header-list     = "(" header-fld-name *(SP header-fld-name) ")"
 *   partial         = "<" number64 "." nz-number64 ">"    (commands)
 *   msg-att-static  =/ "BODY" section ["<" number ">"] ... (responses)
 * RFC 3516 §4.2 (BINARY, section-binary).
 *
 * The lexer hands over a closed SECTION node whose items are the tokens
 * between the brackets (e.g. ATOM "1.2.HEADER.FIELDS" and LIST (From To));
 * this file checks them against the grammar and fills struct
 * imap_section. Keywords are case-insensitive and stored in upper case;
 * part numbers are nz-number (no leading zero, below 2^32). Both partial
 * forms are accepted anywhere; has_partial_len tells them apart.
 */
#include "imap_private.h"

#include <string.h>
#include <strings.h>

#include "arena.h"

#define IMAP_NUMBER64_DIGITS	19

static const struct {
	const char *name;
	bool is_binary;
} imap_section_takers[] = {
	{ "BODY", false }, { "BODY.PEEK", false },
	{ "BINARY", true }, { "BINARY.PEEK", true }, { "BINARY.SIZE", true },
};

/* section-text keywords; needs_part: only after a section-part (MIME);
 * has_fields: a header-list follows. */
static const struct {
	const char *name;
	bool needs_part;
	bool has_fields;
} imap_section_texts[] = {
	{ "HEADER", false, false }, { "HEADER.FIELDS", false, true },
	{ "HEADER.FIELDS.NOT", false, true }, { "TEXT", false, false },
	{ "MIME", true, false },
};

bool
imap_section_takes(const char *atom, size_t len, bool *is_binary_r)
{
	size_t i;

	for (i = 0; i < sizeof(imap_section_takers) / sizeof(imap_section_takers[0]); i++) {
		if (imap_node_text_is(atom, len, imap_section_takers[i].name)) {
			*is_binary_r = imap_section_takers[i].is_binary;
			return true;
		}
	}
	return false;
}

/* nz-number at s[*p..len) below 2^32; false when there is none. */
static bool
imap_section_part(const char *s, size_t len, size_t *p, uint32_t *num_r)
{
	uint64_t v = 0;
	size_t i = *p;

	if (i >= len || s[i] < '1' || s[i] > '9')
		return false;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*p = i;
	*num_r = (uint32_t)v;
	return true;
}

/* section-part ["." section-text] or section-msgtext in spec; the parts go
 * to sec, the text keyword's index to *text_r (-1 for none). */
static bool
imap_section_spec(struct arena *a, const char *spec, size_t len,
    struct imap_section *sec, int *text_r)
{
	uint32_t *parts = arena_alloc(a, (len / 2 + 1) * sizeof(*parts));
	size_t p = 0, i;

	*text_r = -1;
	if (parts == NULL)
		return false;
	while (p < len && spec[p] >= '0' && spec[p] <= '9') {
		if (!imap_section_part(spec, len, &p, &parts[sec->nparts]))
			return false;
		sec->nparts++;
		if (p == len)
			break;
		if (spec[p] != '.' || ++p == len)
			return false;
	}
	sec->parts = parts;
	if (p == len)
		return true;
	for (i = 0; i < sizeof(imap_section_texts) / sizeof(imap_section_texts[0]); i++) {
		if (imap_node_text_is(spec + p, len - p, imap_section_texts[i].name)) {
			if (imap_section_texts[i].needs_part && sec->nparts == 0)
				return false;
			*text_r = (int)i;
			sec->text = imap_section_texts[i].name;
			return true;
		}
	}
	return false;
}

/* header-list: a non-empty LIST of astrings. */
static bool
imap_section_is_header_list(const struct imap_node *list)
{
	size_t i;

	if (list == NULL || list->kind != IMAP_NODE_LIST || list->count == 0 || list->is_glued)
		return false;
	for (i = 0; i < list->count; i++) {
		enum imap_node_kind k = list->items[i]->kind;

		if (k == IMAP_NODE_LIST || k == IMAP_NODE_SECTION)
			return false;
	}
	return true;
}

static bool
imap_section_decode(struct arena *a, const struct imap_node *n, struct imap_section *sec)
{
	const struct imap_node *first = imap_node_list_get(n, 0);
	bool has_fields;
	int t;

	if (n->count == 0)
		return true;
	if (first->kind != IMAP_NODE_ATOM && first->kind != IMAP_NODE_NUMBER)
		return false;
	if (!imap_section_spec(a, first->str, first->len, sec, &t))
		return false;
	if (sec->is_binary && t >= 0)
		return false;
	has_fields = t >= 0 && imap_section_texts[t].has_fields;
	if (!has_fields)
		return n->count == 1;
	if (n->count != 2 || !imap_section_is_header_list(n->items[1]))
		return false;
	sec->fields = n->items[1];
	return true;
}

/* number64 at s[*p..len); false when there is none. */
static bool
imap_section_number64(const char *s, size_t len, size_t *p, uint64_t *num_r)
{
	uint64_t v = 0;
	size_t i = *p;

	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		if (i - *p == IMAP_NUMBER64_DIGITS)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == *p || v > (uint64_t)INT64_MAX)
		return false;
	*p = i;
	*num_r = v;
	return true;
}

/* "<" number64 ["." nz-number64] ">" at s[*pos_r]. */
static bool
imap_section_partial(const char *s, size_t len, size_t *pos_r, struct imap_section *sec)
{
	size_t p = *pos_r + 1;

	if (!imap_section_number64(s, len, &p, &sec->partial_offset))
		return false;
	if (p < len && s[p] == '.') {
		p++;
		if (!imap_section_number64(s, len, &p, &sec->partial_len) ||
		    sec->partial_len == 0)
			return false;
		sec->has_partial_len = true;
	}
	if (p >= len || s[p] != '>')
		return false;
	sec->has_partial = true;
	*pos_r = p + 1;
	return true;
}

bool
imap_section_finish(struct imap_lex *lx, struct imap_node *sec_node,
    const char *s, size_t len, size_t *pos_r)
{
	struct imap_section *sec = (struct imap_section *)sec_node->section;

	if (!imap_section_decode(lx->arena, sec_node, sec) ||
	    (*pos_r < len && s[*pos_r] == '<' && !imap_section_partial(s, len, pos_r, sec))) {
		lx->err = IMAP_ERR_BAD_SECTION;
		return false;
	}
	return true;
}

static bool
imap_section_fields_equal(const struct imap_node *a, const struct imap_node *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (a->count != b->count)
		return false;
	for (i = 0; i < a->count; i++) {
		size_t la, lb;
		const char *sa = imap_node_str(a->items[i], &la);
		const char *sb = imap_node_str(b->items[i], &lb);

		if (sa == NULL)
			sa = a->items[i]->str, la = a->items[i]->len;
		if (sb == NULL)
			sb = b->items[i]->str, lb = b->items[i]->len;
		if (la != lb || strncasecmp(sa, sb, la) != 0)
			return false;
	}
	return true;
}

bool
imap_section_equal(const struct imap_section *a, const struct imap_section *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->nparts != b->nparts || a->is_binary != b->is_binary ||
	    strcmp(a->text, b->text) != 0 || a->has_partial != b->has_partial ||
	    a->has_partial_len != b->has_partial_len)
		return false;
	if (a->nparts > 0 && memcmp(a->parts, b->parts, a->nparts * sizeof(*a->parts)) != 0)
		return false;
	if (a->has_partial && a->partial_offset != b->partial_offset)
		return false;
	if (a->has_partial_len && a->partial_len != b->partial_len)
		return false;
	return imap_section_fields_equal(a->fields, b->fields);
}
