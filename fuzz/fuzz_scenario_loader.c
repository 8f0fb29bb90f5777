/* fuzz_scenario_loader.c: the YAML scenario loader (scenarios/FORMAT.md)
 * on arbitrary bytes: it must report errors, never crash, leak or read
 * past its input.
 *
 * Input: a scenario or prelude file. It is loaded from memory twice
 * (loader_load_buffer); the oracle is that both loads give the same error
 * count and the same scenario (id, steps), so nothing depends on
 * uninitialised state. An input whose first line starts with "#paths" is
 * also written to a scratch folder and loaded the way `mailspec check`
 * loads files (one loader_load_paths() call with the file, the folder
 * and a missing file): beside it a preludes/ folder (a
 * prelude, two that call each other, a prelude named twice, one that
 * does not parse, a file that is not YAML), a fixtures/ folder (a message
 * with and without a final line break, an empty one, a folder in a
 * file's place) and a second copy of the input (a hard link: one write
 * gives both), so an id that parses is a duplicate. "#paths-as-prelude"
 * also puts the input in preludes/, where a scenario is an error. The
 * scratch folder (under /dev/shm when writable, else $TMPDIR or /tmp;
 * MAILSPEC_FUZZ_TMPDIR overrides) is made once per process and removed at
 * exit.
 *
 * libyaml's blocks come from a region of this harness (see "libyaml's
 * memory" below), not from ASan's malloc; the extra oracle is that every
 * one is freed by the end of the input.
 */
#include <fcntl.h>
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

/* ASan's quarantine of 16 MiB (fuzz_util.h): what the loader frees (its
 * arenas, PCRE2's codes, path lists) stays on warm pages. */
FUZZ_ASAN_DEFAULTS()

/*
 * libyaml's memory. libyaml allocates through yaml_malloc(), yaml_realloc(),
 * yaml_free() and yaml_strdup(), which the shared library calls through
 * its PLT; the definitions below, in the executable, take their place.
 * (With a static libyaml, as fuzz/build.sh links when it finds the
 * archive, libyaml's own strong definitions win over these weak ones and
 * nothing changes.) libyaml makes several blocks per token and node and
 * 64 KiB of buffers per parse; under ASan each block cost a stack trace,
 * a fill and a trip through the quarantine: a third of the time of
 * an input. Here they come from one region kept poisoned, with a
 * poisoned 16-byte header between blocks: a block is unpoisoned while
 * allocated and poisoned again when freed, and the region is rewound
 * only between inputs, so the loader reading past a
 * scalar or a node array, or a block libyaml freed, within an input is
 * still an ASan report (use-after-poison, without the allocation stack).
 * LeakSanitizer does not see these blocks: the harness checks instead
 * that every one was freed by the end of the input. A block that does not
 * fit comes from malloc. Most blocks are a few bytes (a token, a scalar,
 * a node's items), and marking each through __asan_(un)poison_memory_region()
 * and filling it through the memset() interceptor cost as much as libyaml's
 * own work; blocks up to YP_SMALL bytes have their shadow bytes written
 * here instead (ASan's mapping from __asan_get_shadow_mapping(): a byte per
 * 8, 0 all addressable, k the first k, YP_POISON poisoned by the program).
 */
#define YP_SIZE ((size_t)16 << 20)
#define YP_HDR 16
#define YP_LIVE 0x6c697665u
#define YP_FREED 0x66726565u
#define YP_SMALL 256
#define YP_POISON 0xf7		/* what __asan_poison_memory_region() writes */

void *yaml_malloc(size_t size);
void *yaml_realloc(void *ptr, size_t size);
void yaml_free(void *ptr);
unsigned char *yaml_strdup(const unsigned char *str);

static struct {
	uint8_t *base;		/* YP_SIZE bytes, NULL until the first block */
	size_t next;		/* offset of the next header */
	size_t live;		/* blocks given and not freed */
	size_t shadow;		/* ASan's shadow offset; 0: use the interface */
} yp;

/* The header before a block: its size and state. It stays poisoned, so
 * these two are not instrumented. */
__attribute__((no_sanitize_address)) static void
yp_hdr_set(uint8_t *p, size_t size, uint32_t state)
{
	size_t *h = (size_t *)(void *)(p - YP_HDR);

	h[0] = size;
	h[1] = state;
}

__attribute__((no_sanitize_address)) static size_t
yp_hdr_get(const uint8_t *p, uint32_t *state_r)
{
	const size_t *h = (const size_t *)(const void *)(p - YP_HDR);

	*state_r = (uint32_t)h[1];
	return h[0];
}

/* Make a block addressable and fill it as ASan's malloc does (its first
 * 4 KiB with 0xbe), or poison it again. */
__attribute__((no_sanitize_address)) static void
yp_mark(uint8_t *p, size_t n, bool is_live)
{
#ifdef FUZZ_HAS_ASAN
	if (n <= YP_SMALL && yp.shadow != 0) {
		/* volatile: a loop made into a memset() call would go through
		 * the interceptor, which checks the shadow of the shadow */
		volatile uint8_t *sh = (volatile uint8_t *)((uintptr_t)p / 8 + yp.shadow);
		volatile uint64_t *q = (volatile uint64_t *)(void *)p;
		size_t i;

		for (i = 0; i < n / 8; i++)
			sh[i] = is_live ? 0 : YP_POISON;
		if (n % 8 != 0)
			sh[i] = is_live ? (uint8_t)(n % 8) : YP_POISON;
		/* whole words: p is 16-aligned and the block rounded up to 16 */
		for (i = 0; is_live && i < (n + 7) / 8; i++)
			q[i] = 0xbebebebebebebebeull;
		return;
	}
#endif
	fuzz_poison(p, n, !is_live);
	if (is_live)
		memset(p, 0xbe, n < 4096 ? n : 4096);
}

static bool
yp_owns(const void *p)
{
	return yp.base != NULL && (uintptr_t)p - (uintptr_t)yp.base < YP_SIZE;
}

__attribute__((weak)) void *
yaml_malloc(size_t size)
{
	size_t n = size ? size : 1, need = YP_HDR + ((n + YP_HDR - 1) & ~(size_t)(YP_HDR - 1));
	uint8_t *p;

	if (yp.base == NULL) {
		if ((yp.base = malloc(YP_SIZE)) == NULL)
			abort();
		fuzz_poison(yp.base, YP_SIZE, true);
		yp.next = 0;
#ifdef FUZZ_HAS_ASAN
		{
			size_t scale;

			__asan_get_shadow_mapping(&scale, &yp.shadow);
			if (scale != 3)
				yp.shadow = 0;
		}
#endif
	}
	if (n > YP_SIZE || need > YP_SIZE - yp.next)
		return malloc(n);
	p = yp.base + yp.next + YP_HDR;
	yp.next += need;
	yp.live++;
	yp_hdr_set(p, n, YP_LIVE);
	yp_mark(p, n, true);
	return p;
}

__attribute__((weak)) void
yaml_free(void *ptr)
{
	uint32_t state;
	size_t n;

	if (ptr == NULL)
		return;
	if (!yp_owns(ptr)) {
		free(ptr);
		return;
	}
	n = yp_hdr_get(ptr, &state);
	if (state != YP_LIVE)
		fuzz_fail("libyaml freed a block that is not allocated");
	yp_hdr_set(ptr, n, YP_FREED);
	yp_mark(ptr, n, false);
	yp.live--;
}

__attribute__((weak)) void *
yaml_realloc(void *ptr, size_t size)
{
	uint32_t state;
	size_t n;
	void *q;

	if (ptr == NULL)
		return yaml_malloc(size);
	if (!yp_owns(ptr))
		return realloc(ptr, size ? size : 1);
	n = yp_hdr_get(ptr, &state);
	if (state != YP_LIVE)
		fuzz_fail("libyaml reallocated a block that is not allocated");
	q = yaml_malloc(size);
	memcpy(q, ptr, n < size ? n : size);
	yaml_free(ptr);
	return q;
}

__attribute__((weak)) unsigned char *
yaml_strdup(const unsigned char *str)
{
	size_t n;
	unsigned char *q;

	if (str == NULL)
		return NULL;
	n = strlen((const char *)str) + 1;
	q = yaml_malloc(n);
	memcpy(q, str, n);
	return q;
}

/* Between inputs: every block must have been freed (a parser or document
 * not deleted is a leak), then the region starts over. */
static void
yp_end_input(void)
{
	if (yp.live != 0)
		fuzz_fail("libyaml memory not freed by the end of the input");
	yp.next = 0;
}

static void
ld_cleanup(void)
{
	if (ld.dir[0] != '\0')
		fuzz_rm_tree(ld.dir);
}

/* open()/write() rather than stdio: no FILE and buffer to allocate under
 * ASan for every input. */
static void
ld_write(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) != 0) {
		perror(path);
		abort();
	}
}

/* Make the scratch folder and its fixed files. */
static void
ld_make_dir(void)
{
	char path[400], copy[400];
	size_t i;

	fuzz_scratch_make(ld.dir, sizeof(ld.dir), fuzz_scratch_base());
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
	snprintf(path, sizeof(path), "%s/fuzz.yaml", ld.scn);
	snprintf(copy, sizeof(copy), "%s/sub/copy.yml", ld.scn);
	ld_write(path, "", 0);
	if (link(path, copy) != 0)
		abort();
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

/* Load the input as files, in one loader_load_paths() call that takes
 * every kind of argument: the file itself (with the preludes beside it
 * and its fixture), then the folder (where the file is already loaded,
 * the copy in sub/ is a duplicate and preludes/ is seen again), then a
 * missing file. Loading the folder and the file alone in two calls, as
 * this did before, parsed the input and the five fixed preludes twice
 * more for no path the single call does not take. */
static void
ld_load_paths(const uint8_t *data, size_t size)
{
	char file[400], missing[400], prelude[400];
	char *paths[3];
	struct library lib = { 0 };
	bool as_prelude = ld_has_hidden_magic(data, size, PRELUDE_MAGIC);

	if (ld.dir[0] == '\0')
		ld_make_dir();
	snprintf(file, sizeof(file), "%s/fuzz.yaml", ld.scn);
	snprintf(missing, sizeof(missing), "%s/missing.yaml", ld.scn);
	snprintf(prelude, sizeof(prelude), "%s/preludes/input.yaml", ld.scn);
	/* fuzz.yaml and the copy are overwritten by the next #paths input
	 * and stay in between (only #paths inputs load the folder); the
	 * prelude copy must not outlive its input. */
	ld_write(file, data, size);
	if (as_prelude)
		ld_write(prelude, data, size);
	paths[0] = file;
	paths[1] = ld.scn;
	paths[2] = missing;
	loader_load_paths(&lib, paths, 3, ld.sink);
	library_free(&lib);
	if (as_prelude)
		unlink(prelude);
}

/* Error messages are formatted and dropped: a stream on /dev/null made a
 * write() each time its buffer filled. */
static ssize_t
ld_discard(void *cookie, const char *buf, size_t len)
{
	(void)cookie;
	(void)buf;
	return (ssize_t)len;
}

static const cookie_io_functions_t ld_discard_io = { .write = ld_discard };

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

	if (ld.sink == NULL && (ld.sink = fopencookie(NULL, "w", ld_discard_io)) == NULL)
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
	yp_end_input();
	return 0;
}
