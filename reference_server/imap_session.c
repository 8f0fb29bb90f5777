/* imap_session.c: the IMAP session state machine, its input and replies.
 *
 * RFC 9051 §2.2 (commands: tag, name, arguments; literals), §2.2.2
 * (tagged OK/NO/BAD completes a command; "*" untagged data; "+"
 * continuation), §3 (states: not authenticated, authenticated, selected,
 * logout), §4.3 (a synchronizing literal waits for "+"; {n+} needs none
 * and is at most 4096 octets: LITERAL-, RFC 7888 §5, with BAD [TOOBIG]
 * beyond), §5.2 and §7.5.1 (mailbox updates are sent with a command's
 * completion; EXPUNGE never while no command runs, nor during FETCH,
 * STORE or SEARCH), §5.4 (the autologout timer after login is at least
 * 30 minutes; before login --idle-timeout applies), §5.5 (pipelined
 * commands run in order), §7.1 (response codes, RFC 5530: TOOBIG,
 * LIMIT...), §7.1.3 (BAD: "* BAD" when the tag is unknown), §7.1.5 (BYE
 * on logout, autologout, shutdown and refusal), §7.6 (continuation
 * requests); RFC 8314 §3.3 (imaps: TLS from the first byte).
 *
 * Input goes through the codec's imap_cmd parser (engine/proto), which
 * keeps the stream in sync after errors (a rejected literal's bytes are
 * dropped); this file only answers (through imap_reply.c). Commands come
 * from the handler tables of the other imap_*.c files; the state changes
 * only in imap_enter_state(), the input mode only in imap_set_mode().
 */
#include "imap_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_private.h"

#define IMAP_PUMP_BUDGET	1000	/* items per event, for fairness */
#define IMAP_PREAUTH_MAX	(16 * 1024)	/* a command before login */

static const struct {
	const struct imap_handler *v;
	const size_t *n;
} imap_tables[] = {
	{ imap_auth_handlers, &imap_auth_handlers_len },
	{ imap_mailbox_handlers, &imap_mailbox_handlers_len },
	{ imap_subs_handlers, &imap_subs_handlers_len },
	{ imap_list_handlers, &imap_list_handlers_len },
	{ imap_append_handlers, &imap_append_handlers_len },
	{ imap_select_handlers, &imap_select_handlers_len },
	{ imap_idle_handlers, &imap_idle_handlers_len },
	{ imap_fetch_handlers, &imap_fetch_handlers_len },	/* part B: */
	{ imap_search_handlers, &imap_search_handlers_len },
	{ imap_store_handlers, &imap_store_handlers_len },
	{ imap_copy_handlers, &imap_copy_handlers_len },
};

void
imap_enter_state(struct imap_session *s, enum imap_state state)
{
	enum imap_state old = s->state;

	if (old == IMAP_STATE_LOGOUT)
		return;		/* closing is final */
	if (old == IMAP_STATE_SELECTED && state != IMAP_STATE_SELECTED)
		imap_view_close(s);
	s->state = state;
	if (state == IMAP_STATE_LOGOUT) {
		io_close(s->io);
		return;
	}
	if (old == IMAP_STATE_NOT_AUTH && state != IMAP_STATE_NOT_AUTH)
		imap_session_set_timeout(s);
}

void
imap_set_mode(struct imap_session *s, enum imap_mode mode)
{
	if (s->mode == IMAP_MODE_IDLE && mode != IMAP_MODE_IDLE)
		loop_timer_stop(s->srv->loop, &s->idle_timer);
	s->mode = mode;
}

void
imap_session_set_timeout(struct imap_session *s)
{
	unsigned ms = s->srv->limits.idle_timeout_ms;

	if (s->state != IMAP_STATE_NOT_AUTH && ms < IMAP_AUTOLOGOUT_MIN_MS)
		ms = IMAP_AUTOLOGOUT_MIN_MS;
	io_set_timeout(s->io, ms);
}

bool
imap_session_mailbox_in_use(const struct imap_session *s, const char *name,
    bool is_subtree)
{
	const struct imap_session *o;
	size_t len = strlen(name);

	for (o = s->srv->imap_sessions; o != NULL; o = o->next) {
		if (o->state != IMAP_STATE_SELECTED || strcmp(o->user, s->user) != 0)
			continue;
		if (strcmp(o->view.name, name) == 0)
			return true;
		if (is_subtree && strncmp(o->view.name, name, len) == 0 &&
		    o->view.name[len] == IMAP_DELIM)
			return true;
	}
	return false;
}

void
imap_stream_start(struct imap_session *s, bool (*pump)(struct imap_session *),
    void (*drop)(struct imap_session *), void *arg)
{
	s->stream.pump = pump;
	s->stream.drop = drop;
	s->stream.arg = arg;
	imap_set_mode(s, IMAP_MODE_STREAM);
}

/* ---- commands ---- */

static const struct imap_handler *
imap_find_handler(const char *name)
{
	size_t t, i;

	for (t = 0; t < sizeof(imap_tables) / sizeof(imap_tables[0]); t++)
		for (i = 0; i < *imap_tables[t].n; i++)
			if (strcmp(imap_tables[t].v[i].name, name) == 0)
				return &imap_tables[t].v[i];
	return NULL;
}

/* Remember the tag to answer; false (and "* BAD") when it is too long. */
static bool
imap_take_tag(struct imap_session *s, const char *tag)
{
	s->tag[0] = '\0';
	s->cur = NULL;
	s->may_expunge = false;
	if (tag == NULL)
		return true;
	if (strlen(tag) > IMAP_TAG_MAX) {
		imap_bad(s, NULL, "Tag too long (%d octets at most)", IMAP_TAG_MAX);
		return false;
	}
	snprintf(s->tag, sizeof(s->tag), "%s", tag);
	return true;
}

static const char *
imap_state_refusal(const struct imap_session *s, const struct imap_handler *h)
{
	if (s->state == IMAP_STATE_NOT_AUTH)
		return "Log in first";
	if (h->states == IMAP_STATE_NOT_AUTH)
		return "Already authenticated";
	if (h->states == IMAP_STATE_SELECTED)
		return "No mailbox selected";
	return "Not allowed in this state";
}

/* The handler for cmd in this state; NULL with BAD sent. */
static const struct imap_handler *
imap_lookup(struct imap_session *s, const struct imap_cmd *cmd)
{
	const struct imap_handler *h = imap_find_handler(cmd->name);

	if (h == NULL)
		imap_bad(s, NULL, "Unknown command %s%.40s", cmd->is_uid ? "UID " : "",
		    cmd->name);
	else if (cmd->is_uid && !(h->flags & IMAP_H_UID))
		imap_bad(s, NULL, "UID %s is not a command", h->name);
	else if (!(h->states & s->state))
		imap_bad(s, NULL, "%s: %s", h->name, imap_state_refusal(s, h));
	else
		return h;
	return NULL;
}

static void
imap_dispatch(struct imap_session *s, const struct imap_cmd *cmd)
{
	const struct imap_handler *h;

	if (!imap_take_tag(s, cmd->tag) || (h = imap_lookup(s, cmd)) == NULL)
		return;
	s->cur = h;
	s->may_expunge = !(h->flags & IMAP_H_SEQ) || cmd->is_uid;
	if (h->check == NULL || h->check(s, cmd))
		h->proceed(s, cmd);
}

/* A synchronizing literal is announced: ask for it, or refuse it now
 * (RFC 9051 §7.6; the client then does not send it). */
static void
imap_continuation(struct imap_session *s, const struct imap_cmd *cmd)
{
	uint64_t total = (uint64_t)cmd->raw_len + cmd->literal_size, limit;

	if (!imap_take_tag(s, cmd->tag) || imap_lookup(s, cmd) == NULL) {
		imap_cmd_parser_reject_literal(s->parser);
		return;
	}
	if (s->state == IMAP_STATE_NOT_AUTH)
		limit = IMAP_PREAUTH_MAX;
	else if (strcmp(cmd->name, "APPEND") == 0)
		limit = (uint64_t)s->srv->limits.max_message_size + IMAP_CMD_LINE_MAX;
	else
		limit = IMAP_CMD_OTHER_MAX;
	if (total > limit) {
		imap_no(s, "TOOBIG", "Literal too large (%llu octets at most)",
		    (unsigned long long)limit);
		imap_cmd_parser_reject_literal(s->parser);
		return;
	}
	s->is_in_literal = true;
	imap_continue(s, "Ready for literal data");
}

static void
imap_parse_error(struct imap_session *s, const struct imap_cmd *cmd)
{
	enum imap_error err = imap_cmd_parser_error(s->parser);
	uint64_t discarding = imap_cmd_parser_discarding(s->parser);

	if (!imap_take_tag(s, cmd->tag))
		return;
	if (err == IMAP_ERR_NONSYNC_TOO_LARGE || (discarding > 0 &&
	    (err == IMAP_ERR_LITERAL_TOO_LARGE || err == IMAP_ERR_TOO_LARGE)))
		imap_bad(s, "TOOBIG", "Non-synchronizing literal too large");
	else if (err == IMAP_ERR_LITERAL_TOO_LARGE || err == IMAP_ERR_TOO_LARGE)
		imap_no(s, "TOOBIG", "Literal too large");
	else if (err == IMAP_ERR_LINE_TOO_LONG)
		imap_bad(s, "TOOBIG", "Command line too long (%d octets at most)",
		    IMAP_CMD_LINE_MAX);
	else if (err == IMAP_ERR_NOMEM || err == IMAP_ERR_TOO_MANY_NODES)
		imap_bad(s, "LIMIT", "Command too complex");
	else
		imap_bad(s, NULL, "Syntax error: %s", imap_error_str(err));
	if (discarding > IMAP_DISCARD_MAX)	/* RFC 7888 §4 choice 2 */
		imap_bye(s, "[TOOBIG] Literal too large, closing connection");
}

/* ---- input ---- */

/* Move buffered input into the parser; false when there is none. */
static bool
imap_feed(struct imap_session *s)
{
	const char *p;
	size_t n = io_in_peek(s->io, &p), taken;

	if (n == 0)
		return false;
	taken = imap_cmd_parser_feed(s->parser, p, n);
	io_in_consume(s->io, taken);
	if (taken > 0 && s->is_in_literal)
		io_touch(s->io);	/* literal data is progress */
	return taken > 0;
}

static bool
imap_command_step(struct imap_session *s)
{
	struct imap_cmd cmd;
	int r = imap_cmd_parser_next(s->parser, &cmd);

	if (r == 0)
		return imap_feed(s);
	io_touch(s->io);
	if (r == 1) {
		s->is_in_literal = false;
		imap_dispatch(s, &cmd);
	} else if (r == IMAP_CMD_NEED_CONTINUATION)
		imap_continuation(s, &cmd);
	else
		imap_parse_error(s, &cmd);
	return true;
}

/* A line outside the command grammar: SASL responses, IDLE's DONE. */
static bool
imap_line_step(struct imap_session *s)
{
	const char *line;
	size_t len;
	int r = imap_cmd_parser_take_line(s->parser, &line, &len);

	if (r == 0)
		return imap_feed(s);
	io_touch(s->io);
	if (r < 0) {
		line = NULL;	/* bare CR/LF, NUL or too long: never valid */
		len = 0;
	}
	if (s->mode == IMAP_MODE_SASL)
		imap_auth_response(s, line, len);
	else
		imap_idle_line(s, line, len);
	return true;
}

/* Work through the input until it runs dry, the output backs up, or the
 * mode stops reading (TLS, LOGOUT). */
static void
imap_pump(struct imap_session *s)
{
	unsigned budget;
	bool more;

	for (budget = 0; budget < IMAP_PUMP_BUDGET; budget++) {
		if (s->state == IMAP_STATE_LOGOUT || s->mode == IMAP_MODE_TLS ||
		    s->srv->is_stopping || io_out_is_busy(s->io))
			return;
		if (s->mode == IMAP_MODE_STREAM) {
			if (!s->stream.pump(s))
				return;		/* DRAINED brings us back */
			memset(&s->stream, 0, sizeof(s->stream));
			imap_set_mode(s, IMAP_MODE_COMMAND);
			continue;
		}
		if (s->mode == IMAP_MODE_COMMAND)
			more = imap_command_step(s);
		else
			more = imap_line_step(s);
		if (!more)
			return;
	}
	io_resume(s->io);	/* budget spent: let other sessions run first */
}

/* ---- life cycle ---- */

static void
imap_session_free(struct imap_session *s)
{
	struct imap_session **pp;

	if (s->stream.drop != NULL)
		s->stream.drop(s);
	loop_timer_stop(s->srv->loop, &s->idle_timer);
	if (s->state == IMAP_STATE_SELECTED)
		imap_view_close(s);
	for (pp = &s->srv->imap_sessions; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	imap_cmd_parser_free(&s->parser);
	buf_release(&s->out);
	buf_release(&s->view.keywords);
	explicit_bzero(&s->sasl, sizeof(s->sasl));
	conn_free(&s->conn);		/* frees the io */
	free(s);
}

static void
imap_on_io(void *arg, enum io_event ev)
{
	struct imap_session *s = arg;

	switch (ev) {
	case IO_EV_INPUT:
	case IO_EV_DRAINED:
		imap_pump(s);
		break;
	case IO_EV_TLS_READY:
		if (s->mode == IMAP_MODE_TLS)
			imap_on_tls_ready(s);
		imap_pump(s);
		break;
	case IO_EV_TIMEOUT:
		imap_bye(s, "Autologout; idle for too long");	/* §7.1.5 */
		break;
	case IO_EV_CLOSED:
		imap_session_free(s);
		break;
	}
}

static struct imap_session *
imap_session_new(struct conn *c)
{
	struct imap_limits lim = {
		.max_line = IMAP_CMD_LINE_MAX,
		.max_literal = c->srv->limits.max_message_size,
		.max_size = c->srv->limits.max_message_size + IMAP_CMD_LINE_MAX,
		.max_nonsync = 4096,	/* LITERAL- (RFC 7888 §5, RFC 9051 §4.3) */
	};

	if (c->srv->literal_plus)
		lim.max_nonsync = SIZE_MAX;	/* LITERAL+: only max_literal applies */
	struct imap_session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->conn = c;
	s->srv = c->srv;
	s->state = IMAP_STATE_NOT_AUTH;
	buf_init(&s->out, IMAP_OUT_MAX);
	buf_init(&s->view.keywords, IMAP_OUT_MAX / 2);
	loop_timer_init(&s->idle_timer, imap_idle_on_timer, s);
	s->parser = imap_cmd_parser_new(&lim);
	return s;
}

int
imap_session_start(struct conn *c)
{
	struct imap_session *s = imap_session_new(c);
	struct io *io = NULL;
	char caps[IMAP_CAPS_MAX];

	if (s == NULL)
		return -1;
	if (s->parser == NULL || (io = io_new(s->srv->loop, c->fd, imap_on_io, s)) == NULL) {
		s->conn = NULL;
		imap_session_free(s);
		return -1;	/* the caller frees c and its fd */
	}
	conn_set_io(c, io);
	s->io = io;
	s->next = s->srv->imap_sessions;
	s->srv->imap_sessions = s;
	imap_session_set_timeout(s);
	if (c->proto->is_implicit_tls && io_starttls(io, s->srv->tls) != 0) {
		io_abort(io, "TLS setup failed");
		return 0;
	}
	imap_capability_string(s, caps, sizeof(caps));
	imap_untagged(s, "OK [CAPABILITY %s] %s IMAP4rev2 server ready "
	    "(mailspec-server)", caps, s->srv->hostname);
	return 0;
}

void
imap_session_refuse(struct io *io, const char *hostname, enum conn_refusal why)
{
	switch (why) {
	case CONN_REFUSE_BUSY:
		io_printf(io, "* BYE [UNAVAILABLE] %s Too many connections, try "
		    "again later\r\n", hostname);
		break;
	case CONN_REFUSE_PER_IP:
		io_printf(io, "* BYE [UNAVAILABLE] %s Too many connections from "
		    "your address\r\n", hostname);
		break;
	case CONN_REFUSE_SHUTDOWN:
		io_printf(io, "* BYE [UNAVAILABLE] %s Server shutting down\r\n",
		    hostname);
		break;
	}
}
