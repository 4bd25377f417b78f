/* Namespaces: which clone flags to ask for, joining existing ones by path,
 * writing a user namespace's id maps, and bringing lo up in a new network
 * namespace. */
#ifndef CT_NAMESPACES_H
#define CT_NAMESPACES_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

/* CLONE_NEW* flags of the namespaces to create (not the joined ones). */
uint64_t ns_clone_flags(const struct ct_spec *spec);

/* "pid,network,..." of the namespaces to create, for --trace. */
const char *ns_describe(const struct ct_spec *spec, char *buf, size_t len);

/* Open every namespace path of the spec (fds[k] = -1 where none), so a bad
 * path fails before anything is created. */
int ns_open_paths(const struct ct_spec *spec, int fds[CT_NS_COUNT], vc_err *err);
void ns_close_paths(int fds[CT_NS_COUNT]);

/* pid and time namespaces are joined by the parent before clone: setns()
 * of those only changes the namespace of children. */
int ns_join_for_children(int fds[CT_NS_COUNT], vc_err *err);

/* In the child: join the others (user first, it owns the rest). */
int ns_join_in_child(int fds[CT_NS_COUNT], vc_err *err);

/* Write /proc/PID/uid_map and gid_map of the child's new user namespace. */
int ns_write_id_maps(pid_t pid, const struct ct_spec *spec, vc_err *err);

/* In the child's new network namespace: set lo up. */
int ns_loopback_up(vc_err *err);

/* In the child, after pivot_root (so /proc is the container's): write each
 * linux.sysctl value to /proc/sys/KEY (dots become slashes). */
int ns_apply_sysctls(const struct ct_spec *spec, vc_err *err);

#endif
