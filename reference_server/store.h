/* store.h: the durable mail store shared by the SMTP, POP3 and IMAP
 * sessions (on-disk format: reference_server/README.md).
 *
 * Durability: nothing is acknowledged before it is on disk. A message is
 * written to a spool file, fsync()ed, hard-linked into each mailbox
 * under a UID that the mailbox's state file has already given out (the
 * state is written tmp + fsync + rename + fsync(dir) first), and the
 * mailbox directory is fsync()ed; only then does a commit return 0.
 * A crash can leave a gap in UIDs, never a partial or lost message.
 *
 * Concurrency: one process, one thread, plus flock() on each mailbox's
 * lock file, so a second process (a test) never sees a torn state.
 *
 * Mailbox handles are per session: each has its own snapshot of the
 * message list (sorted by UID), refreshed by store_mailbox_sync(). A
 * change made through any handle or delivery in this process calls the
 * notify function of every other open handle on that mailbox.
 *
 * Errors: functions return -1 and leave a message in store_error().
 */
#ifndef MAILSPEC_STORE_H
#define MAILSPEC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STORE_INBOX		"INBOX"
#define STORE_MAILBOX_MAX	255	/* bytes of a mailbox name */

/* System flags (RFC 9051 §2.3.2; \Recent is not a stored flag, see
 * store_mailbox_first_recent()). */
#define STORE_F_SEEN		0x01
#define STORE_F_ANSWERED	0x02
#define STORE_F_FLAGGED		0x04
#define STORE_F_DELETED		0x08
#define STORE_F_DRAFT		0x10

struct store;
struct store_spool;
struct store_mailbox;

struct store_msg {
	uint32_t uid;
	uint64_t size;		/* octets in the file, trace header included */
	time_t internal_date;	/* arrival (or APPEND date): the file's mtime */
	unsigned flags;		/* STORE_F_* */
	const char *keywords;	/* "" or space-separated IMAP keywords */
};

/* Open (creating) the store in dir and drop leftover spool files. NULL
 * with a message in err. */
struct store *store_open(const char *dir, char *err, size_t errlen);
/* Free; clears *sp. All mailbox handles and spools must be gone. */
void store_free(struct store **sp);
/* The message of the last failure. */
const char *store_error(const struct store *st);

/* ---- receiving a message (SMTP DATA/BDAT, IMAP APPEND) ---- */
/* A new spool file; NULL on failure. */
struct store_spool *store_spool_new(struct store *st);
/* Append bytes; -1 on a write error (the spool is then useless). */
int store_spool_write(struct store_spool *sp, const void *data, size_t len);
/* Bytes written so far. */
uint64_t store_spool_size(const struct store_spool *sp);
/* Deliver the spool to the INBOX of each of users[0..n) (duplicates are
 * the caller's to remove); uids_r (may be NULL) gets each UID. 0 only
 * when every copy is durable. */
int store_spool_deliver(struct store_spool *sp, const char *const *users,
    size_t n, uint32_t *uids_r);
/* Append the spool to one existing mailbox with flags, keywords (NULL:
 * none) and an internal date (0: now), as IMAP APPEND does. */
int store_spool_append(struct store_spool *sp, const char *user,
    const char *mailbox, unsigned flags, const char *keywords, time_t date,
    uint32_t *uid_r);
/* Remove the spool file (if still there) and free; clears *spp. */
void store_spool_free(struct store_spool **spp);

/* ---- mailboxes ---- */
typedef void store_notify_fn(void *arg, struct store_mailbox *mb);

/* Open user's mailbox (INBOX in any case means INBOX); create it first
 * when create is set (INBOX always exists). NULL when missing. */
struct store_mailbox *store_mailbox_open(struct store *st, const char *user,
    const char *name, bool create);
/* Close the handle; clears *mbp. */
void store_mailbox_close(struct store_mailbox **mbp);
/* Called after a change through another handle or a delivery. */
void store_mailbox_set_notify(struct store_mailbox *mb, store_notify_fn *fn,
    void *arg);
/* Reload the snapshot from disk; 0 or -1. */
int store_mailbox_sync(struct store_mailbox *mb);
uint32_t store_mailbox_uidvalidity(const struct store_mailbox *mb);
uint32_t store_mailbox_uidnext(const struct store_mailbox *mb);
/* \Recent (RFC 3501 §2.3.2; kept in the state file, not in the flags):
 * the snapshot's messages with a UID from this one on have not been
 * claimed by any session yet, so they are recent for the next one. */
uint32_t store_mailbox_first_recent(const struct store_mailbox *mb);
/* Claim the unclaimed messages of the snapshot for this handle (a
 * read-write IMAP4rev1 selection), durably: *first_r gets the first UID
 * that is this handle's to show as recent (every snapshot message from it
 * on); no other claim will get them. -1 when the state could not be
 * updated (*first_r then still names the messages to treat as recent). */
int store_mailbox_claim_recent(struct store_mailbox *mb, uint32_t *first_r);
/* The canonical mailbox name. */
const char *store_mailbox_name(const struct store_mailbox *mb);
size_t store_mailbox_count(const struct store_mailbox *mb);
/* The i-th message of the snapshot (0-based, by UID), valid until the
 * next sync; NULL past the end. */
const struct store_msg *store_mailbox_msg(const struct store_mailbox *mb,
    size_t i);
/* Index of uid in the snapshot, or -1. */
long store_mailbox_find(const struct store_mailbox *mb, uint32_t uid);
/* A read-only fd on the message file (the caller closes it), or -1. */
int store_mailbox_open_msg(struct store_mailbox *mb, uint32_t uid);
/* Replace flags and keywords (NULL: keep) of uid; durable on return. */
int store_mailbox_set_flags(struct store_mailbox *mb, uint32_t uid,
    unsigned flags, const char *keywords);
/* Remove uids[0..n) for good (POP3 UPDATE, IMAP EXPUNGE). */
int store_mailbox_expunge(struct store_mailbox *mb, const uint32_t *uids,
    size_t n);

/* Mailbox names of user, for IMAP LIST: calls fn for each; 0 or -1. */
int store_mailbox_list(struct store *st, const char *user,
    void (*fn)(void *arg, const char *name), void *arg);
/* Create/delete/rename a mailbox (not INBOX for delete); 0 or -1. */
int store_mailbox_create(struct store *st, const char *user, const char *name);
int store_mailbox_delete(struct store *st, const char *user, const char *name);
int store_mailbox_rename(struct store *st, const char *user,
    const char *from, const char *to);

#endif
