/* The layer writer of `container build`: a directory tree as one OCI
 * layer, a gzip-compressed tar (libarchive writes pax/ustar, zlib
 * compresses), reproducible: entries sorted by path, every time fixed
 * (mtime = the epoch given, atime/ctime left out), owners and modes as on
 * disk, hard links kept, no xattrs. The same tree gives the same bytes,
 * so the same digest.
 *
 * With LAYER_OVERLAY_UPPER the tree is the upper directory of an overlay
 * after a build step, and its overlay whiteouts become OCI ones: a
 * character device 0/0 NAME -> an empty file ".wh.NAME"; a directory with
 * the xattr trusted.overlay.opaque=y -> the directory plus an empty file
 * ".wh..wh..opq" inside it. */
#ifndef IMG_LAYER_H
#define IMG_LAYER_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

enum { LAYER_OVERLAY_UPPER = 1 };

/* Write dir as a layer blob into the store. desc gets the layer's
 * descriptor (media type IMG_MT_LAYER_GZIP, digest and size of the
 * compressed blob), diff_id the SHA-256 of the uncompressed tar. Entry
 * mtimes are mtime. On error nothing enters the store. */
int layer_write_dir(struct img_store *s, const char *dir, int flags, int64_t mtime,
                    struct img_desc *desc, char diff_id[IMG_DIGEST_SIZE], vc_err *err);

/* Is the tree empty (no entry at all)? A step that changed nothing
 * still makes a layer, as Docker's RUN does; callers may ask. */
int layer_dir_empty(const char *dir, bool *empty, vc_err *err);

#endif
