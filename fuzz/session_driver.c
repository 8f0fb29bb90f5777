/* session_driver.c: the in-process client and server of the session
 * fuzzers (see session_driver.h). No RFC here: the protocol sessions
 * under test name theirs.
 */
#include "session_driver.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "conn.h"
#include "fuzz_util.h"
#include "tls.h"

#define DRV_SETTLE_ROUNDS	20000	/* loop iterations before "never quiet" */
#define DRV_USERS_MAX		2
#define DRV_FP_PATHS		(DRV_USERS_MAX * 4 + 4)

static const char *const drv_users[DRV_USERS_MAX] = { "alice", "bob" };
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
	int fd;
	SSL *ssl;
	enum drv_mode mode;
	size_t scan;		/* marker search resumes here */
	bool is_eof;		/* the server closed its side */
	bool is_gone;		/* sending failed: the peer is gone */
};

static struct {
	bool is_ready;
	char dir[256];
	char store_dir[300];
	struct server srv;
	SSL_CTX *client_ctx;
	/* the store as the last reset left it */
	struct stat fp[DRV_FP_PATHS];
	bool fp_exists[DRV_FP_PATHS];
	size_t nfp;
	const struct session_fixture *fixtures;
	size_t nfixtures;
	bool is_reset_done;
} drv;

/* The server's log goes nowhere: sessions log what they cannot do, and a
 * fuzzer makes them do a lot of it. */
void
server_log(const char *fmt, ...)
{
	(void)fmt;
}

/* ---- the temporary directory ---- */

static int
drv_rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void
drv_rm_tree(const char *path)
{
	nftw(path, drv_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
drv_cleanup(void)
{
	if (drv.dir[0] != '\0')
		drv_rm_tree(drv.dir);
}

static void
drv_make_dir(void)
{
	const char *base = getenv("MAILSPEC_FUZZ_TMPDIR");
	struct stat sb;
	FILE *f;
	char path[300];

	if (base == NULL)
		base = stat("/dev/shm", &sb) == 0 && access("/dev/shm", W_OK) == 0 ?
		    "/dev/shm" : getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	snprintf(drv.dir, sizeof(drv.dir), "%s/mailspec-fuzz-XXXXXX", base);
	if (mkdtemp(drv.dir) == NULL) {
		perror(drv.dir);
		abort();
	}
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

struct server *
session_driver_server(void)
{
	struct server *srv = &drv.srv;
	char err[512], path[300];

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
	if (srv->loop == NULL || srv->tls == NULL || drv.client_ctx == NULL) {
		fprintf(stderr, "session driver: %s\n", err);
		abort();
	}
	SSL_CTX_set_verify(drv.client_ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(drv.client_ctx, SSL_SESS_CACHE_OFF);
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

/* ---- the store between dialogues ---- */

static size_t
drv_fp_paths(char paths[][320], size_t max)
{
	size_t n = 0, i, u;

	for (u = 0; u < DRV_USERS_MAX && n + 3 <= max; u++) {
		snprintf(paths[n++], 320, "%s/%s", drv.store_dir, drv_users[u]);
		snprintf(paths[n++], 320, "%s/%s/INBOX", drv.store_dir, drv_users[u]);
		snprintf(paths[n++], 320, "%s/%s/INBOX/msg", drv.store_dir, drv_users[u]);
	}
	for (i = 0; i < drv.nfixtures && n + 2 <= max; i++) {
		if (strcmp(drv.fixtures[i].mailbox, STORE_INBOX) == 0)
			continue;
		snprintf(paths[n++], 320, "%s/%s/%s", drv.store_dir,
		    drv.fixtures[i].user, drv.fixtures[i].mailbox);
		snprintf(paths[n++], 320, "%s/%s/%s/msg", drv.store_dir,
		    drv.fixtures[i].user, drv.fixtures[i].mailbox);
	}
	return n;
}

static bool
drv_same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_nlink == b->st_nlink &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Record (is_record) or compare the fingerprint; true when unchanged. */
static bool
drv_fingerprint(bool is_record)
{
	char paths[DRV_FP_PATHS][320];
	size_t n = drv_fp_paths(paths, DRV_FP_PATHS), i;
	struct stat sb;
	bool exists, same = n == drv.nfp;

	for (i = 0; i < n; i++) {
		exists = stat(paths[i], &sb) == 0;
		if (is_record) {
			drv.fp[i] = sb;
			drv.fp_exists[i] = exists;
		} else if (exists != drv.fp_exists[i] ||
		    (exists && !drv_same_stat(&sb, &drv.fp[i])))
			same = false;
	}
	if (is_record)
		drv.nfp = n;
	return same;
}

static void
drv_put_fixture(struct store *st, const struct session_fixture *f)
{
	struct store_spool *sp = store_spool_new(st);
	uint32_t uid;

	if (strcmp(f->mailbox, STORE_INBOX) != 0)
		store_mailbox_create(st, f->user, f->mailbox);	/* may exist */
	if (sp == NULL || store_spool_write(sp, f->text, strlen(f->text)) != 0 ||
	    store_spool_append(sp, f->user, f->mailbox, f->flags, NULL,
	    1700000000, &uid) != 0) {
		fprintf(stderr, "session driver: fixture: %s\n", store_error(st));
		abort();
	}
	store_spool_free(&sp);
}

void
session_driver_reset_store(const struct session_fixture *fixtures, size_t n)
{
	struct server *srv = session_driver_server();
	struct store_mailbox *mb;
	char path[320];
	size_t i;

	if (drv.is_reset_done && drv.fixtures == fixtures && drv.nfixtures == n &&
	    drv_fingerprint(false))
		return;
	drv.fixtures = fixtures;
	drv.nfixtures = n;
	for (i = 0; i < DRV_USERS_MAX; i++) {
		snprintf(path, sizeof(path), "%s/%s", drv.store_dir, drv_users[i]);
		drv_rm_tree(path);
		mb = store_mailbox_open(srv->store, drv_users[i], STORE_INBOX, true);
		store_mailbox_close(&mb);
	}
	for (i = 0; i < n; i++)
		drv_put_fixture(srv->store, &fixtures[i]);
	drv_fingerprint(true);
	drv.is_reset_done = true;
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
	const uint8_t *p = out->data;
	size_t i, start = 0;

	for (i = 0; i < out->len; i++) {
		if (p[i] == '\0')
			fuzz_fail("server sent a NUL byte");
		if (p[i] == '\n')
			fuzz_fail("server sent a bare LF");
		if (p[i] != '\r')
			continue;
		if (i + 1 == out->len)
			break;
		if (p[i + 1] != '\n')
			fuzz_fail("server sent a bare CR");
		fn(arg, p + start, i - start);
		i++;
		start = i + 1;
	}
	if (start < out->len && !out->is_truncated)
		fuzz_fail("server left a reply line without CRLF");
}

/* ---- the client ---- */

/* A line starting with the marker, complete: TLS begins after it. */
static void
drv_look_for_marker(struct drv_client *c)
{
	const char *m = c->run->tls_marker;
	size_t mlen = m != NULL ? strlen(m) : 0, i;
	const uint8_t *d = c->out->data;
	size_t len = c->out->len;

	if (m == NULL)
		return;
	for (i = c->scan; i + mlen <= len; i++) {
		const uint8_t *crlf;

		if (i > 0 && d[i - 1] != '\n')
			continue;
		if (memcmp(d + i, m, mlen) != 0)
			continue;
		crlf = memchr(d + i, '\n', len - i);
		if (crlf == NULL)
			return;		/* the line is not complete yet */
		/* TLS records after the line are not protocol text */
		c->out->len = (size_t)(crlf - d) + 1;
		c->scan = c->out->len;
		if (!c->run->is_tls_client || c->is_gone) {
			c->mode = DRV_DEAF;
			return;
		}
		c->ssl = SSL_new(drv.client_ctx);
		if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
			c->mode = DRV_DEAF;
			return;
		}
		SSL_set_connect_state(c->ssl);
		c->mode = DRV_HANDSHAKE;
		return;
	}
	c->scan = i;	/* not examined yet: too short to hold the marker */
}

static void
drv_read_plain(struct drv_client *c)
{
	uint8_t tmp[16384];
	ssize_t n;

	while (!c->is_eof) {
		n = recv(c->fd, tmp, sizeof(tmp), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			c->is_eof = true;
			break;
		}
		if (n < 0)
			break;
		if (c->mode == DRV_DEAF)
			continue;
		drv_out_add(c->out, tmp, (size_t)n);
		drv_look_for_marker(c);
		if (c->mode != DRV_PLAIN && c->mode != DRV_DEAF)
			break;	/* bytes from now on are TLS records */
	}
}

static void
drv_tls_failed(struct drv_client *c)
{
	ERR_clear_error();
	c->mode = DRV_DEAF;
	c->is_gone = true;
}

static void
drv_read_tls(struct drv_client *c)
{
	uint8_t tmp[16384];
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

/* Take whatever the server has sent. */
static void
drv_client_read(struct drv_client *c)
{
	if (c->mode == DRV_HANDSHAKE || c->mode == DRV_TLS)
		drv_read_tls(c);
	else
		drv_read_plain(c);
	if (c->mode == DRV_DEAF && !c->is_eof)
		drv_read_plain(c);
}

static bool
drv_client_has_input(const struct drv_client *c)
{
	int n = 0;

	return !c->is_eof && ioctl(c->fd, FIONREAD, &n) == 0 && n > 0;
}

/* Run the loop and the client until neither has anything to do. */
static void
drv_settle(struct drv_client *c)
{
	struct loop *l = drv.srv.loop;
	unsigned round;
	int n;

	for (round = 0; round < DRV_SETTLE_ROUNDS; round++) {
		drv_client_read(c);
		n = loop_run_once(l, 0);
		if (n < 0)
			fuzz_fail("loop_run_once failed");
		if (n == 0 && !drv_client_has_input(c))
			return;
	}
	fuzz_fail("the session never went quiet (a livelock)");
}

/* Send one packet, letting the server run when the socket is full. */
static void
drv_client_send(struct drv_client *c, const uint8_t *p, size_t len)
{
	unsigned stalls = 0;
	ssize_t n;
	int e;

	while (len > 0 && !c->is_gone) {
		if (c->mode == DRV_HANDSHAKE) {
			drv_settle(c);
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
			n = send(c->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN && errno != EINTR) {
				c->is_gone = true;
				break;
			}
			if (n < 0)
				n = 0;
		}
		p += n;
		len -= (size_t)n;
		if (n == 0) {
			drv_settle(c);
			if (++stalls > 1000)
				fuzz_fail("the server stopped reading its input");
		}
	}
}

void
session_driver_run(const struct session_run *run, const uint8_t *stream,
    size_t len, struct session_out *out)
{
	struct server *srv = session_driver_server();
	const struct proto_def *proto = proto_find(run->proto);
	struct sockaddr_storage peer;
	struct sockaddr_in *sin = (struct sockaddr_in *)&peer;
	struct drv_client c;
	size_t pos = 0, end;
	unsigned round;
	int fds[2];

	if (proto == NULL)
		fuzz_fail("no such protocol in proto_table");
	out->len = 0;
	out->is_truncated = false;
	out->did_tls = false;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
		perror("socketpair");
		abort();
	}
	memset(&peer, 0, sizeof(peer));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x7f000001);
	sin->sin_port = htons(40000);
	memset(&c, 0, sizeof(c));
	c.run = run;
	c.out = out;
	c.fd = fds[1];
	if (conn_accept(srv, proto, fds[0], &peer) == NULL)
		fuzz_fail("conn_accept refused the connection");
	if (proto->is_implicit_tls) {
		if (run->is_tls_client && (c.ssl = SSL_new(drv.client_ctx)) != NULL &&
		    SSL_set_fd(c.ssl, c.fd) == 1) {
			SSL_set_connect_state(c.ssl);
			c.mode = DRV_HANDSHAKE;
		} else
			c.mode = DRV_DEAF;
	}
	drv_settle(&c);		/* the greeting */
	while (pos < len && !c.is_gone) {
		const uint8_t *d = run->delim >= 0 ?
		    memchr(stream + pos, run->delim, len - pos) : NULL;

		end = d != NULL ? (size_t)(d - stream) : len;
		drv_client_send(&c, stream + pos, end - pos);
		drv_settle(&c);
		pos = d != NULL ? end + 1 : len;
	}
	shutdown(c.fd, SHUT_WR);
	for (round = 0; srv->nconns > 0; round++) {
		if (round == 50)
			fuzz_fail("the session did not close after the client's EOF");
		drv_settle(&c);
	}
	drv_client_read(&c);
	if (getenv("MAILSPEC_FUZZ_TRACE") != NULL) {
		fprintf(stderr, "---- %s%s: server sent %zu bytes\n", run->proto,
		    out->did_tls ? " (TLS)" : "", out->len);
		fwrite(out->data, 1, out->len, stderr);
	}
	SSL_free(c.ssl);
	ERR_clear_error();
	close(c.fd);
}
