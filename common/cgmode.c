#include "cgmode.h"

#include <errno.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <sys/vfs.h>

const char *cgroup_mode_name(enum cg_mode mode)
{
	switch (mode) {
	case CG_MODE_V1:
		return "v1";
	case CG_MODE_V2:
		return "v2";
	case CG_MODE_HYBRID:
		return "hybrid";
	}
	return "?";
}

int cgroup_detect_mode(const char *root, enum cg_mode *mode, vc_err *err)
{
	char unified[PATH_MAX];
	struct statfs sf;

	if (statfs(root, &sf) < 0)
		return vc_error(err, errno, "cgroup: statfs %s", root);
	if (sf.f_type == CGROUP2_SUPER_MAGIC) {
		*mode = CG_MODE_V2;
		return 0;
	}
	/* v1 and hybrid mount a tmpfs at the root with one directory per
	 * hierarchy in it. */
	if (sf.f_type != TMPFS_MAGIC)
		return vc_error(err, 0,
		                "cgroup: %s is neither a cgroup2 mount nor a tmpfs of cgroup v1 "
		                "hierarchies (filesystem type 0x%lx)",
		                root, (unsigned long)sf.f_type);
	if ((size_t)snprintf(unified, sizeof(unified), "%s/unified", root) >= sizeof(unified))
		return vc_error(err, ENAMETOOLONG, "cgroup: %s/unified", root);
	if (statfs(unified, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
		*mode = CG_MODE_HYBRID;
	else
		*mode = CG_MODE_V1;
	return 0;
}
