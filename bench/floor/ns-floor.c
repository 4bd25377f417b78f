/* ns-floor: the least work any OCI runtime must do to start a program in a
 * given set of new namespaces: one clone3() with those namespaces, execve()
 * of the program in the child, and waitid() for it. No config is parsed, no
 * cgroup made, no mount done. bench/crun-compare.sh times it next to the
 * runtimes, so what each runtime adds above the kernel's own floor is seen.
 *
 *   ns-floor [--ns pid,network,mount,ipc,uts,cgroup] PROGRAM [ARG...]
 *
 * Exits with the program's status (128 + signal when killed; 127 when it
 * cannot be executed), or 1 with one line on stderr on a bad argument or a
 * failed clone3. */
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct {
	const char *name;
	uint64_t flag;
} ns_names[] = {
    {"pid", CLONE_NEWPID},   {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS},
    {"ipc", CLONE_NEWIPC},   {"uts", CLONE_NEWUTS},     {"cgroup", CLONE_NEWCGROUP},
    {"user", CLONE_NEWUSER},
};

static int parse_ns(const char *list, uint64_t *flags)
{
	char buf[256], *save = NULL, *tok;

	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf)) {
		fprintf(stderr, "ns-floor: --ns %s: too long\n", list);
		return -1;
	}
	*flags = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(ns_names) / sizeof(ns_names[0]); i++)
			if (!strcmp(tok, ns_names[i].name))
				break;
		if (i == sizeof(ns_names) / sizeof(ns_names[0])) {
			fprintf(stderr,
			        "ns-floor: --ns %s: unknown namespace '%s' (pid, network, mount, "
			        "ipc, uts, cgroup, user)\n",
			        list, tok);
			return -1;
		}
		*flags |= ns_names[i].flag;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t flags = CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS;
	struct clone_args args;
	siginfo_t si;
	long pid;
	int argi = 1;

	if (argi < argc && (!strcmp(argv[argi], "--help") || !strcmp(argv[argi], "-h"))) {
		printf("usage: ns-floor [--ns pid,network,mount,ipc,uts,cgroup,user] PROGRAM "
		       "[ARG...]\n"
		       "clone3 with the namespaces (default pid,network,mount,ipc,uts), exec "
		       "PROGRAM, wait:\nthe kernel's floor under any runtime's start-up.\n");
		return 0;
	}
	if (argi + 1 < argc && !strcmp(argv[argi], "--ns")) {
		if (parse_ns(argv[argi + 1], &flags) < 0)
			return 1;
		argi += 2;
	}
	if (argi >= argc) {
		fprintf(stderr, "ns-floor: no PROGRAM given (see --help)\n");
		return 1;
	}
	memset(&args, 0, sizeof(args));
	args.flags = flags;
	args.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0) {
		fprintf(stderr, "ns-floor: clone3: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		execv(argv[argi], argv + argi);
		fprintf(stderr, "ns-floor: %s: %s\n", argv[argi], strerror(errno));
		_exit(127);
	}
	if (waitid(P_PID, (id_t)pid, &si, WEXITED) < 0) {
		fprintf(stderr, "ns-floor: waitid: %s\n", strerror(errno));
		return 1;
	}
	if (si.si_code == CLD_EXITED)
		return si.si_status;
	return 128 + si.si_status;
}
