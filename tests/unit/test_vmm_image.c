/* Unit tests of `vmm run --image`'s pure parts: the kernel command line
 * that carries CMD to the image init, and the unpacked-size estimate from
 * a gzip trailer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image.h"

static char *line(const char *base, char **cmd, size_t n, vc_err *err)
{
	char *out = NULL;

	return vmm_image_cmdline(base, cmd, n, &out, err) < 0 ? NULL : out;
}

static void cmdline_without_cmd_only_adds_rdinit(void **state)
{
	vc_err err = {0};
	char *s = line("console=ttyS0 quiet", NULL, 0, &err);

	(void)state;
	assert_non_null(s);
	assert_string_equal(s, "panic=-1 console=ttyS0 quiet rootfstype=ramfs rdinit=/.vclab/init");
	free(s);
	s = line("", NULL, 0, &err);
	assert_string_equal(s, "panic=-1 rootfstype=ramfs rdinit=/.vclab/init");
	free(s);
}

static void cmdline_quotes_words_with_spaces(void **state)
{
	char *cmd[] = {"/bin/sh", "-c", "echo a=b c", "x=1", NULL};
	vc_err err = {0};
	char *s = line("console=ttyS0", cmd, 4, &err);

	(void)state;
	assert_non_null(s);
	assert_string_equal(
	    s,
	    "panic=-1 console=ttyS0 rootfstype=ramfs rdinit=/.vclab/init -- vclab.cmd /bin/sh -c "
	    "\"echo a=b c\" x=1");
	free(s);
}

static void cmdline_refuses_what_linux_cannot_pass(void **state)
{
	char *quote[] = {"echo", "say \"hi\""}, *dashes[] = {"sh", "--"}, *empty[] = {"echo", ""},
	     *nl[] = {"a\nb"}, *many[VMM_IMAGE_MAX_ARGS + 1];
	vc_err err = {0};

	(void)state;
	assert_null(line("", quote, 2, &err));
	assert_non_null(strstr(err.msg, "word 2"));
	assert_non_null(strstr(err.msg, "double quote"));
	assert_null(line("", dashes, 2, &err));
	assert_non_null(strstr(err.msg, "\"--\""));
	assert_null(line("", empty, 2, &err));
	assert_non_null(strstr(err.msg, "empty"));
	assert_null(line("", nl, 1, &err));
	assert_non_null(strstr(err.msg, "0x0a"));
	for (size_t i = 0; i <= VMM_IMAGE_MAX_ARGS; i++)
		many[i] = "w";
	assert_null(line("", many, VMM_IMAGE_MAX_ARGS + 1, &err));
	assert_non_null(strstr(err.msg, "command words"));
}

static void unpacked_size_from_the_gzip_trailer(void **state)
{
	(void)state;
	/* small: the trailer is the size */
	assert_int_equal(vmm_image_unpacked(1000, 3000), 3000);
	/* a 5 GiB cpio compressed to 3 GiB: the trailer says 1 GiB (mod 4 GiB) */
	assert_int_equal(vmm_image_unpacked(3ull << 30, 1u << 30), 5ull << 30);
	/* incompressible: the gzip is a little larger than its content */
	assert_int_equal(vmm_image_unpacked(100100, 100000), 100000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cmdline_without_cmd_only_adds_rdinit),
	    cmocka_unit_test(cmdline_quotes_words_with_spaces),
	    cmocka_unit_test(cmdline_refuses_what_linux_cannot_pass),
	    cmocka_unit_test(unpacked_size_from_the_gzip_trailer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
