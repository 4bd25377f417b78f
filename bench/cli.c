#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diff.h"
#include "parse.h"
#include "report.h"
#include "run.h"

static const char usage_text[] =
    "usage: bench run [--compare | --runner LIST] [options]\n"
    "       bench diff BASE.json NEW.json [--threshold PCT]\n"
    "\n"
    "Runs one workload (build/bin/workload) under each runner, interleaved round by\n"
    "round after warm-up rounds, and reports what the isolation costs compared with\n"
    "the bare process. Prints a table and writes JSON, Markdown and SVG.\n"
    "\n"
    "Runners (the process baseline is always measured):\n"
    "  process       the bare static workload\n"
    "  container     vclab: container run --bundle build/bench/bundle ID\n"
    "  runc, crun    runc/crun run --bundle with the same bundle: one config.json\n"
    "                (runc spec's, /workload as the process) for all three, shown\n"
    "                in the report; with crun on a hybrid cgroup host the bench runs\n"
    "                in a private mount namespace without /sys/fs/cgroup/unified\n"
    "  microvm       vclab vmm + build/guest/bzImage + initramfs.cpio.gz\n"
    "  unikernel     vclab vmm + build/guest/baremetal.elf\n"
    "  qemu-microvm  qemu-system-x86_64 -M microvm -accel kvm, same kernel+initramfs\n"
    "A runner that cannot run here stays in the table with the reason.\n"
    "\n"
    "bench run --image REF: an OCI image instead of the static workload (a local\n"
    "image, or a registry reference pulled first with `container pull`). Its\n"
    "program (Entrypoint + Cmd, or --cmd) runs under:\n"
    "  process          chroot into the image's rootfs (the baseline)\n"
    "  container        vclab container run --bundle: the image's rootfs (its layers\n"
    "                   as one read-only overlay) and one config.json (runc spec's,\n"
    "                   with the image's Env, WorkingDir and User)\n"
    "  container-image  vclab container run IMAGE (what a user types)\n"
    "  runc, crun       the same bundle\n"
    "  podman, docker   with --engines: their own run of the image loaded into them\n"
    "                   (a dockerd of the bench's own), their default runtime\n"
    "  microvm          vclab vmm run --image (the image as an initramfs)\n"
    "  qemu-microvm     qemu -M microvm, the same kernel and initramfs\n"
    "Ready: the first line the program prints (or --ready-line); a run succeeds when\n"
    "the program exits with 0. Image size: the registry's view (manifest + config +\n"
    "gzip layers; layers shared with other stored images shown apart) and unpacked\n"
    "(the layers' tars); for VMs the kernel + gzip initramfs, unpacked in guest RAM.\n"
    "\n"
    "bench run options:\n"
    "  --compare          every runner (the default)\n"
    "  --runner LIST      comma-separated runners, e.g. container,runc\n"
    "  --runs N           measured runs per runner (default 10)\n"
    "  --warmup N         warm-up rounds, not recorded (default 2)\n"
    "  --workload ARGS    workload words (default \"" RUN_DEFAULT_WORKLOAD "\"):\n"
    "                     sha256=MIB touch=MIB exit=CODE\n"
    "  --scale LIST       also launch N instances at once for each N, e.g. 1,10,50\n"
    "  --mem SIZE         guest RAM of the VMs (default 128M; with --image,\n"
    "                     128M + the initramfs + its unpacked size, in 64M steps)\n"
    "  --timeout SEC      kill a run after SEC seconds (default 30)\n"
    "  --json FILE        default results/bench.json\n"
    "  --markdown FILE    default results/bench.md\n"
    "  --svg FILE         default results/bench.svg\n"
    "  --build DIR        vclab build folder (default: the one holding this binary)\n"
    "  --image REF        run this OCI image (VCLAB_STORE, default /var/lib/vclab)\n"
    "  --cmd \"CMD ARGS\"   with --image: instead of the image's Cmd (split at spaces)\n"
    "  --ready-line TEXT  with --image: ready when a line holding TEXT is printed\n"
    "                     (default: the first line printed)\n"
    "  --done-line TEXT   with --image: a run must also print a line holding TEXT\n"
    "  --engines          with --image: also podman and docker (loads the image into\n"
    "                     them first; slow)\n"
    "  --quiet            no table and no progress line, only the files\n"
    "\n"
    "bench diff: prints each median's change from BASE to NEW; exits 1 when one\n"
    "rose by more than PCT percent (default 10) or a runner that ran now fails.\n"
    "It refuses (status 2) files whose VM rows ran on different kinds of KVM\n"
    "(\"accel\": kvm, nested, kvm-pvm): their figures measure different machines.\n"
    "\n"
    "What is measured (docs/measurement.md has the details):\n"
    "  startup     CLOCK_MONOTONIC from just before fork() of the launcher to the\n"
    "              moment bench reads the line VCLAB-READY from the launcher's stdout\n"
    "              (a pipe; for VMs the guest's serial port). Includes fork+exec.\n"
    "  completion  from the same start to the launcher's exit (pidfd readable).\n"
    "  phases      each launcher's own steps from its --timings file (vmm, container).\n"
    "  memory      PSS (/proc/PID/smaps_rollup) summed over the launcher and all its\n"
    "              descendants, plus the kernel memory charged to the instance's own\n"
    "              cgroup when it has one; sampled at the ready line and every 2 ms\n"
    "              (peak). Overhead = this minus the bare process's, medians.\n"
    "              VMs also: VMM RSS outside guest RAM, and guest RAM touched (RSS of\n"
    "              the guest memory mapping).\n"
    "  image       what must be shipped: the static binary; the rootfs and its gzip\n"
    "              layer tarball; bzImage + initramfs; the bare-metal ELF.\n"
    "  statistics  median, p95 (linear interpolation), min, max, mean, sigma; outliers\n"
    "              by modified z-score > 3.5 (median absolute deviation); a warning\n"
    "              when the first run is an outlier slower than all others.\n"
    "\n"
    "Exit status: 0 success, 1 regression found by diff, 2 bad input or error.\n";

void cli_usage(FILE *f)
{
	fputs(usage_text, f);
}

static void fail(const char *prog, const vc_err *err)
{
	vc_error_print(prog, err);
}

/* --build DIR must be a vclab build folder: bench writes below it
 * (DIR/bench) and runs DIR/bin/workload, so a typo must not create one. */
static int check_build_dir(const char *dir, vc_err *err)
{
	char path[PATH_MAX];
	struct stat st;

	if (stat(dir, &st) < 0)
		return vc_error(err, errno, "--build %s", dir);
	if (!S_ISDIR(st.st_mode))
		return vc_error(err, 0, "--build %s: not a directory", dir);
	if ((size_t)snprintf(path, sizeof(path), "%s/bin/workload", dir) >= sizeof(path))
		return vc_error(err, ENAMETOOLONG, "--build %s", dir);
	if (access(path, X_OK) < 0)
		return vc_error(err, errno, "--build %s: not a vclab build folder (%s)", dir, path);
	return 0;
}

/* The build folder is the parent of the folder holding this binary
 * (build/bin/bench -> build). */
static int default_build_dir(char *out, size_t len, vc_err *err)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return vc_error(err, errno, "readlink /proc/self/exe");
	exe[n] = '\0';
	snprintf(out, len, "%s", dirname(dirname(exe)));
	return 0;
}

static int parse_scale(const char *s, struct run_opts *o, vc_err *err)
{
	char buf[128], *save = NULL;
	uint64_t v;

	if (strlen(s) >= sizeof(buf))
		return vc_error(err, 0, "--scale '%s': too long", s);
	snprintf(buf, sizeof(buf), "%s", s);
	o->nscale = 0;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (o->nscale >= BENCH_MAX_SCALE)
			return vc_error(err, 0, "--scale: at most %d values", BENCH_MAX_SCALE);
		if (vc_parse_uint(w, 1, 1000, &v, "--scale", err) < 0)
			return -1;
		o->scale[o->nscale++] = (unsigned)v;
	}
	if (o->nscale == 0)
		return vc_error(err, 0, "--scale '%s': expected numbers like 1,10,50", s);
	return 0;
}

static int mkdir_parent(const char *path, vc_err *err)
{
	char buf[PATH_MAX];
	char *dir;

	snprintf(buf, sizeof(buf), "%s", path);
	dir = dirname(buf);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return vc_error(err, errno, "mkdir %s", dir);
	return 0;
}

struct outputs {
	const char *json, *markdown, *svg;
};

static int write_outputs(const struct bench_result *res, const struct outputs *out, vc_err *err)
{
	if (mkdir_parent(out->json, err) < 0 || report_json_write(res, out->json, err) < 0)
		return -1;
	if (mkdir_parent(out->markdown, err) < 0 || report_md_write(res, out->markdown, err) < 0)
		return -1;
	if (mkdir_parent(out->svg, err) < 0 || report_svg_write(res, out->svg, err) < 0)
		return -1;
	return 0;
}

enum {
	OPT_RUNS = 256,
	OPT_WARMUP,
	OPT_RUNNER,
	OPT_WORKLOAD,
	OPT_JSON,
	OPT_MARKDOWN,
	OPT_SVG,
	OPT_SCALE,
	OPT_QUIET,
	OPT_COMPARE,
	OPT_TIMEOUT,
	OPT_MEM,
	OPT_BUILD,
	OPT_IMAGE,
	OPT_CMD,
	OPT_READY_LINE,
	OPT_DONE_LINE,
	OPT_ENGINES
};

static const struct option run_options[] = {
    {"runs", required_argument, NULL, OPT_RUNS},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"runner", required_argument, NULL, OPT_RUNNER},
    {"workload", required_argument, NULL, OPT_WORKLOAD},
    {"json", required_argument, NULL, OPT_JSON},
    {"markdown", required_argument, NULL, OPT_MARKDOWN},
    {"svg", required_argument, NULL, OPT_SVG},
    {"scale", required_argument, NULL, OPT_SCALE},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"compare", no_argument, NULL, OPT_COMPARE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"mem", required_argument, NULL, OPT_MEM},
    {"build", required_argument, NULL, OPT_BUILD},
    {"image", required_argument, NULL, OPT_IMAGE},
    {"cmd", required_argument, NULL, OPT_CMD},
    {"ready-line", required_argument, NULL, OPT_READY_LINE},
    {"done-line", required_argument, NULL, OPT_DONE_LINE},
    {"engines", no_argument, NULL, OPT_ENGINES},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* A non-empty option value that fits. */
static int copy_arg(char *out, size_t len, const char *what, vc_err *err)
{
	if (!*optarg)
		return vc_error(err, 0, "%s: empty", what);
	if (strlen(optarg) >= len)
		return vc_error(err, 0, "%s: longer than %zu characters", what, len - 1);
	snprintf(out, len, "%s", optarg);
	return 0;
}

/* --cmd, --ready-line, --done-line and --engines belong to --image, and
 * --image replaces the static workload. */
static int check_image_options(const struct run_opts *o, bool workload, vc_err *err)
{
	const char *stray = o->cmd[0]          ? "--cmd"
	                    : o->ready_line[0] ? "--ready-line"
	                    : o->have_done     ? "--done-line"
	                    : o->engines       ? "--engines"
	                                       : NULL;

	if (!o->image[0] && stray)
		return vc_error(err, 0, "run: %s needs --image REF", stray);
	if (o->image[0] && workload)
		return vc_error(err, 0,
		                "run: --workload is the static workload's; with --image use --cmd");
	return 0;
}

static int parse_run_option(int c, struct run_opts *o, struct outputs *out, bool *quiet,
                            const char **runners, bool *compare, vc_err *err)
{
	uint64_t v;

	switch (c) {
	case OPT_RUNS:
		if (vc_parse_uint(optarg, 1, 100000, &v, "--runs", err) < 0)
			return -1;
		o->runs = (unsigned)v;
		return 0;
	case OPT_WARMUP:
		if (vc_parse_uint(optarg, 0, 1000, &v, "--warmup", err) < 0)
			return -1;
		o->warmup = (unsigned)v;
		return 0;
	case OPT_RUNNER:
		*runners = optarg;
		return 0;
	case OPT_COMPARE:
		*compare = true;
		return 0;
	case OPT_WORKLOAD:
		if (strlen(optarg) >= sizeof(o->workload))
			return vc_error(err, 0, "--workload: too long");
		snprintf(o->workload, sizeof(o->workload), "%s", optarg);
		return 0;
	case OPT_JSON:
		out->json = optarg;
		return 0;
	case OPT_MARKDOWN:
		out->markdown = optarg;
		return 0;
	case OPT_SVG:
		out->svg = optarg;
		return 0;
	case OPT_SCALE:
		return parse_scale(optarg, o, err);
	case OPT_QUIET:
		*quiet = true;
		return 0;
	case OPT_TIMEOUT:
		return vc_parse_double(optarg, 0.1, 86400, &o->timeout_s, "--timeout", err);
	case OPT_MEM:
		if (vc_parse_size(optarg, 64ull << 30, &o->guest_mem, "--mem", err) < 0)
			return -1;
		o->mem_given = true;
		if (o->guest_mem < (16ull << 20))
			return vc_error(err, 0, "--mem '%s': at least 16M", optarg);
		return 0;
	case OPT_BUILD:
		snprintf(o->build, sizeof(o->build), "%s", optarg);
		return 0;
	case OPT_IMAGE:
		return copy_arg(o->image, sizeof(o->image), "--image", err);
	case OPT_CMD:
		return copy_arg(o->cmd, sizeof(o->cmd), "--cmd", err);
	case OPT_READY_LINE:
		return copy_arg(o->ready_line, sizeof(o->ready_line), "--ready-line", err);
	case OPT_DONE_LINE:
		o->have_done = true;
		return copy_arg(o->done_line, sizeof(o->done_line), "--done-line", err);
	case OPT_ENGINES:
		o->engines = true;
		return 0;
	default:
		return vc_error(err, 0, "run: unknown option (see bench --help)");
	}
}

int cli_run(int argc, char **argv)
{
	struct run_opts o = {.runs = RUN_DEFAULT_RUNS,
	                     .warmup = RUN_DEFAULT_WARMUP,
	                     .workload = RUN_DEFAULT_WORKLOAD,
	                     .timeout_s = RUN_DEFAULT_TIMEOUT,
	                     .guest_mem = VC_GUEST_RAM_DEFAULT};
	struct outputs out = {"results/bench.json", "results/bench.md", "results/bench.svg"};
	const char *runners = NULL;
	bool quiet = false, compare = false, workload = false;
	struct bench_result *res;
	int c, exit_code;
	vc_err err = {0};
	int dummy;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", run_options, NULL)) != -1) {
		if (c == 'h') {
			cli_usage(stdout);
			return BENCH_EXIT_OK;
		}
		if (c == '?') {
			vc_error(&err, 0, "run: unknown option '%s' (see bench --help)",
			         argv[optind - 1]);
			fail("bench", &err);
			return BENCH_EXIT_ERROR;
		}
		workload |= c == OPT_WORKLOAD;
		if (parse_run_option(c, &o, &out, &quiet, &runners, &compare, &err) < 0) {
			fail("bench", &err);
			return BENCH_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		vc_error(&err, 0, "run: unexpected argument '%s'", argv[optind]);
		fail("bench", &err);
		return BENCH_EXIT_ERROR;
	}
	if (compare && runners) {
		vc_error(&err, 0,
		         "run: --compare (every runner) and --runner LIST exclude each "
		         "other");
		fail("bench", &err);
		return BENCH_EXIT_ERROR;
	}
	if (check_image_options(&o, workload, &err) < 0 ||
	    (o.image[0]
	         ? image_runner_list_parse(runners ? runners : "all", o.defs, &o.ndefs, &err)
	         : runner_list_parse(runners ? runners : "all", o.defs, &o.ndefs, &err)) < 0 ||
	    workload_words_check(o.workload, &dummy, &err) < 0 ||
	    (!o.build[0] && default_build_dir(o.build, sizeof(o.build), &err) < 0) ||
	    check_build_dir(o.build, &err) < 0) {
		fail("bench", &err);
		return BENCH_EXIT_ERROR;
	}
	o.progress = !quiet && isatty(STDOUT_FILENO);
	res = calloc(1, sizeof(*res));
	if (!res) {
		vc_error(&err, ENOMEM, "run");
		fail("bench", &err);
		return BENCH_EXIT_ERROR;
	}
	exit_code = BENCH_EXIT_OK;
	if (bench_run(&o, res, &err) < 0 || write_outputs(res, &out, &err) < 0) {
		fail("bench", &err);
		exit_code = BENCH_EXIT_ERROR;
	} else if (!quiet) {
		report_md_print(res, stdout);
		printf("\nwrote %s, %s, %s\n", out.json, out.markdown, out.svg);
	}
	bench_result_free(res);
	free(res);
	return exit_code;
}

int cli_diff(int argc, char **argv)
{
	static const struct option opts[] = {{"threshold", required_argument, NULL, 't'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {NULL, 0, NULL, 0}};
	double threshold = DIFF_DEFAULT_THRESHOLD;
	struct bench_result *base = calloc(1, sizeof(*base)), *now = calloc(1, sizeof(*now));
	struct diff *d = calloc(1, sizeof(*d));
	int c, rc = BENCH_EXIT_ERROR;
	vc_err err = {0};

	opterr = 0;
	if (!base || !now || !d) {
		vc_error(&err, ENOMEM, "diff");
		goto out;
	}
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			cli_usage(stdout);
			rc = BENCH_EXIT_OK;
			goto done;
		}
		if (c == '?') {
			vc_error(&err, 0, "diff: unknown option '%s' (see bench --help)",
			         argv[optind - 1]);
			goto out;
		}
		if (vc_parse_double(optarg, 0, 1e6, &threshold, "--threshold", &err) < 0)
			goto out;
	}
	if (argc - optind != 2) {
		vc_error(&err, 0, "diff: expected BASE.json NEW.json (see bench --help)");
		goto out;
	}
	if (report_json_read(argv[optind], base, &err) < 0 ||
	    report_json_read(argv[optind + 1], now, &err) < 0)
		goto out;
	if (diff_check_accel(base, now, &err) < 0) {
		vc_error_wrap(&err, "diff %s %s", argv[optind], argv[optind + 1]);
		goto out;
	}
	diff_compute(base, now, threshold, d);
	diff_context_note(base, now, stdout);
	diff_print(d, threshold, stdout);
	rc = d->regressions ? BENCH_EXIT_REGRESSION : BENCH_EXIT_OK;
	goto done;
out:
	fail("bench", &err);
done:
	if (base)
		bench_result_free(base);
	if (now)
		bench_result_free(now);
	free(base), free(now), free(d);
	return rc;
}
