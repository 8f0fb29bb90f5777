/* smtp_session.h: the SMTP (RFC 5321) and submission (RFC 6409)
 * sessions of the reference server; entries for the protocol table. */
#ifndef MAILSPEC_SMTP_SESSION_H
#define MAILSPEC_SMTP_SESSION_H

#include "conn.h"

/* Serve c as SMTP (port 25 rules: no AUTH needed to send to local users). */
int smtp_session_start(struct conn *c);
/* Serve c as message submission (RFC 6409 §4.3: AUTH before MAIL). */
int submission_session_start(struct conn *c);
/* Queue the 421 for a refused connection or a server shutdown. */
void smtp_session_refuse(struct io *io, const char *hostname,
    enum conn_refusal why);

#endif
