/* exec.h: executing one scenario (private to the runner). */
#ifndef MAILSPEC_EXEC_H
#define MAILSPEC_EXEC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "runner.h"
#include "vars.h"

struct net_conn;
struct smtp_reply;
struct xconn;

/* The reply codec of a connection: SMTP replies, POP3 responses. */
struct xcodec {
	const char *what;		/* "SMTP reply" */
	void *(*create)(void);
	void (*destroy)(void **codec);
	void (*reset)(void *codec);
	size_t (*feed)(void *codec, const void *data, size_t len);
	size_t (*pending)(const void *codec);
	const char *(*error)(const void *codec);
};
extern const struct xcodec xcodec_smtp;

/* How a step ended. */
enum step_rc {
	STEP_RC_OK = 0,
	STEP_RC_FAIL,		/* the server did not do what the RFC says */
	STEP_RC_UNSUPPORTED,	/* a required capability is missing */
	STEP_RC_SKIP,		/* a prerequisite is missing */
	STEP_RC_SCENARIO_ERROR,	/* the scenario is broken (undefined variable...) */
	STEP_RC_RUNTIME_ERROR,	/* network or TLS failure of the harness */
	STEP_RC_ABORT,		/* the target is unreachable: stop the run */
};

#define EXEC_MAX_VERBS 64

struct xconn {
	const struct scn_conn *decl;
	const struct endpoint *ep;
	struct net_conn *net;
	const struct xcodec *ops;
	void *codec;
	struct buf in;			/* received bytes not yet parsed */
	bool is_open;
	bool was_opened;			/* a later close is final */
	bool is_eof;			/* the server closed */
	uint64_t bytes_in;
	char **caps;			/* capabilities last announced */
	size_t ncaps;
	/* IMAP: automatic tags, untagged responses not yet judged */
	unsigned next_tag;
	char **untagged;		/* raw, "* " and CRLF stripped */
	size_t *untagged_len;
	size_t nuntagged;
	char verbs[EXEC_MAX_VERBS][16];	/* commands awaiting replies (FIFO) */
	size_t nverbs;
};

struct probe_cache;

struct exec {
	const struct scenario *scn;
	const struct target *t;
	const struct run_opts *o;
	struct probe_cache *probes;
	struct result *res;
	struct vars vars;
	struct xconn *conns;
	size_t nconns;
	uint64_t t0;
	size_t transcript_bytes;
	/* the outcome of the failing step */
	struct buf msg;
	const char *fail_file;
	int fail_line;
};

/* exec.c */
enum step_rc exec_scenario(struct exec *x);
/* Append a send_data or message: line: expanded text, or the fixture's
 * bytes without their final CRLF for {fixture: true}. */
enum step_rc exec_expand_line(struct exec *x, const struct text *t, struct buf *out);
/* exec_conn.c */
enum step_rc xconn_open(struct exec *x, struct xconn *c, double timeout);
void xconn_close(struct exec *x, struct xconn *c, const char *why);
/* Send; is_commands: the lines are commands whose replies come in order. */
enum step_rc xconn_send(struct exec *x, struct xconn *c, const void *data, size_t len,
    bool is_commands, double timeout);
/* Read one item with next (the codec's pull: 1 item, 0 more, -1 error);
 * the item stays valid until the next read. */
enum step_rc xconn_read(struct exec *x, struct xconn *c, double timeout,
    int (*next)(void *codec, void *arg, void *item), void *arg, void *item);
/* Read one SMTP reply; *reply_r valid until the next read. */
enum step_rc xconn_read_smtp(struct exec *x, struct xconn *c, double timeout,
    struct smtp_reply *reply_r);
/* The verb of the oldest command still awaiting its reply ("" if unknown). */
void xconn_pop_verb(struct xconn *c, char verb[16]);
/* Replace the connection's capabilities with "KEYWORD [PARAM...]" lines. */
void xconn_set_caps(struct exec *x, struct xconn *c, const char *const *lines,
    const size_t *lens, size_t n);
/* Wait for EOF (want_eof) or for silence; any byte is a failure. */
enum step_rc xconn_expect_quiet(struct exec *x, struct xconn *c, double seconds, bool want_eof);
enum step_rc xconn_starttls(struct exec *x, struct xconn *c, const char *sni, double timeout);
/* Forget what an earlier connection announced (before a reconnect). */
void xconn_reset_state(struct xconn *c);
void xconn_free(struct xconn *c);
void exec_note(struct exec *x, const char *conn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set x->msg and return rc. */
enum step_rc exec_fail(struct exec *x, enum step_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Capabilities: replace the set from an EHLO reply; test one. */
void xconn_set_caps_from_ehlo(struct exec *x, struct xconn *c, const struct smtp_reply *r);
bool caps_have(char *const *caps, size_t ncaps, const char *want, size_t wantlen);
void caps_free(char ***caps, size_t *ncaps);
/* judge.c: 1 pattern (variables quoted in) matches, 0 not, -1 scenario
 * error with x->msg set; group_r gets the first group or the match. */
int judge_regex(struct exec *x, const struct text *pat, const char *subj, size_t len,
    struct buf *group_r);
/* Start a failure message: "expected: <fmt>\nactual: "; the caller
 * appends its description of what arrived. */
void judge_vexpected(struct exec *x, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Run e's captures over subj: OK, FAIL (*failed_r: which one did not
 * match), or SCENARIO_ERROR. */
enum step_rc judge_captures(struct exec *x, const struct expect *e, const char *subj,
    size_t len, size_t *failed_r);
/* judge_smtp.c: check a reply against an expectation. */
enum step_rc judge_smtp(struct exec *x, const struct expect *e, const struct smtp_reply *r);
/* exec_pop3.c and judge_pop3.c (POP3 connections). */
struct pop3_resp;
extern const struct xcodec xcodec_pop3;
enum step_rc xconn_read_pop3(struct exec *x, struct xconn *c, double timeout, bool expect_body,
    struct pop3_resp *resp_r);
enum step_rc judge_pop3(struct exec *x, const struct expect *e, const struct pop3_resp *r);
/* exec_imap.c and judge_imap.c (IMAP connections). */
struct imap_resp;
extern const struct xcodec xcodec_imap;
/* Prefix line (a command) with the connection's next tag "A<n> "; the tag
 * is queued as awaiting its completion and set as ${tag}. */
void xconn_imap_tag(struct exec *x, struct xconn *c, struct buf *out);
/* Read until what e waits for arrives (completion, continuation, greeting,
 * or the untagged patterns); untagged responses are collected on c. */
enum step_rc xconn_expect_imap(struct exec *x, struct xconn *c, const struct expect *e,
    double timeout);
void xconn_untagged_clear(struct xconn *c);
/* The fetch: checks of e over the untagged responses (judge_fetch.c). */
enum step_rc judge_imap_fetch(struct exec *x, const struct xconn *c, const struct expect *e,
    const struct imap_resp *r);
void judge_imap_fetch_miss(struct exec *x, const struct xconn *c, const struct imap_resp *r,
    const char *why);
/* judge_imap.c */
bool judge_imap_untagged_done(struct exec *x, struct xconn *c, const struct expect *e);
enum step_rc judge_imap_unexpected(struct exec *x, struct xconn *c, const struct expect *e,
    const struct imap_resp *r);
/* Judge the response e waited for (NULL: untagged patterns only) and the
 * untagged responses collected before it, which are then consumed. */
enum step_rc judge_imap(struct exec *x, struct xconn *c, const struct expect *e,
    const struct imap_resp *r);
/* probe.c: capabilities the target announced for role. */
enum step_rc probe_caps(struct exec *x, enum role role, char *const **caps_r, size_t *ncaps_r);
/* An empty cache shared by the run's worker threads. */
struct probe_cache *probe_cache_new(void);
void probe_cache_free(struct probe_cache **pp);

#endif
