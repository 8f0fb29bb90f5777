/* pop3_session.c: the POP3 session state machine, its input and replies.
 *
 * RFC 1939 §3 (commands: case-insensitive keywords, one line each;
 * responses "+OK"/"-ERR"; the autologout timer: on expiry the session
 * is closed without a response and without entering the UPDATE state),
 * §4 (greeting, AUTHORIZATION state), §5 (TRANSACTION state), §6 (the
 * UPDATE state only after QUIT: a dropped connection removes nothing);
 * RFC 2449 §4 (command lines at most 255 octets with CRLF; the parser
 * pop3_cmd_parse enforces it), §6.6 (PIPELINING: commands are answered in
 * order, replies go out together when the input runs dry), §8 (response
 * codes); RFC 8314 §3.3 (pop3s: TLS from the first byte).
 *
 * Commands come from handler tables {verb, check, proceed} in
 * pop3_auth.c and pop3_cmds.c; the state changes only in
 * pop3_enter_state().
 */
#include "pop3_session.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pop3_private.h"

#define POP3_PUMP_BUDGET	20000	/* items per event, for fairness */
#define POP3_REPLY_MAX		512	/* RFC 2449 §4: first response line */

static const struct {
	const struct pop3_handler *v;
	const size_t *n;
} pop3_tables[] = {
	{ pop3_auth_handlers, &pop3_auth_handlers_len },
	{ pop3_cmd_handlers, &pop3_cmd_handlers_len },
};

void
pop3_enter_state(struct pop3_session *s, enum pop3_state state)
{
	if (s->state == POP3_STATE_QUIT)
		return;		/* closing is final */
	s->state = state;
	if (state == POP3_STATE_QUIT)
		io_close(s->io);
}

static void pop3_vreply(struct pop3_session *s, const char *prefix,
    const char *suffix, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void
pop3_vreply(struct pop3_session *s, const char *prefix, const char *suffix,
    const char *fmt, va_list ap)
{
	char line[POP3_REPLY_MAX];
	size_t n;
	int k;

	n = (size_t)snprintf(line, sizeof(line), "%s", prefix);
	k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (k < 0)
		return;
	n += (size_t)k;
	if (n > sizeof(line) - 3)
		n = sizeof(line) - 3;
	k = snprintf(line + n, sizeof(line) - n, "%s", suffix);
	n = n + (size_t)k > sizeof(line) - 3 ? sizeof(line) - 3 : n + (size_t)k;
	memcpy(line + n, "\r\n", 2);
	io_write(s->io, line, n + 2);
}

void
pop3_reply(struct pop3_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pop3_vreply(s, "", "", fmt, ap);
	va_end(ap);
}

void
pop3_error(struct pop3_session *s, const char *fmt, ...)
{
	bool is_last = ++s->errors >= s->srv->limits.max_errors;
	va_list ap;

	va_start(ap, fmt);
	pop3_vreply(s, "-ERR ", is_last ? " (too many errors, closing connection)" :
	    "", fmt, ap);
	va_end(ap);
	if (is_last)
		pop3_enter_state(s, POP3_STATE_QUIT);
}

bool
pop3_check_authorization(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	if (s->state == POP3_STATE_AUTHORIZATION)
		return true;
	pop3_error(s, "%s not valid after login", pop3_verb_name(cmd->verb));
	return false;
}

bool
pop3_check_transaction(struct pop3_session *s, const struct pop3_cmd *cmd)
{
	if (s->state == POP3_STATE_TRANSACTION)
		return true;
	pop3_error(s, "%s not valid before login", pop3_verb_name(cmd->verb));
	return false;
}

/* ---- commands ---- */

static const struct pop3_handler *
pop3_find_handler(enum pop3_verb verb)
{
	size_t t, i;

	for (t = 0; t < sizeof(pop3_tables) / sizeof(pop3_tables[0]); t++)
		for (i = 0; i < *pop3_tables[t].n; i++)
			if (pop3_tables[t].v[i].verb == verb)
				return &pop3_tables[t].v[i];
	return NULL;
}

static void
pop3_parse_error(struct pop3_session *s, const struct pop3_cmd *cmd,
    enum pop3_cmd_error err)
{
	const char *name = pop3_verb_name(cmd->verb);

	switch (err) {
	case POP3_CMD_ERR_EMPTY:
		pop3_error(s, "Empty command line");
		break;
	case POP3_CMD_ERR_TOO_LONG:
		pop3_error(s, "Command line too long (255 octets at most)");
		break;
	case POP3_CMD_ERR_BAD_CHAR:
		pop3_error(s, "Control character in command line");
		break;
	case POP3_CMD_ERR_UNKNOWN:
		pop3_error(s, "Unknown command");
		break;
	case POP3_CMD_ERR_ARG_TOO_LONG:
		pop3_error(s, "%s: argument too long (40 characters at most)", name);
		break;
	case POP3_CMD_ERR_ARGS:
		pop3_error(s, "%s: syntax error in arguments", name);
		break;
	default:
		pop3_reply(s, "-ERR [SYS/TEMP] Local error");
		break;
	}
}

static void
pop3_handle_command(struct pop3_session *s, const char *line, size_t len)
{
	const struct pop3_handler *h;
	enum pop3_cmd_error err;
	struct pop3_cmd cmd;

	if (pop3_cmd_parse(line, len, s->cmdbuf, sizeof(s->cmdbuf), &cmd, &err) != 1) {
		s->has_user = false;
		pop3_parse_error(s, &cmd, err);
		return;
	}
	if (cmd.verb != POP3_VERB_PASS && cmd.verb != POP3_VERB_USER)
		s->has_user = false;	/* PASS must follow USER at once (§7) */
	h = pop3_find_handler(cmd.verb);
	if (h == NULL) {
		pop3_error(s, "%s not supported", pop3_verb_name(cmd.verb));
		return;
	}
	if (h->check == NULL || h->check(s, &cmd))
		h->proceed(s, &cmd);
}

static void
pop3_line_error(struct pop3_session *s, enum linebuf_error err)
{
	if (s->state == POP3_STATE_SASL) {
		pop3_auth_abort(s, err == LINEBUF_ERR_TOO_LONG ?
		    "Authentication response line too long" :
		    "Invalid authentication response line");
		return;
	}
	s->has_user = false;
	switch (err) {
	case LINEBUF_ERR_TOO_LONG:
		pop3_error(s, "Command line too long (255 octets at most)");
		break;
	case LINEBUF_ERR_BARE_LF:
		pop3_error(s, "Bare LF in command line (lines end in CRLF)");
		break;
	case LINEBUF_ERR_BARE_CR:
		pop3_error(s, "Bare CR in command line (lines end in CRLF)");
		break;
	case LINEBUF_ERR_NUL:
		pop3_error(s, "NUL byte in command line");
		break;
	default:
		pop3_reply(s, "-ERR [SYS/TEMP] Local error");
		break;
	}
}

/* Take one line (feeding the linebuf from io as needed); false when the
 * input is exhausted. */
static bool
pop3_line_step(struct pop3_session *s)
{
	const char *line;
	size_t len;
	int r;

	r = io_take_line(s->io, s->lb, &line, &len);
	if (r == 0)
		return false;
	if (r < 0)
		pop3_line_error(s, linebuf_error(s->lb));
	else if (s->state == POP3_STATE_SASL)
		pop3_auth_response(s, line, len);
	else
		pop3_handle_command(s, line, len);
	return true;
}

/* Work through the input until it runs dry, the output backs up, or the
 * state stops reading (TLS, QUIT). */
static void
pop3_pump(struct pop3_session *s)
{
	unsigned budget;
	bool more;

	for (budget = 0; budget < POP3_PUMP_BUDGET; budget++) {
		if (s->state == POP3_STATE_QUIT || s->state == POP3_STATE_TLS ||
		    s->state == POP3_STATE_NEW || io_out_is_busy(s->io))
			return;
		if (s->srv->is_stopping)
			return;	/* told to go: nothing more is answered */
		if (s->state == POP3_STATE_SENDING)
			more = pop3_body_pump(s);
		else
			more = pop3_line_step(s);
		if (!more)
			return;
	}
	io_resume(s->io);	/* budget spent: let other sessions run first */
}

/* ---- life cycle ---- */

static void
pop3_session_free(struct pop3_session *s)
{
	pop3_body_drop(s);
	pop3_maildrop_release(s);	/* no UPDATE: nothing is removed (§6) */
	linebuf_free(&s->lb);
	conn_free(&s->conn);		/* frees the io */
	free(s);
}

static void
pop3_on_io(void *arg, enum io_event ev)
{
	struct pop3_session *s = arg;

	switch (ev) {
	case IO_EV_INPUT:
	case IO_EV_DRAINED:
		pop3_pump(s);
		break;
	case IO_EV_TLS_READY:
		if (s->state == POP3_STATE_TLS)
			pop3_on_tls_ready(s);
		pop3_pump(s);
		break;
	case IO_EV_TIMEOUT:
		/* RFC 1939 §3: close without a response and without UPDATE */
		pop3_enter_state(s, POP3_STATE_QUIT);
		break;
	case IO_EV_CLOSED:
		pop3_session_free(s);
		break;
	}
}

int
pop3_session_start(struct conn *c)
{
	struct pop3_session *s;
	struct io *io;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	s->conn = c;
	s->srv = c->srv;
	s->body.fd = -1;
	/* room for SASL responses; commands are held to 255 octets by
	 * pop3_cmd_parse, and a longer line is skipped without buffering */
	s->lb = linebuf_new(SASL_LINE_MAX, LINEBUF_STRICT);
	io = NULL;
	if (s->lb == NULL || (io = io_new(s->srv->loop, c->fd, pop3_on_io, s)) == NULL) {
		s->conn = NULL;
		pop3_session_free(s);
		return -1;	/* the caller frees c and its fd */
	}
	conn_set_io(c, io);
	s->io = io;
	io_set_timeout(io, s->srv->limits.idle_timeout_ms);
	if (c->proto->is_implicit_tls && io_starttls(io, s->srv->tls) != 0) {
		io_abort(io, "TLS setup failed");
		return 0;
	}
	pop3_reply(s, "+OK %s POP3 server ready (mailspec-server)", s->srv->hostname);
	pop3_enter_state(s, POP3_STATE_AUTHORIZATION);
	return 0;
}

void
pop3_session_refuse(struct io *io, const char *hostname, enum conn_refusal why)
{
	switch (why) {
	case CONN_REFUSE_BUSY:
		io_printf(io, "-ERR [SYS/TEMP] %s Too many connections, try again "
		    "later\r\n", hostname);
		break;
	case CONN_REFUSE_PER_IP:
		io_printf(io, "-ERR [SYS/TEMP] %s Too many connections from your "
		    "address\r\n", hostname);
		break;
	case CONN_REFUSE_SHUTDOWN:
		io_printf(io, "-ERR [SYS/TEMP] %s Server shutting down\r\n", hostname);
		break;
	}
}
