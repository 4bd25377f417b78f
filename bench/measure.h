/* Host memory of one instance: the launcher and every process under it.
 *
 * PSS (proportional set size, /proc/PID/smaps_rollup) charges each shared
 * page to the processes sharing it in equal parts, so summing it over an
 * instance's processes does not count the shared libc or the runtime binary
 * twice. For VMs the VMM's /proc/PID/smaps is split into guest RAM (the
 * largest anonymous mapping of at least the guest's size) and the rest. */
#ifndef BENCH_MEASURE_H
#define BENCH_MEASURE_H

#include <stdint.h>
#include <sys/types.h>

#include "cgmode.h"
#include "error.h"

#define MEASURE_MAX_PIDS 256

/* One memory sample of an instance. Fields are NaN when not measured. */
struct mem_sample {
	double mem_kib;           /* PSS summed over its processes + its cgroup kmem */
	double kmem_kib;          /* kernel memory of the instance's own cgroup */
	double vmm_rss_kib;       /* VMM RSS outside guest RAM */
	double guest_touched_kib; /* RSS of the guest RAM mapping */
};

void mem_sample_clear(struct mem_sample *s);

/* Keep the larger of each field of a and b in a (NaN counts as missing). */
void mem_sample_max(struct mem_sample *a, const struct mem_sample *b);

/* pid and all its descendants (through /proc/PID/task/TID/children),
 * parents before children. Returns the count (0 if pid is gone). */
size_t process_tree(pid_t pid, pid_t *out, size_t max);

/* Pss from /proc/PID/smaps_rollup in KiB, < 0 when the process is gone. */
long pss_kib(pid_t pid);

/* Kernel memory charged to pid's memory cgroup in KiB, or < 0 when pid
 * shares the bench's own cgroup (nothing of its own is accounted) or the
 * controller is not there. */
long cgroup_kmem_kib(pid_t pid, enum cg_mode mode);

/* Split the VMM's resident memory into guest RAM and the rest. */
int vmm_memory(pid_t pid, uint64_t guest_bytes, double *rest_kib, double *guest_kib);

/* Sample the instance rooted at launcher pid. vm_guest_bytes is 0 for
 * instances that are not VMs. */
void mem_sample_take(pid_t launcher, enum cg_mode mode, uint64_t vm_guest_bytes,
                     struct mem_sample *s);

/* MemAvailable from /proc/meminfo in KiB, < 0 on error. */
long mem_available_kib(void);

enum cg_mode cgroup_mode_detect(void);
/* In words, for the report: "hybrid (v1 controllers + v2 at ...)". */
const char *cgroup_mode_describe(enum cg_mode m);

#endif
