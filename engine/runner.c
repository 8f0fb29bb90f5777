/* runner.c: run scenarios, -j N at a time, turn step outcomes into
 * verdicts (DESIGN.md "Verdicts"), apply --known-failing, print a line per
 * scenario and the details of failures. */
#include "runner.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exec.h"
#include "net.h"

#define RUNNER_SHOW_EVENTS 40	/* transcript events printed without -v */

struct runner {
	struct scenario *const *sel;
	size_t nsel;
	const struct target *t;
	const struct run_opts *o;
	struct results_run *run;
	struct run_totals *tot;
	struct probe_cache *probes;
	pthread_mutex_t lock;
	/* Scenarios that use test users hold their locks: two scenarios never
	 * share a mailbox at once under -j (a POP3 maildrop is exclusive,
	 * RFC 1939 §8, and counting messages needs a quiet mailbox). */
	pthread_mutex_t user_locks[TARGET_MAX_USERS];
	size_t next;			/* next scenario to start */
	size_t finished;
};

static char **
runner_strv(const char *const *v, size_t n)
{
	char **out = calloc(n + 1, sizeof(*out));
	size_t i;

	for (i = 0; out != NULL && i < n; i++)
		out[i] = strdup(v[i]);
	return out;
}

static void
runner_fill_identity(struct result *r, const struct scenario *s)
{
	const char *protos[PROTO_COUNT];
	size_t i;

	for (i = 0; i < s->nprotocols; i++)
		protos[i] = proto_name(s->protocols[i]);
	r->id = strdup(s->id);
	r->title = strdup(s->title ? s->title : "");
	r->protocols = runner_strv(protos, s->nprotocols);
	r->rfc = s->rfc;
	r->section = strdup(s->section ? s->section : "");
	r->level = s->level;
	r->requirement = strdup(s->requirement ? s->requirement : "");
	r->tags = runner_strv(s->tags, s->ntags);
	r->file = strdup(s->file);
}

static bool
runner_is_known(const struct run_opts *o, const char *id)
{
	size_t i;

	for (i = 0; i < o->nknown; i++)
		if (strcmp(o->known_failing[i], id) == 0)
			return true;
	return false;
}

static enum verdict
runner_verdict(const struct scenario *s, enum step_rc rc)
{
	switch (rc) {
	case STEP_RC_OK: return VERDICT_PASS;
	case STEP_RC_FAIL: return s->level == LEVEL_MUST ? VERDICT_FAIL : VERDICT_NON_STRICT;
	case STEP_RC_UNSUPPORTED: return VERDICT_UNSUPPORTED;
	case STEP_RC_SKIP: return VERDICT_SKIP;
	default: return VERDICT_ERROR;
	}
}

/* ---- printing --------------------------------------------------------- */

static void
runner_print_events(FILE *out, const struct result *r, bool all)
{
	size_t i = 0;
	struct buf line;

	if (!all && r->nevents > RUNNER_SHOW_EVENTS) {
		i = r->nevents - RUNNER_SHOW_EVENTS;
		fprintf(out, "      ... %zu earlier events (use -v for all)\n", i);
	}
	buf_init(&line, 1 << 20);
	for (; i < r->nevents; i++) {
		const struct transcript_event *ev = &r->events[i];
		static const char *const dirs[] = { "C:", "S:", "--" };

		buf_clear(&line);
		if (ev->dir == TRANSCRIPT_NOTE)
			buf_append(&line, ev->data, ev->len);
		else
			buf_append_escaped(&line, ev->data, ev->len > 4096 && !all ? 4096 : ev->len);
		fprintf(out, "      %8.3f %s %s %s%s\n", (double)ev->t_us / 1000.0, ev->conn,
		    dirs[ev->dir], line.data ? line.data : "",
		    ev->len > 4096 && !all && ev->dir != TRANSCRIPT_NOTE ? "..." : "");
	}
	buf_release(&line);
}

/* Every line of a message indented under its verdict line. */
static void
runner_print_message(FILE *out, const char *msg)
{
	const char *p, *nl;

	for (p = msg; p != NULL && *p != '\0'; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		fprintf(out, "    %.*s\n", (int)(nl ? nl - p : (long)strlen(p)), p);
	}
}

static void
runner_print_details(FILE *out, const struct result *r, const struct run_opts *o)
{
	fprintf(out, "    requirement: RFC %d §%s %s: %s\n", r->rfc, r->section,
	    level_name(r->level), r->requirement);
	if (r->line > 0)
		fprintf(out, "    at %s:%d\n", r->file, r->line);
	runner_print_message(out, r->message);
	if (r->nevents > 0) {
		fprintf(out, "    transcript (ms, C: client, S: server):\n");
		runner_print_events(out, r, o->verbose || o->trace);
	}
}

static void
runner_print(struct runner *rn, const struct result *r)
{
	const struct run_opts *o = rn->o;
	FILE *out = o->out;
	bool details = r->verdict == VERDICT_FAIL || r->verdict == VERDICT_NON_STRICT ||
	    r->verdict == VERDICT_ERROR || r->verdict == VERDICT_XPASS;

	if (o->is_tty)
		fprintf(out, "[%zu/%zu] ", rn->finished, rn->nsel);
	fprintf(out, "%-11s %s (%llu ms)\n", verdict_name(r->verdict), r->id,
	    (unsigned long long)r->duration_ms);
	if ((r->verdict == VERDICT_UNSUPPORTED || r->verdict == VERDICT_SKIP ||
	    r->verdict == VERDICT_XFAIL) && r->message != NULL && !o->trace)
		runner_print_message(out, r->message);
	else if (details || o->trace)
		runner_print_details(out, r, o);
	fflush(out);
}

/* ---- running ---------------------------------------------------------- */

static void
runner_one(struct runner *rn, size_t idx)
{
	const struct scenario *s = rn->sel[idx];
	struct result *r = &rn->run->results[idx];
	struct exec x = { .scn = s, .t = rn->t, .o = rn->o, .probes = rn->probes, .res = r };
	uint64_t t0 = net_now_us();
	enum step_rc rc;

	size_t i, nlocks = (size_t)s->users < rn->t->nusers ? (size_t)s->users : rn->t->nusers;

	runner_fill_identity(r, s);
	for (i = 0; i < nlocks; i++)		/* ascending order: no deadlock */
		pthread_mutex_lock(&rn->user_locks[i]);
	rc = exec_scenario(&x);
	while (nlocks > 0)
		pthread_mutex_unlock(&rn->user_locks[--nlocks]);
	r->duration_ms = (net_now_us() - t0) / 1000;
	r->verdict = runner_verdict(s, rc);
	if (runner_is_known(rn->o, s->id))
		r->verdict = r->verdict == VERDICT_PASS ? VERDICT_XPASS :
		    (r->verdict == VERDICT_FAIL || r->verdict == VERDICT_NON_STRICT) ?
		    VERDICT_XFAIL : r->verdict;
	if (rc != STEP_RC_OK && x.msg.data != NULL)
		r->message = strdup(x.msg.data);
	if (r->verdict == VERDICT_XPASS)
		r->message = strdup("listed in --known-failing, but passed");
	if (rc != STEP_RC_OK && x.fail_file != NULL) {
		free(r->file);
		r->file = strdup(x.fail_file);
		r->line = x.fail_line;
	}
	buf_release(&x.msg);

	pthread_mutex_lock(&rn->lock);
	rn->finished++;
	if (rc == STEP_RC_SCENARIO_ERROR)
		rn->tot->scenario_errors++;
	if (rc == STEP_RC_RUNTIME_ERROR)
		rn->tot->runtime_errors++;
	if (rc == STEP_RC_ABORT && !rn->tot->aborted) {
		rn->tot->aborted = true;
		snprintf(rn->tot->reason, sizeof(rn->tot->reason), "%s", r->message ?
		    r->message : "target unreachable");
	}
	if (rc != STEP_RC_ABORT)
		runner_print(rn, r);
	pthread_mutex_unlock(&rn->lock);
}

static void *
runner_worker(void *arg)
{
	struct runner *rn = arg;

	for (;;) {
		size_t idx;

		pthread_mutex_lock(&rn->lock);
		idx = rn->tot->aborted ? rn->nsel : rn->next++;
		pthread_mutex_unlock(&rn->lock);
		if (idx >= rn->nsel)
			return NULL;
		runner_one(rn, idx);
	}
}

void
runner_run(struct scenario *const *sel, size_t nsel, const struct target *t,
    const struct run_opts *o, struct results_run *run, struct run_totals *tot)
{
	struct runner rn = { .sel = sel, .nsel = nsel, .t = t, .o = o, .run = run, .tot = tot };
	pthread_t th[64];
	size_t i, nth = o->jobs < 1 ? 1 : (size_t)o->jobs;

	pthread_mutex_init(&rn.lock, NULL);
	for (i = 0; i < TARGET_MAX_USERS; i++)
		pthread_mutex_init(&rn.user_locks[i], NULL);
	run->results = calloc(nsel ? nsel : 1, sizeof(*run->results));
	if (run->results == NULL)
		return;
	run->nresults = nsel;
	rn.probes = probe_cache_new();
	if (nth > 64)
		nth = 64;
	if (nth > nsel)
		nth = nsel;
	for (i = 1; i < nth; i++)
		if (pthread_create(&th[i], NULL, runner_worker, &rn) != 0)
			break;
	nth = i;
	runner_worker(&rn);
	for (i = 1; i < nth; i++)
		pthread_join(th[i], NULL);
	probe_cache_free(&rn.probes);
	for (i = 0; i < TARGET_MAX_USERS; i++)
		pthread_mutex_destroy(&rn.user_locks[i]);
	pthread_mutex_destroy(&rn.lock);
	results_count(run);
}
