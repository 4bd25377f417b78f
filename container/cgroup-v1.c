/* cgroup v1 backend (also used on hybrid hosts, whose cgroup2 tree owns no
 * resource controllers): one hierarchy per controller, each mounted at
 * ROOT/<controller>, so the container gets ROOT/<controller>/vclab/<id> (or
 * its linux.cgroupsPath) in every hierarchy it needs and the limits go to v1
 * file names. */
#include "cgroup-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* memory, cpu and pids are always joined: they give the bench and the
 * tests peak memory, OOM kills and cpu throttling even without limits. */
struct v1_controller {
	const char *name;
	bool always;
	bool (*needed)(const struct cg_limits *lim);
};

static bool need_pids(const struct cg_limits *lim)
{
	return lim->pids_max >= 0;
}

/* freezer: never made here; `container pause` makes it (freezer.c), and
 * open/destroy then find it. */
static bool need_never(const struct cg_limits *lim)
{
	(void)lim;
	return false;
}

static const struct v1_controller v1_controllers[] = {
    {"memory", true, cg_limits_need_memory},
    {"cpu", true, cg_limits_need_cpu},
    {"pids", true, need_pids},
    {"cpuset", false, cg_limits_need_cpuset},
    {"blkio", false, cg_limits_need_io},
    {"devices", false, cg_limits_need_devices},
    {"freezer", false, need_never},
};

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A new v1 cpuset starts with empty cpus and mems, and no task may join it
 * until both are set: copy them from the parent where empty. */
static int cpuset_inherit(struct cgroup *cg, const char *dir, const char *parent, vc_err *err);

static int v1_make_dirs(struct cgroup *cg, const struct v1_controller *c, vc_err *err)
{
	char hier[PATH_MAX], leaf[PATH_MAX];
	bool cpuset = strcmp(c->name, "cpuset") == 0;

	if (cg_join(hier, sizeof(hier), cg->root, c->name, err) < 0 ||
	    cg_leaf(cg, hier, c->name, leaf, sizeof(leaf), err) < 0)
		return -1;
	return cg_mkdir_chain(cg, hier, leaf, c->name, cpuset ? cpuset_inherit : NULL, err);
}

static int cpuset_inherit(struct cgroup *cg, const char *dir, const char *parent, vc_err *err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	char value[256];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (cg_read(dir, files[i], value, sizeof(value), err) < 0)
			return -1;
		if (value[0])
			continue;
		if (cg_read(parent, files[i], value, sizeof(value), err) < 0 ||
		    cg_write(cg, dir, files[i], value, err) < 0)
			return -1;
	}
	return 0;
}

static int v1_open(struct cgroup *cg, vc_err *err)
{
	char leaf[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(v1_controllers) / sizeof(v1_controllers[0]); i++) {
		const char *name = v1_controllers[i].name;

		if (snprintf(leaf, sizeof(leaf), "%s/%s%s", cg->root, name, cg->path) >=
		        (int)sizeof(leaf) ||
		    cg_record_existing(cg, leaf, name, err) < 0)
			return vc_error(err, ENAMETOOLONG, "cgroup: %s/%s%s", cg->root, name,
			                cg->path);
	}
	return 0;
}

static int v1_memory(struct cgroup *cg, const struct cg_limits *lim, vc_err *err)
{
	const char *dir = cg_dir_of(cg, "memory");

	/* The limit first: memsw must never be below it. */
	if (lim->memory_max >= 0 && cg_writef(cg, dir, "memory.limit_in_bytes", err, "%lld",
	                                      (long long)lim->memory_max) < 0)
		return -1;
	if (lim->memory_swap >= 0 && cg_writef(cg, dir, "memory.memsw.limit_in_bytes", err, "%lld",
	                                       (long long)lim->memory_swap) < 0)
		return -1;
	return 0;
}

static int v1_cpu(struct cgroup *cg, const struct cg_limits *lim, vc_err *err)
{
	const char *dir = cg_dir_of(cg, "cpu");

	if (lim->cpu_shares &&
	    cg_writef(cg, dir, "cpu.shares", err, "%llu", (unsigned long long)lim->cpu_shares) < 0)
		return -1;
	/* The period first: the kernel checks the quota against it. */
	if (lim->cpu_period_us && cg_writef(cg, dir, "cpu.cfs_period_us", err, "%llu",
	                                    (unsigned long long)lim->cpu_period_us) < 0)
		return -1;
	if (lim->cpu_quota_us >= 0 &&
	    cg_writef(cg, dir, "cpu.cfs_quota_us", err, "%lld", (long long)lim->cpu_quota_us) < 0)
		return -1;
	return 0;
}

static int v1_cpuset(struct cgroup *cg, const struct cg_limits *lim, vc_err *err)
{
	const char *dir = cg_dir_of(cg, "cpuset");

	if (lim->cpuset_cpus[0] && cg_write(cg, dir, "cpuset.cpus", lim->cpuset_cpus, err) < 0)
		return -1;
	if (lim->cpuset_mems[0] && cg_write(cg, dir, "cpuset.mems", lim->cpuset_mems, err) < 0)
		return -1;
	return 0;
}

static int v1_throttles(struct cgroup *cg, const char *dir, const char *file,
                        const struct cg_throttle *t, unsigned n, vc_err *err)
{
	unsigned i;

	/* One device per write: that is how the kernel parses this file. */
	for (i = 0; i < n; i++)
		if (cg_writef(cg, dir, file, err, "%u:%u %llu", t[i].major, t[i].minor,
		              (unsigned long long)t[i].rate) < 0)
			return -1;
	return 0;
}

static int v1_blkio(struct cgroup *cg, const struct cg_limits *lim, vc_err *err)
{
	const char *dir = cg_dir_of(cg, "blkio");

	if (lim->blkio_weight) {
		/* Only the CFQ and BFQ schedulers have a weight; with BFQ the
		 * file is blkio.bfq.weight. */
		const char *file =
		    !cg_file_exists(dir, "blkio.weight") && cg_file_exists(dir, "blkio.bfq.weight")
		        ? "blkio.bfq.weight"
		        : "blkio.weight";

		if (cg_writef(cg, dir, file, err, "%u", lim->blkio_weight) < 0)
			return -1;
	}
	if (v1_throttles(cg, dir, "blkio.throttle.read_bps_device", lim->read_bps, lim->n_read_bps,
	                 err) < 0 ||
	    v1_throttles(cg, dir, "blkio.throttle.write_bps_device", lim->write_bps,
	                 lim->n_write_bps, err) < 0 ||
	    v1_throttles(cg, dir, "blkio.throttle.read_iops_device", lim->read_iops,
	                 lim->n_read_iops, err) < 0 ||
	    v1_throttles(cg, dir, "blkio.throttle.write_iops_device", lim->write_iops,
	                 lim->n_write_iops, err) < 0)
		return -1;
	return 0;
}

/* One rule into devices.allow or devices.deny, through an fd kept open
 * for the next rules (the kernel parses each write(2) on its own): two
 * opens for the whole list instead of one per rule. A traced step. */
static int dev_rule(struct cgroup *cg, const char *dir, bool allow, int fds[2], const char *rule,
                    vc_err *err)
{
	const char *file = allow ? "devices.allow" : "devices.deny";
	char path[PATH_MAX], line[64];
	int len = snprintf(line, sizeof(line), "%s\n", rule);
	ssize_t n;

	if (cg_join(path, sizeof(path), dir, file, err) < 0)
		return -1;
	if (fds[allow] < 0)
		fds[allow] = open(path, O_WRONLY | O_CLOEXEC);
	if (fds[allow] < 0)
		return vc_error(err, errno, "cgroup: writing '%s' to %s", rule, path);
	n = write(fds[allow], line, (size_t)len);
	if (n < 0)
		return vc_error(err, errno, "cgroup: writing '%s' to %s", rule, path);
	if (n != len)
		return vc_error(err, 0, "cgroup: writing '%s' to %s: short write", rule, path);
	if (cg->tl)
		vc_step(cg->tl, "cgroup", "%s = %s in %s", file, rule, dir);
	return 0;
}

/* Deny everything, then each rule in order (the kernel's list ends up
 * answering as the last matching rule): before any task joins. */
static int v1_devices(struct cgroup *cg, const struct cg_limits *lim, vc_err *err)
{
	const char *dir = cg_dir_of(cg, "devices");
	char major[24], minor[24], access[4], rule[80];
	unsigned n;
	struct cg_dev_rule *r = cg_dev_rules(lim, &n);
	int fds[2] = {-1, -1}; /* devices.deny, devices.allow */
	int rc = 0;

	if (!r)
		return vc_error(err, ENOMEM, "cgroup: device rules");
	for (unsigned i = 0; i < n && rc == 0; i++) {
		size_t k = 0;

		if (r[i].type == 'a') {
			/* the kernel reads "a" alone: every device, every access */
			rc = dev_rule(cg, dir, r[i].allow, fds, "a", err);
			continue;
		}
		snprintf(major, sizeof(major), "%lld", (long long)r[i].major);
		snprintf(minor, sizeof(minor), "%lld", (long long)r[i].minor);
		if (r[i].access & CG_DEV_READ)
			access[k++] = 'r';
		if (r[i].access & CG_DEV_WRITE)
			access[k++] = 'w';
		if (r[i].access & CG_DEV_MKNOD)
			access[k++] = 'm';
		access[k] = '\0';
		snprintf(rule, sizeof(rule), "%c %s:%s %s", r[i].type, r[i].major < 0 ? "*" : major,
		         r[i].minor < 0 ? "*" : minor, access);
		rc = dev_rule(cg, dir, r[i].allow, fds, rule, err);
	}
	for (int k = 0; k < 2; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	free(r);
	return rc;
}

static int v1_create(struct cgroup *cg, const struct cg_limits *lim, vc_err *err)
{
	char hier[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(v1_controllers) / sizeof(v1_controllers[0]); i++) {
		const struct v1_controller *c = &v1_controllers[i];
		bool needed = c->needed(lim);

		if (!needed && !c->always)
			continue;
		if (cg_join(hier, sizeof(hier), cg->root, c->name, err) < 0)
			return -1;
		if (!is_dir(hier)) {
			if (needed)
				return vc_error(
				    err, ENOENT,
				    "cgroup: the %s limit needs the v1 %s hierarchy at %s", c->name,
				    c->name, hier);
			continue;
		}
		if (v1_make_dirs(cg, c, err) < 0)
			return -1;
	}
	if (!cgroup_path(cg)[0])
		return vc_error(err, ENOENT, "cgroup: no v1 memory, cpu or pids hierarchy under %s",
		                cg->root);
	if (cg_limits_need_memory(lim) && v1_memory(cg, lim, err) < 0)
		return -1;
	if (cg_limits_need_cpu(lim) && v1_cpu(cg, lim, err) < 0)
		return -1;
	if (cg_limits_need_cpuset(lim) && v1_cpuset(cg, lim, err) < 0)
		return -1;
	if (lim->pids_max >= 0 && cg_writef(cg, cg_dir_of(cg, "pids"), "pids.max", err, "%lld",
	                                    (long long)lim->pids_max) < 0)
		return -1;
	if (cg_limits_need_io(lim) && v1_blkio(cg, lim, err) < 0)
		return -1;
	if (cg_limits_need_devices(lim) && v1_devices(cg, lim, err) < 0)
		return -1;
	return 0;
}

/* Move every process of the container (listed in from/cgroup.procs) into
 * to/cgroup.procs. A few rounds: a process that forked meanwhile left its
 * child behind. ESRCH: it ended meanwhile. */
static int move_procs(struct cgroup *cg, const char *from, const char *to, vc_err *err)
{
	char path[PATH_MAX];

	if (cg_join(path, sizeof(path), from, "cgroup.procs", err) < 0)
		return -1;
	for (int round = 0; round < 3; round++) {
		FILE *f = fopen(path, "re");
		int pid;

		if (!f)
			return vc_error(err, errno, "cgroup: reading %s", path);
		while (fscanf(f, "%d", &pid) == 1) {
			vc_err werr = {0};

			if (cg_writef(cg, to, "cgroup.procs", &werr, "%d", pid) < 0 &&
			    werr.errnum != ESRCH) {
				fclose(f);
				*err = werr;
				return -1;
			}
		}
		fclose(f);
	}
	return 0;
}

/* The directory of a controller the update needs. A container created
 * without a cpuset or blkio limit has none in that hierarchy: it is made
 * now at the same path as its memory (or cpu, pids) one, as create would
 * have made it (a cpuset inherits cpus and mems), and every process of the
 * container moves in. The handle records it; update saves the record. */
static const char *v1_update_dir(struct cgroup *cg, const char *controller, vc_err *err)
{
	const char *dir = cg_dir_of(cg, controller), *main = cgroup_path(cg), *rel;
	char hier[PATH_MAX], leaf[PATH_MAX];

	if (dir)
		return dir;
	rel = cg_v1_rel(cg);
	if (!rel || !*main) {
		vc_error(err, ENOENT, "cgroup: the container has no cgroup under %s", cg->root);
		return NULL;
	}
	if (cg_join(hier, sizeof(hier), cg->root, controller, err) < 0)
		return NULL;
	if (!is_dir(hier)) {
		vc_error(err, ENOENT, "cgroup: the %s limit needs the v1 %s hierarchy at %s",
		         controller, controller, hier);
		return NULL;
	}
	if ((size_t)snprintf(leaf, sizeof(leaf), "%s%s", hier, rel) >= sizeof(leaf)) {
		vc_error(err, ENAMETOOLONG, "cgroup: %s%s", hier, rel);
		return NULL;
	}
	if (cg_mkdir_chain(cg, hier, leaf, controller,
	                   strcmp(controller, "cpuset") ? NULL : cpuset_inherit, err) < 0 ||
	    move_procs(cg, main, leaf, err) < 0)
		return NULL;
	return cg_dir_of(cg, controller);
}

/* Raising the limit above memsw needs memsw raised first, lowering memsw
 * below the limit the limit lowered first: the order the old values allow. */
static int v1_update_memory(struct cgroup *cg, const struct cg_limits *lim, vc_err *err)
{
	const char *dir = v1_update_dir(cg, "memory", err);
	vc_err first = {0};

	if (!dir)
		return -1;
	if (lim->memory_max < 0 || lim->memory_swap < 0)
		return v1_memory(cg, lim, err);
	if (v1_memory(cg, lim, &first) == 0)
		return 0;
	if (cg_writef(cg, dir, "memory.memsw.limit_in_bytes", err, "%lld",
	              (long long)lim->memory_swap) < 0 ||
	    cg_writef(cg, dir, "memory.limit_in_bytes", err, "%lld", (long long)lim->memory_max) <
	        0)
		return -1;
	return 0;
}

/* container update: the limits that are set, on the directories an
 * earlier create made (devices are not updated, as with runc). */
static int v1_update(struct cgroup *cg, const struct cg_limits *lim, vc_err *err)
{
	if (cg_limits_need_memory(lim) && v1_update_memory(cg, lim, err) < 0)
		return -1;
	if (cg_limits_need_cpu(lim) && (!v1_update_dir(cg, "cpu", err) || v1_cpu(cg, lim, err) < 0))
		return -1;
	if (cg_limits_need_cpuset(lim) &&
	    (!v1_update_dir(cg, "cpuset", err) || v1_cpuset(cg, lim, err) < 0))
		return -1;
	if (lim->pids_max >= 0 && (!v1_update_dir(cg, "pids", err) ||
	                           cg_writef(cg, cg_dir_of(cg, "pids"), "pids.max", err, "%lld",
	                                     (long long)lim->pids_max) < 0))
		return -1;
	if (cg_limits_need_io(lim) &&
	    (!v1_update_dir(cg, "blkio", err) || v1_blkio(cg, lim, err) < 0))
		return -1;
	return 0;
}

static int v1_add_pid(struct cgroup *cg, pid_t pid, vc_err *err)
{
	unsigned i;

	for (i = 0; i < cg->ndirs; i++)
		if (!cg->dirs[i].parent &&
		    cg_writef(cg, cg->dirs[i].path, "cgroup.procs", err, "%d", (int)pid) < 0)
			return -1;
	return 0;
}

static const char *v1_memory_dir(struct cgroup *cg, vc_err *err)
{
	const char *dir = cg_dir_of(cg, "memory");

	if (!dir)
		vc_error(err, 0, "cgroup: container %s has no v1 memory cgroup", cg->id);
	return dir;
}

static int v1_memory_peak(struct cgroup *cg, uint64_t *bytes, vc_err *err)
{
	const char *dir = v1_memory_dir(cg, err);

	return dir ? cg_read_u64(dir, "memory.max_usage_in_bytes", bytes, err) : -1;
}

static int v1_oom_killed(struct cgroup *cg, uint64_t *count, vc_err *err)
{
	const char *dir = v1_memory_dir(cg, err);

	return dir ? cg_read_key(dir, "memory.oom_control", "oom_kill", count, err) : -1;
}

static int v1_kill_all(struct cgroup *cg, vc_err *err)
{
	unsigned i;

	/* v1 has no cgroup.kill. Every process is in every hierarchy, but a
	 * hierarchy may have been joined by a process of its own: empty each. */
	for (i = 0; i < cg->ndirs; i++) {
		vc_err ignored;

		/* a frozen process dies only once thawed (a paused container) */
		if (!cg->dirs[i].parent && !strcmp(cg->dirs[i].controller, "freezer"))
			cg_write(cg, cg->dirs[i].path, "freezer.state", "THAWED", &ignored);
	}
	for (i = 0; i < cg->ndirs; i++)
		if (!cg->dirs[i].parent && cg_kill_procs(cg->dirs[i].path, err) < 0)
			return -1;
	return 0;
}

const struct cg_backend cg_backend_v1 = {
    .name = "cgroup v1",
    .create = v1_create,
    .update = v1_update,
    .open = v1_open,
    .add_pid = v1_add_pid,
    .join_file = "tasks",
    .memory_peak = v1_memory_peak,
    .oom_killed = v1_oom_killed,
    .kill_all = v1_kill_all,
};
