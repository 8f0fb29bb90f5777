/* mime_base64.h: base64 for MIME bodies (RFC 2045 §6.8), streaming.
 *
 * The decoder is tolerant as §6.8 asks: line breaks and characters
 * outside the alphabet are ignored (the latter reported), "=" ends the
 * data. It is incremental: feed any chunking, the output and the problems
 * are the same. The alphabet is base64_value() of base64.c.
 *
 * The state is a plain struct so a caller can keep it on the stack or in
 * its own object; its fields are private. No allocation anywhere.
 */
#ifndef MAILSPEC_MIME_BASE64_H
#define MAILSPEC_MIME_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Problems, OR-ed into mime_base64_decoder.problems. */
#define MIME_BASE64_JUNK	0x01	/* a byte outside the alphabet (SP, HTAB, CR, LF excepted) */
#define MIME_BASE64_AFTER_PAD	0x02	/* alphabet characters after the padding */
#define MIME_BASE64_BAD_PAD	0x04	/* "=" where no padding can be (1st/2nd of a quantum, too many) */
#define MIME_BASE64_TRUNCATED	0x08	/* the data ended inside a quantum (missing "=" or bits lost) */

/* Output bytes update() can write for len input bytes. */
#define MIME_BASE64_DECODED_MAX(len) ((len) / 4 * 3 + 3)

struct mime_base64_decoder {
	uint32_t acc;		/* bits of the current quantum */
	unsigned n;		/* characters in the current quantum (0..3) */
	unsigned pad;		/* "=" seen after the data ended */
	unsigned pad_need;	/* "=" the ending quantum calls for */
	bool is_done;		/* padding seen: the data has ended */
	unsigned problems;	/* MIME_BASE64_* */
	size_t junk;		/* bytes ignored as outside the alphabet */
};

/* Start (or restart) a decoder. */
void mime_base64_decoder_init(struct mime_base64_decoder *d);
/* Decode in[0..len) into out, which holds MIME_BASE64_DECODED_MAX(len)
 * bytes; returns the bytes written. */
size_t mime_base64_decode_update(struct mime_base64_decoder *d, const void *in,
    size_t len, void *out);
/* End of input: writes the bytes of a partial quantum (at most 2) to out
 * and reports it; returns the bytes written. The decoder is then done. */
size_t mime_base64_decode_final(struct mime_base64_decoder *d, void *out);
/* A fixed English message for one MIME_BASE64_* bit. */
const char *mime_base64_problem_str(unsigned problem);

/* Bytes mime_base64_encode_lines() writes for len input bytes. */
size_t mime_base64_encoded_lines_len(size_t len);
/* Encode src as a MIME body: lines of 76 characters, each ended by CRLF
 * (the last line too, if any). dst holds
 * mime_base64_encoded_lines_len(len) bytes; returns the bytes written. */
size_t mime_base64_encode_lines(const void *src, size_t len, char *dst);

#endif
