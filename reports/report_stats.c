/* report_stats.c: verdict labels and order, tallies of a run by protocol
 * and by RFC section (with MUST/SHOULD/MAY kept apart, RFC 2119), and the
 * headline verdict of a run. DESIGN.md "Verdicts".
 */
#include "report_private.h"

#include <stdlib.h>
#include <string.h>

#define REPORT_NO_PROTOCOL "other"

static const struct {
	const char *label, *symbol;
	int rank;
} report_verdicts[VERDICT_COUNT] = {
	[VERDICT_PASS] = { "PASS", "\xe2\x9c\x93", 7 },			/* ✓ */
	[VERDICT_FAIL] = { "FAIL", "\xe2\x9c\x97", 0 },			/* ✗ */
	[VERDICT_NON_STRICT] = { "NON-STRICT", "~", 3 },
	[VERDICT_UNSUPPORTED] = { "UNSUPPORTED", "\xe2\x88\x85", 5 },	/* ∅ */
	[VERDICT_SKIP] = { "SKIP", "\xe2\x80\x93", 6 },			/* – */
	[VERDICT_ERROR] = { "ERROR", "!", 2 },
	[VERDICT_XFAIL] = { "XFAIL", "\xe2\x8a\x98", 4 },		/* ⊘ */
	[VERDICT_XPASS] = { "XPASS", "\xe2\x80\xbc", 1 },		/* ‼ */
};

const char *
report_verdict_label(enum verdict v)
{
	return (unsigned)v < VERDICT_COUNT ? report_verdicts[v].label : "UNKNOWN";
}

const char *
report_verdict_symbol(enum verdict v)
{
	return (unsigned)v < VERDICT_COUNT ? report_verdicts[v].symbol : "?";
}

int
report_verdict_rank(enum verdict v)
{
	return (unsigned)v < VERDICT_COUNT ? report_verdicts[v].rank : VERDICT_COUNT;
}

bool
report_verdict_parse(const char *name, enum verdict *v_r)
{
	unsigned i;

	for (i = 0; name != NULL && i < VERDICT_COUNT; i++)
		if (strcmp(verdict_name((enum verdict)i), name) == 0) {
			*v_r = (enum verdict)i;
			return true;
		}
	return false;
}

size_t
report_tally_total(const struct report_tally *t)
{
	size_t i, n = 0;

	for (i = 0; i < VERDICT_COUNT; i++)
		n += t->v[i];
	return n;
}

size_t
report_tally_met(const struct report_tally *t)
{
	return t->v[VERDICT_PASS] + t->v[VERDICT_XPASS];
}

size_t
report_tally_tested(const struct report_tally *t)
{
	return report_tally_total(t) - t->v[VERDICT_UNSUPPORTED] - t->v[VERDICT_SKIP];
}

static void
report_tally_add(struct report_group *g, const struct result *r)
{
	if ((unsigned)r->verdict >= VERDICT_COUNT)
		return;
	g->all.v[r->verdict]++;
	if ((unsigned)r->level <= LEVEL_MAY)
		g->level[r->level].v[r->verdict]++;
}

/* The group with this key, appended if new; NULL on ENOMEM. */
static struct report_group *
report_group_get(struct report_groups *gs, const char *protocol, int rfc,
    const char *section)
{
	struct report_group *g;
	size_t i;

	for (i = 0; i < gs->n; i++) {
		g = &gs->g[i];
		if (protocol != NULL ? strcmp(g->protocol, protocol) == 0 :
		    g->rfc == rfc && report_section_cmp(g->section, section) == 0)
			return g;
	}
	g = realloc(gs->g, (gs->n + 1) * sizeof(*g));
	if (g == NULL)
		return NULL;
	gs->g = g;
	g = &gs->g[gs->n++];
	memset(g, 0, sizeof(*g));
	g->protocol = protocol;
	g->rfc = rfc;
	g->section = section;
	return g;
}

int
report_groups_by_protocol(const struct results_run *run, struct report_groups *gs)
{
	static char *const none[] = { (char *)REPORT_NO_PROTOCOL, NULL };
	struct report_group *g;
	size_t i, j;

	memset(gs, 0, sizeof(*gs));
	for (i = 0; run->results != NULL && i < run->nresults; i++) {
		const struct result *r = &run->results[i];
		char *const *protos = r->protocols != NULL && r->protocols[0] != NULL ?
		    r->protocols : none;

		for (j = 0; protos[j] != NULL; j++) {
			if ((g = report_group_get(gs, protos[j], 0, NULL)) == NULL) {
				report_groups_free(gs);
				return -1;
			}
			report_tally_add(g, r);
		}
	}
	return 0;
}

static int
report_group_cmp(const void *pa, const void *pb)
{
	const struct report_group *a = pa, *b = pb;

	if (a->rfc != b->rfc)
		return a->rfc < b->rfc ? -1 : 1;
	return report_section_cmp(a->section, b->section);
}

int
report_groups_by_section(const struct results_run *run, struct report_groups *gs)
{
	struct report_group *g;
	size_t i;

	memset(gs, 0, sizeof(*gs));
	for (i = 0; run->results != NULL && i < run->nresults; i++) {
		const struct result *r = &run->results[i];

		g = report_group_get(gs, NULL, r->rfc, r->section);
		if (g == NULL) {
			report_groups_free(gs);
			return -1;
		}
		report_tally_add(g, r);
	}
	if (gs->n > 1)
		qsort(gs->g, gs->n, sizeof(*gs->g), report_group_cmp);
	return 0;
}

void
report_groups_free(struct report_groups *gs)
{
	free(gs->g);
	gs->g = NULL;
	gs->n = 0;
}

void
report_count(const struct results_run *run, size_t counts[VERDICT_COUNT])
{
	size_t i;

	memset(counts, 0, VERDICT_COUNT * sizeof(*counts));
	for (i = 0; run->results != NULL && i < run->nresults; i++)
		if ((unsigned)run->results[i].verdict < VERDICT_COUNT)
			counts[run->results[i].verdict]++;
}

static const char *
report_plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void
report_headline_make(const size_t counts[VERDICT_COUNT], struct report_headline *h)
{
	const size_t *n = counts;
	size_t tested = 0, i;

	for (i = 0; i < VERDICT_COUNT; i++)
		tested += n[i];
	tested -= n[VERDICT_UNSUPPORTED] + n[VERDICT_SKIP];
	if (n[VERDICT_FAIL] + n[VERDICT_XPASS] > 0) {
		h->state = REPORT_STATE_FAIL, h->word = "Not conformant", h->css = "fail";
		h->verdict = VERDICT_FAIL;
		if (n[VERDICT_FAIL] > 0)
			snprintf(h->detail, sizeof(h->detail), "%zu MUST %s not met",
			    n[VERDICT_FAIL], report_plural(n[VERDICT_FAIL],
			    "requirement", "requirements"));
		else
			snprintf(h->detail, sizeof(h->detail), "no MUST failure");
	} else if (n[VERDICT_ERROR] > 0) {
		h->state = REPORT_STATE_ERROR, h->word = "Incomplete", h->css = "error";
		h->verdict = VERDICT_ERROR;
		snprintf(h->detail, sizeof(h->detail), "no MUST failure, but %zu "
		    "%s could not be judged", n[VERDICT_ERROR],
		    report_plural(n[VERDICT_ERROR], "scenario", "scenarios"));
	} else if (tested == 0) {
		h->state = REPORT_STATE_NONE, h->word = "Nothing tested", h->css = "skip";
		h->verdict = VERDICT_SKIP;
		snprintf(h->detail, sizeof(h->detail), "no scenario could be run");
	} else if (n[VERDICT_XFAIL] > 0) {
		/* known failures are accepted, but they are not "met" */
		h->state = REPORT_STATE_PASS, h->word = "Conformant except known failures";
		h->css = "pass";
		h->verdict = VERDICT_PASS;
		snprintf(h->detail, sizeof(h->detail), "no requirement fails beyond the %zu "
		    "known %s (xfail)", n[VERDICT_XFAIL], report_plural(n[VERDICT_XFAIL],
		    "failure", "failures"));
	} else {
		h->state = REPORT_STATE_PASS, h->word = "Conformant", h->css = "pass";
		h->verdict = VERDICT_PASS;
		snprintf(h->detail, sizeof(h->detail), "every tested MUST requirement is met");
	}
	if (n[VERDICT_XPASS] > 0 && h->state == REPORT_STATE_FAIL)
		snprintf(h->detail + strlen(h->detail), sizeof(h->detail) - strlen(h->detail),
		    ", %zu known %s passed", n[VERDICT_XPASS],
		    report_plural(n[VERDICT_XPASS], "failure", "failures"));
	if (n[VERDICT_NON_STRICT] > 0)
		snprintf(h->detail + strlen(h->detail), sizeof(h->detail) - strlen(h->detail),
		    "; %zu SHOULD/MAY not met", n[VERDICT_NON_STRICT]);
}
