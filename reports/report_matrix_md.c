/* report_matrix_md.c: the matrix of several targets as Markdown for a CI
 * job summary: one line per target (headline, MUST/SHOULD/MAY met of
 * tested), the scenarios where the targets differ, then every scenario;
 * under REPORT_MARKDOWN_MAX like the single-run Markdown.
 */
#include "report_private.h"

#include <string.h>

static bool
mmd_target(struct buf *b, const struct report_matrix *m, size_t t)
{
	struct report_headline h;
	struct report_tally lv[3], all = { 0 };
	size_t i;
	bool ok;

	memset(lv, 0, sizeof(lv));
	report_count(m->runs[t], all.v);
	report_headline_make(all.v, &h);
	for (i = 0; m->runs[t]->results != NULL && i < m->runs[t]->nresults; i++) {
		const struct result *r = &m->runs[t]->results[i];

		if ((unsigned)r->level <= LEVEL_MAY && (unsigned)r->verdict < VERDICT_COUNT)
			lv[r->level].v[r->verdict]++;
	}
	ok = buf_puts(b, "| ") && report_md_inline(b, m->labels[t], 200) &&
	    buf_printf(b, " | %s %s |", report_md_emoji(h.verdict), h.word);
	for (i = 0; ok && i < 3; i++)
		ok = buf_puts(b, " ") && report_md_tally(b, &lv[i]) && buf_puts(b, " |");
	return ok && buf_puts(b, " ") && report_md_tally(b, &all) && buf_puts(b, " |\n");
}

static bool
mmd_table_head(struct buf *b, const struct report_matrix *m)
{
	size_t t;
	bool ok = buf_puts(b, "| scenario | level |");

	for (t = 0; ok && t < m->ntargets; t++)
		ok = buf_puts(b, " ") && report_md_inline(b, m->labels[t], 100) &&
		    buf_puts(b, " |");
	ok = ok && buf_puts(b, "\n|---|---|");
	for (t = 0; ok && t < m->ntargets; t++)
		ok = buf_puts(b, ":---:|");
	return ok && buf_puts(b, "\n");
}

static bool
mmd_row(struct buf *b, const struct report_matrix *m, const struct report_matrix_row *row)
{
	const struct result *r = row->meta;
	size_t t;
	bool ok;

	ok = buf_puts(b, "| ") && report_md_inline(b, row->id, 200) &&
	    buf_puts(b, row->differs ? " \xe2\x89\xa0" : "") && buf_puts(b, "<br>") &&
	    report_md_inline(b, r->title, 200);
	ok = ok && (r->rfc <= 0 || buf_printf(b, " (RFC %d", r->rfc)) &&
	    (r->rfc <= 0 || r->section == NULL || (buf_puts(b, " \xc2\xa7") &&
	    report_md_inline(b, r->section, 32))) && (r->rfc <= 0 || buf_puts(b, ")"));
	ok = ok && buf_printf(b, " | %s |", level_name(r->level));
	for (t = 0; ok && t < m->ntargets; t++)
		ok = row->cells[t] != NULL ? buf_printf(b, " %s %s |",
		    report_md_emoji(row->cells[t]->verdict),
		    verdict_name(row->cells[t]->verdict)) : buf_puts(b, " \xe2\x80\x94 not run |");
	return ok && buf_puts(b, "\n");
}

/* Every row, or only those that differ, one block each. */
static void
mmd_rows(struct report_md *md, const struct report_matrix *m, bool only_differing)
{
	size_t i;

	report_md_commit(md, mmd_table_head(&md->block, m));
	for (i = 0; i < m->nrows; i++)
		if (!only_differing || m->rows[i].differs)
			report_md_commit(md, mmd_row(&md->block, m, &m->rows[i]));
	report_md_commit(md, buf_puts(&md->block, "\n"));
}

int
report_matrix_markdown_write_max(const struct report_matrix *m, FILE *out,
    size_t max)
{
	struct report_md md;
	size_t t;
	int rc;

	report_md_init(&md, max);
	report_md_commit(&md, buf_printf(&md.block, "## mailspec matrix: %zu target%s "
	    "\xc3\x97 %zu scenarios, %zu differ\n\n| target | verdict | MUST | SHOULD | MAY "
	    "| all |\n|---|---|---:|---:|---:|---:|\n", m->ntargets,
	    m->ntargets == 1 ? "" : "s", m->nrows, m->ndiffer));
	for (t = 0; t < m->ntargets; t++)
		report_md_commit(&md, mmd_target(&md.block, m, t));
	report_md_commit(&md, buf_puts(&md.block, "\nMet of tested (n/a: unsupported or "
	    "skipped); \xe2\x89\xa0 marks a scenario where the targets differ.\n\n"));
	if (m->ndiffer > 0) {
		report_md_commit(&md, buf_printf(&md.block, "### Differences (%zu)\n\n",
		    m->ndiffer));
		mmd_rows(&md, m, true);
	}
	report_md_commit(&md, buf_printf(&md.block, "### All scenarios (%zu)\n\n", m->nrows));
	mmd_rows(&md, m, false);
	rc = report_md_finish(&md, out, "table rows");
	report_md_release(&md);
	return rc;
}

int
report_matrix_markdown_write(const struct report_matrix *m, FILE *out)
{
	return report_matrix_markdown_write_max(m, out, REPORT_MARKDOWN_MAX);
}
