/* fuzz_smtp_data.c: libFuzzer harness for engine/proto/smtp_data.c
 * (RFC 5321 §4.1.1.4 end of data, §4.5.2 transparency, §2.3.8).
 *
 * Input: byte 0 picks the decoder's maximum, bytes 1-3 a chunk pattern,
 * the rest is the client's bytes after DATA. Oracles:
 * - decoding fed whole and fed in chunks gives the same output, the same
 *   returns (-1 and 1, in order), the same end position and statistics,
 *   and no call writes more bytes than it was given;
 * - smtp_data_stuff() of the rest, decoded, gives the rest back (plus the
 *   CRLF that stuffing adds when it was missing), ending exactly at the
 *   end of the stuffed bytes.
 */
#include "fuzz_util.h"

#include "buf.h"
#include "smtp_data.h"

FUZZ_ASAN_DEFAULTS()

struct decode_result {
	struct buf out;
	struct buf events;
	size_t end;		/* input consumed when 1 came; SIZE_MAX if never */
	struct smtp_data_stats st;
};

static size_t
pick_max(uint8_t b)
{
	if (b < 128)
		return (size_t)1 << 20;
	return (size_t)(b - 128) * 3;	/* 0..381: exercises the -1 path */
}

static void
decode(size_t max, const uint8_t *in, size_t len, const uint8_t *pattern,
    struct decode_result *r)
{
	struct smtp_data_decoder *d = smtp_data_decoder_new(max);
	size_t pos = 0, n = 0;
	bool is_end = false;

	if (d == NULL)
		abort();
	buf_init(&r->out, 1 << 24);
	buf_init(&r->events, 1 << 10);
	buf_puts(&r->out, "");
	buf_puts(&r->events, "");
	r->end = SIZE_MAX;
	while (pos < len && !is_end) {
		size_t k = pattern != NULL ? fuzz_chunk_size(pattern, n++, len - pos) : len - pos;
		size_t off = 0;
		uint8_t *chunk = fuzz_hold(in + pos, k);
		uint8_t *out = fuzz_hold(NULL, k);

		while (off < k) {
			size_t used, olen;
			int rc = smtp_data_decode(d, chunk + off, k - off, &used, out, &olen);

			if (olen > k - off || used > k - off || (rc == 0 && used != k - off))
				fuzz_fail("decode call contract");
			buf_append(&r->out, out, olen);
			off += used;
			if (rc == 0)
				break;
			buf_putc(&r->events, rc == 1 ? '1' : '-');
			if (rc == 1) {
				is_end = true;
				r->end = pos + off;
				break;
			}
		}
		fuzz_release(out, k);
		fuzz_release(chunk, k);
		pos += off;
	}
	r->st = *smtp_data_decoder_stats(d);
	if (!r->st.is_truncated && r->st.bytes_out != r->out.len && is_end)
		fuzz_fail("bytes_out");
	smtp_data_decoder_free(&d);
}

static void
result_release(struct decode_result *r)
{
	buf_release(&r->out);
	buf_release(&r->events);
}

static void
check_same(const struct decode_result *a, const struct decode_result *b)
{
	if (a->end != b->end || strcmp(a->events.data, b->events.data) != 0)
		fuzz_fail("whole and chunked: returns differ");
	if (a->end == SIZE_MAX) {
		/* without an end, one decoded byte may still be held back */
		size_t n = a->out.len < b->out.len ? a->out.len : b->out.len;

		if (a->out.len > n + 1 || b->out.len > n + 1 ||
		    memcmp(a->out.data, b->out.data, n) != 0)
			fuzz_fail("whole and chunked: output differs");
	} else if (a->out.len != b->out.len ||
	    memcmp(a->out.data, b->out.data, a->out.len) != 0) {
		fuzz_fail("whole and chunked: output differs");
	}
	if (a->st.lines != b->st.lines || a->st.max_line != b->st.max_line ||
	    a->st.bare_lf != b->st.bare_lf || a->st.bare_cr != b->st.bare_cr ||
	    a->st.nul != b->st.nul || a->st.has_8bit != b->st.has_8bit ||
	    a->st.is_truncated != b->st.is_truncated)
		fuzz_fail("whole and chunked: stats differ");
}

static void
check_round_trip(const uint8_t *msg, size_t len, const uint8_t *pattern)
{
	size_t max = smtp_data_stuffed_max(len);
	uint8_t *wire = malloc(max);
	bool needs_crlf = len > 0 && !(len >= 2 && msg[len - 2] == '\r' && msg[len - 1] == '\n');
	struct decode_result r;
	size_t wlen;

	if (wire == NULL)
		abort();
	wlen = smtp_data_stuff(msg, len, true, wire);
	if (wlen > max)
		fuzz_fail("stuffed_max too small");
	decode((size_t)1 << 24, wire, wlen, pattern, &r);
	if (r.end != wlen || strcmp(r.events.data, "1") != 0)
		fuzz_fail("round trip: end of data not at the end");
	if (r.out.len != len + (needs_crlf ? 2 : 0) || memcmp(r.out.data, msg, len) != 0 ||
	    (needs_crlf && memcmp(r.out.data + len, "\r\n", 2) != 0))
		fuzz_fail("round trip: data differs");
	result_release(&r);
	free(wire);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decode_result whole, chunked;
	const uint8_t *in = data + FUZZ_HEADER;
	size_t len;

	if (size < FUZZ_HEADER)
		return 0;
	len = size - FUZZ_HEADER;
	decode(pick_max(data[0]), in, len, NULL, &whole);
	decode(pick_max(data[0]), in, len, data + 1, &chunked);
	check_same(&whole, &chunked);
	result_release(&whole);
	result_release(&chunked);
	check_round_trip(in, len, data + 1);
	return 0;
}
