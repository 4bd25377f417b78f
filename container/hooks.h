/* OCI hooks (config.json "hooks"): each is a program run with the
 * container's state (JSON) on its stdin, its own args and env, and an
 * optional timeout after which it is killed.
 *
 * Where each kind runs (runtime-spec config.md, "POSIX-platform Hooks"):
 *   prestart, createRuntime  run.c, in the runtime's namespaces, once the
 *                            child has made its mounts, before pivot_root;
 *   createContainer          child.c, in the container's namespaces (mount
 *                            namespace included), before pivot_root;
 *   startContainer           child.c, in the container, after `start`,
 *                            just before execve;
 *   poststart                after the process started (run.c for `run`,
 *                            lifecycle.c for `start`);
 *   poststop                 after the container is gone (run.c, delete).
 * A failure of the first four fails create/start; poststart and poststop
 * failures are warnings, as the runtime-spec says. */
#ifndef CT_HOOKS_H
#define CT_HOOKS_H

#include <stdbool.h>
#include <jansson.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

/* The OCI state (runtime-spec state.md) of container id: ociVersion, id,
 * status, pid, bundle (spec's absolute directory; "" without one) and the
 * annotations of config.json. What a hook reads, and what state.json
 * holds (statedir_write_state adds our own keys). NULL when out of memory. */
json_t *hooks_state_json(const struct ct_spec *spec, const char *id, const char *status, pid_t pid);

/* The same as compact malloc'd text. */
char *hooks_state(const struct ct_spec *spec, const char *id, const char *status, pid_t pid);

/* Run every hook of one kind in order; the first failure stops and fills
 * err: "hooks.prestart[1] /usr/bin/x: exited with status 3". */
int hooks_run(const struct ct_spec *spec, enum ct_hook_kind kind, const char *state, vc_err *err);

/* Run them all; a failure is one warning on stderr (poststart, poststop). */
void hooks_run_warn(const struct ct_spec *spec, enum ct_hook_kind kind, const char *state);

/* The same, with the state of container id (process pid, status the one
 * of the kind: creating, created, running or stopped). Nothing to do, no
 * cost, without hooks of that kind. */
int hooks_run_for(const struct ct_spec *spec, enum ct_hook_kind kind, const char *id, pid_t pid,
                  vc_err *err);
void hooks_run_for_warn(const struct ct_spec *spec, enum ct_hook_kind kind, const char *id,
                        pid_t pid);

/* `create` keeps config.json's hooks in STATE_DIR/hooks.json for `start`
 * (poststart) and `delete` (poststop). Nothing is written without hooks. */
#define HOOKS_FILE "hooks.json"
int hooks_save(const struct ct_spec *spec, const char *state_dir, vc_err *err);

/* Read STATE_DIR/hooks.json into spec (spec_init first); 0 when there is
 * none, 1 when hooks were read, < 0 on error. */
int hooks_load(struct ct_spec *spec, const char *state_dir, vc_err *err);

/* poststart / poststop of a container of the lifecycle: the hooks kept by
 * create, the state taken from state.json (a jansson object) with its
 * status replaced. Warnings only. */
void hooks_run_saved(const struct ct_spec *spec, enum ct_hook_kind kind, json_t *state_json,
                     const char *status);

#endif
