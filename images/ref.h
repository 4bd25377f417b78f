/* Image references: `[REGISTRY/]NAME[:TAG][@DIGEST]`, parsed and normalised
 * the way Docker reads them (without Docker Hub's "docker.io/library/"
 * prefix: vclab has no default registry).
 *
 *   busybox                  -> name busybox, tag latest: "busybox:latest"
 *   localhost:5000/app:1     -> registry localhost:5000, repo app, tag 1
 *   127.0.0.1:5000/a/b@sha256:<64 hex> -> digest only, no default tag
 *
 * The first path component is a registry host when it contains '.' or ':'
 * or is "localhost" (Docker's rule); then it is kept in `registry` and left
 * out of `repo`. Names are lower case [a-z0-9] with separators '.', '_',
 * '__', '-' inside components and '/' between them; tags are
 * [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; digests are sha256:<64 lower hex>. */
#ifndef IMG_REF_H
#define IMG_REF_H

#include <stdbool.h>

#include "error.h"

#define IMG_DIGEST_SIZE 72 /* "sha256:" + 64 hex + NUL */
#define IMG_REF_MAX     512

struct img_ref {
	char registry[256];           /* "localhost:5000", or "" when none */
	char repo[256];               /* path under the registry: "app", "a/b" */
	char tag[129];                /* "latest" by default; "" with a digest only */
	char digest[IMG_DIGEST_SIZE]; /* "sha256:..." or "" */
	char name[IMG_REF_MAX];       /* [registry/]repo */
	char full[IMG_REF_MAX];       /* normalised: name[:tag][@digest] */
};

/* Parse s into *r (normalised, default tag "latest" unless a digest is
 * given). Returns 0, or < 0 with err naming s and what is wrong. */
int img_ref_parse(const char *s, struct img_ref *r, vc_err *err);

/* Is s a well-formed digest "sha256:" + 64 lower-case hex digits? */
bool img_digest_valid(const char *s);

#endif
