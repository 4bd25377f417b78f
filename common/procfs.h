/* Reading the small text files the kernel reports through, for the
 * container runtime and the bench alike (one reader, not one per tool):
 *   cgroupfs files     one number (memory.max_usage_in_bytes,
 *                      memory.kmem.usage_in_bytes, memory.peak) or
 *                      "key value" lines (memory.stat)
 *   procfs files       "Key:   N kB" lines (/proc/PID/smaps_rollup,
 *                      /proc/meminfo), /proc/PID/stat, /proc/PID/cgroup
 * Every function returns < 0 with errno set on failure (ENOENT: the file or
 * the process is gone; EINVAL: not the expected format; ENOSPC: larger than
 * the buffer) and leaves the error message to its caller. */
#ifndef VC_PROCFS_H
#define VC_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The whole file into buf (NUL-terminated, trailing newlines removed).
 * Returns its length. */
int vc_read_file(const char *path, char *buf, size_t len);

/* A file holding one unsigned decimal number. */
int vc_read_u64(const char *path, uint64_t *val);

/* The number after key on the line that starts with key followed by ':'
 * or a space: "Pss:   120 kB" (120) in smaps_rollup or meminfo,
 * "kernel 4096" in a cgroup's memory.stat. */
int vc_read_field(const char *path, const char *key, uint64_t *val);

/* Field 3 (state letter) and field 22 (start time, clock ticks after boot)
 * of /proc/PID/stat. */
int vc_proc_stat(pid_t pid, char *state, unsigned long long *start_time);

/* Call fn for each line "N:controllers:path" of /proc/PID/cgroup (the v2
 * line has empty controllers) until it returns non-zero; returns that
 * value, 0 after the last line. */
int vc_proc_cgroup_each(pid_t pid, int (*fn)(const char *controllers, const char *path, void *arg),
                        void *arg);

/* The path of pid's cgroup in the v1 hierarchy that holds controller
 * ("memory" matches "memory" and "cpu,memory"), or with controller "" the
 * v2 line's. ENOENT when there is no such line. */
int vc_proc_cgroup_path(pid_t pid, const char *controller, char *out, size_t len);

#endif
