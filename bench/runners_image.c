/* The runners of `bench run --image REF`: one OCI image run by each.
 *
 *   process          the image's program, chroot into the image's rootfs
 *   container        vclab `container run --bundle`: the image's rootfs and
 *                    the one config.json that runc and crun run too
 *   container-image  vclab `container run IMAGE` (what a user types: the
 *                    image resolved and its overlay mounted on every run)
 *   runc, crun       the same bundle
 *   podman, docker   their own `run` of the image loaded into them, their
 *                    default runtime (--engines; engines.c)
 *   microvm          vclab `vmm run --image` (the image as an initramfs)
 *   qemu-microvm     qemu -M microvm, the same kernel and initramfs
 *
 * The program's first line (or --ready-line) is the ready line; its exit
 * status is the launcher's. */
#include "runners.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engines.h"
#include "../vmm/image.h" /* the image init's command line words, one definition */

/* qemu-microvm boots the initramfs as vmm run --image does: our init, a
 * ramfs root (see vmm/image.h). */
#define LINUX_CMDLINE "console=ttyS0 quiet reboot=t panic=-1 " VMM_IMAGE_ROOTFS " " VMM_IMAGE_RDINIT

static void part(struct image *img, const char *name, uint64_t bytes)
{
	struct image_part *p;

	if (img->nparts >= BENCH_MAX_PARTS)
		return;
	p = &img->part[img->nparts++];
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->bytes = bytes;
}

/* What a registry ships: manifest + config + compressed layers; the
 * layers other stored images share are shown apart. Unpacked: the
 * layers' tars. */
static void registry_view(struct image *img, const struct bench_image *im)
{
	memset(img, 0, sizeof(*img));
	part(img, "manifest", im->manifest_bytes);
	part(img, "config", im->config_bytes);
	if (im->shared_bytes) {
		part(img, "layers (gzip), its own", im->layers_bytes - im->shared_bytes);
		part(img, "layers (gzip) shared with other stored images", im->shared_bytes);
	} else {
		part(img, "layers (gzip)", im->layers_bytes);
	}
	img->bytes = im->manifest_bytes + im->config_bytes + im->layers_bytes;
	img->shared = im->shared_bytes;
	img->unpacked = im->unpacked_bytes;
}

static int image_words(struct launch *l, const struct bench_image *im, bool all)
{
	char *const *v = all ? im->argv : im->cmdv;
	size_t n = all ? im->argc : im->cmdc;

	for (size_t i = 0; i < n; i++)
		if (launch_arg(l, "%s", v[i]) < 0)
			return -1;
	return 0;
}

static void unique_id(struct launch *l, unsigned seq)
{
	snprintf(l->cleanup_id, sizeof(l->cleanup_id), "vclab-bench-%d-%u", (int)getpid(), seq);
}

/* --- process: chroot ------------------------------------------------------ */

static int probe_process(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	(void)err;
	memset(&r->image, 0, sizeof(r->image));
	part(&r->image, "rootfs (the layers unpacked)", env->img->unpacked_bytes);
	r->image.bytes = r->image.unpacked = env->img->unpacked_bytes;
	snprintf(r->note, sizeof(r->note),
	         "the image's program run by the bench's child after chroot(%s), chdir(%.60s)%s: "
	         "no namespaces, no cgroup",
	         "rootfs", env->img->cwd, env->img->set_user ? ", setuid" : "");
	return 0;
}

static int launch_process(const struct bench_env *env, unsigned seq, struct launch *l, vc_err *err)
{
	const struct bench_image *im = env->img;

	(void)seq;
	snprintf(l->root, sizeof(l->root), "%s", im->rootfs);
	snprintf(l->cwd, sizeof(l->cwd), "%s", im->cwd);
	l->set_user = im->set_user;
	l->uid = im->uid;
	l->gid = im->gid;
	for (size_t i = 0; i < im->nenv; i++)
		if (launch_env(l, im->envv[i]) < 0)
			return runner_too_long(err);
	if (image_words(l, im, true) < 0)
		return runner_too_long(err);
	return 0;
}

/* --- containers --------------------------------------------------------------- */

static int probe_container(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	(void)err;
	runner_need_built(r, env, "bin/container");
	registry_view(&r->image, env->img);
	return 0;
}

static int probe_oci(struct runner_result *r, const struct bench_env *env, const char *tool)
{
	char path[PATH_MAX];

	if (find_in_path(tool, path, sizeof(path)) < 0)
		runner_unavailable(r, "not installed: %s not in PATH (scripts/deps.sh bench)",
		                   tool);
	registry_view(&r->image, env->img);
	return 0;
}

static int probe_runc(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	(void)err;
	return probe_oci(r, env, "runc");
}

static int probe_crun(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	(void)err;
	runner_crun_note(r, env);
	return probe_oci(r, env, "crun");
}

static int launch_runc(const struct bench_env *env, unsigned seq, struct launch *l, vc_err *err)
{
	return runner_launch_oci(env, seq, l, "runc", err);
}

static int launch_crun(const struct bench_env *env, unsigned seq, struct launch *l, vc_err *err)
{
	return runner_launch_oci(env, seq, l, "crun", err);
}

static int probe_container_image(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	(void)err;
	runner_need_built(r, env, "bin/container");
	registry_view(&r->image, env->img);
	snprintf(r->note, sizeof(r->note),
	         "what a user types: each run resolves the image in the store, mounts an "
	         "overlay of its layers and applies the image's config (its own, not the "
	         "bundle's config.json)");
	return 0;
}

static int launch_container_image(const struct bench_env *env, unsigned seq, struct launch *l,
                                  vc_err *err)
{
	snprintf(l->timings, sizeof(l->timings), "%s/timings-container-image-%u.json", env->workdir,
	         seq);
	snprintf(l->cleanup_tool, sizeof(l->cleanup_tool), "%s/bin/container", env->build);
	unique_id(l, seq);
	if (launch_arg(l, "%s", l->cleanup_tool) < 0 || launch_arg(l, "run") < 0 ||
	    launch_arg(l, "--timings") < 0 || launch_arg(l, "%s", l->timings) < 0 ||
	    launch_arg(l, "--id") < 0 || launch_arg(l, "%s", l->cleanup_id) < 0 ||
	    launch_arg(l, "%s", env->img->ref) < 0 || image_words(l, env->img, false) < 0)
		return runner_too_long(err);
	return 0;
}

/* --- engines -------------------------------------------------------------------- */

static int probe_podman(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	(void)err;
	registry_view(&r->image, env->img);
	engine_probe(r, env, ENGINE_PODMAN);
	return 0;
}

static int probe_docker(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	(void)err;
	registry_view(&r->image, env->img);
	engine_probe(r, env, ENGINE_DOCKER);
	return 0;
}

static int launch_podman(const struct bench_env *env, unsigned seq, struct launch *l, vc_err *err)
{
	unique_id(l, seq);
	if (engine_launch(env, ENGINE_PODMAN, l) < 0 || image_words(l, env->img, false) < 0)
		return runner_too_long(err);
	return 0;
}

static int launch_docker(const struct bench_env *env, unsigned seq, struct launch *l, vc_err *err)
{
	unique_id(l, seq);
	if (engine_launch(env, ENGINE_DOCKER, l) < 0 || image_words(l, env->img, false) < 0)
		return runner_too_long(err);
	return 0;
}

/* --- microVMs ---------------------------------------------------------------------- */

/* Kernel + the image's compressed initramfs; unpacked: the initramfs in
 * guest RAM (an initramfs is unpacked into the page cache, which stays). */
static void vm_image(struct runner_result *r, const struct bench_env *env)
{
	char path[PATH_MAX + 32];
	uint64_t kernel;
	FILE *f;

	snprintf(path, sizeof(path), "%s/guest/bzImage", env->build);
	f = fopen(path, "re");
	kernel = 0;
	if (f) {
		fseek(f, 0, SEEK_END);
		kernel = (uint64_t)ftell(f);
		fclose(f);
	}
	memset(&r->image, 0, sizeof(r->image));
	part(&r->image, "bzImage", kernel);
	if (env->img->initramfs[0])
		part(&r->image, "initramfs (gzip cpio)", env->img->initramfs_bytes);
	r->image.bytes = kernel + env->img->initramfs_bytes;
	r->image.unpacked = env->img->initramfs_unpacked;
	if (env->img->vm_reason[0])
		runner_unavailable(r, "%s", env->img->vm_reason);
}

static int probe_microvm(struct runner_result *r, const struct bench_env *env, vc_err *err)
{
	(void)err;
	runner_need_built(r, env, "bin/vmm");
	runner_need_built(r, env, "guest/bzImage");
	vm_image(r, env);
	runner_need_kvm(r, env);
	return 0;
}

static int launch_microvm(const struct bench_env *env, unsigned seq, struct launch *l, vc_err *err)
{
	l->vm_guest_bytes = env->guest_mem;
	snprintf(l->timings, sizeof(l->timings), "%s/timings-microvm-%u.json", env->workdir, seq);
	if (launch_arg(l, "%s/bin/vmm", env->build) < 0 || launch_arg(l, "run") < 0 ||
	    launch_arg(l, "--mem") < 0 ||
	    launch_arg(l, "%lluM", (unsigned long long)(env->guest_mem >> 20)) < 0 ||
	    launch_arg(l, "--timings") < 0 || launch_arg(l, "%s", l->timings) < 0 ||
	    launch_arg(l, "--kernel") < 0 || launch_arg(l, "%s/guest/bzImage", env->build) < 0 ||
	    launch_arg(l, "--image") < 0 || launch_arg(l, "%s", env->img->ref) < 0)
		return runner_too_long(err);
	if (env->img->cmdc && (launch_arg(l, "--") < 0 || image_words(l, env->img, false) < 0))
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
	runner_need_built(r, env, "guest/bzImage");
	vm_image(r, env);
	if (env->img->cmdc)
		runner_unavailable(r, "%s",
		                   "--cmd: the initramfs runs the image's own command under "
		                   "qemu (only vmm run --image takes another)");
	runner_need_kvm(r, env);
	return 0;
}

/* isa-debug-exit turns the program's status written to port 0xf4 into
 * QEMU's exit status (status << 1) | 1. */
static int launch_qemu(const struct bench_env *env, unsigned seq, struct launch *l, vc_err *err)
{
	static const char *const fixed[] = {"-M",
	                                    "microvm",
	                                    "-accel",
	                                    "kvm",
	                                    "-cpu",
	                                    "host",
	                                    "-smp",
	                                    "1",
	                                    "-nodefaults",
	                                    "-no-user-config",
	                                    "-display",
	                                    "none",
	                                    "-serial",
	                                    "stdio",
	                                    "-no-reboot",
	                                    "-device",
	                                    "isa-debug-exit,iobase=0xf4,iosize=1"};

	(void)seq;
	l->vm_guest_bytes = env->guest_mem;
	l->expect_status = (l->expect_status << 1) | 1;
	if (launch_arg(l, "qemu-system-x86_64") < 0 || launch_arg(l, "-m") < 0 ||
	    launch_arg(l, "%lluM", (unsigned long long)(env->guest_mem >> 20)) < 0)
		return runner_too_long(err);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (launch_arg(l, "%s", fixed[i]) < 0)
			return runner_too_long(err);
	if (launch_arg(l, "-kernel") < 0 || launch_arg(l, "%s/guest/bzImage", env->build) < 0 ||
	    launch_arg(l, "-initrd") < 0 ||
	    launch_arg(l, "%s", env->img->initramfs[0] ? env->img->initramfs : "(none)") < 0 ||
	    launch_arg(l, "-append") < 0 || launch_arg(l, "%s", LINUX_CMDLINE) < 0)
		return runner_too_long(err);
	return 0;
}

const struct runner_def image_runner_defs[] = {
    {"process", "process", "the image's program, chroot into its rootfs (baseline)", probe_process,
     launch_process},
    {"container", "container", "vclab container run --bundle: the image's rootfs, one config",
     probe_container, runner_launch_container},
    {"container-image", "container", "vclab container run IMAGE", probe_container_image,
     launch_container_image},
    {"runc", "container", "runc run, the same bundle", probe_runc, launch_runc},
    {"crun", "container", "crun run, the same bundle", probe_crun, launch_crun},
    {"podman", "engine", "podman run IMAGE, its default runtime", probe_podman, launch_podman},
    {"docker", "engine", "docker run IMAGE, its default runtime", probe_docker, launch_docker},
    {"microvm", "vm", "vclab vmm run --image: minimal kernel + the image's initramfs",
     probe_microvm, launch_microvm},
    {"qemu-microvm", "vm", "qemu-system-x86_64 -M microvm, same kernel and initramfs", probe_qemu,
     launch_qemu},
};
const size_t image_runner_ndefs = sizeof(image_runner_defs) / sizeof(image_runner_defs[0]);
