/* results.c: the results model: verdict and level names, counting, and
 * freeing a run with everything it owns (see results.h).
 */
#include "results.h"

#include <stdlib.h>

static const char *const verdict_names[VERDICT_COUNT] = {
	[VERDICT_PASS] = "pass",
	[VERDICT_FAIL] = "fail",
	[VERDICT_NON_STRICT] = "non_strict",
	[VERDICT_UNSUPPORTED] = "unsupported",
	[VERDICT_SKIP] = "skip",
	[VERDICT_ERROR] = "error",
	[VERDICT_XFAIL] = "xfail",
	[VERDICT_XPASS] = "xpass",
};

const char *
verdict_name(enum verdict v)
{
	if ((unsigned)v >= VERDICT_COUNT)
		return "unknown";
	return verdict_names[v];
}

const char *
level_name(enum level l)
{
	switch (l) {
	case LEVEL_MUST: return "MUST";
	case LEVEL_SHOULD: return "SHOULD";
	case LEVEL_MAY: return "MAY";
	}
	return "UNKNOWN";
}

void
results_count(struct results_run *run)
{
	size_t i;

	for (i = 0; i < VERDICT_COUNT; i++)
		run->counts[i] = 0;
	for (i = 0; i < run->nresults; i++) {
		enum verdict v = run->results[i].verdict;

		if ((unsigned)v < VERDICT_COUNT)
			run->counts[v]++;
	}
}

/* Free a NULL-terminated array of strings and the array itself. */
static void
results_free_strv(char **v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

static void
results_free_events(struct transcript_event *events, size_t n)
{
	size_t i;

	if (events == NULL)
		return;
	for (i = 0; i < n; i++) {
		/* conn is owned by the event (results.h); const only for readers */
		free((void *)(uintptr_t)events[i].conn);
		free(events[i].data);
	}
	free(events);
}

void
result_clear(struct result *r)
{
	if (r == NULL)
		return;
	free(r->id);
	free(r->title);
	results_free_strv(r->protocols);
	free(r->section);
	free(r->requirement);
	results_free_strv(r->tags);
	free(r->message);
	free(r->file);
	results_free_events(r->events, r->nevents);
	*r = (struct result){ 0 };
}

void
results_run_free(struct results_run **runp)
{
	struct results_run *run;
	size_t i;

	if (runp == NULL || *runp == NULL)
		return;
	run = *runp;
	if (run->results != NULL) {
		for (i = 0; i < run->nresults; i++)
			result_clear(&run->results[i]);
		free(run->results);
	}
	if (run->endpoints != NULL) {
		for (i = 0; i < run->nendpoints; i++) {
			free(run->endpoints[i].name);
			free(run->endpoints[i].url);
		}
		free(run->endpoints);
	}
	free(run->tool);
	free(run->version);
	free(run->target);
	free(run);
	*runp = NULL;
}
