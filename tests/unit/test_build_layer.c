/* Unit tests of images/layer.c, the layer writer of `container build`:
 * reproducible (the same tree twice, whatever its times, gives the same
 * blob), sorted, fixed times, hard and symbolic links, the diff id, and an
 * overlay upper directory's whiteouts as OCI whiteouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "internal.h"
#include "layer.h"
#include "store.h"

static char tmp[64];
static struct img_store *store;

static int setup(void **state)
{
	char path[128];
	vc_err err;

	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/vclab-unit-layer-XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	snprintf(path, sizeof(path), "%s/store", tmp);
	return img_store_open(&store, path, &err);
}

static int teardown(void **state)
{
	(void)state;
	img_store_close(store);
	img_rmtree(tmp);
	return 0;
}

static void put(const char *rel, const char *content)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static void mk(const char *rel)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* The entries of a stored layer, "path type mtime uid" per line. */
static char *list_layer(const char *digest)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char path[512], *out = calloc(1, 8192);
	vc_err err;

	assert_non_null(out);
	assert_int_equal(img_blob_path(store, digest, path, sizeof(path), &err), 0);
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_filename(a, path, 10240), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		char line[600];
		char type = archive_entry_hardlink(e)               ? 'h'
		            : archive_entry_filetype(e) == AE_IFDIR ? 'd'
		            : archive_entry_filetype(e) == AE_IFLNK ? 'l'
		                                                    : 'f';
		snprintf(line, sizeof(line), "%s %c %lld %lld\n", archive_entry_pathname(e), type,
		         (long long)archive_entry_mtime(e), (long long)archive_entry_uid(e));
		strncat(out, line, 8191 - strlen(out));
	}
	archive_read_free(a);
	return out;
}

/* SHA-256 of the blob once gunzipped: must be the diff id. */
static void check_diff_id(const char *digest, const char *diff_id)
{
	char path[512], got[IMG_DIGEST_SIZE], buf[65536];
	struct img_hash h;
	vc_err err;
	gzFile gz;
	int n;

	assert_int_equal(img_blob_path(store, digest, path, sizeof(path), &err), 0);
	gz = gzopen(path, "rb");
	assert_non_null(gz);
	assert_int_equal(img_hash_init(&h, &err), 0);
	while ((n = gzread(gz, buf, sizeof(buf))) > 0)
		img_hash_update(&h, buf, (size_t)n);
	gzclose(gz);
	img_hash_final(&h, got);
	assert_string_equal(got, diff_id);
}

static void test_reproducible_tree(void **state)
{
	struct img_desc d1, d2;
	char id1[IMG_DIGEST_SIZE], id2[IMG_DIGEST_SIZE], tree[128], p1[256], p2[256];
	struct timeval tv[2] = {{1000, 0}, {123456789, 0}};
	vc_err err;
	char *list;

	(void)state;
	mk("t");
	mk("t/b");
	mk("t/a");
	mk("t/e");
	put("t/b/f", "content\n");
	put("t/a/z", "zz\n");
	snprintf(p1, sizeof(p1), "%s/t/b/f", tmp);
	snprintf(p2, sizeof(p2), "%s/t/b/h", tmp);
	assert_int_equal(link(p1, p2), 0);
	snprintf(p2, sizeof(p2), "%s/t/l", tmp);
	assert_int_equal(symlink("b/f", p2), 0);
	snprintf(tree, sizeof(tree), "%s/t", tmp);

	assert_int_equal(layer_write_dir(store, tree, 0, 0, &d1, id1, &err), 0);
	assert_string_equal(d1.media_type, IMG_MT_LAYER_GZIP);
	assert_true(img_blob_exists(store, d1.digest));
	/* other times on disk: the same bytes */
	assert_int_equal(utimes(p1, tv), 0);
	assert_int_equal(layer_write_dir(store, tree, 0, 0, &d2, id2, &err), 0);
	assert_string_equal(d1.digest, d2.digest);
	assert_string_equal(id1, id2);
	assert_int_equal(d1.size, d2.size);
	check_diff_id(d1.digest, id1);

	list = list_layer(d1.digest);
	assert_string_equal(list, "a/ d 0 0\n"
	                          "a/z f 0 0\n"
	                          "b/ d 0 0\n"
	                          "b/f f 0 0\n"
	                          "b/h h 0 0\n"
	                          "e/ d 0 0\n"
	                          "l l 0 0\n");
	free(list);

	/* a fixed epoch other than 0 */
	assert_int_equal(layer_write_dir(store, tree, 0, 1700000000, &d2, id2, &err), 0);
	assert_string_not_equal(d1.digest, d2.digest);
	list = list_layer(d2.digest);
	assert_non_null(strstr(list, "a/z f 1700000000 0\n"));
	free(list);
}

static void test_overlay_whiteouts(void **state)
{
	struct img_desc d;
	char id[IMG_DIGEST_SIZE], path[256], up[128];
	vc_err err;
	char *list;

	(void)state;
	mk("u");
	mk("u/dir");
	mk("u/opq");
	put("u/opq/new", "n\n");
	snprintf(path, sizeof(path), "%s/u/dir/gone", tmp);
	if (mknod(path, S_IFCHR | 0, makedev(0, 0)) < 0)
		skip(); /* needs CAP_MKNOD */
	snprintf(path, sizeof(path), "%s/u/opq", tmp);
	if (lsetxattr(path, "trusted.overlay.opaque", "y", 1, 0) < 0)
		skip(); /* needs CAP_SYS_ADMIN and a file system with trusted.* */
	snprintf(up, sizeof(up), "%s/u", tmp);

	assert_int_equal(layer_write_dir(store, up, LAYER_OVERLAY_UPPER, 0, &d, id, &err), 0);
	list = list_layer(d.digest);
	assert_string_equal(list, "dir/ d 0 0\n"
	                          "dir/.wh.gone f 0 0\n"
	                          "opq/ d 0 0\n"
	                          "opq/.wh..wh..opq f 0 0\n"
	                          "opq/new f 0 0\n");
	free(list);
	/* without the flag the device is archived as it is */
	assert_int_equal(layer_write_dir(store, up, 0, 0, &d, id, &err), 0);
	list = list_layer(d.digest);
	assert_non_null(strstr(list, "dir/gone "));
	assert_null(strstr(list, ".wh."));
	free(list);
}

static void test_errors(void **state)
{
	struct img_desc d;
	char id[IMG_DIGEST_SIZE], path[128];
	vc_err err = {0};
	bool empty;

	(void)state;
	snprintf(path, sizeof(path), "%s/no/such/dir", tmp);
	assert_int_equal(layer_write_dir(store, path, 0, 0, &d, id, &err), -1);
	assert_non_null(strstr(err.msg, "no/such/dir"));
	assert_int_equal(layer_dir_empty(path, &empty, &err), -1);
	mk("empty");
	snprintf(path, sizeof(path), "%s/empty", tmp);
	assert_int_equal(layer_dir_empty(path, &empty, &err), 0);
	assert_true(empty);
	/* an empty tree is a valid (empty) layer */
	assert_int_equal(layer_write_dir(store, path, 0, 0, &d, id, &err), 0);
	check_diff_id(d.digest, id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_reproducible_tree, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_overlay_whiteouts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
