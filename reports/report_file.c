/* report_file.c: the atomic file writer every report uses: write to
 * "PATH.tmp.<pid>", flush, fsync, rename; on failure remove the temporary,
 * so a reader never sees a half-written report.
 */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* report_write_file()'s writer, called through report_write_atomic(). */
struct report_run_writer {
	int (*fn)(const struct results_run *, FILE *);
	const struct results_run *run;
};

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
report_write_temp(const char *tmp, int (*fn)(const void *, FILE *),
    const void *ctx)
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
	rc = fn(ctx, f);
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
report_write_atomic(const char *path, int (*fn)(const void *, FILE *),
    const void *ctx)
{
	char *tmp;
	int saved;

	if (path == NULL || fn == NULL || ctx == NULL) {
		errno = EINVAL;
		return -1;
	}
	tmp = report_temp_path(path);
	if (tmp == NULL)
		return -1;
	errno = 0;
	if (report_write_temp(tmp, fn, ctx) == 0 && rename(tmp, path) == 0) {
		free(tmp);
		return 0;
	}
	saved = errno;
	unlink(tmp);
	free(tmp);
	errno = saved != 0 ? saved : EIO;
	return -1;
}

static int
report_call_run_writer(const void *ctx, FILE *out)
{
	const struct report_run_writer *w = ctx;

	return w->fn(w->run, out);
}

int
report_write_file(const char *path,
    int (*fn)(const struct results_run *, FILE *), const struct results_run *run)
{
	struct report_run_writer w = { fn, run };

	if (fn == NULL || run == NULL) {
		errno = EINVAL;
		return -1;
	}
	return report_write_atomic(path, report_call_run_writer, &w);
}
