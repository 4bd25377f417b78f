/* `container update` (see update.h): new resource limits for a created,
 * running or paused container, as `runc update` sets them. Docker's
 * `docker update` reaches it through containerd's shim as
 * `update --resources - ID`, the OCI linux.resources object on stdin. */
#include "update.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "error.h"
#include "lifecycle.h"
#include "parse.h"
#include "runtime.h"
#include "spec.h"
#include "statedir.h"

#define UPDATE_MAX_RESOURCES (1u << 20) /* bytes of --resources JSON */

static const char update_usage[] =
    "usage: container update [options] ID\n"
    "New resource limits for a created, running or paused container (its cgroup), as\n"
    "runc update sets them; docker update uses it. Only what is given changes; the\n"
    "options override the same fields of --resources.\n"
    "  -r, --resources FILE   an OCI linux.resources JSON object (\"-\": stdin)\n"
    "  --memory SIZE          memory limit (bytes, or with K, M, G)\n"
    "  --memory-swap SIZE     memory + swap limit (cgroup v2: with --memory)\n"
    "  --cpu-share N          CPU shares (v2: converted to cpu.weight)\n"
    "  --cpu-quota US         CPU time per period (-1: no limit)\n"
    "  --cpu-period US        the period of the quota\n"
    "  --cpuset-cpus LIST     CPUs allowed (e.g. 0-1)\n"
    "  --cpuset-mems LIST     memory nodes allowed\n"
    "  --pids-limit N         the most processes (0: leave it)\n"
    "  --blkio-weight N       block I/O weight, 10 to 1000\n"
    "Devices are not updated (as with runc). Exit 0, or 1 with one line.\n";

enum {
	OPT_MEMORY = 256,
	OPT_SWAP,
	OPT_SHARES,
	OPT_QUOTA,
	OPT_PERIOD,
	OPT_CPUS,
	OPT_MEMS,
	OPT_PIDS,
	OPT_WEIGHT,
	OPT_IGNORED,
};

/* The options' values, NULL when not given. */
struct update_cli {
	const char *resources, *memory, *swap, *shares, *quota, *period, *cpus, *mems, *pids,
	    *weight, *id;
};

static int read_all(const char *path, char **text, size_t *len, vc_err *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	size_t cap = 0, n = 0, got;
	char *buf = NULL;
	int rc = -1;

	if (!f)
		return vc_error(err, errno, "--resources %s", path);
	do {
		if (n == cap) {
			char *more;

			if (cap >= UPDATE_MAX_RESOURCES) {
				vc_error(err, 0, "--resources %s: more than %u bytes", path,
				         UPDATE_MAX_RESOURCES);
				goto out;
			}
			cap = cap ? cap * 2 : 4096;
			more = realloc(buf, cap);
			if (!more) {
				vc_error(err, ENOMEM, "--resources %s", path);
				goto out;
			}
			buf = more;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	if (ferror(f)) {
		vc_error(err, errno, "--resources %s: reading", path);
		goto out;
	}
	*text = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	if (f != stdin)
		fclose(f);
	return rc;
}

/* A signed count in [min, max] for opt. */
static int parse_ll(const char *s, long long min, long long max, const char *opt, long long *out,
                    vc_err *err)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (!*s || *end || errno || *out < min || *out > max)
		return vc_error(err, 0, "%s %s: not a number from %lld to %lld", opt, s, min, max);
	return 0;
}

static int parse_bytes(const char *s, const char *opt, int64_t *out, vc_err *err)
{
	uint64_t v;

	if (!strcmp(s, "-1")) {
		*out = -1;
		return 0;
	}
	if (vc_parse_size(s, (uint64_t)INT64_MAX, &v, opt, err) < 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int copy_list(char *dst, size_t len, const char *s, const char *opt, vc_err *err)
{
	if (!*s || strspn(s, "0123456789,-") != strlen(s) || strlen(s) >= len)
		return vc_error(err, 0, "%s %s: not a list of numbers and ranges like 0-2,4", opt,
		                s);
	snprintf(dst, len, "%s", s);
	return 0;
}

/* The options over the limits --resources gave (or none). */
static int apply_options(const struct update_cli *c, struct cg_limits *l, vc_err *err)
{
	long long x;

	if (c->memory && parse_bytes(c->memory, "--memory", &l->memory_max, err) < 0)
		return -1;
	if (c->swap && parse_bytes(c->swap, "--memory-swap", &l->memory_swap, err) < 0)
		return -1;
	if (c->shares) {
		if (parse_ll(c->shares, 2, 262144, "--cpu-share", &x, err) < 0)
			return -1;
		l->cpu_shares = (uint64_t)x;
	}
	if (c->quota) {
		if (parse_ll(c->quota, -1, INT64_MAX, "--cpu-quota", &x, err) < 0)
			return -1;
		l->cpu_quota_us = x;
	}
	if (c->period) {
		if (parse_ll(c->period, 1000, 1000000, "--cpu-period", &x, err) < 0)
			return -1;
		l->cpu_period_us = (uint64_t)x;
	}
	if (c->cpus &&
	    copy_list(l->cpuset_cpus, sizeof(l->cpuset_cpus), c->cpus, "--cpuset-cpus", err) < 0)
		return -1;
	if (c->mems &&
	    copy_list(l->cpuset_mems, sizeof(l->cpuset_mems), c->mems, "--cpuset-mems", err) < 0)
		return -1;
	if (c->pids) {
		if (parse_ll(c->pids, -1, INT64_MAX, "--pids-limit", &x, err) < 0)
			return -1;
		l->pids_max = x > 0 ? x : -1; /* 0 and -1: leave it, as runc */
	}
	if (c->weight) {
		if (parse_ll(c->weight, 10, 1000, "--blkio-weight", &x, err) < 0)
			return -1;
		l->blkio_weight = (uint16_t)x;
	}
	return 0;
}

static int parse_cli(int argc, char **argv, struct update_cli *c, vc_err *err, bool *help)
{
	static const struct option opts[] = {
	    {"resources", required_argument, NULL, 'r'},
	    {"memory", required_argument, NULL, OPT_MEMORY},
	    {"memory-swap", required_argument, NULL, OPT_SWAP},
	    {"cpu-share", required_argument, NULL, OPT_SHARES},
	    {"cpu-quota", required_argument, NULL, OPT_QUOTA},
	    {"cpu-period", required_argument, NULL, OPT_PERIOD},
	    {"cpuset-cpus", required_argument, NULL, OPT_CPUS},
	    {"cpuset-mems", required_argument, NULL, OPT_MEMS},
	    {"pids-limit", required_argument, NULL, OPT_PIDS},
	    {"blkio-weight", required_argument, NULL, OPT_WEIGHT},
	    /* runc's, which cgroups no longer have or we do not set: accepted,
	     * with a warning */
	    {"memory-reservation", required_argument, NULL, OPT_IGNORED},
	    {"kernel-memory", required_argument, NULL, OPT_IGNORED},
	    {"kernel-memory-tcp", required_argument, NULL, OPT_IGNORED},
	    {"cpu-rt-period", required_argument, NULL, OPT_IGNORED},
	    {"cpu-rt-runtime", required_argument, NULL, OPT_IGNORED},
	    {"l3-cache-schema", required_argument, NULL, OPT_IGNORED},
	    {"mem-bw-schema", required_argument, NULL, OPT_IGNORED},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char **slot[] = {
	    [OPT_MEMORY - OPT_MEMORY] = &c->memory, [OPT_SWAP - OPT_MEMORY] = &c->swap,
	    [OPT_SHARES - OPT_MEMORY] = &c->shares, [OPT_QUOTA - OPT_MEMORY] = &c->quota,
	    [OPT_PERIOD - OPT_MEMORY] = &c->period, [OPT_CPUS - OPT_MEMORY] = &c->cpus,
	    [OPT_MEMS - OPT_MEMORY] = &c->mems,     [OPT_PIDS - OPT_MEMORY] = &c->pids,
	    [OPT_WEIGHT - OPT_MEMORY] = &c->weight,
	};
	int o, idx = 0;

	memset(c, 0, sizeof(*c));
	*help = false;
	opterr = 0;
	optind = 1;
	while ((o = getopt_long(argc, argv, "+r:h", opts, &idx)) != -1) {
		if (o == 'h') {
			*help = true;
			return 0;
		} else if (o == 'r') {
			c->resources = optarg;
		} else if (o >= OPT_MEMORY && o <= OPT_WEIGHT) {
			*slot[o - OPT_MEMORY] = optarg;
		} else if (o == OPT_IGNORED) {
			rt_warn("update: --%s is not applied (no such limit here)", opts[idx].name);
		} else {
			return vc_error(err, 0,
			                "update: unknown or incomplete option '%s' (see container "
			                "update --help)",
			                argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return vc_error(err, 0,
		                "update: expected one container ID (see container update --help)");
	c->id = argv[optind];
	return 0;
}

int update_main(int argc, char **argv)
{
	struct update_cli c;
	struct ct_spec spec;
	struct cgroup *cg = NULL;
	vc_err err = {0};
	char *text = NULL;
	size_t len = 0;
	bool help;
	int rc = -1, made;

	spec_init(&spec);
	if (parse_cli(argc, argv, &c, &err, &help) < 0)
		goto out;
	if (help) {
		fputs(update_usage, stdout);
		rc = 0;
		goto out;
	}
	if (c.resources) {
		char what[64 + 16];

		snprintf(what, sizeof(what), "--resources %.64s", c.resources);
		if (read_all(c.resources, &text, &len, &err) < 0 ||
		    spec_parse_resources_text(&spec, text, len, what, &err) < 0)
			goto out;
		rt_warn_unknown(spec.n_unknown, spec.unknown, what);
		if (spec.limits.n_dev_rules)
			rt_warn("update: linux.resources.devices is not updated (as with runc)");
	}
	if (apply_options(&c, &spec.limits, &err) < 0 ||
	    lifecycle_check_live(c.id, "update", &err) < 0 ||
	    statedir_open_cgroup(c.id, &cg, &err) < 0)
		goto out;
	made = cgroup_update(cg, &spec.limits, &err);
	if (made < 0 || (made > 0 && statedir_resave_cgroup(c.id, cg, &err) < 0)) {
		vc_error_wrap(&err, "container %s: update", c.id);
		goto out;
	}
	rt_debug("update: %s: new limits written to %s", c.id, cgroup_path(cg));
	rc = 0;
out:
	cgroup_close(cg);
	free(text);
	spec_free(&spec);
	if (rc < 0)
		rt_report(&err);
	return rc < 0 ? 1 : 0;
}
