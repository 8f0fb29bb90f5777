/* test_reports.c: the results model, the JSON writer, and the JSON and
 * JUnit reports: every verdict, odd bytes (NUL, 0xFF, quotes, <&>, invalid
 * UTF-8) in messages and transcripts; files checked with python3's json
 * module and xmllint.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json_writer.h"
#include "report.h"
#include "results.h"
#include "unit.h"

#define STARTED_MS 1795322400123LL	/* 2026-11-22T04:40:00.123Z */

static char **
test_strv(const char *a, const char *b)
{
	char **v = calloc(3, sizeof(*v));

	if (a != NULL)
		v[0] = strdup(a);
	if (a != NULL && b != NULL)
		v[1] = strdup(b);
	return v;
}

static void
test_add_event(struct result *r, const char *conn, enum transcript_dir dir,
    uint64_t t_us, const char *data, size_t len)
{
	struct transcript_event *ev;

	r->events = realloc(r->events, (r->nevents + 1) * sizeof(*r->events));
	ev = &r->events[r->nevents++];
	ev->conn = strdup(conn);
	ev->dir = dir;
	ev->t_us = t_us;
	ev->data = malloc(len + 1);
	memcpy(ev->data, data, len);
	ev->data[len] = '\0';
	ev->len = len;
}

static struct result *
test_add_result(struct results_run *run, const char *id, const char *proto,
    int rfc, enum level level, enum verdict v, const char *message)
{
	struct result *r;

	run->results = realloc(run->results, (run->nresults + 1) * sizeof(*r));
	r = &run->results[run->nresults++];
	memset(r, 0, sizeof(*r));
	r->id = strdup(id);
	r->title = strdup("a title");
	r->protocols = proto != NULL ? test_strv(proto, NULL) : NULL;
	r->rfc = rfc;
	r->section = strdup("4.1.1.1");
	r->level = level;
	r->requirement = strdup("The server MUST reply.");
	r->tags = test_strv("core", "t<&>");
	r->verdict = v;
	r->duration_ms = 12;
	r->message = message != NULL ? strdup(message) : NULL;
	r->file = strdup("scenarios/smtp/x.yaml");
	r->line = 12;
	return r;
}

static const char odd_msg[] =
    "expected \"250\" <&> 'x'\x01 got \xff\tend\r\n";
static const char bad_utf8[] =
    "over\xc0\xaf sur\xed\xa0\x80 ok\xc3\xa9\xe2\x82\xac nonchar\xef\xbf\xbe";
static const char wire[] = "EHLO x\r\n\0\xff\\";

static struct results_run *
test_build_run(void)
{
	struct results_run *run = calloc(1, sizeof(*run));
	struct result *r;

	run->tool = strdup("mailspec");
	run->version = strdup("0.1.0");
	run->target = strdup("bundled \"ref\" <server>");
	run->endpoints = calloc(2, sizeof(*run->endpoints));
	run->nendpoints = 2;
	run->endpoints[0].name = strdup("smtp");
	run->endpoints[0].url = strdup("smtp://127.0.0.1:2525");
	run->endpoints[1].name = strdup("imap");
	run->endpoints[1].url = strdup("imap://127.0.0.1:1143?a=1&b=2");
	run->started_unix_ms = STARTED_MS;
	run->duration_ms = 1234;

	test_add_result(run, "smtp.pass", "smtp", 5321, LEVEL_MUST, VERDICT_PASS, NULL);
	r = test_add_result(run, "smtp.fail", "smtp", 5321, LEVEL_MUST,
	    VERDICT_FAIL, odd_msg);
	test_add_event(r, "main", TRANSCRIPT_NOTE, 5, "connect", 7);
	test_add_event(r, "main", TRANSCRIPT_RECV, 1234, "220 hi\r\n", 8);
	test_add_event(r, "main", TRANSCRIPT_SEND, 12345678, wire, sizeof(wire) - 1);
	test_add_result(run, "pop3.should", "pop3", 1939, LEVEL_SHOULD,
	    VERDICT_NON_STRICT, "no APOP");
	test_add_result(run, "imap.idle", "imap", 3501, LEVEL_MUST,
	    VERDICT_UNSUPPORTED, "server does not advertise IDLE");
	test_add_result(run, "imap.after", "imap", 3501, LEVEL_MUST, VERDICT_SKIP, NULL);
	r = test_add_result(run, "smtp.error", NULL, 5321, LEVEL_MAY,
	    VERDICT_ERROR, bad_utf8);
	r->protocols = test_strv("smtp", "imap");
	test_add_event(r, "second", TRANSCRIPT_SEND, 0, "", 0);
	test_add_result(run, "smtp.xfail", "smtp", 5321, LEVEL_MUST, VERDICT_XFAIL,
	    "known");
	test_add_result(run, "smtp.xpass", "smtp", 5321, LEVEL_MUST, VERDICT_XPASS,
	    NULL);
	r = test_add_result(run, "bare", NULL, 0, LEVEL_MUST, VERDICT_PASS, NULL);
	result_clear(r);
	r->id = strdup("bare");
	results_count(run);
	return run;
}

/* Render with fn into a malloc'ed string. */
static char *
test_render(int (*fn)(const struct results_run *, FILE *),
    const struct results_run *run, int *rc_r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	*rc_r = fn(run, f);
	fclose(f);
	return text;
}

static bool
test_is_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;
	uint32_t cp;

	while (i < n) {
		k = json_writer_utf8_decode(p + i, n - i, &cp);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

/* Any control byte but LF (and TAB if is_tab_ok)? */
static bool
test_has_control(const char *s, bool is_tab_ok)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 && *s != '\n' && !(is_tab_ok && *s == '\t'))
			return true;
	return false;
}

#define HAS(text, needle) CHECKF(strstr((text), (needle)) != NULL, \
	"missing: %s", (needle))
#define HASNT(text, needle) CHECKF(strstr((text), (needle)) == NULL, \
	"unexpected: %s", (needle))

static void
test_model(void)
{
	struct results_run *run = test_build_run();
	struct results_run *none = NULL;
	size_t i;

	CHECK(strcmp(verdict_name(VERDICT_NON_STRICT), "non_strict") == 0);
	CHECK(strcmp(verdict_name(VERDICT_XPASS), "xpass") == 0);
	CHECK(strcmp(verdict_name(VERDICT_COUNT), "unknown") == 0);
	CHECK(strcmp(level_name(LEVEL_SHOULD), "SHOULD") == 0);
	CHECK(run->counts[VERDICT_PASS] == 2);
	for (i = 1; i < VERDICT_COUNT; i++)
		CHECKF(run->counts[i] == 1, "%s: %zu", verdict_name((enum verdict)i),
		    run->counts[i]);
	results_run_free(&run);
	CHECK(run == NULL);
	results_run_free(&none);
	run = calloc(1, sizeof(*run));
	results_run_free(&run);		/* all fields NULL */
}

static void
test_utf8(void)
{
	static const struct {
		const char *in;
		size_t len;
		uint32_t cp;
	} cases[] = {
		{ "A", 1, 'A' }, { "\xc3\xa9", 2, 0xe9 }, { "\xe2\x82\xac", 3, 0x20ac },
		{ "\xf0\x9f\x93\xa7", 4, 0x1f4e7 }, { "\xf4\x8f\xbf\xbf", 4, 0x10ffff },
		{ "\xc0\xaf", 0, 0 }, { "\xc1\xbf", 0, 0 }, { "\xe0\x80\xaf", 0, 0 },
		{ "\xed\xa0\x80", 0, 0 }, { "\xf4\x90\x80\x80", 0, 0 }, { "\xff", 0, 0 },
		{ "\x80", 0, 0 }, { "\xc3", 0, 0 }, { "\xe2\x82", 0, 0 }, { "\xc3(", 0, 0 },
	};
	size_t i, n;
	uint32_t cp;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cp = 0;
		n = json_writer_utf8_decode((const unsigned char *)cases[i].in,
		    strlen(cases[i].in), &cp);
		CHECKF(n == cases[i].len && (n == 0 || cp == cases[i].cp),
		    "case %zu: len %zu cp %x", i, n, (unsigned)cp);
	}
}

static void
test_writer_shape(void)
{
	static const char want[] = "{\n  \"a\": [\n    1,\n    true,\n    -0.050\n"
	    "  ],\n  \"b\": {},\n  \"c\": [],\n  \"d\": null,\n  \"e\": \"\\u0000x\"\n}\n";
	struct json_writer w;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	json_writer_init(&w, f);
	json_writer_begin_object(&w);
	json_writer_key(&w, "a");
	json_writer_begin_array(&w);
	json_writer_int(&w, 1);
	json_writer_bool(&w, true);
	json_writer_fixed(&w, -50, 3);
	json_writer_end_array(&w);
	json_writer_key(&w, "b");
	json_writer_begin_object(&w);
	json_writer_end_object(&w);
	json_writer_key(&w, "c");
	json_writer_begin_array(&w);
	json_writer_end_array(&w);
	json_writer_key(&w, "d");
	json_writer_string(&w, NULL);
	json_writer_key(&w, "e");
	json_writer_string_len(&w, "\0x", 2);
	json_writer_end_object(&w);
	CHECK(json_writer_finish(&w) == 0);
	fclose(f);
	CHECKF(strcmp(text, want) == 0, "got:\n%s", text);
	free(text);
}

static void
test_writer_misuse(void)
{
	struct json_writer w;
	FILE *f = fopen("/dev/null", "w");
	int i;

	json_writer_init(&w, f);		/* value where a key is due */
	json_writer_begin_object(&w);
	CHECK(json_writer_int(&w, 1) == -1);
	CHECK(json_writer_end_object(&w) == -1);
	CHECK(json_writer_finish(&w) == -1 && errno == EINVAL);

	json_writer_init(&w, f);		/* key in an array */
	json_writer_begin_array(&w);
	CHECK(json_writer_key(&w, "k") == -1);

	json_writer_init(&w, f);		/* unbalanced */
	json_writer_begin_array(&w);
	CHECK(json_writer_end_object(&w) == -1);

	json_writer_init(&w, f);		/* unfinished, and two roots */
	json_writer_begin_array(&w);
	CHECK(json_writer_finish(&w) == -1 && errno == EINVAL);
	json_writer_init(&w, f);
	json_writer_null(&w);
	CHECK(json_writer_null(&w) == -1);

	json_writer_init(&w, f);		/* the depth limit */
	for (i = 0; i < JSON_WRITER_MAX_DEPTH; i++)
		CHECK(json_writer_begin_array(&w) == 0);
	CHECK(json_writer_begin_array(&w) == -1);
	CHECK(json_writer_finish(&w) == -1 && errno == EINVAL);
	fclose(f);
}

static void
test_json_text(const char *t)
{
	HAS(t, "\"schema\": \"mailspec-results/1\"");
	HAS(t, "\"tool\": {\n    \"name\": \"mailspec\",\n    \"version\": \"0.1.0\"\n  }");
	HAS(t, "\"name\": \"bundled \\\"ref\\\" <server>\"");
	HAS(t, "\"smtp\": \"smtp://127.0.0.1:2525\"");
	HAS(t, "\"started\": \"2026-11-22T04:40:00.123Z\"");
	HAS(t, "\"duration_ms\": 1234,");
	HAS(t, "\"total\": 9,");
	HAS(t, "\"pass\": 2,");
	HAS(t, "\"non_strict\": 1,");
	HAS(t, "\"xpass\": 1\n");
	HAS(t, "\"protocols\": [\n        \"smtp\",\n        \"imap\"\n      ]");
	HAS(t, "\"rfc\": 5321,");
	HAS(t, "\"level\": \"SHOULD\"");
	HAS(t, "\"verdict\": \"non_strict\"");
	HAS(t, "\"t<&>\"");
	HAS(t, "\"message\": \"expected \\\"250\\\" <&> 'x'\\u0001 got \\u00ff\\u0009end"
	    "\\u000d\\u000a\"");
	HAS(t, "over\\u00c0\\u00af sur\\u00ed\\u00a0\\u0080 ok\xc3\xa9\xe2\x82\xac "
	    "nonchar\xef\xbf\xbe");
	HAS(t, "\"message\": null");
	HAS(t, "\"line\": 12");
	HAS(t, "\"rfc\": null");
	HAS(t, "\"file\": null");
	HAS(t, "\"line\": null");
	HAS(t, "\"protocols\": [],");
	HAS(t, "\"transcript\": []");
	HAS(t, "\"conn\": \"main\",\n          \"dir\": \"note\",\n"
	    "          \"t_ms\": 0.005,\n          \"data\": \"connect\"");
	HAS(t, "\"dir\": \"recv\",\n          \"t_ms\": 1.234,\n"
	    "          \"data\": \"220 hi\\\\r\\\\n\"");
	HAS(t, "\"t_ms\": 12345.678,\n          \"data\": "
	    "\"EHLO x\\\\r\\\\n\\\\x00\\\\xff\\\\\\\\\"");
	HAS(t, "\"conn\": \"second\"");
	HAS(t, "\"data\": \"\"");
	CHECK(test_is_utf8(t));
	CHECK(!test_has_control(t, false));
}

static void
test_junit_text(const char *t)
{
	HAS(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"mailspec\""
	    " tests=\"9\" failures=\"2\" errors=\"1\" time=\"1.234\">");
	HAS(t, "<testsuite name=\"smtp\" tests=\"5\" failures=\"2\" errors=\"1\" "
	    "skipped=\"0\" time=\"0.060\">");
	HAS(t, "<testsuite name=\"pop3\" tests=\"1\" failures=\"0\" errors=\"0\"");
	HAS(t, "<testsuite name=\"imap\" tests=\"2\" failures=\"0\" errors=\"0\" "
	    "skipped=\"2\"");
	HAS(t, "<testsuite name=\"other\" tests=\"1\"");
	HAS(t, "<testcase name=\"smtp.pass\" classname=\"smtp.rfc5321.s4_1_1_1\" time=\"0.012\"/>");
	HAS(t, "<testcase name=\"bare\" classname=\"other.no_rfc.no_section\" time=\"0.000\"/>");
	HAS(t, "<property name=\"target\" value=\"bundled &quot;ref&quot; &lt;server&gt;\"/>");
	HAS(t, "<property name=\"endpoint.imap\" value=\"imap://127.0.0.1:1143?a=1&amp;b=2\"/>");
	HAS(t, "<property name=\"smtp.fail.rfc\" value=\"5321\"/>");
	HAS(t, "<property name=\"pop3.should.level\" value=\"SHOULD\"/>");
	HAS(t, "<property name=\"smtp.fail.section\" value=\"4.1.1.1\"/>");
	HAS(t, "<failure message=\"expected &quot;250&quot; &lt;&amp;&gt; &apos;x&apos;"
	    "\\x01 got \\xff&#9;end&#13;&#10;\" type=\"MUST\">");
	HAS(t, "message: expected \"250\" &lt;&amp;&gt; 'x'\\x01 got \\xff\tend&#13;\n");
	HAS(t, "at: scenarios/smtp/x.yaml:12\n");
	HAS(t, "<failure message=\"xpass: listed as a known failure, but passed\" "
	    "type=\"MUST\">");
	HAS(t, "<error message=\"over\\xc0\\xaf sur\\xed\\xa0\\x80 ok\xc3\xa9\xe2\x82\xac "
	    "nonchar\\xef\\xbf\\xbe\" type=\"error\">");
	HAS(t, "<skipped message=\"unsupported: server does not advertise IDLE\"/>");
	HAS(t, "<skipped message=\"skip\"/>");
	HAS(t, "<system-out>non_strict: a SHOULD requirement is not met");
	HAS(t, "<system-out>xfail: a known failure");
	HAS(t, "[     0.005 ms] main -- connect\n");
	HAS(t, "[     1.234 ms] main S: 220 hi\\r\\n\n");
	HAS(t, "[ 12345.678 ms] main C: EHLO x\\r\\n\\x00\\xff\\\\\n");
	HAS(t, "[     0.000 ms] second C: \n");
	HASNT(t, "<properties>\n    </properties>");
	CHECK(test_is_utf8(t));
	CHECK(!test_has_control(t, true));	/* TAB is allowed in XML text */
}

static void
test_reports_memory(void)
{
	struct results_run *run = test_build_run();
	struct results_run empty = { 0 };
	char *text;
	int rc;

	text = test_render(report_json_write, run, &rc);
	CHECK(rc == 0);
	test_json_text(text);
	free(text);
	text = test_render(report_junit_write, run, &rc);
	CHECK(rc == 0);
	test_junit_text(text);
	free(text);

	text = test_render(report_json_write, &empty, &rc);
	CHECK(rc == 0);
	HAS(text, "\"results\": []\n}\n");
	HAS(text, "\"name\": null");
	free(text);
	text = test_render(report_junit_write, &empty, &rc);
	CHECK(rc == 0);
	HAS(text, "tests=\"0\" failures=\"0\" errors=\"0\" time=\"0.000\">\n</testsuites>\n");
	free(text);
	results_run_free(&run);
}

static int
test_fail_fn(const struct results_run *run, FILE *out)
{
	fputs("partial", out);
	errno = ENOSPC;
	return -1;
}

/* Run the shell command `prefix path`; true if it exits 0. */
static bool
test_validate(const char *prefix, const char *path)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s %s", prefix, path);
	return system(cmd) == 0;
}

static void
test_reports_files(void)
{
	struct results_run *run = test_build_run();
	char json[128], xml[128], tmp[160];
	FILE *full;

	snprintf(json, sizeof(json), "/tmp/mailspec-test-reports.%ld.json", (long)getpid());
	snprintf(xml, sizeof(xml), "/tmp/mailspec-test-reports.%ld.xml", (long)getpid());
	CHECK(report_write_file(json, report_json_write, run) == 0);
	CHECK(report_write_file(xml, report_junit_write, run) == 0);
	CHECK(test_validate("/usr/bin/python3 -c 'import json,sys; "
	    "json.load(open(sys.argv[1], encoding=\"utf-8\"))'", json));
	CHECK(test_validate("/usr/bin/xmllint --noout", xml));
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", json, (long)getpid());
	CHECK(access(tmp, F_OK) != 0);

	/* a failing writer leaves neither the file nor the temporary */
	CHECK(unlink(json) == 0);
	CHECK(report_write_file(json, test_fail_fn, run) == -1 && errno == ENOSPC);
	CHECK(access(json, F_OK) != 0 && access(tmp, F_OK) != 0);
	CHECK(report_write_file("/nonexistent-dir/r.json", report_json_write, run) == -1);
	unlink(xml);

	full = fopen("/dev/full", "w");
	if (full != NULL) {		/* write errors come back as -1 */
		CHECK(report_json_write(run, full) == -1);
		clearerr(full);
		CHECK(report_junit_write(run, full) == -1);
		fclose(full);
	}
	results_run_free(&run);
}

int
main(void)
{
	test_model();
	test_utf8();
	test_writer_shape();
	test_writer_misuse();
	test_reports_memory();
	test_reports_files();
	return unit_done("test_reports");
}
