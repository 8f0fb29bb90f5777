/* io.h: buffered, non-blocking connection I/O that hides TLS.
 *
 * A protocol session never touches the socket: it reads bytes from an
 * input buffer (io_in_peek/io_in_consume), queues replies (io_write),
 * and learns what happened through one callback. TLS (implicit, or
 * STARTTLS via io_starttls()) is invisible past that call.
 *
 * Lifetime rules, so a session can never free what is still in use:
 * - events are delivered only from the loop, never from inside an io_*
 *   call the owner makes;
 * - io_close()/io_abort() only ask; the owner then gets IO_EV_CLOSED,
 *   always the last event, and frees the io (io_free) there or later;
 * - the owner may call io_* functions from any event handler.
 */
#ifndef MAILSPEC_IO_H
#define MAILSPEC_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "loop.h"

#define IO_IN_CAP	(32 * 1024)	/* input buffered before reading stops */
#define IO_OUT_HIGH	(64 * 1024)	/* io_out_is_busy() above this */
#define IO_OUT_MAX	(1024 * 1024)	/* queued output past this: disconnect */

enum io_event {
	IO_EV_INPUT,		/* input is buffered: look at it (again) */
	IO_EV_DRAINED,		/* output fell below IO_OUT_HIGH/2 after io_out_is_busy() */
	IO_EV_TLS_READY,	/* the TLS handshake finished */
	IO_EV_TIMEOUT,		/* the idle timer fired; the io stays open */
	IO_EV_CLOSED,		/* gone (peer, error, io_close, io_abort): free it now */
};

typedef void io_event_fn(void *arg, enum io_event ev);

struct io;
struct linebuf;

/* Take over the connected socket fd (made non-blocking here), or the
 * transport that an io_transport_fd() descriptor stands for. NULL on
 * ENOMEM or an epoll failure; the fd is then still the caller's. */
struct io *io_new(struct loop *l, int fd, io_event_fn *fn, void *arg);
/* Close the fd and free; clears *iop. NULL-safe. Call it from the
 * IO_EV_CLOSED handler (or before any event was delivered). */
void io_free(struct io **iop);

/* ---- in-process transports ----
 * What a socket and epoll do under an io, for a connection that has no
 * socket: the session fuzzers' in-memory pipe (fuzz/session_pipe.c),
 * where a socketpair's system calls were 40 % of a dialogue. The io
 * calls these exactly where it would call recv(2), send(2), shutdown(2),
 * close(2) and epoll_ctl(2); everything above (buffers, TLS, timers,
 * closing, the sessions) is the same code. */
struct io_transport_ops {
	/* recv(2)/send(2) on a non-blocking socket: >0 bytes, recv 0 at the
	 * peer's EOF, -1 with errno (EAGAIN: not now; EPIPE, ECONNRESET). */
	ssize_t (*recv)(void *t, void *p, size_t len);
	ssize_t (*send)(void *t, const void *p, size_t len);
	/* shutdown(t, SHUT_WR): the peer reads EOF after what was sent. */
	int (*shutdown_wr)(void *t);
	/* close(2): the io is done with t. */
	void (*close)(void *t);
	/* The io wants events (LOOP_READ|LOOP_WRITE; io NULL and 0: no
	 * more): true when one of them holds already. Later, when the peer
	 * makes one hold, the transport calls io_transport_ready(io). */
	bool (*watch)(void *t, struct io *io, unsigned events);
};

/* A descriptor that stands for transport t wherever a socket fd goes
 * (conn_accept(), io_new()): a number below -1, never a kernel fd. It
 * stays valid until io_new() takes it or io_fd_close() closes it; -1 when
 * too many are outstanding. */
int io_transport_fd(const struct io_transport_ops *ops, void *t);
/* close(2) for a descriptor that may be an io_transport_fd(). */
void io_fd_close(int fd);
/* An event the io asked for through watch() holds now: the io steps on
 * the next loop iteration (what epoll would have reported). */
void io_transport_ready(struct io *io);
/* A BIO on t through ops->recv and ops->send (the other ops are not
 * used), as OpenSSL's socket BIO on a fd: recv 0 is a clean EOF
 * (BIO_eof()), -1 with EAGAIN or EINTR a retry. An io's TLS runs on one
 * over its transport; the session fuzzers' TLS client on one over its end
 * of the pipe. NULL on ENOMEM. */
BIO *io_transport_bio(const struct io_transport_ops *ops, void *t);

/* ---- input ---- */
/* The buffered input; returns its length, *data_r valid until the next
 * io_in_consume() or the return of the event handler. */
size_t io_in_peek(const struct io *io, const char **data_r);
/* Drop n (<= buffered) bytes from the front of the input. */
void io_in_consume(struct io *io, size_t n);
/* The next input line through lb (RFC 5321 §2.3.8 framing): 1 a line in
 * *line_r and *len_r (valid until the next call on lb), -1 a framing error
 * (see linebuf_error(lb)), 0 when the input is exhausted. Feeds lb from
 * the input buffer as needed; a line or an error counts as activity. */
int io_take_line(struct io *io, struct linebuf *lb, const char **line_r, size_t *len_r);
/* The owner stopped early (fairness) with input left: deliver another
 * IO_EV_INPUT on the next loop iteration even if nothing new arrives. */
void io_resume(struct io *io);
/* The peer has finished sending (more input will never come). */
bool io_in_is_eof(const struct io *io);

/* ---- output ---- */
/* Queue bytes. false when the queue would pass IO_OUT_MAX: the io is
 * then aborted (a peer that does not read is disconnected). */
bool io_write(struct io *io, const void *data, size_t len);
bool io_printf(struct io *io, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Bytes queued but not yet sent. */
size_t io_out_pending(const struct io *io);
/* true when more than IO_OUT_HIGH is queued: stop producing output; an
 * IO_EV_DRAINED follows once the queue has drained. */
bool io_out_is_busy(struct io *io);

/* ---- TLS ---- */
/* Start TLS as a server (RFC 3207 §4.2, RFC 8314): discard all buffered
 * input (plaintext received after the command must never be acted on),
 * stop reading plaintext, send what is already queued in plaintext (the
 * "220 Ready" reply), then handshake. Output queued after this call is
 * encrypted. IO_EV_TLS_READY follows, or IO_EV_CLOSED. 0 or -1. */
int io_starttls(struct io *io, SSL_CTX *ctx);
/* TLS is negotiated or being negotiated on this connection. */
bool io_is_tls(const struct io *io);
/* The negotiated protocol ("TLSv1.3") and cipher, or NULL. */
const char *io_tls_version(const struct io *io);
const char *io_tls_cipher(const struct io *io);

/* ---- lifetime ---- */
/* The idle timer: IO_EV_TIMEOUT after ms without io_touch(); 0 = off. */
void io_set_timeout(struct io *io, unsigned ms);
/* Restart the idle timer (call on progress: a command, a data block). */
void io_touch(struct io *io);
/* Send what is queued, then close; IO_EV_CLOSED follows. */
void io_close(struct io *io);
/* Close now, dropping queued output; IO_EV_CLOSED follows. */
void io_abort(struct io *io, const char *reason);
/* Why the io closed ("peer closed", "output limit", a TLS error...). */
const char *io_close_reason(const struct io *io);

#endif
