/* `container images` and `container image ...`: listing, inspecting,
 * removing, pruning, importing, saving and loading images (see README.md). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "image.h"
#include "initramfs.h"
#include "internal.h"
#include "store.h"

const char img_usage_text[] =
    "\nImages (an OCI image layout in $VCLAB_STORE, default " IMG_STORE_DEFAULT "):\n"
    "  container images                       list the images: name, tag, id, size\n"
    "  container image inspect NAME           config, layers (digests, sizes), history\n"
    "  container image rm NAME                remove the tag (blobs stay until prune)\n"
    "  container image prune                  remove blobs, layers and cached initramfs\n"
    "                                         files no image uses\n"
    "  container image import [--change 'INSTR']... TAR NAME\n"
    "                                         a rootfs tar as a one-layer image; INSTR:\n"
    "                                         ENV K=V, WORKDIR D, CMD, ENTRYPOINT, USER\n"
    "  container image save NAME DIR|FILE.tar an OCI image layout (umoci, skopeo read it)\n"
    "  container image load DIR|FILE.tar [NAME]  load an OCI image layout\n"
    "  container image export --initramfs REF [-o FILE]\n"
    "                                         the image flattened into a gzip cpio for\n"
    "                                         vmm run --image (vclab-init as its init);\n"
    "                                         cached in $VCLAB_STORE/initramfs without -o;\n"
    "                                         prints the file's path\n"
    "  container run [options] IMAGE [CMD...] run an image: an overlay of its layers,\n"
    "                                         its Env, Entrypoint, Cmd, WorkingDir, User\n";

bool img_is_verb(const char *verb)
{
	return !strcmp(verb, "images") || !strcmp(verb, "image");
}

static int fail(const vc_err *err)
{
	vc_error_print("container", err);
	return 1;
}

/* --- images ------------------------------------------------------------------ */

static int64_t image_size(struct img_store *s, const char *digest)
{
	struct img_manifest m;
	int64_t sum;
	vc_err e;

	if (img_manifest_read(s, digest, &m, &e) < 0)
		return -1;
	sum = m.config.size;
	for (size_t i = 0; i < m.n_layers; i++)
		sum += m.layers[i].size;
	img_manifest_free(&m);
	return sum;
}

static void human(int64_t n, char *buf, size_t len)
{
	if (n < 0)
		snprintf(buf, len, "?");
	else if (n < 10000)
		snprintf(buf, len, "%lldB", (long long)n);
	else if (n < 10000000)
		snprintf(buf, len, "%.1fkB", n / 1e3);
	else
		snprintf(buf, len, "%.1fMB", n / 1e6);
}

static int cmd_images(struct img_store *s, vc_err *err)
{
	struct img_entry *e;
	size_t n;

	if (img_list(s, &e, &n, err) < 0)
		return -1;
	printf("%-40s %-16s %-14s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "SIZE");
	for (size_t i = 0; i < n; i++) {
		struct img_ref r;
		char size[32];
		vc_err e2;

		if (img_ref_parse(e[i].ref, &r, &e2) < 0)
			continue;
		human(image_size(s, e[i].manifest.digest), size, sizeof(size));
		printf("%-40s %-16s %-14.12s %s\n", r.name, r.tag[0] ? r.tag : "<none>",
		       e[i].manifest.digest + 7, size);
	}
	free(e);
	return 0;
}

/* --- inspect ------------------------------------------------------------------- */

static int cmd_inspect(struct img_store *s, const char *name, vc_err *err)
{
	struct img_desc d;
	struct img_manifest m;
	struct img_config c;
	struct img_entry *e;
	size_t n;
	json_t *out, *tags, *layers;
	int64_t total = 0;
	char *text;

	if (img_resolve(s, name, &d, err) < 0 || img_manifest_read(s, d.digest, &m, err) < 0)
		return -1;
	if (img_config_read(s, m.config.digest, &c, err) < 0) {
		img_manifest_free(&m);
		return -1;
	}
	tags = json_array();
	if (img_list(s, &e, &n, err) == 0) {
		for (size_t i = 0; i < n; i++)
			if (!strcmp(e[i].manifest.digest, d.digest))
				json_array_append_new(tags, json_string(e[i].ref));
		free(e);
	}
	layers = json_array();
	for (size_t i = 0; i < m.n_layers; i++) {
		total += m.layers[i].size;
		json_array_append_new(layers, json_pack("{s:s, s:I, s:s, s:s?}", "digest",
		                                        m.layers[i].digest, "size",
		                                        (json_int_t)m.layers[i].size, "mediaType",
		                                        m.layers[i].media_type, "diffID",
		                                        i < c.n_diff_ids ? c.diff_ids[i] : NULL));
	}
	out = json_pack("[{s:s, s:o, s:s, s:O, s:O?, s:o, s:O?, s:I, s:O?, s:O?}]", "Id", d.digest,
	                "RepoTags", tags, "ConfigDigest", m.config.digest, "Manifest", m.json,
	                "Config", json_object_get(c.json, "config"), "Layers", layers, "History",
	                json_object_get(c.json, "history"), "Size", (json_int_t)total, "Created",
	                json_object_get(c.json, "created"), "Architecture",
	                json_object_get(c.json, "architecture"));
	text = out ? json_dumps(out, JSON_INDENT(4)) : NULL;
	json_decref(out);
	img_config_free(&c);
	img_manifest_free(&m);
	if (!text)
		return vc_error(err, ENOMEM, "inspect %s", name);
	puts(text);
	free(text);
	return 0;
}

/* --- import ----------------------------------------------------------------------- */

static json_t *shell_or_json(const char *arg)
{
	json_error_t je;
	json_t *j = json_loads(arg, 0, &je);

	if (j && json_is_array(j))
		return j;
	json_decref(j);
	return json_pack("[s,s,s]", "/bin/sh", "-c", arg);
}

/* One --change instruction onto the config's "config" object. */
static int apply_change(json_t *cfg, const char *change, vc_err *err)
{
	char kw[16];
	const char *arg;
	size_t n = strcspn(change, " \t");

	if (n >= sizeof(kw))
		return vc_error(err, 0, "--change '%s': unknown instruction", change);
	for (size_t i = 0; i < n; i++)
		kw[i] = (char)(change[i] >= 'a' && change[i] <= 'z' ? change[i] - 32 : change[i]);
	kw[n] = '\0';
	arg = change + n + strspn(change + n, " \t");
	if (!*arg)
		return vc_error(err, 0, "--change '%s': %s needs an argument", change, kw);
	if (!strcmp(kw, "ENV")) {
		json_t *env = json_object_get(cfg, "Env");
		char kv[4096];
		const char *eq = strchr(arg, '='), *sp = strpbrk(arg, " \t");

		if (!env) {
			env = json_array();
			json_object_set_new(cfg, "Env", env);
		}
		if (!eq || (sp && sp < eq)) {
			if (!sp)
				return vc_error(err, 0, "--change '%s': expected ENV K=V", change);
			snprintf(kv, sizeof(kv), "%.*s=%s", (int)(sp - arg), arg,
			         sp + strspn(sp, " \t"));
		} else {
			snprintf(kv, sizeof(kv), "%s", arg);
		}
		json_array_append_new(env, json_string(kv));
	} else if (!strcmp(kw, "WORKDIR")) {
		if (arg[0] != '/')
			return vc_error(err, 0, "--change '%s': WORKDIR must be absolute", change);
		json_object_set_new(cfg, "WorkingDir", json_string(arg));
	} else if (!strcmp(kw, "USER")) {
		json_object_set_new(cfg, "User", json_string(arg));
	} else if (!strcmp(kw, "CMD")) {
		json_object_set_new(cfg, "Cmd", shell_or_json(arg));
	} else if (!strcmp(kw, "ENTRYPOINT")) {
		json_object_set_new(cfg, "Entrypoint", shell_or_json(arg));
	} else {
		return vc_error(err, 0,
		                "--change '%s': unknown instruction (ENV, WORKDIR, USER, CMD, "
		                "ENTRYPOINT)",
		                change);
	}
	return 0;
}

/* Is the file a tar that libarchive reads to its end? */
static int check_tar(const char *tar, vc_err *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int r, n = 0;

	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open_filename(a, tar, 65536) != ARCHIVE_OK) {
		vc_error(err, archive_errno(a) > 0 ? archive_errno(a) : 0, "%s",
		         archive_error_string(a) ? archive_error_string(a) : tar);
		archive_read_free(a);
		return vc_error_wrap(err, "import %s", tar);
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		n++;
		if (archive_read_data_skip(a) != ARCHIVE_OK) {
			r = ARCHIVE_FATAL;
			break;
		}
	}
	if (r != ARCHIVE_EOF || !n) {
		vc_error(err, 0, "import %s: not a complete tar archive (%s)", tar,
		         n ? archive_error_string(a) : "no entries");
		archive_read_free(a);
		return -1;
	}
	archive_read_free(a);
	return 0;
}

/* gzip the tar into a blob: layer digest, size, and the diff id. */
static int gzip_layer(struct img_store *s, const char *tar, struct img_desc *layer,
                      char diff_id[IMG_DIGEST_SIZE], vc_err *err)
{
	static unsigned char in[65536], out[65536];
	struct img_blob_writer *w = NULL;
	struct img_hash h = {0};
	z_stream z = {0};
	int fd = open(tar, O_RDONLY | O_CLOEXEC), zr = Z_OK;
	ssize_t r;

	if (fd < 0)
		return vc_error(err, errno, "import %s", tar);
	if (img_hash_init(&h, err) < 0 || img_blob_begin(s, &w, err) < 0)
		goto fail;
	if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		vc_error(err, ENOMEM, "import %s: zlib", tar);
		goto fail;
	}
	do {
		r = read(fd, in, sizeof(in));
		if (r < 0) {
			vc_error(err, errno, "import %s", tar);
			deflateEnd(&z);
			goto fail;
		}
		img_hash_update(&h, in, (size_t)r);
		z.next_in = in;
		z.avail_in = (uInt)r;
		do {
			z.next_out = out;
			z.avail_out = sizeof(out);
			zr = deflate(&z, r ? Z_NO_FLUSH : Z_FINISH);
			if (zr == Z_STREAM_ERROR) {
				vc_error(err, 0, "import %s: zlib deflate failed", tar);
				deflateEnd(&z);
				goto fail;
			}
			if (img_blob_write(w, out, sizeof(out) - z.avail_out, err) < 0) {
				deflateEnd(&z);
				goto fail;
			}
		} while (z.avail_out == 0);
	} while (r > 0);
	deflateEnd(&z);
	close(fd);
	img_hash_final(&h, diff_id);
	snprintf(layer->media_type, sizeof(layer->media_type), "%s", IMG_MT_LAYER_GZIP);
	return img_blob_finish(w, NULL, layer->digest, &layer->size, err);
fail:
	img_blob_abort(w);
	if (h.ctx)
		img_hash_free(&h);
	close(fd);
	return -1;
}

static void now_rfc3339(char *buf, size_t len)
{
	time_t t = time(NULL);
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	struct tm tm;

	if (sde && *sde)
		t = (time_t)strtoll(sde, NULL, 10);
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A config and manifest blob for the given layers; tag the manifest. */
static int put_image(struct img_store *s, const char *name, json_t *cfg, json_t *history,
                     const struct img_desc *layers, char (*diff_ids)[IMG_DIGEST_SIZE], size_t n,
                     struct img_desc *manifest, vc_err *err)
{
	char created[32], *text = NULL;
	json_t *config, *jl = json_array(), *jd = json_array(), *man = NULL;
	struct img_desc cd = {0};
	int rc = -1;

	now_rfc3339(created, sizeof(created));
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(jd, json_string(diff_ids[i]));
		json_array_append_new(
		    jl, json_pack("{s:s, s:s, s:I}", "mediaType", layers[i].media_type, "digest",
		                  layers[i].digest, "size", (json_int_t)layers[i].size));
	}
	config = json_pack("{s:s, s:s, s:s, s:O, s:{s:s, s:o}, s:O}", "created", created,
	                   "architecture", "amd64", "os", "linux", "config", cfg, "rootfs", "type",
	                   "layers", "diff_ids", jd, "history", history);
	if (!config)
		goto nomem;
	text = json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		goto nomem;
	snprintf(cd.media_type, sizeof(cd.media_type), "%s", IMG_MT_CONFIG);
	cd.size = (int64_t)strlen(text);
	if (img_blob_put(s, text, strlen(text), NULL, cd.digest, err) < 0)
		goto out;
	free(text);
	man = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:O}", "schemaVersion", 2, "mediaType",
	                IMG_MT_MANIFEST, "config", "mediaType", cd.media_type, "digest", cd.digest,
	                "size", (json_int_t)cd.size, "layers", jl);
	text = man ? json_dumps(man, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (!text)
		goto nomem;
	snprintf(manifest->media_type, sizeof(manifest->media_type), "%s", IMG_MT_MANIFEST);
	manifest->size = (int64_t)strlen(text);
	if (img_blob_put(s, text, strlen(text), NULL, manifest->digest, err) < 0 ||
	    img_tag(s, name, manifest, err) < 0)
		goto out;
	rc = 0;
	goto out;
nomem:
	vc_error(err, ENOMEM, "image %s", name);
out:
	free(text);
	json_decref(config);
	json_decref(man);
	json_decref(jl);
	return rc;
}

static int cmd_import(struct img_store *s, int argc, char **argv, vc_err *err)
{
	json_t *cfg = json_object(), *hist;
	const char *tar = NULL, *name = NULL, *base;
	struct img_desc layer, manifest;
	char diff[1][IMG_DIGEST_SIZE], created[32], by[PATH_MAX + 64];
	struct img_ref r;
	int rc = -1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--change") && i + 1 < argc) {
			if (apply_change(cfg, argv[++i], err) < 0)
				goto out;
		} else if (!strncmp(argv[i], "--change=", 9)) {
			if (apply_change(cfg, argv[i] + 9, err) < 0)
				goto out;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			vc_error(err, 0, "image import: unknown option '%s'", argv[i]);
			goto out;
		} else if (!tar) {
			tar = argv[i];
		} else if (!name) {
			name = argv[i];
		} else {
			vc_error(err, 0, "image import: too many arguments ('%s')", argv[i]);
			goto out;
		}
	}
	if (!name) {
		vc_error(err, 0, "image import: expected [--change INSTR]... TAR NAME");
		goto out;
	}
	if (img_ref_parse(name, &r, err) < 0 || check_tar(tar, err) < 0 ||
	    gzip_layer(s, tar, &layer, diff[0], err) < 0)
		goto out;
	now_rfc3339(created, sizeof(created));
	base = strrchr(tar, '/') ? strrchr(tar, '/') + 1 : tar;
	snprintf(by, sizeof(by), "container image import %s", base);
	hist = json_pack("[{s:s, s:s}]", "created", created, "created_by", by);
	rc = put_image(s, r.full, cfg, hist, &layer, diff, 1, &manifest, err);
	json_decref(hist);
	if (rc == 0)
		printf("%s %s\n", r.full, manifest.digest);
out:
	json_decref(cfg);
	return rc;
}

/* --- save ------------------------------------------------------------------------ */

/* Every blob of an image: manifest, config, layers. */
static int image_blobs(struct img_store *s, const struct img_desc *d, struct img_desc **out,
                       size_t *n, vc_err *err)
{
	struct img_manifest m;

	if (img_manifest_read(s, d->digest, &m, err) < 0)
		return -1;
	*out = calloc(m.n_layers + 2, sizeof(**out));
	if (!*out) {
		img_manifest_free(&m);
		return vc_error(err, ENOMEM, "image");
	}
	(*out)[0] = *d;
	(*out)[1] = m.config;
	memcpy(*out + 2, m.layers, m.n_layers * sizeof(*m.layers));
	*n = m.n_layers + 2;
	img_manifest_free(&m);
	return 0;
}

static char *layout_index(const char *full, const struct img_ref *r, const struct img_desc *d)
{
	json_t *j = json_pack("{s:i, s:[{s:s, s:s, s:I, s:{s:s, s:s}}]}", "schemaVersion", 2,
	                      "manifests", "mediaType", d->media_type, "digest", d->digest, "size",
	                      (json_int_t)d->size, "annotations", IMG_ANN_REF_NAME,
	                      r->tag[0] ? r->tag : "latest", "io.containerd.image.name", full);
	char *t = j ? json_dumps(j, JSON_INDENT(2)) : NULL;

	json_decref(j);
	return t;
}

static const char oci_layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

/* Copy a blob out of the store, checking its digest as it goes. */
static int copy_blob(struct img_store *s, const struct img_desc *d, int out_fd, struct archive *ar,
                     vc_err *err)
{
	char buf[65536], got[IMG_DIGEST_SIZE];
	struct img_hash h;
	int fd = img_blob_open(s, d->digest, err);
	ssize_t r;

	if (fd < 0)
		return -1;
	if (img_hash_init(&h, err) < 0) {
		close(fd);
		return -1;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		img_hash_update(&h, buf, (size_t)r);
		if ((out_fd >= 0 && write(out_fd, buf, (size_t)r) != r) ||
		    (ar && archive_write_data(ar, buf, (size_t)r) != r)) {
			img_hash_free(&h);
			close(fd);
			return vc_error(err, errno, "writing blob %s", d->digest);
		}
	}
	close(fd);
	img_hash_final(&h, got);
	if (r < 0 || strcmp(got, d->digest))
		return vc_error(err, r < 0 ? errno : 0,
		                "blob %s: corrupted in the store (its content is %s)", d->digest,
		                got);
	return 0;
}

static int save_dir(struct img_store *s, const char *dir, const char *idx, struct img_desc *b,
                    size_t n, vc_err *err)
{
	char p[PATH_MAX + 128];

	if (mkdir(dir, 0755) < 0)
		return vc_error(err, errno, "image save: %s", dir);
	snprintf(p, sizeof(p), "%s/blobs", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/blobs/sha256", dir);
	if (mkdir(p, 0755) < 0)
		return vc_error(err, errno, "image save: %s", p);
	snprintf(p, sizeof(p), "%s/oci-layout", dir);
	if (img_write_file(p, oci_layout, strlen(oci_layout), err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int fd, rc;

		snprintf(p, sizeof(p), "%s/blobs/sha256/%s", dir, b[i].digest + 7);
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return vc_error(err, errno, "image save: %s", p);
		rc = copy_blob(s, &b[i], fd, NULL, err);
		close(fd);
		if (rc < 0)
			return -1;
	}
	snprintf(p, sizeof(p), "%s/index.json", dir);
	return img_write_file(p, idx, strlen(idx), err);
}

static int tar_add(struct archive *a, const char *path, mode_t type, int64_t size, vc_err *err)
{
	struct archive_entry *e = archive_entry_new();
	int r;

	archive_entry_set_pathname(e, path);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_size(e, type == AE_IFDIR ? 0 : size);
	r = archive_write_header(a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return vc_error(err, 0, "image save: %s: %s", path, archive_error_string(a));
	return 0;
}

static int save_tar(struct img_store *s, const char *file, const char *idx, struct img_desc *b,
                    size_t n, vc_err *err)
{
	struct archive *a = archive_write_new();
	char p[128];
	int rc = -1;

	archive_write_set_format_pax_restricted(a);
	if (archive_write_open_filename(a, file) != ARCHIVE_OK) {
		vc_error(err, archive_errno(a) > 0 ? archive_errno(a) : 0, "image save: %s", file);
		goto out;
	}
	if (tar_add(a, "oci-layout", AE_IFREG, (int64_t)strlen(oci_layout), err) < 0 ||
	    archive_write_data(a, oci_layout, strlen(oci_layout)) < 0 ||
	    tar_add(a, "index.json", AE_IFREG, (int64_t)strlen(idx), err) < 0 ||
	    archive_write_data(a, idx, strlen(idx)) < 0 ||
	    tar_add(a, "blobs", AE_IFDIR, 0, err) < 0 ||
	    tar_add(a, "blobs/sha256", AE_IFDIR, 0, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "blobs/sha256/%s", b[i].digest + 7);
		if (tar_add(a, p, AE_IFREG, b[i].size, err) < 0 ||
		    copy_blob(s, &b[i], -1, a, err) < 0)
			goto out;
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		vc_error(err, 0, "image save: %s: %s", file, archive_error_string(a));
		goto out;
	}
	rc = 0;
out:
	archive_write_free(a);
	return rc;
}

static int cmd_save(struct img_store *s, const char *name, const char *dest, vc_err *err)
{
	struct img_desc d, dd, *b = NULL;
	struct img_entry *e;
	struct img_ref r = {0};
	char full[IMG_REF_MAX] = "", tmp[PATH_MAX];
	size_t n = 0, ne = 0, len = strlen(dest);
	bool tar = len > 4 && !strcmp(dest + len - 4, ".tar");
	char *idx = NULL;
	int rc = -1;

	if (img_resolve(s, name, &d, err) < 0 || image_blobs(s, &d, &b, &n, err) < 0)
		return -1;
	if (img_list(s, &e, &ne, err) == 0) {
		for (size_t i = 0; i < ne; i++)
			if (!strcmp(e[i].manifest.digest, d.digest) && !full[0])
				snprintf(full, sizeof(full), "%s", e[i].ref);
		free(e);
	}
	/* the name asked for, when it is one of this image's tags */
	if (img_ref_parse(name, &r, err) == 0 && !img_resolve(s, r.full, &dd, err) &&
	    !strcmp(dd.digest, d.digest))
		snprintf(full, sizeof(full), "%s", r.full);
	if (full[0] && img_ref_parse(full, &r, err) < 0)
		goto out;
	idx = layout_index(full, &r, &d);
	if (!idx) {
		vc_error(err, ENOMEM, "image save");
		goto out;
	}
	if (len > PATH_MAX - 256) {
		vc_error(err, ENAMETOOLONG, "image save: %.64s...", dest);
		goto out;
	}
	if (access(dest, F_OK) == 0) {
		vc_error(err, EEXIST, "image save: %s", dest);
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", dest, (int)getpid());
	rc = tar ? save_tar(s, tmp, idx, b, n, err) : save_dir(s, tmp, idx, b, n, err);
	if (rc == 0 && rename(tmp, dest) < 0)
		rc = vc_error(err, errno, "image save: %s", dest);
	if (rc < 0)
		img_rmtree(tmp);
	else
		printf("saved %s to %s\n", full[0] ? full : d.digest, dest);
out:
	free(idx);
	free(b);
	return rc;
}

/* --- load --------------------------------------------------------------------------- */

/* Copy blob d from an OCI layout directory into the store (verified). */
static int load_blob(struct img_store *s, const char *dir, const struct img_desc *d, vc_err *err)
{
	char p[PATH_MAX], buf[65536];
	struct img_blob_writer *w;
	ssize_t r;
	int fd;

	if (img_blob_exists(s, d->digest))
		return 0;
	snprintf(p, sizeof(p), "%s/blobs/sha256/%s", dir, d->digest + 7);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vc_error(err, errno, "image load: blob %s", d->digest);
	if (img_blob_begin(s, &w, err) < 0) {
		close(fd);
		return -1;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		if (img_blob_write(w, buf, (size_t)r, err) < 0) {
			close(fd);
			img_blob_abort(w);
			return -1;
		}
	close(fd);
	if (r < 0) {
		img_blob_abort(w);
		return vc_error(err, errno, "image load: blob %s", d->digest);
	}
	if (img_blob_finish(w, d->digest, NULL, NULL, err) < 0)
		return vc_error_wrap(err, "image load: blob %.19s", d->digest);
	return 0;
}

static int desc_of(json_t *j, struct img_desc *d, vc_err *err)
{
	const char *mt = json_string_value(json_object_get(j, "mediaType"));
	const char *dg = json_string_value(json_object_get(j, "digest"));

	memset(d, 0, sizeof(*d));
	if (!dg || !img_digest_valid(dg) || !json_is_integer(json_object_get(j, "size")))
		return vc_error(err, 0, "image load: a descriptor without a valid digest and size");
	snprintf(d->media_type, sizeof(d->media_type), "%s", mt ? mt : IMG_MT_MANIFEST);
	snprintf(d->digest, sizeof(d->digest), "%s", dg);
	d->size = json_integer_value(json_object_get(j, "size"));
	return 0;
}

static int load_dir(struct img_store *s, const char *dir, const char *name, vc_err *err)
{
	char p[PATH_MAX];
	json_error_t je;
	json_t *idx, *arr, *m;
	size_t i;
	int rc = -1;

	snprintf(p, sizeof(p), "%s/index.json", dir);
	idx = json_load_file(p, 0, &je);
	arr = json_object_get(idx, "manifests");
	if (!json_is_array(arr) || !json_array_size(arr)) {
		json_decref(idx);
		return vc_error(err, 0,
		                "image load: %s: not an OCI image layout (no manifests in "
		                "index.json)",
		                dir);
	}
	if (name && json_array_size(arr) > 1) {
		json_decref(idx);
		return vc_error(err, 0, "image load: %s holds %zu images: NAME only for one", dir,
		                json_array_size(arr));
	}
	json_array_foreach(arr, i, m)
	{
		json_t *ann = json_object_get(m, "annotations");
		const char *ref = name;
		struct img_desc d;
		struct img_manifest man;
		struct img_ref r;

		if (!ref)
			ref = json_string_value(json_object_get(ann, "io.containerd.image.name"));
		if (!ref) {
			ref = json_string_value(json_object_get(ann, IMG_ANN_REF_NAME));
			if (ref && !strpbrk(ref, ":/"))
				ref = NULL; /* just a tag: whose? */
		}
		if (!ref) {
			vc_error(err, 0,
			         "image load: %s: manifest %zu has no image name (give NAME)", dir,
			         i);
			goto out;
		}
		if (img_ref_parse(ref, &r, err) < 0 || desc_of(m, &d, err) < 0)
			goto out;
		if (strcmp(d.media_type, IMG_MT_MANIFEST) &&
		    strcmp(d.media_type, IMG_MT_DOCKER_MANIFEST)) {
			vc_error(err, 0, "image load: %s: %s is not supported (an image manifest)",
			         dir, d.media_type);
			goto out;
		}
		if (load_blob(s, dir, &d, err) < 0 || img_manifest_read(s, d.digest, &man, err) < 0)
			goto out;
		rc = load_blob(s, dir, &man.config, err);
		for (size_t k = 0; rc == 0 && k < man.n_layers; k++)
			rc = load_blob(s, dir, &man.layers[k], err);
		img_manifest_free(&man);
		if (rc < 0 || (rc = img_tag(s, r.full, &d, err)) < 0)
			goto out;
		printf("Loaded image: %s\n", r.full);
	}
	rc = 0;
out:
	json_decref(idx);
	return rc;
}

/* Unpack the layout tar into a temp directory of the store, then load it. */
static int untar_layout(struct archive *a, struct archive *w, const char *file, vc_err *err)
{
	struct archive_entry *e;
	int r;

	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		mode_t t = archive_entry_filetype(e);
		const void *buf;
		size_t size;
		la_int64_t off;

		if (t != AE_IFREG && t != AE_IFDIR)
			continue; /* a layout holds files and directories only */
		if (archive_write_header(w, e) != ARCHIVE_OK)
			return vc_error(err, 0, "image load: %s: entry '%s': %s", file,
			                archive_entry_pathname(e), archive_error_string(w));
		while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK)
			if (archive_write_data_block(w, buf, size, off) != ARCHIVE_OK)
				return vc_error(
				    err, archive_errno(w) > 0 ? archive_errno(w) : errno,
				    "image load: %s: writing %s", file, archive_entry_pathname(e));
		if (r != ARCHIVE_EOF)
			return vc_error(err, 0, "image load: %s: %s", file,
			                archive_error_string(a));
		archive_write_finish_entry(w);
	}
	if (r != ARCHIVE_EOF)
		return vc_error(err, 0, "image load: %s: %s", file, archive_error_string(a));
	return 0;
}

static int load_tar(struct img_store *s, const char *file, const char *name, vc_err *err)
{
	struct archive *a = archive_read_new(), *w = archive_write_disk_new();
	char tmp[PATH_MAX];
	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;

	if (cwd < 0 || img_store_subdir(s, "tmp/load-XXXXXX", tmp, sizeof(tmp)) < 0 ||
	    !mkdtemp(tmp)) {
		vc_error(err, errno, "image load: temp directory");
		goto out;
	}
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_write_disk_set_options(w, ARCHIVE_EXTRACT_SECURE_NODOTDOT |
	                                      ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	                                      ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	if (archive_read_open_filename(a, file, 65536) != ARCHIVE_OK) {
		vc_error(err, archive_errno(a) > 0 ? archive_errno(a) : 0, "image load: %s: %s",
		         file, archive_error_string(a));
		goto rm;
	}
	if (chdir(tmp) < 0) {
		vc_error(err, errno, "image load: %s", tmp);
		goto rm;
	}
	rc = untar_layout(a, w, file, err);
	if (fchdir(cwd) < 0 && rc == 0)
		rc = vc_error(err, errno, "image load: back to the working directory");
	if (rc == 0)
		rc = load_dir(s, tmp, name, err);
rm:
	img_rmtree(tmp);
out:
	if (cwd >= 0)
		close(cwd);
	archive_read_free(a);
	archive_write_free(w);
	return rc;
}

static int cmd_load(struct img_store *s, const char *src, const char *name, vc_err *err)
{
	struct stat st;

	if (stat(src, &st) < 0)
		return vc_error(err, errno, "image load: %s", src);
	return S_ISDIR(st.st_mode) ? load_dir(s, src, name, err) : load_tar(s, src, name, err);
}

/* --- dispatch ------------------------------------------------------------------------ */

int img_main(int argc, char **argv)
{
	struct img_store *s = NULL;
	const char *sub = !strcmp(argv[0], "images") ? "ls" : (argc > 1 ? argv[1] : "");
	int sargc = !strcmp(argv[0], "images") ? argc : argc - 1;
	char **sargv = !strcmp(argv[0], "images") ? argv : argv + 1;
	vc_err err = {0};
	int rc = -1;

	if (!strcmp(sub, "-h") || !strcmp(sub, "--help") ||
	    (sargc > 1 && (!strcmp(sargv[1], "-h") || !strcmp(sargv[1], "--help")))) {
		fputs(img_usage_text, stdout);
		return 0;
	}
	if (strcmp(sub, "ls") && strcmp(sub, "list") && strcmp(sub, "inspect") &&
	    strcmp(sub, "rm") && strcmp(sub, "prune") && strcmp(sub, "import") &&
	    strcmp(sub, "save") && strcmp(sub, "load") && strcmp(sub, "export")) {
		vc_error(&err, 0,
		         "image: unknown command '%s' (inspect, rm, prune, import, save, "
		         "load, export; see container --help)",
		         sub);
		return fail(&err);
	}
	if (img_store_open(&s, NULL, &err) < 0)
		return fail(&err);
	if (!strcmp(sub, "ls") || !strcmp(sub, "list"))
		rc = sargc == 1 ? cmd_images(s, &err)
		                : vc_error(&err, 0, "images: no arguments expected");
	else if (!strcmp(sub, "inspect"))
		rc = sargc == 2 ? cmd_inspect(s, sargv[1], &err)
		                : vc_error(&err, 0, "image inspect: expected NAME");
	else if (!strcmp(sub, "rm")) {
		rc = sargc >= 2 ? 0 : vc_error(&err, 0, "image rm: expected NAME...");
		for (int i = 1; rc == 0 && i < sargc; i++) {
			rc = img_untag(s, sargv[i], &err);
			if (rc == 0)
				printf("Untagged: %s\n", sargv[i]);
		}
	} else if (!strcmp(sub, "prune")) {
		size_t n = 0;
		int64_t bytes = 0;

		rc = sargc == 1 ? img_store_prune(s, &n, &bytes, &err)
		                : vc_error(&err, 0, "image prune: no arguments expected");
		if (rc == 0)
			printf("removed %zu blobs and cached files, %lld bytes\n", n,
			       (long long)bytes);
	} else if (!strcmp(sub, "import"))
		rc = cmd_import(s, sargc, sargv, &err);
	else if (!strcmp(sub, "save"))
		rc = sargc == 3 ? cmd_save(s, sargv[1], sargv[2], &err)
		                : vc_error(&err, 0, "image save: expected NAME DIR|FILE.tar");
	else if (!strcmp(sub, "export"))
		rc = img_cmd_export(s, sargc, sargv, &err);
	else if (!strcmp(sub, "load"))
		rc = sargc == 2 || sargc == 3
		         ? cmd_load(s, sargv[1], sargc == 3 ? sargv[2] : NULL, &err)
		         : vc_error(&err, 0, "image load: expected DIR|FILE.tar [NAME]");
	img_store_close(s);
	return rc < 0 ? fail(&err) : 0;
}
