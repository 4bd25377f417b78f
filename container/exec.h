/* `container exec`: a new process inside a created or running container.
 *
 * It joins every namespace of the container's process (its pidfd, in one
 * setns call), its cgroup in every hierarchy (as /proc/PID/cgroup names
 * it), its root (/proc/PID/root), and takes the capabilities, rlimits,
 * no_new_privs and seccomp filter of the bundle's config.json (state.json
 * records the bundle), or of the OCI "process" object of --process FILE.
 *
 * The joining process is non-dumpable from its birth (nothing inside can
 * open its /proc/PID/exe or /proc/PID/fd/N, so our own binary stays out of
 * reach) and closes every host file descriptor but stdin/stdout/stderr
 * before it changes into process.cwd, which must then lie inside the
 * container's root (the CVE-2019-5736 and CVE-2024-21626 classes). */
#ifndef CT_EXEC_H
#define CT_EXEC_H

/* The environment variable that makes the joining process stop itself
 * (SIGSTOP) just before its execve, when it has the container's user,
 * capabilities and seccomp filter (so only its being non-dumpable keeps a
 * process inside with the same credentials away from it) and is still our
 * binary: for the test that looks at it from inside. */
#define EXEC_TEST_STOP_ENV "VCLAB_TEST_EXEC_STOP"

/* `container exec [options] ID [--] CMD [ARG...]` (argv[0] is "exec"):
 * runs it, prints an error on one line, returns the exit status: the
 * process's (128+N when signal N killed it), 0 with --detach once it
 * started, 126/127 when CMD cannot be executed or is not found, 1 for
 * every other error. */
int exec_main(int argc, char **argv);

#endif
