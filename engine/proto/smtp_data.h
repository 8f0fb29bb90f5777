/* smtp_data.h: SMTP DATA decoding: end of data and dot-unstuffing.
 *
 * RFC 5321 §4.1.1.4: the mail data ends with CRLF "." CRLF; §4.5.2: a line
 * that starts with "." had one "." added by the client, which the server
 * removes. The data decoder also notes bare CR and bare LF, which RFC 5321
 * §2.3.8 forbids and which "SMTP smuggling" abuses (a "<LF>.<LF>" or
 * "<LF>.<CR><LF>" a lenient server would take as end of data).
 *
 * Contract: smtp_data_decode() consumes input and writes unstuffed bytes
 * to out; it returns 1 once the end-of-data line has been consumed (the
 * terminating CRLF.CRLF is not part of the output, the CRLF before it is),
 * 0 when it needs more input, -1 when the decoded data would exceed the
 * maximum. *consumed_r says how much input was used: bytes after the end
 * of data belong to the next command (pipelining, RFC 2920 §3.1).
 * After -1 the decoder keeps consuming and discarding input, returning 0,
 * until the end of data, where it returns 1 (stats.is_truncated is set),
 * so a server can find the end and reply 552 (RFC 5321 §4.5.3.1.9,
 * RFC 1870 §6.3). Once 1 has been returned, further calls consume nothing
 * and return 1.
 */
#ifndef MAILSPEC_SMTP_DATA_H
#define MAILSPEC_SMTP_DATA_H

#include <stdbool.h>
#include <stddef.h>

struct smtp_data_decoder;

struct smtp_data_stats {
	size_t bytes_out;	/* decoded bytes so far */
	size_t lines;		/* lines seen */
	size_t max_line;	/* longest line, CRLF excluded */
	size_t bare_lf;		/* LF not preceded by CR */
	size_t bare_cr;		/* CR not followed by LF */
	size_t nul;		/* NUL bytes */
	bool has_8bit;		/* a byte >= 0x80 */
	bool is_truncated;	/* passed max_bytes; the rest was discarded */
};

/* A decoder that fails past max_bytes of decoded data. */
struct smtp_data_decoder *smtp_data_decoder_new(size_t max_bytes);
void smtp_data_decoder_free(struct smtp_data_decoder **dp);
void smtp_data_decoder_reset(struct smtp_data_decoder *d);
/* Decode in[0..len) into out (room for at least len bytes). *out_len_r is
 * the bytes written; see the contract above for the return value. */
int smtp_data_decode(struct smtp_data_decoder *d, const void *in, size_t len,
    size_t *consumed_r, void *out, size_t *out_len_r);
const struct smtp_data_stats *smtp_data_decoder_stats(const struct smtp_data_decoder *d);

/* Client side: dot-stuff src (RFC 5321 §4.5.2) into dst and, if terminate
 * is set, add CRLF (when missing) and ".\r\n". dst must hold
 * smtp_data_stuffed_max(len) bytes; returns the bytes written. */
size_t smtp_data_stuff(const void *src, size_t len, bool terminate, void *dst);
size_t smtp_data_stuffed_max(size_t len);

#endif
