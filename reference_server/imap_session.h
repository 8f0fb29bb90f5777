/* imap_session.h: IMAP4rev2/IMAP4rev1 sessions of the reference server
 * (RFC 9051, RFC 3501), plaintext with STARTTLS ("imap") and implicit
 * TLS ("imaps", RFC 8314 §3.3). The entries of proto_table call these.
 */
#ifndef MAILSPEC_IMAP_SESSION_H
#define MAILSPEC_IMAP_SESSION_H

#include "conn.h"

/* Take the connection: greeting, then commands until LOGOUT or close. */
int imap_session_start(struct conn *c);
/* "* BYE" for a connection refused or a server shutting down. */
void imap_session_refuse(struct io *io, const char *hostname, enum conn_refusal why);

#endif
