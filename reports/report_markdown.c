/* report_markdown.c: the Markdown report of one run for a CI job summary
 * (GitHub's $GITHUB_STEP_SUMMARY): headline and totals, MUST/SHOULD/MAY
 * per protocol and per RFC section, then each problem (fail, xpass, error,
 * non_strict) with its requirement, expected vs actual and transcript.
 * The document stays under REPORT_MARKDOWN_MAX; what does not fit is named
 * in an overflow line.
 */
#include "report_private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Per problem: the message, each transcript event, the whole transcript. */
#define MD_MAX_MESSAGE ((size_t)4 << 10)
#define MD_MAX_EVENT 512
#define MD_MAX_TRANSCRIPT ((size_t)8 << 10)

static bool
md_header(struct buf *b, const struct results_run *run, const size_t *counts)
{
	struct report_headline h;
	char when[32], key[64];
	bool ok;
	size_t i;

	report_headline_make(counts, &h);
	ok = buf_printf(b, "## %s mailspec: %s \xe2\x80\x94 ", report_md_emoji(h.verdict),
	    h.word) &&
	    report_md_inline(b, run->target != NULL ? run->target : "unnamed target", 200) &&
	    buf_puts(b, "\n\n") && report_md_inline(b, h.detail, sizeof(h.detail)) &&
	    buf_puts(b, ".\n\n|");
	for (i = 0; ok && i < VERDICT_COUNT; i++)
		ok = buf_printf(b, " %s %s |", report_md_emoji((enum verdict)i),
		    verdict_name((enum verdict)i));
	ok = ok && buf_puts(b, "\n|");
	for (i = 0; ok && i < VERDICT_COUNT; i++)
		ok = buf_puts(b, "---:|");
	ok = ok && buf_puts(b, "\n|");
	for (i = 0; ok && i < VERDICT_COUNT; i++)
		ok = buf_printf(b, " %zu |", counts[i]);
	ok = ok && buf_puts(b, "\n\n");
	for (i = 0; ok && run->endpoints != NULL && i < run->nendpoints; i++)
		ok = report_md_inline(b, report_endpoint_key(run, i, key), 64) &&
		    buf_puts(b, " ") &&
		    report_md_inline(b, run->endpoints[i].url, 256) && buf_puts(b, " \xc2\xb7 ");
	if (ok && run->started_unix_ms != 0 && report_format_time(run->started_unix_ms, when))
		ok = buf_printf(b, "started %s \xc2\xb7 ", when);
	return ok && buf_printf(b, "%" PRIu64 ".%01" PRIu64 " s \xc2\xb7 mailspec %s\n\n",
	    run->duration_ms / 1000, run->duration_ms % 1000 / 100,
	    run->version != NULL ? run->version : MAILSPEC_VERSION);
}

static bool
md_level_cells(struct buf *b, const struct report_group *g)
{
	bool ok = true;
	int l;

	for (l = 0; ok && l < 3; l++)
		ok = buf_puts(b, " ") && report_md_tally(b, &g->level[l]) && buf_puts(b, " |");
	return ok && buf_puts(b, " ") && report_md_tally(b, &g->all) && buf_puts(b, " |\n");
}

static int
md_tables(struct report_md *md, const struct results_run *run)
{
	struct report_groups gs;
	struct buf *b = &md->block;
	size_t i;
	bool ok;

	if (report_groups_by_protocol(run, &gs) < 0)
		return -1;
	ok = buf_puts(b, "### By protocol and level\n\nMet of tested (n/a: unsupported "
	    "or skipped).\n\n| protocol | MUST | SHOULD | MAY | all |\n"
	    "|---|---:|---:|---:|---:|\n");
	for (i = 0; ok && i < gs.n; i++)
		ok = buf_puts(b, "| ") && report_md_inline(b, gs.g[i].protocol, 64) &&
		    buf_puts(b, " |") && md_level_cells(b, &gs.g[i]);
	report_md_commit(md, ok && buf_puts(b, "\n"));
	report_groups_free(&gs);
	if (report_groups_by_section(run, &gs) < 0)
		return -1;
	report_md_commit(md, buf_puts(b, "### By RFC section\n\n| RFC | section | MUST | "
	    "SHOULD | MAY | all |\n|---|---|---:|---:|---:|---:|\n"));
	for (i = 0; i < gs.n; i++) {
		ok = gs.g[i].rfc > 0 ? buf_printf(b, "| RFC %d | ", gs.g[i].rfc) :
		    buf_puts(b, "| \xe2\x80\x94 | ");
		ok = ok && (gs.g[i].section != NULL ? buf_puts(b, "\xc2\xa7") &&
		    report_md_inline(b, gs.g[i].section, 64) : buf_puts(b, "\xe2\x80\x94")) &&
		    buf_puts(b, " |") && md_level_cells(b, &gs.g[i]);
		report_md_commit(md, ok);
	}
	report_md_commit(md, buf_puts(b, "\n"));
	report_groups_free(&gs);
	return 0;
}

static bool
md_transcript(struct buf *b, const struct result *r)
{
	struct buf t;
	size_t i;
	bool ok = true;

	if (r->events == NULL || r->nevents == 0)
		return true;
	buf_init(&t, MD_MAX_TRANSCRIPT + MD_MAX_EVENT * 4 + 256);
	for (i = 0; ok && i < r->nevents && t.len < MD_MAX_TRANSCRIPT; i++)
		ok = report_event_prefix(&t, &r->events[i]) &&
		    report_event_data(&t, &r->events[i], MD_MAX_EVENT) && buf_putc(&t, '\n');
	if (ok && i < r->nevents)
		ok = buf_printf(&t, "\xe2\x80\xa6 %zu more events\n", r->nevents - i);
	ok = ok && buf_printf(b, "<details><summary>transcript (%zu events)</summary>\n\n",
	    r->nevents) && report_md_fenced(b, t.data, t.len, t.len) &&
	    buf_puts(b, "</details>\n\n");
	buf_release(&t);
	return ok;
}

static bool
md_problem(struct buf *b, const struct result *r)
{
	bool ok;

	ok = buf_printf(b, "#### %s %s ", report_md_emoji(r->verdict),
	    report_verdict_label(r->verdict)) &&
	    report_md_inline(b, r->id != NULL ? r->id : "(no id)", 256) &&
	    buf_puts(b, " \xe2\x80\x94 ") && report_md_inline(b, r->title, 512) &&
	    buf_puts(b, "\n\n> ");
	if (ok && r->rfc > 0)
		ok = buf_printf(b, "RFC %d ", r->rfc);
	if (ok && r->section != NULL)
		ok = buf_puts(b, "\xc2\xa7") && report_md_inline(b, r->section, 64);
	ok = ok && buf_printf(b, " **%s**: ", level_name(r->level)) &&
	    report_md_inline(b, r->requirement, 2048) && buf_puts(b, "\n\n");
	if (ok && r->file != NULL)
		ok = buf_puts(b, "at ") && report_md_inline(b, r->file, 512) &&
		    (r->line <= 0 || buf_printf(b, ":%d", r->line)) && buf_puts(b, "\n\n");
	if (ok && r->message != NULL)
		ok = report_md_fenced(b, r->message, strlen(r->message), MD_MAX_MESSAGE);
	return ok && md_transcript(b, r);
}

static bool
md_is_problem(enum verdict v)
{
	return v == VERDICT_FAIL || v == VERDICT_XPASS || v == VERDICT_ERROR ||
	    v == VERDICT_NON_STRICT;
}

/* Problems in verdict order (fail first), each its own block. */
static void
md_problems(struct report_md *md, const struct results_run *run, const size_t *counts)
{
	size_t nproblems = counts[VERDICT_FAIL] + counts[VERDICT_XPASS] +
	    counts[VERDICT_ERROR] + counts[VERDICT_NON_STRICT], i;
	int rank;

	if (nproblems == 0) {
		report_md_commit(md, buf_puts(&md->block, "No failures.\n"));
		return;
	}
	report_md_commit(md, buf_printf(&md->block, "### Failures and errors (%zu)\n\n",
	    nproblems));
	for (rank = 0; rank < VERDICT_COUNT; rank++)
		for (i = 0; i < run->nresults; i++) {
			const struct result *r = &run->results[i];

			if (md_is_problem(r->verdict) && report_verdict_rank(r->verdict) == rank)
				report_md_commit(md, md_problem(&md->block, r));
		}
}

int
report_markdown_write_max(const struct results_run *run, FILE *out, size_t max)
{
	struct report_md md;
	size_t counts[VERDICT_COUNT];
	struct results_run empty = { 0 };
	int rc;

	if (run->results == NULL) {
		empty = *run;
		empty.nresults = 0;
		run = &empty;
	}
	report_count(run, counts);
	report_md_init(&md, max);
	report_md_commit(&md, md_header(&md.block, run, counts));
	if (md_tables(&md, run) < 0) {
		report_md_release(&md);
		errno = ENOMEM;
		return -1;
	}
	md_problems(&md, run, counts);
	rc = report_md_finish(&md, out, "entries (failures or table rows)");
	report_md_release(&md);
	return rc;
}

int
report_markdown_write(const struct results_run *run, FILE *out)
{
	return report_markdown_write_max(run, out, REPORT_MARKDOWN_MAX);
}
