/* report_private.h: what the writers in reports/ share and nothing outside
 * reports/ (and its unit tests) should use: escaping for XML/HTML, URLs and
 * Markdown, transcript lines, tallies by protocol and RFC section, the
 * headline verdict, the CSS and script of the HTML pages, and the capped
 * Markdown writers.
 *
 * Pointers into a run (names, sections) stay valid as long as the run.
 */
#ifndef MAILSPEC_REPORT_PRIVATE_H
#define MAILSPEC_REPORT_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "report.h"
#include "results.h"

#define REPORT_RESULTS_SCHEMA "mailspec-results/1"
#define REPORT_MATRIX_SCHEMA "mailspec-matrix/1"
#ifndef MAILSPEC_VERSION
#define MAILSPEC_VERSION "0.1.0"
#endif

/* GitHub refuses a job summary over 1 MiB; stay a little under it. */
#define REPORT_MARKDOWN_MAX ((size_t)1024 * 1024 - 1024)

/* ---- text (report_text.c) ---------------------------------------------- */

/* Write len bytes of s escaped for XML 1.0 (and so HTML): & < > become
 * entities, CR a character reference; in attributes also " ' TAB LF.
 * Invalid UTF-8 and characters XML forbids become "\xHH" per byte. */
void report_put_xml(FILE *out, const char *s, size_t len, bool is_attr);
/* The same for a C string; NULL writes nothing. */
void report_put_xml_str(FILE *out, const char *s, bool is_attr);
/* Percent-encode s for a URL fragment value (unreserved bytes kept). */
void report_put_url(FILE *out, const char *s);
/* Append s for a Markdown table cell or inline text: at most max bytes of
 * it, newlines as spaces, Markdown and HTML punctuation backslash-escaped,
 * invalid UTF-8 as \xHH; "…" when cut. false past the buffer's maximum. */
bool report_md_inline(struct buf *b, const char *s, size_t max);
/* "2026-11-22T04:40:00.123Z" (UTC); false if not representable. */
bool report_format_time(int64_t unix_ms, char out[32]);
/* "[  12.345 ms] main S: " : the prefix of one transcript line. */
bool report_event_prefix(struct buf *b, const struct transcript_event *ev);
/* The bytes of ev in the transcript escape form, at most max of them,
 * then " … (N more bytes)"; false past the buffer's maximum. */
bool report_event_data(struct buf *b, const struct transcript_event *ev,
    size_t max);
/* A key for endpoint i unique within the run: its name, or when an earlier
 * endpoint has that name its URL scheme ("pop3s"), else "name_N". */
const char *report_endpoint_key(const struct results_run *run, size_t i,
    char buf[64]);
/* Compare section strings part by part, numbers numerically
 * ("4.1.1.9" < "4.1.1.10"); NULL sorts first. */
int report_section_cmp(const char *a, const char *b);

/* ---- verdicts (report_stats.c) ----------------------------------------- */

/* "PASS", "FAIL", "NON-STRICT", "UNSUPPORTED", "SKIP", "ERROR", ... */
const char *report_verdict_label(enum verdict v);
/* A symbol readable without colour: "✓", "✗", "~", "–", "!", ... */
const char *report_verdict_symbol(enum verdict v);
/* Order for listing problems first: fail 0, xpass, error, non_strict,
 * xfail, unsupported, skip, pass. */
int report_verdict_rank(enum verdict v);
/* Look a verdict up by name; false if unknown. */
bool report_verdict_parse(const char *name, enum verdict *v_r);

struct report_tally {
	size_t v[VERDICT_COUNT];
};

/* met: pass, xpass; tested: everything but unsupported and skip. */
size_t report_tally_met(const struct report_tally *t);
size_t report_tally_tested(const struct report_tally *t);
size_t report_tally_total(const struct report_tally *t);

/* One row of a summary table: a protocol, or an RFC section. */
struct report_group {
	const char *protocol;		/* by protocol ("other": none) */
	int rfc;			/* by section */
	const char *section;		/* by section; may be NULL */
	struct report_tally level[3];	/* by enum level */
	struct report_tally all;
};

struct report_groups {
	struct report_group *g;
	size_t n;
};

/* Tally a run by protocol (a scenario counts under each protocol it
 * names), in order of first appearance; -1 on ENOMEM. */
int report_groups_by_protocol(const struct results_run *run,
    struct report_groups *gs);
/* Tally a run by (RFC, section), sorted by RFC then section; -1 on ENOMEM. */
int report_groups_by_section(const struct results_run *run,
    struct report_groups *gs);
void report_groups_free(struct report_groups *gs);

/* The verdict of a whole run, in one line. */
enum report_state {
	REPORT_STATE_PASS,		/* every tested MUST met */
	REPORT_STATE_FAIL,		/* a MUST failed (or a known failure passed) */
	REPORT_STATE_ERROR,		/* no MUST failed, but something could not be judged */
	REPORT_STATE_NONE,		/* nothing was tested */
};

struct report_headline {
	enum report_state state;
	const char *word;		/* "Conformant", "Not conformant", ... */
	const char *css;		/* verdict class: "pass", "fail", "error", "skip" */
	enum verdict verdict;		/* whose symbol stands for it */
	char detail[256];		/* "3 MUST requirements not met · ..." */
};

void report_headline_make(const size_t counts[VERDICT_COUNT],
    struct report_headline *h);
/* counts[] from the records of run (not run->counts, which may be stale). */
void report_count(const struct results_run *run, size_t counts[VERDICT_COUNT]);

/* ---- HTML pieces (report_html_page.c, report_html_assets.c) ------------ */

extern const char report_html_css[];
extern const char report_html_js[];

/* <!DOCTYPE html> … <body>, with the title escaped, the stylesheet and a
 * Content-Security-Policy that lets only the page's own script run. */
void report_html_open(FILE *out, const char *title);
/* The footer, the script, </body></html>; 0 or -1 with errno set. */
int report_html_close(FILE *out);
/* <span class="badge v-fail">✗ FAIL</span> */
void report_html_badge(FILE *out, enum verdict v);
/* "met / tested" cell of a summary table, with n/a and a title. */
void report_html_tally_cell(FILE *out, const struct report_tally *t);
/* The filter bar; with_differs adds the "only differences" switch. */
void report_html_filters(FILE *out, const struct report_tally *all,
    char *const *protocols, size_t nprotocols, bool with_differs);
/* The transcript of r as a <details> (nothing if it has no events);
 * -1 on ENOMEM. */
int report_html_transcript(FILE *out, const struct result *r);
/* Start/end a "key: value" definition list of the target's details. */
void report_html_target_meta(FILE *out, const struct results_run *run);

/* ---- the matrix of several runs (report_matrix.c) ---------------------- */

struct report_matrix_row {
	const char *id;
	const struct result *meta;	/* the first target's record: title, rfc, ... */
	const struct result **cells;	/* one per target; NULL: not run there */
	bool differs;			/* the targets' verdicts are not all equal */
};

struct report_matrix {
	const struct results_run **runs;	/* borrowed */
	const char **sources;			/* borrowed; entries may be NULL */
	char **labels;				/* distinct target labels, owned */
	size_t ntargets;
	struct report_matrix_row *rows;		/* by protocol, RFC, section, id */
	size_t nrows;
	size_t ndiffer;
};

/* The first protocol of a record, or "other". */
const char *report_first_protocol(const struct result *r);

/* ---- Markdown (report_markdown.c) -------------------------------------- */

/* A Markdown document assembled in memory and kept under a byte limit:
 * blocks that do not fit are counted, not written. */
struct report_md {
	struct buf out;			/* the document */
	struct buf block;		/* the block being built */
	size_t max;			/* the document's limit */
	size_t dropped;			/* blocks that did not fit */
	bool is_full;			/* a block did not fit: stop adding */
};

void report_md_init(struct report_md *md, size_t max);
void report_md_release(struct report_md *md);
/* Move the block into the document if it is complete (every append to it
 * succeeded) and fits, keeping room for the overflow line; else count it
 * as dropped and stop adding. The block is cleared. */
void report_md_commit(struct report_md *md, bool is_complete);
/* Append text as a fenced code block (a fence longer than any backtick run
 * in it), at most max bytes, invalid UTF-8 and control bytes as \xHH. */
bool report_md_fenced(struct buf *b, const char *text, size_t len, size_t max);
/* The emoji GitHub shows for a verdict. */
const char *report_md_emoji(enum verdict v);
/* A "met/tested" table cell. */
bool report_md_tally(struct buf *b, const struct report_tally *t);
/* Write the document, and if anything was dropped the overflow line
 * naming what; 0 or -1 with errno set. */
int report_md_finish(struct report_md *md, FILE *out, const char *what);

/* Single-run and matrix Markdown with an explicit byte limit (the public
 * writers use REPORT_MARKDOWN_MAX). */
int report_markdown_write_max(const struct results_run *run, FILE *out,
    size_t max);
int report_matrix_markdown_write_max(const struct report_matrix *m, FILE *out,
    size_t max);

#endif
