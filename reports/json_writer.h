/* json_writer.h: a small streaming JSON writer over a FILE*.
 *
 * Output is pretty-printed with two-space indentation; empty containers are
 * written as [] and {}. The writer places commas and newlines itself from a
 * nesting stack of at most JSON_WRITER_MAX_DEPTH levels.
 *
 * Strings (RFC 8259 section 7): '"' and '\\' are escaped, control bytes
 * U+0000..U+001F and DEL as \u00XX. Valid UTF-8 is copied as is. Input that is
 * not valid UTF-8 still gives valid JSON: each offending byte is written as
 * \u00XX of its value (so 0xFF reads back as U+00FF, not as the raw byte).
 *
 * Errors are sticky: after a misuse (a value where a key is due, a key outside
 * an object, too deep, unbalanced end) or a write error, every call returns -1
 * and json_writer_finish() reports it. Each call returns 0 on success.
 */
#ifndef MAILSPEC_JSON_WRITER_H
#define MAILSPEC_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_WRITER_MAX_DEPTH 32

struct json_writer {
	FILE *out;
	int depth;				/* open containers */
	char kind[JSON_WRITER_MAX_DEPTH];	/* '{' or '[' per level */
	bool has_items[JSON_WRITER_MAX_DEPTH];	/* level has a member */
	bool after_key;				/* a key waits for its value */
	bool has_root;				/* the top-level value is written */
	bool is_failed;
	int err;				/* errno of the failure */
};

/* Start writing one JSON document to out (not owned, not closed). */
void json_writer_init(struct json_writer *w, FILE *out);
/* Check the document is complete, end it with a newline and flush;
 * 0 or -1 with errno set (EINVAL for misuse, else the write error). */
int json_writer_finish(struct json_writer *w);

/* Containers. */
int json_writer_begin_object(struct json_writer *w);
int json_writer_end_object(struct json_writer *w);
int json_writer_begin_array(struct json_writer *w);
int json_writer_end_array(struct json_writer *w);
/* The name of the next member; only inside an object. */
int json_writer_key(struct json_writer *w, const char *name);

/* Scalars. A NULL string writes null. */
int json_writer_string(struct json_writer *w, const char *s);
int json_writer_string_len(struct json_writer *w, const char *s, size_t len);
int json_writer_int(struct json_writer *w, int64_t v);
int json_writer_uint(struct json_writer *w, uint64_t v);
/* value / 10^decimals with exactly `decimals` digits after the point
 * (decimals <= 9), e.g. (1234, 3) -> 1.234; locale-independent. */
int json_writer_fixed(struct json_writer *w, int64_t value, unsigned decimals);
int json_writer_bool(struct json_writer *w, bool v);
int json_writer_null(struct json_writer *w);

/* UTF-8 helper shared with the XML writer: the length (1..4) of the valid,
 * shortest-form UTF-8 sequence at p (n bytes available) and its code point
 * in *cp_r; 0 if the bytes at p are not valid UTF-8 (surrogates and values
 * past U+10FFFF are invalid). n must be at least 1. */
size_t json_writer_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp_r);

#endif
