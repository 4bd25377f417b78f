/* Files written all or nothing: into a temporary name beside (or near) the
 * final one, then renamed over it. A reader sees the old content or the new,
 * never half; a failure leaves no temporary file. */
#ifndef VC_ATOMICFILE_H
#define VC_ATOMICFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Write len bytes of data to path through tmp (created with mode, never
 * through a symlink; fsync'd first when sync). Errors name tmp and the step:
 * "creating T", "writing T", "renaming T". */
int vc_write_atomic(const char *path, const char *tmp, const void *data, size_t len, mode_t mode,
                    bool sync, vc_err *err);

#endif
