/* imap_select.c: entering and leaving the selected state, and EXPUNGE:
 * SELECT, EXAMINE, CLOSE, UNSELECT, EXPUNGE, UID EXPUNGE, CHECK.
 *
 * RFC 9051 §6.3.2 (SELECT: FLAGS, EXISTS, LIST, OK [PERMANENTFLAGS],
 * OK [UIDNEXT], OK [UIDVALIDITY], then OK [READ-WRITE]; a SELECT first
 * closes the selected mailbox with "* OK [CLOSED]", and a failed one
 * leaves none selected), §6.3.3 (EXAMINE: [READ-ONLY], PERMANENTFLAGS
 * ()), §6.4.1 (CLOSE: removes \Deleted messages without EXPUNGE
 * responses, not when read-only), §6.4.2 (UNSELECT), §6.4.3 (EXPUNGE: an
 * untagged EXPUNGE for each message removed), §7.5.1 (their numbers),
 * §2.3.1.1 (UIDs are never reused: the store keeps UIDNEXT);
 * RFC 4315 §2.1 (UID EXPUNGE: only the \Deleted messages of the UID
 * set); RFC 3501 §6.3.1 (IMAP4rev1 clients also get "* n RECENT" and
 * OK [UNSEEN n], and no LIST), §6.3.2 (EXAMINE shows \Recent but does not
 * take it: imap_view.c), §6.4.1 (CHECK, kept for them: a NOOP);
 * RFC 5182 §2.1 / RFC 9051 §6.4.4.1 (the saved search result is reset by
 * SELECT and EXAMINE: it lives in the view); RFC 4315 §2.1 with RFC 5182
 * §3 (UID EXPUNGE $: the saved result as the UID set);
 * RFC 5530 / RFC 9051 §7.1 (READ-ONLY, NONEXISTENT, UNAVAILABLE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_private.h"

static void
imap_select_untagged(struct imap_session *s)
{
	const struct imap_view *v = &s->view;
	size_t i;

	imap_out_begin(s, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft");
	if (v->keywords.len > 0)
		imap_out_printf(s, " %s", v->keywords.data);
	imap_out_printf(s, ")");
	imap_out_end(s);
	imap_untagged(s, "%zu EXISTS", v->n);
	if (!s->is_rev2) {
		imap_untagged(s, "%zu RECENT", imap_view_recent_count(s));
		for (i = 0; i < v->n && (v->msgs[i].flags & STORE_F_SEEN); i++)
			;
		if (i < v->n)
			imap_untagged(s, "OK [UNSEEN %zu] First unseen message", i + 1);
	}
	imap_untagged(s, "OK [UIDVALIDITY %u] UIDs valid", (unsigned)v->uidvalidity);
	imap_untagged(s, "OK [UIDNEXT %u] Predicted next UID", (unsigned)v->uidnext);
	if (v->is_readonly)
		imap_untagged(s, "OK [PERMANENTFLAGS ()] No permanent flags permitted");
	else
		imap_untagged(s, "OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted "
		    "\\Seen \\Draft \\*)] Flags permitted");
	if (s->is_rev2)
		imap_list_send_one(s, v->name);
}

static bool
imap_check_select(struct imap_session *s, const struct imap_cmd *cmd)
{
	if (!imap_check_nargs(s, cmd, 1, 1))
		return false;
	if (imap_arg_astring(imap_cmd_arg(cmd, 0), NULL) != NULL)
		return true;
	imap_bad(s, NULL, "%s: mailbox name expected", cmd->name);
	return false;
}

static void
imap_proceed_select(struct imap_session *s, const struct imap_cmd *cmd)
{
	bool is_readonly = strcmp(cmd->name, "EXAMINE") == 0;
	char name[STORE_MAILBOX_MAX * 3 + 1];

	if (s->state == IMAP_STATE_SELECTED) {
		imap_enter_state(s, IMAP_STATE_AUTH);
		imap_untagged(s, "OK [CLOSED] Previous mailbox is now closed");
	}
	if (!imap_mailbox_arg(s, imap_cmd_arg(cmd, 0), name, sizeof(name), "NONEXISTENT"))
		return;
	if (imap_view_open(s, name, is_readonly) != 0) {
		imap_no(s, "NONEXISTENT", "No such mailbox");
		return;
	}
	imap_enter_state(s, IMAP_STATE_SELECTED);
	imap_select_untagged(s);
	imap_ok(s, is_readonly ? "READ-ONLY" : "READ-WRITE", "%s completed", cmd->name);
}

/* Remove the \Deleted messages (of uids, when given) from the store;
 * the number removed, or -1. */
static long
imap_expunge_deleted(struct imap_session *s, struct imap_seqset *uids)
{
	struct store_mailbox *mb = s->view.mb;
	uint32_t *v;
	size_t i, n = 0, count;
	long rc;

	if (store_mailbox_sync(mb) != 0)
		return -1;
	count = store_mailbox_count(mb);
	if ((v = calloc(count + 1, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < count; i++) {
		const struct store_msg *m = store_mailbox_msg(mb, i);

		if ((m->flags & STORE_F_DELETED) &&
		    (uids == NULL || imap_set_has(s, uids, m->uid, m->uid)))
			v[n++] = m->uid;
	}
	rc = n == 0 ? 0 : store_mailbox_expunge(mb, v, n) == 0 ? (long)n : -1;
	free(v);
	if (rc < 0)
		server_log("imap: expunge in %s of %s: %s", s->view.name, s->user,
		    store_error(s->srv->store));
	return rc;
}

static void
imap_proceed_close(struct imap_session *s, const struct imap_cmd *cmd)
{
	(void)cmd;
	if (!s->view.is_readonly && imap_expunge_deleted(s, NULL) < 0) {
		imap_no(s, "UNAVAILABLE", "Cannot expunge the mailbox");
		return;
	}
	imap_enter_state(s, IMAP_STATE_AUTH);	/* no EXPUNGE responses (§6.4.1) */
	imap_ok(s, NULL, "CLOSE completed");
}

static void
imap_proceed_unselect(struct imap_session *s, const struct imap_cmd *cmd)
{
	(void)cmd;
	imap_enter_state(s, IMAP_STATE_AUTH);
	imap_ok(s, NULL, "UNSELECT completed");
}

static bool
imap_check_expunge(struct imap_session *s, const struct imap_cmd *cmd)
{
	return cmd->is_uid ? imap_check_nargs(s, cmd, 1, 1) : imap_check_no_args(s, cmd);
}

static void
imap_proceed_expunge(struct imap_session *s, const struct imap_cmd *cmd)
{
	struct imap_seqset set;

	if (cmd->is_uid && !imap_view_seqset(s, imap_cmd_arg(cmd, 0), true, &set))
		return;
	if (s->view.is_readonly) {
		imap_no(s, "READ-ONLY", "Mailbox is read-only");
		return;
	}
	if (imap_expunge_deleted(s, cmd->is_uid ? &set : NULL) < 0) {
		imap_no(s, "UNAVAILABLE", "Cannot expunge the mailbox");
		return;
	}
	s->view.is_changed = true;	/* the EXPUNGE responses go out now */
	imap_ok(s, NULL, "EXPUNGE completed");
}

static void
imap_proceed_check(struct imap_session *s, const struct imap_cmd *cmd)
{
	(void)cmd;
	s->view.is_changed = true;
	imap_ok(s, NULL, "CHECK completed");
}

const struct imap_handler imap_select_handlers[] = {
	{ "SELECT", IMAP_STATES_LOGGED_IN, 0, imap_check_select, imap_proceed_select },
	{ "EXAMINE", IMAP_STATES_LOGGED_IN, 0, imap_check_select, imap_proceed_select },
	{ "CLOSE", IMAP_STATE_SELECTED, 0, imap_check_no_args, imap_proceed_close },
	{ "UNSELECT", IMAP_STATE_SELECTED, 0, imap_check_no_args, imap_proceed_unselect },
	{ "EXPUNGE", IMAP_STATE_SELECTED, IMAP_H_UID, imap_check_expunge,
	    imap_proceed_expunge },
	{ "CHECK", IMAP_STATE_SELECTED, 0, imap_check_no_args, imap_proceed_check },
};

const size_t imap_select_handlers_len =
    sizeof(imap_select_handlers) / sizeof(imap_select_handlers[0]);
