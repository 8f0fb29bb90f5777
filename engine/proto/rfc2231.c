/* rfc2231.c: parameter value continuations, charset and language.
 *
 * RFC 2231 §3 (sections "*0", "*1", ... "neither leading zeroes nor gaps
 * in the sequence are allowed"; mixing quoted and unquoted sections),
 * §4 (extended values charset'language'%XX; "the single quote delimiters
 * MUST be present"), §4.1 (continuations combined with encoding: only the
 * first section carries charset and language; encoded and plain sections
 * may be mixed), §7 (attribute-char, ext-octet).
 *
 * Choices: sections are looked up by number, so their order in the field
 * does not matter (§3 (2): parameters are not order sensitive); the first
 * of duplicate pieces wins; a joined value is preferred over name*= and
 * that over name= (a plain value is often given as a fallback).
 */
#include "rfc2231.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "mime_charset.h"
#include "mime_lex.h"

#define RFC2231_VALUE_MAX ((size_t)1 << 20)

bool
rfc2231_split_name(const char *name, size_t len, struct rfc2231_piece *piece_r)
{
	const char *star = memchr(name, '*', len);
	size_t i, base;
	long section = 0;

	memset(piece_r, 0, sizeof(*piece_r));
	piece_r->name = name;
	piece_r->name_len = len;
	piece_r->section = -1;
	if (star == NULL)
		return true;
	base = (size_t)(star - name);
	i = base + 1;
	if (i == len) {
		piece_r->name_len = base;
		piece_r->is_extended = true;
		return true;
	}
	if (name[i] < '0' || name[i] > '9' || (name[i] == '0' && i + 1 < len &&
	    name[i + 1] != '*'))
		return false;
	for (; i < len && name[i] >= '0' && name[i] <= '9'; i++) {
		section = section * 10 + (name[i] - '0');
		if (section > RFC2231_SECTION_MAX)
			return false;
	}
	if (i < len && !(name[i] == '*' && i + 1 == len))
		return false;
	piece_r->name_len = base;
	piece_r->section = section;
	piece_r->is_extended = i < len;
	return true;
}

static int
rfc2231_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

bool
rfc2231_percent_decode(const char *value, size_t len, struct buf *out, bool *is_bad_r)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = value[i];

		if (c == '%') {
			int hi = i + 1 < len ? rfc2231_hex((unsigned char)value[i + 1]) : -1;
			int lo = i + 2 < len ? rfc2231_hex((unsigned char)value[i + 2]) : -1;

			if (hi >= 0 && lo >= 0) {
				c = (char)(hi << 4 | lo);
				i += 2;
			} else {
				*is_bad_r = true;
			}
		}
		if (!buf_putc(out, c))
			return false;
	}
	return true;
}

/* Split "charset'language'rest" of an initial extended section. */
static bool
rfc2231_split_initial(const struct rfc2231_piece *pc, size_t *cs_len_r,
    size_t *lang_off_r, size_t *lang_len_r, size_t *rest_off_r)
{
	const char *q1 = memchr(pc->value, '\'', pc->value_len), *q2;

	if (q1 == NULL)
		return false;
	q2 = memchr(q1 + 1, '\'', pc->value_len - (size_t)(q1 + 1 - pc->value));
	if (q2 == NULL)
		return false;
	*cs_len_r = (size_t)(q1 - pc->value);
	*lang_off_r = (size_t)(q1 + 1 - pc->value);
	*lang_len_r = (size_t)(q2 - q1 - 1);
	*rest_off_r = (size_t)(q2 + 1 - pc->value);
	return true;
}

/* The state of joining one parameter. */
struct rfc2231_join {
	struct buf *value;	/* rfc2231_join()'s, cleared per name */
	struct buf *conv;	/* the value in UTF-8: the same */
	const char *charset;
	size_t charset_len;
	const char *lang;
	size_t lang_len;
	bool is_extended;
	uint32_t problems;
};

/* Append one piece's value (section `first` carries charset'lang'). */
static bool
rfc2231_add_piece(struct rfc2231_join *j, const struct rfc2231_piece *pc, bool first)
{
	size_t cs_len, lang_off, lang_len, rest = 0;
	bool is_bad = false;

	if (!pc->is_extended)
		return buf_append(j->value, pc->value, pc->value_len);
	if (first) {
		j->is_extended = true;
		if (rfc2231_split_initial(pc, &cs_len, &lang_off, &lang_len, &rest)) {
			j->charset = pc->value;
			j->charset_len = cs_len;
			j->lang = pc->value + lang_off;
			j->lang_len = lang_len;
		} else {
			j->problems |= 1u << MIME_PROB_BAD_PARAM;
		}
	}
	if (!rfc2231_percent_decode(pc->value + rest, pc->value_len - rest, j->value,
	    &is_bad))
		return false;
	if (is_bad)
		j->problems |= 1u << MIME_PROB_BAD_PARAM;
	return true;
}

/* Pieces are joined through an order of them: every name's pieces
 * together, the names in the order they first appear, a name's pieces by
 * section (-1, no section, first) and then as they were written. Sorting
 * keeps a header field with many parameters (MIME_PARAMS_MAX) from
 * comparing every name with every other one per section. */
struct rfc2231_ord {
	const struct rfc2231_piece *pc;
	size_t pos;		/* index in the field */
	size_t first;		/* index of the first piece of this name */
};

static bool
rfc2231_same_name(const struct rfc2231_piece *a, const struct rfc2231_piece *b)
{
	return a->name_len == b->name_len && memcmp(a->name, b->name, a->name_len) == 0;
}

static int
rfc2231_cmp_name(const void *va, const void *vb)
{
	const struct rfc2231_ord *a = va, *b = vb;
	size_t n = a->pc->name_len < b->pc->name_len ? a->pc->name_len : b->pc->name_len;
	int c = memcmp(a->pc->name, b->pc->name, n);

	if (c != 0)
		return c;
	if (a->pc->name_len != b->pc->name_len)
		return a->pc->name_len < b->pc->name_len ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static int
rfc2231_cmp_group(const void *va, const void *vb)
{
	const struct rfc2231_ord *a = va, *b = vb;

	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	if (a->pc->section != b->pc->section)
		return a->pc->section < b->pc->section ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Join sections 0, 1, ... of one name's pieces g[0..n) (sorted); stops at
 * the first missing one. Returns the number of sections used (0: there
 * is no section 0). */
static long
rfc2231_join_sections(struct rfc2231_join *j, const struct rfc2231_ord *g, size_t n,
    bool *is_full_r)
{
	size_t i = 0, total = 0, used = 0;
	long s = 0;

	while (i < n && g[i].pc->section < 0)
		i++;
	total = n - i;
	while (i < n && g[i].pc->section == s) {
		size_t d = 1;

		while (i + d < n && g[i + d].pc->section == s)
			d++;
		used += d;
		if (d > 1)
			j->problems |= 1u << MIME_PROB_BAD_PARAM;	/* a duplicate */
		if (!rfc2231_add_piece(j, g[i].pc, s == 0)) {
			*is_full_r = true;
			break;
		}
		i += d;
		s++;
	}
	if (used != total)
		j->problems |= 1u << MIME_PROB_BAD_PARAM;	/* a gap */
	return s;
}

/* Convert the joined value of an extended parameter to UTF-8. With an
 * unknown or empty charset only 8-bit bytes are a problem: US-ASCII text
 * reads the same in every charset mail uses. */
static bool
rfc2231_convert(struct rfc2231_join *j, struct buf *out)
{
	const char *v = j->value->data != NULL ? j->value->data : "";
	enum mime_charset cs = MIME_CHARSET_US_ASCII;
	int r;

	if (!j->is_extended)
		return buf_append(out, v, j->value->len);
	if (j->charset != NULL && mime_charset_lookup(j->charset, j->charset_len) !=
	    MIME_CHARSET_UNKNOWN)
		cs = mime_charset_lookup(j->charset, j->charset_len);
	r = mime_charset_to_utf8(cs, v, j->value->len, out);
	if (r == 0)
		j->problems |= 1u << MIME_PROB_PARAM_CHARSET;
	return r >= 0;
}

/* Build the parameter from the join state. */
static struct mime_param *
rfc2231_make_param(struct arena *a, const struct rfc2231_piece *pc, struct rfc2231_join *j)
{
	struct mime_param *prm = arena_alloc(a, sizeof(*prm));
	struct buf *conv = j->conv;

	if (prm == NULL)
		return NULL;
	buf_clear(conv);
	if (!rfc2231_convert(j, conv))
		return NULL;
	prm->name = arena_strndup(a, pc->name, pc->name_len);
	prm->value = arena_strndup(a, conv->data != NULL ? conv->data : "", conv->len);
	prm->value_len = conv->len;
	prm->charset = arena_strndup(a, j->charset != NULL ? j->charset : "", j->charset_len);
	prm->language = arena_strndup(a, j->lang != NULL ? j->lang : "", j->lang_len);
	prm->is_extended = j->is_extended;
	if (prm->name == NULL || prm->value == NULL || prm->charset == NULL ||
	    prm->language == NULL)
		return NULL;
	return prm;
}

/* A parameter given once, plainly (the common case): its value as it
 * is. The same allocations as rfc2231_make_param(), without the copies
 * through the scratch buffers. */
static struct mime_param *
rfc2231_plain_param(struct arena *a, const struct rfc2231_piece *pc)
{
	struct mime_param *prm = arena_alloc(a, sizeof(*prm));

	if (prm == NULL)
		return NULL;
	prm->name = arena_strndup(a, pc->name, pc->name_len);
	prm->value = arena_strndup(a, pc->value, pc->value_len);
	prm->value_len = pc->value_len;
	prm->charset = arena_strndup(a, "", 0);
	prm->language = arena_strndup(a, "", 0);
	if (prm->name == NULL || prm->value == NULL || prm->charset == NULL ||
	    prm->language == NULL)
		return NULL;
	return prm;
}

/* Join one name's pieces g[0..n) (sorted) in scratch[0], converted in
 * scratch[1] (both cleared first; the parameter made holds a copy); NULL
 * with *is_nomem_r when the arena or a buffer is full. */
static struct mime_param *
rfc2231_join_one(struct arena *a, const struct rfc2231_ord *g, size_t n,
    struct buf scratch[2], uint32_t *problems_r, bool *is_nomem_r)
{
	struct rfc2231_join j;
	struct mime_param *prm = NULL;
	const struct rfc2231_piece *ext = NULL, *plain = NULL;
	size_t i, dups_ext = 0, dups_plain = 0;
	bool is_full = false;

	if (n == 1 && g[0].pc->section < 0 && !g[0].pc->is_extended) {
		prm = rfc2231_plain_param(a, g[0].pc);
		*is_nomem_r = prm == NULL;
		return prm;
	}
	memset(&j, 0, sizeof(j));
	j.value = &scratch[0];
	j.conv = &scratch[1];
	buf_clear(j.value);
	if (rfc2231_join_sections(&j, g, n, &is_full) == 0 && !is_full) {
		/* no section 0: name*= before name=, the first of each */
		for (i = 0; i < n && g[i].pc->section < 0; i++) {
			if (g[i].pc->is_extended) {
				ext = ext != NULL ? ext : g[i].pc;
				dups_ext++;
			} else {
				plain = plain != NULL ? plain : g[i].pc;
				dups_plain++;
			}
		}
		if (dups_ext > 1 || dups_plain > 1)
			j.problems |= 1u << MIME_PROB_BAD_PARAM;
		if ((ext != NULL || plain != NULL) &&
		    !rfc2231_add_piece(&j, ext != NULL ? ext : plain, true))
			is_full = true;
	}
	if (!is_full)
		prm = rfc2231_make_param(a, g[0].pc, &j);
	*is_nomem_r = prm == NULL;
	*problems_r |= j.problems;
	return prm;
}

/* Most fields have a few parameters: their order fits on the stack. */
#define RFC2231_ORD_STACK 16

/* Sort ord[0..n) by cmp, a total order (positions break ties): a few
 * pieces by insertion, without qsort()'s interceptor under the
 * sanitizers. */
static void
rfc2231_sort(struct rfc2231_ord *ord, size_t n, int (*cmp)(const void *, const void *))
{
	size_t i, k;

	if (n > RFC2231_ORD_STACK) {
		qsort(ord, n, sizeof(*ord), cmp);
		return;
	}
	for (i = 1; i < n; i++) {
		struct rfc2231_ord o = ord[i];

		for (k = i; k > 0 && cmp(&ord[k - 1], &o) > 0; k--)
			ord[k] = ord[k - 1];
		ord[k] = o;
	}
}

int
rfc2231_join(struct arena *a, const struct rfc2231_piece *pieces, size_t n,
    struct mime_param **params_r, uint32_t *problems_r)
{
	struct rfc2231_ord stack[RFC2231_ORD_STACK], *ord = stack;
	struct mime_param **tail = params_r;
	struct buf scratch[2];
	size_t k, i;
	int r = 1;

	*params_r = NULL;
	if (n == 0)
		return 1;
	if (n > RFC2231_ORD_STACK && (ord = malloc(n * sizeof(*ord))) == NULL)
		return -1;
	for (k = 0; k < n; k++) {
		ord[k].pc = &pieces[k];
		ord[k].pos = k;
	}
	rfc2231_sort(ord, n, rfc2231_cmp_name);
	for (k = 0; k < n; k++)
		ord[k].first = k > 0 && rfc2231_same_name(ord[k - 1].pc, ord[k].pc) ?
		    ord[k - 1].first : ord[k].pos;
	rfc2231_sort(ord, n, rfc2231_cmp_group);
	buf_init(&scratch[0], RFC2231_VALUE_MAX);
	buf_init(&scratch[1], RFC2231_VALUE_MAX * 2);
	for (k = 0; k < n; k = i) {
		bool is_nomem;

		for (i = k + 1; i < n && ord[i].first == ord[k].first; i++)
			;
		*tail = rfc2231_join_one(a, ord + k, i - k, scratch, problems_r, &is_nomem);
		if (is_nomem) {
			r = -1;
			break;
		}
		tail = &(*tail)->next;
	}
	buf_release(&scratch[0]);
	buf_release(&scratch[1]);
	if (ord != stack)
		free(ord);
	return r;
}

static bool
rfc2231_is_attribute_char(unsigned char c)
{
	return c > ' ' && c < 0x7f && c != '*' && c != '\'' && c != '%' &&
	    !mime_lex_is_tspecial(c);
}

bool
rfc2231_encode_param(const char *name, const char *charset, const char *lang,
    const void *value, size_t len, size_t section_len, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = value;
	size_t i = 0, in_section = 0;
	unsigned section = 0;
	bool ok;

	ok = section_len == 0 ? buf_printf(out, "; %s*=", name) :
	    buf_printf(out, "; %s*0*=", name);
	ok = ok && buf_printf(out, "%s'%s'", charset, lang);
	for (i = 0; ok && i < len; i++) {
		size_t w = rfc2231_is_attribute_char(p[i]) ? 1 : 3;

		if (section_len > 0 && in_section > 0 && in_section + w > section_len) {
			ok = buf_printf(out, "; %s*%u*=", name, ++section);
			in_section = 0;
		}
		if (w == 1)
			ok = ok && buf_putc(out, (char)p[i]);
		else
			ok = ok && buf_putc(out, '%') && buf_putc(out, hex[p[i] >> 4]) &&
			    buf_putc(out, hex[p[i] & 15]);
		in_section += w;
	}
	return ok;
}
