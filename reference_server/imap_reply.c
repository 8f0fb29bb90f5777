/* imap_reply.c: IMAP responses and the argument checks shared by the
 * handler tables.
 *
 * RFC 9051 §2.2.2 (server data and completion results; "*" untagged,
 * "+" continuation, tagged OK/NO/BAD), §4.3 (strings: quoted when no
 * CR, LF or NUL (and, for IMAP4rev1, no 8-bit byte), else a literal; the
 * server never sends "{n+}"), §5.1 and RFC 3501 §5.1.3 (mailbox names in
 * UTF-8 for IMAP4rev2, modified UTF-7 for IMAP4rev1), §5.2 (changes of
 * the selected mailbox go out before a command's OK or NO), §7.1 (status
 * responses with a response code in brackets), §7.1.5 (BYE), §7.2.2 and
 * §9 (flag-list; RFC 3501 §9 flag-fetch adds "\Recent" for FETCH
 * FLAGS). Nothing is written once BYE was sent or the server is
 * stopping.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "imap_private.h"

#define IMAP_NAME_BUF		(STORE_MAILBOX_MAX * 3 + 16)

/* ---- output ---- */

void
imap_out_begin(struct imap_session *s, const char *prefix)
{
	buf_clear(&s->out);
	if (prefix != NULL)
		buf_puts(&s->out, prefix);
}

void
imap_out_printf(struct imap_session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&s->out, fmt, ap);
	va_end(ap);
}

void
imap_out_string(struct imap_session *s, const char *str, size_t len)
{
	bool is_quotable = len < 1024;
	size_t i;

	for (i = 0; i < len && is_quotable; i++) {
		unsigned char c = (unsigned char)str[i];

		if (c == '\0' || c == '\r' || c == '\n' || (c >= 0x80 && !s->is_rev2))
			is_quotable = false;
	}
	if (!is_quotable) {
		buf_printf(&s->out, "{%zu}\r\n", len);
		buf_append(&s->out, str, len);
		return;
	}
	buf_putc(&s->out, '"');
	for (i = 0; i < len; i++) {
		if (str[i] == '"' || str[i] == '\\')
			buf_putc(&s->out, '\\');
		buf_putc(&s->out, str[i]);
	}
	buf_putc(&s->out, '"');
}

void
imap_out_mailbox(struct imap_session *s, const char *name)
{
	char enc[IMAP_NAME_BUF];

	if (s->is_rev2) {
		imap_out_string(s, name, strlen(name));
		return;
	}
	if (imap_name_utf7_encode(name, enc, sizeof(enc)) != 0) {
		server_log("imap: cannot encode mailbox name %s", name);
		snprintf(enc, sizeof(enc), "%s", "");
	}
	imap_out_string(s, enc, strlen(enc));
}

void
imap_out_flags(struct imap_session *s, unsigned flags, const char *keywords)
{
	static const struct {
		unsigned bit;
		const char *name;
	} sys[] = {
		{ STORE_F_ANSWERED, "\\Answered" }, { STORE_F_FLAGGED, "\\Flagged" },
		{ STORE_F_DELETED, "\\Deleted" }, { STORE_F_SEEN, "\\Seen" },
		{ STORE_F_DRAFT, "\\Draft" }, { IMAP_F_RECENT, "\\Recent" },
	};
	const char *sep = "";
	size_t i;

	buf_putc(&s->out, '(');
	for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
		if (flags & sys[i].bit) {
			buf_printf(&s->out, "%s%s", sep, sys[i].name);
			sep = " ";
		}
	if (keywords != NULL && keywords[0] != '\0')
		buf_printf(&s->out, "%s%s", sep, keywords);
	buf_putc(&s->out, ')');
}

bool
imap_out_end(struct imap_session *s)
{
	if (s->state == IMAP_STATE_LOGOUT || s->srv->is_stopping)
		return false;	/* after BYE nothing more is said */
	if (!buf_append(&s->out, "\r\n", 2)) {
		server_log("imap: response line over %d bytes dropped", IMAP_OUT_MAX);
		return false;
	}
	return io_write(s->io, s->out.data, s->out.len);
}

void
imap_untagged(struct imap_session *s, const char *fmt, ...)
{
	va_list ap;

	imap_out_begin(s, "* ");
	va_start(ap, fmt);
	buf_vprintf(&s->out, fmt, ap);
	va_end(ap);
	imap_out_end(s);
}

void
imap_continue(struct imap_session *s, const char *text)
{
	imap_out_begin(s, "+ ");
	buf_puts(&s->out, text);
	imap_out_end(s);
}

void
imap_bye(struct imap_session *s, const char *fmt, ...)
{
	va_list ap;

	imap_out_begin(s, "* BYE ");
	va_start(ap, fmt);
	buf_vprintf(&s->out, fmt, ap);
	va_end(ap);
	imap_out_end(s);
	imap_enter_state(s, IMAP_STATE_LOGOUT);
}

static void imap_vtagged(struct imap_session *s, const char *status,
    const char *code, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void
imap_vtagged(struct imap_session *s, const char *status, const char *code,
    const char *fmt, va_list ap)
{
	imap_out_begin(s, s->tag[0] != '\0' ? s->tag : "*");
	buf_printf(&s->out, " %s ", status);
	if (code != NULL)
		buf_printf(&s->out, "[%s] ", code);
	buf_vprintf(&s->out, fmt, ap);
	imap_out_end(s);
	s->cur = NULL;
	s->is_in_literal = false;
}

/* Changes of the selected mailbox go out before a command's completion. */
static void
imap_announce(struct imap_session *s)
{
	if (s->state == IMAP_STATE_SELECTED && s->view.is_changed)
		imap_view_sync(s, s->may_expunge);
}

void
imap_ok(struct imap_session *s, const char *code, const char *fmt, ...)
{
	va_list ap;

	imap_announce(s);
	va_start(ap, fmt);
	imap_vtagged(s, "OK", code, fmt, ap);
	va_end(ap);
}

void
imap_no(struct imap_session *s, const char *code, const char *fmt, ...)
{
	va_list ap;

	imap_announce(s);
	va_start(ap, fmt);
	imap_vtagged(s, "NO", code, fmt, ap);
	va_end(ap);
}

void
imap_bad(struct imap_session *s, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	imap_vtagged(s, "BAD", code, fmt, ap);
	va_end(ap);
	if (++s->errors >= s->srv->limits.max_errors)
		imap_bye(s, "Too many invalid commands, closing connection");
}

/* ---- argument checks for handler tables ---- */

bool
imap_check_no_args(struct imap_session *s, const struct imap_cmd *cmd)
{
	if (imap_cmd_nargs(cmd) == 0)
		return true;
	imap_bad(s, NULL, "%s takes no arguments", cmd->name);
	return false;
}

bool
imap_check_nargs(struct imap_session *s, const struct imap_cmd *cmd, size_t min,
    size_t max)
{
	size_t n = imap_cmd_nargs(cmd);

	if (n >= min && n <= max)
		return true;
	imap_bad(s, NULL, "%s: wrong number of arguments", cmd->name);
	return false;
}

const char *
imap_arg_astring(const struct imap_node *node, size_t *len_r)
{
	if (node == NULL || node->kind == IMAP_NODE_LIST ||
	    node->kind == IMAP_NODE_SECTION || node->is_literal8)
		return NULL;
	if (node->kind == IMAP_NODE_NIL) {	/* an astring has no NIL: an atom */
		if (len_r != NULL)
			*len_r = node->len;
		return node->str;
	}
	return imap_node_str(node, len_r);
}
