/* The container process's own settings, applied in the child just before
 * execve: rlimits, user and groups, working directory, environment and the
 * program lookup through the container's PATH. */
#ifndef CT_PROCESS_H
#define CT_PROCESS_H

#include "error.h"
#include "spec.h"
#include "timeline.h"

/* setrlimit for each process.rlimits entry. */
int process_set_rlimits(const struct ct_spec *spec, vc_err *err);

/* setgroups, setresgid, setresuid; capabilities survive (PR_SET_KEEPCAPS)
 * so caps_set can then give the exact sets. */
int process_set_user(const struct ct_spec *spec, vc_err *err);

/* Write /proc/PID/oom_score_adj (from the parent, before the child runs). */
int process_set_oom_score_adj(pid_t pid, int value, vc_err *err);

/* execve process.args with process.env, looking a
 * bare program name up in the container's PATH. Returns only on failure;
 * err->errnum tells ENOENT (127) from other failures (126). */
int process_exec(const struct ct_spec *spec, vc_err *err);

/* chdir to process.cwd inside the container, just before process_exec. */
int process_enter_cwd(const struct ct_spec *spec, vc_err *err);

#endif
