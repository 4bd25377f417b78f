#include "run.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engines.h"
#include "host.h"
#include "image.h"
#include "parse.h"
#include "timeline.h"

int workload_words_check(const char *words, int *exit_code, vc_err *err)
{
	char buf[256], *save = NULL;
	uint64_t v;
	size_t n = 0;

	*exit_code = 0;
	if (strlen(words) >= sizeof(buf))
		return vc_error(err, 0, "--workload: too long");
	snprintf(buf, sizeof(buf), "%s", words);
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save), n++) {
		char *eq = strchr(w, '=');

		if (n >= BENCH_MAX_WORDS)
			return vc_error(err, 0, "--workload: more than %d words", BENCH_MAX_WORDS);
		if (!eq)
			return vc_error(err, 0, "--workload '%s': expected key=value words", w);
		*eq = '\0';
		if (!strcmp(w, "sha256") || !strcmp(w, "touch")) {
			if (vc_parse_uint(eq + 1, 0, 4096, &v, "--workload sha256/touch", err) < 0)
				return -1;
		} else if (!strcmp(w, "exit")) {
			if (vc_parse_uint(eq + 1, 0, 119, &v, "--workload exit", err) < 0)
				return -1;
			*exit_code = (int)v;
		} else {
			return vc_error(err, 0,
			                "--workload: unknown key '%s' (sha256, touch, exit)", w);
		}
	}
	return 0;
}

/* --- environment -------------------------------------------------------- */

static int env_setup(const struct run_opts *o, struct bench_env *env, char *wordbuf, size_t wordlen,
                     vc_err *err)
{
	char *save = NULL;

	memset(env, 0, sizeof(*env));
	snprintf(env->build, sizeof(env->build), "%s", o->build);
	snprintf(env->workdir, sizeof(env->workdir), "%s/bench", o->build);
	if (mkdir(env->workdir, 0755) < 0 && errno != EEXIST)
		return vc_error(err, errno, "mkdir %s", env->workdir);
	env->guest_mem = o->guest_mem;
	env->kvm = kvm_usable(env->kvm_detail, sizeof(env->kvm_detail), &env->kvm_pvm);
	env->accel = vc_kvm_accel();
	env->cgroup = cgroup_mode_detect();
	if (o->image[0]) {
		(void)wordbuf, (void)wordlen, (void)save;
		env->img = calloc(1, sizeof(*env->img));
		if (!env->img)
			return vc_error(err, ENOMEM, "--image");
		env->ready_text = o->ready_line;
		env->done_text = o->have_done ? o->done_line : NULL;
		env->engines = o->engines;
		return image_open(env->img, o->build, o->image, o->cmd, err);
	}
	if (workload_words_check(o->workload, &env->expect_status, err) < 0)
		return -1;
	snprintf(wordbuf, wordlen, "%s", o->workload);
	for (char *w = strtok_r(wordbuf, " ", &save); w && env->nwords < BENCH_MAX_WORDS;
	     w = strtok_r(NULL, " ", &save))
		env->words[env->nwords++] = w;
	return 0;
}

static int make_launch(const struct runner_def *def, const struct bench_env *env, unsigned seq,
                       struct launch *l, vc_err *err)
{
	memset(l, 0, sizeof(*l));
	l->expect_status = env->expect_status;
	l->expect_done = env->expect_status;
	l->image = env->img != NULL;
	l->ready_text = env->ready_text;
	l->done_text = env->done_text;
	return def->launch(env, seq, l, err);
}

static int probe_all(const struct run_opts *o, const struct bench_env *env,
                     struct bench_result *res, vc_err *err)
{
	for (size_t i = 0; i < o->ndefs; i++) {
		struct runner_result *r = &res->runner[res->nrunners++];
		struct launch l;

		snprintf(r->name, sizeof(r->name), "%s", o->defs[i]->name);
		snprintf(r->kind, sizeof(r->kind), "%s", o->defs[i]->kind);
		if (!strcmp(r->kind, "vm"))
			snprintf(r->accel, sizeof(r->accel), "%s", vc_accel_name(env->accel));
		r->state = RUNNER_OK;
		if (o->defs[i]->probe(r, env, err) < 0)
			return vc_error_wrap(err, "runner %s", r->name);
		if (make_launch(o->defs[i], env, 0, &l, err) < 0)
			return vc_error_wrap(err, "runner %s", r->name);
		launch_describe(&l, r->command, sizeof(r->command));
	}
	return 0;
}

/* --- one measured run ---------------------------------------------------- */

static struct phase *phase_get(struct runner_result *r, const char *name)
{
	for (size_t i = 0; i < r->nphases; i++)
		if (!strcmp(r->phase[i].name, name))
			return &r->phase[i];
	if (r->nphases >= BENCH_MAX_PHASES)
		return NULL;
	snprintf(r->phase[r->nphases].name, sizeof(r->phase[0].name), "%s", name);
	return &r->phase[r->nphases++];
}

static void add_phase(struct runner_result *r, const char *name, double ms)
{
	struct phase *p = phase_get(r, name);

	if (p && !isnan(ms))
		series_push(&p->took_ms, ms);
}

/* The launcher's own steps (its --timings file), plus how long it took
 * from our fork() to the launcher's main() starting its timeline. */
static void read_timings(struct runner_result *r, const struct instance *in)
{
	json_t *root = json_load_file(in->l->timings, 0, NULL), *steps, *s;
	json_int_t start;
	size_t i;

	if (!root)
		return;
	start = json_integer_value(json_object_get(root, "start_ns"));
	if (start > 0 && (uint64_t)start > in->t_spawn)
		add_phase(r, "spawn -> launcher start",
		          (double)((uint64_t)start - in->t_spawn) / 1e6);
	steps = json_object_get(root, "steps");
	json_array_foreach(steps, i, s)
	{
		const char *name = json_string_value(json_object_get(s, "name"));
		json_t *took = json_object_get(s, "took_ms");

		if (name && json_is_number(took))
			add_phase(r, name, json_number_value(took));
	}
	json_decref(root);
}

static void push_if(struct series *s, double v)
{
	if (!isnan(v))
		series_push(s, v);
}

static void record_run(struct runner_result *r, const struct instance *in)
{
	push_if(&r->samples[MET_STARTUP], instance_startup_ms(in));
	push_if(&r->samples[MET_COMPLETION], instance_completion_ms(in));
	push_if(&r->samples[MET_MEM_READY], in->at_ready.mem_kib);
	push_if(&r->samples[MET_MEM_PEAK], in->peak.mem_kib);
	push_if(&r->samples[MET_KMEM], in->peak.kmem_kib);
	push_if(&r->samples[MET_VMM_RSS], in->peak.vmm_rss_kib);
	push_if(&r->samples[MET_GUEST_TOUCHED], in->peak.guest_touched_kib);
	if (in->l->timings[0])
		read_timings(r, in);
	r->runs_ok++;
}

static void fail_runner(struct runner_result *r, const vc_err *err)
{
	char msg[sizeof(err->msg) + 128];

	r->state = RUNNER_FAILED;
	snprintf(r->reason, sizeof(r->reason), "%s", vc_error_str(err, msg, sizeof(msg)));
}

static void measure_once(const struct run_opts *o, const struct bench_env *env,
                         const struct runner_def *def, struct runner_result *r, unsigned seq,
                         bool keep)
{
	struct wait_opts wo = {o->timeout_s, RUN_SAMPLE_EVERY_MS, env->cgroup, NULL, NULL};
	struct instance in;
	struct launch l;
	vc_err err = {0};

	if (make_launch(def, env, seq, &l, &err) < 0 || instance_start(&in, &l, &err) < 0) {
		fail_runner(r, &err);
		return;
	}
	if (instances_wait(&in, 1, &wo, &err) < 0 || instance_check(&in, &err) < 0) {
		instance_kill(&in);
		if (!spawn_stop_signal())
			fail_runner(r, &err);
	} else if (keep) {
		record_run(r, &in);
	}
	instance_kill(&in);
	if (l.timings[0])
		unlink(l.timings);
}

static void progress(const struct run_opts *o, unsigned round, const char *name)
{
	if (!o->progress)
		return;
	printf("\r\033[K[%s %u/%u] %s", round < o->warmup ? "warm-up" : "round",
	       round < o->warmup ? round + 1 : round - o->warmup + 1,
	       round < o->warmup ? o->warmup : o->runs, name);
	fflush(stdout);
}

/* Rounds of one run per runner; the order rotates each round so no runner
 * always follows the same neighbour (caches, CPU frequency). */
static void run_rounds(const struct run_opts *o, const struct bench_env *env,
                       struct bench_result *res)
{
	size_t n = res->nrunners;

	for (unsigned round = 0; round < o->warmup + o->runs && !spawn_stop_signal(); round++)
		for (size_t k = 0; k < n && !spawn_stop_signal(); k++) {
			size_t i = (k + round) % n;
			struct runner_result *r = &res->runner[i];

			if (r->state != RUNNER_OK)
				continue;
			progress(o, round, r->name);
			measure_once(o, env, o->defs[i], r, round + 1, round >= o->warmup);
		}
}

/* --- scale: N at once ------------------------------------------------------ */

struct scale_watch {
	long avail_before, avail_min;
};

static void note_available(struct instance *in, void *arg)
{
	struct scale_watch *w = arg;
	long a = mem_available_kib();

	(void)in;
	if (a >= 0 && a < w->avail_min)
		w->avail_min = a;
}

static void scale_failed(struct runner_result *r, unsigned n, const vc_err *err)
{
	size_t off = strlen(r->note);
	char msg[sizeof(err->msg) + 128];

	snprintf(r->note + off, sizeof(r->note) - off, "%sscale N=%u failed: %s", off ? "; " : "",
	         n, vc_error_str(err, msg, sizeof(msg)));
}

static void scale_batch(const struct run_opts *o, const struct bench_env *env,
                        const struct runner_def *def, struct runner_result *r, unsigned n)
{
	struct scale_watch w = {mem_available_kib(), 0};
	struct wait_opts wo = {o->timeout_s, 0, env->cgroup, note_available, &w};
	struct instance *in = calloc(n, sizeof(*in));
	struct launch *l = calloc(n, sizeof(*l));
	struct scale_point *p = &r->scale[r->nscale++];
	size_t started = 0;
	vc_err err = {0};
	int rc = 0;

	p->n = n;
	w.avail_min = w.avail_before;
	if (!in || !l) {
		rc = vc_error(&err, ENOMEM, "scale");
		goto out;
	}
	for (; started < n && rc == 0; started++) {
		if (make_launch(def, env, 100000 + (unsigned)started, &l[started], &err) < 0 ||
		    instance_start(&in[started], &l[started], &err) < 0)
			rc = -1;
		else
			instances_poll_now(in, started + 1, &wo);
	}
	if (rc < 0) {
		started--; /* the one that failed cleaned up after itself */
		goto out;
	}
	rc = instances_wait(in, n, &wo, &err);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = instance_check(&in[i], &err);
	for (size_t i = 0; i < n && rc == 0; i++) {
		push_if(&p->startup_ms, instance_startup_ms(&in[i]));
		push_if(&p->mem_kib, in[i].at_ready.mem_kib);
	}
	if (rc == 0 && w.avail_before >= 0)
		push_if(&p->host_kib, (double)(w.avail_before - w.avail_min) / n);
out:
	for (size_t i = 0; i < started; i++) {
		instance_kill(&in[i]);
		if (l[i].timings[0])
			unlink(l[i].timings);
	}
	if (rc < 0)
		scale_failed(r, n, &err);
	free(in);
	free(l);
}

static void run_scale(const struct run_opts *o, const struct bench_env *env,
                      struct bench_result *res)
{
	for (size_t s = 0; s < o->nscale && !spawn_stop_signal(); s++)
		for (size_t i = 0; i < res->nrunners && !spawn_stop_signal(); i++) {
			struct runner_result *r = &res->runner[i];
			char what[64];

			if (r->state != RUNNER_OK || r->nscale >= BENCH_MAX_SCALE)
				continue;
			snprintf(what, sizeof(what), "%s x%u", r->name, o->scale[s]);
			progress(o, o->warmup + o->runs - 1, what);
			scale_batch(o, env, o->defs[i], r, o->scale[s]);
		}
}

/* The container runners share one bundle: record its config.json. crun
 * cannot run on a hybrid cgroup host; then the whole bench moves into a
 * private mount namespace without the unified mount first, so that all
 * three runners see the same v1 layout and none pays for that step. */
static int containers_setup(const struct run_opts *o, struct bench_env *env,
                            struct bench_result *res, vc_err *err)
{
	bool any = false, crun = false;
	vc_err why;
	char msg[128];
	json_t *cfg;
	char *text;

	for (size_t i = 0; i < o->ndefs; i++) {
		any |=
		    !strcmp(o->defs[i]->kind, "container") || !strcmp(o->defs[i]->kind, "engine");
		/* podman's default runtime is crun */
		crun |= !strcmp(o->defs[i]->name, "crun") ||
		        (env->engines && !strcmp(o->defs[i]->name, "podman"));
	}
	if (!any)
		return 0;
	cfg = bundle_config(env);
	text = cfg ? json_dumps(cfg, JSON_COMPACT) : NULL;
	if (!text) {
		json_decref(cfg);
		return vc_error(err, ENOMEM, "building the bundle's config.json");
	}
	snprintf(res->oci_config, sizeof(res->oci_config), "%s", text);
	bundle_describe(cfg, res->oci_summary, sizeof(res->oci_summary));
	free(text);
	json_decref(cfg);
	if (crun && env->cgroup == CG_MODE_HYBRID && spawn_private_v1_view(&why) < 0) {
		/* not root: every runner sees the host, and crun's runs fail
		 * with their own error */
		snprintf(res->oci_cgroups, sizeof(res->oci_cgroups),
		         "the host's (hybrid): no private mount namespace for crun (%s)",
		         vc_error_str(&why, msg, sizeof(msg)));
	} else if (crun && env->cgroup == CG_MODE_HYBRID) {
		env->v1_view = true;
		snprintf(res->oci_cgroups, sizeof(res->oci_cgroups),
		         "v1 view of a hybrid host: the bench ran in a private mount namespace "
		         "without /sys/fs/cgroup/unified (crun needs it), for all runners alike");
	} else {
		snprintf(res->oci_cgroups, sizeof(res->oci_cgroups), "the host's (%s)",
		         cgroup_mode_name(env->cgroup));
	}
	return 0;
}

static bool wants_kind(const struct run_opts *o, const char *kind)
{
	for (size_t i = 0; i < o->ndefs; i++)
		if (!strcmp(o->defs[i]->kind, kind))
			return true;
	return false;
}

/* --image: the rootfs mounted, the bundle's config.json written, the
 * engines loaded, the initramfs made; and what the report says of it. */
static int image_setup(const struct run_opts *o, struct bench_env *env, struct bench_result *res,
                       vc_err *err)
{
	struct bench_image *im = env->img;
	size_t off = 0;

	snprintf(res->image_ref, sizeof(res->image_ref), "%s", im->ref);
	snprintf(res->image_id, sizeof(res->image_id), "%s", im->id);
	for (size_t i = 0; i < im->argc && off < sizeof(res->image_cmd); i++)
		off += (size_t)snprintf(res->image_cmd + off, sizeof(res->image_cmd) - off, "%s%s",
		                        i ? " " : "", im->argv[i]);
	snprintf(res->ready_line, sizeof(res->ready_line), "%s", o->ready_line);
	snprintf(res->done_line, sizeof(res->done_line), "%s", o->have_done ? o->done_line : "");
	snprintf(res->workload, sizeof(res->workload), "image %.100s: %.140s", im->ref,
	         res->image_cmd);
	if (image_mount(im, o->build, env->workdir, err) < 0)
		return -1;
	if (containers_setup(o, env, res, err) < 0)
		return -1;
	if (wants_kind(o, "container") && bundle_prepare(env, err) < 0)
		return vc_error_wrap(err, "writing the image's bundle");
	if (wants_kind(o, "vm"))
		image_vm_prepare(im, o->build);
	/* Without --mem, what `vmm run --image` would give the image. */
	if (!o->mem_given && im->initramfs_unpacked) {
		env->guest_mem =
		    vc_guest_ram_for_image(im->initramfs_bytes, im->initramfs_unpacked);
		res->guest_mem_mib = env->guest_mem >> 20;
	}
	if (wants_kind(o, "engine"))
		engines_setup(env, o->progress);
	return 0;
}

int bench_run(const struct run_opts *o, struct bench_result *res, vc_err *err)
{
	struct bench_env env;
	char words[256];
	int rc = -1;

	memset(res, 0, sizeof(*res));
	if (env_setup(o, &env, words, sizeof(words), err) < 0)
		goto out;
	host_collect(&res->host, o->build[0] ? o->build : ".", env.cgroup);
	res->runs = o->runs;
	res->warmup = o->warmup;
	snprintf(res->workload, sizeof(res->workload), "%s", o->workload);
	res->guest_mem_mib = o->guest_mem >> 20;
	res->nscale = o->nscale;
	memcpy(res->scale, o->scale, sizeof(res->scale));
	if (env.img ? image_setup(o, &env, res, err) < 0 : containers_setup(o, &env, res, err) < 0)
		goto out;
	if (probe_all(o, &env, res, err) < 0)
		goto out;
	spawn_catch_signals();
	run_rounds(o, &env, res);
	run_scale(o, &env, res);
	if (o->progress)
		printf("\r\033[K");
	fflush(stdout);
	if (spawn_stop_signal())
		vc_error(err, 0, "interrupted by signal %d: nothing written, every instance killed",
		         spawn_stop_signal());
	else if (bench_result_finish(res) < 0)
		vc_error(err, ENOMEM, "computing statistics");
	else
		rc = 0;
out:
	if (env.img) {
		engines_teardown(&env);
		image_unmount(env.img);
		free(env.img);
	}
	return rc;
}
