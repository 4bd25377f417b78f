/* Layers: each image layer unpacked once into ROOT/layers/<diff id hex>/,
 * read-only and shared by every container of every image that has it, in
 * the form overlayfs reads as a lower directory (OCI whiteouts become
 * overlay whiteouts). */
#ifndef IMG_LAYERS_H
#define IMG_LAYERS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "store.h"

/* What an entry's path means for the OCI whiteout rules:
 *   "a/b/.wh.c"       -> IMG_WH_FILE, target "a/b/c" (c is deleted)
 *   "a/b/.wh..wh..opq"-> IMG_WH_OPAQUE, target "a/b" (lower a/b hidden)
 *   anything else     -> IMG_WH_NONE. */
enum img_wh { IMG_WH_NONE, IMG_WH_FILE, IMG_WH_OPAQUE };
enum img_wh img_whiteout(const char *path, char *target, size_t len);

/* Is an entry path safe to extract under a directory: relative (after
 * leading "./" and "/" are dropped) with no ".." component? */
bool img_path_safe(const char *path);

/* Make sure the layer (its blob in the store, diff_id its uncompressed
 * digest from the image config) is unpacked: ROOT/layers/HEX. The blob is
 * read once, its digest and its diff id both checked; the tar is unpacked
 * into ROOT/layers/.tmp-* with libarchive (no "..", no writes through
 * symlinks, owners, modes, times, xattrs kept), whiteouts mapped, and
 * renamed into place only when all of it went well. *done tells whether
 * this call unpacked it (false: it was already there). path receives the
 * directory. */
int img_layer_unpack(struct img_store *s, const struct img_desc *layer, const char *diff_id,
                     char *path, size_t len, bool *done, vc_err *err);

#endif
