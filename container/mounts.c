#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

const char *mount_flags_describe(unsigned long flags, char *buf, size_t len)
{
	static const struct {
		unsigned long flag;
		const char *name;
	} names[] = {
	    {MS_BIND, "bind"},         {MS_REC, "rec"},
	    {MS_RDONLY, "ro"},         {MS_NOSUID, "nosuid"},
	    {MS_NODEV, "nodev"},       {MS_NOEXEC, "noexec"},
	    {MS_RELATIME, "relatime"}, {MS_STRICTATIME, "strictatime"},
	    {MS_NOATIME, "noatime"},   {MS_REMOUNT, "remount"},
	    {MS_PRIVATE, "private"},   {MS_SLAVE, "slave"},
	    {MS_SHARED, "shared"},
	};
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && used < len; i++)
		if (flags & names[i].flag)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "," : "",
			                         names[i].name);
	if (!used)
		snprintf(buf, len, "defaults");
	return buf;
}

/* Walk path below the rootfs one component at a time, never following a
 * symlink (a rootfs is untrusted: /dev -> /host/dev must not escape), and
 * create what is missing: directories, and for the last component a
 * directory or (when want_file) an empty file. Returns an O_PATH fd. */
static int open_in_root(struct mount_env *env, const char *path, bool want_file, vc_err *err)
{
	char buf[PATH_MAX], *save = NULL, *part, *next;
	int dir = dup(env->rootfs_fd);

	if (dir < 0)
		return vc_error(err, errno, "dup");
	snprintf(buf, sizeof(buf), "%s", path);
	part = strtok_r(buf, "/", &save);
	while (part) {
		int fd;
		bool last;

		next = strtok_r(NULL, "/", &save);
		last = !next;
		if (!strcmp(part, "..")) {
			close(dir);
			return vc_error(err, 0, "%s: \"..\" not allowed", path);
		}
		if (last && want_file) {
			/* O_EXCL: an existing file is not opened for writing (on an
			 * overlay that would copy it up into the upper directory) */
			fd = openat(dir, part, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
			            0644);
			if (fd >= 0)
				close(fd);
			else if (errno != EEXIST && errno != EISDIR && errno != EROFS &&
			         errno != EACCES)
				goto fail;
		} else if (mkdirat(dir, part, 0755) < 0 && errno != EEXIST) {
			/* a read-only rootfs may still have the directory */
			if (errno != EROFS && errno != EACCES)
				goto fail;
		}
		fd = openat(dir, part, O_PATH | O_NOFOLLOW | O_CLOEXEC | (last ? 0 : O_DIRECTORY));
		if (fd < 0)
			goto fail;
		close(dir);
		dir = fd;
		{
			struct stat st;

			if (fstat(dir, &st) == 0 && S_ISLNK(st.st_mode)) {
				close(dir);
				return vc_error(
				    err, 0, "%s%s: is a symlink inside the rootfs; not followed",
				    env->rootfs, path);
			}
		}
		part = next;
	}
	return dir;
fail : {
	int e = errno;

	close(dir);
	return vc_error(err, e, "%s%s: cannot create the mount point", env->rootfs, path);
}
}

static void fd_path(char *buf, size_t len, int fd)
{
	snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* MS_REMOUNT of a bind mount; in a user namespace the flags the mount
 * already has (nosuid, nodev, noexec) are locked and must be kept. */
static int remount_bind(const char *target, unsigned long flags)
{
	struct statvfs sv;
	unsigned long keep = 0;

	if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL) == 0)
		return 0;
	if (errno != EPERM || statvfs(target, &sv) < 0)
		return -1;
	if (sv.f_flag & ST_NOSUID)
		keep |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		keep |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		keep |= MS_NOEXEC;
	if (sv.f_flag & ST_RDONLY)
		keep |= MS_RDONLY;
	if (sv.f_flag & ST_NOATIME)
		keep |= MS_NOATIME;
	if (sv.f_flag & ST_RELATIME)
		keep |= MS_RELATIME;
	return mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags | keep, NULL);
}

int mounts_prepare_root(struct mount_env *env, unsigned long propagation, vc_err *err)
{
	(void)propagation;
	vc_step_begin(env->tl);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return vc_error(err, errno, "making / private in the new mount namespace");
	if (mount(env->rootfs, env->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return vc_error(err, errno, "bind-mounting the rootfs %s onto itself%s",
		                env->rootfs,
		                errno == EACCES ? " (with a user namespace, root inside is an "
		                                  "unprivileged host uid: every directory above "
		                                  "the rootfs must be searchable by others; "
		                                  "/root is not)"
		                                : "");
	env->rootfs_fd = open(env->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (env->rootfs_fd < 0)
		return vc_error(err, errno, "%s", env->rootfs);
	vc_step(env->tl, "rootfs_bind",
	        "made all mounts private (rprivate), bind-mounted %s onto itself so it can "
	        "become the new root",
	        env->rootfs);
	return 0;
}

static int mount_bind(struct mount_env *env, const struct ct_mount *m, const char *target,
                      const char *real, vc_err *err)
{
	unsigned long extra = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);

	if (mount(m->source, target, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
		return vc_error(err, errno, "bind-mounting %s on %s", m->source, m->destination);
	if (extra && remount_bind(real, extra) < 0)
		return vc_error(err, errno, "remounting the bind mount %s with its options",
		                m->destination);
	(void)env;
	return 0;
}

/* One hierarchy of the container's cgroup view: bind-mount the host's
 * directory of our own cgroup (what a fresh cgroup mount inside our cgroup
 * namespace would show, but without a new superblock, which can wait for
 * the last container's to die). Falls back to a fresh mount. */
static int bind_hierarchy(const char *dir, const char *host_dir, const char *path, const char *type,
                          const char *opts, unsigned long flags)
{
	char src[PATH_MAX];

	if (snprintf(src, sizeof(src), "/sys/fs/cgroup/%s%s", host_dir, path) < (int)sizeof(src) &&
	    mount(src, dir, NULL, MS_BIND, NULL) == 0)
		return remount_bind(dir, flags | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	return mount("cgroup", dir, type, flags, opts);
}

/* The container's cgroup tree, from the lines of /proc/self/cgroup read
 * before entering the cgroup namespace ("4:memory:/vclab/ID"): on v2 one
 * cgroup2 tree; on v1 and hybrid a tmpfs holding one directory per
 * hierarchy, as the host has. */
static int mount_cgroup(struct mount_env *env, const struct ct_mount *m, const char *target,
                        const char *real, vc_err *err)
{
	unsigned long flags = m->flags & ~(MS_BIND | MS_REC);
	char lines[sizeof(env->cgroups)], *save = NULL, *line;

	if (env->cg_mode == CG_MODE_V2) {
		const char *path = strstr(env->cgroups, "0::");

		if (bind_hierarchy(target, "", path ? path + 3 : "/", "cgroup2", NULL, flags) < 0)
			return vc_error(err, errno, "mounting cgroup2 on %s", m->destination);
		return 0;
	}
	if (mount("tmpfs", target, "tmpfs", flags & ~MS_RDONLY, "mode=755") < 0)
		return vc_error(err, errno, "mounting a tmpfs for the cgroup hierarchies on %s",
		                m->destination);
	snprintf(lines, sizeof(lines), "%s", env->cgroups);
	for (line = strtok_r(lines, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctrl = strchr(line, ':'), *path, dir[PATH_MAX], opts[200];
		const char *type = "cgroup", *name;

		if (!ctrl || !(path = strchr(++ctrl, ':')))
			continue;
		*path++ = '\0';
		if (!*ctrl) {
			type = "cgroup2"; /* hybrid: the unified tree */
			name = "unified";
			opts[0] = '\0';
		} else {
			bool named = !strncmp(ctrl, "name=", 5);

			name = named ? ctrl + 5 : ctrl;
			snprintf(opts, sizeof(opts), "%s%s", named ? "none," : "", ctrl);
		}
		if (snprintf(dir, sizeof(dir), "%s/%s", real, name) >= (int)sizeof(dir))
			continue;
		if ((mkdir(dir, 0755) < 0 && errno != EEXIST) ||
		    bind_hierarchy(dir, name, path, type, *opts ? opts : NULL, flags) < 0)
			return vc_error(err, errno, "mounting the cgroup hierarchy %s on %s%s",
			                name, m->destination, dir + strlen(real));
	}
	if ((flags & MS_RDONLY) &&
	    mount(NULL, real, NULL, MS_REMOUNT | MS_RDONLY | flags, "mode=755") < 0)
		return vc_error(err, errno, "making %s read-only", m->destination);
	return 0;
}

int mounts_mount_one(struct mount_env *env, const struct ct_mount *m, vc_err *err)
{
	char target[64], fl[160], real[PATH_MAX];
	struct stat st;
	bool file = false;
	int fd, rc = 0;

	vc_step_begin(env->tl);
	if ((m->flags & MS_BIND) && stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode))
		file = true;
	fd = open_in_root(env, m->destination, file, err);
	if (fd < 0)
		return -1;
	/* The first mount goes on the fd we checked; what follows acts on the
	 * new mount, which only a fresh lookup of the path reaches. */
	fd_path(target, sizeof(target), fd);
	snprintf(real, sizeof(real), "%s%s", env->rootfs, m->destination);
	if (m->flags & MS_BIND) {
		rc = mount_bind(env, m, target, real, err);
	} else if (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2")) {
		rc = mount_cgroup(env, m, target, real, err);
	} else if (mount(m->source ? m->source : m->type, target, m->type, m->flags & ~MS_REMOUNT,
	                 m->data) < 0) {
		int e = errno;

		/* sysfs needs its own network namespace in a user namespace:
		 * fall back to the host's /sys, read-only (as runc does). */
		if (!strcmp(m->type, "sysfs") && e == EPERM &&
		    mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) == 0) {
			remount_bind(real, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
		} else {
			rc = vc_error(err, e, "mounts: %s (type %s, options %s%s%s) on %s",
			              m->source ? m->source : m->type, m->type,
			              mount_flags_describe(m->flags, fl, sizeof(fl)),
			              m->data ? "," : "", m->data ? m->data : "", m->destination);
		}
	}
	if (rc == 0 && m->propagation && mount(NULL, real, NULL, m->propagation, NULL) < 0)
		rc = vc_error(err, errno, "setting the propagation of %s", m->destination);
	close(fd);
	if (rc < 0)
		return -1;
	if (!strcmp(m->destination, "/dev") && !(m->flags & MS_BIND))
		env->dev_tmpfs = true;
	vc_step(env->tl, "mount", "%s on %s type %s (%s%s%s)", m->source ? m->source : m->type,
	        m->destination, m->type, mount_flags_describe(m->flags, fl, sizeof(fl)),
	        m->data ? "," : "", m->data ? m->data : "");
	return 0;
}

int mounts_make_dev(struct mount_env *env, vc_err *err)
{
	static const struct {
		const char *name;
		unsigned major, minor;
	} nodes[] = {
	    {"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
	    {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
	};
	static const struct {
		const char *target, *name;
	} links[] = {
	    {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"},
	    {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
	    {"pts/ptmx", "ptmx"},          {"/proc/kcore", "core"},
	};
	int dev;

	if (!env->dev_tmpfs)
		return 0;
	vc_step_begin(env->tl);
	dev = openat(env->rootfs_fd, "dev", O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dev < 0)
		return vc_error(err, errno, "%s/dev", env->rootfs);
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		if (!env->userns) {
			if (mknodat(dev, nodes[i].name, S_IFCHR | 0666,
			            makedev(nodes[i].major, nodes[i].minor)) < 0 ||
			    fchmodat(dev, nodes[i].name, 0666, 0) < 0)
				goto fail;
		} else {
			/* no mknod in a user namespace: bind the host's node */
			char host[32], target[PATH_MAX];
			int fd = openat(dev, nodes[i].name, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);

			if (fd < 0)
				goto fail;
			close(fd);
			snprintf(host, sizeof(host), "/dev/%s", nodes[i].name);
			snprintf(target, sizeof(target), "%s/dev/%s", env->rootfs, nodes[i].name);
			if (mount(host, target, NULL, MS_BIND, NULL) < 0)
				goto fail;
		}
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlinkat(links[i].target, dev, links[i].name) < 0 && errno != EEXIST)
			goto fail;
	close(dev);
	vc_step(env->tl, "dev",
	        "%s /dev/null, zero, full, random, urandom, tty; links fd, stdin, stdout, "
	        "stderr, ptmx, core",
	        env->userns ? "bind-mounted the host's" : "created device nodes");
	return 0;
fail : {
	int e = errno;

	close(dev);
	return vc_error(err, e, "filling the container's /dev");
}
}

int mounts_pivot(struct mount_env *env, vc_err *err)
{
	vc_step_begin(env->tl);
	if (fchdir(env->rootfs_fd) < 0)
		return vc_error(err, errno, "chdir to the rootfs");
	/* pivot_root(".", "."): the old root ends up stacked on top of the new
	 * one, so unmounting "." detaches it without needing a directory for it. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return vc_error(err, errno, "pivot_root into %s", env->rootfs);
	if (umount2(".", MNT_DETACH) < 0)
		return vc_error(err, errno, "detaching the old root");
	if (chdir("/") < 0)
		return vc_error(err, errno, "chdir /");
	close(env->rootfs_fd);
	env->rootfs_fd = -1;
	vc_step(env->tl, "pivot_root",
	        "pivot_root into %s, old root detached (umount2 MNT_DETACH): the host's "
	        "files are out of reach",
	        env->rootfs);
	return 0;
}

static int mask_paths(struct mount_env *env, const struct ct_spec *spec, vc_err *err)
{
	unsigned masked = 0, absent = 0;

	vc_step_begin(env->tl);
	for (size_t i = 0; i < spec->n_masked_paths; i++) {
		const char *p = spec->masked_paths[i];
		struct stat st;
		int rc;

		if (stat(p, &st) < 0) {
			absent++;
			continue;
		}
		if (S_ISDIR(st.st_mode))
			rc = mount("tmpfs", p, "tmpfs", MS_RDONLY, "size=0");
		else
			rc = mount("/dev/null", p, NULL, MS_BIND, NULL);
		if (rc < 0)
			return vc_error(err, errno, "linux.maskedPaths: masking %s", p);
		masked++;
	}
	if (spec->n_masked_paths)
		vc_step(env->tl, "masked_paths",
		        "hid %u paths (files under /dev/null, directories under an empty "
		        "read-only tmpfs); %u absent",
		        masked, absent);
	return 0;
}

static int readonly_paths(struct mount_env *env, const struct ct_spec *spec, vc_err *err)
{
	unsigned done = 0, absent = 0;

	vc_step_begin(env->tl);
	for (size_t i = 0; i < spec->n_readonly_paths; i++) {
		const char *p = spec->readonly_paths[i];

		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT) {
				absent++;
				continue;
			}
			return vc_error(err, errno, "linux.readonlyPaths: binding %s", p);
		}
		if (remount_bind(p, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC) < 0)
			return vc_error(err, errno, "linux.readonlyPaths: remounting %s read-only",
			                p);
		done++;
	}
	if (spec->n_readonly_paths)
		vc_step(env->tl, "readonly_paths",
		        "bind-mounted %u paths onto themselves read-only (e.g. /proc/sys); %u "
		        "absent",
		        done, absent);
	return 0;
}

int mounts_finish(struct mount_env *env, const struct ct_spec *spec, vc_err *err)
{
	if (mask_paths(env, spec, err) < 0 || readonly_paths(env, spec, err) < 0)
		return -1;
	vc_step_begin(env->tl);
	if (mount(NULL, "/", NULL, spec->rootfs_propagation, NULL) < 0)
		return vc_error(err, errno, "linux.rootfsPropagation on /");
	if (spec->root_readonly) {
		if (remount_bind("/", MS_RDONLY) < 0)
			return vc_error(err, errno, "root.readonly: remounting / read-only");
		vc_step(env->tl, "root_readonly",
		        "remounted / read-only (MS_BIND|MS_REMOUNT|MS_RDONLY)");
	}
	return 0;
}
