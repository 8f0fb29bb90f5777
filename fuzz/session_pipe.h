/* session_pipe.h: an in-memory stream between the session driver (the
 * client, fuzz/session_driver.c) and one server io: what a socketpair
 * was, without system calls (they were 40 % of a dialogue).
 *
 * The server's end is an io transport (io.h, io_transport_fd()), so the
 * server's io, conn and session code run as on a socket; the client reads,
 * writes and shuts down its end here, and session_pipe_bio() carries its
 * TLS. A stream socket's semantics: bytes in order; each direction holds
 * at most SESSION_PIPE_CAP (a full pipe makes the writer wait); a shutdown
 * for writing is an EOF after the bytes sent; the server's close is an EOF
 * for the client after what it had sent, and makes the client's writes
 * fail (EPIPE).
 */
#ifndef MAILSPEC_SESSION_PIPE_H
#define MAILSPEC_SESSION_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/bio.h>

#define SESSION_PIPE_CAP	(128u * 1024)	/* per direction, as a socket's buffer */

struct session_pipe;

/* A pipe, both buffers allocated now and kept: a pipe is reused from one
 * connection to the next. NULL on ENOMEM. */
struct session_pipe *session_pipe_new(void);
/* Free; clears *pp. NULL-safe. The server's end must be closed. */
void session_pipe_free(struct session_pipe **pp);

/* Start a new connection on p (empty, nothing shut down) and return the
 * descriptor of its server end for conn_accept(); -1 when io.c has no
 * room for it. The server's end of the previous connection must be
 * closed (aborts otherwise). */
int session_pipe_open(struct session_pipe *p);

/* Send from the client: the bytes taken (0: the pipe is full, let the
 * server read), or -1 when the server has closed its end (EPIPE). */
ssize_t session_pipe_write(struct session_pipe *p, const void *data, size_t len);
/* Receive at the client: >0 bytes, 0 at EOF (the server shut down or
 * closed its end and everything was read), -1 when nothing is there now. */
ssize_t session_pipe_read(struct session_pipe *p, void *buf, size_t len);
/* The client's shutdown(SHUT_WR): the server reads EOF after the rest. */
void session_pipe_shutdown(struct session_pipe *p);

/* A BIO on the client's end (for the client's SSL, which then owns it),
 * as a socket BIO on the client's fd; NULL on ENOMEM. */
BIO *session_pipe_bio(struct session_pipe *p);

#endif
