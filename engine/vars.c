/* vars.c: variables and ${...} expansion for scenarios. */
#include "vars.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "buf.h"

#define VARS_MAX_DEPTH 8

void
vars_init(struct vars *vs)
{
	vs->v = NULL;
	vs->n = 0;
}

void
vars_free(struct vars *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++) {
		free(vs->v[i].name);
		free(vs->v[i].value);
	}
	free(vs->v);
	vars_init(vs);
}

const struct var *
vars_get(const struct vars *vs, const char *name, size_t namelen)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (strlen(vs->v[i].name) == namelen &&
		    memcmp(vs->v[i].name, name, namelen) == 0)
			return &vs->v[i];
	return NULL;
}

bool
vars_set(struct vars *vs, const char *name, const void *value, size_t len)
{
	struct var *v = (struct var *)vars_get(vs, name, strlen(name));
	char *copy = malloc(len + 1);

	if (copy == NULL)
		return false;
	memcpy(copy, value, len);
	copy[len] = '\0';
	if (v == NULL) {
		struct var *nv = realloc(vs->v, (vs->n + 1) * sizeof(*nv));
		if (nv == NULL || (nv[vs->n].name = strdup(name)) == NULL) {
			if (nv != NULL)
				vs->v = nv;
			free(copy);
			return false;
		}
		vs->v = nv;
		v = &vs->v[vs->n++];
	} else {
		free(v->value);
	}
	v->value = copy;
	v->len = len;
	return true;
}

void
vars_unset_prefix(struct vars *vs, const char *prefix)
{
	size_t i = 0, plen = strlen(prefix);

	while (i < vs->n) {
		if (strncmp(vs->v[i].name, prefix, plen) == 0) {
			free(vs->v[i].name);
			free(vs->v[i].value);
			vs->v[i] = vs->v[--vs->n];
		} else {
			i++;
		}
	}
}

struct xctx {
	const struct vars *vs;
	char *err;
	size_t errlen;
	int depth;
};

static int xexpand(struct xctx *x, const char *in, size_t len, bool escapes,
    bool quote, struct buf *out);

static int
xfail(struct xctx *x, const char *msg, const char *name, size_t namelen)
{
	snprintf(x->err, x->errlen, "%s%.*s", msg, (int)(namelen > 80 ? 80 : namelen), name);
	return -1;
}

/* Append value, quoted for PCRE2 in regex mode (\Q...\E, with any \E in
 * the value split so it cannot end the quote early). */
static int
xput(struct xctx *x, bool quote, const char *v, size_t len, struct buf *out)
{
	size_t i;
	bool ok = true;

	if (!quote)
		ok = buf_append(out, v, len);
	else {
		ok = buf_puts(out, "\\Q");
		for (i = 0; ok && i < len; i++) {
			if (v[i] == '\\' && i + 1 < len && v[i + 1] == 'E')
				ok = buf_puts(out, "\\E\\\\E\\Q") && ++i;
			else
				ok = buf_putc(out, v[i]);
		}
		ok = ok && buf_puts(out, "\\E");
	}
	return ok ? 0 : xfail(x, "expansion larger than the limit", "", 0);
}

/* Offset of the '}' closing a "${" that starts at in[0], or -1. */
static long
xclose(const char *in, size_t len)
{
	size_t i, depth = 0;

	for (i = 0; i < len; i++) {
		if (in[i] == '\\' && i + 1 < len) {
			i++;
		} else if (in[i] == '$' && i + 1 < len && in[i + 1] == '{') {
			depth++;
			i++;
		} else if (in[i] == '}' && --depth == 0) {
			return (long)i;
		}
	}
	return -1;
}

static int
xnumber(struct xctx *x, const char *s, size_t len, long long *v)
{
	struct buf b;
	char *end;
	int rc = 0;

	buf_init(&b, 64);
	if (xexpand(x, s, len, false, false, &b) != 0)
		rc = -1;
	else {
		errno = 0;
		*v = strtoll(b.data ? b.data : "", &end, 10);
		if (b.len == 0 || *end != '\0' || errno != 0)
			rc = xfail(x, "not an integer: ", b.data ? b.data : "", b.len);
	}
	buf_release(&b);
	return rc;
}

static int
xfunc_base64(struct xctx *x, const char *arg, size_t len, bool quote, struct buf *out)
{
	struct buf raw;
	char *enc;
	int rc;

	buf_init(&raw, VARS_MAX_EXPANSION / 2);
	rc = xexpand(x, arg, len, true, false, &raw);
	enc = rc == 0 ? malloc(base64_encoded_len(raw.len) + 1) : NULL;
	if (rc == 0 && enc == NULL)
		rc = xfail(x, "out of memory", "", 0);
	if (rc == 0)
		rc = xput(x, quote, enc, base64_encode(raw.data ? raw.data : "", raw.len, enc), out);
	free(enc);
	buf_release(&raw);
	return rc;
}

static int
xfunc_repeat(struct xctx *x, const char *arg, size_t len, bool quote, struct buf *out)
{
	const char *colon = memchr(arg, ':', len);
	struct buf unit;
	long long n, i;
	int rc;

	if (colon == NULL)
		return xfail(x, "repeat needs ${repeat:N:TEXT}", "", 0);
	if (xnumber(x, arg, (size_t)(colon - arg), &n) != 0)
		return -1;
	buf_init(&unit, VARS_MAX_EXPANSION);
	rc = xexpand(x, colon + 1, len - (size_t)(colon + 1 - arg), false, false, &unit);
	if (rc == 0 && (n < 0 || (unit.len > 0 &&
	    (unsigned long long)n > VARS_MAX_EXPANSION / unit.len)))
		rc = xfail(x, "repeat: result larger than 16 MiB", "", 0);
	if (quote && rc == 0)
		rc = buf_puts(out, "(?:") ? 0 : -1;
	for (i = 0; rc == 0 && i < n; i++)
		rc = xput(x, quote, unit.data ? unit.data : "", unit.len, out);
	if (quote && rc == 0)
		rc = buf_puts(out, ")") ? 0 : -1;
	buf_release(&unit);
	return rc;
}

/* ${len:TEXT}: the octets of TEXT expanded, for IMAP literals {n}. */
static int
xfunc_len(struct xctx *x, const char *arg, size_t len, bool quote, struct buf *out)
{
	struct buf text;
	char num[32];
	int rc;

	buf_init(&text, VARS_MAX_EXPANSION);
	rc = xexpand(x, arg, len, true, false, &text);
	snprintf(num, sizeof(num), "%zu", text.len);
	buf_release(&text);
	return rc == 0 ? xput(x, quote, num, strlen(num), out) : rc;
}

static int
xfunc_add(struct xctx *x, const char *arg, size_t len, bool quote, struct buf *out)
{
	const char *colon = memchr(arg, ':', len);
	long long a, b;
	char num[32];

	if (colon == NULL)
		return xfail(x, "add needs ${add:A:B}", "", 0);
	if (xnumber(x, arg, (size_t)(colon - arg), &a) != 0 ||
	    xnumber(x, colon + 1, len - (size_t)(colon + 1 - arg), &b) != 0)
		return -1;
	snprintf(num, sizeof(num), "%lld", a + b);
	return xput(x, quote, num, strlen(num), out);
}

/* ${...} body in[0..len): a function call or a variable name. */
static int
xref(struct xctx *x, const char *in, size_t len, bool quote, struct buf *out)
{
	static const struct {
		const char *name;
		int (*fn)(struct xctx *, const char *, size_t, bool, struct buf *);
	} funcs[] = {
		{ "base64:", xfunc_base64 },
		{ "repeat:", xfunc_repeat },
		{ "add:", xfunc_add },
		{ "len:", xfunc_len },
	};
	const struct var *v;
	size_t i;

	for (i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		size_t n = strlen(funcs[i].name);
		if (len >= n && memcmp(in, funcs[i].name, n) == 0)
			return funcs[i].fn(x, in + n, len - n, quote, out);
	}
	v = vars_get(x->vs, in, len);
	if (v == NULL)
		return xfail(x, "undefined variable ", in, len);
	return xput(x, quote, v->value, v->len, out);
}

static int
xexpand(struct xctx *x, const char *in, size_t len, bool escapes, bool quote,
    struct buf *out)
{
	size_t i;
	int rc = 0;

	if (++x->depth > VARS_MAX_DEPTH)
		return xfail(x, "${...} nested too deep", "", 0);
	for (i = 0; rc == 0 && i < len; i++) {
		if (escapes && in[i] == '\\' && i + 1 < len) {
			char c = in[++i] == '0' ? '\0' : in[i];
			rc = xput(x, quote, &c, 1, out);
		} else if (in[i] == '$' && i + 1 < len && in[i + 1] == '$') {
			rc = xput(x, quote, "$", 1, out);
			i++;
		} else if (in[i] == '$' && i + 1 < len && in[i + 1] == '{') {
			long end = xclose(in + i, len - i);
			if (end < 0)
				return xfail(x, "unterminated ${ in: ", in, len);
			rc = xref(x, in + i + 2, (size_t)end - 2, quote, out);
			i += (size_t)end;
		} else {
			rc = buf_putc(out, in[i]) ? 0 : xfail(x, "expansion too large", "", 0);
		}
	}
	x->depth--;
	return rc;
}

int
vars_expand(const struct vars *vs, const char *in, size_t len, enum vars_mode mode,
    struct buf *out, char *err, size_t errlen)
{
	struct xctx x = { vs, err, errlen, 0 };

	/* In regex mode the pattern text is kept as written; only the values
	 * inserted into it are quoted. */
	return xexpand(&x, in, len, false, mode == VARS_REGEX, out);
}
