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
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json_writer.h"

#define JUNIT_NO_PROTOCOL "other"
/* The most one transcript event may take once escaped. */
#define JUNIT_MAX_EVENT ((size_t)256 << 20)

struct junit_counts {
	size_t tests, failures, errors, skipped;
	uint64_t ms;
};

static bool
junit_is_xml_char(uint32_t cp)
{
	return cp == 0x9 || cp == 0xa || cp == 0xd ||
	    (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
	    (cp >= 0x10000 && cp <= 0x10ffff);
}

/* The replacement or entity for the character at p, or NULL to copy it;
 * *n_r is set to the bytes it covers. esc must hold 16 bytes. */
static const char *
junit_escape_char(const unsigned char *p, size_t n, bool is_attr,
    char esc[16], size_t *n_r)
{
	uint32_t cp;
	size_t len = json_writer_utf8_decode(p, n, &cp);

	*n_r = len > 0 ? len : 1;
	if (len == 0 || !junit_is_xml_char(cp)) {
		*n_r = 1;	/* one byte at a time: "\xHH" each */
		snprintf(esc, 16, "\\x%02x", p[0]);
		return esc;
	}
	switch (cp) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '\r': return "&#13;";
	case '"': return is_attr ? "&quot;" : NULL;
	case '\'': return is_attr ? "&apos;" : NULL;
	case '\n': return is_attr ? "&#10;" : NULL;
	case '\t': return is_attr ? "&#9;" : NULL;
	}
	return NULL;
}

static void
junit_put_escaped(FILE *out, const char *s, bool is_attr)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, i = 0, run = 0, n;
	char esc[16];
	const char *rep;

	if (s == NULL)
		return;
	len = strlen(s);
	while (i < len) {
		rep = junit_escape_char(p + i, len - i, is_attr, esc, &n);
		if (rep == NULL) {
			i += n;
			continue;
		}
		fwrite(s + run, 1, i - run, out);
		fputs(rep, out);
		i += n;
		run = i;
	}
	fwrite(s + run, 1, len - run, out);
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
	char num[16];
	size_t i;

	fputs("    <properties>\n", out);
	junit_put_property(out, NULL, "target", run->target);
	for (i = 0; run->endpoints != NULL && i < run->nendpoints; i++)
		if (run->endpoints[i].name != NULL)
			junit_put_property(out, "endpoint", run->endpoints[i].name,
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
	static const char *const dirs[] = { "C:", "S:", "--" };
	size_t i;

	fputs("transcript:\n", out);
	for (i = 0; r->events != NULL && i < r->nevents; i++) {
		const struct transcript_event *ev = &r->events[i];
		unsigned dir = (unsigned)ev->dir <= TRANSCRIPT_NOTE ? ev->dir : 2;

		buf_clear(scratch);
		if (ev->data != NULL && !buf_append_escaped(scratch, ev->data, ev->len))
			return -1;
		fprintf(out, "[%6" PRIu64 ".%03" PRIu64 " ms] ",
		    ev->t_us / 1000, ev->t_us % 1000);
		junit_put_escaped(out, ev->conn != NULL ? ev->conn : "-", false);
		fprintf(out, " %s ", dirs[dir]);
		junit_put_escaped(out, scratch->len > 0 ? scratch->data : "", false);
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
	if (is_failed)
		rc = junit_write_transcript(out, r, scratch);
	fputs("</system-out>\n", out);
	return rc;
}

static int
junit_write_testcase(FILE *out, const struct result *r, const char *suite,
    struct buf *scratch)
{
	int rc;

	fputs("    <testcase", out);
	junit_put_attr(out, "name", r->id);
	fputs(" classname=\"", out);
	junit_put_escaped(out, suite, true);
	if (r->rfc > 0)
		fprintf(out, ".rfc%d", r->rfc);
	fputc('"', out);
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
