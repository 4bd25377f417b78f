/* `container pull REF` and `container push NAME REF`: images between the
 * store (store.h) and a registry (registry.h). */
#ifndef IMAGES_TRANSFER_H
#define IMAGES_TRANSFER_H

#include <stdint.h>

#include "error.h"
#include "registry.h"

#define XFER_DEFAULT_CHUNK (16u << 20) /* blobs over 16 MiB go up in PATCHes */

struct xfer_opts {
	struct reg_creds creds;
	uint64_t chunk;   /* push: blobs bigger than this go in PATCH chunks; 0: never */
	long timeout_s;   /* a stalled transfer fails after this long */
	int tty;          /* -1: isatty(stdout); 0/1 forces the progress style */
	const char *root; /* the store (NULL: $VCLAB_STORE or /var/lib/vclab) */
};

/* Pull REF (HOST[:PORT]/NAME[:TAG|@DIGEST]) into the store, tagged REF.
 * Every blob is verified (SHA-256 and size) as it streams in; nothing
 * enters the store unless all of them did. */
int image_pull(const char *ref, const struct xfer_opts *o, vc_err *err);

/* Push the stored image NAME to REF: blobs the registry has are skipped
 * (HEAD), the others uploaded, then the manifest. */
int image_push(const char *name, const char *ref, const struct xfer_opts *o, vc_err *err);

#endif
