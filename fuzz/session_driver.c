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
#include <sys/inotify.h>
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
	/* the store as the last reset left it, watched */
	int ifd;
	const struct session_fixture *fixtures;
	size_t nfixtures;
} drv = { .ifd = -1 };

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

/* Watch every directory a dialogue may change (each user's, INBOX, its
 * msg/, the fixtures' mailboxes): any entry created, removed, renamed or
 * written there shows up as an event, so "unchanged" costs one read(). */
static void
drv_watch_add(const char *user, const char *mailbox, const char *sub)
{
	char path[320];

	snprintf(path, sizeof(path), "%s/%s%s%s%s", drv.store_dir, user,
	    mailbox[0] != '\0' ? "/" : "", mailbox, sub);
	inotify_add_watch(drv.ifd, path, IN_CREATE | IN_DELETE | IN_MOVED_FROM |
	    IN_MOVED_TO | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF);
}

/* true when something changed in the watched directories. */
static bool
drv_store_changed(void)
{
	char ev[4096] __attribute__((aligned(8)));

	return read(drv.ifd, ev, sizeof(ev)) != -1 || errno != EAGAIN;
}

static void
drv_watch_store(void)
{
	char ev[4096] __attribute__((aligned(8)));
	size_t i;

	/* one inotify fd for the process (closing one is slow): the old
	 * watches went with the directories the reset removed */
	if (drv.ifd == -1)
		drv.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (drv.ifd == -1) {
		perror("inotify_init1");
		abort();
	}
	while (read(drv.ifd, ev, sizeof(ev)) > 0)
		;	/* drain the events of the reset itself */
	for (i = 0; i < DRV_USERS_MAX; i++) {
		drv_watch_add(drv_users[i], "", "");
		drv_watch_add(drv_users[i], STORE_INBOX, "");
		drv_watch_add(drv_users[i], STORE_INBOX, "/msg");
	}
	for (i = 0; i < drv.nfixtures; i++) {
		drv_watch_add(drv.fixtures[i].user, drv.fixtures[i].mailbox, "");
		drv_watch_add(drv.fixtures[i].user, drv.fixtures[i].mailbox, "/msg");
	}
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

/* The store's user directories as the fixtures left them, recorded
 * once as a list of entries; a reset moves the used directories to the
 * trash (one rename) and makes the tree again from the list: directories
 * made, files hard-linked from a kept copy. Hard links are safe: the
 * store never writes into a file it has made (message files are
 * immutable, state and flags files are replaced by rename). */
#define DRV_GOLDEN_MAX	64
#define DRV_TRASH_MAX	256

static struct {
	char rel[DRV_GOLDEN_MAX][128];	/* "alice/INBOX/msg/1" */
	bool is_dir[DRV_GOLDEN_MAX];
	size_t n;
	unsigned trash_seq;
} golden;

static int
drv_golden_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	char to[640];
	const char *rel = path + strlen(drv.store_dir) + 1;

	(void)sb;
	(void)ftw;
	if (golden.n == DRV_GOLDEN_MAX || strlen(rel) >= sizeof(golden.rel[0]))
		return -1;
	snprintf(golden.rel[golden.n], sizeof(golden.rel[0]), "%s", rel);
	golden.is_dir[golden.n] = type == FTW_D;
	golden.n++;
	snprintf(to, sizeof(to), "%s/golden/%s", drv.dir, rel);
	if (type == FTW_D)
		return mkdir(to, 0700) == 0 || errno == EEXIST ? 0 : -1;
	return link(path, to);
}

/* Record the user directories now in the store as the golden tree. */
static void
drv_golden_record(void)
{
	char path[320];
	size_t i;

	snprintf(path, sizeof(path), "%s/golden", drv.dir);
	drv_rm_tree(path);
	mkdir(path, 0700);
	golden.n = 0;
	for (i = 0; i < DRV_USERS_MAX; i++) {
		snprintf(path, sizeof(path), "%s/%s", drv.store_dir, drv_users[i]);
		if (nftw(path, drv_golden_entry, 16, FTW_PHYS) != 0) {
			fprintf(stderr, "session driver: recording %s failed\n", path);
			abort();
		}
	}
}

static void
drv_golden_restore(void)
{
	char from[640], to[640];
	size_t i;

	if (golden.trash_seq % DRV_TRASH_MAX == 0) {
		snprintf(to, sizeof(to), "%s/trash", drv.dir);
		drv_rm_tree(to);
		mkdir(to, 0700);
	}
	for (i = 0; i < DRV_USERS_MAX; i++) {
		snprintf(from, sizeof(from), "%s/%s", drv.store_dir, drv_users[i]);
		snprintf(to, sizeof(to), "%s/trash/%u", drv.dir, golden.trash_seq++);
		if (rename(from, to) != 0 && errno != ENOENT)
			drv_rm_tree(from);
	}
	for (i = 0; i < golden.n; i++) {
		snprintf(from, sizeof(from), "%s/golden/%s", drv.dir, golden.rel[i]);
		snprintf(to, sizeof(to), "%s/%s", drv.store_dir, golden.rel[i]);
		if (golden.is_dir[i] ? mkdir(to, 0700) != 0 : link(from, to) != 0) {
			fprintf(stderr, "session driver: restoring %s failed\n", to);
			abort();
		}
	}
}

void
session_driver_reset_store(const struct session_fixture *fixtures, size_t n)
{
	struct server *srv = session_driver_server();
	struct store_mailbox *mb;
	char path[320];
	size_t i;

	if (drv.ifd != -1 && drv.fixtures == fixtures && drv.nfixtures == n) {
		if (drv_store_changed()) {
			drv_golden_restore();
			drv_watch_store();
		}
		return;
	}
	/* first use (or other fixtures): build it through the store */
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
	drv_golden_record();
	drv_watch_store();
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

/* A line starting with the marker, complete: TLS begins after it. */
static void
drv_look_for_marker(struct drv_client *c)
{
	const char *m = c->run->tls_marker;
	const uint8_t *d = c->out->data, *hit, *lf;
	size_t len = c->out->len, at = c->scan, mlen;

	if (m == NULL)
		return;
	mlen = strlen(m);
	while (at < len &&
	    (hit = memmem(d + at, len - at, m, mlen)) != NULL) {
		at = (size_t)(hit - d);
		if (at > 0 && d[at - 1] != '\n') {
			at++;
			continue;	/* not at a line start */
		}
		lf = memchr(hit, '\n', len - at);
		if (lf == NULL) {
			c->scan = at;	/* the line is not complete yet */
			return;
		}
		/* TLS records after the line are not protocol text */
		c->out->len = (size_t)(lf - d) + 1;
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
	/* no marker: one may still start in the last mlen - 1 bytes */
	c->scan = len >= mlen && len - mlen + 1 > at ? len - mlen + 1 : at;
}

/* Reads without TLS; true when bytes came. */
static bool
drv_read_plain(struct drv_client *c)
{
	static uint8_t tmp[16384];
	bool got = false;
	ssize_t n;

	while (!c->is_eof) {
		n = recv(c->fd, tmp, sizeof(tmp), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			c->is_eof = true;
			return true;
		}
		if (n < 0)
			break;
		got = true;
		if (c->mode == DRV_DEAF)
			continue;
		drv_out_add(c->out, tmp, (size_t)n);
		drv_look_for_marker(c);
		if (c->mode != DRV_PLAIN && c->mode != DRV_DEAF)
			break;	/* bytes from now on are TLS records */
	}
	return got;
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

/* Bytes the client's TLS has moved through the socket so far. */
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

/* Run the loop and the client until neither has anything to do. */
static void
drv_settle(struct drv_client *c)
{
	struct loop *l = drv.srv.loop;
	unsigned round;
	bool got;
	int n;

	for (round = 0; round < DRV_SETTLE_ROUNDS; round++) {
		n = loop_run_once(l, 0);
		if (n < 0)
			fuzz_fail("loop_run_once failed");
		got = drv_client_read(c);
		if (n == 0 && !got)
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
	/* the client end never blocks: SSL_read and SSL_write on it too */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0 ||
	    fcntl(fds[1], F_SETFL, O_NONBLOCK) != 0) {
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
