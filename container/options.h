/* The quick form's command line, `container run [options] ROOTFS -- CMD`,
 * mapped onto the same struct ct_spec the bundle form fills. */
#ifndef CT_OPTIONS_H
#define CT_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "spec.h"

#define QUICK_MAX_LIST 32

/* The options as given, before any checks. */
struct quick_opts {
	const char *hostname, *memory, *cpus, *pids, *net, *workdir, *user;
	bool read_only;
	const char *seccomp; /* --seccomp=unconfined|default, NULL: default */
	const char *env[QUICK_MAX_LIST];
	size_t n_env;
	const char *volumes[QUICK_MAX_LIST];
	size_t n_volumes;
	const char *rootfs;
	char **cmd; /* NULL terminated */
	size_t n_cmd;
};

/* Default host uid/gid that root in a --user container maps to. */
#define QUICK_USERNS_HOST_ID 100000u
#define QUICK_USERNS_SIZE    65536u

/* Fill spec: the default config, then every option. Errors name the
 * option and the bad value ("--memory 'abc': not a size ..."). */
int quick_apply(struct ct_spec *spec, const struct quick_opts *q, vc_err *err);

#endif
