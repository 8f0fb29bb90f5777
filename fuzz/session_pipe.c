/* session_pipe.c: the in-memory stream of the session fuzzers (see
 * session_pipe.h). No RFC: this stands where a socketpair stood.
 *
 * The server's end is driven like a socket under epoll: its io says what
 * it waits for (watch), and whenever the client makes that true (bytes or
 * an EOF to read, room to write) the pipe calls io_transport_ready(),
 * which steps the io on the next loop iteration, as epoll would have.
 */
#include "session_pipe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io.h"
#include "loop.h"

/* One direction: data[head, head + len) is in flight. */
struct pipe_dir {
	char *data;
	size_t head;
	size_t len;
	bool is_shut;		/* the writer shut down: EOF after the bytes */
};

struct session_pipe {
	struct pipe_dir up;	/* client to server */
	struct pipe_dir down;	/* server to client */
	bool is_server_open;	/* the descriptor or the io holds the end */
	struct io *io;		/* the server's io while it watches */
	unsigned events;	/* what it waits for: LOOP_READ|LOOP_WRITE */
};

/* ---- one direction ---- */

static size_t
pipe_dir_put(struct pipe_dir *d, const void *p, size_t n)
{
	if (n > SESSION_PIPE_CAP - d->len)
		n = SESSION_PIPE_CAP - d->len;
	if (n == 0)
		return 0;
	if (d->head + d->len + n > SESSION_PIPE_CAP) {
		memmove(d->data, d->data + d->head, d->len);
		d->head = 0;
	}
	memcpy(d->data + d->head + d->len, p, n);
	d->len += n;
	return n;
}

/* recv(2): >0 bytes, 0 EOF, -1 with errno EAGAIN. */
static ssize_t
pipe_dir_take(struct pipe_dir *d, void *p, size_t n)
{
	if (d->len == 0) {
		if (d->is_shut)
			return 0;
		errno = EAGAIN;
		return -1;
	}
	if (n > d->len)
		n = d->len;
	memcpy(p, d->data + d->head, n);
	d->head += n;
	d->len -= n;
	if (d->len == 0)
		d->head = 0;
	return (ssize_t)n;
}

/* ---- the server's end: an io transport ---- */

static bool
pipe_is_ready(const struct session_pipe *p, unsigned events)
{
	return ((events & LOOP_READ) && (p->up.len > 0 || p->up.is_shut)) ||
	    ((events & LOOP_WRITE) && p->down.len < SESSION_PIPE_CAP);
}

/* The client changed what the server's io may do: wake it if it waits. */
static void
pipe_wake(struct session_pipe *p)
{
	if (p->io != NULL && pipe_is_ready(p, p->events))
		io_transport_ready(p->io);
}

static ssize_t
pipe_srv_recv(void *t, void *buf, size_t len)
{
	struct session_pipe *p = t;

	return pipe_dir_take(&p->up, buf, len);
}

static ssize_t
pipe_srv_send(void *t, const void *data, size_t len)
{
	struct session_pipe *p = t;
	size_t n;

	if (p->down.is_shut) {
		errno = EPIPE;
		return -1;
	}
	n = pipe_dir_put(&p->down, data, len);
	if (n == 0) {
		errno = EAGAIN;
		return -1;
	}
	return (ssize_t)n;
}

static int
pipe_srv_shutdown_wr(void *t)
{
	struct session_pipe *p = t;

	p->down.is_shut = true;
	return 0;
}

static void
pipe_srv_close(void *t)
{
	struct session_pipe *p = t;

	p->down.is_shut = true;	/* the client reads the rest, then EOF */
	p->up.head = p->up.len = 0;
	p->is_server_open = false;
	p->io = NULL;
}

static bool
pipe_srv_watch(void *t, struct io *io, unsigned events)
{
	struct session_pipe *p = t;

	p->io = io;
	p->events = events;
	return pipe_is_ready(p, events);
}

static const struct io_transport_ops pipe_srv_ops = {
	.recv = pipe_srv_recv,
	.send = pipe_srv_send,
	.shutdown_wr = pipe_srv_shutdown_wr,
	.close = pipe_srv_close,
	.watch = pipe_srv_watch,
};

/* ---- life ---- */

struct session_pipe *
session_pipe_new(void)
{
	struct session_pipe *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->up.data = malloc(SESSION_PIPE_CAP);
	p->down.data = malloc(SESSION_PIPE_CAP);
	if (p->up.data == NULL || p->down.data == NULL)
		session_pipe_free(&p);
	return p;
}

void
session_pipe_free(struct session_pipe **pp)
{
	struct session_pipe *p = *pp;

	if (p == NULL)
		return;
	free(p->up.data);
	free(p->down.data);
	free(p);
	*pp = NULL;
}

int
session_pipe_open(struct session_pipe *p)
{
	int fd;

	if (p->is_server_open) {
		fprintf(stderr, "session pipe: reused while the server holds it\n");
		abort();
	}
	p->up.head = p->up.len = p->down.head = p->down.len = 0;
	p->up.is_shut = p->down.is_shut = false;
	p->io = NULL;
	p->events = 0;
	fd = io_transport_fd(&pipe_srv_ops, p);
	p->is_server_open = fd != -1;
	return fd;
}

/* ---- the client's end ---- */

ssize_t
session_pipe_write(struct session_pipe *p, const void *data, size_t len)
{
	size_t n;

	if (!p->is_server_open || p->up.is_shut)
		return -1;
	n = pipe_dir_put(&p->up, data, len);
	if (n > 0)
		pipe_wake(p);
	return (ssize_t)n;
}

ssize_t
session_pipe_read(struct session_pipe *p, void *buf, size_t len)
{
	ssize_t n = pipe_dir_take(&p->down, buf, len);

	if (n > 0)
		pipe_wake(p);	/* room to write again */
	return n;
}

void
session_pipe_shutdown(struct session_pipe *p)
{
	p->up.is_shut = true;
	pipe_wake(p);
}

/* ---- a BIO on the client's end ---- */

static ssize_t
pipe_cli_recv(void *t, void *buf, size_t len)
{
	return session_pipe_read(t, buf, len);	/* -1 with EAGAIN */
}

static ssize_t
pipe_cli_send(void *t, const void *data, size_t len)
{
	ssize_t n = session_pipe_write(t, data, len);

	if (n <= 0) {
		errno = n == 0 ? EAGAIN : EPIPE;
		return -1;
	}
	return n;
}

/* only what io_transport_bio() calls */
static const struct io_transport_ops pipe_cli_ops = {
	.recv = pipe_cli_recv,
	.send = pipe_cli_send,
};

BIO *
session_pipe_bio(struct session_pipe *p)
{
	return io_transport_bio(&pipe_cli_ops, p);
}
