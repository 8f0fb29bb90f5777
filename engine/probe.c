/* probe.c: what a target announces, asked once per endpoint and run:
 * the greeting, EHLO (RFC 5321 §4.1.1.1), and when STARTTLS is offered on
 * a plaintext endpoint, STARTTLS and EHLO again (RFC 3207 §4.2: the list
 * after TLS may differ, e.g. AUTH), so `requires:` sees the union; for
 * POP3 the same with CAPA and STLS. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec.h"
#include "imap_resp.h"
#include "pop3.h"
#include "smtp_reply.h"

struct probe_cache {
	pthread_mutex_t lock;
	bool is_done[ROLE_COUNT];
	enum step_rc rc[ROLE_COUNT];
	char *msg[ROLE_COUNT];
	char **caps[ROLE_COUNT];
	size_t ncaps[ROLE_COUNT];
};

struct probe_cache *
probe_cache_new(void)
{
	struct probe_cache *pc = calloc(1, sizeof(*pc));

	if (pc != NULL)
		pthread_mutex_init(&pc->lock, NULL);
	return pc;
}

void
probe_cache_free(struct probe_cache **pp)
{
	struct probe_cache *pc = *pp;
	size_t i;

	if (pc == NULL)
		return;
	for (i = 0; i < ROLE_COUNT; i++) {
		caps_free(&pc->caps[i], &pc->ncaps[i]);
		free(pc->msg[i]);
	}
	pthread_mutex_destroy(&pc->lock);
	free(pc);
	*pp = NULL;
}

static enum step_rc
probe_cmd(struct exec *x, struct xconn *c, const char *line, int want_lo, int want_hi)
{
	struct smtp_reply r;
	enum step_rc rc = STEP_RC_OK;

	if (line != NULL)
		rc = xconn_send(x, c, line, strlen(line), true, x->o->timeout);
	if (rc == STEP_RC_OK)
		rc = xconn_read_smtp(x, c, x->o->timeout, &r);
	if (rc == STEP_RC_OK && (r.code < want_lo || r.code > want_hi))
		rc = exec_fail(x, STEP_RC_RUNTIME_ERROR, "%s answered %d", line ? line :
		    "the greeting", r.code);
	return rc;
}

static void
probe_union(char ***caps, size_t *ncaps, char *const *more, size_t nmore)
{
	size_t i;

	for (i = 0; i < nmore; i++) {
		char **p;
		size_t k;

		for (k = 0; k < *ncaps && strcasecmp((*caps)[k], more[i]) != 0; k++)
			;
		if (k < *ncaps)
			continue;
		p = realloc(*caps, (*ncaps + 1) * sizeof(**caps));
		if (p == NULL)
			return;
		*caps = p;
		if ((p[*ncaps] = strdup(more[i])) != NULL)
			(*ncaps)++;
	}
}

/* POP3: one command, a +OK (with a body when asked). */
static enum step_rc
probe_pop3_cmd(struct exec *x, struct xconn *c, const char *line, bool body)
{
	struct pop3_resp r;
	enum step_rc rc = STEP_RC_OK;

	if (line != NULL)
		rc = xconn_send(x, c, line, strlen(line), true, x->o->timeout);
	if (rc == STEP_RC_OK)
		rc = xconn_read_pop3(x, c, x->o->timeout, body, &r);
	if (rc == STEP_RC_OK && r.status != POP3_OK)
		rc = exec_fail(x, STEP_RC_RUNTIME_ERROR, "%s was not answered +OK",
		    line ? line : "the greeting");
	return rc;
}

/* Greeting, CAPA (RFC 2449 §5), and after STLS (RFC 2595 §4) CAPA again. */
static enum step_rc
probe_pop3(struct exec *x, struct xconn *c, char ***caps_r, size_t *ncaps_r)
{
	enum step_rc rc = probe_pop3_cmd(x, c, NULL, false);

	/* CAPA is optional (RFC 2449 §5): -ERR means no capabilities. */
	if (rc == STEP_RC_OK && probe_pop3_cmd(x, c, "CAPA\r\n", true) != STEP_RC_OK)
		return STEP_RC_OK;
	if (rc == STEP_RC_OK)
		probe_union(caps_r, ncaps_r, c->caps, c->ncaps);
	if (rc == STEP_RC_OK && !c->ep->is_implicit_tls &&
	    caps_have(c->caps, c->ncaps, "STLS", 4) &&
	    probe_pop3_cmd(x, c, "STLS\r\n", false) == STEP_RC_OK &&
	    xconn_starttls(x, c, NULL, x->o->timeout) == STEP_RC_OK &&
	    probe_pop3_cmd(x, c, "CAPA\r\n", true) == STEP_RC_OK)
		probe_union(caps_r, ncaps_r, c->caps, c->ncaps);
	return rc;
}

/* IMAP: wait for one thing as a scenario step would. */
static enum step_rc
probe_imap_step(struct exec *x, struct xconn *c, const char *cmd, int greeting)
{
	struct expect e = { .tagged = -1, .greeting = greeting, .status = -1, .multiline = -1 };
	struct buf line;
	enum step_rc rc = STEP_RC_OK;

	if (cmd != NULL) {
		e.tagged = IMAP_STATUS_OK;
		e.tagged_mask = 1u << IMAP_STATUS_OK;
		buf_init(&line, 256);
		xconn_imap_tag(x, c, &line);
		buf_printf(&line, "%s\r\n", cmd);
		rc = xconn_send(x, c, line.data, line.len, false, x->o->timeout);
		buf_release(&line);
	}
	return rc == STEP_RC_OK ? xconn_expect_imap(x, c, &e, x->o->timeout) : rc;
}

/* IMAP: greeting, CAPABILITY (RFC 9051 §6.1.1), STARTTLS and CAPABILITY again. */
static enum step_rc
probe_imap(struct exec *x, struct xconn *c, char ***caps_r, size_t *ncaps_r)
{
	enum step_rc rc = probe_imap_step(x, c, NULL, 1);

	if (rc == STEP_RC_OK)
		rc = probe_imap_step(x, c, "CAPABILITY", -1);
	if (rc == STEP_RC_OK)
		probe_union(caps_r, ncaps_r, c->caps, c->ncaps);
	if (rc == STEP_RC_OK && !c->ep->is_implicit_tls &&
	    caps_have(c->caps, c->ncaps, "STARTTLS", 8) &&
	    probe_imap_step(x, c, "STARTTLS", -1) == STEP_RC_OK &&
	    xconn_starttls(x, c, NULL, x->o->timeout) == STEP_RC_OK &&
	    probe_imap_step(x, c, "CAPABILITY", -1) == STEP_RC_OK)
		probe_union(caps_r, ncaps_r, c->caps, c->ncaps);
	return rc;
}

/* SMTP: greeting, EHLO, and after STARTTLS EHLO again. */
static enum step_rc
probe_smtp(struct exec *x, struct xconn *c, char ***caps_r, size_t *ncaps_r)
{
	enum step_rc rc = probe_cmd(x, c, NULL, 200, 299);

	if (rc == STEP_RC_OK)
		rc = probe_cmd(x, c, "EHLO mailspec.example\r\n", 250, 250);
	if (rc == STEP_RC_OK)
		probe_union(caps_r, ncaps_r, c->caps, c->ncaps);
	if (rc == STEP_RC_OK && !c->ep->is_implicit_tls &&
	    caps_have(c->caps, c->ncaps, "STARTTLS", 8) &&
	    probe_cmd(x, c, "STARTTLS\r\n", 220, 220) == STEP_RC_OK &&
	    xconn_starttls(x, c, NULL, x->o->timeout) == STEP_RC_OK &&
	    probe_cmd(x, c, "EHLO mailspec.example\r\n", 250, 250) == STEP_RC_OK)
		probe_union(caps_r, ncaps_r, c->caps, c->ncaps);
	return rc;
}

/* Talk to the endpoint; the probe's transcript goes to a scratch record. */
static enum step_rc
probe_endpoint(struct exec *x, enum role role, char ***caps_r, size_t *ncaps_r)
{
	struct scn_conn decl = { "probe", role, TLS_ANY, 0 };
	struct xconn c = { .decl = &decl };
	enum step_rc rc;

	c.ep = target_endpoint(x->t, role, TLS_ANY);
	if (c.ep == NULL)
		return exec_fail(x, STEP_RC_UNSUPPORTED, "the target has no %s endpoint",
		    role_name(role));
	rc = xconn_open(x, &c, x->o->timeout);
	if (rc == STEP_RC_OK)
		rc = role == ROLE_POP3 ? probe_pop3(x, &c, caps_r, ncaps_r) :
		    role == ROLE_IMAP ? probe_imap(x, &c, caps_r, ncaps_r) :
		    probe_smtp(x, &c, caps_r, ncaps_r);
	if (c.is_open && !c.is_eof && role == ROLE_IMAP)
		(void)xconn_send(x, &c, "Z LOGOUT\r\n", 10, false, x->o->timeout);
	else if (c.is_open && !c.is_eof)
		(void)xconn_send(x, &c, "QUIT\r\n", 6, true, x->o->timeout);
	xconn_free(&c);
	return rc;
}

enum step_rc
probe_caps(struct exec *x, enum role role, char *const **caps_r, size_t *ncaps_r)
{
	struct probe_cache *pc = x->probes;
	enum step_rc rc;

	pthread_mutex_lock(&pc->lock);
	if (!pc->is_done[role]) {
		struct result scratch = { 0 };
		struct result *saved = x->res;

		x->res = &scratch;
		pc->rc[role] = probe_endpoint(x, role, &pc->caps[role], &pc->ncaps[role]);
		if (pc->rc[role] != STEP_RC_OK)
			pc->msg[role] = strdup(x->msg.data ? x->msg.data : "");
		x->res = saved;
		result_clear(&scratch);
		pc->is_done[role] = true;
	}
	rc = pc->rc[role];
	if (rc != STEP_RC_OK)
		exec_fail(x, rc, "capability probe of the %s endpoint: %s", role_name(role),
		    pc->msg[role] ? pc->msg[role] : "failed");
	*caps_r = pc->caps[role];
	*ncaps_r = pc->ncaps[role];
	pthread_mutex_unlock(&pc->lock);
	return rc;
}
