/* The OCI lifecycle verbs (see lifecycle.h). Everything a later command
 * needs is on disk under LC_STATE_ROOT/ID: state.json and, until the
 * container is started, exec.fifo. */
#include "lifecycle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "freezer.h"
#include "hooks.h"
#include "procfs.h"
#include "runtime.h"
#include "statedir.h"

enum lc_status { LC_CREATED, LC_RUNNING, LC_PAUSED, LC_STOPPED };

static const char *const status_names[] = {"created", "running", "paused", "stopped"};

/* A container as the state directory describes it. */
struct lc_container {
	const char *id;
	char dir[STATEDIR_PATH_MAX];
	json_t *state; /* state.json */
	pid_t pid;
	unsigned long long start_time;
	enum lc_status status;
};

static int state_path(char *buf, size_t len, const char *id, const char *file, vc_err *err)
{
	int n = file ? snprintf(buf, len, "%s/%s/%s", statedir_root, id, file)
	             : snprintf(buf, len, "%s/%s", statedir_root, id);

	if (n < 0 || (size_t)n >= len)
		return vc_error(err, ENAMETOOLONG, "container %s: state path", id);
	return 0;
}

/* State (field 3) and start time (field 22) of /proc/PID/stat. */
static int read_proc_stat(pid_t pid, char *state, unsigned long long *start)
{
	return vc_proc_stat(pid, state, start);
}

/* Is pid in the container's cgroup (or below it) of some hierarchy? Read
 * from /proc/PID/cgroup, as the host sees it (statedir.c). */
static bool in_container_cgroup(pid_t pid, const char *id)
{
	return statedir_pid_in_cgroup(id, pid);
}

/* Alive: the same process (same start time), in the container's cgroup
 * (a forged or stale state.json cannot name another process: not pid 1,
 * not a reused pid), and not a zombie waiting for whoever adopted it to
 * reap it. */
static bool process_alive(pid_t pid, unsigned long long start_time, const char *id)
{
	unsigned long long now_start;
	char st;

	if (pid <= 0 || read_proc_stat(pid, &st, &now_start) < 0)
		return false;
	return now_start == start_time && st != 'Z' && st != 'X' && in_container_cgroup(pid, id);
}

static enum lc_status compute_status(const struct lc_container *ct)
{
	char fifo[PATH_MAX];

	if (!process_alive(ct->pid, ct->start_time, ct->id))
		return LC_STOPPED;
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", ct->dir);
	if (access(fifo, F_OK) == 0)
		return LC_CREATED;
	return freezer_is_frozen(LC_CGROUP_ROOT, ct->pid) ? LC_PAUSED : LC_RUNNING;
}

/* Write state.json through a temporary file and rename: a reader never
 * sees half of it. */
static int save_state(const struct lc_container *ct, vc_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];

	snprintf(path, sizeof(path), "%s/state.json", ct->dir);
	snprintf(tmp, sizeof(tmp), "%s/state.json.tmp", ct->dir);
	if (json_dump_file(ct->state, tmp, JSON_INDENT(2)) < 0) {
		unlink(tmp);
		return vc_error(err, errno, "container %s: writing %s", ct->id, tmp);
	}
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return vc_error(err, errno, "container %s: renaming %s", ct->id, tmp);
	}
	return 0;
}

static void lc_free(struct lc_container *ct)
{
	json_decref(ct->state);
	ct->state = NULL;
}

/* Read LC_STATE_ROOT/ID/state.json and compute the status. */
static int lc_load(struct lc_container *ct, const char *id, vc_err *err)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_int_t pid = 0, start = 0;

	memset(ct, 0, sizeof(*ct));
	ct->id = id;
	if (run_check_id(id, err) < 0 || state_path(ct->dir, sizeof(ct->dir), id, NULL, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/state.json", ct->dir);
	if (access(ct->dir, F_OK) < 0)
		return vc_error(err, 0, "container %s does not exist (no %s)", id, ct->dir);
	ct->state = json_load_file(path, 0, &jerr);
	if (!ct->state)
		return vc_error(err, 0, "container %s: %s: %s", id, path, jerr.text);
	if (json_unpack(ct->state, "{s:I, s:I}", "pid", &pid, STATEDIR_START_TIME_KEY, &start) <
	    0) {
		lc_free(ct);
		return vc_error(err, 0, "container %s: %s: no pid or %s", id, path,
		                STATEDIR_START_TIME_KEY);
	}
	ct->pid = (pid_t)pid;
	ct->start_time = (unsigned long long)start;
	ct->status = compute_status(ct);
	return 0;
}

static void set_status(struct lc_container *ct, enum lc_status status)
{
	ct->status = status;
	json_object_set_new(ct->state, "status", json_string(status_names[status]));
}

/* A pidfd of the container process, after checking it is still the same
 * process: a signal then cannot reach another one that got its pid. */
static int open_pidfd(const struct lc_container *ct, vc_err *err)
{
	int fd = (int)syscall(SYS_pidfd_open, ct->pid, 0);

	if (fd < 0)
		return vc_error(err, errno, "container %s: pidfd_open(%d)", ct->id, (int)ct->pid);
	if (!process_alive(ct->pid, ct->start_time, ct->id)) {
		close(fd);
		return vc_error(err, 0,
		                "container %s: pid %d is not its process (ended, or another "
		                "process outside vclab/%s)",
		                ct->id, (int)ct->pid, ct->id);
	}
	return fd;
}

static int send_signal(const struct lc_container *ct, int sig, vc_err *err)
{
	int fd = open_pidfd(ct, err);
	int rc = 0;

	if (fd < 0)
		return -1;
	if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0)
		rc = vc_error(err, errno, "container %s: sending signal %d to pid %d", ct->id, sig,
		              (int)ct->pid);
	close(fd);
	return rc;
}

/* SIGKILL the container process and wait (at most 5 s) until it is gone. */
static int kill_and_wait(const struct lc_container *ct, vc_err *err)
{
	struct pollfd pfd = {.events = POLLIN};
	int rc = 0;

	pfd.fd = open_pidfd(ct, err);
	if (pfd.fd < 0)
		return process_alive(ct->pid, ct->start_time, ct->id) ? -1 : 0;
	if (syscall(SYS_pidfd_send_signal, pfd.fd, SIGKILL, NULL, 0) < 0)
		rc = vc_error(err, errno, "container %s: SIGKILL to pid %d", ct->id, (int)ct->pid);
	/* a pidfd turns readable when its process has exited */
	else if (poll(&pfd, 1, 5000) != 1)
		rc = vc_error(err, 0, "container %s: pid %d did not end after SIGKILL", ct->id,
		              (int)ct->pid);
	close(pfd.fd);
	return rc;
}

/* ---- removing the cgroup ------------------------------------------------ */

/* delete --force of an id without a state directory: a cgroup vclab/ID
 * left by a runtime that kept none is removed, with the id claimed;
 * with nothing at all there is nothing to do (runc: success). */
static int remove_stale_cgroup(const char *id, vc_err *err)
{
	struct cgroup *cg;
	struct ct_claim claim;
	bool any;

	if (statedir_open_cgroup(id, &cg, err) < 0)
		return -1;
	any = cgroup_path(cg)[0] != '\0';
	if (!any) {
		/* nothing at all: done, as with runc (engines delete --force
		 * after a failed create; an error would bury the real one) */
		cgroup_destroy(cg, NULL); /* nothing to remove: frees the handle */
		return 0;
	}
	if (statedir_claim(id, &claim, err) < 0) {
		cgroup_destroy(cg, NULL);
		return -1;
	}
	/* removed with the id held */
	if (cgroup_destroy(cg, err) < 0) {
		vc_error_wrap(err, "container %s: removing a stale cgroup", id);
		statedir_release(&claim);
		return -1;
	}
	statedir_release(&claim);
	return 0;
}

/* Remove the state directory (and LC_STATE_ROOT when it is left empty). */
static void remove_state_dir(const char *dir)
{
	statedir_remove(dir);
}

/* ---- create ------------------------------------------------------------- */

int lifecycle_create(const struct ct_spec *spec, const struct run_opts *opts, vc_err *err)
{
	struct lc_container ct = {.id = opts->id};
	struct run_opts ro = *opts;
	struct run_result res;
	struct ct_claim claim;
	char fifo[PATH_MAX];
	char st;
	vc_err ignored;

	if (run_check_id(opts->id, err) < 0)
		return -1;
	/* Our lock on the id until state.json is written: if we are killed
	 * before, the next `container` command removes what we left. */
	if (state_path(ct.dir, sizeof(ct.dir), opts->id, NULL, err) < 0 ||
	    statedir_claim(opts->id, &claim, err) < 0)
		return -1;
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", ct.dir);
	/* O_RDWR: the child's read blocks until start writes, not at open */
	if (mkfifo(fifo, 0600) < 0 || (ro.exec_fifo_fd = open(fifo, O_RDWR | O_CLOEXEC)) < 0) {
		vc_error(err, errno, "container %s: making %s", opts->id, fifo);
		statedir_release(&claim);
		return -1;
	}
	ro.create = true;
	if (run_container(spec, &ro, &res, err) < 0) {
		close(ro.exec_fifo_fd);
		statedir_release(&claim);
		return -1;
	}
	close(ro.exec_fifo_fd);
	ct.pid = res.pid;
	if (read_proc_stat(ct.pid, &st, &ct.start_time) < 0) {
		vc_error(err, 0, "container %s: its process %d ended during create", ct.id,
		         (int)ct.pid);
		goto fail;
	}
	if (statedir_write_state(spec, ct.id, ct.pid, ct.start_time, 0, err) < 0 ||
	    hooks_save(spec, ct.dir, err) < 0)
		goto fail;
	if (opts->pid_file && statedir_write_pid_file(opts->pid_file, ct.pid, err) < 0)
		goto fail;
	vc_step(ro.tl, "state", "wrote %s/state.json: created, pid %d", ct.dir, (int)ct.pid);
	statedir_unlock(&claim);
	lc_free(&ct);
	return 0;
fail:
	kill_and_wait(&ct, &ignored);
	statedir_remove_cgroup(ct.id, &ignored);
	statedir_release(&claim);
	lc_free(&ct);
	return -1;
}

/* ---- start, state, kill, delete ----------------------------------------- */

/* start: wait until the process closed the exec FIFO (execve, or its end);
 * what it wrote there before is why it failed (child.c: child_fail). */
static int wait_exec(const struct lc_container *ct, int rfd, vc_err *err)
{
	struct pollfd pfd = {.fd = rfd, .events = 0};
	char msg[sizeof(err->msg)];
	ssize_t n;

	while (poll(&pfd, 1, -1) < 0)
		if (errno != EINTR)
			return vc_error(err, errno, "container %s: waiting for its start", ct->id);
	n = read(rfd, msg, sizeof(msg) - 1);
	if (n <= 0)
		return 0;
	msg[n] = '\0';
	if (!strcmp(msg, "s"))
		return vc_error(err, 0, "container %s: its process ended before it started",
		                ct->id);
	return vc_error(err, 0, "container %s: start: %s", ct->id, msg);
}

static int lc_start(const char *id, vc_err *err)
{
	struct lc_container ct;
	struct ct_spec hooks;
	char fifo[PATH_MAX];
	int fd, rfd = -1, rc = -1;
	vc_err ignored;

	spec_init(&hooks);
	if (lc_load(&ct, id, err) < 0)
		return -1;
	if (ct.status != LC_CREATED) {
		vc_error(err, 0, "container %s is %s, not created: only a created container starts",
		         id, status_names[ct.status]);
		goto out;
	}
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", ct.dir);
	/* Our reader first: it sees the end (POLLHUP) once the process closed
	 * the FIFO, at its execve, and reads why it failed if it did. */
	rfd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	/* no reader (ENXIO): the process stopped waiting */
	fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		vc_error(err, errno, "container %s: opening %s", id, fifo);
		goto out;
	}
	if (write(fd, "s", 1) != 1) {
		vc_error(err, errno, "container %s: writing to %s", id, fifo);
		close(fd);
		goto out;
	}
	close(fd);
	unlink(fifo);
	if (rfd >= 0 && wait_exec(&ct, rfd, err) < 0) {
		/* startContainer hook, execve: nothing runs; delete removes it */
		set_status(&ct, LC_STOPPED);
		save_state(&ct, &ignored);
		goto out;
	}
	set_status(&ct, LC_RUNNING);
	rc = save_state(&ct, err);
	if (rc == 0 && hooks_load(&hooks, ct.dir, &ignored) > 0)
		hooks_run_saved(&hooks, CT_HOOK_POSTSTART, ct.state, "running");
out:
	if (rfd >= 0)
		close(rfd);
	spec_free(&hooks);
	lc_free(&ct);
	return rc;
}

/* The OCI state as `state` and `list` print it: the computed status, pid 0
 * once stopped, without our own keys. */
static void state_for_output(struct lc_container *ct)
{
	set_status(ct, ct->status);
	json_object_del(ct->state, STATEDIR_START_TIME_KEY);
	json_object_del(ct->state, STATEDIR_RUN_KEY);
	if (ct->status == LC_STOPPED)
		json_object_set_new(ct->state, "pid", json_integer(0));
}

static int lc_state(const char *id, vc_err *err)
{
	struct lc_container ct;

	if (lc_load(&ct, id, err) < 0)
		return -1;
	state_for_output(&ct);
	json_dumpf(ct.state, stdout, JSON_INDENT(2));
	putchar('\n');
	lc_free(&ct);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* list (runc's): every container with a state, sorted by id. A directory
 * without one yet (a run or create still setting up) is left out. */
static int lc_list(bool json, bool quiet, vc_err *err)
{
	DIR *d = opendir(statedir_root);
	json_t *all = json_array();
	char **ids = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int rc = -1;

	if (!d && errno != ENOENT) {
		vc_error(err, errno, "list: %s", statedir_root);
		goto out;
	}
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **more = realloc(ids, (cap = cap ? 2 * cap : 16) * sizeof(*ids));

			if (!more)
				goto oom;
			ids = more;
		}
		if (!(ids[n] = strdup(e->d_name)))
			goto oom;
		n++;
	}
	if (n)
		qsort(ids, n, sizeof(*ids), cmp_names);
	if (!json && !quiet)
		printf("%-28s %-8s %-8s %s\n", "ID", "PID", "STATUS", "BUNDLE");
	for (size_t i = 0; i < n; i++) {
		struct lc_container ct;
		vc_err ignored;
		json_int_t pid = 0;
		const char *bundle = NULL;

		if (lc_load(&ct, ids[i], &ignored) < 0)
			continue;
		state_for_output(&ct);
		if (quiet) {
			puts(ids[i]);
		} else if (json) {
			json_array_append(all, ct.state);
		} else {
			json_unpack(ct.state, "{s:I, s?s}", "pid", &pid, "bundle", &bundle);
			printf("%-28s %-8lld %-8s %s\n", ids[i], (long long)pid,
			       status_names[ct.status], bundle && *bundle ? bundle : "-");
		}
		lc_free(&ct);
	}
	if (json) {
		json_dumpf(all, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	rc = 0;
	goto out;
oom:
	vc_error(err, ENOMEM, "list");
out:
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	json_decref(all);
	return rc;
}

int lifecycle_parse_signal(const char *name, int *sig, vc_err *err)
{
	const char *bare = strncasecmp(name, "SIG", 3) == 0 ? name + 3 : name;
	char *end;
	long n;

	errno = 0;
	n = strtol(name, &end, 10);
	if (*name && !*end && !errno) {
		if (n < 1 || n > SIGRTMAX)
			return vc_error(err, 0, "signal '%s': not between 1 and %d", name,
			                (int)SIGRTMAX);
		*sig = (int)n;
		return 0;
	}
	for (int s = 1; s < SIGRTMIN; s++) {
		const char *abbrev = sigabbrev_np(s);

		if (abbrev && strcasecmp(abbrev, bare) == 0) {
			*sig = s;
			return 0;
		}
	}
	return vc_error(err, 0, "signal '%s': expected a name (TERM, SIGKILL, ...) or a number",
	                name);
}

/* kill --all: every process of the container's cgroup, listed first: the
 * first one through its checked pidfd, the others by pid, as runc does. One
 * that ends meanwhile (pid 1 may end once its children got the signal) is
 * not an error. */
static int kill_all(const struct lc_container *ct, int sig, vc_err *err)
{
	pid_t *pids;
	size_t n;
	vc_err ignored;
	int fd, rc = 0;

	if (freezer_list_pids(LC_CGROUP_ROOT, ct->pid, &pids, &n, err) < 0)
		return -1;
	fd = open_pidfd(ct, &ignored);
	if (fd >= 0) {
		if (syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) < 0 && errno != ESRCH)
			rc = vc_error(err, errno, "container %s: sending signal %d to pid %d",
			              ct->id, sig, (int)ct->pid);
		close(fd);
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		if (pids[i] != ct->pid && kill(pids[i], sig) < 0 && errno != ESRCH)
			rc = vc_error(err, errno, "container %s: sending signal %d to pid %d",
			              ct->id, sig, (int)pids[i]);
	free(pids);
	return rc;
}

static int lc_kill(const char *id, const char *signame, bool all, vc_err *err)
{
	struct lc_container ct;
	int sig, rc;

	if (lifecycle_parse_signal(signame, &sig, err) < 0 || lc_load(&ct, id, err) < 0)
		return -1;
	if (ct.status == LC_STOPPED)
		rc = vc_error(err, 0, "container %s is stopped: nothing to signal", id);
	else
		rc = all ? kill_all(&ct, sig, err) : send_signal(&ct, sig, err);
	lc_free(&ct);
	return rc;
}

static int lc_pause(const char *id, bool pause, vc_err *err)
{
	struct lc_container ct;
	int rc;

	if (lc_load(&ct, id, err) < 0)
		return -1;
	if (ct.status != (pause ? LC_RUNNING : LC_PAUSED))
		rc = vc_error(err, 0, "container %s is %s, not %s", id, status_names[ct.status],
		              pause ? "running" : "paused");
	else
		rc = freezer_set(LC_CGROUP_ROOT, ct.pid, pause, err);
	lc_free(&ct);
	return rc;
}

/* ps: the host pids of the container's processes; json: a JSON array
 * (what podman reads), else one "PID CMD" line each. */
static int lc_ps(const char *id, bool json, vc_err *err)
{
	struct lc_container ct;
	pid_t *pids = NULL;
	size_t n = 0;

	if (lc_load(&ct, id, err) < 0)
		return -1;
	if (ct.status != LC_STOPPED &&
	    freezer_list_pids(LC_CGROUP_ROOT, ct.pid, &pids, &n, err) < 0) {
		lc_free(&ct);
		return -1;
	}
	if (json) {
		putchar('[');
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		puts("]");
	} else {
		puts("PID CMD");
		for (size_t i = 0; i < n; i++) {
			char path[64], comm[64] = "?";
			FILE *f;

			snprintf(path, sizeof(path), "/proc/%d/comm", (int)pids[i]);
			f = fopen(path, "re");
			if (f && fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = '\0';
			if (f)
				fclose(f);
			printf("%d %s\n", (int)pids[i], comm);
		}
	}
	free(pids);
	lc_free(&ct);
	return 0;
}

/* A live `container run` or `container create` holds the id's lock. */
static int owned_error(vc_err *err, const char *id, pid_t owner)
{
	return vc_error(err, 0,
	                "container %s is being set up or run by pid %d (container run/create): "
	                "stop that process",
	                id, (int)owner);
}

static int lc_delete(const char *id, bool force, vc_err *err)
{
	struct lc_container ct;
	struct ct_spec hooks;
	vc_err herr = {0};
	int rc = -1;

	spec_init(&hooks);

	if (lc_load(&ct, id, err) < 0) {
		vc_err lerr = *err;
		pid_t owner;
		int reaped;

		if (!ct.dir[0])
			return -1;
		/* What a killed `run` or `create` left (the sweep before this
		 * command removed it already, unless it raced with us). */
		reaped = statedir_reap(id, &owner, err);
		if (reaped != 0)
			return reaped > 0 ? 0 : -1;
		if (owner)
			return owned_error(err, id, owner);
		*err = lerr;
		if (!force)
			return -1;
		/* No usable state.json and no lock file (a state directory of an
		 * older vclab): --force clears it. No directory at all but a
		 * stale cgroup vclab/ID: --force removes that. */
		if (access(ct.dir, F_OK) == 0) {
			if (statedir_remove_cgroup(id, err) < 0)
				return -1;
			remove_state_dir(ct.dir);
			return 0;
		}
		return remove_stale_cgroup(id, err);
	}
	/* A `container run`'s: that command removes it when its process ends
	 * (or, killed, the lock is free and it is debris). */
	if (json_object_get(ct.state, STATEDIR_RUN_KEY)) {
		pid_t owner;
		int reaped = statedir_reap(id, &owner, err);

		if (reaped != 0) {
			rc = reaped > 0 ? 0 : -1;
			goto out;
		}
		owned_error(err, id, owner);
		goto out;
	}
	/* like runc: a created container (never started) goes without --force */
	if ((ct.status == LC_RUNNING || ct.status == LC_PAUSED) && !force) {
		vc_error(err, 0,
		         "container %s is %s: stop it first (container kill) or use "
		         "delete --force",
		         id, status_names[ct.status]);
		goto out;
	}
	if (ct.status == LC_PAUSED)
		freezer_set(LC_CGROUP_ROOT, ct.pid, false,
		            err); /* SIGKILL waits for a thaw on v1 */
	if (ct.status != LC_STOPPED && kill_and_wait(&ct, err) < 0)
		goto out;
	if (statedir_remove_cgroup(id, err) < 0)
		goto out;
	if (hooks_load(&hooks, ct.dir, &herr) < 0) {
		vc_error_wrap(&herr, "warning: poststop hooks not run");
		vc_error_print("container", &herr);
	}
	remove_state_dir(ct.dir);
	hooks_run_saved(&hooks, CT_HOOK_POSTSTOP, ct.state, "stopped");
	rc = 0;
out:
	spec_free(&hooks);
	lc_free(&ct);
	return rc;
}

/* ---- exec --------------------------------------------------------------- */

int lifecycle_open_process(const char *id, int *pidfd, pid_t *pid, char *bundle, size_t len,
                           vc_err *err)
{
	struct lc_container ct;
	const char *b = NULL;
	int rc = -1;

	if (lc_load(&ct, id, err) < 0)
		return -1;
	if (ct.status != LC_CREATED && ct.status != LC_RUNNING) {
		vc_error(err, 0, "container %s is %s: exec needs a created or running container",
		         id, status_names[ct.status]);
		goto out;
	}
	if (json_unpack(ct.state, "{s:s}", "bundle", &b) < 0 || !*b ||
	    (size_t)snprintf(bundle, len, "%s", b) >= len) {
		if (b && !*b && json_object_get(ct.state, STATEDIR_RUN_KEY))
			vc_error(
			    err, 0,
			    "container %s was started by `container run ROOTFS|IMAGE`, which "
			    "has no bundle: exec needs one run with --bundle or made by create",
			    id);
		else
			vc_error(err, 0, "container %s: %s/state.json: no usable bundle", id,
			         ct.dir);
		goto out;
	}
	*pidfd = open_pidfd(&ct, err);
	if (*pidfd < 0)
		goto out;
	*pid = ct.pid;
	rc = 0;
out:
	lc_free(&ct);
	return rc;
}

int lifecycle_check_live(const char *id, const char *verb, vc_err *err)
{
	struct lc_container ct;
	int rc = 0;

	if (lc_load(&ct, id, err) < 0)
		return -1;
	if (ct.status == LC_STOPPED)
		rc = vc_error(err, 0,
		              "container %s is stopped: %s needs a created, running or paused "
		              "container",
		              id, verb);
	lc_free(&ct);
	return rc;
}

/* ---- command line ------------------------------------------------------- */

bool lifecycle_is_verb(const char *verb)
{
	static const char *const verbs[] = {"start",  "state", "kill", "delete", "pause",
	                                    "resume", "ps",    "list", NULL};

	for (size_t i = 0; verbs[i]; i++)
		if (!strcmp(verb, verbs[i]))
			return true;
	return false;
}

static const char *verb_usage(const char *verb)
{
	if (!strcmp(verb, "kill"))
		return "[--all] ID [SIGNAL]";
	if (!strcmp(verb, "delete"))
		return "[--force] ID";
	if (!strcmp(verb, "ps"))
		return "[--format table|json] ID";
	if (!strcmp(verb, "list"))
		return "[--format table|json] [--quiet]";
	return "ID";
}

int lifecycle_main(int argc, char **argv)
{
	const char *verb = argv[0], *format = "table";
	const char *args[2] = {NULL, NULL};
	bool force = false, all = false, quiet = false, list = !strcmp(verb, "list");
	int nargs = 0;
	vc_err err = {0};
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(verb, "delete") && (!strcmp(a, "--force") || !strcmp(a, "-f")))
			force = true;
		else if (!strcmp(verb, "kill") && (!strcmp(a, "--all") || !strcmp(a, "-a")))
			all = true;
		else if ((list || !strcmp(verb, "ps")) &&
		         (!strcmp(a, "--format") || !strcmp(a, "-f")) && i + 1 < argc)
			format = argv[++i];
		else if ((list || !strcmp(verb, "ps")) && !strncmp(a, "--format=", 9))
			format = a + 9;
		else if (list && (!strcmp(a, "--quiet") || !strcmp(a, "-q")))
			quiet = true;
		else if (a[0] == '-')
			nargs = 99; /* an unknown option */
		else if (nargs < 2)
			args[nargs++] = a;
		else
			nargs = 99;
	}
	if ((list ? nargs != 0 : nargs < 1 || nargs > (strcmp(verb, "kill") ? 1 : 2)) ||
	    (strcmp(format, "table") && strcmp(format, "json"))) {
		char msg[160];

		snprintf(msg, sizeof(msg), "%s: expected %s (see container --help)", verb,
		         verb_usage(verb));
		rt_report_msg(msg);
		return 1;
	}
	if (!strcmp(verb, "start"))
		rc = lc_start(args[0], &err);
	else if (!strcmp(verb, "state"))
		rc = lc_state(args[0], &err);
	else if (!strcmp(verb, "kill"))
		rc = lc_kill(args[0], args[1] ? args[1] : "TERM", all, &err);
	else if (!strcmp(verb, "pause") || !strcmp(verb, "resume"))
		rc = lc_pause(args[0], !strcmp(verb, "pause"), &err);
	else if (!strcmp(verb, "ps"))
		rc = lc_ps(args[0], !strcmp(format, "json"), &err);
	else if (list)
		rc = lc_list(!strcmp(format, "json"), quiet, &err);
	else
		rc = lc_delete(args[0], force, &err);
	if (rc < 0) {
		rt_report(&err);
		return 1;
	}
	return 0;
}
