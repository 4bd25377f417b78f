/* Unit tests of the workload's compute core: SHA-256 against the published
 * FIPS 180-2 vectors, the job's argument parsing, and the job's digest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../workload/job.h"
#include "../../workload/sha256.h"

static void hex_of(const void *data, size_t len, char out[65])
{
	uint8_t d[32];
	struct sha256 c;

	sha256_init(&c);
	sha256_update(&c, data, len);
	sha256_final(&c, d);
	sha256_hex(d, out);
}

static void test_sha256_vectors(void **state)
{
	char hex[65];
	char *million;

	(void)state;
	hex_of("", 0, hex);
	assert_string_equal(hex,
	                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, hex);
	assert_string_equal(hex,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	assert_string_equal(hex,
	                    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	million = malloc(1000000);
	assert_non_null(million);
	memset(million, 'a', 1000000);
	hex_of(million, 1000000, hex);
	free(million);
	assert_string_equal(hex,
	                    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Feeding a message in odd-sized pieces gives the same digest as at once. */
static void test_sha256_incremental(void **state)
{
	uint8_t msg[1000], a[32], b[32];
	struct sha256 c;
	size_t i, step;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7);
	sha256_init(&c);
	sha256_update(&c, msg, sizeof(msg));
	sha256_final(&c, a);
	for (step = 1; step < 130; step += 13) {
		sha256_init(&c);
		for (i = 0; i < sizeof(msg); i += step)
			sha256_update(&c, msg + i, i + step > sizeof(msg) ? sizeof(msg) - i : step);
		sha256_final(&c, b);
		assert_memory_equal(a, b, 32);
	}
}

static void test_parse_good(void **state)
{
	struct job j;
	char err[128];

	(void)state;
	job_defaults(&j);
	assert_int_equal(j.sha256_mib, 1);
	assert_int_equal(job_parse_word(&j, "sha256=16", err, sizeof(err)), 0);
	assert_int_equal(job_parse_word(&j, "touch=64", err, sizeof(err)), 0);
	assert_int_equal(job_parse_word(&j, "exit=255", err, sizeof(err)), 0);
	assert_int_equal(j.sha256_mib, 16);
	assert_int_equal(j.touch_mib, 64);
	assert_int_equal(j.exit_code, 255);
	assert_true(job_is_key("sha256=1"));
	assert_false(job_is_key("sha2567=1"));
	assert_false(job_is_key("HOME=/"));
}

static void expect_bad(const char *word, const char *msg_part)
{
	struct job j;
	char err[128];

	job_defaults(&j);
	assert_int_equal(job_parse_word(&j, word, err, sizeof(err)), -1);
	assert_non_null(strstr(err, word));
	assert_non_null(strstr(err, msg_part));
	assert_null(strchr(err, '\n'));
	/* a rejected word leaves the job as it was */
	assert_int_equal(j.sha256_mib, 1);
	assert_int_equal(j.exit_code, 0);
}

static void test_parse_bad(void **state)
{
	(void)state;
	expect_bad("bogus=1", "unknown argument");
	expect_bad("sha256", "unknown argument");
	expect_bad("sha256=-1", "0 to 4096");
	expect_bad("sha256=", "0 to 4096");
	expect_bad("sha256=4097", "0 to 4096");
	expect_bad("sha256=99999999999999999999", "0 to 4096");
	expect_bad("touch=1x", "0 to 65536");
	expect_bad("exit=256", "0 to 255");
}

static void test_parse_error_truncates_safely(void **state)
{
	struct job j;
	char err[8];

	(void)state;
	job_defaults(&j);
	assert_int_equal(job_parse_word(&j, "nonsense-word-longer-than-buffer", err, sizeof(err)),
	                 -1);
	assert_int_equal(strlen(err), sizeof(err) - 1);
}

static char captured[512];
static size_t captured_len;

static void capture(const char *s, size_t n)
{
	assert_true(captured_len + n < sizeof(captured));
	memcpy(captured + captured_len, s, n);
	captured_len += n;
	captured[captured_len] = '\0';
}

static void *zalloc(size_t n)
{
	return calloc(1, n);
}

static void release(void *p, size_t n)
{
	(void)n;
	free(p);
}

/* The job's chunked hashing equals hashing the whole generated stream. */
static void test_job_digest(void **state)
{
	const struct job_env env = {capture, zalloc, release};
	struct job j = {.sha256_mib = 2, .touch_mib = 3, .exit_code = 0};
	size_t len = 2u << 20;
	uint8_t *buf = malloc(len), got[32];
	uint64_t seed = JOB_DATA_SEED;
	char want[65];

	(void)state;
	assert_non_null(buf);
	job_fill(&seed, buf, len);
	hex_of(buf, len, want);
	free(buf);
	captured_len = 0;
	assert_int_equal(job_run(&j, &env, got), 0);
	assert_non_null(strstr(captured, want));
	assert_memory_equal(captured, "sha256=", 7);
}

static void *no_memory(size_t n)
{
	(void)n;
	return NULL;
}

static void test_job_out_of_memory(void **state)
{
	const struct job_env env = {capture, no_memory, NULL};
	struct job j = {.sha256_mib = 0, .touch_mib = 1, .exit_code = 0};
	uint8_t got[32];

	(void)state;
	captured_len = 0;
	assert_int_equal(job_run(&j, &env, got), -1);
	assert_non_null(strstr(captured, "cannot allocate"));
}

static void test_done_line(void **state)
{
	const struct job_env env = {capture, zalloc, release};

	(void)state;
	captured_len = 0;
	job_print_done(&env, 0);
	job_print_done(&env, 4294967295u);
	assert_string_equal(captured, "VCLAB-DONE status=0\nVCLAB-DONE status=4294967295\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sha256_vectors),
	    cmocka_unit_test(test_sha256_incremental),
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_parse_bad),
	    cmocka_unit_test(test_parse_error_truncates_safely),
	    cmocka_unit_test(test_job_digest),
	    cmocka_unit_test(test_job_out_of_memory),
	    cmocka_unit_test(test_done_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
