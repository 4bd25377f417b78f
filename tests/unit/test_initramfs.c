/* Unit tests of the image flattening behind `container image export
 * --initramfs` (images/initramfs.c): layer directories made here, with
 * overlayfs whiteouts (character devices 0/0) and opaque directories
 * (trusted.overlay.opaque=y), as the store unpacks them. Needs root (mknod,
 * trusted.* xattrs); skipped otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "initramfs.h"
#include "internal.h"

static char top[64];

static void mk(const char *layer, const char *path, char kind)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s/%s", top, layer, path);
	switch (kind) {
	case 'd':
		assert_int_equal(mkdir(p, 0755), 0);
		break;
	case 'f': {
		FILE *f = fopen(p, "w");

		assert_non_null(f);
		fputs(layer, f);
		fclose(f);
		break;
	}
	case 'w':
		assert_int_equal(mknod(p, S_IFCHR | 0, makedev(0, 0)), 0);
		break;
	case 'o':
		assert_int_equal(mkdir(p, 0755), 0);
		assert_int_equal(setxattr(p, "trusted.overlay.opaque", "y", 1, 0), 0);
		break;
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/vclab-test-initramfs-XXXXXX");
	if (geteuid() != 0 || !mkdtemp(top))
		return 0;
	for (const char *l = "012"; *l; l++) {
		char p[128];

		snprintf(p, sizeof(p), "%s/%c", top, *l);
		mkdir(p, 0755);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	img_rmtree(top);
	return 0;
}

/* The flattened paths, "a b c". */
static void flat_paths(char *buf, size_t len)
{
	char d0[128], d1[128], d2[128];
	char *dirs[] = {d0, d1, d2};
	struct img_flat f;
	vc_err err = {0};
	size_t k = 0;

	snprintf(d0, sizeof(d0), "%s/0", top);
	snprintf(d1, sizeof(d1), "%s/1", top);
	snprintf(d2, sizeof(d2), "%s/2", top);
	assert_int_equal(img_flatten(dirs, 3, &f, &err), 0);
	buf[0] = '\0';
	for (size_t i = 0; i < f.n; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s@%zu", i ? " " : "", f.e[i].path,
		                      f.e[i].layer);
	img_flat_free(&f);
}

static void whiteouts_opaque_dirs_and_upper_entries(void **state)
{
	char got[1024];

	(void)state;
	if (geteuid() != 0)
		skip();
	/* base: bin/{ls,sh}, d/{old,sub/f}, etc/x, f (a file) */
	mk("0", "bin", 'd'), mk("0", "bin/ls", 'f'), mk("0", "bin/sh", 'f');
	mk("0", "d", 'd'), mk("0", "d/old", 'f'), mk("0", "d/sub", 'd'), mk("0", "d/sub/f", 'f');
	mk("0", "etc", 'd'), mk("0", "etc/x", 'f'), mk("0", "f", 'f');
	/* layer 1: bin/ls deleted, d replaced (opaque) by d/new, f becomes a directory */
	mk("1", "bin", 'd'), mk("1", "bin/ls", 'w');
	mk("1", "d", 'o'), mk("1", "d/new", 'f');
	mk("1", "f", 'd'), mk("1", "f/in", 'f');
	/* layer 2: etc/x changed; etc/y added; .vclab of the image ignored */
	mk("2", "etc", 'd'), mk("2", "etc/x", 'f'), mk("2", "etc/y", 'f');
	mk("2", ".vclab", 'd');
	flat_paths(got, sizeof(got));
	assert_string_equal(got, "bin@1 bin/sh@0 d@1 d/new@1 etc@2 etc/x@2 etc/y@2 f@1 f/in@1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(whiteouts_opaque_dirs_and_upper_entries),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
