/* main.c: the mailspec command line (DESIGN.md "mailspec run",
 * "mailspec check"). Only this file decides exit codes:
 * 0 all required passed, 1 conformance failure, 2 scenario error,
 * 3 run-time error, 4 usage error, 5 nothing selected. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "bundled.h"
#include "cmd_mime.h"
#include "loader.h"
#include "net.h"
#include "report.h"
#include "runner.h"
#include "select.h"

enum { EXIT_PASS = 0, EXIT_FAIL = 1, EXIT_SCENARIO = 2, EXIT_RUNTIME = 3, EXIT_USAGE = 4,
	EXIT_NONE = 5 };

struct cli {
	struct target target;
	struct selection sel;
	struct run_opts opts;
	const char *json, *junit, *tap, *markdown, *html, *known_file, *server_bin;
	bool list;
	bool has_target;
	char **paths;
	size_t npaths;
};

static void
usage(FILE *f)
{
	fputs("usage: mailspec run [options] [PATH...]\n"
	    "       mailspec check PATH...\n"
	    "       mailspec report [--html F] [--markdown F] [--json F] [--tap F] [--junit F]\n"
	    "                       RESULTS.json...\n"
	    "       mailspec mime [--json] [--imap4rev2] [--part SECTION [--raw]] FILE.eml\n"
	    "       mailspec --version\n"
	    "\n"
	    "target (none given: the bundled mailspec-server on loopback):\n"
	    "  --target FILE      a YAML profile: name, endpoints, users, domain, tls,\n"
	    "                     known_failures\n"
	    "  --smtp URL --submission URL --pop3 URL --imap URL\n"
	    "                     smtp://, smtps://, pop3://, pop3s://, imap://, imaps://\n"
	    "  --user NAME:PASS   a test user (repeatable)\n"
	    "  --domain NAME      the target's mail domain (default localhost)\n"
	    "  --name NAME        the target's name in reports\n"
	    "  --tls-verify       verify certificates;  --ca-file FILE  trust anchors\n"
	    "selection:\n"
	    "  --run GLOB --skip GLOB   ids ('*' within a dot part, '**' across)\n"
	    "  --tag EXPR         a,b either; a+b both; !a not\n"
	    "  --level must|should|may  --list  --known-failing FILE\n"
	    "execution:\n"
	    "  -j N  --timeout SECONDS (default 5)  --strict  -v  --trace\n"
	    "outputs:\n"
	    "  --json FILE  --junit FILE  --tap FILE  --markdown FILE  --html FILE\n", f);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("mailspec: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(see mailspec --help)\n", stderr);
	return EXIT_USAGE;
}

static bool
strv_push(char ***v, size_t *n, const char *s)
{
	char **p = realloc(*v, (*n + 1) * sizeof(**v));

	if (p == NULL)
		return false;
	*v = p;
	p[(*n)++] = strdup(s);
	return true;
}

static void
strv_free(char ***v, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((*v)[i]);
	free(*v);
	*v = NULL;
	*n = 0;
}

/* --known-failing: one id per line, '#' starts a comment. */
static int
cli_read_known(struct cli *c)
{
	FILE *f = fopen(c->known_file, "r");
	char line[1024];

	if (f == NULL) {
		fprintf(stderr, "mailspec: %s: %s\n", c->known_file, strerror(errno));
		return EXIT_USAGE;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line, *end;

		p[strcspn(p, "#\r\n")] = '\0';
		p += strspn(p, " \t");
		end = p + strcspn(p, " \t");
		*end = '\0';
		if (*p != '\0')
			strv_push(&c->opts.known_failing, &c->opts.nknown, p);
	}
	fclose(f);
	return 0;
}

enum {
	OPT_SMTP = 256, OPT_SUBMISSION, OPT_POP3, OPT_IMAP, OPT_USER, OPT_DOMAIN, OPT_NAME,
	OPT_TLS_VERIFY, OPT_CA_FILE, OPT_RUN, OPT_SKIP, OPT_TAG, OPT_LEVEL, OPT_LIST,
	OPT_KNOWN, OPT_TIMEOUT, OPT_STRICT, OPT_TRACE, OPT_JSON, OPT_JUNIT, OPT_SERVER,
	OPT_TARGET, OPT_TAP, OPT_MARKDOWN, OPT_HTML,
};

static const struct option long_opts[] = {
	{ "smtp", required_argument, NULL, OPT_SMTP },
	{ "submission", required_argument, NULL, OPT_SUBMISSION },
	{ "pop3", required_argument, NULL, OPT_POP3 },
	{ "imap", required_argument, NULL, OPT_IMAP },
	{ "user", required_argument, NULL, OPT_USER },
	{ "domain", required_argument, NULL, OPT_DOMAIN },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "tls-verify", no_argument, NULL, OPT_TLS_VERIFY },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "run", required_argument, NULL, OPT_RUN },
	{ "skip", required_argument, NULL, OPT_SKIP },
	{ "tag", required_argument, NULL, OPT_TAG },
	{ "level", required_argument, NULL, OPT_LEVEL },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "known-failing", required_argument, NULL, OPT_KNOWN },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "trace", no_argument, NULL, OPT_TRACE },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "server", required_argument, NULL, OPT_SERVER },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "tap", required_argument, NULL, OPT_TAP },
	{ "markdown", required_argument, NULL, OPT_MARKDOWN },
	{ "html", required_argument, NULL, OPT_HTML },
	{ "jobs", required_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
cli_url(struct cli *c, enum role role, const char *url)
{
	char err[512];

	if (target_add_url(&c->target, role, url, err, sizeof(err)) != 0)
		return usage_error("%s", err);
	c->has_target = true;
	return 0;
}

static int
cli_number(const char *s, double min, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno != 0 || *end != '\0' || end == s || !(*out >= min && *out <= max))
		return usage_error("bad number '%s'", s);
	return 0;
}

static int
cli_level(struct cli *c, const char *s)
{
	if (strcmp(s, "must") == 0)
		c->sel.max_level = LEVEL_MUST;
	else if (strcmp(s, "should") == 0)
		c->sel.max_level = LEVEL_SHOULD;
	else if (strcmp(s, "may") == 0)
		c->sel.max_level = LEVEL_MAY;
	else
		return usage_error("--level must be must, should or may, not '%s'", s);
	return 0;
}

static int
cli_option(struct cli *c, int opt, const char *arg)
{
	char err[512];
	double d;

	switch (opt) {
	case OPT_SMTP: return cli_url(c, ROLE_SMTP, arg);
	case OPT_SUBMISSION: return cli_url(c, ROLE_SUBMISSION, arg);
	case OPT_POP3: return cli_url(c, ROLE_POP3, arg);
	case OPT_IMAP: return cli_url(c, ROLE_IMAP, arg);
	case OPT_USER:
		if (target_add_user(&c->target, arg, err, sizeof(err)) != 0)
			return usage_error("%s", err);
		return 0;
	case OPT_DOMAIN: free(c->target.domain); c->target.domain = strdup(arg); return 0;
	case OPT_NAME: free(c->target.name); c->target.name = strdup(arg); return 0;
	case OPT_TLS_VERIFY: c->target.tls_verify = true; return 0;
	case OPT_CA_FILE: free(c->target.ca_file); c->target.ca_file = strdup(arg); return 0;
	case OPT_RUN: strv_push(&c->sel.run, &c->sel.nrun, arg); return 0;
	case OPT_SKIP: strv_push(&c->sel.skip, &c->sel.nskip, arg); return 0;
	case OPT_TAG: strv_push(&c->sel.tags, &c->sel.ntags, arg); return 0;
	case OPT_LEVEL: return cli_level(c, arg);
	case OPT_LIST: c->list = true; return 0;
	case OPT_KNOWN: c->known_file = arg; return 0;
	case OPT_TIMEOUT: return cli_number(arg, 0.01, 3600, &c->opts.timeout);
	case OPT_STRICT: c->opts.strict = true; return 0;
	case 'v': c->opts.verbose = true; return 0;
	case OPT_TRACE: c->opts.trace = true; return 0;
	case OPT_JSON: c->json = arg; return 0;
	case OPT_JUNIT: c->junit = arg; return 0;
	case OPT_TAP: c->tap = arg; return 0;
	case OPT_MARKDOWN: c->markdown = arg; return 0;
	case OPT_HTML: c->html = arg; return 0;
	case OPT_SERVER: c->server_bin = arg; return 0;
	case OPT_TARGET:
		if (target_load_file(&c->target, arg, &c->opts.known_failing, &c->opts.nknown,
		    stderr) != 0)
			return EXIT_SCENARIO;
		c->has_target = true;
		return 0;
	case 'j':
		if (cli_number(arg, 1, 64, &d) != 0)
			return EXIT_USAGE;
		c->opts.jobs = (int)d;
		return 0;
	case 'h': usage(stdout); return -1;
	default: return EXIT_USAGE;
	}
}

static int
cli_parse(struct cli *c, int argc, char **argv)
{
	int opt, rc;

	c->opts.timeout = 5;
	c->opts.jobs = 1;
	c->opts.out = stdout;
	c->opts.is_tty = isatty(STDOUT_FILENO);
	c->sel.max_level = LEVEL_MAY;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "j:vh", long_opts, NULL)) != -1)
		if ((rc = cli_option(c, opt, optarg)) != 0)
			return rc;
	for (; optind < argc; optind++)
		strv_push(&c->paths, &c->npaths, argv[optind]);
	if (c->known_file != NULL && (rc = cli_read_known(c)) != 0)
		return rc;
	return 0;
}

/* Without PATH: ./scenarios, the tree the binary was built in, or the
 * installed share/mailspec/scenarios. */
static void
cli_default_paths(struct cli *c)
{
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	const char *const rel[] = { "/../../scenarios", "/../share/mailspec/scenarios" };
	struct stat sb;
	ssize_t n;
	size_t i;

	if (stat("scenarios", &sb) == 0 && S_ISDIR(sb.st_mode)) {
		strv_push(&c->paths, &c->npaths, "scenarios");
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return;
	exe[n] = '\0';
	*strrchr(exe, '/') = '\0';
	for (i = 0; i < 2; i++) {
		snprintf(cand, sizeof(cand), "%s%s", exe, rel[i]);
		if (stat(cand, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			strv_push(&c->paths, &c->npaths, cand);
			return;
		}
	}
}

static int
cmd_check(int argc, char **argv)
{
	struct library lib = { 0 };
	size_t errors;
	int i;

	if (argc < 2)
		return usage_error("%s", "check needs at least one PATH");
	for (i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			return usage_error("check: unknown option %s", argv[i]);
	errors = loader_load_paths(&lib, argv + 1, (size_t)argc - 1, stderr);
	if (errors == 0)
		printf("%zu scenarios, %zu preludes: no errors\n", lib.nscenarios, lib.npreludes);
	else
		fprintf(stderr, "%zu error%s\n", errors, errors == 1 ? "" : "s");
	library_free(&lib);
	return errors ? EXIT_SCENARIO : EXIT_PASS;
}

static void
cli_fill_run(struct cli *c, struct results_run *run, int64_t started_ms)
{
	size_t i;

	run->tool = strdup("mailspec");
	run->version = strdup(MAILSPEC_VERSION);
	run->target = strdup(c->target.name ? c->target.name : "unnamed target");
	run->endpoints = calloc(c->target.nendpoints + 1, sizeof(*run->endpoints));
	for (i = 0; run->endpoints != NULL && i < c->target.nendpoints; i++) {
		const struct endpoint *ep = &c->target.endpoints[i];
		char name[32];

		/* named as listeners are: "pop3" and "pop3s" (RFC 8314 §7) */
		snprintf(name, sizeof(name), "%s%s", role_name(ep->role),
		    ep->is_implicit_tls ? "s" : "");
		run->endpoints[i].name = strdup(name);
		run->endpoints[i].url = strdup(ep->url);
	}
	run->nendpoints = run->endpoints ? c->target.nendpoints : 0;
	run->started_unix_ms = started_ms;
}

static int
cli_write_reports(const struct cli *c, const struct results_run *run)
{
	const struct {
		const char *path;
		int (*fn)(const struct results_run *, FILE *);
	} outs[] = {
		{ c->json, report_json_write },
		{ c->junit, report_junit_write },
		{ c->tap, report_tap_write },
		{ c->markdown, report_markdown_write },
		{ c->html, report_html_write },
	};
	size_t i;
	int rc = 0;

	for (i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
		if (outs[i].path != NULL && report_write_file(outs[i].path, outs[i].fn, run) != 0) {
			fprintf(stderr, "mailspec: cannot write %s: %s\n", outs[i].path,
			    strerror(errno));
			rc = -1;
		}
	return rc;
}

static int
cli_exit_code(const struct cli *c, const struct results_run *run, const struct run_totals *tot)
{
	const size_t *n = run->counts;

	if (tot->scenario_errors > 0)
		return EXIT_SCENARIO;
	if (tot->runtime_errors > 0 || n[VERDICT_ERROR] > 0)
		return EXIT_RUNTIME;
	if (n[VERDICT_FAIL] > 0)
		return EXIT_FAIL;
	if (c->opts.strict && (n[VERDICT_NON_STRICT] > 0 || n[VERDICT_XPASS] > 0))
		return EXIT_FAIL;
	return EXIT_PASS;
}

static void
cli_summary(const struct results_run *run)
{
	const size_t *n = run->counts;

	printf("%zu passed, %zu failed, %zu skipped (%zu non_strict, %zu unsupported, "
	    "%zu skip, %zu error, %zu xfail, %zu xpass) in %.1f s\n",
	    n[VERDICT_PASS], n[VERDICT_FAIL], n[VERDICT_UNSUPPORTED] + n[VERDICT_SKIP],
	    n[VERDICT_NON_STRICT], n[VERDICT_UNSUPPORTED], n[VERDICT_SKIP], n[VERDICT_ERROR],
	    n[VERDICT_XFAIL], n[VERDICT_XPASS], (double)run->duration_ms / 1000.0);
}

static int
cli_run_selected(struct cli *c, struct scenario **sel, size_t nsel)
{
	struct results_run *run = calloc(1, sizeof(*run));
	struct run_totals tot = { 0 };
	struct timeval tv;
	uint64_t t0 = net_now_us();
	int rc;

	if (run == NULL)
		return EXIT_RUNTIME;
	gettimeofday(&tv, NULL);
	cli_fill_run(c, run, (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000);
	runner_run(sel, nsel, &c->target, &c->opts, run, &tot);
	run->duration_ms = (net_now_us() - t0) / 1000;
	if (tot.aborted) {
		fprintf(stderr, "mailspec: target unreachable: %s\n", tot.reason);
		results_run_free(&run);
		return EXIT_RUNTIME;
	}
	cli_summary(run);
	rc = cli_write_reports(c, run) != 0 ? EXIT_RUNTIME : cli_exit_code(c, run, &tot);
	results_run_free(&run);
	return rc;
}

static int
cli_run(struct cli *c)
{
	struct library lib = { 0 };
	struct scenario **sel;
	size_t i, nsel = 0;
	struct bundled *srv = NULL;
	int rc;

	if (c->npaths == 0)
		cli_default_paths(c);
	if (c->npaths == 0)
		return usage_error("%s", "no PATH given and no scenarios/ folder found");
	if (loader_load_paths(&lib, c->paths, c->npaths, stderr) > 0) {
		fprintf(stderr, "mailspec: %zu scenario error%s, nothing run\n", lib.nerrors,
		    lib.nerrors == 1 ? "" : "s");
		library_free(&lib);
		return EXIT_SCENARIO;
	}
	sel = calloc(lib.nscenarios + 1, sizeof(*sel));
	for (i = 0; sel != NULL && i < lib.nscenarios; i++)
		if (select_match(&c->sel, lib.scenarios[i]))
			sel[nsel++] = lib.scenarios[i];
	if (nsel == 0) {
		fprintf(stderr, "mailspec: no scenario selected\n");
		rc = EXIT_NONE;
	} else if (c->list) {
		for (i = 0; i < nsel; i++)
			printf("%s\t%s\tRFC %d §%s\t%s\n", sel[i]->id, level_name(sel[i]->level),
			    sel[i]->rfc, sel[i]->section, sel[i]->title);
		rc = EXIT_PASS;
	} else if (!c->has_target && bundled_start(&srv, &c->target, c->server_bin) != 0) {
		rc = EXIT_RUNTIME;
	} else {
		rc = cli_run_selected(c, sel, nsel);
	}
	bundled_stop(&srv);
	free(sel);
	library_free(&lib);
	return rc;
}

static void
cli_free(struct cli *c)
{
	target_free(&c->target);
	strv_free(&c->sel.run, &c->sel.nrun);
	strv_free(&c->sel.skip, &c->sel.nskip);
	strv_free(&c->sel.tags, &c->sel.ntags);
	strv_free(&c->opts.known_failing, &c->opts.nknown);
	strv_free(&c->paths, &c->npaths);
}

int
main(int argc, char **argv)
{
	struct cli c = { 0 };
	int rc;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("mailspec %s\n", MAILSPEC_VERSION);
		return EXIT_PASS;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_PASS;
	}
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (strcmp(argv[1], "mime") == 0)
		return cmd_mime(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") != 0)
		return usage_error("unknown command '%s'", argv[1]);
	rc = cli_parse(&c, argc - 1, argv + 1);
	if (rc == 0)
		rc = cli_run(&c);
	else if (rc < 0)
		rc = EXIT_PASS;
	cli_free(&c);
	return rc;
}
