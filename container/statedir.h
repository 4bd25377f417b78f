/* Claiming a container id: the directory statedir_root/ID (LC_STATE_ROOT
 * unless --root), made for every
 * container (`run` too), holds a file `lock` on which the process setting
 * up or running the container holds a POSIX write lock. The kernel drops
 * that lock when the process dies, however it dies (SIGKILL included), so
 * any later `container` command can tell a live owner from a dead one:
 *
 *   - lock held: someone is creating the container or running it;
 *   - lock free and a valid state.json: a created (or started) container,
 *     which `container delete` removes;
 *   - lock free and no valid state.json: what a killed `run` or `create`
 *     left. It is stale: its cgroup (and any process still in it) and the
 *     directory are removed by the next `container` command.
 *
 * A new directory is made under a temporary name (.new-ID-PID) and renamed
 * to ID with the lock already held, so no other process ever sees ID
 * unlocked before its owner holds it. */
#ifndef CT_STATEDIR_H
#define CT_STATEDIR_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

/* The state directory: LC_STATE_ROOT, or `--root DIR` (main.c sets it,
 * at most STATEDIR_ROOT_MAX characters). */
extern const char *statedir_root;
#define STATEDIR_ROOT_MAX 200
/* Room for statedir_root/ID/FILE (ids of the sweep: at most 100). */
#define STATEDIR_PATH_MAX 384

struct ct_claim {
	int lock_fd; /* holds the lock; -1 when released */
	char dir[STATEDIR_PATH_MAX];
};

/* Make LC_STATE_ROOT/ID with its lock held. A stale directory of the same
 * id is removed first; a live one is an error ("container ID already
 * exists"). */
int statedir_claim(const char *id, struct ct_claim *c, vc_err *err);

/* With the id claimed, a cgroup vclab/ID can only be debris (of a runtime
 * that kept no state directory): remove it, killing what runs in it. 1 when
 * there was one, 0 when not, < 0 on error. run.c calls it only when making
 * the cgroup found it there, so that a run pays nothing for it. */
int statedir_remove_stale_cgroup(const char *id, vc_err *err);

/* Drop the lock and keep the directory (create: the container lives on). */
void statedir_unlock(struct ct_claim *c);

/* Remove the directory and its files, then drop the lock. */
void statedir_release(struct ct_claim *c);

/* Remove LC_STATE_ROOT/ID if it is stale (see above), with the cgroup
 * vclab/ID and whatever still runs in it. *owner: the pid holding the lock
 * when it is live, else 0. Returns 1 when it removed something, 0 when not
 * (no such directory, a live owner, or a created container), < 0 on error. */
int statedir_reap(const char *id, pid_t *owner, vc_err *err);

/* A container whose cgroup is not vclab/ID (linux.cgroupsPath) records its
 * directories in LC_STATE_ROOT/ID/cgroup (cgroup_record's text) as soon as
 * they are made: delete, kill, state and the removal of what a killed
 * command left use it. No such file: vclab/ID. */
struct cgroup;
int statedir_save_cgroup(const char *id, const struct cgroup *cg, vc_err *err);

/* Rewrite the record from cg when the container has one (update made a
 * directory in another hierarchy); vclab/ID, found by name, needs none. */
int statedir_resave_cgroup(const char *id, const struct cgroup *cg, vc_err *err);

/* A handle on the container's cgroup, from the record or vclab/ID. */
int statedir_open_cgroup(const char *id, struct cgroup **cg, vc_err *err);

/* Is pid in the container's cgroup (or below it), per /proc/PID/cgroup? */
bool statedir_pid_in_cgroup(const char *id, pid_t pid);

/* Remove the container's cgroup (recorded, or vclab/ID) in every hierarchy,
 * killing whatever still runs in it (the process that made it may be gone:
 * it is opened by name). */
int statedir_remove_cgroup(const char *id, vc_err *err);

/* statedir_reap every directory under LC_STATE_ROOT but except's (NULL:
 * none; `delete ID` reaps its own, to report on it); errors are ignored
 * (the next command tries again). Returns how many were removed. */
int statedir_sweep(const char *except);

/* Remove the files a state directory may hold, then the directory, then
 * LC_STATE_ROOT if it is left empty. */
void statedir_remove(const char *dir);

/* state.json (runtime-spec state.md, hooks_state_json) in statedir_root/ID,
 * with two keys of ours: */
/* our key: the process's start time (clock ticks after boot, field 22 of
 * /proc/PID/stat), so that a reused pid is not taken for the container;
 * `container state` leaves it out */
#define STATEDIR_START_TIME_KEY "vclabStartTime"
/* our key: the pid of the `container run` that owns the container. Such a
 * state is valid only while that command holds the lock: killed, it leaves
 * debris as before, which the next command removes. */
#define STATEDIR_RUN_KEY "vclabRunPid"

/* Write state.json for container id of spec, its process pid started at
 * start_time: status "created" (run_pid > 0, a `container run`: "running"),
 * bundle and annotations as hooks_state_json gives them ("" for the quick
 * form of run, which has no bundle). Through a temporary file and a rename. */
int statedir_write_state(const struct ct_spec *spec, const char *id, pid_t pid,
                         unsigned long long start_time, pid_t run_pid, vc_err *err);

/* --pid-file: write pid (decimal, no newline, as runc) through a temporary
 * file beside path and a rename. */
int statedir_write_pid_file(const char *path, pid_t pid, vc_err *err);

#endif
