/* Unit tests of images/: references, digests, whiteout mapping, entry
 * paths, and the store's blobs and index in a temp directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "layers.h"
#include "ref.h"
#include "store.h"

static void ref_ok(const char *in, const char *registry, const char *repo, const char *tag,
                   const char *full)
{
	struct img_ref r;
	vc_err err = {0};

	assert_int_equal(img_ref_parse(in, &r, &err), 0);
	assert_string_equal(r.registry, registry);
	assert_string_equal(r.repo, repo);
	assert_string_equal(r.tag, tag);
	assert_string_equal(r.full, full);
}

static void ref_bad(const char *in, const char *why)
{
	struct img_ref r;
	vc_err err = {0};

	assert_int_equal(img_ref_parse(in, &r, &err), -1);
	assert_non_null(strstr(err.msg, why));
}

#define D64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_ref_parse(void **state)
{
	(void)state;
	ref_ok("busybox", "", "busybox", "latest", "busybox:latest");
	ref_ok("busybox:1.36", "", "busybox", "1.36", "busybox:1.36");
	ref_ok("library/debian:bookworm-minbase", "", "library/debian", "bookworm-minbase",
	       "library/debian:bookworm-minbase");
	ref_ok("localhost:5000/app:1", "localhost:5000", "app", "1", "localhost:5000/app:1");
	ref_ok("localhost/app", "localhost", "app", "latest", "localhost/app:latest");
	ref_ok("127.0.0.1:5000/a/b", "127.0.0.1:5000", "a/b", "latest",
	       "127.0.0.1:5000/a/b:latest");
	ref_ok("registry.example.org/x_y__z-w.v", "registry.example.org", "x_y__z-w.v", "latest",
	       "registry.example.org/x_y__z-w.v:latest");
	ref_ok("app@sha256:" D64, "", "app", "", "app@sha256:" D64);
	ref_ok("app:2@sha256:" D64, "", "app", "2", "app:2@sha256:" D64);
}

static void test_ref_bad(void **state)
{
	(void)state;
	ref_bad("", "empty");
	ref_bad("Busybox", "bad name");
	ref_bad("app:", "bad tag");
	ref_bad("app:-x", "bad tag");
	ref_bad("a//b", "bad name");
	ref_bad("a/b/", "bad name");
	ref_bad("app@sha256:abc", "bad digest");
	ref_bad("app@md5:" D64, "bad digest");
	ref_bad("-app", "bad name");
	ref_bad("app..x", "bad name");
	{
		/* a registry host longer than the field: refused, never cut
		 * (the fuzzer found the cut form parsing to another name) */
		char host[300];

		memset(host, 'a', 280);
		memcpy(host + 280, ".io/app", 8);
		ref_bad(host, "registry host too long");
	}
}

static void test_digest(void **state)
{
	char d[IMG_DIGEST_SIZE];

	(void)state;
	assert_true(img_digest_valid("sha256:" D64));
	assert_false(img_digest_valid("sha256:" D64 "0"));
	assert_false(img_digest_valid("sha256:0123"));
	assert_false(
	    img_digest_valid("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef012345"
	                     "6789abcdef"));
	assert_false(img_digest_valid("sha512:" D64));
	img_sha256("abc", 3, d);
	assert_string_equal(
	    d, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	img_sha256("", 0, d);
	assert_string_equal(
	    d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_whiteout(void **state)
{
	char t[256];

	(void)state;
	assert_int_equal(img_whiteout("a/b/.wh.c", t, sizeof(t)), IMG_WH_FILE);
	assert_string_equal(t, "a/b/c");
	assert_int_equal(img_whiteout(".wh.top", t, sizeof(t)), IMG_WH_FILE);
	assert_string_equal(t, "top");
	assert_int_equal(img_whiteout("./etc/.wh..wh..opq", t, sizeof(t)), IMG_WH_OPAQUE);
	assert_string_equal(t, "./etc");
	assert_int_equal(img_whiteout(".wh..wh..opq", t, sizeof(t)), IMG_WH_OPAQUE);
	assert_string_equal(t, ".");
	assert_int_equal(img_whiteout("a/.wh.", t, sizeof(t)), IMG_WH_NONE);
	assert_int_equal(img_whiteout("a/b.wh.c", t, sizeof(t)), IMG_WH_NONE);
	assert_int_equal(img_whiteout("a/.whx", t, sizeof(t)), IMG_WH_NONE);
}

static void test_path_safe(void **state)
{
	(void)state;
	assert_true(img_path_safe("a/b/c"));
	assert_true(img_path_safe("./a"));
	assert_true(img_path_safe("/etc/passwd"));
	assert_true(img_path_safe("a/..b/c.."));
	assert_false(img_path_safe("../x"));
	assert_false(img_path_safe("a/../../x"));
	assert_false(img_path_safe("./.."));
	assert_false(img_path_safe("a/.."));
}

struct tstore {
	char dir[64];
	struct img_store *s;
};

static int store_setup(void **state)
{
	struct tstore *t = calloc(1, sizeof(*t));
	vc_err err = {0};

	snprintf(t->dir, sizeof(t->dir), "/tmp/test_images-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	assert_int_equal(img_store_open(&t->s, t->dir, &err), 0);
	*state = t;
	return 0;
}

static int store_teardown(void **state)
{
	struct tstore *t = *state;

	img_store_close(t->s);
	img_rmtree(t->dir);
	free(t);
	return 0;
}

static int count_files(const char *dir)
{
	char cmd[256];
	int n = -1;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "find %s -type f | wc -l", dir);
	f = popen(cmd, "r");
	if (f && fscanf(f, "%d", &n) != 1)
		n = -1;
	if (f)
		pclose(f);
	return n;
}

static void test_store_blobs(void **state)
{
	struct tstore *t = *state;
	struct img_blob_writer *w;
	char d[IMG_DIGEST_SIZE], tmpdir[128], *data;
	size_t len;
	int64_t size;
	vc_err err = {0};

	assert_int_equal(img_blob_put(t->s, "hello", 5, NULL, d, &err), 0);
	assert_true(img_blob_exists(t->s, d));
	assert_int_equal(img_blob_size(t->s, d, &size, &err), 0);
	assert_int_equal(size, 5);
	assert_int_equal(img_blob_read(t->s, d, 100, &data, &len, &err), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(data, "hello", 5);
	free(data);
	/* too big for the caller's limit */
	assert_int_equal(img_blob_read(t->s, d, 4, &data, &len, &err), -1);

	/* streamed, with the wrong expected digest: nothing enters the store */
	assert_int_equal(img_blob_begin(t->s, &w, &err), 0);
	assert_int_equal(img_blob_write(w, "wor", 3, &err), 0);
	assert_int_equal(img_blob_write(w, "ld", 2, &err), 0);
	assert_int_equal(img_blob_finish(w, d, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "digest mismatch"));
	img_sha256("world", 5, d);
	assert_false(img_blob_exists(t->s, d));
	snprintf(tmpdir, sizeof(tmpdir), "%s/tmp", t->dir);
	assert_int_equal(count_files(tmpdir), 0);

	/* right digest */
	assert_int_equal(img_blob_begin(t->s, &w, &err), 0);
	assert_int_equal(img_blob_write(w, "world", 5, &err), 0);
	assert_int_equal(img_blob_finish(w, d, NULL, &size, &err), 0);
	assert_true(img_blob_exists(t->s, d));
	assert_int_equal(size, 5);

	/* aborted */
	assert_int_equal(img_blob_begin(t->s, &w, &err), 0);
	assert_int_equal(img_blob_write(w, "x", 1, &err), 0);
	img_blob_abort(w);
	assert_int_equal(count_files(tmpdir), 0);

	/* corrupted on disk: read refuses it */
	{
		char p[4096];
		FILE *f;

		assert_int_equal(img_blob_path(t->s, d, p, sizeof(p), &err), 0);
		f = fopen(p, "w");
		fputs("WORLD", f);
		fclose(f);
		assert_int_equal(img_blob_read(t->s, d, 100, &data, &len, &err), -1);
		assert_non_null(strstr(err.msg, "corrupted"));
	}
	assert_int_equal(img_blob_path(t->s, "sha256:../../x", tmpdir, sizeof(tmpdir), &err), -1);
}

static void test_store_index(void **state)
{
	struct tstore *t = *state;
	struct img_desc m = {.media_type = IMG_MT_MANIFEST}, got;
	struct img_entry *e;
	size_t n;
	vc_err err = {0};
	const char *man = "{\"schemaVersion\":2}";

	assert_int_equal(img_tag(t->s, "app", &m, &err), -1); /* no such manifest blob */
	assert_int_equal(img_blob_put(t->s, man, strlen(man), NULL, m.digest, &err), 0);
	m.size = (int64_t)strlen(man);
	assert_int_equal(img_tag(t->s, "app", &m, &err), 0);
	assert_int_equal(img_tag(t->s, "localhost:5000/app:1", &m, &err), 0);
	assert_int_equal(img_tag(t->s, "app:latest", &m, &err), 0); /* replaces "app" */
	assert_int_equal(img_list(t->s, &e, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(e[0].ref, "localhost:5000/app:1");
	assert_string_equal(e[1].ref, "app:latest");
	free(e);
	assert_int_equal(img_resolve(t->s, "app", &got, &err), 0);
	assert_string_equal(got.digest, m.digest);
	assert_int_equal(got.size, m.size);
	assert_int_equal(img_resolve(t->s, m.digest + 7 + 0, &got, &err), 0);
	{
		char prefix[16];

		snprintf(prefix, sizeof(prefix), "%.12s", m.digest + 7);
		assert_int_equal(img_resolve(t->s, prefix, &got, &err), 0);
	}
	assert_int_equal(img_resolve(t->s, "nope", &got, &err), -1);
	assert_non_null(strstr(err.msg, "nope: no such image"));
	assert_int_equal(img_untag(t->s, "app", &err), 0);
	assert_int_equal(img_untag(t->s, "app", &err), -1);
	assert_int_equal(img_list(t->s, &e, &n, &err), 0);
	assert_int_equal(n, 1);
	free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ref_parse),
	    cmocka_unit_test(test_ref_bad),
	    cmocka_unit_test(test_digest),
	    cmocka_unit_test(test_whiteout),
	    cmocka_unit_test(test_path_safe),
	    cmocka_unit_test_setup_teardown(test_store_blobs, store_setup, store_teardown),
	    cmocka_unit_test_setup_teardown(test_store_index, store_setup, store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
