#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

int process_set_rlimits(const struct ct_spec *spec, vc_err *err)
{
	for (size_t i = 0; i < spec->n_rlimits; i++) {
		const struct ct_rlimit *r = &spec->rlimits[i];
		struct rlimit rl = {(rlim_t)r->soft, (rlim_t)r->hard};

		if (setrlimit(r->resource, &rl) < 0)
			return vc_error(err, errno, "process.rlimits[%zu]: setrlimit(%llu, %llu)",
			                i, (unsigned long long)r->soft,
			                (unsigned long long)r->hard);
	}
	return 0;
}

int process_set_user(const struct ct_spec *spec, vc_err *err)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return vc_error(err, errno, "prctl(PR_SET_KEEPCAPS)");
	if (setgroups(spec->n_additional_gids, spec->additional_gids) < 0 && errno != EPERM)
		return vc_error(err, errno, "process.user.additionalGids: setgroups");
	if (setresgid(spec->gid, spec->gid, spec->gid) < 0)
		return vc_error(err, errno, "process.user.gid: setresgid(%u)", (unsigned)spec->gid);
	if (setresuid(spec->uid, spec->uid, spec->uid) < 0)
		return vc_error(err, errno, "process.user.uid: setresuid(%u)", (unsigned)spec->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return vc_error(err, errno, "prctl(PR_SET_KEEPCAPS)");
	return 0;
}

int process_set_oom_score_adj(pid_t pid, int value, vc_err *err)
{
	char path[64], buf[16];
	int fd, len;

	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	len = snprintf(buf, sizeof(buf), "%d", value);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return vc_error(err, errno, "process.oomScoreAdj: %s", path);
	if (write(fd, buf, (size_t)len) != len) {
		int e = errno;

		close(fd);
		return vc_error(err, e, "process.oomScoreAdj: writing %d to %s", value, path);
	}
	close(fd);
	return 0;
}

int process_enter_cwd(const struct ct_spec *spec, vc_err *err)
{
	/* a setup error (125), not "CMD not found" (127) */
	if (chdir(spec->cwd) < 0)
		return vc_error(err, errno, "process.cwd (--workdir) %s", spec->cwd);
	return 0;
}

int process_exec(const struct ct_spec *spec, vc_err *err)
{
	const char *prog = spec->args[0], *path;
	char buf[PATH_MAX];
	int saved = ENOENT;

	if (strchr(prog, '/')) {
		execve(prog, (char *const *)spec->args, (char *const *)spec->env);
		return vc_error(err, errno, "process.args[0]: cannot execute %s", prog);
	}
	path = spec_getenv(spec, "PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");

		if (len && (size_t)snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, path, prog) <
		               sizeof(buf)) {
			execve(buf, (char *const *)spec->args, (char *const *)spec->env);
			if (errno != ENOENT && errno != ENOTDIR)
				saved = errno; /* found but not runnable: report that */
		}
		path += len;
		if (*path == ':')
			path++;
	}
	return vc_error(err, saved, "process.args[0]: %s %s in the container's PATH", prog,
	                saved == ENOENT ? "not found" : "found but not executable");
}
