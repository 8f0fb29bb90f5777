/* io_tls.c: the TLS transport under io.c: OpenSSL on the non-blocking
 * socket itself (no memory BIOs), WANT_READ/WANT_WRITE recorded so io.c
 * can ask epoll for the right readiness. On an in-process transport
 * (io_transport_fd()) a BIO calls its recv/send as the socket BIO calls
 * recv(2)/send(2).
 *
 * RFC 3207 §4.2 (STARTTLS: the plaintext that followed the command is
 * thrown away before the handshake: CVE-2011-0411), RFC 8314 §3.3 and
 * RFC 2595 §3.1 (implicit TLS and STLS/STARTTLS for POP3 and IMAP use the
 * same call), RFC 8446 §6.1 (close_notify is sent when closing cleanly).
 */
#include "io_private.h"

#include <errno.h>
#include <stdlib.h>

#include <openssl/err.h>

/* ---- a BIO on a transport, as OpenSSL's socket BIO on a fd ---- */

struct io_bio_target {
	const struct io_transport_ops *ops;
	void *t;
};

static int
io_bio_read(BIO *b, char *p, int len)
{
	const struct io_bio_target *bt = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = bt->ops->recv(bt->t, p, (size_t)len);
	if (n == 0)
		BIO_set_flags(b, BIO_FLAGS_IN_EOF);	/* BIO_eof(): a clean EOF */
	else if (n < 0 && (errno == EAGAIN || errno == EINTR))
		BIO_set_retry_read(b);
	return (int)n;
}

static int
io_bio_write(BIO *b, const char *p, int len)
{
	const struct io_bio_target *bt = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = bt->ops->send(bt->t, p, (size_t)len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		BIO_set_retry_write(b);
	return (int)n;
}

static long
io_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)num;
	(void)ptr;
	if (cmd == BIO_CTRL_FLUSH)
		return 1;
	if (cmd == BIO_CTRL_EOF)
		return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
	return 0;
}

static int
io_bio_destroy(BIO *b)
{
	free(BIO_get_data(b));
	BIO_set_data(b, NULL);
	return 1;
}

BIO *
io_transport_bio(const struct io_transport_ops *ops, void *t)
{
	static BIO_METHOD *method;	/* made once, kept for the process */
	struct io_bio_target *bt;
	BIO *b;

	if (method == NULL) {
		method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
		    "io transport");
		if (method == NULL || BIO_meth_set_read(method, io_bio_read) != 1 ||
		    BIO_meth_set_write(method, io_bio_write) != 1 ||
		    BIO_meth_set_ctrl(method, io_bio_ctrl) != 1 ||
		    BIO_meth_set_destroy(method, io_bio_destroy) != 1) {
			BIO_meth_free(method);
			method = NULL;
			return NULL;
		}
	}
	if ((bt = malloc(sizeof(*bt))) == NULL)
		return NULL;
	bt->ops = ops;
	bt->t = t;
	if ((b = BIO_new(method)) == NULL) {
		free(bt);
		return NULL;
	}
	BIO_set_data(b, bt);
	BIO_set_init(b, 1);
	return b;
}

/* ---- the TLS transport ---- */

ssize_t
io_read_tls(struct io *io, char *p, size_t room)
{
	int n, err;

	ERR_clear_error();
	n = SSL_read(io->ssl, p, room > INT32_MAX ? INT32_MAX : (int)room);
	io->rd_wants_write = false;
	if (n > 0)
		return n;
	err = SSL_get_error(io->ssl, n);
	if (err == SSL_ERROR_WANT_READ)
		return 0;
	if (err == SSL_ERROR_WANT_WRITE) {
		io->rd_wants_write = true;
		return 0;
	}
	if (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL ||
	    err == SSL_ERROR_SSL) {
		io->is_eof = true;	/* close_notify, reset or truncation */
		if (err == SSL_ERROR_SSL)
			io_die(io, "TLS error");
		return -1;
	}
	io_die(io, "TLS error");
	return -1;
}

ssize_t
io_send_tls(struct io *io, const char *p, size_t len)
{
	int n, err;

	ERR_clear_error();
	n = SSL_write(io->ssl, p, len > IO_SSL_CHUNK ? IO_SSL_CHUNK : (int)len);
	io->wr_wants_read = false;
	if (n > 0)
		return n;
	err = SSL_get_error(io->ssl, n);
	if (err == SSL_ERROR_WANT_WRITE)
		return 0;
	if (err == SSL_ERROR_WANT_READ) {
		io->wr_wants_read = true;
		return 0;
	}
	io_die(io, "TLS write error");
	return -1;
}

void
io_begin_handshake(struct io *io)
{
	BIO *b;

	io->ssl = SSL_new(io->tls_ctx);
	if (io->ssl == NULL) {
		io_die(io, "TLS setup failed");
		return;
	}
	if (io->tops != NULL) {
		if ((b = io_transport_bio(io->tops, io->t)) == NULL) {
			io_die(io, "TLS setup failed");
			return;
		}
		SSL_set_bio(io->ssl, b, b);
	} else if (SSL_set_fd(io->ssl, io->fd) != 1) {
		io_die(io, "TLS setup failed");
		return;
	}
	SSL_set_accept_state(io->ssl);
	io->tls = IO_TLS_HANDSHAKE;
	io_handshake(io);
}

void
io_handshake(struct io *io)
{
	int r, err;

	ERR_clear_error();
	r = SSL_do_handshake(io->ssl);
	io->hs_wants_write = false;
	if (r == 1) {
		io->tls = IO_TLS_ON;
		io_emit(io, IO_EV_TLS_READY);
		return;
	}
	err = SSL_get_error(io->ssl, r);
	if (err == SSL_ERROR_WANT_READ)
		return;
	if (err == SSL_ERROR_WANT_WRITE) {
		io->hs_wants_write = true;
		return;
	}
	io_die(io, "TLS handshake failed");
}

int
io_starttls(struct io *io, SSL_CTX *ctx)
{
	if (io->tls != IO_TLS_NONE || ctx == NULL)
		return -1;
	io->in_start = io->in_end = 0;		/* RFC 3207 §4.2 */
	io->tls_ctx = ctx;
	io->plain_left = io_out_pending(io);
	io->tls = IO_TLS_FLUSHING;
	io_kick(io);
	return 0;
}

bool
io_is_tls(const struct io *io)
{
	return io->tls != IO_TLS_NONE;
}

const char *
io_tls_version(const struct io *io)
{
	return io->tls == IO_TLS_ON ? SSL_get_version(io->ssl) : NULL;
}

const char *
io_tls_cipher(const struct io *io)
{
	return io->tls == IO_TLS_ON ? SSL_get_cipher_name(io->ssl) : NULL;
}
