/* bundled.c: start and stop mailspec-server for a run without a target. */
#include "bundled.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

#define BUNDLED_START_TIMEOUT_MS 10000
#define BUNDLED_STOP_TIMEOUT_MS 5000

struct bundled {
	pid_t pid;
	char dir[64];
};

/* The listeners the bundled server is asked for, and their URL schemes. */
static const struct {
	const char *listener;
	const char *scheme;
	enum role role;
} bundled_listeners[] = {
	{ "smtp", "smtp", ROLE_SMTP },
	{ "submission", "smtp", ROLE_SUBMISSION },
	{ "pop3", "pop3", ROLE_POP3 },
	{ "pop3s", "pop3s", ROLE_POP3 },
	{ "imap", "imap", ROLE_IMAP },
	{ "imaps", "imaps", ROLE_IMAP },
};
#define NLISTENERS (sizeof(bundled_listeners) / sizeof(bundled_listeners[0]))

static void
bundled_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int
bundled_rm(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	return remove(path);
}

static int
bundled_write_users(const char *dir, struct target *t)
{
	static const char *const names[] = { "alice", "bob" };
	unsigned char rnd[8];
	char path[128], err[256], spec[128];
	FILE *f;
	size_t i;

	snprintf(path, sizeof(path), "%s/users", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	for (i = 0; i < 2; i++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			memset(rnd, (int)i + 7, sizeof(rnd));
		snprintf(spec, sizeof(spec), "%s:pw%02x%02x%02x%02x%02x%02x", names[i], rnd[0],
		    rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
		fprintf(f, "%s\n", spec);
		target_add_user(t, spec, err, sizeof(err));
	}
	return fclose(f);
}

static void
bundled_server_path(const char *bin, char *out, size_t outlen)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (bin != NULL) {
		snprintf(out, outlen, "%s", bin);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	if (strrchr(exe, '/') != NULL)
		*strrchr(exe, '/') = '\0';
	snprintf(out, outlen, "%s/mailspec-server", exe);
}

static pid_t
bundled_spawn(const char *server, const char *dir)
{
	char store[96], users[96], ready[96], log[96];
	char *argv[32];
	size_t i, n = 0;
	pid_t pid;

	snprintf(store, sizeof(store), "%s/store", dir);
	snprintf(users, sizeof(users), "%s/users", dir);
	snprintf(ready, sizeof(ready), "%s/ready.json", dir);
	snprintf(log, sizeof(log), "%s/server.log", dir);
	argv[n++] = (char *)server;
	for (i = 0; i < NLISTENERS; i++) {
		static char opt[NLISTENERS][32];
		snprintf(opt[i], sizeof(opt[i]), "--%s", bundled_listeners[i].listener);
		argv[n++] = opt[i];
		argv[n++] = "127.0.0.1:0";
	}
	argv[n++] = "--store";
	argv[n++] = store;
	argv[n++] = "--users";
	argv[n++] = users;
	argv[n++] = "--ready-file";
	argv[n++] = ready;
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execv(server, argv);
		_exit(127);
	}
	return pid;
}

/* The ready file: {"smtp": "127.0.0.1:40211", ...} (DESIGN.md). */
static int
bundled_read_ready(const char *path, struct target *t)
{
	char data[4096], url[300], err[512];
	size_t i, n;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return -1;
	n = fread(data, 1, sizeof(data) - 1, f);
	fclose(f);
	data[n] = '\0';
	if (n == 0 || strchr(data, '}') == NULL)
		return -1;	/* not complete yet */
	for (i = 0; i < NLISTENERS; i++) {
		char key[40], *p, *end;

		snprintf(key, sizeof(key), "\"%s\"", bundled_listeners[i].listener);
		if ((p = strstr(data, key)) == NULL || (p = strchr(p + strlen(key), '"')) == NULL ||
		    (end = strchr(p + 1, '"')) == NULL)
			continue;
		snprintf(url, sizeof(url), "%s://%.*s", bundled_listeners[i].scheme,
		    (int)(end - p - 1), p + 1);
		if (target_add_url(t, bundled_listeners[i].role, url, err, sizeof(err)) != 0)
			return -1;
	}
	return t->nendpoints > 0 ? 0 : -1;
}

static int
bundled_wait_ready(struct bundled *b, struct target *t, const char *server)
{
	char ready[96];
	int waited, status;

	snprintf(ready, sizeof(ready), "%s/ready.json", b->dir);
	for (waited = 0; waited < BUNDLED_START_TIMEOUT_MS; waited += 20) {
		if (bundled_read_ready(ready, t) == 0)
			return 0;
		if (waitpid(b->pid, &status, WNOHANG) == b->pid) {
			b->pid = 0;
			fprintf(stderr, "mailspec: the bundled server %s exited (status %d); "
			    "see its log in %s/server.log\n", server, WEXITSTATUS(status), b->dir);
			return -1;
		}
		bundled_sleep_ms(20);
	}
	fprintf(stderr, "mailspec: the bundled server %s was not ready within %d s\n", server,
	    BUNDLED_START_TIMEOUT_MS / 1000);
	return -1;
}

int
bundled_start(struct bundled **bp, struct target *t, const char *bin)
{
	char server[PATH_MAX + 32];
	struct bundled *b = calloc(1, sizeof(*b));

	*bp = b;
	if (b == NULL)
		return -1;
	bundled_server_path(bin, server, sizeof(server));
	if (access(server, X_OK) != 0) {
		fprintf(stderr, "mailspec: no target given and no bundled server at %s: %s\n",
		    server, strerror(errno));
		return -1;
	}
	snprintf(b->dir, sizeof(b->dir), "/tmp/mailspec-run-XXXXXX");
	if (mkdtemp(b->dir) == NULL || bundled_write_users(b->dir, t) != 0) {
		fprintf(stderr, "mailspec: cannot prepare %s: %s\n", b->dir, strerror(errno));
		b->dir[0] = '\0';
		return -1;
	}
	b->pid = bundled_spawn(server, b->dir);
	if (b->pid < 0) {
		b->pid = 0;
		fprintf(stderr, "mailspec: cannot start %s: %s\n", server, strerror(errno));
		return -1;
	}
	free(t->name);
	t->name = strdup("mailspec-server (bundled)");
	return bundled_wait_ready(b, t, server);
}

void
bundled_stop(struct bundled **bp)
{
	struct bundled *b = *bp;
	int waited, status;

	if (b == NULL)
		return;
	if (b->pid > 0) {
		kill(b->pid, SIGTERM);
		for (waited = 0; waited < BUNDLED_STOP_TIMEOUT_MS; waited += 10) {
			if (waitpid(b->pid, &status, WNOHANG) == b->pid)
				break;
			bundled_sleep_ms(10);
		}
		if (waited >= BUNDLED_STOP_TIMEOUT_MS) {
			kill(b->pid, SIGKILL);
			waitpid(b->pid, &status, 0);
		}
	}
	if (b->dir[0] != '\0')
		nftw(b->dir, bundled_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(b);
	*bp = NULL;
}
