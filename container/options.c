#include "options.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "parse.h"
#include "seccomp.h"

static int apply_net(struct ct_spec *spec, const char *net, vc_err *err)
{
	if (!net || !strcmp(net, "loopback")) {
		spec->loopback_up = true;
	} else if (!strcmp(net, "none")) {
		spec->loopback_up = false;
	} else if (!strcmp(net, "host")) {
		spec->ns[CT_NS_NET].enabled = false;
		spec->loopback_up = false;
	} else {
		return vc_error(err, 0, "--net '%s': expected none, loopback or host", net);
	}
	return 0;
}

static int apply_limits(struct ct_spec *spec, const struct quick_opts *q, vc_err *err)
{
	uint64_t v;
	double cpus;

	if (q->memory) {
		if (vc_parse_size(q->memory, INT64_MAX, &v, "--memory", err) < 0)
			return -1;
		if (v < 4096)
			return vc_error(err, 0, "--memory '%s': too small (at least 4K)",
			                q->memory);
		spec->limits.memory_max = (int64_t)v;
	}
	if (q->cpus) {
		if (vc_parse_double(q->cpus, 0.01, 1024, &cpus, "--cpus", err) < 0)
			return -1;
		spec->limits.cpu_period_us = 100000;
		spec->limits.cpu_quota_us = (int64_t)(cpus * 100000 + 0.5);
	}
	if (q->pids) {
		if (vc_parse_uint(q->pids, 1, 4194304, &v, "--pids", err) < 0)
			return -1;
		spec->limits.pids_max = (int64_t)v;
	}
	return 0;
}

static int apply_user(struct ct_spec *spec, const char *user, vc_err *err)
{
	uint64_t host = QUICK_USERNS_HOST_ID;

	if (!user)
		return 0;
	if (*user &&
	    vc_parse_uint(user, 1, UINT32_MAX - QUICK_USERNS_SIZE, &host, "--user", err) < 0)
		return -1;
	spec->ns[CT_NS_USER].enabled = true;
	spec->uid_maps[0] = (struct ct_idmap){0, (uint32_t)host, QUICK_USERNS_SIZE};
	spec->gid_maps[0] = spec->uid_maps[0];
	spec->n_uid_maps = spec->n_gid_maps = 1;
	return 0;
}

/* SRC:DST[:ro] -> a recursive private bind mount. */
static int apply_volume(struct ct_spec *spec, const char *vol, vc_err *err)
{
	char buf[PATH_MAX * 2], src[PATH_MAX], *dst, *mode;
	struct ct_mount m = {0};

	if (snprintf(buf, sizeof(buf), "%s", vol) >= (int)sizeof(buf))
		return vc_error(err, 0, "--volume '%s': too long", vol);
	dst = strchr(buf, ':');
	if (!dst || dst == buf)
		return vc_error(err, 0, "--volume '%s': expected SRC:DST[:ro]", vol);
	*dst++ = '\0';
	mode = strchr(dst, ':');
	if (mode)
		*mode++ = '\0';
	if (dst[0] != '/' || strstr(dst, ".."))
		return vc_error(err, 0, "--volume '%s': DST must be an absolute path without ..",
		                vol);
	if (dst[strspn(dst, "/")] == '\0')
		return vc_error(err, 0,
		                "--volume '%s': DST is the container's root, which is ROOTFS "
		                "(give ROOTFS instead)",
		                vol);
	if (mode && strcmp(mode, "ro") && strcmp(mode, "rw"))
		return vc_error(err, 0, "--volume '%s': the mode must be ro or rw", vol);
	if (!realpath(buf, src))
		return vc_error(err, errno, "--volume '%s': source %s", vol, buf);
	m.destination = spec_strdup(spec, dst);
	m.source = spec_strdup(spec, src);
	m.type = "bind";
	m.flags = MS_BIND | MS_REC | (mode && !strcmp(mode, "ro") ? MS_RDONLY : 0);
	m.propagation = MS_PRIVATE | MS_REC;
	if (!m.destination || !m.source)
		return vc_error(err, ENOMEM, "--volume");
	return spec_add_mount(spec, &m, err);
}

static int apply_process(struct ct_spec *spec, const struct quick_opts *q, vc_err *err)
{
	if (!q->n_cmd)
		return vc_error(err, 0, "no command given (usage: container run ROOTFS -- CMD)");
	spec->args = (const char **)q->cmd;
	spec->n_args = q->n_cmd;
	for (size_t i = 0; i < q->n_env; i++)
		if (spec_setenv(spec, q->env[i], err) < 0)
			return -1;
	if (q->workdir) {
		if (q->workdir[0] != '/')
			return vc_error(err, 0, "--workdir '%s': not an absolute path", q->workdir);
		spec->cwd = q->workdir;
	}
	if (q->hostname) {
		if (spec_check_hostname("--hostname", q->hostname, err) < 0)
			return -1;
		spec->hostname = q->hostname;
	}
	return 0;
}

int quick_apply(struct ct_spec *spec, const struct quick_opts *q, vc_err *err)
{
	char root[PATH_MAX];

	if (spec_parse_json(spec, ct_default_config, strlen(ct_default_config), NULL, err) < 0)
		return vc_error_wrap(err, "built-in default config");
	if (!q->rootfs)
		return vc_error(err, 0, "no ROOTFS given (usage: container run ROOTFS -- CMD)");
	if (!realpath(q->rootfs, root))
		return vc_error(err, errno, "rootfs %s", q->rootfs);

	spec->root_path = spec_strdup(spec, root);
	spec->root_given = q->rootfs;
	spec->limits.default_devices = true;
	if (!spec->root_path)
		return vc_error(err, ENOMEM, "rootfs");
	spec->root_readonly = q->read_only;
	if (apply_net(spec, q->net, err) < 0 || apply_limits(spec, q, err) < 0 ||
	    apply_user(spec, q->user, err) < 0 || apply_process(spec, q, err) < 0)
		return -1;
	for (size_t i = 0; i < q->n_volumes; i++)
		if (apply_volume(spec, q->volumes[i], err) < 0)
			return -1;
	if (q->seccomp && strcmp(q->seccomp, "unconfined") && strcmp(q->seccomp, "default"))
		return vc_error(err, 0, "--seccomp '%s': expected unconfined or default",
		                q->seccomp);
	if (!q->seccomp || !strcmp(q->seccomp, "default"))
		return ct_seccomp_default(spec, err);
	return 0;
}
