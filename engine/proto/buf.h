/* buf.h: a growable byte buffer with a hard maximum.
 *
 * The buffer is always NUL-terminated after its length so text can be
 * handed to C string functions; the NUL is not counted in len.
 */
#ifndef MAILSPEC_BUF_H
#define MAILSPEC_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;		/* NUL-terminated; NULL until the first append */
	size_t len;
	size_t cap;
	size_t max;		/* appends that would pass this fail */
};

/* Initialise an empty buffer that refuses to grow past max bytes. */
void buf_init(struct buf *b, size_t max);
/* Release the memory; the buffer can be reused after buf_init(). */
void buf_release(struct buf *b);
/* Forget the contents, keep the memory. */
void buf_clear(struct buf *b);
/* Append len bytes; false (buffer unchanged) past the maximum or on ENOMEM. */
bool buf_append(struct buf *b, const void *data, size_t len);
/* Append a C string. */
bool buf_puts(struct buf *b, const char *s);
/* Append one byte. */
bool buf_putc(struct buf *b, char c);
/* Append formatted text. */
bool buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
bool buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Drop the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);
/* Append data with C-style escapes for CR, LF, TAB, backslash and
 * non-printable bytes (\xHH): the form transcripts use. */
bool buf_append_escaped(struct buf *b, const void *data, size_t len);

/* The offset of the first byte c in s[from..to), or to when there is
 * none: memchr() in offsets, for scanners that keep positions. */
size_t mem_find(const char *s, size_t from, size_t to, char c);

#endif
