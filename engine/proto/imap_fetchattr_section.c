/* imap_fetchattr_section.c: BODY[section], BINARY[section], BINARY.SIZE.
 *
 * RFC 9051 §6.4.5 (section-spec: part numbers; HEADER, HEADER.FIELDS,
 * HEADER.FIELDS.NOT and TEXT of the message or of a message/rfc822 or
 * message/global part; MIME, the header of a part; the blank line ending
 * a header is part of every header fetch, subsets included; partial
 * "<origin.count>"), §7.5.2 (BINARY: content with the transfer encoding
 * removed; BINARY.SIZE equals its length; an encoding the server cannot
 * decode fails with [UNKNOWN-CTE]), RFC 3516 §4 (the same for IMAP4rev1),
 * RFC 2045 §6.7-§6.8 (quoted-printable, base64; decoded with mime_qp.h
 * and mime_base64.h), RFC 5322 §2.2 (field names compare without case).
 */
#include "imap_fetchattr.h"

#include <string.h>
#include <strings.h>

#include "buf.h"
#include "mime_base64.h"
#include "mime_qp.h"

#define IMAP_FETCHATTR_CHUNK 4096

const struct mime_part *
imap_fetchattr_section_part(const struct mime_part *message, const uint32_t *parts,
    size_t nparts)
{
	unsigned nums[IMAP_FETCHATTR_SECTION_MAX];
	size_t i;

	if (nparts > IMAP_FETCHATTR_SECTION_MAX)
		return NULL;
	for (i = 0; i < nparts; i++)
		nums[i] = parts[i];
	return mime_part_by_section(message, nums, nparts);
}

/* The message whose HEADER or TEXT sec names: the root, or the one in
 * the message/rfc822 part the numbers name. */
static enum imap_fetchattr_error
imap_fetchattr_section_message(const struct mime_part *message,
    const struct imap_section *sec, const struct mime_part **msg_r)
{
	const struct mime_part *part;

	if (sec->nparts == 0) {
		*msg_r = message;
		return IMAP_FETCHATTR_OK;
	}
	part = imap_fetchattr_section_part(message, sec->parts, sec->nparts);
	if (part == NULL)
		return IMAP_FETCHATTR_NO_PART;
	if (part->kind != MIME_PART_MESSAGE)
		return IMAP_FETCHATTR_NOT_MESSAGE;
	*msg_r = part->children;
	return IMAP_FETCHATTR_OK;
}

enum imap_fetchattr_error
imap_fetchattr_section_range(const struct mime_part *message, size_t len,
    const struct imap_section *sec, size_t *offset_r, size_t *size_r)
{
	const char *text = sec->text != NULL ? sec->text : "";
	const struct mime_part *part;
	enum imap_fetchattr_error err;

	if (text[0] == '\0' || strcmp(text, "MIME") == 0) {
		if (sec->nparts == 0) {
			*offset_r = 0;
			*size_r = len;
			return text[0] == '\0' ? IMAP_FETCHATTR_OK : IMAP_FETCHATTR_BAD_SECTION;
		}
		part = imap_fetchattr_section_part(message, sec->parts, sec->nparts);
		if (part == NULL)
			return IMAP_FETCHATTR_NO_PART;
		*offset_r = text[0] == '\0' ? part->body_offset : part->offset;
		*size_r = text[0] == '\0' ? part->body_size : part->header_size;
		return IMAP_FETCHATTR_OK;
	}
	if (strcmp(text, "HEADER") != 0 && strcmp(text, "TEXT") != 0)
		return IMAP_FETCHATTR_BAD_SECTION;
	err = imap_fetchattr_section_message(message, sec, &part);
	if (err != IMAP_FETCHATTR_OK)
		return err;
	*offset_r = text[0] == 'H' ? part->offset : part->body_offset;
	*size_r = text[0] == 'H' ? part->header_size : part->body_size;
	return IMAP_FETCHATTR_OK;
}

/* Is name in the header-list of sec? */
static bool
imap_fetchattr_field_listed(const struct imap_section *sec, const char *name)
{
	size_t i, n = imap_node_list_count(sec->fields), nlen = strlen(name), len;

	for (i = 0; i < n; i++) {
		const char *s = imap_node_str(imap_node_list_get(sec->fields, i), &len);

		if (s != NULL && len == nlen && strncasecmp(s, name, len) == 0)
			return true;
	}
	return false;
}

/* The empty line ending the header of part, as a range of data: false
 * when the header has none (a message without body and blank line). */
static bool
imap_fetchattr_blank_line(const struct mime_part *part, const char *data, size_t *off_r)
{
	size_t start = part->offset, end = part->offset + part->header_size, e;

	if (end == start || data[end - 1] != '\n')
		return false;
	e = end - 1;
	if (e > start && data[e - 1] == '\r')
		e--;
	if (e != start && data[e - 1] != '\n')
		return false;
	*off_r = e;
	return true;
}

/* HEADER.FIELDS (list) and HEADER.FIELDS.NOT (list) of msg. */
static enum imap_fetchattr_error
imap_fetchattr_header_fields(struct buf *out, const struct mime_part *msg,
    const char *data, const struct imap_section *sec, bool is_not)
{
	const struct mime_header_field *f;
	size_t blank;

	for (f = msg->fields; f != NULL; f = f->next) {
		if (imap_fetchattr_field_listed(sec, f->name) == is_not)
			continue;
		if (!buf_append(out, data + f->offset, f->size))
			return IMAP_FETCHATTR_FULL;
	}
	if (imap_fetchattr_blank_line(msg, data, &blank) &&
	    !buf_append(out, data + blank, msg->offset + msg->header_size - blank))
		return IMAP_FETCHATTR_FULL;
	return IMAP_FETCHATTR_OK;
}

enum imap_fetchattr_error
imap_fetchattr_body_section(struct buf *out, const struct mime_part *message,
    const char *data, size_t len, const struct imap_section *sec)
{
	const char *text = sec->text != NULL ? sec->text : "";
	const struct mime_part *msg;
	enum imap_fetchattr_error err;
	size_t off, size;

	if (strcmp(text, "HEADER.FIELDS") == 0 || strcmp(text, "HEADER.FIELDS.NOT") == 0) {
		err = imap_fetchattr_section_message(message, sec, &msg);
		if (err != IMAP_FETCHATTR_OK)
			return err;
		return imap_fetchattr_header_fields(out, msg, data, sec, text[13] == '.');
	}
	err = imap_fetchattr_section_range(message, len, sec, &off, &size);
	if (err != IMAP_FETCHATTR_OK)
		return err;
	return buf_append(out, data + off, size) ? IMAP_FETCHATTR_OK : IMAP_FETCHATTR_FULL;
}

/* Append n decoded bytes to out (NULL: count only). */
static bool
imap_fetchattr_emit(struct buf *out, const unsigned char *tmp, size_t n, uint64_t *size_r)
{
	*size_r += n;
	return out == NULL || buf_append(out, tmp, n);
}

/* Decode part's body (base64 or quoted-printable) into out, or only
 * count it when out is NULL. */
static enum imap_fetchattr_error
imap_fetchattr_decode(struct buf *out, const struct mime_part *part, const char *data,
    uint64_t *size_r)
{
	unsigned char tmp[MIME_QP_DECODED_MAX(IMAP_FETCHATTR_CHUNK) + 8];
	const char *body = data + part->body_offset;
	struct mime_base64_decoder b64;
	struct mime_qp_decoder qp;
	bool is_b64 = part->cte == MIME_CTE_BASE64;
	size_t i, k, n;

	*size_r = 0;
	mime_base64_decoder_init(&b64);
	mime_qp_decoder_init(&qp);
	for (i = 0; i < part->body_size; i += k) {
		k = part->body_size - i < IMAP_FETCHATTR_CHUNK ? part->body_size - i :
		    IMAP_FETCHATTR_CHUNK;
		n = is_b64 ? mime_base64_decode_update(&b64, body + i, k, tmp) :
		    mime_qp_decode_update(&qp, body + i, k, tmp);
		if (!imap_fetchattr_emit(out, tmp, n, size_r))
			return IMAP_FETCHATTR_FULL;
	}
	n = is_b64 ? mime_base64_decode_final(&b64, tmp) : mime_qp_decode_final(&qp, tmp);
	return imap_fetchattr_emit(out, tmp, n, size_r) ? IMAP_FETCHATTR_OK :
	    IMAP_FETCHATTR_FULL;
}

/* BINARY of part into out (NULL: count only). */
static enum imap_fetchattr_error
imap_fetchattr_part_binary(struct buf *out, const struct mime_part *part, const char *data,
    uint64_t *size_r)
{
	if (part->kind == MIME_PART_LEAF && part->cte == MIME_CTE_UNKNOWN)
		return IMAP_FETCHATTR_UNKNOWN_CTE;
	if (part->kind == MIME_PART_LEAF &&
	    (part->cte == MIME_CTE_BASE64 || part->cte == MIME_CTE_QP))
		return imap_fetchattr_decode(out, part, data, size_r);
	*size_r = part->body_size;
	if (out != NULL && !buf_append(out, data + part->body_offset, part->body_size))
		return IMAP_FETCHATTR_FULL;
	return IMAP_FETCHATTR_OK;
}

/* BINARY of sec into out (NULL: count only). */
static enum imap_fetchattr_error
imap_fetchattr_binary_to(struct buf *out, const struct mime_part *message, const char *data,
    size_t len, const struct imap_section *sec, uint64_t *size_r)
{
	const struct mime_part *part;

	if (sec->text != NULL && sec->text[0] != '\0')
		return IMAP_FETCHATTR_BAD_SECTION;
	if (sec->nparts == 0) {
		*size_r = len;
		if (out != NULL && !buf_append(out, data, len))
			return IMAP_FETCHATTR_FULL;
		return IMAP_FETCHATTR_OK;
	}
	part = imap_fetchattr_section_part(message, sec->parts, sec->nparts);
	if (part == NULL)
		return IMAP_FETCHATTR_NO_PART;
	return imap_fetchattr_part_binary(out, part, data, size_r);
}

enum imap_fetchattr_error
imap_fetchattr_binary(struct buf *out, const struct mime_part *message, const char *data,
    size_t len, const struct imap_section *sec)
{
	uint64_t size;

	return imap_fetchattr_binary_to(out, message, data, len, sec, &size);
}

enum imap_fetchattr_error
imap_fetchattr_binary_size(const struct mime_part *message, const char *data, size_t len,
    const struct imap_section *sec, uint64_t *size_r)
{
	return imap_fetchattr_binary_to(NULL, message, data, len, sec, size_r);
}

enum imap_fetchattr_error
imap_fetchattr_part_decoded_size(const struct mime_part *part, const char *data,
    uint64_t *size_r)
{
	return imap_fetchattr_part_binary(NULL, part, data, size_r);
}

void
imap_fetchattr_partial(const struct imap_section *sec, size_t len, size_t *offset_r,
    size_t *size_r)
{
	size_t off = 0, size = len;

	if (sec != NULL && sec->has_partial) {
		off = sec->partial_offset < len ? (size_t)sec->partial_offset : len;
		size = len - off;
		if (sec->has_partial_len && sec->partial_len < size)
			size = (size_t)sec->partial_len;
	}
	*offset_r = off;
	*size_r = size;
}
