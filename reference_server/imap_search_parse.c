/* imap_search_parse.c: SEARCH criteria into a tree of keys.
 *
 * RFC 9051 §6.4.4 (the search keys: ALL, ANSWERED, BCC, BEFORE, BODY,
 * CC, DELETED, DRAFT, FLAGGED, FROM, HEADER, KEYWORD, LARGER, NOT, ON,
 * OR, SEEN, SENTBEFORE, SENTON, SENTSINCE, SINCE, SMALLER, SUBJECT, TEXT,
 * TO, UID, UNANSWERED, UNDELETED, UNDRAFT, UNFLAGGED, UNKEYWORD, UNSEEN,
 * a sequence set, a parenthesized list; several keys are ANDed), §9
 * (search-key, date = date-text or DQUOTE date-text DQUOTE, date-text =
 * date-day "-" date-month "-" date-year; astring; flag-keyword; number64;
 * a sequence set may be or end in "$", the saved result, RFC 5182 §3);
 * RFC 3501 §6.4.4 (IMAP4rev1 also has NEW = RECENT UNSEEN, OLD = NOT
 * RECENT, RECENT: \Recent as this session sees it; RFC 9051 Appendix E
 * item 12 deprecated them and its grammar has none, so they are BAD
 * under IMAP4rev2).
 * Keys are case-insensitive; an unknown key is BAD (§6.4.4).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "imap_search.h"
#include "mime_date.h"

#define IMAP_SEARCH_DEPTH_MAX	64	/* nesting of NOT, OR and lists */

struct imap_sparser {
	struct imap_session *s;
	struct arena *a;
	const struct imap_node *list;	/* the list being read */
	size_t i;			/* its next item */
};

static const struct {
	const char *name;
	unsigned flag;
	bool is_neg;
} imap_search_flags[] = {
	{ "ANSWERED", STORE_F_ANSWERED, false }, { "DELETED", STORE_F_DELETED, false },
	{ "DRAFT", STORE_F_DRAFT, false }, { "FLAGGED", STORE_F_FLAGGED, false },
	{ "SEEN", STORE_F_SEEN, false }, { "UNANSWERED", STORE_F_ANSWERED, true },
	{ "UNDELETED", STORE_F_DELETED, true }, { "UNDRAFT", STORE_F_DRAFT, true },
	{ "UNFLAGGED", STORE_F_FLAGGED, true }, { "UNSEEN", STORE_F_SEEN, true },
};

static const struct {
	const char *name;
	enum imap_skey_kind kind;
	const char *field;
} imap_search_strings[] = {
	{ "BCC", IMAP_SK_HEADER, "Bcc" }, { "CC", IMAP_SK_HEADER, "Cc" },
	{ "FROM", IMAP_SK_HEADER, "From" }, { "SUBJECT", IMAP_SK_HEADER, "Subject" },
	{ "TO", IMAP_SK_HEADER, "To" }, { "BODY", IMAP_SK_BODY, NULL },
	{ "TEXT", IMAP_SK_TEXT, NULL },
};

static const struct {
	const char *name;
	enum imap_skey_kind kind;
} imap_search_dates[] = {
	{ "BEFORE", IMAP_SK_BEFORE }, { "ON", IMAP_SK_ON }, { "SINCE", IMAP_SK_SINCE },
	{ "SENTBEFORE", IMAP_SK_SENTBEFORE }, { "SENTON", IMAP_SK_SENTON },
	{ "SENTSINCE", IMAP_SK_SENTSINCE },
};

static struct imap_skey *imap_search_key(struct imap_sparser *p, unsigned depth);

static struct imap_skey *
imap_search_new(struct imap_sparser *p, enum imap_skey_kind kind)
{
	struct imap_skey *k = arena_alloc(p->a, sizeof(*k));

	if (k == NULL)
		imap_bad(p->s, "LIMIT", "SEARCH: criteria too complex");
	else
		k->kind = kind;
	return k;
}

/* The next argument of the key named name; NULL with BAD sent. */
static const struct imap_node *
imap_search_arg(struct imap_sparser *p, const char *name)
{
	const struct imap_node *n = imap_node_list_get(p->list, p->i);

	if (n == NULL)
		imap_bad(p->s, NULL, "SEARCH: %s needs an argument", name);
	else
		p->i++;
	return n;
}

/* date-text "1-Feb-1994" to days since 1970-01-01; false if invalid. */
static bool
imap_search_date(const char *s, size_t len, int64_t *day_r)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned d = 0, y = 0;
	size_t i = 0, nd;
	int m;

	for (nd = 0; i < len && nd < 2 && s[i] >= '0' && s[i] <= '9'; i++, nd++)
		d = d * 10 + (unsigned)(s[i] - '0');
	if (nd == 0 || len - i != 9 || s[i] != '-' || s[i + 4] != '-')
		return false;
	for (m = 0; m < 12; m++)
		if (strncasecmp(s + i + 1, months + m * 3, 3) == 0)
			break;
	for (i += 5; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		y = y * 10 + (unsigned)(s[i] - '0');
	if (m == 12 || i != len || d == 0 || d > (unsigned)mdays[m])
		return false;
	*day_r = mime_date_days((int)y, m + 1, (int)d);
	return true;
}

/* A key taking a string: the needle, folded, in the arena. */
static struct imap_skey *
imap_search_string(struct imap_sparser *p, enum imap_skey_kind kind, const char *name)
{
	const struct imap_node *n = imap_search_arg(p, name);
	struct imap_skey *k;
	const char *str;
	size_t len;

	if (n == NULL)
		return NULL;
	if ((str = imap_arg_astring(n, &len)) == NULL) {
		imap_bad(p->s, NULL, "SEARCH: %s takes a string", name);
		return NULL;
	}
	if ((k = imap_search_new(p, kind)) == NULL)
		return NULL;
	if ((k->needle = arena_strndup(p->a, str, len)) == NULL) {
		imap_bad(p->s, "LIMIT", "SEARCH: criteria too large");
		return NULL;
	}
	k->needle_len = len;
	imap_search_fold(k->needle, len);
	return k;
}

static struct imap_skey *
imap_search_header(struct imap_sparser *p)
{
	const struct imap_node *n = imap_search_arg(p, "HEADER");
	const char *field = imap_arg_astring(n, NULL);
	struct imap_skey *k;

	if (n == NULL)
		return NULL;
	if (field == NULL || field[0] == '\0') {
		imap_bad(p->s, NULL, "SEARCH: HEADER takes a field name");
		return NULL;
	}
	if ((k = imap_search_string(p, IMAP_SK_HEADER, "HEADER")) != NULL)
		k->field = field;
	return k;
}

static struct imap_skey *
imap_search_dated(struct imap_sparser *p, enum imap_skey_kind kind, const char *name)
{
	const struct imap_node *n = imap_search_arg(p, name);
	const char *str = imap_arg_astring(n, NULL);
	struct imap_skey *k;
	int64_t day;

	if (n == NULL)
		return NULL;
	if (str == NULL || n->is_literal || !imap_search_date(str, n->len, &day)) {
		imap_bad(p->s, NULL, "SEARCH: %s takes a date (d-Mon-yyyy)", name);
		return NULL;
	}
	if ((k = imap_search_new(p, kind)) != NULL)
		k->day = day;
	return k;
}

static struct imap_skey *
imap_search_sized(struct imap_sparser *p, enum imap_skey_kind kind, const char *name)
{
	const struct imap_node *n = imap_search_arg(p, name);
	struct imap_skey *k;
	uint64_t num;

	if (n == NULL)
		return NULL;
	if (!imap_node_number(n, &num)) {
		imap_bad(p->s, NULL, "SEARCH: %s takes a number", name);
		return NULL;
	}
	if ((k = imap_search_new(p, kind)) != NULL)
		k->num = num;
	return k;
}

static struct imap_skey *
imap_search_keyword(struct imap_sparser *p, const char *name, bool is_neg)
{
	const struct imap_node *n = imap_search_arg(p, name);
	struct imap_skey *k, *not;

	if (n == NULL)
		return NULL;
	if (n->kind != IMAP_NODE_ATOM || n->str[0] == '\\') {
		imap_bad(p->s, NULL, "SEARCH: %s takes a keyword", name);
		return NULL;
	}
	if ((k = imap_search_new(p, IMAP_SK_KEYWORD)) == NULL)
		return NULL;
	k->keyword = n->str;
	if (!is_neg)
		return k;
	if ((not = imap_search_new(p, IMAP_SK_NOT)) != NULL)
		not->child = k;
	return not;
}

/* A flag key (SEEN, UNSEEN...), or NULL when name is none. */
static struct imap_skey *
imap_search_flag(struct imap_sparser *p, const char *name, bool *is_flag_r)
{
	struct imap_skey *k, *not;
	size_t i;

	for (i = 0; i < sizeof(imap_search_flags) / sizeof(imap_search_flags[0]); i++)
		if (strcasecmp(name, imap_search_flags[i].name) == 0)
			break;
	if ((*is_flag_r = i < sizeof(imap_search_flags) / sizeof(imap_search_flags[0])) == false)
		return NULL;
	if ((k = imap_search_new(p, IMAP_SK_FLAG)) == NULL)
		return NULL;
	k->flag = imap_search_flags[i].flag;
	if (!imap_search_flags[i].is_neg)
		return k;
	if ((not = imap_search_new(p, IMAP_SK_NOT)) != NULL)
		not->child = k;
	return not;
}

/* n keys of the next arguments under a new node of kind (OR, NOT). */
static struct imap_skey *
imap_search_compound(struct imap_sparser *p, enum imap_skey_kind kind, size_t n,
    unsigned depth)
{
	struct imap_skey *k = imap_search_new(p, kind), **tail;
	size_t j;

	if (k == NULL)
		return NULL;
	for (tail = &k->child, j = 0; j < n; j++, tail = &(*tail)->next)
		if ((*tail = imap_search_key(p, depth + 1)) == NULL)
			return NULL;
	return k;
}

/* Every key of list[start..) under one AND node. */
static struct imap_skey *
imap_search_and(struct imap_sparser *p, const struct imap_node *list, size_t start,
    unsigned depth)
{
	struct imap_sparser sub = { p->s, p->a, list, start };
	struct imap_skey *k = imap_search_new(p, IMAP_SK_AND), **tail;

	if (k == NULL)
		return NULL;
	if (start >= imap_node_list_count(list)) {
		imap_bad(p->s, NULL, "SEARCH: search keys expected");
		return NULL;
	}
	for (tail = &k->child; sub.i < imap_node_list_count(list); tail = &(*tail)->next)
		if ((*tail = imap_search_key(&sub, depth + 1)) == NULL)
			return NULL;
	return k;
}

/* A sequence set, or a key with a simple argument. */
static struct imap_skey *
imap_search_named(struct imap_sparser *p, const char *name, unsigned depth)
{
	size_t i;

	for (i = 0; i < sizeof(imap_search_strings) / sizeof(imap_search_strings[0]); i++)
		if (strcasecmp(name, imap_search_strings[i].name) == 0) {
			struct imap_skey *k = imap_search_string(p, imap_search_strings[i].kind, name);

			if (k != NULL)
				k->field = imap_search_strings[i].field;
			return k;
		}
	for (i = 0; i < sizeof(imap_search_dates) / sizeof(imap_search_dates[0]); i++)
		if (strcasecmp(name, imap_search_dates[i].name) == 0)
			return imap_search_dated(p, imap_search_dates[i].kind, name);
	if (strcasecmp(name, "LARGER") == 0 || strcasecmp(name, "SMALLER") == 0)
		return imap_search_sized(p, name[0] == 'L' || name[0] == 'l' ?
		    IMAP_SK_LARGER : IMAP_SK_SMALLER, name);
	if (strcasecmp(name, "KEYWORD") == 0 || strcasecmp(name, "UNKEYWORD") == 0)
		return imap_search_keyword(p, name, name[0] == 'U' || name[0] == 'u');
	if (strcasecmp(name, "HEADER") == 0)
		return imap_search_header(p);
	if (strcasecmp(name, "NOT") == 0)
		return imap_search_compound(p, IMAP_SK_NOT, 1, depth);
	if (strcasecmp(name, "OR") == 0)
		return imap_search_compound(p, IMAP_SK_OR, 2, depth);
	if (strcasecmp(name, "ALL") == 0)
		return imap_search_new(p, IMAP_SK_ALL);
	if (!p->s->is_rev2 && strcasecmp(name, "NEW") == 0)
		return imap_search_new(p, IMAP_SK_NEW);
	if (!p->s->is_rev2 && strcasecmp(name, "OLD") == 0)
		return imap_search_new(p, IMAP_SK_OLD);
	if (!p->s->is_rev2 && strcasecmp(name, "RECENT") == 0)
		return imap_search_new(p, IMAP_SK_RECENT);
	imap_bad(p->s, NULL, "SEARCH: unknown search key %.40s", name);
	return NULL;
}

static struct imap_skey *
imap_search_set(struct imap_sparser *p, const struct imap_node *n, bool is_uid)
{
	struct imap_skey *k = imap_search_new(p, is_uid ? IMAP_SK_UIDSET : IMAP_SK_SEQSET);

	if (k != NULL && !imap_view_seqset(p->s, n, is_uid, &k->set))
		return NULL;
	return k;
}

static struct imap_skey *
imap_search_key(struct imap_sparser *p, unsigned depth)
{
	const struct imap_node *n = imap_node_list_get(p->list, p->i++);
	bool is_flag;
	struct imap_skey *k;

	if (depth > IMAP_SEARCH_DEPTH_MAX) {
		imap_bad(p->s, "LIMIT", "SEARCH: criteria nested too deeply");
		return NULL;
	}
	if (n == NULL) {
		imap_bad(p->s, NULL, "SEARCH: search key expected");
		return NULL;
	}
	if (n->kind == IMAP_NODE_LIST)
		return imap_search_and(p, n, 0, depth);
	if (n->kind == IMAP_NODE_NUMBER || (n->kind == IMAP_NODE_ATOM &&
	    (n->str[0] == '*' || n->str[0] == '$' || (n->str[0] >= '0' && n->str[0] <= '9'))))
		return imap_search_set(p, n, false);
	if (n->kind != IMAP_NODE_ATOM) {
		imap_bad(p->s, NULL, "SEARCH: search key expected");
		return NULL;
	}
	if (strcasecmp(n->str, "UID") == 0) {
		const struct imap_node *arg = imap_search_arg(p, "UID");

		return arg == NULL ? NULL : imap_search_set(p, arg, true);
	}
	if ((k = imap_search_flag(p, n->str, &is_flag)) != NULL || is_flag)
		return k;
	return imap_search_named(p, n->str, depth);
}

struct imap_skey *
imap_search_parse(struct imap_session *s, struct arena *a, const struct imap_node *list,
    size_t start)
{
	struct imap_sparser p = { s, a, list, start };

	return imap_search_and(&p, list, start, 0);
}
