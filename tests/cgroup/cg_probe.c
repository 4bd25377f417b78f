/* cg_probe: drives the container runtime's cgroup code (container/cgroup*.c)
 * against the real kernel, for tests/e2e/cgroup_limits.sh. Each case
 * creates a cgroup with one limit, starts a child in it the way the runtime
 * does (clone3 into the cgroup on v2, fork + cgroup.procs on v1), lets the
 * child run into the limit, prints what happened as key=value words and
 * destroys the cgroup. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../container/cgroup.h"
#include "parse.h"

#define PROG "cg_probe"

static const char usage[] =
    "usage: cg_probe [--root DIR] [--id ID] [--join HOW] [--touch SIZE] [--trace]\n"
    "                CASE [ARG]\n"
    "\n"
    "Create the cgroup vclab/ID (default ID: cgprobe-PID) with one limit, run a\n"
    "child into that limit, print the result as key=value words, remove the cgroup.\n"
    "\n"
    "cases:\n"
    "  mode          print the cgroup layout (v1, v2 or hybrid) and exit\n"
    "  memory SIZE   memory limit SIZE (e.g. 16M); the child touches 4 x SIZE;\n"
    "                prints signal=9 and oom_kill=N when the OOM killer ended it\n"
    "  pids N        pids limit N; the child forks until the kernel refuses;\n"
    "                prints forks=N-1 and the fork error\n"
    "  cpu CPUS      cpu quota CPUS x 100 ms per 100 ms period (e.g. 0.1); the\n"
    "                child spins for 500 ms; prints its cpu_ms and nr_throttled\n"
    "  bad-cpu       a cpu quota the kernel rejects (100 us): prints the one-line\n"
    "                error and exits 1, leaving no cgroup\n"
    "\n"
    "options:\n"
    "  --root DIR    cgroup mount to use (default /sys/fs/cgroup)\n"
    "  --id ID       container id, the cgroup's directory name\n"
    "  --trace       print each cgroup step (mkdir, file = value) on stderr\n"
    "\n"
    "exit status: 0 when the case ran, 1 on an error, 2 on bad usage\n";

struct probe {
	const char *root;
	char id[64];
	uint64_t touch;   /* memory case: bytes to touch, 0: 4 x the limit */
	const char *join; /* --join: "parent" (cgroup_add_pid), "self", NULL: best */
	struct vc_timeline *tl;
};

/* --- children --- */

struct child_fn {
	int (*fn)(void *arg);
	void *arg;
	bool cgns;   /* give the child a cgroup namespace rooted at its cgroup */
	bool userns; /* the child enters a user namespace before it joins */
};

/* Start fn in a child that runs inside cg, the way the runtime should:
 *   v2:  clone3(CLONE_INTO_CGROUP) puts the child in the cgroup atomically
 *        (and roots a new cgroup namespace there, CLONE_NEWCGROUP);
 *   v1:  the child moves itself (cgroup_enter_self), then unshares its
 *        cgroup namespace;
 *   --join parent: the parent writes the child's pid (cgroup_add_pid);
 *   --join self: the child moves itself on v2 too.
 * The child waits on a pipe until the parent is done, so it never runs
 * outside its limits. */
static pid_t start_child(const struct probe *p, struct cgroup *cg, struct child_fn f, vc_err *err)
{
	bool by_parent = p->join && !strcmp(p->join, "parent");
	bool by_clone = !p->join && cgroup_fd(cg) >= 0;
	bool by_self = !by_parent && !by_clone;
	int go[2];
	pid_t pid = -1;
	char c = 0;

	if (pipe2(go, O_CLOEXEC) < 0)
		return vc_error(err, errno, "pipe");
	if (by_clone) {
		struct clone_args a = {.flags = CLONE_INTO_CGROUP | (f.cgns ? CLONE_NEWCGROUP : 0),
		                       .exit_signal = SIGCHLD,
		                       .cgroup = (uint64_t)cgroup_fd(cg)};

		pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
	} else {
		pid = fork();
	}
	if (pid < 0) {
		vc_error(err, errno, by_clone ? "clone3 into %s" : "fork", cgroup_path(cg));
		goto out;
	}
	if (pid == 0) {
		vc_err cerr;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(127); /* the parent gave up */
		if (f.userns && unshare(CLONE_NEWUSER) < 0)
			_exit(124);
		if (by_self && cgroup_enter_self(cg, &cerr) < 0) {
			vc_error_print(PROG " (child)", &cerr);
			_exit(125);
		}
		if (f.cgns && !by_clone && unshare(CLONE_NEWCGROUP) < 0)
			_exit(126);
		_exit(f.fn(f.arg));
	}
	if (by_parent && cgroup_add_pid(cg, pid, err) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
		goto out;
	}
	if (write(go[1], "g", 1) != 1) {
		vc_error(err, errno, "waking the child");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		pid = -1;
	}
out:
	close(go[0]);
	close(go[1]);
	return pid;
}

static int touch_memory(void *arg)
{
	size_t bytes = *(const size_t *)arg, i;
	volatile char *p =
	    mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 3;
	for (i = 0; i < bytes; i += 4096)
		p[i] = 1;
	return 0;
}

struct fork_job {
	int report_fd;
	unsigned cap; /* stop here even if the limit does not work */
};

static int fork_until_refused(void *arg)
{
	const struct fork_job *job = arg;
	unsigned n = 0;
	int e = 0;
	pid_t p;

	while (n < job->cap) {
		p = fork();
		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0) {
			e = errno;
			break;
		}
		n++;
	}
	dprintf(job->report_fd, "%u %d\n", n, e);
	/* Stay, with the forked children: cgroup_destroy must kill us all. */
	for (;;)
		pause();
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int spin(void *arg)
{
	uint64_t end = now_ms() + *(const unsigned *)arg;

	while (now_ms() < end)
		;
	return 0;
}

/* Print the child's own cgroup as it sees it: the memory hierarchy's line
 * on v1 and hybrid, the unified one ("0::") on v2. */
static int show_own_cgroup(void *arg)
{
	const char *key = arg;
	char line[512];
	FILE *f = fopen("/proc/self/cgroup", "re");

	if (!f)
		return 3;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, key);

		if (p) {
			printf("inside=%s", p + strlen(key));
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return 4;
}

/* Reap every child, including orphans handed to us as subreaper. */
static void reap_all(void)
{
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
}

/* --- cases --- */

static int make_cgroup(struct probe *p, const struct cg_limits *lim, struct cgroup **cg,
                       vc_err *err)
{
	if (cgroup_create(p->root, p->id, lim, p->tl, cg, err) < 0)
		return -1;
	printf("mode=%s path=%s\n", cgroup_mode_name(cgroup_mode(*cg)), cgroup_path(*cg));
	return 0;
}

/* Destroy cg, keeping the first error. */
static int finish(struct cgroup *cg, int rc, vc_err *err)
{
	vc_err derr;

	if (cgroup_destroy(cg, &derr) < 0 && rc == 0) {
		*err = derr;
		rc = -1;
	}
	reap_all();
	return rc;
}

static int case_memory(struct probe *p, const char *arg, vc_err *err)
{
	struct cg_limits lim;
	struct cgroup *cg;
	uint64_t limit, oom = 0, peak = 0;
	size_t touch;
	int status, rc = 0;
	pid_t pid;

	if (!arg)
		return vc_error(err, 0, "memory: missing SIZE (e.g. 16M)");
	if (vc_parse_size(arg, 1ull << 40, &limit, "memory SIZE", err) < 0)
		return -1;
	cg_limits_init(&lim);
	lim.memory_max = (int64_t)limit;
	if (make_cgroup(p, &lim, &cg, err) < 0)
		return -1;
	touch = p->touch ? (size_t)p->touch : (size_t)limit * 4;
	pid = start_child(p, cg, (struct child_fn){touch_memory, &touch, false, false}, err);
	if (pid < 0)
		return finish(cg, -1, err);
	waitpid(pid, &status, 0);
	if (cgroup_oom_killed(cg, &oom, err) < 0 || cgroup_memory_peak(cg, &peak, err) < 0)
		rc = -1;
	printf("limit=%llu touched=%zu %s=%d oom_kill=%llu peak=%llu\n", (unsigned long long)limit,
	       touch, WIFSIGNALED(status) ? "signal" : "exit",
	       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
	       (unsigned long long)oom, (unsigned long long)peak);
	return finish(cg, rc, err);
}

static int case_pids(struct probe *p, const char *arg, vc_err *err)
{
	struct fork_job job;
	struct cg_limits lim;
	struct cgroup *cg;
	unsigned forks = 0;
	int report[2], e = 0;
	uint64_t max;
	char buf[64];
	ssize_t n;
	pid_t pid;

	if (!arg)
		return vc_error(err, 0, "pids: missing N (e.g. 5)");
	if (vc_parse_uint(arg, 1, 1000, &max, "pids N", err) < 0)
		return -1;
	cg_limits_init(&lim);
	lim.pids_max = (int64_t)max;
	if (make_cgroup(p, &lim, &cg, err) < 0)
		return -1;
	if (pipe2(report, O_CLOEXEC) < 0) {
		vc_error(err, errno, "pipe");
		return finish(cg, -1, err);
	}
	job.report_fd = report[1];
	job.cap = (unsigned)max + 50;
	pid = start_child(p, cg, (struct child_fn){fork_until_refused, &job, false, false}, err);
	close(report[1]);
	if (pid < 0) {
		close(report[0]);
		return finish(cg, -1, err);
	}
	n = read(report[0], buf, sizeof(buf) - 1);
	close(report[0]);
	if (n <= 0 || sscanf((buf[n] = '\0', buf), "%u %d", &forks, &e) != 2) {
		vc_error(err, 0, "pids: the child sent no report");
		return finish(cg, -1, err);
	}
	printf("limit=%llu forks=%u error=%s\n", (unsigned long long)max, forks,
	       e ? strerrorname_np(e) : "none");
	/* The child and its forks are still running: destroy has to kill them. */
	return finish(cg, 0, err);
}

static int case_cpu(struct probe *p, const char *arg, vc_err *err)
{
	const unsigned spin_ms = 500, period = 100000;
	struct cg_limits lim;
	struct rusage ru;
	struct cgroup *cg;
	uint64_t throttled = 0;
	double cpus;
	int status, rc = 0;
	pid_t pid;

	if (!arg)
		return vc_error(err, 0, "cpu: missing CPUS (e.g. 0.1)");
	if (vc_parse_double(arg, 0.01, 64, &cpus, "cpu CPUS", err) < 0)
		return -1;
	cg_limits_init(&lim);
	lim.cpu_period_us = period;
	lim.cpu_quota_us = (int64_t)(cpus * period);
	if (make_cgroup(p, &lim, &cg, err) < 0)
		return -1;
	pid = start_child(p, cg, (struct child_fn){spin, (void *)&spin_ms, false, false}, err);
	if (pid < 0)
		return finish(cg, -1, err);
	wait4(pid, &status, 0, &ru);
	if (cgroup_cpu_throttled(cg, &throttled, err) < 0)
		rc = -1;
	printf("quota_us=%lld period_us=%u wall_ms=%u cpu_ms=%ld nr_throttled=%llu\n",
	       (long long)lim.cpu_quota_us, period, spin_ms,
	       ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 + ru.ru_stime.tv_sec * 1000 +
	           ru.ru_stime.tv_usec / 1000,
	       (unsigned long long)throttled);
	return finish(cg, rc, err);
}

/* cgns: a cgroup namespace rooted at the container's cgroup; userns: the
 * child joins from inside a new user namespace. */
static int case_inside(struct probe *p, bool cgns, bool userns, vc_err *err)
{
	struct cg_limits lim;
	struct cgroup *cg;
	int status, rc = 0;
	pid_t pid;

	cg_limits_init(&lim);
	if (make_cgroup(p, &lim, &cg, err) < 0)
		return -1;
	fflush(stdout);
	pid = start_child(
	    p, cg,
	    (struct child_fn){show_own_cgroup,
	                      cgroup_mode(cg) == CG_MODE_V2 ? "0::" : ":memory:", cgns, userns},
	    err);
	if (pid < 0)
		return finish(cg, -1, err);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		rc = vc_error(err, 0, "cgns: the child failed (status 0x%x)", status);
	return finish(cg, rc, err);
}

static int case_bad_cpu(struct probe *p, vc_err *err)
{
	struct cg_limits lim;
	struct cgroup *cg;

	/* The kernel refuses quotas under 1 ms. */
	cg_limits_init(&lim);
	lim.cpu_period_us = 100000;
	lim.cpu_quota_us = 100;
	if (make_cgroup(p, &lim, &cg, err) < 0)
		return -1;
	vc_error(err, 0, "bad-cpu: the kernel accepted a 100 us cpu quota");
	return finish(cg, -1, err);
}

static int case_mode(struct probe *p, vc_err *err)
{
	enum cg_mode mode;

	if (cgroup_detect_mode(p->root, &mode, err) < 0)
		return -1;
	printf("mode=%s\n", cgroup_mode_name(mode));
	return 0;
}

static int bad_usage(const char *fmt, const char *what)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, " (see --help)\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct probe p = {.root = "/sys/fs/cgroup"};
	const char *cmd, *arg;
	vc_err err = {0};
	int i, rc;

	snprintf(p.id, sizeof(p.id), "cgprobe-%d", (int)getpid());
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--trace")) {
			p.tl = malloc(sizeof(*p.tl));
			if (!p.tl)
				return 1;
			vc_timeline_init(p.tl, "cg_probe", stderr);
		} else if (!strcmp(argv[i], "--root") && i + 1 < argc) {
			p.root = argv[++i];
		} else if (!strcmp(argv[i], "--join") && i + 1 < argc) {
			p.join = argv[++i];
			if (strcmp(p.join, "parent") && strcmp(p.join, "self"))
				return bad_usage("--join '%s': use parent or self", p.join);
		} else if (!strcmp(argv[i], "--touch") && i + 1 < argc) {
			if (vc_parse_size(argv[++i], 1ull << 40, &p.touch, "--touch", &err) < 0) {
				vc_error_print(PROG, &err);
				return 2;
			}
		} else if (!strcmp(argv[i], "--id") && i + 1 < argc) {
			snprintf(p.id, sizeof(p.id), "%s", argv[++i]);
		} else {
			return bad_usage("unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc)
		return bad_usage("%s", "missing CASE");
	cmd = argv[i];
	arg = i + 1 < argc ? argv[i + 1] : NULL;
	if (i + 2 < argc)
		return bad_usage("too many arguments after '%s'", cmd);
	/* Orphans of the pids case come back to us to be reaped. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "mode"))
		rc = case_mode(&p, &err);
	else if (!strcmp(cmd, "memory"))
		rc = case_memory(&p, arg, &err);
	else if (!strcmp(cmd, "pids"))
		rc = case_pids(&p, arg, &err);
	else if (!strcmp(cmd, "cpu"))
		rc = case_cpu(&p, arg, &err);
	else if (!strcmp(cmd, "cgns"))
		rc = case_inside(&p, true, false, &err);
	else if (!strcmp(cmd, "userns"))
		rc = case_inside(&p, false, true, &err);
	else if (!strcmp(cmd, "bad-cpu"))
		rc = case_bad_cpu(&p, &err);
	else
		return bad_usage("unknown case '%s'", cmd);
	free(p.tl);
	if (rc < 0) {
		vc_error_print(PROG, &err);
		return 1;
	}
	return 0;
}
