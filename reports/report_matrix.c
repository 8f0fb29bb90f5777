/* report_matrix.c: several runs (one per target) merged into one matrix,
 * Autobahn-style: the union of scenario ids as rows, one column per
 * target, a row flagged when the targets' verdicts differ; and the matrix
 * as JSON (schema "mailspec-matrix/1", reports/mailspec-matrix.schema.json).
 */
#include "report_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

/* One record of one run, for sorting the union by id. */
struct matrix_item {
	const struct result *r;
	size_t target;
};

const char *
report_first_protocol(const struct result *r)
{
	if (r->protocols != NULL && r->protocols[0] != NULL)
		return r->protocols[0];
	return "other";
}

static int
matrix_item_cmp(const void *pa, const void *pb)
{
	const struct matrix_item *a = pa, *b = pb;
	int c = strcmp(a->r->id, b->r->id);

	if (c != 0)
		return c;
	return a->target < b->target ? -1 : a->target > b->target;
}

/* Rows by protocol, RFC, section, id. */
static int
matrix_row_cmp(const void *pa, const void *pb)
{
	const struct report_matrix_row *a = pa, *b = pb;
	int c = strcmp(report_first_protocol(a->meta), report_first_protocol(b->meta));

	if (c != 0)
		return c;
	if (a->meta->rfc != b->meta->rfc)
		return a->meta->rfc < b->meta->rfc ? -1 : 1;
	c = report_section_cmp(a->meta->section, b->meta->section);
	return c != 0 ? c : strcmp(a->id, b->id);
}

/* Every record with an id, sorted by id then target; NULL on ENOMEM. */
static struct matrix_item *
matrix_collect(const struct report_matrix *m, size_t *n_r)
{
	struct matrix_item *items;
	size_t total = 0, t, i, n = 0;

	for (t = 0; t < m->ntargets; t++)
		total += m->runs[t]->results != NULL ? m->runs[t]->nresults : 0;
	items = calloc(total + 1, sizeof(*items));
	if (items == NULL)
		return NULL;
	for (t = 0; t < m->ntargets; t++)
		for (i = 0; m->runs[t]->results != NULL && i < m->runs[t]->nresults; i++)
			if (m->runs[t]->results[i].id != NULL)
				items[n++] = (struct matrix_item){ &m->runs[t]->results[i], t };
	qsort(items, n, sizeof(*items), matrix_item_cmp);
	*n_r = n;
	return items;
}

static void
matrix_mark_differs(struct report_matrix *m, struct report_matrix_row *row)
{
	size_t t;

	for (t = 1; t < m->ntargets && !row->differs; t++) {
		const struct result *a = row->cells[0], *b = row->cells[t];

		row->differs = (a == NULL) != (b == NULL) ||
		    (a != NULL && a->verdict != b->verdict);
	}
	if (row->differs)
		m->ndiffer++;
}

static int
matrix_build_rows(struct report_matrix *m)
{
	struct matrix_item *items;
	struct report_matrix_row *row = NULL;
	size_t n, i;

	if ((items = matrix_collect(m, &n)) == NULL)
		return -1;
	m->rows = calloc(n + 1, sizeof(*m->rows));
	for (i = 0; m->rows != NULL && i < n; i++) {
		if (row == NULL || strcmp(row->id, items[i].r->id) != 0) {
			row = &m->rows[m->nrows++];
			row->id = items[i].r->id;
			row->meta = items[i].r;
			row->cells = calloc(m->ntargets, sizeof(*row->cells));
			if (row->cells == NULL)
				break;
		}
		row->cells[items[i].target] = items[i].r;
	}
	free(items);
	if (m->rows == NULL || i < n)
		return -1;
	for (i = 0; i < m->nrows; i++)
		matrix_mark_differs(m, &m->rows[i]);
	qsort(m->rows, m->nrows, sizeof(*m->rows), matrix_row_cmp);
	return 0;
}

static bool
matrix_label_taken(const struct report_matrix *m, size_t upto, const char *label)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (strcmp(m->labels[i], label) == 0)
			return true;
	return false;
}

/* The target's name; "name (file)" or "name #n" when names repeat. */
static int
matrix_make_labels(struct report_matrix *m)
{
	char buf[512];
	size_t t, k;

	m->labels = calloc(m->ntargets + 1, sizeof(*m->labels));
	for (t = 0; m->labels != NULL && t < m->ntargets; t++) {
		const char *name = m->runs[t]->target != NULL ? m->runs[t]->target :
		    "unnamed target";
		const char *src = m->sources[t] != NULL ? strrchr(m->sources[t], '/') : NULL;

		src = src != NULL ? src + 1 : m->sources[t];
		snprintf(buf, sizeof(buf), "%s", name);
		if (matrix_label_taken(m, t, buf) && src != NULL)
			snprintf(buf, sizeof(buf), "%s (%s)", name, src);
		for (k = 2; matrix_label_taken(m, t, buf); k++)
			snprintf(buf, sizeof(buf), "%s #%zu", name, k);
		if ((m->labels[t] = strdup(buf)) == NULL)
			return -1;
	}
	return m->labels != NULL ? 0 : -1;
}

struct report_matrix *
report_matrix_new(const struct results_run *const *runs,
    const char *const *sources, size_t nruns)
{
	struct report_matrix *m = calloc(1, sizeof(*m));
	size_t t;

	if (m == NULL)
		return NULL;
	m->ntargets = nruns;
	m->runs = calloc(nruns + 1, sizeof(*m->runs));
	m->sources = calloc(nruns + 1, sizeof(*m->sources));
	if (m->runs == NULL || m->sources == NULL)
		goto fail;
	for (t = 0; t < nruns; t++) {
		m->runs[t] = runs[t];
		m->sources[t] = sources != NULL ? sources[t] : NULL;
	}
	if (matrix_make_labels(m) == 0 && matrix_build_rows(m) == 0)
		return m;
fail:
	report_matrix_free(&m);
	errno = ENOMEM;
	return NULL;
}

void
report_matrix_free(struct report_matrix **mp)
{
	struct report_matrix *m = mp != NULL ? *mp : NULL;
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; m->rows != NULL && i < m->nrows; i++)
		free(m->rows[i].cells);
	for (i = 0; m->labels != NULL && i < m->ntargets; i++)
		free(m->labels[i]);
	free(m->rows);
	free(m->labels);
	free(m->runs);
	free(m->sources);
	free(m);
	*mp = NULL;
}

size_t
report_matrix_rows(const struct report_matrix *m)
{
	return m->nrows;
}

size_t
report_matrix_differing(const struct report_matrix *m)
{
	return m->ndiffer;
}

static void
matrix_json_target(struct json_writer *w, const struct report_matrix *m, size_t t)
{
	const struct results_run *run = m->runs[t];
	size_t counts[VERDICT_COUNT], i;
	char when[32], key[64];

	report_count(run, counts);
	json_writer_begin_object(w);
	json_writer_key(w, "label");
	json_writer_string(w, m->labels[t]);
	json_writer_key(w, "name");
	json_writer_string(w, run->target);
	json_writer_key(w, "source");
	json_writer_string(w, m->sources[t]);
	json_writer_key(w, "tool_version");
	json_writer_string(w, run->version);
	json_writer_key(w, "endpoints");
	json_writer_begin_object(w);
	for (i = 0; run->endpoints != NULL && i < run->nendpoints; i++) {
		json_writer_key(w, report_endpoint_key(run, i, key));
		json_writer_string(w, run->endpoints[i].url);
	}
	json_writer_end_object(w);
	json_writer_key(w, "started");
	json_writer_string(w, report_format_time(run->started_unix_ms, when) ? when : NULL);
	json_writer_key(w, "duration_ms");
	json_writer_uint(w, run->duration_ms);
	json_writer_key(w, "summary");
	json_writer_begin_object(w);
	for (i = 0; i < VERDICT_COUNT; i++) {
		json_writer_key(w, verdict_name((enum verdict)i));
		json_writer_uint(w, counts[i]);
	}
	json_writer_end_object(w);
	json_writer_end_object(w);
}

static void
matrix_json_row(struct json_writer *w, const struct report_matrix *m,
    const struct report_matrix_row *row)
{
	const struct result *r = row->meta;
	size_t t, i;

	json_writer_begin_object(w);
	json_writer_key(w, "id");
	json_writer_string(w, row->id);
	json_writer_key(w, "title");
	json_writer_string(w, r->title);
	json_writer_key(w, "protocols");
	json_writer_begin_array(w);
	for (i = 0; r->protocols != NULL && r->protocols[i] != NULL; i++)
		json_writer_string(w, r->protocols[i]);
	json_writer_end_array(w);
	json_writer_key(w, "rfc");
	if (r->rfc > 0)
		json_writer_int(w, r->rfc);
	else
		json_writer_null(w);
	json_writer_key(w, "section");
	json_writer_string(w, r->section);
	json_writer_key(w, "level");
	json_writer_string(w, level_name(r->level));
	json_writer_key(w, "requirement");
	json_writer_string(w, r->requirement);
	json_writer_key(w, "differs");
	json_writer_bool(w, row->differs);
	json_writer_key(w, "verdicts");
	json_writer_begin_array(w);
	for (t = 0; t < m->ntargets; t++)
		json_writer_string(w, row->cells[t] != NULL ?
		    verdict_name(row->cells[t]->verdict) : NULL);
	json_writer_end_array(w);
	json_writer_key(w, "messages");
	json_writer_begin_array(w);
	for (t = 0; t < m->ntargets; t++)
		json_writer_string(w, row->cells[t] != NULL ? row->cells[t]->message : NULL);
	json_writer_end_array(w);
	json_writer_end_object(w);
}

int
report_matrix_json_write(const struct report_matrix *m, FILE *out)
{
	struct json_writer w;
	size_t i;

	json_writer_init(&w, out);
	json_writer_begin_object(&w);
	json_writer_key(&w, "schema");
	json_writer_string(&w, REPORT_MATRIX_SCHEMA);
	json_writer_key(&w, "tool");
	json_writer_begin_object(&w);
	json_writer_key(&w, "name");
	json_writer_string(&w, "mailspec");
	json_writer_key(&w, "version");
	json_writer_string(&w, MAILSPEC_VERSION);
	json_writer_end_object(&w);
	json_writer_key(&w, "targets");
	json_writer_begin_array(&w);
	for (i = 0; i < m->ntargets; i++)
		matrix_json_target(&w, m, i);
	json_writer_end_array(&w);
	json_writer_key(&w, "summary");
	json_writer_begin_object(&w);
	json_writer_key(&w, "scenarios");
	json_writer_uint(&w, m->nrows);
	json_writer_key(&w, "differ");
	json_writer_uint(&w, m->ndiffer);
	json_writer_end_object(&w);
	json_writer_key(&w, "scenarios");
	json_writer_begin_array(&w);
	for (i = 0; i < m->nrows; i++)
		matrix_json_row(&w, m, &m->rows[i]);
	json_writer_end_array(&w);
	json_writer_end_object(&w);
	return json_writer_finish(&w);
}
