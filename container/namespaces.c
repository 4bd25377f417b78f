#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

uint64_t ns_clone_flags(const struct ct_spec *spec)
{
	uint64_t flags = 0;

	for (int k = 0; k < CT_NS_COUNT; k++)
		if (spec->ns[k].enabled && !spec->ns[k].path)
			flags |= (uint64_t)spec_ns_clone_flag(k);
	return flags;
}

const char *ns_describe(const struct ct_spec *spec, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int k = 0; k < CT_NS_COUNT && used < len; k++)
		if (spec->ns[k].enabled)
			used += (size_t)snprintf(buf + used, len - used, "%s%s%s%s",
			                         used ? ", " : "", spec_ns_name(k),
			                         spec->ns[k].path ? " joined from " : "",
			                         spec->ns[k].path ? spec->ns[k].path : "");
	if (!used)
		snprintf(buf, len, "none");
	return buf;
}

int ns_open_paths(const struct ct_spec *spec, int fds[CT_NS_COUNT], vc_err *err)
{
	for (int k = 0; k < CT_NS_COUNT; k++)
		fds[k] = -1;
	for (int k = 0; k < CT_NS_COUNT; k++) {
		if (!spec->ns[k].path)
			continue;
		fds[k] = open(spec->ns[k].path, O_RDONLY | O_CLOEXEC);
		if (fds[k] < 0) {
			int e = errno;

			ns_close_paths(fds);
			return vc_error(err, e, "linux.namespaces: %s namespace path %s",
			                spec_ns_name(k), spec->ns[k].path);
		}
	}
	return 0;
}

void ns_close_paths(int fds[CT_NS_COUNT])
{
	for (int k = 0; k < CT_NS_COUNT; k++)
		if (fds[k] >= 0) {
			close(fds[k]);
			fds[k] = -1;
		}
}

static int join(int fds[CT_NS_COUNT], int k, vc_err *err)
{
	if (fds[k] < 0)
		return 0;
	if (setns(fds[k], spec_ns_clone_flag(k)) < 0)
		return vc_error(err, errno, "joining the %s namespace", spec_ns_name(k));
	return 0;
}

int ns_join_for_children(int fds[CT_NS_COUNT], vc_err *err)
{
	if (join(fds, CT_NS_PID, err) < 0 || join(fds, CT_NS_TIME, err) < 0)
		return -1;
	return 0;
}

int ns_join_in_child(int fds[CT_NS_COUNT], vc_err *err)
{
	/* user first (it owns the others), mount last: it changes our root
	 * and working directory, and the file system setup follows in it */
	for (int k = 0; k < CT_NS_COUNT; k++) {
		if (k == CT_NS_PID || k == CT_NS_TIME || k == CT_NS_MOUNT)
			continue;
		if (join(fds, k, err) < 0)
			return -1;
	}
	return join(fds, CT_NS_MOUNT, err);
}

static int write_map(pid_t pid, const char *file, const struct ct_idmap *maps, size_t n,
                     vc_err *err)
{
	char path[64], buf[512];
	size_t len = 0;
	int fd;

	for (size_t i = 0; i < n && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n",
		                        maps[i].container_id, maps[i].host_id, maps[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return vc_error(err, errno, "opening %s", path);
	if (write(fd, buf, len) != (ssize_t)len) {
		int e = errno;

		close(fd);
		return vc_error(err, e, "writing \"%u %u %u...\" to %s", maps[0].container_id,
		                maps[0].host_id, maps[0].size, path);
	}
	close(fd);
	return 0;
}

int ns_write_id_maps(pid_t pid, const struct ct_spec *spec, vc_err *err)
{
	if (write_map(pid, "uid_map", spec->uid_maps, spec->n_uid_maps, err) < 0 ||
	    write_map(pid, "gid_map", spec->gid_maps, spec->n_gid_maps, err) < 0)
		return -1;
	return 0;
}

int ns_loopback_up(vc_err *err)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return vc_error(err, errno, "socket for setting lo up");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ifr.ifr_flags = IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
		int e = errno;

		close(fd);
		return vc_error(err, e, "setting lo up");
	}
	close(fd);
	return 0;
}

int ns_apply_sysctls(const struct ct_spec *spec, vc_err *err)
{
	for (size_t i = 0; i < spec->n_sysctls; i++) {
		char path[256];
		const char *v = spec->sysctl_values[i];
		size_t len = strlen(v);
		int fd;

		if (snprintf(path, sizeof(path), "/proc/sys/%s", spec->sysctl_keys[i]) >=
		    (int)sizeof(path))
			return vc_error(err, 0, "linux.sysctl.%s: name too long",
			                spec->sysctl_keys[i]);
		for (char *c = path + 10; *c; c++)
			if (*c == '.')
				*c = '/';
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return vc_error(err, errno, "linux.sysctl.%s: %s", spec->sysctl_keys[i],
			                path);
		if (write(fd, v, len) != (ssize_t)len) {
			int e = errno;

			close(fd);
			return vc_error(err, e, "linux.sysctl.%s: writing \"%s\"",
			                spec->sysctl_keys[i], v);
		}
		close(fd);
	}
	return 0;
}
