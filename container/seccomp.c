#include "seccomp.h"

#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <string.h>

#include "spec.h"

int ct_seccomp_action(const char *name, int errno_ret, uint32_t *out)
{
	if (!strcmp(name, "SCMP_ACT_KILL") || !strcmp(name, "SCMP_ACT_KILL_THREAD"))
		*out = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(name, "SCMP_ACT_KILL_PROCESS"))
		*out = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(name, "SCMP_ACT_TRAP"))
		*out = SCMP_ACT_TRAP;
	else if (!strcmp(name, "SCMP_ACT_ERRNO"))
		*out = SCMP_ACT_ERRNO((uint32_t)errno_ret);
	else if (!strcmp(name, "SCMP_ACT_TRACE"))
		*out = SCMP_ACT_TRACE((uint32_t)errno_ret);
	else if (!strcmp(name, "SCMP_ACT_ALLOW"))
		*out = SCMP_ACT_ALLOW;
	else if (!strcmp(name, "SCMP_ACT_LOG"))
		*out = SCMP_ACT_LOG;
	else
		return -1;
	return 0;
}

int ct_seccomp_op(const char *name)
{
	static const struct {
		const char *name;
		int op;
	} ops[] = {
	    {"SCMP_CMP_NE", SCMP_CMP_NE},
	    {"SCMP_CMP_LT", SCMP_CMP_LT},
	    {"SCMP_CMP_LE", SCMP_CMP_LE},
	    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
	    {"SCMP_CMP_GE", SCMP_CMP_GE},
	    {"SCMP_CMP_GT", SCMP_CMP_GT},
	    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].name, name))
			return ops[i].op;
	return -1;
}

int ct_seccomp_arch(const char *name, uint32_t *out)
{
	char low[32];
	size_t i;

	/* SCMP_ARCH_MIPSEL64N32 -> "mipsel64n32", libseccomp's own name */
	if (strncmp(name, "SCMP_ARCH_", 10) || strlen(name + 10) >= sizeof(low) || !name[10])
		return -1;
	for (i = 0; name[10 + i]; i++)
		low[i] = (char)tolower((unsigned char)name[10 + i]);
	low[i] = '\0';
	*out = seccomp_arch_resolve_name(low);
	return *out ? 0 : -1;
}

bool ct_seccomp_syscall_known(const char *name)
{
	return seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

int ct_seccomp_syscall_nr(const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	return nr == __NR_SCMP_ERROR ? -1 : nr;
}

static int add_rule(scmp_filter_ctx ctx, const struct ct_seccomp_rule *r, size_t index,
                    const char *name, vc_err *err)
{
	struct scmp_arg_cmp cmp[6];
	int rc;

	for (unsigned i = 0; i < r->n_args; i++)
		cmp[i] = (struct scmp_arg_cmp){r->args[i].index, (enum scmp_compare)r->args[i].op,
		                               r->args[i].value, r->args[i].value_two};
	rc = seccomp_rule_add_array(ctx, r->action, seccomp_syscall_resolve_name(name), r->n_args,
	                            cmp);
	/* A rule whose action equals the default one is refused (-EACCES) and
	 * means nothing anyway. */
	if (rc < 0 && rc != -EACCES)
		return vc_error(err, -rc, "linux.seccomp.syscalls[%zu]: rule for \"%s\"", index,
		                name);
	return rc < 0 ? 0 : 1;
}

int ct_seccomp_load(const struct ct_seccomp *sc, vc_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(sc->default_action);
	int count = 0, rc;

	if (!ctx)
		return vc_error(err, EINVAL, "linux.seccomp: seccomp_init");
	/* We set no_new_privs ourselves when the spec asks for it. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	/* The native architecture is there already (-EEXIST). */
	for (size_t i = 0; i < sc->n_arches; i++) {
		rc = seccomp_arch_add(ctx, sc->arches[i]);
		if (rc < 0 && rc != -EEXIST) {
			vc_error(err, -rc, "linux.seccomp.architectures[%zu]: adding it", i);
			goto fail;
		}
	}
	for (size_t i = 0; i < sc->n_rules; i++)
		for (size_t j = 0; j < sc->rules[i].n_names; j++) {
			rc = add_rule(ctx, &sc->rules[i], i, sc->rules[i].names[j], err);
			if (rc < 0)
				goto fail;
			count += rc;
		}
	rc = seccomp_load(ctx);
	if (rc < 0) {
		vc_error(err, -rc, "linux.seccomp: loading the filter");
		goto fail;
	}
	seccomp_release(ctx);
	return count;
fail:
	seccomp_release(ctx);
	return -1;
}
