/* The OCI runtime lifecycle: create, start, state, kill, delete.
 *
 * `container create` sets a container up as `container run` does, up to
 * just before execve: the container process then waits, blocked reading the
 * FIFO LC_STATE_ROOT/ID/exec.fifo, and create exits (the process is
 * reparented and lives on). `container start` writes one byte into the FIFO
 * and removes it: the process execs. The state lives in
 * LC_STATE_ROOT/ID/state.json; its status is computed each time from the
 * process: gone (or its pid reused: /proc/PID/stat start time) -> stopped,
 * else the FIFO still there -> created, else running. */
#ifndef CT_LIFECYCLE_H
#define CT_LIFECYCLE_H

#include <stdbool.h>

#include "error.h"
#include "run.h"
#include "spec.h"

#define LC_STATE_ROOT  "/run/vclab"
#define LC_CGROUP_ROOT "/sys/fs/cgroup"

/* Set up the container of spec (from the bundle directory bundle) and
 * leave its process waiting; write state.json with status "created". On
 * failure nothing is left: no process, cgroup or state directory. */
int lifecycle_create(const struct ct_spec *spec, const struct run_opts *opts, vc_err *err);

/* Is verb one of start, state, kill, delete? */
bool lifecycle_is_verb(const char *verb);

/* `container start|state|kill|delete ...` (argv[0] is the verb): runs it,
 * prints an error on one line, returns the exit status. */
int lifecycle_main(int argc, char **argv);

/* `container exec`: the process of the created or running container id, as
 * a pidfd opened after checking it is that container's process (start time
 * and cgroup), its pid, and the bundle directory state.json records. A
 * container in any other state (stopped, unknown) is an error. */
int lifecycle_open_process(const char *id, int *pidfd, pid_t *pid, char *bundle, size_t len,
                           vc_err *err);

/* "TERM", "SIGKILL", "kill", "9" -> the signal number. */
/* The container exists and is not stopped (created, running or paused);
 * else one error naming it and verb. */
int lifecycle_check_live(const char *id, const char *verb, vc_err *err);

int lifecycle_parse_signal(const char *name, int *sig, vc_err *err);

#endif
