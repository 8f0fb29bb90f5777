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
/* Write to path via a temporary file and rename; fn is one of the above. */
int report_write_file(const char *path,
    int (*fn)(const struct results_run *, FILE *), const struct results_run *run);

#endif
