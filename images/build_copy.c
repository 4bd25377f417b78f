/* COPY and ADD of `container build`: sources from the context copied into
 * the step's root file system, the content hash the build cache keys on,
 * and USER[:GROUP] resolution against the image's /etc/passwd. */
#include "build.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

/* --- walking a source in the context ---------------------------------------- */

/* Called for every entry, parents first (post false) and for directories
 * once more after their children (post true). rel: path in the context;
 * sub: path below the source ("" for the source itself). */
typedef int (*walk_cb)(int ctxfd, const char *rel, const char *sub, const struct stat *st,
                       bool post, void *arg, vc_err *err);

static int by_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(int ctxfd, const char *rel, const char *sub, const struct dockerignore *ign,
                bool top, walk_cb cb, void *arg, vc_err *err)
{
	struct stat st;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (fstatat(ctxfd, rel, &st, top ? 0 : AT_SYMLINK_NOFOLLOW) < 0)
		return vc_error(err, errno, "context %s", rel);
	if (cb(ctxfd, rel, sub, &st, false, arg, err) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return 0;

	int fd = openat(ctxfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (top ? 0 : O_NOFOLLOW));
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return vc_error(err, errno, "context %s", rel);
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*nn));
		if (!nn || !(nn[n] = strdup(de->d_name))) {
			if (nn)
				names = nn;
			rc = vc_error(err, ENOMEM, "context %s", rel);
			break;
		}
		names = nn;
		n++;
	}
	closedir(d);
	if (rc == 0)
		qsort(names, n, sizeof(*names), by_strcmp);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char crel[PATH_MAX], csub[PATH_MAX];
		struct stat cst;
		if (snprintf(crel, sizeof(crel), "%s%s%s", strcmp(rel, ".") ? rel : "",
		             strcmp(rel, ".") ? "/" : "", names[i]) >= (int)sizeof(crel) ||
		    snprintf(csub, sizeof(csub), "%s%s%s", sub, *sub ? "/" : "", names[i]) >=
		        (int)sizeof(csub)) {
			rc = vc_error(err, ENAMETOOLONG, "context %s/%s", rel, names[i]);
			break;
		}
		if (ign && di_excluded(ign, crel)) {
			/* an exception below an excluded directory keeps it walked */
			if (!ign->has_negation ||
			    fstatat(ctxfd, crel, &cst, AT_SYMLINK_NOFOLLOW) < 0 ||
			    !S_ISDIR(cst.st_mode))
				continue;
		}
		rc = walk(ctxfd, crel, csub, ign, false, cb, arg, err);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (rc == 0)
		rc = cb(ctxfd, rel, sub, &st, true, arg, err);
	return rc;
}

/* --- the content hash ---------------------------------------------------------- */

struct hash_arg {
	EVP_MD_CTX *md;
};

static int hash_cb(int ctxfd, const char *rel, const char *sub, const struct stat *st, bool post,
                   void *arg, vc_err *err)
{
	struct hash_arg *h = arg;
	char line[PATH_MAX + 128], target[PATH_MAX];

	if (post)
		return 0;
	snprintf(line, sizeof(line), "%s\n%o %lld\n", sub, (unsigned)st->st_mode,
	         S_ISREG(st->st_mode) ? (long long)st->st_size : 0LL);
	EVP_DigestUpdate(h->md, line, strlen(line) + 1);
	if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(ctxfd, rel, target, sizeof(target) - 1);
		if (n < 0)
			return vc_error(err, errno, "context %s", rel);
		EVP_DigestUpdate(h->md, target, (size_t)n);
		EVP_DigestUpdate(h->md, "", 1);
	} else if (S_ISREG(st->st_mode)) {
		char buf[65536];
		ssize_t n;
		int fd = openat(ctxfd, rel, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return vc_error(err, errno, "context %s", rel);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			EVP_DigestUpdate(h->md, buf, (size_t)n);
		close(fd);
		if (n < 0)
			return vc_error(err, errno, "reading context %s", rel);
	}
	return 0;
}

int build_copy_hash(const struct build_copy *c, char out[IMG_DIGEST_SIZE], vc_err *err)
{
	struct hash_arg h = {EVP_MD_CTX_new()};
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	int ctxfd, rc = 0;

	if (!h.md || EVP_DigestInit_ex(h.md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h.md);
		return vc_error(err, 0, "SHA-256 unavailable");
	}
	ctxfd = open(c->ctx, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ctxfd < 0) {
		EVP_MD_CTX_free(h.md);
		return vc_error(err, errno, "context %s", c->ctx);
	}
	for (size_t i = 0; rc == 0 && i < c->n_srcs; i++) {
		EVP_DigestUpdate(h.md, "src:", 4);
		EVP_DigestUpdate(h.md, c->srcs[i].rel, strlen(c->srcs[i].rel) + 1);
		rc = walk(ctxfd, c->srcs[i].rel, "", c->ign, true, hash_cb, &h, err);
	}
	close(ctxfd);
	if (rc == 0) {
		EVP_DigestFinal_ex(h.md, md, &len);
		strcpy(out, "sha256:");
		for (unsigned i = 0; i < len; i++)
			sprintf(out + 7 + 2 * i, "%02x", md[i]);
	}
	EVP_MD_CTX_free(h.md);
	return rc;
}

/* --- users ------------------------------------------------------------------------ */

static bool numeric(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Open path inside the tree at rootfd, symlinks resolved inside it. */
static FILE *open_in_root(int rootfd, const char *path)
{
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "r");
	if (!f)
		close(fd);
	return f;
}

/* Find name (or, with by_id, the numeric id) in a passwd/group file:
 * fields 0 (name), 2 (id), 3 (group id, passwd only). */
static bool lookup_db(int rootfd, const char *file, const char *name, long *id, long *gid)
{
	FILE *f = open_in_root(rootfd, file);
	char line[1024];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *fields[4] = {0}, *p = line, *save = NULL;
		int k = 0;
		line[strcspn(line, "\n")] = '\0';
		/* strtok would merge empty fields: split by hand */
		fields[k++] = p;
		while (k < 4 && (p = strchr(p, ':'))) {
			*p++ = '\0';
			fields[k++] = p;
		}
		(void)save;
		if (k < 3)
			continue;
		if (fields[3]) {
			char *c = strchr(fields[3], ':');
			if (c)
				*c = '\0';
		}
		bool match = numeric(name) ? !strcmp(fields[2], name) : !strcmp(fields[0], name);
		if (match && numeric(fields[2])) {
			*id = strtol(fields[2], NULL, 10);
			if (gid)
				*gid = fields[3] && numeric(fields[3]) ? strtol(fields[3], NULL, 10)
				                                       : 0;
			found = true;
		}
	}
	fclose(f);
	return found;
}

int build_resolve_user(int rootfd, const char *spec, uid_t *uid, gid_t *gid, vc_err *err)
{
	char user[256], *group;
	long u = 0, g = 0, pg = 0;

	if (snprintf(user, sizeof(user), "%s", spec) >= (int)sizeof(user))
		return vc_error(err, 0, "user '%s': too long", spec);
	group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	if (!*user)
		return vc_error(err, 0, "user '%s': no user name", spec);
	if (lookup_db(rootfd, "etc/passwd", user, &u, &pg)) {
		g = pg;
	} else if (numeric(user)) {
		u = strtol(user, NULL, 10);
		g = 0;
	} else {
		return vc_error(err, 0,
		                "unable to find user %s: no matching entries in the image's "
		                "/etc/passwd",
		                user);
	}
	if (group && *group) {
		if (lookup_db(rootfd, "etc/group", group, &g, NULL))
			;
		else if (numeric(group))
			g = strtol(group, NULL, 10);
		else
			return vc_error(
			    err, 0,
			    "unable to find group %s: no matching entries in the image's "
			    "/etc/group",
			    group);
	}
	if (u < 0 || u > 0xfffffffeL || g < 0 || g > 0xfffffffeL)
		return vc_error(err, 0, "user '%s': id out of range", spec);
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}

/* --- copying (in the chroot()ed child) ------------------------------------------- */

struct copy_arg {
	const struct build_copy *c;
	const char *dest; /* where the source itself goes */
	uid_t uid;
	gid_t gid;
	bool top_existed; /* the destination directory was there: left as it is */
};

static int mkdir_p(const char *path, vc_err *err)
{
	char buf[PATH_MAX];
	struct stat st;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return vc_error(err, ENAMETOOLONG, "%s", path);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char save = *p;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return vc_error(err, errno, "mkdir %s", buf);
		if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode))
			return vc_error(err, ENOTDIR, "%s", buf);
		*p = save;
		if (!save)
			break;
	}
	return 0;
}

static int copy_file(int ctxfd, const char *rel, const char *dst, const struct stat *st, uid_t uid,
                     gid_t gid, vc_err *err)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	in = openat(ctxfd, rel, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return vc_error(err, errno, "context %s", rel);
	if (unlink(dst) < 0 && errno != ENOENT) {
		int e = errno;
		close(in);
		return vc_error(err, e, "replacing %s", dst);
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		int e = errno;
		close(in);
		return vc_error(err, e, "creating %s", dst);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	int e = errno;
	close(in);
	if (n < 0 || fchown(out, uid, gid) < 0 || fchmod(out, st->st_mode & 07777) < 0) {
		e = e ? e : errno;
		close(out);
		return vc_error(err, e, "copying %s to %s", rel, dst);
	}
	if (close(out) < 0)
		return vc_error(err, errno, "writing %s", dst);
	return 0;
}

static int copy_cb(int ctxfd, const char *rel, const char *sub, const struct stat *st, bool post,
                   void *arg, vc_err *err)
{
	struct copy_arg *a = arg;
	char dst[PATH_MAX], target[PATH_MAX];
	struct stat dst_st;

	if (snprintf(dst, sizeof(dst), "%s%s%s", a->dest, *sub ? "/" : "", sub) >= (int)sizeof(dst))
		return vc_error(err, ENAMETOOLONG, "%s/%s", a->dest, sub);
	if (S_ISDIR(st->st_mode)) {
		if (*sub == '\0' && !post)
			a->top_existed = stat(dst, &dst_st) == 0 && S_ISDIR(dst_st.st_mode);
		if (*sub == '\0' && a->top_existed)
			return 0;
		if (post) /* modes last: a read-only directory still gets its children */
			return chmod(dst, st->st_mode & 07777) < 0
			           ? vc_error(err, errno, "chmod %s", dst)
			           : 0;
		if (lstat(dst, &dst_st) == 0 && !S_ISDIR(dst_st.st_mode) && unlink(dst) < 0)
			return vc_error(err, errno, "replacing %s", dst);
		if (mkdir(dst, 0755) < 0 && errno != EEXIST)
			return vc_error(err, errno, "mkdir %s", dst);
		if (lchown(dst, a->uid, a->gid) < 0)
			return vc_error(err, errno, "chown %s", dst);
		return 0;
	}
	if (post)
		return 0;
	if (S_ISREG(st->st_mode))
		return copy_file(ctxfd, rel, dst, st, a->uid, a->gid, err);
	if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(ctxfd, rel, target, sizeof(target) - 1);
		if (n < 0)
			return vc_error(err, errno, "context %s", rel);
		target[n] = '\0';
		if (lstat(dst, &dst_st) == 0 && !S_ISDIR(dst_st.st_mode) && unlink(dst) < 0)
			return vc_error(err, errno, "replacing %s", dst);
		if (symlink(target, dst) < 0 || lchown(dst, a->uid, a->gid) < 0)
			return vc_error(err, errno, "symlink %s", dst);
		return 0;
	}
	return 0; /* devices, fifos, sockets of a context are not copied */
}

/* ADD: is the context file rel a tar archive (plain or gzip)?
 * Then extract it into dir. *done tells whether it was one. */
static int add_archive(int ctxfd, const char *rel, const char *dir, bool *done, vc_err *err)
{
	struct archive *a = archive_read_new(), *w = NULL;
	struct archive_entry *e;
	int fd, r, rc = 0;

	*done = false;
	if (!a)
		return vc_error(err, ENOMEM, "ADD %s", rel);
	fd = openat(ctxfd, rel, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		archive_read_free(a);
		return vc_error(err, errno, "context %s", rel);
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK)
		goto out; /* not an archive: copied as a file */
	*done = true;
	if (mkdir_p(dir, err) < 0 || chdir(dir) < 0) {
		rc = err->msg[0] ? -1 : vc_error(err, errno, "ADD: %s", dir);
		goto out;
	}
	w = archive_write_disk_new();
	archive_write_disk_set_options(
	    w, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_OWNER |
	           ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
	           ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_UNLINK);
	do {
		if (archive_write_header(w, e) != ARCHIVE_OK) {
			rc = vc_error(err, 0, "ADD %s: %s: %s", rel, archive_entry_pathname(e),
			              archive_error_string(w));
			goto out;
		}
		const void *buf;
		size_t size;
		la_int64_t off;
		while ((r = archive_read_data_block(a, &buf, &size, &off)) == ARCHIVE_OK)
			if (archive_write_data_block(w, buf, size, off) != ARCHIVE_OK) {
				rc = vc_error(err, 0, "ADD %s: %s", rel, archive_error_string(w));
				goto out;
			}
		if (r != ARCHIVE_EOF) {
			rc = vc_error(err, 0, "ADD %s: %s", rel, archive_error_string(a));
			goto out;
		}
		archive_write_finish_entry(w);
	} while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK);
	if (r != ARCHIVE_EOF)
		rc = vc_error(err, 0, "ADD %s: %s", rel, archive_error_string(a));
	else if (archive_write_close(w) != ARCHIVE_OK)
		rc = vc_error(err, 0, "ADD %s: %s", rel, archive_error_string(w));
out:
	if (w)
		archive_write_free(w);
	archive_read_free(a);
	close(fd);
	if (chdir("/") < 0 && rc == 0)
		rc = vc_error(err, errno, "chdir /");
	return rc;
}

static int copy_in_child(int ctxfd, const char *rootfs, const struct build_copy *c, vc_err *err)
{
	struct copy_arg a = {.c = c};
	char dest[PATH_MAX];
	int rootfd;

	if (chroot(rootfs) < 0 || chdir("/") < 0)
		return vc_error(err, errno, "chroot %s", rootfs);
	umask(0);
	rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return vc_error(err, errno, "open /");
	if (c->chown && build_resolve_user(rootfd, c->chown, &a.uid, &a.gid, err) < 0)
		return vc_error_wrap(err, "--chown");
	if (c->workdir && mkdir_p(c->workdir, err) < 0)
		return vc_error_wrap(err, "WORKDIR");
	for (size_t i = 0; i < c->n_srcs; i++) {
		const struct build_src *s = &c->srcs[i];
		struct stat st;
		const char *base = strrchr(s->rel, '/');
		base = base ? base + 1 : s->rel;

		if (s->is_dir) {
			snprintf(dest, sizeof(dest), "%s", c->dest);
		} else if (c->add) {
			bool done;
			if (add_archive(ctxfd, s->rel, c->dest, &done, err) < 0)
				return -1;
			if (done)
				continue;
		}
		if (!s->is_dir) {
			if (c->dest_dir || (stat(c->dest, &st) == 0 && S_ISDIR(st.st_mode)))
				snprintf(dest, sizeof(dest), "%s/%s", c->dest, base);
			else
				snprintf(dest, sizeof(dest), "%s", c->dest);
		}
		/* the parents of what is copied */
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", dest);
		char *slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = '\0';
			if (mkdir_p(parent, err) < 0)
				return -1;
		}
		a.dest = dest;
		if (walk(ctxfd, s->rel, "", c->ign, true, copy_cb, &a, err) < 0)
			return -1;
	}
	close(rootfd);
	return 0;
}

int build_copy_into(const char *rootfs, const struct build_copy *c, vc_err *err)
{
	int p[2], status, ctxfd;
	pid_t pid;
	vc_err cerr = {0};
	ssize_t n;

	ctxfd = open(c->ctx, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (ctxfd < 0)
		return vc_error(err, errno, "context %s", c->ctx);
	if (pipe2(p, O_CLOEXEC) < 0) {
		close(ctxfd);
		return vc_error(err, errno, "pipe");
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(ctxfd);
		close(p[0]);
		close(p[1]);
		return vc_error(err, errno, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		if (copy_in_child(ctxfd, rootfs, c, &cerr) < 0) {
			if (write(p[1], &cerr, sizeof(cerr)) < 0)
				_exit(2);
			_exit(1);
		}
		_exit(0);
	}
	close(p[1]);
	close(ctxfd);
	n = read(p[0], &cerr, sizeof(cerr));
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(cerr)) {
		cerr.msg[sizeof(cerr.msg) - 1] = '\0';
		*err = cerr;
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return vc_error(err, 0, "copying into %s: the copying process failed", rootfs);
	return 0;
}
