/* pop3_private.h: the POP3 session, shared by pop3_session.c (state
 * machine, input, replies), pop3_auth.c (USER PASS AUTH STLS, the
 * maildrop lock), pop3_cmds.c (CAPA, the TRANSACTION commands, UPDATE)
 * and pop3_body.c (multi-line responses streamed: LIST UIDL RETR TOP).
 * The state changes only in pop3_enter_state().
 */
#ifndef MAILSPEC_POP3_PRIVATE_H
#define MAILSPEC_POP3_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conn.h"
#include "linebuf.h"
#include "pop3.h"
#include "sasl.h"
#include "store.h"

#define POP3_AUTH_FAILURES_MAX	3	/* failed logins before the close */
#define POP3_CHUNK		16384	/* message bytes read per step */

enum pop3_state {
	POP3_STATE_NEW,			/* nothing sent yet */
	POP3_STATE_AUTHORIZATION,	/* RFC 1939 §4 */
	POP3_STATE_SASL,		/* lines are SASL responses (RFC 5034 §4) */
	POP3_STATE_TLS,			/* STLS handshake (RFC 2595 §4) */
	POP3_STATE_TRANSACTION,		/* RFC 1939 §5 */
	POP3_STATE_SENDING,		/* a multi-line response is going out */
	POP3_STATE_QUIT,		/* closing (after UPDATE or not): no input */
};

/* A multi-line response being streamed (RFC 1939 §3). */
enum pop3_body_kind { POP3_BODY_LIST, POP3_BODY_UIDL, POP3_BODY_MESSAGE };

struct pop3_body {
	enum pop3_body_kind kind;
	size_t next;			/* LIST/UIDL: the next message index */
	int fd;				/* RETR/TOP: the message file, or -1 */
	bool is_top;
	bool is_header;			/* TOP: still in the header section */
	bool is_line_empty;		/* TOP: the current line has no text yet */
	unsigned long lines_left;	/* TOP: body lines still to send */
	bool is_line_start;		/* the next byte starts a line */
	bool is_crlf_end;		/* what was sent ends in CRLF */
	bool is_prev_cr;		/* the last byte sent was CR */
	uint64_t sent;			/* message octets sent (unstuffed) */
};

struct pop3_session {
	struct conn *conn;
	struct server *srv;
	struct io *io;
	enum pop3_state state;
	struct linebuf *lb;
	char cmdbuf[POP3_CMD_MAX_LINE + POP3_CMD_MAX_ARGS + 1];
	unsigned errors;		/* bad commands, towards max_errors */
	unsigned auth_failures;
	/* AUTHORIZATION */
	char user[USERS_NAME_MAX + 1];	/* the last USER argument */
	bool has_user;			/* USER just succeeded: PASS may follow */
	struct sasl sasl;
	/* TRANSACTION: the maildrop as it was at login */
	const char *auth_user;		/* a users.c string */
	struct store_mailbox *mb;
	size_t nmsgs;
	unsigned char *is_deleted;	/* per message: DELE marks */
	struct pop3_session *lock_next;	/* srv->pop3_locked list */
	struct pop3_body body;
};

/* A command's handler pair, OpenSMTPD style. */
struct pop3_handler {
	enum pop3_verb verb;
	bool (*check)(struct pop3_session *s, const struct pop3_cmd *cmd);
	void (*proceed)(struct pop3_session *s, const struct pop3_cmd *cmd);
};

/* pop3_session.c */
void pop3_enter_state(struct pop3_session *s, enum pop3_state state);
/* One response line (CRLF added), not counted as an error. */
void pop3_reply(struct pop3_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "-ERR text" for a bad command (syntax, unknown, wrong state): counts
 * towards max_errors; the max_errors-th one also closes the session. */
void pop3_error(struct pop3_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Check helpers for the handler tables. */
bool pop3_check_authorization(struct pop3_session *s, const struct pop3_cmd *cmd);
bool pop3_check_transaction(struct pop3_session *s, const struct pop3_cmd *cmd);

/* pop3_auth.c: USER PASS AUTH STLS APOP */
extern const struct pop3_handler pop3_auth_handlers[];
extern const size_t pop3_auth_handlers_len;
/* USER/PASS and AUTH may be used now (TLS, or --allow-plaintext-auth). */
bool pop3_can_login(const struct pop3_session *s);
void pop3_auth_response(struct pop3_session *s, const char *line, size_t len);
void pop3_auth_abort(struct pop3_session *s, const char *why);
void pop3_on_tls_ready(struct pop3_session *s);
/* Give up the maildrop: close it and release the lock. */
void pop3_maildrop_release(struct pop3_session *s);

/* pop3_cmds.c: CAPA QUIT NOOP STAT LIST UIDL DELE RSET RETR TOP */
extern const struct pop3_handler pop3_cmd_handlers[];
extern const size_t pop3_cmd_handlers_len;
/* The message numbered n (1-based) when it exists and is not marked
 * deleted; otherwise an -ERR is sent and NULL returned. */
const struct store_msg *pop3_msg_get(struct pop3_session *s, unsigned long n);

/* pop3_body.c */
/* Start streaming a listing (LIST/UIDL without argument) after "+OK". */
void pop3_body_start_listing(struct pop3_session *s, enum pop3_body_kind kind);
/* Start streaming message n (RETR; TOP with is_top and lines); sends
 * the "+OK" (or an -ERR when the message cannot be read). */
void pop3_body_start_message(struct pop3_session *s, unsigned long n,
    bool is_top, unsigned long lines);
/* Send more; true when the body is complete (back in TRANSACTION). */
bool pop3_body_pump(struct pop3_session *s);
/* Forget a body in progress (the session is going away). */
void pop3_body_drop(struct pop3_session *s);
/* The unique-id of a message (RFC 1939 §7): "<uidvalidity>.<uid>". */
void pop3_body_unique_id(const struct pop3_session *s,
    const struct store_msg *m, char *out, size_t outlen);

#endif
