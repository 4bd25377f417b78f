/* The container image every container runner uses: a rootfs that holds only
 * the static workload and the mount points of its config, one OCI
 * config.json next to it that every container runner runs (container, runc
 * and crun: `--bundle`), and the rootfs packed as a gzip layer tarball (what
 * a registry would ship). */
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
	if (env->img) { /* --image: its rootfs, mounted by image_mount() */
		snprintf(bundle, PATH_MAX, "%s", env->img->bundle);
		snprintf(rootfs, PATH_MAX, "%s", env->img->rootfs);
		layer[0] = '\0';
		return;
	}
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

/* The one config.json every container runner (container, runc, crun) runs:
 * what `runc spec` writes (runc 1.1 and `crun spec` agree on it), with no
 * terminal, the workload as the process and hostname vclab-bench. pid,
 * network, ipc, uts and mount namespaces; 7 mounts; runc's 3 capabilities;
 * 10 masked and 5 read-only paths; a read-only root; no seccomp (runc spec
 * has none). */
static const char oci_config_template[] =
    "{\"ociVersion\": \"1.0.2-dev\",\n"
    " \"process\": {\"terminal\": false, \"user\": {\"uid\": 0, \"gid\": 0},\n"
    "  \"args\": [],\n"
    "  \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
    " \"TERM=xterm\"],\n"
    "  \"cwd\": \"/\",\n"
    "  \"capabilities\": {\n"
    "   \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "   \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "   \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "   \"ambient\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]},\n"
    "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],\n"
    "  \"noNewPrivileges\": true},\n"
    " \"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
    " \"hostname\": \"vclab-bench\",\n"
    " \"mounts\": [\n"
    "  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
    "  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
    "   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
    "  {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
    "   \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\","
    " \"gid=5\"]},\n"
    "  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\",\n"
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},\n"
    "  {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\",\n"
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},\n"
    "  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},\n"
    "  {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\",\n"
    "   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}],\n"
    " \"linux\": {\n"
    "  \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},\n"
    "  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"},"
    " {\"type\": \"uts\"}, {\"type\": \"mount\"}],\n"
    "  \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\","
    " \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\","
    " \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\"],\n"
    "  \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\","
    " \"/proc/sysrq-trigger\"]}}\n";

/* --image: the same config with the image's program, Env, WorkingDir and
 * User as the process. */
static json_t *image_config(const struct bench_image *im, json_t *cfg, json_t *args)
{
	json_t *proc = json_object_get(cfg, "process"), *envs = json_array();

	for (size_t i = 0; i < im->argc; i++)
		json_array_append_new(args, json_string(im->argv[i]));
	for (size_t i = 0; i < im->nenv; i++)
		json_array_append_new(envs, json_string(im->envv[i]));
	json_object_set_new(proc, "args", args);
	json_object_set_new(proc, "env", envs);
	json_object_set_new(proc, "cwd", json_string(im->cwd));
	json_object_set_new(
	    proc, "user",
	    json_pack("{s:I, s:I}", "uid", (json_int_t)im->uid, "gid", (json_int_t)im->gid));
	return cfg;
}

json_t *bundle_config(const struct bench_env *env)
{
	json_t *cfg = json_loads(oci_config_template, 0, NULL);
	json_t *args = json_array();

	if (!cfg || !args) {
		json_decref(cfg);
		json_decref(args);
		return NULL;
	}
	if (env->img)
		return image_config(env->img, cfg, args);
	json_array_append_new(args, json_string("/workload"));
	for (size_t i = 0; i < env->nwords; i++)
		json_array_append_new(args, json_string(env->words[i]));
	json_object_set_new(json_object_get(cfg, "process"), "args", args);
	return cfg;
}

static size_t count(json_t *cfg, const char *section, const char *key)
{
	json_t *o = section ? json_object_get(cfg, section) : cfg;

	return json_array_size(json_object_get(o, key));
}

void bundle_describe(const json_t *config, char *out, size_t len)
{
	json_t *cfg = (json_t *)config, *ns, *v;
	size_t off, i;

	off = (size_t)snprintf(out, len, "runc spec style: %zu mounts, namespaces",
	                       count(cfg, NULL, "mounts"));
	ns = json_object_get(json_object_get(cfg, "linux"), "namespaces");
	json_array_foreach(ns, i, v)
	{
		if (off < len)
			off += (size_t)snprintf(out + off, len - off, "%s%s", i ? "," : " ",
			                        json_string_value(json_object_get(v, "type")));
	}
	if (off < len)
		snprintf(out + off, len - off,
		         "; %zu capabilities; %zu masked, %zu read-only paths; read-only root; "
		         "seccomp %s",
		         count(json_object_get(cfg, "process"), "capabilities", "bounding"),
		         count(cfg, "linux", "maskedPaths"), count(cfg, "linux", "readonlyPaths"),
		         json_object_get(json_object_get(cfg, "linux"), "seccomp") ? "yes"
		                                                                   : "none");
}

static int write_config(const struct bench_env *env, const char *bundle, vc_err *err)
{
	char path[PATH_MAX + 16];
	json_t *cfg = bundle_config(env);
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
	if (env->img) /* the rootfs is the image's, mounted already */
		return write_config(env, bundle, err);
	if (mkdir_p(rootfs, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/proc", rootfs);
	if (mkdir_one(path, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/dev", rootfs);
	if (mkdir_one(path, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/sys", rootfs);
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
