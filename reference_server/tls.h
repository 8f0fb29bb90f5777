/* tls.h: the server's TLS context (OpenSSL 3).
 *
 * With a certificate and key file, they are loaded; without, a fresh
 * self-signed certificate (EC P-256, SHA-256, subjectAltName for every
 * served domain plus 127.0.0.1 and ::1) is made in memory at start.
 */
#ifndef MAILSPEC_TLS_H
#define MAILSPEC_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/* A server SSL_CTX (TLS 1.2 minimum, no renegotiation, no compression);
 * cert_file and key_file both NULL: self-signed for domains[0..n).
 * NULL with a message in err on failure. */
SSL_CTX *tls_server_ctx_new(const char *cert_file, const char *key_file,
    const char *const *domains, size_t ndomains, char *err, size_t errlen);

#endif
