/* imap_seqset.c: validating and walking IMAP sequence sets.
 *
 * RFC 9051 §9 (sequence-set, seq-range, seq-number, nz-number: digit-nz
 * *DIGIT, below 2^32; "*" is the largest number in use; a range is the
 * same whichever end comes first), RFC 5182 §2.1 (seq-last-command "$").
 */
#include "imap_seqset.h"

#include <string.h>

/* One seq-number at s[*p]: nz-number or "*"; *is_star_r tells which. */
static bool
imap_seqset_number(const char *s, size_t len, size_t *p, uint32_t *num_r, bool *is_star_r)
{
	uint64_t v = 0;
	size_t i = *p;

	*is_star_r = false;
	if (i < len && s[i] == '*') {
		*is_star_r = true;
		*p = i + 1;
		return true;
	}
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

/* One element (number or range) at s[*p], resolved against star:
 * 1 ok, 0 syntax error, -1 out of range. */
static int
imap_seqset_element(const char *s, size_t len, size_t *p, uint32_t star, int flags,
    uint32_t *lo_r, uint32_t *hi_r)
{
	uint32_t a = 0, b = 0;
	bool sa, sb;

	if (!imap_seqset_number(s, len, p, &a, &sa))
		return 0;
	b = a;
	sb = sa;
	if (*p < len && s[*p] == ':') {
		(*p)++;
		if (!imap_seqset_number(s, len, p, &b, &sb))
			return 0;
	}
	if ((sa || sb) && star == 0)
		return -1;
	if (sa)
		a = star;
	if (sb)
		b = star;
	if ((flags & IMAP_SEQSET_CHECK_MAX) && (a > star || b > star))
		return -1;
	*lo_r = a < b ? a : b;
	*hi_r = a < b ? b : a;
	return 1;
}

int
imap_seqset_parse(const char *s, size_t len, uint32_t star, int flags,
    struct imap_seqset *set_r, enum imap_error *err_r)
{
	size_t p = 0;
	uint32_t lo, hi;
	int r;

	memset(set_r, 0, sizeof(*set_r));
	*err_r = IMAP_ERR_NONE;
	for (;;) {
		if (p < len && s[p] == '$' && (flags & IMAP_SEQSET_DOLLAR)) {
			set_r->has_dollar = true;
			if (++p != len)
				break;
		} else {
			r = imap_seqset_element(s, len, &p, star, flags, &lo, &hi);
			if (r <= 0) {
				*err_r = r < 0 ? IMAP_ERR_SEQSET_RANGE : IMAP_ERR_BAD_SEQSET;
				return -1;
			}
		}
		if (p == len) {
			set_r->s = s;
			set_r->len = len;
			set_r->star = star;
			return 1;
		}
		if (s[p] != ',')
			break;
		p++;
	}
	*err_r = IMAP_ERR_BAD_SEQSET;
	return -1;
}

int
imap_seqset_parse_node(const struct imap_node *node, uint32_t star, int flags,
    struct imap_seqset *set_r, enum imap_error *err_r)
{
	if (node == NULL || (node->kind != IMAP_NODE_ATOM && node->kind != IMAP_NODE_NUMBER)) {
		memset(set_r, 0, sizeof(*set_r));
		*err_r = IMAP_ERR_BAD_SEQSET;
		return -1;
	}
	return imap_seqset_parse(node->str, node->len, star, flags, set_r, err_r);
}

int
imap_seqset_next_range(struct imap_seqset *set, uint32_t *lo_r, uint32_t *hi_r)
{
	while (set->pos < set->len) {
		if (set->s[set->pos] == '$') {
			set->pos++;
			continue;
		}
		/* validated: the element parses; CHECK_MAX does not matter here */
		if (imap_seqset_element(set->s, set->len, &set->pos, set->star, 0, lo_r, hi_r) != 1)
			return 0;
		if (set->pos < set->len)
			set->pos++;	/* the "," */
		return 1;
	}
	return 0;
}

int
imap_seqset_next(struct imap_seqset *set, uint32_t *num_r)
{
	if (set->is_walking && set->cur < set->hi) {
		*num_r = ++set->cur;
		return 1;
	}
	if (imap_seqset_next_range(set, &set->cur, &set->hi) == 0) {
		set->is_walking = false;
		return 0;
	}
	set->is_walking = true;
	*num_r = set->cur;
	return 1;
}

void
imap_seqset_rewind(struct imap_seqset *set)
{
	set->pos = 0;
	set->is_walking = false;
}

bool
imap_seqset_contains(const struct imap_seqset *set, uint32_t n)
{
	struct imap_seqset it = *set;
	uint32_t lo, hi;

	imap_seqset_rewind(&it);
	while (imap_seqset_next_range(&it, &lo, &hi) == 1)
		if (n >= lo && n <= hi)
			return true;
	return false;
}
