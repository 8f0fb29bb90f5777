/* store_folders.c: a user's set of mailboxes.
 *
 * RFC 9051 §6.3.4 (CREATE), §6.3.5 (DELETE: INBOX cannot be deleted),
 * §6.3.6 (RENAME), §6.3.9 (LIST). A mailbox is a directory under the
 * user's directory whose name is the mailbox name with every byte
 * outside [A-Za-z0-9_+-] (and a leading '.') written as %XX.
 */
#include "store_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
store_mailbox_list(struct store *st, const char *user,
    void (*fn)(void *arg, const char *name), void *arg)
{
	char dir[STORE_PATH_MAX], name[STORE_MAILBOX_MAX + 1];
	struct dirent *de;
	DIR *d;
	int fd;

	/* INBOX always exists */
	if (store_mailbox_dir(st, user, STORE_INBOX, dir, sizeof(dir)) != 0 ||
	    store_mailbox_ensure(st, dir) != 0)
		return -1;
	fd = openat(st->dfd, user, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		store_set_error(st, "open %s: %s", user, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    store_decode_name(de->d_name, name, sizeof(name)) != 0)
			continue;
		fn(arg, name);
	}
	closedir(d);
	return 0;
}

int
store_mailbox_create(struct store *st, const char *user, const char *name)
{
	char dir[STORE_PATH_MAX], path[STORE_PATH_MAX];
	struct stat sb;

	if (store_mailbox_dir(st, user, name, dir, sizeof(dir)) != 0)
		return -1;
	store_path(path, sizeof(path), "%s/%s", dir, STORE_STATE_FILE);
	if (fstatat(st->dfd, path, &sb, 0) == 0) {
		store_set_error(st, "mailbox exists");
		return -1;
	}
	return store_mailbox_ensure(st, dir);
}

/* Remove every file of a mailbox directory, then the directory. */
static int
store_remove_tree(struct store *st, const char *dir)
{
	char path[STORE_PATH_MAX];
	struct dirent *de;
	DIR *d;
	int fd;

	store_path(path, sizeof(path), "%s/%s", dir, STORE_MSG_DIR);
	fd = openat(st->dfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd != -1 && (d = fdopendir(fd)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.')
				unlinkat(fd, de->d_name, 0);
		closedir(d);
	} else if (fd != -1)
		close(fd);
	unlinkat(st->dfd, path, AT_REMOVEDIR);
	store_path(path, sizeof(path), "%s/%s", dir, STORE_FLAGS_FILE);
	unlinkat(st->dfd, path, 0);
	store_path(path, sizeof(path), "%s/%s", dir, STORE_STATE_FILE);
	unlinkat(st->dfd, path, 0);
	store_path(path, sizeof(path), "%s/%s", dir, STORE_LOCK_FILE);
	unlinkat(st->dfd, path, 0);
	if (unlinkat(st->dfd, dir, AT_REMOVEDIR) == -1) {
		store_set_error(st, "rmdir %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int
store_mailbox_delete(struct store *st, const char *user, const char *name)
{
	char dir[STORE_PATH_MAX];

	if (strcmp(store_canonical_name(name), STORE_INBOX) == 0) {
		store_set_error(st, "INBOX cannot be deleted");
		return -1;
	}
	if (store_mailbox_dir(st, user, name, dir, sizeof(dir)) != 0)
		return -1;
	if (store_remove_tree(st, dir) != 0)
		return -1;
	return store_fsync_dir(st, user);
}

int
store_mailbox_rename(struct store *st, const char *user, const char *from,
    const char *to)
{
	char src[STORE_PATH_MAX], dst[STORE_PATH_MAX];

	if (strcmp(store_canonical_name(from), STORE_INBOX) == 0 ||
	    strcmp(store_canonical_name(to), STORE_INBOX) == 0) {
		store_set_error(st, "INBOX cannot be renamed here");
		return -1;
	}
	if (store_mailbox_dir(st, user, from, src, sizeof(src)) != 0 ||
	    store_mailbox_dir(st, user, to, dst, sizeof(dst)) != 0)
		return -1;
	if (renameat2(st->dfd, src, st->dfd, dst, RENAME_NOREPLACE) == -1) {
		store_set_error(st, "rename: %s", strerror(errno));
		return -1;
	}
	return store_fsync_dir(st, user);
}
