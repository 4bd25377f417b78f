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

bool cg_limits_need_devices(const struct cg_limits *lim)
{
	return lim->default_devices || lim->n_dev_rules;
}

int cg_dev_access(const char *s)
{
	int bits = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s == 'r')
			bits |= CG_DEV_READ;
		else if (*s == 'w')
			bits |= CG_DEV_WRITE;
		else if (*s == 'm')
			bits |= CG_DEV_MKNOD;
		else
			return -1;
	}
	return bits;
}

struct cg_dev_rule *cg_dev_rules(const struct cg_limits *lim, unsigned *n)
{
	unsigned total = 1 + lim->n_dev_rules + cg_n_default_devices, k = 0;
	struct cg_dev_rule *r = calloc(total, sizeof(*r));

	*n = 0;
	if (!r)
		return NULL;
	r[k++] = (struct cg_dev_rule){false, 'a', -1, -1, CG_DEV_RWM};
	/* runc's config starts with that same rule: once is enough */
	if (lim->n_dev_rules && !lim->dev_rules[0].allow && lim->dev_rules[0].type == 'a' &&
	    lim->dev_rules[0].major < 0 && lim->dev_rules[0].minor < 0 &&
	    lim->dev_rules[0].access == CG_DEV_RWM)
		k--;
	for (unsigned i = 0; i < lim->n_dev_rules; i++)
		r[k++] = lim->dev_rules[i];
	for (unsigned i = 0; i < cg_n_default_devices; i++)
		r[k++] = (struct cg_dev_rule){true, cg_default_devices[i].type,
		                              cg_default_devices[i].major,
		                              cg_default_devices[i].minor, CG_DEV_RWM};
	*n = k;
	return r;
}

static bool rule_matches(const struct cg_dev_rule *r, char type, int64_t major, int64_t minor,
                         unsigned access)
{
	if ((r->type != 'a' && r->type != type) || (r->major >= 0 && r->major != major) ||
	    (r->minor >= 0 && r->minor != minor))
		return false;
	/* allow: covers the whole access; deny: touches it */
	return r->allow ? (access & ~r->access) == 0 : (access & r->access) != 0;
}

bool cg_dev_allowed(const struct cg_limits *lim, char type, int64_t major, int64_t minor,
                    unsigned access)
{
	unsigned n;
	struct cg_dev_rule *r = cg_dev_rules(lim, &n);
	bool allowed = false;

	/* the last rule that matches decides; none: denied */
	for (unsigned i = n; i-- > 0;)
		if (rule_matches(&r[i], type, major, minor, access)) {
			allowed = r[i].allow;
			break;
		}
	free(r);
	return allowed;
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
	if (lim->n_dev_rules > CG_MAX_DEV_RULES)
		return vc_error(err, 0, "cgroup: more than %d device rules", CG_MAX_DEV_RULES);
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

int cgroup_check_path(const char *path, vc_err *err)
{
	const char *p = path;
	bool any = false;

	if (!*path)
		return vc_error(err, 0, "linux.cgroupsPath: empty");
	if (strlen(path) >= PATH_MAX / 4)
		return vc_error(err, ENAMETOOLONG, "linux.cgroupsPath \"%.40s...\"", path);
	for (const char *c = path; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return vc_error(err, 0,
			                "linux.cgroupsPath: control character 0x%02x at byte %zu",
			                (unsigned char)*c, (size_t)(c - path));
	while (*p) {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return vc_error(err, 0,
			                "linux.cgroupsPath \"%s\": a \"%.*s\" component is not "
			                "allowed (the cgroup must stay below the hierarchy's root)",
			                path, (int)n, p);
		any |= n > 0;
		p += n;
	}
	if (!any)
		return vc_error(
		    err, 0, "linux.cgroupsPath \"%s\": names the root cgroup, not one of its own",
		    path);
	return 0;
}

/* The caller's cgroup in the hierarchy of controller ("" : v2) from
 * /proc/self/cgroup, e.g. "/user.slice/session-1.scope". */
static int own_cgroup(const char *controller, char *out, size_t len, vc_err *err)
{
	char line[PATH_MAX + 128];
	FILE *f = fopen("/proc/self/cgroup", "re");
	bool found = false;

	if (!f)
		return vc_error(err, errno, "cgroup: reading /proc/self/cgroup");
	while (!found && fgets(line, sizeof(line), f)) {
		char *ctrls = strchr(line, ':'), *path;

		path = ctrls ? strchr(ctrls + 1, ':') : NULL;
		if (!path)
			continue;
		*path++ = '\0';
		*ctrls++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (!controller[0]) {
			found = line[0] == '0' && line[1] == '\0' && !ctrls[0];
		} else {
			char *save = NULL;

			for (char *w = strtok_r(ctrls, ",", &save); w && !found;
			     w = strtok_r(NULL, ",", &save))
				found = !strcmp(w, controller);
		}
		if (found && (size_t)snprintf(out, len, "%s", path) >= len) {
			fclose(f);
			return vc_error(err, ENAMETOOLONG, "cgroup: own cgroup %s", path);
		}
	}
	fclose(f);
	if (!found)
		return vc_error(err, 0, "cgroup: /proc/self/cgroup has no %s%s line", controller,
		                controller[0] ? "" : "cgroup v2 (0::)");
	return 0;
}

int cg_leaf(struct cgroup *cg, const char *hier, const char *controller, char *leaf, size_t len,
            vc_err *err)
{
	char own[PATH_MAX] = "";
	int n;

	if (cg->path[0] != '/') {
		if (own_cgroup(controller, own, sizeof(own), err) < 0)
			return -1;
		if (!controller[0]) {
			/* v2: the parent of our own cgroup, which holds processes */
			char *slash = strrchr(own, '/');

			if (slash)
				*slash = '\0';
		}
		if (!strcmp(own, "/"))
			own[0] = '\0';
	}
	n = snprintf(leaf, len, "%s%s%s%s", hier, own, cg->path[0] == '/' ? "" : "/", cg->path);
	if (n < 0 || (size_t)n >= len)
		return vc_error(err, ENAMETOOLONG, "cgroup: %s%s/%s", hier, own, cg->path);
	/* "a//b" and a trailing "/" of the path */
	for (char *r = leaf, *w = leaf;; r++) {
		if (*r == '/' && (r[1] == '/' || r[1] == '\0') && r != leaf)
			continue;
		*w++ = *r;
		if (!*r)
			break;
	}
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
			                "running? a linux.cgroupsPath must name a new cgroup)",
			                path, cg->id);
		return vc_error(err, errno, "cgroup: creating %s", path);
	}
	record_dir(cg, path, controller, parent);
	if (cg->tl)
		vc_step(cg->tl, "cgroup", "mkdir %s", path);
	return 0;
}

int cg_mkdir_chain(struct cgroup *cg, const char *hier, const char *leaf, const char *controller,
                   int (*each)(struct cgroup *cg, const char *dir, const char *parent, vc_err *err),
                   vc_err *err)
{
	char dir[PATH_MAX], parent[PATH_MAX];
	size_t hl = strlen(hier);
	char *p;

	snprintf(dir, sizeof(dir), "%s", leaf);
	snprintf(parent, sizeof(parent), "%s", hier);
	for (p = dir + hl + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (cg_mkdir(cg, dir, controller, true, err) < 0 ||
		    (each && each(cg, dir, parent, err) < 0))
			return -1;
		snprintf(parent, sizeof(parent), "%s", dir);
		*p = '/';
	}
	if (cg_mkdir(cg, leaf, controller, false, err) < 0 ||
	    (each && each(cg, leaf, parent, err) < 0))
		return -1;
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

/* The common end: the container's processes are gone and it made no
 * sub-cgroups, so each directory's rmdir succeeds at once (newest first),
 * without reading cgroup.procs or listing it. true when all went; else the
 * ones the kernel kept (EBUSY: a process or a sub-cgroup left) stay in
 * cg->dirs, in order, for the kill and the patient removal. */
static bool remove_empty_dirs(struct cgroup *cg)
{
	bool gone[CG_MAX_DIRS] = {false};
	bool all = true;
	unsigned i, k = 0;

	for (i = cg->ndirs; i-- > 0;) {
		const struct cg_dir *d = &cg->dirs[i];

		if (d->parent)
			continue;
		if (rmdir(d->path) < 0 && errno != ENOENT) {
			all = false;
			continue;
		}
		gone[i] = true;
		if (cg->tl)
			vc_step(cg->tl, "cgroup", "rmdir %s", d->path);
	}
	if (all)
		return true;
	for (i = 0; i < cg->ndirs; i++)
		if (!gone[i])
			cg->dirs[k++] = cg->dirs[i];
	cg->ndirs = k;
	return false;
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

void cgroup_close(struct cgroup *cg)
{
	if (cg)
		cgroup_free(cg);
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
static int cgroup_new(const char *root, const char *path, const char *id, struct vc_timeline *tl,
                      struct cgroup **out, vc_err *err)
{
	struct cgroup *cg;
	enum cg_mode mode;

	if (check_id(id, sizeof(cg->id), err) < 0)
		return -1;
	if (path && cgroup_check_path(path, err) < 0)
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
	if (path)
		snprintf(cg->path, sizeof(cg->path), "%s", path);
	else
		snprintf(cg->path, sizeof(cg->path), "/vclab/%s", id);
	*out = cg;
	return 0;
}

int cgroup_create(const char *root, const char *id, const struct cg_limits *lim,
                  struct vc_timeline *tl, struct cgroup **out, vc_err *err)
{
	return cgroup_create_at(root, NULL, id, lim, tl, out, err);
}

int cgroup_create_at(const char *root, const char *path, const char *id,
                     const struct cg_limits *lim, struct vc_timeline *tl, struct cgroup **out,
                     vc_err *err)
{
	struct cgroup *cg;

	*out = NULL;
	if (tl)
		vc_step_begin(tl);
	if (cg_limits_check(lim, err) < 0 || cgroup_new(root, path, id, tl, &cg, err) < 0)
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
	if (cgroup_new(root, NULL, id, tl, &cg, err) < 0)
		return -1;
	if (cg->ops->open(cg, err) < 0) {
		cgroup_free(cg);
		return -1;
	}
	*out = cg;
	return 0;
}

int cgroup_record(const struct cgroup *cg, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < cg->ndirs; i++) {
		const struct cg_dir *d = &cg->dirs[i];
		int n;

		if (d->parent)
			continue;
		n = snprintf(buf + used, len - used, "%s %s\n",
		             d->controller[0] ? d->controller : "-", d->path);
		if (n < 0 || (size_t)n >= len - used)
			return -1;
		used += (size_t)n;
	}
	return (int)used;
}

const char *cg_v1_rel(const struct cgroup *cg)
{
	for (unsigned i = 0; i < cg->ndirs; i++)
		if (!cg->dirs[i].parent && cg->dirs[i].controller[0])
			return cg->dirs[i].path + strlen(cg->root) + 1 +
			       strlen(cg->dirs[i].controller);
	return NULL;
}

/* The controller names a record may hold: static strings for cg_dir. */
static const char *const record_names[] = {"memory", "cpu",     "pids",   "cpuset",
                                           "blkio",  "devices", "freezer"};
#define N_RECORD_NAMES (sizeof(record_names) / sizeof(record_names[0]))

static const char *known_controller(const char *name)
{
	if (!strcmp(name, "-"))
		return "";
	for (size_t i = 0; i < N_RECORD_NAMES; i++)
		if (!strcmp(record_names[i], name))
			return record_names[i];
	return NULL;
}

/* v1: the directories a later command made at the container's path in
 * another hierarchy (pause's freezer, update's cpuset or blkio) that the
 * record may not list: found by name, as cgroup_open finds them. */
static int also_same_path(struct cgroup *cg, vc_err *err)
{
	const char *rel = cg_v1_rel(cg);
	char path[PATH_MAX];

	if (!rel)
		return 0;
	for (size_t i = 0; i < N_RECORD_NAMES; i++) {
		if (cg_dir_of(cg, record_names[i]))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s%s", cg->root, record_names[i],
		                     rel) >= sizeof(path) ||
		    cg_record_existing(cg, path, record_names[i], err) < 0)
			return -1;
	}
	return 0;
}

int cgroup_add_later_dirs(struct cgroup *cg, vc_err *err)
{
	return cg->mode == CG_MODE_V2 ? 0 : also_same_path(cg, err);
}

/* A recorded directory: root/CONTROLLER/x (v1) or root/x (v2), x a path
 * cgroup_check_path accepts. */
static int check_recorded(const char *root, const char *controller, const char *dir, vc_err *err)
{
	size_t rl = strlen(root);
	const char *rest = dir + rl;

	if (strncmp(dir, root, rl) || rest[0] != '/')
		goto bad;
	if (controller[0]) {
		size_t cl = strlen(controller);

		if (strncmp(rest + 1, controller, cl) || rest[1 + cl] != '/')
			goto bad;
		rest += 1 + cl;
	}
	if (cgroup_check_path(rest, NULL) < 0)
		goto bad;
	return 0;
bad:
	return vc_error(err, 0, "cgroup: recorded directory %s is not a cgroup below %s", dir,
	                root);
}

int cgroup_open_recorded(const char *root, const char *id, const char *record,
                         struct vc_timeline *tl, struct cgroup **out, vc_err *err)
{
	struct cgroup *cg;
	const char *line = record;

	*out = NULL;
	if (cgroup_new(root, NULL, id, tl, &cg, err) < 0)
		return -1;
	while (*line) {
		char name[32], dir[PATH_MAX];
		const char *controller;
		size_t n = strcspn(line, "\n");

		if (n >= sizeof(dir) || sscanf(line, "%31s %4095[^\n]", name, dir) != 2 ||
		    !(controller = known_controller(name)) ||
		    (cg->mode == CG_MODE_V2) != !controller[0]) {
			vc_error(err, 0, "cgroup: bad record line \"%.*s\"", (int)(n > 80 ? 80 : n),
			         line);
			goto fail;
		}
		if (check_recorded(root, controller, dir, err) < 0 ||
		    cg_record_existing(cg, dir, controller, err) < 0)
			goto fail;
		line += n;
		line += *line == '\n';
	}
	if (cg->mode != CG_MODE_V2 && also_same_path(cg, err) < 0)
		goto fail;
	*out = cg;
	return 0;
fail:
	cgroup_free(cg);
	return -1;
}

struct pid_in_want {
	char paths[8][PATH_MAX];
	size_t n;
};

/* A line of /proc/PID/cgroup whose path is one of the wanted or below it. */
static int path_is_wanted(const char *controllers, const char *path, void *arg)
{
	const struct pid_in_want *w = arg;

	(void)controllers;
	for (size_t i = 0; i < w->n; i++) {
		size_t wl = strlen(w->paths[i]);

		if (!strncmp(path, w->paths[i], wl) && (path[wl] == '\0' || path[wl] == '/'))
			return 1;
	}
	return 0;
}

bool cgroup_pid_in(const char *root, const char *id, const char *record, pid_t pid)
{
	static struct pid_in_want w; /* 32 KiB: not on the stack */
	size_t rl = strlen(root);

	w.n = 0;
	if (!record) {
		snprintf(w.paths[w.n++], sizeof(w.paths[0]), "/vclab/%s", id);
	} else {
		for (const char *l = record; *l && w.n < 8;) {
			char name[32], dir[PATH_MAX];
			const char *controller, *rest;
			size_t n = strcspn(l, "\n");

			if (n < sizeof(dir) && sscanf(l, "%31s %4095[^\n]", name, dir) == 2 &&
			    (controller = known_controller(name)) &&
			    check_recorded(root, controller, dir, NULL) == 0) {
				rest = dir + rl + (controller[0] ? 1 + strlen(controller) : 0);
				snprintf(w.paths[w.n++], sizeof(w.paths[0]), "%s", rest);
			}
			l += n;
			l += *l == '\n';
		}
	}
	return vc_proc_cgroup_each(pid, path_is_wanted, &w) == 1;
}

int cgroup_update(struct cgroup *cg, const struct cg_limits *lim, vc_err *err)
{
	unsigned before = cg->ndirs;

	if (cg->tl)
		vc_step_begin(cg->tl);
	if (cg->ops->update(cg, lim, err) < 0)
		return -1;
	return cg->ndirs > before;
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
	if (remove_empty_dirs(cg)) {
		cgroup_free(cg);
		return 0;
	}
	if (cg->ops->kill_all(cg, err) < 0)
		rc = -1;
	/* Try to remove the directories even when a process survived: the
	 * error then names the directory the kernel kept. */
	if (remove_dirs(cg, false, rc ? NULL : err) < 0)
		rc = -1;
	cgroup_free(cg);
	return rc;
}
