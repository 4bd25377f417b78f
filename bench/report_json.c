/* results/bench.json: everything measured, samples included, so another
 * tool (or `bench diff`) can recompute any figure. NaN is written as null. */
#include "report.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static json_t *num(double v)
{
	return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static json_t *samples_json(const struct series *s)
{
	json_t *a = json_array();

	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(a, num(s->v[i]));
	return a;
}

static json_t *stats_json(const struct stats *st, const struct series *s)
{
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:b, s:o}", "n",
	                 (json_int_t)st->n, "median", num(st->median), "p95", num(st->p95), "min",
	                 num(st->min), "max", num(st->max), "mean", num(st->mean), "stddev",
	                 num(st->stddev), "outliers", (json_int_t)st->outliers, "slow_first",
	                 st->slow_first, "samples", samples_json(s));
}

static json_t *host_json(const struct host_info *h)
{
	return json_pack("{s:s, s:I, s:s, s:b, s:s, s:s, s:s, s:{s:s, s:s, s:s}, s:s, s:s}", "cpu",
	                 h->cpu, "cores", (json_int_t)h->cores, "kernel", h->kernel, "kvm", h->kvm,
	                 "accel", h->accel, "kvm_detail", h->kvm_detail, "cgroup", h->cgroup,
	                 "peers", "runc", h->runc, "crun", h->crun, "qemu", h->qemu, "git", h->git,
	                 "date", h->date);
}

static json_t *image_json(const struct image *img)
{
	json_t *parts = json_array();

	for (size_t i = 0; i < img->nparts; i++)
		json_array_append_new(parts, json_pack("{s:s, s:I}", "name", img->part[i].name,
		                                       "bytes", (json_int_t)img->part[i].bytes));
	json_t *o = json_pack("{s:I, s:o}", "bytes", (json_int_t)img->bytes, "parts", parts);

	/* --image: unpacked (on disk, or in guest RAM for VMs) and the layers
	 * other stored images share; absent for the static workload */
	if (o && img->unpacked)
		json_object_set_new(o, "unpacked_bytes", json_integer((json_int_t)img->unpacked));
	if (o && img->unpacked)
		json_object_set_new(o, "shared_bytes", json_integer((json_int_t)img->shared));
	return o;
}

static json_t *runner_json(const struct runner_result *r)
{
	json_t *metrics = json_object(), *phases = json_array(), *scale = json_array(), *o;

	for (int m = 0; m < MET_COUNT; m++)
		json_object_set_new(metrics, metric_info[m].key,
		                    stats_json(&r->stats[m], &r->samples[m]));
	for (size_t i = 0; i < r->nphases; i++)
		json_array_append_new(phases,
		                      json_pack("{s:s, s:o}", "name", r->phase[i].name, "took_ms",
		                                stats_json(&r->phase[i].st, &r->phase[i].took_ms)));
	for (size_t i = 0; i < r->nscale; i++) {
		const struct scale_point *p = &r->scale[i];

		json_array_append_new(
		    scale, json_pack("{s:I, s:o, s:o, s:o}", "n", (json_int_t)p->n, "startup_ms",
		                     stats_json(&p->st_startup, &p->startup_ms), "mem_kib",
		                     stats_json(&p->st_mem, &p->mem_kib), "host_kib",
		                     stats_json(&p->st_host, &p->host_kib)));
	}
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:o, s:o, s:o, s:o, s:o, "
	              "s:o}",
	              "name", r->name, "kind", r->kind, "state", runner_state_name(r->state),
	              "reason", r->reason, "note", r->note, "command", r->command, "image",
	              image_json(&r->image), "runs_ok", (json_int_t)r->runs_ok, "metrics", metrics,
	              "overhead_ready_kib", num(r->overhead_ready_kib), "overhead_peak_kib",
	              num(r->overhead_peak_kib), "startup_ratio", num(r->startup_ratio), "phases",
	              phases, "scale", scale);
	/* How a VM ran: results of different kinds are never compared. */
	if (o && r->accel[0])
		json_object_set_new(o, "accel", json_string(r->accel));
	return o;
}

/* The one bundle every container runner ran: its config.json as an object
 * (a text that does not parse is kept as a string). */
static json_t *containers_json(const struct bench_result *res)
{
	json_t *cfg = json_loads(res->oci_config, 0, NULL);

	return json_pack("{s:s, s:s, s:o}", "summary", res->oci_summary, "cgroups",
	                 res->oci_cgroups, "config", cfg ? cfg : json_string(res->oci_config));
}

static json_t *result_json(const struct bench_result *res)
{
	json_t *o;
	json_t *runners = json_array(), *scale = json_array();

	for (size_t i = 0; i < res->nscale; i++)
		json_array_append_new(scale, json_integer(res->scale[i]));
	for (size_t i = 0; i < res->nrunners; i++)
		json_array_append_new(runners, runner_json(&res->runner[i]));
	o = json_pack("{s:s, s:o, s:{s:I, s:I, s:s, s:I, s:o}, s:o}", "schema", BENCH_SCHEMA,
	              "host", host_json(&res->host), "settings", "runs", (json_int_t)res->runs,
	              "warmup", (json_int_t)res->warmup, "workload", res->workload, "guest_mem_mib",
	              (json_int_t)res->guest_mem_mib, "scale", scale, "runners", runners);
	if (o && res->oci_config[0])
		json_object_set_new(o, "containers", containers_json(res));
	if (o && res->image_ref[0])
		json_object_set_new(json_object_get(o, "settings"), "image",
		                    json_pack("{s:s, s:s, s:s, s:s, s:s?}", "ref", res->image_ref,
		                              "id", res->image_id, "command", res->image_cmd,
		                              "ready_line", res->ready_line, "done_line",
		                              res->done_line[0] ? res->done_line : NULL));
	return o;
}

static void print_json(const struct bench_result *res, FILE *f)
{
	json_t *j = result_json(res);

	if (j)
		json_dumpf(j, f, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	fputc('\n', f);
	json_decref(j);
}

int report_json_write(const struct bench_result *res, const char *path, vc_err *err)
{
	return report_write_file(path, print_json, res, err);
}

/* --- reading ------------------------------------------------------------ */

static void get_str(json_t *o, const char *key, char *out, size_t len)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(out, len, "%s", s ? s : "");
}

static int read_samples(json_t *stats, struct series *s)
{
	json_t *a = json_object_get(stats, "samples"), *v;
	size_t i;

	json_array_foreach(a, i, v)
	{
		/* null stands for "not measured": no sample. */
		if (json_is_number(v) && series_push(s, json_number_value(v)) < 0)
			return -1;
	}
	return 0;
}

static void read_host(json_t *h, struct host_info *host)
{
	json_t *peers = json_object_get(h, "peers");

	get_str(h, "cpu", host->cpu, sizeof(host->cpu));
	host->cores = (unsigned)json_integer_value(json_object_get(h, "cores"));
	get_str(h, "kernel", host->kernel, sizeof(host->kernel));
	host->kvm = json_is_true(json_object_get(h, "kvm"));
	get_str(h, "accel", host->accel, sizeof(host->accel));
	get_str(h, "kvm_detail", host->kvm_detail, sizeof(host->kvm_detail));
	get_str(h, "cgroup", host->cgroup, sizeof(host->cgroup));
	get_str(peers, "runc", host->runc, sizeof(host->runc));
	get_str(peers, "crun", host->crun, sizeof(host->crun));
	get_str(peers, "qemu", host->qemu, sizeof(host->qemu));
	get_str(h, "git", host->git, sizeof(host->git));
	get_str(h, "date", host->date, sizeof(host->date));
}

static void read_containers(json_t *c, struct bench_result *res)
{
	json_t *cfg = json_object_get(c, "config");
	char *text = json_is_object(cfg) ? json_dumps(cfg, JSON_COMPACT) : NULL;

	if (!c)
		return;
	get_str(c, "summary", res->oci_summary, sizeof(res->oci_summary));
	get_str(c, "cgroups", res->oci_cgroups, sizeof(res->oci_cgroups));
	if (text)
		snprintf(res->oci_config, sizeof(res->oci_config), "%s", text);
	else
		get_str(c, "config", res->oci_config, sizeof(res->oci_config));
	free(text);
}

static void read_image(json_t *o, struct image *img)
{
	json_t *parts = json_object_get(o, "parts"), *p;
	size_t i;

	img->bytes = (uint64_t)json_integer_value(json_object_get(o, "bytes"));
	img->unpacked = (uint64_t)json_integer_value(json_object_get(o, "unpacked_bytes"));
	img->shared = (uint64_t)json_integer_value(json_object_get(o, "shared_bytes"));
	json_array_foreach(parts, i, p)
	{
		if (img->nparts >= BENCH_MAX_PARTS)
			break;
		get_str(p, "name", img->part[img->nparts].name, sizeof(img->part[0].name));
		img->part[img->nparts++].bytes =
		    (uint64_t)json_integer_value(json_object_get(p, "bytes"));
	}
}

static int read_phases_and_scale(json_t *o, struct runner_result *r)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(o, "phases"), i, v)
	{
		if (r->nphases >= BENCH_MAX_PHASES)
			break;
		get_str(v, "name", r->phase[r->nphases].name, sizeof(r->phase[0].name));
		if (read_samples(json_object_get(v, "took_ms"), &r->phase[r->nphases++].took_ms) <
		    0)
			return -1;
	}
	json_array_foreach(json_object_get(o, "scale"), i, v)
	{
		struct scale_point *p;

		if (r->nscale >= BENCH_MAX_SCALE)
			break;
		p = &r->scale[r->nscale++];
		p->n = (unsigned)json_integer_value(json_object_get(v, "n"));
		if (read_samples(json_object_get(v, "startup_ms"), &p->startup_ms) < 0 ||
		    read_samples(json_object_get(v, "mem_kib"), &p->mem_kib) < 0 ||
		    read_samples(json_object_get(v, "host_kib"), &p->host_kib) < 0)
			return -1;
	}
	return 0;
}

static int read_runner(json_t *o, struct runner_result *r, size_t idx, vc_err *err)
{
	json_t *metrics = json_object_get(o, "metrics");
	char state[32];

	get_str(o, "name", r->name, sizeof(r->name));
	get_str(o, "state", state, sizeof(state));
	if (!r->name[0] || runner_state_parse(state, &r->state) < 0 || !json_is_object(metrics))
		return vc_error(err, 0, "runners[%zu]: needs \"name\", \"state\" and \"metrics\"",
		                idx);
	get_str(o, "kind", r->kind, sizeof(r->kind));
	get_str(o, "accel", r->accel, sizeof(r->accel));
	get_str(o, "reason", r->reason, sizeof(r->reason));
	get_str(o, "note", r->note, sizeof(r->note));
	get_str(o, "command", r->command, sizeof(r->command));
	read_image(json_object_get(o, "image"), &r->image);
	r->runs_ok = (unsigned)json_integer_value(json_object_get(o, "runs_ok"));
	for (int m = 0; m < MET_COUNT; m++)
		if (read_samples(json_object_get(metrics, metric_info[m].key), &r->samples[m]) < 0)
			return vc_error(err, ENOMEM, "runners[%zu]", idx);
	if (read_phases_and_scale(o, r) < 0)
		return vc_error(err, ENOMEM, "runners[%zu]", idx);
	return 0;
}

static int read_result(json_t *root, struct bench_result *res, vc_err *err)
{
	json_t *settings = json_object_get(root, "settings"), *runners, *v;
	const char *schema = json_string_value(json_object_get(root, "schema"));
	size_t i;

	if (!schema || strcmp(schema, BENCH_SCHEMA))
		return vc_error(err, 0, "not a bench result (\"schema\" is not \"%s\")",
		                BENCH_SCHEMA);
	runners = json_object_get(root, "runners");
	if (!json_is_array(runners) || !json_is_object(settings))
		return vc_error(err, 0, "needs \"settings\" and a \"runners\" array");
	read_host(json_object_get(root, "host"), &res->host);
	res->runs = (unsigned)json_integer_value(json_object_get(settings, "runs"));
	res->warmup = (unsigned)json_integer_value(json_object_get(settings, "warmup"));
	get_str(settings, "workload", res->workload, sizeof(res->workload));
	v = json_object_get(settings, "image");
	if (json_is_object(v)) {
		get_str(v, "ref", res->image_ref, sizeof(res->image_ref));
		get_str(v, "id", res->image_id, sizeof(res->image_id));
		get_str(v, "command", res->image_cmd, sizeof(res->image_cmd));
		get_str(v, "ready_line", res->ready_line, sizeof(res->ready_line));
		get_str(v, "done_line", res->done_line, sizeof(res->done_line));
	}
	read_containers(json_object_get(root, "containers"), res);
	res->guest_mem_mib =
	    (uint64_t)json_integer_value(json_object_get(settings, "guest_mem_mib"));
	json_array_foreach(json_object_get(settings, "scale"), i, v)
	{
		if (res->nscale < BENCH_MAX_SCALE)
			res->scale[res->nscale++] = (unsigned)json_integer_value(v);
	}
	json_array_foreach(runners, i, v)
	{
		if (res->nrunners >= BENCH_MAX_RUNNERS)
			return vc_error(err, 0, "more than %d runners", BENCH_MAX_RUNNERS);
		if (read_runner(v, &res->runner[res->nrunners++], i, err) < 0)
			return -1;
		/* bench diff pairs runners by name: one name, one runner */
		for (size_t j = 0; j + 1 < res->nrunners; j++)
			if (!strcmp(res->runner[j].name, res->runner[res->nrunners - 1].name))
				return vc_error(err, 0,
				                "runners[%zu]: runner \"%s\" is also runners[%zu]",
				                i, res->runner[j].name, j);
	}
	if (bench_result_finish(res) < 0)
		return vc_error(err, ENOMEM, "computing statistics");
	return 0;
}

int report_json_read(const char *path, struct bench_result *res, vc_err *err)
{
	json_error_t jerr;
	json_t *root;
	FILE *f;
	int rc;

	memset(res, 0, sizeof(*res));
	f = fopen(path, "re");
	if (!f)
		return vc_error(err, errno, "%s", path);
	root = json_loadf(f, 0, &jerr);
	fclose(f);
	if (!root)
		return vc_error(err, 0, "%s: line %d: invalid JSON: %s", path, jerr.line,
		                jerr.text);
	rc = read_result(root, res, err);
	json_decref(root);
	if (rc < 0) {
		bench_result_free(res);
		memset(res, 0, sizeof(*res));
		return vc_error_wrap(err, "%s", path);
	}
	return 0;
}
