/* Unit tests of the bench's writers and reader: the JSON round trip, the
 * reader's errors, the Markdown table and the SVG (well-formed XML). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../bench/report.h"
#include "test_bench_fixture.h"

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_bench_report.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static void tmp_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", tmpdir, name);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_json_round_trip(void **state)
{
	struct bench_result *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char path[128];
	vc_err err = {0};

	(void)state;
	fixture_result(a);
	tmp_path(path, sizeof(path), "rt.json");
	assert_int_equal(report_json_write(a, path, &err), 0);
	assert_int_equal(report_json_read(path, b, &err), 0);

	assert_string_equal(b->host.cpu, a->host.cpu);
	assert_int_equal(b->host.cores, 2);
	assert_string_equal(b->host.kvm_detail, a->host.kvm_detail);
	assert_string_equal(b->host.runc, "runc version 1.1.5");
	assert_string_equal(b->host.git, "abc123");
	assert_int_equal(b->runs, 5);
	assert_int_equal(b->warmup, 1);
	assert_string_equal(b->workload, "sha256=4 touch=4");
	assert_int_equal(b->nscale, 1);
	assert_int_equal(b->scale[0], 10);
	assert_int_equal(b->nrunners, 3);
	for (size_t i = 0; i < 3; i++) {
		struct runner_result *ra = &a->runner[i], *rb = &b->runner[i];

		assert_string_equal(rb->name, ra->name);
		assert_string_equal(rb->kind, ra->kind);
		assert_int_equal(rb->state, ra->state);
		assert_string_equal(rb->reason, ra->reason);
		assert_string_equal(rb->command, ra->command);
		assert_int_equal(rb->image.bytes, ra->image.bytes);
		assert_int_equal(rb->runs_ok, ra->runs_ok);
		for (int m = 0; m < MET_COUNT; m++) {
			assert_int_equal(rb->samples[m].n, ra->samples[m].n);
			for (size_t k = 0; k < ra->samples[m].n; k++)
				assert_float_equal(rb->samples[m].v[k], ra->samples[m].v[k], 1e-9);
			if (ra->stats[m].n)
				assert_float_equal(rb->stats[m].median, ra->stats[m].median, 1e-9);
		}
	}
	assert_float_equal(b->runner[1].startup_ratio, a->runner[1].startup_ratio, 1e-9);
	assert_float_equal(b->runner[1].overhead_peak_kib, 1000, 1e-9);
	assert_int_equal(b->runner[1].nphases, 1);
	assert_string_equal(b->runner[1].phase[0].name, "clone3");
	assert_float_equal(b->runner[1].phase[0].st.median, 0.6, 1e-9);
	assert_int_equal(b->runner[1].nscale, 1);
	assert_float_equal(b->runner[1].scale[0].st_host.median, 700, 1e-9);
	assert_true(isnan(b->runner[2].startup_ratio));
	bench_result_free(a);
	bench_result_free(b);
	free(a), free(b);
}

static void expect_read_error(const char *content, const char *needle)
{
	struct bench_result *r = calloc(1, sizeof(*r));
	char path[128];
	vc_err err = {0};

	tmp_path(path, sizeof(path), "bad.json");
	write_text(path, content);
	assert_int_equal(report_json_read(path, r, &err), -1);
	assert_non_null(strstr(err.msg, needle));
	assert_non_null(strstr(err.msg, path)); /* names the input */
	assert_null(strchr(err.msg, '\n'));     /* one line */
	assert_int_equal(r->nrunners, 0);
	free(r);
}

static void test_json_read_rejects_malformed(void **state)
{
	(void)state;
	expect_read_error("{\"schema\": \"vclab-bench/1\", ", "invalid JSON");
}

static void test_json_read_rejects_other_schema(void **state)
{
	(void)state;
	expect_read_error("{\"schema\": \"something-else\"}", "not a bench result");
	expect_read_error("[1, 2, 3]", "not a bench result");
}

static void test_json_read_rejects_bad_runner(void **state)
{
	(void)state;
	expect_read_error("{\"schema\": \"vclab-bench/1\", \"settings\": {}, \"runners\": "
	                  "[{\"name\": \"x\", \"state\": \"maybe\", \"metrics\": {}}]}",
	                  "runners[0]");
}

static void test_json_read_missing_file(void **state)
{
	struct bench_result *r = calloc(1, sizeof(*r));
	vc_err err = {0};

	(void)state;
	assert_int_equal(report_json_read("/nonexistent/bench.json", r, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/bench.json"));
	assert_int_not_equal(err.errnum, 0);
	free(r);
}

/* Print with fn into a string. */
static char *print_to_string(void (*fn)(const struct bench_result *, FILE *),
                             const struct bench_result *res)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(res, f);
	fclose(f);
	return buf;
}

static void test_markdown_table(void **state)
{
	struct bench_result *res = calloc(1, sizeof(*res));
	char *md;

	(void)state;
	fixture_result(res);
	md = print_to_string(report_md_print, res);
	assert_non_null(strstr(md, "| runner | status | startup median |"));
	assert_non_null(strstr(md, "| process | ok (5 runs) | 1.20 ms |"));
	/* container: median 10.2 ms, 8.5x the process */
	assert_non_null(strstr(md, "| container | ok (5 runs) | 10.2 ms |"));
	assert_non_null(strstr(md, "| 8.5x |"));
	/* overhead at peak: 3002 - 2002 KiB */
	assert_non_null(strstr(md, "+1000 KiB"));
	assert_non_null(strstr(md, "| microvm | unavailable: no /dev/kvm: No such file or "
	                           "directory |"));
	assert_non_null(strstr(md, "| container | clone3 | 0.60 ms |"));
	assert_non_null(strstr(md, "| container | 10 | 20.0 ms | 600 KiB | 700 KiB |"));
	assert_non_null(strstr(md, "workload `sha256=4 touch=4`"));
	free(md);
	bench_result_free(res);
	free(res);
}

/* The bundle every container runner ran: its config.json goes into the
 * JSON whole and comes back, and the table's header names it. */
/* --image: its record, sizes in the JSON and the table's size columns. */
static void test_image_in_json_and_table(void **state)
{
	struct bench_result *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char path[128], *md = NULL;
	size_t len = 0;
	FILE *f;
	vc_err err = {0};

	(void)state;
	fixture_result(a);
	snprintf(a->image_ref, sizeof(a->image_ref), "vclab-examples/python-app");
	snprintf(a->image_id, sizeof(a->image_id), "sha256:abcd");
	snprintf(a->image_cmd, sizeof(a->image_cmd), "python3 app.py");
	snprintf(a->ready_line, sizeof(a->ready_line), "hello from");
	a->runner[1].image.unpacked = 150 << 20;
	a->runner[1].image.shared = 30 << 20;
	tmp_path(path, sizeof(path), "img.json");
	assert_int_equal(report_json_write(a, path, &err), 0);
	assert_int_equal(report_json_read(path, b, &err), 0);
	assert_string_equal(b->image_ref, "vclab-examples/python-app");
	assert_string_equal(b->image_id, "sha256:abcd");
	assert_string_equal(b->image_cmd, "python3 app.py");
	assert_string_equal(b->ready_line, "hello from");
	assert_string_equal(b->done_line, "");
	assert_int_equal(b->runner[1].image.unpacked, 150 << 20);
	assert_int_equal(b->runner[1].image.shared, 30 << 20);
	assert_int_equal(b->runner[0].image.unpacked, 0);
	f = open_memstream(&md, &len);
	report_md_print(a, f);
	fclose(f);
	assert_non_null(strstr(md, "# vclab bench: the image vclab-examples/python-app as"));
	assert_non_null(strstr(md, "| image | unpacked |"));
	assert_non_null(strstr(md, "the first line holding `hello from`"));
	assert_non_null(strstr(md, "; unpacked 150.0 MiB"));
	free(md);
	bench_result_free(a);
	bench_result_free(b);
	free(a), free(b);
}

static void test_containers_config_in_json_and_table(void **state)
{
	struct bench_result *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char path[128], *md;
	vc_err err = {0};

	(void)state;
	fixture_result(a);
	snprintf(a->oci_config, sizeof(a->oci_config), "%s",
	         "{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"args\":[\"/workload\"]}}");
	snprintf(a->oci_summary, sizeof(a->oci_summary), "runc spec style: 7 mounts");
	snprintf(a->oci_cgroups, sizeof(a->oci_cgroups), "the host's (v2)");
	tmp_path(path, sizeof(path), "oci.json");
	assert_int_equal(report_json_write(a, path, &err), 0);
	assert_int_equal(report_json_read(path, b, &err), 0);
	assert_string_equal(b->oci_config, a->oci_config);
	assert_string_equal(b->oci_summary, a->oci_summary);
	assert_string_equal(b->oci_cgroups, a->oci_cgroups);
	md = print_to_string(report_md_print, a);
	assert_non_null(strstr(md, "- Container runners (container, runc, crun): one bundle, one "
	                           "config.json (in the JSON report): runc spec style: 7 mounts; "
	                           "cgroups: the host's (v2)\n"));
	free(md);
	/* without container runners: no such line, no "containers" key */
	a->oci_config[0] = a->oci_summary[0] = '\0';
	md = print_to_string(report_md_print, a);
	assert_null(strstr(md, "Container runners"));
	free(md);
	bench_result_free(a);
	bench_result_free(b);
	free(a);
	free(b);
}

/* A VM row carries how it ran, in the JSON and as a marker in the table;
 * other rows carry nothing. */
static void test_accel_in_json_and_table(void **state)
{
	struct bench_result *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char path[128], *md;
	vc_err err = {0};
	FILE *f;
	char text[8192];
	size_t n;

	(void)state;
	fixture_result(a);
	snprintf(a->runner[2].accel, sizeof(a->runner[2].accel), "kvm-pvm");
	snprintf(a->host.accel, sizeof(a->host.accel), "kvm-pvm");
	tmp_path(path, sizeof(path), "accel.json");
	assert_int_equal(report_json_write(a, path, &err), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_non_null(strstr(text, "\"accel\": \"kvm-pvm\""));
	assert_int_equal(report_json_read(path, b, &err), 0);
	assert_string_equal(b->runner[2].accel, "kvm-pvm");
	assert_string_equal(b->runner[1].accel, "");
	assert_string_equal(b->host.accel, "kvm-pvm");
	md = print_to_string(report_md_print, b);
	assert_non_null(strstr(md, "| microvm [kvm-pvm] | unavailable: "));
	assert_non_null(strstr(md, "| container | ok (5 runs) |"));
	assert_non_null(strstr(md, "[kvm-pvm] software KVM"));
	free(md);
	bench_result_free(a);
	bench_result_free(b);
	free(a);
	free(b);
}

static void test_markdown_escapes_pipes_in_reasons(void **state)
{
	struct bench_result *res = calloc(1, sizeof(*res));
	char *md;

	(void)state;
	fixture_result(res);
	snprintf(res->runner[2].reason, sizeof(res->runner[2].reason), "exited 1: a | b");
	md = print_to_string(report_md_print, res);
	assert_non_null(strstr(md, "| microvm | unavailable: exited 1: a \\| b |"));
	free(md);
	bench_result_free(res);
	free(res);
}

/* A small XML well-formedness check: tags nest and close, attribute
 * values are quoted, text has no raw '<' and every '&' starts an entity. */
static int xml_well_formed(const char *s)
{
	char stack[64][32];
	int depth = 0, roots = 0;

	while (*s) {
		if (*s == '&') {
			if (strncmp(s, "&lt;", 4) && strncmp(s, "&gt;", 4) &&
			    strncmp(s, "&amp;", 5) && strncmp(s, "&quot;", 6))
				return 0;
			s++;
		} else if (*s == '<') {
			const char *end = strchr(s, '>');
			int closing = s[1] == '/', self = end && end[-1] == '/';
			char name[32];
			size_t n;

			if (!end)
				return 0;
			if (s[1] == '?') {
				s = end + 1;
				continue;
			}
			for (const char *q = s + 1; q < end; q++)
				if (*q == '<' || (*q == '=' && q[1] != '"'))
					return 0;
			n = strcspn(s + 1 + closing, " />\n");
			if (n == 0 || n >= sizeof(name))
				return 0;
			memcpy(name, s + 1 + closing, n);
			name[n] = '\0';
			if (closing) {
				if (depth == 0 || strcmp(stack[depth - 1], name))
					return 0;
				depth--;
			} else if (!self) {
				if (depth == 0)
					roots++;
				if (depth == 64)
					return 0;
				snprintf(stack[depth++], sizeof(stack[0]), "%s", name);
			}
			s = end + 1;
		} else {
			if (*s == '>')
				return 0;
			s++;
		}
	}
	return depth == 0 && roots == 1;
}

static void test_xml_checker_can_fail(void **state)
{
	(void)state;
	assert_true(xml_well_formed("<?xml version=\"1.0\"?><a><b x=\"1\"/>t &amp; u</a>"));
	assert_false(xml_well_formed("<a><b></a></b>"));
	assert_false(xml_well_formed("<a>x & y</a>"));
	assert_false(xml_well_formed("<a>"));
	assert_false(xml_well_formed("<a x=1></a>"));
}

static void test_svg_is_well_formed(void **state)
{
	struct bench_result *res = calloc(1, sizeof(*res));
	char *svg;

	(void)state;
	fixture_result(res);
	svg = print_to_string(report_svg_print, res);
	assert_true(xml_well_formed(svg));
	assert_non_null(strstr(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
	/* one panel per metric, one bar per measured runner in each time panel */
	assert_non_null(strstr(svg, "Startup: spawn to ready line"));
	assert_non_null(strstr(svg, "Memory overhead at peak"));
	assert_non_null(strstr(svg, "Image to ship"));
	assert_non_null(strstr(svg, "class=\"err\""));
	assert_non_null(
	    strstr(svg, ">unavailable<title>no /dev/kvm: No such file or directory</title>"));
	free(svg);
	bench_result_free(res);
	free(res);
}

static int count_substr(const char *s, const char *sub)
{
	int n = 0;

	for (s = strstr(s, sub); s; s = strstr(s + 1, sub))
		n++;
	return n;
}

/* The startup bar is split into the launcher's phases from --timings:
 * known phases stacked (cut at the bar's end), the others left out. */
static void test_svg_stacks_startup_phases(void **state)
{
	struct bench_result *res = calloc(1, sizeof(*res));
	struct runner_result *ct;
	char *svg;

	(void)state;
	fixture_result(res);
	ct = &res->runner[1];
	snprintf(ct->phase[1].name, sizeof(ct->phase[1].name), "runtime setup");
	ct->phase[1].st = (struct stats){.n = 5, .median = 2.0};
	snprintf(ct->phase[2].name, sizeof(ct->phase[2].name), "child setup");
	ct->phase[2].st = (struct stats){.n = 5, .median = 30.0}; /* past the bar: cut */
	ct->nphases = 3;
	svg = print_to_string(report_svg_print, res);
	assert_true(xml_well_formed(svg));
	assert_non_null(strstr(svg, "<title>runtime setup: 2.000 ms (median)</title>"));
	assert_non_null(strstr(svg, "<title>child setup: 30.000 ms (median)</title>"));
	assert_null(strstr(svg, "<title>clone3"));
	/* two segments, once (the startup panel only) */
	assert_int_equal(count_substr(svg, "class=\"seg\""), 2);
	free(svg);
	ct->nphases = 1;
	bench_result_free(res);
	free(res);
}

static void test_svg_escapes_text(void **state)
{
	struct bench_result *res = calloc(1, sizeof(*res));
	char *svg;

	(void)state;
	fixture_result(res);
	snprintf(res->workload, sizeof(res->workload), "a<b & \"c\"");
	svg = print_to_string(report_svg_print, res);
	assert_true(xml_well_formed(svg));
	assert_non_null(strstr(svg, "a&lt;b &amp; &quot;c&quot;"));
	free(svg);
	bench_result_free(res);
	free(res);
}

static void test_write_to_missing_dir_fails(void **state)
{
	struct bench_result *res = calloc(1, sizeof(*res));
	vc_err err = {0};

	(void)state;
	fixture_result(res);
	assert_int_equal(report_md_write(res, "/nonexistent/dir/bench.md", &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/dir/bench.md"));
	bench_result_free(res);
	free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_round_trip),
	    cmocka_unit_test(test_containers_config_in_json_and_table),
	    cmocka_unit_test(test_image_in_json_and_table),
	    cmocka_unit_test(test_json_read_rejects_malformed),
	    cmocka_unit_test(test_json_read_rejects_other_schema),
	    cmocka_unit_test(test_json_read_rejects_bad_runner),
	    cmocka_unit_test(test_json_read_missing_file),
	    cmocka_unit_test(test_markdown_table),
	    cmocka_unit_test(test_markdown_escapes_pipes_in_reasons),
	    cmocka_unit_test(test_xml_checker_can_fail),
	    cmocka_unit_test(test_accel_in_json_and_table),
	    cmocka_unit_test(test_svg_is_well_formed),
	    cmocka_unit_test(test_svg_escapes_text),
	    cmocka_unit_test(test_svg_stacks_startup_phases),
	    cmocka_unit_test(test_write_to_missing_dir_fails),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
