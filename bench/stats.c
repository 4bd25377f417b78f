#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int series_push(struct series *s, double v)
{
	double *nv;
	size_t cap;

	if (s->n == s->cap) {
		cap = s->cap ? s->cap * 2 : 16;
		nv = realloc(s->v, cap * sizeof(*nv));
		if (!nv)
			return -1;
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

void series_free(struct series *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* A sorted copy, so callers keep the measurement order. */
static double *sorted_copy(const double *v, size_t n)
{
	double *c = malloc(n * sizeof(*c));

	if (!c)
		return NULL;
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_double);
	return c;
}

static double percentile_sorted(const double *s, size_t n, double p)
{
	double rank = p / 100.0 * (double)(n - 1);
	size_t lo = (size_t)floor(rank);
	size_t hi = lo + 1 < n ? lo + 1 : lo;

	return s[lo] + (s[hi] - s[lo]) * (rank - (double)lo);
}

double stats_percentile(const double *v, size_t n, double p)
{
	double *s = sorted_copy(v, n);
	double r;

	if (!s)
		return NAN;
	r = percentile_sorted(s, n, p);
	free(s);
	return r;
}

double stats_mad(const double *v, size_t n)
{
	double med = stats_percentile(v, n, 50);
	double *dev = malloc(n * sizeof(*dev));
	double r;

	if (!dev)
		return NAN;
	for (size_t i = 0; i < n; i++)
		dev[i] = fabs(v[i] - med);
	r = stats_percentile(dev, n, 50);
	free(dev);
	return r;
}

/* 0.6745 makes the MAD of normal data comparable to sigma. With MAD == 0
 * (more than half the samples equal) the score is undefined: no outliers. */
static double modified_z(double x, double median, double mad)
{
	return mad > 0 ? 0.6745 * (x - median) / mad : 0;
}

static void fill_nan(struct stats *st)
{
	st->median = st->p95 = st->min = st->max = st->mean = st->stddev = NAN;
}

int stats_compute(const double *v, size_t n, struct stats *st)
{
	double sum = 0, sq = 0, mad, *s;

	memset(st, 0, sizeof(*st));
	fill_nan(st);
	if (n == 0)
		return 0;
	s = sorted_copy(v, n);
	if (!s)
		return -1;
	st->n = n;
	st->min = s[0];
	st->max = s[n - 1];
	st->median = percentile_sorted(s, n, 50);
	st->p95 = percentile_sorted(s, n, 95);
	free(s);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	st->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		sq += (v[i] - st->mean) * (v[i] - st->mean);
	st->stddev = n > 1 ? sqrt(sq / (double)(n - 1)) : 0;
	mad = stats_mad(v, n);
	for (size_t i = 0; i < n; i++)
		if (fabs(modified_z(v[i], st->median, mad)) > STATS_OUTLIER_Z)
			st->outliers++;
	/* hyperfine's warning: caches were cold for the first run. */
	if (n >= 3 && modified_z(v[0], st->median, mad) > STATS_OUTLIER_Z) {
		st->slow_first = true;
		for (size_t i = 1; i < n; i++)
			if (v[i] >= v[0])
				st->slow_first = false;
	}
	return 0;
}
