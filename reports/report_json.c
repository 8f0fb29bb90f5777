/* report_json.c: the results JSON, schema "mailspec-results/1"
 * (DESIGN.md "Results JSON"; the fields are listed in reports/README.md),
 * and report_write_file(), the atomic file writer every report uses.
 */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "json_writer.h"

#define REPORT_JSON_SCHEMA "mailspec-results/1"
#define REPORT_JSON_TOOL "mailspec"
#ifndef MAILSPEC_VERSION
#define MAILSPEC_VERSION "0.1.0"
#endif
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

/* "2026-11-22T04:40:00.123Z" (UTC, milliseconds) into out[32]; false if the
 * time cannot be represented. */
static bool
report_json_format_time(int64_t unix_ms, char out[32])
{
	int64_t ms = unix_ms % 1000, secs = unix_ms / 1000;
	time_t t;
	struct tm tm;
	size_t n;

	if (ms < 0) {		/* floor for times before 1970 */
		ms += 1000;
		secs--;
	}
	t = (time_t)secs;
	if ((int64_t)t != secs || gmtime_r(&t, &tm) == NULL)
		return false;
	n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0 || n + 6 > 32)
		return false;
	snprintf(out + n, 32 - n, ".%03dZ", (int)ms);
	return true;
}

static void
report_json_write_header(struct json_writer *w, const struct results_run *run)
{
	char when[32];
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
		if (run->endpoints[i].name != NULL)
			report_json_member(w, run->endpoints[i].name,
			    run->endpoints[i].url);
	json_writer_end_object(w);
	json_writer_end_object(w);
	report_json_member(w, "started",
	    report_json_format_time(run->started_unix_ms, when) ? when : NULL);
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

/* "path.tmp.<pid>", malloc'ed; NULL on ENOMEM. */
static char *
report_temp_path(const char *path)
{
	size_t len = strlen(path) + 32;
	char *tmp = malloc(len);

	if (tmp != NULL)
		snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
	return tmp;
}

/* Run fn into tmp, then flush and fsync it; 0 or -1 with errno set. */
static int
report_write_temp(const char *tmp,
    int (*fn)(const struct results_run *, FILE *), const struct results_run *run)
{
	FILE *f;
	int fd, rc, saved;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (f == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	rc = fn(run, f);
	if (rc == 0 && (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0))
		rc = -1;
	saved = errno;
	if (fclose(f) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	errno = saved;
	return rc;
}

int
report_write_file(const char *path,
    int (*fn)(const struct results_run *, FILE *), const struct results_run *run)
{
	char *tmp;
	int saved;

	if (path == NULL || fn == NULL || run == NULL) {
		errno = EINVAL;
		return -1;
	}
	tmp = report_temp_path(path);
	if (tmp == NULL)
		return -1;
	if (report_write_temp(tmp, fn, run) == 0 && rename(tmp, path) == 0) {
		free(tmp);
		return 0;
	}
	saved = errno;
	unlink(tmp);
	free(tmp);
	errno = saved != 0 ? saved : EIO;
	return -1;
}
