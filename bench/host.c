#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kvmhost.h"
#include "runners.h"

bool kvm_usable(char *detail, size_t len, bool *pvm)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	*pvm = false;
	if (fd < 0) {
		snprintf(detail, len, "no /dev/kvm: %s", strerror(errno));
		return false;
	}
	close(fd);
	if (vc_kvm_is_pvm()) {
		*pvm = true;
		snprintf(detail, len,
		         "/dev/kvm is kvm-pvm (software KVM, no VT-x/AMD-V), which cannot run "
		         "Linux (docs/pvm.md): Linux VM rows run in the KVM test host");
		return false;
	}
	snprintf(detail, len, "/dev/kvm opens read-write");
	return true;
}

/* First line printed by a command (stdout and stderr), "" if none. */
static void first_line_of(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "re");

	out[0] = '\0';
	if (!p)
		return;
	if (fgets(out, (int)len, p))
		out[strcspn(out, "\n")] = '\0';
	pclose(p);
}

void tool_version(const char *tool, char *out, size_t len)
{
	char path[PATH_MAX], cmd[PATH_MAX + 32];

	if (find_in_path(tool, path, sizeof(path)) < 0) {
		snprintf(out, len, "not installed");
		return;
	}
	snprintf(cmd, sizeof(cmd), "'%s' --version 2>&1", path);
	first_line_of(cmd, out, len);
	if (!out[0])
		snprintf(out, len, "unknown version");
}

static void cpu_model(char *out, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "re");

	snprintf(out, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && colon) {
			colon += 1 + strspn(colon + 1, " \t");
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(out, len, "%s", colon);
			break;
		}
	}
	fclose(f);
}

static void git_revision(const char *repo, char *out, size_t len)
{
	char cmd[PATH_MAX + 96], dirty[8];

	snprintf(cmd, sizeof(cmd), "git -C '%s' rev-parse --short=12 HEAD 2>/dev/null", repo);
	first_line_of(cmd, out, len);
	if (!out[0]) {
		snprintf(out, len, "unknown");
		return;
	}
	snprintf(cmd, sizeof(cmd),
	         "git -C '%s' status --porcelain --untracked-files=no 2>/dev/null", repo);
	first_line_of(cmd, dirty, sizeof(dirty));
	if (dirty[0] && strlen(out) + 7 < len)
		strcat(out, "-dirty");
}

void host_collect(struct host_info *h, const char *repo, enum cg_mode mode)
{
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;
	bool pvm;

	memset(h, 0, sizeof(*h));
	cpu_model(h->cpu, sizeof(h->cpu));
	h->cores = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (uname(&u) == 0)
		snprintf(h->kernel, sizeof(h->kernel), "%s %s", u.sysname, u.release);
	h->kvm = kvm_usable(h->kvm_detail, sizeof(h->kvm_detail), &pvm);
	snprintf(h->accel, sizeof(h->accel), "%s", vc_accel_name(vc_kvm_accel()));
	snprintf(h->cgroup, sizeof(h->cgroup), "%s", cgroup_mode_describe(mode));
	tool_version("runc", h->runc, sizeof(h->runc));
	tool_version("crun", h->crun, sizeof(h->crun));
	tool_version("qemu-system-x86_64", h->qemu, sizeof(h->qemu));
	git_revision(repo, h->git, sizeof(h->git));
	gmtime_r(&now, &tm);
	strftime(h->date, sizeof(h->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
}
