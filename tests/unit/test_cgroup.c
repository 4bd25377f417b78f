/* Unit tests of container/cgroup*.c against a fake cgroup tree in a temp
 * dir. The kernel's side of cgroupfs is played by link-time wrappers
 * (-Xlinker --wrap=..., see container/cgroup.mk):
 *   statfs  reports cgroup2 / tmpfs for the fake root and root/unified;
 *   mkdir   fills a new directory with the control files the kernel would;
 *   open    makes every write append, so each file keeps the log of the
 *           lines written to it, and turns writes to one chosen file into
 *           a rejection (/dev/full: ENOSPC);
 *   rmdir   removes the control files first, as the kernel does.
 * So each test checks the exact lines written, the errors, and that a
 * failure leaves no directory behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "../../container/cgroup-internal.h"

int __real_statfs(const char *path, struct statfs *sf);
int __real_mkdir(const char *path, mode_t mode);
int __real_rmdir(const char *path);
int __real_open(const char *path, int flags, ...);

/* The fake kernel's configuration, set by each test's setup. */
static struct {
	char root[64];
	enum cg_mode mode;
	const char *controllers; /* v2 cgroup.controllers of every cgroup */
	const char *reject;      /* basename whose writes fail */
	int no_memsw;            /* v1 memory without swap accounting */
	int baseline;            /* directories of the empty fake tree */
} fake;

static const char *fake_rel(const char *path)
{
	size_t n = strlen(fake.root);

	if (!fake.root[0] || strncmp(path, fake.root, n) != 0 || (path[n] && path[n] != '/'))
		return NULL;
	return path + n;
}

int __wrap_statfs(const char *path, struct statfs *sf)
{
	const char *rel = fake_rel(path);

	if (!rel)
		return __real_statfs(path, sf);
	memset(sf, 0, sizeof(*sf));
	if (!*rel) {
		sf->f_type = fake.mode == CG_MODE_V2 ? CGROUP2_SUPER_MAGIC : TMPFS_MAGIC;
		return 0;
	}
	if (!strcmp(rel, "/unified") && fake.mode == CG_MODE_HYBRID) {
		sf->f_type = CGROUP2_SUPER_MAGIC;
		return 0;
	}
	return __real_statfs(path, sf);
}

static void put(const char *dir, const char *file, const char *content)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void fill_v2(const char *dir)
{
	static const char *const empty[] = {"cgroup.subtree_control",
	                                    "cgroup.procs",
	                                    "cgroup.kill",
	                                    "memory.max",
	                                    "memory.swap.max",
	                                    "cpu.weight",
	                                    "cpu.max",
	                                    "cpuset.cpus",
	                                    "cpuset.mems",
	                                    "pids.max",
	                                    "io.weight",
	                                    "io.max"};
	size_t i;

	for (i = 0; i < sizeof(empty) / sizeof(empty[0]); i++)
		put(dir, empty[i], "");
	put(dir, "cgroup.controllers", fake.controllers);
	put(dir, "memory.peak", "1234\n");
	put(dir, "memory.events", "low 0\nhigh 0\nmax 9\noom 2\noom_kill 1\n");
	put(dir, "cpu.stat", "usage_usec 10\nnr_periods 4\nnr_throttled 3\n");
}

/* A v1 directory: what its hierarchy (the first path component) has. */
static void fill_v1(const char *dir, const char *rel)
{
	char ctrl[32] = "";

	sscanf(rel, "/%31[^/]", ctrl);
	put(dir, "cgroup.procs", "");
	put(dir, "tasks", "");
	if (!strcmp(ctrl, "memory")) {
		put(dir, "memory.limit_in_bytes", "");
		if (!fake.no_memsw)
			put(dir, "memory.memsw.limit_in_bytes", "");
		put(dir, "memory.max_usage_in_bytes", "4096\n");
		put(dir, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
	} else if (!strcmp(ctrl, "cpu")) {
		put(dir, "cpu.shares", "");
		put(dir, "cpu.cfs_period_us", "");
		put(dir, "cpu.cfs_quota_us", "");
		put(dir, "cpu.stat", "nr_periods 9\nnr_throttled 7\nthrottled_time 5\n");
	} else if (!strcmp(ctrl, "pids")) {
		put(dir, "pids.max", "");
	} else if (!strcmp(ctrl, "cpuset")) {
		put(dir, "cpuset.cpus", "");
		put(dir, "cpuset.mems", "");
	} else if (!strcmp(ctrl, "blkio")) {
		/* As with BFQ: no blkio.weight, only blkio.bfq.weight. */
		put(dir, "blkio.bfq.weight", "");
		put(dir, "blkio.throttle.read_bps_device", "");
		put(dir, "blkio.throttle.write_bps_device", "");
		put(dir, "blkio.throttle.read_iops_device", "");
		put(dir, "blkio.throttle.write_iops_device", "");
	}
}

int __wrap_mkdir(const char *path, mode_t mode)
{
	const char *rel = fake_rel(path);

	if (__real_mkdir(path, mode) < 0)
		return -1;
	if (!rel || !strcmp(rel, "/unified"))
		return 0;
	if (fake.mode == CG_MODE_V2)
		fill_v2(path);
	else
		fill_v1(path, rel);
	return 0;
}

int __wrap_rmdir(const char *path)
{
	char file[PATH_MAX];
	struct stat st;
	struct dirent *e;
	DIR *d;

	if (!fake_rel(path))
		return __real_rmdir(path);
	/* Like the kernel: a process in it keeps it busy, control files go
	 * with the directory, a child cgroup keeps it busy. */
	snprintf(file, sizeof(file), "%s/cgroup.procs", path);
	if (stat(file, &st) == 0 && st.st_size > 0) {
		errno = EBUSY;
		return -1;
	}
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_type == DT_REG) {
			snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
			unlink(file);
		}
	closedir(d);
	return __real_rmdir(path);
}

int __wrap_open(const char *path, int flags, ...)
{
	const char *base = strrchr(path, '/');
	mode_t mode = 0;
	va_list ap;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (fake_rel(path) && (flags & O_ACCMODE) == O_WRONLY) {
		if (fake.reject && base && !strcmp(base + 1, fake.reject))
			return __real_open("/dev/full", flags);
		if (base && !strcmp(base, "/cgroup.kill")) {
			/* the kill: every process of the cgroup is gone */
			char procs[PATH_MAX];

			snprintf(procs, sizeof(procs), "%.*s/cgroup.procs", (int)(base - path),
			         path);
			if (truncate(procs, 0) < 0) {
				/* no cgroup.procs: nothing to empty */
			}
		}
		flags |= O_APPEND;
	}
	return __real_open(path, flags, mode);
}

/* --- helpers --- */

static int count_subdirs(const char *path)
{
	char sub[PATH_MAX];
	struct dirent *e;
	int n = 0;
	DIR *d = opendir(path);

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			n += 1 + count_subdirs(sub);
		}
	closedir(d);
	return n;
}

static const char *const v1_hierarchies[] = {"memory", "cpu", "pids", "cpuset", "blkio"};

static void make_fake(enum cg_mode mode)
{
	char path[PATH_MAX];
	size_t i;

	memset(&fake, 0, sizeof(fake));
	snprintf(fake.root, sizeof(fake.root), "/tmp/vclab-cgtest.XXXXXX");
	assert_non_null(mkdtemp(fake.root));
	fake.mode = mode;
	fake.controllers = "cpuset cpu io memory hugetlb pids rdma misc\n";
	if (mode == CG_MODE_V2) {
		put(fake.root, "cgroup.controllers", fake.controllers);
		put(fake.root, "cgroup.subtree_control", "");
		return;
	}
	for (i = 0; i < sizeof(v1_hierarchies) / sizeof(v1_hierarchies[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fake.root, v1_hierarchies[i]);
		assert_int_equal(__real_mkdir(path, 0755), 0);
		/* The hierarchy roots: a v1 root cpuset has its cpus and mems. */
		if (!strcmp(v1_hierarchies[i], "cpuset")) {
			put(path, "cpuset.cpus", "0-1\n");
			put(path, "cpuset.mems", "0\n");
		}
	}
	if (mode == CG_MODE_HYBRID) {
		snprintf(path, sizeof(path), "%s/unified", fake.root);
		assert_int_equal(__real_mkdir(path, 0755), 0);
	}
	fake.baseline = count_subdirs(fake.root);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	(void)state;
	if (fake.root[0])
		nftw(fake.root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	memset(&fake, 0, sizeof(fake));
	return 0;
}

static int setup_v2(void **state)
{
	(void)state;
	make_fake(CG_MODE_V2);
	return 0;
}

static int setup_v1(void **state)
{
	(void)state;
	make_fake(CG_MODE_V1);
	return 0;
}

static int setup_hybrid(void **state)
{
	(void)state;
	make_fake(CG_MODE_HYBRID);
	return 0;
}

/* Contents of ROOT/rel (the log of lines written to it). */
static const char *content(const char *rel)
{
	static char buf[1024];
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fake.root, rel);
	fd = __real_open(path, O_RDONLY);
	if (fd < 0)
		return "<missing>";
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static bool exists(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", fake.root, rel);
	return access(path, F_OK) == 0;
}

/* Directories in the fake tree besides the hierarchy roots made by
 * make_fake: what cgroup_create made and left. */
static int cgroup_dirs(void)
{
	return count_subdirs(fake.root) - fake.baseline;
}

static void full_limits(struct cg_limits *l)
{
	cg_limits_init(l);
	l->memory_max = 16 << 20;
	l->memory_swap = 32 << 20;
	l->cpu_shares = 1024;
	l->cpu_quota_us = 50000;
	l->cpu_period_us = 100000;
	snprintf(l->cpuset_cpus, sizeof(l->cpuset_cpus), "1");
	snprintf(l->cpuset_mems, sizeof(l->cpuset_mems), "0");
	l->pids_max = 5;
	l->blkio_weight = 500;
	l->read_bps[0] = (struct cg_throttle){8, 0, 1048576};
	l->n_read_bps = 1;
	l->write_iops[0] = (struct cg_throttle){8, 16, 100};
	l->write_iops[1] = (struct cg_throttle){8, 32, 200};
	l->n_write_iops = 2;
}

/* Simulate the processes' exit before destroy: cgroup.procs empties. */
static void empty_procs(const char *rel)
{
	char path[2 * PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s/cgroup.procs", fake.root, rel);
	assert_int_equal(truncate(path, 0), 0);
}

static bool trace_has(const struct vc_timeline *tl, const char *detail)
{
	size_t i;

	for (i = 0; i < tl->n; i++)
		if (!strcmp(tl->ev[i].detail, detail))
			return true;
	return false;
}

/* --- tests --- */

static void test_limits_init_unset(void **state)
{
	struct cg_limits l;

	(void)state;
	memset(&l, 0x5a, sizeof(l));
	cg_limits_init(&l);
	assert_int_equal(l.memory_max, -1);
	assert_int_equal(l.memory_swap, -1);
	assert_int_equal(l.cpu_quota_us, -1);
	assert_int_equal(l.pids_max, -1);
	assert_int_equal(l.cpu_shares, 0);
	assert_int_equal(l.cpu_period_us, 0);
	assert_string_equal(l.cpuset_cpus, "");
	assert_int_equal(l.n_write_iops, 0);
	assert_false(cg_limits_need_memory(&l) || cg_limits_need_cpu(&l) ||
	             cg_limits_need_cpuset(&l) || cg_limits_need_io(&l));
}

static void test_detect_mode(void **state)
{
	enum cg_mode mode;
	vc_err err;

	(void)state;
	make_fake(CG_MODE_V2);
	assert_int_equal(cgroup_detect_mode(fake.root, &mode, &err), 0);
	assert_int_equal(mode, CG_MODE_V2);
	teardown(NULL);
	make_fake(CG_MODE_HYBRID);
	assert_int_equal(cgroup_detect_mode(fake.root, &mode, &err), 0);
	assert_int_equal(mode, CG_MODE_HYBRID);
	teardown(NULL);
	make_fake(CG_MODE_V1);
	assert_int_equal(cgroup_detect_mode(fake.root, &mode, &err), 0);
	assert_int_equal(mode, CG_MODE_V1);
	teardown(NULL);
	/* Not a cgroup mount at all: /proc is procfs. */
	assert_int_equal(cgroup_detect_mode("/proc", &mode, &err), -1);
	assert_non_null(strstr(err.msg, "/proc is neither a cgroup2 mount nor a tmpfs"));
	assert_int_equal(cgroup_detect_mode("/nonexistent/cgroup", &mode, &err), -1);
	assert_string_equal(err.msg, "cgroup: statfs /nonexistent/cgroup");
	assert_int_equal(err.errnum, ENOENT);
}

static void test_weight_conversions(void **state)
{
	(void)state;
	assert_int_equal(cg_shares_to_weight(2), 1);
	assert_int_equal(cg_shares_to_weight(1024), 39);
	assert_int_equal(cg_shares_to_weight(262144), 10000);
	assert_int_equal(cg_shares_to_weight(1), 1);
	assert_int_equal(cg_blkio_to_io_weight(10), 1);
	assert_int_equal(cg_blkio_to_io_weight(500), 4950);
	assert_int_equal(cg_blkio_to_io_weight(1000), 10000);
}

static void test_v2_writes_every_limit(void **state)
{
	static struct vc_timeline tl;
	struct cg_limits lim;
	struct cgroup *cg;
	char want[PATH_MAX + 64];
	uint64_t v;
	vc_err err;

	(void)state;
	full_limits(&lim);
	vc_timeline_init(&tl, "test", NULL);
	assert_int_equal(cgroup_create(fake.root, "c1", &lim, &tl, &cg, &err), 0);
	assert_int_equal(cgroup_mode(cg), CG_MODE_V2);
	snprintf(want, sizeof(want), "%s/vclab/c1", fake.root);
	assert_string_equal(cgroup_path(cg), want);
	assert_true(cgroup_fd(cg) >= 0);
	/* Controllers enabled top-down, each once. */
	assert_string_equal(content("cgroup.subtree_control"),
	                    "+memory\n+cpu\n+pids\n+cpuset\n+io\n");
	assert_string_equal(content("vclab/cgroup.subtree_control"),
	                    "+memory\n+cpu\n+pids\n+cpuset\n+io\n");
	assert_string_equal(content("vclab/c1/memory.max"), "16777216\n");
	/* OCI swap counts memory + swap; v2 limits swap alone. */
	assert_string_equal(content("vclab/c1/memory.swap.max"), "16777216\n");
	assert_string_equal(content("vclab/c1/cpu.weight"), "39\n");
	assert_string_equal(content("vclab/c1/cpu.max"), "50000 100000\n");
	assert_string_equal(content("vclab/c1/cpuset.cpus"), "1\n");
	assert_string_equal(content("vclab/c1/cpuset.mems"), "0\n");
	assert_string_equal(content("vclab/c1/pids.max"), "5\n");
	assert_string_equal(content("vclab/c1/io.weight"), "4950\n");
	assert_string_equal(content("vclab/c1/io.max"),
	                    "8:0 rbps=1048576\n8:16 wiops=100\n8:32 wiops=200\n");
	snprintf(want, sizeof(want), "memory.max = 16777216 in %s/vclab/c1", fake.root);
	assert_true(trace_has(&tl, want));

	assert_int_equal(cgroup_add_pid(cg, 4242, &err), 0);
	assert_int_equal(cgroup_enter_self(cg, &err), 0);
	assert_string_equal(content("vclab/c1/cgroup.procs"), "4242\n0\n");
	assert_int_equal(cgroup_memory_peak(cg, &v, &err), 0);
	assert_int_equal(v, 1234);
	assert_int_equal(cgroup_oom_killed(cg, &v, &err), 0);
	assert_int_equal(v, 1);
	assert_int_equal(cgroup_cpu_throttled(cg, &v, &err), 0);
	assert_int_equal(v, 3);

	/* processes left: the rmdir is refused (EBUSY), so cgroup.kill */
	assert_int_equal(cgroup_destroy(cg, &err), 0);
	snprintf(want, sizeof(want), "cgroup.kill = 1 in %s/vclab/c1", fake.root);
	assert_true(trace_has(&tl, want));
	assert_false(exists("vclab/c1"));
	/* The shared parent stays for the next container. */
	assert_true(exists("vclab"));

	/* nothing left in it (the usual end): a plain rmdir, no kill */
	cg_limits_init(&lim);
	assert_int_equal(cgroup_create(fake.root, "c2", &lim, &tl, &cg, &err), 0);
	assert_int_equal(cgroup_destroy(cg, &err), 0);
	snprintf(want, sizeof(want), "rmdir %s/vclab/c2", fake.root);
	assert_true(trace_has(&tl, want));
	snprintf(want, sizeof(want), "cgroup.kill = 1 in %s/vclab/c2", fake.root);
	assert_false(trace_has(&tl, want));
	assert_false(exists("vclab/c2"));
}

static void test_v2_cpu_max_forms(void **state)
{
	struct cg_limits lim;
	struct cgroup *cg;
	vc_err err;

	(void)state;
	cg_limits_init(&lim);
	lim.cpu_period_us = 250000;
	assert_int_equal(cgroup_create(fake.root, "p", &lim, NULL, &cg, &err), 0);
	assert_string_equal(content("vclab/p/cpu.max"), "max 250000\n");
	assert_int_equal(cgroup_destroy(cg, &err), 0);
	/* What the kernel now shows: the next container writes nothing there. */
	put(fake.root, "cgroup.subtree_control", "memory cpu pids\n");
	put(fake.root, "vclab/cgroup.subtree_control", "cpu memory pids\n");

	cg_limits_init(&lim);
	lim.cpu_quota_us = 20000;
	assert_int_equal(cgroup_create(fake.root, "q", &lim, NULL, &cg, &err), 0);
	assert_string_equal(content("vclab/q/cpu.max"), "20000 100000\n");
	/* No limit for memory, yet the accounting controllers are on. */
	assert_string_equal(content("vclab/q/memory.max"), "");
	assert_string_equal(content("cgroup.subtree_control"), "memory cpu pids\n");
	assert_string_equal(content("vclab/cgroup.subtree_control"), "cpu memory pids\n");
	assert_int_equal(cgroup_destroy(cg, &err), 0);
	assert_int_equal(cgroup_dirs(), 1); /* vclab/ only */
}

static void test_v2_failed_write_cleans_up(void **state)
{
	struct cg_limits lim;
	struct cgroup *cg = (struct cgroup *)(void *)&lim;
	char want[PATH_MAX + 64];
	vc_err err;

	(void)state;
	full_limits(&lim);
	fake.reject = "cpu.max";
	assert_int_equal(cgroup_create(fake.root, "bad", &lim, NULL, &cg, &err), -1);
	assert_null(cg);
	snprintf(want, sizeof(want), "cgroup: writing '50000 100000' to %s/vclab/bad/cpu.max",
	         fake.root);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.errnum, ENOSPC);
	/* Both the container's directory and the vclab parent it made. */
	assert_int_equal(cgroup_dirs(), 0);
}

static void test_v2_failure_keeps_shared_parent(void **state)
{
	struct cg_limits lim;
	struct cgroup *other, *cg;
	vc_err err;

	(void)state;
	cg_limits_init(&lim);
	assert_int_equal(cgroup_create(fake.root, "other", &lim, NULL, &other, &err), 0);
	lim.pids_max = 3;
	fake.reject = "pids.max";
	assert_int_equal(cgroup_create(fake.root, "bad", &lim, NULL, &cg, &err), -1);
	assert_false(exists("vclab/bad"));
	assert_true(exists("vclab/other"));
	/* The same id twice is refused, and the first one is left alone. */
	fake.reject = NULL;
	assert_int_equal(cgroup_create(fake.root, "other", &lim, NULL, &cg, &err), -1);
	assert_non_null(strstr(err.msg, "vclab/other already exists"));
	assert_true(exists("vclab/other"));
	assert_int_equal(cgroup_destroy(other, &err), 0);
	assert_int_equal(cgroup_dirs(), 1);
}

static void test_v2_missing_controller(void **state)
{
	struct cg_limits lim;
	struct cgroup *cg;
	vc_err err;

	(void)state;
	put(fake.root, "cgroup.controllers", "cpu memory pids\n");
	cg_limits_init(&lim);
	snprintf(lim.cpuset_cpus, sizeof(lim.cpuset_cpus), "0");
	assert_int_equal(cgroup_create(fake.root, "c", &lim, NULL, &cg, &err), -1);
	assert_non_null(strstr(err.msg, "needs the cpuset controller"));
	assert_int_equal(cgroup_dirs(), 0);
	assert_string_equal(content("cgroup.subtree_control"), "");
}

static void test_v1_writes_every_limit(void **state)
{
	struct cg_limits lim;
	struct cgroup *cg;
	char want[PATH_MAX + 64];
	uint64_t v;
	vc_err err;
	size_t i;

	(void)state;
	full_limits(&lim);
	assert_int_equal(cgroup_create(fake.root, "c1", &lim, NULL, &cg, &err), 0);
	assert_int_equal(cgroup_mode(cg), CG_MODE_HYBRID);
	snprintf(want, sizeof(want), "%s/memory/vclab/c1", fake.root);
	assert_string_equal(cgroup_path(cg), want);
	assert_int_equal(cgroup_fd(cg), -1);
	assert_string_equal(content("memory/vclab/c1/memory.limit_in_bytes"), "16777216\n");
	/* v1 memsw is the OCI total as is. */
	assert_string_equal(content("memory/vclab/c1/memory.memsw.limit_in_bytes"), "33554432\n");
	assert_string_equal(content("cpu/vclab/c1/cpu.shares"), "1024\n");
	assert_string_equal(content("cpu/vclab/c1/cpu.cfs_period_us"), "100000\n");
	assert_string_equal(content("cpu/vclab/c1/cpu.cfs_quota_us"), "50000\n");
	/* cpuset: inherited from the parent first, then the limit. */
	assert_string_equal(content("cpuset/vclab/cpuset.cpus"), "0-1\n");
	assert_string_equal(content("cpuset/vclab/c1/cpuset.cpus"), "0-1\n1\n");
	assert_string_equal(content("cpuset/vclab/c1/cpuset.mems"), "0\n0\n");
	assert_string_equal(content("pids/vclab/c1/pids.max"), "5\n");
	assert_string_equal(content("blkio/vclab/c1/blkio.bfq.weight"), "500\n");
	assert_string_equal(content("blkio/vclab/c1/blkio.throttle.read_bps_device"),
	                    "8:0 1048576\n");
	assert_string_equal(content("blkio/vclab/c1/blkio.throttle.write_iops_device"),
	                    "8:16 100\n8:32 200\n");
	assert_false(exists("unified/vclab"));

	assert_int_equal(cgroup_add_pid(cg, 4242, &err), 0);
	assert_int_equal(cgroup_enter_self(cg, &err), 0);
	for (i = 0; i < sizeof(v1_hierarchies) / sizeof(v1_hierarchies[0]); i++) {
		snprintf(want, sizeof(want), "%s/vclab/c1/cgroup.procs", v1_hierarchies[i]);
		assert_string_equal(content(want), "4242\n");
		/* The child moves its own thread: "0" in tasks. */
		snprintf(want, sizeof(want), "%s/vclab/c1/tasks", v1_hierarchies[i]);
		assert_string_equal(content(want), "0\n");
		snprintf(want, sizeof(want), "%s/vclab/c1", v1_hierarchies[i]);
		empty_procs(want);
	}
	assert_int_equal(cgroup_memory_peak(cg, &v, &err), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(cgroup_oom_killed(cg, &v, &err), 0);
	assert_int_equal(v, 3);
	assert_int_equal(cgroup_cpu_throttled(cg, &v, &err), 0);
	assert_int_equal(v, 7);
	assert_int_equal(cgroup_destroy(cg, &err), 0);
	for (i = 0; i < sizeof(v1_hierarchies) / sizeof(v1_hierarchies[0]); i++) {
		snprintf(want, sizeof(want), "%s/vclab/c1", v1_hierarchies[i]);
		assert_false(exists(want));
	}
}

static void test_v1_joins_only_needed_hierarchies(void **state)
{
	struct cg_limits lim;
	struct cgroup *cg;
	vc_err err;

	(void)state;
	cg_limits_init(&lim);
	assert_int_equal(cgroup_create(fake.root, "c", &lim, NULL, &cg, &err), 0);
	assert_true(exists("memory/vclab/c") && exists("cpu/vclab/c") && exists("pids/vclab/c"));
	assert_false(exists("cpuset/vclab") || exists("blkio/vclab"));
	assert_string_equal(content("memory/vclab/c/memory.limit_in_bytes"), "");
	assert_int_equal(cgroup_destroy(cg, &err), 0);
	assert_int_equal(cgroup_dirs(), 3); /* the vclab parents */
}

static void test_v1_failed_write_cleans_up(void **state)
{
	struct cg_limits lim;
	struct cgroup *cg;
	char want[PATH_MAX + 64];
	vc_err err;

	(void)state;
	full_limits(&lim);
	fake.reject = "blkio.throttle.write_iops_device";
	assert_int_equal(cgroup_create(fake.root, "bad", &lim, NULL, &cg, &err), -1);
	snprintf(
	    want, sizeof(want),
	    "cgroup: writing '8:16 100' to %s/blkio/vclab/bad/blkio.throttle.write_iops_device",
	    fake.root);
	assert_string_equal(err.msg, want);
	assert_int_equal(cgroup_dirs(), 0);
}

static void test_v1_missing_file_named(void **state)
{
	struct cg_limits lim;
	struct cgroup *cg;
	char want[PATH_MAX + 64];
	vc_err err;

	(void)state;
	fake.no_memsw = 1;
	cg_limits_init(&lim);
	lim.memory_max = 1 << 20;
	lim.memory_swap = 2 << 20;
	assert_int_equal(cgroup_create(fake.root, "s", &lim, NULL, &cg, &err), -1);
	snprintf(want, sizeof(want),
	         "cgroup: writing '2097152' to %s/memory/vclab/s/memory.memsw.limit_in_bytes",
	         fake.root);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.errnum, ENOENT);
	assert_int_equal(cgroup_dirs(), 0);
}

static void test_v1_existing_id_refused(void **state)
{
	char path[PATH_MAX];
	struct cg_limits lim;
	struct cgroup *cg;
	vc_err err;

	(void)state;
	/* Someone else's pids/vclab/x: the memory and cpu directories made
	 * before the clash go, theirs stays. */
	snprintf(path, sizeof(path), "%s/pids/vclab", fake.root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/pids/vclab/x", fake.root);
	assert_int_equal(mkdir(path, 0755), 0);
	cg_limits_init(&lim);
	assert_int_equal(cgroup_create(fake.root, "x", &lim, NULL, &cg, &err), -1);
	assert_non_null(strstr(err.msg, "pids/vclab/x already exists"));
	assert_false(exists("memory/vclab") || exists("cpu/vclab"));
	assert_true(exists("pids/vclab/x"));
}

static void test_v1_missing_hierarchy(void **state)
{
	char path[PATH_MAX];
	struct cg_limits lim;
	struct cgroup *cg;
	vc_err err;

	(void)state;
	snprintf(path, sizeof(path), "%s/blkio", fake.root);
	assert_int_equal(__real_rmdir(path), 0);
	fake.baseline--;
	cg_limits_init(&lim);
	lim.blkio_weight = 100;
	assert_int_equal(cgroup_create(fake.root, "b", &lim, NULL, &cg, &err), -1);
	assert_non_null(strstr(err.msg, "needs the v1 blkio hierarchy"));
	assert_int_equal(cgroup_dirs(), 0);
}

static void test_v1_no_hierarchy_at_all(void **state)
{
	const char *const gone[] = {"memory", "cpu", "pids"};
	char path[PATH_MAX];
	struct cg_limits lim;
	struct cgroup *cg;
	vc_err err;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", fake.root, gone[i]);
		assert_int_equal(__real_rmdir(path), 0);
		fake.baseline--;
	}
	cg_limits_init(&lim);
	assert_int_equal(cgroup_create(fake.root, "n", &lim, NULL, &cg, &err), -1);
	assert_non_null(strstr(err.msg, "no v1 memory, cpu or pids hierarchy under"));
	assert_int_equal(cgroup_dirs(), 0);
}

static void test_bad_limits_and_ids(void **state)
{
	const char *bad_ids[] = {"", ".", "..", "a/b", "x y", "../../etc"};
	struct cg_limits lim;
	struct cgroup *cg;
	vc_err err;
	size_t i;

	(void)state;
	cg_limits_init(&lim);
	lim.memory_swap = 1 << 20;
	assert_int_equal(cgroup_create(fake.root, "s", &lim, NULL, &cg, &err), -1);
	assert_string_equal(err.msg, "cgroup: memory.swap (1048576) needs a memory limit");
	lim.memory_max = 2 << 20;
	assert_int_equal(cgroup_create(fake.root, "s", &lim, NULL, &cg, &err), -1);
	assert_non_null(strstr(err.msg, "is below the memory limit"));
	cg_limits_init(&lim);
	lim.pids_max = -5;
	assert_int_equal(cgroup_create(fake.root, "s", &lim, NULL, &cg, &err), -1);
	assert_string_equal(err.msg, "cgroup: pids limit -5 is negative");
	cg_limits_init(&lim);
	for (i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		assert_int_equal(cgroup_create(fake.root, bad_ids[i], &lim, NULL, &cg, &err), -1);
		assert_non_null(strstr(err.msg, "is not a valid cgroup name"));
	}
	assert_int_equal(cgroup_dirs(), 0);
	assert_int_equal(cgroup_destroy(NULL, &err), 0);
}

/* linux.cgroupsPath, absolute: parents made with the controllers enabled
 * in each, the record names the leaf, destroy removes only the leaf. */
static void test_v2_cgroups_path(void **state)
{
	struct cg_limits lim;
	struct cgroup *cg, *again;
	char want[PATH_MAX + 64], rec[PATH_MAX + 64];
	vc_err err;

	(void)state;
	cg_limits_init(&lim);
	lim.pids_max = 7;
	assert_int_equal(cgroup_create_at(fake.root, "/a/b/c1", "c1", &lim, NULL, &cg, &err), 0);
	snprintf(want, sizeof(want), "%s/a/b/c1", fake.root);
	assert_string_equal(cgroup_path(cg), want);
	assert_string_equal(content("a/b/c1/pids.max"), "7\n");
	assert_string_equal(content("a/cgroup.subtree_control"), "+memory\n+cpu\n+pids\n");
	assert_string_equal(content("a/b/cgroup.subtree_control"), "+memory\n+cpu\n+pids\n");
	assert_false(exists("vclab"));
	snprintf(want, sizeof(want), "- %s/a/b/c1\n", fake.root);
	assert_true(cgroup_record(cg, rec, sizeof(rec)) > 0);
	assert_string_equal(rec, want);
	/* the record opens the same directory in another process */
	assert_int_equal(cgroup_open_recorded(fake.root, "c1", rec, NULL, &again, &err), 0);
	assert_string_equal(cgroup_path(again), cgroup_path(cg));
	assert_int_equal(cgroup_destroy(again, &err), 0);
	assert_false(exists("a/b/c1"));
	assert_true(exists("a/b")); /* parents stay, as with runc */
	assert_int_equal(cgroup_destroy(cg, &err), 0);

	/* an existing leaf is refused and kept */
	assert_int_equal(cgroup_create_at(fake.root, "/a/b", "c2", &lim, NULL, &cg, &err), -1);
	assert_null(cg);
	assert_true(exists("a/b"));
	/* a failure removes the parents this create made, not the others */
	fake.reject = "pids.max";
	assert_int_equal(cgroup_create_at(fake.root, "/a/n1/n2/c3", "c3", &lim, NULL, &cg, &err),
	                 -1);
	assert_false(exists("a/n1"));
	assert_true(exists("a/b"));
	/* refused paths touch nothing */
	assert_int_equal(cgroup_create_at(fake.root, "/a/../x", "c4", &lim, NULL, &cg, &err), -1);
	assert_false(exists("x"));
}

/* A record naming a directory outside the hierarchies, or with "..", is
 * refused: destroy never empties what it names. */
static void test_v2_bad_record_refused(void **state)
{
	struct cgroup *cg;
	char rec[PATH_MAX + 64];
	vc_err err;

	(void)state;
	assert_int_equal(cgroup_open_recorded(fake.root, "c", "- /etc\n", NULL, &cg, &err), -1);
	snprintf(rec, sizeof(rec), "- %s/a/../..\n", fake.root);
	assert_int_equal(cgroup_open_recorded(fake.root, "c", rec, NULL, &cg, &err), -1);
	snprintf(rec, sizeof(rec), "- %s\n", fake.root);
	assert_int_equal(cgroup_open_recorded(fake.root, "c", rec, NULL, &cg, &err), -1);
	snprintf(rec, sizeof(rec), "memory %s/memory/x\n", fake.root);
	assert_int_equal(cgroup_open_recorded(fake.root, "c", rec, NULL, &cg, &err), -1);
}

/* v1: the path in every hierarchy; cpuset inherits cpus and mems down the
 * whole chain. */
static void test_v1_cgroups_path(void **state)
{
	struct cg_limits lim;
	struct cgroup *cg;
	char rec[4096];
	vc_err err;

	(void)state;
	cg_limits_init(&lim);
	snprintf(lim.cpuset_cpus, sizeof(lim.cpuset_cpus), "0");
	assert_int_equal(cgroup_create_at(fake.root, "/docker/c5", "c5", &lim, NULL, &cg, &err), 0);
	assert_true(exists("memory/docker/c5") && exists("pids/docker/c5") &&
	            exists("cpuset/docker/c5"));
	assert_false(exists("memory/vclab"));
	assert_int_equal(cgroup_record(cg, rec, sizeof(rec)) > 0, 1);
	assert_non_null(strstr(rec, "cpuset "));
	assert_int_equal(cgroup_destroy(cg, &err), 0);
	assert_false(exists("memory/docker/c5") || exists("cpuset/docker/c5"));
	assert_true(exists("memory/docker"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limits_init_unset),
	    cmocka_unit_test(test_weight_conversions),
	    cmocka_unit_test_teardown(test_detect_mode, teardown),
	    cmocka_unit_test_setup_teardown(test_v2_writes_every_limit, setup_v2, teardown),
	    cmocka_unit_test_setup_teardown(test_v2_cpu_max_forms, setup_v2, teardown),
	    cmocka_unit_test_setup_teardown(test_v2_failed_write_cleans_up, setup_v2, teardown),
	    cmocka_unit_test_setup_teardown(test_v2_failure_keeps_shared_parent, setup_v2,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_v2_missing_controller, setup_v2, teardown),
	    cmocka_unit_test_setup_teardown(test_v1_writes_every_limit, setup_hybrid, teardown),
	    cmocka_unit_test_setup_teardown(test_v1_joins_only_needed_hierarchies, setup_v1,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_v1_failed_write_cleans_up, setup_hybrid, teardown),
	    cmocka_unit_test_setup_teardown(test_v1_missing_file_named, setup_v1, teardown),
	    cmocka_unit_test_setup_teardown(test_v1_existing_id_refused, setup_v1, teardown),
	    cmocka_unit_test_setup_teardown(test_v1_missing_hierarchy, setup_v1, teardown),
	    cmocka_unit_test_setup_teardown(test_v1_no_hierarchy_at_all, setup_v1, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_limits_and_ids, setup_hybrid, teardown),
	    cmocka_unit_test_setup_teardown(test_v2_cgroups_path, setup_v2, teardown),
	    cmocka_unit_test_setup_teardown(test_v2_bad_record_refused, setup_v2, teardown),
	    cmocka_unit_test_setup_teardown(test_v1_cgroups_path, setup_v1, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
