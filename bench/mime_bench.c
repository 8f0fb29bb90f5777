/* mime_bench.c: MIME parsing throughput, mailspec's parser against GMime.
 *
 *   mime_bench [--seconds S] [--max-iter N] [--synthetic-mb M] DIR
 *
 * Two corpora: every *.eml in DIR (scenarios/fixtures: small messages, so
 * per-message costs dominate) and a synthetic one generated here (large
 * base64 and quoted-printable attachments, a multipart with many small
 * parts, a long 7bit text) for sustained throughput. Each corpus runs
 * through each parser in passes until S seconds (default 1) or N passes
 * (default 100000), whichever comes first, in two modes:
 *   parse         the whole message into a tree: headers, Content-* fields
 *                 and parameters, boundaries, nesting (mailspec also checks
 *                 base64/QP bodies while parsing; GMime keeps references
 *                 into the stream and decodes nothing here);
 *   parse+decode  the same, then every leaf's content decoded (base64, QP)
 *                 and counted: imap_fetchattr_part_decoded_size() for
 *                 mailspec, g_mime_data_wrapper_write_to_stream() into a
 *                 null stream for GMime. This is the comparable mode.
 * Both read from memory: mailspec is fed the message buffer, GMime reads a
 * GMimeStreamMem over a GByteArray made once per message (no copy per
 * pass). MB/s is message bytes / wall time (10^6 bytes per MB).
 */
#include <dirent.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "imap_fetchattr.h"
#include "mime.h"
#include "mime_base64.h"
#include "mime_qp.h"

struct msg {
	char *data;
	size_t len;
	GByteArray *arr;	/* GMime's view of the same bytes */
};

struct corpus {
	const char *name;
	struct msg *msgs;
	size_t n, bytes;
};

struct opts {
	double seconds;
	unsigned long max_iter;
	size_t synthetic_mb;
};

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
corpus_add(struct corpus *c, char *data, size_t len)
{
	struct msg *m;

	c->msgs = realloc(c->msgs, (c->n + 1) * sizeof(*c->msgs));
	if (c->msgs == NULL) {
		perror("realloc");
		exit(1);
	}
	m = &c->msgs[c->n++];
	m->data = data;
	m->len = len;
	m->arr = g_byte_array_sized_new((guint)len);
	g_byte_array_append(m->arr, (const guint8 *)data, (guint)len);
	c->bytes += len;
}

static void
corpus_free(struct corpus *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->msgs[i].data);
		g_byte_array_unref(c->msgs[i].arr);
	}
	free(c->msgs);
}

static char *
bench_read_file(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[65536];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b, (size_t)1 << 30);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (!buf_append(&b, chunk, n))
			break;
	fclose(f);
	*len_r = b.len;
	return b.data != NULL ? b.data : calloc(1, 1);
}

static int
corpus_load_dir(struct corpus *c, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL) {
		fprintf(stderr, "mime_bench: cannot open %s\n", dir);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		size_t nl = strlen(e->d_name), len;
		char path[4096], *data;

		if (nl < 5 || strcmp(e->d_name + nl - 4, ".eml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if ((data = bench_read_file(path, &len)) != NULL)
			corpus_add(c, data, len);
	}
	closedir(d);
	return c->n > 0 ? 0 : -1;
}

/* Deterministic bytes (an LCG), so every run parses the same corpus. */
static void
bench_random(unsigned char *out, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		out[i] = (unsigned char)(seed >> 16);
	}
}

/* A part with size bytes of random content encoded as cte. */
static void
synth_part(struct buf *b, const char *type, const char *cte, size_t size, uint32_t seed)
{
	unsigned char *raw = malloc(size);
	char *enc;
	size_t n;
	bool is_b64 = strcmp(cte, "base64") == 0;

	bench_random(raw, size, seed);
	if (!is_b64)	/* mostly text with some 8-bit bytes for QP */
		for (size_t i = 0; i < size; i++)
			raw[i] = i % 70 == 69 ? '\n' : raw[i] % 8 == 0 ? raw[i] : (unsigned char)('a' + raw[i] % 26);
	enc = malloc(is_b64 ? mime_base64_encoded_lines_len(size) : mime_qp_encoded_max(size));
	n = is_b64 ? mime_base64_encode_lines(raw, size, enc) : mime_qp_encode(raw, size, true, enc);
	buf_printf(b, "--synth\r\nContent-Type: %s\r\nContent-Transfer-Encoding: %s\r\n\r\n",
	    type, cte);
	buf_append(b, enc, n);
	buf_puts(b, "\r\n");
	free(raw);
	free(enc);
}

/* The synthetic corpus: about mb MiB in three messages. */
static void
corpus_synthetic(struct corpus *c, size_t mb)
{
	size_t unit = (mb << 20) / 8, i;
	struct buf b;
	static const char head[] = "From: bench@mailspec.example\r\nTo: x@mailspec.example\r\n"
	    "Subject: synthetic\r\nMIME-Version: 1.0\r\n";

	buf_init(&b, (size_t)1 << 30);
	buf_printf(&b, "%sContent-Type: multipart/mixed; boundary=\"synth\"\r\n\r\n", head);
	synth_part(&b, "text/plain; charset=utf-8", "quoted-printable", unit, 1);
	synth_part(&b, "application/octet-stream", "base64", unit * 2, 2);
	synth_part(&b, "image/png", "base64", unit, 3);
	buf_puts(&b, "--synth--\r\n");
	corpus_add(c, b.data, b.len);
	buf_init(&b, (size_t)1 << 30);
	buf_printf(&b, "%sContent-Type: multipart/mixed; boundary=\"synth\"\r\n\r\n", head);
	for (i = 0; b.len < unit * 3; i++)
		synth_part(&b, i % 2 ? "text/plain" : "application/pdf", i % 2 ? "quoted-printable" :
		    "base64", 700 + i % 1000, (uint32_t)i);
	buf_puts(&b, "--synth--\r\n");
	corpus_add(c, b.data, b.len);
	buf_init(&b, (size_t)1 << 30);
	buf_printf(&b, "%sContent-Type: text/plain; charset=us-ascii\r\n\r\n", head);
	while (b.len < unit)
		buf_puts(&b, "A long plain 7bit text, line after line, as in a mailing list archive.\r\n");
	corpus_add(c, b.data, b.len);
}

/* ---- the two parsers ------------------------------------------------------ */

static uint64_t
ms_decode_tree(const struct mime_part *part, const char *data)
{
	uint64_t total = 0, size;

	if (part->kind == MIME_PART_LEAF &&
	    imap_fetchattr_part_decoded_size(part, data, &size) == IMAP_FETCHATTR_OK)
		total += size;
	for (const struct mime_part *c = part->children; c != NULL; c = c->next)
		total += ms_decode_tree(c, data);
	return total;
}

static uint64_t
ms_pass(struct mime_parser *p, const struct corpus *c, bool is_decode)
{
	uint64_t sink = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct mime_part *root;

		mime_parser_reset(p);
		mime_parser_feed(p, c->msgs[i].data, c->msgs[i].len);
		root = mime_parser_finish(p);
		sink += is_decode ? ms_decode_tree(root, c->msgs[i].data) : root->nchildren;
	}
	return sink;
}

static uint64_t
gm_decode_tree(GMimeObject *obj, GMimeStream *null)
{
	uint64_t total = 0;

	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n; i++)
			total += gm_decode_tree(g_mime_multipart_get_part(mp, i), null);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (m != NULL && g_mime_message_get_mime_part(m) != NULL)
			total += gm_decode_tree(g_mime_message_get_mime_part(m), null);
	} else if (GMIME_IS_PART(obj)) {
		GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(obj));
		ssize_t n = w != NULL ? g_mime_data_wrapper_write_to_stream(w, null) : 0;

		total += n > 0 ? (uint64_t)n : 0;
	}
	return total;
}

static uint64_t
gm_pass(const struct corpus *c, bool is_decode)
{
	GMimeStream *null = g_mime_stream_null_new();
	uint64_t sink = 0;

	for (size_t i = 0; i < c->n; i++) {
		GMimeStream *s = g_mime_stream_mem_new_with_byte_array(c->msgs[i].arr);
		GMimeParser *parser;
		GMimeMessage *m;

		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
		parser = g_mime_parser_new_with_stream(s);
		m = g_mime_parser_construct_message(parser, NULL);
		if (m != NULL && is_decode && g_mime_message_get_mime_part(m) != NULL)
			sink += gm_decode_tree(g_mime_message_get_mime_part(m), null);
		else if (m != NULL)
			sink++;
		if (m != NULL)
			g_object_unref(m);
		g_object_unref(parser);
		g_object_unref(s);
	}
	g_object_unref(null);
	return sink;
}

/* MB/s of one parser in one mode on c. */
static double
bench_run(const struct opts *o, const struct corpus *c, bool is_gmime, bool is_decode,
    unsigned long *passes_r)
{
	struct mime_parser *p = mime_parser_new(NULL);
	double start = bench_now(), elapsed = 0;
	unsigned long passes = 0;
	volatile uint64_t sink = 0;

	while (passes < o->max_iter && (passes == 0 || elapsed < o->seconds)) {
		sink += is_gmime ? gm_pass(c, is_decode) : ms_pass(p, c, is_decode);
		passes++;
		elapsed = bench_now() - start;
	}
	(void)sink;
	mime_parser_free(&p);
	*passes_r = passes;
	return (double)c->bytes * (double)passes / elapsed / 1e6;
}

static void
bench_corpus(const struct opts *o, const struct corpus *c)
{
	static const char *const modes[] = { "parse", "parse+decode" };

	printf("corpus %s: %zu messages, %.2f MB\n", c->name, c->n, (double)c->bytes / 1e6);
	printf("  %-13s %14s %14s %8s   (passes)\n", "mode", "mailspec MB/s", "GMime MB/s",
	    "ratio");
	for (int m = 0; m < 2; m++) {
		unsigned long np_ms, np_gm;
		double ms = bench_run(o, c, false, m == 1, &np_ms);
		double gm = bench_run(o, c, true, m == 1, &np_gm);

		printf("  %-13s %14.1f %14.1f %7.2fx   (%lu, %lu)\n", modes[m], ms, gm, ms / gm,
		    np_ms, np_gm);
	}
	fflush(stdout);
}

static int
bench_options(struct opts *o, int argc, char **argv, const char **dir_r)
{
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		char *end;

		if (strcmp(argv[i], "--seconds") == 0)
			o->seconds = strtod(argv[i + 1], &end);
		else if (strcmp(argv[i], "--max-iter") == 0)
			o->max_iter = strtoul(argv[i + 1], &end, 10);
		else if (strcmp(argv[i], "--synthetic-mb") == 0)
			o->synthetic_mb = strtoul(argv[i + 1], &end, 10);
		else
			break;
		if (*end != '\0' || o->seconds <= 0 || o->max_iter == 0 || o->synthetic_mb == 0)
			return -1;
	}
	if (i != argc - 1)
		return -1;
	*dir_r = argv[i];
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = { .seconds = 1.0, .max_iter = 100000, .synthetic_mb = 8 };
	struct corpus fixtures = { .name = "fixtures" }, synth = { .name = "synthetic" };
	const char *dir;

	if (bench_options(&o, argc, argv, &dir) < 0) {
		fputs("usage: mime_bench [--seconds S] [--max-iter N] [--synthetic-mb M] DIR\n",
		    stderr);
		return 4;
	}
	g_mime_init();
	if (corpus_load_dir(&fixtures, dir) < 0) {
		fprintf(stderr, "mime_bench: no .eml files in %s\n", dir);
		return 3;
	}
	corpus_synthetic(&synth, o.synthetic_mb);
	printf("mime_bench: GMime %u.%u.%u, %.1f s per parser and mode (at most %lu passes)\n",
	    gmime_major_version, gmime_minor_version, gmime_micro_version, o.seconds, o.max_iter);
	bench_corpus(&o, &fixtures);
	bench_corpus(&o, &synth);
	corpus_free(&fixtures);
	corpus_free(&synth);
	g_mime_shutdown();
	return 0;
}
