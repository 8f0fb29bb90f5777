/* listener.c: listening sockets and accepting.
 *
 * RFC 5321 §4.5.4 / RFC 6409 §3.1: any port the operator names (0 lets
 * the kernel pick one: the ready file says which). Accepting is bounded
 * per event so one busy listener cannot starve the connections.
 */
#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LISTENER_BACKLOG	511
#define LISTENER_ACCEPTS	64	/* per event */
#define LISTENER_PAUSE_MS	100

static int
listener_parse_port(const char *s, unsigned *port_r)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535)
		return -1;
	*port_r = (unsigned)v;
	return 0;
}

int
listener_parse_addr(const char *text, struct sockaddr_storage *ss,
    socklen_t *len_r)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	const char *colon, *close;
	char host[64];
	unsigned port;

	memset(ss, 0, sizeof(*ss));
	if (text[0] == '[') {
		close = strchr(text, ']');
		if (close == NULL || close[1] != ':' || (size_t)(close - text) > sizeof(host))
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(close - text - 1), text + 1);
		if (listener_parse_port(close + 2, &port) != 0 ||
		    inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -1;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len_r = sizeof(*s6);
		return 0;
	}
	colon = strrchr(text, ':');
	if (colon == NULL || (size_t)(colon - text) >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - text), text);
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (listener_parse_port(colon + 1, &port) != 0 ||
	    inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		return -1;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*len_r = sizeof(*s4);
	return 0;
}

static void
listener_format_bound(struct listener *ln)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN] = "?";

	if (getsockname(ln->fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof(ip));
		snprintf(ln->bound, sizeof(ln->bound), "[%s]:%u", ip,
		    (unsigned)ntohs(s6->sin6_port));
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof(ip));
		snprintf(ln->bound, sizeof(ln->bound), "%s:%u", ip,
		    (unsigned)ntohs(s4->sin_port));
	}
}

static void
listener_on_pause_end(void *arg)
{
	struct listener *ln = arg;

	loop_fd_set(ln->srv->loop, &ln->w, LOOP_READ);
}

static void
listener_on_accept(void *arg, unsigned events)
{
	struct listener *ln = arg;
	struct sockaddr_storage peer;
	socklen_t len;
	int i, fd;

	(void)events;
	for (i = 0; i < LISTENER_ACCEPTS && !ln->srv->is_stopping; i++) {
		len = sizeof(peer);
		fd = accept4(ln->fd, (struct sockaddr *)&peer, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				loop_fd_set(ln->srv->loop, &ln->w, 0);
				loop_timer_start(ln->srv->loop, &ln->pause,
				    LISTENER_PAUSE_MS);
			}
			return;
		}
		conn_accept(ln->srv, ln->proto, fd, &peer);
	}
}

static int
listener_socket(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd, one = 1;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) != 0 ||
	    listen(fd, LISTENER_BACKLOG) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
listener_open(struct server *srv, const struct proto_def *proto,
    const char *text, char *err, size_t errlen)
{
	struct listener *ln = &srv->listeners[srv->nlisteners];
	struct sockaddr_storage ss;
	socklen_t len;

	if (listener_parse_addr(text, &ss, &len) != 0) {
		snprintf(err, errlen, "--%s %s: expected ADDR:PORT (IPv4, [IPv6] "
		    "or localhost)", proto->name, text);
		return -1;
	}
	memset(ln, 0, sizeof(*ln));
	ln->fd = listener_socket(&ss, len);
	if (ln->fd == -1) {
		snprintf(err, errlen, "--%s %s: %s", proto->name, text, strerror(errno));
		return -1;
	}
	ln->srv = srv;
	ln->proto = proto;
	loop_timer_init(&ln->pause, listener_on_pause_end, ln);
	if (loop_fd_add(srv->loop, &ln->w, ln->fd, LOOP_READ,
	    listener_on_accept, ln) != 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		close(ln->fd);
		return -1;
	}
	listener_format_bound(ln);
	srv->nlisteners++;
	return 0;
}

void
listener_close_all(struct server *srv)
{
	size_t i;

	for (i = 0; i < srv->nlisteners; i++) {
		struct listener *ln = &srv->listeners[i];

		if (ln->fd == -1)
			continue;
		loop_fd_del(srv->loop, &ln->w);
		loop_timer_stop(srv->loop, &ln->pause);
		close(ln->fd);
		ln->fd = -1;
	}
}

int
listener_write_ready_file(const struct server *srv, const char *path)
{
	char tmp[4096];
	size_t i;
	FILE *f;
	int ok;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp))
		return -1;
	f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	fputc('{', f);
	for (i = 0; i < srv->nlisteners; i++)
		fprintf(f, "%s\"%s\": \"%s\"", i > 0 ? ", " : "",
		    srv->listeners[i].proto->name, srv->listeners[i].bound);
	fputs("}\n", f);
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}
