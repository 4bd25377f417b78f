/* `bench diff BASE.json NEW.json`: each metric's change between two result
 * files, and whether it is a regression (lower is better for all of them:
 * a rise beyond the threshold, or a runner that ran before and fails now). */
#ifndef BENCH_DIFF_H
#define BENCH_DIFF_H

#include <stdbool.h>
#include <stdio.h>

#include "bench.h"
#include "error.h"

#define DIFF_DEFAULT_THRESHOLD 10.0 /* percent */
#define DIFF_MAX_LINES         (BENCH_MAX_RUNNERS * 8)

struct diff_line {
	char runner[32];
	char metric[32];  /* "startup_ms" ..., "image_bytes", or "state" */
	double base, now; /* NaN for "state" lines */
	double change_pct;
	bool regression;
	char detail[96]; /* for "state" lines: "ok -> failed: reason" */
};

struct diff {
	size_t n;
	struct diff_line line[DIFF_MAX_LINES];
	size_t regressions;
};

/* Compare now against base; threshold_pct is the largest accepted rise. */
void diff_compute(const struct bench_result *base, const struct bench_result *now,
                  double threshold_pct, struct diff *d);

void diff_print(const struct diff *d, double threshold_pct, FILE *f);

/* VM results of different kinds (accel: kvm, nested, kvm-pvm) measure
 * different machines: refuse them. Returns -1 with a one-line reason naming
 * the first runner whose kind differs, 0 when every VM row present in both
 * ran the same way (or a file predates the field). */
int diff_check_accel(const struct bench_result *base, const struct bench_result *now, vc_err *err);

/* Say so when the two files come from different machines or settings
 * (their figures are then not comparable). Returns 1 if a note was printed. */
int diff_context_note(const struct bench_result *base, const struct bench_result *now, FILE *f);

#endif
