/* Unpacking layers: see layers.h. */
#include "layers.h"

#include <archive.h>
#include <archive_entry.h>
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
#include <zlib.h>

#include "internal.h"

enum img_wh img_whiteout(const char *path, char *target, size_t len)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path) : 0;

	if (strncmp(base, ".wh.", 4))
		return IMG_WH_NONE;
	if (!strcmp(base, ".wh..wh..opq")) {
		snprintf(target, len, "%.*s", dirlen ? dirlen : 1, dirlen ? path : ".");
		return IMG_WH_OPAQUE;
	}
	if (!base[4])
		return IMG_WH_NONE;
	snprintf(target, len, "%.*s%s%s", dirlen, path, dirlen ? "/" : "", base + 4);
	return IMG_WH_FILE;
}

bool img_path_safe(const char *path)
{
	const char *p = path;

	while (*p == '/' || (p[0] == '.' && p[1] == '/'))
		p += *p == '/' ? 1 : 2;
	for (;;) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == 2 && !strncmp(p, "..", 2))
			return false;
		if (!end)
			return true;
		p = end + 1;
	}
}

/* The layer blob as libarchive reads it: raw bytes from the store, hashed
 * (blob digest), gunzipped when compressed, hashed again (diff id). */
struct feed {
	int fd;
	bool gzip;
	z_stream z;
	bool z_end;      /* the last gzip member ended and no input is left */
	bool member_end; /* a gzip member ended: another may follow (gzip(1), pgzip) */
	struct img_hash blob, diff;
	unsigned char in[65536], out[65536];
	size_t in_len;
	bool in_eof;
	vc_err *err;
	int failed;
};

static ssize_t feed_read(struct archive *a, void *data, const void **buf)
{
	struct feed *f = data;
	ssize_t r;

	(void)a;
	if (!f->gzip) {
		r = read(f->fd, f->out, sizeof(f->out));
		if (r < 0) {
			f->failed = errno;
			return -1;
		}
		if (r == 0)
			f->in_eof = true;
		img_hash_update(&f->blob, f->out, (size_t)r);
		img_hash_update(&f->diff, f->out, (size_t)r);
		*buf = f->out;
		return r;
	}
	for (;;) {
		int zr;

		if (f->z_end)
			return 0;
		if (f->z.avail_in == 0 && !f->in_eof) {
			r = read(f->fd, f->in, sizeof(f->in));
			if (r < 0) {
				f->failed = errno;
				return -1;
			}
			if (r == 0)
				f->in_eof = true;
			img_hash_update(&f->blob, f->in, (size_t)r);
			f->z.next_in = f->in;
			f->z.avail_in = (uInt)r;
		}
		if (f->member_end) {
			if (f->z.avail_in == 0) { /* no more input: that was the last member */
				f->z_end = true;
				return 0;
			}
			inflateReset(&f->z); /* a gzip file may hold several members */
			f->member_end = false;
		}
		f->z.next_out = f->out;
		f->z.avail_out = sizeof(f->out);
		zr = inflate(&f->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			f->member_end = true;
		} else if (zr != Z_OK && !(zr == Z_BUF_ERROR && !f->in_eof)) {
			f->failed = -1; /* corrupt or truncated gzip */
			archive_set_error(a, EIO, "gzip: %s",
			                  f->in_eof ? "truncated"
			                            : (f->z.msg ? f->z.msg : "corrupt"));
			return -1;
		}
		if (f->z.avail_out < sizeof(f->out)) {
			size_t n = sizeof(f->out) - f->z.avail_out;

			img_hash_update(&f->diff, f->out, n);
			*buf = f->out;
			return (ssize_t)n;
		}
		if (f->in_eof && f->z.avail_in == 0 && !f->member_end) {
			archive_set_error(a, EIO, "gzip: truncated");
			f->failed = -1;
			return -1;
		}
	}
}

/* All of the layer's bytes were read (the last gzip member ended). */
static bool feed_at_end(const struct feed *f)
{
	return f->gzip ? (f->member_end || f->z_end) && f->z.avail_in == 0 && f->in_eof : f->in_eof;
}

static int map_whiteout(const char *dir, const char *path, vc_err *err)
{
	char target[PATH_MAX], full[PATH_MAX * 2];
	enum img_wh k = img_whiteout(path, target, sizeof(target));

	snprintf(full, sizeof(full), "%s/%s", dir, target);
	if (k == IMG_WH_OPAQUE) {
		mkdir(full, 0755); /* the directory may come later or not at all */
		if (setxattr(full, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return vc_error(err, errno, "opaque whiteout %s", path);
	} else {
		if (mknod(full, S_IFCHR | 0, makedev(0, 0)) < 0 && errno != EEXIST)
			return vc_error(err, errno, "whiteout %s", path);
	}
	return 0;
}

static int extract(struct feed *f, const char *dir, const char *what, vc_err *err)
{
	struct archive *a = archive_read_new(), *w = archive_write_disk_new();
	struct archive_entry *e;
	int cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC), r, rc = -1;
	bool cut_short = false;
	char chk[PATH_MAX];

	if (!a || !w || cwd < 0) {
		vc_error(err, errno ? errno : ENOMEM, "%s: libarchive", what);
		goto out;
	}
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_write_disk_set_options(
	    w, ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
	           ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
	           ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS |
	           ARCHIVE_EXTRACT_UNLINK);
	if (chdir(dir) < 0) {
		vc_error(err, errno, "%s: %s", what, dir);
		goto out;
	}
	if (archive_read_open(a, f, NULL, feed_read, NULL) != ARCHIVE_OK) {
		vc_error(err, 0, "%s: %s", what, archive_error_string(a));
		goto back;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		const char *hl = archive_entry_hardlink(e);

		if (!p || !img_path_safe(p) || (hl && !img_path_safe(hl))) {
			vc_error(err, 0, "%s: entry '%s': a path out of the layer (..)", what,
			         p ? p : "");
			goto back;
		}
		if (p[0] == '/') {
			/* OCI layers are relative; drop a leading / */
			while (*p == '/')
				p++;
			archive_entry_copy_pathname(e, *p ? p : ".");
			p = archive_entry_pathname(e);
		}
		if (hl && hl[0] == '/') {
			while (*hl == '/')
				hl++;
			archive_entry_copy_hardlink(e, hl);
		}
		if (img_whiteout(p, chk, sizeof(chk)) != IMG_WH_NONE) {
			if (map_whiteout(".", p, err) < 0) {
				vc_error_wrap(err, "%s", what);
				goto back;
			}
			continue;
		}
		if (archive_write_header(w, e) < ARCHIVE_WARN) {
			vc_error(err, 0, "%s: entry '%s': %s", what, p, archive_error_string(w));
			goto back;
		}
		if (archive_entry_size(e) > 0) {
			const void *buf;
			size_t size;
			la_int64_t off, done = 0;

			while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK) {
				/* a short write (a full disk) is only a warning to libarchive */
				if (archive_write_data_block(w, buf, size, off) != ARCHIVE_OK) {
					int e = archive_errno(w) > 0 ? archive_errno(w) : errno;

					vc_error(err, e ? e : EIO, "%s: entry '%s': writing", what,
					         p);
					goto back;
				}
				done = off + (la_int64_t)size;
			}
			/* umoci 0.4 ends a layer right after its last file's data,
			 * without the padding and the two zero blocks: all of the
			 * file is there, so take it as the end (GNU tar does, with
			 * a warning). A file cut short stays an error. */
			if (r != ARCHIVE_EOF && done == archive_entry_size(e) && feed_at_end(f)) {
				cut_short = true;
				r = ARCHIVE_EOF;
			}
			if (r != ARCHIVE_EOF) {
				vc_error(err, 0, "%s: entry '%s': %s", what, p,
				         archive_error_string(a));
				goto back;
			}
		}
		if (archive_write_finish_entry(w) < ARCHIVE_WARN) {
			vc_error(err, 0, "%s: entry '%s': %s", what, p, archive_error_string(w));
			goto back;
		}
		if (cut_short)
			break;
	}
	if (r != ARCHIVE_EOF && !cut_short) {
		vc_error(err, 0, "%s: %s", what, archive_error_string(a));
		goto back;
	}
	if (archive_write_close(w) != ARCHIVE_OK) {
		vc_error(err, 0, "%s: %s", what, archive_error_string(w));
		goto back;
	}
	/* hash what is left after the tar's end (its zero blocks, padding) */
	{
		const void *b;

		unsigned char rest[4096];
		ssize_t n;

		while (feed_read(a, f, &b) > 0)
			;
		while ((n = read(f->fd, rest, sizeof(rest))) > 0)
			img_hash_update(&f->blob, rest, (size_t)n);
	}
	rc = f->failed ? vc_error(err, f->failed > 0 ? f->failed : 0, "%s: reading the blob", what)
	               : 0;
back:
	if (fchdir(cwd) < 0 && rc == 0)
		rc = vc_error(err, errno, "%s: back to the working directory", what);
out:
	if (cwd >= 0)
		close(cwd);
	if (a)
		archive_read_free(a);
	if (w)
		archive_write_free(w);
	return rc;
}

int img_layer_unpack(struct img_store *s, const struct img_desc *layer, const char *diff_id,
                     char *path, size_t len, bool *done, vc_err *err)
{
	char layers[PATH_MAX - 64], tmp[PATH_MAX], what[160], got[IMG_DIGEST_SIZE];
	struct feed *f = NULL;
	int rc = -1;

	*done = false;
	snprintf(what, sizeof(what), "layer %.19s", layer->digest);
	if (!img_digest_valid(diff_id))
		return vc_error(err, 0, "%s: bad diff id '%s'", what, diff_id);
	if (img_store_subdir(s, "layers", layers, sizeof(layers)) < 0 ||
	    (size_t)snprintf(path, len, "%s/%s", layers, diff_id + 7) >= len)
		return vc_error(err, ENAMETOOLONG, "%s", what);
	if (access(path, F_OK) == 0)
		return 0;
	f = calloc(1, sizeof(*f));
	if (!f)
		return vc_error(err, ENOMEM, "%s", what);
	f->err = err;
	f->gzip = strcmp(layer->media_type, IMG_MT_LAYER_TAR) != 0;
	if (f->gzip && strcmp(layer->media_type, IMG_MT_LAYER_GZIP) &&
	    strcmp(layer->media_type, IMG_MT_DOCKER_LAYER)) {
		free(f);
		return vc_error(err, 0, "%s: media type %s is not supported (tar or tar+gzip)",
		                what, layer->media_type);
	}
	f->fd = img_blob_open(s, layer->digest, err);
	if (f->fd < 0) {
		free(f);
		return -1;
	}
	if (img_hash_init(&f->blob, err) < 0 || img_hash_init(&f->diff, err) < 0)
		goto out;
	if (f->gzip && inflateInit2(&f->z, 16 + MAX_WBITS) != Z_OK) {
		vc_error(err, ENOMEM, "%s: zlib", what);
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s/.tmp-XXXXXX", layers);
	if (!mkdtemp(tmp)) {
		vc_error(err, errno, "%s: temp directory in %s", what, layers);
		goto out;
	}
	chmod(tmp, 0755);
	if (extract(f, tmp, what, err) < 0) {
		/* a corrupted blob usually breaks gzip or tar first: say so */
		unsigned char rest[65536];
		ssize_t n;

		while ((n = read(f->fd, rest, sizeof(rest))) > 0)
			img_hash_update(&f->blob, rest, (size_t)n);
		img_hash_final(&f->blob, got);
		if (strcmp(got, layer->digest))
			vc_error(err, 0,
			         "%s: digest mismatch: the blob in the store is %s (corrupted)",
			         what, got);
		goto fail;
	}
	img_hash_final(&f->blob, got);
	if (strcmp(got, layer->digest)) {
		vc_error(err, 0, "%s: digest mismatch: the blob in the store is %s", what, got);
		goto fail;
	}
	img_hash_final(&f->diff, got);
	if (strcmp(got, diff_id)) {
		vc_error(err, 0, "%s: diff id mismatch: expected %s, got %s", what, diff_id, got);
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY) {
			vc_error(err, errno, "%s: rename to %s", what, path);
			goto fail;
		}
		img_rmtree(tmp); /* another command unpacked it meanwhile */
	} else {
		*done = true;
	}
	rc = 0;
	goto out;
fail:
	img_rmtree(tmp);
out:
	if (f->gzip)
		inflateEnd(&f->z);
	if (f->blob.ctx)
		img_hash_free(&f->blob);
	if (f->diff.ctx)
		img_hash_free(&f->diff);
	close(f->fd);
	free(f);
	return rc;
}
