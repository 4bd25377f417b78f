/* The runners: how each one is found, what it ships, how it is launched.
 *
 *   process       the bare static workload (the baseline)
 *   container     vclab's `container run` on a rootfs holding the workload
 *   runc, crun    the same rootfs as an OCI bundle
 *   microvm       vclab's `vmm` with the minimal kernel and the initramfs
 *   unikernel     vclab's `vmm` with the bare-metal ELF
 *   qemu-microvm  qemu-system-x86_64 -M microvm -accel kvm, same kernel
 */
#ifndef BENCH_RUNNERS_H
#define BENCH_RUNNERS_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench.h"
#include "error.h"
#include "image.h"
#include "kvmhost.h"
#include "measure.h"
#include "spawn.h"

struct engines;

/* Where things are and what every run does. */
struct bench_env {
	char build[1024];             /* the build folder: bin/, guest/, bench/ */
	char workdir[1100];           /* build/bench: bundle, layer, timings */
	char *words[BENCH_MAX_WORDS]; /* workload key=value words */
	size_t nwords;
	int expect_status;    /* the workload's exit=CODE */
	uint64_t guest_mem;   /* bytes of guest RAM for the VMs */
	bool kvm;             /* /dev/kvm opens read-write and is hardware KVM */
	bool kvm_pvm;         /* /dev/kvm opens read-write and is kvm-pvm */
	enum vc_accel accel;  /* how VMs run here (results record it) */
	char kvm_detail[128]; /* why not, when not */
	enum cg_mode cgroup;
	bool v1_view; /* hybrid host, seen without its unified mount (for crun) */
	/* bench run --image: the image every runner runs (NULL: the static
	 * workload), the ready line's text ("" = the first line), the done
	 * line's (NULL = none), and whether podman and docker run (--engines). */
	struct bench_image *img;
	const char *ready_text, *done_text;
	bool engines;
	struct engines *eng; /* podman and docker's state (engines.c), or NULL */
};

struct runner_def {
	const char *name;
	const char *kind; /* "process", "container", "vm" */
	const char *summary;
	/* Decide whether the runner can run here (else fill r->reason), fill
	 * r->image and r->note, prepare what it needs. < 0 only on errors
	 * that must stop the bench. */
	int (*probe)(struct runner_result *r, const struct bench_env *env, vc_err *err);
	/* Describe run number seq of this runner. */
	int (*launch)(const struct bench_env *env, unsigned seq, struct launch *l, vc_err *err);
};

extern const struct runner_def runner_defs[];
extern const size_t runner_ndefs;
/* The runners of bench run --image (runners_image.c). */
extern const struct runner_def image_runner_defs[];
extern const size_t image_runner_ndefs;

const struct runner_def *runner_def_find(const char *name);

/* Parse "a,b,c" into definitions (the process baseline always first).
 * "all" means every runner. */
int runner_list_parse(const char *list, const struct runner_def **out, size_t *n, vc_err *err);
/* The same among the --image runners. */
int image_runner_list_parse(const char *list, const struct runner_def **out, size_t *n,
                            vc_err *err);

/* Shared by runners.c and runners_image.c. */
void runner_unavailable(struct runner_result *r, const char *fmt, const char *arg);
void runner_need_built(struct runner_result *r, const struct bench_env *env, const char *rel);
void runner_need_kvm(struct runner_result *r, const struct bench_env *env);
void runner_crun_note(struct runner_result *r, const struct bench_env *env);
int runner_too_long(vc_err *err);
int runner_launch_container(const struct bench_env *env, unsigned seq, struct launch *l,
                            vc_err *err);
int runner_launch_oci(const struct bench_env *env, unsigned seq, struct launch *l, const char *tool,
                      vc_err *err);

/* Find an executable in $PATH. */
int find_in_path(const char *name, char *out, size_t len);

/* The OCI bundle (config.json + rootfs) and the gzip layer under
 * env->workdir, shared by container, runc and crun. */
int bundle_prepare(const struct bench_env *env, vc_err *err);
/* The config.json of that bundle (runc spec style, the workload as the
 * process), and a one-line summary of a config for the report. */
json_t *bundle_config(const struct bench_env *env);
void bundle_describe(const json_t *config, char *out, size_t len);
int bundle_image(const struct bench_env *env, struct image *img, vc_err *err);
void bundle_paths(const struct bench_env *env, char *bundle, char *rootfs, char *layer);

#endif
