/* net.h: client connections for the engine: TCP, implicit TLS and
 * STARTTLS (RFC 3207, RFC 2595, RFC 8314) through OpenSSL 3.
 *
 * Every call that waits takes a deadline; nothing blocks past it. A dead,
 * silent, slow or garbage-spewing server gives an error code, never a hang.
 * Errors come back as NET_* codes with a one-line reason in conn->err.
 */
#ifndef MAILSPEC_NET_H
#define MAILSPEC_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum net_status {
	NET_OK = 0,
	NET_TIMEOUT = -1,	/* the deadline passed */
	NET_CLOSED = -2,	/* the peer closed (EOF) */
	NET_ERROR = -3,		/* socket or resolver error */
	NET_TLS_ERROR = -4,	/* handshake or record failure */
	NET_REFUSED = -5,	/* connect() refused / unreachable */
};

struct net_tls_opts {
	const char *sni;	/* server name for SNI and verification (NULL: host if not an IP) */
	bool verify;		/* verify the certificate chain and name */
	const char *ca_file;	/* trust anchors for verify (NULL: system default) */
};

struct net_conn;

/* Monotonic clock in microseconds. */
uint64_t net_now_us(void);

/* Connect to host:port (name or IPv4/IPv6 literal) before deadline_us
 * (net_now_us() based). With tls != NULL, do an implicit-TLS handshake too.
 * Returns NET_OK and *conn_r, or a NET_* code with a reason in err[errlen]. */
int net_connect(const char *host, const char *port, const struct net_tls_opts *tls,
    uint64_t deadline_us, struct net_conn **conn_r, char *err, size_t errlen);
/* Close and free; clears *cp. NULL-safe. */
void net_close(struct net_conn **cp);
/* Send all len bytes (one write call when the kernel takes it; the TLS
 * layer writes one record per call up to 16 KiB). */
int net_send(struct net_conn *c, const void *data, size_t len, uint64_t deadline_us);
/* Receive up to max bytes into buf: waits until at least one byte, EOF or
 * the deadline. *n_r gets the count. Returns NET_OK, NET_CLOSED,
 * NET_TIMEOUT, NET_ERROR or NET_TLS_ERROR. */
int net_recv(struct net_conn *c, void *buf, size_t max, size_t *n_r, uint64_t deadline_us);
/* Upgrade an open plaintext connection to TLS (after the STARTTLS/STLS
 * exchange). Fails if the connection already uses TLS. */
int net_starttls(struct net_conn *c, const struct net_tls_opts *tls, uint64_t deadline_us);
/* Whether TLS is active, and a description ("TLSv1.3 TLS_AES_256_GCM_SHA384"). */
bool net_is_tls(const struct net_conn *c);
const char *net_tls_desc(const struct net_conn *c);
/* The reason for the last failure on c. */
const char *net_error(const struct net_conn *c);
/* Half-close is never used; this is a full client-side close of the socket
 * without freeing (later recv returns NET_CLOSED). */
void net_shutdown(struct net_conn *c);

#endif
