/* conn.c: connection bookkeeping and connection limits.
 *
 * RFC 5321 §3.8 and §4.2.3: a server that cannot serve a connection
 * answers 421 and closes (the protocol's refuse() supplies the words);
 * §4.5.3.2 / DESIGN.md: every input, the number of connections too, has
 * a limit.
 */
#include "conn.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define CONN_IP_BUCKETS		256
#define CONN_MAX_REFUSING	64	/* refusals in flight; more: plain close */

struct conn_ip {
	struct conn_ip *next;
	unsigned count;
	char ip[INET6_ADDRSTRLEN];
};

struct conn_ip_table {
	struct conn_ip *b[CONN_IP_BUCKETS];
};

/* ---- per-IP counts ---- */

static unsigned
conn_ip_hash(const char *ip)
{
	unsigned h = 2166136261u;

	for (; *ip != '\0'; ip++)
		h = (h ^ (unsigned char)*ip) * 16777619u;
	return h % CONN_IP_BUCKETS;
}

static struct conn_ip **
conn_ip_slot(struct conn_ip_table *t, const char *ip)
{
	struct conn_ip **pp = &t->b[conn_ip_hash(ip)];

	while (*pp != NULL && strcmp((*pp)->ip, ip) != 0)
		pp = &(*pp)->next;
	return pp;
}

static unsigned
conn_ip_count(struct server *srv, const char *ip)
{
	struct conn_ip **pp;

	if (srv->per_ip == NULL)
		return 0;
	pp = conn_ip_slot(srv->per_ip, ip);
	return *pp != NULL ? (*pp)->count : 0;
}

static int
conn_ip_add(struct server *srv, const char *ip, int delta)
{
	struct conn_ip **pp, *e;

	if (srv->per_ip == NULL &&
	    (srv->per_ip = calloc(1, sizeof(*srv->per_ip))) == NULL)
		return -1;
	pp = conn_ip_slot(srv->per_ip, ip);
	if (*pp == NULL) {
		if (delta < 0 || (e = calloc(1, sizeof(*e))) == NULL)
			return -1;
		memcpy(e->ip, ip, strlen(ip) + 1);
		*pp = e;
	}
	e = *pp;
	e->count += (unsigned)delta;
	if (e->count == 0) {
		*pp = e->next;
		free(e);
	}
	return 0;
}

void
conn_table_free(struct server *srv)
{
	struct conn_ip *e, *next;
	size_t i;

	if (srv->per_ip == NULL)
		return;
	for (i = 0; i < CONN_IP_BUCKETS; i++)
		for (e = srv->per_ip->b[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(srv->per_ip);
	srv->per_ip = NULL;
}

/* ---- refusing ---- */

struct conn_refusal_ctx {
	struct server *srv;
	struct io *io;
};

static void
conn_on_refused_event(void *arg, enum io_event ev)
{
	struct conn_refusal_ctx *r = arg;
	struct server *srv = r->srv;

	if (ev != IO_EV_CLOSED)
		return;
	io_free(&r->io);
	srv->nrefusing--;
	free(r);
	if (srv->is_stopping && srv->nconns == 0 && srv->nrefusing == 0)
		loop_stop(srv->loop);
}

/* Say why (a 421) and close; the fd is always taken care of. */
static void
conn_refuse(struct server *srv, const struct proto_def *proto, int fd,
    enum conn_refusal why)
{
	struct conn_refusal_ctx *r;

	if (srv->nrefusing >= CONN_MAX_REFUSING || proto->is_implicit_tls ||
	    (r = calloc(1, sizeof(*r))) == NULL) {
		io_fd_close(fd);
		return;
	}
	r->srv = srv;
	r->io = io_new(srv->loop, fd, conn_on_refused_event, r);
	if (r->io == NULL) {
		io_fd_close(fd);
		free(r);
		return;
	}
	srv->nrefusing++;
	proto->refuse(r->io, srv->hostname, why);
	io_close(r->io);
}

/* ---- connections ---- */

static void
conn_peer_text(struct conn *c, const struct sockaddr_storage *peer)
{
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)peer;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)peer;

	c->peer_ip[0] = '\0';
	if (peer->ss_family == AF_INET6) {
		c->is_ipv6 = true;
		inet_ntop(AF_INET6, &s6->sin6_addr, c->peer_ip, sizeof(c->peer_ip));
		c->peer_port = ntohs(s6->sin6_port);
	} else if (peer->ss_family == AF_INET) {
		inet_ntop(AF_INET, &s4->sin_addr, c->peer_ip, sizeof(c->peer_ip));
		c->peer_port = ntohs(s4->sin_port);
	}
}

struct conn *
conn_accept(struct server *srv, const struct proto_def *proto, int fd,
    const struct sockaddr_storage *peer)
{
	struct conn *c;

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		io_fd_close(fd);
		return NULL;
	}
	conn_peer_text(c, peer);
	if (srv->nconns >= srv->limits.max_conns ||
	    conn_ip_count(srv, c->peer_ip) >= srv->limits.max_conns_per_ip ||
	    conn_ip_add(srv, c->peer_ip, 1) != 0) {
		conn_refuse(srv, proto, fd, srv->nconns >= srv->limits.max_conns ?
		    CONN_REFUSE_BUSY : CONN_REFUSE_PER_IP);
		free(c);
		return NULL;
	}
	c->srv = srv;
	c->proto = proto;
	c->fd = fd;
	c->id = ++srv->next_conn_id;
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	if (proto->start(c) != 0) {
		conn_free(&c);
		return NULL;
	}
	return c;
}

void
conn_set_io(struct conn *c, struct io *io)
{
	c->io = io;
	c->fd = -1;	/* io_free closes it now */
}

void
conn_free(struct conn **cp)
{
	struct conn *c = *cp;
	struct server *srv;

	if (c == NULL)
		return;
	srv = c->srv;
	io_free(&c->io);
	if (c->fd != -1)
		io_fd_close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	srv->nconns--;
	conn_ip_add(srv, c->peer_ip, -1);
	free(c);
	*cp = NULL;
	if (srv->is_stopping && srv->nconns == 0 && srv->nrefusing == 0)
		loop_stop(srv->loop);
}

void
conn_close_all(struct server *srv, bool is_abort)
{
	struct conn *c;

	for (c = srv->conns; c != NULL; c = c->next) {
		if (c->io == NULL)
			continue;
		if (is_abort) {
			io_abort(c->io, "server shutting down");
			continue;
		}
		c->proto->refuse(c->io, srv->hostname, CONN_REFUSE_SHUTDOWN);
		io_close(c->io);
	}
}
