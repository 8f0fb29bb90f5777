/* linebuf.h: CRLF line framing with a hard maximum.
 *
 * RFC 5321 §2.3.8: lines end in CRLF; a bare CR or LF is not a line end.
 * RFC 5321 §4.5.3.1.4-5 bound command and reply lines; the caller picks
 * the maximum (line content, CRLF not counted).
 *
 * Contract (STYLE.md): feed bytes in, pull lines out. linebuf_take_line()
 * returns 1 with a line, 0 when it needs more bytes, -1 with an error.
 * After an error the offending line is dropped and framing resumes after
 * its CRLF, so one bad line never poisons the rest of the stream.
 */
#ifndef MAILSPEC_LINEBUF_H
#define MAILSPEC_LINEBUF_H

#include <stdbool.h>
#include <stddef.h>

enum linebuf_error {
	LINEBUF_ERR_NONE = 0,
	LINEBUF_ERR_TOO_LONG,	/* more than max_line bytes before CRLF */
	LINEBUF_ERR_BARE_LF,	/* LF not preceded by CR (strict mode) */
	LINEBUF_ERR_BARE_CR,	/* CR not followed by LF (strict mode) */
	LINEBUF_ERR_NUL,	/* NUL byte in the line (strict mode) */
	LINEBUF_ERR_NOMEM,
};

/* Flags for linebuf_new(). */
#define LINEBUF_STRICT	0x1	/* bare CR, bare LF and NUL are errors */
#define LINEBUF_LF_OK	0x2	/* accept a bare LF as a line end (lenient peers) */

struct linebuf;

/* A framer for lines of at most max_line bytes (without CRLF). */
struct linebuf *linebuf_new(size_t max_line, int flags);
/* Free; clears *lbp. NULL-safe. */
void linebuf_free(struct linebuf **lbp);
/* Forget buffered bytes and any error state. */
void linebuf_reset(struct linebuf *lb);
/* Copy bytes in. Returns the number accepted; fewer than len only when
 * the internal buffer is full, in which case take lines and feed again. */
size_t linebuf_feed(struct linebuf *lb, const void *data, size_t len);
/* 1: *line_r, *len_r is the next line without its CRLF, valid until the
 * next call on lb. 0: need more. -1: error, see linebuf_error(). */
int linebuf_take_line(struct linebuf *lb, const char **line_r, size_t *len_r);
/* The error of the last -1. */
enum linebuf_error linebuf_error(const struct linebuf *lb);
/* A fixed English message for an error code. */
const char *linebuf_error_str(enum linebuf_error err);
/* Bytes fed but not yet returned as lines (e.g. pipelined input). */
size_t linebuf_pending(const struct linebuf *lb);
/* Move up to max of the pending bytes out (for a switch to another
 * framing, e.g. SMTP DATA or an IMAP literal); returns bytes copied. */
size_t linebuf_drain(struct linebuf *lb, void *out, size_t max);
/* Drop pending bytes without returning them (STARTTLS: RFC 3207 §4.2). */
void linebuf_discard(struct linebuf *lb);

#endif
