/* server.h: what every session of the reference server can reach.
 *
 * One struct server lives for the whole run (main.c); sessions get a
 * pointer to it through their struct conn and never free anything in it.
 */
#ifndef MAILSPEC_SERVER_H
#define MAILSPEC_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "loop.h"
#include "store.h"
#include "users.h"

struct server_limits {
	unsigned idle_timeout_ms;	/* RFC 5321 §4.5.3.2.7: 5 minutes */
	size_t max_message_size;	/* SMTP SIZE (RFC 1870), IMAP APPEND */
	size_t max_recipients;		/* RFC 5321 §4.5.3.1.8: at least 100 */
	unsigned max_conns;		/* all listeners together */
	unsigned max_conns_per_ip;
	unsigned max_errors;		/* bad commands before 421 and close */
};

struct listener;
struct conn;
struct pop3_session;
struct imap_session;

struct server {
	struct loop *loop;
	struct store *store;
	struct users *users;
	SSL_CTX *tls;
	bool allow_plaintext_auth;	/* AUTH before TLS (tests only) */
	bool literal_plus;		/* IMAP: LITERAL+ instead of LITERAL- */
	struct server_limits limits;
	const char *hostname;		/* the first served domain */
	struct listener *listeners;
	size_t nlisteners;
	/* live connections, see conn.h */
	struct conn *conns;
	unsigned nconns;
	struct conn_ip_table *per_ip;
	unsigned nrefusing;		/* connections being told 421 */
	unsigned long next_conn_id;
	bool is_stopping;
	struct loop_timer stop_timer;
	/* POP3 sessions holding a maildrop lock (RFC 1939 §8), linked
	 * through pop3_session.lock_next; owned by pop3_auth.c */
	struct pop3_session *pop3_locked;
	/* every IMAP session, linked through imap_session.next; owned by
	 * imap_session.c (DELETE/RENAME check no session has the mailbox
	 * selected) */
	struct imap_session *imap_sessions;
};

/* One line on stderr: "mailspec-server: ..." (never in a hot path). */
void server_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
