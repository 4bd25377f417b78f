/* Which cgroup layout the host mounts at /sys/fs/cgroup. Shared by the
 * container runtime (which writes limits) and the bench (which reads an
 * instance's memory).
 *   v2      /sys/fs/cgroup is one cgroup2 tree.
 *   v1      /sys/fs/cgroup is a tmpfs holding one mount per controller.
 *   hybrid  v1 plus a cgroup2 tree at /sys/fs/cgroup/unified that owns no
 *           resource controllers. */
#ifndef VC_CGMODE_H
#define VC_CGMODE_H

#include "error.h"

enum cg_mode { CG_MODE_V1, CG_MODE_V2, CG_MODE_HYBRID };

/* statfs of root (normally "/sys/fs/cgroup") and of root/unified. */
int cgroup_detect_mode(const char *root, enum cg_mode *mode, vc_err *err);

/* "v1", "v2" or "hybrid". */
const char *cgroup_mode_name(enum cg_mode mode);

#endif
