/* store_textual.c: binary body parts are stored as base64.
 *
 * RFC 9051 §4.3: "Unless returned in response to BINARY.PEEK[...]/
 * BINARY[...] FETCH, client and server implementations MUST encode binary
 * data into a textual form, such as base64, before transmitting the
 * data" (a binary string is one with NUL). RFC 3516 §3 notes that such
 * content "may not be expressible in the IMAP4 protocol", and §4.4 lets a
 * server change the CTE of what it stores if no data is lost. POP3 (RFC
 * 1939 §3) carries lines of text only.
 *
 * So a message received by BDAT with BODY=BINARYMIME (RFC 3030) or by
 * APPEND with a literal8 is stored with every identity-encoded leaf part
 * (7bit, 8bit, binary) whose body holds NUL rewritten: its
 * Content-Transfer-Encoding field becomes "base64" (added to the part's
 * header if it had none) and its body the base64 of its octets in lines
 * of 76 characters (RFC 2045 §6.8). BINARY[] gives back the same octets;
 * BODYSTRUCTURE, BODY[] and RETR show a message without NUL in its bodies.
 * Parts whose header cannot take the field (no empty line ending it) and
 * NUL in header fields are left alone.
 */
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "buf.h"
#include "mime.h"
#include "store_textual.h"

#define TEXTUAL_LINE	76	/* base64 characters per line */
#define TEXTUAL_FIELD	"Content-Transfer-Encoding: base64\r\n"

static bool
textual_needed(const struct mime_part *p, const char *data)
{
	return p->kind == MIME_PART_LEAF && p->body_size > 0 &&
	    (p->cte == MIME_CTE_7BIT || p->cte == MIME_CTE_8BIT || p->cte == MIME_CTE_BINARY) &&
	    memchr(data + p->body_offset, '\0', p->body_size) != NULL;
}

/* The body of p as base64 lines; a CRLF after the last line only when the
 * body ran to the end of the message (else the boundary's CRLF follows). */
static bool
textual_body(struct buf *out, const struct mime_part *p, const char *data, size_t len)
{
	size_t n = base64_encoded_len(p->body_size), i;
	char *enc = malloc(n + 1);
	bool ok;

	if (enc == NULL)
		return false;
	n = base64_encode(data + p->body_offset, p->body_size, enc);
	ok = true;
	for (i = 0; ok && i < n; i += TEXTUAL_LINE) {
		if (i > 0)
			ok = buf_puts(out, "\r\n");
		ok = ok && buf_append(out, enc + i, n - i < TEXTUAL_LINE ? n - i : TEXTUAL_LINE);
	}
	if (ok && p->body_offset + p->body_size == len)
		ok = buf_puts(out, "\r\n");
	free(enc);
	return ok;
}

/* Copy data[*at..) up to p's rewritten pieces, then the pieces: 1, or 0
 * when p is left as it is, -1 out of memory. */
static int
textual_part(struct buf *out, const struct mime_part *p, const char *data, size_t len,
    size_t *at)
{
	const struct mime_header_field *cte = mime_part_field(p, "Content-Transfer-Encoding");
	size_t hdr_end = p->offset + p->header_size;

	if (cte == NULL && (p->header_size < 2 || hdr_end > len ||
	    memcmp(data + hdr_end - 2, "\r\n", 2) != 0 || hdr_end != p->body_offset))
		return 0;	/* no place for the field */
	if (cte != NULL) {
		if (!buf_append(out, data + *at, cte->offset - *at) || !buf_puts(out, TEXTUAL_FIELD))
			return -1;
		*at = cte->offset + cte->size;
	} else {
		/* before the empty line that ends the header */
		if (!buf_append(out, data + *at, hdr_end - 2 - *at) || !buf_puts(out, TEXTUAL_FIELD))
			return -1;
		*at = hdr_end - 2;
	}
	if (!buf_append(out, data + *at, p->body_offset - *at))
		return -1;
	*at = p->body_offset + p->body_size;
	return textual_body(out, p, data, len) ? 1 : -1;
}

static bool
textual_walk(struct buf *out, const struct mime_part *p, const char *data, size_t len,
    size_t *at, size_t *changed)
{
	const struct mime_part *c;
	int rc;

	if (textual_needed(p, data)) {
		if ((rc = textual_part(out, p, data, len, at)) < 0)
			return false;
		*changed += (size_t)rc;
		return true;
	}
	for (c = p->children; c != NULL; c = c->next)
		if (!textual_walk(out, c, data, len, at, changed))
			return false;
	return true;
}

int
store_textual(const char *data, size_t len, struct buf *out)
{
	struct mime_parser *mp;
	const struct mime_part *root;
	size_t at = 0, changed = 0;
	bool ok;

	if (memchr(data, '\0', len) == NULL)
		return 0;
	if ((mp = mime_parser_new(NULL)) == NULL)
		return -1;
	mime_parser_feed(mp, data, len);
	root = mime_parser_finish(mp);
	ok = root != NULL && textual_walk(out, root, data, len, &at, &changed) &&
	    buf_append(out, data + at, len - at);
	mime_parser_free(&mp);
	if (!ok)
		return -1;
	return changed > 0;
}
