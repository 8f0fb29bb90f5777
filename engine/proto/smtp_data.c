/* smtp_data.c: SMTP DATA end-of-data detection and dot-(un)stuffing.
 *
 * RFC 5321 §4.1.1.4 (the mail data ends with CRLF "." CRLF; the CRLF of
 * the DATA command line counts as the first CRLF, so data may be ".\r\n"
 * at once), §4.5.2 (transparency: the server deletes the first "." of a
 * line that starts with one, the client adds it), §2.3.8 (only CRLF ends
 * a line: a bare LF or CR is content, counted in the statistics, never
 * part of an end-of-data marker; this is what defeats "SMTP smuggling"
 * with "<LF>.<LF>" or "<LF>.<CR><LF>"), §4.5.3.1.6 (text line length:
 * stats.max_line counts the line as sent, a stuffed dot included).
 *
 * The decoder is a byte-at-a-time state machine, so its output does not
 * depend on how the input is chunked. Only two bytes are ever held back:
 * a "." at the start of a line and a CR right after it; the dot is never
 * output, the CR is output once the next byte shows it is not the end.
 * That CR can make one call's output one byte longer than its input, so
 * the decoder keeps that byte (a one-byte carry) and writes it first in
 * the next call: the output never exceeds the input length, and the carry
 * is always flushed by the call that consumes the end-of-data line.
 */
#include "smtp_data.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum data_state {
	DATA_LINE_START,	/* after CRLF (or at the start of the data) */
	DATA_DOT,		/* "." at the start of a line */
	DATA_DOT_CR,		/* "." CR at the start of a line */
	DATA_IN_LINE,
	DATA_CR,		/* CR inside a line, already output */
	DATA_DONE,
};

struct smtp_data_decoder {
	size_t max_bytes;
	enum data_state state;
	size_t line_len;	/* bytes of the current line as sent */
	bool has_carry;
	unsigned char carry;
	struct smtp_data_stats st;
};

/* The output window of one decode call. */
struct data_out {
	unsigned char *buf;
	size_t cap;
	size_t len;
};

struct smtp_data_decoder *
smtp_data_decoder_new(size_t max_bytes)
{
	struct smtp_data_decoder *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->max_bytes = max_bytes;
	return d;
}

void
smtp_data_decoder_free(struct smtp_data_decoder **dp)
{
	if (dp == NULL || *dp == NULL)
		return;
	free(*dp);
	*dp = NULL;
}

void
smtp_data_decoder_reset(struct smtp_data_decoder *d)
{
	size_t max = d->max_bytes;

	memset(d, 0, sizeof(*d));
	d->max_bytes = max;
	d->state = DATA_LINE_START;
}

const struct smtp_data_stats *
smtp_data_decoder_stats(const struct smtp_data_decoder *d)
{
	return &d->st;
}

/* Output one decoded byte, or discard it once past the maximum. */
static void
data_emit(struct smtp_data_decoder *d, struct data_out *o, unsigned char c)
{
	if (d->st.is_truncated)
		return;
	if (d->st.bytes_out == d->max_bytes) {
		d->st.is_truncated = true;
		return;
	}
	if (o->len < o->cap) {
		o->buf[o->len++] = c;
	} else {
		d->carry = c;	/* at most one byte, see the top comment */
		d->has_carry = true;
	}
	d->st.bytes_out++;
}

/* One more byte of the current line as sent. */
static void
data_count(struct smtp_data_decoder *d)
{
	d->line_len++;
	if (d->line_len > d->st.max_line)
		d->st.max_line = d->line_len;
}

/* A byte of line content (never the LF of a CRLF). */
static void
data_content(struct smtp_data_decoder *d, struct data_out *o, unsigned char c)
{
	data_emit(d, o, c);
	if (c == '\r') {
		d->state = DATA_CR;	/* counted once we know it is bare */
		return;
	}
	data_count(d);
	if (c == '\n')
		d->st.bare_lf++;
	else if (c == '\0')
		d->st.nul++;
	else if (c >= 0x80)
		d->st.has_8bit = true;
	d->state = DATA_IN_LINE;
}

/* The CR before c was not followed by LF. */
static void
data_bare_cr(struct smtp_data_decoder *d)
{
	d->st.bare_cr++;
	data_count(d);
}

/* Feed one byte; true when it completes the end-of-data line. */
static bool
data_step(struct smtp_data_decoder *d, struct data_out *o, unsigned char c)
{
	switch (d->state) {
	case DATA_LINE_START:
		if (c == '.') {
			d->state = DATA_DOT;
			d->line_len = 1;
			return false;
		}
		break;
	case DATA_DOT:
		if (c == '\r') {
			d->state = DATA_DOT_CR;
			return false;
		}
		break;		/* the stuffed dot is dropped */
	case DATA_DOT_CR:
		if (c == '\n') {
			d->state = DATA_DONE;
			return true;
		}
		data_emit(d, o, '\r');
		data_bare_cr(d);
		break;
	case DATA_CR:
		if (c == '\n') {
			data_emit(d, o, '\n');
			d->st.lines++;
			d->line_len = 0;
			d->state = DATA_LINE_START;
			return false;
		}
		data_bare_cr(d);
		break;
	case DATA_IN_LINE:
		break;
	case DATA_DONE:
		return true;
	}
	data_content(d, o, c);
	return false;
}

int
smtp_data_decode(struct smtp_data_decoder *d, const void *in, size_t len,
    size_t *consumed_r, void *out, size_t *out_len_r)
{
	const unsigned char *p = in;
	struct data_out o = { out, len, 0 };
	bool was_truncated = d->st.is_truncated;
	size_t i;

	*consumed_r = 0;
	*out_len_r = 0;
	if (d->state == DATA_DONE)
		return 1;
	if (d->has_carry && len > 0) {
		o.buf[o.len++] = d->carry;
		d->has_carry = false;
	}
	for (i = 0; i < len; i++) {
		bool is_end = data_step(d, &o, p[i]);

		if (is_end || (d->st.is_truncated && !was_truncated)) {
			*consumed_r = i + 1;
			*out_len_r = o.len;
			return is_end ? 1 : -1;
		}
	}
	*consumed_r = len;
	*out_len_r = o.len;
	return 0;
}

size_t
smtp_data_stuffed_max(size_t len)
{
	/* Every stuffed line but the first needs CR LF "." in src: at most
	 * 1 + len / 3 added dots, then CRLF and ".\r\n". */
	size_t extra = len / 3 + 1 + 2 + 3;

	return len > SIZE_MAX - extra ? SIZE_MAX : len + extra;
}

size_t
smtp_data_stuff(const void *src, size_t len, bool terminate, void *dst)
{
	const unsigned char *s = src;
	unsigned char *o = dst;
	bool is_line_start = true;
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (is_line_start && s[i] == '.')
			o[n++] = '.';
		o[n++] = s[i];
		is_line_start = s[i] == '\n' && i > 0 && s[i - 1] == '\r';
	}
	if (!terminate)
		return n;
	if (len > 0 && !is_line_start) {
		o[n++] = '\r';
		o[n++] = '\n';
	}
	memcpy(o + n, ".\r\n", 3);
	return n + 3;
}
