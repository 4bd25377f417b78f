/* `vmm run --image REF [-- CMD...]`: an OCI image as a microVM. vmm stays
 * small (no libarchive): `container image export --initramfs REF`, found
 * next to the vmm binary, flattens the image into a cached initramfs with
 * vclab-init as /.vclab/init; vmm boots it with rdinit=/.vclab/init and
 * hands CMD to the init after "--" on the kernel command line (Linux gives
 * the words after "--" to init as argv). See README.md, "Images". */
#ifndef VMM_IMAGE_H
#define VMM_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define VMM_IMAGE_RDINIT "rdinit=/.vclab/init"
/* The initramfs root as ramfs, not tmpfs: Linux caps a tmpfs rootfs at half
 * of RAM, so an image unpacking to more than that failed ("Initramfs
 * unpacking failed: write error") and the partial root booted a shell that
 * waited on the console for ever. ramfs has no cap; --mem is checked. */
#define VMM_IMAGE_ROOTFS "rootfstype=ramfs"
#define VMM_IMAGE_MARKER "vclab.cmd" /* the init's CMD starts after it */
/* A kernel panic (the init died, no memory for it) reboots at once instead
 * of spinning until --timeout; vmm reports that reboot as a failure
 * (vmstate.h: reset_is_failure). */
#define VMM_IMAGE_PANIC    "panic=-1"
#define VMM_IMAGE_MAX_ARGS 24 /* Linux takes 32 init argv words in all */
/* Guest RAM for the image's programs on top of the kernel, the compressed
 * initramfs and the unpacked rootfs. */
#define VMM_IMAGE_PROGRAM_MEM (16ull << 20)

/* The kernel command line: panic=-1, base, rootfstype=ramfs, rdinit=, and the CMD words after
 * "-- vclab.cmd", double-quoted where they hold spaces. A word Linux cannot
 * pass (empty, "--", a double quote, a control character) or too many
 * words: one error naming it. *out is malloc'd. */
int vmm_image_cmdline(const char *base, char *const *cmd, size_t n, char **out, vc_err *err);

/* Run `container image export --initramfs REF` (container next to this
 * binary, or $VCLAB_CONTAINER): the initramfs's path into path. Its
 * stderr note is printed when trace; on failure its message becomes ours. */
int vmm_image_export(const char *ref, bool trace, char *path, size_t len, vc_err *err);

/* The unpacked size of a gzip'd initramfs of compressed bytes whose gzip
 * trailer says isize (the size mod 4 GiB): the smallest isize + k * 4 GiB
 * that a gzip stream of that size can hold. */
uint64_t vmm_image_unpacked(uint64_t compressed, uint32_t isize);

/* Read the trailer of path and return the estimate above (0 on error). */
uint64_t vmm_image_unpacked_file(const char *path, uint64_t *compressed);

/* The minimal kernel next to vmm: BINDIR/../guest/bzImage. */
int vmm_image_default_kernel(char *path, size_t len, vc_err *err);

#endif
