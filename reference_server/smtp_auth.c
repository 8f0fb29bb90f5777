/* smtp_auth.c: the AUTH command (RFC 4954) with SASL PLAIN (RFC 4616)
 * and LOGIN, through sasl.c.
 *
 * RFC 4954 §4: after a successful AUTH, another one is 503; AUTH inside
 * a mail transaction is 503; "*" cancels with 501; bad base64 is
 * 501 5.5.2; an unknown mechanism, or one that needs an encryption layer
 * not in place, is 504 5.5.4 (the §4 wording; §6 keeps 538 only for
 * history); a response line past the buffer is 500 5.5.6.
 * RFC 4954 §6: 235 2.7.0 on success, 535 5.7.8 on bad credentials.
 * RFC 3207 §4 / RFC 8314 §5.1: plaintext passwords are refused before
 * TLS unless --allow-plaintext-auth (tests) says otherwise.
 */
#include <stdio.h>
#include <string.h>

#include "smtp_private.h"

static bool
smtp_check_auth(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	if (s->state == SMTP_STATE_CONNECTED || !s->is_esmtp)
		smtp_reply(s, "503 5.5.1 Send EHLO first");
	else if (s->auth_user != NULL)
		smtp_reply(s, "503 5.5.1 Already authenticated");
	else if (s->tx != NULL)
		smtp_reply(s, "503 5.5.1 AUTH not allowed during a mail transaction");
	else if (!io_is_tls(s->io) && !s->srv->allow_plaintext_auth)
		smtp_reply(s, "504 5.5.4 Encryption required for requested "
		    "authentication mechanism (use STARTTLS)");
	else
		return true;
	return false;
}

static void
smtp_auth_result(struct smtp_session *s, enum sasl_result r,
    const char *challenge, const char *user)
{
	switch (r) {
	case SASL_CONTINUE:
		io_printf(s->io, "334 %s\r\n", challenge);
		smtp_enter_state(s, SMTP_STATE_AUTH);
		return;
	case SASL_OK:
		s->auth_user = user;
		smtp_reply(s, "235 2.7.0 Authentication successful");
		break;
	case SASL_FAILED:
		smtp_reply(s, "535 5.7.8 Authentication credentials invalid");
		break;
	case SASL_CANCELLED:
		smtp_reply(s, "501 5.0.0 Authentication cancelled");
		break;
	case SASL_BAD_BASE64:
		smtp_reply(s, "501 5.5.2 Invalid base64 data");
		break;
	case SASL_BAD_MECH:
		smtp_reply(s, "504 5.5.4 Unrecognized authentication mechanism");
		break;
	}
	smtp_enter_state(s, SMTP_STATE_HELO);
}

static void
smtp_proceed_auth(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	const char *challenge, *user;
	enum sasl_result r;

	r = sasl_begin(&s->sasl, s->srv->users, cmd->auth_mech, cmd->auth_initial,
	    &challenge, &user);
	smtp_auth_result(s, r, challenge, user);
}

void
smtp_auth_response(struct smtp_session *s, const char *line, size_t len)
{
	const char *challenge, *user;
	enum sasl_result r;

	r = sasl_step(&s->sasl, s->srv->users, line, len, &challenge, &user);
	smtp_auth_result(s, r, challenge, user);
}

void
smtp_auth_line_too_long(struct smtp_session *s)
{
	smtp_reply(s, "500 5.5.6 Authentication Exchange line is too long");
	smtp_enter_state(s, SMTP_STATE_HELO);
}

const struct smtp_handler smtp_auth_handlers[] = {
	{ SMTP_VERB_AUTH, smtp_check_auth, smtp_proceed_auth },
};

const size_t smtp_auth_handlers_len =
    sizeof(smtp_auth_handlers) / sizeof(smtp_auth_handlers[0]);
