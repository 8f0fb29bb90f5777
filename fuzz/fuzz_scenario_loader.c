/* fuzz_scenario_loader.c: the YAML scenario loader (scenarios/FORMAT.md)
 * on arbitrary bytes: it must report errors, never crash, leak or read
 * past its input. Oracle: loading the same bytes twice gives the same
 * error count and the same scenario (id, steps), so nothing depends on
 * uninitialised state. */
#include <stdio.h>
#include <string.h>

#include "fuzz_util.h"
#include "loader.h"

static size_t
fuzz_load(const uint8_t *data, size_t size, struct library *lib)
{
	FILE *sink = fopen("/dev/null", "w");
	size_t errors;

	errors = loader_load_buffer(lib, "fuzz.yaml", (const char *)data, size,
	    sink != NULL ? sink : stderr);
	if (sink != NULL)
		fclose(sink);
	return errors;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct library a = { 0 }, b = { 0 };
	uint8_t *copy = fuzz_dup(data, size);
	size_t ea, eb;

	if (copy == NULL)
		return 0;
	ea = fuzz_load(copy, size, &a);
	eb = fuzz_load(copy, size, &b);
	if (ea != eb || a.nscenarios != b.nscenarios || a.npreludes != b.npreludes)
		abort();
	if (a.nscenarios == 1 && (strcmp(a.scenarios[0]->id, b.scenarios[0]->id) != 0 ||
	    a.scenarios[0]->nsteps != b.scenarios[0]->nsteps))
		abort();
	library_free(&a);
	library_free(&b);
	free(copy);
	return 0;
}
