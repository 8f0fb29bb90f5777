/* cmd_report.c: `mailspec report` (DESIGN.md "mailspec report"): read the
 * results JSON of one or more runs and write reports. One file: the same
 * reports `mailspec run` writes (HTML, Markdown, JSON, TAP, JUnit). Several
 * files (several targets): one targets × scenarios matrix as HTML, Markdown
 * and JSON ("mailspec-matrix/1"), rows where the targets differ flagged.
 *
 * Exit codes: 0 written, 2 a bad input file, 3 an output could not be
 * written, 4 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

enum { REPORT_OK = 0, REPORT_BAD_INPUT = 2, REPORT_CANNOT_WRITE = 3, REPORT_USAGE = 4 };

enum { OUT_HTML, OUT_MARKDOWN, OUT_JSON, OUT_TAP, OUT_JUNIT, OUT_COUNT };

/* Writers of one run, by output. */
static int (*const report_run_writers[OUT_COUNT])(const struct results_run *, FILE *) = {
	report_html_write, report_markdown_write, report_json_write, report_tap_write,
	report_junit_write,
};

struct report_cli {
	const char *out[OUT_COUNT];
	struct results_run **runs;
	size_t nruns;
};

static void
report_usage(FILE *f)
{
	fputs("usage: mailspec report [--html FILE] [--markdown FILE] [--json FILE]\n"
	    "                       [--tap FILE] [--junit FILE] RESULTS.json...\n"
	    "\n"
	    "One RESULTS.json (from mailspec run --json): write its reports again in\n"
	    "any format. Several (one per target): merge them into one targets x\n"
	    "scenarios matrix (--html, --markdown, --json; schema mailspec-matrix/1)\n"
	    "with the scenarios where the targets differ highlighted.\n", f);
}

static int
report_usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "mailspec report: %s%s\n(see mailspec report --help)\n", msg,
	    arg != NULL ? arg : "");
	return REPORT_USAGE;
}

static const struct option report_opts[] = {
	{ "html", required_argument, NULL, 'H' },
	{ "markdown", required_argument, NULL, 'M' },
	{ "json", required_argument, NULL, 'J' },
	{ "tap", required_argument, NULL, 'T' },
	{ "junit", required_argument, NULL, 'U' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* -1: --help was printed. */
static int
report_parse(struct report_cli *c, int argc, char **argv)
{
	static const char keys[OUT_COUNT] = { 'H', 'M', 'J', 'T', 'U' };
	int opt, i;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", report_opts, NULL)) != -1) {
		if (opt == 'h') {
			report_usage(stdout);
			return -1;
		}
		if (opt == ':')
			return report_usage_error("missing FILE after ", argv[optind - 1]);
		for (i = 0; i < OUT_COUNT && keys[i] != opt; i++)
			continue;
		if (i == OUT_COUNT)
			return report_usage_error("unknown option ", argv[optind - 1]);
		c->out[i] = optarg;
	}
	if (optind >= argc)
		return report_usage_error("no results file given", NULL);
	for (i = 0; i < OUT_COUNT && c->out[i] == NULL; i++)
		continue;
	if (i == OUT_COUNT)
		return report_usage_error("nothing to write: give --html, --markdown, "
		    "--json, --tap or --junit", NULL);
	if (argc - optind > 1 && (c->out[OUT_TAP] != NULL || c->out[OUT_JUNIT] != NULL))
		return report_usage_error("--tap and --junit describe one run; "
		    "give one results file", NULL);
	return 0;
}

static int
report_read_all(struct report_cli *c, char **files, size_t n)
{
	char err[768];
	size_t i;

	c->runs = calloc(n + 1, sizeof(*c->runs));
	if (c->runs == NULL)
		return REPORT_CANNOT_WRITE;
	for (i = 0; i < n; i++) {
		if (report_read_file(files[i], &c->runs[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "mailspec report: %s\n", err);
			return REPORT_BAD_INPUT;
		}
		c->nruns = i + 1;
	}
	return REPORT_OK;
}

static int
report_written(const char *path, int rc)
{
	if (rc != 0) {
		fprintf(stderr, "mailspec report: cannot write %s: %s\n", path,
		    strerror(errno));
		return REPORT_CANNOT_WRITE;
	}
	printf("wrote %s\n", path);
	return REPORT_OK;
}

static int
report_write_single(const struct report_cli *c)
{
	int i, rc = REPORT_OK;

	for (i = 0; i < OUT_COUNT; i++)
		if (c->out[i] != NULL && report_written(c->out[i], report_write_file(
		    c->out[i], report_run_writers[i], c->runs[0])) != REPORT_OK)
			rc = REPORT_CANNOT_WRITE;
	return rc;
}

static int
report_matrix_html(const void *m, FILE *out)
{
	return report_matrix_html_write(m, out);
}

static int
report_matrix_markdown(const void *m, FILE *out)
{
	return report_matrix_markdown_write(m, out);
}

static int
report_matrix_json(const void *m, FILE *out)
{
	return report_matrix_json_write(m, out);
}

static int
report_write_matrix(const struct report_cli *c, char **files)
{
	static int (*const fns[3])(const void *, FILE *) = {
		[OUT_HTML] = report_matrix_html, [OUT_MARKDOWN] = report_matrix_markdown,
		[OUT_JSON] = report_matrix_json,
	};
	struct report_matrix *m;
	int i, rc = REPORT_OK;

	m = report_matrix_new((const struct results_run *const *)c->runs,
	    (const char *const *)files, c->nruns);
	if (m == NULL) {
		fprintf(stderr, "mailspec report: out of memory\n");
		return REPORT_CANNOT_WRITE;
	}
	printf("merged %zu runs: %zu scenarios, %zu where the targets differ\n", c->nruns,
	    report_matrix_rows(m), report_matrix_differing(m));
	for (i = 0; i < 3; i++)
		if (c->out[i] != NULL && report_written(c->out[i],
		    report_write_atomic(c->out[i], fns[i], m)) != REPORT_OK)
			rc = REPORT_CANNOT_WRITE;
	report_matrix_free(&m);
	return rc;
}

int
cmd_report(int argc, char **argv)
{
	struct report_cli c;
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = report_parse(&c, argc, argv);
	if (rc != 0)
		return rc < 0 ? REPORT_OK : rc;
	rc = report_read_all(&c, argv + optind, (size_t)(argc - optind));
	if (rc == REPORT_OK)
		rc = c.nruns == 1 ? report_write_single(&c) :
		    report_write_matrix(&c, argv + optind);
	for (i = 0; i < c.nruns; i++)
		results_run_free(&c.runs[i]);
	free(c.runs);
	return rc;
}
