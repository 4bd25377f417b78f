/* bench run --image REF: one OCI image from vclab's store, run by every
 * runner. What the bench needs of it: its program (Entrypoint + Cmd, or
 * --cmd), Env, WorkingDir and User; its sizes as a registry ships it
 * (manifest + config + compressed layers, the layers other stored images
 * share counted apart) and unpacked; one read-only rootfs (an overlay of
 * the store's unpacked layers, mounted in the bench's private mount
 * namespace, so it goes away with the bench on every path) that the
 * process, container, runc and crun runners share; and, when the microVM
 * half is there, its initramfs (`container image export --initramfs`). */
#ifndef BENCH_IMAGE_H
#define BENCH_IMAGE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#define IMAGE_MAX_LAYERS 48
#define IMAGE_MAX_ARGS   32
#define IMAGE_MAX_ENV    30

struct image_layer {
	char digest[80];  /* sha256:... of the compressed blob */
	char diff_id[80]; /* sha256:... of the tar (names layers/HEX in the store) */
	uint64_t bytes;   /* the blob's size */
	bool shared;      /* another stored image has it too */
};

struct bench_image {
	char ref[256]; /* as given */
	char id[80];   /* the manifest's digest */
	char store[1024];
	size_t nlayers;
	struct image_layer layer[IMAGE_MAX_LAYERS];
	uint64_t manifest_bytes, config_bytes, layers_bytes, shared_bytes, unpacked_bytes;
	char *argv[IMAGE_MAX_ARGS + 1]; /* Entrypoint + (--cmd words, else Cmd) */
	size_t argc;
	char *cmdv[IMAGE_MAX_ARGS + 1]; /* the --cmd words (0: the image's Cmd) */
	size_t cmdc;
	char *envv[IMAGE_MAX_ENV + 1]; /* the image's Env (PATH added when missing) */
	size_t nenv;
	char cwd[256]; /* WorkingDir, "/" when none */
	char user[64]; /* User as written, "" when none */
	bool set_user; /* User given: run as uid:gid */
	unsigned uid, gid;
	char dir[PATH_MAX];       /* build/bench/image.XXXXXX: this run's, removed at the end */
	char top[PATH_MAX];       /* the mount points layer: proc, dev, sys */
	char bundle[PATH_MAX];    /* the OCI bundle: config.json + rootfs */
	char rootfs[PATH_MAX];    /* the overlay, read-only */
	char initramfs[PATH_MAX]; /* the image as an initramfs ("" when none) */
	uint64_t initramfs_bytes, initramfs_unpacked;
	char vm_reason[240]; /* why the VM runners cannot run it ("" when they can) */
	char strings[8192];
	size_t used;
};

/* Run argv with stdin on /dev/null; its stdout in out (NUL-terminated,
 * trailing newlines cut), the last line of its stderr in errline. Its exit
 * status, or -1 when it could not run. */
int image_capture(char *const argv[], char *out, size_t len, char *errline, size_t errlen);

/* Find ref in the store (VCLAB_STORE, default /var/lib/vclab) with
 * `container image inspect`, pulling it first (`container pull`) when it
 * names a registry and is not there; read its config and sizes. cmd ("" =
 * the image's Cmd) is split at spaces. */
int image_open(struct bench_image *im, const char *build, const char *ref, const char *cmd,
               vc_err *err);

/* Unpack its layers when the store has not yet (one unmeasured `container
 * run`), enter a private mount namespace and mount the rootfs under a new
 * workdir/image.XXXXXX (one per bench, so two benches never share a
 * config.json); resolve User by the rootfs's /etc/passwd and group. */
int image_mount(struct bench_image *im, const char *build, const char *workdir, vc_err *err);

/* Unmount the rootfs and remove that folder (safe when nothing was made). */
void image_unmount(struct bench_image *im);

/* The microVM half: `vmm run --image` and `container image export
 * --initramfs`. Fills im->initramfs and its sizes, or im->vm_reason. */
void image_vm_prepare(struct bench_image *im, const char *build);

#endif
