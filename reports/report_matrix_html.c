/* report_matrix_html.c: the matrix of several targets as one self-contained
 * HTML page: a summary per target (headline, MUST/SHOULD/MAY met of
 * tested), met of tested per RFC section and target, then the matrix itself
 * grouped by protocol and RFC section, rows where the targets differ
 * highlighted, each cell a verdict badge with its message on click. The
 * filters of report_html_page.c apply, plus "only differences".
 */
#include "report_private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define MATRIX_MAX_MESSAGE ((size_t)8 << 10)

/* Rows [start, end) share protocol, RFC and section. */
static size_t
mhtml_group_end(const struct report_matrix *m, size_t start)
{
	const struct result *a = m->rows[start].meta;
	size_t end = start + 1;

	while (end < m->nrows) {
		const struct result *b = m->rows[end].meta;

		if (strcmp(report_first_protocol(a), report_first_protocol(b)) != 0 ||
		    a->rfc != b->rfc || report_section_cmp(a->section, b->section) != 0)
			break;
		end++;
	}
	return end;
}

static void
mhtml_group_name(FILE *out, const struct result *r)
{
	report_put_xml_str(out, report_first_protocol(r), false);
	if (r->rfc > 0)
		fprintf(out, " \xc2\xb7 RFC %d", r->rfc);
	if (r->section != NULL) {
		fputs(" \xc2\xa7", out);
		report_put_xml_str(out, r->section, false);
	}
}

static void
mhtml_target_row(FILE *out, const struct report_matrix *m, size_t t)
{
	struct report_headline h;
	struct report_group all = { 0 };
	size_t i;

	report_count(m->runs[t], all.all.v);
	report_headline_make(all.all.v, &h);
	for (i = 0; m->runs[t]->results != NULL && i < m->runs[t]->nresults; i++) {
		const struct result *r = &m->runs[t]->results[i];

		if ((unsigned)r->level <= LEVEL_MAY && (unsigned)r->verdict < VERDICT_COUNT)
			all.level[r->level].v[r->verdict]++;
	}
	fputs("<tr><th scope=\"row\">", out);
	report_put_xml_str(out, m->labels[t], false);
	for (i = 0; m->runs[t]->endpoints != NULL && i < m->runs[t]->nendpoints; i++) {
		fputs("<span class=\"sc-sub mono\">", out);
		report_put_xml_str(out, m->runs[t]->endpoints[i].url, false);
		fputs("</span>", out);
	}
	fprintf(out, "</th><td><span class=\"badge v-%s\"><span class=\"sym\" "
	    "aria-hidden=\"true\">%s</span>%s</span><span class=\"sc-sub\">", h.css,
	    report_verdict_symbol(h.verdict), h.word);
	report_put_xml_str(out, h.detail, false);
	fputs("</span></td>", out);
	for (i = 0; i < 3; i++) {
		fputs("<td class=\"num\">", out);
		report_html_tally_cell(out, &all.level[i]);
		fputs("</td>", out);
	}
	fputs("<td class=\"num\">", out);
	report_html_tally_cell(out, &all.all);
	fputs("</td></tr>\n", out);
}

static void
mhtml_targets(FILE *out, const struct report_matrix *m)
{
	size_t t;

	fputs("<section>\n<h2>Targets</h2>\n<div class=\"table-wrap\"><table class=\"grid\">\n"
	    "<thead><tr><th>target</th><th>verdict</th><th class=\"num\">MUST</th>"
	    "<th class=\"num\">SHOULD</th><th class=\"num\">MAY</th><th class=\"num\">all"
	    "</th></tr></thead>\n<tbody>\n", out);
	for (t = 0; t < m->ntargets; t++)
		mhtml_target_row(out, m, t);
	fputs("</tbody></table></div>\n</section>\n", out);
}

static void
mhtml_target_heads(FILE *out, const struct report_matrix *m)
{
	size_t t;

	for (t = 0; t < m->ntargets; t++) {
		fputs("<th class=\"target\" scope=\"col\">", out);
		report_put_xml_str(out, m->labels[t], false);
		fputs("</th>", out);
	}
}

/* Met of tested per section and target. */
static void
mhtml_sections(FILE *out, const struct report_matrix *m)
{
	size_t start, end, i, t;

	fputs("<section>\n<h2>By RFC section</h2>\n<div class=\"table-wrap\"><table "
	    "class=\"grid matrix\">\n<thead><tr><th>section</th>", out);
	mhtml_target_heads(out, m);
	fputs("</tr></thead>\n<tbody>\n", out);
	for (start = 0; start < m->nrows; start = end) {
		end = mhtml_group_end(m, start);
		fputs("<tr><th scope=\"row\">", out);
		mhtml_group_name(out, m->rows[start].meta);
		fputs("</th>", out);
		for (t = 0; t < m->ntargets; t++) {
			struct report_tally tally = { 0 };

			for (i = start; i < end; i++)
				if (m->rows[i].cells[t] != NULL &&
				    (unsigned)m->rows[i].cells[t]->verdict < VERDICT_COUNT)
					tally.v[m->rows[i].cells[t]->verdict]++;
			fputs("<td class=\"num\">", out);
			report_html_tally_cell(out, &tally);
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></div>\n</section>\n", out);
}

static void
mhtml_cell(FILE *out, const struct result *r)
{
	size_t len;

	fputs("<td class=\"cell\">", out);
	if (r == NULL) {
		fputs("<span class=\"badge v-none\"><span class=\"sym\" aria-hidden=\"true\">"
		    "\xe2\x80\x94</span>NOT RUN</span></td>", out);
		return;
	}
	report_html_badge(out, r->verdict);
	if (r->message != NULL) {
		len = strlen(r->message);
		fputs("<details><summary>why</summary><pre class=\"msg\">", out);
		report_put_xml(out, r->message, len < MATRIX_MAX_MESSAGE ? len :
		    MATRIX_MAX_MESSAGE, false);
		if (len > MATRIX_MAX_MESSAGE)
			fputs(" \xe2\x80\xa6", out);
		fputs("</pre></details>", out);
	}
	fputs("</td>", out);
}

static void
mhtml_row(FILE *out, const struct report_matrix *m, const struct report_matrix_row *row)
{
	const struct result *r = row->meta;
	size_t t, i;

	fprintf(out, "<tr%s data-verdict=\"", row->differs ? " class=\"differs\" "
	    "data-differs=\"1\"" : "");
	for (t = 0; t < m->ntargets; t++)
		fprintf(out, "%s%s", t > 0 ? " " : "", row->cells[t] != NULL ?
		    verdict_name(row->cells[t]->verdict) : "none");
	fprintf(out, "\" data-level=\"%s\" data-rfc=\"%d\" data-section=\"",
	    level_name(r->level), r->rfc);
	report_put_xml_str(out, r->section, true);
	fputs("\" data-protocol=\"", out);
	for (i = 0; r->protocols != NULL && r->protocols[i] != NULL; i++) {
		fputs(i > 0 ? " " : "", out);
		report_put_xml_str(out, r->protocols[i], true);
	}
	fputs(i == 0 ? "other\"><td><span class=\"sc-id\">" :
	    "\"><td><span class=\"sc-id\">", out);
	report_put_xml_str(out, row->id, false);
	fputs("</span>", out);
	if (row->differs)
		fputs("<span class=\"diff-mark\" title=\"the targets disagree\">\xe2\x89\xa0 "
		    "differs</span>", out);
	fputs("<span class=\"sc-title sc-sub\">", out);
	report_put_xml_str(out, r->title, false);
	fprintf(out, "</span></td><td><span class=\"level level-%s\">%s</span></td>",
	    level_name(r->level), level_name(r->level));
	for (t = 0; t < m->ntargets; t++)
		mhtml_cell(out, row->cells[t]);
	fputs("</tr>\n", out);
}

static void
mhtml_matrix(FILE *out, const struct report_matrix *m)
{
	size_t start, end, i;

	fputs("<div class=\"table-wrap\"><table class=\"grid matrix\">\n<thead><tr>"
	    "<th>scenario</th><th>level</th>", out);
	mhtml_target_heads(out, m);
	fputs("</tr></thead>\n", out);
	for (start = 0; start < m->nrows; start = end) {
		end = mhtml_group_end(m, start);
		fprintf(out, "<tbody class=\"group\" data-group=\"1\"><tr><th colspan=\"%zu\">",
		    m->ntargets + 2);
		mhtml_group_name(out, m->rows[start].meta);
		fputs("</th></tr>\n", out);
		for (i = start; i < end; i++)
			mhtml_row(out, m, &m->rows[i]);
		fputs("</tbody>\n", out);
	}
	fputs("</table></div>\n", out);
}

/* Verdict counts over every cell, and the distinct first protocols. */
static char **
mhtml_filter_data(const struct report_matrix *m, struct report_tally *all, size_t *n_r)
{
	char **protos = calloc(m->nrows + 1, sizeof(*protos));
	size_t i, t, n = 0;

	memset(all, 0, sizeof(*all));
	for (i = 0; i < m->nrows; i++) {
		const char *p = report_first_protocol(m->rows[i].meta);

		for (t = 0; t < m->ntargets; t++)
			if (m->rows[i].cells[t] != NULL &&
			    (unsigned)m->rows[i].cells[t]->verdict < VERDICT_COUNT)
				all->v[m->rows[i].cells[t]->verdict]++;
		if (protos != NULL && (n == 0 || strcmp(protos[n - 1], p) != 0))
			protos[n++] = (char *)(uintptr_t)p;
	}
	*n_r = n;
	return protos;
}

int
report_matrix_html_write(const struct report_matrix *m, FILE *out)
{
	struct report_tally all;
	char **protos;
	size_t nprotos;

	protos = mhtml_filter_data(m, &all, &nprotos);
	if (protos == NULL) {
		errno = ENOMEM;
		return -1;
	}
	report_html_open(out, "mailspec conformance matrix");
	fprintf(out, "<header>\n<p class=\"kicker\">mailspec conformance matrix</p>\n"
	    "<h1>%zu target%s \xc3\x97 %zu scenarios</h1>\n<p>", m->ntargets,
	    m->ntargets == 1 ? "" : "s", m->nrows);
	if (m->ndiffer > 0)
		fprintf(out, "<a href=\"#differs=1\">%zu scenario%s</a> where the targets "
		    "differ, highlighted below.", m->ndiffer, m->ndiffer == 1 ? "" : "s");
	else
		fputs("The targets agree on every scenario.", out);
	fputs("</p>\n</header>\n", out);
	mhtml_targets(out, m);
	mhtml_sections(out, m);
	fputs("<section id=\"scenarios\">\n<h2>Scenarios</h2>\n", out);
	report_html_filters(out, &all, protos, nprotos, true);
	mhtml_matrix(out, m);
	fputs("<p id=\"empty\" class=\"empty\" hidden>No scenario matches these filters."
	    "</p>\n</section>\n", out);
	free(protos);
	return report_html_close(out);
}
