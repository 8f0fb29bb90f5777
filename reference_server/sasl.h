/* sasl.h: server-side SASL PLAIN and LOGIN, protocol-neutral.
 *
 * SMTP AUTH (RFC 4954), POP3 AUTH (RFC 5034) and IMAP AUTHENTICATE
 * (RFC 9051 §6.2.2) all carry the same base64 exchange; each session
 * only maps the results to its own replies. Responses and challenges are
 * base64 text as on the wire; "*" cancels; "=" is an empty response.
 */
#ifndef MAILSPEC_SASL_H
#define MAILSPEC_SASL_H

#include <stddef.h>

#include "users.h"

#define SASL_LINE_MAX	12288	/* RFC 4954 §4: a sufficient response line */
#define SASL_MECHS	"PLAIN LOGIN"

enum sasl_result {
	SASL_CONTINUE,		/* send *challenge_r (base64, may be "") */
	SASL_OK,		/* authenticated as *user_r */
	SASL_FAILED,		/* wrong credentials (SMTP 535 5.7.8) */
	SASL_CANCELLED,		/* the client sent "*" (SMTP 501) */
	SASL_BAD_BASE64,	/* not strict base64 (SMTP 501 5.5.2) */
	SASL_BAD_MECH,		/* unknown mechanism (SMTP 504 5.5.4) */
};

struct sasl {
	int mech;
	int step;
	char login_user[USERS_NAME_MAX + 1];
};

/* Start mech (case-insensitive) with an optional initial response
 * (NULL: none; "=": empty). */
enum sasl_result sasl_begin(struct sasl *sa, const struct users *u,
    const char *mech, const char *initial, const char **challenge_r,
    const char **user_r);
/* The client's response line (CRLF removed). */
enum sasl_result sasl_step(struct sasl *sa, const struct users *u,
    const char *line, size_t len, const char **challenge_r,
    const char **user_r);

#endif
