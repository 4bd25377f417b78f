/* Unit tests of bench/spawn.c and bench/measure.c with real processes:
 * the stop-watch, the checks of a run, timeouts and memory sampling. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../bench/spawn.h"

static void sh_launch(struct launch *l, const char *script)
{
	memset(l, 0, sizeof(*l));
	assert_int_equal(launch_arg(l, "/bin/sh"), 0);
	assert_int_equal(launch_arg(l, "-c"), 0);
	assert_int_equal(launch_arg(l, "%s", script), 0);
}

static const struct wait_opts opts = {10, 2, CG_MODE_V2, NULL, NULL};

static void test_good_run_is_timed(void **state)
{
	struct instance in;
	struct launch l;
	vc_err err = {0};

	(void)state;
	sh_launch(&l, "echo VCLAB-READY; echo sha256=00; sleep 0.05; echo VCLAB-DONE status=0");
	assert_int_equal(instance_start(&in, &l, &err), 0);
	assert_int_equal(instances_wait(&in, 1, &opts, &err), 0);
	assert_int_equal(instance_check(&in, &err), 0);
	assert_true(in.ready && in.done && in.exited);
	assert_true(instance_startup_ms(&in) > 0);
	/* the script sleeps 50 ms after the ready line */
	assert_true(instance_completion_ms(&in) >= instance_startup_ms(&in) + 45);
	/* sampled while the shell was alive */
	assert_true(in.at_ready.mem_kib > 0);
	assert_true(in.peak.mem_kib >= in.at_ready.mem_kib);
	assert_true(isnan(in.peak.guest_touched_kib));
	instance_kill(&in);
}

static void test_missing_ready_line_names_stderr(void **state)
{
	struct instance in;
	struct launch l;
	vc_err err = {0};

	(void)state;
	sh_launch(&l, "echo 'launcher: no such image' >&2; exit 3");
	assert_int_equal(instance_start(&in, &l, &err), 0);
	assert_int_equal(instances_wait(&in, 1, &opts, &err), 0);
	assert_int_equal(instance_check(&in, &err), -1);
	assert_non_null(strstr(err.msg, "exited with 3 before printing VCLAB-READY"));
	assert_non_null(strstr(err.msg, "launcher: no such image"));
	instance_kill(&in);
}

static void test_wrong_status_fails(void **state)
{
	struct instance in;
	struct launch l;
	vc_err err = {0};

	(void)state;
	sh_launch(&l, "echo VCLAB-READY; echo VCLAB-DONE status=4; exit 4");
	assert_int_equal(instance_start(&in, &l, &err), 0);
	assert_int_equal(instances_wait(&in, 1, &opts, &err), 0);
	assert_int_equal(instance_check(&in, &err), -1);
	assert_non_null(strstr(err.msg, "status 4, expected 0"));
	instance_kill(&in);
}

static void test_exec_failure_is_reported(void **state)
{
	struct instance in;
	struct launch l;
	vc_err err = {0};

	(void)state;
	memset(&l, 0, sizeof(l));
	launch_arg(&l, "/nonexistent/launcher");
	assert_int_equal(instance_start(&in, &l, &err), -1);
	assert_non_null(strstr(err.msg, "cannot execute /nonexistent/launcher"));
	assert_int_equal(err.errnum, ENOENT);
	/* reaped: no child left */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* Does a process of group pgid still run (zombies do not count)? */
static int group_alive(pid_t pgid)
{
	char path[300], state;
	int alive = 0, pg;
	struct dirent *de;
	DIR *d = opendir("/proc");

	assert_non_null(d);
	while ((de = readdir(d))) {
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* pid (comm) state ppid pgrp: comm has no ')' for our processes */
		if (fscanf(f, "%*d (%*[^)]) %c %*d %d", &state, &pg) == 2 && pg == pgid &&
		    state != 'Z')
			alive = 1;
		fclose(f);
	}
	closedir(d);
	return alive;
}

static void test_timeout_kills_the_group(void **state)
{
	struct wait_opts o = {0.3, 0, CG_MODE_V2, NULL, NULL};
	struct instance in;
	struct launch l;
	vc_err err = {0};
	pid_t pid;

	(void)state;
	sh_launch(&l, "echo VCLAB-READY; sleep 30 & sleep 30");
	assert_int_equal(instance_start(&in, &l, &err), 0);
	pid = in.pid;
	assert_int_equal(instances_wait(&in, 1, &o, &err), -1);
	assert_non_null(strstr(err.msg, "timed out after 0.3 s"));
	/* the launcher is reaped; its process group (the background sleep) is
	 * killed too, and gone once its new parent has reaped it */
	assert_int_equal(kill(pid, 0), -1);
	for (int i = 0; i < 100 && group_alive(pid); i++)
		usleep(10000);
	assert_false(group_alive(pid));
	instance_kill(&in);
}

static void test_several_at_once(void **state)
{
	struct instance in[4];
	struct launch l;
	vc_err err = {0};

	(void)state;
	sh_launch(&l, "echo VCLAB-READY; echo VCLAB-DONE status=0");
	for (int i = 0; i < 4; i++)
		assert_int_equal(instance_start(&in[i], &l, &err), 0);
	assert_int_equal(instances_wait(in, 4, &opts, &err), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(instance_check(&in[i], &err), 0);
		instance_kill(&in[i]);
	}
}

static void test_process_tree_finds_children(void **state)
{
	pid_t pids[16], child = fork();
	size_t n;
	int found = 0;

	(void)state;
	if (child == 0) {
		pause();
		_exit(0);
	}
	n = process_tree(getpid(), pids, 16);
	assert_true(n >= 2);
	assert_int_equal(pids[0], getpid());
	for (size_t i = 1; i < n; i++)
		found |= pids[i] == child;
	assert_true(found);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_int_equal(process_tree(child, pids, 16), 0);
	assert_true(pss_kib(getpid()) > 0);
	assert_true(pss_kib(child) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_run_is_timed),
	    cmocka_unit_test(test_missing_ready_line_names_stderr),
	    cmocka_unit_test(test_wrong_status_fails),
	    cmocka_unit_test(test_exec_failure_is_reported),
	    cmocka_unit_test(test_timeout_kills_the_group),
	    cmocka_unit_test(test_several_at_once),
	    cmocka_unit_test(test_process_tree_finds_children),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
