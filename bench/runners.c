#include "runners.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The kernel command line of the Linux guests: output on the serial port,
 * no boot chatter (each byte is an exit), reboot by triple fault (ends the
 * VM at once), no reboot loop on panic. The workload words follow. */
#define LINUX_CMDLINE "console=ttyS0 quiet reboot=t panic=-1"

int find_in_path(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char dirs[4096], *save = NULL;

	if (!path || !*path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	snprintf(dirs, sizeof(dirs), "%s", path);
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, len, "%s/%s", d, name);
		if (access(out, X_OK) == 0)
			return 0;
	}
	return -1;
}

static uint64_t file_bytes(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void add_part(struct image *img, const char *name, const char *path)
{
	struct image_part *p;

	if (img->nparts >= BENCH_MAX_PARTS)
		return;
	p = &img->part[img->nparts++];
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->bytes = file_bytes(path);
	img->bytes += p->bytes;
}

/* Add "; "-separated reasons to r->reason; the runner is unavailable. */
void runner_unavailable(struct runner_result *r, const char *fmt, const char *arg)
{
	size_t off = strlen(r->reason);
	char one[200];

	snprintf(one, sizeof(one), fmt, arg);
	snprintf(r->reason + off, sizeof(r->reason) - off, "%s%s", off ? "; " : "", one);
	r->state = RUNNER_UNAVAILABLE;
}

/* Each "build/X" the runner needs must exist; name the missing ones. */
void runner_need_built(struct runner_result *r, const struct bench_env *env, const char *rel)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", env->build, rel);
	if (access(path, R_OK) < 0)
		runner_unavailable(r, "not built: build/%s missing", rel);
}

void runner_need_kvm(struct runner_result *r, const struct bench_env *env)
{
	if (!env->kvm)
		runner_unavailable(r, "%s", env->kvm_detail);
}

/* The bare-metal guest runs its job in ring 3, which kvm-pvm runs natively:
 * it is measured there too. */
static void need_kvm_or_pvm(struct runner_result *r, const struct bench_env *env)
{
	if (env->kvm_pvm)
		snprintf(r->note, sizeof(r->note),
		         "on kvm-pvm: guest ring 0 emulated (~1 us an instruction), the job in "
		         "ring 3 native; not hardware KVM's figures (docs/pvm.md)");
	else
		runner_need_kvm(r, env);
}

static void build_path(const struct bench_env *env, const char *rel, char *out)
{
	snprintf(out, PATH_MAX, "%s/%s", env->build, rel);
}

static int add_words(struct launch *l, const struct bench_env *env)
{
	for (size_t i = 0; i < env->nwords; i++)
		if (launch_arg(l, "%s", env->words[i]) < 0)
			return -1;
	return 0;
}

int runner_too_long(vc_err *err)
{
	return vc_error(err, 0, "the launcher's command line is too long (fewer --workload words)");
}

/* --- process ----------------------------------------------------------- */

static int probe_process(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	char path[PATH_MAX];

	(void)err;
	runner_need_built(r, env, "bin/workload");
	build_path(env, "bin/workload", path);
	add_part(&r->image, "workload (static ELF)", path);
	return 0;
}

static int launch_process(const struct bench_env *env, unsigned seq, struct launch *l, vc_err *err)
{
	(void)seq;
	if (launch_arg(l, "%s/bin/workload", env->build) < 0 || add_words(l, env) < 0)
		return runner_too_long(err);
	return 0;
}

/* --- containers -------------------------------------------------------- */

static int probe_bundle(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	runner_need_built(r, env, "bin/workload");
	if (r->state != RUNNER_OK)
		return 0;
	if (bundle_prepare(env, err) < 0 || bundle_image(env, &r->image, err) < 0)
		return vc_error_wrap(err, "preparing the container image");
	return 0;
}

static int probe_container(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	runner_need_built(r, env, "bin/container");
	return probe_bundle(r, env, err);
}

static int probe_oci(struct runner_result *r, const struct bench_env *env, const char *tool,
                     vc_err *err)
{
	char path[PATH_MAX];

	if (find_in_path(tool, path, sizeof(path)) < 0)
		runner_unavailable(r, "not installed: %s not in PATH (scripts/deps.sh bench)",
		                   tool);
	return probe_bundle(r, env, err);
}

static int probe_runc(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	return probe_oci(r, env, "runc", err);
}

void runner_crun_note(struct runner_result *r, const struct bench_env *env)
{
	if (env->v1_view)
		snprintf(r->note, sizeof(r->note),
		         "crun refuses hybrid cgroup hosts: the bench runs in a private mount "
		         "namespace with /sys/fs/cgroup/unified unmounted (every runner then "
		         "sees cgroup v1)");
}

static int probe_crun(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	runner_crun_note(r, env);
	return probe_oci(r, env, "crun", err);
}

int runner_launch_oci(const struct bench_env *env, unsigned seq, struct launch *l, const char *tool,
                      vc_err *err)
{
	char bundle[PATH_MAX], rootfs[PATH_MAX], layer[PATH_MAX];

	bundle_paths(env, bundle, rootfs, layer);
	/* Not installed: the runner is unavailable, the command only shown. */
	if (find_in_path(tool, l->cleanup_tool, sizeof(l->cleanup_tool)) < 0)
		snprintf(l->cleanup_tool, sizeof(l->cleanup_tool), "%s", tool);
	/* Unique per run, so a leftover from a killed run never collides. */
	snprintf(l->cleanup_id, sizeof(l->cleanup_id), "vclab-bench-%d-%u", (int)getpid(), seq);
	if (launch_arg(l, "%s", l->cleanup_tool) < 0 || launch_arg(l, "run") < 0 ||
	    launch_arg(l, "--bundle") < 0 || launch_arg(l, "%s", bundle) < 0 ||
	    launch_arg(l, "%s", l->cleanup_id) < 0)
		return runner_too_long(err);
	return 0;
}

/* vclab's runtime runs the same bundle as runc and crun (`run --bundle DIR
 * ID`), and writes its steps to a --timings file for the phase table. */
int runner_launch_container(const struct bench_env *env, unsigned seq, struct launch *l,
                            vc_err *err)
{
	char bundle[PATH_MAX], rootfs[PATH_MAX], layer[PATH_MAX];

	bundle_paths(env, bundle, rootfs, layer);
	snprintf(l->timings, sizeof(l->timings), "%s/timings-container-%u.json", env->workdir, seq);
	snprintf(l->cleanup_tool, sizeof(l->cleanup_tool), "%s/bin/container", env->build);
	snprintf(l->cleanup_id, sizeof(l->cleanup_id), "vclab-bench-%d-%u", (int)getpid(), seq);
	if (launch_arg(l, "%s", l->cleanup_tool) < 0 || launch_arg(l, "run") < 0 ||
	    launch_arg(l, "--timings") < 0 || launch_arg(l, "%s", l->timings) < 0 ||
	    launch_arg(l, "--bundle") < 0 || launch_arg(l, "%s", bundle) < 0 ||
	    launch_arg(l, "%s", l->cleanup_id) < 0)
		return runner_too_long(err);
	return 0;
}

static int launch_runc(const struct bench_env *env, unsigned seq, struct launch *l, vc_err *err)
{
	return runner_launch_oci(env, seq, l, "runc", err);
}

static int launch_crun(const struct bench_env *env, unsigned seq, struct launch *l, vc_err *err)
{
	return runner_launch_oci(env, seq, l, "crun", err);
}

/* --- virtual machines -------------------------------------------------- */

/* The minimal Linux guest both microVM runners boot: it must be built, it is
 * the image they ship, and it needs KVM. */
static void linux_guest(struct runner_result *r, const struct bench_env *env)
{
	char path[PATH_MAX];

	runner_need_built(r, env, "guest/bzImage");
	runner_need_built(r, env, "guest/initramfs.cpio.gz");
	runner_need_kvm(r, env);
	build_path(env, "guest/bzImage", path);
	add_part(&r->image, "bzImage", path);
	build_path(env, "guest/initramfs.cpio.gz", path);
	add_part(&r->image, "initramfs.cpio.gz", path);
}

static int probe_microvm(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	(void)err;
	runner_need_built(r, env, "bin/vmm");
	linux_guest(r, env);
	return 0;
}

static int add_cmdline(struct launch *l, const struct bench_env *env, const char *prefix)
{
	char cmdline[1024];
	size_t off = (size_t)snprintf(cmdline, sizeof(cmdline), "%s", prefix);

	for (size_t i = 0; i < env->nwords && off < sizeof(cmdline); i++)
		off += (size_t)snprintf(cmdline + off, sizeof(cmdline) - off, "%s%s",
		                        off ? " " : "", env->words[i]);
	if (off >= sizeof(cmdline))
		return -1;
	return launch_arg(l, "%s", cmdline);
}

static int launch_vmm(const struct bench_env *env, unsigned seq, struct launch *l, const char *name,
                      vc_err *err)
{
	l->vm_guest_bytes = env->guest_mem;
	snprintf(l->timings, sizeof(l->timings), "%s/timings-%s-%u.json", env->workdir, name, seq);
	if (launch_arg(l, "%s/bin/vmm", env->build) < 0 || launch_arg(l, "run") < 0 ||
	    launch_arg(l, "--mem") < 0 ||
	    launch_arg(l, "%lluM", (unsigned long long)(env->guest_mem >> 20)) < 0 ||
	    launch_arg(l, "--timings") < 0 || launch_arg(l, "%s", l->timings) < 0 ||
	    launch_arg(l, "--kernel") < 0)
		return runner_too_long(err);
	return 0;
}

static int launch_microvm(const struct bench_env *env, unsigned seq, struct launch *l, vc_err *err)
{
	if (launch_vmm(env, seq, l, "microvm", err) < 0)
		return -1;
	if (launch_arg(l, "%s/guest/bzImage", env->build) < 0 || launch_arg(l, "--initrd") < 0 ||
	    launch_arg(l, "%s/guest/initramfs.cpio.gz", env->build) < 0 ||
	    launch_arg(l, "--cmdline") < 0 || add_cmdline(l, env, LINUX_CMDLINE) < 0)
		return runner_too_long(err);
	return 0;
}

static int probe_unikernel(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	char path[PATH_MAX];

	(void)err;
	runner_need_built(r, env, "bin/vmm");
	runner_need_built(r, env, "guest/baremetal.elf");
	need_kvm_or_pvm(r, env);
	build_path(env, "guest/baremetal.elf", path);
	add_part(&r->image, "baremetal.elf", path);
	return 0;
}

static int launch_unikernel(const struct bench_env *env, unsigned seq, struct launch *l,
                            vc_err *err)
{
	if (launch_vmm(env, seq, l, "unikernel", err) < 0)
		return -1;
	if (launch_arg(l, "%s/guest/baremetal.elf", env->build) < 0 ||
	    launch_arg(l, "--cmdline") < 0 || add_cmdline(l, env, "") < 0)
		return runner_too_long(err);
	return 0;
}

static int probe_qemu(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	char path[PATH_MAX];

	(void)err;
	if (find_in_path("qemu-system-x86_64", path, sizeof(path)) < 0)
		runner_unavailable(r, "not installed: %s not in PATH (scripts/deps.sh bench)",
		                   "qemu-system-x86_64");
	linux_guest(r, env);
	return 0;
}

/* QEMU's isa-debug-exit turns the workload's exit port write into the exit
 * status (status << 1) | 1. */
static int launch_qemu(const struct bench_env *env, unsigned seq, struct launch *l, vc_err *err)
{
	(void)seq;
	l->vm_guest_bytes = env->guest_mem;
	l->expect_status = (env->expect_status << 1) | 1;
	if (launch_arg(l, "qemu-system-x86_64") < 0 || launch_arg(l, "-M") < 0 ||
	    launch_arg(l, "microvm") < 0 || launch_arg(l, "-accel") < 0 ||
	    launch_arg(l, "kvm") < 0 || launch_arg(l, "-cpu") < 0 || launch_arg(l, "host") < 0 ||
	    launch_arg(l, "-m") < 0 ||
	    launch_arg(l, "%lluM", (unsigned long long)(env->guest_mem >> 20)) < 0 ||
	    launch_arg(l, "-smp") < 0 || launch_arg(l, "1") < 0 ||
	    launch_arg(l, "-nodefaults") < 0 || launch_arg(l, "-no-user-config") < 0 ||
	    launch_arg(l, "-display") < 0 || launch_arg(l, "none") < 0 ||
	    launch_arg(l, "-serial") < 0 || launch_arg(l, "stdio") < 0 ||
	    launch_arg(l, "-no-reboot") < 0 || launch_arg(l, "-device") < 0 ||
	    launch_arg(l, "isa-debug-exit,iobase=0xf4,iosize=1") < 0 ||
	    launch_arg(l, "-kernel") < 0 || launch_arg(l, "%s/guest/bzImage", env->build) < 0 ||
	    launch_arg(l, "-initrd") < 0 ||
	    launch_arg(l, "%s/guest/initramfs.cpio.gz", env->build) < 0 ||
	    launch_arg(l, "-append") < 0 || add_cmdline(l, env, LINUX_CMDLINE) < 0)
		return runner_too_long(err);
	return 0;
}

const struct runner_def runner_defs[] = {
    {"process", "process", "the bare static workload (baseline)", probe_process, launch_process},
    {"container", "container", "vclab container run --bundle, the bundle runc and crun run",
     probe_container, runner_launch_container},
    {"runc", "container", "runc run with the same rootfs as an OCI bundle", probe_runc,
     launch_runc},
    {"crun", "container", "crun run with the same bundle", probe_crun, launch_crun},
    {"microvm", "vm", "vclab vmm + minimal Linux kernel + initramfs", probe_microvm,
     launch_microvm},
    {"unikernel", "vm", "vclab vmm + bare-metal ELF guest", probe_unikernel, launch_unikernel},
    {"qemu-microvm", "vm", "qemu-system-x86_64 -M microvm -accel kvm, same kernel", probe_qemu,
     launch_qemu},
};
const size_t runner_ndefs = sizeof(runner_defs) / sizeof(runner_defs[0]);

const struct runner_def *runner_def_find(const char *name)
{
	for (size_t i = 0; i < runner_ndefs; i++)
		if (!strcmp(runner_defs[i].name, name))
			return &runner_defs[i];
	return NULL;
}

static int list_has(const struct runner_def **out, size_t n, const struct runner_def *d)
{
	for (size_t i = 0; i < n; i++)
		if (out[i] == d)
			return 1;
	return 0;
}

static int list_parse(const char *list, const struct runner_def *defs, size_t ndefs,
                      const char *known, const struct runner_def **out, size_t *n, vc_err *err)
{
	char buf[512], *save = NULL;
	unsigned words = 0;

	*n = 0;
	out[(*n)++] = &defs[0]; /* the baseline every ratio needs */
	if (!strcmp(list, "all")) {
		for (size_t i = 1; i < ndefs; i++)
			out[(*n)++] = &defs[i];
		return 0;
	}
	if (strlen(list) >= sizeof(buf))
		return vc_error(err, 0, "--runner: list too long");
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		const struct runner_def *d = NULL;

		for (size_t i = 0; i < ndefs && !d; i++)
			if (!strcmp(defs[i].name, w))
				d = &defs[i];
		words++;
		if (!d)
			return vc_error(err, 0, "--runner: unknown runner '%s' (known: %s)", w,
			                known);
		if (!list_has(out, *n, d))
			out[(*n)++] = d;
	}
	/* "" or ",": only the baseline would run, which compares nothing */
	if (!words)
		return vc_error(
		    err, 0, "--runner '%s': no runner named (e.g. --runner container,runc)", list);
	return 0;
}

int runner_list_parse(const char *list, const struct runner_def **out, size_t *n, vc_err *err)
{
	return list_parse(list, runner_defs, runner_ndefs,
	                  "process, container, runc, crun, microvm, unikernel, qemu-microvm", out,
	                  n, err);
}

int image_runner_list_parse(const char *list, const struct runner_def **out, size_t *n, vc_err *err)
{
	return list_parse(list, image_runner_defs, image_runner_ndefs,
	                  "with --image: process, container, container-image, runc, crun, podman, "
	                  "docker, microvm, qemu-microvm",
	                  out, n, err);
}
