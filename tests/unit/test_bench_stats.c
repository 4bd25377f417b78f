/* Unit tests of bench/stats.c: the figures every report leads with. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../bench/stats.h"

static void test_median_odd_and_even(void **state)
{
	const double odd[] = {5, 1, 3};
	const double even[] = {4, 1, 3, 2};
	struct stats st;

	(void)state;
	assert_int_equal(stats_compute(odd, 3, &st), 0);
	assert_float_equal(st.median, 3, 1e-12);
	assert_int_equal(stats_compute(even, 4, &st), 0);
	assert_float_equal(st.median, 2.5, 1e-12);
	assert_float_equal(st.min, 1, 1e-12);
	assert_float_equal(st.max, 4, 1e-12);
}

static void test_p95_interpolates_between_ranks(void **state)
{
	double v[21];

	(void)state;
	for (int i = 0; i < 21; i++)
		v[i] = 20 - i; /* 20..0, unsorted on purpose */
	/* rank 0.95 * 20 = 19 exactly -> the value 19 */
	assert_float_equal(stats_percentile(v, 21, 95), 19, 1e-12);
	/* 11 values 0..10: rank 9.5 -> halfway between 9 and 10 */
	assert_float_equal(stats_percentile(v + 10, 11, 95), 9.5, 1e-12);
	assert_float_equal(stats_percentile(v, 21, 0), 0, 1e-12);
	assert_float_equal(stats_percentile(v, 21, 100), 20, 1e-12);
}

static void test_mean_and_sample_stddev(void **state)
{
	const double v[] = {2, 4, 4, 4, 5, 5, 7, 9};
	struct stats st;

	(void)state;
	assert_int_equal(stats_compute(v, 8, &st), 0);
	assert_float_equal(st.mean, 5, 1e-12);
	/* sum of squares 32 over n - 1 = 7 */
	assert_float_equal(st.stddev, sqrt(32.0 / 7), 1e-12);
}

static void test_single_sample_has_zero_stddev(void **state)
{
	const double v[] = {42};
	struct stats st;

	(void)state;
	assert_int_equal(stats_compute(v, 1, &st), 0);
	assert_int_equal(st.n, 1);
	assert_float_equal(st.median, 42, 0);
	assert_float_equal(st.p95, 42, 0);
	assert_float_equal(st.stddev, 0, 0);
	assert_int_equal(st.outliers, 0);
}

static void test_no_samples_gives_nan(void **state)
{
	struct stats st;

	(void)state;
	assert_int_equal(stats_compute(NULL, 0, &st), 0);
	assert_int_equal(st.n, 0);
	assert_true(isnan(st.median));
	assert_true(isnan(st.p95));
}

static void test_mad_of_known_values(void **state)
{
	/* median 2; deviations 1,1,0,0,2,4,7 -> median 1 */
	const double v[] = {1, 1, 2, 2, 4, 6, 9};

	(void)state;
	assert_float_equal(stats_mad(v, 7), 1, 1e-12);
}

static void test_outlier_is_flagged(void **state)
{
	const double v[] = {10.0, 10.2, 9.9, 10.1, 10.0, 9.8, 10.1, 30.0};
	struct stats st;

	(void)state;
	assert_int_equal(stats_compute(v, 8, &st), 0);
	assert_int_equal(st.outliers, 1);
	assert_false(st.slow_first);
}

static void test_no_outlier_in_tight_data(void **state)
{
	const double v[] = {10.0, 10.2, 9.9, 10.1, 10.0, 9.8, 10.1, 10.3};
	struct stats st;

	(void)state;
	assert_int_equal(stats_compute(v, 8, &st), 0);
	assert_int_equal(st.outliers, 0);
}

static void test_identical_samples_have_no_outliers(void **state)
{
	/* MAD is 0: the modified z-score is undefined, nothing is flagged. */
	const double v[] = {5, 5, 5, 5, 6};
	struct stats st;

	(void)state;
	assert_int_equal(stats_compute(v, 5, &st), 0);
	assert_int_equal(st.outliers, 0);
}

static void test_slow_first_run_is_warned(void **state)
{
	const double v[] = {25.0, 10.0, 10.2, 9.9, 10.1, 10.0};
	struct stats st;

	(void)state;
	assert_int_equal(stats_compute(v, 6, &st), 0);
	assert_true(st.slow_first);
	assert_int_equal(st.outliers, 1);
}

static void test_slow_later_run_is_not_slow_first(void **state)
{
	const double v[] = {10.0, 25.0, 10.2, 9.9, 10.1, 10.0};
	struct stats st;

	(void)state;
	assert_int_equal(stats_compute(v, 6, &st), 0);
	assert_false(st.slow_first);
	assert_int_equal(st.outliers, 1);
}

static void test_series_grows(void **state)
{
	struct series s = {0};

	(void)state;
	for (int i = 0; i < 100; i++)
		assert_int_equal(series_push(&s, i), 0);
	assert_int_equal(s.n, 100);
	assert_float_equal(s.v[99], 99, 0);
	series_free(&s);
	assert_null(s.v);
	assert_int_equal(s.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_median_odd_and_even),
	    cmocka_unit_test(test_p95_interpolates_between_ranks),
	    cmocka_unit_test(test_mean_and_sample_stddev),
	    cmocka_unit_test(test_single_sample_has_zero_stddev),
	    cmocka_unit_test(test_no_samples_gives_nan),
	    cmocka_unit_test(test_mad_of_known_values),
	    cmocka_unit_test(test_outlier_is_flagged),
	    cmocka_unit_test(test_no_outlier_in_tight_data),
	    cmocka_unit_test(test_identical_samples_have_no_outliers),
	    cmocka_unit_test(test_slow_first_run_is_warned),
	    cmocka_unit_test(test_slow_later_run_is_not_slow_first),
	    cmocka_unit_test(test_series_grows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
