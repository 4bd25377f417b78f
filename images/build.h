/* `container build`: a Dockerfile and a context directory become an image
 * in the store (images/store.h). See images/README.md, "Building". */
#ifndef IMG_BUILD_H
#define IMG_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dockerignore.h"
#include "error.h"
#include "store.h"

/* argv[0] is "build". Returns the exit status: 0, or 1 with one line on
 * stderr (the store is left as it was: no tag changed). */
int build_main(int argc, char **argv);

extern const char build_usage_text[];

/* --- the parts of a build step (build_copy.c, build_run.c) --- */

/* A COPY/ADD source resolved in the context: path relative to the
 * context ("." for the context itself). */
struct build_src {
	char *rel;
	bool is_dir;
};

struct build_copy {
	const char *ctx;                /* the context directory (real path) */
	const struct dockerignore *ign; /* what the context leaves out */
	struct build_src *srcs;
	size_t n_srcs;
	const char *dest;    /* absolute path in the image */
	bool dest_dir;       /* dest names a directory (ends in '/' or many sources) */
	bool add;            /* ADD: a local tar archive is extracted */
	const char *chown;   /* --chown=USER[:GROUP] or NULL (root) */
	const char *workdir; /* made first when missing (NULL: none) */
};

/* Copy (in a child chroot()ed into rootfs, so that the image's own
 * symlinks cannot lead outside it) the sources into rootfs. */
int build_copy_into(const char *rootfs, const struct build_copy *c, vc_err *err);

/* SHA-256 over what the sources hold (paths, types, modes, sizes, link
 * targets, contents; what .dockerignore leaves out does not count). */
int build_copy_hash(const struct build_copy *c, char out[IMG_DIGEST_SIZE], vc_err *err);

/* Resolve USER[:GROUP] (names or numbers) with rootfs's /etc/passwd and
 * /etc/group, read without leaving rootfs. A uid given as a number
 * without a group gets the passwd entry's group, else 0. */
int build_resolve_user(int rootfd, const char *spec, uid_t *uid, gid_t *gid, vc_err *err);

/* Mount an overlay: lowers[0] the topmost; target must exist. This is the
 * builder's own small mounter; the lead may swap in the store's. */
int build_overlay_mount(const char *const *lowers, size_t n, const char *upper, const char *work,
                        const char *target, vc_err *err);

struct build_run {
	const char *rootfs; /* the merged overlay */
	const char *upper;  /* its upper directory (mount points made are removed) */
	const char *id;     /* container id */
	char **argv;        /* NULL terminated */
	char **env;         /* "K=V", NULL terminated */
	const char *workdir;
	const char *user; /* NULL or "" for root */
	unsigned existed; /* set by build_run_step: which mount points were there */
};

/* Run one RUN step in a vclab container (host network, the host's
 * resolv.conf bind-mounted read-only, Docker's default capabilities).
 * *status is the process's exit status (128+N for signal N). */
int build_run_step(struct build_run *r, int *status, vc_err *err);

/* After the overlay is unmounted: remove from the upper directory the
 * empty mount points (/proc, /sys, /dev, /etc/resolv.conf) the runtime had
 * to make, so that they are not part of the layer. */
void build_run_tidy(const struct build_run *r);

#endif
