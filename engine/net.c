/* net.c: client connections for the engine: TCP, implicit TLS (RFC 8314
 * §3.3, §5) and the STARTTLS upgrade of SMTP (RFC 3207 §4, §4.2) and of
 * IMAP STARTTLS / POP3 STLS (RFC 2595 §3, §4), through OpenSSL 3.
 *
 * Every socket is non-blocking and every wait is a poll() bounded by the
 * caller's absolute deadline (net_now_us()). Only getaddrinfo() cannot be
 * bounded; targets are given as loopback names or IP literals in practice.
 *
 * SIGPIPE: writing to a socket the peer has closed raises SIGPIPE, which
 * kills the process by default. Plaintext writes use send(MSG_NOSIGNAL).
 * OpenSSL's own socket BIO uses plain write(), so TLS goes through a small
 * BIO of ours (net_bio_*) that calls send(MSG_NOSIGNAL) too. That keeps the
 * process-wide signal disposition untouched and works in every thread,
 * where signal(SIGPIPE, SIG_IGN) would be a global side effect of a library
 * and pthread_sigmask() would leave a pending signal behind.
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define NET_ERR_MAX		256
#define NET_TLS_RECORD_MAX	16384	/* one TLS record per SSL_write */
#define NET_PEEK_MAX		16384	/* plaintext probe before STARTTLS */
#define NET_SNIPPET_MAX		48	/* bytes quoted from non-TLS answers */

struct net_conn {
	int fd;			/* -1 once closed */
	SSL_CTX *ctx;
	SSL *ssl;		/* non-NULL once TLS was started */
	int sticky;		/* NET_* code that ends all I/O (0: none) */
	bool is_eof;		/* a socket read returned 0 (for BIO_eof) */
	bool is_handshaking;
	unsigned char hs_first[NET_SNIPPET_MAX];	/* first bytes read in the handshake */
	size_t hs_first_len;
	bool is_hs_first_cut;	/* more than hs_first was read */
	uint64_t op_start_us;	/* start of the current call, for reasons */
	char host[NI_MAXHOST];	/* as given to net_connect, for SNI */
	char addr[NI_MAXHOST + NI_MAXSERV + 4];	/* "[::1]:25" */
	char desc[128];
	char err[NET_ERR_MAX];
};

uint64_t
net_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- errors ---- */

__attribute__((format(printf, 3, 4)))
static int
net_fail(struct net_conn *c, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	return code;
}

static const char *
net_strerror(int e, char *buf, size_t len)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
	return strerror_r(e, buf, len);
#else
	return strerror_r(e, buf, len) == 0 ? buf : "unknown error";
#endif
}

static int
net_fail_errno(struct net_conn *c, int code, const char *what, int e)
{
	char buf[128];

	return net_fail(c, code, "%s: %s", what, net_strerror(e, buf, sizeof buf));
}

static int
net_timeout(struct net_conn *c, uint64_t deadline_us, const char *what)
{
	uint64_t span = deadline_us > c->op_start_us ? deadline_us - c->op_start_us : 0;

	return net_fail(c, NET_TIMEOUT, "timed out after %.1f s waiting for %s",
	    (double)span / 1e6, what);
}

/* The first error on OpenSSL's (per-thread) queue, as short text. */
static const char *
net_ssl_reason(unsigned long e, char *buf, size_t len)
{
	const char *r;

	if (e == 0)
		return "unknown error";
	if (ERR_SYSTEM_ERROR(e))
		return net_strerror((int)ERR_GET_REASON(e), buf, len);
	r = ERR_reason_error_string(e);
	if (r != NULL)
		return r;
	ERR_error_string_n(e, buf, len);
	return buf;
}

/* Quote up to n bytes with C escapes for CR, LF and non-printables. */
static void
net_escape(const unsigned char *p, size_t n, char *out, size_t outlen)
{
	size_t o = 0, i;
	int w;

	for (i = 0; i < n && o + 5 < outlen; i++) {
		if (p[i] == '\r')
			w = snprintf(out + o, outlen - o, "\\r");
		else if (p[i] == '\n')
			w = snprintf(out + o, outlen - o, "\\n");
		else if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '"' || p[i] == '\\')
			w = snprintf(out + o, outlen - o, "\\x%02x", p[i]);
		else
			w = snprintf(out + o, outlen - o, "%c", p[i]);
		if (w < 0 || (size_t)w >= outlen - o)
			break;
		o += (size_t)w;
	}
	out[o] = '\0';
}

/* ---- waiting ---- */

static int
net_poll_ms(uint64_t left_us)
{
	uint64_t ms = (left_us + 999) / 1000;

	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Wait until fd is ready for events (or has an error to report). */
static int
net_wait(struct net_conn *c, short events, uint64_t deadline_us, const char *what)
{
	struct pollfd pfd;
	uint64_t now;
	int r;

	pfd.fd = c->fd;
	pfd.events = events;
	for (;;) {
		now = net_now_us();
		if (now >= deadline_us)
			return net_timeout(c, deadline_us, what);
		pfd.revents = 0;
		r = poll(&pfd, 1, net_poll_ms(deadline_us - now));
		if (r > 0)
			return NET_OK;
		if (r < 0 && errno != EINTR)
			return net_fail_errno(c, NET_ERROR, "poll", errno);
	}
}

/* ---- TCP ---- */

static bool
net_is_ip_literal(const char *s)
{
	unsigned char a[sizeof(struct in6_addr)];

	/* Host names never hold ':'; this also covers "fe80::1%eth0". */
	return strchr(s, ':') != NULL || inet_pton(AF_INET, s, a) == 1;
}

static void
net_format_addr(const struct addrinfo *ai, char *out, size_t outlen)
{
	char h[NI_MAXHOST], s[NI_MAXSERV];

	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, h, sizeof h, s, sizeof s,
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(out, outlen, "(unprintable address)");
		return;
	}
	snprintf(out, outlen, ai->ai_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, s);
}

static int
net_connect_failed(struct net_conn *c, int e)
{
	char what[sizeof c->addr + 16];
	int code = NET_ERROR;

	if (e == ECONNREFUSED || e == ENETUNREACH || e == EHOSTUNREACH)
		code = NET_REFUSED;
	else if (e == ETIMEDOUT)
		code = NET_TIMEOUT;
	close(c->fd);
	c->fd = -1;
	snprintf(what, sizeof what, "connect to %s", c->addr);
	return net_fail_errno(c, code, what, e);
}

static int
net_connect_addr(struct net_conn *c, const struct addrinfo *ai, uint64_t deadline_us)
{
	char what[sizeof c->addr + 16];
	socklen_t len = sizeof(int);
	int soerr = 0, one = 1, rc;

	net_format_addr(ai, c->addr, sizeof c->addr);
	c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (c->fd < 0)
		return net_fail_errno(c, NET_ERROR, "socket", errno);
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS && errno != EINTR)
			return net_connect_failed(c, errno);
		snprintf(what, sizeof what, "connect to %s", c->addr);
		rc = net_wait(c, POLLOUT, deadline_us, what);
		if (rc != NET_OK) {
			close(c->fd);
			c->fd = -1;
			return rc;
		}
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
			soerr = errno;
		if (soerr != 0)
			return net_connect_failed(c, soerr);
	}
	/* Commands are small and written whole; do not let Nagle delay them. */
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return NET_OK;
}

/* Try each address in turn. A refusal is reported in preference to other
 * errors; a timeout ends the attempt (the deadline is gone). */
static int
net_connect_tcp(struct net_conn *c, const char *host, const char *port, uint64_t deadline_us)
{
	struct addrinfo hints, *res, *ai;
	char saved[NET_ERR_MAX], ebuf[128];
	int gai, rc = NET_ERROR, best = 0;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0)
		return net_fail(c, NET_ERROR, "resolve %s port %s: %s", host, port,
		    gai == EAI_SYSTEM ? net_strerror(errno, ebuf, sizeof ebuf) : gai_strerror(gai));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		rc = net_connect_addr(c, ai, deadline_us);
		if (rc == NET_OK || rc == NET_TIMEOUT)
			break;
		if (best != NET_REFUSED && (best == 0 || rc == NET_REFUSED)) {
			best = rc;
			memcpy(saved, c->err, sizeof saved);
		}
	}
	freeaddrinfo(res);
	if (rc == NET_OK || rc == NET_TIMEOUT)
		return rc;
	if (best == 0)
		return net_fail(c, NET_ERROR, "resolve %s: no address", host);
	memcpy(c->err, saved, sizeof c->err);
	return best;
}

/* ---- the socket BIO (send with MSG_NOSIGNAL; see the top comment) ---- */

static int
net_bio_write(BIO *b, const char *data, int len)
{
	struct net_conn *c = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = send(c->fd, data, (size_t)len, MSG_NOSIGNAL);
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		BIO_set_retry_write(b);
	return -1;
}

static int
net_bio_read(BIO *b, char *data, int len)
{
	struct net_conn *c = BIO_get_data(b);
	size_t keep;
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = recv(c->fd, data, (size_t)len, 0);
	if (n > 0 && c->is_handshaking) {
		keep = sizeof c->hs_first - c->hs_first_len;
		c->is_hs_first_cut |= (size_t)n > keep;
		keep = (size_t)n < keep ? (size_t)n : keep;
		memcpy(c->hs_first + c->hs_first_len, data, keep);
		c->hs_first_len += keep;
	}
	if (n >= 0) {
		c->is_eof = n == 0;
		return (int)n;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		BIO_set_retry_read(b);
	return -1;
}

static long
net_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct net_conn *c = BIO_get_data(b);

	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_EOF:	/* lets OpenSSL report an unexpected EOF */
		return c->is_eof ? 1 : 0;
	default:
		return 0;
	}
}

static BIO_METHOD *net_bio_meth;
static pthread_once_t net_bio_once = PTHREAD_ONCE_INIT;

/* Built once for all threads; lives as long as the process. */
static void
net_bio_init(void)
{
	BIO_METHOD *m;

	m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "mailspec socket");
	if (m == NULL)
		return;
	if (!BIO_meth_set_write(m, net_bio_write) || !BIO_meth_set_read(m, net_bio_read) ||
	    !BIO_meth_set_ctrl(m, net_bio_ctrl)) {
		BIO_meth_free(m);
		return;
	}
	net_bio_meth = m;
}

/* ---- TLS ---- */

/* Classify a failed SSL call that is not a retry. Fatal TLS states end
 * all I/O on c: OpenSSL forbids further calls, even SSL_shutdown. */
static int
net_ssl_fail(struct net_conn *c, int ssl_err, int saved_errno, const char *what)
{
	unsigned long e = ERR_peek_error();
	char buf[160];
	long v;
	int rc;

	if (ssl_err == SSL_ERROR_ZERO_RETURN) {
		rc = net_fail(c, NET_CLOSED, "%s: connection closed by peer (TLS close_notify)", what);
		ERR_clear_error();
		return rc;
	}
	if (ssl_err == SSL_ERROR_SYSCALL && e == 0) {
		if (saved_errno == 0)
			rc = net_fail(c, NET_CLOSED, "%s: connection closed by peer", what);
		else
			rc = net_fail_errno(c, saved_errno == EPIPE || saved_errno == ECONNRESET ?
			    NET_CLOSED : NET_ERROR, what, saved_errno);
	} else if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
		rc = net_fail(c, NET_CLOSED, "%s: connection closed by peer without TLS close_notify", what);
	} else if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED &&
	    (v = SSL_get_verify_result(c->ssl)) != X509_V_OK) {
		rc = net_fail(c, NET_TLS_ERROR, "%s: certificate verify failed: %s", what,
		    X509_verify_cert_error_string(v));
	} else {
		rc = net_fail(c, NET_TLS_ERROR, "%s: %s", what, net_ssl_reason(e, buf, sizeof buf));
	}
	ERR_clear_error();
	c->sticky = rc;
	return rc;
}

/* After an SSL call returned r <= 0: wait as OpenSSL asks, or fail. */
static int
net_ssl_retry(struct net_conn *c, int r, uint64_t deadline_us, const char *wait_what,
    const char *op_what)
{
	int saved_errno = errno;
	int e = SSL_get_error(c->ssl, r);

	if (e == SSL_ERROR_WANT_READ)
		return net_wait(c, POLLIN, deadline_us, wait_what);
	if (e == SSL_ERROR_WANT_WRITE)
		return net_wait(c, POLLOUT, deadline_us, wait_what);
	return net_ssl_fail(c, e, saved_errno, op_what);
}

static int
net_tls_new_ctx(struct net_conn *c, const struct net_tls_opts *o)
{
	char buf[160];
	int ok;

	c->ctx = SSL_CTX_new(TLS_client_method());
	if (c->ctx == NULL || !SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION))
		goto fail;
	if (!o->verify) {
		/* Test targets use self-signed certificates. */
		SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
		return NET_OK;
	}
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	if (o->ca_file != NULL)
		ok = SSL_CTX_load_verify_locations(c->ctx, o->ca_file, NULL);
	else
		ok = SSL_CTX_set_default_verify_paths(c->ctx);
	if (ok)
		return NET_OK;
	net_fail(c, NET_TLS_ERROR, "TLS setup: load CA file %s: %s",
	    o->ca_file != NULL ? o->ca_file : "(system default)",
	    net_ssl_reason(ERR_peek_error(), buf, sizeof buf));
	ERR_clear_error();
	return NET_TLS_ERROR;
fail:
	net_fail(c, NET_TLS_ERROR, "TLS setup: %s", net_ssl_reason(ERR_peek_error(), buf, sizeof buf));
	ERR_clear_error();
	return NET_TLS_ERROR;
}

/* SNI unless name is an IP literal (RFC 6066 §3); with verify, check the
 * certificate against the name or the IP address (RFC 8314 §5, RFC 6125). */
static bool
net_tls_set_name(struct net_conn *c, const struct net_tls_opts *o, const char *name)
{
	bool is_ip = net_is_ip_literal(name);

	if (name[0] != '\0' && !is_ip && !SSL_set_tlsext_host_name(c->ssl, name))
		return false;
	if (!o->verify || name[0] == '\0')
		return true;
	if (is_ip)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), name) == 1;
	SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	return SSL_set1_host(c->ssl, name) == 1;
}

static int
net_tls_new_ssl(struct net_conn *c, const struct net_tls_opts *o)
{
	const char *name = o->sni != NULL ? o->sni : c->host;
	char buf[160];
	BIO *bio;

	pthread_once(&net_bio_once, net_bio_init);
	if (net_bio_meth == NULL)
		return net_fail(c, NET_TLS_ERROR, "TLS setup: cannot create the socket BIO");
	c->ssl = SSL_new(c->ctx);
	if (c->ssl == NULL)
		goto fail;
	bio = BIO_new(net_bio_meth);
	if (bio == NULL)
		goto fail;
	BIO_set_data(bio, c);
	BIO_set_init(bio, 1);
	SSL_set_bio(c->ssl, bio, bio);	/* c->ssl owns bio now */
	if (!net_tls_set_name(c, o, name)) {
		net_fail(c, NET_TLS_ERROR, "TLS setup: cannot use server name \"%s\"", name);
		ERR_clear_error();
		return NET_TLS_ERROR;
	}
	SSL_set_connect_state(c->ssl);
	return NET_OK;
fail:
	net_fail(c, NET_TLS_ERROR, "TLS setup: %s", net_ssl_reason(ERR_peek_error(), buf, sizeof buf));
	ERR_clear_error();
	return NET_TLS_ERROR;
}

/* A handshake that failed on bytes that cannot start a TLS record (content
 * types 20..24, or an SSLv2 header) met a plaintext server: say so, quoting
 * what it sent, instead of OpenSSL's "wrong version number". */
static void
net_tls_explain_plaintext(struct net_conn *c)
{
	unsigned char snip[NET_SNIPPET_MAX];
	char quoted[NET_SNIPPET_MAX * 4 + 1];
	size_t n = c->hs_first_len;
	ssize_t more;

	if (n == 0 || (c->hs_first[0] >= 20 && c->hs_first[0] <= 24) || c->hs_first[0] >= 0x80)
		return;
	memcpy(snip, c->hs_first, n);
	/* OpenSSL reads no further than it needs: peek at what follows. */
	more = c->is_hs_first_cut || n == sizeof snip ? -1 :
	    recv(c->fd, snip + n, sizeof snip - n, MSG_PEEK | MSG_DONTWAIT);
	if (more > 0)
		n += (size_t)more;
	net_escape(snip, n, quoted, sizeof quoted);
	net_fail(c, NET_TLS_ERROR, "TLS handshake: server sent plaintext, not TLS: \"%s\"", quoted);
}

static int
net_tls_handshake(struct net_conn *c, uint64_t deadline_us)
{
	int r, rc = NET_OK;

	c->is_handshaking = true;
	c->hs_first_len = 0;
	c->is_hs_first_cut = false;
	for (;;) {
		ERR_clear_error();
		errno = 0;
		r = SSL_do_handshake(c->ssl);
		if (r == 1)
			break;
		rc = net_ssl_retry(c, r, deadline_us, "TLS handshake", "TLS handshake");
		if (rc == NET_TLS_ERROR)
			net_tls_explain_plaintext(c);
		if (rc != NET_OK)
			break;
	}
	c->is_handshaking = false;
	if (rc != NET_OK)
		return rc == NET_CLOSED ? NET_TLS_ERROR : rc;
	snprintf(c->desc, sizeof c->desc, "%s %s", SSL_get_version(c->ssl),
	    SSL_get_cipher_name(c->ssl));
	return NET_OK;
}

static int
net_tls_start(struct net_conn *c, const struct net_tls_opts *o, uint64_t deadline_us)
{
	static const struct net_tls_opts defaults;
	int rc;

	if (o == NULL)
		o = &defaults;
	rc = net_tls_new_ctx(c, o);
	if (rc == NET_OK)
		rc = net_tls_new_ssl(c, o);
	if (rc == NET_OK)
		rc = net_tls_handshake(c, deadline_us);
	return rc;
}

/* Send close_notify if the session is healthy; never waits. */
static void
net_tls_notify_close(struct net_conn *c)
{
	if (c->ssl == NULL || c->sticky != 0 || c->fd < 0 || !SSL_is_init_finished(c->ssl))
		return;
	ERR_clear_error();
	(void)SSL_shutdown(c->ssl);
	ERR_clear_error();
}

/* ---- the public calls ---- */

static struct net_conn *
net_conn_new(void)
{
	struct net_conn *c = calloc(1, sizeof *c);

	if (c != NULL)
		c->fd = -1;
	return c;
}

int
net_connect(const char *host, const char *port, const struct net_tls_opts *tls,
    uint64_t deadline_us, struct net_conn **conn_r, char *err, size_t errlen)
{
	struct net_conn *c;
	int rc;

	*conn_r = NULL;
	c = net_conn_new();
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NET_ERROR;
	}
	c->op_start_us = net_now_us();
	if (host == NULL || port == NULL)
		rc = net_fail(c, NET_ERROR, "connect: no host or port");
	else if (strlen(host) >= sizeof c->host)
		rc = net_fail(c, NET_ERROR, "connect: host name too long");
	else {
		snprintf(c->host, sizeof c->host, "%s", host);
		rc = net_connect_tcp(c, host, port, deadline_us);
	}
	if (rc == NET_OK && tls != NULL)
		rc = net_tls_start(c, tls, deadline_us);
	snprintf(err, errlen, "%s", rc == NET_OK ? "" : c->err);
	if (rc != NET_OK) {
		net_close(&c);
		return rc;
	}
	*conn_r = c;
	return NET_OK;
}

/* Common entry checks; returns NET_OK when I/O may go ahead. */
static int
net_begin(struct net_conn *c)
{
	c->op_start_us = net_now_us();
	if (c->sticky != 0)
		return c->sticky;	/* c->err still holds its reason */
	if (c->fd < 0)
		return net_fail(c, NET_CLOSED, "connection already closed");
	return NET_OK;
}

static int
net_send_plain(struct net_conn *c, const char *p, size_t len, uint64_t deadline_us)
{
	ssize_t n;
	int rc;

	while (len > 0) {
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return net_fail_errno(c, errno == EPIPE || errno == ECONNRESET ?
			    NET_CLOSED : NET_ERROR, "send", errno);
		rc = net_wait(c, POLLOUT, deadline_us, "the peer to accept data");
		if (rc != NET_OK)
			return rc;
	}
	return NET_OK;
}

static int
net_send_tls(struct net_conn *c, const char *p, size_t len, uint64_t deadline_us)
{
	size_t chunk;
	int r, rc;

	while (len > 0) {
		chunk = len < NET_TLS_RECORD_MAX ? len : NET_TLS_RECORD_MAX;
		for (;;) {
			ERR_clear_error();
			errno = 0;
			r = SSL_write(c->ssl, p, (int)chunk);
			if (r > 0)
				break;
			rc = net_ssl_retry(c, r, deadline_us, "the peer to accept data", "TLS write");
			if (rc != NET_OK)
				return rc;
		}
		p += r;
		len -= (size_t)r;
	}
	return NET_OK;
}

int
net_send(struct net_conn *c, const void *data, size_t len, uint64_t deadline_us)
{
	int rc = net_begin(c);

	if (rc != NET_OK)
		return rc;
	if (c->ssl != NULL)
		return net_send_tls(c, data, len, deadline_us);
	return net_send_plain(c, data, len, deadline_us);
}

static int
net_recv_plain(struct net_conn *c, void *buf, size_t max, size_t *n_r, uint64_t deadline_us)
{
	ssize_t n;
	int rc;

	for (;;) {
		n = recv(c->fd, buf, max, 0);
		if (n > 0) {
			*n_r = (size_t)n;
			return NET_OK;
		}
		if (n == 0)
			return net_fail(c, NET_CLOSED, "connection closed by peer");
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return net_fail_errno(c, errno == ECONNRESET ? NET_CLOSED : NET_ERROR,
			    "recv", errno);
		rc = net_wait(c, POLLIN, deadline_us, "data");
		if (rc != NET_OK)
			return rc;
	}
}

/* SSL_read comes first: records already decrypted (SSL_pending) are
 * returned without polling, even when the deadline has passed. */
static int
net_recv_tls(struct net_conn *c, void *buf, size_t max, size_t *n_r, uint64_t deadline_us)
{
	int chunk = max > INT_MAX ? INT_MAX : (int)max;
	int r, rc;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		r = SSL_read(c->ssl, buf, chunk);
		if (r > 0) {
			*n_r = (size_t)r;
			return NET_OK;
		}
		rc = net_ssl_retry(c, r, deadline_us, "data", "TLS read");
		if (rc != NET_OK)
			return rc;
	}
}

int
net_recv(struct net_conn *c, void *buf, size_t max, size_t *n_r, uint64_t deadline_us)
{
	int rc;

	*n_r = 0;
	rc = net_begin(c);
	if (rc != NET_OK)
		return rc;
	if (max == 0)
		return net_fail(c, NET_ERROR, "recv: empty buffer");
	if (c->ssl != NULL)
		return net_recv_tls(c, buf, max, n_r, deadline_us);
	return net_recv_plain(c, buf, max, n_r, deadline_us);
}

/* RFC 3207 §4.2, RFC 2595 §3.1: after the server's go-ahead the client
 * speaks first (ClientHello), so any byte waiting now was sent in plaintext
 * by the server and must not be taken as protected (CVE-2011-0411 class).
 * The connection is left untouched, so the caller may still read them. */
static int
net_check_plaintext(struct net_conn *c)
{
	char peek[NET_PEEK_MAX];
	ssize_t n;

	do
		n = recv(c->fd, peek, sizeof peek, MSG_PEEK | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return net_fail(c, NET_TLS_ERROR, "server sent %s%zd plaintext bytes before the TLS handshake",
		    (size_t)n == sizeof peek ? "at least " : "", n);
	if (n == 0)
		return net_fail(c, NET_CLOSED, "STARTTLS: connection closed by peer");
	return NET_OK;	/* EAGAIN: nothing waiting, as it must be */
}

int
net_starttls(struct net_conn *c, const struct net_tls_opts *tls, uint64_t deadline_us)
{
	int rc = net_begin(c);

	if (rc != NET_OK)
		return rc;
	if (c->ssl != NULL)
		return net_fail(c, NET_TLS_ERROR, "STARTTLS: TLS is already active");
	rc = net_check_plaintext(c);
	if (rc != NET_OK)
		return rc;
	rc = net_tls_start(c, tls, deadline_us);
	if (rc != NET_OK)
		c->sticky = rc;	/* mid-handshake: the stream is unusable */
	return rc;
}

bool
net_is_tls(const struct net_conn *c)
{
	return c != NULL && c->ssl != NULL && c->desc[0] != '\0';
}

const char *
net_tls_desc(const struct net_conn *c)
{
	return net_is_tls(c) ? c->desc : "";
}

const char *
net_error(const struct net_conn *c)
{
	return c != NULL ? c->err : "no connection";
}

void
net_shutdown(struct net_conn *c)
{
	if (c == NULL || c->fd < 0)
		return;
	net_tls_notify_close(c);
	close(c->fd);
	c->fd = -1;
}

void
net_close(struct net_conn **cp)
{
	struct net_conn *c;

	if (cp == NULL || *cp == NULL)
		return;
	c = *cp;
	*cp = NULL;
	net_shutdown(c);
	SSL_free(c->ssl);
	SSL_CTX_free(c->ctx);
	free(c);
}
