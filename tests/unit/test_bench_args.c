/* Unit tests of the bench's input checks: runner lists and workload words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../bench/run.h"

static void test_all_runners_start_with_the_baseline(void **state)
{
	const struct runner_def *defs[BENCH_MAX_RUNNERS];
	size_t n;
	vc_err err = {0};

	(void)state;
	assert_int_equal(runner_list_parse("all", defs, &n, &err), 0);
	assert_int_equal(n, runner_ndefs);
	assert_string_equal(defs[0]->name, "process");
	assert_string_equal(defs[n - 1]->name, "qemu-microvm");
}

static void test_list_adds_baseline_once(void **state)
{
	const struct runner_def *defs[BENCH_MAX_RUNNERS];
	size_t n;
	vc_err err = {0};

	(void)state;
	assert_int_equal(runner_list_parse("crun,process,crun,microvm", defs, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(defs[0]->name, "process");
	assert_string_equal(defs[1]->name, "crun");
	assert_string_equal(defs[2]->name, "microvm");
}

static void test_unknown_runner_is_named(void **state)
{
	const struct runner_def *defs[BENCH_MAX_RUNNERS];
	size_t n;
	vc_err err = {0};

	(void)state;
	assert_int_equal(runner_list_parse("container,docker", defs, &n, &err), -1);
	assert_non_null(strstr(err.msg, "unknown runner 'docker'"));
}

static void test_image_runners(void **state)
{
	const struct runner_def *defs[BENCH_MAX_RUNNERS];
	size_t n;
	vc_err err = {0};

	(void)state;
	assert_int_equal(image_runner_list_parse("all", defs, &n, &err), 0);
	assert_int_equal(n, image_runner_ndefs);
	assert_true(n <= BENCH_MAX_RUNNERS);
	assert_string_equal(defs[0]->name, "process");
	assert_int_equal(image_runner_list_parse("docker,container-image", defs, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(defs[1]->name, "docker");
	/* the static workload's guest is no image runner */
	assert_int_equal(image_runner_list_parse("unikernel", defs, &n, &err), -1);
	assert_non_null(strstr(err.msg, "unknown runner 'unikernel' (known: with --image"));
}

static void test_workload_words(void **state)
{
	vc_err err = {0};
	int code = -1;

	(void)state;
	assert_int_equal(workload_words_check("sha256=4 touch=8 exit=3", &code, &err), 0);
	assert_int_equal(code, 3);
	assert_int_equal(workload_words_check("", &code, &err), 0);
	assert_int_equal(code, 0);
	assert_int_equal(workload_words_check("sha256=x", &code, &err), -1);
	assert_non_null(strstr(err.msg, "sha256"));
	assert_int_equal(workload_words_check("sleep=1", &code, &err), -1);
	assert_non_null(strstr(err.msg, "unknown key 'sleep'"));
	assert_int_equal(workload_words_check("sha256", &code, &err), -1);
	assert_non_null(strstr(err.msg, "key=value"));
	/* 120 and up are the vmm's own exit codes */
	assert_int_equal(workload_words_check("exit=120", &code, &err), -1);
}

static void test_launch_args_fill_up_cleanly(void **state)
{
	struct launch l;
	int rc = 0;

	(void)state;
	memset(&l, 0, sizeof(l));
	for (int i = 0; i < LAUNCH_MAX_ARGS + 5 && rc == 0; i++)
		rc = launch_arg(&l, "arg%d", i);
	assert_int_equal(rc, -1);
	assert_int_equal(l.argc, LAUNCH_MAX_ARGS);
	assert_null(l.argv[LAUNCH_MAX_ARGS]);
	assert_string_equal(l.argv[7], "arg7");
}

static void test_launch_describe_quotes_spaces(void **state)
{
	struct launch l;
	char out[128];

	(void)state;
	memset(&l, 0, sizeof(l));
	launch_arg(&l, "vmm");
	launch_arg(&l, "--cmdline");
	launch_arg(&l, "console=ttyS0 quiet");
	launch_describe(&l, out, sizeof(out));
	assert_string_equal(out, "vmm --cmdline 'console=ttyS0 quiet'");
}

/* Every runner can describe its command even when its tool is missing
 * (the table shows the command of unavailable runners too). */
static void test_launch_without_tools_in_path(void **state)
{
	struct bench_env env;
	struct launch l;
	vc_err err = {0};

	(void)state;
	memset(&env, 0, sizeof(env));
	snprintf(env.build, sizeof(env.build), "/nonexistent/build");
	snprintf(env.workdir, sizeof(env.workdir), "/nonexistent/build/bench");
	env.guest_mem = 128ull << 20;
	setenv("PATH", "/nonexistent", 1);
	for (size_t i = 0; i < runner_ndefs; i++) {
		memset(&l, 0, sizeof(l));
		assert_int_equal(runner_defs[i].launch(&env, 1, &l, &err), 0);
		assert_true(l.argc > 0);
	}
	memset(&l, 0, sizeof(l));
	assert_int_equal(runner_def_find("runc")->launch(&env, 1, &l, &err), 0);
	assert_string_equal(l.argv[0], "runc");
	assert_string_equal(l.argv[1], "run");
}

static void test_probe_names_what_is_missing(void **state)
{
	struct runner_result r;
	struct bench_env env;
	vc_err err = {0};

	(void)state;
	memset(&env, 0, sizeof(env));
	snprintf(env.build, sizeof(env.build), "/nonexistent/build");
	snprintf(env.kvm_detail, sizeof(env.kvm_detail), "no /dev/kvm: test");
	memset(&r, 0, sizeof(r));
	assert_int_equal(runner_def_find("microvm")->probe(&r, &env, &err), 0);
	assert_int_equal(r.state, RUNNER_UNAVAILABLE);
	assert_non_null(strstr(r.reason, "not built: build/bin/vmm missing"));
	assert_non_null(strstr(r.reason, "build/guest/bzImage missing"));
	assert_non_null(strstr(r.reason, "no /dev/kvm: test"));
	memset(&r, 0, sizeof(r));
	setenv("PATH", "/nonexistent", 1);
	assert_int_equal(runner_def_find("crun")->probe(&r, &env, &err), 0);
	assert_int_equal(r.state, RUNNER_UNAVAILABLE);
	assert_non_null(strstr(r.reason, "not installed: crun not in PATH"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_runners_start_with_the_baseline),
	    cmocka_unit_test(test_list_adds_baseline_once),
	    cmocka_unit_test(test_unknown_runner_is_named),
	    cmocka_unit_test(test_image_runners),
	    cmocka_unit_test(test_workload_words),
	    cmocka_unit_test(test_launch_args_fill_up_cleanly),
	    cmocka_unit_test(test_launch_describe_quotes_spaces),
	    cmocka_unit_test(test_launch_without_tools_in_path),
	    cmocka_unit_test(test_probe_names_what_is_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
