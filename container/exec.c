/* `container exec` (see exec.h): the command line, the host side (find the
 * container, open what the new process needs, clone it, wait for it) and
 * the joining process's side, which ends in execve. */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/keyctl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console.h"
#include "error.h"
#include "lifecycle.h"
#include "parse.h"
#include "process.h"
#include "runtime.h"
#include "run.h"
#include "spec.h"
#include "statedir.h"
#include "sync.h"
#include "timeline.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define EXEC_EXIT_ERROR 1
#define MAX_CGROUPS     16 /* hierarchies joined (v1 has about a dozen) */

/* struct clone_args of <linux/sched.h> (see run.c) */
struct exec_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
	    set_tid_size, cgroup;
};
#define EXEC_CLONE_PIDFD       0x1000ull
#define EXEC_CLONE_INTO_CGROUP 0x200000000ull

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
#define N_FORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

struct exec_cli {
	const char *process_file, *pid_file, *console_socket, *cwd, *user, *id;
	const char **env;
	size_t n_env;
	char **args;
	size_t n_args;
	bool detach, tty, trace;
};

/* Everything the host side holds, so that one function releases it. */
struct exec_ctx {
	struct exec_cli cli;
	struct ct_spec spec;
	struct vc_timeline *tl;
	char bundle[PATH_MAX];
	pid_t ct_pid;   /* the container's process, as the host sees it */
	int ct_pidfd;   /* its pidfd: setns joins its namespaces at once */
	int root_fd;    /* /proc/PID/root (O_PATH): the container's root */
	int console_fd; /* process.terminal: the --console-socket connection */
	int ns_parent;  /* CLONE_NEW* joined before clone (pid, time) */
	int ns_child;   /* CLONE_NEW* the new process joins (user, mount, ...) */
	int cg_fds[MAX_CGROUPS];
	size_t n_cg;     /* files the new process writes "0" to */
	int cg2_dir_fd;  /* the v2 cgroup, for CLONE_INTO_CGROUP; -1 none */
	int cg2_procs;   /* its cgroup.procs, should CLONE_INTO_CGROUP fail */
	bool cg2_cloned; /* the new process was born in the v2 cgroup */
	char cg_desc[256];
	int status[2]; /* joining process -> host: its error (close-on-exec) */
	int sigfd, pidfd;
	pid_t pid;
	sigset_t oldmask;
	bool masked;
};

static const char usage_text[] =
    "usage: container exec [options] ID [--] CMD [ARG...]\n"
    "       container exec [options] --process FILE ID\n"
    "Runs CMD in the created or running container ID: in its namespaces, cgroup\n"
    "and root, with the capabilities, rlimits, no_new_privs and seccomp filter of\n"
    "its config.json (or of FILE), like `runc exec`.\n"
    "  --process FILE      an OCI \"process\" object (JSON) instead of CMD\n"
    "  -d, --detach        return once CMD started (exit 0), do not wait for it\n"
    "  --pid-file FILE     write CMD's pid (as this host sees it) to FILE\n"
    "  --cwd DIR           working directory inside (absolute)\n"
    "  -e, --env K=V       set an environment variable (repeatable)\n"
    "  -u, --user UID[:GID]  run as UID (and GID) inside\n"
    "  -t, --tty           a pty (from the container's /dev/ptmx) as stdin, stdout\n"
    "                      and stderr; its master goes to --console-socket\n"
    "  --console-socket SOCK  unix socket that gets the pty's master (SCM_RIGHTS)\n"
    "  --trace             print each step, with its time, on stderr\n"
    "Exit status: CMD's (128+N when signal N killed it); with --detach 0 once it\n"
    "started; 126 CMD not executable, 127 not found, 1 any other error.\n";

enum {
	OPT_PROCESS = 256,
	OPT_PID_FILE,
	OPT_CONSOLE_SOCKET,
	OPT_CWD,
	OPT_TRACE,
};

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* ---- command line ------------------------------------------------------- */

static int parse_args(int argc, char **argv, struct exec_cli *c, vc_err *err)
{
	static const struct option opts[] = {
	    {"process", required_argument, NULL, OPT_PROCESS},
	    {"detach", no_argument, NULL, 'd'},
	    {"pid-file", required_argument, NULL, OPT_PID_FILE},
	    {"tty", no_argument, NULL, 't'},
	    {"console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET},
	    {"cwd", required_argument, NULL, OPT_CWD},
	    {"env", required_argument, NULL, 'e'},
	    {"user", required_argument, NULL, 'u'},
	    {"trace", no_argument, NULL, OPT_TRACE},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int o;

	c->env = calloc((size_t)argc, sizeof(*c->env));
	if (!c->env)
		return vc_error(err, ENOMEM, "exec");
	opterr = 0;
	optind = 1;
	while ((o = getopt_long(argc, argv, "+dte:u:h", opts, NULL)) != -1) {
		switch (o) {
		case OPT_PROCESS:
			c->process_file = optarg;
			break;
		case 'd':
			c->detach = true;
			break;
		case OPT_PID_FILE:
			c->pid_file = optarg;
			break;
		case 't':
			c->tty = true;
			break;
		case OPT_CONSOLE_SOCKET:
			c->console_socket = optarg;
			break;
		case OPT_CWD:
			c->cwd = optarg;
			break;
		case 'e':
			c->env[c->n_env++] = optarg;
			break;
		case 'u':
			c->user = optarg;
			break;
		case OPT_TRACE:
			c->trace = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			return vc_error(err, 0,
			                "exec: unknown or incomplete option '%s' (see container "
			                "exec --help)",
			                argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return vc_error(err, 0, "exec: no container id given (see container exec --help)");
	c->id = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	c->args = argv + optind;
	c->n_args = (size_t)(argc - optind);
	if (c->process_file && c->n_args)
		return vc_error(err, 0, "exec: give either --process FILE or a command, not both");
	if (!c->process_file && !c->n_args)
		return vc_error(err, 0,
		                "exec %s: no command given (container exec ID CMD [ARG...], or "
		                "--process FILE)",
		                c->id);
	if (c->cwd && c->cwd[0] != '/')
		return vc_error(err, 0, "exec --cwd \"%s\": not an absolute path", c->cwd);
	return 0;
}

/* The process to run: config.json's (or FILE's), then the options. */
static int build_process(struct exec_ctx *x, vc_err *err)
{
	struct exec_cli *c = &x->cli;
	struct ct_spec *spec = &x->spec;

	vc_step_begin(x->tl);
	if (spec_load_bundle(spec, x->bundle, err) < 0)
		return vc_error_wrap(err, "container %s", c->id);
	if (c->process_file) {
		if (spec_load_process(spec, c->process_file, err) < 0)
			return vc_error_wrap(err, "exec --process");
		rt_warn_unknown(spec->n_unknown, spec->unknown, c->process_file);
	} else {
		spec->terminal = c->tty;
		spec->args = spec_alloc(spec, (c->n_args + 1) * sizeof(*spec->args));
		if (!spec->args)
			return vc_error(err, ENOMEM, "exec");
		for (size_t i = 0; i < c->n_args; i++)
			spec->args[i] = c->args[i];
		spec->args[c->n_args] = NULL;
		spec->n_args = c->n_args;
	}
	for (size_t i = 0; i < c->n_env; i++)
		if (spec_setenv(spec, c->env[i], err) < 0)
			return -1;
	if (c->cwd)
		spec->cwd = c->cwd;
	if (c->user) {
		char *colon = strchr(c->user, ':');
		char uid[32];
		uint64_t v;

		if ((size_t)snprintf(uid, sizeof(uid), "%.*s",
		                     (int)(colon ? (size_t)(colon - c->user) : strlen(c->user)),
		                     c->user) >= sizeof(uid) ||
		    vc_parse_uint(uid, 0, UINT32_MAX - 1, &v, "exec --user UID", err) < 0)
			return vc_error_wrap(err, "exec --user \"%s\"", c->user);
		spec->uid = (uid_t)v;
		if (colon) {
			if (vc_parse_uint(colon + 1, 0, UINT32_MAX - 1, &v, "exec --user GID",
			                  err) < 0)
				return vc_error_wrap(err, "exec --user \"%s\"", c->user);
			spec->gid = (gid_t)v;
		}
	}
	if (!spec->n_args || !spec->args[0] || !spec->args[0][0])
		return vc_error(err, 0, "exec %s: empty command", c->id);
	if (spec->terminal) {
		if (!c->console_socket)
			return vc_error(err, 0,
			                "exec %s: a terminal (--tty or process.terminal) needs "
			                "--console-socket SOCKET",
			                c->id);
		x->console_fd = console_connect(c->console_socket, err);
		if (x->console_fd < 0)
			return -1;
	}
	vc_step(x->tl, "exec_spec", "process %s from %s (uid %u gid %u, cwd %s)", spec->args[0],
	        c->process_file ? c->process_file : "the command line", (unsigned)spec->uid,
	        (unsigned)spec->gid, spec->cwd);
	return 0;
}

/* ---- the container's namespaces, root and cgroups ----------------------- */

static const struct {
	const char *file;
	int flag;
	bool before_clone; /* setns of these only changes our children's */
} ns_files[] = {
    {"user", CLONE_NEWUSER, false}, {"mnt", CLONE_NEWNS, false},
    {"net", CLONE_NEWNET, false},   {"ipc", CLONE_NEWIPC, false},
    {"uts", CLONE_NEWUTS, false},   {"cgroup", CLONE_NEWCGROUP, false},
    {"pid", CLONE_NEWPID, true},    {"time", CLONE_NEWTIME, true},
};

/* Which of the container's namespaces differ from ours (joining our own
 * user namespace is an error; the others would be no-ops). */
static int find_namespaces(struct exec_ctx *x, vc_err *err)
{
	char path[64], names[128] = "";
	size_t len = 0;

	for (size_t i = 0; i < sizeof(ns_files) / sizeof(ns_files[0]); i++) {
		struct stat theirs, ours;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)x->ct_pid, ns_files[i].file);
		if (stat(path, &theirs) < 0) {
			if (errno == ENOENT && !strcmp(ns_files[i].file, "time"))
				continue; /* a kernel without time namespaces */
			return vc_error(err, errno, "container %s: %s", x->cli.id, path);
		}
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_files[i].file);
		if (stat(path, &ours) < 0)
			return vc_error(err, errno, "%s", path);
		if (theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev)
			continue;
		if (ns_files[i].before_clone)
			x->ns_parent |= ns_files[i].flag;
		else
			x->ns_child |= ns_files[i].flag;
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", len ? "," : "",
		                        ns_files[i].file);
	}
	vc_step(x->tl, "exec_ns", "pid %d: its namespaces other than ours: %s", (int)x->ct_pid,
	        len ? names : "none");
	return 0;
}

/* One line of /proc/PID/cgroup: "ID:CONTROLLERS:/PATH". */
struct cg_line {
	char hier[16], controllers[128], path[PATH_MAX];
};

static int read_cgroups(const char *file, struct cg_line *lines, size_t *n, vc_err *err)
{
	char buf[PATH_MAX + 160];
	FILE *f = fopen(file, "re");

	*n = 0;
	if (!f)
		return vc_error(err, errno, "%s", file);
	while (*n < MAX_CGROUPS && fgets(buf, sizeof(buf), f)) {
		char *c1 = strchr(buf, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		struct cg_line *l = &lines[*n];

		if (!c2)
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(l->hier, sizeof(l->hier), "%.*s", (int)(c1 - buf), buf);
		snprintf(l->controllers, sizeof(l->controllers), "%.*s", (int)(c2 - c1 - 1),
		         c1 + 1);
		snprintf(l->path, sizeof(l->path), "%s", c2 + 1);
		(*n)++;
	}
	fclose(f);
	return 0;
}

/* Is every word of the comma list want among the comma list have? */
static bool all_words_in(const char *want, const char *have)
{
	char w[128], h[512], *save = NULL;

	snprintf(w, sizeof(w), "%s", want);
	for (char *tok = strtok_r(w, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *hsave = NULL;
		bool found = false;

		snprintf(h, sizeof(h), "%s", have);
		for (char *t = strtok_r(h, ",", &hsave); t && !found;
		     t = strtok_r(NULL, ",", &hsave))
			found = !strcmp(t, tok);
		if (!found)
			return false;
	}
	return true;
}

/* The directory of the hierarchy of l in our mount table: a cgroup2 mount
 * for "0::", else the cgroup mount whose options hold l's controllers. */
static int cgroup_dir(const struct cg_line *l, char *out, size_t len, vc_err *err)
{
	bool v2 = !strcmp(l->hier, "0") && !l->controllers[0];
	char line[2048];
	int rc = -1;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return vc_error(err, errno, "/proc/self/mountinfo");
	while (rc < 0 && fgets(line, sizeof(line), f)) {
		char root[PATH_MAX], mnt[PATH_MAX], fstype[32], opts[512];
		const char *sep = strstr(line, " - ");
		size_t rl;

		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
		    sscanf(sep + 3, "%31s %*s %511s", fstype, opts) != 2)
			continue;
		if (v2 ? strcmp(fstype, "cgroup2")
		       : strcmp(fstype, "cgroup") || !all_words_in(l->controllers, opts))
			continue;
		/* a mount of a subtree: the path must lie under its root */
		rl = strcmp(root, "/") ? strlen(root) : 0;
		if (rl && (strncmp(l->path, root, rl) || (l->path[rl] && l->path[rl] != '/')))
			continue;
		if ((size_t)snprintf(out, len, "%s%s", mnt, l->path + rl) < len)
			rc = 0;
	}
	fclose(f);
	if (rc < 0)
		return vc_error(err, 0, "no mount of the cgroup hierarchy %s:%s (for %s)", l->hier,
		                l->controllers, l->path);
	return 0;
}

/* Open, in every hierarchy where the container's process is in another
 * cgroup than ours, the file the new process joins it through: v1 "tasks"
 * (a thread moving itself skips the kernel's global lock), v2 the
 * directory for CLONE_INTO_CGROUP and cgroup.procs. */
static int open_cgroups(struct exec_ctx *x, vc_err *err)
{
	struct cg_line theirs[MAX_CGROUPS], ours[MAX_CGROUPS];
	size_t nt, no, dl = 0;
	char file[64], dir[PATH_MAX], path[PATH_MAX + 16];

	vc_step_begin(x->tl);
	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)x->ct_pid);
	if (read_cgroups(file, theirs, &nt, err) < 0 ||
	    read_cgroups("/proc/self/cgroup", ours, &no, err) < 0)
		return -1;
	for (size_t i = 0; i < nt; i++) {
		const struct cg_line *t = &theirs[i];
		bool same = false;

		for (size_t j = 0; j < no && !same; j++)
			same = !strcmp(ours[j].hier, t->hier) && !strcmp(ours[j].path, t->path);
		if (same)
			continue;
		if (cgroup_dir(t, dir, sizeof(dir), err) < 0)
			return vc_error_wrap(err, "container %s", x->cli.id);
		if (!t->controllers[0] && !strcmp(t->hier, "0")) {
			x->cg2_dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
			if (x->cg2_dir_fd < 0 ||
			    (x->cg2_procs = open(path, O_WRONLY | O_CLOEXEC)) < 0)
				return vc_error(err, errno, "container %s: cgroup %s", x->cli.id,
				                dir);
		} else {
			int fd;

			snprintf(path, sizeof(path), "%s/tasks", dir);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd < 0)
				return vc_error(err, errno, "container %s: cgroup %s", x->cli.id,
				                path);
			x->cg_fds[x->n_cg++] = fd;
		}
		if (dl < sizeof(x->cg_desc))
			dl += (size_t)snprintf(x->cg_desc + dl, sizeof(x->cg_desc) - dl, "%s%s",
			                       dl ? " " : "", dir);
	}
	vc_step(x->tl, "exec_cgroups", "its cgroups: %s", dl ? x->cg_desc : "the same as ours");
	return 0;
}

/* The container's process, checked to be it, and what the new process
 * needs of it: namespaces, root, cgroups. Its pidfd still not readable
 * (alive) after all that proves every /proc/PID path above was its own. */
static int find_container(struct exec_ctx *x, vc_err *err)
{
	char path[64];
	struct pollfd pfd;

	vc_step_begin(x->tl);
	if (lifecycle_open_process(x->cli.id, &x->ct_pidfd, &x->ct_pid, x->bundle,
	                           sizeof(x->bundle), err) < 0)
		return -1;
	vc_step(x->tl, "exec_state", "container %s: pid %d, bundle %s", x->cli.id, (int)x->ct_pid,
	        x->bundle);
	if (build_process(x, err) < 0)
		return -1;
	vc_step_begin(x->tl);
	if (find_namespaces(x, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)x->ct_pid);
	x->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (x->root_fd < 0)
		return vc_error(err, errno, "container %s: %s", x->cli.id, path);
	if (open_cgroups(x, err) < 0)
		return -1;
	pfd = (struct pollfd){.fd = x->ct_pidfd, .events = POLLIN};
	if (poll(&pfd, 1, 0) != 0)
		return vc_error(err, 0, "container %s: its process %d ended", x->cli.id,
		                (int)x->ct_pid);
	return 0;
}

/* ---- the joining process ------------------------------------------------ */

static _Noreturn void child_fail(struct exec_ctx *x, int type, const vc_err *err)
{
	struct sync_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.type = type;
	msg.u.err = *err;
	if (write(x->status[1], &msg, sizeof(msg)) < 0) {
		/* the host side is gone; nobody to tell */
	}
	_exit(EXEC_EXIT_ERROR);
}

/* Still the host's root: write "0" (ourselves) into each cgroup file. */
static int child_join_cgroups(struct exec_ctx *x, vc_err *err)
{
	vc_step_begin(x->tl);
	for (size_t i = 0; i < x->n_cg; i++)
		if (write(x->cg_fds[i], "0", 1) != 1)
			return vc_error(err, errno, "joining the container's cgroups (%s)",
			                x->cg_desc);
	if (x->cg2_procs >= 0 && !x->cg2_cloned && write(x->cg2_procs, "0", 1) != 1)
		return vc_error(err, errno, "joining the container's cgroup v2 (%s)", x->cg_desc);
	if (x->n_cg || x->cg2_procs >= 0)
		vc_step(x->tl, "exec_cgroup_join", "in the container's cgroups%s",
		        x->cg2_cloned ? " (v2: born there, CLONE_INTO_CGROUP)" : "");
	return 0;
}

/* Every namespace at once (user first, the kernel orders them), then the
 * container's root as its process sees it. */
static int child_enter(struct exec_ctx *x, vc_err *err)
{
	char cwd[PATH_MAX];

	vc_step_begin(x->tl);
	if (x->ns_child && setns(x->ct_pidfd, x->ns_child) < 0)
		return vc_error(err, errno, "joining the namespaces of container %s", x->cli.id);
	/* a credential change may have made us dumpable again (suid_dumpable) */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (fchdir(x->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return vc_error(err, errno, "entering the root of container %s", x->cli.id);
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/"))
		return vc_error(err, errno, "container %s: not at its root after chroot",
		                x->cli.id);
	vc_step(x->tl, "exec_join",
	        "setns(pidfd of %d) into its namespaces; chroot to its root (/proc/%d/root)",
	        (int)x->ct_pid, (int)x->ct_pid);
	return 0;
}

/* No descriptor of the host survives but stdin, stdout, stderr and the
 * status pipe (close-on-exec, moved to 3): no /proc/self/fd/N of ours
 * leads back to the host. */
static int child_close_fds(struct exec_ctx *x, vc_err *err)
{
	vc_step_begin(x->tl);
	if (x->status[1] != 3) {
		if (dup3(x->status[1], 3, O_CLOEXEC) < 0)
			return vc_error(err, errno, "dup3 of the status pipe");
		x->status[1] = 3;
	}
	if (close_range(4, ~0u, 0) < 0)
		return vc_error(err, errno, "close_range(4, ~0)");
	vc_step(x->tl, "exec_close_fds",
	        "closed every descriptor above 3 (3: status pipe, "
	        "close-on-exec)");
	return 0;
}

static int child_cwd(struct exec_ctx *x, vc_err *err)
{
	char cwd[PATH_MAX];

	if (process_enter_cwd(&x->spec, err) < 0)
		return -1;
	/* outside our root, the kernel's path starts "(unreachable)" and
	 * getcwd fails: a directory the container must not reach */
	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		return vc_error(err, errno, "process.cwd %s lies outside the container's root",
		                x->spec.cwd);
	return 0;
}

static _Noreturn void exec_child(struct exec_ctx *x)
{
	vc_err err = {0};

	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* inherited already; to be sure */
	close_fd(&x->status[0]);
	if (child_join_cgroups(x, &err) < 0 || child_enter(x, &err) < 0)
		child_fail(x, SYNC_ERROR, &err);
	if (x->console_fd >= 0) {
		vc_step_begin(x->tl);
		if (console_setup(x->console_fd, x->spec.uid, &err) < 0)
			child_fail(x, SYNC_ERROR, &err);
		x->console_fd = -1;
		vc_step(x->tl, "exec_console",
		        "a pty of the container's devpts, its master sent "
		        "to --console-socket");
	}
	if (child_close_fds(x, &err) < 0)
		child_fail(x, SYNC_ERROR, &err);
	if (!x->spec.no_new_keyring &&
	    syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL, 0, 0, 0) < 0) {
		vc_error(&err, errno, "joining a new session keyring");
		child_fail(x, SYNC_ERROR, &err);
	}
	if (child_drop_privileges(&x->spec, x->tl, &err) < 0 || child_cwd(x, &err) < 0)
		child_fail(x, SYNC_ERROR, &err);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (getenv(EXEC_TEST_STOP_ENV))
		raise(SIGSTOP);
	umask(x->spec.has_umask ? x->spec.umask : 022);
	vc_step(x->tl, "exec", "execve(\"%s\") in container %s", x->spec.args[0], x->cli.id);
	child_reset_signals();
	sigprocmask(SIG_SETMASK, &x->oldmask, NULL);
	process_exec(&x->spec, &err);
	child_fail(x, SYNC_EXEC_ERROR, &err);
}

/* ---- the host side ------------------------------------------------------ */

static int block_signals(struct exec_ctx *x, vc_err *err)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < N_FORWARDED; i++)
		sigaddset(&set, forwarded[i]);
	if (sigprocmask(SIG_BLOCK, &set, &x->oldmask) < 0)
		return vc_error(err, errno, "sigprocmask");
	x->masked = true;
	x->sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (x->sigfd < 0)
		return vc_error(err, errno, "signalfd");
	return 0;
}

static long clone_into(struct exec_ctx *x, bool into_cgroup)
{
	struct exec_clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = EXEC_CLONE_PIDFD | (into_cgroup ? EXEC_CLONE_INTO_CGROUP : 0);
	args.pidfd = (uint64_t)(uintptr_t)&x->pidfd;
	args.exit_signal = SIGCHLD;
	args.cgroup = into_cgroup ? (uint64_t)x->cg2_dir_fd : 0;
	x->cg2_cloned = into_cgroup;
	return syscall(SYS_clone3, &args, sizeof(args));
}

/* The new process: born in the container's pid namespace (we join it
 * "for children" first), non-dumpable from the start. */
static int spawn(struct exec_ctx *x, vc_err *err)
{
	long pid;

	if (pipe2(x->status, O_CLOEXEC) < 0)
		return vc_error(err, errno, "pipe2");
	/* inherited by the clone: nothing inside can open its /proc/PID/exe
	 * (our binary) or /proc/PID/fd/N while it sets itself up */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return vc_error(err, errno, "prctl(PR_SET_DUMPABLE, 0)");
	vc_step_begin(x->tl);
	if (x->ns_parent && setns(x->ct_pidfd, x->ns_parent) < 0)
		return vc_error(err, errno, "joining the pid namespace of container %s", x->cli.id);
	pid = clone_into(x, x->cg2_dir_fd >= 0);
	if (pid < 0 && x->cg2_dir_fd >= 0 && errno != ENOMEM && errno != ENOSPC)
		pid = clone_into(x, false); /* the child writes cgroup.procs */
	if (pid < 0)
		return vc_error(err, errno, "clone3 into container %s", x->cli.id);
	if (pid == 0)
		exec_child(x);
	x->pid = (pid_t)pid;
	close_fd(&x->status[1]);
	vc_step(x->tl, "exec_clone", "clone3 -> pid %ld, in the container's pid namespace%s", pid,
	        x->cg2_cloned ? " and v2 cgroup" : "");
	return 0;
}

/* Until the new process execs (the status pipe closes) or reports why it
 * could not. */
static int wait_started(struct exec_ctx *x, int *code, vc_err *err)
{
	struct sync_msg msg;
	ssize_t n;

	do
		n = read(x->status[0], &msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(msg))
		return vc_error(err, n < 0 ? errno : 0, "reading the status of the new process");
	*err = msg.u.err;
	err->msg[sizeof(err->msg) - 1] = '\0';
	if (msg.type == SYNC_EXEC_ERROR)
		*code = err->errnum == ENOENT ? RUN_EXIT_NOTFOUND : RUN_EXIT_NOEXEC;
	return -1;
}

/* Forward signals until the process ends; its status becomes ours. */
static int wait_exit(struct exec_ctx *x, int *code, vc_err *err)
{
	struct pollfd fds[2] = {{x->pidfd, POLLIN, 0}, {x->sigfd, POLLIN, 0}};
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
		if (read(x->sigfd, &si, sizeof(si)) != sizeof(si))
			continue;
		vc_trace(x->tl, "got signal %u, forwarded", si.ssi_signo);
		syscall(SYS_pidfd_send_signal, x->pidfd, (int)si.ssi_signo, NULL, 0);
	}
	memset(&info, 0, sizeof(info));
	if (waitid((idtype_t)P_PIDFD, (id_t)x->pidfd, &info, WEXITED) < 0)
		return vc_error(err, errno, "waitid");
	x->pid = 0;
	*code = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
	vc_step(x->tl, "exited", "pid %d %s %d", (int)info.si_pid,
	        info.si_code == CLD_EXITED ? "exited with status" : "killed by signal",
	        info.si_status);
	return 0;
}

static void release(struct exec_ctx *x)
{
	if (x->pid > 0) {
		/* started neither detached nor waited for: a failure path */
		if (x->pidfd >= 0)
			syscall(SYS_pidfd_send_signal, x->pidfd, SIGKILL, NULL, 0);
		waitpid(x->pid, NULL, 0);
	}
	close_fd(&x->status[0]);
	close_fd(&x->status[1]);
	close_fd(&x->ct_pidfd);
	close_fd(&x->root_fd);
	close_fd(&x->console_fd);
	close_fd(&x->cg2_dir_fd);
	close_fd(&x->cg2_procs);
	for (size_t i = 0; i < x->n_cg; i++)
		close_fd(&x->cg_fds[i]);
	close_fd(&x->pidfd);
	close_fd(&x->sigfd);
	if (x->masked)
		sigprocmask(SIG_SETMASK, &x->oldmask, NULL);
	spec_free(&x->spec);
	free(x->cli.env);
	free(x->tl);
}

int exec_main(int argc, char **argv)
{
	struct exec_ctx x = {
	    .ct_pidfd = -1,
	    .root_fd = -1,
	    .console_fd = -1,
	    .cg2_dir_fd = -1,
	    .cg2_procs = -1,
	    .status = {-1, -1},
	    .sigfd = -1,
	    .pidfd = -1,
	};
	vc_err err = {0};
	int code = EXEC_EXIT_ERROR;

	spec_init(&x.spec);
	sigprocmask(SIG_BLOCK, NULL, &x.oldmask);
	x.tl = malloc(sizeof(*x.tl));
	if (!x.tl) {
		fprintf(stderr, "container: out of memory\n");
		return EXEC_EXIT_ERROR;
	}
	if (parse_args(argc, argv, &x.cli, &err) < 0)
		goto fail;
	vc_timeline_init(x.tl, "container", x.cli.trace ? stderr : NULL);
	if (find_container(&x, &err) < 0 || (!x.cli.detach && block_signals(&x, &err) < 0) ||
	    spawn(&x, &err) < 0 || wait_started(&x, &code, &err) < 0)
		goto fail;
	vc_step(x.tl, "started", "pid %d runs %s in container %s", (int)x.pid, x.spec.args[0],
	        x.cli.id);
	if (x.cli.pid_file && statedir_write_pid_file(x.cli.pid_file, x.pid, &err) < 0) {
		code = EXEC_EXIT_ERROR;
		goto fail;
	}
	if (x.cli.detach) {
		x.pid = 0; /* it lives on, adopted by our parent's reaper */
		code = 0;
	} else if (wait_exit(&x, &code, &err) < 0) {
		code = EXEC_EXIT_ERROR;
		goto fail;
	}
	release(&x);
	return code;
fail:
	rt_report(&err);
	release(&x);
	return code;
}
