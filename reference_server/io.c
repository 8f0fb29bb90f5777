/* io.c: buffered non-blocking connection I/O with TLS on the socket.
 *
 * RFC 3207 §4.2 / RFC 2595 §3.1 / RFC 8314: after STARTTLS the plaintext
 * that followed the command is discarded (the CVE-2011-0411 class of
 * command injection), and nothing is read in plaintext again.
 * RFC 5321 §4.5.3.2: the idle timer that sessions use for their timeouts.
 *
 * Internals: one entry point per loop event (io_step, io_on_kick,
 * io_on_idle) ends in io_finish(), which either re-arms epoll interest or,
 * when the io is dead, delivers IO_EV_CLOSED as its very last action.
 * After a clean close the socket lingers briefly (shutdown for writing,
 * input drained) so the peer reads the final reply instead of an RST.
 * An io on an in-process transport (io_transport_fd()) calls its ops where
 * it would make a system call on the socket; nothing else differs.
 */
#include "io.h"
#include "linebuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "buf.h"
#include "io_private.h"

#define IO_TRANSPORTS_MAX	16	/* io_transport_fd()s not yet taken */

static void io_step(struct io *io, unsigned events);
static void io_finish(struct io *io);

/* The transports handed out as descriptors: fd -2 - i is entry i (one
 * table per process: the server is one thread). */
static struct {
	const struct io_transport_ops *ops;
	void *t;
} io_transports[IO_TRANSPORTS_MAX];

void
io_emit(struct io *io, enum io_event ev)
{
	io->fn(io->arg, ev);
}

void
io_kick(struct io *io)
{
	if (!io->is_closed_sent && !loop_timer_is_running(&io->kick))
		loop_timer_start(io->loop, &io->kick, 0);
}

void
io_die(struct io *io, const char *reason)
{
	if (!io->is_dead && io->reason == NULL)
		io->reason = reason;
	io->is_dead = true;
}

/* ---- loop entry points ---- */

static void
io_on_fd(void *arg, unsigned events)
{
	io_step(arg, events);
}

static void
io_on_kick(void *arg)
{
	io_step(arg, LOOP_READ | LOOP_WRITE);
}

static void
io_on_idle(void *arg)
{
	struct io *io = arg;

	if (io->is_lingering || io->is_closing)
		io_die(io, io->is_lingering ? NULL : "close timed out");
	else if (!io->is_dead)
		io_emit(io, IO_EV_TIMEOUT);
	io_finish(io);
}

/* ---- transports ---- */

int
io_transport_fd(const struct io_transport_ops *ops, void *t)
{
	int i;

	for (i = 0; i < IO_TRANSPORTS_MAX; i++)
		if (io_transports[i].ops == NULL) {
			io_transports[i].ops = ops;
			io_transports[i].t = t;
			return -2 - i;
		}
	return -1;
}

/* The table index fd stands for, or -1 (a kernel fd, or unknown). */
static int
io_transport_index(int fd)
{
	int i = -2 - fd;

	return fd < -1 && i < IO_TRANSPORTS_MAX && io_transports[i].ops != NULL ?
	    i : -1;
}

void
io_fd_close(int fd)
{
	int i = io_transport_index(fd);

	if (fd >= 0)
		close(fd);
	else if (i >= 0) {
		io_transports[i].ops->close(io_transports[i].t);
		io_transports[i].ops = NULL;
	}
}

void
io_transport_ready(struct io *io)
{
	io_kick(io);
}

static int
io_take_fd(struct io *io, int fd)
{
	int i = io_transport_index(fd), fl;

	if (i >= 0) {
		io->fd = -1;
		io->tops = io_transports[i].ops;
		io->t = io_transports[i].t;
		io_transports[i].ops = NULL;
		return 0;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	io->fd = fd;
	return loop_fd_add(io->loop, &io->w, fd, LOOP_READ, io_on_fd, io);
}

struct io *
io_new(struct loop *l, int fd, io_event_fn *fn, void *arg)
{
	struct io *io;

	io = calloc(1, sizeof(*io));
	if (io == NULL)
		return NULL;
	io->loop = l;
	io->fn = fn;
	io->arg = arg;
	buf_init(&io->out, IO_OUT_MAX);
	loop_timer_init(&io->idle, io_on_idle, io);
	loop_timer_init(&io->kick, io_on_kick, io);
	if (io_take_fd(io, fd) == -1) {
		free(io);
		return NULL;
	}
	return io;
}

static void
io_teardown(struct io *io)
{
	loop_fd_del(io->loop, &io->w);
	if (io->tops != NULL)
		io->tops->watch(io->t, NULL, 0);
	loop_timer_stop(io->loop, &io->idle);
	loop_timer_stop(io->loop, &io->kick);
}

void
io_free(struct io **iop)
{
	struct io *io = *iop;

	if (io == NULL)
		return;
	io_teardown(io);
	SSL_free(io->ssl);
	if (io->tops != NULL)
		io->tops->close(io->t);
	else if (io->fd != -1)
		close(io->fd);
	buf_release(&io->out);
	free(io);
	*iop = NULL;
}

/* ---- input ---- */

size_t
io_in_peek(const struct io *io, const char **data_r)
{
	*data_r = io->in + io->in_start;
	return io->in_end - io->in_start;
}

void
io_in_consume(struct io *io, size_t n)
{
	if (n > io->in_end - io->in_start)
		n = io->in_end - io->in_start;
	io->in_start += n;
	if (io->in_start == io->in_end)
		io->in_start = io->in_end = 0;
	io_kick(io);	/* room again: reading may resume */
}

void
io_resume(struct io *io)
{
	io->is_resumed = true;
	io_kick(io);
}

bool
io_in_is_eof(const struct io *io)
{
	return io->is_eof;
}

/* One read into the input window: >0 bytes, 0 nothing now, -1 eof/error. */
static ssize_t
io_read_plain(struct io *io, char *p, size_t room)
{
	ssize_t n;

	n = io->tops != NULL ? io->tops->recv(io->t, p, room) :
	    recv(io->fd, p, room, 0);
	if (n > 0)
		return n;
	if (n == 0) {
		io->is_eof = true;
		return -1;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	io_die(io, "connection reset");
	return -1;
}

/* Read what fits; true when the owner should look at the input. */
static bool
io_fill(struct io *io)
{
	bool got = false;
	ssize_t n;
	int round;

	if (io->is_dead || io->is_eof || io->is_closing)
		return false;
	if (io->tls != IO_TLS_NONE && io->tls != IO_TLS_ON)
		return false;	/* no plaintext read between STARTTLS and TLS */
	for (round = 0; round < IO_READ_ROUNDS; round++) {
		if (io->in_start > 0) {
			memmove(io->in, io->in + io->in_start, io->in_end - io->in_start);
			io->in_end -= io->in_start;
			io->in_start = 0;
		}
		if (io->in_end == IO_IN_CAP)
			break;
		if (io->tls == IO_TLS_ON)
			n = io_read_tls(io, io->in + io->in_end, IO_IN_CAP - io->in_end);
		else
			n = io_read_plain(io, io->in + io->in_end, IO_IN_CAP - io->in_end);
		if (n <= 0)
			break;
		io->in_end += (size_t)n;
		got = true;
	}
	return got || io->is_eof;
}

/* After our last byte: discard whatever the peer still sends. */
static void
io_linger_drain(struct io *io)
{
	char tmp[4096];
	ssize_t n;
	int round;

	for (round = 0; round < IO_READ_ROUNDS; round++) {
		n = io->tops != NULL ? io->tops->recv(io->t, tmp, sizeof(tmp)) :
		    recv(io->fd, tmp, sizeof(tmp), 0);
		if (n > 0)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		io_die(io, NULL);
		return;
	}
}

/* ---- output ---- */

bool
io_write(struct io *io, const void *data, size_t len)
{
	if (io->is_dead)
		return false;
	if (io->out_head > 0 && io->out.len + len > io->out.max) {
		buf_consume(&io->out, io->out_head);
		io->out_head = 0;
	}
	if (!buf_append(&io->out, data, len)) {
		io_die(io, "output limit (peer does not read)");
		io_kick(io);
		return false;
	}
	io_kick(io);
	return true;
}

bool
io_printf(struct io *io, const char *fmt, ...)
{
	char small[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(small))
		return false;	/* replies are short; a longer one is a bug */
	return io_write(io, small, (size_t)n);
}

size_t
io_out_pending(const struct io *io)
{
	return io->out.len - io->out_head;
}

bool
io_out_is_busy(struct io *io)
{
	if (io_out_pending(io) <= IO_OUT_HIGH)
		return false;
	io->wants_drained = true;
	return true;
}

static ssize_t
io_send_plain(struct io *io, const char *p, size_t len)
{
	ssize_t n;

	n = io->tops != NULL ? io->tops->send(io->t, p, len) :
	    send(io->fd, p, len, MSG_NOSIGNAL);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	io_die(io, "connection reset");
	return -1;
}

/* The bytes that may go out now. */
static size_t
io_sendable(const struct io *io)
{
	size_t n = io_out_pending(io);

	if (io->tls == IO_TLS_HANDSHAKE)
		return 0;
	if (io->tls == IO_TLS_FLUSHING && n > io->plain_left)
		n = io->plain_left;
	return n;
}

static void
io_flush(struct io *io)
{
	ssize_t n;
	size_t len;

	while (!io->is_dead && (len = io_sendable(io)) > 0) {
		if (io->tls == IO_TLS_ON)
			n = io_send_tls(io, io->out.data + io->out_head, len);
		else
			n = io_send_plain(io, io->out.data + io->out_head, len);
		if (n <= 0)
			break;
		io->out_head += (size_t)n;
		if (io->tls == IO_TLS_FLUSHING)
			io->plain_left -= (size_t)n;
	}
	if (io->out_head == io->out.len) {
		buf_clear(&io->out);
		io->out_head = 0;
	}
	if (io->tls == IO_TLS_FLUSHING && io->plain_left == 0 && !io->is_dead)
		io_begin_handshake(io);
	if (io->wants_drained && io_out_pending(io) < IO_OUT_HIGH / 2 && !io->is_dead) {
		io->wants_drained = false;
		io_emit(io, IO_EV_DRAINED);
	}
}

/* ---- lifetime ---- */

void
io_set_timeout(struct io *io, unsigned ms)
{
	io->timeout_ms = ms;
	io_touch(io);
}

void
io_touch(struct io *io)
{
	if (io->is_closing || io->is_dead)
		return;
	if (io->timeout_ms == 0)
		loop_timer_stop(io->loop, &io->idle);
	else
		loop_timer_start(io->loop, &io->idle, io->timeout_ms);
}

void
io_close(struct io *io)
{
	if (!io->is_closing && !io->is_closed_sent)
		loop_timer_start(io->loop, &io->idle, IO_CLOSE_MS);
	io->is_closing = true;
	io_kick(io);
}

void
io_abort(struct io *io, const char *reason)
{
	io_die(io, reason);
	io_kick(io);
}

const char *
io_close_reason(const struct io *io)
{
	return io->reason != NULL ? io->reason : "closed";
}

/* Output is out: say goodbye to TLS, half-close, drain for a moment. */
static void
io_start_linger(struct io *io)
{
	if (io->tls == IO_TLS_ON) {
		ERR_clear_error();
		SSL_shutdown(io->ssl);	/* best effort close_notify */
	}
	if (io->is_eof || (io->tops != NULL ? io->tops->shutdown_wr(io->t) :
	    shutdown(io->fd, SHUT_WR)) == -1) {
		io_die(io, NULL);
		return;
	}
	io->is_lingering = true;
	loop_timer_start(io->loop, &io->idle, IO_LINGER_MS);
}

static void
io_step(struct io *io, unsigned events)
{
	(void)events;
	if (io->is_closed_sent)
		return;
	if (io->is_lingering) {
		io_linger_drain(io);
		io_finish(io);
		return;
	}
	if (!io->is_dead && io->tls == IO_TLS_HANDSHAKE)
		io_handshake(io);
	if (!io->is_dead)
		io_flush(io);
	if (!io->is_dead && (io_fill(io) || io->is_resumed)) {
		io->is_resumed = false;
		io_emit(io, IO_EV_INPUT);
		if (io->is_eof && !io->is_dead)
			io_close(io);	/* answer what came, then close */
	}
	if (!io->is_dead)
		io_flush(io);
	io_finish(io);
}

static unsigned
io_interest(struct io *io)
{
	bool want_read, want_write;

	if (io->is_lingering)
		return LOOP_READ;
	if (io->tls == IO_TLS_HANDSHAKE)
		return io->hs_wants_write ? LOOP_WRITE : LOOP_READ;
	want_read = !io->is_eof && !io->is_closing && io->in_end < IO_IN_CAP &&
	    io->tls != IO_TLS_FLUSHING;
	want_write = io_sendable(io) > 0;
	if (io->tls == IO_TLS_ON) {
		if (want_read && SSL_has_pending(io->ssl) && !io->rd_wants_write)
			io_kick(io);	/* decrypted bytes wait inside OpenSSL */
		want_read = (want_read && !io->rd_wants_write) || io->wr_wants_read;
		want_write = (want_write && !io->wr_wants_read) || io->rd_wants_write;
	}
	return (want_read ? LOOP_READ : 0) | (want_write ? LOOP_WRITE : 0);
}

static void
io_finish(struct io *io)
{
	if (!io->is_dead && io->is_closing && !io->is_lingering &&
	    io_out_pending(io) == 0)
		io_start_linger(io);
	if (io->is_closed_sent)
		return;
	if (io->is_dead) {
		io->is_closed_sent = true;
		io_teardown(io);
		io_emit(io, IO_EV_CLOSED);	/* the owner may free io now */
		return;
	}
	if (io->tops != NULL) {
		if (io->tops->watch(io->t, io, io_interest(io)))
			io_kick(io);	/* level-triggered, as epoll is */
	} else if (loop_fd_set(io->loop, &io->w, io_interest(io)) == -1) {
		io_die(io, "epoll failed");
		io_kick(io);
	}
}

int
io_take_line(struct io *io, struct linebuf *lb, const char **line_r, size_t *len_r)
{
	const char *p;
	size_t n, taken;
	int r;

	while ((r = linebuf_take_line(lb, line_r, len_r)) == 0) {
		n = io_in_peek(io, &p);
		if (n == 0)
			return 0;
		taken = linebuf_feed(lb, p, n);
		io_in_consume(io, taken);
		if (taken == 0)
			return 0;
	}
	io_touch(io);
	return r;
}
