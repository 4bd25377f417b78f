/* Unit tests of `bench diff`: which changes are regressions. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../bench/diff.h"
#include "test_bench_fixture.h"

struct pair {
	struct bench_result base, now;
	struct diff d;
};

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));

	if (!p)
		return -1;
	fixture_result(&p->base);
	fixture_result(&p->now);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	bench_result_free(&p->base);
	bench_result_free(&p->now);
	free(p);
	return 0;
}

/* Multiply every startup sample of runner i by f. */
static void scale_startup(struct bench_result *res, size_t i, double f)
{
	struct series *s = &res->runner[i].samples[MET_STARTUP];

	for (size_t k = 0; k < s->n; k++)
		s->v[k] *= f;
	bench_result_finish(res);
}

static const struct diff_line *find_line(const struct diff *d, const char *runner,
                                         const char *metric)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->line[i].runner, runner) && !strcmp(d->line[i].metric, metric))
			return &d->line[i];
	return NULL;
}

static void test_identical_results_have_no_regression(void **state)
{
	struct pair *p = *state;
	const struct diff_line *l;

	diff_compute(&p->base, &p->now, 10, &p->d);
	assert_int_equal(p->d.regressions, 0);
	l = find_line(&p->d, "container", "startup_ms");
	assert_non_null(l);
	assert_float_equal(l->change_pct, 0, 1e-9);
	/* the unavailable VM has nothing to compare */
	assert_null(find_line(&p->d, "microvm", "startup_ms"));
}

static void test_rise_beyond_threshold_is_regression(void **state)
{
	struct pair *p = *state;
	const struct diff_line *l;

	scale_startup(&p->now, 1, 1.25);
	diff_compute(&p->base, &p->now, 10, &p->d);
	l = find_line(&p->d, "container", "startup_ms");
	assert_non_null(l);
	assert_float_equal(l->change_pct, 25, 1e-6);
	assert_true(l->regression);
	assert_int_equal(p->d.regressions, 1);
}

static void test_rise_within_threshold_is_accepted(void **state)
{
	struct pair *p = *state;

	scale_startup(&p->now, 1, 1.05);
	diff_compute(&p->base, &p->now, 10, &p->d);
	assert_int_equal(p->d.regressions, 0);
	/* the same change fails a stricter gate */
	diff_compute(&p->base, &p->now, 4, &p->d);
	assert_int_equal(p->d.regressions, 1);
}

static void test_improvement_is_not_regression(void **state)
{
	struct pair *p = *state;
	const struct diff_line *l;

	scale_startup(&p->now, 1, 0.5);
	diff_compute(&p->base, &p->now, 0, &p->d);
	l = find_line(&p->d, "container", "startup_ms");
	assert_float_equal(l->change_pct, -50, 1e-6);
	assert_false(l->regression);
	assert_int_equal(p->d.regressions, 0);
}

static void test_bigger_image_is_regression(void **state)
{
	struct pair *p = *state;

	p->now.runner[0].image.bytes *= 2;
	diff_compute(&p->base, &p->now, 10, &p->d);
	assert_int_equal(p->d.regressions, 1);
	assert_true(find_line(&p->d, "process", "image_bytes")->regression);
}

static void test_runner_that_now_fails_is_regression(void **state)
{
	struct pair *p = *state;
	const struct diff_line *l;

	p->now.runner[1].state = RUNNER_FAILED;
	snprintf(p->now.runner[1].reason, sizeof(p->now.runner[1].reason), "exited with 125");
	diff_compute(&p->base, &p->now, 10, &p->d);
	l = find_line(&p->d, "container", "state");
	assert_non_null(l);
	assert_true(l->regression);
	assert_non_null(strstr(l->detail, "ok -> failed: exited with 125"));
	assert_int_equal(p->d.regressions, 1);
}

static void test_runner_unavailable_now_is_reported_not_failed(void **state)
{
	struct pair *p = *state;
	const struct diff_line *l;

	p->now.runner[1].state = RUNNER_UNAVAILABLE;
	diff_compute(&p->base, &p->now, 10, &p->d);
	l = find_line(&p->d, "container", "state");
	assert_non_null(l);
	assert_false(l->regression);
	assert_int_equal(p->d.regressions, 0);
}

static void test_print_marks_regressions(void **state)
{
	struct pair *p = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	scale_startup(&p->now, 1, 2);
	diff_compute(&p->base, &p->now, 10, &p->d);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	diff_print(&p->d, 10, f);
	fclose(f);
	assert_non_null(strstr(buf, "+100.0%  REGRESSION"));
	assert_non_null(strstr(buf, "1 regression(s) beyond +10.0%"));
	free(buf);
}

static void test_context_note_on_other_host(void **state)
{
	struct pair *p = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(diff_context_note(&p->base, &p->now, f), 0);
	p->now.host.cores = 16;
	snprintf(p->now.workload, sizeof(p->now.workload), "sha256=64");
	assert_int_equal(diff_context_note(&p->base, &p->now, f), 1);
	fclose(f);
	assert_non_null(strstr(buf, "note: different hosts"));
	assert_non_null(strstr(buf, "16 cores"));
	assert_non_null(strstr(buf, "new `sha256=64`"));
	free(buf);
}

/* Results of different kinds (accel) are refused, naming the runner;
 * the same kind, or a file without the field, is compared as before. */
static void test_mixed_accel_refused(void **state)
{
	struct pair *p = *state;
	vc_err err = {0};

	assert_int_equal(diff_check_accel(&p->base, &p->now, &err), 0);
	snprintf(p->base.runner[2].accel, sizeof(p->base.runner[2].accel), "kvm");
	assert_int_equal(diff_check_accel(&p->base, &p->now, &err), 0); /* NEW predates it */
	snprintf(p->now.runner[2].accel, sizeof(p->now.runner[2].accel), "kvm");
	assert_int_equal(diff_check_accel(&p->base, &p->now, &err), 0);
	snprintf(p->now.runner[2].accel, sizeof(p->now.runner[2].accel), "kvm-pvm");
	assert_int_equal(diff_check_accel(&p->base, &p->now, &err), -1);
	assert_non_null(strstr(err.msg, "microvm ran on kvm in BASE and on kvm-pvm in NEW"));
	assert_null(strchr(err.msg, '\n'));
	snprintf(p->now.runner[2].accel, sizeof(p->now.runner[2].accel), "nested");
	assert_int_equal(diff_check_accel(&p->base, &p->now, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_identical_results_have_no_regression, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_mixed_accel_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rise_beyond_threshold_is_regression, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_rise_within_threshold_is_accepted, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_improvement_is_not_regression, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bigger_image_is_regression, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_runner_that_now_fails_is_regression, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_runner_unavailable_now_is_reported_not_failed,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_print_marks_regressions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_context_note_on_other_host, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
