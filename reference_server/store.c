/* store.c: the store directory, mailbox names and state files, and the
 * write-fsync-rename discipline everything else relies on.
 *
 * RFC 9051 §2.3.1.1 / RFC 3501 §2.3.1.1: UIDs strictly ascending and
 * never reused within a UIDVALIDITY; UIDVALIDITY and UIDNEXT persist.
 * RFC 3501 §2.3.2: which messages are still \Recent persists too (the
 * state's "firstrecent" line), so a restart never makes old mail recent.
 * RFC 5321 §6.1: a 250 after end of data means the server has taken
 * responsibility: the message must survive a crash.
 */
#include "store_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "users.h"

void
store_set_error(struct store *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, sizeof(st->err), fmt, ap);
	va_end(ap);
}

int
store_path(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

const char *
store_error(const struct store *st)
{
	return st->err;
}

/* ---- file-system helpers ---- */

int
store_fsync_dir(struct store *st, const char *rel)
{
	int fd, rc;

	fd = openat(st->dfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		store_set_error(st, "open %s: %s", rel, strerror(errno));
		return -1;
	}
	rc = fsync(fd);
	if (rc == -1)
		store_set_error(st, "fsync %s: %s", rel, strerror(errno));
	close(fd);
	return rc;
}

static void
store_parent(const char *rel, char *out, size_t outlen)
{
	const char *slash = strrchr(rel, '/');

	if (slash == NULL)
		snprintf(out, outlen, ".");
	else
		snprintf(out, outlen, "%.*s", (int)(slash - rel), rel);
}

int
store_mkdirs(struct store *st, const char *rel)
{
	char parent[STORE_PATH_MAX];
	struct stat sb;

	if (fstatat(st->dfd, rel, &sb, 0) == 0)
		return S_ISDIR(sb.st_mode) ? 0 : -1;
	store_parent(rel, parent, sizeof(parent));
	if (strcmp(parent, ".") != 0 && store_mkdirs(st, parent) != 0)
		return -1;
	if (mkdirat(st->dfd, rel, 0700) == -1 && errno != EEXIST) {
		store_set_error(st, "mkdir %s: %s", rel, strerror(errno));
		return -1;
	}
	return store_fsync_dir(st, parent);
}

static int
store_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
store_write_atomic(struct store *st, const char *dir, const char *name,
    const void *data, size_t len)
{
	char tmp[STORE_PATH_MAX], dst[STORE_PATH_MAX];
	int fd;

	store_path(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	store_path(dst, sizeof(dst), "%s/%s", dir, name);
	fd = openat(st->dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1) {
		store_set_error(st, "create %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (store_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		store_set_error(st, "write %s: %s", tmp, strerror(errno));
		close(fd);
		unlinkat(st->dfd, tmp, 0);
		return -1;
	}
	close(fd);
	if (renameat(st->dfd, tmp, st->dfd, dst) == -1) {
		store_set_error(st, "rename %s: %s", dst, strerror(errno));
		unlinkat(st->dfd, tmp, 0);
		return -1;
	}
	return store_fsync_dir(st, dir);
}

int
store_lock(struct store *st, const char *dir, int op)
{
	char path[STORE_PATH_MAX];
	int fd;

	store_path(path, sizeof(path), "%s/%s", dir, STORE_LOCK_FILE);
	fd = openat(st->dfd, path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1) {
		store_set_error(st, "open %s: %s", path, strerror(errno));
		return -1;
	}
	while (flock(fd, op) == -1) {
		if (errno != EINTR) {
			store_set_error(st, "flock %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

void
store_unlock(int fd)
{
	if (fd != -1)
		close(fd);	/* releases the flock */
}

/* ---- mailbox names ---- */

const char *
store_canonical_name(const char *name)
{
	return strcasecmp(name, STORE_INBOX) == 0 ? STORE_INBOX : name;
}

/* Bytes kept as they are in a directory name; the rest become %XX. */
static bool
store_name_char_ok(unsigned char c, size_t pos)
{
	if (c == '.')
		return pos > 0;
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '+';
}

static int
store_encode_name(const char *name, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	for (i = 0; name[i] != '\0'; i++) {
		unsigned char c = (unsigned char)name[i];

		if (o + 4 > outlen)
			return -1;
		if (store_name_char_ok(c, i)) {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '%';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o] = '\0';
	return o == 0 ? -1 : 0;
}

static int
store_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
store_decode_name(const char *enc, char *out, size_t outlen)
{
	size_t o = 0;
	int hi, lo;

	for (; *enc != '\0'; enc++) {
		if (o + 1 >= outlen)
			return -1;
		if (*enc != '%') {
			out[o++] = *enc;
			continue;
		}
		hi = store_hexval(enc[1]);
		lo = hi < 0 ? -1 : store_hexval(enc[2]);
		if (lo < 0)
			return -1;
		out[o++] = (char)(hi * 16 + lo);
		enc += 2;
	}
	out[o] = '\0';
	return 0;
}

int
store_mailbox_dir(struct store *st, const char *user, const char *name,
    char *out, size_t outlen)
{
	char enc[256];

	if (!users_name_is_valid(user, strlen(user))) {
		store_set_error(st, "invalid user name");
		return -1;
	}
	name = store_canonical_name(name);
	if (strlen(name) > STORE_MAILBOX_MAX ||
	    store_encode_name(name, enc, sizeof(enc)) != 0) {
		store_set_error(st, "mailbox name too long or empty");
		return -1;
	}
	snprintf(out, outlen, "%s/%s", user, enc);
	return 0;
}

/* ---- state files ---- */

int
store_state_read(struct store *st, const char *dir, struct store_state *s)
{
	char path[STORE_PATH_MAX], text[256];
	unsigned long long v, n, r;
	const char *p;
	ssize_t len;
	int fd;

	store_path(path, sizeof(path), "%s/%s", dir, STORE_STATE_FILE);
	fd = openat(st->dfd, path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		store_set_error(st, "open %s: %s", path, strerror(errno));
		return -1;
	}
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len <= 0) {
		store_set_error(st, "read %s failed", path);
		return -1;
	}
	text[len] = '\0';
	if (sscanf(text, "mailspec-mailbox 1\nuidvalidity %llu\nuidnext %llu",
	    &v, &n) != 2 || v == 0 || v > UINT32_MAX || n == 0 || n > UINT32_MAX) {
		store_set_error(st, "%s: malformed", path);
		return -1;
	}
	/* Optional (stores written before it have none): without it nobody
	 * is known to have seen any message, so all are recent (RFC 3501
	 * §2.3.2: "that message SHOULD be considered recent"). */
	r = 1;
	if ((p = strstr(text, "\nfirstrecent ")) != NULL &&
	    (sscanf(p, "\nfirstrecent %llu", &r) != 1 || r == 0))
		r = 1;
	s->uidvalidity = (uint32_t)v;
	s->uidnext = (uint32_t)n;
	s->first_recent = (uint32_t)(r < n ? r : n);
	return 0;
}

int
store_state_write(struct store *st, const char *dir, const struct store_state *s)
{
	char text[160];
	int n;

	n = snprintf(text, sizeof(text),
	    "mailspec-mailbox 1\nuidvalidity %" PRIu32 "\nuidnext %" PRIu32
	    "\nfirstrecent %" PRIu32 "\n", s->uidvalidity, s->uidnext, s->first_recent);
	return store_write_atomic(st, dir, STORE_STATE_FILE, text, (size_t)n);
}

/* A UIDVALIDITY never given before in this store: the clock, but always
 * above the last one handed out (kept in .meta/uidvalidity under
 * .meta/lock). */
static uint32_t
store_next_uidvalidity(struct store *st)
{
	char text[32];
	unsigned long long last = 0;
	uint32_t v = (uint32_t)time(NULL);
	ssize_t len;
	int lk, fd;

	lk = store_lock(st, STORE_META_DIR, LOCK_EX);
	fd = openat(st->dfd, STORE_META_DIR "/uidvalidity", O_RDONLY | O_CLOEXEC);
	if (fd != -1) {
		len = read(fd, text, sizeof(text) - 1);
		close(fd);
		text[len > 0 ? len : 0] = '\0';
		if (sscanf(text, "%llu", &last) != 1)
			last = 0;
	}
	if (last < UINT32_MAX && v <= last)
		v = (uint32_t)last + 1;
	len = snprintf(text, sizeof(text), "%" PRIu32 "\n", v);
	store_write_atomic(st, STORE_META_DIR, "uidvalidity", text, (size_t)len);
	store_unlock(lk);
	return v;
}

int
store_mailbox_ensure(struct store *st, const char *dir)
{
	char msgdir[STORE_PATH_MAX], path[STORE_PATH_MAX];
	struct store_state s;
	struct stat sb;
	int lk, rc = 0;

	store_path(path, sizeof(path), "%s/%s", dir, STORE_STATE_FILE);
	if (fstatat(st->dfd, path, &sb, 0) == 0)
		return 0;
	store_path(msgdir, sizeof(msgdir), "%s/%s", dir, STORE_MSG_DIR);
	if (store_mkdirs(st, msgdir) != 0)
		return -1;
	lk = store_lock(st, dir, LOCK_EX);
	if (lk == -1)
		return -1;
	if (fstatat(st->dfd, path, &sb, 0) != 0) {	/* not made meanwhile */
		s.uidvalidity = store_next_uidvalidity(st);
		s.uidnext = 1;
		s.first_recent = 1;
		rc = store_state_write(st, dir, &s);
	}
	store_unlock(lk);
	return rc;
}

/* ---- the store ---- */

static void
store_clean_spool(struct store *st)
{
	struct dirent *de;
	DIR *d;
	int fd;

	fd = openat(st->dfd, STORE_SPOOL_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			unlinkat(fd, de->d_name, 0);	/* never acknowledged */
	closedir(d);
}

struct store *
store_open(const char *dir, char *err, size_t errlen)
{
	struct store *st;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
		return NULL;
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	st->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->dfd == -1 || store_mkdirs(st, STORE_SPOOL_DIR) != 0 ||
	    store_mkdirs(st, STORE_META_DIR) != 0) {
		snprintf(err, errlen, "%s: %s", dir,
		    st->dfd == -1 ? strerror(errno) : st->err);
		store_free(&st);
		return NULL;
	}
	store_clean_spool(st);
	return st;
}

void
store_free(struct store **sp)
{
	struct store *st = *sp;

	if (st == NULL)
		return;
	if (st->dfd != -1)
		close(st->dfd);
	free(st);
	*sp = NULL;
}
