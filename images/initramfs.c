/* `container image export --initramfs`: see initramfs.h. */
#include "initramfs.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "layers.h"
#include "parse.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define INIT_MAX     (16 * 1024 * 1024)

/* --- flattening ------------------------------------------------------------- */

/* path -> the layer that first showed it (seen) and the layer from which on
 * lower layers' entries at and below it are hidden (cut); -1: none. Layers
 * are walked top first, so "upper" means a smaller walk index. */
struct slot {
	char *key;
	long seen, cut;
};

struct walk {
	struct slot *t;
	size_t cap, used;
	struct img_flat_entry *e;
	size_t n, alloc;
	char *const *dirs;
	vc_err *err;
};

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static struct slot *lookup(struct walk *w, const char *key, bool add)
{
	size_t i;

	if (add && (w->used + 1) * 2 > w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 1024;
		struct slot *nt = calloc(ncap, sizeof(*nt));

		if (!nt)
			return NULL;
		for (size_t k = 0; k < w->cap; k++) {
			if (!w->t[k].key)
				continue;
			for (i = hash(w->t[k].key) & (ncap - 1); nt[i].key;
			     i = (i + 1) & (ncap - 1))
				;
			nt[i] = w->t[k];
		}
		free(w->t);
		w->t = nt;
		w->cap = ncap;
	}
	if (!w->cap)
		return NULL;
	for (i = hash(key) & (w->cap - 1); w->t[i].key; i = (i + 1) & (w->cap - 1))
		if (!strcmp(w->t[i].key, key))
			return &w->t[i];
	if (!add)
		return NULL;
	w->t[i].key = strdup(key);
	if (!w->t[i].key)
		return NULL;
	w->t[i].seen = w->t[i].cut = -1;
	w->used++;
	return &w->t[i];
}

static int emit(struct walk *w, struct slot *sl, size_t layer)
{
	if (w->n == w->alloc) {
		size_t na = w->alloc ? w->alloc * 2 : 256;
		struct img_flat_entry *ne = realloc(w->e, na * sizeof(*ne));

		if (!ne)
			return vc_error(w->err, ENOMEM, "flatten");
		w->e = ne;
		w->alloc = na;
	}
	w->e[w->n].path = sl->key; /* owned by the table until img_flatten() hands it over */
	w->e[w->n].layer = layer;
	w->n++;
	return 0;
}

static bool is_opaque(const char *full)
{
	char v[4];
	ssize_t n = lgetxattr(full, "trusted.overlay.opaque", v, sizeof(v));

	return n == 1 && v[0] == 'y';
}

/* Walk directory rel ("" = the top) of layer `layer` (walk index top). */
static int walk_dir(struct walk *w, size_t layer, long top, const char *rel)
{
	char full[PATH_MAX], sub[PATH_MAX];
	struct dirent *d;
	int rc = 0;
	DIR *dp;

	snprintf(full, sizeof(full), "%s/%s", w->dirs[layer], rel);
	dp = opendir(full);
	if (!dp)
		return vc_error(w->err, errno, "flatten: %s", full);
	while (rc == 0 && (d = readdir(dp))) {
		struct slot *sl;
		struct stat st;

		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", d->d_name) >=
		        sizeof(sub) ||
		    (size_t)snprintf(full, sizeof(full), "%s/%s", w->dirs[layer], sub) >=
		        sizeof(full)) {
			rc = vc_error(w->err, ENAMETOOLONG, "flatten: %s", sub);
			break;
		}
		if (!strcmp(sub, ".vclab"))
			continue; /* ours: the init and the config */
		if (lstat(full, &st) < 0) {
			rc = vc_error(w->err, errno, "flatten: %s", full);
			break;
		}
		sl = lookup(w, sub, true);
		if (!sl) {
			rc = vc_error(w->err, ENOMEM, "flatten");
			break;
		}
		if (sl->cut >= 0 && sl->cut < top)
			continue; /* removed or replaced by an upper layer */
		if (S_ISCHR(st.st_mode) && st.st_rdev == 0) { /* a whiteout */
			if (sl->cut < 0)
				sl->cut = top;
			continue;
		}
		if (sl->seen < 0) {
			sl->seen = top;
			if (!S_ISDIR(st.st_mode) || is_opaque(full))
				sl->cut = top;
			if (S_ISSOCK(st.st_mode))
				continue;
			rc = emit(w, sl, layer);
		}
		if (rc == 0 && S_ISDIR(st.st_mode)) /* upper and lower directories merge */
			rc = walk_dir(w, layer, top, sub);
	}
	closedir(dp);
	return rc;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct img_flat_entry *)a)->path,
	              ((const struct img_flat_entry *)b)->path);
}

int img_flatten(char *const *dirs, size_t n, struct img_flat *out, vc_err *err)
{
	struct walk w = {.dirs = dirs, .err = err};
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = n; rc == 0 && i-- > 0;)
		rc = walk_dir(&w, i, (long)(n - 1 - i), "");
	/* Hand the emitted keys over; free the rest of the table. */
	for (size_t i = 0; i < w.n; i++)
		w.e[i].path = strdup(w.e[i].path);
	for (size_t i = 0; i < w.cap; i++)
		free(w.t[i].key);
	free(w.t);
	for (size_t i = 0; rc == 0 && i < w.n; i++)
		if (!w.e[i].path)
			rc = vc_error(err, ENOMEM, "flatten");
	if (rc < 0) {
		out->e = w.e;
		out->n = w.n;
		img_flat_free(out);
		return -1;
	}
	qsort(w.e, w.n, sizeof(*w.e), by_path);
	out->e = w.e;
	out->n = w.n;
	return 0;
}

void img_flat_free(struct img_flat *f)
{
	for (size_t i = 0; f->e && i < f->n; i++)
		free(f->e[i].path);
	free(f->e);
	f->e = NULL;
	f->n = 0;
}

/* --- the init and the config -------------------------------------------------- */

static int read_init(char **data, size_t *len, char path[PATH_MAX], vc_err *err)
{
	const char *env = getenv(IMG_INIT_ENV);
	struct stat st;
	ssize_t n;
	int fd;

	if (env && *env) {
		snprintf(path, PATH_MAX, "%s", env);
	} else {
		char self[PATH_MAX];
		char *slash;

		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return vc_error(err, errno, "/proc/self/exe");
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		snprintf(path, PATH_MAX, "%.4000s/" IMG_INIT_NAME, self);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vc_error(err, errno, "the microVM init %s (build it: make %s, or set %s)",
		                path, IMG_INIT_NAME, IMG_INIT_ENV);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 4 || st.st_size > INIT_MAX) {
		close(fd);
		return vc_error(err, 0, "the microVM init %s: not a regular file of 4 B..16 MiB",
		                path);
	}
	*data = malloc((size_t)st.st_size);
	if (!*data) {
		close(fd);
		return vc_error(err, ENOMEM, "%s", path);
	}
	n = read(fd, *data, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size || memcmp(*data, "\177ELF", 4)) {
		free(*data);
		*data = NULL;
		return vc_error(err, 0, "the microVM init %s: not an ELF file", path);
	}
	*len = (size_t)n;
	return 0;
}

/* A growing buffer of NUL-terminated strings. */
struct words {
	char *b;
	size_t len, cap;
};

static int words_add(struct words *w, const char *s, vc_err *err)
{
	size_t n = strlen(s) + 1;

	if (w->len + n > w->cap) {
		size_t nc = (w->len + n) * 2 + 256;
		char *nb = realloc(w->b, nc);

		if (!nb)
			return vc_error(err, ENOMEM, "initramfs config");
		w->b = nb;
		w->cap = nc;
	}
	memcpy(w->b + w->len, s, n);
	w->len += n;
	return 0;
}

static int words_of(struct words *w, char **v, vc_err *err)
{
	for (; v && *v; v++)
		if (words_add(w, *v, err) < 0)
			return -1;
	return 0;
}

static bool env_has(char **env, const char *kv)
{
	size_t n = strcspn(kv, "=");

	for (; env && *env; env++)
		if (!strncmp(*env, kv, n) && (*env)[n] == '=')
			return true;
	return false;
}

/* container run's environment: its defaults, then the image's Env (which
 * wins). */
static int env_words(struct words *w, char **env, vc_err *err)
{
	static const char *const defaults[] = {DEFAULT_PATH, "TERM=xterm", NULL};

	for (size_t i = 0; defaults[i]; i++)
		if (!env_has(env, defaults[i]) && words_add(w, defaults[i], err) < 0)
			return -1;
	for (; env && *env; env++)
		if (strchr(*env, '=') && words_add(w, *env, err) < 0)
			return -1;
	return 0;
}

/* The layer directory holding path in the flattened tree, or NULL. */
static const char *flat_find(const struct img_flat *f, char *const *dirs, const char *path,
                             char *buf, size_t len)
{
	struct img_flat_entry key = {.path = (char *)path};
	struct img_flat_entry *e = bsearch(&key, f->e, f->n, sizeof(*f->e), by_path);

	if (!e)
		return NULL;
	snprintf(buf, len, "%s/%s", dirs[e->layer], path);
	return buf;
}

/* A file of the image, never through a symlink (an absolute one would
 * lead to the host's file). */
static FILE *open_nofollow(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;

	if (fd >= 0 && !f)
		close(fd);
	return f;
}

/* "user[:group]" -> "UID:GID": numbers, or names from the image's
 * /etc/passwd and /etc/group (as container run does). */
static int resolve_user(const char *user, const struct img_flat *f, char *const *dirs, char *out,
                        size_t len, vc_err *err)
{
	char u[256], file[PATH_MAX], *g;
	unsigned long uid = 0, gid = 0;
	uint64_t v;
	vc_err e;
	FILE *fp;

	snprintf(u, sizeof(u), "%s", user);
	g = strchr(u, ':');
	if (g)
		*g++ = '\0';
	if (vc_parse_uint(u, 0, UINT32_MAX - 1, &v, "User", &e) == 0) {
		uid = (unsigned long)v;
	} else {
		struct passwd *pw = NULL;

		fp = flat_find(f, dirs, "etc/passwd", file, sizeof(file)) ? open_nofollow(file)
		                                                          : NULL;
		while (fp && (pw = fgetpwent(fp)) && strcmp(pw->pw_name, u))
			;
		if (fp && pw)
			uid = pw->pw_uid, gid = pw->pw_gid;
		if (fp)
			fclose(fp);
		if (!pw)
			return vc_error(err, 0,
			                "image User '%s': no such user in the image's /etc/passwd",
			                user);
	}
	if (g && vc_parse_uint(g, 0, UINT32_MAX - 1, &v, "User", &e) == 0) {
		gid = (unsigned long)v;
	} else if (g) {
		struct group *gr = NULL;

		fp = flat_find(f, dirs, "etc/group", file, sizeof(file)) ? open_nofollow(file)
		                                                         : NULL;
		while (fp && (gr = fgetgrent(fp)) && strcmp(gr->gr_name, g))
			;
		if (fp && gr)
			gid = gr->gr_gid;
		if (fp)
			fclose(fp);
		if (!gr)
			return vc_error(err, 0,
			                "image User '%s': no such group in the image's /etc/group",
			                user);
	}
	snprintf(out, len, "%lu:%lu", uid, gid);
	return 0;
}

/* --- the cpio ------------------------------------------------------------------ */

static int ar_fail(struct archive *a, const char *what, vc_err *err)
{
	return vc_error(err, archive_errno(a) > 0 ? archive_errno(a) : 0, "initramfs: %s: %s", what,
	                archive_error_string(a) ? archive_error_string(a) : "error");
}

/* A file of ours (/.vclab/...): owner 0:0, mtime 0. */
static int add_mem(struct archive *a, const char *path, mode_t mode, const void *data, size_t len,
                   int64_t ino, vc_err *err)
{
	struct archive_entry *e = archive_entry_new();
	int rc = 0;

	if (!e)
		return vc_error(err, ENOMEM, "initramfs");
	archive_entry_set_pathname(e, path);
	archive_entry_set_mode(e, mode);
	archive_entry_set_size(e, S_ISREG(mode) ? (int64_t)len : 0);
	archive_entry_set_nlink(e, S_ISDIR(mode) ? 2 : 1);
	archive_entry_set_ino64(e, ino);
	archive_entry_set_mtime(e, 0, 0);
	if (archive_write_header(a, e) != ARCHIVE_OK ||
	    (S_ISREG(mode) && len && archive_write_data(a, data, len) != (la_ssize_t)len))
		rc = ar_fail(a, path, err);
	archive_entry_free(e);
	return rc;
}

/* Hard links of the image: each set of paths of the flattened tree that are
 * one file on the host (a layer's hard link, unpacked as one) becomes one
 * file in the cpio, stored as "new cpio" stores it: every entry of the set
 * has the same ino and the set's size as nlink, and only the last one
 * carries the data (Linux's initramfs unpacker and GNU cpio link the
 * others to it). A path of the set that an upper layer hid is not counted. */
struct link_set {
	dev_t dev;
	ino_t host_ino;
	int64_t ino;      /* in the cpio: the first entry's */
	unsigned n, seen; /* paths in the flattened tree; written so far */
};

struct links {
	struct link_set *s;
	size_t n;
};

static int cmp_set(const void *a, const void *b)
{
	const struct link_set *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->host_ino < y->host_ino ? -1 : x->host_ino > y->host_ino;
}

static int find_links(const struct img_flat *f, char *const *dirs, struct links *l, vc_err *err)
{
	size_t n = 0, w = 0;

	l->s = NULL;
	l->n = 0;
	for (size_t i = 0; i < f->n; i++) {
		char full[PATH_MAX];
		struct stat st;

		snprintf(full, sizeof(full), "%s/%s", dirs[f->e[i].layer], f->e[i].path);
		if (lstat(full, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink < 2)
			continue;
		if (n % 64 == 0) {
			struct link_set *more = realloc(l->s, (n + 64) * sizeof(*more));

			if (!more) {
				free(l->s);
				l->s = NULL;
				return vc_error(err, ENOMEM, "initramfs: hard links");
			}
			l->s = more;
		}
		l->s[n++] = (struct link_set){st.st_dev, st.st_ino, 0, 1, 0};
	}
	if (!n)
		return 0;
	qsort(l->s, n, sizeof(*l->s), cmp_set);
	/* one set per host file, counted; a file met once needs nothing */
	for (size_t i = 0; i < n; i++) {
		if (w && !cmp_set(&l->s[w - 1], &l->s[i]))
			l->s[w - 1].n++;
		else
			l->s[w++] = l->s[i];
	}
	n = w;
	w = 0;
	for (size_t i = 0; i < n; i++)
		if (l->s[i].n > 1)
			l->s[w++] = l->s[i];
	l->n = w;
	return 0;
}

static struct link_set *link_of(struct links *l, const struct stat *st)
{
	struct link_set key = {.dev = st->st_dev, .host_ino = st->st_ino};

	if (!l || !l->n || !S_ISREG(st->st_mode) || st->st_nlink < 2)
		return NULL;
	return bsearch(&key, l->s, l->n, sizeof(*l->s), cmp_set);
}

static int add_file(struct archive *a, const char *dir, const char *path, int64_t ino,
                    struct links *links, vc_err *err)
{
	struct link_set *set;
	bool data;
	char full[PATH_MAX], target[PATH_MAX], buf[65536];
	struct archive_entry *e;
	struct stat st;
	int rc = 0, fd = -1;
	ssize_t n;

	snprintf(full, sizeof(full), "%s/%s", dir, path);
	if (lstat(full, &st) < 0)
		return vc_error(err, errno, "initramfs: %s", full);
	e = archive_entry_new();
	if (!e)
		return vc_error(err, ENOMEM, "initramfs");
	archive_entry_copy_stat(e, &st);
	archive_entry_set_pathname(e, path);
	archive_entry_set_dev(e, 0);
	data = S_ISREG(st.st_mode);
	set = link_of(links, &st);
	if (set) { /* a hard link: see struct link_set */
		if (!set->seen++)
			set->ino = ino;
		archive_entry_set_ino64(e, set->ino);
		archive_entry_set_nlink(e, set->n);
		data = set->seen == set->n; /* the last of the set */
	} else {
		archive_entry_set_ino64(e, ino);
		archive_entry_set_nlink(e, S_ISDIR(st.st_mode) ? 2 : 1);
	}
	archive_entry_unset_atime(e);
	archive_entry_unset_ctime(e);
	archive_entry_unset_birthtime(e);
	/* A directory's time changed as the layer was unpacked: not the image's. */
	archive_entry_set_mtime(e, S_ISDIR(st.st_mode) ? 0 : st.st_mtime, 0);
	if (!data)
		archive_entry_set_size(e, 0);
	if (S_ISLNK(st.st_mode)) {
		n = readlink(full, target, sizeof(target) - 1);
		if (n < 0) {
			rc = vc_error(err, errno, "initramfs: %s", full);
			goto out;
		}
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	}
	if (data) {
		fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			rc = vc_error(err, errno, "initramfs: %s", full);
			goto out;
		}
	}
	if (archive_write_header(a, e) != ARCHIVE_OK) {
		rc = ar_fail(a, path, err);
		goto out;
	}
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		if (archive_write_data(a, buf, (size_t)n) != n) {
			rc = ar_fail(a, path, err);
			goto out;
		}
	if (fd >= 0 && n < 0)
		rc = vc_error(err, errno, "initramfs: %s", full);
out:
	if (fd >= 0)
		close(fd);
	archive_entry_free(e);
	return rc;
}

struct config_files {
	struct words entrypoint, cmd, env;
	char user[64], hostname[65];
	const char *workdir;
};

static int write_cpio(int fd, const struct img_flat *f, char *const *dirs,
                      const struct config_files *c, const char *init, size_t init_len,
                      int64_t *unpacked, vc_err *err)
{
	struct archive *a = archive_write_new();
	struct links links = {NULL, 0};
	int64_t ino = 1;
	int rc = -1;

	if (!a)
		return vc_error(err, ENOMEM, "initramfs");
	if (find_links(f, dirs, &links, err) < 0) {
		archive_write_free(a);
		return -1;
	}
	/* newc is what the kernel reads; gzip without a time stamp. */
	if (archive_write_set_format_cpio_newc(a) != ARCHIVE_OK ||
	    archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_options(a, "gzip:!timestamp") != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		ar_fail(a, "cpio writer", err);
		goto out;
	}
	for (size_t i = 0; i < f->n; i++)
		if (add_file(a, dirs[f->e[i].layer], f->e[i].path, ino++, &links, err) < 0)
			goto out;
	if (add_mem(a, ".vclab", S_IFDIR | 0755, NULL, 0, ino++, err) < 0 ||
	    add_mem(a, ".vclab/init", S_IFREG | 0755, init, init_len, ino++, err) < 0 ||
	    add_mem(a, ".vclab/entrypoint", S_IFREG | 0644, c->entrypoint.b, c->entrypoint.len,
	            ino++, err) < 0 ||
	    add_mem(a, ".vclab/cmd", S_IFREG | 0644, c->cmd.b, c->cmd.len, ino++, err) < 0 ||
	    add_mem(a, ".vclab/env", S_IFREG | 0644, c->env.b, c->env.len, ino++, err) < 0 ||
	    add_mem(a, ".vclab/user", S_IFREG | 0644, c->user, strlen(c->user), ino++, err) < 0 ||
	    add_mem(a, ".vclab/hostname", S_IFREG | 0644, c->hostname, strlen(c->hostname), ino++,
	            err) < 0 ||
	    (c->workdir && add_mem(a, ".vclab/workdir", S_IFREG | 0644, c->workdir,
	                           strlen(c->workdir), ino++, err) < 0))
		goto out;
	if (archive_write_close(a) != ARCHIVE_OK) {
		ar_fail(a, "close", err);
		goto out;
	}
	*unpacked = archive_filter_bytes(a, 0);
	rc = 0;
out:
	archive_write_free(a);
	free(links.s);
	return rc;
}

/* --- export ----------------------------------------------------------------- */

/* The uncompressed size a gzip file records in its last 4 bytes (mod 4 GiB). */
static int64_t gzip_isize(const char *path)
{
	unsigned char t[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	off_t end = fd >= 0 ? lseek(fd, -4, SEEK_END) : -1;
	int64_t v = -1;

	if (end >= 0 && read(fd, t, 4) == 4)
		v = (int64_t)t[0] | (int64_t)t[1] << 8 | (int64_t)t[2] << 16 | (int64_t)t[3] << 24;
	if (fd >= 0)
		close(fd);
	return v;
}

static int build_config(const struct img_config *cfg, const struct img_flat *f, char *const *dirs,
                        const char *digest, const char *ref, struct config_files *c, vc_err *err)
{
	json_t *host = json_object_get(json_object_get(cfg->json, "config"), "Hostname");

	if (words_of(&c->entrypoint, cfg->entrypoint, err) < 0 ||
	    words_of(&c->cmd, cfg->cmd, err) < 0 || env_words(&c->env, cfg->env, err) < 0)
		return vc_error_wrap(err, "image %s", ref);
	if (cfg->working_dir && *cfg->working_dir) {
		if (cfg->working_dir[0] != '/')
			return vc_error(err, 0, "image %s: WorkingDir '%s': not an absolute path",
			                ref, cfg->working_dir);
		c->workdir = cfg->working_dir;
	}
	snprintf(c->user, sizeof(c->user), "0:0");
	if (cfg->user && *cfg->user &&
	    resolve_user(cfg->user, f, dirs, c->user, sizeof(c->user), err) < 0)
		return vc_error_wrap(err, "image %s", ref);
	/* Docker's hostname is the container id; ours the image id. */
	if (json_is_string(host) && json_string_length(host) > 0 && json_string_length(host) <= 64)
		snprintf(c->hostname, sizeof(c->hostname), "%s", json_string_value(host));
	else
		snprintf(c->hostname, sizeof(c->hostname), "%.12s", digest + 7);
	return 0;
}

int img_initramfs_export(struct img_store *s, const char *ref, const char *out,
                         struct img_initramfs_result *res, vc_err *err)
{
	struct img_manifest m = {0};
	struct img_config cfg = {0};
	struct img_flat flat = {0};
	struct config_files c = {0};
	struct img_desc d;
	char init_path[PATH_MAX], init_digest[IMG_DIGEST_SIZE], dir[PATH_MAX], tmp[PATH_MAX + 64];
	char **dirs = NULL, *init = NULL;
	size_t init_len = 0;
	struct stat st;
	int fd = -1, rc = -1;

	memset(res, 0, sizeof(*res));
	tmp[0] = '\0';
	if (img_resolve(s, ref, &d, err) < 0 || read_init(&init, &init_len, init_path, err) < 0)
		goto out;
	img_sha256(init, init_len, init_digest);
	if (out) {
		snprintf(res->path, sizeof(res->path), "%s", out);
	} else {
		if (img_store_subdir(s, IMG_INITRAMFS_DIR, dir, sizeof(dir)) < 0) {
			vc_error(err, ENAMETOOLONG, "store");
			goto out;
		}
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			vc_error(err, errno, "image export: %s", dir);
			goto out;
		}
		if ((size_t)snprintf(res->path, sizeof(res->path), "%.3900s/%.64s-%.12s.cpio.gz",
		                     dir, d.digest + 7, init_digest + 7) >= sizeof(res->path)) {
			vc_error(err, ENAMETOOLONG, "store");
			goto out;
		}
		if (stat(res->path, &st) == 0 && S_ISREG(st.st_mode)) {
			res->cached = true;
			res->size = st.st_size;
			res->unpacked = gzip_isize(res->path);
			rc = 0;
			goto out;
		}
	}
	if (img_manifest_read(s, d.digest, &m, err) < 0 ||
	    img_config_read(s, m.config.digest, &cfg, err) < 0)
		goto out;
	if (cfg.n_diff_ids != m.n_layers) {
		vc_error(err, 0, "image %s: %zu layers but %zu diff ids in its config", ref,
		         m.n_layers, cfg.n_diff_ids);
		goto out;
	}
	dirs = calloc(m.n_layers + 1, sizeof(*dirs));
	if (!dirs) {
		vc_error(err, ENOMEM, "image %s", ref);
		goto out;
	}
	for (size_t i = 0; i < m.n_layers; i++) {
		bool done;

		dirs[i] = malloc(PATH_MAX);
		if (!dirs[i]) {
			vc_error(err, ENOMEM, "image %s", ref);
			goto out;
		}
		if (img_layer_unpack(s, &m.layers[i], cfg.diff_ids[i], dirs[i], PATH_MAX, &done,
		                     err) < 0) {
			vc_error_wrap(err, "image %s", ref);
			goto out;
		}
	}
	if (img_flatten(dirs, m.n_layers, &flat, err) < 0 ||
	    build_config(&cfg, &flat, dirs, d.digest, ref, &c, err) < 0)
		goto out;
	res->entries = flat.n;
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", res->path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		vc_error(err, errno, "image export: %s", tmp);
		tmp[0] = '\0';
		goto out;
	}
	if (write_cpio(fd, &flat, dirs, &c, init, init_len, &res->unpacked, err) < 0) {
		vc_error_wrap(err, "image export %s", ref);
		goto out;
	}
	if (fsync(fd) < 0 || fstat(fd, &st) < 0) {
		vc_error(err, errno, "image export: %s", tmp);
		goto out;
	}
	res->size = st.st_size;
	close(fd);
	fd = -1;
	if (rename(tmp, res->path) < 0) {
		vc_error(err, errno, "image export: %s", res->path);
		goto out;
	}
	tmp[0] = '\0';
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlink(tmp);
	for (size_t i = 0; dirs && i < m.n_layers; i++)
		free(dirs[i]);
	free(dirs);
	free(init);
	free(c.entrypoint.b);
	free(c.cmd.b);
	free(c.env.b);
	img_flat_free(&flat);
	img_config_free(&cfg);
	img_manifest_free(&m);
	return rc;
}

/* container image export --initramfs REF [-o FILE] */
int img_cmd_export(struct img_store *s, int argc, char **argv, vc_err *err)
{
	const char *ref = NULL, *out = NULL;
	struct img_initramfs_result res;
	bool initramfs = false;
	struct timespec t0, t1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--initramfs"))
			initramfs = true;
		else if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc)
			out = argv[++i];
		else if (argv[i][0] == '-')
			return vc_error(err, 0,
			                "image export: unknown option '%s' (see container --help)",
			                argv[i]);
		else if (!ref)
			ref = argv[i];
		else
			return vc_error(err, 0, "image export: unexpected argument '%s'", argv[i]);
	}
	if (!initramfs || !ref)
		return vc_error(err, 0,
		                "image export: expected --initramfs REF [-o FILE] (the only "
		                "export there is)");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (img_initramfs_export(s, ref, out, &res, err) < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (res.cached)
		fprintf(stderr,
		        "image export: %s: cached (no flattening): %lld bytes, ~%lld unpacked\n",
		        ref, (long long)res.size, (long long)res.unpacked);
	else
		fprintf(
		    stderr,
		    "image export: %s: flattened %zu entries, %lld bytes unpacked -> %lld bytes "
		    "gzip cpio in %.3f s\n",
		    ref, res.entries, (long long)res.unpacked, (long long)res.size,
		    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	printf("%s\n", res.path);
	return 0;
}
