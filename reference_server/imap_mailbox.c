/* imap_mailbox.c: mailboxes as wholes: CREATE, DELETE, RENAME, STATUS,
 * and the mailbox name argument of every command.
 *
 * RFC 9051 §6.3.4 (CREATE: INBOX or an existing name is an error,
 * ALREADYEXISTS; a trailing delimiter is dropped; superior levels are
 * created), §6.3.5 (DELETE: not INBOX; inferior names stay; a name that
 * only exists as a level above others (\Noselect) cannot be deleted,
 * HASCHILDREN; NONEXISTENT), §6.3.6 (RENAME: inferior names move along;
 * superior levels of the new name are created; renaming INBOX moves its
 * messages into a new mailbox and leaves INBOX empty), §6.3.7-§6.3.8
 * §6.3.11 (STATUS: MESSAGES UIDNEXT UIDVALIDITY
 * UNSEEN DELETED SIZE; not a way to poll the selected mailbox, but it
 * works on it), §7.1 (ALREADYEXISTS, NONEXISTENT, CANNOT, INUSE, LIMIT,
 * HASCHILDREN; RFC 5530); RFC 3501 §6.3.10 (STATUS RECENT for IMAP4rev1
 * clients: the messages a session selecting the mailbox now would see as
 * \Recent, plus, for the mailbox this session has selected, those recent
 * in it; STATUS itself takes \Recent from nobody).
 *
 * Choices: a mailbox selected by any session cannot be deleted or
 * renamed (NO [INUSE]) because its handle would dangle; renaming INBOX
 * copies each message through a spool (flags and internal date kept)
 * and then expunges it from INBOX, so a failure half way leaves copies,
 * never a loss.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imap_private.h"

#define IMAP_NAME_MAX		(STORE_MAILBOX_MAX * 3 + 1)

/* ---- names ---- */

/* The wire name into out (UTF-8, INBOX canonical); NULL or why not. */
static const char *
imap_mailbox_decode(struct imap_session *s, const struct imap_node *node,
    char *out, size_t outlen)
{
	size_t len;
	const char *v = imap_arg_astring(node, &len);

	if (v == NULL || strlen(v) != len || len >= outlen)
		return "Invalid mailbox name";
	if (s->is_rev2)
		memcpy(out, v, len + 1);
	else if (imap_name_utf7_decode(v, len, out, outlen) != 0)
		return "Invalid mailbox name (modified UTF-7 expected)";
	imap_name_canonical(out);
	return NULL;
}

bool
imap_mailbox_arg(struct imap_session *s, const struct imap_node *node,
    char *out, size_t outlen, const char *nocode)
{
	const char *why = imap_mailbox_decode(s, node, out, outlen);

	if (why == NULL && strcmp(out, STORE_INBOX) != 0)
		why = imap_name_check(out);
	if (why == NULL)
		return true;
	imap_no(s, nocode, "%s", why);
	return false;
}

bool
imap_mailbox_exists(struct imap_session *s, const char *name)
{
	struct store_mailbox *mb = store_mailbox_open(s->srv->store, s->user, name, false);
	bool is_there = mb != NULL;

	store_mailbox_close(&mb);
	return is_there;
}

static bool
imap_check_mailbox_args(struct imap_session *s, const struct imap_cmd *cmd, size_t n)
{
	size_t i;

	if (!imap_check_nargs(s, cmd, n, n))
		return false;
	for (i = 0; i < n; i++)
		if (imap_arg_astring(imap_cmd_arg(cmd, i), NULL) == NULL) {
			imap_bad(s, NULL, "%s: mailbox name expected", cmd->name);
			return false;
		}
	return true;
}

bool
imap_check_one_mailbox(struct imap_session *s, const struct imap_cmd *cmd)
{
	return imap_check_mailbox_args(s, cmd, 1);
}

static bool
imap_check_two_mailboxes(struct imap_session *s, const struct imap_cmd *cmd)
{
	return imap_check_mailbox_args(s, cmd, 2);
}

/* ---- the user's mailbox names ---- */

struct imap_names {
	char **v;
	size_t n;
	bool is_failed;
};

static void
imap_names_on_mailbox(void *arg, const char *name)
{
	struct imap_names *ns = arg;
	char **nv;

	if (imap_name_check(name) != NULL && strcmp(name, STORE_INBOX) != 0)
		return;		/* the store's own names */
	nv = realloc(ns->v, (ns->n + 1) * sizeof(*nv));
	if (nv == NULL || (nv[ns->n] = strdup(name)) == NULL) {
		ns->v = nv != NULL ? nv : ns->v;
		ns->is_failed = true;
		return;
	}
	ns->v = nv;
	ns->n++;
}

static int
imap_names_load(struct imap_session *s, struct imap_names *ns)
{
	memset(ns, 0, sizeof(*ns));
	if (store_mailbox_list(s->srv->store, s->user, imap_names_on_mailbox, ns) != 0 ||
	    ns->is_failed)
		return -1;
	return 0;
}

static void
imap_names_free(struct imap_names *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		free(ns->v[i]);
	free(ns->v);
}

static bool
imap_names_has_child(const struct imap_names *ns, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < ns->n; i++)
		if (strncmp(ns->v[i], name, len) == 0 && ns->v[i][len] == IMAP_DELIM)
			return true;
	return false;
}

/* Create the levels above name that are missing (§6.3.4, §6.3.6). */
static int
imap_create_parents(struct imap_session *s, const char *name)
{
	char parent[STORE_MAILBOX_MAX + 1];
	const char *p;

	for (p = strchr(name, IMAP_DELIM); p != NULL; p = strchr(p + 1, IMAP_DELIM)) {
		snprintf(parent, sizeof(parent), "%.*s", (int)(p - name), name);
		if (!imap_mailbox_exists(s, parent) &&
		    store_mailbox_create(s->srv->store, s->user, parent) != 0)
			return -1;
	}
	return 0;
}

/* A new name for CREATE or RENAME: false with NO sent. */
static bool
imap_new_name_ok(struct imap_session *s, const char *name)
{
	struct imap_names ns;
	const char *why = strcmp(name, STORE_INBOX) == 0 ? NULL : imap_name_check(name);
	size_t levels = 1;
	const char *p;
	bool is_full;

	for (p = strchr(name, IMAP_DELIM); p != NULL; p = strchr(p + 1, IMAP_DELIM))
		levels++;
	if (why != NULL)
		imap_no(s, "CANNOT", "%s", why);
	else if (levels > IMAP_LEVELS_MAX)
		imap_no(s, "LIMIT", "At most %d hierarchy levels", IMAP_LEVELS_MAX);
	else if (imap_mailbox_exists(s, name))
		imap_no(s, "ALREADYEXISTS", "Mailbox already exists");
	else if (imap_names_load(s, &ns) != 0) {
		imap_names_free(&ns);
		imap_no(s, "UNAVAILABLE", "Cannot read the mailbox list");
	} else {
		is_full = ns.n + levels > IMAP_MAILBOXES_MAX;
		imap_names_free(&ns);
		if (!is_full)
			return true;
		imap_no(s, "LIMIT", "At most %d mailboxes", IMAP_MAILBOXES_MAX);
	}
	return false;
}

/* ---- CREATE / DELETE ---- */

static void
imap_proceed_create(struct imap_session *s, const struct imap_cmd *cmd)
{
	char name[IMAP_NAME_MAX];
	const char *why = imap_mailbox_decode(s, imap_cmd_arg(cmd, 0), name, sizeof(name));
	size_t len = strlen(name);

	if (why == NULL && len > 1 && name[len - 1] == IMAP_DELIM)
		name[len - 1] = '\0';	/* "foo/" declares a level: create "foo" */
	if (why != NULL)
		imap_no(s, "CANNOT", "%s", why);
	else if (strcmp(name, STORE_INBOX) == 0)
		imap_no(s, "ALREADYEXISTS", "INBOX always exists");
	else if (!imap_new_name_ok(s, name))
		return;
	else if (imap_create_parents(s, name) != 0 ||
	    store_mailbox_create(s->srv->store, s->user, name) != 0)
		imap_no(s, "UNAVAILABLE", "Cannot create the mailbox");
	else
		imap_ok(s, NULL, "CREATE completed");
}

static void
imap_proceed_delete(struct imap_session *s, const struct imap_cmd *cmd)
{
	char name[IMAP_NAME_MAX];
	struct imap_names ns;

	if (!imap_mailbox_arg(s, imap_cmd_arg(cmd, 0), name, sizeof(name), "NONEXISTENT"))
		return;
	if (strcmp(name, STORE_INBOX) == 0) {
		imap_no(s, "CANNOT", "INBOX cannot be deleted");
		return;
	}
	if (!imap_mailbox_exists(s, name)) {
		bool has_children = imap_names_load(s, &ns) == 0 &&
		    imap_names_has_child(&ns, name);

		imap_names_free(&ns);
		if (has_children)	/* a \Noselect level (§6.3.5) */
			imap_no(s, "HASCHILDREN", "Only mailboxes below this name exist");
		else
			imap_no(s, "NONEXISTENT", "No such mailbox");
	} else if (imap_session_mailbox_in_use(s, name, false))
		imap_no(s, "INUSE", "Mailbox is selected by a session");
	else if (store_mailbox_delete(s->srv->store, s->user, name) != 0)
		imap_no(s, "UNAVAILABLE", "Cannot delete the mailbox");
	else
		imap_ok(s, NULL, "DELETE completed");
}

/* ---- RENAME ---- */

/* Move every message of INBOX into the new mailbox to (§6.3.6). */
static int
imap_rename_inbox(struct imap_session *s, const char *to)
{
	struct store_mailbox *mb;
	uint32_t *uids = NULL, uid;
	size_t i, n, moved = 0;
	int rc = -1;

	if (imap_create_parents(s, to) != 0 ||
	    store_mailbox_create(s->srv->store, s->user, to) != 0 ||
	    (mb = store_mailbox_open(s->srv->store, s->user, STORE_INBOX, false)) == NULL)
		return -1;
	n = store_mailbox_count(mb);
	if ((uids = calloc(n + 1, sizeof(*uids))) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		const struct store_msg *m = store_mailbox_msg(mb, i);
		struct store_spool *sp = store_spool_new(s->srv->store);
		char chunk[16384];
		ssize_t got = 0;
		int fd = store_mailbox_open_msg(mb, m->uid);

		while (sp != NULL && fd >= 0 && (got = read(fd, chunk, sizeof(chunk))) > 0 &&
		    store_spool_write(sp, chunk, (size_t)got) == 0)
			;
		if (fd >= 0)
			close(fd);
		if (sp == NULL || fd < 0 || got != 0 || store_spool_append(sp, s->user, to,
		    m->flags, m->keywords, m->internal_date, &uid) != 0) {
			store_spool_free(&sp);
			goto out;
		}
		store_spool_free(&sp);
		uids[moved++] = m->uid;
	}
	rc = 0;
out:
	if (moved > 0 && store_mailbox_expunge(mb, uids, moved) != 0)
		rc = -1;
	free(uids);
	store_mailbox_close(&mb);
	return rc;
}

/* Rename from (and every name below it) to to. */
static int
imap_rename_tree(struct imap_session *s, const char *from, const char *to)
{
	char child[IMAP_NAME_MAX * 2];
	size_t i, flen = strlen(from);
	struct imap_names ns;
	int rc = -1;

	if (imap_names_load(s, &ns) != 0)
		goto out;
	for (i = 0; i < ns.n; i++) {
		if (strncmp(ns.v[i], from, flen) != 0 || ns.v[i][flen] != IMAP_DELIM)
			continue;
		snprintf(child, sizeof(child), "%s%s", to, ns.v[i] + flen);
		if (strlen(child) > STORE_MAILBOX_MAX || imap_mailbox_exists(s, child))
			goto out;	/* checked before anything moves */
	}
	if (imap_create_parents(s, to) != 0 ||
	    store_mailbox_rename(s->srv->store, s->user, from, to) != 0)
		goto out;
	rc = 0;
	for (i = 0; i < ns.n; i++) {
		if (strncmp(ns.v[i], from, flen) != 0 || ns.v[i][flen] != IMAP_DELIM)
			continue;
		snprintf(child, sizeof(child), "%s%s", to, ns.v[i] + flen);
		if (store_mailbox_rename(s->srv->store, s->user, ns.v[i], child) != 0)
			rc = -1;
	}
out:
	imap_names_free(&ns);
	return rc;
}

static void
imap_proceed_rename(struct imap_session *s, const struct imap_cmd *cmd)
{
	char from[IMAP_NAME_MAX], to[IMAP_NAME_MAX];
	const char *why;
	size_t flen;

	if (!imap_mailbox_arg(s, imap_cmd_arg(cmd, 0), from, sizeof(from), "NONEXISTENT"))
		return;
	if ((why = imap_mailbox_decode(s, imap_cmd_arg(cmd, 1), to, sizeof(to))) != NULL) {
		imap_no(s, "CANNOT", "%s", why);
		return;
	}
	flen = strlen(from);
	if (!imap_mailbox_exists(s, from))
		imap_no(s, "NONEXISTENT", "No such mailbox");
	else if (strcmp(from, to) == 0 || (strncmp(to, from, flen) == 0 &&
	    to[flen] == IMAP_DELIM && strcmp(from, STORE_INBOX) != 0))
		imap_no(s, "CANNOT", "Cannot rename a mailbox into itself");
	else if (!imap_new_name_ok(s, to))
		return;
	else if (strcmp(from, STORE_INBOX) != 0 && imap_session_mailbox_in_use(s, from, true))
		imap_no(s, "INUSE", "Mailbox is selected by a session");
	else if (strcmp(from, STORE_INBOX) == 0 ? imap_rename_inbox(s, to) != 0 :
	    imap_rename_tree(s, from, to) != 0)
		imap_no(s, "UNAVAILABLE", "Cannot rename the mailbox");
	else
		imap_ok(s, NULL, "RENAME completed");
}
/* ---- STATUS (§6.3.11) ---- */

static const char *const imap_status_names[] = {
	"MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "DELETED", "SIZE", "RECENT",
};
#define IMAP_STATUS_RECENT	6

static int
imap_status_item(const struct imap_session *s, const struct imap_node *item)
{
	int k, n = (int)(sizeof(imap_status_names) / sizeof(imap_status_names[0]));

	for (k = 0; k < n; k++)
		if (imap_node_is_atom(item, imap_status_names[k]))
			return k == IMAP_STATUS_RECENT && s->is_rev2 ? -1 : k;
	return -1;
}

bool
imap_status_items_ok(const struct imap_session *s, const struct imap_node *items)
{
	size_t i, n = imap_node_list_count(items);

	if (items == NULL || items->kind != IMAP_NODE_LIST || n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (imap_status_item(s, imap_node_list_get(items, i)) < 0)
			return false;
	return true;
}

static uint64_t
imap_status_value(struct store_mailbox *mb, int k)
{
	uint64_t v = 0;
	size_t i, n = store_mailbox_count(mb);

	if (k == 0)
		return n;
	if (k == 1)
		return store_mailbox_uidnext(mb);
	if (k == 2)
		return store_mailbox_uidvalidity(mb);
	for (i = 0; i < n && k != IMAP_STATUS_RECENT; i++) {
		const struct store_msg *m = store_mailbox_msg(mb, i);

		if (k == 3)
			v += !(m->flags & STORE_F_SEEN);
		else if (k == 4)
			v += (m->flags & STORE_F_DELETED) != 0;
		else
			v += m->size;
	}
	return v;
}

/* RECENT (RFC 3501 §6.3.10). */
static uint64_t
imap_status_recent(struct imap_session *s, struct store_mailbox *mb, const char *name)
{
	bool is_selected = s->state == IMAP_STATE_SELECTED && strcmp(s->view.name, name) == 0;
	uint32_t first = store_mailbox_first_recent(mb), seq;
	size_t i, n = store_mailbox_count(mb);
	uint64_t v = 0;

	for (i = 0; i < n; i++) {
		uint32_t uid = store_mailbox_msg(mb, i)->uid;

		if (uid >= first)
			v++;
		else if (is_selected && (seq = imap_view_seq_of_uid(s, uid)) != 0)
			v += imap_view_get(s, seq)->is_recent;
	}
	return v;
}

bool
imap_status_send(struct imap_session *s, const char *name, const struct imap_node *items)
{
	struct store_mailbox *mb = store_mailbox_open(s->srv->store, s->user, name, false);
	size_t i;
	int k;

	if (mb == NULL)
		return false;
	imap_out_begin(s, "* STATUS ");
	imap_out_mailbox(s, name);
	imap_out_printf(s, " (");
	for (i = 0; i < imap_node_list_count(items); i++) {
		k = imap_status_item(s, imap_node_list_get(items, i));
		imap_out_printf(s, "%s%s %llu", i > 0 ? " " : "", imap_status_names[k],
		    (unsigned long long)(k == IMAP_STATUS_RECENT ?
		    imap_status_recent(s, mb, name) : imap_status_value(mb, k)));
	}
	imap_out_printf(s, ")");
	imap_out_end(s);
	store_mailbox_close(&mb);
	return true;
}

static bool
imap_check_status(struct imap_session *s, const struct imap_cmd *cmd)
{
	if (!imap_check_nargs(s, cmd, 2, 2))
		return false;
	if (imap_arg_astring(imap_cmd_arg(cmd, 0), NULL) != NULL &&
	    imap_status_items_ok(s, imap_cmd_arg(cmd, 1)))
		return true;
	imap_bad(s, NULL, "STATUS: mailbox and a list of MESSAGES UIDNEXT UIDVALIDITY "
	    "UNSEEN DELETED SIZE%s expected", s->is_rev2 ? "" : " RECENT");
	return false;
}

static void
imap_proceed_status(struct imap_session *s, const struct imap_cmd *cmd)
{
	char name[IMAP_NAME_MAX];

	if (!imap_mailbox_arg(s, imap_cmd_arg(cmd, 0), name, sizeof(name), "NONEXISTENT"))
		return;
	if (imap_status_send(s, name, imap_cmd_arg(cmd, 1)))
		imap_ok(s, NULL, "STATUS completed");
	else
		imap_no(s, "NONEXISTENT", "No such mailbox");
}

const struct imap_handler imap_mailbox_handlers[] = {
	{ "CREATE", IMAP_STATES_LOGGED_IN, 0, imap_check_one_mailbox, imap_proceed_create },
	{ "DELETE", IMAP_STATES_LOGGED_IN, 0, imap_check_one_mailbox, imap_proceed_delete },
	{ "RENAME", IMAP_STATES_LOGGED_IN, 0, imap_check_two_mailboxes, imap_proceed_rename },
	{ "STATUS", IMAP_STATES_LOGGED_IN, 0, imap_check_status, imap_proceed_status },
};

const size_t imap_mailbox_handlers_len =
    sizeof(imap_mailbox_handlers) / sizeof(imap_mailbox_handlers[0]);
