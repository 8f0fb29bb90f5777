/* store_mailbox.c: mailbox handles (a session's snapshot of a mailbox),
 * flag changes, expunge, and the mailbox list of a user.
 *
 * RFC 9051 §2.3.1 (UIDs, UIDVALIDITY, UIDNEXT), §2.3.2 (flags),
 * §6.3.4-6.3.6 (CREATE, DELETE, RENAME), §7.5.1 (EXPUNGE is announced:
 * the notify hook); RFC 1939 §6 (POP3 UPDATE state removes messages);
 * RFC 3501 §2.3.2 (\Recent: a message is recent in the first session
 * notified of it; a handle claims the messages of its snapshot that no
 * one has claimed yet, by moving the state's firstrecent past them).
 */
#include "store_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"

#define STORE_SNAPSHOT_ARENA	(64u * 1024 * 1024)

struct store_mailbox {
	struct store *st;
	struct store_mailbox *next;	/* the store's list of open handles */
	char user[80];
	char name[STORE_MAILBOX_MAX + 1];
	char dir[STORE_PATH_MAX];
	struct store_state state;
	struct store_msg *msgs;
	size_t nmsgs;
	struct arena *strings;		/* keywords of the snapshot */
	store_notify_fn *notify;
	void *notify_arg;
};

struct store_mailbox *
store_mailbox_open(struct store *st, const char *user, const char *name,
    bool create)
{
	struct store_mailbox *mb;
	char dir[STORE_PATH_MAX];
	struct stat sb;
	char path[STORE_PATH_MAX];

	name = store_canonical_name(name);
	if (store_mailbox_dir(st, user, name, dir, sizeof(dir)) != 0)
		return NULL;
	store_path(path, sizeof(path), "%s/%s", dir, STORE_STATE_FILE);
	if ((create || strcmp(name, STORE_INBOX) == 0) &&
	    store_mailbox_ensure(st, dir) != 0)
		return NULL;
	if (fstatat(st->dfd, path, &sb, 0) != 0) {
		store_set_error(st, "no such mailbox");
		return NULL;
	}
	mb = calloc(1, sizeof(*mb));
	if (mb == NULL || (mb->strings = arena_new(STORE_SNAPSHOT_ARENA)) == NULL) {
		free(mb);
		store_set_error(st, "out of memory");
		return NULL;
	}
	mb->st = st;
	snprintf(mb->user, sizeof(mb->user), "%s", user);
	snprintf(mb->name, sizeof(mb->name), "%s", name);
	snprintf(mb->dir, sizeof(mb->dir), "%s", dir);
	mb->next = st->open;
	st->open = mb;
	if (store_mailbox_sync(mb) != 0) {
		store_mailbox_close(&mb);
		return NULL;
	}
	return mb;
}

void
store_mailbox_close(struct store_mailbox **mbp)
{
	struct store_mailbox *mb = *mbp, **pp;

	if (mb == NULL)
		return;
	for (pp = &mb->st->open; *pp != NULL; pp = &(*pp)->next)
		if (*pp == mb) {
			*pp = mb->next;
			break;
		}
	free(mb->msgs);
	arena_free(&mb->strings);
	free(mb);
	*mbp = NULL;
}

void
store_mailbox_set_notify(struct store_mailbox *mb, store_notify_fn *fn,
    void *arg)
{
	mb->notify = fn;
	mb->notify_arg = arg;
}

void
store_notify(struct store *st, const char *user, const char *name,
    const struct store_mailbox *self)
{
	struct store_mailbox *mb;

	for (mb = st->open; mb != NULL; mb = mb->next)
		if (mb != self && mb->notify != NULL &&
		    strcmp(mb->user, user) == 0 && strcmp(mb->name, name) == 0)
			mb->notify(mb->notify_arg, mb);
}

/* ---- the snapshot ---- */

static int
store_msg_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct store_msg *)a)->uid;
	uint32_t y = ((const struct store_msg *)b)->uid;

	return x < y ? -1 : x > y;
}

static bool
store_is_uid_name(const char *s, uint32_t *uid_r)
{
	unsigned long long v = 0;

	if (*s == '\0' || *s == '0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > UINT32_MAX)
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*uid_r = (uint32_t)v;
	return true;
}

static int
store_add_msg(struct store_mailbox *mb, size_t *cap, uint32_t uid,
    const struct stat *sb)
{
	struct store_msg *v;

	if (mb->nmsgs == *cap) {
		*cap = *cap == 0 ? 64 : *cap * 2;
		v = realloc(mb->msgs, *cap * sizeof(*v));
		if (v == NULL)
			return -1;
		mb->msgs = v;
	}
	v = &mb->msgs[mb->nmsgs++];
	v->uid = uid;
	v->size = (uint64_t)sb->st_size;
	v->internal_date = sb->st_mtime;
	v->flags = 0;
	v->keywords = "";
	return 0;
}

static int
store_scan_msgs(struct store_mailbox *mb)
{
	char path[STORE_PATH_MAX];
	struct dirent *de;
	struct stat sb;
	size_t cap = 0;
	uint32_t uid;
	DIR *d;
	int fd, rc = 0;

	free(mb->msgs);
	mb->msgs = NULL;
	mb->nmsgs = 0;
	store_path(path, sizeof(path), "%s/%s", mb->dir, STORE_MSG_DIR);
	fd = openat(mb->st->dfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		store_set_error(mb->st, "open %s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!store_is_uid_name(de->d_name, &uid) ||
		    fstatat(fd, de->d_name, &sb, 0) != 0)
			continue;
		rc = store_add_msg(mb, &cap, uid, &sb);
	}
	closedir(d);
	if (mb->nmsgs > 1)
		qsort(mb->msgs, mb->nmsgs, sizeof(*mb->msgs), store_msg_cmp);
	return rc;
}

static void
store_apply_flags(struct store_mailbox *mb, const struct store_flag_list *fl)
{
	const struct store_flag_entry *e;
	size_t i;
	char *kw;

	for (i = 0; i < mb->nmsgs; i++) {
		e = store_flags_get(fl, mb->msgs[i].uid);
		if (e == NULL)
			continue;
		mb->msgs[i].flags = e->flags;
		kw = arena_strdup(mb->strings, e->keywords);
		mb->msgs[i].keywords = kw != NULL ? kw : "";
	}
}

int
store_mailbox_sync(struct store_mailbox *mb)
{
	struct store_flag_list fl;
	int lk, rc;

	lk = store_lock(mb->st, mb->dir, LOCK_SH);
	if (lk == -1)
		return -1;
	rc = store_state_read(mb->st, mb->dir, &mb->state);
	if (rc == 0)
		rc = store_scan_msgs(mb);
	if (rc == 0)
		rc = store_flags_read(mb->st, mb->dir, &fl);
	store_unlock(lk);
	if (rc != 0)
		return -1;
	arena_reset(mb->strings);
	store_apply_flags(mb, &fl);
	store_flags_release(&fl);
	return 0;
}

uint32_t
store_mailbox_uidvalidity(const struct store_mailbox *mb)
{
	return mb->state.uidvalidity;
}

uint32_t
store_mailbox_uidnext(const struct store_mailbox *mb)
{
	return mb->state.uidnext;
}

uint32_t
store_mailbox_first_recent(const struct store_mailbox *mb)
{
	return mb->state.first_recent;
}

int
store_mailbox_claim_recent(struct store_mailbox *mb, uint32_t *first_r)
{
	uint32_t seen = mb->state.uidnext;	/* the snapshot has every UID below */
	struct store_state s;
	int lk, rc;

	*first_r = mb->state.first_recent;	/* the fallback: "considered recent" */
	if (mb->state.first_recent >= seen)
		return 0;			/* nothing unclaimed in the snapshot */
	lk = store_lock(mb->st, mb->dir, LOCK_EX);
	if (lk == -1)
		return -1;
	rc = store_state_read(mb->st, mb->dir, &s);
	if (rc == 0 && s.first_recent < seen) {
		*first_r = s.first_recent;
		s.first_recent = seen;
		rc = store_state_write(mb->st, mb->dir, &s);
	} else if (rc == 0)
		*first_r = seen;		/* another handle was first */
	store_unlock(lk);
	if (rc == 0)
		mb->state.first_recent = seen;
	return rc;
}

const char *
store_mailbox_name(const struct store_mailbox *mb)
{
	return mb->name;
}

size_t
store_mailbox_count(const struct store_mailbox *mb)
{
	return mb->nmsgs;
}

const struct store_msg *
store_mailbox_msg(const struct store_mailbox *mb, size_t i)
{
	return i < mb->nmsgs ? &mb->msgs[i] : NULL;
}

long
store_mailbox_find(const struct store_mailbox *mb, uint32_t uid)
{
	size_t lo = 0, hi = mb->nmsgs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (mb->msgs[mid].uid == uid)
			return (long)mid;
		if (mb->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int
store_mailbox_open_msg(struct store_mailbox *mb, uint32_t uid)
{
	char path[STORE_PATH_MAX];
	int fd;

	store_path(path, sizeof(path), "%s/%s/%u", mb->dir, STORE_MSG_DIR,
	    (unsigned)uid);
	fd = openat(mb->st->dfd, path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		store_set_error(mb->st, "open %s: %s", path, strerror(errno));
	return fd;
}

/* ---- changes ---- */

int
store_mailbox_set_flags(struct store_mailbox *mb, uint32_t uid,
    unsigned flags, const char *keywords)
{
	struct store_flag_list fl;
	const struct store_flag_entry *e;
	long i = store_mailbox_find(mb, uid);
	char kw[4096];
	int lk, rc;

	lk = store_lock(mb->st, mb->dir, LOCK_EX);
	if (lk == -1)
		return -1;
	rc = store_flags_read(mb->st, mb->dir, &fl);
	if (rc == 0) {
		if (keywords == NULL) {
			e = store_flags_get(&fl, uid);
			store_path(kw, sizeof(kw), "%s", e != NULL ? e->keywords : "");
			keywords = kw;
		}
		rc = store_flags_put(&fl, uid, flags, keywords);
		if (rc == 0)
			rc = store_flags_write(mb->st, mb->dir, &fl);
		if (rc == 0 && i >= 0) {
			mb->msgs[i].flags = flags;
			keywords = arena_strdup(mb->strings, keywords);
			mb->msgs[i].keywords = keywords != NULL ? keywords : "";
		}
		store_flags_release(&fl);
	}
	store_unlock(lk);
	if (rc == 0)
		store_notify(mb->st, mb->user, mb->name, mb);
	return rc;
}

static void
store_drop_from_snapshot(struct store_mailbox *mb, uint32_t uid)
{
	long i = store_mailbox_find(mb, uid);

	if (i < 0)
		return;
	memmove(&mb->msgs[i], &mb->msgs[i + 1],
	    (mb->nmsgs - (size_t)i - 1) * sizeof(*mb->msgs));
	mb->nmsgs--;
}

int
store_mailbox_expunge(struct store_mailbox *mb, const uint32_t *uids, size_t n)
{
	struct store_flag_list fl;
	char path[STORE_PATH_MAX];
	size_t i;
	int lk, rc;

	lk = store_lock(mb->st, mb->dir, LOCK_EX);
	if (lk == -1)
		return -1;
	rc = store_flags_read(mb->st, mb->dir, &fl);
	for (i = 0; rc == 0 && i < n; i++) {
		store_path(path, sizeof(path), "%s/%s/%u", mb->dir, STORE_MSG_DIR,
		    (unsigned)uids[i]);
		if (unlinkat(mb->st->dfd, path, 0) == -1 && errno != ENOENT) {
			store_set_error(mb->st, "unlink %s: %s", path, strerror(errno));
			rc = -1;
		}
		if (rc == 0)
			rc = store_flags_put(&fl, uids[i], 0, "");
		store_drop_from_snapshot(mb, uids[i]);
	}
	if (rc == 0)
		rc = store_flags_write(mb->st, mb->dir, &fl);
	store_flags_release(&fl);
	store_path(path, sizeof(path), "%s/%s", mb->dir, STORE_MSG_DIR);
	if (rc == 0)
		rc = store_fsync_dir(mb->st, path);
	store_unlock(lk);
	if (rc == 0)
		store_notify(mb->st, mb->user, mb->name, mb);
	return rc;
}
