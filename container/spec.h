/* The one internal description of a container. Both the quick form
 * (`container run ROOTFS -- CMD`) and the bundle form (an OCI config.json)
 * are turned into a struct ct_spec; everything after parsing reads only
 * this struct.
 *
 * Strings are owned by the spec (an arena freed by spec_free), so the JSON
 * document or argv they came from may go away. */
#ifndef CT_SPEC_H
#define CT_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"

/* Namespace kinds, in the order they are joined (user first: the others
 * are owned by it). */
enum ct_ns_kind {
	CT_NS_USER,
	CT_NS_PID,
	CT_NS_NET,
	CT_NS_MOUNT,
	CT_NS_IPC,
	CT_NS_UTS,
	CT_NS_CGROUP,
	CT_NS_TIME,
	CT_NS_COUNT
};

struct ct_ns {
	bool enabled;     /* listed in linux.namespaces */
	const char *path; /* join this one instead of creating (NULL: create) */
};

struct ct_idmap {
	uint32_t container_id, host_id, size;
};

#define CT_MAX_IDMAPS 5 /* the kernel takes at most 5 lines before 4.15's 340 */

/* The five capability sets of process.capabilities. */
enum ct_capset {
	CT_CAP_BOUNDING,
	CT_CAP_EFFECTIVE,
	CT_CAP_INHERITABLE,
	CT_CAP_PERMITTED,
	CT_CAP_AMBIENT,
	CT_CAPSET_COUNT
};

struct ct_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

#define CT_MAX_RLIMITS 16

struct ct_mount {
	const char *destination; /* absolute path inside the container */
	const char *type;        /* "proc", "tmpfs", "bind", ... */
	const char *source;
	unsigned long flags;       /* MS_* applied when mounting */
	unsigned long propagation; /* MS_PRIVATE/MS_SLAVE/MS_SHARED (| MS_REC), 0: none */
	const char *data;          /* the options that are not flags, comma separated */
	/* MOUNT_ATTR_* set and cleared on the whole tree with mount_setattr
	 * (AT_RECURSIVE): "rro", "rnosuid", ... (mounts.c) */
	unsigned attr_set, attr_clr;
	bool tmpcopyup; /* copy the directory's content into the new tmpfs */
};

/* One entry of linux.devices: a node made in the container (mknod; a bind
 * mount of the host's node at the same path in a user namespace). */
struct ct_device {
	const char *path; /* absolute, inside the container */
	char type;        /* 'c', 'b', 'p' ('u' is read as 'c') */
	int64_t major, minor;
	unsigned mode; /* permission bits of fileMode, default 0666 */
	uid_t uid;
	gid_t gid;
};

#define CT_MAX_DEVICES 128

struct ct_seccomp_arg {
	unsigned index;
	uint64_t value, value_two;
	int op; /* enum scmp_compare */
};

struct ct_seccomp_rule {
	const char **names;
	size_t n_names;
	uint32_t action; /* SCMP_ACT_* (with the errno folded in) */
	struct ct_seccomp_arg args[6];
	unsigned n_args;
};

#define CT_MAX_SECCOMP_ARCHES 24

struct ct_seccomp {
	uint32_t default_action;
	struct ct_seccomp_rule *rules;
	size_t n_rules;
	/* architectures: SCMP_ARCH_* (libseccomp tokens) added to the filter
	 * besides the native one */
	uint32_t arches[CT_MAX_SECCOMP_ARCHES];
	size_t n_arches;
	size_t n_skipped; /* names unknown on this architecture, left out */
};

/* hooks.* of config.json, in the order the lifecycle runs them. */
enum ct_hook_kind {
	CT_HOOK_PRESTART,
	CT_HOOK_CREATE_RUNTIME,
	CT_HOOK_CREATE_CONTAINER,
	CT_HOOK_START_CONTAINER,
	CT_HOOK_POSTSTART,
	CT_HOOK_POSTSTOP,
	CT_HOOK_KINDS
};

struct ct_hook {
	const char *path;  /* absolute */
	const char **args; /* NULL terminated; NULL: just the path */
	const char **env;  /* NULL terminated; NULL: the runtime's environment */
	int timeout_s;     /* 0: none */
};

struct ct_spec {
	/* root */
	const char *root_path;  /* absolute */
	const char *root_given; /* quick form: ROOTFS as given, for errors */
	bool root_readonly;
	unsigned long rootfs_propagation; /* for "/" inside; default MS_REC|MS_PRIVATE */

	/* process */
	const char **args; /* NULL terminated */
	size_t n_args;
	const char **env; /* NULL terminated */
	size_t n_env;
	const char *cwd;
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool has_umask;
	unsigned umask; /* default 022 */
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	uint64_t caps[CT_CAPSET_COUNT]; /* bit n = capability n */
	struct ct_rlimit rlimits[CT_MAX_RLIMITS];
	size_t n_rlimits;

	const char *hostname;   /* NULL: leave as is */
	const char *domainname; /* NULL: leave as is */

	/* linux */
	struct ct_ns ns[CT_NS_COUNT];
	struct ct_idmap uid_maps[CT_MAX_IDMAPS], gid_maps[CT_MAX_IDMAPS];
	size_t n_uid_maps, n_gid_maps;
	bool loopback_up; /* bring lo up in a new network namespace */

	struct ct_mount *mounts;
	size_t n_mounts;
	const char **masked_paths;
	size_t n_masked_paths;
	const char **readonly_paths;
	size_t n_readonly_paths;

	const char **sysctl_keys, **sysctl_values; /* linux.sysctl, namespaced ones only */
	size_t n_sysctls;

	struct ct_device *devices; /* linux.devices */
	size_t n_devices;

	/* linux.cgroupsPath, checked by cgroup_check_path; NULL: vclab/<id> */
	const char *cgroups_path;

	struct cg_limits limits;
	struct ct_seccomp *seccomp; /* NULL: no filter */
	/* Keep the caller's session keyring (--no-new-keyring); by default the
	 * container process joins a new, empty one, as with runc. */
	bool no_new_keyring;
	/* process.terminal: the process gets a pty, whose master goes to the
	 * engine's --console-socket (console.h). */
	bool terminal;

	struct ct_hook *hooks[CT_HOOK_KINDS];
	size_t n_hooks[CT_HOOK_KINDS];
	/* The "hooks" object as given (compact JSON, NULL: none): `create`
	 * keeps it for `start` (poststart) and `delete` (poststop). */
	const char *hooks_json;
	const char *annotations_json; /* compact JSON object, NULL: none */
	const char *bundle;           /* absolute bundle directory (bundle form only) */

	/* arena: every allocation above, freed by spec_free */
	void **arena;
	size_t n_arena, cap_arena;

	/* fields of the JSON we do not know, for one warning */
	char unknown[256];
	unsigned n_unknown;
};

/* The default config.json that `container spec` writes and the quick form
 * starts from (the same isolation as `runc spec`, without a terminal). */
extern const char ct_default_config[];

void spec_init(struct ct_spec *spec);

/* An OCI linux.resources object alone (what `runc update --resources`
 * reads; what names it in errors) into spec->limits: only the fields
 * present are set. Unknown fields join spec->unknown. */
int spec_parse_resources_text(struct ct_spec *spec, const char *text, size_t len, const char *what,
                              vc_err *err);
void spec_free(struct ct_spec *spec);

/* Arena helpers: memory that lives as long as the spec. */
void *spec_alloc(struct ct_spec *spec, size_t size);
const char *spec_strdup(struct ct_spec *spec, const char *s);

/* Parse a config.json text. bundle_dir resolves a relative root.path (NULL:
 * the current directory). Errors name the JSON path of the bad value. */
int spec_parse_json(struct ct_spec *spec, const char *text, size_t len, const char *bundle_dir,
                    vc_err *err);

/* Read DIR/config.json (at most CT_MAX_CONFIG_BYTES) and parse it. */
#define CT_MAX_CONFIG_BYTES (4u << 20)
int spec_load_bundle(struct ct_spec *spec, const char *dir, vc_err *err);

/* `container exec --process FILE`: FILE holds an OCI "process" object; it
 * replaces the spec's process (args, env, cwd, user, capabilities, rlimits,
 * noNewPrivileges); the rest of the spec stays. */
int spec_load_process(struct ct_spec *spec, const char *path, vc_err *err);

/* Checks that need the whole spec (a user namespace needs maps, ...). */
int spec_validate(const struct ct_spec *spec, vc_err *err);

/* 1 to 64 bytes, no control characters; what names it in the error. */
int spec_check_hostname(const char *what, const char *name, vc_err *err);

/* "pid" -> CT_NS_PID, ...; -1 when unknown. */
int spec_ns_kind(const char *name);
const char *spec_ns_name(enum ct_ns_kind kind);
int spec_ns_clone_flag(enum ct_ns_kind kind);

/* Mount options: sets *flags / *propagation for a flag word and returns 1,
 * or returns 0 for a word that belongs in the data string. (The kernel's
 * tables are in mounts.c; mounts_option also knows rro, tmpcopyup, ...) */
int spec_mount_option(const char *opt, unsigned long *flags, unsigned long *propagation);

/* "prestart" ... "poststop" */
const char *spec_hook_name(enum ct_hook_kind kind);

/* Parse a "hooks" object alone (what `create` kept as hooks_json). */
int spec_parse_hooks_text(struct ct_spec *spec, const char *text, vc_err *err);

/* Append an environment entry, replacing one with the same name. */
int spec_setenv(struct ct_spec *spec, const char *kv, vc_err *err);
const char *spec_getenv(const struct ct_spec *spec, const char *name);

/* Add a mount at the end of the list. */
int spec_add_mount(struct ct_spec *spec, const struct ct_mount *m, vc_err *err);

#endif
