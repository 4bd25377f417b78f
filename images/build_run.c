/* RUN steps of `container build`: the step's root file system (an overlay
 * of the image's layers and a fresh upper directory) and one vclab
 * container on it. */
#include "build.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "options.h"
#include "run.h"
#include "spec.h"
#include "timeline.h"

int build_overlay_mount(const char *const *lowers, size_t n, const char *upper, const char *work,
                        const char *target, vc_err *err)
{
	char opts[8192];
	size_t len;

	if (!n)
		return vc_error(err, 0, "overlay on %s: no lower directory", target);
	len = (size_t)snprintf(opts, sizeof(opts), "lowerdir=");
	for (size_t i = 0; i < n && len < sizeof(opts); i++)
		len += (size_t)snprintf(opts + len, sizeof(opts) - len, "%s%s", i ? ":" : "",
		                        lowers[i]);
	if (len < sizeof(opts))
		len += (size_t)snprintf(opts + len, sizeof(opts) - len, ",upperdir=%s,workdir=%s",
		                        upper, work);
	if (len >= sizeof(opts) || len >= 4096)
		return vc_error(err, E2BIG, "overlay on %s: %zu layers make the options too long",
		                target, n);
	if (mount("overlay", target, "overlay", 0, opts) < 0)
		return vc_error(err, errno, "mounting the overlay on %s", target);
	return 0;
}

/* Docker's default capabilities for a container (and so for RUN). */
static uint64_t docker_caps(void)
{
	static const int caps[] = {
	    CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
	    CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
	    CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
	    CAP_KILL,    CAP_AUDIT_WRITE};
	uint64_t set = 0;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		set |= 1ull << caps[i];
	return set;
}

/* Mount points the runtime makes in the rootfs when they are missing:
 * they must not end up in the layer. */
static const char *const mount_points[] = {"proc", "sys", "dev", "etc/resolv.conf", "etc"};
#define N_MOUNT_POINTS (sizeof(mount_points) / sizeof(mount_points[0]))

void build_run_tidy(const struct build_run *r)
{
	char path[PATH_MAX];
	struct stat st;

	/* mount points the runtime made: out of the upper directory (they are
	 * empty; a step that put something there keeps it) */
	for (size_t i = 0; i < N_MOUNT_POINTS; i++) {
		if (r->existed & (1u << i))
			continue;
		snprintf(path, sizeof(path), "%s/%s", r->upper, mount_points[i]);
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rmdir(path);
		else if (S_ISREG(st.st_mode) && st.st_size == 0)
			unlink(path);
	}
	/* /etc copied up only to hold the resolv.conf mount point */
	if ((r->existed & (1u << 4)) && !(r->existed & (1u << 3))) {
		char v[4];
		snprintf(path, sizeof(path), "%s/etc", r->upper);
		if (lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v)) < 0)
			rmdir(path); /* only when empty */
	}
}

int build_run_step(struct build_run *r, int *status, vc_err *err)
{
	struct ct_spec spec;
	struct quick_opts q = {0};
	struct run_opts ro = {0};
	struct run_result res = {.exit_code = RUN_EXIT_SETUP};
	struct vc_timeline *tl = calloc(1, sizeof(*tl));
	char path[PATH_MAX], resolv[PATH_MAX + 64];
	struct stat st;
	int rc = -1, rootfd = -1;

	if (!tl)
		return vc_error(err, ENOMEM, "RUN");
	for (size_t i = 0; i < N_MOUNT_POINTS; i++) {
		snprintf(path, sizeof(path), "%s/%s", r->rootfs, mount_points[i]);
		if (lstat(path, &st) == 0)
			r->existed |= 1u << i;
	}
	spec_init(&spec);
	vc_timeline_init(tl, "build", NULL);
	q.rootfs = r->rootfs;
	q.net = "host";
	q.cmd = r->argv;
	for (q.n_cmd = 0; r->argv[q.n_cmd]; q.n_cmd++)
		;
	q.workdir = r->workdir && *r->workdir ? r->workdir : NULL;
	/* the host's DNS configuration, so that apt-get & co. resolve names;
	 * only where the image has an /etc to put it in */
	if ((r->existed & (1u << 4)) && access("/etc/resolv.conf", R_OK) == 0) {
		snprintf(resolv, sizeof(resolv), "/etc/resolv.conf:/etc/resolv.conf:ro");
		q.volumes[q.n_volumes++] = resolv;
	}
	if (quick_apply(&spec, &q, err) < 0)
		goto out;
	for (char **e = r->env; e && *e; e++)
		if (spec_setenv(&spec, *e, err) < 0)
			goto out;
	if (r->user && *r->user) {
		rootfd = open(r->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0) {
			vc_error(err, errno, "%s", r->rootfs);
			goto out;
		}
		if (build_resolve_user(rootfd, r->user, &spec.uid, &spec.gid, err) < 0)
			goto out;
	}
	spec.caps[CT_CAP_BOUNDING] = spec.caps[CT_CAP_EFFECTIVE] = spec.caps[CT_CAP_PERMITTED] =
	    docker_caps();
	spec.caps[CT_CAP_INHERITABLE] = spec.caps[CT_CAP_AMBIENT] = 0;
	ro.id = r->id;
	ro.cgroup_root = "/sys/fs/cgroup";
	ro.tl = tl;
	fflush(NULL);
	if (run_container(&spec, &ro, &res, err) < 0)
		goto out;
	*status = res.exit_code;
	rc = 0;
out:
	if (rootfd >= 0)
		close(rootfd);
	spec_free(&spec);
	free(tl);
	return rc;
}
