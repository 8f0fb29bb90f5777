/* report_read.c: read a results JSON file (schema "mailspec-results/1",
 * reports/README.md and reports/mailspec-results.schema.json) back into the
 * results model, for `mailspec report`. Parsing is jansson's; this file
 * checks every member's type, rejects an unknown schema version with a clear
 * message, recounts the summary from the records and turns transcript data
 * from the escape form (\r \n \t \\ \xHH) back into bytes. A repeated
 * member name is read as jansson does, the last one wins (files written
 * before endpoint keys were made unique repeat "pop3").
 */
#include "report_private.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

struct read_ctx {
	char *err;
	size_t errlen;
	bool has_failed;
};

static int read_fail(struct read_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Record the first error; always -1. */
static int
read_fail(struct read_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->has_failed && c->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	c->has_failed = true;
	return -1;
}

/* A copy of a JSON string with embedded NULs written as "\x00". */
static char *
read_strdup(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v), i, n = 0;
	char *out = malloc(len * 4 + 1);

	if (out == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] == '\0') {
			memcpy(out + n, "\\x00", 4);
			n += 4;
		} else {
			out[n++] = s[i];
		}
	}
	out[n] = '\0';
	return out;
}

/* An optional string member: absent or null gives NULL. */
static int
read_string(struct read_ctx *c, const json_t *obj, const char *key,
    const char *where, char **out_r)
{
	const json_t *v = json_object_get(obj, key);

	*out_r = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return read_fail(c, "%s.%s: expected a string or null", where, key);
	if ((*out_r = read_strdup(v)) == NULL)
		return read_fail(c, "out of memory");
	return 0;
}

/* An optional non-negative integer member (absent or null: 0). */
static int
read_uint(struct read_ctx *c, const json_t *obj, const char *key,
    const char *where, long long max, long long *out_r)
{
	const json_t *v = json_object_get(obj, key);

	*out_r = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > max)
		return read_fail(c, "%s.%s: expected an integer from 0 to %lld", where,
		    key, max);
	*out_r = json_integer_value(v);
	return 0;
}

/* An optional array of strings as a NULL-terminated vector ([] if absent). */
static int
read_strv(struct read_ctx *c, const json_t *obj, const char *key,
    const char *where, char ***out_r)
{
	const json_t *v = json_object_get(obj, key), *item;
	size_t i, n = json_is_array(v) ? json_array_size(v) : 0;

	*out_r = calloc(n + 1, sizeof(char *));
	if (*out_r == NULL)
		return read_fail(c, "out of memory");
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return read_fail(c, "%s.%s: expected an array of strings", where, key);
	json_array_foreach(v, i, item) {
		if (!json_is_string(item))
			return read_fail(c, "%s.%s[%zu]: expected a string", where, key, i);
		if (((*out_r)[i] = read_strdup(item)) == NULL)
			return read_fail(c, "out of memory");
	}
	return 0;
}

/* The value of a hex digit, or 16. */
static unsigned
read_hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return (unsigned)(ch - '0');
	if (ch >= 'a' && ch <= 'f')
		return (unsigned)(ch - 'a' + 10);
	if (ch >= 'A' && ch <= 'F')
		return (unsigned)(ch - 'A' + 10);
	return 16;
}

/* Transcript data in the escape form back to bytes; -1 on a bad escape. */
static int
read_unescape(const char *s, size_t len, char **out_r, size_t *len_r)
{
	char *out = malloc(len + 1);
	size_t i, n = 0;
	unsigned hi, lo;

	if (out == NULL)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] != '\\') {
			out[n++] = s[i];
			continue;
		}
		if (++i >= len)
			goto bad;
		switch (s[i]) {
		case 'r': out[n++] = '\r'; break;
		case 'n': out[n++] = '\n'; break;
		case 't': out[n++] = '\t'; break;
		case '\\': out[n++] = '\\'; break;
		case 'x':
			if (i + 2 >= len || (hi = read_hex(s[i + 1])) > 15 ||
			    (lo = read_hex(s[i + 2])) > 15)
				goto bad;
			out[n++] = (char)(hi << 4 | lo);
			i += 2;
			break;
		default:
			goto bad;
		}
	}
	out[n] = '\0';
	*out_r = out;
	*len_r = n;
	return 0;
bad:
	free(out);
	return -1;
}

static int
read_event(struct read_ctx *c, const json_t *v, const char *where,
    struct transcript_event *ev)
{
	static const char *const dirs[] = { "send", "recv", "note" };
	const json_t *t = json_object_get(v, "t_ms"), *data = json_object_get(v, "data");
	const char *dir = json_string_value(json_object_get(v, "dir"));
	char *conn = NULL;
	unsigned i;

	if (!json_is_object(v))
		return read_fail(c, "%s: expected an object", where);
	if (read_string(c, v, "conn", where, &conn) < 0)
		return -1;
	ev->conn = conn;
	for (i = 0; dir != NULL && i < 3 && strcmp(dir, dirs[i]) != 0; i++)
		continue;
	if (dir == NULL || i == 3)
		return read_fail(c, "%s.dir: expected \"send\", \"recv\" or \"note\"", where);
	ev->dir = (enum transcript_dir)i;
	if (!json_is_number(t) || json_number_value(t) < 0 || json_number_value(t) > 1e12)
		return read_fail(c, "%s.t_ms: expected a number of milliseconds", where);
	ev->t_us = (uint64_t)(json_number_value(t) * 1000.0 + 0.5);
	if (!json_is_string(data))
		return read_fail(c, "%s.data: expected a string", where);
	if (read_unescape(json_string_value(data), json_string_length(data), &ev->data,
	    &ev->len) < 0)
		return read_fail(c, "%s.data: a bad escape (only \\r \\n \\t \\\\ \\xHH)",
		    where);
	return 0;
}

static int
read_transcript(struct read_ctx *c, const json_t *obj, const char *where,
    struct result *r)
{
	const json_t *v = json_object_get(obj, "transcript"), *item;
	char at[96];
	size_t i;

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return read_fail(c, "%s.transcript: expected an array", where);
	r->events = calloc(json_array_size(v) + 1, sizeof(*r->events));
	if (r->events == NULL)
		return read_fail(c, "out of memory");
	json_array_foreach(v, i, item) {
		r->nevents = i + 1;
		snprintf(at, sizeof(at), "%s.transcript[%zu]", where, i);
		if (read_event(c, item, at, &r->events[i]) < 0)
			return -1;
	}
	return 0;
}

static int
read_level(struct read_ctx *c, const json_t *obj, const char *where, enum level *l_r)
{
	const char *s = json_string_value(json_object_get(obj, "level"));

	if (s != NULL && strcmp(s, "MUST") == 0)
		*l_r = LEVEL_MUST;
	else if (s != NULL && strcmp(s, "SHOULD") == 0)
		*l_r = LEVEL_SHOULD;
	else if (s != NULL && strcmp(s, "MAY") == 0)
		*l_r = LEVEL_MAY;
	else
		return read_fail(c, "%s.level: expected \"MUST\", \"SHOULD\" or \"MAY\"", where);
	return 0;
}

static int
read_result(struct read_ctx *c, const json_t *v, size_t idx, struct result *r)
{
	const char *verdict = json_string_value(json_object_get(v, "verdict"));
	char where[48];
	long long n;

	snprintf(where, sizeof(where), "results[%zu]", idx);
	if (!json_is_object(v))
		return read_fail(c, "%s: expected an object", where);
	if (read_string(c, v, "id", where, &r->id) < 0 || read_string(c, v, "title", where,
	    &r->title) < 0 || read_strv(c, v, "protocols", where, &r->protocols) < 0 ||
	    read_string(c, v, "section", where, &r->section) < 0 ||
	    read_string(c, v, "requirement", where, &r->requirement) < 0 ||
	    read_strv(c, v, "tags", where, &r->tags) < 0 ||
	    read_string(c, v, "message", where, &r->message) < 0 ||
	    read_string(c, v, "file", where, &r->file) < 0 || read_level(c, v, where,
	    &r->level) < 0)
		return -1;
	if (r->id == NULL || r->id[0] == '\0')
		return read_fail(c, "%s.id: expected a non-empty string", where);
	if (!report_verdict_parse(verdict, &r->verdict))
		return read_fail(c, "%s.verdict: expected one of pass, fail, non_strict, "
		    "unsupported, skip, error, xfail, xpass", where);
	if (read_uint(c, v, "rfc", where, INT_MAX, &n) < 0)
		return -1;
	r->rfc = (int)n;
	if (read_uint(c, v, "line", where, INT_MAX, &n) < 0)
		return -1;
	r->line = (int)n;
	if (read_uint(c, v, "duration_ms", where, LLONG_MAX, &n) < 0)
		return -1;
	r->duration_ms = (uint64_t)n;
	return read_transcript(c, v, where, r);
}

/* The schema member: only REPORT_RESULTS_SCHEMA is read. */
static int
read_schema(struct read_ctx *c, const json_t *root)
{
	const char *schema = json_string_value(json_object_get(root, "schema"));

	if (!json_is_object(root))
		return read_fail(c, "not a mailspec results file: the top level is not "
		    "an object");
	if (schema == NULL)
		return read_fail(c, "not a mailspec results file: no \"schema\" member");
	if (strcmp(schema, REPORT_RESULTS_SCHEMA) == 0)
		return 0;
	if (strncmp(schema, "mailspec-results/", 17) == 0)
		return read_fail(c, "unsupported schema version \"%.64s\": this mailspec "
		    "(%s) reads \"%s\"", schema, MAILSPEC_VERSION, REPORT_RESULTS_SCHEMA);
	if (strncmp(schema, "mailspec-matrix/", 16) == 0)
		return read_fail(c, "\"%.64s\" is a merged matrix, not the results of "
		    "one run (give the results files themselves)", schema);
	return read_fail(c, "not a mailspec results file: schema \"%.64s\"", schema);
}

/* "2026-11-22T04:40:00.123Z" to milliseconds since 1970; absent or null: 0. */
static int
read_started(struct read_ctx *c, const json_t *root, int64_t *ms_r)
{
	const json_t *v = json_object_get(root, "started");
	struct tm tm = { 0 };
	int ms = 0, end = 0;
	time_t t;

	*ms_r = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || sscanf(json_string_value(v), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n",
	    &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	    &ms, &end) != 7 || json_string_value(v)[end] != '\0' || ms < 0)
		return read_fail(c, "started: expected a UTC time like "
		    "\"2026-11-22T04:40:00.123Z\"");
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	*ms_r = (int64_t)t * 1000 + ms;
	return 0;
}

static int
read_target(struct read_ctx *c, const json_t *root, struct results_run *run)
{
	const json_t *target = json_object_get(root, "target"), *eps, *url;
	const char *name;
	size_t i = 0;

	if (target == NULL || json_is_null(target))
		return 0;
	if (!json_is_object(target))
		return read_fail(c, "target: expected an object");
	if (read_string(c, target, "name", "target", &run->target) < 0)
		return -1;
	eps = json_object_get(target, "endpoints");
	if (eps == NULL || json_is_null(eps))
		return 0;
	if (!json_is_object(eps))
		return read_fail(c, "target.endpoints: expected an object");
	run->endpoints = calloc(json_object_size(eps) + 1, sizeof(*run->endpoints));
	if (run->endpoints == NULL)
		return read_fail(c, "out of memory");
	json_object_foreach((json_t *)(uintptr_t)eps, name, url) {
		if (!json_is_string(url))
			return read_fail(c, "target.endpoints.%.64s: expected a string", name);
		run->endpoints[i].name = strdup(name);
		run->endpoints[i].url = read_strdup(url);
		run->nendpoints = ++i;
		if (run->endpoints[i - 1].name == NULL || run->endpoints[i - 1].url == NULL)
			return read_fail(c, "out of memory");
	}
	return 0;
}

static int
read_run(struct read_ctx *c, const json_t *root, struct results_run *run)
{
	const json_t *tool = json_object_get(root, "tool"), *results, *item;
	long long n;
	size_t i;

	if (read_schema(c, root) < 0)
		return -1;
	if (json_is_object(tool) && (read_string(c, tool, "name", "tool", &run->tool) < 0 ||
	    read_string(c, tool, "version", "tool", &run->version) < 0))
		return -1;
	if (read_target(c, root, run) < 0 || read_started(c, root, &run->started_unix_ms) < 0 ||
	    read_uint(c, root, "duration_ms", "run", LLONG_MAX, &n) < 0)
		return -1;
	run->duration_ms = (uint64_t)n;
	results = json_object_get(root, "results");
	if (!json_is_array(results))
		return read_fail(c, "results: expected an array");
	run->results = calloc(json_array_size(results) + 1, sizeof(*run->results));
	if (run->results == NULL)
		return read_fail(c, "out of memory");
	run->nresults = json_array_size(results);
	json_array_foreach(results, i, item)
		if (read_result(c, item, i, &run->results[i]) < 0)
			return -1;
	results_count(run);
	return 0;
}

/* Parse root (or report its jansson error) and read it into a new run. */
static int
read_root(struct read_ctx *c, json_t *root, const json_error_t *jerr,
    struct results_run **run_r)
{
	struct results_run *run;

	*run_r = NULL;
	if (root == NULL)
		return read_fail(c, "not valid JSON: %s (line %d, column %d)", jerr->text,
		    jerr->line, jerr->column);
	run = calloc(1, sizeof(*run));
	if (run == NULL) {
		json_decref(root);
		return read_fail(c, "out of memory");
	}
	if (read_run(c, root, run) < 0) {
		results_run_free(&run);
		json_decref(root);
		return -1;
	}
	json_decref(root);
	*run_r = run;
	return 0;
}

int
report_read_buffer(const char *text, size_t len, struct results_run **run_r,
    char *err, size_t errlen)
{
	struct read_ctx c = { err, errlen, false };
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_ALLOW_NUL, &jerr);

	return read_root(&c, root, &jerr, run_r);
}

int
report_read_file(const char *path, struct results_run **run_r, char *err,
    size_t errlen)
{
	struct read_ctx c = { err, errlen, false };
	char msg[512];
	json_error_t jerr;
	json_t *root;
	FILE *f = fopen(path, "rb");

	*run_r = NULL;
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	root = json_loadf(f, JSON_ALLOW_NUL, &jerr);
	fclose(f);
	c.err = msg;
	c.errlen = sizeof(msg);
	if (read_root(&c, root, &jerr, run_r) == 0)
		return 0;
	snprintf(err, errlen, "%s: %s", path, msg);
	return -1;
}
