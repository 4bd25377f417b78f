#include "measure.h"

#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"

void mem_sample_clear(struct mem_sample *s)
{
	s->mem_kib = s->kmem_kib = s->vmm_rss_kib = s->guest_touched_kib = NAN;
}

static void keep_max(double *a, double b)
{
	if (!isnan(b) && (isnan(*a) || b > *a))
		*a = b;
}

void mem_sample_max(struct mem_sample *a, const struct mem_sample *b)
{
	keep_max(&a->mem_kib, b->mem_kib);
	keep_max(&a->kmem_kib, b->kmem_kib);
	keep_max(&a->vmm_rss_kib, b->vmm_rss_kib);
	keep_max(&a->guest_touched_kib, b->guest_touched_kib);
}

/* Children of every thread of pid (a thread may fork too). */
static size_t add_children(pid_t pid, pid_t *out, size_t n, size_t max)
{
	char path[64], buf[4096];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return n;
	while ((de = readdir(d)) && n < max) {
		FILE *f;
		char *p, *end;

		if (de->d_name[0] == '.')
			continue;
		snprintf(buf, sizeof(buf), "/proc/%d/task/%s/children", (int)pid, de->d_name);
		f = fopen(buf, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f))
			for (p = buf; n < max; p = end) {
				long c = strtol(p, &end, 10);

				if (end == p)
					break;
				out[n++] = (pid_t)c;
			}
		fclose(f);
	}
	closedir(d);
	return n;
}

size_t process_tree(pid_t pid, pid_t *out, size_t max)
{
	char path[64];
	size_t n = 0;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (max == 0 || access(path, F_OK) < 0)
		return 0;
	out[n++] = pid;
	/* Breadth first: out[] doubles as the queue. */
	for (size_t i = 0; i < n && n < max; i++)
		n = add_children(out[i], out, n, max);
	return n;
}

/* The value of a "Key:   N kB" line in a /proc file, < 0 when missing. */
static long read_kb_field(const char *path, const char *key)
{
	uint64_t v;

	return vc_read_field(path, key, &v) < 0 ? -1 : (long)v;
}

long pss_kib(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	return read_kb_field(path, "Pss");
}

/* The memory cgroup path of pid: the v1 "memory" hierarchy's line, or the
 * v2 "0::" line. */
static int memory_cgroup_of(pid_t pid, enum cg_mode mode, char *out, size_t len)
{
	return vc_proc_cgroup_path(pid, mode == CG_MODE_V2 ? "" : "memory", out, len);
}

/* cgroup v2 memory.stat: the "kernel" line where the kernel has it, else
 * the sum of its parts. */
static long v2_kernel_bytes(const char *dir)
{
	static const char *const parts[] = {"kernel_stack", "pagetables", "percpu",
	                                    "sock",         "slab",       "vmalloc"};
	char path[PATH_MAX + 32];
	uint64_t v, sum = 0;
	bool any = false;

	if (snprintf(path, sizeof(path), "%s/memory.stat", dir) >= (int)sizeof(path))
		return -1;
	if (vc_read_field(path, "kernel", &v) == 0)
		return (long)v;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (vc_read_field(path, parts[i], &v) == 0) {
			sum += v;
			any = true;
		}
	return any ? (long)sum : -1;
}

static long v1_kmem_bytes(const char *dir)
{
	char path[PATH_MAX + 48];
	uint64_t v;

	if (snprintf(path, sizeof(path), "%s/memory.kmem.usage_in_bytes", dir) >= (int)sizeof(path))
		return -1;
	return vc_read_u64(path, &v) < 0 ? -1 : (long)v;
}

long cgroup_kmem_kib(pid_t pid, enum cg_mode mode)
{
	char mine[PATH_MAX], theirs[PATH_MAX], dir[PATH_MAX + 32];
	long bytes;

	if (memory_cgroup_of(getpid(), mode, mine, sizeof(mine)) < 0 ||
	    memory_cgroup_of(pid, mode, theirs, sizeof(theirs)) < 0 || !strcmp(mine, theirs) ||
	    !strcmp(theirs, "/"))
		return -1;
	if (mode == CG_MODE_V2) {
		snprintf(dir, sizeof(dir), "/sys/fs/cgroup%s", theirs);
		bytes = v2_kernel_bytes(dir);
	} else {
		snprintf(dir, sizeof(dir), "/sys/fs/cgroup/memory%s", theirs);
		bytes = v1_kmem_bytes(dir);
	}
	return bytes < 0 ? -1 : bytes / 1024;
}

int vmm_memory(pid_t pid, uint64_t guest_bytes, double *rest_kib, double *guest_kib)
{
	unsigned long long start, end, inode, size = 0, best_size = 0;
	long rss, total = 0, guest = -1, cur_rss_is_guest_candidate = 0;
	char path[64], line[PATH_MAX + 128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		/* A mapping header: "start-end perms offset dev inode [path]". */
		if (sscanf(line, "%llx-%llx %*s %*s %*s %llu", &start, &end, &inode) == 3) {
			size = end - start;
			cur_rss_is_guest_candidate = inode == 0 && size >= guest_bytes;
			continue;
		}
		if (strncmp(line, "Rss:", 4))
			continue;
		rss = strtol(line + 4, NULL, 10);
		total += rss;
		if (cur_rss_is_guest_candidate && size > best_size) {
			best_size = size;
			guest = rss;
		}
	}
	fclose(f);
	if (total == 0)
		return -1;
	*guest_kib = guest >= 0 ? (double)guest : NAN;
	*rest_kib = (double)(total - (guest >= 0 ? guest : 0));
	return 0;
}

void mem_sample_take(pid_t launcher, enum cg_mode mode, uint64_t vm_guest_bytes,
                     struct mem_sample *s)
{
	pid_t pids[MEASURE_MAX_PIDS];
	size_t n = process_tree(launcher, pids, MEASURE_MAX_PIDS);
	long total = 0, v, kmem = -1;
	pid_t deepest = 0;

	mem_sample_clear(s);
	for (size_t i = 0; i < n; i++) {
		v = pss_kib(pids[i]);
		/* A zombie has no memory map (no Pss line) and already sits in
		 * the root cgroup: leave it out. */
		if (v >= 0) {
			total += v;
			deepest = pids[i];
		}
	}
	if (!deepest)
		return;
	/* The deepest live process is the workload (or the VMM); its cgroup
	 * is the instance's own one when the runtime made one. */
	kmem = cgroup_kmem_kib(deepest, mode);
	s->mem_kib = (double)total + (kmem > 0 ? (double)kmem : 0);
	if (kmem >= 0)
		s->kmem_kib = (double)kmem;
	if (vm_guest_bytes)
		vmm_memory(launcher, vm_guest_bytes, &s->vmm_rss_kib, &s->guest_touched_kib);
}

long mem_available_kib(void)
{
	return read_kb_field("/proc/meminfo", "MemAvailable");
}

enum cg_mode cgroup_mode_detect(void)
{
	enum cg_mode mode;

	/* a host without cgroups mounted reads as v1: nothing to account */
	if (cgroup_detect_mode("/sys/fs/cgroup", &mode, NULL) < 0)
		return CG_MODE_V1;
	return mode;
}

const char *cgroup_mode_describe(enum cg_mode m)
{
	switch (m) {
	case CG_MODE_V2:
		return "v2 (unified)";
	case CG_MODE_HYBRID:
		return "hybrid (v1 controllers + v2 at /sys/fs/cgroup/unified)";
	default:
		return "v1 (legacy)";
	}
}
