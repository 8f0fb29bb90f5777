/* json_writer.c: streaming, pretty-printed JSON (RFC 8259) over a FILE*.
 * See json_writer.h for the escaping rules and the error model.
 */
#include "json_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

static int
json_writer_fail(struct json_writer *w, int err)
{
	if (!w->is_failed) {
		w->is_failed = true;
		w->err = err != 0 ? err : EIO;
	}
	return -1;
}

static int
json_writer_put(struct json_writer *w, const char *s, size_t len)
{
	if (w->is_failed)
		return -1;
	errno = 0;
	if (len > 0 && fwrite(s, 1, len, w->out) != len)
		return json_writer_fail(w, errno);
	return 0;
}

static int
json_writer_puts(struct json_writer *w, const char *s)
{
	return json_writer_put(w, s, strlen(s));
}

/* A newline and the indentation of the current depth. */
static int
json_writer_newline(struct json_writer *w)
{
	int i;

	if (json_writer_put(w, "\n", 1) < 0)
		return -1;
	for (i = 0; i < w->depth; i++)
		if (json_writer_put(w, "  ", 2) < 0)
			return -1;
	return 0;
}

void
json_writer_init(struct json_writer *w, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
}

int
json_writer_finish(struct json_writer *w)
{
	if (!w->is_failed && (w->depth != 0 || !w->has_root || w->after_key))
		json_writer_fail(w, EINVAL);
	if (json_writer_put(w, "\n", 1) < 0)
		goto failed;
	errno = 0;
	if (fflush(w->out) != 0 || ferror(w->out))
		json_writer_fail(w, errno);
failed:
	if (w->is_failed) {
		errno = w->err;
		return -1;
	}
	return 0;
}

/* Place the separator before a value and check a value is allowed here. */
static int
json_writer_begin_value(struct json_writer *w)
{
	if (w->is_failed)
		return -1;
	if (w->depth == 0) {
		if (w->has_root)
			return json_writer_fail(w, EINVAL);
		w->has_root = true;
		return 0;
	}
	if (w->kind[w->depth - 1] == '{') {
		if (!w->after_key)
			return json_writer_fail(w, EINVAL);
		w->after_key = false;
		return 0;
	}
	if (w->has_items[w->depth - 1] && json_writer_put(w, ",", 1) < 0)
		return -1;
	w->has_items[w->depth - 1] = true;
	return json_writer_newline(w);
}

static int
json_writer_begin(struct json_writer *w, char kind)
{
	if (json_writer_begin_value(w) < 0)
		return -1;
	if (w->depth >= JSON_WRITER_MAX_DEPTH)
		return json_writer_fail(w, EINVAL);
	w->kind[w->depth] = kind;
	w->has_items[w->depth] = false;
	w->depth++;
	return json_writer_put(w, &kind, 1);
}

static int
json_writer_end(struct json_writer *w, char kind)
{
	bool had_items;

	if (w->is_failed)
		return -1;
	if (w->depth == 0 || w->kind[w->depth - 1] != kind || w->after_key)
		return json_writer_fail(w, EINVAL);
	had_items = w->has_items[w->depth - 1];
	w->depth--;
	if (had_items && json_writer_newline(w) < 0)
		return -1;
	return json_writer_puts(w, kind == '{' ? "}" : "]");
}

int
json_writer_begin_object(struct json_writer *w)
{
	return json_writer_begin(w, '{');
}

int
json_writer_end_object(struct json_writer *w)
{
	return json_writer_end(w, '{');
}

int
json_writer_begin_array(struct json_writer *w)
{
	return json_writer_begin(w, '[');
}

int
json_writer_end_array(struct json_writer *w)
{
	return json_writer_end(w, '[');
}

size_t
json_writer_utf8_decode(const unsigned char *p, size_t n, uint32_t *cp_r)
{
	uint32_t cp, min;
	size_t len, i;

	if (p[0] < 0x80) {
		*cp_r = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2, cp = p[0] & 0x1f, min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3, cp = p[0] & 0x0f, min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4, cp = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;	/* continuation byte, C0, C1, F5..FF */
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return len;
}

/* \u00XX for one byte. */
static int
json_writer_put_u00(struct json_writer *w, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

	return json_writer_put(w, esc, sizeof(esc));
}

/* The quoted, escaped string; copies runs of plain bytes in one write. */
static int
json_writer_put_quoted(struct json_writer *w, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, n;
	uint32_t cp;

	if (json_writer_put(w, "\"", 1) < 0)
		return -1;
	while (i < len) {
		unsigned char c = p[i];

		n = json_writer_utf8_decode(p + i, len - i, &cp);
		if (n > 0 && c != '"' && c != '\\' && c >= 0x20 && c != 0x7f) {
			i += n;
			continue;
		}
		if (json_writer_put(w, s + run, i - run) < 0)
			return -1;
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };

			if (json_writer_put(w, esc, 2) < 0)
				return -1;
		} else if (json_writer_put_u00(w, c) < 0) {
			return -1;
		}
		run = ++i;
	}
	if (json_writer_put(w, s + run, len - run) < 0)
		return -1;
	return json_writer_put(w, "\"", 1);
}

int
json_writer_key(struct json_writer *w, const char *name)
{
	if (w->is_failed)
		return -1;
	if (w->depth == 0 || w->kind[w->depth - 1] != '{' || w->after_key ||
	    name == NULL)
		return json_writer_fail(w, EINVAL);
	if (w->has_items[w->depth - 1] && json_writer_put(w, ",", 1) < 0)
		return -1;
	w->has_items[w->depth - 1] = true;
	if (json_writer_newline(w) < 0 ||
	    json_writer_put_quoted(w, name, strlen(name)) < 0 ||
	    json_writer_put(w, ": ", 2) < 0)
		return -1;
	w->after_key = true;
	return 0;
}

int
json_writer_string_len(struct json_writer *w, const char *s, size_t len)
{
	if (s == NULL)
		return json_writer_null(w);
	if (json_writer_begin_value(w) < 0)
		return -1;
	return json_writer_put_quoted(w, s, len);
}

int
json_writer_string(struct json_writer *w, const char *s)
{
	return json_writer_string_len(w, s, s != NULL ? strlen(s) : 0);
}

int
json_writer_int(struct json_writer *w, int64_t v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	if (json_writer_begin_value(w) < 0)
		return -1;
	return json_writer_put(w, num, (size_t)n);
}

int
json_writer_uint(struct json_writer *w, uint64_t v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%" PRIu64, v);

	if (json_writer_begin_value(w) < 0)
		return -1;
	return json_writer_put(w, num, (size_t)n);
}

int
json_writer_fixed(struct json_writer *w, int64_t value, unsigned decimals)
{
	uint64_t mag, scale = 1;
	unsigned i;
	char num[48];
	int n;

	if (decimals > 9)
		return json_writer_fail(w, EINVAL);
	if (decimals == 0)
		return json_writer_int(w, value);
	for (i = 0; i < decimals; i++)
		scale *= 10;
	mag = value < 0 ? -(uint64_t)value : (uint64_t)value;
	n = snprintf(num, sizeof(num), "%s%" PRIu64 ".%0*" PRIu64,
	    value < 0 ? "-" : "", mag / scale, (int)decimals, mag % scale);
	if (json_writer_begin_value(w) < 0)
		return -1;
	return json_writer_put(w, num, (size_t)n);
}

int
json_writer_bool(struct json_writer *w, bool v)
{
	if (json_writer_begin_value(w) < 0)
		return -1;
	return json_writer_puts(w, v ? "true" : "false");
}

int
json_writer_null(struct json_writer *w)
{
	if (json_writer_begin_value(w) < 0)
		return -1;
	return json_writer_puts(w, "null");
}
