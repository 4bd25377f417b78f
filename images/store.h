/* The image store: an OCI image layout (image-spec v1.0 "image-layout")
 * under /var/lib/vclab, or $VCLAB_STORE when set:
 *
 *   ROOT/oci-layout          {"imageLayoutVersion": "1.0.0"}
 *   ROOT/index.json          one manifest descriptor per tag, with the
 *                            annotation org.opencontainers.image.ref.name =
 *                            the normalised reference (ref.h), e.g.
 *                            "busybox:latest", "localhost:5000/app:1"
 *   ROOT/blobs/sha256/HEX    content-addressed blobs
 *   ROOT/tmp/                blobs being written (never trusted)
 *   ROOT/layers/HEX/         layers unpacked once (by diff id), read-only,
 *                            shared by every container (layers.h)
 *   ROOT/containers/PID/     upper and work directories of a running
 *                            `container run IMAGE` (imgrun.h)
 *   ROOT/index.lock          flock()ed around every index.json update
 *   ROOT/gc.lock             shared while a store is open, exclusive for prune
 *
 * Every blob is written to ROOT/tmp, fsync()ed, its SHA-256 (libcrypto)
 * checked against the digest it should have, and only then rename()d into
 * blobs/: an interrupted write leaves at most a temp file that nothing reads
 * (the next open removes stale ones). index.json is rewritten the same way
 * (temp + fsync + rename) under index.lock, so two commands that tag at once
 * both land.
 *
 * Every fallible function returns < 0 and fills *err with one line naming
 * the input and the reason (common/error.h). Strings returned in structs
 * stay valid until the matching _free(). Thread safety: none needed (one
 * store per command). */
#ifndef IMG_STORE_H
#define IMG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "error.h"
#include "ref.h"

#define IMG_STORE_DEFAULT "/var/lib/vclab"
#define IMG_STORE_ENV     "VCLAB_STORE"

/* Media types the store knows. Docker's schema 2 types are accepted
 * wherever the OCI ones are (a registry may serve either). */
#define IMG_MT_MANIFEST        "application/vnd.oci.image.manifest.v1+json"
#define IMG_MT_INDEX           "application/vnd.oci.image.index.v1+json"
#define IMG_MT_CONFIG          "application/vnd.oci.image.config.v1+json"
#define IMG_MT_LAYER_GZIP      "application/vnd.oci.image.layer.v1.tar+gzip"
#define IMG_MT_LAYER_TAR       "application/vnd.oci.image.layer.v1.tar"
#define IMG_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMG_MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMG_MT_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"
#define IMG_MT_DOCKER_LAYER    "application/vnd.docker.image.rootfs.diff.tar.gzip"

#define IMG_ANN_REF_NAME "org.opencontainers.image.ref.name"

struct img_store; /* opaque */

/* A content descriptor (OCI "descriptor"). */
struct img_desc {
	char media_type[128];
	char digest[IMG_DIGEST_SIZE]; /* "sha256:<hex>" */
	int64_t size;
};

/* --- opening ------------------------------------------------------------ */

/* Open (creating when missing: directories, oci-layout, an empty
 * index.json) the store at root; root NULL means $VCLAB_STORE, else
 * IMG_STORE_DEFAULT. Holds gc.lock shared until img_store_close(). */
int img_store_open(struct img_store **out, const char *root, vc_err *err);
void img_store_close(struct img_store *s); /* NULL is fine */
const char *img_store_root(const struct img_store *s);

/* --- digests -------------------------------------------------------------- */

/* "sha256:<hex>" of len bytes at data into out (IMG_DIGEST_SIZE bytes). */
void img_sha256(const void *data, size_t len, char out[IMG_DIGEST_SIZE]);

/* --- blobs ---------------------------------------------------------------- */

/* Is the blob in the store? (It was verified when it was written.) */
bool img_blob_exists(struct img_store *s, const char *digest);

/* ROOT/blobs/sha256/HEX into buf; < 0 on a malformed digest. */
int img_blob_path(struct img_store *s, const char *digest, char *buf, size_t len, vc_err *err);

/* Size in bytes of a stored blob (ENOENT error when it is not there). */
int img_blob_size(struct img_store *s, const char *digest, int64_t *size, vc_err *err);

/* Open a stored blob for reading: returns an O_RDONLY|O_CLOEXEC fd (>= 0). */
int img_blob_open(struct img_store *s, const char *digest, vc_err *err);

/* Read a whole blob (at most max bytes, else an error) into a malloc()ed
 * NUL-terminated buffer, checking its SHA-256 again on the way: a blob
 * corrupted in the store is an error, never data. */
int img_blob_read(struct img_store *s, const char *digest, size_t max, char **data, size_t *len,
                  vc_err *err);

/* Streaming writer: begin, write as many times as needed, then finish
 * (verify + rename) or abort (remove the temp file). finish and abort
 * free the writer in every case. */
struct img_blob_writer; /* opaque */
int img_blob_begin(struct img_store *s, struct img_blob_writer **w, vc_err *err);
int img_blob_write(struct img_blob_writer *w, const void *buf, size_t len, vc_err *err);
/* expected: the digest the content must have ("sha256:..."), or NULL to
 * accept whatever was written. On a mismatch nothing enters the store and
 * the error says "digest mismatch: expected X, got Y". digest_out (may be
 * NULL) receives the actual digest, size_out (may be NULL) the size. A blob
 * already present is replaced (same content; a corrupted copy is repaired).
 * Callers that want to skip the download check img_blob_exists() first. */
int img_blob_finish(struct img_blob_writer *w, const char *expected,
                    char digest_out[IMG_DIGEST_SIZE], int64_t *size_out, vc_err *err);
void img_blob_abort(struct img_blob_writer *w); /* NULL is fine */

/* Write a blob from memory (begin + write + finish). */
int img_blob_put(struct img_store *s, const void *data, size_t len, const char *expected,
                 char digest_out[IMG_DIGEST_SIZE], vc_err *err);

/* --- the index (tags) ------------------------------------------------------ */

/* Resolve a reference (anything img_ref_parse() takes, normalised first;
 * or a manifest digest "sha256:..." / a unique hex prefix of one that is
 * tagged) to its manifest descriptor. Error "NAME: no such image" when
 * absent. */
int img_resolve(struct img_store *s, const char *ref, struct img_desc *manifest, vc_err *err);

/* Point ref (normalised) at manifest, replacing an older entry of the same
 * name. The manifest blob must already be in the store. Locked. */
int img_tag(struct img_store *s, const char *ref, const struct img_desc *manifest, vc_err *err);

/* Remove ref's entry (blobs stay until img_store_prune()). Locked. Error
 * "REF: no such image" when absent. */
int img_untag(struct img_store *s, const char *ref, vc_err *err);

struct img_entry {
	char ref[IMG_REF_MAX]; /* the ref.name annotation */
	struct img_desc manifest;
};
/* Every tagged image, in index.json order; *entries is malloc()ed (free()). */
int img_list(struct img_store *s, struct img_entry **entries, size_t *n, vc_err *err);

/* --- manifests and configs ---------------------------------------------------- */

struct img_manifest {
	struct img_desc config;
	struct img_desc *layers; /* base first, as in the manifest */
	size_t n_layers;
	json_t *json; /* the whole manifest */
};
/* Read and parse an image manifest (OCI or Docker schema 2) from the store. */
int img_manifest_read(struct img_store *s, const char *digest, struct img_manifest *m, vc_err *err);
void img_manifest_free(struct img_manifest *m);

struct img_config {
	/* NULL-terminated string arrays, NULL when the config has none */
	char **env, **entrypoint, **cmd;
	const char *working_dir, *user; /* NULL when not set */
	char **diff_ids;                /* rootfs.diff_ids, one per layer */
	size_t n_diff_ids;
	json_t *json; /* the whole config; the strings above point into it */
};
/* Read and parse an image config from the store (diff_ids must be
 * well-formed digests). */
int img_config_read(struct img_store *s, const char *digest, struct img_config *c, vc_err *err);
void img_config_free(struct img_config *c);

/* --- garbage collection ---------------------------------------------------- */

/* Cached initramfs files of `image export --initramfs` (vmm run --image):
 * ROOT/initramfs/<manifest hex>-<init hash>.cpio.gz. */
#define IMG_INITRAMFS_DIR "initramfs"

/* Remove every blob (and unpacked layer) that no tagged manifest reaches,
 * the cached initramfs files of manifests no longer stored (and any a
 * killed export left half-written), and stale temp files. Waits for gc.lock
 * exclusively: no other command has the store open meanwhile. Counts what
 * went (may be NULL): blobs and cached files, and their bytes. */
int img_store_prune(struct img_store *s, size_t *blobs_removed, int64_t *bytes_freed, vc_err *err);

#endif
