/* Summary statistics of one metric's samples, in the spirit of hyperfine:
 * median, p95, min, max, mean, standard deviation, plus two warnings
 * (outliers by the median-absolute-deviation test, a slow first run). */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stdbool.h>
#include <stddef.h>

/* Modified z-score above which a sample is an outlier (Iglewicz & Hoaglin). */
#define STATS_OUTLIER_Z 3.5

/* A growable list of samples. */
struct series {
	double *v;
	size_t n, cap;
};

struct stats {
	size_t n;
	double median, p95, min, max, mean, stddev;
	size_t outliers; /* samples whose modified z-score exceeds STATS_OUTLIER_Z */
	bool slow_first; /* the first run is an outlier and slower than all others */
};

int series_push(struct series *s, double v);
void series_free(struct series *s);

/* Percentile p in [0, 100] of n samples, linear interpolation between the
 * closest ranks (numpy's default). v need not be sorted. n must be > 0. */
double stats_percentile(const double *v, size_t n, double p);

/* Median absolute deviation around the median. */
double stats_mad(const double *v, size_t n);

/* Fill *st from n samples in the order they were measured. n == 0 gives
 * st->n == 0 and NaN everywhere. */
int stats_compute(const double *v, size_t n, struct stats *st);

#endif
