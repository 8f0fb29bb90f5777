/* report_junit.c: JUnit XML in the subset the Surefire and Jenkins schemas
 * share: <testsuites> holding one <testsuite> per protocol (the first one a
 * scenario names), one <testcase> per scenario. The verdict mapping is in
 * reports/README.md.
 *
 * Text is written as XML 1.0: & < > (and " ' in attributes) become entities,
 * CR (and TAB, LF in attributes) character references. Bytes that are not
 * valid UTF-8, and characters XML 1.0 does not allow (control characters,
 * U+FFFE, U+FFFF), are replaced by the transcript escape "\xHH" of each byte.
 */
#include "report_private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define JUNIT_NO_PROTOCOL "other"
/* The most one transcript event may take once escaped. */
#define JUNIT_MAX_EVENT ((size_t)256 << 20)

struct junit_counts {
	size_t tests, failures, errors, skipped;
	uint64_t ms;
};

static void
junit_put_escaped(FILE *out, const char *s, bool is_attr)
{
	report_put_xml_str(out, s, is_attr);
}

/* ` name="value"` */
static void
junit_put_attr(FILE *out, const char *name, const char *value)
{
	fprintf(out, " %s=\"", name);
	junit_put_escaped(out, value != NULL ? value : "", true);
	fputc('"', out);
}

static void
junit_put_attr_count(FILE *out, const char *name, size_t value)
{
	fprintf(out, " %s=\"%zu\"", name, value);
}

/* Milliseconds as seconds with three decimals. */
static void
junit_put_attr_time(FILE *out, uint64_t ms)
{
	fprintf(out, " time=\"%" PRIu64 ".%03" PRIu64 "\"", ms / 1000, ms % 1000);
}

static void
junit_put_property(FILE *out, const char *prefix, const char *name,
    const char *value)
{
	fputs("      <property name=\"", out);
	if (prefix != NULL) {
		junit_put_escaped(out, prefix, true);
		fputc('.', out);
	}
	junit_put_escaped(out, name, true);
	fputc('"', out);
	junit_put_attr(out, "value", value);
	fputs("/>\n", out);
}

static const char *
junit_suite_name(const struct result *r)
{
	if (r->protocols != NULL && r->protocols[0] != NULL)
		return r->protocols[0];
	return JUNIT_NO_PROTOCOL;
}

static bool
junit_is_in_suite(const struct result *r, const char *suite)
{
	return strcmp(junit_suite_name(r), suite) == 0;
}

static void
junit_count_result(const struct result *r, struct junit_counts *c)
{
	c->tests++;
	c->ms += r->duration_ms;
	switch (r->verdict) {
	case VERDICT_FAIL:
	case VERDICT_XPASS:
		c->failures++;
		break;
	case VERDICT_ERROR:
		c->errors++;
		break;
	case VERDICT_UNSUPPORTED:
	case VERDICT_SKIP:
		c->skipped++;
		break;
	default:
		break;
	}
}

/* Run-wide properties, then rfc, section, level and verdict of each test
 * (the schemas allow properties only on the suite). */
static void
junit_write_properties(FILE *out, const struct results_run *run,
    const char *suite)
{
	char num[16], key[64];
	size_t i;

	fputs("    <properties>\n", out);
	junit_put_property(out, NULL, "target", run->target);
	for (i = 0; run->endpoints != NULL && i < run->nendpoints; i++)
		junit_put_property(out, "endpoint", report_endpoint_key(run, i, key),
		    run->endpoints[i].url);
	for (i = 0; i < run->nresults; i++) {
		const struct result *r = &run->results[i];

		if (!junit_is_in_suite(r, suite))
			continue;
		snprintf(num, sizeof(num), "%d", r->rfc);
		junit_put_property(out, r->id, "rfc", num);
		junit_put_property(out, r->id, "section", r->section);
		junit_put_property(out, r->id, "level", level_name(r->level));
		junit_put_property(out, r->id, "verdict", verdict_name(r->verdict));
	}
	fputs("    </properties>\n", out);
}

/* requirement, message and file:line, one per line, escaped as text. */
static void
junit_write_details(FILE *out, const struct result *r)
{
	if (r->requirement != NULL) {
		fputs("requirement: ", out);
		junit_put_escaped(out, r->requirement, false);
		fputc('\n', out);
	}
	if (r->message != NULL) {
		fputs("message: ", out);
		junit_put_escaped(out, r->message, false);
		fputc('\n', out);
	}
	if (r->file != NULL) {
		fputs("at: ", out);
		junit_put_escaped(out, r->file, false);
		if (r->line > 0)
			fprintf(out, ":%d", r->line);
		fputc('\n', out);
	}
}

/* "[  12.345 ms] main C: EHLO x\r\n", bytes in the transcript escape form. */
static int
junit_write_transcript(FILE *out, const struct result *r, struct buf *scratch)
{
	size_t i;

	fputs("transcript:\n", out);
	for (i = 0; r->events != NULL && i < r->nevents; i++) {
		buf_clear(scratch);
		if (!report_event_prefix(scratch, &r->events[i]) ||
		    !report_event_data(scratch, &r->events[i], JUNIT_MAX_EVENT / 4 - 4096))
			return -1;
		report_put_xml(out, scratch->data, scratch->len, false);
		fputc('\n', out);
	}
	return 0;
}

/* <failure>, <error> or <skipped>, for the verdicts that have one. */
static void
junit_write_outcome(FILE *out, const struct result *r)
{
	const char *msg = r->message != NULL ? r->message : verdict_name(r->verdict);

	switch (r->verdict) {
	case VERDICT_FAIL:
	case VERDICT_XPASS:
		fputs("      <failure", out);
		junit_put_attr(out, "message", r->verdict == VERDICT_XPASS ?
		    "xpass: listed as a known failure, but passed" : msg);
		junit_put_attr(out, "type", level_name(r->level));
		fputs(">", out);
		junit_write_details(out, r);
		fputs("</failure>\n", out);
		break;
	case VERDICT_ERROR:
		fputs("      <error", out);
		junit_put_attr(out, "message", msg);
		junit_put_attr(out, "type", "error");
		fputs(">", out);
		junit_write_details(out, r);
		fputs("</error>\n", out);
		break;
	case VERDICT_UNSUPPORTED:
	case VERDICT_SKIP:
		fprintf(out, "      <skipped message=\"%s", verdict_name(r->verdict));
		if (r->message != NULL) {
			fputs(": ", out);
			junit_put_escaped(out, r->message, true);
		}
		fputs("\"/>\n", out);
		break;
	default:
		break;
	}
}

/* <system-out>: a note for non_strict and xfail, the details and the
 * transcript for failures and errors; nothing otherwise. */
static int
junit_write_system_out(FILE *out, const struct result *r, struct buf *scratch)
{
	bool is_failed = r->verdict == VERDICT_FAIL ||
	    r->verdict == VERDICT_XPASS || r->verdict == VERDICT_ERROR;
	int rc = 0;

	if (!is_failed && r->verdict != VERDICT_NON_STRICT &&
	    r->verdict != VERDICT_XFAIL)
		return 0;
	fputs("      <system-out>", out);
	if (r->verdict == VERDICT_NON_STRICT)
		fprintf(out, "non_strict: a %s requirement is not met "
		    "(reported as passed)\n", level_name(r->level));
	else if (r->verdict == VERDICT_XFAIL)
		fputs("xfail: a known failure, failed as expected "
		    "(reported as passed)\n", out);
	else
		fprintf(out, "verdict: %s\n", verdict_name(r->verdict));
	junit_write_details(out, r);
	if (is_failed || r->verdict == VERDICT_NON_STRICT)
		rc = junit_write_transcript(out, r, scratch);
	fputs("</system-out>\n", out);
	return rc;
}

/* Only [A-Za-z0-9_-]: Jenkins splits a classname at its dots. */
static void
junit_put_name_part(FILE *out, const char *s)
{
	for (; *s != '\0'; s++)
		fputc((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' ? *s : '_', out);
}

/* classname="smtp.rfc5321.s4_1_1_1": Jenkins shows package "smtp.rfc5321"
 * (protocol and RFC), class "s4_1_1_1" (the section, dots as '_'). */
static void
junit_put_classname(FILE *out, const struct result *r, const char *suite)
{
	fputs(" classname=\"", out);
	junit_put_name_part(out, suite);
	if (r->rfc > 0)
		fprintf(out, ".rfc%d", r->rfc);
	else
		fputs(".no_rfc", out);
	if (r->section != NULL && r->section[0] != '\0') {
		fputs(".s", out);
		junit_put_name_part(out, r->section);
	} else {
		fputs(".no_section", out);
	}
	fputc('"', out);
}

static int
junit_write_testcase(FILE *out, const struct result *r, const char *suite,
    struct buf *scratch)
{
	int rc;

	fputs("    <testcase", out);
	junit_put_attr(out, "name", r->id);
	junit_put_classname(out, r, suite);
	junit_put_attr_time(out, r->duration_ms);
	if (r->verdict == VERDICT_PASS) {
		fputs("/>\n", out);
		return 0;
	}
	fputs(">\n", out);
	junit_write_outcome(out, r);
	rc = junit_write_system_out(out, r, scratch);
	fputs("    </testcase>\n", out);
	return rc;
}

static int
junit_write_suite(FILE *out, const struct results_run *run, const char *suite,
    struct buf *scratch)
{
	struct junit_counts c = { 0 };
	size_t i;

	for (i = 0; i < run->nresults; i++)
		if (junit_is_in_suite(&run->results[i], suite))
			junit_count_result(&run->results[i], &c);
	fputs("  <testsuite", out);
	junit_put_attr(out, "name", suite);
	junit_put_attr_count(out, "tests", c.tests);
	junit_put_attr_count(out, "failures", c.failures);
	junit_put_attr_count(out, "errors", c.errors);
	junit_put_attr_count(out, "skipped", c.skipped);
	junit_put_attr_time(out, c.ms);
	fputs(">\n", out);
	junit_write_properties(out, run, suite);
	for (i = 0; i < run->nresults; i++)
		if (junit_is_in_suite(&run->results[i], suite) &&
		    junit_write_testcase(out, &run->results[i], suite, scratch) < 0)
			return -1;
	fputs("  </testsuite>\n", out);
	return 0;
}

/* The distinct suite names in order of first appearance, malloc'ed (the
 * names point into the run); NULL with errno ENOMEM. */
static const char **
junit_list_suites(const struct results_run *run, size_t *n_r)
{
	const char **names = calloc(run->nresults + 1, sizeof(*names));
	size_t i, j, n = 0;

	if (names == NULL)
		return NULL;
	for (i = 0; i < run->nresults; i++) {
		const char *name = junit_suite_name(&run->results[i]);

		for (j = 0; j < n && strcmp(names[j], name) != 0; j++)
			continue;
		if (j == n)
			names[n++] = name;
	}
	*n_r = n;
	return names;
}

static void
junit_write_root_open(FILE *out, const struct results_run *run)
{
	struct junit_counts c = { 0 };
	size_t i;

	for (i = 0; i < run->nresults; i++)
		junit_count_result(&run->results[i], &c);
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", out);
	junit_put_attr(out, "name", run->tool != NULL ? run->tool : "mailspec");
	junit_put_attr_count(out, "tests", c.tests);
	junit_put_attr_count(out, "failures", c.failures);
	junit_put_attr_count(out, "errors", c.errors);
	junit_put_attr_time(out, run->duration_ms);
	fputs(">\n", out);
}

int
report_junit_write(const struct results_run *run, FILE *out)
{
	struct results_run empty = { 0 };
	struct buf scratch;
	const char **suites;
	size_t i, n = 0;
	int rc = 0;

	if (run->results == NULL) {
		empty = *run;
		empty.nresults = 0;
		run = &empty;
	}
	suites = junit_list_suites(run, &n);
	if (suites == NULL)
		return -1;
	buf_init(&scratch, JUNIT_MAX_EVENT);
	junit_write_root_open(out, run);
	for (i = 0; i < n && rc == 0; i++)
		rc = junit_write_suite(out, run, suites[i], &scratch);
	fputs("</testsuites>\n", out);
	buf_release(&scratch);
	free(suites);
	if (rc < 0) {
		errno = EFBIG;
		return -1;
	}
	errno = 0;
	if (fflush(out) != 0 || ferror(out)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}
