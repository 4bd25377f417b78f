/* cgroup v2 backend: one unified tree, so the container is one directory
 * ROOT/vclab/<id> (or its linux.cgroupsPath). A controller works in a
 * cgroup only when every ancestor lists it in cgroup.subtree_control, so
 * the root and every parent down to the container's enable the ones the
 * limits need; vclab/ itself never holds a process (v2's "no internal
 * processes" rule). */
#include "cgroup-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct v2_controller {
	const char *name;
	bool always; /* memory, cpu, pids: for accounting even without limits */
	bool (*needed)(const struct cg_limits *lim);
};

static bool need_pids(const struct cg_limits *lim)
{
	return lim->pids_max >= 0;
}

static const struct v2_controller v2_controllers[] = {
    {"memory", true, cg_limits_need_memory},
    {"cpu", true, cg_limits_need_cpu},
    {"pids", true, need_pids},
    {"cpuset", false, cg_limits_need_cpuset},
    {"io", false, cg_limits_need_io},
};

#define V2_NCONTROLLERS (sizeof(v2_controllers) / sizeof(v2_controllers[0]))

/* Is word one of the space-separated words of list? */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
			return true;
		p += n;
	}
	return false;
}

static int enable_controller(struct cgroup *cg, const char *dir, const char *name, vc_err *err)
{
	char enabled[512];

	if (cg_read(dir, "cgroup.subtree_control", enabled, sizeof(enabled), err) < 0)
		return -1;
	if (has_word(enabled, name))
		return 0;
	return cg_writef(cg, dir, "cgroup.subtree_control", err, "+%s", name);
}

/* Pick the controllers: those a limit needs must be available in the root,
 * the accounting ones are taken when they are. */
static int choose_controllers(struct cgroup *cg, const struct cg_limits *lim,
                              bool use[V2_NCONTROLLERS], vc_err *err)
{
	char avail[512];
	size_t i;

	if (cg_read(cg->root, "cgroup.controllers", avail, sizeof(avail), err) < 0)
		return -1;
	for (i = 0; i < V2_NCONTROLLERS; i++) {
		const struct v2_controller *c = &v2_controllers[i];
		bool needed = c->needed(lim);

		use[i] = (needed || c->always) && has_word(avail, c->name);
		if (needed && !use[i])
			return vc_error(err, 0,
			                "cgroup: the %s limit needs the %s controller, which %s/"
			                "cgroup.controllers does not offer ('%s')",
			                c->name, c->name, cg->root, avail);
	}
	return 0;
}

static int v2_memory(struct cgroup *cg, const char *dir, const struct cg_limits *lim, vc_err *err)
{
	if (lim->memory_max >= 0 &&
	    cg_writef(cg, dir, "memory.max", err, "%lld", (long long)lim->memory_max) < 0)
		return -1;
	/* v2 limits swap alone; OCI's memory.swap is memory plus swap. */
	if (lim->memory_swap >= 0 && cg_writef(cg, dir, "memory.swap.max", err, "%lld",
	                                       (long long)(lim->memory_swap - lim->memory_max)) < 0)
		return -1;
	return 0;
}

static int v2_cpu(struct cgroup *cg, const char *dir, const struct cg_limits *lim, vc_err *err)
{
	/* The kernel's default period when only a quota is given. */
	unsigned long long period = lim->cpu_period_us ? lim->cpu_period_us : 100000;

	if (lim->cpu_shares &&
	    cg_writef(cg, dir, "cpu.weight", err, "%llu",
	              (unsigned long long)cg_shares_to_weight(lim->cpu_shares)) < 0)
		return -1;
	if (lim->cpu_quota_us >= 0)
		return cg_writef(cg, dir, "cpu.max", err, "%lld %llu", (long long)lim->cpu_quota_us,
		                 period);
	if (lim->cpu_period_us)
		return cg_writef(cg, dir, "cpu.max", err, "max %llu", period);
	return 0;
}

static int v2_cpuset(struct cgroup *cg, const char *dir, const struct cg_limits *lim, vc_err *err)
{
	if (lim->cpuset_cpus[0] && cg_write(cg, dir, "cpuset.cpus", lim->cpuset_cpus, err) < 0)
		return -1;
	if (lim->cpuset_mems[0] && cg_write(cg, dir, "cpuset.mems", lim->cpuset_mems, err) < 0)
		return -1;
	return 0;
}

static int v2_io_max(struct cgroup *cg, const char *dir, const char *key,
                     const struct cg_throttle *t, unsigned n, vc_err *err)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (cg_writef(cg, dir, "io.max", err, "%u:%u %s=%llu", t[i].major, t[i].minor, key,
		              (unsigned long long)t[i].rate) < 0)
			return -1;
	return 0;
}

static int v2_io(struct cgroup *cg, const char *dir, const struct cg_limits *lim, vc_err *err)
{
	if (lim->blkio_weight) {
		/* BFQ keeps blkio's [1, 1000] scale; io.weight (io.cost) has
		 * its own [1, 10000] one. */
		int rc =
		    cg_file_exists(dir, "io.bfq.weight")
		        ? cg_writef(cg, dir, "io.bfq.weight", err, "%u", lim->blkio_weight)
		        : cg_writef(cg, dir, "io.weight", err, "%llu",
		                    (unsigned long long)cg_blkio_to_io_weight(lim->blkio_weight));

		if (rc < 0)
			return -1;
	}
	if (v2_io_max(cg, dir, "rbps", lim->read_bps, lim->n_read_bps, err) < 0 ||
	    v2_io_max(cg, dir, "wbps", lim->write_bps, lim->n_write_bps, err) < 0 ||
	    v2_io_max(cg, dir, "riops", lim->read_iops, lim->n_read_iops, err) < 0 ||
	    v2_io_max(cg, dir, "wiops", lim->write_iops, lim->n_write_iops, err) < 0)
		return -1;
	return 0;
}

/* Enable the chosen controllers in dir (an ancestor of the container). */
static int enable_all(struct cgroup *cg, const char *dir, const bool use[V2_NCONTROLLERS],
                      vc_err *err)
{
	for (size_t i = 0; i < V2_NCONTROLLERS; i++)
		if (use[i] && enable_controller(cg, dir, v2_controllers[i].name, err) < 0)
			return -1;
	return 0;
}

/* Every limit that is set but devices, into dir: create and update. */
static int v2_limits(struct cgroup *cg, const char *dir, const struct cg_limits *lim, vc_err *err)
{
	if (cg_limits_need_memory(lim) && v2_memory(cg, dir, lim, err) < 0)
		return -1;
	if (cg_limits_need_cpu(lim) && v2_cpu(cg, dir, lim, err) < 0)
		return -1;
	if (cg_limits_need_cpuset(lim) && v2_cpuset(cg, dir, lim, err) < 0)
		return -1;
	if (lim->pids_max >= 0 &&
	    cg_writef(cg, dir, "pids.max", err, "%lld", (long long)lim->pids_max) < 0)
		return -1;
	if (cg_limits_need_io(lim) && v2_io(cg, dir, lim, err) < 0)
		return -1;
	return 0;
}

static int v2_create(struct cgroup *cg, const struct cg_limits *lim, vc_err *err)
{
	char leaf[PATH_MAX], dir[PATH_MAX];
	bool use[V2_NCONTROLLERS];
	size_t rl = strlen(cg->root);
	char *p;

	if (cg_leaf(cg, cg->root, "", leaf, sizeof(leaf), err) < 0 ||
	    choose_controllers(cg, lim, use, err) < 0 || enable_all(cg, cg->root, use, err) < 0)
		return -1;
	/* each parent: made if missing, then its controllers enabled */
	snprintf(dir, sizeof(dir), "%s", leaf);
	for (p = dir + rl + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (cg_mkdir(cg, dir, "", true, err) < 0 || enable_all(cg, dir, use, err) < 0)
			return -1;
		*p = '/';
	}
	if (cg_mkdir(cg, leaf, "", false, err) < 0)
		return -1;
	cg->dirfd = open(leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg->dirfd < 0)
		return vc_error(err, errno, "cgroup: opening %s", leaf);
	if (v2_limits(cg, leaf, lim, err) < 0)
		return -1;
	if (cg_limits_need_devices(lim) && cg_v2_attach_devices(cg, lim, err) < 0)
		return -1;
	return 0;
}

/* update: a cpuset or io limit for a container created without one needs
 * the controller enabled in each ancestor, the root first (create enables
 * only those its limits need). */
static int enable_in_ancestors(struct cgroup *cg, const char *leaf, const char *name, vc_err *err)
{
	char dir[PATH_MAX];
	size_t rl = strlen(cg->root);
	char *p;

	if (strncmp(leaf, cg->root, rl) || leaf[rl] != '/' ||
	    (size_t)snprintf(dir, sizeof(dir), "%s", leaf) >= sizeof(dir))
		return vc_error(err, 0, "cgroup: %s is not under %s", leaf, cg->root);
	if (enable_controller(cg, cg->root, name, err) < 0)
		return -1;
	for (p = dir + rl + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (enable_controller(cg, dir, name, err) < 0)
			return -1;
		*p = '/';
	}
	return 0;
}

/* container update: the limits that are set, in the one directory. v2
 * limits swap alone, so memory.swap needs memory.limit with it. */
static int v2_update(struct cgroup *cg, const struct cg_limits *lim, vc_err *err)
{
	const char *dir = cgroup_path(cg);

	if (!*dir)
		return vc_error(err, ENOENT, "cgroup: the container has no cgroup under %s",
		                cg->root);
	if (lim->memory_swap >= 0 && lim->memory_max < 0)
		return vc_error(err, 0,
		                "cgroup: a memory+swap limit needs the memory limit with it on "
		                "cgroup v2 (memory.swap.max is swap alone)");
	if ((cg_limits_need_cpuset(lim) && enable_in_ancestors(cg, dir, "cpuset", err) < 0) ||
	    (cg_limits_need_io(lim) && enable_in_ancestors(cg, dir, "io", err) < 0))
		return -1;
	return v2_limits(cg, dir, lim, err);
}

static int v2_add_pid(struct cgroup *cg, pid_t pid, vc_err *err)
{
	return cg_writef(cg, cgroup_path(cg), "cgroup.procs", err, "%d", (int)pid);
}

static int v2_memory_peak(struct cgroup *cg, uint64_t *bytes, vc_err *err)
{
	return cg_read_u64(cgroup_path(cg), "memory.peak", bytes, err);
}

static int v2_oom_killed(struct cgroup *cg, uint64_t *count, vc_err *err)
{
	return cg_read_key(cgroup_path(cg), "memory.events", "oom_kill", count, err);
}

static int v2_open(struct cgroup *cg, vc_err *err)
{
	char leaf[PATH_MAX];

	if (snprintf(leaf, sizeof(leaf), "%s%s", cg->root, cg->path) >= (int)sizeof(leaf))
		return vc_error(err, ENAMETOOLONG, "cgroup: %s%s", cg->root, cg->path);
	return cg_record_existing(cg, leaf, "", err);
}

static int v2_kill_all(struct cgroup *cg, vc_err *err)
{
	const char *dir = cgroup_path(cg);

	if (!dir[0]) /* nothing was made or found */
		return 0;
	/* cgroup.kill (Linux 5.14) kills the whole tree at once, forks in
	 * flight included; then wait for cgroup.procs to empty. */
	if (cg_file_exists(dir, "cgroup.kill") && cg_write(cg, dir, "cgroup.kill", "1", err) < 0)
		return -1;
	return cg_kill_procs(dir, err);
}

const struct cg_backend cg_backend_v2 = {
    .name = "cgroup v2",
    .create = v2_create,
    .update = v2_update,
    .open = v2_open,
    .add_pid = v2_add_pid,
    .join_file = "cgroup.procs",
    .memory_peak = v2_memory_peak,
    .oom_killed = v2_oom_killed,
    .kill_all = v2_kill_all,
};
