/* fuzz_mime_rfc2047.c: libFuzzer harness for encoded words
 * (engine/proto/rfc2047.c: RFC 2047 §2-§6, RFC 2231 §5) and the charset
 * conversions under them (mime_charset.c).
 *
 * Input: byte 0 picks the decoder flags, the charset and encoding of the
 * encoder, bytes 1-3 are unused, the rest is header text. Oracles: the
 * decoder never needs more than twice the input (iso-8859-1 doubles) and
 * reports sensibly; encoding the input and decoding the result gives the
 * input back, with every encoded word within 75 characters.
 */
#include "fuzz_util.h"

#include <stdbool.h>

#include "buf.h"
#include "mime_charset.h"
#include "rfc2047.h"

FUZZ_ASAN_DEFAULTS()

static const char *const charsets[] = { "utf-8", "x-unknown", "UTF-8", "koi8-r" };

static void
check_decode(const char *text, size_t len, unsigned flags)
{
	static struct buf out;
	struct rfc2047_result res;

	fuzz_out_begin(&out, 2 * len + 16);	/* the bound is the oracle */
	if (!rfc2047_decode(text, len, flags, &out, &res))
		fuzz_fail("decode needed more than twice the input");
	if (out.data[out.len] != '\0' || strlen(res.charset) >= sizeof(res.charset) ||
	    (res.nwords == 0 && (res.charset[0] != '\0' || res.has_mixed_charsets)) ||
	    (res.problems & ~0x3fu) != 0)
		fuzz_fail("decode result");
	if (res.nwords == 0 && (out.len != len || memcmp(out.data, text, len) != 0))
		fuzz_fail("text without encoded words changed");
}

static void
check_round_trip(const char *text, size_t len, const char *charset, char enc)
{
	static struct buf coded, back;
	struct rfc2047_result res;
	const char *w;

	fuzz_out_begin(&coded, 1 << 24);
	fuzz_out_begin(&back, 1 << 24);
	if (!rfc2047_encode(text, len, charset, enc, &coded))
		fuzz_fail("encode");
	for (w = coded.data; *w != '\0'; ) {
		size_t n = strcspn(w, " ");

		if (n > 75 || memcmp(w, "=?", 2) != 0)
			fuzz_fail("encoded word too long");
		w += n + (w[n] != '\0');
	}
	if (!rfc2047_decode(coded.data, coded.len, 0, &back, &res) || back.len != len ||
	    (len > 0 && memcmp(back.data, text, len) != 0))
		fuzz_fail("encode -> decode changed the text");
	if ((res.problems & ~(unsigned)(RFC2047_UNKNOWN_CHARSET | RFC2047_BAD_TEXT)) != 0)
		fuzz_fail("encoded words have problems");
	if (mime_charset_lookup(charset, strlen(charset)) == MIME_CHARSET_UTF8 &&
	    mime_utf8_is_valid(text, len) && res.problems != 0)
		fuzz_fail("valid UTF-8 reported");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	size_t len;

	if (size < FUZZ_HEADER)
		return 0;
	len = size - FUZZ_HEADER;
	text = (char *)fuzz_hold(data + FUZZ_HEADER, len);
	check_decode(text, len, data[0] & 1 ? RFC2047_IN_COMMENT : 0);
	check_round_trip(text, len, charsets[(data[0] >> 1) & 3], data[0] & 8 ? 'Q' : 'B');
	fuzz_release((uint8_t *)text, len);
	return 0;
}
