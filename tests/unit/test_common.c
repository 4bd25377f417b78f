/* Unit tests of common/: size and number parsing, error objects, the
 * timeline's JSON, the procfs/cgroupfs reader. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "guestram.h"
#include "kvmhost.h"
#include "parse.h"
#include "procfs.h"
#include "timeline.h"

static void test_size_units(void **state)
{
	uint64_t v;
	vc_err err;

	(void)state;
	assert_int_equal(vc_parse_size("4096", UINT64_MAX, &v, "--mem", &err), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(vc_parse_size("64K", UINT64_MAX, &v, "--mem", &err), 0);
	assert_int_equal(v, 64 << 10);
	assert_int_equal(vc_parse_size("512M", UINT64_MAX, &v, "--mem", &err), 0);
	assert_int_equal(v, 512ull << 20);
	assert_int_equal(vc_parse_size("2GiB", UINT64_MAX, &v, "--mem", &err), 0);
	assert_int_equal(v, 2ull << 30);
	assert_int_equal(vc_parse_size("1t", UINT64_MAX, &v, "--mem", &err), 0);
	assert_int_equal(v, 1ull << 40);
}

static void test_size_bad(void **state)
{
	const char *bad[] = {
	    "", "abc", "-1", "12Q", "1KBB", "M", " 1", "1 M", "99999999999999999999"};
	uint64_t v = 7;
	vc_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vc_parse_size(bad[i], UINT64_MAX, &v, "--memory", &err), -1);
		assert_non_null(strstr(err.msg, "--memory"));
		assert_int_equal(v, 7);
	}
	assert_int_equal(vc_parse_size("10T", 1ull << 40, &v, "--mem", &err), -1);
	assert_non_null(strstr(err.msg, "too large"));
	assert_int_equal(vc_parse_size("17179869184P", UINT64_MAX, &v, "--mem", &err), -1);
}

static void test_uint_and_double(void **state)
{
	uint64_t u;
	double d;
	vc_err err;

	(void)state;
	assert_int_equal(vc_parse_uint("42", 1, 100, &u, "--pids", &err), 0);
	assert_int_equal(u, 42);
	assert_int_equal(vc_parse_uint("0", 1, 100, &u, "--pids", &err), -1);
	assert_non_null(strstr(err.msg, "out of range"));
	assert_int_equal(vc_parse_uint("4x", 0, 100, &u, "--pids", &err), -1);
	assert_int_equal(vc_parse_double("1.5", 0.01, 64, &d, "--cpus", &err), 0);
	assert_true(d > 1.49 && d < 1.51);
	assert_int_equal(vc_parse_double("-1", 0.01, 64, &d, "--cpus", &err), -1);
	assert_non_null(strstr(err.msg, "'-1'"));
	assert_int_equal(vc_parse_double("nan", 0.01, 64, &d, "--cpus", &err), -1);
	assert_int_equal(vc_parse_double("inf", 0.01, 64, &d, "--cpus", &err), -1);
	assert_int_equal(vc_parse_double("1e999", 0.01, 64, &d, "--cpus", &err), -1);
}

static void test_error_wrap_and_str(void **state)
{
	vc_err err;
	char buf[600];

	(void)state;
	assert_int_equal(vc_error(&err, 2, "open '%s'", "x.json"), -1);
	assert_int_equal(vc_error_wrap(&err, "config"), -1);
	assert_string_equal(err.msg, "config: open 'x.json'");
	assert_string_equal(vc_error_str(&err, buf, sizeof(buf)),
	                    "config: open 'x.json': No such file or directory");
	vc_error(&err, 0, "plain");
	assert_string_equal(vc_error_str(&err, buf, sizeof(buf)), "plain");
}

/* Issue 14: a path longer than the message lost the reason after it. */
static void test_error_long_path_keeps_reason(void **state)
{
	static char path[6000];
	vc_err err = {0};
	size_t n;

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	assert_int_equal(vc_error(&err, 0, "root.path %s: not a directory", path), -1);
	n = strlen(err.msg);
	assert_true(n < sizeof(err.msg));
	assert_true(n > sizeof(err.msg) - 8);
	assert_string_equal(err.msg + n - strlen(": not a directory"), ": not a directory");
	assert_memory_equal(err.msg, "root.path /aaa", 14);
	assert_non_null(strstr(err.msg, "[...]"));
	/* control characters are escaped: an error is one line (fuzz_oci_config) */
	assert_int_equal(vc_error(&err, 0, "near '%s'", "a\nb\tc\x01"), -1);
	assert_string_equal(err.msg, "near 'a\\nb\\tc\\x01'");
	/* a short message is untouched */
	assert_int_equal(vc_error(&err, 0, "rootfs %s: gone", "/x"), -1);
	assert_string_equal(err.msg, "rootfs /x: gone");
	/* wrapping a long message keeps the context and the reason */
	assert_int_equal(vc_error(&err, 0, "mount %s: busy", path), -1);
	assert_int_equal(vc_error_wrap(&err, "mounts[3]"), -1);
	n = strlen(err.msg);
	assert_memory_equal(err.msg, "mounts[3]: mount /aa", 20);
	assert_string_equal(err.msg + n - strlen(": busy"), ": busy");
}

static void test_timeline_json(void **state)
{
	char path[] = "/tmp/vclab-test-timeline-XXXXXX";
	struct vc_timeline *tl = malloc(sizeof(*tl));
	char buf[4096];
	size_t n;
	FILE *f;
	int fd;

	(void)state;
	assert_non_null(tl);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	vc_timeline_init(tl, "test", NULL);
	vc_step(tl, "first", "quote \" and backslash \\ and\nnewline");
	vc_step(tl, "second", "%d", 2);
	assert_int_equal(tl->n, 2);
	assert_true(tl->ev[1].at_ns >= tl->ev[0].at_ns);
	assert_int_equal(vc_timeline_write_json(tl, path, NULL), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	free(tl);
	assert_non_null(strstr(buf, "\"tool\": \"test\""));
	assert_non_null(strstr(buf, "quote \\\" and backslash \\\\ and\\nnewline"));
	assert_non_null(strstr(buf, "\"name\": \"second\""));
}

/* --timings-format chrome: complete events in microseconds, a phase listed
 * before the steps it holds (Chrome nests them by interval), one thread
 * per track; an unknown format is refused with its name. */
static void test_timeline_chrome(void **state)
{
	char path[] = "/tmp/vclab-test-chrome-XXXXXX";
	struct vc_timeline *tl = malloc(sizeof(*tl));
	enum vc_timings_format fmt;
	uint64_t b, e;
	char buf[8192];
	const char *ph, *st;
	vc_err err;
	size_t n;
	FILE *f;
	int fd;

	(void)state;
	assert_non_null(tl);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	vc_timeline_init(tl, "test", NULL);
	tl->ev[0] = (struct vc_event){
	    .name = "mount", .at_ns = tl->start_ns + 3000, .took_ns = 1000, .track = 1};
	tl->ev[1] = (struct vc_event){
	    .name = "mount", .at_ns = tl->start_ns + 5000, .took_ns = 2000, .track = 1};
	tl->ev[2] = (struct vc_event){.name = "spec", .at_ns = tl->start_ns + 500, .took_ns = 500};
	tl->n = 3;
	static const char *const mounts[] = {"mount", NULL};
	assert_true(vc_timeline_span(tl, 1, mounts, tl->start_ns, UINT64_MAX, &b, &e));
	assert_int_equal(b - tl->start_ns, 2000);
	assert_int_equal(e - tl->start_ns, 5000);
	assert_false(vc_timeline_span(tl, 0, mounts, tl->start_ns, UINT64_MAX, &b, &e));
	vc_timeline_phase(tl, 1, "mounts", b, e, "%d mounts", 2);
	assert_int_equal(vc_timings_format_parse("chrome", &fmt, &err), 0);
	assert_int_equal(fmt, VC_TIMINGS_CHROME);
	assert_int_equal(vc_timeline_write(tl, path, fmt, &err), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	free(tl);
	assert_non_null(strstr(buf, "\"traceEvents\": ["));
	assert_non_null(strstr(buf, "\"name\": \"thread_name\", \"ph\": \"M\""));
	ph = strstr(buf, "{\"name\": \"mounts\", \"cat\": \"phase\", \"ph\": \"X\", \"ts\": 2.000, "
	                 "\"dur\": 3.000");
	st = strstr(buf, "{\"name\": \"mount\", \"cat\": \"step\", \"ph\": \"X\", \"ts\": 2.000, "
	                 "\"dur\": 1.000");
	assert_non_null(ph);
	assert_non_null(st);
	assert_true(ph < st); /* the phase first */
	assert_non_null(strstr(buf, "\"ts\": 0.000, \"dur\": 0.500"));
	assert_int_equal(vc_timings_format_parse("svg", &fmt, &err), -1);
	assert_string_equal(err.msg, "--timings-format 'svg': expected json or chrome");
}

static void test_timeline_bad_path(void **state)
{
	struct vc_timeline *tl = malloc(sizeof(*tl));
	vc_err err;

	(void)state;
	assert_non_null(tl);
	vc_timeline_init(tl, "test", NULL);
	assert_int_equal(vc_timeline_write_json(tl, "/nonexistent-dir/t.json", &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent-dir/t.json"));
	free(tl);
}

/* How VMs run here, from what the host shows, and the names results use. */
static void test_accel_classify(void **state)
{
	enum vc_accel a;

	(void)state;
	assert_int_equal(vc_accel_classify(false, true, false), VC_ACCEL_KVM);
	assert_int_equal(vc_accel_classify(false, true, true), VC_ACCEL_NESTED);
	assert_int_equal(vc_accel_classify(true, false, true), VC_ACCEL_PVM);
	assert_int_equal(vc_accel_classify(true, true, false), VC_ACCEL_KVM);
	assert_int_equal(vc_accel_classify(false, false, true), VC_ACCEL_NONE);
	assert_string_equal(vc_accel_name(VC_ACCEL_PVM), "kvm-pvm");
	assert_string_equal(vc_accel_name(VC_ACCEL_NESTED), "nested");
	assert_int_equal(vc_accel_parse("kvm", &a), 0);
	assert_int_equal(a, VC_ACCEL_KVM);
	assert_int_equal(vc_accel_parse("kvm-pvm", &a), 0);
	assert_int_equal(a, VC_ACCEL_PVM);
	assert_int_equal(vc_accel_parse("pvm", &a), -1);
}

/* A temporary file holding text, for the procfs/cgroupfs reader. */
static void write_tmp(char *path, size_t len, const char *text)
{
	FILE *f;

	snprintf(path, len, "/tmp/vclab-test-procfs-%d", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_procfs_numbers(void **state)
{
	char path[64], buf[8];
	uint64_t v = 0;

	(void)state;
	write_tmp(path, sizeof(path), "123456789012\n");
	assert_int_equal(vc_read_u64(path, &v), 0);
	assert_int_equal(v, 123456789012ull);
	write_tmp(path, sizeof(path), "max\n");
	assert_int_equal(vc_read_u64(path, &v), -1);
	assert_int_equal(errno, EINVAL);
	write_tmp(path, sizeof(path), "12 34\n");
	assert_int_equal(vc_read_u64(path, &v), -1);
	/* a file larger than the buffer is an error, not a cut number */
	write_tmp(path, sizeof(path), "123456789\n");
	assert_int_equal(vc_read_file(path, buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENOSPC);
	write_tmp(path, sizeof(path), "1234\n\n");
	assert_int_equal(vc_read_file(path, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "1234");
	unlink(path);
	assert_int_equal(vc_read_u64(path, &v), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_procfs_fields(void **state)
{
	char path[64];
	uint64_t v = 0;

	(void)state;
	/* smaps_rollup / meminfo style, and memory.stat style */
	write_tmp(path, sizeof(path),
	          "55d0-7ffc ---p 00000000 00:00 0 [rollup]\nRss:     1200 kB\nPss:      "
	          "800 kB\nPss_Anon:  300 kB\nkernel_stack 16384\nkernel 90112\n");
	assert_int_equal(vc_read_field(path, "Pss", &v), 0);
	assert_int_equal(v, 800);
	assert_int_equal(vc_read_field(path, "Pss_Anon", &v), 0);
	assert_int_equal(v, 300);
	assert_int_equal(vc_read_field(path, "kernel", &v), 0);
	assert_int_equal(v, 90112);
	assert_int_equal(vc_read_field(path, "Swap", &v), -1);
	assert_int_equal(errno, ENOENT);
	unlink(path);
}

/* An image VM gets the default plus both copies of its initramfs (the gzip
 * cpio and the unpacked files), in 64 MiB steps, never less than the default. */
static void test_guest_ram_for_image(void **state)
{
	const uint64_t M = 1ull << 20;

	(void)state;
	assert_int_equal(vc_guest_ram_for_image(0, 0), VC_GUEST_RAM_DEFAULT);
	assert_int_equal(vc_guest_ram_for_image(1, 0), 192 * M);
	assert_int_equal(vc_guest_ram_for_image(30 * M, 34 * M), 192 * M);
	assert_int_equal(vc_guest_ram_for_image(30 * M, 34 * M + 1), 256 * M);
	assert_int_equal(vc_guest_ram_for_image(38 * M, 106 * M), 320 * M);
}

static void test_procfs_self(void **state)
{
	unsigned long long start = 0;
	char st = 0, path[4096];

	(void)state;
	assert_int_equal(vc_proc_stat(getpid(), &st, &start), 0);
	assert_true(st == 'R' || st == 'S');
	assert_true(start > 0);
	/* every process has a cgroup line: a v2 "0::" line or a v1 hierarchy */
	assert_true(vc_proc_cgroup_path(getpid(), "", path, sizeof(path)) == 0 ||
	            vc_proc_cgroup_path(getpid(), "memory", path, sizeof(path)) == 0);
	assert_int_equal(path[0], '/');
	assert_int_equal(vc_proc_cgroup_path(getpid(), "no-such-controller", path, sizeof(path)),
	                 -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(vc_proc_stat(-5, &st, &start), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_size_units),
	    cmocka_unit_test(test_size_bad),
	    cmocka_unit_test(test_uint_and_double),
	    cmocka_unit_test(test_error_wrap_and_str),
	    cmocka_unit_test(test_error_long_path_keeps_reason),
	    cmocka_unit_test(test_timeline_json),
	    cmocka_unit_test(test_timeline_bad_path),
	    cmocka_unit_test(test_timeline_chrome),
	    cmocka_unit_test(test_accel_classify),
	    cmocka_unit_test(test_procfs_numbers),
	    cmocka_unit_test(test_procfs_fields),
	    cmocka_unit_test(test_procfs_self),
	    cmocka_unit_test(test_guest_ram_for_image),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
