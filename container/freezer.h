/* The processes of a running container, found through its cgroup, and
 * `pause`/`resume`: the v1 freezer hierarchy (hybrid hosts too) or
 * cgroup.freeze on v2.
 *
 * The cgroup is the one the container's first process is in (its
 * /proc/PID/cgroup), so this works whatever the cgroup is named. On v1 the
 * container has no freezer cgroup until its first pause: `pause` makes
 * freezer/<its path>, moves every process of its memory cgroup there and
 * freezes it; `container run` and `create` pay nothing for it. */
#ifndef CT_FREEZER_H
#define CT_FREEZER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* The pids in the cgroup of pid's container (and its sub-cgroups), as the
 * host sees them; *pids is malloc'd. */
int freezer_list_pids(const char *cgroup_root, pid_t pid, pid_t **pids, size_t *n, vc_err *err);

/* Freeze (true) or thaw (false) the container whose first process is pid;
 * returns once the kernel says frozen (at most 2 s) or thawed. */
int freezer_set(const char *cgroup_root, pid_t pid, bool freeze, vc_err *err);

/* Is the container of pid frozen? false when it cannot tell. */
bool freezer_is_frozen(const char *cgroup_root, pid_t pid);

#endif
