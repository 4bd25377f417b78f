#include "layer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <zlib.h>

/* Where the tar goes: its SHA-256 (the diff id) and zlib's gzip stream,
 * whose bytes go into the store's blob writer. */
struct sink {
	z_stream z;
	bool z_ready;
	EVP_MD_CTX *md;
	struct img_blob_writer *w;
	vc_err *err;
	bool failed;
	unsigned char out[65536];
};

static int sink_deflate(struct sink *k, int flush)
{
	int zr;
	do {
		k->z.next_out = k->out;
		k->z.avail_out = sizeof(k->out);
		zr = deflate(&k->z, flush);
		if (zr == Z_STREAM_ERROR)
			return vc_error(k->err, 0, "gzip: deflate failed");
		size_t have = sizeof(k->out) - k->z.avail_out;
		if (have && img_blob_write(k->w, k->out, have, k->err) < 0)
			return -1;
	} while (k->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

static la_ssize_t sink_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
	struct sink *k = ctx;

	(void)a;
	if (k->failed)
		return -1;
	EVP_DigestUpdate(k->md, buf, len);
	k->z.next_in = (Bytef *)(uintptr_t)buf;
	k->z.avail_in = (uInt)len;
	if (sink_deflate(k, Z_NO_FLUSH) < 0) {
		k->failed = true;
		return -1;
	}
	return (la_ssize_t)len;
}

/* --- walking the tree ---------------------------------------------------- */

struct hardlink {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct walk {
	struct archive *a;
	struct sink *k;
	int flags;
	int64_t mtime;
	const char *root;
	struct hardlink *links;
	size_t n_links;
	vc_err *err;
};

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int ar_error(struct walk *wk, const char *what, const char *path)
{
	if (wk->k->failed)
		return vc_error_wrap(wk->err, "writing the layer");
	return vc_error(wk->err, 0, "layer: %s %s: %s", what, path, archive_error_string(wk->a));
}

static struct archive_entry *new_entry(struct walk *wk, const char *rel, const struct stat *st)
{
	struct archive_entry *e = archive_entry_new();
	if (!e)
		return NULL;
	archive_entry_set_pathname(e, rel);
	archive_entry_set_mode(e, st->st_mode);
	archive_entry_set_uid(e, st->st_uid);
	archive_entry_set_gid(e, st->st_gid);
	archive_entry_set_mtime(e, wk->mtime, 0);
	archive_entry_unset_atime(e);
	archive_entry_unset_ctime(e);
	archive_entry_unset_birthtime(e);
	return e;
}

/* An empty regular file rel (an OCI whiteout marker). */
static int write_marker(struct walk *wk, const char *rel)
{
	struct stat st = {.st_mode = S_IFREG | 0644};
	struct archive_entry *e = new_entry(wk, rel, &st);
	int r;

	if (!e)
		return vc_error(wk->err, ENOMEM, "layer");
	archive_entry_set_size(e, 0);
	r = archive_write_header(wk->a, e);
	archive_entry_free(e);
	return r == ARCHIVE_OK ? 0 : ar_error(wk, "whiteout", rel);
}

static int write_file_data(struct walk *wk, const char *path, const char *rel)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return vc_error(wk->err, errno, "layer: opening %s", path);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(wk->a, buf, (size_t)n) != n) {
			close(fd);
			return ar_error(wk, "data of", rel);
		}
	if (n < 0) {
		int e = errno;
		close(fd);
		return vc_error(wk->err, e, "layer: reading %s", path);
	}
	close(fd);
	return 0;
}

static bool opaque_dir(const char *path)
{
	char v[8];
	ssize_t n = lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v));
	return n == 1 && v[0] == 'y';
}

static int walk_dir(struct walk *wk, const char *rel);

static int walk_entry(struct walk *wk, const char *rel, const char *name)
{
	char path[PATH_MAX], target[PATH_MAX];
	struct stat st;
	struct archive_entry *e;
	int r;

	if (snprintf(path, sizeof(path), "%s/%s", wk->root, rel) >= (int)sizeof(path))
		return vc_error(wk->err, ENAMETOOLONG, "layer: %s/%s", wk->root, rel);
	if (lstat(path, &st) < 0)
		return vc_error(wk->err, errno, "layer: %s", path);

	if ((wk->flags & LAYER_OVERLAY_UPPER) && S_ISCHR(st.st_mode) &&
	    st.st_rdev == makedev(0, 0)) {
		/* overlay whiteout: NAME deleted */
		char wh[PATH_MAX];
		size_t dlen = (size_t)(name - rel);
		if (snprintf(wh, sizeof(wh), "%.*s.wh.%s", (int)dlen, rel, name) >= (int)sizeof(wh))
			return vc_error(wk->err, ENAMETOOLONG, "layer: %s", rel);
		return write_marker(wk, wh);
	}
	if (S_ISSOCK(st.st_mode))
		return 0; /* sockets are not archived */

	e = new_entry(wk, rel, &st);
	if (!e)
		return vc_error(wk->err, ENOMEM, "layer");
	if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
		for (size_t i = 0; i < wk->n_links; i++)
			if (wk->links[i].dev == st.st_dev && wk->links[i].ino == st.st_ino) {
				archive_entry_set_hardlink(e, wk->links[i].path);
				archive_entry_set_size(e, 0);
				r = archive_write_header(wk->a, e);
				archive_entry_free(e);
				return r == ARCHIVE_OK ? 0 : ar_error(wk, "hard link", rel);
			}
		struct hardlink *nl = realloc(wk->links, (wk->n_links + 1) * sizeof(*nl));
		char *p = strdup(rel);
		if (nl)
			wk->links = nl;
		if (!nl || !p) {
			free(p);
			archive_entry_free(e);
			return vc_error(wk->err, ENOMEM, "layer");
		}
		wk->links[wk->n_links++] = (struct hardlink){st.st_dev, st.st_ino, p};
	}
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (n < 0) {
			archive_entry_free(e);
			return vc_error(wk->err, errno, "layer: readlink %s", path);
		}
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
		archive_entry_set_size(e, 0);
	} else if (S_ISREG(st.st_mode)) {
		archive_entry_set_size(e, st.st_size);
	} else {
		archive_entry_set_size(e, 0);
		if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
			archive_entry_set_rdev(e, st.st_rdev);
	}
	r = archive_write_header(wk->a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return ar_error(wk, "header of", rel);
	if (S_ISREG(st.st_mode) && st.st_size > 0 && write_file_data(wk, path, rel) < 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		if ((wk->flags & LAYER_OVERLAY_UPPER) && opaque_dir(path)) {
			char wh[PATH_MAX];
			if (snprintf(wh, sizeof(wh), "%s/.wh..wh..opq", rel) >= (int)sizeof(wh))
				return vc_error(wk->err, ENAMETOOLONG, "layer: %s", rel);
			if (write_marker(wk, wh) < 0)
				return -1;
		}
		return walk_dir(wk, rel);
	}
	return 0;
}

static int walk_dir(struct walk *wk, const char *rel)
{
	char path[PATH_MAX], child[PATH_MAX];
	struct dirent **list = NULL;
	int n, rc = 0;

	snprintf(path, sizeof(path), "%s%s%s", wk->root, *rel ? "/" : "", rel);
	n = scandir(path, &list, NULL, by_name);
	if (n < 0)
		return vc_error(wk->err, errno, "layer: reading directory %s", path);
	for (int i = 0; i < n; i++) {
		const char *name = list[i]->d_name;
		if (rc == 0 && strcmp(name, ".") && strcmp(name, "..")) {
			if (snprintf(child, sizeof(child), "%s%s%s", rel, *rel ? "/" : "", name) >=
			    (int)sizeof(child))
				rc = vc_error(wk->err, ENAMETOOLONG, "layer: %s/%s", rel, name);
			else
				rc = walk_entry(wk, child, child + strlen(child) - strlen(name));
		}
		free(list[i]);
	}
	free(list);
	return rc;
}

int layer_write_dir(struct img_store *s, const char *dir, int flags, int64_t mtime,
                    struct img_desc *desc, char diff_id[IMG_DIGEST_SIZE], vc_err *err)
{
	struct sink *k = calloc(1, sizeof(*k));
	struct walk wk = {.flags = flags, .mtime = mtime, .root = dir, .err = err};
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int rc = -1;

	if (!k)
		return vc_error(err, ENOMEM, "layer");
	k->err = err;
	k->md = EVP_MD_CTX_new();
	if (!k->md || EVP_DigestInit_ex(k->md, EVP_sha256(), NULL) != 1) {
		vc_error(err, 0, "layer: SHA-256 unavailable");
		goto out;
	}
	/* windowBits 15 + 16: a gzip stream, its header with mtime 0 */
	if (deflateInit2(&k->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	                 Z_DEFAULT_STRATEGY) != Z_OK) {
		vc_error(err, 0, "layer: zlib init failed");
		goto out;
	}
	k->z_ready = true;
	if (img_blob_begin(s, &k->w, err) < 0)
		goto out;
	wk.k = k;
	wk.a = archive_write_new();
	if (!wk.a || archive_write_set_format_pax_restricted(wk.a) != ARCHIVE_OK ||
	    archive_write_open(wk.a, k, NULL, sink_write, NULL) != ARCHIVE_OK) {
		vc_error(err, 0, "layer: libarchive: %s",
		         wk.a ? archive_error_string(wk.a) : "out of memory");
		goto out;
	}
	if (walk_dir(&wk, "") < 0)
		goto out;
	if (archive_write_close(wk.a) != ARCHIVE_OK) {
		ar_error(&wk, "closing", dir);
		goto out;
	}
	k->z.next_in = NULL;
	k->z.avail_in = 0;
	if (sink_deflate(k, Z_FINISH) < 0)
		goto out;
	EVP_DigestFinal_ex(k->md, md, &mdlen);
	strcpy(diff_id, "sha256:");
	for (unsigned i = 0; i < mdlen; i++)
		sprintf(diff_id + 7 + 2 * i, "%02x", md[i]);
	snprintf(desc->media_type, sizeof(desc->media_type), "%s", IMG_MT_LAYER_GZIP);
	rc = img_blob_finish(k->w, NULL, desc->digest, &desc->size, err);
	k->w = NULL;
out:
	if (wk.a)
		archive_write_free(wk.a);
	img_blob_abort(k->w);
	if (k->z_ready)
		deflateEnd(&k->z);
	EVP_MD_CTX_free(k->md);
	for (size_t i = 0; i < wk.n_links; i++)
		free(wk.links[i].path);
	free(wk.links);
	free(k);
	return rc;
}

int layer_dir_empty(const char *dir, bool *empty, vc_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return vc_error(err, errno, "%s", dir);
	*empty = true;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			*empty = false;
			break;
		}
	closedir(d);
	return 0;
}
