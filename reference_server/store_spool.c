/* store_spool.c: receiving a message and committing it to mailboxes.
 *
 * RFC 5321 §6.1 (a 250 reply to end of data is a promise: the message
 * must be on stable storage first), §4.4 (the trace header is part of
 * what the caller writes). RFC 9051 §6.3.12 (APPEND: flags, date).
 *
 * Order of a commit, per mailbox, under its lock: read state, write the
 * state with UIDNEXT+1 durably, link the fsync()ed spool file in as
 * msg/<uid>, fsync msg/. A crash between the two leaves a gap, which
 * UIDs allow; the state is never behind the messages.
 */
#include "store_private.h"
#include "store_textual.h"
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_SPOOL_BUF		(64 * 1024)

struct store_spool {
	struct store *st;
	int fd;
	bool is_failed;
	bool has_nul;			/* NUL seen: store_spool_textual() */
	uint64_t size;
	char path[64];			/* relative to the store */
	size_t buffered;
	char buf[STORE_SPOOL_BUF];
};

struct store_spool *
store_spool_new(struct store *st)
{
	struct store_spool *sp;

	sp = malloc(sizeof(*sp));
	if (sp == NULL) {
		store_set_error(st, "out of memory");
		return NULL;
	}
	sp->st = st;
	sp->is_failed = false;
	sp->has_nul = false;
	sp->size = 0;
	sp->buffered = 0;
	snprintf(sp->path, sizeof(sp->path), "%s/%ld.%lu", STORE_SPOOL_DIR,
	    (long)getpid(), ++st->spool_seq);
	sp->fd = openat(st->dfd, sp->path,
	    O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (sp->fd == -1) {
		store_set_error(st, "create %s: %s", sp->path, strerror(errno));
		free(sp);
		return NULL;
	}
	return sp;
}

static int
store_spool_flush(struct store_spool *sp)
{
	const char *p = sp->buf;
	size_t left = sp->buffered;
	ssize_t n;

	while (left > 0 && !sp->is_failed) {
		n = write(sp->fd, p, left);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			store_set_error(sp->st, "write %s: %s", sp->path,
			    n == 0 ? "short write" : strerror(errno));
			sp->is_failed = true;
			break;
		}
		p += n;
		left -= (size_t)n;
	}
	sp->buffered = 0;
	return sp->is_failed ? -1 : 0;
}

int
store_spool_write(struct store_spool *sp, const void *data, size_t len)
{
	const char *p = data;
	size_t take;

	while (len > 0 && !sp->is_failed) {
		if (sp->buffered == STORE_SPOOL_BUF && store_spool_flush(sp) != 0)
			break;
		take = STORE_SPOOL_BUF - sp->buffered;
		if (take > len)
			take = len;
		memcpy(sp->buf + sp->buffered, p, take);
		if (!sp->has_nul && memchr(p, '\0', take) != NULL)
			sp->has_nul = true;
		sp->buffered += take;
		sp->size += take;
		p += take;
		len -= take;
	}
	return sp->is_failed ? -1 : 0;
}

uint64_t
store_spool_size(const struct store_spool *sp)
{
	return sp->size;
}

/* A spool holding NUL: rewrite it with its binary parts as base64
 * (store_textual.h). The message was limited in size by the session. */
static int
store_spool_textual(struct store_spool *sp)
{
	struct buf out;
	char *data;
	ssize_t n;
	size_t got = 0;
	int rc = -1;

	if (sp->size > SIZE_MAX / 2 || (data = malloc((size_t)sp->size + 1)) == NULL) {
		store_set_error(sp->st, "out of memory");
		return -1;
	}
	while (got < sp->size) {
		n = pread(sp->fd, data + got, (size_t)sp->size - got, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf_init(&out, (size_t)sp->size * 2 + 4096);
	if (got != sp->size)
		store_set_error(sp->st, "read %s: %s", sp->path, strerror(errno));
	else if ((rc = store_textual(data, got, &out)) < 0)
		store_set_error(sp->st, "out of memory");
	else if (rc == 1 && (ftruncate(sp->fd, 0) != 0 || lseek(sp->fd, 0, SEEK_SET) != 0)) {
		store_set_error(sp->st, "truncate %s: %s", sp->path, strerror(errno));
		rc = -1;
	} else if (rc == 1) {
		sp->size = 0;
		rc = store_spool_write(sp, out.data, out.len) == 0 && store_spool_flush(sp) == 0 ?
		    0 : -1;
	}
	buf_release(&out);
	free(data);
	if (rc < 0)
		sp->is_failed = true;
	sp->has_nul = false;
	return rc < 0 ? -1 : 0;
}

/* Everything written is on disk. */
static int
store_spool_sync(struct store_spool *sp)
{
	if (store_spool_flush(sp) != 0)
		return -1;
	if (sp->has_nul && store_spool_textual(sp) != 0)
		return -1;
	if (fsync(sp->fd) != 0) {
		store_set_error(sp->st, "fsync %s: %s", sp->path, strerror(errno));
		sp->is_failed = true;
		return -1;
	}
	return 0;
}

/* Link the spool into dir under a fresh UID, with flags. */
static int
store_spool_link(struct store_spool *sp, const char *dir, unsigned flags,
    const char *keywords, uint32_t *uid_r)
{
	struct store *st = sp->st;
	struct store_flag_list fl;
	struct store_state s;
	char msgdir[STORE_PATH_MAX], path[STORE_PATH_MAX];
	int lk, rc = -1;

	lk = store_lock(st, dir, LOCK_EX);
	if (lk == -1)
		return -1;
	if (store_state_read(st, dir, &s) != 0 || s.uidnext == UINT32_MAX)
		goto out;
	*uid_r = s.uidnext++;
	if (store_state_write(st, dir, &s) != 0)
		goto out;
	store_path(msgdir, sizeof(msgdir), "%s/%s", dir, STORE_MSG_DIR);
	store_path(path, sizeof(path), "%s/%u", msgdir, (unsigned)*uid_r);
	if (linkat(st->dfd, sp->path, st->dfd, path, 0) == -1) {
		store_set_error(st, "link %s: %s", path, strerror(errno));
		goto out;
	}
	if (flags != 0 || (keywords != NULL && keywords[0] != '\0')) {
		if (store_flags_read(st, dir, &fl) != 0)
			goto out;
		rc = store_flags_put(&fl, *uid_r, flags, keywords);
		if (rc == 0)
			rc = store_flags_write(st, dir, &fl);
		store_flags_release(&fl);
		if (rc != 0)
			goto out;
	}
	rc = store_fsync_dir(st, msgdir);
out:
	store_unlock(lk);
	return rc;
}

int
store_spool_deliver(struct store_spool *sp, const char *const *users,
    size_t n, uint32_t *uids_r)
{
	char dir[STORE_PATH_MAX];
	uint32_t uid;
	size_t i;

	if (sp->is_failed || store_spool_sync(sp) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (store_mailbox_dir(sp->st, users[i], STORE_INBOX, dir, sizeof(dir)) != 0 ||
		    store_mailbox_ensure(sp->st, dir) != 0 ||
		    store_spool_link(sp, dir, 0, NULL, &uid) != 0)
			return -1;
		if (uids_r != NULL)
			uids_r[i] = uid;
		store_notify(sp->st, users[i], STORE_INBOX, NULL);
	}
	return 0;
}

int
store_spool_append(struct store_spool *sp, const char *user,
    const char *mailbox, unsigned flags, const char *keywords, time_t date,
    uint32_t *uid_r)
{
	struct timespec ts[2];
	char dir[STORE_PATH_MAX], path[STORE_PATH_MAX];
	struct stat sb;

	if (sp->is_failed || store_spool_sync(sp) != 0)
		return -1;
	if (store_mailbox_dir(sp->st, user, mailbox, dir, sizeof(dir)) != 0)
		return -1;
	store_path(path, sizeof(path), "%s/%s", dir, STORE_STATE_FILE);
	if (fstatat(sp->st->dfd, path, &sb, 0) != 0) {
		store_set_error(sp->st, "no such mailbox");
		return -1;
	}
	if (date != 0) {
		ts[0].tv_sec = ts[1].tv_sec = date;
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		if (futimens(sp->fd, ts) != 0 || fsync(sp->fd) != 0) {
			store_set_error(sp->st, "set date: %s", strerror(errno));
			return -1;
		}
	}
	if (store_spool_link(sp, dir, flags, keywords, uid_r) != 0)
		return -1;
	store_notify(sp->st, user, store_canonical_name(mailbox), NULL);
	return 0;
}

void
store_spool_free(struct store_spool **spp)
{
	struct store_spool *sp = *spp;

	if (sp == NULL)
		return;
	close(sp->fd);
	unlinkat(sp->st->dfd, sp->path, 0);	/* the mailboxes hold links */
	free(sp);
	*spp = NULL;
}
