#include "mounts.h"

#include <dirent.h>
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

#include "debug.h"

/* ---- mount options ------------------------------------------------------ */

/* The option tables: what mounts_option applies, and all that `container
 * features` lists as mountOptions (mounts_option_name), so the two cannot
 * differ. tests/e2e/container_cli.sh reads the quoted words between the
 * BEGIN and END lines and checks each is in `features`. */
/* BEGIN mount option tables */
/* mount(2) flags: set, or cleared by their negation */
static const struct {
	const char *name;
	unsigned long set, clear;
} mount_flag_opts[] = {
    {"ro", MS_RDONLY, 0},
    {"rw", 0, MS_RDONLY},
    {"nosuid", MS_NOSUID, 0},
    {"suid", 0, MS_NOSUID},
    {"nodev", MS_NODEV, 0},
    {"dev", 0, MS_NODEV},
    {"noexec", MS_NOEXEC, 0},
    {"exec", 0, MS_NOEXEC},
    {"sync", MS_SYNCHRONOUS, 0},
    {"async", 0, MS_SYNCHRONOUS},
    {"dirsync", MS_DIRSYNC, 0},
    {"remount", MS_REMOUNT, 0},
    {"mand", MS_MANDLOCK, 0},
    {"nomand", 0, MS_MANDLOCK},
    {"atime", 0, MS_NOATIME},
    {"noatime", MS_NOATIME, 0},
    {"diratime", 0, MS_NODIRATIME},
    {"nodiratime", MS_NODIRATIME, 0},
    {"relatime", MS_RELATIME, 0},
    {"norelatime", 0, MS_RELATIME},
    {"strictatime", MS_STRICTATIME, 0},
    {"nostrictatime", 0, MS_STRICTATIME},
    {"lazytime", MS_LAZYTIME, 0},
    {"nolazytime", 0, MS_LAZYTIME},
    {"silent", MS_SILENT, 0},
    {"loud", 0, MS_SILENT},
    {"defaults", 0, 0},
    {"bind", MS_BIND, 0},
    {"rbind", MS_BIND | MS_REC, 0},
};
static const struct {
	const char *name;
	unsigned long prop;
} mount_prop_opts[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};
/* Recursive attributes (runc's names): mount_setattr(AT_RECURSIVE)
 * after the mount. The access-time modes replace each other. */
static const struct {
	const char *name;
	unsigned set, clear;
} mount_rec_opts[] = {
    {"rro", MOUNT_ATTR_RDONLY, 0},
    {"rrw", 0, MOUNT_ATTR_RDONLY},
    {"rnosuid", MOUNT_ATTR_NOSUID, 0},
    {"rsuid", 0, MOUNT_ATTR_NOSUID},
    {"rnodev", MOUNT_ATTR_NODEV, 0},
    {"rdev", 0, MOUNT_ATTR_NODEV},
    {"rnoexec", MOUNT_ATTR_NOEXEC, 0},
    {"rexec", 0, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", MOUNT_ATTR_NODIRATIME, 0},
    {"rdiratime", 0, MOUNT_ATTR_NODIRATIME},
    {"rrelatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    {"ratime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    {"rnostrictatime", MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME},
    {"rnoatime", MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME},
    {"rstrictatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
    {"rnorelatime", MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME},
};
/* tmpfs: a copy of the directory it covers (podman --read-only) */
static const char *const mount_copyup_opts[] = {"tmpcopyup", "notmpcopyup"};
/* END mount option tables */

/* What engines send that this runtime does not do: idmapped mounts
 * (podman's :idmap) need a user namespace fd per mount. */
static const char *const unsupported[] = {"idmap", "ridmap"};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

const char *mounts_option_name(size_t i)
{
	if (i < N_OF(mount_flag_opts))
		return mount_flag_opts[i].name;
	i -= N_OF(mount_flag_opts);
	if (i < N_OF(mount_prop_opts))
		return mount_prop_opts[i].name;
	i -= N_OF(mount_prop_opts);
	if (i < N_OF(mount_rec_opts))
		return mount_rec_opts[i].name;
	i -= N_OF(mount_rec_opts);
	return i < N_OF(mount_copyup_opts) ? mount_copyup_opts[i] : NULL;
}

enum mount_opt_kind mounts_option(const char *opt, struct ct_mount *m)
{
	for (size_t i = 0; i < N_OF(mount_flag_opts); i++)
		if (!strcmp(opt, mount_flag_opts[i].name)) {
			m->flags = (m->flags & ~mount_flag_opts[i].clear) | mount_flag_opts[i].set;
			return MOUNT_OPT_APPLIED;
		}
	for (size_t i = 0; i < N_OF(mount_prop_opts); i++)
		if (!strcmp(opt, mount_prop_opts[i].name)) {
			m->propagation = mount_prop_opts[i].prop;
			return MOUNT_OPT_APPLIED;
		}
	for (size_t i = 0; i < N_OF(mount_rec_opts); i++)
		if (!strcmp(opt, mount_rec_opts[i].name)) {
			unsigned bits = mount_rec_opts[i].set | mount_rec_opts[i].clear;

			m->attr_set = (m->attr_set & ~bits) | mount_rec_opts[i].set;
			m->attr_clr = (m->attr_clr & ~bits) | mount_rec_opts[i].clear;
			return MOUNT_OPT_APPLIED;
		}
	if (!strcmp(opt, mount_copyup_opts[0]) || !strcmp(opt, mount_copyup_opts[1])) {
		m->tmpcopyup = opt[0] == 't';
		return MOUNT_OPT_APPLIED;
	}
	for (size_t i = 0; i < N_OF(unsupported); i++)
		if (!strcmp(opt, unsupported[i]) ||
		    (!strncmp(opt, unsupported[i], strlen(unsupported[i])) &&
		     opt[strlen(unsupported[i])] == '='))
			return MOUNT_OPT_UNSUPPORTED;
	return MOUNT_OPT_DATA;
}

int spec_mount_option(const char *opt, unsigned long *flags, unsigned long *propagation)
{
	struct ct_mount m = {.flags = *flags, .propagation = *propagation};

	if (mounts_option(opt, &m) != MOUNT_OPT_APPLIED || m.attr_set || m.attr_clr || m.tmpcopyup)
		return 0;
	*flags = m.flags;
	*propagation = m.propagation;
	return 1;
}

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
                          const char *opts, unsigned long flags, bool remount)
{
	char src[PATH_MAX];

	if (snprintf(src, sizeof(src), "/sys/fs/cgroup/%s%s", host_dir, path) < (int)sizeof(src) &&
	    mount(src, dir, NULL, MS_BIND, NULL) == 0)
		return remount ? remount_bind(dir, flags | MS_NOSUID | MS_NODEV | MS_NOEXEC) : 0;
	return mount("cgroup", dir, type, flags, opts);
}

/* The usual cgroup mount (ro,nosuid,nodev,noexec[,relatime]): the binds
 * and their tmpfs made read-only by one recursive mount_setattr instead of
 * a remount each (11 on a v1 host). Other flags, or a kernel without
 * mount_setattr (before 5.12): the remounts. */
static bool cgroup_tree_at_once(unsigned long flags)
{
	return (flags & MS_RDONLY) &&
	       !(flags & ~(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME));
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
	bool at_once = cgroup_tree_at_once(flags);
	struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID |
	                                    MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC};

	if (env->cg_mode == CG_MODE_V2) {
		const char *path = strstr(env->cgroups, "0::");

		if (bind_hierarchy(target, "", path ? path + 3 : "/", "cgroup2", NULL, flags,
		                   true) < 0)
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
		    bind_hierarchy(dir, name, path, type, *opts ? opts : NULL, flags, !at_once) < 0)
			return vc_error(err, errno, "mounting the cgroup hierarchy %s on %s%s",
			                name, m->destination, dir + strlen(real));
	}
	if (at_once &&
	    mount_setattr(AT_FDCWD, real, AT_RECURSIVE | AT_SYMLINK_NOFOLLOW, &ro, sizeof(ro)) == 0)
		at_once = false; /* done; the tmpfs's own read-only flag below */
	else if (at_once) {
		/* no mount_setattr: each bind remounted as above */
		DIR *d = opendir(real);
		struct dirent *e;
		char dir[PATH_MAX];

		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.' &&
			    snprintf(dir, sizeof(dir), "%s/%s", real, e->d_name) <
			        (int)sizeof(dir) &&
			    remount_bind(dir, flags | MS_NOSUID | MS_NODEV | MS_NOEXEC) < 0) {
				closedir(d);
				return vc_error(err, errno, "making %s read-only", dir);
			}
		if (d)
			closedir(d);
	}
	if ((flags & MS_RDONLY) &&
	    mount(NULL, real, NULL, MS_REMOUNT | MS_RDONLY | flags, "mode=755") < 0)
		return vc_error(err, errno, "making %s read-only", m->destination);
	return 0;
}

/* ---- tmpcopyup: the directory's content into the new tmpfs ---------------- */

#define COPYUP_MAX_DEPTH 32

static int copy_file(int src_dir, int dst_dir, const char *name, const struct stat *st)
{
	char buf[65536];
	int in, out, rc = -1;
	ssize_t n;

	in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -1;
	out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	             st->st_mode & 07777);
	if (out < 0)
		goto out;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0)
				goto out;
			off += w;
		}
	rc = n < 0 ? -1 : 0;
out : {
	int e = errno;

	if (out >= 0)
		close(out);
	close(in);
	errno = e;
}
	return rc;
}

/* Owner, mode (after chown, which clears set-id bits) and times of one entry.
 * An owner the user namespace does not map stays the namespace's root. */
static int copy_attrs(int dst_dir, const char *name, const struct stat *st)
{
	struct timespec t[2] = {st->st_atim, st->st_mtim};

	if (fchownat(dst_dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno != EINVAL)
		return -1;
	if (!S_ISLNK(st->st_mode) && fchmodat(dst_dir, name, st->st_mode & 07777, 0) < 0)
		return -1;
	return utimensat(dst_dir, name, t, AT_SYMLINK_NOFOLLOW);
}

/* Copy everything under src into dst: directories, files, symlinks, device
 * nodes and FIFOs, with owners, modes and times; never following a link. */
static int copy_tree(int src, int dst, int depth, char *failed, size_t failed_len)
{
	struct dirent *e;
	DIR *d;
	int rc = 0, fd = dup(src);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (rc == 0 && (errno = 0, e = readdir(d))) {
		struct stat st;
		char link[PATH_MAX];
		ssize_t n;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(failed, failed_len, "%s", e->d_name);
		if (fstatat(src, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = -1;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int s2, d2;

			if (depth >= COPYUP_MAX_DEPTH) {
				errno = ELOOP;
				rc = -1;
				break;
			}
			if (mkdirat(dst, e->d_name, 0700) < 0)
				rc = -1;
			s2 = rc ? -1
			        : openat(src, e->d_name,
			                 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			d2 = s2 < 0 ? -1
			            : openat(dst, e->d_name,
			                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (d2 < 0)
				rc = -1;
			else
				rc = copy_tree(s2, d2, depth + 1, failed, failed_len);
			if (s2 >= 0)
				close(s2);
			if (d2 >= 0)
				close(d2);
		} else if (S_ISREG(st.st_mode)) {
			rc = copy_file(src, dst, e->d_name, &st);
		} else if (S_ISLNK(st.st_mode)) {
			n = readlinkat(src, e->d_name, link, sizeof(link) - 1);
			if (n < 0)
				rc = -1;
			else {
				link[n] = '\0';
				rc = symlinkat(link, dst, e->d_name);
			}
		} else if (S_ISSOCK(st.st_mode)) {
			continue; /* a socket means nothing without its server */
		} else {
			rc = mknodat(dst, e->d_name, st.st_mode, st.st_rdev);
		}
		if (rc == 0)
			rc = copy_attrs(dst, e->d_name, &st);
	}
	if (rc == 0 && errno) /* readdir failed */
		rc = -1;
	{
		int saved = errno;

		closedir(d);
		errno = saved;
	}
	return rc;
}

/* After the tmpfs went on top: copy what was under it (src, opened
 * before), and give the tmpfs root the directory's owner (and its mode
 * unless the options set one). */
static int tmpcopyup(int src, const struct ct_mount *m, const char *real, vc_err *err)
{
	char failed[NAME_MAX + 1] = "";
	struct stat st;
	int dst, rc;

	dst = open(real, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0)
		return vc_error(err, errno, "mounts: tmpcopyup on %s: opening the new tmpfs",
		                m->destination);
	rc = copy_tree(src, dst, 0, failed, sizeof(failed));
	if (rc < 0) {
		int e = errno;

		close(dst);
		return vc_error(err, e, "mounts: tmpcopyup on %s: copying %s", m->destination,
		                failed);
	}
	if (fstat(src, &st) == 0) {
		if (fchown(dst, st.st_uid, st.st_gid) < 0 && errno != EINVAL)
			rc = -1;
		if (!(m->data && strstr(m->data, "mode=")) && fchmod(dst, st.st_mode & 07777) < 0)
			rc = -1;
	}
	if (rc < 0)
		rc =
		    vc_error(err, errno, "mounts: tmpcopyup on %s: owner and mode", m->destination);
	close(dst);
	return rc;
}

/* "rro", "rnosuid", ...: mount_setattr on the whole tree. Where the kernel
 * cannot (before 5.12), one warning, and a read-only top mount for rro. */
static int set_recursive_attrs(const struct ct_mount *m, const char *real, vc_err *err)
{
	struct mount_attr a = {.attr_set = m->attr_set, .attr_clr = m->attr_clr};

	if (mount_setattr(AT_FDCWD, real, AT_RECURSIVE | AT_SYMLINK_NOFOLLOW, &a, sizeof(a)) == 0)
		return 0;
	if (errno != ENOSYS)
		return vc_error(err, errno, "mounts: recursive options on %s (mount_setattr)",
		                m->destination);
	fprintf(stderr,
	        "container: warning: mounts: %s: this kernel has no mount_setattr; recursive "
	        "options apply to the top mount only\n",
	        m->destination);
	if ((m->attr_set & MOUNT_ATTR_RDONLY) && remount_bind(real, MS_RDONLY) < 0)
		return vc_error(err, errno, "mounts: making %s read-only", m->destination);
	return 0;
}

/* The kernel refused the options (EINVAL): try again without the words
 * that are not "key=value" (flags of another runtime, typos) and warn once. */
static int mount_without_unknown_words(const struct ct_mount *m, const char *source,
                                       const char *target)
{
	char kept[512] = "", dropped[512] = "", buf[512], *save = NULL, *w;
	size_t kl = 0, dl = 0;

	if (!m->data || snprintf(buf, sizeof(buf), "%s", m->data) >= (int)sizeof(buf))
		return -1;
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (strchr(w, '='))
			kl += (size_t)snprintf(kept + kl, sizeof(kept) - kl, "%s%s", kl ? "," : "",
			                       w);
		else
			dl += (size_t)snprintf(dropped + dl, sizeof(dropped) - dl, "%s%s",
			                       dl ? "," : "", w);
	}
	if (!dl || kl >= sizeof(kept) || dl >= sizeof(dropped))
		return -1;
	if (mount(source, target, m->type, m->flags & ~MS_REMOUNT, kl ? kept : NULL) < 0)
		return -1;
	fprintf(stderr,
	        "container: warning: mounts: %s (type %s): options \"%s\" refused by the "
	        "kernel: ignored\n",
	        m->destination, m->type, dropped);
	return 0;
}

int mounts_mount_one(struct mount_env *env, const struct ct_mount *m, vc_err *err)
{
	char target[64], fl[160], real[PATH_MAX];
	struct stat st;
	bool file = false;
	int fd, rc = 0, copy_src = -1;

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
	} else if (m->tmpcopyup &&
	           (copy_src = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		rc = vc_error(err, errno, "mounts: tmpcopyup on %s: opening the directory",
		              m->destination);
	} else if (mount(m->source ? m->source : m->type, target, m->type, m->flags & ~MS_REMOUNT,
	                 m->data) < 0) {
		int e = errno;

		/* sysfs needs its own network namespace in a user namespace:
		 * fall back to the host's /sys, read-only (as runc does). */
		if (!strcmp(m->type, "sysfs") && e == EPERM &&
		    mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) == 0) {
			remount_bind(real, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
		} else if (e == EINVAL && mount_without_unknown_words(
		                              m, m->source ? m->source : m->type, target) == 0) {
			/* warned */
		} else {
			rc = vc_error(err, e, "mounts: %s (type %s, options %s%s%s) on %s",
			              m->source ? m->source : m->type, m->type,
			              mount_flags_describe(m->flags, fl, sizeof(fl)),
			              m->data ? "," : "", m->data ? m->data : "", m->destination);
		}
	}
	if (rc == 0 && copy_src >= 0)
		rc = tmpcopyup(copy_src, m, real, err);
	if (rc == 0 && m->propagation && mount(NULL, real, NULL, m->propagation, NULL) < 0)
		rc = vc_error(err, errno, "setting the propagation of %s", m->destination);
	if (rc == 0 && (m->attr_set || m->attr_clr))
		rc = set_recursive_attrs(m, real, err);
	if (copy_src >= 0)
		close(copy_src);
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

/* One linux.devices entry: mknod with its mode and owner (an existing
 * node is replaced), or in a user namespace, where mknod is refused, a
 * bind mount of the host's node at the same path (as runc does). */
static int make_device(struct mount_env *env, const struct ct_device *d, vc_err *err)
{
	char dir[PATH_MAX], target[64];
	const char *base = strrchr(d->path, '/') + 1;
	mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
	int dirfd, fd, e;

	if (!*base)
		return vc_error(err, 0, "linux.devices: %s: no file name", d->path);
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - d->path), d->path);
	dirfd = open_in_root(env, dir, false, err);
	if (dirfd < 0)
		return vc_error_wrap(err, "linux.devices: %s", d->path);
	if (!env->userns) {
		struct stat st;

		if (fstatat(dirfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode))
			unlinkat(dirfd, base, 0);
		if (mknodat(dirfd, base, type | (d->mode & 07777),
		            makedev((unsigned)d->major, (unsigned)d->minor)) < 0 ||
		    fchownat(dirfd, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0 ||
		    fchmodat(dirfd, base, d->mode & 07777, 0) < 0)
			goto fail;
		close(dirfd);
		return 0;
	}
	/* an empty file to mount on, unless something is there already */
	if (faccessat(dirfd, base, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
		fd =
		    openat(dirfd, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			goto fail;
		close(fd);
	}
	fd = openat(dirfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	fd_path(target, sizeof(target), fd);
	if (mount(d->path, target, NULL, MS_BIND, NULL) < 0) {
		e = errno;
		close(fd);
		close(dirfd);
		return vc_error(err, e,
		                "linux.devices: bind-mounting the host's %s (no mknod in a user "
		                "namespace)",
		                d->path);
	}
	close(fd);
	close(dirfd);
	return 0;
fail:
	e = errno;
	close(dirfd);
	return vc_error(err, e, "linux.devices: %s: mknod %c %lld:%lld", d->path, d->type,
	                (long long)d->major, (long long)d->minor);
}

int mounts_make_devices(struct mount_env *env, const struct ct_spec *spec, vc_err *err)
{
	if (!spec->n_devices)
		return 0;
	vc_step_begin(env->tl);
	for (size_t i = 0; i < spec->n_devices; i++)
		if (make_device(env, &spec->devices[i], err) < 0)
			return -1;
	vc_step(env->tl, "devices", "%s %zu linux.devices (first: %s)",
	        env->userns ? "bind-mounted the host's" : "made", spec->n_devices,
	        spec->devices[0].path);
	return 0;
}

int mounts_chroot(const char *rootfs, struct vc_timeline *tl, vc_err *err)
{
	vc_step_begin(tl);
	if (chdir(rootfs) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return vc_error(err, errno, "chroot into %s (no mount namespace)", rootfs);
	vc_step(tl, "chroot",
	        "chroot into %s: no mount namespace, so no pivot_root and no mounts (the "
	        "caller's mounts are shared)",
	        rootfs);
	return 0;
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
