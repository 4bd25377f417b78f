/* The parent's side of `container run`: everything that happens outside
 * the container. The child's side is child.c. */
#include "run.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "console.h"
#include "hooks.h"
#include "namespaces.h"
#include "process.h"
#include "procfs.h"
#include "statedir.h"
#include "sync.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* struct clone_args of <linux/sched.h> (that header clashes with glibc's
 * <sched.h>); the layout is part of the kernel ABI. */
struct ct_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
	    set_tid_size, cgroup;
};
#define CT_CLONE_PIDFD       0x1000ull
#define CT_CLONE_INTO_CGROUP 0x200000000ull

/* Signals `container run` passes on to the container. */
static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define N_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

/* Everything the parent holds, so one function can release it all. */
struct parent {
	const struct ct_spec *spec;
	const struct run_opts *opts;
	struct vc_timeline *tl;
	struct cgroup *cg;
	enum cg_mode cg_mode;
	bool need_go;      /* the child must wait for us: id maps, oom_score_adj */
	bool parent_hooks; /* prestart/createRuntime: the child waits for them */
	bool spawned;      /* a container process was made: poststop runs */
	int ns_fds[CT_NS_COUNT];
	int go[2], status[2];
	int pidfd, sigfd;
	int self_pidfd;        /* ours, for the child to see whether we died */
	struct ct_claim claim; /* run: LC_STATE_ROOT/ID, locked while we live */
	bool state_written;    /* run: its state.json, for the other commands */
	pid_t pid;
	sigset_t oldmask;
	struct sigaction oldact[N_FORWARDED], oldpipe;
	bool masked, handlers_set;
};

int run_check_id(const char *id, vc_err *err)
{
	size_t n = strlen(id);

	if (!n || n > 64 ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	               "0123456789_.-") != n ||
	    id[0] == '.')
		return vc_error(err, 0,
		                "container id \"%s\": use 1 to 64 of A-Z a-z 0-9 _ . - "
		                "(not starting with a dot)",
		                id);
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

static int check_rootfs(const struct ct_spec *spec, vc_err *err)
{
	struct stat st, host;

	if (stat(spec->root_path, &st) < 0)
		return vc_error(err, errno, "root.path %s", spec->root_path);
	if (!S_ISDIR(st.st_mode))
		return vc_error(err, 0, "root.path %s: not a directory", spec->root_path);
	/* pivot_root would only say EBUSY */
	if (stat("/", &host) == 0 && st.st_dev == host.st_dev && st.st_ino == host.st_ino)
		return vc_error(err, 0,
		                "%s %s resolves to the host's root directory /: give a "
		                "directory holding the container's files",
		                spec->root_given ? "rootfs" : "root.path",
		                spec->root_given ? spec->root_given : spec->root_path);
	return 0;
}

static int block_signals(struct parent *p, vc_err *err)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaddset(&set, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &set, &p->oldmask) < 0)
		return vc_error(err, errno, "sigprocmask");
	p->masked = true;
	/* An ignored signal never reaches the signalfd (a shell starts its
	 * background jobs with SIGINT ignored): take the default action, which
	 * cannot strike while the signal is blocked. And a child that fails
	 * early closes its pipes: writing to them must give EPIPE, not kill us
	 * before we can report its error. */
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaction(forwarded[i], &(struct sigaction){.sa_handler = SIG_DFL}, &p->oldact[i]);
	sigaction(SIGPIPE, &(struct sigaction){.sa_handler = SIG_IGN}, &p->oldpipe);
	p->handlers_set = true;
	p->sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (p->sigfd < 0)
		return vc_error(err, errno, "signalfd");
	return 0;
}

/* run: hold LC_STATE_ROOT/ID while the container lives (create holds it in
 * lifecycle.c): killed, we leave an unlocked directory that the next
 * `container` command recognises as debris, cgroup included. */
static int claim_id(struct parent *p, vc_err *err)
{
	if (p->opts->create)
		return 0;
	vc_step_begin(p->tl);
	if (statedir_claim(p->opts->id, &p->claim, err) < 0)
		return -1;
	vc_step(p->tl, "claim", "made %s, locked while this command runs", p->claim.dir);
	return 0;
}

static int make_cgroup(struct parent *p, vc_err *err)
{
	vc_step_begin(p->tl);
	/* cgroup_create_at detects the layout (v1, v2, hybrid) and traces it */
	if (cgroup_create_at(p->opts->cgroup_root, p->spec->cgroups_path, p->opts->id,
	                     &p->spec->limits, p->tl, &p->cg, err) < 0) {
		vc_err ignored;

		/* vclab/ID there, with the id ours (claimed): debris of a runtime
		 * that kept no state directory. Removed, and tried again. */
		if (p->spec->cgroups_path ||
		    statedir_remove_stale_cgroup(p->opts->id, &ignored) <= 0 ||
		    cgroup_create_at(p->opts->cgroup_root, NULL, p->opts->id, &p->spec->limits,
		                     p->tl, &p->cg, err) < 0)
			return -1;
	}
	p->cg_mode = cgroup_mode(p->cg);
	/* not vclab/ID: the state directory says where, for later commands */
	if (p->spec->cgroups_path && statedir_save_cgroup(p->opts->id, p->cg, err) < 0)
		return -1;
	return 0;
}

/* A user namespace joined by path next to new namespaces of other types:
 * these must belong to the joined one (runc and crun setns the user
 * namespace, then unshare the rest), so a process in it makes them. A
 * short-lived middle process joins it and clones the container process
 * with CLONE_PARENT (our child, then: waited for through a pidfd as
 * usual), sends its pid and exits. Returns as clone3: 0 in the container
 * process, its pid here (with p->pidfd), -1 with errno. */
static long clone_in_joined_userns(struct parent *p, const struct ct_clone_args *args)
{
	int pp[2], e;
	long pid = -1;
	ssize_t n;
	pid_t mid;

	if (pipe2(pp, O_CLOEXEC) < 0)
		return -1;
	mid = fork();
	if (mid == 0) {
		struct ct_clone_args a = *args;

		/* the middle process, then as the namespace's root (our host
		 * uid means nothing in it: a file made in a tmpfs of its mount
		 * namespace would be EOVERFLOW); the container process joins
		 * nothing more */
		if (setns(p->ns_fds[CT_NS_USER], CLONE_NEWUSER) == 0 && setresgid(0, 0, 0) == 0 &&
		    setresuid(0, 0, 0) == 0) {
			close(p->ns_fds[CT_NS_USER]);
			p->ns_fds[CT_NS_USER] = -1;
			a.flags = (a.flags & ~CT_CLONE_PIDFD) | CLONE_PARENT;
			a.pidfd = 0;
			a.exit_signal = 0; /* CLONE_PARENT: our parent's (SIGCHLD) */
			pid = syscall(SYS_clone3, &a, sizeof(a));
			if (pid == 0) {
				close(pp[0]);
				close(pp[1]);
				return 0;
			}
		}
		if (pid < 0)
			pid = -errno;
		if (write(pp[1], &pid, sizeof(pid)) < 0) {
			/* the parent reads end-of-file instead */
		}
		_exit(0);
	}
	e = errno;
	close(pp[1]);
	if (mid < 0) {
		close(pp[0]);
		errno = e;
		return -1;
	}
	do
		n = read(pp[0], &pid, sizeof(pid));
	while (n < 0 && errno == EINTR);
	close(pp[0]);
	waitpid(mid, NULL, 0);
	if (n != sizeof(pid) || pid < 0) {
		errno = n != sizeof(pid) ? ECHILD : (int)-pid;
		return -1;
	}
	/* our unreaped child: its pid cannot be reused under us */
	p->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (p->pidfd < 0) {
		e = errno;
		kill((pid_t)pid, SIGKILL);
		waitpid((pid_t)pid, NULL, 0);
		errno = e;
		return -1;
	}
	return pid;
}

/* One clone3 with every namespace flag. CLONE_INTO_CGROUP (v2, cgfd >= 0)
 * starts the child in its cgroup, and then a new cgroup namespace can be a
 * clone flag too, rooted there. Otherwise the child moves itself and
 * unshares the cgroup namespace after that. */
static long clone_child(struct parent *p, int cgfd, struct child_args *ca)
{
	struct ct_clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = ns_clone_flags(p->spec) | CT_CLONE_PIDFD;
	if (cgfd >= 0)
		args.flags |= CT_CLONE_INTO_CGROUP;
	else
		args.flags &= ~(uint64_t)CLONE_NEWCGROUP;
	args.pidfd = (uint64_t)(uintptr_t)&p->pidfd;
	args.exit_signal = SIGCHLD;
	args.cgroup = cgfd >= 0 ? (uint64_t)cgfd : 0;
	ca->in_cgroup = cgfd >= 0;
	ca->cgroupns_cloned = (args.flags & CLONE_NEWCGROUP) != 0;
	ca->cg_rel_path = cgfd >= 0 ? cgroup_path(p->cg) + strlen(p->opts->cgroup_root) : NULL;
	if (p->spec->ns[CT_NS_USER].enabled && p->spec->ns[CT_NS_USER].path &&
	    (args.flags & ~(CT_CLONE_PIDFD | CT_CLONE_INTO_CGROUP)))
		return clone_in_joined_userns(p, &args);
	return syscall(SYS_clone3, &args, sizeof(args));
}

static int spawn_child(struct parent *p, vc_err *err)
{
	char buf[200];
	int cgfd = cgroup_fd(p->cg);
	struct child_args ca = {
	    .spec = p->spec,
	    .tl = p->tl,
	    .ns_fds = p->ns_fds,
	    .cg_mode = p->cg_mode,
	    .send_steps = p->opts->child_steps,
	    .sigmask = &p->oldmask,
	    .cg = p->cg,
	    .exec_fifo_fd = p->opts->create ? p->opts->exec_fifo_fd : -1,
	    .parent_pidfd = -1,
	    .id = p->opts->id,
	    .parent_hooks = p->parent_hooks,
	    .console_fd = -1,
	};
	long pid;

	if (pipe2(p->go, O_CLOEXEC) < 0 || pipe2(p->status, O_CLOEXEC) < 0)
		return vc_error(err, errno, "pipe2");
	/* The child sets PR_SET_PDEATHSIG first thing; should we die before
	 * that, it learns it from this pidfd (readable once we have exited). */
	p->self_pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	if (p->self_pidfd < 0)
		return vc_error(err, errno, "pidfd_open of this process");
	ca.parent_pidfd = p->self_pidfd;
	if (ns_join_for_children(p->ns_fds, err) < 0)
		return -1;
	ca.go_fd = p->go[0];
	ca.status_fd = p->status[1];
	if (p->spec->terminal) {
		if (!p->opts->console_socket)
			return vc_error(
			    err, 0,
			    "process.terminal is true: give --console-socket SOCKET (the "
			    "engine's socket that gets the pty), or set it to false");
		ca.console_fd = console_connect(p->opts->console_socket, err);
		if (ca.console_fd < 0)
			return -1;
	}
	p->need_go = ca.need_go =
	    (p->spec->ns[CT_NS_USER].enabled && !p->spec->ns[CT_NS_USER].path) ||
	    p->spec->has_oom_score_adj;
	vc_step_begin(p->tl);
	pid = clone_child(p, cgfd, &ca);
	if (pid < 0 && cgfd >= 0 && errno != ENOMEM && errno != ENOSPC) {
		/* a v2 cgroup CLONE_INTO_CGROUP refuses: the child joins itself */
		cgfd = -1;
		pid = clone_child(p, cgfd, &ca);
	}
	if (pid != 0 && ca.console_fd >= 0)
		close(ca.console_fd); /* the child's copy is the one that counts */
	if (pid < 0)
		return vc_error(err, errno, "clone3 with namespaces %s",
		                ns_describe(p->spec, buf, sizeof(buf)));
	if (pid == 0) {
		close(p->go[1]);
		close(p->status[0]);
		child_main(&ca);
	}
	p->pid = (pid_t)pid;
	p->spawned = true;
	close_fd(&p->go[0]);
	close_fd(&p->status[1]);
	vc_step(p->tl, "clone3", "clone3 -> pid %ld with new namespaces: %s%s", pid,
	        ns_describe(p->spec, buf, sizeof(buf)),
	        cgfd >= 0 ? "; started inside its cgroup (CLONE_INTO_CGROUP)" : "");
	return 0;
}

/* What only the parent can do for the child, then "go". */
static int prepare_child(struct parent *p, vc_err *err)
{
	const struct ct_spec *spec = p->spec;

	if (spec->ns[CT_NS_USER].enabled && !spec->ns[CT_NS_USER].path) {
		vc_step_begin(p->tl);
		if (ns_write_id_maps(p->pid, spec, err) < 0)
			return -1;
		vc_step(p->tl, "id_maps",
		        "wrote uid_map \"%u %u %u\" and gid_map \"%u %u %u\": root inside is "
		        "uid %u outside",
		        spec->uid_maps[0].container_id, spec->uid_maps[0].host_id,
		        spec->uid_maps[0].size, spec->gid_maps[0].container_id,
		        spec->gid_maps[0].host_id, spec->gid_maps[0].size,
		        spec->uid_maps[0].host_id);
	}
	if (spec->has_oom_score_adj) {
		vc_step_begin(p->tl);
		if (process_set_oom_score_adj(p->pid, spec->oom_score_adj, err) < 0)
			return -1;
		vc_step(p->tl, "oom_score_adj", "oom_score_adj = %d", spec->oom_score_adj);
	}
	if (!p->need_go)
		return 0;
	/* EPIPE: the child failed already; its error waits on the status pipe */
	if (write(p->go[1], "g", 1) != 1 && errno != EPIPE)
		return vc_error(err, errno, "telling the child to go on");
	if (!p->parent_hooks)
		close_fd(&p->go[1]);
	return 0;
}

static void add_child_event(struct vc_timeline *tl, const struct vc_event *ev)
{
	if (tl->n < VC_TIMELINE_MAX) {
		tl->ev[tl->n] = *ev;
		tl->ev[tl->n++].track = 1; /* the child's own thread in --timings-format chrome */
	}
}

static int cmp_event(const void *a, const void *b)
{
	const struct vc_event *x = a, *y = b;

	return x->at_ns < y->at_ns ? -1 : x->at_ns > y->at_ns;
}

/* Read the child's messages until its execve closes the pipe. */
/* After the child ended: read what it left in the status pipe (its steps,
 * and an error if setup failed). Reading only now spares a wake-up of ours
 * at exec time, while the container starts. */
static int collect_child_status(struct parent *p, struct run_result *res, vc_err *err)
{
	struct sync_msg msg;

	for (;;) {
		ssize_t n = read(p->status[0], &msg, sizeof(msg));

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			break;
		if (n != (ssize_t)sizeof(msg)) {
			res->exit_code = RUN_EXIT_SETUP;
			return vc_error(err, n < 0 ? errno : 0, "reading the child's status");
		}
		if (msg.type == SYNC_EVENT) {
			add_child_event(p->tl, &msg.u.ev);
			continue;
		}
		*err = msg.u.err;
		err->msg[sizeof(err->msg) - 1] = '\0';
		res->signal = 0;
		res->exit_code = RUN_EXIT_SETUP;
		if (msg.type == SYNC_EXEC_ERROR)
			res->exit_code =
			    err->errnum == ENOENT ? RUN_EXIT_NOTFOUND : RUN_EXIT_NOEXEC;
		return -1;
	}
	qsort(p->tl->ev, p->tl->n, sizeof(p->tl->ev[0]), cmp_event);
	return 0;
}

/* prestart and createRuntime, in our namespaces, while the child waits
 * with its mounts made, before pivot_root (SYNC_HOOKS). */
static int run_parent_hooks(struct parent *p, vc_err *err)
{
	const struct ct_spec *spec = p->spec;
	struct sync_msg msg;

	if (!p->parent_hooks)
		return 0;
	for (;;) {
		ssize_t n = read(p->status[0], &msg, sizeof(msg));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(msg))
			return vc_error(err, n < 0 ? errno : 0,
			                "the container process ended during its setup");
		if (msg.type == SYNC_EVENT) {
			add_child_event(p->tl, &msg.u.ev);
			continue;
		}
		if (msg.type == SYNC_HOOKS)
			break;
		*err = msg.u.err;
		err->msg[sizeof(err->msg) - 1] = '\0';
		return -1;
	}
	vc_step_begin(p->tl);
	if (hooks_run_for(spec, CT_HOOK_PRESTART, p->opts->id, p->pid, err) < 0 ||
	    hooks_run_for(spec, CT_HOOK_CREATE_RUNTIME, p->opts->id, p->pid, err) < 0)
		return -1;
	vc_step(p->tl, "hooks_prestart", "ran %zu prestart and %zu createRuntime hooks",
	        spec->n_hooks[CT_HOOK_PRESTART], spec->n_hooks[CT_HOOK_CREATE_RUNTIME]);
	if (write(p->go[1], "h", 1) != 1 && errno != EPIPE)
		return vc_error(err, errno, "telling the child to go on");
	close_fd(&p->go[1]);
	return 0;
}

/* run: poststart once the process runs (its execve closed the status
 * pipe), poststop once it is gone. Failures are warnings. */
static int run_poststart(struct parent *p, struct run_result *res, vc_err *err)
{
	if (!p->spec->n_hooks[CT_HOOK_POSTSTART])
		return 0;
	if (collect_child_status(p, res, err) < 0)
		return -1;
	hooks_run_for_warn(p->spec, CT_HOOK_POSTSTART, p->opts->id, p->pid);
	return 0;
}

/* run: state.json, so that state, ps, kill, pause, resume, update and exec
 * (with a bundle) find the running container, as after `runc run`. It
 * names this process: valid only while we hold the lock (statedir.h). */
static int write_run_state(struct parent *p, vc_err *err)
{
	unsigned long long start;
	char st;

	vc_step_begin(p->tl);
	if (vc_proc_stat(p->pid, &st, &start) < 0)
		return vc_error(err, errno, "container %s: /proc/%d/stat", p->opts->id,
		                (int)p->pid);
	if (statedir_write_state(p->spec, p->opts->id, p->pid, start, getpid(), err) < 0)
		return -1;
	p->state_written = true;
	vc_step(p->tl, "state", "wrote %s/state.json: running, pid %d", p->claim.dir, (int)p->pid);
	return 0;
}

static void run_poststop(struct parent *p)
{
	if (p->spawned)
		hooks_run_for_warn(p->spec, CT_HOOK_POSTSTOP, p->opts->id, 0);
}

/* create: read the child's messages until it waits before execve (READY),
 * then let it go on without us: no kill, no cgroup removal at release. */
static int wait_until_ready(struct parent *p, struct run_result *res, vc_err *err)
{
	struct sync_msg msg;

	for (;;) {
		ssize_t n = read(p->status[0], &msg, sizeof(msg));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(msg))
			return vc_error(err, n < 0 ? errno : 0,
			                "the container process ended during its setup");
		if (msg.type == SYNC_EVENT) {
			add_child_event(p->tl, &msg.u.ev);
			continue;
		}
		if (msg.type != SYNC_READY) {
			*err = msg.u.err;
			err->msg[sizeof(err->msg) - 1] = '\0';
			return -1;
		}
		break;
	}
	qsort(p->tl->ev, p->tl->n, sizeof(p->tl->ev[0]), cmp_event);
	vc_step(p->tl, "created", "pid %d waits before execve for `container start`", (int)p->pid);
	res->pid = p->pid;
	res->exit_code = 0;
	p->pid = 0;
	/* The cgroup outlives this process: `container delete` removes it.
	 * Its struct (and open fds) go when we exit, right after. */
	p->cg = NULL;
	return 0;
}

static int send_signal(struct parent *p, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, p->pidfd, sig, NULL, 0);
}

/* Forward signals until the container process ends. A second SIGINT or
 * SIGTERM kills it: a pid 1 without a handler ignores both. */
static int wait_for_exit(struct parent *p, struct run_result *res, vc_err *err)
{
	struct pollfd fds[2] = {{p->pidfd, POLLIN, 0}, {p->sigfd, POLLIN, 0}};
	unsigned stops = 0;
	siginfo_t info;

	for (;;) {
		struct signalfd_siginfo si;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return vc_error(err, errno, "poll");
		}
		if (fds[0].revents)
			break;
		if (read(p->sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
			stops++;
		vc_trace(p->tl, "got signal %u, %s", si.ssi_signo,
		         stops > 1 ? "second stop request: SIGKILL to the container"
		                   : "forwarded to the container");
		send_signal(p, stops > 1 ? SIGKILL : (int)si.ssi_signo);
	}
	memset(&info, 0, sizeof(info));
	if (waitid((idtype_t)P_PIDFD, (id_t)p->pidfd, &info, WEXITED) < 0)
		return vc_error(err, errno, "waitid");
	p->pid = 0;
	if (info.si_code == CLD_EXITED) {
		res->exit_code = info.si_status;
	} else {
		res->signal = info.si_status;
		res->exit_code = 128 + info.si_status;
	}
	vc_step(p->tl, "exited", "container process %s %d",
	        res->signal ? "killed by signal" : "exited with status",
	        res->signal ? res->signal : res->exit_code);
	return 0;
}

static void read_cgroup_stats(struct parent *p, struct run_result *res)
{
	uint64_t n = 0;
	vc_err ignored;

	if (cgroup_oom_killed(p->cg, &n, &ignored) == 0 && n > 0)
		res->oom_killed = true;
	if (cgroup_memory_peak(p->cg, &res->memory_peak, &ignored) < 0)
		res->memory_peak = 0;
}

/* Release everything; on the error path also the child. */
static int release(struct parent *p, vc_err *err)
{
	int rc = 0;

	if (p->pid > 0) {
		if (p->pidfd >= 0)
			send_signal(p, SIGKILL);
		else
			kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		p->pid = 0;
	}
	if (p->cg) {
		vc_err ignored;

		vc_step_begin(p->tl);
		/* pause or update may have made more while state.json showed us */
		if (p->state_written)
			cgroup_add_later_dirs(p->cg, &ignored);
		rc = cgroup_destroy(p->cg, err);
		p->cg = NULL;
		if (rc == 0)
			vc_step(p->tl, "cgroup_removed", "removed the container's cgroup");
	}
	/* The state directory goes with the cgroup; should the cgroup stay
	 * (the kernel kept a directory), it stays too, unlocked: the next
	 * `container` command tries again. */
	if (rc == 0)
		statedir_release(&p->claim);
	else
		statedir_unlock(&p->claim);
	ns_close_paths(p->ns_fds);
	close_fd(&p->go[0]);
	close_fd(&p->go[1]);
	close_fd(&p->status[0]);
	close_fd(&p->status[1]);
	close_fd(&p->pidfd);
	close_fd(&p->sigfd);
	close_fd(&p->self_pidfd);
	if (p->handlers_set) {
		for (size_t i = 0; i < N_FORWARDED; i++)
			sigaction(forwarded[i], &p->oldact[i], NULL);
		sigaction(SIGPIPE, &p->oldpipe, NULL);
	}
	if (p->masked)
		sigprocmask(SIG_SETMASK, &p->oldmask, NULL);
	return rc;
}

/* Without a mount namespace the container shares the caller's mounts: what
 * would change them is left out, with one warning (as the rule for
 * options that cannot be applied). */
static void warn_no_mount_ns(const struct ct_spec *spec)
{
	if (spec->ns[CT_NS_MOUNT].enabled ||
	    !(spec->n_mounts || spec->n_masked_paths || spec->n_readonly_paths || spec->n_devices ||
	      spec->root_readonly))
		return;
	fprintf(stderr,
	        "container: warning: no \"mount\" namespace: %zu mounts, %zu masked and %zu "
	        "read-only paths, %zu linux.devices%s not applied (they would change the "
	        "caller's mounts); the process only gets a chroot into %s\n",
	        spec->n_mounts, spec->n_masked_paths, spec->n_readonly_paths, spec->n_devices,
	        spec->root_readonly ? " and root.readonly" : "", spec->root_path);
}

int run_container(const struct ct_spec *spec, const struct run_opts *opts, struct run_result *res,
                  vc_err *err)
{
	struct parent p = {
	    .spec = spec,
	    .opts = opts,
	    .tl = opts->tl,
	    .go = {-1, -1},
	    .status = {-1, -1},
	    .pidfd = -1,
	    .sigfd = -1,
	    .self_pidfd = -1,
	    .claim = {.lock_fd = -1},
	};
	vc_err cleanup_err;

	memset(res, 0, sizeof(*res));
	res->exit_code = RUN_EXIT_SETUP;
	for (int k = 0; k < CT_NS_COUNT; k++)
		p.ns_fds[k] = -1;
	p.parent_hooks = spec->n_hooks[CT_HOOK_PRESTART] || spec->n_hooks[CT_HOOK_CREATE_RUNTIME];
	warn_no_mount_ns(spec);
	if (run_check_id(opts->id, err) < 0 || spec_validate(spec, err) < 0 ||
	    check_rootfs(spec, err) < 0 || ns_open_paths(spec, p.ns_fds, err) < 0 ||
	    block_signals(&p, err) < 0 || claim_id(&p, err) < 0 || make_cgroup(&p, err) < 0 ||
	    spawn_child(&p, err) < 0 || prepare_child(&p, err) < 0 ||
	    run_parent_hooks(&p, err) < 0 ||
	    (opts->pid_file && !opts->create &&
	     statedir_write_pid_file(opts->pid_file, p.pid, err) < 0))
		goto fail;
	if (opts->create) {
		if (wait_until_ready(&p, res, err) < 0)
			goto fail;
		return release(&p, err);
	}
	if (run_poststart(&p, res, err) < 0 || write_run_state(&p, err) < 0)
		goto fail;
	/* what killed commands left (main.c does it first for the others):
	 * while the container runs, not before it starts */
	statedir_sweep(opts->id);
	if (wait_for_exit(&p, res, err) < 0) {
		res->exit_code = RUN_EXIT_SETUP;
		goto fail;
	}
	if (collect_child_status(&p, res, err) < 0)
		goto fail;
	read_cgroup_stats(&p, res);
	if (release(&p, err) < 0) {
		vc_error_wrap(err, "removing the cgroup");
		return -1;
	}
	run_poststop(&p);
	return 0;
fail:
	release(&p, &cleanup_err);
	run_poststop(&p);
	return -1;
}
