/* What cgroup.c shares with its two backends (cgroup-v1.c, cgroup-v2.c).
 * Not for the rest of the runtime: use cgroup.h. */
#ifndef VC_CGROUP_INTERNAL_H
#define VC_CGROUP_INTERNAL_H

#include <limits.h>
#include <stdbool.h>

#include "cgroup.h"

/* Every directory one container may create: up to six v1 hierarchies,
 * each with the parents of its path and the container's own directory. */
#define CG_MAX_DIRS 64

struct cg_dir {
	char path[PATH_MAX];
	const char *controller; /* v1 hierarchy name, "" on v2 */
	bool parent;            /* the shared vclab/ directory, not ours alone */
	int join_fd;            /* its join_file, open for cgroup_enter_self, or -1 */
};

struct cgroup;

/* One backend: cgroup-v1.c (also used for hybrid) or cgroup-v2.c. */
struct cg_backend {
	const char *name;
	/* Make the directories and write the limits (cg->root and cg->id set). */
	int (*create)(struct cgroup *cg, const struct cg_limits *lim, vc_err *err);
	/* Write the limits that are set into an existing cgroup (update). */
	int (*update)(struct cgroup *cg, const struct cg_limits *lim, vc_err *err);
	/* Record the container directories an earlier process created. */
	int (*open)(struct cgroup *cg, vc_err *err);
	int (*add_pid)(struct cgroup *cg, pid_t pid, vc_err *err);
	/* Where a process moves itself by writing "0": v1 "tasks" (one
	 * thread, no global lock), v2 "cgroup.procs". */
	const char *join_file;
	int (*memory_peak)(struct cgroup *cg, uint64_t *bytes, vc_err *err);
	int (*oom_killed)(struct cgroup *cg, uint64_t *count, vc_err *err);
	/* Leave every directory that holds the container empty of processes. */
	int (*kill_all)(struct cgroup *cg, vc_err *err);
};

struct cgroup {
	const struct cg_backend *ops;
	enum cg_mode mode;
	char root[PATH_MAX];
	char id[128];
	char path[PATH_MAX];    /* linux.cgroupsPath, or "/vclab/<id>" */
	struct vc_timeline *tl; /* NULL: no tracing */
	int dirfd;              /* v2: the cgroup directory, else -1 */
	/* Directories this container created, in creation order; the first
	 * non-parent one is the main path. */
	struct cg_dir dirs[CG_MAX_DIRS];
	unsigned ndirs;
};

extern const struct cg_backend cg_backend_v1;
extern const struct cg_backend cg_backend_v2;

/* --- helpers shared by the backends (cgroup.c) --- */

/* mkdir path and record it in cg->dirs. A parent that already exists is
 * fine (and not recorded); a container directory that exists is an error. */
int cg_mkdir(struct cgroup *cg, const char *path, const char *controller, bool parent, vc_err *err);

/* Record an existing container directory (not a parent) in cg->dirs, if
 * path is a directory; a missing one is not an error. */
int cg_record_existing(struct cgroup *cg, const char *path, const char *controller, vc_err *err);

/* The container's directory in the hierarchy at hier (v1: ROOT/memory...,
 * v2: ROOT), controller "" on v2: hier + path, or for a relative path hier
 * + the caller's own cgroup (v2: its parent) + path. */
int cg_leaf(struct cgroup *cg, const char *hier, const char *controller, char *leaf, size_t len,
            vc_err *err);

/* Make every missing directory between hier and leaf (parents, recorded as
 * such when made here), calling each(cg, dir, parent_dir) after each one
 * (made or not) when not NULL, then leaf itself, which must be new. */
int cg_mkdir_chain(struct cgroup *cg, const char *hier, const char *leaf, const char *controller,
                   int (*each)(struct cgroup *cg, const char *dir, const char *parent, vc_err *err),
                   vc_err *err);

/* buf = dir/file, or an error when it does not fit in len. */
/* v1: the container's path inside its hierarchies ("/vclab/ID"), from its
 * first own directory; NULL when it has none. */
const char *cg_v1_rel(const struct cgroup *cg);

int cg_join(char *buf, size_t len, const char *dir, const char *file, vc_err *err);

/* Write value to dir/file as one write(2), as a traced step. */
int cg_write(struct cgroup *cg, const char *dir, const char *file, const char *value, vc_err *err);
int cg_writef(struct cgroup *cg, const char *dir, const char *file, vc_err *err, const char *fmt,
              ...) __attribute__((format(printf, 5, 6)));

/* Read a small control file into buf (NUL-terminated, trailing newline
 * removed). Returns the length or < 0. */
int cg_read(const char *dir, const char *file, char *buf, size_t len, vc_err *err);

/* The number after "key " on a line of a flat-keyed file such as
 * memory.events or cpu.stat. */
int cg_read_key(const char *dir, const char *file, const char *key, uint64_t *val, vc_err *err);

/* A file holding one number (memory.max_usage_in_bytes). */
int cg_read_u64(const char *dir, const char *file, uint64_t *val, vc_err *err);

bool cg_file_exists(const char *dir, const char *file);

/* SIGKILL every pid of dir/cgroup.procs until the file stays empty. */
int cg_kill_procs(const char *dir, vc_err *err);

/* The directory of cg created for controller (v1) or the cgroup (v2, ""). */
const char *cg_dir_of(const struct cgroup *cg, const char *controller);

/* Does the device cgroup apply (the quick form's default, or rules)? */
bool cg_limits_need_devices(const struct cg_limits *lim);

/* The rules the device cgroup enforces, in order: deny everything, then
 * lim->dev_rules, then cg_default_devices allowed. *n is the count;
 * returns a malloc'd array (NULL with *n = 0 on ENOMEM). */
struct cg_dev_rule *cg_dev_rules(const struct cg_limits *lim, unsigned *n);

/* v2: attach a BPF_PROG_TYPE_CGROUP_DEVICE program that answers as the
 * rules (cg_dev_rules) do to cg->dirfd (cgroup-devices.c). */
int cg_v2_attach_devices(struct cgroup *cg, const struct cg_limits *lim, vc_err *err);

/* OCI cpu.shares [2, 262144] to cgroup v2 cpu.weight [1, 10000]. */
uint64_t cg_shares_to_weight(uint64_t shares);

/* OCI blkio.weight [10, 1000] to cgroup v2 io.weight [1, 10000]. */
uint64_t cg_blkio_to_io_weight(uint64_t weight);

/* Limits that no kernel would take together (swap without memory...). */
int cg_limits_check(const struct cg_limits *lim, vc_err *err);

bool cg_limits_need_memory(const struct cg_limits *lim);
bool cg_limits_need_cpu(const struct cg_limits *lim);
bool cg_limits_need_cpuset(const struct cg_limits *lim);
bool cg_limits_need_io(const struct cg_limits *lim);

#endif
