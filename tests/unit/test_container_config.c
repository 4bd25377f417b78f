/* Unit tests of the config fields of issue 9 (container/spec.c,
 * container/cgroup.c): linux.cgroupsPath and its checks, linux.devices,
 * linux.resources.devices and how its rules answer, and namespaces joined
 * by path or left out (mount). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../container/cgroup.h"
#include "../../container/spec.h"

#define CONFIG_HEAD   "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/r\"},"
#define PROCESS_OK    "\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\"}"
#define WITH_LINUX(x) CONFIG_HEAD PROCESS_OK ",\"linux\":{" x "}}"

static int parse(struct ct_spec *spec, const char *json, vc_err *err)
{
	spec_init(spec);
	return spec_parse_json(spec, json, strlen(json), "/bundle", err);
}

static void expect_error(const char *json, const char *msg)
{
	struct ct_spec spec;
	vc_err err = {0};

	assert_int_equal(parse(&spec, json, &err), -1);
	assert_string_equal(err.msg, msg);
	spec_free(&spec);
}

static void test_cgroups_path(void **state)
{
	struct ct_spec spec;
	vc_err err = {0};

	(void)state;
	assert_int_equal(parse(&spec, WITH_LINUX("\"cgroupsPath\":\"/docker/abc\""), &err), 0);
	assert_string_equal(spec.cgroups_path, "/docker/abc");
	spec_free(&spec);
	assert_int_equal(parse(&spec, WITH_LINUX("\"cgroupsPath\":\"pod/ctr\""), &err), 0);
	assert_string_equal(spec.cgroups_path, "pod/ctr");
	spec_free(&spec);
	/* "" is unset, as for runc: vclab/<id> */
	assert_int_equal(parse(&spec, WITH_LINUX("\"cgroupsPath\":\"\""), &err), 0);
	assert_null(spec.cgroups_path);
	spec_free(&spec);
	expect_error(WITH_LINUX("\"cgroupsPath\":\"/a/../../etc\""),
	             "linux.cgroupsPath \"/a/../../etc\": a \"..\" component is not allowed (the "
	             "cgroup must stay below the hierarchy's root)");
	expect_error(WITH_LINUX("\"cgroupsPath\":\"..\""),
	             "linux.cgroupsPath \"..\": a \"..\" component is not allowed (the cgroup "
	             "must stay below the hierarchy's root)");
	expect_error(WITH_LINUX("\"cgroupsPath\":\"//\""),
	             "linux.cgroupsPath \"//\": names the root cgroup, not one of its own");
	expect_error(WITH_LINUX("\"cgroupsPath\":3"), "linux.cgroupsPath: expected string");
}

static void test_check_path(void **state)
{
	vc_err err = {0};

	(void)state;
	assert_int_equal(cgroup_check_path("/a/b", &err), 0);
	assert_int_equal(cgroup_check_path("a", &err), 0);
	assert_int_equal(cgroup_check_path("a//b/", &err), 0);
	assert_int_equal(cgroup_check_path("system.slice:docker:x", &err), 0);
	assert_int_equal(cgroup_check_path("a..b/..c", &err), 0);
	assert_int_equal(cgroup_check_path("a/./b", &err), -1);
	assert_int_equal(cgroup_check_path("a/..", &err), -1);
	assert_int_equal(cgroup_check_path("../a", &err), -1);
	assert_int_equal(cgroup_check_path("", &err), -1);
	assert_int_equal(cgroup_check_path("/", &err), -1);
	assert_int_equal(cgroup_check_path("a\nb", &err), -1);
	assert_string_equal(err.msg, "linux.cgroupsPath: control character 0x0a at byte 1");
}

static void test_device_rules(void **state)
{
	struct ct_spec spec;
	vc_err err = {0};
	const struct cg_limits *l = &spec.limits;

	(void)state;
	assert_int_equal(
	    parse(&spec,
	          WITH_LINUX("\"resources\":{\"devices\":["
	                     "{\"allow\":false,\"access\":\"rwm\"},"
	                     "{\"allow\":true,\"type\":\"c\",\"major\":240,\"minor\":0,"
	                     "\"access\":\"rwm\"},"
	                     "{\"allow\":false,\"type\":\"c\",\"major\":240,\"minor\":0,"
	                     "\"access\":\"w\"},"
	                     "{\"allow\":true,\"type\":\"b\",\"major\":8,\"access\":\"r\"}]}"),
	          &err),
	    0);
	assert_true(l->default_devices);
	assert_int_equal(l->n_dev_rules, 4);
	assert_int_equal(l->dev_rules[0].type, 'a');
	assert_int_equal(l->dev_rules[0].major, -1);
	assert_int_equal(l->dev_rules[3].minor, -1);
	assert_int_equal(l->dev_rules[3].access, CG_DEV_READ);
	/* the last matching rule decides */
	assert_true(cg_dev_allowed(l, 'c', 240, 0, CG_DEV_READ));
	assert_true(cg_dev_allowed(l, 'c', 240, 0, CG_DEV_MKNOD));
	assert_false(cg_dev_allowed(l, 'c', 240, 0, CG_DEV_WRITE));
	assert_false(cg_dev_allowed(l, 'c', 240, 0, CG_DEV_READ | CG_DEV_WRITE));
	assert_false(cg_dev_allowed(l, 'c', 240, 1, CG_DEV_READ));
	/* an allow rule covers only the access it lists */
	assert_true(cg_dev_allowed(l, 'b', 8, 3, CG_DEV_READ));
	assert_false(cg_dev_allowed(l, 'b', 8, 3, CG_DEV_READ | CG_DEV_WRITE));
	/* the default list, appended as runc does */
	assert_true(cg_dev_allowed(l, 'c', 1, 3, CG_DEV_RWM));
	assert_true(cg_dev_allowed(l, 'c', 136, 7, CG_DEV_WRITE));
	assert_false(cg_dev_allowed(l, 'b', 1, 3, CG_DEV_READ));
	spec_free(&spec);

	/* no rules at all: no device cgroup */
	assert_int_equal(parse(&spec, WITH_LINUX("\"resources\":{}"), &err), 0);
	assert_false(spec.limits.default_devices);
	spec_free(&spec);

	expect_error(WITH_LINUX("\"resources\":{\"devices\":[{\"access\":\"r\"}]}"),
	             "linux.resources.devices[0].allow: missing (required)");
	expect_error(WITH_LINUX("\"resources\":{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}"),
	             "linux.resources.devices[0].type: \"x\" is not a, b or c");
	expect_error(WITH_LINUX("\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rx\"}]}"),
	             "linux.resources.devices[0].access: \"rx\": expected letters r, w and m");
	expect_error(WITH_LINUX("\"resources\":{\"devices\":[{\"allow\":true,\"major\":-2}]}"),
	             "linux.resources.devices[0].major: -2 is out of range [-1, 4294967295]");
}

static void test_linux_devices(void **state)
{
	struct ct_spec spec;
	vc_err err = {0};

	(void)state;
	assert_int_equal(
	    parse(&spec,
	          WITH_LINUX("\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,"
	                     "\"minor\":229,\"fileMode\":438,\"uid\":0,\"gid\":5},"
	                     "{\"path\":\"/dev/p\",\"type\":\"p\"},"
	                     "{\"path\":\"/dev/u\",\"type\":\"u\",\"major\":1,\"minor\":3}],"
	                     "\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}"),
	          &err),
	    0);
	assert_int_equal(spec.n_devices, 3);
	assert_string_equal(spec.devices[0].path, "/dev/fuse");
	assert_int_equal(spec.devices[0].type, 'c');
	assert_int_equal(spec.devices[0].major, 10);
	assert_int_equal(spec.devices[0].minor, 229);
	assert_int_equal(spec.devices[0].mode, 0666);
	assert_int_equal(spec.devices[0].gid, 5);
	assert_int_equal(spec.devices[1].type, 'p');
	assert_int_equal(spec.devices[1].mode, 0666); /* the default */
	assert_int_equal(spec.devices[2].type, 'c');  /* u: unbuffered, a char device */
	/* with a device cgroup, the devices get allow rules, as with runc */
	assert_int_equal(spec.limits.n_dev_rules, 3);
	assert_true(cg_dev_allowed(&spec.limits, 'c', 10, 229, CG_DEV_RWM));
	spec_free(&spec);

	expect_error(WITH_LINUX("\"devices\":[{\"path\":\"dev/x\",\"type\":\"c\",\"major\":1,"
	                        "\"minor\":3}]"),
	             "linux.devices[0].path: \"dev/x\" must be absolute, without \"..\"");
	expect_error(WITH_LINUX("\"devices\":[{\"path\":\"/dev/../x\",\"type\":\"c\",\"major\":1,"
	                        "\"minor\":3}]"),
	             "linux.devices[0].path: \"/dev/../x\" must be absolute, without \"..\"");
	expect_error(WITH_LINUX("\"devices\":[{\"path\":\"/..\",\"type\":\"p\"}]"),
	             "linux.devices[0].path: \"/..\" must be absolute, without \"..\"");
	expect_error(WITH_LINUX("\"devices\":[{\"path\":\"/\",\"type\":\"p\"},"
	                        "{\"path\":\"/a/..\",\"type\":\"p\"}]"),
	             "linux.devices[1].path: \"/a/..\" must be absolute, without \"..\"");
	expect_error(WITH_LINUX("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"q\"}]"),
	             "linux.devices[0].type: \"q\" is not c, b, u or p");
	expect_error(WITH_LINUX("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"b\",\"major\":8}]"),
	             "linux.devices[0]: a \"b\" device needs major and minor");
	expect_error(WITH_LINUX("\"devices\":[{\"type\":\"c\"}]"),
	             "linux.devices[0].path: missing (required)");
	expect_error(
	    WITH_LINUX("\"devices\":[{\"path\":\"/d\",\"type\":\"p\",\"fileMode\":65536}]"),
	    "linux.devices[0].fileMode: 65536 is out of range [0, 4095]");
}

static void validate_ok(const char *json)
{
	struct ct_spec spec;
	vc_err err = {0};

	assert_int_equal(parse(&spec, json, &err), 0);
	if (spec_validate(&spec, &err) < 0)
		fail_msg("%s: %s", json, err.msg);
	spec_free(&spec);
}

static void test_namespaces_joined_or_left_out(void **state)
{
	struct ct_spec spec;
	vc_err err = {0};

	(void)state;
	/* no mount namespace: the caller's */
	validate_ok(WITH_LINUX("\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"uts\"}]"));
	/* every kind joined by path, mount included */
	validate_ok(CONFIG_HEAD PROCESS_OK ",\"hostname\":\"h\",\"linux\":{\"namespaces\":["
	                                   "{\"type\":\"mount\",\"path\":\"/run/ns/mnt\"},"
	                                   "{\"type\":\"uts\",\"path\":\"/run/ns/uts\"},"
	                                   "{\"type\":\"network\",\"path\":\"/run/ns/net\"},"
	                                   "{\"type\":\"ipc\",\"path\":\"/run/ns/ipc\"},"
	                                   "{\"type\":\"cgroup\",\"path\":\"/run/ns/cgroup\"}]}}");
	assert_int_equal(parse(&spec,
	                       CONFIG_HEAD PROCESS_OK
	                       ",\"linux\":{\"namespaces\":[{\"type\":\"mount\",\"path\":\"/m\"},"
	                       "{\"type\":\"network\",\"path\":\"/n\"}]}}",
	                       &err),
	                 0);
	assert_string_equal(spec.ns[CT_NS_MOUNT].path, "/m");
	assert_false(spec.loopback_up); /* a joined network is left as it is */
	spec_free(&spec);
	/* a hostname needs a uts namespace of its own, new or joined */
	assert_int_equal(parse(&spec,
	                       CONFIG_HEAD PROCESS_OK
	                       ",\"hostname\":\"h\",\"linux\":{\"namespaces\":[{\"type\":"
	                       "\"mount\"}]}}",
	                       &err),
	                 0);
	assert_int_equal(spec_validate(&spec, &err), -1);
	assert_string_equal(err.msg, "hostname: needs a \"uts\" namespace (new or joined)");
	spec_free(&spec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cgroups_path),
	    cmocka_unit_test(test_check_path),
	    cmocka_unit_test(test_device_rules),
	    cmocka_unit_test(test_linux_devices),
	    cmocka_unit_test(test_namespaces_joined_or_left_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
