/* mime_qp.h: quoted-printable (RFC 2045 §6.7), streaming decoder and
 * encoder.
 *
 * The decoder follows §6.7's rules and its advice for robust decoding:
 * "=XX" gives the byte (lower-case hex accepted and reported), "=" at the
 * end of a line is a soft line break (white space between them, which a
 * transport may add, is dropped), white space at the end of a line is
 * deleted (rule 3), and an "=" that starts no valid sequence is passed
 * through with what follows it (note 2) and reported. An "=" at the very
 * end of the data is a soft line break: in a multipart the CRLF after it
 * belongs to the boundary (RFC 2046 §5.1.1). Line breaks are passed
 * through as they are (CRLF, or a bare LF/CR, reported).
 *
 * The decoder is incremental: feed any chunking, the output and the
 * problems are the same. It holds back at most MIME_QP_PENDING_MAX bytes
 * (white space that may turn out to be trailing, an unfinished "=XX"); a
 * run of more white space than that is passed through early (the line is
 * then longer than 76 characters anyway, and reported).
 * The state is a plain struct; its fields are private. No allocation.
 */
#ifndef MAILSPEC_MIME_QP_H
#define MAILSPEC_MIME_QP_H

#include <stdbool.h>
#include <stddef.h>

/* Problems, OR-ed into mime_qp_decoder.problems. */
#define MIME_QP_INVALID		0x01	/* "=" not followed by two hex digits or a line break */
#define MIME_QP_LOWER_HEX	0x02	/* "=3d": hex digits must be upper case (§6.7 (1)) */
#define MIME_QP_BAD_CHAR	0x04	/* a byte that must be encoded: CTL, 8-bit, bare CR or LF */
#define MIME_QP_TRAILING_WS	0x08	/* white space at the end of a line, deleted (§6.7 (3)) */
#define MIME_QP_LONG_LINE	0x10	/* an encoded line longer than 76 characters (§6.7 (5)) */

#define MIME_QP_WS_MAX 128
#define MIME_QP_PENDING_MAX (MIME_QP_WS_MAX + 3)
/* Output bytes update() can write for len input bytes. */
#define MIME_QP_DECODED_MAX(len) ((len) + MIME_QP_PENDING_MAX)

struct mime_qp_decoder {
	int state;
	char hex1;			/* first digit of "=X" */
	char ws[MIME_QP_WS_MAX];	/* white space held back */
	size_t nws;
	size_t line_len;		/* encoded characters on this line so far */
	unsigned problems;		/* MIME_QP_* */
};

/* Start (or restart) a decoder. */
void mime_qp_decoder_init(struct mime_qp_decoder *d);
/* Decode in[0..len) into out, which holds MIME_QP_DECODED_MAX(len)
 * bytes; returns the bytes written. */
size_t mime_qp_decode_update(struct mime_qp_decoder *d, const void *in,
    size_t len, void *out);
/* End of input: writes what was held back (at most MIME_QP_PENDING_MAX
 * bytes) and returns the bytes written. */
size_t mime_qp_decode_final(struct mime_qp_decoder *d, void *out);
/* A fixed English message for one MIME_QP_* bit. */
const char *mime_qp_problem_str(unsigned problem);

/* Bytes mime_qp_encode() may write for len input bytes. */
size_t mime_qp_encoded_max(size_t len);
/* Encode src into dst (mime_qp_encoded_max(len) bytes) in lines of at most
 * 76 characters; returns the bytes written. is_text: CRLF in src is a
 * hard line break; otherwise (and for bare CR or LF) CR and LF are
 * encoded. White space before a line break or at the end is encoded, so
 * decoding gives src back exactly in both modes. */
size_t mime_qp_encode(const void *src, size_t len, bool is_text, char *dst);

#endif
