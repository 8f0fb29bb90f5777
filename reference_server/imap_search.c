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
 * Not supported: RETURN (SAVE) and "$" (SEARCHRES, RFC 5182) are BAD.
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

struct imap_search_out {
	struct buf text;
	size_t pos;
};

/* RETURN (...): the options into *ret_r; false with BAD sent. */
static bool
imap_search_return(struct imap_session *s, const struct imap_node *list, unsigned *ret_r)
{
	static const char *const names[] = { "MIN", "MAX", "ALL", "COUNT" };
	size_t i, k, n = imap_node_list_count(list);

	*ret_r = 0;
	if (list == NULL || list->kind != IMAP_NODE_LIST) {
		imap_bad(s, NULL, "SEARCH: RETURN needs a list of options");
		return false;
	}
	for (i = 0; i < n; i++) {
		const struct imap_node *o = imap_node_list_get(list, i);

		for (k = 0; k < 4 && !imap_node_is_atom(o, names[k]); k++)
			;
		if (k == 4) {
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

/* CHARSET c at args[*i]: accepted (UTF-8, US-ASCII) or NO sent. */
static bool
imap_search_charset(struct imap_session *s, const struct imap_cmd *cmd, size_t *i)
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
		imap_no(s, "SERVERBUG", "Out of memory");
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
	if (!imap_search_charset(s, cmd, &i))
		return;
	if ((a = arena_new(IMAP_SEARCH_ARENA_MAX)) == NULL) {
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
