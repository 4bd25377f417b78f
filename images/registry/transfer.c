/* Pull and push: see transfer.h. */
#include "transfer.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "progress.h"
#include "store.h"

#define MANIFEST_MAX (4u << 20)

static bool is_index(const char *mt)
{
	return !strcmp(mt, IMG_MT_INDEX) || !strcmp(mt, IMG_MT_DOCKER_LIST);
}

static bool is_manifest(const char *mt)
{
	return !strcmp(mt, IMG_MT_MANIFEST) || !strcmp(mt, IMG_MT_DOCKER_MANIFEST);
}

/* Read one descriptor of a manifest: a digest we can trust as a file name,
 * a size >= 0. */
static int parse_desc(json_t *j, const char *what, struct img_desc *d, vc_err *err)
{
	const char *mt = json_string_value(json_object_get(j, "mediaType"));
	const char *dg = json_string_value(json_object_get(j, "digest"));
	json_t *sz = json_object_get(j, "size");

	if (!json_is_object(j) || !dg || !json_is_integer(sz) || json_integer_value(sz) < 0)
		return vc_error(err, 0, "%s: not a descriptor (mediaType, digest, size)", what);
	if (!img_digest_valid(dg))
		return vc_error(err, 0, "%s: digest '%s' is not sha256:<64 hex digits>", what, dg);
	snprintf(d->media_type, sizeof(d->media_type), "%s", mt ? mt : "");
	snprintf(d->digest, sizeof(d->digest), "%s", dg);
	d->size = json_integer_value(sz);
	return 0;
}

/* An image index: the linux/amd64 manifest's descriptor. */
static int pick_platform(const char *body, size_t len, struct img_desc *d, vc_err *err)
{
	json_t *j = json_loadb(body, len, 0, NULL), *m;
	char seen[256] = "";
	size_t i, o = 0;
	int rc = -1;

	if (!json_is_array(json_object_get(j, "manifests"))) {
		vc_error(err, 0, "image index: no manifests array");
		goto out;
	}
	json_array_foreach(json_object_get(j, "manifests"), i, m)
	{
		json_t *pl = json_object_get(m, "platform");
		const char *os = json_string_value(json_object_get(pl, "os"));
		const char *arch = json_string_value(json_object_get(pl, "architecture"));

		if (os && arch && !strcmp(os, "linux") && !strcmp(arch, "amd64")) {
			rc = parse_desc(m, "image index: linux/amd64 entry", d, err);
			goto out;
		}
		if (o < sizeof(seen) - 1)
			o += (size_t)snprintf(seen + o, sizeof(seen) - o, "%s%s/%s", o ? ", " : "",
			                      os ? os : "?", arch ? arch : "?");
	}
	vc_error(err, 0, "image index: no linux/amd64 image (it has: %s)", o ? seen : "nothing");
out:
	json_decref(j);
	return rc;
}

/* The blobs of a manifest: config first, then the layers. *descs is
 * malloc()ed. */
static int parse_manifest(const char *body, size_t len, struct img_desc **descs, size_t *n,
                          vc_err *err)
{
	json_t *j = json_loadb(body, len, 0, NULL), *layers, *l;
	struct img_desc *d = NULL;
	size_t i;
	int rc = -1;

	*descs = NULL;
	*n = 0;
	layers = json_object_get(j, "layers");
	if (!j || json_integer_value(json_object_get(j, "schemaVersion")) != 2 ||
	    !json_is_array(layers)) {
		vc_error(err, 0, "manifest: not an image manifest (schemaVersion 2 with layers)");
		goto out;
	}
	d = calloc(json_array_size(layers) + 1, sizeof(*d));
	if (!d) {
		vc_error(err, ENOMEM, "manifest");
		goto out;
	}
	if (parse_desc(json_object_get(j, "config"), "manifest: config", &d[0], err) < 0)
		goto out;
	json_array_foreach(layers, i, l)
	{
		char what[64];

		snprintf(what, sizeof(what), "manifest: layer %zu", i + 1);
		if (parse_desc(l, what, &d[i + 1], err) < 0)
			goto out;
	}
	*descs = d;
	*n = json_array_size(layers) + 1;
	d = NULL;
	rc = 0;
out:
	free(d);
	json_decref(j);
	return rc;
}

/* ------------------------------------------------------------------ pull */

struct download {
	struct img_blob_writer *w;
	EVP_MD_CTX *md;
	uint64_t got, want;
	const char *digest;
	struct progress *p;
	int line;
};

static int on_blob_data(const void *buf, size_t n, void *arg, vc_err *err)
{
	struct download *d = arg;

	if (d->got + n > d->want)
		return vc_error(err, 0, "blob %s: more than the %llu bytes the manifest gives",
		                d->digest, (unsigned long long)d->want);
	d->got += n;
	if (EVP_DigestUpdate(d->md, buf, n) != 1)
		return vc_error(err, 0, "blob %s: SHA-256 failed", d->digest);
	return img_blob_write(d->w, buf, n, err);
}

static void on_download_progress(uint64_t done, void *arg)
{
	struct download *d = arg;

	progress_update(d->p, d->line, "Downloading", done);
}

/* Stream one blob into a writer left open (*w) once it proved to be what
 * the manifest says: its size and its SHA-256. */
static int download(struct registry *reg, const struct img_desc *desc, struct img_store *s,
                    struct progress *p, int line, struct img_blob_writer **w, vc_err *err)
{
	struct download d = {
	    .want = (uint64_t)desc->size, .digest = desc->digest, .p = p, .line = line};
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char got[IMG_DIGEST_SIZE];
	int rc = -1;

	*w = NULL;
	d.md = EVP_MD_CTX_new();
	if (!d.md || EVP_DigestInit_ex(d.md, EVP_sha256(), NULL) != 1) {
		vc_error(err, 0, "blob %s: SHA-256 unavailable", desc->digest);
		goto out;
	}
	if (img_blob_begin(s, &d.w, err) < 0)
		goto out;
	if (reg_get_blob(reg, desc->digest, on_blob_data, &d, on_download_progress, &d, err) < 0)
		goto out;
	if (d.got != d.want) {
		vc_error(err, 0, "GET %s: blob %s is %llu bytes, the manifest says %llu", reg->url,
		         desc->digest, (unsigned long long)d.got, (unsigned long long)d.want);
		goto out;
	}
	EVP_DigestFinal_ex(d.md, md, &mdlen);
	memcpy(got, "sha256:", 7);
	for (unsigned i = 0; i < mdlen && i < 32; i++)
		snprintf(got + 7 + 2 * i, 3, "%02x", md[i]);
	if (strcmp(got, desc->digest)) {
		vc_error(err, 0, "GET %s: digest mismatch: expected %s, got %s", reg->url,
		         desc->digest, got);
		goto out;
	}
	*w = d.w;
	d.w = NULL;
	rc = 0;
out:
	img_blob_abort(d.w);
	EVP_MD_CTX_free(d.md);
	return rc;
}

int image_pull(const char *refstr, const struct xfer_opts *o, vc_err *err)
{
	struct img_ref ref;
	struct registry reg = {0};
	struct img_store *s = NULL;
	struct progress p;
	struct img_desc *descs = NULL, mdesc = {0};
	struct img_blob_writer **pending = NULL;
	size_t n = 0;
	char *body = NULL, mt[128], digest[IMG_DIGEST_SIZE], sz[16];
	size_t len, n_new = 0;
	uint64_t bytes = 0;
	int rc = -1;

	progress_init(&p, stdout, o->tty);
	if (img_ref_parse(refstr, &ref, err) < 0)
		return -1;
	if (reg_open(&reg, &ref, &o->creds, false, o->timeout_s, err) < 0)
		goto out;
	if (reg_get_manifest(&reg, ref.digest[0] ? ref.digest : ref.tag, &body, &len, mt, digest,
	                     err) < 0)
		goto out;
	if (is_index(mt)) {
		struct img_desc pick;

		if (pick_platform(body, len, &pick, err) < 0)
			goto out;
		free(body);
		body = NULL;
		if (reg_get_manifest(&reg, pick.digest, &body, &len, mt, digest, err) < 0)
			goto out;
	}
	if (!is_manifest(mt)) {
		vc_error(err, 0, "GET %s: media type '%s' is not an image manifest", reg.url, mt);
		goto out;
	}
	if (parse_manifest(body, len, &descs, &n, err) < 0)
		goto out;
	if (img_store_open(&s, o->root, err) < 0)
		goto out;
	pending = calloc(n, sizeof(*pending));
	if (!pending) {
		vc_error(err, ENOMEM, "pull");
		goto out;
	}
	if (!p.tty)
		fprintf(stdout, "%s: pulling from %s/%s (%zu layers)\n", ref.full, reg.host,
		        reg.repo, n - 1);
	for (size_t i = 0; i < n; i++) {
		int line = progress_add(&p, descs[i].digest, (uint64_t)descs[i].size, "Waiting");
		bool dup = false;

		for (size_t k = 0; k < i; k++)
			dup = dup || !strcmp(descs[k].digest, descs[i].digest);
		if (dup || img_blob_exists(s, descs[i].digest)) {
			progress_done(&p, line, "Already exists");
			continue;
		}
		if (download(&reg, &descs[i], s, &p, line, &pending[i], err) < 0)
			goto out;
		progress_done(&p, line, i == 0 ? "Config complete" : "Pull complete");
		bytes += (uint64_t)descs[i].size;
	}
	/* every blob proved good: only now do they enter the store */
	for (size_t i = 0; i < n; i++) {
		struct img_blob_writer *w = pending[i];

		if (!w)
			continue;
		pending[i] = NULL;
		if (img_blob_finish(w, descs[i].digest, NULL, NULL, err) < 0)
			goto out;
		n_new++;
	}
	if (img_blob_put(s, body, len, digest, NULL, err) < 0)
		goto out;
	snprintf(mdesc.media_type, sizeof(mdesc.media_type), "%s", mt);
	snprintf(mdesc.digest, sizeof(mdesc.digest), "%s", digest);
	mdesc.size = (int64_t)len;
	if (img_tag(s, ref.full, &mdesc, err) < 0)
		goto out;
	printf("%s: pulled %zu new blob%s (%s) in %.2fs, %zu already present; digest: %s\n",
	       ref.full, n_new, n_new == 1 ? "" : "s", progress_size(bytes, sz, sizeof(sz)),
	       progress_elapsed(&p), n - n_new, digest);
	rc = 0;
out:
	if (pending)
		for (size_t i = 0; i < n; i++)
			img_blob_abort(pending[i]);
	if (rc < 0)
		vc_error_wrap(err, "pull %s", refstr);
	free(pending);
	free(descs);
	free(body);
	img_store_close(s);
	reg_close(&reg);
	progress_free(&p);
	return rc;
}

/* ------------------------------------------------------------------ push */

struct upload {
	struct progress *p;
	int line;
};

static void on_upload_progress(uint64_t done, void *arg)
{
	struct upload *u = arg;

	progress_update(u->p, u->line, "Pushing", done);
}

static int upload(struct registry *reg, struct img_store *s, const struct img_desc *d,
                  const struct xfer_opts *o, struct progress *p, int line, unsigned *chunks,
                  vc_err *err)
{
	struct upload u = {.p = p, .line = line};
	struct stat st;
	int fd = img_blob_open(s, d->digest, err), rc;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || st.st_size != d->size) {
		close(fd);
		return vc_error(err, 0, "blob %s: %lld bytes in the store, the manifest says %lld",
		                d->digest, (long long)st.st_size, (long long)d->size);
	}
	rc = reg_put_blob(reg, d->digest, fd, (uint64_t)d->size, o->chunk, on_upload_progress, &u,
	                  chunks, err);
	close(fd);
	return rc;
}

int image_push(const char *name, const char *refstr, const struct xfer_opts *o, vc_err *err)
{
	struct img_ref ref;
	struct registry reg = {0};
	struct img_store *s = NULL;
	struct img_desc mdesc;
	struct img_manifest m = {0};
	struct progress p;
	char *body = NULL, sz[16];
	size_t len, n_up = 0, n_skip = 0;
	uint64_t bytes = 0;
	unsigned chunks_total = 0;
	int rc = -1;

	progress_init(&p, stdout, o->tty);
	if (img_ref_parse(refstr, &ref, err) < 0)
		goto out;
	if (!ref.registry[0]) {
		vc_error(err, 0,
		         "%s: no registry in the reference (vclab has no default registry: write "
		         "HOST[:PORT]/NAME[:TAG])",
		         ref.full);
		goto out;
	}
	if (img_store_open(&s, o->root, err) < 0)
		goto out;
	if (img_resolve(s, name, &mdesc, err) < 0)
		goto out;
	if (!is_manifest(mdesc.media_type)) {
		vc_error(err, 0, "%s: media type '%s': only image manifests are pushed", name,
		         mdesc.media_type);
		goto out;
	}
	if (img_manifest_read(s, mdesc.digest, &m, err) < 0)
		goto out;
	if (img_blob_read(s, mdesc.digest, MANIFEST_MAX, &body, &len, err) < 0)
		goto out;
	if (reg_open(&reg, &ref, &o->creds, true, o->timeout_s, err) < 0)
		goto out;
	if (!p.tty)
		printf("%s: pushing to %s/%s (%zu layers)\n", name, reg.host, reg.repo, m.n_layers);
	/* layers first, the config last, as Docker does */
	for (size_t i = 0; i <= m.n_layers; i++) {
		const struct img_desc *d = i < m.n_layers ? &m.layers[i] : &m.config;
		int line = progress_add(&p, d->digest, (uint64_t)d->size, "Preparing");
		unsigned chunks = 0;
		bool exists = false;

		if (reg_blob_exists(&reg, d->digest, &exists, err) < 0)
			goto out;
		if (exists) {
			progress_done(&p, line, "Layer already exists");
			n_skip++;
			continue;
		}
		if (upload(&reg, s, d, o, &p, line, &chunks, err) < 0)
			goto out;
		chunks_total += chunks;
		progress_done(&p, line, chunks ? "Pushed (chunked)" : "Pushed");
		n_up++;
		bytes += (uint64_t)d->size;
	}
	if (reg_put_manifest(&reg, ref.digest[0] ? ref.digest : ref.tag, mdesc.media_type, body,
	                     len, err) < 0)
		goto out;
	printf("%s: pushed %zu blob%s (%s", ref.full, n_up, n_up == 1 ? "" : "s",
	       progress_size(bytes, sz, sizeof(sz)));
	if (chunks_total)
		printf(", %u PATCH chunks", chunks_total);
	printf(") in %.2fs, %zu already in the registry; digest: %s size: %zu\n",
	       progress_elapsed(&p), n_skip, mdesc.digest, len);
	rc = 0;
out:
	if (rc < 0)
		vc_error_wrap(err, "push %s %s", name, refstr);
	free(body);
	img_manifest_free(&m);
	img_store_close(s);
	reg_close(&reg);
	progress_free(&p);
	return rc;
}
