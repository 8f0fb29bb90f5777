/* test_net.c: engine/net.c against loopback servers run in threads:
 * refusal, timeouts (connect, recv, send, handshake), EOF, implicit TLS,
 * STARTTLS (RFC 3207, RFC 2595), verification, SSL_pending, SIGPIPE, and
 * plaintext injected before the handshake (RFC 3207 §4.2).
 *
 * The server threads block SIGPIPE; the main thread keeps the default
 * action, so a SIGPIPE raised by net.c would kill the test.
 */
#include "net.h"
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define MS	1000u
#define SLACK	(250 * MS)	/* allowed lateness past a deadline */

struct srv;
typedef void srv_fn(struct srv *s, int fd);

struct srv {
	int lfd;
	char port[16];
	pthread_t thread;
	srv_fn *serve;
	const char *text;	/* what the behaviour sends */
	SSL_CTX *ctx;		/* for the TLS behaviours */
	long got;		/* what the behaviour received, for checks */
	int wake[2];		/* serve_stall waits for a byte on wake[0] */
};

static SSL_CTX *srv_ctx;	/* server side, throwaway self-signed cert */
static char cert_path[] = "/tmp/test_net_cert_XXXXXX";

/* ---- a throwaway certificate for localhost and 127.0.0.1 ---- */

static X509 *
cert_make(EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX v3;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(x, key, EVP_sha256());
	return x;
}

static int
cert_setup(void)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x;
	FILE *f;
	int fd;

	if (key == NULL)
		return -1;
	x = cert_make(key);
	srv_ctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX_use_certificate(srv_ctx, x);
	SSL_CTX_use_PrivateKey(srv_ctx, key);
	fd = mkstemp(cert_path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f != NULL) {
		PEM_write_X509(f, x);
		fclose(f);
	}
	X509_free(x);
	EVP_PKEY_free(key);
	return f != NULL ? 0 : -1;
}

/* ---- the server thread ---- */

static void *
srv_main(void *arg)
{
	struct srv *s = arg;
	struct timeval tv = { 5, 0 };
	struct pollfd pfd = { s->lfd, POLLIN, 0 };
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (poll(&pfd, 1, 5000) != 1)
		return NULL;
	fd = accept(s->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	s->serve(s, fd);
	close(fd);
	return NULL;
}

static int
srv_listen(struct srv *s, int backlog, int rcvbuf)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (rcvbuf > 0)
		setsockopt(s->lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&sin, &len) != 0)
		return -1;
	snprintf(s->port, sizeof s->port, "%u", ntohs(sin.sin_port));
	return backlog < 0 ? 0 : listen(s->lfd, backlog);
}

static void
srv_start(struct srv *s, srv_fn *fn, const char *text)
{
	memset(s, 0, sizeof *s);
	s->serve = fn;
	s->text = text;
	s->ctx = srv_ctx;
	if (srv_listen(s, 8, 0) != 0 || pthread_create(&s->thread, NULL, srv_main, s) != 0) {
		fprintf(stderr, "cannot start a test server\n");
		exit(2);
	}
}

static void
srv_stop(struct srv *s)
{
	pthread_join(s->thread, NULL);
	close(s->lfd);
}

/* ---- server behaviours ---- */

static void
put(int fd, const char *text)
{
	(void)!send(fd, text, strlen(text), MSG_NOSIGNAL);
}

static void
drain(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof buf, 0)) > 0)
		;
}

/* Read one line byte by byte, so nothing after it is consumed. */
static void
get_line(int fd, char *buf, size_t len)
{
	size_t i = 0;

	while (i + 1 < len && recv(fd, buf + i, 1, 0) == 1 && buf[i++] != '\n')
		;
	buf[i] = '\0';
}

static void
serve_silent(struct srv *s, int fd)
{
	drain(fd);
}

/* Read nothing until told: the client's data cannot drain, so neither
 * can its FIN; wait on a pipe instead of the socket. */
static void
serve_stall(struct srv *s, int fd)
{
	struct pollfd pfd = { s->wake[0], POLLIN, 0 };

	poll(&pfd, 1, 5000);
}

static void
serve_send_close(struct srv *s, int fd)
{
	put(fd, s->text);
}

static void
serve_banner_drain(struct srv *s, int fd)
{
	put(fd, s->text);
	drain(fd);
}

static SSL *
tls_accept(struct srv *s, int fd)
{
	SSL *ssl = SSL_new(s->ctx);

	SSL_set_fd(ssl, fd);
	if (SSL_accept(ssl) != 1) {
		SSL_free(ssl);
		ERR_clear_error();
		return NULL;
	}
	return ssl;
}

static void
tls_echo(SSL *ssl)
{
	char line[256] = "echo: ";
	int n;

	n = SSL_read(ssl, line + 6, (int)sizeof line - 7);
	if (n > 0)
		SSL_write(ssl, line, n + 6);
	SSL_shutdown(ssl);
}

static void
serve_tls_echo(struct srv *s, int fd)
{
	SSL *ssl = tls_accept(s, fd);

	if (ssl != NULL)
		tls_echo(ssl);
	SSL_free(ssl);
	ERR_clear_error();
}

/* Answer with s->text, then: "abrupt" closes without close_notify,
 * otherwise wait for the client to close. */
static void
serve_tls_text(struct srv *s, int fd)
{
	SSL *ssl = tls_accept(s, fd);
	char buf[64];

	if (ssl == NULL)
		return;
	if (s->text[0] != '\0')
		SSL_write(ssl, s->text, (int)strlen(s->text));
	if (strcmp(s->text, "abrupt\r\n") != 0)
		while (SSL_read(ssl, buf, sizeof buf) > 0)
			;
	SSL_free(ssl);
	ERR_clear_error();
}

static void
serve_tls_count(struct srv *s, int fd)
{
	SSL *ssl = tls_accept(s, fd);
	char buf[16384];
	int n;

	if (ssl == NULL)
		return;
	while (s->got < atol(s->text) && (n = SSL_read(ssl, buf, sizeof buf)) > 0)
		s->got += n;
	snprintf(buf, sizeof buf, "got %ld\r\n", s->got);
	SSL_write(ssl, buf, (int)strlen(buf));
	SSL_shutdown(ssl);
	SSL_free(ssl);
	ERR_clear_error();
}

/* "220 ready", read STARTTLS, then s->text as the go-ahead; with one line
 * in s->text go on with TLS, with more (injection) just drain. */
static void
serve_starttls(struct srv *s, int fd)
{
	char line[256];

	put(fd, "220 ready\r\n");
	get_line(fd, line, sizeof line);
	if (strcmp(line, "STARTTLS\r\n") != 0)
		return;
	put(fd, s->text);
	if (strchr(s->text, '\n') != strrchr(s->text, '\n')) {
		drain(fd);
		return;
	}
	serve_tls_echo(s, fd);
}

/* ---- client helpers ---- */

static uint64_t
in_ms(unsigned ms)
{
	return net_now_us() + ms * MS;
}

/* Read until want bytes (or an error); returns the last status. */
static int
recv_exact(struct net_conn *c, char *buf, size_t want, uint64_t deadline)
{
	size_t got = 0, n;
	int rc = NET_OK;

	while (got < want && rc == NET_OK) {
		rc = net_recv(c, buf + got, want - got, &n, deadline);
		got += n;
	}
	buf[got] = '\0';
	return rc;
}

static bool
has(const char *s, const char *part)
{
	return strstr(s, part) != NULL;
}

/* ---- the tests ---- */

static void
test_refused(void)
{
	struct srv s;
	struct net_conn *c;
	char err[256];
	int rc;

	memset(&s, 0, sizeof s);
	CHECK(srv_listen(&s, -1, 0) == 0);	/* bound, not listening */
	rc = net_connect("127.0.0.1", s.port, NULL, in_ms(2000), &c, err, sizeof err);
	CHECKF(rc == NET_REFUSED, "rc %d: %s", rc, err);
	CHECK(c == NULL);
	CHECKF(has(err, "connect to 127.0.0.1:") && has(err, "Connection refused"), "%s", err);
	close(s.lfd);
	rc = net_connect("name.invalid", "25", NULL, in_ms(2000), &c, err, sizeof err);
	CHECKF(rc == NET_ERROR && has(err, "name.invalid"), "rc %d: %s", rc, err);
}

static void
test_connect_timeout(void)
{
	struct srv s;
	struct sockaddr_in sin;
	struct net_conn *c;
	char err[256];
	uint64_t t0;
	int filler, rc;

	/* A full accept queue makes Linux drop the SYN: connect hangs. */
	memset(&s, 0, sizeof s);
	CHECK(srv_listen(&s, 0, 0) == 0);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)atol(s.port));
	filler = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(connect(filler, (struct sockaddr *)&sin, sizeof sin) == 0);
	t0 = net_now_us();
	rc = net_connect("127.0.0.1", s.port, NULL, t0 + 300 * MS, &c, err, sizeof err);
	CHECKF(rc == NET_TIMEOUT, "rc %d: %s", rc, err);
	CHECKF(net_now_us() - t0 < 300 * MS + SLACK, "took %llu us",
	    (unsigned long long)(net_now_us() - t0));
	CHECKF(has(err, "timed out after 0.3 s waiting for connect to 127.0.0.1:"), "%s", err);
	net_close(&c);
	close(filler);
	close(s.lfd);
}

static void
test_silent(void)
{
	struct srv s;
	struct net_conn *c;
	char err[256], buf[64];
	uint64_t t0, took;
	size_t n;
	int rc;

	srv_start(&s, serve_silent, NULL);
	rc = net_connect("127.0.0.1", s.port, NULL, in_ms(2000), &c, err, sizeof err);
	CHECKF(rc == NET_OK && c != NULL && err[0] == '\0', "rc %d: %s", rc, err);
	CHECK(!net_is_tls(c) && strcmp(net_tls_desc(c), "") == 0);
	t0 = net_now_us();
	rc = net_recv(c, buf, sizeof buf, &n, t0 + 300 * MS);
	took = net_now_us() - t0;
	CHECKF(rc == NET_TIMEOUT && n == 0, "rc %d", rc);
	CHECKF(took >= 300 * MS && took < 300 * MS + SLACK, "took %llu us", (unsigned long long)took);
	CHECKF(strcmp(net_error(c), "timed out after 0.3 s waiting for data") == 0, "%s", net_error(c));
	net_close(&c);
	CHECK(c == NULL);
	net_close(&c);
	net_close(NULL);
	srv_stop(&s);

	/* The same silence during an implicit-TLS handshake. */
	srv_start(&s, serve_silent, NULL);
	t0 = net_now_us();
	rc = net_connect("127.0.0.1", s.port, &(struct net_tls_opts){ 0 }, t0 + 300 * MS,
	    &c, err, sizeof err);
	took = net_now_us() - t0;
	CHECKF(rc == NET_TIMEOUT && c == NULL, "rc %d: %s", rc, err);
	CHECKF(strcmp(err, "timed out after 0.3 s waiting for TLS handshake") == 0, "%s", err);
	CHECKF(took < 300 * MS + SLACK, "took %llu us", (unsigned long long)took);
	srv_stop(&s);
}

static void
test_send_timeout(void)
{
	size_t len = 16u << 20;
	char *big = calloc(1, len);
	struct srv s;
	struct net_conn *c;
	char err[256];
	uint64_t t0;
	int rc;

	memset(&s, 0, sizeof s);
	s.serve = serve_stall;
	CHECK(pipe(s.wake) == 0);
	CHECK(srv_listen(&s, 8, 4096) == 0);
	CHECK(pthread_create(&s.thread, NULL, srv_main, &s) == 0);
	rc = net_connect("127.0.0.1", s.port, NULL, in_ms(2000), &c, err, sizeof err);
	CHECKF(rc == NET_OK, "rc %d: %s", rc, err);
	t0 = net_now_us();
	rc = net_send(c, big, len, t0 + 300 * MS);
	CHECKF(rc == NET_TIMEOUT, "rc %d: %s", rc, net_error(c));
	CHECKF(net_now_us() - t0 < 300 * MS + SLACK, "took %llu us",
	    (unsigned long long)(net_now_us() - t0));
	net_close(&c);
	CHECK(write(s.wake[1], "x", 1) == 1);
	srv_stop(&s);
	close(s.wake[0]);
	close(s.wake[1]);
	free(big);
}

static void
test_send_close(void)
{
	struct srv s;
	struct net_conn *c;
	char err[256], buf[64];
	size_t n;
	int rc;

	srv_start(&s, serve_send_close, "hello\r\n");
	rc = net_connect("127.0.0.1", s.port, NULL, in_ms(2000), &c, err, sizeof err);
	CHECKF(rc == NET_OK, "rc %d: %s", rc, err);
	rc = recv_exact(c, buf, 7, in_ms(2000));
	CHECKF(rc == NET_OK && strcmp(buf, "hello\r\n") == 0, "rc %d: %s", rc, buf);
	rc = net_recv(c, buf, sizeof buf, &n, in_ms(2000));
	CHECKF(rc == NET_CLOSED && n == 0, "rc %d: %s", rc, net_error(c));
	CHECKF(has(net_error(c), "closed"), "%s", net_error(c));
	/* Writing into the closed connection: an error code, never SIGPIPE. */
	for (n = 0, rc = NET_OK; n < 100 && rc == NET_OK; n++) {
		rc = net_send(c, "NOOP\r\n", 6, in_ms(2000));
		usleep(1000);
	}
	CHECKF(rc == NET_CLOSED, "rc %d: %s", rc, net_error(c));
	net_shutdown(c);
	rc = net_recv(c, buf, sizeof buf, &n, in_ms(2000));
	CHECK(rc == NET_CLOSED);
	CHECK(net_send(c, "x", 1, in_ms(2000)) == NET_CLOSED);
	net_close(&c);
	srv_stop(&s);
}

static void
test_implicit_tls(void)
{
	struct net_tls_opts opts = { 0 };
	struct srv s;
	struct net_conn *c;
	char err[256], buf[64];
	size_t n;
	int rc;

	srv_start(&s, serve_tls_echo, NULL);
	rc = net_connect("127.0.0.1", s.port, &opts, in_ms(2000), &c, err, sizeof err);
	CHECKF(rc == NET_OK, "rc %d: %s", rc, err);
	CHECK(net_is_tls(c));
	CHECKF(strncmp(net_tls_desc(c), "TLSv1.3 TLS_", 12) == 0, "%s", net_tls_desc(c));
	CHECK(net_send(c, "ping\r\n", 6, in_ms(2000)) == NET_OK);
	rc = recv_exact(c, buf, 12, in_ms(2000));
	CHECKF(rc == NET_OK && strcmp(buf, "echo: ping\r\n") == 0, "rc %d: %s", rc, buf);
	rc = net_recv(c, buf, sizeof buf, &n, in_ms(2000));
	CHECKF(rc == NET_CLOSED && has(net_error(c), "close_notify"), "rc %d: %s", rc, net_error(c));
	CHECK(net_starttls(c, &opts, in_ms(2000)) == NET_TLS_ERROR);
	CHECKF(has(net_error(c), "already"), "%s", net_error(c));
	net_close(&c);
	srv_stop(&s);
}

static void
test_tls_pending(void)
{
	struct srv s;
	struct net_conn *c;
	char err[256], buf[64];
	size_t n;
	int rc;

	srv_start(&s, serve_tls_text, "abcdefghij");
	rc = net_connect("127.0.0.1", s.port, &(struct net_tls_opts){ 0 }, in_ms(2000),
	    &c, err, sizeof err);
	CHECKF(rc == NET_OK, "rc %d: %s", rc, err);
	rc = net_recv(c, buf, 4, &n, in_ms(2000));
	CHECK(rc == NET_OK && n == 4 && memcmp(buf, "abcd", 4) == 0);
	/* The rest is decrypted already: it comes back past the deadline. */
	rc = net_recv(c, buf, 4, &n, net_now_us());
	CHECKF(rc == NET_OK && n == 4 && memcmp(buf, "efgh", 4) == 0, "rc %d n %zu", rc, n);
	rc = net_recv(c, buf, 4, &n, 0);
	CHECKF(rc == NET_OK && n == 2 && memcmp(buf, "ij", 2) == 0, "rc %d n %zu", rc, n);
	rc = net_recv(c, buf, 4, &n, 0);
	CHECKF(rc == NET_TIMEOUT, "rc %d", rc);
	net_close(&c);
	srv_stop(&s);
}

static void
test_tls_eof_and_bulk(void)
{
	size_t len = 200000;
	char *big = calloc(1, len);
	struct srv s;
	struct net_conn *c;
	char err[256], buf[64];
	size_t n;
	int rc;

	srv_start(&s, serve_tls_text, "abrupt\r\n");
	rc = net_connect("127.0.0.1", s.port, &(struct net_tls_opts){ 0 }, in_ms(2000),
	    &c, err, sizeof err);
	CHECKF(rc == NET_OK, "rc %d: %s", rc, err);
	rc = recv_exact(c, buf, 8, in_ms(2000));
	CHECK(rc == NET_OK && strcmp(buf, "abrupt\r\n") == 0);
	rc = net_recv(c, buf, sizeof buf, &n, in_ms(2000));
	CHECKF(rc == NET_CLOSED && has(net_error(c), "without TLS close_notify"), "rc %d: %s",
	    rc, net_error(c));
	CHECK(net_recv(c, buf, sizeof buf, &n, in_ms(2000)) == NET_CLOSED);
	CHECK(net_send(c, "x", 1, in_ms(2000)) == NET_CLOSED);	/* no SIGPIPE */
	net_close(&c);
	srv_stop(&s);

	srv_start(&s, serve_tls_count, "200000");
	rc = net_connect("127.0.0.1", s.port, &(struct net_tls_opts){ 0 }, in_ms(2000),
	    &c, err, sizeof err);
	CHECKF(rc == NET_OK, "rc %d: %s", rc, err);
	CHECK(net_send(c, big, len, in_ms(5000)) == NET_OK);
	rc = recv_exact(c, buf, 12, in_ms(5000));
	CHECKF(rc == NET_OK && strcmp(buf, "got 200000\r\n") == 0, "rc %d: %s", rc, buf);
	net_close(&c);
	srv_stop(&s);
	free(big);
}

/* TLS writes into a closed connection: NET_CLOSED, never SIGPIPE. */
static void
test_tls_sigpipe(void)
{
	struct srv s;
	struct net_conn *c;
	char err[256];
	int i, rc;

	srv_start(&s, serve_tls_text, "abrupt\r\n");
	rc = net_connect("127.0.0.1", s.port, &(struct net_tls_opts){ 0 }, in_ms(2000),
	    &c, err, sizeof err);
	CHECKF(rc == NET_OK, "rc %d: %s", rc, err);
	srv_stop(&s);	/* the server has closed */
	for (i = 0, rc = NET_OK; i < 100 && rc == NET_OK; i++) {
		rc = net_send(c, "NOOP\r\n", 6, in_ms(2000));
		usleep(1000);
	}
	CHECKF(rc == NET_CLOSED, "rc %d: %s", rc, net_error(c));
	net_close(&c);
}

static void
test_starttls(void)
{
	struct srv s;
	struct net_conn *c;
	char err[256], buf[64];
	int rc;

	srv_start(&s, serve_starttls, "220 go ahead\r\n");
	rc = net_connect("127.0.0.1", s.port, NULL, in_ms(2000), &c, err, sizeof err);
	CHECKF(rc == NET_OK, "rc %d: %s", rc, err);
	CHECK(recv_exact(c, buf, 11, in_ms(2000)) == NET_OK && strcmp(buf, "220 ready\r\n") == 0);
	CHECK(net_send(c, "STARTTLS\r\n", 10, in_ms(2000)) == NET_OK);
	CHECK(recv_exact(c, buf, 14, in_ms(2000)) == NET_OK);
	rc = net_starttls(c, NULL, in_ms(2000));
	CHECKF(rc == NET_OK, "rc %d: %s", rc, net_error(c));
	CHECK(net_is_tls(c) && has(net_tls_desc(c), "TLSv1."));
	CHECK(net_send(c, "EHLO x\r\n", 8, in_ms(2000)) == NET_OK);
	rc = recv_exact(c, buf, 14, in_ms(2000));
	CHECKF(rc == NET_OK && strcmp(buf, "echo: EHLO x\r\n") == 0, "rc %d: %s", rc, buf);
	CHECK(net_starttls(c, NULL, in_ms(2000)) == NET_TLS_ERROR);
	CHECKF(strcmp(net_error(c), "STARTTLS: TLS is already active") == 0, "%s", net_error(c));
	net_close(&c);
	srv_stop(&s);
}

static void
test_injection(void)
{
	struct srv s;
	struct net_conn *c;
	char err[256], buf[64];
	int rc;

	/* Both lines in one write: "250 injected" sits unread in the socket. */
	srv_start(&s, serve_starttls, "220 go ahead\r\n250 injected\r\n");
	rc = net_connect("127.0.0.1", s.port, NULL, in_ms(2000), &c, err, sizeof err);
	CHECKF(rc == NET_OK, "rc %d: %s", rc, err);
	CHECK(recv_exact(c, buf, 11, in_ms(2000)) == NET_OK);
	CHECK(net_send(c, "STARTTLS\r\n", 10, in_ms(2000)) == NET_OK);
	CHECK(recv_exact(c, buf, 14, in_ms(2000)) == NET_OK && strcmp(buf, "220 go ahead\r\n") == 0);
	usleep(20 * MS);
	rc = net_starttls(c, NULL, in_ms(2000));
	CHECKF(rc == NET_TLS_ERROR, "rc %d", rc);
	CHECKF(strcmp(net_error(c), "server sent 14 plaintext bytes before the TLS handshake") == 0,
	    "%s", net_error(c));
	/* Nothing was consumed: the caller can still read them. */
	CHECK(!net_is_tls(c));
	rc = recv_exact(c, buf, 14, in_ms(2000));
	CHECKF(rc == NET_OK && strcmp(buf, "250 injected\r\n") == 0, "rc %d: %s", rc, buf);
	net_close(&c);
	srv_stop(&s);

	/* Implicit TLS to a plaintext server: say what it sent. */
	srv_start(&s, serve_banner_drain, "220 mx.example ESMTP\r\n");
	rc = net_connect("127.0.0.1", s.port, &(struct net_tls_opts){ 0 }, in_ms(2000),
	    &c, err, sizeof err);
	CHECKF(rc == NET_TLS_ERROR && c == NULL, "rc %d", rc);
	CHECKF(has(err, "plaintext") && has(err, "220 mx.example"), "%s", err);
	srv_stop(&s);
}

/* The runner's -j N: TLS connections made in parallel threads. */
static void *
parallel_one(void *arg)
{
	struct srv s;
	struct net_conn *c;
	char err[256], buf[64];
	int rc;

	srv_start(&s, serve_tls_echo, NULL);
	rc = net_connect("127.0.0.1", s.port, &(struct net_tls_opts){ 0 }, in_ms(5000),
	    &c, err, sizeof err);
	if (rc == NET_OK)
		rc = net_send(c, "ping\r\n", 6, in_ms(5000));
	if (rc == NET_OK)
		rc = recv_exact(c, buf, 12, in_ms(5000));
	if (rc == NET_OK && strcmp(buf, "echo: ping\r\n") != 0)
		rc = NET_ERROR;
	net_close(&c);
	srv_stop(&s);
	*(int *)arg = rc;
	return NULL;
}

static void
test_parallel(void)
{
	pthread_t t[8];
	int rc[8], i;

	for (i = 0; i < 8; i++)
		CHECK(pthread_create(&t[i], NULL, parallel_one, &rc[i]) == 0);
	for (i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		CHECKF(rc[i] == NET_OK, "thread %d: rc %d", i, rc[i]);
	}
}

static int
tls_try(const char *host, const struct net_tls_opts *opts, char *err, size_t errlen)
{
	struct srv s;
	struct net_conn *c;
	int rc;

	srv_start(&s, serve_tls_text, "");
	rc = net_connect(host, s.port, opts, in_ms(2000), &c, err, errlen);
	net_close(&c);
	srv_stop(&s);
	return rc;
}

static void
test_verify(void)
{
	struct net_tls_opts opts = { .verify = true };
	char err[256];
	int rc;

	rc = tls_try("127.0.0.1", &opts, err, sizeof err);
	CHECKF(rc == NET_TLS_ERROR, "rc %d: %s", rc, err);
	CHECKF(strcmp(err, "TLS handshake: certificate verify failed: self-signed certificate") == 0,
	    "%s", err);
	opts.ca_file = cert_path;
	rc = tls_try("127.0.0.1", &opts, err, sizeof err);
	CHECKF(rc == NET_OK, "IP SAN: rc %d: %s", rc, err);
	rc = tls_try("localhost", &opts, err, sizeof err);
	CHECKF(rc == NET_OK, "DNS SAN: rc %d: %s", rc, err);
	opts.sni = "mail.example.org";
	rc = tls_try("127.0.0.1", &opts, err, sizeof err);
	CHECKF(rc == NET_TLS_ERROR && has(err, "verify failed: hostname mismatch"), "rc %d: %s", rc, err);
	opts.sni = NULL;
	opts.ca_file = "/nonexistent/ca.pem";
	rc = tls_try("127.0.0.1", &opts, err, sizeof err);
	CHECKF(rc == NET_TLS_ERROR && has(err, "/nonexistent/ca.pem"), "rc %d: %s", rc, err);
}

int
main(void)
{
	if (cert_setup() != 0) {
		fprintf(stderr, "cannot make a test certificate\n");
		return 2;
	}
	test_refused();
	test_connect_timeout();
	test_silent();
	test_send_timeout();
	test_send_close();
	test_implicit_tls();
	test_tls_pending();
	test_tls_eof_and_bulk();
	test_tls_sigpipe();
	test_starttls();
	test_injection();
	test_verify();
	test_parallel();
	SSL_CTX_free(srv_ctx);
	unlink(cert_path);
	return unit_done("test_net");
}
