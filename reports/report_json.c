/* report_json.c: the results JSON, schema "mailspec-results/1"
 * (DESIGN.md "Results JSON"; the fields are listed in reports/README.md,
 * the JSON Schema is reports/mailspec-results.schema.json).
 */
#include "report_private.h"

#include <errno.h>
#include <string.h>

#include "json_writer.h"

#define REPORT_JSON_SCHEMA REPORT_RESULTS_SCHEMA
#define REPORT_JSON_TOOL "mailspec"
/* The most one transcript event may take once escaped (4 bytes per byte). */
#define REPORT_JSON_MAX_EVENT ((size_t)256 << 20)

static const char *const report_json_dirs[] = {
	[TRANSCRIPT_SEND] = "send",
	[TRANSCRIPT_RECV] = "recv",
	[TRANSCRIPT_NOTE] = "note",
};

/* A string member; NULL writes null. */
static void
report_json_member(struct json_writer *w, const char *key, const char *s)
{
	json_writer_key(w, key);
	json_writer_string(w, s);
}

/* A NULL-terminated string vector as an array; NULL gives []. */
static void
report_json_strv(struct json_writer *w, const char *key, char *const *v)
{
	size_t i;

	json_writer_key(w, key);
	json_writer_begin_array(w);
	for (i = 0; v != NULL && v[i] != NULL; i++)
		json_writer_string(w, v[i]);
	json_writer_end_array(w);
}

static void
report_json_write_header(struct json_writer *w, const struct results_run *run)
{
	char when[32], key[64];
	size_t i;

	report_json_member(w, "schema", REPORT_JSON_SCHEMA);
	json_writer_key(w, "tool");
	json_writer_begin_object(w);
	report_json_member(w, "name", run->tool != NULL ? run->tool : REPORT_JSON_TOOL);
	report_json_member(w, "version",
	    run->version != NULL ? run->version : MAILSPEC_VERSION);
	json_writer_end_object(w);
	json_writer_key(w, "target");
	json_writer_begin_object(w);
	report_json_member(w, "name", run->target);
	json_writer_key(w, "endpoints");
	json_writer_begin_object(w);
	for (i = 0; run->endpoints != NULL && i < run->nendpoints; i++)
		report_json_member(w, report_endpoint_key(run, i, key),
		    run->endpoints[i].url);
	json_writer_end_object(w);
	json_writer_end_object(w);
	report_json_member(w, "started",
	    report_format_time(run->started_unix_ms, when) ? when : NULL);
	json_writer_key(w, "duration_ms");
	json_writer_uint(w, run->duration_ms);
}

/* Counted from the records, so the summary always matches them. */
static void
report_json_write_summary(struct json_writer *w, const struct results_run *run)
{
	size_t counts[VERDICT_COUNT] = { 0 };
	size_t i;

	for (i = 0; run->results != NULL && i < run->nresults; i++)
		if ((unsigned)run->results[i].verdict < VERDICT_COUNT)
			counts[run->results[i].verdict]++;
	json_writer_key(w, "summary");
	json_writer_begin_object(w);
	json_writer_key(w, "total");
	json_writer_uint(w, run->results != NULL ? run->nresults : 0);
	for (i = 0; i < VERDICT_COUNT; i++) {
		json_writer_key(w, verdict_name((enum verdict)i));
		json_writer_uint(w, counts[i]);
	}
	json_writer_end_object(w);
}

/* One transcript event; the bytes in their C-escaped form (buf.h).
 * -1 only if the escaped bytes pass REPORT_JSON_MAX_EVENT (or ENOMEM);
 * write errors stay in the writer. */
static int
report_json_write_event(struct json_writer *w, const struct transcript_event *ev,
    struct buf *scratch)
{
	unsigned dir = (unsigned)ev->dir;

	buf_clear(scratch);
	if (!buf_append_escaped(scratch, ev->data != NULL ? ev->data : "",
	    ev->data != NULL ? ev->len : 0))
		return -1;
	json_writer_begin_object(w);
	report_json_member(w, "conn", ev->conn);
	report_json_member(w, "dir", dir <= TRANSCRIPT_NOTE ?
	    report_json_dirs[dir] : "note");
	json_writer_key(w, "t_ms");
	json_writer_fixed(w, ev->t_us > INT64_MAX ? INT64_MAX : (int64_t)ev->t_us, 3);
	json_writer_key(w, "data");
	json_writer_string_len(w, scratch->len > 0 ? scratch->data : "",
	    scratch->len);
	json_writer_end_object(w);
	return 0;
}

/* -1 only for a transcript event too large to escape (see above). */
static int
report_json_write_result(struct json_writer *w, const struct result *r,
    struct buf *scratch)
{
	size_t i;

	json_writer_begin_object(w);
	report_json_member(w, "id", r->id);
	report_json_member(w, "title", r->title);
	report_json_strv(w, "protocols", r->protocols);
	json_writer_key(w, "rfc");
	if (r->rfc > 0)
		json_writer_int(w, r->rfc);
	else
		json_writer_null(w);
	report_json_member(w, "section", r->section);
	report_json_member(w, "level", level_name(r->level));
	report_json_member(w, "requirement", r->requirement);
	report_json_strv(w, "tags", r->tags);
	report_json_member(w, "verdict", verdict_name(r->verdict));
	json_writer_key(w, "duration_ms");
	json_writer_uint(w, r->duration_ms);
	report_json_member(w, "message", r->message);
	report_json_member(w, "file", r->file);
	json_writer_key(w, "line");
	if (r->line > 0)
		json_writer_int(w, r->line);
	else
		json_writer_null(w);
	json_writer_key(w, "transcript");
	json_writer_begin_array(w);
	for (i = 0; r->events != NULL && i < r->nevents; i++)
		if (report_json_write_event(w, &r->events[i], scratch) < 0)
			return -1;
	json_writer_end_array(w);
	json_writer_end_object(w);
	return 0;
}

int
report_json_write(const struct results_run *run, FILE *out)
{
	struct json_writer w;
	struct buf scratch;
	size_t i;
	int rc = 0;

	buf_init(&scratch, REPORT_JSON_MAX_EVENT);
	json_writer_init(&w, out);
	json_writer_begin_object(&w);
	report_json_write_header(&w, run);
	report_json_write_summary(&w, run);
	json_writer_key(&w, "results");
	json_writer_begin_array(&w);
	for (i = 0; run->results != NULL && i < run->nresults && rc == 0; i++)
		rc = report_json_write_result(&w, &run->results[i], &scratch);
	buf_release(&scratch);
	if (rc < 0) {
		errno = EFBIG;
		return -1;
	}
	json_writer_end_array(&w);
	json_writer_end_object(&w);
	return json_writer_finish(&w);
}
