/* Unit tests of the registry client's parsers (images/registry/): the
 * WWW-Authenticate challenge, credentials, sizes as progress shows them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "progress.h"
#include "registry.h"

static void test_challenge_bearer(void **state)
{
	char scheme[16], realm[1024], service[256], scope[256];

	(void)state;
	assert_int_equal(
	    reg_parse_challenge("Bearer realm=\"https://auth.example/token\","
	                        "service=\"registry.example\",scope=\"repository:a/b:pull\"",
	                        scheme, realm, service, scope),
	    0);
	assert_string_equal(scheme, "Bearer");
	assert_string_equal(realm, "https://auth.example/token");
	assert_string_equal(service, "registry.example");
	assert_string_equal(scope, "repository:a/b:pull");
}

static void test_challenge_basic(void **state)
{
	char scheme[16], realm[1024], service[256], scope[256];

	(void)state;
	assert_int_equal(
	    reg_parse_challenge("Basic realm=\"vclab test\"", scheme, realm, service, scope), 0);
	assert_string_equal(scheme, "Basic");
	assert_string_equal(realm, "vclab test");
	assert_string_equal(service, "");
	/* unquoted values, odd spacing */
	assert_int_equal(reg_parse_challenge("  bearer realm=http://x/t , service=s", scheme, realm,
	                                     service, scope),
	                 0);
	assert_string_equal(realm, "http://x/t");
	assert_string_equal(service, "s");
}

static void test_challenge_bad(void **state)
{
	char scheme[16], realm[1024], service[256], scope[256];

	(void)state;
	assert_int_equal(reg_parse_challenge("Digest realm=\"x\"", scheme, realm, service, scope),
	                 -1);
	assert_int_equal(reg_parse_challenge("", scheme, realm, service, scope), -1);
	assert_int_equal(
	    reg_parse_challenge("Bearer realm=\"unterminated", scheme, realm, service, scope), 0);
	assert_string_equal(realm, "unterminated");
}

static void test_creds(void **state)
{
	char *u = NULL, *p = NULL;
	vc_err err;

	(void)state;
	assert_int_equal(reg_parse_creds("alice:s3:cret", "--creds", &u, &p, &err), 0);
	assert_string_equal(u, "alice");
	assert_string_equal(p, "s3:cret");
	free(u);
	free(p);
	assert_int_equal(reg_parse_creds("alice", "--creds", &u, &p, &err), -1);
	assert_non_null(strstr(err.msg, "--creds: expected USER:PASSWORD"));
	assert_int_equal(reg_parse_creds(":pw", "--creds", &u, &p, &err), -1);
}

static void test_sizes(void **state)
{
	char b[16];

	(void)state;
	assert_string_equal(progress_size(512, b, sizeof(b)), "512B");
	assert_string_equal(progress_size(1234567, b, sizeof(b)), "1.23MB");
	assert_string_equal(progress_size(2000, b, sizeof(b)), "2kB");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_challenge_bearer),
	    cmocka_unit_test(test_challenge_basic),
	    cmocka_unit_test(test_challenge_bad),
	    cmocka_unit_test(test_creds),
	    cmocka_unit_test(test_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
