/* The container's processes and its freezer (freezer.h). */
#include "freezer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgmode.h"

/* Where the container is: the v2 cgroup, or on v1 its memory cgroup (every
 * container has one) and the path that a freezer cgroup gets. */
struct where {
	enum cg_mode mode;
	char rel[3072];            /* its path inside the hierarchy */
	char procs_dir[PATH_MAX];  /* cgroup listing the processes */
	char freeze_dir[PATH_MAX]; /* v2: = procs_dir; v1: freezer/<same path> */
};

/* The path of pid in the hierarchy holding controller ("" for v2). */
static int cgroup_of(pid_t pid, const char *controller, char *out, size_t len, vc_err *err)
{
	char path[64], line[PATH_MAX + 64];
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return vc_error(err, errno, "reading %s", path);
	while (rc < 0 && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *p = ctl ? strchr(ctl + 1, ':') : NULL;

		if (!p)
			continue;
		*p++ = '\0';
		ctl++;
		p[strcspn(p, "\n")] = '\0';
		if (*controller ? false : *ctl != '\0')
			continue;
		if (*controller) {
			/* "cpu,cpuacct": one of the comma-separated names */
			bool found = false;

			for (char *tok = strtok(ctl, ","); tok && !found; tok = strtok(NULL, ","))
				found = !strcmp(tok, controller);
			if (!found)
				continue;
		}
		if ((size_t)snprintf(out, len, "%s", p) < len)
			rc = 0;
	}
	fclose(f);
	if (rc < 0)
		return vc_error(err, 0, "pid %d: no %s cgroup in %s", (int)pid,
		                *controller ? controller : "v2", path);
	return 0;
}

static int locate(const char *root, pid_t pid, struct where *w, vc_err *err)
{
	if (strlen(root) > 512)
		return vc_error(err, ENAMETOOLONG, "cgroup root %s", root);
	if (cgroup_detect_mode(root, &w->mode, err) < 0)
		return -1;
	if (cgroup_of(pid, w->mode == CG_MODE_V2 ? "" : "memory", w->rel, sizeof(w->rel), err) < 0)
		return -1;
	if (w->mode == CG_MODE_V2) {
		snprintf(w->procs_dir, sizeof(w->procs_dir), "%s%s", root, w->rel);
		snprintf(w->freeze_dir, sizeof(w->freeze_dir), "%s%s", root, w->rel);
	} else {
		snprintf(w->procs_dir, sizeof(w->procs_dir), "%s/memory%s", root, w->rel);
		snprintf(w->freeze_dir, sizeof(w->freeze_dir), "%s/freezer%s", root, w->rel);
	}
	return 0;
}

static int add_pid(pid_t **pids, size_t *n, size_t *cap, pid_t pid)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		pid_t *p = realloc(*pids, c * sizeof(*p));

		if (!p)
			return -1;
		*pids = p;
		*cap = c;
	}
	(*pids)[(*n)++] = pid;
	return 0;
}

/* cgroup.procs of dir and of every cgroup below it. */
static int collect(const char *dir, pid_t **pids, size_t *n, size_t *cap, int depth, vc_err *err)
{
	char path[PATH_MAX];
	FILE *f;
	DIR *d;
	struct dirent *e;
	int pid;

	if (depth > 16)
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return vc_error(err, errno, "reading %s", path);
	while (fscanf(f, "%d", &pid) == 1)
		if (add_pid(pids, n, cap, (pid_t)pid) < 0) {
			fclose(f);
			return vc_error(err, ENOMEM, "listing %s", path);
		}
	fclose(f);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		if (collect(path, pids, n, cap, depth + 1, err) < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

int freezer_list_pids(const char *cgroup_root, pid_t pid, pid_t **pids, size_t *n, vc_err *err)
{
	struct where w;
	size_t cap = 0;

	*pids = NULL;
	*n = 0;
	if (locate(cgroup_root, pid, &w, err) < 0)
		return -1;
	if (collect(w.procs_dir, pids, n, &cap, 0, err) < 0) {
		free(*pids);
		*pids = NULL;
		return -1;
	}
	return 0;
}

static int read_file(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = read(fd, buf, len - 1);
	close(fd);
	if (r < 0)
		return -1;
	buf[r] = '\0';
	return 0;
}

static int write_file(const char *dir, const char *file, const char *value, vc_err *err)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return vc_error(err, errno, "opening %s", path);
	if (write(fd, value, strlen(value)) < 0) {
		vc_error(err, errno, "writing '%s' to %s", value, path);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static bool frozen_now(const struct where *w)
{
	char buf[512];

	if (w->mode == CG_MODE_V2)
		return read_file(w->freeze_dir, "cgroup.events", buf, sizeof(buf)) == 0 &&
		       strstr(buf, "frozen 1") != NULL;
	return read_file(w->freeze_dir, "freezer.state", buf, sizeof(buf)) == 0 &&
	       !strncmp(buf, "FROZEN", 6);
}

bool freezer_is_frozen(const char *cgroup_root, pid_t pid)
{
	struct where w;
	vc_err ignored;

	return locate(cgroup_root, pid, &w, &ignored) == 0 && frozen_now(&w);
}

/* v1: every process of the memory cgroup into the freezer one (made on the
 * first pause). Returns how many had to move. */
static int v1_gather(struct where *w, vc_err *err)
{
	pid_t *pids = NULL;
	size_t n = 0, cap = 0;
	char num[24];
	int moved = 0;

	/* the parent (vclab/) too, the first time: it stays, shared */
	for (char *p = w->freeze_dir + strlen(w->freeze_dir) - strlen(w->rel) + 1;
	     (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(w->freeze_dir, 0755) < 0 && errno != EEXIST) {
			vc_error(err, errno, "pause: creating %s", w->freeze_dir);
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	if (mkdir(w->freeze_dir, 0755) < 0 && errno != EEXIST)
		return vc_error(err, errno, "pause: creating %s", w->freeze_dir);
	if (collect(w->procs_dir, &pids, &n, &cap, 0, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		vc_err werr;
		char rel[sizeof(w->rel)];

		/* already there? (a frozen process cannot move; it need not) */
		if (cgroup_of(pids[i], "freezer", rel, sizeof(rel), &werr) == 0 &&
		    !strcmp(rel, w->rel))
			continue;
		snprintf(num, sizeof(num), "%d", (int)pids[i]);
		/* ESRCH: it ended meanwhile */
		if (write_file(w->freeze_dir, "cgroup.procs", num, &werr) < 0 &&
		    werr.errnum != ESRCH) {
			*err = werr;
			free(pids);
			return -1;
		}
		moved++;
	}
	free(pids);
	return moved;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

int freezer_set(const char *cgroup_root, pid_t pid, bool freeze, vc_err *err)
{
	struct where w;

	if (locate(cgroup_root, pid, &w, err) < 0)
		return -1;
	if (!freeze) {
		if (w.mode == CG_MODE_V2)
			return write_file(w.freeze_dir, "cgroup.freeze", "0", err);
		if (access(w.freeze_dir, F_OK) < 0)
			return 0; /* never paused */
		return write_file(w.freeze_dir, "freezer.state", "THAWED", err);
	}
	/* a fork racing with the move can leave a process behind: move and
	 * freeze again until nothing moves */
	for (int round = 0; round < 5; round++) {
		int moved = 0;

		if (w.mode != CG_MODE_V2 && (moved = v1_gather(&w, err)) < 0)
			return -1;
		if (round > 0 && moved == 0 && frozen_now(&w))
			return 0;
		if (write_file(w.freeze_dir,
		               w.mode == CG_MODE_V2 ? "cgroup.freeze" : "freezer.state",
		               w.mode == CG_MODE_V2 ? "1" : "FROZEN", err) < 0)
			return -1;
		for (int i = 0; i < 200 && !frozen_now(&w); i++)
			sleep_ms(10);
		if (!frozen_now(&w))
			break;
		if (w.mode == CG_MODE_V2)
			return 0;
	}
	if (frozen_now(&w))
		return 0;
	/* leave it running rather than half frozen */
	{
		vc_err ignored;

		freezer_set(cgroup_root, pid, false, &ignored);
	}
	return vc_error(err, 0, "pause: %s did not reach the frozen state", w.freeze_dir);
}
