/* Unit tests of config.json parsing (container/spec.c) and of the quick
 * form's option mapping (container/options.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../../container/hooks.h"
#include "../../container/mounts.h"
#include "../../container/namespaces.h"
#include "../../container/options.h"
#include "../../container/spec.h"

/* A small valid config; tests splice one field into it. */
#define CONFIG_HEAD "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/r\"},"
#define PROCESS_OK  "\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\"}"

static int parse(struct ct_spec *spec, const char *json, vc_err *err)
{
	spec_init(spec);
	return spec_parse_json(spec, json, strlen(json), "/bundle", err);
}

/* Parse json, expect failure with exactly this message. */
static void expect_error(const char *json, const char *msg)
{
	struct ct_spec spec;
	vc_err err = {0};

	assert_int_equal(parse(&spec, json, &err), -1);
	assert_string_equal(err.msg, msg);
	spec_free(&spec);
}

static void test_default_config(void **state)
{
	struct ct_spec spec;
	vc_err err = {0};

	(void)state;
	assert_int_equal(parse(&spec, ct_default_config, &err), 0);
	assert_string_equal(spec.root_path, "/bundle/rootfs");
	assert_true(spec.root_readonly);
	assert_int_equal(spec.n_args, 1);
	assert_string_equal(spec.args[0], "sh");
	assert_null(spec.args[1]);
	assert_int_equal(spec.n_mounts, 7);
	assert_false(spec.terminal);
	assert_string_equal(spec.mounts[1].destination, "/dev");
	assert_int_equal(spec.mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
	assert_string_equal(spec.mounts[1].data, "mode=755,size=65536k");
	assert_int_equal(spec.mounts[5].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
	assert_null(spec.mounts[5].data);
	assert_int_equal(spec.n_masked_paths, 10);
	assert_int_equal(spec.n_readonly_paths, 5);
	assert_true(spec.no_new_privileges);
	assert_int_equal(spec.n_rlimits, 1);
	assert_int_equal(spec.rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(spec.rlimits[0].soft, 1024);
	/* CAP_KILL 5, CAP_NET_BIND_SERVICE 10, CAP_AUDIT_WRITE 29 */
	assert_int_equal(spec.caps[CT_CAP_BOUNDING], (1ull << 5) | (1ull << 10) | (1ull << 29));
	assert_int_equal(spec.caps[CT_CAP_INHERITABLE], 0);
	assert_int_equal(ns_clone_flags(&spec), CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
	                                            CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWCGROUP);
	assert_true(spec.loopback_up);
	assert_string_equal(spec.hostname, "vclab");
	assert_int_equal(spec.n_unknown, 0);
	assert_int_equal(spec_validate(&spec, &err), 0);
	spec_free(&spec);
}

static void test_json_path_errors(void **state)
{
	(void)state;
	expect_error(CONFIG_HEAD "\"process\":{\"args\":[\"a\",\"b\",3],\"cwd\":\"/\"}}",
	             "process.args[2]: expected string");
	expect_error("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/r\"}}",
	             "process: missing (required)");
	expect_error(CONFIG_HEAD "\"process\":{\"args\":[],\"cwd\":\"/\"}}",
	             "process.args: missing or empty (required)");
	expect_error(CONFIG_HEAD "\"process\":{\"args\":[\"a\"],\"cwd\":\"rel\"}}",
	             "process.cwd: \"rel\" is not an absolute path");
	expect_error(CONFIG_HEAD "\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"uid\":"
	                         "\"0\"}}}",
	             "process.user.uid: expected integer");
	expect_error(CONFIG_HEAD PROCESS_OK ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},"
	                                    "{\"type\":\"bogus\"}]}}",
	             "linux.namespaces[1].type: unknown namespace type \"bogus\" (known: pid, "
	             "network, mount, ipc, uts, user, cgroup, time)");
	expect_error(CONFIG_HEAD PROCESS_OK ",\"linux\":{\"resources\":{\"memory\":{\"limit\":"
	                                    "\"abc\"}}}}",
	             "linux.resources.memory.limit: expected integer");
	expect_error(CONFIG_HEAD PROCESS_OK ",\"mounts\":[{\"destination\":\"/a\",\"type\":"
	                                    "\"tmpfs\",\"options\":[\"ro\",7]}]}",
	             "mounts[0].options[1]: expected string");
	expect_error(CONFIG_HEAD "\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"capabilities\":"
	                         "{\"bounding\":[\"CAP_NOPE\"]}}}",
	             "process.capabilities.bounding[0]: unknown capability \"CAP_NOPE\"");
	expect_error(CONFIG_HEAD "\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"terminal\":"
	                         "1}}",
	             "process.terminal: expected true or false");
	expect_error("[1,2]", "(top level): expected object");
}

/* process.terminal: true is taken (the pty goes to --console-socket) */
static void test_terminal(void **state)
{
	struct ct_spec spec;
	vc_err err = {0};

	(void)state;
	assert_int_equal(parse(&spec,
	                       CONFIG_HEAD "\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
	                                   "\"terminal\":true}}",
	                       &err),
	                 0);
	assert_true(spec.terminal);
	spec_free(&spec);
}

static void test_malformed_json(void **state)
{
	struct ct_spec spec;
	vc_err err = {0};

	(void)state;
	/* truncated in the middle of the process object */
	assert_int_equal(parse(&spec, CONFIG_HEAD "\"process\":{\"args\":[\"a\"", &err), -1);
	assert_non_null(strstr(err.msg, "line 1 column"));
	spec_free(&spec);
	assert_int_equal(parse(&spec, "{\"ociVersion\": 1.0.2}", &err), -1);
	assert_non_null(strstr(err.msg, "line 1"));
	spec_free(&spec);
}

static void test_unknown_fields_counted(void **state)
{
	struct ct_spec spec;
	vc_err err = {0};

	(void)state;
	assert_int_equal(parse(&spec,
	                       CONFIG_HEAD PROCESS_OK
	                       ",\"frobnicate\":1,\"linux\":{\"wibble\":{},\"resources\":{"
	                       "\"memory\":{\"limit\":1048576,\"colour\":\"red\"}}}}",
	                       &err),
	                 0);
	assert_int_equal(spec.n_unknown, 3);
	assert_non_null(strstr(spec.unknown, "frobnicate"));
	assert_non_null(strstr(spec.unknown, "linux.wibble"));
	assert_non_null(strstr(spec.unknown, "linux.resources.memory.colour"));
	assert_int_equal(spec.limits.memory_max, 1048576);
	spec_free(&spec);
}

static void test_resources_and_seccomp(void **state)
{
	struct ct_spec spec;
	vc_err err = {0};

	(void)state;
	assert_int_equal(
	    parse(&spec,
	          CONFIG_HEAD PROCESS_OK
	          ",\"linux\":{\"resources\":{\"cpu\":{\"quota\":50000,\"period\":100000,"
	          "\"cpus\":\"0\"},\"pids\":{\"limit\":32},\"blockIO\":{\"weight\":500,"
	          "\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":1048576}]}},"
	          "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
	          "[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13}]},"
	          "\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"network\",\"path\":"
	          "\"/proc/1/ns/net\"}]}}",
	          &err),
	    0);
	assert_int_equal(spec.limits.cpu_quota_us, 50000);
	assert_int_equal(spec.limits.cpu_period_us, 100000);
	assert_string_equal(spec.limits.cpuset_cpus, "0");
	assert_int_equal(spec.limits.pids_max, 32);
	assert_int_equal(spec.limits.blkio_weight, 500);
	assert_int_equal(spec.limits.n_read_bps, 1);
	assert_int_equal(spec.limits.read_bps[0].rate, 1048576);
	assert_non_null(spec.seccomp);
	assert_int_equal(spec.seccomp->default_action, SCMP_ACT_ALLOW);
	assert_int_equal(spec.seccomp->n_rules, 1);
	assert_int_equal(spec.seccomp->rules[0].action, SCMP_ACT_ERRNO(13));
	assert_int_equal(spec.seccomp->rules[0].n_names, 2);
	/* a joined network namespace is not created, and lo is left alone */
	assert_string_equal(spec.ns[CT_NS_NET].path, "/proc/1/ns/net");
	assert_int_equal(ns_clone_flags(&spec), CLONE_NEWNS);
	assert_false(spec.loopback_up);
	spec_free(&spec);

	expect_error(CONFIG_HEAD PROCESS_OK ",\"linux\":{\"seccomp\":{\"defaultAction\":"
	                                    "\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":"
	                                    "[\"\"],\"action\":\"SCMP_ACT_ERRNO\"}]}}}",
	             "linux.seccomp.syscalls[0].names[0]: empty system call name");
	expect_error(CONFIG_HEAD PROCESS_OK ",\"linux\":{\"resources\":{\"cpu\":{\"period\":"
	                                    "-5}}}}",
	             "linux.resources.cpu.period: -5 is out of range [0, 1000000]");
}

static void test_validate(void **state)
{
	struct ct_spec spec;
	vc_err err = {0};

	(void)state;
	assert_int_equal(parse(&spec,
	                       CONFIG_HEAD PROCESS_OK
	                       ",\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":"
	                       "\"user\"}]}}",
	                       &err),
	                 0);
	assert_int_equal(spec_validate(&spec, &err), -1);
	assert_string_equal(err.msg,
	                    "linux.uidMappings/gidMappings: a new user namespace needs both");
	spec_free(&spec);
	assert_int_equal(parse(&spec, CONFIG_HEAD PROCESS_OK ",\"hostname\":\"h\"}", &err), 0);
	assert_int_equal(spec_validate(&spec, &err), -1);
	assert_string_equal(err.msg, "hostname: needs a \"uts\" namespace (new or joined)");
	spec_free(&spec);
}

static void test_sysctl_umask_domainname(void **state)
{
	struct ct_spec spec;
	vc_err err = {0};

	(void)state;
	assert_int_equal(parse(&spec,
	                       CONFIG_HEAD
	                       "\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{"
	                       "\"uid\":0,\"gid\":0,\"umask\":63}},\"domainname\":\"d\","
	                       "\"linux\":{\"namespaces\":[{\"type\":\"network\"}],"
	                       "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"}}}",
	                       &err),
	                 0);
	assert_int_equal(spec.n_sysctls, 1);
	assert_string_equal(spec.sysctl_keys[0], "net.ipv4.ip_forward");
	assert_string_equal(spec.sysctl_values[0], "1");
	assert_true(spec.has_umask);
	assert_int_equal(spec.umask, 077);
	assert_string_equal(spec.domainname, "d");
	spec_free(&spec);
	/* a host-wide sysctl, or a namespaced one without its namespace */
	expect_error(CONFIG_HEAD PROCESS_OK ",\"linux\":{\"sysctl\":{\"vm.swappiness\":\"0\"}}}",
	             "linux.sysctl.vm.swappiness: not a namespaced sysctl (allowed: net.*, "
	             "kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*)");
	expect_error(CONFIG_HEAD PROCESS_OK ",\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":"
	                                    "\"1\"}}}",
	             "linux.sysctl.net.ipv4.ip_forward: needs a new \"network\" namespace");
}

static void test_mount_options(void **state)
{
	unsigned long flags = 0, prop = 0;

	(void)state;
	assert_int_equal(spec_mount_option("ro", &flags, &prop), 1);
	assert_int_equal(spec_mount_option("nosuid", &flags, &prop), 1);
	assert_int_equal(spec_mount_option("rw", &flags, &prop), 1);
	assert_int_equal(flags, MS_NOSUID);
	assert_int_equal(spec_mount_option("rbind", &flags, &prop), 1);
	assert_int_equal(flags, MS_NOSUID | MS_BIND | MS_REC);
	assert_int_equal(spec_mount_option("rslave", &flags, &prop), 1);
	assert_int_equal(prop, MS_SLAVE | MS_REC);
	assert_int_equal(spec_mount_option("size=64k", &flags, &prop), 0);
}

#define HOOKS_HEAD CONFIG_HEAD PROCESS_OK ",\"hooks\":"

static void test_hooks(void **state)
{
	struct ct_spec spec, again;
	vc_err err = {0};
	char *st;

	(void)state;
	assert_int_equal(parse(&spec,
	                       HOOKS_HEAD
	                       "{\"prestart\":[{\"path\":\"/usr/bin/netns\",\"args\":[\"netns\","
	                       "\"-x\"],\"env\":[\"A=1\"],\"timeout\":5},{\"path\":\"/bin/b\"}],"
	                       "\"poststop\":[{\"path\":\"/bin/c\"}],\"createRuntime\":[],"
	                       "\"sometime\":[]},\"annotations\":{\"k\":\"v\"}}",
	                       &err),
	                 0);
	assert_int_equal(spec.n_hooks[CT_HOOK_PRESTART], 2);
	assert_string_equal(spec.hooks[CT_HOOK_PRESTART][0].path, "/usr/bin/netns");
	assert_string_equal(spec.hooks[CT_HOOK_PRESTART][0].args[1], "-x");
	assert_null(spec.hooks[CT_HOOK_PRESTART][0].args[2]);
	assert_string_equal(spec.hooks[CT_HOOK_PRESTART][0].env[0], "A=1");
	assert_int_equal(spec.hooks[CT_HOOK_PRESTART][0].timeout_s, 5);
	/* without args: just the path; without env: the runtime's */
	assert_null(spec.hooks[CT_HOOK_PRESTART][1].args);
	assert_null(spec.hooks[CT_HOOK_PRESTART][1].env);
	assert_int_equal(spec.hooks[CT_HOOK_PRESTART][1].timeout_s, 0);
	assert_int_equal(spec.n_hooks[CT_HOOK_CREATE_RUNTIME], 0);
	assert_int_equal(spec.n_hooks[CT_HOOK_POSTSTOP], 1);
	assert_string_equal(spec_hook_name(CT_HOOK_START_CONTAINER), "startContainer");
	/* an unknown kind is a field we ignore, with the others */
	assert_non_null(strstr(spec.unknown, "hooks.sometime"));
	/* the state hooks read */
	st = hooks_state(&spec, "c1", "creating", 42);
	assert_non_null(st);
	assert_string_equal(st, "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"creating\","
	                        "\"pid\":42,\"bundle\":\"\",\"annotations\":{\"k\":\"v\"}}");
	free(st);
	/* what create keeps reads back the same */
	assert_non_null(spec.hooks_json);
	spec_init(&again);
	assert_int_equal(spec_parse_hooks_text(&again, spec.hooks_json, &err), 0);
	assert_int_equal(again.n_hooks[CT_HOOK_PRESTART], 2);
	assert_int_equal(again.hooks[CT_HOOK_PRESTART][0].timeout_s, 5);
	assert_string_equal(again.hooks[CT_HOOK_POSTSTOP][0].path, "/bin/c");
	spec_free(&again);
	spec_free(&spec);

	expect_error(HOOKS_HEAD "{\"prestart\":[{\"path\":\"netns\"}]}}",
	             "hooks.prestart[0].path: \"netns\" is not an absolute path");
	expect_error(HOOKS_HEAD "{\"poststart\":[{\"path\":\"/a\",\"timeout\":0}]}}",
	             "hooks.poststart[0].timeout: 0; a timeout is 1 or more seconds");
	expect_error(HOOKS_HEAD "{\"poststart\":[{\"args\":[\"a\"]}]}}",
	             "hooks.poststart[0].path: missing (required)");
	expect_error(HOOKS_HEAD "{\"createContainer\":{}}}",
	             "hooks.createContainer: expected array");
	expect_error(HOOKS_HEAD "[]}", "hooks: expected object");
	expect_error(CONFIG_HEAD PROCESS_OK ",\"annotations\":[]}", "annotations: expected object");
}

/* Engines' profiles name the calls of every architecture: those unknown
 * here are left out; architectures are libseccomp's; only malformed
 * entries are errors. */
static void test_seccomp_names_and_arches(void **state)
{
	struct ct_spec spec;
	vc_err err = {0};

	(void)state;
	assert_int_equal(
	    parse(&spec,
	          CONFIG_HEAD PROCESS_OK
	          ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
	          "\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\","
	          "\"SCMP_ARCH_AARCH64\"],\"syscalls\":[{\"names\":[\"chown32\",\"read\","
	          "\"no_such_call\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},{\"names\":["
	          "\"mseal\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}",
	          &err),
	    0);
	assert_int_equal(spec.seccomp->n_arches, 4);
	assert_int_equal(spec.seccomp->arches[1], SCMP_ARCH_X86);
	assert_int_equal(spec.seccomp->arches[3], SCMP_ARCH_AARCH64);
	/* chown32 is x86's: libseccomp knows it and translates it for the
	 * architectures added; no_such_call and mseal (newer than this
	 * libseccomp) are left out */
	assert_int_equal(spec.seccomp->n_skipped, 2);
	assert_int_equal(spec.seccomp->rules[0].n_names, 3);
	assert_string_equal(spec.seccomp->rules[0].names[0], "chown32");
	assert_string_equal(spec.seccomp->rules[0].names[1], "read");
	assert_string_equal(spec.seccomp->rules[0].names[2], "write");
	assert_null(spec.seccomp->rules[0].names[3]);
	assert_int_equal(spec.seccomp->rules[1].n_names, 0);
	spec_free(&spec);

	expect_error(CONFIG_HEAD PROCESS_OK ",\"linux\":{\"seccomp\":{\"defaultAction\":"
	                                    "\"SCMP_ACT_ALLOW\",\"architectures\":[\"x86_64\"]}}}",
	             "linux.seccomp.architectures[0]: unknown architecture \"x86_64\" (expected "
	             "SCMP_ARCH_X86_64, SCMP_ARCH_X86, ...)");
	expect_error(
	    CONFIG_HEAD PROCESS_OK ",\"linux\":{\"seccomp\":{\"defaultAction\":"
	                           "\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_\"]}}}",
	    "linux.seccomp.architectures[0]: unknown architecture \"SCMP_ARCH_\" (expected "
	    "SCMP_ARCH_X86_64, SCMP_ARCH_X86, ...)");
	expect_error(CONFIG_HEAD PROCESS_OK ",\"linux\":{\"seccomp\":{\"defaultAction\":"
	                                    "\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[7],"
	                                    "\"action\":\"SCMP_ACT_ERRNO\"}]}}}",
	             "linux.seccomp.syscalls[0].names[0]: expected string");
	expect_error(CONFIG_HEAD PROCESS_OK ",\"linux\":{\"seccomp\":{\"defaultAction\":"
	                                    "\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],"
	                                    "\"action\":\"SCMP_ACT_ERRNO\"}]}}}",
	             "linux.seccomp.syscalls[0].names: missing or empty");
}

/* What Docker writes when nothing is set: zeros, false. Zero means unset;
 * a value we do not apply goes into the warning. */
static void test_resources_zero_values(void **state)
{
	struct ct_spec spec;
	vc_err err = {0};

	(void)state;
	assert_int_equal(
	    parse(&spec,
	          CONFIG_HEAD PROCESS_OK
	          ",\"linux\":{\"resources\":{\"blockIO\":{\"weight\":0,\"leafWeight\":0},"
	          "\"cpu\":{\"shares\":0,\"quota\":0,\"period\":0,\"realtimeRuntime\":0},"
	          "\"memory\":{\"limit\":0,\"swap\":0,\"disableOOMKiller\":false,"
	          "\"swappiness\":0,\"kernel\":0},\"pids\":{\"limit\":0}}}}",
	          &err),
	    0);
	assert_int_equal(spec.limits.blkio_weight, 0);
	assert_int_equal(spec.limits.cpu_quota_us, -1);
	assert_int_equal(spec.limits.memory_max, -1);
	assert_int_equal(spec.limits.memory_swap, -1);
	assert_int_equal(spec.limits.pids_max, -1);
	assert_int_equal(spec.n_unknown, 0);
	spec_free(&spec);

	assert_int_equal(
	    parse(&spec,
	          CONFIG_HEAD PROCESS_OK
	          ",\"linux\":{\"resources\":{\"blockIO\":{\"weight\":10,\"leafWeight\":20},"
	          "\"memory\":{\"disableOOMKiller\":true,\"swappiness\":60}}}}",
	          &err),
	    0);
	assert_int_equal(spec.limits.blkio_weight, 10);
	assert_int_equal(spec.n_unknown, 3);
	assert_non_null(strstr(spec.unknown, "linux.resources.blockIO.leafWeight"));
	assert_non_null(strstr(spec.unknown, "linux.resources.memory.disableOOMKiller"));
	spec_free(&spec);

	expect_error(CONFIG_HEAD PROCESS_OK ",\"linux\":{\"resources\":{\"blockIO\":{\"weight\":"
	                                    "9}}}}",
	             "linux.resources.blockIO.weight: 9 is out of range [10, 1000] (0: not set)");
	expect_error(CONFIG_HEAD PROCESS_OK ",\"linux\":{\"resources\":{\"blockIO\":{\"weight\":"
	                                    "1001}}}}",
	             "linux.resources.blockIO.weight: 1001 is out of range [0, 1000]");
}

/* `container features` lists mounts_option_name's words: each one is
 * applied by mounts_option (none is only listed), once, and the list holds
 * every kind (flag and negation, propagation, recursive, tmpcopyup). */
static void test_mount_option_names(void **state)
{
	static const char *const kinds[] = {"ro",       "nosuid",       "rbind",     "rprivate",
	                                    "rro",      "rnoatime",     "tmpcopyup", "notmpcopyup",
	                                    "lazytime", "nostrictatime"};
	const char *name;
	size_t n = 0;

	(void)state;
	for (size_t i = 0; (name = mounts_option_name(i)); i++, n++) {
		struct ct_mount m = {0};

		assert_int_equal(mounts_option(name, &m), MOUNT_OPT_APPLIED);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(name, mounts_option_name(j));
	}
	assert_true(n >= 50);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		bool found = false;

		for (size_t i = 0; (name = mounts_option_name(i)); i++)
			found = found || !strcmp(name, kinds[k]);
		assert_true(found);
	}
	assert_null(mounts_option_name(n));
	assert_null(mounts_option_name(n + 1000));
}

/* The options engines send: recursive attributes, tmpcopyup, idmap. */
static void test_engine_mount_options(void **state)
{
	struct ct_spec spec;
	vc_err err = {0};
	struct ct_mount m = {0};

	(void)state;
	assert_int_equal(mounts_option("rro", &m), MOUNT_OPT_APPLIED);
	assert_int_equal(m.attr_set, MOUNT_ATTR_RDONLY);
	assert_int_equal(mounts_option("rrw", &m), MOUNT_OPT_APPLIED);
	assert_int_equal(m.attr_set, 0);
	assert_int_equal(m.attr_clr, MOUNT_ATTR_RDONLY);
	assert_int_equal(mounts_option("rnoatime", &m), MOUNT_OPT_APPLIED);
	assert_int_equal(m.attr_set, MOUNT_ATTR_NOATIME);
	assert_int_equal(m.attr_clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR__ATIME);
	assert_int_equal(mounts_option("unbindable", &m), MOUNT_OPT_APPLIED);
	assert_int_equal(m.propagation, MS_UNBINDABLE);
	assert_int_equal(mounts_option("noexec", &m), MOUNT_OPT_APPLIED);
	assert_int_equal(m.flags, MS_NOEXEC);
	assert_int_equal(mounts_option("idmap", &m), MOUNT_OPT_UNSUPPORTED);
	assert_int_equal(mounts_option("idmap=uids=0-1000-10", &m), MOUNT_OPT_UNSUPPORTED);
	assert_int_equal(mounts_option("idmapped", &m), MOUNT_OPT_DATA);
	assert_int_equal(mounts_option("mode=1777", &m), MOUNT_OPT_DATA);

	assert_int_equal(
	    parse(&spec,
	          CONFIG_HEAD PROCESS_OK
	          ",\"mounts\":[{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
	          "\"options\":[\"rw\",\"rprivate\",\"nosuid\",\"nodev\",\"tmpcopyup\",\"mode="
	          "1777\"]},"
	          "{\"destination\":\"/v\",\"type\":\"bind\",\"source\":\"/"
	          "srv\",\"options\":[\"rbind\","
	          "\"rro\",\"idmap\",\"z\"]},{\"destination\":\"/w\",\"type\":\"rbind\",\"source\":"
	          "\"/srv\"}]}",
	          &err),
	    0);
	assert_true(spec.mounts[0].tmpcopyup);
	assert_int_equal(spec.mounts[0].flags, MS_NOSUID | MS_NODEV);
	assert_int_equal(spec.mounts[0].propagation, MS_PRIVATE | MS_REC);
	assert_string_equal(spec.mounts[0].data, "mode=1777");
	assert_int_equal(spec.mounts[1].flags, MS_BIND | MS_REC);
	assert_int_equal(spec.mounts[1].attr_set, MOUNT_ATTR_RDONLY);
	/* no data for a bind mount; idmap and "z" in the one warning */
	assert_null(spec.mounts[1].data);
	assert_int_equal(spec.n_unknown, 2);
	assert_non_null(strstr(spec.unknown, "mounts[1].options[2] \"idmap\""));
	assert_non_null(strstr(spec.unknown, "mounts[1].options \"z\" (not for a bind mount)"));
	assert_int_equal(spec.mounts[2].flags, MS_BIND | MS_REC);
	spec_free(&spec);

	expect_error(CONFIG_HEAD PROCESS_OK ",\"mounts\":[{\"destination\":\"/v\",\"type\":"
	                                    "\"bind\",\"source\":\"/srv\",\"options\":[\"bind\","
	                                    "\"tmpcopyup\"]}]}",
	             "mounts[0].options: tmpcopyup is for a tmpfs, not type \"bind\"");
}

static void quick_expect_error(struct quick_opts *q, const char *msg)
{
	struct ct_spec spec;
	vc_err err = {0};

	spec_init(&spec);
	assert_int_equal(quick_apply(&spec, q, &err), -1);
	assert_string_equal(err.msg, msg);
	spec_free(&spec);
}

static char *cmd[] = {"/bin/sh", "-c", "true", NULL};

static void test_quick_options(void **state)
{
	struct quick_opts q = {.rootfs = "/", .cmd = cmd, .n_cmd = 3};
	struct ct_spec spec;
	vc_err err = {0};

	(void)state;
	q.memory = "64M";
	q.cpus = "0.5";
	q.pids = "20";
	q.hostname = "box";
	q.user = "";
	q.read_only = true;
	q.env[q.n_env++] = "PATH=/bin";
	q.env[q.n_env++] = "FOO=bar";
	q.volumes[q.n_volumes++] = "/tmp:/data:ro";
	q.workdir = "/data";
	spec_init(&spec);
	assert_int_equal(quick_apply(&spec, &q, &err), 0);
	assert_string_equal(spec.root_path, "/");
	assert_true(spec.root_readonly);
	assert_int_equal(spec.limits.memory_max, 64 << 20);
	assert_int_equal(spec.limits.cpu_quota_us, 50000);
	assert_int_equal(spec.limits.cpu_period_us, 100000);
	assert_int_equal(spec.limits.pids_max, 20);
	assert_string_equal(spec.hostname, "box");
	assert_string_equal(spec.args[0], "/bin/sh");
	assert_int_equal(spec.n_args, 3);
	assert_string_equal(spec_getenv(&spec, "PATH"), "/bin");
	assert_string_equal(spec_getenv(&spec, "FOO"), "bar");
	assert_string_equal(spec_getenv(&spec, "TERM"), "xterm");
	assert_string_equal(spec.cwd, "/data");
	assert_true(spec.ns[CT_NS_USER].enabled);
	assert_int_equal(spec.uid_maps[0].container_id, 0);
	assert_int_equal(spec.uid_maps[0].host_id, QUICK_USERNS_HOST_ID);
	assert_int_equal(spec.n_gid_maps, 1);
	assert_int_equal(spec.n_mounts, 8);
	assert_string_equal(spec.mounts[7].destination, "/data");
	assert_string_equal(spec.mounts[7].source, "/tmp");
	assert_int_equal(spec.mounts[7].flags, MS_BIND | MS_REC | MS_RDONLY);
	assert_int_equal(spec_validate(&spec, &err), 0);
	spec_free(&spec);

	/* --net host: no network namespace at all */
	q = (struct quick_opts){.rootfs = "/", .cmd = cmd, .n_cmd = 3, .net = "host"};
	spec_init(&spec);
	assert_int_equal(quick_apply(&spec, &q, &err), 0);
	assert_false(spec.ns[CT_NS_NET].enabled);
	assert_false(spec.root_readonly);
	spec_free(&spec);
}

/* Issue 14: the quick form gets the default seccomp profile and the
 * device allowlist; --seccomp=unconfined drops the profile only. */
static void test_quick_default_profile(void **state)
{
	struct quick_opts q = {.rootfs = "/", .cmd = cmd, .n_cmd = 3};
	const char *const must[] = {
	    "keyctl",     "add_key",     "request_key",     "unshare",
	    "mount",      "bpf",         "perf_event_open", "open_by_handle_at",
	    "kexec_load", "init_module", "clock_settime",   "userfaultfd",
	    "setns"};
	struct ct_spec spec;
	vc_err err = {0};

	(void)state;
	spec_init(&spec);
	assert_int_equal(quick_apply(&spec, &q, &err), 0);
	assert_non_null(spec.seccomp);
	assert_int_equal(spec.seccomp->default_action, SCMP_ACT_ALLOW);
	assert_true(spec.limits.default_devices);
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		bool found = false;

		for (size_t r = 0; r < spec.seccomp->n_rules; r++)
			for (size_t j = 0; j < spec.seccomp->rules[r].n_names; j++)
				if (!strcmp(spec.seccomp->rules[r].names[j], must[i]) &&
				    spec.seccomp->rules[r].action == SCMP_ACT_ERRNO(EPERM))
					found = true;
		if (!found)
			fail_msg("%s is not denied by the default profile", must[i]);
	}
	spec_free(&spec);
	q.seccomp = "unconfined";
	spec_init(&spec);
	assert_int_equal(quick_apply(&spec, &q, &err), 0);
	assert_null(spec.seccomp);
	assert_true(spec.limits.default_devices);
	spec_free(&spec);
}

static void test_quick_bad_options(void **state)
{
	struct quick_opts q = {.rootfs = "/", .cmd = cmd, .n_cmd = 3};

	(void)state;
	q.memory = "abc";
	quick_expect_error(&q, "--memory 'abc': not a size (expected e.g. 64M, 1G)");
	q.memory = NULL;
	q.cpus = "-1";
	quick_expect_error(&q, "--cpus '-1': not a non-negative number");
	q.cpus = "0";
	quick_expect_error(&q, "--cpus '0': out of range (0.01..1024)");
	q.cpus = NULL;
	q.pids = "0";
	quick_expect_error(&q, "--pids '0': out of range (1..4194304)");
	q.pids = NULL;
	q.net = "bridge";
	quick_expect_error(&q, "--net 'bridge': expected none, loopback or host");
	q.net = NULL;
	q.volumes[q.n_volumes++] = "/tmp";
	quick_expect_error(&q, "--volume '/tmp': expected SRC:DST[:ro]");
	q.n_volumes = 0;
	q.env[q.n_env++] = "NOEQUALS";
	quick_expect_error(&q, "--env \"NOEQUALS\": expected NAME=VALUE");
	q.n_env = 0;
	q.rootfs = "/no/such/rootfs";
	quick_expect_error(&q, "rootfs /no/such/rootfs");
}

static void test_bundle_too_big(void **state)
{
	char dir[] = "/tmp/test_container_spec.XXXXXX", path[64];
	struct ct_spec spec;
	vc_err err = {0};
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/config.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	/* sparse: the size check must come before reading */
	assert_int_equal(ftruncate(fileno(f), 100 << 20), 0);
	fclose(f);
	spec_init(&spec);
	assert_int_equal(spec_load_bundle(&spec, dir, &err), -1);
	assert_non_null(strstr(err.msg, "104857600 bytes, more than the 4 MiB"));
	spec_free(&spec);
	unlink(path);
	spec_init(&spec);
	assert_int_equal(spec_load_bundle(&spec, dir, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	spec_free(&spec);
	rmdir(dir);
}

/* exec --process FILE: the file's process replaces config.json's. */
static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_load_process(void **state)
{
	char dir[] = "/tmp/test_container_spec.XXXXXX", path[64];
	struct ct_spec spec;
	vc_err err = {0};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/process.json", dir);
	write_text(path, "{\"args\": [\"sh\", \"-c\", \"true\"], \"env\": [\"A=1\"], "
	                 "\"cwd\": \"/tmp\", \"user\": {\"uid\": 5, \"gid\": 6}, "
	                 "\"capabilities\": {\"effective\": [\"CAP_KILL\"]}}");
	spec_init(&spec);
	assert_int_equal(parse(&spec, ct_default_config, &err), 0);
	assert_true(spec.n_rlimits > 0 && spec.no_new_privileges);
	assert_int_equal(spec_load_process(&spec, path, &err), 0);
	assert_int_equal(spec.n_args, 3);
	assert_string_equal(spec.args[2], "true");
	assert_null(spec.args[3]);
	assert_int_equal(spec.n_env, 1);
	assert_string_equal(spec_getenv(&spec, "A"), "1");
	assert_null(spec_getenv(&spec, "PATH"));
	assert_string_equal(spec.cwd, "/tmp");
	assert_int_equal(spec.uid, 5);
	assert_int_equal(spec.gid, 6);
	assert_int_equal(spec.caps[CT_CAP_EFFECTIVE], 1ull << 5);
	assert_int_equal(spec.caps[CT_CAP_BOUNDING], 0);
	/* what the file does not say goes back to the defaults */
	assert_int_equal(spec.n_rlimits, 0);
	assert_false(spec.no_new_privileges);
	/* the rest of the spec stays */
	assert_true(spec.ns[CT_NS_PID].enabled);
	assert_string_equal(spec.root_path, "/bundle/rootfs");
	spec_free(&spec);

	write_text(path, "{\"cwd\": \"/\"}");
	spec_init(&spec);
	assert_int_equal(spec_load_process(&spec, path, &err), -1);
	assert_non_null(strstr(err.msg, "process.args: missing"));
	assert_non_null(strstr(err.msg, "process.json"));
	spec_free(&spec);
	write_text(path, "[1]");
	spec_init(&spec);
	assert_int_equal(spec_load_process(&spec, path, &err), -1);
	assert_non_null(strstr(err.msg, "expected a JSON object"));
	spec_free(&spec);
	write_text(path, "{\"args\": [");
	spec_init(&spec);
	assert_int_equal(spec_load_process(&spec, path, &err), -1);
	assert_non_null(strstr(err.msg, "process.json: line 1"));
	spec_free(&spec);
	unlink(path);
	spec_init(&spec);
	assert_int_equal(spec_load_process(&spec, path, &err), -1);
	assert_int_equal(err.errnum, ENOENT);
	spec_free(&spec);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_config),
	    cmocka_unit_test(test_json_path_errors),
	    cmocka_unit_test(test_terminal),
	    cmocka_unit_test(test_malformed_json),
	    cmocka_unit_test(test_unknown_fields_counted),
	    cmocka_unit_test(test_resources_and_seccomp),
	    cmocka_unit_test(test_validate),
	    cmocka_unit_test(test_sysctl_umask_domainname),
	    cmocka_unit_test(test_mount_options),
	    cmocka_unit_test(test_hooks),
	    cmocka_unit_test(test_seccomp_names_and_arches),
	    cmocka_unit_test(test_resources_zero_values),
	    cmocka_unit_test(test_engine_mount_options),
	    cmocka_unit_test(test_mount_option_names),
	    cmocka_unit_test(test_quick_options),
	    cmocka_unit_test(test_quick_default_profile),
	    cmocka_unit_test(test_quick_bad_options),
	    cmocka_unit_test(test_bundle_too_big),
	    cmocka_unit_test(test_load_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
