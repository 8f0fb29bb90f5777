/* store_flags.c: the per-mailbox flags file.
 *
 * RFC 9051 §2.3.2 (system flags and keywords), RFC 1939 §5 (DELE marks,
 * the UPDATE state removes). Only messages with a flag or keyword have a
 * line; the file is rewritten whole, atomically, under the mailbox lock.
 *
 *   mailspec-flags 1
 *   <uid> [\Seen] [\Answered] [\Flagged] [\Deleted] [\Draft] [keyword...]
 */
#include "store_private.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"

#define STORE_FLAGS_FILE_MAX	(64u * 1024 * 1024)

static const struct {
	const char *name;
	unsigned bit;
} store_sysflags[] = {
	{ "\\Seen", STORE_F_SEEN },
	{ "\\Answered", STORE_F_ANSWERED },
	{ "\\Flagged", STORE_F_FLAGGED },
	{ "\\Deleted", STORE_F_DELETED },
	{ "\\Draft", STORE_F_DRAFT },
};

#define STORE_NSYSFLAGS (sizeof(store_sysflags) / sizeof(store_sysflags[0]))

/* Append "word" to a space-separated list in out. */
static void
store_kw_add(char *out, size_t outlen, const char *w, size_t wlen)
{
	size_t used = strlen(out);

	if (used + wlen + 2 > outlen)
		return;		/* too many keywords: the rest are dropped */
	if (used > 0)
		out[used++] = ' ';
	memcpy(out + used, w, wlen);
	out[used + wlen] = '\0';
}

unsigned
store_flags_parse(const char *text, char *kw_out, size_t kwlen)
{
	unsigned flags = 0;
	size_t i, wlen;
	bool is_sys;

	kw_out[0] = '\0';
	while (*text != '\0') {
		while (*text == ' ')
			text++;
		wlen = strcspn(text, " \n");
		if (wlen == 0)
			break;
		is_sys = false;
		for (i = 0; i < STORE_NSYSFLAGS; i++)
			if (strlen(store_sysflags[i].name) == wlen &&
			    strncasecmp(store_sysflags[i].name, text, wlen) == 0) {
				flags |= store_sysflags[i].bit;
				is_sys = true;
			}
		if (!is_sys && text[0] != '\\')
			store_kw_add(kw_out, kwlen, text, wlen);
		text += wlen;
		if (*text == '\n')
			break;
	}
	return flags;
}

void
store_flags_release(struct store_flag_list *fl)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		free(fl->v[i].keywords);
	free(fl->v);
	fl->v = NULL;
	fl->n = 0;
}

const struct store_flag_entry *
store_flags_get(const struct store_flag_list *fl, uint32_t uid)
{
	size_t lo = 0, hi = fl->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (fl->v[mid].uid == uid)
			return &fl->v[mid];
		if (fl->v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static size_t
store_flags_pos(const struct store_flag_list *fl, uint32_t uid)
{
	size_t lo = 0, hi = fl->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (fl->v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
store_flags_put(struct store_flag_list *fl, uint32_t uid, unsigned flags,
    const char *keywords)
{
	struct store_flag_entry *v;
	size_t pos = store_flags_pos(fl, uid);
	char *kw;
	bool is_empty = flags == 0 && (keywords == NULL || keywords[0] == '\0');

	if (pos < fl->n && fl->v[pos].uid == uid) {
		if (is_empty) {
			free(fl->v[pos].keywords);
			memmove(&fl->v[pos], &fl->v[pos + 1],
			    (fl->n - pos - 1) * sizeof(*v));
			fl->n--;
			return 0;
		}
		kw = strdup(keywords != NULL ? keywords : "");
		if (kw == NULL)
			return -1;
		free(fl->v[pos].keywords);
		fl->v[pos].keywords = kw;
		fl->v[pos].flags = flags;
		return 0;
	}
	if (is_empty)
		return 0;
	v = realloc(fl->v, (fl->n + 1) * sizeof(*v));
	if (v == NULL)
		return -1;
	fl->v = v;
	kw = strdup(keywords != NULL ? keywords : "");
	if (kw == NULL)
		return -1;
	memmove(&v[pos + 1], &v[pos], (fl->n - pos) * sizeof(*v));
	v[pos].uid = uid;
	v[pos].flags = flags;
	v[pos].keywords = kw;
	fl->n++;
	return 0;
}

static int
store_flags_parse_line(struct store_flag_list *fl, char *line)
{
	char kw[4096];
	unsigned long long uid;
	unsigned flags;
	char *end;

	errno = 0;
	uid = strtoull(line, &end, 10);
	if (errno != 0 || end == line || uid == 0 || uid > UINT32_MAX)
		return 0;	/* not a message line: ignored */
	flags = store_flags_parse(end, kw, sizeof(kw));
	return store_flags_put(fl, (uint32_t)uid, flags, kw);
}

int
store_flags_read(struct store *st, const char *dir, struct store_flag_list *fl)
{
	char path[STORE_PATH_MAX], chunk[8192], *line, *nl;
	struct buf text;
	ssize_t n;
	int fd, rc = 0;

	fl->v = NULL;
	fl->n = 0;
	store_path(path, sizeof(path), "%s/%s", dir, STORE_FLAGS_FILE);
	fd = openat(st->dfd, path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	buf_init(&text, STORE_FLAGS_FILE_MAX);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (!buf_append(&text, chunk, (size_t)n)) {
			rc = -1;
			break;
		}
	close(fd);
	for (line = text.data; rc == 0 && line != NULL && *line != '\0'; line = nl) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		rc = store_flags_parse_line(fl, line);
	}
	buf_release(&text);
	if (rc != 0) {
		store_set_error(st, "%s: cannot read", path);
		store_flags_release(fl);
	}
	return rc;
}

static bool
store_flags_format(struct buf *b, const struct store_flag_entry *e)
{
	size_t i;
	bool ok;

	ok = buf_printf(b, "%" PRIu32, e->uid);
	for (i = 0; i < STORE_NSYSFLAGS; i++)
		if (e->flags & store_sysflags[i].bit)
			ok = ok && buf_printf(b, " %s", store_sysflags[i].name);
	if (e->keywords[0] != '\0')
		ok = ok && buf_printf(b, " %s", e->keywords);
	return ok && buf_putc(b, '\n');
}

int
store_flags_write(struct store *st, const char *dir,
    const struct store_flag_list *fl)
{
	struct buf b;
	size_t i;
	bool ok;
	int rc;

	buf_init(&b, STORE_FLAGS_FILE_MAX);
	ok = buf_puts(&b, "mailspec-flags 1\n");
	for (i = 0; ok && i < fl->n; i++)
		ok = store_flags_format(&b, &fl->v[i]);
	if (!ok) {
		store_set_error(st, "flags file too large");
		buf_release(&b);
		return -1;
	}
	rc = store_write_atomic(st, dir, STORE_FLAGS_FILE, b.data, b.len);
	buf_release(&b);
	return rc;
}
