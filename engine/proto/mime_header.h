/* mime_header.h: the MIME header fields, one value at a time.
 *
 * RFC 5322 §2.2.3 (unfolding), RFC 2045 §5.1 (Content-Type: type "/"
 * subtype *(";" parameter), tokens, quoted strings, comments), §6.1
 * (Content-Transfer-Encoding), RFC 2183 §2 (Content-Disposition), RFC 2231
 * §3-4 (parameter sections, charset and language).
 *
 * The parser of mime.h uses these on every part; they are public so a
 * harness or a tool can run them on a single value. Results live in the
 * arena given (valid until it is reset); problems are OR-ed into
 * *problems_r as bits (1u << MIME_PROB_x) of mime.h. -1 is returned only
 * when the arena is full.
 */
#ifndef MAILSPEC_MIME_HEADER_H
#define MAILSPEC_MIME_HEADER_H

#include <stddef.h>
#include <stdint.h>

#include "mime.h"

struct arena;

/* Parameters in one field value. */
#define MIME_PARAMS_MAX 256

/* Unfold raw[0..len) into out (room for len + 1 bytes, not overlapping
 * raw): drop every CR and LF that precede WSP (a fold), trim leading and
 * trailing WSP, NUL-end. raw may hold NULs and need not be NUL-terminated.
 * Returns the length written. */
size_t mime_header_unfold(const char *raw, size_t len, char *out);
/* Parse a Content-Type value. 1: *type_r, *subtype_r (lower-cased) and
 * *params_r set. 0: not "type/subtype" (MIME_PROB_BAD_CONTENT_TYPE set;
 * nothing else set). -1: arena full. */
int mime_content_type_parse(struct arena *a, const char *value, size_t len,
    const char **type_r, const char **subtype_r, struct mime_param **params_r,
    uint32_t *problems_r);
/* Parse a Content-Disposition value: a token (lower-cased) and
 * parameters. 1: set; 0: no disposition type (MIME_PROB_BAD_PARAM); -1. */
int mime_disposition_parse(struct arena *a, const char *value, size_t len,
    const char **disposition_r, struct mime_param **params_r, uint32_t *problems_r);
/* Parse the parameter list at value[0..len) (starting at its first ";").
 * Sections are joined and values decoded as RFC 2231 says. 1 or -1. */
int mime_params_parse(struct arena *a, const char *value, size_t len,
    struct mime_param **params_r, uint32_t *problems_r);
/* The Content-Transfer-Encoding mechanism of value (case-insensitive,
 * comments allowed); *name_r gets its lower-cased name ("" if none) in a.
 * An empty or unknown mechanism gives MIME_CTE_UNKNOWN. */
enum mime_cte mime_cte_parse(struct arena *a, const char *value, size_t len,
    const char **name_r);

#endif
