/* linebuf.c: CRLF line framing with a hard maximum.
 *
 * Implements RFC 5321 §2.3.8 (lines end in CRLF; bare CR and bare LF are
 * not line ends) and the line limits of §4.5.3.1.4-5 (the caller chooses
 * the maximum).
 *
 * The bytes fed in live in one fixed buffer of 2 * (max_line + 2) bytes
 * (at least 1 KiB), so a full buffer always holds enough to decide: either
 * a line ends within max_line + 2 bytes or the line is too long. An error
 * is reported as soon as the offending byte is seen; the rest of that line
 * is then skipped without being buffered, up to and including its CRLF
 * (or bare LF under LINEBUF_LF_OK). Whether a CR is bare is only decided
 * once the byte after it has arrived, so the items never depend on how
 * the input was chunked.
 *
 * With LINEBUF_LF_OK a bare LF ends a line even in strict mode; bare CR
 * and NUL remain errors there. A returned line is NUL-terminated in place
 * (the byte after it, its CR or LF, is overwritten).
 */
#include "linebuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LINEBUF_MIN_CAP 1024

struct linebuf {
	char *data;
	size_t cap;
	size_t start;		/* first byte not yet returned or skipped */
	size_t end;		/* one past the last byte fed */
	size_t scan;		/* bytes from start already known to be content */
	size_t max_line;
	int flags;
	bool is_skipping;	/* dropping the rest of an erroneous line */
	enum linebuf_error err;
};

struct linebuf *
linebuf_new(size_t max_line, int flags)
{
	struct linebuf *lb;
	size_t cap;

	if (max_line == 0 || max_line > SIZE_MAX / 4)
		return NULL;
	cap = 2 * (max_line + 2);
	if (cap < LINEBUF_MIN_CAP)
		cap = LINEBUF_MIN_CAP;
	lb = calloc(1, sizeof(*lb));
	if (lb == NULL)
		return NULL;
	lb->data = malloc(cap);
	if (lb->data == NULL) {
		free(lb);
		return NULL;
	}
	lb->cap = cap;
	lb->max_line = max_line;
	lb->flags = flags;
	return lb;
}

void
linebuf_free(struct linebuf **lbp)
{
	if (lbp == NULL || *lbp == NULL)
		return;
	free((*lbp)->data);
	free(*lbp);
	*lbp = NULL;
}

void
linebuf_reset(struct linebuf *lb)
{
	lb->start = lb->end = lb->scan = 0;
	lb->is_skipping = false;
	lb->err = LINEBUF_ERR_NONE;
}

/* Move the unread bytes to the front of the buffer. */
static void
linebuf_compact(struct linebuf *lb)
{
	size_t n = lb->end - lb->start;

	if (lb->start == 0)
		return;
	if (n > 0)
		memmove(lb->data, lb->data + lb->start, n);
	lb->start = 0;
	lb->end = n;
}

size_t
linebuf_feed(struct linebuf *lb, const void *data, size_t len)
{
	size_t room;

	if (lb->end + len > lb->cap)
		linebuf_compact(lb);
	room = lb->cap - lb->end;
	if (len > room)
		len = room;
	if (len > 0)
		memcpy(lb->data + lb->end, data, len);
	lb->end += len;
	return len;
}

/* Drop bytes up to and including the next line end. 1: line end found. */
static int
linebuf_skip_line(struct linebuf *lb)
{
	size_t i;

	for (i = lb->start; i < lb->end; i++) {
		char c = lb->data[i];

		if (c == '\n' && (lb->flags & LINEBUF_LF_OK)) {
			lb->start = i + 1;
			return 1;
		}
		if (c != '\r')
			continue;
		if (i + 1 == lb->end) {
			lb->start = i;	/* keep the CR: its LF may follow */
			return 0;
		}
		if (lb->data[i + 1] == '\n') {
			lb->start = i + 2;
			return 1;
		}
	}
	lb->start = lb->end;
	return 0;
}

static int
linebuf_fail(struct linebuf *lb, size_t at, enum linebuf_error err)
{
	lb->err = err;
	lb->start = at + 1;
	lb->scan = 0;
	lb->is_skipping = true;
	return -1;
}

static int
linebuf_emit(struct linebuf *lb, size_t len, size_t next,
    const char **line_r, size_t *len_r)
{
	*line_r = lb->data + lb->start;
	*len_r = len;
	lb->data[lb->start + len] = '\0';
	lb->start = next;
	lb->scan = 0;
	return 1;
}

int
linebuf_take_line(struct linebuf *lb, const char **line_r, size_t *len_r)
{
	bool is_strict = (lb->flags & LINEBUF_STRICT) != 0;
	size_t i;

	if (lb->is_skipping) {
		if (linebuf_skip_line(lb) == 0)
			return 0;
		lb->is_skipping = false;
	}
	for (i = lb->start + lb->scan; i < lb->end; i++) {
		char c = lb->data[i];
		size_t n = i - lb->start;	/* content bytes before c */

		if (c == '\r') {
			if (i + 1 == lb->end)
				break;
			if (lb->data[i + 1] == '\n')
				return linebuf_emit(lb, n, i + 2, line_r, len_r);
			if (is_strict)
				return linebuf_fail(lb, i, LINEBUF_ERR_BARE_CR);
		} else if (c == '\n') {
			if (lb->flags & LINEBUF_LF_OK)
				return linebuf_emit(lb, n, i + 1, line_r, len_r);
			if (is_strict)
				return linebuf_fail(lb, i, LINEBUF_ERR_BARE_LF);
		} else if (c == '\0' && is_strict) {
			return linebuf_fail(lb, i, LINEBUF_ERR_NUL);
		}
		if (n + 1 > lb->max_line)
			return linebuf_fail(lb, i, LINEBUF_ERR_TOO_LONG);
	}
	lb->scan = i - lb->start;
	return 0;
}

enum linebuf_error
linebuf_error(const struct linebuf *lb)
{
	return lb->err;
}

const char *
linebuf_error_str(enum linebuf_error err)
{
	switch (err) {
	case LINEBUF_ERR_NONE: return "no error";
	case LINEBUF_ERR_TOO_LONG: return "line too long";
	case LINEBUF_ERR_BARE_LF: return "bare LF (not preceded by CR)";
	case LINEBUF_ERR_BARE_CR: return "bare CR (not followed by LF)";
	case LINEBUF_ERR_NUL: return "NUL byte in line";
	case LINEBUF_ERR_NOMEM: return "out of memory";
	}
	return "unknown error";
}

size_t
linebuf_pending(const struct linebuf *lb)
{
	return lb->end - lb->start;
}

size_t
linebuf_drain(struct linebuf *lb, void *out, size_t max)
{
	size_t n = lb->end - lb->start;

	if (n > max)
		n = max;
	if (n > 0)
		memcpy(out, lb->data + lb->start, n);
	lb->start += n;
	lb->scan = 0;
	return n;
}

void
linebuf_discard(struct linebuf *lb)
{
	lb->start = lb->end = lb->scan = 0;
	lb->is_skipping = false;
}
