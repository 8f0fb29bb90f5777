/* imap_copy.c: COPY, MOVE, UID COPY and UID MOVE.
 *
 * RFC 9051 §6.4.7 (COPY: the messages go to the end of the destination
 * with their flags and internal date; a missing destination is NO
 * [TRYCREATE] and is never created; a COPY that fails leaves the
 * destination as it was), §6.4.8 (MOVE: copy, then expunge from the
 * source with EXPUNGE responses; COPYUID in an untagged OK before the
 * EXPUNGE responses; MOVE needs a writable source), §6.4.9 (UID COPY,
 * UID MOVE: UIDs that do not exist are ignored; with none left the
 * command still succeeds, without COPYUID), §7.1 (TRYCREATE, COPYUID,
 * READ-ONLY, EXPUNGEISSUED of RFC 5530); RFC 4315 §3 (UIDPLUS: "[COPYUID
 * <uidvalidity> <source uids> <destination uids>]" in the tagged OK of
 * COPY, both sets in the same order); RFC 6851 §3.3-§4.3 (MOVE, and its
 * COPYUID in an untagged OK first); RFC 2180 §4.4 (COPY of a message
 * expunged by another session: the whole COPY fails, NO).
 *
 * Each message is written through the store's spool (durable before the
 * next), flags and keywords kept (never \Recent, which is not stored). On
 * a failure every copy made so far is expunged from the destination
 * again. A COPYUID code that would not fit in one response line (sets of
 * tens of thousands of scattered UIDs) is left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_private.h"

#define IMAP_COPYUID_MAX	(32 * 1024)	/* bytes of the COPYUID code */

struct imap_copy {
	char dest[STORE_MAILBOX_MAX * 3 + 1];
	uint32_t dest_uidvalidity;
	uint32_t *src_uids;		/* copied so far */
	uint32_t *dest_uids;
	size_t n;
};

/* Open the destination: its UIDVALIDITY, or NO [TRYCREATE] sent. */
static bool
imap_copy_dest(struct imap_session *s, const struct imap_node *node, struct imap_copy *c)
{
	struct store_mailbox *mb;

	if (!imap_mailbox_arg(s, node, c->dest, sizeof(c->dest), "NONEXISTENT"))
		return false;
	mb = store_mailbox_open(s->srv->store, s->user, c->dest, false);
	if (mb == NULL) {
		imap_no(s, "TRYCREATE", "Destination mailbox does not exist");
		return false;
	}
	c->dest_uidvalidity = store_mailbox_uidvalidity(mb);
	store_mailbox_close(&mb);
	return true;
}

/* Append message seq to the destination; 0, -1 (store), -2 (gone). */
static int
imap_copy_one(struct imap_session *s, struct imap_copy *c, uint32_t seq,
    struct imap_msgdata *md)
{
	const struct imap_view_msg *m = imap_view_get(s, seq);
	const struct store_msg *sm = imap_view_store_msg(s, seq);
	struct store_spool *sp;
	uint32_t uid;
	int rc = -1;

	if (m->is_expunged || sm == NULL || imap_msgdata_open(s, md, seq) != 0)
		return -2;
	if ((sp = store_spool_new(s->srv->store)) != NULL &&
	    store_spool_write(sp, md->data, md->len) == 0 &&
	    store_spool_append(sp, s->user, c->dest, sm->flags, sm->keywords,
	    sm->internal_date, &uid) == 0) {
		c->src_uids[c->n] = m->uid;
		c->dest_uids[c->n++] = uid;
		rc = 0;
	} else
		server_log("imap: COPY to %s of %s: %s", c->dest, s->user,
		    store_error(s->srv->store));
	store_spool_free(&sp);
	imap_msgdata_close(md);
	return rc;
}

/* Take the copies out of the destination again (a failed COPY). */
static void
imap_copy_undo(struct imap_session *s, struct imap_copy *c)
{
	struct store_mailbox *mb;

	if (c->n == 0)
		return;
	mb = store_mailbox_open(s->srv->store, s->user, c->dest, false);
	if (mb == NULL || store_mailbox_sync(mb) != 0 ||
	    store_mailbox_expunge(mb, c->dest_uids, c->n) != 0)
		server_log("imap: undoing a failed COPY to %s of %s: %s", c->dest, s->user,
		    store_error(s->srv->store));
	store_mailbox_close(&mb);
	c->n = 0;
}

/* Copy every message of set; true, or false with the copies undone and
 * NO sent. */
static bool
imap_copy_all(struct imap_session *s, struct imap_copy *c, const struct imap_msgset *set)
{
	struct imap_msgdata md;
	size_t i;
	int rc = 0;

	memset(&md, 0, sizeof(md));
	c->src_uids = calloc(set->n + 1, sizeof(*c->src_uids));
	c->dest_uids = calloc(set->n + 1, sizeof(*c->dest_uids));
	if (c->src_uids == NULL || c->dest_uids == NULL)
		rc = -1;
	for (i = 0; rc == 0 && i < set->n; i++)
		rc = imap_copy_one(s, c, set->seqs[i], &md);
	imap_msgdata_free(&md);
	if (rc == 0)
		return true;
	imap_copy_undo(s, c);
	if (rc == -2)
		imap_no(s, "EXPUNGEISSUED", "Some messages were expunged meanwhile");
	else
		imap_no(s, "SERVERBUG", "Cannot copy the messages");
	return false;
}

/* "COPYUID v src dst" into code; false when there is none to give. */
static bool
imap_copy_code(const struct imap_copy *c, struct buf *code)
{
	if (c->n == 0)
		return false;
	buf_printf(code, "COPYUID %u ", (unsigned)c->dest_uidvalidity);
	imap_set_write(code, c->src_uids, c->n);
	buf_putc(code, ' ');
	imap_set_write(code, c->dest_uids, c->n);
	return code->len > 0 && code->len < IMAP_COPYUID_MAX;
}

static void
imap_copy_free(struct imap_copy *c, struct imap_msgset *set, struct buf *code)
{
	free(c->src_uids);
	free(c->dest_uids);
	free(c);
	imap_msgset_free(set);
	buf_release(code);
}

/* MOVE's second half: expunge the sources, announce, answer. */
static void
imap_move_finish(struct imap_session *s, struct imap_copy *c, const struct buf *code,
    bool has_code)
{
	if (c->n > 0 && store_mailbox_expunge(s->view.mb, c->src_uids, c->n) != 0) {
		server_log("imap: MOVE from %s of %s: %s", s->view.name, s->user,
		    store_error(s->srv->store));
		imap_copy_undo(s, c);
		imap_no(s, "SERVERBUG", "Cannot remove the moved messages");
		return;
	}
	if (has_code)	/* RFC 6851 §4.3: before the EXPUNGE responses */
		imap_untagged(s, "OK [%s] Moved UIDs", code->data);
	imap_view_sync(s, true);
	imap_ok(s, NULL, "MOVE completed");
}

static void
imap_proceed_copy(struct imap_session *s, const struct imap_cmd *cmd)
{
	bool is_move = strcmp(cmd->name, "MOVE") == 0, has_code;
	struct imap_copy *c = calloc(1, sizeof(*c));
	struct imap_msgset set = { NULL, 0 };
	struct buf code;

	buf_init(&code, IMAP_COPYUID_MAX * 2);
	if (c == NULL) {
		imap_no(s, "SERVERBUG", "Out of memory");
		return;
	}
	if (!imap_msgset_get(s, imap_cmd_arg(cmd, 0), cmd->is_uid, &set) ||
	    !imap_copy_dest(s, imap_cmd_arg(cmd, 1), c))
		;
	else if (is_move && s->view.is_readonly)
		imap_no(s, "READ-ONLY", "Mailbox is read-only");
	else if (imap_copy_all(s, c, &set)) {
		has_code = imap_copy_code(c, &code);
		if (is_move)
			imap_move_finish(s, c, &code, has_code);
		else if (has_code)
			imap_ok(s, code.data, "COPY completed");
		else
			imap_ok(s, NULL, "COPY completed");
	}
	imap_copy_free(c, &set, &code);
}

static bool
imap_check_copy(struct imap_session *s, const struct imap_cmd *cmd)
{
	if (!imap_check_nargs(s, cmd, 2, 2))
		return false;
	if (imap_arg_astring(imap_cmd_arg(cmd, 1), NULL) != NULL)
		return true;
	imap_bad(s, NULL, "%s: mailbox name expected", cmd->name);
	return false;
}

const struct imap_handler imap_copy_handlers[] = {
	{ "COPY", IMAP_STATE_SELECTED, IMAP_H_UID, imap_check_copy, imap_proceed_copy },
	{ "MOVE", IMAP_STATE_SELECTED, IMAP_H_UID, imap_check_copy, imap_proceed_copy },
};

const size_t imap_copy_handlers_len =
    sizeof(imap_copy_handlers) / sizeof(imap_copy_handlers[0]);
