/* Running one container, start to end: cgroup, one clone3 with every
 * namespace flag, the child's setup up to execve, signal forwarding, the
 * exit status and the clean-up. */
#ifndef CT_RUN_H
#define CT_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"
#include "timeline.h"

struct run_opts {
	const char *id;          /* names the cgroup vclab/<id> */
	const char *cgroup_root; /* normally /sys/fs/cgroup */
	struct vc_timeline *tl;
	bool child_steps; /* bring the child's steps back into tl (--timings) */
	/* `container create` (lifecycle.c): stop the child just before execve,
	 * blocked reading exec_fifo_fd (a FIFO opened O_RDWR), return once it
	 * waits there and leave it running, detached, in its cgroup. */
	bool create;
	int exec_fifo_fd;
	/* process.terminal: the engine's unix socket that gets the pty master
	 * (console.h); NULL: none, and then a terminal is refused. */
	const char *console_socket;
	/* --pid-file of `run` (create writes its own, lifecycle.c) */
	const char *pid_file;
};

struct run_result {
	int exit_code;        /* what `container run` exits with */
	int signal;           /* the signal that killed the process, 0 if none */
	bool oom_killed;      /* the cgroup's OOM killer struck */
	uint64_t memory_peak; /* bytes, 0 if unknown */
	pid_t pid;            /* create: the waiting container process */
};

/* Exit codes for our own failures, as docker uses them. */
enum { RUN_EXIT_SETUP = 125, RUN_EXIT_NOEXEC = 126, RUN_EXIT_NOTFOUND = 127 };

/* Run the container described by spec to its end (with opts->create: up
 * to the wait before execve, res->pid set). Returns 0 with *res
 * filled when the container ran (whatever its status), or < 0 with err
 * filled and res->exit_code set when setting it up failed; nothing is left
 * behind in either case. */
int run_container(const struct ct_spec *spec, const struct run_opts *opts, struct run_result *res,
                  vc_err *err);

/* Container ids name cgroups: [A-Za-z0-9_.-], 1..64 characters. */
int run_check_id(const char *id, vc_err *err);

#endif
