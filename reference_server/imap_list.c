/* imap_list.c: LIST (basic and extended), LSUB and NAMESPACE.
 *
 * RFC 9051 §6.3.9 (LIST: reference + pattern form the canonical pattern,
 * here by plain concatenation; "*" and "%" wildcards; LIST "" "" gives
 * the delimiter; INBOX listed when "INBOX" matches; a "%" that stops
 * above existing mailboxes returns the level that does not exist;
 * patterns the server cannot take are ignored, not refused), §6.3.9.1
 * (selection options SUBSCRIBED, REMOTE (no remote mailboxes here),
 * RECURSIVEMATCH, BAD alone; unknown options are BAD), §6.3.9.2 (return
 * options SUBSCRIBED, CHILDREN, STATUS: a STATUS response after the LIST
 * of each selectable mailbox), §6.3.9.3 (one LIST response per name),
 * §6.3.9.5 (\HasChildren / \HasNoChildren, always sent here, RFC 3348),
 * §6.3.9.6 (CHILDINFO only with RECURSIVEMATCH and only when a matching
 * descendant is not itself returned; "\NonExistent \HasChildren" for a
 * missing parent otherwise), §6.3.10 and RFC 2342 (NAMESPACE: one
 * personal namespace "" with "/"), §7.3.1 (attributes; \NonExistent
 * implies \Noselect); RFC 5258 (LIST-EXTENDED), RFC 5819 (LIST-STATUS),
 * RFC 6154 §3-§4 (special-use attributes in LIST, the SPECIAL-USE
 * selection and return options); RFC 3501 §6.3.9 (LSUB for IMAP4rev1
 * clients: a "%" above a subscribed name returns it with \Noselect).
 *
 * IMAP4rev1 clients get \Noselect where IMAP4rev2 or the extended syntax
 * say \NonExistent, and names in modified UTF-7 (imap_out_mailbox).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_private.h"

#define IMAP_LIST_PATTERNS	16

#define IMAP_SEL_SUBSCRIBED	0x1
#define IMAP_SEL_REMOTE		0x2
#define IMAP_SEL_RECURSIVE	0x4
#define IMAP_SEL_SPECIAL	0x8

#define IMAP_RET_SUBSCRIBED	0x1
#define IMAP_RET_CHILDREN	0x2
#define IMAP_RET_SPECIAL	0x4
#define IMAP_RET_STATUS		0x8

struct imap_list_entry {
	char *name;
	bool is_real;		/* the mailbox exists */
	bool is_sub;		/* subscribed */
	bool is_match;		/* a pattern matches it */
	bool is_sel;		/* it meets the selection criteria */
};

struct imap_list {
	struct imap_session *s;
	struct imap_list_entry *v;
	size_t n, cap;
	char *patterns[IMAP_LIST_PATTERNS];
	size_t npatterns, pattern_bytes;
	unsigned sel, ret;
	const struct imap_node *status_items;
	bool is_extended;
	bool is_lsub;
	bool is_failed;		/* out of memory: the list is incomplete */
};

/* ---- the candidate names ---- */

static void
imap_list_add(struct imap_list *l, const char *name, size_t len, bool is_real,
    bool is_sub)
{
	struct imap_list_entry *nv;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap == 0 ? 64 : l->cap * 2;
		if ((nv = realloc(l->v, cap * sizeof(*nv))) == NULL) {
			l->is_failed = true;
			return;
		}
		l->v = nv;
		l->cap = cap;
	}
	nv = &l->v[l->n];
	memset(nv, 0, sizeof(*nv));
	if ((nv->name = strndup(name, len)) == NULL) {
		l->is_failed = true;
		return;
	}
	nv->is_real = is_real;
	nv->is_sub = is_sub;
	l->n++;
}

/* name and every level above it (those as neither real nor subscribed). */
static void
imap_list_add_tree(struct imap_list *l, const char *name, bool is_real, bool is_sub)
{
	const char *p;

	imap_list_add(l, name, strlen(name), is_real, is_sub);
	for (p = strchr(name, IMAP_DELIM); p != NULL; p = strchr(p + 1, IMAP_DELIM))
		imap_list_add(l, name, (size_t)(p - name), false, false);
}

static void
imap_list_on_mailbox(void *arg, const char *name)
{
	if (imap_name_check(name) == NULL)	/* hides the store's own names */
		imap_list_add_tree(arg, name, true, false);
}

static void
imap_list_on_sub(void *arg, const char *name)
{
	imap_list_add_tree(arg, name, false, true);
}

static int
imap_list_cmp(const void *a, const void *b)
{
	return strcmp(((const struct imap_list_entry *)a)->name,
	    ((const struct imap_list_entry *)b)->name);
}

/* Sort and merge duplicates (a name both real and subscribed...). */
static void
imap_list_merge(struct imap_list *l)
{
	size_t i, o = 0;

	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), imap_list_cmp);
	for (i = 0; i < l->n; i++) {
		if (o > 0 && strcmp(l->v[o - 1].name, l->v[i].name) == 0) {
			l->v[o - 1].is_real |= l->v[i].is_real;
			l->v[o - 1].is_sub |= l->v[i].is_sub;
			free(l->v[i].name);
			continue;
		}
		l->v[o++] = l->v[i];
	}
	l->n = o;
}

static void
imap_list_free(struct imap_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	for (i = 0; i < l->npatterns; i++)
		free(l->patterns[i]);
}

/* ---- matching and selection ---- */

static bool
imap_list_matches(const struct imap_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->npatterns; i++)
		if (imap_name_match(l->patterns[i], name))
			return true;
	return false;
}

static bool
imap_list_selected(const struct imap_list *l, const struct imap_list_entry *e)
{
	bool is_sel = (l->sel & IMAP_SEL_SUBSCRIBED) || l->is_lsub ? e->is_sub : e->is_real;

	if (l->sel & IMAP_SEL_SPECIAL)
		is_sel = is_sel && e->is_real && imap_mailbox_special_use(e->name) != NULL;
	return is_sel;
}

/* Below entry i: an existing child, and a selected one no pattern matches. */
static void
imap_list_below(const struct imap_list *l, size_t i, bool *has_children_r,
    bool *has_hidden_r)
{
	const char *name = l->v[i].name;
	size_t len = strlen(name), j;

	*has_children_r = *has_hidden_r = false;
	for (j = i + 1; j < l->n && strncmp(l->v[j].name, name, len) == 0; j++) {
		if (l->v[j].name[len] != IMAP_DELIM)
			continue;
		*has_children_r |= l->v[j].is_real;
		*has_hidden_r |= l->v[j].is_sel && !l->v[j].is_match;
	}
}

/* ---- output ---- */

static void
imap_list_attr(struct imap_session *s, bool *is_first, const char *attr)
{
	imap_out_printf(s, "%s%s", *is_first ? "" : " ", attr);
	*is_first = false;
}

static void
imap_list_send(struct imap_list *l, const struct imap_list_entry *e,
    bool has_children, bool has_childinfo)
{
	struct imap_session *s = l->s;
	const char *special = e->is_real ? imap_mailbox_special_use(e->name) : NULL;
	bool is_first = true;

	imap_out_begin(s, l->is_lsub ? "* LSUB (" : "* LIST (");
	if (l->is_lsub ? !e->is_sub : !e->is_real)
		imap_list_attr(s, &is_first, !l->is_lsub && (l->is_extended || s->is_rev2) ?
		    "\\NonExistent" : "\\Noselect");
	if (!l->is_lsub)
		imap_list_attr(s, &is_first, has_children ? "\\HasChildren" :
		    "\\HasNoChildren");
	if (e->is_sub && ((l->ret & IMAP_RET_SUBSCRIBED) || (l->sel & IMAP_SEL_SUBSCRIBED)))
		imap_list_attr(s, &is_first, "\\Subscribed");
	if (special != NULL && !l->is_lsub)
		imap_list_attr(s, &is_first, special);
	imap_out_printf(s, ") \"%c\" ", IMAP_DELIM);
	imap_out_mailbox(s, e->name);
	if (has_childinfo)
		imap_out_printf(s, " (\"CHILDINFO\" (%s%s%s))",
		    (l->sel & IMAP_SEL_SUBSCRIBED) ? "\"SUBSCRIBED\"" : "",
		    (l->sel & IMAP_SEL_SUBSCRIBED) && (l->sel & IMAP_SEL_SPECIAL) ? " " : "",
		    (l->sel & IMAP_SEL_SPECIAL) ? "\"SPECIAL-USE\"" : "");
	imap_out_end(s);
	if ((l->ret & IMAP_RET_STATUS) && e->is_real && e->is_sel)
		imap_status_send(s, e->name, l->status_items);
}

/* One candidate: returned or not (§6.3.9.3, §6.3.9.6 table 3). */
static void
imap_list_consider(struct imap_list *l, size_t i)
{
	const struct imap_list_entry *e = &l->v[i];
	bool has_children, has_hidden;

	if (!e->is_match)
		return;
	imap_list_below(l, i, &has_children, &has_hidden);
	if (e->is_sel)
		imap_list_send(l, e, has_children,
		    (l->sel & IMAP_SEL_RECURSIVE) && has_hidden);
	else if ((l->sel & IMAP_SEL_RECURSIVE) && has_hidden)
		imap_list_send(l, e, has_children, true);
	else if (has_hidden && (l->is_lsub ||
	    !(l->sel & (IMAP_SEL_SUBSCRIBED | IMAP_SEL_SPECIAL))))
		imap_list_send(l, e, has_children, false);	/* a "%" level */
}

static void
imap_list_run(struct imap_list *l)
{
	struct imap_session *s = l->s;
	bool need_subs = l->is_lsub || (l->sel & IMAP_SEL_SUBSCRIBED) ||
	    (l->ret & IMAP_RET_SUBSCRIBED);
	size_t i;

	if ((!l->is_lsub && store_mailbox_list(s->srv->store, s->user,
	    imap_list_on_mailbox, l) != 0) ||
	    (need_subs && imap_subs_each(s, imap_list_on_sub, l) != 0) || l->is_failed) {
		imap_no(s, "UNAVAILABLE", "Cannot read the mailbox list");
		return;
	}
	imap_list_merge(l);
	for (i = 0; i < l->n; i++) {
		l->v[i].is_match = imap_list_matches(l, l->v[i].name);
		l->v[i].is_sel = imap_list_selected(l, &l->v[i]);
	}
	for (i = 0; i < l->n; i++)
		imap_list_consider(l, i);
	imap_ok(s, NULL, "%s completed", l->is_lsub ? "LSUB" : "LIST");
}

/* ---- arguments ---- */

/* reference + pattern into a canonical UTF-8 pattern; ignored when it
 * cannot be taken (§6.3.9: no LIST response for it, still OK). */
static void
imap_list_add_pattern(struct imap_list *l, const char *ref, const char *pat)
{
	char raw[IMAP_PATTERNS_MAX + 1], dec[IMAP_PATTERNS_MAX * 2 + 1];
	size_t len = strlen(ref) + strlen(pat);

	if ((l->is_extended && pat[0] == '\0') || l->npatterns == IMAP_LIST_PATTERNS ||
	    l->pattern_bytes + len > IMAP_PATTERNS_MAX)
		return;
	snprintf(raw, sizeof(raw), "%s%s", ref, pat);
	if (l->s->is_rev2)
		snprintf(dec, sizeof(dec), "%s", raw);
	else if (imap_name_utf7_decode(raw, len, dec, sizeof(dec)) != 0)
		return;
	imap_name_canonical(dec);
	if ((l->patterns[l->npatterns] = strdup(dec)) == NULL) {
		l->is_failed = true;
		return;
	}
	l->npatterns++;
	l->pattern_bytes += len;
}

static bool
imap_list_options(struct imap_list *l, const struct imap_node *opts, bool is_return)
{
	static const char *const sel[] = { "SUBSCRIBED", "REMOTE", "RECURSIVEMATCH",
	    "SPECIAL-USE" };
	static const char *const ret[] = { "SUBSCRIBED", "CHILDREN", "SPECIAL-USE",
	    "STATUS" };
	const char *const *names = is_return ? ret : sel;
	size_t i, k, n = imap_node_list_count(opts);
	const struct imap_node *o;

	for (i = 0; i < n; i++) {
		o = imap_node_list_get(opts, i);
		for (k = 0; k < 4 && !imap_node_is_atom(o, names[k]); k++)
			;
		if (k == 4)
			return false;
		if (is_return && k == 3) {	/* STATUS (items) */
			l->status_items = imap_node_list_get(opts, ++i);
			if (l->status_items == NULL ||
			    !imap_status_items_ok(l->s, l->status_items))
				return false;
		}
		if (is_return)
			l->ret |= 1u << k;
		else
			l->sel |= k == 0 ? IMAP_SEL_SUBSCRIBED : k == 1 ? IMAP_SEL_REMOTE :
			    k == 2 ? IMAP_SEL_RECURSIVE : IMAP_SEL_SPECIAL;
	}
	return true;
}

/* [selection] reference patterns [RETURN (options)]; false: BAD. */
static bool
imap_list_args(struct imap_list *l, const struct imap_cmd *cmd,
    const struct imap_node **ref_r, const struct imap_node **pat_r)
{
	size_t i = 0, n = imap_cmd_nargs(cmd);
	const struct imap_node *a = imap_cmd_arg(cmd, 0), *r;

	if (a != NULL && a->kind == IMAP_NODE_LIST) {
		l->is_extended = true;
		if (!imap_list_options(l, a, false))
			return false;
		i++;
	}
	*ref_r = imap_cmd_arg(cmd, i);
	*pat_r = imap_cmd_arg(cmd, i + 1);
	if (*pat_r == NULL || imap_arg_astring(*ref_r, NULL) == NULL ||
	    ((*pat_r)->kind != IMAP_NODE_LIST && imap_arg_astring(*pat_r, NULL) == NULL))
		return false;
	if ((*pat_r)->kind == IMAP_NODE_LIST)
		l->is_extended = true;
	i += 2;
	if (i == n)
		return true;
	r = imap_cmd_arg(cmd, i + 1);
	l->is_extended = true;
	return i + 2 == n && imap_node_is_atom(imap_cmd_arg(cmd, i), "RETURN") &&
	    r->kind == IMAP_NODE_LIST && imap_list_options(l, r, true);
}

static void
imap_list_patterns(struct imap_list *l, const struct imap_node *ref,
    const struct imap_node *pat)
{
	const char *r = imap_arg_astring(ref, NULL), *p;
	size_t i;

	if (pat->kind != IMAP_NODE_LIST) {
		imap_list_add_pattern(l, r, imap_arg_astring(pat, NULL));
		return;
	}
	for (i = 0; i < imap_node_list_count(pat); i++)
		if ((p = imap_arg_astring(imap_node_list_get(pat, i), NULL)) != NULL)
			imap_list_add_pattern(l, r, p);
}

static void
imap_proceed_list(struct imap_session *s, const struct imap_cmd *cmd)
{
	struct imap_list l = { .s = s, .is_lsub = strcmp(cmd->name, "LSUB") == 0 };
	const struct imap_node *ref, *pat;

	if (!imap_list_args(&l, cmd, &ref, &pat) || (l.is_lsub && l.is_extended))
		imap_bad(s, NULL, "%s: invalid arguments or options", cmd->name);
	else if ((l.sel & IMAP_SEL_RECURSIVE) &&
	    !(l.sel & (IMAP_SEL_SUBSCRIBED | IMAP_SEL_SPECIAL))) {
		imap_bad(s, NULL, "RECURSIVEMATCH needs another selection option");
	} else if (!l.is_extended && pat->len == 0) {
		imap_untagged(s, "%s (\\Noselect) \"%c\" \"\"", cmd->name, IMAP_DELIM);
		imap_ok(s, NULL, "%s completed", cmd->name);
	} else {
		imap_list_patterns(&l, ref, pat);
		imap_list_run(&l);
	}
	imap_list_free(&l);
}

/* ---- one mailbox (SELECT under IMAP4rev2, §6.3.2) ---- */

struct imap_list_one {
	const char *name;
	size_t len;
	bool has_children;
};

static void
imap_list_on_child(void *arg, const char *name)
{
	struct imap_list_one *o = arg;

	if (strncmp(name, o->name, o->len) == 0 && name[o->len] == IMAP_DELIM)
		o->has_children = true;
}

void
imap_list_send_one(struct imap_session *s, const char *name)
{
	struct imap_list_one o = { name, strlen(name), false };
	const char *special = imap_mailbox_special_use(name);

	if (store_mailbox_list(s->srv->store, s->user, imap_list_on_child, &o) != 0)
		return;
	imap_out_begin(s, "* LIST (");
	imap_out_printf(s, "%s%s%s) \"%c\" ", o.has_children ? "\\HasChildren" :
	    "\\HasNoChildren", special != NULL ? " " : "", special != NULL ? special : "",
	    IMAP_DELIM);
	imap_out_mailbox(s, name);
	imap_out_end(s);
}

/* ---- NAMESPACE (§6.3.10, RFC 2342) ---- */

static void
imap_proceed_namespace(struct imap_session *s, const struct imap_cmd *cmd)
{
	(void)cmd;
	imap_untagged(s, "NAMESPACE ((\"\" \"%c\")) NIL NIL", IMAP_DELIM);
	imap_ok(s, NULL, "NAMESPACE completed");
}

const struct imap_handler imap_list_handlers[] = {
	{ "LIST", IMAP_STATES_LOGGED_IN, 0, NULL, imap_proceed_list },
	{ "LSUB", IMAP_STATES_LOGGED_IN, 0, NULL, imap_proceed_list },
	{ "NAMESPACE", IMAP_STATES_LOGGED_IN, 0, imap_check_no_args, imap_proceed_namespace },
};

const size_t imap_list_handlers_len =
    sizeof(imap_list_handlers) / sizeof(imap_list_handlers[0]);
