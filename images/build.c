/* `container build`: the driver. Each instruction of the Dockerfile, in
 * order, changes the image being built: metadata instructions its config
 * only (a history entry with empty_layer), COPY/ADD/RUN add one layer each,
 * made in an overlay of the layers so far (build_copy.c, build_run.c) and
 * written by layer.c. The build cache (ROOT/buildcache/HEX) maps the
 * digest of (base image, every instruction so far after substitution,
 * what COPY/ADD read) to the layer it made. */
#include "build.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "dockerfile.h"
#include "internal.h"
#include "layer.h"
#include "layers.h"
#include "ref.h"
#include "statedir.h"

const char build_usage_text[] =
    "usage: container build [-t NAME[:TAG]] [-f DOCKERFILE] [--build-arg K[=V]]...\n"
    "                       [--no-cache] CONTEXT\n"
    "\n"
    "Builds an image from DOCKERFILE (default CONTEXT/Dockerfile) into the image\n"
    "store (" IMG_STORE_DEFAULT ", or $" IMG_STORE_ENV ") and tags it NAME:TAG.\n"
    "Instructions: FROM (scratch or a stored image), ARG, ENV, LABEL, WORKDIR,\n"
    "USER, EXPOSE, COPY and ADD [--chown=U[:G]] (ADD extracts a local tar), RUN,\n"
    "CMD, ENTRYPOINT; shell and exec (JSON) forms; .dockerignore in CONTEXT.\n"
    "RUN runs in a vclab container on the host network (the host's\n"
    "/etc/resolv.conf inside), with Docker's default capabilities. Each\n"
    "COPY/ADD/RUN makes one layer; a step whose base, instruction and copied\n"
    "content are unchanged reuses its layer and says `cached`. Timestamps are\n"
    "fixed ($SOURCE_DATE_EPOCH, else 0): the same context gives the same digest.\n"
    "\n"
    "  -t, --tag NAME[:TAG]   the name to tag the image with\n"
    "  -f, --file FILE        the Dockerfile (default CONTEXT/Dockerfile)\n"
    "  --build-arg K[=V]      a value for ARG K (K alone: from the environment)\n"
    "  --no-cache             build every step\n";

struct arg {
	char *name, *value; /* value NULL: declared without one */
};

struct barg {
	char *name;
	const char *value;
	bool used;
};

struct layer {
	struct img_desc desc;
	char diff_id[IMG_DIGEST_SIZE];
	char dir[PATH_MAX]; /* unpacked, "" until needed */
};

struct builder {
	struct img_store *s;
	struct df_file df;
	char ctx[PATH_MAX];
	struct dockerignore ign;
	struct barg *bargs;
	size_t n_bargs;
	struct arg *globals; /* ARGs before FROM */
	size_t n_globals;
	struct arg *args; /* ARGs of the stage */
	size_t n_args;
	json_t *config;  /* the image config's "config" object */
	json_t *history; /* its "history" array */
	struct layer *layers;
	size_t n_layers;
	char chain[IMG_DIGEST_SIZE];
	char tmp[2048]; /* ROOT/tmp/build-PID-TIME: this build's scratch space */
	char created[32];
	int64_t mtime;
	bool no_cache;
	bool cmd_set; /* CMD given by this Dockerfile */
	bool mounted;
	char merged[PATH_MAX + 32];
	int n_tmp;
};

/* --- small helpers ---------------------------------------------------------------- */

static void hash_chain(struct builder *b, const char *desc, char out[IMG_DIGEST_SIZE])
{
	size_t len = strlen(b->chain) + strlen(desc) + 2;
	char *buf = malloc(len);
	if (!buf) {
		img_sha256(desc, strlen(desc), out);
		return;
	}
	snprintf(buf, len, "%s\n%s", b->chain, desc);
	img_sha256(buf, len - 1, out);
	free(buf);
}

static const char *env_get(struct builder *b, const char *name)
{
	json_t *env = json_object_get(b->config, "Env"), *v;
	size_t i, len = strlen(name);

	json_array_foreach(env, i, v)
	{
		const char *s = json_string_value(v);
		if (s && !strncmp(s, name, len) && s[len] == '=')
			return s + len + 1;
	}
	return NULL;
}

static int env_set(struct builder *b, const char *name, const char *value)
{
	json_t *env = json_object_get(b->config, "Env"), *v;
	size_t i, len = strlen(name);
	char *kv;

	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(b->config, "Env", env);
	}
	if (asprintf(&kv, "%s=%s", name, value) < 0)
		return -1;
	json_array_foreach(env, i, v)
	{
		const char *s = json_string_value(v);
		if (s && !strncmp(s, name, len) && s[len] == '=') {
			json_array_set_new(env, i, json_string(kv));
			free(kv);
			return 0;
		}
	}
	json_array_append_new(env, json_string(kv));
	free(kv);
	return 0;
}

static const char *arg_in(struct arg *args, size_t n, const char *name)
{
	for (size_t i = n; i-- > 0;)
		if (!strcmp(args[i].name, name))
			return args[i].value;
	return NULL;
}

/* Substitution in the stage: ENV first, then ARG (Docker's order). */
static const char *lookup_stage(const char *name, void *ctx)
{
	struct builder *b = ctx;
	const char *v = env_get(b, name);
	return v ? v : arg_in(b->args, b->n_args, name);
}

static const char *lookup_global(const char *name, void *ctx)
{
	struct builder *b = ctx;
	return arg_in(b->globals, b->n_globals, name);
}

static struct barg *barg_find(struct builder *b, const char *name)
{
	for (size_t i = 0; i < b->n_bargs; i++)
		if (!strcmp(b->bargs[i].name, name))
			return &b->bargs[i];
	return NULL;
}

static bool valid_name(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int line_err(struct builder *b, const struct df_instr *in, vc_err *err)
{
	return vc_error_wrap(err, "%s:%d", b->df.name, in->line);
}

/* "ARG NAME[=default] ..." into list. */
static int do_arg(struct builder *b, const struct df_instr *in, struct arg **list, size_t *n,
                  bool global, char *desc, size_t dlen, vc_err *err)
{
	char **w;
	size_t nw;
	size_t dl = 0;

	if (df_expand_words(in->args, b->df.escape, global ? lookup_global : lookup_stage, b, &w,
	                    &nw, err) < 0)
		return line_err(b, in, err);
	for (size_t i = 0; i < nw; i++) {
		char *eq = strchr(w[i], '='), *value = NULL;
		if (eq) {
			*eq = '\0';
			value = eq + 1;
		}
		if (!valid_name(w[i])) {
			vc_error(err, 0, "ARG '%s': not a valid name", w[i]);
			df_strv_free(w);
			return line_err(b, in, err);
		}
		struct barg *ba = barg_find(b, w[i]);
		const char *v = value;
		if (ba) {
			ba->used = true;
			v = ba->value;
		} else if (!v && !global) {
			v = arg_in(b->globals, b->n_globals, w[i]); /* the global default */
		}
		struct arg *na = realloc(*list, (*n + 1) * sizeof(*na));
		if (!na) {
			df_strv_free(w);
			return vc_error(err, ENOMEM, "ARG");
		}
		*list = na;
		na[*n].name = strdup(w[i]);
		na[*n].value = v ? strdup(v) : NULL;
		(*n)++;
		dl += (size_t)snprintf(desc + dl, dl < dlen ? dlen - dl : 0, " %s%s%s", w[i],
		                       v ? "=" : "", v ? v : "");
	}
	df_strv_free(w);
	return 0;
}

/* ENV and LABEL: NAME=VALUE pairs, or ENV's old form "NAME VALUE...". */
static int do_pairs(struct builder *b, const struct df_instr *in, json_t *obj, vc_err *err)
{
	char **w;
	size_t nw;

	if (df_expand_words(in->args, b->df.escape, lookup_stage, b, &w, &nw, err) < 0)
		return line_err(b, in, err);
	if (in->kind == DF_ENV && nw && !strchr(w[0], '=')) {
		const char *rest = in->args;
		char *value;
		while (*rest && !isspace((unsigned char)*rest))
			rest++;
		while (isspace((unsigned char)*rest))
			rest++;
		if (!*rest) {
			vc_error(err, 0, "ENV %s: no value (ENV NAME=VALUE or ENV NAME VALUE)",
			         w[0]);
			df_strv_free(w);
			return line_err(b, in, err);
		}
		if (df_expand_word(rest, b->df.escape, lookup_stage, b, &value, err) < 0) {
			df_strv_free(w);
			return line_err(b, in, err);
		}
		env_set(b, w[0], value);
		free(value);
		df_strv_free(w);
		return 0;
	}
	/* all values are expanded with the ENV before this instruction */
	for (size_t i = 0; i < nw; i++) {
		char *eq = strchr(w[i], '=');
		if (!eq || eq == w[i]) {
			vc_error(err, 0, "%s: '%s' is not NAME=VALUE", df_kind_name(in->kind),
			         w[i]);
			df_strv_free(w);
			return line_err(b, in, err);
		}
		*eq = '\0';
		if (in->kind == DF_ENV)
			env_set(b, w[i], eq + 1);
		else
			json_object_set_new(obj, w[i], json_string(eq + 1));
	}
	df_strv_free(w);
	return 0;
}

/* Lexically clean a relative context path; false when it leaves the
 * context ("../x", "a/../../x"). */
static bool clean_rel(const char *in, char *out, size_t len)
{
	char buf[PATH_MAX], *save = NULL, *parts[512];
	size_t n = 0;

	if (snprintf(buf, sizeof(buf), "%s", in) >= (int)sizeof(buf))
		return false;
	for (char *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (!strcmp(t, "."))
			continue;
		if (!strcmp(t, "..")) {
			if (!n)
				return false;
			n--;
			continue;
		}
		if (n == 512)
			return false;
		parts[n++] = t;
	}
	out[0] = '\0';
	size_t l = 0;
	for (size_t i = 0; i < n; i++)
		l += (size_t)snprintf(out + l, l < len ? len - l : 0, "%s%s", i ? "/" : "",
		                      parts[i]);
	if (!n)
		snprintf(out, len, ".");
	return l < len;
}

static int add_src(struct build_copy *c, const char *rel, bool is_dir)
{
	struct build_src *ns = realloc(c->srcs, (c->n_srcs + 1) * sizeof(*ns));
	if (!ns)
		return -1;
	c->srcs = ns;
	ns[c->n_srcs].rel = strdup(rel);
	ns[c->n_srcs].is_dir = is_dir;
	if (!ns[c->n_srcs].rel)
		return -1;
	c->n_srcs++;
	return 0;
}

static void free_srcs(struct build_copy *c)
{
	for (size_t i = 0; i < c->n_srcs; i++)
		free(c->srcs[i].rel);
	free(c->srcs);
	c->srcs = NULL;
	c->n_srcs = 0;
}

/* One source word of COPY/ADD: resolved in the context, checked inside it. */
static int resolve_src(struct builder *b, const struct df_instr *in, const char *word,
                       struct build_copy *c, vc_err *err)
{
	char clean[PATH_MAX], full[PATH_MAX * 2], real[PATH_MAX];
	const char *kw = df_kind_name(in->kind);
	glob_t g = {0};
	size_t n = 0;
	char **matches;
	char *single[1];

	if (!strncmp(word, "http://", 7) || !strncmp(word, "https://", 8)) {
		vc_error(err, 0, "%s %s: URLs are not supported", kw, word);
		return line_err(b, in, err);
	}
	if (!clean_rel(word[0] == '/' ? word + 1 : word, clean, sizeof(clean))) {
		vc_error(err, 0, "%s %s: outside the build context", kw, word);
		return line_err(b, in, err);
	}
	snprintf(full, sizeof(full), "%s/%s", b->ctx, clean);
	if (strpbrk(clean, "*?[")) {
		if (glob(full, 0, NULL, &g) != 0 || !g.gl_pathc) {
			globfree(&g);
			vc_error(err, 0, "%s %s: no file in the build context matches", kw, word);
			return line_err(b, in, err);
		}
		matches = g.gl_pathv;
		n = g.gl_pathc;
	} else {
		single[0] = full;
		matches = single;
		n = 1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *rel = matches[i] + strlen(b->ctx) + 1;
		struct stat st;
		if (strcmp(rel, ".") && di_excluded(&b->ign, rel)) {
			if (n > 1)
				continue;
			vc_error(err, 0, "%s %s: excluded by .dockerignore", kw, word);
			goto fail;
		}
		if (!realpath(matches[i], real)) {
			vc_error(err, errno, "%s %s: not found in the build context", kw, word);
			goto fail;
		}
		size_t cl = strlen(b->ctx);
		if (strcmp(real, b->ctx) && (strncmp(real, b->ctx, cl) || real[cl] != '/')) {
			vc_error(err, 0, "%s %s: outside the build context (it leads to %s)", kw,
			         word, real);
			goto fail;
		}
		if (stat(real, &st) < 0) {
			vc_error(err, errno, "%s %s", kw, word);
			goto fail;
		}
		if (add_src(c, real[cl] ? real + cl + 1 : ".", S_ISDIR(st.st_mode)) < 0) {
			vc_error(err, ENOMEM, "%s", kw);
			goto fail;
		}
	}
	globfree(&g);
	return 0;
fail:
	globfree(&g);
	return line_err(b, in, err);
}

/* --- the store side --------------------------------------------------------------- */

static int cache_path(struct builder *b, const char *key, char *buf, size_t len)
{
	return snprintf(buf, len, "%s/buildcache/%s", img_store_root(b->s), key + 7) >= (int)len
	           ? -1
	           : 0;
}

static bool cache_get(struct builder *b, const char *key, struct layer *l)
{
	char path[PATH_MAX];
	json_t *j;
	bool ok = false;

	if (b->no_cache || cache_path(b, key, path, sizeof(path)) < 0)
		return false;
	j = json_load_file(path, 0, NULL);
	if (!j)
		return false;
	const char *mt = json_string_value(json_object_get(j, "mediaType"));
	const char *dg = json_string_value(json_object_get(j, "digest"));
	const char *di = json_string_value(json_object_get(j, "diff_id"));
	json_t *sz = json_object_get(j, "size");
	if (mt && dg && di && json_is_integer(sz) && img_digest_valid(dg) && img_digest_valid(di) &&
	    img_blob_exists(b->s, dg)) {
		memset(l, 0, sizeof(*l));
		snprintf(l->desc.media_type, sizeof(l->desc.media_type), "%s", mt);
		snprintf(l->desc.digest, sizeof(l->desc.digest), "%s", dg);
		snprintf(l->diff_id, sizeof(l->diff_id), "%s", di);
		l->desc.size = json_integer_value(sz);
		ok = true;
	}
	json_decref(j);
	return ok;
}

static void cache_put(struct builder *b, const char *key, const struct layer *l)
{
	char path[PATH_MAX], dir[PATH_MAX];
	json_t *j =
	    json_pack("{s:s, s:s, s:I, s:s}", "mediaType", l->desc.media_type, "digest",
	              l->desc.digest, "size", (json_int_t)l->desc.size, "diff_id", l->diff_id);
	char *text = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	vc_err err;

	snprintf(dir, sizeof(dir), "%s/buildcache", img_store_root(b->s));
	mkdir(dir, 0755);
	if (text && cache_path(b, key, path, sizeof(path)) == 0)
		img_write_file(path, text, strlen(text), &err); /* a cache: best effort */
	free(text);
	json_decref(j);
}

static int add_layer(struct builder *b, const struct layer *l, vc_err *err)
{
	struct layer *nl = realloc(b->layers, (b->n_layers + 1) * sizeof(*nl));
	if (!nl)
		return vc_error(err, ENOMEM, "layers");
	b->layers = nl;
	nl[b->n_layers++] = *l;
	return 0;
}

/* Mount the overlay of every layer so far plus a fresh upper directory:
 * TMP/N/{upper,work,merged}. */
static int mount_step(struct builder *b, char *upper, size_t ulen, vc_err *err)
{
	char dir[2100], work[2200], empty[2200];
	const char **lowers;
	size_t n = 0;
	int rc;

	snprintf(dir, sizeof(dir), "%s/%d", b->tmp, ++b->n_tmp);
	snprintf(upper, ulen, "%s/upper", dir);
	snprintf(work, sizeof(work), "%s/work", dir);
	snprintf(b->merged, sizeof(b->merged), "%s/merged", dir);
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	if (mkdir(dir, 0700) < 0 || mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 ||
	    mkdir(b->merged, 0755) < 0 || mkdir(empty, 0755) < 0)
		return vc_error(err, errno, "build directory %s", dir);
	lowers = calloc(b->n_layers + 1, sizeof(*lowers));
	if (!lowers)
		return vc_error(err, ENOMEM, "overlay");
	for (size_t i = b->n_layers; i-- > 0;) {
		struct layer *l = &b->layers[i];
		bool done;
		if (!l->dir[0] && img_layer_unpack(b->s, &l->desc, l->diff_id, l->dir,
		                                   sizeof(l->dir), &done, err) < 0) {
			free(lowers);
			return -1;
		}
		lowers[n++] = l->dir;
	}
	if (!n)
		lowers[n++] = empty;
	rc = build_overlay_mount(lowers, n, upper, work, b->merged, err);
	free(lowers);
	if (rc == 0)
		b->mounted = true;
	return rc;
}

static void unmount_step(struct builder *b)
{
	if (!b->mounted)
		return;
	if (umount2(b->merged, 0) < 0)
		umount2(b->merged, MNT_DETACH);
	b->mounted = false;
}

/* The upper directory of the step as a layer; the step's directory goes. */
static int commit_step(struct builder *b, const char *upper, const char *key, vc_err *err)
{
	struct layer l = {0};
	char dir[PATH_MAX];
	int rc;

	rc = layer_write_dir(b->s, upper, LAYER_OVERLAY_UPPER, b->mtime, &l.desc, l.diff_id, err);
	snprintf(dir, sizeof(dir), "%s/%d", b->tmp, b->n_tmp);
	img_rmtree(dir);
	if (rc < 0)
		return -1;
	cache_put(b, key, &l);
	printf("--> layer %.19s (%lld bytes)", l.desc.digest, (long long)l.desc.size);
	return add_layer(b, &l, err);
}

/* --- instructions ----------------------------------------------------------------- */

static void history_add(struct builder *b, const char *created_by, bool empty)
{
	json_t *h = json_pack("{s:s, s:s}", "created", b->created, "created_by", created_by);
	if (!h)
		return;
	if (empty)
		json_object_set_new(h, "empty_layer", json_true());
	json_array_append_new(b->history, h);
}

static int do_copy(struct builder *b, const struct df_instr *in, char *desc, size_t dlen,
                   bool *cached, vc_err *err)
{
	struct build_copy c = {.ctx = b->ctx, .ign = &b->ign, .add = in->kind == DF_ADD};
	char **w = NULL, *chown = NULL, dest[PATH_MAX], hash[IMG_DIGEST_SIZE], key[IMG_DIGEST_SIZE];
	char upper[PATH_MAX];
	const char *wd = json_string_value(json_object_get(b->config, "WorkingDir"));
	size_t nw = 0;
	struct layer l;
	int rc = -1;

	if (in->json) {
		w = calloc(in->argc + 1, sizeof(*w));
		if (!w)
			return vc_error(err, ENOMEM, "COPY");
		for (nw = 0; nw < in->argc; nw++)
			if (df_expand_word(in->argv[nw], b->df.escape, lookup_stage, b, &w[nw],
			                   err) < 0) {
				line_err(b, in, err);
				goto out;
			}
	} else if (df_expand_words(in->args, b->df.escape, lookup_stage, b, &w, &nw, err) < 0) {
		line_err(b, in, err);
		goto out;
	}
	if (nw < 2) {
		vc_error(err, 0, "%s requires a source and a destination", df_kind_name(in->kind));
		line_err(b, in, err);
		goto out;
	}
	if (in->chown &&
	    df_expand_word(in->chown, b->df.escape, lookup_stage, b, &chown, err) < 0) {
		line_err(b, in, err);
		goto out;
	}
	const char *d = w[nw - 1];
	if (d[0] == '/')
		snprintf(dest, sizeof(dest), "%s", d);
	else
		snprintf(dest, sizeof(dest), "%s/%s", wd && *wd ? wd : "", d);
	c.dest_dir = dest[strlen(dest) - 1] == '/' || nw > 2;
	size_t dl = strlen(dest);
	while (dl > 1 && dest[dl - 1] == '/')
		dest[--dl] = '\0';
	c.dest = dest;
	c.chown = chown;
	c.workdir = wd && *wd ? wd : NULL;
	for (size_t i = 0; i + 1 < nw; i++)
		if (resolve_src(b, in, w[i], &c, err) < 0)
			goto out;
	if (c.n_srcs > 1)
		c.dest_dir = true;
	if (build_copy_hash(&c, hash, err) < 0) {
		line_err(b, in, err);
		goto out;
	}
	snprintf(desc, dlen, "%s %s%s%s", df_kind_name(in->kind), chown ? "--chown=" : "",
	         chown ? chown : "", chown ? " " : "");
	for (size_t i = 0; i < nw; i++)
		snprintf(desc + strlen(desc), dlen - strlen(desc), "%s%s", i ? " " : "", w[i]);
	{
		char *with;
		if (asprintf(&with, "%s\ncontent %s\nworkdir %s", desc, hash, wd ? wd : "") < 0) {
			vc_error(err, ENOMEM, "COPY");
			goto out;
		}
		hash_chain(b, with, key);
		free(with);
	}
	if (cache_get(b, key, &l)) {
		*cached = true;
		rc = add_layer(b, &l, err);
	} else if (mount_step(b, upper, sizeof(upper), err) < 0) {
		line_err(b, in, err);
	} else {
		rc = build_copy_into(b->merged, &c, err);
		unmount_step(b);
		if (rc < 0)
			line_err(b, in, err);
		else
			rc = commit_step(b, upper, key, err);
	}
	if (rc == 0)
		snprintf(b->chain, sizeof(b->chain), "%s", key);
out:
	free_srcs(&c);
	free(chown);
	df_strv_free(w);
	return rc;
}

/* RUN's environment: the image's Env, then the ARGs it does not set. */
static char **run_env(struct builder *b)
{
	json_t *env = json_object_get(b->config, "Env"), *v;
	size_t n = json_array_size(env), k = 0, i;
	char **out = calloc(n + b->n_args + 1, sizeof(*out));

	if (!out)
		return NULL;
	json_array_foreach(env, i, v) if (json_string_value(v)) out[k++] =
	    strdup(json_string_value(v));
	for (i = 0; i < b->n_args; i++)
		if (b->args[i].value && !env_get(b, b->args[i].name) &&
		    asprintf(&out[k], "%s=%s", b->args[i].name, b->args[i].value) >= 0)
			k++;
	return out;
}

static int do_run(struct builder *b, const struct df_instr *in, int step, char *desc, size_t dlen,
                  bool *cached, vc_err *err)
{
	char *sh[] = {"/bin/sh", "-c", in->args, NULL};
	char **argv = in->json ? in->argv : sh;
	char key[IMG_DIGEST_SIZE], upper[PATH_MAX], id[64];
	json_t *j = json_array();
	char *text, *with = NULL;
	struct layer l;
	int rc = -1, status = 0;
	const char *wd = json_string_value(json_object_get(b->config, "WorkingDir"));
	const char *user = json_string_value(json_object_get(b->config, "User"));

	for (char **a = argv; *a; a++)
		json_array_append_new(j, json_string(*a));
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		return vc_error(err, ENOMEM, "RUN");
	snprintf(desc, dlen, "RUN %s", in->json ? text : in->args);
	/* the build args the step sees are part of it */
	char **env = run_env(b);
	if (!env) {
		free(text);
		return vc_error(err, ENOMEM, "RUN");
	}
	size_t wl = strlen(text) + 64;
	for (size_t i = 0; i < b->n_args; i++)
		wl +=
		    strlen(b->args[i].name) + (b->args[i].value ? strlen(b->args[i].value) : 0) + 3;
	with = malloc(wl);
	if (with) {
		size_t o = (size_t)snprintf(with, wl, "RUN %s", text);
		for (size_t i = 0; i < b->n_args; i++)
			o += (size_t)snprintf(with + o, wl - o, "\narg %s=%s", b->args[i].name,
			                      b->args[i].value ? b->args[i].value : "");
		hash_chain(b, with, key);
	}
	free(with);
	free(text);
	if (!with) {
		df_strv_free(env);
		return vc_error(err, ENOMEM, "RUN");
	}

	if (cache_get(b, key, &l)) {
		*cached = true;
		rc = add_layer(b, &l, err);
	} else if (mount_step(b, upper, sizeof(upper), err) < 0) {
		line_err(b, in, err);
	} else {
		struct build_copy mk = {.ctx = b->ctx, .workdir = wd && *wd ? wd : NULL};
		struct build_run r = {.rootfs = b->merged,
		                      .upper = upper,
		                      .id = id,
		                      .argv = argv,
		                      .env = env,
		                      .workdir = wd,
		                      .user = user};
		snprintf(id, sizeof(id), "vclab-build-%d-%d", (int)getpid(), step);
		/* WORKDIR is made when missing, as Docker does */
		rc = mk.workdir ? build_copy_into(b->merged, &mk, err) : 0;
		if (rc == 0)
			rc = build_run_step(&r, &status, err);
		unmount_step(b);
		build_run_tidy(&r);
		if (rc < 0) {
			line_err(b, in, err);
		} else if (status != 0) {
			vc_error(err, 0, "RUN %s: exit status %d", in->args, status);
			rc = line_err(b, in, err);
		} else {
			rc = commit_step(b, upper, key, err);
		}
		if (rc < 0) {
			char dir[PATH_MAX];
			snprintf(dir, sizeof(dir), "%s/%d", b->tmp, b->n_tmp);
			img_rmtree(dir);
		}
	}
	if (rc == 0)
		snprintf(b->chain, sizeof(b->chain), "%s", key);
	df_strv_free(env);
	return rc;
}

/* CMD and ENTRYPOINT: the exec form as is, the shell form via /bin/sh -c. */
static json_t *cmd_json(const struct df_instr *in)
{
	json_t *a = json_array();
	if (in->json)
		for (size_t i = 0; i < in->argc; i++)
			json_array_append_new(a, json_string(in->argv[i]));
	else {
		json_array_append_new(a, json_string("/bin/sh"));
		json_array_append_new(a, json_string("-c"));
		json_array_append_new(a, json_string(in->args));
	}
	return a;
}

static bool valid_port(const char *p)
{
	size_t i = 0;
	if (!isdigit((unsigned char)p[0]))
		return false;
	while (isdigit((unsigned char)p[i]))
		i++;
	if (p[i] == '-') {
		i++;
		if (!isdigit((unsigned char)p[i]))
			return false;
		while (isdigit((unsigned char)p[i]))
			i++;
	}
	if (!p[i])
		return true;
	return !strcmp(p + i, "/tcp") || !strcmp(p + i, "/udp") || !strcmp(p + i, "/sctp");
}

/* A metadata instruction: the config changes, no layer. */
static int do_meta(struct builder *b, const struct df_instr *in, char *desc, size_t dlen,
                   vc_err *err)
{
	char *word = NULL, **w = NULL;
	size_t nw;
	json_t *j;

	switch (in->kind) {
	case DF_ARG:
		snprintf(desc, dlen, "ARG");
		return do_arg(b, in, &b->args, &b->n_args, false, desc + 3, dlen - 3, err);
	case DF_ENV:
	case DF_LABEL: {
		json_t *labels = json_object_get(b->config, "Labels");
		if (!json_is_object(labels)) {
			labels = json_object();
			json_object_set_new(b->config, "Labels", labels);
		}
		if (do_pairs(b, in, labels, err) < 0)
			return -1;
		/* the result, so that the cache key sees the values */
		char *e =
		    json_dumps(json_object_get(b->config, in->kind == DF_ENV ? "Env" : "Labels"),
		               JSON_SORT_KEYS | JSON_COMPACT);
		snprintf(desc, dlen, "%s %s", df_kind_name(in->kind), e ? e : "");
		free(e);
		if (!json_object_size(labels))
			json_object_del(b->config, "Labels");
		return 0;
	}
	case DF_WORKDIR: {
		char path[PATH_MAX];
		const char *cur = json_string_value(json_object_get(b->config, "WorkingDir"));
		if (df_expand_word(in->args, b->df.escape, lookup_stage, b, &word, err) < 0)
			return line_err(b, in, err);
		if (word[0] == '/')
			snprintf(path, sizeof(path), "%s", word);
		else
			snprintf(path, sizeof(path), "%s/%s", cur && *cur ? cur : "", word);
		free(word);
		/* clean it: no "//", ".", ".."; no trailing '/' */
		char clean[PATH_MAX - 2];
		if (!clean_rel(path + 1, clean, sizeof(clean)))
			snprintf(clean, sizeof(clean), ".");
		snprintf(path, sizeof(path), "/%s", strcmp(clean, ".") ? clean : "");
		json_object_set_new(b->config, "WorkingDir", json_string(path));
		snprintf(desc, dlen, "WORKDIR %s", path);
		return 0;
	}
	case DF_USER:
		if (df_expand_word(in->args, b->df.escape, lookup_stage, b, &word, err) < 0)
			return line_err(b, in, err);
		json_object_set_new(b->config, "User", json_string(word));
		snprintf(desc, dlen, "USER %s", word);
		free(word);
		return 0;
	case DF_EXPOSE:
		if (df_expand_words(in->args, b->df.escape, lookup_stage, b, &w, &nw, err) < 0)
			return line_err(b, in, err);
		j = json_object_get(b->config, "ExposedPorts");
		if (!json_is_object(j)) {
			j = json_object();
			json_object_set_new(b->config, "ExposedPorts", j);
		}
		snprintf(desc, dlen, "EXPOSE");
		for (size_t i = 0; i < nw; i++) {
			char key[64];
			if (!valid_port(w[i]) || strlen(w[i]) > 40) {
				vc_error(err, 0, "EXPOSE '%s': not PORT[/tcp|/udp|/sctp]", w[i]);
				df_strv_free(w);
				return line_err(b, in, err);
			}
			snprintf(key, sizeof(key), "%s%s", w[i], strchr(w[i], '/') ? "" : "/tcp");
			json_object_set_new(j, key, json_object());
			snprintf(desc + strlen(desc), dlen - strlen(desc), " %s", key);
		}
		df_strv_free(w);
		return 0;
	case DF_CMD:
	case DF_ENTRYPOINT:
		j = cmd_json(in);
		json_object_set(b->config, in->kind == DF_CMD ? "Cmd" : "Entrypoint", j);
		/* a new ENTRYPOINT drops the base image's CMD (Docker), not one
		 * this Dockerfile set */
		if (in->kind == DF_CMD)
			b->cmd_set = true;
		else if (!b->cmd_set)
			json_object_del(b->config, "Cmd");
		{
			char *t = json_dumps(j, JSON_COMPACT);
			snprintf(desc, dlen, "%s %s", df_kind_name(in->kind), t ? t : "");
			free(t);
		}
		json_decref(j);
		return 0;
	default:
		return vc_error(err, 0, "internal: %s is not a metadata instruction",
		                df_kind_name(in->kind));
	}
}

/* --- FROM -------------------------------------------------------------------------- */

/* A base image named with a registry and not in the store: `container
 * pull REF` (this very binary); its progress goes to our output, its error
 * line (without "container: ") into why. */
static int pull_base(const char *ref, char *why, size_t len)
{
	char buf[4096];
	size_t n = 0;
	ssize_t r;
	int status, p[2];
	pid_t pid;

	snprintf(why, len, "pulling it failed");
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(p[1], 2);
		execl("/proc/self/exe", "container", "pull", ref, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (n + 1 < sizeof(buf) && (r = read(p[0], buf + n, sizeof(buf) - 1 - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		n += (size_t)r;
	}
	close(p[0]);
	buf[n] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	char *last = strrchr(buf, '\n');
	last = last ? last + 1 : buf;
	if (!strncmp(last, "container: ", 11))
		last += 11;
	if (*last)
		snprintf(why, len, "pulling it failed: %.300s", last);
	return -1;
}

static int do_from(struct builder *b, const struct df_instr *in, vc_err *err)
{
	char **w;
	size_t nw;
	struct img_desc mdesc;
	struct img_manifest m = {0};
	struct img_config c = {0};
	int rc = -1;

	if (df_expand_words(in->args, b->df.escape, lookup_global, b, &w, &nw, err) < 0)
		return line_err(b, in, err);
	if (nw != 1 && !(nw == 3 && !strcasecmp(w[1], "AS"))) {
		vc_error(err, 0, "FROM %s: expected FROM IMAGE [AS NAME]", in->args);
		df_strv_free(w);
		return line_err(b, in, err);
	}
	b->config = json_object();
	b->history = json_array();
	if (!strcmp(w[0], "scratch")) {
		snprintf(b->chain, sizeof(b->chain), "scratch");
		printf("--> scratch (no layer)");
		rc = 0;
		goto out;
	}
	if (img_resolve(b->s, w[0], &mdesc, err) < 0) {
		struct img_ref ref;
		char why[400] = "import it with `container image import`, or pull it";
		bool remote = img_ref_parse(w[0], &ref, err) == 0 && ref.registry[0];
		if (!remote || pull_base(w[0], why, sizeof(why)) < 0 ||
		    img_resolve(b->s, w[0], &mdesc, err) < 0) {
			vc_error(err, 0, "base image '%s' is not in the store (%s)", w[0], why);
			line_err(b, in, err);
			goto out;
		}
	}
	if (img_manifest_read(b->s, mdesc.digest, &m, err) < 0 ||
	    img_config_read(b->s, m.config.digest, &c, err) < 0) {
		vc_error_wrap(err, "base image '%s'", w[0]);
		line_err(b, in, err);
		goto out;
	}
	if (c.n_diff_ids != m.n_layers) {
		vc_error(err, 0, "base image '%s': %zu layers but %zu diff ids", w[0], m.n_layers,
		         c.n_diff_ids);
		line_err(b, in, err);
		goto out;
	}
	json_t *cfg = json_object_get(c.json, "config");
	if (json_is_object(cfg))
		json_object_update(b->config, cfg);
	json_t *hist = json_object_get(c.json, "history");
	if (json_is_array(hist))
		json_array_extend(b->history, hist);
	for (size_t i = 0; i < m.n_layers; i++) {
		struct layer l = {.desc = m.layers[i]};
		snprintf(l.diff_id, sizeof(l.diff_id), "%s", c.diff_ids[i]);
		if (add_layer(b, &l, err) < 0)
			goto out;
	}
	snprintf(b->chain, sizeof(b->chain), "%s", mdesc.digest);
	printf("--> %s %.19s (%zu layer%s)", w[0], mdesc.digest, m.n_layers,
	       m.n_layers == 1 ? "" : "s");
	rc = 0;
out:
	img_config_free(&c);
	img_manifest_free(&m);
	df_strv_free(w);
	return rc;
}

/* --- the image ---------------------------------------------------------------------- */

static int write_image(struct builder *b, const char *tag, struct img_desc *out, vc_err *err)
{
	json_t *diff_ids = json_array(), *layers = json_array(), *cfg, *man;
	char *text;
	int rc = -1;

	for (size_t i = 0; i < b->n_layers; i++) {
		json_array_append_new(diff_ids, json_string(b->layers[i].diff_id));
		json_array_append_new(layers, json_pack("{s:s, s:s, s:I}", "mediaType",
		                                        b->layers[i].desc.media_type, "digest",
		                                        b->layers[i].desc.digest, "size",
		                                        (json_int_t)b->layers[i].desc.size));
	}
	cfg = json_pack("{s:s, s:s, s:s, s:O, s:{s:s, s:o}, s:O}", "created", b->created,
	                "architecture", "amd64", "os", "linux", "config", b->config, "rootfs",
	                "type", "layers", "diff_ids", diff_ids, "history", b->history);
	text = cfg ? json_dumps(cfg, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	json_decref(cfg);
	if (!text) {
		json_decref(layers);
		return vc_error(err, ENOMEM, "image config");
	}
	struct img_desc cdesc = {0};
	snprintf(cdesc.media_type, sizeof(cdesc.media_type), "%s", IMG_MT_CONFIG);
	cdesc.size = (int64_t)strlen(text);
	rc = img_blob_put(b->s, text, strlen(text), NULL, cdesc.digest, err);
	free(text);
	if (rc < 0) {
		json_decref(layers);
		return -1;
	}
	man = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
	                IMG_MT_MANIFEST, "config", "mediaType", cdesc.media_type, "digest",
	                cdesc.digest, "size", (json_int_t)cdesc.size, "layers", layers);
	text = man ? json_dumps(man, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	json_decref(man);
	if (!text)
		return vc_error(err, ENOMEM, "image manifest");
	snprintf(out->media_type, sizeof(out->media_type), "%s", IMG_MT_MANIFEST);
	out->size = (int64_t)strlen(text);
	rc = img_blob_put(b->s, text, strlen(text), NULL, out->digest, err);
	free(text);
	if (rc < 0)
		return -1;
	if (tag && img_tag(b->s, tag, out, err) < 0)
		return -1;
	return 0;
}

/* --- the command ------------------------------------------------------------------- */

static int read_file(const char *path, char **data, size_t *len, vc_err *err)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return vc_error(err, errno, "%s", path);
	do {
		if (n + 65536 > cap) {
			char *nb = realloc(buf, cap + 65536 + 1);
			if (!nb) {
				free(buf);
				fclose(f);
				return vc_error(err, ENOMEM, "%s", path);
			}
			buf = nb;
			cap += 65536;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
	} while (r > 0 && n < (64u << 20));
	if (ferror(f) || n >= (64u << 20)) {
		int e = ferror(f) ? errno : EFBIG;
		free(buf);
		fclose(f);
		return vc_error(err, e, "reading %s", path);
	}
	fclose(f);
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

static void builder_free(struct builder *b)
{
	unmount_step(b);
	if (b->tmp[0])
		img_rmtree(b->tmp);
	df_free(&b->df);
	di_free(&b->ign);
	for (size_t i = 0; i < b->n_globals; i++) {
		free(b->globals[i].name);
		free(b->globals[i].value);
	}
	for (size_t i = 0; i < b->n_args; i++) {
		free(b->args[i].name);
		free(b->args[i].value);
	}
	for (size_t i = 0; i < b->n_bargs; i++)
		free(b->bargs[i].name);
	free(b->globals);
	free(b->args);
	free(b->bargs);
	free(b->layers);
	json_decref(b->config);
	json_decref(b->history);
	img_store_close(b->s);
}

/* What a killed build left: ROOT/tmp/build-PID-TIME of a PID that is gone
 * (its overlays went with its mount namespace), and the cgroup and state
 * directory of its RUN container (statedir_sweep). */
static void sweep_builds(struct builder *b)
{
	char dir[PATH_MAX], p[PATH_MAX + 256];
	struct dirent *d;
	DIR *dp;
	int pid;

	statedir_sweep(NULL);
	if (img_store_subdir(b->s, "tmp", dir, sizeof(dir)) < 0 || !(dp = opendir(dir)))
		return;
	while ((d = readdir(dp)))
		if (sscanf(d->d_name, "build-%d-", &pid) == 1 && pid > 0 && pid != getpid() &&
		    kill(pid, 0) < 0 && errno == ESRCH) {
			snprintf(p, sizeof(p), "%s/%s", dir, d->d_name);
			img_rmtree(p);
		}
	closedir(dp);
}

static int parse_cli(struct builder *b, int argc, char **argv, const char **tag, const char **file,
                     const char **ctx, vc_err *err)
{
	static const struct option opts[] = {{"tag", required_argument, NULL, 't'},
	                                     {"file", required_argument, NULL, 'f'},
	                                     {"build-arg", required_argument, NULL, 'a'},
	                                     {"no-cache", no_argument, NULL, 'n'},
	                                     {"help", no_argument, NULL, 'h'},
	                                     {0}};
	int o;

	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+t:f:h", opts, NULL)) != -1) {
		switch (o) {
		case 't':
			*tag = optarg;
			break;
		case 'f':
			*file = optarg;
			break;
		case 'n':
			b->no_cache = true;
			break;
		case 'h':
			return 1;
		case 'a': {
			char *eq = strchr(optarg, '=');
			struct barg *nb = realloc(b->bargs, (b->n_bargs + 1) * sizeof(*nb));
			if (!nb)
				return vc_error(err, ENOMEM, "--build-arg");
			b->bargs = nb;
			nb[b->n_bargs].name =
			    eq ? strndup(optarg, (size_t)(eq - optarg)) : strdup(optarg);
			nb[b->n_bargs].value = eq ? eq + 1 : NULL;
			nb[b->n_bargs].used = false;
			if (!nb[b->n_bargs].name)
				return vc_error(err, ENOMEM, "--build-arg");
			if (!valid_name(nb[b->n_bargs].name)) {
				free(nb[b->n_bargs].name);
				return vc_error(err, 0, "--build-arg '%s': expected NAME[=VALUE]",
				                optarg);
			}
			if (!eq)
				nb[b->n_bargs].value = getenv(nb[b->n_bargs].name);
			b->n_bargs++;
			break;
		}
		default:
			return vc_error(err, 0,
			                "build: unknown option '%s' (see container build --help)",
			                argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return vc_error(
		    err, 0, "build: expected one CONTEXT directory (see container build --help)");
	*ctx = argv[optind];
	return 0;
}

static int build(struct builder *b, int argc, char **argv, vc_err *err)
{
	const char *tag = NULL, *file = NULL, *ctx = NULL;
	char dfpath[PATH_MAX], *text = NULL;
	struct img_ref ref;
	struct img_desc image;
	size_t len = 0;
	struct stat st;
	int rc;
	double t0 = now();

	rc = parse_cli(b, argc, argv, &tag, &file, &ctx, err);
	if (rc != 0)
		return rc;
	if (tag && img_ref_parse(tag, &ref, err) < 0)
		return vc_error_wrap(err, "-t");
	if (tag && ref.digest[0])
		return vc_error(err, 0, "-t %s: a tag, not a digest, names what is built", tag);
	if (!realpath(ctx, b->ctx))
		return vc_error(err, errno, "build context %s", ctx);
	if (stat(b->ctx, &st) < 0 || !S_ISDIR(st.st_mode))
		return vc_error(err, ENOTDIR, "build context %s", ctx);
	if (file)
		snprintf(dfpath, sizeof(dfpath), "%s", file);
	else
		snprintf(dfpath, sizeof(dfpath), "%s/Dockerfile", ctx);
	if (read_file(dfpath, &text, &len, err) < 0)
		return -1;
	rc = df_parse(file ? file : "Dockerfile", text, len, &b->df, err);
	free(text);
	if (rc < 0)
		return -1;
	if (di_load(b->ctx, &b->ign, err) < 0)
		return -1;

	const char *sde = getenv("SOURCE_DATE_EPOCH");
	b->mtime = sde && *sde ? strtoll(sde, NULL, 10) : 0;
	time_t t = (time_t)b->mtime;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(b->created, sizeof(b->created), "%Y-%m-%dT%H:%M:%SZ", &tm);

	/* overlay mounts of the steps live in a mount namespace of our own: a
	 * killed build leaves none behind */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return vc_error(err, errno, "build: a private mount namespace");
	if (img_store_open(&b->s, NULL, err) < 0)
		return -1;
	if (img_store_subdir(b->s, "tmp", b->tmp, sizeof(b->tmp)) < 0 ||
	    (size_t)snprintf(b->tmp + strlen(b->tmp), sizeof(b->tmp) - strlen(b->tmp),
	                     "/build-%d-%ld", (int)getpid(),
	                     (long)time(NULL)) >= sizeof(b->tmp) - strlen(b->tmp))
		return vc_error(err, ENAMETOOLONG, "store temp directory");
	sweep_builds(b);
	if (mkdir(b->tmp, 0700) < 0) {
		int e = errno;
		b->tmp[0] = '\0';
		return vc_error(err, e, "build directory");
	}

	for (size_t i = 0; i < b->df.n; i++) {
		const struct df_instr *in = &b->df.ins[i];
		char desc[8192] = "", key[IMG_DIGEST_SIZE];
		bool cached = false, from_seen = false;
		double ts = now();

		for (size_t k = 0; k < i; k++)
			from_seen |= b->df.ins[k].kind == DF_FROM;
		printf("STEP %zu/%zu: %s %s%s%s%s\n", i + 1, b->df.n, df_kind_name(in->kind),
		       in->chown ? "--chown=" : "", in->chown ? in->chown : "",
		       in->chown ? " " : "", in->args);
		switch (in->kind) {
		case DF_FROM:
			rc = do_from(b, in, err);
			break;
		case DF_ARG:
			if (!from_seen) {
				rc = do_arg(b, in, &b->globals, &b->n_globals, true, desc,
				            sizeof(desc), err);
				if (rc == 0)
					printf("-->");
				break;
			}
			/* fall through */
		case DF_ENV:
		case DF_LABEL:
		case DF_WORKDIR:
		case DF_USER:
		case DF_EXPOSE:
		case DF_CMD:
		case DF_ENTRYPOINT:
			rc = do_meta(b, in, desc, sizeof(desc), err);
			if (rc == 0) {
				hash_chain(b, desc, key);
				snprintf(b->chain, sizeof(b->chain), "%s", key);
				/* the key holds all of Env/Labels; the history the step */
				if (in->kind == DF_ENV || in->kind == DF_LABEL)
					snprintf(desc, sizeof(desc), "%s %s",
					         df_kind_name(in->kind), in->args);
				history_add(b, desc, true);
				printf("-->");
			}
			break;
		case DF_COPY:
		case DF_ADD:
			rc = do_copy(b, in, desc, sizeof(desc), &cached, err);
			if (rc == 0)
				history_add(b, desc, false);
			break;
		case DF_RUN:
			rc = do_run(b, in, (int)i + 1, desc, sizeof(desc), &cached, err);
			if (rc == 0)
				history_add(b, desc, false);
			break;
		}
		if (rc < 0) {
			printf("\n");
			return -1;
		}
		printf("%s (%.2f s)\n", cached ? "--> cached" : "", now() - ts);
	}
	for (size_t i = 0; i < b->n_bargs; i++)
		if (!b->bargs[i].used)
			fprintf(stderr, "container: warning: --build-arg %s: no ARG %s in %s\n",
			        b->bargs[i].name, b->bargs[i].name, b->df.name);
	if (write_image(b, tag ? ref.full : NULL, &image, err) < 0)
		return -1;
	printf("--> image %s (%zu layer%s, %.2f s)\n", image.digest, b->n_layers,
	       b->n_layers == 1 ? "" : "s", now() - t0);
	if (tag)
		printf("Successfully tagged %s\n", ref.full);
	return 0;
}

int build_main(int argc, char **argv)
{
	struct builder b = {0};
	vc_err err = {0};
	int rc, devnull;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* RUN steps read nothing: their stdin is /dev/null */
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull >= 0) {
		dup2(devnull, 0);
		close(devnull);
	}
	rc = build(&b, argc, argv, &err);
	builder_free(&b);
	if (rc == 1) {
		fputs(build_usage_text, stdout);
		return 0;
	}
	if (rc < 0) {
		fflush(stdout);
		vc_error_print("container", &err);
		return 1;
	}
	return 0;
}
