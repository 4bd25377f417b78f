#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "debug.h"

#define OCI_STATE_VERSION "1.0.2"

extern char **environ;

json_t *hooks_state_json(const struct ct_spec *spec, const char *id, const char *status, pid_t pid)
{
	json_t *ann = spec->annotations_json ? json_loads(spec->annotations_json, 0, NULL) : NULL;

	if (!ann)
		ann = json_object();
	return json_pack("{s:s, s:s, s:s, s:i, s:s, s:o}", "ociVersion", OCI_STATE_VERSION, "id",
	                 id, "status", status, "pid", (int)pid, "bundle",
	                 spec->bundle ? spec->bundle : "", "annotations", ann);
}

char *hooks_state(const struct ct_spec *spec, const char *id, const char *status, pid_t pid)
{
	json_t *st = hooks_state_json(spec, id, status, pid);
	char *text;

	if (!st)
		return NULL;
	text = json_dumps(st, JSON_COMPACT);
	json_decref(st);
	return text;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The hook's side of fork: stdin from the pipe, a process group of its
 * own (a timeout kills all of it), default signals, then execve. Why
 * execve failed goes back on errfd. */
static _Noreturn void exec_hook(const struct ct_hook *h, int in_fd, int errfd)
{
	const char *argv0[] = {h->path, NULL};
	sigset_t none;
	int e;

	setpgid(0, 0);
	if (dup2(in_fd, 0) < 0)
		_exit(127);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(h->path, (char *const *)(h->args ? h->args : argv0),
	       (char *const *)(h->env ? h->env : (const char **)environ));
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0) {
		/* nobody to tell */
	}
	_exit(127);
}

/* Feed the state into the hook's stdin while waiting for it to end, at
 * most timeout_s seconds (0: no limit). Returns the wait status, or -1
 * with errno (ETIMEDOUT: it was killed). */
static int feed_and_wait(pid_t pid, int in_fd, const char *state, int timeout_s)
{
	long long deadline = timeout_s ? now_ms() + (long long)timeout_s * 1000 : 0;
	size_t len = strlen(state), off = 0;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), status = 0;

	fcntl(in_fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		struct pollfd fds[2] = {{in_fd, POLLOUT, 0}, {pidfd, POLLIN, 0}};
		int wait_ms = 10; /* without a pidfd (seccomp, old kernel): look every 10 ms */
		pid_t r;

		if (pidfd >= 0)
			wait_ms = -1;
		if (deadline) {
			long long left = deadline - now_ms();

			if (left <= 0) {
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				waitpid(pid, NULL, 0);
				if (pidfd >= 0)
					close(pidfd);
				if (in_fd >= 0)
					close(in_fd);
				errno = ETIMEDOUT;
				return -1;
			}
			if (wait_ms < 0 || left < wait_ms)
				wait_ms = (int)left;
		}
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		if (in_fd < 0)
			fds[0].fd = -1;
		if (pidfd < 0)
			fds[1].fd = -1;
		if (poll(fds, 2, wait_ms) < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		if (in_fd >= 0 && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(in_fd, state + off, len - off);

			if (n > 0)
				off += (size_t)n;
			/* all written, or the hook closed its stdin (EPIPE) */
			if (off == len || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				close(in_fd);
				in_fd = -1;
			}
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	if (in_fd >= 0)
		close(in_fd);
	return status;
}

static int run_one(const struct ct_hook *h, enum ct_hook_kind kind, size_t i, const char *state,
                   vc_err *err)
{
	const char *name = spec_hook_name(kind);
	struct sigaction ign = {.sa_handler = SIG_IGN}, oldpipe;
	int in[2], ep[2], status, e = 0;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return vc_error(err, errno, "hooks.%s[%zu] %s: pipe", name, i, h->path);
	if (pipe2(ep, O_CLOEXEC) < 0) {
		e = errno;
		close(in[0]);
		close(in[1]);
		return vc_error(err, e, "hooks.%s[%zu] %s: pipe", name, i, h->path);
	}
	ct_debug("running hooks.%s[%zu] %s (timeout %d s)", name, i, h->path, h->timeout_s);
	pid = fork();
	if (pid == 0) {
		close(in[1]);
		close(ep[0]);
		exec_hook(h, in[0], ep[1]);
	}
	e = errno;
	if (pid > 0)
		setpgid(pid, pid); /* also here: a timeout may come before the hook runs */
	close(in[0]);
	close(ep[1]);
	if (pid < 0) {
		close(in[1]);
		close(ep[0]);
		return vc_error(err, e, "hooks.%s[%zu] %s: fork", name, i, h->path);
	}
	/* a hook that exits without reading its stdin must not kill us */
	sigaction(SIGPIPE, &ign, &oldpipe);
	status = feed_and_wait(pid, in[1], state, h->timeout_s);
	e = errno;
	sigaction(SIGPIPE, &oldpipe, NULL);
	if (status < 0) {
		close(ep[0]);
		if (e == ETIMEDOUT)
			return vc_error(err, 0,
			                "hooks.%s[%zu] %s: still running after its timeout "
			                "of %d s: killed",
			                name, i, h->path, h->timeout_s);
		return vc_error(err, e, "hooks.%s[%zu] %s: waiting for it", name, i, h->path);
	}
	if (read(ep[0], &e, sizeof(e)) == (ssize_t)sizeof(e)) {
		close(ep[0]);
		return vc_error(err, e, "hooks.%s[%zu] %s: cannot run it", name, i, h->path);
	}
	close(ep[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return vc_error(err, 0, "hooks.%s[%zu] %s: exited with status %d", name, i, h->path,
		                WEXITSTATUS(status));
	return vc_error(err, 0, "hooks.%s[%zu] %s: killed by signal %d (%s)", name, i, h->path,
	                WTERMSIG(status), strsignal(WTERMSIG(status)));
}

int hooks_run(const struct ct_spec *spec, enum ct_hook_kind kind, const char *state, vc_err *err)
{
	for (size_t i = 0; i < spec->n_hooks[kind]; i++)
		if (run_one(&spec->hooks[kind][i], kind, i, state, err) < 0)
			return -1;
	return 0;
}

void hooks_run_warn(const struct ct_spec *spec, enum ct_hook_kind kind, const char *state)
{
	for (size_t i = 0; i < spec->n_hooks[kind]; i++) {
		vc_err err = {0};

		if (run_one(&spec->hooks[kind][i], kind, i, state, &err) < 0) {
			vc_error_wrap(&err, "warning");
			vc_error_print("container", &err);
		}
	}
}

/* The status a hook of this kind sees (runtime-spec, "State"). */
static const char *kind_status(enum ct_hook_kind kind)
{
	switch (kind) {
	case CT_HOOK_START_CONTAINER:
		return "created";
	case CT_HOOK_POSTSTART:
		return "running";
	case CT_HOOK_POSTSTOP:
		return "stopped";
	default:
		return "creating";
	}
}

int hooks_run_for(const struct ct_spec *spec, enum ct_hook_kind kind, const char *id, pid_t pid,
                  vc_err *err)
{
	char *state;
	int rc;

	if (!spec->n_hooks[kind])
		return 0;
	state = hooks_state(spec, id, kind_status(kind), pid);
	if (!state)
		return vc_error(err, ENOMEM, "hooks.%s: state", spec_hook_name(kind));
	rc = hooks_run(spec, kind, state, err);
	free(state);
	return rc;
}

void hooks_run_for_warn(const struct ct_spec *spec, enum ct_hook_kind kind, const char *id,
                        pid_t pid)
{
	char *state;

	if (!spec->n_hooks[kind])
		return;
	state = hooks_state(spec, id, kind_status(kind), pid);
	if (state)
		hooks_run_warn(spec, kind, state);
	free(state);
}

static int hooks_path(char *buf, size_t len, const char *dir, vc_err *err)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, HOOKS_FILE) >= len)
		return vc_error(err, ENAMETOOLONG, "%s/%s", dir, HOOKS_FILE);
	return 0;
}

int hooks_save(const struct ct_spec *spec, const char *state_dir, vc_err *err)
{
	char path[PATH_MAX];
	size_t len;
	int fd;

	if (!spec->hooks_json ||
	    (!spec->n_hooks[CT_HOOK_POSTSTART] && !spec->n_hooks[CT_HOOK_POSTSTOP]))
		return 0;
	if (hooks_path(path, sizeof(path), state_dir, err) < 0)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return vc_error(err, errno, "%s", path);
	len = strlen(spec->hooks_json);
	if (write(fd, spec->hooks_json, len) != (ssize_t)len) {
		int e = errno;

		close(fd);
		unlink(path);
		return vc_error(err, e, "writing %s", path);
	}
	close(fd);
	return 0;
}

int hooks_load(struct ct_spec *spec, const char *state_dir, vc_err *err)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *hooks;
	char *text;
	int rc;

	if (hooks_path(path, sizeof(path), state_dir, err) < 0)
		return -1;
	hooks = json_load_file(path, 0, &jerr);
	if (!hooks)
		return access(path, F_OK) < 0 && errno == ENOENT
		           ? 0
		           : vc_error(err, 0, "%s: %s", path, jerr.text);
	text = json_dumps(hooks, JSON_COMPACT);
	json_decref(hooks);
	if (!text)
		return vc_error(err, ENOMEM, "%s", path);
	rc = spec_parse_hooks_text(spec, text, err);
	free(text);
	if (rc < 0) {
		vc_error_wrap(err, "%s", path);
		return -1;
	}
	return 1;
}

void hooks_run_saved(const struct ct_spec *spec, enum ct_hook_kind kind, json_t *state_json,
                     const char *status)
{
	json_t *st;
	const char *key;
	json_t *v;
	void *tmp;
	char *text;

	if (!spec->n_hooks[kind])
		return;
	st = json_deep_copy(state_json);
	if (!st)
		return;
	/* our own keys ("vclabStartTime") are not part of the OCI state */
	json_object_foreach_safe(st, tmp, key, v)
	{
		if (!strncmp(key, "vclab", 5))
			json_object_del(st, key);
	}
	json_object_set_new(st, "status", json_string(status));
	text = json_dumps(st, JSON_COMPACT);
	json_decref(st);
	if (!text)
		return;
	hooks_run_warn(spec, kind, text);
	free(text);
}
