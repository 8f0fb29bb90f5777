/* session_store.c: the store of the session fuzzers, put back before each
 * input to the state the fixtures (and a set-up dialogue) left, so that
 * an input always meets the same mailboxes, UIDs and flags and a crash
 * replays the same way (see session_driver.h).
 *
 * That state is recorded once as a list of entries, mailbox by mailbox,
 * with a kept copy of every file under golden/. inotify watches each
 * user directory, each mailbox directory and its msg/ directory; after a
 * dialogue one read() tells whether anything changed and where. Only what
 * changed is put back: a changed mailbox directory is moved to trash/
 * (one rename) and made again from the list (directories made, files
 * hard-linked from golden/); a mailbox that appeared is moved to trash/.
 * Hard links are safe: the store never writes into a file it has made
 * (message files are immutable, state and flags are replaced by rename,
 * the lock file is only flock()ed). trash/ is emptied every so often.
 */
#include "session_driver.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_util.h"

#define ST_ENTRIES_MAX	1024
#define ST_MBOX_MAX	128
#define ST_TRASH_MAX	256
#define ST_REL_MAX	192
#define ST_WATCH_MBOX	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
			 IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
#define ST_WATCH_USER	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)

/* One mailbox directory of the recorded state. */
struct st_mbox {
	unsigned user;
	char name[ST_REL_MAX];		/* the directory name in the store */
	size_t first, count;		/* its entries in st.rel */
	int wd_dir, wd_msg;
	bool is_dirty;
};

static struct {
	char rel[ST_ENTRIES_MAX][ST_REL_MAX];	/* "alice/INBOX/msg/1" */
	bool is_dir[ST_ENTRIES_MAX];
	size_t n;
	struct st_mbox mbox[ST_MBOX_MAX];
	size_t nmbox;
	int wd_user[SESSION_USERS];
	bool is_user_dirty[SESSION_USERS];
	int ifd;
	unsigned trash_seq;
	const struct session_fixture *fixtures;
	size_t nfixtures;
	bool is_recorded;
} st = { .ifd = -1 };

static void
st_path(char *out, size_t len, const char *sub, const char *rel)
{
	snprintf(out, len, "%s/%s%s%s", session_driver_dir(), sub,
	    rel[0] != '\0' ? "/" : "", rel);
}

/* ---- recording ---- */

static int
st_record_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	static unsigned user;
	char store[320], to[640];
	const char *rel;
	struct st_mbox *m;

	(void)sb;
	st_path(store, sizeof(store), "store", "");
	rel = path + strlen(store) + 1;
	if (ftw->level == 0) {		/* the user directory: kept, never restored */
		for (user = 0; user < SESSION_USERS; user++)
			if (strcmp(rel, session_driver_users[user]) == 0)
				break;
	} else {
		if (st.n == ST_ENTRIES_MAX || strlen(rel) >= ST_REL_MAX ||
		    (ftw->level == 1 && st.nmbox == ST_MBOX_MAX))
			return -1;
		if (ftw->level == 1) {
			m = &st.mbox[st.nmbox++];
			memset(m, 0, sizeof(*m));
			m->user = user;
			snprintf(m->name, sizeof(m->name), "%s", path + ftw->base);
			m->first = st.n;
		}
		st.mbox[st.nmbox - 1].count++;
		snprintf(st.rel[st.n], ST_REL_MAX, "%s", rel);
		st.is_dir[st.n++] = type == FTW_D;
	}
	st_path(to, sizeof(to), "golden", rel);
	if (type == FTW_D)
		return mkdir(to, 0700) == 0 || errno == EEXIST ? 0 : -1;
	return link(path, to);
}

static int
st_watch(const char *rel, const char *sub, uint32_t mask)
{
	char path[640];

	snprintf(path, sizeof(path), "%s/store/%s%s", session_driver_dir(), rel, sub);
	return inotify_add_watch(st.ifd, path, mask);
}

static void
st_watch_mbox(struct st_mbox *m)
{
	m->wd_dir = st_watch(st.rel[m->first], "", ST_WATCH_MBOX);
	m->wd_msg = st_watch(st.rel[m->first], "/msg", ST_WATCH_MBOX);
	m->is_dirty = false;
}

/* Forget the events queued so far (the reset's own). */
static void
st_drain(void)
{
	char ev[4096] __attribute__((aligned(8)));

	while (read(st.ifd, ev, sizeof(ev)) > 0)
		;
}

void
session_driver_record_store(void)
{
	char path[320];
	size_t i;

	if (st.ifd == -1 && (st.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		perror("inotify_init1");
		abort();
	}
	st_path(path, sizeof(path), "golden", "");
	session_driver_rm_tree(path);
	mkdir(path, 0700);
	st.n = st.nmbox = 0;
	for (i = 0; i < SESSION_USERS; i++) {
		st_path(path, sizeof(path), "store", session_driver_users[i]);
		if (nftw(path, st_record_entry, 16, FTW_PHYS) != 0) {
			fprintf(stderr, "session store: recording %s failed\n", path);
			abort();
		}
	}
	st_drain();
	for (i = 0; i < SESSION_USERS; i++) {
		st.wd_user[i] = st_watch(session_driver_users[i], "", ST_WATCH_USER);
		st.is_user_dirty[i] = false;
	}
	for (i = 0; i < st.nmbox; i++)
		st_watch_mbox(&st.mbox[i]);
	st.is_recorded = true;
}

/* ---- noticing changes ---- */

static void
st_mark(int wd)
{
	size_t i;

	for (i = 0; i < SESSION_USERS; i++)
		if (st.wd_user[i] == wd)
			st.is_user_dirty[i] = true;
	for (i = 0; i < st.nmbox; i++)
		if (st.mbox[i].wd_dir == wd || st.mbox[i].wd_msg == wd)
			st.mbox[i].is_dirty = true;
}

/* Read the queued events; true when a watched place changed. */
static bool
st_collect(void)
{
	char buf[4096] __attribute__((aligned(8)));
	const struct inotify_event *ev;
	bool is_changed = false;
	ssize_t n, off;
	size_t i;

	while ((n = read(st.ifd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += (ssize_t)(sizeof(*ev) + ev->len)) {
			ev = (const struct inotify_event *)(buf + off);
			if (ev->mask & IN_Q_OVERFLOW) {
				for (i = 0; i < SESSION_USERS; i++)
					st.is_user_dirty[i] = true;
				for (i = 0; i < st.nmbox; i++)
					st.mbox[i].is_dirty = true;
			} else if (!(ev->mask & IN_IGNORED))
				st_mark(ev->wd);
			is_changed = true;
		}
	}
	return is_changed;
}

/* ---- putting it back ---- */

static void
st_trash(const char *path)
{
	char to[320];

	if (st.trash_seq % ST_TRASH_MAX == 0) {
		st_path(to, sizeof(to), "trash", "");
		session_driver_rm_tree(to);
		mkdir(to, 0700);
	}
	snprintf(to, sizeof(to), "%s/trash/%u", session_driver_dir(), st.trash_seq++);
	if (rename(path, to) != 0 && errno != ENOENT)
		session_driver_rm_tree(path);
}

static void
st_restore_mbox(struct st_mbox *m)
{
	char from[640], to[640];
	size_t i;

	st_path(to, sizeof(to), "store", st.rel[m->first]);
	st_trash(to);
	for (i = m->first; i < m->first + m->count; i++) {
		st_path(from, sizeof(from), "golden", st.rel[i]);
		st_path(to, sizeof(to), "store", st.rel[i]);
		if (st.is_dir[i] ? mkdir(to, 0700) != 0 : link(from, to) != 0) {
			fprintf(stderr, "session store: restoring %s failed\n", to);
			abort();
		}
	}
	st_watch_mbox(m);
}

/* A user's directory changed (CREATE, RENAME, DELETE): trash the names
 * not recorded, mark the recorded mailboxes that are gone. A mailbox
 * replaced by another of the same name was marked by its own watch. */
static void
st_sweep_user(unsigned u)
{
	bool is_present[ST_MBOX_MAX] = { false };
	char path[320], entry[640];
	struct dirent *e;
	size_t i, k;
	DIR *d;

	st_path(path, sizeof(path), "store", session_driver_users[u]);
	if ((d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			for (k = 0; k < st.nmbox; k++)
				if (st.mbox[k].user == u && strcmp(st.mbox[k].name, e->d_name) == 0)
					break;
			if (k < st.nmbox) {
				is_present[k] = true;
				continue;
			}
			snprintf(entry, sizeof(entry), "%s/%s", path, e->d_name);
			st_trash(entry);
		}
		closedir(d);
	}
	for (i = 0; i < st.nmbox; i++)
		if (st.mbox[i].user == u && !is_present[i])
			st.mbox[i].is_dirty = true;
}

void
session_driver_reset_store(const struct session_fixture *fixtures, size_t n)
{
	struct server *srv = session_driver_server();
	struct store_mailbox *mb;
	char path[320];
	size_t i;

	if (st.is_recorded && st.fixtures == fixtures && st.nfixtures == n) {
		if (!st_collect())
			return;
		for (i = 0; i < SESSION_USERS; i++)
			if (st.is_user_dirty[i]) {
				st_sweep_user((unsigned)i);
				st.is_user_dirty[i] = false;
			}
		for (i = 0; i < st.nmbox; i++)
			if (st.mbox[i].is_dirty)
				st_restore_mbox(&st.mbox[i]);
		st_drain();
		return;
	}
	/* first use (or other fixtures): build it through the store */
	st.fixtures = fixtures;
	st.nfixtures = n;
	for (i = 0; i < SESSION_USERS; i++) {
		st_path(path, sizeof(path), "store", session_driver_users[i]);
		session_driver_rm_tree(path);
		mb = store_mailbox_open(srv->store, session_driver_users[i], STORE_INBOX, true);
		store_mailbox_close(&mb);
	}
	for (i = 0; i < n; i++) {
		const struct session_fixture *f = &fixtures[i];
		struct store_spool *sp = store_spool_new(srv->store);
		uint32_t uid;

		if (strcmp(f->mailbox, STORE_INBOX) != 0)
			store_mailbox_create(srv->store, f->user, f->mailbox);
		if (sp == NULL || store_spool_write(sp, f->text, strlen(f->text)) != 0 ||
		    store_spool_append(sp, f->user, f->mailbox, f->flags, NULL,
		    1700000000, &uid) != 0) {
			fprintf(stderr, "session store: fixture: %s\n", store_error(srv->store));
			abort();
		}
		store_spool_free(&sp);
	}
	session_driver_record_store();
}
