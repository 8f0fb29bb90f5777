/* imap_fetchattr.h: IMAP FETCH data computed from a parsed message.
 *
 * RFC 9051 §7.5.2 and §9 (ENVELOPE, BODYSTRUCTURE, BODY, BODY[section],
 * BINARY, BINARY.SIZE), §6.4.5 (section-spec: part numbers, HEADER,
 * HEADER.FIELDS[.NOT], TEXT, MIME), RFC 3501 §7.4.2 (the same for
 * IMAP4rev1), RFC 3516 (BINARY, literal8, [UNKNOWN-CTE]), RFC 2231 as
 * RFC 9051 asks for body parameters.
 *
 * Input: the tree of mime.h (mime_parser_finish()) and, for sections, the
 * message bytes it was parsed from. Output: IMAP text appended to a
 * struct buf, ready to go after "BODYSTRUCTURE ", "ENVELOPE " or "BODY "
 * in a FETCH response (the same text parses back with imap_resp.h into
 * imap_node trees), or the raw bytes of a section for the caller to send
 * with imap_fetchattr_write_literal(). Nothing is kept between calls;
 * output is the buffer's, the rest is the caller's.
 *
 * Strings (imap_fetchattr_write_nstring): quoted when that is possible
 * (no CR, LF; 8-bit bytes only as valid UTF-8 with IMAP_FETCHATTR_UTF8;
 * at most IMAP_FETCHATTR_QUOTED_MAX bytes), else a literal "{n}" CRLF;
 * header values are C strings (a NUL ends them). Media types, subtypes,
 * encodings, parameter and disposition names are written in upper case,
 * as in RFC 9051's examples; values as written in the message.
 *
 * Choices where the RFCs leave room:
 * - Body parameters: sections of RFC 2231 continuations are joined
 *   ("baz*0", "baz*1" -> "BAZ"). An extended parameter ("foo*", "foo*0*")
 *   is written as "FOO*" with its value decoded to UTF-8 under
 *   IMAP_FETCHATTR_UTF8 (RFC 9051 §7.5.2), else (IMAP4rev1 strings are
 *   7-bit) in RFC 2231 form in the charset the message gave,
 *   "iso-8859-1'fr'caf%E9". A value in a charset mailspec does not convert
 *   keeps that form always.
 * - A text type without charset parameter gets "CHARSET" "US-ASCII"
 *   (RFC 2046 §4.1.2, RFC 2045 §5.2; as RFC 9051's examples show).
 * - A part the parser left opaque although its type is multipart or
 *   message/rfc822|global (no boundary, nesting limit, an encoding other
 *   than 7bit/8bit/binary) is "APPLICATION" "OCTET-STREAM" (RFC 2046
 *   §4.5.1, RFC 2049 §2): the grammar of those types needs children the
 *   parser did not read.
 * - A multipart without any body part (a MIME error) is written with one
 *   empty text/plain part, since body-type-mpart needs 1*body.
 * - Sizes and lines are those of mime.h: octets as stored (nothing is
 *   converted to CRLF), the line break before a boundary belongs to the
 *   boundary (RFC 2046 §5.1.1), and a last line without line break counts
 *   as a line ("a\r\nb" has 2).
 * - Content-Language: one tag as a string, several as a list.
 * - ENVELOPE: the first field of each name counts; strings are the
 *   unfolded field values (RFC 5322 §2.2.3: only the CRLFs go; encoded
 *   words kept, RFC 9051 leaves decoding to clients); an address without
 *   a domain has host "" (NIL would make it a group marker).
 * Recursion follows the tree, so its depth is the parser's max_depth.
 */
#ifndef MAILSPEC_IMAP_FETCHATTR_H
#define MAILSPEC_IMAP_FETCHATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imap_node.h"
#include "mime.h"

struct buf;

/* Flags of the writers (an IMAP4rev2 session sets both). */
#define IMAP_FETCHATTR_UTF8	0x1	/* quoted strings may carry UTF-8 (IMAP4rev2,
					 * RFC 9051 §4.3; UTF8=ACCEPT, RFC 6855) */
#define IMAP_FETCHATTR_REV2	0x2	/* IMAP4rev2 grammar: message/global is described
					 * like message/rfc822 (RFC 9051 §9 media-message);
					 * without it, as a basic type (RFC 3501) */

/* Longest string written quoted; longer ones are literals. */
#define IMAP_FETCHATTR_QUOTED_MAX 1024
/* Most part numbers in one section ("1.2.3..."); more name no part. */
#define IMAP_FETCHATTR_SECTION_MAX 256

enum imap_fetchattr_error {
	IMAP_FETCHATTR_OK = 0,
	IMAP_FETCHATTR_NO_PART,		/* no such part: servers answer NIL (or "") */
	IMAP_FETCHATTR_NOT_MESSAGE,	/* HEADER/TEXT after a part number that is not
					 * message/rfc822 or message/global (§6.4.5) */
	IMAP_FETCHATTR_BAD_SECTION,	/* MIME without part number, BINARY with text,
					 * an unknown section text */
	IMAP_FETCHATTR_UNKNOWN_CTE,	/* BINARY of an encoding mailspec cannot decode:
					 * "NO [UNKNOWN-CTE]" (RFC 3516 §4.2, RFC 9051) */
	IMAP_FETCHATTR_FULL,		/* the output buffer's maximum (or memory) */
};

/* A fixed English message for err. */
const char *imap_fetchattr_error_str(enum imap_fetchattr_error err);

/* ---- strings and literals (imap_fetchattr_envelope.c) --------------- */

/* Append s[0..len) as an IMAP string (quoted or literal, see above); s
 * NULL: NIL. false: the buffer's maximum. */
bool imap_fetchattr_write_nstring(struct buf *b, const char *s, size_t len, unsigned flags);
/* Append data as a FETCH literal: "~{n}" (RFC 3516 literal8) when it holds
 * NUL and is_binary, else "{n}", then CRLF and the bytes. */
bool imap_fetchattr_write_literal(struct buf *b, const void *data, size_t len, bool is_binary);

/* ---- ENVELOPE (imap_fetchattr_envelope.c) --------------------------- */

/* Append the envelope of message (the root, or the child of a
 * message/rfc822 part): "(date subject from sender reply-to to cc bcc
 * in-reply-to message-id)". false: buffer maximum or out of memory. */
bool imap_fetchattr_envelope(struct buf *b, const struct mime_part *message, unsigned flags);

/* ---- BODYSTRUCTURE and BODY (imap_fetchattr_body.c) ----------------- */

/* Append the BODYSTRUCTURE of message (with extension data). */
bool imap_fetchattr_bodystructure(struct buf *b, const struct mime_part *message,
    unsigned flags);
/* Append the BODY of message (BODYSTRUCTURE without extension data). */
bool imap_fetchattr_body(struct buf *b, const struct mime_part *message, unsigned flags);

/* ---- sections (imap_fetchattr_section.c) ----------------------------
 * message is the root parsed from data[0..len). sec as decoded by the
 * command parser (imap_node.h); its partial is not applied here (use
 * imap_fetchattr_partial()). */

/* The part a section's numbers name (RFC 9051 §6.4.5; none: message). */
const struct mime_part *imap_fetchattr_section_part(const struct mime_part *message,
    const uint32_t *parts, size_t nparts);
/* Append the bytes of BODY[sec] to out: a range of data, or for
 * HEADER.FIELDS[.NOT] the matching fields and the blank line. */
enum imap_fetchattr_error imap_fetchattr_body_section(struct buf *out,
    const struct mime_part *message, const char *data, size_t len,
    const struct imap_section *sec);
/* The range of data that BODY[sec] is, for every section but
 * HEADER.FIELDS[.NOT] (BAD_SECTION: use imap_fetchattr_body_section()). */
enum imap_fetchattr_error imap_fetchattr_section_range(const struct mime_part *message,
    size_t len, const struct imap_section *sec, size_t *offset_r, size_t *size_r);
/* Append BINARY[sec]: the part's body with its transfer encoding removed
 * (7bit, 8bit, binary: as is; base64, quoted-printable: decoded); BINARY[]
 * is the whole message. Decoding is tolerant as mime_base64.h and
 * mime_qp.h say; the parser reports bad input as problems. */
enum imap_fetchattr_error imap_fetchattr_binary(struct buf *out,
    const struct mime_part *message, const char *data, size_t len,
    const struct imap_section *sec);
/* BINARY.SIZE[sec]: the length imap_fetchattr_binary() gives, by decoding
 * without keeping the output. */
enum imap_fetchattr_error imap_fetchattr_binary_size(const struct mime_part *message,
    const char *data, size_t len, const struct imap_section *sec, uint64_t *size_r);
/* The decoded size of part's body (its BINARY.SIZE): UNKNOWN_CTE or OK. */
enum imap_fetchattr_error imap_fetchattr_part_decoded_size(const struct mime_part *part,
    const char *data, uint64_t *size_r);
/* Apply sec's partial "<origin.count>" to a value of len bytes: the
 * sub-range [*offset_r, *offset_r + *size_r) (empty past the end). No
 * partial: the whole value. */
void imap_fetchattr_partial(const struct imap_section *sec, size_t len, size_t *offset_r,
    size_t *size_r);

#endif
