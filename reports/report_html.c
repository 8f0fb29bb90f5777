/* report_html.c: the HTML report of one run: a self-contained page with
 * the headline verdict, MUST/SHOULD/MAY counts (RFC 2119) per protocol and
 * per RFC section, and every scenario (problems first) with its verdict,
 * requirement, expected vs actual and a collapsible transcript; filters by
 * verdict, protocol, level, section and text. Shell, badges, filters and
 * transcripts come from report_html_page.c.
 */
#include "report_private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The most of a message shown (the results JSON keeps it all). */
#define HTML_MAX_MESSAGE ((size_t)32 << 10)

/* Text, cut after max bytes with a note. */
static void
html_put_capped(FILE *out, const char *s, size_t max)
{
	size_t len = strlen(s);

	report_put_xml(out, s, len < max ? len : max, false);
	if (len > max)
		fprintf(out, " \xe2\x80\xa6 (%zu more bytes, see the results JSON)", len - max);
}

static void
html_header(FILE *out, const struct results_run *run, const size_t *counts)
{
	struct report_headline h;
	unsigned i;

	fputs("<header>\n<p class=\"kicker\">mailspec conformance report</p>\n"
	    "<h1 class=\"target-name\">", out);
	report_put_xml_str(out, run->target != NULL ? run->target : "unnamed target", false);
	fputs("</h1>\n", out);
	report_html_target_meta(out, run);
	fputs("</header>\n", out);
	report_headline_make(counts, &h);
	fprintf(out, "<section class=\"headline v-%s\" aria-label=\"Verdict\">\n"
	    "<p class=\"word\">%s %s</p>\n<p class=\"detail\">", h.css,
	    report_verdict_symbol(h.verdict), h.word);
	report_put_xml_str(out, h.detail, false);
	fputs("</p>\n<ul class=\"counts\">\n", out);
	for (i = 0; i < VERDICT_COUNT; i++) {
		fprintf(out, "<li%s>", counts[i] == 0 ? " class=\"zero\"" : "");
		report_html_badge(out, (enum verdict)i);
		fprintf(out, "<b>%zu</b></li>\n", counts[i]);
	}
	fputs("</ul>\n</section>\n", out);
}

static void
html_level_head(FILE *out, const char *first)
{
	fprintf(out, "<div class=\"table-wrap\"><table class=\"grid\">\n<thead><tr>%s"
	    "<th class=\"num\">MUST</th><th class=\"num\">SHOULD</th>"
	    "<th class=\"num\">MAY</th><th class=\"num\">all</th>", first);
}

static void
html_level_cells(FILE *out, const struct report_group *g)
{
	int l;

	for (l = 0; l < 3; l++) {
		fputs("<td class=\"num\">", out);
		report_html_tally_cell(out, &g->level[l]);
		fputs("</td>", out);
	}
	fputs("<td class=\"num\">", out);
	report_html_tally_cell(out, &g->all);
	fputs("</td>", out);
}

static int
html_protocol_table(FILE *out, const struct results_run *run)
{
	struct report_groups gs;
	size_t i;

	if (report_groups_by_protocol(run, &gs) < 0)
		return -1;
	fputs("<section>\n<h2>By protocol and level</h2>\n<p class=\"at\">Requirements met "
	    "of those tested; unsupported and skipped scenarios are not applicable "
	    "(n/a).</p>\n", out);
	html_level_head(out, "<th>Protocol</th>");
	fputs("</tr></thead>\n<tbody>\n", out);
	for (i = 0; i < gs.n; i++) {
		fputs("<tr><th scope=\"row\"><a href=\"#protocol=", out);
		report_put_url(out, gs.g[i].protocol);
		fputs("\">", out);
		report_put_xml_str(out, gs.g[i].protocol, false);
		fputs("</a></th>", out);
		html_level_cells(out, &gs.g[i]);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></div>\n</section>\n", out);
	report_groups_free(&gs);
	return 0;
}

/* The worst verdict of a group: the one listed first among problems. */
static enum verdict
html_worst(const struct report_tally *t)
{
	enum verdict worst = VERDICT_PASS;
	unsigned i;

	for (i = 0; i < VERDICT_COUNT; i++)
		if (t->v[i] > 0 && report_verdict_rank((enum verdict)i) <
		    report_verdict_rank(worst))
			worst = (enum verdict)i;
	return worst;
}

static void
html_section_link(FILE *out, const struct report_group *g)
{
	fprintf(out, "<a href=\"#rfc=%d", g->rfc);
	if (g->section != NULL) {
		fputs("&amp;section=", out);
		report_put_url(out, g->section);
	}
	fputs("\">", out);
	if (g->section != NULL) {
		fputs("\xc2\xa7", out);
		report_put_xml_str(out, g->section, false);
	} else {
		fputs("(no section)", out);
	}
	fputs("</a>", out);
}

static int
html_section_table(FILE *out, const struct results_run *run)
{
	struct report_groups gs;
	size_t i;

	if (report_groups_by_section(run, &gs) < 0)
		return -1;
	fputs("<section>\n<h2>By RFC section</h2>\n", out);
	html_level_head(out, "<th>RFC</th><th>Section</th>");
	fputs("<th>worst</th></tr></thead>\n<tbody>\n", out);
	for (i = 0; i < gs.n; i++) {
		if (gs.g[i].rfc > 0)
			fprintf(out, "<tr><td>RFC %d</td><td>", gs.g[i].rfc);
		else
			fputs("<tr><td>\xe2\x80\x94</td><td>", out);
		html_section_link(out, &gs.g[i]);
		fputs("</td>", out);
		html_level_cells(out, &gs.g[i]);
		fputs("<td>", out);
		report_html_badge(out, html_worst(&gs.g[i].all));
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n</section>\n", out);
	report_groups_free(&gs);
	return 0;
}

/* data-protocol="smtp imap" and the rest of the filter attributes. */
static void
html_scenario_attrs(FILE *out, const struct result *r)
{
	size_t i;

	fprintf(out, " data-verdict=\"%s\" data-level=\"%s\" data-protocol=\"",
	    verdict_name(r->verdict), level_name(r->level));
	for (i = 0; r->protocols != NULL && r->protocols[i] != NULL; i++) {
		if (i > 0)
			fputc(' ', out);
		report_put_xml_str(out, r->protocols[i], true);
	}
	if (r->protocols == NULL || r->protocols[0] == NULL)
		fputs("other", out);
	fprintf(out, "\" data-rfc=\"%d\" data-section=\"", r->rfc);
	report_put_xml_str(out, r->section, true);
	fputc('"', out);
}

static const char *
html_message_heading(enum verdict v)
{
	switch (v) {
	case VERDICT_UNSUPPORTED:
	case VERDICT_SKIP: return "Reason";
	case VERDICT_ERROR: return "Error";
	case VERDICT_XFAIL: return "Known failure";
	default: return "Expected vs actual";
	}
}

static void
html_scenario_head(FILE *out, const struct result *r)
{
	const char *id = r->id != NULL ? r->id : "";

	fprintf(out, "<article class=\"sc v-%s\" id=\"sc-", verdict_name(r->verdict));
	report_put_xml_str(out, id, true);
	fputc('"', out);
	html_scenario_attrs(out, r);
	fputs(">\n<header>", out);
	report_html_badge(out, r->verdict);
	fputs(" <a class=\"sc-id\" href=\"#sc-", out);
	report_put_url(out, id);
	fputs("\">", out);
	report_put_xml_str(out, id, false);
	fputs("</a> <span class=\"sc-title\">", out);
	report_put_xml_str(out, r->title, false);
	fputs("</span> <span class=\"sc-ref\">", out);
	if (r->rfc > 0)
		fprintf(out, "RFC %d ", r->rfc);
	if (r->section != NULL) {
		fputs("\xc2\xa7", out);
		report_put_xml_str(out, r->section, false);
	}
	fprintf(out, " <span class=\"level level-%s\">%s</span> \xc2\xb7 %" PRIu64
	    " ms</span></header>\n", level_name(r->level), level_name(r->level),
	    r->duration_ms);
}

static int
html_scenario(FILE *out, const struct result *r)
{
	html_scenario_head(out, r);
	if (r->requirement != NULL) {
		fputs("<blockquote class=\"req\">", out);
		html_put_capped(out, r->requirement, HTML_MAX_MESSAGE);
		fputs("</blockquote>\n", out);
	}
	if (r->message != NULL) {
		fprintf(out, "<div class=\"why\"><h3>%s</h3><pre class=\"msg\">",
		    html_message_heading(r->verdict));
		html_put_capped(out, r->message, HTML_MAX_MESSAGE);
		fputs("</pre></div>\n", out);
	}
	if (r->file != NULL) {
		fputs("<p class=\"at\">at <code>", out);
		report_put_xml_str(out, r->file, false);
		if (r->line > 0)
			fprintf(out, ":%d", r->line);
		fputs("</code></p>\n", out);
	}
	if (report_html_transcript(out, r) < 0)
		return -1;
	fputs("</article>\n", out);
	return 0;
}

/* Problems first (by verdict rank), then run order. */
static int
html_order_cmp(const void *pa, const void *pb)
{
	const struct result *a = *(const struct result *const *)pa;
	const struct result *b = *(const struct result *const *)pb;
	int ra = report_verdict_rank(a->verdict), rb = report_verdict_rank(b->verdict);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	return a < b ? -1 : a > b;
}

static int
html_scenarios(FILE *out, const struct results_run *run, const size_t *counts)
{
	struct report_tally all;
	struct report_groups gs;
	const struct result **order;
	char **protos;
	size_t i, n = run->results != NULL ? run->nresults : 0;
	int rc = 0;

	memcpy(all.v, counts, sizeof(all.v));
	order = calloc(n + 1, sizeof(*order));
	if (order == NULL || report_groups_by_protocol(run, &gs) < 0) {
		free(order);
		return -1;
	}
	protos = calloc(gs.n + 1, sizeof(*protos));
	for (i = 0; protos != NULL && i < gs.n; i++)
		protos[i] = (char *)(uintptr_t)gs.g[i].protocol;
	for (i = 0; i < n; i++)
		order[i] = &run->results[i];
	qsort(order, n, sizeof(*order), html_order_cmp);
	fputs("<section id=\"scenarios\">\n<h2>Scenarios</h2>\n", out);
	report_html_filters(out, &all, protos, protos != NULL ? gs.n : 0, false);
	fputs("<div id=\"list\">\n", out);
	for (i = 0; i < n && rc == 0; i++)
		rc = html_scenario(out, order[i]);
	fputs("</div>\n<p id=\"empty\" class=\"empty\" hidden>No scenario matches "
	    "these filters.</p>\n</section>\n", out);
	free(protos);
	free(order);
	report_groups_free(&gs);
	return rc;
}

int
report_html_write(const struct results_run *run, FILE *out)
{
	size_t counts[VERDICT_COUNT];
	char title[512];

	report_count(run, counts);
	snprintf(title, sizeof(title), "mailspec report: %s",
	    run->target != NULL ? run->target : "unnamed target");
	report_html_open(out, title);
	html_header(out, run, counts);
	if (html_protocol_table(out, run) < 0 || html_section_table(out, run) < 0 ||
	    html_scenarios(out, run, counts) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return report_html_close(out);
}
