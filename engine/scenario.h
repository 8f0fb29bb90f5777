/* scenario.h: the in-memory form of scenarios/FORMAT.md (v1).
 *
 * Each scenario (and prelude) lives in its own arena; every pointer in it
 * stays valid until library_free(). Strings are NUL-terminated; byte
 * strings carry a length as well because YAML can hold NUL.
 */
#ifndef MAILSPEC_SCENARIO_H
#define MAILSPEC_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include "results.h"

struct arena;

enum proto { PROTO_SMTP = 0, PROTO_POP3, PROTO_IMAP, PROTO_COUNT };

/* The target's endpoints a connection can use. */
enum role { ROLE_SMTP = 0, ROLE_SUBMISSION, ROLE_POP3, ROLE_IMAP, ROLE_COUNT };

enum tls_mode { TLS_ANY = 0, TLS_PLAIN, TLS_IMPLICIT };

enum step_kind {
	STEP_SEND = 0,
	STEP_PIPELINE,
	STEP_SEND_RAW,
	STEP_SEND_DATA,
	STEP_STARTTLS,
	STEP_CONNECT,
	STEP_CLOSE,
	STEP_WAIT,
	STEP_PRELUDE,
	STEP_SET,
	STEP_EXPECT,
	STEP_EXPECT_SILENCE,
	STEP_EXPECT_CLOSED,
	STEP_RETRY,
};

/* A string with its length and where it was written. */
struct text {
	const char *s;
	size_t len;
	int line, col;		/* 1-based */
	bool is_fixture;	/* a {fixture: true} item of send_data or message:
				 * stands for the scenario's fixture (s is "") */
};

struct kv {
	struct text key;
	struct text value;
};

enum piece_kind { PIECE_TEXT = 0, PIECE_BYTES, PIECE_REPEAT, PIECE_FIXTURE };

struct raw_piece {
	enum piece_kind kind;
	struct text data;	/* TEXT: expanded at run time; BYTES: decoded hex/base64 */
	size_t count;		/* REPEAT: copies of data */
};

/* A reply-code alternative: lo..hi inclusive ("2xx" is 200..299). */
struct code_range {
	int lo, hi;
};

struct capture {
	struct text var;
	struct text pattern;
};

/* One item of an IMAP expect's fetch: map. */
struct fetch_check {
	struct text item;		/* "BODYSTRUCTURE", "BODY[1.2]", "BINARY[2]" ... */
	struct text value;		/* the expected value; unused with from_fixture */
	bool from_fixture;		/* derived from the scenario's fixture */
};

struct expect {
	enum proto proto;		/* which protocol's keys were used */
	/* SMTP */
	struct code_range *codes;
	size_t ncodes;
	struct text enhanced;		/* "5.x.x"; s == NULL when unset */
	struct text text;		/* pattern over the joined lines */
	struct text *lines;		/* one pattern per line */
	size_t nlines;
	bool has_lines;
	struct text any_line;
	struct text no_line;
	int multiline;			/* -1 unset, 0 single line, 1 several */
	struct capture *captures;
	size_t ncaptures;
	bool closed;			/* the server closes after the reply */
	/* POP3 (text/any_line/no_line/lines/capture apply to the status line) */
	int status;			/* -1 unset, else enum pop3_status */
	struct text resp_code;		/* RFC 2449 §8 code the text starts with */
	bool body;			/* a dot-terminated body follows */
	struct text body_text;
	struct text *body_lines;
	size_t nbody_lines;
	bool has_body_lines;
	struct text body_any_line;
	struct text body_no_line;
	struct text *message;		/* lines of the message the body must carry */
	size_t nmessage;
	bool has_message;
	/* IMAP (text/capture/closed shared) */
	int tagged;			/* -1 unset, else an enum imap_status OK/NO/BAD */
	unsigned tagged_mask;		/* every status allowed: 1 << enum imap_status */
	struct text code;		/* response code name of the completion */
	bool has_untagged;
	struct text *in_order, *any_order, *absent, *may;
	size_t nin_order, nany_order, nabsent, nmay;
	bool no_extras;
	bool continuation;		/* a "+" continuation request */
	int greeting;			/* -1 unset, else enum imap_status OK/PREAUTH/BYE */
	struct fetch_check *fetch;	/* FETCH items in the untagged responses */
	size_t nfetch;
};

struct step {
	enum step_kind kind;
	int line, col;
	const char *conn;		/* connection name; NULL: the default one */
	double timeout;			/* seconds; 0: the scenario's or the run's */
	struct text *requires;		/* step-level capabilities */
	size_t nrequires;

	struct text text;		/* send, prelude, connect; starttls sni */
	struct text *lines;		/* pipeline, send_data */
	size_t nlines;
	struct raw_piece *pieces;	/* send_raw */
	size_t npieces;
	double seconds;			/* wait, expect_silence */
	struct kv *set;			/* set */
	size_t nset;
	struct expect expect;		/* expect */
	const struct scenario *prelude;	/* resolved STEP_PRELUDE target */
	struct step *sub;		/* retry: the steps tried again */
	size_t nsub;
	double retry_for;		/* retry: give up after this many seconds */
	double retry_every;		/* retry: pause between tries */
};

struct scn_conn {
	const char *name;
	enum role role;
	enum tls_mode tls;
	int line;
};

struct scenario {
	const char *file;
	int line;
	bool is_prelude;
	const char *id;			/* the prelude name for preludes */
	const char *title;
	enum proto protocols[PROTO_COUNT];
	size_t nprotocols;
	int rfc;
	const char *section;
	enum level level;
	const char *requirement;
	const char **tags;
	size_t ntags;
	struct text *requires[PROTO_COUNT];
	size_t nrequires[PROTO_COUNT];
	int users;
	double timeout;
	struct kv *vars;
	size_t nvars;
	struct scn_conn *conns;
	size_t nconns;
	struct step *steps;
	size_t nsteps;
	/* fixture: a message file from a fixtures/ folder, as sent: CRLF
	 * appended when the file lacks a final line break. s NULL: none. */
	const char *fixture_name;
	const char *fixture_path;
	struct text fixture;
	struct arena *arena;
};

struct library {
	struct scenario **scenarios;	/* in path order, then file name order */
	size_t nscenarios;
	struct scenario **preludes;
	size_t npreludes;
	size_t nerrors;			/* load errors reported */
};

/* "smtp", "pop3", "imap". */
const char *proto_name(enum proto p);
/* "smtp", "submission", "pop3", "imap". */
const char *role_name(enum role r);
/* The endpoint role a protocol uses by default. */
enum role proto_default_role(enum proto p);
/* Find a loaded prelude by name, or NULL. */
const struct scenario *library_find_prelude(const struct library *lib, const char *name);
/* Free every scenario and the library's arrays; the struct is zeroed. */
void library_free(struct library *lib);

#endif
