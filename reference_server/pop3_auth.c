/* pop3_auth.c: the AUTHORIZATION state of a POP3 session: USER, PASS,
 * AUTH, STLS, and the maildrop lock taken at login.
 *
 * RFC 1939 §4 (after authentication the server acquires an exclusive
 * lock on the maildrop; if it cannot, -ERR and the session stays in the
 * AUTHORIZATION state), §7 (USER; PASS only immediately after a
 * successful USER; a failed PASS needs a new USER), §8 (locking);
 * RFC 2449 §8.1.2 ([IN-USE] for a locked maildrop); RFC 3206 §4-5
 * ([AUTH] for credential problems, [SYS/TEMP] for server trouble),
 * advertised as AUTH-RESP-CODE;
 * RFC 5034 §4 (AUTH mechanism [initial-response]: "=" is an empty
 * response; an empty challenge is "+ " alone; "*" cancels with -ERR;
 * undecodable base64 is -ERR; an unknown mechanism is -ERR; AUTH after a
 * successful AUTH is -ERR; a failed AUTH leaves the state unchanged),
 * with SASL PLAIN (RFC 4616) and LOGIN through sasl.c;
 * RFC 2595 §4 (STLS: only in the AUTHORIZATION state, -ERR when TLS is
 * already active; the TLS negotiation starts right after the +OK, and
 * anything the client sent after the command is discarded, never
 * executed), §2.1/§6 and RFC 5034 §4: no plaintext password mechanism is
 * advertised or permitted before TLS unless --allow-plaintext-auth;
 * RFC 8314 §3.3 (pop3s: TLS is on from the start, STLS is -ERR).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pop3_private.h"

bool
pop3_can_login(const struct pop3_session *s)
{
	return io_is_tls(s->io) || s->srv->allow_plaintext_auth;
}

/* ---- the maildrop and its lock (RFC 1939 §8) ---- */

static bool
pop3_maildrop_is_locked(const struct server *srv, const char *user)
{
	const struct pop3_session *o;

	for (o = srv->pop3_locked; o != NULL; o = o->lock_next)
		if (strcmp(o->auth_user, user) == 0)
			return true;
	return false;
}

void
pop3_maildrop_release(struct pop3_session *s)
{
	struct pop3_session **pp;

	if (s->mb == NULL)
		return;
	for (pp = &s->srv->pop3_locked; *pp != NULL; pp = &(*pp)->lock_next)
		if (*pp == s) {
			*pp = s->lock_next;
			break;
		}
	s->lock_next = NULL;
	store_mailbox_close(&s->mb);
	free(s->is_deleted);
	s->is_deleted = NULL;
	s->nmsgs = 0;
}

/* The user is authenticated: lock the maildrop and take the snapshot the
 * session works on (messages arriving later show at the next login). */
static void
pop3_login(struct pop3_session *s, const char *user)
{
	struct store_mailbox *mb;
	uint64_t total = 0;
	size_t i, n;

	if (pop3_maildrop_is_locked(s->srv, user)) {
		pop3_reply(s, "-ERR [IN-USE] Maildrop is locked by another session");
		return;
	}
	mb = store_mailbox_open(s->srv->store, user, STORE_INBOX, false);
	n = mb != NULL ? store_mailbox_count(mb) : 0;
	if (mb == NULL || (s->is_deleted = calloc(n + 1, 1)) == NULL) {
		server_log("pop3: cannot open the maildrop of %s: %s", user,
		    mb == NULL ? store_error(s->srv->store) : "out of memory");
		store_mailbox_close(&mb);
		pop3_reply(s, "-ERR [SYS/TEMP] Unable to open the maildrop");
		return;
	}
	for (i = 0; i < n; i++)
		total += store_mailbox_msg(mb, i)->size;
	s->mb = mb;
	s->nmsgs = n;
	s->auth_user = user;
	s->lock_next = s->srv->pop3_locked;
	s->srv->pop3_locked = s;
	pop3_reply(s, "+OK Logged in, maildrop has %zu messages (%llu octets)", n,
	    (unsigned long long)total);
	pop3_enter_state(s, POP3_STATE_TRANSACTION);
}

/* Wrong credentials; a few of them and the session ends. */
static void
pop3_login_failed(struct pop3_session *s)
{
	if (++s->auth_failures >= POP3_AUTH_FAILURES_MAX) {
		pop3_reply(s, "-ERR [AUTH] Authentication failed (too many failures, "
		    "closing connection)");
		pop3_enter_state(s, POP3_STATE_QUIT);
		return;
	}
	pop3_reply(s, "-ERR [AUTH] Authentication failed");
}

/* ---- USER / PASS (RFC 1939 §7) ---- */

static bool
pop3_check_plaintext(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	if (!pop3_check_authorization(s, cmd))
		return false;
	if (pop3_can_login(s))
		return true;
	pop3_error(s, "[AUTH] Plaintext authentication disallowed on a non-secure "
	    "connection (use STLS)");
	return false;
}

static void
pop3_proceed_user(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	/* the answer is the same whether the user exists or not */
	snprintf(s->user, sizeof(s->user), "%s", cmd->args[0]);
	s->has_user = true;
	pop3_reply(s, "+OK Send PASS");
}

static bool
pop3_check_pass(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	if (!pop3_check_plaintext(s, cmd))
		return false;
	if (s->has_user)
		return true;
	pop3_error(s, "PASS must follow a successful USER");
	return false;
}

static void
pop3_proceed_pass(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	const char *pass = cmd->args[0];
	bool is_ok;

	s->has_user = false;
	is_ok = users_check_password(s->srv->users, s->user, pass, strlen(pass));
	explicit_bzero(s->cmdbuf, sizeof(s->cmdbuf));
	if (is_ok)
		pop3_login(s, users_find(s->srv->users, s->user));
	else
		pop3_login_failed(s);
}

/* ---- AUTH (RFC 5034) ---- */

static bool
pop3_check_auth(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	if (s->state == POP3_STATE_TRANSACTION) {
		pop3_error(s, "Already authenticated");
		return false;
	}
	return pop3_check_plaintext(s, cmd);
}

static void
pop3_auth_result(struct pop3_session *s, enum sasl_result r,
    const char *challenge, const char *user)
{
	pop3_enter_state(s, POP3_STATE_AUTHORIZATION);
	switch (r) {
	case SASL_CONTINUE:
		pop3_reply(s, "+ %s", challenge);
		pop3_enter_state(s, POP3_STATE_SASL);
		break;
	case SASL_OK:
		pop3_login(s, user);
		break;
	case SASL_FAILED:
		pop3_login_failed(s);
		break;
	case SASL_CANCELLED:
		pop3_reply(s, "-ERR Authentication cancelled");
		break;
	case SASL_BAD_BASE64:
		pop3_error(s, "Invalid base64 data");
		break;
	case SASL_BAD_MECH:
		pop3_error(s, "Unrecognized authentication mechanism");
		break;
	}
}

static void
pop3_proceed_auth(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	const char *challenge = "", *user = NULL;
	enum sasl_result r;

	r = sasl_begin(&s->sasl, s->srv->users, cmd->args[0],
	    cmd->nargs > 1 ? cmd->args[1] : NULL, &challenge, &user);
	explicit_bzero(s->cmdbuf, sizeof(s->cmdbuf));
	pop3_auth_result(s, r, challenge, user);
}

void
pop3_auth_response(struct pop3_session *s, const char *line, size_t len)
{
	const char *challenge = "", *user = NULL;
	enum sasl_result r;

	r = sasl_step(&s->sasl, s->srv->users, line, len, &challenge, &user);
	pop3_auth_result(s, r, challenge, user);
}

void
pop3_auth_abort(struct pop3_session *s, const char *why)
{
	pop3_enter_state(s, POP3_STATE_AUTHORIZATION);
	pop3_error(s, "%s", why);
}

/* ---- STLS (RFC 2595 §4) ---- */

static bool
pop3_check_stls(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	(void)cmd;
	if (io_is_tls(s->io) && s->state == POP3_STATE_AUTHORIZATION)
		pop3_error(s, "Command not permitted when TLS active");
	else if (s->state != POP3_STATE_AUTHORIZATION)
		pop3_error(s, "STLS is only permitted before login");
	else
		return true;
	return false;
}

static void
pop3_proceed_stls(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	(void)cmd;
	pop3_reply(s, "+OK Begin TLS negotiation");
	/* whatever followed the command is thrown away, never executed */
	linebuf_discard(s->lb);
	if (io_starttls(s->io, s->srv->tls) != 0) {
		server_log("pop3: STLS: TLS setup failed");
		io_abort(s->io, "TLS setup failed");
		pop3_enter_state(s, POP3_STATE_QUIT);
		return;
	}
	pop3_enter_state(s, POP3_STATE_TLS);
}

void
pop3_on_tls_ready(struct pop3_session *s)
{
	/* forget what the client said before TLS */
	s->has_user = false;
	s->user[0] = '\0';
	pop3_enter_state(s, POP3_STATE_AUTHORIZATION);
}

const struct pop3_handler pop3_auth_handlers[] = {
	{ POP3_VERB_USER, pop3_check_plaintext, pop3_proceed_user },
	{ POP3_VERB_PASS, pop3_check_pass, pop3_proceed_pass },
	{ POP3_VERB_AUTH, pop3_check_auth, pop3_proceed_auth },
	{ POP3_VERB_STLS, pop3_check_stls, pop3_proceed_stls },
};

const size_t pop3_auth_handlers_len =
    sizeof(pop3_auth_handlers) / sizeof(pop3_auth_handlers[0]);
