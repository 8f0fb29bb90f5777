/* conn.h: one accepted connection, the protocol table, and the limits
 * on how many connections there may be (globally and per client IP).
 *
 * Adding a protocol (POP3, IMAP...) is one entry in proto_table
 * (protocols.c) plus its session file: --NAME ADDR:PORT, the ready-file key
 * and the listener all come from the entry.
 *
 * A session's life: proto->start(c) makes the session and calls
 * conn_set_io() with its io; when the io reports IO_EV_CLOSED the session
 * calls conn_free(), which frees the io and unregisters the connection.
 */
#ifndef MAILSPEC_CONN_H
#define MAILSPEC_CONN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "io.h"
#include "server.h"

struct conn;

enum conn_refusal {
	CONN_REFUSE_BUSY,		/* the global connection limit */
	CONN_REFUSE_PER_IP,		/* the per-client limit */
	CONN_REFUSE_SHUTDOWN,		/* the server is stopping */
};

struct proto_def {
	const char *name;		/* option, ready-file key, log tag */
	bool is_implicit_tls;		/* RFC 8314: TLS from the first byte */
	/* Take the connection: make a session that calls conn_set_io().
	 * 0, or -1 when no session could be made (the conn is freed). */
	int (*start)(struct conn *c);
	/* Queue the protocol's goodbye on io (before it is closed) when a
	 * limit is hit or the server stops (SMTP: a 421 reply). */
	void (*refuse)(struct io *io, const char *hostname, enum conn_refusal why);
};

struct conn {
	struct server *srv;
	const struct proto_def *proto;
	struct io *io;
	int fd;				/* until the session owns an io */
	unsigned long id;
	char peer_ip[INET6_ADDRSTRLEN];	/* "127.0.0.1", "::1" */
	unsigned peer_port;
	bool is_ipv6;
	struct conn *prev, *next;
};

extern const struct proto_def proto_table[];
extern const size_t proto_table_len;

/* The protocol called name, or NULL. */
const struct proto_def *proto_find(const char *name);

/* A new connection on accepted fd (or an io_transport_fd()) from peer;
 * applies the limits: NULL when refused (the refusal is sent and the fd
 * taken care of). */
struct conn *conn_accept(struct server *srv, const struct proto_def *proto,
    int fd, const struct sockaddr_storage *peer);
/* The session's io now owns the socket. */
void conn_set_io(struct conn *c, struct io *io);
/* Free the io, unregister; clears *cp. */
void conn_free(struct conn **cp);
/* Every connection: the refusal CONN_REFUSE_SHUTDOWN then io_close(),
 * or with is_abort io_abort() at once. */
void conn_close_all(struct server *srv, bool is_abort);

void conn_table_free(struct server *srv);

#endif
