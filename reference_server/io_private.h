/* io_private.h: what io.c (buffers, the event steps, closing) and
 * io_tls.c (the TLS transport) share. Nothing else includes it. */
#ifndef MAILSPEC_IO_PRIVATE_H
#define MAILSPEC_IO_PRIVATE_H

#include <stdbool.h>
#include <sys/types.h>

#include "buf.h"
#include "io.h"

#define IO_READ_ROUNDS	4	/* reads per event before yielding */
#define IO_LINGER_MS	2000	/* drain input after our final reply */
#define IO_SSL_CHUNK	16384
#define IO_CLOSE_MS	10000	/* flushing the last output may take this long */

enum io_tls_state {
	IO_TLS_NONE,
	IO_TLS_FLUSHING,	/* sending the plaintext before the handshake */
	IO_TLS_HANDSHAKE,
	IO_TLS_ON,
};

struct io {
	struct loop *loop;
	struct loop_fd w;
	struct loop_timer idle;
	struct loop_timer kick;		/* deferred work on the next iteration */
	int fd;				/* -1 with a transport */
	const struct io_transport_ops *tops;	/* or NULL: the socket fd */
	void *t;
	io_event_fn *fn;
	void *arg;
	/* input: a fixed window in[start, end) */
	char in[IO_IN_CAP];
	size_t in_start;
	size_t in_end;
	/* output: out.data[out_head, out.len) is queued */
	struct buf out;
	size_t out_head;
	size_t plain_left;		/* IO_TLS_FLUSHING: plaintext still to send */
	/* TLS */
	enum io_tls_state tls;
	SSL_CTX *tls_ctx;
	SSL *ssl;
	bool hs_wants_write;
	bool rd_wants_write;
	bool wr_wants_read;
	/* state */
	unsigned timeout_ms;
	bool is_eof;
	bool is_closing;		/* flush, then linger, then dead */
	bool is_lingering;
	bool is_dead;
	bool is_closed_sent;		/* IO_EV_CLOSED was delivered */
	bool wants_drained;
	bool is_resumed;		/* io_resume(): an IO_EV_INPUT is owed */
	const char *reason;
};

/* io.c */
void io_emit(struct io *io, enum io_event ev);
/* Run io_step() on the next loop iteration. */
void io_kick(struct io *io);
/* Mark the io dead (IO_EV_CLOSED follows); the first reason sticks. */
void io_die(struct io *io, const char *reason);

/* io_tls.c */
/* One SSL_read/SSL_write: >0 bytes, 0 try later, -1 eof or error. */
ssize_t io_read_tls(struct io *io, char *p, size_t room);
ssize_t io_send_tls(struct io *io, const char *p, size_t len);
/* The plaintext before STARTTLS is out: make the SSL and handshake. */
void io_begin_handshake(struct io *io);
/* Advance the handshake; IO_EV_TLS_READY when it completes. */
void io_handshake(struct io *io);

#endif
