/* mime_base64.c: streaming base64 body decoder and line encoder.
 *
 * RFC 2045 §6.8: the alphabet (base64_value() of base64.c), "=" padding
 * ("the occurrence of any '=' characters may be taken as evidence that
 * the end of the data has been reached"), "all line breaks or other
 * characters not found in Table 1 must be ignored by decoding software"
 * and "any characters outside of the base64 alphabet are to be ignored
 * ... a reasonable approach might be to warn the user": ignored bytes are
 * reported, except SP, HTAB, CR and LF. Encoded lines are "no more than
 * 76 characters long".
 *
 * Choices: a quantum cut short by "=" gives its whole bytes ("xx=" is
 * taken like "xx=="; the missing "=" is reported as TRUNCATED); a single
 * character before "=" or at the end carries no whole byte and is
 * dropped (TRUNCATED); alphabet characters after the padding are
 * ignored (AFTER_PAD), never decoded as a second stream.
 */
#include "mime_base64.h"

#include <string.h>

#include "base64.h"

#define MIME_BASE64_LINE 76

void
mime_base64_decoder_init(struct mime_base64_decoder *d)
{
	memset(d, 0, sizeof(*d));
}

/* Write the whole bytes of a quantum of n characters (2 or 3). */
static size_t
mime_base64_flush_partial(struct mime_base64_decoder *d, unsigned char *o)
{
	size_t k = 0;

	if (d->n == 2) {
		o[k++] = (unsigned char)(d->acc >> 4);
	} else if (d->n == 3) {
		o[k++] = (unsigned char)(d->acc >> 10);
		o[k++] = (unsigned char)(d->acc >> 2);
	}
	return k;
}

/* One "=": ends the data (and its quantum), or counts as padding. */
static size_t
mime_base64_take_pad(struct mime_base64_decoder *d, unsigned char *o)
{
	size_t k = 0;

	if (d->is_done) {
		if (++d->pad > d->pad_need)
			d->problems |= MIME_BASE64_BAD_PAD;
		return 0;
	}
	if (d->n < 2) {
		d->problems |= MIME_BASE64_BAD_PAD;
		if (d->n == 1)
			d->problems |= MIME_BASE64_TRUNCATED;
		d->pad_need = 0;
	} else {
		k = mime_base64_flush_partial(d, o);
		d->pad_need = 4 - d->n;
	}
	d->is_done = true;
	d->pad = 1;
	d->n = 0;
	d->acc = 0;
	return k;
}

size_t
mime_base64_decode_update(struct mime_base64_decoder *d, const void *in,
    size_t len, void *out)
{
	const unsigned char *p = in;
	unsigned char *o = out;
	size_t i, k = 0;

	for (i = 0; i < len; i++) {
		int v;

		/* whole quanta of alphabet characters, four at a time */
		while (d->n == 0 && !d->is_done && len - i >= 4) {
			int a = base64_value(p[i]), b = base64_value(p[i + 1]);
			int c = base64_value(p[i + 2]), e = base64_value(p[i + 3]);
			uint32_t q;

			if ((a | b | c | e) < 0)
				break;
			q = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)e;
			o[k++] = (unsigned char)(q >> 16);
			o[k++] = (unsigned char)(q >> 8);
			o[k++] = (unsigned char)q;
			i += 4;
		}
		if (i == len)
			break;
		v = base64_value(p[i]);

		if (v >= 0) {
			if (d->is_done) {
				d->problems |= MIME_BASE64_AFTER_PAD;
				continue;
			}
			d->acc = d->acc << 6 | (uint32_t)v;
			if (++d->n == 4) {
				o[k++] = (unsigned char)(d->acc >> 16);
				o[k++] = (unsigned char)(d->acc >> 8);
				o[k++] = (unsigned char)d->acc;
				d->n = 0;
				d->acc = 0;
			}
		} else if (p[i] == '=') {
			k += mime_base64_take_pad(d, o + k);
		} else if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') {
			d->problems |= MIME_BASE64_JUNK;
			d->junk++;
		}
	}
	return k;
}

size_t
mime_base64_decode_final(struct mime_base64_decoder *d, void *out)
{
	size_t k = 0;

	if (d->is_done) {
		if (d->pad < d->pad_need)
			d->problems |= MIME_BASE64_TRUNCATED;
	} else if (d->n > 0) {
		d->problems |= MIME_BASE64_TRUNCATED;
		k = mime_base64_flush_partial(d, out);
	}
	d->is_done = true;
	d->pad_need = d->pad;
	d->n = 0;
	d->acc = 0;
	return k;
}

const char *
mime_base64_problem_str(unsigned problem)
{
	switch (problem) {
	case MIME_BASE64_JUNK: return "base64: characters outside the alphabet";
	case MIME_BASE64_AFTER_PAD: return "base64: data after the padding";
	case MIME_BASE64_BAD_PAD: return "base64: misplaced padding";
	case MIME_BASE64_TRUNCATED: return "base64: data ends inside a quantum";
	}
	return "base64: unknown problem";
}

size_t
mime_base64_encoded_lines_len(size_t len)
{
	size_t chars = base64_encoded_len(len);

	return chars + (chars + MIME_BASE64_LINE - 1) / MIME_BASE64_LINE * 2;
}

size_t
mime_base64_encode_lines(const void *src, size_t len, char *dst)
{
	const unsigned char *p = src;
	const size_t per_line = MIME_BASE64_LINE / 4 * 3;	/* 57 bytes */
	size_t i, o = 0;

	for (i = 0; i < len; i += per_line) {
		size_t n = len - i < per_line ? len - i : per_line;

		o += base64_encode(p + i, n, dst + o);
		dst[o++] = '\r';
		dst[o++] = '\n';
	}
	return o;
}
