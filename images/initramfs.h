/* `container image export --initramfs`: an image as a Linux initramfs for
 * `vmm run --image` (see README.md, "An image as a microVM").
 *
 * The image's layers (each unpacked once by the store) are flattened as
 * overlayfs would show them: an upper entry hides the lower one, a
 * whiteout removes a path, an opaque directory hides what lower layers
 * have under it. The result, plus vclab-init as /.vclab/init and the image
 * config under /.vclab/, is written as a gzip'd newc cpio (libarchive):
 * entries sorted by path, inode numbers counted from 1, no gzip time or
 * name, so the same image and init always give the same bytes. */
#ifndef IMG_INITRAMFS_H
#define IMG_INITRAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "store.h"

#define IMG_INIT_NAME "vclab-init" /* next to the container binary */
#define IMG_INIT_ENV  "VCLAB_INIT" /* or here */

/* One entry of the flattened tree: its path (relative, no leading "/")
 * and the index of the layer it comes from (0 = base). */
struct img_flat_entry {
	char *path;
	size_t layer;
};

struct img_flat {
	struct img_flat_entry *e; /* sorted by path (strcmp) */
	size_t n;
};

/* Flatten the unpacked layer directories dirs[0..n) (base first). */
int img_flatten(char *const *dirs, size_t n, struct img_flat *out, vc_err *err);
void img_flat_free(struct img_flat *f);

struct img_initramfs_result {
	char path[4096];  /* the cpio.gz written or found */
	bool cached;      /* found in the cache: nothing flattened */
	int64_t unpacked; /* bytes of file data, symlinks and headers in the cpio */
	int64_t size;     /* bytes of the cpio.gz */
	size_t entries;   /* entries from the image */
};

/* Export image ref as an initramfs: into out (a file path), or, when out is
 * NULL, into the store's cache (reused when it is there). */
int img_initramfs_export(struct img_store *s, const char *ref, const char *out,
                         struct img_initramfs_result *res, vc_err *err);

/* The command line: `container image export --initramfs REF [-o FILE]`:
 * the path on stdout, one line; a note (flattened or cached) on stderr. */
int img_cmd_export(struct img_store *s, int argc, char **argv, vc_err *err);

#endif
