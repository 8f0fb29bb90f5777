/* exec.c: run the steps of one scenario (scenarios/FORMAT.md "Steps"):
 * built-in variables, capability and user gating, the send forms incl.
 * pipelined groups (RFC 2920) and dot-stuffed data (RFC 5321 §4.5.2),
 * STARTTLS, preludes, expectations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "net.h"
#include "pop3.h"
#include "smtp_data.h"
#include "smtp_reply.h"

#define EXEC_MAX_SEND (64u << 20)

static struct xconn *
exec_conn(struct exec *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->nconns; i++)
		if (strcmp(x->conns[i].decl->name, name) == 0)
			return &x->conns[i];
	return NULL;
}

static double
exec_timeout(const struct exec *x, const struct step *st)
{
	if (st->timeout > 0)
		return st->timeout;
	return x->scn->timeout > 0 ? x->scn->timeout : x->o->timeout;
}

/* Expand t into out; a scenario error when a variable is undefined. */
static enum step_rc
exec_expand(struct exec *x, const struct text *t, struct buf *out)
{
	char err[256];

	if (vars_expand(&x->vars, t->s, t->len, VARS_TEXT, out, err, sizeof(err)) != 0)
		return exec_fail(x, STEP_RC_SCENARIO_ERROR, "%s", err);
	return STEP_RC_OK;
}

/* The scenario's fixture, or a scenario error for a prelude's
 * {fixture: true} run by a scenario without one. */
static enum step_rc
exec_fixture(struct exec *x, const struct text **fx_r)
{
	*fx_r = &x->scn->fixture;
	if (x->scn->fixture.s == NULL)
		return exec_fail(x, STEP_RC_SCENARIO_ERROR, "{fixture: true} in a scenario "
		    "without fixture:");
	return STEP_RC_OK;
}

enum step_rc
exec_expand_line(struct exec *x, const struct text *t, struct buf *out)
{
	const struct text *fx;
	enum step_rc rc;
	size_t len;

	if (!t->is_fixture)
		return exec_expand(x, t, out);
	if ((rc = exec_fixture(x, &fx)) != STEP_RC_OK)
		return rc;
	len = fx->len;
	if (len >= 2 && fx->s[len - 2] == '\r' && fx->s[len - 1] == '\n')
		len -= 2;	/* the caller's line joining gives it back */
	if (!buf_append(out, fx->s, len))
		return exec_fail(x, STEP_RC_SCENARIO_ERROR, "the fixture does not fit");
	return STEP_RC_OK;
}

static enum step_rc
exec_build_raw(struct exec *x, const struct step *st, struct buf *out)
{
	size_t i, k;
	enum step_rc rc = STEP_RC_OK;

	for (i = 0; rc == STEP_RC_OK && i < st->npieces; i++) {
		const struct raw_piece *p = &st->pieces[i];

		if (p->kind == PIECE_TEXT)
			rc = exec_expand(x, &p->data, out);
		else if (p->kind == PIECE_BYTES && !buf_append(out, p->data.s, p->data.len))
			rc = exec_fail(x, STEP_RC_SCENARIO_ERROR, "send_raw: more than 64 MiB");
		else if (p->kind == PIECE_FIXTURE) {
			const struct text *fx;
			if ((rc = exec_fixture(x, &fx)) == STEP_RC_OK &&
			    !buf_append(out, fx->s, fx->len))
				rc = exec_fail(x, STEP_RC_SCENARIO_ERROR, "send_raw: more than 64 MiB");
		}
		for (k = 0; p->kind == PIECE_REPEAT && rc == STEP_RC_OK && k < p->count; k++)
			if (!buf_append(out, p->data.s, p->data.len))
				rc = exec_fail(x, STEP_RC_SCENARIO_ERROR, "send_raw: more than 64 MiB");
	}
	return rc;
}

static enum step_rc
exec_build_data(struct exec *x, const struct step *st, struct buf *out)
{
	struct buf body;
	enum step_rc rc = STEP_RC_OK;
	size_t i, n;

	buf_init(&body, EXEC_MAX_SEND / 2);
	for (i = 0; rc == STEP_RC_OK && i < st->nlines; i++) {
		if (i > 0)
			buf_puts(&body, "\r\n");
		rc = exec_expand_line(x, &st->lines[i], &body);
	}
	if (rc == STEP_RC_OK) {
		char *stuffed = malloc(smtp_data_stuffed_max(body.len));
		if (stuffed == NULL)
			rc = exec_fail(x, STEP_RC_SCENARIO_ERROR, "send_data: out of memory");
		else {
			n = smtp_data_stuff(body.data ? body.data : "", body.len, true, stuffed);
			buf_append(out, stuffed, n);
			free(stuffed);
		}
	}
	buf_release(&body);
	return rc;
}

/* The bytes a send step puts on the wire; IMAP commands get their tags
 * (RFC 9051 §2.2.1) here, raw bytes and data never do. */
static enum step_rc
exec_build_send(struct exec *x, struct xconn *c, const struct step *st, struct buf *out)
{
	bool is_imap = c->decl->role == ROLE_IMAP;
	enum step_rc rc = STEP_RC_OK;
	size_t i;

	switch (st->kind) {
	case STEP_SEND:
		if (is_imap)
			xconn_imap_tag(x, c, out);
		rc = exec_expand(x, &st->text, out);
		buf_puts(out, "\r\n");
		break;
	case STEP_PIPELINE:
		for (i = 0; rc == STEP_RC_OK && i < st->nlines; i++) {
			if (is_imap)
				xconn_imap_tag(x, c, out);
			rc = exec_expand(x, &st->lines[i], out);
			buf_puts(out, "\r\n");
		}
		break;
	case STEP_SEND_RAW:
		rc = exec_build_raw(x, st, out);
		break;
	default:
		rc = exec_build_data(x, st, out);
		break;
	}
	return rc;
}

static enum step_rc
exec_send(struct exec *x, struct xconn *c, const struct step *st)
{
	struct buf out;
	enum step_rc rc;

	buf_init(&out, EXEC_MAX_SEND);
	rc = exec_build_send(x, c, st, &out);
	if (rc == STEP_RC_OK && out.len > 0)
		rc = xconn_send(x, c, out.data, out.len, c->decl->role != ROLE_IMAP &&
		    (st->kind == STEP_SEND || st->kind == STEP_PIPELINE), exec_timeout(x, st));
	buf_release(&out);
	return rc;
}

/* An expect with nothing but closed: true waits for the close alone. */
static bool
exec_expect_only_closed(const struct expect *e)
{
	return e->closed && e->ncodes == 0 && e->enhanced.s == NULL && e->text.s == NULL &&
	    !e->has_lines && e->any_line.s == NULL && e->no_line.s == NULL &&
	    e->multiline < 0 && e->ncaptures == 0 && e->status < 0 &&
	    e->resp_code.s == NULL && !e->body && e->tagged < 0 && e->greeting < 0 &&
	    !e->continuation && !e->has_untagged;
}

static enum step_rc
exec_expect(struct exec *x, struct xconn *c, const struct step *st)
{
	const struct expect *e = &st->expect;
	struct smtp_reply reply;
	struct pop3_resp resp;
	enum step_rc rc;

	if (exec_expect_only_closed(e))
		return xconn_expect_quiet(x, c, exec_timeout(x, st), true);
	if (c->decl->role == ROLE_IMAP) {
		rc = xconn_expect_imap(x, c, e, exec_timeout(x, st));
	} else if (c->decl->role == ROLE_POP3) {
		rc = xconn_read_pop3(x, c, exec_timeout(x, st), e->body, &resp);
		if (rc == STEP_RC_OK)
			rc = judge_pop3(x, e, &resp);
	} else {
		rc = xconn_read_smtp(x, c, exec_timeout(x, st), &reply);
		if (rc == STEP_RC_OK)
			rc = judge_smtp(x, e, &reply);
	}
	if (rc == STEP_RC_OK && e->closed)
		rc = xconn_expect_quiet(x, c, exec_timeout(x, st), true);
	return rc;
}

static enum step_rc
exec_requires(struct exec *x, struct xconn *c, const struct step *st)
{
	size_t i;

	for (i = 0; i < st->nrequires; i++)
		if (!caps_have(c->caps, c->ncaps, st->requires[i].s, st->requires[i].len))
			return exec_fail(x, STEP_RC_UNSUPPORTED, "the server did not announce %s "
			    "on connection %s", st->requires[i].s, c->decl->name);
	return STEP_RC_OK;
}

static void
exec_sleep(double seconds)
{
	struct timespec ts;

	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0)
		;
}

static enum step_rc exec_steps(struct exec *x, const char *file, const struct step *steps,
    size_t nsteps, const char *conn);

/* Whether a retry group opens a fresh connection itself. */
static bool
exec_group_reconnects(const struct step *st)
{
	size_t i;

	for (i = 0; i < st->nsub; i++)
		if (st->sub[i].kind == STEP_CONNECT ||
		    (st->sub[i].kind == STEP_RETRY && exec_group_reconnects(&st->sub[i])))
			return true;
	return false;
}

static bool
exec_any_eof(const struct exec *x)
{
	size_t i;

	for (i = 0; i < x->nconns; i++)
		if (x->conns[i].is_open && x->conns[i].is_eof)
			return true;
	return false;
}

/* Run the group until it passes, a non-failure stops it, or time is up;
 * each failed try is noted in the transcript. */
static enum step_rc
exec_retry(struct exec *x, const struct step *st, const char *file, const char *conn)
{
	uint64_t deadline = net_now_us() + (uint64_t)(st->retry_for * 1e6);
	enum step_rc rc;
	unsigned tries = 0;

	for (;;) {
		x->fail_file = NULL;
		rc = exec_steps(x, file, st->sub, st->nsub, conn);
		tries++;
		if (rc != STEP_RC_FAIL)
			return rc;
		if (!exec_group_reconnects(st) && exec_any_eof(x)) {
			buf_puts(&x->msg, "\n(not retried: the server closed the connection and "
			    "the retry group does not reconnect)");
			return rc;
		}
		if (net_now_us() + (uint64_t)(st->retry_every * 1e6) > deadline)
			break;
		exec_note(x, conn, "retry: try %u failed; again in %.2f s", tries,
		    st->retry_every);
		exec_sleep(st->retry_every);
	}
	buf_printf(&x->msg, "\n(gave up after %u tries in %.1f s)", tries, st->retry_for);
	return rc;
}

static enum step_rc
exec_set(struct exec *x, const struct step *st)
{
	enum step_rc rc = STEP_RC_OK;
	size_t i;

	for (i = 0; rc == STEP_RC_OK && i < st->nset; i++) {
		struct buf v;

		buf_init(&v, VARS_MAX_EXPANSION);
		rc = exec_expand(x, &st->set[i].value, &v);
		if (rc == STEP_RC_OK)
			vars_set(&x->vars, st->set[i].key.s, v.data ? v.data : "", v.len);
		buf_release(&v);
	}
	return rc;
}

static enum step_rc
exec_step(struct exec *x, const struct step *st, struct xconn *c, const char *file)
{
	enum step_rc rc = STEP_RC_OK;
	struct buf sni;

	if (st->kind == STEP_CONNECT) {
		/* a fresh connection, also after an earlier close */
		xconn_close(x, c, c->is_open ? "client closed the connection" : NULL);
		xconn_reset_state(c);
		if ((rc = xconn_open(x, c, exec_timeout(x, st))) != STEP_RC_OK)
			return rc;
	} else if (st->kind == STEP_WAIT || st->kind == STEP_SET || st->kind == STEP_PRELUDE ||
	    st->kind == STEP_CLOSE || st->kind == STEP_RETRY) {
		/* no connection needed */
	} else if (!c->is_open && c->was_opened) {
		return exec_fail(x, STEP_RC_FAIL, "expected: connection %s open\n"
		    "actual: it was closed earlier in the scenario", c->decl->name);
	} else if (!c->is_open && (rc = xconn_open(x, c, exec_timeout(x, st))) != STEP_RC_OK) {
		return rc;
	}
	if ((rc = exec_requires(x, c, st)) != STEP_RC_OK)
		return rc;
	switch (st->kind) {
	case STEP_SEND:
	case STEP_PIPELINE:
	case STEP_SEND_RAW:
	case STEP_SEND_DATA:
		return exec_send(x, c, st);
	case STEP_STARTTLS:
		buf_init(&sni, 1024);
		if (st->text.s != NULL)
			rc = exec_expand(x, &st->text, &sni);
		if (rc == STEP_RC_OK)
			rc = xconn_starttls(x, c, sni.data, exec_timeout(x, st));
		buf_release(&sni);
		return rc;
	case STEP_CONNECT:
		return STEP_RC_OK;	/* opened above */
	case STEP_CLOSE:
		xconn_close(x, c, "client closed the connection");
		return STEP_RC_OK;
	case STEP_WAIT:
		exec_sleep(st->seconds);
		return STEP_RC_OK;
	case STEP_PRELUDE:
		return exec_steps(x, st->prelude->file, st->prelude->steps, st->prelude->nsteps,
		    c->decl->name);
	case STEP_RETRY:
		return exec_retry(x, st, file, c->decl->name);
	case STEP_SET:
		return exec_set(x, st);
	case STEP_EXPECT:
		return exec_expect(x, c, st);
	case STEP_EXPECT_SILENCE:
		return xconn_expect_quiet(x, c, st->seconds, false);
	case STEP_EXPECT_CLOSED:
		return xconn_expect_quiet(x, c, exec_timeout(x, st), true);
	}
	return STEP_RC_OK;
}

/* Run steps written in file; conn is the connection a prelude or retry
 * group was called on. */
static enum step_rc
exec_steps(struct exec *x, const char *file, const struct step *steps, size_t nsteps,
    const char *conn)
{
	size_t i;

	for (i = 0; i < nsteps; i++) {
		const struct step *st = &steps[i];
		const char *name = st->kind == STEP_CONNECT ? st->text.s : st->conn ? st->conn : conn;
		struct xconn *c = exec_conn(x, name);
		enum step_rc rc;

		if (c == NULL)
			rc = exec_fail(x, STEP_RC_SCENARIO_ERROR, "no connection named '%s' in "
			    "scenario %s", name, x->scn->id);
		else
			rc = exec_step(x, st, c, file);
		if (rc != STEP_RC_OK) {
			if (x->fail_file == NULL) {
				x->fail_file = file;
				x->fail_line = st->line;
			}
			return rc;
		}
	}
	return STEP_RC_OK;
}

/* ---- set-up ----------------------------------------------------------- */

static void
exec_set_str(struct exec *x, const char *name, const char *value)
{
	vars_set(&x->vars, name, value, strlen(value));
}

static enum step_rc
exec_builtins(struct exec *x)
{
	static unsigned long counter;
	const struct target *t = x->t;
	char name[32], val[512];
	size_t i;

	exec_set_str(x, "domain", t->domain ? t->domain : "localhost");
	snprintf(val, sizeof(val), "postmaster@%s", t->domain ? t->domain : "localhost");
	exec_set_str(x, "postmaster", val);
	exec_set_str(x, "ehlo", "mailspec.example");
	snprintf(val, sizeof(val), "ms%lx%lx%lx", (unsigned long)getpid() & 0xffff,
	    (unsigned long)(net_now_us() & 0xffffff),
	    __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	exec_set_str(x, "runid", val);
	if (x->scn->fixture.s != NULL) {
		exec_set_str(x, "fixture.name", x->scn->fixture_name);
		snprintf(val, sizeof(val), "%zu", x->scn->fixture.len);
		exec_set_str(x, "fixture.size", val);
	}
	for (i = 0; i < t->nusers; i++) {
		snprintf(name, sizeof(name), "user%zu", i + 1);
		exec_set_str(x, name, t->users[i].name);
		snprintf(name, sizeof(name), "pass%zu", i + 1);
		exec_set_str(x, name, t->users[i].pass);
		snprintf(name, sizeof(name), "addr%zu", i + 1);
		snprintf(val, sizeof(val), strchr(t->users[i].name, '@') ? "%s" : "%s@%s",
		    t->users[i].name, t->domain ? t->domain : "localhost");
		exec_set_str(x, name, val);
	}
	for (i = 0; i < x->scn->nvars; i++) {
		struct buf v;
		enum step_rc rc;

		buf_init(&v, VARS_MAX_EXPANSION);
		rc = exec_expand(x, &x->scn->vars[i].value, &v);
		if (rc == STEP_RC_OK)
			vars_set(&x->vars, x->scn->vars[i].key.s, v.data ? v.data : "", v.len);
		buf_release(&v);
		if (rc != STEP_RC_OK)
			return rc;
	}
	return STEP_RC_OK;
}

static const char *const tls_mode_names[] = { "any", "plain", "implicit" };

/* Endpoints, users and announced capabilities the scenario needs. */
static enum step_rc
exec_gate(struct exec *x)
{
	const struct scenario *s = x->scn;
	size_t i, p, k;

	if ((size_t)s->users > x->t->nusers)
		return exec_fail(x, STEP_RC_SKIP, "needs %d test user(s) (--user NAME:PASS), "
		    "%zu configured", s->users, x->t->nusers);
	for (i = 0; i < x->nconns; i++)
		if (x->conns[i].ep == NULL)
			return exec_fail(x, STEP_RC_UNSUPPORTED, "the target has no %s endpoint "
			    "(tls: %s) for connection %s", role_name(x->conns[i].decl->role),
			    tls_mode_names[x->conns[i].decl->tls], x->conns[i].decl->name);
	for (p = 0; p < PROTO_COUNT; p++) {
		char *const *caps;
		size_t ncaps;
		enum role role = proto_default_role((enum proto)p);
		enum step_rc rc;

		if (s->nrequires[p] == 0)
			continue;
		for (i = 0; i < s->nconns; i++)
			if (proto_default_role((enum proto)p) == ROLE_SMTP ?
			    s->conns[i].role <= ROLE_SUBMISSION : s->conns[i].role == role) {
				role = s->conns[i].role;
				break;
			}
		if ((rc = probe_caps(x, role, &caps, &ncaps)) != STEP_RC_OK)
			return rc;
		for (k = 0; k < s->nrequires[p]; k++)
			if (!caps_have(caps, ncaps, s->requires[p][k].s, s->requires[p][k].len))
				return exec_fail(x, STEP_RC_UNSUPPORTED, "the %s endpoint does not "
				    "announce %s", role_name(role), s->requires[p][k].s);
	}
	return STEP_RC_OK;
}

enum step_rc
exec_scenario(struct exec *x)
{
	const struct scenario *s = x->scn;
	enum step_rc rc;
	size_t i;

	vars_init(&x->vars);
	buf_init(&x->msg, 1 << 20);
	x->t0 = net_now_us();
	x->conns = calloc(s->nconns, sizeof(*x->conns));
	if (x->conns == NULL)
		return exec_fail(x, STEP_RC_RUNTIME_ERROR, "out of memory");
	x->nconns = s->nconns;
	for (i = 0; i < s->nconns; i++) {
		x->conns[i].decl = &s->conns[i];
		x->conns[i].ep = target_endpoint(x->t, s->conns[i].role, s->conns[i].tls);
	}
	rc = exec_builtins(x);
	if (rc == STEP_RC_OK)
		rc = exec_gate(x);
	if (rc == STEP_RC_OK)
		rc = exec_steps(x, s->file, s->steps, s->nsteps, s->conns[0].name);
	for (i = 0; i < x->nconns; i++) {
		if (x->conns[i].is_open)
			exec_note(x, x->conns[i].decl->name, "client closed the connection");
		xconn_free(&x->conns[i]);
	}
	free(x->conns);
	vars_free(&x->vars);
	return rc;
}
