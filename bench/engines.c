#include "engines.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ENGINE_IMAGE "vclab-bench-image:latest"

struct engines {
	char dir[1200];         /* build/bench/engines */
	char archive[PATH_MAX]; /* the image as a docker archive */
	bool ready[2];
	char why[2][240];
	bool podman_used;
	pid_t dockerd;
	char sock[1300]; /* unix://DIR/docker.sock */
};

static const char *const engine_name[] = {"podman", "docker"};

/* podman's global options: its state under dir, no systemd, no journal. */
static size_t podman_global(const struct engines *g, char *buf, size_t len, char **argv)
{
	size_t n = 0, third = len / 3;

	snprintf(buf, third, "%s/podman/root", g->dir);
	snprintf(buf + third, third, "%s/podman/run", g->dir);
	snprintf(buf + 2 * third, third, "%s/podman/tmp", g->dir);
	argv[n++] = "podman";
	argv[n++] = "--root";
	argv[n++] = buf;
	argv[n++] = "--runroot";
	argv[n++] = buf + third;
	argv[n++] = "--tmpdir";
	argv[n++] = buf + 2 * third;
	argv[n++] = "--cgroup-manager";
	argv[n++] = "cgroupfs";
	argv[n++] = "--events-backend";
	argv[n++] = "file";
	argv[n] = NULL;
	return n;
}

static int run_capture(char **argv, char *errl, size_t len)
{
	return image_capture(argv, NULL, 0, errl, len);
}

static void set_why(struct engines *g, enum engine e, const char *what, const char *detail)
{
	snprintf(g->why[e], sizeof(g->why[e]), "%s: %.180s", what, detail);
}

/* The image as a docker archive, which podman and docker 20.10 both load. */
static int make_archive(struct engines *g, const struct bench_env *env, char *why, size_t len)
{
	char ct[PATH_MAX], oci[PATH_MAX + 16], src[PATH_MAX + 32], dst[PATH_MAX + 64];
	char errl[200];
	char *save[] = {ct, "image", "save", env->img->ref, oci, NULL};
	char *copy[] = {"skopeo", "copy", "-q", src, dst, NULL};
	char path[PATH_MAX];

	if (find_in_path("skopeo", path, sizeof(path)) < 0) {
		snprintf(why, len,
		         "skopeo not installed (it turns the OCI layout into a docker "
		         "archive; scripts/deps.sh engines)");
		return -1;
	}
	snprintf(ct, sizeof(ct), "%s/bin/container", env->build);
	snprintf(oci, sizeof(oci), "%s/image-oci.tar", g->dir);
	snprintf(g->archive, sizeof(g->archive), "%s/image-docker.tar", g->dir);
	snprintf(src, sizeof(src), "oci-archive:%s", oci);
	snprintf(dst, sizeof(dst), "docker-archive:%s:%s", g->archive, ENGINE_IMAGE);
	unlink(oci);
	unlink(g->archive);
	if (run_capture(save, errl, sizeof(errl)) != 0) {
		snprintf(why, len, "container image save failed: %s", errl);
		return -1;
	}
	if (run_capture(copy, errl, sizeof(errl)) != 0) {
		snprintf(why, len, "skopeo copy to a docker archive failed: %s", errl);
		return -1;
	}
	unlink(oci);
	return 0;
}

static void podman_setup(struct engines *g)
{
	char buf[3 * PATH_MAX], errl[200];
	char *argv[24];
	size_t n = podman_global(g, buf, sizeof(buf), argv);

	argv[n++] = "load";
	argv[n++] = "-q";
	argv[n++] = "-i";
	argv[n++] = g->archive;
	argv[n] = NULL;
	g->podman_used = true;
	if (run_capture(argv, errl, sizeof(errl)) != 0)
		set_why(g, ENGINE_PODMAN, "podman load failed", errl);
	else
		g->ready[ENGINE_PODMAN] = true;
}

static void docker_cmd(const struct engines *g, char **argv, size_t *n)
{
	argv[(*n)++] = "docker";
	argv[(*n)++] = "-H";
	argv[(*n)++] = (char *)g->sock;
}

static bool docker_answers(const struct engines *g)
{
	char *argv[8];
	size_t n = 0;

	docker_cmd(g, argv, &n);
	argv[n++] = "version";
	argv[n] = NULL;
	return image_capture(argv, NULL, 0, NULL, 0) == 0;
}

static void docker_setup(struct engines *g)
{
	char data[PATH_MAX + 16], exec_root[PATH_MAX + 16], pidf[PATH_MAX + 16], log[PATH_MAX + 16];
	char errl[200];
	char *argv[8];
	size_t n = 0;
	pid_t pid;

	snprintf(data, sizeof(data), "%s/docker/data", g->dir);
	snprintf(exec_root, sizeof(exec_root), "%s/docker/exec", g->dir);
	snprintf(pidf, sizeof(pidf), "%s/docker/dockerd.pid", g->dir);
	snprintf(log, sizeof(log), "%s/docker/dockerd.log", g->dir);
	snprintf(g->sock, sizeof(g->sock), "unix://%s/docker.sock", g->dir);
	mkdir(data, 0700);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		int in = open("/dev/null", O_RDONLY | O_CLOEXEC);

		/* it dies with the bench, even a killed one */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		setpgid(0, 0);
		if (fd < 0 || in < 0 || dup2(in, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execlp("dockerd", "dockerd", "--data-root", data, "--exec-root", exec_root,
		       "--pidfile", pidf, "-H", g->sock, "--bridge", "none", "--iptables=false",
		       "--storage-driver", "overlay2", (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		set_why(g, ENGINE_DOCKER, "starting dockerd", strerror(errno));
		return;
	}
	g->dockerd = pid;
	for (int i = 0; i < 300 && !docker_answers(g); i++) {
		struct timespec ts = {0, 200 * 1000 * 1000};

		if (waitpid(pid, NULL, WNOHANG) == pid) {
			g->dockerd = 0;
			set_why(g, ENGINE_DOCKER, "dockerd exited at start (see its log)",
			        "docker/dockerd.log");
			return;
		}
		nanosleep(&ts, NULL);
	}
	if (!docker_answers(g)) {
		set_why(g, ENGINE_DOCKER, "dockerd did not answer", "within 60 s");
		return;
	}
	docker_cmd(g, argv, &n);
	argv[n++] = "load";
	argv[n++] = "-q";
	argv[n++] = "-i";
	argv[n++] = g->archive;
	argv[n] = NULL;
	if (run_capture(argv, errl, sizeof(errl)) != 0)
		set_why(g, ENGINE_DOCKER, "docker load failed", errl);
	else
		g->ready[ENGINE_DOCKER] = true;
}

void engines_setup(struct bench_env *env, bool progress)
{
	struct engines *g = calloc(1, sizeof(*g));
	char path[PATH_MAX], why[240];
	bool have[2];

	env->eng = g;
	if (!g || !env->engines)
		return;
	have[ENGINE_PODMAN] = find_in_path("podman", path, sizeof(path)) == 0 &&
	                      find_in_path("conmon", path, sizeof(path)) == 0;
	have[ENGINE_DOCKER] = find_in_path("docker", path, sizeof(path)) == 0 &&
	                      find_in_path("dockerd", path, sizeof(path)) == 0;
	if (!have[0] && !have[1])
		return;
	snprintf(g->dir, sizeof(g->dir), "%.1100s/engines", env->workdir);
	if (mkdir(g->dir, 0700) < 0 && errno != EEXIST) {
		for (int e = 0; e < 2; e++)
			set_why(g, e, "mkdir build/bench/engines", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/docker", g->dir);
	mkdir(path, 0700);
	if (progress) {
		printf("\r\033[Kloading the image into podman and docker...");
		fflush(stdout);
	}
	if (make_archive(g, env, why, sizeof(why)) < 0) {
		for (int e = 0; e < 2; e++)
			set_why(g, e, "loading the image", why);
		return;
	}
	if (have[ENGINE_PODMAN])
		podman_setup(g);
	if (have[ENGINE_DOCKER])
		docker_setup(g);
}

/* rm -r, not following symlinks, staying on this file system's tree. */
static void remove_tree(const char *dir)
{
	char *argv[] = {"rm", "-rf", "--one-file-system", (char *)dir, NULL};

	image_capture(argv, NULL, 0, NULL, 0);
}

void engines_teardown(struct bench_env *env)
{
	struct engines *g = env->eng;
	char buf[3 * PATH_MAX];
	char *argv[24];
	size_t n;

	if (!g)
		return;
	if (g->podman_used) {
		n = podman_global(g, buf, sizeof(buf), argv);
		argv[n++] = "rm";
		argv[n++] = "-af";
		argv[n++] = "-t";
		argv[n++] = "0";
		argv[n] = NULL;
		image_capture(argv, NULL, 0, NULL, 0);
		/* podman's own overlay/shm mounts under its root */
		n = podman_global(g, buf, sizeof(buf), argv);
		argv[n++] = "system";
		argv[n++] = "reset";
		argv[n++] = "-f";
		argv[n] = NULL;
		image_capture(argv, NULL, 0, NULL, 0);
	}
	if (g->dockerd > 0) {
		char script[3000];
		char *rm[] = {"sh", "-c", script, NULL};

		snprintf(
		    script, sizeof(script),
		    "ids=$(docker -H '%s' ps -aq); [ -z \"$ids\" ] || docker -H '%s' rm -f $ids",
		    g->sock, g->sock);
		image_capture(rm, NULL, 0, NULL, 0);
		kill(g->dockerd, SIGTERM);
		for (int i = 0; i < 100 && waitpid(g->dockerd, NULL, WNOHANG) == 0; i++) {
			struct timespec ts = {0, 100 * 1000 * 1000};

			nanosleep(&ts, NULL);
		}
		if (waitpid(g->dockerd, NULL, WNOHANG) == 0) {
			kill(g->dockerd, SIGKILL);
			waitpid(g->dockerd, NULL, 0);
		}
	}
	if (g->dir[0])
		remove_tree(g->dir);
	free(g);
	env->eng = NULL;
}

void engine_probe(struct runner_result *r, const struct bench_env *env, enum engine e)
{
	const struct engines *g = env->eng;
	char path[PATH_MAX];

	if (find_in_path(engine_name[e], path, sizeof(path)) < 0)
		runner_unavailable(r, "not installed: %s not in PATH (scripts/deps.sh engines)",
		                   engine_name[e]);
	else if (!env->engines)
		runner_unavailable(r, "%s",
		                   "not run: add --engines (the image is loaded into podman and "
		                   "a dockerd of the bench's own first)");
	else if (!g || !g->ready[e])
		runner_unavailable(r, "%s", g && g->why[e][0] ? g->why[e] : "not prepared");
	snprintf(r->note, sizeof(r->note),
	         "%s run --rm --network none of the loaded image, its default runtime; "
	         "memory counts the %s command's process tree only: %s",
	         engine_name[e], engine_name[e],
	         e == ENGINE_PODMAN ? "conmon and the container are not its descendants"
	                            : "the container runs under dockerd's containerd");
}

int engine_launch(const struct bench_env *env, enum engine e, struct launch *l)
{
	const struct engines *g = env->eng;
	static const char none[] = "(not prepared)";

	if (e == ENGINE_PODMAN) {
		char buf[3 * PATH_MAX];
		char *argv[24];
		size_t n;

		if (!g || !g->dir[0]) {
			if (launch_arg(l, "podman") < 0)
				return -1;
		} else {
			n = podman_global(g, buf, sizeof(buf), argv);
			for (size_t i = 0; i < n; i++)
				if (launch_arg(l, "%s", argv[i]) < 0)
					return -1;
		}
		/* podman's default rlimits are above this host's hard ones
		 * (docs/measurement.md): limits a root shell here may set. */
		if (launch_arg(l, "run") < 0 || launch_arg(l, "--rm") < 0 ||
		    launch_arg(l, "--network") < 0 || launch_arg(l, "none") < 0 ||
		    launch_arg(l, "--ulimit") < 0 || launch_arg(l, "nofile=20000:20000") < 0 ||
		    launch_arg(l, "--ulimit") < 0 || launch_arg(l, "nproc=4096:4096") < 0 ||
		    launch_arg(l, "--name") < 0 || launch_arg(l, "%s", l->cleanup_id) < 0 ||
		    launch_arg(l, "%s", ENGINE_IMAGE) < 0)
			return -1;
		l->cleanup_id[0] = '\0';
		return 0;
	}
	if (launch_arg(l, "docker") < 0 || launch_arg(l, "-H") < 0 ||
	    launch_arg(l, "%s", g && g->sock[0] ? g->sock : none) < 0 || launch_arg(l, "run") < 0 ||
	    launch_arg(l, "--rm") < 0 || launch_arg(l, "--network") < 0 ||
	    launch_arg(l, "none") < 0 || launch_arg(l, "--name") < 0 ||
	    launch_arg(l, "%s", l->cleanup_id) < 0 || launch_arg(l, "%s", ENGINE_IMAGE) < 0)
		return -1;
	l->cleanup_id[0] = '\0';
	return 0;
}
