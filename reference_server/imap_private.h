/* imap_private.h (reference_server/): the IMAP session shared by the
 * imap_*.c files of the reference server. (Not engine/proto/imap_private.h,
 * the codec's own private header: a quoted include finds the file next
 * to the includer first, so each side gets its own.)
 *
 * Files: imap_session.c (state machine, input pump, dispatch, life
 * cycle), imap_reply.c (responses, argument checks), imap_auth.c
 * (CAPABILITY NOOP LOGOUT ID STARTTLS AUTHENTICATE LOGIN ENABLE),
 * imap_mailbox.c (CREATE DELETE RENAME STATUS, mailbox arguments),
 * imap_subs.c (SUBSCRIBE UNSUBSCRIBE, special-use, first login),
 * imap_list.c (LIST LSUB NAMESPACE), imap_append.c (APPEND),
 * imap_select.c (SELECT EXAMINE CLOSE UNSELECT EXPUNGE CHECK),
 * imap_view.c (the selected mailbox as the client sees it, change
 * announcements, flag helpers), imap_idle.c (IDLE), imap_name.c (mailbox
 * names: modified UTF-7, checks, patterns); issue 4 part B: imap_fetch.c
 * and imap_fetch_items.c (FETCH, state in imap_fetch.h), imap_fetch_msg.c
 * (message sets and contents shared by the message commands),
 * imap_search*.c (SEARCH, state in imap_search.h), imap_store_cmd.c
 * (STORE), imap_copy.c (COPY, MOVE).
 *
 * Adding commands: write a file with a `const struct imap_handler x_handlers[]` table and
 * its `x_handlers_len`, declare both below, and add one line to
 * imap_tables[] in imap_session.c. A handler runs only in the states of
 * its mask, and must end the command with exactly one of imap_ok(),
 * imap_no(), imap_bad(), or hand over to a mode (imap_stream_start()
 * for output that has to wait for the socket). The selected mailbox is
 * s->view (imap_view_*() below); a command never re-reads the store
 * into the view itself: imap_ok()/imap_no() announce what changed
 * (RFC 9051 §5.2, §7.5.1) right before the tagged line.
 *
 * The RFC state changes only in imap_enter_state(); the input mode
 * (commands, SASL lines, IDLE, TLS handshake, streaming) only in
 * imap_set_mode().
 */
#ifndef MAILSPEC_IMAP_SERVER_PRIVATE_H
#define MAILSPEC_IMAP_SERVER_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "conn.h"
#include "imap_cmd.h"
#include "imap_seqset.h"
#include "mime.h"
#include "sasl.h"
#include "store.h"

#define IMAP_DELIM		'/'	/* the hierarchy delimiter */
#define IMAP_TAG_MAX		128	/* bytes of a tag we answer to */
#define IMAP_OUT_MAX		(64 * 1024)	/* one response line being built */
#define IMAP_CMD_LINE_MAX	(64 * 1024)	/* non-literal bytes of a command */
#define IMAP_CMD_OTHER_MAX	(1024 * 1024)	/* a whole command, APPEND aside */
#define IMAP_DISCARD_MAX	(1024 * 1024)	/* rejected {n+} bytes read, else BYE */
#define IMAP_AUTH_FAILURES_MAX	3	/* failed logins before the close */
#define IMAP_AUTOLOGOUT_MIN_MS	(30u * 60 * 1000)	/* RFC 9051 §5.4 */
#define IMAP_MAILBOXES_MAX	500	/* mailboxes of one user */
#define IMAP_SUBS_MAX		500	/* subscriptions of one user */
#define IMAP_KEYWORDS_MAX	1000	/* bytes of a message's keyword list */
#define IMAP_CAPS_MAX		512	/* the capability list */
#define IMAP_LEVELS_MAX		16	/* hierarchy levels of a new name */
#define IMAP_PATTERNS_MAX	256	/* bytes of all patterns of one LIST */

/* RFC 9051 §3: one bit each, so a handler can name a set of states. */
enum imap_state {
	IMAP_STATE_NOT_AUTH = 0x1,	/* §3.1 */
	IMAP_STATE_AUTH = 0x2,		/* §3.2 */
	IMAP_STATE_SELECTED = 0x4,	/* §3.3 */
	IMAP_STATE_LOGOUT = 0x8,	/* §3.4: closing, nothing more is read */
};
#define IMAP_STATES_ANY		(IMAP_STATE_NOT_AUTH | IMAP_STATE_AUTH | IMAP_STATE_SELECTED)
#define IMAP_STATES_LOGGED_IN	(IMAP_STATE_AUTH | IMAP_STATE_SELECTED)

/* What the input means right now. */
enum imap_mode {
	IMAP_MODE_COMMAND,	/* tagged commands (and their literals) */
	IMAP_MODE_SASL,		/* AUTHENTICATE response lines (§6.2.2) */
	IMAP_MODE_IDLE,		/* waiting for "DONE" (§6.3.13) */
	IMAP_MODE_TLS,		/* STARTTLS handshake: nothing is read */
	IMAP_MODE_STREAM,	/* a command's output waits for the socket */
};

/* imap_handler.flags */
#define IMAP_H_UID	0x1	/* "UID <name>" exists too (cmd->is_uid) */
#define IMAP_H_SEQ	0x2	/* without UID it uses message sequence
				 * numbers: no EXPUNGE response may be sent
				 * while it runs (RFC 9051 §7.5.1: FETCH,
				 * STORE, SEARCH) */

struct imap_session;

/* A command's handler, OpenSMTPD style. name is upper case as imap_cmd
 * gives it. check (may be NULL) validates the arguments and answers BAD
 * itself when it returns false; proceed runs the command. */
struct imap_handler {
	const char *name;
	unsigned states;	/* IMAP_STATE_* bits where it is allowed */
	unsigned flags;		/* IMAP_H_* */
	bool (*check)(struct imap_session *s, const struct imap_cmd *cmd);
	void (*proceed)(struct imap_session *s, const struct imap_cmd *cmd);
};

/* For imap_out_flags() only, beside the STORE_F_* bits: "\Recent"
 * (RFC 3501 §2.3.2), a session flag that is never stored. */
#define IMAP_F_RECENT		0x100

/* One message of the selected mailbox as the client knows it. */
struct imap_view_msg {
	uint32_t uid;
	unsigned flags;		/* STORE_F_*, as last told to the client */
	char *keywords;		/* NULL or malloc'd "kw1 kw2", likewise */
	bool is_expunged;	/* gone from the store, EXPUNGE not sent yet */
	bool is_recent;		/* \Recent in this session (IMAP4rev1 only) */
};

/* The selected mailbox (RFC 9051 §2.3.1: sequence numbers are positions
 * in msgs, 1-based; UIDs ascend). Only imap_view.c changes it. */
struct imap_view {
	struct store_mailbox *mb;	/* the session's store handle */
	char name[STORE_MAILBOX_MAX + 1];	/* canonical (UTF-8) name */
	struct imap_view_msg *msgs;
	size_t n, cap;			/* n: the last EXISTS the client saw */
	uint32_t uidvalidity;
	uint32_t uidnext;		/* as last announced */
	bool is_readonly;		/* EXAMINE */
	bool is_changed;		/* the store changed since the last sync */
	bool has_recent;		/* IMAP4rev1: \Recent and RECENT are shown */
	bool is_recent_owner;		/* ... and taken (SELECT, not EXAMINE) */
	struct buf keywords;		/* keywords announced in FLAGS */
	uint32_t *saved;		/* SEARCHRES "$": UIDs, ascending (malloc'd) */
	size_t nsaved;
};

/* Output that cannot be queued at once (a large FETCH): pump() is called
 * whenever the socket has drained and returns true once it has sent the
 * tagged reply; drop() frees what pump() holds if the session ends first. */
struct imap_stream {
	bool (*pump)(struct imap_session *s);
	void (*drop)(struct imap_session *s);
	void *arg;
};

struct imap_session {
	struct conn *conn;
	struct server *srv;
	struct io *io;
	enum imap_state state;
	enum imap_mode mode;
	struct imap_cmd_parser *parser;
	struct buf out;			/* the response line being built */
	char tag[IMAP_TAG_MAX + 1];	/* the command in progress */
	const struct imap_handler *cur;	/* its handler; NULL between commands */
	bool may_expunge;		/* EXPUNGE responses allowed (§7.5.1) */
	bool is_in_literal;		/* "+ Ready" sent: literal bytes are progress */
	bool is_rev2;			/* ENABLE IMAP4rev2 was given */
	unsigned errors;		/* BAD responses, towards max_errors */
	unsigned auth_failures;
	const char *user;		/* logged in as (a users.c string) */
	struct sasl sasl;
	struct imap_view view;		/* SELECTED */
	struct loop_timer idle_timer;	/* IDLE: announce changes soon */
	struct imap_stream stream;
	struct imap_session *next;	/* srv->imap_sessions */
};

/* ---- imap_session.c ---- */
void imap_enter_state(struct imap_session *s, enum imap_state state);
void imap_set_mode(struct imap_session *s, enum imap_mode mode);
/* Hand the command over to s->stream (see struct imap_stream). pump()
 * returns false only while io_out_is_busy(). */
void imap_stream_start(struct imap_session *s, bool (*pump)(struct imap_session *),
    void (*drop)(struct imap_session *), void *arg);
/* The idle limit for the current state (RFC 9051 §5.4 after login). */
void imap_session_set_timeout(struct imap_session *s);
/* Some session of this server (this one included) has user's mailbox
 * name (or, with is_subtree, one below it) selected. */
bool imap_session_mailbox_in_use(const struct imap_session *s, const char *name,
    bool is_subtree);

/* ---- imap_reply.c ---- */
/* Tagged results for the command in progress (code: a response code
 * without brackets, or NULL). imap_ok/imap_no first announce changes of
 * the selected mailbox; imap_bad counts an error (the max_errors-th ends
 * the session with BYE). */
void imap_ok(struct imap_session *s, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void imap_no(struct imap_session *s, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void imap_bad(struct imap_session *s, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "* <text>" CRLF, text under 1 KiB. */
void imap_untagged(struct imap_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "+ <text>" CRLF: a continuation request. */
void imap_continue(struct imap_session *s, const char *text);
/* "* BYE <text>", then LOGOUT (the connection closes after the output). */
void imap_bye(struct imap_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Building a long response line in s->out: begin, put..., end (adds
 * CRLF and queues it; false when it could not be built or queued). */
void imap_out_begin(struct imap_session *s, const char *prefix);
void imap_out_printf(struct imap_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An IMAP string: quoted when it can be, else a literal. */
void imap_out_string(struct imap_session *s, const char *str, size_t len);
/* A mailbox name (canonical UTF-8): modified UTF-7 unless IMAP4rev2. */
void imap_out_mailbox(struct imap_session *s, const char *name);
/* "(\Seen \Deleted kw...)"; IMAP_F_RECENT in flags adds "\Recent". */
void imap_out_flags(struct imap_session *s, unsigned flags, const char *keywords);
bool imap_out_end(struct imap_session *s);
/* Argument checks for handler tables: BAD sent when false. */
bool imap_check_no_args(struct imap_session *s, const struct imap_cmd *cmd);
bool imap_check_nargs(struct imap_session *s, const struct imap_cmd *cmd,
    size_t min, size_t max);
/* The value of an astring argument (atom, number, quoted or literal;
 * "NIL" is an atom here; not a list or a literal8), or NULL. */
const char *imap_arg_astring(const struct imap_node *node, size_t *len_r);

/* ---- imap_auth.c ---- */
extern const struct imap_handler imap_auth_handlers[];
extern const size_t imap_auth_handlers_len;
/* The capability list for the session's current state. */
void imap_capability_string(const struct imap_session *s, char *out, size_t outlen);
/* A password may be sent now (TLS, or --allow-plaintext-auth). */
bool imap_can_login(const struct imap_session *s);
/* A line of the client during AUTHENTICATE (IMAP_MODE_SASL); NULL for
 * a line that could not be read (too long, NUL, bare CR/LF). */
void imap_auth_response(struct imap_session *s, const char *line, size_t len);
void imap_on_tls_ready(struct imap_session *s);

/* ---- imap_mailbox.c ---- */
extern const struct imap_handler imap_mailbox_handlers[];
extern const size_t imap_mailbox_handlers_len;
/* user's mailbox name exists (INBOX always does). */
bool imap_mailbox_exists(struct imap_session *s, const char *name);
/* check for a handler whose one argument is a mailbox name. */
bool imap_check_one_mailbox(struct imap_session *s, const struct imap_cmd *cmd);
/* The mailbox argument node as a canonical UTF-8 name in out; false
 * with a tagged NO (code nocode, e.g. "NONEXISTENT") or BAD sent. */
bool imap_mailbox_arg(struct imap_session *s, const struct imap_node *node,
    char *out, size_t outlen, const char *nocode);
/* items (a LIST node) is a valid STATUS item list for this session. */
bool imap_status_items_ok(const struct imap_session *s, const struct imap_node *items);
/* "* STATUS name (MESSAGES 3 ...)" for valid items; false when name
 * does not exist (nothing sent). */
bool imap_status_send(struct imap_session *s, const char *name,
    const struct imap_node *items);

/* ---- imap_subs.c ---- */
extern const struct imap_handler imap_subs_handlers[];
extern const size_t imap_subs_handlers_len;
/* The user's subscriptions: calls fn for each; 0 or -1. */
int imap_subs_each(struct imap_session *s, void (*fn)(void *arg, const char *name),
    void *arg);
/* Create the special-use mailboxes and subscriptions at the first login. */
void imap_mailbox_provision(struct imap_session *s);
/* The special-use attribute of a name ("\\Sent"...), or NULL. */
const char *imap_mailbox_special_use(const char *name);

/* ---- imap_list.c ---- */
extern const struct imap_handler imap_list_handlers[];
extern const size_t imap_list_handlers_len;
/* "* LIST (attrs) "/" name" for one existing mailbox (SELECT in rev2). */
void imap_list_send_one(struct imap_session *s, const char *name);

/* ---- imap_append.c ---- */
extern const struct imap_handler imap_append_handlers[];
extern const size_t imap_append_handlers_len;

/* ---- imap_select.c ---- */
extern const struct imap_handler imap_select_handlers[];
extern const size_t imap_select_handlers_len;

/* ---- imap_idle.c ---- */
extern const struct imap_handler imap_idle_handlers[];
extern const size_t imap_idle_handlers_len;
/* A line of the client during IDLE (IMAP_MODE_IDLE); NULL as above. */
void imap_idle_line(struct imap_session *s, const char *line, size_t len);
/* The store changed: during IDLE, announce it soon. */
void imap_idle_wake(struct imap_session *s);
/* s->idle_timer's callback. */
void imap_idle_on_timer(void *arg);

/* ---- imap_view.c: the selected mailbox (the API of FETCH/STORE/...) ---- */
/* Open name and make the view (select); 0, or -1 when it does not exist. */
int imap_view_open(struct imap_session *s, const char *name, bool is_readonly);
/* Forget the view and close the handle (no expunge). */
void imap_view_close(struct imap_session *s);
/* Messages the client knows (the last EXISTS, expunged ones included). */
size_t imap_view_count(const struct imap_session *s);
/* Message seq (1-based), or NULL. */
const struct imap_view_msg *imap_view_get(const struct imap_session *s, uint32_t seq);
/* The sequence number of uid, or 0. */
uint32_t imap_view_seq_of_uid(const struct imap_session *s, uint32_t uid);
/* The highest UID in the view (the "*" of a UID set), 0 when empty. */
uint32_t imap_view_max_uid(const struct imap_session *s);
/* The flags of m as FETCH FLAGS shows them (IMAP_F_RECENT included). */
unsigned imap_view_msg_flags(const struct imap_view_msg *m);
/* Messages of the view with \Recent (the RECENT response, §7.3.2). */
size_t imap_view_recent_count(const struct imap_session *s);
/* The store's record of message seq (size, internal date), NULL once it
 * is expunged; valid until the next sync. */
const struct store_msg *imap_view_store_msg(struct imap_session *s, uint32_t seq);
/* Parse a sequence set (is_uid: a UID set) for the view, answering BAD
 * on an invalid one (false). "$" is accepted: set_r->has_dollar then
 * adds the saved search result (imap_set_has()). */
bool imap_view_seqset(struct imap_session *s, const struct imap_node *node,
    bool is_uid, struct imap_seqset *set_r);
/* Set flags/keywords of message seq in the store and in the view (so no
 * unsolicited FETCH echoes it back); a new keyword sends "* FLAGS" first.
 * 0, or -1 (the message is gone or the store failed). */
int imap_view_set_flags(struct imap_session *s, uint32_t seq, unsigned flags,
    const char *keywords);
/* Re-read the store and tell the client: EXPUNGE (only with may_expunge,
 * else held back), FETCH (UID n FLAGS (...)) for changed flags, EXISTS
 * for new messages. Called by imap_ok()/imap_no(); call it directly for
 * a mid-command announcement (MOVE's EXPUNGEs). */
void imap_view_sync(struct imap_session *s, bool may_expunge);
/* Is kw[0..len) one of the space-separated words of list (any case)? */
bool imap_kw_has(const char *list, const char *kw, size_t len);
/* Parse a flag list (APPEND, STORE): system flags into *flags_r,
 * keywords space-separated into kw; false with BAD sent. */
bool imap_flags_parse(struct imap_session *s, const struct imap_node *list,
    unsigned *flags_r, char *kw, size_t kwlen);

/* ---- part B: message commands (imap_fetch*.c, imap_search*.c,
 * imap_store_cmd.c, imap_copy.c) ---- */
extern const struct imap_handler imap_fetch_handlers[];
extern const size_t imap_fetch_handlers_len;
extern const struct imap_handler imap_search_handlers[];
extern const size_t imap_search_handlers_len;
extern const struct imap_handler imap_store_handlers[];
extern const size_t imap_store_handlers_len;
extern const struct imap_handler imap_copy_handlers[];
extern const size_t imap_copy_handlers_len;

/* imap_search.c: the search result variable of SEARCHRES (RFC 5182,
 * RFC 9051 §6.4.4.1), kept in the view as UIDs, so it is empty after
 * SELECT, EXAMINE, CLOSE and UNSELECT, and an expunged message (its UID
 * is never used again) drops out of it by itself. */
/* uid is in the saved result. */
bool imap_saved_has(const struct imap_session *s, uint32_t uid);
/* The message numbered num (a sequence number or, for a UID set, its
 * UID) whose UID is uid is named by set, "$" included. */
bool imap_set_has(const struct imap_session *s, const struct imap_seqset *set,
    uint32_t num, uint32_t uid);

/* imap_fetch_msg.c: the view's messages named by a sequence or UID set,
 * as sequence numbers, ascending, each once (UIDs that are not in the
 * view are ignored, RFC 9051 §6.4.9). */
struct imap_msgset {
	uint32_t *seqs;
	size_t n;
};
/* Parse node (is_uid: a UID set) and list its messages; false with BAD
 * (an invalid set) or NO (no memory) sent. Free with imap_msgset_free. */
bool imap_msgset_get(struct imap_session *s, const struct imap_node *node,
    bool is_uid, struct imap_msgset *set_r);
void imap_msgset_free(struct imap_msgset *set);

/* imap_fetch_msg.c: one message's octets, mapped read-only (message
 * files are never rewritten, and a mapping outlives an expunge), and its
 * MIME tree parsed on demand. Zero it before the first open. */
struct imap_msgdata {
	const char *data;		/* the message; valid until close */
	size_t len;
	void *map;			/* the mapping (NULL for an empty file) */
	struct mime_parser *parser;	/* kept for the next message */
	const struct mime_part *root;	/* NULL until imap_msgdata_tree() */
};
/* Map message seq of the view; 0, or -1 when it is gone (expunged). */
int imap_msgdata_open(struct imap_session *s, struct imap_msgdata *md, uint32_t seq);
/* The MIME tree of the open message (parsed at the first call); NULL
 * only when no parser could be made. Valid until close. */
const struct mime_part *imap_msgdata_tree(struct imap_msgdata *md);
/* Unmap the message; the parser stays for the next one. */
void imap_msgdata_close(struct imap_msgdata *md);
/* Close, and free the parser. */
void imap_msgdata_free(struct imap_msgdata *md);
/* The ascending numbers v[0..n) as a sequence set ("1:3,5") into b. */
void imap_set_write(struct buf *b, const uint32_t *v, size_t n);
/* RFC 9051 §9 date-time of t, in UTC: "dd-Mon-yyyy hh:mm:ss +0000". */
void imap_date_time_format(time_t t, char *out, size_t outlen);

/* ---- imap_name.c: mailbox names ---- */
/* Modified UTF-7 (RFC 3501 §5.1.3) to UTF-8; -1 when invalid. */
int imap_name_utf7_decode(const char *in, size_t len, char *out, size_t outlen);
/* UTF-8 to modified UTF-7; -1 when it does not fit. */
int imap_name_utf7_encode(const char *in, char *out, size_t outlen);
/* A name (UTF-8) that may be created: no controls, no empty level, no
 * wildcard, valid UTF-8, short enough. NULL, or why not. */
const char *imap_name_check(const char *name);
/* "inbox/x" -> "INBOX/x" in place (RFC 9051 §5.1: INBOX in any case). */
void imap_name_canonical(char *name);
/* name matches pattern ("*" anything, "%" anything but the delimiter). */
bool imap_name_match(const char *pattern, const char *name);

#endif
