/* imap_fetch_msg.c: what FETCH, STORE, SEARCH, COPY and MOVE share:
 * the messages a set names, a message's octets and its MIME tree, and
 * the date-time format.
 *
 * RFC 9051 §2.3.1.1 and §2.3.1.2 (UIDs and message sequence numbers),
 * §6.4.9 (a UID set may name UIDs that are not in the mailbox: they are
 * ignored; "*" of a UID set is the highest UID), §9 (sequence-set: a
 * range is the same whichever end comes first; seq-number "*" is the
 * last message; a message number past the end is an error, answered BAD
 * by imap_view_seqset()), §6.4.4.1 and RFC 5182 §2.1 ("$": the saved
 * search result, as sequence numbers or UIDs alike; empty, it names no
 * message and is no error), §2.3.3 and §9 date-time (INTERNALDATE:
 * "dd-Mon-yyyy hh:mm:ss +zzzz"; this server shows it in UTC).
 *
 * A message file never changes once written (README: on-disk format),
 * so it is mapped read-only rather than read: a 10 MB body costs address
 * space, not heap, and a mapping stays valid when another session
 * expunges (unlinks) the file meanwhile. The MIME parser (engine/proto/
 * mime.h) keeps no body octets; its arena is bounded (IMAP_MIME_MEMORY)
 * and reused from one message to the next.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imap_private.h"

#define IMAP_MIME_MEMORY	((size_t)64 << 20)	/* one message's tree */
#define IMAP_MIME_HEADERS	((size_t)16 << 20)	/* header octets kept */

/* ---- message sets ---- */

/* Mark the messages of set in marks[0..n) (1-based seq - 1). */
static void
imap_msgset_mark_seqs(struct imap_seqset *set, bool *marks, size_t n)
{
	uint32_t lo, hi, i;

	while (imap_seqset_next_range(set, &lo, &hi) == 1)
		for (i = lo; i <= hi && i <= n; i++) {
			marks[i - 1] = true;
			if (i == UINT32_MAX)
				break;
		}
}

/* The first position in the view whose UID is at least uid. */
static size_t
imap_msgset_lower_bound(const struct imap_session *s, uint32_t uid)
{
	size_t lo = 0, hi = imap_view_count(s), mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (imap_view_get(s, (uint32_t)mid + 1)->uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
imap_msgset_mark_uids(const struct imap_session *s, struct imap_seqset *set,
    bool *marks, size_t n)
{
	uint32_t lo, hi;
	size_t i;

	while (imap_seqset_next_range(set, &lo, &hi) == 1)
		for (i = imap_msgset_lower_bound(s, lo);
		    i < n && imap_view_get(s, (uint32_t)i + 1)->uid <= hi; i++)
			marks[i] = true;
}

bool
imap_msgset_get(struct imap_session *s, const struct imap_node *node, bool is_uid,
    struct imap_msgset *set_r)
{
	size_t n = imap_view_count(s), i;
	struct imap_seqset set;
	bool *marks;

	memset(set_r, 0, sizeof(*set_r));
	if (!imap_view_seqset(s, node, is_uid, &set))
		return false;
	marks = calloc(n + 1, sizeof(*marks));
	set_r->seqs = calloc(n + 1, sizeof(*set_r->seqs));
	if (marks == NULL || set_r->seqs == NULL) {
		free(marks);
		imap_msgset_free(set_r);
		imap_no(s, "SERVERBUG", "Out of memory");
		return false;
	}
	if (is_uid)
		imap_msgset_mark_uids(s, &set, marks, n);
	else
		imap_msgset_mark_seqs(&set, marks, n);
	for (i = 0; i < n && set.has_dollar; i++)
		marks[i] = marks[i] || imap_saved_has(s, imap_view_get(s, (uint32_t)i + 1)->uid);
	for (i = 0; i < n; i++)
		if (marks[i])
			set_r->seqs[set_r->n++] = (uint32_t)i + 1;
	free(marks);
	return true;
}

void
imap_msgset_free(struct imap_msgset *set)
{
	free(set->seqs);
	set->seqs = NULL;
	set->n = 0;
}

/* ---- message contents ---- */

int
imap_msgdata_open(struct imap_session *s, struct imap_msgdata *md, uint32_t seq)
{
	const struct imap_view_msg *m = imap_view_get(s, seq);
	struct stat st;
	int fd;

	imap_msgdata_close(md);
	if (m == NULL || imap_view_store_msg(s, seq) == NULL)
		return -1;
	if ((fd = store_mailbox_open_msg(s->view.mb, m->uid)) < 0)
		return -1;	/* expunged by another session meanwhile */
	if (fstat(fd, &st) != 0) {
		close(fd);
		return -1;
	}
	md->data = "";
	md->len = (size_t)st.st_size;
	if (md->len > 0) {
		md->map = mmap(NULL, md->len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (md->map == MAP_FAILED) {
			server_log("imap: mmap of UID %u: %s", (unsigned)m->uid, strerror(errno));
			md->map = NULL;
			md->len = 0;
			close(fd);
			return -1;
		}
		md->data = md->map;
	}
	close(fd);
	return 0;
}

const struct mime_part *
imap_msgdata_tree(struct imap_msgdata *md)
{
	struct mime_limits lim = {
		.max_memory = IMAP_MIME_MEMORY,
		.max_header_total = IMAP_MIME_HEADERS,
	};

	if (md->root != NULL)
		return md->root;
	if (md->parser == NULL && (md->parser = mime_parser_new(&lim)) == NULL)
		return NULL;
	mime_parser_reset(md->parser);
	mime_parser_feed(md->parser, md->data, md->len);
	md->root = mime_parser_finish(md->parser);
	return md->root;
}

void
imap_msgdata_close(struct imap_msgdata *md)
{
	if (md->map != NULL)
		munmap(md->map, md->len);
	md->map = NULL;
	md->data = NULL;
	md->len = 0;
	md->root = NULL;
}

void
imap_msgdata_free(struct imap_msgdata *md)
{
	imap_msgdata_close(md);
	mime_parser_free(&md->parser);
}

void
imap_set_write(struct buf *b, const uint32_t *v, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		for (j = i; j + 1 < n && v[j + 1] == v[j] + 1; j++)
			;
		buf_printf(b, "%s%u", i > 0 ? "," : "", (unsigned)v[i]);
		if (j > i)
			buf_printf(b, ":%u", (unsigned)v[j]);
		i = j + 1;
	}
}

/* ---- dates ---- */

void
imap_date_time_format(time_t t, char *out, size_t outlen)
{
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	snprintf(out, outlen, "%02d-%s-%04d %02d:%02d:%02d +0000", tm.tm_mday,
	    months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
