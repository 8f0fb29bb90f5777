/* exec_imap.c: IMAP on a scenario connection (RFC 9051 §2.2): automatic
 * tags, reading responses with literals (imap_resp), collecting untagged
 * data until the completion a step waits for, and capabilities from
 * CAPABILITY responses and [CAPABILITY] codes (§7.2.2, §7.1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "imap_resp.h"

#define XIMAP_MAX_UNTAGGED	100000	/* untagged responses awaiting an expect */
#define XIMAP_MAX_CAPS		256

static void *
imap_codec_create(void)
{
	return imap_resp_parser_new(NULL);
}

static void
imap_codec_destroy(void **codec)
{
	imap_resp_parser_free((struct imap_resp_parser **)codec);
}

static void
imap_codec_reset(void *codec)
{
	imap_resp_parser_reset(codec);
}

static size_t
imap_codec_feed(void *codec, const void *data, size_t len)
{
	return imap_resp_parser_feed(codec, data, len);
}

static size_t
imap_codec_pending(const void *codec)
{
	return imap_resp_parser_pending(codec);
}

static const char *
imap_codec_error(const void *codec)
{
	return imap_error_str(imap_resp_parser_error(codec));
}

const struct xcodec xcodec_imap = {
	"IMAP response (RFC 9051 §7)",
	imap_codec_create,
	imap_codec_destroy,
	imap_codec_reset,
	imap_codec_feed,
	imap_codec_pending,
	imap_codec_error,
};

void
xconn_imap_tag(struct exec *x, struct xconn *c, struct buf *out)
{
	char tag[16];

	snprintf(tag, sizeof(tag), "A%03u", ++c->next_tag);
	buf_printf(out, "%s ", tag);
	vars_set(&x->vars, "tag", tag, strlen(tag));
	if (c->nverbs < EXEC_MAX_VERBS)
		memcpy(c->verbs[c->nverbs++], tag, sizeof(tag));
}

void
xconn_untagged_clear(struct xconn *c)
{
	size_t i;

	for (i = 0; i < c->nuntagged; i++)
		free(c->untagged[i]);
	free(c->untagged);
	free(c->untagged_len);
	c->untagged = NULL;
	c->untagged_len = NULL;
	c->nuntagged = 0;
}

static bool
xconn_untagged_add(struct xconn *c, const char *raw, size_t len)
{
	char **u;
	size_t *l;

	if (c->nuntagged >= XIMAP_MAX_UNTAGGED)
		return false;
	u = realloc(c->untagged, (c->nuntagged + 1) * sizeof(*u));
	if (u == NULL)
		return false;
	c->untagged = u;
	l = realloc(c->untagged_len, (c->nuntagged + 1) * sizeof(*l));
	if (l == NULL)
		return false;
	c->untagged_len = l;
	if ((u[c->nuntagged] = malloc(len + 1)) == NULL)
		return false;
	memcpy(u[c->nuntagged], raw, len);
	u[c->nuntagged][len] = '\0';
	l[c->nuntagged++] = len;
	return true;
}

/* "CAPABILITY IMAP4rev2 AUTH=PLAIN ..." atoms: each is a capability. */
static void
xconn_imap_caps(struct exec *x, struct xconn *c, const struct imap_node *list, size_t from)
{
	const char *lines[XIMAP_MAX_CAPS];
	size_t lens[XIMAP_MAX_CAPS], i, n = 0;

	for (i = from; i < imap_node_list_count(list) && n < XIMAP_MAX_CAPS; i++) {
		lines[n] = imap_node_str(imap_node_list_get(list, i), &lens[n]);
		if (lines[n] != NULL && memchr(lines[n], ' ', lens[n]) == NULL)
			n++;
	}
	xconn_set_caps(x, c, lines, lens, n);
}

static void
xconn_imap_note_caps(struct exec *x, struct xconn *c, const struct imap_resp *r)
{
	if (r->name != NULL && strcmp(r->name, "CAPABILITY") == 0)
		xconn_imap_caps(x, c, r->data, r->first_arg);
	else if (r->code != NULL && strcmp(r->code, "CAPABILITY") == 0 && r->code_args != NULL)
		xconn_imap_caps(x, c, r->code_args, 0);
}

static int
xconn_next_imap(void *codec, void *arg, void *item)
{
	(void)arg;
	return imap_resp_parser_next(codec, item);
}

/* The raw response without "* " / tag and without the final CRLF. */
static void
xconn_imap_body(const struct imap_resp *r, const char **s_r, size_t *len_r)
{
	const char *s = r->raw, *sp = memchr(r->raw, ' ', r->raw_len);
	size_t len = r->raw_len;

	if (len >= 2 && s[len - 2] == '\r')
		len -= 2;
	if (sp != NULL && (size_t)(sp - s) < len) {
		len -= (size_t)(sp + 1 - s);
		s = sp + 1;
	} else {
		s += len;
		len = 0;
	}
	*s_r = s;
	*len_r = len;
}

/* Read one response; untagged data is collected, capabilities noted. */
static enum step_rc
xconn_read_imap(struct exec *x, struct xconn *c, double timeout, struct imap_resp *r)
{
	enum step_rc rc = xconn_read(x, c, timeout, xconn_next_imap, NULL, r);
	const char *body;
	size_t len;

	if (rc != STEP_RC_OK)
		return rc;
	xconn_imap_note_caps(x, c, r);
	if (r->kind == IMAP_RESP_UNTAGGED) {
		xconn_imap_body(r, &body, &len);
		if (!xconn_untagged_add(c, body, len))
			return exec_fail(x, STEP_RC_FAIL, "expected: a completion\nactual: more "
			    "than %d untagged responses", XIMAP_MAX_UNTAGGED);
	}
	return STEP_RC_OK;
}

/* Is r what e waits for? -1: a response that breaks the expectation. */
static int
xconn_imap_is_awaited(struct exec *x, struct xconn *c, const struct expect *e,
    const struct imap_resp *r, bool is_first)
{
	if (e->greeting >= 0)
		return is_first ? 1 : 0;
	if (r->kind == IMAP_RESP_CONTINUATION)
		return e->continuation ? 1 : -1;
	if (r->kind == IMAP_RESP_TAGGED) {
		if (e->tagged < 0 || c->nverbs == 0)
			return -1;
		return strcmp(r->tag, c->verbs[0]) == 0 ? 1 : -1;
	}
	return e->tagged < 0 && !e->continuation && judge_imap_untagged_done(x, c, e) ? 1 : 0;
}

enum step_rc
xconn_expect_imap(struct exec *x, struct xconn *c, const struct expect *e, double timeout)
{
	struct imap_resp r;
	enum step_rc rc;
	bool first = true;
	int awaited;

	if (e->tagged < 0 && !e->continuation && e->greeting < 0 &&
	    judge_imap_untagged_done(x, c, e))
		return judge_imap(x, c, e, NULL);
	for (;;) {
		rc = xconn_read_imap(x, c, timeout, &r);
		if (rc != STEP_RC_OK)
			return rc;
		awaited = xconn_imap_is_awaited(x, c, e, &r, first);
		first = false;
		if (awaited < 0)
			return judge_imap_unexpected(x, c, e, &r);
		if (awaited > 0)
			break;
	}
	if (r.kind == IMAP_RESP_TAGGED) {
		char verb[16];
		xconn_pop_verb(c, verb);
	}
	return judge_imap(x, c, e, &r);
}
