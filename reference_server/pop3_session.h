/* pop3_session.h: the POP3 session (RFC 1939) of the reference server,
 * on a plain listener (STLS, RFC 2595) or an implicit-TLS one (pop3s,
 * RFC 8314); entries for the protocol table. */
#ifndef MAILSPEC_POP3_SESSION_H
#define MAILSPEC_POP3_SESSION_H

#include "conn.h"

/* Serve c as POP3; TLS from the first byte when c's protocol is
 * implicit TLS (pop3s). 0, or -1 before the io exists. */
int pop3_session_start(struct conn *c);
/* Queue the -ERR [SYS/TEMP] for a refused connection or a shutdown. */
void pop3_session_refuse(struct io *io, const char *hostname,
    enum conn_refusal why);

#endif
