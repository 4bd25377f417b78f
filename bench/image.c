#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* --- running the tools --------------------------------------------------- */

static void keep_last_line(const char *buf, size_t n, char *out, size_t len)
{
	size_t end = n, start;

	while (end && (buf[end - 1] == '\n' || buf[end - 1] == '\r'))
		end--;
	start = end;
	while (start && buf[start - 1] != '\n')
		start--;
	snprintf(out, len, "%.*s", (int)(end - start), buf + start);
}

int image_capture(char *const argv[], char *out, size_t len, char *errline, size_t errlen)
{
	int op[2], ep[2], st;
	char ebuf[4096];
	size_t olen = 0, elen = 0;
	pid_t pid;

	if (pipe2(op, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(ep, O_CLOEXEC) < 0) {
		close(op[0]), close(op[1]);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd < 0 || dup2(fd, 0) < 0 || dup2(op[1], 1) < 0 || dup2(ep[1], 2) < 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(2, "cannot execute %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(op[1]), close(ep[1]);
	if (pid < 0) {
		close(op[0]), close(ep[0]);
		return -1;
	}
	for (int open_fds = 2; open_fds > 0;) {
		struct pollfd p[2] = {{op[0], POLLIN, 0}, {ep[0], POLLIN, 0}};
		char buf[4096];

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				close(i ? ep[0] : op[0]);
				if (i)
					ep[0] = -1;
				else
					op[0] = -1;
				open_fds--;
				continue;
			}
			if (i == 0 && out) {
				size_t k = (size_t)n < len - 1 - olen ? (size_t)n : len - 1 - olen;

				memcpy(out + olen, buf, k);
				olen += k;
			} else if (i == 1) {
				/* keep the end of stderr */
				if ((size_t)n >= sizeof(ebuf)) {
					memcpy(ebuf, buf + (size_t)n - sizeof(ebuf), sizeof(ebuf));
					elen = sizeof(ebuf);
				} else {
					if (elen + (size_t)n > sizeof(ebuf)) {
						size_t drop = elen + (size_t)n - sizeof(ebuf);

						memmove(ebuf, ebuf + drop, elen - drop);
						elen -= drop;
					}
					memcpy(ebuf + elen, buf, (size_t)n);
					elen += (size_t)n;
				}
			}
		}
		if (op[0] < 0 && ep[0] < 0)
			break;
	}
	if (op[0] >= 0)
		close(op[0]);
	if (ep[0] >= 0)
		close(ep[0]);
	if (out) {
		out[olen] = '\0';
		while (olen && (out[olen - 1] == '\n' || out[olen - 1] == '\r'))
			out[--olen] = '\0';
	}
	if (errline)
		keep_last_line(ebuf, elen, errline, errlen);
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* --- strings kept in the image record ------------------------------------- */

static char *keep(struct bench_image *im, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if (n > sizeof(im->strings) - im->used)
		return NULL;
	p = im->strings + im->used;
	memcpy(p, s, n);
	im->used += n;
	return p;
}

static int add_word(struct bench_image *im, char **v, size_t *n, size_t max, const char *w,
                    vc_err *err)
{
	if (*n >= max || !(v[*n] = keep(im, w)))
		return vc_error(err, 0, "--image %s: too many or too long arguments or Env entries",
		                im->ref);
	v[++*n] = NULL;
	return 0;
}

/* --- the store ------------------------------------------------------------ */

static const char *store_root(void)
{
	const char *s = getenv("VCLAB_STORE");

	return s && *s ? s : "/var/lib/vclab";
}

static const char *hex_of(const char *digest)
{
	const char *c = strchr(digest, ':');

	return c ? c + 1 : digest;
}

static void blob_path(const struct bench_image *im, const char *digest, char *out, size_t len)
{
	snprintf(out, len, "%s/blobs/sha256/%s", im->store, hex_of(digest));
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* The bytes of a (gzip or plain) tar once uncompressed: what the layer
 * takes unpacked. zlib reads plain files through as they are. */
static int gunzip_size(const char *path, uint64_t *out)
{
	gzFile gz = gzopen(path, "rb");
	char buf[65536];
	int n;

	*out = 0;
	if (!gz)
		return -1;
	while ((n = gzread(gz, buf, sizeof(buf))) > 0)
		*out += (uint64_t)n;
	gzclose(gz);
	return n < 0 ? -1 : 0;
}

/* A reference that names a registry: its first component has a '.' or a
 * ':' or is localhost (the store's rule, images/ref.c). */
static bool names_registry(const char *ref)
{
	const char *slash = strchr(ref, '/');
	size_t n = slash ? (size_t)(slash - ref) : 0;

	if (!slash)
		return false;
	return memchr(ref, '.', n) || memchr(ref, ':', n) ||
	       (n == 9 && !strncmp(ref, "localhost", 9));
}

static int inspect(const char *ct, const char *ref, char *out, size_t len, char *errl,
                   size_t errlen)
{
	char *argv[] = {(char *)ct, "image", "inspect", (char *)ref, NULL};

	return image_capture(argv, out, len, errl, errlen);
}

/* Every other stored image's layers: which of ours they share. */
static void mark_shared(struct bench_image *im)
{
	char path[PATH_MAX + 32];
	json_t *index, *m;
	size_t i;

	snprintf(path, sizeof(path), "%s/index.json", im->store);
	index = json_load_file(path, 0, NULL);
	json_array_foreach(json_object_get(index, "manifests"), i, m)
	{
		const char *d = json_string_value(json_object_get(m, "digest"));
		json_t *man, *l;
		size_t j;

		if (!d || !strcmp(d, im->id))
			continue;
		blob_path(im, d, path, sizeof(path));
		man = json_load_file(path, 0, NULL);
		json_array_foreach(json_object_get(man, "layers"), j, l)
		{
			const char *ld = json_string_value(json_object_get(l, "digest"));

			for (size_t k = 0; ld && k < im->nlayers; k++)
				if (!strcmp(im->layer[k].digest, ld))
					im->layer[k].shared = true;
		}
		json_decref(man);
	}
	json_decref(index);
}

static int read_sizes(struct bench_image *im, const char *config_digest, vc_err *err)
{
	char path[PATH_MAX + 32];

	blob_path(im, im->id, path, sizeof(path));
	im->manifest_bytes = file_size(path);
	blob_path(im, config_digest, path, sizeof(path));
	im->config_bytes = file_size(path);
	if (!im->manifest_bytes || !im->config_bytes)
		return vc_error(err, 0, "--image %s: its manifest or config is not in the store %s",
		                im->ref, im->store);
	mark_shared(im);
	for (size_t i = 0; i < im->nlayers; i++) {
		uint64_t unpacked;

		im->layers_bytes += im->layer[i].bytes;
		if (im->layer[i].shared)
			im->shared_bytes += im->layer[i].bytes;
		blob_path(im, im->layer[i].digest, path, sizeof(path));
		if (gunzip_size(path, &unpacked) < 0)
			return vc_error(err, 0, "--image %s: cannot read layer %s in the store",
			                im->ref, im->layer[i].digest);
		im->unpacked_bytes += unpacked;
	}
	return 0;
}

static int read_strings(struct bench_image *im, json_t *arr, char **v, size_t *n, vc_err *err)
{
	json_t *x;
	size_t i;

	json_array_foreach(arr, i, x)
	{
		if (json_is_string(x) &&
		    add_word(im, v, n, IMAGE_MAX_ARGS, json_string_value(x), err) < 0)
			return -1;
	}
	return 0;
}

static int read_config(struct bench_image *im, json_t *cfg, const char *cmd, vc_err *err)
{
	const char *wd = json_string_value(json_object_get(cfg, "WorkingDir"));
	const char *user = json_string_value(json_object_get(cfg, "User"));
	bool path = false;
	json_t *e;
	size_t i;

	snprintf(im->cwd, sizeof(im->cwd), "%s", wd && *wd ? wd : "/");
	snprintf(im->user, sizeof(im->user), "%s", user ? user : "");
	json_array_foreach(json_object_get(cfg, "Env"), i, e)
	{
		const char *s = json_string_value(e);

		if (!s)
			continue;
		path |= !strncmp(s, "PATH=", 5);
		if (add_word(im, im->envv, &im->nenv, IMAGE_MAX_ENV, s, err) < 0)
			return -1;
	}
	if (!path && add_word(im, im->envv, &im->nenv, IMAGE_MAX_ENV, DEFAULT_PATH, err) < 0)
		return -1;
	if (read_strings(im, json_object_get(cfg, "Entrypoint"), im->argv, &im->argc, err) < 0)
		return -1;
	if (*cmd) {
		char buf[512], *save = NULL;

		snprintf(buf, sizeof(buf), "%s", cmd);
		for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
			if (add_word(im, im->cmdv, &im->cmdc, IMAGE_MAX_ARGS, w, err) < 0 ||
			    add_word(im, im->argv, &im->argc, IMAGE_MAX_ARGS, w, err) < 0)
				return -1;
	} else if (read_strings(im, json_object_get(cfg, "Cmd"), im->argv, &im->argc, err) < 0) {
		return -1;
	}
	if (!im->argc)
		return vc_error(
		    err, 0, "--image %s: the image has no Entrypoint or Cmd (give --cmd)", im->ref);
	return 0;
}

static int parse_inspect(struct bench_image *im, const char *text, const char *cmd, vc_err *err)
{
	json_t *root = json_loads(text, 0, NULL), *img = json_array_get(root, 0), *l;
	const char *id = json_string_value(json_object_get(img, "Id"));
	const char *cfgd = json_string_value(json_object_get(img, "ConfigDigest"));
	char config_digest[80];
	size_t i;
	int rc = 0;

	if (!id || !cfgd || !json_is_array(json_object_get(img, "Layers"))) {
		json_decref(root);
		return vc_error(err, 0, "--image %s: unexpected `container image inspect` output",
		                im->ref);
	}
	snprintf(im->id, sizeof(im->id), "%s", id);
	snprintf(config_digest, sizeof(config_digest), "%s", cfgd);
	json_array_foreach(json_object_get(img, "Layers"), i, l)
	{
		struct image_layer *L = &im->layer[im->nlayers];
		const char *d = json_string_value(json_object_get(l, "digest"));
		const char *diff = json_string_value(json_object_get(l, "diffID"));

		if (im->nlayers >= IMAGE_MAX_LAYERS || !d || !diff) {
			rc = vc_error(err, 0,
			              "--image %s: more than %d layers, or a layer without "
			              "digest",
			              im->ref, IMAGE_MAX_LAYERS);
			break;
		}
		snprintf(L->digest, sizeof(L->digest), "%s", d);
		snprintf(L->diff_id, sizeof(L->diff_id), "%s", diff);
		L->bytes = (uint64_t)json_integer_value(json_object_get(l, "size"));
		im->nlayers++;
	}
	if (rc == 0)
		rc = read_config(im, json_object_get(img, "Config"), cmd, err);
	json_decref(root);
	if (rc == 0)
		rc = read_sizes(im, config_digest, err);
	return rc;
}

int image_open(struct bench_image *im, const char *build, const char *ref, const char *cmd,
               vc_err *err)
{
	char ct[PATH_MAX], errl[300];
	size_t len = 1 << 20;
	char *out = malloc(len);
	int rc;

	if (!out)
		return vc_error(err, ENOMEM, "--image %s", ref);
	snprintf(im->ref, sizeof(im->ref), "%s", ref);
	snprintf(im->store, sizeof(im->store), "%.1000s", store_root());
	snprintf(ct, sizeof(ct), "%s/bin/container", build);
	if (access(ct, X_OK) < 0) {
		free(out);
		return vc_error(err, 0, "--image %s: build/bin/container is not built (make)", ref);
	}
	rc = inspect(ct, ref, out, len, errl, sizeof(errl));
	if (rc != 0 && names_registry(ref)) {
		char *pull[] = {ct, "pull", (char *)ref, NULL};

		rc = image_capture(pull, NULL, 0, errl, sizeof(errl));
		if (rc != 0) {
			free(out);
			return vc_error(err, 0,
			                "--image %s: not in the store, and `container pull` "
			                "failed: %s",
			                ref, errl);
		}
		rc = inspect(ct, ref, out, len, errl, sizeof(errl));
	}
	if (rc != 0) {
		free(out);
		return vc_error(err, 0,
		                "--image %s: no such image in the store %s (`container "
		                "images` lists them): %s",
		                ref, im->store, errl);
	}
	rc = parse_inspect(im, out, cmd, err);
	free(out);
	return rc;
}

/* --- the rootfs ------------------------------------------------------------ */

static int mkdir_one(const char *path, vc_err *err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return vc_error(err, errno, "mkdir %s", path);
	return 0;
}

static bool layers_unpacked(const struct bench_image *im)
{
	char path[PATH_MAX + 96];

	for (size_t i = 0; i < im->nlayers; i++) {
		snprintf(path, sizeof(path), "%s/layers/%s", im->store,
		         hex_of(im->layer[i].diff_id));
		if (access(path, F_OK) < 0)
			return false;
	}
	return true;
}

/* The store unpacks a layer at the first `container run` of its image:
 * one such run, not measured, with the command the bench will run. */
static int unpack_layers(struct bench_image *im, const char *build, vc_err *err)
{
	char ct[PATH_MAX], errl[300];
	char *argv[IMAGE_MAX_ARGS + 8] = {ct, "run", "--read-only", "--net", "none", im->ref};
	size_t n = 6;
	int rc;

	if (layers_unpacked(im))
		return 0;
	snprintf(ct, sizeof(ct), "%s/bin/container", build);
	for (size_t i = 0; i < im->cmdc; i++)
		argv[n++] = im->cmdv[i];
	argv[n] = NULL;
	rc = image_capture(argv, NULL, 0, errl, sizeof(errl));
	if (!layers_unpacked(im))
		return vc_error(err, 0,
		                "--image %s: unpacking its layers (`container run` of it "
		                "exited with %d): %s",
		                im->ref, rc, errl);
	return 0;
}

/* "NAME" or "ID" of User in the rootfs's passwd or group file. */
static int lookup_id(const char *rootfs, const char *file, const char *name, unsigned *id,
                     unsigned *gid)
{
	char path[PATH_MAX + 16], line[512];
	FILE *f;
	char *end;
	unsigned long v = strtoul(name, &end, 10);

	if (*name && !*end) {
		*id = (unsigned)v;
		return 0;
	}
	snprintf(path, sizeof(path), "%s/etc/%s", rootfs, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL, *n = strtok_r(line, ":", &save), *x, *u, *g;

		x = strtok_r(NULL, ":", &save);
		u = strtok_r(NULL, ":", &save);
		g = strtok_r(NULL, ":", &save);
		(void)x;
		if (n && u && !strcmp(n, name)) {
			*id = (unsigned)strtoul(u, NULL, 10);
			if (gid && g)
				*gid = (unsigned)strtoul(g, NULL, 10);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return -1;
}

static int resolve_user(struct bench_image *im, vc_err *err)
{
	char user[64], *colon;

	if (!im->user[0])
		return 0;
	snprintf(user, sizeof(user), "%s", im->user);
	colon = strchr(user, ':');
	if (colon)
		*colon++ = '\0';
	im->gid = 0;
	if (lookup_id(im->rootfs, "passwd", user, &im->uid, &im->gid) < 0 ||
	    (colon && lookup_id(im->rootfs, "group", colon, &im->gid, NULL) < 0))
		return vc_error(err, 0,
		                "--image %s: User '%s' is not in the image's /etc/passwd "
		                "or /etc/group",
		                im->ref, im->user);
	im->set_user = true;
	return 0;
}

static const char *const points[] = {"proc", "dev", "sys"};

int image_mount(struct bench_image *im, const char *build, const char *workdir, vc_err *err)
{
	char path[PATH_MAX + 16];
	char *opts;
	size_t off;
	int rc;

	if (unpack_layers(im, build, err) < 0)
		return -1;
	snprintf(path, sizeof(path), "%.1000s/image.XXXXXX", workdir);
	if (!mkdtemp(path))
		return vc_error(err, errno, "mkdtemp %s", path);
	snprintf(im->dir, sizeof(im->dir), "%.1050s", path);
	snprintf(im->top, sizeof(im->top), "%.1100s/top", im->dir);
	snprintf(im->bundle, sizeof(im->bundle), "%.1100s/bundle", im->dir);
	snprintf(im->rootfs, sizeof(im->rootfs), "%.1100s/bundle/rootfs", im->dir);
	if (mkdir_one(im->top, err) < 0 || mkdir_one(im->bundle, err) < 0 ||
	    mkdir_one(im->rootfs, err) < 0)
		return -1;
	/* The container runners mount /proc, /dev and /sys on a read-only
	 * root: their mount points come as one more (top) layer. */
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", im->top, points[i]);
		if (mkdir_one(path, err) < 0)
			return -1;
	}
	/* Mounted in a mount namespace of the bench's own: it goes when the
	 * bench ends, however it ends. */
	if (unshare(CLONE_NEWNS) < 0)
		return vc_error(err, errno, "unshare(CLONE_NEWNS) for the image's rootfs");
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return vc_error(err, errno, "making / private in the new mount namespace");
	opts = malloc(8192);
	if (!opts)
		return vc_error(err, ENOMEM, "overlay options");
	off = (size_t)snprintf(opts, 8192, "lowerdir=%s", im->top);
	for (size_t i = im->nlayers; i-- > 0 && off < 8192;)
		off += (size_t)snprintf(opts + off, 8192 - off, ":%s/layers/%s", im->store,
		                        hex_of(im->layer[i].diff_id));
	if (off >= 4000) {
		free(opts);
		return vc_error(err, 0, "--image %s: too many layers for one overlay mount",
		                im->ref);
	}
	rc = mount("overlay", im->rootfs, "overlay", MS_RDONLY, opts);
	free(opts);
	if (rc < 0)
		return vc_error(err, errno, "mount overlay of the image's layers at %s",
		                im->rootfs);
	return resolve_user(im, err);
}

void image_unmount(struct bench_image *im)
{
	char path[PATH_MAX + 32];

	if (!im->dir[0])
		return;
	umount2(im->rootfs, MNT_DETACH);
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", im->top, points[i]);
		rmdir(path);
	}
	snprintf(path, sizeof(path), "%s/config.json", im->bundle);
	unlink(path);
	rmdir(im->rootfs);
	rmdir(im->bundle);
	rmdir(im->top);
	rmdir(im->dir);
	im->dir[0] = '\0';
}

/* --- the microVM half --------------------------------------------------------- */

void image_vm_prepare(struct bench_image *im, const char *build)
{
	char vmm[PATH_MAX], ct[PATH_MAX], out[PATH_MAX + 64], errl[200];
	char *help[] = {vmm, "run", "--help", NULL};
	char *export[] = {ct, "image", "export", "--initramfs", im->ref, NULL};
	char *text = malloc(65536);
	int rc;

	snprintf(vmm, sizeof(vmm), "%s/bin/vmm", build);
	snprintf(ct, sizeof(ct), "%s/bin/container", build);
	if (!text) {
		snprintf(im->vm_reason, sizeof(im->vm_reason), "out of memory");
		return;
	}
	rc = access(vmm, X_OK) == 0 ? image_capture(help, text, 65536, NULL, 0) : -1;
	if (rc < 0 || !strstr(text, "--image")) {
		free(text);
		snprintf(im->vm_reason, sizeof(im->vm_reason),
		         "vmm cannot boot an image: `vmm run --help` has no --image (the microVM "
		         "half of issue 11 is not in this build)");
		return;
	}
	free(text);
	rc = image_capture(export, out, sizeof(out), errl, sizeof(errl));
	if (rc != 0 || !out[0] || access(out, R_OK) < 0) {
		snprintf(im->vm_reason, sizeof(im->vm_reason),
		         "container image export --initramfs %.60s failed (%d): %.120s", im->ref,
		         rc, errl);
		return;
	}
	snprintf(im->initramfs, sizeof(im->initramfs), "%.4000s", out);
	im->initramfs_bytes = file_size(out);
	if (gunzip_size(out, &im->initramfs_unpacked) < 0)
		im->initramfs_unpacked = 0;
}
