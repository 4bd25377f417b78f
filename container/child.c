/* The child of clone3: it already lives in its new namespaces. It builds
 * the container's view of the system, drops privileges and execs the
 * container process, which keeps its pid (1 in a new pid namespace). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/keyctl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "console.h"
#include "hooks.h"
#include "mounts.h"
#include "namespaces.h"
#include "process.h"
#include "seccomp.h"
#include "sync.h"

struct child {
	const struct child_args *a;
	const struct ct_spec *spec;
	struct vc_timeline *tl;
	size_t first_event; /* tl->ev[] from here on are the child's */
	bool went;          /* the parent said go */
	bool started;       /* create: `container start` let us go; errors go to it */
	pid_t host_pid;     /* our pid as the runtime sees it, for the hooks */
	char cgroups[1024]; /* our /proc/self/cgroup outside the cgroup namespace */
};

/* Remember where our cgroups are, for the container's cgroup mount. */

/* The container process starts with every signal at its default, even
 * those ignored by whoever started us. A raw rt_sigaction, because glibc
 * refuses to touch the two real-time signals it reserves (32 and 33). */
void child_reset_signals(void)
{
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} dfl = {SIG_DFL, 0, NULL, 0};

	for (int sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
}
static void capture_cgroup_paths(struct child *c)
{
	ssize_t n;
	int fd;

	if (c->a->cg_rel_path) {
		/* v2: we were cloned into the cgroup and its namespace already */
		snprintf(c->cgroups, sizeof(c->cgroups), "0::%s\n", c->a->cg_rel_path);
		return;
	}
	fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, c->cgroups, sizeof(c->cgroups) - 1) : -1;
	c->cgroups[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

/* Die with the parent: set the parent-death signal, then check the parent
 * did not die before that (the signal would never come). */
static void die_with_parent(const struct child_args *a)
{
	struct pollfd pfd = {.fd = a->parent_pidfd, .events = POLLIN};

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (a->parent_pidfd >= 0 && poll(&pfd, 1, 0) == 1)
		_exit(1);
}

static _Noreturn void child_fail(struct child *c, int type, const vc_err *err)
{
	struct sync_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = type;
	msg.u.err = *err;
	if (c->started) {
		/* `container start` reads it from the exec FIFO (lifecycle.c) */
		char line[sizeof(err->msg) + 64];
		int n = snprintf(line, sizeof(line), "%s%s%s", err->msg, err->errnum ? ": " : "",
		                 err->errnum ? strerror(err->errnum) : "");

		if (write(c->a->exec_fifo_fd, line, (size_t)n) < 0) {
			/* start is gone; nobody to tell */
		}
		_exit(1);
	}
	if (write(c->a->status_fd, &msg, sizeof(msg)) < 0) {
		/* the parent is gone; nobody to tell */
	}
	_exit(1);
}

/* v1 and hybrid: move ourselves into the container's cgroup, then enter a
 * new cgroup namespace rooted there (on v2 clone3 did both). */
static int join_cgroup(struct child *c, vc_err *err)
{
	/* On v1 the parent writing our pid into cgroup.procs would take the
	 * kernel's global cgroup_threadgroup_rwsem for writing, which waits for
	 * an RCU grace period (~7-10 ms); a thread moving itself skips it. */
	if (!c->a->in_cgroup) {
		vc_step_begin(c->tl);
		if (cgroup_enter_self(c->a->cg, err) < 0)
			return -1;
		vc_step(c->tl, "cgroup_join",
		        "child: wrote \"0\" to tasks of each hierarchy: moved itself into %s",
		        cgroup_path(c->a->cg));
	}
	capture_cgroup_paths(c);
	if (c->spec->ns[CT_NS_CGROUP].enabled && !c->spec->ns[CT_NS_CGROUP].path &&
	    !c->a->cgroupns_cloned) {
		vc_step_begin(c->tl);
		if (unshare(CLONE_NEWCGROUP) < 0)
			return vc_error(err, errno, "unshare(CLONE_NEWCGROUP)");
		vc_step(c->tl, "cgroup_ns",
		        "unshare(CLONE_NEWCGROUP): /proc/self/cgroup now shows our cgroup as /");
	}
	return 0;
}

/* Wait for the parent's go: after it the id maps are written. */
static int wait_for_parent(struct child *c, vc_err *err)
{
	char b;
	ssize_t n;

	if (c->went)
		return 0;
	vc_step_begin(c->tl);
	do
		n = read(c->a->go_fd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return vc_error(err, 0, "the parent went away during setup");
	if (!c->a->parent_hooks)
		close(c->a->go_fd);
	c->went = true;
	vc_step(c->tl, "child_go", "child: the parent is done (id maps, oom_score_adj)");
	if (c->spec->ns[CT_NS_USER].enabled && !c->spec->ns[CT_NS_USER].path) {
		/* Our credentials still hold the host's uid 0, unmapped here:
		 * become the namespace's root (we keep our capabilities in it). */
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			return vc_error(err, errno,
			                "becoming root of the new user namespace (is uid/gid 0 "
			                "mapped?)");
	}
	return 0;
}

/* A new, empty session keyring: the caller's one (and the keys linked to
 * it) stays out of reach. Root's user keyring (@u) is still reachable by
 * uid 0 through its special id; the default seccomp profile closes that. */
static int new_session_keyring(struct child *c, vc_err *err)
{
	long id;

	if (c->spec->no_new_keyring)
		return 0;
	vc_step_begin(c->tl);
	id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL, 0, 0, 0);
	if (id < 0)
		return vc_error(err, errno, "joining a new session keyring (try --no-new-keyring)");
	vc_step(c->tl, "keyring", "joined a new anonymous session keyring (%ld)", id);
	return 0;
}

static int set_identity(struct child *c, vc_err *err)
{
	const struct ct_spec *spec = c->spec;

	if (new_session_keyring(c, err) < 0)
		return -1;

	vc_step_begin(c->tl);
	if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
		return vc_error(err, errno, "hostname: sethostname(\"%s\")", spec->hostname);
	if (spec->hostname)
		vc_step(c->tl, "hostname", "sethostname(\"%s\") in the new uts namespace",
		        spec->hostname);
	if (spec->domainname) {
		vc_step_begin(c->tl);
		if (setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
			return vc_error(err, errno, "domainname: setdomainname(\"%s\")",
			                spec->domainname);
		vc_step(c->tl, "domainname", "setdomainname(\"%s\")", spec->domainname);
	}
	if (spec->loopback_up) {
		vc_step_begin(c->tl);
		if (ns_loopback_up(err) < 0)
			return -1;
		vc_step(c->tl, "loopback",
		        "set lo up in the new network namespace (it has no other interface)");
	}
	return 0;
}

/* Mounts made, before pivot_root: the parent runs prestart and
 * createRuntime (runtime namespace), then createContainer runs here, in
 * the container's namespaces, where the host's paths still resolve. */
static int create_hooks(struct child *c, vc_err *err)
{
	struct sync_msg msg;
	char b;
	ssize_t n;

	if (c->a->parent_hooks) {
		vc_step_begin(c->tl);
		if (c->a->need_go && wait_for_parent(c, err) < 0)
			return -1;
		memset(&msg, 0, sizeof(msg));
		msg.type = SYNC_HOOKS;
		if (write(c->a->status_fd, &msg, sizeof(msg)) != (ssize_t)sizeof(msg))
			return vc_error(err, errno, "asking for the prestart hooks");
		do
			n = read(c->a->go_fd, &b, 1);
		while (n < 0 && errno == EINTR);
		if (n != 1)
			return vc_error(err, 0, "the parent went away during the prestart hooks");
		close(c->a->go_fd);
		vc_step(c->tl, "hooks_wait", "child: the parent ran prestart/createRuntime hooks");
	}
	if (!c->spec->n_hooks[CT_HOOK_CREATE_CONTAINER])
		return 0;
	vc_step_begin(c->tl);
	if (hooks_run_for(c->spec, CT_HOOK_CREATE_CONTAINER, c->a->id, c->host_pid, err) < 0)
		return -1;
	vc_step(c->tl, "hooks_create_ctr", "ran %zu createContainer hooks in the container",
	        c->spec->n_hooks[CT_HOOK_CREATE_CONTAINER]);
	return 0;
}

/* After `start` (or at once for `run`), just before execve: in the
 * container, with its root, user and privileges. */
static int start_hooks(struct child *c, vc_err *err)
{
	if (!c->spec->n_hooks[CT_HOOK_START_CONTAINER])
		return 0;
	vc_step_begin(c->tl);
	if (hooks_run_for(c->spec, CT_HOOK_START_CONTAINER, c->a->id, c->host_pid, err) < 0)
		return -1;
	vc_step(c->tl, "hooks_start_ctr", "ran %zu startContainer hooks",
	        c->spec->n_hooks[CT_HOOK_START_CONTAINER]);
	return 0;
}

/* Our pid in the runtime's pid namespace: /proc is still the host's. */
static pid_t read_host_pid(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);

	if (n <= 0)
		return getpid();
	buf[n] = '\0';
	return (pid_t)atoi(buf);
}

static int build_filesystem(struct child *c, vc_err *err)
{
	const struct ct_spec *spec = c->spec;
	struct mount_env env = {
	    .rootfs = spec->root_path,
	    .rootfs_fd = -1,
	    .userns = spec->ns[CT_NS_USER].enabled,
	    .cg_mode = c->a->cg_mode,
	    .tl = c->tl,
	};

	memcpy(env.cgroups, c->cgroups, sizeof(env.cgroups));
	if (!spec->ns[CT_NS_MOUNT].enabled) {
		/* the caller's mount namespace: sysctls while its /proc is
		 * there, then only a chroot (run.c warned about the rest) */
		if (spec->n_sysctls && ns_apply_sysctls(spec, err) < 0)
			return -1;
		return mounts_chroot(spec->root_path, c->tl, err);
	}
	if (mounts_prepare_root(&env, spec->rootfs_propagation, err) < 0)
		return -1;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		if (mounts_mount_one(&env, &spec->mounts[i], err) < 0)
			return -1;
	}
	if (mounts_make_dev(&env, err) < 0 || mounts_make_devices(&env, spec, err) < 0 ||
	    create_hooks(c, err) < 0 || mounts_pivot(&env, err) < 0)
		return -1;
	if (spec->n_sysctls) {
		/* before readonlyPaths makes /proc/sys read-only */
		vc_step_begin(c->tl);
		if (ns_apply_sysctls(spec, err) < 0)
			return -1;
		vc_step(c->tl, "sysctl",
		        "wrote %zu namespaced sysctls under /proc/sys (first: %s = %s)",
		        spec->n_sysctls, spec->sysctl_keys[0], spec->sysctl_values[0]);
	}
	if (mounts_finish(&env, spec, err) < 0)
		return -1;
	return 0;
}

static int load_seccomp(const struct ct_spec *spec, struct vc_timeline *tl, vc_err *err)
{
	int n;

	vc_step_begin(tl);
	n = ct_seccomp_load(spec->seccomp, err);
	if (n < 0)
		return -1;
	vc_step(tl, "seccomp", "loaded a seccomp filter: %d syscall rules, default action 0x%x", n,
	        spec->seccomp->default_action);
	return 0;
}

int child_drop_privileges(const struct ct_spec *spec, struct vc_timeline *tl, vc_err *err)
{
	char b1[700], b2[700];
	int skipped;

	vc_step_begin(tl);
	if (process_set_rlimits(spec, err) < 0)
		return -1;
	if (spec->n_rlimits)
		vc_step(tl, "rlimits", "set %zu resource limits (setrlimit)", spec->n_rlimits);
	vc_step_begin(tl);
	if (caps_drop_bounding(spec->caps[CT_CAP_BOUNDING], err) < 0)
		return -1;
	vc_step(tl, "caps_bounding", "bounding set is now %s; every other capability dropped",
	        caps_describe(spec->caps[CT_CAP_BOUNDING], b1, sizeof(b1)));
	/* Without no_new_privs only a privileged process may load a filter:
	 * load it while we still are one. */
	if (spec->seccomp && !spec->no_new_privileges && load_seccomp(spec, tl, err) < 0)
		return -1;
	vc_step_begin(tl);
	if (process_set_user(spec, err) < 0)
		return -1;
	skipped = caps_set(spec->caps, err);
	if (skipped < 0)
		return -1;
	vc_step(tl, "user_caps", "uid %u gid %u (+%zu groups); effective %s; ambient %s%s",
	        (unsigned)spec->uid, (unsigned)spec->gid, spec->n_additional_gids,
	        caps_describe(spec->caps[CT_CAP_EFFECTIVE], b1, sizeof(b1)),
	        caps_describe(spec->caps[CT_CAP_AMBIENT], b2, sizeof(b2)),
	        skipped ? " (those not also inheritable skipped, as the kernel requires)" : "");
	if (spec->no_new_privileges) {
		vc_step_begin(tl);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return vc_error(err, errno, "process.noNewPrivileges: prctl");
		vc_step(tl, "no_new_privs",
		        "PR_SET_NO_NEW_PRIVS: setuid binaries and file caps grant nothing now");
		if (spec->seccomp && load_seccomp(spec, tl, err) < 0)
			return -1;
	}
	return 0;
}

static void send_steps(struct child *c)
{
	struct sync_msg msg;

	size_t last = c->tl->n;

	if (!c->a->send_steps)
		return;
	/* The parent reads only after we end: stay well inside the pipe's
	 * 64 KiB, or this write would wait forever. */
	if (last - c->first_event > SYNC_MAX_EVENTS)
		last = c->first_event + SYNC_MAX_EVENTS;
	for (size_t i = c->first_event; i < last; i++) {
		memset(&msg, 0, sizeof(msg));
		msg.type = SYNC_EVENT;
		msg.u.ev = c->tl->ev[i];
		if (write(c->a->status_fd, &msg, sizeof(msg)) < 0)
			return;
	}
}

/* `container create`: tell the parent we are set up, then block until
 * `container start` writes a byte into the exec FIFO (we hold it O_RDWR, so
 * the read waits for data instead of seeing end-of-file). */
static int wait_for_start(struct child *c, vc_err *err)
{
	struct sync_msg msg;
	char b;
	ssize_t n;

	vc_step(c->tl, "ready", "child: set up; waiting on the exec FIFO for `container start`");
	send_steps(c);
	/* From here on we outlive `container create`. Killed before it wrote
	 * state.json, create leaves us in the cgroup that the next `container`
	 * command removes. */
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	memset(&msg, 0, sizeof(msg));
	msg.type = SYNC_READY;
	if (write(c->a->status_fd, &msg, sizeof(msg)) != (ssize_t)sizeof(msg))
		return vc_error(err, errno, "telling `container create` we are ready");
	do
		n = read(c->a->exec_fifo_fd, &b, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		return vc_error(err, n < 0 ? errno : 0, "waiting on the exec FIFO");
	/* kept open (close-on-exec) until execve: `container start` waits for
	 * it to close, and reads here why we failed if we do */
	c->started = true;
	return 0;
}

_Noreturn void child_main(const struct child_args *a)
{
	struct child c = {.a = a, .spec = a->spec, .tl = a->tl, .first_event = a->tl->n};
	const struct ct_spec *spec = a->spec;
	vc_err err = {0};

	/* Die with `container run`: the pid namespace goes with us. A created
	 * container dies with `container create` until it is set up (see
	 * wait_for_start), then outlives it, in a session of its own. */
	die_with_parent(a);
	if (a->exec_fifo_fd >= 0)
		setsid();
	umask(0);
	if (spec->n_hooks[CT_HOOK_CREATE_CONTAINER] || spec->n_hooks[CT_HOOK_START_CONTAINER])
		c.host_pid = read_host_pid();
	vc_step(c.tl, "child_start", "child: running in its new namespaces as pid %d",
	        (int)getpid());
	if (join_cgroup(&c, &err) < 0 ||
	    (spec->ns[CT_NS_USER].enabled && !spec->ns[CT_NS_USER].path &&
	     wait_for_parent(&c, &err) < 0) ||
	    ns_join_in_child(a->ns_fds, &err) < 0 || set_identity(&c, &err) < 0 ||
	    build_filesystem(&c, &err) < 0 ||
	    (a->console_fd >= 0 && console_setup(a->console_fd, spec->uid, &err) < 0) ||
	    (a->need_go && wait_for_parent(&c, &err) < 0) ||
	    child_drop_privileges(spec, c.tl, &err) < 0 || process_enter_cwd(spec, &err) < 0 ||
	    (a->exec_fifo_fd >= 0 && wait_for_start(&c, &err) < 0) || start_hooks(&c, &err) < 0)
		child_fail(&c, SYNC_ERROR, &err);
	umask(spec->has_umask ? spec->umask : 022);
	if (a->exec_fifo_fd < 0) {
		/* Changing credentials cleared the parent-death signal: set it again. */
		die_with_parent(a);
		vc_step(c.tl, "exec", "child: execve(\"%s\") as the container process",
		        spec->args[0]);
		send_steps(&c);
	}
	child_reset_signals();
	sigprocmask(SIG_SETMASK, (const sigset_t *)a->sigmask, NULL);
	process_exec(spec, &err);
	child_fail(&c, SYNC_EXEC_ERROR, &err);
}
