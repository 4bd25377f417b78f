/* `container run IMAGE [CMD...]`: the image side. Before the normal run
 * path (container/run.c) starts, img_run_prepare() resolves the image,
 * unpacks any layer not yet unpacked, and mounts, outside the container,
 * an overlay of the layers (top first) plus a per-run upper directory at
 * /run/vclab/images/PID/rootfs, which becomes the quick form's ROOTFS;
 * the image's Entrypoint + Cmd become the command. img_run_apply() adds
 * the image's Env, WorkingDir and User to the spec as Docker does (the
 * command line wins). img_run_end() unmounts and removes all of it. A run
 * killed with SIGKILL leaves its directories; the next image run removes
 * them (their PID is gone). */
#ifndef IMG_RUN_H
#define IMG_RUN_H

#include <stdbool.h>

#include "error.h"
#include "options.h"
#include "spec.h"
#include "timeline.h"

#define IMG_RUN_ROOT "/run/vclab/images"

struct img_run; /* opaque */

/* Does `container run ... ARG` name an image? Yes when ARG is not an
 * existing path, does not start with '/' or '.', and is a well-formed
 * reference. (A missing directory keeps its old error.) */
bool img_run_wanted(const char *arg);

/* Resolve q->rootfs as an image and mount its overlay (q->read_only: no
 * upper directory); then q->rootfs is the mounted root and q->cmd the
 * command (Entrypoint + the given CMD, or + the image's Cmd). */
int img_run_prepare(struct img_run **out, struct quick_opts *q, struct vc_timeline *tl,
                    vc_err *err);

/* After quick_apply(): the image's Env (where --env did not set the name),
 * WorkingDir (unless --workdir), User. */
int img_run_apply(struct img_run *r, struct ct_spec *spec, const struct quick_opts *q, vc_err *err);

/* Unmount and remove everything img_run_prepare() made. NULL is fine. */
void img_run_end(struct img_run *r);

#endif
