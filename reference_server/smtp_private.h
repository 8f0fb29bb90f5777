/* smtp_private.h: the SMTP session, shared by smtp_session.c (state
 * machine, input, replies), smtp_cmds.c (session commands),
 * smtp_envelope.c (MAIL, RCPT), smtp_body.c (DATA, BDAT, delivery) and
 * smtp_auth.c (AUTH). The state changes only in smtp_enter_state(). */
#ifndef MAILSPEC_SMTP_PRIVATE_H
#define MAILSPEC_SMTP_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "conn.h"
#include "linebuf.h"
#include "sasl.h"
#include "smtp_cmd.h"
#include "smtp_data.h"
#include "store.h"

#define SMTP_LINE_MAX		510	/* RFC 5321 §4.5.3.1.4: 512 with CRLF */
#define SMTP_TEXT_LINE_MAX	998	/* RFC 5321 §4.5.3.1.6: 1000 with CRLF */
#define SMTP_HELO_MAX		255

enum smtp_state {
	SMTP_STATE_NEW,		/* nothing sent yet */
	SMTP_STATE_CONNECTED,	/* greeting sent (or TLS just started): need EHLO */
	SMTP_STATE_HELO,	/* ready for commands */
	SMTP_STATE_AUTH,	/* lines are SASL responses */
	SMTP_STATE_DATA,	/* reading DATA content */
	SMTP_STATE_BDAT,	/* reading a BDAT chunk */
	SMTP_STATE_TLS,		/* STARTTLS handshake */
	SMTP_STATE_QUIT,	/* closing: no more input is read */
};

enum smtp_body_type { SMTP_BODY_7BIT, SMTP_BODY_8BITMIME, SMTP_BODY_BINARYMIME };

/* Bytes of a BDAT body, checked as they pass (no dot-stuffing there). */
struct smtp_scan {
	bool is_prev_cr;
	size_t line_len;
	size_t max_line;
	size_t bare_lf;
	size_t bare_cr;
	size_t nul;
	bool has_8bit;
};

/* One mail transaction: MAIL up to the end of the message (RFC 5321 §3.3). */
struct smtp_tx {
	struct arena *arena;
	char *mail_from;		/* "" for the null path */
	enum smtp_body_type body;
	bool is_utf8;			/* SMTPUTF8 given (RFC 6531) */
	const char **users;		/* distinct local users (store names) */
	size_t nusers;
	char *first_rcpt;		/* for "for <...>" with one recipient */
	size_t nrcpts;			/* accepted RCPTs */
	struct store_spool *spool;
	bool is_too_big;
	bool is_spool_failed;
	bool is_chunking;		/* a BDAT was seen */
	uint64_t body_bytes;		/* message bytes (trace header excluded) */
	struct smtp_scan scan;		/* BDAT */
};

struct smtp_session {
	struct conn *conn;
	struct server *srv;
	struct io *io;
	enum smtp_state state;
	bool is_submission;
	struct linebuf *lb;
	struct smtp_cmd_parser *parser;
	struct smtp_data_decoder *dec;
	/* bytes taken back from the linebuf when DATA/BDAT started */
	char *carry;
	size_t carry_len;
	size_t carry_off;
	/* session facts */
	char helo[SMTP_HELO_MAX + 1];
	bool is_esmtp;
	const char *auth_user;		/* a users.c string, NULL until AUTH */
	struct sasl sasl;
	unsigned errors;
	unsigned long ntx;		/* for message ids */
	/* the transaction and the chunk being read */
	struct smtp_tx *tx;
	uint64_t bdat_left;
	bool is_bdat_last;
	bool is_bdat_discard;		/* chunk read only to stay in sync */
	char bdat_reply[160];		/* the reply for a discarded chunk */
};

/* A command's handler pair, OpenSMTPD style. */
struct smtp_handler {
	enum smtp_verb verb;
	bool (*check)(struct smtp_session *s, const struct smtp_cmd *cmd);
	void (*proceed)(struct smtp_session *s, const struct smtp_cmd *cmd);
};

/* smtp_session.c */
void smtp_enter_state(struct smtp_session *s, enum smtp_state state);
/* One reply line "CODE X.Y.Z text" (CRLF added); bad-command replies
 * (500-504, 555, 535) count, and the max_errors-th one closes the
 * session with a 421. */
void smtp_reply(struct smtp_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* 421, then close (timeouts, too many errors, shutdown). */
void smtp_close_421(struct smtp_session *s, const char *ecode, const char *why);
/* Take the bytes queued in the linebuf: they belong to DATA/BDAT. */
int smtp_take_carry(struct smtp_session *s);
/* The next input for DATA/BDAT (carry first, then io); consume n of it. */
size_t smtp_peek_input(struct smtp_session *s, const char **p_r);
void smtp_consume_input(struct smtp_session *s, size_t n);
/* Give back unread carry bytes to the linebuf (end of DATA). */
void smtp_return_carry(struct smtp_session *s);

/* smtp_cmds.c: HELO EHLO RSET NOOP QUIT VRFY EXPN HELP STARTTLS */
extern const struct smtp_handler smtp_session_handlers[];
extern const size_t smtp_session_handlers_len;
void smtp_tx_reset(struct smtp_session *s);
void smtp_on_tls_ready(struct smtp_session *s);

/* smtp_envelope.c: MAIL RCPT */
extern const struct smtp_handler smtp_envelope_handlers[];
extern const size_t smtp_envelope_handlers_len;

/* smtp_body.c: DATA BDAT and delivery */
extern const struct smtp_handler smtp_body_handlers[];
extern const size_t smtp_body_handlers_len;
/* Read DATA/BDAT input; false when it needs more input. */
bool smtp_body_pump(struct smtp_session *s);

/* smtp_auth.c: AUTH */
extern const struct smtp_handler smtp_auth_handlers[];
extern const size_t smtp_auth_handlers_len;
void smtp_auth_response(struct smtp_session *s, const char *line, size_t len);
void smtp_auth_line_too_long(struct smtp_session *s);

#endif
