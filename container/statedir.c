/* Claims on container ids, and removing what killed commands left
 * (statedir.h). */
#include "statedir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cgroup.h"
#include "hooks.h"
#include "lifecycle.h"

#define TMP_PREFIX ".new-"

/* --root DIR (main.c), else LC_STATE_ROOT. */
const char *statedir_root = LC_STATE_ROOT;
#define CLAIM_TRIES 5

static int lock_fd(int fd, bool wait)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	return fcntl(fd, wait ? F_SETLKW : F_SETLK, &fl);
}

/* The pid holding a lock on fd, or 0. */
static pid_t lock_owner(int fd)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	if (fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
		return 0;
	return fl.l_pid;
}

void statedir_remove(const char *dir)
{
	static const char *const files[] = {"exec.fifo",  "state.json.tmp", "state.json",
	                                    "hooks.json", "cgroup.tmp",     "cgroup",
	                                    "lock"};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	rmdir(statedir_root);
}

/* A state.json with a pid: a created container, not debris. That of a
 * `container run` is not (it holds only while run holds the lock). */
static bool has_state(const char *dir)
{
	char path[PATH_MAX];
	json_t *st;
	bool ok;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	st = json_load_file(path, 0, NULL);
	ok = st && json_is_integer(json_object_get(st, "pid")) &&
	     !json_object_get(st, STATEDIR_RUN_KEY);
	json_decref(st);
	return ok;
}

int statedir_write_state(const struct ct_spec *spec, const char *id, pid_t pid,
                         unsigned long long start_time, pid_t run_pid, vc_err *err)
{
	char path[STATEDIR_PATH_MAX], tmp[STATEDIR_PATH_MAX + 8];
	json_t *st;
	char *text = NULL;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s/state.json", statedir_root, id) >=
	    sizeof(path))
		return vc_error(err, ENAMETOOLONG, "container %s: state path", id);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	st = hooks_state_json(spec, id, run_pid > 0 ? "running" : "created", pid);
	if (st &&
	    json_object_set_new(st, STATEDIR_START_TIME_KEY,
	                        json_integer((json_int_t)start_time)) == 0 &&
	    (run_pid <= 0 || json_object_set_new(st, STATEDIR_RUN_KEY, json_integer(run_pid)) == 0))
		text = json_dumps(st, JSON_INDENT(2));
	json_decref(st);
	if (!text)
		return vc_error(err, ENOMEM, "container %s: state", id);
	rc = vc_write_atomic(path, tmp, text, strlen(text), 0600, false, err);
	free(text);
	return rc < 0 ? vc_error_wrap(err, "container %s: state.json", id) : 0;
}

/* Open dir/lock and take its lock without waiting, checking the file is
 * still the one at that path (a reaper may have removed it meanwhile).
 * Returns the fd, or -1 with *owner set (0 when there is no lock file). */
static int try_lock_dir(const char *dir, pid_t *owner)
{
	char path[PATH_MAX];
	struct stat a, b;
	int fd;

	*owner = 0;
	snprintf(path, sizeof(path), "%s/lock", dir);
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (lock_fd(fd, false) < 0) {
		*owner = lock_owner(fd);
		if (!*owner)
			*owner = -1; /* held, holder unknown */
		close(fd);
		return -1;
	}
	if (fstat(fd, &a) < 0 || stat(path, &b) < 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The record of LC_STATE_ROOT/ID/cgroup into buf: 1 when there is one,
 * 0 when not (the cgroup is vclab/ID), < 0 on error. */
static int read_cgroup_record(const char *id, char *buf, size_t len, vc_err *err)
{
	char path[256];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s/cgroup", statedir_root, id) >= sizeof(path))
		return vc_error(err, ENAMETOOLONG, "container %s: state path", id);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? 0 : vc_error(err, errno, "reading %s", path);
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0 || (size_t)n >= len - 1)
		return vc_error(err, n < 0 ? errno : EFBIG, "reading %s", path);
	buf[n] = '\0';
	return 1;
}

int statedir_save_cgroup(const char *id, const struct cgroup *cg, vc_err *err)
{
	char text[8192], tmp[256], path[256];
	int len = cgroup_record(cg, text, sizeof(text));

	if (len < 0)
		return vc_error(err, E2BIG, "container %s: recording its cgroup", id);
	snprintf(tmp, sizeof(tmp), "%s/%s/cgroup.tmp", statedir_root, id);
	snprintf(path, sizeof(path), "%s/%s/cgroup", statedir_root, id);
	return vc_write_atomic(path, tmp, text, (size_t)len, 0600, false, err);
}

int statedir_resave_cgroup(const char *id, const struct cgroup *cg, vc_err *err)
{
	char record[8192];
	int has = read_cgroup_record(id, record, sizeof(record), err);

	if (has <= 0)
		return has;
	return statedir_save_cgroup(id, cg, err);
}

int statedir_open_cgroup(const char *id, struct cgroup **cg, vc_err *err)
{
	char record[8192];
	int has = read_cgroup_record(id, record, sizeof(record), err);

	if (has < 0)
		return -1;
	if (has)
		return cgroup_open_recorded(LC_CGROUP_ROOT, id, record, NULL, cg, err);
	return cgroup_open(LC_CGROUP_ROOT, id, NULL, cg, err);
}

bool statedir_pid_in_cgroup(const char *id, pid_t pid)
{
	char record[8192];
	vc_err ignored;
	int has = read_cgroup_record(id, record, sizeof(record), &ignored);

	if (has < 0)
		return false;
	return cgroup_pid_in(LC_CGROUP_ROOT, id, has ? record : NULL, pid);
}

int statedir_remove_cgroup(const char *id, vc_err *err)
{
	struct cgroup *cg;

	if (statedir_open_cgroup(id, &cg, err) < 0)
		return -1;
	return cgroup_destroy(cg, err);
}

int statedir_reap(const char *id, pid_t *owner, vc_err *err)
{
	char dir[STATEDIR_PATH_MAX];
	int fd;

	*owner = 0;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", statedir_root, id) >= sizeof(dir))
		return vc_error(err, ENAMETOOLONG, "container %s: state path", id);
	fd = try_lock_dir(dir, owner);
	if (fd < 0)
		return 0;
	if (has_state(dir)) {
		close(fd);
		return 0;
	}
	/* A temporary directory never had a cgroup: that comes after the rename. */
	if (strncmp(id, TMP_PREFIX, strlen(TMP_PREFIX)) && statedir_remove_cgroup(id, err) < 0) {
		close(fd);
		return -1;
	}
	statedir_remove(dir);
	close(fd);
	return 1;
}

/* .new-ID-PID without a lock file: its maker died between mkdir and
 * creating the lock. Gone when that pid is. */
static bool reap_lockless_tmp(const char *name)
{
	char dir[STATEDIR_PATH_MAX], path[PATH_MAX];
	const char *dash = strrchr(name, '-');
	int pid;

	if (strlen(name) > 100)
		return false;
	if (strncmp(name, TMP_PREFIX, strlen(TMP_PREFIX)) || !dash ||
	    sscanf(dash + 1, "%d", &pid) != 1 || pid <= 0 || (kill(pid, 0) == 0 || errno != ESRCH))
		return false;
	snprintf(dir, sizeof(dir), "%s/%.100s", statedir_root, name);
	snprintf(path, sizeof(path), "%s/lock", dir);
	if (access(path, F_OK) == 0)
		return false;
	return rmdir(dir) == 0;
}

int statedir_sweep(const char *except)
{
	DIR *d = opendir(statedir_root);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		vc_err ignored;
		pid_t owner;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
		    (except && !strcmp(e->d_name, except)) || strlen(e->d_name) > 100)
			continue;
		if (statedir_reap(e->d_name, &owner, &ignored) > 0 || reap_lockless_tmp(e->d_name))
			n++;
	}
	closedir(d);
	return n;
}

/* mkdir -p statedir_root (an engine's --root may not exist yet). */
static int make_root(vc_err *err)
{
	char path[PATH_MAX];

	if (mkdir(statedir_root, 0700) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return vc_error(err, errno, "creating %s", statedir_root);
	snprintf(path, sizeof(path), "%s", statedir_root);
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0711) < 0 && errno != EEXIST)
			return vc_error(err, errno, "creating %s", path);
		*p = '/';
	}
	if (mkdir(statedir_root, 0700) < 0 && errno != EEXIST)
		return vc_error(err, errno, "creating %s", statedir_root);
	return 0;
}

static int try_claim(const char *id, struct ct_claim *c, vc_err *err)
{
	char tmp[STATEDIR_PATH_MAX], path[PATH_MAX];
	pid_t owner;
	int fd, e;

	snprintf(tmp, sizeof(tmp), "%s/" TMP_PREFIX "%s-%d", statedir_root, id, (int)getpid());
	if (make_root(err) < 0)
		return -1;
	if (mkdir(tmp, 0700) < 0)
		return errno == ENOENT ? 1 : vc_error(err, errno, "creating %s", tmp);
	snprintf(path, sizeof(path), "%s/lock", tmp);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || lock_fd(fd, false) < 0) {
		/* a sweep took it for debris (a race we lose rarely): retry */
		if (fd >= 0)
			close(fd);
		rmdir(tmp);
		return 1;
	}
	if (rename(tmp, c->dir) == 0) {
		c->lock_fd = fd;
		return 0;
	}
	e = errno;
	statedir_remove(tmp);
	close(fd);
	if (e != EEXIST && e != ENOTEMPTY)
		return e == ENOENT ? 1 : vc_error(err, e, "creating %s", c->dir);
	/* The id is taken: by debris (removed, then try again) or by a live
	 * container. */
	switch (statedir_reap(id, &owner, err)) {
	case 1:
		return 1;
	case 0:
		if (owner > 0)
			return vc_error(err, 0,
			                "container %s already exists (pid %d is setting it up or "
			                "running it)",
			                id, (int)owner);
		return vc_error(err, 0, "container %s already exists (%s)", id, c->dir);
	default:
		return vc_error_wrap(err, "container %s: removing what a killed command left", id);
	}
}

int statedir_claim(const char *id, struct ct_claim *c, vc_err *err)
{
	int rc = 1;

	c->lock_fd = -1;
	if ((size_t)snprintf(c->dir, sizeof(c->dir), "%s/%s", statedir_root, id) >= sizeof(c->dir))
		return vc_error(err, ENAMETOOLONG, "container %s: state path", id);
	for (int i = 0; i < CLAIM_TRIES && rc > 0; i++)
		rc = try_claim(id, c, err);
	if (rc > 0)
		return vc_error(err, 0, "container %s: could not claim %s (busy)", id, c->dir);
	if (rc < 0)
		return -1;
	return 0;
}

int statedir_remove_stale_cgroup(const char *id, vc_err *err)
{
	struct cgroup *cg;
	bool any;

	if (cgroup_open(LC_CGROUP_ROOT, id, NULL, &cg, err) < 0)
		return -1;
	any = cgroup_path(cg)[0] != '\0';
	if (cgroup_destroy(cg, err) < 0)
		return vc_error_wrap(err, "container %s: removing a stale cgroup", id);
	return any;
}

void statedir_unlock(struct ct_claim *c)
{
	if (c->lock_fd >= 0)
		close(c->lock_fd);
	c->lock_fd = -1;
}

void statedir_release(struct ct_claim *c)
{
	if (c->lock_fd < 0)
		return;
	statedir_remove(c->dir);
	statedir_unlock(c);
}

int statedir_write_pid_file(const char *path, pid_t pid, vc_err *err)
{
	char tmp[PATH_MAX], num[24];
	const char *slash = strrchr(path, '/');
	int n = snprintf(num, sizeof(num), "%d", (int)pid);

	/* DIR/.NAME-PID beside it, then rename: a reader sees all or nothing */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%.*s.%s-%d", slash ? (int)(slash - path + 1) : 0,
	                     path, slash ? slash + 1 : path, (int)getpid()) >= sizeof(tmp))
		return vc_error(err, ENAMETOOLONG, "--pid-file %s", path);
	if (vc_write_atomic(path, tmp, num, (size_t)n, 0644, false, err) < 0)
		return vc_error_wrap(err, "--pid-file %s", path);
	return 0;
}
