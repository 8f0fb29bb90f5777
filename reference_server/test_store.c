/* test_store.c: unit test of the mail store API the POP3 and IMAP
 * sessions build on (store.h): delivery, snapshots, flags, expunge,
 * APPEND, notifications, the mailbox list, UIDVALIDITY and UIDNEXT.
 * RFC 9051 §2.3.1 (UIDs), §2.3.2 (flags); RFC 1939 §6 (UPDATE).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "unit.h"

static int notified;

static void
on_notify(void *arg, struct store_mailbox *mb)
{
	(void)arg;
	(void)mb;
	notified++;
}

static void
deliver(struct store *st, const char *text, const char *const *users, size_t n,
    uint32_t *uids)
{
	struct store_spool *sp = store_spool_new(st);

	CHECK(sp != NULL);
	if (sp == NULL)
		return;
	CHECK(store_spool_write(sp, text, strlen(text)) == 0);
	CHECK(store_spool_size(sp) == strlen(text));
	CHECK(store_spool_deliver(sp, users, n, uids) == 0);
	store_spool_free(&sp);
	CHECK(sp == NULL);
}

static void
check_read(struct store_mailbox *mb, uint32_t uid, const char *want)
{
	char buf[256];
	ssize_t n;
	int fd = store_mailbox_open_msg(mb, uid);

	CHECK(fd != -1);
	if (fd == -1)
		return;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	CHECK(n == (ssize_t)strlen(want) && memcmp(buf, want, (size_t)n) == 0);
}

static void
test_delivery_and_flags(struct store *st)
{
	static const char *const both[] = { "alice", "bob" };
	struct store_mailbox *a, *a2;
	uint32_t uids[2] = { 0, 0 };

	deliver(st, "Subject: 1\r\n\r\none\r\n", both, 2, uids);
	CHECK(uids[0] == 1 && uids[1] == 1);
	a = store_mailbox_open(st, "alice", "inbox", false);	/* any case */
	a2 = store_mailbox_open(st, "alice", "INBOX", false);
	CHECK(a != NULL && a2 != NULL);
	if (a == NULL || a2 == NULL)
		return;
	CHECK(strcmp(store_mailbox_name(a), "INBOX") == 0);
	store_mailbox_set_notify(a2, on_notify, NULL);
	CHECK(store_mailbox_count(a) == 1 && store_mailbox_uidnext(a) == 2);
	CHECK(store_mailbox_msg(a, 0)->size == 19);
	check_read(a, 1, "Subject: 1\r\n\r\none\r\n");
	deliver(st, "Subject: 2\r\n\r\ntwo\r\n", both, 1, uids);
	CHECK(uids[0] == 2 && notified == 1);
	CHECK(store_mailbox_count(a) == 1);		/* a snapshot */
	CHECK(store_mailbox_sync(a) == 0 && store_mailbox_count(a) == 2);
	CHECK(store_mailbox_find(a, 2) == 1 && store_mailbox_find(a, 7) == -1);

	CHECK(store_mailbox_set_flags(a, 1, STORE_F_SEEN | STORE_F_DELETED,
	    "$Forwarded work") == 0);
	CHECK(notified == 2);
	CHECK(store_mailbox_msg(a, 0)->flags == (STORE_F_SEEN | STORE_F_DELETED));
	CHECK(store_mailbox_set_flags(a, 2, STORE_F_FLAGGED, NULL) == 0);
	CHECK(store_mailbox_sync(a2) == 0);
	CHECK(store_mailbox_msg(a2, 0)->flags == (STORE_F_SEEN | STORE_F_DELETED));
	CHECK(strcmp(store_mailbox_msg(a2, 0)->keywords, "$Forwarded work") == 0);
	CHECK(store_mailbox_msg(a2, 1)->flags == STORE_F_FLAGGED);
	CHECK(strcmp(store_mailbox_msg(a2, 1)->keywords, "") == 0);
	/* NULL keeps the keywords */
	CHECK(store_mailbox_set_flags(a, 1, STORE_F_SEEN, NULL) == 0);
	CHECK(strcmp(store_mailbox_msg(a, 0)->keywords, "$Forwarded work") == 0);

	uids[0] = 1;
	CHECK(store_mailbox_expunge(a, uids, 1) == 0);
	CHECK(store_mailbox_count(a) == 1 && store_mailbox_msg(a, 0)->uid == 2);
	CHECK(store_mailbox_sync(a2) == 0 && store_mailbox_count(a2) == 1);
	CHECK(store_mailbox_uidnext(a2) == 3);	/* UIDs are never reused */
	store_mailbox_close(&a);
	store_mailbox_close(&a2);
	CHECK(a == NULL && a2 == NULL);
	a = store_mailbox_open(st, "bob", "INBOX", false);
	CHECK(a != NULL && store_mailbox_count(a) == 1);	/* bob kept his copy */
	store_mailbox_close(&a);
}

static void
collect(void *arg, const char *name)
{
	char *out = arg;
	size_t used = strlen(out);

	snprintf(out + used, 200 - used, "%s|", name);
}

static void
test_append_and_folders(struct store *st)
{
	struct store_mailbox *mb, *inbox;
	struct store_spool *sp;
	char names[200] = "";
	uint32_t uid = 0;

	CHECK(store_mailbox_open(st, "carol", "Sent Items", false) == NULL);
	CHECK(store_mailbox_create(st, "carol", "Sent Items") == 0);
	CHECK(store_mailbox_create(st, "carol", "Sent Items") == -1);
	sp = store_spool_new(st);
	CHECK(sp != NULL && store_spool_write(sp, "x\r\n", 3) == 0);
	CHECK(store_spool_append(sp, "carol", "Sent Items", STORE_F_SEEN | STORE_F_DRAFT,
	    "kw", 1000000000, &uid) == 0);
	store_spool_free(&sp);
	CHECK(uid == 1);
	mb = store_mailbox_open(st, "carol", "Sent Items", false);
	inbox = store_mailbox_open(st, "carol", "INBOX", false);
	CHECK(mb != NULL && inbox != NULL);
	if (mb == NULL || inbox == NULL)
		return;
	CHECK(store_mailbox_msg(mb, 0)->internal_date == 1000000000);
	CHECK(store_mailbox_msg(mb, 0)->flags == (STORE_F_SEEN | STORE_F_DRAFT));
	CHECK(store_mailbox_uidvalidity(mb) != store_mailbox_uidvalidity(inbox));
	store_mailbox_close(&mb);
	store_mailbox_close(&inbox);
	CHECK(store_mailbox_list(st, "carol", collect, names) == 0);
	CHECK(strstr(names, "INBOX|") != NULL && strstr(names, "Sent Items|") != NULL);
	CHECK(store_mailbox_rename(st, "carol", "Sent Items", "Archive/2024") == 0);
	CHECK(store_mailbox_rename(st, "carol", "INBOX", "Old") == -1);
	mb = store_mailbox_open(st, "carol", "Archive/2024", false);
	CHECK(mb != NULL && store_mailbox_count(mb) == 1);
	store_mailbox_close(&mb);
	CHECK(store_mailbox_delete(st, "carol", "Archive/2024") == 0);
	CHECK(store_mailbox_delete(st, "carol", "inbox") == -1);
	CHECK(store_mailbox_open(st, "carol", "Archive/2024", false) == NULL);
	CHECK(store_mailbox_open(st, "../etc", "INBOX", true) == NULL);
}

static void
test_spool_dropped(struct store *st, const char *dir)
{
	struct store_spool *sp = store_spool_new(st);
	char path[600];
	struct store *again;
	char err[256];

	CHECK(sp != NULL && store_spool_write(sp, "partial", 7) == 0);
	store_spool_free(&sp);			/* never delivered: gone */
	snprintf(path, sizeof(path), "rmdir %s/.tmp 2>/dev/null", dir);
	CHECK(system(path) == 0);		/* the spool directory is empty */
	again = store_open(dir, err, sizeof(err));
	CHECK(again != NULL);			/* and store_open makes it again */
	store_free(&again);
}

int
main(void)
{
	char dir[] = "/tmp/mailspec-test-store-XXXXXX";
	char cmd[600], err[256];
	struct store *st;

	if (mkdtemp(dir) == NULL)
		return 2;
	st = store_open(dir, err, sizeof(err));
	CHECKF(st != NULL, "%s", err);
	if (st != NULL) {
		test_delivery_and_flags(st);
		test_append_and_folders(st);
		test_spool_dropped(st, dir);
		store_free(&st);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return unit_done("test_store");
}
