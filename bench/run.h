/* `bench run`: probe the runners, run the rounds, fill a bench_result. */
#ifndef BENCH_RUN_H
#define BENCH_RUN_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench.h"
#include "error.h"
#include "guestram.h"
#include "runners.h"

#define RUN_DEFAULT_RUNS     10
#define RUN_DEFAULT_WARMUP   2
#define RUN_DEFAULT_WORKLOAD "sha256=4 touch=4"
#define RUN_DEFAULT_TIMEOUT  30.0
#define RUN_SAMPLE_EVERY_MS  2.0

struct run_opts {
	unsigned runs, warmup;
	const struct runner_def *defs[BENCH_MAX_RUNNERS];
	size_t ndefs;
	char workload[256];
	unsigned scale[BENCH_MAX_SCALE];
	size_t nscale;
	double timeout_s;
	uint64_t guest_mem;
	bool progress; /* live progress line on stdout */
	char build[1024];
	/* --image REF (empty: the static workload), --cmd, --ready-line
	 * ("" = the first line printed), --done-line (have_done), --engines. */
	char image[256];
	char cmd[512];
	char ready_line[128];
	char done_line[128];
	bool have_done;
	bool engines;
	bool mem_given; /* --mem was given: no sizing to the image */
};

/* Check the --workload words: sha256=MIB, touch=MIB, exit=CODE. */
int workload_words_check(const char *words, int *exit_code, vc_err *err);

int bench_run(const struct run_opts *o, struct bench_result *res, vc_err *err);

#endif
