/* imap_frame.c: cutting an IMAP byte stream into the lines and literals
 * of one command or response.
 *
 * RFC 9051 §2.2 (commands and responses are lines ending in CRLF; a
 * literal's octets follow the CRLF after "{n}" and the item goes on after
 * them), §4.3 and §9 (literal = "{" number64 ["+"] "}" CRLF *CHAR8,
 * literal8 = "~{" number64 "}" CRLF *OCTET, RFC 3516 §4.2), RFC 7888 §3
 * ("{n+}").
 *
 * Choices:
 * - Lines end in CRLF only. A bare CR, a bare LF or a NUL outside a
 *   literal is an error, reported at the offending byte, so the items
 *   never depend on how the input was chunked.
 * - Every byte of the item goes into raw (CRLFs and literal bytes too);
 *   max_line bounds the non-literal bytes without CRLFs, max_size the
 *   whole of raw.
 * - After an error the rest of the line is dropped. If that line ends in a
 *   literal announcement, the literal's bytes are dropped too and so is
 *   the line after them, and so on, because the peer sends them anyway:
 *   a server always does; a client does only for "{n+}" (a client that
 *   announced "{n}" waits for a continuation it will not get, so the
 *   command is over). The next line starts a new item.
 */
#include "arena.h"
#include "imap_private.h"

#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define IMAP_FRAME_IN_CAP	((size_t)16 << 10)
#define IMAP_NUMBER64_DIGITS	19

bool
imap_frame_init(struct imap_frame *f, size_t max_line, size_t max_size, bool is_server)
{
	memset(f, 0, sizeof(*f));
	/* one more byte: a NUL after the input ends the scans of take_line */
	f->in = malloc(IMAP_FRAME_IN_CAP + 1);
	if (f->in == NULL)
		return false;
	f->in[0] = '\0';
	f->in_cap = IMAP_FRAME_IN_CAP;
	buf_init(&f->raw, max_size);
	f->max_line = max_line;
	f->max_size = max_size;
	f->is_server = is_server;
	return true;
}

void
imap_frame_release(struct imap_frame *f)
{
	free(f->in);
	f->in = NULL;
	buf_release(&f->raw);
}

void
imap_frame_begin_item(struct imap_frame *f)
{
	buf_clear(&f->raw);
	f->seg_start = 0;
	f->line_total = 0;
	if (f->state == IMAP_FRAME_LINE || f->state == IMAP_FRAME_LITERAL) {
		f->state = IMAP_FRAME_LINE;
		f->is_cr = false;
	}
}

void
imap_frame_reset(struct imap_frame *f)
{
	f->in_start = f->in_end = 0;
	f->in[0] = '\0';
	f->state = IMAP_FRAME_LINE;
	f->err = IMAP_ERR_NONE;
	f->tail_len = 0;
	f->lit_left = 0;
	imap_frame_begin_item(f);
}

size_t
imap_frame_feed(struct imap_frame *f, const void *data, size_t len)
{
	size_t room;

	if (f->in_end + len > f->in_cap && f->in_start > 0) {
		memmove(f->in, f->in + f->in_start, f->in_end - f->in_start);
		f->in_end -= f->in_start;
		f->in_start = 0;
	}
	room = f->in_cap - f->in_end;
	if (len > room)
		len = room;
	if (len > 0)
		memcpy(f->in + f->in_end, data, len);
	f->in_end += len;
	f->in[f->in_end] = '\0';
	return len;
}

size_t
imap_frame_pending(const struct imap_frame *f)
{
	return f->in_end - f->in_start;
}

/* Keep the last IMAP_FRAME_TAIL bytes of a line being dropped. */
static void
imap_frame_tail_add(struct imap_frame *f, const char *p, size_t n)
{
	if (n >= IMAP_FRAME_TAIL) {
		memcpy(f->tail, p + n - IMAP_FRAME_TAIL, IMAP_FRAME_TAIL);
		f->tail_len = IMAP_FRAME_TAIL;
		return;
	}
	if (f->tail_len + n > IMAP_FRAME_TAIL) {
		size_t drop = f->tail_len + n - IMAP_FRAME_TAIL;

		memmove(f->tail, f->tail + drop, f->tail_len - drop);
		f->tail_len -= drop;
	}
	memcpy(f->tail + f->tail_len, p, n);
	f->tail_len += n;
}

/* An error at the current input byte: drop the rest of the line, keeping
 * in the tail what the line had so far. */
static int
imap_frame_fail(struct imap_frame *f, enum imap_error err)
{
	f->err = err;
	f->state = IMAP_FRAME_SKIP_LINE;
	f->tail_len = 0;
	f->is_cr = false;
	if (f->raw.len > f->seg_start) {
		imap_frame_tail_add(f, f->raw.data + f->seg_start, f->raw.len - f->seg_start);
		/* a CR taken just before the error may be the line's end */
		f->is_cr = f->raw.data[f->raw.len - 1] == '\r';
	}
	return -1;
}

static bool
imap_frame_append(struct imap_frame *f, const char *p, size_t n)
{
	if (n == 0)
		return true;
	if (n > f->max_size - f->raw.len) {
		f->err = IMAP_ERR_TOO_LARGE;
		return false;
	}
	if (!buf_append(&f->raw, p, n)) {
		f->err = IMAP_ERR_NOMEM;
		return false;
	}
	return true;
}

/* The line ends here (its CRLF is in raw). */
static int
imap_frame_end_line(struct imap_frame *f)
{
	f->is_cr = false;
	f->ev_start = f->seg_start;
	f->ev_len = f->raw.len - 2 - f->seg_start;
	f->seg_start = f->raw.len;
	return IMAP_FRAME_EV_LINE;
}

static int
imap_frame_take_line(struct imap_frame *f)
{
	while (f->in_start < f->in_end) {
		const char *p = f->in + f->in_start;
		size_t n = f->in_end - f->in_start, k = 0;

		if (f->is_cr) {
			if (p[0] != '\n')
				return imap_frame_fail(f, IMAP_ERR_BARE_CR);
			if (!imap_frame_append(f, p, 1))
				return imap_frame_fail(f, f->err);
			f->in_start++;
			return imap_frame_end_line(f);
		}
		/* the first CR, LF or NUL; in[in_end] is a NUL, so k <= n */
		k = strcspn(p, "\r\n");
		if (k > f->max_line - f->line_total) {
			size_t fit = f->max_line - f->line_total;

			if (!imap_frame_append(f, p, fit))
				return imap_frame_fail(f, f->err);
			f->in_start += fit;
			return imap_frame_fail(f, IMAP_ERR_LINE_TOO_LONG);
		}
		if (!imap_frame_append(f, p, k))
			return imap_frame_fail(f, f->err);
		f->line_total += k;
		f->in_start += k;
		if (k == n)
			return 0;
		if (p[k] != '\r') {
			f->in_start++;
			return imap_frame_fail(f, p[k] == '\n' ? IMAP_ERR_BARE_LF : IMAP_ERR_NUL);
		}
		/* CRLF in one append when both bytes are here and fit (else
		 * byte by byte, below, where the errors are told apart) */
		if (k + 1 < n && p[k + 1] == '\n' && f->max_size - f->raw.len >= 2) {
			if (!imap_frame_append(f, p + k, 2))
				return imap_frame_fail(f, f->err);
			f->in_start += 2;
			return imap_frame_end_line(f);
		}
		if (!imap_frame_append(f, p + k, 1))
			return imap_frame_fail(f, f->err);
		f->in_start++;
		f->is_cr = true;
	}
	return 0;
}

static int
imap_frame_take_literal(struct imap_frame *f)
{
	size_t n = f->in_end - f->in_start;

	if (n > f->lit_left)
		n = (size_t)f->lit_left;
	if (!imap_frame_append(f, f->in + f->in_start, n)) {
		/* start_literal checked max_size: only ENOMEM gets here */
		f->in_start += n;
		f->lit_left -= n;
		f->state = f->lit_left > 0 ? IMAP_FRAME_SKIP_LITERAL : IMAP_FRAME_SKIP_LINE;
		f->tail_len = 0;
		return -1;
	}
	f->in_start += n;
	f->lit_left -= n;
	if (f->lit_left > 0)
		return 0;
	f->state = IMAP_FRAME_LINE;
	f->ev_start = f->seg_start;
	f->ev_len = f->raw.len - f->seg_start;
	f->seg_start = f->raw.len;
	return IMAP_FRAME_EV_LITERAL;
}

bool
imap_frame_start_literal(struct imap_frame *f, uint64_t n)
{
	if (n > f->max_size - f->raw.len) {
		f->err = IMAP_ERR_TOO_LARGE;
		return false;
	}
	f->state = IMAP_FRAME_LITERAL;
	f->lit_left = n;
	f->seg_start = f->raw.len;
	return true;
}

int64_t
imap_frame_tail_literal(const char *line, size_t len, bool *is_nonsync_r)
{
	size_t end = len, digits = 0;
	uint64_t v = 0, scale = 1;

	*is_nonsync_r = false;
	if (end == 0 || line[end - 1] != '}')
		return -1;
	end--;
	if (end > 0 && line[end - 1] == '+') {
		*is_nonsync_r = true;
		end--;
	}
	while (end > 0 && line[end - 1] >= '0' && line[end - 1] <= '9') {
		if (++digits > IMAP_NUMBER64_DIGITS)
			return -1;
		v += (uint64_t)(line[end - 1] - '0') * scale;
		scale *= 10;
		end--;
	}
	if (digits == 0 || end == 0 || line[end - 1] != '{' || v > (uint64_t)INT64_MAX)
		return -1;
	return (int64_t)v;
}

/* A dropped line ended: its literal's bytes come next, or the item is over. */
static void
imap_frame_after_skipped(struct imap_frame *f, const char *line, size_t len)
{
	bool is_nonsync;
	int64_t n = imap_frame_tail_literal(line, len, &is_nonsync);

	f->tail_len = 0;
	f->is_cr = false;
	if (n >= 0 && (!f->is_server || is_nonsync)) {
		f->state = IMAP_FRAME_SKIP_LITERAL;
		f->lit_left = (uint64_t)n;
	} else {
		f->state = IMAP_FRAME_LINE;
	}
}

void
imap_frame_skip_after_line(struct imap_frame *f, const char *line, size_t len)
{
	imap_frame_after_skipped(f, line, len);
}

void
imap_frame_skip_line(struct imap_frame *f)
{
	f->state = IMAP_FRAME_SKIP_LINE;
	f->tail_len = 0;
	f->is_cr = false;
}

/* Drop input up to and including a CRLF. 1: the line ended. */
static int
imap_frame_drop_line(struct imap_frame *f)
{
	while (f->in_start < f->in_end) {
		const char *p = f->in + f->in_start;
		size_t n = f->in_end - f->in_start, k;
		const char *lf = memchr(p, '\n', n);
		bool is_end;

		if (lf == NULL) {
			imap_frame_tail_add(f, p, n);
			f->is_cr = p[n - 1] == '\r';
			f->in_start += n;
			return 0;
		}
		k = (size_t)(lf - p);
		is_end = k > 0 ? p[k - 1] == '\r' : f->is_cr;
		imap_frame_tail_add(f, p, k + 1);
		f->in_start += k + 1;
		f->is_cr = false;
		if (is_end) {
			/* the tail ends in CR LF: look at what is before them */
			char tail[IMAP_FRAME_TAIL];
			size_t tl = f->tail_len >= 2 ? f->tail_len - 2 : 0;

			memcpy(tail, f->tail, tl);
			imap_frame_after_skipped(f, tail, tl);
			return 1;
		}
	}
	return 0;
}

static int
imap_frame_drop_literal(struct imap_frame *f)
{
	size_t n = f->in_end - f->in_start;

	if (n > f->lit_left)
		n = (size_t)f->lit_left;
	f->in_start += n;
	f->lit_left -= n;
	if (f->lit_left > 0)
		return 0;
	f->state = IMAP_FRAME_SKIP_LINE;
	f->tail_len = 0;
	f->is_cr = false;
	return 1;
}

int
imap_frame_next(struct imap_frame *f)
{
	for (;;) {
		switch (f->state) {
		case IMAP_FRAME_SKIP_LITERAL:
			if (imap_frame_drop_literal(f) == 0)
				return 0;
			break;
		case IMAP_FRAME_SKIP_LINE:
			if (imap_frame_drop_line(f) == 0)
				return 0;
			break;
		case IMAP_FRAME_LITERAL:
			return imap_frame_take_literal(f);
		case IMAP_FRAME_LINE:
			return imap_frame_take_line(f);
		}
	}
}

const char *
imap_frame_line(const struct imap_frame *f, size_t *len_r)
{
	*len_r = f->ev_len;
	return f->raw.data + f->ev_start;
}

const char *
imap_frame_literal(const struct imap_frame *f, size_t *len_r)
{
	*len_r = f->ev_len;
	return f->raw.data != NULL ? f->raw.data + f->ev_start : "";
}

size_t
imap_sat_add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

#define IMAP_CORE_NODE_COST	256	/* arena bytes per node, generous */

bool
imap_core_init(struct imap_core *c, bool is_server)
{
	size_t amax = imap_sat_add(c->lim.max_size, 2 * c->lim.max_line);

	amax = imap_sat_add(amax, c->lim.max_nodes < SIZE_MAX / IMAP_CORE_NODE_COST ?
	    c->lim.max_nodes * IMAP_CORE_NODE_COST : SIZE_MAX);
	c->arena = arena_new(imap_sat_add(amax, (size_t)1 << 20));
	if (c->arena == NULL ||
	    !imap_frame_init(&c->frame, c->lim.max_line, c->lim.max_size, is_server) ||
	    !imap_lex_init(&c->lex, c->arena, c->lim.max_depth, c->lim.max_nodes, is_server)) {
		imap_core_release(c);
		return false;
	}
	return true;
}

void
imap_core_release(struct imap_core *c)
{
	imap_frame_release(&c->frame);
	imap_lex_release(&c->lex);
	arena_free(&c->arena);
}
