/* store_private.h: what store.c, store_spool.c and store_mailbox.c share.
 * Paths are relative to the store's directory fd (the *at() calls). */
#ifndef MAILSPEC_STORE_PRIVATE_H
#define MAILSPEC_STORE_PRIVATE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"

#define STORE_PATH_MAX		1024
#define STORE_SPOOL_DIR		".tmp"
#define STORE_META_DIR		".meta"	/* store-wide: lock, uidvalidity */
#define STORE_STATE_FILE	"state"
#define STORE_FLAGS_FILE	"flags"
#define STORE_LOCK_FILE		"lock"
#define STORE_MSG_DIR		"msg"

struct store {
	int dfd;			/* the store directory */
	unsigned long spool_seq;
	struct store_mailbox *open;	/* every open handle, for notify */
	char err[512];
};

struct store_state {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint32_t first_recent;	/* UIDs from here on are \Recent for the next
				 * session that claims them (<= uidnext) */
};

/* One line of a flags file. */
struct store_flag_entry {
	uint32_t uid;
	unsigned flags;
	char *keywords;			/* malloc'd, "" when none */
};

struct store_flag_list {
	struct store_flag_entry *v;
	size_t n;
};

/* snprintf for paths: on truncation out becomes "" (which no call
 * accepts) and -1 is returned. */
int store_path(char *out, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void store_set_error(struct store *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "user/ENCODED" for a mailbox; -1 when the name cannot be stored. */
int store_mailbox_dir(struct store *st, const char *user, const char *name,
    char *out, size_t outlen);
/* Undo the %XX encoding of a mailbox directory name; 0 or -1. */
int store_decode_name(const char *enc, char *out, size_t outlen);
/* INBOX in any case becomes "INBOX"; others are returned as they are. */
const char *store_canonical_name(const char *name);
/* Make dir (relative) and its missing parents, fsync()ing each parent. */
int store_mkdirs(struct store *st, const char *rel);
/* fsync the directory rel. */
int store_fsync_dir(struct store *st, const char *rel);
/* Write dir/name atomically: tmp, fsync, rename, fsync(dir). */
int store_write_atomic(struct store *st, const char *dir, const char *name,
    const void *data, size_t len);
/* Open and flock dir/lock (LOCK_SH or LOCK_EX); the fd, or -1. */
int store_lock(struct store *st, const char *dir, int op);
void store_unlock(int fd);
/* Read dir/state; a missing state is an error. */
int store_state_read(struct store *st, const char *dir, struct store_state *s);
int store_state_write(struct store *st, const char *dir,
    const struct store_state *s);
/* Create the mailbox directory with a fresh UIDVALIDITY if missing. */
int store_mailbox_ensure(struct store *st, const char *dir);
/* Flags file I/O (missing file: empty list). */
int store_flags_read(struct store *st, const char *dir, struct store_flag_list *fl);
int store_flags_write(struct store *st, const char *dir,
    const struct store_flag_list *fl);
void store_flags_release(struct store_flag_list *fl);
/* Set (or with flags 0 and keywords "" drop) the entry for uid. */
int store_flags_put(struct store_flag_list *fl, uint32_t uid, unsigned flags,
    const char *keywords);
const struct store_flag_entry *store_flags_get(const struct store_flag_list *fl,
    uint32_t uid);
/* Parse/format "\Seen \Deleted kw" into flags and keywords. */
unsigned store_flags_parse(const char *text, char *kw_out, size_t kwlen);
/* Tell every open handle on (user, name) except self that it changed. */
void store_notify(struct store *st, const char *user, const char *name,
    const struct store_mailbox *self);

#endif
