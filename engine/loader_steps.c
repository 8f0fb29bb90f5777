/* loader_steps.c: the steps of a scenario (scenarios/FORMAT.md "Steps"):
 * exactly one action per step, the modifiers conn/timeout/requires, raw
 * byte pieces, and SMTP expectations (RFC 5321 §4.2 reply codes, RFC 3463
 * enhanced codes). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arena.h"
#include "base64.h"
#include "buf.h"
#include "imap_resp.h"
#include "loader_private.h"

struct action {
	const char *name;
	enum step_kind kind;
};

static const struct action actions[] = {
	{ "send", STEP_SEND },
	{ "pipeline", STEP_PIPELINE },
	{ "send_raw", STEP_SEND_RAW },
	{ "send_data", STEP_SEND_DATA },
	{ "starttls", STEP_STARTTLS },
	{ "connect", STEP_CONNECT },
	{ "close", STEP_CLOSE },
	{ "wait", STEP_WAIT },
	{ "prelude", STEP_PRELUDE },
	{ "set", STEP_SET },
	{ "expect", STEP_EXPECT },
	{ "expect_silence", STEP_EXPECT_SILENCE },
	{ "expect_closed", STEP_EXPECT_CLOSED },
	{ "retry", STEP_RETRY },
};
#define NACTIONS (sizeof(actions) / sizeof(actions[0]))

static const char *const step_keys[] = {
	"send", "pipeline", "send_raw", "send_data", "starttls", "connect", "close",
	"wait", "prelude", "set", "expect", "expect_silence", "expect_closed", "retry",
	"conn", "timeout", "requires", NULL
};

static const char *const smtp_expect_keys[] = {
	"code", "enhanced", "text", "lines", "any_line", "no_line", "multiline",
	"capture", "closed", NULL
};

static const char *const imap_expect_keys[] = {
	"tagged", "code", "text", "untagged", "continuation", "greeting", "capture",
	"closed", "fetch", NULL
};

static const char *const pop3_expect_keys[] = {
	"status", "text", "resp_code", "body", "body_text", "body_lines", "body_any_line",
	"body_no_line", "message", "capture", "closed", NULL
};

static bool loader_data_lines(struct lctx *c, const yaml_node_t *n, struct step *st);
static bool loader_steps_into(struct lctx *c, const yaml_node_t *n, struct step **steps,
    size_t *nsteps);

/* ---- expectations ---------------------------------------------------- */

/* 250, "250", "25x", "2xx". */
static bool
loader_code_one(struct lctx *c, const yaml_node_t *n, struct code_range *r)
{
	const char *s = (const char *)n->data.scalar.value;
	int lo = 0, hi = 0, i;

	if (n->type != YAML_SCALAR_NODE || strlen(s) != 3)
		goto bad;
	for (i = 0; i < 3; i++) {
		if (s[i] >= '0' && s[i] <= '9') {
			if (hi != lo)
				goto bad;	/* "2x5" */
			lo = lo * 10 + (s[i] - '0');
			hi = hi * 10 + (s[i] - '0');
		} else if (s[i] == 'x' && i > 0) {
			lo = lo * 10;
			hi = hi * 10 + 9;
		} else {
			goto bad;
		}
	}
	if (lo < 200 || hi > 599)
		goto bad;
	r->lo = lo;
	r->hi = hi;
	return true;
bad:
	lerr(c, n, "code: expected a reply code like 250, \"25x\" or \"2xx\" (200-599)");
	return false;
}

static bool
loader_codes(struct lctx *c, const yaml_node_t *n, struct expect *e)
{
	yaml_node_item_t *it;
	size_t count = 1;
	bool ok = true;

	if (n->type == YAML_SEQUENCE_NODE)
		count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count == 0) {
		lerr(c, n, "code: the list is empty");
		return false;
	}
	/* a duplicated code: key (reported) is parsed again: start over */
	e->ncodes = 0;
	e->codes = arena_alloc(c->arena, count * sizeof(*e->codes));
	if (e->codes == NULL)
		return false;
	if (n->type != YAML_SEQUENCE_NODE) {
		e->ncodes = 1;
		return loader_code_one(c, n, &e->codes[0]);
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++)
		ok &= loader_code_one(c, lnode(c, *it), &e->codes[e->ncodes++]);
	return ok;
}

/* "5.5.1", "5.x.x": class 2/4/5 (RFC 3463 §3.1), subject and detail 0-999. */
static bool
loader_enhanced(struct lctx *c, const yaml_node_t *n, struct text *t)
{
	const char *s;
	int field = 0, digits = 0;
	size_t i;

	if (!lget_text(c, n, t))
		return false;
	s = t->s;
	if (!(s[0] == '2' || s[0] == '4' || s[0] == '5' || s[0] == 'x') || s[1] != '.')
		goto bad;
	for (i = 2; ; i++) {
		if (s[i] == 'x' && digits == 0 && (s[i + 1] == '.' || s[i + 1] == '\0')) {
			digits = 3;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
			digits++;
		} else if ((s[i] == '.' && field == 0) || s[i] == '\0') {
			if (digits == 0)
				goto bad;
			if (s[i] == '\0' && field == 1)
				return true;
			if (s[i] == '\0')
				goto bad;
			field++;
			digits = 0;
		} else {
			goto bad;
		}
	}
bad:
	lerr(c, n, "enhanced: expected an RFC 3463 code like \"5.5.1\" or \"5.x.x\"");
	return false;
}

static bool
loader_regex(struct lctx *c, const yaml_node_t *n, struct text *t)
{
	return lget_text(c, n, t) && lcheck_regex(c, t);
}

static bool
loader_captures(struct lctx *c, const yaml_node_t *n, struct expect *e)
{
	struct kv *kv;
	size_t nkv, i;
	bool ok;

	if (!lget_kv_map(c, n, &kv, &nkv))
		return false;
	e->captures = arena_alloc(c->arena, (nkv ? nkv : 1) * sizeof(*e->captures));
	if (e->captures == NULL)
		return false;
	ok = true;
	for (i = 0; i < nkv; i++) {
		e->captures[i].var = kv[i].key;
		e->captures[i].pattern = kv[i].value;
		ok &= lcheck_regex(c, &kv[i].value);
	}
	e->ncaptures = nkv;
	return ok;
}

static bool
loader_expect_key(struct lctx *c, const char *key, const yaml_node_t *v, struct expect *e)
{
	bool b;
	size_t i;

	if (lstreq(key, "code"))
		return loader_codes(c, v, e);
	if (lstreq(key, "enhanced"))
		return loader_enhanced(c, v, &e->enhanced);
	if (lstreq(key, "text"))
		return loader_regex(c, v, &e->text);
	if (lstreq(key, "any_line"))
		return loader_regex(c, v, &e->any_line);
	if (lstreq(key, "no_line"))
		return loader_regex(c, v, &e->no_line);
	if (lstreq(key, "lines")) {
		bool ok = lget_text_list(c, v, &e->lines, &e->nlines);
		for (i = 0; ok && i < e->nlines; i++)
			ok = lcheck_regex(c, &e->lines[i]);
		e->has_lines = true;
		return ok;
	}
	if (lstreq(key, "multiline")) {
		if (!lget_bool(c, v, &b))
			return false;
		e->multiline = b;
		return true;
	}
	if (lstreq(key, "capture"))
		return loader_captures(c, v, e);
	if (lstreq(key, "closed"))
		return lget_bool(c, v, &e->closed);
	return false;
}

static bool
loader_pop3_status(struct lctx *c, const yaml_node_t *n, struct expect *e)
{
	const char *s;

	if (!lget_str(c, n, &s))
		return false;
	if (lstreq(s, "+OK"))
		e->status = 0;
	else if (lstreq(s, "-ERR"))
		e->status = 1;
	else if (lstreq(s, "+"))
		e->status = 2;
	else {
		lerr(c, n, "status: expected +OK, -ERR or + (a SASL continuation)");
		return false;
	}
	return true;
}

/* POP3 keys; the status line shares text/capture/closed with SMTP. */
static bool
loader_pop3_key(struct lctx *c, const char *key, const yaml_node_t *v, struct expect *e)
{
	size_t i;
	bool ok;

	if (lstreq(key, "status"))
		return loader_pop3_status(c, v, e);
	if (lstreq(key, "resp_code"))
		return lget_text(c, v, &e->resp_code);
	if (lstreq(key, "body")) {
		bool b;
		if (!lget_bool(c, v, &b))
			return false;
		e->body |= b;
		return true;
	}
	/* Every body_* check implies a body: without one it could not fail. */
	if (strncmp(key, "body_", 5) == 0)
		e->body = true;
	if (lstreq(key, "body_text"))
		return loader_regex(c, v, &e->body_text);
	if (lstreq(key, "body_any_line"))
		return loader_regex(c, v, &e->body_any_line);
	if (lstreq(key, "body_no_line"))
		return loader_regex(c, v, &e->body_no_line);
	if (lstreq(key, "message")) {
		struct step tmp = { 0 };
		if (!loader_data_lines(c, v, &tmp))
			return false;
		e->message = tmp.lines;
		e->nmessage = tmp.nlines;
		e->has_message = true;
		e->body = true;
		return true;
	}
	if (lstreq(key, "body_lines")) {
		ok = lget_text_list(c, v, &e->body_lines, &e->nbody_lines);
		for (i = 0; ok && i < e->nbody_lines; i++)
			ok = lcheck_regex(c, &e->body_lines[i]);
		e->has_body_lines = true;
		return ok;
	}
	return loader_expect_key(c, key, v, e);
}

/* OK, NO, BAD, PREAUTH, BYE as enum imap_status values (imap_resp.h). */
static bool
loader_imap_status(struct lctx *c, const yaml_node_t *n, int *out, bool greeting)
{
	static const char *const names[] = { "", "OK", "NO", "BAD", "PREAUTH", "BYE" };
	const char *s;
	int i;

	if (!lget_str(c, n, &s))
		return false;
	for (i = 1; i < 6; i++)
		if (lstreq(s, names[i]) && (greeting ? i != 2 && i != 3 : i <= 3)) {
			*out = i;
			return true;
		}
	lerr(c, n, greeting ? "greeting: expected OK, PREAUTH or BYE" :
	    "tagged: expected OK, NO or BAD");
	return false;
}

/* tagged: OK, or a list when the RFC allows either, e.g. [BAD, NO]. */
static bool
loader_imap_tagged(struct lctx *c, const yaml_node_t *n, struct expect *e)
{
	yaml_node_item_t *it;
	int st;

	if (n->type != YAML_SEQUENCE_NODE) {
		if (!loader_imap_status(c, n, &e->tagged, false))
			return false;
		e->tagged_mask = 1u << e->tagged;
		return true;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		if (!loader_imap_status(c, lnode(c, *it), &st, false))
			return false;
		e->tagged_mask |= 1u << st;
		e->tagged = st;
	}
	if (e->tagged_mask == 0) {
		lerr(c, n, "tagged: the list is empty");
		return false;
	}
	return true;
}

static bool
loader_regex_list(struct lctx *c, const yaml_node_t *n, struct text **out, size_t *nout)
{
	size_t i;
	bool ok = lget_text_list(c, n, out, nout);

	for (i = 0; ok && i < *nout; i++)
		ok = lcheck_regex(c, &(*out)[i]);
	return ok;
}

/* untagged: {in_order, any_order, absent, may, no_extras} (RFC 9051 §7:
 * untagged data in any number and order before the completion). */
static bool
loader_untagged(struct lctx *c, const yaml_node_t *n, struct expect *e)
{
	static const char *const keys[] = {
		"in_order", "any_order", "absent", "may", "no_extras", NULL
	};
	yaml_node_pair_t *p;
	bool ok = true;

	if (n->type != YAML_MAPPING_NODE) {
		lerr(c, n, "untagged: expected {in_order, any_order, absent, may, no_extras}");
		return false;
	}
	e->has_untagged = true;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = lnode(c, p->key), *v = lnode(c, p->value);
		const char *key = (const char *)k->data.scalar.value;

		if (lstreq(key, "in_order"))
			ok &= loader_regex_list(c, v, &e->in_order, &e->nin_order);
		else if (lstreq(key, "any_order"))
			ok &= loader_regex_list(c, v, &e->any_order, &e->nany_order);
		else if (lstreq(key, "absent"))
			ok &= loader_regex_list(c, v, &e->absent, &e->nabsent);
		else if (lstreq(key, "may"))
			ok &= loader_regex_list(c, v, &e->may, &e->nmay);
		else if (lstreq(key, "no_extras"))
			ok &= lget_bool(c, v, &e->no_extras);
		else {
			lerr_unknown_key(c, k, "untagged", keys);
			ok = false;
		}
	}
	return ok;
}

/* Is n the map {fixture: true}? 1 yes, 0 not such a map, -1 an error
 * (reported). A scenario must declare fixture:; a prelude uses its
 * caller's, checked when it runs. */
static int
loader_fixture_ref(struct lctx *c, const yaml_node_t *n)
{
	yaml_node_pair_t *p = n->data.mapping.pairs.start;
	yaml_node_t *k;
	bool b;

	if (n->type != YAML_MAPPING_NODE || n->data.mapping.pairs.top - p != 1)
		return 0;
	k = lnode(c, p->key);
	if (k->type != YAML_SCALAR_NODE || !lstreq((const char *)k->data.scalar.value, "fixture"))
		return 0;
	if (!lget_bool(c, lnode(c, p->value), &b))
		return -1;
	if (!b) {
		lerr(c, n, "fixture: only true is meaningful here");
		return -1;
	}
	if (!c->scn->is_prelude && c->scn->fixture_name == NULL) {
		lerr(c, n, "{fixture: true} needs a top-level fixture: NAME.eml");
		return -1;
	}
	return 1;
}

/* The FETCH items a fetch: map may check (scenarios/FORMAT.md): the
 * structure items of RFC 9051 §7.5.2 and body sections. 'S': a section
 * item (BODY[...], BINARY[...], BINARY.SIZE[...]), 'T': a structure item,
 * 0: neither. */
static int
loader_fetch_item_kind(const char *name)
{
	static const char *const prefixes[] = { "BODY[", "BINARY[", "BINARY.SIZE[", NULL };
	size_t i, n;

	if (strcasecmp(name, "BODYSTRUCTURE") == 0 || strcasecmp(name, "BODY") == 0 ||
	    strcasecmp(name, "ENVELOPE") == 0)
		return 'T';
	for (i = 0; prefixes[i] != NULL; i++) {
		n = strlen(prefixes[i]);
		if (strncasecmp(name, prefixes[i], n) == 0 && strchr(name + n, ']') != NULL)
			return 'S';
	}
	return 0;
}

/* An explicit structure value must be IMAP data: "* 1 FETCH (NAME value)". */
static bool
loader_fetch_value(struct lctx *c, const yaml_node_t *v, const struct fetch_check *fc)
{
	struct imap_resp_parser *rp;
	struct imap_resp r;
	struct buf line;
	int rc = -1;

	if (strstr(fc->value.s, "${") != NULL)
		return true;	/* checked once the variables are known */
	buf_init(&line, 1u << 24);
	buf_printf(&line, "* 1 FETCH (%s ", fc->item.s);
	buf_append(&line, fc->value.s, fc->value.len);
	buf_puts(&line, ")\r\n");
	if ((rp = imap_resp_parser_new(NULL)) != NULL && line.data != NULL &&
	    imap_resp_parser_feed(rp, line.data, line.len) == line.len)
		rc = imap_resp_parser_next(rp, &r);
	if (rc != 1)
		lerr(c, v, "%s: not IMAP data: %s", fc->item.s, rp == NULL ? "out of memory" :
		    rc == 0 ? "incomplete (unbalanced parentheses or a short literal?)" :
		    imap_error_str(imap_resp_parser_error(rp)));
	else if (imap_fetch_item(&r, fc->item.s) == NULL)
		lerr(c, v, "%s: the value is not one IMAP item", fc->item.s);
	imap_resp_parser_free(&rp);
	buf_release(&line);
	return rc == 1;
}

/* fetch: {ITEM: value or {fixture: true}, ...} */
static bool
loader_fetch(struct lctx *c, const yaml_node_t *n, struct expect *e)
{
	yaml_node_pair_t *p;
	size_t count;
	bool ok = true;

	if (n->type != YAML_MAPPING_NODE || n->data.mapping.pairs.top == n->data.mapping.pairs.start) {
		lerr(c, n, "fetch: expected a map of FETCH items, e.g. {BODYSTRUCTURE: {fixture: true}}");
		return false;
	}
	count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	/* a duplicated fetch: key (reported) is parsed again: start over */
	e->nfetch = 0;
	if ((e->fetch = arena_alloc(c->arena, count * sizeof(*e->fetch))) == NULL)
		return false;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = lnode(c, p->key), *v = lnode(c, p->value);
		struct fetch_check *fc = &e->fetch[e->nfetch];
		int kind, ref;

		if (!lget_text(c, k, &fc->item)) {
			ok = false;
			continue;
		}
		if ((kind = loader_fetch_item_kind(fc->item.s)) == 0) {
			lerr(c, k, "fetch: '%s' is not BODYSTRUCTURE, BODY, ENVELOPE, BODY[section], "
			    "BINARY[section] or BINARY.SIZE[section]", fc->item.s);
			ok = false;
			continue;
		}
		if ((ref = loader_fixture_ref(c, v)) < 0) {
			ok = false;
			continue;
		}
		fc->from_fixture = ref == 1;
		if (!fc->from_fixture && (!lget_text(c, v, &fc->value) ||
		    (kind == 'T' && !loader_fetch_value(c, v, fc)))) {
			ok = false;
			continue;
		}
		e->nfetch++;
	}
	return ok;
}

static bool
loader_imap_key(struct lctx *c, const char *key, const yaml_node_t *v, struct expect *e)
{
	if (lstreq(key, "fetch"))
		return loader_fetch(c, v, e);
	if (lstreq(key, "tagged"))
		return loader_imap_tagged(c, v, e);
	if (lstreq(key, "greeting"))
		return loader_imap_status(c, v, &e->greeting, true);
	if (lstreq(key, "code"))
		return lget_text(c, v, &e->code);
	if (lstreq(key, "untagged"))
		return loader_untagged(c, v, e);
	if (lstreq(key, "continuation"))
		return lget_bool(c, v, &e->continuation);
	return loader_expect_key(c, key, v, e);
}

/* What an IMAP expect waits for must be one thing. */
static bool
loader_imap_check(struct lctx *c, const yaml_node_t *n, const struct expect *e)
{
	int waits = (e->tagged >= 0) + e->continuation + (e->greeting >= 0);

	if (waits > 1) {
		lerr(c, n, "an IMAP expect waits for one of tagged, continuation or greeting");
		return false;
	}
	if (waits == 0 && !e->closed && e->nin_order + e->nany_order == 0) {
		lerr(c, n, "an IMAP expect needs tagged, continuation, greeting, closed, or "
		    "untagged patterns to wait for (in_order/any_order)");
		return false;
	}
	if (e->code.s != NULL && e->tagged < 0 && e->greeting < 0) {
		lerr(c, n, "code: applies to a tagged completion or a greeting");
		return false;
	}
	return true;
}

static bool
loader_expect(struct lctx *c, const yaml_node_t *n, struct expect *e, enum proto proto)
{
	const char *const *keys = proto == PROTO_POP3 ? pop3_expect_keys :
	    proto == PROTO_IMAP ? imap_expect_keys : smtp_expect_keys;
	const char *where = proto == PROTO_POP3 ? "a POP3 expect" :
	    proto == PROTO_IMAP ? "an IMAP expect" : "an SMTP expect";

	yaml_node_pair_t *p;
	bool ok = true;

	e->multiline = -1;
	e->status = -1;
	e->tagged = -1;
	e->greeting = -1;
	e->proto = proto;
	if (n->type != YAML_MAPPING_NODE) {
		lerr(c, n, "expect: expected a map such as {code: 250}, found %s", lnode_kind(n));
		return false;
	}
	if (n->data.mapping.pairs.top == n->data.mapping.pairs.start) {
		lerr(c, n, "expect: say what to expect, e.g. {code: 250}");
		return false;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = lnode(c, p->key);
		const char *key = (const char *)k->data.scalar.value;
		size_t i;

		for (i = 0; keys[i] != NULL && !lstreq(keys[i], key); i++)
			;
		if (k->type != YAML_SCALAR_NODE || keys[i] == NULL) {
			lerr_unknown_key(c, k, where, keys);
			ok = false;
		} else {
			c->key = key;
			ok &= proto == PROTO_POP3 ? loader_pop3_key(c, key, lnode(c, p->value), e) :
			    proto == PROTO_IMAP ? loader_imap_key(c, key, lnode(c, p->value), e) :
			    loader_expect_key(c, key, lnode(c, p->value), e);
			c->key = NULL;
		}
	}
	if (ok && proto == PROTO_IMAP)
		ok = loader_imap_check(c, n, e);
	return ok;
}

/* ---- raw pieces ------------------------------------------------------- */

static bool
loader_piece_bytes(struct lctx *c, const yaml_node_t *v, bool is_hex, struct raw_piece *pc)
{
	struct text t;
	unsigned char *out;
	size_t i, n = 0, bad;

	if (!lget_text(c, v, &t))
		return false;
	out = arena_alloc(c->arena, t.len + 1);
	if (out == NULL)
		return false;
	if (!is_hex) {
		n = base64_decode(t.s, t.len, out, &bad);
		if (n == (size_t)-1) {
			lerr_at(c, t.line, t.col, "base64: invalid at offset %zu", bad);
			return false;
		}
	} else {
		for (i = 0; i < t.len; i++) {
			static const char hexd[] = "0123456789abcdef";
			const char *h = strchr(hexd, t.s[i] | 0x20);
			if (t.s[i] == ' ')
				continue;
			if (h == NULL || t.s[i] == '\0') {
				lerr_at(c, t.line, t.col, "hex: '%c' is not a hex digit", t.s[i]);
				return false;
			}
			out[n / 2] = (unsigned char)(out[n / 2] << 4 | (h - hexd));
			n++;
		}
		if (n % 2 != 0) {
			lerr_at(c, t.line, t.col, "hex: odd number of digits");
			return false;
		}
		n /= 2;
	}
	pc->kind = PIECE_BYTES;
	pc->data = t;
	pc->data.s = (const char *)out;
	pc->data.len = n;
	return true;
}

static bool
loader_piece_map(struct lctx *c, const yaml_node_t *n, struct raw_piece *pc)
{
	static const char *const keys[] = { "hex", "base64", "repeat", "count", "fixture",
		NULL };
	yaml_node_pair_t *p;
	bool ok = true, has_count = false;
	long count = 0;
	int ref;

	if ((ref = loader_fixture_ref(c, n)) != 0) {
		pc->kind = PIECE_FIXTURE;
		return ref == 1;
	}
	pc->kind = PIECE_TEXT;
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = lnode(c, p->key), *v = lnode(c, p->value);
		const char *key = (const char *)k->data.scalar.value;

		if (lstreq(key, "hex") || lstreq(key, "base64")) {
			ok &= loader_piece_bytes(c, v, key[0] == 'h', pc);
		} else if (lstreq(key, "repeat")) {
			ok &= lget_text(c, v, &pc->data);
			pc->kind = PIECE_REPEAT;
		} else if (lstreq(key, "count")) {
			ok &= lget_int(c, v, 0, 64L << 20, &count);
			has_count = true;
		} else {
			lerr_unknown_key(c, k, "a send_raw piece", keys);
			ok = false;
		}
	}
	if (ok && pc->kind == PIECE_REPEAT && !has_count) {
		lerr(c, n, "repeat: needs count:");
		return false;
	}
	if (ok && has_count && pc->kind != PIECE_REPEAT) {
		lerr(c, n, "count: only goes with repeat:");
		return false;
	}
	if (ok && pc->kind == PIECE_TEXT) {
		lerr(c, n, "a piece is a string, {hex: ...}, {base64: ...}, {repeat: ..., count: N} "
		    "or {fixture: true}");
		return false;
	}
	pc->count = (size_t)count;
	return ok;
}

static bool
loader_pieces(struct lctx *c, const yaml_node_t *n, struct step *st)
{
	yaml_node_item_t *it;
	size_t count = 1;
	bool ok = true;

	if (n->type == YAML_SEQUENCE_NODE)
		count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	st->pieces = arena_alloc(c->arena, (count ? count : 1) * sizeof(*st->pieces));
	if (st->pieces == NULL)
		return false;
	if (n->type == YAML_SCALAR_NODE) {
		st->npieces = 1;
		return lget_text(c, n, &st->pieces[0].data);
	}
	if (n->type != YAML_SEQUENCE_NODE || count == 0) {
		lerr(c, n, "send_raw: expected a string or a non-empty list of pieces");
		return false;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *pn = lnode(c, *it);
		struct raw_piece *pc = &st->pieces[st->npieces++];

		if (pn->type == YAML_SCALAR_NODE)
			ok &= lget_text(c, pn, &pc->data);
		else if (pn->type == YAML_MAPPING_NODE)
			ok &= loader_piece_map(c, pn, pc);
		else {
			lerr(c, pn, "send_raw: a piece cannot be a list");
			ok = false;
		}
	}
	return ok;
}

/* A list of lines, where {fixture: true} stands for the fixture's. */
static bool
loader_data_items(struct lctx *c, const yaml_node_t *n, struct step *st)
{
	yaml_node_item_t *it;
	size_t count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	bool ok = true;
	int ref;

	st->lines = arena_alloc(c->arena, (count ? count : 1) * sizeof(*st->lines));
	if (st->lines == NULL)
		return false;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *v = lnode(c, *it);
		struct text *t = &st->lines[st->nlines++];

		if ((ref = loader_fixture_ref(c, v)) == 1) {
			t->s = "";
			t->line = (int)v->start_mark.line + 1;
			t->col = (int)v->start_mark.column + 1;
			t->is_fixture = true;
		} else if (ref < 0 || !lget_text(c, v, t)) {
			ok = false;
		}
	}
	return ok;
}

/* send_data: a string (split at LF; a trailing CR is dropped) or lines. */
static bool
loader_data_lines(struct lctx *c, const yaml_node_t *n, struct step *st)
{
	struct text t;
	size_t i, start = 0, count = 1;

	if (n->type == YAML_SEQUENCE_NODE)
		return loader_data_items(c, n, st);
	if (!lget_text(c, n, &t))
		return false;
	for (i = 0; i < t.len; i++)
		count += t.s[i] == '\n';
	st->lines = arena_alloc(c->arena, count * sizeof(*st->lines));
	if (st->lines == NULL)
		return false;
	for (i = 0; i <= t.len; i++) {
		if (i < t.len && t.s[i] != '\n')
			continue;
		if (i == t.len && start == t.len && st->nlines > 0)
			break;	/* text ended with a newline */
		st->lines[st->nlines] = t;
		st->lines[st->nlines].s = t.s + start;
		st->lines[st->nlines].len = i - start;
		if (i > start && t.s[i - 1] == '\r')
			st->lines[st->nlines].len--;
		st->nlines++;
		start = i + 1;
	}
	return true;
}

/* ---- steps ------------------------------------------------------------ */

/* The protocol a step speaks: its connection's (a prelude's own). */
static enum proto
loader_step_proto(struct lctx *c, const struct step *st)
{
	const struct scenario *s = c->scn;
	enum role role;
	size_t i;

	if (s->is_prelude || s->nconns == 0)
		return s->nprotocols ? s->protocols[0] : PROTO_SMTP;
	const char *conn = st->conn ? st->conn : c->group_conn;

	role = s->conns[0].role;
	for (i = 0; conn != NULL && i < s->nconns; i++)
		if (lstreq(s->conns[i].name, conn))
			role = s->conns[i].role;
	return role == ROLE_POP3 ? PROTO_POP3 : role == ROLE_IMAP ? PROTO_IMAP : PROTO_SMTP;
}

#define LOADER_MAX_NESTING 4

/* retry: {for: SECONDS, every: SECONDS, steps: [...]} */
static bool
loader_retry(struct lctx *c, const yaml_node_t *n, struct step *st)
{
	static const char *const keys[] = { "for", "every", "steps", NULL };
	yaml_node_pair_t *p;
	bool ok = true, has_steps = false;

	st->retry_every = 0.5;
	if (n->type != YAML_MAPPING_NODE) {
		lerr(c, n, "retry: expected {for: SECONDS, every: SECONDS, steps: [...]}");
		return false;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = lnode(c, p->key), *v = lnode(c, p->value);
		const char *key = (const char *)k->data.scalar.value;

		if (lstreq(key, "for"))
			ok &= lget_number(c, v, 0.01, 600, &st->retry_for);
		else if (lstreq(key, "every"))
			ok &= lget_number(c, v, 0.01, 60, &st->retry_every);
		else if (lstreq(key, "steps")) {
			/* the group's steps speak on its connection */
			const char *saved = c->group_conn;

			if (st->conn != NULL)
				c->group_conn = st->conn;
			has_steps = true;
			ok &= loader_steps_into(c, v, &st->sub, &st->nsub);
			c->group_conn = saved;
		} else {
			lerr_unknown_key(c, k, "retry", keys);
			ok = false;
		}
	}
	if (ok && (!has_steps || st->retry_for <= 0)) {
		lerr(c, n, "retry needs for: SECONDS and steps: [...]");
		return false;
	}
	return ok;
}

static bool
loader_action(struct lctx *c, struct step *st, const yaml_node_t *v)
{
	bool b = false;

	switch (st->kind) {
	case STEP_SEND:
	case STEP_PRELUDE:
	case STEP_CONNECT:
		return lget_text(c, v, &st->text);
	case STEP_PIPELINE:
		if (!lget_text_list(c, v, &st->lines, &st->nlines))
			return false;
		if (st->nlines == 0)
			lerr(c, v, "pipeline: the list is empty");
		return st->nlines > 0;
	case STEP_SEND_RAW:
		return loader_pieces(c, v, st);
	case STEP_SEND_DATA:
		return loader_data_lines(c, v, st);
	case STEP_STARTTLS:
		if (v->type == YAML_MAPPING_NODE) {
			yaml_node_pair_t *p = v->data.mapping.pairs.start;
			static const char *const keys[] = { "sni", NULL };
			for (; p < v->data.mapping.pairs.top; p++) {
				yaml_node_t *k = lnode(c, p->key);
				if (!lstreq((const char *)k->data.scalar.value, "sni")) {
					lerr_unknown_key(c, k, "starttls", keys);
					return false;
				}
				if (!lget_text(c, lnode(c, p->value), &st->text))
					return false;
			}
			return true;
		}
		/* FALLTHROUGH */
	case STEP_CLOSE:
	case STEP_EXPECT_CLOSED:
		if (!lget_bool(c, v, &b))
			return false;
		if (!b)
			lerr(c, v, "write true here, or leave the step out");
		return b;
	case STEP_WAIT:
	case STEP_EXPECT_SILENCE:
		return lget_number(c, v, 0, 600, &st->seconds);
	case STEP_SET:
		return lget_kv_map(c, v, &st->set, &st->nset);
	case STEP_EXPECT:
		return loader_expect(c, v, &st->expect, loader_step_proto(c, st));
	case STEP_RETRY:
		return loader_retry(c, v, st);
	}
	return false;
}

static bool
loader_modifier(struct lctx *c, struct step *st, const char *key, const yaml_node_t *v)
{
	if (lstreq(key, "conn"))
		return lget_str(c, v, &st->conn);
	if (lstreq(key, "timeout"))
		return lget_number(c, v, 0.001, 3600, &st->timeout);
	if (lstreq(key, "requires"))
		return lget_text_list(c, v, &st->requires, &st->nrequires);
	return false;
}

static bool
loader_step(struct lctx *c, const yaml_node_t *n, struct step *st)
{
	const yaml_node_t *action = NULL, *action_key = NULL;
	yaml_node_pair_t *p;
	bool ok = true;

	st->line = (int)n->start_mark.line + 1;
	st->col = (int)n->start_mark.column + 1;
	if (n->type != YAML_MAPPING_NODE) {
		lerr(c, n, "a step is a map such as {send: \"NOOP\"}, found %s", lnode_kind(n));
		return false;
	}
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = lnode(c, p->key), *v = lnode(c, p->value);
		const char *key = (const char *)k->data.scalar.value;
		size_t i;

		for (i = 0; k->type == YAML_SCALAR_NODE && i < NACTIONS &&
		    !lstreq(actions[i].name, key); i++)
			;
		if (k->type == YAML_SCALAR_NODE && i < NACTIONS) {
			if (action != NULL) {
				lerr(c, k, "a step has one action; '%s' follows '%s'", key,
				    (const char *)action_key->data.scalar.value);
				ok = false;
				continue;
			}
			action = v;
			action_key = k;
			st->kind = actions[i].kind;
		} else if (k->type != YAML_SCALAR_NODE || !loader_modifier(c, st, key, v)) {
			if (k->type != YAML_SCALAR_NODE || (!lstreq(key, "conn") &&
			    !lstreq(key, "timeout") && !lstreq(key, "requires")))
				lerr_unknown_key(c, k, "a step", step_keys);
			ok = false;
		}
	}
	if (action == NULL) {
		lerr(c, n, "a step needs an action: send, pipeline, send_raw, send_data, "
		    "starttls, connect, close, wait, prelude, set, expect, expect_silence, "
		    "expect_closed or retry");
		return false;
	}
	c->key = (const char *)action_key->data.scalar.value;
	ok = loader_action(c, st, action) && ok;
	c->key = NULL;
	return ok;
}

/* A list of steps; c->nesting bounds retry groups inside retry groups. */
static bool
loader_steps_into(struct lctx *c, const yaml_node_t *n, struct step **steps, size_t *nsteps)
{
	yaml_node_item_t *it;
	size_t count;
	bool ok = true;

	*nsteps = 0;
	if (++c->nesting > LOADER_MAX_NESTING) {
		lerr(c, n, "retry groups nest more than %d deep", LOADER_MAX_NESTING);
		c->nesting--;
		return false;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		lerr(c, n, "steps: expected a list of steps, found %s", lnode_kind(n));
		c->nesting--;
		return false;
	}
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count == 0) {
		lerr(c, n, "steps: the list is empty");
		c->nesting--;
		return false;
	}
	*steps = arena_alloc(c->arena, count * sizeof(**steps));
	if (*steps == NULL) {
		c->nesting--;
		return false;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		/* a failed step's slot is used again: start it clean */
		memset(&(*steps)[*nsteps], 0, sizeof(**steps));
		if (loader_step(c, lnode(c, *it), &(*steps)[*nsteps]))
			(*nsteps)++;
		else
			ok = false;
	}
	c->nesting--;
	return ok;
}

bool
loader_parse_steps(struct lctx *c, const yaml_node_t *n)
{
	return loader_steps_into(c, n, &c->scn->steps, &c->scn->nsteps);
}
