/* cmd_mime.c: `mailspec mime [--json] [--utf8] [--part SECTION [--raw]] FILE`.
 *
 * Parses one message with the MIME parser of engine/proto (RFC 2045,
 * RFC 2046, RFC 2047, RFC 2231, RFC 5322) and prints its tree: per part
 * the IMAP section (RFC 9051 §6.4.5), media type, parameters (RFC 2231
 * decoded), transfer encoding, disposition, sizes, lines and the problems
 * found; then the ENVELOPE and BODYSTRUCTURE an IMAP server should give
 * (RFC 9051 §7.5.2). --part writes one part's content to stdout, decoded
 * as FETCH BINARY[SECTION] (RFC 3516) or, with --raw, as BODY[SECTION].
 */
#include "cmd_mime.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "imap_fetchattr.h"
#include "json_writer.h"
#include "mime.h"
#include "mime_charset.h"
#include "rfc2047.h"

#define MIME_CMD_FILE_MAX ((size_t)1 << 30)
#define MIME_CMD_OUT_MAX ((size_t)1 << 30)

enum { MIME_CMD_OK = 0, MIME_CMD_NO_PART = 1, MIME_CMD_IO = 3, MIME_CMD_USAGE = 4 };

struct mime_cmd {
	const char *path;
	const char *part;	/* --part SECTION */
	bool is_raw, is_json;
	unsigned flags;		/* IMAP_FETCHATTR_* */
	char *data;
	size_t len;
	const struct mime_part *root;
	struct json_writer jw;
	size_t nparts, nproblems;
};

static const char *const mime_cmd_prob_names[] = {
	[MIME_PROB_NONE] = "none",
	[MIME_PROB_NO_MIME_VERSION] = "no-mime-version",
	[MIME_PROB_HEADER_NO_COLON] = "header-no-colon",
	[MIME_PROB_HEADER_8BIT] = "header-8bit",
	[MIME_PROB_HEADER_UNTERMINATED] = "header-unterminated",
	[MIME_PROB_HEADER_TOO_LONG] = "header-too-long",
	[MIME_PROB_DUPLICATE_FIELD] = "duplicate-field",
	[MIME_PROB_BAD_CONTENT_TYPE] = "bad-content-type",
	[MIME_PROB_BAD_PARAM] = "bad-param",
	[MIME_PROB_PARAM_CHARSET] = "param-charset",
	[MIME_PROB_BAD_CTE] = "bad-cte",
	[MIME_PROB_MISSING_BOUNDARY] = "missing-boundary",
	[MIME_PROB_BAD_BOUNDARY] = "bad-boundary",
	[MIME_PROB_UNTERMINATED_MULTIPART] = "unterminated-multipart",
	[MIME_PROB_NO_PARTS] = "no-parts",
	[MIME_PROB_BOUNDARY_IN_PART] = "boundary-in-part",
	[MIME_PROB_BAD_BASE64] = "bad-base64",
	[MIME_PROB_BAD_QP] = "bad-qp",
	[MIME_PROB_8BIT_BODY] = "8bit-body",
	[MIME_PROB_BARE_EOL] = "bare-eol",
	[MIME_PROB_LINE_TOO_LONG] = "line-too-long",
	[MIME_PROB_TOO_DEEP] = "too-deep",
	[MIME_PROB_TOO_MANY_PARTS] = "too-many-parts",
	[MIME_PROB_NOMEM] = "nomem",
};
_Static_assert(sizeof(mime_cmd_prob_names) / sizeof(mime_cmd_prob_names[0]) ==
    MIME_PROB_COUNT, "a name for every MIME problem code");

static void
mime_cmd_usage(FILE *f)
{
	fputs("usage: mailspec mime [--json] [--utf8|--imap4rev2] FILE.eml\n"
	    "       mailspec mime --part SECTION [--raw] FILE.eml\n"
	    "  prints the MIME tree (sections, types, parameters, encodings, sizes,\n"
	    "  problems), the IMAP ENVELOPE and BODYSTRUCTURE; FILE '-' is stdin\n"
	    "  --json          machine-readable output\n"
	    "  --utf8          UTF-8 in quoted strings (UTF8=ACCEPT, RFC 6855)\n"
	    "  --imap4rev2     as IMAP4rev2 (RFC 9051): UTF-8, message/global structure\n"
	    "  --part SECTION  write part SECTION (\"1.2\") decoded, as BINARY[SECTION]\n"
	    "  --raw           with --part: as BODY[SECTION] (also 1.HEADER, TEXT, 2.MIME)\n", f);
}

/* Read the whole file (or stdin) into c->data. */
static int
mime_cmd_read(struct mime_cmd *c)
{
	FILE *f = strcmp(c->path, "-") == 0 ? stdin : fopen(c->path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;
	bool ok = true;

	if (f == NULL) {
		fprintf(stderr, "mailspec mime: cannot open %s\n", c->path);
		return MIME_CMD_IO;
	}
	buf_init(&b, MIME_CMD_FILE_MAX);
	while (ok && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		ok = buf_append(&b, chunk, n);
	ok = ok && !ferror(f);
	if (f != stdin)
		fclose(f);
	if (!ok) {
		buf_release(&b);
		fprintf(stderr, "mailspec mime: cannot read %s (or larger than 1 GiB)\n", c->path);
		return MIME_CMD_IO;
	}
	c->len = b.len;
	c->data = b.data != NULL ? b.data : calloc(1, 1);
	return c->data != NULL ? MIME_CMD_OK : MIME_CMD_IO;
}

/* Text for a terminal: C0 controls, DEL and invalid UTF-8 as \xHH. */
static void
mime_cmd_put(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = p[i] >= 0x80 ? mime_utf8_seq_len(p + i, len - i) : 1;

		if (n == 0 || p[i] < 0x20 || p[i] == 0x7f) {
			printf("\\x%02X", p[i]);
			n = 1;
		} else {
			fwrite(p + i, 1, n, stdout);
		}
		i += n;
	}
}

/* Parameters as "; name=value", the first one after first_sep. */
static void
mime_cmd_params_text(const struct mime_param *prm, const char *first_sep)
{
	for (const char *sep = first_sep; prm != NULL; prm = prm->next, sep = "; ") {
		printf("%s%s%s=\"", sep, prm->name, prm->is_extended ? "*" : "");
		mime_cmd_put(prm->value, prm->value_len);
		putchar('"');
		if (prm->is_extended)
			printf(" (%s'%s')", prm->charset, prm->language);
	}
}

/* The IMAP section of part (RFC 9051 §6.4.5, as mime_part_by_section()
 * counts): "" for a multipart message, "1" for a single-part one; the
 * message in a message/rfc822 part N is "N" when multipart (its parts are
 * N.1, N.2...) and "N.1" otherwise. */
static void
mime_cmd_section(const struct mime_part *part, const char *parent_prefix, size_t index,
    char *out, size_t outlen)
{
	if (part->parent == NULL)
		snprintf(out, outlen, "%s", part->kind == MIME_PART_MULTIPART ? "" : "1");
	else if (part->parent->kind == MIME_PART_MESSAGE)
		snprintf(out, outlen, "%s%s", parent_prefix,
		    part->kind == MIME_PART_MULTIPART ? "" : ".1");
	else
		snprintf(out, outlen, "%s%s%zu", parent_prefix, parent_prefix[0] ? "." : "",
		    index);
}

static void
mime_cmd_decoded_subject(const char *indent, const struct mime_part *msg)
{
	const struct mime_header_field *f = mime_part_field(msg, "subject");
	struct buf b;

	if (f == NULL)
		return;
	buf_init(&b, (size_t)1 << 20);
	if (rfc2047_decode(f->value, f->value_len, 0, &b, NULL) && b.data != NULL) {
		printf("%ssubject: ", indent);
		mime_cmd_put(b.data, b.len);
		putchar('\n');
	}
	buf_release(&b);
}

static void
mime_cmd_field_text(const char *indent, const char *name, const char *value)
{
	if (value != NULL) {
		printf("%s%s: ", indent, name);
		mime_cmd_put(value, strlen(value));
		putchar('\n');
	}
}

static void
mime_cmd_part_text(struct mime_cmd *c, const struct mime_part *part, const char *section)
{
	char indent[160];
	const struct mime_problem *pr;
	unsigned depth = part->depth < 60 ? part->depth : 60;
	bool is_message = part->parent == NULL || part->parent->kind == MIME_PART_MESSAGE;
	uint64_t decoded;

	memset(indent, ' ', 2 * depth + 4);
	indent[2 * depth + 4] = '\0';
	printf("%.*s%s%s%s  %s/%s  %s  size=%zu", (int)(2 * depth), indent, section,
	    is_message && section[0] ? " " : "", is_message ? "(message)" : "",
	    part->type, part->subtype, part->cte_name, part->body_size);
	if (part->kind == MIME_PART_LEAF) {
		if (imap_fetchattr_part_decoded_size(part, c->data, &decoded) == IMAP_FETCHATTR_OK)
			printf(" decoded=%llu", (unsigned long long)decoded);
		else
			fputs(" decoded=?", stdout);
	}
	printf(" lines=%zu", part->body_lines);
	if (part->kind == MIME_PART_MULTIPART)
		printf(" parts=%zu", part->nchildren);
	putchar('\n');
	if (part->type_params != NULL) {
		printf("%sparams", indent);
		mime_cmd_params_text(part->type_params, ": ");
		putchar('\n');
	}
	if (part->disposition != NULL) {
		printf("%sdisposition: %s", indent, part->disposition);
		mime_cmd_params_text(part->disposition_params, "; ");
		putchar('\n');
	}
	mime_cmd_field_text(indent, "id", part->content_id);
	mime_cmd_field_text(indent, "description", part->description);
	mime_cmd_field_text(indent, "language", part->language);
	mime_cmd_field_text(indent, "location", part->location);
	mime_cmd_field_text(indent, "md5", part->md5);
	if (is_message)
		mime_cmd_decoded_subject(indent, part);
	for (pr = part->problems; pr != NULL; pr = pr->next, c->nproblems++)
		printf("%sproblem: %s: %s (offset %zu, %zu time%s)\n", indent,
		    mime_cmd_prob_names[pr->code], pr->message, pr->offset, pr->count,
		    pr->count == 1 ? "" : "s");
}

static void
mime_cmd_params_json(struct json_writer *w, const struct mime_param *prm)
{
	json_writer_begin_array(w);
	for (; prm != NULL; prm = prm->next) {
		json_writer_begin_object(w);
		json_writer_key(w, "name");
		json_writer_string(w, prm->name);
		json_writer_key(w, "value");
		json_writer_string_len(w, prm->value, prm->value_len);
		json_writer_key(w, "extended");
		json_writer_bool(w, prm->is_extended);
		json_writer_key(w, "charset");
		json_writer_string(w, prm->charset);
		json_writer_key(w, "language");
		json_writer_string(w, prm->language);
		json_writer_end_object(w);
	}
	json_writer_end_array(w);
}

static void
mime_cmd_part_json_tail(struct mime_cmd *c, const struct mime_part *part)
{
	struct json_writer *w = &c->jw;
	const struct mime_problem *pr;
	uint64_t decoded;

	json_writer_key(w, "decoded_size");
	if (part->kind == MIME_PART_LEAF &&
	    imap_fetchattr_part_decoded_size(part, c->data, &decoded) == IMAP_FETCHATTR_OK)
		json_writer_uint(w, decoded);
	else
		json_writer_null(w);
	json_writer_key(w, "problems");
	json_writer_begin_array(w);
	for (pr = part->problems; pr != NULL; pr = pr->next, c->nproblems++) {
		json_writer_begin_object(w);
		json_writer_key(w, "code");
		json_writer_string(w, mime_cmd_prob_names[pr->code]);
		json_writer_key(w, "message");
		json_writer_string(w, pr->message);
		json_writer_key(w, "offset");
		json_writer_uint(w, pr->offset);
		json_writer_key(w, "count");
		json_writer_uint(w, pr->count);
		json_writer_end_object(w);
	}
	json_writer_end_array(w);
}

static void
mime_cmd_part_json(struct mime_cmd *c, const struct mime_part *part, const char *section)
{
	static const char *const kinds[] = { "leaf", "multipart", "message" };
	struct json_writer *w = &c->jw;
	const char *strs[][2] = { { "type", part->type }, { "subtype", part->subtype },
		{ "cte", part->cte_name }, { "disposition", part->disposition },
		{ "id", part->content_id }, { "description", part->description },
		{ "language", part->language }, { "location", part->location },
		{ "md5", part->md5 } };
	const size_t nums[] = { part->depth, part->offset, part->header_size,
		part->body_offset, part->body_size, part->body_lines };
	const char *num_names[] = { "depth", "offset", "header_size", "body_offset", "size",
		"lines" };
	size_t i;

	json_writer_begin_object(w);
	json_writer_key(w, "section");
	json_writer_string(w, section);
	json_writer_key(w, "kind");
	json_writer_string(w, kinds[part->kind]);
	json_writer_key(w, "is_message");
	json_writer_bool(w, part->parent == NULL || part->parent->kind == MIME_PART_MESSAGE);
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		json_writer_key(w, strs[i][0]);
		json_writer_string(w, strs[i][1]);
	}
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		json_writer_key(w, num_names[i]);
		json_writer_uint(w, nums[i]);
	}
	json_writer_key(w, "params");
	mime_cmd_params_json(w, part->type_params);
	json_writer_key(w, "disposition_params");
	mime_cmd_params_json(w, part->disposition_params);
	mime_cmd_part_json_tail(c, part);
	json_writer_end_object(w);
}

/* Every part, depth first; index is the part's number in its parent. */
static void
mime_cmd_walk(struct mime_cmd *c, const struct mime_part *part, const char *parent_prefix,
    size_t index)
{
	char section[512];
	const struct mime_part *child;
	size_t i = 1;

	mime_cmd_section(part, parent_prefix, index, section, sizeof(section));
	c->nparts++;
	if (c->is_json)
		mime_cmd_part_json(c, part, section);
	else
		mime_cmd_part_text(c, part, section);
	for (child = part->children; child != NULL; child = child->next, i++)
		mime_cmd_walk(c, child, section, i);
}

static int
mime_cmd_show(struct mime_cmd *c)
{
	struct buf env, bs;
	bool ok;

	buf_init(&env, MIME_CMD_OUT_MAX);
	buf_init(&bs, MIME_CMD_OUT_MAX);
	ok = imap_fetchattr_envelope(&env, c->root, c->flags) &&
	    imap_fetchattr_bodystructure(&bs, c->root, c->flags);
	if (c->is_json) {
		json_writer_init(&c->jw, stdout);
		json_writer_begin_object(&c->jw);
		json_writer_key(&c->jw, "file");
		json_writer_string(&c->jw, c->path);
		json_writer_key(&c->jw, "size");
		json_writer_uint(&c->jw, c->len);
		json_writer_key(&c->jw, "parts");
		json_writer_begin_array(&c->jw);
	} else {
		printf("%s: %zu bytes\n", c->path, c->len);
	}
	mime_cmd_walk(c, c->root, "", 0);
	if (c->is_json) {
		json_writer_end_array(&c->jw);
		json_writer_key(&c->jw, "problem_count");
		json_writer_uint(&c->jw, c->nproblems);
		json_writer_key(&c->jw, "envelope");
		json_writer_string_len(&c->jw, ok ? env.data : NULL, env.len);
		json_writer_key(&c->jw, "bodystructure");
		json_writer_string_len(&c->jw, ok ? bs.data : NULL, bs.len);
		json_writer_end_object(&c->jw);
		ok = json_writer_finish(&c->jw) == 0 && ok;
	} else if (ok) {
		printf("%zu parts, %zu problems\nENVELOPE %s\nBODYSTRUCTURE %s\n", c->nparts,
		    c->nproblems, env.data, bs.data);
	}
	buf_release(&env);
	buf_release(&bs);
	return ok ? MIME_CMD_OK : MIME_CMD_IO;
}

/* "1.2.HEADER" into parts and an upper-case text; false when malformed. */
static bool
mime_cmd_parse_section(const char *s, uint32_t *parts, size_t *nparts_r, char *text,
    size_t textlen)
{
	size_t n = 0, i;

	while (isdigit((unsigned char)*s)) {
		unsigned long v = 0;

		while (isdigit((unsigned char)*s) && v < 1000000)
			v = v * 10 + (unsigned long)(*s++ - '0');
		if (v == 0 || v >= 1000000 || n == IMAP_FETCHATTR_SECTION_MAX)
			return false;
		parts[n++] = (uint32_t)v;
		if (*s != '.')
			break;
		s++;
	}
	for (i = 0; s[i] != '\0' && i + 1 < textlen; i++)
		text[i] = (char)toupper((unsigned char)s[i]);
	text[i] = '\0';
	*nparts_r = n;
	return s[i] == '\0';
}

static int
mime_cmd_dump_part(struct mime_cmd *c)
{
	uint32_t parts[IMAP_FETCHATTR_SECTION_MAX];
	char text[32];
	struct imap_section sec;
	enum imap_fetchattr_error err;
	struct buf out;

	memset(&sec, 0, sizeof(sec));
	if (!mime_cmd_parse_section(c->part, parts, &sec.nparts, text, sizeof(text)) ||
	    (!c->is_raw && text[0] != '\0')) {
		fprintf(stderr, "mailspec mime: bad section '%s'\n", c->part);
		return MIME_CMD_USAGE;
	}
	sec.parts = parts;
	sec.text = text;
	buf_init(&out, MIME_CMD_OUT_MAX);
	err = c->is_raw ? imap_fetchattr_body_section(&out, c->root, c->data, c->len, &sec) :
	    imap_fetchattr_binary(&out, c->root, c->data, c->len, &sec);
	if (err == IMAP_FETCHATTR_OK && out.len > 0 &&
	    fwrite(out.data, 1, out.len, stdout) != out.len)
		err = IMAP_FETCHATTR_FULL;
	buf_release(&out);
	if (err != IMAP_FETCHATTR_OK) {
		fprintf(stderr, "mailspec mime: %s: %s\n", c->part, imap_fetchattr_error_str(err));
		return MIME_CMD_NO_PART;
	}
	return MIME_CMD_OK;
}

static int
mime_cmd_options(struct mime_cmd *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' }, { "utf8", no_argument, NULL, 'u' },
		{ "imap4rev2", no_argument, NULL, '2' },
		{ "part", required_argument, NULL, 'p' }, { "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': c->is_json = true; break;
		case 'u': c->flags |= IMAP_FETCHATTR_UTF8; break;
		case '2': c->flags |= IMAP_FETCHATTR_UTF8 | IMAP_FETCHATTR_REV2; break;
		case 'p': c->part = optarg; break;
		case 'r': c->is_raw = true; break;
		case 'h': mime_cmd_usage(stdout); return -1;
		default:
			fprintf(stderr, "mailspec mime: bad option '%s'\n", argv[optind - 1]);
			mime_cmd_usage(stderr);
			return MIME_CMD_USAGE;
		}
	}
	if (optind != argc - 1 || (c->is_raw && c->part == NULL)) {
		mime_cmd_usage(stderr);
		return MIME_CMD_USAGE;
	}
	c->path = argv[optind];
	return MIME_CMD_OK;
}

int
cmd_mime(int argc, char **argv)
{
	struct mime_cmd c;
	struct mime_parser *p;
	int rc;

	memset(&c, 0, sizeof(c));
	rc = mime_cmd_options(&c, argc, argv);
	if (rc != MIME_CMD_OK)
		return rc < 0 ? MIME_CMD_OK : rc;
	if ((rc = mime_cmd_read(&c)) != MIME_CMD_OK)
		return rc;
	p = mime_parser_new(NULL);
	if (p == NULL) {
		free(c.data);
		return MIME_CMD_IO;
	}
	mime_parser_feed(p, c.data, c.len);
	c.root = mime_parser_finish(p);
	rc = c.part != NULL ? mime_cmd_dump_part(&c) : mime_cmd_show(&c);
	mime_parser_free(&p);
	free(c.data);
	return rc;
}
