/* imap_view.c: the selected mailbox as the client knows it, and the
 * announcement of what other sessions changed.
 *
 * RFC 9051 §2.3.1.1 (UIDs ascend and are never reused; UIDVALIDITY),
 * §2.3.1.2 (message sequence numbers: positions, renumbered by EXPUNGE),
 * §2.3.2 (flags: system flags and keywords; "\Recent" is gone in
 * IMAP4rev2, so only IMAP4rev1 sessions see or take it),
 * §5.2 (size and flag updates are sent without being asked; EXISTS never
 * shrinks the mailbox), §7.3.5 (FLAGS: sent again when a new keyword
 * appears), §7.4.1 (EXISTS), §7.5.1 (EXPUNGE: the number is the current
 * position, later ones renumbered at once; never while no command is in
 * progress, nor during FETCH, STORE or SEARCH: such expunges are held
 * back and the message stays in the view, marked), §7.5.2 (unsolicited
 * FETCH with the UID item, as IDLE requires, §6.3.13), §9 (seq-number:
 * "*" is the last message, or for UIDs the highest UID, or UIDNEXT in an
 * empty mailbox). RFC 3501 §2.3.2 (\Recent: the session that is first
 * notified of a message sees it recent; when it is read-write, later ones
 * do not), §6.3.2 (EXAMINE does not take \Recent away), §7 and §7.3.2
 * (new messages: EXISTS, then RECENT with the new count).
 *
 * \Recent bookkeeping: a read-write IMAP4rev1 view claims, at SELECT and
 * at each sync, the messages of its snapshot no session has claimed yet
 * (store_mailbox_claim_recent(), persisted in the mailbox state); those
 * are recent in this view for as long as it lasts. EXAMINE and a view
 * that is neither claim nothing and show as recent what is unclaimed when
 * the message enters the view. IMAP4rev2 views neither show nor take it.
 *
 * The store calls imap_view_on_notify() after another handle changed
 * the mailbox (a delivery, an APPEND, POP3's UPDATE, another IMAP
 * session); the view is compared with a fresh snapshot at the next
 * announcement point (imap_ok/imap_no, IDLE). A change made by another
 * process is seen when NOOP, CHECK, IDLE or a command of this session
 * re-reads the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_private.h"

static const char imap_system_flags[] = "\\Answered \\Flagged \\Deleted \\Seen \\Draft";

static void
imap_view_on_notify(void *arg, struct store_mailbox *mb)
{
	struct imap_session *s = arg;

	(void)mb;
	s->view.is_changed = true;
	imap_idle_wake(s);
}

/* ---- keywords announced in FLAGS (§7.3.5) ---- */

bool
imap_kw_has(const char *list, const char *kw, size_t len)
{
	const char *p = list;

	while (p != NULL && *p != '\0') {
		const char *end = strchr(p, ' ');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);

		if (n == len && strncasecmp(p, kw, len) == 0)
			return true;
		p = end != NULL ? end + 1 : NULL;
	}
	return false;
}

/* Add the keywords of kw the FLAGS response has not named; true if any. */
static bool
imap_view_learn(struct imap_view *v, const char *kw)
{
	bool is_new = false;

	while (kw != NULL && *kw != '\0') {
		const char *end = strchr(kw, ' ');
		size_t n = end != NULL ? (size_t)(end - kw) : strlen(kw);

		if (n > 0 && !imap_kw_has(v->keywords.data, kw, n)) {
			if ((v->keywords.len > 0 && !buf_putc(&v->keywords, ' ')) ||
			    !buf_append(&v->keywords, kw, n))
				return is_new;	/* too many: FLAGS stays incomplete */
			is_new = true;
		}
		kw = end != NULL ? end + 1 : NULL;
	}
	return is_new;
}

static void
imap_view_send_flags(struct imap_session *s)
{
	imap_out_begin(s, "* FLAGS (");
	imap_out_printf(s, "%s%s%s)", imap_system_flags,
	    s->view.keywords.len > 0 ? " " : "",
	    s->view.keywords.len > 0 ? s->view.keywords.data : "");
	imap_out_end(s);
}

/* ---- opening and closing ---- */

static int
imap_view_put(struct imap_view *v, const struct store_msg *m, bool is_recent)
{
	struct imap_view_msg *nv;
	size_t cap;

	if (v->n == v->cap) {
		cap = v->cap == 0 ? 64 : v->cap * 2;
		if ((nv = realloc(v->msgs, cap * sizeof(*nv))) == NULL)
			return -1;
		v->msgs = nv;
		v->cap = cap;
	}
	nv = &v->msgs[v->n];
	memset(nv, 0, sizeof(*nv));
	nv->uid = m->uid;
	nv->flags = m->flags;
	nv->is_recent = is_recent;
	if (m->keywords[0] != '\0' && (nv->keywords = strdup(m->keywords)) == NULL)
		return -1;
	v->n++;
	imap_view_learn(v, m->keywords);
	return 0;
}

/* The first UID that is recent for this view among the snapshot's
 * messages it has not seen yet (UINT32_MAX: none; IMAP4rev2). */
static uint32_t
imap_view_recent_from(struct imap_session *s)
{
	struct imap_view *v = &s->view;
	uint32_t first;

	if (!v->has_recent)
		return UINT32_MAX;
	if (!v->is_recent_owner)
		return store_mailbox_first_recent(v->mb);
	if (store_mailbox_claim_recent(v->mb, &first) != 0)
		server_log("imap: recording \\Recent of %s of %s: %s", v->name,
		    s->user, store_error(s->srv->store));
	return first;
}

int
imap_view_open(struct imap_session *s, const char *name, bool is_readonly)
{
	struct imap_view *v = &s->view;
	struct store_mailbox *mb;
	const struct store_msg *sm;
	uint32_t recent;
	size_t i, n;

	mb = store_mailbox_open(s->srv->store, s->user, name, false);
	if (mb == NULL)
		return -1;
	v->mb = mb;
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->uidvalidity = store_mailbox_uidvalidity(mb);
	v->uidnext = store_mailbox_uidnext(mb);
	v->is_readonly = is_readonly;
	v->is_changed = false;
	v->has_recent = !s->is_rev2;
	v->is_recent_owner = v->has_recent && !is_readonly;
	buf_clear(&v->keywords);
	recent = imap_view_recent_from(s);
	n = store_mailbox_count(mb);
	for (i = 0; i < n; i++)
		if ((sm = store_mailbox_msg(mb, i)) != NULL &&
		    imap_view_put(v, sm, sm->uid >= recent) != 0) {
			server_log("imap: out of memory selecting %s", name);
			imap_view_close(s);
			return -1;
		}
	store_mailbox_set_notify(mb, imap_view_on_notify, s);
	return 0;
}

void
imap_view_close(struct imap_session *s)
{
	struct imap_view *v = &s->view;
	size_t i;

	store_mailbox_close(&v->mb);
	for (i = 0; i < v->n; i++)
		free(v->msgs[i].keywords);
	free(v->msgs);
	v->msgs = NULL;
	v->n = v->cap = 0;
	v->name[0] = '\0';
	v->is_changed = false;
	v->has_recent = v->is_recent_owner = false;
	buf_clear(&v->keywords);
	free(v->saved);
	v->saved = NULL;
	v->nsaved = 0;
}

/* ---- lookups ---- */

size_t
imap_view_count(const struct imap_session *s)
{
	return s->view.n;
}

const struct imap_view_msg *
imap_view_get(const struct imap_session *s, uint32_t seq)
{
	return seq >= 1 && seq <= s->view.n ? &s->view.msgs[seq - 1] : NULL;
}

uint32_t
imap_view_seq_of_uid(const struct imap_session *s, uint32_t uid)
{
	size_t lo = 0, hi = s->view.n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->view.msgs[mid].uid == uid)
			return (uint32_t)mid + 1;
		if (s->view.msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

uint32_t
imap_view_max_uid(const struct imap_session *s)
{
	return s->view.n > 0 ? s->view.msgs[s->view.n - 1].uid : 0;
}

unsigned
imap_view_msg_flags(const struct imap_view_msg *m)
{
	return m->flags | (m->is_recent ? IMAP_F_RECENT : 0);
}

size_t
imap_view_recent_count(const struct imap_session *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->view.n; i++)
		n += s->view.msgs[i].is_recent;
	return n;
}

const struct store_msg *
imap_view_store_msg(struct imap_session *s, uint32_t seq)
{
	const struct imap_view_msg *m = imap_view_get(s, seq);
	long i;

	if (m == NULL || m->is_expunged)
		return NULL;
	i = store_mailbox_find(s->view.mb, m->uid);
	return i < 0 ? NULL : store_mailbox_msg(s->view.mb, (size_t)i);
}

bool
imap_view_seqset(struct imap_session *s, const struct imap_node *node,
    bool is_uid, struct imap_seqset *set_r)
{
	enum imap_error err = IMAP_ERR_NONE;
	uint32_t star;

	if (is_uid)
		star = s->view.n > 0 ? imap_view_max_uid(s) : s->view.uidnext;
	else
		star = (uint32_t)s->view.n;
	if (imap_seqset_parse_node(node, star, IMAP_SEQSET_DOLLAR |
	    (is_uid ? 0 : IMAP_SEQSET_CHECK_MAX), set_r, &err) == 1)
		return true;
	imap_bad(s, NULL, "Invalid %s set: %s", is_uid ? "UID" : "sequence",
	    imap_error_str(err));
	return false;
}

/* ---- changes ---- */

static int
imap_view_set_keywords(struct imap_view_msg *m, const char *kw)
{
	char *copy = NULL;

	if (kw != NULL && kw[0] != '\0' && (copy = strdup(kw)) == NULL)
		return -1;
	free(m->keywords);
	m->keywords = copy;
	return 0;
}

static bool
imap_view_same_flags(const struct imap_view_msg *m, const struct store_msg *sm)
{
	const char *kw = m->keywords != NULL ? m->keywords : "";

	return m->flags == sm->flags && strcmp(kw, sm->keywords) == 0;
}

/* "* n FETCH (UID u FLAGS (...))" for a flag change made elsewhere. */
static void
imap_view_send_fetch(struct imap_session *s, uint32_t seq, struct imap_view_msg *m)
{
	if (imap_view_learn(&s->view, m->keywords))
		imap_view_send_flags(s);
	imap_out_begin(s, NULL);
	imap_out_printf(s, "* %u FETCH (UID %u FLAGS ", (unsigned)seq, (unsigned)m->uid);
	imap_out_flags(s, imap_view_msg_flags(m), m->keywords);
	imap_out_printf(s, ")");
	imap_out_end(s);
}

int
imap_view_set_flags(struct imap_session *s, uint32_t seq, unsigned flags,
    const char *keywords)
{
	struct imap_view_msg *m = seq >= 1 && seq <= s->view.n ?
	    &s->view.msgs[seq - 1] : NULL;

	if (m == NULL || m->is_expunged || store_mailbox_find(s->view.mb, m->uid) < 0)
		return -1;
	if (store_mailbox_set_flags(s->view.mb, m->uid, flags, keywords) != 0) {
		server_log("imap: set flags of UID %u in %s: %s", (unsigned)m->uid,
		    s->view.name, store_error(s->srv->store));
		return -1;
	}
	m->flags = flags;
	if (keywords != NULL && imap_view_set_keywords(m, keywords) != 0)
		return -1;
	if (keywords != NULL && imap_view_learn(&s->view, keywords))
		imap_view_send_flags(s);
	return 0;
}

/* Remove message i (0-based) from the view: "* i+1 EXPUNGE". */
static void
imap_view_drop(struct imap_session *s, size_t i)
{
	struct imap_view *v = &s->view;

	imap_untagged(s, "%zu EXPUNGE", i + 1);
	free(v->msgs[i].keywords);
	memmove(&v->msgs[i], &v->msgs[i + 1], (v->n - i - 1) * sizeof(v->msgs[0]));
	v->n--;
}

/* Walk the view and the new snapshot side by side (both by UID). */
static void
imap_view_compare(struct imap_session *s, bool may_expunge)
{
	struct imap_view *v = &s->view;
	size_t i = 0, k = 0, count = store_mailbox_count(v->mb);
	const struct store_msg *sm;
	struct imap_view_msg *m;

	while (i < v->n) {
		m = &v->msgs[i];
		sm = k < count ? store_mailbox_msg(v->mb, k) : NULL;
		if (sm != NULL && sm->uid < m->uid) {
			k++;		/* older than the view: cannot appear now */
			continue;
		}
		if (sm == NULL || sm->uid > m->uid) {
			if (may_expunge) {
				imap_view_drop(s, i);
				continue;
			}
			m->is_expunged = true;
		} else if (!m->is_expunged && !imap_view_same_flags(m, sm)) {
			m->flags = sm->flags;
			if (imap_view_set_keywords(m, sm->keywords) == 0)
				imap_view_send_fetch(s, (uint32_t)i + 1, m);
		}
		if (sm != NULL && sm->uid == m->uid)
			k++;
		i++;
	}
}

/* New messages (UIDs above the view's): append them, then "* n EXISTS"
 * (and "* r RECENT" for IMAP4rev1, RFC 3501 §7). recent: the first UID
 * that is recent here (imap_view_recent_from()). */
static void
imap_view_add_new(struct imap_session *s, uint32_t recent)
{
	struct imap_view *v = &s->view;
	size_t k, count = store_mailbox_count(v->mb), before = v->n;
	uint32_t max = imap_view_max_uid(s);
	size_t known = v->keywords.len;
	const struct store_msg *sm;

	for (k = 0; k < count; k++) {
		sm = store_mailbox_msg(v->mb, k);
		if (sm->uid > max && imap_view_put(v, sm, sm->uid >= recent) != 0) {
			server_log("imap: out of memory adding UID %u", (unsigned)sm->uid);
			break;
		}
	}
	if (v->keywords.len != known)
		imap_view_send_flags(s);
	if (v->n == before)
		return;
	imap_untagged(s, "%zu EXISTS", v->n);
	if (v->has_recent)
		imap_untagged(s, "%zu RECENT", imap_view_recent_count(s));
}

void
imap_view_sync(struct imap_session *s, bool may_expunge)
{
	struct imap_view *v = &s->view;

	v->is_changed = false;
	if (v->mb == NULL)
		return;
	if (store_mailbox_sync(v->mb) != 0) {
		server_log("imap: re-reading %s of %s: %s", v->name, s->user,
		    store_error(s->srv->store));
		return;
	}
	imap_view_compare(s, may_expunge);
	imap_view_add_new(s, imap_view_recent_from(s));
	v->uidnext = store_mailbox_uidnext(v->mb);
}

/* ---- flag lists (RFC 9051 §9 flag-list) ---- */

static bool
imap_keyword_is_valid(const char *kw, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)kw[i];

		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c) != NULL)
			return false;
	}
	return true;
}

static unsigned
imap_system_flag(const char *name)
{
	static const struct {
		const char *name;
		unsigned bit;
	} sys[] = {
		{ "\\Answered", STORE_F_ANSWERED }, { "\\Flagged", STORE_F_FLAGGED },
		{ "\\Deleted", STORE_F_DELETED }, { "\\Seen", STORE_F_SEEN },
		{ "\\Draft", STORE_F_DRAFT },
	};
	size_t i;

	for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
		if (strcasecmp(name, sys[i].name) == 0)
			return sys[i].bit;
	return 0;
}

/* One flag of a flag list into *flags_r or kw; false with a reply sent. */
static bool
imap_flag_add(struct imap_session *s, const struct imap_node *f, unsigned *flags_r,
    char *kw, size_t kwlen)
{
	size_t used = strlen(kw);

	if (f->kind != IMAP_NODE_ATOM) {
		imap_bad(s, NULL, "Flags are atoms");
		return false;
	}
	if (f->str[0] == '\\') {
		if (imap_system_flag(f->str) == 0) {
			imap_bad(s, NULL, "Unknown or read-only system flag %.40s", f->str);
			return false;
		}
		*flags_r |= imap_system_flag(f->str);
		return true;
	}
	if (!imap_keyword_is_valid(f->str, f->len)) {
		imap_bad(s, NULL, "Invalid keyword");
		return false;
	}
	if (imap_kw_has(kw, f->str, f->len))
		return true;
	if (used + 1 + f->len >= kwlen || used + 1 + f->len > IMAP_KEYWORDS_MAX) {
		imap_no(s, "LIMIT", "Too many keywords on one message");
		return false;
	}
	snprintf(kw + used, kwlen - used, "%s%s", used > 0 ? " " : "", f->str);
	return true;
}

bool
imap_flags_parse(struct imap_session *s, const struct imap_node *list,
    unsigned *flags_r, char *kw, size_t kwlen)
{
	size_t i, n = imap_node_list_count(list);

	*flags_r = 0;
	if (kwlen == 0)
		return false;
	kw[0] = '\0';
	if (list == NULL || list->kind != IMAP_NODE_LIST) {
		imap_bad(s, NULL, "A parenthesized flag list is expected");
		return false;
	}
	for (i = 0; i < n; i++)
		if (!imap_flag_add(s, imap_node_list_get(list, i), flags_r, kw, kwlen))
			return false;
	return true;
}
