/* .dockerignore: which paths of a build context COPY and ADD leave out.
 *
 * One pattern a line; blank lines and lines starting with '#' are skipped;
 * surrounding white space is trimmed; a leading '/' is dropped and the
 * pattern cleaned ("./a//b/" is "a/b"). Each '/'-separated part is an
 * fnmatch(3) pattern ('*', '?', '[...]'; '*' never crosses a '/'), and a
 * part "**" matches any number of directories, none included. A pattern
 * excludes a path when it matches the path or one of its parent
 * directories ("build" excludes "build/x/y"). A leading '!' makes an
 * exception: the last pattern that matches decides, as in Docker. */
#ifndef IMG_DOCKERIGNORE_H
#define IMG_DOCKERIGNORE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct dockerignore {
	char **pat; /* cleaned patterns, without '!' */
	bool *negate;
	size_t n;
	bool has_negation; /* some '!' pattern: excluded directories must still be walked */
};

/* Parse the text of a .dockerignore (len bytes). */
int di_parse(const char *text, size_t len, struct dockerignore *di, vc_err *err);

/* Read DIR/.dockerignore; a missing file gives an empty list. */
int di_load(const char *dir, struct dockerignore *di, vc_err *err);

void di_free(struct dockerignore *di);

/* Is relpath (relative to the context, '/'-separated, no leading "./")
 * left out of the context? */
bool di_excluded(const struct dockerignore *di, const char *relpath);

#endif
