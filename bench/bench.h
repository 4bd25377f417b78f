/* The bench's data model: what was measured for each runner, the host it
 * ran on and the settings it ran with. Filled by run.c, written by the
 * report_*.c writers, read back by report_json.c for `bench diff`. */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"

#define BENCH_SCHEMA      "vclab-bench/1"
#define BENCH_MAX_RUNNERS 12
#define BENCH_MAX_PHASES  32
#define BENCH_MAX_SCALE   8
#define BENCH_MAX_PARTS   6
#define BENCH_MAX_WORDS   16

/* Per-run metrics. Memory is in KiB, time in ms. */
enum metric {
	MET_STARTUP,       /* spawn of the launcher -> ready line read */
	MET_COMPLETION,    /* spawn of the launcher -> launcher reaped */
	MET_MEM_READY,     /* PSS of the instance (+ cgroup kmem) at the ready line */
	MET_MEM_PEAK,      /* the same, highest sample while the instance ran */
	MET_KMEM,          /* cgroup kernel memory of the instance (peak) */
	MET_VMM_RSS,       /* VMM resident memory outside guest RAM (peak) */
	MET_GUEST_TOUCHED, /* guest RAM resident on the host (peak) */
	MET_COUNT
};

struct metric_info {
	const char *key;   /* JSON key, e.g. "startup_ms" */
	const char *label; /* column title */
	const char *unit;  /* "ms" or "KiB" */
};

extern const struct metric_info metric_info[MET_COUNT];

enum runner_state { RUNNER_OK, RUNNER_UNAVAILABLE, RUNNER_FAILED };

const char *runner_state_name(enum runner_state s);
int runner_state_parse(const char *s, enum runner_state *out);

struct image_part {
	char name[48];
	uint64_t bytes;
};

/* What must be shipped to run the workload with this runner. */
struct image {
	uint64_t bytes;    /* the shipped total (e.g. the compressed layer) */
	uint64_t unpacked; /* --image: on disk (layers) or in guest RAM (initramfs); 0 = n/a */
	uint64_t shared;   /* --image: compressed layers other stored images share; 0 = none */
	size_t nparts;
	struct image_part part[BENCH_MAX_PARTS];
};

/* One phase of the launcher's own --timings, over all measured runs. */
struct phase {
	char name[48];
	struct series took_ms;
	struct stats st;
};

/* --scale: N instances launched at once. */
struct scale_point {
	unsigned n;
	struct series startup_ms; /* every instance's startup */
	struct series mem_kib;    /* every instance's PSS at its ready line */
	struct series host_kib;   /* host memory used per instance (MemAvailable drop / N) */
	struct stats st_startup, st_mem, st_host;
};

struct runner_result {
	char name[32];
	char kind[16]; /* "process", "container", "vm" */
	enum runner_state state;
	char reason[256];  /* why unavailable or failed */
	char note[256];    /* how it was run, when that needs saying */
	char accel[16];    /* VMs: "kvm", "nested", "kvm-pvm" (or "none"); "" otherwise */
	char command[512]; /* the launcher command of one run */
	struct image image;
	unsigned runs_ok;
	struct series samples[MET_COUNT];
	struct stats stats[MET_COUNT];
	size_t nphases;
	struct phase phase[BENCH_MAX_PHASES];
	size_t nscale;
	struct scale_point scale[BENCH_MAX_SCALE];
	/* Derived from the medians against the process baseline (NaN if none). */
	double overhead_ready_kib, overhead_peak_kib, startup_ratio;
};

struct host_info {
	char cpu[128];
	unsigned cores;
	char kernel[192];
	bool kvm;       /* hardware KVM (kvm or nested): Linux guests run */
	char accel[16]; /* how VMs run here: kvm, nested, kvm-pvm or none */
	char kvm_detail[256];
	char cgroup[96]; /* v2, hybrid or v1, in words */
	char runc[96], crun[96], qemu[96];
	char git[64];
	char date[32]; /* UTC, ISO 8601 */
};

struct bench_result {
	struct host_info host;
	unsigned runs, warmup;
	char workload[256];
	uint64_t guest_mem_mib;
	size_t nscale;
	unsigned scale[BENCH_MAX_SCALE];
	/* bench run --image: the image as given, its manifest digest, the
	 * command run, the ready and done lines ("" = first line / none). */
	char image_ref[256];
	char image_id[80];
	char image_cmd[512];
	char ready_line[128];
	char done_line[128];
	/* The container runners (container, runc, crun) all run one bundle:
	 * its config.json in one line, in words, and the cgroup layout they
	 * saw. Empty when no container runner ran. */
	char oci_config[4096];
	char oci_summary[256];
	char oci_cgroups[192];
	size_t nrunners;
	struct runner_result runner[BENCH_MAX_RUNNERS];
};

/* Recompute stats, phase stats and the derived baseline figures. */
int bench_result_finish(struct bench_result *res);
void bench_result_free(struct bench_result *res);
struct runner_result *bench_find_runner(struct bench_result *res, const char *name);

#endif
