/* cgroups for the container runtime: one cgroup per container, named
 * vclab/<id> or what the bundle's linux.cgroupsPath says, holding the OCI
 * linux.resources limits.
 *
 * Three host layouts exist (common/cgmode.h):
 *   v2      /sys/fs/cgroup is one cgroup2 tree: one directory per container,
 *           controllers enabled through the parents' cgroup.subtree_control.
 *   v1      /sys/fs/cgroup is a tmpfs holding one mount per controller
 *           (memory/, cpu/, pids/ ...): one directory per controller.
 *   hybrid  v1 plus a cgroup2 tree at /sys/fs/cgroup/unified that owns no
 *           resource controllers: limits go to the v1 hierarchies.
 * The backends live in cgroup-v1.c and cgroup-v2.c behind a small vtable
 * (as crun does); this header is all the runtime needs. */
#ifndef VC_CGROUP_H
#define VC_CGROUP_H

#include <stdint.h>
#include <sys/types.h>

#include "cgmode.h"
#include "error.h"
#include "timeline.h"

/* One blkio/io throttle: device major:minor and a rate (bytes or ops/s). */
struct cg_throttle {
	unsigned major, minor;
	uint64_t rate;
};

#define CG_MAX_THROTTLES 8

/* OCI linux.resources, in the units of the runtime-spec. */
struct cg_limits {
	int64_t memory_max;                    /* bytes, -1 unset */
	int64_t memory_swap;                   /* memory+swap total, -1 unset */
	uint64_t cpu_shares;                   /* 0 unset (v2: converted to cpu.weight) */
	int64_t cpu_quota_us;                  /* -1 unset */
	uint64_t cpu_period_us;                /* 0 unset */
	char cpuset_cpus[64], cpuset_mems[64]; /* "" unset */
	int64_t pids_max;                      /* -1 unset; >= 0 written as is */
	uint16_t blkio_weight;                 /* 0 unset (v2: io.weight) */
	struct cg_throttle read_bps[CG_MAX_THROTTLES], write_bps[CG_MAX_THROTTLES];
	struct cg_throttle read_iops[CG_MAX_THROTTLES], write_iops[CG_MAX_THROTTLES];
	unsigned n_read_bps, n_write_bps, n_read_iops, n_write_iops;
	/* The device cgroup: every device denied, then dev_rules in order
	 * (the last rule that matches an access decides), then the
	 * cg_default_devices allowed (as runc appends its default list). */
	bool default_devices;
	const struct cg_dev_rule *dev_rules; /* linux.resources.devices (+ linux.devices) */
	unsigned n_dev_rules;
};

/* One allowed device: 'c' or 'b', major, minor (-1: any), "rwm". */
struct cg_device {
	char type;
	int major, minor;
};

/* Access bits of a device rule, as the kernel's BPF_DEVCG_ACC_*. */
enum { CG_DEV_MKNOD = 1, CG_DEV_READ = 2, CG_DEV_WRITE = 4, CG_DEV_RWM = 7 };

#define CG_MAX_DEV_RULES 256

/* One rule of linux.resources.devices: allow or deny, type 'a' (any), 'c'
 * or 'b', major and minor (-1: any), access CG_DEV_* bits. An allow rule
 * matches an access it covers entirely, a deny rule one it touches. */
struct cg_dev_rule {
	bool allow;
	char type;
	int64_t major, minor;
	unsigned access;
};

/* "rwm" -> CG_DEV_* bits; < 0 for another letter or an empty string. */
int cg_dev_access(const char *s);

/* The answer of the rules (plus the default list) for one access, as the
 * device cgroup gives it: true = allowed. For tests and --trace. */
bool cg_dev_allowed(const struct cg_limits *lim, char type, int64_t major, int64_t minor,
                    unsigned access);

/* runc's default allowlist (libcontainer's AllowedDevices) without its
 * "c *:* m" and "b *:* m": mknod of any other device is refused by the
 * device cgroup, not only by a missing CAP_MKNOD. */
extern const struct cg_device cg_default_devices[];
extern const unsigned cg_n_default_devices;

/* Everything unset. */
void cg_limits_init(struct cg_limits *l);

struct cgroup;

/* A linux.cgroupsPath: not empty, no control character, no "." or ".."
 * component (it could leave the hierarchy), not the root itself. */
int cgroup_check_path(const char *path, vc_err *err);

/* Create the container's cgroup and write every limit that is set. path
 * (NULL: "/vclab/<id>") is absolute, relative to each hierarchy's root, or
 * relative, under the caller's own cgroup (v1: in each hierarchy; v2: its
 * parent, as runc does, since a v2 cgroup holding processes cannot enable
 * controllers for its children). Missing parents are made (and stay, as
 * with runc, unless creating fails); the container's own directory must be
 * new: one that exists is refused, so that destroy never removes a cgroup
 * this runtime did not make. */
int cgroup_create_at(const char *root, const char *path, const char *id,
                     const struct cg_limits *lim, struct vc_timeline *tl, struct cgroup **out,
                     vc_err *err);

/* cgroup_create_at with the default path vclab/<id>. On v1 and hybrid the cgroup exists in the
 * memory, cpu and pids hierarchies (for accounting even without limits) and in cpuset and blkio
 * when a limit needs them; on v2 it is one directory, with the controllers
 * enabled in the parents' cgroup.subtree_control. Each mkdir and file write
 * is a traced step on tl (may be NULL; add_pid and destroy trace on it
 * too, so it must outlive cg). It also opens the files cgroup_enter_self
 * writes to. On failure everything created is removed and the error names
 * the file, the value and the kernel's reason:
 *   cgroup: writing '100 100000' to /sys/fs/cgroup/vclab/ID/cpu.max: Invalid argument */
int cgroup_create(const char *root, const char *id, const struct cg_limits *lim,
                  struct vc_timeline *tl, struct cgroup **out, vc_err *err);

/* The cgroup vclab/<id> that an earlier process created (container delete
 * runs in a process of its own): a handle on every hierarchy that holds it,
 * for cgroup_destroy. None existing is not an error. */
int cgroup_open(const char *root, const char *id, struct vc_timeline *tl, struct cgroup **out,
                vc_err *err);

/* The container's directories, one line each, "CONTROLLER DIR" ("-" on
 * v2): what cgroup_open_recorded takes back. Returns the length, or < 0
 * when it does not fit in len. */
int cgroup_record(const struct cgroup *cg, char *buf, size_t len);

/* v1: take into cg the directories that later commands made at the
 * container's path in hierarchies cg does not hold (pause's freezer,
 * update's cpuset or blkio), so that cgroup_destroy removes them too. v2:
 * nothing (one directory). */
int cgroup_add_later_dirs(struct cgroup *cg, vc_err *err);

/* A handle on the directories of a record (cgroup_record's text). Each must
 * lie under root, without "." or ".." components, and not be a hierarchy's
 * root: a forged record cannot make destroy empty another cgroup of the
 * host's tree's top. Missing directories are skipped. */
int cgroup_open_recorded(const char *root, const char *id, const char *record,
                         struct vc_timeline *tl, struct cgroup **out, vc_err *err);

/* Is one of /proc/PID/cgroup's paths the cgroup of the record (or below
 * it)? record NULL: vclab/<id>. */
bool cgroup_pid_in(const char *root, const char *id, const char *record, pid_t pid);

/* `container update`: write the limits of lim that are set (memory, cpu,
 * cpuset, pids, blkio/io; not devices, as with runc) into the cgroup of a
 * container an earlier process created (cgroup_open*). On v1 a cpuset or
 * blkio limit the container was created without gets its directory now,
 * and the container's processes move in; on v2 the controller is enabled
 * in the parents. Each write is a traced step; an error names the file,
 * the value and the kernel's reason. Returns 1 when a directory was made
 * (the caller saves the record), 0 otherwise. */
int cgroup_update(struct cgroup *cg, const struct cg_limits *lim, vc_err *err);

/* Move pid into the cgroup (cgroup.procs of each hierarchy). On v1 each
 * such write waits for an RCU grace period (~7 ms on the dev host): prefer
 * cgroup_enter_self from the child where it can. */
int cgroup_add_pid(struct cgroup *cg, pid_t pid, vc_err *err);

/* Called by the child itself, between clone and exec: move the calling
 * single-threaded process into the cgroup by writing "0" to files that
 * cgroup_create opened (O_CLOEXEC), so it works after the child entered a
 * new user namespace or pivot_root (the kernel checks the opener's
 * credentials, Linux >= 5.16). v1: "tasks" of each hierarchy, which the
 * kernel does without its global lock (~0.06 ms instead of ~7 ms);
 * v2: "cgroup.procs" (clone3 with cgroup_fd is better there). Not traced:
 * the child's timeline is not the parent's. */
int cgroup_enter_self(struct cgroup *cg, vc_err *err);

/* v2: an O_DIRECTORY fd of the cgroup for clone3(CLONE_INTO_CGROUP);
 * -1 on v1 and hybrid (use cgroup_add_pid there). Owned by cg. */
int cgroup_fd(struct cgroup *cg);

/* The main directory (v2: the cgroup; v1: the memory hierarchy's one). */
const char *cgroup_path(const struct cgroup *cg);

enum cg_mode cgroup_mode(const struct cgroup *cg);

/* Highest memory use seen: memory.peak (v2) or memory.max_usage_in_bytes (v1). */
int cgroup_memory_peak(struct cgroup *cg, uint64_t *bytes, vc_err *err);

/* How many processes the OOM killer killed in the cgroup: oom_kill of
 * memory.events (v2) or memory.oom_control (v1). */
int cgroup_oom_killed(struct cgroup *cg, uint64_t *count, vc_err *err);

/* nr_throttled of cpu.stat: how often the cpu quota stopped the cgroup. */
int cgroup_cpu_throttled(struct cgroup *cg, uint64_t *count, vc_err *err);

/* Kill whatever is left (cgroup.kill on v2 where present, else SIGKILL each
 * pid of cgroup.procs until it stays empty), remove the directories in every
 * hierarchy and free cg. Safe on NULL. The shared vclab parent stays. Fails
 * only when the kernel refuses to remove a directory; cg is freed anyway. */
int cgroup_destroy(struct cgroup *cg, vc_err *err);

/* Free the handle and leave the directories (update, state). Safe on NULL. */
void cgroup_close(struct cgroup *cg);

#endif
