/* `container run IMAGE`: see imgrun.h. */
#include "imgrun.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "layers.h"
#include "parse.h"
#include "store.h"

struct img_run {
	struct img_store *s;
	struct img_config cfg;
	char dir[PATH_MAX - 256]; /* IMG_RUN_ROOT/PID */
	char rootfs[PATH_MAX];    /* dir/rootfs, the overlay */
	char ctdir[PATH_MAX];     /* ROOT/containers/PID: upper, work */
	bool mounted;
	char **args;
};

bool img_run_wanted(const char *arg)
{
	struct img_ref r;
	struct stat st;
	vc_err e;

	return arg && arg[0] != '/' && arg[0] != '.' && stat(arg, &st) < 0 &&
	       img_ref_parse(arg, &r, &e) == 0;
}

/* rmdir each path in turn; when one is not empty (or not there), the
 * whole tree goes with img_rmtree(). Usually the directories are empty and
 * this is a few system calls instead of a tree walk. */
static void rmdirs(const char *top, const char *const *subs)
{
	char p[PATH_MAX + 32];

	for (; *subs; subs++) {
		snprintf(p, sizeof(p), "%s/%s", top, *subs);
		if (rmdir(p) < 0 && errno != ENOENT)
			break;
	}
	if (rmdir(top) < 0 && errno != ENOENT)
		img_rmtree(top);
}

static void remove_run(const char *dir, const char *ctdir)
{
	static const char *const run_subs[] = {"rootfs", "empty", NULL};
	static const char *const ct_subs[] = {"upper", "work/work", "work", NULL};
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/rootfs", dir);
	umount2(p, MNT_DETACH);
	rmdirs(dir, run_subs);
	if (ctdir)
		rmdirs(ctdir, ct_subs);
}

/* Remove what image runs killed by SIGKILL left: their PID is gone. */
static void sweep_stale(struct img_store *s)
{
	char p[PATH_MAX], ct[PATH_MAX];
	const char *roots[] = {IMG_RUN_ROOT, NULL};
	struct dirent *d;
	DIR *dp;

	if (img_store_subdir(s, "containers", ct, sizeof(ct)) == 0)
		roots[1] = ct;
	for (int i = 0; i < 2 && roots[i]; i++) {
		dp = opendir(roots[i]);
		if (!dp)
			continue;
		while ((d = readdir(dp))) {
			char *end;
			long pid = strtol(d->d_name, &end, 10);

			if (d->d_name[0] == '.' || *end || pid <= 0 ||
			    !(kill((pid_t)pid, 0) < 0 && errno == ESRCH))
				continue;
			snprintf(p, sizeof(p), "%s/%s", roots[i], d->d_name);
			if (i == 0)
				remove_run(p, NULL);
			else
				img_rmtree(p);
		}
		closedir(dp);
	}
}

static int mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, mode) < 0 && errno != EEXIST ? -1 : 0;
}

/* Entrypoint + (the given CMD, or the image's Cmd). */
static int build_args(struct img_run *r, struct quick_opts *q, const char *image, vc_err *err)
{
	size_t ne = 0, nc = 0, k = 0;
	char **cmd = q->n_cmd ? q->cmd : r->cfg.cmd;

	while (r->cfg.entrypoint && r->cfg.entrypoint[ne])
		ne++;
	if (q->n_cmd)
		nc = q->n_cmd;
	else
		while (cmd && cmd[nc])
			nc++;
	if (!ne && !nc)
		return vc_error(err, 0,
		                "run %s: no command: the image has no Entrypoint or Cmd and none "
		                "was given",
		                image);
	r->args = calloc(ne + nc + 1, sizeof(char *));
	if (!r->args)
		return vc_error(err, ENOMEM, "run %s", image);
	for (size_t i = 0; i < ne; i++)
		r->args[k++] = r->cfg.entrypoint[i];
	for (size_t i = 0; i < nc; i++)
		r->args[k++] = cmd[i];
	q->cmd = r->args;
	q->n_cmd = k;
	return 0;
}

static int mount_overlay(struct img_run *r, const struct img_manifest *m, char (*paths)[PATH_MAX],
                         bool read_only, vc_err *err)
{
	size_t optlen = 16384, used;
	char *opts = malloc(optlen), empty[PATH_MAX + 16];
	int rc = -1;

	if (!opts)
		return vc_error(err, ENOMEM, "overlay");
	used = (size_t)snprintf(opts, optlen, "lowerdir=");
	for (size_t i = m->n_layers; i-- > 0;)
		used +=
		    (size_t)snprintf(opts + used, optlen - used, "%s%s", paths[i], i ? ":" : "");
	if (read_only && m->n_layers == 1) {
		/* overlayfs wants two lower layers when there is no upper one */
		snprintf(empty, sizeof(empty), "%s/empty", r->dir);
		if (mkdir(empty, 0755) < 0) {
			vc_error(err, errno, "overlay: %s", empty);
			goto out;
		}
		used += (size_t)snprintf(opts + used, optlen - used, ":%s", empty);
	}
	if (!read_only) {
		char up[PATH_MAX + 16], work[PATH_MAX + 16];

		snprintf(up, sizeof(up), "%s/upper", r->ctdir);
		snprintf(work, sizeof(work), "%s/work", r->ctdir);
		if (mkdirs(up, 0755) < 0 || mkdirs(work, 0700) < 0) {
			vc_error(err, errno, "overlay: %s", r->ctdir);
			goto out;
		}
		used += (size_t)snprintf(opts + used, optlen - used, ",upperdir=%s,workdir=%s", up,
		                         work);
	}
	if (used >= optlen || used > 4000) {
		vc_error(err, E2BIG, "overlay: %zu layers: the mount options are too long",
		         m->n_layers);
		goto out;
	}
	if (mount("overlay", r->rootfs, "overlay", read_only ? MS_RDONLY : 0, opts) < 0) {
		vc_error(err, errno, "overlay of %zu layers at %s", m->n_layers, r->rootfs);
		goto out;
	}
	r->mounted = true;
	rc = 0;
out:
	free(opts);
	return rc;
}

int img_run_prepare(struct img_run **out, struct quick_opts *q, struct vc_timeline *tl, vc_err *err)
{
	struct img_run *r = calloc(1, sizeof(*r));
	struct img_manifest m = {0};
	struct img_desc d;
	const char *image = q->rootfs;
	char(*paths)[PATH_MAX] = NULL;
	size_t fresh = 0;

	*out = NULL;
	if (!r)
		return vc_error(err, ENOMEM, "run %s", image);
	if (img_store_open(&r->s, NULL, err) < 0)
		goto fail;
	sweep_stale(r->s);
	if (img_resolve(r->s, image, &d, err) < 0 ||
	    img_manifest_read(r->s, d.digest, &m, err) < 0 ||
	    img_config_read(r->s, m.config.digest, &r->cfg, err) < 0)
		goto fail;
	if (r->cfg.n_diff_ids != m.n_layers) {
		vc_error(err, 0, "image %s: %zu layers but %zu diff ids in its config", image,
		         m.n_layers, r->cfg.n_diff_ids);
		goto fail;
	}
	if (!m.n_layers) {
		vc_error(err, 0, "image %s: no layers", image);
		goto fail;
	}
	if (build_args(r, q, image, err) < 0)
		goto fail;
	paths = calloc(m.n_layers, sizeof(*paths));
	if (!paths) {
		vc_error(err, ENOMEM, "run %s", image);
		goto fail;
	}
	for (size_t i = 0; i < m.n_layers; i++) {
		bool done;

		if (img_layer_unpack(r->s, &m.layers[i], r->cfg.diff_ids[i], paths[i],
		                     sizeof(paths[i]), &done, err) < 0) {
			vc_error_wrap(err, "image %s", image);
			goto fail;
		}
		fresh += done;
	}
	vc_step(tl, "image", "%s is %.19s: %zu layers, %zu unpacked now", image, d.digest,
	        m.n_layers, fresh);
	snprintf(r->dir, sizeof(r->dir), "%s/%d", IMG_RUN_ROOT, (int)getpid());
	snprintf(r->rootfs, sizeof(r->rootfs), "%s/rootfs", r->dir);
	if (img_store_subdir(r->s, "containers", r->ctdir, sizeof(r->ctdir)) < 0) {
		vc_error(err, ENAMETOOLONG, "store");
		goto fail;
	}
	snprintf(r->ctdir + strlen(r->ctdir), sizeof(r->ctdir) - strlen(r->ctdir), "/%d",
	         (int)getpid());
	remove_run(r->dir, r->ctdir); /* a dead run's, with our pid */
	if (mkdirs(r->rootfs, 0755) < 0) {
		vc_error(err, errno, "run %s: %s", image, r->rootfs);
		goto fail;
	}
	if (mount_overlay(r, &m, paths, q->read_only, err) < 0) {
		vc_error_wrap(err, "run %s", image);
		goto fail;
	}
	vc_step(tl, "layers_mounted", "overlay of %zu layer%s%s at %s", m.n_layers,
	        m.n_layers > 1 ? "s" : "", q->read_only ? ", read-only (no upper)" : " + upper",
	        r->rootfs);
	q->rootfs = r->rootfs;
	free(paths);
	img_manifest_free(&m);
	*out = r;
	return 0;
fail:
	free(paths);
	img_manifest_free(&m);
	img_run_end(r);
	return -1;
}

static bool env_given(const struct quick_opts *q, const char *kv)
{
	size_t n = strcspn(kv, "=");

	for (size_t i = 0; i < q->n_env; i++)
		if (!strncmp(q->env[i], kv, n) && q->env[i][n] == '=')
			return true;
	return false;
}

/* "user[:group]": numbers, or names from the image's /etc/passwd and
 * /etc/group. */
static int apply_user(struct img_run *r, struct ct_spec *spec, vc_err *err)
{
	char u[256], file[PATH_MAX + 32], *g;
	uint64_t v;
	bool have_gid = false;
	vc_err e;
	FILE *f;

	snprintf(u, sizeof(u), "%s", r->cfg.user);
	g = strchr(u, ':');
	if (g)
		*g++ = '\0';
	if (vc_parse_uint(u, 0, UINT32_MAX - 1, &v, "User", &e) == 0) {
		spec->uid = (uid_t)v;
		spec->gid = 0;
	} else {
		struct passwd *pw;

		snprintf(file, sizeof(file), "%s/etc/passwd", r->rootfs);
		f = fopen(file, "re");
		while (f && (pw = fgetpwent(f)) && strcmp(pw->pw_name, u))
			;
		if (!f || !pw) {
			if (f)
				fclose(f);
			return vc_error(err, 0,
			                "image User '%s': no such user in the image's /etc/passwd",
			                r->cfg.user);
		}
		spec->uid = pw->pw_uid;
		spec->gid = pw->pw_gid;
		have_gid = true;
		fclose(f);
	}
	(void)have_gid;
	if (g && vc_parse_uint(g, 0, UINT32_MAX - 1, &v, "User", &e) == 0) {
		spec->gid = (gid_t)v;
	} else if (g) {
		struct group *gr;

		snprintf(file, sizeof(file), "%s/etc/group", r->rootfs);
		f = fopen(file, "re");
		while (f && (gr = fgetgrent(f)) && strcmp(gr->gr_name, g))
			;
		if (!f || !gr) {
			if (f)
				fclose(f);
			return vc_error(err, 0,
			                "image User '%s': no such group in the image's /etc/group",
			                r->cfg.user);
		}
		spec->gid = gr->gr_gid;
		fclose(f);
	}
	return 0;
}

int img_run_apply(struct img_run *r, struct ct_spec *spec, const struct quick_opts *q, vc_err *err)
{
	for (size_t i = 0; r->cfg.env && r->cfg.env[i]; i++) {
		if (!strchr(r->cfg.env[i], '=') || env_given(q, r->cfg.env[i]))
			continue;
		if (spec_setenv(spec, r->cfg.env[i], err) < 0)
			return vc_error_wrap(err, "image Env");
	}
	if (!q->workdir && r->cfg.working_dir) {
		char p[PATH_MAX * 2];

		if (r->cfg.working_dir[0] != '/')
			return vc_error(err, 0, "image WorkingDir '%s': not an absolute path",
			                r->cfg.working_dir);
		spec->cwd = r->cfg.working_dir;
		/* Docker makes it when the image lacks it */
		snprintf(p, sizeof(p), "%s%s", r->rootfs, r->cfg.working_dir);
		if (!q->read_only && !strstr(r->cfg.working_dir, ".."))
			mkdirs(p, 0755);
	}
	if (r->cfg.user && apply_user(r, spec, err) < 0)
		return -1;
	return 0;
}

void img_run_end(struct img_run *r)
{
	if (!r)
		return;
	if (r->dir[0])
		remove_run(r->dir, r->ctdir[0] ? r->ctdir : NULL);
	img_config_free(&r->cfg);
	free(r->args);
	img_store_close(r->s);
	free(r);
}
