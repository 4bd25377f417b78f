/* `container update [options] ID`: new resource limits (memory, cpu,
 * cpuset, pids, blkio) for a created, running or paused container, written
 * into its cgroup as `runc update` writes them: from --resources FILE|-
 * (an OCI linux.resources object; what containerd's shim sends for
 * `docker update`) and the options over it. */
#ifndef CT_UPDATE_H
#define CT_UPDATE_H

/* argv[0] is "update". Exit status: 0, or 1 with one line (rt_report). */
int update_main(int argc, char **argv);

#endif
