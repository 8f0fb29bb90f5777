/* loader_yaml.c: libyaml node accessors and error reporting for the
 * loader: every error names file:line:col from the node's start mark and
 * shows the source line with a caret (libyaml-style problem marks). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "arena.h"
#include "buf.h"
#include "loader_private.h"

/* ---- errors ---------------------------------------------------------- */

static void
lerr_context(struct lctx *c, int line, int col)
{
	const char *p = c->src, *end = c->src + c->srclen, *eol;
	int i;

	if (p == NULL || line < 1)
		return;
	for (i = 1; i < line && p < end; i++) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (p == NULL)
			return;
		p++;
	}
	eol = memchr(p, '\n', (size_t)(end - p));
	if (eol == NULL)
		eol = end;
	if (eol - p > 200)
		eol = p + 200;
	fprintf(c->err, "  %.*s\n  %*s^\n", (int)(eol - p), p, col > 1 ? col - 1 : 0, "");
}

void
lerr_at(struct lctx *c, int line, int col, const char *fmt, ...)
{
	va_list ap;

	fprintf(c->err, "%s:%d:%d: error: ", c->file, line, col);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	lerr_context(c, line, col);
	c->nerrors++;
}

void
lerr(struct lctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int line = n ? (int)n->start_mark.line + 1 : 1;
	int col = n ? (int)n->start_mark.column + 1 : 1;

	fprintf(c->err, "%s:%d:%d: error: ", c->file, line, col);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	fputc('\n', c->err);
	lerr_context(c, line, col);
	c->nerrors++;
}

/* An error about a value: names the key it belongs to when known. */
static void lerr_value(struct lctx *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
lerr_value(struct lctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->key != NULL)
		lerr(c, n, "%s: %s", c->key, msg);
	else
		lerr(c, n, "%s", msg);
}

/* ---- node accessors --------------------------------------------------- */

yaml_node_t *
lnode(struct lctx *c, int idx)
{
	return yaml_document_get_node(c->doc, idx);
}

const char *
lnode_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a map";
	default: return "nothing";
	}
}

static bool
lnode_is_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

bool
lget_text(struct lctx *c, const yaml_node_t *n, struct text *out)
{
	if (n->type != YAML_SCALAR_NODE) {
		lerr_value(c, n, "expected a string, found %s", lnode_kind(n));
		return false;
	}
	out->len = n->data.scalar.length;
	out->s = arena_strndup(c->arena, (const char *)n->data.scalar.value, out->len);
	out->line = (int)n->start_mark.line + 1;
	out->col = (int)n->start_mark.column + 1;
	out->is_fixture = false;
	if (out->s == NULL) {
		lerr_value(c, n, "out of memory");
		return false;
	}
	return true;
}

bool
lget_str(struct lctx *c, const yaml_node_t *n, const char **out)
{
	struct text t;

	if (!lget_text(c, n, &t))
		return false;
	if (strlen(t.s) != t.len) {
		lerr_value(c, n, "NUL byte not allowed here");
		return false;
	}
	*out = t.s;
	return true;
}

bool
lget_int(struct lctx *c, const yaml_node_t *n, long min, long max, long *out)
{
	const char *s = (const char *)n->data.scalar.value;
	char *end;
	long v;

	if (!lnode_is_plain(n) || n->data.scalar.length == 0) {
		lerr_value(c, n, "expected an integer, found %s", n->type == YAML_SCALAR_NODE ?
		    "a quoted string" : lnode_kind(n));
		return false;
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0') {
		lerr_value(c, n, "expected an integer, found '%s'", s);
		return false;
	}
	if (v < min || v > max) {
		lerr_value(c, n, "%ld is out of range (%ld..%ld)", v, min, max);
		return false;
	}
	*out = v;
	return true;
}

bool
lget_number(struct lctx *c, const yaml_node_t *n, double min, double max, double *out)
{
	const char *s = (const char *)n->data.scalar.value;
	char *end;
	double v;

	if (!lnode_is_plain(n) || n->data.scalar.length == 0) {
		lerr_value(c, n, "expected a number of seconds, found %s", lnode_kind(n));
		return false;
	}
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !(v >= min && v <= max)) {
		lerr_value(c, n, "expected a number from %g to %g, found '%s'", min, max, s);
		return false;
	}
	*out = v;
	return true;
}

bool
lget_bool(struct lctx *c, const yaml_node_t *n, bool *out)
{
	const char *s = (const char *)n->data.scalar.value;

	if (lnode_is_plain(n) && lstreq(s, "true")) {
		*out = true;
		return true;
	}
	if (lnode_is_plain(n) && lstreq(s, "false")) {
		*out = false;
		return true;
	}
	lerr_value(c, n, "expected true or false, found %s", n->type == YAML_SCALAR_NODE ?
	    s : lnode_kind(n));
	return false;
}

bool
lget_text_list(struct lctx *c, const yaml_node_t *n, struct text **out, size_t *nout)
{
	yaml_node_item_t *it;
	size_t i = 0, count;
	bool ok = true;

	if (n->type != YAML_SEQUENCE_NODE) {
		lerr_value(c, n, "expected a list, found %s", lnode_kind(n));
		return false;
	}
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	*out = arena_alloc(c->arena, (count ? count : 1) * sizeof(**out));
	if (*out == NULL)
		return false;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		if (lget_text(c, lnode(c, *it), &(*out)[i]))
			i++;
		else
			ok = false;
	*nout = i;
	return ok;
}

bool
lget_kv_map(struct lctx *c, const yaml_node_t *n, struct kv **out, size_t *nout)
{
	yaml_node_pair_t *p;
	size_t i = 0, count;
	bool ok = true;

	if (n->type != YAML_MAPPING_NODE) {
		lerr_value(c, n, "expected a map, found %s", lnode_kind(n));
		return false;
	}
	count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	*out = arena_alloc(c->arena, (count ? count : 1) * sizeof(**out));
	if (*out == NULL)
		return false;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		struct kv *kv = &(*out)[i];

		if (lget_text(c, lnode(c, p->key), &kv->key) &&
		    lget_text(c, lnode(c, p->value), &kv->value))
			i++;
		else
			ok = false;
	}
	*nout = i;
	return ok;
}

/* Levenshtein distance from a pattern (peq: for each byte, the bits of
 * the positions where the pattern has it; la: its length, below 63) to b,
 * by Myers' bit-vector algorithm (Hyyro's form for a whole string): one
 * pass over b with a few word operations per byte instead of the la by lb
 * table, which stood out in the fuzzer's profile (unknown keys are what
 * fuzzed scenarios are full of, and each is measured against every
 * candidate). Only a distance below cap matters to the caller: cap is
 * returned for any other. */
static size_t
ldistance(const uint64_t peq[256], size_t la, const char *b, size_t cap)
{
	uint64_t pv = ~(uint64_t)0, mv = 0, high = (uint64_t)1 << (la ? la - 1 : 0);
	size_t lb = strlen(b), d = la, j;

	if (lb >= 63 || (la > lb ? la - lb : lb - la) >= cap)
		return cap;
	if (la == 0)
		return lb;
	for (j = 0; j < lb; j++) {
		uint64_t eq = peq[(unsigned char)b[j]];
		uint64_t xv = eq | mv, xh = (((eq & pv) + pv) ^ pv) | eq;
		uint64_t ph = mv | ~(xh | pv), mh = pv & xh;

		if (ph & high)
			d++;
		else if (mh & high)
			d--;
		ph = ph << 1 | 1;
		mh <<= 1;
		pv = mh | ~(xv | ph);
		mv = ph & xv;
	}
	return d < cap ? d : cap;
}

void
lerr_unknown_key(struct lctx *c, const yaml_node_t *key, const char *where,
    const char *const *candidates)
{
	const char *name = key->type == YAML_SCALAR_NODE ?
	    (const char *)key->data.scalar.value : "?";
	const char *best = NULL;
	uint64_t peq[256];
	size_t bestd = 3, la = strlen(name), i;

	/* names of 63 bytes or more get no hint */
	if (la < 63) {
		memset(peq, 0, sizeof(peq));
		for (i = 0; i < la; i++)
			peq[(unsigned char)name[i]] |= (uint64_t)1 << i;
	}
	for (i = 0; la < 63 && candidates[i] != NULL; i++) {
		size_t d = ldistance(peq, la, candidates[i], bestd);
		if (d < bestd) {
			bestd = d;
			best = candidates[i];
		}
	}
	if (best != NULL)
		lerr(c, key, "unknown key '%s' in %s (did you mean '%s'?)", name, where, best);
	else
		lerr(c, key, "unknown key '%s' in %s", name, where);
}

bool
lcheck_regex(struct lctx *c, const struct text *t)
{
	struct buf b;
	pcre2_code *re;
	int errcode;
	PCRE2_SIZE erroff;
	size_t i;

	/* Variables become literals at run time; check the rest here. */
	buf_init(&b, t->len + 16);
	for (i = 0; i < t->len; i++) {
		if (t->s[i] == '$' && i + 1 < t->len && t->s[i + 1] == '{') {
			const char *end = memchr(t->s + i, '}', t->len - i);
			if (end != NULL) {
				buf_putc(&b, 'v');
				i = (size_t)(end - t->s);
				continue;
			}
		}
		buf_putc(&b, t->s[i]);
	}
	re = pcre2_compile((PCRE2_SPTR)(b.data ? b.data : ""), b.len, 0,
	    &errcode, &erroff, NULL);
	buf_release(&b);
	if (re == NULL) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		lerr_at(c, t->line, t->col, "bad regex: %s (at offset %zu)", (char *)msg,
		    (size_t)erroff);
		return false;
	}
	pcre2_code_free(re);
	return true;
}

