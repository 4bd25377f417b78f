/* Unit tests of runc's command line around the runtime (container/runtime-log.c):
 * the global options, the log lines engines read, the systemd cgroup path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "../../container/runtime.h"

static int parse(int argc, char **argv, struct rt_globals *g, vc_err *err)
{
	memset(g, 0, sizeof(*g));
	memset(err, 0, sizeof(*err));
	return rt_parse_globals(argc, argv, g, err);
}

static void test_globals(void **state)
{
	/* what containerd's shim passes */
	char *shim[] = {"container",   "--root",       "/run/x/moby", "--log",
	                "/b/log.json", "--log-format", "json",        "create",
	                "--bundle",    "/b",           "ID"};
	char *eq[] = {"container",         "--root=/r", "--debug", "--systemd-cgroup",
	              "--log-format=text", "state",     "ID"};
	char *none[] = {"container", "run", "--root", "x"};
	char *help[] = {"container", "--debug", "--help"};
	struct rt_globals g;
	vc_err err;

	(void)state;
	assert_int_equal(parse(11, shim, &g, &err), 7);
	assert_string_equal(g.root, "/run/x/moby");
	assert_string_equal(g.log, "/b/log.json");
	assert_true(g.log_json);
	assert_false(g.debug);
	assert_int_equal(parse(7, eq, &g, &err), 5);
	assert_string_equal(g.root, "/r");
	assert_true(g.debug);
	assert_true(g.systemd_cgroup);
	assert_false(g.log_json);
	/* a command's own options are not global ones */
	assert_int_equal(parse(4, none, &g, &err), 1);
	assert_null(g.root);
	/* --help is the caller's to handle */
	assert_int_equal(parse(3, help, &g, &err), 2);
}

static void test_globals_errors(void **state)
{
	char *fmt[] = {"container", "--log-format", "xml", "state", "x"};
	char *missing[] = {"container", "--root"};
	char *empty[] = {"container", "--root=", "state", "x"};
	char *emptylog[] = {"container", "--log", "", "state", "x"};
	struct rt_globals g;
	vc_err err;

	(void)state;
	assert_int_equal(parse(5, fmt, &g, &err), -1);
	assert_string_equal(err.msg, "--log-format 'xml': expected text or json");
	assert_int_equal(parse(2, missing, &g, &err), -1);
	assert_string_equal(err.msg, "--root: expected a value (see container --help)");
	assert_int_equal(parse(4, empty, &g, &err), -1);
	assert_string_equal(err.msg, "--root '': expected a directory of 1 to 200 characters");
	assert_int_equal(parse(5, emptylog, &g, &err), -1);
	assert_string_equal(err.msg, "--log: empty file name");
}

static void test_log_line(void **state)
{
	char buf[512];
	json_t *o;
	int n;

	(void)state;
	/* 2026-11-30T13:59:01Z */
	n = rt_format_log_line(buf, sizeof(buf), true, "error", "a \"quoted\"\nmsg", 1796047141);
	assert_true(n > 0);
	assert_int_equal((size_t)n, strlen(buf));
	assert_string_equal(buf, "{\"level\":\"error\",\"msg\":\"a \\\"quoted\\\"\\nmsg\","
	                         "\"time\":\"2026-11-30T13:59:01Z\"}\n");
	/* what containerd does with it: parse, take msg */
	o = json_loads(buf, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "msg")), "a \"quoted\"\nmsg");
	json_decref(o);
	n = rt_format_log_line(buf, sizeof(buf), false, "warning", "x \"y\"\nz", 1796047141);
	assert_true(n > 0);
	assert_string_equal(buf,
	                    "time=\"2026-11-30T13:59:01Z\" level=warning msg=\"x \\\"y\\\" z\"\n");
	/* too small: -1, never a cut line */
	assert_int_equal(rt_format_log_line(buf, 20, true, "error", "hello", 0), -1);
	assert_int_equal(rt_format_log_line(buf, 40, false, "error", "hello hello hello", 0), -1);
}

static void expect_path(const char *in, const char *want)
{
	char out[256];
	vc_err err = {0};

	assert_int_equal(rt_systemd_cgroup_path(in, out, sizeof(out), &err), 0);
	assert_string_equal(out, want);
}

static void expect_path_error(const char *in, const char *msg)
{
	char out[256];
	vc_err err = {0};

	assert_int_equal(rt_systemd_cgroup_path(in, out, sizeof(out), &err), -1);
	assert_string_equal(err.msg, msg);
}

static void test_systemd_path(void **state)
{
	(void)state;
	expect_path("machine.slice:libpod:abc", "machine.slice/libpod-abc.scope");
	expect_path("system.slice:docker:abc", "system.slice/docker-abc.scope");
	expect_path("a-b-c.slice:p:n", "a.slice/a-b.slice/a-b-c.slice/p-n.scope");
	expect_path(":p:n", "system.slice/p-n.scope");
	expect_path("-.slice:p:n", "p-n.scope");
	expect_path("user.slice::n", "user.slice/n.scope");
	expect_path("machine.slice:x:sub.slice", "machine.slice/sub.slice");
	expect_path_error(
	    "/vclab/abc",
	    "cgroupsPath '/vclab/abc': with --systemd-cgroup expected slice:prefix:name");
	expect_path_error(
	    "a:b:c:d", "cgroupsPath 'a:b:c:d': with --systemd-cgroup expected slice:prefix:name");
	expect_path_error(
	    "machine:p:n",
	    "cgroupsPath 'machine:p:n': slice 'machine': expected NAME.slice without '/'");
	expect_path_error("a--b.slice:p:n",
	                  "cgroupsPath 'a--b.slice:p:n': slice 'a--b.slice': empty component");
	expect_path_error(
	    "machine.slice:p:",
	    "cgroupsPath 'machine.slice:p:': the name must be non-empty, without '/'");
	expect_path_error(
	    "machine.slice:p:a/b",
	    "cgroupsPath 'machine.slice:p:a/b': the name must be non-empty, without '/'");
}

static void test_cgroups_path(void **state)
{
	char out[256];
	vc_err err = {0};

	(void)state;
	rt_globals.systemd_cgroup = false;
	assert_int_equal(rt_cgroups_path("machine.slice:libpod:a", out, sizeof(out), &err), 0);
	assert_string_equal(out, "machine.slice:libpod:a");
	rt_globals.systemd_cgroup = true;
	assert_int_equal(rt_cgroups_path("machine.slice:libpod:a", out, sizeof(out), &err), 0);
	assert_string_equal(out, "machine.slice/libpod-a.scope");
	assert_int_equal(rt_cgroups_path("/plain/path", out, sizeof(out), &err), 0);
	assert_string_equal(out, "/plain/path");
	assert_int_equal(rt_cgroups_path("/plain/path", out, 4, &err), -1);
	rt_globals.systemd_cgroup = false;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_globals),      cmocka_unit_test(test_globals_errors),
	    cmocka_unit_test(test_log_line),     cmocka_unit_test(test_systemd_path),
	    cmocka_unit_test(test_cgroups_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
