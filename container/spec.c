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

int spec_mount_option(const char *opt, unsigned long *flags, unsigned long *propagation)
{
	static const struct {
		const char *name;
		unsigned long set, clear;
	} fl[] = {
	    {"ro", MS_RDONLY, 0},
	    {"rw", 0, MS_RDONLY},
	    {"nosuid", MS_NOSUID, 0},
	    {"suid", 0, MS_NOSUID},
	    {"nodev", MS_NODEV, 0},
	    {"dev", 0, MS_NODEV},
	    {"noexec", MS_NOEXEC, 0},
	    {"exec", 0, MS_NOEXEC},
	    {"sync", MS_SYNCHRONOUS, 0},
	    {"async", 0, MS_SYNCHRONOUS},
	    {"dirsync", MS_DIRSYNC, 0},
	    {"remount", MS_REMOUNT, 0},
	    {"mand", MS_MANDLOCK, 0},
	    {"nomand", 0, MS_MANDLOCK},
	    {"atime", 0, MS_NOATIME},
	    {"noatime", MS_NOATIME, 0},
	    {"diratime", 0, MS_NODIRATIME},
	    {"nodiratime", MS_NODIRATIME, 0},
	    {"relatime", MS_RELATIME, 0},
	    {"norelatime", 0, MS_RELATIME},
	    {"strictatime", MS_STRICTATIME, 0},
	    {"nostrictatime", 0, MS_STRICTATIME},
	    {"bind", MS_BIND, 0},
	    {"rbind", MS_BIND | MS_REC, 0},
	};
	static const struct {
		const char *name;
		unsigned long prop;
	} pr[] = {
	    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
	    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
	    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
	    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
	};

	for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
		if (!strcmp(opt, fl[i].name)) {
			*flags = (*flags & ~fl[i].clear) | fl[i].set;
			return 1;
		}
	for (size_t i = 0; i < sizeof(pr) / sizeof(pr[0]); i++)
		if (!strcmp(opt, pr[i].name)) {
			*propagation = pr[i].prop;
			return 1;
		}
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
		if (spec_mount_option(opts[i], &m->flags, &m->propagation))
			continue;
		len += (size_t)snprintf(data + len, len < sizeof(data) ? sizeof(data) - len : 0,
		                        "%s%s", len ? "," : "", opts[i]);
		if (len >= sizeof(data))
			return vc_error(err, 0, "%s.options: too long", p);
	}
	if (!m->type)
		m->type = (m->flags & MS_BIND) ? "bind" : "none";
	if (!strcmp(m->type, "bind"))
		m->flags |= MS_BIND;
	if ((m->flags & MS_BIND) && !m->source)
		return vc_error(err, 0, "%s.source: missing (a bind mount needs one)", p);
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

static int parse_resources(struct ct_spec *spec, json_t *linux_, vc_err *err)
{
	static const char *const known[] = {"devices", "memory", "cpu", "pids", "blockIO", NULL};
	static const char *const mem_known[] = {"limit", "swap", NULL};
	static const char *const cpu_known[] = {"shares", "quota", "period", "cpus", "mems", NULL};
	static const char *const blkio_known[] = {"weight",
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
	/* Device rules are checked for type only: the container's /dev holds
	 * just the minimal nodes and CAP_MKNOD is not in the default sets. */
	if (get_member(res, "devices", JSON_ARRAY, "array", "linux.resources", &devices, err) < 0)
		return -1;

	if (get_member(res, "memory", JSON_OBJECT, "object", "linux.resources", &mem, err) < 0)
		return -1;
	if (mem) {
		check_keys(spec, mem, "linux.resources.memory", mem_known);
		if (get_int(mem, "limit", "linux.resources.memory", -1, LLONG_MAX, &x, &has, err) <
		    0)
			return -1;
		if (has)
			l->memory_max = x;
		if (get_int(mem, "swap", "linux.resources.memory", -1, LLONG_MAX, &x, &has, err) <
		    0)
			return -1;
		if (has)
			l->memory_swap = x;
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
		if (has)
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
		if (get_int(blkio, "weight", "linux.resources.blockIO", 10, 1000, &x, &has, err) <
		    0)
			return -1;
		if (has)
			l->blkio_weight = (uint16_t)x;
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
                              struct ct_seccomp_rule *rule, vc_err *err)
{
	static const char *const known[] = {"names", "action", "errnoRet", "args", "comment", NULL};
	static const char *const arg_known[] = {"index", "value", "valueTwo", "op", NULL};
	const char *action = NULL;
	long long errno_ret = EPERM, x;
	json_t *args, *a;
	size_t i;

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
	for (i = 0; i < rule->n_names; i++)
		if (ct_seccomp_syscall_nr(rule->names[i]) < 0)
			return vc_error(err, 0, "%s.names[%zu]: unknown system call \"%s\"", p, i,
			                rule->names[i]);
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
	const char *def = NULL;
	long long def_errno = EPERM;
	size_t i;

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
			if (parse_seccomp_rule(spec, v, p, &sc->rules[i], err) < 0)
				return -1;
		}
		sc->n_rules = json_array_size(arr);
	}
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

static int parse_linux(struct ct_spec *spec, json_t *root, vc_err *err)
{
	static const char *const known[] = {"namespaces",    "uidMappings", "gidMappings",
	                                    "resources",     "cgroupsPath", "maskedPaths",
	                                    "readonlyPaths", "seccomp",     "rootfsPropagation",
	                                    "sysctl",        NULL};
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
	    parse_resources(spec, linux_, err) < 0 || parse_seccomp(spec, linux_, err) < 0 ||
	    parse_sysctl(spec, linux_, err) < 0)
		return -1;
	if (get_string_array(spec, linux_, "maskedPaths", "linux", &spec->masked_paths,
	                     &spec->n_masked_paths, err) < 0 ||
	    get_string_array(spec, linux_, "readonlyPaths", "linux", &spec->readonly_paths,
	                     &spec->n_readonly_paths, err) < 0)
		return -1;
	/* The cgroup is always vclab/<id>; cgroupsPath is read for its type only. */
	if (get_string(spec, linux_, "cgroupsPath", "linux", false, &cgpath, err) < 0)
		return -1;
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

/* ---- the document ------------------------------------------------------- */

int spec_parse_json(struct ct_spec *spec, const char *text, size_t len, const char *bundle_dir,
                    vc_err *err)
{
	static const char *const known[] = {"ociVersion",  "process", "root",  "hostname",
	                                    "domainname",  "mounts",  "linux", "hooks",
	                                    "annotations", NULL};
	json_error_t jerr;
	json_t *root;
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
	if (json_object_get(root, "hooks") && json_object_size(json_object_get(root, "hooks"))) {
		vc_error(err, 0, "hooks: not supported by this runtime");
		goto out;
	}
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

int spec_load_bundle(struct ct_spec *spec, const char *dir, vc_err *err)
{
	char path[PATH_MAX];
	struct stat st;
	char *text = NULL;
	ssize_t got = 0;
	int fd, rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/config.json", dir) >= sizeof(path))
		return vc_error(err, 0, "%s: bundle path too long", dir);
	/* O_NONBLOCK: a FIFO must not make us wait for a writer; fstat below
	 * refuses it (reads of a regular file ignore the flag). */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return vc_error(err, errno, "%s", path);
	if (fstat(fd, &st) < 0) {
		vc_error(err, errno, "%s", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		vc_error(err, 0, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > (off_t)CT_MAX_CONFIG_BYTES) {
		vc_error(err, 0, "%s: %lld bytes, more than the %u MiB a config.json may have",
		         path, (long long)st.st_size, CT_MAX_CONFIG_BYTES >> 20);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		oom(err);
		goto out;
	}
	while (got < st.st_size) {
		ssize_t n = read(fd, text + got, (size_t)(st.st_size - got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			vc_error(err, n < 0 ? errno : 0, "%s: read failed", path);
			goto out;
		}
		got += n;
	}
	if (spec_parse_json(spec, text, (size_t)got, dir, err) < 0) {
		vc_error_wrap(err, "%s", path);
		goto out;
	}
	rc = 0;
out:
	free(text);
	close(fd);
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
	if (spec->hostname && (!spec->ns[CT_NS_UTS].enabled || spec->ns[CT_NS_UTS].path))
		return vc_error(err, 0, "hostname: needs a new \"uts\" namespace");
	if (spec->domainname && (!spec->ns[CT_NS_UTS].enabled || spec->ns[CT_NS_UTS].path))
		return vc_error(err, 0, "domainname: needs a new \"uts\" namespace");
	if (!spec->ns[CT_NS_MOUNT].enabled)
		return vc_error(err, 0,
		                "linux.namespaces: a \"mount\" namespace is required "
		                "(the container gets its own root)");
	if (spec->ns[CT_NS_MOUNT].path)
		return vc_error(err, 0,
		                "linux.namespaces: joining a mount namespace is not "
		                "supported (the container gets its own root)");
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
