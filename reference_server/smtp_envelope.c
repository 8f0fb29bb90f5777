/* smtp_envelope.c: MAIL and RCPT.
 *
 * RFC 5321 §4.1.1.2 (MAIL), §4.1.1.3 (RCPT; Postmaster, §4.5.1),
 * §4.5.3.1.8 (at least 100 recipients; more: 452 4.5.3, RFC 3463),
 * §3.3 (550 for unknown mailboxes, 550 5.7.1 for relaying: this server
 * relays for nobody), §4.1.1.11 (555 for unrecognised parameters);
 * RFC 1870 §6 (SIZE=: 501 when malformed, 552 5.3.4 over the limit);
 * RFC 6152 §3 and RFC 3030 §3 (BODY=7BIT|8BITMIME|BINARYMIME);
 * RFC 6531 §3.4-3.5 (SMTPUTF8; a non-ASCII address without it: MAIL 550
 * 5.6.7, RCPT 553 5.6.7); RFC 4954 §5 (AUTH= accepted, not trusted);
 * RFC 6409 §4.3 / RFC 4954 §6 (submission: 530 5.7.0 before AUTH).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp_private.h"

#define SMTP_TX_ARENA	(64 * 1024)

static bool
smtp_check_mail(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	if (s->state == SMTP_STATE_CONNECTED)
		smtp_reply(s, "503 5.5.1 Send HELO/EHLO first");
	else if (s->tx != NULL)
		smtp_reply(s, "503 5.5.1 Nested MAIL command");
	else if (s->is_submission && s->auth_user == NULL)
		smtp_reply(s, "530 5.7.0 Authentication required");
	else
		return true;
	return false;
}

static bool
smtp_is_digits(const char *v)
{
	if (v == NULL || *v == '\0' || strlen(v) > 20)
		return false;
	for (; *v != '\0'; v++)
		if (*v < '0' || *v > '9')
			return false;
	return true;
}

/* SIZE=n: true when acceptable, else the reply is sent. */
static bool
smtp_param_size(struct smtp_session *s, const char *v)
{
	unsigned long long n;

	errno = 0;
	if (!smtp_is_digits(v) || ((n = strtoull(v, NULL, 10)), errno != 0)) {
		smtp_reply(s, "501 5.5.4 Invalid SIZE value");
		return false;
	}
	if (n > s->srv->limits.max_message_size) {
		smtp_reply(s, "552 5.3.4 Message size exceeds fixed maximum "
		    "message size (%zu)", s->srv->limits.max_message_size);
		return false;
	}
	return true;
}

static bool
smtp_param_body(struct smtp_session *s, const char *v, enum smtp_body_type *t)
{
	if (v != NULL && strcasecmp(v, "7BIT") == 0)
		*t = SMTP_BODY_7BIT;
	else if (v != NULL && strcasecmp(v, "8BITMIME") == 0)
		*t = SMTP_BODY_8BITMIME;
	else if (v != NULL && strcasecmp(v, "BINARYMIME") == 0)
		*t = SMTP_BODY_BINARYMIME;
	else {
		smtp_reply(s, "501 5.5.4 Invalid BODY value");
		return false;
	}
	return true;
}

/* Check every MAIL parameter; fill body and is_utf8. */
static bool
smtp_mail_params(struct smtp_session *s, const struct smtp_cmd *cmd,
    enum smtp_body_type *body, bool *is_utf8)
{
	const struct smtp_param *p;
	size_t i, j;
	bool ok = true;

	if (cmd->nparams > 0 && !s->is_esmtp) {
		smtp_reply(s, "555 5.5.4 Parameters need EHLO");
		return false;
	}
	for (i = 0; ok && i < cmd->nparams; i++) {
		p = &cmd->params[i];
		for (j = 0; j < i; j++)
			if (strcasecmp(cmd->params[j].keyword, p->keyword) == 0) {
				smtp_reply(s, "501 5.5.4 Duplicate %s parameter", p->keyword);
				return false;
			}
		if (strcasecmp(p->keyword, "SIZE") == 0)
			ok = smtp_param_size(s, p->value);
		else if (strcasecmp(p->keyword, "BODY") == 0)
			ok = smtp_param_body(s, p->value, body);
		else if (strcasecmp(p->keyword, "SMTPUTF8") == 0) {
			*is_utf8 = true;
			if (p->value != NULL) {
				smtp_reply(s, "501 5.5.4 SMTPUTF8 takes no value");
				ok = false;
			}
		} else if (strcasecmp(p->keyword, "AUTH") == 0) {
			if (p->value == NULL) {
				smtp_reply(s, "501 5.5.4 AUTH= needs a value");
				ok = false;
			}
		} else {
			smtp_reply(s, "555 5.5.4 Unsupported parameter %.64s", p->keyword);
			ok = false;
		}
	}
	return ok;
}

static void
smtp_proceed_mail(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	enum smtp_body_type body = SMTP_BODY_7BIT;
	bool is_utf8 = false;
	struct smtp_tx *tx;

	if (!smtp_mail_params(s, cmd, &body, &is_utf8))
		return;
	if (cmd->path.has_8bit && !is_utf8) {
		smtp_reply(s, "550 5.6.7 Non-ASCII addresses require SMTPUTF8");
		return;
	}
	tx = calloc(1, sizeof(*tx));
	if (tx == NULL || (tx->arena = arena_new(SMTP_TX_ARENA)) == NULL ||
	    (tx->mail_from = arena_strdup(tx->arena,
	    cmd->path.is_null ? "" : cmd->path.mailbox)) == NULL) {
		if (tx != NULL)
			arena_free(&tx->arena);
		free(tx);
		smtp_reply(s, "451 4.3.0 Local error: out of memory");
		return;
	}
	tx->body = body;
	tx->is_utf8 = is_utf8;
	s->tx = tx;
	smtp_reply(s, "250 2.1.0 Sender <%.300s> OK", tx->mail_from);
}

static bool
smtp_check_rcpt(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	if (s->tx == NULL) {
		smtp_reply(s, "503 5.5.1 Need MAIL before RCPT");
		return false;
	}
	return true;
}

/* Add user to the transaction unless it is there already. */
static int
smtp_tx_add_user(struct smtp_tx *tx, const char *user)
{
	const char **v;
	size_t i;

	for (i = 0; i < tx->nusers; i++)
		if (strcmp(tx->users[i], user) == 0)
			return 0;
	v = arena_alloc(tx->arena, (tx->nusers + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	if (tx->nusers > 0)
		memcpy(v, tx->users, tx->nusers * sizeof(*v));
	v[tx->nusers++] = user;
	tx->users = v;
	return 0;
}

static void
smtp_proceed_rcpt(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	struct smtp_tx *tx = s->tx;
	const char *user;

	if (cmd->nparams > 0) {
		smtp_reply(s, "555 5.5.4 Unsupported parameter %.64s",
		    cmd->params[0].keyword);
		return;
	}
	if (cmd->path.has_8bit && !tx->is_utf8) {
		smtp_reply(s, "553 5.6.7 Non-ASCII addresses require SMTPUTF8");
		return;
	}
	if (tx->nrcpts >= s->srv->limits.max_recipients) {
		smtp_reply(s, "452 4.5.3 Too many recipients");
		return;
	}
	switch (users_resolve(s->srv->users, cmd->path.local, cmd->path.domain,
	    cmd->path.is_postmaster, &user)) {
	case USERS_NOT_LOCAL:
		smtp_reply(s, "550 5.7.1 Relaying denied");
		return;
	case USERS_NO_SUCH_USER:
		smtp_reply(s, "550 5.1.1 <%.300s>: Recipient address rejected: "
		    "User unknown", cmd->path.mailbox);
		return;
	case USERS_LOCAL:
		break;
	}
	if (smtp_tx_add_user(tx, user) != 0 || (tx->nrcpts == 0 &&
	    (tx->first_rcpt = arena_strdup(tx->arena, cmd->path.mailbox)) == NULL)) {
		smtp_reply(s, "452 4.5.3 Too many recipients");
		return;
	}
	tx->nrcpts++;
	smtp_reply(s, "250 2.1.5 Recipient <%.300s> OK", cmd->path.mailbox);
}

const struct smtp_handler smtp_envelope_handlers[] = {
	{ SMTP_VERB_MAIL, smtp_check_mail, smtp_proceed_mail },
	{ SMTP_VERB_RCPT, smtp_check_rcpt, smtp_proceed_rcpt },
};

const size_t smtp_envelope_handlers_len =
    sizeof(smtp_envelope_handlers) / sizeof(smtp_envelope_handlers[0]);
