/* report_tap.c: TAP version 14 (testanything.org tap-version-14-specification):
 * the version line, the plan, one test point per scenario numbered in run
 * order with the scenario id as description, and a YAML diagnostic block
 * (YAML 1.2, indented two spaces between "  ---" and "  ...") for each
 * failure, error, known failure that passed and unmet SHOULD/MAY.
 *
 *   pass                 ok N - id
 *   fail, xpass, error   not ok N - id            + YAML block
 *   non_strict           ok N - id (non_strict: SHOULD not met) + YAML block
 *   unsupported, skip    ok N - id # SKIP verdict: reason
 *   xfail                not ok N - id # TODO known failure: message
 */
#include "report_private.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json_writer.h"

/* The most of one transcript event shown (the JSON report has it all). */
#define TAP_MAX_EVENT ((size_t)64 << 10)

static bool
tap_is_printable(uint32_t cp)
{
	return (cp >= 0x20 && cp <= 0x7e) || cp == 0x85 ||
	    (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) ||
	    cp >= 0x10000;
}

/* s as a YAML double-quoted scalar: \" \\ \n \r \t, other non-printable
 * characters as \uXXXX, bytes that are not UTF-8 as \xHH. */
static void
tap_put_yaml_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t len = strlen((const char *)p), i = 0, n;
	uint32_t cp;

	fputc('"', out);
	while (i < len) {
		n = json_writer_utf8_decode(p + i, len - i, &cp);
		if (n == 0) {
			fprintf(out, "\\x%02x", p[i++]);
			continue;
		}
		if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (int)cp);
		else if (cp == '\n' || cp == '\r' || cp == '\t')
			fputs(cp == '\n' ? "\\n" : cp == '\r' ? "\\r" : "\\t", out);
		else if (!tap_is_printable(cp))
			fprintf(out, "\\u%04x", (unsigned)cp);
		else
			fwrite(p + i, 1, n, out);
		i += n;
	}
	fputc('"', out);
}

/* A description or directive text on the test point line: one line,
 * '#' and '\' escaped (TAP 14 "Escaping"), control bytes as spaces. */
static void
tap_put_line_text(FILE *out, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s != NULL && s[i] != '\0' && i < max; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '#' || c == '\\')
			fputc('\\', out);
		fputc(c < 0x20 || c == 0x7f ? ' ' : c, out);
	}
	if (s != NULL && i == max && s[i] != '\0')
		fputs("...", out);
}

static void
tap_put_key(FILE *out, const char *key, const char *value)
{
	if (value == NULL)
		return;
	fprintf(out, "  %s: ", key);
	tap_put_yaml_string(out, value);
	fputc('\n', out);
}

static int
tap_write_transcript(FILE *out, const struct result *r, struct buf *scratch)
{
	size_t i;

	if (r->events == NULL || r->nevents == 0)
		return 0;
	fputs("  transcript:\n", out);
	for (i = 0; i < r->nevents; i++) {
		buf_clear(scratch);
		if (!report_event_prefix(scratch, &r->events[i]) ||
		    !report_event_data(scratch, &r->events[i], TAP_MAX_EVENT))
			return -1;
		fputs("    - ", out);
		tap_put_yaml_string(out, scratch->data);
		fputc('\n', out);
	}
	return 0;
}

/* The YAML diagnostic block of a result. */
static int
tap_write_yaml(FILE *out, const struct result *r, struct buf *scratch)
{
	int rc;

	fputs("  ---\n", out);
	tap_put_key(out, "verdict", verdict_name(r->verdict));
	tap_put_key(out, "level", level_name(r->level));
	if (r->rfc > 0)
		fprintf(out, "  rfc: %d\n", r->rfc);
	tap_put_key(out, "section", r->section);
	tap_put_key(out, "title", r->title);
	tap_put_key(out, "requirement", r->requirement);
	tap_put_key(out, "message", r->message);
	if (r->file != NULL) {
		fputs("  at:\n  ", out);
		tap_put_key(out, "file", r->file);
		if (r->line > 0)
			fprintf(out, "    line: %d\n", r->line);
	}
	fprintf(out, "  duration_ms: %" PRIu64 "\n", r->duration_ms);
	rc = tap_write_transcript(out, r, scratch);
	fputs("  ...\n", out);
	return rc;
}

static bool
tap_has_yaml(enum verdict v)
{
	return v == VERDICT_FAIL || v == VERDICT_XPASS || v == VERDICT_ERROR ||
	    v == VERDICT_NON_STRICT;
}

static int
tap_write_point(FILE *out, size_t n, const struct result *r, struct buf *scratch)
{
	bool is_ok = r->verdict == VERDICT_PASS || r->verdict == VERDICT_NON_STRICT ||
	    r->verdict == VERDICT_UNSUPPORTED || r->verdict == VERDICT_SKIP;

	fprintf(out, "%sok %zu - ", is_ok ? "" : "not ", n);
	tap_put_line_text(out, r->id != NULL ? r->id : "(no id)", 1024);
	if (r->verdict == VERDICT_NON_STRICT) {
		fprintf(out, " (non_strict: %s not met)", level_name(r->level));
	} else if (r->verdict == VERDICT_UNSUPPORTED || r->verdict == VERDICT_SKIP) {
		fprintf(out, " # SKIP %s", verdict_name(r->verdict));
		if (r->message != NULL)
			fputs(": ", out);
		tap_put_line_text(out, r->message, 512);
	} else if (r->verdict == VERDICT_XFAIL) {
		fputs(" # TODO known failure", out);
		if (r->message != NULL)
			fputs(": ", out);
		tap_put_line_text(out, r->message, 512);
	}
	fputc('\n', out);
	return tap_has_yaml(r->verdict) ? tap_write_yaml(out, r, scratch) : 0;
}

int
report_tap_write(const struct results_run *run, FILE *out)
{
	size_t counts[VERDICT_COUNT], i, n = run->results != NULL ? run->nresults : 0;
	struct buf scratch;
	int rc = 0;

	report_count(run, counts);
	buf_init(&scratch, TAP_MAX_EVENT * 4 + 4096);
	fprintf(out, "TAP version 14\n1..%zu\n# mailspec %s, target: ", n,
	    run->version != NULL ? run->version : MAILSPEC_VERSION);
	tap_put_line_text(out, run->target != NULL ? run->target : "(unnamed)", 256);
	fputc('\n', out);
	for (i = 0; i < n && rc == 0; i++)
		rc = tap_write_point(out, i + 1, &run->results[i], &scratch);
	buf_release(&scratch);
	if (rc < 0) {
		errno = ENOMEM;
		return -1;
	}
	fprintf(out, "# %zu passed, %zu failed, %zu skipped (%zu non_strict, "
	    "%zu unsupported, %zu skip, %zu error, %zu xfail, %zu xpass)\n",
	    counts[VERDICT_PASS], counts[VERDICT_FAIL],
	    counts[VERDICT_UNSUPPORTED] + counts[VERDICT_SKIP],
	    counts[VERDICT_NON_STRICT], counts[VERDICT_UNSUPPORTED],
	    counts[VERDICT_SKIP], counts[VERDICT_ERROR], counts[VERDICT_XFAIL],
	    counts[VERDICT_XPASS]);
	errno = 0;
	if (fflush(out) != 0 || ferror(out)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}
