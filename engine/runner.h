/* runner.h: run selected scenarios against a target and fill the results
 * model (DESIGN.md "mailspec run": -j, --timeout, verdicts, known failures). */
#ifndef MAILSPEC_RUNNER_H
#define MAILSPEC_RUNNER_H

#include <stdbool.h>
#include <stdio.h>

#include "results.h"
#include "scenario.h"
#include "target.h"

struct run_opts {
	double timeout;			/* seconds per step */
	int jobs;			/* scenarios in parallel */
	bool strict;
	bool verbose;			/* full transcripts of failures */
	bool trace;			/* transcripts of every scenario */
	bool is_tty;
	FILE *out;
	char **known_failing;		/* ids that may fail */
	size_t nknown;
};

struct run_totals {
	size_t scenario_errors;		/* error verdicts caused by a scenario */
	size_t runtime_errors;		/* error verdicts caused by network/TLS */
	bool aborted;			/* target unreachable: the run stopped */
	char reason[512];		/* why it aborted */
};

/* Run sel[0..nsel) and append one record each to run->results (in order). */
void runner_run(struct scenario *const *sel, size_t nsel, const struct target *t,
    const struct run_opts *o, struct results_run *run, struct run_totals *tot);

#endif
