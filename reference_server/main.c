/* main.c: the mailspec-server daemon: options, start-up, the loop, and a
 * clean stop on SIGTERM/SIGINT (DESIGN.md "mailspec-server" contract).
 *
 * RFC 5321 §3.8: on shutdown every open session gets a 421 and is closed;
 * store writes are synchronous, so there is never a half-written message
 * to finish: what was acknowledged is on disk, what was not is dropped.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "listener.h"
#include "server.h"
#include "tls.h"

#define MAIN_MAX_DOMAINS	64
#define MAIN_STOP_GRACE_MS	2000
#define MAIN_EXIT_USAGE		2

struct options {
	const char *listen[8];		/* by proto_table index */
	const char *store_dir;
	const char *domains[MAIN_MAX_DOMAINS];
	size_t ndomains;
	const char *users_file;
	const char *tls_cert;
	const char *tls_key;
	const char *ready_file;
	bool allow_plaintext_auth;
	bool literal_plus;
	struct server_limits limits;
};

void
server_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "mailspec-server: %s\n", line);
}

static void
main_usage(FILE *f)
{
	size_t i;

	fputs("usage: mailspec-server", f);
	for (i = 0; i < proto_table_len; i++)
		fprintf(f, " [--%s ADDR:PORT]", proto_table[i].name);
	fputs(" --store DIR\n"
	    "    [--domain NAME]... [--users FILE] [--tls-cert FILE --tls-key FILE]\n"
	    "    [--allow-plaintext-auth] [--literal-plus] [--ready-file FILE]\n"
	    "    [--idle-timeout SECONDS]\n"
	    "    [--max-message-size BYTES] [--max-recipients N] [--max-connections N]\n"
	    "    [--max-connections-per-ip N] [--max-errors N]\n"
	    "ADDR is IPv4, [IPv6] or localhost; port 0 picks a free port.\n", f);
}

static int
main_number(const char *opt, const char *s, unsigned long long max,
    unsigned long long *v_r)
{
	char *end;

	errno = 0;
	if (*s < '0' || *s > '9')
		goto bad;
	*v_r = strtoull(s, &end, 10);
	if (errno == 0 && *end == '\0' && *v_r >= 1 && *v_r <= max)
		return 0;
bad:
	fprintf(stderr, "mailspec-server: %s: expected a number from 1 to %llu\n",
	    opt, max);
	return -1;
}

static int
main_limit_opt(struct options *o, const char *name, const char *val)
{
	unsigned long long v;

	if (strcmp(name, "idle-timeout") == 0) {
		if (main_number(name, val, 86400, &v) != 0)
			return -1;
		o->limits.idle_timeout_ms = (unsigned)v * 1000;
	} else if (strcmp(name, "max-message-size") == 0) {
		if (main_number(name, val, 1ULL << 32, &v) != 0)
			return -1;
		o->limits.max_message_size = (size_t)v;
	} else if (strcmp(name, "max-recipients") == 0) {
		if (main_number(name, val, 100000, &v) != 0)
			return -1;
		o->limits.max_recipients = (size_t)v;
	} else if (strcmp(name, "max-connections") == 0) {
		if (main_number(name, val, 100000, &v) != 0)
			return -1;
		o->limits.max_conns = (unsigned)v;
	} else if (strcmp(name, "max-connections-per-ip") == 0) {
		if (main_number(name, val, 100000, &v) != 0)
			return -1;
		o->limits.max_conns_per_ip = (unsigned)v;
	} else if (strcmp(name, "max-errors") == 0) {
		if (main_number(name, val, 100000, &v) != 0)
			return -1;
		o->limits.max_errors = (unsigned)v;
	} else
		return 1;
	return 0;
}

/* One "--name value"; 0, 1 unknown, -1 bad value. */
static int
main_value_opt(struct options *o, const char *name, const char *val)
{
	const struct proto_def *p = proto_find(name);

	if (p != NULL) {
		if (o->listen[p - proto_table] != NULL) {
			fprintf(stderr, "mailspec-server: --%s given twice\n", name);
			return -1;
		}
		o->listen[p - proto_table] = val;
	} else if (strcmp(name, "store") == 0)
		o->store_dir = val;
	else if (strcmp(name, "domain") == 0) {
		if (o->ndomains == MAIN_MAX_DOMAINS || val[0] == '\0')
			return -1;
		o->domains[o->ndomains++] = val;
	} else if (strcmp(name, "users") == 0)
		o->users_file = val;
	else if (strcmp(name, "tls-cert") == 0)
		o->tls_cert = val;
	else if (strcmp(name, "tls-key") == 0)
		o->tls_key = val;
	else if (strcmp(name, "ready-file") == 0)
		o->ready_file = val;
	else
		return main_limit_opt(o, name, val);
	return 0;
}

static int
main_parse(struct options *o, int argc, char **argv)
{
	const char *name, *val, *eq;
	char buf[64];
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0)
			goto unknown;
		name = argv[i] + 2;
		if (strcmp(name, "allow-plaintext-auth") == 0) {
			o->allow_plaintext_auth = true;
			continue;
		}
		if (strcmp(name, "literal-plus") == 0) {
			o->literal_plus = true;
			continue;
		}
		if (strcmp(name, "help") == 0) {
			main_usage(stdout);
			exit(0);
		}
		eq = strchr(name, '=');
		if (eq != NULL) {
			snprintf(buf, sizeof(buf), "%.*s", (int)(eq - name), name);
			name = buf;
			val = eq + 1;
		} else if (i + 1 < argc)
			val = argv[++i];
		else
			goto unknown;
		rc = main_value_opt(o, name, val);
		if (rc < 0)
			return -1;
		if (rc > 0)
			goto unknown;
	}
	return 0;
unknown:
	fprintf(stderr, "mailspec-server: bad option or missing value: %s\n",
	    argv[i < argc ? i : argc - 1]);
	return -1;
}

static void
main_on_stop_grace(void *arg)
{
	struct server *srv = arg;

	conn_close_all(srv, true);
}

static void
main_on_signal(void *arg, int signo)
{
	struct server *srv = arg;

	if (srv->is_stopping) {		/* a second signal: stop now */
		conn_close_all(srv, true);
		return;
	}
	server_log("signal %d: stopping", signo);
	srv->is_stopping = true;
	listener_close_all(srv);
	if (srv->nconns == 0 && srv->nrefusing == 0) {
		loop_stop(srv->loop);
		return;
	}
	conn_close_all(srv, false);
	loop_timer_start(srv->loop, &srv->stop_timer, MAIN_STOP_GRACE_MS);
}

static int
main_setup(struct server *srv, const struct options *o, char *err, size_t errlen)
{
	static const int sigs[] = { SIGTERM, SIGINT };
	size_t i;

	srv->loop = loop_new();
	if (srv->loop == NULL ||
	    loop_signal_watch(srv->loop, sigs, 2, main_on_signal, srv) != 0) {
		snprintf(err, errlen, "event loop: %s", strerror(errno));
		return -1;
	}
	loop_timer_init(&srv->stop_timer, main_on_stop_grace, srv);
	srv->users = users_load(o->users_file, o->domains, o->ndomains, err, errlen);
	if (srv->users == NULL)
		return -1;
	srv->hostname = users_primary_domain(srv->users);
	srv->store = store_open(o->store_dir, err, errlen);
	if (srv->store == NULL)
		return -1;
	srv->tls = tls_server_ctx_new(o->tls_cert, o->tls_key, o->domains,
	    o->ndomains > 0 ? o->ndomains : 0, err, errlen);
	if (srv->tls == NULL)
		return -1;
	srv->listeners = calloc(proto_table_len, sizeof(*srv->listeners));
	if (srv->listeners == NULL)
		return -1;
	for (i = 0; i < proto_table_len; i++)
		if (o->listen[i] != NULL &&
		    listener_open(srv, &proto_table[i], o->listen[i], err, errlen) != 0)
			return -1;
	return 0;
}

static void
main_teardown(struct server *srv)
{
	listener_close_all(srv);
	free(srv->listeners);
	conn_table_free(srv);
	SSL_CTX_free(srv->tls);
	store_free(&srv->store);
	users_free(&srv->users);
	loop_free(&srv->loop);
}

static void
main_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	/* RFC 1939 §3: a POP3 autologout timer of at least 10 minutes; it
	 * also meets RFC 5321 §4.5.3.2.7's 5 minutes for SMTP. */
	o->limits.idle_timeout_ms = 600 * 1000;
	o->limits.max_message_size = 10 * 1024 * 1024;
	o->limits.max_recipients = 100;
	o->limits.max_conns = 1000;
	o->limits.max_conns_per_ip = 50;
	o->limits.max_errors = 20;
}

static int
main_check(const struct options *o)
{
	size_t i, n = 0;

	for (i = 0; i < proto_table_len; i++)
		n += o->listen[i] != NULL;
	if (o->store_dir == NULL || n == 0) {
		fputs("mailspec-server: --store and at least one listener are "
		    "required\n", stderr);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct options o;
	struct server srv;
	char err[1024];
	int rc = 0;

	main_defaults(&o);
	if (main_parse(&o, argc, argv) != 0 || main_check(&o) != 0) {
		main_usage(stderr);
		return MAIN_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&srv, 0, sizeof(srv));
	srv.allow_plaintext_auth = o.allow_plaintext_auth;
	srv.literal_plus = o.literal_plus;
	srv.limits = o.limits;
	err[0] = '\0';
	if (main_setup(&srv, &o, err, sizeof(err)) != 0) {
		fprintf(stderr, "mailspec-server: %s\n", err[0] ? err : "start-up failed");
		main_teardown(&srv);
		return 1;
	}
	if (o.ready_file != NULL &&
	    listener_write_ready_file(&srv, o.ready_file) != 0) {
		fprintf(stderr, "mailspec-server: %s: %s\n", o.ready_file, strerror(errno));
		main_teardown(&srv);
		return 1;
	}
	server_log("ready: %zu listener(s), store %s", srv.nlisteners, o.store_dir);
	if (loop_run(srv.loop) != 0) {
		server_log("event loop failed: %s", strerror(errno));
		rc = 1;
	}
	main_teardown(&srv);
	return rc;
}
