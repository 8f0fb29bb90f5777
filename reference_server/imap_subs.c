/* imap_subs.c: subscriptions (SUBSCRIBE, UNSUBSCRIBE), special-use
 * mailboxes, and what a user gets at the first IMAP login.
 *
 * RFC 9051 §6.3.7 (SUBSCRIBE: a name may be subscribed whether it exists
 * or not, and is never dropped from the list by the server), §6.3.8
 * (UNSUBSCRIBE of a name that is not subscribed is OK), §6.3.9.1 (the
 * list LIST (SUBSCRIBED) and LSUB read: imap_subs_each()), §7.3.1 and
 * RFC 6154 §2 (special-use attributes \Sent \Drafts \Trash \Junk
 * \Archive).
 *
 * Choices: special-use attributes belong to the top-level names Sent,
 * Drafts, Trash, Junk and Archive, which are created (and subscribed,
 * with INBOX) at a user's first IMAP login; a user may delete or rename
 * them afterwards. Subscriptions are kept in the store as the newest
 * message of the hidden mailbox "\001subscriptions" (one name per line;
 * the older copies are expunged), written and fsync()ed by the store
 * like any message, so they survive a restart. A name with a control
 * character can never be created, selected or listed through IMAP, so
 * the hidden mailbox stays out of sight; its existence marks a user as
 * already set up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imap_private.h"

#define IMAP_SUBS_MAILBOX	"\001subscriptions"
#define IMAP_SUBS_BYTES		(IMAP_SUBS_MAX * (STORE_MAILBOX_MAX + 1))
#define IMAP_NAME_MAX		(STORE_MAILBOX_MAX * 3 + 1)

static const struct {
	const char *name;
	const char *attr;
} imap_special[] = {
	{ "Sent", "\\Sent" }, { "Drafts", "\\Drafts" }, { "Trash", "\\Trash" },
	{ "Junk", "\\Junk" }, { "Archive", "\\Archive" },
};

const char *
imap_mailbox_special_use(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(imap_special) / sizeof(imap_special[0]); i++)
		if (strcmp(name, imap_special[i].name) == 0)
			return imap_special[i].attr;
	return NULL;
}

/* ---- the stored list ---- */

/* The newest subscription list into b (empty when there is none). */
static int
imap_subs_load(struct imap_session *s, struct buf *b)
{
	struct store_mailbox *mb;
	char chunk[4096];
	ssize_t got = 0;
	size_t n;
	int fd, rc = -1;

	mb = store_mailbox_open(s->srv->store, s->user, IMAP_SUBS_MAILBOX, false);
	if (mb == NULL || (n = store_mailbox_count(mb)) == 0) {
		store_mailbox_close(&mb);
		return 0;
	}
	fd = store_mailbox_open_msg(mb, store_mailbox_msg(mb, n - 1)->uid);
	while (fd >= 0 && (got = read(fd, chunk, sizeof(chunk))) > 0 &&
	    buf_append(b, chunk, (size_t)got))
		;
	if (fd >= 0 && got == 0)
		rc = 0;
	if (fd >= 0)
		close(fd);
	store_mailbox_close(&mb);
	return rc;
}

/* Store text as the new list and drop the older ones. */
static int
imap_subs_save(struct imap_session *s, const char *text, size_t len)
{
	struct store_spool *sp = store_spool_new(s->srv->store);
	struct store_mailbox *mb = NULL;
	uint32_t uid = 0, *old = NULL;
	size_t i, n = 0;
	int rc = -1;

	if (sp == NULL || store_spool_write(sp, text, len) != 0 ||
	    store_spool_append(sp, s->user, IMAP_SUBS_MAILBOX, 0, NULL, 0, &uid) != 0)
		goto out;
	rc = 0;
	mb = store_mailbox_open(s->srv->store, s->user, IMAP_SUBS_MAILBOX, false);
	if (mb != NULL && (old = calloc(store_mailbox_count(mb) + 1, sizeof(*old))) != NULL) {
		for (i = 0; i < store_mailbox_count(mb); i++)
			if (store_mailbox_msg(mb, i)->uid != uid)
				old[n++] = store_mailbox_msg(mb, i)->uid;
		if (n > 0)
			store_mailbox_expunge(mb, old, n);
	}
out:
	free(old);
	store_mailbox_close(&mb);
	store_spool_free(&sp);
	return rc;
}

int
imap_subs_each(struct imap_session *s, void (*fn)(void *arg, const char *name),
    void *arg)
{
	struct buf b;
	char *p, *nl;

	buf_init(&b, IMAP_SUBS_BYTES);
	if (imap_subs_load(s, &b) != 0) {
		buf_release(&b);
		return -1;
	}
	for (p = b.data; p != NULL && *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		if (*p != '\0')
			fn(arg, p);
	}
	buf_release(&b);
	return 0;
}

struct imap_subs_edit {
	const char *name;
	bool is_add;
	bool is_found;
	size_t count;
	struct buf out;
};

static void
imap_subs_on_name(void *arg, const char *name)
{
	struct imap_subs_edit *e = arg;

	if (strcmp(name, e->name) == 0) {
		e->is_found = true;
		if (!e->is_add)
			return;
	}
	e->count++;
	buf_printf(&e->out, "%s\n", name);
}

/* Add or remove name; 0, 1 when the limit is reached, -1 on failure. */
static int
imap_subs_change(struct imap_session *s, const char *name, bool is_add)
{
	struct imap_subs_edit e = { .name = name, .is_add = is_add };
	int rc = 0;

	buf_init(&e.out, IMAP_SUBS_BYTES);
	if (imap_subs_each(s, imap_subs_on_name, &e) != 0)
		rc = -1;
	else if (is_add && !e.is_found && e.count >= IMAP_SUBS_MAX)
		rc = 1;
	else if (is_add != e.is_found) {
		if (is_add)
			buf_printf(&e.out, "%s\n", name);
		rc = imap_subs_save(s, e.out.data != NULL ? e.out.data : "", e.out.len);
	}
	buf_release(&e.out);
	return rc;
}

static void
imap_proceed_subscribe(struct imap_session *s, const struct imap_cmd *cmd)
{
	bool is_add = strcmp(cmd->name, "SUBSCRIBE") == 0;
	char name[IMAP_NAME_MAX];
	int rc;

	if (!imap_mailbox_arg(s, imap_cmd_arg(cmd, 0), name, sizeof(name), "CANNOT"))
		return;
	rc = imap_subs_change(s, name, is_add);
	if (rc == 1)
		imap_no(s, "LIMIT", "At most %d subscriptions", IMAP_SUBS_MAX);
	else if (rc != 0)
		imap_no(s, "UNAVAILABLE", "Cannot change the subscriptions");
	else
		imap_ok(s, NULL, "%s completed", cmd->name);
}

void
imap_mailbox_provision(struct imap_session *s)
{
	struct store_mailbox *mb;
	struct buf b;
	size_t i;

	mb = store_mailbox_open(s->srv->store, s->user, IMAP_SUBS_MAILBOX, false);
	if (mb != NULL) {
		store_mailbox_close(&mb);
		return;		/* not the first login */
	}
	buf_init(&b, IMAP_SUBS_BYTES);
	buf_puts(&b, STORE_INBOX "\n");
	for (i = 0; i < sizeof(imap_special) / sizeof(imap_special[0]); i++) {
		if (!imap_mailbox_exists(s, imap_special[i].name) &&
		    store_mailbox_create(s->srv->store, s->user, imap_special[i].name) != 0)
			server_log("imap: creating %s for %s: %s", imap_special[i].name,
			    s->user, store_error(s->srv->store));
		buf_printf(&b, "%s\n", imap_special[i].name);
	}
	if (store_mailbox_create(s->srv->store, s->user, IMAP_SUBS_MAILBOX) != 0 ||
	    imap_subs_save(s, b.data, b.len) != 0)
		server_log("imap: subscriptions of %s: %s", s->user,
		    store_error(s->srv->store));
	buf_release(&b);
}

const struct imap_handler imap_subs_handlers[] = {
	{ "SUBSCRIBE", IMAP_STATES_LOGGED_IN, 0, imap_check_one_mailbox,
	    imap_proceed_subscribe },
	{ "UNSUBSCRIBE", IMAP_STATES_LOGGED_IN, 0, imap_check_one_mailbox,
	    imap_proceed_subscribe },
};

const size_t imap_subs_handlers_len =
    sizeof(imap_subs_handlers) / sizeof(imap_subs_handlers[0]);
