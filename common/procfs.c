#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int vc_read_file(const char *path, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd, e;

	if (len == 0) {
		errno = ENOSPC;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + got, len - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		got += (size_t)n;
		if (got == len) { /* no room left for the NUL: too large */
			close(fd);
			errno = ENOSPC;
			return -1;
		}
	}
	close(fd);
	while (got > 0 && buf[got - 1] == '\n')
		got--;
	buf[got] = '\0';
	return (int)got;
}

static int parse_u64(const char *s, char **end, uint64_t *val)
{
	unsigned long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s < '0' || *s > '9') {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	v = strtoull(s, end, 10);
	if (errno)
		return -1;
	*val = v;
	return 0;
}

int vc_read_u64(const char *path, uint64_t *val)
{
	char buf[64], *end;

	if (vc_read_file(path, buf, sizeof(buf)) < 0 || parse_u64(buf, &end, val) < 0)
		return -1;
	if (*end) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int vc_read_field(const char *path, const char *key, uint64_t *val)
{
	size_t klen = strlen(key);
	char buf[8192], *line, *save = NULL, *end;

	if (vc_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, key, klen) && (line[klen] == ':' || line[klen] == ' '))
			return parse_u64(line + klen + 1, &end, val);
	errno = ENOENT;
	return -1;
}

int vc_proc_stat(pid_t pid, char *state, unsigned long long *start_time)
{
	char path[64], buf[1024], *p;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (vc_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	/* the command name (field 2) may hold spaces and ')': start after the
	 * last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c", state) != 1)
		goto bad;
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", start_time) != 1)
		goto bad;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int vc_proc_cgroup_each(pid_t pid, int (*fn)(const char *controllers, const char *path, void *arg),
                        void *arg)
{
	char path[64], buf[4096], *line, *save = NULL;
	int rc;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	if (vc_read_file(path, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctrl = strchr(line, ':'), *cgpath;

		if (!ctrl || !(cgpath = strchr(++ctrl, ':')))
			continue;
		*cgpath++ = '\0';
		rc = fn(ctrl, cgpath, arg);
		if (rc)
			return rc;
	}
	return 0;
}

struct find_path {
	const char *controller;
	char *out;
	size_t len;
};

/* Is want one of the comma-separated names in list? */
static bool in_list(const char *list, const char *want)
{
	size_t wl = strlen(want);

	for (const char *p = list; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, want, wl) && (p[wl] == ',' || p[wl] == '\0'))
			return true;
	return false;
}

static int match_controller(const char *controllers, const char *path, void *arg)
{
	struct find_path *f = arg;

	if (*f->controller ? !in_list(controllers, f->controller) : *controllers != '\0')
		return 0;
	if ((size_t)snprintf(f->out, f->len, "%s", path) >= f->len)
		return -ENAMETOOLONG;
	return 1;
}

int vc_proc_cgroup_path(pid_t pid, const char *controller, char *out, size_t len)
{
	struct find_path f = {controller, out, len};
	int rc = vc_proc_cgroup_each(pid, match_controller, &f);

	if (rc == 1)
		return 0;
	if (rc == 0)
		errno = ENOENT;
	else if (rc < -1)
		errno = -rc;
	return -1;
}
