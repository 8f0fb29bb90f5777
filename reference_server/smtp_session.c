/* smtp_session.c: the SMTP session state machine, its input and replies.
 *
 * RFC 5321 §3.1 (greeting), §4.1.4 (command order), §4.2 (replies),
 * §4.3.2 (reply codes per command), §4.5.3.1.4 (512-octet command lines),
 * §4.5.3.2.7 (server timeout: 421 and close), §2.3.8 (bare CR, bare LF);
 * RFC 2920 §3.1 (pipelining: commands are answered in order and replies
 * go out together when the input runs dry: io flushes after each batch);
 * RFC 2034 §3 (enhanced codes on every 2xx/4xx/5xx but the greeting and
 * the HELO/EHLO replies); RFC 6409 (the submission variant).
 *
 * Commands come from handler tables {verb, check, proceed} in
 * smtp_cmds.c, smtp_envelope.c, smtp_body.c and smtp_auth.c; the state
 * changes only in smtp_enter_state().
 */
#include "smtp_session.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_private.h"

#define SMTP_PUMP_BUDGET	20000	/* items per event, for fairness */

static const struct {
	const struct smtp_handler *v;
	const size_t *n;
} smtp_tables[] = {
	{ smtp_session_handlers, &smtp_session_handlers_len },
	{ smtp_envelope_handlers, &smtp_envelope_handlers_len },
	{ smtp_body_handlers, &smtp_body_handlers_len },
	{ smtp_auth_handlers, &smtp_auth_handlers_len },
};

void
smtp_enter_state(struct smtp_session *s, enum smtp_state state)
{
	if (s->state == SMTP_STATE_QUIT)
		return;		/* closing is final */
	s->state = state;
	if (state == SMTP_STATE_QUIT)
		io_close(s->io);
}

void
smtp_close_421(struct smtp_session *s, const char *ecode, const char *why)
{
	if (s->state == SMTP_STATE_QUIT)
		return;
	io_printf(s->io, "421 %s %s %s\r\n", ecode, s->srv->hostname, why);
	smtp_enter_state(s, SMTP_STATE_QUIT);
}

/* Replies that mean "bad command" (syntax, sequence, unknown, bad
 * parameters) or a failed AUTH: these count towards max_errors; refused
 * recipients and messages do not. */
static bool
smtp_is_bad_command(const char *line)
{
	return (strncmp(line, "50", 2) == 0 && line[2] >= '0' && line[2] <= '4') ||
	    strncmp(line, "555", 3) == 0 || strncmp(line, "535", 3) == 0;
}

void
smtp_reply(struct smtp_session *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	memcpy(line + n, "\r\n", 2);
	io_write(s->io, line, (size_t)n + 2);
	if (smtp_is_bad_command(line) && ++s->errors >= s->srv->limits.max_errors)
		smtp_close_421(s, "4.7.0", "Too many errors, closing connection");
}

/* ---- DATA/BDAT input: bytes left in the linebuf come first ---- */

int
smtp_take_carry(struct smtp_session *s)
{
	size_t n = linebuf_pending(s->lb);

	if (n == 0)
		return 0;
	s->carry = malloc(n);
	if (s->carry == NULL)
		return -1;
	s->carry_len = linebuf_drain(s->lb, s->carry, n);
	s->carry_off = 0;
	return 0;
}

size_t
smtp_peek_input(struct smtp_session *s, const char **p_r)
{
	if (s->carry != NULL) {
		*p_r = s->carry + s->carry_off;
		return s->carry_len - s->carry_off;
	}
	return io_in_peek(s->io, p_r);
}

static void
smtp_drop_carry(struct smtp_session *s)
{
	free(s->carry);
	s->carry = NULL;
	s->carry_len = s->carry_off = 0;
}

void
smtp_consume_input(struct smtp_session *s, size_t n)
{
	if (s->carry == NULL) {
		io_in_consume(s->io, n);
		return;
	}
	s->carry_off += n;
	if (s->carry_off >= s->carry_len)
		smtp_drop_carry(s);
}

void
smtp_return_carry(struct smtp_session *s)
{
	if (s->carry == NULL)
		return;
	/* the linebuf is empty and held these bytes before: they fit */
	linebuf_feed(s->lb, s->carry + s->carry_off, s->carry_len - s->carry_off);
	smtp_drop_carry(s);
}

/* ---- commands ---- */

static const struct smtp_handler *
smtp_find_handler(enum smtp_verb verb)
{
	size_t t, i;

	for (t = 0; t < sizeof(smtp_tables) / sizeof(smtp_tables[0]); t++)
		for (i = 0; i < *smtp_tables[t].n; i++)
			if (smtp_tables[t].v[i].verb == verb)
				return &smtp_tables[t].v[i];
	return NULL;
}

static void
smtp_parse_error(struct smtp_session *s, const struct smtp_cmd *cmd,
    enum smtp_cmd_error err)
{
	switch (err) {
	case SMTP_CMD_ERR_EMPTY:
		smtp_reply(s, "500 5.5.2 Syntax error: empty command line");
		break;
	case SMTP_CMD_ERR_UNKNOWN_VERB:
		smtp_reply(s, "500 5.5.1 Command unrecognized");
		break;
	case SMTP_CMD_ERR_TOO_LONG:
		smtp_reply(s, "500 5.5.2 Line too long (512 octets at most)");
		break;
	case SMTP_CMD_ERR_BAD_CHAR:
		smtp_reply(s, "500 5.5.2 Syntax error: control character in command");
		break;
	case SMTP_CMD_ERR_PATH:
		if (cmd->verb == SMTP_VERB_MAIL)
			smtp_reply(s, "501 5.1.7 Bad sender address syntax");
		else
			smtp_reply(s, "501 5.1.3 Bad recipient address syntax");
		break;
	case SMTP_CMD_ERR_NOMEM:
		smtp_reply(s, "451 4.3.0 Local error: out of memory");
		break;
	default:
		smtp_reply(s, "501 5.5.4 Syntax error in parameters or arguments");
		break;
	}
}

static void
smtp_handle_command(struct smtp_session *s, const char *line, size_t len)
{
	const struct smtp_handler *h;
	struct smtp_cmd cmd;

	if (smtp_cmd_parse(s->parser, line, len, &cmd) != 1) {
		smtp_parse_error(s, &cmd, smtp_cmd_parser_error(s->parser));
		return;
	}
	h = smtp_find_handler(cmd.verb);
	if (h == NULL) {
		smtp_reply(s, "502 5.5.1 Command not implemented");
		return;
	}
	if (h->check == NULL || h->check(s, &cmd))
		h->proceed(s, &cmd);
}

static void
smtp_line_error(struct smtp_session *s, enum linebuf_error err)
{
	if (s->state == SMTP_STATE_AUTH && err == LINEBUF_ERR_TOO_LONG) {
		smtp_auth_line_too_long(s);
		return;
	}
	if (s->state == SMTP_STATE_AUTH)
		smtp_enter_state(s, SMTP_STATE_HELO);	/* the exchange fails */
	switch (err) {
	case LINEBUF_ERR_TOO_LONG:
		smtp_reply(s, "500 5.5.2 Line too long (512 octets at most)");
		break;
	case LINEBUF_ERR_BARE_LF:
		smtp_reply(s, "500 5.5.2 Syntax error: bare LF (lines end in CRLF)");
		break;
	case LINEBUF_ERR_BARE_CR:
		smtp_reply(s, "500 5.5.2 Syntax error: bare CR (lines end in CRLF)");
		break;
	case LINEBUF_ERR_NUL:
		smtp_reply(s, "500 5.5.2 Syntax error: NUL byte in command");
		break;
	default:
		smtp_reply(s, "451 4.3.0 Local error");
		break;
	}
}

/* Take one line (feeding the linebuf from io as needed); false when the
 * input is exhausted. */
static bool
smtp_line_step(struct smtp_session *s)
{
	const char *line;
	size_t len;
	int r;

	r = io_take_line(s->io, s->lb, &line, &len);
	if (r == 0)
		return false;
	if (r < 0)
		smtp_line_error(s, linebuf_error(s->lb));
	else if (s->state == SMTP_STATE_AUTH)
		smtp_auth_response(s, line, len);
	else
		smtp_handle_command(s, line, len);
	return true;
}

/* Work through the input until it runs dry, the output backs up, or the
 * state stops reading (TLS, QUIT). */
static void
smtp_pump(struct smtp_session *s)
{
	unsigned budget;
	bool more;

	for (budget = 0; budget < SMTP_PUMP_BUDGET; budget++) {
		if (s->state == SMTP_STATE_QUIT || s->state == SMTP_STATE_TLS ||
		    s->state == SMTP_STATE_NEW || io_out_is_busy(s->io))
			return;
		if (s->state == SMTP_STATE_DATA || s->state == SMTP_STATE_BDAT)
			more = smtp_body_pump(s);
		else
			more = smtp_line_step(s);
		if (!more)
			return;
	}
	io_resume(s->io);	/* budget spent: let other sessions run first */
}

/* ---- life cycle ---- */

static void
smtp_session_free(struct smtp_session *s)
{
	smtp_tx_reset(s);
	smtp_drop_carry(s);
	linebuf_free(&s->lb);
	smtp_cmd_parser_free(&s->parser);
	smtp_data_decoder_free(&s->dec);
	conn_free(&s->conn);		/* frees the io */
	free(s);
}

static void
smtp_on_io(void *arg, enum io_event ev)
{
	struct smtp_session *s = arg;

	switch (ev) {
	case IO_EV_INPUT:
	case IO_EV_DRAINED:
		smtp_pump(s);
		break;
	case IO_EV_TLS_READY:
		if (s->state == SMTP_STATE_TLS)
			smtp_on_tls_ready(s);
		smtp_pump(s);
		break;
	case IO_EV_TIMEOUT:
		smtp_close_421(s, "4.4.2", "Error: timeout exceeded");
		break;
	case IO_EV_CLOSED:
		smtp_session_free(s);
		break;
	}
}

static int
smtp_start(struct conn *c, bool is_submission)
{
	struct smtp_session *s;
	struct io *io;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -1;
	s->conn = c;
	s->srv = c->srv;
	s->is_submission = is_submission;
	s->lb = linebuf_new(SASL_LINE_MAX, LINEBUF_STRICT);
	s->parser = smtp_cmd_parser_new();
	s->dec = smtp_data_decoder_new(s->srv->limits.max_message_size);
	io = NULL;
	if (s->lb == NULL || s->parser == NULL || s->dec == NULL ||
	    (io = io_new(s->srv->loop, c->fd, smtp_on_io, s)) == NULL) {
		s->conn = NULL;
		smtp_session_free(s);
		return -1;	/* the caller frees c and its fd */
	}
	conn_set_io(c, io);
	s->io = io;
	io_set_timeout(io, s->srv->limits.idle_timeout_ms);
	if (c->proto->is_implicit_tls && io_starttls(io, s->srv->tls) != 0) {
		io_abort(io, "TLS setup failed");
		return 0;
	}
	io_printf(io, "220 %s ESMTP mailspec-server\r\n", s->srv->hostname);
	smtp_enter_state(s, SMTP_STATE_CONNECTED);
	return 0;
}

int
smtp_session_start(struct conn *c)
{
	return smtp_start(c, false);
}

int
submission_session_start(struct conn *c)
{
	return smtp_start(c, true);
}

void
smtp_session_refuse(struct io *io, const char *hostname, enum conn_refusal why)
{
	switch (why) {
	case CONN_REFUSE_BUSY:
		io_printf(io, "421 4.3.2 %s Too many connections, try again later\r\n",
		    hostname);
		break;
	case CONN_REFUSE_PER_IP:
		io_printf(io, "421 4.7.0 %s Too many connections from your address\r\n",
		    hostname);
		break;
	case CONN_REFUSE_SHUTDOWN:
		io_printf(io, "421 4.3.2 %s Server shutting down\r\n", hostname);
		break;
	}
}
