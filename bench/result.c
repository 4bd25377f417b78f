#include "bench.h"

#include <math.h>
#include <string.h>

const struct metric_info metric_info[MET_COUNT] = {
    [MET_STARTUP] = {"startup_ms", "startup", "ms"},
    [MET_COMPLETION] = {"completion_ms", "completion", "ms"},
    [MET_MEM_READY] = {"mem_ready_kib", "memory at ready", "KiB"},
    [MET_MEM_PEAK] = {"mem_peak_kib", "memory at peak", "KiB"},
    [MET_KMEM] = {"kmem_kib", "cgroup kernel memory", "KiB"},
    [MET_VMM_RSS] = {"vmm_rss_kib", "VMM RSS without guest RAM", "KiB"},
    [MET_GUEST_TOUCHED] = {"guest_touched_kib", "guest RAM touched", "KiB"},
};

static const char *const state_names[] = {
    [RUNNER_OK] = "ok",
    [RUNNER_UNAVAILABLE] = "unavailable",
    [RUNNER_FAILED] = "failed",
};

const char *runner_state_name(enum runner_state s)
{
	return state_names[s];
}

int runner_state_parse(const char *s, enum runner_state *out)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++)
		if (!strcmp(s, state_names[i])) {
			*out = (enum runner_state)i;
			return 0;
		}
	return -1;
}

struct runner_result *bench_find_runner(struct bench_result *res, const char *name)
{
	for (size_t i = 0; i < res->nrunners; i++)
		if (!strcmp(res->runner[i].name, name))
			return &res->runner[i];
	return NULL;
}

static int finish_runner(struct runner_result *r)
{
	for (int m = 0; m < MET_COUNT; m++)
		if (stats_compute(r->samples[m].v, r->samples[m].n, &r->stats[m]) < 0)
			return -1;
	for (size_t i = 0; i < r->nphases; i++)
		if (stats_compute(r->phase[i].took_ms.v, r->phase[i].took_ms.n, &r->phase[i].st) <
		    0)
			return -1;
	for (size_t i = 0; i < r->nscale; i++) {
		struct scale_point *p = &r->scale[i];

		if (stats_compute(p->startup_ms.v, p->startup_ms.n, &p->st_startup) < 0 ||
		    stats_compute(p->mem_kib.v, p->mem_kib.n, &p->st_mem) < 0 ||
		    stats_compute(p->host_kib.v, p->host_kib.n, &p->st_host) < 0)
			return -1;
	}
	return 0;
}

/* Overheads are differences of medians: the runner's instance memory
 * minus the bare process's, sampled at the same moments. */
static void derive_against(struct runner_result *r, const struct runner_result *base)
{
	r->overhead_ready_kib = r->overhead_peak_kib = r->startup_ratio = NAN;
	if (!base || base->state != RUNNER_OK || r->state != RUNNER_OK)
		return;
	r->overhead_ready_kib = r->stats[MET_MEM_READY].median - base->stats[MET_MEM_READY].median;
	r->overhead_peak_kib = r->stats[MET_MEM_PEAK].median - base->stats[MET_MEM_PEAK].median;
	if (base->stats[MET_STARTUP].median > 0)
		r->startup_ratio = r->stats[MET_STARTUP].median / base->stats[MET_STARTUP].median;
}

int bench_result_finish(struct bench_result *res)
{
	const struct runner_result *base;

	for (size_t i = 0; i < res->nrunners; i++)
		if (finish_runner(&res->runner[i]) < 0)
			return -1;
	base = bench_find_runner(res, "process");
	for (size_t i = 0; i < res->nrunners; i++)
		derive_against(&res->runner[i], base);
	return 0;
}

void bench_result_free(struct bench_result *res)
{
	for (size_t i = 0; i < res->nrunners; i++) {
		struct runner_result *r = &res->runner[i];

		for (int m = 0; m < MET_COUNT; m++)
			series_free(&r->samples[m]);
		for (size_t j = 0; j < r->nphases; j++)
			series_free(&r->phase[j].took_ms);
		for (size_t j = 0; j < r->nscale; j++) {
			series_free(&r->scale[j].startup_ms);
			series_free(&r->scale[j].mem_kib);
			series_free(&r->scale[j].host_kib);
		}
	}
	res->nrunners = 0;
}
