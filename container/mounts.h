/* The container's file system view, built inside its new mount namespace:
 * the rootfs bind mount, the mounts list, a minimal /dev, pivot_root,
 * maskedPaths, readonlyPaths and a read-only root. */
#ifndef CT_MOUNTS_H
#define CT_MOUNTS_H

#include <stdbool.h>

#include "cgroup.h"
#include "error.h"
#include "spec.h"
#include "timeline.h"

struct mount_env {
	const char *rootfs;   /* absolute host path of the root file system */
	int rootfs_fd;        /* O_PATH fd of it after the bind mount, -1 before */
	bool userns;          /* in a new user namespace: no mknod, locked flags */
	bool dev_tmpfs;       /* the spec mounts a tmpfs on /dev: fill it */
	enum cg_mode cg_mode; /* how to mount "cgroup" inside */
	char cgroups[1024];   /* /proc/self/cgroup before the cgroup namespace */
	struct vc_timeline *tl;
};

/* One word of mounts[].options (also linux.rootfsPropagation and the
 * quick form's volumes): what it does to *m. */
enum mount_opt_kind {
	MOUNT_OPT_DATA,       /* for the file system: goes into m->data */
	MOUNT_OPT_APPLIED,    /* a flag, propagation, recursive attribute, tmpcopyup */
	MOUNT_OPT_UNSUPPORTED /* known, but not applied here (idmap, ridmap): warn */
};
enum mount_opt_kind mounts_option(const char *opt, struct ct_mount *m);

/* The i-th word mounts_option applies (MOUNT_OPT_APPLIED), from its own
 * tables, NULL past the last: `container features` lists these. */
const char *mounts_option_name(size_t i);

/* "nosuid,nodev,ro" for --trace. */
const char *mount_flags_describe(unsigned long flags, char *buf, size_t len);

/* Make every mount private to our namespace (nothing leaks to the host),
 * then bind-mount the rootfs onto itself so it can be pivot_root's new root. */
int mounts_prepare_root(struct mount_env *env, unsigned long propagation, vc_err *err);

/* One entry of the mounts list, under the rootfs. */
int mounts_mount_one(struct mount_env *env, const struct ct_mount *m, vc_err *err);

/* /dev/{null,zero,full,random,urandom,tty}, the std* and fd links, ptmx. */
int mounts_make_dev(struct mount_env *env, vc_err *err);

/* linux.devices: mknod each (a bind mount of the host's node in a user
 * namespace), with its mode and owner. */
int mounts_make_devices(struct mount_env *env, const struct ct_spec *spec, vc_err *err);

/* Without a mount namespace: chroot into rootfs (as runc and crun do), no
 * mounts at all: they would land in the caller's namespace. */
int mounts_chroot(const char *rootfs, struct vc_timeline *tl, vc_err *err);

/* pivot_root into the rootfs and detach the old root. */
int mounts_pivot(struct mount_env *env, vc_err *err);

/* After pivot_root: maskedPaths, readonlyPaths, propagation of / and a
 * read-only root. */
int mounts_finish(struct mount_env *env, const struct ct_spec *spec, vc_err *err);

#endif
