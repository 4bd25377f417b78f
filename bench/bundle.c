/* The container image every container runner uses: a rootfs that holds only
 * the static workload and the two mount points it needs, an OCI
 * config.json next to it (runc, crun), and the rootfs packed as a gzip
 * layer tarball (what a registry would ship). */
#include "runners.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void bundle_paths(const struct bench_env *env, char *bundle, char *rootfs, char *layer)
{
	snprintf(bundle, PATH_MAX, "%s/bundle", env->workdir);
	snprintf(rootfs, PATH_MAX, "%s/bundle/rootfs", env->workdir);
	snprintf(layer, PATH_MAX, "%s/layer.tar.gz", env->workdir);
}

static int mkdir_one(const char *path, vc_err *err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return vc_error(err, errno, "mkdir %s", path);
	return 0;
}

static int mkdir_p(const char *path, vc_err *err)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir_one(buf, err) < 0)
				return -1;
			*p = '/';
		}
	return mkdir_one(buf, err);
}

static int copy_file(const char *from, const char *to, mode_t mode, vc_err *err)
{
	char buf[65536], tmp[PATH_MAX + 32];
	int in, out, rc = 0;
	ssize_t n;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return vc_error(err, errno, "open %s", from);
	/* Write beside and rename, so a running container never sees half a file. */
	snprintf(tmp, sizeof(tmp), "%s.tmp", to);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		close(in);
		return vc_error(err, errno, "create %s", tmp);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			rc = vc_error(err, errno, "write %s", tmp);
			break;
		}
	if (n < 0)
		rc = vc_error(err, errno, "read %s", from);
	close(in);
	if (close(out) < 0 && rc == 0)
		rc = vc_error(err, errno, "write %s", tmp);
	if (rc == 0 && rename(tmp, to) < 0)
		rc = vc_error(err, errno, "rename %s", tmp);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* The OCI runtime spec, as small as runc and crun accept: the same
 * namespaces vclab's container uses by default, a read-only root, /proc
 * and a tmpfs /dev. */
static json_t *oci_config(const struct bench_env *env)
{
	json_t *args = json_array();

	json_array_append_new(args, json_string("/workload"));
	for (size_t i = 0; i < env->nwords; i++)
		json_array_append_new(args, json_string(env->words[i]));
	return json_pack("{s:s, s:{s:b, s:{s:i, s:i}, s:o, s:[s], s:s, s:b}, s:{s:s, s:b}, s:s,"
	                 " s:[{s:s, s:s, s:s}, {s:s, s:s, s:s, s:[s,s,s,s]}],"
	                 " s:{s:[{s:s},{s:s},{s:s},{s:s},{s:s}], s:[s,s,s]}}",
	                 "ociVersion", "1.0.2", "process", "terminal", 0, "user", "uid", 0, "gid",
	                 0, "args", args, "env", "PATH=/", "cwd", "/", "noNewPrivileges", 1, "root",
	                 "path", "rootfs", "readonly", 1, "hostname", "vclab-bench", "mounts",
	                 "destination", "/proc", "type", "proc", "source", "proc", "destination",
	                 "/dev", "type", "tmpfs", "source", "tmpfs", "options", "nosuid",
	                 "strictatime", "mode=755", "size=65536k", "linux", "namespaces", "type",
	                 "pid", "type", "ipc", "type", "uts", "type", "mount", "type", "network",
	                 "maskedPaths", "/proc/kcore", "/proc/keys", "/proc/timer_list");
}

static int write_config(const struct bench_env *env, const char *bundle, vc_err *err)
{
	char path[PATH_MAX + 16];
	json_t *cfg = oci_config(env);
	int rc;

	if (!cfg)
		return vc_error(err, 0, "building the OCI config.json failed");
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	rc = json_dump_file(cfg, path, JSON_INDENT(2));
	json_decref(cfg);
	if (rc < 0)
		return vc_error(err, errno, "write %s", path);
	return 0;
}

/* Run argv quietly; its exit status, or -1 when it could not run. */
static int run_tool(char *const argv[])
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0)
			dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* tar -czf LAYER -C ROOTFS . as an image layer: owners zeroed with GNU tar,
 * plain options for busybox tar (the test host). */
static int pack_layer(const char *rootfs, const char *layer)
{
	char *gnu[] = {"tar", "--numeric-owner", "--owner=0", "--group=0", "-czf", (char *)layer,
	               "-C",  (char *)rootfs,    ".",         NULL};
	char *plain[] = {"tar", "-czf", (char *)layer, "-C", (char *)rootfs, ".", NULL};

	if (run_tool(gnu) == 0 || run_tool(plain) == 0)
		return 0;
	unlink(layer);
	return -1;
}

int bundle_prepare(const struct bench_env *env, vc_err *err)
{
	char bundle[PATH_MAX], rootfs[PATH_MAX], layer[PATH_MAX], path[PATH_MAX + 16];
	char workload[PATH_MAX];

	bundle_paths(env, bundle, rootfs, layer);
	if (mkdir_p(rootfs, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/proc", rootfs);
	if (mkdir_one(path, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/dev", rootfs);
	if (mkdir_one(path, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/workload", rootfs);
	snprintf(workload, sizeof(workload), "%s/bin/workload", env->build);
	if (copy_file(workload, path, 0755, err) < 0)
		return -1;
	if (write_config(env, bundle, err) < 0)
		return -1;
	/* Only the image size needs the layer: without tar it is "n/a". */
	unlink(layer);
	pack_layer(rootfs, layer);
	return 0;
}

static uint64_t file_bytes(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

int bundle_image(const struct bench_env *env, struct image *img, vc_err *err)
{
	char bundle[PATH_MAX], rootfs[PATH_MAX], layer[PATH_MAX], path[PATH_MAX + 16];

	(void)err;
	bundle_paths(env, bundle, rootfs, layer);
	snprintf(path, sizeof(path), "%s/workload", rootfs);
	memset(img, 0, sizeof(*img));
	img->nparts = 2;
	/* The rootfs is one file and two empty directories. */
	snprintf(img->part[0].name, sizeof(img->part[0].name), "rootfs (files)");
	img->part[0].bytes = file_bytes(path);
	snprintf(img->part[1].name, sizeof(img->part[1].name), "layer.tar.gz");
	img->part[1].bytes = file_bytes(layer);
	/* Shipped: the compressed layer, or the files when tar was missing. */
	img->bytes = img->part[1].bytes ? img->part[1].bytes : img->part[0].bytes;
	return 0;
}
