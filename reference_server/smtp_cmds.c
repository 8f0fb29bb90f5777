/* smtp_cmds.c: the session-level SMTP commands.
 *
 * RFC 5321 §4.1.1.1 (HELO/EHLO; EHLO in a transaction resets it, §4.1.4),
 * §4.1.1.5 (RSET), §4.1.1.6 (VRFY: 252 when not verifying, §3.5.3),
 * §4.1.1.7 (EXPN: 502 when not supported, §3.5.2), §4.1.1.8 (HELP 214),
 * §4.1.1.9 (NOOP), §4.1.1.10 (QUIT: 221 then close);
 * RFC 1869/5321 §4.1.1.1 EHLO keywords: PIPELINING (RFC 2920), SIZE
 * (RFC 1870), 8BITMIME (RFC 6152), ENHANCEDSTATUSCODES (RFC 2034),
 * STARTTLS (RFC 3207), AUTH (RFC 4954), SMTPUTF8 (RFC 6531), CHUNKING and
 * BINARYMIME (RFC 3030);
 * RFC 3207 §4.2: after the handshake the session forgets all it learned
 * (the EHLO argument included) and STARTTLS is no longer offered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_private.h"

void
smtp_tx_reset(struct smtp_session *s)
{
	struct smtp_tx *tx = s->tx;

	if (tx == NULL)
		return;
	store_spool_free(&tx->spool);	/* never acknowledged: removed */
	arena_free(&tx->arena);
	free(tx);
	s->tx = NULL;
}

/* HELO/EHLO/STARTTLS need nothing; MAIL and friends need a greeting. */
static bool
smtp_check_none(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)s;
	(void)cmd;
	return true;
}

static void
smtp_remember_helo(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	snprintf(s->helo, sizeof(s->helo), "%s", cmd->arg);
	s->is_esmtp = cmd->verb == SMTP_VERB_EHLO;
	smtp_tx_reset(s);
	smtp_enter_state(s, SMTP_STATE_HELO);
}

static bool
smtp_can_auth(const struct smtp_session *s)
{
	return io_is_tls(s->io) || s->srv->allow_plaintext_auth;
}

static void
smtp_proceed_ehlo(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	const char *kw[12];
	char size[48], auth[48];
	size_t n = 0, i;

	smtp_remember_helo(s, cmd);
	snprintf(size, sizeof(size), "SIZE %zu", s->srv->limits.max_message_size);
	snprintf(auth, sizeof(auth), "AUTH %s", SASL_MECHS);
	kw[n++] = "PIPELINING";
	kw[n++] = size;
	kw[n++] = "8BITMIME";
	kw[n++] = "BINARYMIME";
	kw[n++] = "CHUNKING";
	kw[n++] = "SMTPUTF8";
	kw[n++] = "ENHANCEDSTATUSCODES";
	if (!io_is_tls(s->io))
		kw[n++] = "STARTTLS";
	if (smtp_can_auth(s) && s->auth_user == NULL)
		kw[n++] = auth;
	kw[n++] = "HELP";
	io_printf(s->io, "250-%s Hello %s [%s]\r\n", s->srv->hostname, s->helo,
	    s->conn->peer_ip);
	for (i = 0; i < n; i++)
		io_printf(s->io, "250%c%s\r\n", i + 1 < n ? '-' : ' ', kw[i]);
}

static void
smtp_proceed_helo(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	smtp_remember_helo(s, cmd);
	io_printf(s->io, "250 %s Hello %s [%s]\r\n", s->srv->hostname, s->helo,
	    s->conn->peer_ip);
}

static void
smtp_proceed_rset(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_tx_reset(s);
	smtp_reply(s, "250 2.0.0 Ok");
}

static void
smtp_proceed_noop(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_reply(s, "250 2.0.0 Ok");
}

static void
smtp_proceed_quit(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_reply(s, "221 2.0.0 %s Bye", s->srv->hostname);
	smtp_enter_state(s, SMTP_STATE_QUIT);
}

static void
smtp_proceed_vrfy(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;	/* never tell who exists: no address harvesting */
	smtp_reply(s, "252 2.5.0 Cannot VRFY user, but will accept message "
	    "and attempt delivery");
}

static void
smtp_proceed_expn(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_reply(s, "502 5.5.1 EXPN not supported");
}

static void
smtp_proceed_help(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_reply(s, "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT RSET "
	    "NOOP QUIT VRFY HELP STARTTLS AUTH");
}

static bool
smtp_check_starttls(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	if (io_is_tls(s->io))
		smtp_reply(s, "503 5.5.1 TLS already active");
	else if (s->state == SMTP_STATE_CONNECTED)
		smtp_reply(s, "503 5.5.1 Send EHLO first");
	else if (s->tx != NULL)
		smtp_reply(s, "503 5.5.1 STARTTLS not allowed during a mail transaction");
	else if (s->auth_user != NULL)
		smtp_reply(s, "503 5.5.1 STARTTLS not allowed after AUTH");
	else
		return true;
	return false;
}

static void
smtp_proceed_starttls(struct smtp_session *s, const struct smtp_cmd *cmd)
{
	(void)cmd;
	smtp_reply(s, "220 2.0.0 Ready to start TLS");
	/* RFC 3207 §4.2: whatever followed the command is thrown away */
	linebuf_discard(s->lb);
	if (io_starttls(s->io, s->srv->tls) != 0) {
		smtp_close_421(s, "4.7.0", "TLS not available");
		return;
	}
	smtp_enter_state(s, SMTP_STATE_TLS);
}

void
smtp_on_tls_ready(struct smtp_session *s)
{
	s->helo[0] = '\0';
	s->is_esmtp = false;
	s->auth_user = NULL;
	smtp_tx_reset(s);
	smtp_enter_state(s, SMTP_STATE_CONNECTED);
}

const struct smtp_handler smtp_session_handlers[] = {
	{ SMTP_VERB_EHLO, smtp_check_none, smtp_proceed_ehlo },
	{ SMTP_VERB_HELO, smtp_check_none, smtp_proceed_helo },
	{ SMTP_VERB_RSET, smtp_check_none, smtp_proceed_rset },
	{ SMTP_VERB_NOOP, smtp_check_none, smtp_proceed_noop },
	{ SMTP_VERB_QUIT, smtp_check_none, smtp_proceed_quit },
	{ SMTP_VERB_VRFY, smtp_check_none, smtp_proceed_vrfy },
	{ SMTP_VERB_EXPN, smtp_check_none, smtp_proceed_expn },
	{ SMTP_VERB_HELP, smtp_check_none, smtp_proceed_help },
	{ SMTP_VERB_STARTTLS, smtp_check_starttls, smtp_proceed_starttls },
};

const size_t smtp_session_handlers_len =
    sizeof(smtp_session_handlers) / sizeof(smtp_session_handlers[0]);
