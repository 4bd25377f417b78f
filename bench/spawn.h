/* Launching instances and timing them.
 *
 * The stop-watch starts just before fork() and stops when a line holding
 * VCLAB-READY arrives on the launcher's stdout (a pipe); completion is when
 * the launcher has exited (its pidfd turns readable). Each launcher runs in
 * its own process group so a timeout or failure kills all of it. */
#ifndef BENCH_SPAWN_H
#define BENCH_SPAWN_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "measure.h"

#define LAUNCH_MAX_ARGS 48
#define LAUNCH_MAX_ENV  32

/* How to start one instance. */
struct launch {
	char *argv[LAUNCH_MAX_ARGS + 1];
	size_t argc;
	char buf[4096]; /* storage of the argv strings */
	size_t used;
	int expect_status;           /* exit status of the launcher on success */
	int expect_done;             /* status in "VCLAB-DONE status=N" */
	uint64_t vm_guest_bytes;     /* VM guest RAM, 0 for non-VMs */
	char timings[PATH_MAX];      /* --timings file the launcher writes, "" if none */
	char cleanup_tool[PATH_MAX]; /* container/runc/crun: `TOOL delete -f ID` on failure */
	char cleanup_id[64];
	/* --image runs: the ready line is the first one holding ready_text
	 * ("" = the first line printed), no VCLAB-DONE is expected (done_text,
	 * when set, must be seen), and the launcher's status is the program's. */
	bool image;
	const char *ready_text, *done_text;
	/* The image's program run bare: chroot into root, chdir to cwd, drop
	 * to uid:gid when set_user, environment envv (when nenv > 0). */
	char root[PATH_MAX];
	char cwd[256];
	bool set_user;
	unsigned uid, gid;
	char *envv[LAUNCH_MAX_ENV + 1];
	size_t nenv;
};

/* Move this process into a private mount namespace without
 * /sys/fs/cgroup/unified (a hybrid host seen as v1, what crun needs). */
int spawn_private_v1_view(vc_err *err);

/* Append one argument (printf format). < 0 when argv or buf is full. */
int launch_arg(struct launch *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append one environment entry (stored in buf with argv). */
int launch_env(struct launch *l, const char *entry);

/* The command line as one shell-like string, for reports. */
void launch_describe(const struct launch *l, char *out, size_t len);

struct instance {
	const struct launch *l;
	pid_t pid;
	int out_fd, err_fd, pid_fd;
	uint64_t t_spawn, t_ready, t_exit; /* CLOCK_MONOTONIC ns, 0 = not yet */
	char line[512];
	size_t line_len;
	char err_tail[320];
	size_t err_len;
	bool ready, done, exited;
	int done_status;
	int status; /* exit code, or 128 + signal */
	struct mem_sample at_ready, peak;
};

struct wait_opts {
	double timeout_s;       /* kill everything after this long */
	double sample_every_ms; /* peak memory sampling period, 0 = only at ready */
	enum cg_mode cgroup;
	/* Called for each instance when its ready line is read (may be NULL). */
	void (*on_ready)(struct instance *in, void *arg);
	void *arg;
};

/* On SIGINT, SIGTERM, SIGHUP: stop waiting, kill the running instances and
 * fail with "interrupted". SIGPIPE is ignored. */
void spawn_catch_signals(void);

/* The signal that stopped the bench, 0 if none. */
int spawn_stop_signal(void);

/* Fork and exec l->argv with stdout and stderr on pipes. */
int instance_start(struct instance *in, const struct launch *l, vc_err *err);

/* Follow n started instances until every launcher has exited; on timeout
 * kill them all and fail. */
int instances_wait(struct instance *in, size_t n, const struct wait_opts *o, vc_err *err);

/* Read whatever n started instances have written so far, without
 * waiting: between launches of a batch, so early ready lines are timed
 * when they come, not after the last launch. */
void instances_poll_now(struct instance *in, size_t n, const struct wait_opts *o);

/* Kill the instance's process group, reap it, remove what the runtime left
 * (runc/crun state) and close its fds. Safe to call twice. */
void instance_kill(struct instance *in);

/* After the wait: did the run do what a good run does? */
int instance_check(const struct instance *in, vc_err *err);

double instance_startup_ms(const struct instance *in);
double instance_completion_ms(const struct instance *in);

#endif
