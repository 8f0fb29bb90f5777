/* results.h: the one results model every report writer reads.
 *
 * DESIGN.md "Verdicts" and "Results JSON". A run owns its records; strings
 * are owned by the run and freed by results_run_free().
 */
#ifndef MAILSPEC_RESULTS_H
#define MAILSPEC_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum verdict {
	VERDICT_PASS = 0,
	VERDICT_FAIL,
	VERDICT_NON_STRICT,
	VERDICT_UNSUPPORTED,
	VERDICT_SKIP,
	VERDICT_ERROR,
	VERDICT_XFAIL,
	VERDICT_XPASS,
	VERDICT_COUNT
};

enum level { LEVEL_MUST = 0, LEVEL_SHOULD, LEVEL_MAY };

enum transcript_dir {
	TRANSCRIPT_SEND = 0,	/* client -> server */
	TRANSCRIPT_RECV,	/* server -> client */
	TRANSCRIPT_NOTE,	/* engine event: connect, TLS, close, timeout */
};

struct transcript_event {
	const char *conn;	/* connection name: malloc'ed, owned by the record
				 * (freed by result_clear()), never shared */
	enum transcript_dir dir;
	uint64_t t_us;		/* microseconds since the scenario started */
	char *data;		/* raw bytes (NUL-terminated for convenience) */
	size_t len;
};

struct result {
	char *id;
	char *title;
	char **protocols;	/* NULL-terminated */
	int rfc;
	char *section;
	enum level level;
	char *requirement;
	char **tags;		/* NULL-terminated */
	enum verdict verdict;
	uint64_t duration_ms;
	char *message;		/* expected vs actual, or the reason; NULL on pass */
	char *file;		/* scenario file */
	int line;		/* line of the failing step (0: none) */
	struct transcript_event *events;
	size_t nevents;
};

struct endpoint_info {
	char *name;		/* "smtp", "pop3" ... */
	char *url;
};

struct results_run {
	char *tool;		/* "mailspec" */
	char *version;
	char *target;		/* target name */
	struct endpoint_info *endpoints;
	size_t nendpoints;
	int64_t started_unix_ms;
	uint64_t duration_ms;
	struct result *results;	/* in scenario order */
	size_t nresults;
	size_t counts[VERDICT_COUNT];
};

/* "pass", "fail", "non_strict", ... */
const char *verdict_name(enum verdict v);
/* "MUST", "SHOULD", "MAY". */
const char *level_name(enum level l);
/* Recount run->counts from the records. */
void results_count(struct results_run *run);
/* Free everything the run owns (records, strings, transcripts) and the run. */
void results_run_free(struct results_run **runp);
/* Free the contents of one record. */
void result_clear(struct result *r);

#endif
