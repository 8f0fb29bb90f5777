/* listener.h: listening sockets, one per configured protocol, and the
 * ready file that tells tests where they ended up (DESIGN.md contract:
 * one JSON object keyed by listener name, written atomically). */
#ifndef MAILSPEC_LISTENER_H
#define MAILSPEC_LISTENER_H

#include <stddef.h>

#include "conn.h"
#include "server.h"

struct listener {
	struct server *srv;
	const struct proto_def *proto;
	int fd;
	struct loop_fd w;
	struct loop_timer pause;	/* out of fds: stop accepting a moment */
	char bound[80];			/* "127.0.0.1:40211", "[::1]:40212" */
};

/* Parse "ADDR:PORT" (IPv4, [IPv6] or localhost) into a socket address;
 * 0 or -1. */
int listener_parse_addr(const char *text, struct sockaddr_storage *ss,
    socklen_t *len_r);
/* Bind and listen on text for proto, adding srv->listeners[nlisteners]
 * (the array must have room); 0 or -1 with a message in err. */
int listener_open(struct server *srv, const struct proto_def *proto,
    const char *text, char *err, size_t errlen);
/* Stop accepting and close every listening socket. */
void listener_close_all(struct server *srv);
/* Write {"smtp": "127.0.0.1:40211", ...} to path via a rename. 0 or -1. */
int listener_write_ready_file(const struct server *srv, const char *path);

#endif
