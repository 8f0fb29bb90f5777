/* session_driver.h: run one reference-server session in-process, for the
 * session fuzzers (fuzz/fuzz_session_*.c).
 *
 * The server is the real one minus main.c and the listeners: a loop, a
 * store in a temporary directory, a users file, a self-signed TLS
 * context, all made on the first call and kept for the process. Each
 * client gets an in-memory pipe (session_pipe.h): the session sits on
 * its server end through conn_accept() and the normal io layer (an io
 * transport instead of a socket), the driver plays the client on the
 * other end and runs the loop (loop_run_once, never waiting) until
 * both sides are quiet after every packet it sends. No timer is ever
 * waited for: a session that is still open when the client has sent EOF
 * and nothing moves any more is a hang, and fails the input.
 */
#ifndef MAILSPEC_SESSION_DRIVER_H
#define MAILSPEC_SESSION_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"

#define SESSION_OUT_MAX	(8u * 1024 * 1024)	/* server output kept per client */
#define SESSION_CONNS	2			/* clients of one dialogue */

/* What the server sent, decrypted when the client ran TLS. Bytes sent
 * while TLS could not be followed (the client did not take part in the
 * handshake, or it failed) are not kept: data holds protocol text only. */
struct session_out {
	uint8_t *data;
	size_t len;
	size_t cap;
	bool is_truncated;	/* more than SESSION_OUT_MAX came */
	bool did_tls;		/* a TLS handshake completed */
	bool is_cut;		/* output after a TLS go-ahead line was not
				 * followed (no TLS client, or it failed) */
};

/* One message put in a mailbox before a dialogue. */
struct session_fixture {
	const char *user;
	const char *mailbox;	/* "INBOX" or a plain ASCII name */
	unsigned flags;		/* STORE_F_* */
	const char *text;	/* the message, CRLF line ends */
};

/* How to run a dialogue. */
struct session_run {
	const char *proto;	/* a proto_table name: "smtp", "pop3", ... */
	/* Whether a reply line (with its line end) is the one after which
	 * the server starts TLS (STARTTLS, STLS); NULL: it never does. */
	bool (*is_tls_line)(const uint8_t *line, size_t len);
	bool is_tls_client;	/* take part in the handshake */
	bool is_tls_full;	/* a full handshake, not a resumed one */
	int delim;		/* packet separator byte; -1: one packet */
	/* After the last packet, before the client's EOF: */
	bool is_timeout;	/* the clock jumps 48 hours: idle timers fire */
	bool is_shutdown;	/* the server stops, as on SIGTERM */
	/* Two clients: packets go to them in turn (0, 1, 0, ...), the second
	 * connecting at its first packet; out[1] gets what it was sent. */
	bool is_two_conns;
};

#define SESSION_USERS	2
/* The users, "alice" (password "secret") and "bob" ("hunter2"). */
extern const char *const session_driver_users[SESSION_USERS];

/* The server, made on the first call (aborts when that fails); its
 * domains are localhost and example.org. */
struct server *session_driver_server(void);

/* Put the store back to exactly fixtures[0..n) (every user's INBOX
 * present, the fixtures' mailboxes holding the fixtures) if a dialogue
 * changed it since the last call. Cheap when nothing changed. */
void session_driver_reset_store(const struct session_fixture *fixtures, size_t n);

/* Take the store as it is now as the state every reset goes back to
 * (after a set-up dialogue, e.g. a first IMAP login that creates the
 * special-use mailboxes). */
void session_driver_record_store(void);

/* Play stream[0..len) as the client: split at run->delim into packets,
 * each sent once the server has answered the previous one; then EOF,
 * and run until every session has closed. out[i] (zeroed by the caller,
 * or reused: it is cleared) gets what the server sent to client i. */
void session_driver_run(const struct session_run *run, const uint8_t *stream,
    size_t len, struct session_out out[SESSION_CONNS]);

/* Free out's buffer. */
void session_out_release(struct session_out *out);

/* ---- for session_store.c ---- */
/* The process's temporary directory (the store is its "store/"). */
const char *session_driver_dir(void);
/* rm -rf path (no error if it is missing). */
void session_driver_rm_tree(const char *path);


/* ---- oracles shared by the harnesses ---- */

/* Call fn for each line of out (without its CRLF); a line that does not
 * end in CRLF, or holds a bare CR, LF or NUL, fails the input. */
void session_out_lines(const struct session_out *out,
    void (*fn)(void *arg, const uint8_t *line, size_t len), void *arg);

#endif
