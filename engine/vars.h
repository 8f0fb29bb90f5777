/* vars.h: scenario variables and ${...} expansion (scenarios/FORMAT.md
 * "Variables").
 *
 * ${name} inserts a variable; $$ is a literal $. Functions: ${base64:TEXT}
 * and ${len:TEXT} (\0, \\ and \} are escapes in TEXT; len gives its
 * octets, for IMAP literals), ${repeat:N:TEXT}, ${add:A:B}.
 * In regex mode every inserted value is quoted so it matches literally.
 */
#ifndef MAILSPEC_VARS_H
#define MAILSPEC_VARS_H

#include <stdbool.h>
#include <stddef.h>

struct buf;

struct var {
	char *name;
	char *value;		/* NUL-terminated; may contain NUL bytes */
	size_t len;
};

struct vars {
	struct var *v;
	size_t n;
};

enum vars_mode { VARS_TEXT = 0, VARS_REGEX };

#define VARS_MAX_EXPANSION	(16u << 20)	/* bytes one expansion may produce */

void vars_init(struct vars *vs);
void vars_free(struct vars *vs);
/* Set (or replace) name; false on ENOMEM. */
bool vars_set(struct vars *vs, const char *name, const void *value, size_t len);
/* The variable named by name[0..namelen), or NULL. */
const struct var *vars_get(const struct vars *vs, const char *name, size_t namelen);
/* Remove every variable whose name starts with prefix. */
void vars_unset_prefix(struct vars *vs, const char *prefix);
/* Expand in[0..len) onto out. 0 on success; -1 with a reason in err. */
int vars_expand(const struct vars *vs, const char *in, size_t len, enum vars_mode mode,
    struct buf *out, char *err, size_t errlen);

#endif
