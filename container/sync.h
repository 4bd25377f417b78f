/* Messages between `container run` and its child during setup.
 *
 * Two pipes: "go" (parent -> child) and "status" (child -> parent, close on
 * exec). The parent writes one byte on go once the child's cgroup and id
 * maps are in place. The child writes its steps (for --timings) and, when
 * setup fails, an error; a successful execve closes status, so the parent
 * sees end-of-file exactly when the container program starts. */
#ifndef CT_SYNC_H
#define CT_SYNC_H

#include <stdbool.h>

#include "cgroup.h"
#include "error.h"
#include "spec.h"
#include "timeline.h"

/* SYNC_READY (`container create` only): set up, now waiting to be started.
 * SYNC_HOOKS: mounts made; the child waits on "go" while the parent runs
 * the prestart and createRuntime hooks (hooks.c). */
enum sync_type {
	SYNC_EVENT = 1,
	SYNC_ERROR = 2,
	SYNC_EXEC_ERROR = 3,
	SYNC_READY = 4,
	SYNC_HOOKS = 5
};

/* Most steps the child sends: they wait in the pipe (64 KiB) until the
 * parent reads them after the child ended, with room left for an error. */
#define SYNC_MAX_EVENTS 96

struct sync_msg {
	int type;
	union {
		struct vc_event ev;
		vc_err err;
	} u;
};

_Static_assert((SYNC_MAX_EVENTS + 1) * sizeof(struct sync_msg) <= 65536,
               "the child's messages must fit in a pipe");

/* What the child needs besides the spec. */
struct child_args {
	const struct ct_spec *spec;
	struct vc_timeline *tl;
	int go_fd;     /* read end of "go" */
	int status_fd; /* write end of "status" */
	int *ns_fds;   /* namespaces to join, -1 where none */
	enum cg_mode cg_mode;
	bool need_go;         /* wait for "go" (id maps, oom_score_adj) before exec */
	bool in_cgroup;       /* CLONE_INTO_CGROUP put the child in its cgroup */
	bool cgroupns_cloned; /* CLONE_NEWCGROUP was part of clone3 */
	bool send_steps;
	const char *cg_rel_path; /* v2: our cgroup below the cgroup root; NULL on v1 */
	struct cgroup *cg;       /* the child's copy: it joins with cgroup_enter_self */
	const void *sigmask;     /* the caller's signal mask (sigset_t), restored before exec */
	int exec_fifo_fd;        /* create: block reading it before exec; -1 for run */
	int parent_pidfd;        /* a pidfd of the parent: readable once it died */
	const char *id;          /* the container's id, for the hooks' state */
	bool parent_hooks;       /* stop before pivot_root for prestart/createRuntime */
	int console_fd;          /* process.terminal: the --console-socket connection, else -1 */
};

/* Also used by `container exec` (exec.c), in its process that joined a
 * running container: rlimits, bounding set, user, capabilities,
 * no_new_privs and the seccomp filter of spec, in that order (the filter
 * before the user change when there is no no_new_privs). */
int child_drop_privileges(const struct ct_spec *spec, struct vc_timeline *tl, vc_err *err);

/* Every signal back to its default action (before execve). */
void child_reset_signals(void);

/* The child's side: set everything up and execve. Never returns. */
_Noreturn void child_main(const struct child_args *a);

#endif
