/* The image store: an OCI image layout with atomic, verified blobs and a
 * locked index (see store.h). */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "atomicfile.h"
#include "internal.h"

struct img_store {
	char root[PATH_MAX - 128];
	int gc_fd; /* gc.lock, flock()ed LOCK_SH while open */
};

struct img_blob_writer {
	struct img_store *s;
	char tmp[PATH_MAX];
	int fd;
	int64_t size;
	struct img_hash h;
};

/* --- small helpers -------------------------------------------------------- */

int img_hash_init(struct img_hash *h, vc_err *err)
{
	/* no openssl.cnf: SHA-256 needs no configuration (~1 ms saved) */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h->ctx);
		h->ctx = NULL;
		return vc_error(err, ENOMEM, "sha256");
	}
	return 0;
}

void img_hash_update(struct img_hash *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->ctx, data, len);
}

void img_hash_final(struct img_hash *h, char out[IMG_DIGEST_SIZE])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_DigestFinal_ex(h->ctx, md, &n);
	memcpy(out, "sha256:", 7);
	for (unsigned int i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
	img_hash_free(h);
}

void img_hash_free(struct img_hash *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

void img_sha256(const void *data, size_t len, char out[IMG_DIGEST_SIZE])
{
	struct img_hash h;
	vc_err e;

	if (img_hash_init(&h, &e) < 0) {
		out[0] = '\0';
		return;
	}
	img_hash_update(&h, data, len);
	img_hash_final(&h, out);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP)
		return rmdir(p) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(p) < 0 && errno != ENOENT ? -1 : 0;
}

int img_rmtree(const char *path)
{
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 0;
	return nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

int img_write_file(const char *path, const void *data, size_t len, vc_err *err)
{
	char tmp[PATH_MAX];

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid()) >= sizeof(tmp))
		return vc_error(err, ENAMETOOLONG, "%s", path);
	return vc_write_atomic(path, tmp, data, len, 0644, true, err);
}

int img_store_subdir(const struct img_store *s, const char *sub, char *buf, size_t len)
{
	return (size_t)snprintf(buf, len, "%s/%s", s->root, sub) >= len ? -1 : 0;
}

static int mkdir_p(const char *path, vc_err *err)
{
	char buf[PATH_MAX];

	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0; /* the usual case: one system call */

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return vc_error(err, errno, "store %s: mkdir %s", path, buf);
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return vc_error(err, errno, "store: mkdir %s", buf);
	return 0;
}

/* Remove temp files older than an hour: left by a killed command. */
static void sweep_tmp(struct img_store *s)
{
	char dir[PATH_MAX], p[PATH_MAX + 256];
	struct dirent *d;
	struct stat st;
	DIR *dp;

	snprintf(dir, sizeof(dir), "%s/tmp", s->root);
	dp = opendir(dir);
	if (!dp)
		return;
	while ((d = readdir(dp))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, d->d_name);
		if (lstat(p, &st) == 0 && st.st_mtime < time(NULL) - 3600)
			img_rmtree(p);
	}
	closedir(dp);
}

/* --- opening ------------------------------------------------------------------ */

int img_store_open(struct img_store **out, const char *root, vc_err *err)
{
	struct img_store *s = calloc(1, sizeof(*s));
	char p[PATH_MAX];
	static const char *subs[] = {"blobs/sha256", "tmp", "layers", "containers"};

	*out = NULL;
	if (!s)
		return vc_error(err, ENOMEM, "store");
	s->gc_fd = -1;
	if (!root || !*root)
		root = getenv(IMG_STORE_ENV);
	if (!root || !*root)
		root = IMG_STORE_DEFAULT;
	if (root[0] != '/' || strlen(root) >= sizeof(s->root)) {
		free(s);
		return vc_error(err, 0, "store '%s': not an absolute path (%s)", root,
		                IMG_STORE_ENV);
	}
	snprintf(s->root, sizeof(s->root), "%s", root);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", s->root, subs[i]);
		if (mkdir_p(p, err) < 0)
			goto fail;
	}
	snprintf(p, sizeof(p), "%s/gc.lock", s->root);
	s->gc_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->gc_fd < 0 || flock(s->gc_fd, LOCK_SH) < 0) {
		vc_error(err, errno, "store: %s", p);
		goto fail;
	}
	snprintf(p, sizeof(p), "%s/oci-layout", s->root);
	if (access(p, F_OK) < 0) {
		static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";

		if (img_write_file(p, layout, sizeof(layout) - 1, err) < 0)
			goto fail;
	}
	snprintf(p, sizeof(p), "%s/index.json", s->root);
	if (access(p, F_OK) < 0) {
		int lfd;
		char lp[PATH_MAX];
		static const char empty[] = "{\"schemaVersion\":2,\"manifests\":[]}";

		snprintf(lp, sizeof(lp), "%s/index.lock", s->root);
		lfd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (lfd < 0 || flock(lfd, LOCK_EX) < 0) {
			vc_error(err, errno, "store: %s", lp);
			if (lfd >= 0)
				close(lfd);
			goto fail;
		}
		if (access(p, F_OK) < 0 && img_write_file(p, empty, sizeof(empty) - 1, err) < 0) {
			close(lfd);
			goto fail;
		}
		close(lfd);
	}
	sweep_tmp(s);
	*out = s;
	return 0;
fail:
	img_store_close(s);
	return -1;
}

void img_store_close(struct img_store *s)
{
	if (!s)
		return;
	if (s->gc_fd >= 0)
		close(s->gc_fd);
	free(s);
}

const char *img_store_root(const struct img_store *s)
{
	return s->root;
}

/* --- blobs ---------------------------------------------------------------- */

int img_blob_path(struct img_store *s, const char *digest, char *buf, size_t len, vc_err *err)
{
	if (!img_digest_valid(digest))
		return vc_error(
		    err, 0, "digest '%s': expected sha256: and 64 lower-case hex digits", digest);
	if ((size_t)snprintf(buf, len, "%s/blobs/sha256/%s", s->root, digest + 7) >= len)
		return vc_error(err, ENAMETOOLONG, "blob %s", digest);
	return 0;
}

bool img_blob_exists(struct img_store *s, const char *digest)
{
	char p[PATH_MAX];
	vc_err e;

	return img_blob_path(s, digest, p, sizeof(p), &e) == 0 && access(p, F_OK) == 0;
}

int img_blob_size(struct img_store *s, const char *digest, int64_t *size, vc_err *err)
{
	char p[PATH_MAX];
	struct stat st;

	if (img_blob_path(s, digest, p, sizeof(p), err) < 0)
		return -1;
	if (stat(p, &st) < 0)
		return vc_error(err, errno, "blob %s", digest);
	*size = st.st_size;
	return 0;
}

int img_blob_open(struct img_store *s, const char *digest, vc_err *err)
{
	char p[PATH_MAX];
	int fd;

	if (img_blob_path(s, digest, p, sizeof(p), err) < 0)
		return -1;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vc_error(err, errno, "blob %s", digest);
	return fd;
}

int img_blob_read(struct img_store *s, const char *digest, size_t max, char **data, size_t *len,
                  vc_err *err)
{
	char got[IMG_DIGEST_SIZE];
	struct stat st;
	char *buf;
	size_t n = 0;
	int fd = img_blob_open(s, digest, err);

	*data = NULL;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || (size_t)st.st_size > max) {
		close(fd);
		return vc_error(err, errno, "blob %s: larger than %zu bytes", digest, max);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return vc_error(err, ENOMEM, "blob %s", digest);
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

		if (r <= 0) {
			close(fd);
			free(buf);
			return vc_error(err, r < 0 ? errno : EIO, "reading blob %s", digest);
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	img_sha256(buf, n, got);
	if (strcmp(got, digest)) {
		free(buf);
		return vc_error(err, 0, "blob %s: corrupted in the store (its content is %s)",
		                digest, got);
	}
	*data = buf;
	*len = n;
	return 0;
}

int img_blob_begin(struct img_store *s, struct img_blob_writer **out, vc_err *err)
{
	struct img_blob_writer *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return vc_error(err, ENOMEM, "blob writer");
	w->s = s;
	snprintf(w->tmp, sizeof(w->tmp), "%s/tmp/blob-XXXXXX", s->root);
	w->fd = mkostemp(w->tmp, O_CLOEXEC);
	if (w->fd < 0) {
		vc_error(err, errno, "store: temp file in %s/tmp", s->root);
		free(w);
		return -1;
	}
	if (img_hash_init(&w->h, err) < 0) {
		close(w->fd);
		unlink(w->tmp);
		free(w);
		return -1;
	}
	*out = w;
	return 0;
}

int img_blob_write(struct img_blob_writer *w, const void *buf, size_t len, vc_err *err)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t r = write(w->fd, p + done, len - done);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return vc_error(err, errno, "store: writing %s", w->tmp);
		}
		done += (size_t)r;
	}
	img_hash_update(&w->h, buf, len);
	w->size += (int64_t)len;
	return 0;
}

void img_blob_abort(struct img_blob_writer *w)
{
	if (!w)
		return;
	if (w->h.ctx)
		img_hash_free(&w->h);
	close(w->fd);
	unlink(w->tmp);
	free(w);
}

int img_blob_finish(struct img_blob_writer *w, const char *expected,
                    char digest_out[IMG_DIGEST_SIZE], int64_t *size_out, vc_err *err)
{
	char got[IMG_DIGEST_SIZE], dst[PATH_MAX];
	int rc = -1;

	img_hash_final(&w->h, got);
	if (expected && strcmp(expected, got)) {
		vc_error(err, 0, "digest mismatch: expected %s, got %s", expected, got);
		goto out;
	}
	if (digest_out)
		snprintf(digest_out, IMG_DIGEST_SIZE, "%s", got);
	if (size_out)
		*size_out = w->size;
	if (img_blob_path(w->s, got, dst, sizeof(dst), err) < 0)
		goto out;
	if (fchmod(w->fd, 0644) < 0 || fsync(w->fd) < 0) {
		vc_error(err, errno, "store: %s", w->tmp);
		goto out;
	}
	/* over an existing copy too: same content, and a corrupted copy is
	 * repaired */
	if (rename(w->tmp, dst) < 0) {
		vc_error(err, errno, "store: rename to %s", dst);
		goto out;
	}
	rc = 0;
out:
	close(w->fd);
	unlink(w->tmp); /* gone after a rename: ENOENT, harmless */
	free(w);
	return rc;
}

int img_blob_put(struct img_store *s, const void *data, size_t len, const char *expected,
                 char digest_out[IMG_DIGEST_SIZE], vc_err *err)
{
	struct img_blob_writer *w;

	if (img_blob_begin(s, &w, err) < 0)
		return -1;
	if (img_blob_write(w, data, len, err) < 0) {
		img_blob_abort(w);
		return -1;
	}
	return img_blob_finish(w, expected, digest_out, NULL, err);
}

/* --- the index -------------------------------------------------------------------- */

static json_t *index_load(struct img_store *s, vc_err *err)
{
	char p[PATH_MAX];
	json_error_t je;
	json_t *j;

	snprintf(p, sizeof(p), "%s/index.json", s->root);
	j = json_load_file(p, 0, &je);
	if (!j) {
		vc_error(err, 0, "store %s: line %d: %s", p, je.line, je.text);
		return NULL;
	}
	if (!json_is_array(json_object_get(j, "manifests"))) {
		json_decref(j);
		vc_error(err, 0, "store %s: no manifests array", p);
		return NULL;
	}
	return j;
}

static int index_save(struct img_store *s, json_t *j, vc_err *err)
{
	char p[PATH_MAX];
	char *text = json_dumps(j, JSON_INDENT(2));
	int rc;

	if (!text)
		return vc_error(err, ENOMEM, "index.json");
	snprintf(p, sizeof(p), "%s/index.json", s->root);
	rc = img_write_file(p, text, strlen(text), err);
	free(text);
	return rc;
}

static int index_lock(struct img_store *s, vc_err *err)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/index.lock", s->root);
	fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return vc_error(err, errno, "store: %s", p);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;

			close(fd);
			return vc_error(err, e, "store: flock %s", p);
		}
	}
	return fd;
}

static const char *entry_ref(json_t *m)
{
	return json_string_value(
	    json_object_get(json_object_get(m, "annotations"), IMG_ANN_REF_NAME));
}

static int desc_from_json(json_t *d, struct img_desc *out, const char *what, vc_err *err)
{
	const char *mt = json_string_value(json_object_get(d, "mediaType"));
	const char *dg = json_string_value(json_object_get(d, "digest"));
	json_t *sz = json_object_get(d, "size");

	memset(out, 0, sizeof(*out));
	if (!dg || !img_digest_valid(dg) || !json_is_integer(sz) || json_integer_value(sz) < 0)
		return vc_error(err, 0, "%s: a descriptor without a valid digest and size", what);
	snprintf(out->media_type, sizeof(out->media_type), "%s", mt ? mt : "");
	snprintf(out->digest, sizeof(out->digest), "%s", dg);
	out->size = json_integer_value(sz);
	return 0;
}

int img_list(struct img_store *s, struct img_entry **entries, size_t *n, vc_err *err)
{
	json_t *j = index_load(s, err), *arr, *m;
	size_t i, k = 0;

	*entries = NULL;
	*n = 0;
	if (!j)
		return -1;
	arr = json_object_get(j, "manifests");
	*entries = calloc(json_array_size(arr) + 1, sizeof(**entries));
	if (!*entries) {
		json_decref(j);
		return vc_error(err, ENOMEM, "index.json");
	}
	json_array_foreach(arr, i, m)
	{
		const char *ref = entry_ref(m);

		if (!ref || desc_from_json(m, &(*entries)[k].manifest, "index.json", err) < 0)
			continue;
		snprintf((*entries)[k].ref, sizeof((*entries)[k].ref), "%s", ref);
		k++;
	}
	*n = k;
	json_decref(j);
	return 0;
}

int img_resolve(struct img_store *s, const char *ref, struct img_desc *manifest, vc_err *err)
{
	struct img_entry *e;
	struct img_ref r;
	size_t n, hexlen = strlen(ref);
	const char *hex = ref;
	int found = -1, matches = 0;
	bool is_hex = hexlen >= 4 && hexlen <= 71;

	if (!strncmp(ref, "sha256:", 7))
		hex = ref + 7, hexlen -= 7;
	for (size_t i = 0; i < hexlen && is_hex; i++)
		is_hex = (hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f');
	if (img_list(s, &e, &n, err) < 0)
		return -1;
	if (img_ref_parse(ref, &r, err) == 0) {
		for (size_t i = 0; i < n; i++)
			if (!strcmp(e[i].ref, r.full))
				found = (int)i;
		/* name@digest: the digest decides, when that manifest is here */
		if (found < 0 && r.digest[0])
			for (size_t i = 0; i < n; i++)
				if (!strcmp(e[i].manifest.digest, r.digest))
					found = (int)i;
	}
	if (found < 0 && is_hex)
		for (size_t i = 0; i < n; i++)
			if (!strncmp(e[i].manifest.digest + 7, hex, hexlen) &&
			    (found < 0 || strcmp(e[found].manifest.digest, e[i].manifest.digest)))
				found = (int)i, matches++;
	if (matches > 1) {
		free(e);
		return vc_error(err, 0, "%s: more than one image has this id prefix", ref);
	}
	if (found < 0) {
		free(e);
		return vc_error(err, ENOENT, "%s: no such image", ref);
	}
	*manifest = e[found].manifest;
	free(e);
	return 0;
}

int img_tag(struct img_store *s, const char *ref, const struct img_desc *manifest, vc_err *err)
{
	struct img_ref r;
	json_t *j, *arr, *m, *d;
	size_t i;
	int lfd, rc = -1;

	if (img_ref_parse(ref, &r, err) < 0)
		return -1;
	if (!img_blob_exists(s, manifest->digest))
		return vc_error(err, ENOENT, "tag %s: manifest %s is not in the store", r.full,
		                manifest->digest);
	lfd = index_lock(s, err);
	if (lfd < 0)
		return -1;
	j = index_load(s, err);
	if (!j)
		goto out;
	arr = json_object_get(j, "manifests");
	for (i = 0; i < json_array_size(arr);) {
		m = json_array_get(arr, i);
		if (entry_ref(m) && !strcmp(entry_ref(m), r.full))
			json_array_remove(arr, i);
		else
			i++;
	}
	d = json_pack("{s:s, s:s, s:I, s:{s:s}}", "mediaType",
	              manifest->media_type[0] ? manifest->media_type : IMG_MT_MANIFEST, "digest",
	              manifest->digest, "size", (json_int_t)manifest->size, "annotations",
	              IMG_ANN_REF_NAME, r.full);
	if (!d || json_array_append_new(arr, d) < 0) {
		vc_error(err, ENOMEM, "tag %s", r.full);
		goto out;
	}
	rc = index_save(s, j, err);
out:
	json_decref(j);
	close(lfd);
	return rc;
}

int img_untag(struct img_store *s, const char *ref, vc_err *err)
{
	struct img_ref r;
	struct img_desc d;
	json_t *j, *arr, *m;
	size_t i;
	int lfd, rc = -1, removed = 0;
	const char *want;

	if (img_ref_parse(ref, &r, err) < 0)
		return -1;
	lfd = index_lock(s, err);
	if (lfd < 0)
		return -1;
	j = index_load(s, err);
	if (!j)
		goto out;
	arr = json_object_get(j, "manifests");
	want = r.full;
	for (i = 0; i < json_array_size(arr);) {
		m = json_array_get(arr, i);
		if (entry_ref(m) && !strcmp(entry_ref(m), want))
			json_array_remove(arr, i), removed++;
		else
			i++;
	}
	if (!removed) {
		/* an image id (digest or prefix): every tag of that manifest */
		vc_err e2;

		json_decref(j);
		j = NULL;
		close(lfd);
		lfd = -1;
		if (img_resolve(s, ref, &d, &e2) < 0)
			return vc_error(err, ENOENT, "%s: no such image", ref);
		lfd = index_lock(s, err);
		if (lfd < 0)
			return -1;
		j = index_load(s, err);
		if (!j)
			goto out;
		arr = json_object_get(j, "manifests");
		for (i = 0; i < json_array_size(arr);) {
			m = json_array_get(arr, i);
			if (!strcmp(json_string_value(json_object_get(m, "digest")) ?: "",
			            d.digest))
				json_array_remove(arr, i), removed++;
			else
				i++;
		}
	}
	rc = index_save(s, j, err);
out:
	json_decref(j);
	if (lfd >= 0)
		close(lfd);
	return rc;
}

/* --- manifests and configs ------------------------------------------------------------ */

#define IMG_JSON_MAX (4u << 20)

static json_t *blob_json(struct img_store *s, const char *digest, const char *what, vc_err *err)
{
	char *data;
	size_t len;
	json_error_t je;
	json_t *j;

	if (img_blob_read(s, digest, IMG_JSON_MAX, &data, &len, err) < 0)
		return NULL;
	j = json_loadb(data, len, 0, &je);
	free(data);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		vc_error(err, 0, "%s %s: not a JSON object (%s)", what, digest, je.text);
	}
	return j;
}

int img_manifest_read(struct img_store *s, const char *digest, struct img_manifest *m, vc_err *err)
{
	json_t *layers, *l;
	const char *mt;
	size_t i;

	memset(m, 0, sizeof(*m));
	m->json = blob_json(s, digest, "manifest", err);
	if (!m->json)
		return -1;
	mt = json_string_value(json_object_get(m->json, "mediaType"));
	if (mt && strcmp(mt, IMG_MT_MANIFEST) && strcmp(mt, IMG_MT_DOCKER_MANIFEST)) {
		vc_error(err, 0, "manifest %s: media type %s is not an image manifest", digest, mt);
		goto fail;
	}
	if (desc_from_json(json_object_get(m->json, "config"), &m->config, "manifest config", err) <
	    0)
		goto fail;
	layers = json_object_get(m->json, "layers");
	if (!json_is_array(layers)) {
		vc_error(err, 0, "manifest %s: no layers array", digest);
		goto fail;
	}
	m->layers = calloc(json_array_size(layers) + 1, sizeof(*m->layers));
	if (!m->layers) {
		vc_error(err, ENOMEM, "manifest %s", digest);
		goto fail;
	}
	json_array_foreach(layers, i, l)
	{
		if (desc_from_json(l, &m->layers[i], "manifest layer", err) < 0)
			goto fail;
	}
	m->n_layers = json_array_size(layers);
	return 0;
fail:
	img_manifest_free(m);
	return -1;
}

void img_manifest_free(struct img_manifest *m)
{
	free(m->layers);
	json_decref(m->json);
	memset(m, 0, sizeof(*m));
}

static int str_array(json_t *a, char ***out, const char *what, vc_err *err)
{
	size_t i;
	json_t *v;

	*out = NULL;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return vc_error(err, 0, "image config: %s is not an array", what);
	*out = calloc(json_array_size(a) + 1, sizeof(char *));
	if (!*out)
		return vc_error(err, ENOMEM, "image config");
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v))
			return vc_error(err, 0, "image config: %s has a non-string", what);
		(*out)[i] = (char *)json_string_value(v);
	}
	return 0;
}

int img_config_read(struct img_store *s, const char *digest, struct img_config *c, vc_err *err)
{
	json_t *cfg;
	size_t n = 0;

	memset(c, 0, sizeof(*c));
	c->json = blob_json(s, digest, "image config", err);
	if (!c->json)
		return -1;
	cfg = json_object_get(c->json, "config");
	if (str_array(json_object_get(cfg, "Env"), &c->env, "Env", err) < 0 ||
	    str_array(json_object_get(cfg, "Entrypoint"), &c->entrypoint, "Entrypoint", err) < 0 ||
	    str_array(json_object_get(cfg, "Cmd"), &c->cmd, "Cmd", err) < 0 ||
	    str_array(json_object_get(json_object_get(c->json, "rootfs"), "diff_ids"), &c->diff_ids,
	              "rootfs.diff_ids", err) < 0)
		goto fail;
	c->working_dir = json_string_value(json_object_get(cfg, "WorkingDir"));
	c->user = json_string_value(json_object_get(cfg, "User"));
	if (c->working_dir && !*c->working_dir)
		c->working_dir = NULL;
	if (c->user && !*c->user)
		c->user = NULL;
	while (c->diff_ids && c->diff_ids[n]) {
		if (!img_digest_valid(c->diff_ids[n])) {
			vc_error(err, 0, "image config %s: bad diff id '%s'", digest,
			         c->diff_ids[n]);
			goto fail;
		}
		n++;
	}
	c->n_diff_ids = n;
	return 0;
fail:
	img_config_free(c);
	return -1;
}

void img_config_free(struct img_config *c)
{
	free(c->env);
	free(c->entrypoint);
	free(c->cmd);
	free(c->diff_ids);
	json_decref(c->json);
	memset(c, 0, sizeof(*c));
}

/* --- garbage collection ---------------------------------------------------------------- */

static bool in_set(json_t *set, const char *key)
{
	return json_object_get(set, key) != NULL;
}

/* Every digest reachable from index.json into blobs; every diff id into
 * layers (hex only, the layer directory names). */
static int reachable(struct img_store *s, json_t *blobs, json_t *layers, vc_err *err)
{
	struct img_entry *e;
	size_t n;

	if (img_list(s, &e, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct img_manifest m;
		struct img_config c;

		json_object_set_new(blobs, e[i].manifest.digest, json_true());
		if (img_manifest_read(s, e[i].manifest.digest, &m, err) < 0)
			goto fail;
		json_object_set_new(blobs, m.config.digest, json_true());
		for (size_t k = 0; k < m.n_layers; k++)
			json_object_set_new(blobs, m.layers[k].digest, json_true());
		if (img_config_read(s, m.config.digest, &c, err) < 0) {
			img_manifest_free(&m);
			goto fail;
		}
		for (size_t k = 0; k < c.n_diff_ids; k++)
			json_object_set_new(layers, c.diff_ids[k] + 7, json_true());
		img_config_free(&c);
		img_manifest_free(&m);
	}
	free(e);
	return 0;
fail:
	vc_error_wrap(err, "prune: image %s", e[0].ref);
	free(e);
	return -1;
}

int img_store_prune(struct img_store *s, size_t *blobs_removed, int64_t *bytes_freed, vc_err *err)
{
	json_t *blobs = json_object(), *layers = json_object();
	char dir[PATH_MAX], p[PATH_MAX + 256];
	struct dirent *d;
	struct stat st;
	size_t nrm = 0;
	int64_t freed = 0;
	int rc = -1;
	DIR *dp;

	if (!blobs || !layers) {
		vc_error(err, ENOMEM, "prune");
		goto out;
	}
	/* exclusive: wait until no other command has the store open */
	if (flock(s->gc_fd, LOCK_EX) < 0) {
		vc_error(err, errno, "prune: gc.lock");
		goto out;
	}
	if (reachable(s, blobs, layers, err) < 0)
		goto out;
	snprintf(dir, sizeof(dir), "%s/blobs/sha256", s->root);
	dp = opendir(dir);
	if (!dp) {
		vc_error(err, errno, "prune: %s", dir);
		goto out;
	}
	while ((d = readdir(dp))) {
		char key[IMG_DIGEST_SIZE + 8];

		if (strlen(d->d_name) != 64)
			continue;

		if (d->d_name[0] == '.')
			continue;
		snprintf(key, sizeof(key), "sha256:%.64s", d->d_name);
		if (in_set(blobs, key))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, d->d_name);
		if (lstat(p, &st) == 0 && unlink(p) == 0)
			nrm++, freed += st.st_size;
	}
	closedir(dp);
	snprintf(dir, sizeof(dir), "%s/layers", s->root);
	dp = opendir(dir);
	if (dp) {
		while ((d = readdir(dp))) {
			if (d->d_name[0] == '.' || in_set(layers, d->d_name))
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, d->d_name);
			img_rmtree(p);
		}
		closedir(dp);
	}
	/* "<manifest hex>-<init hash>.cpio.gz", or its ".tmp-PID" while an
	 * export writes it (none runs now: we hold gc.lock exclusively) */
	snprintf(dir, sizeof(dir), "%s/" IMG_INITRAMFS_DIR, s->root);
	dp = opendir(dir);
	if (dp) {
		while ((d = readdir(dp))) {
			char key[IMG_DIGEST_SIZE + 8];

			if (d->d_name[0] == '.')
				continue;
			snprintf(key, sizeof(key), "sha256:%.64s", d->d_name);
			if (strlen(d->d_name) > 65 && d->d_name[64] == '-' &&
			    !strstr(d->d_name, ".tmp-") && in_set(blobs, key))
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, d->d_name);
			if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) && unlink(p) == 0)
				nrm++, freed += st.st_size;
		}
		closedir(dp);
	}
	snprintf(dir, sizeof(dir), "%s/tmp", s->root);
	dp = opendir(dir);
	if (dp) {
		while ((d = readdir(dp))) {
			if (d->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, d->d_name);
			img_rmtree(p);
		}
		closedir(dp);
	}
	rc = 0;
out:
	if (s->gc_fd >= 0)
		flock(s->gc_fd, LOCK_SH);
	json_decref(blobs);
	json_decref(layers);
	if (blobs_removed)
		*blobs_removed = nrm;
	if (bytes_freed)
		*bytes_freed = freed;
	return rc;
}
