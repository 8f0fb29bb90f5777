/* pop3_body.c: multi-line POP3 responses, streamed (LIST and UIDL
 * listings, RETR and TOP messages).
 *
 * RFC 1939 §3 (a multi-line response ends with CRLF "." CRLF; a line
 * starting with "." is byte-stuffed with another "."), §5 (LIST scan
 * listings "msg size"; RETR sends the message), §7 (TOP: the header,
 * the blank line separating it from the body, then the first n body
 * lines; UIDL unique-id listings "msg unique-id", unique-id = 1*70
 * characters 0x21-0x7E, unique within the maildrop and stable across
 * sessions).
 *
 * A message is read from its file POP3_CHUNK octets at a time and
 * stuffed on the way out, stopping whenever io_out_is_busy() and going on
 * at IO_EV_DRAINED, so a message of any size costs a bounded amount of
 * memory. A message whose last line lacks CRLF gets one before the final
 * "." (as pop3_body_stuff() does); its size in LIST is the stored size.
 * Unique-ids are "<UIDVALIDITY>.<UID>" (at most 21 characters): a
 * mailbox created anew gets a new UIDVALIDITY, so no id is ever reused.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pop3_private.h"

void
pop3_body_unique_id(const struct pop3_session *s, const struct store_msg *m,
    char *out, size_t outlen)
{
	snprintf(out, outlen, "%u.%u", (unsigned)store_mailbox_uidvalidity(s->mb),
	    (unsigned)m->uid);
}

void
pop3_body_drop(struct pop3_session *s)
{
	if (s->body.fd >= 0)
		close(s->body.fd);
	s->body.fd = -1;
}

static void
pop3_body_end(struct pop3_session *s)
{
	io_write(s->io, ".\r\n", 3);
	pop3_body_drop(s);
	pop3_enter_state(s, POP3_STATE_TRANSACTION);
}

/* ---- LIST / UIDL listings ---- */

void
pop3_body_start_listing(struct pop3_session *s, enum pop3_body_kind kind)
{
	memset(&s->body, 0, sizeof(s->body));
	s->body.fd = -1;
	s->body.kind = kind;
	pop3_enter_state(s, POP3_STATE_SENDING);
}

static bool
pop3_body_pump_listing(struct pop3_session *s)
{
	struct pop3_body *b = &s->body;
	const struct store_msg *m;
	char id[32];

	while (!io_out_is_busy(s->io)) {
		while (b->next < s->nmsgs && s->is_deleted[b->next])
			b->next++;
		if (b->next == s->nmsgs) {
			pop3_body_end(s);
			return true;
		}
		m = store_mailbox_msg(s->mb, b->next++);
		if (b->kind == POP3_BODY_LIST) {
			io_printf(s->io, "%zu %llu\r\n", b->next,
			    (unsigned long long)m->size);
		} else {
			pop3_body_unique_id(s, m, id, sizeof(id));
			io_printf(s->io, "%zu %s\r\n", b->next, id);
		}
	}
	return false;
}

/* ---- RETR / TOP ---- */

void
pop3_body_start_message(struct pop3_session *s, unsigned long n, bool is_top,
    unsigned long lines)
{
	const struct store_msg *m = store_mailbox_msg(s->mb, n - 1);
	struct pop3_body *b = &s->body;
	int fd;

	fd = store_mailbox_open_msg(s->mb, m->uid);
	if (fd < 0) {
		/* removed behind the session's back (e.g. an IMAP EXPUNGE) */
		pop3_reply(s, "-ERR [SYS/TEMP] Message %lu is no longer available", n);
		return;
	}
	memset(b, 0, sizeof(*b));
	b->kind = POP3_BODY_MESSAGE;
	b->fd = fd;
	b->is_top = is_top;
	b->is_header = true;
	b->is_line_empty = true;
	b->lines_left = lines;
	b->is_line_start = true;
	if (is_top)
		pop3_reply(s, "+OK Top of message %lu follows", n);
	else
		pop3_reply(s, "+OK %llu octets", (unsigned long long)m->size);
	pop3_enter_state(s, POP3_STATE_SENDING);
}

/* TOP: how many of p[0..len) to send; sets *is_done at the cut. */
static size_t
pop3_body_top_cut(struct pop3_body *b, const char *p, size_t len, bool *is_done)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] != '\n') {
			if (p[i] != '\r')
				b->is_line_empty = false;
			continue;
		}
		if (b->is_header) {
			if (b->is_line_empty)
				b->is_header = false;	/* the blank line */
		} else
			b->lines_left--;
		b->is_line_empty = true;
		if (!b->is_header && b->lines_left == 0) {
			*is_done = true;
			return i + 1;
		}
	}
	return len;
}

/* Queue p[0..len) byte-stuffed; false when the io is gone. */
static bool
pop3_body_put(struct pop3_session *s, const char *p, size_t len)
{
	struct pop3_body *b = &s->body;
	size_t i, from = 0;

	if (len == 0)
		return true;
	for (i = 0; i < len; i++) {
		if (b->is_line_start && p[i] == '.') {
			if (!io_write(s->io, p + from, i - from) || !io_write(s->io, ".", 1))
				return false;
			from = i;
		}
		b->is_line_start = p[i] == '\n';
	}
	if (!io_write(s->io, p + from, len - from))
		return false;
	b->is_crlf_end = p[len - 1] == '\n' &&
	    (len >= 2 ? p[len - 2] == '\r' : b->is_prev_cr);
	b->is_prev_cr = p[len - 1] == '\r';
	b->sent += len;
	return true;
}

static void
pop3_body_finish_message(struct pop3_session *s)
{
	if (s->body.sent > 0 && !s->body.is_crlf_end)
		io_write(s->io, "\r\n", 2);
	pop3_body_end(s);
}

static bool
pop3_body_pump_message(struct pop3_session *s)
{
	struct pop3_body *b = &s->body;
	char chunk[POP3_CHUNK];
	bool is_done = false;
	size_t take;
	ssize_t n;

	while (!io_out_is_busy(s->io)) {
		n = read(b->fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			server_log("pop3: reading a message of %s: %s", s->auth_user,
			    strerror(errno));
			pop3_body_drop(s);
			io_abort(s->io, "message read error");
			pop3_enter_state(s, POP3_STATE_QUIT);
			return false;
		}
		take = (size_t)n;
		if (n > 0 && b->is_top)
			take = pop3_body_top_cut(b, chunk, take, &is_done);
		if (!pop3_body_put(s, chunk, take))
			return false;
		if (n == 0 || is_done) {
			pop3_body_finish_message(s);
			return true;
		}
	}
	return false;
}

bool
pop3_body_pump(struct pop3_session *s)
{
	if (s->body.kind == POP3_BODY_MESSAGE)
		return pop3_body_pump_message(s);
	return pop3_body_pump_listing(s);
}
