/* session_driver.c: the in-process client and server of the session
 * fuzzers (see session_driver.h). No RFC here: the protocol sessions
 * under test name theirs.
 */
#include "session_driver.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "conn.h"
#include "fuzz_util.h"
#include "session_pipe.h"
#include "tls.h"

#define DRV_SETTLE_ROUNDS	20000	/* loop iterations before "never quiet" */
#define DRV_SKEW_MS		(48ull * 3600 * 1000)	/* past every idle timer */

const char *const session_driver_users[SESSION_USERS] = { "alice", "bob" };
static const char *const drv_domains[] = { "localhost", "example.org" };

enum drv_mode {
	DRV_PLAIN,		/* plaintext both ways */
	DRV_HANDSHAKE,		/* client TLS handshake under way */
	DRV_TLS,		/* TLS both ways */
	DRV_DEAF,		/* TLS we do not follow: output dropped, input raw */
};

struct drv_client {
	const struct session_run *run;
	struct session_out *out;
	struct session_pipe *pipe;
	SSL *ssl;
	enum drv_mode mode;
	size_t scan;		/* the TLS line search resumes here */
	bool is_eof;		/* the server closed its side */
	bool is_gone;		/* sending failed: the peer is gone */
};

static struct {
	bool is_ready;
	char dir[256];
	char store_dir[300];
	struct server srv;
	SSL_CTX *client_ctx;
	SSL_SESSION *session;	/* drv_first_ticket()'s: what clients resume */
	struct session_pipe *pipes[SESSION_CONNS];	/* reused by every dialogue */
} drv;

/* A smaller ASan quarantine than the default 256 MiB: each dialogue frees
 * a 32 KiB io buffer and more, and cycling through 256 MiB of fresh pages
 * halves the speed. 16 MiB still holds every block a dialogue freed, so
 * a use after free within one input is still caught. ASAN_OPTIONS set in
 * the environment (OSS-Fuzz sets its own) takes precedence. */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "quarantine_size_mb=16";
}

/* The server's log goes nowhere: sessions log what they cannot do, and a
 * fuzzer makes them do a lot of it. */
void
server_log(const char *fmt, ...)
{
	(void)fmt;
}

/* ---- the temporary directory ---- */


void
session_driver_rm_tree(const char *path)
{
	fuzz_rm_tree(path);
}

static void
drv_cleanup(void)
{
	if (drv.dir[0] != '\0')
		session_driver_rm_tree(drv.dir);
}

/* Remove the directories of earlier runs whose process is gone (libFuzzer
 * ends with _Exit() after a crash or -max_total_time, so atexit() does
 * not always run). Names are mailspec-fuzz-<pid>-XXXXXX. */
static void
drv_sweep_stale(const char *base)
{
	char path[512];
	struct dirent *e;
	long pid;
	DIR *d;

	if ((d = opendir(base)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (sscanf(e->d_name, "mailspec-fuzz-%ld-", &pid) != 1 || pid <= 0 ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", base, e->d_name);
		session_driver_rm_tree(path);
	}
	closedir(d);
}

static void
drv_make_dir(void)
{
	const char *base = fuzz_scratch_base();
	FILE *f;
	char path[300];

	drv_sweep_stale(base);
	fuzz_scratch_make(drv.dir, sizeof(drv.dir), base);
	atexit(drv_cleanup);
	snprintf(drv.store_dir, sizeof(drv.store_dir), "%s/store", drv.dir);
	snprintf(path, sizeof(path), "%s/users", drv.dir);
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		abort();
	}
	fputs("# session fuzzers\nalice:secret\nbob:hunter2\n", f);
	fclose(f);
}

/* The ticket of drv_first_ticket(): the session every client resumes. */
static int
drv_on_ticket(SSL *ssl, SSL_SESSION *sess)
{
	(void)ssl;
	SSL_SESSION_free(drv.session);
	drv.session = sess;
	return 1;	/* the reference is ours now */
}

/* One handshake between the server's context and the client's, on a BIO
 * pair, for a ticket (RFC 8446 §4.6.1). The server's context sends none
 * (tls.c: the daemon gives every connection a full handshake), so this
 * one server SSL is told to send one; the context's ticket keys take it
 * back in every dialogue. The server then issues no new ticket in any
 * dialogue, and every handshake that may resume does, from the first
 * input on: an input replays the same way alone or in a campaign. */
static void
drv_first_ticket(void)
{
	SSL *cl = SSL_new(drv.client_ctx), *sv = SSL_new(drv.srv.tls);
	BIO *bc = NULL, *bs = NULL;
	char tmp[64];
	int i, rc = 0, rs = 0;

	if (cl == NULL || sv == NULL || BIO_new_bio_pair(&bc, 0, &bs, 0) != 1) {
		fprintf(stderr, "session driver: no TLS for the first ticket\n");
		abort();
	}
	SSL_SESSION_free(drv.session);
	drv.session = NULL;
	SSL_set_num_tickets(sv, 1);
	SSL_set_bio(cl, bc, bc);
	SSL_set_bio(sv, bs, bs);
	SSL_set_connect_state(cl);
	SSL_set_accept_state(sv);
	for (i = 0; i < 20 && (rc != 1 || rs != 1); i++) {
		rc = SSL_do_handshake(cl);
		rs = SSL_do_handshake(sv);
	}
	SSL_read(cl, tmp, sizeof(tmp));		/* takes the ticket */
	if (drv.session == NULL) {
		fprintf(stderr, "session driver: no TLS ticket\n");
		abort();
	}
	/* as if closed cleanly: OpenSSL marks the session of an SSL freed
	 * without close_notify not resumable (ssl_clear_bad_session()) */
	SSL_set_shutdown(cl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(cl);
	SSL_free(sv);
	ERR_clear_error();
}

const char *
session_driver_dir(void)
{
	session_driver_server();
	return drv.dir;
}

struct server *
session_driver_server(void)
{
	struct server *srv = &drv.srv;
	char err[512] = "out of memory", path[300];
	size_t i;

	if (drv.is_ready)
		return srv;
	signal(SIGPIPE, SIG_IGN);
	drv_make_dir();
	snprintf(path, sizeof(path), "%s/users", drv.dir);
	srv->loop = loop_new();
	srv->users = users_load(path, drv_domains, 2, err, sizeof(err));
	srv->store = srv->users != NULL ? store_open(drv.store_dir, err, sizeof(err)) : NULL;
	srv->tls = srv->store != NULL ?
	    tls_server_ctx_new(NULL, NULL, drv_domains, 2, err, sizeof(err)) : NULL;
	drv.client_ctx = SSL_CTX_new(TLS_client_method());
	for (i = 0; i < SESSION_CONNS; i++)
		drv.pipes[i] = session_pipe_new();
	if (srv->loop == NULL || srv->tls == NULL || drv.client_ctx == NULL ||
	    drv.pipes[0] == NULL || drv.pipes[1] == NULL) {
		fprintf(stderr, "session driver: %s\n", err);
		abort();
	}
	SSL_CTX_set_verify(drv.client_ctx, SSL_VERIFY_NONE, NULL);
	/* resumption (fuzz/README.md "Speed"): the client keeps the
	 * ticket itself, the server's session cache stays off */
	SSL_CTX_set_session_cache_mode(drv.client_ctx,
	    SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(drv.client_ctx, drv_on_ticket);
	drv_first_ticket();
	srv->hostname = users_primary_domain(srv->users);
	srv->limits.idle_timeout_ms = 600 * 1000;	/* never reached */
	srv->limits.max_message_size = 10 * 1024 * 1024;
	srv->limits.max_recipients = 100;
	srv->limits.max_conns = 1000;
	srv->limits.max_conns_per_ip = 50;
	srv->limits.max_errors = 20;
	drv.is_ready = true;
	return srv;
}

/* ---- output ---- */

static void
drv_out_add(struct session_out *out, const void *p, size_t n)
{
	if (out->len + n > SESSION_OUT_MAX) {
		out->is_truncated = true;
		n = SESSION_OUT_MAX - out->len;
	}
	if (out->len + n > out->cap) {
		size_t cap = out->cap == 0 ? 4096 : out->cap;
		uint8_t *d;

		while (cap < out->len + n)
			cap *= 2;
		d = realloc(out->data, cap);
		if (d == NULL)
			abort();
		out->data = d;
		out->cap = cap;
	}
	if (n > 0)
		memcpy(out->data + out->len, p, n);
	out->len += n;
}

void
session_out_release(struct session_out *out)
{
	free(out->data);
	memset(out, 0, sizeof(*out));
}

void
session_out_lines(const struct session_out *out,
    void (*fn)(void *arg, const uint8_t *line, size_t len), void *arg)
{
	const uint8_t *p = out->data, *end = out->data + out->len, *lf;
	size_t len;

	/* memchr, not a byte loop: the harness's own loops would be
	 * instrumented for coverage and cost more than the session */
	while (p < end && (lf = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		len = (size_t)(lf - p);
		if (len == 0 || p[len - 1] != '\r')
			fuzz_fail("server sent a bare LF");
		len--;
		if (memchr(p, '\r', len) != NULL)
			fuzz_fail("server sent a bare CR");
		if (memchr(p, '\0', len) != NULL)
			fuzz_fail("server sent a NUL byte");
		fn(arg, p, len);
		p = lf + 1;
	}
	if (p < end && !out->is_truncated)
		fuzz_fail("server left a reply line without CRLF");
}

/* ---- the client ---- */

static void
drv_go_deaf(struct drv_client *c)
{
	c->mode = DRV_DEAF;
	c->out->is_cut = true;
}

/* The client's TLS on its pipe, resuming the kept session unless the
 * input asks for a full handshake; false when that could not be made. */
static bool
drv_tls_start(struct drv_client *c)
{
	SSL_SESSION *sess;
	BIO *b;
	int ok;

	if ((c->ssl = SSL_new(drv.client_ctx)) == NULL ||
	    (b = session_pipe_bio(c->pipe)) == NULL)
		return false;
	SSL_set_bio(c->ssl, b, b);
	/* a ticket lives 2 hours (OpenSSL's default); a campaign runs longer */
	if (!c->run->is_tls_full && time(NULL) - SSL_SESSION_get_time(drv.session) >
	    (time_t)SSL_SESSION_get_ticket_lifetime_hint(drv.session) / 2)
		drv_first_ticket();
	/* a copy: OpenSSL marks the session of a connection that ends in a
	 * fatal alert (an EOF without close_notify is one) not resumable */
	if (!c->run->is_tls_full) {
		if ((sess = SSL_SESSION_dup(drv.session)) == NULL)
			return false;
		ok = SSL_set_session(c->ssl, sess);
		SSL_SESSION_free(sess);
		if (ok != 1)
			return false;
	}
	SSL_set_connect_state(c->ssl);
	c->mode = DRV_HANDSHAKE;
	return true;
}

/* The reply line after which the server starts TLS: the client follows
 * (or goes deaf); the bytes after that line are TLS records, not text. */
static void
drv_look_for_tls(struct drv_client *c)
{
	const uint8_t *d = c->out->data, *lf;
	size_t len = c->out->len, at = c->scan;

	if (c->run->is_tls_line == NULL)
		return;
	while (at < len && (lf = memchr(d + at, '\n', len - at)) != NULL) {
		size_t end = (size_t)(lf - d) + 1;

		if (!c->run->is_tls_line(d + at, end - at)) {
			at = end;
			continue;
		}
		c->out->len = end;
		c->scan = end;
		if (!c->run->is_tls_client || c->is_gone) {
			drv_go_deaf(c);
			return;
		}
		if (!drv_tls_start(c))
			drv_go_deaf(c);
		return;
	}
	c->scan = at;	/* the start of the line not complete yet */
}

/* Reads without TLS; true when bytes came. */
static bool
drv_read_plain(struct drv_client *c)
{
	static uint8_t tmp[16384];
	bool got = false;
	ssize_t n;

	while (!c->is_eof) {
		n = session_pipe_read(c->pipe, tmp, sizeof(tmp));
		if (n == 0) {
			c->is_eof = true;
			return true;
		}
		if (n < 0)
			break;
		got = true;
		if (c->mode == DRV_DEAF)
			continue;
		drv_out_add(c->out, tmp, (size_t)n);
		drv_look_for_tls(c);
		if (c->mode != DRV_PLAIN && c->mode != DRV_DEAF)
			break;	/* bytes from now on are TLS records */
		/* a short read drained the pipe, and the server writes only
		 * inside loop_run_once() (an EOF is seen by the next round's
		 * read) */
		if ((size_t)n < sizeof(tmp))
			break;
	}
	return got;
}

static void
drv_tls_failed(struct drv_client *c)
{
	ERR_clear_error();
	drv_go_deaf(c);
	c->is_gone = true;
}

static void
drv_read_tls(struct drv_client *c)
{
	static uint8_t tmp[16384];
	int n, e;

	if (c->mode == DRV_HANDSHAKE) {
		n = SSL_do_handshake(c->ssl);
		if (n == 1) {
			c->mode = DRV_TLS;
			c->out->did_tls = true;
		} else {
			e = SSL_get_error(c->ssl, n);
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
				drv_tls_failed(c);
			return;
		}
	}
	while (c->mode == DRV_TLS && !c->is_eof) {
		n = SSL_read(c->ssl, tmp, sizeof(tmp));
		if (n > 0) {
			drv_out_add(c->out, tmp, (size_t)n);
			continue;
		}
		e = SSL_get_error(c->ssl, n);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
			return;
		ERR_clear_error();
		c->is_eof = true;
	}
}

/* Bytes the client's TLS has moved through the pipe so far. */
static uint64_t
drv_tls_traffic(const struct drv_client *c)
{
	BIO *b = c->ssl != NULL ? SSL_get_rbio(c->ssl) : NULL;

	return b != NULL ? BIO_number_read(b) + BIO_number_written(b) : 0;
}

/* Take whatever the server has sent (and answer the TLS handshake);
 * true when anything moved. */
static bool
drv_client_read(struct drv_client *c)
{
	enum drv_mode mode = c->mode;
	uint64_t traffic;
	bool got = false;

	if (c->mode == DRV_HANDSHAKE || c->mode == DRV_TLS) {
		traffic = drv_tls_traffic(c);
		drv_read_tls(c);
		got = drv_tls_traffic(c) != traffic;
	} else
		got = drv_read_plain(c);
	if (c->mode == DRV_DEAF && !c->is_eof)
		got |= drv_read_plain(c);
	return got || c->mode != mode;
}

/* The clients of one dialogue. */
struct drv_run {
	const struct session_run *run;
	const struct proto_def *proto;
	struct drv_client c[SESSION_CONNS];
	bool is_open[SESSION_CONNS];
};

/* Run the loop and the clients until none has anything to do. */
static void
drv_settle(struct drv_run *d)
{
	struct loop *l = drv.srv.loop;
	unsigned round;
	bool got;
	size_t i;
	int n;

	for (round = 0; round < DRV_SETTLE_ROUNDS; round++) {
		n = loop_run_once(l, 0);
		if (n < 0)
			fuzz_fail("loop_run_once failed");
		got = false;
		/* The server writes only in loop_run_once() (and in what came
		 * before this settle: round 0): when it did nothing, a client
		 * has nothing new to read, unless it is in a TLS handshake,
		 * which it drives itself. One recv() per settle fewer. */
		for (i = 0; i < SESSION_CONNS; i++)
			if (d->is_open[i] && (n > 0 || round == 0 ||
			    d->c[i].mode == DRV_HANDSHAKE))
				got |= drv_client_read(&d->c[i]);
		if (n == 0 && !got)
			return;
	}
	fuzz_fail("the session never went quiet (a livelock)");
}

/* Send one packet, letting the server run when the pipe is full. */
static void
drv_client_send(struct drv_run *d, struct drv_client *c, const uint8_t *p, size_t len)
{
	unsigned stalls = 0;
	ssize_t n;
	int e;

	while (len > 0 && !c->is_gone) {
		if (c->mode == DRV_HANDSHAKE) {
			drv_settle(d);
			if (c->mode == DRV_HANDSHAKE)
				drv_tls_failed(c);	/* stuck: the server gave up */
			continue;
		}
		if (c->mode == DRV_TLS) {
			n = SSL_write(c->ssl, p, len > INT32_MAX ? INT32_MAX : (int)len);
			if (n <= 0) {
				e = SSL_get_error(c->ssl, (int)n);
				if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) {
					drv_tls_failed(c);
					break;
				}
				n = 0;
			}
		} else {
			n = session_pipe_write(c->pipe, p, len);
			if (n < 0) {
				c->is_gone = true;	/* EPIPE: the server closed */
				break;
			}
		}
		p += n;
		len -= (size_t)n;
		if (n == 0) {
			drv_settle(d);
			if (++stalls > 1000)
				fuzz_fail("the server stopped reading its input");
		}
	}
}

/* Connect client i: its pipe's server end through conn_accept() as if
 * a listener had accepted it from 127.0.0.1. */
static void
drv_open(struct drv_run *d, size_t i, struct session_out *out)
{
	struct drv_client *c = &d->c[i];
	struct sockaddr_storage peer;
	struct sockaddr_in *sin = (struct sockaddr_in *)&peer;
	int fd;

	if ((fd = session_pipe_open(drv.pipes[i])) == -1)
		fuzz_fail("no io transport descriptor left");
	memset(&peer, 0, sizeof(peer));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x7f000001);
	sin->sin_port = htons((uint16_t)(40000 + i));
	memset(c, 0, sizeof(*c));
	c->run = d->run;
	c->out = out;
	c->pipe = drv.pipes[i];
	d->is_open[i] = true;
	if (conn_accept(&drv.srv, d->proto, fd, &peer) == NULL)
		fuzz_fail("conn_accept refused the connection");
	if (d->proto->is_implicit_tls && (!d->run->is_tls_client || !drv_tls_start(c)))
		drv_go_deaf(c);
	drv_settle(d);		/* the greeting */
}

/* The end: EOF from every client, and every session must close. */
static void
drv_finish(struct drv_run *d)
{
	struct server *srv = &drv.srv;
	unsigned round;
	size_t i;

	if (d->run->is_timeout) {
		loop_skew_ms(srv->loop, DRV_SKEW_MS);
		drv_settle(d);
	}
	if (d->run->is_shutdown && srv->nconns > 0) {
		/* main.c's SIGTERM path: every session is told, then closed */
		srv->is_stopping = true;
		conn_close_all(srv, false);
		drv_settle(d);
	}
	for (i = 0; i < SESSION_CONNS; i++)
		if (d->is_open[i])
			session_pipe_shutdown(d->c[i].pipe);
	for (round = 0; srv->nconns > 0; round++) {
		if (round == 50)
			fuzz_fail("the session did not close after the client's EOF");
		drv_settle(d);
	}
	srv->is_stopping = false;
	for (i = 0; i < SESSION_CONNS; i++) {
		if (!d->is_open[i])
			continue;
		drv_client_read(&d->c[i]);
		if (getenv("MAILSPEC_FUZZ_TRACE") != NULL) {
			fprintf(stderr, "---- %s #%zu%s: server sent %zu bytes\n",
			    d->run->proto, i, d->c[i].out->did_tls ? " (TLS)" : "",
			    d->c[i].out->len);
			fwrite(d->c[i].out->data, 1, d->c[i].out->len, stderr);
		}
		SSL_free(d->c[i].ssl);
	}
	ERR_clear_error();
}

void
session_driver_run(const struct session_run *run, const uint8_t *stream,
    size_t len, struct session_out out[SESSION_CONNS])
{
	struct drv_run d;
	size_t pos = 0, end, k, i;

	session_driver_server();
	memset(&d, 0, sizeof(d));
	d.run = run;
	d.proto = proto_find(run->proto);
	if (d.proto == NULL)
		fuzz_fail("no such protocol in proto_table");
	for (i = 0; i < SESSION_CONNS; i++) {
		out[i].len = 0;
		out[i].is_truncated = out[i].did_tls = out[i].is_cut = false;
	}
	drv_open(&d, 0, &out[0]);
	for (k = 0; pos < len; k++) {
		const uint8_t *sep = run->delim >= 0 ?
		    memchr(stream + pos, run->delim, len - pos) : NULL;

		i = run->is_two_conns ? k % 2 : 0;
		end = sep != NULL ? (size_t)(sep - stream) : len;
		if (!d.is_open[i])
			drv_open(&d, i, &out[i]);
		drv_client_send(&d, &d.c[i], stream + pos, end - pos);
		drv_settle(&d);
		pos = sep != NULL ? end + 1 : len;
	}
	drv_finish(&d);
}
