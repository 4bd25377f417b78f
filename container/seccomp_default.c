/* The quick form's default seccomp profile (container/README.md,
 * "Default seccomp profile"). The intent is Docker's: an ordinary program
 * never notices it, while the system calls that reach kernel state shared
 * with the host, or widen the kernel's attack surface, fail with EPERM.
 * It is written here as a short deny list over an allowing default (not
 * Docker's long allow list): each group below says why it is denied. */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/socket.h>

#include "seccomp.h"
#include "spec.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

/* Denied outright, with EPERM. Names this libseccomp does not know are
 * skipped (they do not exist on this architecture). */
static const char *const denied[] = {
    /* the kernel keyring is not namespaced: root's user keyring (@u)
     * would be the host's */
    "keyctl", "add_key", "request_key",
    /* new namespaces (user namespaces above all: inside one a process gets
     * every capability again) and joining existing ones */
    "unshare", "setns",
    /* file systems and the root: mounts stay as the runtime made them */
    "mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsconfig", "fsmount",
    "fspick", "mount_setattr", "chroot",
    /* file handles open any inode of a file system, around the mount tree */
    "open_by_handle_at", "name_to_handle_at",
    /* kernel code, tracing and memory tricks: big attack surface */
    "bpf", "perf_event_open", "userfaultfd", "kexec_load", "kexec_file_load", "init_module",
    "finit_module", "delete_module", "create_module", "get_kernel_syms", "query_module",
    "lookup_dcookie", "uselib", "iopl", "ioperm",
    /* the clocks are the host's (there is no time namespace by default) */
    "clock_settime", "clock_adjtime", "settimeofday", "adjtimex", "stime",
    /* host-wide state */
    "reboot", "swapon", "swapoff", "acct", "syslog", "quotactl", "quotactl_fd", "nfsservctl",
    "_sysctl", "sysfs", "ustat", "vhangup", "kcmp", "process_vm_readv", "process_vm_writev",
    "fanotify_init", "get_mempolicy", "set_mempolicy", "mbind", "move_pages",
    /* io_uring submits system calls this filter would never see */
    "io_uring_setup", "io_uring_enter", "io_uring_register"};

/* clone with any of these flags fails with EPERM (fork, vfork and threads
 * pass); clone3 hides its flags in memory a filter cannot read, so it
 * fails with ENOSYS and the C library falls back to clone. (A time
 * namespace needs unshare or clone3: clone's CLONE_NEWTIME bit is part
 * of its exit signal.) */
static const unsigned long ns_flags[] = {CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                                         CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET};

#define N_DENIED   (sizeof(denied) / sizeof(denied[0]))
#define N_NS_FLAGS (sizeof(ns_flags) / sizeof(ns_flags[0]))

static const char *clone_name[] = {"clone"};
static const char *clone3_name[] = {"clone3"};
static const char *socket_name[] = {"socket"};

int ct_seccomp_default(struct ct_spec *spec, vc_err *err)
{
	struct ct_seccomp *sc = spec_alloc(spec, sizeof(*sc));
	const char **names = spec_alloc(spec, sizeof(*names) * N_DENIED);
	struct ct_seccomp_rule *r;
	size_t n = 0;

	if (!sc || !names)
		return vc_error(err, ENOMEM, "default seccomp profile");
	/* rules: the deny list, clone3, AF_VSOCK sockets, one per clone flag */
	sc->rules = spec_alloc(spec, sizeof(*sc->rules) * (3 + N_NS_FLAGS));
	if (!sc->rules)
		return vc_error(err, ENOMEM, "default seccomp profile");
	sc->default_action = SCMP_ACT_ALLOW;
	for (size_t i = 0; i < N_DENIED; i++)
		if (ct_seccomp_syscall_nr(denied[i]) >= 0)
			names[n++] = denied[i];
	r = &sc->rules[sc->n_rules++];
	*r =
	    (struct ct_seccomp_rule){.names = names, .n_names = n, .action = SCMP_ACT_ERRNO(EPERM)};
	r = &sc->rules[sc->n_rules++];
	*r = (struct ct_seccomp_rule){
	    .names = clone3_name, .n_names = 1, .action = SCMP_ACT_ERRNO(ENOSYS)};
	/* vsock reaches the hypervisor's host, not the container's network */
	r = &sc->rules[sc->n_rules++];
	*r = (struct ct_seccomp_rule){.names = socket_name,
	                              .n_names = 1,
	                              .action = SCMP_ACT_ERRNO(EPERM),
	                              .args = {{0, AF_VSOCK, 0, SCMP_CMP_EQ}},
	                              .n_args = 1};
	for (size_t i = 0; i < N_NS_FLAGS; i++) {
		r = &sc->rules[sc->n_rules++];
		*r = (struct ct_seccomp_rule){
		    .names = clone_name,
		    .n_names = 1,
		    .action = SCMP_ACT_ERRNO(EPERM),
		    .args = {{0, ns_flags[i], ns_flags[i], SCMP_CMP_MASKED_EQ}},
		    .n_args = 1};
	}
	spec->seccomp = sc;
	return 0;
}
