/* imap_store_cmd.c: STORE and UID STORE (the IMAP command; store*.c is
 * the mail store).
 *
 * RFC 9051 §6.4.6 (STORE sequence-set item value: FLAGS replaces,
 * +FLAGS adds, -FLAGS removes; the untagged FETCH response with the
 * message's flags after the change, left out with .SILENT), §6.4.9 (UID
 * STORE: the FETCH responses carry the UID), §2.3.2 (\Recent cannot be
 * stored; keywords), §7.5.1 (no EXPUNGE response during STORE: the
 * handler is IMAP_H_SEQ), §9 (store-att-flags = (["+" / "-"] "FLAGS"
 * [".SILENT"]) SP (flag-list / (flag *(SP flag)))), §6.3.3 and §7.1
 * (a mailbox selected with EXAMINE is read-only: STORE is NO
 * [READ-ONLY]); RFC 5530 (EXPUNGEISSUED: a message expunged by another
 * session meanwhile is skipped and the command ends NO; LIMIT: too many
 * keywords on one message); RFC 3501 §6.4.6 (FLAGS replaces the flags
 * "other than \Recent": that session flag is kept apart, never stored).
 * CONDSTORE's UNCHANGEDSINCE (RFC 7162) is not offered, so a modifier
 * list is BAD.
 *
 * A change is made durable through imap_view_set_flags() (the view is
 * updated too, so no unsolicited FETCH echoes it later). The FETCH
 * responses are queued through imap_stream_start(), a few messages at a
 * time while the socket takes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_private.h"

enum imap_store_op {
	IMAP_STORE_REPLACE,
	IMAP_STORE_ADD,
	IMAP_STORE_REMOVE,
};

struct imap_store {
	struct imap_msgset set;
	size_t next;
	enum imap_store_op op;
	bool is_silent, is_uid;
	unsigned flags;
	char kw[IMAP_KEYWORDS_MAX + 1];
	bool has_gone, has_limit, has_failed;
};

/* "+FLAGS.SILENT" and friends; false when item is none of them. */
static bool
imap_store_item(const char *item, struct imap_store *st)
{
	const char *p = item;

	st->op = IMAP_STORE_REPLACE;
	if (*p == '+' || *p == '-')
		st->op = *p++ == '+' ? IMAP_STORE_ADD : IMAP_STORE_REMOVE;
	if (strncasecmp(p, "FLAGS", 5) != 0)
		return false;
	p += 5;
	st->is_silent = strcasecmp(p, ".SILENT") == 0;
	return *p == '\0' || st->is_silent;
}

/* The flags: one list, or flags as separate arguments. */
static bool
imap_store_flags(struct imap_session *s, const struct imap_cmd *cmd, struct imap_store *st)
{
	const struct imap_node *a2 = imap_cmd_arg(cmd, 2);
	struct imap_node flat;

	if (imap_cmd_nargs(cmd) == 3 && a2->kind == IMAP_NODE_LIST)
		return imap_flags_parse(s, a2, &st->flags, st->kw, sizeof(st->kw));
	memset(&flat, 0, sizeof(flat));		/* flag *(SP flag) */
	flat.kind = IMAP_NODE_LIST;
	flat.str = "";
	flat.items = cmd->args->items + 2;
	flat.count = imap_cmd_nargs(cmd) - 2;
	return imap_flags_parse(s, &flat, &st->flags, st->kw, sizeof(st->kw));
}

/* Words of from that are (keep) or are not (!keep) in other, into out. */
static bool
imap_store_kw_filter(const char *from, const char *other, bool keep, struct buf *out)
{
	const char *p = from;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ' ');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);

		if (n > 0 && imap_kw_has(other, p, n) == keep &&
		    !imap_kw_has(out->data != NULL ? out->data : "", p, n) &&
		    ((out->len > 0 && !buf_putc(out, ' ')) || !buf_append(out, p, n)))
			return false;
		p = end != NULL ? end + 1 : NULL;
	}
	return true;
}

/* The new flags and keywords of m; false when the keywords do not fit. */
static bool
imap_store_apply(const struct imap_store *st, const struct imap_view_msg *m,
    unsigned *flags_r, struct buf *kw)
{
	const char *old = m->keywords != NULL ? m->keywords : "";

	buf_clear(kw);
	switch (st->op) {
	case IMAP_STORE_REPLACE:
		*flags_r = st->flags;
		return buf_puts(kw, st->kw);
	case IMAP_STORE_ADD:
		*flags_r = m->flags | st->flags;
		return imap_store_kw_filter(old, "", false, kw) &&
		    imap_store_kw_filter(st->kw, "", false, kw);
	default:
		*flags_r = m->flags & ~st->flags;
		return imap_store_kw_filter(old, st->kw, false, kw);
	}
}

static void
imap_store_fetch(struct imap_session *s, const struct imap_store *st, uint32_t seq)
{
	const struct imap_view_msg *m = imap_view_get(s, seq);

	imap_out_begin(s, NULL);
	imap_out_printf(s, "* %u FETCH (", (unsigned)seq);
	if (st->is_uid)
		imap_out_printf(s, "UID %u ", (unsigned)m->uid);
	imap_out_printf(s, "FLAGS ");
	imap_out_flags(s, imap_view_msg_flags(m), m->keywords);
	imap_out_printf(s, ")");
	imap_out_end(s);
}

static void
imap_store_one(struct imap_session *s, struct imap_store *st, uint32_t seq, struct buf *kw)
{
	const struct imap_view_msg *m = imap_view_get(s, seq);
	const char *old = m->keywords != NULL ? m->keywords : "", *now;
	unsigned flags;

	if (m->is_expunged || imap_view_store_msg(s, seq) == NULL) {
		st->has_gone = true;
		return;
	}
	if (!imap_store_apply(st, m, &flags, kw)) {
		st->has_limit = true;
		return;
	}
	now = kw->len > 0 ? kw->data : "";
	if ((flags != m->flags || strcmp(now, old) != 0) &&
	    imap_view_set_flags(s, seq, flags, now) != 0) {
		st->has_failed = true;
		return;
	}
	if (!st->is_silent)
		imap_store_fetch(s, st, seq);
}

static void
imap_store_drop(struct imap_session *s)
{
	struct imap_store *st = s->stream.arg;

	if (st != NULL) {
		imap_msgset_free(&st->set);
		free(st);
	}
	s->stream.arg = NULL;
}

static bool
imap_store_pump(struct imap_session *s)
{
	struct imap_store *st = s->stream.arg;
	struct buf kw;
	bool has_gone, has_limit, has_failed;

	buf_init(&kw, IMAP_KEYWORDS_MAX);
	while (st->next < st->set.n && !io_out_is_busy(s->io))
		imap_store_one(s, st, st->set.seqs[st->next++], &kw);
	buf_release(&kw);
	if (st->next < st->set.n)
		return false;
	has_gone = st->has_gone;
	has_limit = st->has_limit;
	has_failed = st->has_failed;
	imap_store_drop(s);
	if (has_failed)
		imap_no(s, "SERVERBUG", "Some flags could not be stored");
	else if (has_limit)
		imap_no(s, "LIMIT", "Too many keywords on one message");
	else if (has_gone)
		imap_no(s, "EXPUNGEISSUED", "Some messages were expunged meanwhile");
	else
		imap_ok(s, NULL, "STORE completed");
	return true;
}

static void
imap_proceed_store(struct imap_session *s, const struct imap_cmd *cmd)
{
	const struct imap_node *item = imap_cmd_arg(cmd, 1);
	struct imap_store *st = calloc(1, sizeof(*st));

	if (st == NULL) {
		imap_no(s, "SERVERBUG", "Out of memory");
		return;
	}
	st->is_uid = cmd->is_uid;
	if (item->kind != IMAP_NODE_ATOM || !imap_store_item(item->str, st)) {
		free(st);
		imap_bad(s, NULL, "STORE: FLAGS, +FLAGS or -FLAGS[.SILENT] expected");
		return;
	}
	if (!imap_store_flags(s, cmd, st) ||
	    !imap_msgset_get(s, imap_cmd_arg(cmd, 0), cmd->is_uid, &st->set)) {
		free(st);
		return;
	}
	if (s->view.is_readonly) {
		imap_msgset_free(&st->set);
		free(st);
		imap_no(s, "READ-ONLY", "Mailbox is read-only");
		return;
	}
	imap_stream_start(s, imap_store_pump, imap_store_drop, st);
}

static bool
imap_check_store(struct imap_session *s, const struct imap_cmd *cmd)
{
	return imap_check_nargs(s, cmd, 3, 1024);
}

const struct imap_handler imap_store_handlers[] = {
	{ "STORE", IMAP_STATE_SELECTED, IMAP_H_UID | IMAP_H_SEQ, imap_check_store,
	    imap_proceed_store },
};

const size_t imap_store_handlers_len =
    sizeof(imap_store_handlers) / sizeof(imap_store_handlers[0]);
