/* loader.h: load scenarios/FORMAT.md files with libyaml.
 *
 * Every problem is written to err as "file:line:col: error: problem"
 * followed by the source line and a caret, and counted; loading goes on
 * so that all errors of all files are reported, not only the first.
 */
#ifndef MAILSPEC_LOADER_H
#define MAILSPEC_LOADER_H

#include <stdio.h>

#include "scenario.h"

/* Load files and folders (recursively, *.yaml and *.yml in name order),
 * plus the preludes/ folders beside and above each scenario file; then
 * resolve prelude calls and check ids are unique. Returns lib->nerrors. */
size_t loader_load_paths(struct library *lib, char *const *paths, size_t npaths, FILE *err);

/* Load one scenario or prelude from memory (name is used in messages; no
 * preludes are looked up on disk). Returns the number of errors. */
size_t loader_load_buffer(struct library *lib, const char *name, const char *data,
    size_t len, FILE *err);

#endif
