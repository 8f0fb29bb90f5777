/* imap_auth.c: the commands of any state and of the not-authenticated
 * state: CAPABILITY, NOOP, LOGOUT, ID, STARTTLS, AUTHENTICATE, LOGIN,
 * and ENABLE.
 *
 * RFC 9051 §6.1.1 (CAPABILITY: one untagged CAPABILITY with IMAP4rev2),
 * §6.1.2 (NOOP: a chance to announce updates), §6.1.3 (LOGOUT: BYE, the
 * tagged OK, then close), §6.2.1 (STARTTLS: TLS starts right after the
 * OK's CRLF; data that followed the command is thrown away, choice 2
 * against CERT-555316; BAD once TLS is on, implicit TLS included;
 * capabilities change afterwards), §6.2.2 (AUTHENTICATE: "+ " and base64
 * challenges, "*" cancels with BAD, invalid base64 is BAD, an unknown
 * mechanism is NO; the initial response of SASL-IR, RFC 4959, "=" for an
 * empty one), §6.2.3 (LOGIN; LOGINDISABLED before TLS, §7.2.2, and a NO
 * without checking the password), §6.3.1 (ENABLE: only IMAP4rev2 can be
 * enabled; "* ENABLED" lists what this command enabled), §7.1
 * (PRIVACYREQUIRED, AUTHENTICATIONFAILED, CAPABILITY in the OK of a
 * login); RFC 4616 (PLAIN) through sasl.c; RFC 2971 (ID: any state,
 * fields at most 30 octets, values 1024, 30 pairs; the server answers
 * with its own list); RFC 5161 (ENABLE in the authenticated state);
 * RFC 7888 §5 (LITERAL-), RFC 8314 §3.3 (imaps: no STARTTLS), RFC 8438
 * (STATUS=SIZE), RFC 4731 (ESEARCH), RFC 3516 (BINARY) and RFC 5182 §2.1
 * (SEARCHRES, which needs ESEARCH): parts of IMAP4rev2 advertised by name
 * for IMAP4rev1 clients (RFC 9051 Appendix A, Appendix E item 2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_private.h"

#define IMAP_ID_PAIRS_MAX	30	/* RFC 2971 §3.3 */
#define IMAP_ID_FIELD_MAX	30
#define IMAP_ID_VALUE_MAX	1024

/* Capabilities that do not depend on the state, after LITERAL- or, with
 * --literal-plus, LITERAL+ (RFC 7888 §5: never both; "a server
 * implementation can choose to have a configuration option"). */
static const char imap_caps_common[] = "ENABLE IDLE NAMESPACE UNSELECT "
    "UIDPLUS MOVE SPECIAL-USE LIST-EXTENDED LIST-STATUS CHILDREN ID STATUS=SIZE "
    "ESEARCH SEARCHRES BINARY";

bool
imap_can_login(const struct imap_session *s)
{
	return io_is_tls(s->io) || s->srv->allow_plaintext_auth;
}

void
imap_capability_string(const struct imap_session *s, char *out, size_t outlen)
{
	char mechs[] = SASL_MECHS, *m, *save = NULL;
	size_t n;

	n = (size_t)snprintf(out, outlen, "IMAP4rev2 IMAP4rev1");
	if (s->state == IMAP_STATE_NOT_AUTH) {
		if (!io_is_tls(s->io))
			n += (size_t)snprintf(out + n, outlen - n, " STARTTLS");
		if (imap_can_login(s)) {
			for (m = strtok_r(mechs, " ", &save); m != NULL && n < outlen;
			    m = strtok_r(NULL, " ", &save))
				n += (size_t)snprintf(out + n, outlen - n, " AUTH=%s", m);
			if (n < outlen)
				n += (size_t)snprintf(out + n, outlen - n, " SASL-IR");
		} else
			n += (size_t)snprintf(out + n, outlen - n, " LOGINDISABLED");
	}
	if (n < outlen)
		snprintf(out + n, outlen - n, " %s %s", s->srv->literal_plus ? "LITERAL+" :
		    "LITERAL-", imap_caps_common);
}

/* ---- any state ---- */

static void
imap_proceed_capability(struct imap_session *s, const struct imap_cmd *cmd)
{
	char caps[IMAP_CAPS_MAX];

	(void)cmd;
	imap_capability_string(s, caps, sizeof(caps));
	imap_untagged(s, "CAPABILITY %s", caps);
	imap_ok(s, NULL, "CAPABILITY completed");
}

static void
imap_proceed_noop(struct imap_session *s, const struct imap_cmd *cmd)
{
	(void)cmd;
	s->view.is_changed = true;	/* look at the store again (§6.1.2) */
	imap_ok(s, NULL, "NOOP completed");
}

static void
imap_proceed_logout(struct imap_session *s, const struct imap_cmd *cmd)
{
	(void)cmd;
	/* BYE, then the OK, and nothing between (RFC 9051 §6.1.3): changes
	 * other sessions made are not announced to a session that ends */
	s->view.is_changed = false;
	imap_untagged(s, "BYE %s IMAP4rev2 server logging out", s->srv->hostname);
	imap_ok(s, NULL, "LOGOUT completed");
	imap_enter_state(s, IMAP_STATE_LOGOUT);
}

/* id_params_list ::= "(" #(string SPACE nstring) ")" / nil */
static bool
imap_check_id(struct imap_session *s, const struct imap_cmd *cmd)
{
	const struct imap_node *list = imap_cmd_arg(cmd, 0), *f, *v;
	size_t i, n;

	if (!imap_check_nargs(s, cmd, 1, 1))
		return false;
	if (list->kind == IMAP_NODE_NIL)
		return true;
	n = imap_node_list_count(list);
	if (list->kind != IMAP_NODE_LIST || n % 2 != 0 || n / 2 > IMAP_ID_PAIRS_MAX) {
		imap_bad(s, NULL, "ID: expected NIL or up to 30 field/value pairs");
		return false;
	}
	for (i = 0; i < n; i += 2) {
		f = imap_node_list_get(list, i);
		v = imap_node_list_get(list, i + 1);
		if (f->kind != IMAP_NODE_STRING || f->len > IMAP_ID_FIELD_MAX ||
		    (v->kind != IMAP_NODE_NIL && (v->kind != IMAP_NODE_STRING ||
		    v->len > IMAP_ID_VALUE_MAX))) {
			imap_bad(s, NULL, "ID: fields are strings of at most 30 octets, "
			    "values strings of at most 1024 octets or NIL");
			return false;
		}
	}
	return true;
}

static void
imap_proceed_id(struct imap_session *s, const struct imap_cmd *cmd)
{
	(void)cmd;
	imap_untagged(s, "ID (\"name\" \"mailspec-server\" \"version\" \"%s\" "
	    "\"vendor\" \"mailspec\")", MAILSPEC_VERSION);
	imap_ok(s, NULL, "ID completed");
}

/* ---- STARTTLS (§6.2.1) ---- */

static bool
imap_check_starttls(struct imap_session *s, const struct imap_cmd *cmd)
{
	if (!imap_check_no_args(s, cmd))
		return false;
	if (!io_is_tls(s->io))
		return true;
	imap_bad(s, NULL, "TLS is already active");
	return false;
}

static void
imap_proceed_starttls(struct imap_session *s, const struct imap_cmd *cmd)
{
	(void)cmd;
	imap_ok(s, NULL, "Begin TLS negotiation now");
	/* anything sent after the command is thrown away, never executed;
	 * io_starttls() drops what is still in the io buffer */
	imap_cmd_parser_reset(s->parser);
	if (io_starttls(s->io, s->srv->tls) != 0) {
		server_log("imap: STARTTLS: TLS setup failed");
		io_abort(s->io, "TLS setup failed");
		imap_enter_state(s, IMAP_STATE_LOGOUT);
		return;
	}
	imap_set_mode(s, IMAP_MODE_TLS);
}

void
imap_on_tls_ready(struct imap_session *s)
{
	imap_set_mode(s, IMAP_MODE_COMMAND);
}

/* ---- logging in ---- */

static void
imap_login_ok(struct imap_session *s, const char *user)
{
	char caps[IMAP_CAPS_MAX + 16];

	s->user = user;
	imap_enter_state(s, IMAP_STATE_AUTH);
	imap_mailbox_provision(s);
	snprintf(caps, sizeof(caps), "CAPABILITY ");
	imap_capability_string(s, caps + strlen(caps), sizeof(caps) - strlen(caps));
	imap_ok(s, caps, "Logged in");
}

static void
imap_login_failed(struct imap_session *s)
{
	imap_no(s, "AUTHENTICATIONFAILED", "Authentication failed");
	if (++s->auth_failures >= IMAP_AUTH_FAILURES_MAX)
		imap_bye(s, "Too many authentication failures, closing connection");
}

static bool
imap_check_plaintext(struct imap_session *s, const char *what)
{
	if (imap_can_login(s))
		return true;
	imap_no(s, "PRIVACYREQUIRED", "%s is disabled before TLS (use STARTTLS)", what);
	return false;
}

static bool
imap_check_login(struct imap_session *s, const struct imap_cmd *cmd)
{
	if (!imap_check_nargs(s, cmd, 2, 2))
		return false;
	if (imap_arg_astring(imap_cmd_arg(cmd, 0), NULL) == NULL ||
	    imap_arg_astring(imap_cmd_arg(cmd, 1), NULL) == NULL) {
		imap_bad(s, NULL, "LOGIN: user name and password are astrings");
		return false;
	}
	return imap_check_plaintext(s, "LOGIN");
}

static void
imap_proceed_login(struct imap_session *s, const struct imap_cmd *cmd)
{
	size_t ulen, plen;
	const char *user = imap_arg_astring(imap_cmd_arg(cmd, 0), &ulen);
	const char *pass = imap_arg_astring(imap_cmd_arg(cmd, 1), &plen);

	if (strlen(user) == ulen && users_check_password(s->srv->users, user, pass, plen))
		imap_login_ok(s, users_find(s->srv->users, user));
	else
		imap_login_failed(s);
}

/* ---- AUTHENTICATE (§6.2.2, SASL-IR) ---- */

static bool
imap_check_authenticate(struct imap_session *s, const struct imap_cmd *cmd)
{
	const struct imap_node *mech = imap_cmd_arg(cmd, 0), *ir = imap_cmd_arg(cmd, 1);

	if (!imap_check_nargs(s, cmd, 1, 2))
		return false;
	if (mech->kind != IMAP_NODE_ATOM || (ir != NULL && ir->kind != IMAP_NODE_ATOM)) {
		imap_bad(s, NULL, "AUTHENTICATE: mechanism and initial response are atoms");
		return false;
	}
	return imap_check_plaintext(s, "AUTHENTICATE");
}

static void
imap_auth_result(struct imap_session *s, enum sasl_result r,
    const char *challenge, const char *user)
{
	imap_set_mode(s, IMAP_MODE_COMMAND);
	switch (r) {
	case SASL_CONTINUE:
		imap_continue(s, challenge);	/* "+ " alone for an empty one */
		imap_set_mode(s, IMAP_MODE_SASL);
		break;
	case SASL_OK:
		imap_login_ok(s, user);
		break;
	case SASL_FAILED:
		imap_login_failed(s);
		break;
	case SASL_CANCELLED:
		imap_bad(s, NULL, "Authentication cancelled");
		break;
	case SASL_BAD_BASE64:
		imap_bad(s, NULL, "Invalid base64 data");
		break;
	case SASL_BAD_MECH:
		imap_no(s, NULL, "Unsupported authentication mechanism");
		break;
	}
}

static void
imap_proceed_authenticate(struct imap_session *s, const struct imap_cmd *cmd)
{
	const struct imap_node *ir = imap_cmd_arg(cmd, 1);
	const char *challenge = "", *user = NULL;
	enum sasl_result r;

	if (ir != NULL && ir->len >= SASL_LINE_MAX) {
		imap_bad(s, NULL, "Initial response too long");
		return;
	}
	r = sasl_begin(&s->sasl, s->srv->users, imap_cmd_arg(cmd, 0)->str,
	    ir != NULL ? ir->str : NULL, &challenge, &user);
	imap_auth_result(s, r, challenge, user);
}

void
imap_auth_response(struct imap_session *s, const char *line, size_t len)
{
	const char *challenge = "", *user = NULL;
	enum sasl_result r;

	if (line == NULL || len >= SASL_LINE_MAX) {
		imap_set_mode(s, IMAP_MODE_COMMAND);
		imap_bad(s, NULL, "Invalid authentication response line");
		return;
	}
	r = sasl_step(&s->sasl, s->srv->users, line, len, &challenge, &user);
	imap_auth_result(s, r, challenge, user);
}

/* ---- ENABLE (§6.3.1, RFC 5161) ---- */

static bool
imap_check_enable(struct imap_session *s, const struct imap_cmd *cmd)
{
	size_t i, n = imap_cmd_nargs(cmd);

	if (n == 0) {
		imap_bad(s, NULL, "ENABLE: capability names expected");
		return false;
	}
	for (i = 0; i < n; i++)
		if (imap_cmd_arg(cmd, i)->kind != IMAP_NODE_ATOM) {
			imap_bad(s, NULL, "ENABLE: capability names are atoms");
			return false;
		}
	return true;
}

static void
imap_proceed_enable(struct imap_session *s, const struct imap_cmd *cmd)
{
	bool is_new = false;
	size_t i;

	for (i = 0; i < imap_cmd_nargs(cmd); i++)
		if (strcasecmp(imap_cmd_arg(cmd, i)->str, "IMAP4rev2") == 0 &&
		    !s->is_rev2)
			s->is_rev2 = is_new = true;
	imap_untagged(s, "ENABLED%s", is_new ? " IMAP4rev2" : "");
	imap_ok(s, NULL, "ENABLE completed");
}

const struct imap_handler imap_auth_handlers[] = {
	{ "CAPABILITY", IMAP_STATES_ANY, 0, imap_check_no_args, imap_proceed_capability },
	{ "NOOP", IMAP_STATES_ANY, 0, imap_check_no_args, imap_proceed_noop },
	{ "LOGOUT", IMAP_STATES_ANY, 0, imap_check_no_args, imap_proceed_logout },
	{ "ID", IMAP_STATES_ANY, 0, imap_check_id, imap_proceed_id },
	{ "STARTTLS", IMAP_STATE_NOT_AUTH, 0, imap_check_starttls, imap_proceed_starttls },
	{ "AUTHENTICATE", IMAP_STATE_NOT_AUTH, 0, imap_check_authenticate,
	    imap_proceed_authenticate },
	{ "LOGIN", IMAP_STATE_NOT_AUTH, 0, imap_check_login, imap_proceed_login },
	{ "ENABLE", IMAP_STATE_AUTH, 0, imap_check_enable, imap_proceed_enable },
};

const size_t imap_auth_handlers_len =
    sizeof(imap_auth_handlers) / sizeof(imap_auth_handlers[0]);
