/* fuzz_mime_codecs.c: libFuzzer harness for the MIME body codecs:
 * base64 (RFC 2045 §6.8, mime_base64.c) and quoted-printable (§6.7,
 * mime_qp.c).
 *
 * Input: byte 0 picks the codec, bytes 1-3 a chunk pattern, the rest is
 * data. Oracles: the tolerant decoders give the same output and problems
 * fed whole and fed in chunks (each chunk an exact-size heap copy, so an
 * over-read is caught), and stay within their output bounds; encoding the
 * data and decoding it gives the data back, without problems, in lines of
 * at most 76 characters.
 */
#include "fuzz_util.h"

#include <stdbool.h>

#include "buf.h"
#include "mime_base64.h"
#include "mime_qp.h"

FUZZ_ASAN_DEFAULTS()

struct decode_ctx {
	bool is_b64;
	struct mime_base64_decoder b;
	struct mime_qp_decoder q;
	struct buf *out;
};

static size_t
decode_feed(void *ctx, const void *data, size_t len)
{
	struct decode_ctx *d = ctx;
	size_t max = d->is_b64 ? MIME_BASE64_DECODED_MAX(len) : MIME_QP_DECODED_MAX(len), n;
	unsigned char *o = fuzz_hold(NULL, max);

	n = d->is_b64 ? mime_base64_decode_update(&d->b, data, len, o) :
	    mime_qp_decode_update(&d->q, data, len, o);
	if (n > max)
		fuzz_fail("decoder wrote past its bound");
	buf_append(d->out, o, n);
	fuzz_release(o, max);
	return len;
}

static void
decode_drain(void *ctx)
{
	(void)ctx;		/* output is appended as it comes */
}

/* Decode data (whole when pattern is NULL); append output and problems. */
static void
decode(bool is_b64, const uint8_t *data, size_t len, const uint8_t *pattern, struct buf *out)
{
	struct decode_ctx d;
	struct fuzz_feeder f = { decode_feed, decode_drain, NULL, &d };
	unsigned char tail[MIME_QP_PENDING_MAX + 8];
	size_t n;

	d.is_b64 = is_b64;
	d.out = out;
	mime_base64_decoder_init(&d.b);
	mime_qp_decoder_init(&d.q);
	fuzz_feed_chunks(&f, data, len, pattern);
	n = is_b64 ? mime_base64_decode_final(&d.b, tail) : mime_qp_decode_final(&d.q, tail);
	if (n > (is_b64 ? 2 : MIME_QP_PENDING_MAX))
		fuzz_fail("final wrote past its bound");
	buf_append(out, tail, n);
	buf_printf(out, "|%#x", is_b64 ? d.b.problems : d.q.problems);
}

static size_t
longest_line(const char *s, size_t n)
{
	size_t i, cur = 0, best = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			cur = 0;
			i++;
		} else if (++cur > best) {
			best = cur;
		}
	}
	return best;
}

static void
round_trip(int mode, const uint8_t *data, size_t len)
{
	size_t max = mode == 2 ? mime_base64_encoded_lines_len(len) : mime_qp_encoded_max(len);
	char *enc = (char *)fuzz_hold(NULL, max + 1);
	static struct buf back;
	size_t n;

	n = mode == 2 ? mime_base64_encode_lines(data, len, enc) :
	    mime_qp_encode(data, len, mode == 1, enc);
	if (n > max || longest_line(enc, n) > 76)
		fuzz_fail("encoder output");
	fuzz_out_begin(&back, 1 << 26);
	decode(mode == 2, (const uint8_t *)enc, n, NULL, &back);
	if (back.len != len + 2 || memcmp(back.data, data, len) != 0 ||
	    memcmp(back.data + len, "|0", 2) != 0)
		fuzz_fail("encode -> decode changed the data");
	fuzz_release((uint8_t *)enc, max + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct buf whole, chunked;
	const uint8_t *in = data + FUZZ_HEADER;
	size_t len;
	bool is_b64;

	if (size < FUZZ_HEADER)
		return 0;
	len = size - FUZZ_HEADER;
	is_b64 = (data[0] & 1) != 0;
	fuzz_out_begin(&whole, 1 << 26);
	fuzz_out_begin(&chunked, 1 << 26);
	decode(is_b64, in, len, NULL, &whole);
	decode(is_b64, in, len, data + 1, &chunked);
	if (whole.len != chunked.len || memcmp(whole.data, chunked.data, whole.len) != 0)
		fuzz_fail("whole and chunked decoding differ");
	round_trip((data[0] >> 1) % 3, in, len);
	return 0;
}
