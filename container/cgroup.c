/* cgroups: layout detection, the public API (which dispatches to the v1 or
 * v2 backend) and the file helpers both backends use. */
#include "cgroup-internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"

/* How long destroy waits for killed processes to leave (1 ms steps). */
#define CG_KILL_ROUNDS 5000

const struct cg_device cg_default_devices[] = {
    {'c', 1, 3},    /* /dev/null */
    {'c', 1, 5},    /* /dev/zero */
    {'c', 1, 7},    /* /dev/full */
    {'c', 1, 8},    /* /dev/random */
    {'c', 1, 9},    /* /dev/urandom */
    {'c', 5, 0},    /* /dev/tty */
    {'c', 5, 2},    /* /dev/ptmx */
    {'c', 136, -1}, /* /dev/pts/N */
    {'c', 10, 200}, /* /dev/net/tun */
};
const unsigned cg_n_default_devices = sizeof(cg_default_devices) / sizeof(cg_default_devices[0]);

void cg_limits_init(struct cg_limits *l)
{
	memset(l, 0, sizeof(*l));
	l->memory_max = -1;
	l->memory_swap = -1;
	l->cpu_quota_us = -1;
	l->pids_max = -1;
}

/* --- limits --- */

bool cg_limits_need_memory(const struct cg_limits *lim)
{
	return lim->memory_max >= 0 || lim->memory_swap >= 0;
}

bool cg_limits_need_cpu(const struct cg_limits *lim)
{
	return lim->cpu_shares || lim->cpu_quota_us >= 0 || lim->cpu_period_us;
}

bool cg_limits_need_cpuset(const struct cg_limits *lim)
{
	return lim->cpuset_cpus[0] || lim->cpuset_mems[0];
}

bool cg_limits_need_io(const struct cg_limits *lim)
{
	return lim->blkio_weight || lim->n_read_bps || lim->n_write_bps || lim->n_read_iops ||
	       lim->n_write_iops;
}

int cg_limits_check(const struct cg_limits *lim, vc_err *err)
{
	if (lim->memory_max < -1)
		return vc_error(err, 0, "cgroup: memory limit %lld is negative",
		                (long long)lim->memory_max);
	if (lim->pids_max < -1)
		return vc_error(err, 0, "cgroup: pids limit %lld is negative",
		                (long long)lim->pids_max);
	if (lim->cpu_quota_us < -1)
		return vc_error(err, 0, "cgroup: cpu quota %lld is negative",
		                (long long)lim->cpu_quota_us);
	if (lim->memory_swap < -1)
		return vc_error(err, 0, "cgroup: memory.swap %lld is negative",
		                (long long)lim->memory_swap);
	/* OCI's swap is memory plus swap, so it only means something next to a
	 * memory limit and cannot be below it. */
	if (lim->memory_swap >= 0 && lim->memory_max < 0)
		return vc_error(err, 0, "cgroup: memory.swap (%lld) needs a memory limit",
		                (long long)lim->memory_swap);
	if (lim->memory_swap >= 0 && lim->memory_swap < lim->memory_max)
		return vc_error(err, 0,
		                "cgroup: memory.swap (%lld) is below the memory limit (%lld); it "
		                "counts memory plus swap",
		                (long long)lim->memory_swap, (long long)lim->memory_max);
	if (lim->n_read_bps > CG_MAX_THROTTLES || lim->n_write_bps > CG_MAX_THROTTLES ||
	    lim->n_read_iops > CG_MAX_THROTTLES || lim->n_write_iops > CG_MAX_THROTTLES)
		return vc_error(err, 0, "cgroup: more than %d throttled devices", CG_MAX_THROTTLES);
	return 0;
}

uint64_t cg_shares_to_weight(uint64_t shares)
{
	/* Linear map of [2, 262144] onto [1, 10000], as runc and crun do;
	 * the default 1024 shares become weight 39. */
	if (shares < 2)
		shares = 2;
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cg_blkio_to_io_weight(uint64_t weight)
{
	/* [10, 1000] onto [1, 10000]. */
	if (weight < 10)
		weight = 10;
	return 1 + ((weight - 10) * 9999) / 990;
}

/* --- files --- */

int cg_join(char *buf, size_t len, const char *dir, const char *file, vc_err *err)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, file) >= len)
		return vc_error(err, ENAMETOOLONG, "cgroup: %s/%s", dir, file);
	return 0;
}

bool cg_file_exists(const char *dir, const char *file)
{
	char path[PATH_MAX];

	if (cg_join(path, sizeof(path), dir, file, NULL) < 0)
		return false;
	return access(path, F_OK) == 0;
}

static int write_line(const char *dir, const char *file, const char *value, vc_err *err)
{
	char path[PATH_MAX], line[512];
	size_t len;
	ssize_t n;
	int fd, e;

	if (cg_join(path, sizeof(path), dir, file, err) < 0)
		return -1;
	/* One line, as `echo VALUE > FILE` writes it: every cgroup file
	 * accepts the trailing newline. */
	len = (size_t)snprintf(line, sizeof(line), "%s\n", value);
	if (len >= sizeof(line))
		return vc_error(err, E2BIG, "cgroup: writing '%.40s...' to %s", value, path);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return vc_error(err, errno, "cgroup: writing '%s' to %s", value, path);
	/* The kernel parses each write(2) on its own and reports a bad value
	 * as the write's error. */
	n = write(fd, line, len);
	e = errno;
	close(fd);
	if (n < 0)
		return vc_error(err, e, "cgroup: writing '%s' to %s", value, path);
	if ((size_t)n != len)
		return vc_error(err, 0, "cgroup: writing '%s' to %s: short write", value, path);
	return 0;
}

int cg_write(struct cgroup *cg, const char *dir, const char *file, const char *value, vc_err *err)
{
	if (write_line(dir, file, value, err) < 0)
		return -1;
	if (cg->tl)
		vc_step(cg->tl, "cgroup", "%s = %s in %s", file, value, dir);
	return 0;
}

int cg_writef(struct cgroup *cg, const char *dir, const char *file, vc_err *err, const char *fmt,
              ...)
{
	char value[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	return cg_write(cg, dir, file, value, err);
}

/* The files are read by common/procfs.c, the reader the bench uses too. */
int cg_read(const char *dir, const char *file, char *buf, size_t len, vc_err *err)
{
	char path[PATH_MAX];
	int n;

	if (cg_join(path, sizeof(path), dir, file, err) < 0)
		return -1;
	n = vc_read_file(path, buf, len);
	if (n < 0)
		return vc_error(err, errno, "cgroup: reading %s", path);
	return n;
}

int cg_read_key(const char *dir, const char *file, const char *key, uint64_t *val, vc_err *err)
{
	char path[PATH_MAX];

	if (cg_join(path, sizeof(path), dir, file, err) < 0)
		return -1;
	if (vc_read_field(path, key, val) == 0)
		return 0;
	if (errno == ENOENT && access(path, F_OK) == 0)
		return vc_error(err, 0, "cgroup: no '%s' line in %s/%s", key, dir, file);
	return vc_error(err, errno, "cgroup: reading %s", path);
}

int cg_read_u64(const char *dir, const char *file, uint64_t *val, vc_err *err)
{
	char buf[64], *end;

	if (cg_read(dir, file, buf, sizeof(buf), err) < 0)
		return -1;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	if (errno || end == buf || *end)
		return vc_error(err, 0, "cgroup: %s/%s holds '%s', not a number", dir, file, buf);
	return 0;
}

static struct cg_dir *record_dir(struct cgroup *cg, const char *path, const char *controller,
                                 bool parent)
{
	struct cg_dir *d = &cg->dirs[cg->ndirs++];

	snprintf(d->path, sizeof(d->path), "%s", path);
	d->controller = controller;
	d->parent = parent;
	d->join_fd = -1;
	return d;
}

static int check_room(struct cgroup *cg, const char *path, vc_err *err)
{
	if (cg->ndirs >= CG_MAX_DIRS)
		return vc_error(err, 0, "cgroup: too many directories for %s", path);
	if (strlen(path) >= sizeof(cg->dirs[0].path))
		return vc_error(err, ENAMETOOLONG, "cgroup: %s", path);
	return 0;
}

int cg_mkdir(struct cgroup *cg, const char *path, const char *controller, bool parent, vc_err *err)
{
	if (check_room(cg, path, err) < 0)
		return -1;
	if (mkdir(path, 0755) < 0) {
		if (errno == EEXIST && parent)
			return 0;
		if (errno == EEXIST)
			return vc_error(err, 0,
			                "cgroup: %s already exists (is a container with id '%s' "
			                "running?)",
			                path, cg->id);
		return vc_error(err, errno, "cgroup: creating %s", path);
	}
	record_dir(cg, path, controller, parent);
	if (cg->tl)
		vc_step(cg->tl, "cgroup", "mkdir %s", path);
	return 0;
}

int cg_record_existing(struct cgroup *cg, const char *path, const char *controller, vc_err *err)
{
	struct stat st;

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	if (check_room(cg, path, err) < 0)
		return -1;
	record_dir(cg, path, controller, false);
	return 0;
}

const char *cg_dir_of(const struct cgroup *cg, const char *controller)
{
	unsigned i;

	for (i = 0; i < cg->ndirs; i++)
		if (!cg->dirs[i].parent && strcmp(cg->dirs[i].controller, controller) == 0)
			return cg->dirs[i].path;
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* SIGKILL each pid listed in dir/cgroup.procs; *left says how many there were. */
static int kill_listed(const char *dir, unsigned *left, vc_err *err)
{
	char path[PATH_MAX];
	FILE *f;
	int pid;

	*left = 0;
	if (cg_join(path, sizeof(path), dir, "cgroup.procs", err) < 0)
		return -1;
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		return vc_error(err, errno, "cgroup: reading %s", path);
	}
	while (fscanf(f, "%d", &pid) == 1) {
		if (pid > 0)
			kill(pid, SIGKILL);
		(*left)++;
	}
	fclose(f);
	return 0;
}

int cg_kill_procs(const char *dir, vc_err *err)
{
	unsigned round, left;

	/* A process may fork between reading the list and the kill, and a
	 * killed one stays listed until it has exited: repeat until empty. */
	for (round = 0; round < CG_KILL_ROUNDS; round++) {
		if (kill_listed(dir, &left, err) < 0)
			return -1;
		if (!left)
			return 0;
		sleep_ms(1);
	}
	return vc_error(err, 0, "cgroup: processes are still left in %s/cgroup.procs", dir);
}

/* rmdir that waits out EBUSY: a killed task may still be leaving. A
 * container may have made sub-cgroups of its own (its cgroup namespace
 * lets it): they go first, deepest first. */
static int rmdir_patiently(const char *path)
{
	char sub[PATH_MAX];
	struct dirent *e;
	unsigned round;
	DIR *d = opendir(path);

	while (d && (e = readdir(d)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.' &&
		    (size_t)snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) < sizeof(sub))
			rmdir_patiently(sub);
	if (d)
		closedir(d);
	for (round = 0; round < CG_KILL_ROUNDS; round++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -1;
		sleep_ms(1);
	}
	return -1;
}

/* Remove the recorded directories, newest first. The shared vclab parent
 * goes only with also_parents, and only when no other container uses it. */
static int remove_dirs(struct cgroup *cg, bool also_parents, vc_err *err)
{
	int rc = 0;
	unsigned i;

	for (i = cg->ndirs; i-- > 0;) {
		const struct cg_dir *d = &cg->dirs[i];

		if (d->parent) {
			if (also_parents && rmdir(d->path) == 0 && cg->tl)
				vc_step(cg->tl, "cgroup", "rmdir %s", d->path);
			continue;
		}
		if (rmdir_patiently(d->path) < 0) {
			if (rc == 0)
				rc = vc_error(err, errno, "cgroup: removing %s", d->path);
			continue;
		}
		if (cg->tl)
			vc_step(cg->tl, "cgroup", "rmdir %s", d->path);
	}
	cg->ndirs = 0;
	return rc;
}

static void close_join_fds(struct cgroup *cg)
{
	unsigned i;

	for (i = 0; i < cg->ndirs; i++)
		if (cg->dirs[i].join_fd >= 0) {
			close(cg->dirs[i].join_fd);
			cg->dirs[i].join_fd = -1;
		}
}

/* Open the join file of each container directory now, while we have the
 * host's privileges and mounts: the child writes "0" to them after it has
 * entered a user namespace or pivoted (the kernel checks the opener's
 * credentials). O_CLOEXEC: they go away when the container execs. */
static int open_join_fds(struct cgroup *cg, vc_err *err)
{
	char path[PATH_MAX];
	unsigned i;

	for (i = 0; i < cg->ndirs; i++) {
		struct cg_dir *d = &cg->dirs[i];

		if (d->parent)
			continue;
		if (cg_join(path, sizeof(path), d->path, cg->ops->join_file, err) < 0)
			return -1;
		d->join_fd = open(path, O_WRONLY | O_CLOEXEC);
		if (d->join_fd < 0)
			return vc_error(err, errno, "cgroup: opening %s", path);
	}
	if (cg->tl)
		vc_step(cg->tl, "cgroup", "opened %s in %s%s for the child to join by itself",
		        cg->ops->join_file, cgroup_path(cg),
		        cg->mode == CG_MODE_V2 ? "" : " and the other hierarchies");
	return 0;
}

static void cgroup_free(struct cgroup *cg)
{
	close_join_fds(cg);
	if (cg->dirfd >= 0)
		close(cg->dirfd);
	free(cg);
}

/* A container id becomes a directory name: keep it to a safe alphabet. */
static int check_id(const char *id, size_t max, vc_err *err)
{
	const char *p;

	if (!id[0] || strlen(id) >= max || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		goto bad;
	for (p = id; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-.+", *p))
			goto bad;
	return 0;
bad:
	return vc_error(err, 0,
	                "cgroup: container id '%s' is not a valid cgroup name (1 to %zu letters, "
	                "digits, '_', '-', '.', '+')",
	                id, max - 1);
}

/* A cgroup handle for root/.../vclab/<id>, with the backend of the host's
 * layout; no directory is touched yet. */
static int cgroup_new(const char *root, const char *id, struct vc_timeline *tl, struct cgroup **out,
                      vc_err *err)
{
	struct cgroup *cg;
	enum cg_mode mode;

	if (check_id(id, sizeof(cg->id), err) < 0)
		return -1;
	if (strlen(root) >= sizeof(cg->root))
		return vc_error(err, ENAMETOOLONG, "cgroup: %s", root);
	if (cgroup_detect_mode(root, &mode, err) < 0)
		return -1;
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return vc_error(err, ENOMEM, "cgroup: allocating");
	cg->mode = mode;
	cg->ops = mode == CG_MODE_V2 ? &cg_backend_v2 : &cg_backend_v1;
	cg->dirfd = -1;
	cg->tl = tl;
	snprintf(cg->root, sizeof(cg->root), "%s", root);
	snprintf(cg->id, sizeof(cg->id), "%s", id);
	*out = cg;
	return 0;
}

int cgroup_create(const char *root, const char *id, const struct cg_limits *lim,
                  struct vc_timeline *tl, struct cgroup **out, vc_err *err)
{
	struct cgroup *cg;

	*out = NULL;
	if (tl)
		vc_step_begin(tl);
	if (cg_limits_check(lim, err) < 0 || cgroup_new(root, id, tl, &cg, err) < 0)
		return -1;
	if (tl)
		vc_step(tl, "cgroup", "%s layout at %s (statfs), using the %s backend",
		        cgroup_mode_name(cg->mode), root, cg->ops->name);
	if (cg->ops->create(cg, lim, err) < 0 || open_join_fds(cg, err) < 0) {
		vc_err ignored;

		/* Nothing runs in the new directories yet: just remove them. */
		close_join_fds(cg);
		remove_dirs(cg, true, &ignored);
		cgroup_free(cg);
		return -1;
	}
	*out = cg;
	return 0;
}

int cgroup_open(const char *root, const char *id, struct vc_timeline *tl, struct cgroup **out,
                vc_err *err)
{
	struct cgroup *cg;

	*out = NULL;
	if (cgroup_new(root, id, tl, &cg, err) < 0)
		return -1;
	if (cg->ops->open(cg, err) < 0) {
		cgroup_free(cg);
		return -1;
	}
	*out = cg;
	return 0;
}

int cgroup_add_pid(struct cgroup *cg, pid_t pid, vc_err *err)
{
	if (cg->tl)
		vc_step_begin(cg->tl);
	return cg->ops->add_pid(cg, pid, err);
}

int cgroup_enter_self(struct cgroup *cg, vc_err *err)
{
	unsigned i;

	for (i = 0; i < cg->ndirs; i++) {
		const struct cg_dir *d = &cg->dirs[i];

		/* "0" is the caller: no pid to translate across namespaces. */
		if (d->join_fd >= 0 && write(d->join_fd, "0\n", 2) != 2)
			return vc_error(err, errno,
			                "cgroup: moving this process into %s (writing "
			                "'0' to %s)",
			                d->path, cg->ops->join_file);
	}
	return 0;
}

int cgroup_fd(struct cgroup *cg)
{
	return cg->dirfd;
}

const char *cgroup_path(const struct cgroup *cg)
{
	unsigned i;

	for (i = 0; i < cg->ndirs; i++)
		if (!cg->dirs[i].parent)
			return cg->dirs[i].path;
	return "";
}

enum cg_mode cgroup_mode(const struct cgroup *cg)
{
	return cg->mode;
}

int cgroup_memory_peak(struct cgroup *cg, uint64_t *bytes, vc_err *err)
{
	return cg->ops->memory_peak(cg, bytes, err);
}

int cgroup_oom_killed(struct cgroup *cg, uint64_t *count, vc_err *err)
{
	return cg->ops->oom_killed(cg, count, err);
}

int cgroup_cpu_throttled(struct cgroup *cg, uint64_t *count, vc_err *err)
{
	const char *dir = cg_dir_of(cg, cg->mode == CG_MODE_V2 ? "" : "cpu");

	if (!dir)
		return vc_error(err, 0, "cgroup: %s has no cpu controller", cgroup_path(cg));
	return cg_read_key(dir, "cpu.stat", "nr_throttled", count, err);
}

int cgroup_destroy(struct cgroup *cg, vc_err *err)
{
	int rc = 0;

	if (!cg)
		return 0;
	if (cg->tl)
		vc_step_begin(cg->tl);
	close_join_fds(cg);
	if (cg->ops->kill_all(cg, err) < 0)
		rc = -1;
	/* Try to remove the directories even when a process survived: the
	 * error then names the directory the kernel kept. */
	if (remove_dirs(cg, false, rc ? NULL : err) < 0)
		rc = -1;
	cgroup_free(cg);
	return rc;
}
