/* fuzz_util.h: helpers shared by the libFuzzer harnesses.
 *
 * Every harness reads a 4-byte header: byte 0 picks the parser's limits
 * or flags, bytes 1-3 are the pattern of chunk sizes used to feed the rest
 * a second time. The oracle is that the whole feed and the chunked feed
 * give identical items.
 */
#ifndef MAILSPEC_FUZZ_UTIL_H
#define MAILSPEC_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"

#define FUZZ_HEADER 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * ASan's defaults for a harness, written once at file scope in the file
 * that holds LLVMFuzzerTestOneInput(). A quarantine of 16 MiB instead of
 * 256 MiB: with the default every malloc of a parser lands on memory that
 * has not been touched for a long time, so an input pays for page faults
 * and for filling fresh pages (a sixth of fuzz_mime_address's time, perf);
 * 16 MiB still holds every block one input frees, so a use after free
 * inside an input is still caught. ASAN_OPTIONS from the environment
 * (OSS-Fuzz sets its own) takes precedence.
 */
#define FUZZ_ASAN_DEFAULTS()						\
	const char *__asan_default_options(void);			\
	const char *							\
	__asan_default_options(void)					\
	{								\
		return "quarantine_size_mb=16";				\
	}

/* Size of the n-th chunk: 1..32 bytes, cycling through the pattern; a
 * pattern byte of 0 means "everything left". */
static inline size_t
fuzz_chunk_size(const uint8_t pattern[3], size_t n, size_t left)
{
	size_t k = pattern[n % 3];

	if (k == 0 || k % 33 == 0)
		return left;
	k = k % 33;
	return k < left ? k : left;
}

/* A heap copy of exactly len bytes, so ASan sees any read past it. */
static inline uint8_t *
fuzz_dup(const uint8_t *p, size_t len)
{
	uint8_t *q = malloc(len > 0 ? len : 1);

	if (q == NULL)
		abort();
	if (len > 0 && p != NULL)
		memcpy(q, p, len);
	return q;
}

/*
 * The guard window: exact copies without a malloc each. Under ASan the
 * window is poisoned except for the copies held; a copy starts on an
 * 8-byte boundary after at least 16 poisoned bytes and is followed by
 * poison from its last byte on, so ASan sees a read before or after it as
 * it would for a malloc'd copy (and for a non-NUL-terminated one). The
 * copies advance through the window and wrap only after 1 MiB, so a
 * pointer kept into a released copy stays poisoned for a long time: ASan
 * reports a use after release like a use after free. Copies larger than
 * FUZZ_WINDOW / 8 are malloc'd, and so is a copy that would need the
 * window to wrap while others are held. Without ASan it is a plain buffer.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_HAS_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(FUZZ_HAS_ASAN)
#define FUZZ_HAS_ASAN 1
#endif
#ifdef FUZZ_HAS_ASAN
#include <sanitizer/asan_interface.h>
#endif

/* (Un)poison [p, p + n): ASan's shadow only, the bytes are not read. GCC
 * takes the pointer argument of __asan_poison_memory_region() for a read
 * of bytes that may be uninitialised and warns, hence the pragma. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
static inline void
fuzz_poison(const uint8_t *p, size_t n, bool is_poisoned)
{
#ifdef FUZZ_HAS_ASAN
	if (is_poisoned)
		__asan_poison_memory_region(p, n);
	else
		__asan_unpoison_memory_region(p, n);
#else
	(void)p;
	(void)n;
	(void)is_poisoned;
#endif
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#define FUZZ_WINDOW ((size_t)1 << 20)
#define FUZZ_GUARD 16

struct fuzz_window {
	uint8_t *base;
	size_t next;		/* offset of the next copy */
	size_t held;		/* copies not given back yet */
};

static inline struct fuzz_window *
fuzz_window(void)
{
	static struct fuzz_window win;

	if (win.base == NULL) {
		if ((win.base = malloc(FUZZ_WINDOW)) == NULL)
			abort();
		fuzz_poison(win.base, FUZZ_WINDOW, true);
		win.next = FUZZ_GUARD;
	}
	return &win;
}

/* An exact copy of p[0..len) (p NULL: len bytes of 0xbe, as ASan's malloc
 * gives); give it back with fuzz_release(). The window wraps only when no
 * copy is held; a copy that does not fit otherwise is malloc'd. */
static inline uint8_t *
fuzz_hold(const void *p, size_t len)
{
	struct fuzz_window *w = fuzz_window();
	uint8_t *q;

	if (len > FUZZ_WINDOW / 8)
		return fuzz_dup(p, len);
	if (w->next + len + FUZZ_GUARD > FUZZ_WINDOW) {
		if (w->held > 0)
			return fuzz_dup(p, len);
		w->next = FUZZ_GUARD;
	}
	q = w->base + w->next;
	w->next += ((len + 7) & ~(size_t)7) + FUZZ_GUARD;
	w->held++;
	fuzz_poison(q, len, false);
	if (len > 0 && p != NULL)
		memcpy(q, p, len);
	else if (len > 0)
		memset(q, 0xbe, len);
	return q;
}

/* Give back a copy from fuzz_hold(). */
static inline void
fuzz_release(uint8_t *q, size_t len)
{
	struct fuzz_window *w = fuzz_window();

	if ((uintptr_t)q - (uintptr_t)w->base >= FUZZ_WINDOW) {	/* malloc'd */
		free(q);
		return;
	}
	w->held--;
	fuzz_poison(q, len, true);
}

/* A buffer kept from one input to the next (its capacity stays, up to
 * 1 MiB): on return it holds "" and has the maximum maxlen. */
static inline void
fuzz_out_begin(struct buf *b, size_t maxlen)
{
	if (b->data == NULL || b->cap > ((size_t)1 << 20))
		buf_release(b);
	buf_clear(b);
	b->max = maxlen;
	buf_puts(b, "");
}

/*
 * Parsers kept from one input to the next are reset at the end of each
 * input, not only at the start of the next: libFuzzer counts mallocs and
 * frees during each input, and an input that leaves more blocks allocated
 * than it freed is run again under LeakSanitizer, which costs more than
 * the input; after 1000 such inputs libFuzzer stops looking for leaks
 * altogether.
 */

/* Transcript records, compared and never printed: a number as its bytes,
 * a string with its NUL. Much cheaper than buf_printf() under ASan,
 * which checks every format. */
static inline void
fuzz_rec_num(struct buf *b, uint64_t v)
{
	buf_append(b, &v, sizeof(v));
}

static inline void
fuzz_rec_str(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s) + 1);
}

static inline void
fuzz_rec_mem(struct buf *b, const void *p, size_t len)
{
	fuzz_rec_num(b, len);
	buf_append(b, p, len);
}

/* Stop with a message: libFuzzer records the input as a crash. */
static inline void
fuzz_fail(const char *what)
{
	fprintf(stderr, "oracle failed: %s\n", what);
	abort();
}

/* How a harness drives one incremental parser. */
struct fuzz_feeder {
	size_t (*feed)(void *ctx, const void *data, size_t len);	/* bytes taken */
	void (*drain)(void *ctx);	/* pull (and record) every item */
	bool (*has_stopped)(void *ctx);	/* an error state; NULL: never */
	void *ctx;
};

/* Feed stream[0..len) in the chunks the pattern gives (NULL: whole), each
 * an exact heap copy so ASan sees any over-read, draining after every
 * feed. A parser that takes nothing twice in a row after being drained is
 * stuck with a full buffer: that is a bug, unless it has stopped. */
static inline void
fuzz_feed_chunks(const struct fuzz_feeder *f, const uint8_t *stream, size_t len,
    const uint8_t *pattern)
{
	size_t pos = 0, n = 0;

	while (pos < len && (f->has_stopped == NULL || !f->has_stopped(f->ctx))) {
		size_t k = pattern != NULL ? fuzz_chunk_size(pattern, n++, len - pos) : len - pos;
		uint8_t *chunk = fuzz_hold(stream + pos, k);
		size_t done = 0;
		int idle = 0;

		while (done < k && (f->has_stopped == NULL || !f->has_stopped(f->ctx))) {
			size_t m = f->feed(f->ctx, chunk + done, k - done);

			done += m;
			f->drain(f->ctx);
			if (m == 0 && (f->has_stopped == NULL || !f->has_stopped(f->ctx)) &&
			    ++idle > 1)
				fuzz_fail("parser stuck with a full buffer");
		}
		fuzz_release(chunk, k);
		pos += k;
	}
	f->drain(f->ctx);
}

/* Where a harness makes its scratch folder: MAILSPEC_FUZZ_TMPDIR, else
 * /dev/shm when writable, else $TMPDIR or /tmp. */
static inline const char *
fuzz_scratch_base(void)
{
	const char *base = getenv("MAILSPEC_FUZZ_TMPDIR");

	if (base == NULL)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
		    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	return base;
}

/* Make the folder base/mailspec-fuzz-<pid>-XXXXXX, its name into dir;
 * aborts when it cannot. */
static inline void
fuzz_scratch_make(char *dir, size_t size, const char *base)
{
	snprintf(dir, size, "%s/mailspec-fuzz-%ld-XXXXXX", base, (long)getpid());
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		abort();
	}
}

/* Remove a scratch directory tree (the loader's files, the session store). */
static inline int
fuzz_rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static inline void
fuzz_rm_tree(const char *path)
{
	nftw(path, fuzz_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
