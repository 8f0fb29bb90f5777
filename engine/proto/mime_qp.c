/* mime_qp.c: quoted-printable decoding (streaming) and encoding.
 *
 * RFC 2045 §6.7: rules (1) general 8-bit representation "=XX" with
 * upper-case hex, (2) literal representation of 33-60 and 62-126,
 * (3) white space (deleted at the end of an encoded line), (4) line
 * breaks, (5) soft line breaks and the 76-character limit; the notes on
 * robust decoding (pass an invalid "=" sequence through, accept
 * lower-case hex, drop white space added after a soft break's "=").
 * RFC 2049 §3 (9) and Appendix B (18): bare CR and LF are not line breaks
 * of canonical text.
 */
#include "mime_qp.h"

#include <string.h>

#define QP_LINE_MAX 76

enum {
	QP_TEXT = 0,	/* ordinary text; d->ws may hold white space */
	QP_CR,		/* a CR in text: a line break if LF follows */
	QP_EQ,		/* "=" */
	QP_EQ_HEX,	/* "=X" */
	QP_EQ_WS,	/* "=" then white space (in d->ws) */
	QP_EQ_CR,	/* "=" [white space] CR */
};

void
mime_qp_decoder_init(struct mime_qp_decoder *d)
{
	memset(d, 0, sizeof(*d));
}

static int
qp_hex_value(unsigned char c, unsigned *problems)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f') {
		*problems |= MIME_QP_LOWER_HEX;
		return c - 'a' + 10;
	}
	return -1;
}

static size_t
qp_flush_ws(struct mime_qp_decoder *d, unsigned char *o)
{
	size_t n = d->nws;

	memcpy(o, d->ws, n);
	d->nws = 0;
	return n;
}

/* Drop held white space at the end of a line. */
static void
qp_drop_trailing(struct mime_qp_decoder *d)
{
	if (d->nws > 0)
		d->problems |= MIME_QP_TRAILING_WS;
	d->nws = 0;
}

/* "=" [ws] [CR] that turned out not to be an escape or a soft break. */
static size_t
qp_flush_invalid(struct mime_qp_decoder *d, unsigned char *o, bool with_cr)
{
	size_t k = 0;

	d->problems |= MIME_QP_INVALID;
	o[k++] = '=';
	k += qp_flush_ws(d, o + k);
	if (with_cr) {
		o[k++] = '\r';
		d->problems |= MIME_QP_BAD_CHAR;
	}
	return k;
}

static void
qp_line_end(struct mime_qp_decoder *d)
{
	d->line_len = 0;
	d->state = QP_TEXT;
}

/* One byte in QP_TEXT. */
static size_t
qp_step_text(struct mime_qp_decoder *d, unsigned char c, unsigned char *o)
{
	size_t k = 0;

	if (c == ' ' || c == '\t') {
		if (d->nws == MIME_QP_WS_MAX)
			k = qp_flush_ws(d, o);
		d->ws[d->nws++] = (char)c;
		return k;
	}
	if (c == '\r') {
		d->state = QP_CR;
		return 0;
	}
	if (c == '\n') {
		qp_drop_trailing(d);
		d->problems |= MIME_QP_BAD_CHAR;
		o[k++] = '\n';
		qp_line_end(d);
		return k;
	}
	k = qp_flush_ws(d, o);
	if (c == '=') {
		d->state = QP_EQ;
		return k;
	}
	if (c < 33 || c > 126)
		d->problems |= MIME_QP_BAD_CHAR;
	o[k++] = c;
	return k;
}

/* One byte after "=" or "=X"; returns -1 in *again when c must be
 * looked at again in QP_TEXT. */
static size_t
qp_step_escape(struct mime_qp_decoder *d, unsigned char c, unsigned char *o, bool *again)
{
	int v = qp_hex_value(c, &d->problems);

	if (d->state == QP_EQ_HEX) {
		if (v >= 0) {
			o[0] = (unsigned char)(qp_hex_value((unsigned char)d->hex1,
			    &d->problems) << 4 | v);
			d->state = QP_TEXT;
			return 1;
		}
		d->problems |= MIME_QP_INVALID;
		o[0] = '=';
		o[1] = (unsigned char)d->hex1;
		d->state = QP_TEXT;
		*again = true;
		return 2;
	}
	if (v >= 0) {
		d->hex1 = (char)c;
		d->state = QP_EQ_HEX;
		return 0;
	}
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
		d->state = QP_EQ_WS;
		*again = true;
		return 0;
	}
	d->state = QP_TEXT;
	*again = true;
	return qp_flush_invalid(d, o, false);
}

/* One byte after "=" and white space, or "=" [ws] CR. */
static size_t
qp_step_soft(struct mime_qp_decoder *d, unsigned char c, unsigned char *o, bool *again)
{
	if (d->state == QP_EQ_CR) {
		if (c == '\n') {
			qp_drop_trailing(d);
			qp_line_end(d);
			return 0;
		}
		d->state = QP_TEXT;
		*again = true;
		return qp_flush_invalid(d, o, true);
	}
	if ((c == ' ' || c == '\t') && d->nws < MIME_QP_WS_MAX) {
		d->ws[d->nws++] = (char)c;
		return 0;
	}
	if (c == '\r') {
		d->state = QP_EQ_CR;
		return 0;
	}
	if (c == '\n') {
		qp_drop_trailing(d);
		d->problems |= MIME_QP_BAD_CHAR;
		qp_line_end(d);
		return 0;
	}
	d->state = QP_TEXT;
	*again = true;
	return qp_flush_invalid(d, o, false);
}

static size_t
qp_step(struct mime_qp_decoder *d, unsigned char c, unsigned char *o)
{
	size_t k = 0;
	bool again;

	if (c != '\r' && c != '\n' && ++d->line_len > QP_LINE_MAX)
		d->problems |= MIME_QP_LONG_LINE;
	do {
		again = false;
		switch (d->state) {
		case QP_TEXT:
			k += qp_step_text(d, c, o + k);
			break;
		case QP_CR:
			if (c == '\n') {
				qp_drop_trailing(d);
				o[k++] = '\r';
				o[k++] = '\n';
				qp_line_end(d);
				break;
			}
			k += qp_flush_ws(d, o + k);
			o[k++] = '\r';
			d->problems |= MIME_QP_BAD_CHAR;
			d->state = QP_TEXT;
			again = true;
			break;
		case QP_EQ:
		case QP_EQ_HEX:
			k += qp_step_escape(d, c, o + k, &again);
			break;
		default:
			k += qp_step_soft(d, c, o + k, &again);
			break;
		}
	} while (again);
	return k;
}

/* What a byte is in QP_TEXT: 1 stands for itself (RFC 2045 §6.7 rule 2:
 * 33 through 60 and 62 through 126), 2 is SP or HTAB, 0 anything else.
 * A table: one look-up per byte of a literal run instead of a chain of
 * comparisons. */
static const unsigned char qp_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0,	/* 0x00 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x10 */
	2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x20 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1,	/* 0x30 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x40 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x50 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,	/* 0x60 */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,	/* 0x70 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x80 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0x90 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xa0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xb0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xc0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xd0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xe0 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* 0xf0 */
};

/* In QP_TEXT with no white space held, the run of bytes from p that
 * decode to themselves: literal bytes, and SP or TAB followed by one
 * (white space at the end of a line is what needs the state machine). */
static size_t
qp_literal_run(const unsigned char *p, size_t len)
{
	size_t j = 0;

	while (j < len) {
		unsigned char c = qp_class[p[j]];

		if (c == 1)
			j++;
		else if (c == 2 && j + 1 < len && qp_class[p[j + 1]] == 1)
			j += 2;
		else
			break;
	}
	return j;
}

size_t
mime_qp_decode_update(struct mime_qp_decoder *d, const void *in, size_t len, void *out)
{
	const unsigned char *p = in;
	unsigned char *o = out;
	size_t i = 0, k = 0, run;

	while (i < len) {
		if (d->state == QP_TEXT && d->nws == 0 &&
		    (run = qp_literal_run(p + i, len - i)) > 0) {
			memcpy(o + k, p + i, run);
			k += run;
			i += run;
			d->line_len += run;
			if (d->line_len > QP_LINE_MAX)
				d->problems |= MIME_QP_LONG_LINE;
			continue;
		}
		k += qp_step(d, p[i++], o + k);
	}
	return k;
}

size_t
mime_qp_decode_final(struct mime_qp_decoder *d, void *out)
{
	unsigned char *o = out;
	size_t k = 0;

	switch (d->state) {
	case QP_TEXT:
	case QP_EQ:
	case QP_EQ_WS:
		qp_drop_trailing(d);
		break;
	case QP_CR:
		qp_drop_trailing(d);
		o[k++] = '\r';
		d->problems |= MIME_QP_BAD_CHAR;
		break;
	case QP_EQ_HEX:
		d->problems |= MIME_QP_INVALID;
		o[k++] = '=';
		o[k++] = (unsigned char)d->hex1;
		break;
	case QP_EQ_CR:
		qp_drop_trailing(d);
		d->problems |= MIME_QP_BAD_CHAR;
		break;
	}
	d->nws = 0;
	qp_line_end(d);
	return k;
}

const char *
mime_qp_problem_str(unsigned problem)
{
	switch (problem) {
	case MIME_QP_INVALID: return "quoted-printable: invalid \"=\" sequence";
	case MIME_QP_LOWER_HEX: return "quoted-printable: lower-case hex digits";
	case MIME_QP_BAD_CHAR: return "quoted-printable: byte that must be encoded";
	case MIME_QP_TRAILING_WS: return "quoted-printable: white space at the end of a line";
	case MIME_QP_LONG_LINE: return "quoted-printable: line longer than 76 characters";
	}
	return "quoted-printable: unknown problem";
}

size_t
mime_qp_encoded_max(size_t len)
{
	return 3 * len + 3 * (3 * len / 73 + 1);
}

/* Must byte i of src be written as "=XX"? */
static bool
qp_must_encode(const unsigned char *src, size_t len, size_t i, bool is_text)
{
	unsigned char c = src[i];

	if (c == ' ' || c == '\t') {
		if (i + 1 == len)
			return true;
		return is_text && src[i + 1] == '\r' && i + 2 < len && src[i + 2] == '\n';
	}
	return c < 33 || c > 126 || c == '=';
}

size_t
mime_qp_encode(const void *src, size_t len, bool is_text, char *dst)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = src;
	size_t i, o = 0, line = 0;

	for (i = 0; i < len; i++) {
		bool is_enc;

		if (is_text && p[i] == '\r' && i + 1 < len && p[i + 1] == '\n') {
			dst[o++] = '\r';
			dst[o++] = '\n';
			line = 0;
			i++;
			continue;
		}
		is_enc = qp_must_encode(p, len, i, is_text);
		if (line + (is_enc ? 3 : 1) > QP_LINE_MAX - 1) {
			dst[o++] = '=';
			dst[o++] = '\r';
			dst[o++] = '\n';
			line = 0;
		}
		if (is_enc) {
			dst[o++] = '=';
			dst[o++] = hex[p[i] >> 4];
			dst[o++] = hex[p[i] & 15];
			line += 3;
		} else {
			dst[o++] = (char)p[i];
			line++;
		}
	}
	return o;
}
