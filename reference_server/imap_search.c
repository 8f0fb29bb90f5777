/* imap_search.c: SEARCH and UID SEARCH: result options, CHARSET, the
 * search over the view, and the SEARCH / ESEARCH response.
 *
 * RFC 9051 §6.4.4 (SEARCH [RETURN (options)] [CHARSET c] keys; result
 * options MIN, MAX, ALL, COUNT, "()" meaning ALL, unknown options BAD;
 * US-ASCII and UTF-8 are supported, another charset is NO [BADCHARSET];
 * with no match MIN, MAX and ALL are left out but ESEARCH is still sent,
 * COUNT always), §6.4.9 (UID SEARCH: UIDs in the result, the UID
 * indicator in ESEARCH), §7.1 (BADCHARSET lists the charsets), §7.3.4
 * (ESEARCH: the search correlator (TAG "tag"); ALL as a sequence set),
 * §7.5.1 (no EXPUNGE response during SEARCH: the handler is IMAP_H_SEQ;
 * a message expunged meanwhile matches nothing); RFC 4731 §3 (ESEARCH
 * and RETURN for IMAP4rev1 clients: ESEARCH is advertised); RFC 3501
 * §7.2.5 (IMAP4rev1 without RETURN: "* SEARCH n n ..."; IMAP4rev2 always
 * answers ESEARCH, RFC 9051 Appendix E item 4).
 *
 * SEARCHRES (RFC 5182 §2.1, §2.4; RFC 9051 §6.4.4 SAVE, §6.4.4.1): RETURN
 * (SAVE) keeps the result in the search result variable, as UIDs, for
 * "$" in any later command, UID or not; SAVE alone sends no SEARCH or
 * ESEARCH response; with MIN and/or MAX but neither ALL nor COUNT only
 * those messages are kept. A SEARCH with SAVE that ends NO empties the
 * variable; one that ends BAD, or has no SAVE, leaves it alone. "$" in
 * the criteria means the result saved before this command. Advertised as
 * SEARCHRES for IMAP4rev1 clients (RFC 9051 Appendix A and E item 2); it
 * needs ESEARCH, which is advertised too (RFC 5182 §2.1).
 *
 * The response can be long (one number per message), so it is built
 * whole, then queued through imap_stream_start() while the socket takes
 * it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "imap_search.h"

#define IMAP_SEARCH_ARENA_MAX	((size_t)4 << 20)
#define IMAP_SEARCH_CHUNK	(64 * 1024)

#define IMAP_SR_MIN	0x1
#define IMAP_SR_MAX	0x2
#define IMAP_SR_ALL	0x4
#define IMAP_SR_COUNT	0x8
#define IMAP_SR_SAVE	0x10

struct imap_search_out {
	struct buf text;
	size_t pos;
};

/* RETURN (...): the options into *ret_r; false with BAD sent. */
static bool
imap_search_return(struct imap_session *s, const struct imap_node *list, unsigned *ret_r)
{
	static const char *const names[] = { "MIN", "MAX", "ALL", "COUNT", "SAVE" };
	const size_t nnames = sizeof(names) / sizeof(names[0]);
	size_t i, k, n = imap_node_list_count(list);

	*ret_r = 0;
	if (list == NULL || list->kind != IMAP_NODE_LIST) {
		imap_bad(s, NULL, "SEARCH: RETURN needs a list of options");
		return false;
	}
	for (i = 0; i < n; i++) {
		const struct imap_node *o = imap_node_list_get(list, i);

		for (k = 0; k < nnames && !imap_node_is_atom(o, names[k]); k++)
			;
		if (k == nnames) {
			imap_bad(s, NULL, "SEARCH: unsupported result option %.40s",
			    o->kind == IMAP_NODE_ATOM ? o->str : "");
			return false;
		}
		*ret_r |= 1u << k;
	}
	if (*ret_r == 0)
		*ret_r = IMAP_SR_ALL;	/* "()" means ALL */
	return true;
}

/* ---- the search result variable (SEARCHRES) ---- */

bool
imap_saved_has(const struct imap_session *s, uint32_t uid)
{
	size_t lo = 0, hi = s->view.nsaved, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->view.saved[mid] == uid)
			return true;
		if (s->view.saved[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool
imap_set_has(const struct imap_session *s, const struct imap_seqset *set,
    uint32_t num, uint32_t uid)
{
	return imap_seqset_contains(set, num) || (set->has_dollar && imap_saved_has(s, uid));
}

/* Whether v[i] of n found messages is saved: with MIN and/or MAX but
 * neither ALL nor COUNT only the MIN/MAX ones are (RFC 5182 §2.4). */
static bool
imap_saved_keeps(unsigned ret, size_t i, size_t n)
{
	if ((ret & (IMAP_SR_ALL | IMAP_SR_COUNT)) || !(ret & (IMAP_SR_MIN | IMAP_SR_MAX)))
		return true;
	return (i == 0 && (ret & IMAP_SR_MIN)) || (i == n - 1 && (ret & IMAP_SR_MAX));
}

/* Replace the variable with the UIDs of v[0..n) (sequence numbers unless
 * is_uid; ascending) that imap_saved_keeps(); false when out of memory
 * (the variable is then empty). */
static bool
imap_saved_set(struct imap_session *s, const uint32_t *v, size_t n, unsigned ret,
    bool is_uid)
{
	struct imap_view *view = &s->view;
	size_t i, k = 0;
	uint32_t *keep;

	free(view->saved);
	view->saved = NULL;
	view->nsaved = 0;
	if (n == 0)
		return true;
	if ((keep = calloc(n, sizeof(*keep))) == NULL)
		return false;
	for (i = 0; i < n; i++)
		if (imap_saved_keeps(ret, i, n))
			keep[k++] = is_uid ? v[i] : imap_view_get(s, v[i])->uid;
	view->saved = keep;
	view->nsaved = k;
	return true;
}

/* A SEARCH with SAVE failed with NO: the variable becomes empty
 * (RFC 5182 §2.1). */
static void
imap_saved_fail(struct imap_session *s, unsigned ret)
{
	if (ret & IMAP_SR_SAVE)
		(void)imap_saved_set(s, NULL, 0, 0, true);
}

/* CHARSET c at args[*i]: accepted (UTF-8, US-ASCII) or NO sent. */
static bool
imap_search_charset(struct imap_session *s, const struct imap_cmd *cmd, size_t *i,
    unsigned ret)
{
	const char *cs;

	if (!imap_node_is_atom(imap_cmd_arg(cmd, *i), "CHARSET"))
		return true;
	cs = imap_arg_astring(imap_cmd_arg(cmd, *i + 1), NULL);
	if (cs == NULL) {
		imap_bad(s, NULL, "SEARCH: CHARSET needs a charset name");
		return false;
	}
	if (strcasecmp(cs, "UTF-8") != 0 && strcasecmp(cs, "US-ASCII") != 0) {
		imap_saved_fail(s, ret);
		imap_no(s, "BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset");
		return false;
	}
	*i += 2;
	return true;
}

static void
imap_search_write(struct imap_session *s, struct buf *b, const uint32_t *v, size_t n,
    unsigned ret, bool is_uid)
{
	size_t i;

	if (ret == IMAP_SR_SAVE)
		return;		/* SAVE alone: no response (RFC 9051 §6.4.4) */
	if (ret == 0) {		/* IMAP4rev1 without RETURN */
		buf_puts(b, "* SEARCH");
		for (i = 0; i < n; i++)
			buf_printf(b, " %u", (unsigned)v[i]);
		buf_puts(b, "\r\n");
		return;
	}
	buf_printf(b, "* ESEARCH (TAG \"%s\")%s", s->tag, is_uid ? " UID" : "");
	if ((ret & IMAP_SR_MIN) && n > 0)
		buf_printf(b, " MIN %u", (unsigned)v[0]);
	if ((ret & IMAP_SR_MAX) && n > 0)
		buf_printf(b, " MAX %u", (unsigned)v[n - 1]);
	if ((ret & IMAP_SR_ALL) && n > 0) {
		buf_puts(b, " ALL ");
		imap_set_write(b, v, n);
	}
	if (ret & IMAP_SR_COUNT)
		buf_printf(b, " COUNT %zu", n);
	buf_puts(b, "\r\n");
}

static void
imap_search_out_drop(struct imap_session *s)
{
	struct imap_search_out *o = s->stream.arg;

	if (o != NULL) {
		buf_release(&o->text);
		free(o);
	}
	s->stream.arg = NULL;
}

static bool
imap_search_out_pump(struct imap_session *s)
{
	struct imap_search_out *o = s->stream.arg;
	size_t n;

	while (o->pos < o->text.len) {
		if (io_out_is_busy(s->io))
			return false;
		n = o->text.len - o->pos;
		if (n > IMAP_SEARCH_CHUNK)
			n = IMAP_SEARCH_CHUNK;
		if (!io_write(s->io, o->text.data + o->pos, n))
			return false;	/* aborted: CLOSED follows, drop() frees */
		o->pos += n;
	}
	imap_search_out_drop(s);
	imap_ok(s, NULL, "SEARCH completed");
	return true;
}

/* The messages matching key: sequence numbers or UIDs, ascending. */
static uint32_t *
imap_search_run(struct imap_session *s, const struct imap_skey *key, bool is_uid,
    size_t *n_r)
{
	size_t i, count = imap_view_count(s);
	struct imap_search_ctx ctx;
	uint32_t *v = calloc(count + 1, sizeof(*v));

	*n_r = 0;
	if (v == NULL)
		return NULL;
	memset(&ctx, 0, sizeof(ctx));
	buf_init(&ctx.text, 0);
	buf_init(&ctx.body, 0);
	buf_init(&ctx.head, 0);
	for (i = 1; i <= count; i++) {
		const struct imap_view_msg *m = imap_view_get(s, (uint32_t)i);

		if (m->is_expunged || imap_view_store_msg(s, (uint32_t)i) == NULL)
			continue;
		if (imap_search_match(s, &ctx, (uint32_t)i, key))
			v[(*n_r)++] = is_uid ? m->uid : (uint32_t)i;
	}
	imap_search_ctx_free(&ctx);
	return v;
}

/* Search, then hand the response to the stream. */
static void
imap_search_answer(struct imap_session *s, const struct imap_skey *key, unsigned ret,
    bool is_uid)
{
	struct imap_search_out *o = calloc(1, sizeof(*o));
	uint32_t *v = NULL;
	size_t n;

	if (o == NULL || (v = imap_search_run(s, key, is_uid, &n)) == NULL) {
		free(o);
		imap_saved_fail(s, ret);
		imap_no(s, "SERVERBUG", "Out of memory");
		return;
	}
	if ((ret & IMAP_SR_SAVE) && !imap_saved_set(s, v, n, ret, is_uid)) {
		free(o);
		free(v);
		imap_no(s, "NOTSAVED", "Search result not saved");	/* RFC 5182 §2.5 */
		return;
	}
	buf_init(&o->text, (n + 1) * 12 + 2 * IMAP_TAG_MAX + 256);
	imap_search_write(s, &o->text, v, n, ret, is_uid);
	free(v);
	imap_stream_start(s, imap_search_out_pump, imap_search_out_drop, o);
}

static void
imap_proceed_search(struct imap_session *s, const struct imap_cmd *cmd)
{
	unsigned ret = s->is_rev2 ? IMAP_SR_ALL : 0;
	struct arena *a = NULL;
	struct imap_skey *key;
	size_t i = 0;

	if (imap_node_is_atom(imap_cmd_arg(cmd, 0), "RETURN")) {
		if (!imap_search_return(s, imap_cmd_arg(cmd, 1), &ret))
			return;
		i = 2;
	}
	if (!imap_search_charset(s, cmd, &i, ret))
		return;
	if ((a = arena_new(IMAP_SEARCH_ARENA_MAX)) == NULL) {
		imap_saved_fail(s, ret);
		imap_no(s, "SERVERBUG", "Out of memory");
		return;
	}
	if ((key = imap_search_parse(s, a, cmd->args, i)) != NULL)
		imap_search_answer(s, key, ret, cmd->is_uid);
	arena_free(&a);
}

const struct imap_handler imap_search_handlers[] = {
	{ "SEARCH", IMAP_STATE_SELECTED, IMAP_H_UID | IMAP_H_SEQ,
	    NULL, imap_proceed_search },
};

const size_t imap_search_handlers_len =
    sizeof(imap_search_handlers) / sizeof(imap_search_handlers[0]);
