/* bench run --image REF --engines: podman and docker run the same image,
 * loaded into them, with their default runtime - what a user would type
 * otherwise. Their row is the cost of an engine on top of a runtime.
 *
 * Everything they keep lives under build/bench/engines/, removed at the
 * end: podman's --root/--runroot/--tmpdir, and a dockerd of the bench's own
 * (its --data-root, --exec-root, pidfile and socket; it dies with the
 * bench: PR_SET_PDEATHSIG, and is stopped by its pid on every other path).
 * The image goes in as a docker archive (`container image save` writes an
 * OCI layout; skopeo turns it into a docker archive, which both load). */
#ifndef BENCH_ENGINES_H
#define BENCH_ENGINES_H

#include "runners.h"

enum engine { ENGINE_PODMAN, ENGINE_DOCKER };

/* Load the image into the installed engines (and start dockerd). A
 * failure makes that engine's rows unavailable with the reason. */
void engines_setup(struct bench_env *env, bool progress);

/* Remove their containers, stop dockerd, remove their folders. */
void engines_teardown(struct bench_env *env);

/* Unavailable with the reason unless the engine is ready. */
void engine_probe(struct runner_result *r, const struct bench_env *env, enum engine e);

/* `podman|docker GLOBAL run --rm --name ID ... IMAGE`; the caller adds
 * the --cmd words. */
int engine_launch(const struct bench_env *env, enum engine e, struct launch *l);

#endif
