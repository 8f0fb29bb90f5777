/* test_report_formats.c: the TAP, Markdown and HTML writers, the results
 * reader (round trip through the JSON writer, and its errors), the matrix
 * of several runs, and the shared text helpers: every verdict, hostile
 * bytes (markup, backticks, NUL, 0xFF, invalid UTF-8) in every field.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "report_private.h"
#include "results.h"
#include "unit.h"

#define STARTED_MS 1795322400123LL	/* 2026-11-22T04:40:00.123Z */
#define HAS(text, needle) CHECKF(strstr((text), (needle)) != NULL, "missing: %s", (needle))
#define HASNT(text, needle) CHECKF(strstr((text), (needle)) == NULL, "unexpected: %s", (needle))

static const char hostile[] = "</pre><script>alert(1)</script> ``` | *x* \xff";
static const char wire[] = "220 <b>hi</b>\r\n250-A\r\n250 B\r\n\0\xff\\";

static char **
strv(const char *a, const char *b)
{
	char **v = calloc(3, sizeof(*v));

	v[0] = a != NULL ? strdup(a) : NULL;
	v[1] = a != NULL && b != NULL ? strdup(b) : NULL;
	return v;
}

static void
add_event(struct result *r, enum transcript_dir dir, uint64_t t_us, const char *data,
    size_t len)
{
	struct transcript_event *ev;

	r->events = realloc(r->events, (r->nevents + 1) * sizeof(*r->events));
	ev = &r->events[r->nevents++];
	ev->conn = strdup("main");
	ev->dir = dir;
	ev->t_us = t_us;
	ev->data = malloc(len + 1);
	memcpy(ev->data, data, len);
	ev->data[len] = '\0';
	ev->len = len;
}

static struct result *
add(struct results_run *run, const char *id, int rfc, const char *section,
    enum level level, enum verdict v, const char *message)
{
	struct result *r;

	run->results = realloc(run->results, (run->nresults + 1) * sizeof(*r));
	r = &run->results[run->nresults++];
	memset(r, 0, sizeof(*r));
	r->id = strdup(id);
	r->title = strdup("a <title> & more");
	r->protocols = strv("smtp", NULL);
	r->rfc = rfc;
	r->section = section != NULL ? strdup(section) : NULL;
	r->level = level;
	r->requirement = strdup("The server MUST reply.");
	r->tags = strv("core", NULL);
	r->verdict = v;
	r->duration_ms = 7;
	r->message = message != NULL ? strdup(message) : NULL;
	r->file = strdup("scenarios/smtp/x.yaml");
	r->line = 9;
	return r;
}

static struct results_run *
new_run(const char *target)
{
	struct results_run *run = calloc(1, sizeof(*run));

	run->tool = strdup("mailspec");
	run->version = strdup("0.1.0");
	run->target = strdup(target);
	run->endpoints = calloc(1, sizeof(*run->endpoints));
	run->endpoints[0].name = strdup("smtp");
	run->endpoints[0].url = strdup("smtp://127.0.0.1:2525?a=1&b=<2>");
	run->nendpoints = 1;
	run->started_unix_ms = STARTED_MS;
	run->duration_ms = 1234;
	return run;
}

/* One record of every verdict, hostile text in the failure. */
static struct results_run *
build_run(void)
{
	struct results_run *run = new_run("<script>alert('t')</script>");
	struct result *r;

	add(run, "smtp.pass", 5321, "4.1.1.1", LEVEL_MUST, VERDICT_PASS, NULL);
	r = add(run, "smtp.fail", 5321, "4.1.1.10", LEVEL_MUST, VERDICT_FAIL, hostile);
	add_event(r, TRANSCRIPT_NOTE, 5, "connected", 9);
	add_event(r, TRANSCRIPT_RECV, 1234, wire, sizeof(wire) - 1);
	add_event(r, TRANSCRIPT_SEND, 2000, "EHLO x\r\n", 8);
	add(run, "smtp.should", 5321, "4.1.1.9", LEVEL_SHOULD, VERDICT_NON_STRICT, "no 502");
	add(run, "smtp.unsupported", 3207, "4", LEVEL_MUST, VERDICT_UNSUPPORTED,
	    "server does not advertise STARTTLS # really\nyes");
	add(run, "smtp.skip", 4954, "4", LEVEL_MUST, VERDICT_SKIP, NULL);
	add(run, "smtp.error", 5321, NULL, LEVEL_MAY, VERDICT_ERROR, "over\xc0\xaf");
	add(run, "smtp.xfail", 0, NULL, LEVEL_MUST, VERDICT_XFAIL, "known");
	add(run, "smtp.xpass", 5321, "2", LEVEL_MUST, VERDICT_XPASS, NULL);
	results_count(run);
	return run;
}

static char *
render(int (*fn)(const struct results_run *, FILE *), const struct results_run *run,
    int *rc_r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	*rc_r = fn(run, f);
	fclose(f);
	return text;
}

static size_t
count(const char *text, const char *needle)
{
	size_t n = 0;

	for (; (text = strstr(text, needle)) != NULL; text += strlen(needle))
		n++;
	return n;
}

static void
test_tap(void)
{
	struct results_run *run = build_run();
	int rc;
	char *t = render(report_tap_write, run, &rc);

	CHECK(rc == 0);
	CHECK(strncmp(t, "TAP version 14\n1..8\n", 20) == 0);
	HAS(t, "\nok 1 - smtp.pass\n");
	HAS(t, "\nnot ok 2 - smtp.fail\n  ---\n  verdict: \"fail\"\n  level: \"MUST\"\n"
	    "  rfc: 5321\n  section: \"4.1.1.10\"\n");
	HAS(t, "  message: \"</pre><script>alert(1)</script> ``` | *x* \\xff\"\n");
	HAS(t, "  at:\n    file: \"scenarios/smtp/x.yaml\"\n    line: 9\n");
	HAS(t, "    - \"[     1.234 ms] main S: 220 <b>hi</b>\\\\r\\\\n250-A\\\\r\\\\n"
	    "250 B\\\\r\\\\n\\\\x00\\\\xff\\\\\\\\\"\n");
	HAS(t, "\nok 3 - smtp.should (non_strict: SHOULD not met)\n  ---\n");
	HAS(t, "\nok 4 - smtp.unsupported # SKIP unsupported: server does not advertise "
	    "STARTTLS \\# really yes\n");
	HAS(t, "\nok 5 - smtp.skip # SKIP skip\n");
	HAS(t, "\nnot ok 6 - smtp.error\n  ---\n  verdict: \"error\"");
	HAS(t, "  message: \"over\\xc0\\xaf\"\n");
	HAS(t, "\nnot ok 7 - smtp.xfail # TODO known failure: known\n");
	HAS(t, "\nnot ok 8 - smtp.xpass\n  ---\n");
	CHECK(count(t, "\n  ---\n") == 4 && count(t, "\n  ...\n") == 4);
	HAS(t, "# 1 passed, 1 failed, 2 skipped (1 non_strict, 1 unsupported, 1 skip, "
	    "1 error, 1 xfail, 1 xpass)\n");
	free(t);
	results_run_free(&run);
}

static void
test_markdown(void)
{
	struct results_run *run = build_run();
	int rc;
	char *t = render(report_markdown_write, run, &rc);

	CHECK(rc == 0);
	HAS(t, "## \xe2\x9d\x8c mailspec: Not conformant \xe2\x80\x94 \\<script\\>alert('t')"
	    "\\</script\\>\n");
	HAS(t, "1 MUST requirement not met, 1 known failure passed; 1 SHOULD/MAY not met.");
	HAS(t, "| smtp | **2/4** \xe2\x9d\x8c (+2 n/a) | **0/1** \xe2\x9d\x8c | **0/1** "
	    "\xe2\x9d\x8c | **2/6** \xe2\x9d\x8c (+2 n/a) |\n");
	HAS(t, "| RFC 5321 | \xc2\xa7" "4.1.1.9 |");
	CHECK(strstr(t, "4.1.1.9 |") < strstr(t, "4.1.1.10 |"));
	HAS(t, "### Failures and errors (4)\n");
	HAS(t, "#### \xe2\x9d\x8c FAIL smtp.fail \xe2\x80\x94 a \\<title\\> \\& more\n");
	HAS(t, "````text\n</pre><script>alert(1)</script> ``` | *x* \\xff\n````\n");
	HAS(t, "[     1.234 ms] main S: 220 <b>hi</b>\\r\\n250-A");
	CHECK(strstr(t, "FAIL smtp.fail") < strstr(t, "XPASS smtp.xpass"));
	CHECK(strstr(t, "XPASS smtp.xpass") < strstr(t, "ERROR smtp.error"));
	CHECK(strstr(t, "ERROR smtp.error") < strstr(t, "NON-STRICT smtp.should"));
	HASNT(t, "Truncated");
	free(t);
	results_run_free(&run);
}

/* Many failures under a small limit: cut, with the overflow line. */
static void
test_markdown_cap(void)
{
	struct results_run *run = new_run("big");
	char *big = malloc(100001), id[32], *text = NULL;
	size_t len = 0, i;
	FILE *f;

	memset(big, 'x', 100000);
	big[100000] = '\0';
	for (i = 0; i < 300; i++) {
		snprintf(id, sizeof(id), "smtp.big%03zu", i);
		add_event(add(run, id, 5321, "4.2", LEVEL_MUST, VERDICT_FAIL, big),
		    TRANSCRIPT_RECV, 1, big, 100000);
	}
	f = open_memstream(&text, &len);
	CHECK(report_markdown_write(run, f) == 0);
	fclose(f);
	CHECKF(len < REPORT_MARKDOWN_MAX && len > REPORT_MARKDOWN_MAX - 64 * 1024, "%zu", len);
	HAS(text, "**Truncated:**");
	HAS(text, "more entries (failures or table rows) not shown");
	HAS(text, "#### \xe2\x9d\x8c FAIL smtp.big000");
	HASNT(text, "smtp.big299");
	HAS(text, "\xe2\x80\xa6 (95904 more bytes)");	/* the message, cut at 4 KiB */
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	CHECK(report_markdown_write_max(run, f, 2000) == 0);
	fclose(f);
	CHECKF(len < 2000, "%zu", len);
	HAS(text, "**Truncated:**");
	free(text);
	free(big);
	results_run_free(&run);
}

static void
test_html(void)
{
	struct results_run *run = build_run();
	int rc;
	char *t = render(report_html_write, run, &rc);

	CHECK(rc == 0);
	CHECK(strncmp(t, "<!DOCTYPE html>\n<html lang=\"en\">", 32) == 0);
	HAS(t, "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
	    "script-src 'sha256-");
	CHECK(count(t, "<script") == 1 && count(t, "</script>") == 1);
	HAS(t, "&lt;script&gt;alert('t')&lt;/script&gt;");
	HAS(t, "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt; ``` | *x* \\xff");
	HAS(t, "smtp://127.0.0.1:2525?a=1&amp;b=&lt;2&gt;");
	HAS(t, "<p class=\"word\">\xe2\x9c\x97 Not conformant</p>");
	CHECK(count(t, "<article class=\"sc ") == 8);
	HAS(t, "<article class=\"sc v-fail\" id=\"sc-smtp.fail\" data-verdict=\"fail\" "
	    "data-level=\"MUST\" data-protocol=\"smtp\" data-rfc=\"5321\" "
	    "data-section=\"4.1.1.10\">");
	HAS(t, "<span class=\"data\">220 &lt;b&gt;hi&lt;/b&gt;\\r\\n\n250-A\\r\\n\n250 B"
	    "\\r\\n\n\\x00\\xff\\\\</span>");
	HAS(t, "<details class=\"tx\"><summary>Transcript (3 events;");
	HAS(t, "<a href=\"#rfc=5321&amp;section=4.1.1.10\">\xc2\xa7" "4.1.1.10</a>");
	HAS(t, "name=\"verdict\" value=\"xpass\" checked>");
	HAS(t, "<select name=\"protocol\"><option value=\"\">all</option><option "
	    "value=\"smtp\">smtp</option></select>");
	CHECK(strstr(t, "id=\"sc-smtp.fail\"") < strstr(t, "id=\"sc-smtp.xpass\""));
	CHECK(strstr(t, "id=\"sc-smtp.error\"") < strstr(t, "id=\"sc-smtp.pass\""));
	CHECK(strstr(t, "</html>\n") != NULL);
	free(t);
	results_run_free(&run);
}

/* Write JSON, read it back: every field, transcript bytes exact. */
static void
test_read_roundtrip(void)
{
	struct results_run *run = build_run(), *back = NULL;
	char err[256] = "", *text;
	int rc;
	size_t i;

	text = render(report_json_write, run, &rc);
	CHECK(rc == 0);
	CHECKF(report_read_buffer(text, strlen(text), &back, err, sizeof(err)) == 0, "%s", err);
	free(text);
	if (back == NULL) {
		results_run_free(&run);
		return;
	}
	CHECK(strcmp(back->target, run->target) == 0 && strcmp(back->version, "0.1.0") == 0);
	CHECK(back->started_unix_ms == STARTED_MS && back->duration_ms == 1234);
	CHECK(back->nendpoints == 1 && strcmp(back->endpoints[0].url, run->endpoints[0].url) == 0);
	CHECK(back->nresults == run->nresults && back->counts[VERDICT_FAIL] == 1);
	for (i = 0; i < run->nresults && i < back->nresults; i++) {
		const struct result *a = &run->results[i], *b = &back->results[i];

		CHECKF(strcmp(a->id, b->id) == 0 && a->verdict == b->verdict &&
		    a->level == b->level && a->rfc == b->rfc && a->line == b->line &&
		    a->duration_ms == b->duration_ms && a->nevents == b->nevents, "%s", a->id);
		CHECK((a->section == NULL) == (b->section == NULL));
		CHECK(strcmp(b->protocols[0], "smtp") == 0 && b->protocols[1] == NULL);
	}
	CHECK(strcmp(back->results[1].message, hostile) != 0);	/* 0xff read as U+00FF */
	CHECK(strncmp(back->results[1].message, hostile, sizeof(hostile) - 2) == 0);
	CHECK(back->results[1].events[1].len == sizeof(wire) - 1 &&
	    memcmp(back->results[1].events[1].data, wire, sizeof(wire) - 1) == 0);
	CHECK(back->results[1].events[1].dir == TRANSCRIPT_RECV &&
	    back->results[1].events[1].t_us == 1234);
	CHECK(back->results[0].message == NULL && back->results[6].rfc == 0);
	results_run_free(&back);
	results_run_free(&run);
}

/* The reader's answer to text: 0, or -1 with err containing want. */
static void
check_read_error(const char *text, const char *want)
{
	struct results_run *run = NULL;
	char err[512] = "";

	CHECKF(report_read_buffer(text, strlen(text), &run, err, sizeof(err)) == -1,
	    "accepted: %s", text);
	CHECKF(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"", err, want);
	CHECK(run == NULL);
}

#define RESULT_HEAD "{\"schema\": \"mailspec-results/1\", \"results\": [{\"id\": \"a\", " \
	"\"level\": \"MUST\", \"verdict\": \"pass\""

static void
test_read_errors(void)
{
	static const char nul[] = RESULT_HEAD ", \"message\": \"a\\u0000b\"}]}";
	struct results_run *run = NULL;
	char err[256] = "";

	check_read_error("{\"schema\": \"mailspec-results/2\", \"results\": []}",
	    "unsupported schema version \"mailspec-results/2\": this mailspec (0.1.0) "
	    "reads \"mailspec-results/1\"");
	check_read_error("{\"schema\": \"mailspec-matrix/1\"}", "is a merged matrix");
	check_read_error("{\"results\": []}", "no \"schema\" member");
	check_read_error("[1]", "the top level is not an object");
	check_read_error("{\"schema\": \"mailspec-results/1\",\n \"results\": [}",
	    "not valid JSON: ");
	check_read_error("{\"schema\": \"mailspec-results/1\",\n \"results\": [}", "(line 2,");
	check_read_error("{\"schema\": \"mailspec-results/1\"}", "results: expected an array");
	check_read_error(RESULT_HEAD "}, {\"id\": \"b\", \"level\": \"MUST\", "
	    "\"verdict\": \"great\"}]}", "results[1].verdict: expected one of pass");
	check_read_error("{\"schema\": \"mailspec-results/1\", \"results\": [{\"id\": \"a\", "
	    "\"level\": \"OFTEN\", \"verdict\": \"pass\"}]}", "results[0].level");
	check_read_error(RESULT_HEAD ", \"rfc\": \"5321\"}]}", "results[0].rfc: expected an "
	    "integer");
	check_read_error(RESULT_HEAD ", \"tags\": [1]}]}", "results[0].tags[0]: expected a string");
	check_read_error(RESULT_HEAD ", \"transcript\": [{\"conn\": \"m\", \"dir\": \"recv\", "
	    "\"t_ms\": 1, \"data\": \"a\\\\q\"}]}]}", "transcript[0].data: a bad escape");
	check_read_error(RESULT_HEAD ", \"transcript\": [{\"dir\": \"up\", \"t_ms\": 1, "
	    "\"data\": \"\"}]}]}", "transcript[0].dir");
	check_read_error(RESULT_HEAD "}], \"started\": \"yesterday\"}", "started: expected");
	CHECK(report_read_file("/nonexistent/r.json", &run, err, sizeof(err)) == -1);
	HAS(err, "/nonexistent/r.json: No such file or directory");
	CHECKF(report_read_buffer(nul, strlen(nul), &run, err, sizeof(err)) == 0, "%s", err);
	if (run != NULL) {
		CHECK(strcmp(run->results[0].message, "a\\x00b") == 0);
		CHECK(run->target == NULL && run->started_unix_ms == 0);
		results_run_free(&run);
	}
}

static void
test_matrix(void)
{
	struct results_run *a = new_run("server"), *b = new_run("server");
	const struct results_run *runs[2];
	const char *sources[2] = { "out/a.json", "out/b.json" };
	struct report_matrix *m;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	add(a, "smtp.x", 5321, "4.1.1.10", LEVEL_MUST, VERDICT_PASS, NULL);
	add(a, "smtp.y", 5321, "4.1.1.9", LEVEL_MUST, VERDICT_FAIL, "<y>");
	add(b, "smtp.z", 5321, "2", LEVEL_SHOULD, VERDICT_PASS, NULL);
	add(b, "smtp.y", 5321, "4.1.1.9", LEVEL_MUST, VERDICT_FAIL, "<y>");
	add(b, "smtp.x", 5321, "4.1.1.10", LEVEL_MUST, VERDICT_FAIL, "got 500");
	runs[0] = a;
	runs[1] = b;
	m = report_matrix_new(runs, sources, 2);
	CHECK(m != NULL);
	if (m == NULL)
		goto out;
	CHECK(report_matrix_rows(m) == 3 && report_matrix_differing(m) == 2);
	CHECK(strcmp(m->rows[0].id, "smtp.z") == 0 && m->rows[0].differs);	/* §2 first */
	CHECK(strcmp(m->rows[1].id, "smtp.y") == 0 && !m->rows[1].differs);
	CHECK(strcmp(m->rows[2].id, "smtp.x") == 0 && m->rows[2].differs);
	CHECK(m->rows[0].cells[0] == NULL && m->rows[0].cells[1] == &b->results[0]);
	CHECK(strcmp(m->labels[0], "server") == 0 && strcmp(m->labels[1], "server (b.json)") == 0);

	f = open_memstream(&text, &len);
	CHECK(report_matrix_json_write(m, f) == 0);
	fclose(f);
	HAS(text, "\"schema\": \"mailspec-matrix/1\"");
	HAS(text, "\"summary\": {\n    \"scenarios\": 3,\n    \"differ\": 2\n  }");
	HAS(text, "\"verdicts\": [\n        null,\n        \"pass\"\n      ]");
	HAS(text, "\"source\": \"out/b.json\"");
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	CHECK(report_matrix_html_write(m, f) == 0);
	fclose(f);
	CHECK(count(text, "data-differs=\"1\"") == 2 && count(text, "<script") == 1);
	HAS(text, "data-verdict=\"none pass\"");
	HAS(text, "name=\"differs\"");
	HAS(text, "<th class=\"target\" scope=\"col\">server (b.json)</th>");
	HAS(text, "&lt;y&gt;");
	free(text);
	text = NULL;
	f = open_memstream(&text, &len);
	CHECK(report_matrix_markdown_write(m, f) == 0);
	fclose(f);
	HAS(text, "## mailspec matrix: 2 targets \xc3\x97 3 scenarios, 2 differ\n");
	HAS(text, "### Differences (2)\n");
	HAS(text, "| smtp.z \xe2\x89\xa0<br>");
	HAS(text, "\xe2\x80\x94 not run |");
	free(text);
	report_matrix_free(&m);
	CHECK(m == NULL);
out:
	results_run_free(&a);
	results_run_free(&b);
}

static void
test_text(void)
{
	struct buf b;
	char when[32];

	CHECK(report_section_cmp("4.1.1.9", "4.1.1.10") < 0);
	CHECK(report_section_cmp("4.2", "4.1.1.10") > 0);
	CHECK(report_section_cmp("4", "4.1") < 0 && report_section_cmp("4.1", "4.1") == 0);
	CHECK(report_section_cmp("A.1", "4") > 0 && report_section_cmp(NULL, "1") < 0);
	CHECK(report_section_cmp("3a", "3b") < 0);
	buf_init(&b, 1024);
	CHECK(report_md_inline(&b, "a|b <c> `d` *e*\nf\x01", 100));
	CHECK(strcmp(b.data, "a\\|b \\<c\\> \\`d\\` \\*e\\* f\\x01") == 0);
	buf_clear(&b);
	CHECK(report_md_inline(&b, "abcdef", 3) && strcmp(b.data, "abc\xe2\x80\xa6") == 0);
	buf_clear(&b);
	CHECK(report_md_fenced(&b, "x\r\n```y", 7, 100));
	CHECK(strcmp(b.data, "````text\nx\n```y\n````\n\n") == 0);
	buf_release(&b);
	CHECK(report_format_time(STARTED_MS, when) && strcmp(when, "2026-11-22T04:40:00.123Z") == 0);
	CHECK(report_format_time(-1, when) && strcmp(when, "1969-12-31T23:59:59.999Z") == 0);
}

static void
test_files(void)
{
	struct results_run *run = build_run(), *back = NULL;
	char path[128], err[256];

	snprintf(path, sizeof(path), "/tmp/mailspec-test-formats.%ld.json", (long)getpid());
	CHECK(report_write_file(path, report_json_write, run) == 0);
	CHECKF(report_read_file(path, &back, err, sizeof(err)) == 0, "%s", err);
	CHECK(back != NULL && back->nresults == 8);
	results_run_free(&back);
	CHECK(report_write_file(path, report_html_write, run) == 0);
	CHECK(report_read_file(path, &back, err, sizeof(err)) == -1);
	HAS(err, "not valid JSON");
	unlink(path);
	CHECK(report_write_atomic("/nonexistent-dir/x", NULL, run) == -1 && errno == EINVAL);
	results_run_free(&run);
}

/* A run with no records, and a matrix of no runs, still give whole files. */
static void
test_empty(void)
{
	struct results_run empty = { 0 };
	struct report_matrix *m = report_matrix_new(NULL, NULL, 0);
	char *t, *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	t = render(report_tap_write, &empty, &rc);
	CHECK(rc == 0 && strncmp(t, "TAP version 14\n1..0\n", 20) == 0);
	free(t);
	t = render(report_markdown_write, &empty, &rc);
	CHECK(rc == 0);
	HAS(t, "mailspec: Nothing tested \xe2\x80\x94 unnamed target");
	free(t);
	t = render(report_html_write, &empty, &rc);
	CHECK(rc == 0);
	HAS(t, "Nothing tested</p>");
	HAS(t, "</html>\n");
	free(t);
	CHECK(m != NULL && report_matrix_rows(m) == 0);
	f = open_memstream(&text, &len);
	CHECK(report_matrix_html_write(m, f) == 0 && report_matrix_json_write(m, f) == 0 &&
	    report_matrix_markdown_write(m, f) == 0);
	fclose(f);
	HAS(text, "0 targets \xc3\x97 0 scenarios");
	free(text);
	report_matrix_free(&m);
}

int
main(void)
{
	test_empty();
	test_tap();
	test_markdown();
	test_markdown_cap();
	test_html();
	test_read_roundtrip();
	test_read_errors();
	test_matrix();
	test_text();
	test_files();
	return unit_done("test_report_formats");
}
