/* config.json -> struct ct_spec (OCI runtime-spec 1.0.x).
 *
 * Every getter takes the JSON path of the value it reads, so an error says
 * exactly where the problem is: "process.args[2]: expected string". Fields
 * we do not know are collected and reported in one warning by the caller. */
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "debug.h"
#include "mounts.h"
#include "seccomp.h"

#define PATH_LEN 160

/* ---- arena -------------------------------------------------------------- */

void spec_init(struct ct_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->cwd = "/";
	spec->rootfs_propagation = MS_REC | MS_PRIVATE;
	cg_limits_init(&spec->limits);
}

void spec_free(struct ct_spec *spec)
{
	for (size_t i = 0; i < spec->n_arena; i++)
		free(spec->arena[i]);
	free(spec->arena);
	spec->arena = NULL;
	spec->n_arena = spec->cap_arena = 0;
}

void *spec_alloc(struct ct_spec *spec, size_t size)
{
	void *p;

	if (spec->n_arena == spec->cap_arena) {
		size_t cap = spec->cap_arena ? spec->cap_arena * 2 : 64;
		void **a = realloc(spec->arena, cap * sizeof(*a));

		if (!a)
			return NULL;
		spec->arena = a;
		spec->cap_arena = cap;
	}
	p = calloc(1, size ? size : 1);
	if (p)
		spec->arena[spec->n_arena++] = p;
	return p;
}

const char *spec_strdup(struct ct_spec *spec, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = spec_alloc(spec, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

static int oom(vc_err *err)
{
	return vc_error(err, ENOMEM, "out of memory while reading the spec");
}

/* ---- typed getters, each naming its JSON path ---------------------------- */

/* A path too long for the buffer is cut; it still names the place. */
static void child_path(char *out, const char *path, const char *key)
{
	if (snprintf(out, PATH_LEN, "%s%s%s", path, *path ? "." : "", key) >= PATH_LEN)
		out[PATH_LEN - 1] = '\0';
}

static void index_path(char *out, const char *path, size_t i)
{
	if (snprintf(out, PATH_LEN, "%s[%zu]", path, i) >= PATH_LEN)
		out[PATH_LEN - 1] = '\0';
}

static void note_unknown(struct ct_spec *spec, const char *path)
{
	size_t len = strlen(spec->unknown);

	if (spec->n_unknown++ < 6)
		snprintf(spec->unknown + len, sizeof(spec->unknown) - len, "%s%s", len ? ", " : "",
		         path);
}

/* Remember every key of obj that is not in known[] (NULL terminated). */
static void check_keys(struct ct_spec *spec, json_t *obj, const char *path,
                       const char *const known[])
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		size_t i;
		char p[PATH_LEN];

		for (i = 0; known[i] && strcmp(known[i], key); i++)
			;
		if (!known[i]) {
			child_path(p, path, key);
			note_unknown(spec, p);
		}
	}
}

static int type_error(vc_err *err, const char *path, const char *want)
{
	return vc_error(err, 0, "%s: expected %s", path, want);
}

/* Object member that must be an object/array/... when present. */
static int get_member(json_t *obj, const char *key, json_type type, const char *what,
                      const char *path, json_t **out, vc_err *err)
{
	char p[PATH_LEN];
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (json_typeof(v) != type && !(type == JSON_TRUE && json_is_boolean(v))) {
		child_path(p, path, key);
		return type_error(err, p, what);
	}
	*out = v;
	return 0;
}

static int get_string(struct ct_spec *spec, json_t *obj, const char *key, const char *path,
                      bool required, const char **out, vc_err *err)
{
	char p[PATH_LEN];
	json_t *v;

	if (get_member(obj, key, JSON_STRING, "string", path, &v, err) < 0)
		return -1;
	if (!v) {
		child_path(p, path, key);
		return required ? vc_error(err, 0, "%s: missing (required)", p) : 0;
	}
	*out = spec_strdup(spec, json_string_value(v));
	return *out ? 0 : oom(err);
}

static int get_bool(json_t *obj, const char *key, const char *path, bool *out, vc_err *err)
{
	json_t *v;

	if (get_member(obj, key, JSON_TRUE, "true or false", path, &v, err) < 0)
		return -1;
	if (v)
		*out = json_is_true(v);
	return 0;
}

/* Integer in [min, max]; *present tells whether it was there. */
static int get_int(json_t *obj, const char *key, const char *path, long long min, long long max,
                   long long *out, bool *present, vc_err *err)
{
	char p[PATH_LEN];
	json_t *v;

	if (present)
		*present = false;
	if (get_member(obj, key, JSON_INTEGER, "integer", path, &v, err) < 0)
		return -1;
	if (!v)
		return 0;
	if (json_integer_value(v) < min || json_integer_value(v) > max) {
		child_path(p, path, key);
		return vc_error(err, 0, "%s: %lld is out of range [%lld, %lld]", p,
		                (long long)json_integer_value(v), min, max);
	}
	*out = json_integer_value(v);
	if (present)
		*present = true;
	return 0;
}

/* Array of strings -> NULL-terminated array in the arena. */
static int get_string_array(struct ct_spec *spec, json_t *obj, const char *key, const char *path,
                            const char ***out, size_t *n, vc_err *err)
{
	char p[PATH_LEN], ip[PATH_LEN];
	json_t *arr, *v;
	size_t i;
	const char **a;

	if (get_member(obj, key, JSON_ARRAY, "array of strings", path, &arr, err) < 0)
		return -1;
	if (!arr)
		return 0;
	child_path(p, path, key);
	a = spec_alloc(spec, (json_array_size(arr) + 1) * sizeof(*a));
	if (!a)
		return oom(err);
	json_array_foreach(arr, i, v)
	{
		if (!json_is_string(v)) {
			index_path(ip, p, i);
			return type_error(err, ip, "string");
		}
		a[i] = spec_strdup(spec, json_string_value(v));
		if (!a[i])
			return oom(err);
	}
	*out = a;
	*n = json_array_size(arr);
	return 0;
}

/* ---- process ------------------------------------------------------------- */

static int parse_user(struct ct_spec *spec, json_t *proc, vc_err *err)
{
	static const char *const known[] = {"uid", "gid", "additionalGids", "umask", NULL};
	json_t *user, *gids, *v;
	long long x;
	size_t i;
	char p[PATH_LEN];

	if (get_member(proc, "user", JSON_OBJECT, "object", "process", &user, err) < 0)
		return -1;
	if (!user)
		return 0;
	check_keys(spec, user, "process.user", known);
	x = 0;
	if (get_int(user, "uid", "process.user", 0, UINT32_MAX - 1, &x, NULL, err) < 0)
		return -1;
	spec->uid = (uid_t)x;
	x = 0;
	if (get_int(user, "gid", "process.user", 0, UINT32_MAX - 1, &x, NULL, err) < 0)
		return -1;
	spec->gid = (gid_t)x;
	if (get_int(user, "umask", "process.user", 0, 0777, &x, &spec->has_umask, err) < 0)
		return -1;
	if (spec->has_umask)
		spec->umask = (unsigned)x;
	if (get_member(user, "additionalGids", JSON_ARRAY, "array of integers", "process.user",
	               &gids, err) < 0)
		return -1;
	if (!gids)
		return 0;
	spec->additional_gids = spec_alloc(spec, (json_array_size(gids) + 1) * sizeof(gid_t));
	if (!spec->additional_gids)
		return oom(err);
	json_array_foreach(gids, i, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) >= UINT32_MAX) {
			index_path(p, "process.user.additionalGids", i);
			return type_error(err, p, "group id (integer)");
		}
		spec->additional_gids[i] = (gid_t)json_integer_value(v);
	}
	spec->n_additional_gids = json_array_size(gids);
	return 0;
}

static int parse_caps(struct ct_spec *spec, json_t *proc, vc_err *err)
{
	static const char *const names[CT_CAPSET_COUNT] = {"bounding", "effective", "inheritable",
	                                                   "permitted", "ambient"};
	static const char *const known[] = {"bounding",  "effective", "inheritable",
	                                    "permitted", "ambient",   NULL};
	json_t *caps;

	if (get_member(proc, "capabilities", JSON_OBJECT, "object", "process", &caps, err) < 0)
		return -1;
	if (!caps)
		return 0;
	check_keys(spec, caps, "process.capabilities", known);
	for (int set = 0; set < CT_CAPSET_COUNT; set++) {
		const char **list = NULL;
		size_t n = 0;
		char p[PATH_LEN], ip[PATH_LEN];

		if (get_string_array(spec, caps, names[set], "process.capabilities", &list, &n,
		                     err) < 0)
			return -1;
		child_path(p, "process.capabilities", names[set]);
		for (size_t i = 0; i < n; i++) {
			int cap = caps_from_name(list[i]);

			if (cap < 0) {
				index_path(ip, p, i);
				return vc_error(err, 0, "%s: unknown capability \"%s\"", ip,
				                list[i]);
			}
			spec->caps[set] |= 1ull << cap;
		}
	}
	return 0;
}

static int rlimit_from_name(const char *name)
{
	static const struct {
		const char *name;
		int res;
	} map[] = {
	    {"RLIMIT_AS", RLIMIT_AS},
	    {"RLIMIT_CORE", RLIMIT_CORE},
	    {"RLIMIT_CPU", RLIMIT_CPU},
	    {"RLIMIT_DATA", RLIMIT_DATA},
	    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
	    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
	    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
	    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
	    {"RLIMIT_NICE", RLIMIT_NICE},
	    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
	    {"RLIMIT_NPROC", RLIMIT_NPROC},
	    {"RLIMIT_RSS", RLIMIT_RSS},
	    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
	    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
	    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
	    {"RLIMIT_STACK", RLIMIT_STACK},
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].name, name))
			return map[i].res;
	return -1;
}

static int parse_rlimits(struct ct_spec *spec, json_t *proc, vc_err *err)
{
	static const char *const known[] = {"type", "soft", "hard", NULL};
	json_t *arr, *v;
	size_t i;

	if (get_member(proc, "rlimits", JSON_ARRAY, "array", "process", &arr, err) < 0)
		return -1;
	if (!arr)
		return 0;
	json_array_foreach(arr, i, v)
	{
		char p[PATH_LEN];
		const char *type = NULL;
		long long soft = 0, hard = 0;
		struct ct_rlimit *rl;
		int res;

		index_path(p, "process.rlimits", i);
		if (!json_is_object(v))
			return type_error(err, p, "object");
		if (i >= CT_MAX_RLIMITS)
			return vc_error(err, 0, "%s: more than %d rlimits", p, CT_MAX_RLIMITS);
		check_keys(spec, v, p, known);
		if (get_string(spec, v, "type", p, true, &type, err) < 0)
			return -1;
		res = rlimit_from_name(type);
		if (res < 0)
			return vc_error(err, 0, "%s.type: unknown rlimit \"%s\"", p, type);
		if (get_int(v, "soft", p, 0, LLONG_MAX, &soft, NULL, err) < 0 ||
		    get_int(v, "hard", p, 0, LLONG_MAX, &hard, NULL, err) < 0)
			return -1;
		if (soft > hard)
			return vc_error(err, 0, "%s: soft limit %lld is above the hard limit %lld",
			                p, soft, hard);
		rl = &spec->rlimits[spec->n_rlimits++];
		rl->resource = res;
		rl->soft = (uint64_t)soft;
		rl->hard = (uint64_t)hard;
	}
	return 0;
}

static int parse_process(struct ct_spec *spec, json_t *root, vc_err *err)
{
	/* Only what this runtime applies; anything else is reported as ignored. */
	static const char *const known[] = {
	    "terminal",        "user",        "args", "env", "cwd", "capabilities", "rlimits",
	    "noNewPrivileges", "oomScoreAdj", NULL};
	json_t *proc;
	bool has;
	long long x = 0;

	if (get_member(root, "process", JSON_OBJECT, "object", "", &proc, err) < 0)
		return -1;
	if (!proc)
		return vc_error(err, 0, "process: missing (required)");
	check_keys(spec, proc, "process", known);
	/* true: a pty whose master goes to --console-socket (console.h) */
	if (get_bool(proc, "terminal", "process", &spec->terminal, err) < 0)
		return -1;
	if (get_string_array(spec, proc, "args", "process", &spec->args, &spec->n_args, err) < 0)
		return -1;
	if (!spec->args || !spec->n_args)
		return vc_error(err, 0, "process.args: missing or empty (required)");
	if (get_string_array(spec, proc, "env", "process", &spec->env, &spec->n_env, err) < 0)
		return -1;
	if (get_string(spec, proc, "cwd", "process", true, &spec->cwd, err) < 0)
		return -1;
	if (spec->cwd[0] != '/')
		return vc_error(err, 0, "process.cwd: \"%s\" is not an absolute path", spec->cwd);
	if (parse_user(spec, proc, err) < 0 || parse_caps(spec, proc, err) < 0 ||
	    parse_rlimits(spec, proc, err) < 0)
		return -1;
	if (get_bool(proc, "noNewPrivileges", "process", &spec->no_new_privileges, err) < 0)
		return -1;
	if (get_int(proc, "oomScoreAdj", "process", -1000, 1000, &x, &has, err) < 0)
		return -1;
	spec->has_oom_score_adj = has;
	spec->oom_score_adj = (int)x;
	return 0;
}

/* ---- root, mounts ------------------------------------------------------- */

static int parse_root(struct ct_spec *spec, json_t *root, const char *bundle_dir, vc_err *err)
{
	static const char *const known[] = {"path", "readonly", NULL};
	json_t *r;
	const char *path = NULL;
	char buf[PATH_MAX];

	if (get_member(root, "root", JSON_OBJECT, "object", "", &r, err) < 0)
		return -1;
	if (!r)
		return vc_error(err, 0, "root: missing (required)");
	check_keys(spec, r, "root", known);
	if (get_string(spec, r, "path", "root", true, &path, err) < 0 ||
	    get_bool(r, "readonly", "root", &spec->root_readonly, err) < 0)
		return -1;
	if (!*path)
		return vc_error(err, 0, "root.path: empty");
	if (path[0] != '/' && bundle_dir) {
		if ((size_t)snprintf(buf, sizeof(buf), "%s/%s", bundle_dir, path) >= sizeof(buf))
			return vc_error(err, 0, "root.path: too long");
		path = spec_strdup(spec, buf);
		if (!path)
			return oom(err);
	}
	spec->root_path = path;
	return 0;
}

int spec_add_mount(struct ct_spec *spec, const struct ct_mount *m, vc_err *err)
{
	struct ct_mount *a = spec_alloc(spec, (spec->n_mounts + 1) * sizeof(*a));

	if (!a)
		return oom(err);
	if (spec->n_mounts)
		memcpy(a, spec->mounts, spec->n_mounts * sizeof(*a));
	a[spec->n_mounts++] = *m;
	spec->mounts = a; /* the old array stays in the arena until spec_free */
	return 0;
}

static int parse_mount(struct ct_spec *spec, json_t *v, const char *p, struct ct_mount *m,
                       vc_err *err)
{
	static const char *const known[] = {"destination", "type", "source", "options", NULL};
	const char **opts = NULL;
	size_t n_opts = 0, len = 0;
	char data[512] = "";

	memset(m, 0, sizeof(*m));
	if (!json_is_object(v))
		return type_error(err, p, "object");
	check_keys(spec, v, p, known);
	if (get_string(spec, v, "destination", p, true, &m->destination, err) < 0 ||
	    get_string(spec, v, "type", p, false, &m->type, err) < 0 ||
	    get_string(spec, v, "source", p, false, &m->source, err) < 0 ||
	    get_string_array(spec, v, "options", p, &opts, &n_opts, err) < 0)
		return -1;
	if (m->destination[0] != '/')
		return vc_error(err, 0, "%s.destination: \"%s\" is not an absolute path", p,
		                m->destination);
	if (strstr(m->destination, ".."))
		return vc_error(err, 0, "%s.destination: \"%s\" must not contain \"..\"", p,
		                m->destination);
	for (size_t i = 0; i < n_opts; i++) {
		enum mount_opt_kind k = mounts_option(opts[i], m);
		char op[PATH_LEN + 40];

		if (k == MOUNT_OPT_APPLIED)
			continue;
		if (k == MOUNT_OPT_UNSUPPORTED) {
			/* one warning for all of them, with the unknown fields */
			snprintf(op, sizeof(op), "%.100s.options[%zu] \"%.60s\"", p, i, opts[i]);
			note_unknown(spec, op);
			continue;
		}
		len += (size_t)snprintf(data + len, len < sizeof(data) ? sizeof(data) - len : 0,
		                        "%s%s", len ? "," : "", opts[i]);
		if (len >= sizeof(data))
			return vc_error(err, 0, "%s.options: too long", p);
	}
	if (!m->type)
		m->type = (m->flags & MS_BIND) ? "bind" : "none";
	if (!strcmp(m->type, "bind") || !strcmp(m->type, "rbind"))
		m->flags |= MS_BIND;
	if (!strcmp(m->type, "rbind"))
		m->flags |= MS_REC;
	if (m->tmpcopyup && strcmp(m->type, "tmpfs"))
		return vc_error(err, 0, "%s.options: tmpcopyup is for a tmpfs, not type \"%s\"", p,
		                m->type);
	if ((m->flags & MS_BIND) && !m->source)
		return vc_error(err, 0, "%s.source: missing (a bind mount needs one)", p);
	if ((m->flags & MS_BIND) && len) {
		/* a bind mount has no file system options: the kernel ignores them */
		char op[PATH_LEN + 40];

		snprintf(op, sizeof(op), "%.100s.options \"%.60s\" (not for a bind mount)", p,
		         data);
		note_unknown(spec, op);
		len = 0;
	}
	m->data = len ? spec_strdup(spec, data) : NULL;
	if (len && !m->data)
		return oom(err);
	return 0;
}

static int parse_mounts(struct ct_spec *spec, json_t *root, vc_err *err)
{
	json_t *arr, *v;
	size_t i;

	if (get_member(root, "mounts", JSON_ARRAY, "array", "", &arr, err) < 0)
		return -1;
	if (!arr)
		return 0;
	spec->mounts = spec_alloc(spec, (json_array_size(arr) + 1) * sizeof(*spec->mounts));
	if (!spec->mounts)
		return oom(err);
	json_array_foreach(arr, i, v)
	{
		char p[PATH_LEN];

		index_path(p, "mounts", i);
		if (parse_mount(spec, v, p, &spec->mounts[i], err) < 0)
			return -1;
	}
	spec->n_mounts = json_array_size(arr);
	return 0;
}

/* ---- linux -------------------------------------------------------------- */

static const char *const ns_names[CT_NS_COUNT] = {
    [CT_NS_USER] = "user", [CT_NS_PID] = "pid", [CT_NS_NET] = "network",   [CT_NS_MOUNT] = "mount",
    [CT_NS_IPC] = "ipc",   [CT_NS_UTS] = "uts", [CT_NS_CGROUP] = "cgroup", [CT_NS_TIME] = "time",
};

int spec_ns_kind(const char *name)
{
	for (int i = 0; i < CT_NS_COUNT; i++)
		if (!strcmp(ns_names[i], name))
			return i;
	return -1;
}

const char *spec_ns_name(enum ct_ns_kind kind)
{
	return ns_names[kind];
}

int spec_ns_clone_flag(enum ct_ns_kind kind)
{
	static const int flags[CT_NS_COUNT] = {
	    [CT_NS_USER] = CLONE_NEWUSER,     [CT_NS_PID] = CLONE_NEWPID,
	    [CT_NS_NET] = CLONE_NEWNET,       [CT_NS_MOUNT] = CLONE_NEWNS,
	    [CT_NS_IPC] = CLONE_NEWIPC,       [CT_NS_UTS] = CLONE_NEWUTS,
	    [CT_NS_CGROUP] = CLONE_NEWCGROUP, [CT_NS_TIME] = 0x80 /* CLONE_NEWTIME */,
	};
	return flags[kind];
}

static int parse_namespaces(struct ct_spec *spec, json_t *linux_, vc_err *err)
{
	static const char *const known[] = {"type", "path", NULL};
	json_t *arr, *v;
	size_t i;

	if (get_member(linux_, "namespaces", JSON_ARRAY, "array", "linux", &arr, err) < 0)
		return -1;
	if (!arr)
		return 0;
	json_array_foreach(arr, i, v)
	{
		char p[PATH_LEN];
		const char *type = NULL, *path = NULL;
		int kind;

		index_path(p, "linux.namespaces", i);
		if (!json_is_object(v))
			return type_error(err, p, "object");
		check_keys(spec, v, p, known);
		if (get_string(spec, v, "type", p, true, &type, err) < 0 ||
		    get_string(spec, v, "path", p, false, &path, err) < 0)
			return -1;
		kind = spec_ns_kind(type);
		if (kind < 0)
			return vc_error(err, 0,
			                "%s.type: unknown namespace type \"%s\" (known: pid, "
			                "network, mount, ipc, uts, user, cgroup, time)",
			                p, type);
		if (spec->ns[kind].enabled)
			return vc_error(err, 0, "%s.type: namespace \"%s\" listed twice", p, type);
		spec->ns[kind].enabled = true;
		spec->ns[kind].path = path && *path ? path : NULL;
	}
	spec->loopback_up = spec->ns[CT_NS_NET].enabled && !spec->ns[CT_NS_NET].path;
	return 0;
}

static int parse_idmaps(struct ct_spec *spec, json_t *linux_, const char *key,
                        struct ct_idmap *maps, size_t *n, vc_err *err)
{
	static const char *const known[] = {"containerID", "hostID", "size", NULL};
	char base[PATH_LEN];
	json_t *arr, *v;
	size_t i;

	if (get_member(linux_, key, JSON_ARRAY, "array", "linux", &arr, err) < 0)
		return -1;
	if (!arr)
		return 0;
	child_path(base, "linux", key);
	json_array_foreach(arr, i, v)
	{
		char p[PATH_LEN];
		long long c = 0, h = 0, s = 0;
		bool hc, hh, hs;

		index_path(p, base, i);
		if (!json_is_object(v))
			return type_error(err, p, "object");
		if (i >= CT_MAX_IDMAPS)
			return vc_error(err, 0, "%s: more than %d ranges", p, CT_MAX_IDMAPS);
		check_keys(spec, v, p, known);
		if (get_int(v, "containerID", p, 0, UINT32_MAX - 1, &c, &hc, err) < 0 ||
		    get_int(v, "hostID", p, 0, UINT32_MAX - 1, &h, &hh, err) < 0 ||
		    get_int(v, "size", p, 1, UINT32_MAX, &s, &hs, err) < 0)
			return -1;
		if (!hc || !hh || !hs)
			return vc_error(err, 0, "%s: needs containerID, hostID and size", p);
		maps[i] = (struct ct_idmap){(uint32_t)c, (uint32_t)h, (uint32_t)s};
		*n = i + 1;
	}
	return 0;
}

/* A field we do not apply: fine when it says "nothing" (0, false, an empty
 * list or an empty string: what engines send for "not set"), otherwise it
 * goes into the warning of fields ignored. */
static int ignore_zero(struct ct_spec *spec, json_t *obj, const char *key, const char *path,
                       vc_err *err)
{
	json_t *v = json_object_get(obj, key);
	char p[PATH_LEN];

	(void)err;
	if (!v || json_is_null(v) || json_is_false(v) ||
	    (json_is_integer(v) && json_integer_value(v) == 0) ||
	    (json_is_array(v) && !json_array_size(v)) ||
	    (json_is_string(v) && !json_string_length(v)))
		return 0;
	child_path(p, path, key);
	note_unknown(spec, p);
	return 0;
}

/* "8:0" major:minor of a throttle entry. */
static int parse_throttles(struct ct_spec *spec, json_t *blkio, const char *key,
                           struct cg_throttle *out, unsigned *n, vc_err *err)
{
	static const char *const known[] = {"major", "minor", "rate", NULL};
	char base[PATH_LEN];
	json_t *arr, *v;
	size_t i;

	if (get_member(blkio, key, JSON_ARRAY, "array", "linux.resources.blockIO", &arr, err) < 0)
		return -1;
	if (!arr)
		return 0;
	child_path(base, "linux.resources.blockIO", key);
	json_array_foreach(arr, i, v)
	{
		char p[PATH_LEN];
		long long maj = 0, min = 0, rate = 0;
		bool h1, h2, h3;

		index_path(p, base, i);
		if (!json_is_object(v))
			return type_error(err, p, "object");
		if (i >= CG_MAX_THROTTLES)
			return vc_error(err, 0, "%s: more than %d devices", p, CG_MAX_THROTTLES);
		check_keys(spec, v, p, known);
		if (get_int(v, "major", p, 0, UINT32_MAX, &maj, &h1, err) < 0 ||
		    get_int(v, "minor", p, 0, UINT32_MAX, &min, &h2, err) < 0 ||
		    get_int(v, "rate", p, 0, LLONG_MAX, &rate, &h3, err) < 0)
			return -1;
		if (!h1 || !h2 || !h3)
			return vc_error(err, 0, "%s: needs major, minor and rate", p);
		out[i] = (struct cg_throttle){(unsigned)maj, (unsigned)min, (uint64_t)rate};
		*n = (unsigned)i + 1;
	}
	return 0;
}

/* linux.resources.devices: {allow, type, major, minor, access}. */
static int parse_device_rules(struct ct_spec *spec, json_t *arr, vc_err *err)
{
	static const char *const known[] = {"allow", "type", "major", "minor", "access", NULL};
	struct cg_limits *l = &spec->limits;
	struct cg_dev_rule *rules;
	json_t *v;
	size_t i;

	if (json_array_size(arr) > CG_MAX_DEV_RULES)
		return vc_error(err, 0, "linux.resources.devices: more than %d rules",
		                CG_MAX_DEV_RULES);
	/* room for linux.devices' own allow rules, added after */
	rules = spec_alloc(spec, (json_array_size(arr) + CT_MAX_DEVICES) * sizeof(*rules));
	if (!rules)
		return oom(err);
	json_array_foreach(arr, i, v)
	{
		char p[PATH_LEN];
		struct cg_dev_rule *r = &rules[i];
		const char *type = NULL, *access = NULL;
		long long maj = -1, min = -1;
		bool has_allow = json_is_boolean(json_object_get(v, "allow"));
		int acc;

		index_path(p, "linux.resources.devices", i);
		if (!json_is_object(v))
			return type_error(err, p, "object");
		check_keys(spec, v, p, known);
		if (get_bool(v, "allow", p, &r->allow, err) < 0 ||
		    get_string(spec, v, "type", p, false, &type, err) < 0 ||
		    get_int(v, "major", p, -1, UINT32_MAX, &maj, NULL, err) < 0 ||
		    get_int(v, "minor", p, -1, UINT32_MAX, &min, NULL, err) < 0 ||
		    get_string(spec, v, "access", p, false, &access, err) < 0)
			return -1;
		if (!has_allow)
			return vc_error(err, 0, "%s.allow: missing (required)", p);
		if (type && (strlen(type) != 1 || !strchr("abc", type[0])))
			return vc_error(err, 0, "%s.type: \"%s\" is not a, b or c", p, type);
		acc = access ? cg_dev_access(access) : CG_DEV_RWM;
		if (acc < 0)
			return vc_error(err, 0, "%s.access: \"%s\": expected letters r, w and m", p,
			                access);
		r->type = type ? type[0] : 'a';
		r->major = maj;
		r->minor = min;
		r->access = (unsigned)acc;
	}
	l->dev_rules = rules;
	l->n_dev_rules = (unsigned)json_array_size(arr);
	l->default_devices = true;
	return 0;
}

static int parse_resources(struct ct_spec *spec, json_t *linux_, vc_err *err)
{
	static const char *const known[] = {"devices", "memory", "cpu", "pids", "blockIO", NULL};
	static const char *const mem_known[] = {"limit",
	                                        "swap",
	                                        "reservation",
	                                        "kernel",
	                                        "kernelTCP",
	                                        "swappiness",
	                                        "disableOOMKiller",
	                                        "useHierarchy",
	                                        "checkBeforeUpdate",
	                                        NULL};
	static const char *const cpu_known[] = {"shares",         "quota", "period",
	                                        "cpus",           "mems",  "realtimeRuntime",
	                                        "realtimePeriod", "idle",  NULL};
	static const char *const blkio_known[] = {"weight",
	                                          "leafWeight",
	                                          "weightDevice",
	                                          "throttleReadBpsDevice",
	                                          "throttleWriteBpsDevice",
	                                          "throttleReadIOPSDevice",
	                                          "throttleWriteIOPSDevice",
	                                          NULL};
	struct cg_limits *l = &spec->limits;
	json_t *res, *mem, *cpu, *pids, *blkio, *devices;
	long long x;
	bool has;
	const char *s = NULL;

	if (get_member(linux_, "resources", JSON_OBJECT, "object", "linux", &res, err) < 0)
		return -1;
	if (!res)
		return 0;
	check_keys(spec, res, "linux.resources", known);
	/* The device cgroup: deny all, these rules, then the default list. */
	if (get_member(res, "devices", JSON_ARRAY, "array", "linux.resources", &devices, err) < 0 ||
	    (devices && parse_device_rules(spec, devices, err) < 0))
		return -1;

	if (get_member(res, "memory", JSON_OBJECT, "object", "linux.resources", &mem, err) < 0)
		return -1;
	if (mem) {
		check_keys(spec, mem, "linux.resources.memory", mem_known);
		/* 0 means not set, as with runc (Docker writes zeros) */
		if (get_int(mem, "limit", "linux.resources.memory", -1, LLONG_MAX, &x, &has, err) <
		    0)
			return -1;
		if (has && x)
			l->memory_max = x;
		if (get_int(mem, "swap", "linux.resources.memory", -1, LLONG_MAX, &x, &has, err) <
		    0)
			return -1;
		if (has && x)
			l->memory_swap = x;
		for (size_t i = 2; mem_known[i]; i++)
			if (ignore_zero(spec, mem, mem_known[i], "linux.resources.memory", err) < 0)
				return -1;
	}

	if (get_member(res, "cpu", JSON_OBJECT, "object", "linux.resources", &cpu, err) < 0)
		return -1;
	if (cpu) {
		check_keys(spec, cpu, "linux.resources.cpu", cpu_known);
		if (get_int(cpu, "shares", "linux.resources.cpu", 0, 262144, &x, &has, err) < 0)
			return -1;
		if (has)
			l->cpu_shares = (uint64_t)x;
		if (get_int(cpu, "quota", "linux.resources.cpu", -1, LLONG_MAX, &x, &has, err) < 0)
			return -1;
		if (has && x) /* 0: not set (runc) */
			l->cpu_quota_us = x;
		if (get_int(cpu, "period", "linux.resources.cpu", 0, 1000000, &x, &has, err) < 0)
			return -1;
		if (has)
			l->cpu_period_us = (uint64_t)x;
		if (get_string(spec, cpu, "cpus", "linux.resources.cpu", false, &s, err) < 0)
			return -1;
		if (s && snprintf(l->cpuset_cpus, sizeof(l->cpuset_cpus), "%s", s) >=
		             (int)sizeof(l->cpuset_cpus))
			return vc_error(err, 0, "linux.resources.cpu.cpus: too long");
		s = NULL;
		if (get_string(spec, cpu, "mems", "linux.resources.cpu", false, &s, err) < 0)
			return -1;
		if (s && snprintf(l->cpuset_mems, sizeof(l->cpuset_mems), "%s", s) >=
		             (int)sizeof(l->cpuset_mems))
			return vc_error(err, 0, "linux.resources.cpu.mems: too long");
		for (size_t i = 5; cpu_known[i]; i++)
			if (ignore_zero(spec, cpu, cpu_known[i], "linux.resources.cpu", err) < 0)
				return -1;
	}

	if (get_member(res, "pids", JSON_OBJECT, "object", "linux.resources", &pids, err) < 0)
		return -1;
	if (pids) {
		static const char *const pids_known[] = {"limit", NULL};

		check_keys(spec, pids, "linux.resources.pids", pids_known);
		if (get_int(pids, "limit", "linux.resources.pids", -1, LLONG_MAX, &x, &has, err) <
		    0)
			return -1;
		if (has && x > 0)
			l->pids_max = x;
	}

	if (get_member(res, "blockIO", JSON_OBJECT, "object", "linux.resources", &blkio, err) < 0)
		return -1;
	if (blkio) {
		check_keys(spec, blkio, "linux.resources.blockIO", blkio_known);
		/* 0 is what engines send for "not set" (runc and crun skip it) */
		if (get_int(blkio, "weight", "linux.resources.blockIO", 0, 1000, &x, &has, err) < 0)
			return -1;
		if (has && x > 0 && x < 10)
			return vc_error(err, 0,
			                "linux.resources.blockIO.weight: %lld is out of range [10, "
			                "1000] (0: not set)",
			                x);
		if (has && x)
			l->blkio_weight = (uint16_t)x;
		if (ignore_zero(spec, blkio, "leafWeight", "linux.resources.blockIO", err) < 0 ||
		    ignore_zero(spec, blkio, "weightDevice", "linux.resources.blockIO", err) < 0)
			return -1;
		if (parse_throttles(spec, blkio, "throttleReadBpsDevice", l->read_bps,
		                    &l->n_read_bps, err) < 0 ||
		    parse_throttles(spec, blkio, "throttleWriteBpsDevice", l->write_bps,
		                    &l->n_write_bps, err) < 0 ||
		    parse_throttles(spec, blkio, "throttleReadIOPSDevice", l->read_iops,
		                    &l->n_read_iops, err) < 0 ||
		    parse_throttles(spec, blkio, "throttleWriteIOPSDevice", l->write_iops,
		                    &l->n_write_iops, err) < 0)
			return -1;
	}
	return 0;
}

static int parse_seccomp_rule(struct ct_spec *spec, json_t *v, const char *p,
                              struct ct_seccomp_rule *rule, size_t *skipped, vc_err *err)
{
	static const char *const known[] = {"names", "action", "errnoRet", "args", "comment", NULL};
	static const char *const arg_known[] = {"index", "value", "valueTwo", "op", NULL};
	const char *action = NULL;
	long long errno_ret = EPERM, x;
	json_t *args, *a;
	size_t i, n;

	if (!json_is_object(v))
		return type_error(err, p, "object");
	check_keys(spec, v, p, known);
	if (get_string_array(spec, v, "names", p, &rule->names, &rule->n_names, err) < 0 ||
	    get_string(spec, v, "action", p, true, &action, err) < 0 ||
	    get_int(v, "errnoRet", p, 0, 4095, &errno_ret, NULL, err) < 0)
		return -1;
	if (!rule->n_names)
		return vc_error(err, 0, "%s.names: missing or empty", p);
	if (ct_seccomp_action(action, (int)errno_ret, &rule->action) < 0)
		return vc_error(err, 0, "%s.action: unknown action \"%s\"", p, action);
	/* Profiles list the calls of every architecture: a name libseccomp
	 * does not know is left out, as runc and crun do. (It knows many of
	 * other architectures, chown32 on x86-64: those stay, for the
	 * architectures the filter adds.) */
	for (i = 0, n = 0; i < rule->n_names; i++) {
		if (!rule->names[i][0])
			return vc_error(err, 0, "%s.names[%zu]: empty system call name", p, i);
		if (!ct_seccomp_syscall_known(rule->names[i])) {
			ct_debug("%s.names[%zu]: system call \"%s\" unknown to libseccomp here: "
			         "skipped",
			         p, i, rule->names[i]);
			(*skipped)++;
			continue;
		}
		rule->names[n++] = rule->names[i];
	}
	rule->names[n] = NULL;
	rule->n_names = n;
	if (get_member(v, "args", JSON_ARRAY, "array", p, &args, err) < 0)
		return -1;
	if (!args)
		return 0;
	json_array_foreach(args, i, a)
	{
		char ap[PATH_LEN];
		struct ct_seccomp_arg *arg = &rule->args[i];
		const char *op = NULL;
		bool has;

		if (snprintf(ap, sizeof(ap), "%s.args[%zu]", p, i) >= (int)sizeof(ap))
			ap[sizeof(ap) - 1] = '\0';
		if (!json_is_object(a))
			return type_error(err, ap, "object");
		if (i >= 6)
			return vc_error(err, 0, "%s: a system call has at most 6 arguments", ap);
		check_keys(spec, a, ap, arg_known);
		if (get_int(a, "index", ap, 0, 5, &x, &has, err) < 0)
			return -1;
		if (!has)
			return vc_error(err, 0, "%s.index: missing (required)", ap);
		arg->index = (unsigned)x;
		x = 0;
		if (get_int(a, "value", ap, 0, LLONG_MAX, &x, NULL, err) < 0)
			return -1;
		arg->value = (uint64_t)x;
		x = 0;
		if (get_int(a, "valueTwo", ap, 0, LLONG_MAX, &x, NULL, err) < 0)
			return -1;
		arg->value_two = (uint64_t)x;
		if (get_string(spec, a, "op", ap, true, &op, err) < 0)
			return -1;
		arg->op = ct_seccomp_op(op);
		if (arg->op < 0)
			return vc_error(err, 0, "%s.op: unknown operator \"%s\"", ap, op);
		rule->n_args = (unsigned)i + 1;
	}
	return 0;
}

static int parse_seccomp(struct ct_spec *spec, json_t *linux_, vc_err *err)
{
	static const char *const known[] = {"defaultAction", "defaultErrnoRet", "architectures",
	                                    "syscalls", NULL};
	struct ct_seccomp *sc;
	json_t *obj, *arr, *v;
	const char *def = NULL, **arches = NULL;
	long long def_errno = EPERM;
	size_t i, n_arches = 0;

	if (get_member(linux_, "seccomp", JSON_OBJECT, "object", "linux", &obj, err) < 0)
		return -1;
	if (!obj)
		return 0;
	check_keys(spec, obj, "linux.seccomp", known);
	sc = spec_alloc(spec, sizeof(*sc));
	if (!sc)
		return oom(err);
	if (get_string(spec, obj, "defaultAction", "linux.seccomp", true, &def, err) < 0 ||
	    get_int(obj, "defaultErrnoRet", "linux.seccomp", 0, 4095, &def_errno, NULL, err) < 0)
		return -1;
	if (ct_seccomp_action(def, (int)def_errno, &sc->default_action) < 0)
		return vc_error(err, 0, "linux.seccomp.defaultAction: unknown action \"%s\"", def);
	if (get_string_array(spec, obj, "architectures", "linux.seccomp", &arches, &n_arches, err) <
	    0)
		return -1;
	if (n_arches > CT_MAX_SECCOMP_ARCHES)
		return vc_error(err, 0, "linux.seccomp.architectures: more than %d",
		                CT_MAX_SECCOMP_ARCHES);
	for (i = 0; i < n_arches; i++)
		if (ct_seccomp_arch(arches[i], &sc->arches[sc->n_arches++]) < 0)
			return vc_error(err, 0,
			                "linux.seccomp.architectures[%zu]: unknown architecture "
			                "\"%s\" (expected SCMP_ARCH_X86_64, SCMP_ARCH_X86, ...)",
			                i, arches[i]);
	if (get_member(obj, "syscalls", JSON_ARRAY, "array", "linux.seccomp", &arr, err) < 0)
		return -1;
	if (arr) {
		sc->rules = spec_alloc(spec, (json_array_size(arr) + 1) * sizeof(*sc->rules));
		if (!sc->rules)
			return oom(err);
		json_array_foreach(arr, i, v)
		{
			char p[PATH_LEN];

			index_path(p, "linux.seccomp.syscalls", i);
			if (parse_seccomp_rule(spec, v, p, &sc->rules[i], &sc->n_skipped, err) < 0)
				return -1;
		}
		sc->n_rules = json_array_size(arr);
	}
	if (sc->n_skipped)
		ct_debug("linux.seccomp: %zu system call names unknown to libseccomp skipped",
		         sc->n_skipped);
	spec->seccomp = sc;
	return 0;
}

/* linux.sysctl: only the namespaced ones, and only with their namespace
 * (anything else would change the host). */
static int parse_sysctl(struct ct_spec *spec, json_t *linux_, vc_err *err)
{
	static const struct {
		const char *prefix;
		enum ct_ns_kind ns;
	} allowed[] = {
	    {"net.", CT_NS_NET},
	    {"kernel.shm", CT_NS_IPC},
	    {"kernel.msg", CT_NS_IPC},
	    {"kernel.sem", CT_NS_IPC},
	    {"fs.mqueue.", CT_NS_IPC},
	    {"kernel.hostname", CT_NS_UTS},
	    {"kernel.domainname", CT_NS_UTS},
	};
	json_t *obj, *v;
	const char *key;
	size_t n;

	if (get_member(linux_, "sysctl", JSON_OBJECT, "object", "linux", &obj, err) < 0)
		return -1;
	if (!obj || !(n = json_object_size(obj)))
		return 0;
	spec->sysctl_keys = spec_alloc(spec, (n + 1) * sizeof(char *));
	spec->sysctl_values = spec_alloc(spec, (n + 1) * sizeof(char *));
	if (!spec->sysctl_keys || !spec->sysctl_values)
		return oom(err);
	json_object_foreach(obj, key, v)
	{
		size_t i;

		if (!json_is_string(v))
			return vc_error(err, 0, "linux.sysctl.%s: expected string", key);
		for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
			if (!strncmp(key, allowed[i].prefix, strlen(allowed[i].prefix)))
				break;
		if (i == sizeof(allowed) / sizeof(allowed[0]) || strstr(key, "..") ||
		    strchr(key, '/'))
			return vc_error(err, 0,
			                "linux.sysctl.%s: not a namespaced sysctl (allowed: net.*, "
			                "kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*)",
			                key);
		if (!spec->ns[allowed[i].ns].enabled || spec->ns[allowed[i].ns].path)
			return vc_error(err, 0, "linux.sysctl.%s: needs a new \"%s\" namespace",
			                key, spec_ns_name(allowed[i].ns));
		spec->sysctl_keys[spec->n_sysctls] = spec_strdup(spec, key);
		spec->sysctl_values[spec->n_sysctls] = spec_strdup(spec, json_string_value(v));
		if (!spec->sysctl_keys[spec->n_sysctls] || !spec->sysctl_values[spec->n_sysctls])
			return oom(err);
		spec->n_sysctls++;
	}
	return 0;
}

/* Does path have a ".." component? */
static bool has_dotdot(const char *path)
{
	for (const char *c = path; (c = strstr(c, "..")); c += 2)
		if ((c == path || c[-1] == '/') && (c[2] == '\0' || c[2] == '/'))
			return true;
	return false;
}

/* linux.devices: {path, type, major, minor, fileMode, uid, gid}. With a
 * device cgroup (linux.resources.devices), each gets an allow rule, as
 * runc gives them. */
static int parse_devices(struct ct_spec *spec, json_t *linux_, vc_err *err)
{
	static const char *const known[] = {"path",     "type", "major", "minor",
	                                    "fileMode", "uid",  "gid",   NULL};
	json_t *arr, *v;
	size_t i;

	if (get_member(linux_, "devices", JSON_ARRAY, "array", "linux", &arr, err) < 0)
		return -1;
	if (!arr || !json_array_size(arr))
		return 0;
	if (json_array_size(arr) > CT_MAX_DEVICES)
		return vc_error(err, 0, "linux.devices: more than %d devices", CT_MAX_DEVICES);
	spec->devices = spec_alloc(spec, json_array_size(arr) * sizeof(*spec->devices));
	if (!spec->devices)
		return oom(err);
	json_array_foreach(arr, i, v)
	{
		char p[PATH_LEN];
		struct ct_device *d = &spec->devices[i];
		const char *type = NULL;
		long long maj = 0, min = 0, mode = 0666, uid = 0, gid = 0;
		bool has_maj, has_min;

		index_path(p, "linux.devices", i);
		if (!json_is_object(v))
			return type_error(err, p, "object");
		check_keys(spec, v, p, known);
		if (get_string(spec, v, "path", p, true, &d->path, err) < 0 ||
		    get_string(spec, v, "type", p, true, &type, err) < 0 ||
		    get_int(v, "major", p, 0, UINT32_MAX, &maj, &has_maj, err) < 0 ||
		    get_int(v, "minor", p, 0, UINT32_MAX, &min, &has_min, err) < 0 ||
		    get_int(v, "fileMode", p, 0, 07777, &mode, NULL, err) < 0 ||
		    get_int(v, "uid", p, 0, UINT32_MAX - 1, &uid, NULL, err) < 0 ||
		    get_int(v, "gid", p, 0, UINT32_MAX - 1, &gid, NULL, err) < 0)
			return -1;
		if (d->path[0] != '/' || has_dotdot(d->path))
			return vc_error(err, 0, "%s.path: \"%s\" must be absolute, without \"..\"",
			                p, d->path);
		if (strlen(type) != 1 || !strchr("cbup", type[0]))
			return vc_error(err, 0, "%s.type: \"%s\" is not c, b, u or p", p, type);
		d->type = type[0] == 'u' ? 'c' : type[0];
		if (d->type != 'p' && (!has_maj || !has_min))
			return vc_error(err, 0, "%s: a \"%s\" device needs major and minor", p,
			                type);
		d->major = maj;
		d->minor = min;
		d->mode = (unsigned)mode;
		d->uid = (uid_t)uid;
		d->gid = (gid_t)gid;
		if (spec->limits.default_devices && d->type != 'p')
			((struct cg_dev_rule *)spec->limits.dev_rules)[spec->limits.n_dev_rules++] =
			    (struct cg_dev_rule){true, d->type, maj, min, CG_DEV_RWM};
	}
	spec->n_devices = json_array_size(arr);
	return 0;
}

static int parse_linux(struct ct_spec *spec, json_t *root, vc_err *err)
{
	static const char *const known[] = {"namespaces",    "uidMappings", "gidMappings",
	                                    "resources",     "cgroupsPath", "maskedPaths",
	                                    "readonlyPaths", "seccomp",     "rootfsPropagation",
	                                    "sysctl",        "devices",     NULL};
	json_t *linux_;
	const char *prop = NULL, *cgpath = NULL;

	if (get_member(root, "linux", JSON_OBJECT, "object", "", &linux_, err) < 0)
		return -1;
	if (!linux_)
		return 0;
	check_keys(spec, linux_, "linux", known);
	if (parse_namespaces(spec, linux_, err) < 0 ||
	    parse_idmaps(spec, linux_, "uidMappings", spec->uid_maps, &spec->n_uid_maps, err) < 0 ||
	    parse_idmaps(spec, linux_, "gidMappings", spec->gid_maps, &spec->n_gid_maps, err) < 0 ||
	    parse_resources(spec, linux_, err) < 0 || parse_devices(spec, linux_, err) < 0 ||
	    parse_seccomp(spec, linux_, err) < 0 || parse_sysctl(spec, linux_, err) < 0)
		return -1;
	if (get_string_array(spec, linux_, "maskedPaths", "linux", &spec->masked_paths,
	                     &spec->n_masked_paths, err) < 0 ||
	    get_string_array(spec, linux_, "readonlyPaths", "linux", &spec->readonly_paths,
	                     &spec->n_readonly_paths, err) < 0)
		return -1;
	/* "" is unset, as for runc: vclab/<id> */
	if (get_string(spec, linux_, "cgroupsPath", "linux", false, &cgpath, err) < 0)
		return -1;
	if (cgpath && cgpath[0]) {
		if (cgroup_check_path(cgpath, err) < 0)
			return -1;
		spec->cgroups_path = cgpath;
	}
	if (get_string(spec, linux_, "rootfsPropagation", "linux", false, &prop, err) < 0)
		return -1;
	if (prop) {
		unsigned long flags = 0, p = 0;

		if (!spec_mount_option(prop, &flags, &p) || !p)
			return vc_error(
			    err, 0, "linux.rootfsPropagation: unknown propagation \"%s\"", prop);
		spec->rootfs_propagation = p;
	}
	return 0;
}

/* ---- hooks ---------------------------------------------------------------- */

/* NULL terminated: also the known keys of "hooks" */
static const char *const hook_names[CT_HOOK_KINDS + 1] = {
    [CT_HOOK_PRESTART] = "prestart",
    [CT_HOOK_CREATE_RUNTIME] = "createRuntime",
    [CT_HOOK_CREATE_CONTAINER] = "createContainer",
    [CT_HOOK_START_CONTAINER] = "startContainer",
    [CT_HOOK_POSTSTART] = "poststart",
    [CT_HOOK_POSTSTOP] = "poststop",
};

const char *spec_hook_name(enum ct_hook_kind kind)
{
	return hook_names[kind];
}

static int parse_hook(struct ct_spec *spec, json_t *v, const char *p, struct ct_hook *h,
                      vc_err *err)
{
	static const char *const known[] = {"path", "args", "env", "timeout", NULL};
	size_t n = 0;
	long long t = 0;
	bool has;

	if (!json_is_object(v))
		return type_error(err, p, "object");
	check_keys(spec, v, p, known);
	if (get_string(spec, v, "path", p, true, &h->path, err) < 0 ||
	    get_string_array(spec, v, "args", p, &h->args, &n, err) < 0 ||
	    get_string_array(spec, v, "env", p, &h->env, &n, err) < 0 ||
	    get_int(v, "timeout", p, LLONG_MIN, LLONG_MAX, &t, &has, err) < 0)
		return -1;
	if (h->path[0] != '/')
		return vc_error(err, 0, "%s.path: \"%s\" is not an absolute path", p, h->path);
	if (has && (t < 1 || t > INT_MAX))
		return vc_error(err, 0, "%s.timeout: %lld; a timeout is 1 or more seconds", p, t);
	h->timeout_s = (int)t;
	return 0;
}

static int parse_hooks(struct ct_spec *spec, json_t *hooks, vc_err *err)
{
	if (!json_is_object(hooks))
		return type_error(err, "hooks", "object");
	check_keys(spec, hooks, "hooks", hook_names);
	for (int k = 0; k < CT_HOOK_KINDS; k++) {
		char base[PATH_LEN];
		json_t *arr, *v;
		size_t i;

		child_path(base, "hooks", hook_names[k]);
		if (get_member(hooks, hook_names[k], JSON_ARRAY, "array", "hooks", &arr, err) < 0)
			return -1;
		if (!arr || !json_array_size(arr))
			continue;
		spec->hooks[k] = spec_alloc(spec, json_array_size(arr) * sizeof(struct ct_hook));
		if (!spec->hooks[k])
			return oom(err);
		json_array_foreach(arr, i, v)
		{
			char p[PATH_LEN];

			index_path(p, base, i);
			if (parse_hook(spec, v, p, &spec->hooks[k][i], err) < 0)
				return -1;
		}
		spec->n_hooks[k] = json_array_size(arr);
	}
	return 0;
}

/* A JSON value kept as compact text in the arena. */
static int keep_json(struct ct_spec *spec, json_t *v, const char **out, vc_err *err)
{
	char *text = json_dumps(v, JSON_COMPACT);

	if (!text)
		return oom(err);
	*out = spec_strdup(spec, text);
	free(text);
	return *out ? 0 : oom(err);
}

int spec_parse_hooks_text(struct ct_spec *spec, const char *text, vc_err *err)
{
	json_error_t jerr;
	json_t *hooks = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	int rc;

	if (!hooks)
		return vc_error(err, 0, "hooks: line %d column %d: %s", jerr.line, jerr.column,
		                jerr.text);
	rc = parse_hooks(spec, hooks, err);
	json_decref(hooks);
	return rc;
}

/* ---- the document ------------------------------------------------------- */

int spec_parse_json(struct ct_spec *spec, const char *text, size_t len, const char *bundle_dir,
                    vc_err *err)
{
	static const char *const known[] = {"ociVersion",  "process", "root",  "hostname",
	                                    "domainname",  "mounts",  "linux", "hooks",
	                                    "annotations", NULL};
	json_error_t jerr;
	json_t *root, *hooks, *annotations;
	const char *version = NULL;
	int rc = -1;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return vc_error(err, 0, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
	if (!json_is_object(root)) {
		type_error(err, "(top level)", "object");
		goto out;
	}
	check_keys(spec, root, "", known);
	if (get_string(spec, root, "ociVersion", "", true, &version, err) < 0)
		goto out;
	if (strncmp(version, "1.", 2)) {
		vc_error(err, 0, "ociVersion: \"%s\" is not a 1.x runtime-spec version", version);
		goto out;
	}
	hooks = json_object_get(root, "hooks");
	if (hooks && !json_is_null(hooks) &&
	    (parse_hooks(spec, hooks, err) < 0 ||
	     keep_json(spec, hooks, &spec->hooks_json, err) < 0))
		goto out;
	annotations = json_object_get(root, "annotations");
	if (annotations && !json_is_null(annotations) && !json_is_object(annotations)) {
		type_error(err, "annotations", "object");
		goto out;
	}
	if (json_is_object(annotations) &&
	    keep_json(spec, annotations, &spec->annotations_json, err) < 0)
		goto out;
	if (parse_process(spec, root, err) < 0 || parse_root(spec, root, bundle_dir, err) < 0 ||
	    get_string(spec, root, "hostname", "", false, &spec->hostname, err) < 0 ||
	    get_string(spec, root, "domainname", "", false, &spec->domainname, err) < 0 ||
	    parse_mounts(spec, root, err) < 0 || parse_linux(spec, root, err) < 0)
		goto out;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

/* Read the JSON file path (a regular file of at most CT_MAX_CONFIG_BYTES)
 * into *text (malloc'd, for the caller to free). */
static int read_json_file(const char *path, char **text, size_t *len, vc_err *err)
{
	struct stat st;
	ssize_t got = 0;
	int fd;

	*text = NULL;
	/* O_NONBLOCK: a FIFO must not make us wait for a writer; fstat below
	 * refuses it (reads of a regular file ignore the flag). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return vc_error(err, errno, "%s", path);
	if (fstat(fd, &st) < 0) {
		vc_error(err, errno, "%s", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		vc_error(err, 0, "%s: not a regular file", path);
		goto fail;
	}
	if (st.st_size > (off_t)CT_MAX_CONFIG_BYTES) {
		vc_error(err, 0, "%s: %lld bytes, more than the %u MiB a config.json may have",
		         path, (long long)st.st_size, CT_MAX_CONFIG_BYTES >> 20);
		goto fail;
	}
	*text = malloc((size_t)st.st_size + 1);
	if (!*text) {
		oom(err);
		goto fail;
	}
	while (got < st.st_size) {
		ssize_t n = read(fd, *text + got, (size_t)(st.st_size - got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			vc_error(err, n < 0 ? errno : 0, "%s: read failed", path);
			goto fail;
		}
		got += n;
	}
	close(fd);
	*len = (size_t)got;
	return 0;
fail:
	free(*text);
	*text = NULL;
	close(fd);
	return -1;
}

int spec_load_bundle(struct ct_spec *spec, const char *dir, vc_err *err)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t got = 0;
	int rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/config.json", dir) >= sizeof(path))
		return vc_error(err, 0, "%s: bundle path too long", dir);
	if (read_json_file(path, &text, &got, err) < 0)
		return -1;
	if (spec_parse_json(spec, text, (size_t)got, dir, err) < 0) {
		vc_error_wrap(err, "%s", path);
		goto out;
	}
	/* the state that hooks get names the bundle by its absolute path */
	spec->bundle = realpath(dir, path) ? spec_strdup(spec, path) : spec_strdup(spec, dir);
	if (!spec->bundle) {
		oom(err);
		goto out;
	}
	rc = 0;
out:
	free(text);
	return rc;
}

int spec_check_hostname(const char *what, const char *name, vc_err *err)
{
	size_t n = strlen(name);

	if (!n || n > 64)
		return vc_error(err, 0, "%s: %zu bytes; a hostname has 1 to 64", what, n);
	/* sethostname takes any bytes; no resolver takes these, and an error
	 * message showing them would not be one line */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return vc_error(
			    err, 0,
			    "%s: control character 0x%02x at byte %zu (a hostname takes "
			    "letters, digits, '-' and '.')",
			    what, (unsigned char)name[i], i);
	return 0;
}

int spec_validate(const struct ct_spec *spec, vc_err *err)
{
	bool userns = spec->ns[CT_NS_USER].enabled && !spec->ns[CT_NS_USER].path;

	if (!spec->n_args || !spec->args[0][0])
		return vc_error(err, 0, "process.args[0]: empty: no program to run");
	if (spec->hostname && spec_check_hostname("hostname", spec->hostname, err) < 0)
		return -1;

	if (userns && (!spec->n_uid_maps || !spec->n_gid_maps))
		return vc_error(err, 0,
		                "linux.uidMappings/gidMappings: a new user namespace needs both");
	if (!userns && (spec->n_uid_maps || spec->n_gid_maps))
		return vc_error(err, 0,
		                "linux.uidMappings: given without a new \"user\" namespace");
	/* a new or a joined one: never the caller's */
	if (spec->hostname && !spec->ns[CT_NS_UTS].enabled)
		return vc_error(err, 0, "hostname: needs a \"uts\" namespace (new or joined)");
	if (spec->domainname && !spec->ns[CT_NS_UTS].enabled)
		return vc_error(err, 0, "domainname: needs a \"uts\" namespace (new or joined)");
	return 0;
}

const char *spec_getenv(const struct ct_spec *spec, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < spec->n_env; i++)
		if (!strncmp(spec->env[i], name, n) && spec->env[i][n] == '=')
			return spec->env[i] + n + 1;
	return NULL;
}

int spec_setenv(struct ct_spec *spec, const char *kv, vc_err *err)
{
	const char *eq = strchr(kv, '=');
	const char **env;
	size_t n;

	if (!eq || eq == kv)
		return vc_error(err, 0, "--env \"%s\": expected NAME=VALUE", kv);
	n = (size_t)(eq - kv) + 1;
	for (size_t i = 0; i < spec->n_env; i++)
		if (!strncmp(spec->env[i], kv, n)) {
			spec->env[i] = spec_strdup(spec, kv);
			return spec->env[i] ? 0 : oom(err);
		}
	env = spec_alloc(spec, (spec->n_env + 2) * sizeof(*env));
	if (!env)
		return oom(err);
	if (spec->n_env)
		memcpy(env, spec->env, spec->n_env * sizeof(*env));
	env[spec->n_env] = spec_strdup(spec, kv);
	if (!env[spec->n_env])
		return oom(err);
	spec->env = env;
	spec->n_env++;
	return 0;
}

int spec_parse_resources_text(struct ct_spec *spec, const char *text, size_t len, const char *what,
                              vc_err *err)
{
	json_error_t jerr;
	json_t *res, *doc;
	int rc;

	res = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!res)
		return vc_error(err, 0, "%s: line %d column %d: %s", what, jerr.line, jerr.column,
		                jerr.text);
	if (!json_is_object(res)) {
		json_decref(res);
		return vc_error(err, 0, "%s: expected a JSON object (OCI linux.resources)", what);
	}
	doc = json_pack("{s:o}", "resources", res);
	if (!doc)
		return oom(err);
	rc = parse_resources(spec, doc, err);
	if (rc < 0)
		vc_error_wrap(err, "%s", what);
	json_decref(doc);
	return rc;
}

int spec_load_process(struct ct_spec *spec, const char *path, vc_err *err)
{
	json_error_t jerr;
	json_t *proc, *doc = NULL;
	char *text;
	size_t len;
	int rc = -1;

	if (read_json_file(path, &text, &len, err) < 0)
		return -1;
	proc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (!proc)
		return vc_error(err, 0, "%s: line %d column %d: %s", path, jerr.line, jerr.column,
		                jerr.text);
	if (!json_is_object(proc)) {
		vc_error(err, 0, "%s: expected a JSON object (an OCI \"process\")", path);
		goto out;
	}
	doc = json_pack("{s:O}", "process", proc);
	if (!doc) {
		oom(err);
		goto out;
	}
	/* the file's process replaces config.json's, defaults first */
	spec->args = spec->env = NULL;
	spec->n_args = spec->n_env = 0;
	spec->cwd = "/";
	spec->uid = 0;
	spec->gid = 0;
	spec->additional_gids = NULL;
	spec->n_additional_gids = 0;
	spec->has_umask = spec->no_new_privileges = spec->has_oom_score_adj = false;
	spec->terminal = false;
	memset(spec->caps, 0, sizeof(spec->caps));
	spec->n_rlimits = 0;
	spec->unknown[0] = '\0';
	spec->n_unknown = 0;
	rc = parse_process(spec, doc, err);
	if (rc < 0)
		vc_error_wrap(err, "%s", path);
out:
	json_decref(doc);
	json_decref(proc);
	return rc;
}
