/* A small bench_result for the bench's unit tests: a process baseline, a
 * container with samples and phases, a VM that is unavailable. */
#ifndef TEST_BENCH_FIXTURE_H
#define TEST_BENCH_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "../../bench/bench.h"

static inline void fixture_runner(struct bench_result *res, const char *name, const char *kind,
                                  double startup_base, double mem_base)
{
	struct runner_result *r = &res->runner[res->nrunners++];

	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->kind, sizeof(r->kind), "%s", kind);
	r->state = RUNNER_OK;
	snprintf(r->command, sizeof(r->command), "/bin/%s --flag 'a b'", name);
	for (int i = 0; i < 5; i++) {
		series_push(&r->samples[MET_STARTUP], startup_base + 0.1 * i);
		series_push(&r->samples[MET_COMPLETION], startup_base * 3 + i);
		series_push(&r->samples[MET_MEM_READY], mem_base + i);
		series_push(&r->samples[MET_MEM_PEAK], mem_base * 2 + i);
	}
	r->runs_ok = 5;
	r->image.nparts = 1;
	snprintf(r->image.part[0].name, sizeof(r->image.part[0].name), "%s image", name);
	r->image.part[0].bytes = r->image.bytes = 4096 * (uint64_t)res->nrunners;
}

/* Caller frees with bench_result_free. */
static inline void fixture_result(struct bench_result *res)
{
	struct runner_result *vm;

	memset(res, 0, sizeof(*res));
	snprintf(res->host.cpu, sizeof(res->host.cpu), "Test CPU <&> \"quoted\"");
	res->host.cores = 2;
	snprintf(res->host.kernel, sizeof(res->host.kernel), "Linux 6.1.0-test");
	res->host.kvm = false;
	snprintf(res->host.kvm_detail, sizeof(res->host.kvm_detail), "no /dev/kvm: test");
	snprintf(res->host.cgroup, sizeof(res->host.cgroup), "v2 (unified)");
	snprintf(res->host.runc, sizeof(res->host.runc), "runc version 1.1.5");
	snprintf(res->host.crun, sizeof(res->host.crun), "not installed");
	snprintf(res->host.qemu, sizeof(res->host.qemu), "QEMU 7.2");
	snprintf(res->host.git, sizeof(res->host.git), "abc123");
	snprintf(res->host.date, sizeof(res->host.date), "2026-01-01T00:00:00Z");
	res->runs = 5;
	res->warmup = 1;
	snprintf(res->workload, sizeof(res->workload), "sha256=4 touch=4");
	res->guest_mem_mib = 128;
	res->nscale = 1;
	res->scale[0] = 10;
	fixture_runner(res, "process", "process", 1.0, 1000);
	fixture_runner(res, "container", "container", 10.0, 1500);
	series_push(&res->runner[1].samples[MET_KMEM], 100);
	res->runner[1].nphases = 1;
	snprintf(res->runner[1].phase[0].name, sizeof(res->runner[1].phase[0].name), "clone3");
	series_push(&res->runner[1].phase[0].took_ms, 0.5);
	series_push(&res->runner[1].phase[0].took_ms, 0.7);
	res->runner[1].nscale = 1;
	res->runner[1].scale[0].n = 10;
	series_push(&res->runner[1].scale[0].startup_ms, 20);
	series_push(&res->runner[1].scale[0].mem_kib, 600);
	series_push(&res->runner[1].scale[0].host_kib, 700);
	vm = &res->runner[res->nrunners++];
	snprintf(vm->name, sizeof(vm->name), "microvm");
	snprintf(vm->kind, sizeof(vm->kind), "vm");
	vm->state = RUNNER_UNAVAILABLE;
	snprintf(vm->reason, sizeof(vm->reason), "no /dev/kvm: No such file or directory");
	bench_result_finish(res);
}

#endif
