/* Helpers shared by the files of images/ (not part of the store API). */
#ifndef IMG_INTERNAL_H
#define IMG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "error.h"
#include "ref.h"

struct img_store;

/* Incremental SHA-256 (libcrypto EVP). */
struct img_hash {
	EVP_MD_CTX *ctx;
};
int img_hash_init(struct img_hash *h, vc_err *err);
void img_hash_update(struct img_hash *h, const void *data, size_t len);
/* "sha256:<hex>" into out; frees the context. */
void img_hash_final(struct img_hash *h, char out[IMG_DIGEST_SIZE]);
void img_hash_free(struct img_hash *h); /* after an error, before final */

/* Remove a directory tree (no symlinks followed); 0 when it is gone. */
int img_rmtree(const char *path);

/* Write data to path atomically: path.tmp-PID, fsync, rename. */
int img_write_file(const char *path, const void *data, size_t len, vc_err *err);

/* Store directories: "ROOT/layers", "ROOT/tmp", "ROOT/containers". */
int img_store_subdir(const struct img_store *s, const char *sub, char *buf, size_t len);

#endif
