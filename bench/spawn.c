#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include "timeline.h"

#define READY_MARK "VCLAB-READY"
#define DONE_MARK  "VCLAB-DONE status="

int launch_arg(struct launch *l, const char *fmt, ...)
{
	size_t room = sizeof(l->buf) - l->used;
	va_list ap;
	int n;

	if (l->argc >= LAUNCH_MAX_ARGS)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return -1;
	l->argv[l->argc++] = l->buf + l->used;
	l->argv[l->argc] = NULL;
	l->used += (size_t)n + 1;
	return 0;
}

int launch_env(struct launch *l, const char *entry)
{
	size_t room = sizeof(l->buf) - l->used, n = strlen(entry);

	if (l->nenv >= LAUNCH_MAX_ENV || n >= room)
		return -1;
	memcpy(l->buf + l->used, entry, n + 1);
	l->envv[l->nenv++] = l->buf + l->used;
	l->envv[l->nenv] = NULL;
	l->used += n + 1;
	return 0;
}

void launch_describe(const struct launch *l, char *out, size_t len)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < l->argc && off < len; i++) {
		const char *a = l->argv[i];
		int quote = strpbrk(a, " \t\"'") != NULL;

		off += (size_t)snprintf(out + off, len - off, "%s%s%s%s", i ? " " : "",
		                        quote ? "'" : "", a, quote ? "'" : "");
	}
}

/* crun 1.8.1 refuses hybrid cgroup hosts: the bench itself moves into a
 * mount namespace of its own where the v2 mount at /sys/fs/cgroup/unified
 * is gone, once, before anything is measured, so every runner it starts
 * (crun, and vclab's container and runc alike) sees the same plain v1 host
 * and none pays for the unshare inside its startup. The host's mounts are
 * untouched. */
int spawn_private_v1_view(vc_err *err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return vc_error(err, errno, "unshare(CLONE_NEWNS)");
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return vc_error(err, errno, "making / private in the new mount namespace");
	if (umount2("/sys/fs/cgroup/unified", MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return vc_error(err, errno, "umount /sys/fs/cgroup/unified");
	return 0;
}

/* In the child: report errno on the close-on-exec pipe and die. */
__attribute__((noreturn)) static void child_fail(int errfd, int stage)
{
	int msg[2] = {stage, errno};

	if (write(errfd, msg, sizeof(msg)) < 0)
		_exit(127);
	_exit(127);
}

enum { STAGE_SETUP = 1, STAGE_ROOT = 2, STAGE_EXEC = 3 };

extern char **environ;

/* The image's program run bare (--image, runner process): its root, its
 * working directory, its user and its environment. */
static void child_enter_root(const struct launch *l, int errfd)
{
	if (l->root[0] && (chroot(l->root) < 0 || chdir(l->cwd[0] ? l->cwd : "/") < 0))
		child_fail(errfd, STAGE_ROOT);
	if (l->set_user && (setgroups(0, NULL) < 0 || setgid(l->gid) < 0 || setuid(l->uid) < 0))
		child_fail(errfd, STAGE_ROOT);
	if (l->nenv)
		environ = (char **)l->envv;
}

__attribute__((noreturn)) static void child_exec(const struct launch *l, int out, int errout,
                                                 int errfd)
{
	int devnull;

	setpgid(0, 0);
	devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(errout, 2) < 0)
		child_fail(errfd, STAGE_SETUP);
	child_enter_root(l, errfd);
	execvp(l->argv[0], l->argv);
	child_fail(errfd, STAGE_EXEC);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int child_error(const struct launch *l, const int msg[2], vc_err *err)
{
	switch (msg[0]) {
	case STAGE_EXEC:
		return vc_error(err, msg[1], "cannot execute %s", l->argv[0]);
	case STAGE_ROOT:
		return vc_error(err, msg[1], "entering root %s (cwd %s, uid %u)", l->root,
		                l->cwd[0] ? l->cwd : "/", l->uid);
	default:
		return vc_error(err, msg[1], "%s: setting up the child's stdio", l->argv[0]);
	}
}

int instance_start(struct instance *in, const struct launch *l, vc_err *err)
{
	int out[2], errp[2], ep[2], msg[2], fork_errno;
	ssize_t n;

	memset(in, 0, sizeof(*in));
	in->l = l;
	in->out_fd = in->err_fd = in->pid_fd = -1;
	mem_sample_clear(&in->at_ready);
	mem_sample_clear(&in->peak);
	if (pipe2(out, O_CLOEXEC) < 0)
		return vc_error(err, errno, "pipe");
	if (pipe2(errp, O_CLOEXEC) < 0) {
		close(out[0]), close(out[1]);
		return vc_error(err, errno, "pipe");
	}
	if (pipe2(ep, O_CLOEXEC) < 0) {
		close(out[0]), close(out[1]), close(errp[0]), close(errp[1]);
		return vc_error(err, errno, "pipe");
	}
	in->t_spawn = vc_now_ns();
	in->pid = fork();
	if (in->pid == 0)
		child_exec(l, out[1], errp[1], ep[1]);
	fork_errno = errno;
	close(out[1]), close(errp[1]), close(ep[1]);
	in->out_fd = out[0];
	in->err_fd = errp[0];
	if (in->pid < 0) {
		close(ep[0]);
		instance_kill(in);
		return vc_error(err, fork_errno, "fork");
	}
	setpgid(in->pid, in->pid); /* as the child does: no race with a kill */
	/* Wait for exec: the pipe closes on success, carries errno on failure. */
	do
		n = read(ep[0], msg, sizeof(msg));
	while (n < 0 && errno == EINTR);
	close(ep[0]);
	if (n == (ssize_t)sizeof(msg)) {
		instance_kill(in);
		return child_error(l, msg, err);
	}
	in->pid_fd = (int)syscall(SYS_pidfd_open, in->pid, 0);
	fcntl(in->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(in->err_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

/* Run a cleanup command quietly and wait for it. */
static void run_quiet(char *const argv[])
{
	pid_t pid = fork();
	int fd;

	if (pid == 0) {
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

void instance_kill(struct instance *in)
{
	const struct launch *l = in->l;

	if (in->pid > 0 && !in->exited) {
		kill(-in->pid, SIGKILL);
		kill(in->pid, SIGKILL);
		waitpid(in->pid, NULL, 0);
		in->exited = true;
		in->status = 128 + SIGKILL;
		if (l && l->cleanup_tool[0]) {
			char *argv[] = {(char *)l->cleanup_tool, "delete", "-f",
			                (char *)l->cleanup_id, NULL};

			run_quiet(argv);
		}
	}
	close_fd(&in->out_fd);
	close_fd(&in->err_fd);
	close_fd(&in->pid_fd);
}

static void sample_into(struct instance *in, const struct wait_opts *o, struct mem_sample *s)
{
	mem_sample_take(in->pid, o->cgroup, in->l->vm_guest_bytes, s);
	mem_sample_max(&in->peak, s);
}

static void on_line(struct instance *in, const struct wait_opts *o, uint64_t now)
{
	const char *mark = in->l->image ? in->l->ready_text : READY_MARK;
	char *p;

	in->line[in->line_len] = '\0';
	if (!in->ready && strstr(in->line, mark)) {
		in->ready = true;
		in->t_ready = now;
		sample_into(in, o, &in->at_ready);
		if (o->on_ready)
			o->on_ready(in, o->arg);
	}
	if (in->l->image) {
		if (in->l->done_text && strstr(in->line, in->l->done_text))
			in->done = true;
		in->line_len = 0;
		return;
	}
	p = strstr(in->line, DONE_MARK);
	if (p && !in->done) {
		in->done = true;
		in->done_status = atoi(p + strlen(DONE_MARK));
	}
	in->line_len = 0;
}

static void read_stdout(struct instance *in, const struct wait_opts *o)
{
	char buf[4096];
	ssize_t n = read(in->out_fd, buf, sizeof(buf));
	uint64_t now = vc_now_ns(); /* stop the watch right after the read */

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (in->line_len)
			on_line(in, o, now);
		close_fd(&in->out_fd);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n' || in->line_len == sizeof(in->line) - 1) {
			on_line(in, o, now);
			if (buf[i] == '\n')
				continue;
		}
		if (buf[i] != '\r')
			in->line[in->line_len++] = buf[i];
	}
}

/* Keep the last bytes of stderr for error messages. */
static void read_stderr(struct instance *in)
{
	char buf[1024];
	ssize_t n = read(in->err_fd, buf, sizeof(buf));
	size_t keep, cap = sizeof(in->err_tail) - 1;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		close_fd(&in->err_fd);
		return;
	}
	if ((size_t)n >= cap) {
		memcpy(in->err_tail, buf + n - cap, cap);
		in->err_len = cap;
	} else {
		keep = in->err_len + (size_t)n > cap ? cap - (size_t)n : in->err_len;
		memmove(in->err_tail, in->err_tail + in->err_len - keep, keep);
		memcpy(in->err_tail + keep, buf, (size_t)n);
		in->err_len = keep + (size_t)n;
	}
	in->err_tail[in->err_len] = '\0';
}

static void try_reap(struct instance *in)
{
	int st;

	if (in->exited || waitpid(in->pid, &st, WNOHANG) != in->pid)
		return;
	in->t_exit = vc_now_ns();
	in->exited = true;
	in->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	close_fd(&in->pid_fd);
}

static bool instance_active(const struct instance *in)
{
	return !in->exited || in->out_fd >= 0 || in->err_fd >= 0;
}

/* One poll() over every fd of every active instance. */
static int poll_once(struct instance *in, size_t n, const struct wait_opts *o, int timeout_ms)
{
	struct pollfd *pf = calloc(n * 3, sizeof(*pf));
	struct instance **owner = calloc(n * 3, sizeof(*owner));
	size_t k = 0;
	int r;

	if (!pf || !owner) {
		free(pf), free(owner);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int fds[3] = {in[i].out_fd, in[i].err_fd, in[i].exited ? -1 : in[i].pid_fd};

		for (int j = 0; j < 3; j++)
			if (fds[j] >= 0) {
				pf[k].fd = fds[j];
				pf[k].events = POLLIN;
				owner[k++] = &in[i];
			}
	}
	r = poll(pf, k, timeout_ms);
	for (size_t j = 0; r > 0 && j < k; j++) {
		if (!pf[j].revents)
			continue;
		if (pf[j].fd == owner[j]->out_fd)
			read_stdout(owner[j], o);
		else if (pf[j].fd == owner[j]->err_fd)
			read_stderr(owner[j]);
		else
			try_reap(owner[j]);
	}
	free(pf), free(owner);
	return r < 0 && errno != EINTR ? -1 : 0;
}

static int wait_timeout_ms(const struct instance *in, size_t n, const struct wait_opts *o,
                           uint64_t now, uint64_t deadline, uint64_t next_sample)
{
	uint64_t until = deadline;

	if (o->sample_every_ms > 0 && next_sample < until)
		until = next_sample;
	for (size_t i = 0; i < n; i++)
		if (!in[i].exited && in[i].pid_fd < 0)
			return 1; /* no pidfd (old kernel): poll waitpid every ms */
	return until > now ? (int)((until - now + 999999) / 1000000) : 0;
}

static const char *last_err_line(const struct instance *in, char *buf, size_t len);

/* The one piece of process-wide state: a signal handler can only set a
 * flag. poll() returns EINTR and the wait loop sees it. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

void spawn_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int spawn_stop_signal(void)
{
	return stop_signal;
}

/* Ctrl-C: the launchers run in their own process groups and did not get
 * it; kill them (and what runc/crun left) before the bench ends. */
static int interrupted(struct instance *in, size_t n, vc_err *err)
{
	for (size_t i = 0; i < n; i++)
		instance_kill(&in[i]);
	return vc_error(err, 0, "interrupted by signal %d; every instance killed",
	                (int)stop_signal);
}

/* Kill everything; say how far the first unfinished instance got. */
static int timed_out(struct instance *in, size_t n, const struct wait_opts *o, vc_err *err)
{
	const struct instance *late = &in[0];
	char tail[160], where[64];

	for (size_t i = 0; i < n; i++)
		if (instance_active(&in[i])) {
			late = &in[i];
			break;
		}
	if (late->ready)
		snprintf(where, sizeof(where), "%s after %.1f ms, then no exit",
		         late->l->image ? "the ready line" : READY_MARK, instance_startup_ms(late));
	else
		snprintf(where, sizeof(where), "no %s line", late->l->image ? "ready" : READY_MARK);
	last_err_line(late, tail, sizeof(tail));
	vc_error(err, 0, "%s: timed out after %g s (killed; %s; stderr: %s)", late->l->argv[0],
	         o->timeout_s, where, tail);
	for (size_t i = 0; i < n; i++)
		instance_kill(&in[i]);
	return -1;
}

void instances_poll_now(struct instance *in, size_t n, const struct wait_opts *o)
{
	poll_once(in, n, o, 0);
}

int instances_wait(struct instance *in, size_t n, const struct wait_opts *o, vc_err *err)
{
	uint64_t start = vc_now_ns(), now = start;
	uint64_t deadline = start + (uint64_t)(o->timeout_s * 1e9);
	uint64_t every = (uint64_t)(o->sample_every_ms * 1e6), next_sample = start + every;
	bool active = true;

	while (active) {
		if (poll_once(in, n, o, wait_timeout_ms(in, n, o, now, deadline, next_sample)) < 0)
			break;
		if (stop_signal)
			return interrupted(in, n, err);
		now = vc_now_ns();
		active = false;
		for (size_t i = 0; i < n; i++) {
			if (in[i].pid_fd < 0)
				try_reap(&in[i]);
			active |= instance_active(&in[i]);
		}
		if (every && now >= next_sample) {
			struct mem_sample s;

			for (size_t i = 0; i < n; i++)
				if (!in[i].exited)
					sample_into(&in[i], o, &s);
			next_sample = now + every;
		}
		if (active && now >= deadline)
			return timed_out(in, n, o, err);
	}
	if (active) {
		int e = errno;

		for (size_t i = 0; i < n; i++)
			instance_kill(&in[i]);
		return vc_error(err, e, "poll");
	}
	return 0;
}

/* The last non-empty line of the launcher's stderr, for error messages. */
static const char *last_err_line(const struct instance *in, char *buf, size_t len)
{
	const char *s = in->err_tail;
	size_t end = in->err_len;

	while (end && (s[end - 1] == '\n' || s[end - 1] == '\r'))
		end--;
	size_t start = end;
	while (start && s[start - 1] != '\n')
		start--;
	snprintf(buf, len, "%.*s", (int)(end - start), s + start);
	return buf[0] ? buf : "(nothing on stderr)";
}

/* --image: the ready line came, the --done-line too when asked for, and
 * the launcher exited with the program's status. */
static int image_check(const struct instance *in, const char *tail, vc_err *err)
{
	const char *what = in->l->argv[0];

	if (!in->ready && !in->l->ready_text[0])
		return vc_error(err, 0, "%s exited with %d without printing a line: %s", what,
		                in->status, tail);
	if (!in->ready)
		return vc_error(err, 0, "%s exited with %d without printing a line with '%s': %s",
		                what, in->status, in->l->ready_text, tail);
	if (in->l->done_text && !in->done)
		return vc_error(err, 0, "%s exited with %d without printing a line with '%s': %s",
		                what, in->status, in->l->done_text, tail);
	if (in->status != in->l->expect_status)
		return vc_error(err, 0, "%s exited with %d, expected %d: %s", what, in->status,
		                in->l->expect_status, tail);
	return 0;
}

int instance_check(const struct instance *in, vc_err *err)
{
	const char *what = in->l->argv[0];
	char tail[200];

	last_err_line(in, tail, sizeof(tail));
	if (in->l->image)
		return image_check(in, tail, err);
	if (!in->ready)
		return vc_error(err, 0, "%s exited with %d before printing " READY_MARK ": %s",
		                what, in->status, tail);
	if (!in->done)
		return vc_error(err, 0, "%s exited with %d without " DONE_MARK "N: %s", what,
		                in->status, tail);
	if (in->done_status != in->l->expect_done)
		return vc_error(err, 0, "%s: workload reported status %d, expected %d", what,
		                in->done_status, in->l->expect_done);
	if (in->status != in->l->expect_status)
		return vc_error(err, 0, "%s exited with %d, expected %d: %s", what, in->status,
		                in->l->expect_status, tail);
	return 0;
}

double instance_startup_ms(const struct instance *in)
{
	return in->ready ? (double)(in->t_ready - in->t_spawn) / 1e6 : NAN;
}

double instance_completion_ms(const struct instance *in)
{
	return in->exited && in->t_exit ? (double)(in->t_exit - in->t_spawn) / 1e6 : NAN;
}
