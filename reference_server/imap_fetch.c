/* imap_fetch.c: FETCH and UID FETCH: the item list, the message loop
 * and the streamed response.
 *
 * RFC 9051 §6.4.5 (FETCH sequence-set items: one item, or a
 * parenthesized list; the macros ALL, FAST and FULL only alone;
 * BODY[section]<partial> sets \Seen and, when that changes the flags,
 * FLAGS is reported too; BODY.PEEK and BINARY.PEEK do not; partial is
 * "<origin.count>" in a command), §6.4.9 (UID FETCH: UIDs instead of
 * numbers, the UID item in every response, UIDs that do not exist are
 * ignored), §7.5.1 (no EXPUNGE response during FETCH: the handler is
 * IMAP_H_SEQ), §7.5.2 (the FETCH response), §9 (fetch-att); RFC 3516
 * §4.2-§4.3 (BINARY, BINARY.PEEK, BINARY.SIZE; NO [UNKNOWN-CTE]); RFC 3501
 * §6.4.5 (RFC822, RFC822.HEADER, RFC822.TEXT: IMAP4rev1 only, RFC 9051
 * Appendix E item 18 dropped them); RFC 5530 (EXPUNGEISSUED: a message
 * was expunged by another session before its data could be sent).
 * [READ-ONLY] mailboxes (EXAMINE) never get \Seen set (§6.3.3).
 *
 * The response streams (imap_stream_start()): each message's line is
 * built in f->line and queued in pieces, literals are queued from the
 * mapped message in chunks, and the loop stops while the socket is
 * busy, so a FETCH 1:* of large messages holds one message at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_fetch.h"

#define IMAP_FETCH_ITEMS_MAX	256	/* items in one FETCH */

/* ---- the item list ---- */

static const struct {
	const char *name;
	enum imap_fetch_kind kind;
} imap_fetch_simple[] = {
	{ "UID", IMAP_FI_UID }, { "FLAGS", IMAP_FI_FLAGS },
	{ "INTERNALDATE", IMAP_FI_INTERNALDATE }, { "RFC822.SIZE", IMAP_FI_SIZE },
	{ "ENVELOPE", IMAP_FI_ENVELOPE }, { "BODYSTRUCTURE", IMAP_FI_BODYSTRUCTURE },
};

/* "1.2.HEADER.FIELDS (From To)" of sec into b. */
static void
imap_fetch_section_text(struct buf *b, const struct imap_section *sec)
{
	size_t i, n = imap_node_list_count(sec->fields);

	for (i = 0; i < sec->nparts; i++)
		buf_printf(b, "%s%u", i > 0 ? "." : "", (unsigned)sec->parts[i]);
	if (sec->text[0] != '\0')
		buf_printf(b, "%s%s", sec->nparts > 0 ? "." : "", sec->text);
	if (sec->fields == NULL)
		return;
	buf_puts(b, " (");
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ' ');
		imap_node_write(b, imap_node_list_get(sec->fields, i));
	}
	buf_putc(b, ')');
}

/* The response label: "BODY[1.MIME]<0>", "BINARY.SIZE[2]", "RFC822". */
static bool
imap_fetch_label(struct imap_fetch_item *it, const char *name)
{
	struct buf b;

	buf_init(&b, IMAP_OUT_MAX);
	buf_puts(&b, name);
	if (it->sec != NULL) {
		buf_putc(&b, '[');
		imap_fetch_section_text(&b, it->sec);
		buf_putc(&b, ']');
		if (it->sec->has_partial)
			buf_printf(&b, "<%llu>", (unsigned long long)it->sec->partial_offset);
	}
	it->label = b.data != NULL ? strdup(b.data) : NULL;
	buf_release(&b);
	return it->label != NULL;
}

/* An item with a section (BODY[...], BINARY...[...]); false when bad. */
static bool
imap_fetch_sectioned(struct imap_session *s, struct imap_fetch_item *it,
    const char *name, const struct imap_node *secnode)
{
	bool is_binary = strncasecmp(name, "BINARY", 6) == 0;
	bool is_size = strcasecmp(name, "BINARY.SIZE") == 0;
	const struct imap_section *sec = secnode->section;

	if (sec->has_partial && (!sec->has_partial_len || sec->partial_len == 0 || is_size)) {
		imap_bad(s, NULL, "FETCH: partial must be <origin.count> with count > 0");
		return false;
	}
	it->sec = sec;
	it->kind = is_size ? IMAP_FI_BINARY_SIZE : is_binary ? IMAP_FI_BINARY : IMAP_FI_SECTION;
	it->sets_seen = strcasecmp(name, "BODY") == 0 || strcasecmp(name, "BINARY") == 0;
	if (imap_fetch_label(it, is_size ? "BINARY.SIZE" : is_binary ? "BINARY" : "BODY"))
		return true;
	imap_no(s, "SERVERBUG", "Out of memory");
	return false;
}

/* RFC822, RFC822.HEADER, RFC822.TEXT (IMAP4rev1): true when name is one. */
static bool
imap_fetch_rfc822(struct imap_fetch_item *it, const char *name)
{
	static const char *const names[] = { "RFC822", "RFC822.HEADER", "RFC822.TEXT" };
	static const char *const texts[] = { "", "HEADER", "TEXT" };
	size_t i;

	for (i = 0; i < 3; i++)
		if (strcasecmp(name, names[i]) == 0) {
			it->kind = IMAP_FI_SECTION;
			it->own.text = texts[i];
			it->sec = NULL;		/* imap_fetch_item_sec(): &own */
			it->sets_seen = i != 1;
			return imap_fetch_label(it, names[i]);
		}
	return false;
}

/* One item at list[*i] (a section after it is taken too). */
static bool
imap_fetch_parse_item(struct imap_session *s, const struct imap_node *list, size_t *i,
    struct imap_fetch_item *it)
{
	const struct imap_node *n = imap_node_list_get(list, *i);
	const struct imap_node *next = imap_node_list_get(list, *i + 1);
	size_t k;

	memset(it, 0, sizeof(*it));
	(*i)++;
	if (n->kind != IMAP_NODE_ATOM) {
		imap_bad(s, NULL, "FETCH: data item names are atoms");
		return false;
	}
	if (next != NULL && next->kind == IMAP_NODE_SECTION) {
		(*i)++;
		return imap_fetch_sectioned(s, it, n->str, next);
	}
	for (k = 0; k < sizeof(imap_fetch_simple) / sizeof(imap_fetch_simple[0]); k++)
		if (strcasecmp(n->str, imap_fetch_simple[k].name) == 0) {
			it->kind = imap_fetch_simple[k].kind;
			return true;
		}
	if (strcasecmp(n->str, "BODY") == 0) {
		it->kind = IMAP_FI_BODY;
		return true;
	}
	if (!s->is_rev2 && imap_fetch_rfc822(it, n->str))
		return true;
	imap_bad(s, NULL, "FETCH: unknown data item %.40s", n->str);
	return false;
}

static bool
imap_fetch_add(struct imap_session *s, struct imap_fetch *f, const struct imap_fetch_item *it)
{
	if (f->nitems == IMAP_FETCH_ITEMS_MAX) {
		free(it->label);
		imap_bad(s, "LIMIT", "FETCH: too many data items");
		return false;
	}
	f->items[f->nitems++] = *it;
	f->has_flags |= it->kind == IMAP_FI_FLAGS;
	f->sets_seen |= it->sets_seen;
	f->needs_data |= it->kind >= IMAP_FI_ENVELOPE;
	return true;
}

/* Items list[start..) (the whole list must be items). */
static bool
imap_fetch_parse_list(struct imap_session *s, struct imap_fetch *f,
    const struct imap_node *list, size_t start)
{
	size_t i = start, n = imap_node_list_count(list);
	struct imap_fetch_item it;

	while (i < n)
		if (!imap_fetch_parse_item(s, list, &i, &it) || !imap_fetch_add(s, f, &it))
			return false;
	return true;
}

/* ALL, FAST, FULL (§6.4.5): only alone, never inside a list. */
static bool
imap_fetch_macro(struct imap_session *s, struct imap_fetch *f, const char *name)
{
	static const char *const macros[] = { "FAST", "ALL", "FULL" };
	enum imap_fetch_kind kinds[] = { IMAP_FI_FLAGS, IMAP_FI_INTERNALDATE,
	    IMAP_FI_SIZE, IMAP_FI_ENVELOPE, IMAP_FI_BODY };
	struct imap_fetch_item it;
	size_t m, k;

	for (m = 0; m < 3; m++)
		if (strcasecmp(name, macros[m]) == 0)
			break;
	if (m == 3)
		return false;
	for (k = 0; k < 3 + m; k++) {
		memset(&it, 0, sizeof(it));
		it.kind = kinds[k];
		imap_fetch_add(s, f, &it);
	}
	return true;
}

static bool
imap_fetch_parse(struct imap_session *s, const struct imap_cmd *cmd, struct imap_fetch *f)
{
	const struct imap_node *a1 = imap_cmd_arg(cmd, 1);
	struct imap_fetch_item uid = { .kind = IMAP_FI_UID };
	size_t i, nargs = imap_cmd_nargs(cmd);

	if (cmd->is_uid && !imap_fetch_add(s, f, &uid))
		return false;
	if (nargs == 2 && a1->kind == IMAP_NODE_LIST) {
		if (imap_node_list_count(a1) == 0) {
			imap_bad(s, NULL, "FETCH: empty data item list");
			return false;
		}
		if (!imap_fetch_parse_list(s, f, a1, 0))
			return false;
	} else if (nargs == 2 && a1->kind == IMAP_NODE_ATOM && imap_fetch_macro(s, f, a1->str))
		;
	else if (!imap_fetch_parse_list(s, f, cmd->args, 1))
		return false;
	else if (f->nitems - cmd->is_uid != 1) {
		imap_bad(s, NULL, "FETCH: several data items need parentheses");
		return false;
	}
	for (i = 1; cmd->is_uid && i < f->nitems; i++)	/* UID asked for again */
		if (f->items[i].kind == IMAP_FI_UID)
			f->items[i--] = f->items[--f->nitems];
	return true;
}

/* ---- the state ---- */

static void
imap_fetch_free(struct imap_fetch **fp)
{
	struct imap_fetch *f = *fp;
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nitems; i++)
		free(f->items[i].label);
	free(f->items);
	imap_msgset_free(&f->set);
	imap_msgdata_free(&f->md);
	buf_release(&f->line);
	buf_release(&f->value);
	free(f);
	*fp = NULL;
}

static void
imap_fetch_drop(struct imap_session *s)
{
	struct imap_fetch *f = s->stream.arg;

	imap_fetch_free(&f);
	s->stream.arg = NULL;
}

/* ---- the message loop ---- */

static void
imap_fetch_begin_msg(struct imap_session *s, struct imap_fetch *f)
{
	uint32_t seq = f->set.seqs[f->next++];
	const struct imap_view_msg *m = imap_view_get(s, seq);

	if (imap_view_store_msg(s, seq) == NULL ||
	    (f->needs_data && imap_msgdata_open(s, &f->md, seq) != 0)) {
		f->has_gone = true;
		return;
	}
	if (f->needs_data && imap_fetch_has_unknown_cte(f)) {
		f->has_unknown_cte = true;
		imap_msgdata_close(&f->md);
		return;
	}
	f->has_seen_changed = false;
	if (f->sets_seen && !s->view.is_readonly && !(m->flags & STORE_F_SEEN) &&
	    imap_view_set_flags(s, seq, m->flags | STORE_F_SEEN, NULL) == 0)
		f->has_seen_changed = true;
	buf_printf(&f->line, "* %u FETCH (", (unsigned)seq);
	f->seq = seq;
	f->item = 0;
	f->is_in_msg = true;
	if (f->has_seen_changed && !f->has_flags) {	/* §6.4.5: SHOULD; first, */
		struct imap_fetch_item flags = { .kind = IMAP_FI_FLAGS };

		imap_fetch_item_write(s, f, &flags);	/* before any literal */
		buf_putc(&f->line, ' ');
	}
}

static void
imap_fetch_end_msg(struct imap_session *s, struct imap_fetch *f)
{
	if (!buf_puts(&f->line, ")\r\n"))
		f->has_failed = true;
	imap_fetch_flush(s, f);
	imap_msgdata_close(&f->md);
	f->is_in_msg = false;
}

/* The tagged reply; f is freed first. */
static void
imap_fetch_finish(struct imap_session *s, struct imap_fetch *f)
{
	bool has_gone = f->has_gone, has_unknown_cte = f->has_unknown_cte;

	imap_fetch_free(&f);
	s->stream.arg = NULL;
	if (has_unknown_cte)
		imap_no(s, "UNKNOWN-CTE", "Cannot decode the content-transfer-encoding");
	else if (has_gone)
		imap_no(s, "EXPUNGEISSUED", "Some messages were expunged meanwhile");
	else
		imap_ok(s, NULL, "FETCH completed");
}

/* One step of the response; false when nothing more can be done now. */
static bool
imap_fetch_step(struct imap_session *s, struct imap_fetch *f)
{
	if (f->has_failed)
		return false;
	if (f->lit != NULL)
		imap_fetch_literal_step(s, f);
	else if (f->is_in_msg && f->item < f->nitems) {
		if (f->item > 0)
			buf_putc(&f->line, ' ');
		imap_fetch_item_write(s, f, &f->items[f->item++]);
		if (f->line.len >= IMAP_FETCH_FLUSH)
			imap_fetch_flush(s, f);
	} else if (f->is_in_msg)
		imap_fetch_end_msg(s, f);
	else if (f->next < f->set.n)
		imap_fetch_begin_msg(s, f);
	else
		return false;
	return true;
}

static bool
imap_fetch_pump(struct imap_session *s)
{
	struct imap_fetch *f = s->stream.arg;

	while (!io_out_is_busy(s->io))
		if (!imap_fetch_step(s, f)) {
			if (f->has_failed) {
				io_abort(s->io, "FETCH response could not be sent");
				return false;	/* CLOSED follows: drop() frees f */
			}
			imap_fetch_finish(s, f);
			return true;
		}
	return false;
}

static void
imap_proceed_fetch(struct imap_session *s, const struct imap_cmd *cmd)
{
	struct imap_fetch *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->items = calloc(IMAP_FETCH_ITEMS_MAX, sizeof(*f->items))) == NULL) {
		free(f);
		imap_no(s, "SERVERBUG", "Out of memory");
		return;
	}
	if (!imap_fetch_parse(s, cmd, f) ||
	    !imap_msgset_get(s, imap_cmd_arg(cmd, 0), cmd->is_uid, &f->set)) {
		imap_fetch_free(&f);
		return;
	}
	buf_init(&f->line, IMAP_FETCH_LINE_MAX);
	buf_init(&f->value, 0);
	imap_stream_start(s, imap_fetch_pump, imap_fetch_drop, f);
}

static bool
imap_check_fetch(struct imap_session *s, const struct imap_cmd *cmd)
{
	return imap_check_nargs(s, cmd, 2, 1024);
}

const struct imap_handler imap_fetch_handlers[] = {
	{ "FETCH", IMAP_STATE_SELECTED, IMAP_H_UID | IMAP_H_SEQ, imap_check_fetch,
	    imap_proceed_fetch },
};

const size_t imap_fetch_handlers_len =
    sizeof(imap_fetch_handlers) / sizeof(imap_fetch_handlers[0]);
