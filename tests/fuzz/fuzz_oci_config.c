/* libFuzzer: config.json bytes -> the OCI parser (spec_parse_json) and,
 * when it accepts them, the validator (spec_validate) and the checks the
 * runtime makes on the result. Property: never a crash, a leak or an
 * error message that is not one line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(const vc_err *err)
{
	/* every error is one line: a newline in it is a bug */
	if (memchr(err->msg, '\n', strnlen(err->msg, sizeof(err->msg))))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_spec spec;
	vc_err err = {0};

	spec_init(&spec);
	if (spec_parse_json(&spec, (const char *)data, size, "/fuzz/bundle", &err) == 0) {
		if (spec_validate(&spec, &err) < 0)
			one_line(&err);
	} else {
		one_line(&err);
	}
	spec_free(&spec);
	return 0;
}
