/* report.h: result writers. Each writes one complete file; 0 on success,
 * -1 with errno set (or a message in err_r) on failure. */
#ifndef MAILSPEC_REPORT_H
#define MAILSPEC_REPORT_H

#include <stdio.h>

#include "results.h"

/* DESIGN.md "Results JSON", schema "mailspec-results/1". */
int report_json_write(const struct results_run *run, FILE *out);
/* JUnit XML (Surefire/Jenkins schema): one testsuite per protocol. */
int report_junit_write(const struct results_run *run, FILE *out);
/* TAP version 14: one test point per scenario, a YAML block for each
 * failure, error and unmet SHOULD/MAY. */
int report_tap_write(const struct results_run *run, FILE *out);
/* Markdown for a CI job summary ($GITHUB_STEP_SUMMARY): totals, tables by
 * protocol and by RFC section, the failures; always under 1 MiB (what does
 * not fit is named in an overflow line). */
int report_markdown_write(const struct results_run *run, FILE *out);
/* One self-contained HTML page (no external assets): headline verdict,
 * tables, every scenario with its transcript, filters (presettable from the
 * URL fragment, e.g. #verdict=fail&protocol=smtp&level=MUST). */
int report_html_write(const struct results_run *run, FILE *out);
/* Write to path via a temporary file and rename; fn is one of the above. */
int report_write_file(const char *path,
    int (*fn)(const struct results_run *, FILE *), const struct results_run *run);
/* The same for any writer: fn(ctx, out). */
int report_write_atomic(const char *path, int (*fn)(const void *, FILE *),
    const void *ctx);

/* Read a results JSON file (schema "mailspec-results/1") into a new run
 * (free it with results_run_free()); transcript bytes are unescaped back.
 * -1 with a one-line reason in err (an unknown schema version, invalid
 * JSON with its line and column, a field of the wrong type). */
int report_read_file(const char *path, struct results_run **run_r,
    char *err, size_t errlen);
/* The same from memory (len bytes, need not be NUL-terminated). */
int report_read_buffer(const char *text, size_t len, struct results_run **run_r,
    char *err, size_t errlen);

/* Several runs (targets) merged into one matrix: the union of scenario ids
 * (sorted by protocol, RFC, section, id) × targets, each cell the target's
 * record or none, and a row flag when the targets disagree. The matrix
 * borrows the runs and source names: they must outlive it. */
struct report_matrix;

/* NULL on ENOMEM. sources[i] names where runs[i] came from (may be NULL). */
struct report_matrix *report_matrix_new(const struct results_run *const *runs,
    const char *const *sources, size_t nruns);
void report_matrix_free(struct report_matrix **mp);
/* Rows, and rows whose targets disagree. */
size_t report_matrix_rows(const struct report_matrix *m);
size_t report_matrix_differing(const struct report_matrix *m);
/* JSON, schema "mailspec-matrix/1" (reports/mailspec-matrix.schema.json). */
int report_matrix_json_write(const struct report_matrix *m, FILE *out);
/* One self-contained HTML page: per-target summary, the matrix grouped by
 * RFC section with differing rows highlighted, filters (#differs=1 ...). */
int report_matrix_html_write(const struct report_matrix *m, FILE *out);
/* Markdown under 1 MiB: per-target summary, the differing rows, all rows. */
int report_matrix_markdown_write(const struct report_matrix *m, FILE *out);

/* `mailspec report [--html F] [--markdown F] [--json F] [--tap F]
 * [--junit F] RESULTS.json...` (engine/cmd_report.c); argv[0] is "report".
 * Returns the exit code: 0 written, 2 a bad input file, 3 an output could
 * not be written, 4 usage. */
int cmd_report(int argc, char **argv);

#endif
